//! Checks that run after parsing: values that parse but make no sense (a host
//! that is not a URL, a zero rate limit, duplicate agent ids, bad key
//! overrides), each tied to its key path.

use super::hints::key_hint;
use super::locate::{Seg, key, plain_key};
use super::team::{key_prefix_problem, name_problem, redis_url_problem};
use super::{
    AgentEntry, CallbackConfig, ClosingCfg, Config, EventsConfig, KoreConfig, SecretSource,
    TeamConfig,
};
use std::collections::{BTreeMap, HashMap};

pub(super) struct Issue {
    pub(super) at: Vec<Seg>,
    pub(super) message: String,
    pub(super) hint: String,
}

fn issue(at: Vec<Seg>, message: impl Into<String>) -> Issue {
    let hint = key_hint(&plain_key(&at)).unwrap_or("").to_string();
    Issue {
        at,
        message: message.into(),
        hint,
    }
}

/// Why `text` is not a usable http(s) base URL, if it is not. The value is
/// not repeated, since a URL may carry credentials.
fn url_problem(text: &str) -> Option<&'static str> {
    let Ok(url) = url::Url::parse(text.trim()) else {
        return Some("is not a URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Some("must start with https:// or http://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some("has no host name");
    }
    None
}

/// What is wrong with a language code, if anything (`en`, `de-CH`, `English`).
pub fn language_problem(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return Some("must not be empty".into());
    }
    if v.chars().count() > 35
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some("must be a language code of letters, digits and - (e.g. en, de-CH)".into());
    }
    None
}

/// The longest id accepted in `[kore]` (Kore's are about 40 characters).
pub const MAX_ID_CHARS: usize = 200;

/// What is wrong with an id from the config or the command line, if
/// anything: empty, too long, or holding spaces or control characters.
pub fn id_problem(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return Some("must not be empty".into());
    }
    let n = v.chars().count();
    if n > MAX_ID_CHARS {
        return Some(format!(
            "is {n} characters long; an id is at most {MAX_ID_CHARS}"
        ));
    }
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("must not hold spaces or control characters".into());
    }
    // Text that hides or reorders what is around it (as `clean` drops).
    if v.chars().any(|c| {
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    }) {
        return Some("must not hold invisible or direction-changing characters".into());
    }
    None
}

/// True for a valid HTTP header name (RFC 9110 token characters).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Every check, each table's in a function of its own, in the order their
/// issues have always been listed (the caller sorts them by line; this
/// order breaks ties).
pub(super) fn validate(config: &Config) -> Vec<Issue> {
    let mut issues = Vec::new();
    let kore = &config.kore;
    check_kore_account(kore, &mut issues);
    check_kore_rates(kore, &mut issues);
    for (path, problem) in config.alerts.problems() {
        let mut full = vec![key("alerts")];
        full.extend(path.iter().map(|k| key(k)));
        issues.push(issue(full, problem));
    }
    if config.journal.keep_ended_hours > 24 * 365 {
        issues.push(issue(
            at("journal", "keep_ended_hours"),
            "must be at most 8760 (a year)",
        ));
    }
    check_kore_bounds(kore, &mut issues);
    check_callback(&config.callback, &mut issues);
    check_events(&config.events, &mut issues);
    check_agents(&config.agents, &mut issues);
    check_keys(&config.keys, &mut issues);
    if let Some(team) = &config.team {
        check_team(team, &mut issues);
    }
    issues
}

/// The key path `[table] name`.
fn at(table: &str, name: &str) -> Vec<Seg> {
    vec![key(table), key(name)]
}

/// `[kore]`: the host, the ids, where the secret comes from, the hooks header.
fn check_kore_account(kore: &KoreConfig, issues: &mut Vec<Issue>) {
    if let Some(problem) = url_problem(&kore.host) {
        issues.push(issue(at("kore", "host"), format!("the host {problem}")));
    }
    for (name, value) in [
        ("bot_id", &kore.bot_id),
        ("org_id", &kore.org_id),
        ("account_id", &kore.account_id),
        ("client_id", &kore.client_id),
    ] {
        if let Some(problem) = id_problem(value) {
            issues.push(issue(at("kore", name), problem));
        }
    }
    secret_source_issues(
        &kore.client_secret,
        at("kore", "client_secret"),
        "the secret",
        issues,
    );
    if !is_header_name(&kore.hooks_auth_header) {
        issues.push(issue(
            at("kore", "hooks_auth_header"),
            "is not a valid HTTP header name",
        ));
    }
}

/// `[kore]`: the rate limit and its reserve, the token's life, the timeout.
fn check_kore_rates(kore: &KoreConfig, issues: &mut Vec<Issue>) {
    if kore.rate_limit_per_minute < 1 {
        issues.push(issue(
            at("kore", "rate_limit_per_minute"),
            "must be at least 1",
        ));
    }
    if let Some(reserve) = kore.reserved_for_actions_per_minute
        && kore.rate_limit_per_minute >= 1
        && reserve >= kore.rate_limit_per_minute
    {
        issues.push(issue(
            at("kore", "reserved_for_actions_per_minute"),
            "must be below rate_limit_per_minute, or the polls could never run",
        ));
    }
    if kore.jwt_ttl_secs > 86_400 {
        issues.push(issue(
            at("kore", "jwt_ttl_secs"),
            "must be at most 86400 (a day); 0 signs tokens with appId alone, which never expire",
        ));
    }
    if kore.request_timeout_secs < 1 {
        issues.push(issue(
            at("kore", "request_timeout_secs"),
            "must be at least 1",
        ));
    }
}

/// `[kore]`: the bounds of the answer size, the secret command, Retry-After
/// and the retries.
fn check_kore_bounds(kore: &KoreConfig, issues: &mut Vec<Issue>) {
    if !(65_536..=268_435_456).contains(&kore.max_response_bytes) {
        issues.push(issue(
            at("kore", "max_response_bytes"),
            "must be from 65536 (64 KiB) to 268435456 (256 MiB)",
        ));
    }
    if !(1..=600).contains(&kore.secret_command_timeout_secs) {
        issues.push(issue(
            at("kore", "secret_command_timeout_secs"),
            "must be from 1 to 600",
        ));
    }
    if !(1..=3600).contains(&kore.max_retry_after_secs) {
        issues.push(issue(
            at("kore", "max_retry_after_secs"),
            "must be from 1 to 3600",
        ));
    }
    if !(1..=100).contains(&kore.retry_max_attempts) {
        issues.push(issue(
            at("kore", "retry_max_attempts"),
            "must be from 1 to 100",
        ));
    }
}

/// `[callback]`: the public URL and the timeout.
fn check_callback(callback: &CallbackConfig, issues: &mut Vec<Issue>) {
    if let Some(problem) = url_problem(&callback.public_url) {
        issues.push(issue(
            at("callback", "public_url"),
            format!("the public URL {problem}"),
        ));
    } else if let Ok(url) = url::Url::parse(callback.public_url.trim())
        && (url.query().is_some() || url.fragment().is_some())
    {
        issues.push(issue(
            at("callback", "public_url"),
            "must not have a ?query or #fragment: callbacks go to {public_url}/cb/…, \
             which would put the path inside the query and never reach the listener",
        ));
    }
    if callback.callback_timeout_secs < 1 {
        issues.push(issue(
            at("callback", "callback_timeout_secs"),
            "must be at least 1",
        ));
    }
}

/// `[events]`: the language, and the closing events (each once,
/// END_OF_CONVERSATION last).
fn check_events(events: &EventsConfig, issues: &mut Vec<Issue>) {
    if let Some(problem) = language_problem(&events.language) {
        issues.push(issue(at("events", "language"), problem));
    }
    for (i, closing) in events.on_end.iter().enumerate() {
        let mut path = at("events", "on_end");
        path.push(Seg::Index(i));
        if events.on_end[..i].contains(closing) {
            issues.push(issue(path, format!("lists {closing} twice")));
        } else if *closing == ClosingCfg::EndOfConversation && i + 1 < events.on_end.len() {
            issues.push(issue(
                path,
                "END_OF_CONVERSATION must come last: nothing can be sent after it",
            ));
        }
    }
}

/// `[[agents]]`: ids present and unique, identities not empty.
fn check_agents(agents: &[AgentEntry], issues: &mut Vec<Issue>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, agent) in agents.iter().enumerate() {
        let path = |name: &str| vec![key("agents"), Seg::Index(i), key(name)];
        let id = agent.id.trim();
        if id.is_empty() {
            issues.push(issue(path("id"), "must not be empty"));
        } else if let Some(first) = seen.get(id) {
            issues.push(issue(
                path("id"),
                format!(
                    "the id \"{id}\" is already used by [[agents]] #{}",
                    first + 1
                ),
            ));
        } else {
            seen.insert(id, i);
        }
        if agent
            .identity
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            issues.push(issue(
                path("identity"),
                "must not be empty; leave it out to use the id",
            ));
        }
    }
}

/// `[team]`: the URL's scheme, the password's source, the name, the prefix
/// and the lease.
fn check_team(team: &TeamConfig, issues: &mut Vec<Issue>) {
    if let Some(problem) = redis_url_problem(&team.redis_url) {
        issues.push(issue(at("team", "redis_url"), format!("the URL {problem}")));
    }
    if let Some(source) = &team.password {
        secret_source_issues(source, at("team", "password"), "the password", issues);
    }
    if let Some(problem) = team.name.as_deref().and_then(name_problem) {
        issues.push(issue(at("team", "name"), problem));
    }
    if let Some(problem) = team.key_prefix.as_deref().and_then(key_prefix_problem) {
        issues.push(issue(at("team", "key_prefix"), problem));
    }
    if !(1_000..=60_000).contains(&team.lease_ms) {
        issues.push(issue(
            at("team", "lease_ms"),
            "must be from 1000 to 60000 (one second to a minute)",
        ));
    }
}

/// The mistakes a secret's source can have: an empty literal, an unusable
/// variable name, a command without a program.
fn secret_source_issues(
    source: &SecretSource,
    path: Vec<Seg>,
    what: &str,
    issues: &mut Vec<Issue>,
) {
    match source {
        SecretSource::Literal(secret) if secret.is_empty() => {
            issues.push(issue(path, format!("{what} is empty")));
        }
        SecretSource::Env(var) if var.is_empty() || var.contains(['=', '\0']) => {
            let mut path = path;
            path.push(key("env"));
            issues.push(issue(path, "is not a usable environment variable name"));
        }
        SecretSource::Command(argv) if argv.first().is_none_or(|p| p.trim().is_empty()) => {
            let mut path = path;
            path.push(key("command"));
            issues.push(issue(path, "must start with the program to run"));
        }
        _ => {}
    }
}

/// `[keys]`: each override on its own line first, then how they combine.
fn check_keys(keys: &BTreeMap<String, String>, issues: &mut Vec<Issue>) {
    let mut key_issue = false;
    for (name, value) in keys {
        let one = BTreeMap::from([(name.clone(), value.clone())]);
        if let Err(errors) = crate::app::keymap::validate_key_overrides(&one) {
            key_issue = true;
            for e in errors {
                issues.push(issue(at("keys", name), e));
            }
        }
    }
    if !key_issue && let Err(errors) = crate::app::keymap::validate_key_overrides(keys) {
        for e in errors {
            issues.push(issue(vec![key("keys")], e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names() {
        assert!(is_header_name("token"));
        assert!(is_header_name("X-Auth-Token"));
        assert!(!is_header_name(""));
        assert!(!is_header_name("to ken"));
        assert!(!is_header_name("auth:"));
    }

    #[test]
    fn url_checks() {
        assert_eq!(url_problem("https://platform.kore.ai"), None);
        assert_eq!(url_problem("http://localhost:8009/"), None);
        assert!(url_problem("platform.kore.ai").is_some());
        assert!(url_problem("ftp://platform.kore.ai").is_some());
        assert!(url_problem("localhost:8009").is_some());
    }
}
