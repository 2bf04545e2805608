//! The start's streaming pass over the journal (issue 18.9 and 18.12):
//! each line is read with a cap, checked, and applied at once to its
//! conversation's state with the rebuild's own steps (`journal_rebuild`),
//! so no record of the file is held. A conversation that has ended with
//! every request settled and is older than keep_ended_hours keeps only a
//! few numbers (it is folded); every other one keeps its rebuilt state,
//! which is what a start needs of it. The kept lines are then copied into
//! the compacted file by their place in it (a per-line plan of what stays
//! and how long each line is: no second read of the lines that go).
//!
//! Checking and parsing the lines runs beside the fold: a thread cuts the
//! file into batches of lines, one or two threads parse them, and the
//! calling thread folds the batches in the file's order ([`scan`]).
//!
//! This is a fast path only. Whatever is not plainly regular (a damaged,
//! torn, over-long or unsummed line, lines out of order or duplicated, a
//! record that contradicts its line facts, an id planned twice, a record
//! that would not fold with its conversation, a late record for a
//! conversation already folded) makes [`scan`] answer `None`, and the full
//! read and [`super::journal::Journal::compact`] decide as before, with the
//! holds, duplicates and damaged lines they handle.

use super::journal_read::{history_gap, read_capped};
use super::journal_rebuild as rb;
use super::journal_record::{
    ConversationState, LineMeta, MAX_LINE_BYTES, Record, RequestFate, conversation_of,
    encode_summary, verify_sum,
};
use crate::domain::Phase;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// The pass's own maps, looked up once or more a line: a fast hasher,
/// seeded per process (SipHash was a tenth of a start).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// The conversations to fold, with how many requests each folds.
pub(super) type Fold = BTreeMap<String, usize>;

/// One conversation as the pass holds it.
enum Conv {
    /// Named by a line (a summary) but with nothing planned yet.
    Named,
    /// Open, or ended too recently to fold: its state as rebuilt so far.
    Live(Box<ConversationState>),
    /// Ended with every request settled, and older than keep_ended: it is
    /// folded, and only this is left of it.
    Done(Done),
}

struct Done {
    last_ms: i64,
    requests: usize,
    /// Its assigns' ids: their answers may still come.
    assigns: Vec<String>,
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
    /// The bytes each line takes in the file, newline included: the kept
    /// lines are copied by their place, not read a second time.
    lens: Vec<u32>,
}

impl FoldPlan {
    /// Whether there is anything to write.
    pub fn changes(&self) -> bool {
        !self.fold.is_empty() || self.stale_summaries > 0
    }

    /// The line number (from 1) that line `line` of the file has once the
    /// plan is written: the summaries come first, and the lines that go
    /// (folded, stale, blank) leave no gap. `lines` are sorted.
    fn renumbered(&self, lines: &[usize]) -> HashMap<usize, usize> {
        let mut out = HashMap::new();
        let mut kept = self.fold.len();
        let mut wanted = lines.iter().peekable();
        for (i, keep) in self.keep.iter().enumerate() {
            while wanted.next_if(|l| **l == i + 1).is_some() {
                out.insert(i + 1, kept + 1);
            }
            kept += usize::from(*keep);
        }
        out
    }
}

/// What the pass found: the plan, and all a start needs that the records
/// held, for the journal as it is once the plan is written.
pub(super) struct Scanned {
    pub plan: FoldPlan,
    /// The conversations that stay, as `rebuild` makes them.
    pub states: BTreeMap<String, ConversationState>,
    /// Conversations whose history skips or goes back, with why (as the
    /// full read says it).
    pub holds: BTreeMap<String, String>,
    /// The `seq` of the next line.
    pub next_seq: u64,
    /// The last `cseq` per conversation.
    pub cseq: HashMap<String, u64>,
    /// The conversation of each request and assign id that stays.
    pub conv_of: HashMap<String, String>,
    /// The assigns that stay, with their sent, outcome and callback
    /// records, in order.
    pub assigns: Vec<Record>,
    /// Brief: the ids of each conversation's delivered requests, which
    /// `states` leaves out.
    pub delivered: BTreeMap<String, Vec<Box<str>>>,
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

/// One line's bytes, as read, judged into a [`Line`] (blank, read, or
/// irregular when not UTF-8 or not a regular record).
fn classify(bytes: &[u8]) -> Line {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Line::Irregular;
    };
    let text = text.trim();
    if text.is_empty() {
        return Line::Blank;
    }
    parse(text).map_or(Line::Irregular, |(r, m)| Line::Read(r, m))
}

fn parse(text: &str) -> Option<(Record, LineMeta)> {
    if verify_sum(text) != Ok(true) {
        return None;
    }
    super::journal_line::parse(text).ok()
}

/// Streams the journal and returns the conversations compaction would fold
/// (ended, every request delivered or failed, latest record older than
/// `keep_ms`), or `None` when the file needs the full read.
pub(super) fn fold_plan(file: &File, keep_ms: i64, now_ms: i64) -> io::Result<Option<FoldPlan>> {
    Ok(scan(file, keep_ms, now_ms, true)?.map(|s| s.plan))
}

/// Streams the journal once: the fold plan and every conversation that
/// stays, rebuilt; `None` when the file needs the full read. `brief`: a
/// delivered request leaves its conversation's state as it is delivered,
/// and only its id is kept ([`Scanned::delivered`]).
pub(super) fn scan(
    file: &File,
    keep_ms: i64,
    now_ms: i64,
    brief: bool,
) -> io::Result<Option<Scanned>> {
    let mut reader = BufReader::with_capacity(1 << 16, file.try_clone()?);
    reader.seek(SeekFrom::Start(0))?;
    let mut s = Scanner::new(keep_ms, now_ms);
    s.brief = brief;
    // The commands' brief start keeps to one thread: their journal is
    // short beside their batch, and memory is what counts there (the
    // parsers' own allocation arenas cost a few MB).
    let parsers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, PARSERS));
    if brief || parsers < 2 {
        return scan_inline(&mut reader, s);
    }
    // Checking and parsing a line is most of the pass and needs nothing of
    // the fold: one thread cuts the file into batches of lines, a parser
    // per core (at most `PARSERS`) each parse every n-th batch, and this
    // thread folds the batches in their order. A few batches are in flight
    // at most. When the fold stops early (an irregular line), the channels
    // close and the other threads end at their next batch.
    std::thread::scope(move |scope| {
        let mut to_parsers = Vec::new();
        let mut parsed = Vec::new();
        let mut spent = Vec::new();
        // Emptied batches go back to be filled again (an allocation and a
        // free of each batch would cost more than its lines' parsing).
        let (raw_spent, raw_back) = sync_channel::<RawBatch>(parsers * (BATCHES_AHEAD + 2));
        for _ in 0..parsers {
            let (raw_tx, raw_rx) = sync_channel::<io::Result<RawBatch>>(BATCHES_AHEAD);
            let (line_tx, line_rx) = sync_channel::<io::Result<Parsed>>(BATCHES_AHEAD);
            let (spent_tx, spent_rx) = sync_channel::<Parsed>(BATCHES_AHEAD + 2);
            let raw_spent = raw_spent.clone();
            let parse = move || parse_batches(&raw_rx, &line_tx, &spent_rx, &raw_spent);
            std::thread::Builder::new()
                .name("journal-parse".into())
                .spawn_scoped(scope, parse)?;
            to_parsers.push(raw_tx);
            parsed.push(line_rx);
            spent.push(spent_tx);
        }
        drop(raw_spent);
        let cut = move || cut_batches(&mut reader, &to_parsers, &raw_back);
        std::thread::Builder::new()
            .name("journal-read".into())
            .spawn_scoped(scope, cut)?;
        // Batch k comes from parser k mod n; a parser whose channel closed
        // has given every batch it had, and so have those after it.
        for k in 0.. {
            let Ok(batch) = parsed[k % parsers].recv() else {
                break;
            };
            let mut batch = batch?;
            if s.fold(&mut batch).is_none() {
                return Ok(None);
            }
            let _ = spent[k % parsers].try_send(batch);
        }
        Ok(s.finish())
    })
}

/// The pass on the calling thread alone: cut, parse and fold a batch at a
/// time.
fn scan_inline(reader: &mut impl io::BufRead, mut s: Scanner) -> io::Result<Option<Scanned>> {
    let (mut raw, mut line) = (RawBatch::default(), Vec::new());
    let mut parsed = Parsed::default();
    loop {
        let end = cut(reader, &mut line, &mut raw)?;
        parse_batch(&raw, &mut parsed);
        if s.fold(&mut parsed).is_none() {
            return Ok(None);
        }
        if end {
            return Ok(s.finish());
        }
    }
}

/// Lines in one batch from the cutting thread to a parser.
const LINES_PER_BATCH: usize = 1024;
/// Batches a parser may have waiting, before and after it.
const BATCHES_AHEAD: usize = 2;
/// Parsing threads at most (on a machine with that many cores or more).
const PARSERS: usize = 2;

/// Lines as read, before they are checked: their bytes one after the
/// other, where each ends (`None`: torn or over the cap), and the bytes
/// each took in the file.
#[derive(Default)]
struct RawBatch {
    bytes: Vec<u8>,
    ends: Vec<Option<usize>>,
    lens: Vec<u32>,
}

/// A batch of lines parsed, with the bytes each took in the file.
#[derive(Default)]
struct Parsed {
    lines: Vec<Line>,
    lens: Vec<u32>,
}

/// The next batch of lines into `batch` (emptied first), read with
/// `line` as room for one; `true` at the end of the file.
fn cut(
    reader: &mut impl io::BufRead,
    line: &mut Vec<u8>,
    batch: &mut RawBatch,
) -> io::Result<bool> {
    batch.bytes.clear();
    batch.ends.clear();
    batch.lens.clear();
    while batch.ends.len() < LINES_PER_BATCH {
        line.clear();
        let (n, complete) = read_capped(reader, line, MAX_LINE_BYTES)?;
        if n == 0 {
            return Ok(true);
        }
        batch.lens.push(u32::try_from(n).unwrap_or(u32::MAX));
        if complete && n == line.len() as u64 {
            batch.bytes.extend_from_slice(line);
            batch.ends.push(Some(batch.bytes.len()));
        } else {
            batch.ends.push(None);
        }
    }
    Ok(false)
}

/// A batch's lines checked and parsed into `out` (emptied first).
fn parse_batch(batch: &RawBatch, out: &mut Parsed) {
    out.lines.clear();
    out.lens.clear();
    out.lens.extend_from_slice(&batch.lens);
    let mut from = 0;
    out.lines.extend(batch.ends.iter().map(|end| match end {
        Some(end) => {
            let line = classify(&batch.bytes[from..*end]);
            from = *end;
            line
        }
        None => Line::Irregular,
    }));
}

/// The cutting thread: the file's lines in batches, batch k to parser
/// k mod n, until the end, an error (sent as the last batch) or the
/// parsers stop listening.
fn cut_batches(
    reader: &mut impl io::BufRead,
    parsers: &[SyncSender<io::Result<RawBatch>>],
    spent: &Receiver<RawBatch>,
) {
    let mut line = Vec::new();
    for k in 0.. {
        let to = &parsers[k % parsers.len()];
        let mut batch = spent.try_recv().unwrap_or_default();
        let end = match cut(reader, &mut line, &mut batch) {
            Ok(end) => end,
            Err(e) => {
                let _ = to.send(Err(e));
                return;
            }
        };
        let sent = batch.ends.is_empty() || to.send(Ok(batch)).is_ok();
        if end || !sent {
            return;
        }
    }
}

/// A parsing thread: each batch it is given, checked and parsed, in order.
fn parse_batches(
    raw: &Receiver<io::Result<RawBatch>>,
    parsed: &SyncSender<io::Result<Parsed>>,
    spent: &Receiver<Parsed>,
    raw_spent: &SyncSender<RawBatch>,
) {
    for batch in raw.iter() {
        let lines = batch.map(|b| {
            let mut out = spent.try_recv().unwrap_or_else(|_| Parsed {
                lines: Vec::with_capacity(LINES_PER_BATCH),
                lens: Vec::with_capacity(LINES_PER_BATCH),
            });
            parse_batch(&b, &mut out);
            let _ = raw_spent.try_send(b);
            out
        });
        if parsed.send(lines).is_err() {
            return;
        }
    }
}

/// The pass as it goes.
struct Scanner {
    keep_ms: i64,
    now_ms: i64,
    /// Each conversation's index in the vectors below.
    index: FastMap<String, u32>,
    convs: Vec<Conv>,
    /// Per conversation: the highest `cseq` and `seq` of its lines.
    cseq: Vec<Option<u64>>,
    seq: Vec<u64>,
    /// Per conversation: the first break in its count of lines, with the
    /// line it is on.
    gaps: FastMap<u32, (usize, u64, u64)>,
    /// Each line's conversation (or `NO_CONV`, `STALE`).
    line_conv: Vec<u32>,
    /// The bytes each line takes in the file.
    line_len: Vec<u32>,
    /// The highest `seq` of the lines of no conversation.
    loose_seq: u64,
    last_seq: Option<u64>,
    /// A hash of every request and assign id planned: one planned twice, or
    /// an answer outside its conversation, is for the full path.
    ids: FastSet<u64>,
    /// Seeds `ids`' hashes (per process, as the maps are).
    id_hasher: foldhash::fast::RandomState,
    /// Assigns for a session only (no conversation).
    loose_assigns: HashSet<String>,
    /// The assign records and their answers, with their conversation.
    assigns: Vec<(u32, Record)>,
    stale_summaries: usize,
    brief: bool,
    /// Brief: each conversation's delivered requests, by id.
    delivered: FastMap<u32, Vec<Box<str>>>,
}

fn settled(st: &ConversationState) -> bool {
    st.roster.phase() == Phase::Ended
        && st.requests.iter().all(|r| {
            matches!(
                r.fate,
                RequestFate::Delivered { .. } | RequestFate::Failed { .. }
            )
        })
}

fn find<'a, T>(items: &'a mut [T], id: &str, id_of: impl Fn(&T) -> &str) -> Option<&'a mut T> {
    items.iter_mut().rev().find(|x| id_of(x) == id)
}

impl Scanner {
    fn new(keep_ms: i64, now_ms: i64) -> Self {
        Scanner {
            keep_ms,
            now_ms,
            index: FastMap::default(),
            convs: Vec::new(),
            cseq: Vec::new(),
            seq: Vec::new(),
            gaps: FastMap::default(),
            line_conv: Vec::new(),
            line_len: Vec::new(),
            loose_seq: 0,
            last_seq: None,
            ids: FastSet::default(),
            id_hasher: Default::default(),
            loose_assigns: HashSet::new(),
            assigns: Vec::new(),
            stale_summaries: 0,
            brief: false,
            delivered: FastMap::default(),
        }
    }

    fn id_hash(&self, id: &str) -> u64 {
        use std::hash::BuildHasher;
        self.id_hasher.hash_one(id)
    }

    fn old(&self, last_ms: i64) -> bool {
        self.now_ms - last_ms > self.keep_ms
    }

    /// The index of a conversation; `None` when there are more
    /// conversations than indices.
    fn index_of(&mut self, c: &str) -> Option<u32> {
        if let Some(i) = self.index.get(c) {
            return Some(*i);
        }
        let i = u32::try_from(self.index.len())
            .ok()
            .filter(|i| *i < STALE)?;
        self.index.insert(c.to_string(), i);
        self.convs.push(Conv::Named);
        self.cseq.push(None);
        self.seq.push(0);
        Some(i)
    }

    /// A batch of lines, taken in order (and left empty); `None` when one
    /// is irregular.
    fn fold(&mut self, batch: &mut Parsed) -> Step {
        self.line_len.extend_from_slice(&batch.lens);
        for line in batch.lines.drain(..) {
            match line {
                Line::Irregular => return None,
                // Blank lines are not carried over.
                Line::Blank => self.line_conv.push(STALE),
                Line::Read(record, meta) => self.take(record, meta)?,
            }
        }
        Some(())
    }

    /// One line: its place in the order, its conversation's count, and
    /// its record applied.
    fn take(&mut self, record: Record, meta: LineMeta) -> Step {
        let line = self.line_conv.len() + 1;
        // In the order written: summaries (no seq) first, then rising seq.
        let seq = match (meta.seq, self.last_seq, &record) {
            (
                None,
                None,
                Record::Summary {
                    conversation,
                    at_ms,
                    ..
                },
            ) if meta.cseq.is_none() => {
                if self.old(*at_ms) {
                    self.stale_summaries += 1;
                    self.line_conv.push(STALE);
                } else {
                    // It goes if its conversation is folded again.
                    let i = self.index_of(conversation)?;
                    self.line_conv.push(i);
                }
                return Some(());
            }
            (Some(s), prev, _) if prev.is_none_or(|p| s > p) => s,
            _ => return None,
        };
        self.last_seq = Some(seq);
        if let Some(named) = conversation_of(&record)
            && meta.conversation.as_deref() != Some(named)
        {
            return None;
        }
        let Some(c) = meta.conversation else {
            self.line_conv.push(NO_CONV);
            self.loose_seq = seq;
            return self.loose(record);
        };
        let i = self.index_of(&c)?;
        self.line_conv.push(i);
        let k = i as usize;
        self.seq[k] = seq;
        if let Some(n) = meta.cseq {
            let last = self.cseq[k].unwrap_or(0);
            if n != last + 1 {
                self.gaps.entry(i).or_insert((line, last, n));
            }
            self.cseq[k] = Some(last.max(n));
        }
        self.apply(i, &c, record)?;
        self.settle(i);
        Some(())
    }

    /// A record of conversation `c` (index `i`), as `rebuild` applies it.
    /// Every record of a conversation line must go when the conversation
    /// is folded (as compaction drops it); one that would stay is for the
    /// full path.
    fn apply(&mut self, i: u32, c: &str, record: Record) -> Step {
        let k = i as usize;
        match record {
            Record::Request {
                id,
                at_ms,
                event,
                experience,
                language,
                action,
                ..
            } => {
                if !self.ids.insert(self.id_hash(&id)) {
                    return None;
                }
                let st = self.live(k)?;
                rb::plan_request_owned(st, (id, at_ms, event), (experience, language, action));
                Some(())
            }
            Record::Assign {
                conversation: Some(_),
                ..
            } => self.assign(i, record),
            Record::Sent { .. } | Record::Outcome { .. } | Record::Callback { id: Some(_), .. } => {
                self.answer(i, c, record)
            }
            Record::Assign { .. } | Record::Callback { .. } | Record::Summary { .. } => None,
        }
    }

    /// The conversation's state to rebuild into: `None` once it is folded.
    fn live(&mut self, k: usize) -> Option<&mut ConversationState> {
        let conv = &mut self.convs[k];
        if matches!(conv, Conv::Named) {
            *conv = Conv::Live(Box::default());
        }
        match conv {
            Conv::Live(st) => Some(st),
            _ => None,
        }
    }

    fn assign(&mut self, i: u32, record: Record) -> Step {
        let Record::Assign {
            id,
            at_ms,
            session,
            target,
            text,
            ..
        } = &record
        else {
            return None;
        };
        if !self.ids.insert(self.id_hash(id)) {
            return None;
        }
        let (keep_ms, now_ms) = (self.keep_ms, self.now_ms);
        let k = i as usize;
        if let Conv::Done(d) = &mut self.convs[k] {
            // A folded conversation takes later assigns, unless one makes
            // it recent again.
            d.last_ms = d.last_ms.max(*at_ms);
            if now_ms - d.last_ms <= keep_ms {
                return None;
            }
            d.assigns.push(id.clone());
        } else {
            let st = self.live(k)?;
            rb::plan_assign(st, id, *at_ms, session, target, text.as_deref());
        }
        self.assigns.push((i, record));
        Some(())
    }

    /// A sent, outcome or callback record of conversation `i`: it must
    /// name one of its requests or assigns.
    fn answer(&mut self, i: u32, c: &str, record: Record) -> Step {
        let k = i as usize;
        let st = match &mut self.convs[k] {
            Conv::Live(st) => st,
            Conv::Done(d) => {
                let id = record.id()?;
                // Its answers go with it when it is folded.
                return d.assigns.iter().any(|a| a == id).then_some(());
            }
            Conv::Named => return None,
        };
        let is_assign = match &record {
            Record::Sent { id, .. } => {
                if let Some(r) = find(&mut st.requests, id, |r| &r.id) {
                    if matches!(r.fate, RequestFate::Queued | RequestFate::Failed { .. }) {
                        rb::request_sent(r);
                    }
                    false
                } else if let Some(a) = find(&mut st.assigns, id, |a| &a.id) {
                    rb::assign_sent(a);
                    true
                } else {
                    // Sent again after it was delivered: nothing changes.
                    return self.was_delivered(i, id).then_some(());
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
                if let Some(a) = find(&mut st.assigns, id, |a| &a.id) {
                    rb::assign_answered(a, *ok, message);
                    true
                } else if let Some(at) = st.requests.iter().rposition(|r| r.id == *id) {
                    rb::request_answered(c, st, at, (*ok, *status, message, *at_ms));
                    if matches!(st.requests[at].fate, RequestFate::Delivered { .. }) {
                        // Delivered: no later record of it is written,
                        // so it needs no number from here on.
                        if self.brief {
                            let r = st.requests.remove(at);
                            if st.requests.is_empty() {
                                // Its room goes too: a conversation whose
                                // requests were all delivered (most of a
                                // long journal) kept room for four.
                                st.requests = Vec::new();
                            }
                            let ids = self.delivered.entry(i).or_default();
                            ids.push(r.id.into_boxed_str());
                        }
                    }
                    false
                } else {
                    // Told again after it was delivered: only a success
                    // changes nothing.
                    return (*ok && self.was_delivered(i, id)).then_some(());
                }
            }
            Record::Callback {
                id: Some(id),
                ok,
                summary,
                ..
            } => {
                rb::assign_called_back(find(&mut st.assigns, id, |a| &a.id)?, *ok, summary);
                true
            }
            _ => return None,
        };
        if is_assign {
            self.assigns.push((i, record));
        }
        Some(())
    }

    /// Brief: whether request `id` of conversation `i` was delivered.
    fn was_delivered(&self, i: u32, id: &str) -> bool {
        self.delivered
            .get(&i)
            .is_some_and(|ids| ids.iter().any(|d| **d == *id))
    }

    /// Folds conversation `i` down to its numbers once it has ended with
    /// every request settled and is older than keep_ended: its ids map
    /// nowhere from now on.
    fn settle(&mut self, i: u32) {
        let k = i as usize;
        let Conv::Live(st) = &self.convs[k] else {
            return;
        };
        if !(settled(st) && self.old(st.last_ms)) {
            return;
        }
        let Conv::Live(st) = std::mem::replace(&mut self.convs[k], Conv::Named) else {
            return;
        };
        let assigns: Vec<String> = st.assigns.into_iter().map(|a| a.id).collect();
        let delivered = self.delivered.remove(&i).map_or(0, |ids| ids.len());
        self.convs[k] = Conv::Done(Done {
            last_ms: st.last_ms,
            requests: st.requests.len() + delivered,
            assigns,
        });
    }

    /// A line of no conversation: a session's assign and its answers, or
    /// an answer nothing planned. One that `rebuild` would apply to a
    /// conversation is for the full path.
    fn loose(&mut self, record: Record) -> Step {
        match &record {
            Record::Assign { id, .. } => {
                if !self.ids.insert(self.id_hash(id)) {
                    return None;
                }
                self.loose_assigns.insert(id.clone());
            }
            Record::Sent { id, .. } | Record::Outcome { id, .. } => {
                self.loose_answer(id)?;
            }
            Record::Callback { id: Some(id), .. } => {
                self.loose_answer(id)?;
            }
            Record::Callback { id: None, .. } => return Some(()),
            Record::Request { .. } | Record::Summary { .. } => return None,
        }
        if record
            .id()
            .is_some_and(|id| self.loose_assigns.contains(id))
        {
            self.assigns.push((NO_CONV, record));
        }
        Some(())
    }

    /// An answer outside every conversation: its id must be a session's
    /// assign or unknown.
    fn loose_answer(&self, id: &str) -> Step {
        (self.loose_assigns.contains(id) || !self.ids.contains(&self.id_hash(id))).then_some(())
    }
}

impl Scanner {
    /// What to fold and what stays, once every line is read; `None` when
    /// a folded conversation turned out not to be (left to the full path).
    fn finish(self) -> Option<Scanned> {
        let mut names: Vec<String> = vec![String::new(); self.convs.len()];
        for (c, i) in self.index {
            names[i as usize] = c;
        }
        let mut conv_of = HashMap::new();
        let mut delivered = self.delivered;
        let mut kept_delivered = BTreeMap::new();
        let mut folded = vec![false; names.len()];
        let mut fold = Fold::new();
        let mut states = BTreeMap::new();
        for (k, conv) in self.convs.into_iter().enumerate() {
            let old = |last_ms: i64| self.now_ms - last_ms > self.keep_ms;
            match conv {
                Conv::Named => {}
                Conv::Done(d) if old(d.last_ms) => {
                    folded[k] = true;
                    fold.insert(names[k].clone(), d.requests);
                }
                Conv::Done(_) => return None,
                Conv::Live(st) if settled(&st) && old(st.last_ms) => {
                    folded[k] = true;
                    let brief = delivered.remove(&(k as u32)).map_or(0, |ids| ids.len());
                    fold.insert(names[k].clone(), st.requests.len() + brief);
                }
                Conv::Live(mut st) => {
                    // A delivered request takes no more lines, so needs
                    // no number; every other request and assign may.
                    let numbered = st
                        .requests
                        .iter()
                        .filter(|r| !matches!(r.fate, RequestFate::Delivered { .. }))
                        .map(|r| &r.id)
                        .chain(st.assigns.iter().map(|a| &a.id));
                    for id in numbered {
                        conv_of.insert(id.clone(), names[k].clone());
                    }
                    rb::list_open(&mut st);
                    states.insert(names[k].clone(), *st);
                    if let Some(ids) = delivered.remove(&(k as u32)) {
                        kept_delivered.insert(names[k].clone(), ids);
                    }
                }
            }
        }
        let keep = self
            .line_conv
            .iter()
            .map(|&i| match i {
                NO_CONV => true,
                STALE => false,
                i => !folded[i as usize],
            })
            .collect();
        let plan = FoldPlan {
            fold,
            stale_summaries: self.stale_summaries,
            keep,
            lens: self.line_len,
        };
        let stays = |k: usize| !folded[k];
        let mut next_seq = self.loose_seq;
        let mut cseq = HashMap::new();
        for k in (0..names.len()).filter(|k| stays(*k)) {
            next_seq = next_seq.max(self.seq[k]);
            if let Some(n) = self.cseq[k] {
                cseq.insert(names[k].clone(), n);
            }
        }
        let holds = holds(&plan, &self.gaps, &names, &folded);
        let assigns = self
            .assigns
            .into_iter()
            .filter(|(i, _)| *i == NO_CONV || stays(*i as usize))
            .map(|(_, r)| r)
            .collect();
        Some(Scanned {
            plan,
            states,
            holds,
            next_seq: next_seq + 1,
            cseq,
            conv_of,
            assigns,
            delivered: kept_delivered,
        })
    }
}

/// The conversations whose count of lines breaks, with why, named by the
/// lines they will have once the plan is written.
fn holds(
    plan: &FoldPlan,
    gaps: &FastMap<u32, (usize, u64, u64)>,
    names: &[String],
    folded: &[bool],
) -> BTreeMap<String, String> {
    let kept: Vec<(u32, &(usize, u64, u64))> = gaps
        .iter()
        .filter(|(i, _)| !folded[**i as usize])
        .map(|(i, g)| (*i, g))
        .collect();
    let mut lines: Vec<usize> = kept.iter().map(|(_, g)| g.0).collect();
    lines.sort_unstable();
    let renumbered = plan.changes().then(|| plan.renumbered(&lines));
    kept.into_iter()
        .map(|(i, &(line, last, n))| {
            let line = renumbered
                .as_ref()
                .and_then(|r| r.get(&line).copied())
                .unwrap_or(line);
            (names[i as usize].clone(), history_gap(line, last, n))
        })
        .collect()
}

/// Writes the compacted journal to `out`: a summary line per folded
/// conversation, then every line of `file` the plan keeps, copied as it
/// is. Returns the bytes written.
pub(super) fn write_folded(
    file: &File,
    plan: &FoldPlan,
    now_ms: i64,
    out: &mut File,
) -> io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    let mut written = 0u64;
    let mut line = Vec::new();
    for (conversation, requests) in &plan.fold {
        line.clear();
        encode_summary(conversation, now_ms, *requests, &mut line)?;
        w.write_all(&line)?;
        written += line.len() as u64;
    }
    // The file is locked: a length other than the lines the plan saw
    // means it changed.
    let total: u64 = plan.lens.iter().map(|n| u64::from(*n)).sum();
    if file.metadata()?.len() != total || plan.lens.len() != plan.keep.len() {
        return Err(io::Error::other(
            "the journal changed while it was compacted",
        ));
    }
    // Each run of kept lines, copied by its place in the file.
    let mut buf = vec![0u8; 1 << 16];
    let mut at = 0u64;
    let mut run: Option<(u64, u64)> = None;
    for (kept, len) in plan.keep.iter().zip(&plan.lens) {
        let len = u64::from(*len);
        if *kept {
            // Kept lines side by side make one run.
            match &mut run {
                Some((_, to)) => *to = at + len,
                None => run = Some((at, at + len)),
            }
        } else if let Some(range) = run.take() {
            written += copy_range(file, range, &mut buf, &mut w)?;
        }
        at += len;
    }
    if let Some(range) = run.take() {
        written += copy_range(file, range, &mut buf, &mut w)?;
    }
    w.flush()?;
    Ok(written)
}

/// Copies bytes `from..to` of `file` to `out`; returns how many.
fn copy_range(
    file: &File,
    (from, to): (u64, u64),
    buf: &mut [u8],
    out: &mut impl Write,
) -> io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let mut at = from;
    while at < to {
        let n = buf.len().min((to - at) as usize);
        file.read_exact_at(&mut buf[..n], at)?;
        out.write_all(&buf[..n])?;
        at += n as u64;
    }
    Ok(to - from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentRef, Event};
    use crate::runtime::journal::{self, Journal, Restored};
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

    /// A start's result as text: states, assigns, holds, warnings.
    fn restored_text(r: &Restored) -> String {
        format!(
            "{:#?}\n{:#?}\n{:?}\n{:?}\n{:?}",
            r.states, r.assigns, r.holds, r.hold_all, r.warnings
        )
    }

    /// Where a journal numbers on: next seq, cseq and conv_of, sorted; of
    /// conv_of, the requests `r` has not delivered (a delivered request
    /// takes no more lines, and the streaming start keeps none of them).
    fn numbering_text(j: &Journal, r: &Restored) -> String {
        let cseq: BTreeMap<_, _> = j.cseq.iter().collect();
        let delivered: HashSet<&str> = r
            .states
            .values()
            .flat_map(|st| &st.requests)
            .filter(|q| matches!(q.fate, RequestFate::Delivered { .. }))
            .map(|q| q.id.as_str())
            .collect();
        let conv_of: BTreeMap<_, _> = j
            .conv_of
            .iter()
            .filter(|(id, _)| !delivered.contains(id.as_str()))
            .collect();
        format!("{} {} {cseq:?} {conv_of:?}", j.next_seq, j.len)
    }

    /// Starts on `path` by the streaming pass and on a copy as starts went
    /// before it (the fold at open, every record read, compacted, rebuilt):
    /// both must restore the same, number on the same and leave the same
    /// file; appends after must match byte for byte. The conversations
    /// match those of a read with no fold at open too. Returns whether the
    /// streaming pass judged it, and the streaming start's result.
    fn assert_same_start(path: &Path, now: i64) -> (bool, Restored) {
        let full = path.with_extension("full.jsonl");
        std::fs::copy(path, &full).unwrap();
        let plain = path.with_extension("plain.jsonl");
        std::fs::copy(path, &plain).unwrap();
        let brief = path.with_extension("brief.jsonl");
        std::fs::copy(path, &brief).unwrap();
        let judged = scan(&File::open(path).unwrap(), KEEP, now, false)
            .unwrap()
            .is_some();
        let (mut fast, restored) = Journal::open_rebuilt(path, KEEP, now, false).unwrap();
        let (mut slow, mut replay) = Journal::open_folding(&full, KEEP, now).unwrap();
        slow.compact(&mut replay, KEEP, now).unwrap();
        let whole = Restored::from_replay(replay);
        {
            let (mut j, mut replay) = Journal::open(&plain).unwrap();
            j.compact(&mut replay, KEEP, now).unwrap();
            let plain = Restored::from_replay(replay);
            assert_eq!(
                format!("{:?} {:?}", plain.states, plain.assigns),
                format!("{:?} {:?}", restored.states, restored.assigns)
            );
        }
        std::fs::remove_file(&plain).unwrap();
        // Brief: the same, with the delivered requests kept by id.
        {
            let (j, short) = Journal::open_rebuilt(&brief, KEEP, now, true).unwrap();
            let named = |r: &Restored| {
                let text = format!("{r:?}");
                text.replace(".brief.jsonl", ".jsonl")
                    .replace(".full.jsonl", ".jsonl")
            };
            let whole = Restored::from_replay(journal::read(&full).unwrap()).brief();
            assert_eq!(named(&short), named(&whole));
            assert_eq!(
                numbering_text(&j, &restored),
                numbering_text(&fast, &restored)
            );
        }
        std::fs::remove_file(&brief).unwrap();
        // The warnings name the file: compare them on the same name.
        let named = |r: &Restored| restored_text(r).replace(".full.jsonl", ".jsonl");
        assert_eq!(named(&restored), named(&whole));
        assert_eq!(numbering_text(&fast, &whole), numbering_text(&slow, &whole));
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            std::fs::read_to_string(&full).unwrap(),
            "the compacted files differ"
        );
        // The compacted file, read whole, restores what the start restored.
        let reread = Restored::from_replay(journal::read(path).unwrap());
        assert_eq!(restored_text(&reread), restored_text(&restored));
        let more = [
            sent("r-late", now),
            outcome("r-late", true, now),
            Record::Callback {
                id: Some("as-late".into()),
                at_ms: now,
                ok: true,
                summary: "late".into(),
            },
        ];
        let ids: Vec<String> = restored
            .states
            .values()
            .flat_map(|st| &st.requests)
            // What a restart sends again, or drops: never a delivered one.
            .filter(|r| !matches!(r.fate, RequestFate::Delivered { .. }))
            .map(|r| r.id.clone())
            .take(3)
            .collect();
        let answers: Vec<Record> = ids.iter().map(|id| sent(id, now)).collect();
        for j in [&mut fast, &mut slow] {
            j.append_batch(&more).unwrap();
            j.append_batch(&answers).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            std::fs::read_to_string(&full).unwrap(),
            "appends after the start differ"
        );
        drop((fast, slow));
        std::fs::remove_file(&full).unwrap();
        (judged, restored)
    }

    /// A small random generator, the same run to run.
    struct Dice(u64);

    impl Dice {
        fn roll(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// A journal of `count` conversations whose lines interleave: each
    /// enters, maybe has a second agent join and leave, maybe ends; each
    /// request is delivered, failed, sent with no answer or never sent;
    /// some are old, some recent; some have assigns and callbacks; and
    /// sessions are assigned outside any conversation.
    fn generated(path: &Path, count: usize, seed: u64) {
        let mut dice = Dice(seed);
        let mia = AgentRef::new("a-1", "Mia");
        let raj = AgentRef::new("a-2", "Raj");
        let mut convs: Vec<Vec<Record>> = Vec::new();
        for c in 0..count {
            let conv = format!("c-gen-{c}");
            let at = if dice.roll(3) == 0 {
                NOW - 10
            } else {
                10 + c as i64
            };
            let mut events = vec![Event::na_entry(mia.clone())];
            if dice.roll(2) == 0 {
                events.push(Event::warm_entry(raj.clone()));
                events.push(Event::warm_exit(raj.clone()));
            }
            if dice.roll(4) != 0 {
                events.push(Event::na_exit(mia.clone()));
                events.push(Event::EndOfConversation { agent: None });
            }
            let mut out = Vec::new();
            for (k, ev) in events.into_iter().enumerate() {
                let id = format!("r-{conv}-{k}");
                out.push(request(&id, &conv, ev, at));
                match dice.roll(12) {
                    0 => {}
                    1 => out.push(sent(&id, at)),
                    2 => {
                        out.push(sent(&id, at));
                        out.push(outcome(&id, false, at));
                    }
                    _ => {
                        out.push(sent(&id, at));
                        out.push(outcome(&id, true, at));
                    }
                }
            }
            if dice.roll(5) == 0 {
                let id = format!("as-{conv}");
                out.push(Record::Assign {
                    id: id.clone(),
                    at_ms: at,
                    session: format!("s-{c}"),
                    target: "queue:qu-1".into(),
                    conversation: Some(conv.clone()),
                    text: None,
                });
                out.push(sent(&id, at));
                out.push(outcome(&id, true, at));
                if dice.roll(2) == 0 {
                    out.push(Record::Callback {
                        id: Some(id),
                        at_ms: at,
                        ok: dice.roll(2) == 0,
                        summary: "done".into(),
                    });
                }
            }
            if dice.roll(6) == 0 {
                let id = format!("b-key{c}-1of1-abcdef");
                out.push(Record::Assign {
                    id: id.clone(),
                    at_ms: at,
                    session: format!("s-loose-{c}"),
                    target: "agent:a-1".into(),
                    conversation: None,
                    text: None,
                });
                out.push(sent(&id, at));
            }
            convs.push(out);
        }
        let (mut j, _) = Journal::open(path).unwrap();
        // Interleaved: a line from a conversation picked at random in turn.
        let mut next: Vec<usize> = vec![0; convs.len()];
        let mut left: Vec<usize> = (0..convs.len()).collect();
        while !left.is_empty() {
            let pick = dice.roll(left.len() as u64) as usize;
            let c = left[pick];
            j.append(&convs[c][next[c]]).unwrap();
            next[c] += 1;
            if next[c] == convs[c].len() {
                left.swap_remove(pick);
            }
        }
    }

    /// Issue 18.12: the streaming start restores what the full one does,
    /// over generated journals: the compacted file, the numbering, the
    /// holds and every conversation's state, fate by fate.
    #[test]
    fn the_streaming_start_restores_what_the_full_read_does() {
        let dir = tempfile::tempdir().unwrap();
        for seed in 1..=6 {
            let path = dir.path().join(format!("gen-{seed}.jsonl"));
            generated(&path, 60, seed * 7919);
            let (judged, restored) = assert_same_start(&path, NOW);
            assert!(judged, "a regular journal is judged by the streaming pass");
            assert!(!restored.states.is_empty());
            // And the next start, on the compacted file with the appends
            // of the last, later: more of it is old by then. (A `sent`
            // appended for a request of a conversation that is folded as
            // it is read sends that start the full way: a resend may
            // unsettle it.)
            let (_, again) = assert_same_start(&path, NOW + KEEP);
            assert!(again.states.len() < restored.states.len());
        }
    }

    /// A request told failed after it was told delivered, in a conversation
    /// that stays: the streaming start numbers on as the full read does
    /// (its numbering is made from the states that stay).
    #[test]
    fn a_failure_told_after_the_success_starts_as_the_full_read_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("late.jsonl");
        let (mut j, _) = Journal::open(&path).unwrap();
        let mia = AgentRef::new("a-1", "Mia");
        let raj = AgentRef::new("a-2", "Raj");
        j.append_batch(&[
            request("r-1", "c-live", Event::na_entry(mia.clone()), NOW - 10),
            sent("r-1", NOW - 10),
            outcome("r-1", true, NOW - 10),
            request("r-2", "c-live", Event::warm_entry(raj), NOW - 9),
            outcome("r-1", false, NOW - 8),
            request("r-3", "c-live", Event::na_exit(mia), NOW - 7),
            sent("r-3", NOW - 7),
        ])
        .unwrap();
        drop(j);
        let (judged, restored) = assert_same_start(&path, NOW);
        assert!(judged, "a regular journal is judged by the streaming pass");
        let fates: Vec<_> = restored.states["c-live"]
            .requests
            .iter()
            .map(|r| &r.fate)
            .collect();
        assert!(matches!(fates[0], RequestFate::Failed { .. }), "{fates:?}");
    }

    /// The kept lines are copied by their place in the file: a file that
    /// grew or shrank after the pass is refused, not copied askew.
    #[test]
    fn a_journal_that_changed_after_the_pass_is_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write_mixed(&path);
        let file = File::open(&path).unwrap();
        let plan = scan(&file, KEEP, NOW, false).unwrap().expect("judged").plan;
        assert!(plan.changes());
        let mut out = tempfile::tempfile().unwrap();
        assert!(write_folded(&file, &plan, NOW, &mut out).is_ok());
        let mut grown = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        grown.write_all(b"{}\n").unwrap();
        let mut out = tempfile::tempfile().unwrap();
        let e = write_folded(&file, &plan, NOW, &mut out).unwrap_err();
        assert!(
            e.to_string().contains("changed while it was compacted"),
            "{e}"
        );
    }

    /// A journal longer than the reading thread may run ahead of the fold
    /// (batches of lines in flight): the same start as the full read, its
    /// batches taken in order.
    #[test]
    fn a_journal_of_many_batches_starts_as_the_full_read_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.jsonl");
        generated(&path, 1_500, 104_729);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        let in_flight = LINES_PER_BATCH * PARSERS * (2 * BATCHES_AHEAD + 2);
        assert!(lines > in_flight, "{lines} lines");
        let (judged, restored) = assert_same_start(&path, NOW);
        assert!(judged, "a regular journal is judged by the streaming pass");
        assert!(!restored.states.is_empty());
    }

    /// A damaged line near the start of a long journal ends the pass while
    /// the reading thread still has lines to give: it must not wait for
    /// the fold for ever.
    #[test]
    fn a_damaged_line_early_in_a_long_journal_ends_the_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.jsonl");
        generated(&path, 1_500, 7);
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text.find('\n').unwrap() + 1;
        let damaged = format!("{}{{\"kind\":\"sent\" torn\n{}", &text[..at], &text[at..]);
        std::fs::write(&path, damaged).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || tx.send(plan(&p)).unwrap());
        // Not a timing bound: a pass that waits for ever never answers.
        let answer = rx.recv_timeout(std::time::Duration::from_secs(120));
        assert_eq!(answer.expect("the pass ended"), None);
    }

    /// Lines of a history lost: the holds name the lines the compacted
    /// file has, as the full read (after the fold) names them.
    #[test]
    fn a_gap_is_held_and_named_by_its_line_after_the_fold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gap.jsonl");
        generated(&path, 40, 42);
        let text = std::fs::read_to_string(&path).unwrap();
        // Drop the second line of two kept conversations (open ones).
        let mut dropped = 0;
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                let gone = dropped < 2
                    && l.contains(r#""cseq":2"#)
                    && (l.contains("c-gen-3\"") || l.contains("c-gen-39\""));
                dropped += usize::from(gone);
                !gone
            })
            .collect();
        assert_eq!(dropped, 2);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let (judged, restored) = assert_same_start(&path, NOW);
        assert!(judged);
        assert!(!restored.holds.is_empty(), "{restored:?}");
    }

    /// An ended conversation with every request settled is folded as its
    /// lines are read: only its summary is left, the start restores it no
    /// more, and what is held of the rest is exactly what `rebuild` makes.
    /// One with a request still unsettled keeps all of it.
    #[test]
    fn a_settled_conversation_is_dropped_as_read_and_an_unsettled_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write_mixed(&path);
        let (judged, restored) = assert_same_start(&path, NOW);
        assert!(judged);
        assert!(!restored.states.contains_key("c-old-1"));
        assert_eq!(summaries(&path, "c-old-1"), 1);
        // Recent and ended: kept whole, every request delivered.
        let recent = &restored.states["c-recent"];
        assert_eq!(recent.requests.len(), 3);
        assert_eq!(recent.roster.phase(), Phase::Ended);
        // Ended long ago, but its end sent again with no answer: unknown.
        let resent = &restored.states["c-resent"];
        assert_eq!(resent.unknown, ["r-c-resent-2"]);
        assert_eq!(resent.requests.len(), 3);
        // Its end failed: not settled as ended, kept.
        assert_eq!(restored.states["c-old-2"].requests.len(), 3);
        // The session's assign stays for `assign --batch`.
        assert!(
            restored
                .assigns
                .iter()
                .any(|r| matches!(r, Record::Assign { id, .. } if id == "as-2"))
        );
        assert!(
            !restored.assigns.iter().any(|r| r.id() == Some("as-1")),
            "folded with its conversation"
        );
    }

    /// What the pass cannot judge goes the full way, with the same result.
    #[test]
    fn an_irregular_journal_is_started_the_full_way() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write_mixed(&path);
        let mut text = std::fs::read_to_string(&path).unwrap();
        let at = text.find('\n').unwrap() + 1;
        text.insert_str(at, "{\"kind\":\"sent\",\"id\":\"r-x\" not json\n");
        std::fs::write(&path, &text).unwrap();
        let (judged, restored) = assert_same_start(&path, NOW);
        assert!(!judged);
        assert!(restored.hold_all.is_some() || !restored.holds.is_empty());
    }
}
