//! A queue pane row: each figure as Kore gives it beside what the list
//! shows, and whether the two disagree.

/// A figure of the queue pane, and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figure {
    /// What is shown: Kore's figure when queue-size gave one, else the
    /// conversation list's.
    pub value: Option<i64>,
    /// queue-size gave it.
    pub from_kore: bool,
    /// The conversation list's own figure, when it differs from Kore's
    /// (always, when Kore's is `odd`).
    pub list_differs: Option<i64>,
    /// queue-size sent a figure that cannot be true (shown as `?`, never
    /// replaced by the list's).
    pub odd: bool,
}

impl Figure {
    /// Kore's figure, or none when `odd` (shown `?`; the list's kept in
    /// `list_differs`), else the list's.
    pub(super) fn kore_or_odd(
        odd: bool,
        kore: Option<i64>,
        list: Option<i64>,
        compare: bool,
    ) -> Figure {
        if odd {
            // An odd figure differs from any: the list's is kept (drawn
            // beside it only where the pane compares the two).
            return Figure {
                value: None,
                from_kore: true,
                list_differs: list,
                odd: true,
            };
        }
        Figure::of(kore, list, compare)
    }

    /// What alerts judge: the figure shown, or, when Kore's cannot be true,
    /// the list's (as the alerts pass does), so a `?` never hides a breach.
    pub fn judged(self) -> Option<i64> {
        match (self.value, self.odd) {
            (None, true) => self.list_differs,
            (v, _) => v,
        }
    }

    fn of(kore: Option<i64>, list: Option<i64>, compare: bool) -> Figure {
        match kore {
            Some(k) => Figure {
                value: Some(k),
                from_kore: true,
                list_differs: list.filter(|l| compare && *l != k),
                odd: false,
            },
            None => Figure {
                value: list,
                from_kore: false,
                list_differs: None,
                odd: false,
            },
        }
    }
}

/// One row of the queue pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub id: String,
    pub name: String,
    pub waiting: Figure,
    pub engaged: Figure,
    /// The longest wait now, in ms.
    pub longest_ms: Figure,
    /// The average wait of those waiting, in ms.
    pub average_ms: Figure,
    /// The average speed to answer, in ms.
    pub asa_ms: Figure,
    /// Conversations that left the queue unanswered (Kore's count only).
    pub drops: Figure,
    /// The queue's agents: available, busy, away, offline.
    pub agents: [Figure; 4],
    /// Of the conversations this console saw in the queue: how many were
    /// answered within `sla_secs`, and how many are decided.
    pub service: (u32, u32),
}

impl QueueRow {
    /// The conversation list and queue-size disagree on a count.
    pub fn disagrees(&self) -> bool {
        self.waiting.list_differs.is_some() || self.engaged.list_differs.is_some()
    }

    /// The service level in whole percent, once enough conversations are
    /// decided for it to mean something ([`MIN_SLA_SAMPLE`]); before that
    /// the screen shows `—` and how many were seen, never a percentage
    /// that its colour (no alert below the sample) would contradict.
    ///
    /// [`MIN_SLA_SAMPLE`]: crate::app::alerts::MIN_SLA_SAMPLE
    pub fn service_pct(&self) -> Option<u32> {
        let (within, total) = self.service;
        (total as usize >= crate::app::alerts::MIN_SLA_SAMPLE)
            .then(|| (within * 100 + total / 2) / total)
    }
}
