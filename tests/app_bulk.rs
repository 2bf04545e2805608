//! Bulk actions on marks (issue 22, points 2 and 3) in `update()`: the one
//! confirmation names the count and the target, the conversations it does
//! not apply to are named, the requests go out as one `SendBulk`, the
//! progress line, cancellation (Esc and `:bulk cancel`), and a single action
//! taken while a bulk is on its way.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::TeamReport;
use switchboard::app::state::*;
use switchboard::app::team::ClaimReply;
use switchboard::app::{Action, Effect, State, update};
use switchboard::domain::{AgentRef, Event};
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{agent, key, settings};

/// Six chat conversations with bot sessions (c-1 … c-6), listed by id, a
/// queue Support, Mia and Raj in the directory; c-1 selected.
fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = 1_000_000;
    for i in 1..=6 {
        let id = format!("c-{i}");
        let mut c = Conversation::new(&id, Channel::Chat, "en");
        c.bot_session_id = Some(format!("sess-{i}"));
        s.model.conversations.insert(id.clone(), c);
    }
    s.model.queues = vec![Queue {
        id: "qu-1".into(),
        name: "Support".into(),
        members: Vec::new(),
        size: None,
        size_at_ms: None,
        size_error: None,
    }];
    s.model.agents = vec![
        agent("a-1", "Mia Chen", Presence::Available, (0, 3), (0, 1)),
        agent("a-2", "Raj Patel", Presence::Available, (0, 3), (0, 1)),
    ];
    s.views.list.sort = SortBy::Id;
    s.views.list.selected = Some("c-1".into());
    s
}

fn press(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn colon(s: &mut State, line: &str) -> Vec<Effect> {
    let mut fx = update(s, key(':'));
    for c in line.chars() {
        fx.extend(update(s, key(c)));
    }
    fx.extend(update(s, press(KeyCode::Enter)));
    fx
}

fn prompt(s: &State) -> String {
    match &s.views.mode {
        Mode::Confirm { prompt, .. } => prompt.clone(),
        other => panic!("no confirmation open: {other:?}"),
    }
}

fn flash(s: &State) -> String {
    s.views
        .flash
        .as_ref()
        .map(|f| f.0.clone())
        .unwrap_or_default()
}

fn log_has(s: &State, text: &str) -> bool {
    s.log.lines.iter().any(|l| l.text.contains(text))
}

/// The requests of a `SendBulk`: (conversation, request id).
fn bulk_sends(fx: &[Effect]) -> Vec<(String, String)> {
    let sends = fx
        .iter()
        .find_map(|e| match e {
            Effect::SendBulk { sends } => Some(sends),
            _ => None,
        })
        .expect("a SendBulk");
    sends
        .iter()
        .map(|e| match e {
            Effect::Assign {
                conversation,
                req_id,
                ..
            }
            | Effect::SendEvent {
                conversation,
                req_id,
                ..
            } => (conversation.clone(), req_id.clone()),
            other => panic!("not a request: {other:?}"),
        })
        .collect()
}

fn sent(s: &mut State, conversation: &str, req_id: &str) {
    update(
        s,
        Action::RequestSent {
            req_id: req_id.into(),
            conversation: conversation.into(),
            line: "POST".into(),
        },
    );
}

#[test]
fn the_confirmation_names_the_count_and_the_target() {
    let mut s = console();
    colon(&mut s, "mark filter");
    assert_eq!(s.views.list.marks.len(), 6);
    let fx = colon(&mut s, "assign queue Support");
    assert!(fx.is_empty(), "nothing goes before the answer");
    assert_eq!(prompt(&s), "Assign 6 conversations to queue Support? y/N");
    // Enter does not answer yes to a bulk.
    update(&mut s, press(KeyCode::Enter));
    assert_eq!(s.views.mode, Mode::Normal);
    assert_eq!(s.views.list.marks.len(), 6, "no answer keeps the marks");
}

#[test]
fn a_picked_agent_is_the_target_and_one_request_each_goes_as_one_bulk() {
    let mut s = console();
    colon(&mut s, "mark filter");
    update(&mut s, key('a'));
    let Mode::Picker(p) = &s.views.mode else {
        panic!("the picker is open")
    };
    assert_eq!(p.conversation, "6 marked");
    for c in "raj".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, press(KeyCode::Enter));
    assert_eq!(prompt(&s), "Assign 6 conversations to Raj Patel? y/N");
    let fx = update(&mut s, key('y'));
    assert_eq!(fx.len(), 1, "one SendBulk: {fx:?}");
    let sends = bulk_sends(&fx);
    let convs: Vec<&str> = sends.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(convs, ["c-1", "c-2", "c-3", "c-4", "c-5", "c-6"]);
    assert!(s.views.list.marks.is_empty(), "the marks were used");
    // Each is awaited as a single assign is.
    assert_eq!(s.requests.awaiting_callback.len(), 6);
    let b = s.requests.bulk.as_ref().expect("a bulk on its way");
    assert_eq!(b.line(), "assigned 0 of 6 · 6 queued · ~0 s");
    assert!(log_has(&s, "bulk assign Raj Patel: 6 conversations queued"));
}

/// The marked go in the list's order, and those the list does not show
/// now (filtered out) after them, by id.
#[test]
fn marked_ones_go_in_the_list_order_and_the_hidden_after_them() {
    let mut s = console();
    colon(&mut s, "mark filter");
    s.views.list.reversed = true;
    // Shown: c-6 .. c-3 (reversed; `c-1` and `c-2` filtered out).
    colon(&mut s, "filter state=waiting");
    for id in ["c-1", "c-2"] {
        let c = s.model.conversations.get_mut(id).unwrap();
        c.api_status = Some("ACTIVE".into());
    }
    let shown: Vec<String> = s
        .visible_conversations()
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(shown, ["c-6", "c-5", "c-4", "c-3"]);
    update(&mut s, key('a'));
    for c in "raj".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, press(KeyCode::Enter));
    let fx = update(&mut s, key('y'));
    let sends = bulk_sends(&fx);
    let convs: Vec<&str> = sends.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(convs, ["c-6", "c-5", "c-4", "c-3", "c-1", "c-2"]);
}

#[test]
fn conversations_the_action_cannot_apply_to_are_named() {
    let mut s = console();
    s.model.conversations.get_mut("c-2").unwrap().bot_session_id = None;
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    assert_eq!(
        prompt(&s),
        "Assign 5 conversations to queue Support (1 skipped: c-2 has no bot session id)? y/N"
    );
    let fx = update(&mut s, key('y'));
    assert_eq!(bulk_sends(&fx).len(), 5);
    assert!(log_has(
        &s,
        "bulk assign queue Support: 5 conversations queued (1 skipped: c-2 has no bot session id)"
    ));

    // A removal skips the rosters that do not hold the agent, with the
    // domain's reason.
    let mut s = console();
    let mia = AgentRef::new("a-1", "Mia Chen");
    for id in ["c-1", "c-3"] {
        let c = s.model.conversations.get_mut(id).unwrap();
        c.roster.apply(&Event::na_entry(mia.clone()), 1).unwrap();
    }
    colon(&mut s, "mark filter");
    colon(&mut s, "remove a-1");
    let p = prompt(&s);
    assert!(
        p.starts_with("Remove Mia Chen from 2 conversations (4 skipped: c-2 ("),
        "{p}"
    );
    assert!(p.contains("c-6 ("), "every skipped one is named: {p}");
}

#[test]
fn nothing_to_do_is_refused_with_the_reasons() {
    let mut s = console();
    for c in s
        .model
        .conversations
        .values()
        .map(|c| c.id.clone())
        .collect::<Vec<_>>()
    {
        s.model.conversations.get_mut(&c).unwrap().bot_session_id = None;
    }
    colon(&mut s, "mark filter");
    let fx = colon(&mut s, "assign queue Support");
    assert!(fx.is_empty());
    assert_eq!(s.views.mode, Mode::Normal);
    assert!(flash(&s).starts_with("nothing to assign among the marked: 6 skipped: c-1 has no bot"));
    assert!(flash(&s).ends_with(", 1 more"), "{}", flash(&s));
}

#[test]
fn the_progress_line_counts_what_left_and_estimates_the_rest() {
    let mut s = console();
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    let sends = bulk_sends(&update(&mut s, key('y')));
    update(&mut s, Action::BulkPace { pace_ms: 1_260 });
    for (c, r) in &sends[..2] {
        sent(&mut s, c, r);
    }
    let b = s.requests.bulk.as_ref().unwrap();
    assert_eq!(b.line(), "assigned 2 of 6 · 4 queued · ~6 s");
    for (c, r) in &sends[2..] {
        sent(&mut s, c, r);
    }
    assert!(s.requests.bulk.is_none(), "all left: the line goes");
    assert!(log_has(&s, "bulk assign: 6 of 6 conversations left"));
}

#[test]
fn esc_cancels_what_has_not_left_and_what_left_keeps_its_outcome() {
    let mut s = console();
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    let sends = bulk_sends(&update(&mut s, key('y')));
    sent(&mut s, &sends[0].0, &sends[0].1);
    // The first Esc clears the message line; the next is the progress
    // line's.
    update(&mut s, press(KeyCode::Esc));
    assert!(s.requests.bulk.is_some());
    let fx = update(&mut s, press(KeyCode::Esc));
    let dropped: Vec<(String, Vec<String>)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::DropRequests {
                conversation,
                req_ids,
            } => Some((conversation.clone(), req_ids.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(dropped.len(), 5);
    assert!(dropped.iter().all(|(c, _)| c != "c-1"), "c-1 had left");
    assert_eq!(dropped[0], ("c-2".to_string(), vec![sends[1].1.clone()]));
    assert!(s.requests.bulk.is_none());
    assert!(log_has(
        &s,
        "bulk assign cancelled: 1 of 6 conversations had left and keep their outcome; 5 dropped, never sent"
    ));
    // The dropped ones no longer wait for a callback; the one that left does.
    assert_eq!(s.requests.awaiting_callback.len(), 1);
    assert!(s.requests.awaiting_callback.contains_key(&sends[0].1));
    let c2 = &s.model.conversations["c-2"];
    assert!(c2.timeline.iter().any(|t| matches!(
        t,
        TimelineItem::Assign { state: AssignState::Rejected { message, .. }, .. }
            if message.contains("dropped")
    )));
}

#[test]
fn bulk_cancel_on_the_command_line() {
    let mut s = console();
    colon(&mut s, "mark filter");
    // With nobody in it, a conversation has nothing to end.
    update(&mut s, key('E'));
    assert!(
        flash(&s).starts_with(
            "nothing to end among the marked: 6 skipped: c-1 (no agent has entered this conversation yet), c-2 ("
        ),
        "{}",
        flash(&s)
    );
    let mia = AgentRef::new("a-1", "Mia Chen");
    for i in 1..=6 {
        let c = s.model.conversations.get_mut(&format!("c-{i}")).unwrap();
        c.roster.apply(&Event::na_entry(mia.clone()), 1).unwrap();
    }
    update(&mut s, key('E'));
    assert_eq!(prompt(&s), "End 6 conversations? y/N");
    let sends = bulk_sends(&update(&mut s, key('y')));
    assert!(sends.len() >= 6, "an end's events for each");
    let fx = colon(&mut s, "bulk cancel");
    let drops = fx
        .iter()
        .filter(|e| matches!(e, Effect::DropRequests { .. }))
        .count();
    assert_eq!(drops, 6);
    let c1 = &s.model.conversations["c-1"];
    assert!(c1.timeline.iter().all(|t| !matches!(
        t,
        TimelineItem::Event {
            delivery: Delivery::Queued,
            ..
        }
    )));
    // Nothing left to cancel.
    colon(&mut s, "bulk cancel");
    assert_eq!(flash(&s), "no bulk action is going");
}

#[test]
fn a_single_action_during_a_bulk_is_its_own_request() {
    let mut s = console();
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    let sends = bulk_sends(&update(&mut s, key('y')));
    sent(&mut s, &sends[0].0, &sends[0].1);
    // The marks were used: `a` is a single assign again, of the selected
    // conversation, and goes as a plain request (the runner sends it before
    // the bulk's queued ones).
    s.views.list.selected = Some("c-6".into());
    colon(&mut s, "assign Mia");
    let fx = update(&mut s, key('y'));
    assert!(
        matches!(fx.as_slice(), [Effect::Assign { conversation, .. }] if conversation == "c-6"),
        "{fx:?}"
    );
    // The bulk goes on; a second bulk waits for it.
    let b = s.requests.bulk.as_ref().unwrap();
    assert_eq!(b.line(), "assigned 1 of 6 · 5 queued · ~0 s");
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    assert_eq!(s.views.mode, Mode::Normal);
    assert!(flash(&s).starts_with("a bulk assign is still going (assigned 1 of 6"));
}

#[test]
fn a_bulk_assign_spreads_over_several_agents_by_their_free_capacity() {
    let mut s = console();
    // Mia has 3 chats free, Raj 2: five of the six fit.
    s.model.agents[1] = agent("a-2", "Raj Patel", Presence::Available, (1, 3), (0, 1));
    colon(&mut s, "mark filter");
    colon(&mut s, "assign mia, raj");
    assert_eq!(
        prompt(&s),
        "Assign 5 conversations to Mia Chen (3), Raj Patel (2) (1 skipped: c-6 (no room on chat))? y/N"
    );
    let fx = update(&mut s, key('y'));
    let sends = match &fx[..] {
        [Effect::SendBulk { sends }] => sends.clone(),
        other => panic!("{other:?}"),
    };
    let to: Vec<(String, String)> = sends
        .iter()
        .map(|e| match e {
            Effect::Assign {
                conversation,
                target_name,
                ..
            } => (conversation.clone(), target_name.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    let want = [
        ("c-1", "Mia Chen"),
        ("c-2", "Mia Chen"),
        ("c-3", "Raj Patel"),
        ("c-4", "Mia Chen"),
        ("c-5", "Raj Patel"),
    ];
    assert_eq!(
        to,
        want.map(|(c, a)| (c.to_string(), a.to_string())).to_vec()
    );
}

#[test]
fn a_conversation_held_behind_a_failure_leaves_the_batch_as_not_sent() {
    let mut s = console();
    let mia = AgentRef::new("a-1", "Mia Chen");
    for i in 1..=2 {
        let c = s.model.conversations.get_mut(&format!("c-{i}")).unwrap();
        c.roster.apply(&Event::na_entry(mia.clone()), 1).unwrap();
    }
    update(&mut s, key(' '));
    update(&mut s, key(' '));
    update(&mut s, key('E'));
    assert_eq!(prompt(&s), "End 2 conversations? y/N");
    let sends = bulk_sends(&update(&mut s, key('y')));
    // c-1's first event leaves and fails: the rest of c-1 is held.
    let c1: Vec<&String> = sends
        .iter()
        .filter(|(c, _)| c == "c-1")
        .map(|(_, r)| r)
        .collect();
    sent(&mut s, "c-1", c1[0]);
    update(
        &mut s,
        Action::HookHeld {
            conversation: "c-1".into(),
            req_ids: c1[1..].iter().map(|r| r.to_string()).collect(),
        },
    );
    let b = s.requests.bulk.as_ref().unwrap();
    assert_eq!(b.line(), "ended 0 of 2 · 1 queued · ~0 s");
    for (c, r) in sends.iter().filter(|(c, _)| c == "c-2") {
        sent(&mut s, c, r);
    }
    assert!(s.requests.bulk.is_none());
    assert!(log_has(
        &s,
        "bulk end: 1 of 2 conversations left, 1 not sent (see their rows)"
    ));
}

#[test]
fn in_team_mode_each_request_of_a_bulk_is_published() {
    let mut s = console();
    s.model.status.team_view.on = true;
    update(&mut s, key(' '));
    update(&mut s, key(' '));
    colon(&mut s, "assign queue Support");
    let fx = update(&mut s, key('y'));
    let plan = claim_bulk(&fx, &["c-1", "c-2"]);
    let fx = claims_answered(&mut s, plan, &[]);
    assert_eq!(bulk_sends(&fx).len(), 2);
    let published: Vec<&str> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::TeamPublish { conversation, .. } => Some(conversation.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(published, ["c-1", "c-2"]);
}

#[test]
fn after_a_restart_the_unsent_remainder_of_a_bulk_shows_its_progress_again() {
    use switchboard::runtime::journal::{self, Record};
    let assign = |i: u32| Record::Assign {
        id: format!("t0-{i}-bulk"),
        at_ms: 1,
        session: format!("sess-{i}"),
        target: "queue:qu-1".into(),
        conversation: Some(format!("c-{i}")),
        text: Some("assign → queue Support".into()),
    };
    // An earlier run's bulk of three: the first left and was answered.
    let records = vec![
        assign(1),
        assign(2),
        assign(3),
        Record::Sent {
            id: "t0-1-bulk".into(),
            at_ms: 2,
            attempt: 1,
        },
        Record::Outcome {
            id: "t0-1-bulk".into(),
            at_ms: 3,
            ok: true,
            status: Some(200),
            message: "ok".into(),
            attempts: 1,
        },
    ];
    let mut s = console();
    let none = std::collections::BTreeMap::new();
    let holds = switchboard::app::restore::Holds {
        each: &none,
        all: None,
    };
    let (_, effects) =
        switchboard::app::restore::restore(&mut s, journal::rebuild(&records), &holds, true);
    assert_eq!(effects.len(), 2, "{effects:?}");
    let b = s.requests.bulk.as_ref().expect("the bulk resumes");
    assert_eq!(b.line(), "assigned 0 of 2 · 2 queued · ~0 s");
    assert!(log_has(
        &s,
        "bulk assign: 2 conversations an earlier run had not sent resume now"
    ));
    // It can be stopped like any bulk.
    let fx = colon(&mut s, "bulk cancel");
    assert_eq!(
        fx.iter()
            .filter(|e| matches!(e, Effect::DropRequests { .. }))
            .count(),
        2
    );
    // A bulk's request ids say so.
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    let sends = bulk_sends(&update(&mut s, key('y')));
    assert!(sends.iter().all(|(_, r)| r.ends_with("-bulk")), "{sends:?}");
}

#[test]
fn the_picker_spreads_over_the_agents_its_comma_separated_query_names() {
    let mut s = console();
    s.model.agents[1] = agent("a-2", "Raj Patel", Presence::Available, (1, 3), (0, 1));
    colon(&mut s, "mark filter");
    update(&mut s, key('a'));
    for c in "mia, raj".chars() {
        update(&mut s, key(c));
    }
    // Both show in the picker.
    let names: Vec<String> = s.picker_choices().iter().map(|a| a.name.clone()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    update(&mut s, press(KeyCode::Enter));
    assert_eq!(
        prompt(&s),
        "Assign 5 conversations to Mia Chen (3), Raj Patel (2) (1 skipped: c-6 (no room on chat))? y/N"
    );
}

/// Found driving the demo: a cancel dropped the rest of an end whose
/// agent's exit had already left, which would leave that conversation half
/// ended. A conversation under way finishes; the message says so.
#[test]
fn a_cancel_lets_a_conversation_under_way_finish() {
    let mut s = console();
    let mia = AgentRef::new("a-1", "Mia Chen");
    for i in 1..=6 {
        let c = s.model.conversations.get_mut(&format!("c-{i}")).unwrap();
        c.roster.apply(&Event::na_entry(mia.clone()), 1).unwrap();
    }
    colon(&mut s, "mark filter");
    update(&mut s, key('E'));
    let sends = bulk_sends(&update(&mut s, key('y')));
    let of_c1: Vec<&(String, String)> = sends.iter().filter(|(c, _)| c == "c-1").collect();
    assert!(of_c1.len() > 1, "an end is several events: {sends:?}");
    // c-1's first event left; the rest of its end has not.
    sent(&mut s, &of_c1[0].0, &of_c1[0].1);
    let fx = colon(&mut s, "bulk cancel");
    let dropped: Vec<&str> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::DropRequests { conversation, .. } => Some(conversation.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(dropped, ["c-2", "c-3", "c-4", "c-5", "c-6"]);
    assert!(
        log_has(
            &s,
            "bulk end cancelled: 0 of 6 conversations had left and keep their outcome, 1 under way finish; 5 dropped, never sent"
        ),
        "{:?}",
        s.log
            .lines
            .iter()
            .map(|l| l.text.to_string())
            .collect::<Vec<_>>()
    );
}

/// The `ClaimBulk` a confirmed bulk makes first in team mode, for
/// `conversations`: its plan.
fn claim_bulk(fx: &[Effect], conversations: &[&str]) -> Box<BulkPlan> {
    let [
        Effect::ClaimBulk {
            conversations: asked,
            what,
            plan,
        },
    ] = fx
    else {
        panic!("one ClaimBulk first: {fx:?}")
    };
    assert_eq!(asked, conversations);
    assert_eq!(what, "assigning");
    plan.clone()
}

/// Redis's answer to a bulk's claims: `held` (conversation, holder, what,
/// ms before now) refused, the rest of the plan's conversations granted.
fn claims_answered(
    s: &mut State,
    plan: Box<BulkPlan>,
    held: &[(&str, &str, &str, i64)],
) -> Vec<Effect> {
    let replies = plan
        .items
        .iter()
        .map(|item| {
            let Pending::Assign { conversation, .. } = item else {
                panic!("{item:?}")
            };
            let reply = match held.iter().find(|h| h.0 == conversation) {
                Some((_, who, what, ago)) => ClaimReply::Refused {
                    who: who.to_string(),
                    what: what.to_string(),
                    since_ms: s.now_ms - ago,
                },
                None => ClaimReply::Granted,
            };
            (conversation.clone(), reply)
        })
        .collect();
    update(
        s,
        Action::TeamReport(TeamReport::BulkClaimAnswered { plan, replies }),
    )
}

#[test]
fn in_team_mode_a_bulk_claims_first_and_leaves_out_what_teammates_hold() {
    let mut s = console();
    s.model.status.team_view.on = true;
    colon(&mut s, "mark filter");
    colon(&mut s, "assign queue Support");
    let fx = update(&mut s, key('y'));
    let plan = claim_bulk(&fx, &["c-1", "c-2", "c-3", "c-4", "c-5", "c-6"]);
    assert!(s.requests.awaiting_callback.is_empty(), "nothing sent yet");
    assert_eq!(
        flash(&s),
        "bulk assign: claiming 6 conversations for the team…"
    );
    let fx = claims_answered(
        &mut s,
        plan,
        &[
            ("c-2", "Raj", "assigning", 3_000),
            ("c-5", "Mia", "ending", 0),
        ],
    );
    let sent: Vec<String> = bulk_sends(&fx).into_iter().map(|(c, _)| c).collect();
    assert_eq!(sent, ["c-1", "c-3", "c-4", "c-6"], "the held are left out");
    let held = "2 held by teammates: c-2 (Raj, assigning, 3 s ago), c-5 (Mia, ending, just now); use a single action to force";
    assert_eq!(
        flash(&s),
        format!("bulk assign queue Support: 4 conversations queued; {held}")
    );
    assert!(log_has(&s, &format!("bulk assign: {held}")));
    assert_eq!(s.views.mode, Mode::Normal, "no forcing for a bulk");
    let claimed: Vec<&String> = s.model.status.team_view.claimed.keys().collect();
    assert_eq!(claimed, ["c-1", "c-3", "c-4", "c-6"]);
    assert_eq!(s.requests.bulk.as_ref().unwrap().total, 4);
}

#[test]
fn a_bulk_claim_is_released_on_its_outcome_or_when_a_cancel_drops_it() {
    let mut s = console();
    s.model.status.team_view.on = true;
    update(&mut s, key(' '));
    update(&mut s, key(' '));
    update(&mut s, key(' '));
    colon(&mut s, "assign queue Support");
    let plan = claim_bulk(&update(&mut s, key('y')), &["c-1", "c-2", "c-3"]);
    let sends = bulk_sends(&claims_answered(&mut s, plan, &[]));
    let released = |fx: &[Effect]| -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::ReleaseClaim { conversation } => Some(conversation.clone()),
                _ => None,
            })
            .collect()
    };
    // c-1 left; its assign failed: that is its outcome.
    sent(&mut s, &sends[0].0, &sends[0].1);
    let fx = update(
        &mut s,
        Action::AssignDone {
            req_id: sends[0].1.clone(),
            conversation: "c-1".into(),
            outcome: Err(switchboard::kore::client::CallError::Api {
                status: 400,
                message: "no".into(),
                latency_ms: 5,
            }),
            uncertain: false,
            attempts: 1,
        },
    );
    assert_eq!(released(&fx), ["c-1"]);
    // The rest never left: a cancel drops them and frees their claims.
    let fx = colon(&mut s, "bulk cancel");
    assert_eq!(released(&fx), ["c-2", "c-3"]);
    assert!(s.model.status.team_view.claimed.is_empty());
}

#[test]
fn a_bulk_whose_every_conversation_is_held_sends_nothing() {
    let mut s = console();
    s.model.status.team_view.on = true;
    update(&mut s, key(' '));
    colon(&mut s, "assign queue Support");
    let plan = claim_bulk(&update(&mut s, key('y')), &["c-1"]);
    let fx = claims_answered(&mut s, plan, &[("c-1", "Raj", "assigning", 3_000)]);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(
        flash(&s),
        "bulk assign: nothing sent: 1 held by a teammate: c-1 (Raj, assigning, 3 s ago); use a single action to force"
    );
    assert!(s.requests.bulk.is_none());
    assert!(s.requests.awaiting_callback.is_empty());
}

#[test]
fn a_bulk_goes_unclaimed_when_redis_does_not_answer() {
    let mut s = console();
    s.model.status.team_view.on = true;
    update(&mut s, key(' '));
    update(&mut s, key(' '));
    colon(&mut s, "assign queue Support");
    let Effect::ClaimBulk { plan, .. } = update(&mut s, key('y')).remove(0) else {
        panic!("a ClaimBulk")
    };
    let replies = ["c-1", "c-2"]
        .map(|c| (c.to_string(), ClaimReply::Unavailable("timed out".into())))
        .to_vec();
    let fx = update(
        &mut s,
        Action::TeamReport(TeamReport::BulkClaimAnswered { plan, replies }),
    );
    assert_eq!(bulk_sends(&fx).len(), 2);
    assert!(log_has(
        &s,
        "team: Redis did not answer (timed out); 2 conversations sent unclaimed"
    ));
}

#[test]
fn a_bulk_removal_is_not_claimed_as_a_single_one_is_not() {
    let mut s = console();
    s.model.status.team_view.on = true;
    let mia = AgentRef::new("a-1", "Mia Chen");
    let c = s.model.conversations.get_mut("c-1").unwrap();
    c.roster.apply(&Event::na_entry(mia), 1).unwrap();
    update(&mut s, key(' '));
    colon(&mut s, "remove a-1");
    let fx = update(&mut s, key('y'));
    assert_eq!(bulk_sends(&fx).len(), 1, "{fx:?}");
}
