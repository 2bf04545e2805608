//! The command registry: every command of the console in one table.
//!
//! One [`Entry`] per command, in named fields: its config name, its default
//! keys, its `:` verb with aliases and argument syntax, the help text, the
//! hint label, the help group, its [`Context`] (the mode its keys work in,
//! the panes it works in, what it [`Needs`], whether it sends anything to
//! Kore) and its [`Hint`]s (where the lists' hint bar offers it). The
//! keymap (and its `[keys]` overrides), the help overlay, the hint bars,
//! the `:` parser with its Tab completion and "unknown command" text, the
//! dispatch (`app/update/dispatch.rs`, one arm per command) and read-only
//! gating all read this table; [`Command::enabled`] says from the
//! context whether a command can run now and, if not, why.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::key::KeySpec;
use crate::app::pane::Pane;
use crate::app::text::edit_distance;
use crate::domain::Verb;

mod registry;
pub use registry::REGISTRY;

/// Which keys are live: each mode has its own bindings. `Any` keys work in
/// every mode; `Text` keys work in every mode that reads typed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyMode {
    Any,
    Normal,
    Help,
    Confirm,
    Filter,
    Picker,
    CommandLine,
    Form,
    Text,
    /// The lists with the log pane focused: these keys come before the
    /// lists' own.
    LogPane,
    /// The wallboard (`:wallboard`).
    Wallboard,
}

impl KeyMode {
    /// Every mode, in the order the help lists them.
    pub const ALL: [KeyMode; 11] = [
        KeyMode::Normal,
        KeyMode::Any,
        KeyMode::LogPane,
        KeyMode::Wallboard,
        KeyMode::Picker,
        KeyMode::Confirm,
        KeyMode::Filter,
        KeyMode::CommandLine,
        KeyMode::Form,
        KeyMode::Text,
        KeyMode::Help,
    ];

    /// Modes where plain characters are typed text, not commands.
    pub fn reads_text(self) -> bool {
        matches!(
            self,
            KeyMode::Filter
                | KeyMode::Picker
                | KeyMode::CommandLine
                | KeyMode::Form
                | KeyMode::Text
        )
    }

    /// Whether a key of `self` and a key of `other` can both be live at
    /// once (so they must differ).
    pub fn overlaps(self, other: KeyMode) -> bool {
        self == other
            || self == KeyMode::Any
            || other == KeyMode::Any
            || (self == KeyMode::Text && other.reads_text())
            || (other == KeyMode::Text && self.reads_text())
    }

    /// The heading of this mode's keys in the help.
    pub fn title(self) -> &'static str {
        match self {
            KeyMode::Any => "Anywhere",
            KeyMode::Normal => "Lists",
            KeyMode::Help => "This help",
            KeyMode::Confirm => "Confirming (y/N or Y/n)",
            KeyMode::Filter => "Typing a / filter",
            KeyMode::Picker => "Agent picker (q: queues)",
            KeyMode::CommandLine => "The : command line",
            KeyMode::Form => "New conversation form (n)",
            KeyMode::Text => "Editing any text input",
            KeyMode::LogPane => "The log pane (focused)",
            KeyMode::Wallboard => "The wallboard (:wallboard)",
        }
    }
}

/// A `:` command: its verb, its short aliases, and how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colon {
    pub verb: &'static str,
    pub aliases: &'static [&'static str],
    pub syntax: &'static str,
    /// What its argument names, for Tab completion.
    pub arg: Arg,
}

/// What a `:` command's argument is, for Tab completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    None,
    Agent,
    RosterMember,
    Words(&'static [&'static str]),
    Free,
    /// A saved view's name (or `save`).
    View,
}

/// One command of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub command: Command,
    /// The name on the left of a `[keys]` line.
    pub name: &'static str,
    /// Default keys, primary first. A `[keys]` line replaces the primary;
    /// the others stay unless another command of an overlapping mode takes
    /// them. Reserved keys (Esc, Ctrl-z, Ctrl-c on quit) always stay.
    pub keys: &'static [KeySpec],
    pub colon: Option<Colon>,
    /// Its line in the help.
    pub description: &'static str,
    /// Its word in a hint bar.
    pub label: &'static str,
    /// Its heading in the help (the lists' commands; other modes' keys are
    /// listed under the mode's title).
    pub group: &'static str,
    /// Where it works, what it needs, whether it sends.
    pub context: Context,
    /// Where the lists' hint bar offers it.
    pub hints: &'static [Hint],
}

impl Entry {
    /// The mode whose keys run it.
    pub fn mode(&self) -> KeyMode {
        self.context.mode
    }
}

/// Where a command works and what it needs: the dispatch runs a command
/// only in its mode and panes, [`Command::enabled`] refuses it without
/// what it needs and, in read-only mode, when it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The mode whose keys run it.
    pub mode: KeyMode,
    /// The focused panes it works in (every pane, for most).
    pub panes: &'static [Pane],
    /// What must be there for it to run.
    pub needs: Needs,
    /// It sends something to Kore: refused in read-only mode.
    pub sends: bool,
}

impl Context {
    /// A command of `mode`, in every pane, needing nothing, sending nothing.
    pub const fn of(mode: KeyMode) -> Context {
        Context {
            mode,
            panes: EVERY_PANE,
            needs: Needs::Nothing,
            sends: false,
        }
    }

    pub const fn in_panes(self, panes: &'static [Pane]) -> Context {
        Context { panes, ..self }
    }

    pub const fn needs(self, needs: Needs) -> Context {
        Context { needs, ..self }
    }

    pub const fn sends(self) -> Context {
        Context {
            sends: true,
            ..self
        }
    }

    /// Whether the command runs while `open` is the open mode's keys and
    /// `focus` has the keyboard. `Any` keys work in every mode, `Text`
    /// keys in every mode that reads text, the log pane's in the lists.
    pub fn applies(&self, open: KeyMode, focus: Pane) -> bool {
        let mode = match self.mode {
            KeyMode::Any => true,
            KeyMode::Text => open.reads_text(),
            KeyMode::LogPane => open == KeyMode::Normal,
            mode => mode == open,
        };
        mode && self.panes.contains(&focus)
    }
}

/// What a command needs before it can run ([`Command::enabled`] says why
/// not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// A selected conversation.
    Conversation,
    /// A selected conversation with a failed request.
    FailedRequest,
    /// A selected conversation that can be assigned: it has a bot session
    /// id and has not ended.
    Session,
    /// The focused list's row: an agent on the agents pane, a queue on the
    /// queue pane, a selected conversation anywhere else.
    FocusedRow,
    /// A choice in the picker: an agent, or a queue after `q:`.
    PickerChoice,
}

impl Needs {
    /// Whether it needs a selected conversation whatever the focus.
    pub fn conversation(self) -> bool {
        matches!(
            self,
            Needs::Conversation | Needs::FailedRequest | Needs::Session
        )
    }
}

/// A place in the lists' hint bar: in which panes, in which order (lower
/// first) and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub panes: &'static [Pane],
    pub rank: u8,
    pub shown: Shown,
}

/// When a hint is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Always,
    /// Unless the console is read-only.
    ReadWrite,
    /// Only while the console is read-only.
    ReadOnly,
    /// Only while the command can run ([`Command::enabled`]).
    WhenEnabled,
}

impl Hint {
    pub const fn at(panes: &'static [Pane], rank: u8) -> Hint {
        Hint {
            panes,
            rank,
            shown: Shown::Always,
        }
    }

    pub const fn read_write(self) -> Hint {
        Hint {
            shown: Shown::ReadWrite,
            ..self
        }
    }

    pub const fn read_only(self) -> Hint {
        Hint {
            shown: Shown::ReadOnly,
            ..self
        }
    }

    pub const fn when_enabled(self) -> Hint {
        Hint {
            shown: Shown::WhenEnabled,
            ..self
        }
    }
}

/// Every pane.
pub const EVERY_PANE: &[Pane] = &Pane::ORDER;
/// The panes that show the selected conversation: its list and its roster.
pub const CONVERSATION_PANES: &[Pane] = &[Pane::Conversations, Pane::Roster];
/// Help and quit end every hint bar (the bar keeps them when others go).
const LAST: u8 = 100;
/// The lists' commands: in every pane, needing nothing, sending nothing.
const LISTS: Context = Context::of(KeyMode::Normal);

/// Every command of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    // Anywhere
    Suspend,
    // Lists: moving
    MoveDown,
    MoveUp,
    Top,
    Bottom,
    PageDown,
    PageUp,
    FocusNext,
    FocusPrev,
    Filter,
    Sort,
    SortReverse,
    ToggleQueues,
    ToggleProblems,
    ToggleFollow,
    Back,
    // Lists: the conversation
    Open,
    Details,
    Assign,
    Enter,
    ColdTransfer,
    WarmTransfer,
    Remove,
    End,
    Redial,
    Retry,
    Drop,
    NewConversation,
    Mark,
    MarkRange,
    /// `:bulk cancel`: stop what a bulk action has not sent.
    Bulk,
    // Lists: the console
    CommandLine,
    Export,
    Refresh,
    Wallboard,
    ToggleFresh,
    Help,
    Quit,
    Find,
    View,
    /// Team mode: who is online (`:who`).
    Who,
    LogNext,
    LogPrev,
    LogPolls,
    // Modes
    HelpDown,
    HelpUp,
    HelpPageDown,
    HelpPageUp,
    HelpTop,
    HelpBottom,
    HelpClose,
    ConfirmYes,
    ConfirmNo,
    ConfirmDefault,
    FilterDone,
    FilterClear,
    PickerDown,
    PickerUp,
    PickerPick,
    PickerCancel,
    LineRun,
    LineComplete,
    LineCancel,
    FormNext,
    FormPrev,
    FormSubmit,
    FormCancel,
    WallboardClose,
    TextLeft,
    TextRight,
    TextHome,
    TextEnd,
    TextBackspace,
    TextDelete,
    TextClear,
    TextDeleteWord,
}

impl Command {
    /// Every command, in registry (help) order.
    pub fn all() -> impl Iterator<Item = Command> {
        REGISTRY.iter().map(|e| e.command)
    }

    /// This command's registry entry.
    pub fn entry(self) -> &'static Entry {
        &REGISTRY[self.index()]
    }

    /// Position in [`REGISTRY`] (which lists commands in variant order).
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn from_name(name: &str) -> Option<Command> {
        REGISTRY.iter().find(|e| e.name == name).map(|e| e.command)
    }

    pub fn mode(self) -> KeyMode {
        self.entry().context.mode
    }

    pub fn context(self) -> Context {
        self.entry().context
    }

    pub fn description(self) -> &'static str {
        self.entry().description
    }

    pub fn short_label(self) -> &'static str {
        self.entry().label
    }

    pub fn group(self) -> &'static str {
        self.entry().group
    }

    pub fn sends(self) -> bool {
        self.entry().context.sends
    }

    pub fn colon(self) -> Option<Colon> {
        self.entry().colon
    }

    /// Only of use in team mode (`[team]`): left out of the help and the
    /// list of `:` verbs otherwise, so a console alone looks as before.
    pub fn team_only(self) -> bool {
        matches!(self, Command::Who)
    }

    /// The supervisor's verb this command carries out, if it is one.
    pub fn verb(self) -> Option<Verb> {
        Some(match self {
            Command::Assign => Verb::Assign,
            Command::Enter => Verb::Enter,
            Command::ColdTransfer => Verb::Cold,
            Command::WarmTransfer => Verb::Warm,
            Command::Remove => Verb::Remove,
            Command::End => Verb::End,
            Command::Redial => Verb::Redial,
            _ => return None,
        })
    }
}

/// The command a `:` word names (its verb or one of its aliases).
pub fn colon_command(word: &str) -> Option<Command> {
    REGISTRY
        .iter()
        .find(|e| {
            e.colon
                .is_some_and(|c| c.verb == word || c.aliases.contains(&word))
        })
        .map(|e| e.command)
}

/// The `:` forms offered (completion, the help, the list of verbs): the
/// team's own (`:who`) are left out here and shown only in team mode.
pub(crate) fn colon_entries() -> impl Iterator<Item = Colon> {
    REGISTRY
        .iter()
        .filter(|e| !e.command.team_only())
        .filter_map(|e| e.colon)
}

/// The `:` verbs a console offers (Tab): with team mode on, the team's too.
pub(crate) fn colon_entries_for(team: bool) -> impl Iterator<Item = Colon> {
    REGISTRY
        .iter()
        .filter(move |e| team || !e.command.team_only())
        .filter_map(|e| e.colon)
}

/// What to say about a `:` word that names no command: the nearest verb
/// when one is close, and the list.
pub fn unknown_colon_command(word: &str) -> String {
    let near = colon_entries()
        .map(|c| (edit_distance(word, c.verb), c.verb))
        .filter(|(d, verb)| *d <= (verb.len() / 3).max(1))
        .min();
    let list = colon_entries()
        .map(|c| format!(":{}", c.verb))
        .collect::<Vec<_>>()
        .join(", ");
    match near {
        Some((_, verb)) => {
            format!("unknown command :{word}; did you mean :{verb}? (commands: {list})")
        }
        None => format!("unknown command :{word} (try {list})"),
    }
}

/// The `:` commands as the help lists them.
pub fn colon_commands_line() -> String {
    colon_entries()
        .map(|c| c.syntax)
        .collect::<Vec<_>>()
        .join("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_each_command_once_in_variant_order() {
        for (i, e) in REGISTRY.iter().enumerate() {
            assert_eq!(e.command.index(), i, "{} is out of place", e.name);
        }
        let mut names: Vec<&str> = REGISTRY.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len(), "config names are unique");
    }

    #[test]
    fn every_colon_verb_and_alias_names_one_command() {
        let mut words: Vec<&str> = Vec::new();
        for c in colon_entries() {
            words.push(c.verb);
            words.extend(c.aliases);
        }
        let n = words.len();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), n, "a : word names two commands");
        assert_eq!(colon_command("t"), Some(Command::ColdTransfer));
        assert_eq!(colon_command("refresh"), Some(Command::Refresh));
        assert_eq!(colon_command("nope"), None);
    }

    #[test]
    fn hints_stay_within_their_commands_context() {
        for e in REGISTRY {
            let mut panes: Vec<Pane> = Vec::new();
            for h in e.hints {
                assert!(
                    matches!(e.mode(), KeyMode::Normal | KeyMode::LogPane),
                    "{}: only the lists have a hint bar",
                    e.name
                );
                for p in h.panes {
                    assert!(e.context.panes.contains(p), "{}: {p:?}", e.name);
                    assert!(!panes.contains(p), "{}: two hints in {p:?}", e.name);
                    panes.push(*p);
                }
                // What sends is left out of the conversations' read-only
                // bar (the agents' and queues' show it dimmed).
                if e.context.sends && h.panes.contains(&Pane::Conversations) {
                    assert_ne!(h.shown, Shown::Always, "{}", e.name);
                }
            }
        }
    }

    #[test]
    fn a_verb_command_is_written_with_its_verb() {
        for v in Verb::ALL {
            let c = Command::all().find(|c| c.verb() == Some(v)).unwrap();
            assert_eq!(c.colon().map(|c| c.verb), Some(v.name()), "{v:?}");
            assert!(c.sends());
        }
    }
}
