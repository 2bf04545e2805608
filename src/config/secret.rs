//! Where the client secret comes from (a literal, an environment variable or
//! a command) and how it is fetched when asked for, never while loading.

use super::ConfigError;
use crate::kore::jwt::Secret;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::io;
use std::process::{Command, Stdio};
use std::time::Duration;

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
    let mut child = spawn_secret_command(program, args).map_err(fail)?;
    let mut reader = Some(spawn_reader(&mut child));
    let mut printed: Option<Vec<u8>> = None;
    let started = std::time::Instant::now();
    let over_cap = |out: &Vec<u8>| out.len() > MAX_SECRET_OUTPUT;
    let stop = |child: &mut std::process::Child| {
        kill_group(child);
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
            // Its group is still ours to end (the command was reaped, but
            // the group lives while a member does).
            kill_group(&mut child);
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
    secret_from_output(status, stdout).map_err(fail)
}

/// Starts the command with no input, its output piped and its messages
/// dropped; the error is the problem to report.
fn spawn_secret_command(program: &str, args: &[String]) -> Result<std::process::Child, String> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // Its messages may hold the secret, and a full stderr pipe could
        // block it: they go nowhere.
        .stderr(Stdio::null());
    // A group of its own, so that a time-out ends whatever it started too
    // (a shell's background job, a helper that holds the output open).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            "could not be started: it was not found (is it installed and on PATH?)".to_string()
        } else {
            format!("could not be started: {e}")
        }
    })
}

/// Reads the command's output on a thread, at most one byte over the cap,
/// so that neither an endless printer (`yes`) nor one that never ends can
/// hold us.
fn spawn_reader(child: &mut std::process::Child) -> std::thread::JoinHandle<Vec<u8>> {
    let stdout = child.stdout.take();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut out = Vec::new();
        if let Some(s) = stdout {
            let _ = s.take(MAX_SECRET_OUTPUT as u64 + 1).read_to_end(&mut out);
        }
        out
    })
}

/// The secret from a finished command's exit status and output (under the
/// cap); the error is the problem to report.
fn secret_from_output(status: std::process::ExitStatus, stdout: Vec<u8>) -> Result<Secret, String> {
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("failed with exit code {code}"),
            None => "was killed by a signal".to_string(),
        };
        return Err(how);
    }
    let text = String::from_utf8(stdout)
        .map_err(|_| "printed something that is not UTF-8 text".to_string())?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("printed nothing".to_string());
    }
    Ok(Secret::new(trimmed))
}

/// Ends the command and every process in its group.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) on the process group the command leads (made with
        // `process_group(0)`, so its id is the command's pid).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
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
