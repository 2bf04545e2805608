//! The simulator's HTTP side: routes, JWT and header checks, the rate limit,
//! fault injection, assign callbacks and the traffic generator's task.
//!
//! Checks return `Result<_, Response>`: a refusal is the response to send.
#![allow(
    clippy::result_large_err,
    reason = "a refusal is an axum Response, moved once per request"
)]

use super::roster::SimRoster;
use super::world::{self, ConvStatus, SimConversation, World, WorldIds};
use super::{Chaos, Fault, ReceivedHook, SentCallback, SimConfig};
use crate::kore::wire::{
    AgentRecord, AssignCallback, AssignRequest, AssignResponse, AssignTarget, AvailabilityRequest,
    AvailabilityResponse, BOT_NOT_FOUND_MESSAGE, ConversationRecord, ErrorBody, HookEvent,
    HooksBody, Page, QueueRecord, QueueSizeRequest, QueueSizeResponse, RATE_LIMIT_MESSAGE,
    StatusOk, Transition,
};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Bodies above this size are refused with 413.
pub(crate) const BODY_LIMIT: usize = 1 << 20;
/// After refusing a body, up to this much more is read and thrown away so that
/// the client gets to read the 413 instead of a reset connection.
const DRAIN_LIMIT: usize = 16 << 20;
/// How many received hooks and sent callbacks are kept for introspection.
const KEEP_RECORDS: usize = 10_000;

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) cfg: SimConfig,
    key: DecodingKey,
    validation: Validation,
    pub(crate) http: reqwest::Client,
    state: Mutex<SimState>,
    stopped: watch::Receiver<bool>,
}

/// The mutable part, behind one lock that is never held across an await.
pub(crate) struct SimState {
    pub(crate) world: World,
    pub(crate) traffic_rng: StdRng,
    fault_rng: StdRng,
    jitter_rng: StdRng,
    /// Picks the form of each hooks success answer.
    reply_rng: StdRng,
    /// Picks the form of each queue-size answer (strict, or commented as
    /// in the docs' sample).
    queue_size_rng: StdRng,
    /// queue-size answers served with the sample's comment, and strict ones.
    pub(crate) queue_size_forms: (usize, usize),
    pub(crate) rosters: HashMap<String, SimRoster>,
    pub(crate) received: VecDeque<ReceivedHook>,
    pub(crate) callbacks: VecDeque<SentCallback>,
    windows: HashMap<String, VecDeque<Instant>>,
    /// A forced outage: Kore requests get this status until cleared; with a
    /// conversation id, only hooks requests for that conversation do.
    pub(crate) outage: Option<(u16, Option<String>)>,
    /// Conversations whose next hooks request loses its reply.
    pub(crate) lose_next_reply: HashSet<String>,
    /// Per conversation, the events of its last accepted hooks request while
    /// that request's reply is lost and nothing else has come since: an
    /// identical request is then the client's replay, not a new one.
    replayable: HashMap<String, Vec<HookEvent>>,
    /// Misbehaviour on demand (tests).
    pub(crate) chaos: Chaos,
    /// assign-conversation requests carried out.
    pub(crate) assigns_accepted: usize,
    /// Requests answered 429 for the rate limit.
    pub(crate) rate_limited: u64,
    /// The next made-up id of `Chaos::endless_list`.
    endless_next: u64,
}

impl SimState {
    fn push_received(&mut self, rec: ReceivedHook) {
        if self.received.len() >= KEEP_RECORDS {
            self.received.pop_front();
        }
        self.received.push_back(rec);
    }

    fn push_callback(&mut self, cb: SentCallback) {
        if self.callbacks.len() >= KEEP_RECORDS {
            self.callbacks.pop_front();
        }
        self.callbacks.push_back(cb);
    }
}

impl Shared {
    pub(crate) fn new(cfg: SimConfig, stopped: watch::Receiver<bool>) -> anyhow::Result<Shared> {
        let key = DecodingKey::from_secret(cfg.client_secret.expose().as_bytes());
        let mut validation = Validation::new(Algorithm::HS256);
        // Kore documents no claim but appId; exp is checked only when present.
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = true;
        validation.validate_aud = false;
        validation.leeway = 0;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()?;
        // The traffic generator's random numbers come from the seed exactly as
        // in `Traffic::new`, so a live simulator and a test world agree.
        let mut traffic_rng = StdRng::seed_from_u64(cfg.seed);
        let world = World::demo(
            WorldIds {
                bot_id: cfg.bot_id.clone(),
                org_id: cfg.org_id.clone(),
                account_id: cfg.account_id.clone(),
            },
            &mut traffic_rng,
            now_ms(),
        );
        let mut world = world;
        if cfg.conversations > 0 {
            world.add_live_mix(&mut traffic_rng, cfg.conversations, now_ms());
        }
        let state = SimState {
            world,
            traffic_rng,
            fault_rng: StdRng::seed_from_u64(cfg.seed ^ 0xfa17_fa17_fa17_fa17),
            outage: None,
            jitter_rng: StdRng::seed_from_u64(cfg.seed ^ 0x0c0b_ac00_0c0b_ac00),
            reply_rng: StdRng::seed_from_u64(cfg.seed ^ 0x200c_200c_200c_200c),
            queue_size_rng: StdRng::seed_from_u64(cfg.seed ^ 0x0a5a_0a5a_0a5a_0a5a),
            queue_size_forms: (0, 0),
            lose_next_reply: HashSet::new(),
            replayable: HashMap::new(),
            chaos: Chaos::default(),
            assigns_accepted: 0,
            rosters: HashMap::new(),
            received: VecDeque::new(),
            callbacks: VecDeque::new(),
            windows: HashMap::new(),
            rate_limited: 0,
            endless_next: 0,
        };
        Ok(Shared {
            cfg,
            key,
            validation,
            http,
            state: Mutex::new(state),
            stopped,
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn verify_token(&self, token: &str) -> Result<(), String> {
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &self.key, &self.validation)
            .map_err(|e| {
                let why = match e.kind() {
                    ErrorKind::InvalidSignature => "its signature does not match the client secret",
                    ErrorKind::ExpiredSignature => "it has expired (exp is in the past)",
                    ErrorKind::InvalidAlgorithm => "it is not signed with HS256",
                    ErrorKind::ImmatureSignature => "it is not valid yet (nbf)",
                    _ => "it is not a well-formed HS256 JWT",
                };
                format!("the JWT was refused: {why}")
            })?;
        match data.claims.get("appId").and_then(|v| v.as_str()) {
            Some(id) if id == self.cfg.client_id => Ok(()),
            Some(_) => {
                Err("the JWT was refused: its appId claim is not this app's client id".into())
            }
            None => Err("the JWT was refused: it has no appId claim".into()),
        }
    }

    /// Counts one request against `account`'s rolling window.
    fn check_rate(&self, account: &str) -> Result<(), Response> {
        let limit = self.cfg.rate_limit as usize;
        if limit == 0 {
            return Ok(());
        }
        let window = self.cfg.rate_window;
        let now = Instant::now();
        let mut st = self.lock();
        let st = &mut *st;
        let q = st.windows.entry(account.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= limit {
            st.rate_limited += 1;
            let oldest = q.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            let secs = (wait.as_secs_f64().ceil() as u64).max(1);
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, RATE_LIMIT_MESSAGE);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return Err(r);
        }
        q.push_back(now);
        Ok(())
    }

    /// With probability `faults`: a 503, extra latency (then a normal answer),
    /// a dropped connection, or, for hooks requests (`conversation` given), a
    /// lost reply. A 503 or a dropped connection refuses the request with the
    /// response to send, which carries its [`Fault`]. Otherwise the request
    /// goes on, told which fault it met, if any; a lost reply is the caller's
    /// to carry out once the request is processed.
    async fn inject_fault(&self, conversation: Option<&str>) -> Result<Option<Fault>, Response> {
        let (outage, forced_loss) = {
            let st = self.lock();
            let forced = conversation.is_some_and(|c| st.lose_next_reply.contains(c));
            (st.outage.clone(), forced)
        };
        if let Some((status, only)) = outage
            && only.as_deref().is_none_or(|c| Some(c) == conversation)
        {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Err(error(status, "simulated outage"));
        }
        if forced_loss && let Some(c) = conversation {
            self.lock().lose_next_reply.remove(c);
            return Ok(Some(Fault::LostReply));
        }
        if self.cfg.faults <= 0.0 {
            return Ok(None);
        }
        let kinds = if conversation.is_some() { 4 } else { 3 };
        let pick = {
            let mut st = self.lock();
            if st.fault_rng.random_bool(self.cfg.faults) {
                let kind = match st.fault_rng.random_range(0..kinds) {
                    0 => Fault::Error,
                    1 => Fault::Latency,
                    2 => Fault::Reset,
                    _ => Fault::LostReply,
                };
                let ms = st.fault_rng.random_range(300..=1500u64);
                Some((kind, ms))
            } else {
                None
            }
        };
        let fault = |mut r: Response, kind: Fault| {
            r.extensions_mut().insert(kind);
            r
        };
        match pick {
            None => Ok(None),
            Some((Fault::Error, _)) => Err(fault(
                error(StatusCode::SERVICE_UNAVAILABLE, "simulated fault"),
                Fault::Error,
            )),
            Some((Fault::Latency, ms)) => {
                tracing::debug!(ms, "simulated latency");
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(Some(Fault::Latency))
            }
            Some((Fault::Reset, _)) => Err(fault(dropped_connection(), Fault::Reset)),
            Some((Fault::LostReply, _)) => Ok(Some(Fault::LostReply)),
        }
    }

    /// The checks every public (non-hooks) endpoint makes, in order: JWT,
    /// `accountid`, rate limit, fault injection, and the stream id in the path.
    /// A redirect or a forced 429 from [`Chaos`], before anything else.
    fn chaos_gate(&self) -> Result<(), Response> {
        let chaos = self.lock().chaos.clone();
        if let Some((status, location)) = chaos.redirect {
            let mut r = Response::new(Body::from("moved"));
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return Err(r);
        }
        if let Some(wait) = chaos.retry_after {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, RATE_LIMIT_MESSAGE);
            if let Ok(v) = HeaderValue::from_str(&wait) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(r);
        }
        Ok(())
    }

    /// The body of a request for filtered figures, read and then gated (see
    /// [`Shared::gate`]): an empty body means no filter (the default); one
    /// that cannot be read gets 400.
    async fn filters<T: DeserializeOwned + Default>(
        &self,
        headers: &HeaderMap,
        stream_id: &str,
        body: Body,
    ) -> Result<T, Response> {
        let bytes = read_body(body).await?;
        self.gate(headers, stream_id).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(T::default());
        }
        parse_json(&bytes).map_err(|why| error(StatusCode::BAD_REQUEST, why))
    }

    async fn gate(&self, headers: &HeaderMap, stream_id: &str) -> Result<(), Response> {
        self.chaos_gate()?;
        let (_, token) = pick_token(headers, &["auth", "token"]);
        let token = token.ok_or_else(|| {
            error(
                StatusCode::UNAUTHORIZED,
                "no JWT: send it in the auth header",
            )
        })?;
        self.verify_token(&token)
            .map_err(|why| error(StatusCode::UNAUTHORIZED, why))?;
        let account = headers
            .get("accountid")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, "the accountid header is missing"))?;
        if account != self.cfg.account_id {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "the accountid header does not match the account of this app",
            ));
        }
        self.check_rate(account)?;
        self.inject_fault(None).await?;
        if stream_id != self.cfg.bot_id {
            return Err(bot_not_found());
        }
        Ok(())
    }
}

/// The message an error response carried, for the received-hooks record.
#[derive(Clone)]
struct Note(String);

/// Marks a response to be held back this many ms (chaos: slow answers).
#[derive(Clone)]
struct Slow(u64);

/// Marks the response that drops the connection on purpose.
#[derive(Clone)]
struct Dropped;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let message = message.into();
    let body = ErrorBody {
        code: Some(status.as_u16() as i64),
        message: message.clone(),
    };
    let mut r = (status, Json(body)).into_response();
    r.extensions_mut().insert(Note(message));
    r
}

fn bot_not_found() -> Response {
    error(StatusCode::BAD_REQUEST, BOT_NOT_FOUND_MESSAGE)
}

fn json<T: Serialize>(value: &T) -> Response {
    (StatusCode::OK, Json(value)).into_response()
}

/// A response whose body fails before its first byte. hyper then closes the
/// connection without writing anything, so the client sees the connection
/// dropped with no response, as after a reset or a crashed upstream. (The 502
/// status and `Connection: close` are never sent; they only say what the
/// response stands for.)
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated dropped connection",
        ))
    });
    let mut r = Response::new(Body::from_stream(failing));
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r.extensions_mut().insert(Dropped);
    r.extensions_mut()
        .insert(Note("connection dropped (simulated fault)".into()));
    r
}

/// The first of `names` that is present, with its value (empty when the value
/// is not text). The name is `""` when none is present.
fn pick_token(headers: &HeaderMap, names: &[&'static str]) -> (&'static str, Option<String>) {
    for name in names {
        if let Some(v) = headers.get(*name) {
            let text = v.to_str().unwrap_or("").trim().to_string();
            return (name, Some(text));
        }
    }
    ("", None)
}

/// Reads a body of at most [`BODY_LIMIT`] bytes; more gets 413.
async fn read_body(body: Body) -> Result<Bytes, Response> {
    let too_large = || {
        let mut r = error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {BODY_LIMIT} bytes"),
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    };
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                format!("could not read the body: {e}"),
            )
        })?;
        if buf.len() + chunk.len() > BODY_LIMIT {
            let mut total = buf.len() + chunk.len();
            drop(buf);
            let drain = async {
                while let Some(Ok(c)) = stream.next().await {
                    total += c.len();
                    if total > DRAIN_LIMIT {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the body is empty; a JSON object is expected".into());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| format!("the body is not valid JSON for this endpoint: {e}"))
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    const PUBLIC: &str = "/agentassist/api/v1/public/{stream_id}";
    Router::new()
        .route("/agentassist/api/v1/hooks/{bot_id}", post(hooks))
        .route(&format!("{PUBLIC}/assign-conversation"), post(assign))
        .route(&format!("{PUBLIC}/conversations"), get(list_conversations))
        .route(
            &format!("{PUBLIC}/conversations/{{conversation_id}}"),
            get(get_conversation),
        )
        .route(
            &format!("{PUBLIC}/conversations/sessions/{{session_id}}"),
            get(conversation_details),
        )
        .route(
            &format!("{PUBLIC}/organizations/{{org_id}}/agents"),
            get(list_agents),
        )
        .route(&format!("{PUBLIC}/agents/availability"), post(availability))
        .route(&format!("{PUBLIC}/queues"), get(list_queues))
        // The sample URL ends with a `/` that the endpoint row lacks: both work.
        .route(
            &format!("{PUBLIC}/monitor/queueStatsById/{{queue_id}}"),
            post(queue_size),
        )
        .route(
            &format!("{PUBLIC}/monitor/queueStatsById/{{queue_id}}/"),
            post(queue_size),
        )
        .route("/__sim/received", get(sim_received))
        .route("/__sim/rosters/{conversation_id}", get(sim_roster))
        .route("/__sim/callbacks", get(sim_callbacks))
        .route(
            "/__sim/outage",
            post(sim_outage_set).delete(sim_outage_clear),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint in the simulator") })
        .with_state(shared)
}

// ---------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------

async fn hooks(
    State(sh): State<Arc<Shared>>,
    Path(bot_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut rec = ReceivedHook {
        conversation_id: String::new(),
        events: Vec::new(),
        status: 0,
        token_valid: false,
        auth_header: String::new(),
        at_ms: now_ms(),
        message: String::new(),
        fault: None,
        bare: false,
        duplicate: false,
    };
    match hooks_inner(&sh, &bot_id, &headers, body, &mut rec).await {
        // Accepted requests were recorded together with their roster change.
        Ok(resp) => {
            if let Some(Slow(ms)) = resp.extensions().get::<Slow>().cloned() {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            resp
        }
        Err(resp) => {
            rec.status = if resp.extensions().get::<Dropped>().is_some() {
                0
            } else {
                resp.status().as_u16()
            };
            rec.message = resp
                .extensions()
                .get::<Note>()
                .map(|n| n.0.clone())
                .unwrap_or_default();
            if let Some(f) = resp.extensions().get::<Fault>() {
                rec.fault = Some(*f);
            }
            let lost = rec.reply_lost();
            if lost {
                rec.message.push_str(LOST_NOTE);
            }
            tracing::info!(
                conversation = %rec.conversation_id,
                status = rec.status,
                reason = %rec.message,
                "hooks request refused"
            );
            sh.lock().push_received(rec);
            if lost { dropped_connection() } else { resp }
        }
    }
}

/// Added to the recorded message of a request whose reply was lost.
const LOST_NOTE: &str = " (reply lost: connection dropped, simulated fault)";

/// A hooks success in one of its two documented forms.
fn hooks_ok(bare: bool) -> Response {
    if bare {
        StatusCode::OK.into_response()
    } else {
        json(&StatusOk {
            status: "OK".into(),
        })
    }
}

async fn hooks_inner(
    sh: &Shared,
    bot_id: &str,
    headers: &HeaderMap,
    body: Body,
    rec: &mut ReceivedHook,
) -> Result<Response, Response> {
    let bytes = read_body(body).await?;
    sh.chaos_gate()?;
    // Parsed before the checks so that a refused request is still recorded
    // with what it carried.
    let parsed: Result<HooksBody, String> = parse_json(&bytes);
    if let Ok(b) = &parsed {
        rec.conversation_id = b.conversation_id.clone();
        rec.events = b.events.clone();
    }

    // The docs' endpoint tables say `auth`, their samples say `token`: both work.
    let (name, token) = pick_token(headers, &["token", "auth"]);
    rec.auth_header = name.to_string();
    let token = token.ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "no JWT: send it in the token header (or auth)",
        )
    })?;
    sh.verify_token(&token)
        .map_err(|why| error(StatusCode::UNAUTHORIZED, why))?;
    rec.token_valid = true;

    // Hooks requests carry no accountid header, so they are counted against
    // the configured account: one budget for everything the console sends.
    sh.check_rate(&sh.cfg.account_id)?;
    let conversation = parsed
        .as_ref()
        .ok()
        .map(|b| b.conversation_id.trim().to_string());
    // Hooks requests always name a conversation for the fault injection, so
    // that they can meet a lost reply; an unreadable body names "".
    rec.fault = sh
        .inject_fault(Some(conversation.as_deref().unwrap_or("")))
        .await?;

    if bot_id != sh.cfg.bot_id {
        return Err(bot_not_found());
    }
    let body = parsed.map_err(|why| error(StatusCode::BAD_REQUEST, why))?;
    if body.bot_id.trim().is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "botId is missing from the request body",
        ));
    }
    if body.bot_id != sh.cfg.bot_id {
        return Err(bot_not_found());
    }
    let cid = body.conversation_id.trim();
    if cid.is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "conversationId is missing from the request body",
        ));
    }
    if body.events.is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "events is missing or empty; send at least one event",
        ));
    }

    let now = now_ms();
    let lose_reply = rec.reply_lost();
    let mut st = sh.lock();
    // Only the request right after a lost reply can be its replay: whatever
    // comes now, the chance is used up (unless this reply is lost again).
    let replay_of = st.replayable.remove(cid);
    if replay_of.as_deref() == Some(body.events.as_slice()) {
        rec.status = 200;
        rec.duplicate = true;
        tracing::info!(conversation = %cid, "hooks request is a replay of a lost reply");
        if lose_reply {
            st.replayable.insert(cid.to_string(), body.events.clone());
            rec.message = format!("OK, a replay, not applied again{LOST_NOTE}");
            st.push_received(rec.clone());
            return Ok(dropped_connection());
        }
        rec.bare = st.reply_rng.random_bool(0.5);
        rec.message = "OK, a replay of a request whose reply was lost, not applied again".into();
        st.push_received(rec.clone());
        return Ok(hooks_ok(rec.bare));
    }
    let mut current = st.rosters.get(cid).cloned().unwrap_or_default();
    // Agents entered elsewhere (routing, an assign taken up, a desktop) are
    // present for the hooks rules too: one picture, as Kore keeps it.
    if let Some(entered) = st.world.entered_agents(cid) {
        current.follow(&entered);
    }
    let next = current
        .check_all(&body.events)
        .map_err(|why| error(StatusCode::BAD_REQUEST, why))?;
    let entered = body
        .events
        .iter()
        .any(|e| matches!(e, HookEvent::InternalTransfer(t) if t.transition == Transition::Entry));
    let ended = next.ended && !current.ended;
    st.world.follow_hooks(cid, &next.present, now);
    st.world.on_hooks(cid, entered, ended, now);
    tracing::info!(
        conversation = %cid,
        events = body.events.len(),
        present = ?next.present,
        "hooks request accepted"
    );
    st.rosters.insert(cid.to_string(), next);
    rec.status = 200;
    if let Some(ms) = st.chaos.slow_ms {
        // Applied now, answered late: a client that gives up and tries
        // again sends a replay, recognised like one after a lost reply.
        st.replayable.insert(cid.to_string(), body.events.clone());
        rec.bare = st.reply_rng.random_bool(0.5);
        rec.message = format!("OK, applied, answered after {ms} ms (slow, simulated)");
        st.push_received(rec.clone());
        let mut r = hooks_ok(rec.bare);
        r.extensions_mut().insert(Slow(ms));
        return Ok(r);
    }
    if lose_reply {
        st.replayable.insert(cid.to_string(), body.events.clone());
        rec.message = format!("OK, applied{LOST_NOTE}");
        st.push_received(rec.clone());
        return Ok(dropped_connection());
    }
    rec.bare = st.reply_rng.random_bool(0.5);
    rec.message = "OK".into();
    st.push_received(rec.clone());
    Ok(hooks_ok(rec.bare))
}

// ---------------------------------------------------------------------------
// assign-conversation and its callback
// ---------------------------------------------------------------------------

async fn assign(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match assign_inner(sh, &stream_id, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn assign_inner(
    sh: Arc<Shared>,
    stream_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let bytes = read_body(body).await?;
    sh.gate(headers, stream_id).await?;
    let req: AssignRequest =
        parse_json(&bytes).map_err(|why| error(StatusCode::BAD_REQUEST, why))?;
    let bad = |why: String| error(StatusCode::BAD_REQUEST, why);
    let url = req.callback_url.trim();
    if url.is_empty() {
        return Err(bad("callbackUrl is required".into()));
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(bad(format!(
                "callbackUrl {url:?} is not an http or https URL"
            )));
        }
    }
    let session = req.bot_session_id.trim().to_string();
    if session.is_empty() {
        return Err(bad("botSessionId is required".into()));
    }
    let org = req.org_id.as_deref().map(str::trim).unwrap_or("");
    if !org.is_empty() && org != sh.cfg.org_id {
        return Err(bad(format!(
            "orgId {org} is not this account's organization"
        )));
    }
    let target = req.target().ok_or_else(|| {
        bad("name one target: aId for an agent, or transferredType \"QUEUE\" with queueId".into())
    })?;
    let (agent_id, queue_id) = match &target {
        AssignTarget::Agent(a) => (Some(a.clone()), None),
        AssignTarget::Queue(q) => (None, Some(q.clone())),
    };
    tracing::info!(session = %session, target = ?target, "assign-conversation accepted");
    let slow = {
        let mut st = sh.lock();
        st.assigns_accepted += 1;
        st.chaos.slow_ms
    };
    tokio::spawn(deliver_callback(
        sh.clone(),
        url.to_string(),
        session.clone(),
        target,
    ));
    if let Some(ms) = slow {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(json(&AssignResponse {
        session_id: session,
        agent_id,
        queue_id,
        status: "transferred".into(),
        request_completed_at: Some(now_ms()),
    }))
}

/// Waits the callback delay, carries out the transfer in the world, and posts
/// the outcome to the callback URL (unless fault injection drops it).
async fn deliver_callback(sh: Arc<Shared>, url: String, session: String, target: AssignTarget) {
    let mut stopped = sh.stopped.clone();
    let (base, jitter) = {
        let mut st = sh.lock();
        let base = st
            .chaos
            .callback_delay_ms
            .unwrap_or(sh.cfg.callback_delay_ms);
        (base, st.jitter_rng.random_range(0..=base / 2))
    };
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(base + jitter)) => {}
        _ = stopped.changed() => return,
    }
    let now = now_ms();
    let (body, dropped) = {
        let mut st = sh.lock();
        let outcome = match &target {
            AssignTarget::Agent(a) => st.world.assign_to_agent(&session, a, now),
            AssignTarget::Queue(q) => st.world.assign_to_queue(&session, q, now),
        };
        let (agent_id, queue_id) = match &target {
            AssignTarget::Agent(a) => (Some(a.clone()), None),
            AssignTarget::Queue(q) => (None, Some(q.clone())),
        };
        let body = AssignCallback {
            session_id: Some(session.clone()),
            agent_id,
            queue_id,
            status: Some(
                if outcome.is_ok() {
                    "transferred"
                } else {
                    "failed"
                }
                .into(),
            ),
            reason: outcome.err(),
            request_completed_at: Some(now),
            extra: Default::default(),
        };
        let dropped = sh.cfg.faults > 0.0 && st.fault_rng.random_bool(sh.cfg.faults);
        // Chaos: other names and shapes over what it would say.
        let mut wire = match serde_json::to_value(&body) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        for (k, v) in &st.chaos.callback_extra {
            wire.insert(k.clone(), v.clone());
        }
        (wire, dropped)
    };
    let wire = serde_json::Value::Object(body);
    let body = match &wire {
        serde_json::Value::Object(m) => AssignCallback::from_object(m.clone()),
        _ => AssignCallback::default(),
    };
    let mut record = SentCallback {
        url: url.clone(),
        body: body.clone(),
        status: None,
        error: None,
        dropped,
        at_ms: now,
    };
    if dropped {
        tracing::info!(session = %session, "assign callback dropped (simulated fault)");
        sh.lock().push_callback(record);
        return;
    }
    let sent = tokio::select! {
        r = sh.http.post(&url).json(&wire).send() => r,
        _ = stopped.changed() => return,
    };
    match sent {
        Ok(resp) => record.status = Some(resp.status().as_u16()),
        Err(e) => {
            let mut text = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                text.push_str(": ");
                text.push_str(&s.to_string());
                src = s.source();
            }
            record.error = Some(text);
        }
    }
    tracing::info!(
        session = %session,
        status = ?record.status,
        error = ?record.error,
        outcome = ?body.status,
        "assign callback posted"
    );
    sh.lock().push_callback(record);
}

// ---------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------

fn parse_count(name: &str, value: &str) -> Result<Option<usize>, Response> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<usize>().map(Some).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a non-negative integer, not {v:?}"),
        )
    })
}

fn paged<T>(all: Vec<T>, skip: usize, limit: usize) -> Page<T> {
    let total = all.len();
    let results: Vec<T> = all.into_iter().skip(skip).take(limit).collect();
    page_of(results, total, skip, limit)
}

/// The page `results` of `total` at `skip`.
fn page_of<T>(results: Vec<T>, total: usize, skip: usize, limit: usize) -> Page<T> {
    Page {
        has_more: skip + results.len() < total,
        results,
        skip: None,
        page: None,
        limit: Some(limit as i64),
        total_pages: Some(total.div_ceil(limit) as i64),
        total_results: Some(total as i64),
    }
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "y"
    )
}

/// `page` (from 1) and `limit` (1..=100, default 10).
fn page_params(q: &[(String, String)]) -> Result<(usize, usize), Response> {
    let mut page = 1;
    let mut limit = 10;
    for (k, v) in q {
        match k.as_str() {
            "page" => page = parse_count("page", v)?.unwrap_or(1).max(1),
            "limit" => limit = parse_count("limit", v)?.unwrap_or(10).clamp(1, 100),
            _ => {}
        }
    }
    Ok((page, limit))
}

async fn list_conversations(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        sh.gate(&headers, &stream_id).await?;
        let mut skip = 0;
        let mut limit = 10;
        let mut statuses: Vec<ConvStatus> = Vec::new();
        let mut source: Option<String> = None;
        let mut language: Option<String> = None;
        for (k, v) in &q {
            match k.as_str() {
                "skip" => skip = parse_count("skip", v)?.unwrap_or(0),
                "limit" => limit = parse_count("limit", v)?.unwrap_or(10).clamp(1, 100),
                // Several statuses may come comma-separated or as repeated parameters.
                "status" | "status[]" => {
                    // A JSON-style list (`["OPEN","ACTIVE"]`) is read too.
                    let parts = v.split(',').map(|p| {
                        p.trim_matches(|c: char| c.is_whitespace() || "[]\"'".contains(c))
                    });
                    for part in parts.filter(|p| !p.is_empty()) {
                        let s = ConvStatus::parse(part).ok_or_else(|| {
                            error(
                                StatusCode::BAD_REQUEST,
                                format!(
                                    "unknown status {part:?}; use ACTIVE, CLOSED, IDLE, OPEN, OVERDUE or TERMINATED"
                                ),
                            )
                        })?;
                        statuses.push(s);
                    }
                }
                "source" if !v.trim().is_empty() => source = Some(v.trim().to_string()),
                "language" if !v.trim().is_empty() => language = Some(v.trim().to_string()),
                _ => {}
            }
        }
        let now = now_ms();
        let mut st = sh.lock();
        let chaos = st.chaos.clone();
        if chaos.endless_list {
            let from = st.endless_next;
            st.endless_next += limit as u64;
            return Ok(json(&endless_page(from, limit, &statuses)));
        }
        if chaos.endless {
            // A body that starts like a page and never ends.
            let head = futures::stream::once(async {
                Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"results\":["))
            });
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let tail = futures::stream::iter(
                std::iter::repeat_n(chunk, 1 << 16).map(Ok::<Bytes, std::io::Error>),
            );
            return Ok(Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(head.chain(tail)))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()));
        }
        if chaos.ignore_status {
            statuses.clear();
        }
        if chaos.ignore_limit {
            limit = usize::MAX;
        }
        if chaos.ignore_skip {
            skip = 0;
        }
        let wanted = |c: &&SimConversation| {
            (statuses.is_empty() || statuses.contains(&c.status))
                && source
                    .as_deref()
                    .is_none_or(|s| c.channel.source().eq_ignore_ascii_case(s))
                && language
                    .as_deref()
                    .is_none_or(|l| c.language.eq_ignore_ascii_case(l))
        };
        // One pass of comparisons for the count, and records made only for
        // the page: reading 50,000 a page at a time stays cheap.
        let conversations = &st.world.conversations;
        let total = conversations.iter().filter(wanted).count();
        let results = conversations
            .iter()
            .rev()
            .filter(wanted)
            .skip(skip)
            .take(limit)
            .map(|c| st.world.conversation_record(c, now))
            .collect();
        let mut page = page_of(results, total, skip, limit);
        page.skip = Some(skip as i64);
        if chaos.ignore_skip {
            page.has_more = true;
            page.total_results = None;
            page.total_pages = None;
        }
        if let Some(n) = chaos.pad_bytes {
            let mut v = serde_json::to_value(&page).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("padding".into(), serde_json::Value::String(" ".repeat(n)));
            }
            return Ok(json(&v));
        }
        Ok::<Response, Response>(json(&page))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

async fn get_conversation(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, conversation_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = sh.gate(&headers, &stream_id).await {
        return r;
    }
    let st = sh.lock();
    match st.world.conversation(&conversation_id) {
        Some(c) => json(&super::details::record_with_details(&st.world, c, now_ms())),
        None => error(
            StatusCode::NOT_FOUND,
            format!("conversation {conversation_id} was not found"),
        ),
    }
}

/// Get Conversation Details, by bot session id (the latest conversation of
/// that session, ended ones too).
async fn conversation_details(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = sh.gate(&headers, &stream_id).await {
        return r;
    }
    let st = sh.lock();
    let found = st
        .world
        .conversations
        .iter()
        .rev()
        .find(|c| c.bot_session_id == session_id);
    match found {
        Some(c) => json(&super::details::details(&st.world, c, now_ms())),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no conversation has the session {session_id}"),
        ),
    }
}

async fn list_agents(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, org_id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        sh.gate(&headers, &stream_id).await?;
        if org_id != sh.cfg.org_id {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("organization {org_id} is not this account's organization"),
            ));
        }
        let (page, limit) = page_params(&q)?;
        let include_queues = q
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("includeQueues") && truthy(v));
        let st = sh.lock();
        if st.chaos.endless_pages {
            return Ok(json(&endless_by_number(page, |i| AgentRecord {
                id: format!("endless-agent-{i:06}"),
                name: Some(format!("Endless {i}")),
                ..AgentRecord::default()
            })));
        }
        let page = if st.chaos.ignore_page { 1 } else { page };
        let all: Vec<_> = st
            .world
            .agents
            .iter()
            .map(|a| st.world.agent_record(a, include_queues))
            .collect();
        let skip = (page - 1) * limit;
        // The request pages by `page` while the documented response reports
        // `skip`; both are given.
        let mut out = paged(all, skip, limit);
        out.skip = Some(skip as i64);
        out.page = Some(page as i64);
        if st.chaos.ignore_page {
            out = ignoring_page(out);
        }
        Ok(json(&out))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

async fn availability(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        // An empty body asks about every agent.
        let req: AvailabilityRequest = sh.filters(&headers, &stream_id, body).await?;
        let st = sh.lock();
        let mut out = AvailabilityResponse::default();
        // Each filter that is given narrows the set; an agent matches a filter
        // when it matches any of its ids.
        for a in &st.world.agents {
            if !req.agent_ids.is_empty()
                && !req
                    .agent_ids
                    .iter()
                    .any(|id| *id == a.id || *id == a.user_id)
            {
                continue;
            }
            if !req.queue_ids.is_empty() && !req.queue_ids.iter().any(|q| a.queue_ids.contains(q)) {
                continue;
            }
            if !req.skill_ids.is_empty() && !req.skill_ids.iter().any(|s| a.skill_ids.contains(s)) {
                continue;
            }
            let entry = st.world.availability_agent(a);
            match a.effective_presence() {
                world::Presence::Available => out.available.push(entry),
                world::Presence::Busy => out.busy.push(entry),
                world::Presence::Away => out.away.push(entry),
                world::Presence::Offline => out.offline.push(entry),
            }
        }
        Ok::<Response, Response>(json(&out))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

async fn list_queues(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        sh.gate(&headers, &stream_id).await?;
        let (page, limit) = page_params(&q)?;
        let st = sh.lock();
        if let Some((total, per_page)) = st.chaos.queue_flood {
            return Ok(json(&flooded_queues(total, per_page, page)));
        }
        if st.chaos.endless_pages {
            return Ok(json(&endless_by_number(page, |i| QueueRecord {
                id: format!("qe-{i:06}"),
                name: format!("Endless {i}"),
                is_active: Some(true),
                ..QueueRecord::default()
            })));
        }
        let page = if st.chaos.ignore_page { 1 } else { page };
        let all: Vec<_> = st
            .world
            .queues
            .iter()
            .map(|q| st.world.queue_record(q))
            .collect();
        let mut out = paged(all, (page - 1) * limit, limit);
        out.page = Some(page as i64);
        if st.chaos.ignore_page {
            out = ignoring_page(out);
        }
        Ok::<Response, Response>(json(&out))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

/// `Chaos::endless_list`: `limit` conversations never listed before (ids
/// from `from` on), in the first status asked for, and always more.
fn endless_page(from: u64, limit: usize, statuses: &[ConvStatus]) -> Page<ConversationRecord> {
    let status = statuses.first().map_or("OPEN", |s| s.as_str());
    let results = (from..from + limit as u64)
        .map(|i| ConversationRecord {
            id: Some(format!("endless-{i:09}")),
            status: Some(status.to_string()),
            wait_time: Some(1_000),
            ..ConversationRecord::default()
        })
        .collect();
    Page {
        has_more: true,
        results,
        skip: None,
        page: None,
        limit: Some(limit as i64),
        total_pages: None,
        total_results: None,
    }
}

/// `Chaos::ignore_page`: the page (always the first) says there is more
/// and gives no totals.
fn ignoring_page<T>(page: Page<T>) -> Page<T> {
    Page {
        has_more: true,
        total_pages: None,
        total_results: None,
        ..page
    }
}

/// `Chaos::endless_pages`: page `page` (from 1) of a list paged by number
/// that never ends: ten items never listed before, `make` making each
/// from its number; always more, no totals.
fn endless_by_number<T>(page: usize, make: impl Fn(usize) -> T) -> Page<T> {
    let from = (page - 1).saturating_mul(10);
    Page {
        results: (from..from + 10).map(make).collect(),
        has_more: true,
        page: Some(page as i64),
        limit: Some(10),
        ..Page::default()
    }
}

/// Page `page` (from 1) of `total` made-up queues, `per_page` a page.
fn flooded_queues(total: usize, per_page: usize, page: usize) -> Page<QueueRecord> {
    let per_page = per_page.max(1);
    let from = (page - 1).saturating_mul(per_page).min(total);
    let to = from.saturating_add(per_page).min(total);
    let results = (from..to)
        .map(|i| QueueRecord {
            id: format!("qf-{i:06}"),
            name: format!("Flood {i}"),
            is_active: Some(true),
            ..QueueRecord::default()
        })
        .collect();
    let mut out = page_of(results, total, from, per_page);
    out.page = Some(page as i64);
    out
}

/// queue-size: the queue's live figures from the world, as an array of one.
/// The body's filters are read under either documented spelling; an empty
/// body asks for no filter. Half the answers (chosen by the seed) carry a
/// `//` comment after `ASA`, as the docs' sample does.
async fn queue_size(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, queue_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        let filter: QueueSizeRequest = sh.filters(&headers, &stream_id, body).await?;
        let mut st = sh.lock();
        let figures = st
            .world
            .queue_size(&queue_id, &filter, now_ms())
            .ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    format!("queue {queue_id} was not found"),
                )
            })?;
        let commented = st.queue_size_rng.random_bool(0.5);
        if commented {
            st.queue_size_forms.0 += 1;
        } else {
            st.queue_size_forms.1 += 1;
        }
        let mut figures = serde_json::to_value(QueueSizeResponse {
            queues: vec![figures],
        })
        .unwrap_or_default();
        if let Some((id, overrides)) = &st.chaos.odd_queue_size
            && *id == queue_id
        {
            override_figures(&mut figures, overrides);
        }
        Ok::<Response, Response>(queue_size_answer(&figures, commented))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

/// Chaos: sets each `(name, value)` in the answer's entries, a dotted name
/// (`agentStatus.busy`) one object down.
fn override_figures(answer: &mut serde_json::Value, overrides: &[(String, serde_json::Value)]) {
    let Some(entries) = answer.as_array_mut() else {
        return;
    };
    for entry in entries {
        for (name, value) in overrides {
            let mut at = &mut *entry;
            let mut keys = name.split('.').peekable();
            while let Some(key) = keys.next() {
                let Some(map) = at.as_object_mut() else {
                    break;
                };
                if keys.peek().is_none() {
                    map.insert(key.to_string(), value.clone());
                    break;
                }
                at = map
                    .entry(key.to_string())
                    .or_insert_with(|| serde_json::json!({}));
            }
        }
    }
}

/// The answer's text: pretty JSON, with a `//` note after the `ASA` line
/// when `commented` (which makes it the docs' loose JSON, not JSON).
fn queue_size_answer(figures: &serde_json::Value, commented: bool) -> Response {
    let text = serde_json::to_string_pretty(figures).unwrap_or_else(|_| "[]".into());
    let text = if commented {
        text.lines()
            .map(|line| {
                if line.trim_start().starts_with("\"ASA\"") {
                    format!("{line}  // average speed to answer")
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(text))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

// ---------------------------------------------------------------------------
// Introspection (loopback peers only, no auth, no rate limit)
// ---------------------------------------------------------------------------

fn loopback_only(peer: SocketAddr) -> Result<(), Response> {
    if peer.ip().is_loopback() {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "introspection is only served to loopback clients",
        ))
    }
}

/// `POST /__sim/outage {"status": 503}`: every Kore endpoint answers with
/// that status until `DELETE /__sim/outage`; with `"conversation": "c-1"`,
/// only hooks requests for that conversation do. For tests of the client's
/// delivery under failure.
async fn sim_outage_set(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    let v = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
    let status = v
        .get("status")
        .and_then(|s| s.as_u64())
        .filter(|s| (400..600).contains(s));
    let only = v
        .get("conversation")
        .and_then(|c| c.as_str())
        .map(str::to_string);
    match status {
        Some(s) => {
            sh.lock().outage = Some((s as u16, only.clone()));
            json(&serde_json::json!({ "outage": s, "conversation": only }))
        }
        None => error(
            StatusCode::BAD_REQUEST,
            "send {\"status\": N} with N from 400 to 599",
        ),
    }
}

async fn sim_outage_clear(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    sh.lock().outage = None;
    json(&serde_json::json!({ "outage": null }))
}

async fn sim_received(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    let list: Vec<ReceivedHook> = sh.lock().received.iter().cloned().collect();
    json(&list)
}

async fn sim_roster(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(conversation_id): Path<String>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    match sh.lock().rosters.get(&conversation_id) {
        Some(r) => json(r),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no roster for conversation {conversation_id}"),
        ),
    }
}

async fn sim_callbacks(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = loopback_only(peer) {
        return r;
    }
    let list: Vec<SentCallback> = sh.lock().callbacks.iter().cloned().collect();
    json(&list)
}

// ---------------------------------------------------------------------------
// Traffic generator task
// ---------------------------------------------------------------------------

pub(crate) async fn run_traffic(sh: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let speed = sh.cfg.speed;
    let mut next_ms: u64 = 2_000;
    loop {
        let secs = (next_ms as f64 / 1000.0 / speed).min(3600.0);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => {}
            _ = stopped.changed() => return,
        }
        let step = {
            let mut guard = sh.lock();
            let st = &mut *guard;
            world::step(&mut st.world, &mut st.traffic_rng, now_ms())
        };
        for line in &step.changes {
            tracing::debug!(target: "switchboard::sim::traffic", "{line}");
        }
        next_ms = step.next_in_ms;
    }
}
