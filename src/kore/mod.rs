//! Everything that speaks Kore: wire types, JWT signing, the HTTP client,
//! the pager of its lists and the rate limiter.

pub mod client;
pub mod hooks;
pub mod jwt;
pub mod pager;
pub mod ratelimit;
pub mod wire;
