//! The in-process simulator on loopback, a client for it and a runner wired
//! to both, as the console wires them.

use std::sync::Arc;
use std::time::Duration;
use switchboard::app::{Action, Effect};
use switchboard::domain::{AgentRef, Event};
use switchboard::kore::client::{ClientSettings, KoreClient};
use switchboard::kore::hooks::EventContext;
use switchboard::kore::wire::HookEvent;
use switchboard::runtime::callback::{CallbackListener, ReceivedCallback};
use switchboard::runtime::journal::Journal;
use switchboard::runtime::runner::Runner;
use switchboard::sim::{self, SimConfig, SimHandle};
use tokio::sync::mpsc;

/// The simulator on a free loopback port: demo credentials, no traffic, no
/// rate limit, callbacks after 50 ms.
pub async fn simulator() -> SimHandle {
    simulator_with(|_| {}).await
}

/// [`simulator`], with `tweak` applied to its config before it starts.
pub async fn simulator_with(tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    switchboard::install_crypto();
    let mut cfg = SimConfig::demo();
    cfg.traffic = false;
    cfg.rate_limit = 0;
    cfg.callback_delay_ms = 50;
    tweak(&mut cfg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    sim::start(cfg, listener).await.unwrap()
}

/// A client the simulator accepts, with no limit of its own and 5 s per
/// request, then `tweak` applied.
pub fn client(sim: &SimHandle, tweak: impl FnOnce(&mut ClientSettings)) -> KoreClient {
    let mut s = ClientSettings {
        rate_limit_per_minute: 0,
        hooks_rate_limit_per_minute: None,
        reserved_for_actions_per_minute: None,
        request_timeout: Duration::from_secs(5),
        ..sim.client_settings()
    };
    tweak(&mut s);
    KoreClient::new(&s).unwrap()
}

/// A runner, what it reports, and the callbacks its listener took.
pub struct Run {
    pub runner: Runner,
    pub rx: mpsc::UnboundedReceiver<Action>,
    pub callbacks: mpsc::UnboundedReceiver<ReceivedCallback>,
}

/// A runner for `client` with a callback listener on loopback, trying each
/// request `max_attempts` times.
pub async fn runner(client: KoreClient, journal: Option<Journal>, max_attempts: u32) -> Run {
    let (listener, callbacks) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner =
        Runner::new(client, tx, journal, Arc::new(listener)).with_max_attempts(max_attempts);
    Run {
        runner,
        rx,
        callbacks,
    }
}

/// An NA entry of Mia into `conversation`, as request `req_id`.
pub fn na_entry_effect(req_id: &str, conversation: &str) -> Effect {
    Effect::SendEvent {
        req_id: req_id.into(),
        conversation: conversation.into(),
        event: Event::na_entry(AgentRef::new("a-1", "Mia")),
        ctx: EventContext::default(),
        action: "enter".into(),
    }
}

/// A hooks event as "TYPE transition identity", or its name.
pub fn describe(ev: &HookEvent) -> String {
    match ev {
        HookEvent::InternalTransfer(t) => {
            format!(
                "{} {} {}",
                t.transfertype, t.transition, t.participant.identity
            )
        }
        other => other.name().to_string(),
    }
}
