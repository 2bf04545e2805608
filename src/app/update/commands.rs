//! The `:` command line, the commands that take a word (in their key form
//! and their `:` form), the text inputs' caps, and the `n` form.

use super::*;
use crate::app::command::{self, Arg};

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

/// How many agents of the directory `query` could mean.
pub(super) fn matching_agents(state: &State, query: &str) -> usize {
    let q = query.trim().to_lowercase();
    state
        .model
        .agents
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&q) || a.id.to_lowercase().starts_with(&q))
        .count()
}

pub(super) fn find_agent(state: &State, query: &str) -> Result<Agent, String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Err("name an agent (id or part of the name)".into());
    }
    if let Some(a) = state.model.agents.iter().find(|a| a.id.to_lowercase() == q) {
        return Ok(a.clone());
    }
    let matches: Vec<&Agent> = state
        .model
        .agents
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&q) || a.id.to_lowercase().starts_with(&q))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let known: Vec<(String, String)> = state
                .model
                .agents
                .iter()
                .map(|a| (a.id.clone(), a.name.clone()))
                .collect();
            let near = crate::app::text::closest(query.trim(), &known, 3);
            Err(if near.is_empty() {
                format!("no agent matches {query:?}")
            } else {
                format!("no agent matches {query:?}; closest: {}", near.join(", "))
            })
        }
        many => Err(format!(
            "{query:?} matches {} agents ({}…); be more precise",
            many.len(),
            many.iter()
                .take(3)
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Runs a `:` line: its verb names a registry command; what the registry
/// says cannot run now is refused with the reason. A verb that takes a
/// word (its `Arg`) gets the rest of the line; the others take no word
/// and do what their key does.
pub(super) fn run_command(state: &mut State, line: &str) -> Vec<Effect> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    if word.is_empty() {
        return Vec::new();
    }
    let Some(cmd) = command::colon_command(word) else {
        state.refuse(command::unknown_colon_command(word));
        return Vec::new();
    };
    if let Err(why) = cmd.enabled(state) {
        state.refuse(why);
        return Vec::new();
    }
    if cmd.colon().is_some_and(|c| c.arg != Arg::None) {
        dispatch(state, cmd, Some(rest))
    } else {
        run(state, cmd)
    }
}

// ---------------------------------------------------------------------------
// Commands with a word: the key's form (`None`) or the `:` form
// ---------------------------------------------------------------------------

/// `/` opens the focused list's filter; `:filter TEXT` sets the
/// conversations' at once.
pub(super) fn filter(
    views: &mut Views,
    log: &Log,
    model: &Model,
    word: Option<&str>,
) -> Vec<Effect> {
    match word {
        None => open_filter(views, log),
        Some(text) => {
            views.list.filter = text.to_string();
            keep_selection_visible(views, model);
        }
    }
    Vec::new()
}

/// `s` cycles the focused list's sort; `:sort WORD` names one (of the
/// conversations, the queues or the agents).
pub(super) fn sort(
    views: &mut Views,
    log: &mut Log,
    now_ms: i64,
    word: Option<&str>,
) -> Vec<Effect> {
    let Some(word) = word else {
        next_sort(views);
        return Vec::new();
    };
    if matches!(word, "time" | "status") {
        sort_agents(views, word == "time");
        return Vec::new();
    }
    if let Some(by) = QueueSort::parse(word) {
        views.queues.sort = by;
        views.say(format!("queues sorted by {}", by.label()));
        return Vec::new();
    }
    views.list.sort = match SortBy::parse(word) {
        Some(by) => by,
        None => {
            views.refuse(
                log,
                now_ms,
                "usage: :sort urgency|state|age|id|channel, for the queues \
                 :sort name|waiting|engaged|longest|average|asa|drops|free|service, \
                 for the agents :sort time|status",
            );
            return Vec::new();
        }
    };
    Vec::new()
}

/// `!` turns the problems-only view over; `:problems [on|off]`.
pub(super) fn problems(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    let on = match word.unwrap_or("") {
        "" => !state.views.problems_only,
        "on" | "yes" | "true" => true,
        "off" | "no" | "false" => false,
        _ => return refused(state, "usage: :problems [on|off]".into()),
    };
    set_problems_only(state, on);
    Vec::new()
}

/// `f` turns the log's following over; `:follow on|off` sets it quietly.
pub(super) fn follow(views: &mut Views, log: &mut Log, word: Option<&str>) -> Vec<Effect> {
    match word {
        None => toggle_follow(views, log),
        Some(word) => log.follow = !matches!(word, "off" | "no" | "false"),
    }
    Vec::new()
}

/// `F` turns the freshness column over; `:fresh on|off`.
pub(super) fn fresh(
    views: &mut Views,
    model: &Model,
    now_ms: i64,
    word: Option<&str>,
) -> Vec<Effect> {
    let on = match word.unwrap_or("") {
        "" => !views.list.fresh_column,
        "off" | "no" | "false" => false,
        _ => true,
    };
    set_fresh_column(views, model, now_ms, on);
    Vec::new()
}

/// `a`, `e`, `t`, `w` open the picker; `:assign NAME` (or `queue NAME`),
/// `:enter NAME`, `:cold NAME`, `:warm NAME` name the agent.
pub(super) fn pick(state: &mut State, purpose: Verb, word: Option<&str>) -> Vec<Effect> {
    match word {
        None => start_pick(state, purpose),
        Some(name) => agent_command(state, purpose, name),
    }
}

/// `x` removes the roster's selected agent; `:remove NAME` names one.
pub(super) fn remove(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    match word {
        None => start_remove(state, None),
        Some(name) => remove_named(state, name),
    }
}

/// A key bound to `:redial` writes the verb; `:redial NAME` plans it.
pub(super) fn redial(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    let Some(name) = word else {
        open_line(&mut state.views, Some(Command::Redial));
        return Vec::new();
    };
    match find_agent(state, name) {
        Ok(a) => plan_and_confirm(state, Op::Redial(a.to_ref())),
        Err(e) => refused(state, e),
    }
}

/// A key bound to `:find` writes the verb; `:find TEXT` finds the newest
/// log line holding it, above where the log is.
pub(super) fn find(
    views: &mut Views,
    log: &mut Log,
    now_ms: i64,
    word: Option<&str>,
) -> Vec<Effect> {
    let Some(text) = word else {
        open_line(views, Some(Command::Find));
        return Vec::new();
    };
    if text.is_empty() {
        views.refuse(log, now_ms, "usage: :find TEXT");
        return Vec::new();
    }
    log.search = text.to_string();
    find_in_log(views, log, now_ms, true)
}

fn refused(state: &mut State, why: String) -> Vec<Effect> {
    state.refuse(why);
    Vec::new()
}

/// The queue `query` names: its id, or the one queue whose name holds it.
pub(super) fn find_queue(state: &State, query: &str) -> Result<(String, String), String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Err("name a queue (id or part of the name)".into());
    }
    if let Some(x) = state.model.queues.iter().find(|x| x.id.to_lowercase() == q) {
        return Ok((x.id.clone(), x.name.clone()));
    }
    if let Some(x) = state
        .model
        .queues
        .iter()
        .find(|x| x.name.to_lowercase() == q)
    {
        return Ok((x.id.clone(), x.name.clone()));
    }
    let matches: Vec<&Queue> = state
        .model
        .queues
        .iter()
        .filter(|x| x.name.to_lowercase().contains(&q))
        .collect();
    match matches.as_slice() {
        [one] => Ok((one.id.clone(), one.name.clone())),
        [] if state.model.queues.is_empty() => {
            Err("no queue is listed yet; try again after the next poll".into())
        }
        [] => Err(format!("no queue matches {query:?}")),
        many => Err(format!(
            "{query:?} matches {} queues ({}); be more precise",
            many.len(),
            many.iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `:assign NAME`, `:assign queue NAME`, `:enter NAME`, `:cold NAME`,
/// `:warm NAME`.
fn agent_command(state: &mut State, purpose: Verb, name: &str) -> Vec<Effect> {
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    if purpose == Verb::Assign
        && let Some((word, queue)) = name.split_once(char::is_whitespace)
        && word.eq_ignore_ascii_case("queue")
    {
        return match find_queue(state, queue) {
            Ok((id, queue_name)) => picked_queue(state, &conv.id, &id, &queue_name),
            Err(e) => refused(state, e),
        };
    }
    if purpose == Verb::Assign && super::bulk::on_marks(state) && name.contains(',') {
        let names = name.split(',').map(str::trim).filter(|n| !n.is_empty());
        return match names.map(|n| find_agent(state, n)).collect() {
            Ok(agents) => super::bulk::spread(state, agents),
            Err(e) => refused(state, e),
        };
    }
    match find_agent(state, name) {
        Ok(agent) => {
            if purpose == Verb::Assign && !super::bulk::on_marks(state) && !can_assign(state, &conv)
            {
                return Vec::new();
            }
            picked(state, purpose, &conv.id, agent)
        }
        Err(e) => refused(state, e),
    }
}

/// `:remove NAME`.
fn remove_named(state: &mut State, name: &str) -> Vec<Effect> {
    match find_agent(state, name) {
        Ok(a) => start_remove(state, Some(a.id)),
        // No agent of the directory matches: it may be an id of someone
        // in the roster who is not listed. Several matches are the
        // supervisor's to narrow down, never a raw id.
        Err(_) if !name.is_empty() && matching_agents(state, name) == 0 => {
            start_remove(state, Some(name.to_string()))
        }
        Err(e) => refused(state, e),
    }
}

/// `:export FILE`: every kept log line, in order, as JSON lines with its
/// repeat count (whatever the pane's filter or polls setting hides). A key
/// bound to it writes the verb.
pub(super) fn export(state: &mut State, word: Option<&str>) -> Vec<Effect> {
    let Some(path) = word else {
        open_line(&mut state.views, Some(Command::Export));
        return Vec::new();
    };
    if path.is_empty() {
        return refused(state, "usage: :export FILE".into());
    }
    let lines = state
        .log
        .lines
        .iter()
        .map(|l| {
            serde_json::json!({
                "at_ms": l.at_ms,
                "kind": format!("{:?}", l.kind).to_lowercase(),
                "text": l.text,
                "repeat": l.repeat,
                "poll": l.poll,
            })
            .to_string()
        })
        .collect();
    vec![Effect::Export {
        path: path.to_string(),
        lines,
    }]
}

pub(super) fn submit_new_conversation(state: &mut State, mut form: NewConversationForm) {
    let id = form.fields[0].as_str().trim().to_string();
    let session = form.fields[1].as_str().trim().to_string();
    let channel = form.fields[2].as_str().trim().to_lowercase();
    let language = form.fields[3].as_str().trim().to_string();
    let error = if id.is_empty() {
        Some("the conversation id is required".to_string())
    } else if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("the conversation id may not hold spaces or control characters".to_string())
    } else if state.model.conversations.contains_key(&id) {
        Some(format!("{id} is already listed"))
    } else if !matches!(channel.as_str(), "chat" | "voice" | "") {
        Some("channel must be chat or voice".to_string())
    } else if session.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("the bot session id may not hold spaces or control characters".to_string())
    } else {
        None
    };
    if let Some(e) = error {
        form.error = Some(e);
        state.views.mode = Mode::NewConversation(form);
        return;
    }
    let channel = if Channel::parse(&channel) == Some(Channel::Voice) {
        Channel::Voice
    } else if channel == "chat" {
        Channel::Chat
    } else if Channel::parse(&state.settings.defaults.experience) == Some(Channel::Voice) {
        Channel::Voice
    } else {
        Channel::Chat
    };
    let language = if language.is_empty() {
        state.settings.defaults.language.clone()
    } else {
        language
    };
    let mut conv = Conversation::new(&id, channel, language);
    conv.manual = true;
    conv.started_ms = Some(state.now_ms);
    conv.bot_session_id = (!session.is_empty()).then_some(session);
    state.model.conversations.insert(id.clone(), conv);
    state.views.list.selected = Some(id.clone());
    state.views.focus = Pane::Conversations;
    state.views.detail.roster_cursor = 0;
    state.views.mode = Mode::Normal;
    state.say(format!("{id} opened by hand"));
}

/// Pasted text goes into whatever input is open, as typed text does.
pub(super) fn on_paste(state: &mut State, text: String) -> Vec<Effect> {
    type_text(
        &mut state.views,
        &mut state.log,
        &state.model,
        state.now_ms,
        &text,
    )
}
