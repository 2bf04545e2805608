//! Kore's picture and this console's events as one roster (issue 17.1, 17.2),
//! driven through `update()` with a fixed clock: agents Kore lists but this
//! console never entered can be ended, removed and transferred; where the
//! two disagree Kore wins and the detail says so; a refusal that says the
//! roster is stale asks for details, rebuilds the roster from them and
//! offers the action again without sending anything by itself.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::details::DetailsWhy;
use switchboard::app::state::*;
use switchboard::app::{Action, Effect, ReplyInfo, State, update};
use switchboard::domain::{Event, Source, TransferKind, Transition};
use switchboard::kore::wire::{
    CallError, ConversationDetails, ConversationParticipant, ConversationRecord,
};
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{agent, key, listed, settings};

const NOW: i64 = 1_700_000_000_000;

fn iso(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = NOW;
    s.model.agents = vec![
        agent("a-mia", "Mia Chen", Presence::Available, (0, 5), (0, 1)),
        agent("a-raj", "Raj Patel", Presence::Available, (0, 5), (0, 1)),
        agent("a-bob", "Bob Stone", Presence::Busy, (1, 5), (0, 1)),
    ];
    s
}

/// A participant Kore lists as entered `since` ms before NOW.
fn present(id: &str, name: &str, since: i64) -> ConversationParticipant {
    ConversationParticipant {
        agent_id: Some(id.into()),
        name: Some(name.into()),
        status: Some("ACTIVE".into()),
        assigned_at: Some(iso(NOW - since - 1_000)),
        start_time_stamp: Some(iso(NOW - since)),
        ..Default::default()
    }
}

fn record(id: &str, participants: Vec<ConversationParticipant>) -> ConversationRecord {
    ConversationRecord {
        id: Some(id.into()),
        bot_session_id: Some(format!("sess-{id}")),
        status: Some("ACTIVE".into()),
        conversation_type: Some("livechat".into()),
        participants,
        ..Default::default()
    }
}

/// A console listing `c-1` with Bob in it, entered by another client.
fn bob_in_c1() -> State {
    let mut s = console();
    listed(
        &mut s,
        vec![record("c-1", vec![present("a-bob", "Bob Stone", 60_000)])],
    );
    s.views.list.selected = Some("c-1".into());
    s
}

fn sent_events(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::SendEvent { event, .. } => Some(event.describe()),
            _ => None,
        })
        .collect()
}

/// `k` opens the picker, `who` is typed, Enter picks the first match.
fn pick(s: &mut State, k: char, who: &str) -> Vec<Effect> {
    update(s, key(k));
    for c in who.chars() {
        update(s, key(c));
    }
    update(
        s,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    )
}

fn confirm(s: &mut State) -> Vec<Effect> {
    update(s, key('y'))
}

fn prompt(s: &State) -> String {
    match &s.views.mode {
        Mode::Confirm { prompt, .. } => prompt.clone(),
        other => panic!("no confirmation open: {other:?}"),
    }
}

fn ok(req_id: &str, conv: &str) -> Action {
    Action::HookDone {
        req_id: req_id.into(),
        conversation: conv.into(),
        outcome: Ok(ReplyInfo {
            status: 200,
            latency_ms: 9,
            body: "{}".into(),
            response: serde_json::Value::Null,
        }),
        attempts: 1,
        maybe_arrived: Vec::new(),
    }
}

fn refused(req_id: &str, conv: &str, message: &str) -> Action {
    Action::HookDone {
        req_id: req_id.into(),
        conversation: conv.into(),
        outcome: Err(CallError::Api {
            status: 400,
            message: message.into(),
            latency_ms: 9,
        }),
        attempts: 1,
        maybe_arrived: Vec::new(),
    }
}

fn req_ids(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::SendEvent { req_id, .. } => Some(req_id.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn end_on_a_conversation_kore_says_bob_is_in_sends_his_na_exit() {
    let mut s = bob_in_c1();
    let merged = s.model.conversations["c-1"].merged();
    assert_eq!(merged.sources, vec![Source::Kore]);
    update(&mut s, key('E'));
    assert!(prompt(&s).contains("NA exit Bob Stone"), "{}", prompt(&s));
    let fx = confirm(&mut s);
    let sent = sent_events(&fx);
    assert_eq!(sent[0], "NA exit Bob Stone");
    assert!(
        sent.iter().any(|e| e.contains("END_OF_CONVERSATION")),
        "{sent:?}"
    );
    // His hooks identity is the directory's.
    let Effect::SendEvent { event, .. } = &fx[0] else {
        panic!()
    };
    assert_eq!(event.agent().unwrap().identity, "a-bob");
}

#[test]
fn enter_is_refused_when_kore_lists_an_agent_and_warm_and_cold_go_ahead() {
    let mut s = bob_in_c1();
    // `e` (NA entry) would be a second first entry: refused, nothing sent.
    let fx = update(&mut s, key('e'));
    assert!(fx.is_empty());
    assert!(matches!(s.views.mode, Mode::Normal), "{:?}", s.views.mode);

    // `w`: Mia joins Bob as a consultant.
    pick(&mut s, 'w', "mia");
    assert!(prompt(&s).contains("WARM entry Mia Chen"), "{}", prompt(&s));
    update(&mut s, key('n'));

    // `t`: Bob leaves with COLD exit, Raj enters with COLD entry.
    pick(&mut s, 't', "raj");
    let p = prompt(&s);
    assert!(p.contains("Bob Stone → Raj Patel"), "{p}");
    let fx = confirm(&mut s);
    assert_eq!(
        sent_events(&fx),
        vec!["COLD exit Bob Stone", "COLD entry Raj Patel"]
    );
}

#[test]
fn remove_takes_the_roster_row_kore_lists() {
    let mut s = console();
    listed(
        &mut s,
        vec![record(
            "c-1",
            vec![
                present("a-bob", "Bob Stone", 60_000),
                present("a-raj", "Raj Patel", 30_000),
            ],
        )],
    );
    s.views.list.selected = Some("c-1".into());
    s.views.focus = Pane::Roster;
    s.views.detail.roster_cursor = 1;
    update(&mut s, key('x'));
    let fx = confirm(&mut s);
    let Some(Effect::SendEvent { event, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert!(matches!(
        event,
        Event::Transfer {
            kind: TransferKind::Warm,
            transition: Transition::Exit,
            ..
        }
    ));
    assert_eq!(event.agent().unwrap().id, "a-raj");
}

#[test]
fn sources_say_kore_console_or_both() {
    let mut s = console();
    listed(&mut s, vec![record("c-1", vec![])]);
    s.views.list.selected = Some("c-1".into());
    // This console enters Mia.
    pick(&mut s, 'e', "mia");
    let fx = confirm(&mut s);
    let id = req_ids(&fx).remove(0);
    update(&mut s, ok(&id, "c-1"));
    assert_eq!(
        s.model.conversations["c-1"].merged().sources,
        vec![Source::Console]
    );

    // Kore lists her too, and Raj whom another client entered.
    s.now_ms += 5_000;
    listed(
        &mut s,
        vec![record(
            "c-1",
            vec![
                present("a-mia", "Mia Chen", 4_000),
                present("a-raj", "Raj Patel", 1_000),
            ],
        )],
    );
    let m = s.model.conversations["c-1"].merged();
    assert_eq!(m.sources, vec![Source::Both, Source::Kore]);
    assert_eq!(m.roster.primary().unwrap().agent.id, "a-mia");
    assert!(m.disagreements.is_empty());
}

#[test]
fn kore_not_listing_our_agent_for_long_wins_and_is_said() {
    let mut s = console();
    listed(&mut s, vec![record("c-1", vec![])]);
    s.views.list.selected = Some("c-1".into());
    pick(&mut s, 'e', "mia");
    let id = req_ids(&confirm(&mut s)).remove(0);
    update(&mut s, ok(&id, "c-1"));

    // A poll right after: Kore may not have her yet. She stays.
    s.now_ms += 2_000;
    listed(&mut s, vec![record("c-1", vec![])]);
    assert_eq!(
        s.model.conversations["c-1"].merged().roster.members().len(),
        1
    );

    // A minute on, Kore still lists nobody: Kore wins, and says so.
    s.now_ms += 60_000;
    listed(&mut s, vec![record("c-1", vec![])]);
    let c = &s.model.conversations["c-1"];
    let m = c.merged();
    assert!(m.roster.members().is_empty());
    assert_eq!(m.disagreements.len(), 1);
    assert!(
        m.disagreements[0]
            .describe()
            .contains("no longer lists Mia Chen"),
        "{:?}",
        m.disagreements
    );
    // Her entry is still on the timeline.
    assert!(
        c.timeline
            .iter()
            .any(|t| matches!(t, TimelineItem::Event { text, .. } if text == "NA entry Mia Chen"))
    );
    // The rules follow Kore: nobody to remove.
    s.views.focus = Pane::Roster;
    assert!(update(&mut s, key('x')).is_empty());
}

#[test]
fn kore_still_listing_an_agent_we_removed_long_ago_wins() {
    let mut s = console();
    listed(&mut s, vec![record("c-1", vec![])]);
    s.views.list.selected = Some("c-1".into());
    // Mia enters, Raj joins, Raj leaves: all delivered.
    for (k, who) in [('e', "mia"), ('w', "raj")] {
        pick(&mut s, k, who);
        let id = req_ids(&confirm(&mut s)).remove(0);
        update(&mut s, ok(&id, "c-1"));
    }
    s.views.focus = Pane::Roster;
    s.views.detail.roster_cursor = 1;
    update(&mut s, key('x'));
    let id = req_ids(&confirm(&mut s)).remove(0);
    update(&mut s, ok(&id, "c-1"));
    assert_eq!(
        s.model.conversations["c-1"].merged().roster.members().len(),
        1
    );

    s.now_ms += 60_000;
    listed(
        &mut s,
        vec![record(
            "c-1",
            vec![
                present("a-mia", "Mia Chen", 61_000),
                present("a-raj", "Raj Patel", 61_000),
            ],
        )],
    );
    let m = s.model.conversations["c-1"].merged();
    assert_eq!(m.roster.members().len(), 2, "Kore wins");
    assert!(
        m.disagreements[0]
            .describe()
            .contains("still lists Raj Patel")
    );
}

fn details_with(participants: serde_json::Value) -> Box<ConversationDetails> {
    let body = serde_json::json!({
        "_id": "c-1",
        "participants": participants,
        "status": "ACTIVE",
        "summary": ["The customer asked about a refund."],
    });
    Box::new(serde_json::from_value(body).unwrap())
}

#[test]
fn a_stale_refusal_heals_the_roster_from_details_and_offers_the_action_again() {
    let mut s = console();
    listed(&mut s, vec![record("c-1", vec![])]);
    s.views.list.selected = Some("c-1".into());
    // `E` on an empty roster is refused; `e` Mia goes out ...
    pick(&mut s, 'e', "mia");
    let fx = confirm(&mut s);
    let id = req_ids(&fx).remove(0);
    // ... and Kore says someone is already present.
    let fx = update(
        &mut s,
        refused(
            &id,
            "c-1",
            "\"a-bob\" already present; NA entry is only for the first agent",
        ),
    );
    let asked: Vec<_> = fx
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::FetchDetails {
                    why: DetailsWhy::Heal,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(asked.len(), 1, "{fx:?}");
    assert!(sent_events(&fx).is_empty(), "nothing re-sent");
    let c = &s.model.conversations["c-1"];
    assert!(c.healing.is_some());
    assert!(
        c.timeline.iter().any(
            |t| matches!(t, TimelineItem::Note { text, .. } if text.contains("roster differs"))
        )
    );
    // A second refusal meanwhile asks nothing more.
    assert!(update(&mut s, refused(&id, "c-1", "already present")).is_empty());

    // The details say Bob is in.
    s.now_ms += 300;
    let fx = update(
        &mut s,
        Action::DetailsLoaded {
            conv_id: "c-1".into(),
            result: Ok(details_with(serde_json::json!([{
                "agentId": "a-bob", "name": "Bob Stone", "status": "ACTIVE",
                "assignedAt": iso(NOW - 90_000), "startTimeStamp": iso(NOW - 80_000)
            }]))),
            why: DetailsWhy::Heal,
        },
    );
    assert!(sent_events(&fx).is_empty(), "nothing re-sent: {fx:?}");
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::DropRequests { req_ids, .. } if req_ids == &vec![id.clone()])
        ),
        "{fx:?}"
    );
    let c = &s.model.conversations["c-1"];
    assert!(c.healing.is_none());
    let m = c.merged();
    assert_eq!(m.roster.primary().unwrap().agent.id, "a-bob");
    assert!(
        c.timeline.iter().any(|t| matches!(
            t,
            TimelineItem::Note { text, .. } if text.contains("roster rebuilt from Kore's details: Bob Stone (Kore)")
        )),
        "{:?}",
        c.timeline
    );
    assert!(
        c.timeline.iter().any(|t| matches!(
            t,
            TimelineItem::Event { req_id, delivery: Delivery::Superseded { .. }, .. } if *req_id == id
        )),
        "the refused request holds nothing now"
    );
    assert_eq!(s.failed_count(), 0);
    // Offered again on the healed roster: NA entry is no longer possible
    // with Bob in, so it is refused in words, and nothing is queued.
    assert!(matches!(s.views.mode, Mode::Normal));
    let flash = s.views.flash.clone().map(|f| f.0).unwrap_or_default();
    assert!(flash.contains("cannot go ahead"), "{flash}");
}

#[test]
fn a_healed_end_is_offered_again_behind_a_confirmation_even_without_confirm() {
    let mut s = console();
    s.settings.confirm = false;
    listed(&mut s, vec![record("c-1", vec![])]);
    s.views.list.selected = Some("c-1".into());
    // The console entered Mia long ago (so Kore's empty list is no news)...
    let fx = pick(&mut s, 'e', "mia");
    let id = req_ids(&fx).remove(0);
    update(&mut s, ok(&id, "c-1"));
    // ... and ends it: NA exit Mia, summary, end.
    let fx = update(&mut s, key('E'));
    let ids = req_ids(&fx);
    assert_eq!(ids.len(), 3, "{fx:?}");
    // Kore: Mia is not a participant (the list had not said).
    let fx = update(
        &mut s,
        refused(
            &ids[0],
            "c-1",
            "\"a-mia\" is not a participant (not present)",
        ),
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchDetails { .. })));
    update(
        &mut s,
        Action::HookHeld {
            conversation: "c-1".into(),
            req_ids: ids[1..].to_vec(),
        },
    );
    // Details: Raj is the one in it.
    s.now_ms += 1_000;
    let fx = update(
        &mut s,
        Action::DetailsLoaded {
            conv_id: "c-1".into(),
            result: Ok(details_with(serde_json::json!([
                {"agentId": "a-mia", "status": "INACTIVE", "startTimeStamp": iso(NOW - 50_000), "endTimeStamp": iso(NOW - 40_000)},
                {"agentId": "a-raj", "status": "ACTIVE", "startTimeStamp": iso(NOW - 30_000)}
            ]))),
            why: DetailsWhy::Heal,
        },
    );
    // The whole refused action is dropped, not sent.
    assert!(sent_events(&fx).is_empty());
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::DropRequests { req_ids, .. } if req_ids.len() == 3)),
        "{fx:?}"
    );
    // ... and offered again, planned on Kore's roster, asking first.
    let p = prompt(&s);
    assert!(p.contains("Kore's roster differs"), "{p}");
    assert!(p.contains("NA exit Raj Patel"), "{p}");
    let fx = confirm(&mut s);
    assert_eq!(sent_events(&fx)[0], "NA exit Raj Patel");
}

#[test]
fn a_refusal_that_does_not_say_stale_on_a_kore_roster_asks_nothing() {
    let mut s = bob_in_c1();
    update(&mut s, key('E'));
    let id = req_ids(&confirm(&mut s)).remove(0);
    let fx = update(&mut s, refused(&id, "c-1", "language is required"));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::FetchDetails { .. })),
        "{fx:?}"
    );
    assert!(s.model.conversations["c-1"].healing.is_none());
}

#[test]
fn the_stale_words_and_the_console_only_rule() {
    use switchboard::app::update::says_roster_stale;
    assert!(says_roster_stale(400, "\"a-1\" is already present", false));
    assert!(says_roster_stale(
        409,
        "Agent is NOT A PARTICIPANT of this conversation",
        false
    ));
    assert!(
        says_roster_stale(400, "bad order", true),
        "console-only 400"
    );
    assert!(!says_roster_stale(400, "bad order", false));
    assert!(!says_roster_stale(429, "already present", true));
    assert!(!says_roster_stale(500, "already present", true));
}

#[test]
fn the_agents_pane_knows_what_each_agent_holds_from_the_merged_rosters() {
    let mut s = console();
    listed(
        &mut s,
        vec![
            record("c-1", vec![present("a-bob", "Bob Stone", 60_000)]),
            record("c-2", vec![present("a-bob", "Bob Stone", 30_000)]),
            record("c-3", vec![]),
        ],
    );
    assert_eq!(s.agent_conversations("a-bob"), vec!["c-1", "c-2"]);
    assert!(s.agent_conversations("a-mia").is_empty());
    // This console enters Mia into c-3: she holds it too.
    s.views.list.selected = Some("c-3".into());
    pick(&mut s, 'e', "mia");
    let id = req_ids(&confirm(&mut s)).remove(0);
    update(&mut s, ok(&id, "c-3"));
    assert_eq!(s.agent_conversations("a-mia"), vec!["c-3"]);
    // The agents pane shows it at 120 columns.
    s.views.queues.shown = false;
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut term = ratatui::Terminal::new(backend).unwrap();
    let theme = switchboard::ui::theme::Theme::new(switchboard::ui::theme::ThemeKind::Mono, false);
    term.draw(|f| switchboard::ui::view::view(&s, f, &theme))
        .unwrap();
    let screen: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("c-1 c-2"), "{screen}");
}

/// In team mode the conversation's claim waits for every request of the
/// action. A heal drops the refused action's held rest (no outcome will
/// come for them): the claim is released then, not renewed until its
/// 15-minute cap with a teammate refused all that time.
#[test]
fn a_heal_releases_the_claim_that_waited_for_the_dropped_requests() {
    let mut s = console();
    s.settings.confirm = false;
    listed(&mut s, vec![record("c-1", vec![])]);
    s.views.list.selected = Some("c-1".into());
    let fx = pick(&mut s, 'e', "mia");
    let id = req_ids(&fx).remove(0);
    update(&mut s, ok(&id, "c-1"));
    let fx = update(&mut s, key('E'));
    let ids = req_ids(&fx);
    assert_eq!(ids.len(), 3, "{fx:?}");
    // As a granted claim leaves it: c-1 held until all three have outcomes.
    s.model.status.team_view.on = true;
    s.model
        .status
        .team_view
        .claimed
        .insert("c-1".into(), ids.iter().cloned().collect());
    let fx = update(
        &mut s,
        refused(
            &ids[0],
            "c-1",
            "\"a-mia\" is not a participant (not present)",
        ),
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::ReleaseClaim { .. })),
        "two requests still held: {fx:?}"
    );
    update(
        &mut s,
        Action::HookHeld {
            conversation: "c-1".into(),
            req_ids: ids[1..].to_vec(),
        },
    );
    s.now_ms += 1_000;
    let fx = update(
        &mut s,
        Action::DetailsLoaded {
            conv_id: "c-1".into(),
            result: Ok(details_with(serde_json::json!([
                {"agentId": "a-raj", "status": "ACTIVE", "startTimeStamp": iso(NOW - 30_000)}
            ]))),
            why: DetailsWhy::Heal,
        },
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::DropRequests { .. })),
        "{fx:?}"
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::ReleaseClaim { conversation } if conversation == "c-1")),
        "{fx:?}"
    );
    assert!(s.model.status.team_view.claimed.is_empty());
}
