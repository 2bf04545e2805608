//! The TOML configuration: its types, where the file is found, how it is
//! loaded and checked, where the client secret comes from, and the starter
//! file that `switchboard init` writes.
//!
//! Loading happens in three steps so that every mistake is reported against a
//! line of the file:
//!
//! 1. the text is parsed into a spanned TOML document (syntax errors),
//! 2. the same text is deserialized into [`Config`] (unknown keys, wrong types,
//!    unknown enum values, missing keys); the error's byte span is mapped back
//!    to a key path through the spanned document,
//! 3. [`Config`] is checked for values that parse but make no sense (a host
//!    that is not a URL, a zero rate limit, duplicate agent ids, ...); each
//!    problem is located by looking its key path up in the spanned document.
//!
//! The client secret is never read while loading. [`Config::resolve_secret`]
//! fetches it on demand, so `switchboard check` can validate a file on a
//! machine where the secret is not available.

use crate::kore::jwt::Secret;
use crate::kore::wire::{END_OF_CONVERSATION, TRIGGER_SUMMARY_EVENT};
use directories::ProjectDirs;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "SWITCHBOARD_CONFIG";
/// Environment variable overriding the data dir (journal, exports).
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";
/// Environment variable overriding the state dir (log files).
pub const STATE_DIR_ENV: &str = "SWITCHBOARD_STATE_DIR";
/// The file name looked for inside the platform config dir.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// The starter config that `switchboard init` writes; the same text as
/// `config.example.toml` at the root of the repository.
pub const STARTER: &str = include_str!("../config.example.toml");

const APP_NAME: &str = "switchboard";

// ---------------------------------------------------------------------------
// The configuration types
// ---------------------------------------------------------------------------

/// The whole configuration file. Only `[kore]` is required; every other
/// table falls back to its defaults when left out.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub kore: KoreConfig,
    #[serde(default)]
    pub callback: CallbackConfig,
    #[serde(default)]
    pub poll: PollConfig,
    #[serde(default)]
    pub events: EventsConfig,
    /// The optional agent directory (`[[agents]]`), merged with the agents API.
    #[serde(default)]
    pub agents: Vec<AgentEntry>,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub journal: JournalConfig,
    /// Key binding overrides: action name to key.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

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
    /// When set, tokens carry `iat`, `exp` and `jti`.
    #[serde(default)]
    pub jwt_ttl_secs: Option<u64>,
    #[serde(default = "default_rate_limit_per_minute")]
    pub rate_limit_per_minute: u32,
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

/// `[callback]`: the console's own HTTP listener for assign callbacks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackConfig {
    /// The address the listener binds to.
    #[serde(deserialize_with = "socket_addr_from_str")]
    pub listen: SocketAddr,
    /// The base URL Kore posts callbacks to.
    pub public_url: String,
    /// How long an assign request waits for its callback.
    pub callback_timeout_secs: u64,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8009)),
            public_url: "http://localhost:8009".to_string(),
            callback_timeout_secs: 120,
        }
    }
}

impl CallbackConfig {
    /// The public URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    pub fn callback_timeout(&self) -> Duration {
        Duration::from_secs(self.callback_timeout_secs)
    }
}

fn socket_addr_from_str<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.trim().parse().map_err(|_| {
        de::Error::custom(format!(
            "{text:?} is not an IP address with a port (host names are not accepted)"
        ))
    })
}

/// `[poll]`: how often live data is fetched. Zero turns a poll off.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollConfig {
    pub conversations_secs: u64,
    pub agents_secs: u64,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            conversations_secs: 10,
            agents_secs: 30,
        }
    }
}

impl PollConfig {
    /// The conversations poll interval, or `None` when that poll is off.
    pub fn conversations_interval(&self) -> Option<Duration> {
        (self.conversations_secs > 0).then(|| Duration::from_secs(self.conversations_secs))
    }

    /// The agents poll interval, or `None` when that poll is off.
    pub fn agents_interval(&self) -> Option<Duration> {
        (self.agents_secs > 0).then(|| Duration::from_secs(self.agents_secs))
    }
}

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

/// One `[[agents]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentEntry {
    /// The Kore agent id (`aId`).
    pub id: String,
    /// `participant.identity` in hooks events; the id when not given.
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub queue_id: Option<String>,
    #[serde(default)]
    pub queue_name: Option<String>,
}

impl AgentEntry {
    /// The identity to put in hooks events.
    pub fn identity(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.id)
    }

    /// The name to show, or the id when there is none.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// `[journal]`: how long ended conversations stay in the journal in full.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalConfig {
    /// Ended conversations whose latest record is older than this are folded
    /// into one summary line at start-up.
    pub keep_ended_hours: u64,
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            keep_ended_hours: 24,
        }
    }
}

impl JournalConfig {
    pub fn keep_ended(&self) -> Duration {
        Duration::from_secs(self.keep_ended_hours.saturating_mul(3600))
    }
}

/// `[ui]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Ask before sending anything.
    pub confirm: bool,
    pub theme: Theme,
    pub mouse: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            confirm: true,
            theme: Theme::Auto,
            mouse: false,
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

/// The colour theme. `NO_COLOR` in the environment forces `Mono` whatever
/// this says; that rule lives in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Auto,
    Dark,
    Light,
    Mono,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::Mono => "mono",
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

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

display_as_str!(ColdOrderCfg, ClosingCfg, Theme, Experience);

// ---------------------------------------------------------------------------
// The client secret
// ---------------------------------------------------------------------------

/// Where the client secret comes from. A literal is held in a [`Secret`], so
/// the derived `Debug` never prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `client_secret = "..."`, written in the file itself.
    Literal(Secret),
    /// `client_secret = { env = "VAR" }`.
    Env(String),
    /// `client_secret = { command = ["program", "arg", ...] }`, run without a shell.
    Command(Vec<String>),
}

impl SecretSource {
    pub fn is_literal(&self) -> bool {
        matches!(self, SecretSource::Literal(_))
    }

    /// A short description that never includes the secret, for `check` and logs.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Literal(_) => "a literal value in the config file".to_string(),
            SecretSource::Env(var) => format!("the environment variable {var}"),
            SecretSource::Command(argv) => format!(
                "the output of the command `{}`",
                argv.first().map(String::as_str).unwrap_or("")
            ),
        }
    }

    /// Fetches the secret: reads the variable or runs the command (given
    /// [`DEFAULT_SECRET_COMMAND_TIMEOUT_SECS`]).
    pub fn resolve(&self) -> Result<Secret, ConfigError> {
        self.resolve_within(Duration::from_secs(DEFAULT_SECRET_COMMAND_TIMEOUT_SECS))
    }

    /// [`SecretSource::resolve`], with a command given at most `timeout`.
    pub fn resolve_within(&self, timeout: Duration) -> Result<Secret, ConfigError> {
        match self {
            SecretSource::Literal(secret) if secret.is_empty() => Err(ConfigError::SecretEmpty),
            SecretSource::Literal(secret) => Ok(secret.clone()),
            SecretSource::Env(var) => {
                let problem = match std::env::var(var) {
                    Ok(value) if !value.is_empty() => return Ok(Secret::new(value)),
                    Ok(_) => "is set but empty",
                    Err(std::env::VarError::NotPresent) => "is not set",
                    Err(std::env::VarError::NotUnicode(_)) => "does not hold valid UTF-8 text",
                };
                Err(ConfigError::SecretEnv {
                    var: var.clone(),
                    problem: problem.to_string(),
                })
            }
            SecretSource::Command(argv) => run_secret_command(argv, timeout),
        }
    }
}

/// How long a secret command may take, unless configured.
pub const DEFAULT_SECRET_COMMAND_TIMEOUT_SECS: u64 = 10;
/// The most a secret command may print.
pub const MAX_SECRET_OUTPUT: usize = 64 * 1024;
/// The largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Runs the secret command without a shell and returns its trimmed stdout.
/// Neither stdout nor stderr ever ends up in an error message: either may
/// hold the secret.
fn run_secret_command(argv: &[String], timeout: Duration) -> Result<Secret, ConfigError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(ConfigError::SecretCommand {
            program: String::new(),
            problem: "is empty".to_string(),
        });
    };
    let fail = |problem: String| ConfigError::SecretCommand {
        program: program.clone(),
        problem,
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // Its messages may hold the secret, and a full stderr pipe could
        // block it: they go nowhere.
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            fail(if e.kind() == io::ErrorKind::NotFound {
                "could not be started: it was not found (is it installed and on PATH?)".to_string()
            } else {
                format!("could not be started: {e}")
            })
        })?;
    // Read on a thread, at most one byte over the cap, so that neither an
    // endless printer (`yes`) nor one that never ends can hold us.
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut out = Vec::new();
        if let Some(s) = stdout {
            let _ = s.take(MAX_SECRET_OUTPUT as u64 + 1).read_to_end(&mut out);
        }
        out
    });
    let mut reader = Some(reader);
    let mut printed: Option<Vec<u8>> = None;
    let started = std::time::Instant::now();
    let over_cap = |out: &Vec<u8>| out.len() > MAX_SECRET_OUTPUT;
    let stop = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    let status = loop {
        if printed.is_none() && reader.as_ref().is_some_and(|r| r.is_finished()) {
            let out = reader.take().map(|r| r.join().unwrap_or_default());
            printed = out;
        }
        if printed.as_ref().is_some_and(over_cap) {
            stop(&mut child);
            return Err(fail(format!(
                "printed more than {} KiB; a secret is one short line",
                MAX_SECRET_OUTPUT / 1024
            )));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                stop(&mut child);
                return Err(fail(format!(
                    "did not finish within {} s (set [kore].secret_command_timeout_secs if it needs longer)",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(fail(format!("could not be waited for: {e}"))),
        }
    };
    // It exited; a process it left behind could still hold its output open.
    while reader.as_ref().is_some_and(|r| !r.is_finished()) {
        if started.elapsed() >= timeout {
            return Err(fail(format!(
                "exited, but its output stayed open for {} s (a process it started?)",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let stdout = match printed {
        Some(out) => out,
        None => reader
            .take()
            .map(|r| r.join().unwrap_or_default())
            .unwrap_or_default(),
    };
    if over_cap(&stdout) {
        return Err(fail(format!(
            "printed more than {} KiB; a secret is one short line",
            MAX_SECRET_OUTPUT / 1024
        )));
    }
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("failed with exit code {code}"),
            None => "was killed by a signal".to_string(),
        };
        return Err(fail(how));
    }
    let text = String::from_utf8(stdout)
        .map_err(|_| fail("printed something that is not UTF-8 text".to_string()))?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(fail("printed nothing".to_string()));
    }
    Ok(Secret::new(trimmed))
}

impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SecretSourceVisitor)
    }
}

struct SecretSourceVisitor;

impl<'de> Visitor<'de> for SecretSourceVisitor {
    type Value = SecretSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a quoted string, { env = \"VAR\" } or { command = [\"program\", \"arg\"] }")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(SecretSource::Literal(Secret::new(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(SecretSource::Literal(Secret::new(v)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut env: Option<String> = None;
        let mut command: Option<Vec<String>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "env" => env = Some(map.next_value()?),
                "command" => command = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, &["env", "command"])),
            }
        }
        match (env, command) {
            (Some(var), None) => Ok(SecretSource::Env(var)),
            (None, Some(argv)) => Ok(SecretSource::Command(argv)),
            (Some(_), Some(_)) => Err(de::Error::custom("give either env or command, not both")),
            (None, None) => Err(de::Error::custom(
                "an empty table names no source for the secret",
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// One located mistake in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when the mistake can be tied to one.
    pub line: Option<usize>,
    /// 1-based column in characters.
    pub column: Option<usize>,
    /// The key, written as `[kore].host`, `[[agents]] #2.id` or `[events].on_end #1`;
    /// empty when a syntax error cannot be tied to a key.
    pub key: String,
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// Everything that can go wrong with the config. `Display` is the complete
/// message for the user, hint included; no variant ever holds the secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no config file at {}\n  hint: run `switchboard demo` to try the console against its built-in simulator (no Kore account needed), or `switchboard init` to write a starter config at this path",
        path.display()
    )]
    NotFound { path: PathBuf },

    #[error(
        "could not read the config file {}: {error}\n  hint: check that the path names a readable UTF-8 text file",
        path.display()
    )]
    Read { path: PathBuf, error: io::Error },

    #[error("{}", render_problems(path, problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    #[error(
        "{} is not a regular file\n  hint: --config and $SWITCHBOARD_CONFIG name a TOML file (not a directory, a device or a pipe)",
        path.display()
    )]
    NotAFile { path: PathBuf },

    #[error(
        "{} is {size} bytes; a config is at most {} KiB\n  hint: check that --config names the right file",
        path.display(),
        MAX_CONFIG_BYTES / 1024
    )]
    TooLarge { path: PathBuf, size: u64 },

    #[error(
        "{} already exists, and `switchboard init` never overwrites a config\n  hint: edit that file, move it aside first, or pass --config with another path",
        path.display()
    )]
    AlreadyExists { path: PathBuf },

    #[error(
        "could not write {}: {error}\n  hint: check that the directory exists or can be created, and that you may write to it",
        path.display()
    )]
    Write { path: PathBuf, error: io::Error },

    #[error(
        "[kore].client_secret: the environment variable {var} {problem}\n  hint: export {var} before starting switchboard, or point [kore].client_secret elsewhere"
    )]
    SecretEnv { var: String, problem: String },

    #[error(
        "[kore].client_secret: the command `{program}` {problem}\n  hint: run the command by hand to see what it does; its output is never shown here because it is meant to be the secret"
    )]
    SecretCommand { program: String, problem: String },

    #[error(
        "[kore].client_secret is empty\n  hint: set it to {{ env = \"KORE_CLIENT_SECRET\" }} and export that variable"
    )]
    SecretEmpty,
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&path.display().to_string());
        if let Some(line) = p.line {
            out.push_str(&format!(":{line}"));
            if let Some(column) = p.column {
                out.push_str(&format!(":{column}"));
            }
        }
        out.push_str(": ");
        if !p.key.is_empty() {
            out.push_str(&p.key);
            out.push_str(": ");
        }
        out.push_str(&p.message);
        if !p.hint.is_empty() {
            out.push_str("\n  hint: ");
            out.push_str(&p.hint);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", APP_NAME)
}

fn dir_from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Used when the platform has no home directory to put things in.
fn fallback_dir() -> PathBuf {
    PathBuf::from(".switchboard")
}

/// The platform's config file path, e.g. `~/.config/switchboard/config.toml`,
/// whether or not it exists. `None` when no home directory can be found.
pub fn default_path() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join(CONFIG_FILE_NAME))
}

/// The config path to use: `--config` when given, then `$SWITCHBOARD_CONFIG`,
/// then [`default_path`]. The file may not exist.
pub fn resolve_path(cli: Option<&Path>) -> Option<PathBuf> {
    resolve_path_with(cli, std::env::var_os(CONFIG_ENV).as_deref())
}

/// [`resolve_path`] with the value of `$SWITCHBOARD_CONFIG` passed in. An
/// empty value counts as unset.
pub fn resolve_path_with(cli: Option<&Path>, env_value: Option<&OsStr>) -> Option<PathBuf> {
    if let Some(path) = cli {
        return Some(path.to_path_buf());
    }
    if let Some(value) = env_value.filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(value));
    }
    default_path()
}

/// Where the journal and exports live: `$SWITCHBOARD_DATA_DIR`, else the
/// platform data dir (e.g. `~/.local/share/switchboard`), else `.switchboard`
/// in the current directory.
pub fn data_dir() -> PathBuf {
    dir_from_env(DATA_DIR_ENV)
        .or_else(|| project_dirs().map(|dirs| dirs.data_dir().to_path_buf()))
        .unwrap_or_else(fallback_dir)
}

/// Where log files go: `$SWITCHBOARD_STATE_DIR`, else `$SWITCHBOARD_DATA_DIR`
/// (so one variable is enough to keep a test run in a temp dir), else the
/// platform state dir (e.g. `~/.local/state/switchboard`), else the platform
/// data dir on platforms without a state dir.
pub fn state_dir() -> PathBuf {
    dir_from_env(STATE_DIR_ENV)
        .or_else(|| dir_from_env(DATA_DIR_ENV))
        .or_else(|| {
            project_dirs().map(|dirs| {
                dirs.state_dir()
                    .unwrap_or_else(|| dirs.data_dir())
                    .to_path_buf()
            })
        })
        .unwrap_or_else(fallback_dir)
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// A loaded and checked config.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file it came from.
    pub path: PathBuf,
    /// Things worth telling the user that do not stop the console.
    pub warnings: Vec<String>,
}

impl Config {
    /// Fetches the client secret from wherever `[kore].client_secret` says.
    pub fn resolve_secret(&self) -> Result<Secret, ConfigError> {
        self.kore
            .client_secret
            .resolve_within(Duration::from_secs(self.kore.secret_command_timeout_secs))
    }
}

/// Reads, parses and checks the config file at `path`. Warns when the file
/// holds the secret itself and other users may read it.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    // Looked at before it is opened: opening a FIFO would wait for a
    // writer, and a device (`/dev/zero`) never ends.
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(ConfigError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        Ok(meta) if meta.len() > MAX_CONFIG_BYTES => {
            return Err(ConfigError::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
            });
        }
        _ => {}
    }
    let read = fs::File::open(path).and_then(|f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(io::Error::other(format!(
                "it is larger than {} KiB",
                MAX_CONFIG_BYTES / 1024
            )));
        }
        String::from_utf8(bytes).map_err(|_| io::Error::other("it is not UTF-8 text"))
    });
    let text = match read {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ConfigError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(error) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                error,
            });
        }
    };
    let mut loaded = load_str(&text, path)?;
    let exposed = if loaded.config.kore.client_secret.is_literal() {
        readable_by_others(path)
    } else {
        None
    };
    if let Some(mode) = exposed {
        loaded.warnings.push(format!(
                "{} holds the client secret and other users can read it (mode {mode:04o}); \
                 run `chmod 600 {}`, or better, set client_secret = {{ env = \"KORE_CLIENT_SECRET\" }} \
                 and keep the secret out of the file",
            path.display(),
            path.display()
        ));
    }
    Ok(loaded)
}

/// The file's permission bits when group or others have any access to it.
#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<u32> {
    None
}

/// Parses and checks config text; `path` is only used in messages. Does not
/// touch the file system, so it yields no warnings about file modes.
pub fn load_str(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    let invalid = |problems: Vec<Problem>| ConfigError::Invalid {
        path: path.to_path_buf(),
        problems,
    };
    let doc = DeTable::parse(text).map_err(|e| invalid(vec![syntax_problem(text, &e)]))?;
    let config: Config =
        toml::from_str(text).map_err(|e| invalid(vec![schema_problem(text, &doc, &e)]))?;
    let issues = validate(&config);
    if !issues.is_empty() {
        let mut problems: Vec<Problem> = issues
            .into_iter()
            .map(|issue| {
                let (line, column) = match locate(&doc, &issue.at) {
                    Some(offset) => {
                        let (l, c) = line_col(text, offset);
                        (Some(l), Some(c))
                    }
                    None => (None, None),
                };
                Problem {
                    line,
                    column,
                    key: render_key(&issue.at, &doc),
                    message: issue.message,
                    hint: issue.hint,
                }
            })
            .collect();
        problems.sort_by_key(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0)));
        return Err(invalid(problems));
    }
    Ok(Loaded {
        config,
        path: path.to_path_buf(),
        warnings: Vec::new(),
    })
}

/// Writes the starter config to `path` with mode 0600, creating missing
/// parent directories (mode 0700). Never overwrites an existing file.
pub fn write_starter(path: &Path) -> Result<(), ConfigError> {
    let write_err = |error: io::Error| ConfigError::Write {
        path: path.to_path_buf(),
        error,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(parent).map_err(write_err)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(ConfigError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        Err(error) => return Err(write_err(error)),
    };
    // The umask may have taken bits away from 0600; put them back exactly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(write_err)?;
    }
    file.write_all(STARTER.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Key paths and locations
// ---------------------------------------------------------------------------

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn key(name: &str) -> Seg {
    Seg::Key(name.to_string())
}

const TABLES: &[&str] = &["kore", "callback", "poll", "events", "ui", "keys"];

/// Writes a key path the way a user would look for it in the file.
fn render_key(path: &[Seg], doc: &Spanned<DeTable<'_>>) -> String {
    let mut out = String::new();
    let mut rest = path;
    if let [Seg::Key(top), tail @ ..] = path {
        rest = tail;
        if let [Seg::Index(i), tail @ ..] = tail {
            out = format!("[[{top}]] #{}", i + 1);
            rest = tail;
        } else if top == "agents" && tail.is_empty() {
            out = "[[agents]]".to_string();
        } else {
            let is_table = matches!(
                doc.get_ref().get(top.as_str()).map(|v| v.get_ref()),
                Some(DeValue::Table(_))
            );
            if !tail.is_empty() || is_table || TABLES.contains(&top.as_str()) {
                out = format!("[{top}]");
            } else {
                out = top.clone();
            }
        }
    }
    for seg in rest {
        match seg {
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!(" #{}", i + 1)),
        }
    }
    out
}

/// The key path without array positions, for looking up hints.
fn plain_key(path: &[Seg]) -> String {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The byte offset of the value at `path`, or of the nearest enclosing node
/// that is in the file when the value itself is not (a key left to its default).
fn locate(doc: &Spanned<DeTable<'_>>, path: &[Seg]) -> Option<usize> {
    let mut found: Option<&Spanned<DeValue<'_>>> = None;
    for seg in path {
        let next = match (seg, found.map(|f| f.get_ref())) {
            (Seg::Key(k), None) => doc.get_ref().get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
            (Seg::Index(i), Some(DeValue::Array(items))) => items.get(*i),
            _ => None,
        };
        match next {
            Some(next) => found = Some(next),
            None => break,
        }
    }
    found.map(|node| node.span().start)
}

struct Hit<'a, 'i> {
    path: Vec<Seg>,
    value: &'a DeValue<'i>,
    len: usize,
}

/// Finds the key path whose key or value the error span points at. An exact
/// span match wins; otherwise the smallest node containing the span start.
fn path_for_span<'a, 'i>(
    doc: &'a Spanned<DeTable<'i>>,
    span: &Range<usize>,
) -> Option<(Vec<Seg>, &'a DeValue<'i>)> {
    for exact in [true, false] {
        let mut best: Option<Hit<'a, 'i>> = None;
        search_table(doc.get_ref(), span, exact, &mut Vec::new(), &mut best);
        if let Some(hit) = best {
            return Some((hit.path, hit.value));
        }
    }
    None
}

fn span_hits(candidate: &Range<usize>, span: &Range<usize>, exact: bool) -> bool {
    if exact {
        candidate == span
    } else {
        candidate.start <= span.start && span.start < candidate.end.max(candidate.start + 1)
    }
}

fn consider<'a, 'i>(
    best: &mut Option<Hit<'a, 'i>>,
    path: &[Seg],
    value: &'a DeValue<'i>,
    len: usize,
) {
    let better = match best {
        None => true,
        Some(b) => len < b.len || (len == b.len && path.len() > b.path.len()),
    };
    if better {
        *best = Some(Hit {
            path: path.to_vec(),
            value,
            len,
        });
    }
}

fn search_table<'a, 'i>(
    table: &'a DeTable<'i>,
    span: &Range<usize>,
    exact: bool,
    path: &mut Vec<Seg>,
    best: &mut Option<Hit<'a, 'i>>,
) {
    for (k, v) in table.iter() {
        path.push(Seg::Key(k.get_ref().to_string()));
        for candidate in [k.span(), v.span()] {
            if span_hits(&candidate, span, exact) {
                consider(best, path, v.get_ref(), candidate.len());
            }
        }
        search_value(v.get_ref(), span, exact, path, best);
        path.pop();
    }
}

fn search_value<'a, 'i>(
    value: &'a DeValue<'i>,
    span: &Range<usize>,
    exact: bool,
    path: &mut Vec<Seg>,
    best: &mut Option<Hit<'a, 'i>>,
) {
    match value {
        DeValue::Table(t) => search_table(t, span, exact, path, best),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                if span_hits(&item.span(), span, exact) {
                    consider(best, path, item.get_ref(), item.span().len());
                }
                search_value(item.get_ref(), span, exact, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    // The end of a text that ends with a new line is not a line of its own
    // (no editor shows one): an error found there, like an unclosed string,
    // points at the end of the last line instead.
    if offset == text.len() && text.ends_with('\n') {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut column = before[line_start..].chars().count() + 1;
    // At the end of a CRLF line, the `\r` is part of the line ending: point
    // just past the last visible character, as an editor shows it.
    if text[offset..].starts_with('\n') && before.ends_with('\r') {
        column -= 1;
    }
    (line, column)
}

/// The name in a `[table]` or `[[array]]` header line, and whether it is an array.
fn header_name(line: &str) -> Option<(String, bool)> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("[[") {
        return Some((
            rest.split(']').next().unwrap_or("").trim().to_string(),
            true,
        ));
    }
    let rest = line.strip_prefix('[')?;
    Some((
        rest.split(']').next().unwrap_or("").trim().to_string(),
        false,
    ))
}

/// A best guess at the key on the line of a syntax error, from the nearest
/// table header above it and the first word of the line.
fn guess_key_at(text: &str, offset: usize) -> String {
    let (line, _) = line_col(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let above = &lines[..(line - 1).min(lines.len())];
    let current = lines.get(line - 1).map(|l| l.trim()).unwrap_or("");
    if let Some((name, array)) = header_name(current) {
        return if array {
            format!("[[{name}]]")
        } else {
            format!("[{name}]")
        };
    }
    let header = above
        .iter()
        .rev()
        .find_map(|l| header_name(l))
        .map(|(name, array)| {
            if array {
                let count = above
                    .iter()
                    .filter(|l| header_name(l) == Some((name.clone(), true)))
                    .count();
                format!("[[{name}]] #{count}")
            } else {
                format!("[{name}]")
            }
        })
        .unwrap_or_default();
    let word: String = if current.starts_with('#') {
        String::new()
    } else {
        current
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect()
    };
    match (header.is_empty(), word.is_empty()) {
        (_, true) => header,
        (true, false) => word,
        (false, false) => format!("{header}.{word}"),
    }
}

fn syntax_problem(text: &str, err: &toml::de::Error) -> Problem {
    let offset = err.span().map(|s| s.start).unwrap_or(0);
    let (line, column) = line_col(text, offset);
    let message = err.message().trim().to_string();
    let hint = if message.contains("duplicate key") {
        "each key may appear only once in a table, and each [table] header only once; \
         remove or rename the repeated one"
    } else {
        "fix the TOML syntax on this line: strings need double quotes, tables are \
         written [name], lists [\"a\", \"b\"]; config.example.toml shows every key"
    };
    Problem {
        line: Some(line),
        column: Some(column),
        key: guess_key_at(text, offset),
        message: format!("TOML syntax error: {message}"),
        hint: hint.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Turning serde errors into problems
// ---------------------------------------------------------------------------

fn schema_problem(text: &str, doc: &Spanned<DeTable<'_>>, err: &toml::de::Error) -> Problem {
    let raw = err.message().trim();
    let span = err.span();
    let (mut path, node) = match &span {
        // The root table's own span: the error is about the file as a whole.
        Some(span) if *span == doc.span() => (Vec::new(), None),
        Some(span) => path_for_span(doc, span)
            .map(|(p, v)| (p, Some(v)))
            .unwrap_or((Vec::new(), None)),
        None => (Vec::new(), None),
    };
    let mut line_col_at = span
        .as_ref()
        .filter(|_| !path.is_empty())
        .map(|s| line_col(text, s.start));

    // A table written as `[[name]]` (or as a list) is read as a list of
    // tables; serde then reports whatever its first element lacks.
    let listed_table = match path.as_slice() {
        [Seg::Key(top), Seg::Index(_), ..] if TABLES.contains(&top.as_str()) => Some(top.clone()),
        _ => None,
    };
    let (message, hint) = if let Some(top) = listed_table {
        path.truncate(1);
        (
            "expected a single table, found a list of tables".to_string(),
            format!(
                "write the header as [{top}], with single brackets; only [[agents]] may repeat"
            ),
        )
    } else if let Some(field) = between(raw, "missing field `", "`") {
        let table = render_key(&path, doc);
        path.push(key(field));
        let what = if path.len() == 1 {
            format!("the [{field}] table is missing")
        } else {
            format!("the required key `{field}` is missing")
        };
        let specific = key_hint(&plain_key(&path));
        let hint = if path.len() == 1 {
            format!("add a [{field}] table; config.example.toml shows what goes in it")
        } else {
            format!(
                "add `{field} = ...` under {table}{}",
                specific.map(|h| format!(": {h}")).unwrap_or_default()
            )
        };
        (what, hint)
    } else if let Some(field) = between(raw, "unknown field `", "`") {
        let allowed = backticked(raw.split_once("expected").map(|x| x.1).unwrap_or(""));
        let known = if path.len() <= 1 { "tables" } else { "keys" };
        let hint = match closest(field, &allowed) {
            Some(best) => format!(
                "did you mean `{best}`? The {known} allowed here are: {}",
                allowed.join(", ")
            ),
            None if allowed.is_empty() => "remove it".to_string(),
            None => format!(
                "remove it or fix its spelling; the {known} allowed here are: {}",
                allowed.join(", ")
            ),
        };
        (format!("unknown key `{field}`"), hint)
    } else if let Some(value) = between(raw, "unknown variant `", "`") {
        let allowed = backticked(raw.split_once("expected").map(|x| x.1).unwrap_or(""));
        let listed = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = key_hint(&plain_key(&path))
            .map(str::to_string)
            .unwrap_or_else(|| format!("use one of {listed}"));
        (
            format!("unknown value \"{value}\" (allowed: {listed})"),
            hint,
        )
    } else if raw.starts_with("invalid type:") || raw.starts_with("invalid value:") {
        let expected = raw
            .rsplit_once(", expected ")
            .map(|x| human_expected(x.1))
            .unwrap_or_else(|| "something else".to_string());
        let in_secret = path.iter().any(|s| *s == key("client_secret"));
        let found = match (raw.starts_with("invalid value:"), in_secret) {
            // A value of the right type but out of range: name it, unless it
            // could be the secret.
            (true, false) => between(raw, "`", "`")
                .map(|v| v.to_string())
                .unwrap_or_else(|| found_kind(node)),
            _ => found_kind(node),
        };
        let hint = key_hint(&plain_key(&path))
            .map(str::to_string)
            .unwrap_or_else(|| type_hint(&expected));
        (format!("expected {expected}, found {found}"), hint)
    } else if raw.starts_with("wanted string or table") {
        let hint = key_hint(&plain_key(&path))
            .map(str::to_string)
            .unwrap_or_else(|| "put the value in double quotes".to_string());
        (
            format!("expected a string, found {}", found_kind(node)),
            hint,
        )
    } else {
        // Messages written by this module's own deserializers, which never
        // include the secret.
        let hint = key_hint(&plain_key(&path))
            .map(str::to_string)
            .unwrap_or_else(|| "config.example.toml documents every key".to_string());
        (raw.to_string(), hint)
    };
    if line_col_at.is_none() {
        line_col_at = locate(doc, &path).map(|o| line_col(text, o));
    }
    Problem {
        line: line_col_at.map(|(l, _)| l),
        column: line_col_at.map(|(_, c)| c),
        key: render_key(&path, doc),
        message,
        hint,
    }
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// Every `quoted` word in `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn found_kind(node: Option<&DeValue<'_>>) -> String {
    match node {
        Some(DeValue::String(_)) => "a string",
        Some(DeValue::Integer(_)) => "an integer",
        Some(DeValue::Float(_)) => "a decimal number",
        Some(DeValue::Boolean(_)) => "a boolean",
        Some(DeValue::Datetime(_)) => "a date-time",
        Some(DeValue::Array(_)) => "a list",
        Some(DeValue::Table(_)) => "a table",
        None => "something else",
    }
    .to_string()
}

/// Serde's name for the expected type, in words a user knows from TOML.
fn human_expected(expected: &str) -> String {
    match expected.trim() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "an integer (0 or more)".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".to_string(),
        "a boolean" => "true or false (a boolean)".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "a table".to_string(),
        other if other.starts_with("struct ") => "a table".to_string(),
        other => other.to_string(),
    }
}

fn type_hint(expected: &str) -> String {
    if expected.starts_with("an integer") {
        "write a whole number without quotes"
    } else if expected.starts_with("true or false") {
        "write true or false without quotes"
    } else if expected == "a string" {
        "put the value in double quotes"
    } else if expected == "a list" {
        "write a list in square brackets, e.g. [\"a\", \"b\"]"
    } else {
        "config.example.toml shows the expected form of every key"
    }
    .to_string()
}

/// The allowed name closest to a misspelt one, if any is close enough.
fn closest<'a>(word: &str, allowed: &'a [String]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(word, a), a))
        .filter(|(d, a)| *d <= (a.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a.as_str())
}

use crate::app::text::edit_distance;

/// What a key is for and how to write it, by key path without positions.
fn key_hint(path: &str) -> Option<&'static str> {
    Some(match path {
        "kore.host" => {
            "write the base URL of your Kore.ai platform, e.g. host = \"https://platform.kore.ai\""
        }
        "kore.bot_id" => {
            "the bot id (also its stream id, starting with st-) from the bot's settings on the Kore.ai platform"
        }
        "kore.org_id" | "kore.account_id" => "copy it from your Kore.ai account settings",
        "kore.client_id" => "the client id of the app whose credentials sign the JWTs",
        "kore.client_secret" => {
            "write client_secret = { env = \"KORE_CLIENT_SECRET\" }, { command = [\"pass\", \"kore\"] } or a quoted string"
        }
        "kore.client_secret.env" => {
            "name an environment variable, e.g. client_secret = { env = \"KORE_CLIENT_SECRET\" }"
        }
        "kore.client_secret.command" => {
            "give the program and its arguments as a list, e.g. client_secret = { command = [\"pass\", \"kore\"] }"
        }
        "kore.hooks_auth_header" => {
            "a header name: Kore's docs show both \"token\" and \"auth\"; \"token\" is the default"
        }
        "kore.jwt_ttl_secs" => {
            "a number of seconds without quotes, e.g. jwt_ttl_secs = 300, or remove the line"
        }
        "kore.rate_limit_per_minute" => {
            "the requests per minute your account allows, a whole number of at least 1 without quotes, e.g. rate_limit_per_minute = 60"
        }
        "kore.request_timeout_secs" => {
            "seconds as a whole number of at least 1 without quotes, e.g. request_timeout_secs = 10"
        }
        "kore.retry_uncertain_hooks" => "true or false without quotes",
        "kore.max_response_bytes" => {
            "a number of bytes from 65536 to 268435456 without quotes, e.g. max_response_bytes = 4194304"
        }
        "kore.secret_command_timeout_secs" => {
            "seconds from 1 to 600 without quotes, e.g. secret_command_timeout_secs = 10"
        }
        "kore.max_retry_after_secs" => {
            "seconds from 1 to 3600 without quotes, e.g. max_retry_after_secs = 120"
        }
        "kore.retry_max_attempts" => {
            "a whole number from 1 to 100 without quotes, e.g. retry_max_attempts = 6"
        }
        "callback.listen" => {
            "an IP address and a port, e.g. listen = \"127.0.0.1:8009\"; use \"0.0.0.0:8009\" to listen on every interface"
        }
        "callback.public_url" => {
            "the http(s) base URL at which Kore reaches this console's listener, e.g. public_url = \"https://switchboard.example.com\""
        }
        "callback.callback_timeout_secs" => {
            "seconds as a whole number of at least 1 without quotes, e.g. callback_timeout_secs = 120"
        }
        "poll.conversations_secs" | "poll.agents_secs" => {
            "seconds between polls as a whole number without quotes; 0 turns this poll off"
        }
        "events.experience" => "use \"chat\" or \"voice\"",
        "events.language" => "a language code such as \"en\" or \"de\"",
        "events.is_ext_ad" => "write true or false without quotes",
        "events.cold_order" => "use \"exit-first\" (the documented flow) or \"entry-first\"",
        "events.on_end" => {
            "a list drawn from \"TRIGGER_SUMMARY_EVENT\" and \"END_OF_CONVERSATION\", with END_OF_CONVERSATION last, e.g. on_end = [\"TRIGGER_SUMMARY_EVENT\", \"END_OF_CONVERSATION\"]"
        }
        "kore" | "callback" | "poll" | "events" | "ui" => {
            "write it as a [table] header on its own line, with its keys below it"
        }
        "agents" => "write each agent as its own [[agents]] table with at least an id",
        "agents.id" => "give every [[agents]] entry its own Kore agent id, e.g. id = \"a-123\"",
        "agents.identity" | "agents.name" | "agents.email" | "agents.queue_id"
        | "agents.queue_name" => "a quoted string, or remove the line",
        "ui.confirm" | "ui.mouse" => "write true or false without quotes",
        "ui.theme" => "use one of \"auto\", \"dark\", \"light\", \"mono\"",
        "keys" => "each line maps an action to a key, e.g. cold_transfer = \"t\"",
        p if p.starts_with("keys.") => {
            "each line maps an action to a key in quotes, e.g. cold_transfer = \"t\""
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Checks that run after parsing
// ---------------------------------------------------------------------------

struct Issue {
    at: Vec<Seg>,
    message: String,
    hint: String,
}

fn issue(at: Vec<Seg>, message: impl Into<String>) -> Issue {
    let hint = key_hint(&plain_key(&at)).unwrap_or("").to_string();
    Issue {
        at,
        message: message.into(),
        hint,
    }
}

/// Why `text` is not a usable http(s) base URL, if it is not. The value is
/// not repeated, since a URL may carry credentials.
fn url_problem(text: &str) -> Option<&'static str> {
    let Ok(url) = url::Url::parse(text.trim()) else {
        return Some("is not a URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Some("must start with https:// or http://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some("has no host name");
    }
    None
}

/// What is wrong with a language code, if anything (`en`, `de-CH`, `English`).
pub fn language_problem(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return Some("must not be empty".into());
    }
    if v.chars().count() > 35
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some("must be a language code of letters, digits and - (e.g. en, de-CH)".into());
    }
    None
}

/// The longest id accepted in `[kore]` (Kore's are about 40 characters).
pub const MAX_ID_CHARS: usize = 200;

/// What is wrong with an id from the config or the command line, if
/// anything: empty, too long, or holding spaces or control characters.
pub fn id_problem(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return Some("must not be empty".into());
    }
    let n = v.chars().count();
    if n > MAX_ID_CHARS {
        return Some(format!(
            "is {n} characters long; an id is at most {MAX_ID_CHARS}"
        ));
    }
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("must not hold spaces or control characters".into());
    }
    None
}

/// True for a valid HTTP header name (RFC 9110 token characters).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn validate(config: &Config) -> Vec<Issue> {
    let mut issues = Vec::new();
    let at = |table: &str, name: &str| vec![key(table), key(name)];

    let kore = &config.kore;
    if let Some(problem) = url_problem(&kore.host) {
        issues.push(issue(at("kore", "host"), format!("the host {problem}")));
    }
    for (name, value) in [
        ("bot_id", &kore.bot_id),
        ("org_id", &kore.org_id),
        ("account_id", &kore.account_id),
        ("client_id", &kore.client_id),
    ] {
        if let Some(problem) = id_problem(value) {
            issues.push(issue(at("kore", name), problem));
        }
    }
    match &kore.client_secret {
        SecretSource::Literal(secret) if secret.is_empty() => {
            issues.push(issue(at("kore", "client_secret"), "the secret is empty"));
        }
        SecretSource::Env(var) if var.is_empty() || var.contains(['=', '\0']) => {
            let mut path = at("kore", "client_secret");
            path.push(key("env"));
            issues.push(issue(path, "is not a usable environment variable name"));
        }
        SecretSource::Command(argv) if argv.first().is_none_or(|p| p.trim().is_empty()) => {
            let mut path = at("kore", "client_secret");
            path.push(key("command"));
            issues.push(issue(path, "must start with the program to run"));
        }
        _ => {}
    }
    if !is_header_name(&kore.hooks_auth_header) {
        issues.push(issue(
            at("kore", "hooks_auth_header"),
            "is not a valid HTTP header name",
        ));
    }
    if kore.rate_limit_per_minute < 1 {
        issues.push(issue(
            at("kore", "rate_limit_per_minute"),
            "must be at least 1",
        ));
    }
    if let Some(ttl) = kore.jwt_ttl_secs
        && !(1..=86_400).contains(&ttl)
    {
        issues.push(issue(
            at("kore", "jwt_ttl_secs"),
            "must be from 1 to 86400 (a day); remove the line to sign tokens without iat/exp/jti",
        ));
    }
    if kore.request_timeout_secs < 1 {
        issues.push(issue(
            at("kore", "request_timeout_secs"),
            "must be at least 1",
        ));
    }
    if config.journal.keep_ended_hours > 24 * 365 {
        issues.push(issue(
            at("journal", "keep_ended_hours"),
            "must be at most 8760 (a year)",
        ));
    }
    if !(65_536..=268_435_456).contains(&kore.max_response_bytes) {
        issues.push(issue(
            at("kore", "max_response_bytes"),
            "must be from 65536 (64 KiB) to 268435456 (256 MiB)",
        ));
    }
    if !(1..=600).contains(&kore.secret_command_timeout_secs) {
        issues.push(issue(
            at("kore", "secret_command_timeout_secs"),
            "must be from 1 to 600",
        ));
    }
    if !(1..=3600).contains(&kore.max_retry_after_secs) {
        issues.push(issue(
            at("kore", "max_retry_after_secs"),
            "must be from 1 to 3600",
        ));
    }
    if !(1..=100).contains(&kore.retry_max_attempts) {
        issues.push(issue(
            at("kore", "retry_max_attempts"),
            "must be from 1 to 100",
        ));
    }

    let callback = &config.callback;
    if let Some(problem) = url_problem(&callback.public_url) {
        issues.push(issue(
            at("callback", "public_url"),
            format!("the public URL {problem}"),
        ));
    } else if let Ok(url) = url::Url::parse(callback.public_url.trim())
        && (url.query().is_some() || url.fragment().is_some())
    {
        issues.push(issue(
            at("callback", "public_url"),
            "must not have a ?query or #fragment: callbacks go to {public_url}/cb/…, \
             which would put the path inside the query and never reach the listener",
        ));
    }
    if callback.callback_timeout_secs < 1 {
        issues.push(issue(
            at("callback", "callback_timeout_secs"),
            "must be at least 1",
        ));
    }

    let events = &config.events;
    if let Some(problem) = language_problem(&events.language) {
        issues.push(issue(at("events", "language"), problem));
    }
    for (i, closing) in events.on_end.iter().enumerate() {
        let mut path = at("events", "on_end");
        path.push(Seg::Index(i));
        if events.on_end[..i].contains(closing) {
            issues.push(issue(path, format!("lists {closing} twice")));
        } else if *closing == ClosingCfg::EndOfConversation && i + 1 < events.on_end.len() {
            issues.push(issue(
                path,
                "END_OF_CONVERSATION must come last: nothing can be sent after it",
            ));
        }
    }

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, agent) in config.agents.iter().enumerate() {
        let path = |name: &str| vec![key("agents"), Seg::Index(i), key(name)];
        let id = agent.id.trim();
        if id.is_empty() {
            issues.push(issue(path("id"), "must not be empty"));
        } else if let Some(first) = seen.get(id) {
            issues.push(issue(
                path("id"),
                format!(
                    "the id \"{id}\" is already used by [[agents]] #{}",
                    first + 1
                ),
            ));
        } else {
            seen.insert(id, i);
        }
        if agent
            .identity
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            issues.push(issue(
                path("identity"),
                "must not be empty; leave it out to use the id",
            ));
        }
    }
    // [keys]: each override on its own line first, then how they combine.
    let mut key_issue = false;
    for (name, value) in &config.keys {
        let one = BTreeMap::from([(name.clone(), value.clone())]);
        if let Err(errors) = crate::ui::keymap::validate_key_overrides(&one) {
            key_issue = true;
            for e in errors {
                issues.push(issue(at("keys", name), e));
            }
        }
    }
    if !key_issue && let Err(errors) = crate::ui::keymap::validate_key_overrides(&config.keys) {
        for e in errors {
            issues.push(issue(vec![key("keys")], e));
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Spanned<DeTable<'_>> {
        DeTable::parse(text).unwrap()
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // "bé = " is 6 bytes but 5 characters.
        assert_eq!(line_col(text, text.find('"').unwrap()), (2, 6));
        // Past the end: the end of the last line, not a line after it.
        assert_eq!(line_col(text, 1000), (2, 9));
        assert_eq!(line_col(text, text.len()), (2, 9));
        assert_eq!(line_col("a", 1), (1, 2));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("\n", 1), (1, 1));
        assert_eq!(line_col("a\r\n", 3), (1, 2), "CRLF at the end");
    }

    #[test]
    fn line_col_does_not_count_the_cr_of_a_crlf_ending() {
        let text = "a = 1\r\nb\r\n";
        // The `\n` of each line is right after its last visible character.
        assert_eq!(line_col(text, 9), (2, 2));
        assert_eq!(line_col(text, 6), (1, 6));
        // The `\r` itself, pointed at directly, is still where it is.
        assert_eq!(line_col(text, 5), (1, 6));
        assert_eq!(line_col("x\ry", 2), (1, 3), "a lone CR is a character");
    }

    #[test]
    fn keys_render_like_the_file() {
        let text = "[kore]\nhost = 1\n[[agents]]\nid = \"a\"\n";
        let d = doc(text);
        assert_eq!(render_key(&[key("kore"), key("host")], &d), "[kore].host");
        assert_eq!(
            render_key(&[key("agents"), Seg::Index(1), key("id")], &d),
            "[[agents]] #2.id"
        );
        assert_eq!(
            render_key(&[key("events"), key("on_end"), Seg::Index(0)], &d),
            "[events].on_end #1"
        );
        assert_eq!(render_key(&[key("kore")], &d), "[kore]");
        assert_eq!(render_key(&[key("stray")], &d), "stray");
    }

    #[test]
    fn spans_map_back_to_the_deepest_key() {
        let text =
            "[kore]\nclient_secret = { env = 3 }\n[[agents]]\nid = \"a\"\n[[agents]]\nid = 4\n";
        let d = doc(text);
        let env_value = text.find("3 }").unwrap();
        let (path, _) = path_for_span(&d, &(env_value..env_value + 1)).unwrap();
        assert_eq!(path, vec![key("kore"), key("client_secret"), key("env")]);
        let second_id = text.rfind('4').unwrap();
        let (path, _) = path_for_span(&d, &(second_id..second_id + 1)).unwrap();
        assert_eq!(path, vec![key("agents"), Seg::Index(1), key("id")]);
    }

    #[test]
    fn syntax_key_guess_uses_the_header_above() {
        let text = "[kore]\nhost = \"x\"\nbot_id \"st-1\"\n";
        assert_eq!(
            guess_key_at(text, text.find("bot_id").unwrap()),
            "[kore].bot_id"
        );
        let text = "[[agents]]\nid = \"a\"\n[[agents]]\nid = \"b\n";
        assert_eq!(guess_key_at(text, text.len() - 1), "[[agents]] #2.id");
    }

    #[test]
    fn edit_distance_and_suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        let allowed = vec!["rate_limit_per_minute".to_string(), "host".to_string()];
        assert_eq!(
            closest("rate_limt_per_minute", &allowed),
            Some("rate_limit_per_minute")
        );
        assert_eq!(closest("zzzzzz", &allowed), None);
    }

    #[test]
    fn header_names() {
        assert!(is_header_name("token"));
        assert!(is_header_name("X-Auth-Token"));
        assert!(!is_header_name(""));
        assert!(!is_header_name("to ken"));
        assert!(!is_header_name("auth:"));
    }

    #[test]
    fn url_checks() {
        assert_eq!(url_problem("https://platform.kore.ai"), None);
        assert_eq!(url_problem("http://localhost:8009/"), None);
        assert!(url_problem("platform.kore.ai").is_some());
        assert!(url_problem("ftp://platform.kore.ai").is_some());
        assert!(url_problem("localhost:8009").is_some());
    }

    #[test]
    fn defaults_match_the_spec() {
        let callback = CallbackConfig::default();
        assert_eq!(callback.listen.to_string(), "127.0.0.1:8009");
        assert_eq!(callback.public_url, "http://localhost:8009");
        assert_eq!(callback.callback_timeout_secs, 120);
        let poll = PollConfig::default();
        assert_eq!((poll.conversations_secs, poll.agents_secs), (10, 30));
        let events = EventsConfig::default();
        assert_eq!(events.experience, Experience::Chat);
        assert_eq!(events.language, "en");
        assert!(events.is_ext_ad);
        assert_eq!(events.cold_order, ColdOrderCfg::ExitFirst);
        assert_eq!(
            events.on_end,
            vec![ClosingCfg::TriggerSummary, ClosingCfg::EndOfConversation]
        );
        let ui = UiConfig::default();
        assert!(ui.confirm && !ui.mouse);
        assert_eq!(ui.theme, Theme::Auto);
        assert_eq!(default_hooks_auth_header(), "token");
        assert_eq!(default_rate_limit_per_minute(), 60);
        assert_eq!(default_request_timeout_secs(), 10);
    }
}
