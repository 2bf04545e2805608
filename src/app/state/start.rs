//! The one constructor: the State the console, the demo, the wallboard and
//! the tests start from.

use super::*;

impl State {
    pub fn new(settings: Settings, keymap: crate::app::keymap::Keymap, run_tag: String) -> Self {
        State {
            settings,
            keymap,
            model: Model::default(),
            views: Views::default(),
            log: Log::default(),
            now_ms: 0,
            quit: false,
            requests: Requests::new(run_tag),
        }
    }
}
