//! Reading the journal back: lines read with a cap (a longer one is
//! damage, never read whole), checked (sum, order, gaps) and turned into a
//! [`Replay`] whose holds name what the file cannot prove.

use super::journal_record::{
    DamagedLine, LineMeta, MAX_LINE_BYTES, Record, Replay, conversation_of, verify_sum,
};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

/// The conversations a damaged line may belong to: what its `c` and
/// `conversation` fields say, and the conversation of its `id`. A damaged
/// line may lie about any one of them, so all are taken.
pub(super) fn salvage_conversations(
    bytes: &[u8],
    conv_of: &BTreeMap<String, String>,
) -> Vec<String> {
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

pub(super) fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

/// Reads every record; returns them and the length of the good prefix.
pub(super) fn read_file(file: &File, path: &Path) -> io::Result<(Replay, u64)> {
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
pub(super) fn check_history(replay: &mut Replay, lines: &[usize], path: &Path) {
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
    // Said after the damaged lines, which name the cause more directly.
    let gaps = history_gaps(replay, &kept, lines);
    hold_damaged(replay, &mut holds);
    for (c, why) in gaps {
        holds.entry(c).or_insert(why);
    }
    for (c, why) in &holds {
        replay.warnings.push(held_warning(path, c, why));
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

/// Each conversation's lines must count 1, 2, 3… in the order written:
/// the conversations whose count skips or goes back, with why.
fn history_gaps(replay: &Replay, kept: &[usize], lines: &[usize]) -> BTreeMap<String, String> {
    let mut counts: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    let mut gaps: BTreeMap<String, String> = BTreeMap::new();
    for &i in kept {
        let m = &replay.meta[i];
        let (Some(c), Some(n)) = (m.conversation.as_deref(), m.cseq) else {
            continue;
        };
        let (last, _) = counts.entry(c).or_insert((0, lines[i]));
        if n != *last + 1 {
            gaps.entry(c.to_string())
                .or_insert_with(|| history_gap(lines[i], *last, n));
        }
        *last = (*last).max(n);
    }
    gaps
}

/// Why a conversation is held whose line `line` counts `n` in its history
/// after `last`.
pub(super) fn history_gap(line: usize, last: u64, n: u64) -> String {
    if n <= last {
        format!("journal line {line} is out of step with its history")
    } else {
        format!(
            "{} line(s) of its history before journal line {line} are missing or damaged",
            n - last - 1
        )
    }
}

/// What the journal's warnings say of a held conversation.
pub(super) fn held_warning(path: &Path, conversation: &str, why: &str) -> String {
    format!(
        "{}: {conversation} is held: {why}; nothing of it is sent until you resend (r) or drop (:drop) it",
        path.display()
    )
}

/// Damaged lines: each holds the conversations it may belong to, or every
/// conversation when it names none the intact lines know.
fn hold_damaged(replay: &mut Replay, holds: &mut BTreeMap<String, String>) {
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
}
