//! `update(&mut State, Action) -> Vec<Effect>`: every rule of the console.
//!
//! Pure: it reads the clock only through `state.now_ms` (set by the runtime
//! before each call) and does no I/O. Refusals, confirmations, the picker,
//! the command line and the merging of polled data all live here, so they
//! are tested without a terminal or a network.

use super::state::*;
use super::{Action, Effect, ReplyInfo};
use crate::app::keymap::Command;
use crate::app::text::clean;
use crate::domain::{self, Action as Op, AgentRef, Event};
use crate::kore::wire::{AgentRecord, AvailabilityResponse, ConversationRecord};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Longest remote string kept for display.
const MAX_FIELD: usize = 120;

impl State {
    pub fn new(settings: Settings, keymap: crate::app::keymap::Keymap, run_tag: String) -> Self {
        State {
            settings,
            keymap,
            conversations: Default::default(),
            agents: Vec::new(),
            log: Log::default(),
            focus: Pane::Conversations,
            mode: Mode::Normal,
            selected: None,
            roster_cursor: 0,
            agent_cursor: 0,
            conv_filter: String::new(),
            agent_filter: String::new(),
            sort: SortBy::default(),
            detail_open: false,
            status: Status::default(),
            flash: None,
            now_ms: 0,
            quit: false,
            awaiting_callback: Default::default(),
            callback_deadlines: Default::default(),
            help_scroll: 0,
            pane_rows: Default::default(),
            next_req: 1,
            run_tag,
            screen: (80, 24),
        }
    }

    /// The conversations the list shows, filtered and sorted.
    pub fn visible_conversations(&self) -> Vec<&Conversation> {
        let mut v: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| conv_matches(c, &self.conv_filter))
            .collect();
        match self.sort {
            SortBy::State => v.sort_by(|a, b| {
                state_rank(&a.state())
                    .cmp(&state_rank(&b.state()))
                    .then(a.started_ms.cmp(&b.started_ms))
                    .then(a.id.cmp(&b.id))
            }),
            SortBy::Age => v.sort_by(|a, b| a.started_ms.cmp(&b.started_ms).then(a.id.cmp(&b.id))),
            SortBy::Id => v.sort_by_key(|a| natural_key(&a.id)),
            SortBy::Channel => v.sort_by(|a, b| a.channel.cmp(&b.channel).then(a.id.cmp(&b.id))),
        }
        v
    }

    pub fn selected_conversation(&self) -> Option<&Conversation> {
        self.selected
            .as_ref()
            .and_then(|id| self.conversations.get(id))
    }

    /// The agents pane: filtered, available first, then by name.
    pub fn visible_agents(&self) -> Vec<&Agent> {
        let f = self.agent_filter.to_lowercase();
        let mut v: Vec<&Agent> = self
            .agents
            .iter()
            .filter(|a| {
                f.is_empty()
                    || a.name.to_lowercase().contains(&f)
                    || a.id.to_lowercase().contains(&f)
                    || a.presence.label().to_lowercase().contains(&f)
                    || a.queue_name
                        .as_deref()
                        .is_some_and(|q| q.to_lowercase().contains(&f))
            })
            .collect();
        v.sort_by(|a, b| a.presence.cmp(&b.presence).then(a.name.cmp(&b.name)));
        v
    }

    /// The picker's choices: matching agents, available ones with room first.
    pub fn picker_choices(&self) -> Vec<&Agent> {
        let Mode::Picker(p) = &self.mode else {
            return Vec::new();
        };
        let conv = self.conversations.get(&p.conversation);
        let channel = conv.map(|c| c.channel).unwrap_or(Channel::Chat);
        let present = conv.map(|c| c.projected()).unwrap_or_default();
        let q = p.query.to_lowercase();
        let mut v: Vec<&Agent> = self
            .agents
            .iter()
            .filter(|a| {
                q.is_empty()
                    || a.name.to_lowercase().contains(&q)
                    || a.id.to_lowercase().contains(&q)
            })
            .filter(|a| {
                !matches!(p.purpose, PickFor::Cold | PickFor::Warm) || !present.contains(&a.id)
            })
            .collect();
        let assigned = conv.and_then(|c| c.assigned_agent.clone());
        v.sort_by_key(|a| {
            let rank = match a.presence {
                Presence::Available if a.has_room(channel) => 0,
                Presence::Available => 1,
                Presence::Busy => 2,
                Presence::Unknown => 3,
                Presence::Away => 4,
                Presence::Offline => 5,
            };
            let first = assigned.as_deref() == Some(a.id.as_str()) && p.purpose == PickFor::Enter;
            (!first, rank, a.name.clone())
        });
        v
    }

    /// Requests still queued, in flight, retrying or held: what `q` warns about.
    /// Whole seconds until Kore's requested wait (after a 429) is over, while
    /// it lasts.
    pub fn kore_wait_secs(&self) -> Option<i64> {
        let until = self.status.kore_wait_until_ms?;
        let left = until - self.now_ms;
        (left > 0).then(|| (left + 999) / 1000)
    }

    /// The listener refused something in the last ten seconds.
    pub fn listener_refusing(&self) -> bool {
        let (total, last) = self.status.listener_refused;
        total > 0 && self.now_ms - last < 10_000
    }

    pub fn open_requests(&self) -> usize {
        self.conversations
            .values()
            .map(|c| c.open_events().count())
            .sum::<usize>()
            + self.awaiting_callback.len()
    }

    /// The attempt numbers of the requests being retried right now.
    pub fn retrying(&self) -> Vec<u32> {
        self.conversations
            .values()
            .flat_map(|c| c.open_events())
            .filter_map(|(_, d)| match d {
                Delivery::Retrying { attempt, .. } => Some(*attempt),
                _ => None,
            })
            .collect()
    }

    /// Conversations whose queue is stopped by a failed or unknown request.
    pub fn failed_count(&self) -> usize {
        self.conversations
            .values()
            .filter(|c| c.failed().is_some())
            .count()
    }

    fn next_req_id(&mut self) -> String {
        let id = format!("{}-{}", self.run_tag, self.next_req);
        self.next_req += 1;
        id
    }

    fn say(&mut self, text: impl Into<String>) {
        self.flash = Some((text.into(), false));
    }

    fn refuse(&mut self, text: impl Into<String>) {
        let text = text.into();
        let now = self.now_ms;
        self.log
            .push(now, LogKind::Error, format!("refused: {text}"));
        self.flash = Some((text, true));
    }

    fn agent_name(&self, id: &str) -> String {
        self.agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

fn state_rank(s: &ConvState) -> u8 {
    match s {
        ConvState::Waiting => 0,
        ConvState::Active => 1,
        ConvState::Ending => 2,
        ConvState::Api(_) => 3,
        ConvState::Ended => 4,
    }
}

/// Sorts `c-99` before `c-100`.
fn natural_key(id: &str) -> (String, u64, String) {
    let digits: String = id
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let n: u64 = digits
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    (id[..id.len() - digits.len()].to_string(), n, id.to_string())
}

/// A filter is words; `key=value` words match a field (`lang`, `channel`,
/// `state`, `agent`), other words match the id, session or agent names.
pub fn conv_matches(c: &Conversation, filter: &str) -> bool {
    filter.split_whitespace().all(|word| {
        let w = word.to_lowercase();
        if let Some((k, v)) = w.split_once('=') {
            return match k {
                "lang" | "language" => c.language.to_lowercase().starts_with(v),
                "channel" | "ch" => c.channel.as_str() == v,
                "state" | "status" => {
                    c.state().label().to_lowercase() == v
                        || c.api_status
                            .as_deref()
                            .is_some_and(|s| s.to_lowercase() == v)
                }
                "agent" => {
                    c.roster
                        .members()
                        .iter()
                        .any(|m| m.agent.name.to_lowercase().contains(v))
                        || c.api_agents.iter().any(|a| a.to_lowercase().contains(v))
                }
                _ => false,
            };
        }
        c.id.to_lowercase().contains(&w)
            || c.channel.as_str() == w
            || c.language.to_lowercase() == w
            || c.state().label().to_lowercase() == w
            || c.bot_session_id
                .as_deref()
                .is_some_and(|s| s.to_lowercase().contains(&w))
            || c.primary_name()
                .is_some_and(|n| n.to_lowercase().contains(&w))
    })
}

/// The console's one update function.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            if key.kind != KeyEventKind::Press {
                return Vec::new();
            }
            on_key(state, key)
        }
        Action::Paste(text) => {
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
                Mode::NewConversation(f) => {
                    push_capped(&mut f.fields[f.focus], &text, MAX_FORM_FIELD)
                }
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
        Action::Resize(w, h) => {
            state.screen = (w, h);
            Vec::new()
        }
        Action::Layout(rows) => {
            state.pane_rows = rows;
            Vec::new()
        }
        Action::Tick(now) => {
            state.now_ms = now;
            Vec::new()
        }
        Action::ConversationsListed { result, partial } => {
            if result.is_ok() {
                if partial.is_some() && state.status.conversations_partial.is_none() {
                    let now = state.now_ms;
                    let (read, total) = partial.unwrap_or_default();
                    state.log.push(
                        now,
                        LogKind::Error,
                        match total {
                            Some(t) => format!("conversation list partial: {read} of {t} read (the rest are not shown)"),
                            None => format!("conversation list partial: the first {read} read; Kore says there are more"),
                        },
                    );
                }
                state.status.conversations_partial = partial;
            }
            merge_conversations(state, result);
            Vec::new()
        }
        Action::AgentsListed {
            agents,
            availability,
        } => {
            merge_agents(state, agents, availability);
            Vec::new()
        }
        Action::RequestSent {
            req_id,
            conversation,
            line,
        } => {
            set_delivery(state, &conversation, &req_id, Delivery::Sending);
            if let Some(TimelineItem::Assign { state: st, .. }) =
                timeline_event_mut(state, &conversation, &req_id)
                && *st == AssignState::Queued
            {
                *st = AssignState::Sending;
            }
            let now = state.now_ms;
            state.log.push(now, LogKind::Out, line);
            // An assign's callback is due from when it goes out: one held
            // behind a failed request does not time out unsent.
            if state.awaiting_callback.contains_key(&req_id) {
                let after_ms = state.settings.callback_timeout_ms;
                state
                    .callback_deadlines
                    .insert(req_id.clone(), now.saturating_add(after_ms));
                return vec![Effect::ArmCallbackTimeout { req_id, after_ms }];
            }
            Vec::new()
        }
        Action::HookRetrying {
            req_id,
            conversation,
            attempt,
            error,
        } => {
            set_delivery(
                state,
                &conversation,
                &req_id,
                Delivery::Retrying {
                    attempt,
                    error: error.clone(),
                },
            );
            let now = state.now_ms;
            state.log.push(
                now,
                LogKind::Error,
                format!("{error}; retrying ({attempt}) {conversation}"),
            );
            state.status.health = Health::Degraded(error);
            Vec::new()
        }
        Action::HookDone {
            req_id,
            conversation,
            outcome,
            attempts,
            maybe_arrived,
        } => {
            hook_done(
                state,
                &req_id,
                &conversation,
                outcome,
                attempts,
                maybe_arrived,
            );
            Vec::new()
        }
        Action::HookHeld {
            conversation,
            req_ids,
        } => {
            for id in &req_ids {
                set_delivery(state, &conversation, id, Delivery::Held);
            }
            Vec::new()
        }
        Action::AssignDone {
            req_id,
            conversation,
            outcome,
            uncertain,
        } => {
            assign_done(state, &req_id, &conversation, outcome, uncertain);
            Vec::new()
        }
        Action::Callback(cb) => on_callback(state, cb),
        Action::CallbackTimedOut { req_id } => {
            // A timer from an earlier send of a request that was sent again.
            if state
                .callback_deadlines
                .get(&req_id)
                .is_some_and(|due| state.now_ms.saturating_add(500) < *due)
            {
                return Vec::new();
            }
            state.callback_deadlines.remove(&req_id);
            if let Some(conv) = state.awaiting_callback.remove(&req_id) {
                let effect = Effect::RecordCallback {
                    req_id: req_id.clone(),
                    ok: false,
                    summary: format!(
                        "no callback within {} s",
                        state.settings.callback_timeout_ms / 1000
                    ),
                };
                set_assign(state, &conv, &req_id, AssignState::TimedOut);
                let now = state.now_ms;
                state.log.push(
                    now,
                    LogKind::Error,
                    format!("no callback for assign {conv} ({req_id}): timed out"),
                );
                return vec![effect];
            }
            Vec::new()
        }
        Action::RateUsage {
            used,
            limit,
            blocked_ms,
        } => {
            state.status.rate_used = used;
            state.status.rate_limit = limit;
            state.status.kore_wait_until_ms =
                blocked_ms.map(|ms| state.now_ms.saturating_add(ms as i64));
            Vec::new()
        }
        Action::ListenerRefused { total, last_ms } => {
            let before = state.status.listener_refused.0;
            state.status.listener_refused = (total, last_ms);
            if before == 0 && total > 0 {
                let now = state.now_ms;
                state.log.push(
                    now,
                    LogKind::Error,
                    "the callback listener is refusing requests (a flood of requests, or too many connections)".to_string(),
                );
            }
            Vec::new()
        }
        Action::Log { kind, text } => {
            let now = state.now_ms;
            state.log.push(now, kind, text);
            Vec::new()
        }
        Action::Note { error, text } => {
            let now = state.now_ms;
            state.log.push(
                now,
                if error { LogKind::Error } else { LogKind::Info },
                text.clone(),
            );
            state.flash = Some((text, error));
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    // Ctrl-Z suspends in every mode, as in a shell; what was open stays open.
    if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return vec![Effect::Suspend];
    }
    match state.mode.clone() {
        Mode::Normal => on_normal_key(state, key),
        // The help scrolls when it is taller than the screen; any other
        // key closes it.
        Mode::Help => {
            let page = state.screen.1.saturating_sub(4).max(1);
            let most = (state.keymap.help_rows().len() + 24) as u16;
            let scroll = &mut state.help_scroll;
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
                KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll = scroll.saturating_add(page),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(page),
                KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
                _ => {
                    state.help_scroll = 0;
                    state.mode = Mode::Normal;
                    return Vec::new();
                }
            }
            state.help_scroll = state.help_scroll.min(most);
            Vec::new()
        }
        // Enter does what the capital letter of the prompt says: yes for a
        // send (`Y/n`), no for dropping, resending or quitting (`y/N`).
        Mode::Confirm { pending, .. } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                state.mode = Mode::Normal;
                execute(state, pending)
            }
            KeyCode::Enter if pending.enter_confirms() => {
                state.mode = Mode::Normal;
                execute(state, pending)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Enter => {
                state.mode = Mode::Normal;
                state.say("cancelled: nothing was sent");
                Vec::new()
            }
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                state.mode = Mode::Normal;
                state.say("cancelled: nothing was sent");
                Vec::new()
            }
            _ => Vec::new(),
        },
        Mode::Filter { pane, mut input } => {
            match key.code {
                KeyCode::Esc => {
                    set_filter(state, pane, String::new());
                    state.mode = Mode::Normal;
                }
                KeyCode::Enter => state.mode = Mode::Normal,
                KeyCode::Backspace => {
                    input.pop();
                    set_filter(state, pane, input.clone());
                    state.mode = Mode::Filter { pane, input };
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    if !push_capped(&mut input, c.encode_utf8(&mut [0; 4]), MAX_INPUT) {
                        state.refuse(format!("a filter holds at most {MAX_INPUT} characters"));
                    }
                    set_filter(state, pane, input.clone());
                    state.mode = Mode::Filter { pane, input };
                }
                _ => {}
            }
            Vec::new()
        }
        Mode::Picker(mut p) => {
            match key.code {
                KeyCode::Esc => {
                    state.mode = Mode::Normal;
                    state.say("cancelled: nothing was sent");
                }
                KeyCode::Up => {
                    p.selected = p.selected.saturating_sub(1);
                    state.mode = Mode::Picker(p);
                }
                KeyCode::Down | KeyCode::Tab => {
                    p.selected += 1;
                    state.mode = Mode::Picker(p);
                    clamp_picker(state);
                }
                KeyCode::Char('n') | KeyCode::Char('j')
                    if key.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    p.selected += 1;
                    state.mode = Mode::Picker(p);
                    clamp_picker(state);
                }
                KeyCode::Char('p') | KeyCode::Char('k')
                    if key.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    p.selected = p.selected.saturating_sub(1);
                    state.mode = Mode::Picker(p);
                }
                KeyCode::Backspace => {
                    p.query.pop();
                    p.selected = 0;
                    state.mode = Mode::Picker(p);
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    push_capped(&mut p.query, c.encode_utf8(&mut [0; 4]), MAX_INPUT);
                    p.selected = 0;
                    state.mode = Mode::Picker(p);
                }
                KeyCode::Enter => {
                    let choice = state.picker_choices().get(p.selected).map(|a| (*a).clone());
                    state.mode = Mode::Normal;
                    return match choice {
                        Some(agent) => picked(state, p.purpose, &p.conversation, agent),
                        None => {
                            state.refuse("no agent matches; nothing was sent");
                            Vec::new()
                        }
                    };
                }
                _ => {}
            }
            Vec::new()
        }
        Mode::Command { mut input } => {
            match key.code {
                KeyCode::Esc => state.mode = Mode::Normal,
                KeyCode::Backspace => {
                    if input.pop().is_none() {
                        state.mode = Mode::Normal;
                    } else {
                        state.mode = Mode::Command { input };
                    }
                }
                KeyCode::Enter => {
                    state.mode = Mode::Normal;
                    return run_command(state, &input);
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    if !push_capped(&mut input, c.encode_utf8(&mut [0; 4]), MAX_INPUT) {
                        state.refuse(format!("a command holds at most {MAX_INPUT} characters"));
                    }
                    state.mode = Mode::Command { input };
                }
                _ => {}
            }
            Vec::new()
        }
        Mode::NewConversation(mut form) => {
            match key.code {
                KeyCode::Esc => state.mode = Mode::Normal,
                KeyCode::Tab | KeyCode::Down => {
                    form.focus = (form.focus + 1) % form.fields.len();
                    state.mode = Mode::NewConversation(form);
                }
                KeyCode::BackTab | KeyCode::Up => {
                    form.focus = (form.focus + form.fields.len() - 1) % form.fields.len();
                    state.mode = Mode::NewConversation(form);
                }
                KeyCode::Backspace => {
                    form.fields[form.focus].pop();
                    state.mode = Mode::NewConversation(form);
                }
                KeyCode::Enter => submit_new_conversation(state, form),
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    if !push_capped(
                        &mut form.fields[form.focus],
                        c.encode_utf8(&mut [0; 4]),
                        MAX_FORM_FIELD,
                    ) {
                        form.error = Some(format!(
                            "{} holds at most {MAX_FORM_FIELD} characters",
                            NewConversationForm::LABELS[form.focus]
                        ));
                    }
                    state.mode = Mode::NewConversation(form);
                }
                _ => {}
            }
            Vec::new()
        }
    }
}

fn set_filter(state: &mut State, pane: Pane, text: String) {
    match pane {
        Pane::Agents => {
            state.agent_filter = text;
            state.agent_cursor = 0;
        }
        Pane::Log => {
            state.log.filter = text;
            state.log.cursor = 0;
        }
        Pane::Conversations | Pane::Roster => {
            state.conv_filter = text;
            keep_selection_visible(state);
        }
    }
}

fn clamp_picker(state: &mut State) {
    let n = state.picker_choices().len();
    if let Mode::Picker(p) = &mut state.mode {
        p.selected = p.selected.min(n.saturating_sub(1));
    }
}

fn on_normal_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        // One thing at a time: the message line, the focused list's filter,
        // then the detail.
        if state.flash.take().is_some() {
            return Vec::new();
        }
        let pane = match state.focus {
            Pane::Roster => Pane::Conversations,
            p => p,
        };
        let filtered = match pane {
            Pane::Agents => !state.agent_filter.is_empty(),
            Pane::Log => !state.log.filter.is_empty(),
            _ => !state.conv_filter.is_empty(),
        };
        if filtered {
            set_filter(state, pane, String::new());
            state.say("filter cleared");
        } else {
            state.detail_open = false;
        }
        return Vec::new();
    }
    let Some(cmd) = state.keymap.lookup(&key) else {
        return Vec::new();
    };
    state.flash = None;
    match cmd {
        Command::MoveDown => move_cursor(state, 1),
        Command::MoveUp => move_cursor(state, -1),
        Command::PageDown => move_cursor(state, page_rows(state)),
        Command::PageUp => move_cursor(state, -page_rows(state)),
        Command::Top => move_cursor(state, i64::MIN / 2),
        Command::Bottom => move_cursor(state, i64::MAX / 2),
        Command::FocusNext => state.focus = state.focus.next(),
        Command::FocusPrev => state.focus = state.focus.prev(),
        Command::Open => {
            if state.selected.is_some() {
                state.detail_open = !state.detail_open || state.focus == Pane::Conversations;
                state.focus = Pane::Roster;
                state.roster_cursor = 0;
            }
        }
        Command::Filter => {
            let pane = match state.focus {
                Pane::Roster => Pane::Conversations,
                p => p,
            };
            let input = match pane {
                Pane::Agents => state.agent_filter.clone(),
                Pane::Log => state.log.filter.clone(),
                _ => state.conv_filter.clone(),
            };
            state.mode = Mode::Filter { pane, input };
        }
        Command::Assign => return start_pick(state, PickFor::Assign),
        Command::Enter => return start_pick(state, PickFor::Enter),
        Command::ColdTransfer => return start_pick(state, PickFor::Cold),
        Command::WarmTransfer => return start_pick(state, PickFor::Warm),
        Command::Remove => return start_remove(state, None),
        Command::End => return plan_and_confirm(state, Op::End),
        Command::Retry => return start_retry(state, false),
        Command::NewConversation => {
            state.mode = Mode::NewConversation(NewConversationForm {
                fields: [
                    String::new(),
                    String::new(),
                    state.settings.defaults.experience.clone(),
                    state.settings.defaults.language.clone(),
                ],
                ..Default::default()
            })
        }
        Command::CommandLine => {
            state.mode = Mode::Command {
                input: String::new(),
            }
        }
        Command::Help => state.mode = Mode::Help,
        Command::Quit => return ask_quit(state),
        Command::ToggleFollow => {
            state.log.follow = !state.log.follow;
            if !state.log.follow {
                state.log.cursor = state.log.visible().len().saturating_sub(1);
            }
            state.say(if state.log.follow {
                "log: following new lines"
            } else {
                "log: not following"
            });
        }
        Command::Sort => {
            state.sort = state.sort.next();
            state.say(format!("conversations sorted by {}", state.sort.label()));
        }
    }
    Vec::new()
}

/// How far PgUp/PgDn move: the rows the focused pane shows, less one so
/// that a line stays in view.
fn page_rows(state: &State) -> i64 {
    let rows = state.pane_rows;
    let shown = match state.focus {
        Pane::Conversations => rows.conversations,
        Pane::Roster => rows.roster,
        Pane::Agents => rows.agents,
        Pane::Log => rows.log,
    };
    // One row stays in view.
    i64::from(shown.saturating_sub(1)).max(1)
}

fn move_cursor(state: &mut State, delta: i64) {
    let step = |cur: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (cur as i64 + delta).clamp(0, len as i64 - 1) as usize
    };
    match state.focus {
        Pane::Conversations => {
            let ids: Vec<String> = state
                .visible_conversations()
                .iter()
                .map(|c| c.id.clone())
                .collect();
            let cur = state
                .selected
                .as_ref()
                .and_then(|s| ids.iter().position(|i| i == s))
                .unwrap_or(0);
            let next = if state.selected.is_none() {
                0
            } else {
                step(cur, ids.len())
            };
            if let Some(id) = ids.get(next) {
                if state.selected.as_ref() != Some(id) {
                    state.roster_cursor = 0;
                }
                state.selected = Some(id.clone());
            }
        }
        Pane::Roster => {
            let n = state
                .selected_conversation()
                .map(|c| c.roster.members().len())
                .unwrap_or(0);
            state.roster_cursor = step(state.roster_cursor, n);
        }
        Pane::Agents => {
            let n = state.visible_agents().len();
            state.agent_cursor = step(state.agent_cursor, n);
        }
        Pane::Log => {
            let n = state.log.visible().len();
            if state.log.follow {
                state.log.cursor = n.saturating_sub(1);
            }
            state.log.cursor = step(state.log.cursor, n);
            // Moving to the last line follows again; moving up stops following.
            state.log.follow = state.log.cursor + 1 >= n;
        }
    }
}

/// Keeps a valid selection after the list changed.
fn keep_selection_visible(state: &mut State) {
    let ids: Vec<String> = state
        .visible_conversations()
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let keep = state.selected.as_ref().is_some_and(|s| ids.contains(s));
    if !keep {
        state.selected = ids.first().cloned();
        state.roster_cursor = 0;
    }
}

// ---------------------------------------------------------------------------
// Actions that send
// ---------------------------------------------------------------------------

fn selected_or_refuse(state: &mut State) -> Option<Conversation> {
    match state.selected_conversation() {
        Some(c) => Some(c.clone()),
        None => {
            state.refuse("no conversation selected");
            None
        }
    }
}

fn read_only_refusal(state: &mut State) -> bool {
    if state.settings.read_only {
        state.refuse("read-only mode: nothing is sent");
        true
    } else {
        false
    }
}

/// An agent that is in no roster, to ask the rules whether an action could
/// go ahead for anyone before the picker opens.
fn probe_agent() -> AgentRef {
    AgentRef::new("\u{1}probe", "the picked agent")
}

fn start_pick(state: &mut State, purpose: PickFor) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    match purpose {
        PickFor::Assign => {
            if !can_assign(state, &conv) {
                return Vec::new();
            }
        }
        _ => {
            let op = match purpose {
                PickFor::Enter => Op::Enter(probe_agent()),
                PickFor::Cold => Op::Cold {
                    to: probe_agent(),
                    from: None,
                },
                _ => Op::Warm(probe_agent()),
            };
            if let Err(r) = domain::plan(&conv.projected(), &op, &state.settings.plan) {
                state.refuse(format!("{}: {}", conv.id, r.message));
                return Vec::new();
            }
        }
    }
    if state.agents.is_empty() {
        state.refuse(
            "the agent directory is empty (no agents listed yet); try again after the next poll",
        );
        return Vec::new();
    }
    state.mode = Mode::Picker(Picker {
        purpose,
        conversation: conv.id.clone(),
        query: String::new(),
        selected: 0,
    });
    Vec::new()
}

/// Whether `conv` can be assigned at all; refuses with the reason if not.
fn can_assign(state: &mut State, conv: &Conversation) -> bool {
    if conv.bot_session_id.is_none() {
        state.refuse(format!(
            "{} has no bot session id, so it cannot be assigned (open it with `n` and give one)",
            conv.id
        ));
        return false;
    }
    if matches!(conv.state(), ConvState::Ended) {
        state.refuse(format!("{} has ended; there is nothing to assign", conv.id));
        return false;
    }
    true
}

fn picked(state: &mut State, purpose: PickFor, conv_id: &str, agent: Agent) -> Vec<Effect> {
    let Some(conv) = state.conversations.get(conv_id).cloned() else {
        state.refuse(format!("{conv_id} is no longer listed"));
        return Vec::new();
    };
    match purpose {
        PickFor::Assign => {
            let Some(session) = conv.bot_session_id.clone() else {
                state.refuse(format!("{conv_id} has no bot session id"));
                return Vec::new();
            };
            let prompt = format!(
                "Assign {conv_id} (session {}) to {}? Y/n",
                short(&session),
                agent.name
            );
            confirm_or_run(
                state,
                prompt,
                Pending::Assign {
                    conversation: conv_id.to_string(),
                    session,
                    agent_id: agent.id.clone(),
                    agent_name: agent.name.clone(),
                },
            )
        }
        PickFor::Enter => plan_for(state, &conv, Op::Enter(agent.to_ref())),
        PickFor::Cold => plan_for(
            state,
            &conv,
            Op::Cold {
                to: agent.to_ref(),
                from: None,
            },
        ),
        PickFor::Warm => plan_for(state, &conv, Op::Warm(agent.to_ref())),
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 12 {
        format!(
            "…{}",
            s.chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        )
    } else {
        s.to_string()
    }
}

fn plan_and_confirm(state: &mut State, op: Op) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    plan_for(state, &conv, op)
}

fn start_remove(state: &mut State, agent: Option<String>) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    let agent_id = match agent {
        Some(a) => a,
        // The row the roster pane highlights: the delivered roster.
        None => match conv.roster.members().get(state.roster_cursor) {
            Some(m) => m.agent.id.clone(),
            None => {
                state.refuse(format!(
                    "{}: nobody is in the conversation to remove",
                    conv.id
                ));
                return Vec::new();
            }
        },
    };
    plan_for(state, &conv, Op::Remove(agent_id))
}

/// Plans `op` on the conversation's projected roster; a refusal is shown and
/// nothing is sent.
fn plan_for(state: &mut State, conv: &Conversation, op: Op) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let projected = conv.projected();
    match domain::plan(&projected, &op, &state.settings.plan) {
        Err(r) => {
            state.refuse(format!("{}: {}", conv.id, r.message));
            Vec::new()
        }
        Ok(events) => {
            let prompt = confirm_prompt(&conv.id, &op, &projected, &events);
            confirm_or_run(
                state,
                prompt,
                Pending::Events {
                    conversation: conv.id.clone(),
                    action: op.describe_in(&projected),
                    events,
                },
            )
        }
    }
}

/// The confirmation line: exactly what will be sent.
fn confirm_prompt(conv: &str, op: &Op, roster: &domain::Roster, events: &[Event]) -> String {
    let list = events
        .iter()
        .map(|e| e.describe())
        .collect::<Vec<_>>()
        .join(", ");
    let name = |id: &str| {
        roster
            .member(id)
            .map(|m| m.agent.label().to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let head = match op {
        Op::Enter(a) => format!("Enter {conv}: {} joins", a.label()),
        Op::Cold { to, from } => {
            let from = from
                .clone()
                .or_else(|| roster.primary().map(|m| m.agent.id.clone()))
                .map(|f| name(&f))
                .unwrap_or_default();
            format!("Cold transfer {conv}: {from} → {}", to.label())
        }
        Op::Warm(a) => format!("Warm transfer {conv}: add {}", a.label()),
        Op::Remove(id) => format!("Remove {} from {conv}", name(id)),
        Op::End => format!("End {conv}"),
        Op::Redial(a) => format!("Redial {conv}: {} re-enters", a.label()),
    };
    format!("{head} [{list}]? Y/n")
}

fn confirm_or_run(state: &mut State, prompt: String, pending: Pending) -> Vec<Effect> {
    if state.settings.confirm {
        state.mode = Mode::Confirm { prompt, pending };
        Vec::new()
    } else {
        execute(state, pending)
    }
}

fn execute(state: &mut State, pending: Pending) -> Vec<Effect> {
    let now = state.now_ms;
    match pending {
        Pending::Events {
            conversation,
            action,
            events,
        } => {
            let Some(conv) = state.conversations.get(&conversation).cloned() else {
                state.refuse(format!("{conversation} is no longer listed"));
                return Vec::new();
            };
            // Plan again: something may have changed while the prompt was up.
            let mut projected = conv.projected();
            if let Err((_, r)) = projected.apply_all(&events, now) {
                state.refuse(format!("{conversation}: {}", r.message));
                return Vec::new();
            }
            let ctx = conv.context(&state.settings.defaults);
            let mut effects = Vec::new();
            let mut items = Vec::new();
            for event in events {
                let req_id = state.next_req_id();
                items.push(TimelineItem::Event {
                    req_id: req_id.clone(),
                    at_ms: now,
                    text: event.describe(),
                    event: event.clone(),
                    delivery: Delivery::Queued,
                });
                effects.push(Effect::SendEvent {
                    req_id,
                    conversation: conversation.clone(),
                    event,
                    ctx: ctx.clone(),
                    action: action.clone(),
                });
            }
            if let Some(c) = state.conversations.get_mut(&conversation) {
                c.timeline.extend(items);
            }
            state.say(format!("{action}: {} event(s) queued", effects.len()));
            effects
        }
        Pending::Assign {
            conversation,
            session,
            agent_id,
            agent_name,
        } => {
            let req_id = state.next_req_id();
            if let Some(c) = state.conversations.get_mut(&conversation) {
                c.timeline.push(TimelineItem::Assign {
                    req_id: req_id.clone(),
                    at_ms: now,
                    text: format!("assign → {agent_name}"),
                    state: AssignState::Queued,
                });
            }
            state
                .awaiting_callback
                .insert(req_id.clone(), conversation.clone());
            state.say(format!("assign {conversation} → {agent_name}: sent"));
            vec![Effect::Assign {
                req_id: req_id.clone(),
                conversation: conversation.clone(),
                session,
                agent_id,
                agent_name: agent_name.clone(),
                summary: format!("assign {conversation} → {agent_name}"),
            }]
        }
        Pending::Retry { conversation } => {
            let mut found = false;
            if let Some(c) = state.conversations.get_mut(&conversation) {
                for t in c.timeline.iter_mut() {
                    if let TimelineItem::Event { delivery, .. } = t
                        && matches!(delivery, Delivery::Failed { .. } | Delivery::Unknown)
                    {
                        *delivery = Delivery::Queued;
                        found = true;
                        break;
                    }
                }
            }
            if found {
                // The supervisor has decided about what the journal held.
                if let Some(c) = state.conversations.get_mut(&conversation) {
                    c.journal_hold = None;
                }
                state.say(format!("{conversation}: resending"));
                vec![Effect::Resend { conversation }]
            } else {
                state.refuse(format!("{conversation} has no failed request"));
                Vec::new()
            }
        }
        Pending::Drop { conversation } => {
            let mut found = false;
            if let Some(c) = state.conversations.get_mut(&conversation) {
                for t in c.timeline.iter_mut() {
                    if let TimelineItem::Event { delivery, .. } = t
                        && matches!(delivery, Delivery::Failed { .. } | Delivery::Unknown)
                    {
                        *delivery = Delivery::Dropped;
                        found = true;
                        break;
                    }
                }
            }
            if found {
                if let Some(c) = state.conversations.get_mut(&conversation) {
                    c.journal_hold = None;
                }
                state.say(format!("{conversation}: failed request dropped"));
                vec![Effect::DropFailed { conversation }]
            } else {
                state.refuse(format!("{conversation} has no failed request"));
                Vec::new()
            }
        }
        Pending::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn start_retry(state: &mut State, drop: bool) -> Vec<Effect> {
    if read_only_refusal(state) {
        return Vec::new();
    }
    let Some(conv) = selected_or_refuse(state) else {
        return Vec::new();
    };
    let Some((_, delivery)) = conv.failed() else {
        state.refuse(format!("{} has no failed request to retry", conv.id));
        return Vec::new();
    };
    let what = conv
        .timeline
        .iter()
        .find_map(|t| match t {
            TimelineItem::Event {
                text, delivery: d, ..
            } if d == delivery => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let (prompt, pending) = if drop {
        (
            format!("Drop {what} for {} (it is not sent)? y/N", conv.id),
            Pending::Drop {
                conversation: conv.id.clone(),
            },
        )
    } else {
        (
            format!("Resend {what} for {}? y/N", conv.id),
            Pending::Retry {
                conversation: conv.id.clone(),
            },
        )
    };
    // A resend is always confirmed: its first attempt may have arrived.
    state.mode = Mode::Confirm { prompt, pending };
    Vec::new()
}

fn ask_quit(state: &mut State) -> Vec<Effect> {
    let open = state.open_requests();
    // Read-only queued nothing: what it shows belongs to another console.
    if open == 0 || state.settings.read_only {
        state.quit = true;
        return vec![Effect::Quit];
    }
    state.mode = Mode::Confirm {
        prompt: format!(
            "{open} request(s) still queued or awaiting a callback. Quit? Queued ones stay in the journal. y/N"
        ),
        pending: Pending::Quit,
    };
    Vec::new()
}

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

/// How many agents of the directory `query` could mean.
fn matching_agents(state: &State, query: &str) -> usize {
    let q = query.trim().to_lowercase();
    state
        .agents
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&q) || a.id.to_lowercase().starts_with(&q))
        .count()
}

fn find_agent(state: &State, query: &str) -> Result<Agent, String> {
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

fn run_command(state: &mut State, line: &str) -> Vec<Effect> {
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

fn input_cap(mode: &Mode) -> usize {
    match mode {
        Mode::NewConversation(_) => MAX_FORM_FIELD,
        _ => MAX_INPUT,
    }
}

/// Appends as much of `text` as fits under `cap` characters; false when
/// some of it did not.
fn push_capped(buf: &mut String, text: &str, cap: usize) -> bool {
    let room = cap.saturating_sub(buf.chars().count());
    let n = text.chars().count();
    buf.extend(text.chars().take(room));
    n <= room
}

fn submit_new_conversation(state: &mut State, mut form: NewConversationForm) {
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

// ---------------------------------------------------------------------------
// Results from the runtime
// ---------------------------------------------------------------------------

fn timeline_event_mut<'a>(
    state: &'a mut State,
    conv: &str,
    req_id: &str,
) -> Option<&'a mut TimelineItem> {
    state
        .conversations
        .get_mut(conv)?
        .timeline
        .iter_mut()
        .find(|t| t.req_id() == Some(req_id))
}

fn set_delivery(state: &mut State, conv: &str, req_id: &str, d: Delivery) {
    if let Some(TimelineItem::Event { delivery, .. }) = timeline_event_mut(state, conv, req_id) {
        *delivery = d;
    }
}

fn set_assign(state: &mut State, conv: &str, req_id: &str, s: AssignState) {
    if let Some(TimelineItem::Assign { state: st, .. }) = timeline_event_mut(state, conv, req_id) {
        *st = s;
    }
}

fn hook_done(
    state: &mut State,
    req_id: &str,
    conv_id: &str,
    outcome: Result<ReplyInfo, crate::kore::wire::CallError>,
    attempts: u32,
    maybe_arrived: Vec<u32>,
) {
    let now = state.now_ms;
    let also = may_also_have_arrived(&maybe_arrived);
    match outcome {
        Ok(reply) => {
            state.status.health = Health::Online;
            let mut applied = None;
            let mut what = String::new();
            if let Some(TimelineItem::Event {
                delivery,
                event,
                text,
                ..
            }) = timeline_event_mut(state, conv_id, req_id)
            {
                *delivery = Delivery::Delivered {
                    status: reply.status,
                    latency_ms: reply.latency_ms,
                    attempt: attempts,
                    maybe_arrived: maybe_arrived.clone(),
                };
                applied = Some(event.clone());
                what = format!(" {text}");
            }
            if let (Some(event), Some(c)) = (applied, state.conversations.get_mut(conv_id))
                && let Err(e) = c.roster.apply(&event, now)
            {
                state.log.push(
                    now,
                    LogKind::Error,
                    format!("{conv_id}: roster out of step: {e}"),
                );
            }
            let tries = match &also {
                Some(also) => format!(" on try {attempts}; {also}"),
                None if attempts > 1 => format!(" after {attempts} tries"),
                None => String::new(),
            };
            state.log.push(
                now,
                LogKind::In,
                format!(
                    "{} {} ms{tries}  {conv_id}{what}  {}",
                    status_text(reply.status),
                    reply.latency_ms,
                    reply.body
                ),
            );
        }
        Err(e) if !maybe_arrived.is_empty() => {
            // Some try may have been applied: neither delivered nor failed.
            set_delivery(state, conv_id, req_id, Delivery::Unknown);
            state.status.health = Health::Degraded(e.to_string());
            let tries = also.unwrap_or_default();
            let text = format!(
                "{e}  ({conv_id}; unknown: {tries}; later events of it are held; r resends, :drop drops)"
            );
            state.log.push(now, LogKind::Error, text);
            state.flash = Some((
                format!("{conv_id}: {e}; it may have arrived (unknown)"),
                true,
            ));
        }
        Err(e) => {
            set_delivery(
                state,
                conv_id,
                req_id,
                Delivery::Failed {
                    status: e.status(),
                    message: e.to_string(),
                },
            );
            if e.status().is_none() {
                state.status.health = Health::Degraded(e.to_string());
            } else {
                state.status.health = Health::Online;
            }
            let text = format!("{e}  ({conv_id}; later events of it are held; r resends)");
            state.log.push(now, LogKind::Error, text);
            state.flash = Some((format!("{conv_id}: {e}"), true));
        }
    }
}

/// "tries 1–3 may also have arrived", or None when no try was uncertain.
pub fn may_also_have_arrived(tries: &[u32]) -> Option<String> {
    let list = match tries {
        [] => return None,
        [one] => return Some(format!("try {one} may also have arrived")),
        [first, .., last] if tries.windows(2).all(|w| w[1] == w[0] + 1) => {
            format!("{first}–{last}")
        }
        many => many
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    Some(format!("tries {list} may also have arrived"))
}

fn status_text(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        _ => "",
    };
    format!("{status} {reason}").trim().to_string()
}

fn assign_done(
    state: &mut State,
    req_id: &str,
    conv_id: &str,
    outcome: Result<ReplyInfo, crate::kore::wire::CallError>,
    uncertain: bool,
) {
    let now = state.now_ms;
    match outcome {
        Err(e) if uncertain => {
            // Kore may have taken it: not retried (it could assign twice).
            // A callback that still comes is matched by its path.
            state.awaiting_callback.remove(req_id);
            state.callback_deadlines.remove(req_id);
            set_assign(state, conv_id, req_id, AssignState::Unknown);
            state.log.push(
                now,
                LogKind::Error,
                format!(
                    "{e}  (assign {conv_id}: it may have reached Kore, so it is not sent again; \
                     unknown until its callback comes; check the conversation, then assign again if need be)"
                ),
            );
            state.flash = Some((
                format!("assign {conv_id}: {e}; it may have reached Kore (unknown)"),
                true,
            ));
        }
        Ok(reply) => {
            state.status.health = Health::Online;
            // The callback may already have come (it can beat the reply).
            let pending = matches!(
                timeline_event_mut(state, conv_id, req_id),
                Some(TimelineItem::Assign {
                    state: AssignState::Queued | AssignState::Sending,
                    ..
                })
            );
            if pending {
                set_assign(
                    state,
                    conv_id,
                    req_id,
                    AssignState::AwaitingCallback {
                        status: reply.status,
                        latency_ms: reply.latency_ms,
                    },
                );
            }
            state.log.push(
                now,
                LogKind::In,
                format!(
                    "{} {} ms  assign {conv_id}  {}",
                    status_text(reply.status),
                    reply.latency_ms,
                    reply.body
                ),
            );
        }
        Err(e) => {
            state.awaiting_callback.remove(req_id);
            set_assign(
                state,
                conv_id,
                req_id,
                AssignState::Rejected {
                    message: e.to_string(),
                },
            );
            state
                .log
                .push(now, LogKind::Error, format!("{e}  (assign {conv_id})"));
            state.flash = Some((format!("assign {conv_id}: {e}"), true));
        }
    }
}

/// The conversation of an assign request, from its timeline.
fn assign_conversation(state: &State, req_id: &str) -> Option<String> {
    state.conversations.values().find_map(|c| {
        c.timeline
            .iter()
            .any(|t| matches!(t, TimelineItem::Assign { req_id: r, .. } if r == req_id))
            .then(|| c.id.clone())
    })
}

/// A callback is matched by the request id in its path. Only a callback
/// whose path carries no request id is matched by its bot session id. A
/// callback for a request that is no longer awaited (it timed out, or
/// another callback came first) updates that request alone, as a late one.
/// Whatever it says, understood or not, it makes a line in the log.
fn on_callback(state: &mut State, cb: crate::kore::wire::ReceivedCallback) -> Vec<Effect> {
    use crate::kore::wire::Verdict;
    let now = state.now_ms;
    let verdict = match &cb.problem {
        Some(problem) => Verdict::Unclear(problem.clone()),
        None => cb.body.verdict(),
    };
    let summary = clean(&cb.summary, MAX_FIELD);
    let matched: Option<(String, String, bool)> = match cb.request_id.as_deref() {
        Some(id) => match state.awaiting_callback.get(id) {
            Some(conv) => Some((id.to_string(), conv.clone(), false)),
            None => assign_conversation(state, id).map(|conv| (id.to_string(), conv, true)),
        },
        None => cb.body.session_id.as_deref().and_then(|session| {
            state.awaiting_callback.iter().find_map(|(id, conv)| {
                (state.conversations.get(conv)?.bot_session_id.as_deref() == Some(session))
                    .then(|| (id.clone(), conv.clone(), false))
            })
        }),
    };
    let agent = match (&cb.body.agent_id, &cb.body.queue_id) {
        (Some(a), _) => state.agent_name(a),
        (None, Some(q)) => format!("queue {}", clean(q, MAX_FIELD)),
        (None, None) => "?".into(),
    };
    let reason = clean(
        cb.body.reason.as_deref().unwrap_or("no reason given"),
        MAX_FIELD,
    );
    let status = cb.body.status_text().map(|s| clean(&s, MAX_FIELD));
    let (ok, outcome, shown) = match &verdict {
        Verdict::Success => {
            let outcome = status.unwrap_or_else(|| "ok".into());
            (true, outcome, AssignState::Transferred)
        }
        Verdict::Failure => (
            false,
            format!("{}: {reason}", status.as_deref().unwrap_or("failed")),
            AssignState::CallbackFailed {
                reason: reason.clone(),
            },
        ),
        Verdict::Unclear(why) => {
            let why = clean(why, MAX_FIELD);
            (
                false,
                format!("{NOT_UNDERSTOOD}: {why}"),
                AssignState::Unclear { reason: why },
            )
        }
    };
    let Some((req_id, conv, late)) = matched else {
        let which = match cb.request_id.as_deref() {
            Some(id) => format!("unknown request {}", clean(id, MAX_FIELD)),
            None => "no pending request".to_string(),
        };
        state.log.push(
            now,
            LogKind::Callback,
            format!("callback for {which} ({summary}): {outcome}"),
        );
        return Vec::new();
    };
    state.awaiting_callback.remove(&req_id);
    state.callback_deadlines.remove(&req_id);
    let was = match timeline_event_mut(state, &conv, &req_id) {
        Some(TimelineItem::Assign { state: st, .. }) => Some(st.clone()),
        _ => None,
    };
    set_assign(state, &conv, &req_id, shown.clone());
    if ok && let Some(c) = state.conversations.get_mut(&conv) {
        c.assigned_agent = cb.body.agent_id.clone();
    }
    let late_note = match (&was, late) {
        (Some(AssignState::TimedOut), true) => " (late: it had timed out)".to_string(),
        (Some(before), true) => format!(" (late: it was {})", assign_state_word(before)),
        _ => String::new(),
    };
    let bad = !ok;
    let unclear = matches!(shown, AssignState::Unclear { .. });
    state.log.push(
        now,
        if bad {
            LogKind::Error
        } else {
            LogKind::Callback
        },
        if unclear {
            format!("callback assign {conv} ({req_id}){late_note}: {outcome}  body: {summary}")
        } else {
            format!("callback assign {conv} → {agent}{late_note}: {outcome}")
        },
    );
    state.flash = Some((
        format!("assign {conv} → {agent}{late_note}: {outcome}"),
        bad,
    ));
    vec![Effect::RecordCallback {
        req_id,
        ok,
        summary: match verdict {
            Verdict::Success => outcome,
            Verdict::Failure => reason,
            Verdict::Unclear(_) => outcome,
        },
    }]
}

/// What the journal and the screen call a callback that was neither a
/// success nor a failure.
pub const NOT_UNDERSTOOD: &str = "callback not understood";

fn assign_state_word(s: &AssignState) -> &'static str {
    match s {
        AssignState::Queued => "queued",
        AssignState::Sending => "sending",
        AssignState::AwaitingCallback { .. } => "awaiting its callback",
        AssignState::Rejected { .. } => "rejected",
        AssignState::Transferred => "transferred",
        AssignState::CallbackFailed { .. } => "failed",
        AssignState::Unclear { .. } => "not understood",
        AssignState::TimedOut => "timed out",
        AssignState::Unknown => "unknown",
        AssignState::CallbackLost => "without a callback",
    }
}

/// Parses an ISO 8601 time into unix ms.
fn parse_ms(s: Option<&str>) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s?, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn merge_conversations(state: &mut State, result: Result<Vec<ConversationRecord>, String>) {
    let now = state.now_ms;
    let records = match result {
        Ok(r) => r,
        Err(e) => {
            state.status.health = Health::Degraded(e.clone());
            state
                .log
                .push(now, LogKind::Error, format!("poll conversations: {e}"));
            return;
        }
    };
    state.status.health = Health::Online;
    let default_channel =
        if Channel::parse(&state.settings.defaults.experience) == Some(Channel::Voice) {
            Channel::Voice
        } else {
            Channel::Chat
        };
    for c in state.conversations.values_mut() {
        c.listed = false;
    }
    for rec in records {
        let Some(id) = rec.hooks_id().map(|s| clean(s, MAX_FIELD)) else {
            continue;
        };
        if id.is_empty() {
            continue;
        }
        let channel = Channel::guess(rec.conversation_type.as_deref(), rec.source.as_deref())
            .unwrap_or(default_channel);
        let language = rec
            .language
            .as_deref()
            .map(|l| clean(l, 16))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| state.settings.defaults.language.clone());
        let entry = state
            .conversations
            .entry(id.clone())
            .or_insert_with(|| Conversation::new(&id, channel, &language));
        entry.listed = true;
        entry.channel = channel;
        entry.language = language;
        entry.api_status = rec.status.as_deref().map(|s| clean(s, 24));
        if let Some(s) = rec.bot_session_id.as_deref() {
            entry.bot_session_id = Some(clean(s, MAX_FIELD));
        }
        entry.api_agents = rec
            .participants
            .iter()
            .filter(|p| {
                p.status
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
            })
            .filter_map(|p| p.name.as_deref().or(p.agent_id.as_deref()))
            .map(|n| clean(n, 40))
            .collect();
        entry.started_ms = parse_ms(rec.start_time.as_deref())
            .or(parse_ms(rec.start_session_time.as_deref()))
            .or(parse_ms(rec.created_at.as_deref()))
            .or(entry.started_ms);
    }
    // Forget what the API no longer lists, unless the console has a stake in it.
    let selected = state.selected.clone();
    state.conversations.retain(|id, c| {
        c.listed || c.manual || !c.timeline.is_empty() || selected.as_deref() == Some(id)
    });
    if state.selected.is_none()
        || !state
            .conversations
            .contains_key(state.selected.as_ref().unwrap())
    {
        state.selected = None;
        keep_selection_visible(state);
    }
}

fn merge_agents(
    state: &mut State,
    agents: Result<Vec<AgentRecord>, String>,
    availability: Option<AvailabilityResponse>,
) {
    let now = state.now_ms;
    let records = match agents {
        Ok(r) => r,
        Err(e) => {
            // As for a failed conversations poll: the picture is not fresh.
            state.status.health = Health::Degraded(e.clone());
            state
                .log
                .push(now, LogKind::Error, format!("poll agents: {e}"));
            return;
        }
    };
    for rec in records {
        if rec.id.is_empty() {
            continue;
        }
        let id = clean(&rec.id, MAX_FIELD);
        let presence = rec
            .online_status_type
            .as_deref()
            .map(Presence::parse)
            .unwrap_or(Presence::Unknown);
        let name = clean(&rec.display_name(), 40);
        let email = rec.email_address().map(|e| clean(e, MAX_FIELD));
        let queue = rec.queues.first();
        match state.agents.iter_mut().find(|a| a.id == id) {
            Some(a) => {
                a.presence = presence;
                // A name from the config directory wins over the API's.
                if a.name == a.id {
                    a.name = name;
                }
                if a.email.is_none() {
                    a.email = email;
                }
                if a.queue_id.is_none() {
                    a.queue_id = queue.map(|q| clean(&q.id, MAX_FIELD));
                    a.queue_name = queue.and_then(|q| q.name.as_deref()).map(|n| clean(n, 40));
                }
            }
            None => state.agents.push(Agent {
                identity: id.clone(),
                id,
                name,
                email,
                queue_id: queue.map(|q| clean(&q.id, MAX_FIELD)),
                queue_name: queue.and_then(|q| q.name.as_deref()).map(|n| clean(n, 40)),
                presence,
                chat: rec.max_chat_support.map(|m| Load {
                    used: 0,
                    total: m.clamp(0, 999) as u32,
                }),
                voice: None,
            }),
        }
    }
    if let Some(av) = availability {
        for (status, rec) in av.iter() {
            let Some(a) = state.agents.iter_mut().find(|a| a.id == rec.id) else {
                continue;
            };
            a.presence = Presence::parse(status);
            let cap = &rec.channel_capacity;
            if let Some(c) = cap.live_chat.or(cap.messaging) {
                a.chat = Some(Load {
                    used: c.used_capacity,
                    total: c.total_capacity,
                });
            }
            if let Some(v) = cap.voice {
                a.voice = Some(Load {
                    used: v.used_capacity,
                    total: v.total_capacity,
                });
            }
        }
    }
    let n = state.visible_agents().len();
    state.agent_cursor = state.agent_cursor.min(n.saturating_sub(1));
}
