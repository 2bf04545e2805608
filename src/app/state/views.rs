//! The views room: how each pane and overlay stands — which pane has the
//! keyboard, the mode, selections and cursors, filters, sorts and
//! narrowings, the overlays' scroll, the screen's size — and the lists kept
//! for the view. Written by the update handlers of keys, commands and
//! layout; the view reads it (and fills the kept lists, behind their locks).

use super::{GenCache, ListCache, Log, LogKind, Mode, Pane, PaneRows, QueueSort, SortBy};

/// Every pane's and overlay's view state: what is shared (focus, mode,
/// flash, screen) at the top, each pane's own in its room.
#[derive(Debug, Clone)]
pub struct Views {
    pub focus: Pane,
    pub mode: Mode,
    /// The conversation list (and the kept list it draws).
    pub list: ListView,
    /// The agents pane.
    pub agents: AgentsView,
    /// The queue pane.
    pub queues: QueuesView,
    /// The detail pane.
    pub detail: DetailView,
    /// The help overlay.
    pub help: HelpView,
    /// `!`: the lists show only what is in trouble.
    pub problems_only: bool,
    /// A one-line message for the supervisor (refusals, results).
    pub flash: Option<(String, bool)>,
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
    /// Counts over every conversation (requests open, retrying, failed;
    /// each queue's figures), made again only when the conversations change.
    pub summary_cache: GenCache<crate::app::summary::Summary>,
}

impl Views {
    /// A line on the message line.
    pub(crate) fn say(&mut self, text: impl Into<String>) {
        self.flash = Some((text.into(), false));
    }

    /// A refusal: on the message line, and in the log at `now_ms`.
    pub(crate) fn refuse(&mut self, log: &mut Log, now_ms: i64, text: impl Into<String>) {
        let text = text.into();
        log.push(now_ms, LogKind::Error, format!("refused: {text}"));
        self.flash = Some((text, true));
    }
}

/// The conversation list: selection, filter, sort, narrowings, marks and
/// the kept list.
#[derive(Debug, Clone, Default)]
pub struct ListView {
    /// The selected conversation's id (kept by id, so polls do not move it).
    pub selected: Option<String>,
    pub filter: String,
    pub sort: SortBy,
    /// The sort runs backwards (`S`).
    pub reversed: bool,
    /// Only this queue's conversations (its id).
    pub queue_narrow: Option<String>,
    /// Only this agent's conversations (its id).
    pub agent_narrow: Option<String>,
    /// How long ago each row was read shows as a column (`F`).
    pub fresh_column: bool,
    /// The marked conversations (Space, Ctrl-Space, `:mark`).
    pub marks: crate::app::marks::Marks,
    /// The filtered, sorted list, made again only when its inputs change
    /// (see `State::visible_ids`).
    pub cache: ListCache,
}

/// The agents pane.
#[derive(Debug, Clone, Default)]
pub struct AgentsView {
    /// The selected row.
    pub cursor: usize,
    pub filter: String,
    /// Sorted by time in status (longest first).
    pub by_time: bool,
}

/// The queue pane (shown in the agents' place).
#[derive(Debug, Clone, Default)]
pub struct QueuesView {
    /// It shows instead of the agents pane.
    pub shown: bool,
    /// The selected row.
    pub cursor: usize,
    pub sort: QueueSort,
}

/// The detail pane.
#[derive(Debug, Clone, Default)]
pub struct DetailView {
    /// It shows the timeline (after Enter), not just the roster.
    pub open: bool,
    /// The selected row of its roster.
    pub roster_cursor: usize,
}

/// The help overlay.
#[derive(Debug, Clone, Default)]
pub struct HelpView {
    /// How far it is scrolled (rows), when it is taller than the screen.
    pub scroll: u16,
}

impl Default for Views {
    /// The conversations pane focused, nothing selected, filtered or
    /// narrowed, an 80x24 screen until the first resize.
    fn default() -> Self {
        Views {
            focus: Pane::Conversations,
            mode: Mode::Normal,
            list: ListView::default(),
            agents: AgentsView::default(),
            queues: QueuesView::default(),
            detail: DetailView::default(),
            help: HelpView::default(),
            problems_only: false,
            flash: None,
            completion: None,
            screen: (80, 24),
            pane_rows: Default::default(),
            wallboard_only: false,
            show_customer_contact: false,
            saved_views: Default::default(),
            summary_cache: Default::default(),
        }
    }
}
