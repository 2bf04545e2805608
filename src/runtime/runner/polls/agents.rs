//! The agents poll: every page of list-agents (by the pager, up to its
//! cap), then their availability.

use super::read_list;
use crate::app::Action;
use crate::kore::pager;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::AvailabilityRequest;
use crate::runtime::runner::Inner;

/// One agents poll: list-agents with the pager (`pager::AGENTS`), then
/// availability; reported as one `AgentsListed`.
pub(in crate::runtime::runner) async fn poll_agents(inner: &Inner) {
    let mut all = Vec::new();
    let listed = read_list(
        inner,
        pager::AGENTS,
        "agent",
        |page| inner.client.list_agents(page, Priority::Poll),
        |a| Some(a.id.as_str()),
        |page, agents| {
            all.extend(agents);
            inner
                .agent_pages
                .store(page, std::sync::atomic::Ordering::Relaxed);
        },
    )
    .await;
    if let Err(e) = listed {
        if e == super::STOPPED {
            return;
        }
        inner.send(Action::AgentsListed {
            agents: Err(e),
            availability: None,
        });
        return;
    }
    let everyone = AvailabilityRequest::default();
    let request = inner.client.availability(&everyone, Priority::Poll);
    let Some(availability) = inner.polled(request).await else {
        return;
    };
    inner.usage();
    let n = availability
        .outcome
        .as_ref()
        .map(|r| r.body.iter().count())
        .unwrap_or(0);
    inner.poll_line(&availability, format!("availability of {n} agent(s)"));
    let availability = match availability.outcome {
        Ok(r) => Some(r.body),
        Err(e) => {
            inner.send(Action::Note {
                error: true,
                text: format!("agent availability: {e}"),
            });
            None
        }
    };
    inner.send(Action::AgentsListed {
        agents: Ok(all),
        availability,
    });
}
