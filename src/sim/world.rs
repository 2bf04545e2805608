//! The simulated contact centre: a directory of agents and queues, the
//! conversations, and the traffic generator that moves them along.
//!
//! Everything here is plain data. [`step`] is the generator: a function of the
//! world, a seeded random number generator and the current time, so a seed
//! gives the same history every time and tests need no timers.
//!
//! Queues have a life of their own: a customer arrives into a queue and
//! waits there; after [`ROUTE_AFTER_MS`] an available member of that queue
//! with room may answer (never an agent of another queue); a customer whose
//! wait in the queue passes its patience leaves, and the queue counts a
//! drop-off. Assigning a conversation to a queue moves it there and starts
//! its wait in that queue again. queue-size is answered from these figures
//! ([`World::queue_size`]), in milliseconds.

use super::transfer::SimTransfer;
use crate::kore::wire::{
    AgentQueue, AgentRecord, AgentStatusCounts, AvailabilityAgent, Capacity, ChannelCapacity,
    ConversationParticipant, ConversationQueue, ConversationRecord, QueueAgent, QueueRecord,
    QueueSize, QueueSizeRequest, QueueSummary,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// At most this many conversations that have not ended; no customer arrives above it.
pub const MAX_LIVE: usize = 40;
/// How long a customer waits in a queue before the generator routes them by
/// itself, so that a supervisor has time to act first.
pub const ROUTE_AFTER_MS: i64 = 60_000;
/// Each customer's patience is their queue's plus up to this much more,
/// taken from their session id (so that no random number is drawn for it).
pub const PATIENCE_SPREAD_MS: i64 = 120_000;
/// How long a customer who arrives in a healthy queue while the demo runs
/// usually waits before the routing may pick them up: well inside the
/// default `sla_secs` (20 s).
pub const QUICK_ROUTE_MS: i64 = 2_000;

fn route_after_default() -> i64 {
    ROUTE_AFTER_MS
}

/// The chance, per step and per queue, that the queue answers its longest
/// waiting customer (when a member is free).
const ANSWER_CHANCE: f64 = 0.3;
/// The same for the queues that are not in trouble.
const HEALTHY_ANSWER_CHANCE: f64 = 0.9;
/// Ended conversations kept for the list endpoints; older ones are pruned.
pub const KEEP_ENDED: usize = 20;
/// An OPEN conversation waiting longer than this becomes OVERDUE.
pub const OVERDUE_AFTER_MS: i64 = 120_000;

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
    fn tally(&mut self, c: &SimConversation) -> &mut QueueTally {
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
    fn stop_waiting(&mut self, now_ms: i64) {
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

    fn take(&mut self, channel: Channel) {
        match channel {
            Channel::Chat => self.chat_used += 1,
            Channel::Voice => self.voice_used += 1,
        }
    }

    fn release(&mut self, channel: Channel) {
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

/// (id, name, description, patience in ms)
const QUEUES: [(&str, &str, &str, i64); 3] = [
    (
        "qu-5b11a01-5a1e-4c0d-8e21-0000000b1111",
        "Billing",
        "Invoices, refunds and payment plans",
        420_000,
    ),
    (
        "qu-5b22a02-5a1e-4c0d-8e21-0000000b2222",
        "Support",
        "Technical problems and account access",
        180_000,
    ),
    (
        "qu-5b33a03-5a1e-4c0d-8e21-0000000b3333",
        "Sales",
        "New plans, upgrades and quotes",
        180_000,
    ),
];

/// The demo's queue in trouble (Billing): it starts with a backlog of long
/// waits, and of its agents only one is free.
pub const TROUBLE_QUEUE: usize = 0;
/// How many customers wait in the queue in trouble at start, besides any of
/// the six first conversations that land there.
const BACKLOG: i64 = 5;
/// How long ago the first of them arrived (the others came every 30 s or so).
const BACKLOG_OLDEST_MS: i64 = 270_000;

const SKILLS: [(&str, &str); 4] = [
    ("5a1e5c1110000000000000e1", "English"),
    ("5a1e5c1110000000000000d2", "German"),
    ("5a1e5c1110000000000000e3", "Spanish"),
    ("5a1e5c1110000000000000f4", "French"),
];

/// (first, last, queues by index, languages, chat capacity, voice capacity,
/// presence)
type AgentRow = (
    &'static str,
    &'static str,
    &'static [usize],
    &'static [&'static str],
    u32,
    u32,
    Presence,
);

const AGENTS: [AgentRow; 12] = [
    ("Mia", "Chen", &[1], &["en"], 5, 1, Presence::Available),
    ("Raj", "Patel", &[1], &["en"], 5, 1, Presence::Available),
    (
        "Sofia",
        "García",
        &[2],
        &["en", "es"],
        5,
        1,
        Presence::Available,
    ),
    ("Jonas", "Becker", &[1], &["de", "en"], 5, 1, Presence::Busy),
    // Billing's only free agent at start, with room for two chats.
    (
        "Amara",
        "Okafor",
        &[0],
        &["en", "fr"],
        2,
        1,
        Presence::Available,
    ),
    ("Yuki", "Tanaka", &[2], &["en"], 5, 1, Presence::Away),
    ("Liam", "O'Brien", &[0], &["en"], 5, 1, Presence::Offline),
    (
        "Fatima",
        "Haddad",
        &[1],
        &["fr", "en"],
        5,
        1,
        Presence::Available,
    ),
    ("Lucas", "Moreau", &[2], &["fr"], 5, 1, Presence::Offline),
    ("Priya", "Nair", &[0, 2], &["en"], 5, 0, Presence::Away),
    ("Elena", "Rossi", &[1], &["es", "en"], 5, 1, Presence::Away),
    ("Tomás", "Novák", &[2], &["de"], 5, 1, Presence::Available),
];

const LANGUAGES: [&str; 4] = ["en", "de", "es", "fr"];
const INTENTS: [&str; 6] = [
    "TalkToAgent",
    "BillingQuestion",
    "ResetPassword",
    "CancelSubscription",
    "UpgradePlan",
    "ReportOutage",
];

fn skill_for(language: &str) -> &'static str {
    let name = match language {
        "de" => "German",
        "es" => "Spanish",
        "fr" => "French",
        _ => "English",
    };
    SKILLS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(id, _)| *id)
        .unwrap_or(SKILLS[0].0)
}

fn hex(rng: &mut StdRng, digits: usize) -> String {
    (0..digits)
        .map(|_| char::from_digit(rng.random_range(0..16u32), 16).unwrap_or('0'))
        .collect()
}

/// The built-in directory: 12 agents in 3 queues.
fn directory() -> (Vec<SimAgent>, Vec<SimQueue>, Vec<SimSkill>) {
    let queues = QUEUES
        .iter()
        .map(|(id, name, desc, patience)| SimQueue {
            id: id.to_string(),
            name: name.to_string(),
            description: desc.to_string(),
            patience_ms: *patience,
            tallies: Vec::new(),
        })
        .collect::<Vec<_>>();
    let skills = SKILLS
        .iter()
        .map(|(id, name)| SimSkill {
            id: id.to_string(),
            name: name.to_string(),
        })
        .collect();
    let agents = AGENTS
        .iter()
        .enumerate()
        .map(|(i, (first, last, qs, langs, chat, voice, presence))| {
            let n = i as u32 + 1;
            let ascii_last: String = last
                .chars()
                .filter_map(|c| match c {
                    'á' => Some('a'),
                    'í' => Some('i'),
                    '\'' => None,
                    c => Some(c.to_ascii_lowercase()),
                })
                .collect();
            SimAgent {
                id: format!(
                    "a-{:07x}-5a1e-4d{n:02x}-9c0f-{:012x}",
                    0x3c10000 + n * 0x1d3,
                    n
                ),
                user_id: format!(
                    "u-{:08x}-5a1e-5b{n:02x}-8a0e-{:012x}",
                    0x7e200000 + n * 0x2b1,
                    0x100 + n
                ),
                first_name: first.to_string(),
                last_name: last.to_string(),
                email: format!("{}.{}@example.com", first.to_ascii_lowercase(), ascii_last),
                phone: format!("+1555010{n:04}"),
                presence: *presence,
                queue_ids: qs.iter().map(|q| queues[*q].id.clone()).collect(),
                skill_ids: langs.iter().map(|l| skill_for(l).to_string()).collect(),
                languages: langs.iter().map(|l| l.to_string()).collect(),
                chat_max: *chat,
                voice_max: *voice,
                chat_used: 0,
                voice_used: 0,
            }
        })
        .collect();
    (agents, queues, skills)
}

impl World {
    /// The demo contact centre: the built-in directory, six conversations
    /// (some waiting, some with an agent), and a backlog of long waits in the
    /// queue in trouble ([`TROUBLE_QUEUE`]) that arrived before them.
    pub fn demo(ids: WorldIds, rng: &mut StdRng, now_ms: i64) -> World {
        let (agents, queues, skills) = directory();
        let mut world = World {
            ids,
            agents,
            queues,
            skills,
            conversations: Vec::new(),
            next_number: 1041,
        };
        for i in 0..6i64 {
            let arrived = now_ms - (110_000 - i * 15_000) - rng.random_range(0..10_000);
            world.arrive(rng, arrived);
        }
        // Three of them already have an agent.
        for _ in 0..3 {
            world.route_one(rng, now_ms);
        }
        // The backlog is drawn after the six, so that a seed gives the same
        // six as before there was one; it is numbered and placed before them,
        // since its customers came first.
        let six = std::mem::take(&mut world.conversations);
        let next = world.next_number;
        world.next_number -= BACKLOG as u64 + 6;
        let trouble = world.queues[TROUBLE_QUEUE].id.clone();
        for i in 0..BACKLOG {
            let arrived = now_ms - BACKLOG_OLDEST_MS + i * 30_000 - rng.random_range(0..10_000);
            world.arrive(rng, arrived);
            let c = world.conversations.last_mut().expect("just arrived");
            c.queue_id = Some(trouble.clone());
        }
        world.next_number = next;
        world.conversations.extend(six);
        world.mark_overdue(now_ms);
        world
    }

    /// Marks OPEN conversations waiting longer than [`OVERDUE_AFTER_MS`] as
    /// OVERDUE, with one line per change.
    fn mark_overdue(&mut self, now_ms: i64) -> Vec<String> {
        let mut changes = Vec::new();
        for c in self.conversations.iter_mut() {
            if c.status == ConvStatus::Open && now_ms - c.created_ms > OVERDUE_AFTER_MS {
                c.status = ConvStatus::Overdue;
                c.updated_ms = now_ms;
                if let Some(q) = c.queue_id.as_deref() {
                    let name = self
                        .queues
                        .iter()
                        .find(|x| x.id == q)
                        .map(|x| x.name.as_str());
                    let moved = SimTransfer::overdue(now_ms, q, name.unwrap_or(q));
                    c.transfers.push(moved);
                }
                changes.push(format!("{} is overdue", c.id));
            }
        }
        changes
    }

    /// Adds `live` waiting conversations and `closed` ended ones (for tests
    /// of paging and of the status filter).
    pub fn add_conversations(&mut self, rng: &mut StdRng, live: usize, closed: usize, now_ms: i64) {
        for _ in 0..live {
            self.arrive(rng, now_ms);
        }
        for _ in 0..closed {
            self.arrive(rng, now_ms);
            let idx = self.conversations.len() - 1;
            self.finish(idx, ConvStatus::Closed, now_ms);
        }
    }

    /// Adds `n` live conversations in a contact centre's usual mix (for
    /// tests and demos at scale, `--conversations N`): about one in twenty
    /// waiting (OPEN, a third of those OVERDUE), the rest with an agent,
    /// two in three ACTIVE and one in three IDLE. Their agents stand for
    /// the many a centre of that size has: they are not in the directory,
    /// so the directory's capacity figures stay those of its own agents.
    pub fn add_live_mix(&mut self, rng: &mut StdRng, n: usize, now_ms: i64) {
        self.conversations.reserve(n);
        for i in 0..n {
            let roll = rng.random_range(0..100u32);
            // Waits short of every queue's patience, so that none gives up
            // at the generator's next step.
            let age_ms = if roll < 5 {
                if roll < 2 {
                    rng.random_range(OVERDUE_AFTER_MS + 1_000..OVERDUE_AFTER_MS + 50_000)
                } else {
                    rng.random_range(1_000..OVERDUE_AFTER_MS)
                }
            } else {
                rng.random_range(60_000..3 * 3_600_000)
            };
            self.arrive(rng, now_ms - age_ms);
            let idx = self.conversations.len() - 1;
            if roll < 5 {
                continue;
            }
            let answered_ms = now_ms - age_ms + rng.random_range(5_000..60_000).min(age_ms);
            let conv = &mut self.conversations[idx];
            conv.stop_waiting(answered_ms);
            conv.participants.push(SimParticipant {
                agent_id: format!("a-bulk-{:05}", i % 5_000),
                name: format!("Agent {:05}", i % 5_000),
                active: true,
                assigned_ms: answered_ms,
                entered_ms: Some(answered_ms),
                end_ms: None,
                queue_id: conv.queue_id.clone(),
            });
            conv.status = if roll < 70 {
                ConvStatus::Active
            } else {
                ConvStatus::Idle
            };
            conv.accepted_ms = Some(answered_ms);
            conv.updated_ms = answered_ms;
        }
        self.mark_overdue(now_ms);
    }

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

    fn arrive(&mut self, rng: &mut StdRng, now_ms: i64) -> String {
        let channel = if rng.random_bool(0.35) {
            Channel::Voice
        } else {
            Channel::Chat
        };
        let language = LANGUAGES.choose(rng).copied().unwrap_or("en").to_string();
        let queue = self.queues.choose(rng).map(|q| q.id.clone());
        let intent = INTENTS.choose(rng).copied().unwrap_or("TalkToAgent");
        let bot_session_id = hex(rng, 24);
        let user_id = format!(
            "u-{}-{}-5{}-{}-{}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 3),
            hex(rng, 4),
            hex(rng, 12)
        );
        let phone = (channel == Channel::Voice)
            .then(|| format!("+1555{:07}", rng.random_range(0..10_000_000u32)));
        let id = format!("c-{}", self.next_number);
        self.next_number += 1;
        self.conversations.push(SimConversation {
            id: id.clone(),
            bot_session_id,
            user_id,
            channel,
            language,
            status: ConvStatus::Open,
            queue_id: queue,
            queued_ms: now_ms,
            earlier_queues: Vec::new(),
            wait_started_ms: Some(now_ms),
            waited_ms: 0,
            participants: Vec::new(),
            key_intent: intent.to_string(),
            phone,
            created_ms: now_ms,
            accepted_ms: None,
            ended_ms: None,
            updated_ms: now_ms,
            driven: false,
            transfers: Vec::new(),
            route_after_ms: ROUTE_AFTER_MS,
        });
        id
    }

    /// A customer who arrived while the world runs: in a healthy queue,
    /// nine in ten are routed after [`QUICK_ROUTE_MS`] (by their session
    /// id, so no random number is drawn), so that its service level is a
    /// believable one; the queue in trouble keeps the long wait for all.
    fn route_arrival(&mut self, id: &str) {
        let trouble = self.queues.get(TROUBLE_QUEUE).map(|q| q.id.clone());
        let Some(c) = self.conversations.iter_mut().find(|c| c.id == id) else {
            return;
        };
        let digits = c.bot_session_id.get(6..10).unwrap_or("0");
        let n = i64::from_str_radix(digits, 16).unwrap_or(0);
        if c.queue_id.is_some() && c.queue_id != trouble && n % 10 != 0 {
            c.route_after_ms = QUICK_ROUTE_MS;
        }
    }

    /// Gives the agent at `agent_idx` the conversation at `conv_idx`: earlier
    /// agents leave it (their capacity is freed) and it becomes ACTIVE.
    fn give(&mut self, conv_idx: usize, agent_idx: usize, entered: bool, now_ms: i64) {
        let channel = self.conversations[conv_idx].channel;
        let earlier: Vec<String> = self.conversations[conv_idx]
            .participants
            .iter()
            .filter(|p| p.active)
            .map(|p| p.agent_id.clone())
            .collect();
        for id in earlier {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        let agent = &mut self.agents[agent_idx];
        agent.take(channel);
        let (agent_id, name) = (agent.id.clone(), agent.name());
        self.answered(conv_idx, now_ms);
        let conv = &mut self.conversations[conv_idx];
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            p.active = false;
            p.end_ms = Some(now_ms);
        }
        conv.participants.push(SimParticipant {
            agent_id,
            name,
            active: true,
            assigned_ms: now_ms,
            entered_ms: entered.then_some(now_ms),
            end_ms: None,
            queue_id: conv.queue_id.clone(),
        });
        conv.status = ConvStatus::Active;
        conv.accepted_ms.get_or_insert(now_ms);
        conv.updated_ms = now_ms;
    }

    /// When the conversation at `idx` waits, an agent has now taken it: its
    /// queue counts the answer and how long it waited there.
    fn answered(&mut self, idx: usize, now_ms: i64) {
        let conv = &mut self.conversations[idx];
        if !conv.status.is_waiting() {
            return;
        }
        conv.stop_waiting(now_ms);
        let conv = &self.conversations[idx];
        let wait = (now_ms - conv.queued_ms).max(0);
        if let Some(q) = self.queue_index(conv) {
            let tally = self.queues[q].tally(conv);
            tally.answered += 1;
            tally.answer_wait_ms += wait;
        }
    }

    fn queue_index(&self, conv: &SimConversation) -> Option<usize> {
        let id = conv.queue_id.as_deref()?;
        self.queues.iter().position(|q| q.id == id)
    }

    /// Ends the conversation at `idx` with `status`, freeing its agents' capacity.
    fn finish(&mut self, idx: usize, status: ConvStatus, now_ms: i64) {
        let channel = self.conversations[idx].channel;
        let active: Vec<String> = self.conversations[idx]
            .participants
            .iter()
            .filter(|p| p.active)
            .map(|p| p.agent_id.clone())
            .collect();
        for id in active {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        let conv = &mut self.conversations[idx];
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            p.active = false;
            p.end_ms = Some(now_ms);
        }
        conv.stop_waiting(now_ms);
        conv.status = status;
        conv.ended_ms = Some(now_ms);
        conv.updated_ms = now_ms;
    }

    /// Why `agent` cannot take a conversation on `channel`, if it cannot.
    fn refuse_agent(agent: &SimAgent, channel: Channel) -> Option<String> {
        match agent.presence {
            Presence::Offline | Presence::Away => {
                return Some(format!(
                    "agent {} ({}) is {}",
                    agent.id,
                    agent.name(),
                    agent.presence.as_str()
                ));
            }
            Presence::Available | Presence::Busy => {}
        }
        let (max, used) = match channel {
            Channel::Chat => (agent.chat_max, agent.chat_used),
            Channel::Voice => (agent.voice_max, agent.voice_used),
        };
        if max == 0 {
            return Some(format!(
                "agent {} ({}) does not take {} conversations",
                agent.id,
                agent.name(),
                channel.as_str()
            ));
        }
        if used >= max {
            return Some(format!(
                "agent {} ({}) is at capacity for {} ({used}/{max})",
                agent.id,
                agent.name(),
                channel.as_str()
            ));
        }
        None
    }

    fn session_index(&self, bot_session_id: &str) -> Result<usize, String> {
        let idx = self
            .conversations
            .iter()
            .rposition(|c| c.bot_session_id == bot_session_id)
            .ok_or_else(|| format!("no conversation has botSessionId {bot_session_id}"))?;
        let conv = &self.conversations[idx];
        if conv.status.is_ended() {
            return Err(format!(
                "conversation {} with botSessionId {bot_session_id} has ended ({})",
                conv.id,
                conv.status.as_str()
            ));
        }
        Ok(idx)
    }

    /// Carries out assign-conversation to an agent. The error is the reason
    /// the failure callback reports.
    pub fn assign_to_agent(
        &mut self,
        bot_session_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<String, String> {
        let agent_idx = self
            .agents
            .iter()
            .position(|a| a.id == agent_id)
            .ok_or_else(|| format!("agent {agent_id} is unknown"))?;
        let conv_idx = self.session_index(bot_session_id)?;
        let conv = &self.conversations[conv_idx];
        let holds = conv
            .participants
            .iter()
            .find(|p| p.active && p.agent_id == agent_id);
        // Entered already (their NA entry came before the transfer was
        // carried out): the conversation is theirs, nothing to move.
        if holds.is_some_and(|p| p.entered_ms.is_some()) {
            let conv = &mut self.conversations[conv_idx];
            conv.driven = true;
            return Ok(conv.id.clone());
        }
        if holds.is_some() {
            return Err(format!(
                "agent {agent_id} already handles conversation {}",
                conv.id
            ));
        }
        if let Some(why) = Self::refuse_agent(&self.agents[agent_idx], conv.channel) {
            return Err(why);
        }
        let to = &self.agents[agent_idx];
        let moved =
            SimTransfer::by_supervisor(now_ms, conv.queue_id.clone(), "AGENT", &to.id, &to.name());
        // The agent is offered the conversation; their NA entry (from the
        // console, or their desktop) makes them present.
        self.give(conv_idx, agent_idx, false, now_ms);
        let conv = &mut self.conversations[conv_idx];
        conv.transfers.push(moved);
        conv.driven = true;
        Ok(conv.id.clone())
    }

    /// Carries out assign-conversation to a queue: the conversation leaves
    /// its agents and its queue and waits in this one, from now. The queue's
    /// life takes it from there (its members answer it, or its customer
    /// gives up), so the generator owns it again.
    pub fn assign_to_queue(
        &mut self,
        bot_session_id: &str,
        queue_id: &str,
        now_ms: i64,
    ) -> Result<String, String> {
        if self.queue(queue_id).is_none() {
            return Err(format!("queue {queue_id} is unknown"));
        }
        let idx = self.session_index(bot_session_id)?;
        let channel = self.conversations[idx].channel;
        let active: Vec<String> = self.conversations[idx]
            .participants
            .iter()
            .filter(|p| p.active)
            .map(|p| p.agent_id.clone())
            .collect();
        for id in active {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        let to_name = self
            .queue(queue_id)
            .map(|q| q.name.clone())
            .unwrap_or_default();
        let conv = &mut self.conversations[idx];
        let moved =
            SimTransfer::by_supervisor(now_ms, conv.queue_id.clone(), "QUEUE", queue_id, &to_name);
        conv.transfers.push(moved);
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            p.active = false;
            p.end_ms = Some(now_ms);
        }
        if let Some(left) = conv.queue_id.take() {
            conv.earlier_queues.push(QueueStay {
                queue_id: left,
                start_ms: conv.queued_ms,
                end_ms: now_ms,
            });
        }
        conv.queue_id = Some(queue_id.to_string());
        conv.queued_ms = now_ms;
        // A customer who was with an agent starts waiting again; one who
        // was waiting goes on waiting.
        conv.wait_started_ms.get_or_insert(now_ms);
        if !conv.status.is_waiting() {
            conv.status = ConvStatus::Open;
        }
        conv.updated_ms = now_ms;
        conv.driven = false;
        Ok(conv.id.clone())
    }

    /// The agents present in a conversation the world knows (entered and
    /// not left), by agent id; `None` for a conversation it does not know.
    pub fn entered_agents(&self, conversation_id: &str) -> Option<Vec<String>> {
        let conv = self.conversation(conversation_id)?;
        Some(
            conv.participants
                .iter()
                .filter(|p| p.active && p.entered_ms.is_some())
                .map(|p| p.agent_id.clone())
                .collect(),
        )
    }

    /// After an accepted hooks request, the participants follow the hooks
    /// roster: who it has present entered (an assigned agent takes the
    /// conversation up; a stranger joins), who it no longer has left.
    pub fn follow_hooks(&mut self, conversation_id: &str, present: &[String], now_ms: i64) {
        let Some(idx) = self
            .conversations
            .iter()
            .position(|c| c.id == conversation_id)
        else {
            return;
        };
        let channel = self.conversations[idx].channel;
        let mut released = Vec::new();
        let mut joined = Vec::new();
        let conv = &mut self.conversations[idx];
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            if present.contains(&p.agent_id) {
                p.entered_ms.get_or_insert(now_ms);
            } else if p.entered_ms.is_some() {
                p.active = false;
                p.end_ms = Some(now_ms);
                released.push(p.agent_id.clone());
            }
        }
        for who in present {
            if !conv
                .participants
                .iter()
                .any(|p| p.active && &p.agent_id == who)
            {
                joined.push(who.clone());
            }
        }
        for id in released {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        for id in joined {
            self.join(idx, &id, now_ms);
        }
    }

    /// An agent enters a conversation by another way than the hooks API (an
    /// agent desktop): present at once, as Kore would list them.
    pub fn enter_elsewhere(
        &mut self,
        conversation_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<(), String> {
        let idx = self
            .conversations
            .iter()
            .position(|c| c.id == conversation_id)
            .ok_or_else(|| format!("no conversation {conversation_id}"))?;
        if self.conversations[idx].status.is_ended() {
            return Err(format!("{conversation_id} has ended"));
        }
        self.answered(idx, now_ms);
        self.join(idx, agent_id, now_ms);
        let conv = &mut self.conversations[idx];
        conv.status = ConvStatus::Active;
        conv.accepted_ms.get_or_insert(now_ms);
        Ok(())
    }

    /// `agent_id` joins the conversation at `idx`, entered now (holding
    /// capacity when the world knows the agent).
    fn join(&mut self, idx: usize, agent_id: &str, now_ms: i64) {
        let channel = self.conversations[idx].channel;
        let name = match self.agents.iter_mut().find(|a| a.id == agent_id) {
            Some(a) => {
                a.take(channel);
                a.name()
            }
            None => agent_id.to_string(),
        };
        let conv = &mut self.conversations[idx];
        conv.participants.push(SimParticipant {
            agent_id: agent_id.to_string(),
            name,
            active: true,
            assigned_ms: now_ms,
            entered_ms: Some(now_ms),
            end_ms: None,
            queue_id: conv.queue_id.clone(),
        });
        conv.updated_ms = now_ms;
    }

    /// Reflects an accepted hooks request on a conversation the world knows:
    /// an agent entry makes it ACTIVE, END_OF_CONVERSATION closes it. Unknown
    /// conversation ids are ignored here (their rosters live elsewhere).
    pub fn on_hooks(&mut self, conversation_id: &str, entered: bool, ended: bool, now_ms: i64) {
        let Some(idx) = self
            .conversations
            .iter()
            .position(|c| c.id == conversation_id)
        else {
            return;
        };
        self.conversations[idx].driven = true;
        if self.conversations[idx].status.is_ended() {
            return;
        }
        if ended {
            self.finish(idx, ConvStatus::Closed, now_ms);
        } else if entered {
            self.answered(idx, now_ms);
            let conv = &mut self.conversations[idx];
            conv.status = ConvStatus::Active;
            conv.accepted_ms.get_or_insert(now_ms);
            conv.updated_ms = now_ms;
        }
    }

    /// The longest-waiting conversation the generator owns that a free
    /// member of its queue can take is answered by one of them, chosen at
    /// random. Agents of other queues never answer it.
    fn route_one(&mut self, rng: &mut StdRng, now_ms: i64) -> Option<String> {
        self.route(rng, now_ms, None)
    }

    /// [`World::route_one`] within one queue.
    fn route(&mut self, rng: &mut StdRng, now_ms: i64, queue: Option<&str>) -> Option<String> {
        let mut waiting: Vec<usize> = (0..self.conversations.len())
            .filter(|&i| {
                let c = &self.conversations[i];
                // Customers wait a while before the routing picks them up, so a
                // supervisor watching the console has time to assign them first.
                c.status.is_waiting()
                    && !c.driven
                    && now_ms - c.queued_ms >= c.route_after_ms
                    && queue.is_none_or(|q| c.queue_id.as_deref() == Some(q))
            })
            .collect();
        waiting.sort_by_key(|&i| self.conversations[i].queued_ms);
        let (conv_idx, candidates) = waiting.into_iter().find_map(|i| {
            let conv = &self.conversations[i];
            let members: Vec<usize> = (0..self.agents.len())
                .filter(|&a| {
                    let a = &self.agents[a];
                    a.presence == Presence::Available
                        && Self::refuse_agent(a, conv.channel).is_none()
                        && conv
                            .queue_id
                            .as_ref()
                            .is_some_and(|q| a.queue_ids.contains(q))
                })
                .collect();
            (!members.is_empty()).then_some((i, members))
        })?;
        let agent_idx = *candidates.choose(rng)?;
        // Kore's routing: the agent takes it up at once.
        self.give(conv_idx, agent_idx, true, now_ms);
        Some(format!(
            "{} accepted by {}",
            self.conversations[conv_idx].id,
            self.agents[agent_idx].name()
        ))
    }

    /// Customers the generator owns whose wait in their queue has passed
    /// their patience leave it: TERMINATED, and a drop-off for the queue.
    fn drop_off(&mut self, now_ms: i64) -> Vec<String> {
        let mut changes = Vec::new();
        for i in 0..self.conversations.len() {
            let c = &self.conversations[i];
            if !c.status.is_waiting() || c.driven {
                continue;
            }
            let Some(q) = self.queue_index(c) else {
                continue;
            };
            let waited = now_ms - c.queued_ms;
            if waited <= c.patience_ms(&self.queues[q]) {
                continue;
            }
            self.queues[q].tally(c).dropped += 1;
            self.finish(i, ConvStatus::Terminated, now_ms);
            changes.push(format!(
                "{} gave up waiting in {} after {} s",
                self.conversations[i].id,
                self.queues[q].name,
                waited / 1000
            ));
        }
        changes
    }

    /// The figures queue-size reports for `queue_id` now, counting only the
    /// conversations that match `filter`'s languages and channels (the
    /// `source`: `rtm`, `audiocodes`). Agents are counted whatever the filter.
    /// Waits are in milliseconds: `avgWait` and `maxWait` over the customers
    /// waiting in the queue now (0 when none), `ASA` over those it answered
    /// since the start (0 when none). `dropOff` counts since the start.
    pub fn queue_size(
        &self,
        queue_id: &str,
        filter: &QueueSizeRequest,
        now_ms: i64,
    ) -> Option<QueueSize> {
        let queue = self.queue(queue_id)?;
        let wanted = |language: &str, source: &str| {
            (filter.languages.is_empty()
                || filter
                    .languages
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(language)))
                && (filter.channels.is_empty()
                    || filter
                        .channels
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(source)))
        };
        let mine: Vec<&SimConversation> = self
            .conversations
            .iter()
            .filter(|c| c.queue_id.as_deref() == Some(queue_id) && !c.status.is_ended())
            .filter(|c| wanted(&c.language, c.channel.source()))
            .collect();
        let waits: Vec<i64> = mine
            .iter()
            .filter(|c| c.status.is_waiting())
            .map(|c| (now_ms - c.queued_ms).max(0))
            .collect();
        let engaged = mine.len() - waits.len();
        let tallies: Vec<&QueueTally> = queue
            .tallies
            .iter()
            .filter(|t| wanted(&t.language, &t.source))
            .collect();
        let answered: i64 = tallies.iter().map(|t| i64::from(t.answered)).sum();
        let answer_wait: i64 = tallies.iter().map(|t| t.answer_wait_ms).sum();
        let members: Vec<&SimAgent> = self
            .agents
            .iter()
            .filter(|a| a.queue_ids.iter().any(|q| q == queue_id))
            .collect();
        let count = |p: Presence| {
            Some(
                members
                    .iter()
                    .filter(|a| a.effective_presence() == p)
                    .count() as u32,
            )
        };
        let average = |total: i64, n: i64| if n == 0 { 0 } else { total / n };
        Some(QueueSize {
            queue_id: queue.id.clone(),
            queue_name: queue.name.clone(),
            skills: Vec::new(),
            waiting: Some(waits.len() as u32),
            engaged: Some(engaged as u32),
            drop_off: Some(tallies.iter().map(|t| t.dropped).sum()),
            agent_status: Some(AgentStatusCounts {
                available: count(Presence::Available),
                busy: count(Presence::Busy),
                away: count(Presence::Away),
                offline: count(Presence::Offline),
            }),
            no_of_agents: Some(members.len() as u32),
            queue_summary: Some(QueueSummary {
                avg_wait: Some(average(waits.iter().sum(), waits.len() as i64) as f64),
                max_wait: Some(waits.iter().copied().max().unwrap_or(0) as f64),
                asa: Some(average(answer_wait, answered) as f64),
            }),
            odd: Vec::new(),
        })
    }

    // ---- records in the wire shapes -------------------------------------

    pub fn conversation_record(&self, c: &SimConversation, now_ms: i64) -> ConversationRecord {
        let stay = |id: &str, status: &str, start_ms: i64| {
            let queue = self.queue(id);
            ConversationQueue {
                id: Some(id.to_string()),
                name: queue.map(|q| q.name.clone()),
                kind: Some("ASSIGNED".to_string()),
                status: Some(status.to_string()),
                start_time: Some(iso(start_ms)),
            }
        };
        // The queues it was moved out of, then the one it is in (ACTIVE until
        // the conversation ends).
        let queues = c
            .earlier_queues
            .iter()
            .map(|s| stay(&s.queue_id, "INACTIVE", s.start_ms))
            .chain(c.queue_id.as_deref().map(|q| {
                let status = if c.status.is_ended() {
                    "INACTIVE"
                } else {
                    "ACTIVE"
                };
                stay(q, status, c.queued_ms)
            }))
            .collect();
        ConversationRecord {
            id: Some(c.id.clone()),
            conversation_id: Some(c.id.clone()),
            bot_session_id: Some(c.bot_session_id.clone()),
            bot_id: Some(self.ids.bot_id.clone()),
            org_id: Some(self.ids.org_id.clone()),
            account_id: Some(self.ids.account_id.clone()),
            user_id: Some(c.user_id.clone()),
            source: Some(c.channel.source().to_string()),
            conversation_type: Some(c.channel.conversation_type().to_string()),
            status: Some(c.status.as_str().to_string()),
            language: Some(c.language.clone()),
            participants: c
                .participants
                .iter()
                .map(|p| ConversationParticipant {
                    agent_id: Some(p.agent_id.clone()),
                    name: Some(p.name.clone()),
                    status: Some(if p.active { "ACTIVE" } else { "INACTIVE" }.to_string()),
                    assigned_at: Some(iso(p.assigned_ms)),
                    start_time_stamp: p.entered_ms.map(iso),
                    end_time_stamp: p.end_ms.map(iso),
                    queue_id: p.queue_id.clone(),
                    queue_name: p
                        .queue_id
                        .as_deref()
                        .and_then(|q| self.queue(q))
                        .map(|q| q.name.clone()),
                    is_transferred: Some(false),
                })
                .collect(),
            queues,
            wait_time: Some(c.wait_ms(now_ms)),
            priority: Some(
                if c.channel == Channel::Voice {
                    "10"
                } else {
                    "5"
                }
                .to_string(),
            ),
            survey_required: Some(false),
            start_time: Some(iso(c.created_ms)),
            start_session_time: Some(iso(c.created_ms)),
            end_time: c.ended_ms.map(iso),
            accepted_at: c.accepted_ms.map(iso),
            created_at: Some(iso(c.created_ms)),
            updated_at: Some(iso(c.updated_ms)),
            key_intent_name: Some(c.key_intent.clone()),
            phone_number: c.phone.clone(),
        }
    }

    pub fn agent_record(&self, a: &SimAgent, include_queues: bool) -> AgentRecord {
        let presence = a.effective_presence();
        AgentRecord {
            id: a.id.clone(),
            user_id: Some(a.user_id.clone()),
            name: None,
            first_name: Some(a.first_name.clone()),
            last_name: Some(a.last_name.clone()),
            nick_name: Some(a.first_name.clone()),
            email: None,
            email_id: Some(a.email.clone()),
            phone_number: Some(a.phone.clone()),
            is_active: None,
            status: Some("ACTIVE".to_string()),
            online_status: Some(presence.label().to_string()),
            online_status_type: Some(presence.as_str().to_string()),
            can_support_chat: Some(a.chat_max > 0),
            max_chat_support: Some(a.chat_max as i64),
            can_support_voice: Some(a.voice_max > 0),
            queues: if include_queues {
                a.queue_ids
                    .iter()
                    .filter_map(|q| self.queue(q))
                    .map(|q| AgentQueue {
                        id: q.id.clone(),
                        name: Some(q.name.clone()),
                        description: Some(q.description.clone()),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            role: Some("Agent".to_string()),
        }
    }

    pub fn availability_agent(&self, a: &SimAgent) -> AvailabilityAgent {
        let cap = |enabled: bool, total: u32, used: u32| {
            Some(Capacity {
                is_enabled: enabled,
                total_capacity: total,
                used_capacity: used.min(total),
                available_capacity: total.saturating_sub(used),
            })
        };
        let chat = a.chat_max > 0;
        AvailabilityAgent {
            id: a.id.clone(),
            user_id: Some(a.user_id.clone()),
            first_name: Some(a.first_name.clone()),
            last_name: Some(a.last_name.clone()),
            email_id: Some(a.email.clone()),
            custom_id: Some(format!("DEMO-{}", &a.id[2..9])),
            phone_number: Some(a.phone.clone()),
            is_digital_enabled: Some(chat),
            // Live chat and messaging draw on one chat pool in the simulator.
            channel_capacity: ChannelCapacity {
                live_chat: cap(chat, a.chat_max, a.chat_used),
                messaging: cap(chat, a.chat_max, a.chat_used),
                email: cap(true, 3, 0),
                voice: cap(a.voice_max > 0, a.voice_max, a.voice_used),
                voice_mail: cap(a.voice_max > 0, 5, 0),
            },
        }
    }

    pub fn queue_record(&self, q: &SimQueue) -> QueueRecord {
        QueueRecord {
            id: q.id.clone(),
            name: q.name.clone(),
            is_active: Some(true),
            is_default: Some(q.id == self.queues[0].id),
            description: Some(q.description.clone()),
            agents: self
                .agents
                .iter()
                .filter(|a| a.queue_ids.contains(&q.id))
                .map(|a| QueueAgent {
                    user_id: a.user_id.clone(),
                    name: Some(a.name()),
                    is_preferred_agent: Some(false),
                })
                .collect(),
        }
    }
}

/// Milliseconds since the Unix epoch as `2023-05-25T06:56:11.959Z`.
pub fn iso(ms: i64) -> String {
    use time::OffsetDateTime;
    use time::macros::format_description;
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

/// What one generator step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// One line per change, for the log.
    pub changes: Vec<String>,
    /// How long until the next step at speed 1, in milliseconds.
    pub next_in_ms: u64,
}

/// One step of the traffic generator: customers arrive into queues, agents
/// change status, each queue may answer its longest wait, customers past
/// their patience give up, and conversations end. Conversations a supervisor
/// has acted on are left alone.
pub fn step(world: &mut World, rng: &mut StdRng, now_ms: i64) -> Step {
    let mut changes = world.mark_overdue(now_ms);

    // Arrivals slow down as the centre fills, and endings speed up with the
    // number of conversations, so the load settles at about 20.
    let live = world.live_count();
    let arrival = 0.7 * (1.0 - live as f64 / MAX_LIVE as f64);
    if live < MAX_LIVE && rng.random_bool(arrival.clamp(0.0, 1.0)) {
        let id = world.arrive(rng, now_ms);
        world.route_arrival(&id);
        let c = world
            .conversation(&id)
            .map(|c| (c.channel, c.language.clone()));
        if let Some((channel, lang)) = c {
            changes.push(format!("{id} arrived ({} {lang})", channel.as_str()));
        }
    }

    if rng.random_bool(0.35) {
        let i = rng.random_range(0..world.agents.len());
        let busy_with_work = world.agents[i].chat_used + world.agents[i].voice_used > 0;
        let roll = rng.random_range(0..100u32);
        let next = match roll {
            0..=54 => Presence::Available,
            55..=69 => Presence::Busy,
            70..=84 => Presence::Away,
            _ if busy_with_work => Presence::Away,
            _ => Presence::Offline,
        };
        let agent = &mut world.agents[i];
        if agent.presence != next {
            changes.push(format!("{} is now {}", agent.name(), next.as_str()));
            agent.presence = next;
        }
    }

    let queue_ids: Vec<String> = world.queues.iter().map(|q| q.id.clone()).collect();
    for (i, q) in queue_ids.iter().enumerate() {
        // The healthy queues answer more briskly than the one in trouble.
        let chance = if i == TROUBLE_QUEUE {
            ANSWER_CHANCE
        } else {
            HEALTHY_ANSWER_CHANCE
        };
        if rng.random_bool(chance)
            && let Some(line) = world.route(rng, now_ms, Some(q))
        {
            changes.push(line);
        }
    }

    changes.extend(world.drop_off(now_ms));

    let active: Vec<usize> = (0..world.conversations.len())
        .filter(|&i| {
            let c = &world.conversations[i];
            c.status == ConvStatus::Active && !c.driven
        })
        .collect();
    if rng.random_bool((active.len() as f64 * 0.025).min(0.8))
        && let Some(&i) = active.choose(rng)
    {
        world.finish(i, ConvStatus::Closed, now_ms);
        changes.push(format!("{} closed", world.conversations[i].id));
    }

    let ended = world
        .conversations
        .iter()
        .filter(|c| c.status.is_ended())
        .count();
    if ended > KEEP_ENDED {
        let mut drop = ended - KEEP_ENDED;
        world.conversations.retain(|c| {
            if drop > 0 && c.status.is_ended() {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }

    Step {
        changes,
        next_in_ms: rng.random_range(1_500..=4_500),
    }
}

/// A world and its generator's random number generator, for driving the
/// traffic without a server (tests, benchmarks, scripted demos).
#[derive(Debug, Clone)]
pub struct Traffic {
    pub world: World,
    pub rng: StdRng,
}

impl Traffic {
    pub fn new(ids: WorldIds, seed: u64, now_ms: i64) -> Traffic {
        let mut rng = StdRng::seed_from_u64(seed);
        let world = World::demo(ids, &mut rng, now_ms);
        Traffic { world, rng }
    }

    pub fn step(&mut self, now_ms: i64) -> Step {
        step(&mut self.world, &mut self.rng, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> WorldIds {
        WorldIds {
            bot_id: "st-x".into(),
            org_id: "o-x".into(),
            account_id: "acc".into(),
        }
    }

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn the_demo_world_has_waiting_and_active_conversations() {
        let t = Traffic::new(ids(), 1, T0);
        let w = &t.world;
        assert_eq!(w.agents.len(), 12);
        assert_eq!(w.queues.len(), 3);
        // Six conversations, and before them the backlog of the queue in
        // trouble.
        assert_eq!(w.conversations.len(), 6 + BACKLOG as usize);
        let active = w
            .conversations
            .iter()
            .filter(|c| c.status == ConvStatus::Active)
            .count();
        assert_eq!(active, 3);
        let (backlog, six) = w.conversations.split_at(BACKLOG as usize);
        let trouble = &w.queues[TROUBLE_QUEUE].id;
        for c in backlog {
            assert_eq!(c.queue_id.as_ref(), Some(trouble));
            assert_eq!(c.status, ConvStatus::Overdue, "{} waits long", c.id);
        }
        assert!(six.iter().all(|c| c.status != ConvStatus::Overdue));
        // Numbered and listed in the order they arrived.
        let numbers: Vec<u64> = w
            .conversations
            .iter()
            .map(|c| c.id[2..].parse().unwrap())
            .collect();
        assert_eq!(numbers, (1036..1047).collect::<Vec<_>>());
        assert!(w.conversations.is_sorted_by_key(|c| c.created_ms));
        assert_eq!(w.next_number, 1047);
        for c in &w.conversations {
            assert_eq!(c.bot_session_id.len(), 24);
            assert!(c.bot_session_id.chars().all(|ch| ch.is_ascii_hexdigit()));
            assert!(c.id.starts_with("c-"));
        }
        let ids: std::collections::HashSet<_> = w.agents.iter().map(|a| &a.id).collect();
        assert_eq!(ids.len(), 12, "agent ids are unique");
    }

    /// Capacity held by agents always equals the active participations.
    fn check_load(w: &World) {
        for a in &w.agents {
            let (mut chat, mut voice) = (0, 0);
            for c in &w.conversations {
                for p in &c.participants {
                    if p.active && p.agent_id == a.id {
                        match c.channel {
                            Channel::Chat => chat += 1,
                            Channel::Voice => voice += 1,
                        }
                    }
                }
            }
            assert_eq!((a.chat_used, a.voice_used), (chat, voice), "{}", a.name());
            assert!(a.chat_used <= a.chat_max && a.voice_used <= a.voice_max);
        }
    }

    #[test]
    fn many_steps_keep_the_world_consistent_and_bounded() {
        let mut t = Traffic::new(ids(), 7, T0);
        let mut now = T0;
        let mut seen_changes = 0;
        for _ in 0..2000 {
            now += 3000;
            let s = t.step(now);
            assert!((1500..=4500).contains(&s.next_in_ms));
            seen_changes += s.changes.len();
            check_load(&t.world);
            assert!(t.world.live_count() <= MAX_LIVE);
            let ended = t
                .world
                .conversations
                .iter()
                .filter(|c| c.status.is_ended())
                .count();
            assert!(ended <= KEEP_ENDED);
        }
        assert!(seen_changes > 1000);
    }

    #[test]
    fn assign_frees_the_previous_agent() {
        let mut t = Traffic::new(ids(), 3, T0);
        let w = &mut t.world;
        let conv = w
            .conversations
            .iter()
            .find(|c| c.status == ConvStatus::Active && c.channel == Channel::Chat)
            .cloned()
            .or_else(|| {
                w.conversations
                    .iter()
                    .find(|c| c.status == ConvStatus::Active)
                    .cloned()
            })
            .unwrap();
        let target = w
            .agents
            .iter()
            .find(|a| {
                a.presence == Presence::Available
                    && a.voice_max > 0
                    && !conv.participants.iter().any(|p| p.agent_id == a.id)
            })
            .unwrap()
            .id
            .clone();
        w.assign_to_agent(&conv.bot_session_id, &target, T0 + 1)
            .unwrap();
        check_load(w);
        let c = w.conversation(&conv.id).unwrap();
        assert_eq!(c.participants.iter().filter(|p| p.active).count(), 1);
        assert!(c.driven);
        let err = w
            .assign_to_agent(&conv.bot_session_id, &target, T0 + 2)
            .unwrap_err();
        assert!(err.contains("already handles"), "{err}");
    }

    #[test]
    fn iso_formats_milliseconds() {
        assert_eq!(iso(1_684_997_771_959), "2023-05-25T06:56:11.959Z");
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
    }
}
