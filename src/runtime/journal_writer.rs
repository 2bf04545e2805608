//! The journal's one owner: a thread that takes records and acknowledges
//! each once it is on disk. Records that arrive together are written with
//! one fsync. The event loop only hands records over and never waits on the
//! disk; a request goes out only after its records are acknowledged, so
//! nothing leaves that the journal does not hold.

use super::journal::{self, Journal, Record};
use std::io;
use std::path::PathBuf;
use tokio::sync::{mpsc, oneshot};

type Ack = oneshot::Sender<io::Result<()>>;

enum Msg {
    Append(Box<Record>, Ack),
    /// Records that go in one group write (a bulk action's planning
    /// records), acknowledged together.
    AppendAll(Vec<Record>, Ack),
    /// Fold ended conversations older than `keep_ms` (see [`Journal::compact`]).
    Compact {
        keep_ms: i64,
        now_ms: i64,
        ack: oneshot::Sender<io::Result<usize>>,
    },
    /// Acknowledged once everything sent before it is on disk.
    Flush(Ack),
    /// Whether the journal's path still names the file being written.
    Check(Ack),
    /// Runs on the journal itself (tests: break or mend its writes).
    #[allow(dead_code, reason = "only tests send it")]
    Do(Box<dyn FnOnce(&mut Journal) + Send>),
}

/// A handle to the writer; cheap to clone. The thread ends when every
/// handle is gone.
#[derive(Clone)]
pub struct JournalWriter {
    tx: mpsc::UnboundedSender<Msg>,
    path: PathBuf,
}

impl std::fmt::Debug for JournalWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalWriter")
            .field("path", &self.path)
            .finish()
    }
}

/// The writer is gone (the process is ending): nothing more is written.
fn gone() -> io::Error {
    io::Error::other("the journal writer has stopped")
}

impl JournalWriter {
    /// Starts the writer on a thread of its own, owning `journal`.
    pub fn spawn(journal: Journal) -> JournalWriter {
        let (tx, rx) = mpsc::unbounded_channel();
        let path = journal.path().to_path_buf();
        std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || run(journal, rx))
            .expect("a thread can be started");
        JournalWriter { tx, path }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Hands `record` over and returns at once; the receiver says when it
    /// is on disk (or why not).
    pub fn submit(&self, record: Record) -> oneshot::Receiver<io::Result<()>> {
        let (ack, done) = oneshot::channel();
        if let Err(mpsc::error::SendError(Msg::Append(_, ack))) =
            self.tx.send(Msg::Append(Box::new(record), ack))
        {
            let _ = ack.send(Err(gone()));
        }
        done
    }

    /// Hands `records` over to be written in one group (one write, one
    /// fsync, nothing else between them); the receiver says when all are
    /// on disk (or why not).
    pub fn submit_all(&self, records: Vec<Record>) -> oneshot::Receiver<io::Result<()>> {
        let (ack, done) = oneshot::channel();
        if let Err(mpsc::error::SendError(Msg::AppendAll(_, ack))) =
            self.tx.send(Msg::AppendAll(records, ack))
        {
            let _ = ack.send(Err(gone()));
        }
        done
    }

    /// Writes `record` and waits until it is on disk.
    pub async fn append(&self, record: Record) -> io::Result<()> {
        self.submit(record).await.unwrap_or_else(|_| Err(gone()))
    }

    /// Waits until everything handed over before is on disk.
    pub async fn flush(&self) -> io::Result<()> {
        let (ack, done) = oneshot::channel();
        self.tx.send(Msg::Flush(ack)).map_err(|_| gone())?;
        done.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Whether the journal's path still names the file this writes (see
    /// [`Journal::check_named`]): an error once it was moved or replaced.
    pub async fn check(&self) -> io::Result<()> {
        let (ack, done) = oneshot::channel();
        self.tx.send(Msg::Check(ack)).map_err(|_| gone())?;
        done.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Compacts the journal (see [`Journal::compact`]) between two batches.
    pub async fn compact(&self, keep_ms: i64, now_ms: i64) -> io::Result<usize> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Msg::Compact {
                keep_ms,
                now_ms,
                ack,
            })
            .map_err(|_| gone())?;
        done.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Runs `f` on the journal between two batches (tests).
    #[doc(hidden)]
    pub async fn with_journal(&self, f: impl FnOnce(&mut Journal) + Send + 'static) {
        let (ack, done) = oneshot::channel();
        let _ = self.tx.send(Msg::Do(Box::new(f)));
        let _ = self.tx.send(Msg::Flush(ack));
        let _ = done.await;
    }
}

fn run(mut journal: Journal, mut rx: mpsc::UnboundedReceiver<Msg>) {
    while let Some(first) = rx.blocking_recv() {
        // Everything that is waiting goes in one batch, one fsync.
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut records: Vec<Record> = Vec::new();
        let mut acks: Vec<Ack> = Vec::new();
        for msg in batch {
            match msg {
                Msg::Append(record, ack) => {
                    records.push(*record);
                    acks.push(ack);
                }
                Msg::AppendAll(group, ack) => {
                    records.extend(group);
                    acks.push(ack);
                }
                other => {
                    // Keep the order: what came before is written first.
                    write_batch(&mut journal, &mut records, &mut acks);
                    match other {
                        Msg::Flush(ack) => {
                            let _ = ack.send(Ok(()));
                        }
                        Msg::Check(ack) => {
                            let _ = ack.send(journal.check_named());
                        }
                        Msg::Compact {
                            keep_ms,
                            now_ms,
                            ack,
                        } => {
                            let folded = journal::read(journal.path()).and_then(|mut replay| {
                                journal.compact(&mut replay, keep_ms, now_ms)
                            });
                            let _ = ack.send(folded);
                        }
                        Msg::Do(f) => f(&mut journal),
                        Msg::Append(..) | Msg::AppendAll(..) => unreachable!("handled above"),
                    }
                }
            }
        }
        write_batch(&mut journal, &mut records, &mut acks);
    }
}

fn write_batch(journal: &mut Journal, records: &mut Vec<Record>, acks: &mut Vec<Ack>) {
    if records.is_empty() {
        return;
    }
    let result = journal.append_batch(records);
    for ack in acks.drain(..) {
        let _ = ack.send(match &result {
            Ok(()) => Ok(()),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        });
    }
    records.clear();
}
