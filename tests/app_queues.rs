//! `update()` and the queue pane's figures, driven by Actions with no
//! terminal and no network: list-queues and queue-size merged with what the
//! conversation list says, the list narrowed to a queue and widened with
//! Esc, the sort, and an assign to a queue from the picker and from `:`.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::queries::Figure;
use switchboard::app::state::*;
use switchboard::app::{Action, Effect, ReplyInfo, State, update};
use switchboard::kore::wire::{
    AgentStatusCounts, AssignCallback, AssignTarget, ConversationQueue, ConversationRecord,
    QueueAgent, QueueRecord, QueueSize, QueueSummary,
};
use switchboard::runtime::callback::ReceivedCallback;
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{agent, key, listed, settings};

const BILLING: &str = "qu-billing";
const SALES: &str = "qu-sales";
/// 2026-12-01T10:00:00Z
const NOW: i64 = 1_795_000_000_000;

fn code(k: KeyCode) -> Action {
    Action::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(s, key(c))).collect()
}

fn flash(s: &State) -> String {
    s.views
        .flash
        .as_ref()
        .map(|f| f.0.clone())
        .unwrap_or_default()
}

fn queue(id: &str, name: &str, members: &[&str]) -> QueueRecord {
    QueueRecord {
        id: id.into(),
        name: name.into(),
        is_active: Some(true),
        agents: members
            .iter()
            .map(|m| QueueAgent {
                user_id: format!("u-{m}"),
                name: Some(m.to_string()),
                is_preferred_agent: None,
            })
            .collect(),
        ..Default::default()
    }
}

/// A conversation of list-conversations in `queue` (moved there from
/// Sales when `moved`), waiting `wait_ms`, with `agent` in it if any.
fn record(
    id: &str,
    queue: &str,
    status: &str,
    wait_ms: i64,
    agent: Option<&str>,
) -> ConversationRecord {
    let stay = |q: &str, status: &str| ConversationQueue {
        id: Some(q.into()),
        name: Some(if q == BILLING { "Billing" } else { "Sales" }.into()),
        kind: Some("ASSIGNED".into()),
        status: Some(status.into()),
        start_time: None,
    };
    let mut queues = Vec::new();
    if queue == BILLING {
        // Every Billing conversation came through Sales first: the current
        // queue is the last one.
        queues.push(stay(SALES, "INACTIVE"));
    }
    queues.push(stay(queue, "ACTIVE"));
    ConversationRecord {
        id: Some(id.into()),
        conversation_id: Some(id.into()),
        bot_session_id: Some(format!("sess-{id}")),
        status: Some(status.into()),
        language: Some("en".into()),
        conversation_type: Some("messaging".into()),
        queues,
        wait_time: Some(wait_ms),
        participants: agent
            .map(|a| switchboard::kore::wire::ConversationParticipant {
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

/// A console that has polled: two queues, four conversations, three agents.
/// Billing: two waiting (90 s and 10 s), one answered after 5 s. Sales: one
/// answered after 40 s.
fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = NOW;
    let mut mia = agent("a-mia", "Mia Chen", Presence::Available, (0, 5), (0, 1));
    mia.queue_id = Some(BILLING.into());
    let raj = agent("a-raj", "Raj Patel", Presence::Busy, (5, 5), (0, 1));
    let sofia = agent("a-sofia", "Sofia Garcia", Presence::Offline, (0, 5), (0, 1));
    s.model.agents = vec![mia, raj, sofia];
    update(
        &mut s,
        Action::QueuesListed {
            result: Ok(vec![
                queue(BILLING, "Billing", &["Raj Patel"]),
                queue(SALES, "Sales", &["Sofia Garcia"]),
            ]),
        },
    );
    listed(
        &mut s,
        vec![
            record("c-1", BILLING, "OPEN", 90_000, None),
            record("c-2", BILLING, "OPEN", 10_000, None),
            record("c-3", BILLING, "ACTIVE", 5_000, Some("Mia Chen")),
            record("c-4", SALES, "ACTIVE", 40_000, Some("Sofia Garcia")),
        ],
    );
    s
}

fn billing_size(waiting: u32, engaged: u32) -> QueueSize {
    QueueSize {
        queue_id: BILLING.into(),
        queue_name: "Billing".into(),
        waiting: Some(waiting),
        engaged: Some(engaged),
        drop_off: Some(4),
        agent_status: Some(AgentStatusCounts {
            available: Some(1),
            busy: Some(2),
            away: Some(0),
            offline: Some(1),
        }),
        queue_summary: Some(QueueSummary {
            avg_wait: Some(61_000.0),
            max_wait: Some(95_000.0),
            asa: Some(12_500.0),
        }),
        ..Default::default()
    }
}

fn row(s: &State, id: &str) -> switchboard::app::queries::QueueRow {
    s.queue_rows().into_iter().find(|r| r.id == id).unwrap()
}

fn kore(v: i64) -> Figure {
    Figure {
        value: Some(v),
        from_kore: true,
        list_differs: None,
        odd: false,
    }
}

fn list(v: i64) -> Figure {
    Figure {
        value: Some(v),
        from_kore: false,
        list_differs: None,
        odd: false,
    }
}

#[test]
fn before_queue_size_answers_the_figures_come_from_the_list() {
    let mut s = console();
    let b = row(&s, BILLING);
    assert_eq!(b.name, "Billing");
    assert_eq!((b.waiting, b.engaged), (list(2), list(1)));
    assert_eq!(b.longest_ms, list(90_000));
    assert_eq!(b.average_ms, list(50_000));
    assert_eq!(b.asa_ms, list(5_000), "the answered one's wait");
    assert_eq!(b.drops.value, None, "only Kore counts drop-offs");
    // Members: Mia by her directory queue, Raj as list-queues names him.
    assert_eq!(
        b.agents.map(|f| f.value),
        [Some(1), Some(1), Some(0), Some(0)]
    );
    assert!(!b.disagrees());
    // The longest wait goes on while it waits.
    update(&mut s, Action::Tick(NOW + 15_000));
    assert_eq!(row(&s, BILLING).longest_ms, list(105_000));
    // Service level over what this console saw, with sla_secs = 20: c-3
    // answered after 5 s (within), c-1 waits 90 s (not within), c-2 is not
    // decided yet. Sales: c-4 answered after 40 s.
    assert_eq!(row(&s, BILLING).service, (1, 2));
    // Two decided are too few for a percentage (issue 19.4).
    assert_eq!(row(&s, BILLING).service_pct(), None);
    assert_eq!(row(&s, SALES).service, (0, 1));
}

#[test]
fn queue_size_figures_win_and_a_disagreement_is_marked() {
    let mut s = console();
    update(
        &mut s,
        Action::QueueSized {
            queue_id: BILLING.into(),
            result: Ok(Some(billing_size(3, 1))),
        },
    );
    let b = row(&s, BILLING);
    assert_eq!(
        b.waiting,
        Figure {
            value: Some(3),
            from_kore: true,
            list_differs: Some(2),
            odd: false,
        },
        "Kore says 3 wait, the list shows 2"
    );
    assert_eq!(b.engaged, kore(1), "they agree on engaged");
    assert!(b.disagrees());
    assert_eq!(
        (b.longest_ms, b.average_ms, b.asa_ms, b.drops),
        (kore(95_000), kore(61_000), kore(12_500), kore(4))
    );
    assert_eq!(b.agents, [kore(1), kore(2), kore(0), kore(1)]);
    // Sales has no queue-size answer yet: still the list's.
    assert_eq!(row(&s, SALES).engaged, list(1));

    // A later answer that agrees clears the mark; a failed one keeps the
    // figures it had and says why in the log.
    update(
        &mut s,
        Action::QueueSized {
            queue_id: BILLING.into(),
            result: Ok(Some(billing_size(2, 1))),
        },
    );
    assert!(!row(&s, BILLING).disagrees());
    update(
        &mut s,
        Action::QueueSized {
            queue_id: BILLING.into(),
            result: Err("503 Service Unavailable".into()),
        },
    );
    assert_eq!(row(&s, BILLING).waiting, kore(2));
    assert!(
        s.log
            .lines
            .back()
            .unwrap()
            .text
            .contains("poll queue size Billing")
    );

    // list-queues again: the figures stay with their queue; a queue no
    // longer listed goes.
    update(
        &mut s,
        Action::QueuesListed {
            result: Ok(vec![queue(BILLING, "Billing", &[])]),
        },
    );
    assert_eq!(s.model.queues.len(), 1);
    assert_eq!(row(&s, BILLING).waiting, kore(2));
}

#[test]
fn the_current_queue_is_the_last_of_queues() {
    let s = console();
    assert_eq!(
        s.model.conversations["c-1"].queue,
        Some((BILLING.to_string(), "Billing".to_string()))
    );
    assert_eq!(
        row(&s, SALES).waiting,
        list(0),
        "c-1 left Sales for Billing"
    );
}

#[test]
fn enter_on_a_queue_narrows_the_list_and_esc_widens_it() {
    let mut s = console();
    update(&mut s, key('u'));
    assert!(s.views.queues.shown);
    // Tab goes through the queues in the agents' place.
    let mut seen = Vec::new();
    for _ in 0..4 {
        update(&mut s, code(KeyCode::Tab));
        seen.push(s.views.focus);
    }
    assert_eq!(
        seen,
        [Pane::Roster, Pane::Queues, Pane::Log, Pane::Conversations]
    );
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.views.focus, Pane::Queues);
    // Sorted by the longest wait: Billing first, then Sales.
    let names: Vec<String> = s.queue_rows().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Billing", "Sales"]);
    update(&mut s, key('j'));
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.views.list.queue_narrow.as_deref(), Some(SALES));
    let ids: Vec<&str> = s
        .visible_conversations()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["c-4"]);
    assert_eq!(s.views.list.selected.as_deref(), Some("c-4"));
    // Esc: the message first, then the narrowing.
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.views.list.queue_narrow.as_deref(), Some(SALES));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.views.list.queue_narrow, None);
    assert_eq!(s.visible_conversations().len(), 4);
    // Hiding the queues takes the focus back to the agents.
    update(&mut s, key('u'));
    assert_eq!((s.views.queues.shown, s.views.focus), (false, Pane::Agents));
}

#[test]
fn s_on_the_queue_pane_cycles_its_sort_and_sort_names_a_column() {
    let mut s = console();
    update(&mut s, key('u'));
    s.views.focus = Pane::Queues;
    assert_eq!(s.views.queues.sort, QueueSort::Longest);
    update(&mut s, key('s'));
    assert_eq!(s.views.queues.sort, QueueSort::Average);
    assert_eq!(
        s.views.list.sort,
        SortBy::Urgency,
        "the conversations' sort stays"
    );
    update(&mut s, key(':'));
    typed(&mut s, "sort service");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.views.queues.sort, QueueSort::Service);
    // Lowest service level first: Sales (0 % of five) before Billing
    // (two decided: too few for a level, so last).
    for i in 0..5 {
        s.model.sla_seen.insert(
            format!("late-{i}"),
            SlaMark {
                queue_id: SALES.into(),
                within: false,
            },
        );
    }
    let names: Vec<String> = s.queue_rows().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Sales", "Billing"]);
    update(&mut s, key(':'));
    typed(&mut s, "sort name");
    update(&mut s, code(KeyCode::Enter));
    let names: Vec<String> = s.queue_rows().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Billing", "Sales"]);
}

fn callback(id: &str, body: serde_json::Value) -> Action {
    Action::Callback(ReceivedCallback {
        request_id: Some(id.into()),
        body: serde_json::from_value::<AssignCallback>(body.clone()).unwrap(),
        problem: None,
        summary: body.to_string(),
    })
}

fn assign_state(s: &State, conv: &str, req: &str) -> AssignState {
    s.model.conversations[conv]
        .timeline
        .iter()
        .find_map(|t| match t {
            TimelineItem::Assign { req_id, state, .. } if req_id == req => Some(state.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn assign_to_a_queue_is_planned_confirmed_sent_and_its_callback_matched() {
    let mut s = console();
    s.views.list.selected = Some("c-1".into());
    update(&mut s, key('a'));
    typed(&mut s, "q:");
    assert!(
        s.picker_choices().is_empty(),
        "q: offers queues, not agents"
    );
    let offered: Vec<String> = s
        .picker_queue_choices()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(offered, ["Sales", "Billing"], "the fewest waiting first");
    // c-1 waits in Billing already: picking it again is refused.
    typed(&mut s, "bill");
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(flash(&s).contains("already"), "{}", flash(&s));
    assert_eq!(s.views.mode, Mode::Normal);

    update(&mut s, key('a'));
    typed(&mut s, "q:sal");
    assert!(
        update(&mut s, code(KeyCode::Enter)).is_empty(),
        "it asks first"
    );
    match &s.views.mode {
        Mode::Confirm { prompt, .. } => {
            assert_eq!(prompt, "Assign c-1 (session sess-c-1) to queue Sales? Y/n")
        }
        other => panic!("{other:?}"),
    }
    let fx = update(&mut s, key('y'));
    let req_id = match &fx[..] {
        [
            Effect::Assign {
                req_id,
                conversation,
                session,
                target,
                target_name,
                ..
            },
        ] => {
            assert_eq!(conversation, "c-1");
            assert_eq!(session, "sess-c-1");
            assert_eq!(target, &AssignTarget::Queue(SALES.into()));
            assert_eq!(target_name, "queue Sales");
            req_id.clone()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(assign_state(&s, "c-1", &req_id), AssignState::Queued);
    // Sent: its callback timer starts.
    let fx = update(
        &mut s,
        Action::RequestSent {
            req_id: req_id.clone(),
            conversation: "c-1".into(),
            line: "POST assign".into(),
        },
    );
    assert!(
        matches!(&fx[..], [Effect::ArmCallbackTimeout { .. }]),
        "{fx:?}"
    );
    update(
        &mut s,
        Action::AssignDone {
            req_id: req_id.clone(),
            conversation: "c-1".into(),
            outcome: Ok(ReplyInfo {
                status: 200,
                latency_ms: 12,
                body: "ok".into(),
                response: serde_json::Value::Null,
            }),
            uncertain: false,
            attempts: 1,
        },
    );
    assert!(matches!(
        assign_state(&s, "c-1", &req_id),
        AssignState::AwaitingCallback { status: 200, .. }
    ));
    // The callback names the queue: matched by its path, shown by name.
    let fx = update(
        &mut s,
        callback(
            &req_id,
            serde_json::json!({"botSessionId": "sess-c-1", "queueId": SALES, "status": "transferred"}),
        ),
    );
    assert_eq!(assign_state(&s, "c-1", &req_id), AssignState::Transferred);
    assert!(
        matches!(&fx[..], [Effect::RecordCallback { ok: true, .. }]),
        "{fx:?}"
    );
    assert!(flash(&s).contains("c-1 → queue Sales"), "{}", flash(&s));
    assert!(!s.requests.awaiting_callback.contains_key(&req_id));
}

#[test]
fn colon_assign_queue_names_a_queue() {
    let mut s = console();
    s.views.list.selected = Some("c-2".into());
    update(&mut s, key(':'));
    typed(&mut s, "assign queue sales");
    update(&mut s, code(KeyCode::Enter));
    let Mode::Confirm { pending, .. } = &s.views.mode else {
        panic!("{:?}", s.views.mode)
    };
    assert_eq!(
        pending,
        &Pending::Assign {
            conversation: "c-2".into(),
            session: "sess-c-2".into(),
            target: AssignTarget::Queue(SALES.into()),
            target_name: "queue Sales".into(),
        }
    );
    update(&mut s, code(KeyCode::Esc));
    // A name that fits no queue is refused with nothing sent.
    update(&mut s, key(':'));
    typed(&mut s, "assign queue nowhere");
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(flash(&s).contains("no queue matches"), "{}", flash(&s));
    // `:assign NAME` still names an agent.
    update(&mut s, key(':'));
    typed(&mut s, "assign raj");
    update(&mut s, code(KeyCode::Enter));
    assert!(matches!(
        &s.views.mode,
        Mode::Confirm { pending: Pending::Assign { target: AssignTarget::Agent(a), .. }, .. } if a == "a-raj"
    ));
}

/// An assign to a queue journaled but never sent goes out again, to the
/// queue, after a restart.
#[test]
fn an_unsent_assign_to_a_queue_is_restored_to_the_queue() {
    use switchboard::app::restore::{Holds, restore};
    use switchboard::runtime::journal::{Record, rebuild};
    let records = vec![Record::Assign {
        id: "r-1".into(),
        at_ms: 1,
        session: "sess-c-1".into(),
        target: format!("queue:{SALES}"),
        conversation: Some("c-1".into()),
        text: Some("assign → queue Sales".into()),
    }];
    let mut s = console();
    let none = Default::default();
    let holds = Holds {
        each: &none,
        all: None,
    };
    let (_, fx) = restore(&mut s, rebuild(&records), &holds, true);
    match &fx[..] {
        [
            Effect::Requeue {
                send,
                blocked: false,
            },
        ] => match send.as_ref() {
            Effect::Assign {
                target,
                target_name,
                ..
            } => {
                assert_eq!(target, &AssignTarget::Queue(SALES.into()));
                assert_eq!(target_name, "queue Sales");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// With no agent listed yet, `a` still works: the picker offers the queues.
#[test]
fn with_no_agent_listed_the_picker_offers_the_queues() {
    let mut s = console();
    s.model.agents.clear();
    s.views.list.selected = Some("c-1".into());
    update(&mut s, key('a'));
    let Mode::Picker(p) = &s.views.mode else {
        panic!("{:?}", s.views.mode)
    };
    assert_eq!(p.query.as_str(), "q:");
    assert_eq!(s.picker_queue_choices().len(), 2);
    // Without queues either, it says why and opens nothing.
    let mut s = console();
    s.model.agents.clear();
    s.model.queues.clear();
    update(&mut s, key('a'));
    assert_eq!(s.views.mode, Mode::Normal);
    assert!(
        flash(&s).contains("agent directory is empty"),
        "{}",
        flash(&s)
    );
}

/// Billing's queue-size answer as Kore would send it (read as the client
/// reads it), with `figures` over the sane ones.
fn billing_answer(figures: serde_json::Value) -> QueueSize {
    let mut entry = serde_json::to_value(billing_size(2, 1)).unwrap();
    for (k, v) in figures.as_object().unwrap() {
        entry[k] = v.clone();
    }
    QueueSize::read(entry).unwrap()
}

fn odd_lines(s: &State) -> Vec<String> {
    s.log
        .lines
        .iter()
        .map(|l| l.text.clone())
        .filter(|t| t.starts_with("queue-size for Billing"))
        .collect()
}

#[test]
fn figures_that_cannot_be_true_are_odd_not_zero_nor_the_lists_and_logged_once_per_change() {
    let mut s = console();
    let sized = |s: &mut State, size: QueueSize| {
        update(
            s,
            Action::QueueSized {
                queue_id: BILLING.into(),
                result: Ok(Some(size)),
            },
        )
    };
    let odd = serde_json::json!({"waiting": -5, "engaged": 99_999_999_999u64});
    sized(&mut s, billing_answer(odd.clone()));
    let b = row(&s, BILLING);
    // `?` beside the list's 2 waiting and 1 engaged: never 0, never
    // u32::MAX, never the list's figure in Kore's place.
    assert_eq!(
        b.waiting,
        Figure {
            value: None,
            from_kore: true,
            list_differs: Some(2),
            odd: true,
        }
    );
    assert_eq!(
        (b.engaged.value, b.engaged.odd, b.engaged.list_differs),
        (None, true, Some(1))
    );
    assert!(b.disagrees(), "the row is marked");
    assert_eq!(b.drops, kore(4), "the sane figures stand");
    let tile = s
        .wallboard()
        .tiles
        .into_iter()
        .find(|t| t.id == BILLING)
        .unwrap();
    assert!(tile.odd.waiting && tile.waiting.is_none(), "{tile:?}");
    let said = [
        "queue-size for Billing: waiting = -5 (negative, not a count); \
         engaged = 99999999999 (too large to be a count)",
    ];
    assert_eq!(odd_lines(&s), said);

    // The same answer again: no new line.
    sized(&mut s, billing_answer(odd));
    assert_eq!(odd_lines(&s), said);
    // Another odd figure: a line for it.
    sized(&mut s, billing_answer(serde_json::json!({"waiting": 2.5})));
    assert_eq!(
        odd_lines(&s).last().unwrap(),
        "queue-size for Billing: waiting = 2.5 (not a whole number, not a count)"
    );
    assert!(!row(&s, BILLING).engaged.odd);
    // Sane again: Kore's figures as before.
    sized(&mut s, billing_size(2, 1));
    assert_eq!(row(&s, BILLING).waiting, kore(2));
}

#[test]
fn an_odd_wait_shows_odd_instead_of_the_lists_longest() {
    let mut s = console();
    let mut entry = serde_json::to_value(billing_size(2, 1)).unwrap();
    entry["queueSummary"]["maxWait"] = serde_json::json!(-1);
    entry["agentStatus"]["busy"] = serde_json::json!("lots");
    update(
        &mut s,
        Action::QueueSized {
            queue_id: BILLING.into(),
            result: Ok(Some(QueueSize::read(entry).unwrap())),
        },
    );
    let b = row(&s, BILLING);
    assert!(b.longest_ms.odd && b.longest_ms.value.is_none(), "{b:?}");
    assert!(b.agents[1].odd && b.agents[1].value.is_none(), "{b:?}");
    // The `?` hides no breach: the level judges the list's longest wait
    // (c-1's 90 s, past the default warning), as the alerts pass does.
    let list_longest = b.longest_ms.list_differs.expect("the list's longest kept");
    assert!(list_longest >= 90_000, "{b:?}");
    assert_eq!(b.longest_ms.judged(), Some(list_longest));
    assert!(s.queue_level(&b).is_breach(), "{b:?}");
    let tile = s
        .wallboard()
        .tiles
        .into_iter()
        .find(|t| t.id == BILLING)
        .unwrap();
    assert!(tile.wait_level.is_breach() && tile.odd.longest && tile.longest_secs.is_none());
    assert_eq!(b.agents[0], kore(1));
    assert_eq!(
        odd_lines(&s),
        [
            "queue-size for Billing: agentStatus.busy = lots (not a number); \
          queueSummary.maxWait = -1 (negative, not a wait)"
        ]
    );
}
