//! A rolling one-minute rate limiter shared by every request to one account.
//!
//! Kore counts requests per account over a sixty-second window. The limiter
//! keeps the send times of the last minute and lets a request through only when
//! the window has room. The supervisor's actions go first: a poll waits while
//! any action is waiting, and polls never use the last `reserve` slots of the
//! window, so an action finds room even when polling is busy. A 429 from the
//! server blocks everything until its `Retry-After` (or a default) has passed.
//!
//! In team mode a [`SharedBudget`] (the account's window in Redis, see
//! `team::budget`) is asked first, so that all consoles together stay under
//! the limit; this limiter stays as the floor. When the shared budget is
//! down, this one falls back to a share of the limit (the limit divided by
//! the team size last seen).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// The least margin kept over the server's window (a twentieth of the
/// window when that is more): the time between taking a slot here and the
/// server counting the request varies with load on both sides.
const MIN_MARGIN: Duration = Duration::from_millis(500);

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// An action the supervisor took.
    User,
    /// Background polling of live data.
    Poll,
    /// One request of a bulk action on marked conversations: it steps aside
    /// for a waiting `User` request (as `Poll` does), leaves the reserve to
    /// single actions, and is paced evenly over the window
    /// ([`RateLimiter::bulk_pace`]) so that polls and single actions keep
    /// finding room while a long batch drains.
    Bulk,
    /// A slot its caller already took with [`RateLimiter::acquire`] (a bulk
    /// request waits for its slot where a cancel can reach it, then sends):
    /// asking again takes nothing.
    Taken,
}

#[derive(Debug)]
struct Inner {
    sent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
    users_waiting: usize,
    /// When the latest `Bulk` request took its slot (their pace).
    last_bulk: Option<Instant>,
}

/// How much of the limit is in use right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub used: u32,
    pub limit: u32,
    pub blocked_for: Option<Duration>,
}

/// What a [`SharedBudget`] answers when asked for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// A slot of the shared window is this request's.
    Taken,
    /// No room now: ask again after this long.
    Wait(Duration),
    /// The shared budget cannot be reached: go on alone within the limit
    /// divided by this many consoles.
    Down { team_size: u32 },
}

/// A window shared with other processes (team mode), asked before this
/// limiter's own.
pub trait SharedBudget: Send + Sync + std::fmt::Debug {
    /// Takes a slot of the shared window for a request of `priority`, or
    /// says how long to wait, or that the shared window is out of reach.
    /// `alone` is how many requests this limiter let through in its window
    /// while it went on alone (0 when it did not): the shared window counts
    /// them when it answers again.
    fn take(
        &self,
        priority: Priority,
        alone: u32,
    ) -> Pin<Box<dyn Future<Output = Shared> + Send + '_>>;
    /// A 429 came back: every process holds back for `wait`.
    fn penalize(&self, wait: Duration);
}

#[derive(Debug)]
pub struct RateLimiter {
    per_window: u32,
    /// The server's window plus a margin ([`MIN_MARGIN`] or a twentieth):
    /// the server counts a request when it arrives, this limiter when it
    /// leaves, and a request that is slower on the wire than the one sent a
    /// window later would otherwise be the server's limit + 1 in its window.
    window: Duration,
    reserve: u32,
    inner: Mutex<Inner>,
    notify: Notify,
    /// The team's window, when there is one.
    shared: OnceLock<Arc<dyn SharedBudget>>,
    /// While the shared window is out of reach: this console's share of the
    /// limit (0: none, the whole limit).
    share: AtomicU32,
}

impl RateLimiter {
    /// `per_minute` requests per rolling minute. A limit of 0 turns limiting off.
    pub fn per_minute(per_minute: u32) -> Self {
        Self::new(per_minute, Duration::from_secs(60))
    }

    pub fn new(per_window: u32, window: Duration) -> Self {
        // Keep about a sixth of the window for the supervisor, at least one slot
        // (none when the limit is so small that polls would never run).
        let reserve = if per_window >= 3 {
            (per_window / 6).max(1)
        } else {
            0
        };
        RateLimiter {
            per_window,
            window: window + (window / 20).max(MIN_MARGIN),
            reserve,
            inner: Mutex::new(Inner {
                sent: VecDeque::new(),
                blocked_until: None,
                users_waiting: 0,
                last_bulk: None,
            }),
            notify: Notify::new(),
            shared: OnceLock::new(),
            share: AtomicU32::new(0),
        }
    }

    /// Asks `budget` before every request from now on (team mode). Set
    /// once; a second call is ignored.
    pub fn set_shared(&self, budget: Arc<dyn SharedBudget>) {
        let _ = self.shared.set(budget);
    }

    /// This console's share of the limit while the shared window is out of
    /// reach, if it is.
    pub fn fallback_share(&self) -> Option<u32> {
        match self.share.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }

    /// The same limiter keeping `reserve` of each window for the
    /// supervisor's actions: polls never take those slots. At most all but
    /// one slot (polls must be able to run at all).
    pub fn with_reserve(mut self, reserve: u32) -> Self {
        self.reserve = reserve.min(self.per_window.saturating_sub(1));
        self
    }

    /// How many slots of each window polls leave to the supervisor.
    pub fn reserve(&self) -> u32 {
        self.reserve
    }

    /// The time between two `Bulk` requests: the window shared evenly by
    /// the slots single actions leave (zero with no limit). A bulk batch of
    /// `n` still queued takes about `n` times this.
    pub fn bulk_pace(&self) -> Duration {
        match self.per_window.saturating_sub(self.reserve) {
            0 => Duration::ZERO,
            cap => self.window / cap,
        }
    }

    pub fn limit(&self) -> u32 {
        self.per_window
    }

    /// The window the limit counts over, with the margin this side keeps
    /// over the server's.
    pub fn window(&self) -> Duration {
        self.window
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn prune(&self, inner: &mut Inner, now: Instant) {
        while let Some(front) = inner.sent.front() {
            if now.duration_since(*front) >= self.window {
                inner.sent.pop_front();
            } else {
                break;
            }
        }
        if inner.blocked_until.is_some_and(|b| b <= now) {
            inner.blocked_until = None;
        }
    }

    /// Takes a slot without waiting, or says how long to wait before asking again.
    fn try_take(&self, priority: Priority, now: Instant) -> Result<(), Duration> {
        let mut inner = self.lock();
        self.prune(&mut inner, now);
        if let Some(until) = inner.blocked_until {
            return Err(until - now);
        }
        if self.per_window == 0 {
            inner.sent.push_back(now);
            if inner.sent.len() > 1024 {
                inner.sent.pop_front();
            }
            return Ok(());
        }
        let (limit, reserve) = match self.fallback_share() {
            // Alone while the team's window is out of reach: the share, and
            // the reserve in proportion.
            Some(share) => {
                let share = share.min(self.per_window).max(1);
                let reserve = (u64::from(self.reserve) * u64::from(share)
                    / u64::from(self.per_window)) as u32;
                (share, reserve.min(share - 1))
            }
            None => (self.per_window, self.reserve),
        };
        let cap = match priority {
            // `acquire` takes nothing for it; as a user's, were it asked.
            Priority::User | Priority::Taken => limit,
            Priority::Poll => {
                if inner.users_waiting > 0 {
                    // Let the waiting action go first; look again shortly.
                    return Err(Duration::from_millis(50));
                }
                limit - reserve
            }
            Priority::Bulk => {
                if inner.users_waiting > 0 {
                    return Err(Duration::from_millis(50));
                }
                let cap = limit - reserve;
                let pace = self.window / cap.max(1);
                if let Some(last) = inner.last_bulk
                    && now.duration_since(last) < pace
                {
                    return Err(pace - now.duration_since(last));
                }
                cap
            }
        };
        if (inner.sent.len() as u32) < cap {
            inner.sent.push_back(now);
            if priority == Priority::Bulk {
                inner.last_bulk = Some(now);
            }
            return Ok(());
        }
        // The slot that frees first is the oldest one that keeps us at the cap.
        let over = inner.sent.len() + 1 - cap as usize;
        let oldest = inner.sent[over - 1];
        Err(self.window.saturating_sub(now.duration_since(oldest)))
    }

    /// Waits until a request may be sent, then counts it. Cancel-safe: a
    /// supervisor's action that stops waiting no longer holds polls back.
    pub async fn acquire(&self, priority: Priority) {
        if priority == Priority::Taken {
            return;
        }
        let _waiting = (priority == Priority::User).then(|| UserWaiting::new(self));
        if let Some(shared) = self.shared.get() {
            self.acquire_shared(shared.as_ref(), priority).await;
        }
        loop {
            let now = Instant::now();
            match self.try_take(priority, now) {
                Ok(()) => break,
                Err(wait) => {
                    let wait = wait.max(Duration::from_millis(1));
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = self.notify.notified() => {}
                    }
                }
            }
        }
    }

    /// Waits for a slot of the team's window, or notes the share to keep
    /// to while it is out of reach.
    async fn acquire_shared(&self, shared: &dyn SharedBudget, priority: Priority) {
        loop {
            let alone = match self.fallback_share() {
                Some(_) => self.usage().used,
                None => 0,
            };
            match shared.take(priority, alone).await {
                Shared::Taken => {
                    self.share.store(0, Ordering::Relaxed);
                    return;
                }
                Shared::Down { team_size } => {
                    let share = (self.per_window / team_size.max(1)).max(1);
                    self.share.store(share, Ordering::Relaxed);
                    return;
                }
                Shared::Wait(wait) => {
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// The server said 429: send nothing for `wait`.
    pub fn penalize(&self, wait: Duration) {
        if let Some(shared) = self.shared.get() {
            shared.penalize(wait);
        }
        let until = Instant::now() + wait;
        let mut inner = self.lock();
        if inner.blocked_until.is_none_or(|b| b < until) {
            inner.blocked_until = Some(until);
        }
    }

    pub fn usage(&self) -> Usage {
        let now = Instant::now();
        let mut inner = self.lock();
        self.prune(&mut inner, now);
        Usage {
            used: inner.sent.len() as u32,
            limit: self.per_window,
            blocked_for: inner.blocked_until.map(|b| b - now),
        }
    }
}

/// Counts a supervisor's action as waiting for as long as it lives, so polls
/// step aside; dropping it (done or cancelled) wakes the other waiters.
struct UserWaiting<'a>(&'a RateLimiter);

impl<'a> UserWaiting<'a> {
    fn new(limiter: &'a RateLimiter) -> Self {
        limiter.lock().users_waiting += 1;
        UserWaiting(limiter)
    }
}

impl Drop for UserWaiting<'_> {
    fn drop(&mut self) {
        let mut inner = self.0.lock();
        inner.users_waiting = inner.users_waiting.saturating_sub(1);
        drop(inner);
        self.0.notify.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A slot taken beforehand (a bulk request's) is not counted twice.
    #[tokio::test(start_paused = true)]
    async fn a_taken_slot_takes_nothing_more() {
        let rl = RateLimiter::new(1, Duration::from_secs(60));
        rl.acquire(Priority::Bulk).await;
        let again = tokio::time::timeout(Duration::from_secs(1), rl.acquire(Priority::Taken)).await;
        assert!(again.is_ok(), "no wait for a slot already held");
        assert_eq!(rl.usage().used, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window() {
        let rl = std::sync::Arc::new(RateLimiter::new(5, Duration::from_secs(60)));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..12 {
            rl.acquire(Priority::User).await;
            times.push(start.elapsed());
        }
        // 5 at once, 5 more after a minute, 2 after two minutes.
        assert!(times[..5].iter().all(|t| *t < Duration::from_secs(1)));
        assert!(times[5..10].iter().all(|t| *t >= Duration::from_secs(60)));
        assert!(times[10] >= Duration::from_secs(120));
        // A margin of a twentieth over the server's window: arrival there
        // can lag departure here.
        assert!(times[5] >= Duration::from_secs(63), "{:?}", times[5]);
        for (i, t) in times.iter().enumerate() {
            let in_window = times
                .iter()
                .skip(i)
                .take_while(|u| **u < *t + Duration::from_secs(60))
                .count();
            assert!(
                in_window <= 5,
                "window starting at request {i} holds {in_window}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn polls_leave_a_reserve_for_the_supervisor() {
        let rl = RateLimiter::new(12, Duration::from_secs(60));
        // reserve = 2: polls stop after 10.
        for _ in 0..10 {
            rl.acquire(Priority::Poll).await;
        }
        let poll = tokio::time::timeout(Duration::from_secs(1), rl.acquire(Priority::Poll)).await;
        assert!(poll.is_err(), "an 11th poll must wait");
        let user = tokio::time::timeout(Duration::from_secs(1), rl.acquire(Priority::User)).await;
        assert!(user.is_ok(), "a user action uses the reserve at once");
        assert_eq!(rl.usage().used, 11);
    }

    /// Issue 11.3: the share kept for the supervisor is configurable (e.g.
    /// 20 of 60), and can never shut the polls out altogether.
    #[tokio::test(start_paused = true)]
    async fn the_reserve_for_actions_is_configurable() {
        let rl = RateLimiter::per_minute(60).with_reserve(20);
        for _ in 0..40 {
            rl.acquire(Priority::Poll).await;
        }
        let poll = tokio::time::timeout(Duration::from_secs(1), rl.acquire(Priority::Poll)).await;
        assert!(poll.is_err(), "the 41st poll waits: 20 are kept");
        for _ in 0..20 {
            let user =
                tokio::time::timeout(Duration::from_secs(1), rl.acquire(Priority::User)).await;
            assert!(user.is_ok(), "each of the 20 kept slots is an action's");
        }
        assert_eq!(RateLimiter::per_minute(5).with_reserve(9).reserve(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_user_action_goes_before_polls() {
        let rl = std::sync::Arc::new(RateLimiter::new(6, Duration::from_secs(60)));
        for _ in 0..6 {
            rl.acquire(Priority::User).await;
        }
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (who, p) in [("poll", Priority::Poll), ("user", Priority::User)] {
            let rl = rl.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                rl.acquire(p).await;
                order.lock().unwrap().push(who);
            }));
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(order.lock().unwrap().as_slice(), ["user", "poll"]);
    }

    #[tokio::test(start_paused = true)]
    async fn bulk_is_paced_and_leaves_the_reserve() {
        // 12 a minute, 2 kept for actions: a bulk request every window/10.
        let rl = RateLimiter::new(12, Duration::from_secs(60));
        let pace = rl.bulk_pace();
        assert_eq!(pace, rl.window() / 10);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..5 {
            rl.acquire(Priority::Bulk).await;
            times.push(start.elapsed());
        }
        for pair in times.windows(2) {
            assert!(pair[1] - pair[0] >= pace, "{times:?}");
        }
        // Ten of the window's slots taken: bulk waits for the window to
        // roll, yet an action still finds the reserve at once.
        let rl = RateLimiter::new(12, Duration::from_secs(60));
        for _ in 0..10 {
            rl.acquire(Priority::User).await;
        }
        let bulk = tokio::time::timeout(Duration::from_secs(30), rl.acquire(Priority::Bulk)).await;
        assert!(bulk.is_err(), "bulk took the reserve");
        let t = Instant::now();
        rl.acquire(Priority::User).await;
        assert!(t.elapsed() < Duration::from_millis(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_user_action_goes_before_bulk() {
        let rl = std::sync::Arc::new(RateLimiter::new(6, Duration::from_secs(60)));
        for _ in 0..6 {
            rl.acquire(Priority::User).await;
        }
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (who, p) in [("bulk", Priority::Bulk), ("user", Priority::User)] {
            let rl = rl.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                rl.acquire(p).await;
                order.lock().unwrap().push(who);
            }));
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(order.lock().unwrap().as_slice(), ["user", "bulk"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_user_wait_does_not_hold_polls_back() {
        let rl = RateLimiter::new(6, Duration::from_secs(60));
        for _ in 0..6 {
            rl.acquire(Priority::User).await;
        }
        // A supervisor's action gives up waiting for a full window.
        let user = tokio::time::timeout(Duration::from_secs(1), rl.acquire(Priority::User)).await;
        assert!(user.is_err());
        // Once the window frees, a poll gets through instead of waiting for
        // an action that is no longer there.
        let poll = tokio::time::timeout(Duration::from_secs(120), rl.acquire(Priority::Poll)).await;
        assert!(poll.is_ok(), "the poll is stuck behind a cancelled action");
    }

    #[tokio::test(start_paused = true)]
    async fn penalty_blocks_until_it_passes() {
        let rl = RateLimiter::new(60, Duration::from_secs(60));
        rl.penalize(Duration::from_secs(7));
        let start = Instant::now();
        rl.acquire(Priority::User).await;
        assert!(start.elapsed() >= Duration::from_secs(7));
        assert!(rl.usage().blocked_for.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_unlimited() {
        let rl = RateLimiter::per_minute(0);
        let start = Instant::now();
        for _ in 0..500 {
            rl.acquire(Priority::Poll).await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
    }
}
