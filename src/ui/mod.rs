//! Drawing: one file per pane, plus the theme, the keymap and text helpers.
//!
//! - `view`: the layout of the whole screen and the "too small" fallback
//! - `status`: the status line on top and the hint/prompt bar at the bottom
//! - `conversations`, `agents`, `queues`, `detail` (roster and timeline), `log`: panes
//! - `overlay`: help, agent picker, new-conversation form
//! - `wallboard`: the full-screen per-queue tiles (`:wallboard`)
//! - `table`: the list widget every list draws with (header, widths, scrolling)
//! - `theme`: styles, borders and glyphs (dark, light, mono; ASCII)

pub mod agents;
pub mod completion;
pub mod conversations;
pub mod detail;
pub mod keymap;
pub mod kore_details;
pub mod log;
pub mod overlay;
pub mod queues;
pub mod status;
pub mod table;
pub mod text;
pub mod theme;
pub mod view;
pub mod wallboard;
pub mod widgets;

pub use theme::{Theme, ThemeKind};
pub use view::view;
