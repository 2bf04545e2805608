//! Serde round-trips against every JSON sample of Kore's API pages, plus the
//! variants the pages disagree on. Parsing is lenient; writing is exact.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::fmt::Debug;
use switchboard::kore::wire::*;

mod common;
use common::files::fixture_dir;

fn fixture(name: &str) -> String {
    let path = fixture_dir("kore").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a sample, writes it back, parses that again: the typed values agree,
/// and what was written is strict JSON.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(name: &str) -> T {
    let text = fixture(name);
    let first: T = parse_loose(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_string(&first).unwrap();
    let second: T =
        serde_json::from_str(&written).unwrap_or_else(|e| panic!("{name} rewritten: {e}"));
    assert_eq!(first, second, "{name} does not survive a round trip");
    first
}

fn transfer(ev: &HookEvent) -> &TransferEvent {
    match ev {
        HookEvent::InternalTransfer(t) => t,
        other => panic!("expected INTERNAL_TRANSFER_EVENT, got {other:?}"),
    }
}

#[test]
fn webhook_page_transfer_samples() {
    let cases = [
        (
            "hooks-na-entry.json",
            TransferType::Na,
            Transition::Entry,
            "Agent1",
        ),
        (
            "hooks-cold-entry.json",
            TransferType::Cold,
            Transition::Entry,
            "Agent2",
        ),
        (
            "hooks-cold-exit.json",
            TransferType::Cold,
            Transition::Exit,
            "Agent1",
        ),
        (
            "hooks-warm-entry.json",
            TransferType::Warm,
            Transition::Entry,
            "agent2",
        ),
        (
            "hooks-warm-exit.json",
            TransferType::Warm,
            Transition::Exit,
            "agent1",
        ),
        (
            "hooks-redial-entry.json",
            TransferType::Redial,
            Transition::Entry,
            "agent1",
        ),
    ];
    for (name, tt, tr, who) in cases {
        let body: HooksBody = round_trip(name);
        assert_eq!(body.events.len(), 1, "{name}");
        let t = transfer(&body.events[0]);
        assert_eq!(t.transfertype, tt, "{name}");
        assert_eq!(t.transition, tr, "{name}");
        assert_eq!(t.participant.identity, who, "{name}");
        assert_eq!(t.participant.kind, "agent");
        assert_eq!(t.experience.as_deref(), Some("voice"));
        let cf = t.participant.custom_fields.as_ref().expect("customFields");
        assert_eq!(cf.queue_id.as_deref(), Some("1694"));
        assert_eq!(cf.queue_name.as_deref(), Some("Kore_UAT_AGT_EN"));
    }
    // The redial payload has `reason` and no isExtAD; the others say "true" as a string.
    let redial: HooksBody = round_trip("hooks-redial-entry.json");
    let t = transfer(&redial.events[0]);
    assert_eq!(t.reason.as_deref(), Some("agent_initiated"));
    assert_eq!(t.is_ext_ad, None);
    let na: HooksBody = round_trip("hooks-na-entry.json");
    assert_eq!(transfer(&na.events[0]).is_ext_ad, Some(true));
}

#[test]
fn curl_and_js_bodies_parse() {
    for name in [
        "conversation-events-webhook-curl-1.json",
        "conversation-events-webhook-curl-2.json",
        "hooks-internal-transfers-curl-1.json",
    ] {
        let body: HooksBody = round_trip(name);
        assert!(!body.conversation_id.is_empty(), "{name}");
        assert!(body.bot_id.starts_with("st-"), "{name}");
        assert_eq!(body.events.len(), 1);
        transfer(&body.events[0]);
    }
    let expected = [
        (TransferType::Na, Transition::Entry, "agentId1"),
        (TransferType::Cold, Transition::Entry, "agentId2"),
        (TransferType::Cold, Transition::Exit, "agentId1"),
        (TransferType::Warm, Transition::Entry, "agentId3"),
        (TransferType::Warm, Transition::Exit, "agentId2"),
        (TransferType::Na, Transition::Exit, "agentId3"),
    ];
    for (i, (tt, tr, who)) in expected.iter().enumerate() {
        let name = format!("hooks-internal-transfers-js-{}.jsonish", i + 1);
        let body: HooksBody = round_trip(&name);
        assert_eq!(body.conversation_id, "atesta-xxxx");
        let t = transfer(&body.events[0]);
        assert_eq!((t.transfertype, t.transition), (*tt, *tr), "{name}");
        assert_eq!(t.participant.identity, *who);
        // The JS samples use a real boolean.
        assert_eq!(t.is_ext_ad, Some(true));
    }
}

#[test]
fn summary_and_end_events() {
    let summary: HookEvent = round_trip("event-trigger-summary.json");
    match &summary {
        HookEvent::TriggerSummary(s) => {
            assert_eq!(s.data.language, "English");
            assert_eq!(s.data.locale, "en");
            assert_eq!(s.data.kind, "post");
        }
        other => panic!("{other:?}"),
    }
    let end: HookEvent = round_trip("event-end-of-conversation.json");
    match &end {
        HookEvent::EndOfConversation(e) => {
            assert_eq!(e.reason.as_deref(), Some("agent_initiated"));
            assert_eq!(e.language.as_deref(), Some("en"));
            assert_eq!(e.experience.as_deref(), Some("voice"));
            assert_eq!(e.participant.as_ref().unwrap().kind, "agent");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(summary.name(), TRIGGER_SUMMARY_EVENT);
    assert_eq!(end.name(), END_OF_CONVERSATION);
}

#[test]
fn hooks_responses() {
    let ok: StatusOk = round_trip("hooks-status-ok.json");
    assert_eq!(ok.status, "OK");
    let a: ErrorBody = round_trip("error-bot-not-found-webhook.json");
    let b: ErrorBody = round_trip("error-bot-not-found-hooks.json");
    assert_eq!(a.code, Some(400));
    assert_eq!(b.code, Some(400));
    // The two pages word it differently; the simulator uses the webhook page's.
    assert_eq!(a.message, BOT_NOT_FOUND_MESSAGE);
    assert!(b.message.contains("could not be found"));
}

#[test]
fn assign_requests_and_loose_responses() {
    for name in [
        "assign-conversation-curl-1.json",
        "transfer-to-agent-or-queue-curl-1.json",
    ] {
        let req: AssignRequest = round_trip(name);
        assert!(
            matches!(req.target(), Some(AssignTarget::Agent(_))),
            "{name}"
        );
        assert!(!req.callback_url.is_empty());
        assert!(!req.bot_session_id.is_empty());
    }
    let queue: AssignRequest = round_trip("transfer-to-agent-or-queue-curl-2.json");
    assert_eq!(
        queue.target(),
        Some(AssignTarget::Queue("{{queueId}}".into()))
    );
    assert_eq!(queue.transferred_type.as_deref(), Some("QUEUE"));

    // Unquoted keys, and curly quotes in the queue sample.
    for name in [
        "assign-response-agent-old.jsonish",
        "assign-response-agent.jsonish",
    ] {
        let r: AssignResponse = round_trip(name);
        assert_eq!(r.session_id, "6538f8a3c9cf425ee5cfxxxx");
        assert_eq!(
            r.agent_id.as_deref(),
            Some("a-8cd2673-0cb7-462d-9453-0ee60e52xxxx")
        );
        assert_eq!(r.status, "transferred");
        assert_eq!(r.request_completed_at, Some(1698825180041));
    }
    let q: AssignResponse = round_trip("assign-response-queue.jsonish");
    assert_eq!(
        q.queue_id.as_deref(),
        Some("qu-b5d3bb4-a1ac-4caa-9be6-55a5abc3xxxx")
    );
    assert_eq!(q.status, "transferred");
    assert!(
        serde_json::from_str::<AssignResponse>(&fixture("assign-response-queue.jsonish")).is_err(),
        "the queue sample is not strict JSON; only the lenient parser reads it"
    );
}

#[test]
fn writing_an_assign_request_is_exact() {
    let agent = AssignRequest::new(
        "https://cb/x",
        "o-1",
        "sess",
        &AssignTarget::Agent("a-1".into()),
    );
    assert_eq!(
        serde_json::to_value(&agent).unwrap(),
        json!({"callbackUrl":"https://cb/x","orgId":"o-1","aId":"a-1","botSessionId":"sess"})
    );
    let queue = AssignRequest::new(
        "https://cb/x",
        "o-1",
        "sess",
        &AssignTarget::Queue("qu-1".into()),
    );
    assert_eq!(
        serde_json::to_value(&queue).unwrap(),
        json!({"callbackUrl":"https://cb/x","orgId":"o-1","transferredType":"QUEUE","queueId":"qu-1","botSessionId":"sess"})
    );
}

#[test]
fn conversations() {
    let page: Page<ConversationRecord> = round_trip("list-conversations-response.jsonish");
    assert_eq!(page.results.len(), 1);
    assert_eq!(page.skip, Some(0));
    assert_eq!(page.total_results, Some(10));
    assert!(!page.has_more);
    let c = &page.results[0];
    assert_eq!(
        c.id.as_deref(),
        Some("c-3d7265b-de0a-489d-a2eb-69ce6bdexxxx")
    );
    assert_eq!(c.hooks_id(), Some("9a1b6f71-c8af-46dd-8645-d8894047xxxx"));
    assert_eq!(c.status.as_deref(), Some("CLOSED"));
    assert_eq!(c.language.as_deref(), Some("en"));
    assert_eq!(c.source.as_deref(), Some("audiocodes"));
    assert_eq!(c.priority.as_deref(), Some("10"));
    assert_eq!(c.survey_required, Some(false));
    assert_eq!(c.participants[0].name.as_deref(), Some("John Doe"));
    assert_eq!(c.queues[0].kind.as_deref(), Some("ASSIGNED"));

    let one: ConversationRecord = round_trip("get-conversation-response.json");
    assert_eq!(one.survey_required, Some(true));
    assert_eq!(one.priority.as_deref(), Some("5"));
    assert_eq!(one.conversation_type.as_deref(), Some("messaging"));
    assert_eq!(
        one.participants[0].queue_name.as_deref(),
        Some("Default Queue")
    );
    assert_eq!(
        one.hooks_id(),
        Some("c-3c04346-e522-4c53-9e03-c9566d85xxxx")
    );
}

#[test]
fn agents_availability_queues() {
    let page: Page<AgentRecord> = round_trip("list-agents-response.jsonish");
    let a = &page.results[0];
    assert_eq!(a.id, "a-1353078-d362-4d5e-95ed-554056e7xxxx");
    assert_eq!(a.display_name(), "John Doe");
    assert_eq!(a.email_address(), Some("john.doe@domain.com"));
    assert_eq!(a.online_status_type.as_deref(), Some("OFFLINE"));
    assert_eq!(a.max_chat_support, Some(5));
    assert_eq!(a.queues.len(), 4);
    assert_eq!(a.queues[0].name.as_deref(), Some("Default Queue"));

    let req: AvailabilityRequest = round_trip("agent-availability-curl-1.json");
    assert_eq!(
        req.agent_ids,
        vec!["a-75b2b7b-674c-49d2-ad7a-8bce77cxxxxx".to_string()]
    );
    let av: AvailabilityResponse = round_trip("availability-response.json");
    assert_eq!(av.available.len(), 1);
    let cap = av.available[0].channel_capacity.voice.unwrap();
    assert_eq!(
        (
            cap.total_capacity,
            cap.used_capacity,
            cap.available_capacity
        ),
        (1, 0, 1)
    );
    assert_eq!(
        av.available[0]
            .channel_capacity
            .voice_mail
            .unwrap()
            .total_capacity,
        5
    );
    assert!(av.busy.is_empty() && av.offline.is_empty() && av.away.is_empty());
    assert_eq!(av.iter().map(|(s, _)| s).collect::<Vec<_>>(), ["AVAILABLE"]);

    let queues: Page<QueueRecord> = round_trip("list-queues-response.json");
    assert_eq!(queues.page, Some(1));
    assert!(
        queues.has_more,
        "the sample says hasMore with one page; kept as sent"
    );
    assert_eq!(queues.results[0].name, "Queue1");
    assert_eq!(queues.results[0].agents.len(), 2);
}

fn event_json(transfertype: &str, is_ext_ad: Value) -> Value {
    json!({
        "name": "INTERNAL_TRANSFER_EVENT",
        "transfertype": transfertype,
        "transition": "entry",
        "isExtAD": is_ext_ad,
        "experience": "chat",
        "participant": {"identity": "a1", "name": "A", "type": "agent"},
        "someFieldFromTheFuture": {"x": 1}
    })
}

#[test]
fn variants_the_docs_disagree_on() {
    for (written, expected) in [
        ("COLD", TransferType::Cold),
        ("cold", TransferType::Cold),
        ("Warm", TransferType::Warm),
        ("na", TransferType::Na),
        ("redial", TransferType::Redial),
        ("REDIAL", TransferType::Redial),
    ] {
        for ext in [json!(true), json!("true"), json!("TRUE")] {
            let ev: HookEvent = serde_json::from_value(event_json(written, ext)).unwrap();
            let t = transfer(&ev);
            assert_eq!(t.transfertype, expected);
            assert_eq!(t.is_ext_ad, Some(true));
        }
    }
    let ev: HookEvent = serde_json::from_value(event_json("WARM", json!("false"))).unwrap();
    assert_eq!(transfer(&ev).is_ext_ad, Some(false));
    assert!(serde_json::from_value::<HookEvent>(event_json("HOT", json!(true))).is_err());
    assert!(serde_json::from_value::<HookEvent>(event_json("COLD", json!("maybe"))).is_err());
    // An unknown event name is kept, not dropped.
    let other: HookEvent =
        serde_json::from_value(json!({"name": "AGENT_MESSAGE", "x": 1})).unwrap();
    assert!(matches!(other, HookEvent::Other(_)));
    assert_eq!(other.name(), "AGENT_MESSAGE");
}

#[test]
fn writing_events_is_exact() {
    let ev = HookEvent::InternalTransfer(TransferEvent {
        transfertype: TransferType::Cold,
        transition: Transition::Exit,
        is_ext_ad: Some(true),
        language: Some("en".into()),
        experience: Some("chat".into()),
        reason: None,
        participant: Participant {
            identity: "agent-7".into(),
            name: "Mia Chen".into(),
            kind: "agent".into(),
            custom_fields: None,
        },
    });
    assert_eq!(
        serde_json::to_value(&ev).unwrap(),
        json!({
            "name": "INTERNAL_TRANSFER_EVENT",
            "transfertype": "COLD",
            "transition": "exit",
            "isExtAD": true,
            "language": "en",
            "experience": "chat",
            "participant": {"identity": "agent-7", "name": "Mia Chen", "type": "agent"}
        })
    );
    let redial = TransferType::Redial;
    assert_eq!(serde_json::to_value(redial).unwrap(), json!("redial"));
}

#[test]
fn callbacks_are_read_from_any_reasonable_shape() {
    let ok: AssignCallback = serde_json::from_value(json!({
        "sessionId": "s1", "agentId": "a-1", "status": "transferred", "requestCompletedAt": 5
    }))
    .unwrap();
    assert!(ok.succeeded());
    let failed: AssignCallback = serde_json::from_value(json!({
        "botSessionId": "s1", "aId": "a-1", "status": "FAILED", "message": "agent is offline", "extra": [1]
    }))
    .unwrap();
    assert!(!failed.succeeded());
    assert_eq!(failed.session_id.as_deref(), Some("s1"));
    assert_eq!(failed.reason.as_deref(), Some("agent is offline"));
    assert!(failed.extra.contains_key("extra"));
    let empty: AssignCallback = serde_json::from_value(json!({})).unwrap();
    assert!(!empty.succeeded());
}

#[test]
fn loose_numbers_and_bools() {
    let page: Page<ConversationRecord> = serde_json::from_value(json!({
        "results": [{"_id": "c-1", "priority": null, "surveyRequired": "YES", "waitTime": "42"}],
        "skip": "0", "hasMore": "false"
    }))
    .unwrap();
    assert_eq!(page.skip, Some(0));
    assert_eq!(page.results[0].priority, None);
    assert_eq!(page.results[0].survey_required, Some(true));
    assert_eq!(page.results[0].wait_time, Some(42));
    // `id` as an integer, as the response table types it.
    let rec: ConversationRecord = serde_json::from_value(json!({"id": 17})).unwrap();
    assert_eq!(rec.id.as_deref(), Some("17"));
}

/// Found by the round-trip properties in tests/parsers_props.rs: without
/// serde_json's `float_roundtrip`, a float written by serde could read back
/// one unit in the last place off, so unknown fields kept as JSON values
/// (callback `extra`, unknown hook events) did not survive a round trip.
#[test]
fn floats_in_kept_json_survive_a_round_trip_exactly() {
    for text in [
        r#"{"x":[-4.144800013259286e+60]}"#,
        r#"{"x":-9.306506796196789e-6}"#,
        r#"{"x":{"":-1.9159021046089898e+185}}"#,
    ] {
        let first: AssignCallback = serde_json::from_str(text).unwrap();
        let written = serde_json::to_string(&first).unwrap();
        assert_eq!(written, text, "the shortest form is written back");
        let second: AssignCallback = serde_json::from_str(&written).unwrap();
        assert_eq!(first, second);
    }
    let event = r#"{"name":"A","x":{"":6.31838175097422e-234}}"#;
    let parsed: HookEvent = serde_json::from_str(event).unwrap();
    assert_eq!(serde_json::to_string(&parsed).unwrap(), event);
}

#[test]
fn queue_size_request_sample_and_the_tables_spelling() {
    let req: QueueSizeRequest = round_trip("queue-size-curl-1.json");
    assert_eq!(req.languages, ["en", "es"]);
    assert_eq!(req.channels, ["rtm", "msteams"]);
    // Written as the sample spells it.
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"languages": ["en", "es"], "channels": ["rtm", "msteams"]})
    );
    // No filter: an empty object.
    assert_eq!(
        serde_json::to_value(QueueSizeRequest::default()).unwrap(),
        json!({})
    );
    // The parameter table's `Languages`/`Channels`, a single string for a
    // list, and null for none.
    let table: QueueSizeRequest =
        serde_json::from_value(json!({"Languages": ["de"], "Channels": "ivr"})).unwrap();
    assert_eq!(table.languages, ["de"]);
    assert_eq!(table.channels, ["ivr"]);
    let none: QueueSizeRequest =
        serde_json::from_value(json!({"languages": null, "other": 1})).unwrap();
    assert_eq!(none, QueueSizeRequest::default());
    // Both spellings in one body are merged.
    let both: QueueSizeRequest =
        serde_json::from_value(json!({"languages": ["en"], "Languages": ["fr"]})).unwrap();
    let mut langs = both.languages.clone();
    langs.sort();
    assert_eq!(langs, ["en", "fr"]);
    assert!(serde_json::from_value::<QueueSizeRequest>(json!({"languages": [1]})).is_err());
}

#[test]
fn queue_size_sample_with_its_comment() {
    let text = fixture("queue-size-response.jsonish");
    assert!(
        serde_json::from_str::<QueueSizeResponse>(&text).is_err(),
        "the sample's `//` comment makes it loose JSON; only the lenient parser reads it"
    );
    let resp: QueueSizeResponse = round_trip("queue-size-response.jsonish");
    assert_eq!(resp.queues.len(), 1);
    let q = resp
        .for_queue("qu-aa16c29-08b2-4948-aa00-a6a3547exxxx")
        .expect("the queue asked for");
    assert_eq!(q.queue_name, "Default Queue");
    assert!(q.skills.is_empty());
    assert_eq!(
        (q.waiting, q.engaged, q.drop_off),
        (Some(0), Some(0), Some(44))
    );
    assert_eq!(
        q.agent_status,
        Some(AgentStatusCounts {
            available: Some(1),
            busy: Some(0),
            away: Some(0),
            offline: Some(0),
        })
    );
    assert_eq!(q.no_of_agents, Some(1));
    let s = q.queue_summary.expect("queueSummary");
    assert_eq!(
        (s.avg_wait, s.max_wait, s.asa),
        (Some(0.0), Some(0.0), Some(0.0))
    );
    assert!(resp.for_queue("qu-other").is_none());
}

#[test]
fn queue_size_is_read_leniently() {
    // One object instead of an array; numbers as strings; fractions; an
    // upper-case status key; `asa` in lower case; fields from the future.
    let one: QueueSizeResponse = parse_loose(
        r#"{"queueId": "qu-1", "queueName": "Billing", "waiting": "7", "engaged": 2.0,
            "dropOff": "", "agentStatus": {"AVAILABLE": "1", "busy": 3},
            "queueSummary": {"avgWait": "1500.5", "maxWait": 90000, "asa": null},
            "slaPercent": 80, "nested": {"x": [1]}}"#,
    )
    .unwrap();
    assert_eq!(one.queues.len(), 1);
    let q = &one.queues[0];
    assert_eq!(q.waiting, Some(7));
    assert_eq!(q.engaged, Some(2));
    assert_eq!(q.drop_off, None, "an empty string says nothing");
    let st = q.agent_status.unwrap();
    assert_eq!(
        (st.available, st.busy, st.away, st.offline),
        (Some(1), Some(3), None, None)
    );
    assert_eq!(q.no_of_agents, None, "missing, not zero");
    let s = q.queue_summary.unwrap();
    assert_eq!(s.avg_wait, Some(1500.5));
    assert_eq!(s.asa, None);
    // The assumed unit is milliseconds.
    assert_eq!(
        s.avg_wait(),
        Some(std::time::Duration::from_micros(1_500_500))
    );
    assert_eq!(s.max_wait(), Some(std::time::Duration::from_secs(90)));
    assert_eq!(s.asa(), None);
    // Written back strictly, as an array, without the unknown fields.
    let written = serde_json::to_value(&one).unwrap();
    assert!(written.is_array(), "{written}");
    assert!(written[0].get("slaPercent").is_none());
    assert_eq!(
        serde_json::from_value::<QueueSizeResponse>(written).unwrap(),
        one
    );
    // With one entry naming no queue, it is taken for the queue asked for.
    let anonymous: QueueSizeResponse = serde_json::from_value(json!([{"waiting": 1}])).unwrap();
    assert_eq!(anonymous.for_queue("qu-9").and_then(|q| q.waiting), Some(1));

    // An empty object, an empty array and null are answers with no figures.
    let empty: QueueSizeResponse = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty.queues, [QueueSize::default()]);
    let none: QueueSizeResponse = serde_json::from_value(json!([])).unwrap();
    assert!(none.queues.is_empty());
    let null: QueueSizeResponse = serde_json::from_value(json!(null)).unwrap();
    assert!(null.queues.is_empty());

    // Negative and absurd times give no duration, but the raw number stays.
    let odd: QueueSummary =
        serde_json::from_value(json!({"avgWait": -5, "maxWait": 1e300, "ASA": "12"})).unwrap();
    assert_eq!(odd.avg_wait, Some(-5.0));
    assert_eq!(odd.avg_wait(), None);
    assert_eq!(odd.max_wait(), None);
    assert_eq!(odd.asa(), Some(std::time::Duration::from_millis(12)));
    // Text that is not a number is neither refused nor taken for zero: it
    // is absent and kept as it came.
    for (bad, field) in [
        (json!({"waiting": "many"}), "waiting"),
        (json!({"queueSummary": {"ASA": "NaN"}}), "queueSummary.ASA"),
    ] {
        let read: QueueSizeResponse = serde_json::from_value(bad.clone()).unwrap();
        let q = &read.queues[0];
        assert_eq!(q.waiting, None, "{bad}");
        assert_eq!(q.queue_summary.and_then(|s| s.asa), None, "{bad}");
        assert_eq!(q.odd.len(), 1, "{bad}");
        assert_eq!(
            (q.odd[0].field.as_str(), q.odd[0].why),
            (field, Oddity::NotANumber)
        );
    }
}

#[test]
fn queue_size_figures_that_cannot_be_true_are_kept_raw_not_clamped() {
    let read: QueueSizeResponse = serde_json::from_value(json!([{
        "queueId": "qu-1", "waiting": -5, "engaged": 99999999999u64, "dropOff": "2.5",
        "noOfAgents": 1000000,
        "agentStatus": {"BUSY": "-1", "available": 2},
        "queueSummary": {"avgWait": -3, "maxWait": 1e300, "asa": 1500.5}
    }]))
    .unwrap();
    let q = read.for_queue("qu-1").unwrap();
    // Absent, not 0 and not u32::MAX.
    assert_eq!((q.waiting, q.engaged, q.drop_off), (None, None, None));
    assert_eq!(q.no_of_agents, Some(1_000_000), "the bound itself is sane");
    let st = q.agent_status.unwrap();
    assert_eq!((st.available, st.busy), (Some(2), None));
    let s = q.queue_summary.unwrap();
    assert_eq!((s.avg_wait, s.max_wait, s.asa), (None, None, Some(1500.5)));
    let said: Vec<String> = q.odd.iter().map(OddFigure::describe).collect();
    assert_eq!(
        said,
        [
            "waiting = -5 (negative, not a count)",
            "engaged = 99999999999 (too large to be a count)",
            "dropOff = 2.5 (not a whole number, not a count)",
            "agentStatus.busy = -1 (negative, not a count)",
            "queueSummary.avgWait = -3 (negative, not a wait)",
            "queueSummary.maxWait = 1e+300 (longer than 30 days, not a wait)",
        ]
    );
    assert!(q.is_odd("waiting") && q.is_odd("agentStatus.busy"));
    // Written with the raw values back in place: read again, the same.
    let written = serde_json::to_value(&read).unwrap();
    assert_eq!(written[0]["waiting"], "-5", "{written}");
    assert_eq!(written[0]["agentStatus"]["busy"], "-1", "{written}");
    let again: QueueSizeResponse = serde_json::from_value(written).unwrap();
    assert_eq!(again, read);
    assert!(!q.is_odd("noOfAgents"));
}

/// What each wire type wrote with its optional fields empty, before the
/// types were split into one file per endpoint and their
/// `skip_serializing_if = "Option::is_none"` became `skip_serializing_none`:
/// an absent `Option` is left out where it always was, and written as
/// `null` where it always was (`ErrorBody::code`, `CallError`,
/// `ReceivedCallback`).
const WRITTEN_BEFORE: [(&str, &str); 39] = [
    ("HooksBody", r#"{"conversationId":"","botId":""}"#),
    (
        "HooksBody events",
        r#"{"conversationId":"c-1","botId":"st-1","events":[{"name":"INTERNAL_TRANSFER_EVENT","transfertype":"COLD","transition":"entry","isExtAD":true,"participant":{"identity":"a-1","name":"","type":"agent"}},{"name":"TRIGGER_SUMMARY_EVENT","data":{"language":"","locale":"","type":"post"}},{"name":"END_OF_CONVERSATION"}]}"#,
    ),
    ("Author", r#"{"type":"USER"}"#),
    (
        "TransferEvent",
        r#"{"transfertype":"COLD","transition":"entry","isExtAD":true,"participant":{"identity":"a-1","name":"","type":"agent"}}"#,
    ),
    (
        "Participant",
        r#"{"identity":"a-1","name":"","type":"agent"}"#,
    ),
    ("CustomFields", r#"{}"#),
    ("StatusOk", r#"{"STATUS":"OK"}"#),
    ("ErrorBody", r#"{"code":null,"message":""}"#),
    ("AssignRequest", r#"{"callbackUrl":"","botSessionId":""}"#),
    ("AssignResponse", r#"{"sessionId":"","status":""}"#),
    ("AssignCallback", r#"{}"#),
    ("Page", r#"{"results":[],"hasMore":false}"#),
    ("ConversationRecord", r#"{}"#),
    ("ConversationParticipant", r#"{}"#),
    ("ConversationQueue", r#"{}"#),
    ("ConversationQuery", r#"{}"#),
    ("AgentRecord", r#"{"id":""}"#),
    ("AgentQueue", r#"{"id":""}"#),
    ("AvailabilityRequest", r#"{}"#),
    (
        "AvailabilityResponse",
        r#"{"AVAILABLE":[],"BUSY":[],"OFFLINE":[],"AWAY":[]}"#,
    ),
    ("AvailabilityAgent", r#"{"_id":"","channelCapacity":{}}"#),
    ("ChannelCapacity", r#"{}"#),
    (
        "Capacity",
        r#"{"isEnabled":false,"totalCapacity":0,"usedCapacity":0,"availableCapacity":0}"#,
    ),
    ("QueueRecord", r#"{"id":"","name":""}"#),
    ("QueueAgent", r#"{"userId":""}"#),
    ("QueueSizeRequest", r#"{}"#),
    (
        "QueueSizeResponse",
        r#"[{"queueId":"","queueName":"","skills":[]}]"#,
    ),
    ("AgentStatusCounts", r#"{}"#),
    ("QueueSummary", r#"{}"#),
    ("ConversationDetails", r#"{}"#),
    ("DetailsParticipant", r#"{}"#),
    ("TransferDetail", r#"{}"#),
    ("TransferTarget", r#"{}"#),
    ("Dispositions", r#"{}"#),
    ("DispositionSet", r#"{}"#),
    ("Note", r#"{"text":""}"#),
    ("UserInfo", r#"{}"#),
    (
        "CallError",
        r#"{"kind":"rate_limited","message":"","retry_after_ms":null,"latency_ms":0}"#,
    ),
    (
        "ReceivedCallback",
        r#"{"request_id":null,"body":{},"problem":null,"summary":""}"#,
    ),
];

fn written<T: Serialize>(v: T) -> String {
    serde_json::to_string(&v).unwrap()
}

/// The hooks, assign and callback types, their optional fields empty.
fn hooks_and_assign_written() -> Vec<(&'static str, String)> {
    let participant = Participant {
        identity: "a-1".into(),
        name: String::new(),
        kind: "agent".into(),
        custom_fields: None,
    };
    let transfer = TransferEvent {
        transfertype: TransferType::Cold,
        transition: Transition::Entry,
        is_ext_ad: Some(true),
        language: None,
        experience: None,
        reason: None,
        participant: participant.clone(),
    };
    let summary = SummaryEvent {
        data: SummaryData {
            language: String::new(),
            locale: String::new(),
            kind: "post".into(),
        },
    };
    let end = EndEvent {
        reason: None,
        language: None,
        experience: None,
        participant: None,
    };
    let hooks = HooksBody {
        conversation_id: "c-1".into(),
        bot_id: "st-1".into(),
        events: vec![
            HookEvent::InternalTransfer(transfer.clone()),
            HookEvent::TriggerSummary(summary),
            HookEvent::EndOfConversation(end),
        ],
        ..HooksBody::default()
    };
    let author = Author {
        kind: "USER".into(),
    };
    let ok = StatusOk {
        status: "OK".into(),
    };
    let error = ErrorBody {
        code: None,
        message: String::new(),
    };
    let assign = AssignRequest {
        callback_url: String::new(),
        org_id: None,
        a_id: None,
        transferred_type: None,
        queue_id: None,
        bot_session_id: String::new(),
    };
    let answer = AssignResponse {
        session_id: String::new(),
        agent_id: None,
        queue_id: None,
        status: String::new(),
        request_completed_at: None,
    };
    vec![
        ("HooksBody", written(HooksBody::default())),
        ("HooksBody events", written(&hooks)),
        ("Author", written(author)),
        ("TransferEvent", written(&transfer)),
        ("Participant", written(&participant)),
        ("CustomFields", written(CustomFields::default())),
        ("StatusOk", written(ok)),
        ("ErrorBody", written(error)),
        ("AssignRequest", written(assign)),
        ("AssignResponse", written(answer)),
        ("AssignCallback", written(AssignCallback::default())),
    ]
}

/// The list, queue-size, details and kept types, their optional fields empty.
fn lists_and_details_written() -> Vec<(&'static str, String)> {
    let sizes = QueueSizeResponse {
        queues: vec![QueueSize::default()],
    };
    let error = CallError::RateLimited {
        message: String::new(),
        retry_after_ms: None,
        latency_ms: 0,
    };
    let callback = ReceivedCallback {
        request_id: None,
        body: AssignCallback::default(),
        problem: None,
        summary: String::new(),
    };
    vec![
        ("Page", written(Page::<u32>::default())),
        ("ConversationRecord", written(ConversationRecord::default())),
        (
            "ConversationParticipant",
            written(ConversationParticipant::default()),
        ),
        ("ConversationQueue", written(ConversationQueue::default())),
        ("ConversationQuery", written(ConversationQuery::default())),
        ("AgentRecord", written(AgentRecord::default())),
        ("AgentQueue", written(AgentQueue::default())),
        (
            "AvailabilityRequest",
            written(AvailabilityRequest::default()),
        ),
        (
            "AvailabilityResponse",
            written(AvailabilityResponse::default()),
        ),
        ("AvailabilityAgent", written(AvailabilityAgent::default())),
        ("ChannelCapacity", written(ChannelCapacity::default())),
        ("Capacity", written(Capacity::default())),
        ("QueueRecord", written(QueueRecord::default())),
        ("QueueAgent", written(QueueAgent::default())),
        ("QueueSizeRequest", written(QueueSizeRequest::default())),
        ("QueueSizeResponse", written(sizes)),
        ("AgentStatusCounts", written(AgentStatusCounts::default())),
        ("QueueSummary", written(QueueSummary::default())),
        (
            "ConversationDetails",
            written(ConversationDetails::default()),
        ),
        ("DetailsParticipant", written(DetailsParticipant::default())),
        ("TransferDetail", written(TransferDetail::default())),
        ("TransferTarget", written(TransferTarget::default())),
        ("Dispositions", written(Dispositions::default())),
        ("DispositionSet", written(DispositionSet::default())),
        ("Note", written(Note::default())),
        ("UserInfo", written(UserInfo::default())),
        ("CallError", written(error)),
        ("ReceivedCallback", written(callback)),
    ]
}

#[test]
fn every_type_writes_its_empty_fields_as_before() {
    let now = [hooks_and_assign_written(), lists_and_details_written()].concat();
    assert_eq!(now.len(), WRITTEN_BEFORE.len());
    for ((name, text), (before_name, before)) in now.iter().zip(WRITTEN_BEFORE) {
        assert_eq!(*name, before_name);
        assert_eq!(text, before, "{name} writes otherwise than before");
    }
}
