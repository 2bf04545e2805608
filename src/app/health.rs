//! What is wrong with the connection, in words a supervisor can act on:
//! the reason behind `Health::Degraded`, read from the error it carries
//! (the `CallError` wording of `kore::wire`), with a next step.

use super::state::Health;

/// Why the connection is degraded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// Kore answered 401 or 403: the token was refused.
    TokenRefused(u16),
    /// No answer: the host could not be reached, the connection broke or
    /// timed out.
    Unreachable,
    /// Kore answered 429.
    RateLimited,
    /// Kore answered 5xx.
    ServerError(u16),
    /// Anything else: the error's own words.
    Other(String),
}

/// The HTTP status an error's text starts with, or names after a `: `
/// (`poll agents: 401 …`).
fn status_in(error: &str) -> Option<u16> {
    let at = |s: &str| -> Option<u16> {
        let code = s.get(..3)?;
        let after = s[3..].chars().next();
        (code.bytes().all(|b| b.is_ascii_digit()) && after.is_none_or(|c| !c.is_ascii_digit()))
            .then(|| code.parse().ok())
            .flatten()
    };
    at(error.trim_start()).or_else(|| error.split(": ").skip(1).find_map(at))
}

impl Trouble {
    /// The trouble an error's text describes.
    pub fn of(error: &str) -> Trouble {
        let lower = error.to_lowercase();
        match status_in(error) {
            Some(s @ (401 | 403)) => return Trouble::TokenRefused(s),
            Some(429) => return Trouble::RateLimited,
            Some(s @ 500..=599) => return Trouble::ServerError(s),
            _ => {}
        }
        let unreachable = [
            "connection failed",
            "connection refused",
            "timed out",
            "transport error",
            "dns error",
        ];
        if unreachable.iter().any(|w| lower.contains(w)) {
            Trouble::Unreachable
        } else {
            Trouble::Other(error.to_string())
        }
    }

    /// What the status bar says, longest first: the reason with its next
    /// step, then shorter, then the fewest words that still give the
    /// reason. The degraded glyph goes before each.
    pub fn words(&self) -> [String; 3] {
        match self {
            Trouble::TokenRefused(_) => [
                "degraded: Kore refused the token: check client_id and the secret (`switchboard check`)"
                    .into(),
                "Kore refused the token: run `switchboard check`".into(),
                "Kore refused the token".into(),
            ],
            Trouble::Unreachable => [
                "degraded: Kore unreachable: check [kore] host and the network".into(),
                "Kore unreachable: check [kore] host".into(),
                "Kore unreachable".into(),
            ],
            Trouble::RateLimited => [
                "degraded: Kore is rate limiting (429): requests wait their turn".into(),
                "Kore rate limiting: requests wait".into(),
                "Kore rate limiting".into(),
            ],
            Trouble::ServerError(s) => [
                format!("degraded: Kore answers {s}: retrying; see the log pane"),
                format!("Kore answers {s}: retrying"),
                format!("Kore {s}"),
            ],
            Trouble::Other(e) => {
                let cut = |n: usize| super::text::clean(e, n);
                [
                    format!("degraded: {}; see the log pane", cut(60)),
                    format!("degraded: {}", cut(28)),
                    format!("degraded: {}", cut(12)),
                ]
            }
        }
    }
}

impl Health {
    /// Why the connection is degraded, when it is.
    pub fn trouble(&self) -> Option<Trouble> {
        match self {
            Health::Degraded(e) => Some(Trouble::of(e)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_into_their_trouble() {
        assert_eq!(Trouble::of("401 invalid token"), Trouble::TokenRefused(401));
        assert_eq!(
            Trouble::of("poll agents: 403 forbidden"),
            Trouble::TokenRefused(403)
        );
        assert_eq!(Trouble::of("429 rate limited: slow"), Trouble::RateLimited);
        assert_eq!(Trouble::of("503 busy"), Trouble::ServerError(503));
        assert_eq!(
            Trouble::of("connection failed: refused"),
            Trouble::Unreachable
        );
        assert_eq!(Trouble::of("timed out after 5000 ms"), Trouble::Unreachable);
        assert_eq!(
            Trouble::of("4010 things"),
            Trouble::Other("4010 things".into())
        );
        let words = Trouble::of("401 no").words();
        assert!(words[0].contains("Kore refused the token"));
        assert!(words.iter().all(|w| !w.is_empty()));
    }
}
