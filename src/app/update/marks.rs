//! Marks (`app::marks`): `Space` marks or unmarks the selected
//! conversation and moves down, `Ctrl-Space` marks the range from the last
//! mark to the selection, `:mark filter` marks every conversation the list
//! shows, `:mark none` (and `Esc` twice, once nothing else is left to
//! clear) clears them. After a poll, a marked conversation that is gone or
//! ended leaves the marks with a log line.

use super::*;

/// `Space`; `:mark filter`, `:mark none`.
pub(super) fn mark(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    match word.map(str::trim) {
        None => toggle(state),
        Some("filter") => mark_filter(state),
        Some("none") => clear(state),
        Some(_) => {
            state.refuse("usage: :mark filter | :mark none (Space marks one, Ctrl-Space a range)")
        }
    }
    Vec::new()
}

fn toggle(state: &mut State) {
    let Some(id) = state.views.list.selected.clone() else {
        state.refuse("no conversation selected");
        return;
    };
    state.views.list.marks.toggle(&id);
    move_cursor(state, 1);
}

/// `Ctrl-Space`: every conversation from the last mark to the selected
/// one, in the list's order, both ends included.
pub(super) fn mark_range(state: &mut State) -> Vec<Effect> {
    let Some(to) = state.views.list.selected.clone() else {
        state.refuse("no conversation selected");
        return Vec::new();
    };
    let ids = state.visible_ids();
    let from = state
        .views
        .list
        .marks
        .anchor
        .as_ref()
        .and_then(|a| ids.position(a));
    let (Some(from), Some(at)) = (from, ids.position(&to)) else {
        state.refuse("no mark to start a range from in this list: Space marks one first");
        return Vec::new();
    };
    let (lo, hi) = (from.min(at), from.max(at));
    let range: Vec<String> = (lo..=hi)
        .filter_map(|i| ids.get(i).map(str::to_string))
        .collect();
    let new = state.views.list.marks.add(range.iter().map(String::as_str));
    state.views.list.marks.anchor = Some(to);
    let total = state.views.list.marks.len();
    state.say(format!(
        "{} conversation(s) in the range, {new} newly marked ({total} marked)",
        range.len()
    ));
    Vec::new()
}

fn mark_filter(state: &mut State) {
    let ids = state.visible_ids();
    let shown: Vec<String> = ids.iter().map(str::to_string).collect();
    let new = state.views.list.marks.add(shown.iter().map(String::as_str));
    let total = state.views.list.marks.len();
    state.say(format!(
        "{new} conversation(s) marked of {} shown ({total} marked)",
        shown.len()
    ));
}

fn clear(state: &mut State) {
    let n = state.views.list.marks.clear();
    state.say(if n == 0 {
        "no conversation was marked".to_string()
    } else {
        format!("{n} mark(s) cleared")
    });
}

fn clear_question(n: usize) -> String {
    format!("{n} marked: Esc again clears the marks")
}

/// `Esc` once nothing else is left to clear: the first asks, the second
/// (while the question shows) clears. Whether it took the key.
pub(super) fn esc_twice(state: &mut State) -> bool {
    let n = state.views.list.marks.len();
    if n == 0 {
        return false;
    }
    let question = (clear_question(n), false);
    if state.views.list.marks.clear_armed && state.views.flash.as_ref() == Some(&question) {
        clear(state);
    } else {
        state.views.list.marks.clear_armed = true;
        state.views.flash = Some(question);
    }
    true
}

/// After a poll: marks of conversations no longer held, or ended, go,
/// each with a log line.
pub(super) fn prune(state: &mut State) {
    if state.views.list.marks.is_empty() {
        return;
    }
    let gone: Vec<String> = state
        .views
        .list
        .marks
        .ids
        .iter()
        .filter(|id| {
            state
                .model
                .conversations
                .get(id.as_str())
                .is_none_or(|c| c.state() == ConvState::Ended)
        })
        .cloned()
        .collect();
    for id in gone {
        state.views.list.marks.ids.remove(&id);
        if state.views.list.marks.anchor.as_deref() == Some(id.as_str()) {
            state.views.list.marks.anchor = None;
        }
        let text = format!(
            "{} closed: its mark is dropped ({} marked)",
            clean(&id, MAX_FIELD),
            state.views.list.marks.len()
        );
        let now = state.now_ms;
        state.log.push(now, LogKind::Info, text);
    }
}
