//! The team layer (issue 21): the consoles of one account coordinate through
//! Redis. The runtime talks to it; `app/` never does and only sees Actions
//! and Effects. Without `[team]` none of this runs.
//!
//! This file holds the [`Team`] handle (one `redis::aio::ConnectionManager`,
//! which reconnects by itself), the naming of keys ([`Keys`]), presence
//! (each console's [`Member`] record, written with an expiry and renewed)
//! and the cheap [`TeamStatus`] snapshot the status bar reads.
//! `server` starts a `redis-server` of our own for tests and the demo.
//!
//! Nothing secret goes into Redis: no Kore secret, no token, no customer
//! contact data. Members carry a display name, a role, when they started
//! and what they last did (a short text the console writes).

pub mod activity;
pub mod budget;
pub mod claims;
pub mod news;
pub mod poller;
pub mod server;
pub mod teammates;

use crate::config::{ConfigError, KoreConfig, TeamConfig};
use crate::kore::jwt::Secret;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, Script};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a Redis command may take before it counts as Redis being down.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(1_500);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_500);
/// How long a member record lives unless renewed.
pub const PRESENCE_TTL: Duration = Duration::from_secs(15);
/// The longest "last action" text kept in a member record.
pub const MAX_ACTION_CHARS: usize = 120;
/// The most consoles `:who` reads (another program may fill the set).
pub const MAX_MEMBERS: usize = 200;
/// The longest presence record read; a longer one is not Switchboard's.
pub const MAX_RECORD_BYTES: usize = 4_096;
/// The longest lease value read.
pub const MAX_LEASE_BYTES: usize = 512;
/// The longest name shown for a teammate (as `[team].name` allows).
pub const MAX_SHOWN_NAME: usize = crate::config::MAX_TEAM_NAME_CHARS;

/// Why the team layer could not do something.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The URL is not one the Redis client takes (the URL is not repeated).
    #[error("[team].redis_url: {0}")]
    Url(String),
    /// Redis did not answer or refused; the message never holds the password.
    #[error("Redis: {0}")]
    Redis(String),
    #[error(transparent)]
    Server(#[from] server::ServerError),
    /// Redis answers, but a team key holds what another program wrote.
    #[error("Redis: {0}")]
    Hostile(String),
}

impl From<redis::RedisError> for TeamError {
    fn from(e: redis::RedisError) -> Self {
        TeamError::Redis(e.to_string())
    }
}

/// What the team layer needs, resolved from `[team]` and `[kore]`.
#[derive(Debug, Clone)]
pub struct TeamSettings {
    /// The URL as configured; shown only through [`TeamSettings::masked_url`].
    url: String,
    password: Option<Secret>,
    /// How teammates see this supervisor.
    pub name: String,
    /// The prefix of every key.
    pub key_prefix: String,
    /// The poller's lease.
    pub lease: Duration,
}

impl TeamSettings {
    /// Resolves `[team]` (the password is fetched now, from its env var or
    /// command).
    pub fn from_config(team: &TeamConfig, kore: &KoreConfig) -> Result<TeamSettings, TeamError> {
        Ok(TeamSettings {
            url: team.redis_url.trim().to_string(),
            password: team.resolve_password()?,
            name: team.member_name(),
            key_prefix: team.key_prefix(kore),
            lease: team.lease(),
        })
    }

    /// Settings for a server of our own (tests, the demo).
    pub fn local(url: impl Into<String>, name: &str, key_prefix: &str) -> TeamSettings {
        TeamSettings {
            url: url.into(),
            password: None,
            name: name.to_string(),
            key_prefix: key_prefix.to_string(),
            lease: Duration::from_millis(crate::config::DEFAULT_LEASE_MS),
        }
    }

    /// The URL with any password masked.
    pub fn masked_url(&self) -> String {
        crate::config::mask_url(&self.url)
    }

    fn connection_info(&self) -> Result<redis::ConnectionInfo, TeamError> {
        let info = self
            .url
            .as_str()
            .into_connection_info()
            // The client's message could quote the URL; ours does not.
            .map_err(|e| TeamError::Url(format!("not a Redis URL ({})", e.kind_str())))?;
        Ok(match &self.password {
            Some(pw) => {
                let redis = info.redis_settings().clone().set_password(pw.expose());
                info.set_redis_settings(redis)
            }
            None => info,
        })
    }
}

trait KindStr {
    fn kind_str(&self) -> String;
}

impl KindStr for redis::RedisError {
    fn kind_str(&self) -> String {
        format!("{:?}", self.kind())
    }
}

/// The names of the team's keys, all under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: impl Into<String>) -> Keys {
        Keys {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `{prefix}{suffix}`, for a key of a part not named here.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// Sorted set of member ids, scored by when their record expires (ms).
    pub fn members(&self) -> String {
        self.key("members")
    }

    /// One member's record (JSON), with an expiry.
    pub fn member(&self, id: &str) -> String {
        self.key(&format!("member:{id}"))
    }

    /// The poller's lease: `{fence}|{member id}|{name}`, with an expiry.
    pub fn lease(&self) -> String {
        self.key("poll:lease")
    }

    /// The fencing counter, one more per lease taken.
    pub fn fence(&self) -> String {
        self.key("poll:fence")
    }

    /// The last poll round handed out.
    pub fn round(&self) -> String {
        self.key("poll:round")
    }

    /// The stream of what the poller read, for the followers.
    pub fn picture(&self) -> String {
        self.key("poll:picture")
    }

    /// The account's sliding window of requests (sorted set).
    pub fn window(&self) -> String {
        self.key("rate:window")
    }

    /// Until when (unix ms) every console holds back after a 429.
    pub fn blocked_until(&self) -> String {
        self.key("rate:blocked_until")
    }

    /// The actions waiting to leave, of every console (short-lived).
    pub fn actions_waiting(&self) -> String {
        self.key("rate:actions_waiting")
    }

    /// A claim on a conversation.
    pub fn claim(&self, conversation: &str) -> String {
        self.key(&format!("claim:{conversation}"))
    }

    /// The team's activity stream.
    pub fn activity(&self) -> String {
        self.key("activity")
    }
}

/// A console's part in the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Holds the lease and runs the poll plan.
    Poller,
    /// Applies what the poller publishes.
    Follower,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Poller => "poller",
            Role::Follower => "follower",
        }
    }
}

/// One console's presence record, as kept in Redis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Unique per console: the name and a random suffix.
    pub id: String,
    pub name: String,
    pub role: Role,
    /// When the console started (unix ms).
    pub started_ms: i64,
    /// What it last did, e.g. "assigned c-1042 to Raj", if anything.
    #[serde(default)]
    pub last_action: Option<String>,
    /// When (unix ms).
    #[serde(default)]
    pub last_action_ms: Option<i64>,
}

impl Member {
    /// The record as read from Redis, made safe to show: names and the
    /// last action without control characters, and cut.
    fn cleaned(mut self) -> Member {
        self.name = shown_name(&self.name);
        self.last_action = self.last_action.map(|a| shown_text(&a, MAX_ACTION_CHARS));
        self
    }
}

/// A name read from Redis as it may be shown: control characters (escape
/// sequences, bells, newlines) out, spaces trimmed, cut to
/// [`MAX_SHOWN_NAME`] characters; "?" when nothing is left.
pub fn shown_name(raw: &str) -> String {
    let name = shown_text(raw, MAX_SHOWN_NAME);
    if name.is_empty() { "?".into() } else { name }
}

/// A text read from Redis as it may be shown: control characters out,
/// trimmed, cut to `max` characters (an ellipsis says so).
pub fn shown_text(raw: &str, max: usize) -> String {
    let clean: String = raw.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean.chars().count() <= max {
        return clean.to_string();
    }
    let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The status bar's picture of the team, cheap to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamStatus {
    /// Whether Redis answered the last time it was asked.
    pub online: bool,
    /// Consoles online the last time Redis answered (this one included).
    pub size: usize,
    /// The poller's name, if one holds the lease.
    pub leader: Option<String>,
    /// Whether this console is the poller.
    pub polling_here: bool,
    /// Redis answers, but a team key holds what another program wrote.
    pub trouble: Option<String>,
}

impl TeamStatus {
    /// "team 5 · polling: Mia", or what is wrong.
    pub fn bar_text(&self) -> String {
        if let (true, Some(why)) = (self.online, &self.trouble) {
            return format!("team: {why}");
        }
        if !self.online {
            return format!(
                "team: Redis down · polling alone at 1/{} of the limit",
                self.size.max(1)
            );
        }
        match &self.leader {
            Some(name) => format!("team {} · polling: {name}", self.size),
            None => format!("team {} · no poller yet", self.size),
        }
    }

    /// The same for a narrow bar: "team 5·Mia", "team 5", "team: Redis down".
    pub fn bar_short(&self) -> String {
        if self.online && self.trouble.is_some() {
            return "team: bad key".into();
        }
        if !self.online {
            return "team: Redis down".into();
        }
        match &self.leader {
            Some(name) => format!("team {}·{name}", self.size),
            None => format!("team {}", self.size),
        }
    }
}

/// The handle every team part shares: the connection, the keys, who this
/// console is, and the latest [`TeamStatus`]. Cheap to clone.
#[derive(Clone)]
pub struct Team {
    conn: ConnectionManager,
    /// For a connection of its own (a blocking read must not hold up the
    /// shared one).
    client: redis::Client,
    keys: Keys,
    me: Arc<Mutex<Member>>,
    status: Arc<Mutex<TeamStatus>>,
    lease: Duration,
    /// The team's use of the shared rate window, for the status bar.
    window: Arc<Mutex<WindowUse>>,
}

/// The team's use of the shared rate window as last read: from the take
/// script's answer, or counted at most once a second
/// ([`WINDOW_READ_EVERY`]) by the status refresh.
#[derive(Debug, Default)]
struct WindowUse {
    /// The shared window (0: no shared budget, nothing to count).
    window_ms: u64,
    used: Option<(u32, std::time::Instant)>,
}

/// How often the status refresh counts the shared window at most.
pub const WINDOW_READ_EVERY: Duration = Duration::from_secs(1);
/// How long a count of the shared window is shown for.
const WINDOW_USE_SHOWN: Duration = Duration::from_secs(5);

/// Counts the requests in the shared window now (Redis's clock).
const WINDOW_COUNT_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
"#;

impl std::fmt::Debug for Team {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Team")
            .field("keys", &self.keys)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// GET, bounded: the value when it is a string of at most `ARGV[1]`
/// bytes, else empty (none, another type, too long).
pub(crate) const BOUNDED_GET_LUA: &str = r#"
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return '' end
if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then return '' end
return redis.call('GET', KEYS[1])
"#;

/// The first `ARGV[2]` member records, each bounded as [`BOUNDED_GET_LUA`]
/// (`ARGV[1]`: the records' key prefix; `ARGV[3]`: the longest record).
const MEMBERS_LUA: &str = r#"
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {}
for i, id in ipairs(ids) do
  local k = ARGV[1] .. id
  local t = redis.call('TYPE', k)['ok']
  if t == 'none' then
    out[i] = 'null'
  elseif t ~= 'string' or redis.call('STRLEN', k) > tonumber(ARGV[3]) then
    out[i] = ''
  else
    out[i] = redis.call('GET', k)
  end
end
return out
"#;

/// Reads a stream bounded (another program may have written anything in
/// it): from after id `ARGV[1]` at most `ARGV[2]` entries, or with `$` the
/// last `ARGV[4]` (the id of the end when there are none); only the fields
/// named in `ARGV[5..]` are kept, each cut to `ARGV[3]` bytes. Answers
/// `{last id read, entries}`; a key that is not a stream reads as empty.
const STREAM_READ_LUA: &str = r#"
local from = ARGV[1]
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'stream' then
  if from == '$' then from = '0-0' end
  return {from, {}}
end
local max = tonumber(ARGV[3])
local wanted = {}
for i = 5, #ARGV do wanted[ARGV[i]] = true end
local r
if from == '$' then
  local back = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', tonumber(ARGV[4]))
  r = {}
  for i = #back, 1, -1 do r[#r + 1] = back[i] end
  if #r == 0 then
    local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
    from = last[1] and last[1][1] or '0-0'
  end
else
  r = redis.call('XRANGE', KEYS[1], '(' .. from, '+', 'COUNT', tonumber(ARGV[2]))
end
local out = {}
for _, e in ipairs(r) do
  local f, kept = e[2], {}
  for i = 1, #f - 1, 2 do
    if wanted[f[i]] then
      kept[#kept + 1] = f[i]
      kept[#kept + 1] = string.sub(f[i + 1], 1, max)
    end
  end
  out[#out + 1] = {e[1], kept}
  from = e[1]
end
return {from, out}
"#;

/// A stream entry as the script answers it: its id, then names and values.
type RawEntry = (String, Vec<Vec<u8>>);

/// One stream entry as [`read_stream`] reads it: its id and its fields.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub id: String,
    pub fields: std::collections::HashMap<String, Vec<u8>>,
}

impl Entry {
    /// A field as text (bytes that are not UTF-8 replaced); empty if absent.
    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    }
}

/// How a stream is read: where from, how much, and which fields.
#[derive(Debug, Clone, Copy)]
pub struct StreamRead<'a> {
    /// An entry id to read after, or `$`: the last `backlog` entries.
    pub from: &'a str,
    pub count: usize,
    pub backlog: usize,
    /// The longest field value read (bytes).
    pub max_bytes: usize,
    pub fields: &'a [&'a str],
}

/// Reads the stream `key` bounded (see [`StreamRead`]): the last id read
/// (where to go on from) and the entries.
pub async fn read_stream(
    team: &Team,
    key: &str,
    read: StreamRead<'_>,
) -> Result<(String, Vec<Entry>), TeamError> {
    let mut conn = team.conn();
    let lua = Script::new(STREAM_READ_LUA);
    let mut script = lua.prepare_invoke();
    script
        .key(key)
        .arg(read.from)
        .arg(read.count)
        .arg(read.max_bytes)
        .arg(read.backlog);
    for f in read.fields {
        script.arg(*f);
    }
    let (last, raw): (String, Vec<RawEntry>) = script.invoke_async(&mut conn).await?;
    let entries = raw
        .into_iter()
        .map(|(id, flat)| {
            let mut fields = std::collections::HashMap::new();
            let mut it = flat.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                fields.insert(String::from_utf8_lossy(&k).into_owned(), v);
            }
            Entry { id, fields }
        })
        .collect();
    Ok((last, entries))
}

/// Writes a member's record with an expiry, scores it in the members set by
/// that expiry (Redis's clock), drops the expired ones and answers how many
/// are online.
/// Answers -1, writing nothing, when the members key holds something other
/// than the team's set (another program writes there).
const PRESENCE_LUA: &str = r#"
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'zset' and kind ~= 'none' then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 4)
return redis.call('ZCARD', KEYS[1])
"#;

impl Team {
    /// A handle on the team's Redis. The connection is made lazily and
    /// again whenever it drops, so a Redis that is down at start is not an
    /// error here: the first command says so.
    pub fn connect(settings: &TeamSettings) -> Result<Team, TeamError> {
        let client = redis::Client::open(settings.connection_info()?)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let suffix: u32 = rand::random();
        let me = Member {
            id: format!("{}#{:08x}", member_id_part(&settings.name), suffix),
            name: settings.name.clone(),
            role: Role::Follower,
            started_ms: now_ms(),
            last_action: None,
            last_action_ms: None,
        };
        Ok(Team {
            conn,
            client,
            keys: Keys::new(settings.key_prefix.clone()),
            me: Arc::new(Mutex::new(me)),
            status: Arc::new(Mutex::new(TeamStatus {
                online: false,
                size: 1,
                leader: None,
                polling_here: false,
                trouble: None,
            })),
            lease: settings.lease,
            window: Arc::default(),
        })
    }

    /// A connection of its own, with no response timeout, for a blocking
    /// read (`XREAD BLOCK`): on the shared one it would hold up every
    /// other command.
    pub async fn blocking_connection(
        &self,
    ) -> Result<redis::aio::MultiplexedConnection, TeamError> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(None);
        Ok(self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?)
    }

    /// A connection to send commands on (clones share one socket).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The poller's lease.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// This console's id in the team.
    pub fn member_id(&self) -> String {
        self.lock_me().id.clone()
    }

    /// This console's display name.
    pub fn name(&self) -> String {
        self.lock_me().name.clone()
    }

    /// The latest status, without asking Redis.
    pub fn status(&self) -> TeamStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Records what this console did last; written with the next presence.
    pub fn note_action(&self, text: &str) {
        let mut me = self.lock_me();
        me.last_action = Some(text.chars().take(MAX_ACTION_CHARS).collect());
        me.last_action_ms = Some(now_ms());
    }

    /// Sets this console's role for its record and the status.
    pub fn set_role(&self, role: Role) {
        self.lock_me().role = role;
        if let Ok(mut s) = self.status.lock() {
            s.polling_here = role == Role::Poller;
        }
    }

    /// Writes this console's record (renewing its expiry) and returns how
    /// many are online.
    pub async fn renew_presence(&self) -> Result<usize, TeamError> {
        let me = self.lock_me().clone();
        let json = serde_json::to_string(&me).map_err(|e| TeamError::Redis(e.to_string()))?;
        let mut conn = self.conn();
        let size: i64 = Script::new(PRESENCE_LUA)
            .key(self.keys.members())
            .key(self.keys.member(&me.id))
            .arg(&me.id)
            .arg(json)
            .arg(PRESENCE_TTL.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?;
        usize::try_from(size).map_err(|_| {
            TeamError::Hostile(format!(
                "{} holds something other than the team's presence set (another program writes there)",
                self.keys.members()
            ))
        })
    }

    /// Asks Redis for PONG (`switchboard check`).
    pub async fn ping(&self) -> Result<(), TeamError> {
        let mut conn = self.conn();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    /// Removes this console's record (a clean exit).
    pub async fn leave(&self) -> Result<(), TeamError> {
        let id = self.member_id();
        let mut conn = self.conn();
        let _: () = redis::pipe()
            .zrem(self.keys.members(), &id)
            .del(self.keys.member(&id))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Every console online, in the order they started (at most
    /// [`MAX_MEMBERS`]), with how many records were left out because they
    /// are not Switchboard's (too long, not JSON, not a string). Each
    /// record is read bounded ([`MAX_RECORD_BYTES`]) and its texts cleaned.
    pub async fn members(&self) -> Result<(Vec<Member>, usize), TeamError> {
        let mut conn = self.conn();
        let records: Vec<Vec<u8>> = Script::new(MEMBERS_LUA)
            .key(self.keys.members())
            .arg(self.keys.member(""))
            .arg(MAX_MEMBERS)
            .arg(MAX_RECORD_BYTES)
            .invoke_async(&mut conn)
            .await?;
        let mut unreadable = 0;
        let mut members: Vec<Member> = Vec::new();
        // "null": the record expired since the set was read.
        for bytes in records.iter().filter(|b| b.as_slice() != b"null") {
            match serde_json::from_slice::<Member>(bytes) {
                Ok(m) => members.push(m.cleaned()),
                Err(_) => unreadable += 1,
            }
        }
        members.sort_by_key(|m| (m.started_ms, m.id.clone()));
        Ok((members, unreadable))
    }

    /// The poller's name, from the lease, if one holds it.
    /// A lease value that does not parse (another program's) is none.
    pub async fn leader(&self) -> Result<Option<String>, TeamError> {
        let mut conn = self.conn();
        let lease: Vec<u8> = Script::new(BOUNDED_GET_LUA)
            .key(self.keys.lease())
            .arg(MAX_LEASE_BYTES)
            .invoke_async(&mut conn)
            .await?;
        let lease = String::from_utf8_lossy(&lease);
        Ok(LeaseValue::parse(&lease).map(|l| shown_name(&l.name)))
    }

    /// Renews presence, reads the poller, and keeps the result as the
    /// status; when Redis does not answer, the status says so and keeps the
    /// team size last seen (the share to fall back on).
    pub async fn refresh_status(&self) -> TeamStatus {
        let answer = async {
            let size = self.renew_presence().await?;
            let leader = self.leader().await?;
            self.count_window().await?;
            Ok::<_, TeamError>((size, leader))
        }
        .await;
        let mut status = self.status.lock().map(|s| s.clone()).unwrap_or_default();
        status.trouble = None;
        match answer {
            Ok((size, leader)) => {
                status.online = true;
                status.size = size.max(1);
                status.leader = leader;
            }
            Err(TeamError::Hostile(why)) => {
                tracing::warn!("team: {why}");
                status.online = true;
                status.trouble = Some(why);
            }
            Err(e) => {
                if status.online {
                    tracing::warn!("team: Redis stopped answering: {e}");
                }
                status.online = false;
                status.leader = None;
            }
        }
        if let Ok(mut s) = self.status.lock() {
            *s = status.clone();
        }
        status
    }

    /// The shared budget's window, so the status refresh can count it.
    pub fn set_window(&self, window: Duration) {
        self.lock_window().window_ms = window.as_millis() as u64;
    }

    /// The team's requests in the shared window, as just seen.
    pub fn note_window_used(&self, used: u32) {
        self.lock_window().used = Some((used, std::time::Instant::now()));
    }

    /// The team's requests in the shared window (the status bar's "api
    /// N/60"), while Redis answers and the figure is recent; `None`: use
    /// this console's own count.
    pub fn window_used(&self) -> Option<u32> {
        if !self.status().online {
            return None;
        }
        let (used, at) = self.lock_window().used?;
        (at.elapsed() < WINDOW_USE_SHOWN).then_some(used)
    }

    /// Counts the shared window, unless it was seen within
    /// [`WINDOW_READ_EVERY`] (the take script's answer counts too).
    async fn count_window(&self) -> Result<(), TeamError> {
        let window_ms = {
            let w = self.lock_window();
            if w.window_ms == 0
                || w.used
                    .is_some_and(|(_, at)| at.elapsed() < WINDOW_READ_EVERY)
            {
                return Ok(());
            }
            w.window_ms
        };
        let mut conn = self.conn();
        let n: u64 = Script::new(WINDOW_COUNT_LUA)
            .key(self.keys.window())
            .arg(window_ms)
            .invoke_async(&mut conn)
            .await?;
        self.note_window_used(u32::try_from(n).unwrap_or(u32::MAX));
        Ok(())
    }

    fn lock_window(&self) -> std::sync::MutexGuard<'_, WindowUse> {
        self.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks Redis as down (a part saw a command fail) without asking it.
    pub fn mark_down(&self) {
        if let Ok(mut s) = self.status.lock() {
            s.online = false;
        }
    }

    fn lock_me(&self) -> std::sync::MutexGuard<'_, Member> {
        self.me.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What the lease key holds: `{fence}|{member id}|{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseValue {
    pub fence: u64,
    pub member_id: String,
    pub name: String,
}

impl LeaseValue {
    pub fn render(&self) -> String {
        format!("{}|{}|{}", self.fence, self.member_id, self.name)
    }

    pub fn parse(text: &str) -> Option<LeaseValue> {
        let mut parts = text.splitn(3, '|');
        let fence = parts.next()?.parse().ok()?;
        let member_id = parts.next()?.to_string();
        let name = parts.next()?.to_string();
        Some(LeaseValue {
            fence,
            member_id,
            name,
        })
    }
}

/// The part of a member id made from the name: no `|`, spaces or control
/// characters, so ids read well in keys and lease values.
fn member_id_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(32)
        .collect();
    if part.is_empty() {
        "member".into()
    } else {
        part
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_share_the_prefix() {
        let k = Keys::new("switchboard:abc:");
        assert_eq!(k.lease(), "switchboard:abc:poll:lease");
        assert_eq!(k.member("Mia#1"), "switchboard:abc:member:Mia#1");
        assert_eq!(k.claim("c-1"), "switchboard:abc:claim:c-1");
    }

    #[test]
    fn a_lease_value_round_trips_with_a_bar_in_the_name() {
        let v = LeaseValue {
            fence: 7,
            member_id: "Mia#0001".into(),
            name: "Mia | nights".into(),
        };
        assert_eq!(LeaseValue::parse(&v.render()), Some(v));
        assert_eq!(LeaseValue::parse("x|y|z"), None);
    }

    #[test]
    fn the_bar_text() {
        let mut s = TeamStatus {
            online: true,
            size: 5,
            leader: Some("Mia".into()),
            polling_here: false,
            trouble: None,
        };
        assert_eq!(s.bar_text(), "team 5 · polling: Mia");
        assert_eq!(s.bar_short(), "team 5·Mia");
        s.online = false;
        assert!(s.bar_text().contains("Redis down"));
        assert_eq!(member_id_part("Mia Lee|x"), "Mia_Lee_x");
    }
}
