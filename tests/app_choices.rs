//! Issue 19 (6, 8): `update()` for the `:` line's completion list and its
//! cycling, the picker's frozen order, the question before sending to an
//! agent at capacity, and `y/N` for ending and cold transfers.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::state::*;
use switchboard::app::{Action, Effect, ReplyInfo, State, update};
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{agent, key, settings};

/// Three agents, one waiting chat conversation selected; confirmations on.
fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = 1_000_000;
    s.model.agents = vec![
        agent("a-mia", "Mia Chen", Presence::Available, (0, 5), (0, 1)),
        agent("a-raj", "Raj Patel", Presence::Available, (1, 5), (0, 1)),
        agent("a-rafa", "Rafael Ortiz", Presence::Busy, (5, 5), (0, 1)),
    ];
    let mut c = Conversation::new("c-1", Channel::Chat, "en");
    c.bot_session_id = Some("sess-1".into());
    c.api_status = Some("OPEN".into());
    s.model.conversations.insert("c-1".into(), c);
    s.views.list.selected = Some("c-1".into());
    s
}

fn code(k: KeyCode) -> Action {
    Action::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(c));
    }
}

fn names(s: &State) -> Vec<String> {
    s.picker_choices().iter().map(|a| a.name.clone()).collect()
}

fn prompt(s: &State) -> String {
    match &s.views.mode {
        Mode::Confirm { prompt, .. } => prompt.clone(),
        other => panic!("no question: {other:?}"),
    }
}

/// Delivers every event in `fx` (so the roster moves on).
fn deliver(s: &mut State, fx: Vec<Effect>) {
    for e in fx {
        if let Effect::SendEvent {
            req_id,
            conversation,
            ..
        } = e
        {
            update(
                s,
                Action::HookDone {
                    req_id,
                    conversation,
                    outcome: Ok(ReplyInfo {
                        status: 200,
                        latency_ms: 5,
                        body: "{}".into(),
                        response: serde_json::Value::Null,
                    }),
                    attempts: 1,
                    maybe_arrived: Vec::new(),
                },
            );
        }
    }
}

fn sends(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::SendEvent { .. } | Effect::Assign { .. }))
        .count()
}

/// Mia enters c-1 (picked, confirmed with y, delivered).
fn mia_enters(s: &mut State) {
    update(s, key('e'));
    typed(s, "mia");
    update(s, code(KeyCode::Enter));
    let fx = update(s, key('y'));
    assert_eq!(sends(&fx), 1, "{fx:?}");
    deliver(s, fx);
}

#[test]
fn the_picker_keeps_its_order_while_open_and_marks_what_changed() {
    let mut s = console();
    update(&mut s, key('a'));
    assert_eq!(names(&s), ["Mia Chen", "Raj Patel", "Rafael Ortiz"]);
    update(&mut s, code(KeyCode::Down));
    // A poll: Mia is now busy and full, Raj has more room, a new agent.
    s.model.agents[0].presence = Presence::Busy;
    s.model.agents[0].chat = Some(Load { used: 5, total: 5 });
    s.model.agents[1].chat = Some(Load { used: 0, total: 5 });
    s.model.agents.push(agent(
        "a-ana",
        "Ana Souza",
        Presence::Available,
        (0, 9),
        (0, 1),
    ));
    // The live order would put Mia last; the open picker does not move her.
    assert_eq!(
        names(&s),
        ["Mia Chen", "Raj Patel", "Rafael Ortiz", "Ana Souza"]
    );
    let changed: Vec<bool> = s
        .picker_choices()
        .iter()
        .map(|a| s.picker_changed(a))
        .collect();
    assert_eq!(changed, [true, true, false, true]);
    // The cursor stays on the agent it was on.
    update(&mut s, code(KeyCode::Enter));
    assert!(prompt(&s).contains("to Raj Patel"), "{}", prompt(&s));
    // Opened again: the live order, nothing marked.
    update(&mut s, key('n'));
    update(&mut s, key('a'));
    assert_eq!(names(&s)[0], "Ana Souza");
    assert!(!s.picker_choices().iter().any(|a| s.picker_changed(a)));
}

#[test]
fn an_agent_at_capacity_on_the_channel_is_asked_about_and_enter_does_not_send() {
    let mut s = console();
    update(&mut s, key('a'));
    typed(&mut s, "rafael");
    update(&mut s, code(KeyCode::Enter));
    let p = prompt(&s);
    assert!(
        p.starts_with("Rafael Ortiz is at capacity on chat (5/5):"),
        "{p}"
    );
    assert!(p.ends_with("y/N"), "{p}");
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert_eq!(s.views.mode, Mode::Normal);
    // y sends.
    update(&mut s, key('a'));
    typed(&mut s, "rafael");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(sends(&update(&mut s, key('y'))), 1);
    // Even with confirmations off, a full agent is asked about.
    let mut s = console();
    s.settings.confirm = false;
    update(&mut s, key('e'));
    typed(&mut s, "rafael");
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(prompt(&s).contains("at capacity"), "{}", prompt(&s));
    // An agent with room is not.
    let mut s = console();
    update(&mut s, key('e'));
    typed(&mut s, "raj");
    update(&mut s, code(KeyCode::Enter));
    assert!(!prompt(&s).contains("capacity"), "{}", prompt(&s));
    assert!(prompt(&s).ends_with("Y/n"), "{}", prompt(&s));
}

#[test]
fn end_and_cold_transfer_ask_y_n_and_enter_sends_neither() {
    let mut s = console();
    mia_enters(&mut s);
    // t: a cold transfer to Raj.
    update(&mut s, key('t'));
    typed(&mut s, "raj");
    update(&mut s, code(KeyCode::Enter));
    assert!(prompt(&s).ends_with("y/N"), "{}", prompt(&s));
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert_eq!(s.views.mode, Mode::Normal);
    update(&mut s, key('t'));
    typed(&mut s, "raj");
    update(&mut s, code(KeyCode::Enter));
    let fx = update(&mut s, key('y'));
    assert_eq!(sends(&fx), 2, "COLD exit and entry: {fx:?}");
    deliver(&mut s, fx);
    // E: end.
    update(&mut s, key('E'));
    assert!(prompt(&s).ends_with("y/N"), "{}", prompt(&s));
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    update(&mut s, key('E'));
    assert!(sends(&update(&mut s, key('y'))) >= 2);
    // w (warm) still sends on Enter.
    let mut s = console();
    mia_enters(&mut s);
    update(&mut s, key('w'));
    typed(&mut s, "raj");
    update(&mut s, code(KeyCode::Enter));
    assert!(prompt(&s).ends_with("Y/n"), "{}", prompt(&s));
    assert_eq!(sends(&update(&mut s, code(KeyCode::Enter))), 1);
}

fn line(s: &State) -> String {
    match &s.views.mode {
        Mode::Command { input } => input.as_str().to_string(),
        other => panic!("no : line: {other:?}"),
    }
}

#[test]
fn tab_lists_the_candidates_under_the_line_and_tab_again_cycles_them() {
    let mut s = console();
    update(&mut s, key(':'));
    typed(&mut s, "assign ra");
    update(&mut s, code(KeyCode::Tab));
    // Raj and Rafael share no more than "ra": the line keeps it, the list
    // shows both.
    assert_eq!(line(&s), "assign ra");
    let list = s.completion_shown().expect("a list").clone();
    assert_eq!(list.candidates, ["Rafael Ortiz", "Raj Patel"]);
    assert_eq!(list.selected, None);
    assert_eq!(
        list.hint.as_deref(),
        Some("assign NAME | assign queue NAME")
    );
    // Tab again: each candidate in turn, then round again.
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(line(&s), "assign Rafael Ortiz");
    assert_eq!(s.completion_shown().unwrap().selected, Some(0));
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(line(&s), "assign Raj Patel");
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(line(&s), "assign Rafael Ortiz");
    // Typing puts the list away; the next Tab completes afresh.
    update(&mut s, code(KeyCode::Backspace));
    assert!(s.completion_shown().is_none());
    // Enter runs what the line holds.
    let mut s = console();
    update(&mut s, key(':'));
    typed(&mut s, "assign ra");
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, code(KeyCode::Enter));
    assert!(prompt(&s).contains("to Raj Patel"), "{}", prompt(&s));
}

#[test]
fn tab_on_an_ambiguous_verb_lists_the_verbs_and_one_verb_hints_its_argument() {
    let mut s = console();
    update(&mut s, key(':'));
    typed(&mut s, "re");
    update(&mut s, code(KeyCode::Tab));
    let list = s.completion_shown().expect("a list").clone();
    for verb in ["redial", "refresh", "remove", "retry"] {
        assert!(list.candidates.iter().any(|c| c == verb), "{list:?}");
    }
    assert!(list.hint.is_none(), "{list:?}");
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(line(&s), list.candidates[0]);
    // One verb that takes a word: completed with a space, its syntax shown.
    let mut s = console();
    update(&mut s, key(':'));
    typed(&mut s, "fre");
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(line(&s), "fresh ");
    let list = s.completion_shown().expect("the hint").clone();
    assert!(list.candidates.is_empty());
    assert_eq!(list.hint.as_deref(), Some("fresh on|off"));
    // A new `:` line starts with no list.
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, key(':'));
    typed(&mut s, "fresh ");
    assert!(s.completion_shown().is_none());
}

/// Issue 19.7: in the help only its own keys act: j/k, g/G scroll, and
/// only Esc, ? and q close it.
#[test]
fn the_help_closes_only_on_esc_question_mark_or_q() {
    let mut s = console();
    update(&mut s, key('?'));
    assert_eq!(s.views.mode, Mode::Help);
    update(&mut s, key('G'));
    let bottom = s.views.help.scroll;
    assert!(bottom > 0);
    update(&mut s, key('k'));
    assert_eq!(s.views.help.scroll, bottom - 1);
    update(&mut s, key('g'));
    assert_eq!(s.views.help.scroll, 0);
    for stray in ['x', 'a', 'E', 'y'] {
        assert!(update(&mut s, key(stray)).is_empty());
        assert_eq!(s.views.mode, Mode::Help, "{stray} closed the help");
    }
    update(&mut s, key('?'));
    assert_eq!(s.views.mode, Mode::Normal);
    update(&mut s, key('?'));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.views.mode, Mode::Normal);
    update(&mut s, key('?'));
    update(&mut s, key('q'));
    assert_eq!(s.views.mode, Mode::Normal);
    assert!(!s.quit);
}
