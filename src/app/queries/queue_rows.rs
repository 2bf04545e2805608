//! A queue pane row: each figure as Kore gives it beside what the list
//! shows, and whether the two disagree; the queue pane's rows, sorted,
//! narrowed and judged, as the State makes them.

use super::*;

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

/// A queue's figures at `now` (unix ms).
fn figures_at(sums: &QueueSums, now: i64) -> ListFigures {
    ListFigures {
        waiting: sums.waiting,
        engaged: sums.engaged,
        longest: sums.base_max.map(|b| b + now),
        wait_sum: sums.base_sum + sums.timed * now,
        answered: sums.answered,
        answer_sum: sums.answer_sum,
    }
}

/// What the conversation list says of one queue.
#[derive(Default)]
struct ListFigures {
    waiting: i64,
    engaged: i64,
    longest: Option<i64>,
    wait_sum: i64,
    answered: i64,
    answer_sum: i64,
}

/// What the queue pane's rows are made from: the model, the views (the
/// kept summary, the pane's sort and cursor, the problems-only view), the
/// thresholds of the settings and the clock. The handlers that move the
/// pane ask it; the view asks through `State`'s delegates.
#[derive(Clone, Copy)]
pub struct QueueQuery<'a> {
    pub model: &'a Model,
    pub views: &'a Views,
    pub settings: &'a Settings,
    pub now_ms: i64,
}

impl<'a> QueueQuery<'a> {
    /// The queue pane's rows, sorted by `queue_sort`.
    pub fn queue_rows(&self) -> Vec<QueueRow> {
        let list = self.list_figures();
        let service = self.service_counts();
        let mut rows: Vec<QueueRow> = self
            .model
            .queues
            .iter()
            .map(|q| {
                let none = ListFigures::default();
                let l = list.get(q.id.as_str()).unwrap_or(&none);
                let size = q.size.as_ref();
                let count = |v: Option<u32>| v.map(i64::from);
                let ms = |d: Option<std::time::Duration>| {
                    d.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                };
                let summary = size.and_then(|s| s.queue_summary);
                let status = size.and_then(|s| s.agent_status).unwrap_or_default();
                let members = self.queue_agents(q);
                let by = |p: Presence| {
                    (!members.is_empty())
                        .then(|| members.iter().filter(|a| a.presence == p).count() as i64)
                };
                let average = (l.waiting > 0).then(|| l.wait_sum / l.waiting);
                let fig = |field: &str, kore, list, compare| {
                    let odd = size.is_some_and(|s| s.is_odd(field));
                    Figure::kore_or_odd(odd, kore, list, compare)
                };
                QueueRow {
                    id: q.id.clone(),
                    name: q.name.clone(),
                    waiting: fig(
                        "waiting",
                        size.and_then(|s| count(s.waiting)),
                        Some(l.waiting),
                        true,
                    ),
                    engaged: fig(
                        "engaged",
                        size.and_then(|s| count(s.engaged)),
                        Some(l.engaged),
                        true,
                    ),
                    longest_ms: fig(
                        "queueSummary.maxWait",
                        kore_longest_ms(q),
                        l.longest.or(Some(0)),
                        false,
                    ),
                    average_ms: fig(
                        "queueSummary.avgWait",
                        ms(summary.and_then(|s| s.avg_wait())),
                        average.or(Some(0)),
                        false,
                    ),
                    asa_ms: fig(
                        "queueSummary.ASA",
                        ms(summary.and_then(|s| s.asa())),
                        (l.answered > 0).then(|| l.answer_sum / l.answered),
                        false,
                    ),
                    drops: fig("dropOff", size.and_then(|s| count(s.drop_off)), None, false),
                    agents: [
                        ("available", status.available, Presence::Available),
                        ("busy", status.busy, Presence::Busy),
                        ("away", status.away, Presence::Away),
                        ("offline", status.offline, Presence::Offline),
                    ]
                    .map(|(field, kore, p)| {
                        fig(&format!("agentStatus.{field}"), count(kore), by(p), false)
                    }),
                    service: service.get(q.id.as_str()).copied().unwrap_or_default(),
                }
            })
            .collect();
        let key = |r: &QueueRow| -> i64 {
            let v = |f: Figure| f.value.unwrap_or(-1);
            match self.views.queues.sort {
                QueueSort::Name => 0,
                QueueSort::Waiting => v(r.waiting),
                QueueSort::Engaged => v(r.engaged),
                QueueSort::Longest => v(r.longest_ms),
                QueueSort::Average => v(r.average_ms),
                QueueSort::Asa => v(r.asa_ms),
                QueueSort::Drops => v(r.drops),
                QueueSort::Free => v(r.agents[0]),
                // Lowest first: negated.
                QueueSort::Service => -i64::from(r.service_pct().unwrap_or(101)),
            }
        };
        rows.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
                .then_with(|| a.id.cmp(&b.id))
        });
        rows
    }

    /// The queue pane's rows as shown: in the problems-only view, only the
    /// queues past a threshold.
    pub fn visible_queue_rows(&self) -> Vec<QueueRow> {
        let mut rows = self.queue_rows();
        if self.views.problems_only {
            rows.retain(|r| self.queue_level(r).is_breach());
        }
        rows
    }

    /// A queue row's level: the worse of its longest wait now and its
    /// service level, by its own thresholds.
    pub fn queue_level(&self, row: &QueueRow) -> Level {
        let t = self.settings.alerts.for_queue(&row.id, &row.name);
        crate::app::alerts::queue_level(t, row.longest_ms.judged(), row.service)
    }

    /// Each queue's figures as the conversation list has them.
    fn list_figures(&self) -> std::collections::HashMap<String, ListFigures> {
        let now = self.now_ms;
        self.model
            .summary(&self.views.summary_cache)
            .queues
            .iter()
            .map(|(q, sums)| (q.clone(), figures_at(sums, now)))
            .collect()
    }

    /// Per queue: (answered within `sla_secs`, decided) (see
    /// [`Model::service_counts`]).
    pub(crate) fn service_counts(&self) -> std::collections::HashMap<&'a str, (u32, u32)> {
        self.model.service_counts()
    }

    /// The agents of the directory that belong to `queue`: as list-agents
    /// says, as the `[[agents]]` directory says, or named by list-queues.
    pub fn queue_agents(&self, queue: &Queue) -> Vec<&'a Agent> {
        let ids = self.model.queue_members.get(&queue.id);
        self.model
            .agents
            .iter()
            .filter(|a| {
                ids.is_some_and(|ids| ids.contains(&a.id))
                    || a.queue_id.as_deref() == Some(queue.id.as_str())
                    || queue.members.contains(&a.name)
            })
            .collect()
    }

    /// The picker's queue choices (its query starts with `q:`): matching
    /// queues, the fewest waiting first.
    pub fn picker_queue_choices(&self) -> Vec<QueueRow> {
        let Mode::Picker(p) = &self.views.mode else {
            return Vec::new();
        };
        let Some(q) = picker_queue_query(p) else {
            return Vec::new();
        };
        let q = q.trim().to_lowercase();
        let mut rows: Vec<QueueRow> = self
            .queue_rows()
            .into_iter()
            .filter(|r| q.is_empty() || r.name.to_lowercase().contains(&q) || r.id.contains(&q))
            .collect();
        rows.sort_by_key(|r| (r.waiting.value.unwrap_or(0), r.name.to_lowercase()));
        rows
    }

    /// The queue the queue pane's cursor is on.
    pub fn selected_queue(&self) -> Option<QueueRow> {
        self.visible_queue_rows()
            .into_iter()
            .nth(self.views.queues.cursor)
    }
}

impl Model {
    /// Per queue: (answered within `sla_secs`, decided) of the
    /// conversations this console has seen.
    pub(crate) fn service_counts(&self) -> std::collections::HashMap<&str, (u32, u32)> {
        let mut service: std::collections::HashMap<&str, (u32, u32)> = Default::default();
        for mark in self.sla_seen.values() {
            let s = service.entry(mark.queue_id.as_str()).or_default();
            s.1 += 1;
            if mark.within {
                s.0 += 1;
            }
        }
        service
    }
}

impl State {
    /// What the queue pane's rows are made from now.
    pub fn queue_query(&self) -> QueueQuery<'_> {
        QueueQuery {
            model: &self.model,
            views: &self.views,
            settings: &self.settings,
            now_ms: self.now_ms,
        }
    }

    /// The queue pane's rows, sorted by `queue_sort`.
    pub fn queue_rows(&self) -> Vec<QueueRow> {
        self.queue_query().queue_rows()
    }

    /// The queue pane's rows as shown (see [`QueueQuery::visible_queue_rows`]).
    pub fn visible_queue_rows(&self) -> Vec<QueueRow> {
        self.queue_query().visible_queue_rows()
    }

    /// A queue row's level (see [`QueueQuery::queue_level`]).
    pub fn queue_level(&self, row: &QueueRow) -> Level {
        self.queue_query().queue_level(row)
    }

    /// The agents of the directory that belong to `queue`.
    pub fn queue_agents(&self, queue: &Queue) -> Vec<&Agent> {
        self.queue_query().queue_agents(queue)
    }

    /// The queue the queue pane's cursor is on.
    pub fn selected_queue(&self) -> Option<QueueRow> {
        self.queue_query().selected_queue()
    }

    /// The conversation list's sort as the title and the flash say it.
    pub fn sort_label(&self) -> String {
        self.views.list.sort_label()
    }

    /// The name of a queue by its id (the id itself when it is not listed).
    pub fn queue_name(&self, id: &str) -> String {
        self.model.queue_name(id)
    }

    /// The picker's queue choices (see [`QueueQuery::picker_queue_choices`]).
    pub fn picker_queue_choices(&self) -> Vec<QueueRow> {
        self.queue_query().picker_queue_choices()
    }
}

/// queue-size's longest wait now for a queue, in ms, when Kore gave one.
pub fn kore_longest_ms(q: &Queue) -> Option<i64> {
    q.size
        .as_ref()
        .and_then(|s| s.queue_summary)
        .and_then(|s| s.max_wait())
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
