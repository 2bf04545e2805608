//! `Status`: the status bar's numbers (the health, the rate, the poll's
//! coverage, the listener's refusals, the log file's and the team's piece).

use super::{Health, PollStatus};

/// The status bar's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub health: Health,
    pub rate_used: u32,
    pub rate_limit: u32,
    /// Kore asked to wait (a 429 with Retry-After): nothing goes out before
    /// this time (unix ms).
    pub kore_wait_until_ms: Option<i64>,
    /// Requests the callback listener refused since start, and when the
    /// latest was refused (unix ms).
    pub listener_refused: (u64, i64),
    /// What the conversations poll has covered, and how fresh it is.
    pub poll: PollStatus,
    /// Where callbacks come back (`http://127.0.0.1:8009`), secret path hidden.
    pub callback_address: String,
    /// The log file's trouble: lines it lost so far and why (none while
    /// all is well).
    pub log_trouble: Option<(u64, String)>,
    /// Team mode's piece (none without `[team]`).
    pub team: Option<crate::app::TeamBar>,
    /// Team mode's claims and activity log: on, and the claims held.
    pub team_view: crate::app::team::TeamView,
}
