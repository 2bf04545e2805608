//! Starting from a journal an earlier run left: what is shown, what goes out
//! again and what waits for the supervisor. The real runner against the real
//! simulator on loopback.

use std::time::Duration;
use switchboard::app::state::{AssignState, Delivery, Settings};
use switchboard::app::{Action, State};
use switchboard::domain::{AgentRef, Event};
use switchboard::kore::hooks::EventContext;
use switchboard::runtime::console::restore;
use switchboard::runtime::journal::{self, Journal, Record, Replay};
use switchboard::sim::{self, SimHandle};
use switchboard::ui::keymap::Keymap;

mod common;
use common::journal::{outcome, request, sent};
use common::sim::{Run, client, runner, simulator};
use common::state::{deliveries, key, settings};

fn state(read_only: bool) -> State {
    let settings = Settings {
        read_only,
        ..settings(sim::DEMO_BOT_ID, "T", 10_000)
    };
    State::new(settings, Keymap::default(), "t".into())
}

/// Writes what an earlier run left, then opens it as this run's journal.
fn journal_with(dir: &std::path::Path, records: &[Record]) -> (Journal, Replay) {
    let path = dir.join("journal.jsonl");
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        for r in records {
            j.append(r).unwrap();
        }
    }
    let (j, replay) = Journal::open(&path).unwrap();
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    (j, replay)
}

fn accepted(sim: &SimHandle, conv: &str) -> usize {
    sim.received()
        .iter()
        .filter(|h| h.conversation_id == conv)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_shows_the_queue_held_and_sends_none_of_it() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mia = AgentRef::new("a-1", "Mia");
    let raj = AgentRef::new("a-2", "Raj");
    let (j, records) = journal_with(
        dir.path(),
        &[
            // Never sent: another console would send it.
            request("q-1", "c-ro", 1, Event::na_entry(mia.clone())),
            request("q-2", "c-ro", 2, Event::warm_entry(raj.clone())),
            // In flight when that console died.
            request("u-1", "c-un", 3, Event::na_entry(raj)),
            sent("u-1", 0),
        ],
    );
    drop(j);
    let mut run = runner(client(&sim, |_| {}), None, 2).await;
    let mut s = state(true);
    assert_eq!(restore(&mut s, &mut run.runner, &records, false), 2);
    assert_eq!(
        deliveries(&s, "c-ro"),
        [
            format!("q-1 {:?}", Delivery::Held),
            format!("q-2 {:?}", Delivery::Held)
        ]
    );
    assert_eq!(
        deliveries(&s, "c-un"),
        [format!("u-1 {:?}", Delivery::Unknown)]
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(accepted(&sim, "c-ro") + accepted(&sim, "c-un"), 0);
    assert!(
        run.rx.try_recv().is_err(),
        "nothing was reported: nothing ran"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_passed_by_a_later_send_holds_nothing_and_is_not_resent() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mia = AgentRef::new("a-1", "Mia");
    let raj = AgentRef::new("a-2", "Raj");
    let (j, records) = journal_with(
        dir.path(),
        &[
            request("f-1", "c-p", 1, Event::warm_entry(raj)),
            sent("f-1", 0),
            outcome("f-1", 0, false, "bad order"),
            // `switchboard send` went on after the 400.
            request("f-2", "c-p", 2, Event::na_entry(mia)),
            sent("f-2", 0),
            outcome("f-2", 0, true, "OK"),
        ],
    );
    let mut run = runner(client(&sim, |_| {}), Some(j), 2).await;
    let mut s = state(false);
    restore(&mut s, &mut run.runner, &records, true);
    let d = deliveries(&s, "c-p");
    assert!(d[0].starts_with("f-1 Superseded"), "{d:?}");
    assert!(d[1].starts_with("f-2 Delivered"), "{d:?}");
    assert_eq!(s.failed_count(), 0, "nothing holds the conversation");
    assert_eq!(s.open_requests(), 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(accepted(&sim, "c-p"), 0, "the failed one is not resent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assign_never_sent_goes_out_with_this_runs_callback_url() {
    let sim = simulator().await;
    let world = sim.world();
    let waiting = world
        .conversations
        .iter()
        .find(|c| c.status.is_waiting())
        .expect("the demo world has a waiting conversation");
    let agent = world
        .agents
        .iter()
        .find(|a| a.capacity_left(waiting.channel) > 0 && a.name() == "Mia Chen")
        .expect("Mia has room");
    let dir = tempfile::tempdir().unwrap();
    let assign = |id: &str| Record::Assign {
        id: id.into(),
        at_ms: 1,
        session: waiting.bot_session_id.clone(),
        target: format!("agent:{}", agent.id),
        conversation: Some(waiting.id.clone()),
        text: Some("assign → Mia Chen".into()),
    };
    let (j, records) = journal_with(
        dir.path(),
        &[
            // Sent before a crash: unknown, left to the supervisor.
            assign("a-old"),
            sent("a-old", 0),
            // Journaled, never sent: it goes out now.
            assign("a-new"),
            // Planned after it: it waits for the assign.
            request(
                "h-after",
                &waiting.id,
                2,
                Event::na_entry(AgentRef::new(agent.id.clone(), "Mia Chen")),
            ),
        ],
    );
    let mut run = runner(client(&sim, |_| {}), Some(j), 2).await;
    let mut s = state(false);
    restore(&mut s, &mut run.runner, &records, true);
    assert_eq!(
        s.model.conversations[&waiting.id].bot_session_id.as_deref(),
        Some(waiting.bot_session_id.as_str()),
        "the session comes back with it"
    );
    let d = deliveries(&s, &waiting.id);
    assert_eq!(
        d,
        [
            format!("a-old {:?}", AssignState::Unknown),
            format!("a-new {:?}", AssignState::Queued),
            format!("h-after {:?}", Delivery::Queued)
        ]
    );
    assert!(s.requests.awaiting_callback.contains_key("a-new"));
    // The queue sends in the order the requests were planned.
    let mut sent = Vec::new();
    while sent.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), run.rx.recv()).await {
            Ok(Some(Action::RequestSent { req_id, .. })) => sent.push(req_id),
            Ok(Some(_)) => {}
            other => panic!("the runner stopped reporting: {other:?}"),
        }
    }
    assert_eq!(sent, ["a-new", "h-after"]);
    // The request goes out once, and its callback comes to this run's listener.
    let cb = tokio::time::timeout(Duration::from_secs(10), run.callbacks.recv())
        .await
        .expect("a callback within 10 s")
        .unwrap();
    assert_eq!(cb.request_id.as_deref(), Some("a-new"));
    assert!(cb.body.succeeded(), "{:?}", cb.body);
    // The simulator notes a callback once its POST is answered.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while sim.callbacks_sent().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.callbacks_sent().len(), 1, "a-old was not resent");
    // The journal records it as sent and answered, and its callback: the
    // listener journals a callback before it answers it (issue 18.6), so
    // the record is on disk by the time the callback is handed on.
    let replay = journal::read(&dir.path().join("journal.jsonl")).unwrap();
    let st = &journal::rebuild(&replay.records)[&waiting.id];
    assert_eq!(
        st.assigns[1].fate,
        journal::AssignFate::Transferred,
        "{:?}",
        st.assigns
    );
}

// ---------------------------------------------------------------------------
// Issue 9.2: replaying a journal whose lines were duplicated, reordered or
// damaged never sends anything twice, out of order, or without asking.
// ---------------------------------------------------------------------------

fn assign(id: &str, conv: &str, at_ms: i64) -> Record {
    Record::Assign {
        id: id.into(),
        at_ms,
        session: "sess-1".into(),
        target: "agent:a-2".into(),
        conversation: Some(conv.into()),
        text: Some("assign → Raj".into()),
    }
}

/// c-1's history: an assign and an NA entry delivered, a WARM entry in
/// flight at the crash (unknown), then a WARM exit, an NA exit and the end
/// planned and never sent.
fn history() -> Vec<Record> {
    let mia = AgentRef::new("a-1", "Mia");
    let raj = AgentRef::new("a-2", "Raj");
    vec![
        assign("a1", "c-1", 1),
        sent("a1", 0),
        outcome("a1", 0, true, "OK"),
        request("r1", "c-1", 2, Event::na_entry(mia.clone())),
        sent("r1", 0),
        outcome("r1", 0, true, "OK"),
        request("r2", "c-1", 3, Event::warm_entry(raj.clone())),
        sent("r2", 0),
        request("r3", "c-1", 4, Event::warm_exit(raj)),
        request("r4", "c-1", 5, Event::na_exit(mia)),
        request("r5", "c-1", 6, Event::EndOfConversation { agent: None }),
    ]
}

/// The journal's own lines for `history()`.
fn written_lines(dir: &std::path::Path) -> (std::path::PathBuf, Vec<String>) {
    let path = dir.join("journal.jsonl");
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        for r in history() {
            j.append(&r).unwrap();
        }
    }
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text.lines().map(str::to_string).collect())
}

fn rewrite(path: &std::path::Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn fates(replay: &Replay) -> Vec<String> {
    let st = &journal::rebuild(&replay.records)["c-1"];
    st.requests
        .iter()
        .map(|r| format!("{} {:?}", r.id, r.fate))
        .chain(st.assigns.iter().map(|a| format!("{} {:?}", a.id, a.fate)))
        .collect()
}

#[test]
fn duplicated_and_reordered_lines_replay_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (path, lines) = written_lines(dir.path());
    let (_, clean) = Journal::open(&path).unwrap();
    let want = fates(&clean);
    assert!(clean.holds.is_empty() && clean.hold_all.is_none());

    let mut doubled = Vec::new();
    for l in &lines {
        doubled.push(l.clone());
        doubled.push(l.clone());
    }
    let mut reversed = lines.clone();
    reversed.reverse();
    // A fixed shuffle: the END first, the NA exit before the WARM exit.
    let mut shuffled = lines.clone();
    shuffled.swap(0, 10);
    shuffled.swap(8, 9);
    shuffled.swap(2, 6);
    for (what, variant, warning) in [
        ("every line twice", doubled, "duplicated"),
        ("reversed", reversed, "out of order"),
        ("shuffled", shuffled, "out of order"),
    ] {
        rewrite(&path, &variant);
        let (j, replay) = Journal::open(&path).unwrap();
        drop(j);
        assert_eq!(replay.records, clean.records, "{what}: read as written");
        assert_eq!(fates(&replay), want, "{what}");
        assert!(replay.holds.is_empty(), "{what}: {:?}", replay.holds);
        assert!(
            replay.warnings.iter().any(|w| w.contains(warning)),
            "{what}: {:?}",
            replay.warnings
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_sent_line_holds_its_conversation_and_sends_nothing() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (path, mut lines) = written_lines(dir.path());
    // r2's `sent` line (the 8th) is damaged on disk: without it, r2 would
    // look never sent and go out again without asking.
    lines[7] = lines[7].replace("\"kind\":\"sent\"", "\"kind\":\"se\u{0}nt\"");
    rewrite(&path, &lines);
    let (j, replay) = Journal::open(&path).unwrap();
    let why = replay.holds.get("c-1").expect("c-1 is held");
    assert!(why.contains("line 8"), "{why}");
    assert!(
        replay.warnings.iter().any(|w| w.contains("c-1 is held")),
        "{:?}",
        replay.warnings
    );
    let mut run = runner(client(&sim, |_| {}), Some(j), 2).await;
    let mut s = state(false);
    restore(&mut s, &mut run.runner, &replay, true);
    let c = &s.model.conversations["c-1"];
    assert!(c.journal_hold.as_deref().unwrap().contains("line 8"));
    let d = deliveries(&s, "c-1");
    assert!(
        d.iter()
            .any(|l| l == &format!("r2 {:?}", Delivery::Unknown)),
        "{d:?}"
    );
    assert!(
        d.iter().any(|l| l == &format!("r3 {:?}", Delivery::Held)),
        "{d:?}"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        accepted(&sim, "c-1"),
        0,
        "nothing of it went out on its own"
    );
}

#[test]
fn a_damaged_or_altered_entry_line_holds_the_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut lines) = written_lines(dir.path());
    // r1's request (NA entry Mia, the 4th line) is cut in the middle.
    let original = lines[3].clone();
    lines[3] = original[..original.len() / 2].to_string();
    rewrite(&path, &lines);
    let (j, replay) = Journal::open(&path).unwrap();
    drop(j);
    assert!(replay.holds.contains_key("c-1"), "{:?}", replay.warnings);
    // Altered but still JSON: the agent's name changed. The checksum
    // catches it.
    lines[3] = original.replace("\"Mia\"", "\"Eve\"");
    assert_ne!(lines[3], original);
    rewrite(&path, &lines);
    let (j, replay) = Journal::open(&path).unwrap();
    drop(j);
    assert!(
        replay.warnings.iter().any(|w| w.contains("checksum")),
        "{:?}",
        replay.warnings
    );
    assert!(replay.holds.contains_key("c-1"));
    // A line taken out of the middle: a gap in c-1's count.
    lines[3] = original;
    lines.remove(5);
    rewrite(&path, &lines);
    let (j, replay) = Journal::open(&path).unwrap();
    drop(j);
    let why = replay.holds.get("c-1").expect("a gap holds c-1");
    assert!(why.contains("missing or damaged"), "{why}");
}

/// Journals of the previous version have no line numbers: a duplicated
/// line must still not make a delivered request look unsent.
#[test]
fn old_journals_with_duplicated_lines_do_not_resend() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut text = String::new();
    for r in history() {
        let line = serde_json::to_string(&r).unwrap();
        text += &format!("{line}\n{line}\n");
    }
    std::fs::write(&path, text).unwrap();
    let (j, replay) = Journal::open(&path).unwrap();
    drop(j);
    let f = fates(&replay);
    assert_eq!(
        f,
        [
            "r1 Delivered { status: Some(200) }",
            "r2 Unknown",
            "r3 Queued",
            "r4 Queued",
            "r5 Queued",
            "a1 Accepted"
        ]
    );
}

/// Issue 10: a second failed (or unknown) request of a conversation was,
/// after a restart, either never resent (`r` marked it queued but no worker
/// held it) or sent on its own once the first was resent. Each now waits
/// for its own `r`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failed_or_unknown_request_waits_for_its_own_resend() {
    use switchboard::app::{Effect, update};
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mia = AgentRef::new("a-1", "Mia");
    let raj = AgentRef::new("a-2", "Raj");
    let (j, replay) = journal_with(
        dir.path(),
        &[
            // Failed in the console...
            request("r1", "c-2f", 1, Event::na_entry(mia.clone())),
            sent("r1", 0),
            outcome("r1", 0, false, "bad order"),
            // ...then `switchboard send` went past it and failed too.
            request("r2", "c-2f", 2, Event::warm_entry(raj.clone())),
            sent("r2", 0),
            outcome("r2", 0, false, "bad order"),
            // Two in flight at a crash.
            request("u1", "c-2u", 3, Event::na_entry(mia.clone())),
            sent("u1", 0),
            request("u2", "c-2u", 4, Event::warm_entry(raj)),
            sent("u2", 0),
        ],
    );
    let mut run = runner(client(&sim, |_| {}), Some(j), 2).await;
    let mut s = state(false);
    restore(&mut s, &mut run.runner, &replay, true);
    for conv in ["c-2f", "c-2u"] {
        s.views.list.selected = Some(conv.to_string());
        // First `r`: the first request goes, the second stays.
        update(&mut s, key('r'));
        let fx = update(&mut s, key('y'));
        assert_eq!(
            fx,
            [Effect::Resend {
                conversation: conv.into()
            }]
        );
        for e in fx {
            run.runner.run(e);
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(accepted(&sim, conv), 1, "{conv}: only the first went");
        // Second `r`: the second goes.
        update(&mut s, key('r'));
        let fx = update(&mut s, key('y'));
        assert_eq!(
            fx,
            [Effect::Resend {
                conversation: conv.into()
            }]
        );
        for e in fx {
            run.runner.run(e);
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(
            accepted(&sim, conv),
            2,
            "{conv}: the second went on its own r"
        );
    }
    let _ = run.rx.try_recv();
}

/// Issue 10: `with_max_attempts` silently did nothing once the runner had
/// started a task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_attempts_can_be_set_after_the_runner_started() {
    use switchboard::app::Effect;
    let sim = simulator().await;
    let run = runner(client(&sim, |_| {}), None, 2).await;
    let Run { runner, mut rx, .. } = run;
    let mut runner = runner.with_max_attempts(6);
    // A task holds the runner's shared part now.
    runner.run(Effect::PollAgents);
    let mut runner = runner.with_max_attempts(1);
    sim.set_outage(Some(503), None);
    runner.run(Effect::SendEvent {
        req_id: "m-1".into(),
        conversation: "c-max".into(),
        event: Event::na_entry(AgentRef::new("a-1", "Mia")),
        ctx: EventContext::default(),
        action: "test".into(),
    });
    let attempts = loop {
        let a = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if let Action::HookDone { attempts, .. } = a {
            break attempts;
        }
    };
    assert_eq!(attempts, 1);
}

/// Issue 18.15: a batch killed while its requests waited for the rate
/// limiter left them queued. The re-run's refusal said "open the console to
/// resend or drop them", and the console then sent them with no key
/// pressed. One rule now: requests that never left go out when the console
/// starts; `send` says exactly that, and the console says it as it does it.
#[test]
fn queued_requests_of_a_killed_run_are_refused_by_send_and_sent_by_the_console() {
    use common::process::{BIN, SECRET_VAR, write_config};
    use switchboard::app::Effect;
    use switchboard::app::restore::{Holds, QUEUED_GO_ON_START};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(simulator());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url(), 10, "");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let path = data.join(journal::file_name_for(sim::DEMO_BOT_ID));
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        let mia = AgentRef::new("a-1", "Mia");
        j.append(&request("q-1", "c-killed", 1, Event::na_entry(mia)))
            .unwrap();
    }
    let out = std::process::Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["send", "end", "--conversation", "c-killed"])
        .env(SECRET_VAR, sim::DEMO_CLIENT_SECRET)
        .env("SWITCHBOARD_DATA_DIR", &data)
        .env("SWITCHBOARD_STATE_DIR", dir.path().join("state"))
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(QUEUED_GO_ON_START), "{err}");
    assert!(!err.contains("Open the console to resend"), "{err}");
    // The console does what the refusal said, and says so.
    let replay = journal::read(&path).unwrap();
    let mut s = state(false);
    let holds = Holds {
        each: &replay.holds,
        all: None,
    };
    let (_, effects) =
        switchboard::app::restore::restore(&mut s, journal::rebuild(&replay.records), &holds, true);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Requeue { blocked: false, .. })),
        "{effects:?}"
    );
    assert!(
        s.log
            .lines
            .iter()
            .any(|l| l.text.contains("never sent go out now")),
        "the console says it sends them"
    );
    rt.block_on(sim.shutdown());
}
