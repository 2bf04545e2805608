//! The error body every Kore endpoint documents, and the messages it
//! documents for an unknown bot and for the rate limit.

use super::lenient::opt_loose_i64;
use serde::{Deserialize, Serialize};

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
