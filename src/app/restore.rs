//! Restore after a restart: the conversations the journal rebuilt become
//! State, and what is still to send comes back as effects (requeue, or hold
//! until the supervisor decides). Pure: the runtime reads the journal and
//! runs the effects.

use std::collections::BTreeMap;

use crate::app::Effect;
use crate::app::state::{
    AssignState, Channel, Conversation, Delivery, LogKind, State, TimelineItem,
};
use crate::app::update::NOT_UNDERSTOOD;
use crate::domain::{Event, Roster};
use crate::kore::wire::{AssignTarget, EventContext, FailReason};

/// The outcome message the journal keeps for a request the supervisor dropped.
pub const DROPPED: &str = "dropped by the supervisor";

/// What becomes of requests an earlier run planned and never sent (a
/// console quit, a batch killed while they waited for the rate limit):
/// the one rule that `send`'s refusal states and the console follows.
pub const QUEUED_GO_ON_START: &str = "the console sends them by itself when it next starts, \
    in order (they never left, so none goes twice; :drop there drops one)";

/// Where a journaled request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestFate {
    /// Planned, never sent: safe to send.
    Queued,
    /// Sent, with no recorded outcome (a crash or kill mid-flight): unknown.
    Unknown,
    Delivered {
        status: Option<u16>,
    },
    Failed {
        status: Option<u16>,
        message: String,
    },
}

/// What became of a journaled assign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignFate {
    /// Planned, never sent: safe to send.
    Queued,
    /// Sent, with no recorded answer: it may or may not have reached Kore.
    Unknown,
    /// Kore took the request; no callback recorded.
    Accepted,
    /// The request itself was refused.
    Rejected(String),
    Transferred,
    Failed(String),
}

/// One journaled assign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournaledAssign {
    pub id: String,
    pub at_ms: i64,
    pub text: String,
    pub session: String,
    /// `agent:a-…` or `queue:qu-…`.
    pub target: String,
    pub fate: AssignFate,
}

/// One journaled hooks request.
#[derive(Debug, Clone, PartialEq)]
pub struct JournaledRequest {
    pub id: String,
    pub at_ms: i64,
    pub event: Event,
    pub action: String,
    pub fate: RequestFate,
}

/// The state of one conversation rebuilt from the journal.
#[derive(Debug, Clone, Default)]
pub struct ConversationState {
    /// The roster after every delivered event.
    pub roster: Roster,
    /// Every request, in the order planned.
    pub requests: Vec<JournaledRequest>,
    /// Assign requests the console sent for it.
    pub assigns: Vec<JournaledAssign>,
    /// The time of its latest record.
    pub last_ms: i64,
    /// Requests sent with no recorded outcome: their fate is unknown.
    pub unknown: Vec<String>,
    /// Requests planned and never sent (a console quit with them queued).
    pub queued: Vec<String>,
    pub experience: Option<String>,
    pub language: Option<String>,
}

/// Conversations whose history the journal cannot prove, with why.
pub struct Holds<'a> {
    pub each: &'a BTreeMap<String, String>,
    /// A damaged line no conversation can be told for: every conversation
    /// with work still to send is held for it.
    pub all: Option<&'a str>,
}

impl Holds<'_> {
    fn reason(&self, conversation: &str) -> Option<&str> {
        self.each.get(conversation).map(String::as_str).or(self.all)
    }
}

/// Rebuilds conversations into `state` and, when `send` is true, returns
/// the effects that put unfinished requests back in their queues
/// ([`Effect::Requeue`]; read-only shows them held and returns none).
/// Returns how many conversations were restored.
pub fn restore(
    state: &mut State,
    rebuilt: BTreeMap<String, ConversationState>,
    holds: &Holds,
    send: bool,
) -> (usize, Vec<Effect>) {
    let mut count = 0;
    let mut effects = Vec::new();
    for (id, st) in rebuilt {
        let (conv, puts) = restore_conversation(state, &id, &st, holds, send);
        effects.extend(puts);
        state.model.conversations.insert(id, conv);
        count += 1;
    }
    if state.views.list.selected.is_none() {
        state.views.list.selected = state.visible_conversations().first().map(|c| c.id.clone());
    }
    let going = effects
        .iter()
        .filter(|e| matches!(e, Effect::Requeue { blocked: false, .. }))
        .count();
    if going > 0 {
        state.log.push(
            state.now_ms,
            LogKind::Info,
            format!(
                "{going} request(s) an earlier run queued and never sent go out now, in order \
                 (:drop drops one)"
            ),
        );
    }
    resume_bulk(state, &effects);
    (count, effects)
}

/// The unsent requests of a bulk action an earlier run had on its way
/// (their ids say so): its progress line comes back for that remainder,
/// and `Esc` / `:bulk cancel` can stop it. Those held behind an unknown
/// or failed request wait for the supervisor and are not counted.
fn resume_bulk(state: &mut State, effects: &[Effect]) {
    use crate::app::bulk::{BulkProgress, BulkVerb, conversations, is_bulk_request};
    let mut waiting: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut verb = None;
    for e in effects {
        let Effect::Requeue {
            send,
            blocked: false,
        } = e
        else {
            continue;
        };
        let (req_id, conversation, this) = match send.as_ref() {
            Effect::Assign {
                req_id,
                conversation,
                ..
            } => (req_id, conversation, BulkVerb::Assign),
            Effect::SendEvent {
                req_id,
                conversation,
                action,
                ..
            } => {
                let end = action.starts_with("end");
                let this = if end { BulkVerb::End } else { BulkVerb::Remove };
                (req_id, conversation, this)
            }
            _ => continue,
        };
        if is_bulk_request(req_id) {
            verb.get_or_insert(this);
            waiting
                .entry(conversation.clone())
                .or_default()
                .insert(req_id.clone());
        }
    }
    let Some(verb) = verb else {
        return;
    };
    // Those of whose requests one left already (an end's exit) are under
    // way: a cancel lets them finish.
    let begun = waiting
        .iter()
        .filter(|(conversation, unsent)| {
            state
                .model
                .conversations
                .get(conversation.as_str())
                .is_some_and(|c| {
                    c.timeline.iter().any(|t| match t {
                        TimelineItem::Event { req_id, .. }
                        | TimelineItem::Assign { req_id, .. } => {
                            is_bulk_request(req_id) && !unsent.contains(req_id)
                        }
                        _ => false,
                    })
                })
        })
        .map(|(conversation, _)| conversation.clone())
        .collect();
    state.log.push(
        state.now_ms,
        LogKind::Info,
        format!(
            "bulk {}: {} an earlier run had not sent resume now",
            verb.word(),
            conversations(waiting.len())
        ),
    );
    state.requests.bulk = Some(BulkProgress {
        verb,
        target: String::new(),
        total: waiting.len(),
        waiting,
        begun,
        failed: 0,
        pace_ms: 0,
    });
}

/// How a restored request goes back into its conversation's queue.
fn put(send: Effect, blocked: bool) -> Effect {
    Effect::Requeue {
        send: Box::new(send),
        blocked,
    }
}

fn restore_conversation(
    state: &mut State,
    id: &str,
    st: &ConversationState,
    holds: &Holds,
    send: bool,
) -> (Conversation, Vec<Effect>) {
    let channel = st
        .experience
        .as_deref()
        .and_then(Channel::parse)
        .unwrap_or(Channel::Chat);
    let language = st
        .language
        .clone()
        .unwrap_or_else(|| state.settings.defaults.language.clone());
    let mut conv = Conversation::new(id, channel, &language);
    conv.roster = st.roster.clone();
    conv.started_ms = st
        .requests
        .first()
        .map(|r| r.at_ms)
        .into_iter()
        .chain(st.assigns.first().map(|a| a.at_ms))
        .min();
    if let Some(a) = st.assigns.first() {
        conv.bot_session_id = Some(a.session.clone());
    }
    // A history the journal cannot prove holds the conversation: its first
    // unsent request waits for `r` or `:drop`, the rest behind it.
    let hold = holds.reason(id).map(str::to_string);
    let has_open = st.requests.iter().any(|r| {
        matches!(
            r.fate,
            RequestFate::Queued | RequestFate::Unknown | RequestFate::Failed { .. }
        )
    }) || st
        .assigns
        .iter()
        .any(|a| matches!(a.fate, AssignFate::Queued));
    if holds.each.contains_key(id) || (hold.is_some() && has_open) {
        conv.journal_hold = hold.clone();
        state.log.push(
            state.now_ms,
            LogKind::Error,
            format!(
                "{id} is held: {}; nothing of it is sent until you resend (r) or drop (:drop)",
                hold.as_deref().unwrap_or_default()
            ),
        );
    }
    let held = conv.journal_hold.is_some();
    let ctx = conv.context(&state.settings.defaults);
    let puts = restore_requests(&mut conv, st, &ctx, held, send);
    let assign_puts = restore_assigns(state, &mut conv, st, held, send);
    conv.timeline.sort_by_key(|t| match t {
        TimelineItem::Event { at_ms, .. }
        | TimelineItem::Assign { at_ms, .. }
        | TimelineItem::Note { at_ms, .. } => *at_ms,
    });
    (conv, merge_in_order(puts, assign_puts))
}

/// The hooks requests: each one's timeline entry, and what goes back into
/// the queue (with the time it was planned, for merging with assigns).
fn restore_requests(
    conv: &mut Conversation,
    st: &ConversationState,
    ctx: &EventContext,
    held: bool,
    send: bool,
) -> Vec<(i64, Effect)> {
    let id = conv.id.clone();
    // A failed request still holds its conversation unless something later
    // of it went out since (say, `switchboard send` after a 4xx): resending
    // it now would break the order.
    let last_sent = st
        .requests
        .iter()
        .rposition(|r| matches!(r.fate, RequestFate::Delivered { .. } | RequestFate::Unknown));
    let mut puts = Vec::new();
    // The first failed or unknown request blocks everything after it.
    let mut blocked = false;
    for (i, req) in st.requests.iter().enumerate() {
        let job = || Effect::SendEvent {
            req_id: req.id.clone(),
            conversation: id.clone(),
            event: req.event.clone(),
            ctx: ctx.clone(),
            action: req.action.clone(),
        };
        let superseded = last_sent.is_some_and(|l| l > i);
        let (delivery, requeue) = shown_fate(&req.fate, superseded, &mut blocked, held, send);
        if send && let Some(blocked) = requeue {
            puts.push((req.at_ms, put(job(), blocked)));
        }
        conv.timeline.push(TimelineItem::Event {
            req_id: req.id.clone(),
            at_ms: req.at_ms,
            text: req.event.describe(),
            event: req.event.clone(),
            delivery,
        });
    }
    puts
}

/// How a restored request shows, and whether it goes back into the queue
/// (`Some(true)`: holding it). `blocked` says a failed or unknown request
/// came before it; this one may set it.
fn shown_fate(
    fate: &RequestFate,
    superseded: bool,
    blocked: &mut bool,
    held: bool,
    send: bool,
) -> (Delivery, Option<bool>) {
    match fate {
        RequestFate::Delivered { status } => (
            Delivery::Delivered {
                status: status.unwrap_or(200),
                latency_ms: 0,
                attempt: 1,
                maybe_arrived: Vec::new(),
            },
            None,
        ),
        RequestFate::Failed { message, .. } if message == DROPPED => (Delivery::Dropped, None),
        RequestFate::Failed { status, message } if superseded => (
            Delivery::Superseded {
                status: *status,
                message: message.clone(),
                reason: FailReason::from_status(*status, message),
            },
            None,
        ),
        RequestFate::Failed { status, message } => {
            *blocked = true;
            let failed = Delivery::Failed {
                status: *status,
                message: message.clone(),
                reason: FailReason::from_status(*status, message),
            };
            (failed, Some(true))
        }
        // Unknown, first or behind another: it waits for the
        // supervisor's `r` of its own, never sent on its own.
        RequestFate::Unknown => {
            *blocked = true;
            (Delivery::Unknown, Some(true))
        }
        // Its history cannot be proved, so neither can its fate.
        RequestFate::Queued if !*blocked && held => {
            *blocked = true;
            (Delivery::Unknown, Some(true))
        }
        RequestFate::Queued if !*blocked && send => (Delivery::Queued, Some(false)),
        // Behind a blocked request, or read-only: held until it is
        // resent or dropped.
        RequestFate::Queued => (Delivery::Held, Some(false)),
    }
}

/// The assign requests: each one's timeline entry, and the ones never sent
/// back into the queue (their callback timers start when they are sent).
fn restore_assigns(
    state: &mut State,
    conv: &mut Conversation,
    st: &ConversationState,
    held: bool,
    send: bool,
) -> Vec<(i64, Effect)> {
    let id = conv.id.clone();
    let mut puts = Vec::new();
    for a in &st.assigns {
        let shown = match &a.fate {
            AssignFate::Transferred => AssignState::Transferred,
            AssignFate::Failed(reason) => match reason.strip_prefix(NOT_UNDERSTOOD) {
                Some(why) => AssignState::Unclear {
                    reason: why.trim_start_matches(':').trim().to_string(),
                },
                None => AssignState::CallbackFailed {
                    reason: reason.clone(),
                    why: FailReason::from_message(reason),
                },
            },
            AssignFate::Rejected(message) => AssignState::Rejected {
                message: message.clone(),
                reason: FailReason::from_status(None, message),
            },
            // Its callback URL held the previous run's secret path.
            AssignFate::Accepted => AssignState::CallbackLost,
            AssignFate::Unknown => AssignState::Unknown,
            AssignFate::Queued if send => {
                // `queue:…` names a queue; `agent:…` (or a bare id, as older
                // journals wrote it) an agent.
                let (target, bare) = match a.target.strip_prefix("queue:") {
                    Some(q) => (AssignTarget::Queue(q.to_string()), q),
                    None => {
                        let agent = a.target.strip_prefix("agent:").unwrap_or(&a.target);
                        (AssignTarget::Agent(agent.to_string()), agent)
                    }
                };
                let name = a.text.strip_prefix("assign → ").unwrap_or(bare).to_string();
                let assign = Effect::Assign {
                    req_id: a.id.clone(),
                    conversation: id.clone(),
                    session: a.session.clone(),
                    target,
                    summary: format!("assign {id} → {name}"),
                    target_name: name,
                };
                // A held conversation's assign waits for the supervisor with
                // the rest of it.
                puts.push((a.at_ms, put(assign, held)));
                state
                    .requests
                    .awaiting_callback
                    .insert(a.id.clone(), id.clone());
                AssignState::Queued
            }
            AssignFate::Queued => AssignState::Queued,
        };
        conv.timeline.push(TimelineItem::Assign {
            req_id: a.id.clone(),
            at_ms: a.at_ms,
            text: a.text.clone(),
            state: shown,
        });
    }
    puts
}

/// Merges two lists that are each in journal order by their times, without
/// reordering either (a clock that stepped back cannot swap two events).
fn merge_in_order<T>(a: Vec<(i64, T)>, b: Vec<(i64, T)>) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some((ta, _)), Some((tb, _))) => ta <= tb,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        let next = if take_a { a.next() } else { b.next() };
        out.extend(next.map(|(_, x)| x));
    }
}

#[cfg(test)]
mod tests {
    use super::merge_in_order;

    #[test]
    fn merging_keeps_each_list_in_its_own_order() {
        let hooks = vec![(10, "h1"), (30, "h2"), (20, "h3")];
        let assigns = vec![(15, "a1"), (40, "a2")];
        assert_eq!(
            merge_in_order(hooks, assigns),
            ["h1", "a1", "h2", "h3", "a2"],
            "h3 stays after h2 though its clock says earlier"
        );
    }
}
