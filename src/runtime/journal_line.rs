//! Reading one journal line in one pass: the record and the line facts
//! together. serde's internally tagged `Record` buffers every field of a
//! line before it can look at `kind` (which sorts into the middle of the
//! line), and the line facts were a second parse of the same text; on a
//! start over a journal of a million lines those two parses were most of
//! the time. Here one flat struct takes every field a record may have,
//! and the record is made from it by `kind`, with the same rules: a
//! missing field, a field of the wrong type or an unknown kind is an error.

use super::journal_record::{LineMeta, Record};
use crate::domain::Event;
use serde::Deserialize;
use serde::de::Error as _;
use std::borrow::Cow;

/// Every field any record or the line facts may carry. Unknown fields are
/// ignored, as the derived readers ignore them.
#[derive(Deserialize)]
struct Flat<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    id: Option<String>,
    at_ms: Option<i64>,
    conversation: Option<String>,
    event: Option<Event>,
    experience: Option<String>,
    language: Option<String>,
    action: Option<String>,
    attempt: Option<u32>,
    ok: Option<bool>,
    status: Option<u16>,
    message: Option<String>,
    attempts: Option<u32>,
    session: Option<String>,
    target: Option<String>,
    text: Option<String>,
    requests: Option<usize>,
    summary: Option<String>,
    seq: Option<u64>,
    c: Option<String>,
    cseq: Option<u64>,
}

fn need<T>(value: Option<T>, field: &'static str) -> Result<T, serde_json::Error> {
    value.ok_or_else(|| serde_json::Error::missing_field(field))
}

/// The record and the line facts of one line (its text, sum included).
pub(super) fn parse(text: &str) -> Result<(Record, LineMeta), serde_json::Error> {
    let f: Flat = serde_json::from_str(text)?;
    let meta = LineMeta {
        seq: f.seq,
        conversation: f.c,
        cseq: f.cseq,
    };
    let record = match f.kind.as_ref() {
        "request" => Record::Request {
            id: need(f.id, "id")?,
            at_ms: need(f.at_ms, "at_ms")?,
            conversation: need(f.conversation, "conversation")?,
            event: need(f.event, "event")?,
            experience: need(f.experience, "experience")?,
            language: need(f.language, "language")?,
            action: need(f.action, "action")?,
        },
        "sent" => Record::Sent {
            id: need(f.id, "id")?,
            at_ms: need(f.at_ms, "at_ms")?,
            attempt: need(f.attempt, "attempt")?,
        },
        "outcome" => Record::Outcome {
            id: need(f.id, "id")?,
            at_ms: need(f.at_ms, "at_ms")?,
            ok: need(f.ok, "ok")?,
            status: f.status,
            message: need(f.message, "message")?,
            attempts: f.attempts.unwrap_or_default(),
        },
        "assign" => Record::Assign {
            id: need(f.id, "id")?,
            at_ms: need(f.at_ms, "at_ms")?,
            session: need(f.session, "session")?,
            target: need(f.target, "target")?,
            conversation: f.conversation,
            text: f.text,
        },
        "summary" => Record::Summary {
            conversation: need(f.conversation, "conversation")?,
            at_ms: need(f.at_ms, "at_ms")?,
            requests: need(f.requests, "requests")?,
        },
        "callback" => Record::Callback {
            id: f.id,
            at_ms: need(f.at_ms, "at_ms")?,
            ok: need(f.ok, "ok")?,
            summary: need(f.summary, "summary")?,
        },
        other => {
            return Err(serde_json::Error::unknown_variant(
                other,
                &[
                    "request", "sent", "outcome", "assign", "summary", "callback",
                ],
            ));
        }
    };
    Ok((record, meta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgentRef;
    use crate::runtime::journal_record::encode;

    fn every_kind() -> Vec<Record> {
        vec![
            Record::Request {
                id: "r-1".into(),
                at_ms: 5,
                conversation: "c-1".into(),
                event: Event::na_entry(AgentRef::new("a-1", "Mia")),
                experience: "chat".into(),
                language: "en".into(),
                action: "enter Mia".into(),
            },
            Record::Sent {
                id: "r-1".into(),
                at_ms: 6,
                attempt: 2,
            },
            Record::Outcome {
                id: "r-1".into(),
                at_ms: 7,
                ok: false,
                status: Some(400),
                message: "400 \"already present\"".into(),
                attempts: 1,
            },
            Record::Outcome {
                id: "r-2".into(),
                at_ms: 7,
                ok: true,
                status: None,
                message: "sent".into(),
                attempts: 0,
            },
            Record::Assign {
                id: "as-1".into(),
                at_ms: 8,
                session: "s-1".into(),
                target: "agent:a-1".into(),
                conversation: Some("c-1".into()),
                text: Some("assign → Mia".into()),
            },
            Record::Assign {
                id: "as-2".into(),
                at_ms: 8,
                session: "s-2".into(),
                target: "queue:qu-1".into(),
                conversation: None,
                text: None,
            },
            Record::Summary {
                conversation: "c-0".into(),
                at_ms: 9,
                requests: 3,
            },
            Record::Callback {
                id: Some("as-1".into()),
                at_ms: 10,
                ok: true,
                summary: "transferred".into(),
            },
            Record::Callback {
                id: None,
                at_ms: 10,
                ok: false,
                summary: "unmatched".into(),
            },
        ]
    }

    /// Each kind reads back as the derived reader reads it, facts included.
    #[test]
    fn every_kind_reads_as_the_derived_reader_reads_it() {
        for (i, record) in every_kind().into_iter().enumerate() {
            let meta = LineMeta {
                seq: Some(i as u64 + 1),
                conversation: Some("c-1".into()),
                cseq: (i % 2 == 0).then_some(i as u64),
            };
            let line = encode(&record, &meta).unwrap();
            let text = std::str::from_utf8(&line).unwrap().trim();
            let derived: Record = serde_json::from_str(text).unwrap();
            let derived_meta: LineMeta = serde_json::from_str(text).unwrap();
            assert_eq!(parse(text).unwrap(), (derived, derived_meta), "{text}");
            assert_eq!(parse(text).unwrap().0, record);
        }
    }

    /// What the derived reader refuses, this refuses too.
    #[test]
    fn what_the_derived_reader_refuses_is_refused() {
        for text in [
            r#"{"kind":"sent","id":"r-1","at_ms":1}"#,
            r#"{"kind":"sent","id":"r-1","at_ms":"1","attempt":1}"#,
            r#"{"kind":"launch","id":"r-1","at_ms":1}"#,
            r#"{"id":"r-1","at_ms":1,"attempt":1}"#,
            r#"{"kind":"request","id":"r-1","at_ms":1,"conversation":"c","experience":"chat","language":"en","action":"x","event":{"event":"nope"}}"#,
            r#"{"kind":"outcome","id":"r-1","at_ms":1,"ok":"yes","message":"m"}"#,
            r#"{"kind":"sent","id":"r-1","at_ms":1,"attempt":1,"seq":-1}"#,
            r#"[1,2]"#,
        ] {
            assert!(
                serde_json::from_str::<Record>(text).is_err()
                    || serde_json::from_str::<LineMeta>(text).is_err(),
                "the derived reader takes {text}"
            );
            assert!(parse(text).is_err(), "taken: {text}");
        }
    }

    /// Fields a later version may add are ignored, as before.
    #[test]
    fn unknown_fields_are_ignored() {
        let text = r#"{"kind":"sent","id":"r-1","at_ms":1,"attempt":1,"later":{"x":[1]}}"#;
        let (record, meta) = parse(text).unwrap();
        assert_eq!(
            record,
            Record::Sent {
                id: "r-1".into(),
                at_ms: 1,
                attempt: 1
            }
        );
        assert_eq!(meta, LineMeta::default());
    }
}
