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

use crate::app::{Action, ConversationPage, Effect, PollGroup, PollPlan, ReplyInfo};
use crate::domain::Event;
use crate::kore::client::{self, CallError, KoreClient};
use crate::kore::hooks::{self, EventContext};
use crate::kore::ratelimit::Priority;
use crate::kore::wire::{
    AssignRequest, AssignTarget, AvailabilityRequest, ConversationQuery, QueueRecord,
    QueueSizeRequest, is_finished_status,
};
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::{Journal, Record};
use crate::runtime::journal_writer::JournalWriter;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

mod details;

/// Tries per hooks request before it counts as failed, unless configured.
pub const MAX_ATTEMPTS: u32 = 6;
/// Conversations asked for per page (the most the API gives).
const PAGE_SIZE: u32 = 100;
/// The most pages one sweep of a status group reads (100,000
/// conversations, what the console keeps in all): a server whose pages
/// never end cannot hold a sweep open forever.
const MAX_SWEEP_PAGES: u32 = 1_000;
/// Reads of list-conversations a round makes at most when the account has
/// no rate limit (100,000 conversations).
const UNLIMITED_PAGES_PER_ROUND: u32 = 1_000;
/// The round of the conversations poll when polling is off (`:refresh`).
const DEFAULT_ROUND: Duration = Duration::from_secs(10);
/// Pages of list-agents read per poll.
const MAX_AGENT_PAGES: u32 = 10;
/// queue-size requests per round of the queue poll at most: with more
/// queues than this, each round takes the next ones in turn.
pub const QUEUE_SIZES_PER_ROUND: usize = 6;

/// Where the queue poll stands: the queues to size and whose turn is next.
#[derive(Debug, Default)]
struct QueueRound {
    ids: Vec<String>,
    next: usize,
    /// When list-queues last answered.
    listed_at: Option<std::time::Instant>,
}

impl QueueRound {
    /// The next queues to size, up to [`QUEUE_SIZES_PER_ROUND`], in turn.
    fn take(&mut self) -> Vec<String> {
        let n = self.ids.len();
        if n == 0 {
            return Vec::new();
        }
        let take = n.min(QUEUE_SIZES_PER_ROUND);
        let start = self.next % n;
        let out = (0..take)
            .map(|i| self.ids[(start + i) % n].clone())
            .collect();
        self.next = (start + take) % n;
        out
    }
}

/// Where the conversations poll stands in each group of statuses.
#[derive(Debug, Default)]
struct ConvPoll {
    /// Reads made so far: the next one is `seq + 1`.
    seq: u64,
    groups: [GroupRead; 2],
    /// How long the latest round took.
    last_round: Duration,
}

/// One group's place in its sweep.
#[derive(Debug, Default, Clone)]
struct GroupRead {
    /// Where the next read starts.
    skip: u32,
    /// The first read of the sweep under way.
    sweep_from: Option<u64>,
    /// Pages a sweep takes: from Kore's `totalResults`, or as the latest
    /// sweep read them.
    pages: Option<u32>,
    /// The ids of the sweep's previous page: the same page again at a
    /// later `skip` is a server that ignores `skip`.
    last_page: Vec<String>,
}

/// How often the polls run, for the plan's arithmetic.
#[derive(Debug, Clone, Copy)]
struct PollTiming {
    conversations: Duration,
    agents: Option<Duration>,
}

/// One request waiting in a conversation's queue.
#[derive(Debug, Clone)]
pub struct Job {
    pub req_id: String,
    pub conversation: String,
    pub work: Work,
    /// Its planning record (`Request` or `Assign`) is in the journal. When
    /// the journal could not be written, the worker tries again before
    /// sending, and does not send until it succeeds.
    pub journaled: bool,
}

/// What a queued request does.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// One hooks event.
    Hook {
        event: Event,
        ctx: EventContext,
        /// What the supervisor asked for, for the journal.
        action: String,
    },
    /// assign-conversation with a callback on the runner's listener.
    Assign {
        session: String,
        target: AssignTarget,
        /// The agent's name, or "queue Q", for the journal.
        target_name: String,
        summary: String,
        /// A scripted assign names only a bot session: its queue is keyed by
        /// the session, and the journal ties it to no conversation.
        by_session: bool,
    },
}

impl Job {
    /// The journal line that plans this request.
    fn record(&self) -> Record {
        match &self.work {
            Work::Hook { event, ctx, action } => Record::Request {
                id: self.req_id.clone(),
                at_ms: now_ms(),
                conversation: self.conversation.clone(),
                event: event.clone(),
                experience: ctx.experience.clone(),
                language: ctx.language.clone(),
                action: action.clone(),
            },
            Work::Assign {
                session,
                target,
                target_name,
                by_session,
                ..
            } => Record::Assign {
                id: self.req_id.clone(),
                at_ms: now_ms(),
                session: session.clone(),
                target: match target {
                    AssignTarget::Agent(a) => format!("agent:{a}"),
                    AssignTarget::Queue(q) => format!("queue:{q}"),
                },
                conversation: (!by_session).then(|| self.conversation.clone()),
                text: Some(format!("assign → {target_name}")),
            },
        }
    }
}

/// A planning record handed to the journal writer: the worker waits for
/// it before it sends.
type Planned = Option<tokio::sync::oneshot::Receiver<std::io::Result<()>>>;

enum Msg {
    Job(Job, Planned),
    /// A request restored from the journal with a failed or unknown fate: it
    /// blocks the queue until the supervisor resends or drops it.
    Blocked(Job),
    Resend,
    Drop,
    /// Drop these requests, failed or queued.
    DropIds(Vec<String>),
    /// Write an outcome the journal refused, if one is owed; answers with
    /// its request id when it still cannot be written.
    Settle(tokio::sync::oneshot::Sender<Option<String>>),
}

/// An outcome the journal did not take (a full disk): kept in memory and
/// written again before anything else of its conversation moves, so that
/// a request Kore answered is never taken for one of unknown fate.
struct Owed {
    record: Record,
    /// The writer's answer, when it was handed over without waiting.
    ack: Planned,
}

impl Owed {
    fn id(&self) -> String {
        self.record.id().unwrap_or_default().to_string()
    }
}

/// Writes an owed outcome: the answer of its first write if that went
/// through, else it is written again.
async fn settle(inner: &Inner, owed: &mut Owed) -> std::io::Result<()> {
    if let Some(ack) = owed.ack.take()
        && let Ok(Ok(())) = ack.await
    {
        return Ok(());
    }
    inner.journal(owed.record.clone()).await
}

pub use crate::app::restore::DROPPED;

/// The job a sending effect asks for (not yet journaled).
fn job_of(effect: Effect) -> Option<Job> {
    let (req_id, conversation, work) = match effect {
        Effect::SendEvent {
            req_id,
            conversation,
            event,
            ctx,
            action,
        } => (req_id, conversation, Work::Hook { event, ctx, action }),
        Effect::Assign {
            req_id,
            conversation,
            session,
            target,
            target_name,
            summary,
        } => (
            req_id,
            conversation,
            Work::Assign {
                session,
                target,
                target_name,
                summary,
                by_session: false,
            },
        ),
        _ => return None,
    };
    Some(Job {
        req_id,
        conversation,
        work,
        journaled: false,
    })
}

/// Shared by the runner and its tasks.
struct Inner {
    client: KoreClient,
    tx: mpsc::UnboundedSender<Action>,
    journal: Option<JournalWriter>,
    /// Where assign callbacks come; none for a runner that only sends
    /// hooks events (`switchboard send`).
    listener: Option<Arc<CallbackListener>>,
    host_label: String,
    /// Settable at any time (tasks read it per request).
    max_attempts: std::sync::atomic::AtomicU32,
    /// Retry hooks requests whose earlier try may have arrived.
    retry_uncertain: std::sync::atomic::AtomicBool,
    /// Hooks requests hand `Sent` to the writer behind their planning
    /// record before waiting for either, and do not wait for a delivered
    /// outcome (see [`Runner::with_pipelined_journal`]).
    pipelined_journal: std::sync::atomic::AtomicBool,
    /// The queue poll's rotation.
    queue_round: std::sync::Mutex<QueueRound>,
    /// The conversations poll's place; held for a whole round, so that a
    /// `:refresh` during one waits for it.
    conv_poll: tokio::sync::Mutex<ConvPoll>,
    poll_timing: std::sync::Mutex<PollTiming>,
    /// Pages the latest agents poll read.
    agent_pages: std::sync::atomic::AtomicU32,
}

impl Inner {
    fn max_attempts(&self) -> u32 {
        self.max_attempts.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn retry_uncertain(&self) -> bool {
        self.retry_uncertain
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn pipelined_journal(&self) -> bool {
        self.pipelined_journal
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Inner {
    fn send(&self, action: Action) {
        // The receiver only goes away when the console quits.
        let _ = self.tx.send(action);
    }

    /// Has the writer put one record on disk and waits for it. A failure
    /// is logged and shown; callers that are about to send something do not
    /// send when it fails.
    async fn journal(&self, record: Record) -> std::io::Result<()> {
        let Some(j) = &self.journal else {
            return Ok(());
        };
        let result = j.append(record).await;
        self.report(result)
    }

    /// Shows a failed journal write.
    fn report(&self, result: std::io::Result<()>) -> std::io::Result<()> {
        result.inspect_err(|e| {
            tracing::error!(error = %e, "journal write failed");
            let _ = self.tx.send(Action::Note {
                error: true,
                text: format!("journal write failed: {e}"),
            });
        })
    }

    /// Hands a record to the writer without waiting (the loop's side); a
    /// failure is still shown.
    fn journal_later(self: &Arc<Self>, record: Record) {
        let Some(j) = &self.journal else {
            return;
        };
        let done = j.submit(record);
        let inner = self.clone();
        tokio::spawn(async move {
            let result = done
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("the journal writer has stopped")));
            let _ = inner.report(result);
        });
    }

    /// Waits for a job's planning record, or writes it again if that
    /// failed. Nothing is sent before it is on disk.
    async fn ensure_journaled(&self, job: &mut Job) -> Result<(), CallError> {
        if !job.journaled {
            self.journal(job.record()).await.map_err(not_journaled)?;
            job.journaled = true;
        }
        Ok(())
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
                "{} {}{}{result}",
                call.request.method,
                call.request.path,
                crate::app::log::POLL_MARK
            ),
        });
    }

    fn usage(&self) {
        let u = self.client.limiter().usage();
        self.send(Action::RateUsage {
            used: u.used,
            limit: u.limit,
            blocked_ms: u.blocked_for.map(|d| d.as_millis() as u64),
        });
    }
}

/// The reply summary the state keeps from a successful call.
pub fn reply_info<T: serde::Serialize>(reply: &client::Reply<T>) -> ReplyInfo {
    ReplyInfo {
        status: reply.status,
        latency_ms: reply.latency_ms,
        body: reply.body_summary.clone(),
        response: serde_json::to_value(&reply.body).unwrap_or_default(),
    }
}

/// The summary of a hooks request, as the log and `switchboard send` show it.
pub fn hooks_summary(event: &Event, conversation: &str) -> String {
    format!("{} ({conversation})", event.describe())
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Nothing is sent that the journal does not hold first.
fn not_journaled(e: std::io::Error) -> CallError {
    let then = if e.kind() == std::io::ErrorKind::StorageFull {
        "free the disk, then r sends it"
    } else {
        "once the journal can be written, r sends it"
    };
    CallError::Local(format!("{NOT_JOURNALED} ({e}); {then}"))
}

/// How a request that was not sent because the journal refused a record
/// begins its error (`send --batch` stops reading on it).
pub const NOT_JOURNALED: &str = "not sent: the journal could not be written";

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
        Self::build(client, tx, journal, Some(listener))
    }

    /// A runner with no callback listener, for hooks events only: an assign
    /// handed to it fails without being sent.
    pub fn without_listener(
        client: KoreClient,
        tx: mpsc::UnboundedSender<Action>,
        journal: Option<Journal>,
    ) -> Self {
        Self::build(client, tx, journal, None)
    }

    fn build(
        client: KoreClient,
        tx: mpsc::UnboundedSender<Action>,
        journal: Option<Journal>,
        listener: Option<Arc<CallbackListener>>,
    ) -> Self {
        let host_label = client.host().trim_end_matches('/').to_string();
        let journal = journal.map(JournalWriter::spawn);
        if let (Some(listener), Some(journal)) = (&listener, &journal) {
            // Each callback is on disk before the listener answers it.
            listener.journal_to(journal.clone());
        }
        Runner {
            inner: Arc::new(Inner {
                client,
                tx,
                journal,
                listener,
                host_label,
                max_attempts: std::sync::atomic::AtomicU32::new(MAX_ATTEMPTS),
                retry_uncertain: std::sync::atomic::AtomicBool::new(true),
                pipelined_journal: std::sync::atomic::AtomicBool::new(false),
                queue_round: Default::default(),
                conv_poll: Default::default(),
                poll_timing: std::sync::Mutex::new(PollTiming {
                    conversations: DEFAULT_ROUND,
                    agents: None,
                }),
                agent_pages: std::sync::atomic::AtomicU32::new(1),
            }),
            queues: HashMap::new(),
        }
    }

    /// Sets how many times a request is tried in all; it holds for every
    /// request that starts after it, also once the runner runs.
    pub fn with_max_attempts(self, attempts: u32) -> Self {
        self.inner
            .max_attempts
            .store(attempts.max(1), std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// Sets whether hooks requests whose earlier try may have arrived are
    /// tried again (from the next request on).
    pub fn with_retry_uncertain(self, retry: bool) -> Self {
        self.inner
            .retry_uncertain
            .store(retry, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// Lets hooks requests wait on fewer fsyncs (`send --batch`): `Sent` is
    /// handed to the writer right behind the planning record and both are
    /// awaited before the request leaves, so one fsync often covers both; a
    /// delivered outcome is handed over without waiting, and the next record
    /// of the conversation, written after it, is not acknowledged before it
    /// is on disk. A crash before that fsync leaves the request unknown in
    /// the journal (never taken for unsent). Off for the console.
    pub fn with_pipelined_journal(self, on: bool) -> Self {
        self.inner
            .pipelined_journal
            .store(on, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// The account's rate limiter, shared with the client.
    pub fn limiter(&self) -> &Arc<crate::kore::ratelimit::RateLimiter> {
        self.inner.client.limiter()
    }

    pub fn host(&self) -> &str {
        &self.inner.host_label
    }

    /// The client every request goes through.
    pub fn client(&self) -> &KoreClient {
        &self.inner.client
    }

    /// Queues a request as [`Runner::run`] does for a sending effect: its
    /// planning record to the writer, the request behind its queue's earlier
    /// ones. For requests no `Effect` describes (a scripted assign by
    /// session, to a queue).
    pub fn submit(&mut self, job: Job) {
        self.enqueue(job);
    }

    /// Hands a new request's planning record to the journal writer (the
    /// loop does not wait for the disk) and queues the request behind its
    /// conversation's earlier ones. The worker waits for the record to be on
    /// disk before it sends, and writes it again if that failed.
    fn enqueue(&mut self, mut job: Job) {
        let planned = self.inner.journal.as_ref().map(|j| j.submit(job.record()));
        job.journaled = planned.is_none();
        self.queue_for(&job.conversation)
            .send(Msg::Job(job, planned))
            .ok();
    }

    /// Queues a request that the journal already holds (after a restart):
    /// it is sent in order without being journaled again.
    pub fn requeue(&mut self, job: Job) {
        self.queue_for(&job.conversation)
            .send(Msg::Job(job, None))
            .ok();
    }

    /// Waits until every record handed to the journal so far is on disk
    /// (at quit).
    pub async fn flush_journal(&self) {
        if let Some(j) = &self.inner.journal
            && let Err(e) = j.flush().await
        {
            tracing::error!(error = %e, "journal flush failed");
        }
    }

    /// Writes the outcomes the journal refused before (each conversation
    /// keeps its own in memory) and returns the request ids of those it
    /// still refuses: Kore answered them, so they must not be sent again,
    /// yet a restart will show them unknown. For `send` and batches, once
    /// every request is done.
    pub async fn settle_outcomes(&self) -> Vec<String> {
        let mut waits = Vec::new();
        for q in self.queues.values() {
            let (answer, wait) = tokio::sync::oneshot::channel();
            if q.send(Msg::Settle(answer)).is_ok() {
                waits.push(wait);
            }
        }
        let mut owed = Vec::new();
        for wait in waits {
            if let Ok(Some(id)) = wait.await {
                owed.push(id);
            }
        }
        owed.sort();
        owed
    }

    /// Restores a request whose fate is failed or unknown: it holds its
    /// conversation's queue until `r` resends it or `:drop` drops it.
    pub fn restore_blocked(&mut self, job: Job) {
        self.queue_for(&job.conversation)
            .send(Msg::Blocked(job))
            .ok();
    }

    /// Lets a conversation's worker end once it has nothing left to do
    /// (`send --batch`, when a conversation's last line is done: one worker
    /// per conversation kept for ever made a long batch grow without end).
    /// A later request for it starts a new worker.
    pub fn forget(&mut self, conversation: &str) {
        self.queues.remove(conversation);
    }

    /// `:refresh`: a round of the conversations poll now, unless one runs
    /// (or waits): each press would otherwise queue a whole round of the
    /// budget.
    fn refresh_conversations(&self) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            if inner.conv_poll.try_lock().is_err() {
                inner.send(Action::Note {
                    error: false,
                    text: "refresh: a round of the conversations poll is under way".into(),
                });
                return;
            }
            poll_conversations(&inner).await
        });
    }

    /// `:export`: the lines written off the event loop; the answer names
    /// the full path, so the file can be found whatever the console's
    /// working directory was.
    fn export(&self, path: String, lines: Vec<String>) {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let result = write_export(&path, &lines);
            let full = std::path::absolute(&path)
                .map_or_else(|_| path.clone(), |p| p.display().to_string());
            inner.send(match result {
                Ok(()) => Action::Note {
                    error: false,
                    text: format!("exported {} log line(s) to {full}", lines.len()),
                },
                Err(e) => Action::Note {
                    error: true,
                    text: format!("export to {path} failed: {e}"),
                },
            });
        });
    }

    /// Conversations that have a worker.
    pub fn workers(&self) -> usize {
        self.queues.len()
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
            Effect::Requeue { send, blocked } => {
                let Some(mut job) = job_of(*send) else {
                    return;
                };
                job.journaled = true;
                if blocked {
                    self.restore_blocked(job);
                } else {
                    self.requeue(job);
                }
            }
            send @ (Effect::SendEvent { .. } | Effect::Assign { .. }) => {
                if let Some(job) = job_of(send) {
                    self.enqueue(job);
                }
            }
            Effect::Resend { conversation } => {
                self.queue_for(&conversation).send(Msg::Resend).ok();
            }
            Effect::DropFailed { conversation } => {
                self.queue_for(&conversation).send(Msg::Drop).ok();
            }
            Effect::DropRequests {
                conversation,
                req_ids,
            } => {
                self.queue_for(&conversation)
                    .send(Msg::DropIds(req_ids))
                    .ok();
            }
            Effect::RecordCallback {
                req_id,
                ok,
                summary,
            } => {
                // Shown already; a failed write is reported when it fails.
                self.inner.journal_later(Record::Callback {
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
            Effect::PollConversations => self.refresh_conversations(),
            Effect::PollAgents => {
                let inner = self.inner.clone();
                tokio::spawn(async move { poll_agents(&inner).await });
            }
            Effect::FetchDetails {
                conv_id,
                session,
                why,
            } => {
                let inner = self.inner.clone();
                tokio::spawn(async move { details::fetch(&inner, conv_id, session, why).await });
            }
            Effect::PollQueues => {
                let inner = self.inner.clone();
                tokio::spawn(async move { poll_queues(&inner, Some(Duration::ZERO)).await });
            }
            Effect::Export { path, lines } => self.export(path, lines),
            // The console's own: it rings or stops.
            Effect::Quit | Effect::Suspend | Effect::Bell => {}
        }
    }

    /// Compacts the journal every `every` while the console runs, folding
    /// ended conversations older than `keep` (start-up compacts too). The
    /// journal's lock is held from reading it to renaming the new file, so
    /// no record written meanwhile can be missed.
    pub fn start_compaction(&self, every: Duration, keep: Duration) {
        if self.inner.journal.is_none() {
            return;
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if inner.tx.is_closed() {
                    break;
                }
                let Some(j) = &inner.journal else { break };
                // One more message to the writer: records that come meanwhile
                // wait for it, none is missed.
                match j.compact(keep.as_millis() as i64, now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(folded = n, "journal compacted"),
                    Err(e) => tracing::warn!(error = %e, "journal compaction failed"),
                }
            }
        });
    }

    /// Looks every `every` whether the journal's path still names the file
    /// the writer holds. Once it does not (moved away, replaced, removed),
    /// the writer takes no more records, so nothing more is sent; this says
    /// so once, in the log and the bottom line, and stops looking.
    pub fn start_journal_watch(&self, every: Duration) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if inner.tx.is_closed() {
                    break;
                }
                let Some(j) = &inner.journal else { break };
                if let Err(e) = j.check().await {
                    tracing::error!(error = %e, "journal lost");
                    inner.send(Action::Note {
                        error: true,
                        text: format!("{e}"),
                    });
                    break;
                }
            }
        });
    }

    /// Starts the polling loops (an interval of `None` turns one off). The
    /// queues are polled beside the conversations: each round sizes the next
    /// [`QUEUE_SIZES_PER_ROUND`] queues, and list-queues is read again as
    /// often as the agents are.
    pub fn start_polling(&self, conversations: Option<Duration>, agents: Option<Duration>) {
        *self
            .inner
            .poll_timing
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = PollTiming {
            conversations: conversations.unwrap_or(DEFAULT_ROUND),
            agents,
        };
        if let Some(every) = conversations {
            let inner = self.inner.clone();
            let relist = agents.unwrap_or(every).max(every);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if inner.tx.is_closed() {
                        break;
                    }
                    poll_queues(&inner, Some(relist)).await;
                }
            });
        }
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

/// One conversation's ordered queue. A hooks request that finally fails
/// holds the rest until the supervisor resends or drops it; an assign that
/// fails does not (its outcome comes with its own callback), but it still
/// waits its turn.
async fn conversation_worker(
    inner: Arc<Inner>,
    conversation: String,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    // Each entry says whether it is blocked: a request restored failed or
    // unknown waits for its own `r`, also when it is not the first.
    let mut queue: VecDeque<(Job, bool, Planned)> = VecDeque::new();
    let mut failed: Option<Job> = None;
    let mut owed: Option<Owed> = None;
    loop {
        if failed.is_none()
            && let Some((mut job, blocked, planned)) = queue.pop_front()
        {
            // Pipelined, a hooks request's gate waits for the owed outcome
            // behind its own `Sent` (one fsync for both); else it is
            // written before the request moves at all.
            let deferred = owed.as_ref().is_some_and(|o| o.ack.is_some())
                && inner.pipelined_journal()
                && matches!(job.work, Work::Hook { .. });
            if let Some(o) = owed.as_mut().filter(|_| !deferred) {
                match settle(&inner, o).await {
                    Ok(()) => owed = None,
                    Err(e) => {
                        owes_outcome(&inner, &job, &o.id(), &e);
                        failed = Some(job);
                        hold_rest(&inner, &conversation, &queue);
                        continue;
                    }
                }
            }
            if blocked {
                failed = Some(job);
                continue;
            }
            // Its planning record must be on disk before it goes; when that
            // write failed, the gate writes it again (and does not send
            // without it). Pipelined, the gate waits for it beside `Sent`.
            let mut planned = planned;
            let pipelined = inner.pipelined_journal() && matches!(job.work, Work::Hook { .. });
            if !pipelined && let Some(done) = planned.take() {
                let written = done.await.unwrap_or_else(|_| {
                    Err(std::io::Error::other("the journal writer has stopped"))
                });
                job.journaled = inner.report(written).is_ok();
            }
            let delivered = match &job.work {
                Work::Hook { .. } => deliver(&inner, &mut job, planned, &mut owed).await,
                Work::Assign { .. } => {
                    assign(&inner, &mut job).await;
                    true
                }
            };
            if !delivered {
                failed = Some(job);
                hold_rest(&inner, &conversation, &queue);
            }
            continue;
        }
        match rx.recv().await {
            None => break,
            Some(Msg::Settle(answer)) => {
                let _ = settle_owed(&inner, &mut owed).await;
                let _ = answer.send(owed.as_ref().map(Owed::id));
            }
            Some(Msg::Job(job, planned)) => {
                if failed.is_some() {
                    inner.send(Action::HookHeld {
                        conversation: conversation.clone(),
                        req_ids: vec![job.req_id.clone()],
                    });
                }
                queue.push_back((job, false, planned));
            }
            Some(Msg::Blocked(job)) => queue.push_back((job, true, None)),
            Some(Msg::Resend) => {
                if let Some(job) = failed.take() {
                    queue.push_front((job, false, None));
                }
            }
            Some(Msg::Drop) => {
                if let Some(job) = failed.take() {
                    journal_dropped(&inner, &job).await;
                }
            }
            Some(Msg::DropIds(ids)) => drop_ids(&inner, &ids, &mut failed, &mut queue).await,
        }
    }
}

/// Drops the requests `ids` names, the failed one or queued ones, each
/// journaled as dropped; the rest of the queue goes on.
async fn drop_ids(
    inner: &Inner,
    ids: &[String],
    failed: &mut Option<Job>,
    queue: &mut VecDeque<(Job, bool, Planned)>,
) {
    let mut gone = Vec::new();
    if failed.as_ref().is_some_and(|j| ids.contains(&j.req_id)) {
        gone.extend(failed.take());
    }
    let (drop, keep): (VecDeque<_>, VecDeque<_>) = queue
        .drain(..)
        .partition(|(j, _, _)| ids.contains(&j.req_id));
    *queue = keep;
    gone.extend(drop.into_iter().map(|(j, _, _)| j));
    for job in &gone {
        journal_dropped(inner, job).await;
    }
}

/// Journals a request as dropped by the supervisor. A failed write only
/// means a restart shows it as failed again, to be dropped again.
async fn journal_dropped(inner: &Inner, job: &Job) {
    let _ = inner
        .journal(Record::Outcome {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            ok: false,
            status: None,
            message: DROPPED.into(),
            attempts: 0,
        })
        .await;
}

/// Reports the requests waiting in `queue` as held behind a failure.
fn hold_rest(inner: &Inner, conversation: &str, queue: &VecDeque<(Job, bool, Planned)>) {
    let held: Vec<String> = queue
        .iter()
        .filter(|(_, blocked, _)| !blocked)
        .map(|(j, _, _)| j.req_id.clone())
        .collect();
    if !held.is_empty() {
        inner.send(Action::HookHeld {
            conversation: conversation.to_string(),
            req_ids: held,
        });
    }
}

/// `job` is not sent: the outcome of `before` (answered by Kore) is still
/// owed to the journal, which refused it again with `e`.
fn owes_outcome(inner: &Inner, job: &Job, before: &str, e: &std::io::Error) {
    let outcome = Err(owes_error(before, e));
    match job.work {
        Work::Hook { .. } => inner.send(Action::HookDone {
            req_id: job.req_id.clone(),
            conversation: job.conversation.clone(),
            outcome,
            attempts: 0,
            maybe_arrived: Vec::new(),
        }),
        Work::Assign { .. } => inner.send(Action::AssignDone {
            req_id: job.req_id.clone(),
            conversation: job.conversation.clone(),
            outcome,
            uncertain: false,
            attempts: 0,
        }),
    }
}

fn owes_error(before: &str, e: &std::io::Error) -> CallError {
    CallError::Local(format!(
        "{NOT_JOURNALED} ({e}): it still owes the outcome of {before}, which Kore answered \
         and which is kept in memory, never sent again; once the disk has room, r sends this one"
    ))
}

/// Writes the owed outcome, if any, before a request leaves.
async fn settle_owed(inner: &Inner, owed: &mut Option<Owed>) -> Result<(), CallError> {
    if let Some(o) = owed.as_mut() {
        settle(inner, o)
            .await
            .map_err(|e| owes_error(&o.id(), &e))?;
        *owed = None;
    }
    Ok(())
}

/// Journals `Sent` for a request and, on its first try, reports it as
/// going out: called by the client once the rate limiter has given a slot,
/// right before the bytes leave. A request that waits for a slot and dies
/// there was never sent, and the journal says so.
async fn gate(
    inner: &Inner,
    job: &mut Job,
    attempt: u32,
    line: &str,
    planned: &mut Planned,
    owed: &mut Option<Owed>,
) -> Result<(), CallError> {
    if let Some(done) = planned.take()
        && pipelined_gate(inner, job, attempt, done, owed).await
    {
        settle_owed(inner, owed).await?;
        if attempt == 1 {
            inner.send(Action::RequestSent {
                req_id: job.req_id.clone(),
                conversation: job.conversation.clone(),
                line: line.to_string(),
            });
        }
        return Ok(());
    }
    settle_owed(inner, owed).await?;
    inner.ensure_journaled(job).await?;
    inner
        .journal(Record::Sent {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            attempt,
        })
        .await
        .map_err(not_journaled)?;
    if attempt == 1 {
        inner.send(Action::RequestSent {
            req_id: job.req_id.clone(),
            conversation: job.conversation.clone(),
            line: line.to_string(),
        });
    }
    Ok(())
}

/// The pipelined gate: `Sent` goes to the writer behind the planning record
/// still in flight, then both acks are awaited. True when both are on disk;
/// else the usual gate writes what is missing again (an orphan `Sent` before
/// its planning record is ignored when the journal is read).
async fn pipelined_gate(
    inner: &Inner,
    job: &mut Job,
    attempt: u32,
    planning: tokio::sync::oneshot::Receiver<std::io::Result<()>>,
    owed: &mut Option<Owed>,
) -> bool {
    let gone = || Err(std::io::Error::other("the journal writer has stopped"));
    let sent = inner.journal.as_ref().map(|j| {
        j.submit(Record::Sent {
            id: job.req_id.clone(),
            at_ms: now_ms(),
            attempt,
        })
    });
    // The outcome owed before it went to the writer first: its answer is
    // in by the time `Sent`'s is. Refused, the caller writes it again.
    if let Some(o) = owed.as_mut()
        && let Some(ack) = o.ack.take()
        && let Ok(Ok(())) = ack.await
    {
        *owed = None;
    }
    let planned = planning.await.unwrap_or_else(|_| gone());
    job.journaled = inner.report(planned).is_ok();
    let sent = match sent {
        Some(done) => done.await.unwrap_or_else(|_| gone()),
        None => Ok(()),
    };
    let sent = inner.report(sent).is_ok();
    job.journaled && sent
}

/// Sends one hooks request with retries. True when delivered.
///
/// A try that timed out or broke after it was written may have been applied
/// by Kore: it is remembered, and a later success says which tries may also
/// have arrived. Such a try is retried only when `retry_uncertain` allows;
/// a request that ends without an answer after one is unknown (no outcome is
/// journaled, as after a crash), not failed.
async fn deliver(
    inner: &Arc<Inner>,
    job: &mut Job,
    mut planned: Planned,
    owed: &mut Option<Owed>,
) -> bool {
    let Work::Hook { event, ctx, .. } = &job.work else {
        return false;
    };
    let wire = hooks::to_wire(event, ctx);
    let summary = hooks_summary(event, &job.conversation);
    let line = format!("POST {}  {summary}", inner.client.hooks_path());
    let mut maybe_arrived: Vec<u32> = Vec::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut gate_error = None;
        let call = {
            let job_ref = &mut *job;
            let gate_error = &mut gate_error;
            let planned = &mut planned;
            inner
                .client
                .send_hooks_gated(
                    &job_ref.conversation.clone(),
                    vec![wire.clone()],
                    summary.clone(),
                    Priority::User,
                    async || {
                        gate(inner, job_ref, attempt, &line, planned, owed)
                            .await
                            .inspect_err(|e| {
                                *gate_error = Some(e.clone());
                            })
                    },
                )
                .await
        };
        if let Some(e) = gate_error {
            // Not sent: the journal could not record it.
            inner.send(Action::HookDone {
                req_id: job.req_id.clone(),
                conversation: job.conversation.clone(),
                outcome: Err(e),
                attempts: attempt - 1,
                maybe_arrived,
            });
            return false;
        }
        inner.usage();
        match &call.outcome {
            Ok(reply) => {
                let outcome = Record::Outcome {
                    id: job.req_id.clone(),
                    at_ms: now_ms(),
                    ok: true,
                    status: Some(reply.status),
                    message: reply.body_summary.clone(),
                    attempts: attempt,
                };
                *owed = owe(inner, outcome).await;
                inner.send(Action::HookDone {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    outcome: Ok(reply_info(reply)),
                    attempts: attempt,
                    maybe_arrived,
                });
                return true;
            }
            Err(e)
                if e.retryable()
                    && attempt < inner.max_attempts()
                    && (inner.retry_uncertain() || !e.uncertain()) =>
            {
                if e.uncertain() {
                    maybe_arrived.push(attempt);
                }
                inner.send(Action::HookRetrying {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    attempt,
                    error: if e.uncertain() {
                        format!("{e} (try {attempt} may have arrived)")
                    } else {
                        e.to_string()
                    },
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
                if e.uncertain() {
                    maybe_arrived.push(attempt);
                }
                // With a try that may have arrived, the fate is unknown: the
                // journal keeps no outcome, so a restart says unknown too.
                if maybe_arrived.is_empty() {
                    let outcome = Record::Outcome {
                        id: job.req_id.clone(),
                        at_ms: now_ms(),
                        ok: false,
                        status: e.status(),
                        message: e.to_string(),
                        attempts: attempt,
                    };
                    *owed = owe(inner, outcome).await;
                }
                inner.send(Action::HookDone {
                    req_id: job.req_id.clone(),
                    conversation: job.conversation.clone(),
                    outcome: Err(e.clone()),
                    attempts: attempt,
                    maybe_arrived,
                });
                return false;
            }
        }
    }
}

/// Hands an outcome to the journal: pipelined without waiting (the ack is
/// kept), else waited for. What the journal did not take is owed.
async fn owe(inner: &Arc<Inner>, outcome: Record) -> Option<Owed> {
    let j = inner.journal.as_ref()?;
    if inner.pipelined_journal() {
        let ack = j.submit(outcome.clone());
        return Some(Owed {
            record: outcome,
            ack: Some(ack),
        });
    }
    match inner.journal(outcome.clone()).await {
        Ok(()) => None,
        Err(_) => Some(Owed {
            record: outcome,
            ack: None,
        }),
    }
}

/// Sends one assign-conversation request. Its callback comes to the
/// listener later, matched by the request id in the callback URL.
///
/// Only failures that say the request was not carried out (a refused
/// connection, a 429, a 5xx) are retried. After a timeout or a broken
/// connection Kore may have taken it, and a second assign could give the
/// conversation to two agents: it is marked unknown for the supervisor.
async fn assign(inner: &Inner, job: &mut Job) {
    let Work::Assign {
        session,
        target,
        summary,
        ..
    } = job.work.clone()
    else {
        return;
    };
    let (req_id, conversation) = (job.req_id.clone(), job.conversation.clone());
    let Some(listener) = &inner.listener else {
        inner.send(Action::AssignDone {
            req_id,
            conversation,
            outcome: Err(CallError::Local(
                "not sent: no callback listener to hear its answer".into(),
            )),
            uncertain: false,
            attempts: 0,
        });
        return;
    };
    let request = AssignRequest::new(
        listener.url_for(&req_id),
        inner.client.org_id(),
        &session,
        &target,
    );
    let line = format!(
        "POST {}  {summary} (callback {})",
        inner.client.assign_path(),
        listener.display_address()
    );
    let mut attempt = 0;
    let (call, gate_error) = loop {
        attempt += 1;
        let mut gate_error = None;
        let call = {
            let job_ref = &mut *job;
            let gate_error = &mut gate_error;
            inner
                .client
                .assign_gated(&request, summary.clone(), Priority::User, async || {
                    gate(inner, job_ref, attempt, &line, &mut None, &mut None)
                        .await
                        .inspect_err(|e| {
                            *gate_error = Some(e.clone());
                        })
                })
                .await
        };
        inner.usage();
        match &call.outcome {
            Err(e)
                if gate_error.is_none()
                    && e.retryable()
                    && !e.uncertain()
                    && attempt < inner.max_attempts() =>
            {
                let wait = client::backoff(
                    attempt - 1,
                    Duration::from_millis(250),
                    Duration::from_secs(15),
                );
                let wait = e.retry_after().map_or(wait, |ra| ra.max(wait));
                tracing::info!(attempt, ?wait, error = %e, "retrying assign");
                tokio::time::sleep(wait).await;
            }
            _ => break (call, gate_error),
        }
    };
    let outcome: Result<_, CallError> = call.outcome.as_ref().map(reply_info).map_err(Clone::clone);
    let uncertain = matches!(&outcome, Err(e) if e.uncertain());
    // Not journaled when it never left (the gate failed), nor when it may
    // have arrived (no outcome: a restart shows it unknown as well).
    if gate_error.is_none() && !uncertain {
        let _ = inner
            .journal(Record::Outcome {
                id: req_id.clone(),
                at_ms: now_ms(),
                ok: outcome.is_ok(),
                status: match &outcome {
                    Ok(r) => Some(r.status),
                    Err(e) => e.status(),
                },
                message: match &outcome {
                    Ok(r) => r.body.clone(),
                    Err(e) => e.to_string(),
                },
                attempts: attempt,
            })
            .await;
    }
    inner.send(Action::AssignDone {
        req_id,
        conversation,
        outcome,
        uncertain,
        attempts: if gate_error.is_some() {
            attempt - 1
        } else {
            attempt
        },
    });
}

/// One round of the conversations poll plan. Only live statuses are asked
/// for, in two groups: the waiting ones (OPEN, OVERDUE) first, every page
/// of them (up to all but one of the round's reads), then the next page(s)
/// of the rest (ACTIVE, IDLE) in rotation, as many as the round's share of
/// the limit allows (see [`round_budget`]). Each page is reported as it
/// comes, with the sweep it ends, if any; the round ends with the plan:
/// how long it takes until every live conversation has been read.
async fn poll_conversations(inner: &Inner) {
    let mut poll = inner.conv_poll.lock().await;
    let started = std::time::Instant::now();
    let (budget, interval) = round_budget(inner);
    // A read is kept for the rest, unless a sweep found none of them.
    let rest_empty = poll.groups[PollGroup::Rest.index()].pages == Some(0);
    let waiting_cap = if rest_empty || budget < 2 {
        budget
    } else {
        budget - 1
    };
    let mut error = None;
    let mut used = 0;
    match read_group(inner, &mut poll, PollGroup::Waiting, waiting_cap).await {
        Ok(n) => used += n,
        Err(e) => error = Some(e),
    }
    if error.is_none() {
        let left = budget.saturating_sub(used).max(1);
        if let Err(e) = read_group(inner, &mut poll, PollGroup::Rest, left).await {
            error = Some(e);
        }
    }
    poll.last_round = started.elapsed();
    let round = interval.max(poll.last_round);
    let plan = make_plan(&poll.groups, budget, waiting_cap, round);
    drop(poll);
    inner.send(Action::PollRound { plan, error });
}

/// Reads of list-conversations a round may make: the polls' share of the
/// limit (the limit less the reserve for actions) over one round, less
/// what the other polls take in a round (queue sizes, and the agents' and
/// queues' lists spread over their interval); at least one.
fn round_budget(inner: &Inner) -> (u32, Duration) {
    let timing = *inner.poll_timing.lock().unwrap_or_else(|e| e.into_inner());
    let round = timing.conversations;
    let limiter = inner.client.limiter();
    if limiter.limit() == 0 {
        return (UNLIMITED_PAGES_PER_ROUND, round);
    }
    let share = f64::from(limiter.limit() - limiter.reserve());
    let per_round = share * round.as_secs_f64() / limiter.window().as_secs_f64();
    // Until list-queues has answered, as many queue sizes as a round
    // may take: the plan promises no more than it can keep.
    let queues = {
        let round = inner.queue_round.lock().unwrap_or_else(|e| e.into_inner());
        if round.listed_at.is_none() {
            QUEUE_SIZES_PER_ROUND
        } else {
            round.ids.len().min(QUEUE_SIZES_PER_ROUND)
        }
    } as f64;
    let spread = |reads: f64, every: Duration| reads * round.as_secs_f64() / every.as_secs_f64();
    let mut others = queues;
    if let Some(every) = timing.agents.filter(|d| !d.is_zero()) {
        let pages = inner.agent_pages.load(std::sync::atomic::Ordering::Relaxed);
        // The agents' pages and availability.
        others += spread(f64::from(pages) + 1.0, every);
    }
    // list-queues, as often as the agents (at least every round).
    let relist = timing.agents.unwrap_or(round).max(round);
    others += spread(1.0, relist);
    ((per_round - others).floor().max(1.0) as u32, round)
}

/// The plan from what the groups' sweeps take and the round's reads.
fn make_plan(groups: &[GroupRead; 2], budget: u32, waiting_cap: u32, round: Duration) -> PollPlan {
    let pages = [0, 1].map(|i| groups[i].pages.unwrap_or(1));
    let waiting_cap = waiting_cap.max(1);
    let waiting_rounds = pages[0].div_ceil(waiting_cap);
    let rest_per_round = budget.saturating_sub(pages[0].min(waiting_cap)).max(1);
    let rest_rounds = pages[1].div_ceil(rest_per_round);
    let rounds = waiting_rounds.max(rest_rounds).max(1);
    let round_ms = round.as_millis() as u64;
    PollPlan {
        round_ms,
        pages_per_round: budget,
        pages,
        waiting_cap,
        rounds,
        full_ms: round_ms.saturating_mul(u64::from(rounds)),
    }
}

/// Reads up to `max_pages` pages of one group from where its sweep
/// stands, and stops at the sweep's end. Returns the reads made, or the
/// error of the one that failed (its sweep goes on from that page next
/// round). A page longer than asked for is cut to the page size and
/// closed conversations that come anyway are left out (and reported as
/// closed), both said in the poll's line.
async fn read_group(
    inner: &Inner,
    poll: &mut ConvPoll,
    group: PollGroup,
    max_pages: u32,
) -> Result<u32, String> {
    let i = group.index();
    for n in 1..=max_pages {
        poll.seq += 1;
        let seq = poll.seq;
        let at = &mut poll.groups[i];
        let from = *at.sweep_from.get_or_insert(seq);
        let skip = at.skip;
        let query = ConversationQuery {
            skip: Some(skip),
            limit: Some(PAGE_SIZE),
            statuses: group.statuses().iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let call = inner
            .client
            .list_conversations(&query, Priority::Poll)
            .await;
        inner.usage();
        let mut notes = Vec::new();
        let call = call.map(|mut body| {
            let got = body.results.len();
            if got > PAGE_SIZE as usize {
                body.results.truncate(PAGE_SIZE as usize);
                notes.push(format!(
                    "{got} returned for limit={PAGE_SIZE}, {PAGE_SIZE} kept"
                ));
            }
            let (closed, live): (Vec<_>, Vec<_>) = std::mem::take(&mut body.results)
                .into_iter()
                .partition(|r| r.status.as_deref().is_some_and(is_finished_status));
            if !closed.is_empty() {
                notes.push(format!("{} closed left out", closed.len()));
            }
            body.results = live;
            (body, got, closed)
        });
        let n_live = call
            .outcome
            .as_ref()
            .map(|r| r.body.0.results.len())
            .unwrap_or(0);
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        inner.poll_line(
            &call,
            format!("{n_live} {} conversation(s){notes}", group.label()),
        );
        let (body, got, closed) = match call.outcome {
            Ok(reply) => reply.body,
            Err(e) => return Err(e.to_string()),
        };
        let cut = got > PAGE_SIZE as usize;
        let got = (got as u32).min(PAGE_SIZE);
        let total = body.total_results.and_then(|t| u64::try_from(t).ok());
        // The end of the sweep: an empty page; or hasMore says no more and
        // totalResults, if given, agrees (an answer without hasMore reads it
        // as false, so a larger total reads on); or the total is reached on
        // a page shorter than asked for (Kore's docs show `hasMore: true`
        // beside a total that is reached). A sweep that never ends
        // (hasMore always true, skip ignored) stops at MAX_SWEEP_PAGES,
        // said in the log. Never a page that was cut.
        let read = u64::from(skip) + u64::from(got);
        let reached = total.is_some_and(|t| read >= t);
        let full_stop =
            (!body.has_more && (total.is_none() || reached)) || (reached && got < PAGE_SIZE);
        let ids: Vec<String> = body.results.iter().filter_map(|r| r.id.clone()).collect();
        let at = &mut poll.groups[i];
        let repeated = skip > 0 && !ids.is_empty() && ids == at.last_page;
        at.last_page = ids;
        let too_long = repeated || skip / PAGE_SIZE + 1 >= MAX_SWEEP_PAGES;
        if too_long {
            let why = if repeated {
                format!("skip={skip} answered the same page as the one before it")
            } else {
                format!("they still say there is more after {MAX_SWEEP_PAGES} pages")
            };
            inner.send(Action::Note {
                error: true,
                text: format!(
                    "poll: the {} conversations: {why}; the sweep ends there",
                    group.label()
                ),
            });
        }
        let end = too_long || got == 0 || (!cut && full_stop);
        let at = &mut poll.groups[i];
        if let Some(t) = total {
            at.pages = Some(u32::try_from(t.div_ceil(u64::from(PAGE_SIZE))).unwrap_or(u32::MAX));
        } else if end {
            at.pages = Some(skip / PAGE_SIZE + u32::from(got > 0));
        }
        if end {
            at.skip = 0;
            at.sweep_from = None;
            at.last_page.clear();
        } else {
            at.skip = skip.saturating_add(got);
        }
        inner.send(Action::ConversationsPage(Box::new(ConversationPage {
            group,
            seq,
            skip,
            records: body.results,
            closed: closed
                .into_iter()
                .filter_map(|r| {
                    let status = r.status.clone().unwrap_or_default();
                    r.hooks_id().map(|id| (id.to_string(), status))
                })
                .collect(),
            total,
            sweep_from: end.then_some(from),
            cut: too_long,
        })));
        if end {
            return Ok(n);
        }
    }
    Ok(max_pages)
}

/// One round of the queue poll: list-queues when the list is older than
/// `relist` (or never read), then queue-size for the next queues in turn.
/// Everything at poll priority: the supervisor's actions go first and keep
/// their share of the limit.
async fn poll_queues(inner: &Inner, relist: Option<Duration>) {
    let stale = {
        let round = inner.queue_round.lock().unwrap_or_else(|e| e.into_inner());
        round.ids.is_empty()
            || round
                .listed_at
                .zip(relist)
                .is_none_or(|(at, every)| at.elapsed() >= every)
    };
    if stale {
        // Page by page as `KoreClient::list_all_queues` reads them (its
        // async closure cannot move to a spawned task).
        let mut items = Vec::new();
        let mut kept = KeptQueues::default();
        let mut truncated = true;
        for page in 1..=client::MAX_QUEUE_PAGES {
            let call = inner.client.list_queues(page, Priority::Poll).await;
            inner.usage();
            let n = call
                .outcome
                .as_ref()
                .map(|r| r.body.results.len())
                .unwrap_or(0);
            inner.poll_line(&call, format!("{n} queue(s)"));
            match call.outcome {
                Ok(reply) => {
                    let more = client::more_pages(&reply.body, page);
                    kept.add(&mut items, reply.body.results);
                    if !more {
                        truncated = false;
                        break;
                    }
                }
                Err(e) => {
                    inner.send(Action::QueuesListed {
                        result: Err(e.to_string()),
                    });
                    return;
                }
            }
        }
        if truncated {
            inner.send(Action::Note {
                error: true,
                text: format!(
                    "queue list partial: the first {} read; Kore says there are more",
                    items.len()
                ),
            });
        }
        {
            let mut round = inner.queue_round.lock().unwrap_or_else(|e| e.into_inner());
            round.ids = kept.ids;
            round.listed_at = Some(std::time::Instant::now());
        }
        inner.send(Action::QueuesListed { result: Ok(items) });
    }
    let turn = inner
        .queue_round
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let filters = QueueSizeRequest::default();
    for queue_id in turn {
        let call = inner
            .client
            .queue_size(&queue_id, &filters, Priority::Poll)
            .await;
        inner.usage();
        let figures = call
            .outcome
            .as_ref()
            .ok()
            .and_then(|r| r.body.for_queue(&queue_id))
            .map(|q| {
                format!(
                    "{} waiting, {} engaged",
                    q.waiting.map_or("?".into(), |n| n.to_string()),
                    q.engaged.map_or("?".into(), |n| n.to_string())
                )
            })
            .unwrap_or_else(|| "no figures".into());
        inner.poll_line(&call, format!("queue size: {figures}"));
        let result = match call.outcome {
            Ok(reply) => Ok(reply.body.for_queue(&queue_id).cloned()),
            Err(e) => Err(e.to_string()),
        };
        inner.send(Action::QueueSized { queue_id, result });
    }
}

/// The queues of one listing as they are read: the first
/// [`crate::app::state::MAX_QUEUES`] active ones whole, the rest cut to their id
/// (the console only counts them), so that a listing of 200,000 queues
/// holds little more than their ids.
#[derive(Debug, Default)]
struct KeptQueues {
    /// The kept queues' ids, in order (the queue-size turn).
    ids: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl KeptQueues {
    fn add(&mut self, items: &mut Vec<QueueRecord>, page: Vec<QueueRecord>) {
        for mut q in page {
            let active = !q.id.is_empty() && q.is_active != Some(false);
            if !active || !self.seen.insert(q.id.clone()) {
                continue;
            }
            if self.ids.len() < crate::app::state::MAX_QUEUES {
                self.ids.push(q.id.clone());
            } else {
                q = QueueRecord {
                    id: q.id,
                    is_active: q.is_active,
                    ..QueueRecord::default()
                };
            }
            items.push(q);
        }
    }
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
                inner
                    .agent_pages
                    .store(page, std::sync::atomic::Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgentRef;
    use crate::kore::client::ClientSettings;
    use crate::runtime::journal::{self, RequestFate};
    use crate::sim::{self, SimConfig};

    #[test]
    fn an_assigns_journal_record_names_its_target_kind() {
        for (target, want) in [
            (AssignTarget::Agent("a-1".into()), "agent:a-1"),
            (AssignTarget::Queue("qu-1".into()), "queue:qu-1"),
        ] {
            let job = job_of(Effect::Assign {
                req_id: "r-1".into(),
                conversation: "c-1".into(),
                session: "s-1".into(),
                target,
                target_name: "Billing".into(),
                summary: "assign".into(),
            })
            .unwrap();
            let Record::Assign { target, text, .. } = job.record() else {
                panic!("not an assign record")
            };
            assert_eq!(target, want);
            assert_eq!(text.as_deref(), Some("assign → Billing"));
        }
    }

    #[test]
    fn the_queue_round_takes_each_queue_in_turn() {
        let mut round = QueueRound {
            ids: (0..QUEUE_SIZES_PER_ROUND + 2)
                .map(|i| format!("q{i}"))
                .collect(),
            ..QueueRound::default()
        };
        let first = round.take();
        let second = round.take();
        assert_eq!(first.len(), QUEUE_SIZES_PER_ROUND);
        assert_eq!(first[0], "q0");
        assert_eq!(second[0], format!("q{QUEUE_SIZES_PER_ROUND}"));
        let mut seen: Vec<String> = first.into_iter().chain(second).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(
            seen.len(),
            QUEUE_SIZES_PER_ROUND + 2,
            "every queue within two rounds"
        );
        assert!(QueueRound::default().take().is_empty());
    }

    async fn next_done(rx: &mut mpsc::UnboundedReceiver<Action>) -> (String, Result<(), String>) {
        loop {
            let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("an outcome within 10 s")
                .expect("the runner is alive");
            if let Action::HookDone {
                req_id, outcome, ..
            } = got
            {
                return (req_id, outcome.map(|_| ()).map_err(|e| e.to_string()));
            }
        }
    }

    async fn simulator_and_client() -> (sim::SimHandle, KoreClient) {
        let mut cfg = SimConfig::demo();
        cfg.traffic = false;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sim = sim::start(cfg, listener).await.unwrap();
        let client = KoreClient::new(&ClientSettings {
            jwt_ttl_secs: None,
            rate_limit_per_minute: 0,
            hooks_rate_limit_per_minute: None,
            reserved_for_actions_per_minute: None,
            request_timeout: Duration::from_secs(5),
            ..sim.client_settings()
        })
        .unwrap();
        (sim, client)
    }

    /// A runner writing to `journal`, with a callback listener on loopback.
    async fn journaled_runner(
        client: KoreClient,
        journal: Journal,
    ) -> (Runner, mpsc::UnboundedReceiver<Action>) {
        let (listener, _callbacks) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
            .await
            .unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Runner::new(client, tx, Some(journal), Arc::new(listener)),
            rx,
        )
    }

    fn send(runner: &mut Runner, conversation: &str, id: &str, event: Event) {
        runner.run(Effect::SendEvent {
            req_id: id.into(),
            conversation: conversation.into(),
            event,
            ctx: EventContext::default(),
            action: "test".into(),
        })
    }

    /// Issue 18.12: a batch of 20,000 conversations kept 20,000 workers
    /// (and their queues) to the end. A forgotten one ends once its queue
    /// is empty, and holds nothing of the runner's any more.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_forgotten_conversation_lets_its_worker_end() {
        let (_sim, client) = simulator_and_client().await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut runner = Runner::without_listener(client, tx, None);
        let mia = AgentRef::new("a-1", "Mia");
        for i in 0..50 {
            send(
                &mut runner,
                &format!("c-{i}"),
                &format!("r-{i}"),
                Event::na_entry(mia.clone()),
            );
        }
        assert_eq!(runner.workers(), 50);
        for _ in 0..50 {
            assert!(next_done(&mut rx).await.1.is_ok());
        }
        for i in 0..50 {
            runner.forget(&format!("c-{i}"));
        }
        assert_eq!(runner.workers(), 0);
        // Each worker holds the runner's core while it lives.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while Arc::strong_count(&runner.inner) > 1 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the workers never ended"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A later request gets a worker again.
        send(&mut runner, "c-0", "r-again", Event::na_exit(mia));
        assert!(next_done(&mut rx).await.1.is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_running_console_compacts_its_journal() {
        let (_sim, client) = simulator_and_client().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, _) = Journal::open(&path).unwrap();
        let (mut runner, mut rx) = journaled_runner(client, journal).await;
        let mia = AgentRef::new("a-1", "Mia");
        send(&mut runner, "c-done", "d-1", Event::na_entry(mia.clone()));
        send(&mut runner, "c-done", "d-2", Event::na_exit(mia.clone()));
        send(
            &mut runner,
            "c-done",
            "d-3",
            Event::EndOfConversation { agent: None },
        );
        send(&mut runner, "c-live", "l-1", Event::na_entry(mia.clone()));
        for _ in 0..4 {
            assert!(next_done(&mut rx).await.1.is_ok());
        }
        runner.start_compaction(Duration::from_millis(200), Duration::ZERO);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let folded = loop {
            let replay = journal::read(&path).unwrap();
            let summary = replay.records.iter().any(
                |r| matches!(r, Record::Summary { conversation, .. } if conversation == "c-done"),
            );
            if summary {
                break replay;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no compaction within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let st = journal::rebuild(&folded.records);
        assert!(
            !st.contains_key("c-done"),
            "the ended conversation is folded"
        );
        assert!(st["c-live"].roster.contains("a-1"), "the live one stays");
        // The runner goes on writing to the compacted journal, still locked.
        send(&mut runner, "c-live", "l-2", Event::na_exit(mia));
        assert!(next_done(&mut rx).await.1.is_ok());
        let st = journal::rebuild(&journal::read(&path).unwrap().records);
        assert_eq!(st["c-live"].requests.len(), 2);
        assert!(
            Journal::open(&path).is_err(),
            "the lock moved with the file"
        );
    }

    /// Issue 18.8: with the journal moved away, a console went on as if
    /// nothing happened, and a `send` beside it started on an empty
    /// history. Now the console says so within its watch interval and sends
    /// nothing more (a second opener is refused by the lock file).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_journal_moved_away_is_noticed_and_nothing_more_is_sent() {
        let (sim, client) = simulator_and_client().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, _) = Journal::open(&path).unwrap();
        let (mut runner, mut rx) = journaled_runner(client, journal).await;
        let mia = AgentRef::new("a-1", "Mia");
        send(&mut runner, "c-1", "m-1", Event::na_entry(mia.clone()));
        assert!(next_done(&mut rx).await.1.is_ok());
        let hooks_before = sim.received().len();
        runner.start_journal_watch(Duration::from_millis(50));
        std::fs::rename(&path, dir.path().join("moved.jsonl")).unwrap();
        let note = loop {
            let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("a note within 10 s")
                .expect("the runner is alive");
            if let Action::Note { error: true, text } = got {
                break text;
            }
        };
        assert!(note.contains("moved away"), "{note}");
        assert!(Journal::open(&path).is_err(), "the lock file still holds");
        send(&mut runner, "c-1", "m-2", Event::na_exit(mia));
        let (id, outcome) = next_done(&mut rx).await;
        assert_eq!(id, "m-2");
        assert!(outcome.unwrap_err().contains("not sent"));
        assert_eq!(sim.received().len(), hooks_before, "nothing left");
    }

    /// Issue 10.3: the loop wrote and fsynced each planning record itself,
    /// so a slow disk made keys slow. Now it hands records to the writer and
    /// goes on; each request still leaves only once its records are on disk.
    /// (The disk is made a second slower per fsync: the margin is a whole
    /// fsync, not a performance goal.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_journal_does_not_hold_the_loop_and_nothing_leaves_unwritten() {
        let (sim, client) = simulator_and_client().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.set_sync_delay(Duration::from_millis(1000));
        let (mut runner, mut rx) = journaled_runner(client, journal).await;
        let mia = AgentRef::new("a-1", "Mia");
        let raj = AgentRef::new("a-2", "Raj");
        // The loop's side: three requests planned. Had it waited for the
        // disk, this would take three fsyncs of a second each.
        let started = std::time::Instant::now();
        send(&mut runner, "c-slow", "s-1", Event::na_entry(mia.clone()));
        send(&mut runner, "c-slow", "s-2", Event::warm_entry(raj.clone()));
        send(&mut runner, "c-slow", "s-3", Event::warm_exit(raj));
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(1000),
            "the loop waited on the disk ({took:?})"
        );
        assert!(sim.received().is_empty(), "nothing left before its record");
        // Each goes out after its records, in order.
        for want in ["s-1", "s-2", "s-3"] {
            let (id, outcome) = next_done(&mut rx).await;
            assert_eq!((id.as_str(), outcome), (want, Ok(())));
            let records = journal::read(&path).unwrap().records;
            let has = |kind: &str| {
                records.iter().any(|r| {
                    r.id() == Some(want)
                        && matches!(
                            (kind, r),
                            ("request", Record::Request { .. }) | ("sent", Record::Sent { .. })
                        )
                })
            };
            assert!(has("request") && has("sent"), "{want} was on disk first");
        }
        assert_eq!(sim.received().len(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nothing_is_sent_that_the_journal_could_not_record() {
        // The console's gate, and the pipelined one of `send --batch`.
        for pipelined in [false, true] {
            nothing_unjournaled_leaves(pipelined).await;
        }
    }

    async fn nothing_unjournaled_leaves(pipelined: bool) {
        let (sim, client) = simulator_and_client().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.break_writes();
        let (runner, mut rx) = journaled_runner(client, journal).await;
        let mut runner = runner.with_pipelined_journal(pipelined);
        let mia = AgentRef::new("a-1", "Mia");
        send(&mut runner, "c-j", "j-1", Event::na_entry(mia.clone()));
        send(&mut runner, "c-j", "j-2", Event::na_exit(mia.clone()));
        let (id, outcome) = next_done(&mut rx).await;
        assert_eq!(id, "j-1");
        let why = outcome.unwrap_err();
        assert!(why.contains("journal could not be written"), "{why}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(sim.received().is_empty(), "nothing left unjournaled");

        // The disk is fixed; the supervisor resends: both go, in order, and
        // the journal now holds them.
        runner
            .inner
            .journal
            .as_ref()
            .unwrap()
            .with_journal(|j| j.mend_writes())
            .await;
        runner.run(Effect::Resend {
            conversation: "c-j".into(),
        });
        assert_eq!(next_done(&mut rx).await, ("j-1".to_string(), Ok(())));
        assert_eq!(next_done(&mut rx).await, ("j-2".to_string(), Ok(())));
        runner.flush_journal().await;
        let replay = journal::read(&path).unwrap();
        let st = &journal::rebuild(&replay.records)["c-j"];
        let fates: Vec<(&str, &RequestFate)> = st
            .requests
            .iter()
            .map(|r| (r.id.as_str(), &r.fate))
            .collect();
        assert_eq!(
            fates,
            [
                ("j-1", &RequestFate::Delivered { status: Some(200) }),
                ("j-2", &RequestFate::Delivered { status: Some(200) })
            ]
        );
        assert_eq!(sim.received().len(), 2);
    }

    /// Issue 18.3: on a full disk a delivered outcome was lost, the next
    /// event of the conversation went out anyway, and after a restart the
    /// delivered one was unknown (and `r` sent it again). Now the outcome
    /// is kept in memory and written before anything else of its
    /// conversation moves.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_outcome_the_disk_refused_is_written_before_the_conversation_moves() {
        for pipelined in [false, true] {
            owed_outcome_first(pipelined).await;
        }
    }

    async fn owed_outcome_first(pipelined: bool) {
        let (sim, client) = simulator_and_client().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.refuse_outcomes(true);
        let (runner, mut rx) = journaled_runner(client, journal).await;
        let mut runner = runner.with_pipelined_journal(pipelined);
        let mia = AgentRef::new("a-1", "Mia");
        send(&mut runner, "c-o", "o-1", Event::na_entry(mia.clone()));
        assert_eq!(next_done(&mut rx).await, ("o-1".to_string(), Ok(())));
        send(&mut runner, "c-o", "o-2", Event::na_exit(mia.clone()));
        let (id, outcome) = next_done(&mut rx).await;
        assert_eq!(id, "o-2");
        let why = outcome.unwrap_err();
        assert!(why.starts_with(NOT_JOURNALED), "{why}");
        assert!(why.contains("owes the outcome of o-1"), "{why}");
        assert!(why.contains("never sent again"), "{why}");
        assert_eq!(sim.received().len(), 1, "o-2 waited for o-1's outcome");
        send(&mut runner, "c-p", "p-1", Event::na_entry(mia.clone()));
        assert_eq!(next_done(&mut rx).await, ("p-1".to_string(), Ok(())));
        let owed = runner.settle_outcomes().await;
        assert_eq!(owed, ["o-1", "p-1"], "still refused, still owed");

        // Room again: the resend writes o-1's outcome first; o-1 itself is
        // never sent again.
        let writer = runner.inner.journal.clone().unwrap();
        writer.with_journal(|j| j.refuse_outcomes(false)).await;
        runner.run(Effect::Resend {
            conversation: "c-o".into(),
        });
        assert_eq!(next_done(&mut rx).await, ("o-2".to_string(), Ok(())));
        assert!(runner.settle_outcomes().await.is_empty());
        runner.flush_journal().await;
        assert_eq!(sim.received().len(), 3, "o-1 went once");
        let st = journal::rebuild(&journal::read(&path).unwrap().records);
        for (conv, ids) in [("c-o", &["o-1", "o-2"][..]), ("c-p", &["p-1"][..])] {
            let fates: Vec<(&str, &RequestFate)> = st[conv]
                .requests
                .iter()
                .map(|r| (r.id.as_str(), &r.fate))
                .collect();
            let want: Vec<(&str, &RequestFate)> = ids
                .iter()
                .map(|id| (*id, &RequestFate::Delivered { status: Some(200) }))
                .collect();
            assert_eq!(fates, want, "pipelined {pipelined}");
        }
    }

    /// `switchboard assign` names a bot session, and maybe a queue: it goes
    /// through a queue of its own (keyed by the session), its planning record
    /// names the queue and no conversation, and its report carries the tries
    /// and the answer as read. A runner without a listener sends no assign.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scripted_assign_by_session_goes_through_the_queue() {
        let (sim, client) = simulator_and_client().await;
        let session = sim
            .world()
            .conversations
            .iter()
            .find(|c| c.status.is_waiting())
            .map(|c| c.bot_session_id.clone())
            .unwrap();
        let queue = sim.world().queues[0].id.clone();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, _) = Journal::open(&path).unwrap();
        let (mut runner, mut rx) = journaled_runner(client.clone(), journal).await;
        let job = |id: &str| Job {
            req_id: id.into(),
            conversation: session.clone(),
            work: Work::Assign {
                session: session.clone(),
                target: AssignTarget::Queue(queue.clone()),
                target_name: "queue Billing".into(),
                summary: "assign".into(),
                by_session: true,
            },
            journaled: false,
        };
        runner.submit(job("q-1"));
        let done = loop {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some(Action::AssignDone {
                    outcome, attempts, ..
                })) => break (outcome, attempts),
                Ok(Some(_)) => {}
                other => panic!("no AssignDone: {other:?}"),
            }
        };
        let (Ok(reply), 1) = done else {
            panic!("{done:?}")
        };
        assert_eq!(reply.response["queueId"], queue.as_str(), "{reply:?}");
        runner.flush_journal().await;
        let records = journal::read(&path).unwrap().records;
        assert!(
            records.iter().any(|r| matches!(r,
                Record::Assign { id, conversation: None, target, text, .. }
                    if id == "q-1" && *target == format!("queue:{queue}")
                        && text.as_deref() == Some("assign → queue Billing"))),
            "{records:?}"
        );
        assert!(journal::rebuild(&records).is_empty(), "no conversation");

        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut bare = Runner::without_listener(client, tx, None);
        bare.submit(job("q-2"));
        let Some(Action::AssignDone {
            outcome: Err(e),
            attempts: 0,
            ..
        }) = rx.recv().await
        else {
            panic!("refused before sending")
        };
        assert!(e.to_string().contains("no callback listener"), "{e}");
        assert_eq!(sim.assigns_accepted(), 1, "only the first was sent");
    }
}
