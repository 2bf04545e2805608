//! The conversation events the rules reason about, independent of how they
//! are written on the wire.

use serde::{Deserialize, Serialize};

use super::agent::AgentRef;

/// The `transfertype` of an internal transfer event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// No transfer: the first agent's entry or the last agent's exit.
    Na,
    /// A hand-over: one agent replaces another.
    Cold,
    /// A consultant joins or leaves while others stay.
    Warm,
    /// An agent comes back after a dropped call, or calls the customer back.
    Redial,
}

impl TransferKind {
    /// Upper-case label used in descriptions and logs.
    pub fn label(self) -> &'static str {
        match self {
            TransferKind::Na => "NA",
            TransferKind::Cold => "COLD",
            TransferKind::Warm => "WARM",
            TransferKind::Redial => "REDIAL",
        }
    }
}

impl std::fmt::Display for TransferKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Whether the agent joins or leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Entry,
    Exit,
}

impl Transition {
    pub fn label(self) -> &'static str {
        match self {
            Transition::Entry => "entry",
            Transition::Exit => "exit",
        }
    }
}

impl std::fmt::Display for Transition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One lifecycle event of a conversation, as the console sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// `INTERNAL_TRANSFER_EVENT`.
    Transfer {
        kind: TransferKind,
        transition: Transition,
        agent: AgentRef,
    },
    /// `TRIGGER_SUMMARY_EVENT`.
    TriggerSummary,
    /// `END_OF_CONVERSATION`, with the agent who closed it when known.
    EndOfConversation { agent: Option<AgentRef> },
}

impl Event {
    pub fn transfer(kind: TransferKind, transition: Transition, agent: AgentRef) -> Self {
        Event::Transfer {
            kind,
            transition,
            agent,
        }
    }

    pub fn na_entry(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Na, Transition::Entry, agent)
    }

    pub fn na_exit(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Na, Transition::Exit, agent)
    }

    pub fn cold_entry(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Cold, Transition::Entry, agent)
    }

    pub fn cold_exit(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Cold, Transition::Exit, agent)
    }

    pub fn warm_entry(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Warm, Transition::Entry, agent)
    }

    pub fn warm_exit(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Warm, Transition::Exit, agent)
    }

    pub fn redial_entry(agent: AgentRef) -> Self {
        Event::transfer(TransferKind::Redial, Transition::Entry, agent)
    }

    /// The agent the event is about, if any.
    pub fn agent(&self) -> Option<&AgentRef> {
        match self {
            Event::Transfer { agent, .. } => Some(agent),
            Event::TriggerSummary => None,
            Event::EndOfConversation { agent } => agent.as_ref(),
        }
    }

    /// Short text for logs and timelines, e.g. `WARM entry Raj Patel`,
    /// `NA exit Mia Chen`, `TRIGGER_SUMMARY_EVENT`, `END_OF_CONVERSATION`.
    pub fn describe(&self) -> String {
        match self {
            Event::Transfer {
                kind,
                transition,
                agent,
            } => format!("{kind} {transition} {}", agent.label()),
            Event::TriggerSummary => "TRIGGER_SUMMARY_EVENT".to_string(),
            Event::EndOfConversation { .. } => "END_OF_CONVERSATION".to_string(),
        }
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
