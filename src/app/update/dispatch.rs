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
        Command::MoveDown => quiet(state, |s| move_cursor(s, 1)),
        Command::MoveUp => quiet(state, |s| move_cursor(s, -1)),
        Command::Top => quiet(state, |s| move_cursor(s, i64::MIN / 2)),
        Command::Bottom => quiet(state, |s| move_cursor(s, i64::MAX / 2)),
        Command::PageDown => quiet(state, |s| move_cursor(s, page_rows(s))),
        Command::PageUp => quiet(state, |s| move_cursor(s, -page_rows(s))),
        Command::FocusNext => quiet(state, |s| focus_next(&mut s.views, true)),
        Command::FocusPrev => quiet(state, |s| focus_next(&mut s.views, false)),
        Command::Filter => filter(state, word),
        Command::Sort => sort(state, word),
        Command::SortReverse => quiet(state, reverse_sort),
        Command::ToggleQueues => quiet(state, toggle_queues),
        Command::ToggleProblems => problems(state, word),
        Command::ToggleFollow => follow(state, word),
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
        Command::NewConversation => quiet(state, open_form),
        Command::Mark => marks::mark(state, word),
        Command::MarkRange => marks::mark_range(state),
        Command::Bulk => super::bulk::command(state, word),
        Command::CommandLine => quiet(state, |s| open_line(s, None)),
        Command::Export => export(state, word),
        Command::Refresh => refresh(state),
        Command::Wallboard => to_mode(state, Mode::Wallboard),
        Command::ToggleFresh => fresh(state, word),
        Command::Help => to_mode(state, Mode::Help),
        Command::Quit => ask_quit(state),
        Command::Find => find(state, word),
        Command::View => views::view(state, word),
        Command::Who => super::team::who(state),
        // The log pane
        Command::LogNext => find_in_log(state, false),
        Command::LogPrev => find_in_log(state, true),
        Command::LogPolls => toggle_polls(state),
        // The help: (where it is, a page, the end) -> where it goes
        Command::HelpDown => scroll_help(state, |at, _, _| at.saturating_add(1)),
        Command::HelpUp => scroll_help(state, |at, _, _| at.saturating_sub(1)),
        Command::HelpPageDown => scroll_help(state, |at, page, _| at.saturating_add(page)),
        Command::HelpPageUp => scroll_help(state, |at, page, _| at.saturating_sub(page)),
        Command::HelpTop => scroll_help(state, |_, _, _| 0),
        Command::HelpBottom => scroll_help(state, |_, _, end| end),
        Command::HelpClose => close_help(&mut state.views),
        // A confirmation: yes, no, or what its capital letter says
        Command::ConfirmYes => answer(state, Some(true)),
        Command::ConfirmNo => answer(state, Some(false)),
        Command::ConfirmDefault => answer(state, None),
        // The `/` filter
        Command::FilterDone => leave_filter(state, false),
        Command::FilterClear => leave_filter(state, true),
        // The picker
        Command::PickerDown => picker_move(state, true),
        Command::PickerUp => picker_move(state, false),
        Command::PickerPick => picker_pick(state),
        Command::PickerCancel => picker_cancel(state),
        // The `:` line
        Command::LineRun => line_run(state),
        Command::LineComplete => line_complete(state),
        Command::LineCancel => to_mode(state, Mode::Normal),
        // The `n` form
        Command::FormNext => form_step(&mut state.views, true),
        Command::FormPrev => form_step(&mut state.views, false),
        Command::FormSubmit => form_submit(state),
        Command::FormCancel => to_mode(state, Mode::Normal),
        Command::WallboardClose => close_wallboard(state),
        // Any text input
        Command::TextLeft => edit_input(state, Edit::Left),
        Command::TextRight => edit_input(state, Edit::Right),
        Command::TextHome => edit_input(state, Edit::Home),
        Command::TextEnd => edit_input(state, Edit::End),
        Command::TextBackspace => edit_input(state, Edit::Backspace),
        Command::TextDelete => edit_input(state, Edit::Delete),
        Command::TextClear => edit_input(state, Edit::Clear),
        Command::TextDeleteWord => edit_input(state, Edit::DeleteWord),
    }
}

/// A command that only opens or closes a mode.
fn to_mode(state: &mut State, mode: Mode) -> Vec<Effect> {
    state.views.mode = mode;
    Vec::new()
}
