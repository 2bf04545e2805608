//! One hooks request sent with retries, through the journal gate.

use super::gate::{Owed, Planned, gate, owe};
use super::{Job, Work};
use crate::app::Action;
use crate::kore::client::{self, CallError};
use crate::kore::hooks;
use crate::kore::wire::StatusOk;
use crate::runtime::journal::Record;
use crate::runtime::runner::{Inner, hooks_summary, now_ms, reply_info};
use std::sync::Arc;
use std::time::Duration;

/// What every try of one hooks request sends and says.
struct Hook {
    wire: crate::kore::wire::HookEvent,
    summary: String,
    /// The line `RequestSent` shows.
    line: String,
}

/// Sends one hooks request with retries. True when delivered.
///
/// A try that timed out or broke after it was written may have been applied
/// by Kore: it is remembered, and a later success says which tries may also
/// have arrived. Such a try is retried only when `retry_uncertain` allows;
/// a request that ends without an answer after one is unknown (no outcome is
/// journaled, as after a crash), not failed.
pub(super) async fn deliver(
    inner: &Arc<Inner>,
    job: &mut Job,
    mut planned: Planned,
    owed: &mut Option<Owed>,
) -> bool {
    let Work::Hook { event, ctx, .. } = &job.work else {
        return false;
    };
    let summary = hooks_summary(event, &job.conversation);
    let hook = Hook {
        wire: hooks::to_wire(event, ctx),
        line: format!("POST {}  {summary}", inner.client.hooks_path()),
        summary,
    };
    let mut maybe_arrived: Vec<u32> = Vec::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (call, gate_error) = send_once(inner, job, attempt, &hook, &mut planned, owed).await;
        if let Some(e) = gate_error {
            // Not sent: the journal could not record it.
            inner.send(Action::HookDone {
                req_id: job.req_id.clone(),
                conversation: job.conversation.clone(),
                outcome: Err(e),
                attempts: attempt - 1,
                maybe_arrived,
            });
            return false;
        }
        inner.usage();
        match &call.outcome {
            Ok(reply) => {
                let outcome = outcome(job, attempt, true, Some(reply.status), &reply.body_summary);
                *owed = owe(inner, outcome).await;
                inner.send(Action::HookDone {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    outcome: Ok(reply_info(reply)),
                    attempts: attempt,
                    maybe_arrived,
                });
                return true;
            }
            Err(e)
                if e.retryable()
                    && attempt < inner.max_attempts()
                    && (inner.retry_uncertain() || !e.uncertain()) =>
            {
                if e.uncertain() {
                    maybe_arrived.push(attempt);
                }
                retry_later(inner, job, attempt, e).await;
            }
            Err(e) => {
                if e.uncertain() {
                    maybe_arrived.push(attempt);
                }
                // With a try that may have arrived, the fate is unknown: the
                // journal keeps no outcome, so a restart says unknown too.
                if maybe_arrived.is_empty() {
                    let outcome = outcome(job, attempt, false, e.status(), &e.to_string());
                    *owed = owe(inner, outcome).await;
                }
                inner.send(Action::HookDone {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    outcome: Err(e.clone()),
                    attempts: attempt,
                    maybe_arrived,
                });
                return false;
            }
        }
    }
}

/// One try through the journal gate: the call, and the gate's error when
/// the journal could not record it (then nothing left).
async fn send_once(
    inner: &Arc<Inner>,
    job: &mut Job,
    attempt: u32,
    hook: &Hook,
    planned: &mut Planned,
    owed: &mut Option<Owed>,
) -> (client::Call<Option<StatusOk>>, Option<CallError>) {
    let mut gate_error = None;
    let call = {
        let job_ref = &mut *job;
        let gate_error = &mut gate_error;
        inner
            .client
            .send_hooks_gated(
                &job_ref.conversation.clone(),
                vec![hook.wire.clone()],
                hook.summary.clone(),
                job_ref.priority(),
                async || {
                    gate(inner, job_ref, attempt, &hook.line, planned, owed)
                        .await
                        .inspect_err(|e| {
                            *gate_error = Some(e.clone());
                        })
                },
            )
            .await
    };
    // A slot taken beforehand served this try only.
    job.slot_taken = false;
    (call, gate_error)
}

/// Says the try failed and will be made again, then waits: backoff with
/// jitter, or the server's `Retry-After` when longer.
async fn retry_later(inner: &Inner, job: &Job, attempt: u32, e: &CallError) {
    inner.send(Action::HookRetrying {
        req_id: job.req_id.clone(),
        conversation: job.conversation.clone(),
        attempt,
        error: if e.uncertain() {
            format!("{e} (try {attempt} may have arrived)")
        } else {
            e.to_string()
        },
    });
    let wait = client::backoff(
        attempt - 1,
        Duration::from_millis(500),
        Duration::from_secs(30),
    );
    let wait = e.retry_after().map_or(wait, |ra| ra.max(wait));
    tokio::time::sleep(wait).await;
}

/// The journal's outcome of a hooks request.
fn outcome(job: &Job, attempts: u32, ok: bool, status: Option<u16>, message: &str) -> Record {
    Record::Outcome {
        id: job.req_id.clone(),
        at_ms: now_ms(),
        ok,
        status,
        message: message.to_string(),
        attempts,
    }
}
