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
    s.model.conversations[conv]
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

/// The number of the next poll read: each page the tests make gets a
/// larger one, as the runner's do.
static NEXT_READ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// One page of the conversations poll as the runner reports it: `records`
/// read at `skip` of `group`, the sweep's end when `sweep_from` is given
/// (the number of the sweep's first read; `Some(0)`: this read).
pub fn page(
    group: switchboard::app::PollGroup,
    skip: u32,
    records: Vec<switchboard::kore::wire::ConversationRecord>,
    sweep_from: Option<u64>,
) -> (u64, Action) {
    let seq = NEXT_READ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let sweep_from = sweep_from.map(|f| if f == 0 { seq } else { f });
    let action = Action::ConversationsPage(Box::new(switchboard::app::ConversationPage {
        group,
        seq,
        skip,
        records,
        closed: Vec::new(),
        total: None,
        sweep_from,
        cut: false,
    }));
    (seq, action)
}

/// A poll that read the whole live list at once: `records` on one page of
/// the waiting group, then an empty page of the rest, each a whole sweep.
/// Whatever the poll saw before and not now is gone.
pub fn listed(s: &mut State, records: Vec<switchboard::kore::wire::ConversationRecord>) {
    use switchboard::app::PollGroup;
    let (_, waiting) = page(PollGroup::Waiting, 0, records, Some(0));
    switchboard::app::update(s, waiting);
    let (_, rest) = page(PollGroup::Rest, 0, Vec::new(), Some(0));
    switchboard::app::update(s, rest);
}
