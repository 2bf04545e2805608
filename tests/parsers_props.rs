//! Property tests for everything that reads outside input: the callback
//! parser, the wire parsers, the journal reader and the config loader.
//!
//! Each runs `PROPTEST_CASES` cases (256 unless set), so CI stays quick and a
//! long run is one environment variable away. The plain tests at the end of
//! each section keep the exact inputs that these properties (or the fuzz
//! targets in `fuzz/`) once found failing.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use switchboard::config::{ConfigError, load_str};
use switchboard::domain::{AgentRef, Event, TransferKind, Transition as EventTransition};
use switchboard::kore::wire::*;
use switchboard::runtime::callback::parse_callback;
use switchboard::runtime::journal::{Journal, Record};

mod common;
use common::files::{files_in, fixture_dir};
use common::journal::{outcome, request, sent};

/// The default config reads `PROPTEST_CASES` (256 when unset); only the
/// failure file is turned off, since what fails is kept as a plain test here.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Shared strategies
// ---------------------------------------------------------------------------

/// Short strings of any characters, with the ones parsers care about made
/// likely: quotes of both kinds, backslashes, slashes, braces, new lines.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "(?s).{0,12}",
        2 => proptest::collection::vec(
            prop_oneof![
                Just('"'), Just('\u{201c}'), Just('\u{201d}'), Just('\\'), Just('/'),
                Just('{'), Just('}'), Just(','), Just(':'), Just('\n'), Just(' '),
                Just('a'), Just('é'), Just('\u{0}'),
            ],
            0..10,
        )
        .prop_map(|c| c.into_iter().collect()),
    ]
}

/// Keys that never collide with a field of the wire types.
fn extra_key() -> impl Strategy<Value = String> {
    "x[A-Za-z0-9_]{0,6}"
}

/// Any JSON value, floats included, nested a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn opt<T: Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

/// A tiny deterministic generator for the choices made while rewriting a
/// value in the docs' loose style, so each proptest case stays reproducible.
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Writes `v` the way Kore's sample responses are written: bare keys, some
/// strings in curly quotes, `//` comment lines, trailing commas.
fn write_loose(v: &Value, choices: &mut Choices, out: &mut String) {
    match v {
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if choices.one_in(4) {
                    out.push_str("\n  // a comment, with \"quotes\", {braces}, and ,}\n");
                }
                out.push('\n');
                if is_identifier(k) && !choices.one_in(4) {
                    out.push_str(k);
                } else {
                    out.push_str(&serde_json::to_string(k).unwrap());
                }
                out.push_str(if choices.one_in(2) { ": " } else { " :" });
                write_loose(item, choices, out);
            }
            if !map.is_empty() && choices.one_in(3) {
                out.push(',');
            }
            out.push_str("\n}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_loose(item, choices, out);
            }
            if !items.is_empty() && choices.one_in(3) {
                out.push(',');
            }
            out.push(']');
        }
        Value::String(s)
            if !s
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '\u{201c}' | '\u{201d}') || c.is_control())
                && choices.one_in(2) =>
        {
            out.push('\u{201c}');
            out.push_str(s);
            out.push('\u{201d}');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap()),
    }
}

/// Written by serde, read back strictly: the same value.
fn strict_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    value: &T,
) -> Result<(), TestCaseError> {
    let written = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&written)
        .map_err(|e| TestCaseError::fail(format!("{e} reading back {written}")))?;
    prop_assert_eq!(&back, value, "written as {}", written);
    Ok(())
}

/// Parses `text` leniently as `T`; when it parses, the value survives a
/// strict round trip.
fn parses_and_round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    text: &str,
) -> Result<bool, TestCaseError> {
    match parse_loose::<T>(text) {
        Ok(v) => strict_round_trip(&v).map(|_| true),
        Err(_) => Ok(false),
    }
}

/// Every body type the client reads, through `parse_loose`.
fn parse_every_wire_type(text: &str) -> Result<(), TestCaseError> {
    parses_and_round_trips::<HooksBody>(text)?;
    parses_and_round_trips::<HookEvent>(text)?;
    parses_and_round_trips::<StatusOk>(text)?;
    parses_and_round_trips::<ErrorBody>(text)?;
    parses_and_round_trips::<AssignRequest>(text)?;
    parses_and_round_trips::<AssignResponse>(text)?;
    parses_and_round_trips::<AssignCallback>(text)?;
    parses_and_round_trips::<Page<ConversationRecord>>(text)?;
    parses_and_round_trips::<ConversationRecord>(text)?;
    parses_and_round_trips::<Page<AgentRecord>>(text)?;
    parses_and_round_trips::<Page<QueueRecord>>(text)?;
    parses_and_round_trips::<AvailabilityRequest>(text)?;
    parses_and_round_trips::<AvailabilityResponse>(text)?;
    parses_and_round_trips::<QueueSizeRequest>(text)?;
    parses_and_round_trips::<QueueSizeResponse>(text)?;
    Ok(())
}

/// One edit of a sample text.
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, what: String },
    Replace { at: usize, with: char },
    Repeat { at: usize, len: usize },
    Truncate { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1..8usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        (
            at,
            prop_oneof![
                text(),
                Just("\"".to_string()),
                Just("\u{201c}".to_string()),
                Just("//".to_string()),
                Just("null".to_string()),
                Just("[".to_string()),
                Just("{".to_string()),
                Just(",".to_string()),
                Just("\n[[agents]]\n".to_string()),
                Just("\n[kore]\n".to_string()),
                Just("'''".to_string()),
                Just("\"\"\"".to_string()),
                Just(" = ".to_string()),
                Just("-9223372036854775809".to_string()),
                Just("1e999".to_string()),
            ]
        )
            .prop_map(|(at, what)| Edit::Insert { at, what }),
        (at, any::<char>()).prop_map(|(at, with)| Edit::Replace { at, with }),
        (at, 1..40usize).prop_map(|(at, len)| Edit::Repeat { at, len }),
        at.prop_map(|at| Edit::Truncate { at }),
    ]
}

/// Applies edits to `text`, by character so that the result stays a string.
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len();
        let pos = |at: usize| if n == 0 { 0 } else { at % (n + 1) };
        match e {
            Edit::Delete { at, len } => {
                let from = pos(*at);
                let to = (from + len).min(n);
                chars.drain(from..to);
            }
            Edit::Insert { at, what } => {
                let from = pos(*at);
                chars.splice(from..from, what.chars());
            }
            Edit::Replace { at, with } => {
                if n > 0 {
                    chars[at % n] = *with;
                }
            }
            Edit::Repeat { at, len } => {
                let from = pos(*at);
                let to = (from + len).min(n);
                let copy: Vec<char> = chars[from..to].to_vec();
                chars.splice(to..to, copy);
            }
            Edit::Truncate { at } => chars.truncate(pos(*at)),
        }
    }
    chars.into_iter().collect()
}

/// The name and text of each sample in `tests/fixtures/<rel>` with one of
/// the extensions `exts`.
fn texts_in(rel: &str, exts: &[&str]) -> Vec<(String, String)> {
    files_in(&fixture_dir(rel), exts)
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The callback parser
// ---------------------------------------------------------------------------

const CALLBACK_REASONS: [&str; 3] = [
    "body is not UTF-8",
    "body is not JSON: ",
    "body is not a JSON object",
];

fn assign_callback() -> impl Strategy<Value = AssignCallback> {
    (
        (
            opt(text()),
            opt(text()),
            opt(text()),
            opt(json_value().prop_filter("null reads as absent", |v| !v.is_null())),
        ),
        (
            opt(text()),
            opt(any::<i64>()),
            proptest::collection::btree_map(extra_key(), json_value(), 0..4),
        ),
    )
        .prop_map(
            |((session_id, agent_id, queue_id, status), (reason, request_completed_at, extra))| {
                AssignCallback {
                    session_id,
                    agent_id,
                    queue_id,
                    status,
                    reason,
                    request_completed_at,
                    extra: extra.into_iter().collect(),
                }
            },
        )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn callback_parser_takes_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        match parse_callback(&body) {
            Ok(_) => prop_assert!(serde_json::from_slice::<Value>(&body).is_ok_and(|v| v.is_object())),
            Err(reason) => {
                prop_assert!(CALLBACK_REASONS.iter().any(|r| reason.starts_with(r)), "{}", reason);
                if std::str::from_utf8(&body).is_err() {
                    prop_assert_eq!(reason, "body is not UTF-8");
                }
            }
        }
    }

    #[test]
    fn callback_parser_takes_any_json(v in json_value()) {
        let body = serde_json::to_vec(&v).unwrap();
        match parse_callback(&body) {
            Ok(cb) => {
                prop_assert!(v.is_object());
                // Nothing the sender wrote is lost: unknown fields land in `extra`.
                let obj = v.as_object().unwrap();
                for (k, item) in &cb.extra {
                    prop_assert_eq!(obj.get(k), Some(item));
                }
            }
            Err(reason) => {
                // Any object is a callback, whatever its fields hold.
                prop_assert!(!v.is_object());
                prop_assert_eq!(reason, "body is not a JSON object");
            }
        }
    }

    /// A real Kore may send both names of a field: the more specific one is
    /// read, the other is kept in `extra`, and any status can be judged.
    #[test]
    fn callbacks_with_both_names_of_a_field_are_read(
        specific in text(),
        general in text(),
        status in json_value(),
        extra in proptest::collection::btree_map(extra_key(), json_value(), 0..3),
    ) {
        let mut body = json!({
            "sessionId": general, "botSessionId": specific,
            "agentId": general, "aId": specific, "userId": general,
            "message": general, "error": {"code": 7, "message": general}, "reason": specific,
            "status": status,
        });
        for (k, v) in &extra {
            body[k] = v.clone();
        }
        let cb = parse_callback(body.to_string().as_bytes()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(cb.session_id.as_deref(), Some(specific.as_str()));
        prop_assert_eq!(cb.agent_id.as_deref(), Some(specific.as_str()));
        prop_assert_eq!(cb.reason.as_deref(), Some(specific.as_str()));
        for name in ["sessionId", "agentId", "userId", "message"] {
            prop_assert_eq!(cb.extra.get(name), Some(&json!(general)), "{} kept", name);
        }
        prop_assert!(cb.extra.contains_key("error"));
        // Judged without a panic; a status that is a word-less value is unclear.
        let verdict = cb.verdict();
        if status.is_object() || status.is_array() {
            prop_assert!(matches!(verdict, switchboard::kore::wire::Verdict::Unclear(_)));
        }
    }

    #[test]
    fn callbacks_written_by_serde_parse_back_equal(cb in assign_callback()) {
        let body = serde_json::to_vec(&cb).unwrap();
        let back = parse_callback(&body).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back, cb);
    }

    #[test]
    fn callback_fields_are_read_under_every_documented_spelling(
        session in text(),
        agent in text(),
        reason in any::<i64>(),
        at in any::<i64>(),
        names in (0..2usize, 0..3usize, 0..3usize),
    ) {
        let session_key = ["sessionId", "botSessionId"][names.0];
        let agent_key = ["agentId", "aId", "userId"][names.1];
        let reason_key = ["reason", "message", "error"][names.2];
        let body = json!({
            session_key: session,
            agent_key: agent,
            reason_key: reason,
            "requestCompletedAt": format!(" {at} "),
        });
        let cb = parse_callback(body.to_string().as_bytes()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(cb.session_id, Some(session));
        prop_assert_eq!(cb.agent_id, Some(agent));
        prop_assert_eq!(cb.reason, Some(reason.to_string()));
        prop_assert_eq!(cb.request_completed_at, Some(at));
        prop_assert!(cb.extra.is_empty());
    }
}

#[test]
fn callback_parser_gives_each_reason() {
    assert_eq!(parse_callback(b"\xff{}").unwrap_err(), "body is not UTF-8");
    assert!(
        parse_callback(b"{status:")
            .unwrap_err()
            .starts_with("body is not JSON: "),
        "truncated JSON"
    );
    assert_eq!(
        parse_callback(b"[1,2]").unwrap_err(),
        "body is not a JSON object"
    );
    // Nulls under a field's names, and a time that is not one, are not
    // written back twice (a written callback reads back the same).
    for body in [
        r#"{"reason":null,"message":"m","error":null}"#,
        r#"{"requestCompletedAt":"soon","completedAt":5}"#,
        r#"{"sessionId":"a","bot_session_id":"b"}"#,
    ] {
        let cb = parse_callback(body.as_bytes()).unwrap();
        let again = parse_callback(&serde_json::to_vec(&cb).unwrap()).unwrap();
        assert_eq!(cb, again, "{body}");
    }
    // A field of another type than expected is read as text, not refused.
    let odd = parse_callback(br#"{"sessionId": 5, "status": 200}"#).unwrap();
    assert_eq!(odd.session_id.as_deref(), Some("5"));
    assert!(odd.succeeded(), "an HTTP-like 200 status is success");
    let ok = parse_callback(br#"{"status":"transferred","extra":1}"#).unwrap();
    assert!(ok.succeeded());
    assert_eq!(ok.extra.get("extra"), Some(&json!(1)));
}

// ---------------------------------------------------------------------------
// The wire parsers
// ---------------------------------------------------------------------------

fn transfer_event() -> impl Strategy<Value = TransferEvent> {
    let kind = prop_oneof![
        Just(TransferType::Na),
        Just(TransferType::Cold),
        Just(TransferType::Warm),
        Just(TransferType::Redial),
    ];
    let transition = prop_oneof![Just(Transition::Entry), Just(Transition::Exit)];
    (
        (kind, transition, opt(any::<bool>())),
        (opt(text()), opt(text()), opt(text())),
        participant(),
    )
        .prop_map(
            |(
                (transfertype, transition, is_ext_ad),
                (language, experience, reason),
                participant,
            )| {
                TransferEvent {
                    transfertype,
                    transition,
                    is_ext_ad,
                    language,
                    experience,
                    reason,
                    participant,
                }
            },
        )
}

fn participant() -> impl Strategy<Value = Participant> {
    let fields =
        (opt(text()), opt(text()), opt(text())).prop_map(|(agent_email, queue_id, queue_name)| {
            CustomFields {
                agent_email,
                queue_id,
                queue_name,
            }
        });
    (text(), text(), text(), opt(fields)).prop_map(|(identity, name, kind, custom_fields)| {
        Participant {
            identity,
            name,
            kind,
            custom_fields,
        }
    })
}

fn hook_event() -> impl Strategy<Value = HookEvent> {
    let summary = (text(), text(), text()).prop_map(|(language, locale, kind)| {
        HookEvent::TriggerSummary(SummaryEvent {
            data: SummaryData {
                language,
                locale,
                kind,
            },
        })
    });
    let end = (opt(text()), opt(text()), opt(text()), opt(participant())).prop_map(
        |(reason, language, experience, participant)| {
            HookEvent::EndOfConversation(EndEvent {
                reason,
                language,
                experience,
                participant,
            })
        },
    );
    // An event this project does not know, kept whole.
    let other = (
        "[A-Z_]{1,12}".prop_filter("not a known event name", |n| {
            ![
                INTERNAL_TRANSFER_EVENT,
                TRIGGER_SUMMARY_EVENT,
                END_OF_CONVERSATION,
            ]
            .contains(&n.as_str())
        }),
        proptest::collection::btree_map(extra_key(), json_value(), 0..3),
    )
        .prop_map(|(name, fields)| {
            let mut map: Map<String, Value> = fields.into_iter().collect();
            map.insert("name".into(), Value::String(name));
            HookEvent::Other(Value::Object(map))
        });
    prop_oneof![
        3 => transfer_event().prop_map(HookEvent::InternalTransfer),
        1 => summary,
        1 => end,
        1 => other,
    ]
}

fn hooks_body() -> impl Strategy<Value = HooksBody> {
    (
        (
            text(),
            text(),
            proptest::collection::vec(hook_event(), 0..4),
        ),
        (opt(text()), opt(text()), opt(text()), opt(text())),
        (
            opt(text().prop_map(|kind| Author { kind })),
            opt(any::<bool>()),
            opt(any::<bool>()),
            opt(text()),
        ),
    )
        .prop_map(
            |(
                (conversation_id, bot_id, events),
                (query, agent_id, experience, source),
                (author, send_user_message, send_agent_message, language),
            )| HooksBody {
                conversation_id,
                bot_id,
                events,
                query,
                agent_id,
                experience,
                author,
                source,
                send_user_message,
                send_agent_message,
                language,
            },
        )
}

/// Rewrites a hooks body the way the docs vary it: `transfertype` in lower
/// case and `isExtAD` as a string.
fn docs_variant(v: &mut Value, choices: &mut Choices) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get_mut("transfertype")
                && choices.one_in(2)
            {
                *t = t.to_ascii_lowercase();
            }
            if let Some(Value::Bool(b)) = map.get("isExtAD").cloned()
                && choices.one_in(2)
            {
                map.insert("isExtAD".into(), Value::String(b.to_string()));
            }
            for item in map.values_mut() {
                docs_variant(item, choices);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| docs_variant(i, choices)),
        _ => {}
    }
}

fn sample_texts() -> Vec<(String, String)> {
    texts_in("kore", &["json", "jsonish"])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn wire_parsers_take_any_string(s in any::<String>()) {
        let _ = loosen_json(&s);
        parse_every_wire_type(&s)?;
    }

    #[test]
    fn wire_parsers_take_any_json_like_string(
        s in "[{}\\[\\]:,\"\u{201c}\u{201d}\\\\/ a-zA-Z0-9_$.\\-\n]{0,120}"
    ) {
        let _ = loosen_json(&s);
        parse_every_wire_type(&s)?;
    }

    #[test]
    fn loosening_valid_json_keeps_its_meaning(v in json_value(), pretty in any::<bool>()) {
        let written = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            serde_json::to_string(&v).unwrap()
        };
        let loosened = loosen_json(&written);
        let back: Value = serde_json::from_str(&loosened)
            .map_err(|e| TestCaseError::fail(format!("{e}: {loosened}")))?;
        prop_assert_eq!(back, v);
    }

    #[test]
    fn mutated_samples_never_panic_and_what_parses_round_trips(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let samples = sample_texts();
        prop_assert!(samples.len() >= 20, "the Kore samples went missing");
        let (_, sample) = pick.get(&samples);
        let mutated = mutate(sample, &edits);
        let _ = loosen_json(&mutated);
        parse_every_wire_type(&mutated)?;
    }

    #[test]
    fn hooks_bodies_written_by_the_client_parse_back_equal(body in hooks_body()) {
        strict_round_trip(&body)?;
        let written = serde_json::to_string(&body).unwrap();
        let back: HooksBody = parse_loose(&written).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, body);
    }

    #[test]
    fn hooks_bodies_in_the_docs_loose_style_parse_to_the_same_value(
        body in hooks_body(),
        seed in any::<u64>(),
    ) {
        let mut choices = Choices(seed | 1);
        let mut v = serde_json::to_value(&body).unwrap();
        docs_variant(&mut v, &mut choices);
        let mut loose = String::new();
        write_loose(&v, &mut choices, &mut loose);
        let back: HooksBody = parse_loose(&loose)
            .map_err(|e| TestCaseError::fail(format!("{e}:\n{loose}")))?;
        prop_assert_eq!(back, body, "loose form:\n{}", loose);
    }

    #[test]
    fn assign_requests_keep_their_target(
        url in text(),
        org in text(),
        session in text(),
        id in "[a-z0-9-]{1,12}",
        queue in any::<bool>(),
    ) {
        let target = if queue {
            AssignTarget::Queue(format!("qu-{id}"))
        } else {
            AssignTarget::Agent(format!("a-{id}"))
        };
        let request = AssignRequest::new(url, org, session, &target);
        strict_round_trip(&request)?;
        let back: AssignRequest = parse_loose(&serde_json::to_string(&request).unwrap())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.target(), Some(target));
    }

    #[test]
    fn assign_responses_in_the_docs_loose_style_parse_to_the_same_value(
        session in text(),
        agent in opt(text()),
        queue in opt(text()),
        status in text(),
        at in opt(any::<i64>()),
        seed in any::<u64>(),
    ) {
        let response = AssignResponse {
            session_id: session,
            agent_id: agent,
            queue_id: queue,
            status,
            request_completed_at: at,
        };
        let mut loose = String::new();
        write_loose(&serde_json::to_value(&response).unwrap(), &mut Choices(seed | 1), &mut loose);
        let back: AssignResponse = parse_loose(&loose)
            .map_err(|e| TestCaseError::fail(format!("{e}:\n{loose}")))?;
        prop_assert_eq!(back, response);
    }
}

#[test]
fn every_sample_is_json_once_loosened_and_round_trips() {
    // The mutation property above starts from these: make sure they are the
    // real samples, and that the loose ones are all readable.
    let samples = sample_texts();
    assert!(samples.iter().any(|(n, _)| n.ends_with(".jsonish")));
    for (name, t) in &samples {
        parse_loose::<Value>(t).unwrap_or_else(|e| panic!("{name}: {e}"));
        parse_every_wire_type(t).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// Found by `loosening_valid_json_keeps_its_meaning`: curly quotes inside a
/// string were turned into straight ones, which ended the string early.
#[test]
fn curly_quotes_inside_a_string_are_text() {
    let strict = r#"{"reason":"agent said “no”"}"#;
    assert_eq!(loosen_json(strict), strict);
    let loose = "{reason: \"agent said \u{201c}no\u{201d}\", status: \u{201c}failed\u{201d}}";
    let cb: AssignCallback = parse_loose(loose).unwrap();
    assert_eq!(cb.reason.as_deref(), Some("agent said \u{201c}no\u{201d}"));
    assert_eq!(cb.status_text().as_deref(), Some("failed"));
    // A straight quote inside a curly-quoted string is text too.
    let r: AssignResponse = parse_loose("{status: \u{201c}say \"hi\"\u{201d}}").unwrap();
    assert_eq!(r.status, "say \"hi\"");
    // The `wire` fuzz target's input: the summary event sample with a `”`
    // typed into a key.
    let sample = "{\n \"na\u{201d}me\": \"TRIGGER_SUMMARY_EVENT\",\n \"data\": {\n   \
                  \"language\": \"English\",\n   \"locale\": \"en\",\n   \"type\": \"post\"\n }\n}\n";
    let strict: Value = serde_json::from_str(sample).unwrap();
    let loosened: Value = serde_json::from_str(&loosen_json(sample)).unwrap();
    assert_eq!(loosened, strict);
    assert!(loosened.get("na\u{201d}me").is_some());
}

// ---------------------------------------------------------------------------
// The journal reader
// ---------------------------------------------------------------------------

/// A scratch dir, on tmpfs where there is one: every open may sync the file.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().unwrap()
}

fn agent_ref() -> impl Strategy<Value = AgentRef> {
    (text(), text(), opt(text())).prop_map(|(id, name, email)| {
        let mut a = AgentRef::new(id, name);
        a.email = email;
        a
    })
}

fn domain_event() -> impl Strategy<Value = Event> {
    let kind = prop_oneof![
        Just(TransferKind::Na),
        Just(TransferKind::Cold),
        Just(TransferKind::Warm),
        Just(TransferKind::Redial),
    ];
    let transition = prop_oneof![Just(EventTransition::Entry), Just(EventTransition::Exit)];
    prop_oneof![
        3 => (kind, transition, agent_ref()).prop_map(|(k, t, a)| Event::transfer(k, t, a)),
        1 => Just(Event::TriggerSummary),
        1 => opt(agent_ref()).prop_map(|agent| Event::EndOfConversation { agent }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (
            text(),
            any::<i64>(),
            text(),
            domain_event(),
            text(),
            text(),
            text()
        )
            .prop_map(
                |(id, at_ms, conversation, event, experience, language, action)| Record::Request {
                    id,
                    at_ms,
                    conversation,
                    event,
                    experience,
                    language,
                    action,
                }
            ),
        (text(), any::<i64>(), any::<u32>()).prop_map(|(id, at_ms, attempt)| Record::Sent {
            id,
            at_ms,
            attempt
        }),
        (
            text(),
            any::<i64>(),
            any::<bool>(),
            opt(any::<u16>()),
            text(),
            any::<u32>()
        )
            .prop_map(
                |(id, at_ms, ok, status, message, attempts)| Record::Outcome {
                    id,
                    at_ms,
                    ok,
                    status,
                    message,
                    attempts,
                }
            ),
        (
            text(),
            any::<i64>(),
            text(),
            text(),
            opt(text()),
            opt(text())
        )
            .prop_map(
                |(id, at_ms, session, target, conversation, text)| Record::Assign {
                    id,
                    at_ms,
                    session,
                    target,
                    conversation,
                    text,
                }
            ),
        (text(), any::<i64>(), any::<usize>()).prop_map(|(conversation, at_ms, requests)| {
            Record::Summary {
                conversation,
                at_ms,
                requests,
            }
        }),
        (opt(text()), any::<i64>(), any::<bool>(), text()).prop_map(|(id, at_ms, ok, summary)| {
            Record::Callback {
                id,
                at_ms,
                ok,
                summary,
            }
        }),
    ]
}

fn line_of(r: &Record) -> Vec<u8> {
    let mut line = serde_json::to_vec(r).unwrap();
    line.push(b'\n');
    line
}

/// Bytes that look like a damaged journal: good lines, garbage, blank lines,
/// half lines, CR LF endings, with or without a final new line.
fn journal_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => record().prop_map(|r| line_of(&r)),
        1 => record().prop_map(|r| {
            let mut l = line_of(&r);
            l.truncate(l.len() / 2);
            l
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..20),
        1 => Just(b"\n".to_vec()),
        1 => Just(b"  \r\n".to_vec()),
        1 => Just(b"\r".to_vec()),
        1 => Just(br#"{"kind":"sent","id":"x","at_ms":1,"attempt":1}"#.to_vec()),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn torn(warning: &str) -> bool {
    warning.contains("cut off mid-write")
}

/// Writes a journal file private to its user, as the journal makes them (a
/// file others can read is made private with a warning of its own).
fn write_journal(path: &std::path::Path, data: &[u8]) {
    std::fs::write(path, data).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn check_journal_bytes(data: &[u8]) -> Result<(), TestCaseError> {
    let dir = scratch();
    let path = dir.path().join("journal.jsonl");
    write_journal(&path, data);
    let (journal, first) = Journal::open(&path)
        .map_err(|e| TestCaseError::fail(format!("content made open fail: {e}")))?;
    drop(journal);
    let kept = std::fs::read(&path).unwrap();
    prop_assert!(data.starts_with(&kept), "open may only cut the end off");
    prop_assert!(
        kept.is_empty() || kept.ends_with(b"\n"),
        "the file ends on a line boundary"
    );
    // Every record read is a line of what is kept.
    let kept_lines: Vec<String> = kept
        .split(|b| *b == b'\n')
        .map(|l| String::from_utf8_lossy(l).trim().to_string())
        .collect();
    for r in &first.records {
        prop_assert!(
            kept_lines
                .iter()
                .any(|l| serde_json::from_str::<Record>(l).ok().as_ref() == Some(r))
        );
    }
    prop_assert!(first.warnings.iter().filter(|w| torn(w)).count() <= 1);

    let (mut journal, second) = Journal::open(&path).unwrap();
    prop_assert_eq!(&second.records, &first.records);
    let untorn: Vec<&String> = first.warnings.iter().filter(|w| !torn(w)).collect();
    prop_assert_eq!(second.warnings.iter().collect::<Vec<_>>(), untorn);

    let appended = Record::Sent {
        id: "appended".into(),
        at_ms: 42,
        attempt: 3,
    };
    journal.append(&appended).unwrap();
    drop(journal);
    let (_journal, third) = Journal::open(&path).unwrap();
    let mut want = first.records.clone();
    want.push(appended);
    prop_assert_eq!(third.records, want);
    prop_assert_eq!(third.warnings, second.warnings);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn journal_reader_takes_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_journal_bytes(&data)?;
    }

    #[test]
    fn journal_reader_takes_damaged_journals(data in journal_like_bytes()) {
        check_journal_bytes(&data)?;
    }

    #[test]
    fn a_journal_cut_anywhere_keeps_every_whole_record(
        records in proptest::collection::vec(record(), 1..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let lines: Vec<Vec<u8>> = records.iter().map(line_of).collect();
        let full = lines.concat();
        let cut = cut.index(full.len() + 1);
        let dir = scratch();
        let path = dir.path().join("journal.jsonl");
        write_journal(&path, &full[..cut]);
        let (_journal, replay) = Journal::open(&path).unwrap();
        // The records whose whole line, new line included, is before the cut.
        let mut end = 0;
        let whole: Vec<Record> = records
            .iter()
            .zip(&lines)
            .take_while(|(_, l)| {
                end += l.len();
                end <= cut
            })
            .map(|(r, _)| r.clone())
            .collect();
        let on_boundary = lines
            .iter()
            .scan(0, |at, l| {
                *at += l.len();
                Some(*at)
            })
            .any(|at| at == cut)
            || cut == 0;
        prop_assert_eq!(&replay.records, &whole);
        prop_assert!(replay.warnings.len() <= 1, "{:?}", replay.warnings);
        prop_assert_eq!(replay.warnings.is_empty(), on_boundary, "{:?}", replay.warnings);
        let kept_len: usize = lines[..whole.len()].iter().map(Vec::len).sum();
        prop_assert_eq!(std::fs::read(&path).unwrap(), full[..kept_len].to_vec());
    }
}

// ---------------------------------------------------------------------------
// The config loader
// ---------------------------------------------------------------------------

/// A path with spaces and a non-ASCII name, as a user's may have.
fn config_path() -> PathBuf {
    PathBuf::from("/home/dev/my configs/switchboard é.toml")
}

fn check_config_text(text: &str) -> Result<(), TestCaseError> {
    let path = config_path();
    let error = match load_str(text, &path) {
        Ok(loaded) => {
            prop_assert_eq!(loaded.path, path);
            return Ok(());
        }
        Err(e) => e,
    };
    let shown = error.to_string();
    prop_assert!(
        shown.contains(&path.display().to_string()),
        "the error does not name the file: {}",
        shown
    );
    let ConfigError::Invalid { problems, .. } = &error else {
        return Err(TestCaseError::fail(format!(
            "load_str only reports problems in the text, got {error:?}"
        )));
    };
    prop_assert!(!problems.is_empty());
    let lines: Vec<&str> = text.lines().collect();
    for p in problems {
        let Some(line) = p.line else { continue };
        prop_assert!(
            (1..=lines.len().max(1)).contains(&line),
            "line {} of a {}-line text: {}",
            line,
            lines.len(),
            shown
        );
        if let Some(column) = p.column {
            let width = lines.get(line - 1).map_or(0, |l| l.chars().count());
            prop_assert!(
                (1..=width + 1).contains(&column),
                "column {} on a line of {} characters: {}",
                column,
                width,
                shown
            );
        }
    }
    Ok(())
}

fn valid_configs() -> Vec<(String, String)> {
    texts_in("config/valid", &["toml"])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_loader_takes_any_text(text in any::<String>()) {
        check_config_text(&text)?;
    }

    #[test]
    fn config_loader_takes_any_toml_like_text(
        text in "[\\[\\]{}=\"'#,.a-z_0-9 \n\t\r\\\\]{0,120}"
    ) {
        check_config_text(&text)?;
    }

    #[test]
    fn mutated_valid_configs_fail_cleanly(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit(), 1..5),
    ) {
        let configs = valid_configs();
        prop_assert!(configs.len() >= 5, "the valid configs went missing");
        let (_, text) = pick.get(&configs);
        check_config_text(&mutate(text, &edits))?;
    }
}

#[test]
fn every_valid_config_loads_unmutated() {
    for (name, text) in valid_configs() {
        assert!(
            load_str(&text, &config_path()).is_ok(),
            "{name} should load"
        );
    }
}

/// Found by `config_loader_takes_any_toml_like_text`: on a CRLF line the `\r`
/// was counted as a character, so an error at the line end pointed one
/// column past it.
#[test]
fn a_syntax_error_at_the_end_of_a_crlf_line_points_at_the_line_end() {
    let err = load_str("\"\r\n", &config_path()).unwrap_err();
    let ConfigError::Invalid { problems, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (problems[0].line, problems[0].column),
        (Some(1), Some(2)),
        "{err}"
    );
    let err = load_str("[kore]\r\nhost\r\n", &config_path()).unwrap_err();
    assert!(err.to_string().contains("é.toml:2:5:"), "{err}");
}

/// Found by `mutated_valid_configs_fail_cleanly` (a `'''` or `{` inserted
/// into a valid file): an error at the very end of a text that ends with a
/// new line was reported on the line after the last one.
#[test]
fn an_error_at_the_end_of_the_text_points_at_its_last_line() {
    for (text, want) in [
        ("a = '''\n\n", "é.toml:2:1:"),
        ("[kore]\nhost = {\n", "é.toml:2:9:"),
        ("[kore]\r\nhost = {\r\n", "é.toml:2:9:"),
        // The `config` fuzz target's input, run against the code before the fix.
        (
            "[ui]\nth = \"\"\"tps://platf = \"st-1\"\norg_id eme = \"dark\"\n",
            "é.toml:3:20:",
        ),
    ] {
        let err = load_str(text, &config_path()).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?}: {err}");
    }
}

// ---------------------------------------------------------------------------
// The journal's own lines (issue 9.2): whatever happens to one line of a
// journal the console wrote, reading it never shows a different history
// without holding the conversation it touches.
// ---------------------------------------------------------------------------

/// A journal as the console writes it: requests and their outcomes for a
/// few conversations.
fn written_journal() -> impl Strategy<Value = Vec<Record>> {
    proptest::collection::vec((0..3usize, domain_event(), any::<bool>()), 1..8).prop_map(|items| {
        let mut out = Vec::new();
        for (i, (conv, event, ok)) in items.into_iter().enumerate() {
            let id = format!("r{i}");
            out.push(request(&id, &format!("c-{conv}"), i as i64, event));
            out.push(sent(&id, i as i64));
            if ok {
                out.push(outcome(&id, i as i64, true, "OK"));
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_changed_line_never_passes_unnoticed(
        records in written_journal(),
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let dir = scratch();
        let path = dir.path().join("journal.jsonl");
        {
            let (mut j, _) = Journal::open(&path).unwrap();
            for r in &records {
                j.append(r).unwrap();
            }
        }
        let (j, clean) = Journal::open(&path).unwrap();
        drop(j);
        prop_assert!(clean.holds.is_empty() && clean.hold_all.is_none());
        let text = std::fs::read(&path).unwrap();
        let mut lines: Vec<Vec<u8>> = text
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        let n = which.index(lines.len());
        let i = at.index(lines[n].len());
        prop_assume!(byte != b'\n' && lines[n][i] != byte);
        lines[n][i] = byte;
        let mut damaged = lines.join(&b'\n');
        damaged.push(b'\n');
        write_journal(&path, &damaged);
        let (j, replay) = Journal::open(&path)
            .map_err(|e| TestCaseError::fail(format!("open failed: {e}")))?;
        drop(j);
        let before = switchboard::runtime::journal::rebuild(&clean.records);
        let after = switchboard::runtime::journal::rebuild(&replay.records);
        for (conv, st) in &after {
            let same = before.get(conv).is_some_and(|b| {
                format!("{:?}", b.requests) == format!("{:?}", st.requests)
            });
            prop_assert!(
                same || replay.hold_reason(conv).is_some(),
                "{conv} reads differently and is not held: {:?}",
                replay.warnings
            );
        }
        for conv in before.keys() {
            prop_assert!(
                after.contains_key(conv) || replay.hold_reason(conv).is_some()
                    || replay.hold_all.is_some(),
                "{conv} vanished without a hold: {:?}",
                replay.warnings
            );
        }
    }
}
