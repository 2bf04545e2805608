//! Why a request failed, as one typed reason: what the row, the timeline
//! and the scripting commands' `"reason"` field say. Kore's own message is
//! always kept beside it; the reason is read from the error's kind, its
//! status and, leniently, its words.

use super::call_error::CallError;
use super::callback::AssignCallback;

/// The reason a request (a hooks event, an assign or its callback) failed.
/// The agent's name, where known, makes the label read
/// "Dave Dunn is offline".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FailReason {
    AgentOffline {
        agent: Option<String>,
    },
    AtCapacity {
        agent: Option<String>,
    },
    UnknownAgent {
        agent: Option<String>,
    },
    /// The conversation (or its bot session) is unknown to Kore, or over.
    UnknownConversation,
    /// Kore refused an event because its roster differs from the console's:
    /// an agent already present, or not present at all.
    RosterStale,
    /// 429.
    RateLimited,
    /// No answer: the connection was refused, timed out, broke, or the
    /// name did not resolve.
    Unreachable,
    /// 401 or 403.
    TokenRefused,
    /// The console's own refusal: the documented event order forbids it.
    OrderRefused,
    Other,
}

/// Words that say Kore's roster is not the one the console planned on.
const ROSTER_WORDS: [&str; 10] = [
    "already present",
    "not a participant",
    "not present",
    "not in the conversation",
    "not part of",
    "already part of",
    "still present",
    "already in the conversation",
    "already handles",
    "already joined",
];
const OFFLINE_WORDS: [&str; 4] = ["offline", "is away", "logged out", "not online"];
const CAPACITY_WORDS: [&str; 5] = [
    "capacity",
    "max chat",
    "no free slot",
    "does not take",
    "too many conversations",
];
const UNKNOWN_AGENT_WORDS: [&str; 5] = [
    "unknown agent",
    "agent not found",
    "no such agent",
    "invalid agent",
    "invalid aid",
];
const CONVERSATION_WORDS: [&str; 10] = [
    "no conversation",
    "conversation not found",
    "unknown conversation",
    "invalid conversation",
    "has ended",
    "already ended",
    "is closed",
    "conversation is over",
    "session not found",
    "invalid botsessionid",
];

impl FailReason {
    /// A failed call: its kind first (no answer, 429, 401/403), then the
    /// words of Kore's message.
    pub fn from_call_error(e: &CallError) -> FailReason {
        match e {
            CallError::Timeout(_) | CallError::Connect(_) | CallError::Transport(_) => {
                FailReason::Unreachable
            }
            CallError::RateLimited { .. } => FailReason::RateLimited,
            CallError::Api {
                status, message, ..
            }
            | CallError::Server {
                status, message, ..
            } => FailReason::from_status(Some(*status), message),
            _ => FailReason::Other,
        }
    }

    /// A status (if any) and a message, as a journal or a state keeps them.
    pub fn from_status(status: Option<u16>, message: &str) -> FailReason {
        match status {
            Some(401 | 403) => return FailReason::TokenRefused,
            Some(429) => return FailReason::RateLimited,
            _ => {}
        }
        let by_words = FailReason::from_message(message);
        if by_words == FailReason::Other && status == Some(404) {
            let m = message.to_ascii_lowercase();
            if m.contains("conversation") || m.contains("session") {
                return FailReason::UnknownConversation;
            }
        }
        by_words
    }

    /// A failure callback's body: its reason (or message) read for words.
    pub fn from_callback(body: &AssignCallback) -> FailReason {
        FailReason::from_message(body.reason.as_deref().unwrap_or(""))
    }

    /// Kore's words alone, matched case-insensitively. The roster's words
    /// come first: "agent X is already present" is a roster, not an agent,
    /// problem.
    pub fn from_message(message: &str) -> FailReason {
        let m = message.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| m.contains(&w.to_ascii_lowercase()));
        if has(&ROSTER_WORDS) {
            FailReason::RosterStale
        } else if has(&OFFLINE_WORDS) {
            FailReason::AgentOffline { agent: None }
        } else if has(&CAPACITY_WORDS) {
            FailReason::AtCapacity { agent: None }
        } else if has(&UNKNOWN_AGENT_WORDS) || (m.contains("agent") && m.contains("unknown")) {
            FailReason::UnknownAgent { agent: None }
        } else if has(&CONVERSATION_WORDS)
            || (m.contains("conversation") && (m.contains("not found") || m.contains("closed")))
        {
            FailReason::UnknownConversation
        } else if m.contains("rate limit") || m.contains("too many requests") {
            FailReason::RateLimited
        } else if m.contains("unauthorized") || m.contains("forbidden") || m.contains("jwt") {
            FailReason::TokenRefused
        } else {
            FailReason::Other
        }
    }

    /// The same reason naming the agent it concerns (when it concerns one).
    pub fn with_agent(self, name: &str) -> FailReason {
        let agent = Some(name.to_string());
        match self {
            FailReason::AgentOffline { .. } => FailReason::AgentOffline { agent },
            FailReason::AtCapacity { .. } => FailReason::AtCapacity { agent },
            FailReason::UnknownAgent { .. } => FailReason::UnknownAgent { agent },
            other => other,
        }
    }

    /// The snake_case code scripts read.
    pub fn code(&self) -> &'static str {
        match self {
            FailReason::AgentOffline { .. } => "agent_offline",
            FailReason::AtCapacity { .. } => "at_capacity",
            FailReason::UnknownAgent { .. } => "unknown_agent",
            FailReason::UnknownConversation => "unknown_conversation",
            FailReason::RosterStale => "roster_stale",
            FailReason::RateLimited => "rate_limited",
            FailReason::Unreachable => "kore_unreachable",
            FailReason::TokenRefused => "token_refused",
            FailReason::OrderRefused => "order_refused",
            FailReason::Other => "other",
        }
    }

    /// The reason in words, for the screen.
    pub fn label(&self) -> String {
        let who = |agent: &Option<String>| agent.clone().unwrap_or_else(|| "the agent".into());
        match self {
            FailReason::AgentOffline { agent } => format!("{} is offline", who(agent)),
            FailReason::AtCapacity { agent } => format!("{} is at capacity", who(agent)),
            FailReason::UnknownAgent { agent } => match agent {
                Some(a) => format!("{a} is not an agent Kore knows"),
                None => "unknown agent".into(),
            },
            FailReason::UnknownConversation => "conversation unknown or closed".into(),
            FailReason::RosterStale => "roster stale".into(),
            FailReason::RateLimited => "rate limited (429)".into(),
            FailReason::Unreachable => "Kore unreachable".into(),
            FailReason::TokenRefused => "token refused".into(),
            FailReason::OrderRefused => "refused by the documented order".into(),
            FailReason::Other => "failed".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_words_win_over_agent_words() {
        for m in [
            "\"a-1\" is already present",
            "Agent A-2 IS NOT A PARTICIPANT of c-9",
            "user not in the conversation",
            "agent a-1 already handles conversation c-1",
        ] {
            assert_eq!(FailReason::from_message(m), FailReason::RosterStale, "{m}");
        }
    }

    #[test]
    fn kinds_and_statuses_come_before_words() {
        let e = CallError::Api {
            status: 401,
            message: "agent is offline".into(),
            latency_ms: 1,
        };
        assert_eq!(FailReason::from_call_error(&e), FailReason::TokenRefused);
        let e = CallError::Connect("dns error: no such host".into());
        assert_eq!(FailReason::from_call_error(&e), FailReason::Unreachable);
        assert_eq!(
            FailReason::from_status(Some(404), "Conversation c-1 was not found"),
            FailReason::UnknownConversation
        );
        assert_eq!(
            FailReason::from_status(Some(400), "something else"),
            FailReason::Other
        );
    }

    #[test]
    fn label_names_the_agent() {
        let r =
            FailReason::from_message("agent a-4 (Dave Dunn) is OFFLINE").with_agent("Dave Dunn");
        assert_eq!(r.label(), "Dave Dunn is offline");
        assert_eq!(r.code(), "agent_offline");
    }
}
