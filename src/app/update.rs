//! `update(&mut State, Action) -> Vec<Effect>`: every rule of the console.
//!
//! Pure: it reads the clock only through `state.now_ms` (the runtime sends
//! `Action::Clock` before each action) and does no I/O. Refusals,
//! confirmations, the picker, the command line and the merging of polled
//! data all live here, so they are tested without a terminal or a network.

use super::state::*;
use super::{Action, ConversationPage, Effect, PollPlan, ReplyInfo};
use crate::app::command::Command;
use crate::app::text::clean;
use crate::domain::{self, Action as Op, AgentRef, Event};
use crate::kore::wire::{
    AgentRecord, AssignTarget, AvailabilityResponse, ConversationRecord, FailReason, QueueRecord,
    QueueSize,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Longest remote string kept for display.
const MAX_FIELD: usize = 120;

mod alerts;
mod bulk;
mod commands;
mod details;
mod dispatch;
mod heal;
mod keys;
mod marks;
mod picker;
mod results;
mod sends;
mod team;
mod views;

use commands::*;
use details::{details_loaded, details_on_open};
pub use details::{failure as details_failure, request_details};
use dispatch::{dispatch, run};
pub use heal::says_roster_stale;
use keys::*;
use results::*;
use sends::*;

pub use super::queries::conv_matches;
pub use super::state::{MAX_FORM_FIELD, MAX_INPUT};
pub use results::{DELIVERED_MAYBE_TWICE, NOT_UNDERSTOOD, may_also_have_arrived, plan_line};

/// The console's one update function.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    // The clock and the polls move waits and queues past their thresholds;
    // the alerts pass runs after them only (after a round of the
    // conversations poll, not each of its pages: the next tick, within a
    // second, judges a page's changes).
    let due = matches!(
        action,
        Action::Tick(_)
            | Action::PollRound { .. }
            | Action::QueuesListed { .. }
            | Action::QueueSized { .. }
    );
    // Team mode: an outcome's activity line and its claim's release.
    let observed = team::observe(state, &action);
    // A bulk action's requests that left (or never will).
    bulk::observe(state, &action);
    let polled = matches!(
        action,
        Action::ConversationsPage(_) | Action::PollRound { .. }
    );
    let mut effects = apply(state, action);
    if polled {
        marks::prune(
            &mut state.views.list,
            &mut state.log,
            &state.model,
            state.now_ms,
        );
    }
    effects.extend(team::publish_sends(state, &effects));
    effects.extend(observed);
    effects.extend(alerts::judge(
        &mut state.model,
        &state.settings,
        state.now_ms,
        due,
    ));
    effects
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            if key.kind != KeyEventKind::Press {
                return Vec::new();
            }
            on_key(state, key)
        }
        Action::Paste(text) => on_paste(state, text),
        Action::Resize(w, h) => {
            state.views.screen = (w, h);
            Vec::new()
        }
        Action::Layout(rows) => {
            state.views.pane_rows = rows;
            Vec::new()
        }
        Action::Tick(now) => {
            state.now_ms = now;
            Vec::new()
        }
        Action::Clock(now) => {
            state.now_ms = now;
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
        // Team mode (issue 21).
        Action::TeamReport(report) => team::report(state, report),
        // What the runner, the polls and the listener report.
        report => on_report(state, report),
    }
}
