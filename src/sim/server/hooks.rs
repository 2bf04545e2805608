//! The Hooks API: transfer events checked against the roster, replays
//! recognised, faults and slow answers on demand.

#![allow(
    clippy::result_large_err,
    reason = "a refusal is an axum Response, moved once per request"
)]

use super::*;

pub(super) async fn hooks(
    State(sh): State<Arc<Shared>>,
    Path(bot_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut rec = ReceivedHook {
        conversation_id: String::new(),
        events: Vec::new(),
        status: 0,
        token_valid: false,
        auth_header: String::new(),
        at_ms: now_ms(),
        message: String::new(),
        fault: None,
        bare: false,
        duplicate: false,
    };
    match hooks_inner(&sh, &bot_id, &headers, body, &mut rec).await {
        // Accepted requests were recorded together with their roster change.
        Ok(resp) => {
            if let Some(Slow(ms)) = resp.extensions().get::<Slow>().cloned() {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            resp
        }
        Err(resp) => {
            rec.status = if resp.extensions().get::<Dropped>().is_some() {
                0
            } else {
                resp.status().as_u16()
            };
            rec.message = resp
                .extensions()
                .get::<Note>()
                .map(|n| n.0.clone())
                .unwrap_or_default();
            if let Some(f) = resp.extensions().get::<Fault>() {
                rec.fault = Some(*f);
            }
            let lost = rec.reply_lost();
            if lost {
                rec.message.push_str(LOST_NOTE);
            }
            tracing::info!(
                conversation = %rec.conversation_id,
                status = rec.status,
                reason = %rec.message,
                "hooks request refused"
            );
            sh.lock().push_received(rec);
            if lost { dropped_connection() } else { resp }
        }
    }
}

/// Added to the recorded message of a request whose reply was lost.
pub(super) const LOST_NOTE: &str = " (reply lost: connection dropped, simulated fault)";

/// A hooks success in one of its two documented forms.
pub(super) fn hooks_ok(bare: bool) -> Response {
    if bare {
        StatusCode::OK.into_response()
    } else {
        json(&StatusOk {
            status: "OK".into(),
        })
    }
}

pub(super) async fn hooks_inner(
    sh: &Shared,
    bot_id: &str,
    headers: &HeaderMap,
    body: Body,
    rec: &mut ReceivedHook,
) -> Result<Response, Response> {
    let bytes = read_body(body).await?;
    sh.chaos_gate()?;
    // Parsed before the checks so that a refused request is still recorded
    // with what it carried.
    let parsed: Result<HooksBody, String> = parse_json(&bytes);
    if let Ok(b) = &parsed {
        rec.conversation_id = b.conversation_id.clone();
        rec.events = b.events.clone();
    }

    authenticate(sh, headers, rec)?;

    // Hooks requests carry no accountid header, so they are counted against
    // the configured account: one budget for everything the console sends.
    sh.check_rate(&sh.cfg.account_id)?;
    let conversation = parsed
        .as_ref()
        .ok()
        .map(|b| b.conversation_id.trim().to_string());
    // Hooks requests always name a conversation for the fault injection, so
    // that they can meet a lost reply; an unreadable body names "".
    rec.fault = sh
        .inject_fault(Some(conversation.as_deref().unwrap_or("")))
        .await?;

    let body = checked_body(sh, bot_id, parsed)?;
    let cid = body.conversation_id.trim();

    let now = now_ms();
    let lose_reply = rec.reply_lost();
    let mut st = sh.lock();
    // Only the request right after a lost reply can be its replay: whatever
    // comes now, the chance is used up (unless this reply is lost again).
    let replay_of = st.replayable.remove(cid);
    if replay_of.as_deref() == Some(body.events.as_slice()) {
        return Ok(answer_replay(&mut st, cid, &body, rec, lose_reply));
    }
    let mut current = st.rosters.get(cid).cloned().unwrap_or_default();
    // Agents entered elsewhere (routing, an assign taken up, a desktop) are
    // present for the hooks rules too: one picture, as Kore keeps it.
    if let Some(entered) = st.world.entered_agents(cid) {
        current.follow(&entered);
    }
    let next = current
        .check_all(&body.events)
        .map_err(|why| error(StatusCode::BAD_REQUEST, why))?;
    let entered = body
        .events
        .iter()
        .any(|e| matches!(e, HookEvent::InternalTransfer(t) if t.transition == Transition::Entry));
    let ended = next.ended && !current.ended;
    st.world.follow_hooks(cid, &next.present, now);
    st.world.on_hooks(cid, entered, ended, now);
    tracing::info!(
        conversation = %cid,
        events = body.events.len(),
        present = ?next.present,
        "hooks request accepted"
    );
    st.rosters.insert(cid.to_string(), next);
    rec.status = 200;
    if let Some(ms) = st.chaos.slow_ms {
        // Applied now, answered late: a client that gives up and tries
        // again sends a replay, recognised like one after a lost reply.
        st.replayable.insert(cid.to_string(), body.events.clone());
        rec.bare = st.reply_rng.random_bool(0.5);
        rec.message = format!("OK, applied, answered after {ms} ms (slow, simulated)");
        st.push_received(rec.clone());
        let mut r = hooks_ok(rec.bare);
        r.extensions_mut().insert(Slow(ms));
        return Ok(r);
    }
    if lose_reply {
        st.replayable.insert(cid.to_string(), body.events.clone());
        rec.message = format!("OK, applied{LOST_NOTE}");
        st.push_received(rec.clone());
        return Ok(dropped_connection());
    }
    rec.bare = st.reply_rng.random_bool(0.5);
    rec.message = "OK".into();
    st.push_received(rec.clone());
    Ok(hooks_ok(rec.bare))
}

// ---------------------------------------------------------------------------
// assign-conversation and its callback
// ---------------------------------------------------------------------------

/// The token, from either documented header, checked.
fn authenticate(sh: &Shared, headers: &HeaderMap, rec: &mut ReceivedHook) -> Result<(), Response> {
    // The docs' endpoint tables say `auth`, their samples say `token`: both work.
    let (name, token) = pick_token(headers, &["token", "auth"]);
    rec.auth_header = name.to_string();
    let token = token.ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "no JWT: send it in the token header (or auth)",
        )
    })?;
    sh.verify_token(&token)
        .map_err(|why| error(StatusCode::UNAUTHORIZED, why))?;
    rec.token_valid = true;
    Ok(())
}

/// The body, read and checked: this bot, a conversation, some events.
fn checked_body(
    sh: &Shared,
    bot_id: &str,
    parsed: Result<HooksBody, String>,
) -> Result<HooksBody, Response> {
    if bot_id != sh.cfg.bot_id {
        return Err(bot_not_found());
    }
    let body = parsed.map_err(|why| error(StatusCode::BAD_REQUEST, why))?;
    if body.bot_id.trim().is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "botId is missing from the request body",
        ));
    }
    if body.bot_id != sh.cfg.bot_id {
        return Err(bot_not_found());
    }
    if body.conversation_id.trim().is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "conversationId is missing from the request body",
        ));
    }
    if body.events.is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "events is missing or empty; send at least one event",
        ));
    }
    Ok(body)
}

/// The request right after a lost reply, carrying the same events: a
/// replay, answered OK and not applied again (its reply may be lost too).
fn answer_replay(
    st: &mut SimState,
    cid: &str,
    body: &HooksBody,
    rec: &mut ReceivedHook,
    lose_reply: bool,
) -> Response {
    rec.status = 200;
    rec.duplicate = true;
    tracing::info!(conversation = %cid, "hooks request is a replay of a lost reply");
    if lose_reply {
        st.replayable.insert(cid.to_string(), body.events.clone());
        rec.message = format!("OK, a replay, not applied again{LOST_NOTE}");
        st.push_received(rec.clone());
        return dropped_connection();
    }
    rec.bare = st.reply_rng.random_bool(0.5);
    rec.message = "OK, a replay of a request whose reply was lost, not applied again".into();
    st.push_received(rec.clone());
    hooks_ok(rec.bare)
}
