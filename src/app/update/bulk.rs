//! Bulk actions on marks (issue 22.2, 22.3): with conversations marked,
//! `a` assigns each (to one agent or one queue, picked once), `E` ends each
//! and `x` removes a named agent from each roster that holds them. Each
//! conversation is planned as its single action would be (`domain::plan`,
//! the assign's own checks); those it cannot apply to are named in the one
//! confirmation and the log. Confirmed, every request is made as a single
//! one is (timeline, callbacks awaited) and they go out together as
//! `Effect::SendBulk`: journaled in one group write, paced by the limiter
//! behind single actions. `BulkProgress` follows them until all have left;
//! `Esc` on it or `:bulk cancel` drops what has not.

use super::*;
use crate::app::bulk::{BulkProgress, BulkVerb, conversations, skipped_text};
use std::collections::BTreeMap;

/// Whether keys act on the marks rather than the selected conversation.
pub(super) fn on_marks(state: &State) -> bool {
    !state.views.list.marks.is_empty()
}

/// `a` (and `x` with no agent named) with marks: the picker, once for all
/// of them, titled by their count.
pub(super) fn open_picker(state: &mut State, purpose: Verb) -> Vec<Effect> {
    if read_only_refusal(state)
        || refuse_while_going(
            &mut state.views,
            &mut state.log,
            &state.requests,
            state.now_ms,
        )
    {
        return Vec::new();
    }
    let title = format!("{} marked", state.views.list.marks.len());
    super::picker::open_picker(state, purpose, title)
}

/// An agent picked (or named) for the marks: an assign to them, or their
/// removal from each roster that holds them.
pub(super) fn picked_agent(state: &mut State, purpose: Verb, agent: &Agent) -> Vec<Effect> {
    match purpose {
        Verb::Remove => plan(state, BulkVerb::Remove, Some(agent.id.clone()), &agent.name),
        _ => {
            let target = BulkTarget::Agent(agent.id.clone());
            plan_assign(state, target, &agent.name)
        }
    }
}

/// A queue picked (or named) for the marks.
pub(super) fn picked_queue(state: &mut State, queue_id: &str, queue_name: &str) -> Vec<Effect> {
    let target = BulkTarget::Queue(queue_id.to_string());
    plan_assign(state, target, &format!("queue {queue_name}"))
}

/// `E` with marks: end each.
pub(super) fn end(state: &mut State) -> Vec<Effect> {
    plan(state, BulkVerb::End, None, "")
}

/// `:remove NAME` (or an id) with marks.
pub(super) fn remove(state: &mut State, agent_id: String) -> Vec<Effect> {
    let name = state.agent_name(&agent_id);
    plan(state, BulkVerb::Remove, Some(agent_id), &name)
}

/// `:assign Mia, Raj, Sofia` with marks: the conversations spread over
/// `agents` (as the command line found them) by their free capacity on
/// each conversation's channel (the most room first, counting what this
/// bulk gives each; an agent without capacity figures is left out). A
/// conversation none of them has room for is skipped.
pub(super) fn spread(state: &mut State, mut agents: Vec<Agent>) -> Vec<Effect> {
    let mut seen = std::collections::BTreeSet::new();
    agents.retain(|a| seen.insert(a.id.clone()));
    let mut given: Vec<usize> = vec![0; agents.len()];
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for id in marked_in_order(state) {
        let Some(conv) = state.model.conversations.get(&id) else {
            skipped.push((id, "is no longer listed".into()));
            continue;
        };
        if let Some(why) = assign_skip(conv, &BulkTarget::Agent(String::new())) {
            skipped.push((id, why));
            continue;
        }
        let free = |i: usize| {
            let load = match conv.channel {
                Channel::Chat => agents[i].chat,
                Channel::Voice => agents[i].voice,
            };
            load.map_or(0, |l| {
                i64::from(l.total) - i64::from(l.used) - given[i] as i64
            })
        };
        let best = (0..agents.len()).max_by_key(|&i| (free(i), std::cmp::Reverse(i)));
        let Some(i) = best.filter(|&i| free(i) > 0) else {
            skipped.push((id, format!("(no room on {})", conv.channel.as_str())));
            continue;
        };
        given[i] += 1;
        items.push(Pending::Assign {
            conversation: id,
            session: conv.bot_session_id.clone().unwrap_or_default(),
            target: AssignTarget::Agent(agents[i].id.clone()),
            target_name: agents[i].name.clone(),
        });
    }
    let target = agents
        .iter()
        .zip(&given)
        .filter(|(_, n)| **n > 0)
        .map(|(a, n)| format!("{} ({n})", a.name))
        .collect::<Vec<_>>()
        .join(", ");
    confirm(state, BulkVerb::Assign, &target, items, skipped)
}

enum BulkTarget {
    Agent(String),
    Queue(String),
}

/// The marked conversations in the list's order (those the list does not
/// show now after them, by id). One walk of the list and of the marks: a
/// lookup of each mark's place in the list cost 3 s at 50,000 marked.
fn marked_in_order(state: &State) -> Vec<String> {
    let marks = &state.views.list.marks.ids;
    let mut marked: Vec<String> = state
        .visible_ids()
        .iter()
        .filter(|id| marks.contains(*id))
        .map(str::to_string)
        .collect();
    if marked.len() < marks.len() {
        let shown: std::collections::HashSet<&str> = marked.iter().map(String::as_str).collect();
        let unshown: Vec<String> = marks
            .iter()
            .filter(|id| !shown.contains(id.as_str()))
            .cloned()
            .collect();
        marked.extend(unshown);
    }
    marked
}

/// Why an assign cannot apply to `conv`, in the words a skip list uses.
fn assign_skip(conv: &Conversation, target: &BulkTarget) -> Option<String> {
    if matches!(conv.state(), ConvState::Ended) {
        return Some("ended".into());
    }
    if conv.bot_session_id.is_none() {
        return Some("has no bot session id".into());
    }
    if let BulkTarget::Queue(q) = target
        && conv.queue.as_ref().is_some_and(|(id, _)| id == q)
        && conv.is_waiting()
    {
        return Some("is waiting there already".into());
    }
    None
}

fn plan_assign(state: &mut State, target: BulkTarget, target_name: &str) -> Vec<Effect> {
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for id in marked_in_order(state) {
        let Some(conv) = state.model.conversations.get(&id) else {
            skipped.push((id, "is no longer listed".into()));
            continue;
        };
        if let Some(why) = assign_skip(conv, &target) {
            skipped.push((id, why));
            continue;
        }
        items.push(Pending::Assign {
            conversation: id,
            session: conv.bot_session_id.clone().unwrap_or_default(),
            target: match &target {
                BulkTarget::Agent(a) => AssignTarget::Agent(a.clone()),
                BulkTarget::Queue(q) => AssignTarget::Queue(q.clone()),
            },
            target_name: target_name.to_string(),
        });
    }
    confirm(state, BulkVerb::Assign, target_name, items, skipped)
}

/// An end or a removal planned on each marked conversation's projected
/// roster by the domain's rules; a refusal skips that conversation.
fn plan(state: &mut State, verb: BulkVerb, agent: Option<String>, target: &str) -> Vec<Effect> {
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for id in marked_in_order(state) {
        let Some(conv) = state.model.conversations.get(&id) else {
            skipped.push((id, "is no longer listed".into()));
            continue;
        };
        let op = match &agent {
            Some(a) => Op::Remove(a.clone()),
            None => Op::End,
        };
        let projected = conv.projected();
        match domain::plan(&projected, &op, &state.settings.plan) {
            Err(r) => skipped.push((id, format!("({})", short_reason(&r.message)))),
            Ok(events) => items.push(Pending::Events {
                conversation: id,
                action: op.describe_in(&projected),
                events,
                op: Some(op),
            }),
        }
    }
    confirm(state, verb, target, items, skipped)
}

/// A refusal's reason as a skip list gives it: its first clause, without
/// the "End conversation refused:" before it.
fn short_reason(message: &str) -> &str {
    let reason = message
        .split_once("refused: ")
        .map_or(message, |(_, rest)| rest);
    let end = reason.find(['.', ';']).unwrap_or(reason.len());
    let first = &reason[..end];
    first.split(", so").next().unwrap_or(first).trim()
}

/// The one confirmation (asked even when `[ui] confirm` is off: it moves
/// many conversations; only `y` sends), or the refusal when nothing is
/// left to do. Every plan comes here: read-only mode and a bulk already on
/// its way are refused here, for all of them.
fn confirm(
    state: &mut State,
    verb: BulkVerb,
    target: &str,
    items: Vec<Pending>,
    skipped: Vec<(String, String)>,
) -> Vec<Effect> {
    if read_only_refusal(state)
        || refuse_while_going(
            &mut state.views,
            &mut state.log,
            &state.requests,
            state.now_ms,
        )
    {
        return Vec::new();
    }
    if items.is_empty() {
        let skips = skipped_text(&skipped).unwrap_or_default();
        state.refuse(format!(
            "nothing to {} among the marked: {skips}",
            verb.word()
        ));
        return Vec::new();
    }
    let plan = BulkPlan {
        verb,
        target: target.to_string(),
        items,
        skipped,
    };
    state.views.mode = Mode::Confirm {
        prompt: plan.question(),
        pending: Pending::Bulk(Box::new(plan)),
        enter_sends: false,
    };
    Vec::new()
}

/// One bulk action at a time: a second waits until the first is done or
/// cancelled.
fn refuse_while_going(views: &mut Views, log: &mut Log, requests: &Requests, now: i64) -> bool {
    let Some(b) = &requests.bulk else {
        return false;
    };
    let line = b.line();
    views.refuse(
        log,
        now,
        format!(
            "a bulk {} is still going ({line}): Esc or :bulk cancel stops it",
            b.verb.word()
        ),
    );
    true
}

/// `y` on the confirmation: each conversation's requests made as a single
/// action's are (planned again on the roster as it is now), then sent
/// together as one `SendBulk`. The marks are cleared: they were used.
pub(super) fn send(state: &mut State, plan: BulkPlan) -> Vec<Effect> {
    let BulkPlan {
        verb,
        target,
        items,
        mut skipped,
    } = plan;
    let mut sends = Vec::new();
    let mut waiting: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let conversation = match &item {
            Pending::Assign { conversation, .. } | Pending::Events { conversation, .. } => {
                conversation.clone()
            }
            _ => continue,
        };
        state.requests.bulk_ids = true;
        let effects = send_pending(state, item);
        state.requests.bulk_ids = false;
        if effects.is_empty() {
            skipped.push((conversation, "changed before it went".into()));
            continue;
        }
        for e in &effects {
            if let Effect::SendEvent { req_id, .. } | Effect::Assign { req_id, .. } = e {
                waiting
                    .entry(conversation.clone())
                    .or_default()
                    .insert(req_id.clone());
            }
        }
        sends.extend(effects);
    }
    state.views.list.marks.clear();
    let total = waiting.len();
    let to = if target.is_empty() {
        String::new()
    } else {
        format!(" {target}")
    };
    let mut line = format!("bulk {}{to}: {} queued", verb.word(), conversations(total));
    if let Some(skips) = skipped_text(&skipped) {
        line.push_str(&format!(" ({skips})"));
    }
    state.log.push(state.now_ms, LogKind::Info, line.clone());
    if total == 0 {
        state.refuse(line);
        return Vec::new();
    }
    state.say(line);
    state.requests.bulk = Some(BulkProgress {
        verb,
        target,
        total,
        waiting,
        begun: Default::default(),
        failed: 0,
        pace_ms: 0,
    });
    vec![Effect::SendBulk { sends }]
}

/// What the runtime reports of a bulk's requests: one that left is no
/// longer queued; one that failed before it could leave, or is held behind
/// a failure, takes its conversation out of the batch (not sent). The
/// batch is over once nothing of it is queued.
pub(super) fn observe(state: &mut State, action: &Action) {
    let (req_id, conversation, left) = match action {
        Action::RequestSent {
            req_id,
            conversation,
            ..
        } => (req_id, conversation, true),
        Action::HookDone {
            req_id,
            conversation,
            attempts: 0,
            ..
        }
        | Action::AssignDone {
            req_id,
            conversation,
            attempts: 0,
            ..
        } => (req_id, conversation, false),
        Action::BulkPace { pace_ms } => {
            if let Some(b) = state.requests.bulk.as_mut() {
                b.pace_ms = *pace_ms;
            }
            return;
        }
        // Held behind a failed request: they wait for the supervisor's `r`
        // or `:drop`, no longer for the bulk's pace.
        Action::HookHeld {
            conversation,
            req_ids,
        } => {
            let ours = |r: &&String| {
                let waiting = state
                    .requests
                    .bulk
                    .as_ref()
                    .map(|b| b.waiting.get(conversation));
                waiting.flatten().is_some_and(|w| w.contains(*r))
            };
            match req_ids.iter().find(ours) {
                Some(held) => (held, conversation, false),
                None => return,
            }
        }
        _ => return,
    };
    let Some(b) = state.requests.bulk.as_mut() else {
        return;
    };
    let Some(reqs) = b.waiting.get_mut(conversation) else {
        return;
    };
    if !reqs.remove(req_id) {
        return;
    }
    if !left {
        // It never left: the rest of its conversation waits behind it.
        b.waiting.remove(conversation);
        b.begun.remove(conversation);
        b.failed += 1;
    } else if reqs.is_empty() {
        b.waiting.remove(conversation);
        b.begun.remove(conversation);
    } else {
        b.begun.insert(conversation.to_string());
    }
    if b.waiting.is_empty() {
        finish(&mut state.requests, &mut state.log, state.now_ms);
    }
}

/// Every request of the batch has left (or failed before it could).
fn finish(requests: &mut Requests, log: &mut Log, now: i64) {
    let Some(b) = requests.bulk.take() else {
        return;
    };
    let mut line = format!(
        "bulk {}: {} of {} left",
        b.verb.word(),
        b.left(),
        conversations(b.total)
    );
    if b.failed > 0 {
        line.push_str(&format!(", {} not sent (see their rows)", b.failed));
    }
    log.push(now, LogKind::Info, line);
}

/// `:bulk cancel` (`:bulk` alone says how it stands).
pub(super) fn command(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    match word.map(str::trim) {
        Some("cancel") => cancel(state),
        Some("") | None => {
            match &state.requests.bulk {
                Some(b) => {
                    let line = format!("bulk {}: {}", b.verb.word(), b.line());
                    state.say(line);
                }
                None => state.say("no bulk action is going"),
            }
            Vec::new()
        }
        Some(_) => {
            state.refuse("usage: :bulk cancel (stops what has not left)");
            Vec::new()
        }
    }
}

/// Stops what has not left: those requests are dropped (journaled as
/// dropped by the runner) and shown so; what already left keeps its
/// outcome.
pub(super) fn cancel(state: &mut State) -> Vec<Effect> {
    let Some(b) = state.requests.bulk.take() else {
        state.refuse("no bulk action is going");
        return Vec::new();
    };
    let mut effects = Vec::new();
    // One under way (its first request left) finishes: an end stopped
    // after the agent's exit would leave the conversation half ended.
    let dropped = b.waiting.len() - b.begun.len();
    for (conversation, reqs) in b.waiting.iter().filter(|(c, _)| !b.begun.contains(*c)) {
        if let Some(c) = state.model.conversations.change(conversation) {
            for t in c.timeline.iter_mut() {
                match t {
                    TimelineItem::Event {
                        req_id, delivery, ..
                    } if reqs.contains(req_id.as_str()) => *delivery = Delivery::Dropped,
                    TimelineItem::Assign {
                        req_id, state: st, ..
                    } if reqs.contains(req_id.as_str()) => {
                        *st = AssignState::Rejected {
                            message: crate::app::restore::DROPPED.into(),
                            reason: FailReason::Other,
                        };
                    }
                    _ => {}
                }
            }
        }
        for r in reqs {
            state.requests.forget_assign(r);
        }
        effects.push(Effect::DropRequests {
            conversation: conversation.clone(),
            req_ids: reqs.iter().cloned().collect(),
        });
        // Team mode: the claim waited for them; released when nothing else does.
        if state
            .model
            .status
            .team_view
            .forget_requests(conversation, reqs)
        {
            effects.push(Effect::ReleaseClaim {
                conversation: conversation.clone(),
            });
        }
    }
    let under_way = match b.begun.len() {
        0 => String::new(),
        n => format!(", {n} under way finish"),
    };
    let line = format!(
        "bulk {} cancelled: {} of {} had left and keep their outcome{under_way}; {dropped} dropped, never sent",
        b.verb.word(),
        b.left(),
        conversations(b.total),
    );
    state.log.push(state.now_ms, LogKind::Info, line.clone());
    state.say(line);
    effects
}
