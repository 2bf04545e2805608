//! What the simulated contact centre is made of: agents and their
//! presence, queues and their tallies, conversations and their
//! participants, and the `World` that holds them (with its lookups).

use crate::sim::transfer::SimTransfer;
use serde::{Deserialize, Serialize};

/// How long a customer waits in a queue before the generator routes them by
/// itself, so that a supervisor has time to act first.
pub const ROUTE_AFTER_MS: i64 = 60_000;
/// Each customer's patience is their queue's plus up to this much more,
/// taken from their session id (so that no random number is drawn for it).
pub const PATIENCE_SPREAD_MS: i64 = 120_000;

fn route_after_default() -> i64 {
    ROUTE_AFTER_MS
}

/// Presence as Kore's `onlineStatusType` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Presence {
    Available,
    Busy,
    Away,
    Offline,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "AVAILABLE",
            Presence::Busy => "BUSY",
            Presence::Away => "AWAY",
            Presence::Offline => "OFFLINE",
        }
    }

    /// The `onlineStatus` form of the sample (`Offline`).
    pub fn label(self) -> &'static str {
        match self {
            Presence::Available => "Available",
            Presence::Busy => "Busy",
            Presence::Away => "Away",
            Presence::Offline => "Offline",
        }
    }
}

pub use crate::domain::Channel;

/// What the simulator reports for a channel (the console reads these its own
/// way, in `app::state`).
impl Channel {
    /// The `source` a conversation of this channel reports.
    pub fn source(self) -> &'static str {
        match self {
            Channel::Chat => "rtm",
            Channel::Voice => "audiocodes",
        }
    }

    /// The `conversationType` a conversation of this channel reports.
    pub fn conversation_type(self) -> &'static str {
        match self {
            Channel::Chat => "messaging",
            Channel::Voice => "voice",
        }
    }
}

/// Conversation status, from the enum list-conversations documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConvStatus {
    Open,
    Active,
    Idle,
    Overdue,
    Closed,
    Terminated,
}

impl ConvStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConvStatus::Open => "OPEN",
            ConvStatus::Active => "ACTIVE",
            ConvStatus::Idle => "IDLE",
            ConvStatus::Overdue => "OVERDUE",
            ConvStatus::Closed => "CLOSED",
            ConvStatus::Terminated => "TERMINATED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "OPEN" => Some(ConvStatus::Open),
            "ACTIVE" => Some(ConvStatus::Active),
            "IDLE" => Some(ConvStatus::Idle),
            "OVERDUE" => Some(ConvStatus::Overdue),
            "CLOSED" => Some(ConvStatus::Closed),
            "TERMINATED" => Some(ConvStatus::Terminated),
            _ => None,
        }
    }

    pub fn is_ended(self) -> bool {
        matches!(self, ConvStatus::Closed | ConvStatus::Terminated)
    }

    /// A customer is still waiting for an agent.
    pub fn is_waiting(self) -> bool {
        matches!(self, ConvStatus::Open | ConvStatus::Overdue)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimQueue {
    pub id: String,
    pub name: String,
    pub description: String,
    /// How long its customers wait, at the least, before they give up (see
    /// [`SimConversation::patience_ms`]).
    pub patience_ms: i64,
    /// What became of the customers who left the queue, by language and
    /// channel (so queue-size's filters apply to them too).
    pub tallies: Vec<QueueTally>,
}

/// Customers of one language and source who left a queue since the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTally {
    pub language: String,
    /// The conversation's `source` (`rtm`, `audiocodes`).
    pub source: String,
    /// Answered by an agent while waiting in the queue.
    pub answered: u32,
    /// Their waits in the queue until answered, added up.
    pub answer_wait_ms: i64,
    /// Gave up waiting in the queue.
    pub dropped: u32,
}

impl SimQueue {
    pub(super) fn tally(&mut self, c: &SimConversation) -> &mut QueueTally {
        let source = c.channel.source();
        let at = match self
            .tallies
            .iter()
            .position(|t| t.language == c.language && t.source == source)
        {
            Some(i) => i,
            None => {
                self.tallies.push(QueueTally {
                    language: c.language.clone(),
                    source: source.to_string(),
                    answered: 0,
                    answer_wait_ms: 0,
                    dropped: 0,
                });
                self.tallies.len() - 1
            }
        };
        &mut self.tallies[at]
    }
}

/// A queue a conversation was in before it was moved to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStay {
    pub queue_id: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSkill {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimAgent {
    /// The agent id (`aId`), `a-…`.
    pub id: String,
    /// The user id, `u-…`.
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub presence: Presence,
    pub queue_ids: Vec<String>,
    pub skill_ids: Vec<String>,
    pub languages: Vec<String>,
    /// Chat capacity (live chat and messaging share one pool).
    pub chat_max: u32,
    /// Voice capacity; 0 means the agent takes no calls.
    pub voice_max: u32,
    pub chat_used: u32,
    pub voice_used: u32,
}

impl SimConversation {
    /// How long this customer waits in a queue before giving up: the queue's
    /// patience plus a spread from the session id.
    pub fn patience_ms(&self, queue: &SimQueue) -> i64 {
        let digits = self.bot_session_id.get(..6).unwrap_or("0");
        let n = i64::from_str_radix(digits, 16).unwrap_or(0);
        queue.patience_ms + (n % (PATIENCE_SPREAD_MS / 1000 + 1)) * 1000
    }

    /// Its wait for an agent so far, in all queues (`waitTime`).
    pub fn wait_ms(&self, now_ms: i64) -> i64 {
        self.waited_ms + self.wait_started_ms.map_or(0, |s| (now_ms - s).max(0))
    }

    /// Ends the current wait, if any.
    pub(super) fn stop_waiting(&mut self, now_ms: i64) {
        if let Some(start) = self.wait_started_ms.take() {
            self.waited_ms += (now_ms - start).max(0);
        }
    }
}

impl SimAgent {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn capacity_left(&self, channel: Channel) -> u32 {
        match channel {
            Channel::Chat => self.chat_max.saturating_sub(self.chat_used),
            Channel::Voice => self.voice_max.saturating_sub(self.voice_used),
        }
    }

    /// The status group the availability API lists the agent under: an
    /// AVAILABLE agent with no room on any channel shows as BUSY.
    pub fn effective_presence(&self) -> Presence {
        if self.presence == Presence::Available
            && self.capacity_left(Channel::Chat) == 0
            && self.capacity_left(Channel::Voice) == 0
        {
            Presence::Busy
        } else {
            self.presence
        }
    }

    pub(super) fn take(&mut self, channel: Channel) {
        match channel {
            Channel::Chat => self.chat_used += 1,
            Channel::Voice => self.voice_used += 1,
        }
    }

    pub(super) fn release(&mut self, channel: Channel) {
        match channel {
            Channel::Chat => self.chat_used = self.chat_used.saturating_sub(1),
            Channel::Voice => self.voice_used = self.voice_used.saturating_sub(1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimParticipant {
    pub agent_id: String,
    pub name: String,
    /// Still handling the conversation (and holding capacity).
    pub active: bool,
    pub assigned_ms: i64,
    /// When the agent entered (took the conversation up); `None` while an
    /// assign waits for them (Kore then lists only `assignedAt`).
    #[serde(default)]
    pub entered_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub queue_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConversation {
    /// `c-1042`; also the `conversationId` used in hooks calls.
    pub id: String,
    /// 24 hex digits, as in Kore's samples.
    pub bot_session_id: String,
    pub user_id: String,
    pub channel: Channel,
    pub language: String,
    pub status: ConvStatus,
    /// The queue it is in (or was last in).
    pub queue_id: Option<String>,
    /// When it entered that queue.
    pub queued_ms: i64,
    /// The queues it was moved out of, oldest first.
    pub earlier_queues: Vec<QueueStay>,
    /// When its current wait for an agent began, while it waits.
    pub wait_started_ms: Option<i64>,
    /// Its earlier waits for an agent, added up (`waitTime` adds the current one).
    pub waited_ms: i64,
    pub participants: Vec<SimParticipant>,
    pub key_intent: String,
    pub phone: Option<String>,
    pub created_ms: i64,
    pub accepted_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub updated_ms: i64,
    /// A supervisor acted on it (assign or hooks); the generator leaves it alone.
    pub driven: bool,
    /// Its transfers: the supervisor's assigns and Kore's own moves.
    #[serde(default)]
    pub transfers: Vec<SimTransfer>,
    /// How long it waits before the routing may pick it up.
    #[serde(default = "route_after_default")]
    pub route_after_ms: i64,
}

/// The ids the world reports in its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldIds {
    pub bot_id: String,
    pub org_id: String,
    pub account_id: String,
}

/// The whole simulated contact centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub ids: WorldIds,
    pub agents: Vec<SimAgent>,
    pub queues: Vec<SimQueue>,
    pub skills: Vec<SimSkill>,
    /// In order of arrival.
    pub conversations: Vec<SimConversation>,
    /// The number of the next conversation id (`c-{n}`).
    pub next_number: u64,
}

impl World {
    pub fn agent(&self, id: &str) -> Option<&SimAgent> {
        self.agents.iter().find(|a| a.id == id || a.user_id == id)
    }

    pub fn queue(&self, id: &str) -> Option<&SimQueue> {
        self.queues.iter().find(|q| q.id == id)
    }

    pub fn conversation(&self, id: &str) -> Option<&SimConversation> {
        self.conversations.iter().find(|c| c.id == id)
    }

    pub fn live_count(&self) -> usize {
        self.conversations
            .iter()
            .filter(|c| !c.status.is_ended())
            .count()
    }
}
