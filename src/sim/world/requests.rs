//! What the API's requests do to the world: assign-conversation to an
//! agent or a queue, and the hooks roster followed after an accepted hooks
//! request (or an agent entering by another way).

use super::model::{Channel, ConvStatus, Presence, QueueStay, SimAgent, World};
use crate::sim::transfer::SimTransfer;

impl World {
    /// Why `agent` cannot take a conversation on `channel`, if it cannot.
    pub(super) fn refuse_agent(agent: &SimAgent, channel: Channel) -> Option<String> {
        match agent.presence {
            Presence::Offline | Presence::Away => {
                return Some(format!(
                    "agent {} ({}) is {}",
                    agent.id,
                    agent.name(),
                    agent.presence.as_str()
                ));
            }
            Presence::Available | Presence::Busy => {}
        }
        let (max, used) = match channel {
            Channel::Chat => (agent.chat_max, agent.chat_used),
            Channel::Voice => (agent.voice_max, agent.voice_used),
        };
        if max == 0 {
            return Some(format!(
                "agent {} ({}) does not take {} conversations",
                agent.id,
                agent.name(),
                channel.as_str()
            ));
        }
        if used >= max {
            return Some(format!(
                "agent {} ({}) is at capacity for {} ({used}/{max})",
                agent.id,
                agent.name(),
                channel.as_str()
            ));
        }
        None
    }

    fn session_index(&self, bot_session_id: &str) -> Result<usize, String> {
        let idx = self
            .conversations
            .iter()
            .rposition(|c| c.bot_session_id == bot_session_id)
            .ok_or_else(|| format!("no conversation has botSessionId {bot_session_id}"))?;
        let conv = &self.conversations[idx];
        if conv.status.is_ended() {
            return Err(format!(
                "conversation {} with botSessionId {bot_session_id} has ended ({})",
                conv.id,
                conv.status.as_str()
            ));
        }
        Ok(idx)
    }

    /// Carries out assign-conversation to an agent. The error is the reason
    /// the failure callback reports.
    pub fn assign_to_agent(
        &mut self,
        bot_session_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<String, String> {
        let agent_idx = self
            .agents
            .iter()
            .position(|a| a.id == agent_id)
            .ok_or_else(|| format!("agent {agent_id} is unknown"))?;
        let conv_idx = self.session_index(bot_session_id)?;
        let conv = &self.conversations[conv_idx];
        let holds = conv
            .participants
            .iter()
            .find(|p| p.active && p.agent_id == agent_id);
        // Entered already (their NA entry came before the transfer was
        // carried out): the conversation is theirs, nothing to move.
        if holds.is_some_and(|p| p.entered_ms.is_some()) {
            let conv = &mut self.conversations[conv_idx];
            conv.driven = true;
            return Ok(conv.id.clone());
        }
        if holds.is_some() {
            return Err(format!(
                "agent {agent_id} already handles conversation {}",
                conv.id
            ));
        }
        if let Some(why) = Self::refuse_agent(&self.agents[agent_idx], conv.channel) {
            return Err(why);
        }
        let to = &self.agents[agent_idx];
        let moved =
            SimTransfer::by_supervisor(now_ms, conv.queue_id.clone(), "AGENT", &to.id, &to.name());
        // The agent is offered the conversation; their NA entry (from the
        // console, or their desktop) makes them present.
        self.give(conv_idx, agent_idx, false, now_ms);
        let conv = &mut self.conversations[conv_idx];
        conv.transfers.push(moved);
        conv.driven = true;
        Ok(conv.id.clone())
    }

    /// Carries out assign-conversation to a queue: the conversation leaves
    /// its agents and its queue and waits in this one, from now. The queue's
    /// life takes it from there (its members answer it, or its customer
    /// gives up), so the generator owns it again.
    pub fn assign_to_queue(
        &mut self,
        bot_session_id: &str,
        queue_id: &str,
        now_ms: i64,
    ) -> Result<String, String> {
        if self.queue(queue_id).is_none() {
            return Err(format!("queue {queue_id} is unknown"));
        }
        let idx = self.session_index(bot_session_id)?;
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
        let to_name = self
            .queue(queue_id)
            .map(|q| q.name.clone())
            .unwrap_or_default();
        let conv = &mut self.conversations[idx];
        let moved =
            SimTransfer::by_supervisor(now_ms, conv.queue_id.clone(), "QUEUE", queue_id, &to_name);
        conv.transfers.push(moved);
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            p.active = false;
            p.end_ms = Some(now_ms);
        }
        if let Some(left) = conv.queue_id.take() {
            conv.earlier_queues.push(QueueStay {
                queue_id: left,
                start_ms: conv.queued_ms,
                end_ms: now_ms,
            });
        }
        conv.queue_id = Some(queue_id.to_string());
        conv.queued_ms = now_ms;
        // A customer who was with an agent starts waiting again; one who
        // was waiting goes on waiting.
        conv.wait_started_ms.get_or_insert(now_ms);
        if !conv.status.is_waiting() {
            conv.status = ConvStatus::Open;
        }
        conv.updated_ms = now_ms;
        conv.driven = false;
        Ok(conv.id.clone())
    }

    /// The agents present in a conversation the world knows (entered and
    /// not left), by agent id; `None` for a conversation it does not know.
    pub fn entered_agents(&self, conversation_id: &str) -> Option<Vec<String>> {
        let conv = self.conversation(conversation_id)?;
        Some(
            conv.participants
                .iter()
                .filter(|p| p.active && p.entered_ms.is_some())
                .map(|p| p.agent_id.clone())
                .collect(),
        )
    }

    /// After an accepted hooks request, the participants follow the hooks
    /// roster: who it has present entered (an assigned agent takes the
    /// conversation up; a stranger joins), who it no longer has left.
    pub fn follow_hooks(&mut self, conversation_id: &str, present: &[String], now_ms: i64) {
        let Some(idx) = self
            .conversations
            .iter()
            .position(|c| c.id == conversation_id)
        else {
            return;
        };
        let channel = self.conversations[idx].channel;
        let mut released = Vec::new();
        let mut joined = Vec::new();
        let conv = &mut self.conversations[idx];
        for p in conv.participants.iter_mut().filter(|p| p.active) {
            if present.contains(&p.agent_id) {
                p.entered_ms.get_or_insert(now_ms);
            } else if p.entered_ms.is_some() {
                p.active = false;
                p.end_ms = Some(now_ms);
                released.push(p.agent_id.clone());
            }
        }
        for who in present {
            if !conv
                .participants
                .iter()
                .any(|p| p.active && &p.agent_id == who)
            {
                joined.push(who.clone());
            }
        }
        for id in released {
            if let Some(a) = self.agents.iter_mut().find(|a| a.id == id) {
                a.release(channel);
            }
        }
        for id in joined {
            self.join(idx, &id, now_ms);
        }
    }

    /// An agent enters a conversation by another way than the hooks API (an
    /// agent desktop): present at once, as Kore would list them.
    pub fn enter_elsewhere(
        &mut self,
        conversation_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<(), String> {
        let idx = self
            .conversations
            .iter()
            .position(|c| c.id == conversation_id)
            .ok_or_else(|| format!("no conversation {conversation_id}"))?;
        if self.conversations[idx].status.is_ended() {
            return Err(format!("{conversation_id} has ended"));
        }
        self.answered(idx, now_ms);
        self.join(idx, agent_id, now_ms);
        let conv = &mut self.conversations[idx];
        conv.status = ConvStatus::Active;
        conv.accepted_ms.get_or_insert(now_ms);
        Ok(())
    }

    /// Reflects an accepted hooks request on a conversation the world knows:
    /// an agent entry makes it ACTIVE, END_OF_CONVERSATION closes it. Unknown
    /// conversation ids are ignored here (their rosters live elsewhere).
    pub fn on_hooks(&mut self, conversation_id: &str, entered: bool, ended: bool, now_ms: i64) {
        let Some(idx) = self
            .conversations
            .iter()
            .position(|c| c.id == conversation_id)
        else {
            return;
        };
        self.conversations[idx].driven = true;
        if self.conversations[idx].status.is_ended() {
            return;
        }
        if ended {
            self.finish(idx, ConvStatus::Closed, now_ms);
        } else if entered {
            self.answered(idx, now_ms);
            let conv = &mut self.conversations[idx];
            conv.status = ConvStatus::Active;
            conv.accepted_ms.get_or_insert(now_ms);
            conv.updated_ms = now_ms;
        }
    }
}
