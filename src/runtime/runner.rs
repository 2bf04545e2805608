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
//!
//! This file holds the `Runner`, its constructor and what its parts share
//! (`Inner`); the parts are `dispatch` (an `Effect` to its work),
//! `delivery` (the conversations' queues, the journal gate, hooks and
//! assign requests), `polls` (the poll planner and the pollers), `details`,
//! `export` and `upkeep` (the journal's compaction and watch).

use crate::app::{Action, ReplyInfo};
use crate::domain::Event;
use crate::kore::client::{self, KoreClient};
use crate::runtime::callback::CallbackListener;
use crate::runtime::journal::{Journal, Record};
use crate::runtime::journal_writer::JournalWriter;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

mod delivery;
mod details;
mod dispatch;
mod export;
mod polls;
mod team;
#[cfg(test)]
mod tests;
mod upkeep;
mod views;

pub use crate::app::restore::DROPPED;
use delivery::Msg;
pub use delivery::gate::NOT_JOURNALED;
pub use delivery::{Job, Work};
pub use polls::QUEUE_SIZES_PER_ROUND;
use polls::{ConvPoll, DEFAULT_ROUND, PollTiming, QueueRound};

/// Tries per hooks request before it counts as failed, unless configured.
pub const MAX_ATTEMPTS: u32 = 6;

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
    /// Team mode's claims and activity log (`Runner::attach_team`).
    team_log: std::sync::OnceLock<team::TeamLink>,
    /// Team mode: who polls, and what the poller publishes (none alone).
    team: std::sync::OnceLock<Arc<crate::team::poller::Poller>>,
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
        if let Some(poller) = self.team.get() {
            // The poller's results go to its followers too.
            poller.publish(&action);
        }
        // The receiver only goes away when the console quits.
        let _ = self.tx.send(action);
    }

    /// Whether this console runs the polls now: always alone; in a team,
    /// when it holds the lease or Redis is out of reach.
    fn may_poll(&self) -> bool {
        self.team.get().is_none_or(|p| p.may_poll())
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

    fn usage(&self) {
        let u = self.client.limiter().usage();
        // Team mode: the team's use of the shared window, while Redis answers.
        let team_used = self.team.get().and_then(|p| p.team().window_used());
        self.send(Action::RateUsage {
            used: team_used.unwrap_or(u.used),
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
                team: std::sync::OnceLock::new(),
                team_log: std::sync::OnceLock::new(),
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

    /// Team mode: the limiter asks the team's window first, and the polls
    /// run only while this console holds the poller's lease (or Redis is out
    /// of reach); what they read is published to the others, and what the
    /// poller publishes comes in as the same Actions. Call it before
    /// `start_polling`; a second call is ignored.
    pub fn join_team(&self, team: crate::team::Team) {
        if self.inner.team.get().is_some() {
            return;
        }
        let limiter = self.inner.client.limiter();
        if limiter.limit() > 0 {
            let budget = crate::team::budget::TeamBudget::for_limiter(team.clone(), limiter);
            limiter.set_shared(Arc::new(budget));
        }
        let poller = crate::team::poller::Poller::start(team.clone(), self.inner.tx.clone());
        let _ = self.inner.team.set(poller);
        // The team's use of the window changes with every console's
        // requests: shown when it changes, at most once a second.
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut shown = None;
            while !inner.tx.is_closed() {
                tokio::time::sleep(crate::team::WINDOW_READ_EVERY).await;
                let now = team.window_used();
                if now.is_some() && now != shown {
                    shown = now;
                    inner.usage();
                }
            }
        });
    }

    /// The team's poller side, in team mode.
    pub fn team(&self) -> Option<&Arc<crate::team::poller::Poller>> {
        self.inner.team.get()
    }

    /// Gives the poller's lease up and leaves the team (a clean exit).
    pub async fn leave_team(&self) {
        if let Some(poller) = self.inner.team.get() {
            poller.release().await;
        }
    }
}
