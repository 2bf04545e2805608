//! `switchboard check`: the config, the secret, a signed token, Kore's
//! answer, the callback listener and (with `[team]`) Redis, a JSON line each.

use super::*;

/// `init` writes placeholders; a config that still has them cannot work:
/// a warning for each id that still holds one (said on stderr too).
fn placeholder_warnings(loaded: &crate::config::Loaded) -> Vec<String> {
    let config = &loaded.config;
    let mut warnings = Vec::new();
    for (name, value) in [
        ("bot_id", &config.kore.bot_id),
        ("org_id", &config.kore.org_id),
        ("account_id", &config.kore.account_id),
        ("client_id", &config.kore.client_id),
    ] {
        if value.contains("replace-with-your") {
            let w = format!(
                "{}: [kore].{name} still holds the placeholder that `switchboard init` wrote; put your own id there",
                loaded.path.display()
            );
            note!("warning: {w}");
            warnings.push(w);
        }
    }
    warnings
}

/// `switchboard check`: the config loads, the secret resolves, a token signs,
/// and the host answers an authenticated request.
pub async fn check(cli_config: Option<&Path>, allow_insecure_http: bool) -> Result<i32, Fail> {
    let loaded = load_config(cli_config)?;
    let config = &loaded.config;
    let mut warnings = loaded.warnings.clone();
    warnings.extend(placeholder_warnings(&loaded));
    emit(&json!({
        "check": "config",
        "ok": true,
        "path": loaded.path.display().to_string(),
        "bot_id": config.kore.bot_id,
        "host": client::without_credentials(&config.kore.host),
        "warnings": warnings,
    }));
    let secret = match loaded.config.resolve_secret() {
        Ok(s) => s,
        Err(e) => {
            emit(
                &json!({"check": "secret", "ok": false, "message": e.to_string(),
                "source": config.kore.client_secret.describe()}),
            );
            return Ok(EXIT_USAGE);
        }
    };
    emit(&json!({"check": "secret", "ok": true, "source": config.kore.client_secret.describe()}));
    let signed = crate::kore::jwt::Signer::new(
        &config.kore.client_id,
        &secret,
        Some(config.kore.jwt_ttl_secs),
    )
    .and_then(|s| s.sign().map(|t| (s, t)));
    let (signer, token) = match signed {
        Ok(pair) => pair,
        Err(e) => {
            emit(&json!({"check": "token", "ok": false, "message": e.to_string()}));
            return Ok(EXIT_USAGE);
        }
    };
    // The claim names of what was actually signed, not of what was configured.
    let claims: Vec<String> = match serde_json::to_value(signer.claims()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    note!("token: {}", signer.form());
    emit(&json!({"check": "token", "ok": true, "alg": "HS256",
        "fingerprint": token.fingerprint(), "claims": claims, "form": signer.form(),
        "expires": signer.ttl_secs().is_some()}));
    let client = match KoreClient::new(&client_settings(config, secret, allow_insecure_http)) {
        Ok(c) => c,
        Err(e) => {
            emit(&json!({"check": "reach", "ok": false, "message": e.to_string()}));
            note!("error: {}: [kore] {e}", loaded.path.display());
            return Ok(EXIT_USAGE);
        }
    };
    let query = crate::kore::wire::ConversationQuery {
        limit: Some(1),
        ..Default::default()
    };
    let call = client.list_conversations(&query, Priority::User).await;
    let ok = call.is_ok();
    let mut line = call_json(&call, 1, json!({"check": "reach"}));
    if let Value::Object(o) = &mut line {
        // The body summary is enough here; the full record is noise.
        o.remove("response");
    }
    emit(&line);
    if let Err(e) = &call.outcome {
        note!(
            "error: {} did not answer as expected: {e}",
            client::without_credentials(&config.kore.host)
        );
        if matches!(e, CallError::Api { status: 401, .. }) {
            note!("  hint: check client_id and the client secret");
        }
    }
    let listening = check_callback(config).await;
    let team_ok = match &config.team {
        Some(team) => check_team(team, &config.kore).await,
        None => true,
    };
    Ok(if ok && listening && team_ok {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// `[team]`: the password resolves and Redis answers PING. The URL is
/// shown masked; false when either fails.
async fn check_team(team: &crate::config::TeamConfig, kore: &crate::config::KoreConfig) -> bool {
    let mut line = json!({"check": "team", "redis_url": team.masked_url(),
        "name": team.member_name(), "key_prefix": team.key_prefix(kore),
        "password": team.password.as_ref().map(|p| p.describe())});
    let answered = async {
        let settings = crate::team::TeamSettings::from_config(team, kore)?;
        crate::team::Team::connect(&settings)?.ping().await
    }
    .await;
    line["ok"] = json!(answered.is_ok());
    if let Err(e) = &answered {
        line["message"] = json!(e.to_string());
        note!(
            "error: [team] {e}\n  hint: check redis_url and the password, and that Redis runs and this machine reaches it"
        );
    }
    emit(&line);
    answered.is_ok()
}

/// Binds the callback listener as the console would, and posts to its
/// `public_url` from here: a line that says whether it listens, and whether
/// the public URL reaches it from this machine (Kore may reach it another
/// way, through a tunnel, so that alone is not a failure). False when it
/// cannot listen.
async fn check_callback(config: &Config) -> bool {
    let listen = config.callback.listen.to_string();
    let public = config.callback.public_base().to_string();
    let (listener, mut received) = match CallbackListener::start(&listen, &public).await {
        Ok(pair) => pair,
        Err(e) => {
            emit(&json!({"check": "callback", "ok": false, "listen": listen,
                "message": e.to_string(), "hint": e.hint()}));
            note!("error: {e}\n  hint: {}", e.hint());
            return false;
        }
    };
    let probe = listener.url_for("check");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let sent = match http {
        Ok(h) => h
            .post(&probe)
            .json(&json!({"status": "check"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let arrived = tokio::time::timeout(Duration::from_secs(1), received.recv())
        .await
        .ok()
        .flatten()
        .is_some();
    let note = if arrived {
        "public_url reaches the listener from here".to_string()
    } else {
        let why = match &sent {
            Ok(status) => format!("it answered {status}, but not from this listener"),
            Err(e) => client::redact_userinfo(e),
        };
        format!(
            "public_url does not reach the listener from here ({why}); Kore needs to reach it, e.g. through a tunnel"
        )
    };
    if !arrived {
        note!("warning: {note}");
    }
    emit(
        &json!({"check": "callback", "ok": true, "listen": listener.local_addr().to_string(),
        "public_url": client::without_credentials(&public), "reachable_from_here": arrived,
        "message": note}),
    );
    listener.shutdown().await;
    true
}
