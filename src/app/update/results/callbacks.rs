//! An assign callback: matched to its request, judged, and a replay of
//! one already applied said once.

use super::*;

/// A callback is matched by the request id in its path. Only a callback
/// whose path carries no request id is matched by its bot session id. A
/// callback for a request that is no longer awaited (it timed out, or
/// another callback came first) updates that request alone, as a late one.
/// Whatever it says, understood or not, it makes a line in the log.
pub(in crate::app::update) fn on_callback(
    state: &mut State,
    cb: crate::kore::wire::ReceivedCallback,
) -> Vec<Effect> {
    use crate::kore::wire::Verdict;
    let now = state.now_ms;
    let verdict = match &cb.problem {
        Some(problem) => Verdict::Unclear(problem.clone()),
        None => cb.body.verdict(),
    };
    let summary = clean(&cb.summary, MAX_FIELD);
    let matched = match_callback(state, &cb);
    let agent = match (&cb.body.agent_id, &cb.body.queue_id) {
        (Some(a), _) => state.agent_name(a),
        (None, Some(q)) => format!("queue {}", clean(&state.queue_name(q), MAX_FIELD)),
        (None, None) => "?".into(),
    };
    let reason = clean(
        cb.body.reason.as_deref().unwrap_or("no reason given"),
        MAX_FIELD,
    );
    let status = cb.body.status_text().map(|s| clean(&s, MAX_FIELD));
    let (ok, outcome, mut shown) = judge(&verdict, status, &reason);
    let Some((req_id, conv, late)) = matched else {
        let which = match cb.request_id.as_deref() {
            Some(id) => format!("unknown request {}", clean(id, MAX_FIELD)),
            None => "no pending request".to_string(),
        };
        state.log.push(
            now,
            LogKind::Callback,
            format!("callback for {which} ({summary}): {outcome}"),
        );
        return Vec::new();
    };
    state.requests.forget_assign(&req_id);
    if let AssignState::CallbackFailed { why, .. } = &mut shown {
        let name = match &cb.body.agent_id {
            Some(_) => Some(agent.clone()),
            None => assign_target_name(state, &conv, &req_id),
        };
        if let Some(name) = name {
            *why = why.clone().with_agent(&name);
        }
    }
    let was = match timeline_event_mut(&mut state.model, &conv, &req_id) {
        Some(TimelineItem::Assign { state: st, .. }) => Some(st.clone()),
        _ => None,
    };
    if late && was.as_ref() == Some(&shown) {
        repeated_callback(
            &mut state.requests,
            &mut state.log,
            state.now_ms,
            &conv,
            &req_id,
        );
        return Vec::new();
    }
    set_assign(&mut state.model, &conv, &req_id, shown.clone());
    if ok && let Some(c) = state.model.conversations.change(&conv) {
        c.assigned_agent = cb.body.agent_id.clone();
    }
    let late_note = match (&was, late) {
        (Some(AssignState::TimedOut), true) => " (late: it had timed out)".to_string(),
        (Some(before), true) => format!(" (late: it was {})", assign_state_word(before)),
        _ => String::new(),
    };
    let bad = !ok;
    let unclear = matches!(shown, AssignState::Unclear { .. });
    state.log.push(
        now,
        if bad {
            LogKind::Error
        } else {
            LogKind::Callback
        },
        if unclear {
            format!("callback assign {conv} ({req_id}){late_note}: {outcome}  body: {summary}")
        } else {
            format!("callback assign {conv} → {agent}{late_note}: {outcome}")
        },
    );
    state.views.flash = Some((
        format!("assign {conv} → {agent}{late_note}: {outcome}"),
        bad,
    ));
    vec![Effect::RecordCallback {
        req_id,
        ok,
        summary: match verdict {
            Verdict::Success => outcome,
            Verdict::Failure => reason,
            Verdict::Unclear(_) => outcome,
        },
    }]
}

/// A callback that says again what its request already shows (a replay):
/// said once per request, then only counted; nothing changes.
pub(super) fn repeated_callback(
    requests: &mut Requests,
    log: &mut Log,
    now: i64,
    conv: &str,
    req_id: &str,
) {
    if requests.count_repeat(req_id) == 1 {
        log.push(
            now,
            LogKind::Callback,
            format!(
                "callback assign {conv} ({req_id}): a duplicate of the answer already taken; ignored (more duplicates are not logged)"
            ),
        );
    }
}

/// The assign request a callback answers: by the request id in its path
/// (`late` when it no longer waits), else, without one, by its session.
/// Returns (request id, conversation, late).
pub(super) fn match_callback(
    state: &State,
    cb: &crate::kore::wire::ReceivedCallback,
) -> Option<(String, String, bool)> {
    match cb.request_id.as_deref() {
        Some(id) => match state.requests.awaiting_callback.get(id) {
            Some(conv) => Some((id.to_string(), conv.clone(), false)),
            None => assign_conversation(state, id).map(|conv| (id.to_string(), conv, true)),
        },
        None => cb.body.session_id.as_deref().and_then(|session| {
            state
                .requests
                .awaiting_callback
                .iter()
                .find_map(|(id, conv)| {
                    (state
                        .model
                        .conversations
                        .get(conv)?
                        .bot_session_id
                        .as_deref()
                        == Some(session))
                    .then(|| (id.clone(), conv.clone(), false))
                })
        }),
    }
}

/// A callback's verdict as (succeeded, the outcome's words, the assign's
/// new state).
pub(super) fn judge(
    verdict: &crate::kore::wire::Verdict,
    status: Option<String>,
    reason: &str,
) -> (bool, String, AssignState) {
    use crate::kore::wire::Verdict;
    match verdict {
        Verdict::Success => {
            let outcome = status.unwrap_or_else(|| "ok".into());
            (true, outcome, AssignState::Transferred)
        }
        Verdict::Failure => (
            false,
            format!("{}: {reason}", status.as_deref().unwrap_or("failed")),
            AssignState::CallbackFailed {
                reason: reason.to_string(),
                why: FailReason::from_message(reason),
            },
        ),
        Verdict::Unclear(why) => {
            let why = clean(why, MAX_FIELD);
            (
                false,
                format!("{NOT_UNDERSTOOD}: {why}"),
                AssignState::Unclear { reason: why },
            )
        }
    }
}

/// What the journal and the screen call a callback that was neither a
/// success nor a failure.
pub const NOT_UNDERSTOOD: &str = "callback not understood";
