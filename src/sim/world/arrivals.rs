//! Customers arrive: the demo's first conversations and the backlog of the
//! queue in trouble, conversations added in bulk for tests and scale, and
//! one customer at a time while the world runs.

use super::directory::{TROUBLE_QUEUE, directory};
use super::model::{
    Channel, ConvStatus, ROUTE_AFTER_MS, SimConversation, SimParticipant, World, WorldIds,
};
use super::routing::OVERDUE_AFTER_MS;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// How long a customer who arrives in a healthy queue while the demo runs
/// usually waits before the routing may pick them up: well inside the
/// default `sla_secs` (20 s).
pub const QUICK_ROUTE_MS: i64 = 2_000;

/// How many customers wait in the queue in trouble at start, besides any of
/// the six first conversations that land there.
pub(super) const BACKLOG: i64 = 5;
/// How long ago the first of them arrived (the others came every 30 s or so).
const BACKLOG_OLDEST_MS: i64 = 270_000;

const LANGUAGES: [&str; 4] = ["en", "de", "es", "fr"];
const INTENTS: [&str; 6] = [
    "TalkToAgent",
    "BillingQuestion",
    "ResetPassword",
    "CancelSubscription",
    "UpgradePlan",
    "ReportOutage",
];

fn hex(rng: &mut StdRng, digits: usize) -> String {
    (0..digits)
        .map(|_| char::from_digit(rng.random_range(0..16u32), 16).unwrap_or('0'))
        .collect()
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

    pub(super) fn arrive(&mut self, rng: &mut StdRng, now_ms: i64) -> String {
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
    pub(super) fn route_arrival(&mut self, id: &str) {
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
}
