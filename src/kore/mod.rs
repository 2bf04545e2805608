//! Everything that speaks Kore: wire types, JWT signing, the HTTP client and
//! the rate limiter.

pub mod client;
pub mod hooks;
pub mod jwt;
pub mod ratelimit;
pub mod wire;
