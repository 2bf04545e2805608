//! The effect runner: carries out what `update` asks for on tokio and reports
//! back with `Action`s through one channel. Nothing is dropped silently: every
//! request ends in a `HookDone`/`AssignDone`, every failure in a log line.
//!
//! Hooks requests go through one ordered queue per conversation (a worker
//! task each), so a conversation's events leave strictly in order while
//! different conversations do not wait for each other. Every request is
//! journaled when it is queued, again before each attempt, and with its
//! outcome, so a restart knows what was never sent, what was delivered, and
//! what went out with no answer (fate unknown).

use crate::app::update::reply_info;
use crate::app::{Action, Effect};
use crate::domain::Event;
use crate::kore::client::{self, CallError, KoreClient};
use crate::kore::hooks::{self, EventContext};
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{AssignRequest, AssignTarget, AvailabilityRequest, ConversationQuery};
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::{Journal, Record};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Tries per hooks request before it counts as failed, unless configured.
pub const MAX_ATTEMPTS: u32 = 6;
/// Pages of list-conversations read per poll (100 each).
const MAX_CONVERSATION_PAGES: u32 = 5;
/// Pages of list-agents read per poll.
const MAX_AGENT_PAGES: u32 = 10;

/// One hooks request waiting in a conversation's queue.
#[derive(Debug, Clone)]
pub struct Job {
    pub req_id: String,
    pub conversation: String,
    pub event: Event,
    pub ctx: EventContext,
}

enum Msg {
    Job(Job),
    /// A request restored from the journal with a failed or unknown fate: it
    /// blocks the queue until the supervisor resends or drops it.
    Blocked(Job),
    Resend,
    Drop,
}

/// The outcome message the journal keeps for a request the supervisor dropped.
pub const DROPPED: &str = "dropped by the supervisor";

/// Shared by the runner and its tasks.
struct Inner {
    client: KoreClient,
    tx: mpsc::UnboundedSender<Action>,
    journal: Option<Mutex<Journal>>,
    listener: Arc<CallbackListener>,
    host_label: String,
    max_attempts: u32,
}

impl Inner {
    fn send(&self, action: Action) {
        // The receiver only goes away when the console quits.
        let _ = self.tx.send(action);
    }

    fn journal(&self, record: Record) {
        let Some(j) = &self.journal else { return };
        let mut j = j.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = j.append(&record) {
            tracing::error!(error = %e, "journal write failed");
            let _ = self.tx.send(Action::Note {
                error: true,
                text: format!("journal write failed: {e}"),
            });
        }
    }

    /// One log line for a poll request and its answer.
    fn poll_line<T>(&self, call: &client::Call<T>, what: String) {
        use crate::app::state::LogKind;
        let (kind, result) = match &call.outcome {
            Ok(r) => (
                LogKind::In,
                format!("{} {} ms, {what}", r.status, r.latency_ms),
            ),
            Err(e) => (LogKind::Error, e.to_string()),
        };
        self.send(Action::Log {
            kind,
            text: format!(
                "{} {}  poll: {result}",
                call.request.method, call.request.path
            ),
        });
    }

    fn usage(&self) {
        let u = self.client.limiter().usage();
        self.send(Action::RateUsage {
            used: u.used,
            limit: u.limit,
        });
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Runs effects. Lives as long as the console.
pub struct Runner {
    inner: Arc<Inner>,
    queues: HashMap<String, mpsc::UnboundedSender<Msg>>,
}

impl Runner {
    pub fn new(
        client: KoreClient,
        tx: mpsc::UnboundedSender<Action>,
        journal: Option<Journal>,
        listener: Arc<CallbackListener>,
    ) -> Self {
        let host_label = client.host().trim_end_matches('/').to_string();
        Runner {
            inner: Arc::new(Inner {
                client,
                tx,
                journal: journal.map(Mutex::new),
                listener,
                host_label,
                max_attempts: MAX_ATTEMPTS,
            }),
            queues: HashMap::new(),
        }
    }

    /// Sets how many times a hooks request is tried in all. Call before the
    /// first effect runs.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.max_attempts = attempts.max(1);
        }
        self
    }

    pub fn host(&self) -> &str {
        &self.inner.host_label
    }

    /// Queues a request that the journal already holds (after a restart):
    /// it is sent in order without being journaled again.
    pub fn requeue(&mut self, job: Job) {
        self.queue_for(&job.conversation).send(Msg::Job(job)).ok();
    }

    /// Restores a request whose fate is failed or unknown: it holds its
    /// conversation's queue until `r` resends it or `:drop` drops it.
    pub fn restore_blocked(&mut self, job: Job) {
        self.queue_for(&job.conversation)
            .send(Msg::Blocked(job))
            .ok();
    }

    fn queue_for(&mut self, conversation: &str) -> &mpsc::UnboundedSender<Msg> {
        self.queues
            .entry(conversation.to_string())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(conversation_worker(
                    self.inner.clone(),
                    conversation.to_string(),
                    rx,
                ));
                tx
            })
    }

    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::SendEvent {
                req_id,
                conversation,
                event,
                ctx,
                action,
            } => {
                // Journaled before it is queued: nothing planned is lost.
                self.inner.journal(Record::Request {
                    id: req_id.clone(),
                    at_ms: now_ms(),
                    conversation: conversation.clone(),
                    event: event.clone(),
                    experience: ctx.experience.clone(),
                    language: ctx.language.clone(),
                    action,
                });
                let job = Job {
                    req_id,
                    conversation: conversation.clone(),
                    event,
                    ctx,
                };
                self.queue_for(&conversation).send(Msg::Job(job)).ok();
            }
            Effect::Resend { conversation } => {
                self.queue_for(&conversation).send(Msg::Resend).ok();
            }
            Effect::DropFailed { conversation } => {
                self.queue_for(&conversation).send(Msg::Drop).ok();
            }
            Effect::Assign {
                req_id,
                conversation,
                session,
                agent_id,
                agent_name,
                summary,
            } => {
                self.inner.journal(Record::Assign {
                    id: req_id.clone(),
                    at_ms: now_ms(),
                    session: session.clone(),
                    target: format!("agent:{agent_id}"),
                    conversation: Some(conversation.clone()),
                    text: Some(format!("assign → {agent_name}")),
                });
                let inner = self.inner.clone();
                tokio::spawn(async move {
                    assign(inner, req_id, conversation, session, agent_id, summary).await
                });
            }
            Effect::RecordCallback {
                req_id,
                ok,
                summary,
            } => {
                self.inner.journal(Record::Callback {
                    id: Some(req_id),
                    at_ms: now_ms(),
                    ok,
                    summary,
                });
            }
            Effect::ArmCallbackTimeout { req_id, after_ms } => {
                let inner = self.inner.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(after_ms.max(0) as u64)).await;
                    inner.send(Action::CallbackTimedOut { req_id });
                });
            }
            Effect::PollConversations => {
                let inner = self.inner.clone();
                tokio::spawn(async move { poll_conversations(&inner).await });
            }
            Effect::PollAgents => {
                let inner = self.inner.clone();
                tokio::spawn(async move { poll_agents(&inner).await });
            }
            Effect::Export { path, lines } => {
                let inner = self.inner.clone();
                tokio::task::spawn_blocking(move || {
                    let result = write_export(&path, &lines);
                    inner.send(match result {
                        Ok(()) => Action::Note {
                            error: false,
                            text: format!("exported {} log line(s) to {path}", lines.len()),
                        },
                        Err(e) => Action::Note {
                            error: true,
                            text: format!("export to {path} failed: {e}"),
                        },
                    });
                });
            }
            Effect::Quit => {}
        }
    }

    /// Starts the polling loops (an interval of `None` turns one off).
    pub fn start_polling(&self, conversations: Option<Duration>, agents: Option<Duration>) {
        for (every, which) in [(conversations, 0u8), (agents, 1u8)] {
            let Some(every) = every else { continue };
            let inner = self.inner.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if inner.tx.is_closed() {
                        break;
                    }
                    if which == 0 {
                        poll_conversations(&inner).await;
                    } else {
                        poll_agents(&inner).await;
                    }
                }
            });
        }
    }
}

fn write_export(path: &str, lines: &[String]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    for l in lines {
        f.write_all(l.as_bytes())?;
        f.write_all(b"\n")?;
    }
    f.sync_all()
}

/// One conversation's ordered queue.
async fn conversation_worker(
    inner: Arc<Inner>,
    conversation: String,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    let mut queue: VecDeque<Job> = VecDeque::new();
    let mut failed: Option<Job> = None;
    loop {
        if failed.is_none()
            && let Some(job) = queue.pop_front()
        {
            if !deliver(&inner, &job).await {
                failed = Some(job);
                if !queue.is_empty() {
                    inner.send(Action::HookHeld {
                        conversation: conversation.clone(),
                        req_ids: queue.iter().map(|j| j.req_id.clone()).collect(),
                    });
                }
            }
            continue;
        }
        match rx.recv().await {
            None => break,
            Some(Msg::Job(job)) => {
                if failed.is_some() {
                    inner.send(Action::HookHeld {
                        conversation: conversation.clone(),
                        req_ids: vec![job.req_id.clone()],
                    });
                }
                queue.push_back(job);
            }
            Some(Msg::Blocked(job)) => {
                if failed.is_none() {
                    failed = Some(job);
                } else {
                    queue.push_back(job);
                }
            }
            Some(Msg::Resend) => {
                if let Some(job) = failed.take() {
                    queue.push_front(job);
                }
            }
            Some(Msg::Drop) => {
                if let Some(job) = failed.take() {
                    inner.journal(Record::Outcome {
                        id: job.req_id.clone(),
                        at_ms: now_ms(),
                        ok: false,
                        status: None,
                        message: DROPPED.into(),
                        attempts: 0,
                    });
                }
            }
        }
    }
}

/// Sends one hooks request with retries. True when delivered.
async fn deliver(inner: &Inner, job: &Job) -> bool {
    let wire = hooks::to_wire(&job.event, &job.ctx);
    let summary = format!("{} ({})", job.event.describe(), job.conversation);
    let mut attempt = 0;
    loop {
        attempt += 1;
        inner.journal(Record::Sent {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            attempt,
        });
        let call_fut = inner.client.send_hooks(
            &job.conversation,
            vec![wire.clone()],
            summary.clone(),
            Priority::User,
        );
        if attempt == 1 {
            inner.send(Action::RequestSent {
                req_id: job.req_id.clone(),
                conversation: job.conversation.clone(),
                line: format!("POST {}  {summary}", hooks_path(inner)),
            });
        }
        let call = call_fut.await;
        inner.usage();
        match &call.outcome {
            Ok(reply) => {
                inner.journal(Record::Outcome {
                    id: job.req_id.clone(),
                    at_ms: now_ms(),
                    ok: true,
                    status: Some(reply.status),
                    message: reply.body_summary.clone(),
                    attempts: attempt,
                });
                inner.send(Action::HookDone {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    outcome: Ok(reply_info(reply)),
                    attempts: attempt,
                });
                return true;
            }
            Err(e) if e.retryable() && attempt < inner.max_attempts => {
                inner.send(Action::HookRetrying {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    attempt,
                    error: e.to_string(),
                });
                let wait = client::backoff(
                    attempt - 1,
                    Duration::from_millis(500),
                    Duration::from_secs(30),
                );
                let wait = e.retry_after().map_or(wait, |ra| ra.max(wait));
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                inner.journal(Record::Outcome {
                    id: job.req_id.clone(),
                    at_ms: now_ms(),
                    ok: false,
                    status: e.status(),
                    message: e.to_string(),
                    attempts: attempt,
                });
                inner.send(Action::HookDone {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    outcome: Err(e.clone()),
                    attempts: attempt,
                });
                return false;
            }
        }
    }
}

fn hooks_path(inner: &Inner) -> String {
    format!("hooks/{}", client::short_id(inner.client.bot_id()))
}

async fn assign(
    inner: Arc<Inner>,
    req_id: String,
    conversation: String,
    session: String,
    agent_id: String,
    summary: String,
) {
    let url = inner.listener.url_for(&req_id);
    let request = AssignRequest::new(
        url,
        inner.client.org_id(),
        &session,
        &AssignTarget::Agent(agent_id.clone()),
    );
    inner.send(Action::RequestSent {
        req_id: req_id.clone(),
        conversation: conversation.clone(),
        line: format!(
            "POST public/{}/assign-conversation  {summary} (callback {})",
            client::short_id(inner.client.bot_id()),
            inner.listener.display_address()
        ),
    });
    let (call, _attempts) = client::with_retry(inner.max_attempts, || {
        inner
            .client
            .assign(&request, summary.clone(), Priority::User)
    })
    .await;
    inner.usage();
    let outcome: Result<_, CallError> = call.outcome.as_ref().map(reply_info).map_err(Clone::clone);
    if let Err(e) = &outcome {
        inner.journal(Record::Outcome {
            id: req_id.clone(),
            at_ms: now_ms(),
            ok: false,
            status: e.status(),
            message: e.to_string(),
            attempts: 1,
        });
    }
    inner.send(Action::AssignDone {
        req_id,
        conversation,
        outcome,
    });
}

async fn poll_conversations(inner: &Inner) {
    let mut all = Vec::new();
    let mut skip = 0u32;
    for _ in 0..MAX_CONVERSATION_PAGES {
        let query = ConversationQuery {
            skip: Some(skip),
            limit: Some(100),
            ..Default::default()
        };
        let call = inner
            .client
            .list_conversations(&query, Priority::Poll)
            .await;
        inner.usage();
        let n = call
            .outcome
            .as_ref()
            .map(|r| r.body.results.len())
            .unwrap_or(0);
        inner.poll_line(&call, format!("{n} conversation(s)"));
        match call.outcome {
            Ok(reply) => {
                let n = reply.body.results.len() as u32;
                all.extend(reply.body.results);
                if !reply.body.has_more || n == 0 {
                    break;
                }
                skip += n;
            }
            Err(e) => {
                inner.send(Action::ConversationsListed {
                    result: Err(e.to_string()),
                });
                return;
            }
        }
    }
    inner.send(Action::ConversationsListed { result: Ok(all) });
}

async fn poll_agents(inner: &Inner) {
    let mut all = Vec::new();
    for page in 1..=MAX_AGENT_PAGES {
        let call = inner.client.list_agents(page, Priority::Poll).await;
        inner.usage();
        let n = call
            .outcome
            .as_ref()
            .map(|r| r.body.results.len())
            .unwrap_or(0);
        inner.poll_line(&call, format!("{n} agent(s)"));
        match call.outcome {
            Ok(reply) => {
                let n = reply.body.results.len();
                all.extend(reply.body.results);
                if !reply.body.has_more || n == 0 {
                    break;
                }
            }
            Err(e) => {
                inner.send(Action::AgentsListed {
                    agents: Err(e.to_string()),
                    availability: None,
                });
                return;
            }
        }
    }
    let availability = inner
        .client
        .availability(&AvailabilityRequest::default(), Priority::Poll)
        .await;
    inner.usage();
    let n = availability
        .outcome
        .as_ref()
        .map(|r| r.body.iter().count())
        .unwrap_or(0);
    inner.poll_line(&availability, format!("availability of {n} agent(s)"));
    let availability = match availability.outcome {
        Ok(r) => Some(r.body),
        Err(e) => {
            inner.send(Action::Note {
                error: true,
                text: format!("agent availability: {e}"),
            });
            None
        }
    };
    inner.send(Action::AgentsListed {
        agents: Ok(all),
        availability,
    });
}
