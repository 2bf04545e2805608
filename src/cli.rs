//! The scripting commands: `send`, `assign`, `check` and `init`.
//!
//! They make the same calls as the console, without a terminal UI. Each
//! request prints one JSON object on stdout; messages for people go to
//! stderr. Exit codes: 0 success, 1 an API error or a refused order, 2 bad
//! usage or config.

use crate::app::update::NOT_UNDERSTOOD;
use crate::config::{self, Config, ConfigError, Loaded};
use crate::domain::{self, Action, AgentRef, Closing, ColdOrder, PlanSettings, Verb};
use crate::kore::client::{self, Call, CallError, ClientSettings, KoreClient};
use crate::kore::hooks::{self, EventContext};
use crate::kore::jwt::Secret;
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{AssignRequest, AssignTarget, Verdict};
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::{self, Journal, Record};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// A failure before any request: it carries its exit code and the message.
#[derive(Debug)]
pub struct Fail {
    pub code: i32,
    pub message: String,
}

impl Fail {
    pub fn usage(message: impl Into<String>) -> Self {
        Fail {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Fail {
            code: EXIT_FAILED,
            message: message.into(),
        }
    }
}

impl From<ConfigError> for Fail {
    fn from(e: ConfigError) -> Self {
        Fail::usage(e.to_string())
    }
}

/// Loads the config the way every command does, printing its warnings.
pub fn load_config(cli_path: Option<&Path>) -> Result<Loaded, Fail> {
    let path = config::resolve_path(cli_path).ok_or_else(|| {
        Fail::usage(
            "no config path: this platform has no config directory; pass --config PATH or set SWITCHBOARD_CONFIG",
        )
    })?;
    let loaded = config::load(&path)?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    Ok(loaded)
}

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
        jwt_ttl_secs: config.kore.jwt_ttl_secs,
        rate_limit_per_minute: config.kore.rate_limit_per_minute,
        request_timeout: config.kore.request_timeout(),
        allow_insecure_http,
        max_response_bytes: config.kore.max_response_bytes as usize,
        max_retry_after: Duration::from_secs(config.kore.max_retry_after_secs),
    }
}

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

/// The agent named by `id`: from `[[agents]]` when listed there, else from
/// the list-agents API (name, email, first queue), else just the id.
async fn lookup_agent(config: &Config, client: &KoreClient, id: &str) -> AgentRef {
    if config.agents.iter().any(|a| a.id == id) {
        return directory_agent(config, id);
    }
    for page in 1..=MAX_AGENT_PAGES {
        let call = client.list_agents(page, Priority::User).await;
        let body = match call.outcome {
            Ok(reply) => reply.body,
            Err(e) => {
                eprintln!(
                    "warning: could not look up agent {id} ({e}); sending the id as the name"
                );
                break;
            }
        };
        if let Some(rec) = body.results.iter().find(|a| a.id == id) {
            let mut agent = AgentRef::new(id, rec.display_name());
            agent.email = rec.email_address().map(str::to_string);
            if let Some(q) = rec.queues.first() {
                agent.queue_id = Some(q.id.clone());
                agent.queue_name = q.name.clone();
            }
            return agent;
        }
        if !body.has_more || body.results.is_empty() {
            eprintln!("warning: agent {id} is not in the agents list; sending the id as the name");
            break;
        }
    }
    AgentRef::new(id, id)
}

/// How many pages of list-agents a lookup reads at most.
const MAX_AGENT_PAGES: u32 = 5;

fn build_client(loaded: &Loaded, allow_insecure_http: bool) -> Result<KoreClient, Fail> {
    let secret = loaded.config.resolve_secret()?;
    KoreClient::new(&client_settings(
        &loaded.config,
        secret,
        allow_insecure_http,
    ))
    .map_err(|e| Fail::usage(format!("{}: {e}", loaded.path.display())))
}

pub fn journal_path(config: &Config) -> PathBuf {
    config::data_dir().join(journal::file_name_for(&config.kore.bot_id))
}

fn open_journal(config: &Config) -> Result<(Journal, journal::Replay), Fail> {
    let path = journal_path(config);
    let (j, replay) = Journal::open(&path).map_err(|e| {
        let hint = journal::open_hint(
            &path,
            &e,
            "a console is open on this bot: send from the console, or quit it first",
        );
        Fail::failed(format!(
            "cannot open the journal {}: {e}\n  hint: {hint}",
            path.display()
        ))
    })?;
    for w in &replay.warnings {
        tracing::warn!(warning = %w, "journal");
        eprintln!("warning: {w}");
    }
    Ok((j, replay))
}

/// The client's gate for a scripting command: `Sent` goes into the journal
/// right before the bytes leave; when it cannot, nothing leaves.
fn journal_sent(journal: &mut Journal, id: &str, attempt: u32) -> Result<(), CallError> {
    journal
        .append(&Record::Sent {
            id: id.to_string(),
            at_ms: now_ms(),
            attempt,
        })
        .map_err(|e| CallError::Local(format!("not sent: cannot write the journal: {e}")))
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

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
        eprintln!("warning: standard output is closed; results go on in the journal only");
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
    let mut out = json!({
        "request": {
            "method": call.request.method,
            "path": call.request.path,
            "summary": call.request.summary,
        },
        "attempts": attempts,
    });
    match &call.outcome {
        Ok(reply) => {
            out["ok"] = json!(true);
            out["status"] = json!(reply.status);
            out["latency_ms"] = json!(reply.latency_ms);
            out["response"] = serde_json::to_value(&reply.body).unwrap_or(Value::Null);
            out["body"] = json!(reply.body_summary);
        }
        Err(e) => {
            out["ok"] = json!(false);
            out["status"] = json!(e.status());
            out["latency_ms"] = json!(e.latency_ms());
            out["error"] = serde_json::to_value(e).unwrap_or(Value::Null);
            out["message"] = json!(e.to_string());
            out["retryable"] = json!(e.retryable());
        }
    }
    if let (Value::Object(o), Value::Object(extra)) = (&mut out, extra) {
        o.extend(extra);
    }
    out
}

#[derive(Debug, Clone)]
pub struct SendArgs {
    /// One of [`Verb::hooks`].
    pub kind: Verb,
    pub conversation: String,
    pub agent: Option<String>,
    pub from: Option<String>,
    pub experience: Option<String>,
    pub language: Option<String>,
}

/// `switchboard send …`: plans the action against the conversation's roster
/// (rebuilt from the journal), then sends each event in order, stopping at the
/// first failure.
pub async fn send(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    args: SendArgs,
) -> Result<i32, Fail> {
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
    let loaded = load_config(cli_config)?;
    let config = &loaded.config;
    if args.from.is_some() && args.kind != Verb::Cold {
        return Err(Fail::usage("--from only goes with `send cold`"));
    }
    let needs_agent = !matches!(args.kind, Verb::End);
    let agent_id = match args.agent.as_deref().map(str::trim) {
        Some(a) if !a.is_empty() => Some(a.to_string()),
        _ if needs_agent => {
            return Err(Fail::usage(
                "this `send` needs --agent ID (the Kore aId of the agent)",
            ));
        }
        _ => None,
    };
    let client = build_client(&loaded, allow_insecure_http)?;
    let agent = match (&agent_id, args.kind) {
        // Remove only needs the id: the roster knows the rest.
        (Some(id), Verb::Remove) => Some(AgentRef::new(id, id)),
        // End takes everyone out; the roster says who.
        (Some(_), Verb::End) => None,
        (Some(id), _) => Some(lookup_agent(config, &client, id).await),
        (None, _) => None,
    };
    let agent_or_usage = || {
        agent
            .clone()
            .ok_or_else(|| Fail::usage("--agent is required"))
    };
    let action = match args.kind {
        Verb::Enter => Action::Enter(agent_or_usage()?),
        Verb::Cold => Action::Cold {
            to: agent_or_usage()?,
            from: args.from.clone(),
        },
        Verb::Warm => Action::Warm(agent_or_usage()?),
        Verb::Remove => Action::Remove(agent_or_usage()?.id),
        Verb::End => Action::End,
        Verb::Redial => Action::Redial(agent_or_usage()?),
        Verb::Assign => return Err(Fail::usage("assign is its own command: switchboard assign")),
    };
    let (mut journal, replay) = open_journal(config)?;
    let states = journal::rebuild(&replay.records);
    let state = states.get(&conversation).cloned().unwrap_or_default();
    // Sending past requests of this conversation that are still open would
    // break its order: queued ones go out first when the console starts, and
    // unknown ones are the supervisor's call.
    if !state.unknown.is_empty() || !state.queued.is_empty() {
        let reason = format!(
            "{conversation} has {} request(s) of unknown fate (sent, no answer recorded) and {} queued but never sent; \
             nothing was sent. Open the console to resend or drop them (r, :drop), or use another conversation id",
            state.unknown.len(),
            state.queued.len()
        );
        emit(&json!({
            "conversation": conversation,
            "action": action.describe_in(&state.roster),
            "refused": true,
            "code": "open_requests",
            "reason": reason,
            "unknown": state.unknown,
            "queued": state.queued,
        }));
        eprintln!("refused: {reason}");
        return Ok(EXIT_FAILED);
    }
    // A history the journal cannot prove: its roster may be wrong, and
    // nothing is planned on it from a script.
    if let Some(why) = replay.holds.get(&conversation) {
        let reason = format!(
            "{conversation} is held: {why}; nothing was sent. Open the console to see it and resend or drop (r, :drop)"
        );
        emit(&json!({
            "conversation": conversation,
            "action": action.describe_in(&state.roster),
            "refused": true,
            "code": "journal_hold",
            "reason": reason,
        }));
        eprintln!("refused: {reason}");
        return Ok(EXIT_FAILED);
    }
    let settings = plan_settings(config);
    let events = match domain::plan(&state.roster, &action, &settings) {
        Ok(events) => events,
        Err(refusal) => {
            emit(&json!({
                "conversation": conversation,
                "action": action.describe_in(&state.roster),
                "refused": true,
                "code": refusal.code.as_str(),
                "reason": refusal.message,
            }));
            eprintln!("{refusal}");
            return Ok(EXIT_FAILED);
        }
    };
    let ctx = EventContext {
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
    };
    let action_text = action.describe_in(&state.roster);
    let total = events.len();
    for (i, event) in events.iter().enumerate() {
        let id = new_request_id();
        journal
            .append(&Record::Request {
                id: id.clone(),
                at_ms: now_ms(),
                conversation: conversation.clone(),
                event: event.clone(),
                experience: ctx.experience.clone(),
                language: ctx.language.clone(),
                action: action_text.clone(),
            })
            .map_err(|e| Fail::failed(format!("cannot write the journal: {e}")))?;
        let wire = hooks::to_wire(event, &ctx);
        let summary = format!("{} ({conversation})", event.describe());
        let retry_uncertain = config.kore.retry_uncertain_hooks;
        // `sent` is journaled by the client's gate, right before the bytes
        // go out (after any wait for the rate limit): from there on the
        // request may reach the server, and a crash leaves its fate unknown.
        let cell = std::cell::RefCell::new((&mut journal, 0u32, Vec::<u32>::new()));
        let (call, attempts) = client::with_retry_if(
            config.kore.retry_max_attempts,
            |e| {
                let mut c = cell.borrow_mut();
                if e.uncertain() {
                    let tries = c.1;
                    c.2.push(tries);
                }
                retry_uncertain || !e.uncertain()
            },
            || {
                client.send_hooks_gated(
                    &conversation,
                    vec![wire.clone()],
                    summary.clone(),
                    Priority::User,
                    async || {
                        let mut c = cell.borrow_mut();
                        c.1 += 1;
                        let attempt = c.1;
                        journal_sent(c.0, &id, attempt)
                    },
                )
            },
        )
        .await;
        let (_, sent_tries, mut maybe_arrived) = cell.into_inner();
        if let Err(e) = &call.outcome
            && e.uncertain()
            && maybe_arrived.last() != Some(&sent_tries)
        {
            maybe_arrived.push(sent_tries);
        }
        let (ok, status, message) = match &call.outcome {
            Ok(r) => (true, Some(r.status), r.body_summary.clone()),
            Err(e) => (false, e.status(), e.to_string()),
        };
        // Failed after a try that may have arrived: no outcome, so the
        // journal (and a console) shows it unknown, never resent by itself.
        if sent_tries > 0 && (ok || maybe_arrived.is_empty()) {
            journal
                .append(&Record::Outcome {
                    id: id.clone(),
                    at_ms: now_ms(),
                    ok,
                    status,
                    message,
                    attempts,
                })
                .map_err(|e| Fail::failed(format!("cannot write the journal: {e}")))?;
        }
        if let Some(also) = crate::app::update::may_also_have_arrived(&maybe_arrived) {
            eprintln!("note: {} {also}", event.describe());
        }
        emit(&call_json(
            &call,
            attempts,
            json!({
                "id": id,
                "conversation": conversation,
                "event": event.describe(),
                "step": i + 1,
                "of": total,
            }),
        ));
        if let Err(e) = &call.outcome {
            let held = total - i - 1;
            if held > 0 {
                eprintln!(
                    "error: {} failed: {e}; {held} later event(s) of this action were not sent",
                    event.describe()
                );
            } else {
                eprintln!("error: {} failed: {e}", event.describe());
            }
            return Ok(EXIT_FAILED);
        }
    }
    Ok(EXIT_OK)
}

#[derive(Debug, Clone)]
pub struct AssignArgs {
    pub session: String,
    pub target: AssignTarget,
    /// Overrides `[callback].callback_timeout_secs`.
    pub timeout_secs: Option<u64>,
}

/// `switchboard assign …`: sends assign-conversation with a callback URL on
/// the console's own listener, prints the response, then waits for the
/// callback and prints it.
pub async fn assign(
    cli_config: Option<&Path>,
    allow_insecure_http: bool,
    args: AssignArgs,
) -> Result<i32, Fail> {
    if args.session.trim().is_empty() {
        return Err(Fail::usage("--session must not be empty"));
    }
    let loaded = load_config(cli_config)?;
    let config = &loaded.config;
    let client = build_client(&loaded, allow_insecure_http)?;
    client::check_callback_url(config.callback.public_base(), allow_insecure_http)
        .map_err(|e| Fail::usage(format!("{}: {e}", loaded.path.display())))?;
    let (listener, mut callbacks) = CallbackListener::start(
        &config.callback.listen.to_string(),
        config.callback.public_base(),
    )
    .await
    .map_err(|e| {
        Fail::usage(format!(
            "{e}\n  hint: another console may be running; change [callback].listen"
        ))
    })?;
    let (mut journal, _) = open_journal(config)?;
    let id = new_request_id();
    let request = AssignRequest::new(
        listener.url_for(&id),
        &config.kore.org_id,
        args.session.trim(),
        &args.target,
    );
    let (target_text, target_record) = match &args.target {
        AssignTarget::Agent(a) => (
            directory_agent(config, a).label().to_string(),
            format!("agent:{a}"),
        ),
        AssignTarget::Queue(q) => (format!("queue {q}"), format!("queue:{q}")),
    };
    journal
        .append(&Record::Assign {
            id: id.clone(),
            at_ms: now_ms(),
            session: args.session.clone(),
            target: target_record,
            conversation: None,
            text: Some(format!("assign → {target_text}")),
        })
        .map_err(|e| Fail::failed(format!("cannot write the journal: {e}")))?;
    let summary = format!("assign session {} to {target_text}", args.session.trim());
    // Never retried after a timeout or a broken connection: Kore may have
    // taken it, and a second assign could go to two agents.
    let cell = std::cell::RefCell::new((&mut journal, 0u32));
    let (call, attempts) = client::with_retry_if(
        config.kore.retry_max_attempts,
        |e| !e.uncertain(),
        || {
            client.assign_gated(&request, summary.clone(), Priority::User, async || {
                let mut c = cell.borrow_mut();
                c.1 += 1;
                let attempt = c.1;
                journal_sent(c.0, &id, attempt)
            })
        },
    )
    .await;
    let (_, sent_tries) = cell.into_inner();
    emit(&call_json(
        &call,
        attempts,
        json!({"id": id, "callback_url": listener.redact(&request.callback_url)}),
    ));
    if let Err(e) = &call.outcome
        && e.uncertain()
    {
        eprintln!(
            "error: assign {e}: it may have reached Kore, so it was not sent again; \
             its fate is unknown (check the conversation before assigning again)"
        );
        return Ok(EXIT_FAILED);
    }
    if sent_tries == 0 {
        let e = call
            .outcome
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        eprintln!("error: assign not sent: {e}");
        return Ok(EXIT_FAILED);
    }
    let _ = journal.append(&Record::Outcome {
        id: id.clone(),
        at_ms: now_ms(),
        ok: call.outcome.is_ok(),
        status: match &call.outcome {
            Ok(r) => Some(r.status),
            Err(e) => e.status(),
        },
        message: match &call.outcome {
            Ok(r) => r.body_summary.clone(),
            Err(e) => e.to_string(),
        },
        attempts,
    });
    if let Err(e) = &call.outcome {
        eprintln!("error: assign failed: {e}");
        return Ok(EXIT_FAILED);
    }
    let timeout = Duration::from_secs(
        args.timeout_secs
            .unwrap_or(config.callback.callback_timeout_secs),
    );
    eprintln!(
        "waiting up to {}s for the callback on {} …",
        timeout.as_secs(),
        listener.display_address()
    );
    let deadline = tokio::time::Instant::now() + timeout;
    let code = loop {
        let got = tokio::time::timeout_at(deadline, callbacks.recv()).await;
        match got {
            Ok(Some(cb)) if cb.request_id.as_deref() == Some(id.as_str()) => {
                let verdict = match &cb.problem {
                    Some(p) => Verdict::Unclear(p.clone()),
                    None => cb.body.verdict(),
                };
                let ok = verdict == Verdict::Success;
                let summary = match &verdict {
                    Verdict::Unclear(why) => format!("{NOT_UNDERSTOOD}: {why}"),
                    _ => cb.summary.clone(),
                };
                let _ = journal.append(&Record::Callback {
                    id: Some(id.clone()),
                    at_ms: now_ms(),
                    ok,
                    summary: summary.clone(),
                });
                emit(&json!({
                    "id": id,
                    "callback": cb.body,
                    "body": cb.summary,
                    "ok": ok,
                    "understood": !matches!(verdict, Verdict::Unclear(_)),
                }));
                match &verdict {
                    Verdict::Success => {}
                    Verdict::Failure => eprintln!(
                        "the transfer failed: {}",
                        cb.body.reason.as_deref().unwrap_or("no reason given")
                    ),
                    Verdict::Unclear(_) => eprintln!("{summary}; check the transfer in Kore"),
                }
                break if ok { EXIT_OK } else { EXIT_FAILED };
            }
            Ok(Some(other)) => {
                eprintln!(
                    "a callback for another request came and was not used: {}",
                    other.summary
                );
                tracing::info!(request = ?other.request_id, "callback for another request ignored");
            }
            Ok(None) => {
                emit(&json!({
                    "id": id,
                    "ok": false,
                    "message": "the callback listener stopped before a callback came",
                }));
                eprintln!("error: the callback listener stopped before a callback came");
                break EXIT_FAILED;
            }
            Err(_) => {
                emit(&json!({
                    "id": id,
                    "ok": false,
                    "timed_out": true,
                    "message": format!("no callback within {}s", timeout.as_secs()),
                }));
                eprintln!("error: no callback within {}s", timeout.as_secs());
                break EXIT_FAILED;
            }
        }
    };
    listener.shutdown().await;
    Ok(code)
}

/// `switchboard check`: the config loads, the secret resolves, a token signs,
/// and the host answers an authenticated request.
pub async fn check(cli_config: Option<&Path>, allow_insecure_http: bool) -> Result<i32, Fail> {
    let loaded = load_config(cli_config)?;
    let config = &loaded.config;
    let mut warnings = loaded.warnings.clone();
    // `init` writes placeholders; a config that still has them cannot work.
    for (name, value) in [
        ("bot_id", &config.kore.bot_id),
        ("org_id", &config.kore.org_id),
        ("account_id", &config.kore.account_id),
        ("client_id", &config.kore.client_id),
    ] {
        if value.contains("replace-with-your") {
            let w = format!(
                "{}: [kore].{name} still holds the placeholder that `switchboard init` wrote; put your own id there",
                loaded.path.display()
            );
            eprintln!("warning: {w}");
            warnings.push(w);
        }
    }
    emit(&json!({
        "check": "config",
        "ok": true,
        "path": loaded.path.display().to_string(),
        "bot_id": config.kore.bot_id,
        "host": client::without_credentials(&config.kore.host),
        "warnings": warnings,
    }));
    let secret = match loaded.config.resolve_secret() {
        Ok(s) => s,
        Err(e) => {
            emit(
                &json!({"check": "secret", "ok": false, "message": e.to_string(),
                "source": config.kore.client_secret.describe()}),
            );
            return Ok(EXIT_USAGE);
        }
    };
    emit(&json!({"check": "secret", "ok": true, "source": config.kore.client_secret.describe()}));
    let signed =
        crate::kore::jwt::Signer::new(&config.kore.client_id, &secret, config.kore.jwt_ttl_secs)
            .and_then(|s| s.sign().map(|t| (s, t)));
    let (signer, token) = match signed {
        Ok(pair) => pair,
        Err(e) => {
            emit(&json!({"check": "token", "ok": false, "message": e.to_string()}));
            return Ok(EXIT_USAGE);
        }
    };
    // The claim names of what was actually signed, not of what was configured.
    let claims: Vec<String> = match serde_json::to_value(signer.claims()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    emit(&json!({"check": "token", "ok": true, "alg": "HS256",
        "fingerprint": token.fingerprint(), "claims": claims}));
    let client = match KoreClient::new(&client_settings(config, secret, allow_insecure_http)) {
        Ok(c) => c,
        Err(e) => {
            emit(&json!({"check": "reach", "ok": false, "message": e.to_string()}));
            eprintln!("error: {}: [kore] {e}", loaded.path.display());
            return Ok(EXIT_USAGE);
        }
    };
    let query = crate::kore::wire::ConversationQuery {
        limit: Some(1),
        ..Default::default()
    };
    let call = client.list_conversations(&query, Priority::User).await;
    let ok = call.is_ok();
    let mut line = call_json(&call, 1, json!({"check": "reach"}));
    if let Value::Object(o) = &mut line {
        // The body summary is enough here; the full record is noise.
        o.remove("response");
    }
    emit(&line);
    if let Err(e) = &call.outcome {
        eprintln!(
            "error: {} did not answer as expected: {e}",
            client::without_credentials(&config.kore.host)
        );
        if matches!(e, CallError::Api { status: 401, .. }) {
            eprintln!("  hint: check client_id and the client secret");
        }
    }
    let listening = check_callback(config).await;
    Ok(if ok && listening {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// Binds the callback listener as the console would, and posts to its
/// `public_url` from here: a line that says whether it listens, and whether
/// the public URL reaches it from this machine (Kore may reach it another
/// way, through a tunnel, so that alone is not a failure). False when it
/// cannot listen.
async fn check_callback(config: &Config) -> bool {
    let listen = config.callback.listen.to_string();
    let public = config.callback.public_base().to_string();
    let (listener, mut received) = match CallbackListener::start(&listen, &public).await {
        Ok(pair) => pair,
        Err(e) => {
            emit(&json!({"check": "callback", "ok": false, "listen": listen,
                "message": e.to_string(), "hint": e.hint()}));
            eprintln!("error: {e}\n  hint: {}", e.hint());
            return false;
        }
    };
    let probe = listener.url_for("check");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let sent = match http {
        Ok(h) => h
            .post(&probe)
            .json(&json!({"status": "check"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let arrived = tokio::time::timeout(Duration::from_secs(1), received.recv())
        .await
        .ok()
        .flatten()
        .is_some();
    let note = if arrived {
        "public_url reaches the listener from here".to_string()
    } else {
        let why = match &sent {
            Ok(status) => format!("it answered {status}, but not from this listener"),
            Err(e) => client::redact_userinfo(e),
        };
        format!(
            "public_url does not reach the listener from here ({why}); Kore needs to reach it, e.g. through a tunnel"
        )
    };
    if !arrived {
        eprintln!("warning: {note}");
    }
    emit(
        &json!({"check": "callback", "ok": true, "listen": listener.local_addr().to_string(),
        "public_url": client::without_credentials(&public), "reachable_from_here": arrived,
        "message": note}),
    );
    listener.shutdown().await;
    true
}

/// `switchboard init`: writes a starter config (mode 0600).
pub fn init(cli_config: Option<&Path>) -> Result<i32, Fail> {
    let path = config::resolve_path(cli_config)
        .ok_or_else(|| Fail::usage("no config directory on this platform; pass --config PATH"))?;
    config::write_starter(&path)?;
    emit(&json!({"init": "ok", "path": path.display().to_string()}));
    eprintln!(
        "wrote a starter config to {}\n  next: fill in [kore], export KORE_CLIENT_SECRET, then run `switchboard check`",
        path.display()
    );
    Ok(EXIT_OK)
}
