//! Everything that speaks Kore: wire types, JWT signing, the HTTP client and
//! the rate limiter.

pub mod jwt;
pub mod wire;
