//! The queue poll: list-queues as often as the agents, and queue-size for
//! up to [`QUEUE_SIZES_PER_ROUND`] queues a round, in turn.

use super::read_list;
use crate::app::Action;
use crate::kore::pager;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{QueueRecord, QueueSizeRequest};
use crate::runtime::runner::Inner;
use std::time::Duration;

/// queue-size requests per round of the queue poll at most: with more
/// queues than this, each round takes the next ones in turn.
pub const QUEUE_SIZES_PER_ROUND: usize = 6;

/// Where the queue poll stands: the queues to size and whose turn is next.
#[derive(Debug, Default)]
pub(in crate::runtime::runner) struct QueueRound {
    pub(super) ids: Vec<String>,
    next: usize,
    /// When list-queues last answered.
    pub(super) listed_at: Option<std::time::Instant>,
}

impl QueueRound {
    /// The next queues to size, up to [`QUEUE_SIZES_PER_ROUND`], in turn.
    fn take(&mut self) -> Vec<String> {
        let n = self.ids.len();
        if n == 0 {
            return Vec::new();
        }
        let take = n.min(QUEUE_SIZES_PER_ROUND);
        let start = self.next % n;
        let out = (0..take)
            .map(|i| self.ids[(start + i) % n].clone())
            .collect();
        self.next = (start + take) % n;
        out
    }
}

/// One round of the queue poll: list-queues when the list is older than
/// `relist` (or never read), then queue-size for the next queues in turn.
/// Everything at poll priority: the supervisor's actions go first and keep
/// their share of the limit.
pub(in crate::runtime::runner) async fn poll_queues(inner: &Inner, relist: Option<Duration>) {
    let stale = {
        let round = inner.queue_round.lock().unwrap_or_else(|e| e.into_inner());
        round.ids.is_empty()
            || round
                .listed_at
                .zip(relist)
                .is_none_or(|(at, every)| at.elapsed() >= every)
    };
    if stale {
        let mut items = Vec::new();
        let mut kept = KeptQueues::default();
        let listed = read_list(
            inner,
            pager::QUEUES,
            "queue",
            |page| inner.client.list_queues(page, Priority::Poll),
            |q| Some(q.id.as_str()),
            |_, queues| kept.add(&mut items, queues),
        )
        .await;
        if let Err(e) = listed {
            if e == super::STOPPED {
                return;
            }
            inner.send(Action::QueuesListed { result: Err(e) });
            return;
        }
        {
            let mut round = inner.queue_round.lock().unwrap_or_else(|e| e.into_inner());
            round.ids = kept.ids;
            round.listed_at = Some(std::time::Instant::now());
        }
        inner.send(Action::QueuesListed { result: Ok(items) });
    }
    let turn = inner
        .queue_round
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let filters = QueueSizeRequest::default();
    for queue_id in turn {
        let request = inner.client.queue_size(&queue_id, &filters, Priority::Poll);
        let Some(call) = inner.polled(request).await else {
            return;
        };
        inner.usage();
        let figures = call
            .outcome
            .as_ref()
            .ok()
            .and_then(|r| r.body.for_queue(&queue_id))
            .map(|q| {
                format!(
                    "{} waiting, {} engaged",
                    q.waiting.map_or("?".into(), |n| n.to_string()),
                    q.engaged.map_or("?".into(), |n| n.to_string())
                )
            })
            .unwrap_or_else(|| "no figures".into());
        inner.poll_line(&call, format!("queue size: {figures}"));
        let result = match call.outcome {
            Ok(reply) => Ok(reply.body.for_queue(&queue_id).cloned()),
            Err(e) => Err(e.to_string()),
        };
        inner.send(Action::QueueSized { queue_id, result });
    }
}

/// The queues of one listing as they are read: the first
/// [`crate::app::state::MAX_QUEUES`] active ones whole, the rest cut to their id
/// (the console only counts them), so that a listing of 200,000 queues
/// holds little more than their ids.
#[derive(Debug, Default)]
struct KeptQueues {
    /// The kept queues' ids, in order (the queue-size turn).
    ids: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl KeptQueues {
    fn add(&mut self, items: &mut Vec<QueueRecord>, page: Vec<QueueRecord>) {
        for mut q in page {
            let active = !q.id.is_empty() && q.is_active != Some(false);
            if !active || !self.seen.insert(q.id.clone()) {
                continue;
            }
            if self.ids.len() < crate::app::state::MAX_QUEUES {
                self.ids.push(q.id.clone());
            } else {
                q = QueueRecord {
                    id: q.id,
                    is_active: q.is_active,
                    ..QueueRecord::default()
                };
            }
            items.push(q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_round_takes_each_queue_in_turn() {
        let mut round = QueueRound {
            ids: (0..QUEUE_SIZES_PER_ROUND + 2)
                .map(|i| format!("q{i}"))
                .collect(),
            ..QueueRound::default()
        };
        let first = round.take();
        let second = round.take();
        assert_eq!(first.len(), QUEUE_SIZES_PER_ROUND);
        assert_eq!(first[0], "q0");
        assert_eq!(second[0], format!("q{QUEUE_SIZES_PER_ROUND}"));
        let mut seen: Vec<String> = first.into_iter().chain(second).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(
            seen.len(),
            QUEUE_SIZES_PER_ROUND + 2,
            "every queue within two rounds"
        );
        assert!(QueueRound::default().take().is_empty());
    }
}
