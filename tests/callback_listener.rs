//! The callback listener takes every callback on its secret path to the
//! console (understood or not), refuses strangers on their own budget, and
//! does not let slow or idle connections use it up.

use std::time::Duration;
use switchboard::runtime::callback::{CallbackListener, ListenerLimits, MAX_BODY_BYTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("listener reachable");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn accepts_good_callbacks_and_rejects_the_rest() {
    switchboard::install_crypto();
    let (listener, mut rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let port = listener.local_addr().port();
    let url = listener.url_for("req-42");
    assert!(url.starts_with(&format!("http://127.0.0.1:{port}/cb/")));
    assert!(url.ends_with("/req-42"));
    let secret_part = url.split('/').nth(4).unwrap().to_string();
    assert!(
        secret_part.len() >= 32,
        "the path secret must be unguessable"
    );
    assert!(!listener.redact(&url).contains(&secret_part));
    let client = reqwest::Client::new();

    // A good one arrives with its request id.
    let (s, _) = post(
        &client,
        &url,
        r#"{"sessionId":"s1","agentId":"a-1","status":"transferred"}"#,
    )
    .await;
    assert_eq!(s, 200);
    let got = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.request_id.as_deref(), Some("req-42"));
    assert!(got.body.succeeded());
    assert_eq!(got.body.session_id.as_deref(), Some("s1"));

    let base = format!("http://127.0.0.1:{port}");
    // Wrong secret, wrong path: 404 and nothing delivered.
    let (s, _) = post(&client, &format!("{base}/cb/not-the-secret/req-42"), "{}").await;
    assert_eq!(s, 404);
    let (s, _) = post(&client, &format!("{base}/elsewhere"), "{}").await;
    assert_eq!(s, 404);
    assert!(rx.try_recv().is_err(), "strangers are not delivered");
    // On the secret path, whatever comes reaches the console with the
    // reason it could not be read: nothing is dropped without a line.
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(2), rx.recv())
            .await
            .unwrap()
            .unwrap()
    };
    let (s, _) = post(&client, &format!("{base}/cb/{secret_part}/bad%20id"), "{}").await;
    assert_eq!(s, 200);
    let got = next().await;
    assert_eq!(got.request_id, None);
    assert!(got.problem.unwrap().contains("request id"));
    let (s, body) = post(&client, &url, "{not json").await;
    assert_eq!(s, 400);
    assert!(body.contains("not JSON"), "{body}");
    let got = next().await;
    assert!(got.problem.unwrap().contains("not JSON"));
    assert_eq!(got.summary, "{not json");
    let (s, _) = post(&client, &url, "[1,2]").await;
    assert_eq!(s, 400);
    assert_eq!(next().await.problem.unwrap(), "body is not a JSON object");
    let (s, _) = post(&client, &url, vec![0xff, 0xfe]).await;
    assert_eq!(s, 400);
    assert_eq!(next().await.problem.unwrap(), "body is not UTF-8");
    // Oversize: 413, and still a line.
    let big = format!(
        r#"{{"status":"failed","reason":"{}"}}"#,
        "x".repeat(MAX_BODY_BYTES + 10)
    );
    let (s, _) = post(&client, &url, big).await;
    assert_eq!(s, 413);
    assert!(next().await.problem.unwrap().contains("KiB"));
    // Both names of a field, and a status that is a number: understood.
    let (s, _) = post(
        &client,
        &url,
        r#"{"sessionId":"s-general","botSessionId":"s-1","agentId":"a-1","aId":"a-1","status":200,"message":"ok","error":null}"#,
    )
    .await;
    assert_eq!(s, 200);
    let got = next().await;
    assert_eq!(got.problem, None);
    assert_eq!(got.body.session_id.as_deref(), Some("s-1"));
    assert!(got.body.succeeded());

    // Still serving after all that.
    let (s, _) = post(
        &client,
        &url,
        r#"{"status":"failed","message":"agent offline"}"#,
    )
    .await;
    assert_eq!(s, 200);
    let got = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(!got.body.succeeded());
    assert_eq!(got.body.reason.as_deref(), Some("agent offline"));
    listener.shutdown().await;
}

/// Issue 8.3: a flood of posts to made-up paths (no secret needed) used to
/// spend the one 50-a-second budget, so Kore's genuine callback met 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_path_flood_does_not_starve_genuine_callbacks() {
    switchboard::install_crypto();
    let (listener, mut rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let port = listener.local_addr().port();
    let stats = listener.stats();
    let client = reqwest::Client::new();
    let flood = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..400 {
                let url = format!("http://127.0.0.1:{port}/cb/made-up-{i}/x");
                statuses.push(post(&client, &url, "{}").await.0);
            }
            statuses
        })
    };
    // Genuine callbacks, in the middle of the flood.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut genuine = Vec::new();
    for i in 0..30 {
        let url = listener.url_for(&format!("r-{i}"));
        genuine.push(post(&client, &url, r#"{"status":"transferred"}"#).await.0);
    }
    let strangers = flood.await.unwrap();
    assert!(
        strangers.contains(&429),
        "the flood meets its cap: {strangers:?}"
    );
    assert!(
        genuine.iter().all(|s| *s == 200),
        "every genuine callback is taken: {genuine:?}"
    );
    for _ in 0..30 {
        rx.try_recv()
            .expect("each genuine callback reaches the console");
    }
    assert!(
        stats.refused() > 0,
        "the refusals are counted for the status bar"
    );
    assert!(stats.last_refused_ms() > 0);
    listener.shutdown().await;
}

/// Issue 8.4: idle connections and ones that send their headers a byte at a
/// time were kept for as long as they liked, until the files ran out and a
/// genuine callback was lost. Now they are closed after the header timeout,
/// and connections over the cap wait without taking a file of ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_and_capped() {
    switchboard::install_crypto();
    let limits = ListenerLimits {
        max_connections: 16,
        header_timeout: Duration::from_millis(400),
        max_connection_life: Duration::from_secs(3),
        body_timeout: Duration::from_secs(5),
    };
    let (listener, mut rx) =
        CallbackListener::start_with("127.0.0.1:0", "http://127.0.0.1:0", limits)
            .await
            .unwrap();
    let addr = listener.local_addr();
    // Many idle sockets, more than the cap.
    let mut idle = Vec::new();
    for _ in 0..60 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // A slowloris: a header byte every 100 ms, never finished.
    let slow = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        for b in b"POST /cb/x/y HTTP/1.1\r\nHost: a\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if s.write_all(&[*b]).await.is_err() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        started.elapsed()
    });
    // The first idle sockets are served, then closed by the server within
    // the header timeout (a read sees the end of the stream).
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(2), idle[0].read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "an idle connection is closed by the server: {closed:?}"
    );
    let slow_for = slow.await.unwrap();
    assert!(
        slow_for < Duration::from_secs(4),
        "a slowloris is cut off, not served for {slow_for:?}"
    );
    // A genuine callback still arrives while idle sockets keep coming.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = listener.url_for("r-1");
    let (s, _) = post(&client, &url, r#"{"status":"transferred"}"#).await;
    assert_eq!(s, 200);
    let got = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.request_id.as_deref(), Some("r-1"));
    listener.shutdown().await;
}

#[test]
fn the_connection_cap_leaves_half_the_open_files() {
    assert_eq!(ListenerLimits::for_open_files(1 << 20).max_connections, 256);
    let small = ListenerLimits::for_open_files(256);
    assert_eq!(small.max_connections, 96);
    assert!(ListenerLimits::for_open_files(10).max_connections >= 8);
}

#[tokio::test]
async fn guessing_the_secret_is_throttled_too() {
    switchboard::install_crypto();
    let (listener, _rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let port = listener.local_addr().port();
    let wrong = format!("http://127.0.0.1:{port}/cb/guess/r");
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..80 {
        statuses.push(post(&client, &wrong, r#"{"status":"transferred"}"#).await.0);
    }
    assert!(
        statuses.contains(&429),
        "a flood of guesses must meet the per-second cap: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| *s == 404 || *s == 429));
    listener.shutdown().await;
}

#[tokio::test]
async fn bad_public_url_and_busy_port_are_clear_errors() {
    let err = CallbackListener::start("127.0.0.1:0", "ftp://x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("public_url"), "{err}");
    let (first, _rx) = CallbackListener::start("127.0.0.1:0", "http://localhost:1")
        .await
        .unwrap();
    let taken = first.local_addr().to_string();
    let err = CallbackListener::start(&taken, "http://localhost:1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&taken), "{err}");
}

/// Issue 18.16: a body sent slowly on the secret path held its connection
/// until the connection's life ran out (a genuine callback waited 57 s
/// behind such ones). A body now has its own deadline: it is answered 408,
/// the console is told (a line on screen), and the connection is freed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_on_the_secret_path_is_cut_at_its_deadline() {
    switchboard::install_crypto();
    let limits = ListenerLimits {
        body_timeout: Duration::from_millis(300),
        max_connection_life: Duration::from_secs(60),
        ..ListenerLimits::default()
    };
    let (listener, mut rx) =
        CallbackListener::start_with("127.0.0.1:0", "http://127.0.0.1:0", limits)
            .await
            .unwrap();
    let url = listener.url_for("r-slow");
    let path = url.split_once("127.0.0.1").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    let mut s = tokio::net::TcpStream::connect(listener.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // The rest of the body never comes; the answer does, well before the
    // connection's 60 s life.
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf))
        .await
        .expect("an answer before the connection's life ends")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.request_id.as_deref(), Some("r-slow"));
    assert!(
        got.problem
            .as_deref()
            .is_some_and(|p| p.contains("not received within")),
        "{:?}",
        got.problem
    );
    listener.shutdown().await;
}

/// Issue 18.16: a flood on the secret path with request ids never given
/// out spent the genuine callbacks' budget. Unknown ids now have a budget
/// of their own: they meet 429, a genuine callback does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_request_ids_do_not_spend_the_genuine_budget() {
    use switchboard::runtime::callback::MAX_GENUINE_PER_SECOND;
    switchboard::install_crypto();
    let (listener, mut rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let genuine_url = listener.url_for("r-real");
    let base = genuine_url.trim_end_matches("r-real").to_string();
    let client = reqwest::Client::new();
    let mut unknown = Vec::new();
    for i in 0..=MAX_GENUINE_PER_SECOND {
        let url = format!("{base}u-{i}");
        unknown.push(post(&client, &url, r#"{"status":"transferred"}"#).await.0);
    }
    let (status, _) = post(&client, &genuine_url, r#"{"status":"transferred"}"#).await;
    assert_eq!(status, 200, "the genuine callback is taken");
    assert!(unknown.contains(&429), "the unknown ids meet their own cap");
    let mut seen_real = false;
    while let Ok(cb) = rx.try_recv() {
        seen_real |= cb.request_id.as_deref() == Some("r-real");
    }
    assert!(seen_real);
    listener.shutdown().await;
}
