//! The console's main loop: terminal set-up and restore, the event sources
//! (keys, runner reports, callbacks, signals, the clock) folded into one
//! channel of `Action`s, and drawing only after something changed.

use crate::app::state::{
    Agent, AssignState, Channel, Conversation, Delivery, Presence, Settings, TimelineItem,
};
use crate::app::{Action, Effect, State, update};
use crate::domain::PlanSettings;
use crate::kore::client::{ClientSettings, KoreClient};
use crate::kore::hooks::EventContext;
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::{self, AssignFate, Journal, RequestFate};
use crate::runtime::runner::{DROPPED, Job, Runner};
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use ratatui::crossterm::{execute, queue};
use std::io::Write;
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
    /// Tries per hooks request before it counts as failed.
    pub max_attempts: u32,
    /// Ended conversations older than this are folded at start-up.
    pub keep_ended: Duration,
    /// A walkthrough to play into the console (demo `--script`).
    pub script: Option<Vec<crate::demo::ScriptStep>>,
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Runs the console until the supervisor quits. Returns the exit code.
pub async fn run(opts: ConsoleOptions) -> anyhow::Result<i32> {
    crate::install_crypto();
    let client = KoreClient::new(&opts.client)?;
    let (listener, mut callbacks) = CallbackListener::start(&opts.listen, &opts.public_url)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "{e}\n  hint: another console may be using it; change [callback].listen"
            )
        })?;
    let listener = Arc::new(listener);

    let (journal, replay) = match &opts.journal {
        Some(path) => {
            match journal::compact(path, opts.keep_ended.as_millis() as i64, now_ms()) {
                Ok(0) => {}
                Ok(n) => tracing::info!(folded = n, "journal compacted"),
                Err(e) => {
                    tracing::warn!(error = %e, "journal compaction failed; the journal is unchanged")
                }
            }
            let (j, replay) = Journal::open(path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the journal {}: {e}\n  hint: set SWITCHBOARD_DATA_DIR to a writable directory",
                    path.display()
                )
            })?;
            (Some(j), replay)
        }
        None => (None, Default::default()),
    };

    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let settings = Settings {
        bot_id: opts.client.bot_id.clone(),
        environment: opts.environment.clone(),
        confirm: opts.confirm,
        read_only: opts.read_only,
        defaults: opts.defaults.clone(),
        plan: opts.plan.clone(),
        callback_timeout_ms: opts.callback_timeout.as_millis() as i64,
    };
    let run_tag = crate::kore::jwt::random_id()[..6].to_string();
    let mut state = State::new(settings, opts.keymap.clone(), run_tag);
    state.now_ms = now_ms();
    state.agents = opts.directory.clone();
    state.status.callback_address = listener.display_address();
    state.status.rate_limit = opts.client.rate_limit_per_minute;
    for w in &replay.warnings {
        state
            .log
            .push(state.now_ms, crate::app::state::LogKind::Error, w.clone());
    }

    let mut runner = Runner::new(client, tx.clone(), journal, listener.clone())
        .with_max_attempts(opts.max_attempts);
    let restored = restore(&mut state, &mut runner, &replay.records);
    if restored > 0 {
        state.log.push(
            state.now_ms,
            crate::app::state::LogKind::Info,
            format!("restored {restored} conversation(s) from the journal"),
        );
    }
    state.log.push(
        state.now_ms,
        crate::app::state::LogKind::Info,
        format!(
            "switchboard {} · {} · callbacks on {}",
            env!("CARGO_PKG_VERSION"),
            runner.host(),
            listener.display_address()
        ),
    );
    runner.start_polling(opts.poll_conversations, opts.poll_agents);

    // Callbacks into the loop.
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(cb) = callbacks.recv().await {
                if tx.send(Action::Callback(cb)).is_err() {
                    break;
                }
            }
        });
    }
    spawn_signal_forwarder(tx.clone());

    let mut terminal = enter_terminal(opts.mouse)?;
    // Keys from the terminal. A stream error ends the console cleanly.
    {
        let tx = tx.clone();
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
                        Action::Terminate
                    }
                };
                if tx.send(action).is_err() {
                    break;
                }
            }
        });
    }

    if let Some(steps) = opts.script.clone() {
        tokio::spawn(play_script(steps, tx.clone()));
    }

    let result = event_loop(&mut terminal, &mut state, &mut runner, &mut rx, &opts.theme).await;
    leave_terminal(&mut terminal, opts.mouse);
    let open = state.open_requests();
    if open > 0 && opts.journal.is_some() {
        eprintln!(
            "switchboard: {open} request(s) were still queued or unanswered; they are kept in the journal for the next start"
        );
    }
    drop(runner);
    if let Ok(l) = Arc::try_unwrap(listener) {
        l.shutdown().await;
    }
    result.map(|_| 0)
}

/// Plays a walkthrough into the loop as if a supervisor typed it.
async fn play_script(steps: Vec<crate::demo::ScriptStep>, tx: mpsc::UnboundedSender<Action>) {
    use crate::demo::ScriptStep;
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

type Term = ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>;

fn enter_terminal(mouse: bool) -> anyhow::Result<Term> {
    let mut terminal = ratatui::try_init()?;
    execute!(
        terminal.backend_mut(),
        ratatui::crossterm::event::EnableBracketedPaste
    )?;
    if mouse {
        execute!(
            terminal.backend_mut(),
            ratatui::crossterm::event::EnableMouseCapture
        )?;
    }
    // No `terminal.clear()`: it asks the terminal for the cursor position,
    // which a bare pty never answers. The alternate screen starts blank and
    // the first draw is a full one.
    Ok(terminal)
}

fn leave_terminal(terminal: &mut Term, mouse: bool) {
    let _ = execute!(
        terminal.backend_mut(),
        ratatui::crossterm::event::DisableBracketedPaste
    );
    if mouse {
        let _ = execute!(
            terminal.backend_mut(),
            ratatui::crossterm::event::DisableMouseCapture
        );
    }
    let _ = terminal.show_cursor();
    ratatui::restore();
}

fn spawn_signal_forwarder(tx: mpsc::UnboundedSender<Action>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Action::Terminate);
    });
    #[cfg(not(unix))]
    let _ = tx;
}

fn draw(terminal: &mut Term, state: &State, theme: &Theme) -> std::io::Result<()> {
    // Synchronized output: the terminal shows the frame whole, no flicker on
    // slow links or in tmux.
    queue!(
        terminal.backend_mut(),
        ratatui::crossterm::terminal::BeginSynchronizedUpdate
    )?;
    terminal.draw(|f| crate::ui::view::view(state, f, theme))?;
    queue!(
        terminal.backend_mut(),
        ratatui::crossterm::terminal::EndSynchronizedUpdate
    )?;
    terminal.backend_mut().flush()
}

/// Applies one action and runs its effects.
fn dispatch(state: &mut State, runner: &mut Runner, action: Action) {
    state.now_ms = now_ms();
    for effect in update(state, action) {
        if effect == Effect::Quit {
            state.quit = true;
        }
        runner.run(effect);
    }
}

async fn event_loop(
    terminal: &mut Term,
    state: &mut State,
    runner: &mut Runner,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    theme: &Theme,
) -> anyhow::Result<()> {
    // The clock in the status bar changes once a second; nothing else is
    // drawn on a timer.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut last_second = state.now_ms / 1000;
    loop {
        if dirty {
            draw(terminal, state, theme)?;
            dirty = false;
        }
        tokio::select! {
            got = rx.recv() => {
                let Some(action) = got else { break };
                dispatch(state, runner, action);
                // Drain everything queued before drawing once.
                while let Ok(more) = rx.try_recv() {
                    dispatch(state, runner, more);
                }
                dirty = true;
            }
            _ = tick.tick() => {
                let now = now_ms();
                if now / 1000 != last_second {
                    last_second = now / 1000;
                    dispatch(state, runner, Action::Tick(now));
                    dirty = true;
                }
            }
        }
        if state.quit {
            break;
        }
    }
    Ok(())
}

/// Rebuilds conversations from the journal and puts unfinished requests back
/// in their queues. Returns how many conversations were restored.
pub fn restore(state: &mut State, runner: &mut Runner, records: &[journal::Record]) -> usize {
    let rebuilt = journal::rebuild(records);
    let mut count = 0;
    for (id, st) in rebuilt {
        let channel = match st.experience.as_deref() {
            Some("voice") => Channel::Voice,
            _ => Channel::Chat,
        };
        let language = st
            .language
            .clone()
            .unwrap_or_else(|| state.settings.defaults.language.clone());
        let mut conv = Conversation::new(&id, channel, &language);
        conv.roster = st.roster.clone();
        conv.started_ms = st.requests.first().map(|r| r.at_ms);
        let ctx = conv.context(&state.settings.defaults);
        // The first failed or unknown request blocks everything after it.
        let mut blocked = false;
        for req in &st.requests {
            let delivery = match &req.fate {
                RequestFate::Delivered { status } => Delivery::Delivered {
                    status: status.unwrap_or(200),
                    latency_ms: 0,
                },
                RequestFate::Failed { message, .. } if message == DROPPED => Delivery::Dropped,
                RequestFate::Failed { status, message } if !blocked => {
                    blocked = true;
                    runner.restore_blocked(job(&id, req, &ctx));
                    Delivery::Failed {
                        status: *status,
                        message: message.clone(),
                    }
                }
                RequestFate::Unknown if !blocked => {
                    blocked = true;
                    runner.restore_blocked(job(&id, req, &ctx));
                    Delivery::Unknown
                }
                RequestFate::Queued if !blocked => {
                    runner.requeue(job(&id, req, &ctx));
                    Delivery::Queued
                }
                // Behind a blocked request: held until it is resent or dropped.
                RequestFate::Failed { .. } | RequestFate::Unknown | RequestFate::Queued => {
                    runner.requeue(job(&id, req, &ctx));
                    Delivery::Held
                }
            };
            conv.timeline.push(TimelineItem::Event {
                req_id: req.id.clone(),
                at_ms: req.at_ms,
                text: req.event.describe(),
                event: req.event.clone(),
                delivery,
            });
        }
        for a in &st.assigns {
            conv.timeline.push(TimelineItem::Assign {
                req_id: a.id.clone(),
                at_ms: a.at_ms,
                text: a.text.clone(),
                state: match &a.fate {
                    AssignFate::Transferred => AssignState::Transferred,
                    AssignFate::Failed(reason) => AssignState::CallbackFailed {
                        reason: reason.clone(),
                    },
                    AssignFate::Rejected(message) => AssignState::Rejected {
                        message: message.clone(),
                    },
                    // Its callback URL belonged to the previous run.
                    AssignFate::Pending => AssignState::TimedOut,
                },
            });
        }
        conv.timeline.sort_by_key(|t| match t {
            TimelineItem::Event { at_ms, .. }
            | TimelineItem::Assign { at_ms, .. }
            | TimelineItem::Note { at_ms, .. } => *at_ms,
        });
        state.conversations.insert(id, conv);
        count += 1;
    }
    if state.selected.is_none() {
        state.selected = state.visible_conversations().first().map(|c| c.id.clone());
    }
    count
}

fn job(conversation: &str, req: &journal::JournaledRequest, ctx: &EventContext) -> Job {
    Job {
        req_id: req.id.clone(),
        conversation: conversation.to_string(),
        event: req.event.clone(),
        ctx: ctx.clone(),
    }
}

/// The `[[agents]]` directory as console agents.
pub fn directory_agents(config: &crate::config::Config) -> Vec<Agent> {
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
