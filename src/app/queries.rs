//! What the view and the rules ask of the State: the visible, sorted and
//! filtered lists, the picker's choices, counts for the status bar.

use super::list::{FilterRow, IdSet, ListTable, SortFacts, SortKey, VisibleIds};
use super::state::*;
use super::summary::{Part, QueueSums, Summary};
use crate::app::alerts::{Level, Thresholds};
use crate::app::command::{Arg, Command, Needs, REGISTRY, Shown, colon_command};
use crate::domain::Verb;

mod completion;
mod queue_rows;
#[cfg(test)]
use completion::common_prefix;
pub use completion::complete;
pub use queue_rows::{Figure, QueueQuery, QueueRow, kore_longest_ms};

impl State {
    /// The conversations list as shown: filtered, sorted.
    pub fn visible_conversations(&self) -> Vec<&Conversation> {
        let ids = self.visible_ids();
        ids.iter()
            .filter_map(|id| self.model.conversations.get(id))
            .collect()
    }

    /// The conversations list as shown, filtered and sorted (see
    /// [`ListView::visible_ids`]).
    pub fn visible_ids(&self) -> VisibleIds {
        self.views
            .list
            .visible_ids(&self.model, self.views.problems_only)
    }

    /// What the list is made from now (the tests look into its kept list).
    #[cfg(test)]
    fn list_query(&self) -> ListQuery<'_> {
        ListQuery {
            list: &self.views.list,
            model: &self.model,
            problems_only: self.views.problems_only,
        }
    }
}

/// What the conversation list is made from: the list's own view (filter,
/// sort, narrowing, kept list), the model, and whether the problems-only
/// view is on. The handlers that change the list ask it through
/// [`ListView::visible_ids`]; the view through `State::visible_ids`.
#[derive(Clone, Copy)]
struct ListQuery<'a> {
    list: &'a ListView,
    model: &'a Model,
    problems_only: bool,
}

impl ListView {
    /// The conversations list as shown, filtered and sorted. It is kept:
    /// the sorted table is made again only when the conversations, the sort
    /// or the narrowing changed, and the filter is applied to that table
    /// (see `app::list`); a filter that only grew (more typed at its end)
    /// narrows the rows the shorter one left.
    pub fn visible_ids(&self, model: &Model, problems_only: bool) -> VisibleIds {
        ListQuery {
            list: self,
            model,
            problems_only,
        }
        .visible_ids()
    }

    /// The selected conversation, when the model still holds it.
    pub fn selected_conversation<'m>(&self, model: &'m Model) -> Option<&'m Conversation> {
        self.selected
            .as_ref()
            .and_then(|id| model.conversations.get(id))
    }

    /// The list's sort as the title and the flash say it.
    pub fn sort_label(&self) -> String {
        if self.reversed {
            format!("{}, reversed", self.sort.label())
        } else {
            self.sort.label().to_string()
        }
    }
}

impl Model {
    /// The counts over every conversation, made in one pass and kept (in
    /// `kept`, the views' summary cache) until the conversations change, so
    /// that a frame never walks them all.
    pub fn summary(&self, kept: &GenCache<Summary>) -> std::sync::Arc<Summary> {
        kept.get_or_patch(
            self.conversations.generation(),
            |since, kept| self.patched_summary(since, kept),
            || Summary::of(self.conversations.values()),
        )
    }

    /// The summary kept at generation `since` brought up to date: each
    /// conversation changed since has its part as it was then taken out
    /// and its part now added. Only when every change since was tracked
    /// and at most [`patch_limit`] conversations changed; else `None`.
    fn patched_summary(&self, since: u64, kept: std::sync::Arc<Summary>) -> Option<Summary> {
        let changed = self.first_changes_since(since)?;
        let mut s = std::sync::Arc::try_unwrap(kept).unwrap_or_else(|k| (*k).clone());
        for (id, before) in changed {
            if let Some(b) = before {
                s.take(id, &b.part);
            }
            if let Some(c) = self.conversations.get(id) {
                s.add(id, Part::of(c));
            }
        }
        Some(s)
    }

    /// The conversations changed since `generation`, each once with what it
    /// was then (`None`: not held), when every change since was tracked
    /// and at most [`patch_limit`] changed.
    pub(crate) fn first_changes_since(
        &self,
        generation: u64,
    ) -> Option<Vec<(&str, Option<&crate::app::state::Before>)>> {
        let mut seen = IdSet::default();
        let mut firsts = Vec::new();
        for (id, before) in self.conversations.changes_since(generation)? {
            if seen.insert(id) {
                firsts.push((id, before));
            }
        }
        (firsts.len() <= patch_limit(self.conversations.len())).then_some(firsts)
    }

    /// Whether the problems-only view shows it: past a wait threshold (as of
    /// the latest alerts pass), or with a failed or unknown request or
    /// assign.
    pub fn is_problem(&self, c: &Conversation) -> bool {
        self.breaches.conversations.contains_key(&c.id) || c.failed().is_some() || c.assign_failed()
    }

    /// An agent's name by its id (the id itself when it is not listed).
    pub(crate) fn agent_name(&self, id: &str) -> String {
        self.agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// A queue's name by its id (the id itself when it is not listed).
    pub fn queue_name(&self, id: &str) -> String {
        self.queues
            .iter()
            .find(|q| q.id == id)
            .map(|q| q.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

impl Views {
    /// The picker's choices: matching agents, available ones with room first.
    pub fn picker_choices<'m>(&self, model: &'m Model) -> Vec<&'m Agent> {
        let Mode::Picker(p) = &self.mode else {
            return Vec::new();
        };
        if picker_queue_query(p).is_some() {
            return Vec::new();
        }
        let conv = model.conversations.get(&p.conversation);
        let channel = conv.map(|c| c.channel).unwrap_or(Channel::Chat);
        let present = conv.map(|c| c.projected()).unwrap_or_default();
        let q = p.query.as_str().to_lowercase();
        // "mia, raj": the agents each part matches (a bulk assign spread
        // over them).
        let parts: Vec<&str> = if q.contains(',') {
            q.split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect()
        } else {
            vec![q.as_str()]
        };
        let mut v: Vec<&Agent> = model
            .agents
            .iter()
            .filter(|a| {
                parts.iter().any(|q| {
                    q.is_empty()
                        || a.name.to_lowercase().contains(q)
                        || a.id.to_lowercase().contains(q)
                })
            })
            .filter(|a| !matches!(p.purpose, Verb::Cold | Verb::Warm) || !present.contains(&a.id))
            .collect();
        let assigned = conv.and_then(|c| c.assigned_agent.clone());
        let first =
            |a: &Agent| assigned.as_deref() == Some(a.id.as_str()) && p.purpose == Verb::Enter;
        // While the picker is open the order it opened with stands; agents
        // listed since come after, in the usual order.
        let frozen_at = |a: &Agent| {
            p.frozen
                .iter()
                .position(|f| f.id == a.id)
                .unwrap_or(usize::MAX)
        };
        v.sort_by_key(|a| (frozen_at(a), picker_rank(a, channel, first(a))));
        v
    }
}

impl Status {
    /// Whole seconds until Kore's requested wait (after a 429) is over, at
    /// `now_ms`, while it lasts.
    pub fn kore_wait_secs(&self, now_ms: i64) -> Option<i64> {
        let until = self.kore_wait_until_ms?;
        let left = until - now_ms;
        (left > 0).then(|| (left + 999) / 1000)
    }
}

impl AgentsView {
    /// The agents pane: filtered, available first, then by name.
    pub fn visible<'m>(&self, model: &'m Model) -> Vec<&'m Agent> {
        let f = self.filter.to_lowercase();
        let mut v: Vec<&Agent> = model
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
        if self.by_time {
            // Longest in its status first; a change seen sorts by its time,
            // a lower bound by its own (both are "at least" that long).
            let since = |a: &Agent| {
                model
                    .agent_since
                    .get(&a.id)
                    .map_or(i64::MAX, |s| s.since_ms)
            };
            v.sort_by(|a, b| since(a).cmp(&since(b)).then(a.name.cmp(&b.name)));
        } else {
            v.sort_by(|a, b| a.presence.cmp(&b.presence).then(a.name.cmp(&b.name)));
        }
        v
    }
}

impl ListQuery<'_> {
    /// The conversations list as shown, filtered and sorted. It is kept:
    /// the sorted table is made again only when the conversations, the sort
    /// or the narrowing changed, and the filter is applied to that table
    /// (see `app::list`); a filter that only grew (more typed at its end)
    /// narrows the rows the shorter one left.
    fn visible_ids(&self) -> VisibleIds {
        let key = self.key();
        let mut cache = self
            .list
            .cache
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = |key: ListKey| KeptList {
            key,
            filter: String::new(),
            list: VisibleIds {
                table: std::sync::Arc::new(self.sorted_table()),
                shown: None,
                hint: Default::default(),
            },
        };
        let kept = match cache.take() {
            Some(k) if k.key == key => k,
            Some(k) => self.patched(k, &key).unwrap_or_else(|| fresh(key)),
            None => fresh(key),
        };
        if kept.filter == self.list.filter {
            let list = kept.list.clone();
            *cache = Some(kept);
            return list;
        }
        let map: &ConversationMap = &self.model.conversations;
        let words = filter_words(&self.list.filter);
        let grew = self.list.filter.starts_with(kept.filter.as_str())
            // A new `k=` turns a plain word into a field test.
            && self.list.filter.matches('=').count() == kept.filter.matches('=').count();
        let table = kept.list.table.clone();
        let shown = if words.is_empty() {
            None
        } else if grew {
            let old = filter_words(&kept.filter);
            let same = old.iter().zip(&words).take_while(|(a, b)| a == b).count();
            let base = kept.list.shown.as_deref().map(Vec::as_slice);
            Some(std::sync::Arc::new(table.filter(base, &words[same..], map)))
        } else {
            Some(std::sync::Arc::new(table.filter(None, &words, map)))
        };
        let list = VisibleIds {
            table,
            shown,
            hint: Default::default(),
        };
        *cache = Some(KeptList {
            key: kept.key,
            filter: self.list.filter.clone(),
            list: list.clone(),
        });
        list
    }

    /// What the kept table of the list is made from now.
    fn key(&self) -> ListKey {
        ListKey {
            generation: self.model.conversations.generation(),
            sort: self.list.sort,
            reversed: self.list.reversed,
            queue: self.list.queue_narrow.clone(),
            agent: self.list.agent_narrow.clone(),
            problems: self.problems_only.then_some(self.model.breaches.version),
        }
    }

    /// The kept list brought up to date row by row: the rows of the
    /// conversations changed since it was made are taken out and those
    /// that belong put back at their sorted places (their filter text and
    /// the filter's rows with them). Only when every change since was
    /// tracked (`Conversations::changed_since`), at most
    /// [`patch_limit`] conversations changed, and the sort, the narrowing
    /// and the problems view are the same; else `None`, and the list is
    /// made again whole.
    fn patched(&self, kept: KeptList, key: &ListKey) -> Option<KeptList> {
        if !kept.key.same_view(key) {
            return None;
        }
        let changed = self.model.first_changes_since(kept.key.generation)?;
        let map: &ConversationMap = &self.model.conversations;
        // Their rows as they were (found by their keys then), and as they
        // are for those that belong.
        let gone: Vec<(SortKey, &str)> = changed
            .iter()
            .filter_map(|(id, b)| Some((sort_key(self.list.sort, &(*b)?.sort), *id)))
            .collect();
        let rows: Vec<(SortKey, &Conversation)> = changed
            .iter()
            .filter_map(|(id, _)| self.model.conversations.get(id))
            .filter(|c| self.in_list(c))
            .map(|c| (sort_key(self.list.sort, &SortFacts::of(c)), c))
            .collect();
        let KeptList { filter, list, .. } = kept;
        let mut table = std::sync::Arc::try_unwrap(list.table).unwrap_or_else(|t| (*t).clone());
        let moved = table.patch(&gone, rows, order(self.list.sort, self.list.reversed));
        let shown = list.shown.map(|shown| {
            let added = table.filter(Some(&moved.added), &filter_words(&filter), map);
            std::sync::Arc::new(merge_rows(moved.kept(&shown), &added))
        });
        Some(KeptList {
            key: key.clone(),
            filter,
            list: VisibleIds {
                table: std::sync::Arc::new(table),
                shown,
                hint: list.hint,
            },
        })
    }

    /// Whether a conversation is a row of the list's table: the queue and
    /// agent narrowing and the problems view let it through.
    fn in_list(&self, c: &Conversation) -> bool {
        self.list
            .agent_narrow
            .as_deref()
            .is_none_or(|a| holds_agent(c, a))
            && self
                .list
                .queue_narrow
                .as_deref()
                .is_none_or(|q| c.queue.as_ref().is_some_and(|(id, _)| id == q))
            && (!self.problems_only || self.model.is_problem(c))
    }

    /// The table made from scratch: the narrowed rows, sorted.
    fn sorted_table(&self) -> ListTable {
        // Keys that cost something (a row's state, a natural id) are made
        // once per row, not twice per comparison. Ids are unique, so an
        // unstable sort gives the same order as a stable one.
        let mut rows: Vec<(SortKey, &str)> = self
            .model
            .conversations
            .values()
            .filter(|c| self.in_list(c))
            .map(|c| (sort_key(self.list.sort, &SortFacts::of(c)), c.id.as_str()))
            .collect();
        if self.list.sort == SortBy::Id {
            let mut keyed: Vec<((&str, u64), &str)> = rows
                .iter()
                .map(|(_, id)| (natural_parts(id), *id))
                .collect();
            keyed.sort_unstable();
            rows = keyed
                .into_iter()
                .map(|(_, id)| (SortKey::default(), id))
                .collect();
        } else {
            rows.sort_unstable();
        }
        if self.list.reversed {
            rows.reverse();
        }
        let (keys, ids) = rows.into_iter().map(|(k, id)| (k, id.to_string())).unzip();
        ListTable::with_keys(ids, keys)
    }
}

impl State {
    /// The thresholds a conversation is judged by: its queue's, else the
    /// defaults.
    pub fn thresholds_of(&self, c: &Conversation) -> &Thresholds {
        match &c.queue {
            Some((id, name)) => self.settings.alerts.for_queue(id, name),
            None => &self.settings.alerts.default,
        }
    }

    /// How long a conversation has waited past its thresholds now: only a
    /// listed one still waiting for an agent can be past them.
    pub fn conversation_level(&self, c: &Conversation) -> Level {
        if !c.listed || !c.is_waiting() {
            return Level::Ok;
        }
        c.wait_now_ms(self.now_ms)
            .map_or(Level::Ok, |w| self.thresholds_of(c).wait_level(w))
    }

    /// Whether the problems-only view shows it (see [`Model::is_problem`]).
    pub fn is_problem(&self, c: &Conversation) -> bool {
        self.model.is_problem(c)
    }

    pub fn selected_conversation(&self) -> Option<&Conversation> {
        self.views.list.selected_conversation(&self.model)
    }

    /// The agents pane: filtered, available first, then by name.
    pub fn visible_agents(&self) -> Vec<&Agent> {
        self.views.agents.visible(&self.model)
    }

    /// The picker's choices (see [`Views::picker_choices`]).
    pub fn picker_choices(&self) -> Vec<&Agent> {
        self.views.picker_choices(&self.model)
    }

    /// Whether `agent`'s presence or load differs from what the open picker
    /// showed when it opened (or they were not listed then).
    pub fn picker_changed(&self, agent: &Agent) -> bool {
        let Mode::Picker(p) = &self.views.mode else {
            return false;
        };
        if p.frozen.is_empty() {
            return false;
        }
        match p.frozen.iter().find(|f| f.id == agent.id) {
            Some(f) => (f.presence, f.chat, f.voice) != (agent.presence, agent.chat, agent.voice),
            None => true,
        }
    }

    /// The channel of the conversation the open picker is for.
    pub fn picker_channel(&self) -> Channel {
        match &self.views.mode {
            Mode::Picker(p) => self
                .model
                .conversations
                .get(&p.conversation)
                .map(|c| c.channel)
                .unwrap_or(Channel::Chat),
            _ => Channel::Chat,
        }
    }

    /// Requests still queued, in flight, retrying or held: what `q` warns about.
    /// Whole seconds until Kore's requested wait (after a 429) is over, while
    /// it lasts.
    pub fn kore_wait_secs(&self) -> Option<i64> {
        self.model.status.kore_wait_secs(self.now_ms)
    }

    /// The listener refused something in the last ten seconds.
    pub fn listener_refusing(&self) -> bool {
        let (total, last) = self.model.status.listener_refused;
        total > 0 && self.now_ms - last < 10_000
    }

    pub fn open_requests(&self) -> usize {
        self.summary().open_events + self.requests.awaiting_callback.len()
    }

    /// The attempt numbers of the requests being retried right now.
    pub fn retrying(&self) -> Vec<u32> {
        self.summary().retrying.clone()
    }

    /// Conversations whose queue is stopped by a failed or unknown request.
    pub fn failed_count(&self) -> usize {
        self.summary().failed
    }

    /// The counts over every conversation (see [`Model::summary`]).
    pub fn summary(&self) -> std::sync::Arc<Summary> {
        self.model.summary(&self.views.summary_cache)
    }

    pub(crate) fn say(&mut self, text: impl Into<String>) {
        self.views.say(text);
    }

    pub(crate) fn refuse(&mut self, text: impl Into<String>) {
        self.views.refuse(&mut self.log, self.now_ms, text);
    }

    pub(crate) fn agent_name(&self, id: &str) -> String {
        self.model.agent_name(id)
    }
}

#[cfg(test)]
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
pub(super) fn natural_parts(id: &str) -> (&str, u64) {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let n = id[id.len() - digits..].parse().unwrap_or(0);
    (&id[..id.len() - digits], n)
}

impl SortFacts {
    /// What the list's sorts read of `c`.
    pub(crate) fn of(c: &Conversation) -> SortFacts {
        SortFacts {
            urgency: c.urgency(),
            state_rank: c.state_rank(),
            started_ms: c.started_ms,
            channel: c.channel as u8,
        }
    }
}

/// What the list's sort `sort` compares of a conversation (its facts)
/// before its id (the id sort compares [`natural_parts`] of the id, then
/// the id).
fn sort_key(sort: SortBy, f: &SortFacts) -> SortKey {
    match sort {
        // Within OVERDUE and waiting: who joined the queue first (longest
        // wait); no wait known after a known one.
        SortBy::Urgency => SortKey(f.urgency.0, f.urgency.1, f.started_ms),
        SortBy::State => SortKey(f.state_rank, 0, f.started_ms),
        SortBy::Age => SortKey(0, 0, f.started_ms),
        SortBy::Id => SortKey::default(),
        SortBy::Channel => SortKey(f.channel, 0, None),
    }
}

/// How two rows (sort key, id) compare in the list sorted by `sort`,
/// backwards when `reversed`: the same order `State::sorted_table` makes.
fn order(
    sort: SortBy,
    reversed: bool,
) -> impl Fn(&SortKey, &str, &SortKey, &str) -> std::cmp::Ordering {
    move |ka, a, kb, b| {
        let o = if sort == SortBy::Id {
            (natural_parts(a), a).cmp(&(natural_parts(b), b))
        } else {
            (ka, a).cmp(&(kb, b))
        };
        if reversed { o.reverse() } else { o }
    }
}

/// Two lists of rows in order, as one in order.
fn merge_rows(a: Vec<u32>, b: &[u32]) -> Vec<u32> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.iter().copied().peekable();
    for row in a {
        while let Some(x) = b.next_if(|x| *x < row) {
            out.push(x);
        }
        out.push(row);
    }
    out.extend(b);
    out
}

/// A filter is words; `key=value` words match a field (`lang`, `channel`,
/// `state`, `agent`), other words match the id, session or agent names.
/// Whether a conversation passes the `/` filter: every word must match. A
/// word matches by prefix or by substring, never by equality, so typing more
/// at the end of a word only ever narrows (the kept list is narrowed rather
/// than made again).
pub fn conv_matches(c: &Conversation, filter: &str) -> bool {
    let words = filter_words(filter);
    words_match(c, &words)
}

/// The filter's words, lower-cased once (not per row).
pub fn filter_words(filter: &str) -> Vec<String> {
    filter.split_whitespace().map(str::to_lowercase).collect()
}

/// Whether a conversation passes every word of a filter.
pub fn words_match(c: &Conversation, words: &[String]) -> bool {
    words.iter().all(|w| {
        let w = w.as_str();
        let state = || c.state();
        if let Some((k, v)) = w.split_once('=') {
            return match k {
                "lang" | "language" => starts_ci(&c.language, v),
                "channel" | "ch" => c.channel.as_str().starts_with(v),
                "state" | "status" => {
                    starts_ci(state().label(), v)
                        || c.api_status.as_deref().is_some_and(|s| starts_ci(s, v))
                }
                "queue" | "q" => c.queue.as_ref().is_some_and(|(_, n)| contains_ci(n, v)),
                "agent" => {
                    c.roster
                        .members()
                        .iter()
                        .any(|m| contains_ci(&m.agent.name, v))
                        || c.api_agents.iter().any(|a| contains_ci(a, v))
                }
                _ => false,
            };
        }
        contains_ci(&c.id, w)
            || c.channel.as_str().starts_with(w)
            || starts_ci(&c.language, w)
            || starts_ci(state().label(), w)
            || c.bot_session_id
                .as_deref()
                .is_some_and(|s| contains_ci(s, w))
            || c.primary_name().is_some_and(|n| contains_ci(n, w))
            || c.queue.as_ref().is_some_and(|(_, n)| contains_ci(n, w))
    })
}

/// Whether `hay` holds `needle` (given in lower case), case ignored;
/// without a copy when both are ASCII (this runs per row per keystroke).
fn contains_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

/// Whether `hay` starts with `needle` (given in lower case), case ignored.
fn starts_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        return hay
            .as_bytes()
            .get(..needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(needle.as_bytes()));
    }
    hay.to_lowercase().starts_with(needle)
}

// ---------------------------------------------------------------------------
// What the registry's commands ask of State
// ---------------------------------------------------------------------------

impl Command {
    /// Whether the command can run now, and if not, why. Cheap and free of
    /// side effects: the hint bar dims what this refuses, and a key of a
    /// refused command shows the reason instead of running it. (The rules
    /// that need a plan, such as who may be removed, are checked when the
    /// command runs.)
    pub fn enabled(self, state: &State) -> Result<(), String> {
        let context = self.context();
        if context.sends && state.settings.read_only {
            return Err("read-only mode: nothing is sent".into());
        }
        // With marks, these act on the marked conversations (each judged
        // when it is planned), whichever is selected.
        if matches!(self, Command::Assign | Command::End | Command::Remove)
            && !state.views.list.marks.is_empty()
        {
            return Ok(());
        }
        let conv = match context.needs {
            Needs::Nothing => return Ok(()),
            Needs::PickerChoice => return picker_choice(state),
            Needs::FocusedRow if state.views.focus == Pane::Agents => {
                return if state.visible_agents().is_empty() {
                    Err("no agent listed yet".into())
                } else {
                    Ok(())
                };
            }
            Needs::FocusedRow if state.views.focus == Pane::Queues => {
                return if state.model.queues.is_empty() {
                    Err("no queue listed yet".into())
                } else {
                    Ok(())
                };
            }
            Needs::FocusedRow | Needs::Conversation | Needs::FailedRequest | Needs::Session => {
                state
                    .selected_conversation()
                    .ok_or("no conversation selected")?
            }
        };
        match context.needs {
            Needs::FailedRequest if conv.failed().is_none() => {
                Err(format!("{} has no failed request to retry", conv.id))
            }
            Needs::Session if conv.bot_session_id.is_none() => Err(format!(
                "{} has no bot session id, so it cannot be assigned (open it with `n` and give one)",
                conv.id
            )),
            Needs::Session if matches!(conv.state(), ConvState::Ended) => {
                Err(format!("{} has ended; there is nothing to assign", conv.id))
            }
            _ => Ok(()),
        }
    }
}

/// Whether the picker has a choice under its cursor to pick: an agent, or
/// a queue after `q:`.
fn picker_choice(state: &State) -> Result<(), String> {
    let picking_queue =
        matches!(&state.views.mode, Mode::Picker(p) if picker_queue_query(p).is_some());
    if picking_queue && state.picker_queue_choices().is_empty() {
        Err("no queue matches; nothing was sent".into())
    } else if !picking_queue && state.picker_choices().is_empty() {
        Err("no agent matches; nothing was sent".into())
    } else {
        Ok(())
    }
}

impl State {
    /// The commands the lists' hint bar offers for the focused pane: each
    /// registry entry with a hint for that pane that is shown now, in the
    /// order of the hints' ranks (help and quit end every pane's).
    pub fn hint_commands(&self) -> Vec<Command> {
        let mut hints: Vec<(u8, Command)> = REGISTRY
            .iter()
            .flat_map(|e| e.hints.iter().map(move |h| (h, e.command)))
            .filter(|(h, c)| h.panes.contains(&self.views.focus) && self.hint_shown(*c, h.shown))
            .map(|(h, c)| (h.rank, c))
            .collect();
        hints.sort_by_key(|(rank, _)| *rank);
        hints.into_iter().map(|(_, c)| c).collect()
    }

    fn hint_shown(&self, command: Command, shown: Shown) -> bool {
        match shown {
            Shown::Always => true,
            Shown::ReadWrite => !self.settings.read_only,
            Shown::ReadOnly => self.settings.read_only,
            Shown::WhenEnabled => command.enabled(self).is_ok(),
        }
    }
}

/// The picker's live order: the assigned agent first for an entry, then
/// available with room, available but full, busy, unknown, away, offline;
/// among those with room the most room first (the one with the last free
/// slot is the likeliest to be full by the time the request lands); then
/// by name.
fn picker_rank(
    a: &Agent,
    channel: Channel,
    first: bool,
) -> (bool, u8, std::cmp::Reverse<u32>, String) {
    let rank = match a.presence {
        Presence::Available if a.has_room(channel) => 0,
        Presence::Available => 1,
        Presence::Busy => 2,
        Presence::Unknown => 3,
        Presence::Away => 4,
        Presence::Offline => 5,
    };
    let room = std::cmp::Reverse(a.room(channel).unwrap_or(0));
    (!first, rank, room, a.name.clone())
}

pub use crate::app::completion::{Completion, CompletionList};

impl Summary {
    pub(crate) fn of<'a>(conversations: impl Iterator<Item = &'a Conversation>) -> Summary {
        let mut s = Summary::default();
        for c in conversations {
            s.add(&c.id, Part::of(c));
        }
        s
    }
}

impl Part {
    /// What `c` adds to the summary.
    pub(crate) fn of(c: &Conversation) -> Part {
        let mut p = Part::default();
        for (_, d) in c.open_events() {
            p.open_events += 1;
            if let Delivery::Retrying { attempt, .. } = d {
                p.retrying.push(*attempt);
            }
        }
        p.failed = c.failed().is_some();
        held_by(c, |id| p.holds.push(id.to_string()));
        let Some((q, _)) = &c.queue else { return p };
        if !c.listed || matches!(c.state(), ConvState::Ended) {
            return p;
        }
        let mut f = QueueSums::default();
        if c.is_waiting() {
            f.waiting = 1;
            if let Some(w) = c.wait_ms {
                let base = w - c.listed_at_ms;
                f.timed = 1;
                f.base_max = Some(base);
                f.base_sum = base;
            }
        } else {
            f.engaged = 1;
            if let Some(w) = c.wait_ms {
                f.answered = 1;
                f.answer_sum = w;
            }
        }
        p.queue = Some((q.clone(), f));
        p
    }
}

/// Gives `note` the id of each agent `c`'s merged roster holds. A
/// conversation only Kore speaks of (nothing sent, nobody removed) needs no
/// merge: its picture is its roster, which keeps this cheap at scale.
fn held_by(c: &Conversation, mut note: impl FnMut(&str)) {
    if c.roster.members().is_empty() && c.departed.is_empty() {
        for m in c.kore.iter().flat_map(|k| &k.members) {
            note(&m.agent.id);
        }
        return;
    }
    for m in c.merged().roster.members() {
        note(&m.agent.id);
    }
}

/// Whether `c`'s merged roster holds agent `agent_id` (what
/// `State::agent_conversations` lists, one conversation at a time).
fn holds_agent(c: &Conversation, agent_id: &str) -> bool {
    let mut held = false;
    held_by(c, |id| held |= id == agent_id);
    held
}

impl FilterRow for Conversation {
    fn id(&self) -> &str {
        &self.id
    }
    fn channel(&self) -> &str {
        self.channel.as_str()
    }
    fn language(&self) -> &str {
        &self.language
    }
    fn state_label(&self, f: &mut dyn FnMut(&str)) {
        f(self.state().label())
    }
    fn api_status(&self) -> &str {
        self.api_status.as_deref().unwrap_or("")
    }
    fn session(&self) -> &str {
        self.bot_session_id.as_deref().unwrap_or("")
    }
    fn name(&self) -> &str {
        self.primary_name().unwrap_or("")
    }
    fn agents(&self, f: &mut dyn FnMut(&str)) {
        for m in self.roster.members() {
            f(&m.agent.name);
        }
        for a in &self.api_agents {
            f(a);
        }
    }
    fn queue(&self) -> &str {
        self.queue.as_ref().map_or("", |(_, name)| name)
    }
}

/// The prefix of a picker query that offers queues instead of agents.
pub const QUEUE_PREFIX: &str = "q:";

/// The queue part of a picker's query, when it asks for queues (an assign
/// whose query starts with `q:`).
pub fn picker_queue_query(p: &Picker) -> Option<&str> {
    if p.purpose != Verb::Assign {
        return None;
    }
    let text = p.query.as_str();
    let head = text.get(..QUEUE_PREFIX.len())?;
    head.eq_ignore_ascii_case(QUEUE_PREFIX)
        .then(|| &text[QUEUE_PREFIX.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(req: &str, delivery: Delivery) -> TimelineItem {
        TimelineItem::Event {
            req_id: req.into(),
            at_ms: 0,
            text: String::new(),
            event: crate::domain::Event::TriggerSummary,
            delivery,
        }
    }

    /// The counts are kept between frames, and follow every change of the
    /// conversations (the generation goes up on each mutable use).
    #[test]
    fn the_kept_counts_follow_every_change_of_the_conversations() {
        use crate::app::state::{Channel, Settings};
        let settings = Settings::for_tests();
        let mut s = State::new(settings, Default::default(), "t".into());
        let mut c = Conversation::new("c-1", Channel::Chat, "en");
        c.timeline.push(event(
            "r-1",
            Delivery::Retrying {
                attempt: 2,
                error: "503".into(),
            },
        ));
        c.timeline.push(event("r-2", Delivery::Queued));
        s.model.conversations.insert("c-1".into(), c);
        assert_eq!(
            (s.open_requests(), s.retrying(), s.failed_count()),
            (2, vec![2], 0)
        );
        let first = s.summary();
        assert!(
            std::sync::Arc::ptr_eq(&first, &s.summary()),
            "kept between frames"
        );
        if let Some(TimelineItem::Event { delivery, .. }) = s
            .model
            .conversations
            .get_mut("c-1")
            .unwrap()
            .timeline
            .get_mut(0)
        {
            *delivery = Delivery::Failed {
                status: Some(400),
                message: "bad".into(),
                reason: crate::kore::wire::FailReason::Other,
            };
        }
        assert_eq!(
            (s.open_requests(), s.retrying(), s.failed_count()),
            (1, vec![], 1)
        );
        s.model.conversations.remove("c-1");
        assert_eq!((s.open_requests(), s.failed_count()), (0, 0));
    }

    /// Issue 20.6: a change that says which conversations it touched
    /// patches the kept list (those rows out, and back at their places);
    /// one that does not, or touches too many, makes it again whole.
    #[test]
    fn tracked_changes_patch_the_kept_list_and_others_make_it_again() {
        use crate::app::state::{Channel, Settings, SortBy};
        let settings = Settings::for_tests();
        let mut s = State::new(settings, Default::default(), "t".into());
        for i in 0..100 {
            let mut c = Conversation::new(format!("c-{i}"), Channel::Chat, "en");
            c.started_ms = Some(i);
            s.model.conversations.insert(c.id.clone(), c);
        }
        s.views.list.sort = SortBy::Age;
        s.views.list.filter = "c-9".into();
        assert_eq!(s.visible_ids().first(), Some("c-9"));
        let kept = || s.views.list.cache.0.lock().unwrap().clone().unwrap();
        s.model.conversations.change("c-9").unwrap().started_ms = Some(1000);
        s.model.conversations.tracked().remove("c-90");
        let patched = s
            .list_query()
            .patched(kept(), &s.list_query().key())
            .expect("patched");
        assert_eq!(patched.list.len(), 10);
        assert_eq!(patched.list.first(), Some("c-91"));
        assert_eq!(patched.list.last(), Some("c-9"), "at its new place");
        assert_eq!(s.visible_ids().to_vec(), patched.list.to_vec());
        // A plain mutable borrow says nothing of what it changed.
        s.model.conversations.get_mut("c-5").unwrap().started_ms = Some(2000);
        assert!(
            s.list_query()
                .patched(kept(), &s.list_query().key())
                .is_none()
        );
        assert_eq!(s.visible_ids().len(), 10);
        // More than `patch_limit` changed: made again.
        let ids: Vec<String> = s.model.conversations.keys().take(65).cloned().collect();
        let mut map = s.model.conversations.tracked();
        for id in &ids {
            map.get_mut(id).unwrap().started_ms = Some(-1);
        }
        assert!(
            s.list_query()
                .patched(kept(), &s.list_query().key())
                .is_none()
        );
    }

    /// The sort's allocation-free rank agrees with the state's.
    #[test]
    fn the_sort_rank_is_the_states_rank() {
        use crate::app::state::Channel;
        for status in [
            None,
            Some("open"),
            Some("ACTIVE"),
            Some("IDLE"),
            Some("Overdue"),
            Some("closed"),
            Some("queued"),
        ] {
            let mut c = Conversation::new("c-1", Channel::Chat, "en");
            c.api_status = status.map(Into::into);
            assert_eq!(c.state_rank(), state_rank(&c.state()), "{status:?}");
            c.timeline.push(TimelineItem::Event {
                req_id: "r".into(),
                at_ms: 0,
                text: String::new(),
                event: crate::domain::Event::EndOfConversation { agent: None },
                delivery: Delivery::Queued,
            });
            assert_eq!(c.state_rank(), state_rank(&c.state()), "{status:?} ending");
        }
    }

    #[test]
    fn the_shared_start_of_words_ignores_case() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&w(&["Mia Chen", "mia Brown"])), "Mia ");
        assert_eq!(common_prefix(&w(&["re", "refresh"])), "re");
        assert_eq!(common_prefix(&w(&["a", "b"])), "");
    }
}
