//! How a command ends: its exit code, and `Fail`, a failure before any
//! request (the code and the message). The composition root (`wiring`)
//! and every command share them.

use crate::config::ConfigError;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
/// Everything went through, but some hooks event was delivered after a try
/// that got no answer and may have been applied as well: check those
/// conversations (their lines say `delivered_maybe_twice`).
pub const EXIT_MAYBE_TWICE: i32 = 3;

/// A failure before any request: it carries its exit code and the message.
#[derive(Debug)]
pub struct Fail {
    pub code: i32,
    pub message: String,
}

impl Fail {
    pub fn usage(message: impl Into<String>) -> Self {
        Fail {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Fail {
            code: EXIT_FAILED,
            message: message.into(),
        }
    }
}

impl From<ConfigError> for Fail {
    fn from(e: ConfigError) -> Self {
        Fail::usage(e.to_string())
    }
}
