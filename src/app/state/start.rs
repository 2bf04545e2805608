//! The one constructor: the State the console, the demo, the wallboard and
//! the tests start from.

use super::*;

impl State {
    pub fn new(settings: Settings, keymap: crate::app::keymap::Keymap, run_tag: String) -> Self {
        State {
            settings,
            keymap,
            model: Model::default(),
            list_cache: Default::default(),
            summary_cache: Default::default(),
            log: Log::default(),
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
            now_ms: 0,
            quit: false,
            help_scroll: 0,
            completion: None,
            pane_rows: Default::default(),
            requests: Requests::new(run_tag),
            screen: (80, 24),
            wallboard_only: false,
            show_customer_contact: false,
        }
    }
}
