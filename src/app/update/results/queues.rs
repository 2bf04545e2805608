//! Results of the queue polls: list-queues merged into the queues kept,
//! and each queue-size answer into its queue.

use super::*;

/// A poll of list-queues: the queues as Kore lists them (the first
/// [`MAX_QUEUES`] active ones; the rest only counted), keeping the figures
/// of those still listed. Linear: each queue is looked up in a map.
pub(in crate::app::update) fn merge_queues(
    state: &mut State,
    result: Result<Vec<QueueRecord>, String>,
) {
    let Some(records) = polled(
        &mut state.model.status,
        &mut state.log,
        state.now_ms,
        "queues",
        result,
    ) else {
        return;
    };
    let mut earlier: HashMap<String, Queue> = std::mem::take(&mut state.model.queues)
        .into_iter()
        .map(|q| (q.id.clone(), q))
        .collect();
    let mut taken: HashSet<String> = HashSet::new();
    let mut queues = Vec::new();
    let mut not_shown = 0;
    for rec in records {
        let id = clean(&rec.id, MAX_FIELD);
        if id.is_empty() || rec.is_active == Some(false) || !taken.insert(id.clone()) {
            continue;
        }
        if queues.len() >= MAX_QUEUES {
            not_shown += 1;
            continue;
        }
        let name = clean(&rec.name, 40);
        let before = earlier.remove(&id);
        queues.push(Queue {
            name: if name.is_empty() { id.clone() } else { name },
            members: rec
                .agents
                .iter()
                .filter_map(|a| a.name.as_deref())
                .map(|n| clean(n, 40))
                .collect(),
            size: before.as_ref().and_then(|q| q.size.clone()),
            size_at_ms: before.as_ref().and_then(|q| q.size_at_ms),
            size_error: before.and_then(|q| q.size_error),
            id,
        });
    }
    if not_shown > 0 && state.model.queues_not_shown != not_shown {
        let now = state.now_ms;
        state.log.push(
            now,
            LogKind::Error,
            format!("Kore lists {not_shown} more queue(s) than the {MAX_QUEUES} kept: not shown"),
        );
    }
    state.model.queues_not_shown = not_shown;
    state.model.queues = queues;
    if let Some(q) = &state.views.list.queue_narrow
        && !taken.contains(q)
        && !state
            .model
            .conversations
            .values()
            .any(|c| c.queue.as_ref().is_some_and(|(id, _)| id == q))
    {
        // The queue is gone and nothing is left in it.
        state.views.list.queue_narrow = None;
        keep_selection_visible(&mut state.views, &state.model);
    }
    let n = state.model.queues.len();
    state.views.queues.cursor = state.views.queues.cursor.min(n.saturating_sub(1));
}

/// A queue-size answer for one queue.
pub(in crate::app::update) fn merge_queue_size(
    state: &mut State,
    queue_id: &str,
    result: Result<Option<QueueSize>, String>,
) {
    let now = state.now_ms;
    let Some(q) = state.model.queues.iter_mut().find(|q| q.id == queue_id) else {
        return;
    };
    match result {
        Ok(size) => {
            let odd = |s: &Option<QueueSize>| s.as_ref().map(|s| s.odd.clone()).unwrap_or_default();
            let (before, after) = (odd(&q.size), odd(&size));
            q.size = size;
            q.size_at_ms = Some(now);
            q.size_error = None;
            // In words once per change, not on every poll that repeats it.
            if !after.is_empty() && after != before {
                let name = clean(&q.name, MAX_FIELD);
                let what: Vec<String> = after
                    .iter()
                    .map(|o| clean(&o.describe(), MAX_FIELD))
                    .collect();
                state.log.push(
                    now,
                    LogKind::Error,
                    format!("queue-size for {name}: {}", what.join("; ")),
                );
            }
        }
        Err(e) => {
            let name = q.name.clone();
            q.size_error = Some(clean(&e, MAX_FIELD));
            state
                .log
                .push(now, LogKind::Error, format!("poll queue size {name}: {e}"));
        }
    }
}
