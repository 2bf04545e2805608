//! What the console knows of each agent beyond list-agents: since when it
//! has seen the agent's current status (time in status), and which
//! conversations the agent holds.

use crate::app::State;
use crate::app::state::Agent;
pub use crate::app::state::StatusSince;
use std::collections::BTreeMap;

/// Notes each agent's status after a poll at `now_ms`: a new agent starts
/// its clock (as a lower bound), a changed status starts it afresh; agents
/// no longer listed are forgotten.
pub fn note(since: &mut BTreeMap<String, StatusSince>, agents: &[Agent], now_ms: i64) {
    since.retain(|id, _| agents.iter().any(|a| &a.id == id));
    for a in agents {
        match since.get_mut(&a.id) {
            Some(s) if s.presence == a.presence => {}
            Some(s) => {
                *s = StatusSince {
                    presence: a.presence,
                    since_ms: now_ms,
                    changed: true,
                }
            }
            None => {
                since.insert(
                    a.id.clone(),
                    StatusSince {
                        presence: a.presence,
                        since_ms: now_ms,
                        changed: false,
                    },
                );
            }
        }
    }
}

/// A time in status: `40s`, `12m`, `3h05`, `2d`.
pub fn short_time(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m", secs / 60),
        3_600..172_800 => format!("{}h{:02}", secs / 3_600, secs % 3_600 / 60),
        _ => format!("{}d", secs / 86_400),
    }
}

impl State {
    /// How long agent `id` has been in its current status as of now, and
    /// whether that is exact (a change was seen) or a lower bound.
    pub fn time_in_status(&self, id: &str) -> Option<(i64, bool)> {
        let s = self.model.agent_since.get(id)?;
        Some(((self.now_ms - s.since_ms).max(0), s.changed))
    }

    /// `12m` or `≥12m` (empty when the console has not seen the agent).
    pub fn time_in_status_text(&self, id: &str) -> String {
        match self.time_in_status(id) {
            Some((ms, true)) => short_time(ms),
            Some((ms, false)) => format!("≥{}", short_time(ms)),
            None => String::new(),
        }
    }

    /// The conversations agent `agent_id` is in now, by id: those whose
    /// merged roster (Kore's participants and this console's delivered
    /// events) holds them. Kept per generation of the conversations.
    pub fn agent_conversations(&self, agent_id: &str) -> Vec<String> {
        self.summary()
            .holds
            .get(agent_id)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_times() {
        assert_eq!(short_time(59_000), "59s");
        assert_eq!(short_time(12 * 60_000 + 5_000), "12m");
        assert_eq!(short_time(3 * 3_600_000 + 5 * 60_000), "3h05");
    }
}
