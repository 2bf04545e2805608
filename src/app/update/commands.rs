//! The `:` command line, the text inputs' caps, and the `n` form.

use super::*;

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

/// How many agents of the directory `query` could mean.
pub(super) fn matching_agents(state: &State, query: &str) -> usize {
    let q = query.trim().to_lowercase();
    state
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
    if let Some(a) = state.agents.iter().find(|a| a.id.to_lowercase() == q) {
        return Ok(a.clone());
    }
    let matches: Vec<&Agent> = state
        .agents
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&q) || a.id.to_lowercase().starts_with(&q))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!("no agent matches {query:?}")),
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

pub(super) fn run_command(state: &mut State, line: &str) -> Vec<Effect> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    // Aliases become their verb here, from the one list of `:` commands.
    let cmd = match crate::app::keymap::colon_verb(word) {
        Some(verb) => verb,
        None if word.is_empty() => "",
        None => {
            state.refuse(crate::app::keymap::unknown_colon_command(word));
            return Vec::new();
        }
    };
    let agent_cmd = |state: &mut State, purpose: PickFor| -> Vec<Effect> {
        if read_only_refusal(state) {
            return Vec::new();
        }
        let Some(conv) = selected_or_refuse(state) else {
            return Vec::new();
        };
        match find_agent(state, rest) {
            Ok(agent) => {
                if purpose == PickFor::Assign && !can_assign(state, &conv) {
                    return Vec::new();
                }
                picked(state, purpose, &conv.id, agent)
            }
            Err(e) => {
                state.refuse(e);
                Vec::new()
            }
        }
    };
    match cmd {
        "" => Vec::new(),
        "assign" | "a" => agent_cmd(state, PickFor::Assign),
        "enter" | "e" => agent_cmd(state, PickFor::Enter),
        "cold" | "t" => agent_cmd(state, PickFor::Cold),
        "warm" | "w" => agent_cmd(state, PickFor::Warm),
        "remove" | "x" => match find_agent(state, rest) {
            Ok(a) => start_remove(state, Some(a.id)),
            // No agent of the directory matches: it may be an id of someone
            // in the roster who is not listed. Several matches are the
            // supervisor's to narrow down, never a raw id.
            Err(_) if !rest.is_empty() && matching_agents(state, rest) == 0 => {
                start_remove(state, Some(rest.to_string()))
            }
            Err(e) => {
                state.refuse(e);
                Vec::new()
            }
        },
        "redial" => {
            if read_only_refusal(state) {
                return Vec::new();
            }
            match find_agent(state, rest) {
                Ok(a) => plan_and_confirm(state, Op::Redial(a.to_ref())),
                Err(e) => {
                    state.refuse(e);
                    Vec::new()
                }
            }
        }
        "end" => plan_and_confirm(state, Op::End),
        "retry" => start_retry(state, false),
        "drop" => start_retry(state, true),
        "filter" | "f" => {
            state.conv_filter = rest.to_string();
            keep_selection_visible(state);
            Vec::new()
        }
        "export" => {
            if rest.is_empty() {
                state.refuse("usage: :export FILE");
                return Vec::new();
            }
            let lines = state
                .log
                .visible()
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "at_ms": l.at_ms,
                        "kind": format!("{:?}", l.kind).to_lowercase(),
                        "text": l.text,
                    })
                    .to_string()
                })
                .collect();
            vec![Effect::Export {
                path: rest.to_string(),
                lines,
            }]
        }
        "follow" => {
            state.log.follow = !matches!(rest, "off" | "no" | "false");
            Vec::new()
        }
        "sort" => {
            state.sort = match rest {
                "state" => SortBy::State,
                "age" => SortBy::Age,
                "id" => SortBy::Id,
                "channel" => SortBy::Channel,
                _ => {
                    state.refuse("usage: :sort state|age|id|channel");
                    return Vec::new();
                }
            };
            Vec::new()
        }
        "refresh" => {
            match state.kore_wait_secs() {
                Some(secs) => state.say(format!(
                    "refresh: Kore asked to wait; the polls go out in {secs} s, after your queued actions"
                )),
                None => state.say("refresh: polling conversations and agents now"),
            }
            vec![Effect::PollConversations, Effect::PollAgents]
        }
        "help" => {
            state.mode = Mode::Help;
            Vec::new()
        }
        "q" | "quit" => ask_quit(state),
        other => {
            state.refuse(crate::app::keymap::unknown_colon_command(other));
            Vec::new()
        }
    }
}

/// The most characters a filter, a command line or a picker query holds.
pub const MAX_INPUT: usize = 1000;
/// The most characters a field of the `n` form (an id, a language) holds.
pub const MAX_FORM_FIELD: usize = 128;

pub(super) fn input_cap(mode: &Mode) -> usize {
    match mode {
        Mode::NewConversation(_) => MAX_FORM_FIELD,
        _ => MAX_INPUT,
    }
}

/// Appends as much of `text` as fits under `cap` characters; false when
/// some of it did not.
pub(super) fn push_capped(buf: &mut String, text: &str, cap: usize) -> bool {
    let room = cap.saturating_sub(buf.chars().count());
    let n = text.chars().count();
    buf.extend(text.chars().take(room));
    n <= room
}

pub(super) fn submit_new_conversation(state: &mut State, mut form: NewConversationForm) {
    let id = form.fields[0].trim().to_string();
    let session = form.fields[1].trim().to_string();
    let channel = form.fields[2].trim().to_lowercase();
    let language = form.fields[3].trim().to_string();
    let error = if id.is_empty() {
        Some("the conversation id is required".to_string())
    } else if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("the conversation id may not hold spaces or control characters".to_string())
    } else if state.conversations.contains_key(&id) {
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
        state.mode = Mode::NewConversation(form);
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
    state.conversations.insert(id.clone(), conv);
    state.selected = Some(id.clone());
    state.focus = Pane::Conversations;
    state.roster_cursor = 0;
    state.mode = Mode::Normal;
    state.say(format!("{id} opened by hand"));
}

/// Pasted text goes into whatever input is open, as typed text would.
pub(super) fn on_paste(state: &mut State, text: String) -> Vec<Effect> {
    let text = clean(&text, MAX_INPUT);
    let mut refilter = None;
    let fits = match &mut state.mode {
        // A pasted filter applies at once, as typed letters do.
        Mode::Filter { input, pane } => {
            let fits = push_capped(input, &text, MAX_INPUT);
            refilter = Some((*pane, input.clone()));
            fits
        }
        Mode::Command { input } => push_capped(input, &text, MAX_INPUT),
        Mode::Picker(p) => {
            p.selected = 0;
            push_capped(&mut p.query, &text, MAX_INPUT)
        }
        Mode::NewConversation(f) => push_capped(&mut f.fields[f.focus], &text, MAX_FORM_FIELD),
        _ => true,
    };
    if let Some((pane, input)) = refilter {
        set_filter(state, pane, input);
    }
    if !fits {
        state.refuse(format!(
            "the paste was cut: an input holds at most {} characters",
            input_cap(&state.mode)
        ));
    }
    Vec::new()
}
