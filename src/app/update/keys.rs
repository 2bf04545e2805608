//! Keys, mode by mode: what each key does in the normal view, the help,
//! a confirmation, a filter, the picker, the command line and the form.

use super::*;

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    // Ctrl-Z suspends in every mode, as in a shell; what was open stays open.
    if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return vec![Effect::Suspend];
    }
    match state.mode.clone() {
        Mode::Normal => on_normal_key(state, key),
        Mode::Help => help_key(state, key),
        Mode::Confirm { pending, .. } => confirm_key(state, key, pending),
        Mode::Filter { pane, input } => filter_key(state, key, pane, input),
        Mode::Picker(p) => picker_key(state, key, p),
        Mode::Command { input } => command_key(state, key, input),
        Mode::NewConversation(form) => form_key(state, key, form),
    }
}

/// The help scrolls when it is taller than the screen; any other key
/// closes it.
fn help_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let page = state.screen.1.saturating_sub(4).max(1);
    let most = (state.keymap.help_rows().len() + 24) as u16;
    let scroll = &mut state.help_scroll;
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => *scroll = scroll.saturating_add(page),
        KeyCode::PageUp => *scroll = scroll.saturating_sub(page),
        KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
        _ => {
            state.help_scroll = 0;
            state.mode = Mode::Normal;
            return Vec::new();
        }
    }
    state.help_scroll = state.help_scroll.min(most);
    Vec::new()
}

/// Enter does what the capital letter of the prompt says: yes for a send
/// (`Y/n`), no for dropping, resending or quitting (`y/N`).
fn confirm_key(state: &mut State, key: KeyEvent, pending: Pending) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => {
            state.mode = Mode::Normal;
            execute(state, pending)
        }
        KeyCode::Enter if pending.enter_confirms() => {
            state.mode = Mode::Normal;
            execute(state, pending)
        }
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Enter => {
            state.mode = Mode::Normal;
            state.say("cancelled: nothing was sent");
            Vec::new()
        }
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.mode = Mode::Normal;
            state.say("cancelled: nothing was sent");
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The `/` filter applies as it is typed.
fn filter_key(state: &mut State, key: KeyEvent, pane: Pane, mut input: String) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            set_filter(state, pane, String::new());
            state.mode = Mode::Normal;
        }
        KeyCode::Enter => state.mode = Mode::Normal,
        KeyCode::Backspace => {
            input.pop();
            set_filter(state, pane, input.clone());
            state.mode = Mode::Filter { pane, input };
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            if !push_capped(&mut input, c.encode_utf8(&mut [0; 4]), MAX_INPUT) {
                state.refuse(format!("a filter holds at most {MAX_INPUT} characters"));
            }
            set_filter(state, pane, input.clone());
            state.mode = Mode::Filter { pane, input };
        }
        _ => {}
    }
    Vec::new()
}

/// The agent picker: typing narrows, arrows move, Enter picks.
fn picker_key(state: &mut State, key: KeyEvent, mut p: Picker) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            state.say("cancelled: nothing was sent");
        }
        KeyCode::Up => {
            p.selected = p.selected.saturating_sub(1);
            state.mode = Mode::Picker(p);
        }
        KeyCode::Down | KeyCode::Tab => {
            p.selected += 1;
            state.mode = Mode::Picker(p);
            clamp_picker(state);
        }
        KeyCode::Char('n') | KeyCode::Char('j')
            if key.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            p.selected += 1;
            state.mode = Mode::Picker(p);
            clamp_picker(state);
        }
        KeyCode::Char('p') | KeyCode::Char('k')
            if key.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            p.selected = p.selected.saturating_sub(1);
            state.mode = Mode::Picker(p);
        }
        KeyCode::Backspace => {
            p.query.pop();
            p.selected = 0;
            state.mode = Mode::Picker(p);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            push_capped(&mut p.query, c.encode_utf8(&mut [0; 4]), MAX_INPUT);
            p.selected = 0;
            state.mode = Mode::Picker(p);
        }
        KeyCode::Enter => {
            let choice = state.picker_choices().get(p.selected).map(|a| (*a).clone());
            state.mode = Mode::Normal;
            return match choice {
                Some(agent) => picked(state, p.purpose, &p.conversation, agent),
                None => {
                    state.refuse("no agent matches; nothing was sent");
                    Vec::new()
                }
            };
        }
        _ => {}
    }
    Vec::new()
}

/// The `:` line: Enter runs it.
fn command_key(state: &mut State, key: KeyEvent, mut input: String) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Backspace => {
            if input.pop().is_none() {
                state.mode = Mode::Normal;
            } else {
                state.mode = Mode::Command { input };
            }
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            return run_command(state, &input);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            if !push_capped(&mut input, c.encode_utf8(&mut [0; 4]), MAX_INPUT) {
                state.refuse(format!("a command holds at most {MAX_INPUT} characters"));
            }
            state.mode = Mode::Command { input };
        }
        _ => {}
    }
    Vec::new()
}

/// The `n` form: Tab moves between fields, Enter opens the conversation.
fn form_key(state: &mut State, key: KeyEvent, mut form: NewConversationForm) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Tab | KeyCode::Down => {
            form.focus = (form.focus + 1) % form.fields.len();
            state.mode = Mode::NewConversation(form);
        }
        KeyCode::BackTab | KeyCode::Up => {
            form.focus = (form.focus + form.fields.len() - 1) % form.fields.len();
            state.mode = Mode::NewConversation(form);
        }
        KeyCode::Backspace => {
            form.fields[form.focus].pop();
            state.mode = Mode::NewConversation(form);
        }
        KeyCode::Enter => submit_new_conversation(state, form),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            if !push_capped(
                &mut form.fields[form.focus],
                c.encode_utf8(&mut [0; 4]),
                MAX_FORM_FIELD,
            ) {
                form.error = Some(format!(
                    "{} holds at most {MAX_FORM_FIELD} characters",
                    NewConversationForm::LABELS[form.focus]
                ));
            }
            state.mode = Mode::NewConversation(form);
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn set_filter(state: &mut State, pane: Pane, text: String) {
    match pane {
        Pane::Agents => {
            state.agent_filter = text;
            state.agent_cursor = 0;
        }
        Pane::Log => {
            state.log.filter = text;
            state.log.cursor = 0;
        }
        Pane::Conversations | Pane::Roster => {
            state.conv_filter = text;
            keep_selection_visible(state);
        }
    }
}

pub(super) fn clamp_picker(state: &mut State) {
    let n = state.picker_choices().len();
    if let Mode::Picker(p) = &mut state.mode {
        p.selected = p.selected.min(n.saturating_sub(1));
    }
}

pub(super) fn on_normal_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        // One thing at a time: the message line, the focused list's filter,
        // then the detail.
        if state.flash.take().is_some() {
            return Vec::new();
        }
        let pane = match state.focus {
            Pane::Roster => Pane::Conversations,
            p => p,
        };
        let filtered = match pane {
            Pane::Agents => !state.agent_filter.is_empty(),
            Pane::Log => !state.log.filter.is_empty(),
            _ => !state.conv_filter.is_empty(),
        };
        if filtered {
            set_filter(state, pane, String::new());
            state.say("filter cleared");
        } else {
            state.detail_open = false;
        }
        return Vec::new();
    }
    let Some(cmd) = state.keymap.lookup(&key) else {
        return Vec::new();
    };
    state.flash = None;
    match cmd {
        Command::MoveDown => move_cursor(state, 1),
        Command::MoveUp => move_cursor(state, -1),
        Command::PageDown => move_cursor(state, page_rows(state)),
        Command::PageUp => move_cursor(state, -page_rows(state)),
        Command::Top => move_cursor(state, i64::MIN / 2),
        Command::Bottom => move_cursor(state, i64::MAX / 2),
        Command::FocusNext => state.focus = state.focus.next(),
        Command::FocusPrev => state.focus = state.focus.prev(),
        Command::Open => {
            if state.selected.is_some() {
                state.detail_open = !state.detail_open || state.focus == Pane::Conversations;
                state.focus = Pane::Roster;
                state.roster_cursor = 0;
            }
        }
        Command::Filter => {
            let pane = match state.focus {
                Pane::Roster => Pane::Conversations,
                p => p,
            };
            let input = match pane {
                Pane::Agents => state.agent_filter.clone(),
                Pane::Log => state.log.filter.clone(),
                _ => state.conv_filter.clone(),
            };
            state.mode = Mode::Filter { pane, input };
        }
        Command::Assign => return start_pick(state, PickFor::Assign),
        Command::Enter => return start_pick(state, PickFor::Enter),
        Command::ColdTransfer => return start_pick(state, PickFor::Cold),
        Command::WarmTransfer => return start_pick(state, PickFor::Warm),
        Command::Remove => return start_remove(state, None),
        Command::End => return plan_and_confirm(state, Op::End),
        Command::Retry => return start_retry(state, false),
        Command::NewConversation => {
            state.mode = Mode::NewConversation(NewConversationForm {
                fields: [
                    String::new(),
                    String::new(),
                    state.settings.defaults.experience.clone(),
                    state.settings.defaults.language.clone(),
                ],
                ..Default::default()
            })
        }
        Command::CommandLine => {
            state.mode = Mode::Command {
                input: String::new(),
            }
        }
        Command::Help => state.mode = Mode::Help,
        Command::Quit => return ask_quit(state),
        Command::ToggleFollow => {
            state.log.follow = !state.log.follow;
            if !state.log.follow {
                state.log.cursor = state.log.visible().len().saturating_sub(1);
            }
            state.say(if state.log.follow {
                "log: following new lines"
            } else {
                "log: not following"
            });
        }
        Command::Sort => {
            state.sort = state.sort.next();
            state.say(format!("conversations sorted by {}", state.sort.label()));
        }
    }
    Vec::new()
}

/// How far PgUp/PgDn move: the rows the focused pane shows, less one so
/// that a line stays in view.
pub(super) fn page_rows(state: &State) -> i64 {
    let rows = state.pane_rows;
    let shown = match state.focus {
        Pane::Conversations => rows.conversations,
        Pane::Roster => rows.roster,
        Pane::Agents => rows.agents,
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
    match state.focus {
        Pane::Conversations => {
            let ids: Vec<String> = state
                .visible_conversations()
                .iter()
                .map(|c| c.id.clone())
                .collect();
            let cur = state
                .selected
                .as_ref()
                .and_then(|s| ids.iter().position(|i| i == s))
                .unwrap_or(0);
            let next = if state.selected.is_none() {
                0
            } else {
                step(cur, ids.len())
            };
            if let Some(id) = ids.get(next) {
                if state.selected.as_ref() != Some(id) {
                    state.roster_cursor = 0;
                }
                state.selected = Some(id.clone());
            }
        }
        Pane::Roster => {
            let n = state
                .selected_conversation()
                .map(|c| c.roster.members().len())
                .unwrap_or(0);
            state.roster_cursor = step(state.roster_cursor, n);
        }
        Pane::Agents => {
            let n = state.visible_agents().len();
            state.agent_cursor = step(state.agent_cursor, n);
        }
        Pane::Log => {
            let n = state.log.visible().len();
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
    let ids: Vec<String> = state
        .visible_conversations()
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let keep = state.selected.as_ref().is_some_and(|s| ids.contains(s));
    if !keep {
        state.selected = ids.first().cloned();
        state.roster_cursor = 0;
    }
}
