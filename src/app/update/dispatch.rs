//! The registry's dispatch: the one `match` over [`Command`]. Every command
//! has its own arm and there is no catch-all, so a command added to the
//! registry without a handler does not compile; `tests/layers.rs` fails on a
//! catch-all arm in any match over `Command` under `update`.
//!
//! What an arm calls lives beside its kind of input: the lists' keys and
//! the modes' keys in `keys.rs`, the `:` forms (with their word) in
//! `commands.rs`, the sends in `sends.rs`.

use super::*;
use crate::app::command::KeyMode;
use crate::app::input::Edit;

/// Runs one command of the registry from its key (or from a `:` verb that
/// takes no word). It runs only in the mode and panes of its entry's
/// context; a command of the lists that cannot run now
/// ([`Command::enabled`]) shows why and does nothing.
pub(super) fn run(state: &mut State, cmd: Command) -> Vec<Effect> {
    let context = cmd.context();
    if !context.applies(state.views.mode.key_mode(), state.views.focus) {
        return Vec::new();
    }
    // Esc clears the message line itself, one thing at a time.
    if context.mode == KeyMode::Normal && cmd != Command::Back {
        if let Err(why) = cmd.enabled(state) {
            state.refuse(why);
            return Vec::new();
        }
        state.views.flash = None;
    }
    dispatch(state, cmd, None)
}

/// Runs a handler that asks for no I/O.
fn quiet(state: &mut State, handler: impl FnOnce(&mut State)) -> Vec<Effect> {
    handler(state);
    Vec::new()
}

/// The registry's dispatch: `word` is what follows a `:` verb that takes
/// one (`None` from a key). One arm per command and no catch-all arm
/// (`tests/layers.rs` checks it).
pub(super) fn dispatch(state: &mut State, cmd: Command, word: Option<&str>) -> Vec<Effect> {
    match cmd {
        // As in a shell: what was open stays open.
        Command::Suspend => vec![Effect::Suspend],
        // The lists
        Command::MoveDown => cursor(state, 1),
        Command::MoveUp => cursor(state, -1),
        Command::Top => cursor(state, i64::MIN / 2),
        Command::Bottom => cursor(state, i64::MAX / 2),
        Command::PageDown => cursor(state, page_rows(&state.views)),
        Command::PageUp => cursor(state, -page_rows(&state.views)),
        Command::FocusNext => quiet(state, |s| focus_next(&mut s.views, true)),
        Command::FocusPrev => quiet(state, |s| focus_next(&mut s.views, false)),
        Command::Filter => filter(&mut state.views, &state.log, &state.model, word),
        Command::Sort => sort(&mut state.views, &mut state.log, state.now_ms, word),
        Command::SortReverse => quiet(state, |s| reverse_sort(&mut s.views)),
        Command::ToggleQueues => quiet(state, |s| toggle_queues(&mut s.views, &s.model)),
        Command::ToggleProblems => problems(state, word),
        Command::ToggleFollow => follow(&mut state.views, &mut state.log, word),
        Command::Back => back(state),
        Command::Open => open(state),
        Command::Details => details(state),
        Command::Assign => pick(state, Verb::Assign, word),
        Command::Enter => pick(state, Verb::Enter, word),
        Command::ColdTransfer => pick(state, Verb::Cold, word),
        Command::WarmTransfer => pick(state, Verb::Warm, word),
        Command::Remove => remove(state, word),
        Command::End if super::bulk::on_marks(state) => super::bulk::end(state),
        Command::End => plan_and_confirm(state, Op::End),
        Command::Redial => redial(state, word),
        Command::Retry => start_retry(state, false),
        Command::Drop => start_retry(state, true),
        Command::NewConversation => quiet(state, |s| open_form(&mut s.views, &s.settings)),
        Command::Mark => marks::mark(state, word),
        Command::MarkRange => {
            marks::mark_range(&mut state.views, &mut state.log, &state.model, state.now_ms)
        }
        Command::Bulk => super::bulk::command(state, word),
        Command::CommandLine => quiet(state, |s| open_line(&mut s.views, None)),
        Command::Export => export(state, word),
        Command::Refresh => refresh(&mut state.views, &state.model, state.now_ms),
        Command::Wallboard => to_mode(&mut state.views, Mode::Wallboard),
        Command::ToggleFresh => fresh(&mut state.views, &state.model, state.now_ms, word),
        Command::Help => to_mode(&mut state.views, Mode::Help),
        Command::Quit => ask_quit(state),
        Command::Find => find(&mut state.views, &mut state.log, state.now_ms, word),
        Command::View => views::view(state, word),
        Command::Who => {
            super::team::who(&mut state.views, &mut state.log, &state.model, state.now_ms)
        }
        // The log pane
        Command::LogNext => find_in_log(&mut state.views, &mut state.log, state.now_ms, false),
        Command::LogPrev => find_in_log(&mut state.views, &mut state.log, state.now_ms, true),
        Command::LogPolls => toggle_polls(&mut state.views, &mut state.log),
        // The help: (where it is, a page, the end) -> where it goes
        Command::HelpDown => help(state, |at, _, _| at.saturating_add(1)),
        Command::HelpUp => help(state, |at, _, _| at.saturating_sub(1)),
        Command::HelpPageDown => help(state, |at, page, _| at.saturating_add(page)),
        Command::HelpPageUp => help(state, |at, page, _| at.saturating_sub(page)),
        Command::HelpTop => help(state, |_, _, _| 0),
        Command::HelpBottom => help(state, |_, _, end| end),
        Command::HelpClose => close_help(&mut state.views),
        // A confirmation: yes, no, or what its capital letter says
        Command::ConfirmYes => answer(state, Some(true)),
        Command::ConfirmNo => answer(state, Some(false)),
        Command::ConfirmDefault => answer(state, None),
        // The `/` filter
        Command::FilterDone => leave_filter(&mut state.views, &mut state.log, &state.model, false),
        Command::FilterClear => leave_filter(&mut state.views, &mut state.log, &state.model, true),
        // The picker
        Command::PickerDown => picker(state, true),
        Command::PickerUp => picker(state, false),
        Command::PickerPick => picker_pick(state),
        Command::PickerCancel => picker_cancel(&mut state.views),
        // The `:` line
        Command::LineRun => line_run(state),
        Command::LineComplete => line_complete(state),
        Command::LineCancel => to_mode(&mut state.views, Mode::Normal),
        // The `n` form
        Command::FormNext => form_step(&mut state.views, true),
        Command::FormPrev => form_step(&mut state.views, false),
        Command::FormSubmit => form_submit(state),
        Command::FormCancel => to_mode(&mut state.views, Mode::Normal),
        Command::WallboardClose => close_wallboard(state),
        // Any text input
        Command::TextLeft => edit(state, Edit::Left),
        Command::TextRight => edit(state, Edit::Right),
        Command::TextHome => edit(state, Edit::Home),
        Command::TextEnd => edit(state, Edit::End),
        Command::TextBackspace => edit(state, Edit::Backspace),
        Command::TextDelete => edit(state, Edit::Delete),
        Command::TextClear => edit(state, Edit::Clear),
        Command::TextDeleteWord => edit(state, Edit::DeleteWord),
    }
}

/// A command that only opens or closes a mode.
fn to_mode(views: &mut Views, mode: Mode) -> Vec<Effect> {
    views.mode = mode;
    Vec::new()
}

/// The focused pane's cursor moved: the borrow split for [`move_cursor`].
pub(super) fn cursor(state: &mut State, delta: i64) -> Vec<Effect> {
    let State {
        views,
        log,
        model,
        settings,
        now_ms,
        ..
    } = state;
    move_cursor(views, log, model, settings, *now_ms, delta);
    Vec::new()
}

/// The help scrolled: the borrow split for [`scroll_help`].
fn help(state: &mut State, to: impl FnOnce(u16, u16, u16) -> u16) -> Vec<Effect> {
    scroll_help(&mut state.views, &state.keymap, to)
}

/// The picker's cursor moved: the borrow split for [`picker_move`].
fn picker(state: &mut State, down: bool) -> Vec<Effect> {
    picker_move(
        &mut state.views,
        &state.model,
        &state.settings,
        state.now_ms,
        down,
    )
}

/// An editing key on the open input: the borrow split for [`edit_input`].
fn edit(state: &mut State, edit: Edit) -> Vec<Effect> {
    edit_input(&mut state.views, &mut state.log, &state.model, edit)
}
