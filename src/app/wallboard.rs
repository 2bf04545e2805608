//! What the wallboard shows, as plain data: one [`Tile`] per queue and the
//! header's facts. The view draws a [`Board`]; the runtime compares the
//! board with the one it drew last and redraws only when they differ, so
//! everything here is at the resolution it is shown at (whole seconds,
//! whole percent, the clock's minute).

use crate::app::alerts::Level;
use crate::app::state::State;

/// One queue's tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub id: String,
    pub name: String,
    /// Conversations waiting (Kore's count when queue-size gave one).
    pub waiting: Option<i64>,
    /// The longest wait now, in whole seconds.
    pub longest_secs: Option<i64>,
    /// The service level seen here, in whole percent (None while fewer
    /// than `MIN_SLA_SAMPLE` are decided).
    pub service_pct: Option<u32>,
    /// How many conversations are decided for it.
    pub service_seen: u32,
    /// The queue's target for it (`sla_target_pct`) and what counts as in
    /// time (`sla_secs`).
    pub target_pct: u8,
    pub sla_secs: u32,
    /// Agents available.
    pub free: Option<i64>,
    /// Kore sent a figure that cannot be true for `waiting`, the longest
    /// wait, `free` (each `None` above, shown as `?`).
    pub odd: Odd,
    /// The longest wait against the queue's wait thresholds.
    pub wait_level: Level,
    /// The service level against its target.
    pub sla_level: Level,
}

/// Which of a tile's figures Kore sent but cannot be true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Odd {
    pub waiting: bool,
    pub longest: bool,
    pub free: bool,
}

impl Tile {
    /// The worse of the two levels: the tile's style and word.
    pub fn level(&self) -> Level {
        self.wait_level.max(self.sla_level)
    }
}

/// Everything the wallboard draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// DEMO, or the host's name.
    pub environment: String,
    /// The clock, to the minute (unix ms of the minute's start).
    pub minute_ms: i64,
    /// The latest successful answer the figures came from (unix ms).
    pub last_ok_ms: Option<i64>,
    /// The figures are stale (see `Freshness::stale`).
    pub stale: bool,
    /// The latest answer was a failure.
    pub latest_failed: bool,
    /// Kore answered, but its figures could not be read.
    pub latest_unreadable: bool,
    /// Every queue, by name.
    pub tiles: Vec<Tile>,
}

impl Board {
    /// The tiles to draw when only `room` fit: the ones in most trouble
    /// (level, then waiting, then longest wait), kept in name order so a
    /// tile does not move while it stays on the board.
    pub fn shown(&self, room: usize) -> Vec<&Tile> {
        if self.tiles.len() <= room {
            return self.tiles.iter().collect();
        }
        let mut order: Vec<usize> = (0..self.tiles.len()).collect();
        order.sort_by_key(|&i| {
            let t = &self.tiles[i];
            (
                std::cmp::Reverse(t.level()),
                std::cmp::Reverse(t.waiting.unwrap_or(0)),
                std::cmp::Reverse(t.longest_secs.unwrap_or(0)),
                i,
            )
        });
        order.truncate(room);
        order.sort_unstable();
        order.into_iter().map(|i| &self.tiles[i]).collect()
    }
}

impl State {
    /// The wallboard as of `now_ms`.
    pub fn wallboard(&self) -> Board {
        let mut tiles: Vec<Tile> = self
            .queue_rows()
            .into_iter()
            .map(|r| {
                let t = self.settings.alerts.for_queue(&r.id, &r.name);
                let (within, decided) = r.service;
                let longest_ms = r.longest_ms.value;
                Tile {
                    waiting: r.waiting.value,
                    longest_secs: longest_ms.map(|ms| ms.max(0) / 1000),
                    service_pct: r.service_pct(),
                    service_seen: decided,
                    target_pct: t.sla_target_pct,
                    sla_secs: t.sla_secs,
                    free: r.agents[0].value,
                    odd: Odd {
                        waiting: r.waiting.odd,
                        longest: r.longest_ms.odd,
                        free: r.agents[0].odd,
                    },
                    wait_level: r
                        .longest_ms
                        .judged()
                        .map_or(Level::Ok, |ms| t.wait_level(ms)),
                    sla_level: t.sla_level(within as usize, decided as usize),
                    id: r.id,
                    name: r.name,
                }
            })
            .collect();
        tiles.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.id.cmp(&b.id))
        });
        Board {
            environment: self.settings.environment.clone(),
            minute_ms: self.now_ms - self.now_ms.rem_euclid(60_000),
            last_ok_ms: self.model.freshness.last_ok_ms,
            stale: self.model.freshness.stale(self.now_ms),
            latest_failed: self.model.freshness.latest_failed,
            latest_unreadable: self.model.freshness.latest_unreadable,
            tiles,
        }
    }
}
