//! queue-size figures that cannot be true: a count that is negative, not a
//! whole number, not a number at all or larger than any real queue holds,
//! and a wait that is negative or longer than any real wait. Such a figure
//! is taken out of the answer before it is read (so it is absent, never
//! clamped to 0 or `u32::MAX`) and kept as it came in [`OddFigure`], so the
//! screen can show `?` and the log the raw value.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The largest count taken as true: no queue holds a million conversations
/// or agents.
pub const MAX_COUNT: f64 = 1_000_000.0;

/// The longest wait taken as true, in ms (the unit Switchboard reads waits
/// in): 30 days.
pub const MAX_WAIT_MS: f64 = 30.0 * 86_400_000.0;

/// The longest raw value kept, in characters.
const MAX_RAW: usize = 40;

/// The counts at the answer's top level, by their wire names.
pub const COUNTS: [&str; 4] = ["waiting", "engaged", "dropOff", "noOfAgents"];
/// The counts under `agentStatus` (keys read in any case).
pub const STATUS_COUNTS: [&str; 4] = ["available", "busy", "away", "offline"];
/// The waits under `queueSummary`: the wire name, then the other spelling.
pub const WAITS: [(&str, &str); 3] = [("avgWait", ""), ("maxWait", ""), ("ASA", "asa")];

/// Why a figure cannot be true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Oddity {
    Negative,
    NotWhole,
    TooLarge,
    NotANumber,
}

impl Oddity {
    /// In words, for the log.
    pub fn label(self, wait: bool) -> &'static str {
        match (self, wait) {
            (Oddity::Negative, false) => "negative, not a count",
            (Oddity::Negative, true) => "negative, not a wait",
            (Oddity::NotWhole, _) => "not a whole number, not a count",
            (Oddity::TooLarge, false) => "too large to be a count",
            (Oddity::TooLarge, true) => "longer than 30 days, not a wait",
            (Oddity::NotANumber, _) => "not a number",
        }
    }
}

/// One figure queue-size sent that cannot be true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OddFigure {
    /// Where it was: `waiting`, `agentStatus.busy`, `queueSummary.ASA`.
    pub field: String,
    /// The value as sent (control characters dropped, at most 40
    /// characters).
    pub raw: String,
    pub why: Oddity,
}

impl OddFigure {
    /// `waiting = -5 (negative, not a count)`.
    pub fn describe(&self) -> String {
        let wait = self.field.starts_with("queueSummary.");
        format!("{} = {} ({})", self.field, self.raw, self.why.label(wait))
    }
}

/// Takes the figures that cannot be true out of one queue's answer (set to
/// `null`, which reads as absent) and returns them.
pub fn sift(entry: &mut Map<String, Value>) -> Vec<OddFigure> {
    let mut odd = Vec::new();
    for key in COUNTS {
        take(entry, key, key, false, &mut odd);
    }
    if let Some(Value::Object(status)) = entry.get_mut("agentStatus") {
        // In this order whatever the keys' case or order, so that the list
        // reads the same after a round trip.
        for name in STATUS_COUNTS {
            let keys: Vec<String> = status
                .keys()
                .filter(|k| k.eq_ignore_ascii_case(name))
                .cloned()
                .collect();
            for key in keys {
                take(
                    status,
                    &key,
                    &format!("agentStatus.{name}"),
                    false,
                    &mut odd,
                );
            }
        }
    }
    if let Some(Value::Object(summary)) = entry.get_mut("queueSummary") {
        for (key, other) in WAITS {
            for k in [key, other].into_iter().filter(|k| !k.is_empty()) {
                take(summary, k, &format!("queueSummary.{key}"), true, &mut odd);
            }
        }
    }
    odd
}

fn take(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
    wait: bool,
    odd: &mut Vec<OddFigure>,
) {
    let Some(value) = map.get_mut(key) else {
        return;
    };
    if let Some(why) = oddity(value, wait) {
        let raw = match &*value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let raw: String = raw
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_RAW)
            .collect();
        odd.push(OddFigure {
            field: field.to_string(),
            raw,
            why,
        });
        *value = Value::Null;
    }
}

/// Why `v` cannot be a count (or, with `wait`, a wait in ms); `None` when
/// it can, or when it is absent (`null`, an empty string).
pub fn oddity(v: &Value, wait: bool) -> Option<Oddity> {
    let n = match v {
        Value::Null => return None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let Some(n) = n.filter(|n| n.is_finite()) else {
        return Some(Oddity::NotANumber);
    };
    if n < 0.0 {
        Some(Oddity::Negative)
    } else if !wait && n.fract() != 0.0 {
        Some(Oddity::NotWhole)
    } else if n > if wait { MAX_WAIT_MS } else { MAX_COUNT } {
        Some(Oddity::TooLarge)
    } else {
        None
    }
}

/// Puts each odd figure back where it came from, as a string of its raw
/// value (the inverse of [`sift`], for writing an answer out).
pub fn restore(entry: &mut Map<String, Value>, odd: &[OddFigure]) {
    for o in odd {
        let raw = Value::String(o.raw.clone());
        match o.field.split_once('.') {
            None => {
                entry.insert(o.field.clone(), raw);
            }
            Some((outer, inner)) => {
                let nested = entry
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = nested {
                    m.insert(inner.to_string(), raw);
                }
            }
        }
    }
}
