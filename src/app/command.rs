//! The command registry: every command of the console in one table.
//!
//! One [`Entry`] per command: its config name, the mode its keys work in,
//! its default keys, its `:` verb with aliases and argument syntax, the help
//! text, the hint label, the help group and whether it sends anything to
//! Kore. The keymap (and its `[keys]` overrides), the help overlay, the hint
//! bar, the `:` parser with its Tab completion and "unknown command" text,
//! and read-only gating all read this table; [`Command::enabled`] says
//! whether a command can run now and, if not, why.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::input::Edit;
use crate::app::key::KeySpec;
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
    pub mode: KeyMode,
    /// Default keys, primary first. A `[keys]` line replaces the primary;
    /// the others stay unless another command of an overlapping mode takes
    /// them. Reserved keys (Esc, Ctrl-z, Ctrl-c on quit) always stay.
    pub keys: &'static [KeySpec],
    pub colon: Option<Colon>,
    pub description: &'static str,
    pub label: &'static str,
    pub group: &'static str,
    /// It sends something to Kore: refused in read-only mode.
    pub sends: bool,
}

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

macro_rules! entry {
    ($cmd:ident, $name:literal, $mode:ident, [$($k:expr),*], $colon:expr, $desc:literal, $label:literal, $group:literal, $sends:literal) => {
        Entry {
            command: Command::$cmd,
            name: $name,
            mode: KeyMode::$mode,
            keys: &[$($k),*],
            colon: $colon,
            description: $desc,
            label: $label,
            group: $group,
            sends: $sends,
        }
    };
}

const SORTS: &[&str] = &[
    "urgency", "state", "age", "id", "channel", "name", "waiting", "engaged", "longest", "average",
    "asa", "drops", "free", "service", "time", "status",
];
const ON_OFF: &[&str] = &["on", "off"];

/// The registry, in help order. Each command appears once, in the position
/// of its `Command` variant.
pub const REGISTRY: &[Entry] = &[
    entry!(
        Suspend,
        "suspend",
        Any,
        [ctrl('z')],
        None,
        "suspend: give the terminal back (fg returns)",
        "suspend",
        "Console",
        false
    ),
    entry!(
        MoveDown,
        "move_down",
        Normal,
        [ch('j'), DOWN],
        None,
        "move down",
        "down",
        "Move",
        false
    ),
    entry!(
        MoveUp,
        "move_up",
        Normal,
        [ch('k'), UP],
        None,
        "move up",
        "up",
        "Move",
        false
    ),
    entry!(
        Top,
        "top",
        Normal,
        [ch('g'), key(KeyCode::Home)],
        None,
        "jump to the top",
        "top",
        "Move",
        false
    ),
    entry!(
        Bottom,
        "bottom",
        Normal,
        [ch('G'), key(KeyCode::End)],
        None,
        "jump to the bottom",
        "bottom",
        "Move",
        false
    ),
    entry!(
        PageDown,
        "page_down",
        Normal,
        [key(KeyCode::PageDown)],
        None,
        "page down",
        "page down",
        "Move",
        false
    ),
    entry!(
        PageUp,
        "page_up",
        Normal,
        [key(KeyCode::PageUp)],
        None,
        "page up",
        "page up",
        "Move",
        false
    ),
    entry!(
        FocusNext,
        "focus_next",
        Normal,
        [TAB],
        None,
        "focus the next pane",
        "next pane",
        "Move",
        false
    ),
    entry!(
        FocusPrev,
        "focus_prev",
        Normal,
        [BACKTAB],
        None,
        "focus the previous pane",
        "prev pane",
        "Move",
        false
    ),
    entry!(
        Filter,
        "filter",
        Normal,
        [ch('/')],
        colon("filter", &["f"], ":filter lang=de", Arg::Free),
        "filter the focused list",
        "filter",
        "Move",
        false
    ),
    entry!(
        Sort,
        "sort",
        Normal,
        [ch('s')],
        colon(
            "sort",
            &[],
            ":sort urgency|state|age|id|channel (queues: name|waiting|engaged|longest|average|asa|drops|free|service; agents: time|status)",
            Arg::Words(SORTS)
        ),
        "cycle the focused list's sort",
        "sort",
        "Move",
        false
    ),
    entry!(
        SortReverse,
        "sort_reverse",
        Normal,
        [ch('S')],
        colon("reverse", &["rev"], ":reverse", Arg::None),
        "reverse the conversation list's sort",
        "reverse",
        "Move",
        false
    ),
    entry!(
        ToggleQueues,
        "toggle_queues",
        Normal,
        [ch('u')],
        colon("queues", &[], ":queues", Arg::None),
        "queues or agents pane",
        "queues",
        "Move",
        false
    ),
    entry!(
        ToggleProblems,
        "toggle_problems",
        Normal,
        [ch('!')],
        colon("problems", &[], ":problems [on|off]", Arg::Words(ON_OFF)),
        "problems only: late waits and queues, failed requests",
        "problems",
        "Move",
        false
    ),
    entry!(
        ToggleFollow,
        "toggle_follow",
        Normal,
        [ch('f')],
        colon("follow", &[], ":follow on|off", Arg::Words(ON_OFF)),
        "log: follow on/off",
        "follow",
        "Move",
        false
    ),
    entry!(
        Back,
        "back",
        Normal,
        [ESC],
        None,
        "clear: message, filter, queue, detail",
        "back",
        "Move",
        false
    ),
    entry!(
        Open,
        "open",
        Normal,
        [ENTER],
        None,
        "open the conversation's detail; on a queue, list only its own",
        "open",
        "Conversation",
        false
    ),
    entry!(
        Details,
        "details",
        Normal,
        [ch('R')],
        colon("details", &[], ":details", Arg::None),
        "ask Kore for the conversation's details again",
        "details",
        "Conversation",
        false
    ),
    entry!(
        Assign,
        "assign",
        Normal,
        [ch('a')],
        colon(
            "assign",
            &["a"],
            ":assign NAME | :assign queue NAME",
            Arg::Agent
        ),
        "assign to a picked agent (or a queue: type q: in the picker)",
        "assign",
        "Conversation",
        true
    ),
    entry!(
        Enter,
        "enter",
        Normal,
        [ch('e')],
        colon("enter", &["e"], ":enter NAME", Arg::Agent),
        "first agent enters the conversation",
        "enter",
        "Conversation",
        true
    ),
    entry!(
        ColdTransfer,
        "cold_transfer",
        Normal,
        [ch('t')],
        colon("cold", &["t"], ":cold NAME", Arg::Agent),
        "cold transfer to a picked agent",
        "cold",
        "Conversation",
        true
    ),
    entry!(
        WarmTransfer,
        "warm_transfer",
        Normal,
        [ch('w')],
        colon("warm", &["w"], ":warm NAME", Arg::Agent),
        "warm: a picked agent joins as a consultant",
        "warm",
        "Conversation",
        true
    ),
    entry!(
        Remove,
        "remove",
        Normal,
        [ch('x')],
        colon("remove", &["x"], ":remove NAME", Arg::RosterMember),
        "remove the roster's selected agent",
        "remove",
        "Conversation",
        true
    ),
    entry!(
        End,
        "end",
        Normal,
        [ch('E')],
        colon("end", &[], ":end", Arg::None),
        "end the conversation and send the closing events",
        "end",
        "Conversation",
        true
    ),
    entry!(
        Redial,
        "redial",
        Normal,
        [],
        colon("redial", &[], ":redial NAME", Arg::Agent),
        "redial: the dropped agent calls back",
        "redial",
        "Conversation",
        true
    ),
    entry!(
        Retry,
        "retry",
        Normal,
        [ch('r')],
        colon("retry", &[], ":retry", Arg::None),
        "resend the selected conversation's failed request",
        "retry",
        "Conversation",
        true
    ),
    entry!(
        Drop,
        "drop",
        Normal,
        [],
        colon("drop", &[], ":drop", Arg::None),
        "drop the failed request unsent, release the ones behind it",
        "drop",
        "Conversation",
        true
    ),
    entry!(
        NewConversation,
        "new_conversation",
        Normal,
        [ch('n')],
        None,
        "open a conversation by hand",
        "new",
        "Conversation",
        false
    ),
    entry!(
        CommandLine,
        "command_line",
        Normal,
        [ch(':')],
        None,
        "command line (Tab completes)",
        "command",
        "Console",
        false
    ),
    entry!(
        Export,
        "export",
        Normal,
        [],
        colon("export", &[], ":export FILE", Arg::Free),
        "write the log's shown lines to a file (JSON lines)",
        "export",
        "Console",
        false
    ),
    entry!(
        Refresh,
        "refresh",
        Normal,
        [],
        colon("refresh", &[], ":refresh", Arg::None),
        "poll conversations, agents and queues now",
        "refresh",
        "Console",
        false
    ),
    entry!(
        Wallboard,
        "wallboard",
        Normal,
        [ch('W')],
        colon("wallboard", &["wb"], ":wallboard", Arg::None),
        "wallboard: big per-queue tiles (q or Esc: back)",
        "wallboard",
        "Console",
        false
    ),
    entry!(
        ToggleFresh,
        "toggle_freshness",
        Normal,
        [ch('F')],
        colon("fresh", &["freshness"], ":fresh on|off", Arg::Words(ON_OFF)),
        "show when the poll last read each conversation",
        "fresh",
        "Console",
        false
    ),
    entry!(
        Help,
        "help",
        Normal,
        [ch('?')],
        colon("help", &[], ":help", Arg::None),
        "show this help",
        "help",
        "Console",
        false
    ),
    entry!(
        Quit,
        "quit",
        Normal,
        [ch('q'), ctrl('c')],
        colon("quit", &["q"], ":quit", Arg::None),
        "quit (asks first while requests are queued)",
        "quit",
        "Console",
        false
    ),
    entry!(
        Find,
        "find",
        Normal,
        [],
        colon("find", &[], ":find TEXT", Arg::Free),
        "find TEXT in the log (n / N step through)",
        "find",
        "Console",
        false
    ),
    entry!(
        LogNext,
        "log_next_match",
        LogPane,
        [ch('n')],
        None,
        "next log line holding the :find text",
        "next match",
        "Log",
        false
    ),
    entry!(
        LogPrev,
        "log_prev_match",
        LogPane,
        [ch('N')],
        None,
        "previous log line holding the :find text",
        "prev match",
        "Log",
        false
    ),
    entry!(
        LogPolls,
        "log_toggle_polls",
        LogPane,
        [ch('p')],
        None,
        "log: show or hide the poll lines (hidden at start)",
        "polls",
        "Log",
        false
    ),
    entry!(
        HelpDown,
        "help_down",
        Help,
        [ch('j'), DOWN],
        None,
        "scroll down",
        "down",
        "Help",
        false
    ),
    entry!(
        HelpUp,
        "help_up",
        Help,
        [ch('k'), UP],
        None,
        "scroll up",
        "up",
        "Help",
        false
    ),
    entry!(
        HelpPageDown,
        "help_page_down",
        Help,
        [key(KeyCode::PageDown), ch(' ')],
        None,
        "scroll a page down",
        "page down",
        "Help",
        false
    ),
    entry!(
        HelpPageUp,
        "help_page_up",
        Help,
        [key(KeyCode::PageUp)],
        None,
        "scroll a page up",
        "page up",
        "Help",
        false
    ),
    entry!(
        HelpTop,
        "help_top",
        Help,
        [ch('g'), key(KeyCode::Home)],
        None,
        "back to the top",
        "top",
        "Help",
        false
    ),
    entry!(
        HelpBottom,
        "help_bottom",
        Help,
        [ch('G'), key(KeyCode::End)],
        None,
        "to the end (the legend)",
        "end",
        "Help",
        false
    ),
    entry!(
        HelpClose,
        "help_close",
        Help,
        [ch('q'), ESC, ch('?')],
        None,
        "close the help (other keys do nothing)",
        "close",
        "Help",
        false
    ),
    entry!(
        ConfirmYes,
        "confirm_yes",
        Confirm,
        [ch('y'), ch('Y')],
        None,
        "yes: go ahead",
        "yes",
        "Confirm",
        false
    ),
    entry!(
        ConfirmNo,
        "confirm_no",
        Confirm,
        [ch('n'), ch('N'), ESC, ctrl('c')],
        None,
        "no: cancel, nothing is sent",
        "no",
        "Confirm",
        false
    ),
    entry!(
        ConfirmDefault,
        "confirm_default",
        Confirm,
        [ENTER],
        None,
        "the answer in capitals: Y/n sends, y/N cancels",
        "default",
        "Confirm",
        false
    ),
    entry!(
        FilterDone,
        "filter_done",
        Filter,
        [ENTER],
        None,
        "keep the filter and go back to the list",
        "keep",
        "Filter",
        false
    ),
    entry!(
        FilterClear,
        "filter_clear",
        Filter,
        [ESC],
        None,
        "clear the filter and go back to the list",
        "clear",
        "Filter",
        false
    ),
    entry!(
        PickerDown,
        "picker_down",
        Picker,
        [DOWN, TAB, ctrl('n'), ctrl('j')],
        None,
        "next agent",
        "down",
        "Picker",
        false
    ),
    entry!(
        PickerUp,
        "picker_up",
        Picker,
        [UP, BACKTAB, ctrl('p'), ctrl('k')],
        None,
        "previous agent",
        "up",
        "Picker",
        false
    ),
    entry!(
        PickerPick,
        "picker_pick",
        Picker,
        [ENTER],
        None,
        "pick the highlighted agent or queue (then confirm)",
        "pick",
        "Picker",
        false
    ),
    entry!(
        PickerCancel,
        "picker_cancel",
        Picker,
        [ESC],
        None,
        "cancel, nothing is sent",
        "cancel",
        "Picker",
        false
    ),
    entry!(
        LineRun,
        "line_run",
        CommandLine,
        [ENTER],
        None,
        "run the command",
        "run",
        "Command line",
        false
    ),
    entry!(
        LineComplete,
        "line_complete",
        CommandLine,
        [TAB],
        None,
        "complete the verb or its argument",
        "complete",
        "Command line",
        false
    ),
    entry!(
        LineCancel,
        "line_cancel",
        CommandLine,
        [ESC],
        None,
        "close the command line",
        "cancel",
        "Command line",
        false
    ),
    entry!(
        FormNext,
        "form_next",
        Form,
        [TAB, DOWN],
        None,
        "next field",
        "next",
        "Form",
        false
    ),
    entry!(
        FormPrev,
        "form_prev",
        Form,
        [BACKTAB, UP],
        None,
        "previous field",
        "prev",
        "Form",
        false
    ),
    entry!(
        FormSubmit,
        "form_submit",
        Form,
        [ENTER],
        None,
        "open the conversation",
        "open",
        "Form",
        false
    ),
    entry!(
        FormCancel,
        "form_cancel",
        Form,
        [ESC],
        None,
        "cancel",
        "cancel",
        "Form",
        false
    ),
    entry!(
        WallboardClose,
        "wallboard_close",
        Wallboard,
        [ch('q'), ESC, ctrl('c')],
        None,
        "back to the console (quit, in `switchboard wallboard`)",
        "back",
        "Wallboard",
        false
    ),
    entry!(
        TextLeft,
        "text_left",
        Text,
        [key(KeyCode::Left), ctrl('b')],
        None,
        "cursor left",
        "left",
        "Text",
        false
    ),
    entry!(
        TextRight,
        "text_right",
        Text,
        [key(KeyCode::Right), ctrl('f')],
        None,
        "cursor right",
        "right",
        "Text",
        false
    ),
    entry!(
        TextHome,
        "text_home",
        Text,
        [key(KeyCode::Home), ctrl('a')],
        None,
        "cursor to the start",
        "start",
        "Text",
        false
    ),
    entry!(
        TextEnd,
        "text_end",
        Text,
        [key(KeyCode::End), ctrl('e')],
        None,
        "cursor to the end",
        "end",
        "Text",
        false
    ),
    entry!(
        TextBackspace,
        "text_backspace",
        Text,
        [key(KeyCode::Backspace)],
        None,
        "delete before the cursor (on an empty : line, close it)",
        "delete",
        "Text",
        false
    ),
    entry!(
        TextDelete,
        "text_delete",
        Text,
        [key(KeyCode::Delete), ctrl('d')],
        None,
        "delete at the cursor",
        "delete",
        "Text",
        false
    ),
    entry!(
        TextClear,
        "text_clear",
        Text,
        [ctrl('u')],
        None,
        "clear the input",
        "clear",
        "Text",
        false
    ),
    entry!(
        TextDeleteWord,
        "text_delete_word",
        Text,
        [ctrl('w')],
        None,
        "delete the word before the cursor",
        "delete word",
        "Text",
        false
    ),
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
        self.entry().mode
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
        self.entry().sends
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

    /// The edit a text command asks for.
    pub fn edit(self) -> Option<Edit> {
        Some(match self {
            Command::TextLeft => Edit::Left,
            Command::TextRight => Edit::Right,
            Command::TextHome => Edit::Home,
            Command::TextEnd => Edit::End,
            Command::TextBackspace => Edit::Backspace,
            Command::TextDelete => Edit::Delete,
            Command::TextClear => Edit::Clear,
            Command::TextDeleteWord => Edit::DeleteWord,
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
    fn a_verb_command_is_written_with_its_verb() {
        for v in Verb::ALL {
            let c = Command::all().find(|c| c.verb() == Some(v)).unwrap();
            assert_eq!(c.colon().map(|c| c.verb), Some(v.name()), "{v:?}");
            assert!(c.sends());
        }
    }
}
