//! `[[agents]]`: the optional agent directory.

use serde::Deserialize;

/// One `[[agents]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentEntry {
    /// The Kore agent id (`aId`).
    pub id: String,
    /// `participant.identity` in hooks events; the id when not given.
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub queue_name: Option<String>,
}

impl AgentEntry {
    /// The identity to put in hooks events.
    pub fn identity(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.id)
    }

    /// The name to show, or the id when there is none.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}
