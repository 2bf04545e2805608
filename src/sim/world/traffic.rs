//! The traffic generator: one step at a time, customers arrive, agents
//! change status, queues answer, customers give up and conversations end.

use super::directory::TROUBLE_QUEUE;
use super::model::{ConvStatus, Presence, World, WorldIds};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// At most this many conversations that have not ended; no customer arrives above it.
pub const MAX_LIVE: usize = 40;

/// The chance, per step and per queue, that the queue answers its longest
/// waiting customer (when a member is free).
const ANSWER_CHANCE: f64 = 0.3;
/// The same for the queues that are not in trouble.
const HEALTHY_ANSWER_CHANCE: f64 = 0.9;
/// Ended conversations kept for the list endpoints; older ones are pruned.
pub const KEEP_ENDED: usize = 20;

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
