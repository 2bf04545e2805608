//! Kore's details of the selected conversation in the detail pane (after
//! Enter): its participants, transfer history, summary, dispositions and
//! notes, and the customer, whose email and phone show masked unless
//! `[ui] show_customer_contact = true`.
//!
//! ```text
//!  Kore · CLOSED · livechat · read 00:12 ago
//!  Customer: T*** U*** · j***@e***.com · ***9999
//!  Transfer 06:27:13 Default Queue → Default Queue by SmartAssist QA · priority HIGHEST · moved: waited too long (OVERDUE)
//!  ○ SmartAssist QA · Default Queue · assigned 06:23:45 · 06:23:55-06:27:13 · transferred (OVERDUE)
//!  Summary: The customer was initially connected …
//!  Disposition: Resolved · AGENT_CLOSED · Resolution: Resolved
//! ```
//!
//! Each item wraps over a few rows at most; the most telling come first,
//! as the pane is often too short for all of it.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::text::{clean, clock, duration, wrap};
use super::theme::{Glyph, Theme};
use crate::app::State;
use crate::app::details::{mask_email, mask_name, mask_phone};
use crate::app::state::Conversation;
use crate::kore::wire::{ConversationDetails, DetailsParticipant, TransferDetail, UserInfo};

/// The lines of the Kore section, `cells` wide. Wrapped text (the summary,
/// remarks, notes) takes at most this many lines each.
const MAX_WRAP: usize = 4;

pub fn lines(c: &Conversation, state: &State, cells: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let loading = state.requests.details_in_flight.contains(&c.id);
    let Some(kept) = &c.details else {
        if loading {
            push_wrapped(&mut out, "details: loading…", theme.dim, cells, theme);
        } else if let Some(e) = &c.details_error {
            push_wrapped(&mut out, &format!("details: {e}"), theme.bad, cells, theme);
        }
        return out;
    };
    let d = &kept.data;
    let dot = format!(" {} ", theme.glyph(Glyph::Dot));
    let mut head = vec!["Kore".to_string()];
    head.extend(d.status.iter().cloned());
    head.extend(d.conversation_type.iter().cloned());
    head.push(format!(
        "read {} ago",
        duration(state.now_ms.saturating_sub(kept.fetched_ms))
    ));
    if loading {
        head.push("refreshing…".into());
    }
    out.push(Line::from(Span::styled(
        format!(" {}", theme.fit(&head.join(&dot), cells.saturating_sub(1))),
        theme.heading,
    )));
    if let Some(e) = &c.details_error {
        push_wrapped(&mut out, &format!("details: {e}"), theme.bad, cells, theme);
    }
    body(d, state, cells, theme, &dot, &mut out);
    out
}

fn body(
    d: &ConversationDetails,
    state: &State,
    cells: usize,
    theme: &Theme,
    dot: &str,
    out: &mut Vec<Line<'static>>,
) {
    // Most telling first: the pane is often too short for all of it.
    if let Some(u) = &d.user_info
        && let Some(c) = customer(u, state.views.show_customer_contact, dot)
    {
        push_wrapped(out, &c, theme.dim, cells, theme);
    }
    for t in &d.transfer_details {
        let style = if t.system_transfer_reason.is_some() {
            theme.warn
        } else {
            theme.text
        };
        push_wrapped(out, &transfer(t, state, dot), style, cells, theme);
    }
    for p in &d.participants {
        let style = if p.status.as_deref() == Some("ACTIVE") {
            theme.text
        } else {
            theme.dim
        };
        let mark = if p.status.as_deref() == Some("ACTIVE") {
            Glyph::Primary
        } else {
            Glyph::Listed
        };
        let text = format!("{} {}", theme.glyph(mark), participant(p, state, dot));
        push_wrapped(out, &text, style, cells, theme);
    }
    let mut wrapped = |label: &str, text: &str, style: Style| {
        push_wrapped(out, &format!("{label}{text}"), style, cells, theme);
    };
    if !d.summary.is_empty() {
        wrapped("Summary: ", &d.summary.join(" "), theme.text);
    }
    if let Some(disp) = &d.dispositions {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(disp.status.iter().cloned());
        parts.extend(disp.meta_status.iter().cloned());
        for set in &disp.disposition_sets {
            let codes = set.disposition_codes.join(", ");
            match &set.dispositions_set {
                Some(name) => parts.push(format!("{name}: {codes}")),
                None => parts.push(codes),
            }
        }
        if !parts.is_empty() {
            wrapped("Disposition: ", &parts.join(dot), theme.text);
        }
        if let Some(r) = disp.remarks.as_deref().filter(|r| !r.trim().is_empty()) {
            wrapped("Remarks: ", r, theme.dim);
        }
    }
    for n in &d.notes {
        let by = n
            .created_by
            .as_deref()
            .map(|b| format!(" ({b})"))
            .unwrap_or_default();
        wrapped(&format!("Note{by}: "), &n.text, theme.text);
    }
}

/// `text` on as many rows as it takes (at most [`MAX_WRAP`], the last one
/// cut with a mark), each led by a space.
fn push_wrapped(
    out: &mut Vec<Line<'static>>,
    text: &str,
    style: Style,
    cells: usize,
    theme: &Theme,
) {
    let room = cells.saturating_sub(1).max(1);
    let rows = wrap(&theme.own_text(text), room);
    let n = rows.len();
    for (i, row) in rows.into_iter().take(MAX_WRAP).enumerate() {
        let row = if i + 1 == MAX_WRAP && n > MAX_WRAP {
            theme.fit(&format!("{row} …"), room)
        } else {
            row
        };
        out.push(Line::from(Span::styled(format!(" {row}"), style)));
    }
}

/// `Mia Chen · Billing · assigned 06:23:45 · 06:23:55–06:27:13 · transferred (OVERDUE)`.
fn participant(p: &DetailsParticipant, state: &State, dot: &str) -> String {
    let mut parts = vec![
        p.name
            .clone()
            .or_else(|| p.agent().map(str::to_string))
            .unwrap_or_else(|| "(no name)".into()),
    ];
    if p.consultant() {
        parts.push("consultant".into());
    }
    if let Some(q) = p
        .queue_name
        .clone()
        .or_else(|| p.queue_id.as_deref().map(|id| queue_name(state, id)))
    {
        parts.push(q);
    }
    if let Some(a) = p.assigned_at.as_deref() {
        parts.push(format!("assigned {}", at(a)));
    }
    match (p.start_time_stamp.as_deref(), p.end_time_stamp.as_deref()) {
        (Some(s), Some(e)) => parts.push(format!("{}-{}", at(s), at(e))),
        (Some(s), None) => parts.push(format!("since {}", at(s))),
        (None, Some(e)) => parts.push(format!("ended {}", at(e))),
        (None, None) => {}
    }
    if p.transferred() == Some(true) {
        parts.push(match p.reason.as_deref() {
            Some(r) => format!("transferred ({r})"),
            None => "transferred".into(),
        });
    } else if let Some(r) = p.reason.as_deref() {
        parts.push(r.to_string());
    }
    if p.ended_chat == Some(true) {
        parts.push("ended the chat".into());
    }
    parts.join(dot)
}

/// `Transfer 06:27:13 Billing → Default Queue by Mia Chen · HIGHEST · moved: waited too long (OVERDUE)`.
fn transfer(t: &TransferDetail, state: &State, dot: &str) -> String {
    let mut head = String::from("Transfer");
    if let Some(when) = t.transferred_at.as_deref() {
        head.push(' ');
        head.push_str(&at(when));
    }
    let from = t
        .from_queue
        .as_deref()
        .map(|q| queue_name(state, q))
        .or_else(|| t.from_agent.as_deref().map(|a| agent_name(state, a)));
    let to: Vec<String> = t
        .transferred_to
        .iter()
        .map(|to| {
            let name = to
                .name
                .clone()
                .or_else(|| to.id.as_deref().map(|id| queue_name(state, id)))
                .unwrap_or_else(|| "?".into());
            match to.kind.as_deref().or(t.transferred_type.as_deref()) {
                Some(k) if k.eq_ignore_ascii_case("AGENT") => format!("agent {name}"),
                _ => name,
            }
        })
        .collect();
    head.push(' ');
    head.push_str(&format!(
        "{} → {}",
        from.unwrap_or_else(|| "?".into()),
        if to.is_empty() {
            "?".to_string()
        } else {
            to.join(", ")
        }
    ));
    let by = t
        .transferred_by_agent_name
        .clone()
        .or_else(|| t.transferred_by.as_deref().map(|a| agent_name(state, a)));
    if let Some(by) = by {
        head.push_str(&format!(" by {by}"));
    }
    let mut parts = vec![head];
    if let Some(p) = t.priority.as_deref() {
        parts.push(format!("priority {p}"));
    }
    if let Some(r) = t.system_transfer_reason.as_deref() {
        parts.push(format!("moved: {} ({r})", reason_words(r)));
    } else if t.system_transfer == Some(true) {
        parts.push("moved by Kore".into());
    }
    parts.join(dot)
}

/// A system transfer's reason in words.
pub fn reason_words(reason: &str) -> &'static str {
    match reason.trim().to_ascii_uppercase().as_str() {
        "OVERDUE" => "waited too long",
        "IDLE" | "IDLE_TIMEOUT" => "idle too long",
        "TIMEOUT" | "TIMED_OUT" => "timed out",
        "NO_AGENTS" | "NO_AGENT_AVAILABLE" | "AGENT_UNAVAILABLE" => "no agent available",
        "AGENT_DISCONNECTED" | "DISCONNECTED" => "the agent left",
        "REJECTED" | "AGENT_REJECTED" => "an agent declined it",
        _ => "by Kore",
    }
}

/// `Customer: T*** U*** · j***@e***.com · ***9999`; None when the profile
/// has none of them.
pub fn customer(u: &UserInfo, show_contact: bool, dot: &str) -> Option<String> {
    let mut parts = Vec::new();
    parts.extend(
        u.full_name()
            .map(|n| if show_contact { n } else { mask_name(&n) }),
    );
    if let Some(e) = u.email().filter(|e| !e.trim().is_empty()) {
        parts.push(if show_contact {
            e.to_string()
        } else {
            mask_email(e)
        });
    }
    if let Some(p) = u.phone().filter(|p| !p.trim().is_empty()) {
        parts.push(if show_contact {
            p.to_string()
        } else {
            mask_phone(p)
        });
    }
    (!parts.is_empty()).then(|| clean(&format!("Customer: {}", parts.join(dot)), 300))
}

fn queue_name(state: &State, id: &str) -> String {
    state
        .model
        .queues
        .iter()
        .find(|q| q.id == id)
        .map_or_else(|| short(id), |q| q.name.clone())
}

fn agent_name(state: &State, id: &str) -> String {
    state
        .model
        .agents
        .iter()
        .find(|a| a.id == id)
        .map_or_else(|| short(id), |a| a.name.clone())
}

/// An id the console has no name for, shortened: `qu-a82…xxxx`.
fn short(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 16 {
        return id.to_string();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A time of Kore's (RFC 3339, or unix ms) on the console's clock; text it
/// cannot read as it came.
fn at(s: &str) -> String {
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return clock((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    match s.trim().parse::<i64>() {
        Ok(ms) if ms > 1_000_000_000_000 => clock(ms),
        _ => clean(s, 30),
    }
}
