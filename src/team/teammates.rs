//! Simulated teammates for `switchboard demo --team N` (issue 21.7):
//! lightweight actors that go through the same team layer as a console
//! (presence, claims, the activity stream) and now and then take a waiting
//! conversation: they claim it, say so, hold it a few seconds (so a
//! supervisor trying the same one sees who holds it), carry it out through
//! what the demo gives them, publish the outcome and release the claim.
//! They know nothing of the simulator: the demo hands them closures.

use super::claims::{ClaimAnswer, Claims};
use super::{Team, TeamError, TeamSettings, activity};
use std::sync::Arc;
use std::time::Duration;

/// Names of the simulated teammates, in order.
pub const NAMES: &[&str] = &["Mia", "Raj", "Lea", "Tom", "Ines", "Kai", "Noor", "Sam"];

/// A waiting conversation a teammate may take: its id, and the agent (id,
/// name) it would go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chance {
    pub conversation: String,
    pub agent_id: String,
    pub agent_name: String,
}

/// Finds a waiting conversation and a free agent (`seed` varies the choice).
pub type Find = Arc<dyn Fn(u64) -> Option<Chance> + Send + Sync>;
/// Carries out an assign; an error says why it failed.
pub type Act = Arc<dyn Fn(&Chance) -> Result<(), String> + Send + Sync>;

/// What the demo gives its teammates: where the work is, and how it is done.
#[derive(Clone)]
pub struct World {
    /// A waiting conversation and a free agent, if there is one (`seed`
    /// varies the choice between teammates).
    pub find: Find,
    /// Carries out the assign; an error says why it failed.
    pub act: Act,
}

/// How a teammate paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Between two actions (a random part is added, up to as much again).
    pub every: Duration,
    /// How long a claim is held before the action is carried out.
    pub hold: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            every: Duration::from_secs(12),
            hold: Duration::from_secs(4),
        }
    }
}

/// Running teammates: stopped (their tasks ended, their presence removed)
/// by [`Teammates::stop`].
pub struct Teammates {
    teams: Vec<Team>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Teammates {
    /// Starts `count` teammates on the team's Redis under `key_prefix`.
    pub async fn start(
        url: &str,
        key_prefix: &str,
        count: usize,
        world: World,
        pace: Pace,
    ) -> Result<Teammates, TeamError> {
        let mut teams = Vec::new();
        let mut tasks = Vec::new();
        for (i, name) in NAMES.iter().cycle().take(count).enumerate() {
            let team = Team::connect(&TeamSettings::local(url, name, key_prefix))?;
            team.renew_presence().await?;
            tasks.push(tokio::spawn(act_now_and_then(
                team.clone(),
                world.clone(),
                pace,
                i as u64,
            )));
            teams.push(team);
        }
        Ok(Teammates { teams, tasks })
    }

    /// Stops them and removes their presence.
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        // Wait for them to end, so what they hold (the demo's world) is
        // dropped before the demo stops the simulator.
        for t in self.tasks {
            let _ = t.await;
        }
        for team in &self.teams {
            let _ = team.leave().await;
        }
    }
}

/// One teammate's life: presence renewed, and now and then an action.
async fn act_now_and_then(team: Team, world: World, pace: Pace, seed: u64) {
    let claims = Claims::new(team.clone());
    // Staggered, so the first actions do not come together.
    let mut wait = pace.every / 2 + pace.every / 3 * seed as u32;
    let mut round = seed;
    loop {
        let step = Duration::from_secs(5).min(wait);
        tokio::time::sleep(step).await;
        let _ = team.renew_presence().await;
        wait = wait.saturating_sub(step);
        if !wait.is_zero() {
            continue;
        }
        round += 1;
        if let Some(chance) = (world.find)(round * 7 + seed) {
            take(&team, &claims, &world, &chance, pace.hold).await;
        }
        let extra = rand::random::<u64>() % (pace.every.as_millis() as u64 + 1);
        wait = pace.every + Duration::from_millis(extra);
    }
}

/// Claims the conversation, says so, holds it, carries it out, says how it
/// went and releases it. A conversation someone else holds is left alone.
async fn take(team: &Team, claims: &Claims, world: &World, chance: &Chance, hold: Duration) {
    let conv = &chance.conversation;
    if claims.claim(conv, "assigning", false).await != ClaimAnswer::Granted {
        return;
    }
    let text = format!("assign {conv} → {}", chance.agent_name);
    let _ = activity::publish(team, "action", conv, &text).await;
    tokio::time::sleep(hold).await;
    let outcome = match (world.act)(chance) {
        Ok(()) => format!("{conv}: assign done"),
        Err(why) => format!("{conv}: assign failed ({why})"),
    };
    let _ = activity::publish(team, "outcome", conv, &outcome).await;
    claims.release(conv).await;
}
