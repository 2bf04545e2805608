//! Team mode's gaps (issue 21, the follow-up list): claims renewed while
//! their request waits, the lease checked per poll request and taken back
//! at once when Redis answers again, activity kept while Redis is down, and
//! what a hostile Redis writes in the team's keys. Each against a real
//! `redis-server` the test starts on a free loopback port (never a mock);
//! without one on PATH the tests fail with the install hint.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use switchboard::team::claims::{ClaimAnswer, Claims};
use switchboard::team::server::RedisServer;
use switchboard::team::{Team, TeamSettings};

fn redis() -> RedisServer {
    RedisServer::start().unwrap_or_else(|e| panic!("team mode tests need redis-server: {e}"))
}

const PREFIX: &str = "test:gaps:";

fn team(server: &RedisServer, name: &str) -> Team {
    Team::connect(&TeamSettings::local(server.url(), name, PREFIX)).unwrap()
}

/// A plain client of the test's own, to read and write the team's keys.
async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn wait_for(what: &str, within: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_is_renewed_while_its_request_waits_and_released_on_the_outcome() {
    let server = redis();
    let life = Duration::from_millis(600);
    let ann = Arc::new(Claims::with_ttl(team(&server, "Ann"), life));
    let raj = Claims::with_ttl(team(&server, "Raj"), life);
    let running = Arc::new(AtomicBool::new(true));
    let alive = running.clone();
    tokio::spawn(
        ann.clone()
            .keep_renewed(move || alive.load(Ordering::Relaxed)),
    );

    assert_eq!(
        ann.claim("c-1", "assigning", false).await,
        ClaimAnswer::Granted
    );
    // The request waits three lives of the claim (the limiter, retries).
    tokio::time::sleep(life * 3).await;
    match raj.claim("c-1", "assigning", false).await {
        ClaimAnswer::Refused(v) => {
            assert_eq!((v.name.as_str(), v.what.as_str()), ("Ann", "assigning"))
        }
        other => panic!("the claim ran out while its request waited: {other:?}"),
    }
    // The outcome releases it: a teammate may act now.
    ann.release("c-1").await;
    assert_eq!(
        raj.claim("c-1", "assigning", false).await,
        ClaimAnswer::Granted
    );
    raj.release("c-1").await;

    // A claim a teammate took over (forced) is not renewed over theirs.
    assert_eq!(
        ann.claim("c-2", "ending", false).await,
        ClaimAnswer::Granted
    );
    assert_eq!(
        raj.claim("c-2", "assigning", true).await,
        ClaimAnswer::Granted
    );
    wait_for("Ann lets c-2 go", life * 2, || ann.held().is_empty()).await;
    let mut conn = raw(&server).await;
    let value: String = redis::AsyncCommands::get(&mut conn, format!("{PREFIX}claim:c-2"))
        .await
        .unwrap();
    assert!(value.contains("\"Raj\""), "{value}");

    // And a claim nobody renews runs out, as before (what the renewal
    // is for).
    let alone = Claims::with_ttl(team(&server, "Lea"), life);
    assert_eq!(
        alone.claim("c-3", "assigning", false).await,
        ClaimAnswer::Granted
    );
    tokio::time::sleep(life * 2).await;
    assert_eq!(
        raj.claim("c-3", "assigning", false).await,
        ClaimAnswer::Granted
    );
    running.store(false, Ordering::Relaxed);
}
