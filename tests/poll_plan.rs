//! The poll plan at scale (issue 11.3), against the in-process simulator
//! holding 10,000 live conversations, at 60 requests a "minute" on both
//! sides. Time is scaled honestly: the simulator's rate-limit window and
//! the client limiter's window are both [`WINDOW`], so the budget per
//! window is the real one, only the window is shorter.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use switchboard::app::{Action, PollPlan, State, update};
use switchboard::kore::client::ClientSettings;
use switchboard::ui::keymap::Keymap;

mod common;
use common::sim::{Run, client, na_entry_effect, runner, simulator_with};
use common::state::settings;

/// The scaled minute.
const WINDOW: Duration = Duration::from_secs(2);
/// How often a round of the conversations poll starts (a scaled 30 s).
const ROUND: Duration = Duration::from_secs(1);
const LIVE: usize = 10_000;

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn limited(s: &mut ClientSettings) {
    s.rate_limit_per_minute = 60;
    s.reserved_for_actions_per_minute = Some(20);
}

/// 10,000 live conversations at 60 requests a scaled minute, 20 of them
/// kept for actions: the console sees every one within the time its plan
/// promises, the waiting ones in the first round, with no 429, and a
/// supervisor's action sent mid-rotation goes out at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_live_conversations_are_all_seen_within_the_plan_without_a_429() {
    let sim = simulator_with(|c| {
        c.rate_limit = 60;
        c.rate_window = WINDOW;
        c.conversations = LIVE;
    })
    .await;
    let world = sim.world();
    let live: BTreeSet<String> = world
        .conversations
        .iter()
        .filter(|c| !c.status.is_ended())
        .map(|c| c.id.clone())
        .collect();
    let waiting: BTreeSet<String> = world
        .conversations
        .iter()
        .filter(|c| c.status.is_waiting())
        .map(|c| c.id.clone())
        .collect();
    assert!(live.len() >= LIVE);
    assert!(
        waiting.len() > 200 && waiting.len() < live.len() / 5,
        "some waiting, most with an agent: {} of {}",
        waiting.len(),
        live.len()
    );
    let target = world
        .conversations
        .iter()
        .find(|c| c.status.as_str() == "ACTIVE")
        .map(|c| c.id.clone())
        .unwrap();
    drop(world);

    let Run { runner, mut rx, .. } =
        runner(client(&sim, limited).with_rate_window(WINDOW), None, 1).await;
    let mut runner = runner;
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    let started = Instant::now();
    runner.start_polling(Some(ROUND), None);

    let mut first_plan: Option<PollPlan> = None;
    let mut all_seen_at = None;
    let mut rounds = 0;
    let mut action_sent_at: Option<Instant> = None;
    let mut pages_since_action = None;
    let mut pages_before_send = None;
    let mut blocked = false;
    let deadline = started + Duration::from_secs(120);
    while all_seen_at.is_none() || pages_before_send.is_none() {
        let a = tokio::time::timeout_at(deadline.into(), rx.recv())
            .await
            .expect("every live conversation seen within two minutes")
            .expect("the runner is alive");
        s.now_ms = now_ms();
        match &a {
            Action::PollRound { plan, error } => {
                assert_eq!(error, &None, "no read fails");
                rounds += 1;
                if rounds == 1 {
                    first_plan = Some(*plan);
                }
            }
            Action::ConversationsPage(_) => {
                if let Some(n) = pages_since_action.as_mut() {
                    *n += 1;
                }
            }
            Action::RequestSent { conversation, .. } if *conversation == target => {
                pages_before_send = pages_since_action;
                assert!(action_sent_at.is_some());
            }
            Action::RateUsage { blocked_ms, .. } => blocked |= blocked_ms.is_some(),
            _ => {}
        }
        update(&mut s, a);
        if rounds == 1 && action_sent_at.is_none() {
            // The first round is over: every waiting conversation is in.
            let missing = waiting
                .iter()
                .filter(|id| !s.model.conversations.contains_key(*id))
                .count();
            assert_eq!(
                missing, 0,
                "the waiting ones are all read in the first round"
            );
            assert!(
                s.model.conversations.len() < live.len(),
                "the rest take more than a round: this is mid-rotation"
            );
            // A supervisor's action, mid-rotation.
            action_sent_at = Some(Instant::now());
            pages_since_action = Some(0);
            runner.run(na_entry_effect("r-1", &target));
        }
        if all_seen_at.is_none() && live.iter().all(|id| s.model.conversations.contains_key(id)) {
            all_seen_at = Some((started.elapsed(), rounds));
        }
    }
    let plan = first_plan.unwrap();
    let (seen_in, seen_rounds) = all_seen_at.unwrap();
    eprintln!(
        "plan {plan:?}; all seen in {seen_in:?} after {rounds} round(s); latest {:?}; \
         {pages_before_send:?} page(s) read before the action left",
        s.model.status.poll.plan
    );
    // The plan's promise, counted in rounds (a loaded machine stretches
    // each round's time, not how many it takes), with a round of slack:
    // the first plan (made before the queues were listed, so it counts
    // the most queue sizes a round may take) and the latest.
    assert!(plan.rounds > 1, "{plan:?}");
    for plan in [plan, s.model.status.poll.plan.unwrap()] {
        assert!(
            seen_rounds <= plan.rounds as usize + 1,
            "all seen after {seen_rounds} round(s) ({seen_in:?}), promised {} ({plan:?})",
            plan.rounds
        );
    }
    // The action did not wait behind the rotation: it left before the
    // conversation read in flight and the next one were done.
    let pages = pages_before_send.unwrap();
    assert!(
        pages <= 2,
        "{pages} pages were read before the action went out"
    );
    assert_eq!(sim.rate_limited(), 0, "no 429 from the simulator");
    assert!(!blocked, "the limiter was never blocked by a 429");
    // The status bar has it all: every live one seen, Kore's count.
    assert_eq!(s.model.status.poll.total(), Some(live.len() as u64));
    assert!(s.model.status.poll.seen >= live.len());
    drop(runner);
}

/// A server that ignores the status filter answers closed conversations
/// too: they are named apart, and the list shows only live ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_includes_closed_conversations_shows_only_live_ones() {
    let sim = simulator_with(|_| {}).await;
    sim.add_conversations(150, 120);
    sim.set_chaos(switchboard::sim::Chaos {
        ignore_status: true,
        ..Default::default()
    });
    let world = sim.world();
    let closed: BTreeSet<String> = world
        .conversations
        .iter()
        .filter(|c| c.status.is_ended())
        .map(|c| c.id.clone())
        .collect();
    let live: BTreeSet<String> = world
        .conversations
        .iter()
        .filter(|c| !c.status.is_ended())
        .map(|c| c.id.clone())
        .collect();
    assert!(closed.len() >= 120);
    let Run {
        mut runner, mut rx, ..
    } = runner(client(&sim, |_| {}), None, 1).await;
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    runner.run(switchboard::app::Effect::PollConversations);
    let mut named_closed = 0;
    loop {
        let a = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a round within 10 s")
            .expect("the runner is alive");
        s.now_ms = now_ms();
        let done = matches!(a, Action::PollRound { .. });
        if let Action::ConversationsPage(p) = &a {
            named_closed += p.closed.len();
        }
        update(&mut s, a);
        if done {
            break;
        }
    }
    assert!(named_closed >= closed.len(), "the closed ones are named");
    let shown: BTreeSet<String> = s.model.conversations.keys().cloned().collect();
    assert_eq!(shown, live, "only the live ones are listed");
    assert!(s.visible_ids().iter().all(|id| !closed.contains(id)));
}
