//! Wiring the console: from a config file, or (`switchboard demo`) against
//! the embedded simulator started in-process on loopback.

use crate::cli::{client_settings, plan_settings};
use crate::config::Config;
use crate::kore::hooks::EventContext;
use crate::kore::jwt::Secret;
use crate::runtime::console::{self, ConsoleOptions};
use crate::sim::{self, SimConfig};
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use std::net::SocketAddr;
use std::time::Duration;

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
    /// Only the wallboard (`demo --wallboard`).
    pub wallboard: bool,
}

pub use crate::runtime::script::{BUILTIN_WALKTHROUGH, ScriptStep, load_script, parse_script};

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// ASCII glyphs when asked for, or when the locale is not UTF-8 (`LANG=C`):
/// box drawing and arrows would come out as garbage there.
fn ascii_glyphs(asked: bool) -> bool {
    asked || !crate::runtime::terminal::locale_is_utf8(|name| std::env::var(name).ok())
}

/// What events carry when a conversation does not say, from `[events]`.
fn event_defaults(config: &Config) -> EventContext {
    EventContext {
        experience: config.events.experience.as_str().to_string(),
        language: config.events.language.clone(),
        is_ext_ad: config.events.is_ext_ad,
        end_reason: "agent_initiated".into(),
    }
}

/// The console options for a config file; `wallboard` for `switchboard
/// wallboard` (read-only, no callback listener, so `[callback]` is not
/// checked).
pub fn options_from_config(
    config: &Config,
    secret: Secret,
    allow_insecure_http: bool,
    read_only: bool,
    ascii: bool,
    wallboard: bool,
) -> Result<ConsoleOptions, String> {
    let keymap = Keymap::with_overrides(&config.keys).map_err(|e| e.join("; "))?;
    if !wallboard {
        crate::kore::client::check_callback_url(
            config.callback.public_base(),
            allow_insecure_http,
        )?;
    }
    let host = url::Url::parse(&config.kore.host)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| config.kore.host.clone());
    Ok(ConsoleOptions {
        client: client_settings(config, secret, allow_insecure_http),
        environment: host,
        listen: config.callback.listen.to_string(),
        public_url: config.callback.public_base().to_string(),
        callback_timeout: config.callback.callback_timeout(),
        poll_conversations: config.poll.conversations_interval(),
        poll_agents: config.poll.agents_interval(),
        defaults: event_defaults(config),
        plan: plan_settings(config),
        confirm: config.ui.confirm,
        read_only,
        keymap,
        theme: Theme::from_config(config.ui.theme, no_color(), ascii_glyphs(ascii)),
        directory: console::directory_agents(config),
        journal: Some(crate::cli::journal_path(config)),
        mouse: config.ui.mouse,
        show_customer_contact: config.ui.show_customer_contact,
        max_attempts: config.kore.retry_max_attempts,
        retry_uncertain_hooks: config.kore.retry_uncertain_hooks,
        keep_ended: config.journal.keep_ended(),
        alerts: config.alerts.alerts(),
        script: None,
        wallboard,
    })
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

/// Starts the simulator on loopback and opens the console against it. With
/// a config, its `[ui]`, `[keys]` and `[events]` apply (its `[kore]`,
/// `[callback]` and `[[agents]]` do not: the demo has its own).
pub async fn run(
    opts: DemoOptions,
    prefs: Option<&Config>,
    read_only: bool,
    ascii: bool,
) -> anyhow::Result<i32> {
    crate::install_crypto();
    let mut cfg = SimConfig::demo();
    cfg.seed = opts.seed;
    cfg.speed = opts.speed;
    cfg.faults = opts.faults;
    cfg.conversations = opts.conversations;
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let handle = sim::start(cfg.clone(), listener).await?;
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
    let console_opts = ConsoleOptions {
        client: handle.client_settings(),
        environment: "DEMO".into(),
        listen: "127.0.0.1:0".into(),
        public_url: "http://127.0.0.1:0".into(),
        callback_timeout: Duration::from_secs(30),
        poll_conversations: Some(Duration::from_secs(5)),
        poll_agents: Some(Duration::from_secs(15)),
        defaults: prefs.map(event_defaults).unwrap_or_default(),
        plan: prefs.map(plan_settings).unwrap_or_default(),
        confirm: prefs.is_none_or(|c| c.ui.confirm),
        read_only,
        keymap: match prefs {
            Some(c) => {
                Keymap::with_overrides(&c.keys).map_err(|e| anyhow::anyhow!(e.join("; ")))?
            }
            None => Keymap::default(),
        },
        theme: Theme::from_config(
            prefs.map_or(crate::config::Theme::Auto, |c| c.ui.theme),
            no_color(),
            ascii_glyphs(ascii),
        ),
        directory: Vec::new(),
        journal: Some(journal.clone()),
        mouse: prefs.is_some_and(|c| c.ui.mouse),
        show_customer_contact: prefs.is_some_and(|c| c.ui.show_customer_contact),
        max_attempts: crate::runtime::runner::MAX_ATTEMPTS,
        retry_uncertain_hooks: true,
        keep_ended: Duration::from_secs(24 * 3600),
        script: opts.script.clone(),
        alerts: prefs.map(|c| c.alerts.alerts()).unwrap_or_default(),
        wallboard: opts.wallboard,
    };
    let result = console::run(console_opts).await;
    let _ = std::fs::remove_file(&journal);
    let _ = std::fs::remove_file(crate::runtime::journal_file::lock_path(&journal));
    handle.shutdown().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyCode;

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
