//! Team mode's claims (issue 21.4) and activity log (21.5), against a real
//! `redis-server` this test starts on a free 127.0.0.1 port with a temp
//! dir (stopped when it ends) and the simulator: two headless consoles
//! (State, update, a runner in team mode) assign the same waiting
//! conversation at once; exactly one assign reaches the simulator and the
//! other supervisor reads who holds it; a bulk of three, one of them held by
//! a teammate, sends the other two. Without redis-server the test fails
//! with the install hint: it does not skip.

use std::time::Duration;
use switchboard::app::TeamReport;
use switchboard::app::bulk::BulkVerb;
use switchboard::app::state::{BulkPlan, Mode, Pending};
use switchboard::app::{Action, Effect, State, update};
use switchboard::kore::wire::AssignTarget;
use switchboard::sim::SimHandle;
use switchboard::team::server::RedisServer;
use switchboard::team::{Team, TeamSettings};

mod common;
use common::sim::{Run, client, runner, simulator};
use common::state::{key, settings};

/// A console without a terminal: its state, its runner in team mode, and
/// the loop's channel.
struct Console {
    state: State,
    run: Run,
}

impl Console {
    async fn start(sim: &SimHandle, redis: &RedisServer, name: &str) -> Console {
        let Run {
            runner,
            rx,
            callbacks,
        } = runner(client(sim, |_| {}), None, 1).await;
        let team = Team::connect(&TeamSettings::local(redis.url(), name, "test:claims:")).unwrap();
        team.renew_presence().await.expect("redis answers");
        runner.attach_team(team);
        let mut state = State::new(
            settings("bot", "TEST", 30_000),
            switchboard::app::keymap::Keymap::default(),
            name.to_lowercase(),
        );
        state.model.status.team_view.on = runner.team_on();
        Console {
            state,
            run: Run {
                runner,
                rx,
                callbacks,
            },
        }
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        let effects = update(&mut self.state, action);
        for e in effects.clone() {
            self.run.runner.run(e);
        }
        effects
    }

    /// Handles what comes in (reports, callbacks) for `ms`.
    async fn pump(&mut self, ms: u64) -> Vec<Action> {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            let action = tokio::select! {
                a = self.run.rx.recv() => a,
                cb = self.run.callbacks.recv() => cb.map(Action::Callback),
                _ = tokio::time::sleep_until(deadline) => None,
            };
            let Some(action) = action else {
                return seen;
            };
            seen.push(action.clone());
            self.apply(action);
        }
    }
}

fn redis() -> RedisServer {
    RedisServer::start().unwrap_or_else(|e| panic!("team mode tests need redis-server: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_assign_at_once_and_exactly_one_reaches_kore() {
    let redis = redis();
    let sim = simulator().await;
    let (conversation, session) = sim
        .world()
        .conversations
        .iter()
        .find(|c| c.status.is_waiting())
        .map(|c| (c.id.clone(), c.bot_session_id.clone()))
        .unwrap();
    let agent = sim.world().agents[0].id.clone();
    let mut ann = Console::start(&sim, &redis, "Ann").await;
    let mut raj = Console::start(&sim, &redis, "Raj").await;
    let pending = Pending::Assign {
        conversation: conversation.clone(),
        session,
        target: AssignTarget::Agent(agent),
        target_name: "Mia".into(),
    };
    for c in [&mut ann, &mut raj] {
        c.state.views.mode = Mode::Confirm {
            prompt: "assign?".into(),
            pending: pending.clone(),
            enter_sends: true,
        };
    }
    // Both say yes at the same moment: each asks Redis before the send.
    let a = ann.apply(key('y'));
    let r = raj.apply(key('y'));
    assert!(
        matches!(a[..], [Effect::Claim { force: false, .. }]),
        "{a:?}"
    );
    assert!(
        matches!(r[..], [Effect::Claim { force: false, .. }]),
        "{r:?}"
    );
    let (seen_ann, seen_raj) = tokio::join!(ann.pump(1_500), raj.pump(1_500));
    let refused = |seen: &[Action]| {
        seen.iter().any(|a| {
            matches!(
                a,
                Action::TeamReport(TeamReport::ClaimAnswered {
                    reply: switchboard::app::team::ClaimReply::Refused { .. },
                    ..
                })
            )
        })
    };
    let (winner, loser) = match (refused(&seen_ann), refused(&seen_raj)) {
        (false, true) => (&ann, &raj),
        (true, false) => (&raj, &ann),
        other => panic!("exactly one claim is refused, got {other:?}"),
    };
    assert_eq!(sim.assigns_accepted(), 1, "exactly one assign reached Kore");
    let (flash, _) = loser.state.views.flash.clone().unwrap();
    let holder = if std::ptr::eq(winner, &ann) {
        "Ann"
    } else {
        "Raj"
    };
    assert!(
        flash.starts_with(&format!("{holder} is assigning {conversation}, ")),
        "{flash}"
    );
    assert!(
        matches!(
            &loser.state.views.mode,
            Mode::Confirm {
                pending: Pending::Forced(_),
                enter_sends: false,
                ..
            }
        ),
        "the refusal offers to force it: {:?}",
        loser.state.views.mode
    );
    // The winner's claim is released on the outcome (its callback).
    let claims = winner.run.runner.team_claims().unwrap();
    assert!(claims.held().is_empty(), "released: {:?}", claims.held());
    assert!(winner.state.model.status.team_view.claimed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teammates_see_each_others_actions_marked_with_their_name() {
    let redis = redis();
    let sim = simulator().await;
    let mut ann = Console::start(&sim, &redis, "Ann").await;
    let mut raj = Console::start(&sim, &redis, "Raj").await;
    // The readers start from the stream's end: let them get there.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ann.run.runner.run(Effect::TeamPublish {
        kind: "action".into(),
        conversation: "c-1".into(),
        text: "assign c-1 → Mia".into(),
    });
    let (seen_raj, seen_ann) = tokio::join!(raj.pump(1_500), ann.pump(1_500));
    assert!(
        seen_raj.iter().any(
            |a| matches!(a, Action::TeamReport(TeamReport::Activity { who, text, .. })
            if who == "Ann" && text == "assign c-1 → Mia")
        ),
        "{seen_raj:?}"
    );
    assert!(
        !seen_ann
            .iter()
            .any(|a| matches!(a, Action::TeamReport(TeamReport::Activity { .. }))),
        "a console skips its own lines"
    );
    let lines: Vec<String> = raj.state.log.since(0).map(|l| l.text.clone()).collect();
    assert!(
        lines.iter().any(|l| l == "[Ann] assign c-1 → Mia"),
        "{lines:?}"
    );
    // `:who` reads the presence records.
    raj.apply(Action::Key(ratatui::crossterm::event::KeyEvent::from(
        ratatui::crossterm::event::KeyCode::Char(':'),
    )));
    for c in "who".chars() {
        raj.apply(key(c));
    }
    let effects = raj.apply(Action::Key(ratatui::crossterm::event::KeyEvent::from(
        ratatui::crossterm::event::KeyCode::Enter,
    )));
    assert_eq!(effects, vec![Effect::TeamWho]);
    let seen = raj.pump(1_000).await;
    let Some(Action::TeamReport(TeamReport::Members(Ok(members)))) = seen
        .iter()
        .find(|a| matches!(a, Action::TeamReport(TeamReport::Members(_))))
    else {
        panic!("{seen:?}")
    };
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Raj"]);
    assert_eq!(
        members[0].last_action.as_deref(),
        Some("assign c-1 → Mia"),
        "what Ann last did"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_leaves_out_the_conversation_a_teammate_holds() {
    let redis = redis();
    let sim = simulator().await;
    let waiting: Vec<(String, String)> = sim
        .world()
        .conversations
        .iter()
        .filter(|c| c.status.is_waiting())
        .take(3)
        .map(|c| (c.id.clone(), c.bot_session_id.clone()))
        .collect();
    assert_eq!(waiting.len(), 3, "the simulator has three waiting");
    let agent = sim.world().agents[0].id.clone();
    let mut ann = Console::start(&sim, &redis, "Ann").await;
    let raj = Console::start(&sim, &redis, "Raj").await;
    // Raj holds the second one.
    let held = &waiting[1].0;
    let raj_claims = raj.run.runner.team_claims().unwrap();
    let answer = raj_claims.claim(held, "assigning", false).await;
    assert_eq!(answer, switchboard::team::claims::ClaimAnswer::Granted);
    let items = waiting
        .iter()
        .map(|(conversation, session)| Pending::Assign {
            conversation: conversation.clone(),
            session: session.clone(),
            target: AssignTarget::Agent(agent.clone()),
            target_name: "Mia".into(),
        })
        .collect();
    ann.state.views.mode = Mode::Confirm {
        prompt: "Assign 3 conversations to Mia? y/N".into(),
        pending: Pending::Bulk(Box::new(BulkPlan {
            verb: BulkVerb::Assign,
            target: "Mia".into(),
            items,
            skipped: Vec::new(),
        })),
        enter_sends: false,
    };
    let fx = ann.apply(key('y'));
    assert!(matches!(fx[..], [Effect::ClaimBulk { .. }]), "{fx:?}");
    let seen = ann.pump(2_000).await;
    assert!(
        seen.iter()
            .any(|a| matches!(a, Action::TeamReport(TeamReport::BulkClaimAnswered { .. }))),
        "{seen:?}"
    );
    assert_eq!(sim.assigns_accepted(), 2, "the held one was not sent");
    let lines: Vec<String> = ann.state.log.since(0).map(|l| l.text.clone()).collect();
    let named = format!("1 held by a teammate: {held} (Raj, assigning, ");
    assert!(lines.iter().any(|l| l.contains(&named)), "{lines:?}");
    // Ann's claims went with their callbacks; Raj still holds his.
    let ann_claims = ann.run.runner.team_claims().unwrap();
    assert!(ann_claims.held().is_empty(), "{:?}", ann_claims.held());
    assert!(ann.state.model.status.team_view.claimed.is_empty());
    assert_eq!(raj_claims.held(), vec![held.clone()]);
}
