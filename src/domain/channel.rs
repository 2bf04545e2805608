//! The one word for how a customer talks to the contact centre.

use serde::{Deserialize, Serialize};

/// Chat (messaging) or voice. The console, the scripting commands and the
/// simulator all use this one type; each adds what it needs to say about it
/// (the console how it reads Kore's records, the simulator what it reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Chat,
    Voice,
}

impl Channel {
    /// `chat` or `voice`: the hooks events' `experience`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Voice => "voice",
        }
    }

    /// `chat` or `voice` in any case, with spaces around.
    pub fn parse(text: &str) -> Option<Channel> {
        match text.trim().to_ascii_lowercase().as_str() {
            "chat" => Some(Channel::Chat),
            "voice" => Some(Channel::Voice),
            _ => None,
        }
    }
}
