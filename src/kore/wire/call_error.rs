//! Why a call failed (`CallError`): the data the console's core keeps of
//! each failure, and how it is judged (retryable, uncertain).

use serde::Serialize;
use std::time::Duration;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallError {
    /// 4xx other than 429: final, not retried. Carries the server's message.
    #[error("{status} {message}")]
    Api {
        status: u16,
        message: String,
        latency_ms: u64,
    },
    /// 429: retried after the wait the server asked for.
    #[error("429 rate limited: {message}")]
    RateLimited {
        message: String,
        retry_after_ms: Option<u64>,
        latency_ms: u64,
    },
    /// 5xx: retried.
    #[error("{status} {message}")]
    Server {
        status: u16,
        message: String,
        latency_ms: u64,
    },
    #[error("timed out after {0} ms")]
    Timeout(u64),
    #[error("connection failed: {0}")]
    Connect(String),
    /// The connection broke mid-request (a reset, a closed socket).
    #[error("transport error: {0}")]
    Transport(String),
    /// 3xx: never followed (the token, the account id and the callback
    /// secret would go with it). Final: the request was not carried out.
    #[error("{status} redirect to {location} not followed; check [kore].host")]
    Redirect {
        status: u16,
        location: String,
        latency_ms: u64,
    },
    /// The answer was longer than `max_response_bytes`; reading stopped there.
    #[error("{status} with an answer over {limit} bytes; stopped reading it")]
    TooLarge {
        status: u16,
        limit: usize,
        latency_ms: u64,
    },
    /// 2xx, but the body was not what the docs describe.
    #[error("{status} with an unreadable body: {message}")]
    Decode {
        status: u16,
        message: String,
        latency_ms: u64,
    },
    /// A token could not be signed (a local problem, not retried).
    #[error("{0}")]
    Local(String),
}

impl CallError {
    /// 429, 5xx, timeouts, refused and broken connections may be retried.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            CallError::RateLimited { .. }
                | CallError::Server { .. }
                | CallError::Timeout(_)
                | CallError::Connect(_)
                | CallError::Transport(_)
        )
    }

    /// A timeout or a broken connection after the request may have been
    /// written: the server may have carried it out although no answer came.
    /// (A refused connection never reached it; a 5xx or 429 is an answer.)
    pub fn uncertain(&self) -> bool {
        matches!(self, CallError::Timeout(_) | CallError::Transport(_))
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Api { status, .. }
            | CallError::Server { status, .. }
            | CallError::Redirect { status, .. }
            | CallError::TooLarge { status, .. }
            | CallError::Decode { status, .. } => Some(*status),
            CallError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    pub fn latency_ms(&self) -> Option<u64> {
        match self {
            CallError::Api { latency_ms, .. }
            | CallError::Server { latency_ms, .. }
            | CallError::Decode { latency_ms, .. }
            | CallError::Redirect { latency_ms, .. }
            | CallError::TooLarge { latency_ms, .. }
            | CallError::RateLimited { latency_ms, .. } => Some(*latency_ms),
            CallError::Timeout(ms) => Some(*ms),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::RateLimited { retry_after_ms, .. } => {
                retry_after_ms.map(Duration::from_millis)
            }
            _ => None,
        }
    }
}
