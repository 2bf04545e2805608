//! Switchboard: a terminal supervisor console for Kore.ai Agent AI.
//!
//! See ARCHITECTURE.md for the map of modules.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_team;
pub mod domain;
pub mod exit;
pub mod kore;
pub mod logging;
pub mod runtime;
pub mod sim;
pub mod team;
pub mod ui;
pub mod wiring;

/// Installs the process-wide rustls crypto provider (ring). reqwest is built
/// without a provider of its own, so this must run before the first Client is
/// built. Calling it again is harmless.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
