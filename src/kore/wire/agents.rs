//! List all agents: one agent of list-agents and its queues.

use super::lenient::{opt_loose_bool, opt_loose_i64, vec_or_one};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// One agent of list-agents. The response table and the sample disagree on
/// names (`name`/`email`/`isActive` vs `firstName`.../`emailId`/`status`):
/// both sets are read.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRecord {
    #[serde(default, alias = "_id")]
    pub id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub nick_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_id: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub is_active: Option<bool>,
    /// Account status (`ACTIVE`), not presence.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub online_status: Option<String>,
    /// Presence: `AVAILABLE`, `BUSY`, `AWAY`, `OFFLINE`.
    #[serde(default)]
    pub online_status_type: Option<String>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub can_support_chat: Option<bool>,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub max_chat_support: Option<i64>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub can_support_voice: Option<bool>,
    /// Typed object in the table, an array in the sample.
    #[serde(
        default,
        deserialize_with = "vec_or_one",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub queues: Vec<AgentQueue>,
    #[serde(default)]
    pub role: Option<String>,
}

impl AgentRecord {
    /// A display name from whichever name fields are present.
    pub fn display_name(&self) -> String {
        if let Some(n) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return n.trim().to_string();
        }
        let full = format!(
            "{} {}",
            self.first_name.as_deref().unwrap_or(""),
            self.last_name.as_deref().unwrap_or("")
        );
        let full = full.trim();
        if !full.is_empty() {
            return full.to_string();
        }
        self.nick_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| self.id.clone())
    }

    pub fn email_address(&self) -> Option<&str> {
        self.email_id
            .as_deref()
            .or(self.email.as_deref())
            .filter(|e| !e.is_empty())
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentQueue {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}
