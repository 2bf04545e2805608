//! The alerts pass: which conversations and queues are past a threshold
//! now, kept in `Model::breaches`, and whether the bell rings.
//!
//! It runs after a clock tick and a poll of conversations or queues (so a
//! change from a request's result shows by the next second at the latest).
//! The listed conversations that wait for an agent are found again only
//! when the conversations changed since the last pass, each with its wait
//! and thresholds (when every change since was tracked and they are few,
//! only the changed ones are looked at again: a list that grows by a page
//! between ticks costs its page, not a walk through 100,000); otherwise a
//! tick judges those alone, from what was kept
//! (no lookup, and a map changes only for one whose level changed), so the
//! count stays cheap with 50,000 conversations (the view reads the count,
//! never walks them), and a burst of results costs one walk, not one per
//! result.

use super::*;
use crate::app::alerts::{Level, Waiting, queue_level};
use crate::app::queries::kore_longest_ms;
use std::collections::BTreeMap;

/// Judges the waits and the queues (when `due`: the clock or a poll
/// moved). Rings at most one bell per pass, however many breaches are new.
pub(super) fn judge(model: &mut Model, settings: &Settings, now: i64, due: bool) -> Vec<Effect> {
    if !due {
        return Vec::new();
    }
    let generation = model.conversations.generation();
    let kept = model.breaches.generation;
    match kept {
        Some(g) if g == generation => {}
        Some(g) if patch_waiting(model, settings, g) => {}
        _ => find_waiting(model, settings),
    }
    model.breaches.generation = Some(generation);
    let mut new = false;
    for i in 0..model.breaches.waiting.len() {
        new |= model.breaches.judge_waiting(i, now);
    }
    // The longest wait now of each queue, as the list has it.
    let b = &model.breaches;
    let mut longest = vec![None::<i64>; b.waiting_queues.len()];
    for w in &b.waiting {
        if let Some(q) = w.queue {
            let wait = w.wait_now_ms(now);
            longest[q] = Some(longest[q].map_or(wait, |l| l.max(wait)));
        }
    }
    let service = model.service_counts();
    let mut queues = BTreeMap::new();
    let place: std::collections::HashMap<&str, usize> = b
        .waiting_queues
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for q in &model.queues {
        // As the queue pane shows it: Kore's longest wait, else the list's.
        let listed = place.get(q.id.as_str()).copied();
        let longest_ms = kore_longest_ms(q).or(listed.and_then(|i| longest[i]));
        let t = settings.alerts.for_queue(&q.id, &q.name);
        let sl = service.get(q.id.as_str()).copied().unwrap_or_default();
        let level = queue_level(t, longest_ms, sl);
        if level.is_breach() {
            queues.insert(q.id.clone(), level);
        }
    }
    new |= model.breaches.set_queues(queues);
    if settings.alerts.bell && model.breaches.ring(new, now) {
        vec![Effect::Bell]
    } else {
        Vec::new()
    }
}

/// Makes the list of waiting conversations again (the conversations
/// changed): one walk, then each is judged afresh.
fn find_waiting(model: &mut Model, settings: &Settings) {
    let mut queues: Vec<String> = Vec::new();
    let mut place: std::collections::HashMap<String, usize> = Default::default();
    let mut waiting = Vec::new();
    for c in model.conversations.values() {
        let Some(wait_ms) = c.wait_ms else { continue };
        if !c.listed || !c.is_waiting() {
            continue;
        }
        let queue = c.queue.as_ref().map(|(id, _)| {
            *place.entry(id.clone()).or_insert_with(|| {
                queues.push(id.clone());
                queues.len() - 1
            })
        });
        waiting.push(Waiting {
            id: c.id.clone(),
            wait_ms,
            listed_at_ms: c.listed_at_ms,
            queue,
            thresholds: *thresholds_of(settings, c),
            level: Level::Ok,
        });
    }
    let conversations = &model.conversations;
    let b = &mut model.breaches;
    // What the bell rang for goes with the conversation.
    b.rung_conversations
        .retain(|id, _| conversations.contains_key(id));
    b.clear_conversations();
    b.waiting = waiting;
    b.waiting_queues = queues;
}

/// Brings the list of waiting conversations up to date from the changes
/// since `generation` (the one it was made at), when every change since
/// was tracked and they are at most
/// [`patch_limit`](crate::app::state::patch_limit): each changed one is
/// taken out (its breach with it), and put back, judged afresh by the
/// pass, if it waits now. False (nothing done) when the walk is needed.
fn patch_waiting(model: &mut Model, settings: &Settings, generation: u64) -> bool {
    let conversations = &model.conversations;
    let Some(changes) = conversations.changed_since(generation) else {
        return false;
    };
    let changed: crate::app::list::IdSet = changes.collect();
    if changed.len() > crate::app::state::patch_limit(conversations.len()) {
        return false;
    }
    let b = &mut model.breaches;
    b.waiting.retain(|w| !changed.contains(w.id.as_str()));
    for id in &changed {
        b.forget_conversation(id);
        if !conversations.contains_key(*id) {
            b.rung_conversations.remove(*id);
        }
    }
    let mut place: std::collections::HashMap<String, usize> = b
        .waiting_queues
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i))
        .collect();
    let mut ids: Vec<&str> = changed.into_iter().collect();
    ids.sort_unstable();
    for c in ids.into_iter().filter_map(|id| conversations.get(id)) {
        let Some(wait_ms) = c.wait_ms else { continue };
        if !c.listed || !c.is_waiting() {
            continue;
        }
        let queue = c.queue.as_ref().map(|(id, _)| {
            *place.entry(id.clone()).or_insert_with(|| {
                b.waiting_queues.push(id.clone());
                b.waiting_queues.len() - 1
            })
        });
        b.waiting.push(Waiting {
            id: c.id.clone(),
            wait_ms,
            listed_at_ms: c.listed_at_ms,
            queue,
            thresholds: *thresholds_of(settings, c),
            level: Level::Ok,
        });
    }
    true
}

/// `State::thresholds_of`, from the settings alone (the breaches are
/// being changed beside it).
fn thresholds_of<'a>(
    settings: &'a crate::app::state::Settings,
    c: &Conversation,
) -> &'a crate::app::alerts::Thresholds {
    match &c.queue {
        Some((id, name)) => settings.alerts.for_queue(id, name),
        None => &settings.alerts.default,
    }
}
