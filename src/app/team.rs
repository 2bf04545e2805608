//! Team mode as the console's state sees it (issue 21.4, 21.5): the claims
//! this console holds until their outcomes, and the pure words of the
//! refusal, the teammates' log lines and `:who`. The runtime talks to Redis
//! (`src/team/`); this part only sees Actions and makes Effects.

use std::collections::{BTreeMap, BTreeSet};

/// Team mode in the state: off unless the console runs with `[team]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamView {
    /// The console is one of a team: sends are claimed first, actions and
    /// outcomes are published.
    pub on: bool,
    /// Conversation → the requests its claim waits for; the claim is
    /// released when the last one has its outcome.
    pub claimed: BTreeMap<String, BTreeSet<String>>,
}

impl TeamView {
    /// Requests of `conversation` that will have no outcome (a bulk's,
    /// dropped by a cancel): its claim no longer waits for them. True when
    /// it waits for nothing more and is to be released.
    pub fn forget_requests(&mut self, conversation: &str, req_ids: &BTreeSet<String>) -> bool {
        let Some(ids) = self.claimed.get_mut(conversation) else {
            return false;
        };
        ids.retain(|r| !req_ids.contains(r));
        if !ids.is_empty() {
            return false;
        }
        self.claimed.remove(conversation);
        true
    }
}

/// What Redis said to a claim, as the runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimReply {
    Granted,
    /// A teammate holds the conversation.
    Refused {
        who: String,
        /// "assigning", "transferring", "ending".
        what: String,
        since_ms: i64,
    },
    /// Redis did not answer: the console goes on alone.
    Unavailable(String),
}

/// One console of the team, for `:who`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teammate {
    pub name: String,
    /// Holds the poller's lease.
    pub leader: bool,
    /// This console.
    pub me: bool,
    pub last_action: Option<String>,
    pub last_action_ms: Option<i64>,
}

/// "3 s ago", "2 min ago", "just now".
pub fn ago(now_ms: i64, then_ms: i64) -> String {
    let secs = (now_ms - then_ms).max(0) / 1000;
    match secs {
        0 => "just now".into(),
        1..=119 => format!("{secs} s ago"),
        _ if secs < 7200 => format!("{} min ago", secs / 60),
        _ => format!("{} h ago", secs / 3600),
    }
}

/// "Raj is assigning c-1042, 3 s ago".
pub fn refusal(who: &str, what: &str, conversation: &str, since_ms: i64, now_ms: i64) -> String {
    format!("{who} is {what} {conversation}, {}", ago(now_ms, since_ms))
}

/// A teammate's line in the log: "[Raj] assign c-1042 → Mia".
pub fn activity_line(who: &str, text: &str) -> String {
    format!("[{who}] {text}")
}

/// `:who`'s lines, one per console: "Mia (leader) · assign c-1 → Raj, 4 s ago".
pub fn who_lines(members: &[Teammate], now_ms: i64) -> Vec<String> {
    if members.is_empty() {
        return vec!["who: no console of the team is online".into()];
    }
    let mut lines = vec![format!("who: {} online", members.len())];
    for m in members {
        let role = if m.leader { "leader" } else { "follower" };
        let me = if m.me { ", you" } else { "" };
        let last = match (&m.last_action, m.last_action_ms) {
            (Some(a), Some(at)) => format!("{a}, {}", ago(now_ms, at)),
            (Some(a), None) => a.clone(),
            _ => "nothing yet".into(),
        };
        lines.push(format!("  {} ({role}{me}) · {last}", m.name));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_well() {
        assert_eq!(ago(10_000, 10_000), "just now");
        assert_eq!(ago(13_000, 10_000), "3 s ago");
        assert_eq!(ago(10_000 + 300_000, 10_000), "5 min ago");
        assert_eq!(
            refusal("Raj", "assigning", "c-1042", 0, 3_000),
            "Raj is assigning c-1042, 3 s ago"
        );
    }
}
