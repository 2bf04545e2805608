//! One transfer of a simulated conversation: a supervisor's assign, or
//! Kore's own move of one that waited too long. Kept by the world, shown by
//! the details endpoints.

use serde::{Deserialize, Serialize};

/// Who the simulator names as the maker of a supervisor's transfer.
pub const SUPERVISOR: &str = "Supervisor (Switchboard)";

/// One transfer of a simulated conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimTransfer {
    pub at_ms: i64,
    /// The queue it left (or stayed in, for a system move).
    pub from_queue: Option<String>,
    /// `QUEUE` or `AGENT`.
    pub kind: String,
    pub to_id: String,
    pub to_name: String,
    /// The supervisor, or None for Kore's own move.
    pub by: Option<String>,
    pub priority: Option<String>,
    /// Why Kore moved it (`OVERDUE`), for a system move.
    pub system_reason: Option<String>,
}

impl SimTransfer {
    /// A supervisor's assign.
    pub fn by_supervisor(
        at_ms: i64,
        from_queue: Option<String>,
        kind: &str,
        to_id: &str,
        to_name: &str,
    ) -> SimTransfer {
        SimTransfer {
            at_ms,
            from_queue,
            kind: kind.to_string(),
            to_id: to_id.to_string(),
            to_name: to_name.to_string(),
            by: Some(SUPERVISOR.to_string()),
            priority: None,
            system_reason: None,
        }
    }

    /// Kore's move of a conversation that waited too long: back into its
    /// queue at the highest priority (as the docs' sample shows).
    pub fn overdue(at_ms: i64, queue_id: &str, queue_name: &str) -> SimTransfer {
        SimTransfer {
            at_ms,
            from_queue: Some(queue_id.to_string()),
            kind: "QUEUE".into(),
            to_id: queue_id.to_string(),
            to_name: queue_name.to_string(),
            by: None,
            priority: Some("HIGHEST".into()),
            system_reason: Some("OVERDUE".into()),
        }
    }
}
