//! The wallboard without a terminal: `:wallboard` and its keys, the tiles'
//! figures and levels, the stale rule on a fixed clock, and the rule that
//! decides when the wallboard is drawn again.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::alerts::{Level, Thresholds};
use switchboard::app::state::*;
use switchboard::app::{Action, Effect, State, update};
use switchboard::kore::wire::{AgentStatusCounts, QueueRecord, QueueSize, QueueSummary};
use switchboard::runtime::console::{Cause, Redraw};
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{key, settings};

/// 2026-12-01T10:00:00Z
const NOW: i64 = 1_795_000_000_000;
const SEC: i64 = 1000;

fn code(k: KeyCode) -> Action {
    Action::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(s, key(c))).collect()
}

fn queue(id: &str, name: &str) -> QueueRecord {
    QueueRecord {
        id: id.into(),
        name: name.into(),
        is_active: Some(true),
        ..Default::default()
    }
}

fn size(id: &str, waiting: u32, max_wait_s: f64, free: u32) -> QueueSize {
    QueueSize {
        queue_id: id.into(),
        waiting: Some(waiting),
        agent_status: Some(AgentStatusCounts {
            available: Some(free),
            ..Default::default()
        }),
        queue_summary: Some(QueueSummary {
            max_wait: Some(max_wait_s * 1000.0),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A console that watches since `NOW - 60 s`, polls every 5 s, and has two
/// queues listed and sized at `NOW`: Billing with 4 waiting (the longest
/// 200 s, past the default critical 180 s), Support calm.
fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.model.freshness.since_ms = NOW - 60 * SEC;
    s.model.freshness.poll_ms = 5_000;
    s.now_ms = NOW;
    update(
        &mut s,
        Action::QueuesListed {
            result: Ok(vec![queue("qu-s", "Support"), queue("qu-b", "Billing")]),
        },
    );
    for (id, sz) in [
        ("qu-b", size("qu-b", 4, 200.0, 1)),
        ("qu-s", size("qu-s", 0, 0.0, 3)),
    ] {
        update(
            &mut s,
            Action::QueueSized {
                queue_id: id.into(),
                result: Ok(Some(sz)),
            },
        );
    }
    s
}

fn tick(s: &mut State, at: i64) {
    update(s, Action::Tick(at));
}

#[test]
fn colon_wallboard_opens_it_and_q_esc_or_its_key_return_to_the_console() {
    let mut s = console();
    typed(&mut s, ":wallboard");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.views.mode, Mode::Wallboard);
    // Keys of the lists do nothing there.
    typed(&mut s, "j");
    assert_eq!(s.views.mode, Mode::Wallboard);
    let effects = typed(&mut s, "q");
    assert_eq!(s.views.mode, Mode::Normal);
    assert!(
        !s.quit && effects.is_empty(),
        "q only closes it: {effects:?}"
    );

    typed(&mut s, "W");
    assert_eq!(s.views.mode, Mode::Wallboard);
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.views.mode, Mode::Normal);

    typed(&mut s, "W");
    typed(&mut s, "W");
    assert_eq!(s.views.mode, Mode::Normal, "its own key closes it again");
    // The alias.
    typed(&mut s, ":wb");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.views.mode, Mode::Wallboard);
}

#[test]
fn the_wallboard_alone_quits_on_q() {
    let mut s = console();
    s.settings.read_only = true;
    s.views.wallboard_only = true;
    s.views.mode = Mode::Wallboard;
    let effects = typed(&mut s, "q");
    assert!(s.quit);
    assert_eq!(effects, vec![Effect::Quit]);
}

#[test]
fn tiles_carry_the_figures_and_the_levels_by_the_queues_thresholds() {
    let mut s = console();
    let board = s.wallboard();
    let names: Vec<&str> = board.tiles.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Billing", "Support"], "by name");
    let billing = &board.tiles[0];
    assert_eq!(billing.waiting, Some(4));
    assert_eq!(billing.longest_secs, Some(200));
    assert_eq!(billing.free, Some(1));
    assert_eq!(billing.wait_level, Level::Critical);
    assert_eq!(billing.level(), Level::Critical);
    assert_eq!(board.tiles[1].level(), Level::Ok);

    // A per-queue override: Billing may wait longer.
    s.settings.alerts.queues.insert(
        "Billing".into(),
        Thresholds {
            warn_wait_secs: 120,
            critical_wait_secs: 600,
            sla_secs: 30,
            sla_target_pct: 90,
        },
    );
    // Four of six answered within 30 s: under the 90 % target.
    for (id, within) in [
        ("c-1", true),
        ("c-2", true),
        ("c-3", false),
        ("c-4", true),
        ("c-5", true),
        ("c-6", false),
    ] {
        s.model.sla_seen.insert(
            id.into(),
            SlaMark {
                queue_id: "qu-b".into(),
                within,
            },
        );
    }
    let billing = s.wallboard().tiles[0].clone();
    assert_eq!(billing.wait_level, Level::Warn);
    assert_eq!(billing.service_pct, Some(67));
    assert_eq!((billing.target_pct, billing.sla_secs), (90, 30));
    assert_eq!(billing.sla_level, Level::Warn);
}

fn mark(s: &mut State, id: &str, queue: &str, within: bool) {
    s.model.sla_seen.insert(
        id.into(),
        SlaMark {
            queue_id: queue.into(),
            within,
        },
    );
}

#[test]
fn too_few_decided_is_no_percentage_and_none_in_time_is_critical() {
    let mut s = console();
    // Three decided, none in time: not "0%" drawn as OK, but nothing
    // and how many were seen.
    for id in ["c-1", "c-2", "c-3"] {
        mark(&mut s, id, "qu-s", false);
    }
    let support = s.wallboard().tiles[1].clone();
    assert_eq!(support.name, "Support");
    assert_eq!(support.service_pct, None);
    assert_eq!(support.service_seen, 3);
    assert_eq!(support.sla_level, Level::Ok);
    let row = s.queue_rows().into_iter().find(|r| r.id == "qu-s").unwrap();
    assert_eq!(row.service_pct(), None);
    // Five decided, none in time: 0 %, and critical where it shows.
    for id in ["c-4", "c-5"] {
        mark(&mut s, id, "qu-s", false);
    }
    let support = s.wallboard().tiles[1].clone();
    assert_eq!(support.service_pct, Some(0));
    assert_eq!(support.sla_level, Level::Critical);
    // What the screen draws: the wallboard and the queue pane agree.
    let mut few = console();
    for id in ["c-1", "c-2", "c-3"] {
        mark(&mut few, id, "qu-s", true);
    }
    few.views.mode = Mode::Wallboard;
    let theme = switchboard::ui::Theme::new(switchboard::ui::ThemeKind::Mono, false);
    let draw = |st: &State, w: u16, h: u16| -> String {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| switchboard::ui::view(st, f, &theme)).unwrap();
        t.backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect()
    };
    let board = draw(&few, 120, 40);
    assert!(board.contains("— 3 seen"), "{board}");
    assert!(!board.contains("100%"), "{board}");
    few.views.mode = Mode::Normal;
    few.views.queues.shown = true;
    let pane = draw(&few, 120, 40);
    assert!(pane.contains("3 seen"), "{pane}");
    assert!(!pane.contains("100%"), "{pane}");
}

#[test]
fn when_not_all_fit_the_tiles_in_trouble_stay_in_name_order() {
    let mut s = console();
    let mut records: Vec<QueueRecord> = (0..6)
        .map(|i| queue(&format!("qu-{i}"), &format!("Calm {i}")))
        .collect();
    records.push(queue("qu-b", "Billing"));
    records.push(queue("qu-z", "Zeta"));
    update(
        &mut s,
        Action::QueuesListed {
            result: Ok(records),
        },
    );
    update(
        &mut s,
        Action::QueueSized {
            queue_id: "qu-z".into(),
            result: Ok(Some(size("qu-z", 2, 70.0, 0))),
        },
    );
    let board = s.wallboard();
    let shown: Vec<&str> = board.shown(3).iter().map(|t| t.name.as_str()).collect();
    // Billing (critical) and Zeta (warning) first; then the most waiting
    // of the calm ones (none waits), by name.
    assert_eq!(shown, ["Billing", "Calm 0", "Zeta"]);
    assert_eq!(board.shown(100).len(), 8);
}

#[test]
fn figures_go_stale_after_three_polls_without_an_answer_or_at_a_failure() {
    let mut s = console();
    let answered = NOW;
    assert_eq!(s.model.freshness.last_ok_ms, Some(answered));
    assert!(!s.wallboard().stale);
    // Three intervals (15 s) is still fresh; a moment more is stale.
    tick(&mut s, answered + 15 * SEC);
    assert!(!s.wallboard().stale);
    tick(&mut s, answered + 15 * SEC + 1);
    assert!(s.wallboard().stale);
    assert_eq!(s.wallboard().last_ok_ms, Some(answered));

    // An answer makes it fresh again.
    update(
        &mut s,
        Action::ConversationsPage(Box::new(switchboard::app::ConversationPage {
            group: switchboard::app::PollGroup::Waiting,
            seq: 1,
            skip: 0,
            records: Vec::new(),
            closed: Vec::new(),
            total: Some(0),
            sweep_from: Some(1),
            cut: false,
        })),
    );
    let board = s.wallboard();
    assert!(!board.stale);
    assert_eq!(board.last_ok_ms, Some(answered + 15 * SEC + 1));

    // A failed poll is stale at once, until the next answer.
    for failed in [
        Action::QueueSized {
            queue_id: "qu-b".into(),
            result: Err("503 Service Unavailable".into()),
        },
        Action::QueuesListed {
            result: Err("connection refused".into()),
        },
        Action::PollRound {
            plan: Default::default(),
            error: Some("timed out".into()),
        },
    ] {
        update(&mut s, failed);
        let board = s.wallboard();
        assert!(board.stale && board.latest_failed);
        update(
            &mut s,
            Action::QueueSized {
                queue_id: "qu-b".into(),
                result: Ok(Some(size("qu-b", 1, 10.0, 1))),
            },
        );
        assert!(!s.wallboard().stale);
    }

    // Agents answering say nothing of the queue figures.
    let later = s.now_ms + 60 * SEC;
    tick(&mut s, later);
    update(
        &mut s,
        Action::AgentsListed {
            agents: Ok(Vec::new()),
            availability: None,
        },
    );
    assert!(s.wallboard().stale);
}

#[test]
fn before_any_answer_the_figures_are_stale_once_three_polls_went_by() {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.model.freshness.since_ms = NOW;
    tick(&mut s, NOW + 15 * SEC);
    assert!(!s.wallboard().stale);
    assert_eq!(s.wallboard().last_ok_ms, None);
    tick(&mut s, NOW + 16 * SEC);
    assert!(s.wallboard().stale);
}

#[test]
fn the_wallboard_is_drawn_again_only_when_what_it_shows_changed() {
    let mut s = console();
    s.views.mode = Mode::Wallboard;
    let mut redraw = Redraw::default();
    assert!(redraw.needed(&s, Cause::Action), "the first frame");
    // Seconds pass and nothing shown changes (Kore's longest wait is as of
    // its last answer): no frame.
    for t in 1..=5 {
        tick(&mut s, NOW + t * SEC);
        assert!(!redraw.needed(&s, Cause::Tick), "tick {t}");
    }
    // An action that changes nothing shown (a log line): no frame either.
    update(
        &mut s,
        Action::Note {
            error: false,
            text: "hello".into(),
        },
    );
    assert!(!redraw.needed(&s, Cause::Action));
    // A figure changes.
    update(
        &mut s,
        Action::QueueSized {
            queue_id: "qu-s".into(),
            result: Ok(Some(size("qu-s", 1, 3.0, 3))),
        },
    );
    assert!(redraw.needed(&s, Cause::Action));
    assert!(!redraw.needed(&s, Cause::Tick));
    // The figures go stale: drawn once, with the marker.
    let silent = s.model.freshness.last_ok_ms.unwrap() + 16 * SEC;
    tick(&mut s, silent);
    assert!(redraw.needed(&s, Cause::Tick));
    assert!(!redraw.needed(&s, Cause::Tick));
    // The clock's minute turns.
    let next_minute = s.now_ms - s.now_ms.rem_euclid(60_000) + 60_000;
    tick(&mut s, next_minute);
    assert!(redraw.needed(&s, Cause::Tick));
    // A new size.
    update(&mut s, Action::Resize(100, 30));
    assert!(redraw.needed(&s, Cause::Action));
    assert!(!redraw.needed(&s, Cause::Action));

    // The console draws on every tick (its clock shows seconds) while
    // someone is at the keys, except on the "too small" message.
    s.views.mode = Mode::Normal;
    redraw.input(s.now_ms);
    assert!(redraw.needed(&s, Cause::Tick));
    assert!(redraw.needed(&s, Cause::Tick));
    update(&mut s, Action::Resize(20, 5));
    assert!(!redraw.needed(&s, Cause::Tick));
    assert!(redraw.needed(&s, Cause::Action));
}

/// Issue 11's idle target: with nobody at the keys for a while the console
/// draws every five seconds, not every second, and a poll's answer shows
/// with the next of those frames; a key draws at once and wakes it.
#[test]
fn at_rest_the_console_draws_the_clock_every_five_seconds() {
    use switchboard::runtime::console::{REST_AFTER_MS, REST_EVERY_MS};
    let mut s = console();
    let mut redraw = Redraw::default();
    redraw.input(NOW);
    assert!(redraw.needed(&s, Cause::Action), "the first frame");
    let mut drawn = Vec::new();
    let rest_secs = REST_AFTER_MS / SEC;
    for t in 1..=rest_secs + 12 {
        tick(&mut s, NOW + t * SEC);
        if redraw.needed(&s, Cause::Tick) {
            drawn.push(t);
        }
    }
    // Every second until at rest, then every five.
    let awake: Vec<i64> = (1..rest_secs).collect();
    assert_eq!(&drawn[..awake.len()], awake.as_slice(), "{drawn:?}");
    let resting = &drawn[awake.len()..];
    assert!(
        resting
            .windows(2)
            .all(|w| (w[1] - w[0]) * SEC == REST_EVERY_MS),
        "{drawn:?}"
    );
    assert!(resting.len() >= 2, "{drawn:?}");
    // A report (a poll's answer) waits for the next frame at rest...
    let last = NOW + resting.last().unwrap() * SEC;
    let now = s.now_ms;
    assert_eq!(
        redraw.needed(&s, Cause::Action),
        now - last >= REST_EVERY_MS,
        "{drawn:?}"
    );
    tick(&mut s, last + REST_EVERY_MS);
    assert!(redraw.needed(&s, Cause::Action), "...at most five seconds");
    // A key draws at once, and the ticks go every second again.
    let woke = s.now_ms;
    redraw.input(woke);
    tick(&mut s, woke + SEC);
    assert!(redraw.needed(&s, Cause::Tick));
    tick(&mut s, woke + 2 * SEC);
    assert!(redraw.needed(&s, Cause::Tick));
}

/// Issue 18.16: STALE came after three configured intervals whatever the
/// rounds really took, and said "Kore is not answering" when Kore answered
/// figures it could not read. Stale now follows the plan's round, and an
/// unreadable answer is called that.
#[test]
fn stale_follows_the_rounds_and_names_unreadable_figures() {
    let mut s = console();
    let answered = NOW;
    update(
        &mut s,
        Action::PollRound {
            plan: switchboard::app::PollPlan {
                round_ms: 20_000,
                pages_per_round: 1,
                pages: [1, 1],
                waiting_cap: 1,
                rounds: 1,
                full_ms: 20_000,
            },
            error: None,
        },
    );
    // Three 5 s intervals went by, but not three 20 s rounds: fresh.
    tick(&mut s, answered + 16 * SEC);
    assert!(!s.wallboard().stale);
    tick(&mut s, answered + 60 * SEC + 1);
    assert!(s.wallboard().stale);

    update(
        &mut s,
        Action::QueuesListed {
            result: Err("200 with an unreadable body: waiting: expected an integer".into()),
        },
    );
    let board = s.wallboard();
    assert!(board.stale && board.latest_unreadable);
    s.views.mode = Mode::Wallboard;
    let theme = switchboard::ui::theme::Theme::new(switchboard::ui::theme::ThemeKind::Mono, false);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    term.draw(|f| switchboard::ui::view(&s, f, &theme)).unwrap();
    let top: String = (0..120)
        .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(
        top.contains("STALE: Kore's figures are unreadable"),
        "{top}"
    );
    assert!(!top.contains("not answering"), "{top}");
    // A silent Kore is still said as such.
    update(
        &mut s,
        Action::QueuesListed {
            result: Err("connection refused".into()),
        },
    );
    assert!(!s.wallboard().latest_unreadable);
}
