//! Wait alerts through `update()` with a fixed clock: a wait crossing its
//! warning and critical thresholds (level, the status bar's count, one bell
//! per new level), per-queue overrides, a queue below its service-level
//! target, and the problems-only view (`!`, `:problems`) with its kept list.

use std::collections::BTreeMap;

use switchboard::app::alerts::{Level, Thresholds};
use switchboard::app::state::*;
use switchboard::app::{Action, Effect, State, update};
use switchboard::domain::{AgentRef, Event};
use switchboard::kore::wire::{
    ConversationParticipant, ConversationQueue, ConversationRecord, FailReason,
};
use switchboard::ui::keymap::Keymap;
use switchboard::ui::{Theme, ThemeKind};

mod common;
use common::state::{key, settings};

const BILLING: &str = "qu-billing";
const SALES: &str = "qu-sales";
/// 2026-12-01T10:00:00Z
const NOW: i64 = 1_795_000_000_000;
const SEC: i64 = 1000;

/// A conversation of list-conversations in `queue`, waiting `wait_s`
/// seconds (or answered after them when `agent` is given).
fn record(id: &str, queue: &str, wait_s: i64, agent: Option<&str>) -> ConversationRecord {
    let name = if queue == BILLING { "Billing" } else { "Sales" };
    ConversationRecord {
        id: Some(id.into()),
        conversation_id: Some(id.into()),
        bot_session_id: Some(format!("sess-{id}")),
        status: Some(if agent.is_some() { "ACTIVE" } else { "OPEN" }.into()),
        language: Some("en".into()),
        conversation_type: Some("messaging".into()),
        queues: vec![ConversationQueue {
            id: Some(queue.into()),
            name: Some(name.into()),
            kind: Some("ASSIGNED".into()),
            status: Some("ACTIVE".into()),
            start_time: None,
        }],
        wait_time: Some(wait_s * SEC),
        participants: agent
            .map(|a| ConversationParticipant {
                agent_id: Some(a.into()),
                name: Some(a.into()),
                status: Some("ACTIVE".into()),
                ..Default::default()
            })
            .into_iter()
            .collect(),
        ..Default::default()
    }
}

fn queue(id: &str, name: &str) -> switchboard::kore::wire::QueueRecord {
    switchboard::kore::wire::QueueRecord {
        id: id.into(),
        name: name.into(),
        is_active: Some(true),
        ..Default::default()
    }
}

/// A console at `NOW` with the given alerts, Billing and Sales listed.
fn console(alerts: switchboard::app::alerts::Alerts) -> State {
    let mut st = settings("st-test", "TEST", 30_000);
    st.alerts = alerts;
    let mut s = State::new(st, Keymap::default(), "t".into());
    s.now_ms = NOW;
    update(
        &mut s,
        Action::QueuesListed {
            result: Ok(vec![queue(BILLING, "Billing"), queue(SALES, "Sales")]),
        },
    );
    s
}

fn ringing() -> switchboard::app::alerts::Alerts {
    switchboard::app::alerts::Alerts {
        bell: true,
        ..Default::default()
    }
}

/// A whole round of the conversations poll listing `records`: one page per
/// status group, each the end of its sweep, then the round's end.
fn poll(s: &mut State, records: Vec<ConversationRecord>) -> Vec<Effect> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use switchboard::app::{ConversationPage, PollGroup};
    static SEQ: AtomicU64 = AtomicU64::new(1);
    let (waiting, rest): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| matches!(r.status.as_deref(), Some("OPEN" | "OVERDUE")));
    let mut effects = Vec::new();
    for (group, records) in [(PollGroup::Waiting, waiting), (PollGroup::Rest, rest)] {
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        effects.extend(update(
            s,
            Action::ConversationsPage(Box::new(ConversationPage {
                group,
                seq,
                skip: 0,
                total: Some(records.len() as u64),
                records,
                closed: Vec::new(),
                sweep_from: Some(seq),
                cut: false,
            })),
        ));
    }
    effects.extend(update(
        s,
        Action::PollRound {
            plan: Default::default(),
            error: None,
        },
    ));
    effects
}

/// The clock moves to `NOW + secs`.
fn tick(s: &mut State, secs: i64) -> Vec<Effect> {
    s.now_ms = NOW + secs * SEC;
    update(s, Action::Tick(s.now_ms))
}

fn bells(effects: &[Effect]) -> usize {
    effects.iter().filter(|e| **e == Effect::Bell).count()
}

fn status(s: &State) -> String {
    switchboard::ui::status::status_line(s, &Theme::new(ThemeKind::Mono, false), 220).to_string()
}

fn level(s: &State, id: &str) -> Level {
    s.conversation_level(&s.model.conversations[id])
}

#[test]
fn a_wait_crosses_warning_then_critical_and_rings_once_for_each() {
    // No service-level target: only the wait rings here.
    let mut alerts = ringing();
    alerts.default.sla_target_pct = 0;
    let mut s = console(alerts);
    let fx = poll(&mut s, vec![record("c-1", BILLING, 30, None)]);
    assert_eq!(bells(&fx), 0);
    assert_eq!(level(&s, "c-1"), Level::Ok);
    assert_eq!(s.model.breaches.waiting_count(), 0);
    assert!(!status(&s).contains("waiting past"), "{}", status(&s));

    // 30 s later it has waited 60 s: a warning, one bell.
    let fx = tick(&mut s, 30);
    assert_eq!(level(&s, "c-1"), Level::Warn);
    assert_eq!(bells(&fx), 1);
    assert_eq!(s.model.breaches.waiting_count(), 1);
    assert_eq!(s.model.breaches.critical_count(), 0);
    assert!(
        status(&s).contains("⚠ 1 waiting past 60s"),
        "{}",
        status(&s)
    );

    // Still a warning: quiet, on ticks and on polls that list it again.
    assert_eq!(bells(&tick(&mut s, 31)), 0);
    s.now_ms = NOW + 100 * SEC;
    assert_eq!(
        bells(&poll(&mut s, vec![record("c-1", BILLING, 130, None)])),
        0
    );
    assert_eq!(s.model.breaches.waiting_count(), 1);

    // 180 s of waiting: critical, one more bell, and the status says so.
    let fx = tick(&mut s, 150);
    assert_eq!(level(&s, "c-1"), Level::Critical);
    assert_eq!(bells(&fx), 1);
    assert_eq!(s.model.breaches.critical_count(), 1);
    assert!(
        status(&s).contains("‼ 1 waiting past 60s, 1 critical"),
        "{}",
        status(&s)
    );
    assert_eq!(bells(&tick(&mut s, 400)), 0);

    // Answered: no longer a breach, and no bell for it.
    s.now_ms = NOW + 401 * SEC;
    let fx = poll(&mut s, vec![record("c-1", BILLING, 400, Some("Mia"))]);
    assert_eq!(level(&s, "c-1"), Level::Ok);
    assert_eq!(s.model.breaches.waiting_count(), 0);
    assert!(!status(&s).contains("waiting"), "{}", status(&s));
    assert_eq!(bells(&fx), 0);
}

#[test]
fn without_bell_true_nothing_rings_but_everything_is_counted() {
    let mut s = console(Default::default());
    poll(&mut s, vec![record("c-1", BILLING, 200, None)]);
    let fx = tick(&mut s, 1);
    assert_eq!(bells(&fx), 0);
    assert_eq!(s.model.breaches.critical_count(), 1);
    assert_eq!(level(&s, "c-1"), Level::Critical);
}

#[test]
fn several_new_breaches_at_once_ring_one_bell() {
    let mut s = console(ringing());
    let fx = poll(
        &mut s,
        vec![
            record("c-1", BILLING, 70, None),
            record("c-2", BILLING, 200, None),
            record("c-3", SALES, 90, None),
        ],
    );
    assert_eq!(bells(&fx), 1);
    assert_eq!(s.model.breaches.waiting_count(), 3);
    assert_eq!(s.model.breaches.critical_count(), 1);
}

#[test]
fn a_queue_override_sets_its_own_thresholds() {
    let mut alerts = switchboard::app::alerts::Alerts::default();
    let strict = Thresholds {
        warn_wait_secs: 10,
        critical_wait_secs: 20,
        ..alerts.default
    };
    alerts.queues.insert("Billing".into(), strict);
    let mut s = console(alerts);
    poll(
        &mut s,
        vec![
            record("c-b", BILLING, 15, None),
            record("c-s", SALES, 15, None),
            record("c-b2", BILLING, 25, None),
        ],
    );
    assert_eq!(level(&s, "c-b"), Level::Warn, "Billing warns after 10 s");
    assert_eq!(level(&s, "c-b2"), Level::Critical);
    assert_eq!(level(&s, "c-s"), Level::Ok, "Sales keeps the defaults");
    assert_eq!(s.model.breaches.waiting_count(), 2);
    // The status bar no longer claims one threshold for all.
    assert!(
        status(&s).contains("2 waiting too long, 1 critical"),
        "{}",
        status(&s)
    );
    // The queue row carries the worst of its longest wait.
    let billing = s
        .queue_rows()
        .into_iter()
        .find(|r| r.id == BILLING)
        .unwrap();
    assert_eq!(s.queue_level(&billing), Level::Critical);
    assert_eq!(s.model.breaches.queues.get(BILLING), Some(&Level::Critical));
    assert_eq!(s.model.breaches.queues.get(SALES), None);

    // By id as well.
    let mut alerts = switchboard::app::alerts::Alerts::default();
    alerts.queues.insert(SALES.into(), strict);
    let mut s = console(alerts);
    poll(&mut s, vec![record("c-s", SALES, 15, None)]);
    assert_eq!(level(&s, "c-s"), Level::Warn);
}

#[test]
fn a_queue_below_its_service_level_target_is_marked() {
    // Billing: three answered after 40 s and three after 5 s (50 % within
    // 20 s, under the 80 % target: a warning). Sales: answered after 5 s.
    let billing = |late: usize, quick: usize| -> Vec<ConversationRecord> {
        (0..late)
            .map(|i| record(&format!("c-l{i}"), BILLING, 40, Some("Mia")))
            .chain((0..quick).map(|i| record(&format!("c-q{i}"), BILLING, 5, Some("Raj"))))
            .collect()
    };
    // Two decided are too few to judge a service level.
    let mut s = console(ringing());
    poll(&mut s, billing(1, 1));
    let rows = s.queue_rows();
    let row = rows.iter().find(|r| r.id == BILLING).unwrap();
    assert_eq!(row.service, (1, 2));
    assert_eq!(s.queue_level(row), Level::Ok, "too few to judge");

    let mut s = console(ringing());
    let mut records = billing(3, 3);
    records.push(record("c-3", SALES, 5, Some("Sofia")));
    let fx = poll(&mut s, records);
    let rows = s.queue_rows();
    let row = |id: &str| rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row(BILLING).service, (3, 6));
    assert_eq!(s.queue_level(row(BILLING)), Level::Warn);
    assert_eq!(s.queue_level(row(SALES)), Level::Ok);
    assert_eq!(
        s.model.breaches.queues,
        BTreeMap::from([(BILLING.to_string(), Level::Warn)])
    );
    assert_eq!(s.model.breaches.waiting_count(), 0);
    assert_eq!(bells(&fx), 1);
    assert!(status(&s).contains("⚠ 1 queue"), "{}", status(&s));

    // A target of 40 % is met by 50 %.
    let mut alerts = switchboard::app::alerts::Alerts::default();
    alerts.default.sla_target_pct = 40;
    let mut s = console(alerts);
    poll(&mut s, billing(3, 3));
    assert!(s.model.breaches.queues.is_empty());
}

/// A conversation whose hooks request failed, and one whose assign timed
/// out, both calm in their wait.
fn with_failures(s: &mut State) {
    let c = s.model.conversations.get_mut("c-failed").unwrap();
    c.timeline.push(TimelineItem::Event {
        req_id: "t-1".into(),
        at_ms: NOW,
        text: "NA entry Mia".into(),
        event: Event::na_entry(AgentRef::new("a-mia", "Mia")),
        delivery: Delivery::Failed {
            status: Some(400),
            message: "refused".into(),
            reason: FailReason::from_status(Some(400), "refused"),
        },
    });
    let c = s.model.conversations.get_mut("c-lost").unwrap();
    c.timeline.push(TimelineItem::Assign {
        req_id: "t-2".into(),
        at_ms: NOW,
        text: "assign → Mia".into(),
        state: AssignState::TimedOut,
    });
}

#[test]
fn problems_only_shows_breaches_and_failures_and_follows_the_clock() {
    let mut s = console(Default::default());
    poll(
        &mut s,
        vec![
            record("c-late", BILLING, 90, None),
            record("c-calm", BILLING, 10, None),
            record("c-failed", SALES, 5, None),
            record("c-lost", SALES, 5, None),
            record("c-busy", SALES, 5, Some("Sofia")),
        ],
    );
    with_failures(&mut s);
    tick(&mut s, 0);
    assert_eq!(s.visible_ids().len(), 5);

    let fx = update(&mut s, key('!'));
    assert!(fx.is_empty());
    assert!(s.views.problems_only);
    let mut shown: Vec<String> = s.visible_ids().to_vec();
    shown.sort();
    assert_eq!(shown, ["c-failed", "c-late", "c-lost"]);
    assert!(
        s.views
            .list
            .selected
            .as_ref()
            .is_some_and(|id| shown.contains(id))
    );
    // Only Billing's wait is past a threshold; Sales' answered one was
    // within 20 s.
    let queues: Vec<String> = s.visible_queue_rows().into_iter().map(|r| r.id).collect();
    assert_eq!(queues, [BILLING]);

    // The list is kept between frames...
    let kept = s.visible_ids();
    assert!(kept.same(&s.visible_ids()));
    assert!(kept.same(&{
        tick(&mut s, 1);
        s.visible_ids()
    }));
    // ...and follows when a wait crosses a threshold on the clock alone:
    // c-calm has waited 10 + 50 = 60 s.
    tick(&mut s, 50);
    assert!(s.visible_ids().contains("c-calm"));
    assert_eq!(s.visible_ids().len(), 4);
    // A warning turning critical keeps the same rows: the kept list is
    // not made again (at 90, c-late has waited 180 s; the others stay
    // warnings from 60 on).
    tick(&mut s, 60);
    let kept = s.visible_ids();
    assert_eq!(level(&s, "c-late"), Level::Warn);
    tick(&mut s, 90);
    assert_eq!(level(&s, "c-late"), Level::Critical);
    assert!(kept.same(&s.visible_ids()), "not made again");

    // `!` again: everything.
    update(&mut s, key('!'));
    assert!(!s.views.problems_only);
    assert_eq!(s.visible_ids().len(), 5);
    assert_eq!(s.visible_queue_rows().len(), 2);
}

#[test]
fn the_problems_command_turns_the_view_on_and_off() {
    let mut s = console(Default::default());
    poll(
        &mut s,
        vec![
            record("c-late", BILLING, 90, None),
            record("c-calm", BILLING, 10, None),
        ],
    );
    let run = |s: &mut State, line: &str| {
        update(s, key(':'));
        for c in line.chars() {
            update(s, key(c));
        }
        update(
            s,
            Action::Key(ratatui::crossterm::event::KeyEvent::new(
                ratatui::crossterm::event::KeyCode::Enter,
                ratatui::crossterm::event::KeyModifiers::NONE,
            )),
        );
    };
    run(&mut s, "problems on");
    assert!(s.views.problems_only);
    assert_eq!(s.visible_ids().to_vec(), ["c-late"]);
    run(&mut s, "problems on");
    assert!(s.views.problems_only, "on stays on");
    run(&mut s, "problems off");
    assert!(!s.views.problems_only);
    run(&mut s, "problems");
    assert!(s.views.problems_only, "no word toggles");
    run(&mut s, "problems maybe");
    assert!(s.views.problems_only);
    assert!(
        s.views
            .flash
            .as_ref()
            .is_some_and(|(t, err)| *err && t.contains(":problems")),
        "{:?}",
        s.views.flash
    );
}

#[test]
fn the_problems_key_can_be_rebound_and_collisions_are_reported() {
    let over = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<String, String>>()
    };
    let map = Keymap::with_overrides(&over(&[("toggle_problems", "P")])).expect("P is free");
    assert_eq!(
        map.lookup(&ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char('P'),
            ratatui::crossterm::event::KeyModifiers::NONE,
        )),
        Some(switchboard::app::command::Command::ToggleProblems)
    );
    let errors = Keymap::with_overrides(&over(&[("toggle_problems", "u")]))
        .expect_err("u is the queues' key");
    assert!(
        errors.iter().any(|e| e.contains("toggle_queues")),
        "{errors:?}"
    );
    let errors = Keymap::with_overrides(&over(&[("toggle_queues", "!")]))
        .expect_err("! is the problems' key");
    assert!(
        errors.iter().any(|e| e.contains("toggle_problems")),
        "{errors:?}"
    );
}

/// A hostile `waitTime` (the wire reads 1e30 as i64::MAX) must not overflow
/// the sums that age waits: the wait is kept as at most a year, critical,
/// and the list, the queue pane and the wallboard draw it.
#[test]
fn a_huge_wait_from_kore_is_critical_and_overflows_nothing() {
    let mut s = console(ringing());
    let mut huge = record("c-huge", BILLING, 0, None);
    huge.wait_time = Some(i64::MAX);
    let mut quick = record("c-calm", BILLING, 5, None);
    quick.wait_time = Some(5 * SEC);
    poll(&mut s, vec![huge, quick]);
    tick(&mut s, 3600);
    assert_eq!(level(&s, "c-huge"), Level::Critical);
    let billing = s
        .queue_rows()
        .into_iter()
        .find(|r| r.id == BILLING)
        .unwrap();
    assert!(
        billing.longest_ms.value.is_some_and(|v| v > 0),
        "{billing:?}"
    );
    assert_eq!(s.queue_level(&billing), Level::Critical);
    let _ = s.wallboard();
    assert!(status(&s).contains("crit"), "{}", status(&s));
}

/// Issue 18.16: a Kore that relists its waiting conversations under new
/// ids rang the bell for each one (31 a minute). The bell now rings at
/// most once a second overall; a breach within that second rings once it
/// is over, not lost.
#[test]
fn new_ids_for_the_same_waits_ring_at_most_once_a_second() {
    let mut s = console(ringing());
    let mut rung = 0;
    for i in 0..10 {
        s.now_ms = NOW + i * 100;
        rung += bells(&poll(
            &mut s,
            vec![record(&format!("c-{i}"), BILLING, 70, None)],
        ));
    }
    assert_eq!(rung, 1, "ten new breaches within a second ring once");
    assert_eq!(
        bells(&tick(&mut s, 1)),
        1,
        "the one owed rings after the second"
    );
    assert_eq!(bells(&tick(&mut s, 3)), 0, "and nothing more is owed");
}

/// The waiting list as the latest pass left it: each id with its level,
/// in id order.
fn waiting_levels(s: &State) -> Vec<(String, Level)> {
    let mut w: Vec<(String, Level)> = s
        .model
        .breaches
        .waiting
        .iter()
        .map(|w| (w.id.clone(), w.level))
        .collect();
    w.sort();
    w
}

#[test]
fn a_page_between_ticks_patches_the_waiting_list_to_what_a_walk_finds() {
    use switchboard::app::{ConversationPage, PollGroup};
    let mut s = console(ringing());
    let records: Vec<ConversationRecord> = (0..200)
        .map(|i| {
            let queue = if i % 3 == 0 { SALES } else { BILLING };
            let agent = (i % 7 == 0).then_some("a-1");
            record(&format!("c-{i:03}"), queue, i * 2, agent)
        })
        .collect();
    poll(&mut s, records);
    tick(&mut s, 1);
    // One page, not the end of a sweep: one answered, one waits longer in
    // another queue, one new and long waiting, one new and answered.
    let page = vec![
        record("c-010", BILLING, 20, Some("a-2")),
        record("c-011", SALES, 400, None),
        record("c-900", BILLING, 500, None),
        record("c-901", SALES, 5, Some("a-3")),
    ];
    update(
        &mut s,
        Action::ConversationsPage(Box::new(ConversationPage {
            group: PollGroup::Waiting,
            seq: 1_000,
            skip: 0,
            total: None,
            records: page,
            closed: Vec::new(),
            sweep_from: None,
            cut: false,
        })),
    );
    tick(&mut s, 2);
    // The same console with its waiting list found again by a walk.
    let mut walked = s.clone();
    walked.model.breaches.generation = None;
    let now = walked.now_ms;
    update(&mut walked, Action::Tick(now));
    assert_eq!(waiting_levels(&s), waiting_levels(&walked));
    assert_eq!(
        s.model.breaches.conversations,
        walked.model.breaches.conversations
    );
    assert_eq!(
        s.model.breaches.critical_count(),
        walked.model.breaches.critical_count()
    );
    assert!(s.model.breaches.waiting.iter().any(|w| w.id == "c-900"));
    assert!(!s.model.breaches.waiting.iter().any(|w| w.id == "c-010"));
    assert_eq!(level(&s, "c-011"), Level::Critical);
}
