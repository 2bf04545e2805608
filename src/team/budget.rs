//! One rate budget for the team: the account's sliding window lives in
//! Redis (a sorted set of send times), and one atomic script per request
//! decides whether it may leave. All consoles together stay under
//! `rate_limit_per_minute`, with the same margin the local limiter keeps.
//!
//! - Actions before polls, across consoles: a supervisor's action that has
//!   to wait puts itself in a short-lived "actions waiting" set (expiring
//!   entries, so a console that dies leaves nothing behind); no console's
//!   poll takes a slot while that set is not empty, and polls never take
//!   the last `reserve` slots of the shared window.
//! - A 429 seen by one console blocks them all: a shared "blocked until"
//!   time, only ever moved later.
//! - Redis out of reach: [`Shared::Down`] with the team size last seen, so
//!   the local limiter goes on alone within its share; polls first let one
//!   window pass (the team may have filled the last one). Redis is asked
//!   again after a short pause, and the shared window is used again as soon
//!   as it answers.
//!
//! Times are Redis's (`TIME`), so the consoles' clocks need not agree.

use super::Team;
use crate::kore::ratelimit::{Priority, Shared, SharedBudget};
use redis::Script;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a waiting action keeps polls back unless it asks again.
const WAITING_TTL_MS: u64 = 2_000;
/// How long a poll that gave way to a waiting action waits before asking.
const GIVE_WAY_MS: u64 = 50;
/// After Redis failed to answer, how long before it is asked again (the
/// requests in between go on alone at once, without waiting for a timeout).
const RETRY_DOWN_AFTER: Duration = Duration::from_secs(2);

/// KEYS: window, blocked_until, actions_waiting.
/// ARGV: cap, window_ms, is_user (1/0), waiter id, request token, how
/// long a poll gives way (ms), how long a waiting action holds polls (ms),
/// requests sent alone while Redis was out of reach (counted as sent now).
/// Returns {1, 0, n} when the slot is taken, else {0, ms to wait, n}, where
/// n is how many requests the window holds now (-1: not counted).
const TAKE_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local is_user = ARGV[3] == '1'
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then
  return {0, blocked - now, -1}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
for i = 1, tonumber(ARGV[8]) do
  redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':alone:' .. i)
end
if (not is_user) and redis.call('ZCARD', KEYS[3]) > 0 then
  return {0, tonumber(ARGV[6]), redis.call('ZCARD', KEYS[1])}
end
local n = redis.call('ZCARD', KEYS[1])
if n < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  if is_user then
    redis.call('ZREM', KEYS[3], ARGV[4])
  end
  return {1, 0, n + 1}
end
if is_user then
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ARGV[4])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[7]) * 2)
end
local oldest = redis.call('ZRANGE', KEYS[1], n - cap, n - cap, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait, n}
"#;

/// KEYS: blocked_until. ARGV: wait ms. Moves "blocked until" later only.
const PENALIZE_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms
"#;

/// The team's rate window, asked by the local limiter before each request.
#[derive(Debug)]
pub struct TeamBudget {
    team: Team,
    take: Script,
    penalize: Script,
    limit: u32,
    reserve: u32,
    window_ms: u64,
    next_token: AtomicU64,
    /// Since when Redis has not answered, and when it was last asked.
    down: Mutex<Option<(Instant, Instant)>>,
}

impl TeamBudget {
    /// `limit` requests per `window` (the local limiter's window, margin
    /// included) for the whole team, `reserve` of them never taken by polls.
    pub fn new(team: Team, limit: u32, reserve: u32, window: Duration) -> TeamBudget {
        team.set_window(window);
        TeamBudget {
            team,
            take: Script::new(TAKE_LUA),
            penalize: Script::new(PENALIZE_LUA),
            limit,
            reserve: reserve.min(limit.saturating_sub(1)),
            window_ms: window.as_millis() as u64,
            next_token: AtomicU64::new(0),
            down: Mutex::new(None),
        }
    }

    /// The shared window as the local limiter of `client` counts it.
    pub fn for_limiter(team: Team, limiter: &crate::kore::ratelimit::RateLimiter) -> TeamBudget {
        TeamBudget::new(team, limiter.limit(), limiter.reserve(), limiter.window())
    }

    /// How many requests the team's window holds now (for tests and the
    /// bench).
    pub async fn used(&self) -> Result<u64, super::TeamError> {
        let mut conn = self.team.conn();
        let n: u64 = redis::cmd("ZCARD")
            .arg(self.team.keys().window())
            .query_async(&mut conn)
            .await?;
        Ok(n)
    }

    /// What to answer without asking Redis, while it was asked a moment
    /// ago and did not answer.
    fn while_down(&self, priority: Priority) -> Option<Shared> {
        let (since, last_try) = self.down.lock().ok().and_then(|d| *d)?;
        if last_try.elapsed() >= RETRY_DOWN_AFTER {
            return None;
        }
        Some(self.down_answer(since, priority))
    }

    /// Alone: actions go on at once within the share; polls first let the
    /// team's last window pass (the others may have filled it), then take
    /// their share.
    fn down_answer(&self, since: Instant, priority: Priority) -> Shared {
        let window = Duration::from_millis(self.window_ms);
        if priority == Priority::Poll && since.elapsed() < window {
            let left = window - since.elapsed();
            return Shared::Wait(left.min(RETRY_DOWN_AFTER));
        }
        Shared::Down {
            team_size: self.team.status().size.max(1) as u32,
        }
    }

    fn was_down(&self) -> bool {
        self.down.lock().is_ok_and(|d| d.is_some())
    }

    fn answered(&self) {
        if let Ok(mut d) = self.down.lock() {
            *d = None;
        }
    }

    fn failed(&self, priority: Priority) -> Shared {
        let now = Instant::now();
        let since = match self.down.lock() {
            Ok(mut d) => {
                let since = d.map_or(now, |(since, _)| since);
                *d = Some((since, now));
                since
            }
            Err(_) => now,
        };
        self.team.mark_down();
        self.down_answer(since, priority)
    }

    async fn take_slot(&self, priority: Priority, alone: u32) -> Shared {
        if let Some(answer) = self.while_down(priority) {
            return answer;
        }
        let is_user = priority == Priority::User;
        let cap = if is_user {
            self.limit
        } else {
            self.limit - self.reserve
        };
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let me = self.team.member_id();
        let keys = self.team.keys();
        let mut conn = self.team.conn();
        let answer: Result<(u8, u64, i64), redis::RedisError> = self
            .take
            .key(keys.window())
            .key(keys.blocked_until())
            .key(keys.actions_waiting())
            .arg(cap)
            .arg(self.window_ms)
            .arg(if is_user { "1" } else { "0" })
            .arg(&me)
            .arg(format!("{me}:{token}"))
            .arg(GIVE_WAY_MS)
            .arg(WAITING_TTL_MS)
            .arg(if self.was_down() {
                alone.min(self.limit)
            } else {
                0
            })
            .invoke_async(&mut conn)
            .await;
        if let Ok((_, _, used)) = answer
            && let Ok(used) = u32::try_from(used)
        {
            self.team.note_window_used(used);
        }
        match answer {
            Ok((1, _, _)) => {
                self.answered();
                Shared::Taken
            }
            Ok((_, wait_ms, _)) => {
                self.answered();
                Shared::Wait(Duration::from_millis(wait_ms.max(1)))
            }
            Err(e) => {
                tracing::warn!("team budget: Redis did not answer, going on alone: {e}");
                self.failed(priority)
            }
        }
    }
}

impl SharedBudget for TeamBudget {
    fn take(
        &self,
        priority: Priority,
        alone: u32,
    ) -> Pin<Box<dyn Future<Output = Shared> + Send + '_>> {
        Box::pin(self.take_slot(priority, alone))
    }

    fn penalize(&self, wait: Duration) {
        let team = self.team.clone();
        let script = self.penalize.clone();
        let ms = wait.as_millis() as u64;
        // Fire and forget: the local limiter blocks itself at once anyway.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let mut conn = team.conn();
                let done: Result<i64, _> = script
                    .key(team.keys().blocked_until())
                    .arg(ms)
                    .invoke_async(&mut conn)
                    .await;
                if let Err(e) = done {
                    tracing::warn!("team budget: could not share a 429: {e}");
                }
            });
        }
    }
}
