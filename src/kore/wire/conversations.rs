//! list-conversations (and get-conversation's record): one conversation,
//! its participants and queues, the query, and the live statuses.

use super::lenient::{opt_loose_bool, opt_loose_i64, opt_loose_string};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// One conversation of list-conversations or get-conversation. Only the fields
/// the console uses are typed; the rest of the record is ignored.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationRecord {
    /// `c-...`. Documented as integer `id`; the samples send string `_id`.
    #[serde(
        rename = "_id",
        alias = "id",
        default,
        deserialize_with = "opt_loose_string"
    )]
    pub id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub bot_session_id: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub conversation_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ConversationParticipant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<ConversationQueue>,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub wait_time: Option<i64>,
    /// Typed string in the table, a number or null in the samples.
    #[serde(default, deserialize_with = "opt_loose_string")]
    pub priority: Option<String>,
    /// Typed boolean in the table, `"YES"`/`"NO"` in the samples.
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub survey_required: Option<bool>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub start_session_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub accepted_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub key_intent_name: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
}

impl ConversationRecord {
    /// The id to use in hooks calls: `conversationId` when present, else `_id`.
    pub fn hooks_id(&self) -> Option<&str> {
        self.conversation_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.id.as_deref())
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationParticipant {
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub assigned_at: Option<String>,
    #[serde(default)]
    pub start_time_stamp: Option<String>,
    #[serde(default)]
    pub end_time_stamp: Option<String>,
    #[serde(default)]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub queue_name: Option<String>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub is_transferred: Option<bool>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationQueue {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub start_time: Option<String>,
}

/// Query parameters of list-conversations. All optional.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationQuery {
    #[serde(default)]
    pub skip: Option<u32>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Several statuses, sent as repeated `status` parameters (the docs type
    /// `status` as an array and give no format for it).
    #[serde(skip)]
    pub statuses: Vec<String>,
}

/// The statuses of a live conversation (list-conversations' enum, without
/// CLOSED and TERMINATED).
pub const LIVE_STATUSES: [&str; 4] = ["OPEN", "ACTIVE", "IDLE", "OVERDUE"];

/// Whether a conversation's status says it is over.
pub fn is_finished_status(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_uppercase().as_str(),
        "CLOSED" | "TERMINATED"
    )
}
