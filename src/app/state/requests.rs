//! The requests room: the bookkeeping of what this console sent and still
//! waits on (callbacks due, replays counted, details out) and the request
//! ids it hands out. Written by the update handlers that send and by those
//! that take the answers; the view only reads it.

use std::collections::{BTreeMap, BTreeSet};

/// What this console has out and how it names it.
#[derive(Debug, Clone)]
pub struct Requests {
    /// Assign requests waiting for a callback: request id → conversation id.
    pub awaiting_callback: BTreeMap<String, String>,
    /// When each sent assign's callback is due (unix ms). Its timer is armed
    /// when the request goes out, not when it is queued.
    pub callback_deadlines: BTreeMap<String, i64>,
    /// Request id → callbacks that repeated the answer it already had
    /// (replays): the first is said, the rest only counted. Up to
    /// [`SLA_MEMORY`](super::SLA_MEMORY) requests are remembered.
    pub callback_repeats: BTreeMap<String, u64>,
    /// Conversations whose details request is out (one at a time each).
    pub details_in_flight: BTreeSet<String>,
    /// Counter for request ids.
    pub next_req: u64,
    /// A prefix unique to this run for request ids.
    pub run_tag: String,
    /// The bulk action on its way, while some of its requests have not
    /// left (the progress line; `Esc` / `:bulk cancel` stop them).
    pub bulk: Option<crate::app::bulk::BulkProgress>,
    /// Request ids given out now are a bulk action's: they end in
    /// [`BULK_ID_SUFFIX`](crate::app::bulk::BULK_ID_SUFFIX), so that the
    /// journal's copy says so after a restart.
    pub bulk_ids: bool,
}

impl Requests {
    /// Nothing out yet; request ids start at `<run_tag>-1`.
    pub fn new(run_tag: String) -> Requests {
        Requests {
            awaiting_callback: Default::default(),
            callback_deadlines: Default::default(),
            callback_repeats: Default::default(),
            details_in_flight: Default::default(),
            next_req: 1,
            run_tag,
            bulk: None,
            bulk_ids: false,
        }
    }

    /// An assign that will get no callback (or got it): its timer is off.
    /// The conversation it was for, while it still waited.
    pub fn forget_assign(&mut self, req_id: &str) -> Option<String> {
        self.callback_deadlines.remove(req_id);
        self.awaiting_callback.remove(req_id)
    }

    /// The request went out at `now_ms`: an assign's callback is due from
    /// then (one held behind a failed request does not time out unsent).
    /// Whether it is an assign that waits for one.
    pub fn arm_callback(&mut self, req_id: &str, now_ms: i64, after_ms: i64) -> bool {
        if !self.awaiting_callback.contains_key(req_id) {
            return false;
        }
        self.callback_deadlines
            .insert(req_id.to_string(), now_ms.saturating_add(after_ms));
        true
    }

    /// A callback timer that went off at `now_ms` is from an earlier send
    /// of a request sent again since (its deadline is still ahead).
    pub fn timer_outdated(&self, req_id: &str, now_ms: i64) -> bool {
        self.callback_deadlines
            .get(req_id)
            .is_some_and(|due| now_ms.saturating_add(500) < *due)
    }

    /// One more callback that repeated its request's answer: how many so
    /// far (up to [`SLA_MEMORY`](super::SLA_MEMORY) requests are counted).
    pub fn count_repeat(&mut self, req_id: &str) -> u64 {
        if !self.callback_repeats.contains_key(req_id)
            && self.callback_repeats.len() >= super::SLA_MEMORY
        {
            self.callback_repeats.pop_first();
        }
        let n = self.callback_repeats.entry(req_id.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    /// A new request id, unique to this run.
    pub(crate) fn next_req_id(&mut self) -> String {
        let suffix = if self.bulk_ids {
            crate::app::bulk::BULK_ID_SUFFIX
        } else {
            ""
        };
        let id = format!("{}-{}{suffix}", self.run_tag, self.next_req);
        self.next_req += 1;
        id
    }
}
