//! Actions that send: picking an agent, planning on the projected roster,
//! the confirmation, and turning what was confirmed into effects.

use super::*;

// ---------------------------------------------------------------------------
// Actions that send
// ---------------------------------------------------------------------------

pub(super) fn selected_or_refuse(state: &mut State) -> Option<Conversation> {
    match state.selected_conversation() {
        Some(c) => Some(c.clone()),
        None => {
            state.refuse("no conversation selected");
            None
        }
    }
}

pub(super) fn read_only_refusal(state: &mut State) -> bool {
    if state.settings.read_only {
        state.refuse("read-only mode: nothing is sent");
        true
    } else {
        false
    }
}

/// An agent that is in no roster, to ask the rules whether an action could
/// go ahead for anyone before the picker opens.
pub(super) fn probe_agent() -> AgentRef {
    AgentRef::new("\u{1}probe", "the picked agent")
}

pub(super) fn start_pick(state: &mut State, purpose: Verb) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    if purpose == Verb::Assign && super::bulk::on_marks(state) {
        return super::bulk::open_picker(state, purpose);
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    match purpose {
        Verb::Assign => {
            if !can_assign(state, &conv) {
                return Vec::new();
            }
        }
        _ => {
            let op = match purpose {
                Verb::Enter => Op::Enter(probe_agent()),
                Verb::Cold => Op::Cold {
                    to: probe_agent(),
                    from: None,
                },
                _ => Op::Warm(probe_agent()),
            };
            if let Err(r) = domain::plan(&conv.projected(), &op, &state.settings.plan) {
                state.refuse(format!("{}: {}", conv.id, r.message));
                return Vec::new();
            }
        }
    }
    super::picker::open_picker(state, purpose, conv.id.clone())
}

/// Whether `conv` can be assigned at all; refuses with the reason if not.
pub(super) fn can_assign(state: &mut State, conv: &Conversation) -> bool {
    if conv.bot_session_id.is_none() {
        state.refuse(format!(
            "{} has no bot session id, so it cannot be assigned (open it with `n` and give one)",
            conv.id
        ));
        return false;
    }
    if matches!(conv.state(), ConvState::Ended) {
        state.refuse(format!("{} has ended; there is nothing to assign", conv.id));
        return false;
    }
    true
}

pub(super) fn picked(state: &mut State, purpose: Verb, conv_id: &str, agent: Agent) -> Vec<Effect> {
    if matches!(purpose, Verb::Assign | Verb::Remove) && super::bulk::on_marks(state) {
        return super::bulk::picked_agent(state, purpose, &agent);
    }
    let Some(conv) = state.model.conversations.get(conv_id).cloned() else {
        state.refuse(format!("{conv_id} is no longer listed"));
        return Vec::new();
    };
    match purpose {
        Verb::Assign => {
            let Some(session) = conv.bot_session_id.clone() else {
                state.refuse(format!("{conv_id} has no bot session id"));
                return Vec::new();
            };
            let pending = Pending::Assign {
                conversation: conv_id.to_string(),
                session: session.clone(),
                target: AssignTarget::Agent(agent.id.clone()),
                target_name: agent.name.clone(),
            };
            if agent.presence == Presence::Offline {
                let why = FailReason::AgentOffline { agent: None }.with_agent(&agent.name);
                state.views.mode = Mode::Confirm {
                    prompt: format!(
                        "{}. Assign {conv_id} (session {}) anyway? y/N",
                        why.label(),
                        short(&session)
                    ),
                    pending: Pending::Anyway(Box::new(pending)),
                    enter_sends: false,
                };
                return Vec::new();
            }
            let prompt = format!(
                "Assign {conv_id} (session {}) to {}?",
                short(&session),
                agent.name
            );
            confirm_full_or_run(state, full_note(&agent, conv.channel), prompt, pending)
        }
        Verb::Enter | Verb::Cold | Verb::Warm | Verb::Redial => {
            let to = agent.to_ref();
            let op = match purpose {
                Verb::Enter => Op::Enter(to),
                Verb::Cold => Op::Cold { to, from: None },
                Verb::Warm => Op::Warm(to),
                _ => Op::Redial(to),
            };
            plan_with(state, &conv, op, full_note(&agent, conv.channel))
        }
        Verb::Remove => plan_for(state, &conv, Op::Remove(agent.id)),
        Verb::End => plan_for(state, &conv, Op::End),
    }
}

/// A queue picked for an assign (in the picker with `q:`, or `:assign
/// queue NAME`): `transferredType: "QUEUE"` with its `queueId`.
pub(super) fn picked_queue(
    state: &mut State,
    conv_id: &str,
    queue_id: &str,
    queue_name: &str,
) -> Vec<Effect> {
    if super::bulk::on_marks(state) {
        return super::bulk::picked_queue(state, queue_id, queue_name);
    }
    let Some(conv) = state.model.conversations.get(conv_id).cloned() else {
        state.refuse(format!("{conv_id} is no longer listed"));
        return Vec::new();
    };
    if !can_assign(state, &conv) {
        return Vec::new();
    }
    let Some(session) = conv.bot_session_id.clone() else {
        return Vec::new();
    };
    if conv.queue.as_ref().is_some_and(|(q, _)| q == queue_id) && conv.is_waiting() {
        state.refuse(format!("{conv_id} is waiting in {queue_name} already"));
        return Vec::new();
    }
    let prompt = format!(
        "Assign {conv_id} (session {}) to queue {queue_name}?",
        short(&session),
    );
    confirm_or_run(
        state,
        prompt,
        Pending::Assign {
            conversation: conv_id.to_string(),
            session,
            target: AssignTarget::Queue(queue_id.to_string()),
            target_name: format!("queue {queue_name}"),
        },
    )
}

pub(super) fn short(s: &str) -> String {
    if s.chars().count() > 12 {
        format!(
            "…{}",
            s.chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        )
    } else {
        s.to_string()
    }
}

pub(super) fn plan_and_confirm(state: &mut State, op: Op) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    plan_for(state, &conv, op)
}

pub(super) fn start_remove(state: &mut State, agent: Option<String>) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    if super::bulk::on_marks(state) {
        return match agent {
            Some(id) => super::bulk::remove(state, id),
            None => super::bulk::open_picker(state, Verb::Remove),
        };
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    let agent_id = match agent {
        Some(a) => a,
        // The row the roster pane highlights: the merged roster.
        None => match conv
            .merged()
            .roster
            .members()
            .get(state.views.detail.roster_cursor)
        {
            Some(m) => m.agent.id.clone(),
            None => {
                state.refuse(format!(
                    "{}: nobody is in the conversation to remove",
                    conv.id
                ));
                return Vec::new();
            }
        },
    };
    plan_for(state, &conv, Op::Remove(agent_id))
}

/// Plans `op` on the conversation's projected roster; a refusal is shown and
/// nothing is sent.
pub(super) fn plan_for(state: &mut State, conv: &Conversation, op: Op) -> Vec<Effect> {
    plan_with(state, conv, op, None)
}

/// `plan_for` with a warning put before the question (which then always
/// asks, and only `y` sends).
fn plan_with(
    state: &mut State,
    conv: &Conversation,
    op: Op,
    warning: Option<String>,
) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let projected = conv.projected();
    match domain::plan(&projected, &op, &state.settings.plan) {
        Err(r) => {
            state.refuse(format!("{}: {}", conv.id, r.message));
            Vec::new()
        }
        Ok(events) => {
            let prompt = confirm_prompt(&conv.id, &op, &projected, &events);
            confirm_full_or_run(
                state,
                warning,
                prompt,
                Pending::Events {
                    conversation: conv.id.clone(),
                    action: op.describe_in(&projected),
                    events,
                    op: Some(op),
                },
            )
        }
    }
}

/// The confirmation line: exactly what will be sent.
pub(super) fn confirm_prompt(
    conv: &str,
    op: &Op,
    roster: &domain::Roster,
    events: &[Event],
) -> String {
    let list = events
        .iter()
        .map(|e| e.describe())
        .collect::<Vec<_>>()
        .join(", ");
    let name = |id: &str| {
        roster
            .member(id)
            .map(|m| m.agent.label().to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let head = match op {
        Op::Enter(a) => format!("Enter {conv}: {} joins", a.label()),
        Op::Cold { to, from } => {
            let from = from
                .clone()
                .or_else(|| roster.primary().map(|m| m.agent.id.clone()))
                .map(|f| name(&f))
                .unwrap_or_default();
            format!("Cold transfer {conv}: {from} → {}", to.label())
        }
        Op::Warm(a) => format!("Warm transfer {conv}: add {}", a.label()),
        Op::Remove(id) => format!("Remove {} from {conv}", name(id)),
        Op::End => format!("End {conv}"),
        Op::Redial(a) => format!("Redial {conv}: {} re-enters", a.label()),
    };
    format!("{head} [{list}]?")
}

pub(super) fn confirm_or_run(state: &mut State, prompt: String, pending: Pending) -> Vec<Effect> {
    confirm_full_or_run(state, None, prompt, pending)
}

/// Asks `question` (its `Y/n` or `y/N` added here) before `pending` goes,
/// or sends at once when `[ui] confirm` is off. `full` (the agent is at
/// capacity on the conversation's channel) always asks, and only `y` sends.
pub(super) fn confirm_full_or_run(
    state: &mut State,
    full: Option<String>,
    question: String,
    pending: Pending,
) -> Vec<Effect> {
    if !state.settings.confirm && full.is_none() {
        return execute(state, pending);
    }
    ask(state, full, question, pending);
    Vec::new()
}

/// Opens the confirmation of `pending`; a `warning` goes first and makes
/// Enter answer no.
pub(super) fn ask(state: &mut State, warning: Option<String>, question: String, pending: Pending) {
    let enter_sends = pending.enter_confirms() && warning.is_none();
    let answers = if enter_sends { "Y/n" } else { "y/N" };
    let prompt = match warning {
        Some(w) => format!("{w} {question} {answers}"),
        None => format!("{question} {answers}"),
    };
    state.views.mode = Mode::Confirm {
        prompt,
        pending,
        enter_sends,
    };
}

/// `Raj Patel is at capacity on chat (3/3):`, when they are.
pub(super) fn full_note(agent: &Agent, channel: Channel) -> Option<String> {
    if agent.has_room(channel) {
        return None;
    }
    let load = match channel {
        Channel::Chat => agent.chat,
        Channel::Voice => agent.voice,
    }
    .unwrap_or_default();
    Some(format!(
        "{} is at capacity on {} ({}/{}):",
        agent.name,
        channel.as_str(),
        load.used,
        load.total
    ))
}

/// A confirmed pending action: in team mode a claimed kind of send asks
/// Redis first (`super::team`), else it goes now.
pub(super) fn execute(state: &mut State, pending: Pending) -> Vec<Effect> {
    if let Some(effects) = super::team::claim_first(state, &pending) {
        return effects;
    }
    send_pending(state, pending)
}

/// A confirmed pending action, carried out now.
pub(super) fn send_pending(state: &mut State, pending: Pending) -> Vec<Effect> {
    match pending {
        Pending::Events {
            conversation,
            action,
            events,
            op,
        } => send_events(state, conversation, action, events, op),
        Pending::Assign {
            conversation,
            session,
            target,
            target_name,
        } => send_assign(state, conversation, session, target, target_name),
        Pending::Retry { conversation } => settle_failed(state, conversation, false),
        Pending::Drop { conversation } => settle_failed(state, conversation, true),
        Pending::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Pending::Anyway(pending) => send_pending(state, *pending),
        Pending::Forced(pending) => super::team::force(state, *pending),
        Pending::Bulk(plan) => super::bulk::send(state, *plan),
    }
}

/// Confirmed hooks events: planned again on the projected roster (something
/// may have changed while the prompt was up), queued on the timeline, one
/// `SendEvent` each.
fn send_events(
    state: &mut State,
    conversation: String,
    action: String,
    events: Vec<Event>,
    op: Option<Op>,
) -> Vec<Effect> {
    let now = state.now_ms;
    let Some(conv) = state.model.conversations.get(&conversation).cloned() else {
        state.refuse(format!("{conversation} is no longer listed"));
        return Vec::new();
    };
    let mut projected = conv.projected();
    if let Err((_, r)) = projected.apply_all(&events, now) {
        state.refuse(format!("{conversation}: {}", r.message));
        return Vec::new();
    }
    let ctx = conv.context(&state.settings.defaults);
    let mut effects = Vec::new();
    let mut items = Vec::new();
    for event in events {
        let req_id = state.requests.next_req_id();
        items.push(TimelineItem::Event {
            req_id: req_id.clone(),
            at_ms: now,
            text: event.describe(),
            event: event.clone(),
            delivery: Delivery::Queued,
        });
        effects.push(Effect::SendEvent {
            req_id,
            conversation: conversation.clone(),
            event,
            ctx: ctx.clone(),
            action: action.clone(),
        });
    }
    if let Some(c) = state.model.conversations.change(&conversation) {
        c.last_plan = op.map(|op| {
            Box::new(crate::app::state::SentPlan {
                op,
                req_ids: items
                    .iter()
                    .filter_map(|t| t.req_id().map(str::to_string))
                    .collect(),
            })
        });
        c.timeline.extend(items);
    }
    state.say(format!("{action}: {} event(s) queued", effects.len()));
    effects
}

/// A confirmed assign: queued on the timeline and awaited by its callback
/// (its timer starts when it is sent).
fn send_assign(
    state: &mut State,
    conversation: String,
    session: String,
    target: AssignTarget,
    target_name: String,
) -> Vec<Effect> {
    let req_id = state.requests.next_req_id();
    let now = state.now_ms;
    if let Some(c) = state.model.conversations.change(&conversation) {
        c.timeline.push(TimelineItem::Assign {
            req_id: req_id.clone(),
            at_ms: now,
            text: format!("assign → {target_name}"),
            state: AssignState::Queued,
        });
    }
    state
        .requests
        .awaiting_callback
        .insert(req_id.clone(), conversation.clone());
    state.say(format!("assign {conversation} → {target_name}: sent"));
    vec![Effect::Assign {
        req_id,
        conversation: conversation.clone(),
        session,
        target,
        target_name: target_name.clone(),
        summary: format!("assign {conversation} → {target_name}"),
    }]
}

/// `r` (resend) or `:drop` on a conversation's first failed or unknown
/// request; either settles what the journal held, too.
fn settle_failed(state: &mut State, conversation: String, drop: bool) -> Vec<Effect> {
    let mut found = false;
    if let Some(c) = state.model.conversations.change(&conversation) {
        for t in c.timeline.iter_mut() {
            if let TimelineItem::Event { delivery, .. } = t
                && matches!(delivery, Delivery::Failed { .. } | Delivery::Unknown)
            {
                *delivery = if drop {
                    Delivery::Dropped
                } else {
                    Delivery::Queued
                };
                found = true;
                break;
            }
        }
        if found {
            c.journal_hold = None;
        }
    }
    if !found {
        state.refuse(format!("{conversation} has no failed request"));
        return Vec::new();
    }
    if drop {
        state.say(format!("{conversation}: failed request dropped"));
        vec![Effect::DropFailed { conversation }]
    } else {
        state.say(format!("{conversation}: resending"));
        vec![Effect::Resend { conversation }]
    }
}

pub(super) fn start_retry(state: &mut State, drop: bool) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    let Some((_, delivery)) = conv.failed() else {
        state.refuse(format!("{} has no failed request to retry", conv.id));
        return Vec::new();
    };
    let what = conv
        .timeline
        .iter()
        .find_map(|t| match t {
            TimelineItem::Event {
                text, delivery: d, ..
            } if d == delivery => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let (prompt, pending) = if drop {
        (
            format!("Drop {what} for {} (it is not sent)? y/N", conv.id),
            Pending::Drop {
                conversation: conv.id.clone(),
            },
        )
    } else {
        (
            format!("Resend {what} for {}? y/N", conv.id),
            Pending::Retry {
                conversation: conv.id.clone(),
            },
        )
    };
    // A resend is always confirmed: its first attempt may have arrived.
    state.views.mode = Mode::Confirm {
        prompt,
        pending,
        enter_sends: false,
    };
    Vec::new()
}

pub(super) fn ask_quit(state: &mut State) -> Vec<Effect> {
    let open = state.open_requests();
    // Read-only queued nothing: what it shows belongs to another console.
    if open == 0 || state.settings.read_only {
        state.quit = true;
        return vec![Effect::Quit];
    }
    state.views.mode = Mode::Confirm {
        prompt: format!(
            "{open} request(s) still queued or awaiting a callback. Quit? Queued ones stay in the journal. y/N"
        ),
        pending: Pending::Quit,
        enter_sends: false,
    };
    Vec::new()
}
