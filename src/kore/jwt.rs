//! HS256 tokens with the `appId` claim, and the `Secret` type that keeps the
//! client secret out of every print.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A secret string. `Debug` and `Display` print `<redacted>`; the value is only
/// reachable through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The claims this client signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    pub app_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// A signed token. Its `Debug` shows only a fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, non-reversible tag for logs: the first 8 hex digits of SHA-256.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(sha256:{})", self.fingerprint())
    }
}

/// The first 8 hex digits of the SHA-256 of `s`.
pub fn fingerprint(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    hex::encode(&digest[..4])
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("the client secret is empty")]
    EmptySecret,
    #[error("the client id is empty")]
    EmptyClientId,
    #[error("could not sign the token: {0}")]
    Sign(String),
}

/// How far back `iat` is put, so that a server whose clock is a little
/// behind ours does not take a fresh token for one issued in the future.
pub const IAT_LEEWAY_SECS: u64 = 5;

/// Signs tokens for one client app.
#[derive(Clone)]
pub struct Signer {
    client_id: String,
    key: EncodingKey,
    ttl_secs: Option<u64>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("client_id", &self.client_id)
            .field("key", &"<redacted>")
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

impl Signer {
    pub fn new(client_id: &str, secret: &Secret, ttl_secs: Option<u64>) -> Result<Self, JwtError> {
        if client_id.trim().is_empty() {
            return Err(JwtError::EmptyClientId);
        }
        if secret.is_empty() {
            return Err(JwtError::EmptySecret);
        }
        Ok(Signer {
            client_id: client_id.to_string(),
            key: EncodingKey::from_secret(secret.expose().as_bytes()),
            ttl_secs: ttl_secs.filter(|t| *t > 0),
        })
    }

    /// How long its tokens live, or None for the bare form.
    pub fn ttl_secs(&self) -> Option<u64> {
        self.ttl_secs
    }

    /// Which form it signs, in words (`switchboard check` prints it).
    pub fn form(&self) -> String {
        match self.ttl_secs {
            Some(ttl) => format!(
                "appId, iat ({IAT_LEEWAY_SECS} s back for clock skew), exp ({ttl} s) and a fresh jti"
            ),
            None => "appId alone, no expiry (jwt_ttl_secs = 0)".to_string(),
        }
    }

    /// The claims of the next token: `appId`, and `iat`/`exp`/`jti` when a TTL is set.
    pub fn claims(&self) -> Claims {
        let mut claims = Claims {
            app_id: self.client_id.clone(),
            iat: None,
            exp: None,
            jti: None,
        };
        if let Some(ttl) = self.ttl_secs {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            claims.iat = Some(now.saturating_sub(IAT_LEEWAY_SECS));
            claims.exp = Some(now.saturating_add(ttl));
            claims.jti = Some(random_id());
        }
        claims
    }

    pub fn sign(&self) -> Result<Token, JwtError> {
        let claims = self.claims();
        encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map(Token)
            .map_err(|e| JwtError::Sign(e.to_string()))
    }
}

/// 128 random bits as hex, for `jti` and for unguessable paths.
pub fn random_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};

    const SECRET: &str = "unit-test-secret-not-a-real-one";

    fn read(token: &Token, secret: &str) -> jsonwebtoken::errors::Result<serde_json::Value> {
        let mut v = Validation::new(Algorithm::HS256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        decode::<serde_json::Value>(
            token.expose(),
            &DecodingKey::from_secret(secret.as_bytes()),
            &v,
        )
        .map(|d| d.claims)
    }

    #[test]
    fn without_a_ttl_the_token_holds_only_app_id() {
        let signer = Signer::new("cs-app", &Secret::new(SECRET), None).unwrap();
        let token = signer.sign().unwrap();
        assert_eq!(decode_header(token.expose()).unwrap().alg, Algorithm::HS256);
        let claims = read(&token, SECRET).unwrap();
        assert_eq!(claims, serde_json::json!({"appId": "cs-app"}));
        assert!(
            read(&token, "another-secret").is_err(),
            "signed with the secret"
        );
    }

    #[test]
    fn a_ttl_adds_iat_exp_and_a_fresh_jti() {
        let signer = Signer::new("cs-app", &Secret::new(SECRET), Some(300)).unwrap();
        let a = read(&signer.sign().unwrap(), SECRET).unwrap();
        let b = read(&signer.sign().unwrap(), SECRET).unwrap();
        assert_eq!(a["appId"], "cs-app");
        let iat = a["iat"].as_u64().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(iat.abs_diff(now) < 60, "iat {iat} is now ({now})");
        assert_eq!(
            a["exp"].as_u64().unwrap(),
            iat + IAT_LEEWAY_SECS + 300,
            "iat a little in the past, exp a whole TTL from now"
        );
        let jti = a["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 32);
        assert_ne!(
            jti,
            b["jti"].as_str().unwrap(),
            "every token has its own jti"
        );
    }

    /// Issue 18.18: `jwt_ttl_secs = 0` keeps the bare form, and says so.
    #[test]
    fn a_zero_ttl_signs_the_bare_form() {
        let signer = Signer::new("cs-app", &Secret::new(SECRET), Some(0)).unwrap();
        let claims = read(&signer.sign().unwrap(), SECRET).unwrap();
        assert_eq!(claims, serde_json::json!({"appId": "cs-app"}));
        assert!(signer.form().contains("no expiry"), "{}", signer.form());
        let timed = Signer::new("cs-app", &Secret::new(SECRET), Some(300)).unwrap();
        assert!(timed.form().contains("exp (300 s)"), "{}", timed.form());
    }

    #[test]
    fn empty_inputs_are_refused() {
        assert!(matches!(
            Signer::new("cs", &Secret::new(""), None),
            Err(JwtError::EmptySecret)
        ));
        assert!(matches!(
            Signer::new("  ", &Secret::new(SECRET), None),
            Err(JwtError::EmptyClientId)
        ));
    }

    #[test]
    fn debug_prints_never_show_the_secret_or_the_token() {
        let secret = Secret::new(SECRET);
        let signer = Signer::new("cs-app", &secret, Some(60)).unwrap();
        let token = signer.sign().unwrap();
        for printed in [
            format!("{secret:?}"),
            format!("{secret}"),
            format!("{signer:?}"),
            format!("{token:?}"),
        ] {
            assert!(!printed.contains(SECRET), "{printed}");
            assert!(!printed.contains(token.expose()), "{printed}");
            assert!(!printed.contains("eyJ"), "{printed}");
        }
        assert_eq!(
            format!("{token:?}"),
            format!("Token(sha256:{})", token.fingerprint())
        );
        assert_eq!(token.fingerprint().len(), 8);
    }
}
