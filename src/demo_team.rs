//! `switchboard demo --team N` (issue 21.7): beside the simulator, a
//! `redis-server` of our own (free loopback port, temp dir; a clear message
//! with the install command when there is none), this console in the team
//! (as "You") and N-1 simulated
//! teammates ("Mia", "Raj", ...) that now and then take a waiting
//! conversation through the team layer, so claims, teammates' log lines
//! and `:who` can be seen on one screen. Everything stops on quit: the
//! teammates leave, redis-server is killed and its directory removed.

use crate::sim::SimHandle;
use crate::team::TeamSettings;
use crate::team::server::RedisServer;
use crate::team::teammates::{Chance, Pace, Teammates, World};
use std::sync::Arc;

/// The most consoles `--team` takes (this one and its simulated teammates).
pub const MAX_TEAM: usize = 1 + crate::team::teammates::NAMES.len();
/// How this console is named in the demo's team.
pub const MY_NAME: &str = "You";
/// The keys of the demo's team.
const KEY_PREFIX: &str = "switchboard:demo:";

/// The demo's team: its Redis and the teammates.
pub struct DemoTeam {
    /// This console's `[team]`: the console joins with it (it polls,
    /// claims and publishes as any console of a team does).
    pub settings: TeamSettings,
    teammates: Teammates,
    server: RedisServer,
}

impl DemoTeam {
    /// Starts redis-server and `size - 1` teammates acting on `sim`.
    pub async fn start(sim: Arc<SimHandle>, size: usize) -> anyhow::Result<DemoTeam> {
        let server = tokio::task::spawn_blocking(RedisServer::start).await??;
        let url = server.url();
        let teammates = Teammates::start(
            &url,
            KEY_PREFIX,
            size.saturating_sub(1),
            world(sim),
            Pace::default(),
        )
        .await?;
        Ok(DemoTeam {
            settings: TeamSettings::local(&url, MY_NAME, KEY_PREFIX),
            teammates,
            server,
        })
    }

    /// Stops the teammates, kills redis-server and removes its directory
    /// (the console has left the team by then).
    pub async fn stop(self) {
        self.teammates.stop().await;
        drop(self.server);
    }
}

/// What the teammates see of the simulator: its waiting conversations and
/// its available agents; an action enters the agent as a desktop would.
fn world(sim: Arc<SimHandle>) -> World {
    let finder = sim.clone();
    World {
        find: Arc::new(move |seed: u64| {
            let w = finder.world();
            let waiting: Vec<_> = w
                .conversations
                .iter()
                .filter(|c| c.status.is_waiting())
                .collect();
            let free: Vec<_> = w
                .agents
                .iter()
                .filter(|a| a.presence == crate::sim::world::Presence::Available)
                .collect();
            if waiting.is_empty() || free.is_empty() {
                return None;
            }
            let c = waiting[seed as usize % waiting.len()];
            let a = free[seed as usize % free.len()];
            Some(Chance {
                conversation: c.id.clone(),
                agent_id: a.id.clone(),
                agent_name: format!("{} {}", a.first_name, a.last_name),
            })
        }),
        act: Arc::new(move |chance: &Chance| {
            sim.enter_elsewhere(&chance.conversation, &chance.agent_id)
        }),
    }
}
