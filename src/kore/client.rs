//! The HTTP client for Kore's endpoints: one shared `reqwest::Client`, a fresh
//! token per request, the account's rate limiter, and errors sorted into what
//! may be retried and what may not.
//!
//! Every call returns a [`Call`]: what was asked (method, path, a summary that
//! never holds a secret) and what came back (status, latency, body summary and
//! the parsed body), or a [`CallError`].

use super::jwt::{Secret, Signer};
use super::ratelimit::{Priority, RateLimiter};
use super::wire::{self, AssignRequest, AssignResponse, HookEvent, HooksBody};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod text;
pub use text::{
    error_message, redact_tokens, redact_userinfo, short_id, summarize_body, without_credentials,
};

/// What the client needs to know about the account. Built from the config.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub host: String,
    pub bot_id: String,
    pub org_id: String,
    pub account_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub hooks_auth_header: String,
    pub jwt_ttl_secs: Option<u64>,
    pub rate_limit_per_minute: u32,
    /// The hooks API's own budget: `None` shares the public APIs' limiter,
    /// `Some(0)` means no limit, `Some(n)` its own n a minute. (No
    /// rate-limit page lists the hooks API.)
    pub hooks_rate_limit_per_minute: Option<u32>,
    /// Requests a minute that polls leave to the supervisor's actions;
    /// `None`: about a sixth of the limit.
    pub reserved_for_actions_per_minute: Option<u32>,
    pub request_timeout: Duration,
    /// Allow `http://` to a host that is not loopback.
    pub allow_insecure_http: bool,
    /// The most of an answer's body that is read; a longer one is cut there
    /// and counts as an error.
    pub max_response_bytes: usize,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
}

/// Answers larger than this are not read whole, unless configured.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 << 20;
/// The longest wait after a 429 that is honoured, unless configured.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("host {0:?} is not a valid URL: {1}")]
    BadHost(String, String),
    #[error(
        "host {0} uses plain http to a host that is not loopback; use https, or pass --allow-insecure-http if you really mean it"
    )]
    InsecureHttp(String),
    #[error("header name {0:?} is not a valid HTTP header name")]
    BadHeader(String),
    #[error("{0}")]
    Jwt(#[from] super::jwt::JwtError),
    #[error("could not build the HTTP client: {0}")]
    Http(String),
}

/// What was sent, for the log. Never holds a token or a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestInfo {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    /// A short fingerprint of the token used, so two log lines can be told apart.
    pub token_fp: Option<String>,
}

/// A successful answer (2xx).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply<T> {
    pub status: u16,
    pub latency_ms: u64,
    pub body_summary: String,
    pub body: T,
}

pub use super::wire::CallError;

/// One request and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call<T> {
    pub request: RequestInfo,
    pub outcome: Result<Reply<T>, CallError>,
}

impl<T> Call<T> {
    pub fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Call<U> {
        Call {
            request: self.request,
            outcome: self.outcome.map(|r| Reply {
                status: r.status,
                latency_ms: r.latency_ms,
                body_summary: r.body_summary,
                body: f(r.body),
            }),
        }
    }
}

/// The client. Cheap to clone; clones share the connection pool and the limiter.
#[derive(Debug, Clone)]
pub struct KoreClient {
    http: reqwest::Client,
    base: reqwest::Url,
    bot_id: String,
    org_id: String,
    account_id: String,
    signer: Signer,
    hooks_header: HeaderName,
    limiter: Arc<RateLimiter>,
    /// The hooks API's limiter: None for no limit.
    hooks_limiter: Option<Arc<RateLimiter>>,
    /// The hooks API shares `limiter`.
    hooks_shared: bool,
    timeout: Duration,
    max_body: usize,
    max_retry_after: Duration,
}

const API_PREFIX: [&str; 3] = ["agentassist", "api", "v1"];

impl KoreClient {
    pub fn new(settings: &ClientSettings) -> Result<Self, SetupError> {
        crate::install_crypto();
        let base = reqwest::Url::parse(settings.host.trim())
            .map_err(|e| SetupError::BadHost(settings.host.clone(), e.to_string()))?;
        match base.scheme() {
            "https" => {}
            "http" => {
                if !is_loopback(&base) && !settings.allow_insecure_http {
                    return Err(SetupError::InsecureHttp(settings.host.clone()));
                }
            }
            other => {
                return Err(SetupError::BadHost(
                    settings.host.clone(),
                    format!("scheme {other:?} is not http or https"),
                ));
            }
        }
        let hooks_header = HeaderName::from_bytes(settings.hooks_auth_header.trim().as_bytes())
            .map_err(|_| SetupError::BadHeader(settings.hooks_auth_header.clone()))?;
        let signer = Signer::new(
            &settings.client_id,
            &settings.client_secret,
            settings.jwt_ttl_secs,
        )?;
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(60))
            // A 3xx is an answer, never followed: a redirect would carry the
            // token and the account id (and an assign's callback secret) to
            // another origin, and turn a POST into a GET without its body.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SetupError::Http(e.to_string()))?;
        let mut limiter = RateLimiter::per_minute(settings.rate_limit_per_minute);
        if let Some(reserve) = settings.reserved_for_actions_per_minute {
            limiter = limiter.with_reserve(reserve);
        }
        let limiter = Arc::new(limiter);
        let (hooks_limiter, hooks_shared) = match settings.hooks_rate_limit_per_minute {
            None => (Some(limiter.clone()), true),
            Some(0) => (None, false),
            Some(n) => (Some(Arc::new(RateLimiter::per_minute(n))), false),
        };
        Ok(KoreClient {
            http,
            base,
            bot_id: settings.bot_id.clone(),
            org_id: settings.org_id.clone(),
            account_id: settings.account_id.clone(),
            signer,
            hooks_header,
            limiter,
            hooks_limiter,
            hooks_shared,
            timeout: settings.request_timeout,
            max_body: settings.max_response_bytes.max(1024),
            max_retry_after: settings.max_retry_after,
        })
    }

    /// This client with its limit (`rate_limit_per_minute` requests) counted
    /// over `window` instead of a minute, for servers with another window
    /// (the simulator in tests). Call it before cloning: clones made earlier
    /// keep the old limiter.
    pub fn with_rate_window(mut self, window: Duration) -> Self {
        let reserve = self.limiter.reserve();
        self.limiter =
            Arc::new(RateLimiter::new(self.limiter.limit(), window).with_reserve(reserve));
        if self.hooks_shared {
            self.hooks_limiter = Some(self.limiter.clone());
        }
        self
    }

    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.limiter
    }

    /// The hooks API's limiter: `limiter` itself when it shares it, none
    /// when it has no limit.
    pub fn hooks_limiter(&self) -> Option<&Arc<RateLimiter>> {
        self.hooks_limiter.as_ref()
    }

    pub fn bot_id(&self) -> &str {
        &self.bot_id
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The host for display: a `user:password@` in it is never shown.
    pub fn host(&self) -> String {
        without_credentials(self.base.as_str())
    }

    fn url(&self, segments: &[&str]) -> reqwest::Url {
        let mut url = self.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .expect("http(s) URLs always have a path");
            path.pop_if_empty();
            path.extend(API_PREFIX.iter());
            path.extend(segments.iter());
        }
        url
    }

    /// The path shown in logs: everything after `/agentassist/api/v1/`, with the
    /// bot id shortened.
    fn log_path(&self, segments: &[&str]) -> String {
        segments
            .iter()
            .map(|s| {
                if *s == self.bot_id || *s == self.org_id {
                    short_id(s)
                } else {
                    (*s).to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The path of hooks requests as logs show it.
    pub fn hooks_path(&self) -> String {
        self.log_path(&["hooks", self.bot_id.as_str()])
    }

    /// The path of assign-conversation requests as logs show it.
    pub fn assign_path(&self) -> String {
        self.log_path(&["public", self.bot_id.as_str(), "assign-conversation"])
    }

    /// Sends hooks events for one conversation (`POST hooks/{botId}`).
    pub async fn send_hooks(
        &self,
        conversation_id: &str,
        events: Vec<HookEvent>,
        summary: impl Into<String>,
        priority: Priority,
    ) -> Call<Option<wire::StatusOk>> {
        self.send_hooks_gated(conversation_id, events, summary, priority, async || Ok(()))
            .await
    }

    /// [`KoreClient::send_hooks`], calling `before_send` once the rate
    /// limiter has given a slot, right before the bytes go out: an error
    /// from it is the call's outcome and nothing is sent. (The journal's
    /// `sent` record is written there, so a request that never left is never
    /// taken for one that may have arrived.)
    pub async fn send_hooks_gated(
        &self,
        conversation_id: &str,
        events: Vec<HookEvent>,
        summary: impl Into<String>,
        priority: Priority,
        before_send: impl AsyncFnOnce() -> Result<(), CallError>,
    ) -> Call<Option<wire::StatusOk>> {
        let body = HooksBody {
            conversation_id: conversation_id.to_string(),
            bot_id: self.bot_id.clone(),
            events,
            ..HooksBody::default()
        };
        let segments = ["hooks", self.bot_id.as_str()];
        let url = self.url(&segments);
        let header = self.hooks_header.clone();
        let limiter = self.hooks_limiter.clone();
        let mut call = self
            .execute(
                "POST",
                self.log_path(&segments),
                summary.into(),
                (limiter.as_deref(), priority),
                before_send,
                move |http, token| http.post(url).header(header, token).json(&body),
                |text| {
                    if text.trim().is_empty() {
                        Ok(None)
                    } else {
                        wire::parse_loose::<wire::StatusOk>(text)
                            .map(Some)
                            .or(Ok(None))
                    }
                },
            )
            .await;
        // A 2xx is what says the events were taken; a body too long to read
        // does not change that.
        if let Err(CallError::TooLarge {
            status,
            limit,
            latency_ms,
        }) = &call.outcome
            && (200..300).contains(status)
        {
            call.outcome = Ok(Reply {
                status: *status,
                latency_ms: *latency_ms,
                body_summary: format!("(an answer over {limit} bytes, not read)"),
                body: None,
            });
        }
        call
    }

    /// `POST public/{botId}/assign-conversation`.
    pub async fn assign(
        &self,
        request: &AssignRequest,
        summary: impl Into<String>,
        priority: Priority,
    ) -> Call<AssignResponse> {
        self.assign_gated(request, summary, priority, async || Ok(()))
            .await
    }

    /// [`KoreClient::assign`] with a `before_send` step (see
    /// [`KoreClient::send_hooks_gated`]).
    pub async fn assign_gated(
        &self,
        request: &AssignRequest,
        summary: impl Into<String>,
        priority: Priority,
        before_send: impl AsyncFnOnce() -> Result<(), CallError>,
    ) -> Call<AssignResponse> {
        let segments = ["public", self.bot_id.as_str(), "assign-conversation"];
        let url = self.url(&segments);
        let body = request.clone();
        let account = self.account_id.clone();
        self.execute(
            "POST",
            self.log_path(&segments),
            summary.into(),
            (Some(&self.limiter), priority),
            before_send,
            move |http, token| {
                http.post(url)
                    .header("auth", token)
                    .header("accountid", account)
                    .json(&body)
            },
            |text| wire::parse_loose::<AssignResponse>(text).map_err(|e| e.to_string()),
        )
        .await
    }

    /// `GET public/{streamId}/conversations`.
    pub async fn list_conversations(
        &self,
        query: &wire::ConversationQuery,
        priority: Priority,
    ) -> Call<wire::Page<wire::ConversationRecord>> {
        let segments = ["public", self.bot_id.as_str(), "conversations"];
        let url = self.url(&segments);
        let query = query.clone();
        let account = self.account_id.clone();
        self.execute(
            "GET",
            self.log_path(&segments),
            "list conversations".to_string(),
            (Some(&self.limiter), priority),
            async || Ok(()),
            move |http, token| {
                let statuses: Vec<(&str, &str)> = query
                    .statuses
                    .iter()
                    .map(|s| ("status", s.as_str()))
                    .collect();
                http.get(url)
                    .query(&query)
                    .query(&statuses)
                    .header("auth", token)
                    .header("accountid", account)
            },
            |text| wire::parse_loose(text).map_err(|e| e.to_string()),
        )
        .await
    }

    /// `GET public/{streamId}/conversations/{conversationId}`.
    pub async fn get_conversation(
        &self,
        conversation_id: &str,
        priority: Priority,
    ) -> Call<wire::ConversationRecord> {
        let segments = [
            "public",
            self.bot_id.as_str(),
            "conversations",
            conversation_id,
        ];
        let url = self.url(&segments);
        let account = self.account_id.clone();
        self.execute(
            "GET",
            self.log_path(&segments),
            format!("get conversation {conversation_id}"),
            (Some(&self.limiter), priority),
            async || Ok(()),
            move |http, token| {
                http.get(url)
                    .header("auth", token)
                    .header("accountid", account)
            },
            |text| wire::parse_loose(text).map_err(|e| e.to_string()),
        )
        .await
    }

    /// `GET public/{botId}/conversations/sessions/{sessionId}`: Get
    /// Conversation Details, by the bot session id.
    pub async fn conversation_details(
        &self,
        session_id: &str,
        priority: Priority,
    ) -> Call<wire::ConversationDetails> {
        let segments = [
            "public",
            self.bot_id.as_str(),
            "conversations",
            "sessions",
            session_id,
        ];
        let summary = format!("conversation details of session {session_id}");
        self.get_details(&segments, summary, priority).await
    }

    /// `GET public/{streamId}/conversations/{conversationId}` read as
    /// details: for a conversation whose bot session id is not known.
    pub async fn conversation(
        &self,
        conversation_id: &str,
        priority: Priority,
    ) -> Call<wire::ConversationDetails> {
        let segments = [
            "public",
            self.bot_id.as_str(),
            "conversations",
            conversation_id,
        ];
        let summary = format!("conversation details of {conversation_id}");
        self.get_details(&segments, summary, priority).await
    }

    /// A details GET. The answer holds the customer's email and phone, so
    /// its body summary (which goes to logs) only counts what came.
    async fn get_details(
        &self,
        segments: &[&str],
        summary: String,
        priority: Priority,
    ) -> Call<wire::ConversationDetails> {
        let url = self.url(segments);
        let account = self.account_id.clone();
        let mut call = self
            .execute(
                "GET",
                self.log_path(segments),
                summary,
                (Some(&self.limiter), priority),
                async || Ok(()),
                move |http, token| {
                    http.get(url)
                        .header("auth", token)
                        .header("accountid", account)
                },
                |text| wire::parse_loose(text).map_err(|e| e.to_string()),
            )
            .await;
        if let Ok(reply) = &mut call.outcome {
            reply.body_summary = details_summary(&reply.body);
        }
        call
    }

    /// `GET public/{streamId}/organizations/{orgId}/agents?page=N&includeQueues=true`.
    pub async fn list_agents(
        &self,
        page: u32,
        priority: Priority,
    ) -> Call<wire::Page<wire::AgentRecord>> {
        let segments = [
            "public",
            self.bot_id.as_str(),
            "organizations",
            self.org_id.as_str(),
            "agents",
        ];
        let url = self.url(&segments);
        let account = self.account_id.clone();
        self.execute(
            "GET",
            self.log_path(&segments),
            format!("list agents page {page}"),
            (Some(&self.limiter), priority),
            async || Ok(()),
            move |http, token| {
                http.get(url)
                    .query(&[("page", page.to_string()), ("includeQueues", "true".into())])
                    .header("auth", token)
                    .header("accountid", account)
            },
            |text| wire::parse_loose(text).map_err(|e| e.to_string()),
        )
        .await
    }

    /// `POST public/{botId}/agents/availability`.
    pub async fn availability(
        &self,
        request: &wire::AvailabilityRequest,
        priority: Priority,
    ) -> Call<wire::AvailabilityResponse> {
        let segments = ["public", self.bot_id.as_str(), "agents", "availability"];
        let summary = "agent availability".to_string();
        self.post_public(&segments, summary, priority, request.clone())
            .await
    }

    /// A POST of a JSON body to a public API, read leniently.
    async fn post_public<B, T>(
        &self,
        segments: &[&str],
        summary: String,
        priority: Priority,
        body: B,
    ) -> Call<T>
    where
        B: Serialize,
        T: serde::de::DeserializeOwned,
    {
        let url = self.url(segments);
        let account = self.account_id.clone();
        self.execute(
            "POST",
            self.log_path(segments),
            summary,
            (Some(&self.limiter), priority),
            async || Ok(()),
            move |http, token| {
                http.post(url)
                    .header("auth", token)
                    .header("accountid", account)
                    .json(&body)
            },
            |text| wire::parse_loose(text).map_err(|e| e.to_string()),
        )
        .await
    }

    /// `GET public/{streamId}/queues?page=N`: one page (from 1).
    pub async fn list_queues(
        &self,
        page: u32,
        priority: Priority,
    ) -> Call<wire::Page<wire::QueueRecord>> {
        let segments = ["public", self.bot_id.as_str(), "queues"];
        let url = self.url(&segments);
        let account = self.account_id.clone();
        self.execute(
            "GET",
            self.log_path(&segments),
            format!("list queues page {page}"),
            (Some(&self.limiter), priority),
            async || Ok(()),
            move |http, token| {
                http.get(url)
                    .query(&[("page", page.to_string())])
                    .header("auth", token)
                    .header("accountid", account)
            },
            |text| wire::parse_loose(text).map_err(|e| e.to_string()),
        )
        .await
    }

    /// `POST public/{streamId}/monitor/queueStatsById/{queueId}`: the live
    /// figures of one queue, narrowed by the language and channel filters
    /// (empty filters send `{}`).
    pub async fn queue_size(
        &self,
        queue_id: &str,
        filters: &wire::QueueSizeRequest,
        priority: Priority,
    ) -> Call<wire::QueueSizeResponse> {
        let segments = [
            "public",
            self.bot_id.as_str(),
            "monitor",
            "queueStatsById",
            queue_id,
        ];
        let narrowed: Vec<&str> = filters
            .languages
            .iter()
            .chain(&filters.channels)
            .map(String::as_str)
            .collect();
        let summary = if narrowed.is_empty() {
            format!("queue size {queue_id}")
        } else {
            clip(
                &format!("queue size {queue_id} ({})", narrowed.join(", ")),
                120,
            )
        };
        self.post_public(&segments, summary, priority, filters.clone())
            .await
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one private entry for every endpoint; the steps are its parameters"
    )]
    async fn execute<T>(
        &self,
        method: &'static str,
        path: String,
        summary: String,
        // The limiter to wait on (None: no limit) and at which priority.
        budget: (Option<&RateLimiter>, Priority),
        before_send: impl AsyncFnOnce() -> Result<(), CallError>,
        build: impl FnOnce(&reqwest::Client, HeaderValue) -> reqwest::RequestBuilder,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Call<T> {
        let mut request = RequestInfo {
            method,
            path,
            summary,
            token_fp: None,
        };
        // Wait for a slot first: a short-lived token signed before a long
        // wait (after a 429, say) could expire before it is sent.
        let (limiter, priority) = budget;
        if let Some(l) = limiter {
            l.acquire(priority).await;
        }
        let token = match self.signer.sign() {
            Ok(t) => t,
            Err(e) => {
                return Call {
                    request,
                    outcome: Err(CallError::Local(e.to_string())),
                };
            }
        };
        request.token_fp = Some(token.fingerprint());
        let mut value = match HeaderValue::from_str(token.expose()) {
            Ok(v) => v,
            Err(e) => {
                return Call {
                    request,
                    outcome: Err(CallError::Local(format!(
                        "token is not a header value: {e}"
                    ))),
                };
            }
        };
        value.set_sensitive(true);
        if let Err(e) = before_send().await {
            return Call {
                request,
                outcome: Err(e),
            };
        }

        let started = Instant::now();
        let sent = build(&self.http, value).send().await;
        let outcome = match sent {
            Err(e) => Err(self.classify_transport(&e, started)),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let body = read_capped(resp, self.max_body).await;
                let latency_ms = started.elapsed().as_millis() as u64;
                match body {
                    Err(e) => Err(self.classify_transport(&e, started)),
                    Ok((text, cut)) => {
                        self.classify(status, &headers, &text, cut, latency_ms, parse)
                    }
                }
            }
        };
        if let Err(CallError::RateLimited { retry_after_ms, .. }) = &outcome {
            let wait = retry_after_ms
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_429_WAIT);
            if let Some(l) = limiter {
                l.penalize(wait);
            }
        }
        match &outcome {
            Ok(r) => tracing::info!(
                method, path = %request.path, summary = %request.summary,
                status = r.status, latency_ms = r.latency_ms, "request ok"
            ),
            Err(e) => tracing::warn!(
                method, path = %request.path, summary = %request.summary,
                error = %e, "request failed"
            ),
        }
        Call { request, outcome }
    }

    fn classify_transport(&self, e: &reqwest::Error, started: Instant) -> CallError {
        // A connect error (a connect timeout too) means nothing was sent.
        if e.is_connect() {
            CallError::Connect(error_chain(e))
        } else if e.is_timeout() {
            CallError::Timeout(
                (started.elapsed().as_millis() as u64).max(self.timeout.as_millis() as u64),
            )
        } else {
            CallError::Transport(error_chain(e))
        }
    }

    fn classify<T>(
        &self,
        status: u16,
        headers: &HeaderMap,
        text: &str,
        cut: bool,
        latency_ms: u64,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Reply<T>, CallError> {
        if (300..400).contains(&status) {
            let location = headers
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .map(|l| {
                    let l: String = l.chars().filter(|c| !c.is_control()).collect();
                    clip(&redact_tokens(&l), 200)
                })
                .unwrap_or_else(|| "(no Location)".to_string());
            return Err(CallError::Redirect {
                status,
                location,
                latency_ms,
            });
        }
        if cut && (200..300).contains(&status) {
            return Err(CallError::TooLarge {
                status,
                limit: self.max_body,
                latency_ms,
            });
        }
        let body_summary = summarize_body(text);
        if (200..300).contains(&status) {
            return match parse(text) {
                Ok(body) => Ok(Reply {
                    status,
                    latency_ms,
                    body_summary,
                    body,
                }),
                Err(message) => Err(CallError::Decode {
                    status,
                    message,
                    latency_ms,
                }),
            };
        }
        let message = error_message(text);
        if status == 429 {
            return Err(CallError::RateLimited {
                message,
                retry_after_ms: retry_after(headers)
                    .map(|d| d.min(self.max_retry_after).as_millis() as u64),
                latency_ms,
            });
        }
        // Only 500-599 are server errors; a status past 599 means nothing
        // HTTP defines and is not retried.
        if (500..600).contains(&status) {
            return Err(CallError::Server {
                status,
                message,
                latency_ms,
            });
        }
        Err(CallError::Api {
            status,
            message,
            latency_ms,
        })
    }
}

/// What a details answer held, for the log: counts only, never the
/// customer's profile.
pub fn details_summary(d: &wire::ConversationDetails) -> String {
    format!(
        "{} participant(s), {} transfer(s), {} summary line(s), {} note(s){}",
        d.participants.len(),
        d.transfer_details.len(),
        d.summary.len(),
        d.notes.len(),
        d.status
            .as_deref()
            .map(|s| format!(", status {}", clip(s, 20)))
            .unwrap_or_default()
    )
}

/// How long to hold everything after a 429 that names no `Retry-After`.
pub const DEFAULT_429_WAIT: Duration = Duration::from_secs(5);

/// Reads a body up to `max` bytes. A longer one (by its Content-Length, or
/// as it streams) is cut there: the text read so far and `true`. A body
/// that never ends costs `max` bytes of memory, not more.
async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
) -> Result<(String, bool), reqwest::Error> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Ok((String::new(), true));
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut cut = false;
    while let Some(chunk) = resp.chunk().await? {
        let room = max - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            cut = true;
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((String::from_utf8_lossy(&buf).into_owned(), cut))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
        return None;
    }
    let when =
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs(
        delta.whole_seconds().clamp(0, 86_400) as u64
    ))
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    redact_userinfo(&redact_tokens(&parts.join(": ")))
}

pub use super::wire::clip;

/// Refuses a callback base URL that is plain `http://` to a host that is not
/// loopback, unless allowed: Kore would post callbacks, and the per-run
/// secret in their path, in the clear.
pub fn check_callback_url(public_url: &str, allow_insecure_http: bool) -> Result<(), String> {
    let Ok(url) = reqwest::Url::parse(public_url.trim()) else {
        return Err(format!("[callback].public_url {public_url:?} is not a URL"));
    };
    if url.scheme() == "http" && !is_loopback(&url) && !allow_insecure_http {
        return Err(format!(
            "[callback].public_url {public_url} is plain http to a host that is not loopback, \
             so callbacks and their secret path would cross the network in the clear; use https, \
             or pass --allow-insecure-http if you really mean it"
        ));
    }
    Ok(())
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Backoff with full jitter: a random wait between half and all of
/// `base * 2^attempt`, capped at `max`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let capped = exp.min(max);
    let half = capped / 2;
    let jitter = rand::random::<f64>() * half.as_secs_f64();
    half + Duration::from_secs_f64(jitter)
}

/// Retries a call while its error is retryable, up to `attempts` tries in all.
/// 429 waits at least as long as the server asked.
pub async fn with_retry<T, F, Fut>(attempts: u32, f: F) -> (Call<T>, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Call<T>>,
{
    with_retry_if(attempts, CallError::retryable, f).await
}

/// [`with_retry`], retrying only the errors `retry` accepts (among the
/// retryable ones): e.g. not a timeout after which the server may have
/// carried the request out.
pub async fn with_retry_if<T, F, Fut>(
    attempts: u32,
    retry: impl Fn(&CallError) -> bool,
    mut f: F,
) -> (Call<T>, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Call<T>>,
{
    let attempts = attempts.max(1);
    let mut tries = 0;
    loop {
        tries += 1;
        let call = f().await;
        let retry = match &call.outcome {
            Err(e) if e.retryable() && retry(e) && tries < attempts => Some(e.clone()),
            _ => None,
        };
        match retry {
            None => return (call, tries),
            Some(e) => {
                let wait = backoff(
                    tries - 1,
                    Duration::from_millis(250),
                    Duration::from_secs(15),
                );
                let wait = e.retry_after().map_or(wait, |ra| ra.max(wait));
                tracing::info!(attempt = tries, ?wait, error = %e, "retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_callbacks_need_loopback_or_the_flag() {
        assert!(check_callback_url("http://127.0.0.1:8009", false).is_ok());
        assert!(check_callback_url("http://localhost:8009/", false).is_ok());
        assert!(check_callback_url("https://cb.example.com", false).is_ok());
        let err = check_callback_url("http://cb.example.com:8009", false).unwrap_err();
        assert!(err.contains("--allow-insecure-http"), "{err}");
        assert!(check_callback_url("http://cb.example.com:8009", true).is_ok());
    }

    #[test]
    fn tokens_are_redacted() {
        let s = "auth: eyJhbGciOiJIUzI1NiJ9.eyJhcHBJZCI6ImNzIn0.abcDEF_-123 rest";
        let r = redact_tokens(s);
        assert!(!r.contains("eyJ"), "{r}");
        assert!(r.starts_with("auth: <jwt sha256:"));
        assert!(r.ends_with("> rest"));
        assert_eq!(redact_tokens("eyJ short"), "eyJ short");
    }

    /// Issue 9.7: `check` printed a host's `user:password@` in full.
    #[test]
    fn credentials_in_urls_are_never_shown() {
        assert_eq!(
            without_credentials("https://alice:hunter2@kore.example.com/x"),
            "https://…@kore.example.com/x"
        );
        assert_eq!(
            without_credentials("https://kore.example.com"),
            "https://kore.example.com/"
        );
        assert_eq!(
            redact_userinfo("error sending request for url (https://alice:hunter2@h.example/a): x"),
            "error sending request for url (https://…@h.example/a): x"
        );
        let c = KoreClient::new(&settings("https://alice:hunter2@kore.example.com")).unwrap();
        assert!(!c.host().contains("hunter2"), "{}", c.host());
    }

    #[test]
    fn short_ids() {
        assert_eq!(
            short_id("st-4beef2ed-bf1d-59e3-bd7f-5467f84da1f3"),
            "st-…a1f3"
        );
        assert_eq!(short_id("c-1042"), "c-1042");
        assert_eq!(short_id("abcdefghijklmnop"), "…mnop");
    }

    #[test]
    fn error_messages_come_from_the_body() {
        let body = r#"{"code":400,"message":"Linked bot details couldn't be found."}"#;
        assert_eq!(error_message(body), "Linked bot details couldn't be found.");
        assert_eq!(
            error_message(r#"{"errors":[{"msg":"bad token","code":41}]}"#),
            "bad token"
        );
        assert_eq!(error_message(""), "(no body)");
        assert_eq!(error_message("Bad Gateway"), "Bad Gateway");
    }

    #[test]
    fn retryable_classes() {
        let api = CallError::Api {
            status: 400,
            message: "x".into(),
            latency_ms: 1,
        };
        assert!(!api.retryable());
        assert!(
            CallError::Server {
                status: 503,
                message: "x".into(),
                latency_ms: 1
            }
            .retryable()
        );
        assert!(CallError::Timeout(10).retryable());
        assert!(CallError::Connect("refused".into()).retryable());
        assert!(
            CallError::RateLimited {
                message: "x".into(),
                retry_after_ms: Some(1000),
                latency_ms: 1
            }
            .retryable()
        );
        assert!(!CallError::Local("x".into()).retryable());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 0..10 {
            let d = backoff(attempt, base, max);
            let full = base.saturating_mul(1 << attempt).min(max);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }

    fn settings(host: &str) -> ClientSettings {
        ClientSettings {
            host: host.into(),
            bot_id: "st-1".into(),
            org_id: "o-1".into(),
            account_id: "acc".into(),
            client_id: "cs-1".into(),
            client_secret: Secret::new("s"),
            hooks_auth_header: "token".into(),
            jwt_ttl_secs: None,
            rate_limit_per_minute: 60,
            hooks_rate_limit_per_minute: None,
            reserved_for_actions_per_minute: None,
            request_timeout: Duration::from_secs(5),
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }

    #[test]
    fn plain_http_needs_loopback_or_a_flag() {
        assert!(KoreClient::new(&settings("http://127.0.0.1:9")).is_ok());
        assert!(KoreClient::new(&settings("http://localhost:9")).is_ok());
        assert!(KoreClient::new(&settings("https://platform.kore.ai")).is_ok());
        let err = KoreClient::new(&settings("http://platform.kore.ai")).unwrap_err();
        assert!(matches!(err, SetupError::InsecureHttp(_)), "{err}");
        let mut s = settings("http://platform.kore.ai");
        s.allow_insecure_http = true;
        assert!(KoreClient::new(&s).is_ok());
        assert!(matches!(
            KoreClient::new(&settings("ftp://x")).unwrap_err(),
            SetupError::BadHost(..)
        ));
    }

    #[test]
    fn urls_keep_a_host_path_prefix() {
        let c = KoreClient::new(&settings("https://example.test/prefix/")).unwrap();
        assert_eq!(
            c.url(&["hooks", "st-1"]).as_str(),
            "https://example.test/prefix/agentassist/api/v1/hooks/st-1"
        );
        let c = KoreClient::new(&settings("https://example.test")).unwrap();
        assert_eq!(
            c.url(&["public", "st-1", "conversations", "a/b"]).as_str(),
            "https://example.test/agentassist/api/v1/public/st-1/conversations/a%2Fb"
        );
    }
}
