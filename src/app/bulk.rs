//! Bulk actions on marks (issue 22.2, 22.3) as the state holds them: the
//! words of the one confirmation (the plan itself, `state::BulkPlan`, holds
//! `Pending`s, so it lives beside them) and, once confirmed, its progress
//! (`BulkProgress`, in `Requests::bulk`): which conversations still have
//! requests that have not left, for the progress line and for `Esc` /
//! `:bulk cancel`. The handlers: `update/bulk.rs`.

use std::collections::{BTreeMap, BTreeSet};

/// Skipped conversations named in a confirmation or a log line; past
/// this many, the rest are counted.
const NAMED_SKIPS: usize = 5;

/// How a bulk action's request ids end (`t3f9-41-bulk`): the journal keeps
/// the ids, so a restart knows which unsent requests were a bulk's.
pub const BULK_ID_SUFFIX: &str = "-bulk";

/// Whether `req_id` is a bulk action's request.
pub fn is_bulk_request(req_id: &str) -> bool {
    req_id.ends_with(BULK_ID_SUFFIX)
}

/// What a bulk action does to each marked conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkVerb {
    /// `a`: assign to one agent or one queue.
    Assign,
    /// `E`: end.
    End,
    /// `x`: remove one agent from each roster that holds them.
    Remove,
}

impl BulkVerb {
    /// The verb as the log says it ("bulk assign").
    pub fn word(self) -> &'static str {
        match self {
            BulkVerb::Assign => "assign",
            BulkVerb::End => "end",
            BulkVerb::Remove => "remove",
        }
    }

    /// The progress line's word ("assigned 12 of 40").
    pub fn done_word(self) -> &'static str {
        match self {
            BulkVerb::Assign => "assigned",
            BulkVerb::End => "ended",
            BulkVerb::Remove => "removed",
        }
    }
}

/// "1 conversation", "6 conversations".
pub fn conversations(n: usize) -> String {
    if n == 1 {
        "1 conversation".into()
    } else {
        format!("{n} conversations")
    }
}

/// "2 skipped: c-1 ended, c-2 has no bot session id" (the first few named,
/// the rest counted); `None` when nothing was skipped.
pub fn skipped_text(skipped: &[(String, String)]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    Some(format!("{} skipped: {}", skipped.len(), named(skipped)))
}

/// "2 held by teammates: c-1042 (Raj, assigning, 3 s ago), c-7 (Mia,
/// ending, just now)": a bulk's conversations a teammate's claim left out
/// (the first few named, the rest counted); `None` when none was.
pub fn held_text(held: &[(String, String)]) -> Option<String> {
    match held.len() {
        0 => None,
        1 => Some(format!("1 held by a teammate: {}", named(held))),
        n => Some(format!("{n} held by teammates: {}", named(held))),
    }
}

/// "c-1 ended, c-2 has no bot session id, 3 more".
fn named(list: &[(String, String)]) -> String {
    let mut named: Vec<String> = list
        .iter()
        .take(NAMED_SKIPS)
        .map(|(id, why)| format!("{id} {why}"))
        .collect();
    if list.len() > NAMED_SKIPS {
        named.push(format!("{} more", list.len() - NAMED_SKIPS));
    }
    named.join(", ")
}

/// A confirmed bulk action on its way: the conversations whose requests
/// have not all left yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkProgress {
    pub verb: BulkVerb,
    pub target: String,
    /// Conversations in the batch.
    pub total: usize,
    /// Conversation → its requests of the batch that have not left.
    pub waiting: BTreeMap<String, BTreeSet<String>>,
    /// Those of `waiting` whose first request has left (an end's exit, say):
    /// a cancel lets them finish rather than leave them half done.
    pub begun: BTreeSet<String>,
    /// Conversations whose requests never left: refused before they went
    /// (the journal, a held queue).
    pub failed: usize,
    /// The limiter's time between two bulk requests (ms), as the runner
    /// reported it (`Action::BulkPace`); 0 until then.
    pub pace_ms: u64,
}

impl BulkProgress {
    /// Conversations whose requests have all left.
    pub fn left(&self) -> usize {
        self.total - self.waiting.len() - self.failed
    }

    /// The requests still queued.
    pub fn queued_requests(&self) -> usize {
        self.waiting.values().map(BTreeSet::len).sum()
    }

    /// About how long the queued ones take at the limiter's pace (whole
    /// seconds, rounded up).
    pub fn eta_secs(&self) -> u64 {
        (self.queued_requests() as u64 * self.pace_ms).div_ceil(1000)
    }

    /// "assigned 12 of 40 · 28 queued · ~28 s".
    pub fn line(&self) -> String {
        self.line_with("·")
    }

    /// The progress line with `dot` between its parts (the theme's).
    pub fn line_with(&self, dot: &str) -> String {
        format!(
            "{} {} of {} {dot} {} queued {dot} ~{} s",
            self.verb.done_word(),
            self.left(),
            self.total,
            self.waiting.len(),
            self.eta_secs()
        )
    }
}
