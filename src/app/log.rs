//! The log pane's lines: a ring of [`LOG_CAPACITY`] lines (older ones stay
//! in the log file), the filter's matches kept as an index that is updated
//! as lines come and go (not rebuilt per frame), repeated lines folded into
//! one with a count, and a search that `n`/`N` step through.
//!
//! Lines stay in the order they came: nothing is moved or rewritten once an
//! other line follows it. The polls' lines (one per poll request) are hidden
//! from the pane at start (`p` shows them) and counted in its title.

use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// An outgoing request.
    Out,
    /// A response.
    In,
    /// A callback received.
    Callback,
    Error,
    Info,
}

/// How many log lines are kept in memory.
pub const LOG_CAPACITY: usize = 100_000;

/// One line, as the log gives it out (a copy: the log keeps its lines'
/// texts in one buffer, see [`Lines`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at_ms: i64,
    pub kind: LogKind,
    pub text: String,
    /// How many times the same line came in a row, this one included (1:
    /// once). The same line right after itself adds to its count; a poll's
    /// line that repeats one a few lines up is a new line carrying the
    /// count on.
    pub repeat: u32,
    /// A poll's line (hidden from the pane unless shown with `p`).
    pub poll: bool,
}

/// The kept lines, oldest first: each line's facts in a ring, and their
/// texts one after another in one buffer (a line is 24 bytes and its text,
/// with no allocation of its own: 100,000 lines are held). The texts of
/// lines gone from the front are dropped from the buffer once they are
/// half of it.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    facts: VecDeque<Facts>,
    /// The lines' texts; `facts[i]` says where its own is.
    text: String,
    /// Bytes at the start of `text` whose lines are gone.
    dead: usize,
}

/// One line but for its text, which is `len` bytes at `start` of
/// [`Lines::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Facts {
    at_ms: i64,
    start: u32,
    len: u32,
    repeat: u32,
    kind: LogKind,
    poll: bool,
}

impl PartialEq for Lines {
    /// The same lines, wherever their texts sit in the buffers.
    fn eq(&self, other: &Self) -> bool {
        let facts = |f: &Facts| (f.at_ms, f.repeat, f.kind, f.poll);
        self.len() == other.len()
            && (0..self.len()).all(|i| {
                facts(&self.facts[i]) == facts(&other.facts[i]) && self.text(i) == other.text(i)
            })
    }
}

impl Eq for Lines {}

impl Lines {
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// A copy of line `i`.
    pub fn get(&self, i: usize) -> Option<LogLine> {
        let f = self.facts.get(i)?;
        Some(LogLine {
            at_ms: f.at_ms,
            kind: f.kind,
            text: self.text_of(f).to_string(),
            repeat: f.repeat,
            poll: f.poll,
        })
    }

    /// A copy of the newest line.
    pub fn back(&self) -> Option<LogLine> {
        self.get(self.len().checked_sub(1)?)
    }

    /// Copies of the lines, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = LogLine> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Drops the newest line.
    pub fn pop_back(&mut self) -> Option<LogLine> {
        let line = self.back()?;
        let f = self.facts.pop_back()?;
        self.text.truncate(f.start as usize);
        Some(line)
    }

    fn text_of(&self, f: &Facts) -> &str {
        &self.text[f.start as usize..(f.start + f.len) as usize]
    }

    /// Line `i`'s text.
    fn text(&self, i: usize) -> &str {
        self.text_of(&self.facts[i])
    }

    fn push_back(&mut self, line: LogLine) {
        let (start, len) = self.write(&line.text);
        self.facts.push_back(Facts {
            at_ms: line.at_ms,
            start,
            len,
            repeat: line.repeat,
            kind: line.kind,
            poll: line.poll,
        });
    }

    /// Writes `text` at the end of the buffer: where it starts, its length.
    fn write(&mut self, text: &str) -> (u32, u32) {
        let start = self.text.len();
        self.text.push_str(text);
        let fits = |n: usize| u32::try_from(n).expect("the log's text fits in 4 GiB");
        (fits(start), fits(text.len()))
    }

    /// Drops the oldest line (its text stays until half the buffer is
    /// such).
    fn pop_front(&mut self) -> Option<Facts> {
        let f = self.facts.pop_front()?;
        self.dead = match self.facts.front() {
            Some(next) => next.start as usize,
            None => self.text.len(),
        };
        if self.dead * 2 > self.text.len() {
            self.text.drain(..self.dead);
            let cut = self.dead as u32;
            self.facts.iter_mut().for_each(|f| f.start -= cut);
            self.dead = 0;
        }
        Some(f)
    }

    /// The newest line, said again: a new text and time, one more in its
    /// count.
    fn repeat_last(&mut self, at_ms: i64, text: &str) {
        let Some(f) = self.facts.back().copied() else {
            return;
        };
        self.text.truncate(f.start as usize);
        let (start, len) = self.write(text);
        let last = self.facts.back_mut().expect("the newest line");
        last.start = start;
        last.len = len;
        last.repeat = f.repeat.saturating_add(1);
        last.at_ms = f.at_ms.max(at_ms);
    }
}

/// What marks a poll's line: the runtime writes `GET /path  poll: …`.
pub const POLL_MARK: &str = "  poll: ";

/// The log pane's lines and view settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log {
    pub lines: Lines,
    /// The sequence number of `lines[0]` (one per line ever pushed).
    first_seq: u64,
    /// The sequence numbers of the lines the filter lets through, in order.
    shown: VecDeque<u64>,
    /// Follow new lines (stay at the bottom).
    pub follow: bool,
    /// Index of the selected line in the filtered list when not following.
    pub cursor: usize,
    filter: String,
    /// What `n` / `N` look for (`:find TEXT`).
    pub search: String,
    /// The poll lines are shown in the pane.
    show_polls: bool,
    /// How many of the kept lines are poll lines.
    poll_lines: usize,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            lines: Lines::default(),
            first_seq: 0,
            shown: VecDeque::new(),
            follow: true,
            cursor: 0,
            filter: String::new(),
            search: String::new(),
            show_polls: false,
            poll_lines: 0,
        }
    }
}

/// The filter's words: each must match, and a word starting with `!` must
/// not (`!poll` hides the polls). Lower-cased once per filter, not per line.
struct Words(Vec<String>);

impl Words {
    fn of(filter: &str) -> Words {
        Words(filter.split_whitespace().map(str::to_lowercase).collect())
    }

    fn pass(&self, text: &str) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let text = text.to_lowercase();
        self.0.iter().all(|w| match w.strip_prefix('!') {
            Some(not) => not.is_empty() || !text.contains(not),
            None => text.contains(w.as_str()),
        })
    }
}

/// A line's text with its timings (`12 ms`) left out: two lines that differ
/// only there say the same thing.
fn without_timings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" ms") {
        let head = &rest[..at];
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&head[..head.len() - digits]);
        out.push('#');
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// How far back a poll's line is looked for, to carry its count on: the
/// polls of one round (conversations, agents by page, availability) fit.
const POLL_WINDOW: usize = 16;

impl Log {
    /// A line. The same line again right after itself (the same error on
    /// every try) adds to its count instead.
    pub fn push(&mut self, at_ms: i64, kind: LogKind, text: impl Into<String>) {
        self.push_line(at_ms, kind, text.into(), false);
    }

    /// A line from the runtime: a poll's line (it holds [`POLL_MARK`]) or
    /// any other.
    pub fn push_runtime(&mut self, at_ms: i64, kind: LogKind, text: impl Into<String>) {
        let text = text.into();
        let poll = text.contains(POLL_MARK);
        self.push_line(at_ms, kind, text, poll);
    }

    /// A poll's line. Right after the same line it adds to that line's
    /// count (the line is the newest, so the order holds); when the same
    /// line is a few lines up (the round's other polls came between), a new
    /// line carries the count on and the older one stays as it was.
    pub fn push_poll(&mut self, at_ms: i64, kind: LogKind, text: impl Into<String>) {
        self.push_line(at_ms, kind, text.into(), true);
    }

    fn push_line(&mut self, at_ms: i64, kind: LogKind, text: String, poll: bool) {
        let key = without_timings(&text);
        let lines = &self.lines;
        let same = |i: usize| {
            let f = &lines.facts[i];
            f.kind == kind && f.poll == poll && without_timings(lines.text(i)) == key
        };
        let n = lines.len();
        if n > 0 && same(n - 1) {
            self.lines.repeat_last(at_ms, &text);
            return;
        }
        let carried = if poll {
            (0..n)
                .rev()
                .take(POLL_WINDOW)
                .take_while(|i| lines.facts[*i].poll)
                .find(|i| same(*i))
                .map_or(0, |i| lines.facts[i].repeat)
        } else {
            0
        };
        if self.lines.len() >= LOG_CAPACITY {
            if self.lines.pop_front().is_some_and(|l| l.poll) {
                self.poll_lines = self.poll_lines.saturating_sub(1);
            }
            if self.shown.front() == Some(&self.first_seq) {
                self.shown.pop_front();
                self.cursor = self.cursor.saturating_sub(1);
            }
            self.first_seq += 1;
        }
        let seq = self.first_seq + self.lines.len() as u64;
        if self.passes(&Words::of(&self.filter), poll, &text) {
            self.shown.push_back(seq);
        }
        self.poll_lines += usize::from(poll);
        self.lines.push_back(LogLine {
            at_ms,
            kind,
            text,
            repeat: carried.saturating_add(1),
            poll,
        });
    }

    fn passes(&self, words: &Words, poll: bool, text: &str) -> bool {
        (self.show_polls || !poll) && words.pass(text)
    }

    /// Whether the poll lines are hidden from the pane.
    pub fn polls_hidden(&self) -> bool {
        !self.show_polls
    }

    /// Hides the poll lines from the pane, or shows them again.
    pub fn hide_polls(&mut self, hide: bool) {
        self.show_polls = !hide;
        let filter = self.filter.clone();
        self.rematch(&filter);
    }

    /// How many poll lines the pane leaves out now (0 when they are shown).
    pub fn hidden_polls(&self) -> usize {
        if self.show_polls { 0 } else { self.poll_lines }
    }

    /// How many lines were ever added (folded repeats not counted).
    pub fn pushed(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }

    /// The lines added since `pushed()` said `mark`, of those still kept.
    pub fn since(&self, mark: u64) -> impl Iterator<Item = LogLine> + '_ {
        let skip = mark.saturating_sub(self.first_seq) as usize;
        (skip..self.lines.len()).filter_map(|i| self.lines.get(i))
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// A new filter. One that only adds to the old one (more typed at the
    /// end) narrows the current matches; any other is matched anew.
    pub fn set_filter(&mut self, filter: &str) {
        let narrows = filter.starts_with(self.filter.as_str())
            && !self.filter.split_whitespace().any(|w| w.starts_with('!'))
            && !filter.contains('!');
        if narrows {
            let words = Words::of(filter);
            let lines = &self.lines;
            let first = self.first_seq;
            self.shown
                .retain(|seq| words.pass(lines.text((seq - first) as usize)));
        } else {
            self.rematch(filter);
        }
        self.filter = filter.to_string();
        self.cursor = 0;
    }

    /// Every kept line matched anew against `filter` and the polls setting.
    fn rematch(&mut self, filter: &str) {
        let words = Words::of(filter);
        let lines = &self.lines;
        self.shown = (0..lines.len())
            .filter(|i| self.passes(&words, lines.facts[*i].poll, lines.text(*i)))
            .map(|i| self.first_seq + i as u64)
            .collect();
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    /// How many lines the filter lets through.
    pub fn visible_len(&self) -> usize {
        self.shown.len()
    }

    /// The `i`th line the filter lets through (a copy).
    pub fn visible_line(&self, i: usize) -> Option<LogLine> {
        self.lines.get(self.visible_index(i)?)
    }

    /// Where the `i`th line the filter lets through is in `lines`.
    fn visible_index(&self, i: usize) -> Option<usize> {
        let seq = *self.shown.get(i)?;
        Some((seq - self.first_seq) as usize)
    }

    /// The lines the filter lets through (copies).
    pub fn visible(&self) -> Vec<LogLine> {
        (0..self.shown.len())
            .filter_map(|i| self.visible_line(i))
            .collect()
    }

    /// The next (or, `back`, the previous) shown line after `from` that
    /// holds the search, wrapping around; None when none does.
    pub fn find(&self, from: usize, back: bool) -> Option<usize> {
        let needle = self.search.to_lowercase();
        let n = self.shown.len();
        if needle.is_empty() || n == 0 {
            return None;
        }
        (1..=n)
            .map(|k| {
                if back {
                    (from + n * 2 - k) % n
                } else {
                    (from + k) % n
                }
            })
            .find(|i| {
                self.visible_index(*i)
                    .is_some_and(|l| self.lines.text(l).to_lowercase().contains(&needle))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(log: &Log) -> Vec<String> {
        log.visible().iter().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn a_repeated_line_is_one_line_with_a_count() {
        let mut log = Log::default();
        log.push(1, LogKind::In, "poll: 200 1 ms, 11 conversation(s)");
        log.push(2, LogKind::In, "poll: 200 3 ms, 11 conversation(s)");
        log.push(3, LogKind::In, "poll: 200 0 ms, 11 conversation(s)");
        assert_eq!(log.lines.len(), 1);
        assert_eq!(log.lines.get(0).unwrap().repeat, 3);
        assert_eq!(log.lines.get(0).unwrap().at_ms, 3);
        assert_eq!(
            log.lines.get(0).unwrap().text,
            "poll: 200 0 ms, 11 conversation(s)"
        );
        // Something changed: a line of its own.
        log.push(4, LogKind::In, "poll: 200 0 ms, 12 conversation(s)");
        assert_eq!(log.lines.len(), 2);
        // Same words, another kind: not folded.
        log.push(5, LogKind::Error, "poll: 200 0 ms, 12 conversation(s)");
        assert_eq!(log.lines.len(), 3);
    }

    #[test]
    fn a_repeated_poll_line_carries_its_count_on_and_the_order_holds() {
        let mut log = Log::default();
        for round in 0..3 {
            let at = round * 10;
            log.push_poll(at, LogKind::In, "GET conversations  poll: 200 1 ms, 5");
            log.push_poll(
                at + 1,
                LogKind::In,
                "GET agents  poll: 200 2 ms, 3 agent(s)",
            );
        }
        // Six lines, each at its own time, in time order; the newest of
        // each carries the count, the older ones keep theirs.
        let times: Vec<i64> = log.lines.iter().map(|l| l.at_ms).collect();
        assert_eq!(times, [0, 1, 10, 11, 20, 21]);
        let repeats: Vec<u32> = log.lines.iter().map(|l| l.repeat).collect();
        assert_eq!(repeats, [1, 1, 2, 2, 3, 3]);
        assert!(log.lines.iter().all(|l| l.poll));
        // The same poll right after itself folds into the newest line.
        log.push_poll(30, LogKind::In, "GET agents  poll: 200 9 ms, 3 agent(s)");
        assert_eq!(log.lines.len(), 6);
        assert_eq!(log.lines.get(5).unwrap().repeat, 4);
        assert_eq!(log.lines.get(5).unwrap().at_ms, 30);
        // Another line between: the count starts again after it.
        log.push(31, LogKind::Out, "POST hooks c-1");
        log.push_poll(32, LogKind::In, "GET agents  poll: 200 9 ms, 3 agent(s)");
        assert_eq!(log.lines.back().unwrap().repeat, 1);
        // A plain line is only folded into the one right before it.
        log.push(40, LogKind::Out, "POST hooks c-1");
        log.push(41, LogKind::In, "200 OK 3 ms c-1");
        log.push(42, LogKind::Out, "POST hooks c-1");
        assert_eq!(log.lines.len(), 11);
        let times: Vec<i64> = log.lines.iter().map(|l| l.at_ms).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }

    #[test]
    fn polls_are_hidden_until_shown_and_counted() {
        let mut log = Log::default();
        log.push_runtime(1, LogKind::In, "GET /conversations  poll: 200 1 ms, 5");
        log.push(2, LogKind::Out, "POST hooks c-1");
        log.push_runtime(3, LogKind::In, "GET /agents  poll: 200 1 ms, 2");
        log.push_runtime(4, LogKind::In, "GET /c/1  details: 200 1 ms");
        assert_eq!(
            texts(&log),
            ["POST hooks c-1", "GET /c/1  details: 200 1 ms"]
        );
        assert_eq!(log.hidden_polls(), 2);
        log.hide_polls(false);
        assert_eq!(log.visible_len(), 4);
        assert_eq!(log.hidden_polls(), 0);
        log.set_filter("agents");
        assert_eq!(texts(&log), ["GET /agents  poll: 200 1 ms, 2"]);
        log.hide_polls(true);
        assert_eq!(log.visible_len(), 0);
        log.set_filter("");
        assert_eq!(log.visible_len(), 2);
    }

    #[test]
    fn the_ring_keeps_its_capacity_and_the_filter_follows_it() {
        let mut log = Log::default();
        log.set_filter("even");
        for i in 0..LOG_CAPACITY + 10 {
            let word = if i % 2 == 0 { "even" } else { "odd" };
            log.push(i as i64, LogKind::Info, format!("line {i} {word}"));
        }
        assert_eq!(log.lines.len(), LOG_CAPACITY);
        let mark = log.pushed();
        log.push(0, LogKind::Info, "one more even");
        let new: Vec<String> = log.since(mark).map(|l| l.text).collect();
        assert_eq!(new, ["one more even"]);
        assert_eq!(log.visible_len(), LOG_CAPACITY / 2);
        assert_eq!(log.visible_line(0).unwrap().text, "line 12 even");
        let last = log.visible_line(log.visible_len() - 1).unwrap();
        assert_eq!(last.text, "one more even");
    }

    #[test]
    fn narrowing_and_widening_give_what_a_fresh_match_gives() {
        let mut log = Log::default();
        for t in [
            "GET conversations",
            "POST hooks c-1",
            "GET agents",
            "POST hooks c-2",
        ] {
            log.push(0, LogKind::Out, t);
        }
        log.set_filter("p");
        log.set_filter("po");
        log.set_filter("post c-2");
        assert_eq!(texts(&log), ["POST hooks c-2"]);
        log.set_filter("post");
        assert_eq!(texts(&log), ["POST hooks c-1", "POST hooks c-2"]);
        log.set_filter("!post");
        assert_eq!(texts(&log), ["GET conversations", "GET agents"]);
        log.set_filter("");
        assert_eq!(log.visible_len(), 4);
    }

    #[test]
    fn find_steps_through_matches_both_ways_and_wraps() {
        let mut log = Log::default();
        for t in ["a error", "b", "c error", "d"] {
            log.push(0, LogKind::Info, t);
        }
        log.search = "ERROR".into();
        assert_eq!(log.find(0, false), Some(2));
        assert_eq!(log.find(2, false), Some(0));
        assert_eq!(log.find(0, true), Some(2));
        assert_eq!(log.find(3, true), Some(2));
        log.search = "nothing".into();
        assert_eq!(log.find(0, false), None);
    }
}
