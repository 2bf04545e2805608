//! The delivery promise, checked against the real simulator on loopback:
//! requests of one conversation arrive strictly in order, at least once and
//! here exactly once; conversations do not block each other; a 4xx holds the
//! rest of its conversation until the supervisor resends it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use switchboard::app::{Action, Effect};
use switchboard::domain::{AgentRef, Event};
use switchboard::kore::client::KoreClient;
use switchboard::kore::hooks::EventContext;
use switchboard::runtime::journal::{self, Journal, RequestFate};
use switchboard::runtime::runner::Runner;
use switchboard::sim::{Fault, ReceivedHook, SimHandle};
use tokio::sync::mpsc;

mod common;
use common::journal::{outcome, request, sent};
use common::sim::{Run, client, describe, runner, simulator_with};
use common::state::{deliveries, settings};

struct Harness {
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Action>,
    journal_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn harness(client: KoreClient, attempts: u32) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let (journal, _) = Journal::open(&journal_path).unwrap();
    let Run { runner, rx, .. } = runner(client, Some(journal), attempts).await;
    Harness {
        runner,
        rx,
        journal_path,
        _dir: dir,
    }
}

fn send(h: &mut Harness, req_id: &str, conversation: &str, event: Event) {
    h.runner.run(Effect::SendEvent {
        req_id: req_id.into(),
        conversation: conversation.into(),
        event,
        ctx: EventContext::default(),
        action: "test".into(),
    });
}

/// Waits until `done` request ids have a final outcome; returns the outcomes
/// (req id → ok) and everything else that was reported.
async fn collect(h: &mut Harness, done: usize, secs: u64) -> (BTreeMap<String, bool>, Vec<Action>) {
    let mut outcomes = BTreeMap::new();
    let mut other = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while outcomes.len() < done {
        match tokio::time::timeout_at(deadline, h.rx.recv()).await {
            Ok(Some(Action::HookDone {
                req_id, outcome, ..
            })) => {
                outcomes.insert(req_id, outcome.is_ok());
            }
            Ok(Some(a)) => other.push(a),
            Ok(None) => break,
            Err(_) => panic!("only {} of {done} outcomes within {secs}s", outcomes.len()),
        }
    }
    (outcomes, other)
}

/// What the simulator accepted and applied (200, not a replay) for a
/// conversation, as event descriptions.
fn accepted(sim: &SimHandle, conversation: &str) -> Vec<String> {
    sim.received()
        .iter()
        .filter(|h| h.conversation_id == conversation && h.status == 200 && !h.duplicate)
        .flat_map(|h| h.events.iter().map(describe).collect::<Vec<_>>())
        .collect()
}

/// The most requests whose arrival times fall within any `window` of time.
fn max_in_window(received: &[ReceivedHook], window: Duration) -> usize {
    let mut at: Vec<i64> = received.iter().map(|r| r.at_ms).collect();
    at.sort_unstable();
    let w = window.as_millis() as i64;
    let mut best = 0;
    let mut first = 0;
    for last in 0..at.len() {
        while at[last] - at[first] >= w {
            first += 1;
        }
        best = best.max(last + 1 - first);
    }
    best
}

/// Ten events that follow the documented order: NA entry, four consultants
/// joining and leaving, NA exit.
fn script(conv: usize) -> Vec<Event> {
    let primary = AgentRef::new(format!("a-{conv}-0"), "Primary");
    let mut events = vec![Event::na_entry(primary.clone())];
    for k in 1..=4 {
        let consultant = AgentRef::new(format!("a-{conv}-{k}"), format!("Consultant {k}"));
        events.push(Event::warm_entry(consultant.clone()));
        events.push(Event::warm_exit(consultant));
    }
    events.push(Event::na_exit(primary));
    events
}

fn expected(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Transfer {
                kind,
                transition,
                agent,
            } => format!("{} {} {}", kind.label(), transition.label(), agent.identity),
            other => other.describe(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_under_faults_is_delivered_completely_and_in_order() {
    // 30 % of requests meet a fault: a 503, extra latency, a reset
    // connection, or a lost reply (applied, then no answer). The server
    // allows LIMIT requests per WINDOW, so the ~260 requests of the burst
    // need a dozen windows. The client is told the same limit and window.
    const LIMIT: u32 = 20;
    const WINDOW: Duration = Duration::from_secs(2);
    let sim = simulator_with(|c| {
        c.faults = 0.3;
        c.rate_limit = LIMIT;
        c.rate_window = WINDOW;
        c.seed = 7;
    })
    .await;
    let client = client(&sim, |s| s.rate_limit_per_minute = LIMIT);
    let mut h = harness(client.with_rate_window(WINDOW), 15).await;
    let started = Instant::now();
    let scripts: Vec<Vec<Event>> = (0..20).map(script).collect();
    // 200 actions over 20 conversations, interleaved as a supervisor would.
    for step in 0..10 {
        for (c, events) in scripts.iter().enumerate() {
            send(
                &mut h,
                &format!("r-{c}-{step}"),
                &format!("c-burst-{c}"),
                events[step].clone(),
            );
        }
    }
    let (outcomes, other) = collect(&mut h, 200, 150).await;
    let took = started.elapsed();
    let delivered = outcomes.values().filter(|ok| **ok).count();
    let retries = other
        .iter()
        .filter(|a| matches!(a, Action::HookRetrying { .. }))
        .count();
    let received = sim.received();
    let kind = |k: Fault| received.iter().filter(|r| r.fault == Some(k)).count();
    let (errors, latency, resets, lost) = (
        kind(Fault::Error),
        kind(Fault::Latency),
        kind(Fault::Reset),
        kind(Fault::LostReply),
    );
    let too_many = received.iter().filter(|r| r.status == 429).count();
    let duplicated = received.iter().filter(|r| r.duplicate).count();
    let busiest = max_in_window(&received, WINDOW);
    for (c, events) in scripts.iter().enumerate() {
        let conv = format!("c-burst-{c}");
        assert_eq!(accepted(&sim, &conv), expected(events), "{conv}");
        // A duplicate is the retry of the request whose reply was lost just
        // before it: the last request that got through to the roster rules.
        let mut last_processed: Option<&ReceivedHook> = None;
        for r in received.iter().filter(|r| r.conversation_id == conv) {
            if r.duplicate {
                let before = last_processed.expect("a duplicate with nothing before it");
                assert!(
                    before.reply_lost() && before.events == r.events,
                    "{conv}: a duplicate that replays no lost reply: {r:?} after {before:?}"
                );
            }
            if r.status == 200 {
                last_processed = Some(r);
            }
        }
    }
    // The runner still holds the journal; reading needs no lock.
    let replay = journal::read(&h.journal_path).unwrap();
    let rebuilt = journal::rebuild(&replay.records);
    let unknown: usize = rebuilt
        .values()
        .map(|st| {
            st.requests
                .iter()
                .filter(|r| r.fate == RequestFate::Unknown)
                .count()
        })
        .sum();
    // Figures for the record (cargo test -- --nocapture shows them).
    eprintln!(
        "burst: 200 actions over 20 conversations, faults 0.3: sent {} requests, \
         faults {} (errors {errors}, latency {latency}, resets {resets}, lost replies {lost}), \
         {retries} retries, delivered {delivered}, duplicated {duplicated}, \
         flagged unknown {unknown}, 429s {too_many}, \
         at most {busiest} requests in any {WINDOW:?} (limit {LIMIT}), in {:.1} s",
        received.len(),
        errors + latency + resets + lost,
        took.as_secs_f64()
    );
    assert_eq!(delivered, 200, "every action delivered");
    assert_eq!(unknown, 0, "no request left with an unknown fate");
    assert_eq!(too_many, 0, "the client kept under the server's limit");
    assert!(
        busiest <= LIMIT as usize,
        "{busiest} requests arrived within {WINDOW:?}"
    );
    // The limit was met, not just respected from afar: some window was
    // (nearly) full. A client far below the limit would fail here.
    assert!(
        busiest >= (LIMIT as usize * 3).div_ceil(4),
        "the limit never bound: at most {busiest} in a window"
    );
    assert!(
        errors > 0 && latency > 0 && resets > 0 && lost > 0,
        "every kind of fault was injected"
    );
    // Every lost reply, even a replay's, was retried and recognised.
    assert_eq!(duplicated, lost, "one replay per lost reply");
    // The journal agrees: every request delivered.
    assert_eq!(rebuilt.len(), 20);
    for st in rebuilt.values() {
        assert_eq!(st.requests.len(), 10);
        assert!(
            st.requests
                .iter()
                .all(|r| matches!(r.fate, RequestFate::Delivered { .. }))
        );
        assert!(st.unknown.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_holds_its_conversation_until_resent_and_others_go_on() {
    let sim = simulator_with(|c| c.seed = 7).await;
    let mut h = harness(client(&sim, |_| {}), 3).await;
    let a = AgentRef::new("a-1", "Mia");
    let b = AgentRef::new("a-2", "Raj");
    send(&mut h, "x-1", "c-held", Event::na_entry(a.clone()));
    let (o, _) = collect(&mut h, 1, 10).await;
    assert!(o["x-1"]);

    // The server now refuses this conversation's requests with a 400.
    sim.set_outage(Some(400), Some("c-held"));
    send(&mut h, "x-2", "c-held", Event::warm_entry(b.clone()));
    send(&mut h, "x-3", "c-held", Event::warm_exit(b.clone()));
    send(&mut h, "x-4", "c-held", Event::na_exit(a.clone()));
    // Another conversation is not held up.
    send(&mut h, "y-1", "c-free", Event::na_entry(b.clone()));
    let (o, mut other) = collect(&mut h, 2, 10).await;
    assert!(!o["x-2"], "a 400 is final");
    assert!(o["y-1"], "other conversations go on");
    let held_ids = |actions: &[Action]| -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::HookHeld { req_ids, .. } => Some(req_ids.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    };
    // The worker reports the held requests after x-2's outcome, and another
    // conversation's outcome may come in between: wait for them a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !["x-3", "x-4"]
        .iter()
        .all(|id| held_ids(&other).iter().any(|h| h == id))
    {
        match tokio::time::timeout_at(deadline, h.rx.recv()).await {
            Ok(Some(a)) => other.push(a),
            _ => break,
        }
    }
    let held = held_ids(&other);
    assert!(
        held.contains(&"x-3".to_string()) && held.contains(&"x-4".to_string()),
        "{held:?}"
    );
    let retried = other
        .iter()
        .any(|a| matches!(a, Action::HookRetrying { req_id, .. } if req_id == "x-2"));
    assert!(!retried, "a 4xx is not retried");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let attempts_x2 = sim
        .received()
        .iter()
        .filter(|r| r.conversation_id == "c-held" && r.status == 400)
        .count();
    assert_eq!(attempts_x2, 1, "sent once, refused once, nothing after it");

    // The supervisor fixes the cause and resends: the rest follows in order.
    sim.set_outage(None, None);
    h.runner.run(Effect::Resend {
        conversation: "c-held".into(),
    });
    let (o, _) = collect(&mut h, 3, 10).await;
    assert!(o.values().all(|ok| *ok), "{o:?}");
    assert_eq!(
        accepted(&sim, "c-held"),
        [
            "NA entry a-1",
            "WARM entry a-2",
            "WARM exit a-2",
            "NA exit a-1"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_request_releases_the_ones_behind_it() {
    let sim = simulator_with(|c| c.seed = 7).await;
    let mut h = harness(client(&sim, |_| {}), 2).await;
    let a = AgentRef::new("a-1", "Mia");
    sim.set_outage(Some(503), None);
    send(&mut h, "d-1", "c-drop", Event::na_entry(a.clone()));
    send(&mut h, "d-2", "c-drop", Event::redial_entry(a.clone()));
    let (o, _) = collect(&mut h, 1, 15).await;
    assert!(!o["d-1"], "out of retries");
    sim.set_outage(None, None);
    h.runner.run(Effect::DropFailed {
        conversation: "c-drop".into(),
    });
    let (o, _) = collect(&mut h, 1, 10).await;
    assert!(o["d-2"]);
    assert_eq!(accepted(&sim, "c-drop"), ["REDIAL entry a-1"]);
    let replay = journal::read(&h.journal_path).unwrap();
    let st = &journal::rebuild(&replay.records)["c-drop"];
    assert!(matches!(
        &st.requests[0].fate,
        RequestFate::Failed { message, .. } if message == switchboard::runtime::runner::DROPPED
    ));
}

/// Issue 17.2: after a heal, the refused request and the rest of its
/// action (planned on a stale roster) are dropped in the runner, each
/// journaled as dropped, and never sent; a later request still goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_requests_of_a_stale_action_are_never_sent() {
    let sim = simulator_with(|c| c.seed = 7).await;
    let mut h = harness(client(&sim, |_| {}), 2).await;
    let a = AgentRef::new("a-1", "Mia");
    sim.set_outage(Some(503), None);
    send(&mut h, "s-1", "c-stale", Event::na_entry(a.clone()));
    send(&mut h, "s-2", "c-stale", Event::na_exit(a.clone()));
    send(&mut h, "s-3", "c-stale", Event::TriggerSummary);
    let (o, _) = collect(&mut h, 1, 15).await;
    assert!(!o["s-1"], "out of retries");
    sim.set_outage(None, None);
    h.runner.run(Effect::DropRequests {
        conversation: "c-stale".into(),
        req_ids: vec!["s-1".into(), "s-2".into()],
    });
    // What was not named goes on: s-3 is sent (and refused by the
    // simulator's order rules, since no agent ever entered).
    let (o, _) = collect(&mut h, 1, 10).await;
    assert!(o.contains_key("s-3"), "{o:?}");
    assert!(!o.contains_key("s-1") && !o.contains_key("s-2"), "{o:?}");
    let sent: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.conversation_id == "c-stale" && r.status != 503)
        .collect();
    assert_eq!(sent.len(), 1, "only s-3 reached Kore after the outage");
    let replay = journal::read(&h.journal_path).unwrap();
    let st = &journal::rebuild(&replay.records)["c-stale"];
    for i in 0..2 {
        assert!(
            matches!(
                &st.requests[i].fate,
                RequestFate::Failed { message, .. } if message == switchboard::runtime::runner::DROPPED
            ),
            "{:?}",
            st.requests[i].fate
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_rebuilds_conversations_from_a_journal_with_a_torn_tail() {
    use switchboard::app::state::{AssignState, Delivery};
    use switchboard::runtime::journal::Record;
    let sim = simulator_with(|c| c.seed = 7).await;
    let mut h = harness(client(&sim, |_| {}), 3).await;
    let a = AgentRef::new("a-1", "Mia");
    let b = AgentRef::new("a-2", "Raj");
    // What an earlier run left (the harness holds this run's journal, so
    // the lines are written as that run's journal wrote them).
    let earlier = [
        request("q-1", "c-r", 1, Event::na_entry(a.clone())),
        sent("q-1", 2),
        outcome("q-1", 3, true, ""),
        Record::Assign {
            id: "q-a".into(),
            at_ms: 4,
            session: "s".into(),
            target: "agent:a-2".into(),
            conversation: Some("c-r".into()),
            text: Some("assign → Raj".into()),
        },
        sent("q-a", 4),
        Record::Callback {
            id: Some("q-a".into()),
            at_ms: 5,
            ok: true,
            summary: "transferred".into(),
        },
        // Sent, no answer: the process died here.
        request("q-2", "c-r", 6, Event::warm_entry(b.clone())),
        sent("q-2", 6),
        request("q-3", "c-r", 7, Event::warm_exit(b.clone())),
    ];
    let mut bytes = Vec::new();
    for r in &earlier {
        bytes.extend(serde_json::to_vec(r).unwrap());
        bytes.push(b'\n');
    }
    // A torn last line, as a crash mid-write leaves it.
    bytes.extend_from_slice(br#"{"kind":"request","id":"q-4","at_ms":7,"conv"#);
    std::fs::write(&h.journal_path, bytes).unwrap();

    let replay = journal::read(&h.journal_path).unwrap();
    assert_eq!(replay.warnings.len(), 1, "{:?}", replay.warnings);
    let mut state = switchboard::app::State::new(
        settings("st", "T", 1000),
        switchboard::ui::keymap::Keymap::default(),
        "t".into(),
    );
    let n = switchboard::runtime::console::restore(&mut state, &mut h.runner, &replay, true);
    assert_eq!(n, 1);
    let c = &state.model.conversations["c-r"];
    assert!(
        c.roster.contains("a-1"),
        "delivered events rebuild the roster"
    );
    let deliveries = deliveries(&state, "c-r");
    assert!(deliveries[0].starts_with("q-1 Delivered"), "{deliveries:?}");
    assert_eq!(deliveries[1], format!("q-a {:?}", AssignState::Transferred));
    assert_eq!(deliveries[2], format!("q-2 {:?}", Delivery::Unknown));
    assert_eq!(deliveries[3], format!("q-3 {:?}", Delivery::Held));
    assert_eq!(deliveries.len(), 4, "the torn request is gone");
    // Nothing goes out until the supervisor decides about q-2.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        accepted(&sim, "c-r").is_empty(),
        "nothing is resent silently"
    );
    h.runner.run(Effect::Resend {
        conversation: "c-r".into(),
    });
    // The journal already holds the roster with a-1; the simulator does not,
    // so the resent WARM entry meets a 400 there. What matters here is the
    // order: q-2 is tried first, and q-3 waits behind it.
    let (o, _) = collect(&mut h, 1, 10).await;
    assert!(o.contains_key("q-2"), "{o:?}");
}
