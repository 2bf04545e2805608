//! Counts over every conversation, kept in `State` until a conversation
//! changes. Plain data: `app::queries` makes them (`Summary::of`).

/// Counts over every conversation, free of the clock so that they stay
/// true until a conversation changes (see `State::summary`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Events queued, in flight or retrying.
    pub open_events: usize,
    /// The attempt numbers of the requests being retried.
    pub retrying: Vec<u32>,
    /// Conversations stopped by a failed or unknown request.
    pub failed: usize,
    /// Queue id → what the conversation list says of it.
    pub queues: std::collections::HashMap<String, QueueSums>,
    /// Agent id → the conversations whose merged roster holds them now
    /// (Kore's participants and this console's own), in id order.
    pub holds: std::collections::HashMap<String, Vec<String>>,
}

/// One queue's sums over the listed, live conversations in it. Waits of
/// those waiting are kept as `wait_ms - listed_at_ms`, so that the wait now
/// is that plus the clock.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QueueSums {
    pub waiting: i64,
    pub engaged: i64,
    /// Of those waiting, how many have a wait, and their bases' max and sum.
    pub timed: i64,
    pub base_max: Option<i64>,
    pub base_sum: i64,
    /// Of those engaged, how many have a wait (their speed of answer), and
    /// its sum.
    pub answered: i64,
    pub answer_sum: i64,
}
