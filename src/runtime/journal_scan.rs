//! The start's bounded first pass over the journal (issue 18.9): which
//! ended conversations compaction folds, found by streaming the file and
//! keeping each conversation's records only while it is open; once it has
//! ended with every request settled, only a few numbers of it stay. The
//! kept lines are then copied into the compacted file by their bytes, so
//! a start on a long history never holds that history in memory.
//!
//! This is a fast path only. Whatever is not plainly regular (a damaged,
//! torn, over-long or unsummed line, lines out of order, a record that
//! contradicts its line facts, a late record for a conversation already
//! settled) makes [`fold_plan`] answer `None`, and the full read and
//! [`super::journal::Journal::compact`] decide as before, with the holds,
//! duplicates and damaged lines they handle.

use super::journal_read::read_capped;
use super::journal_record::{
    LineMeta, MAX_LINE_BYTES, Record, conversation_of, encode, verify_sum,
};
use crate::domain::{Event, Phase, Roster};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek, SeekFrom, Write};

/// The conversations to fold, with how many requests each folds.
pub(super) type Fold = BTreeMap<String, usize>;

#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Queued,
    Unknown,
    Delivered,
    Failed,
}

/// A conversation still open (or not yet settled): all `rebuild` needs of it.
#[derive(Default)]
struct Live {
    roster: Roster,
    last_ms: i64,
    requests: HashMap<String, (Event, Fate)>,
    assigns: HashSet<String>,
}

/// An ended conversation whose requests are all settled: what is left of it.
struct Done {
    last_ms: i64,
    requests: usize,
    assigns: HashSet<String>,
}

enum Conv {
    Live(Box<Live>),
    Done(Done),
}

/// `None`: the record is irregular; the full path decides.
type Step = Option<()>;

/// What the streaming pass decided: the conversations to fold, and for
/// each line of the file (in order, blank ones included) whether it stays.
pub(super) struct FoldPlan {
    pub fold: Fold,
    /// Summaries of earlier folds that are older than `keep_ms` themselves:
    /// they go too.
    pub stale_summaries: usize,
    keep: Vec<bool>,
}

impl FoldPlan {
    /// Whether there is anything to write.
    pub fn changes(&self) -> bool {
        !self.fold.is_empty() || self.stale_summaries > 0
    }
}

/// No conversation: a line that stays whatever is folded.
const NO_CONV: u32 = u32::MAX;
/// A line that goes: a summary too old to keep, or a blank line.
const STALE: u32 = u32::MAX - 1;

/// One line of the file as the pass reads it.
// One at a time, never stored: boxing the record would cost an allocation a line.
#[allow(clippy::large_enum_variant)]
enum Line {
    Blank,
    Read(Record, LineMeta),
    /// Torn, over the cap, not UTF-8, a bad sum, unreadable: the full path
    /// decides.
    Irregular,
}

/// The next line of the file, parsed; `None` at the end.
fn next_line(reader: &mut impl io::BufRead, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
    buf.clear();
    let (n, complete) = read_capped(reader, buf, MAX_LINE_BYTES)?;
    if n == 0 {
        return Ok(None);
    }
    if !complete || n > buf.len() as u64 {
        return Ok(Some(Line::Irregular));
    }
    let Ok(text) = std::str::from_utf8(buf) else {
        return Ok(Some(Line::Irregular));
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(Some(Line::Blank));
    }
    Ok(Some(
        parse(text).map_or(Line::Irregular, |(r, m)| Line::Read(r, m)),
    ))
}

/// Streams the journal and returns the conversations compaction would fold
/// (ended, every request delivered or failed, latest record older than
/// `keep_ms`), or `None` when the file needs the full read.
pub(super) fn fold_plan(file: &File, keep_ms: i64, now_ms: i64) -> io::Result<Option<FoldPlan>> {
    let mut reader = BufReader::with_capacity(1 << 16, file.try_clone()?);
    reader.seek(SeekFrom::Start(0))?;
    let mut convs: HashMap<String, Conv> = HashMap::new();
    // Each line's conversation, as an index given in `index`.
    let mut line_conv: Vec<u32> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut stale_summaries = 0;
    let mut buf = Vec::new();
    let mut last_seq: Option<u64> = None;
    while let Some(line) = next_line(&mut reader, &mut buf)? {
        let (record, meta) = match line {
            Line::Irregular => return Ok(None),
            Line::Blank => {
                // Blank lines are not carried over.
                line_conv.push(STALE);
                continue;
            }
            Line::Read(record, meta) => (record, meta),
        };
        // In the order written: summaries (no seq) first, then rising seq.
        match (meta.seq, last_seq, &record) {
            (None, None, Record::Summary { at_ms, .. }) => {
                if now_ms - at_ms > keep_ms {
                    stale_summaries += 1;
                    line_conv.push(STALE);
                } else {
                    line_conv.push(NO_CONV);
                }
                continue;
            }
            (Some(s), prev, _) if prev.is_none_or(|p| s > p) => last_seq = Some(s),
            _ => return Ok(None),
        }
        let Some(i) = conversation_index(&mut index, meta.conversation.as_deref()) else {
            return Ok(None);
        };
        line_conv.push(i);
        if step(&mut convs, record, meta).is_none() {
            return Ok(None);
        }
    }
    Ok(Some(decide(
        convs,
        &index,
        line_conv,
        stale_summaries,
        keep_ms,
        now_ms,
    )))
}

/// The index of a line's conversation (`NO_CONV` for none); `None` when
/// there are more conversations than indices.
fn conversation_index(index: &mut HashMap<String, u32>, c: Option<&str>) -> Option<u32> {
    let Some(c) = c else {
        return Some(NO_CONV);
    };
    if let Some(i) = index.get(c) {
        return Some(*i);
    }
    let i = u32::try_from(index.len()).ok().filter(|i| *i < STALE)?;
    index.insert(c.to_string(), i);
    Some(i)
}

/// What to fold, from what the pass saw, and which lines stay.
fn decide(
    convs: HashMap<String, Conv>,
    index: &HashMap<String, u32>,
    line_conv: Vec<u32>,
    stale_summaries: usize,
    keep_ms: i64,
    now_ms: i64,
) -> FoldPlan {
    let fold: Fold = convs
        .into_iter()
        .filter_map(|(id, conv)| {
            let (last_ms, requests) = match conv {
                Conv::Done(d) => (d.last_ms, d.requests),
                Conv::Live(l) if settled(&l) => (l.last_ms, l.requests.len()),
                Conv::Live(_) => return None,
            };
            (now_ms - last_ms > keep_ms).then_some((id, requests))
        })
        .collect();
    let mut folded = vec![false; index.len()];
    for c in fold.keys() {
        if let Some(i) = index.get(c) {
            folded[*i as usize] = true;
        }
    }
    let keep = line_conv
        .into_iter()
        .map(|i| match i {
            NO_CONV => true,
            STALE => false,
            i => !folded[i as usize],
        })
        .collect();
    FoldPlan {
        fold,
        stale_summaries,
        keep,
    }
}

fn parse(text: &str) -> Option<(Record, LineMeta)> {
    if verify_sum(text) != Ok(true) {
        return None;
    }
    super::journal_line::parse(text).ok()
}

fn settled(l: &Live) -> bool {
    l.roster.phase() == Phase::Ended
        && l.requests
            .values()
            .all(|(_, f)| matches!(f, Fate::Delivered | Fate::Failed))
}

/// Applies one record as `journal::rebuild` does, to the conversation its
/// line names.
fn step(convs: &mut HashMap<String, Conv>, record: Record, meta: LineMeta) -> Step {
    if let Some(named) = conversation_of(&record)
        && meta.conversation.as_deref() != Some(named)
    {
        return None;
    }
    let Some(c) = meta.conversation else {
        // Outside every conversation (an assign for a session only, an
        // unmatched callback): kept, and of no weight for folding.
        return match record {
            Record::Request { .. } => None,
            _ => Some(()),
        };
    };
    if let Record::Request { .. } | Record::Assign { .. } = record {
        convs
            .entry(c.clone())
            .or_insert_with(|| Conv::Live(Box::default()));
    }
    let conv = convs.get_mut(&c)?;
    match conv {
        Conv::Done(d) => step_done(d, record),
        Conv::Live(l) => {
            step_live(l, record)?;
            if settled(l) {
                let l = std::mem::take(l.as_mut());
                *conv = Conv::Done(Done {
                    last_ms: l.last_ms,
                    requests: l.requests.len(),
                    assigns: l.assigns,
                });
            }
            Some(())
        }
    }
}

/// A settled conversation takes further assigns and their answers; any
/// other record for it sends the decision to the full path.
fn step_done(d: &mut Done, record: Record) -> Step {
    match record {
        Record::Assign { id, at_ms, .. } => {
            d.last_ms = d.last_ms.max(at_ms);
            d.assigns.insert(id);
            Some(())
        }
        Record::Sent { id, .. } | Record::Outcome { id, .. } if d.assigns.contains(&id) => Some(()),
        Record::Callback { .. } => Some(()),
        _ => None,
    }
}

fn step_live(l: &mut Live, record: Record) -> Step {
    match record {
        Record::Request {
            id, at_ms, event, ..
        } => {
            l.last_ms = l.last_ms.max(at_ms);
            l.requests.entry(id).or_insert((event, Fate::Queued));
        }
        Record::Assign { id, at_ms, .. } => {
            l.last_ms = l.last_ms.max(at_ms);
            l.assigns.insert(id);
        }
        Record::Sent { id, .. } => {
            if let Some((_, fate)) = l.requests.get_mut(&id) {
                if matches!(fate, Fate::Queued | Fate::Failed) {
                    *fate = Fate::Unknown;
                }
            } else if !l.assigns.contains(&id) {
                return None;
            }
        }
        Record::Outcome { id, at_ms, ok, .. } => {
            if l.assigns.contains(&id) {
                return Some(());
            }
            let (event, fate) = l.requests.get_mut(&id)?;
            l.last_ms = l.last_ms.max(at_ms);
            if !ok {
                *fate = Fate::Failed;
            } else if *fate != Fate::Delivered {
                *fate = Fate::Delivered;
                // As rebuild: an event that does not apply changes nothing.
                let _ = l.roster.apply(event, at_ms);
            }
        }
        Record::Callback { .. } | Record::Summary { .. } => {}
    }
    Some(())
}

/// Writes the compacted journal to `out`: a summary line per folded
/// conversation, then every line of `file` the plan keeps (the lines of no
/// folded conversation, but stale summaries), copied as it is. Returns the
/// bytes written.
pub(super) fn write_folded(
    file: &File,
    plan: &FoldPlan,
    now_ms: i64,
    out: &mut File,
) -> io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    let mut written = 0u64;
    for (conversation, requests) in &plan.fold {
        let summary = Record::Summary {
            conversation: conversation.clone(),
            at_ms: now_ms,
            requests: *requests,
        };
        let meta = LineMeta {
            seq: None,
            conversation: Some(conversation.clone()),
            cseq: None,
        };
        let line = encode(&summary, &meta)?;
        w.write_all(&line)?;
        written += line.len() as u64;
    }
    let mut reader = BufReader::with_capacity(1 << 16, file.try_clone()?);
    reader.seek(SeekFrom::Start(0))?;
    let mut buf = Vec::new();
    let mut keep = plan.keep.iter();
    loop {
        buf.clear();
        let (n, complete) = read_capped(&mut reader, &mut buf, MAX_LINE_BYTES)?;
        if n == 0 {
            break;
        }
        // The file is locked: a line the plan did not see means it changed.
        let (true, Some(kept)) = (complete && n == buf.len() as u64, keep.next()) else {
            return Err(io::Error::other(
                "the journal changed while it was compacted",
            ));
        };
        if !kept {
            continue;
        }
        w.write_all(&buf)?;
        written += buf.len() as u64;
    }
    if keep.next().is_some() {
        return Err(io::Error::other(
            "the journal changed while it was compacted",
        ));
    }
    w.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgentRef;
    use crate::runtime::journal::{self, Journal};
    use std::path::Path;

    const KEEP: i64 = 1_000;
    const NOW: i64 = 100_000;

    fn request(id: &str, conv: &str, event: Event, at_ms: i64) -> Record {
        Record::Request {
            id: id.into(),
            at_ms,
            conversation: conv.into(),
            event,
            experience: "chat".into(),
            language: "en".into(),
            action: "test".into(),
        }
    }

    fn sent(id: &str, at_ms: i64) -> Record {
        Record::Sent {
            id: id.into(),
            at_ms,
            attempt: 1,
        }
    }

    fn outcome(id: &str, ok: bool, at_ms: i64) -> Record {
        Record::Outcome {
            id: id.into(),
            at_ms,
            ok,
            status: Some(if ok { 200 } else { 500 }),
            message: "m".into(),
            attempts: 1,
        }
    }

    /// entry, exit, end, each delivered at `at_ms`; `fail_last` fails the end.
    fn ended(conv: &str, at_ms: i64, fail_last: bool) -> Vec<Record> {
        let mia = AgentRef::new("a-1", "Mia");
        let events = [
            Event::na_entry(mia.clone()),
            Event::na_exit(mia),
            Event::EndOfConversation { agent: None },
        ];
        let mut out = Vec::new();
        for (k, ev) in events.into_iter().enumerate() {
            let id = format!("r-{conv}-{k}");
            out.push(request(&id, conv, ev, at_ms));
            out.push(sent(&id, at_ms));
            out.push(outcome(&id, !(fail_last && k == 2), at_ms));
        }
        out
    }

    /// A history of every kind: old and ended with an assign and its
    /// callback, old with a failed end, old with a failed end sent again,
    /// recent and ended, open, and a session-only assign.
    fn write_mixed(path: &Path) {
        let (mut j, _) = Journal::open(path).unwrap();
        let mut records = ended("c-old-1", 10, false);
        records.extend(ended("c-old-2", 20, true));
        records.push(Record::Assign {
            id: "as-1".into(),
            at_ms: 30,
            session: "s-1".into(),
            target: "queue:qu-1".into(),
            conversation: Some("c-old-1".into()),
            text: None,
        });
        records.push(outcome("as-1", true, 31));
        records.push(Record::Callback {
            id: Some("as-1".into()),
            at_ms: 32,
            ok: true,
            summary: "transferred".into(),
        });
        records.extend(ended("c-recent", NOW - 10, false));
        records.extend(ended("c-resent", 40, true));
        records.push(sent("r-c-resent-2", 50));
        let mia = AgentRef::new("a-1", "Mia");
        records.push(request("r-open", "c-open", Event::na_entry(mia), 60));
        records.push(sent("r-open", 60));
        records.push(outcome("r-open", true, 60));
        records.push(Record::Assign {
            id: "as-2".into(),
            at_ms: 70,
            session: "s-2".into(),
            target: "agent:a-2".into(),
            conversation: None,
            text: None,
        });
        j.append_batch(&records).unwrap();
    }

    fn plan(path: &Path) -> Option<Fold> {
        fold_plan(&File::open(path).unwrap(), KEEP, NOW)
            .unwrap()
            .map(|p| p.fold)
    }

    /// What a start leaves: (records, meta, rebuilt, damaged lines) as text.
    fn start(path: &Path, folding: bool) -> (String, String, String, usize) {
        let (mut j, mut replay) = if folding {
            Journal::open_folding(path, KEEP, NOW).unwrap()
        } else {
            Journal::open(path).unwrap()
        };
        j.compact(&mut replay, KEEP, NOW).unwrap();
        (
            format!("{:?}", replay.records),
            format!("{:?}", replay.meta),
            format!("{:?}", journal::rebuild(&replay.records)),
            replay.damaged.len(),
        )
    }

    /// How many summary lines the file holds for `conversation`.
    fn summaries(path: &Path, conversation: &str) -> usize {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| {
                l.contains(r#""kind":"summary""#)
                    && l.contains(&format!(r#""conversation":"{conversation}""#))
            })
            .count()
    }

    /// A summary stays as long as an ended conversation would, then goes:
    /// on the streaming path and on the full one alike (issue 18.9: the
    /// summaries of every conversation ever folded were kept for ever).
    #[test]
    fn a_summary_goes_once_it_is_older_than_keep_ended() {
        let dir = tempfile::tempdir().unwrap();
        let (fast, full) = (dir.path().join("fast.jsonl"), dir.path().join("full.jsonl"));
        write_mixed(&fast);
        drop(Journal::open_folding(&fast, KEEP, NOW).unwrap());
        assert_eq!(summaries(&fast, "c-old-1"), 1, "folded into a summary");
        std::fs::copy(&fast, &full).unwrap();
        drop(Journal::open_folding(&fast, KEEP, NOW + KEEP).unwrap());
        assert_eq!(summaries(&fast, "c-old-1"), 1, "kept while it is young");
        let later = NOW + KEEP + 1;
        let plan = fold_plan(&File::open(&fast).unwrap(), KEEP, later)
            .unwrap()
            .expect("judged by the streaming pass");
        assert!(plan.stale_summaries >= 1);
        drop(Journal::open_folding(&fast, KEEP, later).unwrap());
        assert_eq!(summaries(&fast, "c-old-1"), 0, "gone on the streaming path");
        let (mut j, mut replay) = Journal::open(&full).unwrap();
        j.compact(&mut replay, KEEP, later).unwrap();
        assert_eq!(summaries(&full, "c-old-1"), 0, "gone on the full path");
        assert!(!replay.records.iter().any(
            |r| matches!(r, Record::Summary { conversation, .. } if conversation == "c-old-1")
        ));
        // What stays rebuilds the same either way.
        drop(j);
        assert_eq!(start(&fast, true).2, start(&full, false).2);
    }

    #[test]
    fn the_streaming_fold_leaves_what_compaction_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let (fast, full) = (dir.path().join("fast.jsonl"), dir.path().join("full.jsonl"));
        write_mixed(&fast);
        std::fs::copy(&fast, &full).unwrap();
        let fold = plan(&fast).expect("a regular journal is judged by the streaming pass");
        let folded: Vec<&str> = fold.keys().map(String::as_str).collect();
        // c-old-2's end failed, c-resent's is in doubt: neither has ended.
        assert_eq!(folded, ["c-old-1"], "{fold:?}");
        assert_eq!(fold["c-old-1"], 3);
        let fast_start = start(&fast, true);
        // The streaming pass did the folding: the full one found nothing left.
        assert_eq!(plan(&fast), Some(Fold::new()));
        assert_eq!(fast_start, start(&full, false));
        let text = std::fs::read_to_string(&fast).unwrap();
        assert!(
            !text.contains("r-c-old-1-0") && !text.contains("as-1"),
            "{text}"
        );
        assert!(
            text.contains("r-c-resent-2") && text.contains("as-2"),
            "{text}"
        );
        // And it reads back as any journal does: appends go on after it.
        let (mut j, replay) = Journal::open(&fast).unwrap();
        assert!(replay.holds.is_empty(), "{:?}", replay.holds);
        j.append(&sent("r-open", NOW)).unwrap();
        let replay = journal::read(&fast).unwrap();
        assert!(
            replay.holds.is_empty() && replay.warnings.is_empty(),
            "{replay:?}"
        );
    }

    #[test]
    fn a_damaged_line_sends_the_start_to_the_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let (fast, full) = (dir.path().join("fast.jsonl"), dir.path().join("full.jsonl"));
        write_mixed(&fast);
        let mut text = std::fs::read_to_string(&fast).unwrap();
        let at = text.find('\n').unwrap() + 1;
        text.insert_str(at, "{\"kind\":\"sent\",\"id\":\"r-x\" not json\n");
        std::fs::write(&fast, &text).unwrap();
        std::fs::copy(&fast, &full).unwrap();
        assert_eq!(plan(&fast), None);
        let fast_start = start(&fast, true);
        assert_eq!(fast_start.3, 1, "the damaged line is kept");
        assert_eq!(fast_start, start(&full, false));
    }

    #[test]
    fn lines_out_of_order_or_without_a_sum_are_left_to_the_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write_mixed(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.swap(1, 2);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        assert_eq!(plan(&path), None, "out of order");
        let first = r#"{"kind":"summary","conversation":"c-z","at_ms":1,"requests":1}"#;
        std::fs::write(&path, format!("{first}\n{text}")).unwrap();
        assert_eq!(plan(&path), None, "a line without its checksum");
        std::fs::write(&path, &text[..text.len() - 5]).unwrap();
        assert_eq!(plan(&path), None, "a torn last line");
    }
}
