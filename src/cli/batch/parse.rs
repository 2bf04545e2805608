//! Reading a batch line: the JSON of one `send` or `assign`, checked as
//! the single command checks its flags.

use super::*;

/// A `send --batch` line as written: the single command's flags by name
/// (`what` as in the example, `verb` also taken).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SendLine {
    #[serde(alias = "verb")]
    what: String,
    conversation: String,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    experience: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

/// An `assign --batch` line: a bot session and an agent or a queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AssignLine {
    #[serde(default, alias = "verb")]
    what: Option<String>,
    session: String,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    queue: Option<String>,
    /// Seconds to wait for its callback.
    #[serde(default)]
    timeout: Option<u64>,
}

/// serde's message, with the column (the line is its own).
pub(super) fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => format!("{} (column {})", &text[..at], e.column()),
        None => text,
    }
}

pub(super) fn checked_id(field: &str, value: &str) -> Result<String, String> {
    match config::id_problem(value) {
        Some(problem) => Err(format!("{field}: the id {problem}")),
        None => Ok(value.trim().to_string()),
    }
}

pub(super) fn checked_opt_id(field: &str, value: Option<String>) -> Result<Option<String>, String> {
    value.map(|v| checked_id(field, &v)).transpose()
}

/// A send line checked: the same rules as the flags of `send`.
pub(super) fn parse_send(text: &str) -> Result<SendOrder, String> {
    let line: SendLine = serde_json::from_str(text).map_err(|e| json_problem(&e))?;
    let kind = match Verb::from_name(line.what.trim()) {
        Some(Verb::Assign) => {
            return Err(
                "assign is not a hooks event: put it in a batch for `switchboard assign --batch`"
                    .into(),
            );
        }
        Some(v) => v,
        None => {
            let names: Vec<&str> = Verb::hooks().map(Verb::name).collect();
            return Err(format!(
                "unknown verb {:?}: one of {}",
                line.what,
                names.join(", ")
            ));
        }
    };
    let conversation = checked_id("conversation", &line.conversation)?;
    let agent = checked_opt_id("agent", line.agent)?;
    let from = checked_opt_id("from", line.from)?;
    if let Some(e) = &line.experience
        && !matches!(e.as_str(), "chat" | "voice")
    {
        return Err(format!("experience must be chat or voice, not {e:?}"));
    }
    if let Some(l) = &line.language
        && let Some(problem) = config::language_problem(l)
    {
        return Err(format!("language: the language {problem}"));
    }
    if from.is_some() && kind != Verb::Cold {
        return Err("from only goes with cold".into());
    }
    if agent.is_none() && kind != Verb::End {
        return Err(format!("{} needs agent (the Kore aId)", kind.name()));
    }
    Ok(SendOrder {
        kind,
        conversation,
        agent,
        from,
        experience: line.experience,
        language: line.language.map(|l| l.trim().to_string()),
        // A batch looks its agents up itself and does not refuse unknown ones.
        force: true,
    })
}

/// An assign line checked: a session, exactly one of agent and queue.
pub(super) fn parse_assign(text: &str) -> Result<super::super::AssignOrder, String> {
    let line: AssignLine = serde_json::from_str(text).map_err(|e| json_problem(&e))?;
    if let Some(w) = &line.what
        && w.trim() != "assign"
    {
        return Err(format!(
            "an assign batch takes only assigns, not {w:?} (hooks events go to `switchboard send --batch`)"
        ));
    }
    let session = checked_id("session", &line.session)?;
    let target = match (
        checked_opt_id("agent", line.agent)?,
        checked_opt_id("queue", line.queue)?,
    ) {
        (Some(a), None) => AssignTarget::Agent(a),
        (None, Some(q)) => AssignTarget::Queue(q),
        _ => return Err("give exactly one of agent and queue".into()),
    };
    if line.timeout.is_some_and(|t| !(1..=86_400).contains(&t)) {
        return Err("timeout must be from 1 to 86400 (seconds)".into());
    }
    Ok(super::super::AssignOrder {
        session,
        target,
        timeout_secs: line.timeout,
        force: true,
    })
}
