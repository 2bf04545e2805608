//! The simulator's own loopback-only endpoints (`/__sim/...`: what it
//! received, rosters, callbacks, outages set by tests), and the task that
//! makes traffic.

#![allow(
    clippy::result_large_err,
    reason = "a refusal is an axum Response, moved once per request"
)]

use super::*;

pub(super) fn loopback_only(peer: SocketAddr) -> Result<(), Response> {
    if peer.ip().is_loopback() {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "introspection is only served to loopback clients",
        ))
    }
}

/// `POST /__sim/outage {"status": 503}`: every Kore endpoint answers with
/// that status until `DELETE /__sim/outage`; with `"conversation": "c-1"`,
/// only hooks requests for that conversation do. For tests of the client's
/// delivery under failure.
pub(super) async fn sim_outage_set(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    let v = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
    let status = v
        .get("status")
        .and_then(|s| s.as_u64())
        .filter(|s| (400..600).contains(s));
    let only = v
        .get("conversation")
        .and_then(|c| c.as_str())
        .map(str::to_string);
    match status {
        Some(s) => {
            sh.lock().outage = Some((s as u16, only.clone()));
            json(&serde_json::json!({ "outage": s, "conversation": only }))
        }
        None => error(
            StatusCode::BAD_REQUEST,
            "send {\"status\": N} with N from 400 to 599",
        ),
    }
}

pub(super) async fn sim_outage_clear(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    sh.lock().outage = None;
    json(&serde_json::json!({ "outage": null }))
}

pub(super) async fn sim_received(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    let list: Vec<ReceivedHook> = sh.lock().received.iter().cloned().collect();
    json(&list)
}

pub(super) async fn sim_roster(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(conversation_id): Path<String>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    match sh.lock().rosters.get(&conversation_id) {
        Some(r) => json(r),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no roster for conversation {conversation_id}"),
        ),
    }
}

pub(super) async fn sim_callbacks(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    let list: Vec<SentCallback> = sh.lock().callbacks.iter().cloned().collect();
    json(&list)
}

// ---------------------------------------------------------------------------
// Traffic generator task
// ---------------------------------------------------------------------------

pub(crate) async fn run_traffic(sh: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let speed = sh.cfg.speed;
    let mut next_ms: u64 = 2_000;
    loop {
        let secs = (next_ms as f64 / 1000.0 / speed).min(3600.0);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => {}
            _ = stopped.changed() => return,
        }
        let step = {
            let mut guard = sh.lock();
            let st = &mut *guard;
            world::step(&mut st.world, &mut st.traffic_rng, now_ms())
        };
        for line in &step.changes {
            tracing::debug!(target: "switchboard::sim::traffic", "{line}");
        }
        next_ms = step.next_in_ms;
    }
}
