//! `:view`: list the saved views, `:view NAME` restores one, `:view save
//! NAME` keeps the lists' view under a name and asks the runtime to write
//! the views file (`Effect::SaveViews`; its answer comes back as a
//! `Note`). The views themselves: `app::views`.

use super::*;
use crate::app::views::{MAX_VIEWS, SavedView};

/// `:view`, `:view NAME`, `:view save NAME`. A key bound to it lists them.
pub(super) fn view(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    let word = word.unwrap_or("").trim();
    if word.is_empty() {
        list(&mut state.views, &mut state.log, state.now_ms);
        return Vec::new();
    }
    if word == "save" {
        state.refuse("usage: :view save NAME");
        return Vec::new();
    }
    if let Some(name) = word.strip_prefix("save ") {
        return save(&mut state.views, &mut state.log, state.now_ms, name.trim());
    }
    restore(state, word);
    Vec::new()
}

/// The lists' view now, as a view would keep it.
fn current(views: &Views) -> SavedView {
    SavedView {
        filter: views.list.filter.clone(),
        sort: views.list.sort.label().to_string(),
        reversed: views.list.reversed,
        queue: views.list.queue_narrow.clone(),
        agent: views.list.agent_narrow.clone(),
        focus: views.focus,
        problems_only: views.problems_only,
    }
}

fn save(views: &mut Views, log: &mut Log, now_ms: i64, name: &str) -> Vec<Effect> {
    if let Err(e) = crate::app::views::check_name(name) {
        views.refuse(log, now_ms, e);
        return Vec::new();
    }
    let saved = &views.saved_views;
    if !saved.file.contains_key(name) && saved.file.len() + saved.unreadable.len() >= MAX_VIEWS {
        views.refuse(
            log,
            now_ms,
            format!("{MAX_VIEWS} views are saved already; remove some from the views file first"),
        );
        return Vec::new();
    }
    if let Some(why) = saved.broken.clone() {
        views.refuse(
            log,
            now_ms,
            format!(
                "the views file could not be read at start ({why}); fix or remove it, then \
                 restart, before :view save (nothing was saved)"
            ),
        );
        return Vec::new();
    }
    let view = current(views);
    let described = view.describe();
    views.saved_views.file.insert(name.to_string(), view);
    let Some(path) = views.saved_views.path.clone() else {
        views.say(format!(
            "view {name} kept for this run only ({described}); this console has no views file"
        ));
        return Vec::new();
    };
    views.say(format!("view {name} saved ({described}); writing {path}…"));
    vec![Effect::SaveViews {
        path,
        text: views.saved_views.file_text(),
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
    keep_selection_visible(&mut state.views, &state.model);
    let n = state.visible_queue_rows().len();
    state.views.queues.cursor = state.views.queues.cursor.min(n.saturating_sub(1));
    let shown = state.visible_ids().len();
    state.say(format!(
        "view {name}: {shown} conversation(s) shown ({})",
        view.describe()
    ));
}

fn list(views: &mut Views, log: &mut Log, now: i64) {
    let names = views.saved_views.names();
    if names.is_empty() {
        views.say(
            "no view is saved yet: :view save NAME keeps the lists' filter, sort and narrowing",
        );
        return;
    }
    for name in &names {
        if let Some(v) = views.saved_views.get(name) {
            let line = format!("view {name}: {}", v.describe());
            log.push(now, LogKind::Info, line);
        }
    }
    views.say(format!(
        "views: {} (:view NAME restores one; each in the log)",
        names.join(", ")
    ));
}
