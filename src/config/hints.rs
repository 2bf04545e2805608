//! What each key is for and how to write it: the hint shown under a
//! problem, whether it was found while parsing or while checking.

/// What a key is for and how to write it, by key path without positions.
pub(super) fn key_hint(path: &str) -> Option<&'static str> {
    kore_hint(path).or_else(|| other_hint(path))
}

/// [`key_hint`] for the keys of `[kore]`.
fn kore_hint(path: &str) -> Option<&'static str> {
    Some(match path {
        "kore.host" => {
            "write the base URL of your Kore.ai platform, e.g. host = \"https://platform.kore.ai\""
        }
        "kore.bot_id" => {
            "the bot id (also its stream id, starting with st-) from the bot's settings on the Kore.ai platform"
        }
        "kore.org_id" | "kore.account_id" => "copy it from your Kore.ai account settings",
        "kore.client_id" => "the client id of the app whose credentials sign the JWTs",
        "kore.client_secret" => {
            "write client_secret = { env = \"KORE_CLIENT_SECRET\" }, { command = [\"pass\", \"kore\"] } or a quoted string"
        }
        "kore.client_secret.env" => {
            "name an environment variable, e.g. client_secret = { env = \"KORE_CLIENT_SECRET\" }"
        }
        "kore.client_secret.command" => {
            "give the program and its arguments as a list, e.g. client_secret = { command = [\"pass\", \"kore\"] }"
        }
        "kore.hooks_auth_header" => {
            "a header name: Kore's docs show both \"token\" and \"auth\"; \"token\" is the default"
        }
        "kore.jwt_ttl_secs" => {
            "a number of seconds without quotes, e.g. jwt_ttl_secs = 300 (the default); 0 signs appId alone, with no expiry"
        }
        "kore.rate_limit_per_minute" => {
            "the requests per minute your account allows, a whole number of at least 1 without quotes, e.g. rate_limit_per_minute = 60"
        }
        "kore.hooks_rate_limit_per_minute" => {
            "the hooks API's own requests per minute, a whole number without quotes (0: no limit), e.g. hooks_rate_limit_per_minute = 0; leave it out to share rate_limit_per_minute"
        }
        "kore.reserved_for_actions_per_minute" => {
            "requests per minute the polls always leave to your actions, a whole number without quotes below rate_limit_per_minute, e.g. reserved_for_actions_per_minute = 20"
        }
        "kore.request_timeout_secs" => {
            "seconds as a whole number of at least 1 without quotes, e.g. request_timeout_secs = 10"
        }
        "kore.retry_uncertain_hooks" => "true or false without quotes",
        "kore.max_response_bytes" => {
            "a number of bytes from 65536 to 268435456 without quotes, e.g. max_response_bytes = 4194304"
        }
        "kore.secret_command_timeout_secs" => {
            "seconds from 1 to 600 without quotes, e.g. secret_command_timeout_secs = 10"
        }
        "kore.max_retry_after_secs" => {
            "seconds from 1 to 3600 without quotes, e.g. max_retry_after_secs = 120"
        }
        "kore.retry_max_attempts" => {
            "a whole number from 1 to 100 without quotes, e.g. retry_max_attempts = 6"
        }
        _ => return None,
    })
}

/// [`key_hint`] for every key outside `[kore]`.
fn other_hint(path: &str) -> Option<&'static str> {
    Some(match path {
        "callback.listen" => {
            "an IP address and a port, e.g. listen = \"127.0.0.1:8009\"; use \"0.0.0.0:8009\" to listen on every interface"
        }
        "callback.public_url" => {
            "the http(s) base URL at which Kore reaches this console's listener, e.g. public_url = \"https://switchboard.example.com\""
        }
        "callback.callback_timeout_secs" => {
            "seconds as a whole number of at least 1 without quotes, e.g. callback_timeout_secs = 120"
        }
        "poll.conversations_secs" | "poll.agents_secs" => {
            "seconds between polls as a whole number without quotes; 0 turns this poll off"
        }
        "events.experience" => "use \"chat\" or \"voice\"",
        "events.language" => "a language code such as \"en\" or \"de\"",
        "events.is_ext_ad" => "write true or false without quotes",
        "events.cold_order" => "use \"exit-first\" (the documented flow) or \"entry-first\"",
        "events.on_end" => {
            "a list drawn from \"TRIGGER_SUMMARY_EVENT\" and \"END_OF_CONVERSATION\", with END_OF_CONVERSATION last, e.g. on_end = [\"TRIGGER_SUMMARY_EVENT\", \"END_OF_CONVERSATION\"]"
        }
        "alerts.warn_wait_secs" | "alerts.critical_wait_secs" => {
            "seconds of waiting as a whole number without quotes (0: off), warn below critical, e.g. warn_wait_secs = 60 and critical_wait_secs = 180"
        }
        "alerts.sla_secs" => {
            "seconds within which an answer counts for the service level, at least 1, e.g. sla_secs = 20"
        }
        "alerts.sla_target_pct" => {
            "a percentage from 0 to 100 without quotes, e.g. sla_target_pct = 80"
        }
        "alerts.bell" => "write true or false without quotes",
        "alerts.queues" => {
            "one table per queue, by its name or id, e.g. [alerts.queues.Billing] with critical_wait_secs = 120"
        }
        p if p.starts_with("alerts.queues.") => {
            "a queue's table takes warn_wait_secs, critical_wait_secs, sla_secs and sla_target_pct, each a whole number without quotes"
        }
        "kore" | "callback" | "poll" | "events" | "ui" | "alerts" | "team" => {
            "write it as a [table] header on its own line, with its keys below it"
        }
        "agents" => "write each agent as its own [[agents]] table with at least an id",
        "agents.id" => "give every [[agents]] entry its own Kore agent id, e.g. id = \"a-123\"",
        "agents.identity" | "agents.name" | "agents.email" | "agents.queue_id"
        | "agents.queue_name" => "a quoted string, or remove the line",
        "ui.confirm" | "ui.mouse" | "ui.show_customer_contact" => {
            "write true or false without quotes"
        }
        "ui.theme" => "use one of \"auto\", \"dark\", \"light\", \"mono\"",
        "keys" => "each line maps an action to a key, e.g. cold_transfer = \"t\"",
        p if p.starts_with("keys.") => {
            "each line maps an action to a key in quotes, e.g. cold_transfer = \"t\""
        }
        _ => return team_hint(path),
    })
}

/// [`key_hint`] for the keys of `[team]`.
fn team_hint(path: &str) -> Option<&'static str> {
    Some(match path {
        "team.redis_url" => {
            "the Redis the team shares, e.g. redis_url = \"redis://127.0.0.1:6379\" or \"rediss://cache.example.com:6380\" for TLS; give the password in password, not in the URL"
        }
        "team.password" => {
            "write password = { env = \"SWITCHBOARD_REDIS_PASSWORD\" }, { command = [\"pass\", \"redis\"] } or a quoted string; leave it out when Redis wants none"
        }
        "team.password.env" => {
            "name an environment variable, e.g. password = { env = \"SWITCHBOARD_REDIS_PASSWORD\" }"
        }
        "team.password.command" => {
            "give the program and its arguments as a list, e.g. password = { command = [\"pass\", \"redis\"] }"
        }
        "team.name" => {
            "how teammates see you, a quoted string of at most 32 characters, e.g. name = \"Mia\"; leave it out to use your user name"
        }
        "team.key_prefix" => {
            "a quoted prefix without spaces, e.g. key_prefix = \"switchboard:billing:\"; leave it out to derive one from the host and the bot"
        }
        "team.lease_ms" => "milliseconds from 1000 to 60000 without quotes, e.g. lease_ms = 5000",
        _ => return None,
    })
}
