//! I/O that the pure parts of the app ask for: the callback listener (and,
//! as they arrive, the effect runner and the journal).

pub mod callback;
pub mod console;
pub mod journal;
mod journal_compact;
pub mod journal_file;
mod journal_line;
mod journal_read;
mod journal_rebuild;
mod journal_record;
mod journal_scan;
pub mod journal_writer;
pub mod limits;
pub mod render;
pub mod runner;
pub mod script;
pub mod terminal;
pub mod views_file;
