//! The model room: what the console knows of the contact centre — the
//! conversations, the agents and the queues, with what the polls, the
//! alerts pass and the connection said of them. Written by the update
//! handlers that take Kore's answers and the supervisor's sends; the view
//! and the queries read it.

use super::{Agent, Conversations, Freshness, Queue, SlaMark, Status, StatusSince};
use std::collections::BTreeMap;

/// The contact centre as this console knows it.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub conversations: Conversations,
    pub agents: Vec<Agent>,
    /// The queues of list-queues, with their figures.
    pub queues: Vec<Queue>,
    /// Active queues list-queues named beyond [`MAX_QUEUES`](super::MAX_QUEUES): not kept.
    pub queues_not_shown: usize,
    /// Agent id → since when the console has seen its current status.
    pub agent_since: BTreeMap<String, StatusSince>,
    /// Queue id → the ids of the agents list-agents says are its members.
    pub queue_members: BTreeMap<String, Vec<String>>,
    /// Conversation id → whether it was answered within `sla_secs`, for
    /// every conversation this console saw in a queue (up to [`SLA_MEMORY`](super::SLA_MEMORY)).
    pub sla_seen: BTreeMap<String, SlaMark>,
    /// The breaches as of the latest alerts pass (see `app::alerts`).
    pub breaches: crate::app::alerts::Breaches,
    /// When the queue figures last came (the wallboard's header).
    pub freshness: Freshness,
    /// The connection's health, the rate, the poll's coverage: the status
    /// bar's numbers.
    pub status: Status,
}
