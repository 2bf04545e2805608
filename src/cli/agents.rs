//! Who an agent named on the command line is: an id or a name from Kore's
//! list-agents or the `[[agents]]` directory. One nobody knows is refused
//! (with the closest known names) unless `--force` says to send it anyway.

use super::{MAX_AGENT_PAGES, agent_from_record, directory_agent};
use crate::app::text::{clean, closest};
use crate::config::Config;
use crate::domain::AgentRef;
use crate::kore::client::KoreClient;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{AgentRecord, FailReason};
use serde_json::{Value, json};

/// An agent refused as unknown: the JSON line and the words for people.
pub(super) struct Unknown {
    pub line: Value,
    pub message: String,
}

/// How many close names a refusal offers.
const CLOSEST: usize = 3;

/// The agent `wanted` names (an id, or a name in any case): the directory's
/// entry first, then list-agents (read up to a few pages). Unknown to both:
/// refused, unless `force`, when the id goes as its own name.
pub(super) async fn resolve(
    config: &Config,
    client: &KoreClient,
    wanted: &str,
    force: bool,
) -> Result<AgentRef, Unknown> {
    let same = |id: &str, name: &str| id == wanted || name.eq_ignore_ascii_case(wanted);
    if let Some(e) = config.agents.iter().find(|e| same(&e.id, e.display_name())) {
        return Ok(directory_agent(config, &e.id));
    }
    let (records, problem) = list_agents(client).await;
    if let Some(rec) = records.iter().find(|r| same(&r.id, &r.display_name())) {
        return Ok(agent_from_record(&rec.id, rec));
    }
    if force {
        return Ok(AgentRef::new(wanted, wanted));
    }
    // Without the list nobody can say it is unknown: Kore has the last word
    // (a refused token, say, is then reported by the request itself).
    if let Some(p) = &problem {
        note!(
            "warning: could not read the agents list to look up agent {wanted} ({p}); sending the id as the name"
        );
        return Ok(AgentRef::new(wanted, wanted));
    }
    let mut known: Vec<(String, String)> = config
        .agents
        .iter()
        .map(|e| (e.id.clone(), e.display_name().to_string()))
        .collect();
    known.extend(records.iter().map(|r| (r.id.clone(), r.display_name())));
    Err(refusal(wanted, &known))
}

/// The refusal of `wanted`, naming the closest of `known` (id, name).
fn refusal(wanted: &str, known: &[(String, String)]) -> Unknown {
    let closest = closest(wanted, known, CLOSEST);
    let shown = clean(wanted, 80);
    let mut message = format!("agent {shown} is not in Kore's agents list nor in [[agents]]");
    if !closest.is_empty() {
        message.push_str(&format!("; closest: {}", closest.join(", ")));
    }
    message.push_str("; nothing was sent (--force sends it anyway)");
    Unknown {
        line: json!({
            "agent": shown,
            "refused": true,
            "reason": FailReason::UnknownAgent { agent: None }.code(),
            "message": message,
            "closest": closest,
        }),
        message: format!("refused: {message}"),
    }
}

/// Every agent list-agents gives (up to a few pages), and why reading
/// stopped early when it failed.
async fn list_agents(client: &KoreClient) -> (Vec<AgentRecord>, Option<String>) {
    let mut all = Vec::new();
    for page in 1..=MAX_AGENT_PAGES {
        let body = match client.list_agents(page, Priority::User).await.outcome {
            Ok(reply) => reply.body,
            Err(e) => return (all, Some(e.to_string())),
        };
        let done = !body.has_more || body.results.is_empty();
        all.extend(body.results);
        if done {
            break;
        }
    }
    (all, None)
}
