//! `:view save`: the views file written off the event loop, its answer a
//! `Note` (the in-memory views are kept either way).

use super::Runner;
use crate::app::Action;

impl Runner {
    pub(super) fn save_views(&self, path: String, text: String, name: String) {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let result = crate::runtime::views_file::write_atomic(path.as_ref(), &text);
            inner.send(match result {
                Ok(()) => Action::Note {
                    error: false,
                    text: format!("view {name} saved to {path}"),
                },
                Err(e) => Action::Note {
                    error: true,
                    text: format!(
                        "view {name} is kept for this run but was not written to {path}: {e}"
                    ),
                },
            });
        });
    }
}
