//! Config loading, errors, secrets, permissions, the starter file and paths.
//!
//! Tests run in parallel threads of one process. Each environment variable is
//! touched by exactly one test, so no two tests race on the same variable.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use switchboard::config::{
    self, ClosingCfg, ColdOrderCfg, ConfigError, Experience, SecretSource, Theme,
};

mod common;
use common::files::{files_in, fixture_dir};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml")
}

/// A config text with the given `client_secret` right-hand side.
fn config_with_secret(secret: &str) -> String {
    format!(
        "[kore]\nhost = \"https://platform.kore.ai\"\nbot_id = \"st-1\"\norg_id = \"o-1\"\n\
         account_id = \"acc-1\"\nclient_id = \"cs-1\"\nclient_secret = {secret}\n"
    )
}

fn load_text(text: &str) -> Result<config::Loaded, ConfigError> {
    config::load_str(text, Path::new("test.toml"))
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

#[test]
fn every_valid_fixture_loads() {
    let files = files_in(&fixture_dir("config/valid"), &["toml"]);
    assert!(files.len() >= 5, "valid fixtures went missing: {files:?}");
    for path in files {
        if let Err(e) = config::load(&path) {
            panic!("{} should load, got:\n{e}", path.display());
        }
    }
}

/// (fixture name, line or None when the problem has no line, key as shown,
/// further text the message must contain)
const INVALID: &[(&str, Option<usize>, &str, &[&str])] = &[
    // [keys] overrides go through the keymap's own checks.
    (
        "keys_unknown_action",
        Some(10),
        "[keys].cold_tranfser",
        &["did you mean cold_transfer"],
    ),
    (
        "keys_collision",
        Some(10),
        "[keys].assign",
        &["cold_transfer"],
    ),
    // TOML syntax
    (
        "syntax_unclosed_string",
        Some(3),
        "[kore].bot_id",
        &["syntax"],
    ),
    (
        "syntax_missing_equals",
        Some(4),
        "[kore].org_id",
        &["syntax", "`=`"],
    ),
    (
        "syntax_duplicate_key",
        Some(8),
        "[kore].bot_id",
        &["duplicate"],
    ),
    ("syntax_duplicate_table", Some(12), "[ui]", &["duplicate"]),
    // wrong types
    (
        "rate_limit_string",
        Some(8),
        "[kore].rate_limit_per_minute",
        &["expected an integer", "found a string", "hint:"],
    ),
    (
        "timeout_negative",
        Some(8),
        "[kore].request_timeout_secs",
        &["-5"],
    ),
    (
        "is_ext_ad_string",
        Some(11),
        "[events].is_ext_ad",
        &["true or false"],
    ),
    (
        "secret_wrong_type",
        Some(7),
        "[kore].client_secret",
        &["found an integer", "env"],
    ),
    (
        "secret_unknown_source",
        Some(7),
        "[kore].client_secret",
        &["`file`"],
    ),
    (
        "secret_env_and_command",
        Some(7),
        "[kore].client_secret",
        &["not both"],
    ),
    (
        "secret_env_not_string",
        Some(7),
        "[kore].client_secret.env",
        &["expected a string"],
    ),
    (
        "keys_not_string",
        Some(11),
        "[keys].quit",
        &["expected a string"],
    ),
    (
        "poll_float",
        Some(10),
        "[poll].conversations_secs",
        &["decimal"],
    ),
    (
        "on_end_not_list",
        Some(10),
        "[events].on_end",
        &["expected a list"],
    ),
    // unknown keys
    (
        "unknown_key_typo",
        Some(8),
        "[kore].rate_limt_per_minute",
        &["unknown key", "did you mean `rate_limit_per_minute`"],
    ),
    (
        "unknown_table",
        Some(9),
        "[callbacks]",
        &["did you mean `callback`"],
    ),
    ("unknown_top_level_key", Some(1), "debug", &["unknown key"]),
    (
        "unknown_agent_key",
        Some(14),
        "[[agents]] #2.queue",
        &["queue_name"],
    ),
    (
        "allow_insecure_http",
        Some(8),
        "[kore].allow_insecure_http",
        &["unknown key"],
    ),
    // missing keys
    ("missing_bot_id", Some(1), "[kore].bot_id", &["missing"]),
    (
        "missing_agent_id",
        Some(12),
        "[[agents]] #2.id",
        &["missing"],
    ),
    ("missing_kore", None, "[kore]", &["missing"]),
    // values outside the allowed set
    (
        "cold_order_bad",
        Some(10),
        "[events].cold_order",
        &["\"exit_first\"", "exit-first"],
    ),
    ("theme_bad", Some(11), "[ui].theme", &["\"dakr\"", "mono"]),
    (
        "experience_bad",
        Some(10),
        "[events].experience",
        &["\"sms\"", "voice"],
    ),
    (
        "on_end_unknown",
        Some(12),
        "[events].on_end #2",
        &["\"SUMMARY\""],
    ),
    // checks after parsing
    ("host_not_url", Some(2), "[kore].host", &["not a URL"]),
    ("host_ftp", Some(2), "[kore].host", &["https://"]),
    // [team]: only redis:// and rediss://, the password's source, the name.
    (
        "team_url_scheme",
        Some(10),
        "[team].redis_url",
        &["redis://", "rediss://"],
    ),
    (
        "team_password_env_empty",
        Some(11),
        "[team].password.env",
        &["environment variable"],
    ),
    ("team_name_too_long", Some(11), "[team].name", &["32"]),
    (
        "team_unknown_key",
        Some(11),
        "[team].lease_secs",
        &["lease_ms"],
    ),
    ("bot_id_empty", Some(3), "[kore].bot_id", &["empty"]),
    ("client_id_blank", Some(6), "[kore].client_id", &["empty"]),
    (
        "secret_empty_literal",
        Some(7),
        "[kore].client_secret",
        &["empty"],
    ),
    (
        "secret_command_empty",
        Some(7),
        "[kore].client_secret.command",
        &["program"],
    ),
    (
        "hooks_header_bad",
        Some(8),
        "[kore].hooks_auth_header",
        &["header name"],
    ),
    (
        "jwt_ttl_too_long",
        Some(8),
        "[kore].jwt_ttl_secs",
        &["at most 86400", "0 signs"],
    ),
    (
        "rate_limit_zero",
        Some(8),
        "[kore].rate_limit_per_minute",
        &["at least 1"],
    ),
    (
        "request_timeout_zero",
        Some(8),
        "[kore].request_timeout_secs",
        &["at least 1"],
    ),
    ("listen_bad", Some(10), "[callback].listen", &["IP address"]),
    (
        "public_url_bad",
        Some(11),
        "[callback].public_url",
        &["https://"],
    ),
    (
        "callback_timeout_zero",
        Some(10),
        "[callback].callback_timeout_secs",
        &["at least 1"],
    ),
    (
        "on_end_order",
        Some(10),
        "[events].on_end #1",
        &["must come last"],
    ),
    ("on_end_twice", Some(12), "[events].on_end #2", &["twice"]),
    ("language_empty", Some(10), "[events].language", &["empty"]),
    ("agent_empty_id", Some(10), "[[agents]] #1.id", &["empty"]),
    (
        "agent_duplicate_id",
        Some(17),
        "[[agents]] #3.id",
        &["\"a-1\"", "#1"],
    ),
    (
        "agent_empty_identity",
        Some(11),
        "[[agents]] #1.identity",
        &["empty"],
    ),
];

#[test]
fn every_invalid_fixture_fails_with_file_line_and_key() {
    let dir = fixture_dir("config/invalid");
    let on_disk: BTreeSet<String> = files_in(&dir, &["toml"])
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let in_table: BTreeSet<String> = INVALID.iter().map(|c| c.0.to_string()).collect();
    assert_eq!(
        on_disk, in_table,
        "every invalid fixture needs exactly one row in INVALID"
    );

    for (name, line, key, extra) in INVALID {
        let path = dir.join(format!("{name}.toml"));
        let err = match config::load(&path) {
            Ok(_) => panic!("{name} should not load"),
            Err(e) => e,
        };
        assert!(
            matches!(err, ConfigError::Invalid { .. }),
            "{name}: wrong variant {err:?}"
        );
        let msg = err.to_string();
        let expected_start = match line {
            Some(line) => format!("{name}.toml:{line}:"),
            None => format!("{name}.toml: "),
        };
        assert!(
            msg.contains(&expected_start),
            "{name}: expected `{expected_start}` in:\n{msg}"
        );
        assert!(
            msg.contains(&format!(": {key}: ")),
            "{name}: expected key `{key}` in:\n{msg}"
        );
        assert!(msg.contains("\n  hint: "), "{name}: no hint in:\n{msg}");
        for needle in *extra {
            assert!(
                msg.contains(needle),
                "{name}: expected `{needle}` in:\n{msg}"
            );
        }
    }
}

#[test]
fn an_invalid_fixture_reports_a_single_located_problem() {
    let err =
        config::load(&fixture_dir("config/invalid").join("rate_limit_string.toml")).unwrap_err();
    let ConfigError::Invalid { path, problems } = err else {
        panic!("wrong variant");
    };
    assert!(path.ends_with("rate_limit_string.toml"));
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert_eq!(p.line, Some(8));
    // `rate_limit_per_minute = ` is 24 characters; the value starts after them.
    assert_eq!(p.column, Some(25));
    assert_eq!(p.key, "[kore].rate_limit_per_minute");
}

#[test]
fn semantic_problems_are_all_reported_in_file_order() {
    let text = format!(
        "{}rate_limit_per_minute = 0\n\n[[agents]]\nid = \"\"\n\n[ui]\nconfirm = true\n",
        config_with_secret("{ env = \"KORE_CLIENT_SECRET\" }")
    )
    .replace("st-1", "");
    let err = load_text(&text).unwrap_err();
    let ConfigError::Invalid { problems, .. } = &err else {
        panic!("wrong variant: {err:?}");
    };
    let located: Vec<(Option<usize>, &str)> =
        problems.iter().map(|p| (p.line, p.key.as_str())).collect();
    assert_eq!(
        located,
        vec![
            (Some(3), "[kore].bot_id"),
            (Some(8), "[kore].rate_limit_per_minute"),
            (Some(11), "[[agents]] #1.id"),
        ]
    );
    let msg = err.to_string();
    assert_eq!(
        msg.lines().filter(|l| l.starts_with("test.toml:")).count(),
        3
    );
}

#[test]
fn tables_written_in_the_wrong_shape_are_explained() {
    let cases = [
        ("[[kore]]\n", "test.toml:1:", "[kore]", "single brackets"),
        (
            "kore = 5\n",
            "test.toml:1:",
            "[kore]",
            "expected a table, found an integer",
        ),
        (
            "agents = 3\n[kore]\n",
            "test.toml:1:",
            "[[agents]]",
            "expected a list",
        ),
        ("", "test.toml: ", "[kore]", "missing"),
    ];
    for (text, start, key, needle) in cases {
        let msg = load_text(text).unwrap_err().to_string();
        assert!(msg.starts_with(start), "{text:?}: {msg}");
        assert!(msg.contains(&format!(": {key}: ")), "{text:?}: {msg}");
        assert!(msg.contains(needle), "{text:?}: {msg}");
    }
}

// ---------------------------------------------------------------------------
// What the values mean
// ---------------------------------------------------------------------------

#[test]
fn a_minimal_config_gets_the_documented_defaults() {
    let loaded = config::load(&fixture_dir("config/valid").join("minimal.toml")).unwrap();
    let c = &loaded.config;
    assert_eq!(c.kore.host, "https://platform.kore.ai");
    assert_eq!(c.kore.bot_id, "st-1a2b3c");
    assert_eq!(
        c.kore.client_secret,
        SecretSource::Env("KORE_CLIENT_SECRET".into())
    );
    assert_eq!(c.kore.hooks_auth_header, "token");
    // Issue 18.18: tokens expire unless the config says 0.
    assert_eq!(c.kore.jwt_ttl_secs, 300);
    assert_eq!(c.kore.rate_limit_per_minute, 60);
    assert_eq!(c.kore.request_timeout_secs, 10);
    assert_eq!(c.callback.listen.to_string(), "127.0.0.1:8009");
    assert_eq!(c.callback.public_url, "http://localhost:8009");
    assert_eq!(c.callback.callback_timeout_secs, 120);
    assert_eq!(c.poll.conversations_secs, 10);
    assert_eq!(c.poll.agents_secs, 30);
    assert_eq!(c.events.experience, Experience::Chat);
    assert_eq!(c.events.language, "en");
    assert!(c.events.is_ext_ad);
    assert_eq!(c.events.cold_order, ColdOrderCfg::ExitFirst);
    assert_eq!(
        c.events.on_end,
        vec![ClosingCfg::TriggerSummary, ClosingCfg::EndOfConversation]
    );
    assert!(c.agents.is_empty());
    assert!(c.ui.confirm);
    assert_eq!(c.ui.theme, Theme::Auto);
    assert!(!c.ui.mouse);
    assert!(c.keys.is_empty());
    assert!(loaded.warnings.is_empty());
    assert!(loaded.path.ends_with("minimal.toml"));
}

#[test]
fn every_key_is_read_from_the_full_fixture() {
    let c = config::load(&fixture_dir("config/valid").join("full.toml"))
        .unwrap()
        .config;
    assert_eq!(c.kore.base_url(), "https://de-platform.kore.ai");
    assert_eq!(c.kore.org_id, "o-7");
    assert_eq!(c.kore.account_id, "acc-7");
    assert_eq!(c.kore.client_id, "cs-7");
    assert_eq!(
        c.kore.client_secret,
        SecretSource::Command(vec![
            "pass".into(),
            "show".into(),
            "kore/client-secret".into()
        ])
    );
    assert_eq!(c.kore.hooks_auth_header, "auth");
    assert_eq!(c.kore.jwt_ttl_secs, 300);
    assert_eq!(c.kore.rate_limit_per_minute, 120);
    assert_eq!(c.kore.request_timeout().as_secs(), 5);
    assert_eq!(c.callback.listen.to_string(), "0.0.0.0:9100");
    assert_eq!(
        c.callback.public_base(),
        "https://switchboard.example.com/cb"
    );
    assert_eq!(c.callback.callback_timeout().as_secs(), 60);
    assert_eq!(c.poll.conversations_interval(), None);
    assert_eq!(c.poll.agents_interval().map(|d| d.as_secs()), Some(15));
    assert_eq!(c.events.experience, Experience::Voice);
    assert_eq!(c.events.language, "de");
    assert!(!c.events.is_ext_ad);
    assert_eq!(c.events.cold_order, ColdOrderCfg::EntryFirst);
    assert_eq!(c.events.on_end, vec![ClosingCfg::EndOfConversation]);
    assert_eq!(c.agents.len(), 2);
    let mia = &c.agents[0];
    assert_eq!(mia.id, "a-1");
    assert_eq!(mia.identity(), "agent-1");
    assert_eq!(mia.display_name(), "Mia Chen");
    assert_eq!(mia.email.as_deref(), Some("mia@example.com"));
    assert_eq!(mia.queue_id.as_deref(), Some("qu-1"));
    assert_eq!(mia.queue_name.as_deref(), Some("Billing"));
    // Identity and name fall back to the id.
    assert_eq!(c.agents[1].identity(), "a-2");
    assert_eq!(c.agents[1].display_name(), "a-2");
    assert!(!c.ui.confirm);
    assert_eq!(c.ui.theme, Theme::Mono);
    assert!(c.ui.mouse);
    assert_eq!(c.keys.get("cold_transfer").map(String::as_str), Some("T"));
    assert_eq!(c.keys.get("quit").map(String::as_str), Some("Q"));
}

#[test]
fn inline_tables_and_dotted_keys_mean_the_same() {
    let c = config::load(&fixture_dir("config/valid").join("inline_and_dotted.toml"))
        .unwrap()
        .config;
    assert_eq!(c.kore.bot_id, "st-x");
    assert_eq!(c.callback.listen.to_string(), "[::1]:8009");
    assert_eq!(c.poll.agents_interval(), None);
    assert_eq!(c.poll.conversations_secs, 10);
    assert!(c.events.on_end.is_empty());
    assert_eq!(c.ui.theme, Theme::Light);
    assert_eq!(c.agents[1].display_name(), "Raj Patel");
}

#[test]
fn enums_print_their_config_spelling() {
    assert_eq!(ColdOrderCfg::EntryFirst.to_string(), "entry-first");
    assert_eq!(ClosingCfg::TriggerSummary.as_str(), "TRIGGER_SUMMARY_EVENT");
    assert_eq!(
        ClosingCfg::EndOfConversation.to_string(),
        "END_OF_CONVERSATION"
    );
    assert_eq!(Theme::Mono.to_string(), "mono");
    assert_eq!(Experience::Voice.as_str(), "voice");
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

#[test]
fn a_literal_secret_resolves_and_never_shows_in_debug() {
    let loaded = config::load(&fixture_dir("config/valid").join("literal_secret.toml")).unwrap();
    let secret = loaded.config.resolve_secret().unwrap();
    assert_eq!(secret.expose(), "literal-fixture-secret");
    assert!(loaded.config.kore.client_secret.is_literal());
    for shown in [
        format!("{:?}", loaded.config),
        format!("{loaded:?}"),
        format!("{:#?}", loaded.config.kore),
        format!("{secret:?}"),
        loaded.config.kore.client_secret.describe(),
        loaded.warnings.join("\n"),
    ] {
        assert!(
            !shown.contains("literal-fixture-secret"),
            "leaked in {shown}"
        );
    }
    assert!(format!("{:?}", loaded.config).contains("redacted"));
}

#[test]
fn an_env_secret_resolves_and_a_missing_one_is_named() {
    // Only this test uses these two variables.
    let set = "SWITCHBOARD_TEST_SECRET_FROM_ENV";
    let unset = "SWITCHBOARD_TEST_SECRET_NEVER_SET";
    // SAFETY: no other test reads or writes these variables, and the standard
    // library serialises its own environment access.
    unsafe {
        std::env::set_var(set, "env-s3cret");
        std::env::remove_var(unset);
    }
    let c = load_text(&config_with_secret(&format!("{{ env = \"{set}\" }}")))
        .unwrap()
        .config;
    assert_eq!(c.resolve_secret().unwrap().expose(), "env-s3cret");
    assert!(!format!("{c:?}").contains("env-s3cret"));

    let c = load_text(&config_with_secret(&format!("{{ env = \"{unset}\" }}")))
        .unwrap()
        .config;
    let err = c.resolve_secret().unwrap_err();
    assert!(matches!(err, ConfigError::SecretEnv { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(unset) && msg.contains("not set"), "{msg}");
    assert!(msg.contains("hint:"), "{msg}");
}

#[cfg(unix)]
#[test]
fn a_command_secret_resolves_to_its_trimmed_output() {
    let c = load_text(&config_with_secret(
        r#"{ command = ["printf", "  cmd-s3cret\n\n"] }"#,
    ))
    .unwrap()
    .config;
    assert_eq!(c.resolve_secret().unwrap().expose(), "cmd-s3cret");
}

#[cfg(unix)]
#[test]
fn a_failing_secret_command_is_named_but_its_output_is_not_shown() {
    let cases = [
        // Fails after printing: the output must not appear anywhere.
        (
            r#"{ command = ["sh", "-c", "echo cmd-s3cret; echo cmd-s3cret >&2; exit 3"] }"#,
            "`sh`",
            "exit code 3",
        ),
        (
            r#"{ command = ["switchboard-test-no-such-program", "cmd-s3cret"] }"#,
            "`switchboard-test-no-such-program`",
            "not found",
        ),
        (
            r#"{ command = ["true", "cmd-s3cret"] }"#,
            "`true`",
            "printed nothing",
        ),
    ];
    for (source, program, problem) in cases {
        let c = load_text(&config_with_secret(source)).unwrap().config;
        let err = c.resolve_secret().unwrap_err();
        assert!(matches!(err, ConfigError::SecretCommand { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(program), "{msg}");
        assert!(msg.contains(problem), "{msg}");
        assert!(!msg.contains("cmd-s3cret"), "leaked: {msg}");
        assert!(!format!("{err:?}").contains("cmd-s3cret"));
    }
}

#[test]
fn a_config_loads_without_its_secret_being_available() {
    // The variable is never set; loading only records where the secret lives.
    let text = config_with_secret("{ env = \"SWITCHBOARD_TEST_UNSET_AT_LOAD\" }");
    let loaded = load_text(&text).unwrap();
    assert_eq!(
        loaded.config.kore.client_secret.describe(),
        "the environment variable SWITCHBOARD_TEST_UNSET_AT_LOAD"
    );
    assert!(loaded.config.resolve_secret().is_err());
}

#[test]
fn errors_never_quote_a_literal_secret() {
    let cases = [
        // A syntax error on the secret's own line.
        config_with_secret("\"hunter2-unterminated"),
        // A secret of the wrong type.
        config_with_secret("123456789"),
        config_with_secret("[\"hunter2-in-a-list\"]"),
        // A later mistake in a file that holds a literal secret.
        format!(
            "{}rate_limit_per_minute = \"x\"\n",
            config_with_secret("\"hunter2-literal\"")
        ),
    ];
    for text in &cases {
        let err = load_text(text).unwrap_err();
        let shown = format!("{err}\n{err:?}");
        assert!(shown.contains("test.toml:"), "{shown}");
        for secret in ["hunter2", "123456789"] {
            assert!(!shown.contains(secret), "leaked {secret}: {shown}");
        }
    }
}

// ---------------------------------------------------------------------------
// File modes and the starter config
// ---------------------------------------------------------------------------

#[cfg(unix)]
fn write_with_mode(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_readable_literal_secret_gets_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let literal = config_with_secret("\"mode-s3cret\"");
    let env = config_with_secret("{ env = \"KORE_CLIENT_SECRET\" }");

    let open = dir.path().join("open.toml");
    write_with_mode(&open, &literal, 0o644);
    let warnings = config::load(&open).unwrap().warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert!(w.contains("open.toml"), "{w}");
    assert!(w.contains("chmod 600"), "{w}");
    assert!(w.contains("0644"), "{w}");
    assert!(w.contains("{ env = \"KORE_CLIENT_SECRET\" }"), "{w}");
    assert!(!w.contains("mode-s3cret"), "{w}");

    let group = dir.path().join("group.toml");
    write_with_mode(&group, &literal, 0o640);
    assert_eq!(config::load(&group).unwrap().warnings.len(), 1);

    let private = dir.path().join("private.toml");
    write_with_mode(&private, &literal, 0o600);
    assert!(config::load(&private).unwrap().warnings.is_empty());

    let from_env = dir.path().join("env.toml");
    write_with_mode(&from_env, &env, 0o644);
    assert!(config::load(&from_env).unwrap().warnings.is_empty());
}

#[test]
fn a_missing_file_points_to_demo_and_init() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.toml");
    let err = config::load(&path).unwrap_err();
    assert!(matches!(err, ConfigError::NotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("nowhere.toml"), "{msg}");
    assert!(msg.contains("switchboard demo"), "{msg}");
    assert!(msg.contains("switchboard init"), "{msg}");
}

#[test]
fn the_starter_is_written_once_privately_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/config.toml");
    config::write_starter(&path).unwrap();

    assert_eq!(fs::read_to_string(&path).unwrap(), config::STARTER);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "file mode {mode:o}");
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode & 0o077, 0, "dir mode {dir_mode:o}");
    }

    let loaded = config::load(&path).unwrap();
    assert_eq!(
        loaded.config.kore.client_secret,
        SecretSource::Env("KORE_CLIENT_SECRET".into())
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);

    // A second run refuses and leaves the edited file alone.
    fs::write(&path, "# edited by hand\n").unwrap();
    let err = config::write_starter(&path).unwrap_err();
    assert!(matches!(err, ConfigError::AlreadyExists { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("config.toml") && msg.contains("already exists"),
        "{msg}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "# edited by hand\n");
}

// ---------------------------------------------------------------------------
// config.example.toml
// ---------------------------------------------------------------------------

#[test]
fn the_example_is_the_starter_and_loads() {
    let path = example_path();
    assert_eq!(fs::read_to_string(&path).unwrap(), config::STARTER);
    let loaded = config::load(&path).unwrap();
    assert_eq!(
        loaded.config.kore.client_secret,
        SecretSource::Env("KORE_CLIENT_SECRET".into())
    );
    assert!(loaded.config.agents.is_empty());
}

/// Switches on the example's optional settings: lines written `#key = value`
/// or `#[[table]]`, as opposed to prose comments, which start with `# `.
fn enable_optional_settings(text: &str) -> String {
    text.lines()
        .map(|line| {
            let rest = line.strip_prefix('#').unwrap_or(line);
            let is_setting = line.starts_with('#')
                && (rest.starts_with('[')
                    || rest.split_once(" = ").is_some_and(|(k, _)| {
                        k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }));
            if is_setting { rest } else { line }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_example_with_every_optional_setting_switched_on_loads() {
    let text = enable_optional_settings(config::STARTER);
    assert_ne!(text, config::STARTER);
    let c = load_text(&text).unwrap().config;
    assert_eq!(c.kore.jwt_ttl_secs, 300);
    assert_eq!(c.agents.len(), 1);
    let agent = &c.agents[0];
    assert!(agent.identity.is_some() && agent.name.is_some() && agent.email.is_some());
    assert!(agent.queue_id.is_some() && agent.queue_name.is_some());
    assert_eq!(c.keys.get("cold_transfer").map(String::as_str), Some("t"));
}

#[test]
fn the_example_documents_every_key() {
    let text = enable_optional_settings(config::STARTER);
    let keys = [
        "host",
        "bot_id",
        "org_id",
        "account_id",
        "client_id",
        "client_secret",
        "hooks_auth_header",
        "jwt_ttl_secs",
        "rate_limit_per_minute",
        "request_timeout_secs",
        "listen",
        "public_url",
        "callback_timeout_secs",
        "conversations_secs",
        "agents_secs",
        "experience",
        "language",
        "is_ext_ad",
        "cold_order",
        "on_end",
        "id",
        "identity",
        "name",
        "email",
        "queue_id",
        "queue_name",
        "confirm",
        "theme",
        "mouse",
    ];
    let lines: Vec<&str> = text.lines().collect();
    for key in keys {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("`{key}` is not in config.example.toml"));
        // The line just above a key is its comment (or another key of a group
        // that shares one comment, or its table header).
        let mut above = at;
        while above > 0 && !lines[above - 1].starts_with("# ") {
            above -= 1;
            assert!(at - above <= 2, "`{key}` has no comment above it");
        }
    }
    for table in [
        "[kore]",
        "[callback]",
        "[poll]",
        "[events]",
        "[[agents]]",
        "[ui]",
        "[keys]",
    ] {
        assert!(
            lines.contains(&table),
            "{table} is not in config.example.toml"
        );
    }
    assert!(text.contains("\"token\"") && text.contains("\"auth\""));
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

#[test]
fn the_flag_beats_the_environment_which_beats_the_default() {
    let flag = Path::new("/from/flag.toml");
    let env = OsStr::new("/from/env.toml");
    assert_eq!(
        config::resolve_path_with(Some(flag), Some(env)),
        Some(flag.to_path_buf())
    );
    assert_eq!(
        config::resolve_path_with(None, Some(env)),
        Some(PathBuf::from("/from/env.toml"))
    );
    assert_eq!(
        config::resolve_path_with(None, None),
        config::default_path()
    );
    assert_eq!(
        config::resolve_path_with(None, Some(OsStr::new(""))),
        config::default_path()
    );
    if let Some(default) = config::default_path() {
        assert!(default.ends_with("config.toml"), "{}", default.display());
        assert!(
            default.components().any(|c| c.as_os_str() == "switchboard"),
            "{}",
            default.display()
        );
    }
}

#[test]
fn resolve_path_reads_switchboard_config() {
    // The only test that touches SWITCHBOARD_CONFIG.
    // SAFETY: no other test reads or writes this variable.
    unsafe { std::env::set_var(config::CONFIG_ENV, "/from/env/config.toml") };
    let from_env = config::resolve_path(None);
    let from_flag = config::resolve_path(Some(Path::new("/from/flag.toml")));
    unsafe { std::env::remove_var(config::CONFIG_ENV) };
    let fallback = config::resolve_path(None);

    assert_eq!(from_env, Some(PathBuf::from("/from/env/config.toml")));
    assert_eq!(from_flag, Some(PathBuf::from("/from/flag.toml")));
    assert_eq!(fallback, config::default_path());
}

#[test]
fn data_and_state_dirs_follow_their_overrides() {
    // The only test that touches the two dir variables.
    let data = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    // SAFETY: no other test reads or writes these variables.
    unsafe {
        std::env::remove_var(config::STATE_DIR_ENV);
        std::env::set_var(config::DATA_DIR_ENV, data.path());
    }
    assert_eq!(config::data_dir(), data.path());
    // With only the data dir set, state goes there too.
    assert_eq!(config::state_dir(), data.path());

    unsafe { std::env::set_var(config::STATE_DIR_ENV, state.path()) };
    assert_eq!(config::state_dir(), state.path());
    assert_eq!(config::data_dir(), data.path());

    unsafe {
        std::env::remove_var(config::DATA_DIR_ENV);
        std::env::remove_var(config::STATE_DIR_ENV);
    }
    assert_ne!(config::data_dir(), data.path());
    assert_ne!(config::state_dir(), state.path());
    assert!(!config::data_dir().as_os_str().is_empty());
}

/// Issue 9.6: `--config /dev/zero` grew to gigabytes and a FIFO hung with a
/// blank screen.
#[cfg(unix)]
#[test]
fn only_a_regular_file_of_sane_size_is_read_as_a_config() {
    let err = config::load(Path::new("/dev/zero")).unwrap_err();
    assert!(matches!(err, ConfigError::NotAFile { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = config::load(dir.path()).unwrap_err();
    assert!(matches!(err, ConfigError::NotAFile { .. }), "{err:?}");
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let err = config::load(&fifo).unwrap_err();
    assert!(matches!(err, ConfigError::NotAFile { .. }), "{err:?}");
    // Not blocked on the FIFO (no writer would ever come).
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let big = dir.path().join("big.toml");
    let mut text = config_with_secret("\"s\"");
    text.push_str(&format!("\n# {}\n", "x".repeat(2 << 20)));
    fs::write(&big, text).unwrap();
    let err = config::load(&big).unwrap_err();
    assert!(matches!(err, ConfigError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("KiB"), "{err}");
}

/// Issue 9.6: `command = ["yes"]` read 13 GB, and a command that never
/// returns hung the start.
#[cfg(unix)]
#[test]
fn a_secret_command_is_bounded_in_output_and_time() {
    let c = load_text(&config_with_secret(
        r#"{ command = ["yes", "cmd-s3cret"] }"#,
    ))
    .unwrap()
    .config;
    let started = std::time::Instant::now();
    let err = c.resolve_secret().unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("printed more than"), "{msg}");
    assert!(!msg.contains("cmd-s3cret"));
    // `yes` never ends: only the output cap could have stopped it.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));

    let mut text = config_with_secret(r#"{ command = ["sleep", "30"] }"#);
    text = text.replace("[kore]\n", "[kore]\nsecret_command_timeout_secs = 1\n");
    let c = load_text(&text).unwrap().config;
    assert_eq!(c.kore.secret_command_timeout_secs, 1);
    let started = std::time::Instant::now();
    let err = c.resolve_secret().unwrap_err();
    assert!(
        err.to_string().contains("did not finish within 1 s"),
        "{err}"
    );
    // Well short of the command's 30 s, with room for a loaded machine.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// Issue 18.17: a secret command's time-out ends what it started too: a
/// shell's background `sleep` (a grandchild) is gone after the time-out.
#[cfg(unix)]
#[test]
fn a_secret_command_time_out_kills_its_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("grandchild.pid");
    let script = format!("sleep 300 & echo $! > '{}'; wait", pid_file.display());
    let mut text = config_with_secret(&format!(
        r#"{{ command = ["sh", "-c", {}] }}"#,
        toml_string(&script)
    ));
    text = text.replace("[kore]\n", "[kore]\nsecret_command_timeout_secs = 1\n");
    let c = load_text(&text).unwrap().config;
    let err = c.resolve_secret().unwrap_err();
    assert!(
        err.to_string().contains("did not finish within 1 s"),
        "{err}"
    );
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Killed: gone, or a zombie until its new parent reaps it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit(')').next().map(|r| r.trim().chars().next()))
            .flatten();
        if matches!(state, None | Some('Z') | Some('X')) {
            break;
        }
        if std::time::Instant::now() > deadline {
            // SAFETY: kill(2) on the sleep this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the grandchild {pid} outlived the time-out (state {state:?})");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Issue 11.3: the actions' share can be set, but never so large that the
/// polls could not run; the hooks API's own budget is read too.
#[test]
fn the_actions_reserve_must_leave_room_for_polls() {
    let text = format!(
        "{}rate_limit_per_minute = 60\nreserved_for_actions_per_minute = 60\nhooks_rate_limit_per_minute = 0\n",
        config_with_secret("{ env = \"KORE_CLIENT_SECRET\" }")
    );
    let err = load_text(&text).unwrap_err();
    let ConfigError::Invalid { problems, .. } = &err else {
        panic!("wrong variant: {err:?}");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].key, "[kore].reserved_for_actions_per_minute");
    assert!(err.to_string().contains("polls could never run"), "{err}");
    let ok = text.replace(
        "reserved_for_actions_per_minute = 60",
        "reserved_for_actions_per_minute = 20",
    );
    let loaded = load_text(&ok).unwrap();
    assert_eq!(loaded.config.kore.reserved_for_actions_per_minute, Some(20));
    assert_eq!(loaded.config.kore.hooks_rate_limit_per_minute, Some(0));
}

/// Issue 12.3: `[alerts]` and its per-queue overrides are read, and
/// thresholds that could never show are located at their key.
#[test]
fn alerts_are_read_and_their_mistakes_located() {
    let base = config_with_secret("{ env = \"KORE_CLIENT_SECRET\" }");
    let text = format!(
        "{base}\n[alerts]\nwarn_wait_secs = 30\ncritical_wait_secs = 90\nbell = true\n\n[alerts.queues.Billing]\ncritical_wait_secs = 20\n"
    );
    let err = load_text(&text).unwrap_err();
    let ConfigError::Invalid { problems, .. } = &err else {
        panic!("wrong variant: {err:?}");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].key.contains("Billing") && problems[0].key.contains("critical_wait_secs"),
        "{problems:?}"
    );
    assert!(
        err.to_string().contains("above warn_wait_secs (30)"),
        "{err}"
    );
    let ok = text.replace("critical_wait_secs = 20", "critical_wait_secs = 45");
    let alerts = load_text(&ok).unwrap().config.alerts.alerts();
    assert!(alerts.bell);
    assert_eq!(alerts.for_queue("q-9", "Billing").critical_wait_secs, 45);
    assert_eq!(alerts.for_queue("q-9", "Billing").warn_wait_secs, 30);
    assert_eq!(alerts.for_queue("q-8", "Sales").critical_wait_secs, 90);
}

// ---------------------------------------------------------------------------
// [team]
// ---------------------------------------------------------------------------

#[test]
fn without_a_team_table_there_is_no_team() {
    let c = load_text(&config_with_secret("{ env = \"X\" }"))
        .unwrap()
        .config;
    assert_eq!(c.team, None);
}

#[test]
fn the_team_table_is_read_with_its_defaults() {
    let text = format!(
        "{}\n[team]\nredis_url = \"redis://127.0.0.1:6379\"\n",
        config_with_secret("{ env = \"X\" }")
    );
    let c = load_text(&text).unwrap().config;
    let team = c.team.clone().unwrap();
    assert_eq!(team.password, None);
    assert_eq!(team.lease_ms, config::DEFAULT_LEASE_MS);
    let prefix = team.key_prefix(&c.kore);
    assert_eq!(
        prefix,
        config::default_key_prefix("https://platform.kore.ai", "st-1")
    );
    assert!(!prefix.contains("cs-1") && !prefix.contains("acc-1"));
    let name = team.member_name();
    assert!(!name.is_empty() && name.chars().count() <= config::MAX_TEAM_NAME_CHARS);

    let full = config::load(&fixture_dir("config/valid").join("team.toml")).unwrap();
    let team = full.config.team.unwrap();
    assert_eq!(team.member_name(), "Mia");
    assert_eq!(team.key_prefix(&full.config.kore), "switchboard:billing:");
    assert_eq!(
        team.password,
        Some(SecretSource::Env("SWITCHBOARD_REDIS_PASSWORD".into()))
    );
}

#[test]
fn a_redis_password_is_never_shown() {
    let text = format!(
        "{}\n[team]\nredis_url = \"ftp://:hunter2@127.0.0.1:6379\"\n",
        config_with_secret("{ env = \"X\" }")
    );
    let err = load_text(&text).unwrap_err().to_string();
    assert!(err.contains("[team].redis_url"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let team = config::TeamConfig::new("rediss://u:hunter2@cache.example:6380/0");
    assert_eq!(team.masked_url(), "rediss://u:***@cache.example:6380/0");
    assert!(team.password_in_file());
    let mut from_env = config::TeamConfig::new("redis://127.0.0.1");
    from_env.password = Some(SecretSource::Env("SWITCHBOARD_TEST_NO_SUCH_VAR_21".into()));
    let err = from_env.resolve_password().unwrap_err().to_string();
    assert!(
        err.starts_with("[team].password: the environment variable"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_readable_redis_password_gets_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let base = config_with_secret("{ env = \"KORE_CLIENT_SECRET\" }");
    let in_url = format!("{base}\n[team]\nredis_url = \"redis://:pw-in-url@127.0.0.1\"\n");
    let literal =
        format!("{base}\n[team]\nredis_url = \"redis://127.0.0.1\"\npassword = \"pw-literal\"\n");
    for (name, text, secret) in [
        ("url", &in_url, "pw-in-url"),
        ("lit", &literal, "pw-literal"),
    ] {
        let path = dir.path().join(format!("{name}.toml"));
        write_with_mode(&path, text, 0o644);
        let warnings = config::load(&path).unwrap().warnings;
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("Redis password"), "{}", warnings[0]);
        assert!(!warnings[0].contains(secret), "{}", warnings[0]);
        write_with_mode(&path, text, 0o600);
        assert!(config::load(&path).unwrap().warnings.is_empty());
    }
}
