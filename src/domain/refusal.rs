//! Why an action or event was refused.

use serde::{Deserialize, Serialize};

/// A refused action or event. `message` is written for the supervisor: it
/// names the agents involved and, where there is one, what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: RefusalCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

/// The rule that a refused action or event would have broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// A first entry (`NA` entry) when an agent has already entered.
    AlreadyEntered,
    /// Entering after the last agent left; only a redial may bring an agent back.
    UseRedial,
    /// The step needs an agent, but no agent has ever entered.
    NoAgentYet,
    /// The step needs an agent in the conversation, but nobody is present now.
    NoAgentPresent,
    /// The agent named is not in the conversation.
    NotInRoster,
    /// The agent named is already in the conversation.
    AlreadyPresent,
    /// A cold transfer from an agent to that same agent.
    SameAgent,
    /// A cold transfer must hand over from the primary, not a consultant.
    NotPrimary,
    /// A cold transfer while consultants are present (only one agent may be
    /// active during a cold transfer).
    ColdWithConsultants,
    /// A cold transfer is half done; only the event that completes it may follow.
    TransferInProgress,
    /// A `WARM` exit of the only agent left; the last agent leaves with `NA` exit.
    LastAgent,
    /// An `NA` exit while other agents are still present.
    NotLastAgent,
    /// A closing event while agents are still in the conversation.
    AgentsStillPresent,
    /// A redial for a different agent while someone is in the conversation.
    RedialOtherAgent,
    /// A redial for an agent who shares the conversation with others.
    RedialNotAlone,
    /// An event kind and transition that the documented flows never use
    /// (a redial exit).
    Undocumented,
    /// A second `TRIGGER_SUMMARY_EVENT`.
    SummaryAlreadySent,
    /// A transfer after `TRIGGER_SUMMARY_EVENT`; only `END_OF_CONVERSATION` may follow.
    NotAllowedAfterSummary,
    /// Anything after `END_OF_CONVERSATION`.
    ConversationEnded,
    /// The closing settings are not a valid order of closing events.
    BadSettings,
    /// The action is allowed but, with the current settings, sends nothing.
    NothingToSend,
}

impl RefusalCode {
    /// A stable snake_case name, for logs and the simulator's 400 bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::AlreadyEntered => "already_entered",
            RefusalCode::UseRedial => "use_redial",
            RefusalCode::NoAgentYet => "no_agent_yet",
            RefusalCode::NoAgentPresent => "no_agent_present",
            RefusalCode::NotInRoster => "not_in_roster",
            RefusalCode::AlreadyPresent => "already_present",
            RefusalCode::SameAgent => "same_agent",
            RefusalCode::NotPrimary => "not_primary",
            RefusalCode::ColdWithConsultants => "cold_with_consultants",
            RefusalCode::TransferInProgress => "transfer_in_progress",
            RefusalCode::LastAgent => "last_agent",
            RefusalCode::NotLastAgent => "not_last_agent",
            RefusalCode::AgentsStillPresent => "agents_still_present",
            RefusalCode::RedialOtherAgent => "redial_other_agent",
            RefusalCode::RedialNotAlone => "redial_not_alone",
            RefusalCode::Undocumented => "undocumented",
            RefusalCode::SummaryAlreadySent => "summary_already_sent",
            RefusalCode::NotAllowedAfterSummary => "not_allowed_after_summary",
            RefusalCode::ConversationEnded => "conversation_ended",
            RefusalCode::BadSettings => "bad_settings",
            RefusalCode::NothingToSend => "nothing_to_send",
        }
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
