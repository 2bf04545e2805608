//! What the client shows of URLs, bodies and ids: credentials and tokens
//! taken out, long text clipped.

use crate::kore::wire::clip;

/// Replaces the `user:password@` of every URL in `s` with `…@`.
pub fn redact_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail.find(['/', ' ', ')', '"']).unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push('…');
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The server's message from an error body (`{"code","message"}` and the like),
/// or the start of the body text.
pub fn error_message(text: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        for key in ["message", "msg", "error", "errors", "reason"] {
            match v.get(key) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => {
                    return clip(&redact_tokens(s), 300);
                }
                Some(serde_json::Value::Array(items)) if !items.is_empty() => {
                    let first = &items[0];
                    let msg = first
                        .get("msg")
                        .or_else(|| first.get("message"))
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| first.to_string());
                    return clip(&redact_tokens(&msg), 300);
                }
                _ => {}
            }
        }
    }
    let t = text.trim();
    if t.is_empty() {
        "(no body)".to_string()
    } else {
        clip(&redact_tokens(t), 300)
    }
}

/// A one-line summary of a body for the log: compact, clipped, tokens removed.
pub fn summarize_body(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return "(no body)".to_string();
    }
    let compact = match serde_json::from_str::<serde_json::Value>(t) {
        Ok(v) => v.to_string(),
        Err(_) => t.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    clip(&redact_tokens(&compact), 160)
}

/// Replaces anything that looks like a JWT (`eyJ…`) with a fingerprint.
pub fn redact_tokens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("eyJ") {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(tail.len());
        let candidate = &tail[..end];
        if candidate.len() >= 16 {
            out.push_str("<jwt sha256:");
            out.push_str(&crate::kore::jwt::fingerprint(candidate));
            out.push('>');
        } else {
            out.push_str(candidate);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A URL for display: any `user:password@` becomes `…@`. Text that is not a
/// URL is shown up to an `@`, never past it.
pub fn without_credentials(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let shown = u.to_string();
            match shown.split_once("://") {
                Some((scheme, rest)) => format!("{scheme}://…@{rest}"),
                None => shown,
            }
        }
        Ok(u) => u.to_string(),
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => url.to_string(),
        },
    }
}

/// `st-…a1f3`: the prefix and the last four characters of an id.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return id.to_string();
    }
    let prefix: String = match id.find('-') {
        Some(p) if p <= 4 => id[..=p].to_string(),
        _ => String::new(),
    };
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}
