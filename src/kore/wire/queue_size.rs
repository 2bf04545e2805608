//! Queue size (`POST /agentassist/api/v1/public/{streamId}/monitor/queueStatsById/{queueId}`):
//! the filters asked with, and each queue's figures (an array or one object,
//! numbers or numeric strings, every figure optional; the waits kept raw and
//! read as milliseconds). Figures that cannot be true are taken out first
//! (`odd`).

use super::lenient::{fields_in_any_case, loose_string, opt_loose_f64, opt_loose_u32, vec_or_one};
use super::odd::{self, OddFigure};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_with::skip_serializing_none;
use std::time::Duration;

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
#[skip_serializing_none]
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
    #[serde(default, deserialize_with = "opt_loose_u32")]
    pub waiting: Option<u32>,
    /// Conversations of the queue with an agent now.
    #[serde(default, deserialize_with = "opt_loose_u32")]
    pub engaged: Option<u32>,
    /// Conversations that left the queue before an agent took them. The docs
    /// do not say over which period they are counted.
    #[serde(default, deserialize_with = "opt_loose_u32")]
    pub drop_off: Option<u32>,
    #[serde(default)]
    pub agent_status: Option<AgentStatusCounts>,
    #[serde(default, deserialize_with = "opt_loose_u32")]
    pub no_of_agents: Option<u32>,
    #[serde(default)]
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
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AgentStatusCounts {
    pub available: Option<u32>,
    pub busy: Option<u32>,
    pub away: Option<u32>,
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
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSummary {
    #[serde(
        default,
        deserialize_with = "opt_loose_f64",
        serialize_with = "opt_number"
    )]
    pub avg_wait: Option<f64>,
    #[serde(
        default,
        deserialize_with = "opt_loose_f64",
        serialize_with = "opt_number"
    )]
    pub max_wait: Option<f64>,
    #[serde(
        rename = "ASA",
        alias = "asa",
        default,
        deserialize_with = "opt_loose_f64",
        serialize_with = "opt_number"
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
