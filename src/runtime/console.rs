//! The console's main loop: terminal set-up and restore, the event sources
//! (keys, runner reports, callbacks, signals, the clock) folded into one
//! channel of `Action`s, and drawing only after something changed.

use crate::app::restore::Holds;
use crate::app::state::{Agent, Settings, StartOptions};
use crate::app::{Action, Effect, State, update};
use crate::domain::PlanSettings;
use crate::kore::client::ClientSettings;
use crate::kore::hooks::EventContext;
use crate::kore::wire::ReceivedCallback;
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal;
use crate::runtime::render::{Ended, Offscreen, Renderer};
use crate::runtime::runner::Runner;
use crate::runtime::terminal;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Everything the console needs, from the config or from `demo`.
pub struct ConsoleOptions {
    pub client: ClientSettings,
    /// DEMO, or the host's name.
    pub environment: String,
    pub listen: String,
    pub public_url: String,
    pub callback_timeout: Duration,
    pub poll_conversations: Option<Duration>,
    pub poll_agents: Option<Duration>,
    pub defaults: EventContext,
    pub plan: PlanSettings,
    pub confirm: bool,
    pub read_only: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// The `[[agents]]` directory: shown before the first poll, and its
    /// names and identities win over the API's.
    pub directory: Vec<Agent>,
    pub journal: Option<PathBuf>,
    pub mouse: bool,
    /// `[ui] show_customer_contact`.
    pub show_customer_contact: bool,
    /// Tries per hooks request before it counts as failed.
    pub max_attempts: u32,
    /// Retry hooks requests whose earlier try may have arrived.
    pub retry_uncertain_hooks: bool,
    /// Ended conversations older than this are folded at start-up.
    pub keep_ended: Duration,
    /// A walkthrough to play into the console (demo `--script`).
    pub script: Option<Vec<crate::runtime::script::ScriptStep>>,
    /// Wait and service-level thresholds (`[alerts]`).
    pub alerts: crate::app::alerts::Alerts,
    /// Only the wallboard (`switchboard wallboard`, `demo --wallboard`):
    /// read-only, no journal, no callback listener; closing it quits.
    pub wallboard: bool,
    /// Team mode (`[team]`): the Redis the consoles of the account share.
    pub team: Option<crate::team::TeamSettings>,
    /// The saved views' file and the config's `[views]`.
    pub views: crate::runtime::views_file::ViewsSource,
}

/// How often a running console compacts its journal.
const COMPACT_EVERY: Duration = Duration::from_secs(3600);
/// How often the console looks whether the log file is losing lines.
const LOG_WATCH_EVERY: Duration = Duration::from_secs(2);
/// How often a running console looks that its journal's path still names
/// the file it writes (issue 18.8: a journal moved away under it).
const JOURNAL_WATCH_EVERY: Duration = Duration::from_secs(2);

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Sends `Action::LogTrouble` whenever the log file's trouble changes.
fn watch_log_file(tx: mpsc::UnboundedSender<Action>) {
    tokio::spawn(async move {
        let mut seen = (0, None);
        loop {
            let now = crate::logging::status();
            if now != seen {
                seen = now.clone();
                if let (dropped, Some(why)) = now
                    && tx.send(Action::LogTrouble { dropped, why }).is_err()
                {
                    break;
                }
            }
            if tx.is_closed() {
                break;
            }
            tokio::time::sleep(LOG_WATCH_EVERY).await;
        }
    });
}

/// Gives outcomes the disk refused one more try at quit (workers still
/// sending are not waited for long), and names those still owed.
async fn settle_at_quit(runner: &Runner) {
    let owed = tokio::time::timeout(Duration::from_secs(2), runner.settle_outcomes()).await;
    if let Ok(owed) = owed
        && !owed.is_empty()
    {
        eprintln!(
            "switchboard: Kore answered {} request(s) whose outcome the journal could not record ({}); \
             they were delivered: after a restart they show unknown, drop them (:drop), do not resend them",
            owed.len(),
            owed.join(", ")
        );
    }
}

/// What the console runs on, built by the composition root
/// (`crate::wiring::start_console`) from its options.
pub struct Services {
    /// The effect runner; it reports on `tx`.
    pub runner: Runner,
    /// The loop's channel: the runner's reports, and keys, callbacks,
    /// signals and watchers go in here.
    pub tx: mpsc::UnboundedSender<Action>,
    pub rx: mpsc::UnboundedReceiver<Action>,
    /// What the journal held at start, rebuilt.
    pub restored: journal::Restored,
    /// The callback listener (none for the wallboard) and what it received.
    pub listener: Option<Arc<CallbackListener>>,
    pub callbacks: Option<mpsc::UnboundedReceiver<ReceivedCallback>>,
}

/// Runs the console until the supervisor quits. Returns the exit code.
pub async fn run(opts: ConsoleOptions, services: Services) -> anyhow::Result<i32> {
    let Services {
        mut runner,
        tx,
        mut rx,
        restored,
        listener,
        callbacks,
    } = services;
    let mut state = new_state(&opts, listener.as_deref(), &restored.warnings);
    start_work(
        &mut state,
        &mut runner,
        restored,
        &opts,
        listener.as_deref(),
    );
    if let Some(listener) = &listener {
        watch_listener(listener, tx.clone());
    }
    // The log file's trouble, into the loop when it changes.
    watch_log_file(tx.clone());
    if let Some(callbacks) = callbacks {
        forward_callbacks(callbacks, tx.clone());
    }
    spawn_signal_forwarder(tx.clone());
    let mut renderer = open_terminal(&mut state, opts.mouse, &tx)?;
    spawn_key_reader(tx.clone());
    if let Some(steps) = opts.script.clone() {
        tokio::spawn(play_script(steps, tx.clone()));
    }

    let result = event_loop(&mut renderer, &mut state, &mut runner, &mut rx, &opts.theme).await;
    let keeps_journal = opts.journal.is_some() && !opts.read_only;
    wind_down(renderer, &state, runner, listener, keeps_journal).await?;
    result.map(|_| 0)
}

/// The console's State at start: its settings, the `[[agents]]` directory,
/// the queue pane shown, the callback address, the journal's warnings.
fn new_state(
    opts: &ConsoleOptions,
    listener: Option<&CallbackListener>,
    journal_warnings: &[String],
) -> State {
    let settings = Settings {
        bot_id: opts.client.bot_id.clone(),
        environment: opts.environment.clone(),
        confirm: opts.confirm,
        read_only: opts.read_only,
        defaults: opts.defaults.clone(),
        plan: opts.plan.clone(),
        callback_timeout_ms: opts.callback_timeout.as_millis() as i64,
        alerts: opts.alerts.clone(),
    };
    let run_tag = crate::kore::jwt::random_id()[..6].to_string();
    let (views, problems) = opts.views.load();
    for p in &problems {
        tracing::warn!(problem = %p, "views");
    }
    for w in journal_warnings {
        // In the log file too: the pane keeps only so many lines.
        tracing::warn!(warning = %w, "journal");
    }
    State::for_console(StartOptions {
        now_ms: now_ms(),
        directory: opts.directory.clone(),
        show_customer_contact: opts.show_customer_contact,
        // Supervisors look at the queues first; `u` shows the agents.
        queues_shown: true,
        poll_ms: opts
            .poll_conversations
            .map(|every| every.as_millis() as i64),
        wallboard: opts.wallboard,
        callback_address: listener
            .filter(|_| !opts.read_only)
            .map(|l| l.display_address())
            .unwrap_or_default(),
        rate_limit: opts.client.rate_limit_per_minute,
        warnings: problems
            .into_iter()
            .chain(journal_warnings.iter().cloned())
            .collect(),
        saved_views: views,
        ..StartOptions::new(settings, opts.keymap.clone(), run_tag)
    })
}

/// The journal's conversations restored, the first log lines, and the
/// runner's polls, compaction and journal watch started.
fn start_work(
    state: &mut State,
    runner: &mut Runner,
    journal: journal::Restored,
    opts: &ConsoleOptions,
    listener: Option<&CallbackListener>,
) {
    let restored = restore_rebuilt(state, runner, journal, !opts.read_only);
    let info = |text| Action::Log {
        kind: crate::app::state::LogKind::Info,
        text,
    };
    if restored > 0 {
        let text = format!("restored {restored} conversation(s) from the journal");
        update(state, info(text));
    }
    let callbacks_on = listener.map_or("nowhere (the wallboard sends nothing)".to_string(), |l| {
        l.display_address()
    });
    let text = format!(
        "switchboard {} · {} · callbacks on {callbacks_on}",
        env!("CARGO_PKG_VERSION"),
        runner.host(),
    );
    update(state, info(text));
    if let Some(settings) = &opts.team {
        match crate::team::Team::connect(settings) {
            Ok(team) => {
                // Claims and the activity log (issue 21.4, 21.5).
                runner.attach_team(team.clone());
                update(state, Action::TeamReport(crate::app::TeamReport::Joined));
                runner.join_team(team);
            }
            Err(e) => {
                let text = format!("team mode off: {e}");
                let kind = crate::app::state::LogKind::Error;
                update(state, Action::Log { kind, text });
            }
        }
    }
    runner.start_polling(opts.poll_conversations, opts.poll_agents);
    runner.start_compaction(COMPACT_EVERY, opts.keep_ended);
    runner.start_journal_watch(JOURNAL_WATCH_EVERY);
}

/// What the listener refused, into the loop once a second when it changed.
fn watch_listener(listener: &CallbackListener, tx: mpsc::UnboundedSender<Action>) {
    let stats = listener.stats();
    tokio::spawn(async move {
        let mut seen = 0;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let total = stats.refused();
            if total != seen {
                seen = total;
                let last_ms = stats.last_refused_ms();
                if tx.send(Action::ListenerRefused { total, last_ms }).is_err() {
                    break;
                }
            }
            if tx.is_closed() {
                break;
            }
        }
    });
}

/// Callbacks into the loop.
fn forward_callbacks(
    mut callbacks: mpsc::UnboundedReceiver<ReceivedCallback>,
    tx: mpsc::UnboundedSender<Action>,
) {
    tokio::spawn(async move {
        while let Some(cb) = callbacks.recv().await {
            if tx.send(Action::Callback(cb)).is_err() {
                break;
            }
        }
    });
}

/// The terminal set up (and the panic hook over it), the State sized to
/// it, and the thread that draws on it started.
fn open_terminal(
    state: &mut State,
    mouse: bool,
    tx: &mpsc::UnboundedSender<Action>,
) -> anyhow::Result<Renderer> {
    let terminal = terminal::enter(mouse)?;
    terminal::install_panic_hook(mouse);
    if let Ok(size) = terminal.size() {
        let screen = (size.width, size.height);
        update(state, Action::Resize(screen.0, screen.1));
        update(state, Action::Layout(crate::ui::view::pane_rows(screen)));
    }
    let renderer = Renderer::start(terminal, mouse, tx.clone());
    if std::env::var_os("SWITCHBOARD_TEST_PANIC").is_some() {
        // For the end-to-end test of terminal restore after a panic.
        tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            panic!("SWITCHBOARD_TEST_PANIC asked for a panic");
        });
    }
    Ok(renderer)
}

/// After the loop: the terminal given back (unless it hung up, or stopped
/// reading: then it gets half a second and is left as it is), the journal
/// and the log flushed, the listener stopped.
async fn wind_down(
    mut renderer: Renderer,
    state: &State,
    runner: Runner,
    listener: Option<Arc<CallbackListener>>,
    keeps_journal: bool,
) -> anyhow::Result<()> {
    let hung_up = terminal::hung_up();
    let ended = renderer.stop(!hung_up, STOP_WAIT).await;
    let open = state.open_requests();
    if open > 0 && keeps_journal {
        let note = format!(
            "switchboard: {open} request(s) were still queued or unanswered; they are kept in the journal for the next start"
        );
        tracing::info!("{note}");
        if !hung_up && matches!(ended, Ended::Done) {
            terminal::say(&note);
        }
    }
    match &ended {
        _ if hung_up => tracing::info!("the terminal hung up"),
        Ended::Stuck => {
            tracing::warn!("the terminal stopped reading; it was left as it was");
            terminal::detach();
        }
        _ => {}
    }
    // Outcomes the disk refused get one more try (workers still sending are
    // not waited for long); whatever the loop handed to the journal writer
    // is on disk before the process ends.
    if keeps_journal {
        settle_at_quit(&runner).await;
    }
    runner.flush_journal().await;
    // The poller's lease goes at once, so a teammate takes over now.
    let _ = tokio::time::timeout(Duration::from_secs(2), runner.leave_team()).await;
    crate::logging::flush();
    drop(runner);
    if let Some(Ok(l)) = listener.map(Arc::try_unwrap) {
        l.shutdown().await;
    }
    // On a hang-up, main ends the process as SIGHUP would, once the demo
    // (if this is one) has cleaned up after itself.
    match ended {
        Ended::Failed(e) if !hung_up => Err(anyhow::anyhow!("the terminal failed: {e}")),
        _ => Ok(()),
    }
}

/// Keys, pastes and resizes from the terminal into the loop. A stream
/// error ends the console cleanly (EIO: the terminal hung up).
fn spawn_key_reader(tx: mpsc::UnboundedSender<Action>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let action = match ev {
                Ok(TermEvent::Key(k)) if k.kind == KeyEventKind::Press => Action::Key(k),
                Ok(TermEvent::Key(_)) => continue,
                Ok(TermEvent::Resize(w, h)) => Action::Resize(w, h),
                Ok(TermEvent::Paste(text)) => Action::Paste(text),
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "terminal input failed");
                    if terminal::is_hangup(&e) {
                        terminal::hang_up();
                    }
                    Action::Terminate
                }
            };
            if tx.send(action).is_err() {
                break;
            }
        }
    });
}

/// Plays a walkthrough into the loop as if a supervisor typed it.
async fn play_script(
    steps: Vec<crate::runtime::script::ScriptStep>,
    tx: mpsc::UnboundedSender<Action>,
) {
    use crate::runtime::script::ScriptStep;
    for step in steps {
        match step {
            ScriptStep::Wait(d) => tokio::time::sleep(d).await,
            ScriptStep::Keys(keys) => {
                for k in keys {
                    if tx.send(Action::Key(k)).is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(120)).await;
                }
            }
            ScriptStep::Say(text) => {
                if tx.send(Action::Note { error: false, text }).is_err() {
                    return;
                }
            }
        }
    }
}

/// SIGTERM, SIGHUP, SIGINT and SIGQUIT quit as `q` + yes would (the queue
/// stays in the journal, the terminal is restored); SIGTSTP suspends.
/// SIGHUP also marks the terminal gone: nothing more is written to it, and
/// the process ends as SIGHUP would once the journal and the log are
/// flushed.
fn spawn_signal_forwarder(tx: mpsc::UnboundedSender<Action>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int), Ok(mut quit), Ok(mut tstp)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::quit()),
            signal(SignalKind::from_raw(libc::SIGTSTP)),
        ) else {
            return;
        };
        loop {
            let action = tokio::select! {
                _ = term.recv() => Action::Terminate,
                _ = hup.recv() => {
                    terminal::hang_up();
                    Action::Terminate
                }
                _ = int.recv() => Action::Terminate,
                _ = quit.recv() => Action::Terminate,
                _ = tstp.recv() => Action::Suspend,
            };
            let last = matches!(action, Action::Terminate);
            if tx.send(action).is_err() || last {
                break;
            }
        }
    });
    #[cfg(not(unix))]
    let _ = tx;
}

/// What a dispatched action asks of the loop itself.
#[derive(Debug, Default, Clone, Copy)]
struct Dispatched {
    suspend: bool,
    /// A new breach asks for the bell: rung once after the whole batch,
    /// however many passes asked.
    bell: bool,
}

impl std::ops::BitOrAssign for Dispatched {
    fn bitor_assign(&mut self, other: Dispatched) {
        self.suspend |= other.suspend;
        self.bell |= other.bell;
    }
}

fn dispatch(state: &mut State, runner: &mut Runner, action: Action) -> Dispatched {
    update(state, Action::Clock(now_ms()));
    let mut out = Dispatched::default();
    // A new size lays the panes out anew: the view's rows go back in.
    let relayout = match action {
        Action::Resize(w, h) => Some(crate::ui::view::pane_rows((w, h))),
        _ => None,
    };
    let written = state.log.pushed();
    let mut effects = update(state, action);
    if let Some(rows) = relayout {
        effects.extend(update(state, Action::Layout(rows)));
    }
    // The pane keeps the newest lines; the log file keeps them all.
    for line in state.log.since(written) {
        tracing::info!(target: "log_pane", kind = ?line.kind, "{}", line.text);
    }
    for effect in effects {
        match effect {
            // `update` set `quit` when it asked for this.
            Effect::Quit => {}
            Effect::Suspend => out.suspend = true,
            Effect::Bell => out.bell = true,
            _ => {}
        }
        runner.run(effect);
    }
    out
}

/// How long the end waits for the terminal's thread to give the terminal
/// back: a terminal that does not read by then is left as it is.
const STOP_WAIT: Duration = Duration::from_millis(500);

/// Applies actions as they come and hands a frame to the terminal's thread
/// after each batch that changed something. It never writes to the terminal
/// itself, so a terminal that stops reading cannot hold it up.
async fn event_loop(
    renderer: &mut Renderer,
    state: &mut State,
    runner: &mut Runner,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    theme: &Theme,
) -> anyhow::Result<()> {
    // The clock in the status bar changes once a second; nothing else is
    // drawn on a timer.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut redraw = Redraw::default();
    let mut offscreen = Offscreen::new(state.views.screen.0, state.views.screen.1);
    let mut dirty = Some(Cause::Action);
    let mut last_second = state.now_ms / 1000;
    loop {
        if let Some(cause) = dirty.take()
            && redraw.needed(state, cause)
        {
            renderer.show(offscreen.draw(state.views.screen, |f| {
                crate::ui::view::view(state, f, theme)
            }));
        }
        let mut done = Dispatched::default();
        tokio::select! {
            got = rx.recv() => {
                let Some(action) = got else { break };
                if is_input(&action) {
                    redraw.input(now_ms());
                }
                done = dispatch(state, runner, action);
                // Drain everything queued before drawing once.
                while let Ok(more) = rx.try_recv() {
                    if is_input(&more) {
                        redraw.input(now_ms());
                    }
                    done |= dispatch(state, runner, more);
                }
                dirty = Some(Cause::Action);
            }
            _ = tick.tick() => {
                let now = now_ms();
                if now / 1000 != last_second {
                    last_second = now / 1000;
                    done = dispatch(state, runner, Action::Tick(now));
                    dirty = Some(Cause::Tick);
                }
            }
        }
        if done.bell {
            // Once per batch; what rang it is drawn at once too (it wakes a
            // console at rest), not up to five seconds later.
            renderer.bell();
            redraw.input(now_ms());
            dirty = Some(Cause::Action);
        }
        if done.suspend && !state.quit {
            // The terminal's thread draws the last frame again on `fg` and
            // reports the size then as a resize.
            renderer.suspend();
        }
        if state.quit {
            break;
        }
    }
    Ok(())
}

/// Someone at the keyboard (or the window changed): the console is awake.
fn is_input(action: &Action) -> bool {
    matches!(
        action,
        Action::Key(_) | Action::Paste(_) | Action::Resize(..)
    )
}

/// After this long without a key, the console is at rest: it draws a frame
/// only every [`REST_EVERY_MS`] (the clock and ages move in steps of five
/// seconds, and what the polls brought shows with the next frame, at most
/// that much later), so that an idle console over ssh sends little. A key,
/// a paste or a resize draws at once and wakes it.
pub const REST_AFTER_MS: i64 = 15_000;
/// How often the clock draws while the console is at rest.
pub const REST_EVERY_MS: i64 = 5_000;

/// What woke the loop before a possible frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Actions were applied (keys, reports, a resize).
    Action,
    /// The clock moved a second.
    Tick,
}

/// Whether the next frame is drawn. The console draws after every batch of
/// actions and on each second's tick (its clock and ages move), except on
/// the "too small" message, which shows neither, and except at rest (no key
/// for [`REST_AFTER_MS`]), when it draws only every [`REST_EVERY_MS`]. The wallboard draws only
/// when what it shows changed: its [`Board`](crate::app::wallboard::Board)
/// (figures to the second, the stale flag, the clock's minute) or the
/// screen's size differs from the frame drawn last.
#[derive(Debug, Default)]
pub struct Redraw {
    drawn: Option<(crate::app::wallboard::Board, (u16, u16))>,
    /// The latest key, paste or resize (unix ms); the first frame's time
    /// until then.
    last_input_ms: Option<i64>,
    /// When the latest frame was drawn (unix ms, the State's clock).
    last_frame_ms: i64,
}

impl Redraw {
    /// Someone pressed a key (or pasted, or resized) at `now_ms`.
    pub fn input(&mut self, now_ms: i64) {
        self.last_input_ms = Some(now_ms);
    }

    /// Decides, and remembers what the wallboard is about to draw.
    pub fn needed(&mut self, state: &State, cause: Cause) -> bool {
        let now = state.now_ms;
        let last_input = *self.last_input_ms.get_or_insert(now);
        if state.views.mode != crate::app::state::Mode::Wallboard {
            self.drawn = None;
            let (w, h) = state.views.screen;
            let at_rest = now - last_input >= REST_AFTER_MS;
            let due = !at_rest || now - self.last_frame_ms >= REST_EVERY_MS;
            let draw = match cause {
                Cause::Action => due,
                Cause::Tick => {
                    let fits = w >= crate::ui::view::MIN_WIDTH && h >= crate::ui::view::MIN_HEIGHT;
                    fits && due
                }
            };
            if draw {
                self.last_frame_ms = now;
            }
            return draw;
        }
        let now = (state.wallboard(), state.views.screen);
        if self.drawn.as_ref() == Some(&now) {
            return false;
        }
        self.drawn = Some(now);
        true
    }
}

/// Rebuilds the conversations the journal holds into `state` and hands
/// what is still to send (or held) to the runner; returns how many
/// conversations came back. The rules are `app::restore`'s.
pub fn restore(
    state: &mut State,
    runner: &mut Runner,
    replay: &journal::Replay,
    send: bool,
) -> usize {
    let rebuilt = journal::rebuild(&replay.records);
    let holds = Holds {
        each: &replay.holds,
        all: replay.hold_all.as_deref(),
    };
    restore_states(state, runner, rebuilt, &holds, send)
}

/// [`restore`] from what the start's streaming pass rebuilt
/// (`Journal::open_rebuilt`): the same rules, no records read again.
pub fn restore_rebuilt(
    state: &mut State,
    runner: &mut Runner,
    restored: journal::Restored,
    send: bool,
) -> usize {
    let holds = Holds {
        each: &restored.holds,
        all: restored.hold_all.as_deref(),
    };
    restore_states(state, runner, restored.states, &holds, send)
}

fn restore_states(
    state: &mut State,
    runner: &mut Runner,
    rebuilt: std::collections::BTreeMap<String, journal::ConversationState>,
    holds: &Holds,
    send: bool,
) -> usize {
    let (count, effects) = crate::app::restore::restore(state, rebuilt, holds, send);
    for effect in effects {
        runner.run(effect);
    }
    count
}
