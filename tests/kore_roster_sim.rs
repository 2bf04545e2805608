//! Kore's picture acted on, end to end through `update()` and the runner
//! against the in-process simulator (issue 17): agents entered elsewhere
//! (as an agent desktop would) are ended, removed and transferred with the
//! documented events, each accepted by the simulator's own rules; an event
//! Kore refuses on a stale roster heals the roster from the conversation's
//! details and is not sent again.

use std::time::{Duration, Instant};
use switchboard::app::state::*;
use switchboard::app::{Action, Effect, State, update};
use switchboard::kore::wire::HookEvent;
use switchboard::runtime::runner::Runner;
use switchboard::sim::SimHandle;
use switchboard::ui::keymap::Keymap;
use tokio::sync::mpsc;

mod common;
use common::sim::{Run, client, runner, simulator};
use common::state::{key, settings};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The console's core and its runner, driven by hand.
struct Console {
    s: State,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Action>,
}

impl Console {
    async fn start(sim: &SimHandle) -> Console {
        let Run { runner, rx, .. } = runner(client(sim, |_| {}), None, 1).await;
        runner.start_polling(
            Some(Duration::from_millis(300)),
            Some(Duration::from_millis(300)),
        );
        let mut s = State::new(
            settings("st-test", "TEST", 30_000),
            Keymap::default(),
            "t".into(),
        );
        s.now_ms = now_ms();
        Console { s, runner, rx }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            self.runner.run(e);
        }
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            let a = if c == '\n' {
                Action::Key(ratatui::crossterm::event::KeyEvent::new(
                    ratatui::crossterm::event::KeyCode::Enter,
                    ratatui::crossterm::event::KeyModifiers::NONE,
                ))
            } else {
                key(c)
            };
            self.s.now_ms = now_ms();
            let fx = update(&mut self.s, a);
            self.run(fx);
        }
    }

    /// Feeds the runner's reports in until `done` holds (20 s at most).
    async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(&self.s) {
            let a = tokio::time::timeout_at(deadline.into(), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("the runner is alive");
            self.s.now_ms = now_ms();
            let fx = update(&mut self.s, a);
            self.run(fx);
        }
    }

    /// Waits until Kore's picture of `conv` lists `agent`.
    async fn sees(&mut self, conv: &str, agent: &str) {
        let (c, a) = (conv.to_string(), agent.to_string());
        self.until(&format!("{agent} listed in {conv}"), move |s| {
            s.model.conversations.get(&c).is_some_and(|c| {
                c.kore
                    .as_ref()
                    .is_some_and(|k| k.members.iter().any(|m| m.agent.id == a))
            }) && s.model.agents.iter().any(|x| x.id == a)
        })
        .await;
    }

    fn select(&mut self, conv: &str) {
        self.s.views.list.selected = Some(conv.to_string());
    }

    /// Waits until every request of `conv` has an outcome.
    async fn settled(&mut self, conv: &str) {
        let c = conv.to_string();
        self.until(&format!("{conv}'s requests answered"), move |s| {
            s.model.conversations[&c].open_events().next().is_none()
        })
        .await;
    }
}

/// Open conversations of the demo world, and agents who can take them.
fn waiting_and_agents(sim: &SimHandle) -> (Vec<String>, Vec<(String, String)>) {
    let w = sim.world();
    let waiting = w
        .conversations
        .iter()
        .filter(|c| c.status.as_str() == "OPEN" && c.participants.is_empty())
        .map(|c| c.id.clone())
        .collect();
    let agents = w.agents.iter().map(|a| (a.id.clone(), a.name())).collect();
    (waiting, agents)
}

/// The hooks events the simulator accepted for `conv`, described.
fn accepted(sim: &SimHandle, conv: &str) -> Vec<String> {
    sim.received()
        .into_iter()
        .filter(|r| r.conversation_id == conv && r.status == 200)
        .flat_map(|r| r.events)
        .map(|e| match e {
            HookEvent::InternalTransfer(t) => format!(
                "{} {} {}",
                t.transfertype, t.transition, t.participant.identity
            ),
            other => other.name().to_string(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_remove_warm_and_cold_act_on_agents_entered_elsewhere() {
    let sim = simulator().await;
    let (waiting, agents) = waiting_and_agents(&sim);
    assert!(waiting.len() >= 3, "the demo has waiting conversations");
    let (bob, raj, mia) = (&agents[0], &agents[1], &agents[2]);
    let (c_end, c_cold, c_warm) = (&waiting[0], &waiting[1], &waiting[2]);
    for c in [c_end, c_cold, c_warm] {
        sim.enter_elsewhere(c, &bob.0).unwrap();
    }
    sim.enter_elsewhere(c_warm, &raj.0).unwrap();
    let mut con = Console::start(&sim).await;
    con.sees(c_end, &bob.0).await;
    con.sees(c_cold, &bob.0).await;
    con.sees(c_warm, &raj.0).await;

    // E: Bob's NA exit, then the closing events.
    con.select(c_end);
    con.keys("Ey");
    con.settled(c_end).await;
    let done = accepted(&sim, c_end);
    assert_eq!(
        done,
        vec![
            format!("NA exit {}", bob.0),
            "TRIGGER_SUMMARY_EVENT".into(),
            "END_OF_CONVERSATION".into()
        ]
    );
    // The console's roster follows what was delivered: ended, and no line
    // says it is out of step.
    assert_eq!(
        con.s.model.conversations[c_end].merged().roster.phase(),
        switchboard::domain::Phase::Ended
    );
    let out_of_step = con
        .s
        .log
        .since(0)
        .filter(|l| l.text.contains("out of step"))
        .count();
    assert_eq!(out_of_step, 0, "the delivered events fit the roster");

    // t: Bob leaves with COLD exit, Mia enters with COLD entry.
    con.select(c_cold);
    let first = mia.1.split_whitespace().next().unwrap().to_lowercase();
    con.keys(&format!("t{first}\ny"));
    con.settled(c_cold).await;
    assert_eq!(
        accepted(&sim, c_cold),
        vec![
            format!("COLD exit {}", bob.0),
            format!("COLD entry {}", mia.0)
        ]
    );

    // w: Mia joins Bob and Raj; x: Raj (entered elsewhere) leaves.
    con.select(c_warm);
    con.keys(&format!("w{first}\ny"));
    con.settled(c_warm).await;
    let merged = con.s.model.conversations[c_warm].merged();
    let raj_row = merged
        .roster
        .members()
        .iter()
        .position(|m| m.agent.id == raj.0)
        .expect("Raj is in the merged roster");
    con.s.views.focus = Pane::Roster;
    con.s.views.detail.roster_cursor = raj_row;
    con.keys("xy");
    con.settled(c_warm).await;
    assert_eq!(
        accepted(&sim, c_warm),
        vec![
            format!("WARM entry {}", mia.0),
            format!("WARM exit {}", raj.0)
        ]
    );
    // Every one of those was judged by the simulator's own rules: no 400.
    assert!(
        sim.received().iter().all(|r| r.status == 200),
        "{:?}",
        sim.received()
            .iter()
            .map(|r| (&r.conversation_id, r.status, &r.message))
            .collect::<Vec<_>>()
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_entry_heals_the_roster_from_details_without_sending_again() {
    let sim = simulator().await;
    let (waiting, agents) = waiting_and_agents(&sim);
    let conv = waiting[0].clone();
    let (bob, mia) = (agents[0].clone(), agents[2].clone());
    let mut con = Console::start(&sim).await;
    let c = conv.clone();
    con.until("the list and the directory", move |s| {
        s.model.conversations.contains_key(&c) && s.model.agents.len() >= 3
    })
    .await;
    // An agent desktop enters Bob after the console's latest poll: its
    // picture is stale when the supervisor enters Mia.
    sim.enter_elsewhere(&conv, &bob.0).unwrap();
    con.select(&conv);
    let first = mia.1.split_whitespace().next().unwrap().to_lowercase();
    con.keys(&format!("e{first}\ny"));
    let c = conv.clone();
    con.until("the roster healed from details", move |s| {
        let conv = &s.model.conversations[&c];
        conv.healing.is_none() && conv.details.is_some() && conv.failed().is_none()
    })
    .await;
    // Let a few more polls come: nothing is sent again by itself.
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(100), con.rx.recv()).await {
            con.s.now_ms = now_ms();
            let fx = update(&mut con.s, a);
            con.run(fx);
        }
    }
    let hooks: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.conversation_id == conv)
        .collect();
    assert_eq!(hooks.len(), 1, "one NA entry, refused, never re-sent");
    assert_eq!(hooks[0].status, 400);
    assert!(
        hooks[0].message.contains("already present"),
        "{}",
        hooks[0].message
    );
    let c = &con.s.model.conversations[&conv];
    let merged = c.merged();
    assert_eq!(merged.roster.primary().unwrap().agent.id, bob.0);
    assert!(
        c.timeline.iter().any(|t| matches!(
            t,
            TimelineItem::Note { text, .. } if text.starts_with("roster rebuilt from Kore's details")
        )),
        "{:?}",
        c.timeline
    );
    // The details fetch is on the log, and the NA entry is not offered
    // again: with Bob in, it cannot go ahead.
    assert!(matches!(con.s.views.mode, Mode::Normal));
    sim.shutdown().await;
}
