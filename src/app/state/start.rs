//! The one constructor: the State the console, the demo, the wallboard and
//! the tests start from, built from what the runtime read of the config
//! (the runtime fills [`StartOptions`]; it writes no field itself).

use super::{Agent, LogKind, Mode, Model, Requests, Settings, State, Views};
use crate::app::keymap::Keymap;

/// What a State starts with. [`StartOptions::new`] gives the tests'
/// defaults; the console sets the rest from its options.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub settings: Settings,
    pub keymap: Keymap,
    /// A prefix unique to this run for request ids.
    pub run_tag: String,
    /// The clock at start (unix ms): since when the figures are watched.
    pub now_ms: i64,
    /// The `[[agents]]` directory: shown before the first poll.
    pub directory: Vec<Agent>,
    /// `[ui] show_customer_contact`.
    pub show_customer_contact: bool,
    /// The queue pane shows in the agents' place (the console starts so).
    pub queues_shown: bool,
    /// How often the conversations are polled (ms), when they are.
    pub poll_ms: Option<i64>,
    /// Only the wallboard: it opens on the wallboard, and closing it quits.
    pub wallboard: bool,
    /// Where callbacks come back, as the status bar shows it.
    pub callback_address: String,
    /// Requests per minute the client may send.
    pub rate_limit: u32,
    /// The journal's warnings at start, each an error line of the log.
    pub warnings: Vec<String>,
    /// The saved views (`:view`) read at start.
    pub saved_views: crate::app::views::SavedViews,
}

impl StartOptions {
    /// Everything else empty, off or zero, the clock at 0.
    pub fn new(settings: Settings, keymap: Keymap, run_tag: String) -> StartOptions {
        StartOptions {
            settings,
            keymap,
            run_tag,
            now_ms: 0,
            directory: Vec::new(),
            show_customer_contact: false,
            queues_shown: false,
            poll_ms: None,
            wallboard: false,
            callback_address: String::new(),
            rate_limit: 0,
            warnings: Vec::new(),
            saved_views: Default::default(),
        }
    }
}

impl State {
    /// The State for the console, the demo, the wallboard and the tests.
    pub fn for_console(opts: StartOptions) -> State {
        let mut model = Model {
            agents: opts.directory,
            ..Model::default()
        };
        model.freshness.since_ms = opts.now_ms;
        if let Some(every) = opts.poll_ms {
            model.freshness.poll_ms = every;
        }
        model.status.callback_address = opts.callback_address;
        model.status.rate_limit = opts.rate_limit;
        let mut views = Views {
            queues: super::views::QueuesView {
                shown: opts.queues_shown,
                ..Default::default()
            },
            show_customer_contact: opts.show_customer_contact,
            saved_views: opts.saved_views,
            ..Views::default()
        };
        if opts.wallboard {
            views.mode = Mode::Wallboard;
            views.wallboard_only = true;
        }
        let mut state = State {
            settings: opts.settings,
            keymap: opts.keymap,
            model,
            requests: Requests::new(opts.run_tag),
            views,
            log: Default::default(),
            now_ms: opts.now_ms,
            quit: false,
        };
        for w in opts.warnings {
            state.log.push(state.now_ms, LogKind::Error, w);
        }
        state
    }

    /// [`State::for_console`] with [`StartOptions::new`]'s defaults: the
    /// tests' State.
    pub fn new(settings: Settings, keymap: Keymap, run_tag: String) -> State {
        State::for_console(StartOptions::new(settings, keymap, run_tag))
    }
}
