//! `send --batch` and `assign --batch`: one action per JSON line, read as a
//! stream, each planned on its conversation's roster (rebuilt from the
//! journal) and handed to the console's runner.
//!
//! A conversation's lines run strictly in input order, one event at a time
//! (each event is handed over once the one before was delivered, as `send`
//! does); up to `--concurrency` conversations run at once, over the runner's
//! one client and its journal writer, which writes what arrives together
//! with one fsync. A refusal or a failure holds the rest of its
//! conversation's lines (each reported `held`), never another conversation.
//!
//! Each line is known by what it asks, not by its place in the file: the
//! request ids of its events carry a key made of `--batch-id`, the action
//! and how many identical actions of the same conversation came before it
//! in the batch. Run again (after a crash, or by mistake), a line whose
//! events the journal shows delivered is reported `done_before` and not
//! sent; a request of unknown fate refuses its conversation as `send` does.

use super::{
    EXIT_FAILED, EXIT_USAGE, Fail, Refused, SendOrder, callback_came_json, directory_agent, emit,
    event_context, plan_send, refuse_open, request_json, result_json,
};
use crate::app::{self, Effect};
use crate::config::{self, Config};
use crate::domain::{Action, AgentRef, Event, Verb};
use crate::kore::client::{self, KoreClient};
use crate::kore::hooks::EventContext;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{AssignTarget, ReceivedCallback};
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::{self, ConversationState, Record};
use crate::runtime::runner::{Job, NOT_JOURNALED, Runner, Work, hooks_summary};
use crate::wiring::{build_client, load_config, open_journal, runner_for, start_callbacks};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;

mod earlier;
mod known;
mod outcomes;
mod parse;
mod read;
use earlier::*;
use known::{Known, known};
use parse::*;
use read::{Input, start_reader};
pub use read::{MAX_LINE_BYTES, Source};

/// Lines read ahead and not yet started, at most: past this the reader
/// waits, so a huge batch on stdin is never held in memory whole.
///
/// Enough to keep every `--concurrency` lane busy; more only costs memory
/// (100,000 held 80,000 lines of a 20,000-conversation batch at once).
pub const MAX_PENDING: usize = 8_192;
/// The default of `--concurrency`: conversations sent at once.
///
/// Against Kore's documented 60 requests a minute the rate limiter sets the
/// pace, not this. With the hooks limit off, the journal's fsyncs set it:
/// each conversation waits on about one per event, and the records of all
/// conversations in flight share it. 64 gave 1.9 times the events a second
/// of 32 in `scripts/bench-batch.py` (100 conversations), while the open
/// connections, and the requests of unknown fate after a crash, stay at
/// most 64.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// The most `--concurrency` takes.
pub const MAX_CONCURRENCY: usize = 1024;

/// What a bad line does to the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// The lines before it are carried out, none after it (the default: a
    /// malformed file is usually a bug in what wrote it).
    Stop,
    /// It is reported and left out; the rest goes on.
    Skip,
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub source: Source,
    pub concurrency: usize,
    pub on_error: OnError,
    /// Salts each line's key: the same lines under another id are new work.
    pub batch_id: Option<String>,
    /// `assign --batch`: a session's later assigns are sent too, not refused.
    pub force: bool,
}

impl BatchOptions {
    fn check(&self) -> Result<(), Fail> {
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Fail::usage(format!(
                "--concurrency must be between 1 and {MAX_CONCURRENCY}, not {}",
                self.concurrency
            )));
        }
        if let Some(id) = &self.batch_id
            && let Some(problem) = config::id_problem(id)
        {
            return Err(Fail::usage(format!("--batch-id {problem}")));
        }
        Ok(())
    }
}

/// Agents as the events name them: `[[agents]]` first, else list-agents
/// (read once, at the first agent that needs it), else the id alone.
#[derive(Default)]
struct AgentBook {
    listed: Option<HashMap<String, AgentRef>>,
    warned: HashSet<String>,
}

impl AgentBook {
    async fn agent(&mut self, config: &Config, client: &KoreClient, id: &str) -> AgentRef {
        if config.agents.iter().any(|a| a.id == id) {
            return directory_agent(config, id);
        }
        if self.listed.is_none() {
            self.listed = Some(list_agents(client).await);
        }
        if let Some(agent) = self.listed.as_ref().and_then(|l| l.get(id)) {
            return agent.clone();
        }
        if self.warned.insert(id.to_string()) {
            note!("warning: agent {id} is not in the agents list; sending the id as the name");
        }
        AgentRef::new(id, id)
    }
}

async fn list_agents(client: &KoreClient) -> HashMap<String, AgentRef> {
    let mut out = HashMap::new();
    for page in 1..=super::MAX_AGENT_PAGES {
        let call = client.list_agents(page, Priority::User).await;
        let body = match call.outcome {
            Ok(reply) => reply.body,
            Err(e) => {
                note!(
                    "warning: could not list the agents ({e}); agents not in [[agents]] are sent by id"
                );
                break;
            }
        };
        for rec in &body.results {
            out.insert(rec.id.clone(), super::agent_from_record(&rec.id, rec));
        }
        if !body.has_more || body.results.is_empty() {
            break;
        }
    }
    out
}

/// One checked line waiting for its turn.
#[derive(Debug)]
struct Line {
    number: usize,
    key: String,
    what: What,
    /// An assign of a session that an earlier line of the batch assigns.
    repeat: bool,
}

#[derive(Debug)]
enum What {
    Send(SendOrder),
    Assign(super::AssignOrder),
}

impl What {
    fn verb(&self) -> &'static str {
        match self {
            What::Send(a) => a.kind.name(),
            What::Assign(_) => "assign",
        }
    }

    fn lane(&self) -> &str {
        match self {
            What::Send(a) => &a.conversation,
            What::Assign(a) => &a.session,
        }
    }

    fn canonical(&self) -> String {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        match self {
            What::Send(a) => format!(
                "{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}",
                a.kind.name(),
                a.conversation,
                o(&a.agent),
                o(&a.from),
                o(&a.experience),
                o(&a.language)
            ),
            What::Assign(a) => match &a.target {
                AssignTarget::Agent(x) => format!("assign\x1f{}\x1fagent:{x}", a.session),
                AssignTarget::Queue(x) => format!("assign\x1f{}\x1fqueue:{x}", a.session),
            },
        }
    }
}

/// The line a conversation is sending now.
struct Current {
    number: usize,
    verb: &'static str,
    kind: CurrentKind,
}

#[allow(
    clippy::large_enum_variant,
    reason = "one per lane at most, moved rarely"
)]
enum CurrentKind {
    Hooks {
        action: String,
        ctx: EventContext,
        key: String,
        events: VecDeque<Event>,
        step: usize,
        of: usize,
        req_id: String,
        event: Event,
    },
    Assign {
        request: Value,
        callback_url: String,
        timeout: u64,
        /// The assign was taken; its callback is awaited.
        answered: Option<Value>,
    },
}

/// One conversation (or bot session) of the batch.
#[derive(Default)]
struct Lane {
    /// Its conversation as the journal rebuilt it, but its delivered
    /// requests, which are in `delivered` by id.
    state: ConversationState,
    delivered: Vec<Box<str>>,
    queue: VecDeque<Line>,
    /// Boxed: most lanes of a long batch are done and hold none.
    current: Option<Box<Current>>,
    /// Why its later lines are not sent.
    held: Option<String>,
    /// Holds one of the `--concurrency` slots.
    active: bool,
    waiting: bool,
    /// How often each action came in this batch so far, by a hash of the
    /// action (not its text: a lane lives as long as the batch).
    seen: Vec<(u64, usize)>,
    /// Assign lines of this session read so far.
    assigns: usize,
}

/// The counts the summary and the exit code come from.
#[derive(Default, Debug)]
struct Tally {
    lines: usize,
    delivered: usize,
    /// Delivered after a try that may have been applied too.
    maybe_twice: usize,
    /// Assigns whose callback said the transfer was made.
    transferred: usize,
    done_before: usize,
    failed: usize,
    refused: usize,
    held: usize,
    bad: usize,
    code: i32,
}

impl Tally {
    fn worse(&mut self, code: i32) {
        self.code = self.code.max(code);
    }

    /// The exit code: the worst of the batch, and when nothing went wrong
    /// but some event may have been applied twice, [`super::EXIT_MAYBE_TWICE`].
    fn exit_code(&self) -> i32 {
        if self.code == super::EXIT_OK && self.maybe_twice > 0 {
            super::EXIT_MAYBE_TWICE
        } else {
            self.code
        }
    }
}

/// `send --batch` or `assign --batch`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Send,
    Assign,
}

struct Driver {
    mode: Mode,
    config: Config,
    runner: Runner,
    listener: Option<Arc<CallbackListener>>,
    /// Conversations whose history the journal cannot prove (as `send`).
    replay_holds: BTreeMap<String, String>,
    /// The journal's conversations, small, until a line names one (the
    /// journal is opened brief: their delivered requests by id only).
    known: HashMap<String, Box<Known>>,
    assigns_before: HashMap<String, Vec<AssignSeen>>,
    opts: BatchOptions,
    /// Boxed: the map grows to every conversation of the batch, and a lane
    /// inline made its table several times the size of the lanes in use.
    lanes: HashMap<String, Box<Lane>>,
    ready: VecDeque<String>,
    to_start: VecDeque<String>,
    active: usize,
    pending: usize,
    /// Request id → lane.
    inflight: HashMap<String, String>,
    /// Callbacks that came for an assign in flight before its HTTP answer
    /// was handled (Kore may call back first): used when the answer is.
    early: HashMap<String, ReceivedCallback>,
    book: AgentBook,
    tally: Tally,
    stopped_at: Option<usize>,
    /// The line whose event the journal first refused (a full disk): no
    /// line is read or started after it.
    disk_refused: Option<usize>,
}

/// `switchboard send --batch FILE|-`.
pub async fn send_batch(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    opts: BatchOptions,
) -> Result<i32, Fail> {
    run_batch(Mode::Send, cli_config, allow_insecure_http, opts).await
}

/// `switchboard assign --batch FILE|-`.
pub async fn assign_batch(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    opts: BatchOptions,
) -> Result<i32, Fail> {
    run_batch(Mode::Assign, cli_config, allow_insecure_http, opts).await
}

async fn run_batch(
    mode: Mode,
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    opts: BatchOptions,
) -> Result<i32, Fail> {
    opts.check()?;
    let loaded = load_config(cli_config)?;
    let config = loaded.config.clone();
    let client = build_client(&loaded, allow_insecure_http)?;
    let mut callbacks = None;
    let mut listener = None;
    if mode == Mode::Assign {
        let (l, rx) = start_callbacks(&loaded, allow_insecure_http).await?;
        listener = Some(Arc::new(l));
        callbacks = Some(rx);
    }
    let mut lines = Some(start_reader(&opts.source)?);
    let (journal, restored) = open_journal(&config)?;
    let journal::Restored {
        states,
        assigns,
        holds,
        delivered,
        ..
    } = restored;
    let assigns_before = earlier_assigns(&assigns);
    drop(assigns);
    let (runner, mut reports) = runner_for(&config, client, journal, listener.clone());
    // Fewer fsyncs waited on per event; every record still precedes its request.
    let runner = runner.with_pipelined_journal(true);
    let mut d = Driver {
        mode,
        config,
        runner,
        listener,
        replay_holds: holds,
        known: known(states, delivered),
        assigns_before,
        opts,
        lanes: HashMap::new(),
        ready: VecDeque::new(),
        to_start: VecDeque::new(),
        active: 0,
        pending: 0,
        inflight: HashMap::new(),
        early: HashMap::new(),
        book: AgentBook::default(),
        tally: Tally::default(),
        stopped_at: None,
        disk_refused: None,
    };
    loop {
        if lines.is_none() && d.active == 0 && d.ready.is_empty() {
            break;
        }
        if d.disk_refused.is_some() {
            // The disk refuses: no new line is taken.
            lines = None;
        }
        let reading = d.pending < MAX_PENDING;
        tokio::select! {
            input = recv_some(&mut lines), if reading => match input {
                Some(input) => {
                    if !d.take(input) {
                        // --on-error stop: nothing after the bad line.
                        lines = None;
                    }
                    d.pump().await;
                }
                None => lines = None,
            },
            report = reports.recv() => match report {
                Some(report) => {
                    d.on_report(report);
                    d.pump().await;
                }
                None => break,
            },
            cb = recv_unbounded(&mut callbacks) => match cb {
                Some(cb) => {
                    d.on_callback(cb);
                    d.pump().await;
                }
                None => callbacks = None,
            },
        }
    }
    Ok(finish(&mut d).await)
}

/// Writes what is owed, flushes the journal and prints the batch's summary;
/// the exit code.
async fn finish(d: &mut Driver) -> i32 {
    let owed = d.runner.settle_outcomes().await;
    d.runner.flush_journal().await;
    if !owed.is_empty() {
        note!("{}", super::owed_note(&owed));
        d.tally.worse(EXIT_FAILED);
    }
    let t = &d.tally;
    let stopped = match (d.stopped_at, d.disk_refused) {
        (Some(n), _) => format!("; stopped at the bad line {n} (--on-error stop)"),
        (None, Some(n)) => format!(
            "; stopped taking lines at line {n}: the journal could not be written \
             (once the disk has room, run the same batch again: what was delivered is skipped)"
        ),
        (None, None) => String::new(),
    };
    let done = match d.mode {
        Mode::Send => format!(
            "{} event(s) delivered, {} delivered maybe twice",
            t.delivered, t.maybe_twice
        ),
        Mode::Assign => format!("{} assign(s) transferred", t.transferred),
    };
    note!(
        "batch: {} line(s): {done}, {} done before, {} failed, {} refused, {} held, {} bad line(s){stopped}",
        t.lines,
        t.done_before,
        t.failed,
        t.refused,
        t.held,
        t.bad
    );
    t.exit_code()
}

async fn recv_some<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn recv_unbounded<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Driver {
    /// Takes one line from the reader. False when the batch stops here.
    fn take(&mut self, (number, text): Input) -> bool {
        self.tally.lines += 1;
        let parsed = text.and_then(|t| match self.mode {
            Mode::Send => parse_send(&t).map(What::Send),
            Mode::Assign => parse_assign(&t).map(What::Assign),
        });
        let what = match parsed {
            Ok(what) => what,
            Err(error) => {
                self.tally.bad += 1;
                self.tally.worse(EXIT_USAGE);
                emit(&json!({"line": number, "outcome": "bad_line", "ok": false, "error": error}));
                note!("error: line {number}: {error}");
                if self.opts.on_error == OnError::Stop {
                    self.stopped_at = Some(number);
                    return false;
                }
                return true;
            }
        };
        let lane_id = what.lane().to_string();
        let batch_id = self.opts.batch_id.clone().unwrap_or_default();
        let lane = self.lanes.entry(lane_id.clone()).or_insert_with(|| {
            let (state, delivered) = self
                .known
                .remove(&lane_id)
                .map(|known| (*known).into_lane())
                .unwrap_or_default();
            Box::new(Lane {
                state,
                delivered,
                ..Default::default()
            })
        });
        let canonical = what.canonical();
        let hash = hash_of(&canonical);
        let nth = match lane.seen.iter_mut().find(|(h, _)| *h == hash) {
            Some((_, n)) => n,
            None => {
                lane.seen.push((hash, 0));
                &mut lane.seen.last_mut().expect("just pushed").1
            }
        };
        let key = line_key(&batch_id, &canonical, *nth);
        *nth += 1;
        let repeat = matches!(what, What::Assign(_)) && lane.assigns > 0;
        if matches!(what, What::Assign(_)) {
            lane.assigns += 1;
        }
        if let Some(why) = &lane.held {
            let line = held_line(number, &lane_id, what.verb(), why);
            self.tally.held += 1;
            self.tally.worse(EXIT_FAILED);
            emit(&line);
            return true;
        }
        if lane.queue.capacity() == 0 {
            // Room for one: most lanes hold one line at a time, and a
            // first push would make room for four.
            lane.queue.reserve_exact(1);
        }
        lane.queue.push_back(Line {
            number,
            key,
            what,
            repeat,
        });
        self.pending += 1;
        if !lane.active && !lane.waiting {
            lane.waiting = true;
            self.ready.push_back(lane_id);
        }
        true
    }

    /// Gives free slots to waiting lanes and starts their next lines.
    async fn pump(&mut self) {
        loop {
            while self.active < self.opts.concurrency
                && let Some(id) = self.ready.pop_front()
            {
                let Some(lane) = self.lanes.get_mut(&id) else {
                    continue;
                };
                lane.waiting = false;
                if lane.active || lane.queue.is_empty() {
                    continue;
                }
                lane.active = true;
                self.active += 1;
                self.to_start.push_back(id);
            }
            let Some(id) = self.to_start.pop_front() else {
                break;
            };
            self.advance(&id).await;
        }
    }

    /// Starts the lane's next line that has something to send, or frees
    /// its slot when none is left.
    async fn advance(&mut self, id: &str) {
        loop {
            let Some(lane) = self.lanes.get_mut(id) else {
                return;
            };
            if lane.current.is_some() {
                return;
            }
            if let Some(n) = self.disk_refused
                && lane.held.is_none()
            {
                lane.held = Some(format!(
                    "not started: the journal could not be written at line {n}"
                ));
            }
            if lane.held.is_some() {
                self.hold_rest(id);
                self.release(id);
                return;
            }
            let Some(line) = lane.queue.pop_front() else {
                self.release(id);
                return;
            };
            self.pending -= 1;
            let started = match line.what {
                What::Send(args) => self.begin_send(id, line.number, line.key, args).await,
                What::Assign(args) => {
                    self.begin_assign(id, line.number, line.key, args, line.repeat)
                }
            };
            if started {
                return;
            }
        }
    }

    fn release(&mut self, id: &str) {
        if let Some(lane) = self.lanes.get_mut(id)
            && lane.active
        {
            lane.active = false;
            self.active -= 1;
            if !lane.queue.is_empty() && lane.held.is_none() && !lane.waiting {
                lane.waiting = true;
                self.ready.push_back(id.to_string());
            } else if lane.queue.is_empty() {
                // Its worker ends; a later line starts another. Done for
                // now, it keeps no room for lines (a lane lives as long as
                // the batch, and most of a long batch's lanes are done).
                lane.queue = VecDeque::new();
                lane.seen.shrink_to_fit();
                // Its roster too: a copy takes only the room its members need.
                lane.state.roster = lane.state.roster.clone();
                self.runner.forget(id);
            }
        }
    }

    /// Reports every waiting line of a held lane as held.
    fn hold_rest(&mut self, id: &str) {
        let Some(lane) = self.lanes.get_mut(id) else {
            return;
        };
        let why = lane.held.clone().unwrap_or_default();
        let rest: Vec<Line> = lane.queue.drain(..).collect();
        self.pending -= rest.len();
        for line in rest {
            self.tally.held += 1;
            emit(&held_line(line.number, id, line.what.verb(), &why));
        }
        if self.tally.held > 0 {
            self.tally.worse(EXIT_FAILED);
        }
    }

    fn hold(&mut self, id: &str, why: String) {
        if let Some(lane) = self.lanes.get_mut(id) {
            lane.held = Some(why);
        }
        self.hold_rest(id);
    }

    fn refused(&mut self, id: &str, number: usize, verb: &str, refused: Refused) {
        let mut line = refused.line;
        line["line"] = json!(number);
        line["verb"] = json!(verb);
        line["outcome"] = json!("refused");
        line["ok"] = json!(false);
        emit(&line);
        note!("line {number}: {}", refused.message);
        self.tally.refused += 1;
        self.tally.worse(EXIT_FAILED);
        self.hold(id, format!("line {number} of {id} was refused"));
    }

    /// Plans a send line and hands its first event over. False when
    /// nothing of it is in flight (refused, or done before).
    async fn begin_send(&mut self, id: &str, number: usize, key: String, args: SendOrder) -> bool {
        let verb = args.kind.name();
        let action = match args.kind {
            Verb::End => Action::End,
            Verb::Remove => Action::Remove(args.agent.clone().unwrap_or_default()),
            kind => {
                let agent_id = args.agent.clone().unwrap_or_default();
                let agent = self
                    .book
                    .agent(&self.config, self.runner.client(), &agent_id)
                    .await;
                match kind {
                    Verb::Enter => Action::Enter(agent),
                    Verb::Cold => Action::Cold {
                        to: agent,
                        from: args.from.clone(),
                    },
                    Verb::Warm => Action::Warm(agent),
                    _ => Action::Redial(agent),
                }
            }
        };
        let lane = self.lanes.get(id).expect("the lane exists");
        let decision = decide(id, &action, lane, &key, &self.replay_holds, &self.config);
        let (events, action_text) = match decision {
            Decision::Refused(r) => {
                self.refused(id, number, verb, r);
                return false;
            }
            Decision::Done(ids) => {
                emit(&json!({"line": number, "conversation": id, "verb": verb,
                    "outcome": "done_before", "ok": true, "ids": ids,
                    "message": "a run of this batch delivered it before; not sent again"}));
                self.tally.done_before += 1;
                return false;
            }
            Decision::Send(events) => (events, action.describe_in(&lane.state.roster)),
        };
        let ctx = event_context(&args, &lane.state, &self.config);
        let of = events.len();
        let mut events: VecDeque<Event> = events.into();
        let Some(first) = events.pop_front() else {
            emit(&json!({"line": number, "conversation": id, "verb": verb,
                "outcome": "nothing_to_send", "ok": true}));
            return false;
        };
        let req_id = event_id(&key, 1, of);
        let lane = self.lanes.get_mut(id).expect("the lane exists");
        lane.current = Some(Box::new(Current {
            number,
            verb,
            kind: CurrentKind::Hooks {
                action: action_text,
                ctx,
                key,
                events,
                step: 1,
                of,
                req_id: req_id.clone(),
                event: first.clone(),
            },
        }));
        self.send_event(id, req_id, first);
        true
    }

    fn send_event(&mut self, id: &str, req_id: String, event: Event) {
        let Some(Current {
            kind: CurrentKind::Hooks { ctx, action, .. },
            ..
        }) = self.lanes.get(id).and_then(|l| l.current.as_deref())
        else {
            return;
        };
        let effect = Effect::SendEvent {
            req_id: req_id.clone(),
            conversation: id.to_string(),
            event,
            ctx: ctx.clone(),
            action: action.clone(),
        };
        self.inflight.insert(req_id, id.to_string());
        self.runner.run(effect);
    }

    fn begin_assign(
        &mut self,
        id: &str,
        number: usize,
        key: String,
        args: super::AssignOrder,
        repeat: bool,
    ) -> bool {
        if repeat && !self.opts.force {
            let reason = format!(
                "an earlier line of this batch assigns session {id} already; a second assign \
                 could hand the conversation over twice (--force sends it)"
            );
            let r = Refused {
                line: json!({"session": id, "refused": true, "code": "repeated_assign",
                    "reason": reason}),
                message: format!("refused: {reason}"),
            };
            self.refused(id, number, "assign", r);
            return false;
        }
        let earlier = self.assigns_before.get(&key).cloned().unwrap_or_default();
        if let Some(open) = earlier.iter().find(|a| a.sent && a.outcome.is_none()) {
            let reason = format!(
                "an earlier run sent this assign ({}) with no recorded answer: it may have reached \
                 Kore, so it is not sent again; check the conversation before assigning again",
                open.id
            );
            let r = Refused {
                line: json!({"session": id, "refused": true, "code": "open_requests",
                    "reason": reason, "unknown": [open.id]}),
                message: format!("refused: {reason}"),
            };
            self.refused(id, number, "assign", r);
            return false;
        }
        if let Some(done) = earlier.iter().find(|a| a.outcome == Some(true)) {
            emit(&json!({"line": number, "session": id, "verb": "assign",
                "outcome": "done_before", "ok": true, "ids": [done.id],
                "callback_ok": done.callback,
                "message": "a run of this batch sent it before and Kore took it; not sent again"}));
            self.tally.done_before += 1;
            return false;
        }
        let mut job = super::assign_job(&self.config, &args, None);
        job.req_id = event_id(&key, 1, 1);
        let Work::Assign { summary, .. } = &job.work else {
            unreachable!("an assign job")
        };
        let request = request_json(self.runner.client().assign_path(), summary.clone());
        let callback_url = self
            .listener
            .as_ref()
            .map(|l| l.redact(&l.url_for(&job.req_id)))
            .unwrap_or_default();
        let timeout = args
            .timeout_secs
            .unwrap_or(self.config.callback.callback_timeout_secs);
        let req_id = job.req_id.clone();
        let lane = self.lanes.get_mut(id).expect("the lane exists");
        lane.current = Some(Box::new(Current {
            number,
            verb: "assign",
            kind: CurrentKind::Assign {
                request,
                callback_url,
                timeout,
                answered: None,
            },
        }));
        self.inflight.insert(req_id, id.to_string());
        submit(&mut self.runner, job);
        true
    }
}

/// A 64-bit hash of `text`, the same for the same text within this process.
fn hash_of(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn submit(runner: &mut Runner, job: Job) {
    runner.submit(job);
}

fn held_line(number: usize, lane: &str, verb: &str, why: &str) -> Value {
    json!({"line": number, "conversation": lane, "verb": verb, "outcome": "held", "ok": false,
        "reason": format!("not sent: {why}")})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_checked_like_the_flags() {
        let ok = parse_send(r#"{"what":"cold","conversation":"c-1","agent":"a-2"}"#).unwrap();
        assert_eq!(ok.kind, Verb::Cold);
        assert_eq!(ok.agent.as_deref(), Some("a-2"));
        let end = parse_send(r#"{"verb":"end","conversation":"c-1"}"#).unwrap();
        assert_eq!(end.kind, Verb::End);
        for (line, says) in [
            (r#"{"what":"cold","conversation":"c-1""#, "EOF"),
            (
                r#"{"what":"fly","conversation":"c-1","agent":"a"}"#,
                "unknown verb",
            ),
            (
                r#"{"what":"cold","agent":"a"}"#,
                "missing field `conversation`",
            ),
            (r#"{"what":"cold","conversation":"c-1"}"#, "needs agent"),
            (
                r#"{"what":"warm","conversation":"c 1","agent":"a"}"#,
                "spaces",
            ),
            (
                r#"{"what":"warm","conversation":"c","agnet":"a"}"#,
                "unknown field `agnet`",
            ),
            (
                r#"{"what":"warm","conversation":"c","agent":"a","from":"b"}"#,
                "from only",
            ),
            (
                r#"{"what":"assign","conversation":"c","agent":"a"}"#,
                "assign --batch",
            ),
            (
                r#"{"what":"end","conversation":"c","experience":"fax"}"#,
                "chat or voice",
            ),
        ] {
            let err = parse_send(line).unwrap_err();
            assert!(err.contains(says), "{line}: {err}");
        }
        let long = format!(
            r#"{{"what":"end","conversation":"{}"}}"#,
            "c".repeat(config::MAX_ID_CHARS + 1)
        );
        assert!(parse_send(&long).unwrap_err().contains("at most"));
        // Issue 18.16: ids that hide or turn text around are refused, and
        // the error does not carry them.
        for id in ["c-\u{202e}1-c", "c-\u{200b}1"] {
            let line = json!({"what": "end", "conversation": id}).to_string();
            let err = parse_send(&line).unwrap_err();
            assert!(err.contains("invisible or direction-changing"), "{err}");
            assert!(
                !err.contains('\u{202e}') && !err.contains('\u{200b}'),
                "{err:?}"
            );
            let line = json!({"session": id, "agent": "a-1"}).to_string();
            assert!(parse_assign(&line).is_err());
        }
        assert!(parse_assign(r#"{"session":"s","agent":"a","queue":"q"}"#).is_err());
        assert!(parse_assign(r#"{"session":"s","queue":"q"}"#).is_ok());
    }

    #[test]
    fn a_key_names_the_nth_identical_action_and_ids_carry_it() {
        let a = line_key("", "enter\x1fc-1\x1fa-1", 0);
        assert_eq!(a, line_key("", "enter\x1fc-1\x1fa-1", 0));
        assert_ne!(a, line_key("", "enter\x1fc-1\x1fa-1", 1));
        assert_ne!(a, line_key("other", "enter\x1fc-1\x1fa-1", 0));
        let id = event_id(&a, 2, 3);
        assert_eq!(event_index(&id, &a), Some((2, 3)));
        assert_eq!(event_index(&id, &line_key("", "x", 0)), None);
        assert_eq!(event_index("r-0123", &a), None);
    }
}
