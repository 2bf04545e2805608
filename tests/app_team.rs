//! Team mode in `update` (issue 21.4, 21.5), pure: a claimed send asks
//! Redis first; a refusal says who holds the conversation and offers to
//! force it with a second confirmation; the outcome releases the claim;
//! teammates' lines land in the log with their name; `:who` lists the team.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use switchboard::app::TeamReport;
use switchboard::app::state::*;
use switchboard::app::team::{ClaimReply, Teammate};
use switchboard::app::{Action, Effect, ReplyInfo, State, update};
use switchboard::kore::wire::{AssignCallback, AssignTarget};
use switchboard::runtime::callback::ReceivedCallback;
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{key, settings};

const NOW: i64 = 1_700_000_000_000;

fn state(team: bool) -> State {
    let mut s = State::new(
        settings("bot", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = NOW;
    s.model.status.team_view.on = team;
    s
}

fn assign() -> Pending {
    Pending::Assign {
        conversation: "c-1042".into(),
        session: "s-1".into(),
        target: AssignTarget::Agent("a-mia".into()),
        target_name: "Mia".into(),
    }
}

fn confirm(s: &mut State, pending: Pending) {
    s.views.mode = Mode::Confirm {
        prompt: "assign c-1042 → Mia? Y/n".into(),
        pending,
        enter_sends: true,
    };
}

fn log(s: &State) -> Vec<String> {
    s.log.since(0).map(|l| l.text.clone()).collect()
}

fn refused(s: &mut State) -> Vec<Effect> {
    update(
        s,
        Action::TeamReport(TeamReport::ClaimAnswered {
            conversation: "c-1042".into(),
            pending: Box::new(assign()),
            reply: ClaimReply::Refused {
                who: "Raj".into(),
                what: "assigning".into(),
                since_ms: NOW - 3_000,
            },
        }),
    )
}

#[test]
fn without_team_mode_an_assign_goes_at_once() {
    let mut s = state(false);
    confirm(&mut s, assign());
    let fx = update(&mut s, key('y'));
    assert!(matches!(&fx[..], [Effect::Assign { .. }]), "{fx:?}");
}

#[test]
fn in_team_mode_a_confirmed_assign_is_claimed_first() {
    let mut s = state(true);
    confirm(&mut s, assign());
    let fx = update(&mut s, key('y'));
    assert_eq!(
        fx,
        vec![Effect::Claim {
            conversation: "c-1042".into(),
            what: "assigning".into(),
            force: false,
            pending: Box::new(assign()),
        }]
    );
    assert!(
        s.requests.awaiting_callback.is_empty(),
        "nothing is sent yet"
    );
}

#[test]
fn a_refused_claim_says_who_holds_it_and_since_when() {
    let mut s = state(true);
    let fx = refused(&mut s);
    assert!(fx.is_empty(), "nothing is sent: {fx:?}");
    let (flash, error) = s.views.flash.clone().unwrap();
    assert_eq!(flash, "Raj is assigning c-1042, 3 s ago");
    assert!(error);
    assert!(log(&s).contains(&"refused: Raj is assigning c-1042, 3 s ago".to_string()));
    let Mode::Confirm {
        prompt,
        pending,
        enter_sends,
    } = &s.views.mode
    else {
        panic!("a second confirmation: {:?}", s.views.mode)
    };
    assert_eq!(
        prompt,
        "Raj is assigning c-1042, 3 s ago. Take it over anyway? y/N"
    );
    assert_eq!(*pending, Pending::Forced(Box::new(assign())));
    assert!(!enter_sends, "only y forces it");
}

#[test]
fn forcing_asks_again_with_the_flag_and_no_sends_nothing() {
    let mut s = state(true);
    refused(&mut s);
    let fx = update(&mut s, Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert!(fx.is_empty(), "Enter does not force: {fx:?}");
    assert_eq!(
        s.views.flash.clone().unwrap().0,
        "cancelled: nothing was sent"
    );

    refused(&mut s);
    let fx = update(&mut s, key('y'));
    assert_eq!(
        fx,
        vec![Effect::Claim {
            conversation: "c-1042".into(),
            what: "assigning".into(),
            force: true,
            pending: Box::new(assign()),
        }]
    );
}

#[test]
fn a_granted_claim_sends_and_is_released_on_the_callback() {
    let mut s = state(true);
    let fx = update(
        &mut s,
        Action::TeamReport(TeamReport::ClaimAnswered {
            conversation: "c-1042".into(),
            pending: Box::new(assign()),
            reply: ClaimReply::Granted,
        }),
    );
    let [
        Effect::Assign { req_id, .. },
        Effect::TeamPublish { kind, text, .. },
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("action", "assign c-1042 → Mia")
    );
    let req_id = req_id.clone();
    assert!(s.model.status.team_view.claimed.contains_key("c-1042"));
    // The request's answer is not the outcome of an assign: its callback is.
    let fx = update(
        &mut s,
        Action::AssignDone {
            req_id: req_id.clone(),
            conversation: "c-1042".into(),
            outcome: Ok(ReplyInfo {
                status: 200,
                latency_ms: 5,
                body: "{}".into(),
                response: serde_json::Value::Null,
            }),
            uncertain: false,
            attempts: 1,
        },
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::ReleaseClaim { .. })));
    let fx = update(
        &mut s,
        Action::Callback(ReceivedCallback {
            request_id: Some(req_id),
            body: serde_json::from_value::<AssignCallback>(
                serde_json::json!({ "status": "transferred" }),
            )
            .unwrap(),
            problem: None,
            summary: "{}".into(),
        }),
    );
    assert!(fx.contains(&Effect::ReleaseClaim {
        conversation: "c-1042".into()
    }));
    assert!(fx.contains(&Effect::TeamPublish {
        kind: "outcome".into(),
        conversation: "c-1042".into(),
        text: "c-1042: assign done".into(),
    }));
    assert!(s.model.status.team_view.claimed.is_empty());
}

#[test]
fn redis_down_sends_unclaimed_and_says_so() {
    let mut s = state(true);
    let fx = update(
        &mut s,
        Action::TeamReport(TeamReport::ClaimAnswered {
            conversation: "c-1042".into(),
            pending: Box::new(assign()),
            reply: ClaimReply::Unavailable("timed out".into()),
        }),
    );
    assert!(matches!(fx[0], Effect::Assign { .. }), "{fx:?}");
    assert!(
        log(&s)
            .iter()
            .any(|l| l.contains("Redis did not answer (timed out); c-1042 sent unclaimed"))
    );
}

#[test]
fn teammates_lines_are_marked_with_their_name() {
    let mut s = state(true);
    update(
        &mut s,
        Action::TeamReport(TeamReport::Activity {
            who: "Mia".into(),
            kind: "action".into(),
            conversation: "c-7".into(),
            text: "assign c-7 → Raj".into(),
        }),
    );
    update(
        &mut s,
        Action::TeamReport(TeamReport::Activity {
            who: "Raj".into(),
            kind: "outcome".into(),
            conversation: "c-7".into(),
            text: "c-7: assign failed".into(),
        }),
    );
    let lines: Vec<(LogKind, String)> = s.log.since(0).map(|l| (l.kind, l.text.clone())).collect();
    assert_eq!(
        lines,
        vec![
            (LogKind::Info, "[Mia] assign c-7 → Raj".into()),
            (LogKind::Error, "[Raj] c-7: assign failed".into()),
        ]
    );
}

#[test]
fn who_lists_the_team_with_roles_and_last_actions() {
    let mut s = state(true);
    update(&mut s, key(':'));
    for c in "who".chars() {
        update(&mut s, key(c));
    }
    let fx = update(&mut s, Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert_eq!(fx, vec![Effect::TeamWho]);
    update(
        &mut s,
        Action::TeamReport(TeamReport::Members(Ok(vec![
            Teammate {
                name: "Mia".into(),
                leader: true,
                me: false,
                last_action: Some("assign c-7 → Raj".into()),
                last_action_ms: Some(NOW - 4_000),
            },
            Teammate {
                name: "Ann".into(),
                leader: false,
                me: true,
                last_action: None,
                last_action_ms: None,
            },
        ]))),
    );
    assert_eq!(
        log(&s),
        vec![
            "who: 2 online",
            "  Mia (leader) · assign c-7 → Raj, 4 s ago",
            "  Ann (follower, you) · nothing yet",
        ]
    );
    assert_eq!(s.views.flash.clone().unwrap().0, "who: 2 online");
}

#[test]
fn who_outside_team_mode_is_refused() {
    let mut s = state(false);
    update(&mut s, key(':'));
    for c in "who".chars() {
        update(&mut s, key(c));
    }
    let fx = update(&mut s, Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert!(fx.is_empty());
    assert_eq!(
        s.views.flash.clone().unwrap().0,
        "not in team mode: [team] is not configured"
    );
}

#[test]
fn tab_offers_who_in_team_mode_only() {
    let line = |s: &State| match &s.views.mode {
        Mode::Command { input } => input.as_str().to_string(),
        other => panic!("no : line: {other:?}"),
    };
    for team in [true, false] {
        let mut s = state(team);
        update(&mut s, key(':'));
        update(&mut s, key('w'));
        update(&mut s, Action::Key(KeyEvent::from(KeyCode::Tab)));
        let shown = s.completion_shown().map(|c| c.candidates.clone());
        let offered = line(&s) == "who" || shown.iter().flatten().any(|c| c == "who");
        assert_eq!(offered, team, "team {team}: {:?} {shown:?}", line(&s));
    }
}

/// A second claimed action on a conversation this console already holds
/// (its claim still waiting for the first one's callback) replaced the
/// claim's list of awaited requests: the second one's outcome released the
/// claim while the first assign still waited for Kore's callback.
#[test]
fn a_second_action_on_a_held_conversation_keeps_the_claim_for_both() {
    let mut s = state(true);
    let grant = |s: &mut State| {
        let fx = update(
            s,
            Action::TeamReport(TeamReport::ClaimAnswered {
                conversation: "c-1042".into(),
                pending: Box::new(assign()),
                reply: ClaimReply::Granted,
            }),
        );
        fx.iter()
            .find_map(|e| match e {
                Effect::Assign { req_id, .. } => Some(req_id.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("an assign: {fx:?}"))
    };
    let first = grant(&mut s);
    let second = grant(&mut s);
    let callback = |s: &mut State, req_id: String| {
        update(
            s,
            Action::Callback(ReceivedCallback {
                request_id: Some(req_id),
                body: serde_json::from_value::<AssignCallback>(
                    serde_json::json!({ "status": "transferred" }),
                )
                .unwrap(),
                problem: None,
                summary: "{}".into(),
            }),
        )
    };
    let fx = callback(&mut s, second);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::ReleaseClaim { .. })),
        "the first assign still waits for its callback: {fx:?}"
    );
    let fx = callback(&mut s, first);
    assert!(fx.contains(&Effect::ReleaseClaim {
        conversation: "c-1042".into()
    }));
    assert!(s.model.status.team_view.claimed.is_empty());
}
