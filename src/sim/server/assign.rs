//! assign-conversation: the request, its answer and the callback posted
//! back to the caller afterwards.

#![allow(
    clippy::result_large_err,
    reason = "a refusal is an axum Response, moved once per request"
)]

use super::*;

pub(super) async fn assign(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match assign_inner(sh, &stream_id, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

pub(super) async fn assign_inner(
    sh: Arc<Shared>,
    stream_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let bytes = read_body(body).await?;
    sh.gate(headers, stream_id).await?;
    let req: AssignRequest =
        parse_json(&bytes).map_err(|why| error(StatusCode::BAD_REQUEST, why))?;
    let bad = |why: String| error(StatusCode::BAD_REQUEST, why);
    let url = req.callback_url.trim();
    if url.is_empty() {
        return Err(bad("callbackUrl is required".into()));
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(bad(format!(
                "callbackUrl {url:?} is not an http or https URL"
            )));
        }
    }
    let session = req.bot_session_id.trim().to_string();
    if session.is_empty() {
        return Err(bad("botSessionId is required".into()));
    }
    let org = req.org_id.as_deref().map(str::trim).unwrap_or("");
    if !org.is_empty() && org != sh.cfg.org_id {
        return Err(bad(format!(
            "orgId {org} is not this account's organization"
        )));
    }
    let target = req.target().ok_or_else(|| {
        bad("name one target: aId for an agent, or transferredType \"QUEUE\" with queueId".into())
    })?;
    let (agent_id, queue_id) = match &target {
        AssignTarget::Agent(a) => (Some(a.clone()), None),
        AssignTarget::Queue(q) => (None, Some(q.clone())),
    };
    tracing::info!(session = %session, target = ?target, "assign-conversation accepted");
    let slow = {
        let mut st = sh.lock();
        st.assigns_accepted += 1;
        st.chaos.slow_ms
    };
    tokio::spawn(deliver_callback(
        sh.clone(),
        url.to_string(),
        session.clone(),
        target,
    ));
    if let Some(ms) = slow {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(json(&AssignResponse {
        session_id: session,
        agent_id,
        queue_id,
        status: "transferred".into(),
        request_completed_at: Some(now_ms()),
    }))
}

/// Waits the callback delay, carries out the transfer in the world, and posts
/// the outcome to the callback URL (unless fault injection drops it).
pub(super) async fn deliver_callback(
    sh: Arc<Shared>,
    url: String,
    session: String,
    target: AssignTarget,
) {
    let mut stopped = sh.stopped.clone();
    let (base, jitter) = {
        let mut st = sh.lock();
        let base = st
            .chaos
            .callback_delay_ms
            .unwrap_or(sh.cfg.callback_delay_ms);
        (base, st.jitter_rng.random_range(0..=base / 2))
    };
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(base + jitter)) => {}
        _ = stopped.changed() => return,
    }
    let now = now_ms();
    let (body, dropped) = {
        let mut st = sh.lock();
        let outcome = match &target {
            AssignTarget::Agent(a) => st.world.assign_to_agent(&session, a, now),
            AssignTarget::Queue(q) => st.world.assign_to_queue(&session, q, now),
        };
        let (agent_id, queue_id) = match &target {
            AssignTarget::Agent(a) => (Some(a.clone()), None),
            AssignTarget::Queue(q) => (None, Some(q.clone())),
        };
        let body = AssignCallback {
            session_id: Some(session.clone()),
            agent_id,
            queue_id,
            status: Some(
                if outcome.is_ok() {
                    "transferred"
                } else {
                    "failed"
                }
                .into(),
            ),
            reason: outcome.err(),
            request_completed_at: Some(now),
            extra: Default::default(),
        };
        let dropped = sh.cfg.faults > 0.0 && st.fault_rng.random_bool(sh.cfg.faults);
        // Chaos: other names and shapes over what it would say.
        let mut wire = match serde_json::to_value(&body) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        for (k, v) in &st.chaos.callback_extra {
            wire.insert(k.clone(), v.clone());
        }
        (wire, dropped)
    };
    let wire = serde_json::Value::Object(body);
    let body = match &wire {
        serde_json::Value::Object(m) => AssignCallback::from_object(m.clone()),
        _ => AssignCallback::default(),
    };
    let mut record = SentCallback {
        url: url.clone(),
        body: body.clone(),
        status: None,
        error: None,
        dropped,
        at_ms: now,
    };
    if dropped {
        tracing::info!(session = %session, "assign callback dropped (simulated fault)");
        sh.lock().push_callback(record);
        return;
    }
    let sent = tokio::select! {
        r = sh.http.post(&url).json(&wire).send() => r,
        _ = stopped.changed() => return,
    };
    match sent {
        Ok(resp) => record.status = Some(resp.status().as_u16()),
        Err(e) => record.error = Some(error_chain(&e)),
    }
    tracing::info!(
        session = %session,
        status = ?record.status,
        error = ?record.error,
        outcome = ?body.status,
        "assign callback posted"
    );
    sh.lock().push_callback(record);
}

// ---------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------

/// An error with every cause after it, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    text
}
