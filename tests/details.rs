//! Kore's conversation details: the wire forms of both documented pages,
//! asking for them in `update()` (Enter once, `R` again, one in flight),
//! keeping and showing them, masking the customer, and the simulator's
//! endpoints through the real client and runner.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::details::{mask_email, mask_name, mask_phone};
use switchboard::app::state::*;
use switchboard::app::{Action, DetailsWhy, Effect, State, update};
use switchboard::kore::client::CallError;
use switchboard::kore::ratelimit::Priority;
use switchboard::kore::wire::{self, ConversationDetails};
use switchboard::sim::details::{SAMPLE_EMAIL, SAMPLE_PHONE};
use switchboard::ui::keymap::Keymap;

mod common;
use common::files::fixture_dir;
use common::state::{key, settings};

fn fixture(name: &str) -> String {
    let path = fixture_dir("kore/details").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> ConversationDetails {
    wire::parse_loose(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---------------------------------------------------------------------------
// Wire
// ---------------------------------------------------------------------------

#[test]
fn the_details_sample_reads_whole_and_writes_back_the_same() {
    let d = parse("details-sample.json");
    assert_eq!(
        d.conversation_id(),
        Some("c-ab4eb09-8dba-4db8-9176-b0ee670dxxxx")
    );
    assert_eq!(d.status.as_deref(), Some("CLOSED"));
    assert_eq!(d.conversation_type.as_deref(), Some("livechat"));
    assert_eq!(d.participants.len(), 2);
    let first = &d.participants[0];
    assert_eq!(
        first.agent(),
        Some("u-4149b5e5-9bbd-502d-b0ab-bfbd01d6xxxx")
    );
    assert_eq!(first.transferred(), Some(true));
    assert_eq!(first.reason.as_deref(), Some("OVERDUE"));
    assert_eq!(first.queue_name.as_deref(), Some("Default Queue"));
    assert_eq!(
        first.queue_start_time.as_deref(),
        Some("2025-08-23T06:23:45.100Z")
    );
    assert_eq!(d.participants[1].ended_chat, Some(true));
    let t = &d.transfer_details[0];
    assert_eq!(t.transferred_to.len(), 1);
    assert_eq!(t.transferred_to[0].name.as_deref(), Some("Default Queue"));
    assert_eq!(t.priority.as_deref(), Some("HIGHEST"));
    assert_eq!(t.system_transfer, Some(true));
    assert_eq!(t.system_transfer_reason.as_deref(), Some("OVERDUE"));
    assert_eq!(d.summary.len(), 1);
    let disp = d.dispositions.as_ref().unwrap();
    assert_eq!(disp.status.as_deref(), Some("Resolved"));
    assert_eq!(disp.disposition_sets.len(), 2);
    assert_eq!(
        disp.disposition_sets[1].disposition_codes,
        vec!["ThroughWeb"]
    );
    let u = d.user_info.as_ref().unwrap();
    assert_eq!(u.full_name().as_deref(), Some("Test User"));
    assert_eq!(u.email(), Some("john.doe@example.com"));
    assert_eq!(u.phone(), Some("9999999999"));

    // Written out and read again: nothing lost, nothing changed.
    let again: ConversationDetails =
        serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(again, d);
}

#[test]
fn the_get_conversation_sample_reads_as_details_with_its_own_spellings() {
    let d = parse("get-conversation-sample.json");
    assert_eq!(
        d.participants[0].transferred(),
        Some(false),
        "isTransferred"
    );
    let t = &d.transfer_details[0];
    assert_eq!(
        t.from_agent.as_deref(),
        Some("u-b19cd89e-6533-59af-b491-eec9bf8fxxxx")
    );
    assert_eq!(
        t.transferred_by.as_deref(),
        Some("u-b19cd89e-6533-59af-b491-eec9bf8fxxxx")
    );
    assert_eq!(t.is_manager, Some(false));
    assert_eq!(d.wait_time, Some(3369));
    assert!(d.notes.is_empty());
    let disp = d.dispositions.unwrap();
    assert_eq!(disp.meta_status.as_deref(), Some("SYSTEM_DROP_OFF"));
    assert!(disp.disposition_sets.is_empty(), "null sets read as none");
    let again: ConversationDetails = serde_json::from_str(
        &serde_json::to_string(&parse("get-conversation-sample.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(again, parse("get-conversation-sample.json"));
}

#[test]
fn every_documented_oddity_reads() {
    let d = parse("oddities.json");
    assert_eq!(
        d.conversation_id(),
        Some("c-odd-1"),
        "`id` instead of `_id`"
    );
    // A participant that is not an object is left out, not fatal.
    assert_eq!(d.participants.len(), 2);
    let plain = &d.participants[0];
    assert_eq!(plain.agent(), Some("u-plain"), "`id` instead of `agentId`");
    assert_eq!(plain.transferred(), Some(true), "isTransferred as a string");
    assert_eq!(plain.ended_chat, Some(false));
    assert!(plain.consultant(), "isConsultant as 1");
    let both = &d.participants[1];
    assert_eq!(both.agent(), Some("u-both"), "agentId wins over id");
    assert!(both.consultant(), "a consultant's role");
    assert_eq!(both.assigned_at.as_deref(), Some("1724394225595"));
    // transferredTo as one object, then as a bare id.
    let (a, b) = (&d.transfer_details[0], &d.transfer_details[1]);
    assert_eq!(a.transferred_to[0].name.as_deref(), Some("Billing"));
    assert_eq!(a.priority.as_deref(), Some("5"), "priority as a number");
    assert_eq!(a.system_transfer, Some(true), "systemTransfer as a string");
    assert_eq!(b.transferred_to[0].id.as_deref(), Some("u-target"));
    assert_eq!(b.priority, None);
    assert_eq!(b.system_transfer, None, "an unreadable flag is absent");
    assert_eq!(d.summary, vec!["One summary as a string."]);
    let disp = d.dispositions.as_ref().unwrap();
    assert_eq!(disp.remarks.as_deref(), Some("42"));
    let notes: Vec<(&str, Option<&str>)> = d
        .notes
        .iter()
        .map(|n| (n.text.as_str(), n.created_by.as_deref()))
        .collect();
    assert_eq!(
        notes,
        vec![
            ("a plain note", None),
            ("an object note", Some("Mia Chen")),
            ("text form", None)
        ]
    );
    let u = d.user_info.as_ref().unwrap();
    assert_eq!(u.full_name().as_deref(), Some("Only Name"));
    assert_eq!(u.email(), Some("x.y@example.org"), "emailId");
    assert_eq!(u.phone(), Some("555-0100-777"), "phone");
}

#[test]
fn a_summary_array_and_a_wrongly_shaped_profile_still_read() {
    let d: ConversationDetails = wire::parse_loose(
        r#"{"summary": ["one", {"text": "two"}, 3], "userInfo": "not an object",
            "participants": {"agentId": "u-1"}}"#,
    )
    .unwrap();
    assert_eq!(d.summary, vec!["one", "two", "3"]);
    assert_eq!(d.user_info, None);
    assert_eq!(
        d.participants.len(),
        1,
        "one participant object as the list"
    );
}

// ---------------------------------------------------------------------------
// Masking
// ---------------------------------------------------------------------------

#[test]
fn emails_are_masked_to_two_letters_and_the_domains_end() {
    assert_eq!(mask_email("jane.doe@example.com"), "j***@e***.com");
    assert_eq!(mask_email("a@b"), "a***@b***");
    assert_eq!(mask_email("@example.com"), "***@e***.com");
    assert_eq!(mask_email("no-at-sign"), "***");
    assert_eq!(mask_email(""), "");
    assert_eq!(mask_email("  "), "");
    assert_eq!(mask_email("élodie@exämple.co.uk"), "é***@e***.uk");
    assert_eq!(mask_email("x@y@z.org"), "x***@z***.org");
    assert!(!mask_email("jane.doe@example.com").contains("doe"));
}

#[test]
fn phones_show_only_their_last_four_digits() {
    assert_eq!(mask_phone("+15550100999"), "***0999");
    assert_eq!(mask_phone("9999999999"), "***9999");
    assert_eq!(mask_phone("(555) 010-0999 ext"), "***0999");
    assert_eq!(mask_phone("12345"), "***", "too short to show any");
    assert_eq!(mask_phone("٠١٢٣٤٥٦٧٨٩"), "***", "no ASCII digits");
    assert_eq!(mask_phone(""), "");
}

#[test]
fn names_become_initials() {
    assert_eq!(mask_name("Jane Doe"), "J*** D***");
    assert_eq!(mask_name("Ólafur"), "Ó***");
    assert_eq!(mask_name("  "), "");
}

// ---------------------------------------------------------------------------
// update()
// ---------------------------------------------------------------------------

fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = 1_000_000;
    s.views.screen = (120, 40);
    let mut c = Conversation::new("c-1", Channel::Chat, "en");
    c.bot_session_id = Some("sess-1".into());
    c.api_status = Some("OPEN".into());
    s.model.conversations.insert("c-1".into(), c);
    let mut c = Conversation::new("c-2", Channel::Chat, "en");
    c.api_status = Some("OPEN".into());
    s.model.conversations.insert("c-2".into(), c);
    s.views.list.selected = Some("c-1".into());
    s
}

fn enter() -> Action {
    Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

fn fetches(effects: &[Effect]) -> Vec<(String, Option<String>, DetailsWhy)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchDetails {
                conv_id,
                session,
                why,
            } => Some((conv_id.clone(), session.clone(), *why)),
            _ => None,
        })
        .collect()
}

fn loaded(s: &mut State, conv: &str, name: &str, why: DetailsWhy) {
    update(
        s,
        Action::DetailsLoaded {
            conv_id: conv.into(),
            result: Ok(Box::new(parse(name))),
            why,
        },
    );
}

#[test]
fn enter_fetches_once_by_session_and_a_second_enter_does_not() {
    let mut s = console();
    let first = update(&mut s, enter());
    assert_eq!(
        fetches(&first),
        vec![("c-1".into(), Some("sess-1".into()), DetailsWhy::Opened)]
    );
    assert!(s.requests.details_in_flight.contains("c-1"));
    // Back to the list and Enter again while the answer is out: nothing.
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(fetches(&update(&mut s, enter())).is_empty());
    loaded(&mut s, "c-1", "details-sample.json", DetailsWhy::Opened);
    assert!(!s.requests.details_in_flight.contains("c-1"));
    // Opened again after the answer: still nothing.
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(fetches(&update(&mut s, enter())).is_empty());
}

#[test]
fn a_conversation_without_a_session_is_read_by_its_id() {
    let mut s = console();
    s.views.list.selected = Some("c-2".into());
    let effects = update(&mut s, enter());
    assert_eq!(
        fetches(&effects),
        vec![("c-2".into(), None, DetailsWhy::Opened)]
    );
}

#[test]
fn capital_r_and_the_details_verb_fetch_again_but_never_twice_at_once() {
    let mut s = console();
    update(&mut s, enter());
    loaded(&mut s, "c-1", "details-sample.json", DetailsWhy::Opened);
    let again = update(&mut s, key('R'));
    assert_eq!(
        fetches(&again),
        vec![("c-1".into(), Some("sess-1".into()), DetailsWhy::Refresh)]
    );
    // While that one is out, neither R nor :details asks again.
    assert!(fetches(&update(&mut s, key('R'))).is_empty());
    let flash = s.views.flash.clone().map(|f| f.0).unwrap_or_default();
    assert!(flash.contains("already on their way"), "{flash}");
    update(&mut s, key(':'));
    for c in "details".chars() {
        update(&mut s, key(c));
    }
    assert!(fetches(&update(&mut s, enter())).is_empty());
    // The lead's heal path goes through the same gate.
    assert!(switchboard::app::update::request_details(&mut s, "c-1", DetailsWhy::Heal).is_empty());
    loaded(&mut s, "c-1", "details-sample.json", DetailsWhy::Refresh);
    update(&mut s, key(':'));
    for c in "details".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(
        fetches(&update(&mut s, enter())),
        vec![("c-1".into(), Some("sess-1".into()), DetailsWhy::Refresh)]
    );
}

#[test]
fn r_with_nothing_selected_is_refused() {
    let mut s = console();
    s.views.list.selected = None;
    assert!(fetches(&update(&mut s, key('R'))).is_empty());
    assert!(
        s.views.flash.is_some_and(|f| f.1),
        "refused on the message line"
    );
}

#[test]
fn loaded_details_are_kept_cleaned_and_shown() {
    let mut s = console();
    update(&mut s, enter());
    let mut d = parse("details-sample.json");
    d.summary = vec!["line\u{1b}[31m one\nand two".into()];
    s.now_ms = 1_005_000;
    update(
        &mut s,
        Action::DetailsLoaded {
            conv_id: "c-1".into(),
            result: Ok(Box::new(d)),
            why: DetailsWhy::Opened,
        },
    );
    let kept = s.model.conversations["c-1"].details.as_ref().unwrap();
    assert_eq!(kept.fetched_ms, 1_005_000);
    assert_eq!(kept.data.summary, vec!["line[31m one and two"]);
    let screen = kore_text(&s);
    assert!(render(&s, 120, 40).contains("Kore · CLOSED · livechat"));
    for want in [
        "Kore · CLOSED · livechat",
        "SmartAssist QA · Default Queue",
        "transferred (OVERDUE)",
        "moved: waited too long (OVERDUE)",
        "priority HIGHEST",
        "Summary: line[31m one and two",
        "Disposition: Resolved · AGENT_CLOSED · Resolution: Resolved",
        "Customer: T*** U*** · j***@e***.com · ***9999",
    ] {
        assert!(screen.contains(want), "{want:?} not on\n{screen}");
    }
    assert!(!screen.contains("john.doe"), "{screen}");
    assert!(!screen.contains("9999999999"), "{screen}");
    // The answer's log line holds counts, never the profile.
    let log: Vec<String> = s.log.visible().iter().map(|l| l.text.clone()).collect();
    assert!(
        log.iter()
            .any(|l| l.contains("details of c-1 (opened): 2 participant(s)")),
        "{log:?}"
    );
}

#[test]
fn show_customer_contact_shows_them_as_they_came() {
    let mut s = console();
    s.views.show_customer_contact = true;
    update(&mut s, enter());
    loaded(&mut s, "c-1", "details-sample.json", DetailsWhy::Opened);
    let screen = kore_text(&s);
    assert!(
        screen.contains("Customer: Test User · john.doe@example.com · 9999999999"),
        "{screen}"
    );
}

#[test]
fn loading_and_a_failed_fetch_say_so_in_words() {
    let mut s = console();
    update(&mut s, enter());
    assert!(render(&s, 120, 40).contains("details: loading…"));
    update(
        &mut s,
        Action::DetailsLoaded {
            conv_id: "c-1".into(),
            result: Err(CallError::Api {
                status: 404,
                message: "no conversation has the session sess-1".into(),
                latency_ms: 3,
            }),
            why: DetailsWhy::Opened,
        },
    );
    assert!(s.requests.details_in_flight.is_empty());
    let screen = kore_text(&s);
    assert!(
        screen.contains("details: Kore answered 404 no conversation has the session"),
        "{screen}"
    );
    let log: Vec<String> = s.log.visible().iter().map(|l| l.text.clone()).collect();
    assert!(
        log.iter().any(|l| l.contains("Kore answered 404")),
        "{log:?}"
    );
}

#[test]
fn an_answer_for_a_conversation_that_left_is_logged_not_kept() {
    let mut s = console();
    update(&mut s, enter());
    s.model.conversations.remove("c-1");
    loaded(&mut s, "c-1", "details-sample.json", DetailsWhy::Opened);
    assert!(s.requests.details_in_flight.is_empty());
    let log: Vec<String> = s.log.visible().iter().map(|l| l.text.clone()).collect();
    assert!(
        log.iter().any(|l| l.contains("no longer listed")),
        "{log:?}"
    );
}

/// The Kore section of the selected conversation's detail, `cells` wide
/// (wide enough here that nothing wraps), mono.
fn kore_text(s: &State) -> String {
    let theme = switchboard::ui::theme::Theme::new(switchboard::ui::theme::ThemeKind::Mono, false);
    let c = s.selected_conversation().unwrap();
    switchboard::ui::kore_details::lines(c, s, 400, &theme)
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|x| x.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(s: &State, w: u16, h: u16) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let theme = switchboard::ui::theme::Theme::new(switchboard::ui::theme::ThemeKind::Mono, false);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| switchboard::ui::view::view(s, f, &theme))
        .unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------
// The simulator through the real client and runner
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_simulator_serves_details_by_session_and_by_id() {
    let sim = common::sim::simulator().await;
    let client = common::sim::client(&sim, |_| {});
    let listed = client
        .list_conversations(&Default::default(), Priority::User)
        .await
        .outcome
        .unwrap()
        .body
        .results;
    // The demo's Billing backlog waited too long: Kore moved one.
    let overdue = listed
        .iter()
        .find(|c| c.status.as_deref() == Some("OVERDUE"))
        .expect("the demo has an overdue conversation");
    let session = overdue.bot_session_id.clone().unwrap();
    let call = client.conversation_details(&session, Priority::User).await;
    assert_eq!(call.request.method, "GET");
    assert!(
        call.request.path.contains("conversations/sessions/"),
        "{}",
        call.request.path
    );
    let reply = call.outcome.unwrap();
    assert!(
        !reply.body_summary.contains(SAMPLE_EMAIL),
        "{}",
        reply.body_summary
    );
    let d = reply.body;
    assert_eq!(d.conversation_id(), overdue.id.as_deref());
    let moved = d
        .transfer_details
        .iter()
        .find(|t| t.system_transfer_reason.as_deref() == Some("OVERDUE"))
        .expect("an OVERDUE move");
    assert_eq!(moved.priority.as_deref(), Some("HIGHEST"));
    assert_eq!(moved.system_transfer, Some(true));
    let u = d.user_info.unwrap();
    assert_eq!(
        (u.email(), u.phone()),
        (Some(SAMPLE_EMAIL), Some(SAMPLE_PHONE))
    );

    // By conversation id: the record with the details over it.
    let id = overdue.id.clone().unwrap();
    let by_id = client
        .conversation(&id, Priority::User)
        .await
        .outcome
        .unwrap();
    assert_eq!(by_id.body.transfer_details, d.transfer_details);

    // Unknown ones: 404 with a message.
    let missing = client.conversation_details("nope", Priority::User).await;
    match missing.outcome {
        Err(CallError::Api {
            status, message, ..
        }) => {
            assert_eq!(status, 404);
            assert!(message.contains("nope"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_assign_shows_in_the_transfer_history_with_participants() {
    let sim = common::sim::simulator().await;
    let client = common::sim::client(&sim, |_| {});
    let listed = client
        .list_conversations(&Default::default(), Priority::User)
        .await
        .outcome
        .unwrap()
        .body
        .results;
    let active = listed
        .iter()
        .find(|c| c.status.as_deref() == Some("ACTIVE") && !c.participants.is_empty())
        .expect("an active conversation");
    let session = active.bot_session_id.clone().unwrap();
    // The simulator's three queues, on one page.
    let queues = client
        .list_queues(1, Priority::User)
        .await
        .outcome
        .unwrap()
        .body
        .results;
    let target = queues.last().unwrap();
    let target_id = target.id.clone();
    let request = wire::AssignRequest::new(
        "http://127.0.0.1:9/cb",
        sim.client_settings().org_id,
        &session,
        &wire::AssignTarget::Queue(target_id.clone()),
    );
    let done = client.assign(&request, "assign", Priority::User).await;
    assert!(done.is_ok(), "{:?}", done.outcome);
    // The simulator carries the assign out when it posts the callback:
    // read until the transfer is there.
    let mut d = ConversationDetails::default();
    for _ in 0..200 {
        d = client
            .conversation_details(&session, Priority::User)
            .await
            .outcome
            .unwrap()
            .body;
        if !d.transfer_details.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let t = d.transfer_details.last().expect("the assign");
    assert_eq!(t.transferred_type.as_deref(), Some("QUEUE"));
    assert_eq!(t.transferred_to[0].id.as_deref(), Some(target_id.as_str()));
    assert!(
        t.transferred_by_agent_name
            .as_deref()
            .unwrap()
            .contains("Supervisor")
    );
    assert_eq!(t.system_transfer, Some(false));
    let left = d
        .participants
        .iter()
        .find(|p| p.status.as_deref() == Some("INACTIVE"))
        .expect("the agent it left");
    assert_eq!(left.transferred(), Some(true));
    assert!(left.end_time_stamp.is_some() && left.queue_name.is_some());
    assert!(
        !d.summary.is_empty(),
        "a transferred conversation has a summary"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_runner_fetches_at_the_users_priority_and_reports_back() {
    let sim = common::sim::simulator().await;
    let client = common::sim::client(&sim, |_| {});
    let listed = client
        .list_conversations(&Default::default(), Priority::User)
        .await
        .outcome
        .unwrap()
        .body
        .results;
    let conv = listed[0].clone();
    let mut run = common::sim::runner(client, None, 1).await;
    run.runner.run(Effect::FetchDetails {
        conv_id: conv.id.clone().unwrap(),
        session: conv.bot_session_id.clone(),
        why: DetailsWhy::Refresh,
    });
    let mut log_line = None;
    let loaded = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), run.rx.recv())
            .await
            .expect("an answer")
            .expect("the runner is alive")
        {
            Action::Log { text, .. } => log_line = Some(text),
            a @ Action::DetailsLoaded { .. } => break a,
            _ => {}
        }
    };
    let Action::DetailsLoaded {
        conv_id,
        result,
        why,
    } = loaded
    else {
        unreachable!()
    };
    assert_eq!(conv_id, conv.id.unwrap());
    assert_eq!(why, DetailsWhy::Refresh);
    assert!(result.unwrap().user_info.is_some());
    let line = log_line.expect("a log line for the answer");
    assert!(line.contains("details: 200"), "{line}");
    assert!(
        !line.contains(SAMPLE_EMAIL) && !line.contains(SAMPLE_PHONE),
        "{line}"
    );
    sim.shutdown().await;
}
