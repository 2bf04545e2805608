//! The dispatch: each `Effect` to the work that carries it out, and each
//! request to its conversation's queue (a worker task each).

use super::delivery::{Job, Msg, Work, conversation_worker};
use super::polls::{poll_agents, poll_queues};
use super::{Runner, details, now_ms};
use crate::app::{Action, Effect};
use crate::runtime::journal::Record;
use std::time::Duration;
use tokio::sync::mpsc;

/// The job a sending effect asks for (not yet journaled).
fn job_of(effect: Effect) -> Option<Job> {
    let (req_id, conversation, work) = match effect {
        Effect::SendEvent {
            req_id,
            conversation,
            event,
            ctx,
            action,
        } => (req_id, conversation, Work::Hook { event, ctx, action }),
        Effect::Assign {
            req_id,
            conversation,
            session,
            target,
            target_name,
            summary,
        } => (
            req_id,
            conversation,
            Work::Assign {
                session,
                target,
                target_name,
                summary,
                by_session: false,
            },
        ),
        _ => return None,
    };
    Some(Job {
        req_id,
        conversation,
        work,
        journaled: false,
        bulk: false,
        slot_taken: false,
    })
}

impl Runner {
    /// Queues a request as [`Runner::run`] does for a sending effect: its
    /// planning record to the writer, the request behind its queue's earlier
    /// ones. For requests no `Effect` describes (a scripted assign by
    /// session, to a queue).
    pub fn submit(&mut self, job: Job) {
        self.enqueue(job);
    }

    /// Hands a new request's planning record to the journal writer (the
    /// loop does not wait for the disk) and queues the request behind its
    /// conversation's earlier ones. The worker waits for the record to be on
    /// disk before it sends, and writes it again if that failed.
    fn enqueue(&mut self, mut job: Job) {
        let planned = self.inner.journal.as_ref().map(|j| j.submit(job.record()));
        job.journaled = planned.is_none();
        self.queue_for(&job.conversation)
            .send(Msg::Job(job, planned))
            .ok();
    }

    /// A bulk action's requests: their planning records go to the writer
    /// as one group (one write, one fsync) and each job waits for that
    /// group before it leaves, so the whole batch is on disk before the
    /// first request goes; then each joins its conversation's queue as a
    /// single one does, at `Priority::Bulk`. The limiter's pace is reported
    /// for the progress line.
    fn enqueue_bulk(&mut self, sends: Vec<Effect>) {
        let jobs: Vec<Job> = sends
            .into_iter()
            .filter_map(job_of)
            .map(|job| Job { bulk: true, ..job })
            .collect();
        let Some(first) = jobs.first() else {
            return;
        };
        self.report_pace(first);
        let Some(journal) = self.inner.journal.clone() else {
            for job in jobs {
                self.enqueue(job);
            }
            return;
        };
        let group = journal.submit_all(jobs.iter().map(Job::record).collect());
        let mut acks = Vec::with_capacity(jobs.len());
        for job in jobs {
            let (ack, planned) = tokio::sync::oneshot::channel();
            acks.push(ack);
            self.queue_for(&job.conversation)
                .send(Msg::Job(job, Some(planned)))
                .ok();
        }
        // The group's one answer, to each job's gate.
        tokio::spawn(async move {
            let written = group
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("the journal writer has stopped")));
            for ack in acks {
                let _ = ack.send(match &written {
                    Ok(()) => Ok(()),
                    Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                });
            }
        });
    }

    /// Tells update the limiter's pace of bulk requests like `job`, for the
    /// progress line's estimate.
    fn report_pace(&self, job: &Job) {
        let client = &self.inner.client;
        let limiter = match job.work {
            Work::Assign { .. } => Some(client.limiter()),
            Work::Hook { .. } => client.hooks_limiter(),
        };
        let pace = limiter.map_or(Duration::ZERO, |l| l.bulk_pace());
        self.inner.send(Action::BulkPace {
            pace_ms: pace.as_millis() as u64,
        });
    }

    /// Queues a request that the journal already holds (after a restart):
    /// it is sent in order without being journaled again.
    pub fn requeue(&mut self, job: Job) {
        self.queue_for(&job.conversation)
            .send(Msg::Job(job, None))
            .ok();
    }

    /// Writes the outcomes the journal refused before (each conversation
    /// keeps its own in memory) and returns the request ids of those it
    /// still refuses: Kore answered them, so they must not be sent again,
    /// yet a restart will show them unknown. For `send` and batches, once
    /// every request is done.
    pub async fn settle_outcomes(&self) -> Vec<String> {
        let mut waits = Vec::new();
        for q in self.queues.values() {
            let (answer, wait) = tokio::sync::oneshot::channel();
            if q.send(Msg::Settle(answer)).is_ok() {
                waits.push(wait);
            }
        }
        let mut owed = Vec::new();
        for wait in waits {
            if let Ok(Some(id)) = wait.await {
                owed.push(id);
            }
        }
        owed.sort();
        owed
    }

    /// Restores a request whose fate is failed or unknown: it holds its
    /// conversation's queue until `r` resends it or `:drop` drops it.
    pub fn restore_blocked(&mut self, job: Job) {
        self.queue_for(&job.conversation)
            .send(Msg::Blocked(job))
            .ok();
    }

    /// Lets a conversation's worker end once it has nothing left to do
    /// (`send --batch`, when a conversation's last line is done: one worker
    /// per conversation kept for ever made a long batch grow without end).
    /// A later request for it starts a new worker.
    pub fn forget(&mut self, conversation: &str) {
        self.queues.remove(conversation);
    }

    /// Conversations that have a worker.
    pub fn workers(&self) -> usize {
        self.queues.len()
    }

    fn queue_for(&mut self, conversation: &str) -> &mpsc::UnboundedSender<Msg> {
        self.queues
            .entry(conversation.to_string())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(conversation_worker(
                    self.inner.clone(),
                    conversation.to_string(),
                    rx,
                ));
                tx
            })
    }

    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Requeue { send, blocked } => {
                let Some(mut job) = job_of(*send) else {
                    return;
                };
                job.journaled = true;
                // A bulk action's request (its id says so) resumes at the
                // bulk's pace.
                job.bulk = crate::app::bulk::is_bulk_request(&job.req_id);
                if job.bulk && !blocked {
                    self.report_pace(&job);
                }
                if blocked {
                    self.restore_blocked(job);
                } else {
                    self.requeue(job);
                }
            }
            Effect::SendBulk { sends } => self.enqueue_bulk(sends),
            send @ (Effect::SendEvent { .. } | Effect::Assign { .. }) => {
                if let Some(job) = job_of(send) {
                    self.enqueue(job);
                }
            }
            Effect::Resend { conversation } => {
                self.queue_for(&conversation).send(Msg::Resend).ok();
            }
            Effect::DropFailed { conversation } => {
                self.queue_for(&conversation).send(Msg::Drop).ok();
            }
            Effect::DropRequests {
                conversation,
                req_ids,
            } => {
                self.queue_for(&conversation)
                    .send(Msg::DropIds(req_ids))
                    .ok();
            }
            Effect::RecordCallback {
                req_id,
                ok,
                summary,
            } => {
                // Shown already; a failed write is reported when it fails.
                self.inner.journal_later(Record::Callback {
                    id: Some(req_id),
                    at_ms: now_ms(),
                    ok,
                    summary,
                });
            }
            Effect::ArmCallbackTimeout { req_id, after_ms } => {
                let inner = self.inner.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(after_ms.max(0) as u64)).await;
                    inner.send(Action::CallbackTimedOut { req_id });
                });
            }
            Effect::PollConversations => self.refresh_conversations(),
            Effect::PollAgents => {
                let inner = self.inner.clone();
                tokio::spawn(async move { poll_agents(&inner).await });
            }
            Effect::FetchDetails {
                conv_id,
                session,
                why,
            } => {
                let inner = self.inner.clone();
                tokio::spawn(async move { details::fetch(&inner, conv_id, session, why).await });
            }
            Effect::PollQueues => {
                let inner = self.inner.clone();
                tokio::spawn(async move { poll_queues(&inner, Some(Duration::ZERO)).await });
            }
            Effect::Export { path, lines } => self.export(path, lines),
            Effect::SaveViews { path, text, name } => self.save_views(path, text, name),
            Effect::Claim {
                conversation,
                what,
                force,
                pending,
            } => super::team::claim(&self.inner, conversation, what, force, pending),
            bulk @ Effect::ClaimBulk { .. } => super::team::claim_bulk(&self.inner, bulk),
            Effect::ReleaseClaim { conversation } => {
                super::team::release(&self.inner, conversation)
            }
            Effect::TeamPublish {
                kind,
                conversation,
                text,
            } => super::team::publish(&self.inner, kind, conversation, text),
            Effect::TeamWho => super::team::who(&self.inner),
            // The console's own: it rings or stops.
            Effect::Quit | Effect::Suspend | Effect::Bell => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kore::wire::AssignTarget;

    #[test]
    fn an_assigns_journal_record_names_its_target_kind() {
        for (target, want) in [
            (AssignTarget::Agent("a-1".into()), "agent:a-1"),
            (AssignTarget::Queue("qu-1".into()), "queue:qu-1"),
        ] {
            let job = job_of(Effect::Assign {
                req_id: "r-1".into(),
                conversation: "c-1".into(),
                session: "s-1".into(),
                target,
                target_name: "Billing".into(),
                summary: "assign".into(),
            })
            .unwrap();
            let Record::Assign { target, text, .. } = job.record() else {
                panic!("not an assign record")
            };
            assert_eq!(target, want);
            assert_eq!(text.as_deref(), Some("assign → Billing"));
        }
    }
}
