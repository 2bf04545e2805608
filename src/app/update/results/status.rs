//! Reports that change only the status bar's pieces and their log lines:
//! the log file's trouble (the team's piece is set in `on_report`).

use crate::app::state::{Log, LogKind, Status};

/// The log file lost lines, or there is none: a log line when that
/// changes, and the figure in the status bar.
pub(super) fn log_trouble(status: &mut Status, log: &mut Log, now: i64, dropped: u64, why: String) {
    if status.log_trouble.as_ref() == Some(&(dropped, why.clone())) {
        return;
    }
    let text = if dropped == 0 {
        why.clone()
    } else {
        format!("{dropped} log line(s) dropped so far: {why}")
    };
    log.push_poll(now, LogKind::Error, text);
    status.log_trouble = Some((dropped, why));
}
