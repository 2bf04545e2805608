//! Get Conversation Details (`GET public/{botId}/conversations/sessions/{sessionId}`)
//! and Get a Specific Conversation (`GET public/{streamId}/conversations/{id}`):
//! one conversation in depth, as both pages show it.
//!
//! Read leniently, every field optional. The two pages disagree on several
//! shapes, and each documented form is accepted:
//! - a participant's id as `agentId` or `id`, "was transferred" as
//!   `conversationTransferred` or `isTransferred`;
//! - `transferredTo` as an array of targets, one target object or a bare id;
//! - `priority` as a string (`"HIGHEST"`) or a number (`5`);
//! - `systemTransfer` as a bool or a string (`"true"`, `"YES"`);
//! - `summary` as an array of strings or one string;
//! - `notes` as strings or objects;
//! - the customer's phone as `phoneNumber` or `phone`, email as `email` or `emailId`.
//!
//! A field of a shape nobody documented (an object where a string belongs)
//! is read as absent rather than failing the whole answer.

use super::lenient::{opt_loose_i64, opt_loose_string, value_to_bool};
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

/// The whole answer of either endpoint.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetails {
    /// `c-…`: the conversation's id (`_id` in the samples, `id` in the table).
    #[serde(rename = "_id", default, deserialize_with = "opt_loose_string")]
    pub id: Option<String>,
    #[serde(rename = "id", default, deserialize_with = "opt_loose_string")]
    pub plain_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub bot_session_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub conversation_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub participants: Vec<DetailsParticipant>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub transfer_details: Vec<TransferDetail>,
    /// One string or an array of them.
    #[serde(
        default,
        deserialize_with = "texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub summary: Vec<String>,
    #[serde(default, deserialize_with = "or_none")]
    pub dispositions: Option<Dispositions>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub notes: Vec<Note>,
    #[serde(default, deserialize_with = "or_none")]
    pub user_info: Option<UserInfo>,
    /// Milliseconds (get-conversation only).
    #[serde(default, deserialize_with = "opt_loose_i64_or_none")]
    pub wait_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub start_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub end_time: Option<String>,
}

impl ConversationDetails {
    /// `_id`, else `id`.
    pub fn conversation_id(&self) -> Option<&str> {
        self.id.as_deref().or(self.plain_id.as_deref())
    }
}

/// One agent's part in the conversation: a queue stay, an assignment, a chat.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailsParticipant {
    #[serde(default, deserialize_with = "opt_text")]
    pub agent_id: Option<String>,
    /// The same id under another name; `agentId` wins when both are there.
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    /// ACTIVE or INACTIVE.
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub queue_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub queue_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub queue_start_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub assigned_at: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub start_time_stamp: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub end_time_stamp: Option<String>,
    /// The details page's spelling of "was transferred".
    #[serde(default, deserialize_with = "opt_flag")]
    pub conversation_transferred: Option<bool>,
    /// get-conversation's spelling of it.
    #[serde(default, deserialize_with = "opt_flag")]
    pub is_transferred: Option<bool>,
    /// Why this part ended (`OVERDUE`, …).
    #[serde(default, deserialize_with = "opt_text")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "opt_flag")]
    pub ended_chat: Option<bool>,
    /// A role when Kore gives one (`role`, `type` or `participantType`).
    #[serde(default, deserialize_with = "opt_text")]
    pub role: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "opt_text")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub participant_type: Option<String>,
    #[serde(default, deserialize_with = "opt_flag")]
    pub is_consultant: Option<bool>,
}

impl DetailsParticipant {
    /// `agentId`, else `id`.
    pub fn agent(&self) -> Option<&str> {
        self.agent_id.as_deref().or(self.id.as_deref())
    }

    /// Either spelling of "was transferred".
    pub fn transferred(&self) -> Option<bool> {
        self.conversation_transferred.or(self.is_transferred)
    }

    /// The role as given, under whichever name.
    pub fn role_name(&self) -> Option<&str> {
        self.role
            .as_deref()
            .or(self.participant_type.as_deref())
            .or(self.kind.as_deref())
    }

    /// Whether the participant is a consultant (a flag or a role saying so).
    pub fn consultant(&self) -> bool {
        self.is_consultant == Some(true)
            || self
                .role_name()
                .is_some_and(|r| r.to_ascii_lowercase().contains("consult"))
    }
}

/// One transfer of the conversation, to a queue or an agent.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferDetail {
    /// A queue id.
    #[serde(default, deserialize_with = "opt_text")]
    pub from_queue: Option<String>,
    /// An agent id (get-conversation).
    #[serde(default, deserialize_with = "opt_text")]
    pub from_agent: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub transferred_by_agent_name: Option<String>,
    /// An agent id (get-conversation).
    #[serde(default, deserialize_with = "opt_text")]
    pub transferred_by: Option<String>,
    /// QUEUE or AGENT.
    #[serde(default, deserialize_with = "opt_text")]
    pub transferred_type: Option<String>,
    /// An array of targets, one target or a bare id.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub transferred_to: Vec<TransferTarget>,
    /// `"HIGHEST"` or a number, kept as text.
    #[serde(default, deserialize_with = "opt_text")]
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub transferred_at: Option<String>,
    /// Why Kore moved it by itself (`OVERDUE`, …).
    #[serde(default, deserialize_with = "opt_text")]
    pub system_transfer_reason: Option<String>,
    #[serde(default, deserialize_with = "opt_flag")]
    pub system_transfer: Option<bool>,
    #[serde(default, deserialize_with = "opt_flag")]
    pub is_manager: Option<bool>,
}

/// Where a transfer went.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TransferTarget {
    pub id: Option<String>,
    pub name: Option<String>,
    /// QUEUE or AGENT.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl<'de> Deserialize<'de> for TransferTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(map) => TransferTarget {
                id: field_text(&map, &["id", "_id", "queueId", "agentId"]),
                name: field_text(&map, &["name", "queueName", "agentName"]),
                kind: field_text(&map, &["type", "transferredType"]),
            },
            other => TransferTarget {
                id: value_text(&other),
                ..TransferTarget::default()
            },
        })
    }
}

/// The outcome the agent recorded.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dispositions {
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub remarks: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub meta_status: Option<String>,
    /// `null` in one sample.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub disposition_sets: Vec<DispositionSet>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DispositionSet {
    #[serde(default, alias = "dispositionSet", deserialize_with = "opt_text")]
    pub dispositions_set: Option<String>,
    /// One code or several.
    #[serde(
        default,
        alias = "dispositionCode",
        deserialize_with = "texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub disposition_codes: Vec<String>,
}

/// An agent's note: a bare string or an object with its text and author.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub text: String,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
}

impl<'de> Deserialize<'de> for Note {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(map) => Note {
                text: field_text(
                    &map,
                    &["text", "note", "notes", "content", "body", "message"],
                )
                .unwrap_or_else(|| Value::Object(map.clone()).to_string()),
                created_by: field_text(
                    &map,
                    &["createdBy", "agentName", "author", "by", "createdByName"],
                ),
                created_at: field_text(&map, &["createdAt", "time", "timestamp", "addedAt"]),
            },
            other => Note {
                text: value_text(&other).unwrap_or_default(),
                ..Note::default()
            },
        })
    }
}

/// The customer's profile. Personal data: the console masks email and phone
/// and never logs them.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    #[serde(default, deserialize_with = "opt_text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub activation_status: Option<String>,
}

impl UserInfo {
    /// `firstName lastName`, else `name`.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect();
        if parts.is_empty() {
            self.name.clone().filter(|n| !n.trim().is_empty())
        } else {
            Some(parts.join(" "))
        }
    }

    pub fn email(&self) -> Option<&str> {
        self.email.as_deref().or(self.email_id.as_deref())
    }

    pub fn phone(&self) -> Option<&str> {
        self.phone_number.as_deref().or(self.phone.as_deref())
    }
}

// ---------------------------------------------------------------------------
// Lenient readers of this page's fields
// ---------------------------------------------------------------------------

/// Text of a scalar: a string as it is, a number or bool written out;
/// nothing for null, arrays and objects.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field_text(map: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| map.get(*k).and_then(value_text))
}

/// A string, number or bool as text; anything else as absent.
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| value_text(&v)))
}

/// A bool written as `true`, `"true"`, `"YES"`, `1`; anything else absent.
fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| value_to_bool(&v)))
}

fn opt_loose_i64_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.and_then(|v| opt_loose_i64(v).ok().flatten()))
}

/// `T` when the value reads as one; absent otherwise.
fn or_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(Option::<Value>::deserialize(d)?
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// An array, one element or null; elements that do not read are left out.
fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        Some(one) => serde_json::from_value(one).ok().into_iter().collect(),
    })
}

/// One text or an array of them (an object element gives its `text` or
/// `summary`, else its JSON).
fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let one = |v: Value| match v {
        Value::Object(map) => {
            field_text(&map, &["text", "summary", "value"]).or(Some(Value::Object(map).to_string()))
        }
        Value::Null => None,
        other => value_text(&other).or(Some(other.to_string())),
    };
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.into_iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
    })
}
