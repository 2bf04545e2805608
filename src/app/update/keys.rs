//! Keys, mode by mode. A key press becomes a registry [`Command`] (or typed
//! text) through the keymap of the open mode, and the dispatch
//! (`dispatch.rs`) runs it with the handlers here: the lists, the help, a
//! confirmation, a filter, the picker, the command line and the form.
//! Typed text and paste take one path into the open [`TextInput`].

use super::*;
use crate::app::command::KeyMode;
use crate::app::details::DetailsWhy;
use crate::app::input::{Edit, TextInput};

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
        Input::Text(c) => type_text(state, c.encode_utf8(&mut [0; 4])),
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
pub(super) fn scroll_help(state: &mut State, to: impl FnOnce(u16, u16, u16) -> u16) -> Vec<Effect> {
    let page = state.views.screen.1.saturating_sub(4).max(1);
    // An upper bound of its lines (the view clamps the scroll to what
    // it drew): the keys, the modes, the commands and the legend.
    let most = (state.keymap.help_rows().len() + 40) as u16;
    state.views.help.scroll = to(state.views.help.scroll, page, most).min(most);
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
pub(super) fn leave_filter(state: &mut State, clear: bool) -> Vec<Effect> {
    if let Mode::Filter { pane, .. } = state.views.mode
        && clear
    {
        set_filter(state, pane, String::new());
    }
    state.views.mode = Mode::Normal;
    Vec::new()
}

/// The agent picker: typing narrows, arrows move, Enter picks.
pub(super) fn picker_move(state: &mut State, down: bool) -> Vec<Effect> {
    if let Mode::Picker(p) = &mut state.views.mode {
        p.selected = if down {
            p.selected + 1
        } else {
            p.selected.saturating_sub(1)
        };
    }
    if down {
        clamp_picker(state);
    }
    Vec::new()
}

pub(super) fn picker_cancel(state: &mut State) -> Vec<Effect> {
    state.views.mode = Mode::Normal;
    state.say("cancelled: nothing was sent");
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
pub(super) fn edit_input(state: &mut State, edit: Edit) -> Vec<Effect> {
    if edit == Edit::Backspace
        && let Mode::Command { input } = &state.views.mode
        && input.is_empty()
    {
        state.views.mode = Mode::Normal;
        return Vec::new();
    }
    let changed = open_input(&mut state.views.mode).is_some_and(|input| input.edit(edit));
    if changed {
        after_typing(state);
    }
    Vec::new()
}

/// Typed or pasted text into the open input: one path, one cap.
pub(super) fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    let Some(input) = open_input(&mut state.views.mode) else {
        return Vec::new();
    };
    let cap = input.cap();
    let fits = input.insert(text);
    after_typing(state);
    if !fits {
        let what = match &mut state.views.mode {
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
        state.refuse(format!(
            "{what} holds at most {cap} characters; the rest was cut"
        ));
    }
    Vec::new()
}

/// What follows a change of the open input: the filter applies at once, the
/// picker starts from its first choice again.
fn after_typing(state: &mut State) {
    match &mut state.views.mode {
        Mode::Filter { pane, input } => {
            let (pane, text) = (*pane, input.as_str().to_string());
            set_filter(state, pane, text);
        }
        Mode::Picker(p) => p.selected = 0,
        _ => {}
    }
}

pub(super) fn set_filter(state: &mut State, pane: Pane, text: String) {
    match pane {
        Pane::Agents => {
            state.views.agents.filter = text;
            state.views.agents.cursor = 0;
        }
        Pane::Log => {
            state.log.set_filter(&text);
        }
        Pane::Conversations | Pane::Roster | Pane::Queues => {
            state.views.list.filter = text;
            keep_selection_visible(state);
        }
    }
}

pub(super) fn clamp_picker(state: &mut State) {
    let n = state
        .picker_choices()
        .len()
        .max(state.picker_queue_choices().len());
    if let Mode::Picker(p) = &mut state.views.mode {
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
        Pane::Agents => narrow_to_agent(state),
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
pub(super) fn open_line(state: &mut State, verb_of: Option<Command>) {
    state.views.completion = None;
    let input = match verb_of.and_then(Command::colon) {
        Some(colon) => TextInput::with_text(&format!("{} ", colon.verb), MAX_INPUT),
        None => TextInput::new(MAX_INPUT),
    };
    state.views.mode = Mode::Command { input };
}

/// `n`: the form that opens a conversation by hand.
pub(super) fn open_form(state: &mut State) {
    let defaults = &state.settings.defaults;
    let form = NewConversationForm::new(&defaults.experience, &defaults.language);
    state.views.mode = Mode::NewConversation(form);
}

/// `s`: the focused list's next sort.
pub(super) fn next_sort(state: &mut State) {
    match state.views.focus {
        Pane::Queues => {
            state.views.queues.sort = state.views.queues.sort.next();
            state.say(format!(
                "queues sorted by {}",
                state.views.queues.sort.label()
            ));
        }
        Pane::Agents => sort_agents(state, !state.views.agents.by_time),
        Pane::Conversations | Pane::Roster | Pane::Log => {
            state.views.list.sort = state.views.list.sort.next();
            state.say(format!("conversations sorted by {}", state.sort_label()));
        }
    }
}

/// `S`: the conversation list's sort reversed.
pub(super) fn reverse_sort(state: &mut State) {
    state.views.list.reversed = !state.views.list.reversed;
    state.say(format!("conversations sorted by {}", state.sort_label()));
}

/// `n` / `N` in the log: the next or previous line holding the `:find`
/// text; the log stops following to show it.
pub(super) fn find_in_log(state: &mut State, back: bool) -> Vec<Effect> {
    if state.log.search.is_empty() {
        state.refuse("nothing to find yet: :find TEXT");
        return Vec::new();
    }
    let from = if state.log.follow {
        state.log.visible_len().saturating_sub(1)
    } else {
        state.log.cursor
    };
    match state.log.find(from, back) {
        Some(i) => {
            state.log.follow = false;
            state.log.cursor = i;
            state.views.focus = Pane::Log;
        }
        None => state.refuse(format!("no log line holds {:?}", state.log.search)),
    }
    Vec::new()
}

/// `/`: the filter of the focused list opens with what it holds.
pub(super) fn open_filter(state: &mut State) {
    let pane = match state.views.focus {
        Pane::Roster | Pane::Queues => Pane::Conversations,
        p => p,
    };
    let text = match pane {
        Pane::Agents => &state.views.agents.filter,
        Pane::Log => state.log.filter(),
        _ => &state.views.list.filter,
    };
    let input = TextInput::with_text(text, MAX_INPUT);
    state.views.mode = Mode::Filter { pane, input };
}

/// `f`: the log follows new lines, or keeps its place.
/// The conversation list's freshness column on or off, with the plan's
/// promise on the message line.
pub(super) fn set_fresh_column(state: &mut State, on: bool) {
    state.views.list.fresh_column = on;
    if !on {
        state.say("freshness column hidden");
        return;
    }
    let poll = &state.model.status.poll;
    let oldest = poll
        .oldest_ms
        .map(|o| {
            format!(
                "; the oldest read {} s ago",
                (state.now_ms - o).max(0) / 1000
            )
        })
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
    state.say(format!(
        "freshness: time since each row was read{oldest}{within}"
    ));
}

/// `p` in the log pane: poll lines shown or hidden.
pub(super) fn toggle_polls(state: &mut State) -> Vec<Effect> {
    let hide = !state.log.polls_hidden();
    state.log.hide_polls(hide);
    state.say(if hide {
        "log: poll lines hidden (p shows them)"
    } else {
        "log: poll lines shown"
    });
    Vec::new()
}

pub(super) fn toggle_follow(state: &mut State) {
    state.log.follow = !state.log.follow;
    if !state.log.follow {
        state.log.cursor = state.log.visible_len().saturating_sub(1);
    }
    state.say(if state.log.follow {
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
    if !(filtered || narrowed || state.views.detail.open) && super::marks::esc_twice(state) {
        return Vec::new();
    }
    if state.views.flash.take().is_some() {
        return Vec::new();
    }
    if filtered {
        set_filter(state, pane, String::new());
        state.say("filter cleared");
    } else if let Some(a) = state.views.list.agent_narrow.take() {
        keep_selection_visible(state);
        state.say(format!(
            "every conversation shown again (was {}'s)",
            state.agent_name(&a)
        ));
    } else if let Some(q) = state.views.list.queue_narrow.take() {
        keep_selection_visible(state);
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
    keep_selection_visible(state);
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
pub(super) fn toggle_queues(state: &mut State) {
    state.views.queues.shown = !state.views.queues.shown;
    match (state.views.queues.shown, state.views.focus) {
        (true, Pane::Agents) => state.views.focus = Pane::Queues,
        (false, Pane::Queues) => state.views.focus = Pane::Agents,
        _ => {}
    }
    if state.views.queues.shown {
        let n = state.model.queues.len();
        state.say(if n == 0 {
            "queues: none listed yet (polling…)".to_string()
        } else {
            format!("queues: {n} shown; Enter narrows the conversations to one, Esc widens")
        });
    } else {
        state.say("agents shown again");
    }
}

/// Enter on the queue pane: the conversation list shows only that queue's.
fn narrow_to_queue(state: &mut State) {
    let Some(row) = state.selected_queue() else {
        return;
    };
    state.views.list.queue_narrow = Some(row.id.clone());
    state.views.list.selected = None;
    keep_selection_visible(state);
    let n = state.visible_conversations().len();
    state.say(format!(
        "conversations of {}: {n} listed (Esc shows every queue's)",
        row.name
    ));
}

/// The agents pane sorted by time in status (longest first), or by status
/// and name again.
pub(super) fn sort_agents(state: &mut State, by_time: bool) {
    state.views.agents.by_time = by_time;
    state.say(if by_time {
        "agents sorted by time in status (longest first)"
    } else {
        "agents sorted by status and name"
    });
}

/// Enter on the agents pane: the conversation list shows only the
/// conversations that agent is in.
fn narrow_to_agent(state: &mut State) {
    let Some(agent) = state
        .visible_agents()
        .get(state.views.agents.cursor)
        .map(|a| (*a).clone())
    else {
        return;
    };
    state.views.list.agent_narrow = Some(agent.id.clone());
    state.views.list.selected = None;
    keep_selection_visible(state);
    let n = state.visible_conversations().len();
    state.say(format!(
        "conversations of {}: {n} listed (Esc shows everyone's)",
        agent.name
    ));
}

/// `:refresh`: poll now, or say when the polls can go.
pub(super) fn refresh(state: &mut State) -> Vec<Effect> {
    match state.kore_wait_secs() {
        Some(secs) => state.say(format!(
            "refresh: Kore asked to wait; the polls go out in {secs} s, after your queued actions"
        )),
        None => state.say("refresh: polling conversations, agents and queues now"),
    }
    vec![
        Effect::PollConversations,
        Effect::PollAgents,
        Effect::PollQueues,
    ]
}

/// How far PgUp/PgDn move: the rows the focused pane shows, less one so
/// that a line stays in view.
pub(super) fn page_rows(state: &State) -> i64 {
    let rows = state.views.pane_rows;
    let shown = match state.views.focus {
        Pane::Conversations => rows.conversations,
        Pane::Roster => rows.roster,
        Pane::Agents | Pane::Queues => rows.agents,
        Pane::Log => rows.log,
    };
    // One row stays in view.
    i64::from(shown.saturating_sub(1)).max(1)
}

pub(super) fn move_cursor(state: &mut State, delta: i64) {
    let step = |cur: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (cur as i64 + delta).clamp(0, len as i64 - 1) as usize
    };
    match state.views.focus {
        Pane::Conversations => {
            let ids = state.visible_ids();
            let cur = state
                .views
                .list
                .selected
                .as_ref()
                .and_then(|s| ids.position(s))
                .unwrap_or(0);
            let next = if state.views.list.selected.is_none() {
                0
            } else {
                step(cur, ids.len())
            };
            if let Some(id) = ids.get(next) {
                if state.views.list.selected.as_deref() != Some(id) {
                    state.views.detail.roster_cursor = 0;
                }
                state.views.list.selected = Some(id.to_string());
            }
        }
        Pane::Roster => {
            let n = state
                .selected_conversation()
                .map(|c| c.merged().roster.members().len())
                .unwrap_or(0);
            state.views.detail.roster_cursor = step(state.views.detail.roster_cursor, n);
        }
        Pane::Agents => {
            let n = state.visible_agents().len();
            state.views.agents.cursor = step(state.views.agents.cursor, n);
        }
        Pane::Queues => {
            let n = state.visible_queue_rows().len();
            state.views.queues.cursor = step(state.views.queues.cursor, n);
        }
        Pane::Log => {
            let n = state.log.visible_len();
            if state.log.follow {
                state.log.cursor = n.saturating_sub(1);
            }
            state.log.cursor = step(state.log.cursor, n);
            // Moving to the last line follows again; moving up stops following.
            state.log.follow = state.log.cursor + 1 >= n;
        }
    }
}

/// Keeps a valid selection after the list changed.
pub(super) fn keep_selection_visible(state: &mut State) {
    let ids = state.visible_ids();
    let keep = state
        .views
        .list
        .selected
        .as_ref()
        .is_some_and(|s| ids.contains(s));
    if !keep {
        state.views.list.selected = ids.first().map(str::to_string);
        state.views.detail.roster_cursor = 0;
    }
}
