//! The pager: every paged list of Kore's (list-conversations by `skip`,
//! list-agents and list-queues by `page`) is read one way, with one rule
//! for the end of a list and the same guards against a server that pages
//! oddly. It does no I/O: the caller asks for the page [`Pager::next`]
//! names and hands the answer to [`Pager::take`], so a poll may read a list
//! whole or a few pages a round.
//!
//! The end of a list, one rule for all (see [`Pager::take`]):
//! - an empty page;
//! - nothing says there is more and something says it is over. A total
//!   the answer gives and the reading has not reached says there is more
//!   (`totalResults` counted in items read, `totalPages` in pages read):
//!   an answer without `hasMore` reads it as false, so a larger total
//!   reads on. `hasMore: false` says it is over, and so does a total
//!   reached: `totalPages` at once, `totalResults` on a short page (Kore's
//!   samples show `hasMore: true` beside a reached total, and a
//!   `totalResults` that counts only the page never ends a full one);
//! - never on a page cut to the size asked for: what was cut comes again
//!   at the next `skip`.
//!
//! The guards, whatever the server says:
//! - a page longer than the `limit` asked for is cut to it;
//! - the same items as the page before (at a later `skip` or `page`) is a
//!   server that ignores where to start: the reading ends there
//!   ([`End::Repeated`]);
//! - a reading takes at most [`Paging::max_pages`] pages ([`End::Capped`]
//!   when the server still says there is more), so a list that never ends
//!   holds nothing open for ever.

use crate::kore::wire::Page;

/// How one list is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page size the request asks for (`limit`), for a list paged by
    /// `skip`: a longer page is cut to it, a shorter one is short. A list
    /// paged by number asks for none: its pages are short against the
    /// answer's own `limit`, and never cut (what a page held past the size
    /// would not come again).
    pub limit: Option<u32>,
    /// The most pages one reading takes.
    pub max_pages: u32,
}

/// Conversations asked for per page (the most list-conversations gives).
pub const CONVERSATIONS_PER_PAGE: u32 = 100;

/// list-conversations, by `skip`: a sweep of one group of statuses reads
/// at most 1,000 pages (100,000 conversations, what the console keeps in
/// all).
pub const CONVERSATIONS: Paging = Paging {
    limit: Some(CONVERSATIONS_PER_PAGE),
    max_pages: 1_000,
};

/// list-agents, by number (Kore's own page size): 10 pages a poll.
pub const AGENTS: Paging = Paging {
    limit: None,
    max_pages: 10,
};

/// list-queues, by number (10 a page by default): 20 pages a listing.
pub const QUEUES: Paging = Paging {
    limit: None,
    max_pages: 20,
};

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Its number in the reading, from 1 (`page=` of a list paged by number).
    pub page: u32,
    /// The items read before it (`skip=` of a list paged by `skip`).
    pub skip: u32,
}

/// Why a reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The list is over, by the rule in the module's doc.
    Listed,
    /// The page held the items of the page before it: the server ignores
    /// where a page starts, so nothing further can be read.
    Repeated,
    /// The page cap, with the server still saying there is more.
    Capped,
}

/// What one page was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Where it started.
    pub at: At,
    /// The items the answer held.
    pub answered: usize,
    /// The items kept of them (all, unless the page was cut).
    pub kept: u32,
    /// The list's length as the answer gave it (`totalResults`).
    pub total: Option<u64>,
    /// The reading ended with this page, and why; the next one starts
    /// the list again.
    pub end: Option<End>,
}

impl Step {
    /// The answer held more than the size asked for, and was cut to it.
    pub fn cut(&self) -> bool {
        self.answered > self.kept as usize
    }
}

/// Where a reading of one list stands: a poll that reads a few pages a
/// round keeps it from one round to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    paging: Paging,
    /// Pages read so far.
    pages: u32,
    /// Items read so far.
    skip: u32,
    /// The ids of the previous page.
    last_ids: Vec<String>,
}

impl Pager {
    pub fn new(paging: Paging) -> Self {
        Pager {
            paging,
            pages: 0,
            skip: 0,
            last_ids: Vec::new(),
        }
    }

    /// The page to ask for next.
    pub fn next(&self) -> At {
        At {
            page: self.pages.saturating_add(1),
            skip: self.skip,
        }
    }

    /// Takes the answer for the page [`Pager::next`] named: cuts it to the
    /// size asked for, decides whether the reading ends here (and why),
    /// and moves on, or back to the start of the list when it ended. `id`
    /// names an item, for the repeated-page guard.
    pub fn take<T>(&mut self, page: &mut Page<T>, id: impl Fn(&T) -> Option<&str>) -> Step {
        let at = self.next();
        let answered = page.results.len();
        if let Some(limit) = self.paging.limit {
            page.results.truncate(limit as usize);
        }
        let kept = u32::try_from(page.results.len()).unwrap_or(u32::MAX);
        let ids: Vec<String> = page
            .results
            .iter()
            .filter_map(|r| id(r).map(str::to_string))
            .collect();
        let repeated = at.page > 1 && !ids.is_empty() && ids == self.last_ids;
        let cut = answered > kept as usize;
        let end = if repeated {
            Some(End::Repeated)
        } else if kept == 0 || (!cut && self.says_over(page, at, kept)) {
            Some(End::Listed)
        } else if at.page >= self.paging.max_pages {
            Some(End::Capped)
        } else {
            None
        };
        if end.is_some() {
            *self = Pager::new(self.paging);
        } else {
            self.pages = at.page;
            self.skip = at.skip.saturating_add(kept);
            self.last_ids = ids;
        }
        Step {
            at,
            answered,
            kept,
            total: page.total_results.and_then(|t| u64::try_from(t).ok()),
            end,
        }
    }

    /// Nothing in the answer says there is more, and something says the
    /// list is over (the rule in the module's doc).
    fn says_over<T>(&self, page: &Page<T>, at: At, kept: u32) -> bool {
        let read = u64::from(at.skip) + u64::from(kept);
        let results = page
            .total_results
            .and_then(|t| u64::try_from(t).ok())
            .map(|t| read >= t);
        let pages = page.total_pages.map(|t| i64::from(at.page) >= t);
        let size = self
            .paging
            .limit
            .or_else(|| page.limit.and_then(|l| u32::try_from(l).ok()));
        let short = size.is_some_and(|n| kept < n);
        let more = results == Some(false) || pages == Some(false);
        let over = !page.has_more || (results == Some(true) && short) || pages == Some(true);
        !more && over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every list kind, each test runs on each.
    const KINDS: [(&str, Paging); 3] = [
        ("conversations", CONVERSATIONS),
        ("agents", AGENTS),
        ("queues", QUEUES),
    ];

    /// The page size a server gives each kind (what it was asked for, or
    /// its own default).
    fn size(paging: Paging) -> usize {
        paging.limit.map_or(10, |l| l as usize)
    }

    /// A page of the items `from..to`, with the envelope's fields.
    fn page(from: usize, to: usize, has_more: bool) -> Page<String> {
        Page {
            results: (from..to).map(|i| format!("id-{i}")).collect(),
            has_more,
            ..Page::default()
        }
    }

    fn id<S: AsRef<str>>(s: &S) -> Option<&str> {
        Some(s.as_ref())
    }

    /// Reads a whole list from `serve` (the answer for a page): the items
    /// in order, the pages asked for, and how the reading ended.
    fn read(
        paging: Paging,
        mut serve: impl FnMut(At) -> Page<String>,
    ) -> (Vec<String>, Vec<At>, End) {
        let mut pager = Pager::new(paging);
        let (mut items, mut asked) = (Vec::new(), Vec::new());
        loop {
            let at = pager.next();
            asked.push(at);
            assert!(asked.len() <= 100_000, "the reading never ended");
            let mut answer = serve(at);
            let step = pager.take(&mut answer, id);
            items.extend(answer.results);
            if let Some(end) = step.end {
                assert_eq!(pager.next(), At { page: 1, skip: 0 }, "back to the start");
                return (items, asked, end);
            }
        }
    }

    /// An honest server with `n` items: pages of the kind's size where it
    /// is asked to start (by skip or by number), hasMore and both totals.
    fn honest(paging: Paging, n: usize) -> impl FnMut(At) -> Page<String> {
        let per = size(paging);
        move |at| {
            let from = match paging.limit {
                Some(_) => at.skip as usize,
                None => (at.page as usize - 1) * per,
            }
            .min(n);
            let to = (from + per).min(n);
            Page {
                limit: Some(per as i64),
                total_pages: Some(n.div_ceil(per) as i64),
                total_results: Some(n as i64),
                ..page(from, to, to < n)
            }
        }
    }

    #[test]
    fn every_list_is_read_whole_and_once() {
        for (kind, paging) in KINDS {
            let per = size(paging);
            for n in [0, 1, per - 1, per, per + 1, 3 * per] {
                let (items, asked, end) = read(paging, honest(paging, n));
                assert_eq!(end, End::Listed, "{kind} {n}");
                let want: Vec<String> = (0..n).map(|i| format!("id-{i}")).collect();
                assert_eq!(items, want, "{kind} {n}");
                assert_eq!(
                    asked.len(),
                    n.div_ceil(per).max(1),
                    "{kind} {n}: no read past"
                );
            }
        }
    }

    /// The list-queues sample says `hasMore: true` with one page in all;
    /// the rule is the same for every kind.
    #[test]
    fn a_reached_total_ends_the_list_whatever_has_more_says() {
        for (kind, paging) in KINDS {
            let mut pager = Pager::new(paging);
            let mut sample = Page {
                limit: Some(10),
                total_pages: Some(1),
                total_results: Some(1),
                ..page(0, 1, true)
            };
            let step = pager.take(&mut sample, id);
            assert_eq!(step.end, Some(End::Listed), "{kind}");
            // totalPages alone, on a page of no known size.
            let mut pager = Pager::new(paging);
            let mut pages_only = Page {
                total_pages: Some(1),
                ..page(0, 1, true)
            };
            assert_eq!(pager.take(&mut pages_only, id).end, Some(End::Listed));
        }
    }

    /// Kore's samples give `totalResults` equal to the page's count: on a
    /// full page it ends nothing, so hasMore decides.
    #[test]
    fn a_total_that_counts_only_the_page_does_not_end_a_full_one() {
        for (kind, paging) in KINDS {
            let per = size(paging);
            let mut pager = Pager::new(paging);
            let mut first = Page {
                limit: Some(per as i64),
                total_results: Some(per as i64),
                ..page(0, per, true)
            };
            assert_eq!(pager.take(&mut first, id).end, None, "{kind}");
        }
    }

    /// An answer without hasMore (read as false) beside a larger total
    /// reads on, so odd paging cannot cut a reading short.
    #[test]
    fn a_total_that_says_more_reads_on_past_has_more_false() {
        for (kind, paging) in KINDS {
            let per = size(paging);
            let (items, _, end) = read(paging, |at| {
                let from = (at.page as usize - 1) * per;
                let to = (from + per).min(3 * per);
                Page {
                    total_results: Some(3 * per as i64),
                    ..page(from, to, false)
                }
            });
            assert_eq!((items.len(), end), (3 * per, End::Listed), "{kind}");
            let (items, _, end) = read(paging, |at| {
                let from = (at.page as usize - 1) * per;
                Page {
                    total_pages: Some(3),
                    ..page(from, from + per, false)
                }
            });
            assert_eq!((items.len(), end), (3 * per, End::Listed), "{kind}");
        }
    }

    #[test]
    fn an_empty_page_ends_the_list() {
        for (kind, paging) in KINDS {
            let mut pager = Pager::new(paging);
            let mut empty = Page {
                total_results: Some(500),
                ..page(0, 0, true)
            };
            assert_eq!(pager.take(&mut empty, id).end, Some(End::Listed), "{kind}");
        }
    }

    /// A short page with more said (by hasMore, no total) is not the end:
    /// a server whose pages are smaller than asked is read whole.
    #[test]
    fn a_short_page_alone_does_not_end_the_list() {
        for (kind, paging) in KINDS {
            let (items, asked, end) = read(paging, |at| {
                let from = (at.page as usize - 1) * 5;
                page(from, (from + 5).min(12), from + 5 < 12)
            });
            assert_eq!(
                (items.len(), asked.len(), end),
                (12, 3, End::Listed),
                "{kind}"
            );
        }
    }

    /// The guard of issue 8: a server that ignores `skip` (or `page`)
    /// and always says more answers the first page again; the reading
    /// ends at the first repeat.
    #[test]
    fn a_server_that_ignores_where_a_page_starts_ends_the_reading() {
        for (kind, paging) in KINDS {
            let per = size(paging);
            let (items, asked, end) = read(paging, |_| page(0, per, true));
            assert_eq!((asked.len(), end), (2, End::Repeated), "{kind}");
            assert_eq!(items.len(), 2 * per, "{kind}");
        }
    }

    /// Issue 18.14's guard: a list that never ends (more always, new ids
    /// on every page) stops at the kind's page cap.
    #[test]
    fn a_list_that_never_ends_stops_at_the_page_cap() {
        for (kind, paging) in KINDS {
            let per = size(paging);
            let (items, asked, end) = read(paging, |at| {
                let from = (at.page as usize - 1) * per;
                page(from, from + per, true)
            });
            assert_eq!(end, End::Capped, "{kind}");
            assert_eq!(asked.len(), paging.max_pages as usize, "{kind}");
            assert_eq!(items.len(), paging.max_pages as usize * per, "{kind}");
        }
    }

    /// The cap is no end when the list ends on it.
    #[test]
    fn a_list_that_ends_on_the_cap_is_listed_whole() {
        for (kind, paging) in KINDS {
            let n = paging.max_pages as usize * size(paging);
            let (items, _, end) = read(paging, honest(paging, n));
            assert_eq!((items.len(), end), (n, End::Listed), "{kind}");
        }
    }

    /// A page longer than asked for is cut to the size (by `skip` the rest
    /// comes again) and never ends the reading; a list paged by number
    /// asked for no size, and keeps what came.
    #[test]
    fn a_page_longer_than_asked_for_is_cut_and_read_on() {
        for (kind, paging) in KINDS {
            let n: u32 = 250;
            // Each answer holds the rest of the list and says it is all.
            let (items, asked, end) = read(paging, |at| {
                page(at.skip.min(n) as usize, n as usize, false)
            });
            assert_eq!(end, End::Listed, "{kind}");
            match paging.limit {
                Some(limit) => {
                    assert_eq!(asked.len(), 3, "{kind}");
                    assert_eq!(items.len(), n as usize, "{kind}: each once");
                    let mut pager = Pager::new(paging);
                    let step = pager.take(&mut page(0, 250, false), id);
                    assert!(step.cut() && step.kept == limit && step.answered == 250);
                }
                None => assert_eq!((asked.len(), items.len()), (1, n as usize), "{kind}"),
            }
        }
    }

    /// A page that failed is not taken: the next read asks for it again,
    /// and what came before stays read.
    #[test]
    fn a_failed_page_is_asked_for_again() {
        for (kind, paging) in KINDS {
            let per = size(paging);
            let mut pager = Pager::new(paging);
            let mut serve = honest(paging, 3 * per);
            let first = pager.next();
            assert_eq!(pager.take(&mut serve(first), id).end, None, "{kind}");
            let second = pager.next();
            assert_eq!(second.page, 2, "{kind}");
            // The read of `second` failed: nothing is taken.
            assert_eq!(pager.next(), second, "{kind}");
            let step = pager.take(&mut serve(second), id);
            assert_eq!((step.at, step.end), (second, None), "{kind}");
        }
    }
}
