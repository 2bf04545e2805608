//! The composition root: from a loaded config, what every command needs,
//! built in one place. The config itself (`load_config`), the Kore client,
//! the journal (opened with the compaction at start), the callback
//! listener, the runner, and the console's options (from a config, or the
//! demo's). The console, the demo, the wallboard and the scripting commands
//! all take them from here; none borrows another's helpers.

use crate::app;
use crate::app::state::{Agent, Presence};
use crate::config::{self, Config, Loaded};
use crate::domain::{Closing, ColdOrder, PlanSettings};
use crate::exit::Fail;
use crate::kore::client::{self, ClientSettings, KoreClient};
use crate::kore::hooks::EventContext;
use crate::kore::jwt::Secret;
use crate::kore::wire::ReceivedCallback;
use crate::runtime::callback::{CallbackListener, ListenerLimits};
use crate::runtime::console::{self, ConsoleOptions, Services};
use crate::runtime::journal::{self, Journal, Replay};
use crate::runtime::runner::Runner;
use crate::runtime::script::ScriptStep;
use crate::runtime::terminal::{self, say};
use crate::sim::SimConfig;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Loads the config the way every command does, printing its warnings.
pub fn load_config(cli_path: Option<&Path>) -> Result<Loaded, Fail> {
    let path = config::resolve_path(cli_path).ok_or_else(|| {
        Fail::usage(
            "no config path: this platform has no config directory; pass --config PATH or set SWITCHBOARD_CONFIG",
        )
    })?;
    let loaded = config::load(&path)?;
    for w in &loaded.warnings {
        say(&format!("warning: {w}"));
    }
    Ok(loaded)
}

/// The Kore client's settings from `[kore]`, with the resolved secret.
pub fn client_settings(
    config: &Config,
    secret: Secret,
    allow_insecure_http: bool,
) -> ClientSettings {
    ClientSettings {
        host: config.kore.host.clone(),
        bot_id: config.kore.bot_id.clone(),
        org_id: config.kore.org_id.clone(),
        account_id: config.kore.account_id.clone(),
        client_id: config.kore.client_id.clone(),
        client_secret: secret,
        hooks_auth_header: config.kore.hooks_auth_header.clone(),
        jwt_ttl_secs: Some(config.kore.jwt_ttl_secs),
        rate_limit_per_minute: config.kore.rate_limit_per_minute,
        hooks_rate_limit_per_minute: config.kore.hooks_rate_limit_per_minute,
        reserved_for_actions_per_minute: config.kore.reserved_for_actions_per_minute,
        request_timeout: config.kore.request_timeout(),
        allow_insecure_http,
        max_response_bytes: config.kore.max_response_bytes as usize,
        max_retry_after: Duration::from_secs(config.kore.max_retry_after_secs),
    }
}

/// The transfer rules' settings from `[events]`.
pub fn plan_settings(config: &Config) -> PlanSettings {
    PlanSettings {
        cold_order: match config.events.cold_order {
            config::ColdOrderCfg::ExitFirst => ColdOrder::ExitFirst,
            config::ColdOrderCfg::EntryFirst => ColdOrder::EntryFirst,
        },
        on_end: config
            .events
            .on_end
            .iter()
            .map(|c| match c {
                config::ClosingCfg::TriggerSummary => Closing::TriggerSummary,
                config::ClosingCfg::EndOfConversation => Closing::EndOfConversation,
            })
            .collect(),
    }
}

/// What events carry when a conversation does not say, from `[events]`.
pub fn event_defaults(config: &Config) -> EventContext {
    EventContext {
        experience: config.events.experience.as_str().to_string(),
        language: config.events.language.clone(),
        is_ext_ad: config.events.is_ext_ad,
        end_reason: "agent_initiated".into(),
    }
}

/// The `[[agents]]` directory as console agents.
pub fn directory_agents(config: &Config) -> Vec<Agent> {
    config
        .agents
        .iter()
        .map(|a| Agent {
            id: a.id.clone(),
            identity: a.identity().to_string(),
            name: a.display_name().to_string(),
            email: a.email.clone(),
            queue_id: a.queue_id.clone(),
            queue_name: a.queue_name.clone(),
            presence: Presence::Unknown,
            chat: None,
            voice: None,
        })
        .collect()
}

/// The Kore client of a scripting command: the secret resolved, a host the
/// client refuses a config error (exit 2).
pub fn build_client(loaded: &Loaded, allow_insecure_http: bool) -> Result<KoreClient, Fail> {
    let secret = loaded.config.resolve_secret()?;
    KoreClient::new(&client_settings(
        &loaded.config,
        secret,
        allow_insecure_http,
    ))
    .map_err(|e| Fail::usage(format!("{}: {e}", loaded.path.display())))
}

/// Where the journal of the config's bot is.
pub fn journal_path(config: &Config) -> PathBuf {
    config::data_dir().join(journal::file_name_for(&config.kore.bot_id))
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Opens the journal at `path` to write, as every command that sends does at
/// start: ended conversations older than `keep_ended` are folded (the
/// streaming fold, then a compaction of what it could not judge), so what
/// is read stays bounded. `busy` is the hint when another process holds it.
pub fn open_journal_at(
    path: &Path,
    keep_ended: Duration,
    busy: &str,
) -> Result<(Journal, Replay), String> {
    let keep_ms = i64::try_from(keep_ended.as_millis()).unwrap_or(i64::MAX);
    let now_ms = now_ms();
    let (mut j, mut replay) = Journal::open_folding(path, keep_ms, now_ms).map_err(|e| {
        let hint = journal::open_hint(path, &e, busy);
        format!(
            "cannot open the journal {}: {e}\n  hint: {hint}",
            path.display()
        )
    })?;
    match j.compact(&mut replay, keep_ms, now_ms) {
        Ok(0) => {}
        Ok(n) => tracing::info!(folded = n, "journal compacted"),
        Err(e) => {
            tracing::warn!(error = %e, "journal compaction failed; the journal is unchanged")
        }
    }
    Ok((j, replay))
}

/// The journal of a scripting command, its warnings printed.
pub fn open_journal(config: &Config) -> Result<(Journal, Replay), Fail> {
    let (j, replay) = open_journal_at(
        &journal_path(config),
        config.journal.keep_ended(),
        "a console is open on this bot: send from the console, or quit it first",
    )
    .map_err(Fail::failed)?;
    for w in &replay.warnings {
        tracing::warn!(warning = %w, "journal");
        say(&format!("warning: {w}"));
    }
    Ok((j, replay))
}

/// The callback listener an assign waits on, at `[callback]`'s address,
/// once the public URL Kore is given has been checked.
pub async fn start_callbacks(
    loaded: &Loaded,
    allow_insecure_http: bool,
) -> Result<(CallbackListener, mpsc::UnboundedReceiver<ReceivedCallback>), Fail> {
    let config = &loaded.config;
    client::check_callback_url(config.callback.public_base(), allow_insecure_http)
        .map_err(|e| Fail::usage(format!("{}: {e}", loaded.path.display())))?;
    CallbackListener::start(
        &config.callback.listen.to_string(),
        config.callback.public_base(),
    )
    .await
    .map_err(|e| {
        Fail::usage(format!(
            "{e}\n  hint: another console may be running; change [callback].listen"
        ))
    })
}

/// How a runner retries a hooks request (`[kore]`, or the demo's).
#[derive(Debug, Clone, Copy)]
pub struct Retries {
    /// Tries before it counts as failed.
    pub max_attempts: u32,
    /// Whether a request whose earlier try may have arrived is tried again.
    pub uncertain_hooks: bool,
}

impl Retries {
    pub fn from_config(config: &Config) -> Self {
        Retries {
            max_attempts: config.kore.retry_max_attempts,
            uncertain_hooks: config.kore.retry_uncertain_hooks,
        }
    }
}

/// The one runner every command uses: it reports on `tx`, hands records
/// to the journal's writer (none: read-only or the wallboard) and gives
/// assigns a callback URL on `listener` (none: `send`, the wallboard).
pub fn runner(
    client: KoreClient,
    tx: mpsc::UnboundedSender<app::Action>,
    journal: Option<Journal>,
    listener: Option<Arc<CallbackListener>>,
    retries: Retries,
) -> Runner {
    let runner = match listener {
        Some(listener) => Runner::new(client, tx, journal, listener),
        None => Runner::without_listener(client, tx, journal),
    };
    runner
        .with_max_attempts(retries.max_attempts)
        .with_retry_uncertain(retries.uncertain_hooks)
}

/// The runner of a scripting command: the journal handed to its writer,
/// the `[kore]` retry settings, and the channel it reports on.
pub fn runner_for(
    config: &Config,
    client: KoreClient,
    journal: Journal,
    listener: Option<Arc<CallbackListener>>,
) -> (Runner, mpsc::UnboundedReceiver<app::Action>) {
    let (tx, reports) = mpsc::unbounded_channel();
    let runner = runner(
        client,
        tx,
        Some(journal),
        listener,
        Retries::from_config(config),
    );
    (runner, reports)
}

/// How the console shows itself (the flags of `switchboard`, `wallboard`
/// and `demo`).
#[derive(Debug, Clone, Copy, Default)]
pub struct UiFlags {
    pub read_only: bool,
    pub ascii: bool,
    /// Only the wallboard.
    pub wallboard: bool,
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// ASCII glyphs when asked for, or when the locale is not UTF-8 (`LANG=C`):
/// box drawing and arrows would come out as garbage there.
fn ascii_glyphs(asked: bool) -> bool {
    asked || !terminal::locale_is_utf8(|name| std::env::var(name).ok())
}

/// The console options for a config file; `ui.wallboard` for `switchboard
/// wallboard` (read-only, no callback listener, so `[callback]` is not
/// checked).
pub fn console_options(
    config: &Config,
    secret: Secret,
    allow_insecure_http: bool,
    ui: UiFlags,
) -> Result<ConsoleOptions, String> {
    let keymap = Keymap::with_overrides(&config.keys).map_err(|e| e.join("; "))?;
    if !ui.wallboard {
        client::check_callback_url(config.callback.public_base(), allow_insecure_http)?;
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
        read_only: ui.read_only,
        keymap,
        theme: Theme::from_config(config.ui.theme, no_color(), ascii_glyphs(ui.ascii)),
        directory: directory_agents(config),
        journal: Some(journal_path(config)),
        mouse: config.ui.mouse,
        show_customer_contact: config.ui.show_customer_contact,
        max_attempts: config.kore.retry_max_attempts,
        retry_uncertain_hooks: config.kore.retry_uncertain_hooks,
        keep_ended: config.journal.keep_ended(),
        alerts: config.alerts.alerts(),
        script: None,
        wallboard: ui.wallboard,
        team: match &config.team {
            Some(team) => Some(
                crate::team::TeamSettings::from_config(team, &config.kore)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        },
    })
}

/// The demo's console options: the simulator's client, a journal of its
/// own, and from `prefs` (a config) only `[ui]`, `[keys]`, `[events]` and
/// `[alerts]`.
pub fn demo_console_options(
    client: ClientSettings,
    prefs: Option<&Config>,
    ui: UiFlags,
    journal: PathBuf,
    script: Option<Vec<ScriptStep>>,
) -> anyhow::Result<ConsoleOptions> {
    Ok(ConsoleOptions {
        client,
        environment: "DEMO".into(),
        listen: "127.0.0.1:0".into(),
        public_url: "http://127.0.0.1:0".into(),
        callback_timeout: Duration::from_secs(30),
        poll_conversations: Some(Duration::from_secs(5)),
        poll_agents: Some(Duration::from_secs(15)),
        defaults: prefs.map(event_defaults).unwrap_or_default(),
        plan: prefs.map(plan_settings).unwrap_or_default(),
        confirm: prefs.is_none_or(|c| c.ui.confirm),
        read_only: ui.read_only,
        keymap: match prefs {
            Some(c) => {
                Keymap::with_overrides(&c.keys).map_err(|e| anyhow::anyhow!(e.join("; ")))?
            }
            None => Keymap::default(),
        },
        theme: Theme::from_config(
            prefs.map_or(config::Theme::Auto, |c| c.ui.theme),
            no_color(),
            ascii_glyphs(ui.ascii),
        ),
        directory: Vec::new(),
        journal: Some(journal),
        mouse: prefs.is_some_and(|c| c.ui.mouse),
        show_customer_contact: prefs.is_some_and(|c| c.ui.show_customer_contact),
        max_attempts: crate::runtime::runner::MAX_ATTEMPTS,
        retry_uncertain_hooks: true,
        keep_ended: Duration::from_secs(24 * 3600),
        script,
        alerts: prefs.map(|c| c.alerts.alerts()).unwrap_or_default(),
        wallboard: ui.wallboard,
        team: None,
    })
}

/// The console's journal: none for the wallboard; read, not opened, when
/// read-only (it writes nothing and takes no lock, so it can watch beside
/// a console that sends); else opened with the compaction at start.
fn console_journal(opts: &ConsoleOptions) -> anyhow::Result<(Option<Journal>, Replay)> {
    match &opts.journal {
        Some(path) if opts.read_only => match journal::read(path) {
            Ok(replay) => Ok((None, replay)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, Default::default())),
            Err(e) => anyhow::bail!("cannot read the journal {}: {e}", path.display()),
        },
        Some(path) => {
            let (j, replay) = open_journal_at(
                path,
                opts.keep_ended,
                "quit the other one first, or watch with --read-only",
            )
            .map_err(anyhow::Error::msg)?;
            Ok((Some(j), replay))
        }
        None => Ok((None, Default::default())),
    }
}

/// The console's callback listener (none for the wallboard). Read-only
/// sends nothing, so no callback can come: its listener takes a spare
/// loopback port and does not compete with the sending console.
async fn console_listener(
    opts: &ConsoleOptions,
) -> anyhow::Result<(
    Option<Arc<CallbackListener>>,
    Option<mpsc::UnboundedReceiver<ReceivedCallback>>,
)> {
    if opts.wallboard {
        return Ok((None, None));
    }
    let listen = if opts.read_only {
        "127.0.0.1:0"
    } else {
        opts.listen.as_str()
    };
    let limits = ListenerLimits::for_open_files(crate::runtime::limits::open_files());
    let (listener, callbacks) = CallbackListener::start_with(listen, &opts.public_url, limits)
        .await
        .map_err(|e| anyhow::anyhow!("{e}\n  hint: {}", e.hint()))?;
    Ok((Some(Arc::new(listener)), Some(callbacks)))
}

/// Builds what the console runs on (journal, listener, runner and the
/// loop's channel) and runs it until the supervisor quits. The wallboard
/// sends nothing: it is read-only and has no journal. Returns the exit code.
pub async fn start_console(mut opts: ConsoleOptions, client: KoreClient) -> anyhow::Result<i32> {
    crate::install_crypto();
    if opts.wallboard {
        // The wallboard shows queues: it sends nothing, so it needs neither
        // the journal nor a listener for callbacks.
        opts.read_only = true;
        opts.journal = None;
    }
    let (journal, replay) = console_journal(&opts)?;
    let (listener, callbacks) = console_listener(&opts).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let retries = Retries {
        max_attempts: opts.max_attempts,
        uncertain_hooks: opts.retry_uncertain_hooks,
    };
    let runner = runner(client, tx.clone(), journal, listener.clone(), retries);
    let services = Services {
        runner,
        tx,
        rx,
        replay,
        listener,
        callbacks,
    };
    console::run(opts, services).await
}

/// `switchboard` and `switchboard wallboard`: the console on the config's
/// Kore account.
pub async fn console(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    ui: UiFlags,
) -> Result<i32, Fail> {
    let loaded = load_config(cli_config)?;
    let secret = loaded.config.resolve_secret()?;
    crate::logging::init_file(if ui.wallboard { "wallboard" } else { "console" });
    let opts = console_options(&loaded.config, secret, allow_insecure_http, ui)
        .map_err(|e| Fail::usage(format!("{}: {e}", loaded.path.display())))?;
    // A host the client refuses (plain http, a bad header name) is a config
    // error like any other: exit 2, with the file and the key, as `check`.
    let client = KoreClient::new(&opts.client)
        .map_err(|e| Fail::usage(format!("{}: [kore] {e}", loaded.path.display())))?;
    require_terminal()?;
    start_console(opts, client)
        .await
        .map_err(|e| Fail::failed(format!("{e:#}")))
}

/// `switchboard simulator`: Kore's documented endpoints on `listen`,
/// logging to stderr.
pub async fn simulator(cfg: SimConfig, listen: SocketAddr) -> Result<i32, Fail> {
    crate::logging::init_stderr();
    crate::sim::run_cli(cfg, listen)
        .await
        .map(|_| 0)
        .map_err(|e| Fail::failed(format!("simulator: {e:#}")))
}

/// The console draws on a terminal and reads keys from one: without one it
/// says so (a redirected stdout would get the drawing, a missing tty an
/// obscure OS error), as it does for a terminal that cannot move its cursor
/// (`TERM=dumb` or unset), where the drawing would be escapes in the text.
pub fn require_terminal() -> Result<(), Fail> {
    use std::io::IsTerminal;
    let missing = match (
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    ) {
        (true, true) => None,
        (false, true) => Some("standard input is not a terminal"),
        (true, false) => {
            Some("standard output is not a terminal (is it redirected to a file or a pipe?)")
        }
        (false, false) => Some("neither standard input nor standard output is a terminal"),
    };
    if let Some(missing) = missing {
        return Err(Fail::usage(format!(
            "the console needs a terminal: {missing}\n  hint: run it in a terminal (or `ssh -t`); \
             from scripts, use `switchboard send` and `switchboard assign`, which print JSON"
        )));
    }
    let term = std::env::var("TERM").ok();
    match terminal::term_problem(term.as_deref()) {
        None => Ok(()),
        Some(problem) => Err(Fail::usage(format!(
            "the console needs a terminal that can address the cursor: {problem}\n  hint: set \
             TERM to your terminal's type (e.g. TERM=xterm-256color); from scripts, use \
             `switchboard send` and `switchboard assign`, which print JSON"
        ))),
    }
}
