//! The poll plan in words.

use crate::app::PollPlan;

/// The plan in words, for the log.
pub fn plan_line(plan: &PollPlan) -> String {
    let secs = plan.round_ms.div_ceil(1000);
    let waiting = if plan.waiting_bounded() {
        format!(
            "the waiting ones {} of their {} page(s) a round",
            plan.waiting_cap, plan.pages[0]
        )
    } else {
        format!("the waiting ones whole ({} page(s))", plan.pages[0])
    };
    format!(
        "poll plan: up to {} conversation read(s) every {secs} s: {waiting}, then the next of {} active/idle page(s) in turn; every live conversation read within ~{} s",
        plan.pages_per_round,
        plan.pages[1],
        plan.full_ms.div_ceil(1000)
    )
}
