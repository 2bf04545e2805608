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
    /// The queue's name shown in the list.
    fn queue(&self) -> &str;
}

impl<R: FilterRow + ?Sized> FilterRow for Box<R> {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn channel(&self) -> &str {
        (**self).channel()
    }
    fn language(&self) -> &str {
        (**self).language()
    }
    fn state_label(&self, f: &mut dyn FnMut(&str)) {
        (**self).state_label(f)
    }
    fn api_status(&self) -> &str {
        (**self).api_status()
    }
    fn session(&self) -> &str {
        (**self).session()
    }
    fn name(&self) -> &str {
        (**self).name()
    }
    fn agents(&self, f: &mut dyn FnMut(&str)) {
        (**self).agents(f)
    }
    fn queue(&self) -> &str {
        (**self).queue()
    }
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
    Queue,
}

const FIELDS: usize = 9;
const ALL_FIELDS: [Field; FIELDS] = [
    Field::Id,
    Field::Channel,
    Field::Language,
    Field::State,
    Field::ApiStatus,
    Field::Session,
    Field::Name,
    Field::Agents,
    Field::Queue,
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

/// What the list's sorts read of a conversation (see `app::queries`). The
/// conversations' change log keeps it as it was before a change, so that
/// the row it had is found again by its old key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SortFacts {
    pub urgency: (u8, i64),
    pub state_rank: u8,
    pub started_ms: Option<i64>,
    pub channel: u8,
}

/// FNV-1a: ids are short, and a set of them is asked once per change.
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
/// slot of the text: in the conversations' order when made (written as the
/// map is walked, with no copy), a changed row's new fields added at the
/// end (its old slot is then dead, and the text is written again in the
/// table's order once half of it is).
#[derive(Debug, Default)]
struct SearchText {
    text: String,
    /// Per slot, where each field starts in `text`; a slot ends where the
    /// next starts (or at the end of `text`).
    slots: Vec<[u32; FIELDS]>,
    /// Per slot, which ASCII bytes a plain word of one byte finds in it
    /// (see [`SearchText::plain_bytes`]).
    plain: Vec<u128>,
    /// Per row of the table, its slot.
    slot_of: Vec<u32>,
    /// Bytes of `text` in slots no row has.
    dead: usize,
}

/// Room for `n` and an eighth more: changed rows are written at the end
/// of the text, which then grows without a copy of the whole for a while.
fn room(n: usize) -> usize {
    n + n / 8
}

impl Clone for SearchText {
    /// A copy with the same room to grow.
    fn clone(&self) -> Self {
        let mut text = String::with_capacity(self.text.capacity());
        text.push_str(&self.text);
        let mut slots = Vec::with_capacity(self.slots.capacity());
        slots.extend_from_slice(&self.slots);
        SearchText {
            text,
            slots,
            plain: self.plain.clone(),
            slot_of: self.slot_of.clone(),
            dead: self.dead,
        }
    }
}

/// Where a patch put the rows (see [`ListTable::patch`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    /// The rows taken out (as they were numbered), in order.
    pub out: Vec<u32>,
    /// Per row put in, the row (as they were numbered) it went before, in
    /// order.
    pub at: Vec<u32>,
    /// The rows put in (as they are numbered now), in order.
    pub added: Vec<u32>,
}

impl Moved {
    /// Where the rows `rows` (in order, as they were numbered) are now,
    /// those taken out left out.
    pub fn kept(&self, rows: &[u32]) -> Vec<u32> {
        let (mut out, mut at) = (0, 0);
        let mut now = Vec::with_capacity(rows.len());
        for r in rows {
            while self.out.get(out).is_some_and(|o| o < r) {
                out += 1;
            }
            while self.at.get(at).is_some_and(|a| a <= r) {
                at += 1;
            }
            if self.out.get(out) != Some(r) {
                now.push(r - out as u32 + at as u32);
            }
        }
        now
    }
}

/// `v` with the items at `out` (in order) taken out and `new`'s put in,
/// each before the item `at` says (in order), in one pass.
fn splice<T>(v: Vec<T>, out: &[u32], at: &[u32], new: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut spliced = Vec::with_capacity(v.len() - out.len() + at.len());
    let (mut old, mut new) = (v.into_iter(), new.into_iter());
    let (mut pos, mut o, mut a) = (0, 0, 0);
    loop {
        let next_in = at.get(a).map_or(usize::MAX, |x| *x as usize);
        let next_out = out.get(o).map_or(usize::MAX, |x| *x as usize);
        let upto = next_in.min(next_out);
        if upto == usize::MAX {
            spliced.extend(old);
            return spliced;
        }
        spliced.extend(old.by_ref().take(upto - pos));
        pos = upto;
        if next_in <= next_out {
            spliced.extend(new.next());
            a += 1;
        } else {
            old.next();
            (pos, o) = (pos + 1, o + 1);
        }
    }
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

    /// The table with the rows of `gone` (the changed ones' keys and ids as
    /// they were) taken out and `rows` (the changed ones that belong in it
    /// now, with their keys) put in at their places, the filter's text
    /// (when made) along with them. `order` compares two rows (key and id)
    /// as the table is sorted. Each is found by a binary search; the rows
    /// move in one pass.
    pub fn patch<R: FilterRow>(
        &mut self,
        gone: &[(SortKey, &str)],
        mut rows: Vec<(SortKey, &R)>,
        order: impl Fn(&SortKey, &str, &SortKey, &str) -> Ordering,
    ) -> Moved {
        let mut out: Vec<u32> = gone
            .iter()
            .map(|(k, id)| self.place(k, id, &order))
            .zip(gone)
            .filter(|(i, (_, id))| self.ids.get(*i).is_some_and(|at| at == id))
            .map(|(i, _)| i as u32)
            .collect();
        out.sort_unstable();
        out.dedup();
        rows.sort_unstable_by(|a, b| order(&a.0, a.1.id(), &b.0, b.1.id()));
        let at: Vec<u32> = rows
            .iter()
            .map(|(k, r)| self.place(k, r.id(), &order) as u32)
            .collect();
        let mut taken = 0;
        let added = at
            .iter()
            .enumerate()
            .map(|(j, a)| {
                while out.get(taken).is_some_and(|o| o < a) {
                    taken += 1;
                }
                a - taken as u32 + j as u32
            })
            .collect();
        let moved = Moved { out, at, added };
        if let Some(text) = self.text.get_mut() {
            text.patch(&moved, rows.iter().map(|(_, r)| *r));
        }
        let ids = rows.iter().map(|(_, r)| r.id().to_string());
        self.ids = splice(std::mem::take(&mut self.ids), &moved.out, &moved.at, ids);
        let keys = rows.iter().map(|(k, _)| *k);
        self.keys = splice(std::mem::take(&mut self.keys), &moved.out, &moved.at, keys);
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
        Field::Queue => lower_into(out, c.queue()),
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
    /// row would cost more than the rest at 50,000 rows), so the slots
    /// come in the map's order, each row pointing to its own.
    fn of<R: FilterRow>(ids: &[String], map: &BTreeMap<String, R>) -> SearchText {
        let row_of: std::collections::HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut search = SearchText {
            text: String::with_capacity(room(ids.len() * 96)),
            slots: Vec::with_capacity(room(ids.len())),
            plain: Vec::with_capacity(room(ids.len())),
            slot_of: vec![u32::MAX; ids.len()],
            dead: 0,
        };
        for (id, c) in map {
            let Some(&row) = row_of.get(id.as_str()) else {
                continue;
            };
            let at = search.text.len() as u32;
            let starts = write_row(&mut search.text, c);
            search.push_slot(row, starts.map(|s| at + s));
        }
        for row in 0..ids.len() {
            if search.slot_of[row] == u32::MAX {
                // Gone from the map: empty fields, never a match.
                let at = search.text.len() as u32;
                search.text.push_str(&"\0".repeat(FIELDS));
                search.push_slot(row, std::array::from_fn(|i| at + i as u32));
            }
        }
        search
    }

    /// A slot for `row`, its fields starting at `starts` (written).
    fn push_slot(&mut self, row: usize, starts: [u32; FIELDS]) {
        self.slot_of[row] = self.slots.len() as u32;
        self.slots.push(starts);
        self.plain.push(self.plain_bytes(self.slots.len() - 1));
    }

    /// Which ASCII bytes a plain word of one byte (the first keystroke of
    /// every filter) finds in slot `s`: each byte of a field it may hold,
    /// and the first byte of one it may start. A bit test then answers
    /// such a word, which would stop a search of the text at nearly every
    /// row.
    fn plain_bytes(&self, s: usize) -> u128 {
        let bytes = self.text.as_bytes();
        let mut set = 0u128;
        let mut note = |b: u8| {
            if b < 128 {
                set |= 1 << b;
            }
        };
        for (f, accept) in PLAIN.iter().enumerate() {
            let (start, end) = self.slot_field(s, f);
            let field = &bytes[start..end];
            match accept {
                Accept::No => {}
                Accept::Prefix => field.first().copied().into_iter().for_each(&mut note),
                Accept::Contains => field.iter().copied().for_each(&mut note),
            }
        }
        set
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
        self.slot_field(self.slot_of[r] as usize, f)
    }

    /// Where slot `s`'s field `f` starts and ends (without its NUL).
    fn slot_field(&self, s: usize, f: usize) -> (usize, usize) {
        let start = self.slots[s][f] as usize;
        let end = if f + 1 < FIELDS {
            self.slots[s][f + 1] as usize
        } else {
            self.slot_span(s).1
        };
        (start, end - 1)
    }

    /// The rows moved as `moved` says, the new ones (`added`, in order)
    /// written at the end.
    fn patch<'r, R: FilterRow + 'r>(&mut self, moved: &Moved, added: impl Iterator<Item = &'r R>) {
        for o in &moved.out {
            let (s, e) = self.slot_span(self.slot_of[*o as usize] as usize);
            self.dead += e - s;
        }
        let first = self.slots.len() as u32;
        for c in added {
            let at = self.text.len() as u32;
            let starts = write_row(&mut self.text, c);
            self.slots.push(starts.map(|s| at + s));
            self.plain.push(self.plain_bytes(self.slots.len() - 1));
        }
        let slots = first..self.slots.len() as u32;
        let slot_of = std::mem::take(&mut self.slot_of);
        self.slot_of = splice(slot_of, &moved.out, &moved.at, slots);
        if self.dead * 2 > self.text.len() {
            self.compact();
        }
    }

    /// The text written again with only the rows' slots, in their order.
    fn compact(&mut self) {
        let mut text = String::with_capacity(room(self.text.len() - self.dead));
        let mut slots = Vec::with_capacity(room(self.slot_of.len()));
        let mut plain = Vec::with_capacity(room(self.slot_of.len()));
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
            plain.push(self.plain[slot]);
            *s = slots.len() as u32 - 1;
        }
        (self.text, self.slots, self.plain, self.dead) = (text, slots, plain, 0);
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
        if let [b] = needle.as_bytes()
            && accept == PLAIN
        {
            let bit = 1u128.checked_shl(u32::from(*b)).unwrap_or(0);
            return rows
                .iter()
                .copied()
                .filter(|r| self.plain[self.slot_of[*r as usize] as usize] & bit != 0)
                .collect();
        }
        let finder = Finder::new(needle.as_bytes());
        // Few rows left, or a needle of one byte (it matches nearly every
        // row, and a search of the whole text would stop at each match):
        // test the rows one by one, prefixes first (a compare each); else
        // one pass over the text.
        if rows.len() * 8 < self.slot_of.len() || needle.len() == 1 {
            let bytes = self.text.as_bytes();
            let field = |r: u32, f: usize| {
                let (s, e) = self.span(r as usize, f);
                &bytes[s..e]
            };
            let passes = |r: &u32| {
                let fields = || accept.iter().enumerate();
                fields().any(|(f, a)| {
                    *a == Accept::Prefix && field(*r, f).starts_with(needle.as_bytes())
                }) || fields()
                    .any(|(f, a)| *a == Accept::Contains && finder.find(field(*r, f)).is_some())
            };
            return rows.iter().copied().filter(passes).collect();
        }
        let hit = self.scan(&finder, &accept);
        rows.iter()
            .copied()
            .filter(|r| hit[self.slot_of[*r as usize] as usize])
            .collect()
    }

    /// Which slots the needle matches in an accepted field: one search
    /// over the whole text, skipping to the next slot after each match
    /// (and to the next field after a match in a field that refuses it).
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
                // Any later match in this field is refused too (a needle
                // has no NUL, so none spans two fields): on to the next.
                at = match starts.get(f + 1) {
                    Some(next) => *next as usize,
                    None => p + 1,
                };
            }
        }
        hit
    }
}

/// A filter word's needle and where it may match. `key=value` tests one
/// field; a plain word the id, channel, language, state, session, name and
/// queue.
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
            "queue" | "q" => set(Field::Queue, Contains),
            _ => {}
        }
        return (v, accept);
    }
    (word, PLAIN)
}

/// Where a plain word may match: the id, session, name and queue anywhere;
/// the channel, language and state from their start.
const PLAIN: [Accept; FIELDS] = {
    use Accept::{Contains, No, Prefix};
    let mut accept = [No; FIELDS];
    accept[Field::Id as usize] = Contains;
    accept[Field::Channel as usize] = Prefix;
    accept[Field::Language as usize] = Prefix;
    accept[Field::State as usize] = Prefix;
    accept[Field::Session as usize] = Contains;
    accept[Field::Name as usize] = Contains;
    accept[Field::Queue as usize] = Contains;
    accept
};

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
