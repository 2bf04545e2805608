//! assign-conversation (`POST /agentassist/api/v1/public/{streamId}/assign-conversation`):
//! the request, its target (an agent or a queue), and the immediate answer.

use super::lenient::opt_loose_i64;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// The body of assign-conversation. The docs list these as query parameters,
/// but every sample sends them as JSON, and so does this client.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignRequest {
    #[serde(default)]
    pub callback_url: String,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(rename = "aId", default)]
    pub a_id: Option<String>,
    #[serde(default)]
    pub transferred_type: Option<String>,
    #[serde(default)]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub bot_session_id: String,
}

/// What an assign request targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTarget {
    Agent(String),
    Queue(String),
}

impl AssignRequest {
    pub fn new(
        callback_url: impl Into<String>,
        org_id: impl Into<String>,
        bot_session_id: impl Into<String>,
        target: &AssignTarget,
    ) -> Self {
        let (a_id, transferred_type, queue_id) = match target {
            AssignTarget::Agent(a) => (Some(a.clone()), None, None),
            AssignTarget::Queue(q) => (None, Some("QUEUE".to_string()), Some(q.clone())),
        };
        AssignRequest {
            callback_url: callback_url.into(),
            org_id: Some(org_id.into()),
            a_id,
            transferred_type,
            queue_id,
            bot_session_id: bot_session_id.into(),
        }
    }

    /// The target, when the body names exactly one.
    pub fn target(&self) -> Option<AssignTarget> {
        let is_queue = self
            .transferred_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("QUEUE"));
        match (&self.a_id, &self.queue_id) {
            (Some(a), None) if !a.is_empty() && !is_queue => Some(AssignTarget::Agent(a.clone())),
            (None, Some(q)) if !q.is_empty() => Some(AssignTarget::Queue(q.clone())),
            (Some(_), Some(q)) if is_queue && !q.is_empty() => Some(AssignTarget::Queue(q.clone())),
            _ => None,
        }
    }
}

/// The immediate answer to assign-conversation.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignResponse {
    #[serde(default)]
    pub session_id: String,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub request_completed_at: Option<i64>,
}
