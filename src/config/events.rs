//! `[events]`: the defaults and the ordering of the events the console
//! sends (channel, language, cold transfer order, closing events).

use crate::kore::wire::{END_OF_CONVERSATION, TRIGGER_SUMMARY_EVENT};
use serde::Deserialize;

/// `[events]`: defaults and ordering for the events the console sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// Used when a conversation does not say which channel it is on.
    pub experience: Experience,
    /// Used when a conversation does not say which language it is in.
    pub language: String,
    pub is_ext_ad: bool,
    /// The order of the two events of a cold transfer.
    pub cold_order: ColdOrderCfg,
    /// The events sent after the last agent has left, in this order.
    pub on_end: Vec<ClosingCfg>,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            experience: Experience::Chat,
            language: "en".to_string(),
            is_ext_ad: true,
            cold_order: ColdOrderCfg::ExitFirst,
            on_end: vec![ClosingCfg::TriggerSummary, ClosingCfg::EndOfConversation],
        }
    }
}

/// The order of the events of a cold transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColdOrderCfg {
    /// The current agent's `COLD` exit, then the new agent's `COLD` entry (the documented flow).
    #[default]
    ExitFirst,
    /// The new agent's `COLD` entry first, then the current agent's exit.
    EntryFirst,
}

impl ColdOrderCfg {
    pub fn as_str(self) -> &'static str {
        match self {
            ColdOrderCfg::ExitFirst => "exit-first",
            ColdOrderCfg::EntryFirst => "entry-first",
        }
    }
}

/// A closing event sent when a conversation ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum ClosingCfg {
    #[serde(rename = "TRIGGER_SUMMARY_EVENT")]
    TriggerSummary,
    #[serde(rename = "END_OF_CONVERSATION")]
    EndOfConversation,
}

impl ClosingCfg {
    /// The event name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ClosingCfg::TriggerSummary => TRIGGER_SUMMARY_EVENT,
            ClosingCfg::EndOfConversation => END_OF_CONVERSATION,
        }
    }
}

/// The channel of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Experience {
    #[default]
    Chat,
    Voice,
}

impl Experience {
    pub fn as_str(self) -> &'static str {
        match self {
            Experience::Chat => "chat",
            Experience::Voice => "voice",
        }
    }
}

display_as_str!(ColdOrderCfg, ClosingCfg, Experience);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let events = EventsConfig::default();
        assert_eq!(events.experience, Experience::Chat);
        assert_eq!(events.language, "en");
        assert!(events.is_ext_ad);
        assert_eq!(events.cold_order, ColdOrderCfg::ExitFirst);
        assert_eq!(
            events.on_end,
            vec![ClosingCfg::TriggerSummary, ClosingCfg::EndOfConversation]
        );
    }
}
