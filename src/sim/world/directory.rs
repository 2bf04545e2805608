//! The built-in directory: 12 agents in 3 queues, with their skills, and
//! the demo's queue in trouble.

use super::model::{Presence, SimAgent, SimQueue, SimSkill};

/// (id, name, description, patience in ms)
const QUEUES: [(&str, &str, &str, i64); 3] = [
    (
        "qu-5b11a01-5a1e-4c0d-8e21-0000000b1111",
        "Billing",
        "Invoices, refunds and payment plans",
        420_000,
    ),
    (
        "qu-5b22a02-5a1e-4c0d-8e21-0000000b2222",
        "Support",
        "Technical problems and account access",
        180_000,
    ),
    (
        "qu-5b33a03-5a1e-4c0d-8e21-0000000b3333",
        "Sales",
        "New plans, upgrades and quotes",
        180_000,
    ),
];

/// The demo's queue in trouble (Billing): it starts with a backlog of long
/// waits, and of its agents only one is free.
pub const TROUBLE_QUEUE: usize = 0;

const SKILLS: [(&str, &str); 4] = [
    ("5a1e5c1110000000000000e1", "English"),
    ("5a1e5c1110000000000000d2", "German"),
    ("5a1e5c1110000000000000e3", "Spanish"),
    ("5a1e5c1110000000000000f4", "French"),
];

/// (first, last, queues by index, languages, chat capacity, voice capacity,
/// presence)
type AgentRow = (
    &'static str,
    &'static str,
    &'static [usize],
    &'static [&'static str],
    u32,
    u32,
    Presence,
);

const AGENTS: [AgentRow; 12] = [
    ("Mia", "Chen", &[1], &["en"], 5, 1, Presence::Available),
    ("Raj", "Patel", &[1], &["en"], 5, 1, Presence::Available),
    (
        "Sofia",
        "García",
        &[2],
        &["en", "es"],
        5,
        1,
        Presence::Available,
    ),
    ("Jonas", "Becker", &[1], &["de", "en"], 5, 1, Presence::Busy),
    // Billing's only free agent at start, with room for two chats.
    (
        "Amara",
        "Okafor",
        &[0],
        &["en", "fr"],
        2,
        1,
        Presence::Available,
    ),
    ("Yuki", "Tanaka", &[2], &["en"], 5, 1, Presence::Away),
    ("Liam", "O'Brien", &[0], &["en"], 5, 1, Presence::Offline),
    (
        "Fatima",
        "Haddad",
        &[1],
        &["fr", "en"],
        5,
        1,
        Presence::Available,
    ),
    ("Lucas", "Moreau", &[2], &["fr"], 5, 1, Presence::Offline),
    ("Priya", "Nair", &[0, 2], &["en"], 5, 0, Presence::Away),
    ("Elena", "Rossi", &[1], &["es", "en"], 5, 1, Presence::Away),
    ("Tomás", "Novák", &[2], &["de"], 5, 1, Presence::Available),
];

fn skill_for(language: &str) -> &'static str {
    let name = match language {
        "de" => "German",
        "es" => "Spanish",
        "fr" => "French",
        _ => "English",
    };
    SKILLS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(id, _)| *id)
        .unwrap_or(SKILLS[0].0)
}

/// The built-in directory: 12 agents in 3 queues.
pub(super) fn directory() -> (Vec<SimAgent>, Vec<SimQueue>, Vec<SimSkill>) {
    let queues = QUEUES
        .iter()
        .map(|(id, name, desc, patience)| SimQueue {
            id: id.to_string(),
            name: name.to_string(),
            description: desc.to_string(),
            patience_ms: *patience,
            tallies: Vec::new(),
        })
        .collect::<Vec<_>>();
    let skills = SKILLS
        .iter()
        .map(|(id, name)| SimSkill {
            id: id.to_string(),
            name: name.to_string(),
        })
        .collect();
    let agents = AGENTS
        .iter()
        .enumerate()
        .map(|(i, (first, last, qs, langs, chat, voice, presence))| {
            let n = i as u32 + 1;
            let ascii_last: String = last
                .chars()
                .filter_map(|c| match c {
                    'á' => Some('a'),
                    'í' => Some('i'),
                    '\'' => None,
                    c => Some(c.to_ascii_lowercase()),
                })
                .collect();
            SimAgent {
                id: format!(
                    "a-{:07x}-5a1e-4d{n:02x}-9c0f-{:012x}",
                    0x3c10000 + n * 0x1d3,
                    n
                ),
                user_id: format!(
                    "u-{:08x}-5a1e-5b{n:02x}-8a0e-{:012x}",
                    0x7e200000 + n * 0x2b1,
                    0x100 + n
                ),
                first_name: first.to_string(),
                last_name: last.to_string(),
                email: format!("{}.{}@example.com", first.to_ascii_lowercase(), ascii_last),
                phone: format!("+1555010{n:04}"),
                presence: *presence,
                queue_ids: qs.iter().map(|q| queues[*q].id.clone()).collect(),
                skill_ids: langs.iter().map(|l| skill_for(l).to_string()).collect(),
                languages: langs.iter().map(|l| l.to_string()).collect(),
                chat_max: *chat,
                voice_max: *voice,
                chat_used: 0,
                voice_used: 0,
            }
        })
        .collect();
    (agents, queues, skills)
}
