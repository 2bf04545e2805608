//! The kept conversation list: every row that passes the queue narrowing,
//! sorted ([`ListTable`]), and the rows of it that pass the `/` filter
//! ([`VisibleIds`]).
//!
//! The table is made again only when the conversations, the sort or the
//! narrowing change. For the filter it keeps the fields the filter reads,
//! lower-cased, in one buffer (made on the first filtered use), so that a
//! keystroke never looks a conversation up in the map nor allocates per
//! row. A word is searched in that buffer at once with `memchr`'s `memmem`
//! (each hit is mapped to its row and field), or row by row when only a few
//! rows are left. A filter that only grew tests its new or longer words on
//! the rows the shorter filter left, as fzf and television narrow.

use memchr::memmem::Finder;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

/// What the filter reads of a row (a conversation). Each field is given as
/// it is; the table lower-cases it.
pub trait FilterRow {
    fn id(&self) -> &str;
    fn channel(&self) -> &str;
    fn language(&self) -> &str;
    /// The state's label, given to `f`.
    fn state_label(&self, f: &mut dyn FnMut(&str));
    fn api_status(&self) -> &str;
    fn session(&self) -> &str;
    /// The name shown in the list.
    fn name(&self) -> &str;
    /// Every agent's name, each given to `f`.
    fn agents(&self, f: &mut dyn FnMut(&str));
}

/// The fields the filter reads, in their order in a row's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Channel,
    Language,
    State,
    ApiStatus,
    Session,
    Name,
    /// Every agent's name, separated by U+001F.
    Agents,
}

const FIELDS: usize = 8;
const ALL_FIELDS: [Field; FIELDS] = [
    Field::Id,
    Field::Channel,
    Field::Language,
    Field::State,
    Field::ApiStatus,
    Field::Session,
    Field::Name,
    Field::Agents,
];

/// How a word may match a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accept {
    No,
    Prefix,
    Contains,
}

/// What the sort compares of a row before its id (made by `app::queries`
/// for each sort), kept beside the row so that a changed row finds its
/// place without looking another up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey(pub u8, pub i64, pub Option<i64>);

/// FNV-1a: the set of changed ids is asked about every row of the table,
/// and ids are short.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Ids, hashed with [`Fnv`].
pub type IdSet<'a> = HashSet<&'a str, BuildHasherDefault<Fnv>>;

/// Every row that passes the narrowing, sorted; the filter's text is made
/// on first use.
#[derive(Debug, Default, Clone)]
pub struct ListTable {
    ids: Vec<String>,
    /// Each row's sort key.
    keys: Vec<SortKey>,
    text: OnceLock<SearchText>,
}

/// The rows' filter fields, lower-cased; each field ends with a NUL, which
/// no typed word contains, so no match spans two. A row's fields are one
/// slot of the text: in the table's order when made, a changed row's new
/// fields are added at the end (its old slot is then dead, and the text is
/// written again in order once half of it is).
#[derive(Debug, Default, Clone)]
struct SearchText {
    text: String,
    /// Per slot, where each field starts in `text`; a slot ends where the
    /// next starts (or at the end of `text`).
    slots: Vec<[u32; FIELDS]>,
    /// Per row of the table, its slot.
    slot_of: Vec<u32>,
    /// Bytes of `text` in slots no row has.
    dead: usize,
}

/// Where a patch put the rows (see [`ListTable::patch`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    /// Per row before, its row now ([`Moved::OUT`]: taken out).
    pub old: Vec<u32>,
    /// The rows put in, in the table's order.
    pub added: Vec<u32>,
}

impl Moved {
    pub const OUT: u32 = u32::MAX;
}

impl ListTable {
    /// A table of the given rows' ids, already narrowed and sorted (keys
    /// unknown: for a table that is never patched).
    pub fn new(ids: Vec<String>) -> ListTable {
        let keys = vec![SortKey::default(); ids.len()];
        ListTable::with_keys(ids, keys)
    }

    /// A table of the given rows, already narrowed and sorted by `keys`
    /// (one per id) and their ids.
    pub fn with_keys(ids: Vec<String>, keys: Vec<SortKey>) -> ListTable {
        assert_eq!(ids.len(), keys.len(), "a key per row");
        ListTable {
            ids,
            keys,
            text: OnceLock::new(),
        }
    }

    /// The table with the rows of `changed` taken out and `rows` (those
    /// of them that belong in it now, with their keys) put in at their
    /// places in `order`, the filter's text (when made) along with them.
    /// `order` compares two rows (key and id) as the table is sorted.
    pub fn patch<R: FilterRow>(
        &mut self,
        changed: &IdSet<'_>,
        mut rows: Vec<(SortKey, &R)>,
        order: impl Fn(&SortKey, &str, &SortKey, &str) -> Ordering,
    ) -> Moved {
        rows.sort_unstable_by(|a, b| order(&a.0, a.1.id(), &b.0, b.1.id()));
        let at: Vec<usize> = rows
            .iter()
            .map(|(k, r)| self.place(k, r.id(), &order))
            .collect();
        let before = self.ids.len();
        let mut moved = Moved {
            old: vec![Moved::OUT; before],
            added: Vec::with_capacity(rows.len()),
        };
        let mut ids = Vec::with_capacity(before + rows.len());
        let mut keys = Vec::with_capacity(before + rows.len());
        let mut next = 0;
        let old = std::mem::take(&mut self.ids).into_iter();
        for (i, (id, key)) in old.zip(std::mem::take(&mut self.keys)).enumerate() {
            while next < rows.len() && at[next] <= i {
                moved.added.push(ids.len() as u32);
                ids.push(rows[next].1.id().to_string());
                keys.push(rows[next].0);
                next += 1;
            }
            if !changed.contains(id.as_str()) {
                moved.old[i] = ids.len() as u32;
                ids.push(id);
                keys.push(key);
            }
        }
        for (k, r) in &rows[next..] {
            moved.added.push(ids.len() as u32);
            ids.push(r.id().to_string());
            keys.push(*k);
        }
        (self.ids, self.keys) = (ids, keys);
        if let Some(text) = self.text.get_mut() {
            let added = moved.added.iter().zip(rows.iter().map(|(_, r)| *r));
            text.patch(&moved.old, added, self.ids.len());
        }
        moved
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Where a row (`key`, `id`) goes among the rows as they are: the
    /// first that does not come before it. They are sorted (a changed one
    /// by its old key), so a binary search holds.
    fn place(
        &self,
        key: &SortKey,
        id: &str,
        order: &impl Fn(&SortKey, &str, &SortKey, &str) -> Ordering,
    ) -> usize {
        let (mut lo, mut hi) = (0, self.ids.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if order(&self.keys[mid], &self.ids[mid], key, id) == Ordering::Less {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn search<R: FilterRow>(&self, map: &BTreeMap<String, R>) -> &SearchText {
        self.text.get_or_init(|| SearchText::of(&self.ids, map))
    }

    /// The rows (indices into the table) of `base` (every row when `None`)
    /// that pass every word of `words`.
    pub fn filter<R: FilterRow>(
        &self,
        base: Option<&[u32]>,
        words: &[String],
        map: &BTreeMap<String, R>,
    ) -> Vec<u32> {
        let mut rows: Vec<u32> = match base {
            Some(b) => b.to_vec(),
            None => (0..self.ids.len() as u32).collect(),
        };
        if words.is_empty() {
            return rows;
        }
        let search = self.search(map);
        for w in words {
            rows = search.word(&rows, w);
            if rows.is_empty() {
                break;
            }
        }
        rows
    }
}

fn lower_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// Appends one field of a row, lower-cased.
fn write_field<R: FilterRow>(out: &mut String, c: &R, f: Field) {
    match f {
        Field::Id => lower_into(out, c.id()),
        Field::Channel => lower_into(out, c.channel()),
        Field::Language => lower_into(out, c.language()),
        Field::State => c.state_label(&mut |l| lower_into(out, l)),
        Field::ApiStatus => lower_into(out, c.api_status()),
        Field::Session => lower_into(out, c.session()),
        Field::Name => lower_into(out, c.name()),
        Field::Agents => {
            let mut first = true;
            c.agents(&mut |name| {
                if !first {
                    out.push('\u{1f}');
                }
                first = false;
                lower_into(out, name);
            });
        }
    }
}

/// Appends a row's fields, each lower-cased and ended with a NUL; where
/// each starts, from where the row starts.
fn write_row<R: FilterRow>(out: &mut String, c: &R) -> [u32; FIELDS] {
    let start = out.len();
    let mut starts = [0u32; FIELDS];
    for (i, f) in ALL_FIELDS.iter().enumerate() {
        starts[i] = (out.len() - start) as u32;
        write_field(out, c, *f);
        out.push('\0');
    }
    starts
}

impl SearchText {
    /// The rows' text. The map is walked in its own order (a lookup per
    /// row would cost more than the rest at 50,000 rows) into a scratch
    /// buffer, then each row's part is copied to its place in the table's
    /// order.
    fn of<R: FilterRow>(ids: &[String], map: &BTreeMap<String, R>) -> SearchText {
        let row_of: std::collections::HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut scratch = String::with_capacity(ids.len() * 96);
        // Per row: where its part starts in `scratch`, its length, and its
        // fields' starts relative to its start.
        let mut parts: Vec<Option<(usize, usize, [u32; FIELDS])>> = vec![None; ids.len()];
        for (id, c) in map {
            let Some(&row) = row_of.get(id.as_str()) else {
                continue;
            };
            let start = scratch.len();
            let starts = write_row(&mut scratch, c);
            parts[row] = Some((start, scratch.len() - start, starts));
        }
        let mut text = String::with_capacity(scratch.len() + ids.len());
        let mut slots = Vec::with_capacity(ids.len());
        for part in &parts {
            let at = text.len() as u32;
            match part {
                Some((start, len, starts)) => {
                    text.push_str(&scratch[*start..*start + *len]);
                    slots.push(starts.map(|s| at + s));
                }
                None => {
                    // Gone from the map: empty fields, never a match.
                    let mut starts = [0u32; FIELDS];
                    for (i, s) in starts.iter_mut().enumerate() {
                        *s = at + i as u32;
                    }
                    text.push_str(&"\0".repeat(FIELDS));
                    slots.push(starts);
                }
            }
        }
        SearchText {
            text,
            slots,
            slot_of: (0..ids.len() as u32).collect(),
            dead: 0,
        }
    }

    /// Where slot `s` starts and ends in the text.
    fn slot_span(&self, s: usize) -> (usize, usize) {
        let end = self
            .slots
            .get(s + 1)
            .map_or(self.text.len(), |n| n[0] as usize);
        (self.slots[s][0] as usize, end)
    }

    /// Where row `r`'s field `f` starts and ends (without its NUL).
    fn span(&self, r: usize, f: usize) -> (usize, usize) {
        let s = self.slot_of[r] as usize;
        let start = self.slots[s][f] as usize;
        let end = if f + 1 < FIELDS {
            self.slots[s][f + 1] as usize
        } else {
            self.slot_span(s).1
        };
        (start, end - 1)
    }

    /// The rows moved as `old` says (each row before, its row now, or
    /// [`Moved::OUT`]), and `added` (row now, what it shows) written at the
    /// end, for a table of `rows` rows.
    fn patch<'r, R: FilterRow + 'r>(
        &mut self,
        old: &[u32],
        added: impl Iterator<Item = (&'r u32, &'r R)>,
        rows: usize,
    ) {
        let mut slot_of = vec![u32::MAX; rows];
        for (before, now) in old.iter().enumerate() {
            let slot = self.slot_of[before];
            if *now == Moved::OUT {
                let (s, e) = self.slot_span(slot as usize);
                self.dead += e - s;
            } else {
                slot_of[*now as usize] = slot;
            }
        }
        for (row, c) in added {
            let at = self.text.len() as u32;
            let starts = write_row(&mut self.text, c);
            slot_of[*row as usize] = self.slots.len() as u32;
            self.slots.push(starts.map(|s| at + s));
        }
        self.slot_of = slot_of;
        if self.dead * 2 > self.text.len() {
            self.compact();
        }
    }

    /// The text written again with only the rows' slots, in their order.
    fn compact(&mut self) {
        let mut text = String::with_capacity(self.text.len() - self.dead);
        let mut slots = Vec::with_capacity(self.slot_of.len());
        for s in self.slot_of.iter_mut() {
            let slot = *s as usize;
            let start = self.slots[slot][0] as usize;
            let end = self
                .slots
                .get(slot + 1)
                .map_or(self.text.len(), |n| n[0] as usize);
            let at = text.len() as u32;
            text.push_str(&self.text[start..end]);
            slots.push(self.slots[slot].map(|f| f - start as u32 + at));
            *s = slots.len() as u32 - 1;
        }
        (self.text, self.slots, self.dead) = (text, slots, 0);
    }

    /// The rows of `rows` that pass one word.
    fn word(&self, rows: &[u32], word: &str) -> Vec<u32> {
        let (needle, accept) = needle(word);
        if !accept.iter().any(|a| *a != Accept::No) {
            return Vec::new();
        }
        let passes_empty = |r: usize| {
            accept.iter().enumerate().any(|(f, a)| match a {
                Accept::No => false,
                Accept::Prefix => true,
                Accept::Contains => {
                    let (s, e) = self.span(r, f);
                    e > s
                }
            })
        };
        if needle.is_empty() {
            return rows
                .iter()
                .copied()
                .filter(|r| passes_empty(*r as usize))
                .collect();
        }
        let finder = Finder::new(needle.as_bytes());
        // Few rows left: test them one by one; else one pass over the text.
        if rows.len() * 8 < self.slot_of.len() {
            let bytes = self.text.as_bytes();
            return rows
                .iter()
                .copied()
                .filter(|r| {
                    accept.iter().enumerate().any(|(f, a)| {
                        let (s, e) = self.span(*r as usize, f);
                        let field = &bytes[s..e];
                        match a {
                            Accept::No => false,
                            Accept::Prefix => field.starts_with(needle.as_bytes()),
                            Accept::Contains => finder.find(field).is_some(),
                        }
                    })
                })
                .collect();
        }
        let hit = self.scan(&finder, &accept);
        rows.iter()
            .copied()
            .filter(|r| hit[self.slot_of[*r as usize] as usize])
            .collect()
    }

    /// Which slots the needle matches in an accepted field: one search
    /// over the whole text, skipping to the next slot after each match.
    fn scan(&self, finder: &Finder<'_>, accept: &[Accept; FIELDS]) -> Vec<bool> {
        let bytes = self.text.as_bytes();
        let slots = self.slots.len();
        let mut hit = vec![false; slots];
        let mut slot = 0usize;
        let mut at = 0usize;
        while let Some(found) = finder.find(&bytes[at..]) {
            let p = at + found;
            while slot + 1 < slots && self.slots[slot + 1][0] as usize <= p {
                slot += 1;
            }
            let starts = &self.slots[slot];
            let f = starts.iter().rposition(|s| *s as usize <= p).unwrap_or(0);
            let ok = match accept[f] {
                Accept::No => false,
                Accept::Prefix => starts[f] as usize == p,
                Accept::Contains => true,
            };
            if ok {
                hit[slot] = true;
                match self.slots.get(slot + 1) {
                    Some(next) => at = next[0] as usize,
                    None => break,
                }
            } else {
                at = p + 1;
            }
        }
        hit
    }
}

/// A filter word's needle and where it may match. `key=value` tests one
/// field; a plain word the id, channel, language, state, session and name.
fn needle(word: &str) -> (&str, [Accept; FIELDS]) {
    use Accept::{Contains, No, Prefix};
    let mut accept = [No; FIELDS];
    let mut set = |f: Field, a: Accept| accept[f as usize] = a;
    if let Some((k, v)) = word.split_once('=') {
        match k {
            "lang" | "language" => set(Field::Language, Prefix),
            "channel" | "ch" => set(Field::Channel, Prefix),
            "state" | "status" => {
                set(Field::State, Prefix);
                set(Field::ApiStatus, Prefix);
            }
            "agent" => set(Field::Agents, Contains),
            _ => {}
        }
        return (v, accept);
    }
    set(Field::Id, Contains);
    set(Field::Channel, Prefix);
    set(Field::Language, Prefix);
    set(Field::State, Prefix);
    set(Field::Session, Contains);
    set(Field::Name, Contains);
    (word, accept)
}

/// The conversations list as shown: the table's rows that pass the filter.
#[derive(Debug, Clone, Default)]
pub struct VisibleIds {
    pub(crate) table: Arc<ListTable>,
    /// The rows that pass the filter; `None` when there is no filter.
    pub(crate) shown: Option<Arc<Vec<u32>>>,
    /// Where the latest `position` found its id: the selection is looked
    /// up every frame and moves a row at a time, so the next look starts
    /// there instead of walking 50,000 ids. Shared by the clones of one
    /// kept list.
    pub(crate) hint: Arc<std::sync::atomic::AtomicUsize>,
}

impl VisibleIds {
    pub fn len(&self) -> usize {
        self.shown.as_ref().map_or(self.table.len(), |s| s.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of the `i`th row shown.
    pub fn get(&self, i: usize) -> Option<&str> {
        let row = match &self.shown {
            Some(s) => *s.get(i)? as usize,
            None => i,
        };
        self.table.ids.get(row).map(String::as_str)
    }

    pub fn first(&self) -> Option<&str> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&str> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.get(i).expect("within len"))
    }

    /// Where `id` is in the list shown.
    pub fn position(&self, id: &str) -> Option<usize> {
        use std::sync::atomic::Ordering;
        let hint = self.hint.load(Ordering::Relaxed);
        let near = [hint, hint.wrapping_add(1), hint.wrapping_sub(1)];
        let found = near
            .into_iter()
            .find(|i| self.get(*i) == Some(id))
            .or_else(|| self.iter().position(|i| i == id));
        if let Some(i) = found {
            self.hint.store(i, Ordering::Relaxed);
        }
        found
    }

    pub fn contains(&self, id: &str) -> bool {
        self.position(id).is_some()
    }

    /// The same kept list (not made again), as a frame after another
    /// without a change sees it.
    pub fn same(&self, other: &VisibleIds) -> bool {
        Arc::ptr_eq(&self.table, &other.table)
            && match (&self.shown, &other.shown) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hint only speeds the look-up: whatever it holds, `position`
    /// finds the id, or says it is not there.
    #[test]
    fn position_is_right_whatever_the_hint_holds() {
        let ids: Vec<String> = (0..50).map(|i| format!("c-{i}")).collect();
        let list = VisibleIds {
            table: Arc::new(ListTable::new(ids)),
            shown: Some(Arc::new((0..50).filter(|i| i % 2 == 0).collect())),
            hint: Default::default(),
        };
        for (want, id) in [
            (0, "c-0"),
            (1, "c-2"),
            (24, "c-48"),
            (23, "c-46"),
            (5, "c-10"),
        ] {
            assert_eq!(list.position(id), Some(want), "{id}");
        }
        assert_eq!(list.position("c-3"), None, "filtered out");
        assert_eq!(list.position("c-99"), None);
        list.hint
            .store(usize::MAX, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(list.position("c-48"), Some(24));
    }
}
