//! The transfer rules of a conversation, with no I/O.
//!
//! - [`Roster`]: who is in one conversation and where it is in its lifecycle,
//!   with the event-level rules ([`Roster::check`], [`Roster::apply`]).
//! - [`plan`]: turns a supervisor's [`Action`] into the [`Event`]s to send,
//!   or a [`Refusal`] that says why not and what to do instead.
//!
//! The rules follow the event orders documented for Kore's hooks API (see
//! `../shared/api/conversation-events-webhook.md`): `NA` entry first, cold and
//! warm transfers in between, `NA` exit for the last agent, then the optional
//! summary and the end of the conversation. Where the docs contradict each
//! other (the two redial sequences), both readings are accepted.

mod agent;
mod channel;
mod event;
mod merge;
mod plan;
mod refusal;
mod roster;
mod verb;

pub use agent::{AgentRef, Member, Role};
pub use channel::Channel;
pub use event::{Event, TransferKind, Transition};
pub use merge::{Disagreement, IN_FLIGHT_MS, KoreMember, KorePicture, Merged, Source, merge};
pub use plan::{Action, Closing, ColdOrder, PlanSettings, plan};
pub use refusal::{Refusal, RefusalCode};
pub use roster::{Handover, Phase, Roster};
pub use verb::Verb;
