//! The moves every path shares (routing, the supervisor's requests, the
//! generator): an agent given a conversation or joining it, its answer
//! counted in its queue, its end; each keeps the agents' capacity right.

use super::model::{ConvStatus, SimConversation, SimParticipant, World};

impl World {
    /// Gives the agent at `agent_idx` the conversation at `conv_idx`: earlier
    /// agents leave it (their capacity is freed) and it becomes ACTIVE.
    pub(super) fn give(&mut self, conv_idx: usize, agent_idx: usize, entered: bool, now_ms: i64) {
        let channel = self.conversations[conv_idx].channel;
        let earlier: Vec<String> = self.conversations[conv_idx]
            .participants
            .iter()
            .filter(|p| p.active)
            .map(|p| p.agent_id.clone())
            .collect();
        for id in earlier {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        let agent = &mut self.agents[agent_idx];
        agent.take(channel);
        let (agent_id, name) = (agent.id.clone(), agent.name());
        self.answered(conv_idx, now_ms);
        let conv = &mut self.conversations[conv_idx];
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            p.active = false;
            p.end_ms = Some(now_ms);
        }
        conv.participants.push(SimParticipant {
            agent_id,
            name,
            active: true,
            assigned_ms: now_ms,
            entered_ms: entered.then_some(now_ms),
            end_ms: None,
            queue_id: conv.queue_id.clone(),
        });
        conv.status = ConvStatus::Active;
        conv.accepted_ms.get_or_insert(now_ms);
        conv.updated_ms = now_ms;
    }

    /// When the conversation at `idx` waits, an agent has now taken it: its
    /// queue counts the answer and how long it waited there.
    pub(super) fn answered(&mut self, idx: usize, now_ms: i64) {
        let conv = &mut self.conversations[idx];
        if !conv.status.is_waiting() {
            return;
        }
        conv.stop_waiting(now_ms);
        let conv = &self.conversations[idx];
        let wait = (now_ms - conv.queued_ms).max(0);
        if let Some(q) = self.queue_index(conv) {
            let tally = self.queues[q].tally(conv);
            tally.answered += 1;
            tally.answer_wait_ms += wait;
        }
    }

    pub(super) fn queue_index(&self, conv: &SimConversation) -> Option<usize> {
        let id = conv.queue_id.as_deref()?;
        self.queues.iter().position(|q| q.id == id)
    }

    /// Ends the conversation at `idx` with `status`, freeing its agents' capacity.
    pub(super) fn finish(&mut self, idx: usize, status: ConvStatus, now_ms: i64) {
        let channel = self.conversations[idx].channel;
        let active: Vec<String> = self.conversations[idx]
            .participants
            .iter()
            .filter(|p| p.active)
            .map(|p| p.agent_id.clone())
            .collect();
        for id in active {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        let conv = &mut self.conversations[idx];
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            p.active = false;
            p.end_ms = Some(now_ms);
        }
        conv.stop_waiting(now_ms);
        conv.status = status;
        conv.ended_ms = Some(now_ms);
        conv.updated_ms = now_ms;
    }

    /// `agent_id` joins the conversation at `idx`, entered now (holding
    /// capacity when the world knows the agent).
    pub(super) fn join(&mut self, idx: usize, agent_id: &str, now_ms: i64) {
        let channel = self.conversations[idx].channel;
        let name = match self.agents.iter_mut().find(|a| a.id == agent_id) {
            Some(a) => {
                a.take(channel);
                a.name()
            }
            None => agent_id.to_string(),
        };
        let conv = &mut self.conversations[idx];
        conv.participants.push(SimParticipant {
            agent_id: agent_id.to_string(),
            name,
            active: true,
            assigned_ms: now_ms,
            entered_ms: Some(now_ms),
            end_ms: None,
            queue_id: conv.queue_id.clone(),
        });
        conv.updated_ms = now_ms;
    }
}
