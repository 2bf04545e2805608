//! The agents poll: every page of list-agents (up to a cap), then their
//! availability.

use crate::app::Action;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::AvailabilityRequest;
use crate::runtime::runner::Inner;

/// Pages of list-agents read per poll.
const MAX_AGENT_PAGES: u32 = 10;

pub(in crate::runtime::runner) async fn poll_agents(inner: &Inner) {
    let mut all = Vec::new();
    for page in 1..=MAX_AGENT_PAGES {
        let call = inner.client.list_agents(page, Priority::Poll).await;
        inner.usage();
        let n = call
            .outcome
            .as_ref()
            .map(|r| r.body.results.len())
            .unwrap_or(0);
        inner.poll_line(&call, format!("{n} agent(s)"));
        match call.outcome {
            Ok(reply) => {
                let n = reply.body.results.len();
                all.extend(reply.body.results);
                inner
                    .agent_pages
                    .store(page, std::sync::atomic::Ordering::Relaxed);
                if !reply.body.has_more || n == 0 {
                    break;
                }
            }
            Err(e) => {
                inner.send(Action::AgentsListed {
                    agents: Err(e.to_string()),
                    availability: None,
                });
                return;
            }
        }
    }
    let availability = inner
        .client
        .availability(&AvailabilityRequest::default(), Priority::Poll)
        .await;
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
