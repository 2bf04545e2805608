//! What can go wrong with the config: [`ConfigError`], and the located
//! [`Problem`]s of a file that does not load, written the way the user sees them.

use super::MAX_CONFIG_BYTES;
use std::io;
use std::path::{Path, PathBuf};

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

    #[error(
        "[team].password: {problem}\n  hint: export the variable or fix the command, or point [team].password elsewhere; the password itself is never shown"
    )]
    TeamPassword { problem: String },
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
