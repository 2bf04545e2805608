//! Delivery: one ordered queue per conversation (a worker task each), so a
//! conversation's requests leave strictly in order while different
//! conversations do not wait for each other. A request that finally fails
//! holds the rest until the supervisor resends or drops it.

use super::{DROPPED, Inner, now_ms};
use crate::app::Action;
use crate::domain::Event;
use crate::kore::hooks::EventContext;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::AssignTarget;
use crate::runtime::journal::Record;
use assign::assign;
use gate::{Owed, Planned, owes_error, settle, settle_owed};
use hooks::deliver;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::mpsc;

mod assign;
pub(super) mod gate;
mod hooks;

/// One request waiting in a conversation's queue.
#[derive(Debug, Clone)]
pub struct Job {
    pub req_id: String,
    pub conversation: String,
    pub work: Work,
    /// Its planning record (`Request` or `Assign`) is in the journal. When
    /// the journal could not be written, the worker tries again before
    /// sending, and does not send until it succeeds.
    pub journaled: bool,
    /// One of a bulk action's requests: it asks the limiter at
    /// `Priority::Bulk` (paced, after any single action waiting).
    pub bulk: bool,
    /// Its worker took the limiter's slot for its next try already (a bulk
    /// request waits for it where a drop reaches it).
    pub slot_taken: bool,
}

impl Job {
    /// The limiter's priority of its tries.
    pub(super) fn priority(&self) -> Priority {
        if self.slot_taken {
            Priority::Taken
        } else if self.bulk {
            Priority::Bulk
        } else {
            Priority::User
        }
    }
}

/// What a queued request does.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// One hooks event.
    Hook {
        event: Event,
        ctx: EventContext,
        /// What the supervisor asked for, for the journal.
        action: String,
    },
    /// assign-conversation with a callback on the runner's listener.
    Assign {
        session: String,
        target: AssignTarget,
        /// The agent's name, or "queue Q", for the journal.
        target_name: String,
        summary: String,
        /// A scripted assign names only a bot session: its queue is keyed by
        /// the session, and the journal ties it to no conversation.
        by_session: bool,
    },
}

impl Job {
    /// The journal line that plans this request.
    pub(super) fn record(&self) -> Record {
        match &self.work {
            Work::Hook { event, ctx, action } => Record::Request {
                id: self.req_id.clone(),
                at_ms: now_ms(),
                conversation: self.conversation.clone(),
                event: event.clone(),
                experience: ctx.experience.clone(),
                language: ctx.language.clone(),
                action: action.clone(),
            },
            Work::Assign {
                session,
                target,
                target_name,
                by_session,
                ..
            } => Record::Assign {
                id: self.req_id.clone(),
                at_ms: now_ms(),
                session: session.clone(),
                target: match target {
                    AssignTarget::Agent(a) => format!("agent:{a}"),
                    AssignTarget::Queue(q) => format!("queue:{q}"),
                },
                conversation: (!by_session).then(|| self.conversation.clone()),
                text: Some(format!("assign → {target_name}")),
            },
        }
    }
}

pub(super) enum Msg {
    Job(Job, Planned),
    /// A request restored from the journal with a failed or unknown fate: it
    /// blocks the queue until the supervisor resends or drops it.
    Blocked(Job),
    Resend,
    Drop,
    /// Drop these requests, failed or queued.
    DropIds(Vec<String>),
    /// Write an outcome the journal refused, if one is owed; answers with
    /// its request id when it still cannot be written.
    Settle(tokio::sync::oneshot::Sender<Option<String>>),
}

/// One conversation's ordered queue. A hooks request that finally fails
/// holds the rest until the supervisor resends or drops it; an assign that
/// fails does not (its outcome comes with its own callback), but it still
/// waits its turn.
pub(super) async fn conversation_worker(
    inner: Arc<Inner>,
    conversation: String,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    // Each entry says whether it is blocked: a request restored failed or
    // unknown waits for its own `r`, also when it is not the first.
    let mut queue: VecDeque<(Job, bool, Planned)> = VecDeque::new();
    let mut failed: Option<Job> = None;
    let mut owed: Option<Owed> = None;
    loop {
        if failed.is_none()
            && let Some((mut job, blocked, planned)) = queue.pop_front()
        {
            // Pipelined, a hooks request's gate waits for the owed outcome
            // behind its own `Sent` (one fsync for both); else it is
            // written before the request moves at all.
            let deferred = owed.as_ref().is_some_and(|o| o.ack.is_some())
                && inner.pipelined_journal()
                && matches!(job.work, Work::Hook { .. });
            if let Some(o) = owed.as_mut().filter(|_| !deferred) {
                match settle(&inner, o).await {
                    Ok(()) => owed = None,
                    Err(e) => {
                        owes_outcome(&inner, &job, &o.id(), &e);
                        failed = Some(job);
                        hold_rest(&inner, &conversation, &queue);
                        continue;
                    }
                }
            }
            if blocked {
                failed = Some(job);
                continue;
            }
            // Its planning record must be on disk before it goes; when that
            // write failed, the gate writes it again (and does not send
            // without it). Pipelined, the gate waits for it beside `Sent`.
            let mut planned = planned;
            let pipelined = inner.pipelined_journal() && matches!(job.work, Work::Hook { .. });
            if !pipelined && let Some(done) = planned.take() {
                let written = done.await.unwrap_or_else(|_| {
                    Err(std::io::Error::other("the journal writer has stopped"))
                });
                job.journaled = inner.report(written).is_ok();
            }
            // A bulk request waits for its slot here, where a drop (the
            // bulk cancelled) still reaches it.
            if job.bulk {
                match wait_for_slot(&inner, &mut job, &mut rx, &mut queue, &mut owed).await {
                    Slot::Taken => {}
                    Slot::Dropped => continue,
                    Slot::Closed => break,
                }
            }
            let delivered = match &job.work {
                Work::Hook { .. } => deliver(&inner, &mut job, planned, &mut owed).await,
                Work::Assign { .. } => {
                    assign(&inner, &mut job).await;
                    true
                }
            };
            if !delivered {
                failed = Some(job);
                hold_rest(&inner, &conversation, &queue);
            }
            continue;
        }
        match rx.recv().await {
            None => break,
            Some(Msg::Settle(answer)) => {
                let _ = settle_owed(&inner, &mut owed).await;
                let _ = answer.send(owed.as_ref().map(Owed::id));
            }
            Some(Msg::Job(job, planned)) => {
                if failed.is_some() {
                    inner.send(Action::HookHeld {
                        conversation: conversation.clone(),
                        req_ids: vec![job.req_id.clone()],
                    });
                }
                queue.push_back((job, false, planned));
            }
            Some(Msg::Blocked(job)) => queue.push_back((job, true, None)),
            Some(Msg::Resend) => {
                if let Some(job) = failed.take() {
                    queue.push_front((job, false, None));
                }
            }
            Some(Msg::Drop) => {
                if let Some(job) = failed.take() {
                    journal_dropped(&inner, &job).await;
                }
            }
            Some(Msg::DropIds(ids)) => drop_ids(&inner, &ids, &mut failed, &mut queue).await,
        }
    }
}

/// How a bulk request's wait for its slot ended.
enum Slot {
    Taken,
    /// Dropped while it waited (journaled so).
    Dropped,
    /// The runner is gone.
    Closed,
}

/// Waits for the limiter's slot for a bulk request's first try while
/// answering the worker's messages: a drop that names it ends the wait and
/// it never leaves; other messages are handled as the worker's loop does
/// (nothing has failed while a request goes, so `r` and `:drop` have
/// nothing to act on). `acquire` is cancel-safe: a wait given up takes no
/// slot of this console's window.
async fn wait_for_slot(
    inner: &Arc<Inner>,
    job: &mut Job,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    queue: &mut VecDeque<(Job, bool, Planned)>,
    owed: &mut Option<Owed>,
) -> Slot {
    let limiter = match &job.work {
        Work::Hook { .. } => inner.client.hooks_limiter().cloned(),
        Work::Assign { .. } => Some(inner.client.limiter().clone()),
    };
    // No limit: nothing to wait for.
    let Some(limiter) = limiter else {
        return Slot::Taken;
    };
    loop {
        tokio::select! {
            () = limiter.acquire(Priority::Bulk) => {
                job.slot_taken = true;
                return Slot::Taken;
            }
            msg = rx.recv() => match msg {
                None => return Slot::Closed,
                Some(Msg::DropIds(ids)) => {
                    drop_ids(inner, &ids, &mut None, queue).await;
                    if ids.contains(&job.req_id) {
                        journal_dropped(inner, job).await;
                        return Slot::Dropped;
                    }
                }
                Some(Msg::Job(j, planned)) => queue.push_back((j, false, planned)),
                Some(Msg::Blocked(j)) => queue.push_back((j, true, None)),
                Some(Msg::Settle(answer)) => {
                    let _ = settle_owed(inner, owed).await;
                    let _ = answer.send(owed.as_ref().map(Owed::id));
                }
                Some(Msg::Resend | Msg::Drop) => {}
            },
        }
    }
}

/// Drops the requests `ids` names, the failed one or queued ones, each
/// journaled as dropped; the rest of the queue goes on.
async fn drop_ids(
    inner: &Inner,
    ids: &[String],
    failed: &mut Option<Job>,
    queue: &mut VecDeque<(Job, bool, Planned)>,
) {
    let mut gone = Vec::new();
    if failed.as_ref().is_some_and(|j| ids.contains(&j.req_id)) {
        gone.extend(failed.take());
    }
    let (drop, keep): (VecDeque<_>, VecDeque<_>) = queue
        .drain(..)
        .partition(|(j, _, _)| ids.contains(&j.req_id));
    *queue = keep;
    gone.extend(drop.into_iter().map(|(j, _, _)| j));
    for job in &gone {
        journal_dropped(inner, job).await;
    }
}

/// Journals a request as dropped by the supervisor. A failed write only
/// means a restart shows it as failed again, to be dropped again.
async fn journal_dropped(inner: &Inner, job: &Job) {
    let _ = inner
        .journal(Record::Outcome {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            ok: false,
            status: None,
            message: DROPPED.into(),
            attempts: 0,
        })
        .await;
}

/// Reports the requests waiting in `queue` as held behind a failure.
fn hold_rest(inner: &Inner, conversation: &str, queue: &VecDeque<(Job, bool, Planned)>) {
    let held: Vec<String> = queue
        .iter()
        .filter(|(_, blocked, _)| !blocked)
        .map(|(j, _, _)| j.req_id.clone())
        .collect();
    if !held.is_empty() {
        inner.send(Action::HookHeld {
            conversation: conversation.to_string(),
            req_ids: held,
        });
    }
}

/// `job` is not sent: the outcome of `before` (answered by Kore) is still
/// owed to the journal, which refused it again with `e`.
fn owes_outcome(inner: &Inner, job: &Job, before: &str, e: &std::io::Error) {
    let outcome = Err(owes_error(before, e));
    match job.work {
        Work::Hook { .. } => inner.send(Action::HookDone {
            req_id: job.req_id.clone(),
            conversation: job.conversation.clone(),
            outcome,
            attempts: 0,
            maybe_arrived: Vec::new(),
        }),
        Work::Assign { .. } => inner.send(Action::AssignDone {
            req_id: job.req_id.clone(),
            conversation: job.conversation.clone(),
            outcome,
            uncertain: false,
            attempts: 0,
        }),
    }
}
