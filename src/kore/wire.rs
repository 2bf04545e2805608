//! Serde types for every Kore payload this project sends or receives.
//!
//! Shared by the client and the simulator; no logic lives here beyond parsing.
//! Parsing is lenient wherever Kore's documentation disagrees with itself
//! (`COLD`/`cold`, `isExtAD` as a bool or a string, unquoted sample keys, unknown
//! fields). Writing is exact: one canonical form per field.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::time::Duration;

pub mod details;
pub use details::*;
pub mod odd;
pub use odd::{OddFigure, Oddity};

// ---------------------------------------------------------------------------
// Hooks API: POST /agentassist/api/v1/hooks/{botId}
// ---------------------------------------------------------------------------

/// The body of a hooks request.
///
/// The samples on the webhook page omit `conversationId` and `botId`, so both
/// default to empty when parsing; the client always writes them.
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_user_message: Option<bool>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_agent_message: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferEvent {
    pub transfertype: TransferType,
    pub transition: Transition,
    /// Documented as required, but missing from the redial payload sample.
    #[serde(
        rename = "isExtAD",
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_ext_ad: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience: Option<String>,
    /// Only the redial payload sample carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub identity: String,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default = "agent_type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomFields>,
}

fn agent_type() -> String {
    "agent".to_string()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<Participant>,
}

/// A hooks success body: `{"STATUS": "OK"}` (or no body at all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusOk {
    #[serde(rename = "STATUS")]
    pub status: String,
}

/// The error body Kore documents: `{"code": 400, "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: String,
}

/// The documented botId error message (the two pages differ in wording).
pub const BOT_NOT_FOUND_MESSAGE: &str = "Linked bot details couldn't be found. Please verify that the botId provided in the request body is correct.";

/// The documented rate-limit message.
pub const RATE_LIMIT_MESSAGE: &str =
    "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";

// ---------------------------------------------------------------------------
// assign-conversation: POST /agentassist/api/v1/public/{streamId}/assign-conversation
// ---------------------------------------------------------------------------

/// The body of assign-conversation. The docs list these as query parameters,
/// but every sample sends them as JSON, and so does this client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignRequest {
    #[serde(default)]
    pub callback_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(rename = "aId", default, skip_serializing_if = "Option::is_none")]
    pub a_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub bot_session_id: String,
}

/// What an assign request targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTarget {
    Agent(String),
    Queue(String),
}

impl AssignRequest {
    pub fn new(
        callback_url: impl Into<String>,
        org_id: impl Into<String>,
        bot_session_id: impl Into<String>,
        target: &AssignTarget,
    ) -> Self {
        let (a_id, transferred_type, queue_id) = match target {
            AssignTarget::Agent(a) => (Some(a.clone()), None, None),
            AssignTarget::Queue(q) => (None, Some("QUEUE".to_string()), Some(q.clone())),
        };
        AssignRequest {
            callback_url: callback_url.into(),
            org_id: Some(org_id.into()),
            a_id,
            transferred_type,
            queue_id,
            bot_session_id: bot_session_id.into(),
        }
    }

    /// The target, when the body names exactly one.
    pub fn target(&self) -> Option<AssignTarget> {
        let is_queue = self
            .transferred_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("QUEUE"));
        match (&self.a_id, &self.queue_id) {
            (Some(a), None) if !a.is_empty() && !is_queue => Some(AssignTarget::Agent(a.clone())),
            (None, Some(q)) if !q.is_empty() => Some(AssignTarget::Queue(q.clone())),
            (Some(_), Some(q)) if is_queue && !q.is_empty() => Some(AssignTarget::Queue(q.clone())),
            _ => None,
        }
    }
}

/// The immediate answer to assign-conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignResponse {
    #[serde(default)]
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_completed_at: Option<i64>,
}

/// The message Kore posts to `callbackUrl` once a transfer succeeds or fails.
///
/// Its shape is not documented, so it is read leniently from any JSON object:
/// every plausible name of a field is tried (when a body carries two, the
/// more specific one wins: `botSessionId` over `sessionId`, `aId` over
/// `agentId` and `userId`, `reason` over `message` and `error`), a `status`
/// may be a string, a number, a boolean or anything else, and every key not
/// read into a field is kept in `extra`. Reading never fails on an object;
/// whether the body says success or failure is [`AssignCallback::verdict`].
///
/// Written (by the simulator) under the specific names, so a body read back
/// keeps the same fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AssignCallback {
    #[serde(rename = "botSessionId", skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(rename = "aId", skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(rename = "queueId", skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// As sent: usually a string (`"transferred"`), but any JSON value is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(rename = "requestCompletedAt", skip_serializing_if = "Option::is_none")]
    pub request_completed_at: Option<i64>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// What a callback says became of the transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Success,
    Failure,
    /// Neither could be read from it; the reason says why.
    Unclear(String),
}

/// The names a callback's fields are read under, most specific first.
const CALLBACK_SESSION: [&str; 3] = ["botSessionId", "sessionId", "bot_session_id"];
const CALLBACK_AGENT: [&str; 4] = ["aId", "agentId", "userId", "agent_id"];
const CALLBACK_QUEUE: [&str; 2] = ["queueId", "queue_id"];
const CALLBACK_REASON: [&str; 6] = [
    "reason",
    "message",
    "error",
    "errorMessage",
    "msg",
    "description",
];
const CALLBACK_COMPLETED: [&str; 2] = ["requestCompletedAt", "completedAt"];

const SUCCESS_WORDS: [&str; 10] = [
    "transferred",
    "success",
    "succeeded",
    "successful",
    "assigned",
    "ok",
    "accepted",
    "completed",
    "done",
    "true",
];
const FAILURE_WORDS: [&str; 17] = [
    "failed",
    "failure",
    "fail",
    "error",
    "rejected",
    "declined",
    "refused",
    "timeout",
    "timedout",
    "timed_out",
    "unavailable",
    "not_transferred",
    "nottransferred",
    "cancelled",
    "canceled",
    "false",
    "no_agent",
];

impl AssignCallback {
    /// Reads a callback from any JSON object. Never fails: what cannot be
    /// read into a field stays in `extra`.
    pub fn from_object(mut map: serde_json::Map<String, Value>) -> AssignCallback {
        /// The first present, non-null value under `names`, and its name;
        /// the others stay in `map` (and so in `extra`). Nulls under these
        /// names say nothing and are dropped, so a written callback never
        /// names a field twice.
        fn take_named(
            map: &mut serde_json::Map<String, Value>,
            names: &[&'static str],
        ) -> Option<(&'static str, Value)> {
            for n in names {
                if map.get(*n).is_some_and(Value::is_null) {
                    map.remove(*n);
                }
            }
            names.iter().find_map(|n| map.remove(*n).map(|v| (*n, v)))
        }
        fn take(map: &mut serde_json::Map<String, Value>, names: &[&'static str]) -> Option<Value> {
            take_named(map, names).map(|(_, v)| v)
        }
        fn text(v: Value) -> String {
            match v {
                Value::String(s) => s,
                // An error object: its message when it has one.
                Value::Object(ref o) => ["message", "msg", "reason", "description"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_else(|| v.to_string()),
                other => other.to_string(),
            }
        }
        let session_id = take(&mut map, &CALLBACK_SESSION).map(text);
        let agent_id = take(&mut map, &CALLBACK_AGENT).map(text);
        let queue_id = take(&mut map, &CALLBACK_QUEUE).map(text);
        let status = take(&mut map, &["status"]);
        let reason = take(&mut map, &CALLBACK_REASON).map(text);
        let request_completed_at = take_named(&mut map, &CALLBACK_COMPLETED).and_then(|(n, v)| {
            let parsed = match &v {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            if parsed.is_none() {
                // Not a time: kept as it came.
                map.insert(n.to_string(), v);
            }
            parsed
        });
        AssignCallback {
            session_id,
            agent_id,
            queue_id,
            status,
            reason,
            request_completed_at,
            extra: map,
        }
    }

    /// The status as text for the screen (`transferred`, `200`, `true`).
    pub fn status_text(&self) -> Option<String> {
        self.status.as_ref().map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// Whether the callback reports success, failure, or neither. Kore's
    /// samples use `transferred`; words like failed, error or rejected mean
    /// failure; a boolean or an HTTP-like number is read as such. A body
    /// with no status but an error counts as failure.
    pub fn verdict(&self) -> Verdict {
        match &self.status {
            Some(Value::Bool(true)) => Verdict::Success,
            Some(Value::Bool(false)) => Verdict::Failure,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(200..=299) => Verdict::Success,
                Some(400..=599) => Verdict::Failure,
                _ => Verdict::Unclear(format!("status {n} is not one Switchboard knows")),
            },
            Some(Value::String(s)) => {
                let word = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                if SUCCESS_WORDS.contains(&word.as_str()) {
                    Verdict::Success
                } else if FAILURE_WORDS.contains(&word.as_str())
                    || word.starts_with("fail")
                    || word.starts_with("error")
                {
                    Verdict::Failure
                } else {
                    Verdict::Unclear(format!(
                        "status {:?} is not one Switchboard knows",
                        clip(s, 40)
                    ))
                }
            }
            Some(other) => Verdict::Unclear(format!(
                "status is {}, not a word",
                match other {
                    Value::Object(_) => "an object",
                    Value::Array(_) => "an array",
                    _ => "null",
                }
            )),
            None => {
                if self.reason.is_some() {
                    Verdict::Failure
                } else if let Some(b) = self.extra.get("success").and_then(Value::as_bool) {
                    if b {
                        Verdict::Success
                    } else {
                        Verdict::Failure
                    }
                } else {
                    Verdict::Unclear("it has no status".into())
                }
            }
        }
    }

    /// True when [`AssignCallback::verdict`] is success.
    pub fn succeeded(&self) -> bool {
        self.verdict() == Verdict::Success
    }
}

impl<'de> Deserialize<'de> for AssignCallback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(d)?;
        Ok(AssignCallback::from_object(map))
    }
}

// ---------------------------------------------------------------------------
// List and get conversations
// ---------------------------------------------------------------------------

/// The paging envelope shared by the list endpoints (`skip` or `page`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub skip: Option<i64>,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub page: Option<i64>,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub has_more: bool,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_pages: Option<i64>,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_results: Option<i64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            results: Vec::new(),
            skip: None,
            page: None,
            limit: None,
            has_more: false,
            total_pages: None,
            total_results: None,
        }
    }
}

/// One conversation of list-conversations or get-conversation. Only the fields
/// the console uses are typed; the rest of the record is ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationRecord {
    /// `c-...`. Documented as integer `id`; the samples send string `_id`.
    #[serde(
        rename = "_id",
        alias = "id",
        default,
        deserialize_with = "opt_loose_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ConversationParticipant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<ConversationQueue>,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub wait_time: Option<i64>,
    /// Typed string in the table, a number or null in the samples.
    #[serde(
        default,
        deserialize_with = "opt_loose_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub priority: Option<String>,
    /// Typed boolean in the table, `"YES"`/`"NO"` in the samples.
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub survey_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_session_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_intent_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

impl ConversationRecord {
    /// The id to use in hooks calls: `conversationId` when present, else `_id`.
    pub fn hooks_id(&self) -> Option<&str> {
        self.conversation_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.id.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationParticipant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time_stamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time_stamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_transferred: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationQueue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
}

/// Query parameters of list-conversations. All optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Several statuses, sent as repeated `status` parameters (the docs type
    /// `status` as an array and give no format for it).
    #[serde(skip)]
    pub statuses: Vec<String>,
}

/// The statuses of a live conversation (list-conversations' enum, without
/// CLOSED and TERMINATED).
pub const LIVE_STATUSES: [&str; 4] = ["OPEN", "ACTIVE", "IDLE", "OVERDUE"];

/// Whether a conversation's status says it is over.
pub fn is_finished_status(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_uppercase().as_str(),
        "CLOSED" | "TERMINATED"
    )
}

// ---------------------------------------------------------------------------
// List all agents
// ---------------------------------------------------------------------------

/// One agent of list-agents. The response table and the sample disagree on
/// names (`name`/`email`/`isActive` vs `firstName`.../`emailId`/`status`):
/// both sets are read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRecord {
    #[serde(default, alias = "_id")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
    /// Account status (`ACTIVE`), not presence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_status: Option<String>,
    /// Presence: `AVAILABLE`, `BUSY`, `AWAY`, `OFFLINE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_status_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub can_support_chat: Option<bool>,
    #[serde(
        default,
        deserialize_with = "opt_loose_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_chat_support: Option<i64>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub can_support_voice: Option<bool>,
    /// Typed object in the table, an array in the sample.
    #[serde(
        default,
        deserialize_with = "vec_or_one",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub queues: Vec<AgentQueue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl AgentRecord {
    /// A display name from whichever name fields are present.
    pub fn display_name(&self) -> String {
        if let Some(n) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return n.trim().to_string();
        }
        let full = format!(
            "{} {}",
            self.first_name.as_deref().unwrap_or(""),
            self.last_name.as_deref().unwrap_or("")
        );
        let full = full.trim();
        if !full.is_empty() {
            return full.to_string();
        }
        self.nick_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| self.id.clone())
    }

    pub fn email_address(&self) -> Option<&str> {
        self.email_id
            .as_deref()
            .or(self.email.as_deref())
            .filter(|e| !e.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentQueue {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// ---------------------------------------------------------------------------
// Agent availability: POST /agentassist/api/v1/public/{botId}/agents/availability
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityRequest {
    #[serde(
        default,
        deserialize_with = "vec_or_one",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub skill_ids: Vec<String>,
    #[serde(
        default,
        deserialize_with = "vec_or_one",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub queue_ids: Vec<String>,
    #[serde(
        default,
        deserialize_with = "vec_or_one",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub agent_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AvailabilityResponse {
    #[serde(rename = "AVAILABLE", default)]
    pub available: Vec<AvailabilityAgent>,
    #[serde(rename = "BUSY", default)]
    pub busy: Vec<AvailabilityAgent>,
    #[serde(rename = "OFFLINE", default)]
    pub offline: Vec<AvailabilityAgent>,
    #[serde(rename = "AWAY", default)]
    pub away: Vec<AvailabilityAgent>,
}

impl AvailabilityResponse {
    /// Every agent with the status group it was listed under.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &AvailabilityAgent)> {
        self.available
            .iter()
            .map(|a| ("AVAILABLE", a))
            .chain(self.busy.iter().map(|a| ("BUSY", a)))
            .chain(self.away.iter().map(|a| ("AWAY", a)))
            .chain(self.offline.iter().map(|a| ("OFFLINE", a)))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityAgent {
    #[serde(rename = "_id", alias = "id", default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_digital_enabled: Option<bool>,
    #[serde(default)]
    pub channel_capacity: ChannelCapacity,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelCapacity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_chat: Option<Capacity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging: Option<Capacity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Capacity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Capacity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_mail: Option<Capacity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    #[serde(default, deserialize_with = "loose_bool")]
    pub is_enabled: bool,
    #[serde(default, deserialize_with = "loose_u32")]
    pub total_capacity: u32,
    #[serde(default, deserialize_with = "loose_u32")]
    pub used_capacity: u32,
    #[serde(default, deserialize_with = "loose_u32")]
    pub available_capacity: u32,
}

// ---------------------------------------------------------------------------
// List queues
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRecord {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<QueueAgent>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueAgent {
    #[serde(default)]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_preferred_agent: Option<bool>,
}

// ---------------------------------------------------------------------------
// Queue size: POST /agentassist/api/v1/public/{streamId}/monitor/queueStatsById/{queueId}
// ---------------------------------------------------------------------------

/// The body of queue-size: optional filters on the bot language and the
/// channel. Empty lists mean no filter.
///
/// The parameter table names the keys `Languages` and `Channels`, the sample
/// sends `languages` and `channels`. Written in lower case (as the sample);
/// read under either spelling, in any case, and both are merged when a body
/// carries both. A single string is read as a list of one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct QueueSizeRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

impl<'de> Deserialize<'de> for QueueSizeRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields_in_any_case(d, |out: &mut Self, key, value| {
            let list = match key {
                "languages" => &mut out.languages,
                "channels" => &mut out.channels,
                _ => return Ok(()),
            };
            let items = match value {
                Value::Null => Vec::new(),
                Value::Array(items) => items,
                one => vec![one],
            };
            for item in items {
                match item {
                    Value::String(s) => list.push(s),
                    other => return Err(format!("{key} holds {other}, not a string")),
                }
            }
            Ok(())
        })
    }
}

/// The answer to queue-size: one [`QueueSize`] per queue.
///
/// The docs show an array even though one `queueId` is asked for; a single
/// object is read as an array of one. Written as an array.
/// Written with each odd figure back in its place (as a string of what
/// came), so that an answer read and written reads the same again.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueSizeResponse {
    pub queues: Vec<QueueSize>,
}

impl Serialize for QueueSizeResponse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.queues.len()))?;
        for q in &self.queues {
            let mut v = serde_json::to_value(q).map_err(S::Error::custom)?;
            if let Value::Object(map) = &mut v {
                odd::restore(map, &q.odd);
            }
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for QueueSizeResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries: Vec<Value> = vec_or_one(d)?;
        let queues = entries
            .into_iter()
            .map(QueueSize::read)
            .collect::<Result<_, _>>()
            .map_err(de::Error::custom)?;
        Ok(QueueSizeResponse { queues })
    }
}

impl QueueSizeResponse {
    /// The figures of `queue_id`: the entry with that id, else the only
    /// entry when there is exactly one and it names no id.
    pub fn for_queue(&self, queue_id: &str) -> Option<&QueueSize> {
        self.queues
            .iter()
            .find(|q| q.queue_id == queue_id)
            .or(match self.queues.as_slice() {
                [only] if only.queue_id.is_empty() => Some(only),
                _ => None,
            })
    }
}

/// One queue's live figures from queue-size.
///
/// Every figure is optional: `None` means the answer did not carry it (which
/// is not the same as 0). Counts may come as numbers or numeric strings;
/// unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSize {
    #[serde(default, alias = "id", deserialize_with = "loose_string")]
    pub queue_id: String,
    #[serde(default, alias = "name", deserialize_with = "loose_string")]
    pub queue_name: String,
    /// Empty in the only sample, so kept as it came (and always written,
    /// as the sample has it).
    #[serde(default, deserialize_with = "vec_or_one")]
    pub skills: Vec<Value>,
    /// Conversations waiting in the queue now.
    #[serde(
        default,
        deserialize_with = "opt_loose_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub waiting: Option<u32>,
    /// Conversations of the queue with an agent now.
    #[serde(
        default,
        deserialize_with = "opt_loose_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub engaged: Option<u32>,
    /// Conversations that left the queue before an agent took them. The docs
    /// do not say over which period they are counted.
    #[serde(
        default,
        deserialize_with = "opt_loose_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub drop_off: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<AgentStatusCounts>,
    #[serde(
        default,
        deserialize_with = "opt_loose_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub no_of_agents: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_summary: Option<QueueSummary>,
    /// The figures that cannot be true (see [`odd`]): each is absent above
    /// and kept here as it came. Filled by [`QueueSize::read`] (and so by
    /// [`QueueSizeResponse`]); never written.
    #[serde(skip)]
    pub odd: Vec<OddFigure>,
}

impl QueueSize {
    /// One queue's entry of a queue-size answer: the figures that cannot be
    /// true are taken out into `odd` first, so none is clamped.
    pub fn read(mut entry: Value) -> Result<QueueSize, serde_json::Error> {
        let odd = match &mut entry {
            Value::Object(map) => odd::sift(map),
            _ => Vec::new(),
        };
        let mut size: QueueSize = serde_json::from_value(entry)?;
        size.odd = odd;
        Ok(size)
    }

    /// The figure at `field` (as [`OddFigure::field`] names it) came but
    /// cannot be true.
    pub fn is_odd(&self, field: &str) -> bool {
        self.odd.iter().any(|o| o.field == field)
    }
}

/// The queue's agents by status (`agentStatus`). Keys are read in any case:
/// lower case in the sample, upper case as the availability API spells the
/// statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AgentStatusCounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub away: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline: Option<u32>,
}

impl<'de> Deserialize<'de> for AgentStatusCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields_in_any_case(d, |out: &mut Self, key, value| {
            let slot = match key {
                "available" => &mut out.available,
                "busy" => &mut out.busy,
                "away" => &mut out.away,
                "offline" => &mut out.offline,
                _ => return Ok(()),
            };
            *slot = opt_loose_u32(value).map_err(|e| format!("{key}: {e}"))?;
            Ok(())
        })
    }
}

/// The queue's wait figures (`queueSummary`): `avgWait`, `maxWait` and `ASA`
/// (average speed to answer).
///
/// **Units.** The docs do not state them and the sample has only zeros. The
/// raw numbers are kept as sent (fractions too). Switchboard assumes
/// **milliseconds**, the unit Kore documents for a conversation's `waitTime`
/// and uses for every time it sends as a number (`requestCompletedAt`,
/// `timestampValue`); the simulator answers in milliseconds. The
/// [`Duration`] accessors apply that assumption, and nothing else does.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSummary {
    #[serde(
        default,
        deserialize_with = "opt_loose_f64",
        serialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub avg_wait: Option<f64>,
    #[serde(
        default,
        deserialize_with = "opt_loose_f64",
        serialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_wait: Option<f64>,
    #[serde(
        rename = "ASA",
        alias = "asa",
        default,
        deserialize_with = "opt_loose_f64",
        serialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub asa: Option<f64>,
}

impl QueueSummary {
    /// `avgWait` read as milliseconds (see the type's note on units).
    pub fn avg_wait(&self) -> Option<Duration> {
        self.avg_wait.and_then(millis)
    }

    /// `maxWait` read as milliseconds.
    pub fn max_wait(&self) -> Option<Duration> {
        self.max_wait.and_then(millis)
    }

    /// `ASA` read as milliseconds.
    pub fn asa(&self) -> Option<Duration> {
        self.asa.and_then(millis)
    }
}

/// Writes a whole number without a fraction (`0`, as Kore's sample has it,
/// not `0.0`); anything else as it is.
fn opt_number<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => s.serialize_i64(*f as i64),
        Some(f) => s.serialize_f64(*f),
        None => s.serialize_none(),
    }
}

/// A number of milliseconds as a duration; nothing for a negative one.
fn millis(ms: f64) -> Option<Duration> {
    if ms >= 0.0 {
        Duration::try_from_secs_f64(ms / 1000.0).ok()
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Lenient helpers
// ---------------------------------------------------------------------------

fn value_to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" | "" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A bool written as `true`, `"true"`, `"YES"`, `1`; `null` reads as absent.
pub fn opt_loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => value_to_bool(&v)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected a boolean, got {v}"))),
    }
}

fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_loose_bool(d)?.unwrap_or(false))
}

/// An integer written as a number or a numeric string; `null` reads as absent.
pub fn opt_loose_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| de::Error::custom("number out of range")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}"))),
        Some(other) => Err(de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

fn loose_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = opt_loose_i64(d)?.unwrap_or(0);
    Ok(v.clamp(0, u32::MAX as i64) as u32)
}

/// Reads an object field by field into `T::default()`: `fill` gets each key
/// in lower case (so any spelling's case is accepted) with its value, and
/// ignores the keys it does not know.
fn fields_in_any_case<'de, D, T>(
    d: D,
    mut fill: impl FnMut(&mut T, &str, Value) -> Result<(), String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default,
{
    let map = serde_json::Map::<String, Value>::deserialize(d)?;
    let mut out = T::default();
    for (key, value) in map {
        fill(&mut out, &key.to_ascii_lowercase(), value).map_err(de::Error::custom)?;
    }
    Ok(out)
}

/// A count written as a number or a numeric string; `null` reads as absent
/// and a negative count as 0.
fn opt_loose_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(opt_loose_i64(d)?.map(|v| v.clamp(0, u32::MAX as i64) as u32))
}

/// A number (fractions kept) written as a number or a numeric string;
/// `null` and an empty string read as absent.
fn opt_loose_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    let parsed = match &v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        // Only finite numbers: `NaN` or `inf` in a string is not a figure.
        Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Some(_) => None,
    };
    match (parsed, v) {
        (Some(f), _) => Ok(Some(f)),
        (None, Some(other)) => Err(de::Error::custom(format!("expected a number, got {other}"))),
        (None, None) => Ok(None),
    }
}

/// A string written as a string, number or bool; `null` reads as empty.
fn loose_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_loose_string(d)?.unwrap_or_default())
}

/// A string written as a string, number or bool; `null` reads as absent.
pub fn opt_loose_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => Some(other.to_string()),
    })
}

/// An array, a single element, or null.
fn vec_or_one<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|i| serde_json::from_value(i).map_err(de::Error::custom))
            .collect(),
        Some(one) => Ok(vec![
            serde_json::from_value(one).map_err(de::Error::custom)?,
        ]),
    }
}

/// Turns the loose JS-object notation of Kore's sample responses (unquoted keys,
/// curly quotes, `//` comment lines, trailing commas) into JSON. Valid JSON
/// passes through unchanged.
///
/// Curly quotes count as string delimiters only outside strings: a `“…”`
/// string becomes `"…"` (with any `"` inside it escaped), while curly quotes
/// inside a `"…"` string are text and are kept.
pub fn loosen_json(text: &str) -> String {
    let is_curly = |c: char| c == '\u{201c}' || c == '\u{201d}';
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    // The quote that closes the string being copied, if inside one.
    let mut in_string: Option<Quote> = None;
    // What was last seen outside strings and white space: a bare key may follow `{` or `,`.
    let mut last_sig = '\0';
    while i < chars.len() {
        let c = chars[i];
        if let Some(quote) = in_string {
            if c == '\\' && i + 1 < chars.len() {
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            let closes = match quote {
                Quote::Straight => c == '"',
                Quote::Curly => is_curly(c),
            };
            if closes {
                out.push('"');
                in_string = None;
                last_sig = '"';
            } else if c == '"' {
                // A straight quote inside a curly-quoted string is text.
                out.push_str("\\\"");
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '"' || is_curly(c) {
            in_string = Some(if c == '"' {
                Quote::Straight
            } else {
                Quote::Curly
            });
            out.push('"');
            i += 1;
            continue;
        }
        if (c.is_ascii_alphabetic() || c == '_' || c == '$') && (last_sig == '{' || last_sig == ',')
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_$".contains(chars[i])) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) == Some(&':') {
                out.push('"');
                out.push_str(&word);
                out.push('"');
            } else {
                out.push_str(&word);
            }
            last_sig = 'w';
            continue;
        }
        if !c.is_whitespace() {
            last_sig = c;
        }
        out.push(c);
        i += 1;
    }
    // A trailing comma before `}` or `]` is dropped.
    let mut cleaned = String::with_capacity(out.len());
    let oc: Vec<char> = out.chars().collect();
    let mut in_str = false;
    let mut k = 0;
    while k < oc.len() {
        let c = oc[k];
        if in_str {
            cleaned.push(c);
            if c == '\\' && k + 1 < oc.len() {
                cleaned.push(oc[k + 1]);
                k += 2;
                continue;
            }
            if c == '"' {
                in_str = false;
            }
            k += 1;
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        if c == ',' {
            let mut j = k + 1;
            while j < oc.len() && oc[j].is_whitespace() {
                j += 1;
            }
            if j < oc.len() && (oc[j] == '}' || oc[j] == ']') {
                k += 1;
                continue;
            }
        }
        cleaned.push(c);
        k += 1;
    }
    cleaned
}

#[derive(Clone, Copy)]
enum Quote {
    Straight,
    Curly,
}

/// Parses a response body strictly first, then through [`loosen_json`].
pub fn parse_loose<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(first) => serde_json::from_str(&loosen_json(text)).map_err(|_| first),
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curly_quotes_delimit_strings_only_outside_strings() {
        // Inside a straight-quoted string they are text: valid JSON is untouched.
        let strict = "{\"reason\":\"agent said \u{201c}no\u{201d}\"}";
        assert_eq!(loosen_json(strict), strict);
        // Outside, they open and close a string.
        assert_eq!(
            loosen_json("{status: \u{201c}transferred\u{201d}}"),
            r#"{"status": "transferred"}"#
        );
        // A straight quote inside a curly-quoted string is escaped.
        assert_eq!(
            loosen_json("{a: \u{201c}say \"hi\"\u{201d}}"),
            r#"{"a": "say \"hi\""}"#
        );
    }

    /// The queue-size sample ends a line with a `// …` comment: comments are
    /// cut outside strings only, up to the end of their line.
    #[test]
    fn line_comments_are_cut_outside_strings_only() {
        let v = |text: &str| -> Value {
            serde_json::from_str(&loosen_json(text)).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        assert_eq!(
            v("{\"a\": 0  // a note, with \"quotes\" and {braces}\n}"),
            serde_json::json!({"a": 0})
        );
        // `//` inside a string is text, in straight and curly quotes alike.
        assert_eq!(
            v("{\"url\": \"https://x.test/a//b\"}"),
            serde_json::json!({"url": "https://x.test/a//b"})
        );
        assert_eq!(
            v("{url: \u{201c}http://x.test\u{201d} // where\n}"),
            serde_json::json!({"url": "http://x.test"})
        );
        // A comment on the last line, with no line break after it.
        assert_eq!(v("[1, 2] // the end"), serde_json::json!([1, 2]));
        // A comment line of its own between elements, with CRLF endings.
        assert_eq!(
            v("[1,\r\n// two is left out\r\n3]"),
            serde_json::json!([1, 3])
        );
        // An escaped quote does not end the string early.
        assert_eq!(
            v("{\"a\": \"say \\\" // not a comment\"}"),
            serde_json::json!({"a": "say \" // not a comment"})
        );
        // A single slash is not a comment.
        assert!(serde_json::from_str::<Value>(&loosen_json("{\"a\": 1 / 2}")).is_err());
    }
}

// ---------------------------------------------------------------------------
// The console's side of the wire: what a hooks event needs beyond the domain
// event, why a call failed, and a callback as the listener received it.
// Data only, so the console's pure core can hold them.
// ---------------------------------------------------------------------------

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

pub mod reason;
pub use reason::FailReason;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallError {
    /// 4xx other than 429: final, not retried. Carries the server's message.
    #[error("{status} {message}")]
    Api {
        status: u16,
        message: String,
        latency_ms: u64,
    },
    /// 429: retried after the wait the server asked for.
    #[error("429 rate limited: {message}")]
    RateLimited {
        message: String,
        retry_after_ms: Option<u64>,
        latency_ms: u64,
    },
    /// 5xx: retried.
    #[error("{status} {message}")]
    Server {
        status: u16,
        message: String,
        latency_ms: u64,
    },
    #[error("timed out after {0} ms")]
    Timeout(u64),
    #[error("connection failed: {0}")]
    Connect(String),
    /// The connection broke mid-request (a reset, a closed socket).
    #[error("transport error: {0}")]
    Transport(String),
    /// 3xx: never followed (the token, the account id and the callback
    /// secret would go with it). Final: the request was not carried out.
    #[error("{status} redirect to {location} not followed; check [kore].host")]
    Redirect {
        status: u16,
        location: String,
        latency_ms: u64,
    },
    /// The answer was longer than `max_response_bytes`; reading stopped there.
    #[error("{status} with an answer over {limit} bytes; stopped reading it")]
    TooLarge {
        status: u16,
        limit: usize,
        latency_ms: u64,
    },
    /// 2xx, but the body was not what the docs describe.
    #[error("{status} with an unreadable body: {message}")]
    Decode {
        status: u16,
        message: String,
        latency_ms: u64,
    },
    /// A token could not be signed (a local problem, not retried).
    #[error("{0}")]
    Local(String),
}

impl CallError {
    /// 429, 5xx, timeouts, refused and broken connections may be retried.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            CallError::RateLimited { .. }
                | CallError::Server { .. }
                | CallError::Timeout(_)
                | CallError::Connect(_)
                | CallError::Transport(_)
        )
    }

    /// A timeout or a broken connection after the request may have been
    /// written: the server may have carried it out although no answer came.
    /// (A refused connection never reached it; a 5xx or 429 is an answer.)
    pub fn uncertain(&self) -> bool {
        matches!(self, CallError::Timeout(_) | CallError::Transport(_))
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Api { status, .. }
            | CallError::Server { status, .. }
            | CallError::Redirect { status, .. }
            | CallError::TooLarge { status, .. }
            | CallError::Decode { status, .. } => Some(*status),
            CallError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    pub fn latency_ms(&self) -> Option<u64> {
        match self {
            CallError::Api { latency_ms, .. }
            | CallError::Server { latency_ms, .. }
            | CallError::Decode { latency_ms, .. }
            | CallError::Redirect { latency_ms, .. }
            | CallError::TooLarge { latency_ms, .. }
            | CallError::RateLimited { latency_ms, .. } => Some(*latency_ms),
            CallError::Timeout(ms) => Some(*ms),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::RateLimited { retry_after_ms, .. } => {
                retry_after_ms.map(Duration::from_millis)
            }
            _ => None,
        }
    }
}

/// One callback as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedCallback {
    /// The request id from the path, when the callback came to a per-request URL.
    pub request_id: Option<String>,
    pub body: AssignCallback,
    /// Why the body could not be read (not UTF-8, not JSON, not an object);
    /// `body` is then empty.
    pub problem: Option<String>,
    /// A short summary of the raw body for the log.
    pub summary: String,
}
