//! The journal: an append-only JSON-lines file that holds every request the
//! console plans, each outcome, and each callback, so state survives a
//! restart.
//!
//! A record is written and fsync'd before its request goes out. Reading is
//! forgiving: a torn last line (a crash mid-write) is dropped with a warning
//! and cut off the file, so the next append starts on a clean line.
//!
//! Each line carries what makes replaying it safe: `seq`, a number that
//! grows by one per line of this journal (it fixes the order, and makes a
//! duplicated line harmless); `c` and `cseq`, the conversation and the
//! line's number within that conversation's history (a gap shows a lost
//! line); and `sum`, a checksum of the rest of the line. What the journal
//! cannot prove (a gap, a disorder, a damaged line) holds the conversation
//! it touches: [`Replay::holds`] names it with the reason, and nothing of it
//! is sent on its own. Lines written before these fields existed are read
//! in file order, as before.

pub use crate::app::restore::{
    AssignFate, ConversationState, JournaledAssign, JournaledRequest, RequestFate,
};
use crate::domain::Event;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::journal_file;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A hooks event about to be sent (one request per event).
    Request {
        id: String,
        at_ms: i64,
        conversation: String,
        event: Event,
        experience: String,
        language: String,
        /// What the supervisor asked for, e.g. "cold transfer to Raj Patel".
        action: String,
    },
    /// A request is about to go on the wire (written before every attempt).
    /// A request with `Sent` but no `Outcome` has an unknown fate.
    Sent {
        id: String,
        at_ms: i64,
        attempt: u32,
    },
    /// The final outcome of a request (after any retries).
    Outcome {
        id: String,
        at_ms: i64,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        message: String,
        #[serde(default)]
        attempts: u32,
    },
    /// An assign-conversation request about to be sent.
    Assign {
        id: String,
        at_ms: i64,
        session: String,
        /// `agent:a-…` or `queue:qu-…`.
        target: String,
        /// The console's conversation id, when the console sent it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation: Option<String>,
        /// What the timeline shows, e.g. "assign → Raj Patel".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// What compaction left of an ended conversation.
    Summary {
        conversation: String,
        at_ms: i64,
        /// How many requests were folded into this line.
        requests: usize,
    },
    /// A callback received for an assign request.
    Callback {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        at_ms: i64,
        ok: bool,
        summary: String,
    },
}

impl Record {
    pub fn id(&self) -> Option<&str> {
        match self {
            Record::Request { id, .. }
            | Record::Sent { id, .. }
            | Record::Outcome { id, .. }
            | Record::Assign { id, .. } => Some(id),
            Record::Callback { id, .. } => id.as_deref(),
            Record::Summary { .. } => None,
        }
    }
}

/// What reading a journal found.
#[derive(Debug, Default)]
pub struct Replay {
    /// In the order they were written (by `seq`), duplicates left out.
    pub records: Vec<Record>,
    /// The line facts of each record, parallel to `records`.
    pub meta: Vec<LineMeta>,
    pub warnings: Vec<String>,
    /// Complete lines that could not be read, kept byte for byte so that
    /// compaction never throws them away.
    pub damaged: Vec<DamagedLine>,
    /// Conversations whose history the journal cannot prove, with why:
    /// nothing of them is sent until the supervisor decides.
    pub holds: BTreeMap<String, String>,
    /// A damaged line whose conversation cannot be told: every
    /// conversation with requests still to send is held, for this reason.
    pub hold_all: Option<String>,
}

impl Replay {
    /// Why `conversation` is held, if it is.
    pub fn hold_reason(&self, conversation: &str) -> Option<&str> {
        self.holds
            .get(conversation)
            .or(self.hold_all.as_ref())
            .map(String::as_str)
    }
}

/// What a line says about itself besides its record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMeta {
    /// Its number in the journal, from 1; absent on lines of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Its conversation, when it has one.
    #[serde(default, rename = "c", skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// Its number within its conversation's history, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cseq: Option<u64>,
}

/// A line of the journal: the record's fields, the line facts, then a
/// checksum of everything before it: `{…,"sum":"1a2b3c4d"}`.
pub(super) fn encode(record: &Record, meta: &LineMeta) -> io::Result<Vec<u8>> {
    let mut value = serde_json::to_value(record).map_err(io::Error::other)?;
    let (Some(obj), serde_json::Value::Object(m)) = (
        value.as_object_mut(),
        serde_json::to_value(meta).map_err(io::Error::other)?,
    ) else {
        return Err(io::Error::other("a record is not a JSON object"));
    };
    for (k, v) in m {
        obj.insert(k, v);
    }
    let mut raw = serde_json::to_vec(&value).map_err(io::Error::other)?;
    let sum = checksum(&raw);
    raw.pop(); // the closing brace
    raw.extend_from_slice(format!(",\"sum\":\"{sum}\"}}\n").as_bytes());
    Ok(raw)
}

fn checksum(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(bytes)[..4])
}

/// The suffix `,"sum":"xxxxxxxx"}` of a line, checked: `Ok(true)` when it
/// matches the rest, `Ok(false)` when there is none (an older line).
pub(super) fn verify_sum(line: &str) -> Result<bool, String> {
    const TAIL: usize = r#","sum":"12345678"}"#.len();
    let Some(head) = line.len().checked_sub(TAIL) else {
        return Ok(false);
    };
    let Some(tail) = line.get(head..) else {
        return Ok(false);
    };
    if !(tail.starts_with(r#","sum":""#) && tail.ends_with(r#""}"#)) {
        return Ok(false);
    }
    let sum = &tail[8..16];
    // The sum covers the line as it was before the sum went in: the head
    // and its closing brace.
    let digest = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(&line.as_bytes()[..head]);
        h.update(b"}");
        h.finalize()
    };
    if hex::encode(&digest[..4]) == sum {
        Ok(true)
    } else {
        Err("its checksum does not match (the line was changed)".to_string())
    }
}

/// The conversations a damaged line may belong to: what its `c` and
/// `conversation` fields say, and the conversation of its `id`. A damaged
/// line may lie about any one of them, so all are taken.
fn salvage_conversations(bytes: &[u8], conv_of: &BTreeMap<String, String>) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let field = |name: &str| -> Option<String> {
        let at = text.find(&format!("\"{name}\":\""))? + name.len() + 4;
        let end = text[at..].find('"')?;
        Some(text[at..at + end].to_string()).filter(|v| !v.is_empty())
    };
    let mut out: Vec<String> = [
        field("c"),
        field("conversation"),
        field("id").and_then(|id| conv_of.get(&id).cloned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.sort();
    out.dedup();
    out
}

/// A complete but unreadable line in the middle of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedLine {
    /// How many good records came before it.
    pub after_records: usize,
    /// The line as it is on disk, without its newline.
    pub bytes: Vec<u8>,
    /// Its line number in the file.
    pub line: usize,
    /// The line was longer than [`MAX_LINE_BYTES`]: `bytes` holds only its
    /// start, and compaction waits until it is gone (it is never dropped).
    pub over_cap: bool,
}

/// What one written record changed in the numbering: its conversation,
/// that conversation's `cseq` before it, and the request id it mapped with
/// what that id mapped to before (None for a record outside any conversation).
type Numbered = Option<(String, Option<u64>, Option<(String, Option<String>)>)>;
/// The longest journal line read (bytes). A record is a few hundred bytes;
/// a longer line is damage, reported as such, and never read whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// An open journal, positioned for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// The lock beside the journal, held while this is open.
    _lock: File,
    /// (device, inode) of `file`: when the path names another file (the
    /// journal was moved or replaced), nothing more is written.
    identity: (u64, u64),
    /// The `seq` of the next line.
    next_seq: u64,
    /// The last `cseq` written per conversation.
    cseq: std::collections::HashMap<String, u64>,
    /// The conversation of each request and assign id.
    conv_of: std::collections::HashMap<String, String>,
    /// The length of the file up to its last whole record: a failed append
    /// is cut back to it, so the file never keeps half a record.
    len: u64,
    /// Added to every fsync (a slow disk, for tests).
    sync_delay: std::time::Duration,
    /// Tests: the next append writes this many bytes, then fails as a full
    /// disk would.
    #[cfg(test)]
    short_write: Option<usize>,
    /// Tests: lines written whole before the short write.
    #[cfg(test)]
    short_write_after: usize,
    /// Tests: a batch holding an outcome fails as on a full disk.
    #[cfg(test)]
    refuse_outcomes: bool,
}

impl Journal {
    /// Opens (or creates, mode 0600, in a directory made 0700) the journal at
    /// `path`, takes an exclusive lock on it and reads it back. A second
    /// switchboard on the same journal gets an error of kind `WouldBlock`:
    /// two processes resending the same queue would send it twice.
    pub fn open(path: &Path) -> io::Result<(Journal, Replay)> {
        Self::open_with(path, None)
    }

    /// Opens the journal as [`Journal::open`] does, but first folds the
    /// ended conversations older than `keep_ms` in one streaming pass
    /// (`journal_scan`), so a start on a long history holds only what is
    /// left. A journal that pass cannot judge is read whole; callers still
    /// run [`Journal::compact`] after, which then finds little or nothing.
    pub fn open_folding(path: &Path, keep_ms: i64, now_ms: i64) -> io::Result<(Journal, Replay)> {
        Self::open_with(path, Some((keep_ms, now_ms)))
    }

    fn open_with(path: &Path, fold: Option<(i64, i64)>) -> io::Result<(Journal, Replay)> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(dir)?;
        }
        let dir_lock = journal_file::lock_dir(path)?;
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = journal_file::open_regular(path, &mut options, "the journal")?;
        lock(&file, path)?;
        let mut warnings = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata()?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
                warnings.push(format!(
                    "{}: other users could read the journal (mode {mode:o}); it is now 0600",
                    path.display()
                ));
            }
        }
        let file = match fold {
            Some((keep_ms, now_ms)) => fold_first(file, path, keep_ms, now_ms),
            None => file,
        };
        let identity = journal_file::identity(&file)?;
        let (mut replay, good_len) = read_file(&file, path)?;
        warnings.append(&mut replay.warnings);
        replay.warnings = warnings;
        let total = file.metadata()?.len();
        if good_len < total {
            // Cut the torn tail so the next record starts on its own line.
            file.set_len(good_len)?;
            file.sync_all()?;
        }
        let (next_seq, cseq, conv_of) = numbering(&replay);
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
                _lock: dir_lock,
                identity,
                next_seq,
                cseq,
                conv_of,
                len: good_len,
                sync_delay: std::time::Duration::ZERO,
                #[cfg(test)]
                short_write: None,
                #[cfg(test)]
                short_write_after: 0,
                #[cfg(test)]
                refuse_outcomes: false,
            },
            replay,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes records that arrived together with one fsync for all of them
    /// (the journal writer's batches). All or none: a failure cuts the file
    /// back to where it was and every record of the batch gets the error.
    pub fn append_batch(&mut self, records: &[Record]) -> io::Result<()> {
        self.check_named()?;
        #[cfg(test)]
        if self.refuse_outcomes && records.iter().any(|r| matches!(r, Record::Outcome { .. })) {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device (simulated)",
            ));
        }
        // What the group changes in the numbering, to put back if it fails:
        // as long as the group, never a copy of the whole maps (that made
        // every write cost as much as the journal's history).
        let start = (self.len, self.next_seq);
        let mut undo = Vec::new();
        let result = (|| {
            for r in records {
                undo.push(self.append_unsynced(r)?);
            }
            self.sync()
        })();
        if let Err(e) = result {
            let written = undo.len();
            (self.len, self.next_seq) = start;
            for change in undo.into_iter().rev() {
                self.undo(change);
            }
            if let Err(cut) = self.file.set_len(self.len) {
                tracing::error!(error = %cut, "could not cut a failed journal write back");
            } else {
                let _ = self.file.sync_data();
            }
            tracing::error!(records = written, error = %e, "journal batch failed");
            return Err(e);
        }
        Ok(())
    }

    /// Puts back what one written record changed in the numbering.
    fn undo(&mut self, change: Numbered) {
        let Some((conversation, before, id)) = change else {
            return;
        };
        match id {
            Some((id, Some(was))) => self.conv_of.insert(id, was),
            Some((id, None)) => self.conv_of.remove(&id),
            None => None,
        };
        match before {
            Some(n) => self.cseq.insert(conversation, n),
            None => self.cseq.remove(&conversation),
        };
    }

    /// Fails when the journal's path no longer names the file this holds
    /// open (moved away, replaced or removed under it): another process may
    /// then start on an empty history, so this one writes, and sends,
    /// nothing more.
    pub fn check_named(&self) -> io::Result<()> {
        journal_file::still_named(&self.path, self.identity)
    }

    fn sync(&mut self) -> io::Result<()> {
        if !self.sync_delay.is_zero() {
            std::thread::sleep(self.sync_delay);
        }
        self.file.sync_data()
    }

    /// Makes every fsync take at least `delay` more: a slow disk, for tests
    /// and measurements of what the console does meanwhile.
    #[doc(hidden)]
    pub fn set_sync_delay(&mut self, delay: std::time::Duration) {
        self.sync_delay = delay;
    }

    /// Writes one record and waits until it is on disk. When that fails
    /// (a full disk, say), the file is cut back to where it was: a record is
    /// on disk whole or not at all, and the next append starts on a clean
    /// line.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        self.append_batch(std::slice::from_ref(record))
    }

    /// Writes one record without syncing; the numbering moves on only when
    /// the write went through.
    fn append_unsynced(&mut self, record: &Record) -> io::Result<Numbered> {
        let conversation = conversation_of(record)
            .map(str::to_string)
            .or_else(|| record.id().and_then(|id| self.conv_of.get(id).cloned()));
        let before = conversation
            .as_ref()
            .and_then(|c| self.cseq.get(c).copied());
        let cseq = conversation.as_ref().map(|_| before.unwrap_or(0) + 1);
        let meta = LineMeta {
            seq: Some(self.next_seq),
            conversation: conversation.clone(),
            cseq,
        };
        let line = encode(record, &meta)?;
        self.write_line(&line)?;
        self.len += line.len() as u64;
        self.next_seq += 1;
        let (Some(c), Some(n)) = (conversation, cseq) else {
            return Ok(None);
        };
        let mut mapped = None;
        if let Some(id) = record.id()
            && matches!(record, Record::Request { .. } | Record::Assign { .. })
        {
            let before = self.conv_of.insert(id.to_string(), c.clone());
            mapped = Some((id.to_string(), before));
        }
        self.cseq.insert(c.clone(), n);
        Ok(Some((c, before, mapped)))
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        #[cfg(test)]
        if self.short_write.is_some() && self.short_write_after > 0 {
            self.short_write_after -= 1;
        } else if let Some(n) = self.short_write.take() {
            self.file.write_all(&line[..n.min(line.len())])?;
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device (simulated)",
            ));
        }
        self.file.write_all(line)
    }
}

/// The streaming fold of [`Journal::open_folding`]: the new file, written
/// beside the journal, synced and renamed over it (so a crash leaves the old
/// journal or the new one), or `file` unchanged when there is nothing to
/// fold, the pass cannot judge the journal, or writing failed.
fn fold_first(file: File, path: &Path, keep_ms: i64, now_ms: i64) -> File {
    let plan = match super::journal_scan::fold_plan(&file, keep_ms, now_ms) {
        Ok(Some(plan)) if plan.changes() => plan,
        Ok(_) => return file,
        Err(e) => {
            tracing::warn!(error = %e, "journal: the streaming fold could not read it");
            return file;
        }
    };
    let tmp = path.with_extension("jsonl.compacting");
    let written = (|| -> io::Result<File> {
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = journal_file::open_regular(&tmp, &mut options, "the journal")?;
        lock(&out, &tmp)?;
        super::journal_scan::write_folded(&file, &plan, now_ms, &mut out)?;
        out.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(out)
    })();
    match written {
        Ok(out) => {
            sync_dir(path);
            tracing::info!(
                folded = plan.fold.len(),
                stale_summaries = plan.stale_summaries,
                "journal compacted at open"
            );
            out
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(error = %e, "journal: the streaming fold failed; the journal is unchanged");
            file
        }
    }
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}

/// The conversation a record names itself.
pub(super) fn conversation_of(record: &Record) -> Option<&str> {
    match record {
        Record::Request { conversation, .. } | Record::Summary { conversation, .. } => {
            Some(conversation)
        }
        Record::Assign { conversation, .. } => conversation.as_deref(),
        _ => None,
    }
}

type Numbering = (
    u64,
    std::collections::HashMap<String, u64>,
    std::collections::HashMap<String, String>,
);

/// Where numbering goes on after what was read: the next `seq`, the last
/// `cseq` per conversation, and the conversation of each request id.
fn numbering(replay: &Replay) -> Numbering {
    let mut next = 1;
    let mut cseq = std::collections::HashMap::new();
    let mut conv_of = std::collections::HashMap::new();
    for (r, m) in replay.records.iter().zip(&replay.meta) {
        if let Some(s) = m.seq {
            next = next.max(s + 1);
        }
        if let (Some(c), Some(n)) = (&m.conversation, m.cseq) {
            let last = cseq.entry(c.clone()).or_insert(0);
            *last = (*last).max(n);
        }
        if let (Some(id), Some(c)) = (r.id(), conversation_of(r)) {
            conv_of.insert(id.to_string(), c.to_string());
        }
    }
    (next, cseq, conv_of)
}

/// Reads a journal without locking or changing it, e.g. while a console
/// holds it open. A torn last line is reported, not cut.
pub fn read(path: &Path) -> io::Result<Replay> {
    let file = journal_file::open_regular(path, OpenOptions::new().read(true), "the journal")?;
    read_file(&file, path).map(|(replay, _)| replay)
}

fn lock(file: &File, path: &Path) -> io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "{} is in use by another switchboard (a console or a command); \
                 only one may use a journal at a time",
                path.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Reads one line into `buf`, at most `cap` bytes of it (the rest is read
/// past, not kept). Returns the bytes the line took in the file (0 at the
/// end) and whether it ended with a newline; more bytes than `buf` holds
/// means it was over the cap.
pub(super) fn read_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<(u64, bool)> {
    let mut taken: u64 = 0;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((taken, false));
        }
        let (used, done) = match memchr_newline(chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = (cap + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..used.min(room)]);
        reader.consume(used);
        taken += used as u64;
        if done {
            return Ok((taken, true));
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

/// Reads every record; returns them and the length of the good prefix.
fn read_file(file: &File, path: &Path) -> io::Result<(Replay, u64)> {
    let mut replay = Replay::default();
    let mut reader = BufReader::new(file.try_clone()?);
    reader.seek(SeekFrom::Start(0))?;
    let mut offset: u64 = 0;
    let mut good_len: u64 = 0;
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    // The file line of each record read.
    let mut lines: Vec<usize> = Vec::new();
    loop {
        buf.clear();
        let (n, complete) = read_capped(&mut reader, &mut buf, MAX_LINE_BYTES)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        offset += n;
        if n > buf.len() as u64 {
            // Longer than any record: damage, kept in the file, never read whole.
            if complete {
                replay.warnings.push(format!(
                    "{}: line {line_no} is {n} bytes, over the cap of {MAX_LINE_BYTES}; it was skipped and left in the file",
                    path.display()
                ));
                buf.truncate(256);
                replay.damaged.push(DamagedLine {
                    after_records: replay.records.len(),
                    bytes: std::mem::take(&mut buf),
                    line: line_no,
                    over_cap: true,
                });
                good_len = offset;
            } else {
                replay.warnings.push(format!(
                    "{}: line {line_no} was cut off mid-write (a crash?) after {n} bytes; it was dropped",
                    path.display()
                ));
            }
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim();
        if text.is_empty() {
            if complete {
                good_len = offset;
            }
            continue;
        }
        let parsed = verify_sum(text)
            .and_then(|_| super::journal_line::parse(text).map_err(|e| e.to_string()));
        match parsed {
            Ok((record, meta)) if complete => {
                replay.records.push(record);
                replay.meta.push(meta);
                lines.push(line_no);
                good_len = offset;
            }
            Ok(_) | Err(_) if !complete => {
                replay.warnings.push(format!(
                    "{}: line {line_no} was cut off mid-write (a crash?); it was dropped",
                    path.display()
                ));
            }
            Ok(_) => unreachable!("complete lines are handled above"),
            Err(e) => {
                // A damaged line in the middle: skip it, keep the rest, and
                // keep the line itself for compaction to carry over.
                replay.warnings.push(format!(
                    "{}: line {line_no} is unreadable ({e}); it was skipped and left in the file",
                    path.display()
                ));
                let mut bytes = buf.clone();
                while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    bytes.pop();
                }
                replay.damaged.push(DamagedLine {
                    after_records: replay.records.len(),
                    bytes,
                    line: line_no,
                    over_cap: false,
                });
                good_len = offset;
            }
        }
    }
    check_history(&mut replay, &lines, path);
    Ok((replay, good_len))
}

/// Puts the records in the order they were written, drops duplicated
/// lines, and holds every conversation whose history shows a gap, a
/// disorder or a damaged line.
fn check_history(replay: &mut Replay, lines: &[usize], path: &Path) {
    let shown = path.display();
    let mut holds: BTreeMap<String, String> = BTreeMap::new();
    let mut hold = |conv: &str, why: String| {
        holds.entry(conv.to_string()).or_insert(why);
    };
    // Order by seq (older lines, without one, keep their place first).
    let mut order: Vec<usize> = (0..replay.records.len()).collect();
    order.sort_by_key(|&i| replay.meta[i].seq.unwrap_or(0));
    if order.windows(2).any(|w| w[0] > w[1]) {
        replay.warnings.push(format!(
            "{shown}: lines were out of order; they are read in the order they were written"
        ));
    }
    // Duplicates: the same seq twice. The same line again is harmless;
    // two different lines with one number cannot both be right.
    let mut kept: Vec<usize> = Vec::with_capacity(order.len());
    let mut duplicates = 0usize;
    for i in order {
        if let Some(&last) = kept.last()
            && replay.meta[i].seq.is_some()
            && replay.meta[i].seq == replay.meta[last].seq
        {
            if replay.records[i] == replay.records[last] && replay.meta[i] == replay.meta[last] {
                duplicates += 1;
            } else {
                for j in [i, last] {
                    if let Some(c) = &replay.meta[j].conversation {
                        hold(
                            c,
                            format!(
                                "journal lines {} and {} both claim to be record {}",
                                lines[last],
                                lines[i],
                                replay.meta[i].seq.unwrap_or(0)
                            ),
                        );
                    }
                }
            }
            continue;
        }
        kept.push(i);
    }
    if duplicates > 0 {
        replay.warnings.push(format!(
            "{shown}: {duplicates} duplicated line(s) were read once"
        ));
    }
    // Each conversation's lines must count 1, 2, 3… in the order written.
    let mut counts: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    // Said after the damaged lines, which name the cause more directly.
    let mut gaps: BTreeMap<String, String> = BTreeMap::new();
    for &i in &kept {
        let m = &replay.meta[i];
        let (Some(c), Some(n)) = (m.conversation.as_deref(), m.cseq) else {
            continue;
        };
        let (last, _) = counts.entry(c).or_insert((0, lines[i]));
        if n != *last + 1 {
            let why = if n <= *last {
                format!("journal line {} is out of step with its history", lines[i])
            } else {
                format!(
                    "{} line(s) of its history before journal line {} are missing or damaged",
                    n - *last - 1,
                    lines[i]
                )
            };
            gaps.entry(c.to_string()).or_insert(why);
        }
        *last = (*last).max(n);
    }
    // Damaged lines: held where their conversation can be told.
    let conv_of: BTreeMap<String, String> = replay
        .records
        .iter()
        .filter_map(|r| Some((r.id()?.to_string(), conversation_of(r)?.to_string())))
        .collect();
    // The conversations the intact lines know.
    let known: std::collections::BTreeSet<&str> = replay
        .records
        .iter()
        .filter_map(conversation_of)
        .chain(replay.meta.iter().filter_map(|m| m.conversation.as_deref()))
        .collect();
    for d in &replay.damaged {
        let candidates = salvage_conversations(&d.bytes, &conv_of);
        // A name no intact line knows may itself be the damage: then the
        // line's conversation cannot be told.
        if !candidates.iter().any(|c| known.contains(c.as_str())) {
            replay.hold_all.get_or_insert_with(|| {
                format!(
                    "journal line {} is damaged and names no conversation it can be told by",
                    d.line
                )
            });
        }
        for c in candidates {
            holds
                .entry(c)
                .or_insert_with(|| format!("journal line {} of its history is damaged", d.line));
        }
    }
    for (c, why) in gaps {
        holds.entry(c).or_insert(why);
    }
    for (c, why) in &holds {
        replay.warnings.push(format!(
            "{shown}: {c} is held: {why}; nothing of it is sent until you resend (r) or drop (:drop) it"
        ));
    }
    if let Some(why) = &replay.hold_all {
        replay.warnings.push(format!(
            "{shown}: {why}; every conversation with requests still to send is held until you resend (r) or drop (:drop) them"
        ));
    }
    replay.holds = holds;
    let mut records = std::mem::take(&mut replay.records);
    let mut meta = std::mem::take(&mut replay.meta);
    if kept.len() != records.len() || kept.windows(2).any(|w| w[0] > w[1]) {
        let mut slots: Vec<Option<(Record, LineMeta)>> =
            records.drain(..).zip(meta.drain(..)).map(Some).collect();
        for i in kept {
            if let Some((r, m)) = slots[i].take() {
                records.push(r);
                meta.push(m);
            }
        }
    }
    replay.records = records;
    replay.meta = meta;
}

/// Rebuilds every conversation from the journal: rosters from the delivered
/// events, and each request's fate.
pub fn rebuild(records: &[Record]) -> BTreeMap<String, ConversationState> {
    // request id -> (conversation, index in its requests)
    let mut index: BTreeMap<String, (String, usize)> = BTreeMap::new();
    // assign id -> (conversation, index in its assigns)
    let mut assigns: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut out: BTreeMap<String, ConversationState> = BTreeMap::new();
    for r in records {
        match r {
            // A request planned twice is the same request (a duplicated
            // line): the first plan stands.
            Record::Request { id, .. } if index.contains_key(id) => {}
            Record::Assign { id, .. } if assigns.contains_key(id) => {}
            Record::Request {
                id,
                conversation,
                event,
                at_ms,
                experience,
                language,
                action,
            } => {
                let st = out.entry(conversation.clone()).or_default();
                st.last_ms = st.last_ms.max(*at_ms);
                st.experience = Some(experience.clone());
                st.language = Some(language.clone());
                index.insert(id.clone(), (conversation.clone(), st.requests.len()));
                st.requests.push(JournaledRequest {
                    id: id.clone(),
                    at_ms: *at_ms,
                    event: event.clone(),
                    action: action.clone(),
                    fate: RequestFate::Queued,
                });
            }
            Record::Sent { id, .. } => {
                // On the wire from here on. A failed request that is sent
                // again becomes unknown too until its new outcome is written.
                if let Some((conv, i)) = index.get(id)
                    && let Some(req) = out.get_mut(conv).and_then(|s| s.requests.get_mut(*i))
                    && matches!(req.fate, RequestFate::Queued | RequestFate::Failed { .. })
                {
                    req.fate = RequestFate::Unknown;
                } else if let Some((conv, i)) = assigns.get(id)
                    && let Some(a) = out.get_mut(conv).and_then(|s| s.assigns.get_mut(*i))
                    && a.fate == AssignFate::Queued
                {
                    a.fate = AssignFate::Unknown;
                }
            }
            Record::Outcome {
                id,
                ok,
                status,
                message,
                at_ms,
                ..
            } => {
                if let Some((conv, i)) = assigns.get(id) {
                    if let Some(a) = out.get_mut(conv).and_then(|s| s.assigns.get_mut(*i))
                        && matches!(a.fate, AssignFate::Queued | AssignFate::Unknown)
                    {
                        a.fate = if *ok {
                            AssignFate::Accepted
                        } else {
                            AssignFate::Rejected(message.clone())
                        };
                    }
                    continue;
                }
                let Some((conv, i)) = index.get(id) else {
                    continue;
                };
                let Some(st) = out.get_mut(conv) else {
                    continue;
                };
                st.last_ms = st.last_ms.max(*at_ms);
                let Some(req) = st.requests.get_mut(*i) else {
                    continue;
                };
                if *ok {
                    if matches!(req.fate, RequestFate::Delivered { .. }) {
                        // Told twice: applied once.
                        continue;
                    }
                    req.fate = RequestFate::Delivered { status: *status };
                    let event = req.event.clone();
                    if let Err(e) = st.roster.apply(&event, *at_ms) {
                        tracing::warn!(conversation = %conv, error = %e, "journal event does not apply");
                    }
                } else {
                    req.fate = RequestFate::Failed {
                        status: *status,
                        message: message.clone(),
                    };
                }
            }
            Record::Assign {
                id,
                at_ms,
                conversation: Some(conversation),
                text,
                target,
                session,
            } => {
                let st = out.entry(conversation.clone()).or_default();
                st.last_ms = st.last_ms.max(*at_ms);
                assigns.insert(id.clone(), (conversation.clone(), st.assigns.len()));
                st.assigns.push(JournaledAssign {
                    id: id.clone(),
                    at_ms: *at_ms,
                    text: text.clone().unwrap_or_else(|| format!("assign → {target}")),
                    session: session.clone(),
                    target: target.clone(),
                    fate: AssignFate::Queued,
                });
            }
            Record::Callback {
                id: Some(id),
                ok,
                summary,
                ..
            } => {
                if let Some((conv, i)) = assigns.get(id)
                    && let Some(a) = out.get_mut(conv).and_then(|s| s.assigns.get_mut(*i))
                {
                    a.fate = if *ok {
                        AssignFate::Transferred
                    } else {
                        AssignFate::Failed(summary.clone())
                    };
                }
            }
            Record::Assign { .. } | Record::Callback { .. } | Record::Summary { .. } => {}
        }
    }
    for st in out.values_mut() {
        let ids = |fate: RequestFate| -> Vec<String> {
            st.requests
                .iter()
                .filter(|r| r.fate == fate)
                .map(|r| r.id.clone())
                .collect()
        };
        st.unknown = ids(RequestFate::Unknown);
        st.queued = ids(RequestFate::Queued);
    }
    out
}

impl Journal {
    /// Folds ended conversations whose latest record is older than `keep_ms`
    /// into one `Summary` line each, so the journal stays bounded. `replay` is
    /// what [`Journal::open`] returned; it is updated to what the journal now
    /// holds. Unreadable lines are carried over as they are. The new file is
    /// written and locked beside the old one, synced, and renamed over it, so
    /// a crash leaves either the old journal or the new one, never a mix.
    /// Returns how many conversations were folded.
    pub fn compact(&mut self, replay: &mut Replay, keep_ms: i64, now_ms: i64) -> io::Result<usize> {
        if let Some(d) = replay.damaged.iter().find(|d| d.over_cap) {
            // Carried over it would be read whole: it waits for a person.
            tracing::warn!(
                line = d.line,
                "journal compaction waits: a line is over the cap"
            );
            return Ok(0);
        }
        let rebuilt = rebuild(&replay.records);
        let fold: BTreeMap<&str, usize> = rebuilt
            .iter()
            .filter(|(_, st)| {
                st.roster.phase() == crate::domain::Phase::Ended
                    && st.requests.iter().all(|r| {
                        matches!(
                            r.fate,
                            RequestFate::Delivered { .. } | RequestFate::Failed { .. }
                        )
                    })
                    && now_ms - st.last_ms > keep_ms
            })
            .map(|(id, st)| (id.as_str(), st.requests.len()))
            .collect();
        // A summary lives as long as an ended conversation does, then goes.
        let stale = |at_ms: i64| now_ms - at_ms > keep_ms;
        let stale_summaries = replay
            .records
            .iter()
            .filter(|r| matches!(r, Record::Summary { at_ms, .. } if stale(*at_ms)))
            .count();
        if fold.is_empty() && stale_summaries == 0 {
            return Ok(0);
        }
        // Which record ids belong to folded conversations.
        let mut folded_ids: std::collections::BTreeSet<&str> = Default::default();
        for r in &replay.records {
            match r {
                Record::Request {
                    id, conversation, ..
                } if fold.contains_key(conversation.as_str()) => {
                    folded_ids.insert(id);
                }
                Record::Assign {
                    id,
                    conversation: Some(conversation),
                    ..
                } if fold.contains_key(conversation.as_str()) => {
                    folded_ids.insert(id);
                }
                _ => {}
            }
        }
        let mut kept: Vec<Record> = fold
            .iter()
            .map(|(conversation, requests)| Record::Summary {
                conversation: (*conversation).to_string(),
                at_ms: now_ms,
                requests: *requests,
            })
            .collect();
        let summaries = kept.len();
        // Summaries name their conversation but take no place in any
        // history: the conversation is over.
        let mut kept_meta: Vec<LineMeta> = kept
            .iter()
            .map(|r| LineMeta {
                seq: None,
                conversation: conversation_of(r).map(str::to_string),
                cseq: None,
            })
            .collect();
        let mut damaged: Vec<DamagedLine> = Vec::new();
        let mut pending_damaged = replay.damaged.iter().peekable();
        let mut out: Vec<u8> = Vec::new();
        for (line, meta) in kept.iter().zip(&kept_meta) {
            out.extend(encode(line, meta)?);
        }
        for (i, r) in replay.records.iter().enumerate() {
            while let Some(d) = pending_damaged.next_if(|d| d.after_records <= i) {
                damaged.push(DamagedLine {
                    after_records: kept.len(),
                    bytes: d.bytes.clone(),
                    line: d.line,
                    over_cap: false,
                });
                out.extend_from_slice(&d.bytes);
                out.push(b'\n');
            }
            let folded = match r {
                Record::Summary {
                    conversation,
                    at_ms,
                    ..
                } => fold.contains_key(conversation.as_str()) || stale(*at_ms),
                other => other.id().is_some_and(|id| folded_ids.contains(id)),
            };
            if folded {
                continue;
            }
            // Kept with its own numbers, so the histories stay provable.
            let meta = replay.meta.get(i).cloned().unwrap_or_default();
            out.extend(encode(r, &meta)?);
            kept.push(r.clone());
            kept_meta.push(meta);
        }
        for d in pending_damaged {
            damaged.push(DamagedLine {
                after_records: kept.len(),
                bytes: d.bytes.clone(),
                line: d.line,
                over_cap: false,
            });
            out.extend_from_slice(&d.bytes);
            out.push(b'\n');
        }
        debug_assert!(summaries <= kept.len());

        let tmp = self.path.with_extension("jsonl.compacting");
        // A left-over (or planted) file there is not written through.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        // Append mode, as the journal itself: a write cut back after a
        // failure must not leave the position past the end (a hole of NULs).
        let mut options = OpenOptions::new();
        options.read(true).append(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = journal_file::open_regular(&tmp, &mut options, "the journal")?;
        lock(&file, &tmp)?;
        file.write_all(&out)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        sync_dir(&self.path);
        // The new file is positioned at its end and already locked; the old
        // one (and its lock) goes with the old handle.
        self.identity = journal_file::identity(&file)?;
        self.file = file;
        self.len = out.len() as u64;
        // A folded conversation takes no more lines: its ids map nowhere.
        self.conv_of
            .retain(|id, _| !folded_ids.contains(id.as_str()));
        replay.records = kept;
        replay.meta = kept_meta;
        replay.damaged = damaged;
        Ok(fold.len())
    }
}

#[cfg(test)]
impl Journal {
    /// Swaps the handle for a read-only one, so appends fail as they do on
    /// a full or failing disk.
    pub(crate) fn break_writes(&mut self) {
        self.file = File::open(&self.path).unwrap();
    }

    /// Makes the next append write `bytes` of its line, then fail.
    pub(crate) fn fail_next_write_after(&mut self, bytes: usize) {
        self.short_write = Some(bytes);
    }

    /// Makes the line after the next `lines` ones fail as
    /// [`Journal::fail_next_write_after`] does.
    pub(crate) fn fail_write_after_lines(&mut self, lines: usize, bytes: usize) {
        self.short_write = Some(bytes);
        self.short_write_after = lines;
    }

    /// Makes every write that holds an outcome fail (or not) as on a full
    /// disk.
    pub(crate) fn refuse_outcomes(&mut self, on: bool) {
        self.refuse_outcomes = on;
    }

    /// Undoes [`Journal::break_writes`].
    pub(crate) fn mend_writes(&mut self) {
        self.file = OpenOptions::new().append(true).open(&self.path).unwrap();
    }
}

/// What to tell the user when the journal at `path` cannot be opened with
/// `error`: the cause named, not guessed. `in_use` is the hint for a lock
/// held by another process.
pub fn open_hint(path: &Path, error: &io::Error, in_use: &str) -> String {
    if error.kind() == io::ErrorKind::WouldBlock {
        return in_use.to_string();
    }
    if path.is_dir() {
        return format!(
            "{} is a directory; the journal is a file in the data directory: set SWITCHBOARD_DATA_DIR to a directory of its own",
            path.display()
        );
    }
    // A part of the way that is a file, not a directory.
    let mut up = path.parent();
    while let Some(dir) = up {
        if dir.is_file() {
            return format!(
                "{} is a file, not a directory; set SWITCHBOARD_DATA_DIR to a directory",
                dir.display()
            );
        }
        up = dir.parent();
    }
    match error.kind() {
        io::ErrorKind::PermissionDenied => format!(
            "you may not write to {}; set SWITCHBOARD_DATA_DIR to a directory you own",
            path.parent().unwrap_or(path).display()
        ),
        io::ErrorKind::StorageFull => "the disk is full; free some space and start again".into(),
        _ => "set SWITCHBOARD_DATA_DIR to a writable directory".into(),
    }
}

/// A file-name-safe form of a bot id, for `journal-{bot}.jsonl`.
pub fn file_name_for(bot_id: &str) -> String {
    let safe: String = bot_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("journal-{safe}.jsonl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgentRef;

    fn request(id: &str, conv: &str, event: Event) -> Record {
        Record::Request {
            id: id.into(),
            at_ms: 1,
            conversation: conv.into(),
            event,
            experience: "chat".into(),
            language: "en".into(),
            action: "test".into(),
        }
    }

    /// Writes a journal file as the journal itself would create it (0600).
    fn write_private(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    fn outcome(id: &str, ok: bool) -> Record {
        Record::Outcome {
            id: id.into(),
            at_ms: 2,
            ok,
            status: Some(if ok { 200 } else { 400 }),
            message: String::new(),
            attempts: 1,
        }
    }

    /// Issue 9.1: a write cut short by a full disk left half a record at
    /// the end; the resend after space was freed was appended onto it, and
    /// the next start lost that line (and the delivered entry it held).
    #[test]
    fn a_failed_append_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mia = AgentRef::new("a-1", "Mia");
        let raj = AgentRef::new("a-2", "Raj");
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&request("r1", "c-1", Event::na_entry(mia.clone())))
            .unwrap();
        j.append(&outcome("r1", true)).unwrap();
        j.append(&request("r2", "c-1", Event::warm_entry(raj.clone())))
            .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        j.fail_next_write_after(17);
        let err = j.append(&outcome("r2", true)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            before,
            "no half record is left behind"
        );
        // Space is back: the same record goes in whole, on its own line.
        j.append(&outcome("r2", true)).unwrap();
        drop(j);
        let (_, replay) = Journal::open(&path).unwrap();
        assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
        assert!(replay.damaged.is_empty());
        let st = &rebuild(&replay.records)["c-1"];
        assert!(st.roster.contains("a-2"), "the WARM entry survives");
        assert_eq!(
            st.requests[1].fate,
            RequestFate::Delivered { status: Some(200) }
        );
    }

    /// Issue 18.12: a group that fails half-way puts back only what it
    /// changed in the numbering (it used to copy both maps whole before
    /// every group, which made a long batch quadratic); what it numbered
    /// is numbered again, whole, when written again.
    #[test]
    fn a_failed_group_puts_back_its_own_numbering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mia = AgentRef::new("a-1", "Mia");
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&request("r1", "c-1", Event::na_entry(mia.clone())))
            .unwrap();
        let (cseq, conv_of) = (j.cseq.clone(), j.conv_of.clone());
        let group = [
            outcome("r1", true),
            request("r2", "c-2", Event::na_entry(mia.clone())),
            request("r3", "c-1", Event::na_exit(mia.clone())),
        ];
        j.fail_write_after_lines(2, 5);
        assert!(j.append_batch(&group).is_err());
        assert_eq!(j.cseq, cseq, "c-1 back to 1, c-2 unknown again");
        assert_eq!(j.conv_of, conv_of, "r2 maps nowhere again");
        j.append_batch(&group).unwrap();
        assert_eq!(j.cseq["c-1"], 3);
        assert_eq!(j.cseq["c-2"], 1);
        drop(j);
        let (_, replay) = Journal::open(&path).unwrap();
        assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
        assert_eq!(replay.records.len(), 4);
    }

    /// Journals an ended conversation, long ago, so compaction folds it.
    fn old_ended(j: &mut Journal) {
        let a = AgentRef::new("a", "A");
        for (i, ev) in [
            Event::na_entry(a.clone()),
            Event::na_exit(a.clone()),
            Event::EndOfConversation { agent: None },
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("o{i}");
            j.append(&request(&id, "c-old", ev)).unwrap();
            j.append(&outcome(&id, true)).unwrap();
        }
    }

    /// Reopens the journal at `path`: no NUL byte in it, nothing damaged,
    /// nothing held, and c-1's entry delivered.
    fn assert_clean_after_reopen(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        assert!(!bytes.contains(&0), "a hole of NULs in the journal");
        let (_, replay) = Journal::open(path).unwrap();
        assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
        assert!(replay.holds.is_empty() && replay.hold_all.is_none());
        let st = &rebuild(&replay.records)["c-1"];
        assert_eq!(
            st.requests[0].fate,
            RequestFate::Delivered { status: Some(200) }
        );
    }

    /// Issue 18.4: after compaction the file was reopened without append
    /// mode, so a write cut back after a failure left the position past
    /// the cut and the next record landed beyond a hole of NULs.
    #[test]
    fn a_failed_write_right_after_compaction_leaves_no_hole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut j, _) = Journal::open(&path).unwrap();
        old_ended(&mut j);
        let mut replay = read(&path).unwrap();
        assert_eq!(j.compact(&mut replay, 10, 1_000_000).unwrap(), 1);
        j.append(&request(
            "r1",
            "c-1",
            Event::na_entry(AgentRef::new("a-1", "Mia")),
        ))
        .unwrap();
        j.fail_next_write_after(40);
        j.append(&outcome("r1", true)).unwrap_err();
        j.append(&outcome("r1", true)).unwrap();
        drop(j);
        assert_clean_after_reopen(&path);
    }

    /// A tmpfs of 64 KiB mounted on a fresh directory, unmounted on drop.
    struct SmallDisk {
        dir: tempfile::TempDir,
    }

    impl SmallDisk {
        fn mount() -> Option<SmallDisk> {
            let dir = tempfile::tempdir().ok()?;
            let ok = std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
                .arg(dir.path())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                println!("skipped: cannot mount a 64 KiB tmpfs here (needs root)");
                return None;
            }
            Some(SmallDisk { dir })
        }

        /// Fills the disk to the last byte; the filler's path.
        fn fill(&self) -> PathBuf {
            let filler = self.dir.path().join("filler");
            let mut f = File::create(&filler).unwrap();
            let block = vec![b'x'; 512];
            loop {
                match f.write(&block) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            while f.write(b"x").is_ok_and(|n| n == 1) {}
            filler
        }
    }

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg(self.dir.path())
                .status();
        }
    }

    /// Issue 18.4 on a real full disk (a 64 KiB tmpfs), right after
    /// compaction: the record that did not fit is cut back, and once
    /// there is room the next one starts where the file ends.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_tmpfs_right_after_compaction_leaves_no_hole() {
        let Some(disk) = SmallDisk::mount() else {
            return;
        };
        let path = disk.dir.path().join("j.jsonl");
        let (mut j, _) = Journal::open(&path).unwrap();
        old_ended(&mut j);
        let mut replay = read(&path).unwrap();
        assert_eq!(j.compact(&mut replay, 10, 1_000_000).unwrap(), 1);
        j.append(&request(
            "r1",
            "c-1",
            Event::na_entry(AgentRef::new("a-1", "Mia")),
        ))
        .unwrap();
        let filler = disk.fill();
        // Records fill the journal's last page, until one does not fit.
        let mut failed = false;
        for i in 0..200 {
            if let Err(e) = j.append(&Record::Sent {
                id: "r1".into(),
                at_ms: 3,
                attempt: i + 1,
            }) {
                assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{e}");
                failed = true;
                break;
            }
        }
        assert!(failed, "the disk never refused a write");
        std::fs::remove_file(&filler).unwrap();
        j.append(&outcome("r1", true)).unwrap();
        drop(j);
        assert_clean_after_reopen(&path);
    }

    /// Issue 18.7: the journal (or its lock) was followed through a
    /// symbolic link, and a FIFO would hang the open.
    #[cfg(unix)]
    #[test]
    fn a_journal_or_lock_that_is_no_regular_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        write_private(&outside, "not yours\n");
        std::fs::set_permissions(&outside, {
            use std::os::unix::fs::PermissionsExt;
            std::fs::Permissions::from_mode(0o644)
        })
        .unwrap();
        let path = dir.path().join("data").join("j.jsonl");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(
            read(&path)
                .unwrap_err()
                .to_string()
                .contains("symbolic link")
        );
        std::fs::remove_file(&path).unwrap();
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = Journal::open(&path).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        assert!(read(&path).unwrap_err().to_string().contains("FIFO"));
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(journal_file::lock_path(&path)).unwrap();
        std::os::unix::fs::symlink(&outside, journal_file::lock_path(&path)).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&outside).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "the linked file's mode is unchanged");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not yours\n");
    }

    /// Issue 18.8: moving the journal away freed its lock, and a second
    /// switchboard started on an empty history; the first went on writing
    /// to the moved file.
    #[test]
    fn a_moved_journal_keeps_its_lock_and_takes_no_more_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&outcome("r1", true)).unwrap();
        std::fs::rename(&path, dir.path().join("elsewhere.jsonl")).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
        let err = j.append(&outcome("r2", true)).unwrap_err();
        assert!(err.to_string().contains("moved away"), "{err}");
        assert!(j.check_named().is_err());
        drop(j);
        assert!(
            Journal::open(&path).is_ok(),
            "the lock goes with the process"
        );
    }

    /// Issue 18.9: a huge line was read whole, then cut silently.
    #[test]
    fn a_line_over_the_cap_is_damage_said_so_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let a = serde_json::to_string(&outcome("r1", true)).unwrap();
        let huge = "x".repeat(MAX_LINE_BYTES * 3);
        write_private(&path, &format!("{a}\n{huge}\n{a}\n"));
        let (mut j, mut replay) = Journal::open(&path).unwrap();
        assert_eq!(replay.records.len(), 2);
        assert!(
            replay.warnings[0].contains("line 2") && replay.warnings[0].contains("over the cap"),
            "{:?}",
            replay.warnings
        );
        assert!(replay.hold_all.is_some(), "what it held cannot be told");
        assert!(replay.damaged[0].bytes.len() <= 256);
        assert_eq!(j.compact(&mut replay, 0, i64::MAX).unwrap(), 0);
        j.append(&outcome("r2", true)).unwrap();
        drop(j);
        let on_disk = std::fs::read_to_string(&path).unwrap();
        assert!(on_disk.contains(&huge), "the long line is left in the file");
        assert_eq!(read(&path).unwrap().records.len(), 3);
    }

    #[test]
    fn appends_survive_reopen_and_rebuild_rosters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mia = AgentRef::new("a-1", "Mia");
        let raj = AgentRef::new("a-2", "Raj");
        {
            let (mut j, replay) = Journal::open(&path).unwrap();
            assert!(replay.records.is_empty());
            j.append(&request("r1", "c-1", Event::na_entry(mia.clone())))
                .unwrap();
            j.append(&outcome("r1", true)).unwrap();
            j.append(&request("r2", "c-1", Event::warm_entry(raj.clone())))
                .unwrap();
            j.append(&outcome("r2", false)).unwrap();
            j.append(&request("r3", "c-1", Event::warm_entry(raj.clone())))
                .unwrap();
        }
        let (_j, replay) = Journal::open(&path).unwrap();
        assert_eq!(replay.records.len(), 5);
        assert!(replay.warnings.is_empty());
        let state = rebuild(&replay.records);
        let c = &state["c-1"];
        assert!(c.roster.contains("a-1"));
        assert!(
            !c.roster.contains("a-2"),
            "a failed request changes nothing"
        );
        assert_eq!(c.queued, vec!["r3".to_string()]);
        assert!(c.unknown.is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        {
            let (mut j, _) = Journal::open(&path).unwrap();
            j.append(&request(
                "r1",
                "c-1",
                Event::na_entry(AgentRef::new("a", "A")),
            ))
            .unwrap();
            j.append(&outcome("r1", true)).unwrap();
        }
        let good = std::fs::read(&path).unwrap();
        let mut torn = good.clone();
        torn.extend_from_slice(br#"{"kind":"outcome","id":"r2","at_"#);
        std::fs::write(&path, &torn).unwrap();
        let (mut j, replay) = Journal::open(&path).unwrap();
        assert_eq!(replay.records.len(), 2);
        assert_eq!(replay.warnings.len(), 1);
        assert!(
            replay.warnings[0].contains("line 3"),
            "{:?}",
            replay.warnings
        );
        assert_eq!(std::fs::read(&path).unwrap(), good, "the torn tail is cut");
        j.append(&outcome("r9", true)).unwrap();
        drop(j);
        let (_, replay) = Journal::open(&path).unwrap();
        assert_eq!(replay.records.len(), 3);
        assert!(replay.warnings.is_empty());
    }

    #[test]
    fn a_damaged_middle_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let a = serde_json::to_string(&outcome("r1", true)).unwrap();
        write_private(&path, &format!("{a}\nnot json at all\n{a}\n"));
        let (_, replay) = Journal::open(&path).unwrap();
        assert_eq!(replay.records.len(), 2);
        assert!(replay.warnings[0].contains("line 2"));
    }

    #[test]
    fn compaction_folds_old_ended_conversations_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let a = AgentRef::new("a", "A");
        {
            let (mut j, _) = Journal::open(&path).unwrap();
            // c-old: entered, left, ended long ago.
            for (i, ev) in [
                Event::na_entry(a.clone()),
                Event::na_exit(a.clone()),
                Event::EndOfConversation { agent: None },
            ]
            .into_iter()
            .enumerate()
            {
                let id = format!("o{i}");
                j.append(&request(&id, "c-old", ev)).unwrap();
                j.append(&outcome(&id, true)).unwrap();
            }
            // c-live: still active.
            j.append(&request("l0", "c-live", Event::na_entry(a.clone())))
                .unwrap();
            j.append(&outcome("l0", true)).unwrap();
        }
        // Too recent: nothing folds.
        let compact = |keep_ms: i64, now_ms: i64| {
            let (mut j, mut replay) = Journal::open(&path).unwrap();
            let before = replay.records.len();
            let n = j.compact(&mut replay, keep_ms, now_ms).unwrap();
            if n == 0 {
                assert_eq!(replay.records.len(), before);
            }
            // Request ids are kept only for conversations still held.
            assert!(j.conv_of.contains_key("l0"));
            if n > 0 {
                assert!(!j.conv_of.contains_key("o0"), "{:?}", j.conv_of);
            }
            // What the caller goes on with is what the file now holds.
            drop(j);
            let (_, again) = Journal::open(&path).unwrap();
            assert_eq!(again.records, replay.records);
            n
        };
        assert_eq!(compact(1_000_000, 10), 0);
        assert_eq!(compact(10, 1_000_000), 1);
        let (_, replay) = Journal::open(&path).unwrap();
        assert!(replay.warnings.is_empty());
        assert!(
            matches!(&replay.records[0], Record::Summary { conversation, requests: 3, .. } if conversation == "c-old")
        );
        let st = rebuild(&replay.records);
        assert!(
            !st.contains_key("c-old"),
            "folded conversations do not come back"
        );
        assert!(st["c-live"].roster.contains("a"));
        assert_eq!(
            replay.records.len(),
            3,
            "summary + the live conversation's two lines"
        );
        // Again: nothing more to fold, nothing lost (within keep of the
        // summary; past it the summary goes too, see journal_scan's tests).
        assert_eq!(compact(1_000_000, 2_000_000), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn compaction_keeps_damaged_lines_and_appends_go_on_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let a = AgentRef::new("a", "A");
        let mut text = String::new();
        for (i, ev) in [
            Event::na_entry(a.clone()),
            Event::na_exit(a.clone()),
            Event::EndOfConversation { agent: None },
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("o{i}");
            text += &serde_json::to_string(&request(&id, "c-old", ev)).unwrap();
            text += "\n";
            text += &serde_json::to_string(&outcome(&id, true)).unwrap();
            text += "\n";
        }
        text += "{this line was damaged on disk}\n";
        text +=
            &serde_json::to_string(&request("l0", "c-live", Event::na_entry(a.clone()))).unwrap();
        text += "\n";
        write_private(&path, &text);

        let (mut j, mut replay) = Journal::open(&path).unwrap();
        // The damage, and the hold it puts on what is still to send.
        assert_eq!(replay.warnings.len(), 2, "{:?}", replay.warnings);
        assert!(
            replay.warnings[0].contains("line 7"),
            "{:?}",
            replay.warnings
        );
        assert!(replay.hold_all.is_some());
        assert_eq!(j.compact(&mut replay, 10, 1_000_000).unwrap(), 1);
        j.append(&outcome("l0", true)).unwrap();
        drop(j);

        let on_disk = std::fs::read_to_string(&path).unwrap();
        assert!(
            on_disk.contains("{this line was damaged on disk}\n"),
            "compaction never throws a line away unread:\n{on_disk}"
        );
        let (_, replay) = Journal::open(&path).unwrap();
        assert_eq!(
            replay.warnings.len(),
            2,
            "the damaged line is still reported: {:?}",
            replay.warnings
        );
        assert_eq!(replay.damaged.len(), 1);
        assert_eq!(replay.damaged[0].after_records, 1, "after the summary");
        let st = rebuild(&replay.records);
        assert!(!st.contains_key("c-old"));
        assert!(matches!(
            st["c-live"].requests[0].fate,
            RequestFate::Delivered { .. }
        ));
    }

    #[test]
    fn a_second_opener_is_refused_but_may_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&outcome("r1", true)).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(
            err.to_string().contains("in use by another switchboard"),
            "{err}"
        );
        let replay = read(&path).unwrap();
        assert_eq!(replay.records.len(), 1, "reading needs no lock");
        // Compaction moves the lock to the new file with it.
        let mut replay = read(&path).unwrap();
        j.compact(&mut replay, 0, 0).unwrap();
        assert!(Journal::open(&path).is_err());
        drop(j);
        assert!(
            Journal::open(&path).is_ok(),
            "the lock goes with the journal"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_journal_others_can_read_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private").join("j.jsonl");
        {
            Journal::open(&path).unwrap();
        }
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700, "the data directory is private");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (_, replay) = Journal::open(&path).unwrap();
        assert!(
            replay.warnings[0].contains("mode 644"),
            "{:?}",
            replay.warnings
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_resend_with_no_answer_is_unknown_again() {
        let a = AgentRef::new("a", "A");
        let sent = |id: &str| Record::Sent {
            id: id.into(),
            at_ms: 3,
            attempt: 1,
        };
        let records = vec![
            request("r1", "c", Event::na_entry(a.clone())),
            sent("r1"),
            outcome("r1", false),
            // `r` resends it; the process dies before the answer.
            sent("r1"),
        ];
        let st = rebuild(&records);
        assert_eq!(st["c"].requests[0].fate, RequestFate::Unknown);
        assert_eq!(st["c"].unknown, vec!["r1".to_string()]);
    }

    #[test]
    fn assign_fates_follow_their_records() {
        let assign = |id: &str| Record::Assign {
            id: id.into(),
            at_ms: 1,
            session: "s".into(),
            target: "agent:a-1".into(),
            conversation: Some("c".into()),
            text: None,
        };
        let sent = |id: &str| Record::Sent {
            id: id.into(),
            at_ms: 2,
            attempt: 1,
        };
        let records = vec![
            assign("q"),
            assign("u"),
            sent("u"),
            assign("ok"),
            sent("ok"),
            outcome("ok", true),
            assign("no"),
            sent("no"),
            outcome("no", false),
            assign("t"),
            sent("t"),
            outcome("t", true),
            Record::Callback {
                id: Some("t".into()),
                at_ms: 4,
                ok: true,
                summary: "transferred".into(),
            },
        ];
        let fates: Vec<AssignFate> = rebuild(&records)["c"]
            .assigns
            .iter()
            .map(|a| a.fate.clone())
            .collect();
        assert_eq!(
            fates,
            vec![
                AssignFate::Queued,
                AssignFate::Unknown,
                AssignFate::Accepted,
                AssignFate::Rejected(String::new()),
                AssignFate::Transferred
            ]
        );
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name_for("st-1/../x"), "journal-st-1____x.jsonl");
    }
}
