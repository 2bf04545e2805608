//! Compaction: ended conversations older than keep_ended_hours folded into
//! one summary line each, at open by the streaming pass
//! (`journal_scan`) or by the full read's [`Journal::compact`].

use super::journal_file::{self, lock};
use super::journal_rebuild::rebuild;
use super::journal_record::{
    DamagedLine, LineMeta, Record, Replay, RequestFate, conversation_of, encode,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// The streaming fold of [`Journal::open_folding`]: the new file, written
/// beside the journal, synced and renamed over it (so a crash leaves the old
/// journal or the new one), or `file` unchanged when there is nothing to
/// fold, the pass cannot judge the journal, or writing failed.
pub(super) fn fold_first(file: File, path: &Path, keep_ms: i64, now_ms: i64) -> File {
    let plan = match super::journal_scan::fold_plan(&file, keep_ms, now_ms) {
        Ok(Some(plan)) if plan.changes() => plan,
        Ok(_) => return file,
        Err(e) => {
            tracing::warn!(error = %e, "journal: the streaming fold could not read it");
            return file;
        }
    };
    let written = replace_file(path, |out| {
        super::journal_scan::write_folded(&file, &plan, now_ms, out).map(drop)
    });
    match written {
        Ok(out) => {
            tracing::info!(
                folded = plan.fold.len(),
                stale_summaries = plan.stale_summaries,
                "journal compacted at open"
            );
            out
        }
        Err(e) => {
            tracing::warn!(error = %e, "journal: the streaming fold failed; the journal is unchanged");
            file
        }
    }
}

pub(super) fn sync_dir(path: &Path) {
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

/// What a compaction changed, for the open journal to take over.
pub(super) struct Compacted {
    /// The new file, positioned at its end and locked.
    pub file: File,
    pub identity: (u64, u64),
    pub len: u64,
    /// The request and assign ids of the folded conversations: they map
    /// nowhere now.
    pub folded_ids: HashSet<String>,
    /// The folded conversations: their count of lines starts again.
    pub folded_convs: HashSet<String>,
}

/// Folds ended conversations whose latest record is older than `keep_ms`
/// into one `Summary` line each, so the journal stays bounded. `replay` is
/// what [`Journal::open`] returned; it is updated to what the journal now
/// holds. Unreadable lines are carried over as they are. The new file is
/// written and locked beside the old one, synced, and renamed over it, so
/// a crash leaves either the old journal or the new one, never a mix.
/// Returns the new file and what the journal must forget, or `None` when
/// nothing was folded (the file is unchanged).
pub(super) fn compact(
    path: &Path,
    replay: &mut Replay,
    keep_ms: i64,
    now_ms: i64,
) -> io::Result<Option<Compacted>> {
    if let Some(d) = replay.damaged.iter().find(|d| d.over_cap) {
        // Carried over it would be read whole: it waits for a person.
        tracing::warn!(
            line = d.line,
            "journal compaction waits: a line is over the cap"
        );
        return Ok(None);
    }
    let fold = fold_candidates(replay, keep_ms, now_ms);
    // A summary lives as long as an ended conversation does, then goes.
    let stale = |at_ms: i64| now_ms - at_ms > keep_ms;
    if fold.is_empty() && !replay.records.iter().any(|r| is_stale_summary(r, &stale)) {
        return Ok(None);
    }
    let folded_ids = folded_ids(replay, &fold);
    let mut kept: Vec<Record> = fold
        .iter()
        .map(|(conversation, requests)| Record::Summary {
            conversation: conversation.clone(),
            at_ms: now_ms,
            requests: *requests,
        })
        .collect();
    let summaries = kept.len();
    let mut kept_meta: Vec<LineMeta> = kept.iter().map(summary_meta).collect();
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
            } => fold.contains_key(conversation) || stale(*at_ms),
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

    let file = replace_file(path, |f| f.write_all(&out))?;
    // The new file is positioned at its end and already locked; the old
    // one (and its lock) goes with the old handle.
    let identity = journal_file::identity(&file)?;
    let folded_ids: HashSet<String> = folded_ids.into_iter().map(str::to_string).collect();
    let folded_convs: HashSet<String> = fold.into_keys().collect();
    replay.records = kept;
    replay.meta = kept_meta;
    replay.damaged = damaged;
    Ok(Some(Compacted {
        file,
        identity,
        len: out.len() as u64,
        folded_ids,
        folded_convs,
    }))
}

/// The conversations to fold (ended, every request delivered or failed,
/// the latest record older than `keep_ms`), with their requests' count.
fn fold_candidates(replay: &Replay, keep_ms: i64, now_ms: i64) -> BTreeMap<String, usize> {
    rebuild(&replay.records)
        .into_iter()
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
        .map(|(id, st)| (id, st.requests.len()))
        .collect()
}

/// The request and assign ids of the folded conversations.
fn folded_ids<'a>(replay: &'a Replay, fold: &BTreeMap<String, usize>) -> BTreeSet<&'a str> {
    let mut ids = BTreeSet::new();
    for r in &replay.records {
        match r {
            Record::Request {
                id, conversation, ..
            } if fold.contains_key(conversation) => {
                ids.insert(id.as_str());
            }
            Record::Assign {
                id,
                conversation: Some(conversation),
                ..
            } if fold.contains_key(conversation) => {
                ids.insert(id.as_str());
            }
            _ => {}
        }
    }
    ids
}

/// Writes a new file beside `path` with `write`, locked and synced, and
/// renames it over `path`: a crash leaves the old file or the new one, and
/// a failure removes the new one. The new file is returned positioned at
/// its end.
pub(super) fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<File> {
    let tmp = path.with_extension("jsonl.compacting");
    // A left-over (or planted) file there is not written through.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let written = (|| -> io::Result<File> {
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
        write(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(file)
    })();
    match written {
        Ok(file) => {
            sync_dir(path);
            Ok(file)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn is_stale_summary(r: &Record, stale: &impl Fn(i64) -> bool) -> bool {
    matches!(r, Record::Summary { at_ms, .. } if stale(*at_ms))
}

/// A summary names its conversation but takes no place in any history:
/// the conversation is over.
fn summary_meta(summary: &Record) -> LineMeta {
    LineMeta {
        seq: None,
        conversation: conversation_of(summary).map(str::to_string),
        cseq: None,
    }
}
