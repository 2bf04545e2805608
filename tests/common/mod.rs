//! Fixtures shared by the integration tests that use them (`mod common;`).

#![allow(dead_code, reason = "each test binary uses a part")]

use switchboard::app::Effect;
use switchboard::domain::{AgentRef, Event};
use switchboard::kore::hooks::EventContext;
use switchboard::sim::{self, SimConfig, SimHandle};

/// The simulator on a free loopback port: demo credentials, no traffic, no
/// rate limit, callbacks after 50 ms.
pub async fn simulator() -> SimHandle {
    switchboard::install_crypto();
    let mut cfg = SimConfig::demo();
    cfg.traffic = false;
    cfg.rate_limit = 0;
    cfg.callback_delay_ms = 50;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    sim::start(cfg, listener).await.unwrap()
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
