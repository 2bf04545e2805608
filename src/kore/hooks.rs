//! Turns the domain's events into hooks payloads.
//!
//! The domain knows agents and transitions; the wire needs the conversation's
//! channel, language and the `isExtAD` flag, which come from the conversation
//! and the `[events]` config.

use super::wire::{
    CustomFields, EndEvent, HookEvent, Participant, SummaryData, SummaryEvent, TransferEvent,
    TransferType, Transition as WireTransition,
};
use crate::domain::{AgentRef, Event, TransferKind, Transition};

pub use super::wire::EventContext;

pub fn participant(agent: &AgentRef) -> Participant {
    let custom = CustomFields {
        agent_email: agent.email.clone(),
        queue_id: agent.queue_id.clone(),
        queue_name: agent.queue_name.clone(),
    };
    Participant {
        identity: agent.identity.clone(),
        name: agent.name.clone(),
        kind: "agent".into(),
        custom_fields: (!custom.is_empty()).then_some(custom),
    }
}

/// The wire form of one domain event.
pub fn to_wire(event: &Event, ctx: &EventContext) -> HookEvent {
    match event {
        Event::Transfer {
            kind,
            transition,
            agent,
        } => HookEvent::InternalTransfer(TransferEvent {
            transfertype: match kind {
                TransferKind::Na => TransferType::Na,
                TransferKind::Cold => TransferType::Cold,
                TransferKind::Warm => TransferType::Warm,
                TransferKind::Redial => TransferType::Redial,
            },
            transition: match transition {
                Transition::Entry => WireTransition::Entry,
                Transition::Exit => WireTransition::Exit,
            },
            is_ext_ad: Some(ctx.is_ext_ad),
            language: Some(ctx.language.clone()),
            experience: Some(ctx.experience.clone()),
            reason: None,
            participant: participant(agent),
        }),
        Event::TriggerSummary => HookEvent::TriggerSummary(SummaryEvent {
            data: SummaryData {
                language: language_name(&ctx.language),
                locale: ctx.language.clone(),
                kind: "post".into(),
            },
        }),
        Event::EndOfConversation { agent } => HookEvent::EndOfConversation(EndEvent {
            reason: Some(ctx.end_reason.clone()),
            language: Some(ctx.language.clone()),
            experience: Some(ctx.experience.clone()),
            participant: agent.as_ref().map(participant),
        }),
    }
}

/// TRIGGER_SUMMARY_EVENT wants a language name (`English`) where every other
/// event uses a code (`en`). Unknown codes are sent as they are.
pub fn language_name(code: &str) -> String {
    let base = code.split(['-', '_']).next().unwrap_or(code);
    match base.to_ascii_lowercase().as_str() {
        "en" => "English",
        "de" => "German",
        "es" => "Spanish",
        "fr" => "French",
        "it" => "Italian",
        "pt" => "Portuguese",
        "nl" => "Dutch",
        "ja" => "Japanese",
        "zh" => "Chinese",
        "ar" => "Arabic",
        "hi" => "Hindi",
        _ => return code.to_string(),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_cold_exit_is_written_as_documented() {
        let agent = AgentRef::new("a-1", "Mia Chen")
            .with_identity("agent-7")
            .with_email("mia@example.com")
            .with_queue("qu-1", "Billing");
        let ctx = EventContext {
            experience: "voice".into(),
            language: "de".into(),
            is_ext_ad: false,
            end_reason: "agent_initiated".into(),
        };
        let wire = to_wire(&Event::cold_exit(agent), &ctx);
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            json!({
                "name": "INTERNAL_TRANSFER_EVENT", "transfertype": "COLD", "transition": "exit",
                "isExtAD": false, "language": "de", "experience": "voice",
                "participant": {"identity": "agent-7", "name": "Mia Chen", "type": "agent",
                    "customFields": {"agentEmail": "mia@example.com", "queueId": "qu-1", "queueName": "Billing"}}
            })
        );
    }

    #[test]
    fn closing_events() {
        let ctx = EventContext::default();
        assert_eq!(
            serde_json::to_value(to_wire(&Event::TriggerSummary, &ctx)).unwrap(),
            json!({"name": "TRIGGER_SUMMARY_EVENT", "data": {"language": "English", "locale": "en", "type": "post"}})
        );
        let end = to_wire(
            &Event::EndOfConversation {
                agent: Some(AgentRef::new("a-2", "Raj")),
            },
            &ctx,
        );
        assert_eq!(
            serde_json::to_value(end).unwrap(),
            json!({"name": "END_OF_CONVERSATION", "reason": "agent_initiated", "language": "en",
                   "experience": "chat", "participant": {"identity": "a-2", "name": "Raj", "type": "agent"}})
        );
        let redial = to_wire(&Event::redial_entry(AgentRef::new("a", "A")), &ctx);
        assert_eq!(
            serde_json::to_value(redial).unwrap()["transfertype"],
            "redial"
        );
        assert_eq!(language_name("pt-BR"), "Portuguese");
        assert_eq!(language_name("xx"), "xx");
    }
}
