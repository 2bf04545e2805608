//! Team mode in `update` (issue 21.4, 21.5): a claimed send asks Redis
//! first (`Effect::Claim`); a refusal says who holds the conversation and
//! offers to force it with a second confirmation; the outcomes release the
//! claim and, with every action, go to the team's activity stream; a
//! teammate's line lands in the log with their name; `:who` lists the team.
//! A confirmed bulk claims its conversations in one `Effect::ClaimBulk`:
//! those a teammate holds are left out and named (no forcing), the rest go.
//! Without team mode none of it runs and nothing changes.

use super::*;
use crate::app::TeamReport;
use crate::app::bulk;
use crate::app::team::{self, ClaimReply, Teammate};
use crate::kore::wire::Verdict;
use std::collections::{BTreeMap, BTreeSet};

/// `Action::TeamReport`: claims, teammates' lines, `:who`.
pub(super) fn report(state: &mut State, report: TeamReport) -> Vec<Effect> {
    match report {
        TeamReport::ClaimAnswered {
            conversation,
            pending,
            reply,
        } => claim_answered(state, conversation, *pending, reply),
        TeamReport::BulkClaimAnswered { plan, replies } => {
            bulk_claim_answered(state, *plan, replies)
        }
        TeamReport::Activity {
            who, kind, text, ..
        } => activity(&mut state.log, state.now_ms, &who, &kind, &text),
        TeamReport::Members(list) => members(&mut state.views, &mut state.log, state.now_ms, list),
        TeamReport::Joined => {
            state.model.status.team_view.on = true;
            Vec::new()
        }
    }
}

/// The claim a confirmed send needs first, in team mode: `None` when the
/// send goes now (team mode off, or not a claimed kind of send).
pub(super) fn claim_first(state: &mut State, pending: &Pending) -> Option<Vec<Effect>> {
    if !state.model.status.team_view.on {
        return None;
    }
    if let Pending::Bulk(plan) = pending {
        return claim_bulk(state, plan);
    }
    let (conversation, what) = claim_word(pending)?;
    let conversation = conversation.to_string();
    state.say(format!("{conversation}: claiming it for the team…"));
    Some(vec![Effect::Claim {
        conversation,
        what: what.to_string(),
        force: false,
        pending: Box::new(pending.clone()),
    }])
}

/// `y` on a refused claim's second confirmation: claim it by force.
pub(super) fn force(state: &mut State, pending: Pending) -> Vec<Effect> {
    let Some((conversation, what)) = claim_word(&pending) else {
        return execute(state, pending);
    };
    let conversation = conversation.to_string();
    state.say(format!("{conversation}: taking it over from the teammate…"));
    vec![Effect::Claim {
        conversation,
        what: what.to_string(),
        force: true,
        pending: Box::new(pending),
    }]
}

/// What Redis said to a claim: granted (or Redis down), the send goes and
/// the claim waits for its outcomes; refused, the supervisor reads who
/// holds it and may force it (asked `y/N`).
fn claim_answered(
    state: &mut State,
    conversation: String,
    pending: Pending,
    reply: ClaimReply,
) -> Vec<Effect> {
    match reply {
        ClaimReply::Refused {
            who,
            what,
            since_ms,
        } => {
            let why = team::refusal(&who, &what, &conversation, since_ms, state.now_ms);
            state.refuse(why.clone());
            state.views.mode = Mode::Confirm {
                prompt: format!("{why}. Take it over anyway? y/N"),
                pending: Pending::Forced(Box::new(pending)),
                enter_sends: false,
            };
            Vec::new()
        }
        ClaimReply::Granted => send_claimed(state, conversation, pending),
        ClaimReply::Unavailable(why) => {
            let now = state.now_ms;
            state.log.push(
                now,
                LogKind::Info,
                format!("team: Redis did not answer ({why}); {conversation} sent unclaimed"),
            );
            send_claimed(state, conversation, pending)
        }
    }
}

/// Sends a claimed pending action: its requests hold the claim until their
/// outcomes; none (the plan no longer holds) releases it at once.
fn send_claimed(state: &mut State, conversation: String, pending: Pending) -> Vec<Effect> {
    let mut effects = send_pending(state, pending);
    let ids: std::collections::BTreeSet<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendEvent { req_id, .. } | Effect::Assign { req_id, .. } => {
                Some(req_id.clone())
            }
            _ => None,
        })
        .collect();
    let claimed = &mut state.model.status.team_view.claimed;
    match claimed.get_mut(&conversation) {
        // Held already for an earlier action: the claim waits for both.
        Some(held) => held.extend(ids),
        None if ids.is_empty() => effects.push(Effect::ReleaseClaim { conversation }),
        None => {
            claimed.insert(conversation, ids);
        }
    }
    effects
}

/// A confirmed bulk, in team mode: its conversations claimed first, in one
/// `Effect::ClaimBulk` (those of a claimed kind: a bulk removal is not
/// claimed, as a single one is not, and goes at once).
fn claim_bulk(state: &mut State, plan: &BulkPlan) -> Option<Vec<Effect>> {
    let words: Vec<(&str, &str)> = plan.items.iter().filter_map(claim_word).collect();
    let what = words.first()?.1.to_string();
    let conversations: Vec<String> = words.iter().map(|(c, _)| c.to_string()).collect();
    state.say(format!(
        "bulk {}: claiming {} for the team…",
        plan.verb.word(),
        bulk::conversations(conversations.len())
    ));
    Some(vec![Effect::ClaimBulk {
        conversations,
        what,
        plan: Box::new(plan.clone()),
    }])
}

/// What Redis said to a bulk's claims: the refused are left out and named
/// with who holds them (never forced: a single action forces); the rest go
/// as the bulk (Redis down: unclaimed, said in the log), each claim waiting
/// for its conversation's requests' outcomes.
fn bulk_claim_answered(
    state: &mut State,
    mut plan: BulkPlan,
    replies: Vec<(String, ClaimReply)>,
) -> Vec<Effect> {
    let now = state.now_ms;
    let verb = plan.verb.word();
    let mut held = Vec::new();
    let mut claimed = BTreeSet::new();
    let mut unclaimed = (0, String::new());
    for (conversation, reply) in replies {
        match reply {
            ClaimReply::Refused {
                who,
                what,
                since_ms,
            } => {
                let ago = team::ago(now, since_ms);
                held.push((conversation, format!("({who}, {what}, {ago})")));
                continue;
            }
            ClaimReply::Granted => {}
            ClaimReply::Unavailable(why) => unclaimed = (unclaimed.0 + 1, why),
        }
        claimed.insert(conversation);
    }
    if unclaimed.0 > 0 {
        let (n, why) = unclaimed;
        let line = format!(
            "team: Redis did not answer ({why}); {} sent unclaimed",
            bulk::conversations(n)
        );
        state.log.push(now, LogKind::Info, line);
    }
    let refused = bulk::held_text(&held).map(|h| format!("{h}; use a single action to force"));
    plan.items.retain(|item| {
        !held
            .iter()
            .any(|(c, _)| Some(c.as_str()) == conversation_of(item))
    });
    if plan.items.is_empty() {
        let why = refused.unwrap_or_else(|| "nothing left to send".into());
        state.refuse(format!("bulk {verb}: nothing sent: {why}"));
        return Vec::new();
    }
    let mut effects = super::bulk::send(state, plan);
    if let Some(line) = refused {
        state
            .log
            .push(now, LogKind::Error, format!("bulk {verb}: {line}"));
        let (text, error) = state.views.flash.take().unwrap_or_default();
        state.views.flash = Some((format!("{text}; {line}"), error));
    }
    let ids = sent_ids(&effects);
    for conversation in claimed {
        match ids.get(&conversation) {
            // Held already for an earlier action: the claim waits for both.
            Some(ids) => state
                .model
                .status
                .team_view
                .claimed
                .entry(conversation)
                .or_default()
                .extend(ids.iter().cloned()),
            // Not sent after all (it changed before it went): free it now.
            None => effects.push(Effect::ReleaseClaim { conversation }),
        }
    }
    effects
}

/// Conversation → the request ids a `SendBulk` in `effects` sends for it.
fn sent_ids(effects: &[Effect]) -> BTreeMap<String, BTreeSet<String>> {
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in effects {
        let Effect::SendBulk { sends } = e else {
            continue;
        };
        for send in sends {
            if let Effect::SendEvent {
                conversation,
                req_id,
                ..
            }
            | Effect::Assign {
                conversation,
                req_id,
                ..
            } = send
            {
                ids.entry(conversation.clone())
                    .or_default()
                    .insert(req_id.clone());
            }
        }
    }
    ids
}

/// The conversation a bulk's item acts on.
fn conversation_of(item: &Pending) -> Option<&str> {
    match item {
        Pending::Assign { conversation, .. } | Pending::Events { conversation, .. } => {
            Some(conversation)
        }
        _ => None,
    }
}

/// The activity lines of the sends in `effects` (team mode only).
pub(super) fn publish_sends(state: &State, effects: &[Effect]) -> Vec<Effect> {
    if !state.model.status.team_view.on {
        return Vec::new();
    }
    // A bulk action's requests are published one by one, as single ones.
    let sends = effects.iter().flat_map(|e| match e {
        Effect::SendBulk { sends } => sends.iter().collect::<Vec<_>>(),
        e => vec![e],
    });
    sends
        .filter_map(|e| match e {
            Effect::SendEvent {
                conversation,
                action,
                ..
            } => Some((conversation, action.clone())),
            Effect::Assign {
                conversation,
                summary,
                ..
            } => Some((conversation, summary.clone())),
            _ => None,
        })
        .map(|(conversation, text)| Effect::TeamPublish {
            kind: "action".into(),
            conversation: conversation.clone(),
            text,
        })
        .collect()
}

/// Before an outcome is applied (team mode only): its activity line, and
/// the claim's release when it was the last request the claim waited for.
/// An assign's outcome is its callback (or its failure, or the callback's
/// timeout), not the request's answer.
pub(super) fn observe(state: &mut State, action: &Action) -> Vec<Effect> {
    if !state.model.status.team_view.on {
        return Vec::new();
    }
    let (req_id, conversation, text) = match action {
        Action::HookDone {
            req_id,
            conversation,
            outcome,
            ..
        } => (
            req_id,
            conversation.clone(),
            outcome_text("event", outcome.is_ok()),
        ),
        Action::AssignDone {
            req_id,
            conversation,
            outcome: Err(_),
            ..
        } => (req_id, conversation.clone(), outcome_text("assign", false)),
        Action::Callback(cb) => match &cb.request_id {
            Some(id) => {
                let conversation = state
                    .requests
                    .awaiting_callback
                    .get(id)
                    .cloned()
                    .unwrap_or_default();
                let ok = cb.body.verdict() == Verdict::Success;
                (id, conversation, outcome_text("assign", ok))
            }
            None => return Vec::new(),
        },
        Action::CallbackTimedOut { req_id } => match state.requests.awaiting_callback.get(req_id) {
            Some(conversation) => (
                req_id,
                conversation.clone(),
                "assign got no callback in time".to_string(),
            ),
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut effects = vec![Effect::TeamPublish {
        kind: "outcome".into(),
        text: format!("{conversation}: {text}"),
        conversation,
    }];
    let mut emptied = None;
    for (conversation, ids) in state.model.status.team_view.claimed.iter_mut() {
        if ids.remove(req_id) {
            emptied = ids.is_empty().then(|| conversation.clone());
            break;
        }
    }
    if let Some(conversation) = emptied {
        state.model.status.team_view.claimed.remove(&conversation);
        effects.push(Effect::ReleaseClaim { conversation });
    }
    effects
}

fn outcome_text(what: &str, ok: bool) -> String {
    let how = if ok { "done" } else { "failed" };
    format!("{what} {how}")
}

/// A teammate's line: into the log, marked with their name.
fn activity(log: &mut Log, now: i64, who: &str, kind: &str, text: &str) -> Vec<Effect> {
    let log_kind = if kind == "outcome" && text.contains(" failed") {
        LogKind::Error
    } else {
        LogKind::Info
    };
    log.push(now, log_kind, team::activity_line(who, text));
    Vec::new()
}

/// `:who`: asks the runtime who is online (team mode only).
pub(super) fn who(views: &mut Views, log: &mut Log, model: &Model, now: i64) -> Vec<Effect> {
    if !model.status.team_view.on {
        views.refuse(log, now, "not in team mode: [team] is not configured");
        return Vec::new();
    }
    vec![Effect::TeamWho]
}

/// The answer to `:who`: one log line per console, the count said.
fn members(
    views: &mut Views,
    log: &mut Log,
    now: i64,
    members: Result<Vec<Teammate>, String>,
) -> Vec<Effect> {
    match members {
        Ok(members) => {
            let lines = team::who_lines(&members, now);
            views.say(lines[0].clone());
            for line in lines {
                log.push(now, LogKind::Info, line);
            }
        }
        Err(why) => views.refuse(log, now, format!("who: Redis did not answer ({why})")),
    }
    Vec::new()
}

/// The word a claim carries for a pending send, when it is one that is
/// claimed (an assign, an agent entering, a transfer, an end).
fn claim_word(pending: &Pending) -> Option<(&str, &'static str)> {
    use crate::domain::Action as Op;
    match pending {
        Pending::Assign { conversation, .. } => Some((conversation, "assigning")),
        Pending::Events {
            conversation, op, ..
        } => match op {
            Some(Op::Enter(_)) => Some((conversation, "assigning")),
            Some(Op::Cold { .. } | Op::Warm(_)) => Some((conversation, "transferring")),
            Some(Op::End) => Some((conversation, "ending")),
            _ => None,
        },
        Pending::Anyway(p) => claim_word(p),
        _ => None,
    }
}
