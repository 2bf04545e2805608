//! `[poll]`: how often live data is fetched.

use serde::Deserialize;
use std::time::Duration;

/// `[poll]`: how often live data is fetched. Zero turns a poll off.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollConfig {
    pub conversations_secs: u64,
    pub agents_secs: u64,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            conversations_secs: 10,
            agents_secs: 30,
        }
    }
}

impl PollConfig {
    /// The conversations poll interval, or `None` when that poll is off.
    pub fn conversations_interval(&self) -> Option<Duration> {
        (self.conversations_secs > 0).then(|| Duration::from_secs(self.conversations_secs))
    }

    /// The agents poll interval, or `None` when that poll is off.
    pub fn agents_interval(&self) -> Option<Duration> {
        (self.agents_secs > 0).then(|| Duration::from_secs(self.agents_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let poll = PollConfig::default();
        assert_eq!((poll.conversations_secs, poll.agents_secs), (10, 30));
    }
}
