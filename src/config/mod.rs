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
//!
//! This file holds [`Config`], path resolution and loading. Each table has a
//! file of its own (`kore`, `callback`, `poll`, `events`, `agents`,
//! `journal`, `ui`, `alerts`, `team`); `[keys]` is a plain map whose actions and keys belong to
//! `app::keymap`. Step 2 is in `parse_errors`, step 3 in `validate`, and
//! both find their lines through `locate`; the hint for each key is in
//! `hints`, the error types in `errors`, the secret in `secret`, and the
//! file `switchboard init` writes in `starter`.

use crate::kore::jwt::Secret;
use directories::ProjectDirs;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::de::DeTable;

/// Writes `Display` as the value's `as_str`, for the enums of the file.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

mod agents;
mod alerts;
mod callback;
mod errors;
mod events;
mod hints;
mod journal;
mod kore;
mod locate;
mod parse_errors;
mod poll;
mod secret;
mod starter;
mod team;
mod ui;
mod validate;

pub use agents::AgentEntry;
pub use alerts::{AlertsConfig, QueueAlertsConfig};
pub use callback::CallbackConfig;
pub use errors::{ConfigError, Problem};
pub use events::{ClosingCfg, ColdOrderCfg, EventsConfig, Experience};
pub use journal::JournalConfig;
pub use kore::KoreConfig;
pub use poll::PollConfig;
pub use secret::{DEFAULT_SECRET_COMMAND_TIMEOUT_SECS, MAX_SECRET_OUTPUT, SecretSource};
pub use starter::{STARTER, write_starter};
pub use team::{
    DEFAULT_LEASE_MS, MAX_KEY_PREFIX_CHARS, MAX_TEAM_NAME_CHARS, TeamConfig, default_key_prefix,
    mask_url,
};
pub use ui::{Theme, UiConfig};
pub use validate::{MAX_ID_CHARS, id_problem, language_problem};

use locate::{line_col, locate, render_key};
use parse_errors::{schema_problem, syntax_problem};
use validate::validate;

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "SWITCHBOARD_CONFIG";
/// Environment variable overriding the data dir (journal, exports).
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";
/// Environment variable overriding the state dir (log files).
pub const STATE_DIR_ENV: &str = "SWITCHBOARD_STATE_DIR";
/// The file name looked for inside the platform config dir.
pub const CONFIG_FILE_NAME: &str = "config.toml";

const APP_NAME: &str = "switchboard";

/// The largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

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
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// Team mode on Redis (`[team]`); absent, the console works alone.
    #[serde(default)]
    pub team: Option<TeamConfig>,
    /// Key binding overrides: action name to key.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// Saved views defined up front (`[views.NAME]`), read by
    /// `app::views`: a view that does not parse is named at start and
    /// skipped, not a config error.
    #[serde(default)]
    pub views: BTreeMap<String, toml::Value>,
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
    let team_exposed = match &loaded.config.team {
        Some(team) if team.password_in_file() => readable_by_others(path),
        _ => None,
    };
    if let Some(mode) = team_exposed {
        loaded.warnings.push(format!(
            "{} holds the Redis password of [team] and other users can read it (mode {mode:04o}); \
             run `chmod 600 {}`, or better, set password = {{ env = \"SWITCHBOARD_REDIS_PASSWORD\" }} \
             and keep the password out of the file (and out of redis_url)",
            path.display(),
            path.display()
        ));
    }
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
