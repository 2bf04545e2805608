//! An embedded simulator of the Kore.ai endpoints Switchboard talks to.
//!
//! It is a real HTTP server (axum on tokio) on a listener the caller binds. It
//! checks JWTs and the `accountid` header, keeps per-conversation rosters and
//! refuses hooks events that break the documented order, answers
//! assign-conversation and later posts the outcome to the callback URL, serves
//! the list endpoints and queue-size, enforces the per-account rate limit, and
//! can inject faults. A seeded traffic generator makes customers arrive into
//! queues and wait there, agents of each queue answer them, customers give up
//! after their patience, agents change status and conversations end.
//!
//! The simulator shares only the wire types with the client
//! ([`crate::kore::wire`]); its rules are its own (see [`roster`]), so that it
//! can catch the client's mistakes.
//!
//! Besides the Kore paths it serves read-only introspection for end-to-end
//! tests, unauthenticated and to loopback peers only:
//! `GET /__sim/received`, `GET /__sim/rosters/{conversationId}` and
//! `GET /__sim/callbacks`.

pub mod details;
pub mod roster;
mod server;
pub mod transfer;
pub mod world;

pub use roster::SimRoster;
pub use world::{Traffic, World, WorldIds, step};

use crate::kore::jwt::Secret;
use crate::kore::wire::{AssignCallback, HookEvent};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The demo bot (stream) id.
pub const DEMO_BOT_ID: &str = "st-5a1e0000-demo-4b1d-9c0f-00000000a1f3";
/// The demo organisation id.
pub const DEMO_ORG_ID: &str = "o-5a1e0000-demo-4c2e-8d10-00000000b2e4";
/// The demo account id (the `accountid` header).
pub const DEMO_ACCOUNT_ID: &str = "5a1e0000000000000000d3e0";
/// The demo JWT app's client id (the `appId` claim).
pub const DEMO_CLIENT_ID: &str = "cs-5a1e0000-demo-4e3f-a021-00000000c3d5";
/// The demo JWT app's client secret. It protects nothing: it is public.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret-for-the-simulator-only";

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub bot_id: String,
    pub org_id: String,
    pub account_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Seeds the traffic generator, fault injection and callback jitter.
    pub seed: u64,
    /// Probability (0.0..=1.0) that a Kore request meets a fault (see
    /// [`Fault`]), and that a callback is dropped.
    pub faults: f64,
    /// Requests per rolling [`SimConfig::rate_window`] per account; 0 turns
    /// the limit off.
    pub rate_limit: u32,
    /// The rate limit's rolling window; Kore's is a minute.
    pub rate_window: Duration,
    /// Traffic generator speed factor; 1.0 is normal, 2.0 twice as busy.
    pub speed: f64,
    /// Run the traffic generator.
    pub traffic: bool,
    /// Base delay before an assign callback is posted (jitter of up to half of
    /// it is added).
    pub callback_delay_ms: u64,
    /// Live conversations added to the demo world at start, in a contact
    /// centre's mix (see `World::add_live_mix`); 0 keeps the demo world.
    pub conversations: usize,
}

impl SimConfig {
    /// The demo credentials, seed 1, no faults, 60 requests a minute, normal speed, traffic on.
    pub fn demo() -> Self {
        SimConfig {
            bot_id: DEMO_BOT_ID.to_string(),
            org_id: DEMO_ORG_ID.to_string(),
            account_id: DEMO_ACCOUNT_ID.to_string(),
            client_id: DEMO_CLIENT_ID.to_string(),
            client_secret: Secret::new(DEMO_CLIENT_SECRET),
            seed: 1,
            faults: 0.0,
            rate_limit: 60,
            rate_window: Duration::from_secs(60),
            speed: 1.0,
            traffic: true,
            callback_delay_ms: 400,
            conversations: 0,
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        for (name, v) in [
            ("bot id", &self.bot_id),
            ("org id", &self.org_id),
            ("account id", &self.account_id),
            ("client id", &self.client_id),
        ] {
            if v.trim().is_empty() {
                anyhow::bail!("the simulator's {name} is empty");
            }
        }
        if self.client_secret.is_empty() {
            anyhow::bail!("the simulator's client secret is empty");
        }
        if !(0.0..=1.0).contains(&self.faults) {
            anyhow::bail!(
                "the fault rate must be between 0.0 and 1.0, not {}",
                self.faults
            );
        }
        if self.rate_limit > 0 && self.rate_window.is_zero() {
            anyhow::bail!("the rate-limit window must be longer than zero");
        }
        if self.traffic && !(self.speed.is_finite() && self.speed > 0.0) {
            anyhow::bail!("the traffic speed must be above 0, not {}", self.speed);
        }
        Ok(())
    }
}

/// A fault the simulator injected into one request (see [`SimConfig::faults`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// Answered 503 before anything was processed.
    Error,
    /// Held back for 300 to 1500 ms, then processed and answered normally.
    Latency,
    /// The connection was dropped before anything was processed.
    Reset,
    /// Hooks only: the events were processed (and applied when accepted),
    /// then the connection was dropped instead of answering, so the client
    /// cannot know that they arrived.
    LostReply,
}

/// Misbehaviour on demand, for testing a client against what a real server,
/// a proxy in front of it, or an attacker might send. Set with
/// [`SimHandle::set_chaos`]; the default is none of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chaos {
    /// Every Kore endpoint answers this redirect: status and `Location`.
    pub redirect: Option<(u16, String)>,
    /// Every Kore endpoint answers 429 with this `Retry-After` value.
    pub retry_after: Option<String>,
    /// list-conversations answers are padded with this many bytes.
    pub pad_bytes: Option<usize>,
    /// list-conversations answers never end: the body streams on until the
    /// client stops reading (at most 4 GiB).
    pub endless: bool,
    /// list-conversations ignores `limit` and answers every conversation.
    pub ignore_limit: bool,
    /// list-conversations ignores the `status` filter.
    pub ignore_status: bool,
    /// list-conversations ignores `skip` (every answer is the first page),
    /// always says `hasMore: true` and gives no `totalResults`.
    pub ignore_skip: bool,
    /// Hooks and assign requests are carried out, then answered only after
    /// this long (a retried hooks request is then recognised as a replay).
    pub slow_ms: Option<u64>,
    /// Set in every assign callback body, over what it would say (e.g. both
    /// `sessionId` and `botSessionId`, or a numeric `status`).
    pub callback_extra: serde_json::Map<String, serde_json::Value>,
    /// Replaces the configured delay before a callback is posted.
    pub callback_delay_ms: Option<u64>,
    /// list-queues answers this many made-up queues (`total`, `per_page`)
    /// instead of the world's, `per_page` a page whatever `limit` says.
    pub queue_flood: Option<(usize, usize)>,
    /// list-conversations never ends: `hasMore` always, no total, and
    /// every page is a page of new waiting conversations never seen before.
    pub endless_list: bool,
    /// list-agents and list-queues ignore `page` (every answer is the
    /// first page), always say `hasMore: true` and give no totals.
    pub ignore_page: bool,
    /// list-agents and list-queues never end: `hasMore` always, no totals,
    /// and every page is ten made-up agents (or queues) never listed before.
    pub endless_pages: bool,
    /// queue-size's answer for the queue with this id carries these figures
    /// over the world's (wire names, `agentStatus.busy` for a nested one),
    /// as they are, e.g. `waiting: -5`.
    pub odd_queue_size: Option<(String, Vec<(String, serde_json::Value)>)>,
}

/// One hooks request as the simulator saw it, accepted or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedHook {
    /// From the body; empty when the body could not be read.
    pub conversation_id: String,
    /// The parsed events; empty when the body could not be parsed.
    pub events: Vec<HookEvent>,
    /// The HTTP status answered; 0 when the connection was dropped before
    /// processing. A lost reply keeps the status it would have had (200).
    pub status: u16,
    /// The JWT passed the signature, `appId` and `exp` checks.
    pub token_valid: bool,
    /// Which header carried the JWT: `token`, `auth`, or empty when neither.
    pub auth_header: String,
    /// Unix time in milliseconds when the request arrived.
    pub at_ms: i64,
    /// `OK`, or the reason given with the error.
    pub message: String,
    /// The injected fault the request met, if any.
    #[serde(default)]
    pub fault: Option<Fault>,
    /// A success answered as a bare `200 OK` with no body rather than
    /// `{"STATUS": "OK"}` (the docs show both).
    #[serde(default)]
    pub bare: bool,
    /// A replay of the conversation's last accepted request, whose reply was
    /// lost: answered 200 without applying the events again.
    #[serde(default)]
    pub duplicate: bool,
}

impl ReceivedHook {
    /// The request was processed but the client got no answer.
    pub fn reply_lost(&self) -> bool {
        self.fault == Some(Fault::LostReply)
    }
}

/// One assign callback: posted, failed to post, or dropped by fault injection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentCallback {
    pub url: String,
    pub body: AssignCallback,
    /// The status the receiver answered, when it answered.
    pub status: Option<u16>,
    /// Why the post failed, when it failed.
    pub error: Option<String>,
    /// Fault injection dropped it; nothing was sent.
    pub dropped: bool,
    /// Unix time in milliseconds of the attempt.
    pub at_ms: i64,
}

/// A running simulator. Dropping it stops the server too; [`SimHandle::shutdown`]
/// also waits for it to finish.
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<server::Shared>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    traffic: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// Client settings that this simulator accepts: its credentials, its
    /// rate limit, tokens with `iat`/`exp`/`jti`. Callers change what they
    /// test (`ClientSettings { rate_limit_per_minute: 0, ..sim.client_settings() }`).
    pub fn client_settings(&self) -> crate::kore::client::ClientSettings {
        let cfg = &self.shared.cfg;
        crate::kore::client::ClientSettings {
            host: self.base_url(),
            bot_id: cfg.bot_id.clone(),
            org_id: cfg.org_id.clone(),
            account_id: cfg.account_id.clone(),
            client_id: cfg.client_id.clone(),
            client_secret: cfg.client_secret.clone(),
            hooks_auth_header: "token".into(),
            jwt_ttl_secs: Some(300),
            rate_limit_per_minute: cfg.rate_limit,
            hooks_rate_limit_per_minute: None,
            reserved_for_actions_per_minute: None,
            request_timeout: Duration::from_secs(10),
            allow_insecure_http: false,
            max_response_bytes: crate::kore::client::DEFAULT_MAX_RESPONSE_BYTES,
            max_retry_after: crate::kore::client::DEFAULT_MAX_RETRY_AFTER,
        }
    }

    /// `http://127.0.0.1:PORT` (a wildcard bind address is shown as loopback).
    pub fn base_url(&self) -> String {
        base_url(self.addr)
    }

    /// Every hooks request, accepted or rejected, in order of arrival (the
    /// most recent 10,000).
    pub fn received(&self) -> Vec<ReceivedHook> {
        self.shared.lock().received.iter().cloned().collect()
    }

    /// An agent enters a conversation as an agent desktop would, not
    /// through the hooks API: Kore lists them from now on, and the hooks
    /// rules count them present.
    pub fn enter_elsewhere(&self, conversation_id: &str, agent_id: &str) -> Result<(), String> {
        let now = server::now_ms();
        self.shared
            .lock()
            .world
            .enter_elsewhere(conversation_id, agent_id, now)
    }

    /// The simulator's roster of a conversation, if hooks ever touched it.
    pub fn roster(&self, conversation_id: &str) -> Option<SimRoster> {
        self.shared.lock().rosters.get(conversation_id).cloned()
    }

    /// Forces every Kore endpoint to answer `status` (e.g. 503) until
    /// called again with `None`; with `conversation`, only hooks requests
    /// for that conversation.
    pub fn set_outage(&self, status: Option<u16>, conversation: Option<&str>) {
        self.shared.lock().outage = status.map(|s| (s, conversation.map(str::to_string)));
    }

    /// Makes the next hooks request for `conversation` meet a
    /// [`Fault::LostReply`] instead of a random fault (a forced outage still
    /// comes first).
    pub fn lose_next_reply(&self, conversation: &str) {
        self.shared
            .lock()
            .lose_next_reply
            .insert(conversation.to_string());
    }

    /// Sets (or, with `Chaos::default()`, clears) the misbehaviour of the
    /// simulator.
    pub fn set_chaos(&self, chaos: Chaos) {
        self.shared.lock().chaos = chaos;
    }

    /// Adds `live` waiting and `closed` ended conversations to the world.
    pub fn add_conversations(&self, live: usize, closed: usize) {
        let mut st = self.shared.lock();
        let st = &mut *st;
        st.world
            .add_conversations(&mut st.traffic_rng, live, closed, server::now_ms());
    }

    /// When each Kore request arrived, oldest first (the latest 100,000).
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.shared.lock().arrivals.iter().copied().collect()
    }

    /// How many requests were answered 429 for the rate limit.
    pub fn rate_limited(&self) -> u64 {
        self.shared.lock().rate_limited
    }

    /// How many queue-size answers carried a `//` comment as the docs'
    /// sample does, and how many were strict JSON.
    pub fn queue_size_forms(&self) -> (usize, usize) {
        self.shared.lock().queue_size_forms
    }

    /// How many assign-conversation requests were carried out.
    pub fn assigns_accepted(&self) -> usize {
        self.shared.lock().assigns_accepted
    }

    /// Posts `body` to `url` as Kore would post a callback (for tests of a
    /// late or odd callback). Returns the status the receiver answered.
    pub async fn post_callback(&self, url: &str, body: &serde_json::Value) -> Option<u16> {
        let http = self.shared.http.clone();
        http.post(url)
            .json(body)
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    /// Every assign callback so far, in order of attempt (the most recent 10,000).
    pub fn callbacks_sent(&self) -> Vec<SentCallback> {
        self.shared.lock().callbacks.iter().cloned().collect()
    }

    /// A copy of the simulated world (agents, queues, conversations).
    pub fn world(&self) -> World {
        self.shared.lock().world.clone()
    }

    /// Stops the traffic generator and pending callbacks, lets open requests
    /// finish (for up to 5 s), and waits for the server to stop.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Some(t) = &self.traffic {
            t.abort();
        }
        let mut server = self.server;
        if tokio::time::timeout(Duration::from_secs(5), &mut server)
            .await
            .is_err()
        {
            server.abort();
        }
    }
}

fn base_url(addr: SocketAddr) -> String {
    let shown = match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
        }
        other => other,
    };
    format!("http://{shown}")
}

/// Starts the simulator on `listener`: the server, and the traffic generator
/// when `cfg.traffic` is set. Installs the rustls provider the callback client
/// needs.
pub async fn start(cfg: SimConfig, listener: TcpListener) -> anyhow::Result<SimHandle> {
    crate::install_crypto();
    cfg.validate()?;
    let addr = listener
        .local_addr()
        .context("reading the simulator's listen address")?;
    let (stop, stopped) = watch::channel(false);
    let shared = Arc::new(server::Shared::new(cfg, stopped.clone())?);
    let app = server::router(shared.clone());
    let mut server_stop = stopped.clone();
    let server = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_stop.changed().await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!("simulator server stopped: {e}");
        }
    });
    let traffic = shared
        .cfg
        .traffic
        .then(|| tokio::spawn(server::run_traffic(shared.clone(), stopped)));
    tracing::info!(%addr, "simulator listening");
    Ok(SimHandle {
        addr,
        shared,
        stop,
        server,
        traffic,
    })
}

/// `switchboard simulator`: binds `listen`, prints the demo values and the base
/// URL to stdout, and serves until Ctrl-C (or SIGTERM).
pub async fn run_cli(cfg: SimConfig, listen: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding the simulator to {listen}"))?;
    let handle = start(cfg.clone(), listener).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(banner(&cfg, &handle.base_url()).as_bytes())?;
        out.write_all(directory_listing(&handle.world()).as_bytes())?;
        out.write_all(b"Press Ctrl-C to stop.\n")?;
        out.flush()?;
    }
    wait_for_stop_signal().await;
    tracing::info!("simulator stopping");
    handle.shutdown().await;
    Ok(())
}

/// What `switchboard simulator` prints: the values a client needs to talk to
/// it. The client secret is shown only when it is the public demo secret.
fn banner(cfg: &SimConfig, base_url: &str) -> String {
    let secret = if cfg.client_secret.expose() == DEMO_CLIENT_SECRET {
        DEMO_CLIENT_SECRET
    } else {
        "<from --client-secret/SWITCHBOARD_SIM_SECRET>"
    };
    let traffic = if cfg.traffic {
        format!("on (speed {})", cfg.speed)
    } else {
        "off".to_string()
    };
    let limit = if cfg.rate_limit == 0 {
        "off".to_string()
    } else if cfg.rate_window == Duration::from_secs(60) {
        format!("{}/min", cfg.rate_limit)
    } else {
        format!("{} per {:?}", cfg.rate_limit, cfg.rate_window)
    };
    let extra = if cfg.conversations > 0 {
        format!(" · {} more live conversations", cfg.conversations)
    } else {
        String::new()
    };
    format!(
        "Switchboard simulator\n\
         \x20 bot id:        {}\n\
         \x20 org id:        {}\n\
         \x20 account id:    {}\n\
         \x20 client id:     {}\n\
         \x20 client secret: {secret}\n\
         \x20 base URL:      {base_url}\n\
         \x20 settings:      seed {} · faults {} · rate limit {limit} · traffic {traffic}{extra}\n",
        cfg.bot_id, cfg.org_id, cfg.account_id, cfg.client_id, cfg.seed, cfg.faults
    )
}

/// The agents and the waiting conversations at start, so that a newcomer has
/// ids to pass to `switchboard send` and `switchboard assign`.
fn directory_listing(world: &World) -> String {
    let now = server::now_ms();
    let mut out = String::from("Queues (queueId, name, waiting now):\n");
    for q in &world.queues {
        let waiting = world
            .queue_size(&q.id, &Default::default(), now)
            .and_then(|s| s.waiting)
            .unwrap_or(0);
        out.push_str(&format!("  {}  {:<10} {waiting}\n", q.id, q.name));
    }
    out.push_str("Agents (aId, name, status):\n");
    for a in &world.agents {
        out.push_str(&format!(
            "  {}  {:<16} {}\n",
            a.id,
            a.name(),
            a.presence.as_str()
        ));
    }
    let waiting: Vec<_> = world
        .conversations
        .iter()
        .filter(|c| c.status.is_waiting())
        .collect();
    if !waiting.is_empty() {
        out.push_str("Waiting conversations at start (id, channel, language, botSessionId):\n");
        // A world at scale (`--conversations`) waits in thousands: the
        // first few are enough to start with.
        let more = waiting.len().saturating_sub(MAX_LISTED_WAITING);
        for c in waiting.into_iter().take(MAX_LISTED_WAITING) {
            out.push_str(&format!(
                "  {:<8} {:<5} {}  {}\n",
                c.id,
                c.channel.as_str(),
                c.language,
                c.bot_session_id
            ));
        }
        if more > 0 {
            out.push_str(&format!("  … and {more} more\n"));
        }
    }
    out
}

/// Waiting conversations the start-up listing names at most.
const MAX_LISTED_WAITING: usize = 20;

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_is_valid_and_redacts_the_secret() {
        let cfg = SimConfig::demo();
        cfg.validate().unwrap();
        assert_eq!(cfg.rate_limit, 60);
        assert_eq!(cfg.seed, 1);
        assert!(cfg.traffic);
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains(DEMO_CLIENT_SECRET), "{dbg}");
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut cfg = SimConfig::demo();
        cfg.faults = 1.5;
        assert!(cfg.validate().is_err());
        let mut cfg = SimConfig::demo();
        cfg.faults = f64::NAN;
        assert!(cfg.validate().is_err());
        let mut cfg = SimConfig::demo();
        cfg.speed = 0.0;
        assert!(cfg.validate().is_err());
        cfg.traffic = false;
        assert!(cfg.validate().is_ok());
        let mut cfg = SimConfig::demo();
        cfg.client_secret = Secret::new("");
        assert!(cfg.validate().is_err());
        let mut cfg = SimConfig::demo();
        cfg.rate_window = Duration::ZERO;
        assert!(cfg.validate().is_err(), "a zero window with a limit");
        cfg.rate_limit = 0;
        assert!(cfg.validate().is_ok(), "no limit, no window needed");
    }

    #[test]
    fn the_banner_shows_a_short_rate_window() {
        let mut cfg = SimConfig::demo();
        cfg.rate_limit = 20;
        cfg.rate_window = Duration::from_secs(2);
        let text = banner(&cfg, "http://127.0.0.1:9");
        assert!(text.contains("rate limit 20 per 2s"), "{text}");
        cfg.rate_limit = 0;
        assert!(banner(&cfg, "http://127.0.0.1:9").contains("rate limit off"));
    }

    #[test]
    fn received_hooks_from_before_the_new_fields_still_parse() {
        let old = r#"{"conversationId":"c-1","events":[],"status":200,"tokenValid":true,
            "authHeader":"token","atMs":1,"message":"OK"}"#;
        let rec: ReceivedHook = serde_json::from_str(old).unwrap();
        assert_eq!(rec.fault, None);
        assert!(!rec.bare && !rec.duplicate && !rec.reply_lost());
        let lost = ReceivedHook {
            fault: Some(Fault::LostReply),
            ..rec
        };
        let text = serde_json::to_string(&lost).unwrap();
        assert!(text.contains(r#""fault":"lostReply""#), "{text}");
        assert_eq!(serde_json::from_str::<ReceivedHook>(&text).unwrap(), lost);
        assert!(lost.reply_lost());
    }

    #[test]
    fn the_banner_shows_only_the_demo_secret() {
        let cfg = SimConfig::demo();
        let text = banner(&cfg, "http://127.0.0.1:9");
        for needle in [
            DEMO_BOT_ID,
            DEMO_ORG_ID,
            DEMO_ACCOUNT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            "http://127.0.0.1:9",
            "rate limit 60/min",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert!(
            text.contains(&format!("\n  bot id:        {DEMO_BOT_ID}\n")),
            "{text}"
        );
        let mut own = SimConfig::demo();
        own.client_secret = Secret::new("a-private-secret-1234");
        let text = banner(&own, "http://127.0.0.1:9");
        assert!(!text.contains("a-private-secret-1234"));
        assert!(text.contains("<from --client-secret/SWITCHBOARD_SIM_SECRET>"));
    }

    #[test]
    fn base_url_shows_loopback_for_wildcards() {
        assert_eq!(
            base_url("0.0.0.0:8080".parse().unwrap()),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            base_url("127.0.0.1:9".parse().unwrap()),
            "http://127.0.0.1:9"
        );
        assert_eq!(base_url("[::]:7".parse().unwrap()), "http://[::1]:7");
    }
}
