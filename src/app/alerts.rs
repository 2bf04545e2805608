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

/// The fewest decided conversations a service level alerts on.
pub const MIN_SLA_SAMPLE: usize = 5;

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
    /// Fewer than [`MIN_SLA_SAMPLE`] decided is no alert: one late answer
    /// at start-up is not a queue in trouble (its wait alerts say that).
    pub fn sla_level(&self, within: usize, decided: usize) -> Level {
        if decided < MIN_SLA_SAMPLE {
            return Level::Ok;
        }
        // Judged on the whole percent the screen shows (rounded half up),
        // so "80% (aim 80%)" is never drawn as a warning.
        let pct = (within * 100 + decided / 2) / decided;
        let target = usize::from(self.sla_target_pct);
        if pct * 2 < target {
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

/// A listed conversation waiting for an agent, as the alerts pass keeps it
/// between changes of the conversations: a tick judges it from these alone,
/// with no lookup and no allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: String,
    /// Its `waitTime` as listed, and when it was listed (unix ms).
    pub wait_ms: i64,
    pub listed_at_ms: i64,
    /// Its queue: an index into [`Breaches::waiting_queues`].
    pub queue: Option<usize>,
    /// Its queue's thresholds (or the defaults).
    pub thresholds: Thresholds,
    /// Its level at the latest pass.
    pub level: Level,
}

impl Waiting {
    /// Its wait at `now_ms` (as `Conversation::wait_now_ms` for one that
    /// waits).
    pub fn wait_now_ms(&self, now_ms: i64) -> i64 {
        self.wait_ms + (now_ms - self.listed_at_ms).max(0)
    }
}

/// The breaches as of the latest alerts pass (`update` keeps them; the
/// status bar and the problems-only view read them, so neither walks the
/// conversations per frame), and what the bell has already rung for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breaches {
    /// Conversation id → its level, for those past a threshold.
    pub conversations: BTreeMap<String, Level>,
    /// How many of `conversations` are critical.
    critical: usize,
    /// Queue id → its level, for those past a threshold.
    pub queues: BTreeMap<String, Level>,
    /// Goes up whenever a conversation enters or leaves `conversations`:
    /// the kept problems-only list is made again then, and only then.
    pub version: u64,
    /// The highest level the bell rang for, per conversation and per queue:
    /// each id rings once per level.
    pub rung_conversations: BTreeMap<String, Level>,
    pub rung_queues: BTreeMap<String, Level>,
    /// The conversations' generation `waiting` was made at.
    pub generation: Option<u64>,
    /// The listed conversations that wait for an agent: the only ones a
    /// pass on the clock looks at.
    pub waiting: Vec<Waiting>,
    /// The queues of `waiting`, each once.
    pub waiting_queues: Vec<String>,
    /// When the bell last rang (unix ms): it rings at most once a second.
    pub bell_at_ms: Option<i64>,
    /// A new breach came within a second of the last bell: it rings once
    /// that second is over.
    pub bell_owed: bool,
}

/// The shortest time between two bells (ms), however many breaches come.
pub const BELL_GAP_MS: i64 = 1_000;

impl Breaches {
    /// A pass at `now_ms` found a new breach (`new`): whether the bell
    /// rings now (at most once every [`BELL_GAP_MS`]; one that has to
    /// wait rings on the first pass after the gap).
    pub fn ring(&mut self, new: bool, now_ms: i64) -> bool {
        self.bell_owed |= new;
        let quiet = self
            .bell_at_ms
            .is_none_or(|t| now_ms.saturating_sub(t) >= BELL_GAP_MS || now_ms < t);
        if self.bell_owed && quiet {
            self.bell_owed = false;
            self.bell_at_ms = Some(now_ms);
            return true;
        }
        false
    }
}

impl Breaches {
    /// Conversations past their warning threshold (critical ones included).
    pub fn waiting_count(&self) -> usize {
        self.conversations.len()
    }

    /// Conversations past their critical threshold.
    pub fn critical_count(&self) -> usize {
        self.critical
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

    /// Forgets every conversation's level (before `waiting` is made again);
    /// what the bell rang for stays.
    pub fn clear_conversations(&mut self) {
        if !self.conversations.is_empty() {
            self.version = self.version.wrapping_add(1);
        }
        self.conversations.clear();
        self.critical = 0;
    }

    /// Forgets one conversation's level (it changed: `waiting` is patched
    /// for it); what the bell rang for stays.
    pub fn forget_conversation(&mut self, id: &str) {
        if let Some(level) = self.conversations.remove(id) {
            self.version = self.version.wrapping_add(1);
            self.critical -= usize::from(level == Level::Critical);
        }
    }

    /// Judges `waiting[i]` at `now_ms`; true when it reached a level the
    /// bell has not rung for yet.
    pub fn judge_waiting(&mut self, i: usize, now_ms: i64) -> bool {
        let w = &mut self.waiting[i];
        let level = w.thresholds.wait_level(w.wait_now_ms(now_ms));
        let before = w.level;
        if level == before {
            return false;
        }
        w.level = level;
        let id = w.id.clone();
        // Only who is in the problems view counts (warning to critical
        // keeps the same rows): the kept list is not made again for it.
        if level.is_breach() != before.is_breach() {
            self.version = self.version.wrapping_add(1);
        }
        self.critical -= usize::from(before == Level::Critical);
        self.critical += usize::from(level == Level::Critical);
        if level.is_breach() {
            self.conversations.insert(id.clone(), level);
        } else {
            self.conversations.remove(&id);
        }
        rise(&mut self.rung_conversations, id, level)
    }

    /// Sets the queues' levels; true when one reached a level the bell has
    /// not rung for yet.
    pub fn set_queues(&mut self, queues: BTreeMap<String, Level>) -> bool {
        let mut new = false;
        for (id, level) in &queues {
            new |= rise(&mut self.rung_queues, id.clone(), *level);
        }
        self.queues = queues;
        new
    }
}

/// Records that `id` reached `level`; true when that is higher than any it
/// reached before.
fn rise(rung: &mut BTreeMap<String, Level>, id: String, level: Level) -> bool {
    let before = rung.entry(id).or_default();
    if level > *before {
        *before = level;
        true
    } else {
        false
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
        assert_eq!(
            t.sla_level(0, MIN_SLA_SAMPLE - 1),
            Level::Ok,
            "too few to judge"
        );
        assert_eq!(t.sla_level(0, MIN_SLA_SAMPLE), Level::Critical);
        assert_eq!(t.sla_level(8, 10), Level::Ok);
        assert_eq!(t.sla_level(7, 10), Level::Warn);
        assert_eq!(t.sla_level(3, 10), Level::Critical);
        // 199 of 250 is 79.6 %, shown as 80 %: on target, as shown.
        assert_eq!(t.sla_level(199, 250), Level::Ok);
        assert_eq!(t.sla_level(198, 250), Level::Warn);
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
        b.waiting.push(Waiting {
            id: "c-1".into(),
            wait_ms: 0,
            listed_at_ms: 0,
            queue: None,
            thresholds: DEFAULT_THRESHOLDS,
            level: Level::Ok,
        });
        assert!(!b.judge_waiting(0, 59_000));
        assert!(b.judge_waiting(0, 60_000), "warning");
        assert!(!b.judge_waiting(0, 61_000));
        assert_eq!((b.waiting_count(), b.critical_count()), (1, 0));
        assert!(b.judge_waiting(0, 180_000), "critical");
        assert_eq!((b.waiting_count(), b.critical_count()), (1, 1));
        // Made again (the conversations changed): no bell for what rang.
        b.clear_conversations();
        b.waiting[0].level = Level::Ok;
        assert!(!b.judge_waiting(0, 200_000));
        assert_eq!((b.waiting_count(), b.critical_count()), (1, 1));
        // A queue of the same id is apart.
        let one = |l: Level| BTreeMap::from([("c-1".to_string(), l)]);
        assert!(b.set_queues(one(Level::Warn)));
        assert!(!b.set_queues(one(Level::Warn)));
        assert_eq!(b.queue_counts(), (1, 0));
    }
}
