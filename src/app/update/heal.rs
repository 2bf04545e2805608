//! A refusal that says the roster is wrong heals it (issue 17.2).
//!
//! When Kore refuses a hooks event in a way that says this console's roster
//! of the conversation is stale ("already present", "not a participant", …,
//! or any 400 for a conversation whose roster came from this console alone),
//! the console asks Kore for the conversation's details at once. When they
//! come, Kore's participants become its picture, the refused action's
//! requests are settled (the refused one superseded, the rest of its plan
//! dropped: they were planned on the stale roster), the timeline says what
//! happened, and the action is offered again, planned on the healed
//! roster, behind a confirmation. Nothing is re-sent by itself.

use super::*;
use crate::app::details::DetailsWhy;
use crate::app::picture::{Directory, Participant, picture};
use crate::kore::wire::CallError;

/// Words in a refusal that say the sender's roster is not Kore's.
const STALE_WORDS: [&str; 10] = [
    "already present",
    "already a participant",
    "already in the conversation",
    "already entered",
    "not a participant",
    "not present",
    "not in the conversation",
    "no such participant",
    "not part of",
    "is not an active participant",
];

/// Whether Kore's refusal (`status`, `message`) says the roster is stale;
/// `console_only`: the conversation's roster came from this console alone,
/// so any 400 may mean it.
pub fn says_roster_stale(status: u16, message: &str, console_only: bool) -> bool {
    if !(400..500).contains(&status) || status == 429 {
        return false;
    }
    let m = message.to_lowercase();
    STALE_WORDS.iter().any(|w| m.contains(w)) || (status == 400 && console_only)
}

/// After a hooks request failed for good: when the refusal says the roster
/// is stale, note it and ask Kore for the details (one heal at a time per
/// conversation).
pub(super) fn heal_if_stale(
    state: &mut State,
    conv_id: &str,
    req_id: &str,
    error: &CallError,
) -> Vec<Effect> {
    let (Some(status), CallError::Api { message, .. }) = (error.status(), error) else {
        return Vec::new();
    };
    let now = state.now_ms;
    let Some(c) = state.model.conversations.change(conv_id) else {
        return Vec::new();
    };
    if c.healing.is_some() || !says_roster_stale(status, message, c.merged().console_only()) {
        return Vec::new();
    }
    c.healing = Some(req_id.to_string());
    let text = "Kore's roster differs from this console's: asking Kore for the \
                conversation's details to rebuild it (nothing is re-sent)";
    c.timeline.push(TimelineItem::Note {
        at_ms: now,
        text: text.to_string(),
    });
    state.log.push(
        now,
        LogKind::Error,
        format!("{conv_id}: roster stale: {text}"),
    );
    request_details(state, conv_id, DetailsWhy::Heal)
}

/// Details came for `conv_id`: Kore's participants become its picture
/// (they are newer than the list's); a heal waiting for them finishes.
pub(super) fn details_picture(state: &mut State, conv_id: &str) -> Vec<Effect> {
    let Some(c) = state.model.conversations.get(conv_id) else {
        return Vec::new();
    };
    let Some(d) = &c.details else {
        return Vec::new();
    };
    let at = d.fetched_ms;
    let participants = d.data.participants.iter().map(|p| Participant {
        agent_id: p.agent(),
        name: p.name.as_deref(),
        status: p.status.as_deref(),
        assigned_at: p.assigned_at.as_deref(),
        started_at: p.start_time_stamp.as_deref(),
        ended_at: p.end_time_stamp.as_deref(),
        ended_chat: p.ended_chat == Some(true),
        consultant: p.is_consultant == Some(true)
            || p.role_name()
                .is_some_and(|r| r.to_ascii_lowercase().contains("consult")),
    });
    let mut pic = picture(
        &Directory::new(&state.model.agents),
        participants,
        at,
        parse_ms,
    );
    let Some(c) = state.model.conversations.change(conv_id) else {
        return Vec::new();
    };
    // Asked for after Kore refused one of ours: it knows everything we sent.
    pic.settled = c.healing.is_some();
    if c.kore.as_ref().is_none_or(|k| k.at_ms <= at) {
        c.kore = Some(pic);
    }
    match c.healing.take() {
        Some(req) => finish_heal(state, conv_id, &req),
        None => Vec::new(),
    }
}

/// The details request of a heal failed: the refused request stays failed
/// (`r` or `:drop` settle it), and the timeline says so.
pub(super) fn heal_failed(model: &mut Model, now: i64, conv_id: &str) {
    if let Some(c) = model.conversations.change(conv_id)
        && c.healing.take().is_some()
    {
        c.timeline.push(TimelineItem::Note {
            at_ms: now,
            text: "Kore's details could not be read, so the roster was not rebuilt: \
                   R asks again; r resends, :drop drops the refused request"
                .to_string(),
        });
    }
}

/// Settles the refused action's requests and offers it again.
fn finish_heal(state: &mut State, conv_id: &str, refused: &str) -> Vec<Effect> {
    let now = state.now_ms;
    let Some(c) = state.model.conversations.change(conv_id) else {
        return Vec::new();
    };
    // The refused request and whatever of its action is still unsent.
    let plan = c
        .last_plan
        .as_ref()
        .filter(|p| p.req_ids.iter().any(|r| r == refused))
        .cloned();
    let mut settle: Vec<String> = vec![refused.to_string()];
    let mut after = false;
    for t in &mut c.timeline {
        let TimelineItem::Event {
            req_id, delivery, ..
        } = t
        else {
            continue;
        };
        if req_id == refused {
            after = true;
            if let Delivery::Failed {
                status,
                message,
                reason,
            } = delivery.clone()
            {
                *delivery = Delivery::Superseded {
                    status,
                    reason,
                    message: format!("{message}; the roster was rebuilt from Kore's details"),
                };
            }
            continue;
        }
        let of_plan = plan
            .as_ref()
            .is_none_or(|p| p.req_ids.iter().any(|r| r == req_id));
        if after && of_plan && delivery.is_open() {
            *delivery = Delivery::Dropped;
            settle.push(req_id.clone());
        }
    }
    let who = c.merged();
    let names = if who.roster.members().is_empty() {
        "nobody is in it".to_string()
    } else {
        who.roster
            .members()
            .iter()
            .zip(&who.sources)
            .map(|(m, s)| format!("{} ({})", m.agent.label(), s.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    c.timeline.push(TimelineItem::Note {
        at_ms: now,
        text: format!(
            "roster rebuilt from Kore's details: {names}; {} request(s) of the refused \
             action not sent",
            settle.len()
        ),
    });
    state.log.push(
        now,
        LogKind::Info,
        format!("{conv_id}: roster rebuilt from Kore's details: {names}"),
    );
    // In team mode its claim waited for these too: they will have no
    // outcome, so it is released once nothing else of it is on its way.
    let dropped: std::collections::BTreeSet<String> = settle.iter().cloned().collect();
    let release = state
        .model
        .status
        .team_view
        .forget_requests(conv_id, &dropped);
    let mut effects = vec![Effect::DropRequests {
        conversation: conv_id.to_string(),
        req_ids: settle,
    }];
    if release {
        effects.push(Effect::ReleaseClaim {
            conversation: conv_id.to_string(),
        });
    }
    if let Some(plan) = plan {
        effects.extend(offer_again(state, conv_id, plan.op));
    }
    effects
}

/// The refused action planned again on the healed roster, behind a
/// confirmation even when `confirm = false` (the supervisor decides): shown
/// when nothing else is open, else said on the bottom line.
fn offer_again(state: &mut State, conv_id: &str, op: Op) -> Vec<Effect> {
    let Some(conv) = state.model.conversations.get(conv_id).cloned() else {
        return Vec::new();
    };
    let projected = conv.projected();
    let events = match domain::plan(&projected, &op, &state.settings.plan) {
        Ok(events) => events,
        Err(r) => {
            state.refuse(format!(
                "{conv_id}: after Kore's details, {} cannot go ahead: {}",
                op.describe_in(&projected),
                r.message
            ));
            return Vec::new();
        }
    };
    if !matches!(state.views.mode, Mode::Normal) {
        state.say(format!(
            "{conv_id}: roster rebuilt from Kore; {} can be sent again",
            op.describe_in(&projected)
        ));
        return Vec::new();
    }
    let prompt = confirm_prompt(conv_id, &op, &projected, &events);
    let pending = Pending::Events {
        conversation: conv_id.to_string(),
        action: op.describe_in(&projected),
        events,
        op: Some(op),
    };
    super::sends::ask(
        state,
        None,
        format!("Kore's roster differs; planned again: {prompt}"),
        pending,
    );
    Vec::new()
}
