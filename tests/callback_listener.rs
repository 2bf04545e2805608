//! The callback listener takes well-formed callbacks on its secret path and
//! rejects everything else without falling over.

use std::time::Duration;
use switchboard::runtime::callback::{CallbackListener, MAX_BODY_BYTES};

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
    // Wrong secret, wrong path, wrong method: 404/405 and nothing delivered.
    let (s, _) = post(&client, &format!("{base}/cb/not-the-secret/req-42"), "{}").await;
    assert_eq!(s, 404);
    let (s, _) = post(&client, &format!("{base}/elsewhere"), "{}").await;
    assert_eq!(s, 404);
    let (s, _) = post(&client, &format!("{base}/cb/{secret_part}/bad%20id"), "{}").await;
    assert_eq!(s, 404);
    // Bad JSON and non-objects: 400 with a reason.
    let (s, body) = post(&client, &url, "{not json").await;
    assert_eq!(s, 400);
    assert!(body.contains("not JSON"), "{body}");
    let (s, _) = post(&client, &url, "[1,2]").await;
    assert_eq!(s, 400);
    let (s, _) = post(&client, &url, vec![0xff, 0xfe]).await;
    assert_eq!(s, 400);
    // Oversize: 413.
    let big = format!(
        r#"{{"status":"failed","reason":"{}"}}"#,
        "x".repeat(MAX_BODY_BYTES + 10)
    );
    let (s, _) = post(&client, &url, big).await;
    assert_eq!(s, 413);
    assert!(rx.try_recv().is_err(), "nothing rejected may be delivered");

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

#[tokio::test]
async fn a_flood_is_throttled() {
    switchboard::install_crypto();
    let (listener, _rx) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let url = listener.url_for("r");
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..80 {
        statuses.push(post(&client, &url, r#"{"status":"transferred"}"#).await.0);
    }
    assert!(
        statuses.contains(&429),
        "80 callbacks at once must meet the per-second cap"
    );
    assert!(statuses.iter().filter(|s| **s == 200).count() >= 40);
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
