//! `[journal]`: how long ended conversations stay in the journal in full.

use serde::Deserialize;
use std::time::Duration;

/// `[journal]`: how long ended conversations stay in the journal in full.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalConfig {
    /// Ended conversations whose latest record is older than this are folded
    /// into one summary line at start-up.
    pub keep_ended_hours: u64,
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            keep_ended_hours: 24,
        }
    }
}

impl JournalConfig {
    pub fn keep_ended(&self) -> Duration {
        Duration::from_secs(self.keep_ended_hours.saturating_mul(3600))
    }
}
