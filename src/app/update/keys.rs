//! Keys, mode by mode. A key press becomes a registry [`Command`] (or typed
//! text) through the keymap of the open mode, and the dispatch
//! (`dispatch.rs`) runs it with the handlers here: the lists, the help, a
//! confirmation, a filter, the picker, the command line and the form.
//! Typed text and paste take one path into the open [`TextInput`].

use super::*;
use crate::app::command::KeyMode;
use crate::app::details::DetailsWhy;
use crate::app::input::{Edit, TextInput};
use crate::app::queries::QueueQuery;

/// What a key press is, once the keymap of the open mode has read it.
enum Input {
    Command(Command),
    Text(char),
    Unbound,
}

fn resolve(state: &State, key: &KeyEvent) -> Input {
    let mode = state.views.mode.key_mode();
    // The log pane's keys come first while it has the focus.
    if mode == KeyMode::Normal
        && state.views.focus == Pane::Log
        && let Some(c) = state.keymap.lookup_in(KeyMode::LogPane, key)
    {
        return Input::Command(c);
    }
    if let Some(c) = state.keymap.lookup_in(mode, key) {
        return Input::Command(c);
    }
    match key.code {
        KeyCode::Char(c)
            if mode.reads_text()
                && !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Input::Text(c)
        }
        _ => Input::Unbound,
    }
}

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match resolve(state, &key) {
        Input::Command(c) => run(state, c),
        Input::Text(c) => type_text(
            &mut state.views,
            &mut state.log,
            &state.model,
            state.now_ms,
            c.encode_utf8(&mut [0; 4]),
        ),
        // Only the help's own keys act in it (a stray key closes nothing).
        // The key that opened the wallboard closes it again.
        Input::Unbound
            if state.views.mode == Mode::Wallboard
                && state.keymap.lookup_in(KeyMode::Normal, &key) == Some(Command::Wallboard) =>
        {
            close_wallboard(state)
        }
        Input::Unbound => Vec::new(),
    }
}

/// Back from the wallboard to the lists; in the wallboard-only modes
/// (`switchboard wallboard`, `demo --wallboard`) that is quitting.
pub(super) fn close_wallboard(state: &mut State) -> Vec<Effect> {
    state.views.mode = Mode::Normal;
    if state.views.wallboard_only {
        return ask_quit(state);
    }
    state.say("back from the wallboard");
    Vec::new()
}

pub(super) fn close_help(views: &mut Views) -> Vec<Effect> {
    views.help.scroll = 0;
    views.mode = Mode::Normal;
    Vec::new()
}

/// The help scrolls when it is taller than the screen: `to` takes where it
/// is, a page and the end, and says where it goes.
pub(super) fn scroll_help(
    views: &mut Views,
    keymap: &crate::app::keymap::Keymap,
    to: impl FnOnce(u16, u16, u16) -> u16,
) -> Vec<Effect> {
    let page = views.screen.1.saturating_sub(4).max(1);
    // An upper bound of its lines (the view clamps the scroll to what
    // it drew): the keys, the modes, the commands and the legend.
    let most = (keymap.help_rows().len() + 40) as u16;
    views.help.scroll = to(views.help.scroll, page, most).min(most);
    Vec::new()
}

/// Enter does what the capital letter of the prompt says (`yes: None`):
/// yes for most sends (`Y/n`); no for ending, a cold transfer, an agent at
/// capacity, dropping, resending or quitting (`y/N`).
pub(super) fn answer(state: &mut State, yes: Option<bool>) -> Vec<Effect> {
    let Mode::Confirm {
        pending,
        enter_sends,
        ..
    } = state.views.mode.clone()
    else {
        return Vec::new();
    };
    state.views.mode = Mode::Normal;
    if yes.unwrap_or(enter_sends) {
        execute(state, pending)
    } else {
        state.say("cancelled: nothing was sent");
        Vec::new()
    }
}

/// The `/` filter applies as it is typed; Enter keeps it, Esc clears it.
pub(super) fn leave_filter(
    views: &mut Views,
    log: &mut Log,
    model: &Model,
    clear: bool,
) -> Vec<Effect> {
    if let Mode::Filter { pane, .. } = views.mode
        && clear
    {
        set_filter(views, log, model, pane, String::new());
    }
    views.mode = Mode::Normal;
    Vec::new()
}

/// The agent picker: typing narrows, arrows move, Enter picks.
pub(super) fn picker_move(
    views: &mut Views,
    model: &Model,
    settings: &Settings,
    now_ms: i64,
    down: bool,
) -> Vec<Effect> {
    if let Mode::Picker(p) = &mut views.mode {
        p.selected = if down {
            p.selected + 1
        } else {
            p.selected.saturating_sub(1)
        };
    }
    if down {
        clamp_picker(views, model, settings, now_ms);
    }
    Vec::new()
}

pub(super) fn picker_cancel(views: &mut Views) -> Vec<Effect> {
    views.mode = Mode::Normal;
    views.say("cancelled: nothing was sent");
    Vec::new()
}

/// Enter in the picker: the highlighted agent, or queue after `q:`.
pub(super) fn picker_pick(state: &mut State) -> Vec<Effect> {
    let Mode::Picker(p) = state.views.mode.clone() else {
        return Vec::new();
    };
    if crate::app::queries::picker_queue_query(&p).is_some() {
        let choice = state.picker_queue_choices().into_iter().nth(p.selected);
        state.views.mode = Mode::Normal;
        return match choice {
            Some(q) => picked_queue(state, &p.conversation, &q.id, &q.name),
            None => {
                state.refuse("no queue matches; nothing was sent");
                Vec::new()
            }
        };
    }
    if p.purpose == Verb::Assign && super::bulk::on_marks(state) && p.query.as_str().contains(',') {
        // Each part's best match, in the picker's order: spread over them.
        let choices: Vec<Agent> = state.picker_choices().into_iter().cloned().collect();
        let query = p.query.as_str().to_lowercase();
        let agents: Vec<Agent> = query
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .filter_map(|w| {
                let hit = |a: &&Agent| {
                    a.name.to_lowercase().contains(w) || a.id.to_lowercase().contains(w)
                };
                choices.iter().find(hit).cloned()
            })
            .collect();
        state.views.mode = Mode::Normal;
        return super::bulk::spread(state, agents);
    }
    let choice = state.picker_choices().get(p.selected).map(|a| (*a).clone());
    state.views.mode = Mode::Normal;
    match choice {
        Some(agent) => picked(state, p.purpose, &p.conversation, agent),
        None => {
            state.refuse("no agent matches; nothing was sent");
            Vec::new()
        }
    }
}

/// Enter on the `:` line runs it.
pub(super) fn line_run(state: &mut State) -> Vec<Effect> {
    let Mode::Command { input } = std::mem::replace(&mut state.views.mode, Mode::Normal) else {
        return Vec::new();
    };
    run_command(state, input.as_str())
}

/// Tab on the `:` line completes it; Tab again on the line it left, the
/// next candidate.
pub(super) fn line_complete(state: &mut State) -> Vec<Effect> {
    let Mode::Command { mut input } = state.views.mode.clone() else {
        return Vec::new();
    };
    let again = state
        .views
        .completion
        .as_mut()
        .filter(|c| c.line == input.as_str())
        .and_then(|c| c.cycle());
    let text = match again {
        Some(text) => text,
        None => {
            let done = crate::app::queries::complete(input.as_str(), state);
            state.views.completion = crate::app::queries::CompletionList::of(&done);
            done.text
        }
    };
    input.set(&text);
    state.views.mode = Mode::Command { input };
    Vec::new()
}

/// The `n` form: Tab moves between fields, Enter opens the conversation.
pub(super) fn form_step(views: &mut Views, forward: bool) -> Vec<Effect> {
    if let Mode::NewConversation(form) = &mut views.mode {
        let n = form.fields.len();
        form.focus = if forward {
            (form.focus + 1) % n
        } else {
            (form.focus + n - 1) % n
        };
    }
    Vec::new()
}

pub(super) fn form_submit(state: &mut State) -> Vec<Effect> {
    if let Mode::NewConversation(form) = state.views.mode.clone() {
        submit_new_conversation(state, form);
    }
    Vec::new()
}

/// The open text input, if any.
fn open_input(mode: &mut Mode) -> Option<&mut TextInput> {
    match mode {
        Mode::Filter { input, .. } | Mode::Command { input } => Some(input),
        Mode::Picker(p) => Some(&mut p.query),
        Mode::NewConversation(f) => Some(&mut f.fields[f.focus]),
        _ => None,
    }
}

/// An editing key on the open input. Backspace on an empty `:` line
/// closes it.
pub(super) fn edit_input(
    views: &mut Views,
    log: &mut Log,
    model: &Model,
    edit: Edit,
) -> Vec<Effect> {
    if edit == Edit::Backspace
        && let Mode::Command { input } = &views.mode
        && input.is_empty()
    {
        views.mode = Mode::Normal;
        return Vec::new();
    }
    let changed = open_input(&mut views.mode).is_some_and(|input| input.edit(edit));
    if changed {
        after_typing(views, log, model);
    }
    Vec::new()
}

/// Typed or pasted text into the open input: one path, one cap.
pub(super) fn type_text(
    views: &mut Views,
    log: &mut Log,
    model: &Model,
    now_ms: i64,
    text: &str,
) -> Vec<Effect> {
    let Some(input) = open_input(&mut views.mode) else {
        return Vec::new();
    };
    let cap = input.cap();
    let fits = input.insert(text);
    after_typing(views, log, model);
    if !fits {
        let what = match &mut views.mode {
            Mode::Filter { .. } => "a filter".to_string(),
            Mode::Command { .. } => "a command".to_string(),
            Mode::Picker(_) => "the picker's search".to_string(),
            Mode::NewConversation(f) => {
                let label = NewConversationForm::LABELS[f.focus];
                f.error = Some(format!(
                    "{label} holds at most {cap} characters; the rest was cut"
                ));
                label.to_string()
            }
            _ => "an input".to_string(),
        };
        views.refuse(
            log,
            now_ms,
            format!("{what} holds at most {cap} characters; the rest was cut"),
        );
    }
    Vec::new()
}

/// What follows a change of the open input: the filter applies at once, the
/// picker starts from its first choice again.
fn after_typing(views: &mut Views, log: &mut Log, model: &Model) {
    match &mut views.mode {
        Mode::Filter { pane, input } => {
            let (pane, text) = (*pane, input.as_str().to_string());
            set_filter(views, log, model, pane, text);
        }
        Mode::Picker(p) => p.selected = 0,
        _ => {}
    }
}

pub(super) fn set_filter(
    views: &mut Views,
    log: &mut Log,
    model: &Model,
    pane: Pane,
    text: String,
) {
    match pane {
        Pane::Agents => {
            views.agents.filter = text;
            views.agents.cursor = 0;
        }
        Pane::Log => {
            log.set_filter(&text);
        }
        Pane::Conversations | Pane::Roster | Pane::Queues => {
            views.list.filter = text;
            keep_selection_visible(views, model);
        }
    }
}

pub(super) fn clamp_picker(views: &mut Views, model: &Model, settings: &Settings, now_ms: i64) {
    let queues = QueueQuery {
        model,
        views,
        settings,
        now_ms,
    };
    let n = views
        .picker_choices(model)
        .len()
        .max(queues.picker_queue_choices().len());
    if let Mode::Picker(p) = &mut views.mode {
        p.selected = p.selected.min(n.saturating_sub(1));
    }
}

/// Tab and Shift-Tab: the next or previous pane.
pub(super) fn focus_next(views: &mut Views, forward: bool) {
    views.focus = if forward {
        views.focus.next(views.queues.shown)
    } else {
        views.focus.prev(views.queues.shown)
    };
}

/// Enter in the lists: on a queue, only its conversations; on an agent,
/// only theirs; on a conversation, its detail (`enabled` has checked that
/// the row is there).
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    match state.views.focus {
        Pane::Queues => narrow_to_queue(state),
        Pane::Agents => narrow_to_agent(&mut state.views, &state.model),
        Pane::Conversations | Pane::Roster | Pane::Log => {
            state.views.detail.open =
                !state.views.detail.open || state.views.focus == Pane::Conversations;
            state.views.focus = Pane::Roster;
            state.views.detail.roster_cursor = 0;
            if let Some(id) = state.views.list.selected.clone() {
                return details_on_open(state, &id);
            }
        }
    }
    Vec::new()
}

/// `R`: Kore's details of the selected conversation again.
pub(super) fn details(state: &mut State) -> Vec<Effect> {
    state.views.detail.open = true;
    let id = state.views.list.selected.clone().unwrap_or_default();
    let effects = request_details(state, &id, DetailsWhy::Refresh);
    if effects.is_empty() {
        state.say(format!("details of {id}: already on their way"));
    }
    effects
}

/// The `:` line, empty or (bound to a key, a command that needs a word)
/// with the command's verb written.
pub(super) fn open_line(views: &mut Views, verb_of: Option<Command>) {
    views.completion = None;
    let input = match verb_of.and_then(Command::colon) {
        Some(colon) => TextInput::with_text(&format!("{} ", colon.verb), MAX_INPUT),
        None => TextInput::new(MAX_INPUT),
    };
    views.mode = Mode::Command { input };
}

/// `n`: the form that opens a conversation by hand.
pub(super) fn open_form(views: &mut Views, settings: &Settings) {
    let defaults = &settings.defaults;
    let form = NewConversationForm::new(&defaults.experience, &defaults.language);
    views.mode = Mode::NewConversation(form);
}

/// `s`: the focused list's next sort.
pub(super) fn next_sort(views: &mut Views) {
    match views.focus {
        Pane::Queues => {
            views.queues.sort = views.queues.sort.next();
            views.say(format!("queues sorted by {}", views.queues.sort.label()));
        }
        Pane::Agents => sort_agents(views, !views.agents.by_time),
        Pane::Conversations | Pane::Roster | Pane::Log => {
            views.list.sort = views.list.sort.next();
            views.say(format!(
                "conversations sorted by {}",
                views.list.sort_label()
            ));
        }
    }
}

/// `S`: the conversation list's sort reversed.
pub(super) fn reverse_sort(views: &mut Views) {
    views.list.reversed = !views.list.reversed;
    views.say(format!(
        "conversations sorted by {}",
        views.list.sort_label()
    ));
}

/// `n` / `N` in the log: the next or previous line holding the `:find`
/// text; the log stops following to show it.
pub(super) fn find_in_log(
    views: &mut Views,
    log: &mut Log,
    now_ms: i64,
    back: bool,
) -> Vec<Effect> {
    if log.search.is_empty() {
        views.refuse(log, now_ms, "nothing to find yet: :find TEXT");
        return Vec::new();
    }
    let from = if log.follow {
        log.visible_len().saturating_sub(1)
    } else {
        log.cursor
    };
    match log.find(from, back) {
        Some(i) => {
            log.follow = false;
            log.cursor = i;
            views.focus = Pane::Log;
        }
        None => {
            let text = format!("no log line holds {:?}", log.search);
            views.refuse(log, now_ms, text);
        }
    }
    Vec::new()
}

/// `/`: the filter of the focused list opens with what it holds.
pub(super) fn open_filter(views: &mut Views, log: &Log) {
    let pane = match views.focus {
        Pane::Roster | Pane::Queues => Pane::Conversations,
        p => p,
    };
    let text = match pane {
        Pane::Agents => &views.agents.filter,
        Pane::Log => log.filter(),
        _ => &views.list.filter,
    };
    let input = TextInput::with_text(text, MAX_INPUT);
    views.mode = Mode::Filter { pane, input };
}

/// `f`: the log follows new lines, or keeps its place.
/// The conversation list's freshness column on or off, with the plan's
/// promise on the message line.
pub(super) fn set_fresh_column(views: &mut Views, model: &Model, now_ms: i64, on: bool) {
    views.list.fresh_column = on;
    if !on {
        views.say("freshness column hidden");
        return;
    }
    let poll = &model.status.poll;
    let oldest = poll
        .oldest_ms
        .map(|o| format!("; the oldest read {} s ago", (now_ms - o).max(0) / 1000))
        .unwrap_or_default();
    let within = poll
        .plan
        .map(|p| {
            format!(
                "; every live conversation is read within ~{} s",
                p.full_ms.div_ceil(1000)
            )
        })
        .unwrap_or_default();
    views.say(format!(
        "freshness: time since each row was read{oldest}{within}"
    ));
}

/// `p` in the log pane: poll lines shown or hidden.
pub(super) fn toggle_polls(views: &mut Views, log: &mut Log) -> Vec<Effect> {
    let hide = !log.polls_hidden();
    log.hide_polls(hide);
    views.say(if hide {
        "log: poll lines hidden (p shows them)"
    } else {
        "log: poll lines shown"
    });
    Vec::new()
}

pub(super) fn toggle_follow(views: &mut Views, log: &mut Log) {
    log.follow = !log.follow;
    if !log.follow {
        log.cursor = log.visible_len().saturating_sub(1);
    }
    views.say(if log.follow {
        "log: following new lines"
    } else {
        "log: not following"
    });
}

/// Esc in the lists: one thing at a time: the message line, the focused
/// list's filter, then the detail; then, twice, the marks.
pub(super) fn back(state: &mut State) -> Vec<Effect> {
    let pane = match state.views.focus {
        Pane::Roster | Pane::Queues => Pane::Conversations,
        p => p,
    };
    let filtered = match pane {
        Pane::Agents => !state.views.agents.filter.is_empty(),
        Pane::Log => !state.log.filter().is_empty(),
        _ => !state.views.list.filter.is_empty(),
    };
    let narrowed =
        state.views.list.agent_narrow.is_some() || state.views.list.queue_narrow.is_some();
    // The marks go last, with Esc twice.
    if !(filtered || narrowed || state.views.detail.open)
        && super::marks::esc_twice(&mut state.views)
    {
        return Vec::new();
    }
    if state.views.flash.take().is_some() {
        return Vec::new();
    }
    if filtered {
        set_filter(
            &mut state.views,
            &mut state.log,
            &state.model,
            pane,
            String::new(),
        );
        state.say("filter cleared");
    } else if let Some(a) = state.views.list.agent_narrow.take() {
        keep_selection_visible(&mut state.views, &state.model);
        state.say(format!(
            "every conversation shown again (was {}'s)",
            state.agent_name(&a)
        ));
    } else if let Some(q) = state.views.list.queue_narrow.take() {
        keep_selection_visible(&mut state.views, &state.model);
        state.say(format!(
            "every queue's conversations shown again (was {})",
            state.queue_name(&q)
        ));
    } else if !state.views.detail.open && state.requests.bulk.is_some() {
        // Nothing else claims it: Esc on the progress line cancels.
        return super::bulk::cancel(state);
    } else {
        state.views.detail.open = false;
    }
    Vec::new()
}

/// `!`: the lists show only what is in trouble (waits and queues past their
/// thresholds, failed or unknown requests), or everything again.
pub(super) fn set_problems_only(state: &mut State, on: bool) {
    state.views.problems_only = on;
    keep_selection_visible(&mut state.views, &state.model);
    let n = state.visible_queue_rows().len();
    state.views.queues.cursor = state.views.queues.cursor.min(n.saturating_sub(1));
    let key = state.keymap.key_label(Command::ToggleProblems);
    state.say(if on {
        format!("problems only: breaches and failed requests ({key} shows everything)")
    } else {
        "every conversation and queue shown again".to_string()
    });
}

/// `u`: the queue pane in the agents' place, or the agents again. The focus
/// follows when it was on the pane that goes.
pub(super) fn toggle_queues(views: &mut Views, model: &Model) {
    views.queues.shown = !views.queues.shown;
    match (views.queues.shown, views.focus) {
        (true, Pane::Agents) => views.focus = Pane::Queues,
        (false, Pane::Queues) => views.focus = Pane::Agents,
        _ => {}
    }
    if views.queues.shown {
        let n = model.queues.len();
        views.say(if n == 0 {
            "queues: none listed yet (polling…)".to_string()
        } else {
            format!("queues: {n} shown; Enter narrows the conversations to one, Esc widens")
        });
    } else {
        views.say("agents shown again");
    }
}

/// Enter on the queue pane: the conversation list shows only that queue's.
fn narrow_to_queue(state: &mut State) {
    let Some(row) = state.selected_queue() else {
        return;
    };
    narrow_to(
        &mut state.views,
        &state.model,
        Narrow::Queue(row.id),
        &row.name,
    );
}

/// Which narrowing of the conversation list: a queue's or an agent's (by id).
enum Narrow {
    Queue(String),
    Agent(String),
}

/// The conversation list narrowed to one queue's or one agent's (`name`
/// in the flash), the selection on its first row.
fn narrow_to(views: &mut Views, model: &Model, narrow: Narrow, name: &str) {
    let everyone = match narrow {
        Narrow::Queue(id) => {
            views.list.queue_narrow = Some(id);
            "every queue's"
        }
        Narrow::Agent(id) => {
            views.list.agent_narrow = Some(id);
            "everyone's"
        }
    };
    views.list.selected = None;
    keep_selection_visible(views, model);
    // Counted as `State::visible_conversations` counts them: the rows the
    // model holds.
    let ids = views.list.visible_ids(model, views.problems_only);
    let n = ids
        .iter()
        .filter(|id| model.conversations.get(id).is_some())
        .count();
    views.say(format!(
        "conversations of {name}: {n} listed (Esc shows {everyone})"
    ));
}

/// The agents pane sorted by time in status (longest first), or by status
/// and name again.
pub(super) fn sort_agents(views: &mut Views, by_time: bool) {
    views.agents.by_time = by_time;
    views.say(if by_time {
        "agents sorted by time in status (longest first)"
    } else {
        "agents sorted by status and name"
    });
}

/// Enter on the agents pane: the conversation list shows only the
/// conversations that agent is in.
fn narrow_to_agent(views: &mut Views, model: &Model) {
    let Some(agent) = views
        .agents
        .visible(model)
        .get(views.agents.cursor)
        .copied()
    else {
        return;
    };
    narrow_to(views, model, Narrow::Agent(agent.id.clone()), &agent.name);
}

/// `:refresh`: poll now, or say when the polls can go.
pub(super) fn refresh(views: &mut Views, model: &Model, now_ms: i64) -> Vec<Effect> {
    match model.status.kore_wait_secs(now_ms) {
        Some(secs) => views.say(format!(
            "refresh: Kore asked to wait; the polls go out in {secs} s, after your queued actions"
        )),
        None => views.say("refresh: polling conversations, agents and queues now"),
    }
    vec![
        Effect::PollConversations,
        Effect::PollAgents,
        Effect::PollQueues,
    ]
}

/// How far PgUp/PgDn move: the rows the focused pane shows, less one so
/// that a line stays in view.
pub(super) fn page_rows(views: &Views) -> i64 {
    let rows = views.pane_rows;
    let shown = match views.focus {
        Pane::Conversations => rows.conversations,
        Pane::Roster => rows.roster,
        Pane::Agents | Pane::Queues => rows.agents,
        Pane::Log => rows.log,
    };
    // One row stays in view.
    i64::from(shown.saturating_sub(1)).max(1)
}

/// The focused pane's cursor moved by `delta` rows (clamped): the
/// conversation list's selection, the roster's, the agents' or queues'
/// cursor, or the log's (which follows again at its last line).
pub(super) fn move_cursor(
    views: &mut Views,
    log: &mut Log,
    model: &Model,
    settings: &Settings,
    now_ms: i64,
    delta: i64,
) {
    let step = |cur: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (cur as i64 + delta).clamp(0, len as i64 - 1) as usize
    };
    match views.focus {
        Pane::Conversations => {
            let ids = views.list.visible_ids(model, views.problems_only);
            let cur = views
                .list
                .selected
                .as_ref()
                .and_then(|s| ids.position(s))
                .unwrap_or(0);
            let next = if views.list.selected.is_none() {
                0
            } else {
                step(cur, ids.len())
            };
            if let Some(id) = ids.get(next) {
                if views.list.selected.as_deref() != Some(id) {
                    views.detail.roster_cursor = 0;
                }
                views.list.selected = Some(id.to_string());
            }
        }
        Pane::Roster => {
            let n = views
                .list
                .selected_conversation(model)
                .map(|c| c.merged().roster.members().len())
                .unwrap_or(0);
            views.detail.roster_cursor = step(views.detail.roster_cursor, n);
        }
        Pane::Agents => {
            let n = views.agents.visible(model).len();
            views.agents.cursor = step(views.agents.cursor, n);
        }
        Pane::Queues => {
            let rows = QueueQuery {
                model,
                views,
                settings,
                now_ms,
            };
            let n = rows.visible_queue_rows().len();
            views.queues.cursor = step(views.queues.cursor, n);
        }
        Pane::Log => {
            let n = log.visible_len();
            if log.follow {
                log.cursor = n.saturating_sub(1);
            }
            log.cursor = step(log.cursor, n);
            // Moving to the last line follows again; moving up stops following.
            log.follow = log.cursor + 1 >= n;
        }
    }
}

/// Keeps a valid selection after the list changed.
pub(super) fn keep_selection_visible(views: &mut Views, model: &Model) {
    let ids = views.list.visible_ids(model, views.problems_only);
    let keep = views
        .list
        .selected
        .as_ref()
        .is_some_and(|s| ids.contains(s));
    if !keep {
        views.list.selected = ids.first().map(str::to_string);
        views.detail.roster_cursor = 0;
    }
}
