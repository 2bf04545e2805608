//! The `switchboard` binary's own simulator as a child process, and a config
//! file that points the binary at it.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::sim;

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
/// The variable the config written by [`write_config`] reads the secret from.
pub const SECRET_VAR: &str = "SWITCHBOARD_TEST_SECRET";

/// `switchboard simulator` as a child process; killed when dropped.
pub struct SimProcess {
    child: Child,
    pub base_url: String,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SimProcess {
    /// Starts the simulator on a free loopback port, with no traffic and no
    /// rate limit, and `extra` arguments.
    pub fn start(extra: &[&str]) -> SimProcess {
        let mut child = Command::new(BIN)
            .args([
                "simulator",
                "--listen",
                "127.0.0.1:0",
                "--no-traffic",
                "--rate-limit",
                "0",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut base_url = None;
        let mut banner = String::new();
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            banner.push_str(&line);
            banner.push('\n');
            if let Some(url) = line.trim().strip_prefix("base URL:") {
                base_url = Some(url.trim().to_string());
                break;
            }
        }
        let base_url = base_url.unwrap_or_else(|| panic!("no base URL in the banner:\n{banner}"));
        assert!(banner.contains(sim::DEMO_BOT_ID), "{banner}");
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        SimProcess { child, base_url }
    }

    /// The hooks requests the simulator received for `conversation`, as its
    /// `/__sim/received` lists them.
    pub fn received_hooks(&self, conversation: &str) -> Vec<Value> {
        let url = format!("{}/__sim/received", self.base_url);
        let all: Vec<Value> =
            block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
        all.into_iter()
            .filter(|hook| hook["conversationId"] == conversation)
            .collect()
    }
}

/// Runs `work` to its end on a runtime of its own, for tests without one.
pub fn block_on<F: Future>(work: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    switchboard::install_crypto();
    rt.block_on(work)
}

/// One event of a hooks body as `/__sim/received` lists it: "TYPE
/// transition X" for a transfer, where X is the participant's `participant`
/// field (`identity` or `name`), else the event's name.
pub fn event_text(ev: &Value, participant: &str) -> String {
    if ev["name"] == "INTERNAL_TRANSFER_EVENT" {
        format!(
            "{} {} {}",
            ev["transfertype"].as_str().unwrap(),
            ev["transition"].as_str().unwrap(),
            ev["participant"][participant].as_str().unwrap()
        )
    } else {
        ev["name"].as_str().unwrap().to_string()
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes `dir/config.toml` for the simulator at `host`: its demo ids, the
/// secret from [`SECRET_VAR`], a callback listener on a free port, and
/// `extra` (more tables) at the end.
pub fn write_config(dir: &Path, host: &str, callback_timeout_secs: u64, extra: &str) -> PathBuf {
    let port = free_port();
    let path = dir.join("config.toml");
    let text = format!(
        r#"[kore]
host = "{host}"
bot_id = "{bot}"
org_id = "{org}"
account_id = "{account}"
client_id = "{client}"
client_secret = {{ env = "{SECRET_VAR}" }}
jwt_ttl_secs = 120

[callback]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
callback_timeout_secs = {callback_timeout_secs}
{extra}"#,
        bot = sim::DEMO_BOT_ID,
        org = sim::DEMO_ORG_ID,
        account = sim::DEMO_ACCOUNT_ID,
        client = sim::DEMO_CLIENT_ID,
    );
    std::fs::write(&path, text).unwrap();
    path
}
