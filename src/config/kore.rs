//! `[kore]`: the account, the bot and the credentials, with their defaults.

use super::secret::{DEFAULT_SECRET_COMMAND_TIMEOUT_SECS, SecretSource};
use serde::Deserialize;
use std::time::Duration;

/// `[kore]`: the account, the bot and the credentials.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoreConfig {
    /// Base URL of the platform, e.g. `https://platform.kore.ai`.
    pub host: String,
    /// The bot id, which is also the stream id (`st-...`).
    pub bot_id: String,
    pub org_id: String,
    pub account_id: String,
    /// The client id of the app; it becomes the `appId` claim.
    pub client_id: String,
    /// Where the client secret comes from.
    pub client_secret: SecretSource,
    /// The header that carries the JWT on hooks calls.
    #[serde(default = "default_hooks_auth_header")]
    pub hooks_auth_header: String,
    /// How long a token lives (seconds): it carries `iat`, `exp` and a
    /// fresh `jti`. 0 signs the bare form, `appId` alone, which never
    /// expires (for an app that refuses the other claims).
    #[serde(default = "default_jwt_ttl_secs")]
    pub jwt_ttl_secs: u64,
    #[serde(default = "default_rate_limit_per_minute")]
    pub rate_limit_per_minute: u32,
    /// The hooks API's own requests a minute (0: no limit). Absent, hooks
    /// calls share `rate_limit_per_minute` with the public APIs.
    #[serde(default)]
    pub hooks_rate_limit_per_minute: Option<u32>,
    /// Requests a minute that polls always leave to the supervisor's
    /// actions. Absent: about a sixth of `rate_limit_per_minute`.
    #[serde(default)]
    pub reserved_for_actions_per_minute: Option<u32>,
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// Tries per request (the first one included) before it counts as failed,
    /// for 429, 5xx, timeouts and refused connections.
    #[serde(default = "default_retry_max_attempts")]
    pub retry_max_attempts: u32,
    /// Whether a hooks request that timed out or lost its connection after
    /// it was written (so Kore may have applied it) is tried again. When
    /// false it is marked unknown at once for the supervisor. Assigns are
    /// never retried in that case.
    #[serde(default = "default_true")]
    pub retry_uncertain_hooks: bool,
    /// The most of one answer that is read (bytes); a longer one is an error.
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: u64,
    /// The longest `Retry-After` honoured after a 429 (seconds).
    #[serde(default = "default_max_retry_after_secs")]
    pub max_retry_after_secs: u64,
    /// How long `client_secret = { command = [...] }` may take (seconds).
    #[serde(default = "default_secret_command_timeout_secs")]
    pub secret_command_timeout_secs: u64,
}

impl KoreConfig {
    /// The host without a trailing slash, ready for `format!("{}/path", ..)`.
    pub fn base_url(&self) -> &str {
        self.host.trim_end_matches('/')
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

/// A token's life unless `jwt_ttl_secs` says otherwise: short, so that a
/// leaked one is soon worth nothing.
pub const DEFAULT_JWT_TTL_SECS: u64 = 300;

fn default_jwt_ttl_secs() -> u64 {
    DEFAULT_JWT_TTL_SECS
}

fn default_hooks_auth_header() -> String {
    "token".to_string()
}

fn default_rate_limit_per_minute() -> u32 {
    60
}

fn default_true() -> bool {
    true
}

fn default_max_response_bytes() -> u64 {
    crate::kore::client::DEFAULT_MAX_RESPONSE_BYTES as u64
}

fn default_secret_command_timeout_secs() -> u64 {
    DEFAULT_SECRET_COMMAND_TIMEOUT_SECS
}

fn default_max_retry_after_secs() -> u64 {
    crate::kore::client::DEFAULT_MAX_RETRY_AFTER.as_secs()
}

fn default_retry_max_attempts() -> u32 {
    6
}

fn default_request_timeout_secs() -> u64 {
    10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        assert_eq!(default_hooks_auth_header(), "token");
        assert_eq!(default_rate_limit_per_minute(), 60);
        assert_eq!(default_request_timeout_secs(), 10);
    }
}
