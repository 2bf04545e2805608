//! The conversations poll: a round reads the waiting ones first, then the
//! next page(s) of the rest in rotation, each group's sweep going on from
//! where the last round left it.

use super::plan::{make_plan, round_budget};
use crate::app::{Action, ConversationPage, PollGroup};
use crate::kore::pager::{self, CONVERSATIONS_PER_PAGE as PAGE_SIZE, End, Pager, Step};
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{ConversationQuery, ConversationRecord, is_finished_status};
use crate::runtime::runner::Inner;
use std::time::Duration;

/// Where the conversations poll stands in each group of statuses.
#[derive(Debug, Default)]
pub(in crate::runtime::runner) struct ConvPoll {
    /// Reads made so far: the next one is `seq + 1`.
    seq: u64,
    groups: [GroupRead; 2],
    /// How long the latest round took.
    last_round: Duration,
}

/// One group's place in its sweep.
#[derive(Debug, Clone)]
struct GroupRead {
    /// Where the next read starts, and the sweep's guards.
    pager: Pager,
    /// The first read of the sweep under way.
    sweep_from: Option<u64>,
    /// Pages a sweep takes: from Kore's `totalResults`, or as the latest
    /// sweep read them.
    pages: Option<u32>,
}

impl Default for GroupRead {
    fn default() -> Self {
        GroupRead {
            pager: Pager::new(pager::CONVERSATIONS),
            sweep_from: None,
            pages: None,
        }
    }
}

/// One round of the conversations poll plan. Only live statuses are asked
/// for, in two groups: the waiting ones (OPEN, OVERDUE) first, every page
/// of them (up to all but one of the round's reads), then the next page(s)
/// of the rest (ACTIVE, IDLE) in rotation, as many as the round's share of
/// the limit allows (see [`round_budget`]). Each page is reported as it
/// comes, with the sweep it ends, if any; the round ends with the plan:
/// how long it takes until every live conversation has been read.
pub(in crate::runtime::runner) async fn poll_conversations(inner: &Inner) {
    let mut poll = inner.conv_poll.lock().await;
    if let Some(team) = inner.team.get() {
        // Team mode: only the poller polls, each round once; it counts its
        // reads on from the last one it saw published.
        if team.begin_round().await.is_none() {
            return;
        }
        poll.seq = poll.seq.max(team.seq_seen());
    }
    let started = std::time::Instant::now();
    let (budget, interval) = round_budget(inner);
    // A read is kept for the rest, unless a sweep found none of them.
    let rest_empty = poll.groups[PollGroup::Rest.index()].pages == Some(0);
    let waiting_cap = if rest_empty || budget < 2 {
        budget
    } else {
        budget - 1
    };
    let mut error = None;
    let mut used = 0;
    match read_group(inner, &mut poll, PollGroup::Waiting, waiting_cap).await {
        Ok(n) => used += n,
        Err(e) => error = Some(e),
    }
    if error.is_none() {
        let left = budget.saturating_sub(used).max(1);
        if let Err(e) = read_group(inner, &mut poll, PollGroup::Rest, left).await {
            error = Some(e);
        }
    }
    if error.as_deref() == Some(super::STOPPED) {
        // The lease went to a teammate mid-round: its rounds come instead.
        return;
    }
    poll.last_round = started.elapsed();
    let round = interval.max(poll.last_round);
    let plan = make_plan(
        poll.groups.each_ref().map(|g| g.pages),
        budget,
        waiting_cap,
        round,
    );
    drop(poll);
    inner.send(Action::PollRound { plan, error });
}

/// Reads up to `max_pages` pages of one group from where its sweep
/// stands, and stops at the sweep's end (the pager's rule). Returns the
/// reads made, or the error of the one that failed (its sweep goes on
/// from that page next round).
async fn read_group(
    inner: &Inner,
    poll: &mut ConvPoll,
    group: PollGroup,
    max_pages: u32,
) -> Result<u32, String> {
    let i = group.index();
    for n in 1..=max_pages {
        poll.seq += 1;
        let seq = poll.seq;
        let at = &mut poll.groups[i];
        let from = *at.sweep_from.get_or_insert(seq);
        let (records, closed, step) = read_page(inner, group, &mut at.pager).await?;
        let end = step.end.is_some();
        if let Some(t) = step.total {
            at.pages = Some(u32::try_from(t.div_ceil(u64::from(PAGE_SIZE))).unwrap_or(u32::MAX));
        } else if end {
            at.pages = Some(step.at.skip / PAGE_SIZE + u32::from(step.kept > 0));
        }
        if end {
            at.sweep_from = None;
        }
        let cut = cut_short(inner, group, &step);
        inner.send(Action::ConversationsPage(Box::new(ConversationPage {
            group,
            seq,
            skip: step.at.skip,
            records,
            closed,
            total: step.total,
            sweep_from: end.then_some(from),
            cut,
        })));
        if end {
            return Ok(n);
        }
    }
    Ok(max_pages)
}

/// Reads the page `pager` names and takes it: the live conversations, the
/// closed ones that came anyway (left out, by id with their status), and
/// what the page was. A page longer than asked for is cut to the page size
/// by the pager, and closed conversations are left out; both are said in
/// the poll's line.
async fn read_page(
    inner: &Inner,
    group: PollGroup,
    pager: &mut Pager,
) -> Result<(Vec<ConversationRecord>, Vec<(String, String)>, Step), String> {
    let query = ConversationQuery {
        skip: Some(pager.next().skip),
        limit: Some(PAGE_SIZE),
        statuses: group.statuses().iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let request = inner.client.list_conversations(&query, Priority::Poll);
    let Some(call) = inner.polled(request).await else {
        return Err(super::STOPPED.into());
    };
    inner.usage();
    let mut notes = Vec::new();
    let call = call.map(|mut body| {
        let step = pager.take(&mut body, |r| r.id.as_deref());
        if step.cut() {
            notes.push(format!(
                "{} returned for limit={PAGE_SIZE}, {PAGE_SIZE} kept",
                step.answered
            ));
        }
        let (closed, live): (Vec<_>, Vec<_>) = std::mem::take(&mut body.results)
            .into_iter()
            .partition(|r| r.status.as_deref().is_some_and(is_finished_status));
        if !closed.is_empty() {
            notes.push(format!("{} closed left out", closed.len()));
        }
        (live, closed, step)
    });
    let n_live = call.outcome.as_ref().map_or(0, |r| r.body.0.len());
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    inner.poll_line(
        &call,
        format!("{n_live} {} conversation(s){notes}", group.label()),
    );
    let (live, closed, step) = call.outcome.map_err(|e| e.to_string())?.body;
    let closed = closed
        .into_iter()
        .filter_map(|r| {
            let status = r.status.clone().unwrap_or_default();
            r.hooks_id().map(|id| (id.to_string(), status))
        })
        .collect();
    Ok((live, closed, step))
}

/// Whether a sweep ended on a guard rather than at the list's end (the
/// same page again, or the page cap), said in the log and on screen.
fn cut_short(inner: &Inner, group: PollGroup, step: &Step) -> bool {
    let why = match step.end {
        Some(End::Repeated) => format!(
            "skip={} answered the same page as the one before it",
            step.at.skip
        ),
        Some(End::Capped) => format!(
            "they still say there is more after {} pages",
            pager::CONVERSATIONS.max_pages
        ),
        Some(End::Listed) | None => return false,
    };
    inner.send(Action::Note {
        error: true,
        text: format!(
            "poll: the {} conversations: {why}; the sweep ends there",
            group.label()
        ),
    });
    true
}
