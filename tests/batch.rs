//! `send --batch` and `assign --batch`: the built binary against the
//! in-process simulator on loopback.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use switchboard::sim::{self, Chaos, SimHandle};

mod common;
use common::process::{BIN, SECRET_VAR, event_text, write_config};
use common::sim::simulator;

/// A simulator on its own runtime, and a config and data dir for the binary.
struct Env {
    rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

impl Env {
    fn new() -> Env {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sim = rt.block_on(simulator());
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &sim.base_url(), 10, "");
        // The hooks API without a limit of its own (the simulator has none).
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "jwt_ttl_secs = 120",
            "jwt_ttl_secs = 120\nhooks_rate_limit_per_minute = 0",
        );
        std::fs::write(&config, text).unwrap();
        Env {
            rt,
            sim: Some(sim),
            dir,
            config,
        }
    }

    /// Adds lines to the config's `[kore]` table.
    fn kore(&self, lines: &str) {
        let text = std::fs::read_to_string(&self.config).unwrap().replace(
            "jwt_ttl_secs = 120",
            &format!("jwt_ttl_secs = 120\n{lines}"),
        );
        std::fs::write(&self.config, text).unwrap();
    }

    fn sim(&self) -> &SimHandle {
        self.sim.as_ref().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--config")
            .arg(&self.config)
            .args(args)
            .env(SECRET_VAR, sim::DEMO_CLIENT_SECRET)
            .env("SWITCHBOARD_DATA_DIR", self.dir.path().join("data"))
            .env("SWITCHBOARD_STATE_DIR", self.dir.path().join("state"))
            .env_remove("SWITCHBOARD_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs the binary with `input` on its standard input.
    fn run(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("run switchboard");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// Writes `lines` to a file in the temp dir.
    fn file(&self, name: &str, lines: &[Value]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, jsonl(lines)).unwrap();
        path
    }

    /// What the simulator took (200) for each conversation, in order, as
    /// "TYPE transition aId" strings.
    fn received(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for hook in self.sim().received() {
            assert!(hook.token_valid);
            if hook.status != 200 {
                continue;
            }
            for ev in &hook.events {
                let ev = serde_json::to_value(ev).unwrap();
                out.entry(hook.conversation_id.clone())
                    .or_default()
                    .push(event_text(&ev, "identity"));
            }
        }
        out
    }
}

fn jsonl(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn agents(env: &Env) -> Vec<String> {
    env.sim()
        .world()
        .agents
        .iter()
        .map(|a| a.id.clone())
        .collect()
}

/// Ten actions for conversation `conv`, one event each but the cold
/// transfer (two): Mia enters, Raj joins and leaves four times, then a cold
/// transfer to Sofia. And the events the simulator must see, in order.
fn ten_actions(conv: &str, a: &[String]) -> (Vec<Value>, Vec<String>) {
    let (mia, raj, sofia) = (&a[0], &a[1], &a[2]);
    let mut lines = vec![json!({"what": "enter", "conversation": conv, "agent": mia})];
    let mut expect = vec![format!("NA entry {mia}")];
    for _ in 0..4 {
        lines.push(json!({"what": "warm", "conversation": conv, "agent": raj}));
        lines.push(json!({"what": "remove", "conversation": conv, "agent": raj}));
        expect.push(format!("WARM entry {raj}"));
        expect.push(format!("WARM exit {raj}"));
    }
    lines.push(json!({"what": "cold", "conversation": conv, "agent": sofia}));
    expect.push(format!("COLD exit {mia}"));
    expect.push(format!("COLD entry {sofia}"));
    (lines, expect)
}

/// 1,000 actions over 100 conversations, interleaved: every conversation's
/// first action, then every second one, and so on.
fn thousand(env: &Env) -> (Vec<Value>, BTreeMap<String, Vec<String>>) {
    let a = agents(env);
    let per: Vec<(String, Vec<Value>, Vec<String>)> = (0..100)
        .map(|i| {
            let conv = format!("c-batch-{i:03}");
            let (lines, expect) = ten_actions(&conv, &a);
            (conv, lines, expect)
        })
        .collect();
    let mut lines = Vec::new();
    for k in 0..10 {
        for (_, l, _) in &per {
            lines.push(l[k].clone());
        }
    }
    let expect = per.into_iter().map(|(c, _, e)| (c, e)).collect();
    (lines, expect)
}

#[test]
fn a_thousand_actions_over_a_hundred_conversations_arrive_in_order() {
    let env = Env::new();
    let (lines, expect) = thousand(&env);
    assert_eq!(lines.len(), 1000);
    let path = env.file("thousand.jsonl", &lines);
    let out = env.run(
        &[
            "send",
            "--batch",
            path.to_str().unwrap(),
            "--concurrency",
            "16",
        ],
        "",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let results = json_lines(&out);
    assert_eq!(results.len(), 1100, "one line per event");
    assert!(results.iter().all(|r| r["outcome"] == "delivered"));
    // Every input line is answered, each event with its line's number.
    let numbers: BTreeSet<u64> = results
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=1000).collect());
    assert_eq!(
        env.received(),
        expect,
        "every event, in order per conversation"
    );
    // Conversations went at once, not one after another.
    let first: BTreeSet<String> = env
        .sim()
        .received()
        .iter()
        .take(20)
        .map(|h| h.conversation_id.clone())
        .collect();
    assert!(first.len() > 1, "{first:?}");
    assert!(
        stderr(&out).contains("1100 event(s) delivered"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refusal_or_a_failure_holds_only_its_own_conversation() {
    let env = Env::new();
    let a = agents(&env);
    let (mia, raj) = (&a[0], &a[1]);
    env.sim().set_outage(Some(400), Some("c-fails"));
    let lines = vec![
        json!({"what": "enter", "conversation": "c-ok", "agent": mia}),
        // Nobody has entered c-refused: a warm transfer is refused by the rules.
        json!({"what": "warm", "conversation": "c-refused", "agent": raj}),
        json!({"what": "enter", "conversation": "c-fails", "agent": mia}),
        json!({"what": "enter", "conversation": "c-refused", "agent": mia}),
        json!({"what": "warm", "conversation": "c-ok", "agent": raj}),
        json!({"what": "warm", "conversation": "c-fails", "agent": raj}),
        json!({"what": "remove", "conversation": "c-ok", "agent": raj}),
    ];
    let out = env.run(&["send", "--batch", "-"], &jsonl(&lines));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let results = json_lines(&out);
    let by_line = |n: u64| -> &Value {
        results
            .iter()
            .find(|r| r["line"] == n)
            .unwrap_or_else(|| panic!("no result for line {n}: {results:#?}"))
    };
    assert_eq!(by_line(2)["outcome"], "refused");
    assert_eq!(by_line(2)["code"], "no_agent_yet");
    assert_eq!(by_line(4)["outcome"], "held");
    assert!(by_line(4)["reason"].as_str().unwrap().contains("line 2"));
    assert_eq!(by_line(3)["outcome"], "failed");
    assert_eq!(by_line(3)["status"], 400);
    assert_eq!(by_line(6)["outcome"], "held");
    for n in [1, 5, 7] {
        assert_eq!(by_line(n)["outcome"], "delivered", "{}", by_line(n));
    }
    let got = env.received();
    assert_eq!(
        got["c-ok"],
        [
            format!("NA entry {mia}"),
            format!("WARM entry {raj}"),
            format!("WARM exit {raj}")
        ]
    );
    assert!(!got.contains_key("c-refused"), "{got:?}");
    assert!(!got.contains_key("c-fails"), "a 400 is not taken: {got:?}");
    let fails = env
        .sim()
        .received()
        .iter()
        .filter(|h| h.conversation_id == "c-fails")
        .count();
    assert_eq!(fails, 1, "nothing after the failed request was sent");
}

#[test]
fn a_bad_line_is_skipped_or_stops_the_batch() {
    let env = Env::new();
    let a = agents(&env);
    let text = |tag: &str| {
        format!(
            "{}\n{{\"what\":\"enter\",\"conversation\":\n{}\n{}\n{}\n",
            json!({"what": "enter", "conversation": format!("c-{tag}-1"), "agent": a[0]}),
            json!({"what": "enter", "conversation": format!("c-{tag}-2"), "agent": a[0]}),
            json!({"what": "teleport", "conversation": format!("c-{tag}-2"), "agent": a[0]}),
            json!({"what": "warm", "conversation": format!("c-{tag}-1"), "agent": a[1]}),
        )
    };
    // skip: lines 2 and 4 are reported with their numbers, the rest goes.
    let out = env.run(
        &["send", "--batch", "-", "--on-error", "skip"],
        &text("skip"),
    );
    assert_eq!(
        code(&out),
        2,
        "a bad line is a usage error: {}",
        stderr(&out)
    );
    let results = json_lines(&out);
    let bad: Vec<&Value> = results
        .iter()
        .filter(|r| r["outcome"] == "bad_line")
        .collect();
    assert_eq!(bad.len(), 2, "{results:#?}");
    assert_eq!(bad[0]["line"], 2);
    assert!(
        bad[0]["error"].as_str().unwrap().contains("EOF"),
        "{}",
        bad[0]
    );
    assert_eq!(bad[1]["line"], 4);
    assert!(
        bad[1]["error"].as_str().unwrap().contains("unknown verb"),
        "{}",
        bad[1]
    );
    assert!(stderr(&out).contains("line 2:"), "{}", stderr(&out));
    let got = env.received();
    assert_eq!(got["c-skip-1"].len(), 2);
    assert_eq!(got["c-skip-2"].len(), 1);

    // stop (the default): line 1 goes, nothing after line 2.
    let out = env.run(&["send", "--batch", "-"], &text("stop"));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let results = json_lines(&out);
    assert_eq!(results.len(), 2, "{results:#?}");
    assert_eq!(
        results
            .iter()
            .filter(|r| r["outcome"] == "bad_line")
            .count(),
        1
    );
    assert!(
        stderr(&out).contains("stopped at the bad line 2"),
        "{}",
        stderr(&out)
    );
    let got = env.received();
    assert_eq!(got["c-stop-1"].len(), 1, "only line 1");
    assert!(!got.contains_key("c-stop-2"), "{got:?}");
}

#[test]
fn killed_half_way_a_rerun_sends_nothing_twice_and_flags_unknown_fates() {
    let env = Env::new();
    let (lines, expect) = thousand(&env);
    let path = env.file("thousand.jsonl", &lines);
    let args = [
        "send",
        "--batch",
        path.to_str().unwrap(),
        "--concurrency",
        "8",
    ];
    // Slow answers: many requests are on the wire when the kill comes.
    env.sim().set_chaos(Chaos {
        slow_ms: Some(30),
        ..Default::default()
    });
    let mut child: Child = env
        .command(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.sim().received().len() < 300 {
        assert!(Instant::now() < deadline, "the batch did not get going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "it ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    env.sim().set_chaos(Chaos::default());
    let before = env.sim().received().len();
    assert!(before < 1100, "killed half-way, not at the end");

    let out = env.run(&args, "");
    assert_eq!(code(&out), 1, "unknown fates are refused: {}", stderr(&out));
    let results = json_lines(&out);
    let refused: BTreeMap<String, &Value> = results
        .iter()
        .filter(|r| r["outcome"] == "refused")
        .map(|r| (r["conversation"].as_str().unwrap().to_string(), r))
        .collect();
    assert!(
        refused
            .values()
            .any(|r| r["code"] == "open_requests" && !r["unknown"].as_array().unwrap().is_empty()),
        "requests on the wire at the kill are unknown: {refused:#?}"
    );
    assert!(results.iter().any(|r| r["outcome"] == "done_before"));
    let got = env.received();
    for (conv, want) in &expect {
        let have = got.get(conv).cloned().unwrap_or_default();
        // Never twice, never out of order: what arrived is a start of the plan.
        assert!(
            have.len() <= want.len() && have[..] == want[..have.len()],
            "{conv}: {have:#?}"
        );
        if !refused.contains_key(conv) {
            assert_eq!(&have, want, "{conv} was finished by the re-run");
        }
    }
    // A third run sends nothing at all.
    let sent = env.sim().received().len();
    let out = env.run(&args, "");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(env.sim().received().len(), sent);
}

#[test]
fn assign_batch_matches_each_callback_by_its_path() {
    let env = Env::new();
    let a = agents(&env);
    let world = env.sim().world();
    let waiting: Vec<String> = world
        .conversations
        .iter()
        .filter(|c| c.status == switchboard::sim::world::ConvStatus::Open)
        .filter(|c| c.channel == switchboard::domain::Channel::Chat)
        .map(|c| c.bot_session_id.clone())
        .take(2)
        .collect();
    assert_eq!(waiting.len(), 2, "the demo world has waiting chats");
    let queue = world.queues[1].id.clone();
    let offline = world
        .agents
        .iter()
        .find(|g| g.presence == switchboard::sim::world::Presence::Offline)
        .unwrap()
        .id
        .clone();
    let lines = vec![
        json!({"session": waiting[0], "queue": queue}),
        json!({"session": waiting[1], "agent": a[0]}),
        json!({"session": waiting[0], "agent": offline}),
        json!({"session": waiting[0], "queue": queue}),
    ];
    let path = env.file("assigns.jsonl", &lines);
    let out = env.run(
        &["assign", "--batch", path.to_str().unwrap(), "--force"],
        "",
    );
    assert_eq!(code(&out), 1, "one transfer failed: {}", stderr(&out));
    let results = json_lines(&out);
    assert_eq!(results.len(), 4, "{results:#?}");
    let by_line = |n: u64| results.iter().find(|r| r["line"] == n).unwrap();
    let sent = env.sim().callbacks_sent();
    for (n, ok) in [(1, true), (2, true), (3, false)] {
        let r = by_line(n);
        assert_eq!(r["callback_ok"], ok, "{r}");
        let id = r["id"].as_str().unwrap();
        // The simulator posted this callback to this request's own path.
        let cb = sent
            .iter()
            .find(|c| c.url.ends_with(&format!("/{id}")))
            .unwrap_or_else(|| panic!("no callback to {id}"));
        assert_eq!(
            serde_json::to_value(&cb.body).unwrap(),
            r["callback"],
            "line {n}"
        );
    }
    assert_eq!(by_line(1)["outcome"], "transferred");
    assert_eq!(by_line(3)["outcome"], "callback_failed");
    assert_eq!(by_line(4)["outcome"], "held", "after a failed transfer");
    assert_eq!(sent.len(), 3, "the held assign was not sent");
}

#[test]
fn a_closed_stdout_loses_no_journal_record() {
    use std::io::BufRead;
    let env = Env::new();
    let a = agents(&env);
    let mut lines = Vec::new();
    let mut expect = BTreeMap::new();
    for i in 0..20 {
        let conv = format!("c-pipe-{i:02}");
        let (l, e) = ten_actions(&conv, &a);
        lines.extend(l);
        expect.insert(conv, e);
    }
    let path = env.file("pipe.jsonl", &lines);
    let mut child = env
        .command(&["send", "--batch", path.to_str().unwrap()])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Read one result, then close the pipe (`| head -1`).
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"line\""), "{first}");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        code(&out),
        1,
        "a result that could not be printed: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("standard output is closed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.received(), expect, "everything was still sent");
    let journal = env
        .dir
        .path()
        .join("data")
        .join(switchboard::runtime::journal::file_name_for(
            sim::DEMO_BOT_ID,
        ));
    let replay = switchboard::runtime::journal::read(&journal).unwrap();
    let states = switchboard::runtime::journal::rebuild(&replay.records);
    for conv in expect.keys() {
        let st = &states[conv];
        assert_eq!(st.requests.len(), 11, "{conv}");
        assert!(
            st.requests.iter().all(|r| matches!(
                r.fate,
                switchboard::runtime::journal::RequestFate::Delivered { .. }
            )),
            "{conv}: every outcome is in the journal"
        );
    }
}

/// Issue 18.13: with slow answers, retried uncertain requests reached Kore
/// twice while every line said "delivered", the summary counted them clean
/// and the exit was 0. Each is now `delivered_maybe_twice`, counted apart,
/// and exit 3 says so.
#[test]
fn a_delivery_after_an_uncertain_try_is_delivered_maybe_twice() {
    let env = Env::new();
    env.kore("request_timeout_secs = 1\nretry_max_attempts = 2");
    env.sim().set_chaos(Chaos {
        slow_ms: Some(1_500),
        ..Default::default()
    });
    let a = agents(&env);
    let lines: Vec<Value> = (0..3)
        .map(|i| json!({"what": "enter", "conversation": format!("c-twice-{i}"), "agent": a[0]}))
        .collect();
    let out = env.run(&["send", "--batch", "-"], &jsonl(&lines));
    env.sim().set_chaos(Chaos::default());
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let got = json_lines(&out);
    assert_eq!(got.len(), 3, "{got:?}");
    for l in &got {
        assert_eq!(l["outcome"], "delivered_maybe_twice", "{l}");
        assert_eq!(l["ok"], true, "{l}");
        assert_eq!(l["attempts"], 2, "{l}");
    }
    assert!(
        stderr(&out).contains("0 event(s) delivered, 3 delivered maybe twice"),
        "{}",
        stderr(&out)
    );
}

/// The bot sessions of the demo world's waiting chats.
fn waiting_sessions(env: &Env, n: usize) -> Vec<String> {
    let world = env.sim().world();
    let waiting: Vec<String> = world
        .conversations
        .iter()
        .filter(|c| c.status == switchboard::sim::world::ConvStatus::Open)
        .filter(|c| c.channel == switchboard::domain::Channel::Chat)
        .map(|c| c.bot_session_id.clone())
        .take(n)
        .collect();
    assert_eq!(waiting.len(), n, "the demo world has waiting chats");
    waiting
}

/// Issue 18.16: every assign line of one session was sent, and the summary
/// said "0 event(s) delivered" after the transfers. A session's later
/// assigns are refused without --force, and the summary counts transfers.
#[test]
fn a_second_assign_of_a_session_is_refused_and_transfers_are_counted() {
    let env = Env::new();
    let a = agents(&env);
    let s = waiting_sessions(&env, 2);
    let lines = vec![
        json!({"session": s[0], "agent": a[0]}),
        json!({"session": s[0], "agent": a[1]}),
        json!({"session": s[1], "agent": a[0]}),
    ];
    let out = env.run(&["assign", "--batch", "-"], &jsonl(&lines));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let results = json_lines(&out);
    let by_line = |n: u64| results.iter().find(|r| r["line"] == n).unwrap();
    assert_eq!(by_line(1)["outcome"], "transferred");
    assert_eq!(by_line(2)["outcome"], "refused");
    assert_eq!(by_line(2)["code"], "repeated_assign");
    assert_eq!(by_line(3)["outcome"], "transferred");
    assert_eq!(
        env.sim().callbacks_sent().len(),
        2,
        "the repeat was not sent"
    );
    assert!(
        stderr(&out).contains("2 assign(s) transferred"),
        "{}",
        stderr(&out)
    );
}

/// Issue 18.16: an assign whose answer was lost (Kore answered late) stayed
/// "unknown" although its callback said transferred. Its line now waits
/// for the callback and says what it said.
#[test]
fn an_assign_of_unknown_fate_takes_its_callback() {
    let env = Env::new();
    env.kore("request_timeout_secs = 1");
    let a = agents(&env);
    let s = waiting_sessions(&env, 1);
    env.sim().set_chaos(Chaos {
        slow_ms: Some(2_500),
        ..Default::default()
    });
    let lines = vec![json!({"session": s[0], "agent": a[0]})];
    let out = env.run(&["assign", "--batch", "-"], &jsonl(&lines));
    env.sim().set_chaos(Chaos::default());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let results = json_lines(&out);
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["outcome"], "transferred", "{}", results[0]);
    assert_eq!(results[0]["callback_ok"], true);
    assert_eq!(results[0]["error"]["kind"], "timeout", "{}", results[0]);
    assert_eq!(env.sim().callbacks_sent().len(), 1);
}

/// Issue 18.10: `send --batch /dev/zero` read gigabytes and printed
/// nothing, for ever. The line over the cap is a bad line at once, and
/// `--on-error stop` (the default) ends the batch there.
#[cfg(unix)]
#[test]
fn an_endless_line_is_a_bad_line_at_once_and_stop_stops() {
    let env = Env::new();
    for verb in ["send", "assign"] {
        let out = env
            .command(&[verb, "--batch", "/dev/zero"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{verb}: {}", stderr(&out));
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["line"], 1);
        assert_eq!(lines[0]["outcome"], "bad_line");
        assert!(
            lines[0]["error"].as_str().unwrap().contains("longer than"),
            "{}",
            lines[0]
        );
    }
}

/// A 64 KiB tmpfs mounted on `at`, unmounted on drop; None (with a printed
/// message) where it cannot be mounted.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: PathBuf) -> Option<SmallDisk> {
        std::fs::create_dir_all(&at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k,mode=700", "tmpfs"])
            .arg(&at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("skipped: cannot mount a 64 KiB tmpfs here (needs root)");
            return None;
        }
        Some(SmallDisk(at))
    }

    /// Fills the disk, then frees `room` bytes of it; the filler's path.
    fn fill_leaving(&self, room: u64) -> PathBuf {
        let filler = self.0.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![b'x'; 4096];
        while f.write(&block).is_ok_and(|n| n > 0) {}
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(room)).unwrap();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Issue 18.3: a batch on a full disk printed `delivered` for events whose
/// outcome the journal refused, went on taking lines, and its advice led to
/// a delivered event being sent again. Now it stops taking lines, says
/// which delivered requests the journal could not record (not to be sent
/// again), and a run after the disk has room sends nothing twice.
#[test]
fn a_full_disk_stops_the_batch_and_nothing_is_sent_twice() {
    let env = Env::new();
    let Some(disk) = SmallDisk::mount(env.dir.path().join("data")) else {
        return;
    };
    let a = agents(&env);
    let mut lines = Vec::new();
    let mut expect = BTreeMap::new();
    for i in 0..20 {
        let conv = format!("c-full-{i:02}");
        let (l, e) = ten_actions(&conv, &a);
        lines.extend(l);
        expect.insert(conv, e);
    }
    let batch = env.file("full.jsonl", &lines);
    let filler = disk.fill_leaving(8192);
    let args = [
        "send",
        "--batch",
        batch.to_str().unwrap(),
        "--batch-id",
        "full",
        "--concurrency",
        "2",
    ];
    let out = env.run(&args, "");
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("stopped taking lines"), "{err}");
    let results = json_lines(&out);
    let count = |what: &str| results.iter().filter(|r| r["outcome"] == what).count();
    // Only the lanes in flight when the disk first refused tried a write;
    // every other line waited, not started.
    assert!(count("failed") <= 2, "lines were still taken: {err}");
    assert!(
        results
            .iter()
            .any(|r| r["outcome"] == "held" && r.to_string().contains("not started")),
        "{err}"
    );
    for l in err.lines() {
        assert!(
            !(l.contains("delivered") && l.contains("resend")),
            "advice to resend what was delivered: {l}"
        );
    }

    std::fs::remove_file(&filler).unwrap();
    let again = env.run(&args, "");
    assert_ne!(code(&again), 2, "{}", stderr(&again));
    for (conv, got) in env.received() {
        let want = &expect[&conv];
        assert!(
            got.len() <= want.len() && want[..got.len()] == got[..],
            "{conv}: sent {got:?}, planned {want:?}"
        );
    }
}
