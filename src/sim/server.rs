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

mod assign;
mod control;
mod hooks;
mod lists;
use assign::*;
pub(crate) use control::run_traffic;
use control::*;
use hooks::*;
use lists::*;

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
    /// When each Kore request arrived (the latest 100,000), for tests and
    /// benches that count requests on this side.
    pub(crate) arrivals: VecDeque<Instant>,
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
            arrivals: VecDeque::new(),
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
        {
            let mut st = self.lock();
            if st.arrivals.len() >= 100_000 {
                st.arrivals.pop_front();
            }
            st.arrivals.push_back(Instant::now());
        }
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
