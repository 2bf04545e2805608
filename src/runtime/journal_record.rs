//! What the journal holds, line by line: the records, the line facts each
//! line carries (seq, conversation, cseq) and its checksum, and what a read
//! gives back ([`Replay`]). Every other journal file builds on this one.

pub use crate::app::restore::{
    AssignFate, ConversationState, JournaledAssign, JournaledRequest, RequestFate,
};
use crate::domain::Event;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;

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

/// The line [`encode`] makes of a `Summary` of `conversation` (with its
/// line facts: the conversation, no seq, no cseq), written straight into
/// `out`: a start that folds a long history writes one per conversation
/// folded, and going through a JSON value for each was a tenth of it.
pub(super) fn encode_summary(
    conversation: &str,
    at_ms: i64,
    requests: usize,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    use std::io::Write as _;
    let start = out.len();
    // The keys in the order a JSON value's map sorts them.
    write!(out, "{{\"at_ms\":{at_ms},\"c\":")?;
    serde_json::to_writer(&mut *out, conversation).map_err(io::Error::other)?;
    out.extend_from_slice(b",\"conversation\":");
    serde_json::to_writer(&mut *out, conversation).map_err(io::Error::other)?;
    write!(out, ",\"kind\":\"summary\",\"requests\":{requests}}}")?;
    let sum = checksum(&out[start..]);
    out.pop(); // the closing brace
    writeln!(out, ",\"sum\":\"{sum}\"}}")?;
    Ok(())
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
    if lower_hex(&digest[..4]) == sum.as_bytes() {
        Ok(true)
    } else {
        Err("its checksum does not match (the line was changed)".to_string())
    }
}

/// Four bytes in lowercase hex, as `hex::encode` writes them, without a
/// `String` (once per line read).
fn lower_hex(bytes: &[u8]) -> [u8; 8] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 8];
    for (i, b) in bytes.iter().take(4).enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
    }
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
/// The longest journal line read (bytes). A record is a few hundred bytes;
/// a longer line is damage, reported as such, and never read whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The sum is compared as `hex::encode` wrote it: lowercase only.
    #[test]
    fn sums_are_read_as_hex_encode_writes_them() {
        for bytes in [
            [0u8; 4],
            [0xff; 4],
            [0x1a, 0x2b, 0x3c, 0x4d],
            [9, 10, 0xa0, 0x0f],
        ] {
            assert_eq!(lower_hex(&bytes), hex::encode(bytes).as_bytes());
        }
        let line = encode(
            &Record::Sent {
                id: "r-1".into(),
                at_ms: 1,
                attempt: 1,
            },
            &LineMeta::default(),
        )
        .unwrap();
        let text = std::str::from_utf8(&line).unwrap().trim();
        assert_eq!(verify_sum(text), Ok(true));
        // The same sum in capitals is not the sum written.
        let (head, sum) = text.split_at(text.len() - 10);
        let upper = format!("{head}{}", sum.to_uppercase());
        if upper != text {
            assert!(verify_sum(&upper).is_err(), "{upper}");
        }
    }
    /// A summary written straight is the line `encode` makes of it.
    #[test]
    fn a_summary_written_straight_is_the_encoded_one() {
        for (conversation, at_ms, requests) in [
            ("c-1", 4_000_000_000_000, 3),
            ("", 0, 0),
            ("a\"b\\c/d", -5, usize::MAX),
            ("\u{1}\n\t\u{7f}ü→😀\u{202e}", i64::MIN, 1),
            ("c-ended-110999", i64::MAX, 9),
        ] {
            let record = Record::Summary {
                conversation: conversation.into(),
                at_ms,
                requests,
            };
            let meta = LineMeta {
                seq: None,
                conversation: Some(conversation.into()),
                cseq: None,
            };
            let mut out = b"before".to_vec();
            encode_summary(conversation, at_ms, requests, &mut out).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out[6..]),
                String::from_utf8_lossy(&encode(&record, &meta).unwrap())
            );
        }
    }
}
