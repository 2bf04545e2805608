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
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::journal_compact::{fold_first, replace_file};
use super::journal_file::{self, lock};
use super::journal_read::{held_warning, read_file};
pub use super::journal_rebuild::{Restored, rebuild};
pub use super::journal_record::{DamagedLine, LineMeta, MAX_LINE_BYTES, Record, Replay};
use super::journal_record::{conversation_of, encode};

type Numbered = Option<(String, Option<u64>, Option<(String, Option<String>)>)>;

/// An open journal, positioned for appending.
#[derive(Debug)]
pub struct Journal {
    pub(super) path: PathBuf,
    pub(super) file: File,
    /// The lock beside the journal, held while this is open.
    pub(super) _lock: File,
    /// (device, inode) of `file`: when the path names another file (the
    /// journal was moved or replaced), nothing more is written.
    pub(super) identity: (u64, u64),
    /// The `seq` of the next line.
    pub(super) next_seq: u64,
    /// The last `cseq` written per conversation.
    pub(super) cseq: std::collections::HashMap<String, u64>,
    /// The conversation of each request and assign id.
    pub(super) conv_of: std::collections::HashMap<String, String>,
    /// The length of the file up to its last whole record: a failed append
    /// is cut back to it, so the file never keeps half a record.
    pub(super) len: u64,
    /// Added to every fsync (a slow disk, for tests).
    pub(super) sync_delay: std::time::Duration,
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
        let (file, dir_lock, warnings) = open_locked(path)?;
        let file = match fold {
            Some((keep_ms, now_ms)) => fold_first(file, path, keep_ms, now_ms),
            None => file,
        };
        Self::read_whole(path, file, dir_lock, warnings)
    }

    /// Reads the whole file (every record held), cuts a torn tail, and
    /// numbers on after it.
    fn read_whole(
        path: &Path,
        file: File,
        dir_lock: File,
        mut warnings: Vec<String>,
    ) -> io::Result<(Journal, Replay)> {
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
        let journal = Journal::assemble(path, (file, dir_lock, identity), good_len, next_seq);
        Ok((
            Journal {
                cseq,
                conv_of,
                ..journal
            },
            replay,
        ))
    }

    /// A journal on `file` (its lock and identity) of `len` bytes whose
    /// next line is `next_seq`, with no numbering yet.
    fn assemble(
        path: &Path,
        (file, dir_lock, identity): (File, File, (u64, u64)),
        len: u64,
        next_seq: u64,
    ) -> Journal {
        Journal {
            path: path.to_path_buf(),
            file,
            _lock: dir_lock,
            identity,
            next_seq,
            cseq: Default::default(),
            conv_of: Default::default(),
            len,
            sync_delay: std::time::Duration::ZERO,
            #[cfg(test)]
            short_write: None,
            #[cfg(test)]
            short_write_after: 0,
            #[cfg(test)]
            refuse_outcomes: false,
        }
    }

    /// Opens the journal as every command that sends does at start, in one
    /// streaming pass (`journal_scan`): each line is applied to its
    /// conversation as it is read, ended conversations older than `keep_ms`
    /// are folded (the kept lines copied by their bytes), and what comes
    /// back is each conversation that stays, rebuilt, never the records:
    /// time and memory grow with what stays, not with the history. A
    /// journal the pass cannot judge is read whole and compacted as
    /// [`Journal::open_folding`] and [`Journal::compact`] do, with the
    /// same result. A delivered request takes no more lines: its id maps to
    /// no conversation. `brief` (the commands, which plan on rosters and
    /// never show a timeline): delivered requests are kept by id only
    /// ([`Restored::delivered`]).
    pub fn open_rebuilt(
        path: &Path,
        keep_ms: i64,
        now_ms: i64,
        brief: bool,
    ) -> io::Result<(Journal, Restored)> {
        let (file, dir_lock, warnings) = open_locked(path)?;
        let scanned = match super::journal_scan::scan(&file, keep_ms, now_ms, brief) {
            Ok(scanned) => scanned,
            Err(e) => {
                tracing::warn!(error = %e, "journal: the streaming pass could not read it");
                None
            }
        };
        let Some(scanned) = scanned else {
            return Self::open_whole(path, (file, dir_lock, warnings), (keep_ms, now_ms), brief);
        };
        let file = if scanned.plan.changes() {
            let written = replace_file(path, |out| {
                super::journal_scan::write_folded(&file, &scanned.plan, now_ms, out).map(drop)
            });
            match written {
                Ok(out) => {
                    tracing::info!(
                        folded = scanned.plan.fold.len(),
                        stale_summaries = scanned.plan.stale_summaries,
                        "journal compacted at open"
                    );
                    out
                }
                Err(e) => {
                    tracing::warn!(error = %e, "journal: the streaming fold failed; the journal is unchanged");
                    return Self::open_whole(
                        path,
                        (file, dir_lock, warnings),
                        (keep_ms, now_ms),
                        brief,
                    );
                }
            }
        } else {
            file
        };
        let identity = journal_file::identity(&file)?;
        let len = file.metadata()?.len();
        let journal = Journal::assemble(path, (file, dir_lock, identity), len, scanned.next_seq);
        let journal = Journal {
            cseq: scanned.cseq,
            conv_of: scanned.conv_of,
            ..journal
        };
        let mut restored = Restored {
            states: scanned.states,
            assigns: scanned.assigns,
            warnings,
            holds: scanned.holds,
            hold_all: None,
            delivered: scanned.delivered,
        };
        for (c, why) in &restored.holds {
            restored.warnings.push(held_warning(path, c, why));
        }
        Ok((journal, restored))
    }

    /// The full path of [`Journal::open_rebuilt`]: the whole file read,
    /// then compacted and rebuilt.
    fn open_whole(
        path: &Path,
        (file, dir_lock, warnings): (File, File, Vec<String>),
        (keep_ms, now_ms): (i64, i64),
        brief: bool,
    ) -> io::Result<(Journal, Restored)> {
        let (mut journal, mut replay) = Self::read_whole(path, file, dir_lock, warnings)?;
        match journal.compact(&mut replay, keep_ms, now_ms) {
            Ok(0) => {}
            Ok(n) => tracing::info!(folded = n, "journal compacted"),
            Err(e) => {
                tracing::warn!(error = %e, "journal compaction failed; the journal is unchanged")
            }
        }
        let restored = Restored::from_replay(replay);
        for st in restored.states.values() {
            for r in &st.requests {
                if matches!(r.fate, RequestFate::Delivered { .. }) {
                    journal.conv_of.remove(&r.id);
                }
            }
        }
        Ok((journal, if brief { restored.brief() } else { restored }))
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

/// Opens (or creates, mode 0600, in a directory made 0700) the journal at
/// `path` and takes its lock; the warnings so far (a journal others could
/// read is made private).
fn open_locked(path: &Path) -> io::Result<(File, File, Vec<String>)> {
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
    Ok((file, dir_lock, warnings))
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

impl Journal {
    /// Folds ended conversations whose latest record is older than `keep_ms`
    /// into one `Summary` line each, so the journal stays bounded (see
    /// `journal_compact`). `replay` is what [`Journal::open`] returned; it is
    /// updated to what the journal now holds. Returns how many
    /// conversations were folded.
    pub fn compact(&mut self, replay: &mut Replay, keep_ms: i64, now_ms: i64) -> io::Result<usize> {
        let Some(c) = super::journal_compact::compact(&self.path, replay, keep_ms, now_ms)? else {
            return Ok(0);
        };
        self.identity = c.identity;
        self.file = c.file;
        self.len = c.len;
        // A folded conversation takes no more lines: its ids map nowhere,
        // and a new line of it starts its count again (after its summary,
        // as the streaming start numbers it).
        self.conv_of.retain(|id, _| !c.folded_ids.contains(id));
        self.cseq.retain(|conv, _| !c.folded_convs.contains(conv));
        Ok(c.folded_convs.len())
    }
}

/// Reads a journal without locking or changing it, e.g. while a console
/// holds it open. A torn last line is reported, not cut.
pub fn read(path: &Path) -> io::Result<Replay> {
    let file = journal_file::open_regular(path, OpenOptions::new().read(true), "the journal")?;
    read_file(&file, path).map(|(replay, _)| replay)
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
    use crate::domain::Event;

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

    /// The full compaction forgot a folded conversation's ids but not its
    /// count of lines: a new line for it went on from the old count, and
    /// the next start read the jump after the summary as a lost line and
    /// held the conversation. After a fold it starts again from 1, as the
    /// streaming start does.
    #[test]
    fn a_line_for_a_folded_conversation_after_compaction_is_no_gap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let a = AgentRef::new("a", "A");
        {
            let (mut j, _) = Journal::open(&path).unwrap();
            old_ended(&mut j);
        }
        {
            let (mut j, mut replay) = Journal::open(&path).unwrap();
            assert_eq!(j.compact(&mut replay, 10, 1_000_000).unwrap(), 1);
            j.append(&request("n0", "c-old", Event::na_entry(a)))
                .unwrap();
        }
        let (_, replay) = Journal::open(&path).unwrap();
        assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
        assert!(replay.holds.is_empty(), "{:?}", replay.holds);
        let (_, restored) = Journal::open_rebuilt(&path, 10, 1_000_000, false).unwrap();
        assert!(restored.holds.is_empty(), "{:?}", restored.holds);
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
