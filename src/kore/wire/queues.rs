//! List queues: one queue and its agents.

use super::lenient::opt_loose_bool;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRecord {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub is_active: Option<bool>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub is_default: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<QueueAgent>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueAgent {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub is_preferred_agent: Option<bool>,
}
