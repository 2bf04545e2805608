//! The conversations poll: a round reads the waiting ones first, then the
//! next page(s) of the rest in rotation, each group's sweep going on from
//! where the last round left it.

use super::plan::{make_plan, round_budget};
use crate::app::{Action, ConversationPage, PollGroup};
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{ConversationQuery, is_finished_status};
use crate::runtime::runner::Inner;
use std::time::Duration;

/// Conversations asked for per page (the most the API gives).
const PAGE_SIZE: u32 = 100;
/// The most pages one sweep of a status group reads (100,000
/// conversations, what the console keeps in all): a server whose pages
/// never end cannot hold a sweep open forever.
const MAX_SWEEP_PAGES: u32 = 1_000;

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
#[derive(Debug, Default, Clone)]
struct GroupRead {
    /// Where the next read starts.
    skip: u32,
    /// The first read of the sweep under way.
    sweep_from: Option<u64>,
    /// Pages a sweep takes: from Kore's `totalResults`, or as the latest
    /// sweep read them.
    pages: Option<u32>,
    /// The ids of the sweep's previous page: the same page again at a
    /// later `skip` is a server that ignores `skip`.
    last_page: Vec<String>,
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
/// stands, and stops at the sweep's end. Returns the reads made, or the
/// error of the one that failed (its sweep goes on from that page next
/// round). A page longer than asked for is cut to the page size and
/// closed conversations that come anyway are left out (and reported as
/// closed), both said in the poll's line.
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
        let skip = at.skip;
        let query = ConversationQuery {
            skip: Some(skip),
            limit: Some(PAGE_SIZE),
            statuses: group.statuses().iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let call = inner
            .client
            .list_conversations(&query, Priority::Poll)
            .await;
        inner.usage();
        let mut notes = Vec::new();
        let call = call.map(|mut body| {
            let got = body.results.len();
            if got > PAGE_SIZE as usize {
                body.results.truncate(PAGE_SIZE as usize);
                notes.push(format!(
                    "{got} returned for limit={PAGE_SIZE}, {PAGE_SIZE} kept"
                ));
            }
            let (closed, live): (Vec<_>, Vec<_>) = std::mem::take(&mut body.results)
                .into_iter()
                .partition(|r| r.status.as_deref().is_some_and(is_finished_status));
            if !closed.is_empty() {
                notes.push(format!("{} closed left out", closed.len()));
            }
            body.results = live;
            (body, got, closed)
        });
        let n_live = call
            .outcome
            .as_ref()
            .map(|r| r.body.0.results.len())
            .unwrap_or(0);
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        inner.poll_line(
            &call,
            format!("{n_live} {} conversation(s){notes}", group.label()),
        );
        let (body, got, closed) = match call.outcome {
            Ok(reply) => reply.body,
            Err(e) => return Err(e.to_string()),
        };
        let cut = got > PAGE_SIZE as usize;
        let got = (got as u32).min(PAGE_SIZE);
        let total = body.total_results.and_then(|t| u64::try_from(t).ok());
        // The end of the sweep: an empty page; or hasMore says no more and
        // totalResults, if given, agrees (an answer without hasMore reads it
        // as false, so a larger total reads on); or the total is reached on
        // a page shorter than asked for (Kore's docs show `hasMore: true`
        // beside a total that is reached). A sweep that never ends
        // (hasMore always true, skip ignored) stops at MAX_SWEEP_PAGES,
        // said in the log. Never a page that was cut.
        let read = u64::from(skip) + u64::from(got);
        let reached = total.is_some_and(|t| read >= t);
        let full_stop =
            (!body.has_more && (total.is_none() || reached)) || (reached && got < PAGE_SIZE);
        let ids: Vec<String> = body.results.iter().filter_map(|r| r.id.clone()).collect();
        let at = &mut poll.groups[i];
        let repeated = skip > 0 && !ids.is_empty() && ids == at.last_page;
        at.last_page = ids;
        let too_long = repeated || skip / PAGE_SIZE + 1 >= MAX_SWEEP_PAGES;
        if too_long {
            let why = if repeated {
                format!("skip={skip} answered the same page as the one before it")
            } else {
                format!("they still say there is more after {MAX_SWEEP_PAGES} pages")
            };
            inner.send(Action::Note {
                error: true,
                text: format!(
                    "poll: the {} conversations: {why}; the sweep ends there",
                    group.label()
                ),
            });
        }
        let end = too_long || got == 0 || (!cut && full_stop);
        let at = &mut poll.groups[i];
        if let Some(t) = total {
            at.pages = Some(u32::try_from(t.div_ceil(u64::from(PAGE_SIZE))).unwrap_or(u32::MAX));
        } else if end {
            at.pages = Some(skip / PAGE_SIZE + u32::from(got > 0));
        }
        if end {
            at.skip = 0;
            at.sweep_from = None;
            at.last_page.clear();
        } else {
            at.skip = skip.saturating_add(got);
        }
        inner.send(Action::ConversationsPage(Box::new(ConversationPage {
            group,
            seq,
            skip,
            records: body.results,
            closed: closed
                .into_iter()
                .filter_map(|r| {
                    let status = r.status.clone().unwrap_or_default();
                    r.hooks_id().map(|id| (id.to_string(), status))
                })
                .collect(),
            total,
            sweep_from: end.then_some(from),
            cut: too_long,
        })));
        if end {
            return Ok(n);
        }
    }
    Ok(max_pages)
}
