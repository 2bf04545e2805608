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
    /// Queue id → the bases (see [`QueueSums`]) of its waiting ones with a
    /// wait, each with how many have it: the greatest is `base_max`, also
    /// once the one that had it is taken out.
    bases: std::collections::HashMap<String, std::collections::BTreeMap<i64, u32>>,
}

/// What one conversation adds to the [`Summary`]. The conversations' change
/// log keeps it as it was before each change, so that a kept summary can
/// take it out and add the new one instead of counting every conversation
/// again (`State::summary`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Part {
    pub open_events: usize,
    pub retrying: Vec<u32>,
    pub failed: bool,
    /// Its queue and what it adds to that queue's sums (listed and live).
    pub queue: Option<(String, QueueSums)>,
    /// The agents its merged roster holds.
    pub holds: Vec<String>,
}

impl Summary {
    /// Adds conversation `id`'s part. The retrying attempts are kept in
    /// order, and each agent's conversations in id order.
    pub fn add(&mut self, id: &str, p: Part) {
        self.open_events += p.open_events;
        for a in p.retrying {
            let at = self.retrying.partition_point(|x| *x <= a);
            self.retrying.insert(at, a);
        }
        self.failed += usize::from(p.failed);
        if let Some((q, sums)) = p.queue {
            if let Some(base) = sums.base_max {
                *self
                    .bases
                    .entry(q.clone())
                    .or_default()
                    .entry(base)
                    .or_default() += 1;
            }
            let f = self.queues.entry(q).or_default();
            f.waiting += sums.waiting;
            f.engaged += sums.engaged;
            f.timed += sums.timed;
            f.base_sum += sums.base_sum;
            f.answered += sums.answered;
            f.answer_sum += sums.answer_sum;
            if let Some(base) = sums.base_max {
                f.base_max = Some(f.base_max.map_or(base, |m| m.max(base)));
            }
        }
        for agent in p.holds {
            let ids = self.holds.entry(agent).or_default();
            let at = ids.partition_point(|x| x.as_str() <= id);
            ids.insert(at, id.to_string());
        }
    }

    /// Takes conversation `id`'s part out again (as [`Summary::add`] put
    /// it in): what is left is what adding the others alone gives.
    pub fn take(&mut self, id: &str, p: &Part) {
        self.open_events -= p.open_events;
        for a in &p.retrying {
            if let Ok(at) = self.retrying.binary_search(a) {
                self.retrying.remove(at);
            }
        }
        self.failed -= usize::from(p.failed);
        if let Some((q, sums)) = &p.queue {
            self.take_queue(q, sums);
        }
        for agent in &p.holds {
            let Some(ids) = self.holds.get_mut(agent) else {
                continue;
            };
            if let Ok(at) = ids.binary_search_by(|x| x.as_str().cmp(id)) {
                ids.remove(at);
            }
            if ids.is_empty() {
                self.holds.remove(agent);
            }
        }
    }

    fn take_queue(&mut self, q: &str, sums: &QueueSums) {
        let Some(f) = self.queues.get_mut(q) else {
            return;
        };
        f.waiting -= sums.waiting;
        f.engaged -= sums.engaged;
        f.timed -= sums.timed;
        f.base_sum -= sums.base_sum;
        f.answered -= sums.answered;
        f.answer_sum -= sums.answer_sum;
        if let (Some(base), Some(bases)) = (sums.base_max, self.bases.get_mut(q)) {
            if let Some(n) = bases.get_mut(&base) {
                *n -= 1;
                if *n == 0 {
                    bases.remove(&base);
                }
            }
            f.base_max = bases.last_key_value().map(|(b, _)| *b);
            if bases.is_empty() {
                self.bases.remove(q);
            }
        }
        if f.waiting == 0 && f.engaged == 0 {
            self.queues.remove(q);
        }
    }
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
