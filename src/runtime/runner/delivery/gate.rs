//! The journal gate: nothing leaves that the journal does not hold. A
//! request's planning record and its `Sent` are on disk before its bytes
//! go; an outcome the journal refused is owed and written before anything
//! else of its conversation moves.

use super::Job;
use crate::app::Action;
use crate::kore::client::CallError;
use crate::runtime::journal::Record;
use crate::runtime::runner::{Inner, now_ms};
use std::sync::Arc;

/// A planning record handed to the journal writer: the worker waits for
/// it before it sends.
pub(super) type Planned = Option<tokio::sync::oneshot::Receiver<std::io::Result<()>>>;

/// An outcome the journal did not take (a full disk): kept in memory and
/// written again before anything else of its conversation moves, so that
/// a request Kore answered is never taken for one of unknown fate.
pub(super) struct Owed {
    record: Record,
    /// The writer's answer, when it was handed over without waiting.
    pub(super) ack: Planned,
}

impl Owed {
    pub(super) fn id(&self) -> String {
        self.record.id().unwrap_or_default().to_string()
    }
}

/// Writes an owed outcome: the answer of its first write if that went
/// through, else it is written again.
pub(super) async fn settle(inner: &Inner, owed: &mut Owed) -> std::io::Result<()> {
    if let Some(ack) = owed.ack.take()
        && let Ok(Ok(())) = ack.await
    {
        return Ok(());
    }
    inner.journal(owed.record.clone()).await
}

impl Inner {
    /// Waits for a job's planning record, or writes it again if that
    /// failed. Nothing is sent before it is on disk.
    pub(super) async fn ensure_journaled(&self, job: &mut Job) -> Result<(), CallError> {
        if !job.journaled {
            self.journal(job.record()).await.map_err(not_journaled)?;
            job.journaled = true;
        }
        Ok(())
    }
}

/// Nothing is sent that the journal does not hold first.
pub(super) fn not_journaled(e: std::io::Error) -> CallError {
    let then = if e.kind() == std::io::ErrorKind::StorageFull {
        "free the disk, then r sends it"
    } else {
        "once the journal can be written, r sends it"
    };
    CallError::Local(format!("{NOT_JOURNALED} ({e}); {then}"))
}

/// How a request that was not sent because the journal refused a record
/// begins its error (`send --batch` stops reading on it).
pub const NOT_JOURNALED: &str = "not sent: the journal could not be written";

pub(super) fn owes_error(before: &str, e: &std::io::Error) -> CallError {
    CallError::Local(format!(
        "{NOT_JOURNALED} ({e}): it still owes the outcome of {before}, which Kore answered \
         and which is kept in memory, never sent again; once the disk has room, r sends this one"
    ))
}

/// Writes the owed outcome, if any, before a request leaves.
pub(super) async fn settle_owed(inner: &Inner, owed: &mut Option<Owed>) -> Result<(), CallError> {
    if let Some(o) = owed.as_mut() {
        settle(inner, o)
            .await
            .map_err(|e| owes_error(&o.id(), &e))?;
        *owed = None;
    }
    Ok(())
}

/// Journals `Sent` for a request and, on its first try, reports it as
/// going out: called by the client once the rate limiter has given a slot,
/// right before the bytes leave. A request that waits for a slot and dies
/// there was never sent, and the journal says so.
pub(super) async fn gate(
    inner: &Inner,
    job: &mut Job,
    attempt: u32,
    line: &str,
    planned: &mut Planned,
    owed: &mut Option<Owed>,
) -> Result<(), CallError> {
    if let Some(done) = planned.take()
        && pipelined_gate(inner, job, attempt, done, owed).await
    {
        settle_owed(inner, owed).await?;
        if attempt == 1 {
            inner.send(Action::RequestSent {
                req_id: job.req_id.clone(),
                conversation: job.conversation.clone(),
                line: line.to_string(),
            });
        }
        return Ok(());
    }
    settle_owed(inner, owed).await?;
    inner.ensure_journaled(job).await?;
    inner
        .journal(Record::Sent {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            attempt,
        })
        .await
        .map_err(not_journaled)?;
    if attempt == 1 {
        inner.send(Action::RequestSent {
            req_id: job.req_id.clone(),
            conversation: job.conversation.clone(),
            line: line.to_string(),
        });
    }
    Ok(())
}

/// The pipelined gate: `Sent` goes to the writer behind the planning record
/// still in flight, then both acks are awaited. True when both are on disk;
/// else the usual gate writes what is missing again (an orphan `Sent` before
/// its planning record is ignored when the journal is read).
async fn pipelined_gate(
    inner: &Inner,
    job: &mut Job,
    attempt: u32,
    planning: tokio::sync::oneshot::Receiver<std::io::Result<()>>,
    owed: &mut Option<Owed>,
) -> bool {
    let gone = || Err(std::io::Error::other("the journal writer has stopped"));
    let sent = inner.journal.as_ref().map(|j| {
        j.submit(Record::Sent {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            attempt,
        })
    });
    // The outcome owed before it went to the writer first: its answer is
    // in by the time `Sent`'s is. Refused, the caller writes it again.
    if let Some(o) = owed.as_mut()
        && let Some(ack) = o.ack.take()
        && let Ok(Ok(())) = ack.await
    {
        *owed = None;
    }
    let planned = planning.await.unwrap_or_else(|_| gone());
    job.journaled = inner.report(planned).is_ok();
    let sent = match sent {
        Some(done) => done.await.unwrap_or_else(|_| gone()),
        None => Ok(()),
    };
    let sent = inner.report(sent).is_ok();
    job.journaled && sent
}

/// Hands an outcome to the journal: pipelined without waiting (the ack is
/// kept), else waited for. What the journal did not take is owed.
pub(super) async fn owe(inner: &Arc<Inner>, outcome: Record) -> Option<Owed> {
    let j = inner.journal.as_ref()?;
    if inner.pipelined_journal() {
        let ack = j.submit(outcome.clone());
        return Some(Owed {
            record: outcome,
            ack: Some(ack),
        });
    }
    match inner.journal(outcome.clone()).await {
        Ok(()) => None,
        Err(_) => Some(Owed {
            record: outcome,
            ack: None,
        }),
    }
}
