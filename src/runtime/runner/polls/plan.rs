//! The poll planner: how many reads of list-conversations a round may
//! make, and the plan (how long until every live conversation is read).

use super::queues::QUEUE_SIZES_PER_ROUND;
use crate::app::PollPlan;
use crate::runtime::runner::Inner;
use std::time::Duration;

/// Reads of list-conversations a round makes at most when the account has
/// no rate limit (100,000 conversations).
const UNLIMITED_PAGES_PER_ROUND: u32 = 1_000;

/// Reads of list-conversations a round may make: the polls' share of the
/// limit (the limit less the reserve for actions) over one round, less
/// what the other polls take in a round (queue sizes, and the agents' and
/// queues' lists spread over their interval); at least one.
pub(super) fn round_budget(inner: &Inner) -> (u32, Duration) {
    let timing = *inner.poll_timing.lock().unwrap_or_else(|e| e.into_inner());
    let round = timing.conversations;
    let limiter = inner.client.limiter();
    if limiter.limit() == 0 {
        return (UNLIMITED_PAGES_PER_ROUND, round);
    }
    let share = f64::from(limiter.limit() - limiter.reserve());
    let per_round = share * round.as_secs_f64() / limiter.window().as_secs_f64();
    // Until list-queues has answered, as many queue sizes as a round
    // may take: the plan promises no more than it can keep.
    let queues = {
        let round = inner.queue_round.lock().unwrap_or_else(|e| e.into_inner());
        if round.listed_at.is_none() {
            QUEUE_SIZES_PER_ROUND
        } else {
            round.ids.len().min(QUEUE_SIZES_PER_ROUND)
        }
    } as f64;
    let spread = |reads: f64, every: Duration| reads * round.as_secs_f64() / every.as_secs_f64();
    let mut others = queues;
    if let Some(every) = timing.agents.filter(|d| !d.is_zero()) {
        let pages = inner.agent_pages.load(std::sync::atomic::Ordering::Relaxed);
        // The agents' pages and availability.
        others += spread(f64::from(pages) + 1.0, every);
    }
    // list-queues, as often as the agents (at least every round).
    let relist = timing.agents.unwrap_or(round).max(round);
    others += spread(1.0, relist);
    ((per_round - others).floor().max(1.0) as u32, round)
}

/// The plan from what the groups' sweeps take (`pages`, as far as known)
/// and the round's reads.
pub(super) fn make_plan(
    pages: [Option<u32>; 2],
    budget: u32,
    waiting_cap: u32,
    round: Duration,
) -> PollPlan {
    let pages = pages.map(|p| p.unwrap_or(1));
    let waiting_cap = waiting_cap.max(1);
    let waiting_rounds = pages[0].div_ceil(waiting_cap);
    let rest_per_round = budget.saturating_sub(pages[0].min(waiting_cap)).max(1);
    let rest_rounds = pages[1].div_ceil(rest_per_round);
    let rounds = waiting_rounds.max(rest_rounds).max(1);
    let round_ms = round.as_millis() as u64;
    PollPlan {
        round_ms,
        pages_per_round: budget,
        pages,
        waiting_cap,
        rounds,
        full_ms: round_ms.saturating_mul(u64::from(rounds)),
    }
}
