//! `:view`: list the saved views, `:view NAME` restores one, `:view save
//! NAME` keeps the lists' view under a name and asks the runtime to write
//! the views file (`Effect::SaveViews`; its answer comes back as a
//! `Note`). The views themselves: `app::views`.

use super::*;
use crate::app::views::{self, MAX_VIEWS, SavedView};

/// `:view`, `:view NAME`, `:view save NAME`. A key bound to it lists them.
pub(super) fn view(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    let word = word.unwrap_or("").trim();
    if word.is_empty() {
        list(state);
        return Vec::new();
    }
    if word == "save" {
        state.refuse("usage: :view save NAME");
        return Vec::new();
    }
    if let Some(name) = word.strip_prefix("save ") {
        return save(state, name.trim());
    }
    restore(state, word);
    Vec::new()
}

/// The lists' view now, as a view would keep it.
fn current(state: &State) -> SavedView {
    SavedView {
        filter: state.views.list.filter.clone(),
        sort: state.views.list.sort.label().to_string(),
        reversed: state.views.list.reversed,
        queue: state.views.list.queue_narrow.clone(),
        agent: state.views.list.agent_narrow.clone(),
        focus: state.views.focus,
        problems_only: state.views.problems_only,
    }
}

fn save(state: &mut State, name: &str) -> Vec<Effect> {
    if let Err(e) = views::check_name(name) {
        state.refuse(e);
        return Vec::new();
    }
    let saved = &state.views.saved_views;
    if !saved.file.contains_key(name) && saved.file.len() + saved.unreadable.len() >= MAX_VIEWS {
        state.refuse(format!(
            "{MAX_VIEWS} views are saved already; remove some from the views file first"
        ));
        return Vec::new();
    }
    if let Some(why) = saved.broken.clone() {
        state.refuse(format!(
            "the views file could not be read at start ({why}); fix or remove it, then restart, \
             before :view save (nothing was saved)"
        ));
        return Vec::new();
    }
    let view = current(state);
    let described = view.describe();
    state.views.saved_views.file.insert(name.to_string(), view);
    let Some(path) = state.views.saved_views.path.clone() else {
        state.say(format!(
            "view {name} kept for this run only ({described}); this console has no views file"
        ));
        return Vec::new();
    };
    state.say(format!("view {name} saved ({described}); writing {path}…"));
    vec![Effect::SaveViews {
        path,
        text: state.views.saved_views.file_text(),
        name: name.to_string(),
    }]
}

fn restore(state: &mut State, name: &str) {
    let Some(view) = state.views.saved_views.get(name).cloned() else {
        let names = state.views.saved_views.names();
        state.refuse(if names.is_empty() {
            format!("no view is named {name:?}; none is saved yet (:view save NAME)")
        } else {
            format!("no view is named {name:?} (views: {})", names.join(", "))
        });
        return;
    };
    state.views.list.filter = view.filter.clone();
    state.views.list.sort = SortBy::parse(&view.sort).unwrap_or_default();
    state.views.list.reversed = view.reversed;
    state.views.list.queue_narrow = view.queue.clone();
    state.views.list.agent_narrow = view.agent.clone();
    state.views.problems_only = view.problems_only;
    match view.focus {
        Pane::Queues => state.views.queues.shown = true,
        Pane::Agents => state.views.queues.shown = false,
        _ => {}
    }
    state.views.focus = view.focus;
    keep_selection_visible(state);
    let n = state.visible_queue_rows().len();
    state.views.queues.cursor = state.views.queues.cursor.min(n.saturating_sub(1));
    let shown = state.visible_ids().len();
    state.say(format!(
        "view {name}: {shown} conversation(s) shown ({})",
        view.describe()
    ));
}

fn list(state: &mut State) {
    let names = state.views.saved_views.names();
    if names.is_empty() {
        state.say(
            "no view is saved yet: :view save NAME keeps the lists' filter, sort and narrowing",
        );
        return;
    }
    let now = state.now_ms;
    for name in &names {
        if let Some(v) = state.views.saved_views.get(name) {
            let line = format!("view {name}: {}", v.describe());
            state.log.push(now, LogKind::Info, line);
        }
    }
    state.say(format!(
        "views: {} (:view NAME restores one; each in the log)",
        names.join(", ")
    ));
}
