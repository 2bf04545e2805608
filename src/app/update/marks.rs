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
        Some("filter") => mark_filter(&mut state.views, &state.model),
        Some("none") => clear(&mut state.views),
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
    super::dispatch::cursor(state, 1);
}

/// `Ctrl-Space`: every conversation from the last mark to the selected
/// one, in the list's order, both ends included.
pub(super) fn mark_range(
    views: &mut Views,
    log: &mut Log,
    model: &Model,
    now_ms: i64,
) -> Vec<Effect> {
    let Some(to) = views.list.selected.clone() else {
        views.refuse(log, now_ms, "no conversation selected");
        return Vec::new();
    };
    let ids = views.list.visible_ids(model, views.problems_only);
    let from = views
        .list
        .marks
        .anchor
        .as_ref()
        .and_then(|a| ids.position(a));
    let (Some(from), Some(at)) = (from, ids.position(&to)) else {
        views.refuse(
            log,
            now_ms,
            "no mark to start a range from in this list: Space marks one first",
        );
        return Vec::new();
    };
    let (lo, hi) = (from.min(at), from.max(at));
    let range: Vec<String> = (lo..=hi)
        .filter_map(|i| ids.get(i).map(str::to_string))
        .collect();
    let new = views.list.marks.add(range.iter().map(String::as_str));
    views.list.marks.anchor = Some(to);
    let total = views.list.marks.len();
    views.say(format!(
        "{} conversation(s) in the range, {new} newly marked ({total} marked)",
        range.len()
    ));
    Vec::new()
}

fn mark_filter(views: &mut Views, model: &Model) {
    let ids = views.list.visible_ids(model, views.problems_only);
    let shown: Vec<String> = ids.iter().map(str::to_string).collect();
    let new = views.list.marks.add(shown.iter().map(String::as_str));
    let total = views.list.marks.len();
    views.say(format!(
        "{new} conversation(s) marked of {} shown ({total} marked)",
        shown.len()
    ));
}

fn clear(views: &mut Views) {
    let n = views.list.marks.clear();
    views.say(if n == 0 {
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
pub(super) fn esc_twice(views: &mut Views) -> bool {
    let n = views.list.marks.len();
    if n == 0 {
        return false;
    }
    let question = (clear_question(n), false);
    if views.list.marks.clear_armed && views.flash.as_ref() == Some(&question) {
        clear(views);
    } else {
        views.list.marks.clear_armed = true;
        views.flash = Some(question);
    }
    true
}

/// After a poll: marks of conversations no longer held, or ended, go,
/// each with a log line.
pub(super) fn prune(list: &mut ListView, log: &mut Log, model: &Model, now: i64) {
    if list.marks.is_empty() {
        return;
    }
    let gone: Vec<String> = list
        .marks
        .ids
        .iter()
        .filter(|id| {
            model
                .conversations
                .get(id.as_str())
                .is_none_or(|c| c.state() == ConvState::Ended)
        })
        .cloned()
        .collect();
    for id in gone {
        list.marks.ids.remove(&id);
        if list.marks.anchor.as_deref() == Some(id.as_str()) {
            list.marks.anchor = None;
        }
        let text = format!(
            "{} closed: its mark is dropped ({} marked)",
            clean(&id, MAX_FIELD),
            list.marks.len()
        );
        log.push(now, LogKind::Info, text);
    }
}
