//! The runner's tests against the simulator: workers, the journal's upkeep
//! and gate, a scripted assign.

use super::*;
use crate::app::Effect;
use crate::domain::AgentRef;
use crate::kore::client::ClientSettings;
use crate::kore::hooks::EventContext;
use crate::kore::wire::AssignTarget;
use crate::runtime::journal::{self, RequestFate};
use crate::sim::{self, SimConfig};
use std::time::Duration;

async fn next_done(rx: &mut mpsc::UnboundedReceiver<Action>) -> (String, Result<(), String>) {
    loop {
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an outcome within 10 s")
            .expect("the runner is alive");
        if let Action::HookDone {
            req_id, outcome, ..
        } = got
        {
            return (req_id, outcome.map(|_| ()).map_err(|e| e.to_string()));
        }
    }
}

async fn simulator_and_client() -> (sim::SimHandle, KoreClient) {
    let mut cfg = SimConfig::demo();
    cfg.traffic = false;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = sim::start(cfg, listener).await.unwrap();
    let client = KoreClient::new(&ClientSettings {
        jwt_ttl_secs: None,
        rate_limit_per_minute: 0,
        hooks_rate_limit_per_minute: None,
        reserved_for_actions_per_minute: None,
        request_timeout: Duration::from_secs(5),
        ..sim.client_settings()
    })
    .unwrap();
    (sim, client)
}

/// A runner writing to `journal`, with a callback listener on loopback.
async fn journaled_runner(
    client: KoreClient,
    journal: Journal,
) -> (Runner, mpsc::UnboundedReceiver<Action>) {
    let (listener, _callbacks) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Runner::new(client, tx, Some(journal), Arc::new(listener)),
        rx,
    )
}

fn send(runner: &mut Runner, conversation: &str, id: &str, event: Event) {
    runner.run(Effect::SendEvent {
        req_id: id.into(),
        conversation: conversation.into(),
        event,
        ctx: EventContext::default(),
        action: "test".into(),
    })
}

/// Issue 18.12: a batch of 20,000 conversations kept 20,000 workers
/// (and their queues) to the end. A forgotten one ends once its queue
/// is empty, and holds nothing of the runner's any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_conversation_lets_its_worker_end() {
    let (_sim, client) = simulator_and_client().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut runner = Runner::without_listener(client, tx, None);
    let mia = AgentRef::new("a-1", "Mia");
    for i in 0..50 {
        send(
            &mut runner,
            &format!("c-{i}"),
            &format!("r-{i}"),
            Event::na_entry(mia.clone()),
        );
    }
    assert_eq!(runner.workers(), 50);
    for _ in 0..50 {
        assert!(next_done(&mut rx).await.1.is_ok());
    }
    for i in 0..50 {
        runner.forget(&format!("c-{i}"));
    }
    assert_eq!(runner.workers(), 0);
    // Each worker holds the runner's core while it lives.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while Arc::strong_count(&runner.inner) > 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the workers never ended"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A later request gets a worker again.
    send(&mut runner, "c-0", "r-again", Event::na_exit(mia));
    assert!(next_done(&mut rx).await.1.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_console_compacts_its_journal() {
    let (_sim, client) = simulator_and_client().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let (journal, _) = Journal::open(&path).unwrap();
    let (mut runner, mut rx) = journaled_runner(client, journal).await;
    let mia = AgentRef::new("a-1", "Mia");
    send(&mut runner, "c-done", "d-1", Event::na_entry(mia.clone()));
    send(&mut runner, "c-done", "d-2", Event::na_exit(mia.clone()));
    send(
        &mut runner,
        "c-done",
        "d-3",
        Event::EndOfConversation { agent: None },
    );
    send(&mut runner, "c-live", "l-1", Event::na_entry(mia.clone()));
    for _ in 0..4 {
        assert!(next_done(&mut rx).await.1.is_ok());
    }
    runner.start_compaction(Duration::from_millis(200), Duration::ZERO);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let folded = loop {
        let replay = journal::read(&path).unwrap();
        let summary = replay
            .records
            .iter()
            .any(|r| matches!(r, Record::Summary { conversation, .. } if conversation == "c-done"));
        if summary {
            break replay;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no compaction within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let st = journal::rebuild(&folded.records);
    assert!(
        !st.contains_key("c-done"),
        "the ended conversation is folded"
    );
    assert!(st["c-live"].roster.contains("a-1"), "the live one stays");
    // The runner goes on writing to the compacted journal, still locked.
    send(&mut runner, "c-live", "l-2", Event::na_exit(mia));
    assert!(next_done(&mut rx).await.1.is_ok());
    let st = journal::rebuild(&journal::read(&path).unwrap().records);
    assert_eq!(st["c-live"].requests.len(), 2);
    assert!(
        Journal::open(&path).is_err(),
        "the lock moved with the file"
    );
}

/// Issue 18.8: with the journal moved away, a console went on as if
/// nothing happened, and a `send` beside it started on an empty
/// history. Now the console says so within its watch interval and sends
/// nothing more (a second opener is refused by the lock file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_moved_away_is_noticed_and_nothing_more_is_sent() {
    let (sim, client) = simulator_and_client().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let (journal, _) = Journal::open(&path).unwrap();
    let (mut runner, mut rx) = journaled_runner(client, journal).await;
    let mia = AgentRef::new("a-1", "Mia");
    send(&mut runner, "c-1", "m-1", Event::na_entry(mia.clone()));
    assert!(next_done(&mut rx).await.1.is_ok());
    let hooks_before = sim.received().len();
    runner.start_journal_watch(Duration::from_millis(50));
    std::fs::rename(&path, dir.path().join("moved.jsonl")).unwrap();
    let note = loop {
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a note within 10 s")
            .expect("the runner is alive");
        if let Action::Note { error: true, text } = got {
            break text;
        }
    };
    assert!(note.contains("moved away"), "{note}");
    assert!(Journal::open(&path).is_err(), "the lock file still holds");
    send(&mut runner, "c-1", "m-2", Event::na_exit(mia));
    let (id, outcome) = next_done(&mut rx).await;
    assert_eq!(id, "m-2");
    assert!(outcome.unwrap_err().contains("not sent"));
    assert_eq!(sim.received().len(), hooks_before, "nothing left");
}

/// Issue 10.3: the loop wrote and fsynced each planning record itself,
/// so a slow disk made keys slow. Now it hands records to the writer and
/// goes on; each request still leaves only once its records are on disk.
/// (The disk is made a second slower per fsync: the margin is a whole
/// fsync, not a performance goal.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_journal_does_not_hold_the_loop_and_nothing_leaves_unwritten() {
    let (sim, client) = simulator_and_client().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal.set_sync_delay(Duration::from_millis(1000));
    let (mut runner, mut rx) = journaled_runner(client, journal).await;
    let mia = AgentRef::new("a-1", "Mia");
    let raj = AgentRef::new("a-2", "Raj");
    // The loop's side: three requests planned. Had it waited for the
    // disk, this would take three fsyncs of a second each.
    let started = std::time::Instant::now();
    send(&mut runner, "c-slow", "s-1", Event::na_entry(mia.clone()));
    send(&mut runner, "c-slow", "s-2", Event::warm_entry(raj.clone()));
    send(&mut runner, "c-slow", "s-3", Event::warm_exit(raj));
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1000),
        "the loop waited on the disk ({took:?})"
    );
    assert!(sim.received().is_empty(), "nothing left before its record");
    // Each goes out after its records, in order.
    for want in ["s-1", "s-2", "s-3"] {
        let (id, outcome) = next_done(&mut rx).await;
        assert_eq!((id.as_str(), outcome), (want, Ok(())));
        let records = journal::read(&path).unwrap().records;
        let has = |kind: &str| {
            records.iter().any(|r| {
                r.id() == Some(want)
                    && matches!(
                        (kind, r),
                        ("request", Record::Request { .. }) | ("sent", Record::Sent { .. })
                    )
            })
        };
        assert!(has("request") && has("sent"), "{want} was on disk first");
    }
    assert_eq!(sim.received().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_that_the_journal_could_not_record() {
    // The console's gate, and the pipelined one of `send --batch`.
    for pipelined in [false, true] {
        nothing_unjournaled_leaves(pipelined).await;
    }
}

async fn nothing_unjournaled_leaves(pipelined: bool) {
    let (sim, client) = simulator_and_client().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal.break_writes();
    let (runner, mut rx) = journaled_runner(client, journal).await;
    let mut runner = runner.with_pipelined_journal(pipelined);
    let mia = AgentRef::new("a-1", "Mia");
    send(&mut runner, "c-j", "j-1", Event::na_entry(mia.clone()));
    send(&mut runner, "c-j", "j-2", Event::na_exit(mia.clone()));
    let (id, outcome) = next_done(&mut rx).await;
    assert_eq!(id, "j-1");
    let why = outcome.unwrap_err();
    assert!(why.contains("journal could not be written"), "{why}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sim.received().is_empty(), "nothing left unjournaled");

    // The disk is fixed; the supervisor resends: both go, in order, and
    // the journal now holds them.
    runner
        .inner
        .journal
        .as_ref()
        .unwrap()
        .with_journal(|j| j.mend_writes())
        .await;
    runner.run(Effect::Resend {
        conversation: "c-j".into(),
    });
    assert_eq!(next_done(&mut rx).await, ("j-1".to_string(), Ok(())));
    assert_eq!(next_done(&mut rx).await, ("j-2".to_string(), Ok(())));
    runner.flush_journal().await;
    let replay = journal::read(&path).unwrap();
    let st = &journal::rebuild(&replay.records)["c-j"];
    let fates: Vec<(&str, &RequestFate)> = st
        .requests
        .iter()
        .map(|r| (r.id.as_str(), &r.fate))
        .collect();
    assert_eq!(
        fates,
        [
            ("j-1", &RequestFate::Delivered { status: Some(200) }),
            ("j-2", &RequestFate::Delivered { status: Some(200) })
        ]
    );
    assert_eq!(sim.received().len(), 2);
}

/// Issue 18.3: on a full disk a delivered outcome was lost, the next
/// event of the conversation went out anyway, and after a restart the
/// delivered one was unknown (and `r` sent it again). Now the outcome
/// is kept in memory and written before anything else of its
/// conversation moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outcome_the_disk_refused_is_written_before_the_conversation_moves() {
    for pipelined in [false, true] {
        owed_outcome_first(pipelined).await;
    }
}

async fn owed_outcome_first(pipelined: bool) {
    let (sim, client) = simulator_and_client().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal.refuse_outcomes(true);
    let (runner, mut rx) = journaled_runner(client, journal).await;
    let mut runner = runner.with_pipelined_journal(pipelined);
    let mia = AgentRef::new("a-1", "Mia");
    send(&mut runner, "c-o", "o-1", Event::na_entry(mia.clone()));
    assert_eq!(next_done(&mut rx).await, ("o-1".to_string(), Ok(())));
    send(&mut runner, "c-o", "o-2", Event::na_exit(mia.clone()));
    let (id, outcome) = next_done(&mut rx).await;
    assert_eq!(id, "o-2");
    let why = outcome.unwrap_err();
    assert!(why.starts_with(NOT_JOURNALED), "{why}");
    assert!(why.contains("owes the outcome of o-1"), "{why}");
    assert!(why.contains("never sent again"), "{why}");
    assert_eq!(sim.received().len(), 1, "o-2 waited for o-1's outcome");
    send(&mut runner, "c-p", "p-1", Event::na_entry(mia.clone()));
    assert_eq!(next_done(&mut rx).await, ("p-1".to_string(), Ok(())));
    let owed = runner.settle_outcomes().await;
    assert_eq!(owed, ["o-1", "p-1"], "still refused, still owed");

    // Room again: the resend writes o-1's outcome first; o-1 itself is
    // never sent again.
    let writer = runner.inner.journal.clone().unwrap();
    writer.with_journal(|j| j.refuse_outcomes(false)).await;
    runner.run(Effect::Resend {
        conversation: "c-o".into(),
    });
    assert_eq!(next_done(&mut rx).await, ("o-2".to_string(), Ok(())));
    assert!(runner.settle_outcomes().await.is_empty());
    runner.flush_journal().await;
    assert_eq!(sim.received().len(), 3, "o-1 went once");
    let st = journal::rebuild(&journal::read(&path).unwrap().records);
    for (conv, ids) in [("c-o", &["o-1", "o-2"][..]), ("c-p", &["p-1"][..])] {
        let fates: Vec<(&str, &RequestFate)> = st[conv]
            .requests
            .iter()
            .map(|r| (r.id.as_str(), &r.fate))
            .collect();
        let want: Vec<(&str, &RequestFate)> = ids
            .iter()
            .map(|id| (*id, &RequestFate::Delivered { status: Some(200) }))
            .collect();
        assert_eq!(fates, want, "pipelined {pipelined}");
    }
}

/// `switchboard assign` names a bot session, and maybe a queue: it goes
/// through a queue of its own (keyed by the session), its planning record
/// names the queue and no conversation, and its report carries the tries
/// and the answer as read. A runner without a listener sends no assign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_assign_by_session_goes_through_the_queue() {
    let (sim, client) = simulator_and_client().await;
    let session = sim
        .world()
        .conversations
        .iter()
        .find(|c| c.status.is_waiting())
        .map(|c| c.bot_session_id.clone())
        .unwrap();
    let queue = sim.world().queues[0].id.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let (journal, _) = Journal::open(&path).unwrap();
    let (mut runner, mut rx) = journaled_runner(client.clone(), journal).await;
    let job = |id: &str| Job {
        req_id: id.into(),
        conversation: session.clone(),
        work: Work::Assign {
            session: session.clone(),
            target: AssignTarget::Queue(queue.clone()),
            target_name: "queue Billing".into(),
            summary: "assign".into(),
            by_session: true,
        },
        journaled: false,
        bulk: false,
        slot_taken: false,
    };
    runner.submit(job("q-1"));
    let done = loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(Action::AssignDone {
                outcome, attempts, ..
            })) => break (outcome, attempts),
            Ok(Some(_)) => {}
            other => panic!("no AssignDone: {other:?}"),
        }
    };
    let (Ok(reply), 1) = done else {
        panic!("{done:?}")
    };
    assert_eq!(reply.response["queueId"], queue.as_str(), "{reply:?}");
    runner.flush_journal().await;
    let records = journal::read(&path).unwrap().records;
    assert!(
        records.iter().any(|r| matches!(r,
            Record::Assign { id, conversation: None, target, text, .. }
                if id == "q-1" && *target == format!("queue:{queue}")
                    && text.as_deref() == Some("assign → queue Billing"))),
        "{records:?}"
    );
    assert!(journal::rebuild(&records).is_empty(), "no conversation");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut bare = Runner::without_listener(client, tx, None);
    bare.submit(job("q-2"));
    let Some(Action::AssignDone {
        outcome: Err(e),
        attempts: 0,
        ..
    }) = rx.recv().await
    else {
        panic!("refused before sending")
    };
    assert!(e.to_string().contains("no callback listener"), "{e}");
    assert_eq!(sim.assigns_accepted(), 1, "only the first was sent");
}
