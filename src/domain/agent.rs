//! Who takes part in a conversation: agents, their roles and when they joined.

use serde::{Deserialize, Serialize};

/// An agent as the transfer rules see them.
///
/// `id` is the key for every comparison ("is this agent already here?").
/// `identity` is what goes into `participant.identity` of a hooks event; it
/// is often the same string as `id`, but an external directory may use its
/// own. The remaining fields are carried along for display and for the
/// optional `customFields` of the hooks payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentRef {
    /// Kore agent id (`aId`).
    pub id: String,
    /// `participant.identity` in hooks events.
    pub identity: String,
    /// Name shown to the supervisor and sent as `participant.name`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
}

impl AgentRef {
    /// An agent whose hooks identity is the same as its id.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        let id = id.into();
        AgentRef {
            identity: id.clone(),
            id,
            name: name.into(),
            email: None,
            queue_id: None,
            queue_name: None,
        }
    }

    /// Replaces the hooks identity (when the directory differs from `aId`).
    pub fn with_identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = identity.into();
        self
    }

    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    pub fn with_queue(
        mut self,
        queue_id: impl Into<String>,
        queue_name: impl Into<String>,
    ) -> Self {
        self.queue_id = Some(queue_id.into());
        self.queue_name = Some(queue_name.into());
        self
    }

    /// The name to show a person: the agent's name, or its id when the name
    /// is blank.
    pub fn label(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.id
        } else {
            &self.name
        }
    }

    /// Whether both refer to the same agent (same `id`), whatever the other
    /// fields say.
    pub fn same_agent(&self, other: &AgentRef) -> bool {
        self.id == other.id
    }
}

/// The part an agent plays in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Owns the conversation. At most one at a time.
    Primary,
    /// Joined through a warm transfer, alongside the primary.
    Consultant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Consultant => "consultant",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An agent present in the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub agent: AgentRef,
    pub role: Role,
    /// When the agent entered, in milliseconds since the Unix epoch (or any
    /// clock the caller chooses; the rules never read it).
    pub since_ms: i64,
}

impl Member {
    pub fn is_primary(&self) -> bool {
        self.role == Role::Primary
    }
}
