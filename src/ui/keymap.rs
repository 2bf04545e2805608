//! The keymap is part of the console's core (`app::keymap`): the view reads
//! it from there for the help and the hint bar.

pub use crate::app::keymap::*;
