//! Agent availability (`POST /agentassist/api/v1/public/{botId}/agents/availability`):
//! the request, the agents by status group, and their capacity per channel.

use super::lenient::{loose_bool, loose_u32, opt_loose_bool, vec_or_one};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

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

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityAgent {
    #[serde(rename = "_id", alias = "id", default)]
    pub id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email_id: Option<String>,
    #[serde(default)]
    pub custom_id: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "opt_loose_bool")]
    pub is_digital_enabled: Option<bool>,
    #[serde(default)]
    pub channel_capacity: ChannelCapacity,
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelCapacity {
    #[serde(default)]
    pub live_chat: Option<Capacity>,
    #[serde(default)]
    pub messaging: Option<Capacity>,
    #[serde(default)]
    pub email: Option<Capacity>,
    #[serde(default)]
    pub voice: Option<Capacity>,
    #[serde(default)]
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
