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
    // Lists: the console
    CommandLine,
    Export,
    Refresh,
    Wallboard,
    ToggleFresh,
    Help,
    Quit,
    Find,
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

const fn ch(c: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::NONE,
    }
}
const fn key(code: KeyCode) -> KeySpec {
    KeySpec {
        code,
        modifiers: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}
const ESC: KeySpec = key(KeyCode::Esc);
const ENTER: KeySpec = key(KeyCode::Enter);
const TAB: KeySpec = key(KeyCode::Tab);
const BACKTAB: KeySpec = key(KeyCode::BackTab);
const UP: KeySpec = key(KeyCode::Up);
const DOWN: KeySpec = key(KeyCode::Down);

const fn colon(
    verb: &'static str,
    aliases: &'static [&'static str],
    syntax: &'static str,
    arg: Arg,
) -> Option<Colon> {
    Some(Colon {
        verb,
        aliases,
        syntax,
        arg,
    })
}

const SORTS: &[&str] = &[
    "urgency", "state", "age", "id", "channel", "name", "waiting", "engaged", "longest", "average",
    "asa", "drops", "free", "service", "time", "status",
];
const ON_OFF: &[&str] = &["on", "off"];

/// The registry, in help order. Each command appears once, in the position
/// of its `Command` variant.
pub const REGISTRY: &[Entry] = &[
    Entry {
        command: Command::Suspend,
        name: "suspend",
        keys: &[ctrl('z')],
        colon: None,
        description: "suspend: give the terminal back (fg returns)",
        label: "suspend",
        group: "Console",
        context: Context::of(KeyMode::Any),
        hints: &[],
    },
    Entry {
        command: Command::MoveDown,
        name: "move_down",
        keys: &[ch('j'), DOWN],
        colon: None,
        description: "move down",
        label: "down",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::MoveUp,
        name: "move_up",
        keys: &[ch('k'), UP],
        colon: None,
        description: "move up",
        label: "up",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Top,
        name: "top",
        keys: &[ch('g'), key(KeyCode::Home)],
        colon: None,
        description: "jump to the top",
        label: "top",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Bottom,
        name: "bottom",
        keys: &[ch('G'), key(KeyCode::End)],
        colon: None,
        description: "jump to the bottom",
        label: "bottom",
        group: "Move",
        context: LISTS,
        hints: &[Hint::at(&[Pane::Log], 3)],
    },
    Entry {
        command: Command::PageDown,
        name: "page_down",
        keys: &[key(KeyCode::PageDown)],
        colon: None,
        description: "page down",
        label: "page down",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::PageUp,
        name: "page_up",
        keys: &[key(KeyCode::PageUp)],
        colon: None,
        description: "page up",
        label: "page up",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::FocusNext,
        name: "focus_next",
        keys: &[TAB],
        colon: None,
        description: "focus the next pane",
        label: "next pane",
        group: "Move",
        context: LISTS,
        hints: &[Hint::at(&[Pane::Agents], 3), Hint::at(&[Pane::Queues], 5)],
    },
    Entry {
        command: Command::FocusPrev,
        name: "focus_prev",
        keys: &[BACKTAB],
        colon: None,
        description: "focus the previous pane",
        label: "prev pane",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Filter,
        name: "filter",
        keys: &[ch('/')],
        colon: colon("filter", &["f"], ":filter lang=de", Arg::Free),
        description: "filter the focused list",
        label: "filter",
        group: "Move",
        context: LISTS,
        hints: &[
            Hint::at(CONVERSATION_PANES, 7),
            Hint::at(&[Pane::Agents], 0),
            Hint::at(&[Pane::Log], 2),
        ],
    },
    Entry {
        command: Command::Sort,
        name: "sort",
        keys: &[ch('s')],
        colon: colon(
            "sort",
            &[],
            ":sort urgency|state|age|id|channel (queues: name|waiting|engaged|longest|average|asa|drops|free|service; agents: time|status)",
            Arg::Words(SORTS),
        ),
        description: "cycle the focused list's sort",
        label: "sort",
        group: "Move",
        context: LISTS,
        hints: &[
            Hint::at(CONVERSATION_PANES, 9).read_only(),
            Hint::at(&[Pane::Queues], 1),
        ],
    },
    Entry {
        command: Command::SortReverse,
        name: "sort_reverse",
        keys: &[ch('S')],
        colon: colon("reverse", &["rev"], ":reverse", Arg::None),
        description: "reverse the conversation list's sort",
        label: "reverse",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::ToggleQueues,
        name: "toggle_queues",
        keys: &[ch('u')],
        colon: colon("queues", &[], ":queues", Arg::None),
        description: "queues or agents pane",
        label: "queues",
        group: "Move",
        context: LISTS,
        hints: &[Hint::at(&[Pane::Agents], 2), Hint::at(&[Pane::Queues], 4)],
    },
    Entry {
        command: Command::ToggleProblems,
        name: "toggle_problems",
        keys: &[ch('!')],
        colon: colon("problems", &[], ":problems [on|off]", Arg::Words(ON_OFF)),
        description: "problems only: late waits and queues, failed requests",
        label: "problems",
        group: "Move",
        context: LISTS,
        hints: &[
            Hint::at(CONVERSATION_PANES, 8).read_write(),
            Hint::at(&[Pane::Queues], 2),
        ],
    },
    Entry {
        command: Command::ToggleFollow,
        name: "toggle_follow",
        keys: &[ch('f')],
        colon: colon("follow", &[], ":follow on|off", Arg::Words(ON_OFF)),
        description: "log: follow on/off",
        label: "follow",
        group: "Move",
        context: LISTS,
        hints: &[Hint::at(&[Pane::Log], 0)],
    },
    Entry {
        command: Command::Back,
        name: "back",
        keys: &[ESC],
        colon: None,
        description: "clear: message, filter, queue, detail",
        label: "back",
        group: "Move",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Open,
        name: "open",
        keys: &[ENTER],
        colon: None,
        description: "open the conversation's detail; on a queue, list only its own",
        label: "open",
        group: "Conversation",
        context: LISTS.needs(Needs::FocusedRow),
        hints: &[
            Hint::at(CONVERSATION_PANES, 1).read_only(),
            Hint::at(&[Pane::Queues], 0),
        ],
    },
    Entry {
        command: Command::Details,
        name: "details",
        keys: &[ch('R')],
        colon: colon("details", &[], ":details", Arg::None),
        description: "ask Kore for the conversation's details again",
        label: "details",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation),
        hints: &[],
    },
    Entry {
        command: Command::Assign,
        name: "assign",
        keys: &[ch('a')],
        colon: colon(
            "assign",
            &["a"],
            ":assign NAME | :assign queue NAME",
            Arg::Agent,
        ),
        description: "assign to a picked agent (or a queue: type q: in the picker)",
        label: "assign",
        group: "Conversation",
        context: LISTS.needs(Needs::Session).sends(),
        hints: &[
            Hint::at(CONVERSATION_PANES, 1).read_write(),
            Hint::at(&[Pane::Agents], 1),
            Hint::at(&[Pane::Queues], 3),
        ],
    },
    Entry {
        command: Command::Enter,
        name: "enter",
        keys: &[ch('e')],
        colon: colon("enter", &["e"], ":enter NAME", Arg::Agent),
        description: "first agent enters the conversation",
        label: "enter",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation).sends(),
        hints: &[Hint::at(CONVERSATION_PANES, 2).read_write()],
    },
    Entry {
        command: Command::ColdTransfer,
        name: "cold_transfer",
        keys: &[ch('t')],
        colon: colon("cold", &["t"], ":cold NAME", Arg::Agent),
        description: "cold transfer to a picked agent",
        label: "cold",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation).sends(),
        hints: &[Hint::at(CONVERSATION_PANES, 3).read_write()],
    },
    Entry {
        command: Command::WarmTransfer,
        name: "warm_transfer",
        keys: &[ch('w')],
        colon: colon("warm", &["w"], ":warm NAME", Arg::Agent),
        description: "warm: a picked agent joins as a consultant",
        label: "warm",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation).sends(),
        hints: &[Hint::at(CONVERSATION_PANES, 4).read_write()],
    },
    Entry {
        command: Command::Remove,
        name: "remove",
        keys: &[ch('x')],
        colon: colon("remove", &["x"], ":remove NAME", Arg::RosterMember),
        description: "remove the roster's selected agent",
        label: "remove",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation).sends(),
        hints: &[Hint::at(CONVERSATION_PANES, 5).read_write()],
    },
    Entry {
        command: Command::End,
        name: "end",
        keys: &[ch('E')],
        colon: colon("end", &[], ":end", Arg::None),
        description: "end the conversation and send the closing events",
        label: "end",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation).sends(),
        hints: &[Hint::at(CONVERSATION_PANES, 6).read_write()],
    },
    Entry {
        command: Command::Redial,
        name: "redial",
        keys: &[],
        colon: colon("redial", &[], ":redial NAME", Arg::Agent),
        description: "redial: the dropped agent calls back",
        label: "redial",
        group: "Conversation",
        context: LISTS.needs(Needs::Conversation).sends(),
        hints: &[],
    },
    Entry {
        command: Command::Retry,
        name: "retry",
        keys: &[ch('r')],
        colon: colon("retry", &[], ":retry", Arg::None),
        description: "resend the selected conversation's failed request",
        label: "retry",
        group: "Conversation",
        context: LISTS.needs(Needs::FailedRequest).sends(),
        hints: &[Hint::at(CONVERSATION_PANES, 0).when_enabled()],
    },
    Entry {
        command: Command::Drop,
        name: "drop",
        keys: &[],
        colon: colon("drop", &[], ":drop", Arg::None),
        description: "drop the failed request unsent, release the ones behind it",
        label: "drop",
        group: "Conversation",
        context: LISTS.needs(Needs::FailedRequest).sends(),
        hints: &[],
    },
    Entry {
        command: Command::NewConversation,
        name: "new_conversation",
        keys: &[ch('n')],
        colon: None,
        description: "open a conversation by hand",
        label: "new",
        group: "Conversation",
        context: LISTS,
        hints: &[Hint::at(&[Pane::Agents], 4)],
    },
    Entry {
        command: Command::CommandLine,
        name: "command_line",
        keys: &[ch(':')],
        colon: None,
        description: "command line (Tab completes)",
        label: "command",
        group: "Console",
        context: LISTS,
        hints: &[
            Hint::at(CONVERSATION_PANES, 10).read_only(),
            Hint::at(&[Pane::Agents], 5),
            Hint::at(&[Pane::Log], 4),
        ],
    },
    Entry {
        command: Command::Export,
        name: "export",
        keys: &[],
        colon: colon("export", &[], ":export FILE", Arg::Free),
        description: "write the log's shown lines to a file (JSON lines)",
        label: "export",
        group: "Console",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Refresh,
        name: "refresh",
        keys: &[],
        colon: colon("refresh", &[], ":refresh", Arg::None),
        description: "poll conversations, agents and queues now",
        label: "refresh",
        group: "Console",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Wallboard,
        name: "wallboard",
        keys: &[ch('W')],
        colon: colon("wallboard", &["wb"], ":wallboard", Arg::None),
        description: "wallboard: big per-queue tiles (q or Esc: back)",
        label: "wallboard",
        group: "Console",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::ToggleFresh,
        name: "toggle_freshness",
        keys: &[ch('F')],
        colon: colon("fresh", &["freshness"], ":fresh on|off", Arg::Words(ON_OFF)),
        description: "show when the poll last read each conversation",
        label: "fresh",
        group: "Console",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::Help,
        name: "help",
        keys: &[ch('?')],
        colon: colon("help", &[], ":help", Arg::None),
        description: "show this help",
        label: "help",
        group: "Console",
        context: LISTS,
        hints: &[Hint::at(EVERY_PANE, LAST)],
    },
    Entry {
        command: Command::Quit,
        name: "quit",
        keys: &[ch('q'), ctrl('c')],
        colon: colon("quit", &["q"], ":quit", Arg::None),
        description: "quit (asks first while requests are queued)",
        label: "quit",
        group: "Console",
        context: LISTS,
        hints: &[Hint::at(EVERY_PANE, LAST + 1)],
    },
    Entry {
        command: Command::Find,
        name: "find",
        keys: &[],
        colon: colon("find", &[], ":find TEXT", Arg::Free),
        description: "find TEXT in the log (n / N step through)",
        label: "find",
        group: "Console",
        context: LISTS,
        hints: &[],
    },
    Entry {
        command: Command::LogNext,
        name: "log_next_match",
        keys: &[ch('n')],
        colon: None,
        description: "next log line holding the :find text",
        label: "next match",
        group: "Log",
        context: Context::of(KeyMode::LogPane).in_panes(&[Pane::Log]),
        hints: &[],
    },
    Entry {
        command: Command::LogPrev,
        name: "log_prev_match",
        keys: &[ch('N')],
        colon: None,
        description: "previous log line holding the :find text",
        label: "prev match",
        group: "Log",
        context: Context::of(KeyMode::LogPane).in_panes(&[Pane::Log]),
        hints: &[],
    },
    Entry {
        command: Command::LogPolls,
        name: "log_toggle_polls",
        keys: &[ch('p')],
        colon: None,
        description: "log: show or hide the poll lines (hidden at start)",
        label: "polls",
        group: "Log",
        context: Context::of(KeyMode::LogPane).in_panes(&[Pane::Log]),
        hints: &[Hint::at(&[Pane::Log], 1)],
    },
    Entry {
        command: Command::HelpDown,
        name: "help_down",
        keys: &[ch('j'), DOWN],
        colon: None,
        description: "scroll down",
        label: "down",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::HelpUp,
        name: "help_up",
        keys: &[ch('k'), UP],
        colon: None,
        description: "scroll up",
        label: "up",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::HelpPageDown,
        name: "help_page_down",
        keys: &[key(KeyCode::PageDown), ch(' ')],
        colon: None,
        description: "scroll a page down",
        label: "page down",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::HelpPageUp,
        name: "help_page_up",
        keys: &[key(KeyCode::PageUp)],
        colon: None,
        description: "scroll a page up",
        label: "page up",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::HelpTop,
        name: "help_top",
        keys: &[ch('g'), key(KeyCode::Home)],
        colon: None,
        description: "back to the top",
        label: "top",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::HelpBottom,
        name: "help_bottom",
        keys: &[ch('G'), key(KeyCode::End)],
        colon: None,
        description: "to the end (the legend)",
        label: "end",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::HelpClose,
        name: "help_close",
        keys: &[ch('q'), ESC, ch('?')],
        colon: None,
        description: "close the help (other keys do nothing)",
        label: "close",
        group: "Help",
        context: Context::of(KeyMode::Help),
        hints: &[],
    },
    Entry {
        command: Command::ConfirmYes,
        name: "confirm_yes",
        keys: &[ch('y'), ch('Y')],
        colon: None,
        description: "yes: go ahead",
        label: "yes",
        group: "Confirm",
        context: Context::of(KeyMode::Confirm),
        hints: &[],
    },
    Entry {
        command: Command::ConfirmNo,
        name: "confirm_no",
        keys: &[ch('n'), ch('N'), ESC, ctrl('c')],
        colon: None,
        description: "no: cancel, nothing is sent",
        label: "no",
        group: "Confirm",
        context: Context::of(KeyMode::Confirm),
        hints: &[],
    },
    Entry {
        command: Command::ConfirmDefault,
        name: "confirm_default",
        keys: &[ENTER],
        colon: None,
        description: "the answer in capitals: Y/n sends, y/N cancels",
        label: "default",
        group: "Confirm",
        context: Context::of(KeyMode::Confirm),
        hints: &[],
    },
    Entry {
        command: Command::FilterDone,
        name: "filter_done",
        keys: &[ENTER],
        colon: None,
        description: "keep the filter and go back to the list",
        label: "keep",
        group: "Filter",
        context: Context::of(KeyMode::Filter),
        hints: &[],
    },
    Entry {
        command: Command::FilterClear,
        name: "filter_clear",
        keys: &[ESC],
        colon: None,
        description: "clear the filter and go back to the list",
        label: "clear",
        group: "Filter",
        context: Context::of(KeyMode::Filter),
        hints: &[],
    },
    Entry {
        command: Command::PickerDown,
        name: "picker_down",
        keys: &[DOWN, TAB, ctrl('n'), ctrl('j')],
        colon: None,
        description: "next agent",
        label: "down",
        group: "Picker",
        context: Context::of(KeyMode::Picker),
        hints: &[],
    },
    Entry {
        command: Command::PickerUp,
        name: "picker_up",
        keys: &[UP, BACKTAB, ctrl('p'), ctrl('k')],
        colon: None,
        description: "previous agent",
        label: "up",
        group: "Picker",
        context: Context::of(KeyMode::Picker),
        hints: &[],
    },
    Entry {
        command: Command::PickerPick,
        name: "picker_pick",
        keys: &[ENTER],
        colon: None,
        description: "pick the highlighted agent or queue (then confirm)",
        label: "pick",
        group: "Picker",
        context: Context::of(KeyMode::Picker).needs(Needs::PickerChoice),
        hints: &[],
    },
    Entry {
        command: Command::PickerCancel,
        name: "picker_cancel",
        keys: &[ESC],
        colon: None,
        description: "cancel, nothing is sent",
        label: "cancel",
        group: "Picker",
        context: Context::of(KeyMode::Picker),
        hints: &[],
    },
    Entry {
        command: Command::LineRun,
        name: "line_run",
        keys: &[ENTER],
        colon: None,
        description: "run the command",
        label: "run",
        group: "Command line",
        context: Context::of(KeyMode::CommandLine),
        hints: &[],
    },
    Entry {
        command: Command::LineComplete,
        name: "line_complete",
        keys: &[TAB],
        colon: None,
        description: "complete the verb or its argument",
        label: "complete",
        group: "Command line",
        context: Context::of(KeyMode::CommandLine),
        hints: &[],
    },
    Entry {
        command: Command::LineCancel,
        name: "line_cancel",
        keys: &[ESC],
        colon: None,
        description: "close the command line",
        label: "cancel",
        group: "Command line",
        context: Context::of(KeyMode::CommandLine),
        hints: &[],
    },
    Entry {
        command: Command::FormNext,
        name: "form_next",
        keys: &[TAB, DOWN],
        colon: None,
        description: "next field",
        label: "next",
        group: "Form",
        context: Context::of(KeyMode::Form),
        hints: &[],
    },
    Entry {
        command: Command::FormPrev,
        name: "form_prev",
        keys: &[BACKTAB, UP],
        colon: None,
        description: "previous field",
        label: "prev",
        group: "Form",
        context: Context::of(KeyMode::Form),
        hints: &[],
    },
    Entry {
        command: Command::FormSubmit,
        name: "form_submit",
        keys: &[ENTER],
        colon: None,
        description: "open the conversation",
        label: "open",
        group: "Form",
        context: Context::of(KeyMode::Form),
        hints: &[],
    },
    Entry {
        command: Command::FormCancel,
        name: "form_cancel",
        keys: &[ESC],
        colon: None,
        description: "cancel",
        label: "cancel",
        group: "Form",
        context: Context::of(KeyMode::Form),
        hints: &[],
    },
    Entry {
        command: Command::WallboardClose,
        name: "wallboard_close",
        keys: &[ch('q'), ESC, ctrl('c')],
        colon: None,
        description: "back to the console (quit, in `switchboard wallboard`)",
        label: "back",
        group: "Wallboard",
        context: Context::of(KeyMode::Wallboard),
        hints: &[],
    },
    Entry {
        command: Command::TextLeft,
        name: "text_left",
        keys: &[key(KeyCode::Left), ctrl('b')],
        colon: None,
        description: "cursor left",
        label: "left",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextRight,
        name: "text_right",
        keys: &[key(KeyCode::Right), ctrl('f')],
        colon: None,
        description: "cursor right",
        label: "right",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextHome,
        name: "text_home",
        keys: &[key(KeyCode::Home), ctrl('a')],
        colon: None,
        description: "cursor to the start",
        label: "start",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextEnd,
        name: "text_end",
        keys: &[key(KeyCode::End), ctrl('e')],
        colon: None,
        description: "cursor to the end",
        label: "end",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextBackspace,
        name: "text_backspace",
        keys: &[key(KeyCode::Backspace)],
        colon: None,
        description: "delete before the cursor (on an empty : line, close it)",
        label: "delete",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextDelete,
        name: "text_delete",
        keys: &[key(KeyCode::Delete), ctrl('d')],
        colon: None,
        description: "delete at the cursor",
        label: "delete",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextClear,
        name: "text_clear",
        keys: &[ctrl('u')],
        colon: None,
        description: "clear the input",
        label: "clear",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
    Entry {
        command: Command::TextDeleteWord,
        name: "text_delete_word",
        keys: &[ctrl('w')],
        colon: None,
        description: "delete the word before the cursor",
        label: "delete word",
        group: "Text",
        context: Context::of(KeyMode::Text),
        hints: &[],
    },
];

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

pub(crate) fn colon_entries() -> impl Iterator<Item = Colon> {
    REGISTRY.iter().filter_map(|e| e.colon)
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
