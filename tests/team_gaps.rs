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
use switchboard::team::poller::{PollRole, Poller};
use switchboard::team::server::RedisServer;
use switchboard::team::{Team, TeamSettings};
use tokio::sync::mpsc;

fn redis() -> RedisServer {
    RedisServer::start().unwrap_or_else(|e| panic!("team mode tests need redis-server: {e}"))
}

const PREFIX: &str = "test:gaps:";

fn team(server: &RedisServer, name: &str) -> Team {
    Team::connect(&TeamSettings::local(server.url(), name, PREFIX)).unwrap()
}

fn team_with_lease(server: &RedisServer, name: &str, lease: Duration) -> Team {
    let mut settings = TeamSettings::local(server.url(), name, PREFIX);
    settings.lease = lease;
    Team::connect(&settings).unwrap()
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

fn poller(
    team: Team,
) -> (
    Arc<Poller>,
    mpsc::UnboundedReceiver<switchboard::app::Action>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Poller::start(team, tx), rx)
}

fn leading(p: &Poller) -> bool {
    matches!(p.role(), PollRole::Leading { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_request_stops_as_soon_as_the_lease_is_not_ours() {
    let server = redis();
    let lease = Duration::from_millis(1_200);
    let (mia, _rx) = poller(team_with_lease(&server, "Mia", lease));
    wait_for("Mia leads", Duration::from_secs(3), || leading(&mia)).await;
    assert!(mia.still_polling().await);
    assert_eq!(mia.while_polling(async { 7 }).await, Some(7));

    // A request waits for its slot; meanwhile the lease goes to another.
    let waiting = tokio::spawn({
        let mia = mia.clone();
        async move { mia.while_polling(std::future::pending::<()>()).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut conn = raw(&server).await;
    let _: () = redis::cmd("SET")
        .arg(format!("{PREFIX}poll:lease"))
        .arg("999|Raj#00000001|Raj")
        .arg("PX")
        .arg(10_000)
        .query_async(&mut conn)
        .await
        .unwrap();
    // Given up within the lease loop's next turn (a quarter lease).
    let gave_up = tokio::time::timeout(lease, waiting).await;
    assert!(matches!(gave_up, Ok(Ok(None))), "{gave_up:?}");
    assert_eq!(mia.role(), PollRole::Following);
    // And the next request does not leave at all.
    assert_eq!(mia.while_polling(async { 7 }).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_checks_the_lease_itself_between_two_renewals() {
    let server = redis();
    // A long lease: its loop renews it only every 2 s.
    let lease = Duration::from_secs(8);
    let (mia, _rx) = poller(team_with_lease(&server, "Mia", lease));
    wait_for("Mia leads", Duration::from_secs(3), || leading(&mia)).await;
    let mut conn = raw(&server).await;
    let _: () = redis::cmd("SET")
        .arg(format!("{PREFIX}poll:lease"))
        .arg("999|Raj#00000001|Raj")
        .query_async(&mut conn)
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(mia.while_polling(async { 7 }).await, None);
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(mia.role(), PollRole::Following);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_takes_its_lease_back_at_once_when_redis_answers_again() {
    let server = redis();
    let lease = Duration::from_secs(8);
    let (mia, _a) = poller(team_with_lease(&server, "Mia", lease));
    wait_for("Mia leads", Duration::from_secs(3), || leading(&mia)).await;
    let (raj, _b) = poller(team_with_lease(&server, "Raj", lease));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(raj.role(), PollRole::Following);

    // Redis stops answering for a while (its data kept, as in a partition):
    // both go on alone.
    let mut conn = raw(&server).await;
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(5_000)
        .arg("ALL")
        .query_async(&mut conn)
        .await
        .unwrap();
    let paused = Instant::now();
    wait_for("both alone", Duration::from_millis(4_900), || {
        mia.role() == PollRole::Alone && raj.role() == PollRole::Alone
    })
    .await;
    // The first poll request after Redis answers again asks at once.
    while paused.elapsed() < Duration::from_millis(5_200) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let back = Instant::now();
    let (m, r) = tokio::join!(mia.still_polling(), raj.still_polling());
    // Mia's lease is still in Redis, and hers: she leads again at once;
    // Raj follows and polls no more.
    assert!(m && !r, "mia polls: {m}, raj polls: {r}");
    assert!(leading(&mia), "{:?}", mia.role());
    assert_eq!(raj.role(), PollRole::Following);
    assert!(
        back.elapsed() < Duration::from_secs(2),
        "took {:?}",
        back.elapsed()
    );
}

mod common;

/// A console through the runtime, in the team, that does not poll.
async fn quiet_console(
    sim: &switchboard::sim::SimHandle,
    server: &RedisServer,
    name: &str,
) -> (
    switchboard::runtime::runner::Runner,
    mpsc::UnboundedReceiver<switchboard::app::Action>,
) {
    let client = common::sim::client(sim, |s| s.rate_limit_per_minute = 60);
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = switchboard::runtime::runner::Runner::without_listener(client, tx, None);
    runner.join_team(team(server, name));
    (runner, rx)
}

/// The latest "api N/60" a console's status bar would show, within `ms`.
async fn latest_usage(
    rx: &mut mpsc::UnboundedReceiver<switchboard::app::Action>,
    ms: u64,
) -> Option<u32> {
    let mut latest = None;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if let switchboard::app::Action::RateUsage { used, .. } = action {
            latest = Some(used);
        }
    }
    latest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_bar_counts_the_teams_use_of_the_shared_window() {
    let server = redis();
    let sim = common::sim::simulator().await;
    let (ann, mut ann_rx) = quiet_console(&sim, &server, "Ann").await;
    let (_raj, mut raj_rx) = quiet_console(&sim, &server, "Raj").await;
    // Ann sends three requests (Raj none): both show the team's three.
    for _ in 0..3 {
        let query = switchboard::kore::wire::ConversationQuery {
            limit: Some(1),
            ..Default::default()
        };
        let call = ann
            .client()
            .list_conversations(&query, switchboard::kore::ratelimit::Priority::User)
            .await;
        assert!(call.outcome.is_ok(), "{:?}", call.outcome.err());
    }
    assert_eq!(ann.client().limiter().usage().used, 3);
    let raj_shows = latest_usage(&mut raj_rx, 3_000).await;
    assert_eq!(raj_shows, Some(3), "Raj's bar counts the team's requests");
    let ann_shows = latest_usage(&mut ann_rx, 500).await;
    assert!(ann_shows.is_none_or(|n| n == 3), "{ann_shows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_lines_are_kept_while_redis_is_down_and_published_when_it_is_back() {
    use switchboard::team::activity::{KEPT_WHILE_DOWN, Outbox, SENT_LATE};
    let mut server = redis();
    let ann = team(&server, "Ann");
    let outbox = Outbox::new(ann.clone());
    outbox.publish("action", "c-1", "assign c-1 → Mia").await;
    assert_eq!(outbox.waiting(), 0);

    server.stop();
    let started = Instant::now();
    for i in 0..KEPT_WHILE_DOWN + 5 {
        outbox
            .publish("outcome", &format!("c-{i}"), &format!("line {i}"))
            .await;
    }
    // Only the first asked Redis; the rest waited behind it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(outbox.waiting(), KEPT_WHILE_DOWN);
    assert_eq!(outbox.dropped(), 5);
    assert_eq!(outbox.flush().await, KEPT_WHILE_DOWN, "Redis is still down");

    server.restart().unwrap();
    let flushed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if outbox.flush().await == 0 && outbox.dropped() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(flushed.is_ok(), "still waiting: {}", outbox.waiting());
    let mut conn = raw(&server).await;
    let entries: redis::streams::StreamRangeReply =
        redis::AsyncCommands::xrange_all(&mut conn, format!("{PREFIX}activity"))
            .await
            .unwrap();
    let texts: Vec<String> = entries
        .ids
        .iter()
        .map(|e| e.get::<String>("text").unwrap())
        .collect();
    // The restarted Redis kept nothing: what is there is what waited, in
    // order, and the count of what did not fit.
    assert_eq!(texts.len(), KEPT_WHILE_DOWN + 1);
    assert_eq!(texts[0], format!("line 0{SENT_LATE}"));
    assert_eq!(
        texts[KEPT_WHILE_DOWN - 1],
        format!("line {}{SENT_LATE}", KEPT_WHILE_DOWN - 1)
    );
    assert_eq!(
        texts[KEPT_WHILE_DOWN],
        "5 activity line(s) dropped while Redis was down"
    );
    // And a line after that goes at once.
    outbox.publish("action", "c-9", "end c-9").await;
    assert_eq!(outbox.waiting(), 0);
}

/// Writes `value` at `key` as another program would.
async fn hostile_set(conn: &mut redis::aio::MultiplexedConnection, key: &str, value: &[u8]) {
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async(conn)
        .await
        .unwrap();
}

fn shown_safe(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_values_in_the_teams_keys_read_as_clear_lines() {
    let server = redis();
    let ann = team(&server, "Ann");
    ann.renew_presence().await.unwrap();
    let mut conn = raw(&server).await;

    // Presence: a record with control characters in its names, one that is
    // not UTF-8, one of 10 MB and one that is not a string.
    let evil = r#"{"id":"x#1","name":"\u001b[31mEve\u0007\nL","role":"follower","started_ms":1,"last_action":"assign \u001b[2J c-1"}"#;
    let big = vec![b'{'; 10 << 20];
    for (id, value) in [
        ("x#1", evil.as_bytes().to_vec()),
        ("x#2", b"{\"id\":\"x#2\",\"name\":\"\xff\xfe\"}".to_vec()),
        ("x#3", big.clone()),
    ] {
        hostile_set(&mut conn, &format!("{PREFIX}member:{id}"), &value).await;
        let _: () = redis::cmd("ZADD")
            .arg(format!("{PREFIX}members"))
            .arg(i64::MAX / 2)
            .arg(id)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    let _: () = redis::cmd("HSET")
        .arg(format!("{PREFIX}member:x#4"))
        .arg("name")
        .arg("Hash")
        .query_async(&mut conn)
        .await
        .unwrap();
    let _: () = redis::cmd("ZADD")
        .arg(format!("{PREFIX}members"))
        .arg(i64::MAX / 2)
        .arg("x#4")
        .query_async(&mut conn)
        .await
        .unwrap();
    let (members, unreadable) = ann.members().await.unwrap();
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    // The escape's introducer and the bell and newline are gone.
    assert_eq!(names, ["[31mEveL", "Ann"]);
    assert!(
        members
            .iter()
            .all(|m| shown_safe(&m.name) && m.last_action.as_deref().is_none_or(shown_safe))
    );
    assert_eq!(unreadable, 3, "not UTF-8, 10 MB, a hash");

    // The lease: garbage with no expiry is given one, and read as no poller.
    hostile_set(
        &mut conn,
        &format!("{PREFIX}poll:lease"),
        b"\xff\xfe garbage",
    )
    .await;
    assert_eq!(ann.leader().await.unwrap(), None);
    let lease = Duration::from_millis(600);
    let (mia, _rx) = poller(team_with_lease(&server, "Mia", lease));
    wait_for("Mia leads after the garbage expires", lease * 4, || {
        leading(&mia)
    })
    .await;

    // A claim value that does not parse, or is not a string: held, and
    // said so; never sent over.
    let claims = Claims::new(ann.clone());
    hostile_set(&mut conn, &format!("{PREFIX}claim:c-1"), b"\xffnot json").await;
    match claims.claim("c-1", "assigning", false).await {
        ClaimAnswer::Refused(v) => assert_eq!(v.name, "something other than a console"),
        other => panic!("{other:?}"),
    }
    let _: () = redis::cmd("LPUSH")
        .arg(format!("{PREFIX}claim:c-2"))
        .arg("x")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(matches!(
        claims.claim("c-2", "assigning", false).await,
        ClaimAnswer::Refused(_)
    ));
    // A claim a teammate's console wrote with escapes in the name.
    let named = r#"{"member_id":"r#1","name":"Raj\u001b]0;pwned\u0007","what":"assigning","since_ms":1,"req":"r"}"#;
    hostile_set(&mut conn, &format!("{PREFIX}claim:c-3"), named.as_bytes()).await;
    match claims.claim("c-3", "assigning", false).await {
        ClaimAnswer::Refused(v) => assert!(shown_safe(&v.name) && v.name.starts_with("Raj")),
        other => panic!("{other:?}"),
    }

    // The activity stream: a 10 MB entry, names not UTF-8 and escapes.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    tokio::spawn(switchboard::team::activity::follow(
        ann.clone(),
        move |line| {
            sink.lock().unwrap().push(line);
            true
        },
    ));
    tokio::time::sleep(Duration::from_millis(400)).await;
    for (who, text) in [
        (b"Eve\x1b[2J".to_vec(), big.clone()),
        (b"\xff\xfeRaj".to_vec(), b"assign c-1 \x07".to_vec()),
    ] {
        let _: String = redis::cmd("XADD")
            .arg(format!("{PREFIX}activity"))
            .arg("*")
            .arg("member")
            .arg("other#1")
            .arg("who")
            .arg(who)
            .arg("text")
            .arg(text)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    wait_for("both lines", Duration::from_secs(3), || {
        seen.lock().unwrap().len() == 2
    })
    .await;
    for line in seen.lock().unwrap().iter() {
        assert!(shown_safe(&line.who) && shown_safe(&line.text), "{line:?}");
        assert!(line.text.chars().count() <= switchboard::team::activity::MAX_TEXT_CHARS);
    }

    // The members key written as another type: a clear line in the bar,
    // not "Redis down".
    let _: () = redis::cmd("DEL")
        .arg(format!("{PREFIX}members"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let _: () = redis::cmd("HSET")
        .arg(format!("{PREFIX}members"))
        .arg("x")
        .arg("y")
        .query_async(&mut conn)
        .await
        .unwrap();
    let status = ann.refresh_status().await;
    assert!(status.online, "{status:?}");
    let text = status.bar_text();
    assert!(text.contains("members holds something other"), "{text}");
}
