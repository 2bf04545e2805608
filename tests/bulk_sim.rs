//! A bulk assign (issue 22.3) against the simulator at its rate limit: the
//! batch is journaled in one group before the first request leaves, every
//! assign is delivered with no 429, and a single action taken in the middle
//! leaves before the bulk's remaining requests.
//!
//! The simulator counts 60 requests per window. The test that runs in CI
//! uses a 6 s window (60 per 6 s: the same pace, ten times faster); the one
//! at the real 60 a minute takes about a minute and is `#[ignore]`d (run it
//! with `cargo test --test bulk_sim -- --ignored`).

use std::time::Duration;
use switchboard::app::{Action, Effect};
use switchboard::kore::wire::AssignTarget;
use switchboard::runtime::journal::Journal;

mod common;
use common::sim::{Run, client, runner, simulator_with};

const BULK: usize = 40;
const LIMIT: u32 = 60;

fn assign(req_id: &str, conversation: &str) -> Effect {
    Effect::Assign {
        req_id: req_id.into(),
        conversation: conversation.into(),
        session: format!("s-{conversation}"),
        target: AssignTarget::Queue("qu-1".into()),
        target_name: "queue Support".into(),
        summary: format!("assign {conversation} → queue Support"),
    }
}

/// The simulator at LIMIT per `window`, and a runner whose limiter counts
/// the same, journaling to `journal.jsonl` in the directory returned.
async fn at_the_limit(
    window: Duration,
) -> (
    switchboard::sim::SimHandle,
    tempfile::TempDir,
    switchboard::runtime::runner::Runner,
    tokio::sync::mpsc::UnboundedReceiver<Action>,
) {
    let sim = simulator_with(|c| {
        c.rate_limit = LIMIT;
        c.rate_window = window;
    })
    .await;
    // The console's limiter counts the same limit over the same window.
    let kore = client(&sim, |s| s.rate_limit_per_minute = LIMIT).with_rate_window(window);
    let dir = tempfile::tempdir().unwrap();
    let (journal, _) = Journal::open(&dir.path().join("journal.jsonl")).unwrap();
    let Run { runner, rx, .. } = runner(kore, Some(journal), 5).await;
    (sim, dir, runner, rx)
}

async fn bulk_assign_at_the_limit(window: Duration) {
    let (sim, dir, mut runner, mut rx) = at_the_limit(window).await;
    let journal_path = dir.path().join("journal.jsonl");

    let sends: Vec<Effect> = (0..BULK)
        .map(|i| assign(&format!("b-{i}"), &format!("c-bulk-{i}")))
        .collect();
    runner.run(Effect::SendBulk { sends });

    // Reports in the order they came: requests that left, and outcomes.
    let mut left: Vec<String> = Vec::new();
    let mut done = 0;
    let mut pace_ms = None;
    let mut single_at = None;
    let deadline = tokio::time::Instant::now() + window * 3 + Duration::from_secs(20);
    while done < BULK + 1 {
        let action = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("{done} done, {} left: {left:?}", left.len()))
            .expect("the runner reports");
        match action {
            Action::RequestSent { req_id, .. } => {
                left.push(req_id);
                // A quarter of the way in, the supervisor assigns one conversation.
                if left.len() == BULK / 4 && single_at.is_none() {
                    runner.run(assign("single", "c-single"));
                    single_at = Some(left.len());
                }
            }
            Action::AssignDone {
                outcome, req_id, ..
            } => {
                assert!(outcome.is_ok(), "{req_id}: {outcome:?}");
                done += 1;
            }
            Action::BulkPace { pace_ms: p } => pace_ms = Some(p),
            _ => {}
        }
    }

    assert_eq!(sim.assigns_accepted(), BULK + 1, "every assign delivered");
    assert_eq!(sim.rate_limited(), 0, "no response of 429");
    // The limiter's pace came for the progress line: the window over the
    // slots single actions leave (60 - 10).
    let pace = pace_ms.expect("the pace was reported");
    let want = (window + (window / 20).max(Duration::from_millis(500))) / 50;
    assert_eq!(pace, want.as_millis() as u64);
    // The single action left at once: at most one bulk request (already
    // past the limiter) went before it.
    let at = left.iter().position(|r| r == "single").unwrap();
    let single_at = single_at.unwrap();
    assert!(
        at <= single_at + 1,
        "the single action left {} bulk requests after it was taken",
        at - single_at
    );
    // In order, nothing twice.
    let mut ids = left.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), BULK + 1, "a request left twice: {left:?}");

    // The whole batch was journaled, as one group, before the first
    // request left: its 40 planning lines come together, before any `sent`.
    let text = std::fs::read_to_string(&journal_path).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["kind"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    let first_sent = kinds.iter().position(|k| k == "sent").unwrap();
    let planned: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| *k == "assign")
        .map(|(i, _)| i)
        .take(BULK)
        .collect();
    assert_eq!(planned.len(), BULK);
    assert!(planned.iter().all(|&i| i < first_sent), "{kinds:?}");
    assert_eq!(
        planned[BULK - 1] - planned[0],
        BULK - 1,
        "one group: {kinds:?}"
    );
    sim.shutdown().await;
}

/// 60 per 6 s: the pace of 60 a minute, ten times faster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_assign_of_40_at_the_limit_has_no_429_and_a_single_action_leaves_first() {
    bulk_assign_at_the_limit(Duration::from_secs(6)).await;
}

/// At the real 60 a minute (about 50 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute long: the 6 s window above runs the same test in CI"]
async fn a_bulk_assign_of_40_at_60_a_minute() {
    bulk_assign_at_the_limit(Duration::from_secs(60)).await;
}

/// Found driving the demo: `Esc` on the progress line said "3 dropped,
/// never sent" and the three were sent a second later. Each conversation's
/// worker had taken its request off its queue and was waiting for the
/// limiter's slot, where the drop did not reach it. A drop now reaches a
/// request still waiting for its slot: nothing past the cancel leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_bulk_sends_nothing_more_even_what_waits_for_a_slot() {
    let window = Duration::from_secs(6);
    let (sim, dir, mut runner, mut rx) = at_the_limit(window).await;
    let journal_path = dir.path().join("journal.jsonl");
    const N: usize = 10;
    let sends: Vec<Effect> = (0..N)
        .map(|i| assign(&format!("b-{i}"), &format!("c-bulk-{i}")))
        .collect();
    runner.run(Effect::SendBulk { sends });
    let mut left: Vec<String> = Vec::new();
    while left.len() < 3 {
        let action = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("three leave")
            .expect("the runner reports");
        if let Action::RequestSent { req_id, .. } = action {
            left.push(req_id);
        }
    }
    // What `:bulk cancel` sends: each conversation still waiting, its ids.
    for i in 0..N {
        let id = format!("b-{i}");
        if !left.contains(&id) {
            runner.run(Effect::DropRequests {
                conversation: format!("c-bulk-{i}"),
                req_ids: vec![id],
            });
        }
    }
    // Five paces later (a pace is 6.5 s / 50), nothing more has left.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    while let Ok(action) = rx.try_recv() {
        if let Action::RequestSent { req_id, .. } = action {
            left.push(req_id);
        }
    }
    assert!(left.len() <= 4, "sent after the cancel: {left:?}");
    assert_eq!(sim.assigns_accepted(), left.len());
    // The dropped ones are journaled as dropped.
    let text = std::fs::read_to_string(&journal_path).unwrap();
    let dropped = text.lines().filter(|l| l.contains("dropped")).count();
    assert_eq!(dropped, N - left.len(), "{text}");
    sim.shutdown().await;
}
