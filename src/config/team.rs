//! `[team]`: team mode on Redis (issue 21). Without the table nothing
//! changes. The Redis password comes from the same kinds of source as the
//! client secret (an environment variable, a command, or a quoted string
//! with the usual warning) and is never shown: [`TeamConfig::masked_url`] is
//! the only form of the URL that goes into messages and logs.

use super::ConfigError;
use super::KoreConfig;
use super::secret::{DEFAULT_SECRET_COMMAND_TIMEOUT_SECS, SecretSource};
use crate::kore::jwt::Secret;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The longest `name` accepted (how teammates see this supervisor).
pub const MAX_TEAM_NAME_CHARS: usize = 32;
/// The longest `key_prefix` accepted.
pub const MAX_KEY_PREFIX_CHARS: usize = 100;
/// The leader's lease unless `lease_ms` says otherwise.
pub const DEFAULT_LEASE_MS: u64 = 5_000;

/// `[team]`: the Redis that the consoles of one account share.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    /// `redis://host:port/db` or `rediss://…` (TLS). A password written in
    /// it counts as a password in the file.
    pub redis_url: String,
    /// Where the Redis password comes from, if Redis wants one.
    #[serde(default)]
    pub password: Option<SecretSource>,
    /// How teammates see this supervisor; the user name when left out.
    #[serde(default)]
    pub name: Option<String>,
    /// The prefix of every key; derived from the host and the bot when left
    /// out, so that teams on different bots never mix.
    #[serde(default)]
    pub key_prefix: Option<String>,
    /// How long the poller's lease lives unless renewed (milliseconds):
    /// how soon another console takes over when the poller dies.
    #[serde(default = "default_lease_ms")]
    pub lease_ms: u64,
}

fn default_lease_ms() -> u64 {
    DEFAULT_LEASE_MS
}

impl TeamConfig {
    /// A team on `redis_url` with every other key at its default.
    pub fn new(redis_url: impl Into<String>) -> TeamConfig {
        TeamConfig {
            redis_url: redis_url.into(),
            password: None,
            name: None,
            key_prefix: None,
            lease_ms: DEFAULT_LEASE_MS,
        }
    }

    /// The lease as a duration.
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms)
    }

    /// How teammates see this supervisor: `name`, else the user's login
    /// name, made safe to show (no control characters, at most
    /// [`MAX_TEAM_NAME_CHARS`]).
    pub fn member_name(&self) -> String {
        let raw = self.name.clone().unwrap_or_else(login_name);
        let clean: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TEAM_NAME_CHARS)
            .collect();
        if clean.trim().is_empty() {
            "supervisor".to_string()
        } else {
            clean.trim().to_string()
        }
    }

    /// The prefix of every key: `key_prefix`, else
    /// `switchboard:{12 hex digits of sha256(host, bot id)}:`. Never holds
    /// a secret: the host and bot id are not secret, and only a hash of
    /// them is kept.
    pub fn key_prefix(&self, kore: &KoreConfig) -> String {
        if let Some(prefix) = &self.key_prefix {
            return prefix.trim().to_string();
        }
        default_key_prefix(kore.base_url(), &kore.bot_id)
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    pub fn masked_url(&self) -> String {
        mask_url(&self.redis_url)
    }

    /// True when the file holds the password itself (in `password` or in
    /// the URL).
    pub fn password_in_file(&self) -> bool {
        matches!(self.password, Some(SecretSource::Literal(_)))
            || url::Url::parse(self.redis_url.trim())
                .is_ok_and(|u| u.password().is_some_and(|p| !p.is_empty()))
    }

    /// Fetches the password from wherever `password` says; `None` when none
    /// is configured (a password in the URL is used as it is).
    pub fn resolve_password(&self) -> Result<Option<Secret>, ConfigError> {
        let Some(source) = &self.password else {
            return Ok(None);
        };
        source
            .resolve_within(Duration::from_secs(DEFAULT_SECRET_COMMAND_TIMEOUT_SECS))
            .map(Some)
            .map_err(|e| ConfigError::TeamPassword {
                problem: team_password_problem(e),
            })
    }
}

/// What went wrong fetching the password, without the `[kore]` wording.
fn team_password_problem(e: ConfigError) -> String {
    match e {
        ConfigError::SecretEnv { var, problem } => {
            format!("the environment variable {var} {problem}")
        }
        ConfigError::SecretCommand { program, problem } => {
            format!("the command `{program}` {problem}")
        }
        ConfigError::SecretEmpty => "is empty".to_string(),
        other => other.to_string(),
    }
}

/// `switchboard:{12 hex digits}:` for a host and a bot.
pub fn default_key_prefix(base_url: &str, bot_id: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(base_url.trim_end_matches('/').as_bytes());
    hash.update(b"\n");
    hash.update(bot_id.trim().as_bytes());
    let digest = hex::encode(hash.finalize());
    format!("switchboard:{}:", &digest[..12])
}

/// `url` with its password (if any) replaced by `***`; a text that is not a
/// URL is not repeated.
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(not a URL)".to_string(),
    }
}

/// Why `text` is not a usable Redis URL, if it is not. The value is not
/// repeated, since it may carry a password.
pub(super) fn redis_url_problem(text: &str) -> Option<&'static str> {
    let Ok(url) = url::Url::parse(text.trim()) else {
        return Some("is not a URL");
    };
    if !matches!(url.scheme(), "redis" | "rediss") {
        return Some(
            "must start with redis:// or rediss:// (TLS); unix sockets and other schemes are not supported",
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some("has no host name");
    }
    None
}

/// What is wrong with a `name`, if anything.
pub(super) fn name_problem(name: &str) -> Option<String> {
    let n = name.trim();
    if n.is_empty() {
        return Some("must not be empty; leave it out to use your user name".into());
    }
    if n.chars().count() > MAX_TEAM_NAME_CHARS {
        return Some(format!("is at most {MAX_TEAM_NAME_CHARS} characters"));
    }
    if n.chars().any(char::is_control) {
        return Some("must not hold control characters".into());
    }
    None
}

/// What is wrong with a `key_prefix`, if anything.
pub(super) fn key_prefix_problem(prefix: &str) -> Option<String> {
    let p = prefix.trim();
    if p.is_empty() {
        return Some("must not be empty; leave it out to derive one from the bot".into());
    }
    if p.chars().count() > MAX_KEY_PREFIX_CHARS {
        return Some(format!("is at most {MAX_KEY_PREFIX_CHARS} characters"));
    }
    if p.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("must not hold spaces or control characters".into());
    }
    None
}

/// The user's login name: `$USER`, else `$LOGNAME`, else the password
/// database's entry for the user id.
fn login_name() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return v;
        }
    }
    passwd_name().unwrap_or_default()
}

#[cfg(unix)]
fn passwd_name() -> Option<String> {
    // SAFETY: getpwuid_r writes into the buffers given; the name pointer it
    // returns points into `buf`, read before `buf` goes away.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            libc::getuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut out,
        );
        if rc != 0 || out.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(pwd.pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

#[cfg(not(unix))]
fn passwd_name() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_masked() {
        assert_eq!(
            mask_url("redis://:hunter2@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(
            mask_url("rediss://user:pw@cache.example:6380"),
            "rediss://user:***@cache.example:6380"
        );
        assert_eq!(mask_url("redis://127.0.0.1"), "redis://127.0.0.1");
        assert_eq!(mask_url("not a url :pw@"), "(not a URL)");
    }

    #[test]
    fn only_redis_schemes_are_taken() {
        assert_eq!(redis_url_problem("redis://127.0.0.1:6379"), None);
        assert_eq!(redis_url_problem("rediss://cache.example"), None);
        assert!(redis_url_problem("http://127.0.0.1").is_some());
        assert!(redis_url_problem("unix:///tmp/redis.sock").is_some());
        assert!(redis_url_problem("127.0.0.1:6379").is_some());
    }

    #[test]
    fn the_default_prefix_differs_by_bot_and_host() {
        let a = default_key_prefix("https://platform.kore.ai", "st-1");
        assert!(a.starts_with("switchboard:") && a.ends_with(':'));
        assert_eq!(a.len(), "switchboard:".len() + 13);
        assert_eq!(a, default_key_prefix("https://platform.kore.ai/", "st-1"));
        assert_ne!(a, default_key_prefix("https://platform.kore.ai", "st-2"));
        assert_ne!(a, default_key_prefix("https://other.kore.ai", "st-1"));
    }

    #[test]
    fn a_name_is_cleaned_and_capped() {
        let mut team = TeamConfig::new("redis://127.0.0.1");
        team.name = Some("  Mia\u{7}  ".into());
        assert_eq!(team.member_name(), "Mia");
        team.name = Some("x".repeat(100));
        assert_eq!(team.member_name().chars().count(), MAX_TEAM_NAME_CHARS);
        team.name = None;
        assert!(!team.member_name().is_empty());
    }
}
