//! Issue 20 (3): the registry drives everything it can. Each entry's
//! context (mode, panes, what it needs, whether it sends) is what
//! `Command::enabled` and the dispatch read, and its hints are the lists'
//! hint bar: these tests hold the screen and the rules to the table.

use switchboard::app::command::{Command, Entry, KeyMode, Needs, REGISTRY};
use switchboard::app::state::*;
use switchboard::app::{Action, State, update};
use switchboard::domain::{AgentRef, Event};
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{agent, settings};

/// Agents and a queue listed, one conversation (with a bot session) that
/// is not selected.
fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = 1_000_000;
    s.model.agents = vec![agent(
        "a-mia",
        "Mia Chen",
        Presence::Available,
        (0, 5),
        (0, 1),
    )];
    s.model.queues = vec![Queue {
        id: "q-1".into(),
        name: "Billing".into(),
        members: Vec::new(),
        size: None,
        size_at_ms: None,
        size_error: None,
    }];
    let mut c = Conversation::new("c-1", Channel::Chat, "en");
    c.bot_session_id = Some("sess-1".into());
    c.api_status = Some("OPEN".into());
    s.model.conversations.insert("c-1".into(), c);
    s
}

/// The conversation's first request failed (its outcome is unknown).
fn failing(s: &mut State) {
    let c = s.model.conversations.get_mut("c-1").unwrap();
    c.timeline.push(TimelineItem::Event {
        req_id: "t-1".into(),
        at_ms: 1_000_000,
        text: "NA entry Mia".into(),
        event: Event::na_entry(AgentRef::new("a-mia", "Mia")),
        delivery: Delivery::Unknown,
    });
}

fn flash(s: &State) -> String {
    s.views.flash.clone().map(|f| f.0).unwrap_or_default()
}

/// Whether `e` needs the selected conversation with `pane` focused.
fn needs_conversation(e: &Entry, pane: Pane) -> bool {
    e.context.needs.conversation()
        || (e.context.needs == Needs::FocusedRow && !matches!(pane, Pane::Agents | Pane::Queues))
}

#[test]
fn every_command_that_needs_a_conversation_is_refused_without_one() {
    let mut checked = 0;
    for pane in Pane::ORDER {
        let mut s = console();
        s.views.focus = pane;
        for e in REGISTRY.iter().filter(|e| needs_conversation(e, pane)) {
            assert_eq!(
                e.command.enabled(&s),
                Err("no conversation selected".to_string()),
                "{} in {pane:?}",
                e.name
            );
            checked += 1;
        }
    }
    assert!(checked > 5 * 10, "{checked}");
    // Through the keys and the `:` line too: refused in words, nothing sent.
    let mut s = console();
    for e in REGISTRY.iter().filter(|e| e.context.needs.conversation()) {
        if let Some(key) = s.keymap.keys_for(e.command).first() {
            s.views.flash = None;
            let ev = ratatui::crossterm::event::KeyEvent::new(key.code, key.modifiers);
            assert!(update(&mut s, Action::Key(ev)).is_empty(), "{}", e.name);
            assert_eq!(flash(&s), "no conversation selected", "{}", e.name);
            assert_eq!(s.views.mode, Mode::Normal, "{}", e.name);
        }
        if let Some(colon) = e.colon {
            s.views.flash = None;
            s.views.mode = Mode::Command {
                input: switchboard::app::input::TextInput::with_text(
                    &format!("{} Mia", colon.verb),
                    200,
                ),
            };
            let enter = ratatui::crossterm::event::KeyEvent::new(
                ratatui::crossterm::event::KeyCode::Enter,
                ratatui::crossterm::event::KeyModifiers::NONE,
            );
            assert!(update(&mut s, Action::Key(enter)).is_empty(), "{}", e.name);
            assert_eq!(flash(&s), "no conversation selected", "{}", e.name);
        }
    }
}

#[test]
fn a_selected_conversation_is_what_they_need() {
    let mut s = console();
    s.views.list.selected = Some("c-1".into());
    for e in REGISTRY
        .iter()
        .filter(|e| needs_conversation(e, s.views.focus))
    {
        let got = e.command.enabled(&s);
        if e.context.needs == Needs::FailedRequest {
            assert_eq!(got, Err("c-1 has no failed request to retry".into()));
        } else {
            assert_eq!(got, Ok(()), "{}", e.name);
        }
    }
    failing(&mut s);
    for e in REGISTRY
        .iter()
        .filter(|e| needs_conversation(e, s.views.focus))
    {
        assert_eq!(e.command.enabled(&s), Ok(()), "{}", e.name);
    }
}

#[test]
fn read_only_refuses_every_command_that_sends_and_only_those() {
    let mut s = console();
    s.views.list.selected = Some("c-1".into());
    failing(&mut s);
    s.settings.read_only = true;
    for e in REGISTRY {
        let got = e.command.enabled(&s);
        let read_only = Err("read-only mode: nothing is sent".into());
        if e.context.sends {
            assert_eq!(got, read_only, "{}", e.name);
        } else {
            assert_ne!(got, read_only, "{}", e.name);
        }
        if e.context.needs == Needs::Nothing {
            assert_eq!(got, Ok(()), "{}", e.name);
        }
    }
}

/// Every state of the hint bar: each pane, read-only or not, with the
/// selected conversation failing or not.
fn hint_states() -> Vec<State> {
    let mut out = Vec::new();
    for pane in Pane::ORDER {
        for read_only in [false, true] {
            for failed in [false, true] {
                let mut s = console();
                s.views.list.selected = Some("c-1".into());
                if failed {
                    failing(&mut s);
                }
                s.settings.read_only = read_only;
                s.views.focus = pane;
                s.views.queues.shown = pane == Pane::Queues;
                out.push(s);
            }
        }
    }
    out
}

#[test]
fn every_hint_shown_for_a_pane_is_an_entry_whose_context_names_that_pane() {
    for s in hint_states() {
        let hints = s.hint_commands();
        let what = format!("{:?} read-only {}", s.views.focus, s.settings.read_only);
        assert!(hints.len() >= 4, "{what}: {hints:?}");
        for c in &hints {
            let e = c.entry();
            assert!(
                matches!(e.context.mode, KeyMode::Normal | KeyMode::LogPane),
                "{what}: {} is no command of the lists",
                e.name
            );
            assert!(
                e.context.panes.contains(&s.views.focus),
                "{what}: {}",
                e.name
            );
            assert!(
                e.hints.iter().any(|h| h.panes.contains(&s.views.focus)),
                "{what}: {} has no hint there",
                e.name
            );
            assert_eq!(
                hints.iter().filter(|h| *h == c).count(),
                1,
                "{what}: {} twice",
                e.name
            );
            if s.settings.read_only && e.context.sends && s.views.focus == Pane::Conversations {
                panic!("{what}: {} sends", e.name);
            }
        }
        assert_eq!(
            hints[hints.len() - 2..],
            [Command::Help, Command::Quit],
            "{what}: help and quit end the bar"
        );
        // The bar draws them in that order, with the live keys.
        let theme = switchboard::ui::theme::Theme::from_config(
            switchboard::config::Theme::Dark,
            false,
            false,
        );
        let line = switchboard::ui::status::hint_line(&s, &theme, 300);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let drawn: Vec<String> = hints
            .iter()
            .map(|c| format!("{} {}", s.keymap.key_label(*c), c.short_label()))
            .collect();
        assert_eq!(text.split("  ").map(str::trim).collect::<Vec<_>>(), drawn);
    }
}

/// The bar each pane offered when the lists were written by hand beside
/// the registry: the hints in the registry give the same.
#[test]
fn the_hint_bar_offers_what_it_did_before_the_registry_drove_it() {
    use Command::*;
    let mut seen = 0;
    for s in hint_states() {
        let failed = s.selected_conversation().unwrap().failed().is_some();
        let mut want = match s.views.focus {
            Pane::Conversations | Pane::Roster if s.settings.read_only => {
                vec![Open, Filter, Sort, CommandLine]
            }
            Pane::Conversations | Pane::Roster => {
                let mut v = vec![
                    Assign,
                    Enter,
                    ColdTransfer,
                    WarmTransfer,
                    Remove,
                    End,
                    Filter,
                    ToggleProblems,
                ];
                if failed {
                    v.insert(0, Retry);
                }
                v
            }
            Pane::Agents => vec![
                Filter,
                Assign,
                ToggleQueues,
                FocusNext,
                NewConversation,
                CommandLine,
            ],
            Pane::Queues => vec![Open, Sort, ToggleProblems, Assign, ToggleQueues, FocusNext],
            Pane::Log => vec![ToggleFollow, LogPolls, Filter, Bottom, CommandLine],
        };
        want.extend([Help, Quit]);
        assert_eq!(
            s.hint_commands(),
            want,
            "{:?} {}",
            s.views.focus,
            s.settings.read_only
        );
        seen += 1;
    }
    assert_eq!(seen, 20);
}
