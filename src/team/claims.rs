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
//! holds it.
//!
//! While Redis is down the console goes on alone: a claim it cannot ask for
//! is granted locally, and claims it holds that it could not release are
//! kept and released when Redis answers again ([`Claims::retry_releases`]).

use super::{Team, TeamError, now_ms};
use redis::Script;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long a claim lives unless released: long enough for a request and
/// its answer, short enough that a console that died frees it soon.
pub const CLAIM_TTL: Duration = Duration::from_secs(20);

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
/// `{1, ""}` when taken, `{0, holder's value}` when not.
const CLAIM_LUA: &str = r#"
if ARGV[3] ~= '1' then
  if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {1, ''}
  end
  local cur = redis.call('GET', KEYS[1])
  if not cur then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {1, ''}
  end
  local ok, v = pcall(cjson.decode, cur)
  if not (ok and type(v) == 'table' and v['member_id'] == ARGV[4]) then
    return {0, cur}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, ''}
"#;

/// Deletes the claim only when it still holds our value.
const RELEASE_LUA: &str = r#"
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
    /// Conversation → the value this console claimed it with.
    held: Mutex<HashMap<String, String>>,
    /// Releases that failed (Redis down): tried again later.
    unreleased: Mutex<HashMap<String, String>>,
}

impl Claims {
    pub fn new(team: Team) -> Claims {
        Claims {
            team,
            held: Mutex::default(),
            unreleased: Mutex::default(),
        }
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
        match self
            .take(conversation, &json, &value.member_id, force)
            .await
        {
            Ok(None) => {
                lock(&self.held).insert(conversation.to_string(), json);
                ClaimAnswer::Granted
            }
            Ok(Some(holder)) => match serde_json::from_str(&holder) {
                Ok(v) => ClaimAnswer::Refused(v),
                // Not ours to read: someone holds it all the same.
                Err(_) => ClaimAnswer::Refused(ClaimValue {
                    member_id: String::new(),
                    name: "a teammate".into(),
                    what: "holding".into(),
                    since_ms: now_ms(),
                    req: String::new(),
                }),
            },
            Err(e) => {
                self.team.mark_down();
                ClaimAnswer::Unavailable(e.to_string())
            }
        }
    }

    /// `Ok(None)`: taken; `Ok(Some(holder's value))`: refused.
    async fn take(
        &self,
        conversation: &str,
        json: &str,
        member: &str,
        force: bool,
    ) -> Result<Option<String>, TeamError> {
        let mut conn = self.team.conn();
        let (taken, holder): (i64, String) = Script::new(CLAIM_LUA)
            .key(self.team.keys().claim(conversation))
            .arg(json)
            .arg(CLAIM_TTL.as_millis() as u64)
            .arg(if force { "1" } else { "0" })
            .arg(member)
            .invoke_async(&mut conn)
            .await?;
        Ok((taken != 1).then_some(holder))
    }

    /// Releases this console's claim on `conversation`, if it holds one.
    /// When Redis does not answer, the release is kept for later.
    pub async fn release(&self, conversation: &str) {
        let Some(value) = lock(&self.held).remove(conversation) else {
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
