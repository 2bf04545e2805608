//! Kore's own picture of one conversation (Get Conversation Details), as
//! the core keeps it: every text cleaned, the customer's contact data held
//! but only ever shown masked (unless `[ui] show_customer_contact`).

use crate::app::text::clean;
use crate::kore::wire::{ConversationDetails, DetailsParticipant, TransferDetail};

/// Longest text kept of a field (ids, names, times).
const FIELD: usize = 120;
/// Longest text kept of a summary line, a remark or a note.
const LONG: usize = 2000;
/// Most participants, transfers, summary lines and notes kept.
const MAX_ITEMS: usize = 200;

/// Why details were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsWhy {
    /// The supervisor opened the conversation (Enter), the first time.
    Opened,
    /// The supervisor asked again (`R`, `:details`).
    Refresh,
    /// A send was refused on a stale roster: Kore's picture heals it.
    Heal,
}

impl DetailsWhy {
    pub fn label(self) -> &'static str {
        match self {
            DetailsWhy::Opened => "opened",
            DetailsWhy::Refresh => "refresh",
            DetailsWhy::Heal => "heal",
        }
    }
}

/// What the console keeps of a details answer: the wire form with every
/// text cleaned and cut, and when it came.
#[derive(Debug, Clone, PartialEq)]
pub struct KoreDetails {
    /// Boxed: every conversation has room for its details, few have them.
    pub data: Box<ConversationDetails>,
    /// When the answer came (unix ms).
    pub fetched_ms: i64,
}

impl KoreDetails {
    /// Cleans every text of `data` (control characters out, lengths cut,
    /// lists capped).
    pub fn new(mut data: ConversationDetails, fetched_ms: i64) -> KoreDetails {
        let short = |o: &mut Option<String>| {
            if let Some(s) = o {
                *s = clean(s, FIELD);
            }
        };
        short(&mut data.id);
        short(&mut data.plain_id);
        short(&mut data.bot_session_id);
        short(&mut data.status);
        short(&mut data.conversation_type);
        short(&mut data.start_time);
        short(&mut data.end_time);
        data.participants.truncate(MAX_ITEMS);
        data.participants.iter_mut().for_each(clean_participant);
        data.transfer_details.truncate(MAX_ITEMS);
        data.transfer_details.iter_mut().for_each(clean_transfer);
        data.summary.truncate(MAX_ITEMS);
        for line in &mut data.summary {
            *line = clean(line, LONG);
        }
        data.notes.truncate(MAX_ITEMS);
        for note in &mut data.notes {
            note.text = clean(&note.text, LONG);
            short(&mut note.created_by);
            short(&mut note.created_at);
        }
        if let Some(d) = &mut data.dispositions {
            short(&mut d.status);
            short(&mut d.meta_status);
            if let Some(r) = &mut d.remarks {
                *r = clean(r, LONG);
            }
            d.disposition_sets.truncate(MAX_ITEMS);
            for set in &mut d.disposition_sets {
                short(&mut set.dispositions_set);
                set.disposition_codes.truncate(MAX_ITEMS);
                for c in &mut set.disposition_codes {
                    *c = clean(c, FIELD);
                }
            }
        }
        if let Some(u) = &mut data.user_info {
            for f in [
                &mut u.first_name,
                &mut u.last_name,
                &mut u.name,
                &mut u.email,
                &mut u.email_id,
                &mut u.phone_number,
                &mut u.phone,
                &mut u.activation_status,
            ] {
                short(f);
            }
        }
        KoreDetails {
            data: Box::new(data),
            fetched_ms,
        }
    }
}

fn clean_participant(p: &mut DetailsParticipant) {
    for f in [
        &mut p.agent_id,
        &mut p.id,
        &mut p.name,
        &mut p.status,
        &mut p.queue_id,
        &mut p.queue_name,
        &mut p.queue_start_time,
        &mut p.assigned_at,
        &mut p.start_time_stamp,
        &mut p.end_time_stamp,
        &mut p.reason,
        &mut p.role,
        &mut p.kind,
        &mut p.participant_type,
    ]
    .into_iter()
    .flatten()
    {
        *f = clean(f, FIELD);
    }
}

fn clean_transfer(t: &mut TransferDetail) {
    for f in [
        &mut t.from_queue,
        &mut t.from_agent,
        &mut t.transferred_by_agent_name,
        &mut t.transferred_by,
        &mut t.transferred_type,
        &mut t.priority,
        &mut t.transferred_at,
        &mut t.system_transfer_reason,
    ]
    .into_iter()
    .flatten()
    {
        *f = clean(f, FIELD);
    }
    t.transferred_to.truncate(MAX_ITEMS);
    for to in &mut t.transferred_to {
        for f in [&mut to.id, &mut to.name, &mut to.kind]
            .into_iter()
            .flatten()
        {
            *f = clean(f, FIELD);
        }
    }
}

/// An email with most of it hidden: `j***@e***.com` (the first character
/// of the name and of the domain, and the domain's last part). Text without
/// an `@` is masked whole.
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    let Some((name, domain)) = email.rsplit_once('@') else {
        return mask_all(email);
    };
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let (host, tld) = match domain.rsplit_once('.') {
        Some((host, tld)) if !host.is_empty() => (host, Some(tld)),
        _ => (domain, None),
    };
    let mut out = format!("{}***@{}***", first(name), first(host));
    if let Some(tld) = tld {
        out.push('.');
        out.push_str(&clean(tld, 10));
    }
    out
}

/// A phone number with only its last four digits shown: `***0999`. With
/// fewer than seven digits nothing of it is shown.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 7 {
        return mask_all(phone);
    }
    let last: String = digits[digits.len() - 4..].iter().collect();
    format!("***{last}")
}

/// A name as initials: `Jane Doe` → `J*** D***`.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}***"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `***` for anything, `` for nothing.
fn mask_all(s: &str) -> String {
    if s.trim().is_empty() {
        String::new()
    } else {
        "***".to_string()
    }
}
