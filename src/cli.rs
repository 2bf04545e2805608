//! The scripting commands: `send`, `assign`, `check` and `init`.
//!
//! They make the same calls as the console, without a terminal UI. Each
//! request prints one JSON object on stdout; messages for people go to
//! stderr. Exit codes: 0 success, 1 an API error or a refused order, 2 bad
//! usage or config.

use crate::app::update::NOT_UNDERSTOOD;
use crate::app::{self, Effect, ReplyInfo};
use crate::config::{self, Config};
use crate::domain::{self, Action, AgentRef, Event, Verb};
use crate::kore::client::{self, Call, CallError, KoreClient};
use crate::kore::hooks::EventContext;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{AssignTarget, FailReason, ReceivedCallback, Verdict};
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::ConversationState;
use crate::runtime::runner::{Job, Runner, Work, hooks_summary, reply_info};
use crate::wiring::{
    build_client, client_settings, load_config, open_journal, plan_settings, runner_for,
    start_callbacks,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// `eprintln!` that never panics: a closed stderr (`2>&1 | head`) must not
/// stop a batch half-way, with requests on the wire and the journal not
/// flushed. What it says is lost; the journal keeps everything.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod agents;
pub mod args;
mod batch;
pub use crate::exit::{EXIT_FAILED, EXIT_MAYBE_TWICE, EXIT_OK, EXIT_USAGE, Fail};
pub use args::{Asked, AssignArgs, Cli, Command, SendArgs};
pub use batch::{
    BatchOptions, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MAX_LINE_BYTES, MAX_PENDING, OnError,
    Source, assign_batch, send_batch,
};

/// A hooks request's `outcome` word in the JSON lines.
pub(crate) fn hook_label(
    outcome: &Result<ReplyInfo, CallError>,
    maybe_arrived: &[u32],
) -> &'static str {
    match (outcome, maybe_arrived.is_empty()) {
        (Ok(_), true) => "delivered",
        (Ok(_), false) => "delivered_maybe_twice",
        (Err(_), false) => "unknown",
        (Err(_), true) => "failed",
    }
}

/// The agent named by `id`, with the details of the `[[agents]]` directory
/// when it lists them.
pub fn directory_agent(config: &Config, id: &str) -> AgentRef {
    match config.agents.iter().find(|a| a.id == id) {
        Some(entry) => {
            let mut agent =
                AgentRef::new(&entry.id, entry.display_name()).with_identity(entry.identity());
            agent.email = entry.email.clone();
            agent.queue_id = entry.queue_id.clone();
            agent.queue_name = entry.queue_name.clone();
            agent
        }
        None => AgentRef::new(id, id),
    }
}

/// The agent `id` as list-agents describes it: name, email, first queue.
fn agent_from_record(id: &str, rec: &crate::kore::wire::AgentRecord) -> AgentRef {
    let mut agent = AgentRef::new(id, rec.display_name());
    agent.email = rec.email_address().map(str::to_string);
    if let Some(q) = rec.queues.first() {
        agent.queue_id = Some(q.id.clone());
        agent.queue_name = q.name.clone();
    }
    agent
}

/// How many pages of list-agents a lookup reads at most.
const MAX_AGENT_PAGES: u32 = 5;

fn new_request_id() -> String {
    format!("r-{}", &crate::kore::jwt::random_id()[..16])
}

/// Prints one JSON object on its own line.
pub fn emit(value: &Value) {
    use std::io::Write;
    if STDOUT_BROKEN.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{value}").and_then(|()| out.flush()).is_err() {
        // A closed pipe (`| head`) must not stop a planned sequence half-way:
        // the rest is still sent and journaled, and the exit code says so.
        STDOUT_BROKEN.store(true, std::sync::atomic::Ordering::Relaxed);
        note!("warning: standard output is closed; results go on in the journal only");
    }
}

/// Set when a write to standard output failed (a closed pipe).
static STDOUT_BROKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a result could not be printed. A command that otherwise
/// succeeded then exits 1.
pub fn stdout_broken() -> bool {
    STDOUT_BROKEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// The JSON line for one call.
pub fn call_json<T: Serialize>(call: &Call<T>, attempts: u32, extra: Value) -> Value {
    let request = json!({
        "method": call.request.method,
        "path": call.request.path,
        "summary": call.request.summary,
    });
    let outcome = call.outcome.as_ref().map(reply_info).map_err(Clone::clone);
    result_json(request, &outcome, attempts, extra)
}

/// What a request printed as JSON says of itself (`POST`, as logs show it).
fn request_json(path: String, summary: String) -> Value {
    json!({"method": "POST", "path": path, "summary": summary})
}

/// The JSON line for one request: what was sent, its outcome, and `extra`.
fn result_json(
    request: Value,
    outcome: &Result<ReplyInfo, CallError>,
    attempts: u32,
    extra: Value,
) -> Value {
    let mut out = json!({"request": request, "attempts": attempts});
    match outcome {
        Ok(reply) => {
            out["ok"] = json!(true);
            out["status"] = json!(reply.status);
            out["latency_ms"] = json!(reply.latency_ms);
            out["response"] = reply.response.clone();
            out["body"] = json!(reply.body);
        }
        Err(e) => {
            out["ok"] = json!(false);
            out["status"] = json!(e.status());
            out["latency_ms"] = json!(e.latency_ms());
            out["error"] = error_json(e);
            out["message"] = json!(e.to_string());
            out["reason"] = json!(FailReason::from_call_error(e).code());
            out["retryable"] = json!(e.retryable());
        }
    }
    if let (Value::Object(o), Value::Object(extra)) = (&mut out, extra) {
        o.extend(extra);
    }
    out
}

/// A call's error as JSON: its fields, or for the errors that carry only
/// words (a timeout, a refused or broken connection), its kind and words.
/// serde cannot write those under a `kind` tag, and they came out `null`.
fn error_json(e: &CallError) -> Value {
    if let Ok(v @ Value::Object(_)) = serde_json::to_value(e) {
        return v;
    }
    let (kind, detail) = match e {
        CallError::Timeout(ms) => ("timeout", json!({"after_ms": ms})),
        CallError::Connect(words) => ("connect", json!({"message": words})),
        CallError::Transport(words) => ("transport", json!({"message": words})),
        CallError::Local(words) => ("local", json!({"message": words})),
        _ => ("other", json!({"message": e.to_string()})),
    };
    let mut out = json!({"kind": kind});
    if let (Value::Object(o), Value::Object(d)) = (&mut out, detail) {
        o.extend(d);
    }
    out
}

/// One `send`, checked: from the flags (`SendArgs::asked`) or a batch line.
#[derive(Debug, Clone)]
pub struct SendOrder {
    /// One of [`Verb::hooks`].
    pub kind: Verb,
    pub conversation: String,
    pub agent: Option<String>,
    pub from: Option<String>,
    pub experience: Option<String>,
    pub language: Option<String>,
    /// Send to an agent nobody knows.
    pub force: bool,
}

/// `switchboard send …`: one action, or `--batch`.
pub async fn send(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    args: SendArgs,
) -> Result<i32, Fail> {
    match args.asked()? {
        Asked::Batch(opts) => send_batch(cli_config, allow_insecure_http, opts).await,
        Asked::One(order) => send_one(cli_config, allow_insecure_http, order).await,
    }
}

/// One `send`: plans the action against the conversation's roster (rebuilt
/// from the journal), then hands each event to the console's runner in
/// order, stopping at the first failure.
async fn send_one(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    args: SendOrder,
) -> Result<i32, Fail> {
    let conversation = checked_conversation(&args)?;
    let loaded = load_config(cli_config)?;
    let config = &loaded.config;
    let agent_id = checked_agent(&args)?;
    let client = build_client(&loaded, allow_insecure_http)?;
    let (journal, mut restored) = open_journal(config)?;
    let action = match send_action(config, &client, &args, agent_id).await? {
        Ok(action) => action,
        Err(unknown) => {
            emit(&unknown.line);
            note!("{}", unknown.message);
            return Ok(EXIT_USAGE);
        }
    };
    let state = restored.states.remove(&conversation).unwrap_or_default();
    let events = match plan_send(&conversation, &action, &state, &restored.holds, config) {
        Ok(events) => events,
        Err(refused) => {
            emit(&refused.line);
            note!("{}", refused.message);
            return Ok(EXIT_FAILED);
        }
    };
    let planned = Planned {
        conversation,
        action: action.describe_in(&state.roster),
        ctx: event_context(&args, &state, config),
        events,
    };
    let (mut runner, mut reports) = runner_for(config, client, journal, None);
    let code = send_events(&mut runner, &mut reports, planned).await;
    let owed = runner.settle_outcomes().await;
    runner.flush_journal().await;
    if !owed.is_empty() {
        note!("{}", owed_note(&owed));
        return Ok(code.max(EXIT_FAILED));
    }
    Ok(code)
}

/// What to say of delivered requests whose outcome the journal could not
/// record (a full disk): they must not be sent again.
pub fn owed_note(owed: &[String]) -> String {
    format!(
        "error: Kore answered {} request(s) whose outcome the journal could not record: {}; \
         they were delivered, so do not send them again: a restart shows them unknown, \
         drop them there (:drop)",
        owed.len(),
        owed.join(", ")
    )
}

/// The conversation id, checked with `--experience`.
fn checked_conversation(args: &SendOrder) -> Result<String, Fail> {
    let conversation = args.conversation.trim().to_string();
    if conversation.is_empty() {
        return Err(Fail::usage("--conversation must not be empty"));
    }
    if let Some(e) = &args.experience
        && !matches!(e.as_str(), "chat" | "voice")
    {
        return Err(Fail::usage(format!(
            "--experience must be chat or voice, not {e:?}"
        )));
    }
    Ok(conversation)
}

/// The `--agent` id, when the verb needs one (checked with `--from`).
fn checked_agent(args: &SendOrder) -> Result<Option<String>, Fail> {
    if args.from.is_some() && args.kind != Verb::Cold {
        return Err(Fail::usage("--from only goes with `send cold`"));
    }
    match args.agent.as_deref().map(str::trim) {
        Some(a) if !a.is_empty() => Ok(Some(a.to_string())),
        _ if args.kind != Verb::End => Err(Fail::usage(
            "this `send` needs --agent ID (the Kore aId of the agent)",
        )),
        _ => Ok(None),
    }
}

/// The action `send` asks for, its agent looked up when the event carries
/// its details.
async fn send_action(
    config: &Config,
    client: &KoreClient,
    args: &SendOrder,
    agent_id: Option<String>,
) -> Result<Result<Action, agents::Unknown>, Fail> {
    let id = match (args.kind, agent_id) {
        // End takes everyone out; the roster says who.
        (Verb::End, _) => return Ok(Ok(Action::End)),
        (Verb::Assign, _) => {
            return Err(Fail::usage("assign is its own command: switchboard assign"));
        }
        // Remove only needs the id: the roster knows the rest.
        (Verb::Remove, Some(id)) => return Ok(Ok(Action::Remove(id))),
        (_, Some(id)) => id,
        (_, None) => return Err(Fail::usage("--agent is required")),
    };
    let agent = match agents::resolve(config, client, &id, args.force).await {
        Ok(agent) => agent,
        Err(unknown) => return Ok(Err(unknown)),
    };
    Ok(Ok(match args.kind {
        Verb::Enter => Action::Enter(agent),
        Verb::Cold => Action::Cold {
            to: agent,
            from: args.from.clone(),
        },
        Verb::Warm => Action::Warm(agent),
        Verb::Redial => Action::Redial(agent),
        Verb::End | Verb::Assign | Verb::Remove => unreachable!("answered above"),
    }))
}

/// Why `send` sends nothing: its JSON line, and the line for people.
struct Refused {
    line: Value,
    message: String,
}

/// The events of `action` on the conversation's roster, or why none may go:
/// requests still open (sending past them would break the order: queued ones
/// go out first when the console starts, unknown ones are the supervisor's
/// call), a history the journal cannot prove, or the transfer rules.
fn plan_send(
    conversation: &str,
    action: &Action,
    state: &ConversationState,
    holds: &BTreeMap<String, String>,
    config: &Config,
) -> Result<Vec<Event>, Refused> {
    refuse_open(conversation, action, state, holds)?;
    domain::plan(&state.roster, action, &plan_settings(config)).map_err(|r| Refused {
        line: json!({
            "conversation": conversation,
            "action": action.describe_in(&state.roster),
            "refused": true,
            "code": r.code.as_str(),
            "reason": FailReason::OrderRefused.code(),
            "message": r.message,
        }),
        message: r.to_string(),
    })
}

/// Why nothing may go for the conversation whatever the action: requests
/// still open in the journal, or a history it cannot prove.
fn refuse_open(
    conversation: &str,
    action: &Action,
    state: &ConversationState,
    holds: &BTreeMap<String, String>,
) -> Result<(), Refused> {
    let refused = |code: &str, reason: &str, message: String| Refused {
        line: json!({
            "conversation": conversation,
            "action": action.describe_in(&state.roster),
            "refused": true,
            "code": code,
            "reason": FailReason::OrderRefused.code(),
            "message": reason,
        }),
        message,
    };
    if !state.unknown.is_empty() || !state.queued.is_empty() {
        let reason = open_requests_reason(conversation, state);
        let mut r = refused("open_requests", &reason, format!("refused: {reason}"));
        r.line["unknown"] = json!(state.unknown);
        r.line["queued"] = json!(state.queued);
        return Err(r);
    }
    if let Some(why) = holds.get(conversation) {
        let reason = format!(
            "{conversation} is held: {why}; nothing was sent. Open the console to see it and resend or drop (r, :drop)"
        );
        return Err(refused(
            "journal_hold",
            &reason,
            format!("refused: {reason}"),
        ));
    }
    Ok(())
}

/// Why a conversation with requests still open in the journal is refused,
/// and what becomes of them: unknown ones wait in the console for `r` or
/// `:drop` (the queued ones behind them too); queued ones alone are sent
/// by the console when it starts, as [`crate::app::restore`] does.
fn open_requests_reason(conversation: &str, state: &ConversationState) -> String {
    let (unknown, queued) = (state.unknown.len(), state.queued.len());
    if unknown == 0 {
        return format!(
            "{conversation} has {queued} request(s) queued but never sent; nothing was sent. \
             {}; or use another conversation id",
            crate::app::restore::QUEUED_GO_ON_START
        );
    }
    format!(
        "{conversation} has {unknown} request(s) of unknown fate (sent, no answer recorded) and \
         {queued} queued but never sent behind them; nothing was sent. Open the console to resend \
         or drop the unknown ones (r, :drop; nothing goes until you do), or use another \
         conversation id"
    )
}

/// Channel and language: as asked, else as the conversation used, else the
/// `[events]` defaults.
fn event_context(args: &SendOrder, state: &ConversationState, config: &Config) -> EventContext {
    EventContext {
        experience: args
            .experience
            .clone()
            .or(state.experience.clone())
            .unwrap_or_else(|| config.events.experience.as_str().to_string()),
        language: args
            .language
            .clone()
            .or(state.language.clone())
            .unwrap_or_else(|| config.events.language.clone()),
        is_ext_ad: config.events.is_ext_ad,
        end_reason: "agent_initiated".into(),
    }
}

/// What `send` planned for one conversation.
struct Planned {
    conversation: String,
    action: String,
    ctx: EventContext,
    events: Vec<Event>,
}

/// Hands the events to the runner one at a time, each once the one before
/// was delivered, and prints one JSON line each. A script stops at the first
/// failure: the events after it are neither journaled nor sent.
async fn send_events(
    runner: &mut Runner,
    reports: &mut mpsc::UnboundedReceiver<app::Action>,
    planned: Planned,
) -> i32 {
    let Planned {
        conversation,
        action,
        ctx,
        events,
    } = planned;
    let total = events.len();
    let mut code = EXIT_OK;
    for (i, event) in events.into_iter().enumerate() {
        let id = new_request_id();
        let text = event.describe();
        let request = request_json(
            runner.client().hooks_path(),
            hooks_summary(&event, &conversation),
        );
        runner.run(Effect::SendEvent {
            req_id: id.clone(),
            conversation: conversation.clone(),
            event,
            ctx: ctx.clone(),
            action: action.clone(),
        });
        let (outcome, attempts, maybe_arrived) = hook_done(reports, &id).await;
        if let Some(also) = crate::app::update::may_also_have_arrived(&maybe_arrived) {
            note!("note: {text} {also}");
        }
        let label = hook_label(&outcome, &maybe_arrived);
        if label == "delivered_maybe_twice" {
            note!(
                "warning: {text}: {}: check the conversation",
                crate::app::update::DELIVERED_MAYBE_TWICE
            );
            code = EXIT_MAYBE_TWICE;
        }
        let step = json!({"id": id, "conversation": conversation, "event": text, "step": i + 1,
            "of": total, "outcome": label});
        emit(&result_json(request, &outcome, attempts, step));
        if let Err(e) = &outcome {
            match total - i - 1 {
                0 => note!("error: {text} failed: {e}"),
                held => note!(
                    "error: {text} failed: {e}; {held} later event(s) of this action were not sent"
                ),
            }
            return EXIT_FAILED;
        }
    }
    code
}

/// The runner's report that hooks request `id` is done: its outcome, its
/// tries, and the tries that may have arrived.
async fn hook_done(
    reports: &mut mpsc::UnboundedReceiver<app::Action>,
    id: &str,
) -> (Result<ReplyInfo, CallError>, u32, Vec<u32>) {
    while let Some(report) = reports.recv().await {
        if let app::Action::HookDone {
            req_id,
            outcome,
            attempts,
            maybe_arrived,
            ..
        } = report
            && req_id == id
        {
            return (outcome, attempts, maybe_arrived);
        }
    }
    (Err(runner_stopped()), 0, Vec::new())
}

fn runner_stopped() -> CallError {
    CallError::Local("the runner stopped before it answered".into())
}

/// One `assign`, checked: from the flags (`AssignArgs::asked`) or a batch
/// line.
#[derive(Debug, Clone)]
pub struct AssignOrder {
    pub session: String,
    pub target: AssignTarget,
    /// Overrides `[callback].callback_timeout_secs`.
    pub timeout_secs: Option<u64>,
    /// Assign to an agent nobody knows.
    pub force: bool,
}

/// `switchboard assign …`: one assign, or `--batch`.
pub async fn assign(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    args: AssignArgs,
) -> Result<i32, Fail> {
    match args.asked()? {
        Asked::Batch(opts) => assign_batch(cli_config, allow_insecure_http, opts).await,
        Asked::One(order) => assign_one(cli_config, allow_insecure_http, order).await,
    }
}

/// One `assign`: hands assign-conversation to the console's runner with a
/// callback URL on its own listener, prints the response, then waits for
/// the callback and prints it.
async fn assign_one(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    args: AssignOrder,
) -> Result<i32, Fail> {
    if args.session.trim().is_empty() {
        return Err(Fail::usage("--session must not be empty"));
    }
    let loaded = load_config(cli_config)?;
    let config = &loaded.config;
    let client = build_client(&loaded, allow_insecure_http)?;
    let mut args = args;
    let mut name = None;
    if let AssignTarget::Agent(wanted) = &args.target {
        match agents::resolve(config, &client, wanted, args.force).await {
            Ok(agent) => {
                name = Some(agent.label().to_string());
                args.target = AssignTarget::Agent(agent.id);
            }
            Err(unknown) => {
                emit(&unknown.line);
                note!("{}", unknown.message);
                return Ok(EXIT_USAGE);
            }
        }
    }
    let (listener, mut callbacks) = start_callbacks(&loaded, allow_insecure_http).await?;
    let (journal, _) = open_journal(config)?;
    let listener = Arc::new(listener);
    let (mut runner, mut reports) = runner_for(config, client, journal, Some(listener.clone()));
    let job = assign_job(config, &args, name);
    let id = job.req_id.clone();
    let Work::Assign { summary, .. } = &job.work else {
        unreachable!("an assign job")
    };
    let request = request_json(runner.client().assign_path(), summary.clone());
    runner.submit(job);
    let mut code = assign_answered(&mut reports, &listener, &id, request).await;
    if code == EXIT_OK {
        let timeout = args
            .timeout_secs
            .unwrap_or(config.callback.callback_timeout_secs);
        note!(
            "waiting up to {timeout}s for the callback on {} …",
            listener.display_address()
        );
        runner.run(Effect::ArmCallbackTimeout {
            req_id: id.clone(),
            after_ms: i64::try_from(timeout.saturating_mul(1000)).unwrap_or(i64::MAX),
        });
        let waited = Waited { id, timeout };
        code = await_callback(&mut reports, &mut callbacks, waited).await;
    }
    runner.flush_journal().await;
    Ok(code)
}

/// The queued assign of a bot session: to an agent (named as the
/// `[[agents]]` directory names it) or to a queue.
fn assign_job(config: &Config, args: &AssignOrder, name: Option<String>) -> Job {
    let session = args.session.trim().to_string();
    let target_name = match &args.target {
        AssignTarget::Agent(_) if name.is_some() => name.unwrap_or_default(),
        AssignTarget::Agent(a) => directory_agent(config, a).label().to_string(),
        AssignTarget::Queue(q) => format!("queue {q}"),
    };
    Job {
        req_id: new_request_id(),
        conversation: session.clone(),
        work: Work::Assign {
            summary: format!("assign session {session} to {target_name}"),
            session,
            target: args.target.clone(),
            target_name,
            by_session: true,
        },
        journaled: false,
        bulk: false,
        slot_taken: false,
    }
}

/// Prints the runner's answer to assign `id`: exit 0 when Kore took it (its
/// callback is still to come), else 1 and why.
async fn assign_answered(
    reports: &mut mpsc::UnboundedReceiver<app::Action>,
    listener: &CallbackListener,
    id: &str,
    request: Value,
) -> i32 {
    let mut sent = false;
    let (outcome, attempts) = loop {
        match reports.recv().await {
            Some(app::Action::RequestSent { req_id, .. }) if req_id == id => sent = true,
            Some(app::Action::AssignDone {
                req_id,
                outcome,
                attempts,
                ..
            }) if req_id == id => break (outcome, attempts),
            Some(_) => {}
            None => break (Err(runner_stopped()), 0),
        }
    };
    let url = listener.redact(&listener.url_for(id));
    emit(&result_json(
        request,
        &outcome,
        attempts,
        json!({"id": id, "callback_url": url}),
    ));
    match &outcome {
        Ok(_) => return EXIT_OK,
        // Never retried: Kore may have taken it, and a second assign could go
        // to two agents.
        Err(e) if e.uncertain() => note!(
            "error: assign {e}: it may have reached Kore, so it was not sent again; \
             its fate is unknown (check the conversation before assigning again)"
        ),
        Err(e) if !sent => note!("error: assign not sent: {e}"),
        Err(e) => note!("error: assign failed: {e}"),
    }
    EXIT_FAILED
}

/// The callback an assign waits for, and for how long (seconds).
struct Waited {
    id: String,
    timeout: u64,
}

/// Waits for the callback of the assign, matched by its path, until the
/// runner says its time is up; prints it (or the time-out). The listener
/// journaled it before it answered.
async fn await_callback(
    reports: &mut mpsc::UnboundedReceiver<app::Action>,
    callbacks: &mut mpsc::UnboundedReceiver<ReceivedCallback>,
    waited: Waited,
) -> i32 {
    let Waited { id, timeout } = waited;
    loop {
        tokio::select! {
            cb = callbacks.recv() => match cb {
                Some(cb) if cb.request_id.as_deref() == Some(id.as_str()) => {
                    return callback_came(&id, cb);
                }
                Some(other) => {
                    note!(
                        "a callback for another request came and was not used: {}",
                        other.summary
                    );
                    tracing::info!(request = ?other.request_id, "callback for another request ignored");
                }
                None => {
                    let message = "the callback listener stopped before a callback came";
                    emit(&json!({"id": id, "ok": false, "message": message}));
                    note!("error: {message}");
                    return EXIT_FAILED;
                }
            },
            report = reports.recv() => match report {
                Some(app::Action::CallbackTimedOut { req_id }) if req_id == id => {
                    let message = format!("no callback within {timeout}s");
                    emit(&json!({"id": id, "ok": false, "timed_out": true, "message": message}));
                    note!("error: {message}");
                    return EXIT_FAILED;
                }
                Some(_) => {}
                None => return EXIT_FAILED,
            },
        }
    }
}

/// Prints the callback of assign `id` and says
/// whether the transfer went through (exit 0) or not (1).
fn callback_came(id: &str, cb: ReceivedCallback) -> i32 {
    let (ok, line, why) = callback_came_json(id, cb);
    emit(&line);
    if ok {
        return EXIT_OK;
    }
    note!("{why}");
    EXIT_FAILED
}

/// The callback of assign `id`: whether the transfer went through, the JSON line that says so, and what to tell people when
/// it did not.
fn callback_came_json(id: &str, cb: ReceivedCallback) -> (bool, Value, String) {
    let verdict = match &cb.problem {
        Some(p) => Verdict::Unclear(p.clone()),
        None => cb.body.verdict(),
    };
    let ok = verdict == Verdict::Success;
    let summary = match &verdict {
        Verdict::Unclear(why) => format!("{NOT_UNDERSTOOD}: {why}"),
        _ => cb.summary.clone(),
    };
    // The listener journaled it (`callback::receipt`, the same id, verdict
    // and summary) before it answered Kore.
    let why = match &verdict {
        Verdict::Success => String::new(),
        Verdict::Failure => format!(
            "the transfer failed: {}",
            cb.body.reason.as_deref().unwrap_or("no reason given")
        ),
        Verdict::Unclear(_) => format!("{summary}; check the transfer in Kore"),
    };
    let mut line = json!({
        "id": id,
        "callback": cb.body,
        "body": cb.summary,
        "ok": ok,
        "understood": !matches!(verdict, Verdict::Unclear(_)),
    });
    if !ok {
        let reason = match verdict {
            Verdict::Failure => FailReason::from_callback(&cb.body),
            _ => FailReason::Other,
        };
        line["reason"] = json!(reason.code());
        line["message"] = json!(cb.body.reason.as_deref().unwrap_or(why.as_str()));
    }
    (ok, line, why)
}

/// `switchboard init`: writes a starter config (mode 0600).
pub fn init(cli_config: Option<&Path>) -> Result<i32, Fail> {
    let path = config::resolve_path(cli_config)
        .ok_or_else(|| Fail::usage("no config directory on this platform; pass --config PATH"))?;
    config::write_starter(&path)?;
    emit(&json!({"init": "ok", "path": path.display().to_string()}));
    note!(
        "wrote a starter config to {}\n  next: fill in [kore], export KORE_CLIENT_SECRET, then run `switchboard check`",
        path.display()
    );
    Ok(EXIT_OK)
}

mod check;
pub use check::check;

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18.16: transport errors printed `"error":null`.
    #[test]
    fn every_error_prints_its_kind_and_words() {
        for (e, kind, words) in [
            (
                CallError::Transport("connection reset".into()),
                "transport",
                "connection reset",
            ),
            (CallError::Connect("refused".into()), "connect", "refused"),
            (CallError::Local("no key".into()), "local", "no key"),
        ] {
            let v = error_json(&e);
            assert_eq!(v["kind"], kind, "{v}");
            assert_eq!(v["message"], words, "{v}");
        }
        assert_eq!(error_json(&CallError::Timeout(1500))["after_ms"], 1500);
        let api = error_json(&CallError::Api {
            status: 404,
            message: "gone".into(),
            latency_ms: 3,
        });
        assert_eq!(api["kind"], "api");
        assert_eq!(api["status"], 404);
        let line = result_json(
            json!({}),
            &Err(CallError::Transport("broken pipe".into())),
            1,
            json!({}),
        );
        assert_eq!(line["error"]["message"], "broken pipe", "{line}");
    }
}
