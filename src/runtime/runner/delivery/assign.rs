//! One assign-conversation request, through the journal gate; its answer
//! comes later to the callback listener.

use super::gate::gate;
use super::{Job, Work};
use crate::app::Action;
use crate::kore::client::{self, CallError};
use crate::kore::wire::{AssignRequest, AssignResponse};
use crate::runtime::journal::Record;
use crate::runtime::runner::{Inner, now_ms, reply_info};
use std::time::Duration;

/// Sends one assign-conversation request. Its callback comes to the
/// listener later, matched by the request id in the callback URL.
///
/// Only failures that say the request was not carried out (a refused
/// connection, a 429, a 5xx) are retried. After a timeout or a broken
/// connection Kore may have taken it, and a second assign could give the
/// conversation to two agents: it is marked unknown for the supervisor.
pub(super) async fn assign(inner: &Inner, job: &mut Job) {
    let Work::Assign {
        session,
        target,
        summary,
        ..
    } = job.work.clone()
    else {
        return;
    };
    let (req_id, conversation) = (job.req_id.clone(), job.conversation.clone());
    let Some(listener) = &inner.listener else {
        inner.send(Action::AssignDone {
            req_id,
            conversation,
            outcome: Err(CallError::Local(
                "not sent: no callback listener to hear its answer".into(),
            )),
            uncertain: false,
            attempts: 0,
        });
        return;
    };
    let request = AssignRequest::new(
        listener.url_for(&req_id),
        inner.client.org_id(),
        &session,
        &target,
    );
    let line = format!(
        "POST {}  {summary} (callback {})",
        inner.client.assign_path(),
        listener.display_address()
    );
    let (call, gate_error, attempt) = send(inner, job, &request, &summary, &line).await;
    let outcome: Result<_, CallError> = call.outcome.as_ref().map(reply_info).map_err(Clone::clone);
    let uncertain = matches!(&outcome, Err(e) if e.uncertain());
    // Not journaled when it never left (the gate failed), nor when it may
    // have arrived (no outcome: a restart shows it unknown as well).
    if gate_error.is_none() && !uncertain {
        let _ = inner
            .journal(Record::Outcome {
                id: req_id.clone(),
                at_ms: now_ms(),
                ok: outcome.is_ok(),
                status: match &outcome {
                    Ok(r) => Some(r.status),
                    Err(e) => e.status(),
                },
                message: match &outcome {
                    Ok(r) => r.body.clone(),
                    Err(e) => e.to_string(),
                },
                attempts: attempt,
            })
            .await;
    }
    inner.send(Action::AssignDone {
        req_id,
        conversation,
        outcome,
        uncertain,
        attempts: if gate_error.is_some() {
            attempt - 1
        } else {
            attempt
        },
    });
}

/// Sends the request through the journal gate, again while the failure
/// says it was not carried out: the last call, the gate's error when the
/// journal could not record a try (then that try never left), and the
/// tries made.
async fn send(
    inner: &Inner,
    job: &mut Job,
    request: &AssignRequest,
    summary: &str,
    line: &str,
) -> (client::Call<AssignResponse>, Option<CallError>, u32) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        // A slot taken beforehand serves the first try only.
        let priority = job.priority();
        job.slot_taken = false;
        let mut gate_error = None;
        let call = {
            let job_ref = &mut *job;
            let gate_error = &mut gate_error;
            inner
                .client
                .assign_gated(request, summary.to_string(), priority, async || {
                    gate(inner, job_ref, attempt, line, &mut None, &mut None)
                        .await
                        .inspect_err(|e| {
                            *gate_error = Some(e.clone());
                        })
                })
                .await
        };
        inner.usage();
        match &call.outcome {
            Err(e)
                if gate_error.is_none()
                    && e.retryable()
                    && !e.uncertain()
                    && attempt < inner.max_attempts() =>
            {
                let wait = client::backoff(
                    attempt - 1,
                    Duration::from_millis(250),
                    Duration::from_secs(15),
                );
                let wait = e.retry_after().map_or(wait, |ra| ra.max(wait));
                tracing::info!(attempt, ?wait, error = %e, "retrying assign");
                tokio::time::sleep(wait).await;
            }
            _ => return (call, gate_error, attempt),
        }
    }
}
