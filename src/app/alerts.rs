//! Wait alerts: the thresholds a conversation's wait and a queue's service
//! level are judged by, and the level they reach. Pure; `[alerts]` in the
//! config is turned into an [`Alerts`] by the runtime.

use std::collections::BTreeMap;

/// How bad a wait or a service level is. Ordered: `Ok < Warn < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    Ok,
    Warn,
    Critical,
}

impl Level {
    /// A past-threshold level.
    pub fn is_breach(self) -> bool {
        self != Level::Ok
    }
}

/// The thresholds for one queue (or the defaults). A wait threshold of 0 is
/// off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A wait this long (seconds) or longer is a warning.
    pub warn_wait_secs: u32,
    /// A wait this long (seconds) or longer is critical.
    pub critical_wait_secs: u32,
    /// A conversation answered within this counts for the service level.
    pub sla_secs: u32,
    /// The service level (percent answered within `sla_secs`) aimed for.
    pub sla_target_pct: u8,
}

/// The defaults when `[alerts]` leaves a key out.
pub const DEFAULT_THRESHOLDS: Thresholds = Thresholds {
    warn_wait_secs: 60,
    critical_wait_secs: 180,
    sla_secs: 20,
    sla_target_pct: 80,
};

impl Default for Thresholds {
    fn default() -> Self {
        DEFAULT_THRESHOLDS
    }
}

impl Thresholds {
    /// The level of a wait of `wait_ms` milliseconds.
    pub fn wait_level(&self, wait_ms: i64) -> Level {
        let past = |secs: u32| secs > 0 && wait_ms >= i64::from(secs) * 1000;
        if past(self.critical_wait_secs) {
            Level::Critical
        } else if past(self.warn_wait_secs) {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// The level of a service level of `within` answered in time out of
    /// `decided`: below the target is a warning, below half of it critical.
    /// Nothing decided yet is no alert.
    pub fn sla_level(&self, within: usize, decided: usize) -> Level {
        if decided == 0 {
            return Level::Ok;
        }
        let pct = within as f64 * 100.0 / decided as f64;
        let target = f64::from(self.sla_target_pct);
        if pct < target / 2.0 {
            Level::Critical
        } else if pct < target {
            Level::Warn
        } else {
            Level::Ok
        }
    }
}

/// Every threshold of this run: the defaults, and per-queue overrides keyed
/// by the queue's id or its name as `[alerts.queues]` names it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alerts {
    pub default: Thresholds,
    /// Ring the terminal bell once for each new breach.
    pub bell: bool,
    pub queues: BTreeMap<String, Thresholds>,
}

impl Alerts {
    /// The thresholds of a queue: its override (by id first, then by name),
    /// else the defaults.
    pub fn for_queue(&self, id: &str, name: &str) -> &Thresholds {
        self.queues
            .get(id)
            .or_else(|| self.queues.get(name))
            .unwrap_or(&self.default)
    }
}

/// A queue's level: the worse of its longest wait now (`longest_ms`) and
/// its service level (`service`: answered within `sla_secs`, decided).
pub fn queue_level(t: &Thresholds, longest_ms: Option<i64>, service: (u32, u32)) -> Level {
    let wait = longest_ms.map_or(Level::Ok, |ms| t.wait_level(ms));
    let sla = t.sla_level(service.0 as usize, service.1 as usize);
    wait.max(sla)
}

/// The breaches as of the latest alerts pass (`update` keeps them; the
/// status bar and the problems-only view read them, so neither walks the
/// conversations per frame), and what the bell has already rung for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breaches {
    /// Conversation id → its level, for those past a threshold.
    pub conversations: BTreeMap<String, Level>,
    /// Queue id → its level, for those past a threshold.
    pub queues: BTreeMap<String, Level>,
    /// Goes up whenever `conversations` changes: the kept problems-only list
    /// is made again then, and only then.
    pub version: u64,
    /// The highest level the bell rang for, per conversation and per queue:
    /// each id rings once per level.
    pub rung_conversations: BTreeMap<String, Level>,
    pub rung_queues: BTreeMap<String, Level>,
    /// The conversations' generation `waiting` was made at.
    pub generation: Option<u64>,
    /// The listed conversations that wait for an agent: the only ones a
    /// pass on the clock looks at.
    pub waiting: Vec<String>,
}

impl Breaches {
    /// Conversations past their warning threshold (critical ones included).
    pub fn waiting_count(&self) -> usize {
        self.conversations.len()
    }

    /// Conversations past their critical threshold.
    pub fn critical_count(&self) -> usize {
        self.conversations
            .values()
            .filter(|l| **l == Level::Critical)
            .count()
    }

    /// Queues past a threshold, and how many of them are critical.
    pub fn queue_counts(&self) -> (usize, usize) {
        let critical = self
            .queues
            .values()
            .filter(|l| **l == Level::Critical)
            .count();
        (self.queues.len(), critical)
    }

    /// Records what a pass found; true when something entered a level it
    /// had not reached before (the bell rings for that).
    pub fn record(
        &mut self,
        conversations: BTreeMap<String, Level>,
        queues: BTreeMap<String, Level>,
    ) -> bool {
        let mut new = false;
        for (rung, now) in [
            (&mut self.rung_conversations, &conversations),
            (&mut self.rung_queues, &queues),
        ] {
            for (id, level) in now {
                let before = rung.entry(id.clone()).or_default();
                if *level > *before {
                    *before = *level;
                    new = true;
                }
            }
        }
        if conversations != self.conversations {
            self.version = self.version.wrapping_add(1);
            self.conversations = conversations;
        }
        self.queues = queues;
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_reaches_warning_then_critical_at_its_thresholds() {
        let t = DEFAULT_THRESHOLDS;
        assert_eq!(t.wait_level(59_999), Level::Ok);
        assert_eq!(t.wait_level(60_000), Level::Warn);
        assert_eq!(t.wait_level(179_999), Level::Warn);
        assert_eq!(t.wait_level(180_000), Level::Critical);
        let off = Thresholds {
            warn_wait_secs: 0,
            critical_wait_secs: 0,
            ..t
        };
        assert_eq!(off.wait_level(i64::MAX / 2), Level::Ok);
    }

    #[test]
    fn a_service_level_below_target_warns_and_below_half_is_critical() {
        let t = DEFAULT_THRESHOLDS;
        assert_eq!(t.sla_level(0, 0), Level::Ok);
        assert_eq!(t.sla_level(8, 10), Level::Ok);
        assert_eq!(t.sla_level(7, 10), Level::Warn);
        assert_eq!(t.sla_level(3, 10), Level::Critical);
    }

    #[test]
    fn a_queue_override_is_found_by_id_or_name() {
        let strict = Thresholds {
            warn_wait_secs: 10,
            ..DEFAULT_THRESHOLDS
        };
        let mut alerts = Alerts::default();
        alerts.queues.insert("Billing".into(), strict);
        assert_eq!(alerts.for_queue("q-1", "Billing").warn_wait_secs, 10);
        assert_eq!(alerts.for_queue("q-2", "Support").warn_wait_secs, 60);
        alerts.queues.insert("q-2".into(), strict);
        assert_eq!(alerts.for_queue("q-2", "Support").warn_wait_secs, 10);
    }

    #[test]
    fn a_queue_takes_the_worse_of_its_wait_and_its_service_level() {
        let t = DEFAULT_THRESHOLDS;
        assert_eq!(queue_level(&t, None, (0, 0)), Level::Ok);
        assert_eq!(queue_level(&t, Some(61_000), (9, 10)), Level::Warn);
        assert_eq!(queue_level(&t, Some(61_000), (1, 10)), Level::Critical);
        assert_eq!(queue_level(&t, Some(200_000), (9, 10)), Level::Critical);
    }

    #[test]
    fn each_id_rings_once_per_level() {
        let mut b = Breaches::default();
        let one = |l: Level| BTreeMap::from([("c-1".to_string(), l)]);
        assert!(b.record(one(Level::Warn), BTreeMap::new()));
        assert!(!b.record(one(Level::Warn), BTreeMap::new()));
        assert!(b.record(one(Level::Critical), BTreeMap::new()));
        assert!(
            !b.record(one(Level::Warn), BTreeMap::new()),
            "falling back is quiet"
        );
        assert_eq!(b.critical_count(), 0);
        assert!(!b.record(BTreeMap::new(), BTreeMap::new()));
        assert_eq!(b.waiting_count(), 0);
        assert!(
            b.record(BTreeMap::new(), one(Level::Warn)),
            "a queue of the same id is apart"
        );
        assert_eq!(b.queue_counts(), (1, 0));
    }
}
