//! The real client against the real simulator over loopback: flows planned by
//! the domain, sent by `KoreClient`, checked by the simulator's own rules.

use std::time::Duration;
use switchboard::domain::{self, Action, AgentRef, PlanSettings, Roster};
use switchboard::kore::client::{CallError, KoreClient};
use switchboard::kore::hooks::{self, EventContext};
use switchboard::kore::jwt::Secret;
use switchboard::kore::ratelimit::Priority;
use switchboard::kore::wire::{
    AssignRequest, AssignTarget, AvailabilityRequest, BOT_NOT_FOUND_MESSAGE, ConversationQuery,
    FailReason, QueueSizeRequest,
};
use switchboard::runtime::callback::CallbackListener;
use switchboard::sim::world::{Channel, Presence};
use switchboard::sim::{self, Fault, SimHandle, Traffic, WorldIds};

mod common;
use common::sim::{client, describe, simulator, simulator_with};

fn agent(id: &str) -> AgentRef {
    AgentRef::new(id, format!("Agent {id}"))
}

/// Plans `action`, sends each event, applies what the server accepted.
async fn act(
    sim: &SimHandle,
    client: &KoreClient,
    conv: &str,
    roster: &mut Roster,
    action: Action,
) {
    let events = domain::plan(roster, &action, &PlanSettings::default())
        .unwrap_or_else(|r| panic!("{action:?} refused: {r}"));
    for ev in events {
        let call = client
            .send_hooks(
                conv,
                vec![hooks::to_wire(&ev, &EventContext::default())],
                ev.describe(),
                Priority::User,
            )
            .await;
        let reply = call
            .outcome
            .unwrap_or_else(|e| panic!("{} rejected: {e}", ev.describe()));
        assert_eq!(reply.status, 200);
        // Either documented success form; the body tells which was served.
        let served = sim
            .received()
            .into_iter()
            .rfind(|r| r.conversation_id == conv)
            .expect("the simulator recorded the request");
        match reply.body {
            Some(b) => assert!(!served.bare && b.status == "OK", "{b:?}"),
            None => assert!(served.bare, "a JSON success was read as bare"),
        }
        roster.apply(&ev, 0).unwrap();
    }
}

fn assert_same_roster(sim: &SimHandle, conv: &str, roster: &Roster) {
    let theirs = sim
        .roster(conv)
        .expect("the simulator knows the conversation");
    let ours: Vec<String> = roster
        .members()
        .iter()
        .map(|m| m.agent.identity.clone())
        .collect();
    let mut a = theirs.present.clone();
    let mut b = ours.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "present agents differ for {conv}");
    assert_eq!(
        theirs.primary,
        roster.primary().map(|m| m.agent.identity.clone()),
        "primary differs for {conv}"
    );
    assert_eq!(
        theirs.ended,
        roster.phase() == domain::Phase::Ended,
        "ended differs for {conv}"
    );
}

#[tokio::test]
async fn cold_warm_and_closing_flows_agree_on_both_sides() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});

    // The documented cold flow: A1 → A2 → A3, then the end.
    let mut cold = Roster::new();
    act(
        &sim,
        &client,
        "c-cold",
        &mut cold,
        Action::Enter(agent("a1")),
    )
    .await;
    assert_same_roster(&sim, "c-cold", &cold);
    for to in ["a2", "a3"] {
        act(
            &sim,
            &client,
            "c-cold",
            &mut cold,
            Action::Cold {
                to: agent(to),
                from: None,
            },
        )
        .await;
        assert_same_roster(&sim, "c-cold", &cold);
    }
    act(&sim, &client, "c-cold", &mut cold, Action::End).await;
    assert_same_roster(&sim, "c-cold", &cold);

    // The documented warm flow, then the end.
    let mut warm = Roster::new();
    act(
        &sim,
        &client,
        "c-warm",
        &mut warm,
        Action::Enter(agent("a1")),
    )
    .await;
    act(
        &sim,
        &client,
        "c-warm",
        &mut warm,
        Action::Warm(agent("a2")),
    )
    .await;
    act(
        &sim,
        &client,
        "c-warm",
        &mut warm,
        Action::Warm(agent("a3")),
    )
    .await;
    assert_same_roster(&sim, "c-warm", &warm);
    act(
        &sim,
        &client,
        "c-warm",
        &mut warm,
        Action::Remove("a2".into()),
    )
    .await;
    assert_same_roster(&sim, "c-warm", &warm);
    // End with a consultant still present: WARM exit, NA exit, summary, end.
    act(&sim, &client, "c-warm", &mut warm, Action::End).await;
    assert_same_roster(&sim, "c-warm", &warm);

    // What the simulator received, in order, for the cold conversation.
    let seen: Vec<String> = sim
        .received()
        .iter()
        .filter(|h| h.conversation_id == "c-cold")
        .inspect(|h| assert!(h.token_valid && h.status == 200))
        .flat_map(|h| h.events.iter().map(describe).collect::<Vec<_>>())
        .collect();
    assert_eq!(
        seen,
        [
            "NA entry a1",
            "COLD exit a1",
            "COLD entry a2",
            "COLD exit a2",
            "COLD entry a3",
            "NA exit a3",
            "TRIGGER_SUMMARY_EVENT",
            "END_OF_CONVERSATION",
        ]
    );
}

#[tokio::test]
async fn the_auth_header_name_follows_the_config() {
    let sim = simulator().await;
    let client = client(&sim, |s| s.hooks_auth_header = "auth".into());
    let mut r = Roster::new();
    act(&sim, &client, "c-auth", &mut r, Action::Enter(agent("a1"))).await;
    assert_eq!(sim.received()[0].auth_header, "auth");
}

/// A waiting chat conversation's bot session id, and an agent in `status`
/// (with chat room left when AVAILABLE).
async fn waiting_session_and_agent(client: &KoreClient, status: &str) -> (String, String) {
    let page = client
        .list_conversations(
            &ConversationQuery {
                status: Some("OPEN".into()),
                ..Default::default()
            },
            Priority::Poll,
        )
        .await
        .outcome
        .expect("list conversations")
        .body;
    let session = page
        .results
        .iter()
        .find(|c| c.conversation_type.as_deref() == Some("messaging"))
        .and_then(|c| c.bot_session_id.clone())
        .expect("the demo world starts with a waiting chat conversation");
    let av = client
        .availability(&AvailabilityRequest::default(), Priority::Poll)
        .await
        .outcome
        .expect("availability")
        .body;
    let agent = av
        .iter()
        .find(|(s, a)| {
            *s == status
                && (status != "AVAILABLE"
                    || a.channel_capacity
                        .live_chat
                        .is_some_and(|c| c.available_capacity > 0))
        })
        .map(|(_, a)| a.id.clone())
        .unwrap_or_else(|| panic!("the demo world has an agent that is {status}"));
    (session, agent)
}

#[tokio::test]
async fn assign_to_an_agent_gets_its_callback_matched() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});
    let (listener, mut callbacks) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let (session, agent_id) = waiting_session_and_agent(&client, "AVAILABLE").await;
    let req = AssignRequest::new(
        listener.url_for("req-1"),
        sim::DEMO_ORG_ID,
        &session,
        &AssignTarget::Agent(agent_id.clone()),
    );
    let reply = client
        .assign(&req, "assign", Priority::User)
        .await
        .outcome
        .expect("assign accepted");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.session_id, session);
    assert_eq!(reply.body.agent_id.as_deref(), Some(agent_id.as_str()));
    assert_eq!(reply.body.status, "transferred");

    let cb = tokio::time::timeout(Duration::from_secs(5), callbacks.recv())
        .await
        .expect("a callback within 5 s")
        .unwrap();
    assert_eq!(
        cb.request_id.as_deref(),
        Some("req-1"),
        "matched by its path"
    );
    assert!(cb.body.succeeded(), "{:?}", cb.body);
    assert_eq!(cb.body.session_id.as_deref(), Some(session.as_str()));

    // The conversation is now ACTIVE with that agent.
    let page = client
        .list_conversations(&ConversationQuery::default(), Priority::Poll)
        .await
        .outcome
        .unwrap()
        .body;
    let conv = page
        .results
        .iter()
        .find(|c| c.bot_session_id.as_deref() == Some(session.as_str()))
        .unwrap();
    assert_eq!(conv.status.as_deref(), Some("ACTIVE"));
    assert!(
        conv.participants
            .iter()
            .any(|p| p.agent_id.as_deref() == Some(agent_id.as_str()))
    );
}

#[tokio::test]
async fn assign_to_an_offline_agent_gets_a_failure_callback() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});
    let (listener, mut callbacks) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let (session, offline) = waiting_session_and_agent(&client, "OFFLINE").await;
    for (id, target) in [
        ("req-off", AssignTarget::Agent(offline)),
        ("req-unknown", AssignTarget::Agent("a-nobody".into())),
    ] {
        let req = AssignRequest::new(listener.url_for(id), sim::DEMO_ORG_ID, &session, &target);
        let call = client.assign(&req, "assign", Priority::User).await;
        assert!(call.is_ok(), "the request itself is accepted: {call:?}");
        let cb = tokio::time::timeout(Duration::from_secs(5), callbacks.recv())
            .await
            .expect("a callback within 5 s")
            .unwrap();
        assert_eq!(cb.request_id.as_deref(), Some(id));
        assert!(!cb.body.succeeded(), "{id}: {:?}", cb.body);
        assert!(
            cb.body.reason.as_deref().is_some_and(|r| !r.is_empty()),
            "{id}: a failure says why"
        );
    }
}

#[tokio::test]
async fn a_wrong_bot_id_gets_the_documented_400() {
    let sim = simulator().await;
    let client = client(&sim, |s| s.bot_id = "st-not-this-bot".into());
    let ev = hooks::to_wire(
        &domain::Event::na_entry(agent("a1")),
        &EventContext::default(),
    );
    let call = client
        .send_hooks("c-1", vec![ev], "NA entry", Priority::User)
        .await;
    match call.outcome {
        Err(CallError::Api {
            status: 400,
            ref message,
            ..
        }) => assert_eq!(message, BOT_NOT_FOUND_MESSAGE),
        other => panic!("expected the documented 400, got {other:?}"),
    }
    assert!(!call.outcome.unwrap_err().retryable());
}

#[tokio::test]
async fn a_wrong_secret_gets_401_and_is_not_retried() {
    let sim = simulator().await;
    let client = client(&sim, |s| s.client_secret = Secret::new("not-the-secret"));
    let ev = hooks::to_wire(
        &domain::Event::na_entry(agent("a1")),
        &EventContext::default(),
    );
    let (call, attempts) = switchboard::kore::client::with_retry(5, || {
        client.send_hooks("c-1", vec![ev.clone()], "NA entry", Priority::User)
    })
    .await;
    assert_eq!(attempts, 1, "a 4xx is final");
    let err = call.outcome.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!format!("{err} {:?}", call.request).contains("not-the-secret"));
    assert!(!sim.received()[0].token_valid);
}

#[tokio::test]
async fn the_rate_limit_gives_429_and_the_client_honours_it() {
    // The server allows 5 a minute; this client believes in 60.
    let sim = simulator_with(|c| c.rate_limit = 5).await;
    let client = client(&sim, |s| s.rate_limit_per_minute = 60);
    let q = ConversationQuery::default();
    for i in 0..5 {
        let call = client.list_conversations(&q, Priority::User).await;
        assert!(call.is_ok(), "request {i}: {:?}", call.outcome);
    }
    let call = client.list_conversations(&q, Priority::User).await;
    let err = call.outcome.unwrap_err();
    assert!(matches!(err, CallError::RateLimited { .. }), "{err:?}");
    assert!(err.retryable());
    let wait = err.retry_after().expect("the simulator sends Retry-After");
    assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(60));
    // The client now holds every request for that long: nothing more is sent.
    let blocked = client.limiter().usage().blocked_for.expect("penalty set");
    assert!(blocked > Duration::from_secs(1));
    let held = tokio::time::timeout(
        Duration::from_millis(800),
        client.list_conversations(&q, Priority::User),
    )
    .await;
    assert!(held.is_err(), "a request during the penalty must wait");
}

#[tokio::test]
async fn the_clients_own_limit_keeps_it_under_the_servers() {
    let sim = simulator_with(|c| c.rate_limit = 5).await;
    let client = client(&sim, |s| s.rate_limit_per_minute = 5);
    let q = ConversationQuery::default();
    for _ in 0..5 {
        assert!(client.list_conversations(&q, Priority::User).await.is_ok());
    }
    let sixth = tokio::time::timeout(
        Duration::from_millis(800),
        client.list_conversations(&q, Priority::User),
    )
    .await;
    assert!(sixth.is_err(), "the sixth request waits for the window");
    assert_eq!(client.limiter().usage().used, 5);
    assert!(
        client.limiter().usage().blocked_for.is_none(),
        "no 429 was met"
    );
}

#[tokio::test]
async fn the_list_endpoints_parse() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});
    let agents = client
        .list_agents(1, Priority::Poll)
        .await
        .outcome
        .unwrap()
        .body;
    assert!(!agents.results.is_empty());
    assert!(
        agents
            .results
            .iter()
            .all(|a| a.online_status_type.is_some())
    );
    let queues = client
        .list_queues(1, Priority::Poll)
        .await
        .outcome
        .unwrap()
        .body;
    assert!(!queues.results.is_empty());
    let convs = client
        .list_conversations(&ConversationQuery::default(), Priority::Poll)
        .await
        .outcome
        .unwrap()
        .body;
    let first = convs.results[0].hooks_id().unwrap().to_string();
    let one = client.get_conversation(&first, Priority::Poll).await;
    assert_eq!(one.outcome.unwrap().body.hooks_id(), Some(first.as_str()));
    let missing = client.get_conversation("c-none", Priority::Poll).await;
    assert_eq!(missing.outcome.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn both_documented_success_forms_count_as_success() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});
    let ev = hooks::to_wire(
        &domain::Event::na_entry(agent("a1")),
        &EventContext::default(),
    );
    let mut forms = (0, 0);
    for i in 0..40 {
        let conv = format!("c-form{i}");
        let call = client
            .send_hooks(&conv, vec![ev.clone()], "NA entry", Priority::User)
            .await;
        let reply = call
            .outcome
            .unwrap_or_else(|e| panic!("{conv}: a success was not taken as one: {e}"));
        assert_eq!(reply.status, 200);
        let rec = sim.received().pop().unwrap();
        assert_eq!(rec.conversation_id, conv);
        if rec.bare {
            forms.0 += 1;
            assert_eq!(reply.body, None, "{conv}: a bare 200 has no body");
            assert_eq!(reply.body_summary, "(no body)");
        } else {
            forms.1 += 1;
            assert_eq!(
                reply.body.map(|b| b.status).as_deref(),
                Some("OK"),
                "{conv}"
            );
        }
    }
    assert!(forms.0 > 0 && forms.1 > 0, "both forms served: {forms:?}");
}

#[tokio::test]
async fn a_lost_reply_is_retried_and_counted_once() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});
    let ev = hooks::to_wire(
        &domain::Event::na_entry(agent("a1")),
        &EventContext::default(),
    );
    sim.lose_next_reply("c-lost");
    let (call, tries) = switchboard::kore::client::with_retry(3, || {
        client.send_hooks("c-lost", vec![ev.clone()], "NA entry", Priority::User)
    })
    .await;
    assert!(call.is_ok(), "{:?}", call.outcome);
    assert_eq!(tries, 2, "the lost reply was retried once");
    let got = sim.received();
    assert_eq!(got.len(), 2);
    assert!(got[0].reply_lost() && got[0].status == 200 && !got[0].duplicate);
    assert!(got[1].duplicate && got[1].status == 200 && got[1].fault.is_none());
    let applied = got
        .iter()
        .filter(|r| r.status == 200 && !r.duplicate)
        .count();
    assert_eq!(applied, 1, "applied once");
    let roster = sim.roster("c-lost").unwrap();
    assert_eq!(roster.present, ["a1"]);
    assert_eq!(roster.history.len(), 1, "{:?}", roster.history);

    // The same request sent again on purpose, with no lost reply before it,
    // is a mistake the simulator still catches.
    let again = client
        .send_hooks("c-lost", vec![ev.clone()], "NA entry", Priority::User)
        .await;
    match again.outcome {
        Err(CallError::Api {
            status: 400,
            ref message,
            ..
        }) => assert!(message.contains("already present"), "{message}"),
        other => panic!("expected a 400, got {other:?}"),
    }
    assert!(!sim.received()[2].duplicate);
    assert_eq!(sim.received()[2].fault, None::<Fault>);
}

/// The first seed whose demo world has two live voice conversations and an
/// AVAILABLE agent with one free voice slot, with those ids.
fn seed_with_two_calls_and_a_free_line() -> (u64, Vec<String>, String) {
    let ids = WorldIds {
        bot_id: sim::DEMO_BOT_ID.into(),
        org_id: sim::DEMO_ORG_ID.into(),
        account_id: sim::DEMO_ACCOUNT_ID.into(),
    };
    for seed in 1..200 {
        let world = Traffic::new(ids.clone(), seed, 0).world;
        let calls: Vec<String> = world
            .conversations
            .iter()
            .filter(|c| c.channel == Channel::Voice && !c.status.is_ended())
            .map(|c| c.bot_session_id.clone())
            .collect();
        let agent = world
            .agents
            .iter()
            .find(|a| a.presence == Presence::Available && a.voice_max == 1 && a.voice_used == 0);
        if let (true, Some(a)) = (calls.len() >= 2, agent) {
            return (seed, calls, a.id.clone());
        }
    }
    panic!("no seed below 200 gives two calls and a free voice agent");
}

#[tokio::test]
async fn assign_to_an_agent_at_capacity_gets_a_failure_callback() {
    let (seed, calls, agent_id) = seed_with_two_calls_and_a_free_line();
    let sim = simulator_with(|c| c.seed = seed).await;
    let client = client(&sim, |_| {});
    let (listener, mut callbacks) = CallbackListener::start("127.0.0.1:0", "http://127.0.0.1:0")
        .await
        .unwrap();
    let voice_of = |av: &switchboard::kore::wire::AvailabilityResponse| {
        av.iter()
            .find(|(_, a)| a.id == agent_id)
            .and_then(|(status, a)| a.channel_capacity.voice.map(|c| (status.to_string(), c)))
            .expect("the agent and its voice capacity are listed")
    };
    let request = AvailabilityRequest {
        agent_ids: vec![agent_id.clone()],
        ..Default::default()
    };
    let before = client.availability(&request, Priority::User).await;
    let (status, voice) = voice_of(&before.outcome.unwrap().body);
    assert_eq!(status, "AVAILABLE");
    assert_eq!((voice.total_capacity, voice.available_capacity), (1, 1));

    // The first call takes the agent's only voice slot.
    let mut outcomes = Vec::new();
    for (i, session) in calls.iter().take(2).enumerate() {
        let id = format!("req-full-{i}");
        let req = AssignRequest::new(
            listener.url_for(&id),
            sim::DEMO_ORG_ID,
            session,
            &AssignTarget::Agent(agent_id.clone()),
        );
        let call = client.assign(&req, "assign", Priority::User).await;
        assert!(call.is_ok(), "the request itself is accepted: {call:?}");
        let cb = tokio::time::timeout(Duration::from_secs(5), callbacks.recv())
            .await
            .expect("a callback within 5 s")
            .unwrap();
        assert_eq!(cb.request_id.as_deref(), Some(id.as_str()));
        outcomes.push(cb.body);
    }
    assert!(outcomes[0].succeeded(), "{:?}", outcomes[0]);
    let after = client.availability(&request, Priority::User).await;
    let (_, voice) = voice_of(&after.outcome.unwrap().body);
    assert_eq!((voice.used_capacity, voice.available_capacity), (1, 0));

    // The second finds the agent full.
    let full = &outcomes[1];
    assert!(!full.succeeded(), "{full:?}");
    assert_eq!(full.status_text().as_deref(), Some("failed"));
    assert_eq!(full.agent_id.as_deref(), Some(agent_id.as_str()));
    let reason = full.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("at capacity for voice (1/1)"),
        "the reason says the agent is full: {reason:?}"
    );
    // The second call did not get the agent.
    let world = sim.world();
    let second = world
        .conversations
        .iter()
        .find(|c| c.bot_session_id == calls[1])
        .unwrap();
    assert!(
        second
            .participants
            .iter()
            .all(|p| !(p.active && p.agent_id == agent_id))
    );
}

#[tokio::test]
async fn the_clients_limit_can_count_over_a_shorter_window() {
    let sim = simulator_with(|c| {
        c.rate_limit = 3;
        c.rate_window = Duration::from_millis(1000);
    })
    .await;
    // A little longer than the server's window: the server counts arrivals,
    // and the first request (a new connection) may take longer to arrive
    // than the fourth, sent exactly one client window later.
    let client =
        client(&sim, |s| s.rate_limit_per_minute = 3).with_rate_window(Duration::from_millis(1100));
    assert_eq!(client.limiter().limit(), 3);
    let q = ConversationQuery::default();
    // Six requests need a second window: the client waits for it (a minute
    // would not fit the timeout) and the server never says 429.
    let all = tokio::time::timeout(Duration::from_secs(10), async {
        for i in 0..6 {
            let call = client.list_conversations(&q, Priority::User).await;
            assert!(call.is_ok(), "request {i}: {:?}", call.outcome);
        }
    })
    .await;
    assert!(all.is_ok(), "the client waited for a whole minute");
    assert!(client.limiter().usage().blocked_for.is_none(), "no 429");
}

#[tokio::test]
async fn every_queue_is_listed_and_its_size_matches_the_simulator() {
    let sim = simulator().await;
    let client = client(&sim, |_| {});
    let call = client.list_queues(1, Priority::Poll).await;
    assert_eq!(call.request.path.rsplit('/').next(), Some("queues"));
    let page = call.outcome.expect("list-queues answers").body;
    assert!(!page.has_more, "one page holds the three queues");
    let queues = page.results;
    let world = sim.world();
    let ids: Vec<_> = queues.iter().map(|q| q.id.clone()).collect();
    let expected: Vec<_> = world.queues.iter().map(|q| q.id.clone()).collect();
    assert_eq!(ids, expected);

    // Each queue's figures, read by the client whichever form the simulator
    // chose (strict, or the sample's `//` comment); the seed serves both.
    for q in &queues {
        for _ in 0..3 {
            let call = client
                .queue_size(&q.id, &QueueSizeRequest::default(), Priority::Poll)
                .await;
            assert_eq!(call.request.method, "POST");
            assert!(
                call.request
                    .path
                    .ends_with(&format!("monitor/queueStatsById/{}", q.id)),
                "{}",
                call.request.path
            );
            let reply = call.outcome.unwrap_or_else(|e| panic!("{}: {e}", q.name));
            let size = reply.body.for_queue(&q.id).expect("the queue asked for");
            let waiting = world
                .conversations
                .iter()
                .filter(|c| c.queue_id.as_deref() == Some(q.id.as_str()) && c.status.is_waiting())
                .count() as u32;
            let members = world
                .agents
                .iter()
                .filter(|a| a.queue_ids.contains(&q.id))
                .count() as u32;
            assert_eq!(size.waiting, Some(waiting), "{}", q.name);
            assert_eq!(size.no_of_agents, Some(members), "{}", q.name);
            let oldest = world
                .conversations
                .iter()
                .filter(|c| c.queue_id.as_deref() == Some(q.id.as_str()) && c.status.is_waiting())
                .map(|c| c.queued_ms)
                .min();
            // Milliseconds: the longest wait is the oldest customer's age.
            let max = size.queue_summary.unwrap().max_wait().unwrap();
            match oldest {
                Some(t) => {
                    let age = Duration::from_millis((sim_now() - t) as u64);
                    assert!(
                        max <= age && age - max < Duration::from_secs(5),
                        "{max:?} vs {age:?}"
                    );
                }
                None => assert_eq!(max, Duration::ZERO),
            }
        }
    }

    let (commented, strict) = sim.queue_size_forms();
    assert_eq!(commented + strict, 9);
    assert!(
        commented > 0 && strict > 0,
        "{commented} commented, {strict} strict"
    );

    // Filters reach the simulator: only German customers are counted.
    let billing = &queues[0];
    let de = client
        .queue_size(
            &billing.id,
            &QueueSizeRequest {
                languages: vec!["de".into()],
                channels: Vec::new(),
            },
            Priority::Poll,
        )
        .await;
    assert!(
        de.request.summary.contains("(de)"),
        "{}",
        de.request.summary
    );
    let de_waiting = world
        .conversations
        .iter()
        .filter(|c| {
            c.queue_id.as_deref() == Some(billing.id.as_str())
                && c.status.is_waiting()
                && c.language == "de"
        })
        .count() as u32;
    assert_eq!(de.outcome.unwrap().body.queues[0].waiting, Some(de_waiting));

    // An unknown queue is the server's 404, not a parse failure.
    let missing = client
        .queue_size("qu-none", &QueueSizeRequest::default(), Priority::Poll)
        .await;
    assert_eq!(missing.outcome.unwrap_err().status(), Some(404));
}

fn sim_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Issue 11.4: no rate-limit page lists the hooks API, so a tenant can give
/// it its own budget (0: none) and transfers are not slowed by the public
/// APIs' 60 a minute. Left out, hooks share that budget.
#[tokio::test]
async fn hooks_can_have_a_budget_of_their_own() {
    let sim = simulator().await;
    let twice = |client: KoreClient| async move {
        for i in 0..2 {
            // Whatever the simulator answers: only when it goes matters.
            client
                .send_hooks(
                    &format!("c-budget-{i}"),
                    Vec::new(),
                    "budget",
                    Priority::User,
                )
                .await;
        }
    };
    // A public budget of one a minute, shared: the second hooks call waits.
    let shared = client(&sim, |s| {
        s.rate_limit_per_minute = 1;
        s.hooks_rate_limit_per_minute = None;
    });
    let waited = tokio::time::timeout(Duration::from_secs(3), twice(shared)).await;
    assert!(waited.is_err(), "sharing one a minute, the second waits");
    // The same public budget, hooks unlimited: both go at once.
    let own = client(&sim, |s| {
        s.rate_limit_per_minute = 1;
        s.hooks_rate_limit_per_minute = Some(0);
    });
    let went = tokio::time::timeout(Duration::from_secs(3), twice(own.clone())).await;
    assert!(
        went.is_ok(),
        "hooks with no limit are not held by the public budget"
    );
    // And the public budget is still there for the public APIs.
    let _ = own.list_agents(1, Priority::User).await;
    let held =
        tokio::time::timeout(Duration::from_secs(2), own.list_agents(1, Priority::User)).await;
    assert!(held.is_err(), "the public APIs keep their one a minute");
}

/// The reason a failed hooks call is given, from the simulator's answer.
async fn hooks_reason(client: &KoreClient, conv: &str, ev: domain::Event) -> FailReason {
    let wire = hooks::to_wire(&ev, &EventContext::default());
    let call = client
        .send_hooks(conv, vec![wire], "event", Priority::User)
        .await;
    FailReason::from_call_error(&call.outcome.expect_err("the simulator refuses it"))
}

#[tokio::test]
async fn each_hooks_failure_has_its_reason() {
    let sim = simulator_with(|c| c.rate_limit = 8).await;
    let ok = client(&sim, |_| {});
    // Its own limiter is not held by the 429 below.
    let later = client(&sim, |_| {});
    let mia = agent("a-mia");
    // Kore's roster differs: Mia is already present, Raj never was.
    let call = ok
        .send_hooks(
            "c-r",
            vec![hooks::to_wire(
                &domain::Event::na_entry(mia.clone()),
                &EventContext::default(),
            )],
            "NA entry",
            Priority::User,
        )
        .await;
    assert!(call.is_ok(), "{:?}", call.outcome);
    let again = hooks_reason(&ok, "c-r", domain::Event::na_entry(mia.clone())).await;
    assert_eq!(again, FailReason::RosterStale);
    let raj = hooks_reason(&ok, "c-r", domain::Event::na_exit(agent("a-raj"))).await;
    assert_eq!(raj, FailReason::RosterStale);
    // A conversation that ended: unknown or closed.
    let mut roster = Roster::new();
    act(&sim, &ok, "c-end", &mut roster, Action::Enter(mia.clone())).await;
    act(&sim, &ok, "c-end", &mut roster, Action::End).await;
    let closed = hooks_reason(&ok, "c-end", domain::Event::na_entry(mia.clone())).await;
    assert_eq!(closed, FailReason::UnknownConversation);
    assert_eq!(closed.code(), "unknown_conversation");
    // A token Kore refuses.
    let bad = client(&sim, |s| s.client_secret = Secret::new("not-the-secret"));
    let refused = hooks_reason(&bad, "c-t", domain::Event::na_entry(mia.clone())).await;
    assert_eq!(refused, FailReason::TokenRefused);
    // Over the server's limit (eight a minute, all used: the 401 was not
    // counted).
    let limited = hooks_reason(&ok, "c-l", domain::Event::na_entry(mia.clone())).await;
    assert_eq!(limited, FailReason::RateLimited);
    assert_eq!(limited.code(), "rate_limited");
    sim.shutdown().await;
    // Nobody listens any more.
    let gone = hooks_reason(&later, "c-u", domain::Event::na_entry(mia)).await;
    assert_eq!(gone, FailReason::Unreachable);
    assert_eq!(gone.code(), "kore_unreachable");
}
