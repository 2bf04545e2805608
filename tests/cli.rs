//! Two real processes over loopback: `switchboard simulator` and the
//! scripting commands (`send`, `assign`, `check`, `init`), as a newcomer would
//! run them.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use switchboard::sim;

mod common;
use common::journal::{request, sent};
use common::process::{BIN, SECRET_VAR, SimProcess, block_on, event_text, write_config};
use common::sim::simulator;

struct Env {
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn env_for(sim: &SimProcess) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 10, "");
    Env { dir, config }
}

fn run(env: &Env, secret: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(&env.config)
        .args(args)
        .env(SECRET_VAR, secret)
        .env("SWITCHBOARD_DATA_DIR", env.dir.path().join("data"))
        .env("SWITCHBOARD_STATE_DIR", env.dir.path().join("state"))
        .env_remove("SWITCHBOARD_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run switchboard")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
        })
        .collect()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The simulator's record of hooks events for one conversation, as
/// "TYPE transition identity" strings.
fn received(sim: &SimProcess, conversation: &str) -> Vec<String> {
    let mut out = Vec::new();
    for hook in sim.received_hooks(conversation) {
        assert_eq!(hook["tokenValid"], true, "{hook}");
        if hook["status"] != 200 {
            continue;
        }
        for ev in hook["events"].as_array().unwrap() {
            out.push(event_text(ev, "identity"));
        }
    }
    out
}

fn agent_id(n: usize) -> String {
    // The simulator's built-in directory, in its order: Mia Chen, Raj Patel,
    // Sofia García, … (index 6 is offline).
    DEMO_AGENTS.with(|a| a[n].clone())
}

thread_local! {
    static DEMO_AGENTS: Vec<String> = block_on(async {
        let handle = simulator().await;
        let ids: Vec<String> = handle.world().agents.iter().map(|a| a.id.clone()).collect();
        handle.shutdown().await;
        ids
    });
}

#[test]
fn the_documented_flows_are_accepted_and_bad_orders_refused() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let s = sim::DEMO_CLIENT_SECRET;
    let (mia, raj, sofia) = (agent_id(0), agent_id(1), agent_id(2));
    let conv = "c-cli-1";

    let out = run(
        &env,
        s,
        &["send", "enter", "--conversation", conv, "--agent", &mia],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["request"]["method"], "POST");
    assert!(lines[0]["latency_ms"].is_u64());

    let out = run(
        &env,
        s,
        &["send", "warm", "--conversation", conv, "--agent", &raj],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // A cold transfer while a consultant is present is refused, nothing sent.
    let before = received(&sim, conv).len();
    let out = run(
        &env,
        s,
        &["send", "cold", "--conversation", conv, "--agent", &sofia],
    );
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(lines[0]["refused"], true, "{}", lines[0]);
    assert_eq!(lines[0]["code"], "cold_with_consultants");
    assert_eq!(lines[0]["reason"], "order_refused");
    assert!(stderr(&out).contains("refused"));
    assert_eq!(
        received(&sim, conv).len(),
        before,
        "a refusal sends nothing"
    );

    let out = run(
        &env,
        s,
        &["send", "remove", "--conversation", conv, "--agent", &raj],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(
        &env,
        s,
        &["send", "cold", "--conversation", conv, "--agent", &sofia],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json_lines(&out).len(), 2, "COLD exit then COLD entry");
    let out = run(&env, s, &["send", "end", "--conversation", conv]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json_lines(&out).len(), 3, "NA exit, summary, end");

    // Anything after END_OF_CONVERSATION is refused.
    let out = run(
        &env,
        s,
        &["send", "warm", "--conversation", conv, "--agent", &raj],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(json_lines(&out)[0]["code"], "conversation_ended");

    assert_eq!(
        received(&sim, conv),
        [
            format!("NA entry {mia}"),
            format!("WARM entry {raj}"),
            format!("WARM exit {raj}"),
            format!("COLD exit {mia}"),
            format!("COLD entry {sofia}"),
            format!("NA exit {sofia}"),
            "TRIGGER_SUMMARY_EVENT".to_string(),
            "END_OF_CONVERSATION".to_string(),
        ]
    );

    // A second NA entry for a fresh conversation that the server already
    // knows (the journal is elsewhere) is refused by the simulator: exit 1
    // with its reason.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Env {
        config: write_config(other_dir.path(), &sim.base_url, 10, ""),
        dir: other_dir,
    };
    let out = run(
        &other,
        s,
        &["send", "enter", "--conversation", conv, "--agent", &mia],
    );
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(lines[0]["ok"], false);
    assert_eq!(lines[0]["status"], 400);
    assert_eq!(lines[0]["reason"], "unknown_conversation", "{}", lines[0]);
    assert!(!lines[0]["message"].as_str().unwrap().is_empty());
}

#[test]
fn assign_waits_for_and_prints_its_callback() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let url = format!(
        "{}/agentassist/api/v1/public/{}/conversations?status=OPEN",
        sim.base_url,
        sim::DEMO_BOT_ID
    );
    let token = {
        let signer = switchboard::kore::jwt::Signer::new(
            sim::DEMO_CLIENT_ID,
            &switchboard::kore::jwt::Secret::new(sim::DEMO_CLIENT_SECRET),
            None,
        )
        .unwrap();
        signer.sign().unwrap().expose().to_string()
    };
    let page: Value = block_on(async {
        reqwest::Client::new()
            .get(url)
            .header("auth", token)
            .header("accountid", sim::DEMO_ACCOUNT_ID)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let session = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversationType"] == "messaging")
        .and_then(|c| c["botSessionId"].as_str())
        .expect("a waiting chat conversation")
        .to_string();

    let mia = agent_id(0);
    let out = run(
        &env,
        sim::DEMO_CLIENT_SECRET,
        &["assign", "--session", &session, "--agent", &mia],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["response"]["status"], "transferred");
    let shown_url = lines[0]["callback_url"].as_str().unwrap();
    assert!(
        shown_url.contains("/cb/…/"),
        "the per-run secret is hidden: {shown_url}"
    );
    assert_eq!(lines[1]["ok"], true);
    assert_eq!(lines[1]["callback"]["status"], "transferred");
    assert_eq!(
        lines[1]["id"], lines[0]["id"],
        "the callback is matched to its request"
    );

    // An offline agent: the request is accepted, the callback reports failure.
    let offline = agent_id(6);
    let out = run(
        &env,
        sim::DEMO_CLIENT_SECRET,
        &["assign", "--session", &session, "--agent", &offline],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["reason"], "agent_offline", "{}", lines[1]);
    assert!(lines[1]["message"].as_str().unwrap().contains("OFFLINE"));
    assert!(stderr(&out).contains("the transfer failed"));
}

#[test]
fn wrong_secret_bad_config_and_no_config() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let wrong = "definitely-not-the-secret";
    let out = run(
        &env,
        wrong,
        &["send", "enter", "--conversation", "c-x", "--agent", "a-1"],
    );
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(lines[0]["status"], 401);
    assert_eq!(lines[0]["attempts"], 1, "a 401 is not retried");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!all.contains(wrong), "the secret leaked: {all}");
    assert!(!all.contains("eyJ"), "a token leaked: {all}");

    // check: config, secret, token, reach.
    let out = run(&env, sim::DEMO_CLIENT_SECRET, &["check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let checks: Vec<String> = json_lines(&out)
        .iter()
        .map(|l| l["check"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(checks, ["config", "secret", "token", "reach", "callback"]);
    // Issue 18.18: check says which form of token it signs.
    let token = &json_lines(&out)[2];
    assert_eq!(token["expires"], true, "{token}");
    assert!(
        token["form"].as_str().unwrap().contains("exp (120 s)"),
        "{token}"
    );
    assert!(
        stderr(&out).contains("token: appId, iat"),
        "{}",
        stderr(&out)
    );
    let callback = &json_lines(&out)[4];
    assert_eq!(callback["ok"], true, "{callback}");
    assert_eq!(
        callback["reachable_from_here"], true,
        "public_url is loopback here: {callback}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(sim::DEMO_CLIENT_SECRET));

    // A bad config: exit 2, file, line and key named.
    std::fs::write(
        &env.config,
        "[kore]\nhost = \"http://127.0.0.1:1\"\nbot_id = \"st-1\"\norg_id = \"o\"\naccount_id = \"a\"\nclient_id = \"c\"\nclient_secret = \"x\"\nrate_limit_per_minute = \"sixty\"\n",
    )
    .unwrap();
    let out = run(&env, "x", &["check"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("config.toml:8"), "{err}");
    assert!(err.contains("rate_limit_per_minute"), "{err}");

    // No config at all: exit 2, pointing at demo and init.
    let out = Command::new(BIN)
        .arg("--config")
        .arg(env.dir.path().join("missing.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("switchboard demo") && err.contains("switchboard init"),
        "{err}"
    );

    // Bad usage: exit 2.
    let out = run(&env, "x", &["send", "teleport", "--conversation", "c"]);
    assert_eq!(code(&out), 2);
    let out = run(&env, "x", &["assign", "--session", "s"]);
    assert_eq!(code(&out), 2, "assign needs --agent or --queue");
}

#[test]
fn init_writes_a_private_starter_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("config.toml");
    let init = || {
        Command::new(BIN)
            .arg("--config")
            .arg(&path)
            .arg("init")
            .env("SWITCHBOARD_STATE_DIR", dir.path().join("state"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = init();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(switchboard::config::load(&path).is_ok());
    let out = init();
    assert_eq!(code(&out), 2, "never overwrites");
    assert!(stderr(&out).contains("already exists"));
}

/// The journal `send` and `assign` use for the demo bot under `env`.
fn journal_of(env: &Env) -> PathBuf {
    env.dir
        .path()
        .join("data")
        .join(switchboard::runtime::journal::file_name_for(
            sim::DEMO_BOT_ID,
        ))
}

#[test]
fn send_refuses_to_pass_requests_still_open_in_the_journal() {
    use switchboard::domain::{AgentRef, Event};
    use switchboard::runtime::journal::Journal;
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let s = sim::DEMO_CLIENT_SECRET;
    let mia = agent_id(0);
    // A console quit with one request queued and one of unknown fate.
    {
        let (mut j, _) = Journal::open(&journal_of(&env)).unwrap();
        let who = AgentRef::new(&mia, "Mia Chen");
        j.append(&request("o-1", "c-open", 1, Event::na_entry(who.clone())))
            .unwrap();
        j.append(&sent("o-1", 2)).unwrap();
        j.append(&request("o-2", "c-open", 1, Event::na_exit(who)))
            .unwrap();
    }
    let out = run(&env, s, &["send", "end", "--conversation", "c-open"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["refused"], true);
    assert_eq!(lines[0]["code"], "open_requests");
    assert_eq!(lines[0]["unknown"], serde_json::json!(["o-1"]));
    assert_eq!(lines[0]["queued"], serde_json::json!(["o-2"]));
    assert!(
        stderr(&out).contains("Open the console"),
        "{}",
        stderr(&out)
    );
    assert!(received(&sim, "c-open").is_empty(), "nothing was sent");
    // Another conversation is not held up by it.
    let out = run(
        &env,
        s,
        &["send", "enter", "--conversation", "c-free", "--agent", &mia],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Issue 18.9: only the console compacted its journal, so one fed by
/// `send` and batches grew without end and every command read it whole.
/// Now they fold ended conversations older than keep_ended_hours at start.
#[test]
fn send_folds_conversations_that_ended_long_ago() {
    use common::journal::outcome;
    use switchboard::domain::{AgentRef, Event};
    use switchboard::runtime::journal::{self, Journal, Record};
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let mia = agent_id(0);
    {
        let (mut j, _) = Journal::open(&journal_of(&env)).unwrap();
        let who = AgentRef::new(&mia, "Mia Chen");
        for (i, ev) in [
            Event::na_entry(who.clone()),
            Event::na_exit(who),
            Event::EndOfConversation { agent: None },
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("old-{i}");
            j.append(&request(&id, "c-long-ago", 1, ev)).unwrap();
            j.append(&outcome(&id, 2, true, "")).unwrap();
        }
    }
    let out = run(
        &env,
        sim::DEMO_CLIENT_SECRET,
        &["send", "enter", "--conversation", "c-now", "--agent", &mia],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let replay = journal::read(&journal_of(&env)).unwrap();
    assert!(
        matches!(&replay.records[0], Record::Summary { conversation, requests: 3, .. } if conversation == "c-long-ago"),
        "{:?}",
        replay.records
    );
    let st = journal::rebuild(&replay.records);
    assert!(!st.contains_key("c-long-ago"));
    assert!(st["c-now"].roster.contains(&mia));
}

#[test]
fn send_says_so_when_a_console_holds_the_journal() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let (_held, _) = switchboard::runtime::journal::Journal::open(&journal_of(&env)).unwrap();
    let out = run(
        &env,
        sim::DEMO_CLIENT_SECRET,
        &[
            "send",
            "enter",
            "--conversation",
            "c-1",
            "--agent",
            &agent_id(0),
        ],
    );
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("in use by another switchboard"), "{err}");
    assert!(err.contains("hint: a console is open on this bot"), "{err}");
    assert!(received(&sim, "c-1").is_empty());
}

/// Issue 9.4: `--read-only` was shown on `send` and `assign`, and they sent
/// anyway with exit 0.
#[test]
fn console_flags_are_refused_on_the_scripting_commands() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let s = sim::DEMO_CLIENT_SECRET;
    let mia = agent_id(0);
    let conv = "c-cli-ro";
    for args in [
        vec![
            "send",
            "--read-only",
            "enter",
            "--conversation",
            conv,
            "--agent",
            &mia,
        ],
        vec![
            "--read-only",
            "send",
            "enter",
            "--conversation",
            conv,
            "--agent",
            &mia,
        ],
        vec![
            "--ascii",
            "send",
            "enter",
            "--conversation",
            conv,
            "--agent",
            &mia,
        ],
        vec!["--read-only", "assign", "--session", "s-1", "--agent", &mia],
        vec!["assign", "--read-only", "--session", "s-1", "--agent", &mia],
    ] {
        let out = run(&env, s, &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--read-only") || stderr(&out).contains("--ascii"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(received(&sim, conv).is_empty(), "nothing was sent");
}

/// `send VERB --agent AGENT` for each pair, in order, to `conv`: each exits 0.
fn send_each(env: &Env, sends: &[(&str, &str)], conv: &str) {
    for (verb, agent) in sends {
        let args = ["send", verb, "--conversation", conv, "--agent", agent];
        let out = run(env, sim::DEMO_CLIENT_SECRET, &args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    }
}

/// Issue 9.5: a closed stdout panicked half-way through `send end` (exit
/// 101): the first event went out, the others were neither journaled nor
/// sent.
#[test]
fn a_closed_stdout_does_not_stop_a_planned_sequence() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let s = sim::DEMO_CLIENT_SECRET;
    let (mia, raj) = (agent_id(0), agent_id(1));
    let conv = "c-cli-pipe";
    send_each(&env, &[("enter", &mia), ("warm", &raj)], conv);
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&env.config)
        .args(["send", "end", "--conversation", conv])
        .env(SECRET_VAR, s)
        .env("SWITCHBOARD_DATA_DIR", env.dir.path().join("data"))
        .env("SWITCHBOARD_STATE_DIR", env.dir.path().join("state"))
        .env_remove("SWITCHBOARD_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is printed (`| head -c0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "non-zero, and no panic (101): {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("standard output is closed"), "{err}");
    assert_eq!(
        received(&sim, conv),
        [
            format!("NA entry {mia}"),
            format!("WARM entry {raj}"),
            format!("WARM exit {raj}"),
            format!("NA exit {mia}"),
            "TRIGGER_SUMMARY_EVENT".to_string(),
            "END_OF_CONVERSATION".to_string(),
        ],
        "the whole plan went out"
    );
    // And the journal holds every one of them as delivered.
    let journal = journal_of(&env);
    let replay = switchboard::runtime::journal::read(&journal).unwrap();
    let st = &switchboard::runtime::journal::rebuild(&replay.records)[conv];
    assert_eq!(st.requests.len(), 6);
    assert!(st.requests.iter().all(|r| matches!(
        r.fate,
        switchboard::runtime::journal::RequestFate::Delivered { .. }
    )));
}

/// Issue 9.7: error hints that misled, exit codes that differed, ids
/// without bounds, credentials printed from a URL, placeholders unnoticed.
#[test]
fn bad_input_gets_a_clear_error_and_never_shows_credentials() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let s = sim::DEMO_CLIENT_SECRET;
    let text = std::fs::read_to_string(&env.config).unwrap();

    // check: credentials in the host are never printed; placeholders warned.
    let with_user = sim.base_url.replacen("http://", "http://alice:hunter2@", 1);
    let t = text
        .replace(
            &format!("host = \"{}\"", sim.base_url),
            &format!("host = \"{with_user}\""),
        )
        .replace(sim::DEMO_ORG_ID, "o-replace-with-your-org-id");
    assert_ne!(t, text);
    std::fs::write(&env.config, &t).unwrap();
    let out = run(&env, s, &["check"]);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!all.contains("hunter2"), "{all}");
    assert!(all.contains("placeholder"), "{all}");

    // A public_url with a ?query is refused, with the key and the reason.
    let t = text.replace(
        "public_url = \"http://127.0.0.1:",
        "public_url = \"http://127.0.0.1:1/?x=1#",
    );
    std::fs::write(&env.config, &t).unwrap();
    let out = run(&env, s, &["check"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("public_url"), "{}", stderr(&out));
    assert!(stderr(&out).contains("?query"), "{}", stderr(&out));

    // An id of 50 KB: refused with the key.
    let t = text.replace(sim::DEMO_BOT_ID, &"s".repeat(50_000));
    std::fs::write(&env.config, &t).unwrap();
    let out = run(&env, s, &["check"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bot_id"), "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 200"), "{}", stderr(&out));

    // An address that is not this machine's: the hint says so (bind only,
    // nothing is sent there).
    let t = text.replace("listen = \"127.0.0.1:", "listen = \"192.0.2.1:");
    std::fs::write(&env.config, &t).unwrap();
    let out = run(&env, s, &["check"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("not an address of this machine"),
        "{}",
        stderr(&out)
    );

    // The console and check agree: plain http to another host is a config
    // error, exit 2, naming the file and [kore].
    let t = text.replace(&sim.base_url, "http://kore.example.com");
    std::fs::write(&env.config, &t).unwrap();
    for args in [&[][..], &["check"][..]] {
        let out = run(&env, s, args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("config.toml"), "{}", stderr(&out));
    }

    // Without a terminal, the console says it needs one.
    std::fs::write(&env.config, &text).unwrap();
    let out = run(&env, s, &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("switchboard send"),
        "{}",
        stderr(&out)
    );

    // --language '' and an id with spaces: refused before anything runs.
    let out = run(
        &env,
        s,
        &[
            "send",
            "enter",
            "--conversation",
            "c-1",
            "--agent",
            "a",
            "--language",
            "",
        ],
    );
    assert_eq!(code(&out), 2);
    let out = run(
        &env,
        s,
        &["send", "enter", "--conversation", "c 1", "--agent", "a"],
    );
    assert_eq!(code(&out), 2);

    // A data dir that is a file: the hint names that, not something else.
    let file = env.dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&env.config)
        .args(["send", "enter", "--conversation", "c-1", "--agent", "a-1"])
        .env(SECRET_VAR, s)
        .env("SWITCHBOARD_DATA_DIR", file.join("data"))
        .env("SWITCHBOARD_STATE_DIR", env.dir.path().join("state"))
        .env_remove("SWITCHBOARD_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("is a file, not a directory"),
        "{}",
        stderr(&out)
    );
}

/// Each request's records, in the order the requests were planned, without
/// ids and times: what it planned, each try that left, its outcome.
fn records_by_request(
    records: &[switchboard::runtime::journal::Record],
) -> Vec<(String, Vec<String>)> {
    use switchboard::runtime::journal::Record;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for record in records {
        let Some(id) = record.id() else { continue };
        let text = match record {
            Record::Request {
                conversation,
                event,
                experience,
                language,
                action,
                ..
            } => format!("request {conversation} {event:?} {experience} {language} {action}"),
            Record::Sent { attempt, .. } => format!("sent {attempt}"),
            Record::Outcome {
                ok,
                status,
                attempts,
                ..
            } => format!("outcome {ok} {status:?} {attempts}"),
            other => format!("{other:?}"),
        };
        match out.iter_mut().find(|(known, _)| known == id) {
            Some((_, texts)) => texts.push(text),
            None => out.push((id.to_string(), vec![text])),
        }
    }
    out
}

/// The console entering `enter` into `conversation`, then cold transferring
/// it to `cold` (by `:` commands, as a supervisor types them), its effects
/// run by the runner against the in-process simulator: the journal's
/// records, per request.
async fn console_cold(conversation: &str, enter: &str, cold: &str) -> Vec<Vec<String>> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use switchboard::app::state::{Channel, Conversation, Settings};
    use switchboard::app::{Action, Effect, State, update};
    use switchboard::runtime::journal::{self, Journal};
    let sim = common::sim::simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let (j, _) = Journal::open(&path).unwrap();
    let client = common::sim::client(&sim, |_| {});
    let common::sim::Run {
        mut runner, mut rx, ..
    } = common::sim::runner(client, Some(j), 6).await;
    let settings = Settings {
        confirm: false,
        ..common::state::settings(sim::DEMO_BOT_ID, "TEST", 30_000)
    };
    let mut s = State::new(settings, Default::default(), "t".into());
    runner.run(Effect::PollAgents);
    loop {
        let report = rx.recv().await.unwrap();
        let listed = matches!(report, Action::AgentsListed { .. });
        update(&mut s, report);
        if listed {
            break;
        }
    }
    s.model.conversations.insert(
        conversation.into(),
        Conversation::new(conversation, Channel::Chat, "en"),
    );
    s.views.list.selected = Some(conversation.into());
    for line in [format!("enter {enter}"), format!("cold {cold}")] {
        update(&mut s, common::state::key(':'));
        for c in line.chars() {
            update(&mut s, common::state::key(c));
        }
        let effects = update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        let mut open = effects
            .iter()
            .filter(|e| matches!(e, Effect::SendEvent { .. }))
            .count();
        assert!(open > 0, "{line}: {effects:?}");
        for e in effects {
            runner.run(e);
        }
        while open > 0 {
            let report = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
                .await
                .expect("a report within 10 s")
                .unwrap();
            if let Action::HookDone { outcome, .. } = &report {
                assert!(outcome.is_ok(), "{outcome:?}");
                open -= 1;
            }
            update(&mut s, report);
        }
    }
    runner.flush_journal().await;
    let records = journal::read(&path).unwrap().records;
    records_by_request(&records)
        .into_iter()
        .map(|(_, texts)| texts)
        .collect()
}

/// Issue 10.3: `send` goes through the console's runner, so a scripted cold
/// transfer leaves the records the console's leaves: per request, its
/// planning record (same event, action, channel and language), `Sent` right
/// before it left, then its outcome. (A script plans each event once the one
/// before was delivered, so events after a failure are never journaled; the
/// console plans an action's events together.)
#[test]
fn send_and_the_console_journal_a_cold_transfer_alike() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let (mia, sofia) = (agent_id(0), agent_id(2));
    let conv = "c-alike";
    send_each(&env, &[("enter", &mia), ("cold", &sofia)], conv);
    let replay = switchboard::runtime::journal::read(&journal_of(&env)).unwrap();
    let cli: Vec<Vec<String>> = records_by_request(&replay.records)
        .into_iter()
        .map(|(_, texts)| texts)
        .collect();
    let console = block_on(console_cold(conv, "mia", "sofia"));
    assert_eq!(cli.len(), 3, "NA entry, COLD exit, COLD entry: {cli:#?}");
    assert_eq!(cli, console);
}

/// Issue 10.3: `send` retries by the runner's rules and `[kore]`'s settings:
/// a try that timed out after it was written (the simulator applied it and
/// answered late) is tried again only when `retry_uncertain_hooks` allows.
/// Without it the request ends unknown, with no outcome journaled; with it
/// the replay is answered and the note says try 1 may have arrived too.
/// Issue 18.13: that delivery is `delivered_maybe_twice`, and exit 3 says so.
#[test]
fn send_honours_retry_uncertain_hooks() {
    use switchboard::runtime::journal::{self, RequestFate};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handle = rt.block_on(simulator());
    handle.set_chaos(switchboard::sim::Chaos {
        slow_ms: Some(1_500),
        ..Default::default()
    });
    let mia = agent_id(0);
    for (retry, tries, exit, outcome) in [
        (false, 1, 1, "unknown"),
        (true, 2, 3, "delivered_maybe_twice"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &handle.base_url(), 10, "");
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "jwt_ttl_secs = 120",
            &format!(
                "jwt_ttl_secs = 120\nrequest_timeout_secs = 1\nretry_max_attempts = 2\nretry_uncertain_hooks = {retry}"
            ),
        );
        std::fs::write(&config, text).unwrap();
        let env = Env { dir, config };
        let conv = format!("c-uncertain-{retry}");
        let out = run(
            &env,
            sim::DEMO_CLIENT_SECRET,
            &["send", "enter", "--conversation", &conv, "--agent", &mia],
        );
        assert_eq!(code(&out), exit, "{}", stderr(&out));
        let lines = json_lines(&out);
        assert_eq!(lines[0]["attempts"], tries, "{}", lines[0]);
        assert_eq!(lines[0]["ok"], retry, "{}", lines[0]);
        assert_eq!(lines[0]["outcome"], outcome, "{}", lines[0]);
        let sent = handle
            .received()
            .iter()
            .filter(|h| h.conversation_id == conv)
            .count();
        assert_eq!(sent, tries, "retry_uncertain_hooks = {retry}");
        assert!(
            stderr(&out).contains("try 1 may also have arrived"),
            "{}",
            stderr(&out)
        );
        let replay = journal::read(&journal_of(&env)).unwrap();
        let st = &journal::rebuild(&replay.records)[&conv];
        let delivered = matches!(st.requests[0].fate, RequestFate::Delivered { .. });
        assert_eq!(delivered, retry, "{:?}", st.requests[0].fate);
        if !retry {
            assert_eq!(st.requests[0].fate, RequestFate::Unknown);
        }
    }
    rt.block_on(handle.shutdown());
}

#[test]
fn an_agent_nobody_knows_is_refused_with_the_closest_names_unless_forced() {
    let sim = SimProcess::start(&[]);
    let env = env_for(&sim);
    let s = sim::DEMO_CLIENT_SECRET;
    let mia = agent_id(0);
    // One letter off Mia's id: not known, her id is offered.
    let typo = format!("{}x", mia);
    let out = run(
        &env,
        s,
        &["send", "enter", "--conversation", "c-unk", "--agent", &typo],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["reason"], "unknown_agent", "{}", lines[0]);
    let closest = lines[0]["closest"].as_array().unwrap();
    assert!(
        closest[0].as_str().unwrap().contains(&mia),
        "{closest:?} should start with {mia}"
    );
    assert!(stderr(&out).contains("--force"));
    assert!(received(&sim, "c-unk").is_empty(), "nothing was sent");
    // The same for assign, before any request.
    let out = run(
        &env,
        s,
        &["assign", "--session", "sess-x", "--agent", &typo],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(json_lines(&out)[0]["reason"], "unknown_agent");
    // --force sends it anyway: Kore has the last word.
    let out = run(
        &env,
        s,
        &[
            "send",
            "enter",
            "--conversation",
            "c-unk",
            "--agent",
            &typo,
            "--force",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(received(&sim, "c-unk"), [format!("NA entry {typo}")]);
    // A known agent by name, in any case, goes as her id.
    let out = run(
        &env,
        s,
        &[
            "send",
            "warm",
            "--conversation",
            "c-unk",
            "--agent",
            "raj patel",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        received(&sim, "c-unk")[1],
        format!("WARM entry {}", agent_id(1))
    );
}
