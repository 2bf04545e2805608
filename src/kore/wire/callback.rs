//! The callback Kore posts to an assign's `callbackUrl` once the transfer
//! succeeds or fails: read leniently from any object, its [`Verdict`], and
//! the callback as the listener received it (`ReceivedCallback`).

use super::text::clip;
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

/// The message Kore posts to `callbackUrl` once a transfer succeeds or fails.
///
/// Its shape is not documented, so it is read leniently from any JSON object:
/// every plausible name of a field is tried (when a body carries two, the
/// more specific one wins: `botSessionId` over `sessionId`, `aId` over
/// `agentId` and `userId`, `reason` over `message` and `error`), a `status`
/// may be a string, a number, a boolean or anything else, and every key not
/// read into a field is kept in `extra`. Reading never fails on an object;
/// whether the body says success or failure is [`AssignCallback::verdict`].
///
/// Written (by the simulator) under the specific names, so a body read back
/// keeps the same fields.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AssignCallback {
    #[serde(rename = "botSessionId")]
    pub session_id: Option<String>,
    #[serde(rename = "aId")]
    pub agent_id: Option<String>,
    #[serde(rename = "queueId")]
    pub queue_id: Option<String>,
    /// As sent: usually a string (`"transferred"`), but any JSON value is kept.
    pub status: Option<Value>,
    pub reason: Option<String>,
    #[serde(rename = "requestCompletedAt")]
    pub request_completed_at: Option<i64>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// What a callback says became of the transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Success,
    Failure,
    /// Neither could be read from it; the reason says why.
    Unclear(String),
}

/// The names a callback's fields are read under, most specific first.
const CALLBACK_SESSION: [&str; 3] = ["botSessionId", "sessionId", "bot_session_id"];
const CALLBACK_AGENT: [&str; 4] = ["aId", "agentId", "userId", "agent_id"];
const CALLBACK_QUEUE: [&str; 2] = ["queueId", "queue_id"];
const CALLBACK_REASON: [&str; 6] = [
    "reason",
    "message",
    "error",
    "errorMessage",
    "msg",
    "description",
];
const CALLBACK_COMPLETED: [&str; 2] = ["requestCompletedAt", "completedAt"];

const SUCCESS_WORDS: [&str; 10] = [
    "transferred",
    "success",
    "succeeded",
    "successful",
    "assigned",
    "ok",
    "accepted",
    "completed",
    "done",
    "true",
];
const FAILURE_WORDS: [&str; 17] = [
    "failed",
    "failure",
    "fail",
    "error",
    "rejected",
    "declined",
    "refused",
    "timeout",
    "timedout",
    "timed_out",
    "unavailable",
    "not_transferred",
    "nottransferred",
    "cancelled",
    "canceled",
    "false",
    "no_agent",
];

impl AssignCallback {
    /// Reads a callback from any JSON object. Never fails: what cannot be
    /// read into a field stays in `extra`.
    pub fn from_object(mut map: serde_json::Map<String, Value>) -> AssignCallback {
        /// The first present, non-null value under `names`, and its name;
        /// the others stay in `map` (and so in `extra`). Nulls under these
        /// names say nothing and are dropped, so a written callback never
        /// names a field twice.
        fn take_named(
            map: &mut serde_json::Map<String, Value>,
            names: &[&'static str],
        ) -> Option<(&'static str, Value)> {
            for n in names {
                if map.get(*n).is_some_and(Value::is_null) {
                    map.remove(*n);
                }
            }
            names.iter().find_map(|n| map.remove(*n).map(|v| (*n, v)))
        }
        fn take(map: &mut serde_json::Map<String, Value>, names: &[&'static str]) -> Option<Value> {
            take_named(map, names).map(|(_, v)| v)
        }
        fn text(v: Value) -> String {
            match v {
                Value::String(s) => s,
                // An error object: its message when it has one.
                Value::Object(ref o) => ["message", "msg", "reason", "description"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_else(|| v.to_string()),
                other => other.to_string(),
            }
        }
        let session_id = take(&mut map, &CALLBACK_SESSION).map(text);
        let agent_id = take(&mut map, &CALLBACK_AGENT).map(text);
        let queue_id = take(&mut map, &CALLBACK_QUEUE).map(text);
        let status = take(&mut map, &["status"]);
        let reason = take(&mut map, &CALLBACK_REASON).map(text);
        let request_completed_at = take_named(&mut map, &CALLBACK_COMPLETED).and_then(|(n, v)| {
            let parsed = match &v {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            if parsed.is_none() {
                // Not a time: kept as it came.
                map.insert(n.to_string(), v);
            }
            parsed
        });
        AssignCallback {
            session_id,
            agent_id,
            queue_id,
            status,
            reason,
            request_completed_at,
            extra: map,
        }
    }

    /// The status as text for the screen (`transferred`, `200`, `true`).
    pub fn status_text(&self) -> Option<String> {
        self.status.as_ref().map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// Whether the callback reports success, failure, or neither. Kore's
    /// samples use `transferred`; words like failed, error or rejected mean
    /// failure; a boolean or an HTTP-like number is read as such. A body
    /// with no status but an error counts as failure.
    pub fn verdict(&self) -> Verdict {
        match &self.status {
            Some(Value::Bool(true)) => Verdict::Success,
            Some(Value::Bool(false)) => Verdict::Failure,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(200..=299) => Verdict::Success,
                Some(400..=599) => Verdict::Failure,
                _ => Verdict::Unclear(format!("status {n} is not one Switchboard knows")),
            },
            Some(Value::String(s)) => {
                let word = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                if SUCCESS_WORDS.contains(&word.as_str()) {
                    Verdict::Success
                } else if FAILURE_WORDS.contains(&word.as_str())
                    || word.starts_with("fail")
                    || word.starts_with("error")
                {
                    Verdict::Failure
                } else {
                    Verdict::Unclear(format!(
                        "status {:?} is not one Switchboard knows",
                        clip(s, 40)
                    ))
                }
            }
            Some(other) => Verdict::Unclear(format!(
                "status is {}, not a word",
                match other {
                    Value::Object(_) => "an object",
                    Value::Array(_) => "an array",
                    _ => "null",
                }
            )),
            None => {
                if self.reason.is_some() {
                    Verdict::Failure
                } else if let Some(b) = self.extra.get("success").and_then(Value::as_bool) {
                    if b {
                        Verdict::Success
                    } else {
                        Verdict::Failure
                    }
                } else {
                    Verdict::Unclear("it has no status".into())
                }
            }
        }
    }

    /// True when [`AssignCallback::verdict`] is success.
    pub fn succeeded(&self) -> bool {
        self.verdict() == Verdict::Success
    }
}

impl<'de> Deserialize<'de> for AssignCallback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(d)?;
        Ok(AssignCallback::from_object(map))
    }
}

/// One callback as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedCallback {
    /// The request id from the path, when the callback came to a per-request URL.
    pub request_id: Option<String>,
    pub body: AssignCallback,
    /// Why the body could not be read (not UTF-8, not JSON, not an object);
    /// `body` is then empty.
    pub problem: Option<String>,
    /// A short summary of the raw body for the log.
    pub summary: String,
}
