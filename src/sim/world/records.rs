//! The world's agents, queues and conversations in the wire shapes the
//! list endpoints answer with.

use super::model::{Channel, SimAgent, SimConversation, SimQueue, World};
use crate::kore::wire::{
    AgentQueue, AgentRecord, AvailabilityAgent, Capacity, ChannelCapacity, ConversationParticipant,
    ConversationQueue, ConversationRecord, QueueAgent, QueueRecord,
};

impl World {
    pub fn conversation_record(&self, c: &SimConversation, now_ms: i64) -> ConversationRecord {
        let stay = |id: &str, status: &str, start_ms: i64| {
            let queue = self.queue(id);
            ConversationQueue {
                id: Some(id.to_string()),
                name: queue.map(|q| q.name.clone()),
                kind: Some("ASSIGNED".to_string()),
                status: Some(status.to_string()),
                start_time: Some(iso(start_ms)),
            }
        };
        // The queues it was moved out of, then the one it is in (ACTIVE until
        // the conversation ends).
        let queues = c
            .earlier_queues
            .iter()
            .map(|s| stay(&s.queue_id, "INACTIVE", s.start_ms))
            .chain(c.queue_id.as_deref().map(|q| {
                let status = if c.status.is_ended() {
                    "INACTIVE"
                } else {
                    "ACTIVE"
                };
                stay(q, status, c.queued_ms)
            }))
            .collect();
        ConversationRecord {
            id: Some(c.id.clone()),
            conversation_id: Some(c.id.clone()),
            bot_session_id: Some(c.bot_session_id.clone()),
            bot_id: Some(self.ids.bot_id.clone()),
            org_id: Some(self.ids.org_id.clone()),
            account_id: Some(self.ids.account_id.clone()),
            user_id: Some(c.user_id.clone()),
            source: Some(c.channel.source().to_string()),
            conversation_type: Some(c.channel.conversation_type().to_string()),
            status: Some(c.status.as_str().to_string()),
            language: Some(c.language.clone()),
            participants: c
                .participants
                .iter()
                .map(|p| ConversationParticipant {
                    agent_id: Some(p.agent_id.clone()),
                    name: Some(p.name.clone()),
                    status: Some(if p.active { "ACTIVE" } else { "INACTIVE" }.to_string()),
                    assigned_at: Some(iso(p.assigned_ms)),
                    start_time_stamp: p.entered_ms.map(iso),
                    end_time_stamp: p.end_ms.map(iso),
                    queue_id: p.queue_id.clone(),
                    queue_name: p
                        .queue_id
                        .as_deref()
                        .and_then(|q| self.queue(q))
                        .map(|q| q.name.clone()),
                    is_transferred: Some(false),
                })
                .collect(),
            queues,
            wait_time: Some(c.wait_ms(now_ms)),
            priority: Some(
                if c.channel == Channel::Voice {
                    "10"
                } else {
                    "5"
                }
                .to_string(),
            ),
            survey_required: Some(false),
            start_time: Some(iso(c.created_ms)),
            start_session_time: Some(iso(c.created_ms)),
            end_time: c.ended_ms.map(iso),
            accepted_at: c.accepted_ms.map(iso),
            created_at: Some(iso(c.created_ms)),
            updated_at: Some(iso(c.updated_ms)),
            key_intent_name: Some(c.key_intent.clone()),
            phone_number: c.phone.clone(),
        }
    }

    pub fn agent_record(&self, a: &SimAgent, include_queues: bool) -> AgentRecord {
        let presence = a.effective_presence();
        AgentRecord {
            id: a.id.clone(),
            user_id: Some(a.user_id.clone()),
            name: None,
            first_name: Some(a.first_name.clone()),
            last_name: Some(a.last_name.clone()),
            nick_name: Some(a.first_name.clone()),
            email: None,
            email_id: Some(a.email.clone()),
            phone_number: Some(a.phone.clone()),
            is_active: None,
            status: Some("ACTIVE".to_string()),
            online_status: Some(presence.label().to_string()),
            online_status_type: Some(presence.as_str().to_string()),
            can_support_chat: Some(a.chat_max > 0),
            max_chat_support: Some(a.chat_max as i64),
            can_support_voice: Some(a.voice_max > 0),
            queues: if include_queues {
                a.queue_ids
                    .iter()
                    .filter_map(|q| self.queue(q))
                    .map(|q| AgentQueue {
                        id: q.id.clone(),
                        name: Some(q.name.clone()),
                        description: Some(q.description.clone()),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            role: Some("Agent".to_string()),
        }
    }

    pub fn availability_agent(&self, a: &SimAgent) -> AvailabilityAgent {
        let cap = |enabled: bool, total: u32, used: u32| {
            Some(Capacity {
                is_enabled: enabled,
                total_capacity: total,
                used_capacity: used.min(total),
                available_capacity: total.saturating_sub(used),
            })
        };
        let chat = a.chat_max > 0;
        AvailabilityAgent {
            id: a.id.clone(),
            user_id: Some(a.user_id.clone()),
            first_name: Some(a.first_name.clone()),
            last_name: Some(a.last_name.clone()),
            email_id: Some(a.email.clone()),
            custom_id: Some(format!("DEMO-{}", &a.id[2..9])),
            phone_number: Some(a.phone.clone()),
            is_digital_enabled: Some(chat),
            // Live chat and messaging draw on one chat pool in the simulator.
            channel_capacity: ChannelCapacity {
                live_chat: cap(chat, a.chat_max, a.chat_used),
                messaging: cap(chat, a.chat_max, a.chat_used),
                email: cap(true, 3, 0),
                voice: cap(a.voice_max > 0, a.voice_max, a.voice_used),
                voice_mail: cap(a.voice_max > 0, 5, 0),
            },
        }
    }

    pub fn queue_record(&self, q: &SimQueue) -> QueueRecord {
        QueueRecord {
            id: q.id.clone(),
            name: q.name.clone(),
            is_active: Some(true),
            is_default: Some(q.id == self.queues[0].id),
            description: Some(q.description.clone()),
            agents: self
                .agents
                .iter()
                .filter(|a| a.queue_ids.contains(&q.id))
                .map(|a| QueueAgent {
                    user_id: a.user_id.clone(),
                    name: Some(a.name()),
                    is_preferred_agent: Some(false),
                })
                .collect(),
        }
    }
}

/// Milliseconds since the Unix epoch as `2023-05-25T06:56:11.959Z`.
pub fn iso(ms: i64) -> String {
    use time::OffsetDateTime;
    use time::macros::format_description;
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}
