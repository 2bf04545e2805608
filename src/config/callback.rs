//! `[callback]`: the console's own HTTP listener for assign callbacks.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use std::net::SocketAddr;
use std::time::Duration;

/// `[callback]`: the console's own HTTP listener for assign callbacks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackConfig {
    /// The address the listener binds to.
    #[serde(deserialize_with = "socket_addr_from_str")]
    pub listen: SocketAddr,
    /// The base URL Kore posts callbacks to.
    pub public_url: String,
    /// How long an assign request waits for its callback.
    pub callback_timeout_secs: u64,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8009)),
            public_url: "http://localhost:8009".to_string(),
            callback_timeout_secs: 120,
        }
    }
}

impl CallbackConfig {
    /// The public URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    pub fn callback_timeout(&self) -> Duration {
        Duration::from_secs(self.callback_timeout_secs)
    }
}

fn socket_addr_from_str<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.trim().parse().map_err(|_| {
        de::Error::custom(format!(
            "{text:?} is not an IP address with a port (host names are not accepted)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let callback = CallbackConfig::default();
        assert_eq!(callback.listen.to_string(), "127.0.0.1:8009");
        assert_eq!(callback.public_url, "http://localhost:8009");
        assert_eq!(callback.callback_timeout_secs, 120);
    }
}
