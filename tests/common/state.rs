//! The console's state: settings, agents in its directory, keys, and what a
//! conversation's timeline shows.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::state::{Agent, Load, Presence, Settings, TimelineItem};
use switchboard::app::{Action, State};
use switchboard::domain::PlanSettings;
use switchboard::kore::hooks::EventContext;

/// Settings that confirm before sending and may send.
pub fn settings(bot_id: &str, environment: &str, callback_timeout_ms: i64) -> Settings {
    Settings {
        bot_id: bot_id.into(),
        environment: environment.into(),
        confirm: true,
        read_only: false,
        defaults: EventContext::default(),
        plan: PlanSettings::default(),
        callback_timeout_ms,
        alerts: switchboard::app::alerts::Alerts::default(),
    }
}

/// An agent of the directory, with (used, total) chat and voice capacity.
pub fn agent(
    id: &str,
    name: &str,
    presence: Presence,
    chat: (u32, u32),
    voice: (u32, u32),
) -> Agent {
    Agent {
        id: id.into(),
        identity: id.into(),
        name: name.into(),
        email: None,
        queue_id: None,
        queue_name: None,
        presence,
        chat: Some(Load {
            used: chat.0,
            total: chat.1,
        }),
        voice: Some(Load {
            used: voice.0,
            total: voice.1,
        }),
    }
}

/// Character `c` typed without modifiers.
pub fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The timeline of `conv`: each request with its delivery or assign state,
/// and the notes.
pub fn deliveries(s: &State, conv: &str) -> Vec<String> {
    s.conversations[conv]
        .timeline
        .iter()
        .map(|t| match t {
            TimelineItem::Event {
                req_id, delivery, ..
            } => format!("{req_id} {delivery:?}"),
            TimelineItem::Assign { req_id, state, .. } => format!("{req_id} {state:?}"),
            TimelineItem::Note { text, .. } => text.clone(),
        })
        .collect()
}
