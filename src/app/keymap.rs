//! Keys: parsing and showing them ([`KeySpec`]), and the live bindings of
//! every mode ([`Keymap`]) built from the command registry
//! ([`crate::app::command`]) and the config's `[keys]` overrides.
//!
//! Key strings in the config are either one character (`"t"`, `"E"`, `"/"`)
//! or a key name (`Enter`, `Tab`, `Shift-Tab`, `PgDn`, `F5`, ...), optionally
//! behind `Ctrl-` / `Alt-` prefixes. See [`KeySpec::parse`].

use std::collections::{BTreeMap, HashMap};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

pub use crate::app::command::{Command, KeyMode, REGISTRY};
pub use crate::app::key::KeySpec;
use crate::app::key::{CTRL_C, normalize, reserved};
use crate::app::text::edit_distance;

/// One line of the help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub group: &'static str,
    pub command: Command,
    /// Every key of the command, primary first, e.g. `j / ↓`; a command
    /// with no key shows its `:` form.
    pub keys: String,
    pub description: &'static str,
}

/// The bindings of every mode, after the config's `[keys]` overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// Keys per command, indexed like [`REGISTRY`]; primary first.
    keys: Vec<Vec<KeySpec>>,
    by_key: HashMap<(KeyMode, KeySpec), Command>,
}

impl Default for Keymap {
    /// The keys from the product spec, with nothing overridden.
    fn default() -> Self {
        Keymap::with_overrides(&BTreeMap::new())
            .expect("the built-in keymap has no unknown names and no shared keys")
    }
}

/// A key that stays on its command whatever `[keys]` says: nobody else can
/// take it, and its command keeps it when its primary is replaced.
fn fixed(spec: &KeySpec) -> bool {
    *spec == CTRL_C || reserved(spec).is_some()
}

impl Keymap {
    /// The default keymap with the config's `[keys]` lines applied.
    ///
    /// A line replaces the command's primary key. Its other default keys stay
    /// unless a command of an overlapping mode now uses them, in which case
    /// they are quietly dropped. Every problem is reported, not just the
    /// first: unknown action names (with the nearest real name), keys that
    /// do not parse, Ctrl-c given to anything but quit, reserved keys, plain
    /// characters where they are typed text, and two commands whose primary
    /// keys end up the same in one mode.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Keymap, Vec<String>> {
        let mut errors = Vec::new();
        let mut primary: Vec<Option<KeySpec>> =
            REGISTRY.iter().map(|e| e.keys.first().copied()).collect();
        let mut overridden = vec![false; REGISTRY.len()];

        for (name, value) in overrides {
            let Some(command) = Command::from_name(name) else {
                errors.push(unknown_action(name));
                continue;
            };
            match check_override(command, name, value) {
                Ok(spec) => {
                    primary[command.index()] = Some(spec);
                    overridden[command.index()] = true;
                }
                Err(e) => errors.push(e),
            }
        }
        errors.extend(collisions(&primary, &overridden));
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut map = Keymap {
            keys: vec![Vec::new(); REGISTRY.len()],
            by_key: HashMap::new(),
        };
        for (entry, key) in REGISTRY.iter().zip(&primary) {
            if let Some(key) = key {
                map.bind(entry.command, *key);
            }
        }
        // Then the other defaults, unless something live in the same mode
        // took them; fixed keys always.
        for entry in REGISTRY {
            let i = entry.command.index();
            for (n, key) in entry.keys.iter().enumerate() {
                // The primary is bound already, unless a line replaced it;
                // a replaced primary goes, unless it is fixed.
                let replaced_primary = n == 0 && overridden[i];
                if (n == 0 && !replaced_primary) || map.keys[i].contains(key) {
                    continue;
                }
                if fixed(key) || (!replaced_primary && !map.taken_in(entry.mode(), key)) {
                    map.bind(entry.command, *key);
                }
            }
        }
        Ok(map)
    }

    fn bind(&mut self, command: Command, key: KeySpec) {
        self.by_key.insert((command.mode(), key), command);
        self.keys[command.index()].push(key);
    }

    /// Whether `key` already runs something live at the same time as
    /// commands of `mode`.
    fn taken_in(&self, mode: KeyMode, key: &KeySpec) -> bool {
        KeyMode::ALL
            .iter()
            .any(|m| m.overlaps(mode) && self.by_key.contains_key(&(*m, *key)))
    }

    /// The Normal-mode command a key press runs, if any.
    pub fn lookup(&self, ev: &KeyEvent) -> Option<Command> {
        self.lookup_in(KeyMode::Normal, ev)
    }

    /// The command a key press runs in `mode`: keys that work anywhere
    /// first, then the mode's own, then (where text is typed) the editing
    /// keys. Releases and repeats give `None`.
    pub fn lookup_in(&self, mode: KeyMode, ev: &KeyEvent) -> Option<Command> {
        if ev.kind != KeyEventKind::Press {
            return None;
        }
        let key = normalize(ev.code, ev.modifiers);
        let text = mode.reads_text().then_some(KeyMode::Text);
        [Some(KeyMode::Any), Some(mode), text]
            .into_iter()
            .flatten()
            .find_map(|m| self.by_key.get(&(m, key)).copied())
    }

    /// The keys bound to `c`, primary first.
    pub fn keys_for(&self, c: Command) -> Vec<KeySpec> {
        self.keys[c.index()].clone()
    }

    /// The primary key of `c` as shown, or its `:` form when it has no key.
    pub fn key_label(&self, c: Command) -> String {
        match self.keys[c.index()].first() {
            Some(k) => k.display(),
            None => c
                .colon()
                .map(|c| format!(":{}", c.verb))
                .unwrap_or_default(),
        }
    }

    /// The help overlay's rows: every command of every mode, the lists'
    /// commands first (under Move, Conversation, Console), then each mode
    /// under its own heading, with the keys as currently bound.
    /// Team-only commands (`:who`) are left out: see [`Keymap::help_rows_for`].
    pub fn help_rows(&self) -> Vec<HelpRow> {
        self.help_rows_for(false)
    }

    /// [`Keymap::help_rows`], with the team-only commands in team mode.
    pub fn help_rows_for(&self, team: bool) -> Vec<HelpRow> {
        let mut order: Vec<&crate::app::command::Entry> = REGISTRY
            .iter()
            .filter(|e| team || !e.command.team_only())
            .collect();
        order.sort_by_key(|e| KeyMode::ALL.iter().position(|m| *m == e.mode()));
        order
            .into_iter()
            .map(|e| {
                let keys = self.keys_for(e.command);
                HelpRow {
                    group: match e.mode() {
                        KeyMode::Normal | KeyMode::Any => e.group,
                        m => m.title(),
                    },
                    command: e.command,
                    keys: if keys.is_empty() {
                        e.colon.map(|c| format!(":{}", c.verb)).unwrap_or_default()
                    } else {
                        keys.iter()
                            .map(KeySpec::display)
                            .collect::<Vec<_>>()
                            .join(" / ")
                    },
                    description: e.description,
                }
            })
            .collect()
    }

    /// The bottom hint line for `commands`: each command's primary key and
    /// short label, e.g. ` a assign  t cold  ? help  q quit`.
    pub fn hint_bar(&self, commands: &[Command]) -> String {
        commands
            .iter()
            .map(|&c| format!(" {} {}", self.key_label(c), c.short_label()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One `[keys]` line checked on its own: the key it gives, or why not.
fn check_override(command: Command, name: &str, value: &str) -> Result<KeySpec, String> {
    let spec = KeySpec::parse(value).map_err(|why| format!("[keys] {name} = {value:?}: {why}"))?;
    if spec == CTRL_C && command != Command::Quit {
        return Err(format!(
            "[keys] {name} = {value:?}: Ctrl-c always quits and cannot be bound to {name}"
        ));
    }
    // Keys the console keeps for itself: a binding to them would show in
    // the help and never fire.
    if let Some(taken) = reserved(&spec) {
        return Err(format!(
            "[keys] {name} = {value:?}: {taken}, before any binding; choose another key"
        ));
    }
    if command.mode().reads_text()
        && spec.modifiers.is_empty()
        && matches!(spec.code, KeyCode::Char(_))
    {
        return Err(format!(
            "[keys] {name} = {value:?}: in {} plain characters are typed text; \
             use a named key or Ctrl-/Alt-",
            command.mode().title().to_lowercase()
        ));
    }
    Ok(spec)
}

/// Primary keys that two commands live at the same time share: one message
/// per key, naming every command that shares it.
fn collisions(primary: &[Option<KeySpec>], overridden: &[bool]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen: Vec<KeySpec> = Vec::new();
    for key in primary.iter().flatten() {
        if seen.contains(key) {
            continue;
        }
        seen.push(*key);
        let holders: Vec<usize> = (0..REGISTRY.len())
            .filter(|i| primary[*i] == Some(*key))
            .collect();
        let clashing: Vec<usize> = holders
            .iter()
            .copied()
            .filter(|i| {
                holders
                    .iter()
                    .any(|j| j != i && REGISTRY[*i].mode().overlaps(REGISTRY[*j].mode()))
            })
            .collect();
        if clashing.len() < 2 {
            continue;
        }
        let names: Vec<String> = clashing
            .iter()
            .map(|i| {
                if overridden[*i] {
                    REGISTRY[*i].name.to_string()
                } else {
                    format!("{} (its default key)", REGISTRY[*i].name)
                }
            })
            .collect();
        let both = if names.len() == 2 { "both " } else { "" };
        errors.push(format!(
            "[keys] key \"{}\" is bound to {both}{}; give all but one of them another key",
            key.display(),
            join_names(&names)
        ));
    }
    errors
}

/// Checks the config's `[keys]` table; the messages are those of
/// [`Keymap::with_overrides`].
pub fn validate_key_overrides(keys: &BTreeMap<String, String>) -> Result<(), Vec<String>> {
    Keymap::with_overrides(keys).map(|_| ())
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn unknown_action(name: &str) -> String {
    let wanted = name.to_ascii_lowercase().replace('-', "_");
    let nearest = REGISTRY
        .iter()
        .map(|e| (edit_distance(&wanted, e.name), e.name))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2))
        .min_by_key(|(d, _)| *d);
    match nearest {
        Some((_, n)) => format!("[keys] unknown action \"{name}\": did you mean {n}?"),
        None => {
            let names: Vec<&str> = REGISTRY.iter().map(|e| e.name).collect();
            format!(
                "[keys] unknown action \"{name}\"; the actions are {}",
                names.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::key::*;
    use ratatui::crossterm::event::KeyEventState;
    use ratatui::crossterm::event::KeyModifiers;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(code, modifiers, KeyEventKind::Press)
    }

    fn ch(c: char) -> KeyEvent {
        press(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn overrides(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn keymap(pairs: &[(&str, &str)]) -> Keymap {
        Keymap::with_overrides(&overrides(pairs)).expect("valid overrides")
    }

    fn errors(pairs: &[(&str, &str)]) -> Vec<String> {
        Keymap::with_overrides(&overrides(pairs)).expect_err("overrides should be rejected")
    }

    /// PRODUCT.md §2, plus follow and sort; each row is (name, events that
    /// must run the command, keys as the help shows them).
    fn spec_table() -> Vec<(Command, &'static str, Vec<KeyEvent>, &'static str)> {
        let none = KeyModifiers::NONE;
        vec![
            (
                Command::MoveDown,
                "move_down",
                vec![ch('j'), press(KeyCode::Down, none)],
                "j / ↓",
            ),
            (
                Command::MoveUp,
                "move_up",
                vec![ch('k'), press(KeyCode::Up, none)],
                "k / ↑",
            ),
            (
                Command::Top,
                "top",
                vec![ch('g'), press(KeyCode::Home, none)],
                "g / Home",
            ),
            (
                Command::Bottom,
                "bottom",
                vec![ch('G'), press(KeyCode::End, none)],
                "G / End",
            ),
            (
                Command::PageDown,
                "page_down",
                vec![press(KeyCode::PageDown, none)],
                "PgDn",
            ),
            (
                Command::PageUp,
                "page_up",
                vec![press(KeyCode::PageUp, none)],
                "PgUp",
            ),
            (
                Command::FocusNext,
                "focus_next",
                vec![press(KeyCode::Tab, none)],
                "Tab",
            ),
            (
                Command::FocusPrev,
                "focus_prev",
                vec![press(KeyCode::BackTab, KeyModifiers::SHIFT)],
                "Shift-Tab",
            ),
            (Command::Filter, "filter", vec![ch('/')], "/"),
            (Command::Sort, "sort", vec![ch('s')], "s"),
            (Command::SortReverse, "sort_reverse", vec![ch('S')], "S"),
            (Command::ToggleQueues, "toggle_queues", vec![ch('u')], "u"),
            (
                Command::ToggleProblems,
                "toggle_problems",
                vec![ch('!')],
                "!",
            ),
            (Command::ToggleFollow, "toggle_follow", vec![ch('f')], "f"),
            (Command::ToggleFresh, "toggle_freshness", vec![ch('F')], "F"),
            (
                Command::Back,
                "back",
                vec![press(KeyCode::Esc, KeyModifiers::NONE)],
                "Esc",
            ),
            (
                Command::Open,
                "open",
                vec![press(KeyCode::Enter, none)],
                "Enter",
            ),
            (Command::Details, "details", vec![ch('R')], "R"),
            (Command::Assign, "assign", vec![ch('a')], "a"),
            (Command::Enter, "enter", vec![ch('e')], "e"),
            (Command::ColdTransfer, "cold_transfer", vec![ch('t')], "t"),
            (Command::WarmTransfer, "warm_transfer", vec![ch('w')], "w"),
            (Command::Remove, "remove", vec![ch('x')], "x"),
            (Command::End, "end", vec![ch('E')], "E"),
            (Command::Retry, "retry", vec![ch('r')], "r"),
            (
                Command::NewConversation,
                "new_conversation",
                vec![ch('n')],
                "n",
            ),
            (Command::Mark, "mark", vec![ch(' ')], "Space"),
            (
                Command::MarkRange,
                "mark_range",
                vec![press(KeyCode::Char(' '), KeyModifiers::CONTROL)],
                "Ctrl-Space",
            ),
            (Command::CommandLine, "command_line", vec![ch(':')], ":"),
            (Command::Wallboard, "wallboard", vec![ch('W')], "W"),
            (Command::Help, "help", vec![ch('?')], "?"),
            (
                Command::Quit,
                "quit",
                vec![ch('q'), press(KeyCode::Char('c'), KeyModifiers::CONTROL)],
                "q / Ctrl-c",
            ),
        ]
    }

    #[test]
    fn defaults_match_the_product_key_table() {
        let map = Keymap::default();
        let table = spec_table();
        let keyed = Command::all()
            .filter(|c| c.mode() == KeyMode::Normal && !c.entry().keys.is_empty())
            .count();
        assert_eq!(table.len(), keyed, "every keyed command is in the table");
        for (command, name, events, shown) in table {
            assert_eq!(command.name(), name);
            assert_eq!(Command::from_name(name), Some(command));
            for ev in &events {
                assert_eq!(map.lookup(ev), Some(command), "{ev:?} should run {name}");
            }
            let keys: Vec<String> = map.keys_for(command).iter().map(KeySpec::display).collect();
            assert_eq!(keys.join(" / "), shown, "keys of {name}");
        }
    }

    #[test]
    fn unbound_keys_do_nothing() {
        let map = Keymap::default();
        // Space marks (issue 22); it did nothing before.
        for c in ['b', 'c', 'z', 'J', '1'] {
            assert_eq!(map.lookup(&ch(c)), None, "{c:?}");
        }
        assert_eq!(
            map.lookup(&press(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Command::Back)
        );
        assert_eq!(map.lookup(&press(KeyCode::Down, KeyModifiers::SHIFT)), None);
        assert_eq!(
            map.lookup(&press(KeyCode::Char('j'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('q'), KeyModifiers::SUPER)),
            None
        );
    }

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut names: Vec<&str> = Command::all().map(|c| c.name()).collect();
        for c in Command::all() {
            let name = c.name();
            assert!(
                name.chars().all(|x| x.is_ascii_lowercase() || x == '_'),
                "{name} is not snake_case"
            );
            assert_eq!(Command::from_name(name), Some(c));
            assert!(!c.description().is_empty() && !c.short_label().is_empty());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Command::all().count());
        assert_eq!(Command::from_name("Cold_Transfer"), None);
        assert_eq!(Command::from_name(""), None);
    }

    #[test]
    fn groups_are_contiguous_in_help_order() {
        let groups: Vec<&str> = Command::all()
            .filter(|c| c.mode() == KeyMode::Normal)
            .map(|c| c.group())
            .collect();
        let mut runs = groups.clone();
        runs.dedup();
        assert_eq!(runs, vec!["Move", "Conversation", "Console"]);
        assert_eq!(Command::ColdTransfer.group(), "Conversation");
        assert_eq!(Command::Quit.group(), "Console");
        assert_eq!(Command::MoveDown.group(), "Move");
    }

    #[test]
    fn override_replaces_the_primary_key() {
        let map = keymap(&[("cold_transfer", "T"), ("quit", "Q")]);
        assert_eq!(map.lookup(&ch('T')), Some(Command::ColdTransfer));
        assert_eq!(map.lookup(&ch('t')), None, "the old key is free");
        assert_eq!(map.lookup(&ch('Q')), Some(Command::Quit));
        assert_eq!(map.lookup(&ch('q')), None);
        assert_eq!(
            map.keys_for(Command::ColdTransfer),
            vec![KeySpec::char('T')]
        );
        // Untouched commands keep their defaults.
        assert_eq!(map.lookup(&ch('w')), Some(Command::WarmTransfer));
    }

    #[test]
    fn override_keeps_the_secondary_default() {
        let map = keymap(&[("move_down", "J")]);
        assert_eq!(map.lookup(&ch('J')), Some(Command::MoveDown));
        assert_eq!(
            map.lookup(&press(KeyCode::Down, KeyModifiers::NONE)),
            Some(Command::MoveDown)
        );
        assert_eq!(map.lookup(&ch('j')), None);
        let shown: Vec<String> = map
            .keys_for(Command::MoveDown)
            .iter()
            .map(KeySpec::display)
            .collect();
        assert_eq!(shown, vec!["J", "↓"]);
    }

    #[test]
    fn a_secondary_taken_by_an_override_is_dropped() {
        let map = keymap(&[("bottom", "Down")]);
        assert_eq!(
            map.lookup(&press(KeyCode::Down, KeyModifiers::NONE)),
            Some(Command::Bottom)
        );
        assert_eq!(map.keys_for(Command::MoveDown), vec![KeySpec::char('j')]);
        // bottom's own secondary (End) is still there.
        assert_eq!(
            map.lookup(&press(KeyCode::End, KeyModifiers::NONE)),
            Some(Command::Bottom)
        );
        // Rebinding a command to its own secondary does not list it twice.
        let map = keymap(&[("move_up", "Up")]);
        assert_eq!(
            map.keys_for(Command::MoveUp),
            vec![KeySpec::new(KeyCode::Up, KeyModifiers::NONE)]
        );
    }

    #[test]
    fn swapping_two_keys_works_when_both_are_given() {
        let map = keymap(&[("assign", "t"), ("cold_transfer", "a")]);
        assert_eq!(map.lookup(&ch('t')), Some(Command::Assign));
        assert_eq!(map.lookup(&ch('a')), Some(Command::ColdTransfer));
    }

    #[test]
    fn unknown_action_suggests_the_nearest_name() {
        let errs = errors(&[("cold_tranfser", "t")]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("\"cold_tranfser\""), "{}", errs[0]);
        assert!(
            errs[0].contains("did you mean cold_transfer"),
            "{}",
            errs[0]
        );

        let errs = errors(&[("toggle-follow", "F")]);
        assert!(
            errs[0].contains("did you mean toggle_follow"),
            "{}",
            errs[0]
        );

        // Nothing close: list the real names instead of guessing.
        let errs = errors(&[("launch_rockets", "L")]);
        assert!(!errs[0].contains("did you mean"), "{}", errs[0]);
        assert!(errs[0].contains("cold_transfer") && errs[0].contains("quit"));
    }

    #[test]
    fn bad_keys_are_reported_with_the_action() {
        let errs = errors(&[("assign", "Foo"), ("retry", ""), ("help", "F13")]);
        assert_eq!(errs.len(), 3, "{errs:?}");
        let joined = errs.join("\n");
        assert!(joined.contains("assign = \"Foo\""), "{joined}");
        assert!(joined.contains("unknown key \"Foo\""), "{joined}");
        assert!(joined.contains("retry = \"\""), "{joined}");
        assert!(joined.contains("empty key"), "{joined}");
        assert!(joined.contains("help = \"F13\""), "{joined}");
    }

    #[test]
    fn all_problems_are_reported_together() {
        let errs = errors(&[("asign", "z"), ("enter", "Nope"), ("remove", "a")]);
        assert_eq!(errs.len(), 3, "{errs:?}");
    }

    #[test]
    fn collisions_name_both_commands() {
        let errs = errors(&[("cold_transfer", "a")]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("\"a\""), "{}", errs[0]);
        assert!(errs[0].contains("assign (its default key)"), "{}", errs[0]);
        assert!(errs[0].contains("cold_transfer"), "{}", errs[0]);

        let errs = errors(&[("help", "h"), ("retry", "h")]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("retry and help") || errs[0].contains("help and retry"));

        // A case difference is a different key: "A" next to "a" is fine.
        keymap(&[("cold_transfer", "A")]);
        // Two spellings of one key still collide.
        let errs = errors(&[("open", "PageDown")]);
        assert!(
            errs[0].contains("page_down") && errs[0].contains("open"),
            "{}",
            errs[0]
        );
    }

    /// Issue 9.7: `end = "Esc"` was accepted and shown in the help, but Esc
    /// is handled before the keymap, so it never fired.
    #[test]
    fn keys_taken_before_the_keymap_cannot_be_bound() {
        let errs = errors(&[("end", "Esc")]);
        assert!(errs[0].contains("Esc clears"), "{}", errs[0]);
        let errs = errors(&[("help", "Ctrl-z")]);
        assert!(errs[0].contains("suspends"), "{}", errs[0]);
    }

    #[test]
    fn ctrl_c_cannot_be_given_away() {
        let errs = errors(&[("help", "Ctrl-C")]);
        assert!(errs[0].contains("Ctrl-c always quits"), "{}", errs[0]);
        // Binding it to quit itself is harmless.
        let map = keymap(&[("quit", "ctrl+c")]);
        assert_eq!(map.keys_for(Command::Quit), vec![CTRL_C]);
        assert_eq!(map.lookup(&ch('q')), None);
    }

    #[test]
    fn only_presses_run_commands() {
        let map = Keymap::default();
        for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
            let ev = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, kind);
            assert_eq!(map.lookup(&ev), None, "{kind:?}");
            assert!(!KeySpec::char('j').matches(&ev));
            let ev = KeyEvent::new_with_kind(KeyCode::Char('c'), KeyModifiers::CONTROL, kind);
            assert_eq!(map.lookup(&ev), None, "Ctrl-c {kind:?}");
        }
        assert_eq!(map.lookup(&ch('j')), Some(Command::MoveDown));
        // Key state flags (caps lock and the like) do not matter.
        let ev = KeyEvent::new_with_kind_and_state(
            KeyCode::Char('j'),
            KeyModifiers::NONE,
            KeyEventKind::Press,
            KeyEventState::CAPS_LOCK,
        );
        assert_eq!(map.lookup(&ev), Some(Command::MoveDown));
    }

    #[test]
    fn shifted_letters_match_however_the_terminal_reports_them() {
        let map = Keymap::default();
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            map.lookup(&press(KeyCode::Char('E'), shift)),
            Some(Command::End)
        );
        assert_eq!(map.lookup(&ch('E')), Some(Command::End));
        // Kitty protocol without alternate keys: base letter plus SHIFT.
        assert_eq!(
            map.lookup(&press(KeyCode::Char('e'), shift)),
            Some(Command::End)
        );
        assert_eq!(map.lookup(&ch('e')), Some(Command::Enter));
        assert_eq!(
            map.lookup(&press(KeyCode::Char('G'), shift)),
            Some(Command::Bottom)
        );
        // Shifted punctuation often carries SHIFT too.
        assert_eq!(
            map.lookup(&press(KeyCode::Char('?'), shift)),
            Some(Command::Help)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char(':'), shift)),
            Some(Command::CommandLine)
        );

        let spec = KeySpec::parse("E").unwrap();
        assert!(spec.matches(&press(KeyCode::Char('E'), shift)));
        assert!(spec.matches(&ch('E')));
        assert!(!spec.matches(&ch('e')));
    }

    #[test]
    fn shift_tab_arrives_in_several_forms() {
        let map = Keymap::default();
        for ev in [
            press(KeyCode::BackTab, KeyModifiers::SHIFT),
            press(KeyCode::BackTab, KeyModifiers::NONE),
            press(KeyCode::Tab, KeyModifiers::SHIFT),
        ] {
            assert_eq!(map.lookup(&ev), Some(Command::FocusPrev), "{ev:?}");
        }
        assert_eq!(
            map.lookup(&press(KeyCode::Tab, KeyModifiers::NONE)),
            Some(Command::FocusNext)
        );
    }

    #[test]
    fn ctrl_c_always_quits() {
        let map = keymap(&[("quit", "Q"), ("cold_transfer", "c")]);
        let ctrl = KeyModifiers::CONTROL;
        assert_eq!(
            map.lookup(&press(KeyCode::Char('c'), ctrl)),
            Some(Command::Quit)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('C'), ctrl | KeyModifiers::SHIFT)),
            Some(Command::Quit)
        );
        assert_eq!(map.lookup(&ch('c')), Some(Command::ColdTransfer));
        assert_eq!(
            map.keys_for(Command::Quit),
            vec![KeySpec::char('Q'), CTRL_C]
        );
    }

    #[test]
    fn parse_single_characters() {
        for (text, code) in [
            ("t", KeyCode::Char('t')),
            ("E", KeyCode::Char('E')),
            ("/", KeyCode::Char('/')),
            ("?", KeyCode::Char('?')),
            (":", KeyCode::Char(':')),
            ("-", KeyCode::Char('-')),
            ("+", KeyCode::Char('+')),
            (" ", KeyCode::Char(' ')),
            ("ü", KeyCode::Char('ü')),
            ("↓", KeyCode::Down),
        ] {
            let spec = KeySpec::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(spec, KeySpec::new(code, KeyModifiers::NONE), "{text:?}");
        }
    }

    #[test]
    fn parse_names_case_insensitively() {
        let none = KeyModifiers::NONE;
        for (text, code) in [
            ("Enter", KeyCode::Enter),
            ("ENTER", KeyCode::Enter),
            ("esc", KeyCode::Esc),
            ("Tab", KeyCode::Tab),
            ("BackTab", KeyCode::BackTab),
            ("Shift-Tab", KeyCode::BackTab),
            ("shift+tab", KeyCode::BackTab),
            ("Up", KeyCode::Up),
            ("down", KeyCode::Down),
            ("Left", KeyCode::Left),
            ("RIGHT", KeyCode::Right),
            ("Home", KeyCode::Home),
            ("End", KeyCode::End),
            ("end", KeyCode::End),
            ("PgUp", KeyCode::PageUp),
            ("PageUp", KeyCode::PageUp),
            ("PgDn", KeyCode::PageDown),
            ("pagedown", KeyCode::PageDown),
            ("Space", KeyCode::Char(' ')),
            ("F1", KeyCode::F(1)),
            ("f12", KeyCode::F(12)),
            ("  Enter  ", KeyCode::Enter),
        ] {
            let spec = KeySpec::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(spec, KeySpec::new(code, none), "{text:?}");
        }
        // The letter and the key are different things.
        assert_ne!(KeySpec::parse("E").unwrap(), KeySpec::parse("End").unwrap());
        assert_ne!(KeySpec::parse("e").unwrap(), KeySpec::parse("E").unwrap());
    }

    #[test]
    fn parse_modifiers() {
        let ctrl_x = KeySpec::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
        for text in ["Ctrl-x", "ctrl-x", "C-x", "ctrl+x", "Control-x", "Ctrl-X"] {
            assert_eq!(KeySpec::parse(text), Ok(ctrl_x), "{text}");
        }
        let alt_x = KeySpec::new(KeyCode::Char('x'), KeyModifiers::ALT);
        for text in ["Alt-x", "alt+x", "M-x", "Meta-x"] {
            assert_eq!(KeySpec::parse(text), Ok(alt_x), "{text}");
        }
        assert_eq!(
            KeySpec::parse("Ctrl-Alt-Enter"),
            Ok(KeySpec::new(
                KeyCode::Enter,
                KeyModifiers::CONTROL | KeyModifiers::ALT
            ))
        );
        assert_eq!(
            KeySpec::parse("Ctrl--"),
            Ok(KeySpec::new(KeyCode::Char('-'), KeyModifiers::CONTROL))
        );
        assert_eq!(KeySpec::parse("Shift-e"), Ok(KeySpec::char('E')));
        assert_eq!(
            KeySpec::parse("Shift-Up"),
            Ok(KeySpec::new(KeyCode::Up, KeyModifiers::SHIFT))
        );
        assert!(
            KeySpec::parse("Alt-x")
                .unwrap()
                .matches(&press(KeyCode::Char('x'), KeyModifiers::ALT))
        );
        assert!(!KeySpec::parse("Alt-x").unwrap().matches(&ch('x')));
    }

    #[test]
    fn parse_rejects_nonsense_with_a_reason() {
        for text in [
            "", "   ", "Foo", "tt", "Hyper-x", "Ctrl-", "F0", "F13", "Shift-/", "\t",
        ] {
            let err = KeySpec::parse(text).expect_err(text);
            assert!(!err.is_empty(), "{text:?}");
        }
        assert!(KeySpec::parse("").unwrap_err().contains("empty key"));
        let err = KeySpec::parse("Foo").unwrap_err();
        assert!(
            err.contains("unknown key \"Foo\"") && err.contains("PgDn"),
            "{err}"
        );
        assert!(KeySpec::parse("\t").unwrap_err().contains("Tab"));
    }

    #[test]
    fn display_forms_parse_back() {
        let shown = |s: &str| KeySpec::parse(s).unwrap().display();
        assert_eq!(shown("t"), "t");
        assert_eq!(shown("E"), "E");
        assert_eq!(shown("tab"), "Tab");
        assert_eq!(shown("BackTab"), "Shift-Tab");
        assert_eq!(shown("pagedown"), "PgDn");
        assert_eq!(shown("C-C"), "Ctrl-c");
        assert_eq!(shown("down"), "↓");
        assert_eq!(shown("space"), "Space");
        assert_eq!(shown("alt+f5"), "Alt-F5");
        let map = Keymap::default();
        for c in Command::all() {
            for key in map.keys_for(c) {
                assert_eq!(KeySpec::parse(&key.display()), Ok(key), "{}", key.display());
            }
        }
    }

    #[test]
    fn help_rows_come_from_the_live_keymap() {
        let rows = Keymap::default().help_rows_for(true);
        assert_eq!(rows.len(), Command::all().count());
        // Without team mode, `:who` is not listed.
        let alone = Keymap::default().help_rows();
        assert_eq!(alone.len() + 1, rows.len());
        assert!(!alone.iter().any(|r| r.command == Command::Who));
        for row in &rows {
            let c = row.command;
            assert_eq!(row.description, c.description());
            if c.mode() == KeyMode::Normal {
                assert_eq!(row.group, c.group());
            } else if c.mode() != KeyMode::Any {
                assert_eq!(row.group, c.mode().title());
            }
        }
        let mut descriptions: Vec<&str> = rows.iter().map(|r| r.description).collect();
        descriptions.sort_unstable();
        descriptions.dedup();
        assert_eq!(
            descriptions.len(),
            Command::all().count(),
            "each command once"
        );
        let cold = Command::ColdTransfer.description();
        let row = |rows: &[HelpRow], d: &str| {
            rows.iter()
                .find(|r| r.description == d)
                .unwrap()
                .keys
                .clone()
        };
        assert_eq!(row(&rows, cold), "t");
        assert_eq!(row(&rows, Command::MoveDown.description()), "j / ↓");

        let rows = keymap(&[("cold_transfer", "C"), ("move_down", "J")]).help_rows_for(true);
        assert_eq!(row(&rows, cold), "C");
        assert_eq!(row(&rows, Command::MoveDown.description()), "J / ↓");
        assert_eq!(rows.len(), Command::all().count());
    }

    #[test]
    fn hint_bar_shows_primary_keys_and_follows_overrides() {
        let cmds = [
            Command::Assign,
            Command::Enter,
            Command::ColdTransfer,
            Command::WarmTransfer,
            Command::Remove,
            Command::End,
            Command::Filter,
            Command::Help,
            Command::Quit,
        ];
        assert_eq!(
            Keymap::default().hint_bar(&cmds),
            " a assign  e enter  t cold  w warm  x remove  E end  / filter  ? help  q quit"
        );
        let map = keymap(&[("cold_transfer", "T"), ("quit", "F10")]);
        assert_eq!(
            map.hint_bar(&[Command::ColdTransfer, Command::MoveDown, Command::Quit]),
            " T cold  j down  F10 quit"
        );
        assert_eq!(map.hint_bar(&[]), "");
    }

    #[test]
    fn validate_hook_matches_with_overrides() {
        assert_eq!(validate_key_overrides(&BTreeMap::new()), Ok(()));
        assert_eq!(
            validate_key_overrides(&overrides(&[("sort", "F7")])),
            Ok(())
        );
        let bad = overrides(&[("sort", "a")]);
        assert_eq!(
            validate_key_overrides(&bad),
            Err(Keymap::with_overrides(&bad).unwrap_err())
        );
    }
}
