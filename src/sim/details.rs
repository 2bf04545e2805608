//! The simulator's Get Conversation Details (by bot session id) and the
//! details half of Get a Specific Conversation, made from the world: its
//! participants (active and ended) with queue and times, the transfers the
//! supervisor made (assign to an agent or a queue) and Kore's own OVERDUE
//! moves, a summary for ended or long conversations, dispositions and notes
//! for some, and a made-up customer profile.

use super::transfer::SimTransfer;
use super::world::{SimConversation, World, iso};
use crate::kore::wire::{
    ConversationDetails, DetailsParticipant, DispositionSet, Dispositions, Note, TransferDetail,
    TransferTarget, UserInfo,
};

/// The customer's made-up email and phone on every simulated conversation.
/// Tests look for them where personal data must never go.
pub const SAMPLE_EMAIL: &str = "jane.doe@example.com";
pub const SAMPLE_PHONE: &str = "+15550100999";

/// A conversation is summarized once it ended or has gone on this long.
const LONG_MS: i64 = 10 * 60_000;

/// The details answer for one conversation.
pub fn details(world: &World, c: &SimConversation, now_ms: i64) -> ConversationDetails {
    let number: u64 = c.id.trim_start_matches("c-").parse().unwrap_or(0);
    ConversationDetails {
        id: Some(c.id.clone()),
        bot_session_id: Some(c.bot_session_id.clone()),
        status: Some(c.status.as_str().to_string()),
        conversation_type: Some(c.channel.conversation_type().to_string()),
        participants: c
            .participants
            .iter()
            .map(|p| participant(world, c, p))
            .collect(),
        transfer_details: c.transfers.iter().map(|t| transfer(world, t)).collect(),
        summary: summary(world, c, now_ms),
        dispositions: dispositions(c, number),
        notes: notes(c, number),
        user_info: Some(customer(number)),
        wait_time: Some(c.wait_ms(now_ms)),
        start_time: Some(iso(c.created_ms)),
        end_time: c.ended_ms.map(iso),
        ..ConversationDetails::default()
    }
}

/// Get a Specific Conversation: the list record with the details' fields
/// over it.
pub fn record_with_details(world: &World, c: &SimConversation, now_ms: i64) -> serde_json::Value {
    let mut record = serde_json::to_value(world.conversation_record(c, now_ms)).unwrap_or_default();
    if let (Some(out), Ok(serde_json::Value::Object(more))) = (
        record.as_object_mut(),
        serde_json::to_value(details(world, c, now_ms)),
    ) {
        out.extend(more);
    }
    record
}

fn queue_name(world: &World, id: &str) -> String {
    world
        .queue(id)
        .map_or_else(|| id.to_string(), |q| q.name.clone())
}

fn participant(
    world: &World,
    c: &SimConversation,
    p: &super::world::SimParticipant,
) -> DetailsParticipant {
    // It left while the conversation went on: it was transferred, and a
    // move at that moment says why.
    let transferred = !p.active && p.end_ms.is_some() && p.end_ms != c.ended_ms;
    let reason = p.end_ms.and_then(|end| {
        c.transfers
            .iter()
            .find(|t| t.at_ms == end)
            .and_then(|t| t.system_reason.clone())
    });
    let queue_start = p.queue_id.as_deref().map(|q| {
        c.earlier_queues
            .iter()
            .rev()
            .find(|s| s.queue_id == q && s.start_ms <= p.assigned_ms)
            .map_or(c.queued_ms.min(p.assigned_ms), |s| s.start_ms)
    });
    DetailsParticipant {
        agent_id: Some(p.agent_id.clone()),
        name: Some(p.name.clone()),
        status: Some(if p.active { "ACTIVE" } else { "INACTIVE" }.to_string()),
        queue_id: p.queue_id.clone(),
        queue_name: p.queue_id.as_deref().map(|q| queue_name(world, q)),
        queue_start_time: queue_start.map(iso),
        assigned_at: Some(iso(p.assigned_ms)),
        start_time_stamp: p.entered_ms.map(iso),
        end_time_stamp: p.end_ms.map(iso),
        conversation_transferred: transferred.then_some(true),
        reason,
        ended_chat: (c.status.is_ended() && p.end_ms == c.ended_ms && p.end_ms.is_some())
            .then_some(true),
        ..DetailsParticipant::default()
    }
}

fn transfer(world: &World, t: &SimTransfer) -> TransferDetail {
    TransferDetail {
        from_queue: t.from_queue.clone(),
        transferred_by_agent_name: t.by.clone(),
        transferred_type: Some(t.kind.clone()),
        transferred_to: vec![TransferTarget {
            id: Some(t.to_id.clone()),
            name: Some(if t.kind == "QUEUE" {
                queue_name(world, &t.to_id)
            } else {
                t.to_name.clone()
            }),
            kind: Some(t.kind.clone()),
        }],
        priority: t.priority.clone(),
        transferred_at: Some(iso(t.at_ms)),
        system_transfer_reason: t.system_reason.clone(),
        system_transfer: Some(t.system_reason.is_some()),
        ..TransferDetail::default()
    }
}

fn summary(world: &World, c: &SimConversation, now_ms: i64) -> Vec<String> {
    let long = now_ms.saturating_sub(c.created_ms) >= LONG_MS;
    if !c.status.is_ended() && !long && c.transfers.is_empty() {
        return Vec::new();
    }
    let queue = c
        .queue_id
        .as_deref()
        .map_or_else(|| "no queue".to_string(), |q| queue_name(world, q));
    let mut lines = vec![format!(
        "The customer asked about {} and was queued in {queue}.",
        c.key_intent
    )];
    match c.participants.len() {
        0 => lines.push("No agent has taken the conversation yet.".into()),
        n => lines.push(format!("{n} agent(s) took part.")),
    }
    if !c.transfers.is_empty() {
        lines.push(format!("It was transferred {} time(s).", c.transfers.len()));
    }
    if c.status.is_ended() {
        lines.push(format!("It ended as {}.", c.status.as_str()));
    }
    lines
}

fn dispositions(c: &SimConversation, number: u64) -> Option<Dispositions> {
    if !c.status.is_ended() && !number.is_multiple_of(3) {
        return None;
    }
    let answered = !c.participants.is_empty();
    Some(Dispositions {
        status: Some(if answered { "Resolved" } else { "DROP-OFF" }.into()),
        remarks: Some(if answered {
            "The agent answered the question; the customer may write again.".into()
        } else {
            "No agent could take the conversation in time.".into()
        }),
        meta_status: Some(
            if answered {
                "AGENT_CLOSED"
            } else {
                "SYSTEM_DROP_OFF"
            }
            .into(),
        ),
        disposition_sets: vec![DispositionSet {
            dispositions_set: Some("Resolution".into()),
            disposition_codes: vec![if answered { "Resolved" } else { "Unresolved" }.into()],
        }],
    })
}

fn notes(c: &SimConversation, number: u64) -> Vec<Note> {
    if !number.is_multiple_of(2) || c.participants.is_empty() {
        return Vec::new();
    }
    let by = c.participants.first().map(|p| p.name.clone());
    vec![Note {
        text: format!("Customer asked about {}; follow up by email.", c.key_intent),
        created_by: by,
        created_at: c.participants.first().map(|p| iso(p.assigned_ms)),
    }]
}

fn customer(number: u64) -> UserInfo {
    const FIRST: [&str; 4] = ["Jane", "Omar", "Lena", "Kofi"];
    UserInfo {
        first_name: Some(FIRST[(number % 4) as usize].into()),
        last_name: Some("Doe".into()),
        email: Some(SAMPLE_EMAIL.into()),
        phone_number: Some(SAMPLE_PHONE.into()),
        activation_status: Some("active".into()),
        ..UserInfo::default()
    }
}
