//! One poller for the team: the consoles elect a leader with an expiring
//! lease, and only the leader runs the poll plan; it publishes each page
//! and figure on a Redis stream, and the others apply what it publishes
//! through the same Actions, so every console shows the same picture.
//!
//! - The lease: taken only when free (the script is `SET NX PX`'s
//!   equivalent), renewed by compare-and-pexpire, released on exit by
//!   compare-and-del. Its value carries a fencing token (`INCR`), so a
//!   console whose lease ran out never renews, claims a round or publishes
//!   beside the new leader: each of those compares the whole value.
//! - Rounds: the leader claims each conversations round by `INCR` of the
//!   round counter under the lease check, so no round is polled twice.
//! - Per request: before each poll request of a round the poller checks
//!   ([`Poller::still_polling`]) that the lease is still its own (compared
//!   with its value in Lua, within the lease it last renewed), and a
//!   request still waiting for its slot is given up as soon as the console
//!   stops polling ([`Poller::while_polling`]); the round stops there.
//! - Redis down: the console is alone and polls within its share (the
//!   limiter's fallback). Before each poll request it asks Redis again (at
//!   most every [`PROBE_EVERY`]); when Redis answers it tries the lease at
//!   once: it takes it if it is free or still its own (it led before Redis
//!   went away, so there is no gap of a lease without a poller), otherwise
//!   it follows and stops polling.

use super::news::PollNews;
use super::{Entry, Role, StreamRead, Team, TeamError, TeamStatus, read_stream};
use crate::app::{Action, TeamBar};
use redis::Script;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Entries the picture stream keeps (about).
const STREAM_MAXLEN: u64 = 1_000;
/// Entries a console that joins applies from the stream's end.
const JOIN_BACKLOG: usize = 100;
/// How often a follower reads the stream.
const READ_EVERY: Duration = Duration::from_millis(250);
/// The most entries a follower reads at once.
const READ_COUNT: usize = 200;
/// The longest poll result read from the stream (a page of conversations
/// is far less); a longer entry is not a poller's and is skipped.
pub const MAX_NEWS_BYTES: usize = 1 << 20;
/// While alone, how often a poll request first asks whether Redis is back.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Takes the lease when free; a lease this console still holds (it led
/// before Redis went out of reach) is its own again at once, renewed.
/// Whatever else holds the key is not read back (another program may have
/// written anything there), and is given the lease's life if it has no
/// expiry, so that no value blocks the team's polling for ever.
const ACQUIRE_LUA: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' then
  if redis.call('PTTL', KEYS[1]) == -1 then
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  end
  if t ~= 'string' then return {0, ''} end
  local cur = redis.call('GETRANGE', KEYS[1], 0, 511)
  local f, m = string.match(cur, '^(%d+)|([^|]*)|')
  if m == ARGV[1] and tonumber(f) and redis.call('STRLEN', KEYS[1]) < 512 then
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
    return {tonumber(f), cur}
  end
  return {0, ''}
end
local f = redis.call('INCR', KEYS[2])
local v = f .. '|' .. ARGV[1] .. '|' .. ARGV[2]
redis.call('SET', KEYS[1], v, 'PX', tonumber(ARGV[3]))
return {f, v}
"#;

/// Whether the lease still holds `ARGV[1]` (1) or not (0), without reading
/// it back.
const OURS_LUA: &str = r#"
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
"#;

const RENEW_LUA: &str = r#"
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"#;

const RELEASE_LUA: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"#;

const ROUND_LUA: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('INCR', KEYS[2])
end
return -1
"#;

const PUBLISH_LUA: &str = r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', tonumber(ARGV[2]), '*',
  'fence', ARGV[3], 'round', ARGV[4], 'member', ARGV[5], 'news', ARGV[6])
return 1
"#;

/// Where this console stands in the polling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollRole {
    /// Holds the lease (its whole value, fence included).
    Leading { fence: u64, lease: String },
    /// Someone else polls; this console applies what they publish.
    Following,
    /// Redis is out of reach: polls alone within its share.
    Alone,
}

/// One console's side of the team's polling.
#[derive(Debug)]
pub struct Poller {
    team: Team,
    role: Mutex<PollRole>,
    actions: mpsc::UnboundedSender<Action>,
    news: mpsc::UnboundedSender<(u64, String, PollNews)>,
    /// The round this console claimed last (0: none since it took the lease).
    round: AtomicU64,
    /// The highest fence whose news was applied: older leaders' news is not.
    fence_seen: AtomicU64,
    /// The highest page sequence applied, so a new leader counts on from it.
    seq_seen: AtomicU64,
    /// Its tasks, for [`Poller::halt`].
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
    /// When the lease was last taken or renewed (asked at this instant):
    /// it is ours until then + the lease at the latest.
    confirmed: Mutex<Option<std::time::Instant>>,
    /// When Redis was last probed while alone.
    probed: Mutex<Option<std::time::Instant>>,
    /// Woken when the console stops polling (it follows).
    stopped: tokio::sync::Notify,
}

impl Poller {
    /// Starts the lease loop, the publisher and the stream reader. The
    /// console follows until the first turn of the lease loop says more.
    pub fn start(team: Team, actions: mpsc::UnboundedSender<Action>) -> Arc<Poller> {
        let (news_tx, news_rx) = mpsc::unbounded_channel();
        let poller = Arc::new(Poller {
            team,
            role: Mutex::new(PollRole::Following),
            actions,
            news: news_tx,
            round: AtomicU64::new(0),
            fence_seen: AtomicU64::new(0),
            seq_seen: AtomicU64::new(0),
            tasks: Mutex::new(Vec::new()),
            confirmed: Mutex::new(None),
            probed: Mutex::new(None),
            stopped: tokio::sync::Notify::new(),
        });
        let tasks = vec![
            tokio::spawn(poller.clone().lease_loop()).abort_handle(),
            tokio::spawn(poller.clone().publisher(news_rx)).abort_handle(),
            tokio::spawn(poller.clone().reader()).abort_handle(),
        ];
        if let Ok(mut t) = poller.tasks.lock() {
            *t = tasks;
        }
        poller
    }

    /// Stops this console's part at once, as if its process were killed:
    /// the lease is not given up (it runs out) and it polls no more.
    pub fn halt(&self) {
        if let Ok(tasks) = self.tasks.lock() {
            tasks.iter().for_each(|t| t.abort());
        }
        if let Ok(mut r) = self.role.lock() {
            *r = PollRole::Following;
        }
        self.stopped.notify_waiters();
    }

    pub fn team(&self) -> &Team {
        &self.team
    }

    pub fn role(&self) -> PollRole {
        self.role
            .lock()
            .map(|r| r.clone())
            .unwrap_or(PollRole::Alone)
    }

    fn set_role(&self, role: PollRole) {
        let was = self.role();
        if was == role {
            return;
        }
        tracing::info!("team: {was:?} -> {role:?}");
        self.team
            .set_role(if matches!(role, PollRole::Leading { .. }) {
                Role::Poller
            } else {
                Role::Follower
            });
        let follows = role == PollRole::Following;
        if let Ok(mut r) = self.role.lock() {
            *r = role;
        }
        if follows {
            self.stopped.notify_waiters();
        }
    }

    /// Whether this console runs the poll plan now: it leads, or Redis is
    /// out of reach.
    pub fn may_poll(&self) -> bool {
        !matches!(self.role(), PollRole::Following)
    }

    /// Before each poll request: whether this console still runs the
    /// polls. Leading: the lease must be within the time it was last
    /// renewed for and still hold this console's value in Redis (one
    /// compare in Lua; Redis silent, the renewed time decides). Alone: at most every
    /// [`PROBE_EVERY`] it tries the lease at once, so a console that polled
    /// alone stops as soon as Redis answers with another leader.
    pub async fn still_polling(&self) -> bool {
        match self.role() {
            PollRole::Following => false,
            PollRole::Leading { lease, .. } => self.lease_is_ours(&lease).await,
            PollRole::Alone => self.probe().await,
        }
    }

    async fn lease_is_ours(&self, lease: &str) -> bool {
        let fresh = self
            .confirmed
            .lock()
            .ok()
            .and_then(|c| *c)
            .is_some_and(|at| at.elapsed() < self.team.lease());
        if !fresh {
            self.stop_leading(lease);
            return false;
        }
        let mut conn = self.team.conn();
        let ours: Result<i64, _> = Script::new(OURS_LUA)
            .key(self.team.keys().lease())
            .arg(lease)
            .invoke_async(&mut conn)
            .await;
        match ours {
            Ok(1) => true,
            Ok(_) => {
                self.stop_leading(lease);
                false
            }
            Err(_) => true,
        }
    }

    /// The lease `lease` is not ours any more: follow (unless the role has
    /// moved on meanwhile).
    fn stop_leading(&self, lease: &str) {
        if matches!(self.role(), PollRole::Leading { lease: ref l, .. } if l == lease) {
            self.set_role(PollRole::Following);
        }
    }

    async fn probe(&self) -> bool {
        let due = self.probed.lock().is_ok_and(|mut p| {
            let due = p.is_none_or(|at| at.elapsed() >= PROBE_EVERY);
            if due {
                *p = Some(std::time::Instant::now());
            }
            due
        });
        if !due {
            return true;
        }
        let role = self.lease_turn().await;
        if !matches!(self.role(), PollRole::Alone) {
            // The lease loop moved on meanwhile: its word stands.
            return self.may_poll();
        }
        let polls = role != PollRole::Following;
        if role != PollRole::Alone {
            self.set_role(role);
        }
        polls
    }

    /// Runs one poll request unless the console stops polling first: `None`
    /// when it no longer polls, or when it stops while the request waits
    /// for its slot (the request is dropped; the round stops there).
    /// Leading, the lease is checked first ([`Poller::still_polling`]);
    /// alone, Redis is probed beside the request, so a Redis still out of
    /// reach does not hold the request up, and one that answers with
    /// another leader stops it.
    pub async fn while_polling<F: std::future::Future>(&self, request: F) -> Option<F::Output> {
        let stopped = self.stopped.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        let alone = match self.role() {
            PollRole::Following => return None,
            PollRole::Leading { lease, .. } => {
                if !self.lease_is_ours(&lease).await {
                    return None;
                }
                false
            }
            PollRole::Alone => true,
        };
        let probe = async {
            // Following now: `stopped` has fired.
            if alone {
                self.probe().await;
            }
            std::future::pending::<()>().await
        };
        tokio::select! {
            out = request => Some(out),
            _ = stopped => None,
            _ = probe => None,
        }
    }

    /// The highest page sequence applied from the stream.
    pub fn seq_seen(&self) -> u64 {
        self.seq_seen.load(Ordering::Relaxed)
    }

    /// Claims the next conversations round: its number when this console
    /// leads (0 when it polls alone), `None` when it must not poll.
    pub async fn begin_round(&self) -> Option<u64> {
        let lease = match self.role() {
            PollRole::Following => return None,
            PollRole::Alone => return Some(0),
            PollRole::Leading { lease, .. } => lease,
        };
        let keys = self.team.keys();
        let mut conn = self.team.conn();
        let claimed: Result<i64, _> = Script::new(ROUND_LUA)
            .key(keys.lease())
            .key(keys.round())
            .arg(&lease)
            .invoke_async(&mut conn)
            .await;
        match claimed {
            Ok(n) if n > 0 => {
                self.round.store(n as u64, Ordering::Relaxed);
                Some(n as u64)
            }
            Ok(_) => {
                self.set_role(PollRole::Following);
                None
            }
            Err(e) => {
                tracing::warn!("team: could not claim a round, polling alone: {e}");
                self.set_role(PollRole::Alone);
                self.team.mark_down();
                Some(0)
            }
        }
    }

    /// Publishes a poll Action when this console leads (others: nothing).
    pub fn publish(&self, action: &Action) {
        let PollRole::Leading { lease, .. } = self.role() else {
            return;
        };
        if let Some(news) = PollNews::of(action) {
            let round = self.round.load(Ordering::Relaxed);
            let _ = self.news.send((round, lease, news));
        }
    }

    /// Gives the lease up (a clean exit) and leaves the members.
    pub async fn release(&self) {
        if let PollRole::Leading { lease, .. } = self.role() {
            let mut conn = self.team.conn();
            let _: Result<i64, _> = Script::new(RELEASE_LUA)
                .key(self.team.keys().lease())
                .arg(&lease)
                .invoke_async(&mut conn)
                .await;
        }
        self.set_role(PollRole::Following);
        let _ = self.team.leave().await;
    }

    /// Takes, keeps or loses the lease every quarter lease, and says where
    /// the team stands in the status bar.
    async fn lease_loop(self: Arc<Self>) {
        let every = self.team.lease() / 4;
        let mut shown: Option<TeamBar> = None;
        loop {
            let role = self.lease_turn().await;
            self.set_role(role);
            let status = self.team.refresh_status().await;
            let bar = self.bar(&status);
            // Only a change is drawn.
            if shown.as_ref() != Some(&bar) {
                let _ = self.actions.send(Action::Team(bar.clone()));
                shown = Some(bar);
            }
            if self.actions.is_closed() {
                self.release().await;
                return;
            }
            tokio::time::sleep(every).await;
        }
    }

    fn bar(&self, status: &TeamStatus) -> TeamBar {
        TeamBar {
            text: status.bar_text(),
            trouble: !status.online || status.trouble.is_some(),
            short: status.bar_short(),
        }
    }

    /// One turn of the lease: renew it if held, else take it if free.
    async fn lease_turn(&self) -> PollRole {
        let asked = std::time::Instant::now();
        let role = self.lease_ask().await;
        if matches!(role, PollRole::Leading { .. })
            && let Ok(mut c) = self.confirmed.lock()
        {
            *c = Some(asked);
        }
        role
    }

    async fn lease_ask(&self) -> PollRole {
        let keys = self.team.keys();
        let lease_ms = self.team.lease().as_millis() as u64;
        let mut conn = self.team.conn();
        if let PollRole::Leading { fence, lease } = self.role() {
            let renewed: Result<i64, _> = Script::new(RENEW_LUA)
                .key(keys.lease())
                .arg(&lease)
                .arg(lease_ms)
                .invoke_async(&mut conn)
                .await;
            return match renewed {
                Ok(1) => PollRole::Leading { fence, lease },
                Ok(_) => PollRole::Following,
                Err(e) => self.down(e.into()),
            };
        }
        let taken: Result<(u64, String), _> = Script::new(ACQUIRE_LUA)
            .key(keys.lease())
            .key(keys.fence())
            .arg(self.team.member_id())
            .arg(self.team.name())
            .arg(lease_ms)
            .invoke_async(&mut conn)
            .await;
        match taken {
            Ok((0, _)) => PollRole::Following,
            Ok((fence, lease)) => {
                self.fence_seen.fetch_max(fence, Ordering::Relaxed);
                // No round of its own yet: what it publishes before its
                // first claim is tagged 0, never with another's round.
                self.round.store(0, Ordering::Relaxed);
                PollRole::Leading { fence, lease }
            }
            Err(e) => self.down(e.into()),
        }
    }

    fn down(&self, e: TeamError) -> PollRole {
        if !matches!(self.role(), PollRole::Alone) {
            tracing::warn!("team: Redis out of reach, polling alone: {e}");
        }
        self.team.mark_down();
        PollRole::Alone
    }

    /// Writes the leader's news to the stream in order, each under the
    /// lease check; a refused one means the lease is gone.
    async fn publisher(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<(u64, String, PollNews)>) {
        let script = Script::new(PUBLISH_LUA);
        while let Some((round, lease, news)) = rx.recv().await {
            let Ok(json) = serde_json::to_string(&news) else {
                continue;
            };
            let fence = lease.split('|').next().unwrap_or("0").to_string();
            let mut conn = self.team.conn();
            let done: Result<i64, _> = script
                .key(self.team.keys().lease())
                .key(self.team.keys().picture())
                .arg(&lease)
                .arg(STREAM_MAXLEN)
                .arg(fence)
                .arg(round)
                .arg(self.team.member_id())
                .arg(json)
                .invoke_async(&mut conn)
                .await;
            match done {
                Ok(1) => {}
                Ok(_) => {
                    if matches!(self.role(), PollRole::Leading { lease: ref l, .. } if *l == lease)
                    {
                        self.set_role(PollRole::Following);
                    }
                }
                Err(e) => tracing::warn!("team: could not publish a poll result: {e}"),
            }
        }
    }

    /// Reads the stream and applies what others published.
    async fn reader(self: Arc<Self>) {
        let mut last: Option<String> = None;
        loop {
            if self.actions.is_closed() {
                return;
            }
            match self.read_once(&mut last).await {
                Ok(()) => {}
                Err(e) => tracing::debug!("team: stream read failed: {e}"),
            }
            tokio::time::sleep(READ_EVERY).await;
        }
    }

    async fn read_once(&self, last: &mut Option<String>) -> Result<(), TeamError> {
        let key = self.team.keys().picture();
        let read = StreamRead {
            from: last.as_deref().unwrap_or("$"),
            count: READ_COUNT,
            backlog: JOIN_BACKLOG,
            max_bytes: MAX_NEWS_BYTES,
            fields: &["fence", "round", "member", "news"],
        };
        let (to, entries) = read_stream(&self.team, &key, read).await?;
        *last = Some(to);
        for entry in entries {
            self.apply(&entry);
        }
        Ok(())
    }

    /// Applies one entry of the picture stream; one that does not read
    /// (cut at [`MAX_NEWS_BYTES`], or not a poller's) is skipped.
    fn apply(&self, entry: &Entry) {
        if entry.text("member") == self.team.member_id() {
            return;
        }
        let Ok(fence) = entry.text("fence").parse::<u64>() else {
            return;
        };
        if fence < self.fence_seen.load(Ordering::Relaxed) {
            return;
        }
        let Some(json) = entry.fields.get("news") else {
            return;
        };
        let Ok(news) = serde_json::from_slice::<PollNews>(json) else {
            return;
        };
        // Only a poller's news moves the fence on.
        self.fence_seen.store(fence, Ordering::Relaxed);
        if let Some(seq) = news.seq() {
            self.seq_seen.fetch_max(seq, Ordering::Relaxed);
        }
        let _ = self.actions.send(news.into_action());
    }
}
