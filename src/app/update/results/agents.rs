//! list-agents and the availability answers merged into the agents kept.

use super::*;

pub(in crate::app::update) fn merge_agents(
    state: &mut State,
    agents: Result<Vec<AgentRecord>, String>,
    availability: Option<AvailabilityResponse>,
) {
    let Some(records) = polled(
        &mut state.model.status,
        &mut state.log,
        state.now_ms,
        "agents",
        agents,
    ) else {
        return;
    };
    // Queue memberships as this listing has them (it is the whole list).
    let mut members = Members::default();
    // Where each agent is in the directory: every lookup is one probe.
    let mut index: HashMap<String, usize> = state
        .model
        .agents
        .iter()
        .enumerate()
        .rev()
        .map(|(i, a)| (a.id.clone(), i))
        .collect();
    for rec in records {
        merge_agent_record(state, rec, &mut members, &mut index);
    }
    state.model.queue_members = members.lists;
    if let Some(av) = availability {
        apply_availability(&mut state.model, av, &index);
    }
    crate::app::agent_status::note(
        &mut state.model.agent_since,
        &state.model.agents,
        state.now_ms,
    );
    let n = state.visible_agents().len();
    state.views.agents.cursor = state.views.agents.cursor.min(n.saturating_sub(1));
}

/// Queue id → its members' ids in listing order, each once.
#[derive(Default)]
struct Members {
    lists: std::collections::BTreeMap<String, Vec<String>>,
    /// (queue id, agent id) already in `lists`.
    seen: HashSet<(String, String)>,
}

/// One listed agent into the directory (added, or its presence and the
/// facts the config did not give refreshed).
fn merge_agent_record(
    state: &mut State,
    rec: AgentRecord,
    members: &mut Members,
    index: &mut HashMap<String, usize>,
) {
    if rec.id.is_empty() {
        return;
    }
    let id = clean(&rec.id, MAX_FIELD);
    for q in &rec.queues {
        let queue = clean(&q.id, MAX_FIELD);
        if members.seen.insert((queue.clone(), id.clone())) {
            members.lists.entry(queue).or_default().push(id.clone());
        }
    }
    let presence = rec
        .online_status_type
        .as_deref()
        .map(Presence::parse)
        .unwrap_or(Presence::Unknown);
    let name = clean(&rec.display_name(), 40);
    let email = rec.email_address().map(|e| clean(e, MAX_FIELD));
    let queue = rec.queues.first();
    match index.get(&id).and_then(|&i| state.model.agents.get_mut(i)) {
        Some(a) => {
            a.presence = presence;
            // A name from the config directory wins over the API's.
            if a.name == a.id {
                a.name = name;
            }
            if a.email.is_none() {
                a.email = email;
            }
            if a.queue_id.is_none() {
                a.queue_id = queue.map(|q| clean(&q.id, MAX_FIELD));
                a.queue_name = queue.and_then(|q| q.name.as_deref()).map(|n| clean(n, 40));
            }
        }
        None => {
            index.insert(id.clone(), state.model.agents.len());
            let agent = new_agent(id, name, email, &rec, presence);
            state.model.agents.push(agent);
        }
    }
}

/// An agent list-agents names and the directory does not have yet.
fn new_agent(
    id: String,
    name: String,
    email: Option<String>,
    rec: &AgentRecord,
    presence: Presence,
) -> Agent {
    let queue = rec.queues.first();
    Agent {
        identity: id.clone(),
        id,
        name,
        email,
        queue_id: queue.map(|q| clean(&q.id, MAX_FIELD)),
        queue_name: queue.and_then(|q| q.name.as_deref()).map(|n| clean(n, 40)),
        presence,
        chat: rec.max_chat_support.map(|m| Load {
            used: 0,
            total: m.clamp(0, 999) as u32,
        }),
        voice: None,
    }
}

/// Presence and load per channel from agent-availability.
fn apply_availability(model: &mut Model, av: AvailabilityResponse, index: &HashMap<String, usize>) {
    for (status, rec) in av.iter() {
        let Some(a) = index.get(&rec.id).and_then(|&i| model.agents.get_mut(i)) else {
            continue;
        };
        a.presence = Presence::parse(status);
        let cap = &rec.channel_capacity;
        if let Some(c) = cap.live_chat.or(cap.messaging) {
            a.chat = Some(Load {
                used: c.used_capacity,
                total: c.total_capacity,
            });
        }
        if let Some(v) = cap.voice {
            a.voice = Some(Load {
                used: v.used_capacity,
                total: v.total_capacity,
            });
        }
    }
}
