//! Kore's details of a conversation: asking (one request in flight per
//! conversation) and keeping the answer.

use super::*;
use crate::app::details::{DetailsWhy, KoreDetails};
use crate::kore::wire::{CallError, ConversationDetails};

/// Asks for a conversation's details, unless a request for it is already
/// out (then nothing is asked: its answer will do) or the conversation is
/// unknown. The one way to make `Effect::FetchDetails`.
pub fn request_details(state: &mut State, conv_id: &str, why: DetailsWhy) -> Vec<Effect> {
    let Some(conv) = state.model.conversations.get(conv_id) else {
        return Vec::new();
    };
    if state.requests.details_in_flight.contains(conv_id) {
        return Vec::new();
    }
    let session = conv.bot_session_id.clone().filter(|s| !s.is_empty());
    state.requests.details_in_flight.insert(conv_id.to_string());
    let by = if session.is_some() {
        "by session"
    } else {
        "by id"
    };
    state.log.push(
        state.now_ms,
        LogKind::Out,
        format!(
            "details: asking Kore about {conv_id} ({by}; {})",
            why.label()
        ),
    );
    vec![Effect::FetchDetails {
        conv_id: conv_id.to_string(),
        session,
        why,
    }]
}

/// Details are asked for on a conversation's first opening only: not again
/// once they came, failed, or are on their way.
pub(super) fn details_on_open(state: &mut State, conv_id: &str) -> Vec<Effect> {
    let asked = state
        .model
        .conversations
        .get(conv_id)
        .is_none_or(|c| c.details.is_some() || c.details_error.is_some());
    if asked {
        return Vec::new();
    }
    request_details(state, conv_id, DetailsWhy::Opened)
}

/// An answer to `Effect::FetchDetails`: kept (cleaned) on the conversation,
/// or its failure kept to be shown. One log line either way, without the
/// customer's profile.
pub(super) fn details_loaded(
    state: &mut State,
    conv_id: &str,
    result: Result<Box<ConversationDetails>, CallError>,
    why: DetailsWhy,
) {
    state.requests.details_in_flight.remove(conv_id);
    let now = state.now_ms;
    let line = match &result {
        Ok(d) => format!("details of {conv_id} ({}): {}", why.label(), counts(d)),
        Err(e) => format!("details of {conv_id} ({}): {}", why.label(), failure(e)),
    };
    let kind = if result.is_ok() {
        LogKind::In
    } else {
        LogKind::Error
    };
    if !state.model.conversations.contains_key(conv_id) {
        let line = format!("{line} (the conversation is no longer listed; not kept)");
        state.log.push(now, kind, line);
        return;
    }
    state.log.push(now, kind, line);
    let Some(conv) = state.model.conversations.change(conv_id) else {
        return;
    };
    match result {
        Ok(d) => {
            conv.details = Some(KoreDetails::new(*d, now));
            conv.details_error = None;
        }
        Err(e) => conv.details_error = Some(failure(&e)),
    }
}

/// `Kore answered 404 …` or what went wrong on the way.
pub fn failure(e: &CallError) -> String {
    match e.status() {
        Some(_) => clean(&format!("Kore answered {e}"), MAX_FIELD * 2),
        None => clean(&e.to_string(), MAX_FIELD * 2),
    }
}

/// What an answer held, counted (no names, no contact data).
fn counts(d: &ConversationDetails) -> String {
    format!(
        "{} participant(s), {} transfer(s), {} summary line(s), {} note(s)",
        d.participants.len(),
        d.transfer_details.len(),
        d.summary.len(),
        d.notes.len()
    )
}
