//! `Effect::FetchDetails`: one GET of Kore's details of a conversation, at
//! the supervisor's priority, reported as `Action::DetailsLoaded`.

use super::Inner;
use crate::app::state::LogKind;
use crate::app::{Action, DetailsWhy};
use crate::kore::ratelimit::Priority;

/// Reads the details by the bot session id when known, else by the
/// conversation id; one log line for the request's answer (counts only:
/// the answer holds the customer's email and phone).
pub(super) async fn fetch(
    inner: &Inner,
    conv_id: String,
    session: Option<String>,
    why: DetailsWhy,
) {
    let call = match &session {
        Some(s) => inner.client.conversation_details(s, Priority::User).await,
        None => inner.client.conversation(&conv_id, Priority::User).await,
    };
    inner.usage();
    let (kind, result) = match &call.outcome {
        Ok(r) => (
            LogKind::In,
            format!("{} {} ms, {}", r.status, r.latency_ms, r.body_summary),
        ),
        Err(e) => (LogKind::Error, e.to_string()),
    };
    inner.send(Action::Log {
        kind,
        text: format!(
            "{} {}  details: {result}",
            call.request.method, call.request.path
        ),
    });
    inner.send(Action::DetailsLoaded {
        conv_id,
        result: call.outcome.map(|r| Box::new(r.body)),
        why,
    });
}
