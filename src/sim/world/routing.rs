//! The queues' own life: a waiting customer answered by a free member of
//! their queue, customers past their patience giving up, long waits turned
//! OVERDUE.

use super::model::{ConvStatus, Presence, World};
use crate::sim::transfer::SimTransfer;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// An OPEN conversation waiting longer than this becomes OVERDUE.
pub const OVERDUE_AFTER_MS: i64 = 120_000;

impl World {
    /// Marks OPEN conversations waiting longer than [`OVERDUE_AFTER_MS`] as
    /// OVERDUE, with one line per change.
    pub(super) fn mark_overdue(&mut self, now_ms: i64) -> Vec<String> {
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

    /// The longest-waiting conversation the generator owns that a free
    /// member of its queue can take is answered by one of them, chosen at
    /// random. Agents of other queues never answer it.
    pub(super) fn route_one(&mut self, rng: &mut StdRng, now_ms: i64) -> Option<String> {
        self.route(rng, now_ms, None)
    }

    /// [`World::route_one`] within one queue.
    pub(super) fn route(
        &mut self,
        rng: &mut StdRng,
        now_ms: i64,
        queue: Option<&str>,
    ) -> Option<String> {
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
    pub(super) fn drop_off(&mut self, now_ms: i64) -> Vec<String> {
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
}
