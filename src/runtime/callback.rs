//! The console's own HTTP listener for assign-conversation callbacks.
//!
//! Kore posts the outcome of a transfer to the `callbackUrl` of the request.
//! Each run makes an unguessable secret; callback URLs are
//! `{public_url}/cb/{secret}/{request_id}`, so a callback is matched to its
//! request by its path, and anything posted elsewhere gets 404. Bodies are
//! capped, bad JSON gets 400 with the reason, and a flood gets 429. Nothing a
//! caller sends can crash the listener.

use crate::kore::wire::AssignCallback;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Largest callback body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Callbacks accepted per second before the listener answers 429.
pub const MAX_PER_SECOND: u32 = 50;

/// One callback as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedCallback {
    /// The request id from the path, when the callback came to a per-request URL.
    pub request_id: Option<String>,
    pub body: AssignCallback,
    /// A short summary of the raw body for the log.
    pub summary: String,
}

struct Shared {
    secret: String,
    tx: mpsc::UnboundedSender<ReceivedCallback>,
    window: Mutex<(Instant, u32)>,
}

/// A running listener.
pub struct CallbackListener {
    addr: SocketAddr,
    base_url: String,
    secret: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for CallbackListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackListener")
            .field("addr", &self.addr)
            .field("base_url", &self.base_url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("public_url {0:?} is not an http(s) URL")]
    BadPublicUrl(String),
}

impl CallbackListener {
    /// Binds `listen` and serves until dropped or shut down. `public_url` is the
    /// base that Kore can reach (it may differ from `listen` behind a proxy); a
    /// port of 0 in `listen` is resolved, and when `public_url` names the same
    /// loopback host with port 0, the bound port is used there too.
    pub async fn start(
        listen: &str,
        public_url: &str,
    ) -> Result<(Self, mpsc::UnboundedReceiver<ReceivedCallback>), ListenError> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ListenError::Bind {
                addr: listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ListenError::Bind {
            addr: listen.to_string(),
            source,
        })?;
        let mut url = url::Url::parse(public_url.trim())
            .map_err(|_| ListenError::BadPublicUrl(public_url.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ListenError::BadPublicUrl(public_url.to_string()));
        }
        if url.port() == Some(0) {
            let _ = url.set_port(Some(addr.port()));
        }
        let base_url = url.as_str().trim_end_matches('/').to_string();
        let secret = crate::kore::jwt::random_id();
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            secret: secret.clone(),
            tx,
            window: Mutex::new((Instant::now(), 0)),
        });
        let app = Router::new()
            .route("/cb/{secret}", post(without_id))
            .route("/cb/{secret}/{request_id}", post(with_id))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(shared);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "callback listener stopped");
            }
        });
        Ok((
            CallbackListener {
                addr,
                base_url,
                secret,
                shutdown: Some(stop_tx),
                task: Some(task),
            },
            rx,
        ))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The callback URL for one request.
    pub fn url_for(&self, request_id: &str) -> String {
        format!("{}/cb/{}/{}", self.base_url, self.secret, request_id)
    }

    /// What to show for the listener: the public base, without the secret path.
    pub fn display_address(&self) -> String {
        self.base_url.clone()
    }

    /// Removes this run's secret from a URL before it is shown or logged.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.secret, "…")
    }

    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
    }
}

impl Drop for CallbackListener {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn without_id(
    State(shared): State<Arc<Shared>>,
    Path(secret): Path<String>,
    body: Bytes,
) -> Response {
    accept(&shared, &secret, None, &body)
}

async fn with_id(
    State(shared): State<Arc<Shared>>,
    Path((secret, request_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    accept(&shared, &secret, Some(request_id), &body)
}

/// Reads a callback body. The error is the reason given with the 400: the
/// body is not UTF-8, not JSON, not a JSON object, or an object whose known
/// fields have the wrong types.
pub fn parse_callback(body: &[u8]) -> Result<AssignCallback, String> {
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_string())?;
    let value = serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| format!("body is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("body is not a JSON object".to_string());
    }
    serde_json::from_value(value).map_err(|e| format!("unreadable callback: {e}"))
}

fn accept(shared: &Shared, secret: &str, request_id: Option<String>, body: &[u8]) -> Response {
    // The throttle comes first, so a flood is slowed down whatever path it
    // guesses, and guessing secrets costs as much as posting callbacks.
    {
        let mut w = shared.window.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if now.duration_since(w.0) >= Duration::from_secs(1) {
            *w = (now, 0);
        }
        w.1 = w.1.saturating_add(1);
        if w.1 > MAX_PER_SECOND {
            return (StatusCode::TOO_MANY_REQUESTS, "too many callbacks").into_response();
        }
    }
    if !constant_time_eq(secret.as_bytes(), shared.secret.as_bytes()) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    if let Some(id) = &request_id
        && (id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let parsed = match parse_callback(body) {
        Ok(cb) => cb,
        Err(reason) => return (StatusCode::BAD_REQUEST, reason).into_response(),
    };
    // parse_callback has checked that the body is UTF-8.
    let summary = crate::kore::client::summarize_body(&String::from_utf8_lossy(body));
    if shared
        .tx
        .send(ReceivedCallback {
            request_id,
            body: parsed,
            summary,
        })
        .is_err()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "console is shutting down").into_response();
    }
    (StatusCode::OK, axum::Json(serde_json::json!({"ok": true}))).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
