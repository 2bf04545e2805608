//! Logging through `tracing`: to a file in the state dir for everything that
//! owns the terminal or prints JSON on stdout, to stderr for the simulator.
//! The level comes from `SWITCHBOARD_LOG` (e.g. `debug`, `switchboard=trace`).

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The log file for `name`: `{state_dir}/switchboard-{name}.log`.
pub fn log_path(name: &str) -> PathBuf {
    crate::config::state_dir().join(format!("switchboard-{name}.log"))
}

/// Logs to `{state_dir}/switchboard-{name}.log`. When the file cannot be
/// opened, logging is off: the terminal is never the fallback.
pub fn init_file(name: &str) -> Option<PathBuf> {
    let path = log_path(name);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&path).ok()?;
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}

/// Logs to stderr (for the simulator, which has no UI of its own).
pub fn init_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}
