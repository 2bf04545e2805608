//! Reports that change only the status bar's pieces and their log lines:
//! the log file's trouble and the team's piece.

use crate::app::TeamBar;
use crate::app::state::{LogKind, State};

/// The log file lost lines, or there is none: a log line when that
/// changes, and the figure in the status bar.
pub(super) fn log_trouble(state: &mut State, dropped: u64, why: String) {
    if state.status.log_trouble.as_ref() == Some(&(dropped, why.clone())) {
        return;
    }
    let text = if dropped == 0 {
        why.clone()
    } else {
        format!("{dropped} log line(s) dropped so far: {why}")
    };
    let now = state.now_ms;
    state.log.push_poll(now, LogKind::Error, text);
    state.status.log_trouble = Some((dropped, why));
}

/// Team mode's piece of the status bar, as the team layer words it.
pub(super) fn team(state: &mut State, bar: TeamBar) {
    state.status.team = Some(bar);
}
