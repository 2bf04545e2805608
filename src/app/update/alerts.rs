//! The alerts pass: which conversations and queues are past a threshold
//! now, kept in `State::breaches`, and whether the bell rings.
//!
//! It runs after a clock tick, a poll of conversations or queues, and any
//! action that changed a conversation. The listed conversations that wait
//! for an agent are found again only when the conversations changed; a
//! tick looks at those alone, so the count stays cheap with 50,000
//! conversations (the view reads the count, never walks them).

use super::*;
use crate::app::alerts::queue_level;
use crate::app::queries::kore_longest_ms;
use std::collections::{BTreeMap, HashMap};

/// Judges the waits and the queues when `due` (the clock or a poll moved)
/// or the conversations changed since the last pass. Rings at most one bell
/// per pass, however many breaches are new.
pub(super) fn judge(state: &mut State, due: bool) -> Vec<Effect> {
    let generation = state.conversations.generation();
    let changed = state.breaches.generation != Some(generation);
    if !due && !changed {
        return Vec::new();
    }
    if changed {
        let waiting: Vec<String> = state
            .conversations
            .values()
            .filter(|c| c.listed && c.wait_ms.is_some() && c.is_waiting())
            .map(|c| c.id.clone())
            .collect();
        let conversations = &state.conversations;
        // What the bell rang for goes with the conversation.
        state
            .breaches
            .rung_conversations
            .retain(|id, _| conversations.contains_key(id));
        state.breaches.waiting = waiting;
        state.breaches.generation = Some(generation);
    }
    let now = state.now_ms;
    let mut conversations = BTreeMap::new();
    // The longest wait now of each queue, as the list has it.
    let mut longest: HashMap<&str, i64> = HashMap::new();
    for id in &state.breaches.waiting {
        let Some(c) = state.conversations.get(id) else {
            continue;
        };
        let Some(wait) = c.wait_now_ms(now) else {
            continue;
        };
        let level = state.thresholds_of(c).wait_level(wait);
        if level.is_breach() {
            conversations.insert(id.clone(), level);
        }
        if let Some((q, _)) = &c.queue {
            let l = longest.entry(q.as_str()).or_insert(wait);
            *l = (*l).max(wait);
        }
    }
    let service = state.service_counts();
    let mut queues = BTreeMap::new();
    for q in &state.queues {
        // As the queue pane shows it: Kore's longest wait, else the list's.
        let longest_ms = kore_longest_ms(q).or(longest.get(q.id.as_str()).copied());
        let t = state.settings.alerts.for_queue(&q.id, &q.name);
        let sl = service.get(q.id.as_str()).copied().unwrap_or_default();
        let level = queue_level(t, longest_ms, sl);
        if level.is_breach() {
            queues.insert(q.id.clone(), level);
        }
    }
    let new = state.breaches.record(conversations, queues);
    if new && state.settings.alerts.bell {
        vec![Effect::Bell]
    } else {
        Vec::new()
    }
}
