//! Serde types for every Kore payload this project sends or receives.
//!
//! Shared by the client and the simulator; no logic lives here beyond parsing.
//! Parsing is lenient wherever Kore's documentation disagrees with itself
//! (`COLD`/`cold`, `isExtAD` as a bool or a string, unquoted sample keys, unknown
//! fields). Writing is exact: one canonical form per field.
//!
//! One file per endpoint, one for the lenient reader's field helpers
//! (`lenient`) and one for Kore's loose sample notation (`loose_json`); every
//! type is used from here (`kore::wire::X`).

mod agents;
mod assign;
mod availability;
mod call_error;
mod callback;
mod conversations;
pub mod details;
mod error_body;
mod hooks;
mod lenient;
mod loose_json;
pub mod odd;
mod page;
mod queue_size;
mod queues;
pub mod reason;
mod text;

pub use agents::{AgentQueue, AgentRecord};
pub use assign::{AssignRequest, AssignResponse, AssignTarget};
pub use availability::{
    AvailabilityAgent, AvailabilityRequest, AvailabilityResponse, Capacity, ChannelCapacity,
};
pub use call_error::CallError;
pub use callback::{AssignCallback, ReceivedCallback, Verdict};
pub use conversations::{
    ConversationParticipant, ConversationQuery, ConversationQueue, ConversationRecord,
    LIVE_STATUSES, is_finished_status,
};
pub use details::*;
pub use error_body::{BOT_NOT_FOUND_MESSAGE, ErrorBody, RATE_LIMIT_MESSAGE};
pub use hooks::{
    Author, CustomFields, END_OF_CONVERSATION, EndEvent, EventContext, HookEvent, HooksBody,
    INTERNAL_TRANSFER_EVENT, Participant, StatusOk, SummaryData, SummaryEvent,
    TRIGGER_SUMMARY_EVENT, TransferEvent, TransferType, Transition,
};
pub use lenient::{opt_loose_bool, opt_loose_i64, opt_loose_string};
pub use loose_json::{loosen_json, parse_loose};
pub use odd::{OddFigure, Oddity};
pub use page::Page;
pub use queue_size::{
    AgentStatusCounts, QueueSize, QueueSizeRequest, QueueSizeResponse, QueueSummary,
};
pub use queues::{QueueAgent, QueueRecord};
pub use reason::FailReason;
pub use text::clip;
