//! Results from the runtime: hooks outcomes, assign answers and callbacks,
//! and the merging of polled conversations and agents.

use super::*;
use crate::app::picture::{Directory, Participant, picture};
use std::collections::{HashMap, HashSet};

mod agents;
mod callbacks;
mod plan;
mod queues;
mod status;
pub(super) use agents::merge_agents;
pub use callbacks::NOT_UNDERSTOOD;
pub(super) use callbacks::on_callback;
pub use plan::plan_line;
pub(super) use queues::{merge_queue_size, merge_queues};
use status::log_trouble;

/// A report from the runtime: a poll's answer, a request's progress or
/// outcome, a callback, the limiter's and the listener's figures, a line.
pub(super) fn on_report(state: &mut State, report: Action) -> Vec<Effect> {
    if let Some(ok) = figures_answer(&report) {
        state.model.freshness.answered(state.now_ms, ok);
        state.model.freshness.latest_unreadable = unreadable_answer(&report);
    }
    match report {
        Action::ConversationsPage(page) => conversations_page(state, *page),
        Action::PollRound { plan, error } => poll_round(&mut state.model, &mut state.log, state.now_ms, plan, error),
        Action::AgentsListed {
            agents,
            availability,
        } => merge_agents(state, agents, availability),
        Action::QueuesListed { result } => merge_queues(state, result),
        Action::QueueSized { queue_id, result } => merge_queue_size(state, &queue_id, result),
        Action::RequestSent {
            req_id,
            conversation,
            line,
        } => return request_sent(state, req_id, conversation, line),
        Action::HookRetrying {
            req_id,
            conversation,
            attempt,
            error,
        } => hook_retrying(state, &req_id, &conversation, attempt, error),
        Action::HookDone {
            req_id,
            conversation,
            outcome,
            attempts,
            maybe_arrived,
        } => {
            return hook_done(
                state,
                &req_id,
                &conversation,
                outcome,
                attempts,
                maybe_arrived,
            );
        }
        Action::HookHeld {
            conversation,
            req_ids,
        } => {
            for id in &req_ids {
                set_delivery(&mut state.model, &conversation, id, Delivery::Held);
            }
        }
        Action::AssignDone {
            req_id,
            conversation,
            outcome,
            uncertain,
            ..
        } => assign_done(state, &req_id, &conversation, outcome, uncertain),
        Action::Callback(cb) => return on_callback(state, cb),
        Action::CallbackTimedOut { req_id } => return callback_timed_out(state, req_id),
        Action::RateUsage {
            used,
            limit,
            blocked_ms,
        } => rate_usage(&mut state.model.status, state.now_ms, used, limit, blocked_ms),
        Action::ListenerRefused { total, last_ms } => {
            return listener_refused(&mut state.model.status, &mut state.log, state.now_ms, total, last_ms);
        }
        Action::Log { kind, text } => state.log.push_runtime(state.now_ms, kind, text),
        Action::Note { error, text } => note(&mut state.views, &mut state.log, state.now_ms, error, text),
        Action::DetailsLoaded {
            conv_id,
            result,
            why,
        } => {
            let ok = result.is_ok();
            details_loaded(state, &conv_id, result, why);
            if ok {
                return super::heal::details_picture(state, &conv_id);
            }
            super::heal::heal_failed(&mut state.model, state.now_ms, &conv_id);
        }
        Action::LogTrouble { dropped, why } => {
            log_trouble(&mut state.model.status, &mut state.log, state.now_ms, dropped, why)
        }
        Action::Team(bar) => state.model.status.team = Some(bar),
        Action::Key(_) // input and the team's reports: `update` handles them itself
        | Action::Paste(_)
        | Action::Resize(..)
        | Action::Layout(_)
        | Action::Tick(_)
        | Action::Clock(_)
        | Action::Suspend
        | Action::Terminate
        | Action::BulkPace { .. }
        | Action::TeamReport(_) => {}
    }
    Vec::new()
}

/// Whether a report is an answer the queue figures come from (the
/// conversation list, list-queues, queue-size), and if so whether it came
/// back well.
fn figures_answer(report: &Action) -> Option<bool> {
    match report {
        Action::ConversationsPage(_) => Some(true),
        Action::PollRound { error: Some(_), .. } => Some(false),
        Action::QueuesListed { result } => Some(result.is_ok()),
        Action::QueueSized { result, .. } => Some(result.is_ok()),
        _ => None,
    }
}

/// A figures answer that failed because Kore's body could not be read
/// (`CallError::Decode`): Kore answered, with figures that make no sense.
fn unreadable_answer(report: &Action) -> bool {
    let error = match report {
        Action::PollRound { error, .. } => error.as_deref(),
        Action::QueuesListed { result } => result.as_ref().err().map(String::as_str),
        Action::QueueSized { result, .. } => result.as_ref().err().map(String::as_str),
        _ => None,
    };
    error.is_some_and(|e| e.contains("with an unreadable body"))
}

/// The rate limiter's use, and how long Kore asked to wait.
fn rate_usage(status: &mut Status, now_ms: i64, used: u32, limit: u32, blocked_ms: Option<u64>) {
    status.rate_used = used;
    status.rate_limit = limit;
    status.kore_wait_until_ms = blocked_ms.map(|ms| now_ms.saturating_add(ms as i64));
}

/// A line from the runtime that also shows on the message line.
fn note(views: &mut Views, log: &mut Log, now_ms: i64, error: bool, text: String) {
    let kind = if error { LogKind::Error } else { LogKind::Info };
    log.push(now_ms, kind, text.clone());
    views.flash = Some((text, error));
}

/// A hooks try failed and will be tried again.
fn hook_retrying(state: &mut State, req_id: &str, conversation: &str, attempt: u32, error: String) {
    let retrying = Delivery::Retrying {
        attempt,
        error: error.clone(),
    };
    set_delivery(&mut state.model, conversation, req_id, retrying);
    let now = state.now_ms;
    state.log.push(
        now,
        LogKind::Error,
        format!("{error}; retrying ({attempt}) {conversation}"),
    );
    state.model.status.health = Health::Degraded(error);
}

// ---------------------------------------------------------------------------
// Results from the runtime
// ---------------------------------------------------------------------------

pub(super) fn timeline_event_mut<'a>(
    model: &'a mut Model,
    conv: &str,
    req_id: &str,
) -> Option<&'a mut TimelineItem> {
    model
        .conversations
        .get_mut(conv)?
        .timeline
        .iter_mut()
        .find(|t| t.req_id() == Some(req_id))
}

pub(super) fn set_delivery(model: &mut Model, conv: &str, req_id: &str, d: Delivery) {
    if let Some(TimelineItem::Event { delivery, .. }) = timeline_event_mut(model, conv, req_id) {
        *delivery = d;
    }
}

pub(super) fn set_assign(model: &mut Model, conv: &str, req_id: &str, s: AssignState) {
    if let Some(TimelineItem::Assign { state: st, .. }) = timeline_event_mut(model, conv, req_id) {
        *st = s;
    }
}

pub(super) fn hook_done(
    state: &mut State,
    req_id: &str,
    conv_id: &str,
    outcome: Result<ReplyInfo, crate::kore::wire::CallError>,
    attempts: u32,
    maybe_arrived: Vec<u32>,
) -> Vec<Effect> {
    let now = state.now_ms;
    match outcome {
        Ok(reply) => hook_delivered(state, req_id, conv_id, reply, attempts, maybe_arrived),
        Err(e) if !maybe_arrived.is_empty() => {
            // Some try may have been applied: neither delivered nor failed.
            set_delivery(&mut state.model, conv_id, req_id, Delivery::Unknown);
            state.model.status.health = Health::Degraded(e.to_string());
            let tries = may_also_have_arrived(&maybe_arrived).unwrap_or_default();
            let text = format!(
                "{e}  ({conv_id}; unknown: {tries}; later events of it are held; r resends, :drop drops)"
            );
            state.log.push(now, LogKind::Error, text);
            state.views.flash = Some((
                format!("{conv_id}: {e}; it may have arrived (unknown)"),
                true,
            ));
        }
        Err(e) => {
            let failed = Delivery::Failed {
                status: e.status(),
                message: e.to_string(),
                reason: FailReason::from_call_error(&e),
            };
            set_delivery(&mut state.model, conv_id, req_id, failed);
            state.model.status.health = match e.status() {
                None => Health::Degraded(e.to_string()),
                Some(_) => Health::Online,
            };
            let text = format!("{e}  ({conv_id}; later events of it are held; r resends)");
            state.log.push(now, LogKind::Error, text);
            state.views.flash = Some((format!("{conv_id}: {e}"), true));
            return super::heal::heal_if_stale(state, conv_id, req_id, &e);
        }
    }
    Vec::new()
}

/// A hooks request delivered: its timeline entry, the roster, the log.
fn hook_delivered(
    state: &mut State,
    req_id: &str,
    conv_id: &str,
    reply: ReplyInfo,
    attempts: u32,
    maybe_arrived: Vec<u32>,
) {
    let now = state.now_ms;
    let also = may_also_have_arrived(&maybe_arrived);
    state.model.status.health = Health::Online;
    let mut applied = None;
    let mut what = String::new();
    if let Some(TimelineItem::Event {
        delivery,
        event,
        text,
        ..
    }) = timeline_event_mut(&mut state.model, conv_id, req_id)
    {
        *delivery = Delivery::Delivered {
            status: reply.status,
            latency_ms: reply.latency_ms,
            attempt: attempts,
            maybe_arrived,
        };
        applied = Some(event.clone());
        what = format!(" {text}");
    }
    if let (Some(event), Some(c)) = (applied, state.model.conversations.change(conv_id))
        && let Err(e) = apply_delivered(c, &event, now)
    {
        state.log.push(
            now,
            LogKind::Error,
            format!("{conv_id}: roster out of step: {e}"),
        );
    }
    let tries = match &also {
        Some(also) => format!(" ({DELIVERED_MAYBE_TWICE}) on try {attempts}; {also}"),
        None if attempts > 1 => format!(" after {attempts} tries"),
        None => String::new(),
    };
    state.log.push(
        now,
        LogKind::In,
        format!(
            "{} {} ms{tries}  {conv_id}{what}  {}",
            status_text(reply.status),
            reply.latency_ms,
            reply.body
        ),
    );
}

/// A delivered event into the conversation's own roster; an agent it
/// removed is noted with the time, for the merge with Kore's picture. An
/// event planned on Kore's picture (an agent another client entered) may
/// not fit the console's own roster: then the merged roster, Kore's picture
/// folded in, becomes the console's before the event is applied.
fn apply_delivered(
    c: &mut Conversation,
    event: &crate::domain::Event,
    now: i64,
) -> Result<(), crate::domain::Refusal> {
    let mut next = if c.roster.check(event).is_ok() {
        c.roster.clone()
    } else {
        c.merged().roster
    };
    let before: Vec<String> = next.members().iter().map(|m| m.agent.id.clone()).collect();
    next.apply(event, now)?;
    for id in before {
        if !next.contains(&id) {
            c.departed.retain(|(d, _)| *d != id);
            c.departed.push((id, now));
        }
    }
    c.roster = next;
    Ok(())
}

/// What a request delivered after an uncertain try is called everywhere
/// (`send`, `send --batch`, the timeline, the log): Kore took it, and an
/// earlier try that got no answer may have been applied as well.
pub const DELIVERED_MAYBE_TWICE: &str = "delivered, maybe twice";

/// "tries 1–3 may also have arrived", or None when no try was uncertain.
pub fn may_also_have_arrived(tries: &[u32]) -> Option<String> {
    let list = match tries {
        [] => return None,
        [one] => return Some(format!("try {one} may also have arrived")),
        [first, .., last] if tries.windows(2).all(|w| w[1] == w[0] + 1) => {
            format!("{first}–{last}")
        }
        many => many
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    Some(format!("tries {list} may also have arrived"))
}

pub(super) fn status_text(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        _ => "",
    };
    format!("{status} {reason}").trim().to_string()
}

pub(super) fn assign_done(
    state: &mut State,
    req_id: &str,
    conv_id: &str,
    outcome: Result<ReplyInfo, crate::kore::wire::CallError>,
    uncertain: bool,
) {
    let now = state.now_ms;
    match outcome {
        Err(e) if uncertain => {
            // Kore may have taken it: not retried (it could assign twice).
            // A callback that still comes is matched by its path.
            state.requests.forget_assign(req_id);
            set_assign(&mut state.model, conv_id, req_id, AssignState::Unknown);
            state.log.push(
                now,
                LogKind::Error,
                format!(
                    "{e}  (assign {conv_id}: it may have reached Kore, so it is not sent again; \
                     unknown until its callback comes; check the conversation, then assign again if need be)"
                ),
            );
            state.views.flash = Some((
                format!("assign {conv_id}: {e}; it may have reached Kore (unknown)"),
                true,
            ));
        }
        Ok(reply) => {
            state.model.status.health = Health::Online;
            // The callback may already have come (it can beat the reply).
            let pending = matches!(
                timeline_event_mut(&mut state.model, conv_id, req_id),
                Some(TimelineItem::Assign {
                    state: AssignState::Queued | AssignState::Sending,
                    ..
                })
            );
            if pending {
                set_assign(
                    &mut state.model,
                    conv_id,
                    req_id,
                    AssignState::AwaitingCallback {
                        status: reply.status,
                        latency_ms: reply.latency_ms,
                    },
                );
            }
            state.log.push(
                now,
                LogKind::In,
                format!(
                    "{} {} ms  assign {conv_id}  {}",
                    status_text(reply.status),
                    reply.latency_ms,
                    reply.body
                ),
            );
        }
        Err(e) => {
            state.requests.awaiting_callback.remove(req_id);
            let mut reason = FailReason::from_call_error(&e);
            if let Some(name) = assign_target_name(state, conv_id, req_id) {
                reason = reason.with_agent(&name);
            }
            set_assign(
                &mut state.model,
                conv_id,
                req_id,
                AssignState::Rejected {
                    message: e.to_string(),
                    reason,
                },
            );
            state
                .log
                .push(now, LogKind::Error, format!("{e}  (assign {conv_id})"));
            state.views.flash = Some((format!("assign {conv_id}: {e}"), true));
        }
    }
}

/// The target an assign request named ("Raj Patel" of "assign → Raj
/// Patel"), from its timeline entry.
pub(super) fn assign_target_name(state: &State, conv: &str, req_id: &str) -> Option<String> {
    state
        .model
        .conversations
        .get(conv)?
        .timeline
        .iter()
        .find_map(|t| match t {
            TimelineItem::Assign {
                req_id: r, text, ..
            } if r == req_id => text.strip_prefix("assign → ").map(str::to_string),
            _ => None,
        })
}

/// The conversation of an assign request, from its timeline.
pub(super) fn assign_conversation(state: &State, req_id: &str) -> Option<String> {
    state.model.conversations.values().find_map(|c| {
        c.timeline
            .iter()
            .any(|t| matches!(t, TimelineItem::Assign { req_id: r, .. } if r == req_id))
            .then(|| c.id.clone())
    })
}

pub(super) fn assign_state_word(s: &AssignState) -> &'static str {
    match s {
        AssignState::Queued => "queued",
        AssignState::Sending => "sending",
        AssignState::AwaitingCallback { .. } => "awaiting its callback",
        AssignState::Rejected { .. } => "rejected",
        AssignState::Transferred => "transferred",
        AssignState::CallbackFailed { .. } => "failed",
        AssignState::Unclear { .. } => "not understood",
        AssignState::TimedOut => "timed out",
        AssignState::Unknown => "unknown",
        AssignState::CallbackLost => "without a callback",
    }
}

/// Parses an ISO 8601 time into unix ms.
pub(super) fn parse_ms(s: Option<&str>) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s?, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// A poll's answer, or None when it failed: then the connection is
/// degraded (the picture is not fresh) and the log says why.
fn polled<T>(
    status: &mut Status,
    log: &mut Log,
    now: i64,
    what: &str,
    result: Result<T, String>,
) -> Option<T> {
    match result {
        Ok(r) => Some(r),
        Err(e) => {
            status.health = Health::Degraded(e.clone());
            log.push(now, LogKind::Error, format!("poll {what}: {e}"));
            None
        }
    }
}

/// A page of the conversations poll: its conversations added or
/// refreshed (stamped with the read's number and time), the closed ones it
/// named gone, and at the end of a sweep whatever a whole sweep of every
/// group did not see. A conversation the rotation has not reached yet stays.
pub(super) fn conversations_page(state: &mut State, page: ConversationPage) {
    state.model.status.health = Health::Online;
    let default_channel =
        if Channel::parse(&state.settings.defaults.experience) == Some(Channel::Voice) {
            Channel::Voice
        } else {
            Channel::Chat
        };
    let language = state.settings.defaults.language.clone();
    let now = state.now_ms;
    let selected = state.views.list.selected.clone();
    let group = page.group.index();
    let mut on_page = Vec::with_capacity(page.records.len());
    {
        // One change of the conversations (one generation) per page, which
        // notes the ids it touches (the kept list patches just those).
        let mut map = state.model.conversations.tracked();
        let directory = Directory::new(&state.model.agents);
        let stamp = Stamp {
            now,
            agents: &directory,
            seq: page.seq,
            default_channel,
            language: &language,
        };
        for rec in page.records {
            match merge_conversation_record(&mut map, rec, &stamp) {
                Merged::Kept(id) => on_page.push(id),
                Merged::Refused => state.model.status.poll.refused[group] += 1,
                Merged::Unnamed => {}
            }
        }
        // Named closed by a server that ignored the filter: over.
        for (id, status) in &page.closed {
            let id = clean(id, MAX_FIELD);
            let Some(c) = map.get_mut(&id) else { continue };
            if has_stake(c, selected.as_deref()) {
                c.listed = false;
                c.api_status = Some(clean(status, 24).into());
            } else {
                map.remove(&id);
            }
        }
    }
    mark_service_level(&mut state.model, &state.settings, state.now_ms, &on_page);
    let poll = &mut state.model.status.poll;
    if page.total.is_some() {
        poll.totals[group] = page.total;
    }
    if let Some(from) = page.sweep_from {
        poll.swept[group] = Some(from);
        poll.cut[group] = page.cut;
        poll.refused_last[group] = std::mem::take(&mut poll.refused[group]);
        forget_unseen(state, page.seq, group);
        // Counted at a sweep's end and a round's, not each page: a page
        // costs its own records, not a walk through every conversation.
        poll_figures(&mut state.model);
    }
    if state.selected_conversation().is_none() {
        state.views.list.selected = None;
        keep_selection_visible(&mut state.views, &state.model);
    }
}

/// The console has a stake in a conversation the poll no longer lists: it
/// sent something for it, opened it by hand, or it is selected. It stays.
fn has_stake(c: &Conversation, selected: Option<&str>) -> bool {
    c.manual || !c.timeline.is_empty() || selected == Some(c.id.as_str())
}

/// Every group has been swept since these conversations were last seen
/// (or ever, for one the poll never listed): a read that should have held
/// them did not. The sweep that ends with read `seq` of `group` notes them;
/// they are no longer live once every other group has been swept after
/// that too (until then one may have moved to a group read before it
/// moved). Then they go, unless the console has a stake in them (then
/// they stay, no longer listed).
fn forget_unseen(state: &mut State, seq: u64, group: usize) {
    let poll = &state.model.status.poll;
    let Some(before) = poll.swept.iter().copied().min().flatten() else {
        return;
    };
    let swept = poll.swept;
    let selected = state.views.list.selected.clone();
    let stale =
        |c: &Conversation| c.seen_seq < before && (c.listed || !has_stake(c, selected.as_deref()));
    let mut noted = std::mem::take(&mut state.model.status.poll.missing);
    let mut gone = Vec::new();
    for c in state.model.conversations.values().filter(|c| stale(c)) {
        match noted.get(&c.id) {
            // Noted before, and every other group swept since: gone.
            Some(&(at, by)) if c.seen_seq < at => {
                let others_since = (0..swept.len())
                    .filter(|g| *g != by)
                    .all(|g| swept[g].is_some_and(|from| from > at));
                if others_since {
                    gone.push(c.id.clone());
                }
            }
            _ => {
                noted.insert(c.id.clone(), (seq, group));
            }
        }
    }
    // Notes of conversations seen again since, or no longer held, go.
    noted.retain(|id, (at, _)| {
        state
            .model
            .conversations
            .get(id.as_str())
            .is_some_and(|c| c.seen_seq < *at)
    });
    for id in &gone {
        noted.remove(id);
    }
    state.model.status.poll.missing = noted;
    if gone.is_empty() {
        return;
    }
    // Those not stale stay as they are (already no longer listed, with a
    // stake), so only the stale ones are touched, and noted.
    let mut map = state.model.conversations.tracked();
    for id in &gone {
        let Some(c) = map.get_mut(id) else { continue };
        c.listed = false;
        if !has_stake(c, selected.as_deref()) {
            map.remove(id);
        }
    }
}

/// How many conversations the poll lists now and the oldest picture.
fn poll_figures(model: &mut Model) {
    let mut seen = 0;
    let mut oldest: Option<i64> = None;
    for c in model.conversations.values().filter(|c| c.listed) {
        seen += 1;
        oldest = Some(oldest.map_or(c.listed_at_ms, |o| o.min(c.listed_at_ms)));
    }
    model.status.poll.seen = seen;
    model.status.poll.oldest_ms = oldest;
}

/// A round of the conversations poll ended: its plan (said in the log when
/// it changes), and the read it stopped at, if one failed.
pub(super) fn poll_round(
    model: &mut Model,
    log: &mut Log,
    now: i64,
    plan: PollPlan,
    error: Option<String>,
) {
    let before = model.status.poll.plan;
    if before.is_none_or(|b| {
        (b.rounds, b.pages_per_round, b.waiting_cap)
            != (plan.rounds, plan.pages_per_round, plan.waiting_cap)
    }) {
        log.push(now, LogKind::Info, plan_line(&plan));
    }
    model.status.poll.plan = Some(plan);
    // Stale follows the rounds as they are run (the limit may make them
    // longer than the configured interval).
    if plan.round_ms > 0 {
        model.freshness.poll_ms = i64::try_from(plan.round_ms).unwrap_or(i64::MAX / 8);
    }
    poll_figures(model);
    if let Some(e) = &error {
        model.status.health = Health::Degraded(e.clone());
        log.push(now, LogKind::Error, format!("poll conversations: {e}"));
    }
    model.status.poll.error = error;
}

/// What a page's records are stamped with.
struct Stamp<'a> {
    now: i64,
    /// The agent directory, to name Kore's participants.
    agents: &'a Directory<'a>,
    seq: u64,
    default_channel: Channel,
    language: &'a str,
}

/// What became of one listed record.
enum Merged {
    Kept(String),
    /// A new conversation while [`MAX_CONVERSATIONS`] are held.
    Refused,
    /// No id to know it by.
    Unnamed,
}

/// One listed conversation into State (added, or its listed facts
/// refreshed); a new one only while fewer than [`MAX_CONVERSATIONS`] are
/// held.
fn merge_conversation_record(
    map: &mut crate::app::state::Tracked<'_>,
    rec: ConversationRecord,
    stamp: &Stamp,
) -> Merged {
    let now = stamp.now;
    let Some(id) = rec.hooks_id().map(|s| clean(s, MAX_FIELD)) else {
        return Merged::Unnamed;
    };
    if id.is_empty() {
        return Merged::Unnamed;
    }
    if map.len() >= MAX_CONVERSATIONS && !map.contains_key(&id) {
        return Merged::Refused;
    }
    let channel = Channel::guess(rec.conversation_type.as_deref(), rec.source.as_deref())
        .unwrap_or(stamp.default_channel);
    let language = rec
        .language
        .as_deref()
        .map(|l| clean(l, 16))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| stamp.language.to_string());
    let entry = map.get_or_insert_with(&id, || Conversation::new(&id, channel, &language));
    entry.listed = true;
    entry.channel = channel;
    entry.language = language.into();
    entry.api_status = rec.status.as_deref().map(|s| clean(s, 24).into());
    if let Some(s) = rec.bot_session_id.as_deref() {
        entry.bot_session_id = Some(clean(s, MAX_FIELD));
    }
    entry.api_agents = rec
        .participants
        .iter()
        .filter(|p| {
            p.status
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
        })
        .filter_map(|p| p.name.as_deref().or(p.agent_id.as_deref()))
        .map(|n| clean(n, 40))
        .collect();
    // Kept until the next read, in every conversation: no room to spare.
    entry.api_agents.shrink_to_fit();
    let participants = rec.participants.iter().map(|p| Participant {
        agent_id: p.agent_id.as_deref(),
        name: p.name.as_deref(),
        status: p.status.as_deref(),
        assigned_at: p.assigned_at.as_deref(),
        started_at: p.start_time_stamp.as_deref(),
        ended_at: p.end_time_stamp.as_deref(),
        ..Default::default()
    });
    entry.kore = Some(picture(stamp.agents, participants, now, parse_ms));
    entry.started_ms = parse_ms(rec.start_time.as_deref())
        .or(parse_ms(rec.start_session_time.as_deref()))
        .or(parse_ms(rec.created_at.as_deref()))
        .or(entry.started_ms);
    // The queue it is in: the last of `queues[]` (they come in time
    // order, the current one ACTIVE).
    let current = rec
        .queues
        .iter()
        .rev()
        .find(|q| q.id.as_deref().is_some_and(|id| !id.is_empty()));
    entry.queue = current.map(|q| {
        let id = clean(q.id.as_deref().unwrap_or_default(), MAX_FIELD);
        let name = q.name.as_deref().map(|n| clean(n, 40));
        (id.clone(), name.unwrap_or(id))
    });
    // The wait is the time in the current queue: `waitTime` when given,
    // else since that queue's `startTime` (never the conversation's age).
    // A wait past a year is Kore's mistake; cut so the sums that age it
    // cannot overflow.
    entry.wait_ms = rec
        .wait_time
        .filter(|w| *w >= 0)
        .or_else(|| {
            let joined = parse_ms(current.and_then(|q| q.start_time.as_deref()))?;
            Some((now - joined).max(0))
        })
        .map(|w| w.min(MAX_WAIT_MS));
    entry.listed_at_ms = now;
    entry.seen_seq = entry.seen_seq.max(stamp.seq);
    Merged::Kept(id)
}

/// The longest wait kept from Kore (a year, in ms).
pub const MAX_WAIT_MS: i64 = 365 * 24 * 3600 * 1000;

/// Decides, for each conversation seen in a queue and not yet decided,
/// whether it was answered within `sla_secs`: once it is answered (by its
/// wait then), or once it has waited longer (not within).
fn mark_service_level(model: &mut Model, settings: &Settings, now: i64, ids: &[String]) {
    let mut new = Vec::new();
    for c in ids.iter().filter_map(|id| model.conversations.get(id)) {
        let (Some((queue, name)), Some(_)) = (&c.queue, c.wait_ms) else {
            continue;
        };
        let limit = i64::from(settings.alerts.for_queue(queue, name).sla_secs) * 1000;
        if !c.listed || model.sla_seen.contains_key(&c.id) {
            continue;
        }
        let wait = c.wait_now_ms(now).unwrap_or(0);
        let within = if c.is_waiting() {
            if wait <= limit {
                continue;
            }
            false
        } else if matches!(c.state(), ConvState::Ended) {
            continue;
        } else {
            wait <= limit
        };
        new.push((
            c.id.clone(),
            SlaMark {
                queue_id: queue.clone(),
                within,
            },
        ));
    }
    for (id, mark) in new {
        if model.sla_seen.len() >= SLA_MEMORY {
            // Forget one to make room; the level stays over the most recent
            // ten thousand or so.
            model.sla_seen.pop_first();
        }
        model.sla_seen.insert(id, mark);
    }
}

/// A request went out: sending on its timeline, its line in the log, and
/// an assign's callback timer armed from now.
pub(super) fn request_sent(
    state: &mut State,
    req_id: String,
    conversation: String,
    line: String,
) -> Vec<Effect> {
    set_delivery(&mut state.model, &conversation, &req_id, Delivery::Sending);
    if let Some(TimelineItem::Assign { state: st, .. }) =
        timeline_event_mut(&mut state.model, &conversation, &req_id)
        && *st == AssignState::Queued
    {
        *st = AssignState::Sending;
    }
    let now = state.now_ms;
    state.log.push(now, LogKind::Out, line);
    // An assign's callback is due from when it goes out: one held
    // behind a failed request does not time out unsent.
    let after_ms = state.settings.callback_timeout_ms;
    if state.requests.arm_callback(&req_id, now, after_ms) {
        return vec![Effect::ArmCallbackTimeout { req_id, after_ms }];
    }
    Vec::new()
}

/// An assign's callback timer went off.
pub(super) fn callback_timed_out(state: &mut State, req_id: String) -> Vec<Effect> {
    // A timer from an earlier send of a request that was sent again.
    if state.requests.timer_outdated(&req_id, state.now_ms) {
        return Vec::new();
    }
    if let Some(conv) = state.requests.forget_assign(&req_id) {
        let effect = Effect::RecordCallback {
            req_id: req_id.clone(),
            ok: false,
            summary: format!(
                "no callback within {} s",
                state.settings.callback_timeout_ms / 1000
            ),
        };
        set_assign(&mut state.model, &conv, &req_id, AssignState::TimedOut);
        let now = state.now_ms;
        state.log.push(
            now,
            LogKind::Error,
            format!("no callback for assign {conv} ({req_id}): timed out"),
        );
        return vec![effect];
    }
    Vec::new()
}

/// What the callback listener refused so far.
pub(super) fn listener_refused(
    status: &mut Status,
    log: &mut Log,
    now: i64,
    total: u64,
    last_ms: i64,
) -> Vec<Effect> {
    let before = status.listener_refused.0;
    status.listener_refused = (total, last_ms);
    if before == 0 && total > 0 {
        log.push(
            now,
            LogKind::Error,
            "the callback listener is refusing requests (a flood of requests, or too many connections)".to_string(),
        );
    }
    Vec::new()
}
