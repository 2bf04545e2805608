//! The conversations map and what keeps the list in step with it: every
//! change through [`Conversations`] is tracked (which ids, their sort keys
//! before), so the kept list can be patched row by row instead of made
//! again; the caches the view reads, keyed by generation.

use super::*;

/// The conversations by id. Every change goes through a method and counts
/// as one (its generation goes up), so what is derived from them (the
/// filtered, sorted list) is made again only after one. A change made
/// through [`Conversations::tracked`] or [`Conversations::change`] also
/// notes which ids it touched, so that the kept list can patch just those
/// rows ([`Conversations::changed_since`]); `get_mut`, `insert`, `remove`
/// and `clear` say nothing of what changed, and what is derived is made
/// again whole. Reads go to the map (`Deref`).
#[derive(Debug, Clone, Default)]
pub struct Conversations {
    map: ConversationMap,
    generation: u64,
    changes: Changes,
}

/// The conversations by id, each in a box of its own: a map's nodes keep
/// room for eleven values, and a conversation is large.
pub type ConversationMap = BTreeMap<String, Box<Conversation>>;

/// The ids the tracked changes touched, oldest first.
#[derive(Debug, Clone, Default)]
struct Changes {
    ids: Vec<Change>,
    /// Every change after this generation is in `ids` (an untracked change,
    /// or the oldest entries dropped, left what came before unknown).
    known_after: u64,
}

/// One conversation a tracked change touched.
#[derive(Debug, Clone)]
struct Change {
    generation: u64,
    id: String,
    /// What it was before the change (`None`: not held).
    before: Option<Box<Before>>,
}

/// What the kept views read of a conversation, as it was before a change:
/// what it added to the summary, and what the list's sorts read of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Before {
    pub part: crate::app::summary::Part,
    pub sort: crate::app::list::SortFacts,
}

/// Up to how many changed conversations the kept list is patched rather
/// than made again: an eighth of them, and never fewer than 64 (a short
/// list is as cheap either way).
pub fn patch_limit(conversations: usize) -> usize {
    (conversations / 8).max(64)
}

impl Conversations {
    /// Goes up with every change.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// One change (one generation) that notes every id it touches.
    pub fn tracked(&mut self) -> Tracked<'_> {
        self.generation = self.generation.wrapping_add(1);
        let limit = 2 * patch_limit(self.map.len());
        if self.changes.ids.len() > limit {
            // Older changes than these are more than a patch would take.
            let cut = self.changes.ids.len() - limit / 2;
            self.changes.known_after = self.changes.ids[cut - 1].generation;
            self.changes.ids.drain(..cut);
        }
        Tracked {
            map: &mut self.map,
            changes: &mut self.changes.ids,
            generation: self.generation,
        }
    }

    /// One conversation to change, noted as changed (a change of its own).
    pub fn change(&mut self, id: &str) -> Option<&mut Conversation> {
        self.tracked().into_mut(id)
    }

    pub fn get(&self, id: &str) -> Option<&Conversation> {
        self.map.get(id).map(|c| &**c)
    }

    /// The map to change, saying nothing of what changes: every change
    /// before it is forgotten, and the kept list is made again whole.
    fn untracked(&mut self) -> &mut ConversationMap {
        self.generation = self.generation.wrapping_add(1);
        self.changes.ids.clear();
        self.changes.known_after = self.generation;
        &mut self.map
    }

    /// A conversation to change, without saying which (see `untracked`).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.untracked().get_mut(id).map(|c| &mut **c)
    }

    /// Adds or replaces one, without saying which (see `untracked`).
    pub fn insert(&mut self, id: String, c: Conversation) -> Option<Conversation> {
        self.untracked().insert(id, Box::new(c)).map(|c| *c)
    }

    /// Takes one out, without saying which (see `untracked`).
    pub fn remove(&mut self, id: &str) -> Option<Conversation> {
        self.untracked().remove(id).map(|c| *c)
    }

    /// Takes every one out (one untracked change).
    pub fn clear(&mut self) {
        self.untracked().clear();
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Conversation> + ExactSizeIterator {
        self.map.values().map(|c| &**c)
    }

    /// The ids changed since `generation`, each at least once, when every
    /// change since was tracked; `None` when that is not known.
    pub fn changed_since(&self, generation: u64) -> Option<impl Iterator<Item = &str>> {
        Some(self.changes_since(generation)?.map(|(id, _)| id))
    }

    /// The same, in order, each with what the conversation was just
    /// before that change (`None`: it was not held).
    pub fn changes_since(
        &self,
        generation: u64,
    ) -> Option<impl Iterator<Item = (&str, Option<&Before>)>> {
        if generation < self.changes.known_after || generation > self.generation {
            return None;
        }
        let ids = &self.changes.ids;
        let from = ids.partition_point(|c| c.generation <= generation);
        Some(
            ids[from..]
                .iter()
                .map(|c| (c.id.as_str(), c.before.as_deref())),
        )
    }
}

/// A change of the conversations that notes each id it touches (see
/// [`Conversations::tracked`]); reads go to the map as it is.
pub struct Tracked<'a> {
    map: &'a mut ConversationMap,
    changes: &'a mut Vec<Change>,
    generation: u64,
}

/// Notes `id` as changed at `generation`, with what it was (`None`: not
/// held).
fn record(changes: &mut Vec<Change>, generation: u64, id: &str, was: Option<&Conversation>) {
    let before = was.map(|c| {
        Box::new(Before {
            part: crate::app::summary::Part::of(c),
            sort: crate::app::list::SortFacts::of(c),
        })
    });
    changes.push(Change {
        generation,
        id: id.to_string(),
        before,
    });
}

impl<'a> Tracked<'a> {
    fn into_mut(self, id: &str) -> Option<&'a mut Conversation> {
        let c = self.map.get_mut(id)?;
        record(self.changes, self.generation, id, Some(c));
        Some(c)
    }

    /// The conversation to change, if held.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        let c = self.map.get_mut(id)?;
        record(self.changes, self.generation, id, Some(c));
        Some(c)
    }

    /// The conversation to change, made with `new` when not held.
    pub fn get_or_insert_with(
        &mut self,
        id: &str,
        new: impl FnOnce() -> Conversation,
    ) -> &mut Conversation {
        use std::collections::btree_map::Entry;
        match self.map.entry(id.to_string()) {
            Entry::Occupied(e) => {
                record(self.changes, self.generation, id, Some(e.get()));
                e.into_mut()
            }
            Entry::Vacant(v) => {
                record(self.changes, self.generation, id, None);
                v.insert(Box::new(new()))
            }
        }
    }

    pub fn remove(&mut self, id: &str) -> Option<Conversation> {
        let c = self.map.remove(id)?;
        record(self.changes, self.generation, id, Some(&c));
        Some(*c)
    }
}

impl std::ops::Deref for Tracked<'_> {
    type Target = ConversationMap;
    fn deref(&self) -> &Self::Target {
        self.map
    }
}

impl std::ops::Deref for Conversations {
    type Target = ConversationMap;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl<'a> IntoIterator for &'a Conversations {
    type Item = (&'a String, &'a Box<Conversation>);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Box<Conversation>>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

/// What made the kept table of the list: the conversations' generation,
/// the sort and the narrowing (the filter works on the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListKey {
    pub generation: u64,
    pub sort: SortBy,
    /// The sort runs backwards (`S`).
    pub reversed: bool,
    /// The queue the list is narrowed to.
    pub queue: Option<String>,
    /// The agent the list is narrowed to.
    pub agent: Option<String>,
    /// The problems-only view is on: the breaches' version it was made at.
    pub problems: Option<u64>,
}

impl ListKey {
    /// The same list but for the conversations' generation: the same
    /// sort, narrowing and problems view.
    pub fn same_view(&self, other: &ListKey) -> bool {
        (
            self.sort,
            self.reversed,
            &self.queue,
            &self.agent,
            self.problems,
        ) == (
            other.sort,
            other.reversed,
            &other.queue,
            &other.agent,
            other.problems,
        )
    }
}

/// The kept list: the table `key` made, and the rows `filter` left.
#[derive(Debug, Clone)]
pub struct KeptList {
    pub key: ListKey,
    pub filter: String,
    pub list: crate::app::list::VisibleIds,
}

/// The last filtered, sorted list of conversations and what made it. A
/// clone has a copy of its own (it holds the same conversations, with the
/// same generation, until one of them changes), so that each can patch its
/// table in place.
#[derive(Debug, Default)]
pub struct ListCache(pub std::sync::Mutex<Option<KeptList>>);

impl Clone for ListCache {
    fn clone(&self) -> Self {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let Some(k) = &mut kept {
            k.list.table = std::sync::Arc::new((*k.list.table).clone());
        }
        ListCache(std::sync::Mutex::new(kept))
    }
}

/// A figure made from every conversation, kept until the conversations
/// change (their generation goes up). A clone has a copy of its own.
#[derive(Debug)]
pub struct GenCache<T>(pub std::sync::Mutex<Option<(u64, std::sync::Arc<T>)>>);

impl<T> Default for GenCache<T> {
    fn default() -> Self {
        GenCache(std::sync::Mutex::new(None))
    }
}

impl<T: Clone> Clone for GenCache<T> {
    fn clone(&self) -> Self {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map(|(g, v)| (*g, std::sync::Arc::new(T::clone(v))));
        GenCache(std::sync::Mutex::new(kept))
    }
}

impl<T> GenCache<T> {
    /// The kept value for `generation`; else the kept one brought up to
    /// date by `patch` (given the generation it was made at), or when that
    /// cannot, a new one from `make`.
    pub fn get_or_patch(
        &self,
        generation: u64,
        patch: impl FnOnce(u64, std::sync::Arc<T>) -> Option<T>,
        make: impl FnOnce() -> T,
    ) -> std::sync::Arc<T> {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((g, v)) = kept.as_ref()
            && *g == generation
        {
            return v.clone();
        }
        let patched = kept.take().and_then(|(g, v)| patch(g, v));
        let v = std::sync::Arc::new(patched.unwrap_or_else(make));
        *kept = Some((generation, v.clone()));
        v
    }
}
