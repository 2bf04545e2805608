//! Marks, as k9s marks resources: the conversations the supervisor picked
//! out (`Space`, `Ctrl-Space` for a range, `:mark filter`), kept by
//! conversation id so that polls and re-sorts do not move them. A
//! conversation that closes leaves the marks (with a log line). The keys'
//! handlers: `update/marks.rs`.

use std::collections::BTreeSet;

/// The marked conversations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// The marked conversations' ids.
    pub ids: BTreeSet<String>,
    /// The conversation `Space` marked last: where `Ctrl-Space`'s range
    /// starts.
    pub anchor: Option<String>,
    /// `Esc` had nothing else to clear and asked; the next `Esc` clears
    /// the marks (while its question still shows).
    pub clear_armed: bool,
}

impl Marks {
    pub fn is_marked(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Marks `id`, or unmarks it when it was marked; whether it is now.
    pub fn toggle(&mut self, id: &str) -> bool {
        if self.ids.remove(id) {
            if self.anchor.as_deref() == Some(id) {
                self.anchor = None;
            }
            false
        } else {
            self.ids.insert(id.to_string());
            self.anchor = Some(id.to_string());
            true
        }
    }

    /// Marks each of `ids`; how many were not marked before.
    pub fn add<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) -> usize {
        ids.into_iter()
            .filter(|id| self.ids.insert((*id).to_string()))
            .count()
    }

    /// Clears every mark; how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.ids.len();
        self.ids.clear();
        self.anchor = None;
        self.clear_armed = false;
        n
    }
}
