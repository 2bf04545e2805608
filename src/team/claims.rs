//! Claims (issue 21.4): before an assign, a transfer or an end leaves, the
//! console claims the conversation in Redis for a short time, so that of two
//! supervisors acting on one conversation at once only one reaches Kore.
//!
//! A claim is one key per conversation, taken with `SET NX PX` inside a
//! script (so a refusal reads the holder in the same step), whose value says
//! who holds it, since when, what they are doing and a request id of its own.
//! It is released on the outcome by compare-and-delete (a script too), so a
//! console never removes a claim a teammate took after its own expired.
//! A forced claim (the supervisor confirmed twice) takes the key whatever
//! holds it. A bulk action's conversations are claimed together
//! ([`Claims::claim_many`]): the same script, once per conversation, in one
//! pipeline (one round trip), never forced.
//!
//! A claim lives [`CLAIM_TTL`] unless renewed: while this console holds it
//! (its request queued behind the limiter, retried or in flight, until the
//! outcome releases it) [`Claims::renew_held`] extends it every third of
//! its life by compare-and-pexpire, only while the value is still ours. A
//! claim a teammate took over (forced) is no longer renewed. Renewals,
//! claims and releases take turns (one lock), so a renewal never runs on a
//! claim its release has just removed. A claim is renewed for at most
//! [`MAX_HOLD`], so one whose outcome never comes back cannot hold a
//! conversation for ever.
//!
//! While Redis is down the console goes on alone: a claim it cannot ask for
//! is granted locally, and claims it holds that it could not release are
//! kept and released when Redis answers again ([`Claims::retry_releases`]).

use super::{Team, TeamError, now_ms};
use redis::Script;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a claim lives unless released: long enough for a request and
/// its answer, short enough that a console that died frees it soon.
pub const CLAIM_TTL: Duration = Duration::from_secs(20);
/// The longest a claim is renewed for: far longer than any request waits
/// behind the limiter and its retries, and an assign for its callback.
pub const MAX_HOLD: Duration = Duration::from_secs(15 * 60);

/// What a claim's key holds (JSON). Nothing secret, no contact data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimValue {
    /// The holder's member id (unique per console).
    pub member_id: String,
    /// The holder's display name.
    pub name: String,
    /// What it is doing: "assigning", "transferring", "ending".
    pub what: String,
    /// When it claimed (unix ms).
    pub since_ms: i64,
    /// The claim's own id, so a release removes only this claim.
    pub req: String,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimAnswer {
    /// This console holds it now.
    Granted,
    /// A teammate holds it.
    Refused(ClaimValue),
    /// Redis did not answer: the console goes on alone, unclaimed.
    Unavailable(String),
}

/// Takes the claim unless someone else holds it (`ARGV[3]` = "1" forces);
/// a claim of this same console (`ARGV[4]`) is taken over. Answers
/// `{1, ""}` when taken, `{0, holder's value}` when not: cut to
/// [`MAX_HOLDER_BYTES`], and `"<TYPE>"` when the key holds something other
/// than a string (another program's; it counts as held, never overwritten
/// unless forced).
const CLAIM_LUA: &str = r#"
if ARGV[3] ~= '1' then
  if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {1, ''}
  end
  local t = redis.call('TYPE', KEYS[1])['ok']
  if t == 'none' then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {1, ''}
  end
  if t ~= 'string' then return {0, '<' .. t .. '>'} end
  local cur = redis.call('GETRANGE', KEYS[1], 0, tonumber(ARGV[5]) - 1)
  local ok, v = pcall(cjson.decode, cur)
  if not (ok and type(v) == 'table' and v['member_id'] == ARGV[4]) then
    return {0, cur}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, ''}
"#;

/// The longest holder's value a refused claim reads.
pub const MAX_HOLDER_BYTES: usize = 4_096;

/// Extends the claim only while it still holds our value. Answers 1 when
/// it did, 0 when a teammate holds it now, -1 when nobody does (it expired
/// or Redis lost it; it is not taken again: a release may have just
/// removed it).
const RENEW_LUA: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return -1 end
if t ~= 'string' then return 0 end
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not cur then return -1 end
return 0
"#;

/// Deletes the claim only when it still holds our value.
const RELEASE_LUA: &str = r#"
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// The claims of one console: taken and released through Redis, with the
/// values it holds kept here (for compare-and-delete) and the releases
/// Redis missed kept until it answers.
#[derive(Debug)]
pub struct Claims {
    team: Team,
    /// How long a claim lives unless renewed ([`CLAIM_TTL`]).
    ttl: Duration,
    /// Conversation → the value this console claimed it with, and when.
    held: Mutex<HashMap<String, Held>>,
    /// Releases that failed (Redis down): tried again later.
    unreleased: Mutex<HashMap<String, String>>,
    /// Taken by a claim, a release and a renewal while they ask Redis.
    turn: tokio::sync::Mutex<()>,
}

/// A claim this console holds.
#[derive(Debug, Clone)]
struct Held {
    value: String,
    since: Instant,
}

impl Claims {
    pub fn new(team: Team) -> Claims {
        Claims::with_ttl(team, CLAIM_TTL)
    }

    /// Claims that live `ttl` unless renewed (tests use a short one).
    pub fn with_ttl(team: Team, ttl: Duration) -> Claims {
        Claims {
            team,
            ttl: ttl.max(Duration::from_millis(30)),
            held: Mutex::default(),
            unreleased: Mutex::default(),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// How often [`Claims::renew_held`] should run: a third of a claim's
    /// life, so one missed turn (a slow Redis) does not lose it.
    pub fn renew_every(&self) -> Duration {
        self.ttl / 3
    }

    /// Claims `conversation` for `what` ("assigning", ...); `force` takes it
    /// whatever holds it.
    pub async fn claim(&self, conversation: &str, what: &str, force: bool) -> ClaimAnswer {
        let value = ClaimValue {
            member_id: self.team.member_id(),
            name: self.team.name(),
            what: what.to_string(),
            since_ms: now_ms(),
            req: crate::kore::jwt::random_id()[..12].to_string(),
        };
        let json = serde_json::to_string(&value).unwrap_or_default();
        let _turn = self.turn.lock().await;
        match self
            .take(conversation, &json, &value.member_id, force)
            .await
        {
            Ok(None) => {
                let held = Held {
                    value: json,
                    since: Instant::now(),
                };
                lock(&self.held).insert(conversation.to_string(), held);
                ClaimAnswer::Granted
            }
            Ok(Some(holder)) => ClaimAnswer::Refused(holder_of(&holder)),
            Err(e) => {
                self.team.mark_down();
                ClaimAnswer::Unavailable(e.to_string())
            }
        }
    }

    /// Claims each of `conversations` for `what` (a bulk action; never
    /// forced) in one round trip: the claim script loaded and run once per
    /// conversation in one pipeline. Answers in the same order; Redis not
    /// answering makes every answer `Unavailable`.
    pub async fn claim_many(&self, conversations: &[String], what: &str) -> Vec<ClaimAnswer> {
        let member = self.team.member_id();
        let values: Vec<String> = conversations
            .iter()
            .map(|_| {
                let value = ClaimValue {
                    member_id: member.clone(),
                    name: self.team.name(),
                    what: what.to_string(),
                    since_ms: now_ms(),
                    req: crate::kore::jwt::random_id()[..12].to_string(),
                };
                serde_json::to_string(&value).unwrap_or_default()
            })
            .collect();
        let _turn = self.turn.lock().await;
        let taken = match self.take_many(conversations, &values, &member).await {
            Ok(taken) if taken.len() == conversations.len() => taken,
            Ok(taken) => {
                let why = format!("{} answers to {} claims", taken.len(), conversations.len());
                return vec![ClaimAnswer::Unavailable(why); conversations.len()];
            }
            Err(e) => {
                self.team.mark_down();
                return vec![ClaimAnswer::Unavailable(e.to_string()); conversations.len()];
            }
        };
        let mut held = lock(&self.held);
        conversations
            .iter()
            .zip(values)
            .zip(taken)
            .map(|((conversation, value), (ok, holder))| {
                if ok != 1 {
                    return ClaimAnswer::Refused(holder_of(&holder));
                }
                let since = Instant::now();
                held.insert(conversation.clone(), Held { value, since });
                ClaimAnswer::Granted
            })
            .collect()
    }

    /// The pipeline of [`Claims::claim_many`]: `SCRIPT LOAD` once, then one
    /// `EVALSHA` of the claim script per conversation.
    async fn take_many(
        &self,
        conversations: &[String],
        values: &[String],
        member: &str,
    ) -> Result<Vec<(i64, Vec<u8>)>, TeamError> {
        let script = Script::new(CLAIM_LUA);
        let mut pipe = redis::pipe();
        pipe.cmd("SCRIPT").arg("LOAD").arg(CLAIM_LUA).ignore();
        for (conversation, value) in conversations.iter().zip(values) {
            pipe.cmd("EVALSHA")
                .arg(script.get_hash())
                .arg(1)
                .arg(self.team.keys().claim(conversation))
                .arg(value)
                .arg(self.ttl.as_millis() as u64)
                .arg("0")
                .arg(member)
                .arg(MAX_HOLDER_BYTES);
        }
        let mut conn = self.team.conn();
        Ok(pipe.query_async(&mut conn).await?)
    }

    /// `Ok(None)`: taken; `Ok(Some(holder's value))`: refused.
    async fn take(
        &self,
        conversation: &str,
        json: &str,
        member: &str,
        force: bool,
    ) -> Result<Option<Vec<u8>>, TeamError> {
        let mut conn = self.team.conn();
        let (taken, holder): (i64, Vec<u8>) = Script::new(CLAIM_LUA)
            .key(self.team.keys().claim(conversation))
            .arg(json)
            .arg(self.ttl.as_millis() as u64)
            .arg(if force { "1" } else { "0" })
            .arg(member)
            .arg(MAX_HOLDER_BYTES)
            .invoke_async(&mut conn)
            .await?;
        Ok((taken != 1).then_some(holder))
    }

    /// Releases this console's claim on `conversation`, if it holds one.
    /// When Redis does not answer, the release is kept for later.
    pub async fn release(&self, conversation: &str) {
        let _turn = self.turn.lock().await;
        let Some(Held { value, .. }) = lock(&self.held).remove(conversation) else {
            return;
        };
        if self.release_value(conversation, &value).await.is_err() {
            self.team.mark_down();
            lock(&self.unreleased).insert(conversation.to_string(), value);
        }
    }

    async fn release_value(&self, conversation: &str, value: &str) -> Result<(), TeamError> {
        let mut conn = self.team.conn();
        let _: i64 = Script::new(RELEASE_LUA)
            .key(self.team.keys().claim(conversation))
            .arg(value)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Renews every claim this console still holds (its requests have not
    /// had their outcome yet), each by compare-and-pexpire. Returns the
    /// conversations a teammate holds now (they are no longer renewed); a
    /// claim held past [`MAX_HOLD`] is left to expire. Redis not answering
    /// keeps them all for the next turn.
    pub async fn renew_held(&self) -> Vec<String> {
        let _turn = self.turn.lock().await;
        let held: Vec<(String, Held)> = lock(&self.held)
            .iter()
            .map(|(c, h)| (c.clone(), h.clone()))
            .collect();
        let mut lost = Vec::new();
        for (conversation, claim) in held {
            if claim.since.elapsed() > MAX_HOLD {
                tracing::warn!("team: claim on {conversation} held too long; left to expire");
                self.forget(&conversation, &claim.value);
                continue;
            }
            match self.renew(&conversation, &claim.value).await {
                Ok(1) => {}
                Ok(-1) => tracing::warn!("team: the claim on {conversation} was gone"),
                Ok(_) => {
                    tracing::warn!("team: a teammate took {conversation} over");
                    self.forget(&conversation, &claim.value);
                    lost.push(conversation);
                }
                Err(e) => {
                    self.team.mark_down();
                    tracing::debug!("team: could not renew claims: {e}");
                    break;
                }
            }
        }
        lost
    }

    /// 1: renewed; 0: a teammate holds it; -1: nobody does.
    async fn renew(&self, conversation: &str, value: &str) -> Result<i64, TeamError> {
        let mut conn = self.team.conn();
        Ok(Script::new(RENEW_LUA)
            .key(self.team.keys().claim(conversation))
            .arg(value)
            .arg(self.ttl.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?)
    }

    /// Stops holding a claim.
    fn forget(&self, conversation: &str, value: &str) {
        let mut held = lock(&self.held);
        if held.get(conversation).is_some_and(|h| h.value == value) {
            held.remove(conversation);
        }
    }

    /// Renews the held claims every [`Claims::renew_every`] for as long as
    /// `alive` says (the console runs).
    pub async fn keep_renewed(self: std::sync::Arc<Self>, alive: impl Fn() -> bool) {
        let mut tick = tokio::time::interval(self.renew_every());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        while alive() {
            tick.tick().await;
            if !lock(&self.held).is_empty() {
                self.renew_held().await;
            }
        }
    }

    /// Tries the releases Redis missed again; returns how many are left.
    pub async fn retry_releases(&self) -> usize {
        let owed: Vec<(String, String)> = lock(&self.unreleased).drain().collect();
        for (conversation, value) in owed {
            if self.release_value(&conversation, &value).await.is_err() {
                lock(&self.unreleased).insert(conversation, value);
            }
        }
        lock(&self.unreleased).len()
    }

    /// Conversations this console holds a claim on (for tests and `:who`).
    pub fn held(&self) -> Vec<String> {
        let mut held: Vec<String> = lock(&self.held).keys().cloned().collect();
        held.sort();
        held
    }

    /// Releases still owed to Redis.
    pub fn unreleased(&self) -> usize {
        lock(&self.unreleased).len()
    }
}

/// Who holds a claim, from its value as read (bounded): its names cleaned
/// for the screen; a value that is not a console's claim (another program
/// wrote it, or it was cut) still holds the conversation, and says so.
fn holder_of(value: &[u8]) -> ClaimValue {
    match serde_json::from_slice::<ClaimValue>(value) {
        Ok(v) => ClaimValue {
            name: super::shown_name(&v.name),
            what: super::shown_text(&v.what, 20),
            ..v
        },
        Err(_) => ClaimValue {
            member_id: String::new(),
            name: "something other than a console".into(),
            what: "holding".into(),
            since_ms: now_ms(),
            req: String::new(),
        },
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
