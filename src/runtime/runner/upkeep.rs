//! The journal's upkeep while the console runs: flushing at quit,
//! compaction, and the watch for a journal moved away.

use super::{Runner, now_ms};
use crate::app::Action;
use std::time::Duration;

impl Runner {
    /// Waits until every record handed to the journal so far is on disk
    /// (at quit).
    pub async fn flush_journal(&self) {
        if let Some(j) = &self.inner.journal
            && let Err(e) = j.flush().await
        {
            tracing::error!(error = %e, "journal flush failed");
        }
    }

    /// Compacts the journal every `every` while the console runs, folding
    /// ended conversations older than `keep` (start-up compacts too). The
    /// journal's lock is held from reading it to renaming the new file, so
    /// no record written meanwhile can be missed.
    pub fn start_compaction(&self, every: Duration, keep: Duration) {
        if self.inner.journal.is_none() {
            return;
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if inner.tx.is_closed() {
                    break;
                }
                let Some(j) = &inner.journal else { break };
                // One more message to the writer: records that come meanwhile
                // wait for it, none is missed.
                match j.compact(keep.as_millis() as i64, now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(folded = n, "journal compacted"),
                    Err(e) => tracing::warn!(error = %e, "journal compaction failed"),
                }
            }
        });
    }

    /// Looks every `every` whether the journal's path still names the file
    /// the writer holds. Once it does not (moved away, replaced, removed),
    /// the writer takes no more records, so nothing more is sent; this says
    /// so once, in the log and the bottom line, and stops looking.
    pub fn start_journal_watch(&self, every: Duration) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if inner.tx.is_closed() {
                    break;
                }
                let Some(j) = &inner.journal else { break };
                if let Err(e) = j.check().await {
                    tracing::error!(error = %e, "journal lost");
                    inner.send(Action::Note {
                        error: true,
                        text: format!("{e}"),
                    });
                    break;
                }
            }
        });
    }
}
