//! The queue poll against the in-process simulator: list-queues and
//! queue-size go out as the runner plans them, and once merged by
//! `update` the queue pane's figures are the ones the simulator holds; the
//! conversation list agrees with them. An assign to a queue reaches the
//! simulator with the documented body and moves the conversation there.

use std::time::Duration;
use switchboard::app::queries::QueueRow;
use switchboard::app::{Action, Effect, State, update};
use switchboard::kore::wire::{AssignTarget, QueueSizeRequest};
use switchboard::ui::keymap::Keymap;
use tokio::sync::mpsc;

mod common;
use common::sim::{Run, client, runner, simulator};
use common::state::settings;

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Feeds what the runner reports into `s` until `done` says so.
async fn feed(
    s: &mut State,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    mut done: impl FnMut(&Action) -> bool,
) {
    loop {
        let a = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an action within 10 s")
            .expect("the runner is alive");
        s.now_ms = now_ms();
        let stop = done(&a);
        update(s, a);
        if stop {
            return;
        }
    }
}

fn row<'a>(rows: &'a [QueueRow], id: &str) -> &'a QueueRow {
    rows.iter().find(|r| r.id == id).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_polled_queue_figures_are_the_simulators() {
    let sim = simulator().await;
    let Run {
        mut runner, mut rx, ..
    } = runner(client(&sim, |_| {}), None, 1).await;
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    let world = sim.world();
    assert!(world.queues.len() <= switchboard::runtime::runner::QUEUE_SIZES_PER_ROUND);

    // One round: the list, then one queue-size per queue.
    runner.run(Effect::PollQueues);
    let mut sized = 0;
    let n = world.queues.len();
    feed(&mut s, &mut rx, |a| {
        if matches!(a, Action::QueueSized { .. }) {
            sized += 1;
        }
        sized == n
    })
    .await;
    let names: Vec<&str> = s.model.queues.iter().map(|q| q.name.as_str()).collect();
    let want: Vec<&str> = world.queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, want);

    // The conversations and the agents too, as the console polls them.
    runner.run(Effect::PollConversations);
    feed(&mut s, &mut rx, |a| matches!(a, Action::PollRound { .. })).await;
    runner.run(Effect::PollAgents);
    feed(&mut s, &mut rx, |a| {
        matches!(a, Action::AgentsListed { .. })
    })
    .await;

    let world = sim.world();
    let now = now_ms();
    let rows = s.queue_rows();
    let mut waiting_somewhere = 0;
    for q in &world.queues {
        let held = world
            .queue_size(&q.id, &QueueSizeRequest::default(), now)
            .unwrap();
        let r = row(&rows, &q.id);
        let count = |v: Option<u32>| v.map(i64::from);
        assert_eq!(r.waiting.value, count(held.waiting), "{}", q.name);
        assert_eq!(r.engaged.value, count(held.engaged), "{}", q.name);
        assert_eq!(r.drops.value, count(held.drop_off), "{}", q.name);
        let st = held.agent_status.unwrap();
        assert_eq!(
            r.agents.map(|f| f.value),
            [st.available, st.busy, st.away, st.offline].map(count),
            "{}",
            q.name
        );
        assert!(r.waiting.from_kore && r.agents[0].from_kore);
        // Waits grow while the test runs: the same within a few seconds.
        let summary = held.queue_summary.unwrap();
        let near = |got: Option<i64>, want: Option<Duration>| {
            let want = want.unwrap().as_millis() as i64;
            let got = got.unwrap();
            assert!((got - want).abs() <= 5_000, "{}: {got} vs {want}", q.name);
        };
        near(r.longest_ms.value, summary.max_wait());
        near(r.average_ms.value, summary.avg_wait());
        near(r.asa_ms.value, summary.asa());
        // The conversation list says the same of the queue.
        assert!(!r.disagrees(), "{}: {r:?}", q.name);
        waiting_somewhere += r.waiting.value.unwrap_or(0);
    }
    assert!(
        waiting_somewhere > 0,
        "the demo starts with customers waiting"
    );
    let billing = world.queues.iter().find(|q| q.name == "Billing").unwrap();
    assert!(
        row(&rows, &billing.id).longest_ms.value.unwrap() > 60_000,
        "Billing starts in trouble"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assign_to_a_queue_moves_the_conversation_there() {
    let sim = simulator().await;
    let Run {
        mut runner,
        mut rx,
        mut callbacks,
    } = runner(client(&sim, |_| {}), None, 1).await;
    let world = sim.world();
    let waiting = world
        .conversations
        .iter()
        .find(|c| c.status.is_waiting())
        .expect("a waiting conversation")
        .clone();
    let to = world
        .queues
        .iter()
        .find(|q| Some(&q.id) != waiting.queue_id.as_ref())
        .unwrap()
        .clone();
    runner.run(Effect::Assign {
        req_id: "aq-1".into(),
        conversation: waiting.id.clone(),
        session: waiting.bot_session_id.clone(),
        target: AssignTarget::Queue(to.id.clone()),
        target_name: format!("queue {}", to.name),
        summary: "assign to a queue".into(),
    });
    loop {
        let a = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if let Action::AssignDone { outcome, .. } = a {
            assert!(outcome.is_ok(), "{outcome:?}");
            break;
        }
    }
    let cb = tokio::time::timeout(Duration::from_secs(15), callbacks.recv())
        .await
        .expect("a callback within 15 s")
        .unwrap();
    assert_eq!(cb.request_id.as_deref(), Some("aq-1"));
    assert_eq!(cb.body.queue_id.as_deref(), Some(to.id.as_str()));
    let moved = sim
        .world()
        .conversations
        .into_iter()
        .find(|c| c.id == waiting.id)
        .unwrap();
    assert_eq!(moved.queue_id.as_ref(), Some(&to.id));
}

/// Issue 18.5: list-queues answering five pages of 10,000 queues left keys
/// unanswered for 25 s (the merge looked each queue up in a list, twice).
/// Now the first 5,000 are kept, the rest counted and said on screen, and
/// queue-size takes its turns among the kept ones only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_queues_are_cut_to_the_cap_and_counted() {
    use switchboard::app::state::MAX_QUEUES;
    use switchboard::sim::Chaos;
    let sim = simulator().await;
    sim.set_chaos(Chaos {
        queue_flood: Some((50_000, 10_000)),
        ..Chaos::default()
    });
    let Run {
        mut runner, mut rx, ..
    } = runner(client(&sim, |_| {}), None, 1).await;
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    runner.run(Effect::PollQueues);
    let mut sized = Vec::new();
    feed(&mut s, &mut rx, |a| {
        if let Action::QueueSized { queue_id, .. } = a {
            sized.push(queue_id.clone());
        }
        sized.len() == switchboard::runtime::runner::QUEUE_SIZES_PER_ROUND
    })
    .await;
    assert_eq!(s.model.queues.len(), MAX_QUEUES);
    assert_eq!(s.model.queues_not_shown, 50_000 - MAX_QUEUES);
    assert_eq!(s.model.queues[0].id, "qf-000000");
    assert_eq!(
        s.model.queues[MAX_QUEUES - 1].name,
        format!("Flood {}", MAX_QUEUES - 1)
    );
    assert!(
        sized
            .iter()
            .all(|id| s.model.queues.iter().any(|q| &q.id == id)),
        "queue-size asks only for kept queues: {sized:?}"
    );
    assert!(
        s.log
            .since(0)
            .any(|l| l.text.contains("45000 more queue(s) than the 5000 kept")),
        "the log says what was left out"
    );
}

/// The screen drawn by the console's view, one line per row.
fn screen(s: &State, w: u16, h: u16) -> String {
    use switchboard::ui::{Theme, ThemeKind, view};
    let theme = Theme::new(ThemeKind::Mono, false);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(s, f, &theme)).unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_that_cannot_be_true_show_a_question_mark_and_the_log_has_them_raw() {
    let sim = simulator().await;
    let billing = sim
        .world()
        .queues
        .iter()
        .find(|q| q.name == "Billing")
        .unwrap()
        .id
        .clone();
    sim.set_chaos(switchboard::sim::Chaos {
        odd_queue_size: Some((
            billing.clone(),
            vec![
                ("waiting".into(), serde_json::json!(-5)),
                ("engaged".into(), serde_json::json!(99_999_999_999u64)),
            ],
        )),
        ..Default::default()
    });
    let Run {
        mut runner, mut rx, ..
    } = runner(client(&sim, |_| {}), None, 1).await;
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    let n = sim.world().queues.len();
    let mut round = async |s: &mut State| {
        runner.run(Effect::PollQueues);
        let mut sized = 0;
        feed(s, &mut rx, |a| {
            sized += usize::from(matches!(a, Action::QueueSized { .. }));
            sized == n
        })
        .await;
    };
    round(&mut s).await;
    round(&mut s).await;

    let rows = s.queue_rows();
    let r = row(&rows, &billing);
    // Neither 0 nor 4294967295, and not the list's count either.
    assert!(r.waiting.odd && r.engaged.odd, "{r:?}");
    assert_eq!((r.waiting.value, r.engaged.value), (None, None));
    let sane = rows.iter().find(|r| r.id != billing).unwrap();
    assert!(
        !sane.waiting.odd && sane.waiting.value.is_some(),
        "{sane:?}"
    );

    // The log says the raw values in words, once for the two rounds.
    let said: Vec<String> = s
        .log
        .visible()
        .into_iter()
        .map(|l| l.text)
        .filter(|t| t.starts_with("queue-size for Billing"))
        .collect();
    assert_eq!(
        said,
        [
            "queue-size for Billing: waiting = -5 (negative, not a count); \
          engaged = 99999999999 (too large to be a count)"
        ]
    );

    // The queue pane: `?` beside the list's count.
    s.views.queues.shown = true;
    let out = screen(&s, 120, 40);
    let line = out
        .lines()
        .find(|l| l.contains("Billing") && l.contains('?'))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("?≠"), "{line}");
    assert!(!out.contains("4294967295"), "{out}");

    // The wallboard's tile: `?` for waiting.
    let board = s.wallboard();
    let tile = board.tiles.iter().find(|t| t.id == billing).unwrap();
    assert!(tile.odd.waiting && tile.waiting.is_none(), "{tile:?}");
    s.views.mode = switchboard::app::state::Mode::Wallboard;
    let out = screen(&s, 120, 40);
    // Billing's tile is the first: its big figure has a blank row between
    // filled ones (the dot of `?`), which no digit has.
    let tile_rows: Vec<bool> = out
        .lines()
        .skip(2)
        .map(|l| l.chars().take(40).any(|c| c == '█'))
        .collect();
    let first = tile_rows
        .iter()
        .position(|f| *f)
        .unwrap_or_else(|| panic!("{out}"));
    let last = tile_rows.iter().rposition(|f| *f).unwrap();
    assert!(
        tile_rows[first..last].contains(&false),
        "the big ? is drawn: {out}"
    );
}
