//! The console's own HTTP listener for assign-conversation callbacks.
//!
//! Kore posts the outcome of a transfer to the `callbackUrl` of the request.
//! Each run makes an unguessable secret; callback URLs are
//! `{public_url}/cb/{secret}/{request_id}`, so a callback is matched to its
//! request by its path. Anything that reaches the secret path is handed to the
//! console, understood or not, so no callback is dropped without a line on
//! screen. Requests that do not carry the secret are throttled on their own
//! budget, so a flood of made-up paths never costs a genuine callback its
//! turn. Connections are capped in number and time (headers, idle and whole
//! life), so slow or idle sockets cannot use up the process's files.

use crate::app::update::NOT_UNDERSTOOD;
use crate::kore::wire::{AssignCallback, Verdict};
use crate::runtime::journal::Record;
use crate::runtime::journal_writer::JournalWriter;
use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Largest callback body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Requests to paths without this run's secret answered per second before
/// the listener answers 429 to them.
pub const MAX_PER_SECOND: u32 = 50;
/// Callbacks on the secret path accepted per second. Its own budget: a flood
/// of wrong paths never uses it up.
pub const MAX_GENUINE_PER_SECOND: u32 = 500;

/// How the listener guards its sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// A connection must send a whole request head within this, also while
    /// idle between requests (keep-alive).
    pub header_timeout: Duration,
    /// The longest any one connection is kept, whatever it does.
    pub max_connection_life: Duration,
    /// A callback's whole body must arrive within this once its head has:
    /// a slow body is answered 408 and frees its connection.
    pub body_timeout: Duration,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits {
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            max_connection_life: Duration::from_secs(30),
            body_timeout: Duration::from_secs(5),
        }
    }
}

impl ListenerLimits {
    /// The defaults, with the connection cap fitted under an open-file limit
    /// so that half of the files stay for the console's own use (the
    /// journal, exports, Kore connections).
    pub fn for_open_files(limit: u64) -> Self {
        let fit = (limit / 2).saturating_sub(32).max(8);
        ListenerLimits {
            max_connections: (fit.min(256)) as usize,
            ..ListenerLimits::default()
        }
    }
}

pub use crate::kore::wire::ReceivedCallback;

/// What the listener refused, for the status bar.
#[derive(Debug, Default)]
pub struct ListenerStats {
    refused: AtomicU64,
    last_refused_ms: AtomicU64,
}

impl ListenerStats {
    fn refuse(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.last_refused_ms.store(now, Ordering::Relaxed);
    }

    /// Requests refused (429, or a connection over the cap) since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// When the last one was refused (unix ms), 0 if never.
    pub fn last_refused_ms(&self) -> i64 {
        self.last_refused_ms.load(Ordering::Relaxed) as i64
    }
}

/// A fixed one-second window counter.
struct Window(Mutex<(Instant, u32)>);

impl Window {
    fn new() -> Self {
        Window(Mutex::new((Instant::now(), 0)))
    }

    /// Counts one request; false when it is over `limit` in this second.
    fn admit(&self, limit: u32) -> bool {
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if now.duration_since(w.0) >= Duration::from_secs(1) {
            *w = (now, 0);
        }
        w.1 = w.1.saturating_add(1);
        w.1 <= limit
    }
}

struct Shared {
    secret: String,
    tx: mpsc::UnboundedSender<ReceivedCallback>,
    /// Where each callback is journaled before it is answered (see
    /// [`CallbackListener::journal_to`]).
    journal: OnceLock<JournalWriter>,
    /// Requests without the secret.
    strangers: Window,
    /// Requests with the secret and a request id this listener gave out.
    genuine: Window,
    /// Requests with the secret and no request id, or one never given out:
    /// a budget of their own, so they cannot spend the genuine one.
    unknown: Window,
    /// The request ids `url_for` gave out (the latest [`MAX_ISSUED`]).
    issued: Arc<Issued>,
    body_timeout: Duration,
    stats: Arc<ListenerStats>,
}

/// The most request ids remembered as given out.
pub const MAX_ISSUED: usize = 100_000;

/// The request ids given out, oldest first.
#[derive(Default)]
struct Issued(
    Mutex<(
        std::collections::HashSet<String>,
        std::collections::VecDeque<String>,
    )>,
);

impl Issued {
    fn add(&self, id: &str) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *g;
        if set.insert(id.to_string()) {
            order.push_back(id.to_string());
            if order.len() > MAX_ISSUED
                && let Some(old) = order.pop_front()
            {
                set.remove(&old);
            }
        }
    }

    fn contains(&self, id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .contains(id)
    }
}

/// A running listener.
pub struct CallbackListener {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    secret: String,
    issued: Arc<Issued>,
    stats: Arc<ListenerStats>,
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

impl ListenError {
    /// What to do about it, by its cause.
    pub fn hint(&self) -> String {
        match self {
            ListenError::Bind { addr, source } => match source.kind() {
                std::io::ErrorKind::AddrInUse => format!(
                    "another program (another console?) listens on {addr}; quit it, or change [callback].listen"
                ),
                std::io::ErrorKind::AddrNotAvailable => format!(
                    "{addr} is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface) in [callback].listen"
                ),
                std::io::ErrorKind::PermissionDenied => {
                    "ports below 1024 need privileges; use a higher port in [callback].listen".into()
                }
                _ => "change [callback].listen".into(),
            },
            ListenError::BadPublicUrl(_) => {
                "[callback].public_url must be an http(s) URL such as https://switchboard.example.com".into()
            }
        }
    }
}

impl CallbackListener {
    /// Binds `listen` and serves until dropped or shut down, with the default
    /// [`ListenerLimits`]. `public_url` is the base that Kore can reach (it
    /// may differ from `listen` behind a proxy); a port of 0 in `listen` is
    /// resolved, and when `public_url` names the same loopback host with port
    /// 0, the bound port is used there too.
    pub async fn start(
        listen: &str,
        public_url: &str,
    ) -> Result<(Self, mpsc::UnboundedReceiver<ReceivedCallback>), ListenError> {
        Self::start_with(listen, public_url, ListenerLimits::default()).await
    }

    /// [`CallbackListener::start`] with the given limits.
    pub async fn start_with(
        listen: &str,
        public_url: &str,
        limits: ListenerLimits,
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
        let stats = Arc::new(ListenerStats::default());
        let issued = Arc::new(Issued::default());
        let shared = Arc::new(Shared {
            secret: secret.clone(),
            tx,
            journal: OnceLock::new(),
            strangers: Window::new(),
            genuine: Window::new(),
            unknown: Window::new(),
            issued: issued.clone(),
            body_timeout: limits.body_timeout,
            stats: stats.clone(),
        });
        let app = Router::new()
            .route("/cb/{secret}", post(without_id))
            .route("/cb/{secret}/{request_id}", post(with_id))
            .fallback(stranger)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(shared.clone());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app, limits, stop_rx));
        Ok((
            CallbackListener {
                shared,
                addr,
                base_url,
                secret,
                issued,
                stats,
                shutdown: Some(stop_tx),
                task: Some(task),
            },
            rx,
        ))
    }

    /// From now on each callback on the secret path is journaled (a
    /// `callback` record: its request id, whether it says the transfer went
    /// through, a summary) and acknowledged by `journal` before the listener
    /// answers 200; when the journal refuses it, the answer is 503, so that
    /// Kore sends it again. Set once; later calls change nothing.
    pub fn journal_to(&self, journal: JournalWriter) {
        let _ = self.shared.journal.set(journal);
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the listener refused so far.
    pub fn stats(&self) -> Arc<ListenerStats> {
        self.stats.clone()
    }

    /// The callback URL for one request.
    pub fn url_for(&self, request_id: &str) -> String {
        self.issued.add(request_id);
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

/// The accept loop: a connection is accepted only when a slot is free, and
/// each is served over HTTP/1 with a header timeout (which also closes idle
/// keep-alive connections) inside a limit on its whole life.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ListenerLimits,
    mut stop: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let service = hyper_util::service::TowerToHyperService::new(app);
    loop {
        let permit = tokio::select! {
            _ = &mut stop => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut stop => break,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of files, most likely: wait instead of spinning.
                tracing::warn!(error = %e, "callback listener could not accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = service.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let _ = tokio::time::timeout(limits.max_connection_life, conn).await;
            drop(permit);
        });
    }
}

async fn without_id(
    State(shared): State<Arc<Shared>>,
    Path(secret): Path<String>,
    body: Body,
) -> Response {
    accept(&shared, &secret, None, body).await
}

async fn with_id(
    State(shared): State<Arc<Shared>>,
    Path((secret, request_id)): Path<(String, String)>,
    body: Body,
) -> Response {
    accept(&shared, &secret, Some(request_id), body).await
}

/// Anything outside the secret paths: throttled with the other strangers.
async fn stranger(State(shared): State<Arc<Shared>>) -> Response {
    refuse_stranger(&shared)
}

fn refuse_stranger(shared: &Shared) -> Response {
    if !shared.strangers.admit(MAX_PER_SECOND) {
        shared.stats.refuse();
        return (StatusCode::TOO_MANY_REQUESTS, "too many requests").into_response();
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// Reads a callback body. Any JSON object is a callback (see
/// [`AssignCallback`]); the error is the reason a body is not one: it is not
/// UTF-8, not JSON, or not a JSON object.
pub fn parse_callback(body: &[u8]) -> Result<AssignCallback, String> {
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_string())?;
    match serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| format!("body is not JSON: {e}"))?
    {
        serde_json::Value::Object(map) => Ok(AssignCallback::from_object(map)),
        _ => Err("body is not a JSON object".to_string()),
    }
}

async fn accept(shared: &Shared, secret: &str, request_id: Option<String>, body: Body) -> Response {
    if !constant_time_eq(secret.as_bytes(), shared.secret.as_bytes()) {
        return refuse_stranger(shared);
    }
    // The secret is right: this is Kore (or whoever Kore's callbacks reach).
    // Its budget is its own, so strangers cannot spend it; and callbacks
    // for request ids never given out have theirs, apart from Kore's.
    let known = request_id
        .as_deref()
        .is_some_and(|id| shared.issued.contains(id));
    let (window, limit) = if known {
        (&shared.genuine, MAX_GENUINE_PER_SECOND)
    } else {
        (&shared.unknown, MAX_PER_SECOND)
    };
    if !window.admit(limit) {
        shared.stats.refuse();
        return (StatusCode::TOO_MANY_REQUESTS, "too many callbacks").into_response();
    }
    // Read here, not by an extractor, so that even a body over the cap makes
    // a line on screen; within the body deadline, so a slow body frees its
    // connection.
    let read = tokio::time::timeout(
        shared.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    );
    let (body, mut status, mut problem) = match read.await {
        Ok(Ok(b)) => (b, StatusCode::OK, None),
        Err(_) => (
            Bytes::new(),
            StatusCode::REQUEST_TIMEOUT,
            Some(format!(
                "body not received within {} ms; not read",
                shared.body_timeout.as_millis()
            )),
        ),
        Ok(Err(_)) => (
            Bytes::new(),
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(format!(
                "body over {} KiB (or broken off); not read",
                MAX_BODY_BYTES / 1024
            )),
        ),
    };
    let summary = crate::kore::client::summarize_body(&String::from_utf8_lossy(&body));
    // Understood or not, it goes to the console: it shows every callback.
    let parsed = if problem.is_some() {
        AssignCallback::default()
    } else {
        match parse_callback(&body) {
            Ok(cb) => cb,
            Err(reason) => {
                status = StatusCode::BAD_REQUEST;
                problem = Some(reason);
                AssignCallback::default()
            }
        }
    };
    let request_id = match request_id {
        Some(id) if id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            problem.get_or_insert_with(|| {
                "its path names a request id Switchboard never makes".to_string()
            });
            None
        }
        other => other,
    };
    let answer = match (&problem, status) {
        (None, _) | (Some(_), StatusCode::OK) => {
            (StatusCode::OK, axum::Json(serde_json::json!({"ok": true}))).into_response()
        }
        (Some(reason), status) => (status, reason.clone()).into_response(),
    };
    let received = ReceivedCallback {
        request_id,
        body: parsed,
        problem,
        summary,
    };
    // Journaled first: once Kore reads 200, the callback survives a kill.
    if let Some(journal) = shared.journal.get()
        && let Err(e) = journal.append(receipt(&received)).await
    {
        tracing::error!(error = %e, "a callback could not be journaled; answered 503");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the callback could not be recorded; send it again",
        )
            .into_response();
    }
    if shared.tx.send(received).is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "console is shutting down").into_response();
    }
    answer
}

/// The journal's record of a callback as it arrived: the request its path
/// names, whether it says the transfer went through, and what it said.
pub fn receipt(cb: &ReceivedCallback) -> Record {
    let verdict = match &cb.problem {
        Some(p) => Verdict::Unclear(p.clone()),
        None => cb.body.verdict(),
    };
    let summary = match &verdict {
        Verdict::Unclear(why) => format!("{NOT_UNDERSTOOD}: {why}"),
        _ => cb.summary.clone(),
    };
    Record::Callback {
        id: cb.request_id.clone(),
        at_ms: (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64,
        ok: verdict == Verdict::Success,
        summary,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::journal::Journal;

    fn journal_in(dir: &std::path::Path) -> (JournalWriter, std::path::PathBuf) {
        let path = dir.join("journal.jsonl");
        let (journal, _) = Journal::open(&path).unwrap();
        (JournalWriter::spawn(journal), path)
    }

    fn callbacks_on_disk(path: &std::path::Path) -> usize {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"kind\":\"callback\""))
            .count()
    }

    async fn post_callback(url: String) -> u16 {
        reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({"status": "success", "agentId": "a-1"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Issue 18.6: the answer never comes before the journal holds the
    /// callback. The journal writer is held busy: the post waits, nothing is
    /// handed on; once it is free, the record is on disk and then 200.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_callback_is_answered_only_once_the_journal_holds_it() {
        crate::install_crypto();
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = journal_in(dir.path());
        let (listener, mut rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
            .await
            .unwrap();
        listener.journal_to(writer.clone());
        let (held_tx, held) = oneshot::channel::<()>();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        let hold = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .with_journal(move |_| {
                        let _ = held_tx.send(());
                        let _ = release_rx.recv();
                    })
                    .await
            })
        };
        held.await.unwrap();
        let post = tokio::spawn(post_callback(listener.url_for("r-1")));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!post.is_finished(), "answered before the journal had it");
        assert!(rx.try_recv().is_err(), "handed on before it was journaled");
        assert_eq!(callbacks_on_disk(&path), 0);
        release.send(()).unwrap();
        assert_eq!(post.await.unwrap(), 200);
        assert_eq!(callbacks_on_disk(&path), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"id\":\"r-1\"") && text.contains("\"ok\":true"),
            "{text}"
        );
        assert_eq!(rx.recv().await.unwrap().request_id.as_deref(), Some("r-1"));
        hold.await.unwrap();
    }

    /// Issue 18.6: a journal that refuses the record gets Kore a 503 (it
    /// sends the callback again), and the console is not told of it yet.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_callback_the_journal_refuses_is_answered_503() {
        crate::install_crypto();
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = journal_in(dir.path());
        let (listener, mut rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
            .await
            .unwrap();
        listener.journal_to(writer.clone());
        writer.with_journal(|j| j.break_writes()).await;
        assert_eq!(post_callback(listener.url_for("r-2")).await, 503);
        assert!(rx.try_recv().is_err());
        assert_eq!(callbacks_on_disk(&path), 0);
    }
}
