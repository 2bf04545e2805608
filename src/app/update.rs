//! `update(&mut State, Action) -> Vec<Effect>`: every rule of the console.
//!
//! Pure: it reads the clock only through `state.now_ms` (set by the runtime
//! before each call) and does no I/O. Refusals, confirmations, the picker,
//! the command line and the merging of polled data all live here, so they
//! are tested without a terminal or a network.

use super::state::*;
use super::{Action, Effect, ReplyInfo};
use crate::app::command::Command;
use crate::app::text::clean;
use crate::domain::{self, Action as Op, AgentRef, Event};
use crate::kore::wire::{
    AgentRecord, AssignTarget, AvailabilityResponse, ConversationRecord, QueueRecord, QueueSize,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Longest remote string kept for display.
const MAX_FIELD: usize = 120;

mod commands;
mod keys;
mod results;
mod sends;

use commands::*;
use keys::*;
use results::*;
use sends::*;

pub use super::queries::conv_matches;
pub use super::state::{MAX_FORM_FIELD, MAX_INPUT};
pub use results::{NOT_UNDERSTOOD, may_also_have_arrived};

/// The console's one update function.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            if key.kind != KeyEventKind::Press {
                return Vec::new();
            }
            on_key(state, key)
        }
        Action::Paste(text) => on_paste(state, text),
        Action::Resize(w, h) => {
            state.screen = (w, h);
            Vec::new()
        }
        Action::Layout(rows) => {
            state.pane_rows = rows;
            Vec::new()
        }
        Action::Tick(now) => {
            state.now_ms = now;
            Vec::new()
        }
        Action::ConversationsListed { result, partial } => {
            conversations_listed(state, result, partial)
        }
        Action::AgentsListed {
            agents,
            availability,
        } => {
            merge_agents(state, agents, availability);
            Vec::new()
        }
        Action::QueuesListed { result } => {
            merge_queues(state, result);
            Vec::new()
        }
        Action::QueueSized { queue_id, result } => {
            merge_queue_size(state, &queue_id, result);
            Vec::new()
        }
        Action::RequestSent {
            req_id,
            conversation,
            line,
        } => request_sent(state, req_id, conversation, line),
        Action::HookRetrying {
            req_id,
            conversation,
            attempt,
            error,
        } => {
            set_delivery(
                state,
                &conversation,
                &req_id,
                Delivery::Retrying {
                    attempt,
                    error: error.clone(),
                },
            );
            let now = state.now_ms;
            state.log.push(
                now,
                LogKind::Error,
                format!("{error}; retrying ({attempt}) {conversation}"),
            );
            state.status.health = Health::Degraded(error);
            Vec::new()
        }
        Action::HookDone {
            req_id,
            conversation,
            outcome,
            attempts,
            maybe_arrived,
        } => {
            hook_done(
                state,
                &req_id,
                &conversation,
                outcome,
                attempts,
                maybe_arrived,
            );
            Vec::new()
        }
        Action::HookHeld {
            conversation,
            req_ids,
        } => {
            for id in &req_ids {
                set_delivery(state, &conversation, id, Delivery::Held);
            }
            Vec::new()
        }
        Action::AssignDone {
            req_id,
            conversation,
            outcome,
            uncertain,
        } => {
            assign_done(state, &req_id, &conversation, outcome, uncertain);
            Vec::new()
        }
        Action::Callback(cb) => on_callback(state, cb),
        Action::CallbackTimedOut { req_id } => callback_timed_out(state, req_id),
        Action::RateUsage {
            used,
            limit,
            blocked_ms,
        } => {
            state.status.rate_used = used;
            state.status.rate_limit = limit;
            state.status.kore_wait_until_ms =
                blocked_ms.map(|ms| state.now_ms.saturating_add(ms as i64));
            Vec::new()
        }
        Action::ListenerRefused { total, last_ms } => listener_refused(state, total, last_ms),
        Action::Log { kind, text } => {
            let now = state.now_ms;
            state.log.push(now, kind, text);
            Vec::new()
        }
        Action::Note { error, text } => {
            let now = state.now_ms;
            state.log.push(
                now,
                if error { LogKind::Error } else { LogKind::Info },
                text.clone(),
            );
            state.flash = Some((text, error));
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}
