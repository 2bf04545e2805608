//! The journal: an append-only JSON-lines file that holds every request the
//! console plans, each outcome, and each callback, so state survives a
//! restart.
//!
//! A record is written and fsync'd before its request goes out. Reading is
//! forgiving: a torn last line (a crash mid-write) is dropped with a warning
//! and cut off the file, so the next append starts on a clean line.

use crate::domain::{Event, Roster};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

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
    pub records: Vec<Record>,
    pub warnings: Vec<String>,
}

/// An open journal, positioned for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates, mode 0600) the journal at `path` and reads it back.
    pub fn open(path: &Path) -> io::Result<(Journal, Replay)> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        let (replay, good_len) = read(&file, path)?;
        let total = file.metadata()?.len();
        if good_len < total {
            // Cut the torn tail so the next record starts on its own line.
            file.set_len(good_len)?;
            file.sync_all()?;
        }
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
            },
            replay,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record and waits until it is on disk.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }
}

/// Reads every record; returns them and the length of the good prefix.
fn read(file: &File, path: &Path) -> io::Result<(Replay, u64)> {
    let mut replay = Replay::default();
    let mut reader = BufReader::new(file.try_clone()?);
    reader.seek(SeekFrom::Start(0))?;
    let mut offset: u64 = 0;
    let mut good_len: u64 = 0;
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        offset += n as u64;
        let complete = buf.last() == Some(&b'\n');
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim();
        if text.is_empty() {
            if complete {
                good_len = offset;
            }
            continue;
        }
        match serde_json::from_str::<Record>(text) {
            Ok(record) if complete => {
                replay.records.push(record);
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
                // A damaged line in the middle: skip it, keep the rest.
                replay.warnings.push(format!(
                    "{}: line {line_no} is unreadable ({e}); it was skipped",
                    path.display()
                ));
                good_len = offset;
            }
        }
    }
    Ok((replay, good_len))
}

/// Where a journaled request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestFate {
    /// Planned, never sent: safe to send.
    Queued,
    /// Sent, with no recorded outcome (a crash or kill mid-flight): unknown.
    Unknown,
    Delivered {
        status: Option<u16>,
    },
    Failed {
        status: Option<u16>,
        message: String,
    },
}

/// What became of a journaled assign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignFate {
    /// Sent; no callback recorded.
    Pending,
    /// The request itself was refused.
    Rejected(String),
    Transferred,
    Failed(String),
}

/// One journaled assign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournaledAssign {
    pub id: String,
    pub at_ms: i64,
    pub text: String,
    pub fate: AssignFate,
}

/// One journaled hooks request.
#[derive(Debug, Clone, PartialEq)]
pub struct JournaledRequest {
    pub id: String,
    pub at_ms: i64,
    pub event: Event,
    pub action: String,
    pub fate: RequestFate,
}

/// The state of one conversation rebuilt from the journal.
#[derive(Debug, Clone, Default)]
pub struct ConversationState {
    /// The roster after every delivered event.
    pub roster: Roster,
    /// Every request, in the order planned.
    pub requests: Vec<JournaledRequest>,
    /// Assign requests the console sent for it.
    pub assigns: Vec<JournaledAssign>,
    /// The time of its latest record.
    pub last_ms: i64,
    /// Requests sent with no recorded outcome: their fate is unknown.
    pub unknown: Vec<String>,
    pub experience: Option<String>,
    pub language: Option<String>,
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
                if let Some((conv, i)) = index.get(id)
                    && let Some(req) = out.get_mut(conv).and_then(|s| s.requests.get_mut(*i))
                    && req.fate == RequestFate::Queued
                {
                    req.fate = RequestFate::Unknown;
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
                        && !*ok
                    {
                        a.fate = AssignFate::Rejected(message.clone());
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
                ..
            } => {
                let st = out.entry(conversation.clone()).or_default();
                st.last_ms = st.last_ms.max(*at_ms);
                assigns.insert(id.clone(), (conversation.clone(), st.assigns.len()));
                st.assigns.push(JournaledAssign {
                    id: id.clone(),
                    at_ms: *at_ms,
                    text: text.clone().unwrap_or_else(|| format!("assign → {target}")),
                    fate: AssignFate::Pending,
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
        st.unknown = st
            .requests
            .iter()
            .filter(|r| matches!(r.fate, RequestFate::Unknown | RequestFate::Queued))
            .map(|r| r.id.clone())
            .collect();
    }
    out
}

/// Folds ended conversations whose latest record is older than `keep_ms`
/// into one `Summary` line each, so the journal stays bounded. The new file
/// is written beside the old one, synced, and renamed over it, so a crash
/// leaves either the old journal or the new one, never a mix. Returns how
/// many conversations were folded.
pub fn compact(path: &Path, keep_ms: i64, now_ms: i64) -> io::Result<usize> {
    if !path.exists() {
        return Ok(0);
    }
    let (journal, replay) = Journal::open(path)?;
    drop(journal);
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
    if fold.is_empty() {
        return Ok(0);
    }
    // Which record ids belong to folded conversations.
    let mut folded_ids: std::collections::BTreeSet<String> = Default::default();
    for r in &replay.records {
        match r {
            Record::Request {
                id, conversation, ..
            } if fold.contains_key(conversation.as_str()) => {
                folded_ids.insert(id.clone());
            }
            Record::Assign {
                id,
                conversation: Some(conversation),
                ..
            } if fold.contains_key(conversation.as_str()) => {
                folded_ids.insert(id.clone());
            }
            _ => {}
        }
    }
    let tmp = path.with_extension("jsonl.compacting");
    {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        for (conversation, requests) in &fold {
            let line = serde_json::to_vec(&Record::Summary {
                conversation: (*conversation).to_string(),
                at_ms: now_ms,
                requests: *requests,
            })
            .map_err(io::Error::other)?;
            f.write_all(&line)?;
            f.write_all(b"\n")?;
        }
        for r in &replay.records {
            let folded = match r {
                Record::Summary { conversation, .. } => fold.contains_key(conversation.as_str()),
                other => other.id().is_some_and(|id| folded_ids.contains(id)),
            };
            if folded {
                continue;
            }
            let line = serde_json::to_vec(r).map_err(io::Error::other)?;
            f.write_all(&line)?;
            f.write_all(b"\n")?;
        }
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(fold.len())
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
        assert_eq!(c.unknown, vec!["r3".to_string()]);
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
        std::fs::write(&path, format!("{a}\nnot json at all\n{a}\n")).unwrap();
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
        assert_eq!(compact(&path, 1_000_000, 10).unwrap(), 0);
        assert_eq!(compact(&path, 10, 1_000_000).unwrap(), 1);
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
        // Again: nothing more to fold, nothing lost.
        assert_eq!(compact(&path, 10, 2_000_000).unwrap(), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name_for("st-1/../x"), "journal-st-1____x.jsonl");
    }
}
