//! The Hooks API (`POST /agentassist/api/v1/hooks/{botId}`): the body and
//! its events (`INTERNAL_TRANSFER_EVENT`, `TRIGGER_SUMMARY_EVENT`,
//! `END_OF_CONVERSATION`), the success answer, and what an event needs
//! beyond the domain's (`EventContext`).

use super::lenient::opt_loose_bool;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_with::skip_serializing_none;

/// The body of a hooks request.
///
/// The samples on the webhook page omit `conversationId` and `botId`, so both
/// default to empty when parsing; the client always writes them.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HooksBody {
    #[serde(default)]
    pub conversation_id: String,
    #[serde(default)]
    pub bot_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<HookEvent>,
    // Fields of user/agent message events. Not sent by the console, but accepted.
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub experience: Option<String>,
    #[serde(default)]
    pub author: Option<Author>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub send_user_message: Option<bool>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub send_agent_message: Option<bool>,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Author {
    #[serde(rename = "type")]
    pub kind: String,
}

/// One entry of `events[]`, told apart by its `name`.
#[derive(Debug, Clone, PartialEq)]
pub enum HookEvent {
    InternalTransfer(TransferEvent),
    TriggerSummary(SummaryEvent),
    EndOfConversation(EndEvent),
    /// An event name this project does not know. Kept so that nothing is lost.
    Other(Value),
}

pub const INTERNAL_TRANSFER_EVENT: &str = "INTERNAL_TRANSFER_EVENT";
pub const TRIGGER_SUMMARY_EVENT: &str = "TRIGGER_SUMMARY_EVENT";
pub const END_OF_CONVERSATION: &str = "END_OF_CONVERSATION";

impl HookEvent {
    pub fn name(&self) -> &str {
        match self {
            HookEvent::InternalTransfer(_) => INTERNAL_TRANSFER_EVENT,
            HookEvent::TriggerSummary(_) => TRIGGER_SUMMARY_EVENT,
            HookEvent::EndOfConversation(_) => END_OF_CONVERSATION,
            HookEvent::Other(v) => v.get("name").and_then(Value::as_str).unwrap_or("?"),
        }
    }
}

#[derive(Serialize)]
struct Named<'a, T> {
    name: &'a str,
    #[serde(flatten)]
    inner: &'a T,
}

impl Serialize for HookEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            HookEvent::InternalTransfer(e) => Named {
                name: INTERNAL_TRANSFER_EVENT,
                inner: e,
            }
            .serialize(s),
            HookEvent::TriggerSummary(e) => Named {
                name: TRIGGER_SUMMARY_EVENT,
                inner: e,
            }
            .serialize(s),
            HookEvent::EndOfConversation(e) => Named {
                name: END_OF_CONVERSATION,
                inner: e,
            }
            .serialize(s),
            HookEvent::Other(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for HookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| de::Error::missing_field("name"))?;
        // Event names are compared without regard to case, like the transfer types.
        let upper = name.to_ascii_uppercase();
        let parsed = match upper.as_str() {
            INTERNAL_TRANSFER_EVENT => {
                HookEvent::InternalTransfer(serde_json::from_value(v).map_err(de::Error::custom)?)
            }
            TRIGGER_SUMMARY_EVENT => {
                HookEvent::TriggerSummary(serde_json::from_value(v).map_err(de::Error::custom)?)
            }
            END_OF_CONVERSATION => {
                HookEvent::EndOfConversation(serde_json::from_value(v).map_err(de::Error::custom)?)
            }
            _ => HookEvent::Other(v),
        };
        Ok(parsed)
    }
}

/// `INTERNAL_TRANSFER_EVENT`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferEvent {
    pub transfertype: TransferType,
    pub transition: Transition,
    /// Documented as required, but missing from the redial payload sample.
    #[serde(rename = "isExtAD", default, deserialize_with = "opt_loose_bool")]
    pub is_ext_ad: Option<bool>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub experience: Option<String>,
    /// Only the redial payload sample carries it.
    #[serde(default)]
    pub reason: Option<String>,
    pub participant: Participant,
}

/// `NA`, `COLD`, `WARM` or `redial`. Parsed without regard to case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferType {
    Na,
    Cold,
    Warm,
    Redial,
}

impl TransferType {
    /// The form written on the wire: upper case as in the Event Structure, and
    /// `redial` in lower case as in its only samples.
    pub fn as_wire(self) -> &'static str {
        match self {
            TransferType::Na => "NA",
            TransferType::Cold => "COLD",
            TransferType::Warm => "WARM",
            TransferType::Redial => "redial",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "NA" => Some(TransferType::Na),
            "COLD" => Some(TransferType::Cold),
            "WARM" => Some(TransferType::Warm),
            "REDIAL" => Some(TransferType::Redial),
            _ => None,
        }
    }
}

impl std::fmt::Display for TransferType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransferType::Redial => "REDIAL",
            other => other.as_wire(),
        })
    }
}

impl Serialize for TransferType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_wire())
    }
}

impl<'de> Deserialize<'de> for TransferType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TransferType::parse(&s).ok_or_else(|| {
            de::Error::invalid_value(de::Unexpected::Str(&s), &"NA, COLD, WARM or redial")
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Entry,
    Exit,
}

impl Transition {
    pub fn as_wire(self) -> &'static str {
        match self {
            Transition::Entry => "entry",
            Transition::Exit => "exit",
        }
    }
}

impl std::fmt::Display for Transition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_wire())
    }
}

impl Serialize for Transition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_wire())
    }
}

impl<'de> Deserialize<'de> for Transition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.trim().to_ascii_lowercase().as_str() {
            "entry" => Ok(Transition::Entry),
            "exit" => Ok(Transition::Exit),
            _ => Err(de::Error::invalid_value(
                de::Unexpected::Str(&s),
                &"entry or exit",
            )),
        }
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub identity: String,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default = "agent_type")]
    pub kind: String,
    #[serde(default)]
    pub custom_fields: Option<CustomFields>,
}

fn agent_type() -> String {
    "agent".to_string()
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFields {
    #[serde(default)]
    pub agent_email: Option<String>,
    #[serde(default)]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub queue_name: Option<String>,
}

impl CustomFields {
    pub fn is_empty(&self) -> bool {
        self.agent_email.is_none() && self.queue_id.is_none() && self.queue_name.is_none()
    }
}

/// `TRIGGER_SUMMARY_EVENT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryEvent {
    pub data: SummaryData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryData {
    /// A language name such as `English` (the docs use a name here, a code elsewhere).
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub locale: String,
    #[serde(rename = "type", default = "post")]
    pub kind: String,
}

fn post() -> String {
    "post".to_string()
}

/// `END_OF_CONVERSATION`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndEvent {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub experience: Option<String>,
    #[serde(default)]
    pub participant: Option<Participant>,
}

/// A hooks success body: `{"STATUS": "OK"}` (or no body at all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusOk {
    #[serde(rename = "STATUS")]
    pub status: String,
}

/// What a hooks event needs beyond the domain event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    /// `chat` or `voice`.
    pub experience: String,
    /// A language code such as `en`.
    pub language: String,
    pub is_ext_ad: bool,
    /// `reason` of END_OF_CONVERSATION.
    pub end_reason: String,
}

impl Default for EventContext {
    fn default() -> Self {
        EventContext {
            experience: "chat".into(),
            language: "en".into(),
            is_ext_ad: true,
            end_reason: "agent_initiated".into(),
        }
    }
}
