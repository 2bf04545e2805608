//! The one home of the fixtures that more than one integration test binary
//! uses (`mod common;`). Each binary uses a part, hence the `dead_code`
//! allowance.
//!
//! - `sim`: the in-process simulator, a client and a runner wired to it
//! - `process`: the `switchboard` binary's own simulator as a child process,
//!   and a config file pointing at it
//! - `state`: console settings, agents, keys, and what a timeline shows
//! - `domain`: agents for the transfer rules
//! - `journal`: journal records as the console writes them
//! - `files`: the sample files under `tests/fixtures`

#![allow(dead_code, reason = "each test binary uses a part")]

pub mod domain;
pub mod files;
pub mod journal;
pub mod process;
pub mod sim;
pub mod state;
