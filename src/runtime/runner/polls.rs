//! The polls: the conversations by the poll plan, the agents, and the
//! queues (list-queues and queue-size in turn), each at poll priority so
//! that the supervisor's actions go first.

use super::{Inner, Runner};
use crate::app::Action;
use crate::kore::client;
use crate::kore::pager::{End, Pager, Paging};
use crate::kore::wire::Page;
use std::time::Duration;

mod agents;
mod conversations;
mod plan;
mod queues;

pub(super) use agents::poll_agents;
pub(super) use conversations::{ConvPoll, poll_conversations};
pub use queues::QUEUE_SIZES_PER_ROUND;
pub(super) use queues::{QueueRound, poll_queues};

/// The round of the conversations poll when polling is off (`:refresh`).
pub(super) const DEFAULT_ROUND: Duration = Duration::from_secs(10);

/// How often the polls run, for the plan's arithmetic.
#[derive(Debug, Clone, Copy)]
pub(super) struct PollTiming {
    pub(super) conversations: Duration,
    pub(super) agents: Option<Duration>,
}

/// Why a poll stopped short in team mode: the console stopped polling (the
/// lease went to a teammate) before one of its requests left. Not shown:
/// the new poller's results come in instead.
pub(super) const STOPPED: &str = "stopped: a teammate polls now";

impl Inner {
    /// One poll request, unless this console stops polling first (team
    /// mode: the lease is not its own any more, checked before each
    /// request and while it waits for its slot): `None` then.
    async fn polled<F: Future>(&self, request: F) -> Option<F::Output> {
        match self.team.get() {
            None => Some(request.await),
            Some(poller) => poller.while_polling(request).await,
        }
    }

    /// One log line for a poll request and its answer.
    fn poll_line<T>(&self, call: &client::Call<T>, what: String) {
        use crate::app::state::LogKind;
        let (kind, result) = match &call.outcome {
            Ok(r) => (
                LogKind::In,
                format!("{} {} ms, {what}", r.status, r.latency_ms),
            ),
            Err(e) => (LogKind::Error, e.to_string()),
        };
        self.send(Action::Log {
            kind,
            text: format!(
                "{} {}{}{result}",
                call.request.method,
                call.request.path,
                crate::app::log::POLL_MARK
            ),
        });
    }
}

/// Reads a list paged by number (list-agents, list-queues) whole with the
/// pager: each page's poll line, its items handed to `each` with the page's
/// number, a word when the reading ended on a guard (the same page again,
/// or the page cap) rather than at the list's end. The error of a page that
/// failed ends it.
async fn read_list<T, F, Fut>(
    inner: &Inner,
    paging: Paging,
    what: &str,
    mut fetch: F,
    id: impl Fn(&T) -> Option<&str>,
    mut each: impl FnMut(u32, Vec<T>),
) -> Result<(), String>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = client::Call<Page<T>>>,
{
    let mut pager = Pager::new(paging);
    let mut read = 0u64;
    loop {
        let at = pager.next();
        let Some(call) = inner.polled(fetch(at.page)).await else {
            return Err(STOPPED.into());
        };
        inner.usage();
        let n = call.outcome.as_ref().map_or(0, |r| r.body.results.len());
        inner.poll_line(&call, format!("{n} {what}(s)"));
        let mut body = call.outcome.map_err(|e| e.to_string())?.body;
        let step = pager.take(&mut body, &id);
        read += u64::from(step.kept);
        each(at.page, body.results);
        let why = match step.end {
            None => continue,
            Some(End::Listed) => return Ok(()),
            Some(End::Repeated) => format!(
                "page {} answered the same page as the one before it; the list ends there",
                at.page
            ),
            Some(End::Capped) => format!("the first {read} read; Kore says there are more"),
        };
        inner.send(Action::Note {
            error: true,
            text: format!("{what} list partial: {why}"),
        });
        return Ok(());
    }
}

impl Runner {
    /// `:refresh`: a round of the conversations poll now, unless one runs
    /// (or waits): each press would otherwise queue a whole round of the
    /// budget.
    pub(super) fn refresh_conversations(&self) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            if !inner.may_poll() {
                inner.send(Action::Note {
                    error: false,
                    text: "refresh: the team's poller polls for everyone; its next round comes to this console too".into(),
                });
                return;
            }
            if inner.conv_poll.try_lock().is_err() {
                inner.send(Action::Note {
                    error: false,
                    text: "refresh: a round of the conversations poll is under way".into(),
                });
                return;
            }
            poll_conversations(&inner).await
        });
    }

    /// Starts the polling loops (an interval of `None` turns one off). The
    /// queues are polled beside the conversations: each round sizes the next
    /// [`QUEUE_SIZES_PER_ROUND`] queues, and list-queues is read again as
    /// often as the agents are.
    pub fn start_polling(&self, conversations: Option<Duration>, agents: Option<Duration>) {
        *self
            .inner
            .poll_timing
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = PollTiming {
            conversations: conversations.unwrap_or(DEFAULT_ROUND),
            agents,
        };
        if let Some(every) = conversations {
            let inner = self.inner.clone();
            let relist = agents.unwrap_or(every).max(every);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if inner.tx.is_closed() {
                        break;
                    }
                    if !inner.may_poll() {
                        continue;
                    }
                    poll_queues(&inner, Some(relist)).await;
                }
            });
        }
        for (every, which) in [(conversations, 0u8), (agents, 1u8)] {
            let Some(every) = every else { continue };
            let inner = self.inner.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if inner.tx.is_closed() {
                        break;
                    }
                    if which == 0 {
                        poll_conversations(&inner).await;
                    } else if !inner.may_poll() {
                        continue;
                    } else {
                        poll_agents(&inner).await;
                    }
                }
            });
        }
    }
}
