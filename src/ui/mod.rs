//! Drawing: one file per pane, plus the theme, the keymap and text helpers.

pub mod keymap;
pub mod text;
