//! `switchboard demo`: the console against the embedded simulator started
//! in-process on loopback, with a journal of its own (its options come from
//! `wiring`).

use crate::config::Config;
use crate::exit::Fail;
use crate::kore::client::KoreClient;
use crate::runtime::terminal::say;
use crate::sim::{self, SimConfig};
use crate::wiring::{self, UiFlags};
use std::net::SocketAddr;
use std::path::Path;

/// `switchboard demo` options.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub speed: f64,
    pub faults: f64,
    pub listen: SocketAddr,
    /// Live conversations added to the demo world (0: none).
    pub conversations: usize,
    /// A walkthrough to play into the console.
    pub script: Option<Vec<ScriptStep>>,
    /// Read-only, ASCII, only the wallboard (`demo --wallboard`).
    pub ui: UiFlags,
    /// `--team N`: team mode with N consoles, this one and N-1 simulated
    /// teammates, on a redis-server of its own (`demo_team`).
    pub team: Option<usize>,
}

pub use crate::runtime::script::{BUILTIN_WALKTHROUGH, ScriptStep, load_script, parse_script};

/// The config whose `[ui]`, `[keys]` and `[events]` the demo uses: one
/// named with `--config` must load; one found on its own ($SWITCHBOARD_CONFIG
/// or the config dir) is skipped with a warning when it does not.
pub fn prefs(cli_config: Option<&Path>) -> Result<Option<Config>, Fail> {
    if cli_config.is_some() {
        return wiring::load_config(cli_config).map(|l| Some(l.config));
    }
    let Some(path) = crate::config::resolve_path(None) else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    match wiring::load_config(Some(&path)) {
        Ok(loaded) => Ok(Some(loaded.config)),
        Err(fail) => {
            say(&format!(
                "warning: the demo goes on without your config's [ui], [keys] and [events]: {}",
                fail.message
            ));
            Ok(None)
        }
    }
}

/// Removes demo journals that no running demo holds (each demo locks its
/// own while it runs).
fn remove_stale_demo_journals(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // A journal, or the lock file of one (`….jsonl.lock`).
        let is_journal = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.starts_with("journal-") && (n.ends_with(".jsonl") || n.ends_with(".jsonl.lock"))
        });
        if !is_journal {
            continue;
        }
        let Ok(file) = std::fs::OpenOptions::new().read(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// `switchboard demo`: the config's preferences (if any), a terminal, the
/// log file, then the demo.
pub async fn command(cli_config: Option<&Path>, opts: DemoOptions) -> Result<i32, Fail> {
    let prefs = prefs(cli_config)?;
    wiring::require_terminal()?;
    crate::logging::init_file("demo");
    run(opts, prefs.as_ref())
        .await
        .map_err(|e| Fail::failed(format!("{e:#}")))
}

/// Starts the simulator on loopback and opens the console against it. With
/// a config, its `[ui]`, `[keys]` and `[events]` apply (its `[kore]`,
/// `[callback]` and `[[agents]]` do not: the demo has its own).
pub async fn run(opts: DemoOptions, prefs: Option<&Config>) -> anyhow::Result<i32> {
    crate::install_crypto();
    let mut cfg = SimConfig::demo();
    cfg.seed = opts.seed;
    cfg.speed = opts.speed;
    cfg.faults = opts.faults;
    cfg.conversations = opts.conversations;
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let handle = std::sync::Arc::new(sim::start(cfg.clone(), listener).await?);
    let team = match opts.team {
        Some(size) => match crate::demo_team::DemoTeam::start(handle.clone(), size).await {
            Ok(team) => Some(team),
            Err(e) => {
                stop_sim(handle).await;
                return Err(e);
            }
        },
        None => None,
    };
    // A journal of its own for each demo run (the simulator's world is new
    // every time), in the state dir rather than /tmp. It is removed when the
    // demo ends; one left by a demo that was killed, or whose terminal
    // closed, is removed by the next demo (it is no longer locked).
    let demo_dir = crate::config::state_dir().join("demo");
    remove_stale_demo_journals(&demo_dir);
    let journal = demo_dir.join(format!(
        "journal-{}-{}.jsonl",
        std::process::id(),
        &crate::kore::jwt::random_id()[..8]
    ));
    let mut console_opts = wiring::demo_console_options(
        handle.client_settings(),
        prefs,
        opts.ui,
        journal.clone(),
        opts.script.clone(),
    )?;
    console_opts.team = team.as_ref().map(|t| t.settings.clone());
    let result = match KoreClient::new(&console_opts.client) {
        Ok(client) => wiring::start_console(console_opts, client).await,
        Err(e) => Err(e.into()),
    };
    let _ = std::fs::remove_file(&journal);
    let _ = std::fs::remove_file(crate::runtime::journal_file::lock_path(&journal));
    if let Some(team) = team {
        team.stop().await;
    }
    stop_sim(handle).await;
    result
}

/// Stops the simulator, waiting for it when nothing else holds it (the
/// team's teammates have stopped by then); else dropping it stops it.
async fn stop_sim(handle: std::sync::Arc<sim::SimHandle>) {
    if let Ok(handle) = std::sync::Arc::try_unwrap(handle) {
        handle.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyCode;
    use std::time::Duration;

    #[test]
    fn the_builtin_walkthrough_parses() {
        let steps = parse_script(BUILTIN_WALKTHROUGH).unwrap();
        assert!(steps.len() > 20);
        assert!(steps.iter().any(|s| matches!(s, ScriptStep::Say(_))));
    }

    #[test]
    fn steps_and_errors() {
        let steps = parse_script("# c\nwait 1.5\nkeys ab\nkey Shift-Tab\nsay hi there\n").unwrap();
        assert_eq!(steps[0], ScriptStep::Wait(Duration::from_millis(1500)));
        match &steps[1] {
            ScriptStep::Keys(k) => assert_eq!(k.len(), 2),
            other => panic!("{other:?}"),
        }
        match &steps[2] {
            ScriptStep::Keys(k) => assert_eq!(k[0].code, KeyCode::BackTab),
            other => panic!("{other:?}"),
        }
        assert_eq!(steps[3], ScriptStep::Say("hi there".into()));
        assert!(parse_script("wait forever").unwrap_err().contains("line 1"));
        assert!(parse_script("\n\njump 3").unwrap_err().contains("line 3"));
        assert!(
            parse_script("key Hyperspace")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(parse_script("keys").is_err());
    }
}
