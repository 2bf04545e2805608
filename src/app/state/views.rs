//! The views room: how each pane and overlay stands — which pane has the
//! keyboard, the mode, selections and cursors, filters, sorts and
//! narrowings, the overlays' scroll, the screen's size — and the lists kept
//! for the view. Written by the update handlers of keys, commands and
//! layout; the view reads it (and fills the kept lists, behind their locks).

use super::{GenCache, ListCache, Mode, Pane, PaneRows, QueueSort, SortBy};

/// Every pane's and overlay's view state.
#[derive(Debug, Clone)]
pub struct Views {
    pub focus: Pane,
    pub mode: Mode,
    /// The selected conversation's id (kept by id, so polls do not move it).
    pub selected: Option<String>,
    /// Selected row of the roster pane.
    pub roster_cursor: usize,
    /// Selected row of the agents pane.
    pub agent_cursor: usize,
    pub conv_filter: String,
    pub agent_filter: String,
    pub sort: SortBy,
    /// The conversation list's sort runs backwards (`S`).
    pub sort_reversed: bool,
    /// The queue pane shows in the agents' place.
    pub queues_shown: bool,
    /// Selected row of the queue pane.
    pub queue_cursor: usize,
    pub queue_sort: QueueSort,
    /// The conversation list shows only this queue's (its id).
    pub queue_narrow: Option<String>,
    /// The conversation list shows only this agent's (its id).
    pub agent_narrow: Option<String>,
    /// The agents pane is sorted by time in status (longest first).
    pub agents_by_time: bool,
    /// `!`: the lists show only what is in trouble.
    pub problems_only: bool,
    /// The detail pane shows the timeline (after Enter) or just the roster.
    pub detail_open: bool,
    /// The conversation list shows how long ago each row was read (`F`).
    pub fresh_column: bool,
    /// A one-line message for the supervisor (refusals, results).
    pub flash: Option<(String, bool)>,
    /// How far the help overlay is scrolled (rows), when it is taller than
    /// the screen.
    pub help_scroll: u16,
    /// The `:` line's completion candidates after a Tab that found several
    /// (shown under the line while it still reads as Tab left it).
    pub completion: Option<crate::app::completion::CompletionList>,
    /// The terminal's size (columns, rows), from the latest resize.
    pub screen: (u16, u16),
    /// The rows each pane shows, as the view laid them out (fed back by the
    /// runtime with `Action::Layout`): how far PgUp/PgDn move.
    pub pane_rows: PaneRows,
    /// Only the wallboard (`switchboard wallboard`, `demo --wallboard`):
    /// closing it quits.
    pub wallboard_only: bool,
    /// `[ui] show_customer_contact`: the detail pane shows the customer's
    /// email and phone as they are, not masked.
    pub show_customer_contact: bool,
    /// The saved views (`:view`), from views.toml and `[views]`.
    pub saved_views: crate::app::views::SavedViews,
    /// The marked conversations (Space, Ctrl-Space, `:mark`).
    pub marks: crate::app::marks::Marks,
    /// The filtered, sorted conversation list, made again only when its
    /// inputs change (see `State::visible_ids`).
    pub list_cache: ListCache,
    /// Counts over every conversation (requests open, retrying, failed;
    /// each queue's figures), made again only when the conversations change.
    pub summary_cache: GenCache<crate::app::summary::Summary>,
}

impl Default for Views {
    /// The conversations pane focused, nothing selected, filtered or
    /// narrowed, an 80x24 screen until the first resize.
    fn default() -> Self {
        Views {
            focus: Pane::Conversations,
            mode: Mode::Normal,
            selected: None,
            roster_cursor: 0,
            agent_cursor: 0,
            conv_filter: String::new(),
            agent_filter: String::new(),
            sort: SortBy::default(),
            sort_reversed: false,
            queues_shown: false,
            queue_cursor: 0,
            queue_sort: QueueSort::default(),
            queue_narrow: None,
            agent_narrow: None,
            agents_by_time: false,
            problems_only: false,
            detail_open: false,
            fresh_column: false,
            flash: None,
            help_scroll: 0,
            completion: None,
            screen: (80, 24),
            pane_rows: Default::default(),
            wallboard_only: false,
            show_customer_contact: false,
            saved_views: Default::default(),
            marks: Default::default(),
            list_cache: Default::default(),
            summary_cache: Default::default(),
        }
    }
}
