//! queue-size's figures, from the world as it is now.

use super::model::{Presence, QueueTally, SimAgent, SimConversation, World};
use crate::kore::wire::{AgentStatusCounts, QueueSize, QueueSizeRequest, QueueSummary};

impl World {
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
}
