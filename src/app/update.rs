//! `update(&mut State, Action) -> Vec<Effect>`: every rule of the console.
//!
//! Pure: it reads the clock only through `state.now_ms` (set by the runtime
//! before each call) and does no I/O. Refusals, confirmations, the picker,
//! the command line and the merging of polled data all live here, so they
//! are tested without a terminal or a network.

use super::state::*;
use super::{Action, Effect, ReplyInfo};
use crate::app::keymap::Command;
use crate::app::text::clean;
use crate::domain::{self, Action as Op, AgentRef, Event};
use crate::kore::wire::{AgentRecord, AvailabilityResponse, ConversationRecord};
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
pub use commands::{MAX_FORM_FIELD, MAX_INPUT};
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
        Action::Paste(text) => {
            let text = clean(&text, MAX_INPUT);
            let mut refilter = None;
            let fits = match &mut state.mode {
                // A pasted filter applies at once, as typed letters do.
                Mode::Filter { input, pane } => {
                    let fits = push_capped(input, &text, MAX_INPUT);
                    refilter = Some((*pane, input.clone()));
                    fits
                }
                Mode::Command { input } => push_capped(input, &text, MAX_INPUT),
                Mode::Picker(p) => {
                    p.selected = 0;
                    push_capped(&mut p.query, &text, MAX_INPUT)
                }
                Mode::NewConversation(f) => {
                    push_capped(&mut f.fields[f.focus], &text, MAX_FORM_FIELD)
                }
                _ => true,
            };
            if let Some((pane, input)) = refilter {
                set_filter(state, pane, input);
            }
            if !fits {
                state.refuse(format!(
                    "the paste was cut: an input holds at most {} characters",
                    input_cap(&state.mode)
                ));
            }
            Vec::new()
        }
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
            if result.is_ok() {
                if partial.is_some() && state.status.conversations_partial.is_none() {
                    let now = state.now_ms;
                    let (read, total) = partial.unwrap_or_default();
                    state.log.push(
                        now,
                        LogKind::Error,
                        match total {
                            Some(t) => format!("conversation list partial: {read} of {t} read (the rest are not shown)"),
                            None => format!("conversation list partial: the first {read} read; Kore says there are more"),
                        },
                    );
                }
                state.status.conversations_partial = partial;
            }
            merge_conversations(state, result);
            Vec::new()
        }
        Action::AgentsListed {
            agents,
            availability,
        } => {
            merge_agents(state, agents, availability);
            Vec::new()
        }
        Action::RequestSent {
            req_id,
            conversation,
            line,
        } => {
            set_delivery(state, &conversation, &req_id, Delivery::Sending);
            if let Some(TimelineItem::Assign { state: st, .. }) =
                timeline_event_mut(state, &conversation, &req_id)
                && *st == AssignState::Queued
            {
                *st = AssignState::Sending;
            }
            let now = state.now_ms;
            state.log.push(now, LogKind::Out, line);
            // An assign's callback is due from when it goes out: one held
            // behind a failed request does not time out unsent.
            if state.awaiting_callback.contains_key(&req_id) {
                let after_ms = state.settings.callback_timeout_ms;
                state
                    .callback_deadlines
                    .insert(req_id.clone(), now.saturating_add(after_ms));
                return vec![Effect::ArmCallbackTimeout { req_id, after_ms }];
            }
            Vec::new()
        }
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
        Action::CallbackTimedOut { req_id } => {
            // A timer from an earlier send of a request that was sent again.
            if state
                .callback_deadlines
                .get(&req_id)
                .is_some_and(|due| state.now_ms.saturating_add(500) < *due)
            {
                return Vec::new();
            }
            state.callback_deadlines.remove(&req_id);
            if let Some(conv) = state.awaiting_callback.remove(&req_id) {
                let effect = Effect::RecordCallback {
                    req_id: req_id.clone(),
                    ok: false,
                    summary: format!(
                        "no callback within {} s",
                        state.settings.callback_timeout_ms / 1000
                    ),
                };
                set_assign(state, &conv, &req_id, AssignState::TimedOut);
                let now = state.now_ms;
                state.log.push(
                    now,
                    LogKind::Error,
                    format!("no callback for assign {conv} ({req_id}): timed out"),
                );
                return vec![effect];
            }
            Vec::new()
        }
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
        Action::ListenerRefused { total, last_ms } => {
            let before = state.status.listener_refused.0;
            state.status.listener_refused = (total, last_ms);
            if before == 0 && total > 0 {
                let now = state.now_ms;
                state.log.push(
                    now,
                    LogKind::Error,
                    "the callback listener is refusing requests (a flood of requests, or too many connections)".to_string(),
                );
            }
            Vec::new()
        }
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
