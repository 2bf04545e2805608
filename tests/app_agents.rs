//! `update()` and the agents pane's facts, with a fixed clock: time in
//! status from the agents poll, the sort by it, and Enter on an agent
//! narrowing the conversation list to theirs (Esc widens).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::state::*;
use switchboard::app::{Action, State, update};
use switchboard::domain::{AgentRef, Roster};
use switchboard::kore::wire::AgentRecord;
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{key, settings};

const MIN: i64 = 60_000;

fn record(id: &str, name: &str, status: &str) -> AgentRecord {
    AgentRecord {
        id: id.into(),
        name: Some(name.into()),
        online_status_type: Some(status.into()),
        ..Default::default()
    }
}

/// The agents poll at `now_ms` with Mia, Raj and Dave in these statuses.
fn poll(s: &mut State, now_ms: i64, statuses: [&str; 3]) {
    s.now_ms = now_ms;
    let names = [
        ("a-mia", "Mia Chen"),
        ("a-raj", "Raj Patel"),
        ("a-dave", "Dave Dunn"),
    ];
    let records = names
        .iter()
        .zip(statuses)
        .map(|((id, name), st)| record(id, name, st))
        .collect();
    update(
        s,
        Action::AgentsListed {
            agents: Ok(records),
            availability: None,
        },
    );
}

fn state() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = 1_000_000;
    s
}

fn code(k: KeyCode) -> Action {
    Action::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

#[test]
fn time_in_status_is_a_lower_bound_until_a_change_is_seen() {
    let mut s = state();
    let t0 = 10 * MIN;
    poll(&mut s, t0, ["AVAILABLE", "AWAY", "OFFLINE"]);
    // Twelve minutes later, nothing changed: at least 12m each.
    poll(&mut s, t0 + 12 * MIN, ["AVAILABLE", "AWAY", "OFFLINE"]);
    assert_eq!(s.time_in_status_text("a-raj"), "≥12m");
    assert_eq!(s.time_in_status("a-raj"), Some((12 * MIN, false)));
    // Raj comes back: his clock starts at that poll and is exact.
    poll(&mut s, t0 + 13 * MIN, ["AVAILABLE", "AVAILABLE", "OFFLINE"]);
    s.now_ms = t0 + 18 * MIN;
    assert_eq!(s.time_in_status_text("a-raj"), "5m");
    assert_eq!(s.time_in_status_text("a-mia"), "≥18m");
    // An agent the console never saw has no time.
    assert_eq!(s.time_in_status_text("a-nobody"), "");
}

#[test]
fn s_on_the_agents_pane_sorts_by_time_in_status_and_sort_status_undoes_it() {
    let mut s = state();
    poll(&mut s, 0, ["AVAILABLE", "AVAILABLE", "AVAILABLE"]);
    poll(&mut s, 5 * MIN, ["AWAY", "AVAILABLE", "AVAILABLE"]);
    poll(&mut s, 7 * MIN, ["AWAY", "AVAILABLE", "BUSY"]);
    let names =
        |s: &State| -> Vec<String> { s.visible_agents().iter().map(|a| a.name.clone()).collect() };
    // By status, then name.
    assert_eq!(names(&s), ["Raj Patel", "Dave Dunn", "Mia Chen"]);
    s.views.focus = Pane::Agents;
    update(&mut s, key('s'));
    assert!(s.views.agents.by_time);
    // Raj has been AVAILABLE since the first poll, Mia AWAY since 5m, Dave BUSY since 7m.
    assert_eq!(names(&s), ["Raj Patel", "Mia Chen", "Dave Dunn"]);
    update(&mut s, key(':'));
    for c in "sort status".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert!(!s.views.agents.by_time);
    assert_eq!(names(&s), ["Raj Patel", "Dave Dunn", "Mia Chen"]);
}

#[test]
fn enter_on_an_agent_narrows_the_list_to_their_conversations_and_esc_widens() {
    let mut s = state();
    poll(&mut s, 0, ["AVAILABLE", "AVAILABLE", "BUSY"]);
    // c-1: the console put Mia in; c-2: Kore lists Raj; c-3: nobody.
    let mut c1 = Conversation::new("c-1", Channel::Chat, "en");
    let mut roster = Roster::new();
    roster
        .apply(
            &switchboard::domain::Event::na_entry(AgentRef::new("a-mia", "Mia Chen")),
            0,
        )
        .unwrap();
    c1.roster = roster;
    let mut c2 = Conversation::new("c-2", Channel::Chat, "en");
    c2.api_agents = vec!["Raj Patel".into()];
    c2.kore = Some(switchboard::domain::KorePicture {
        at_ms: 0,
        settled: false,
        members: vec![switchboard::domain::KoreMember {
            agent: AgentRef::new("a-raj", "Raj Patel"),
            since_ms: 0,
            consultant: false,
        }],
    });
    let c3 = Conversation::new("c-3", Channel::Chat, "en");
    for c in [c1, c2, c3] {
        s.model.conversations.insert(c.id.clone(), c);
    }
    assert_eq!(s.agent_conversations("a-mia"), ["c-1"]);
    assert_eq!(s.agent_conversations("a-raj"), ["c-2"]);
    assert!(s.agent_conversations("a-dave").is_empty());
    s.views.focus = Pane::Agents;
    // Sorted by status: Mia, Raj (AVAILABLE), then Dave. Raj is second.
    update(&mut s, key('j'));
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.views.list.agent_narrow.as_deref(), Some("a-raj"));
    let ids: Vec<String> = s
        .visible_conversations()
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(ids, ["c-2"]);
    // Esc: the message first, then the narrowing.
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.views.list.agent_narrow.as_deref(), Some("a-raj"));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.views.list.agent_narrow, None);
    assert_eq!(s.visible_conversations().len(), 3);
}
