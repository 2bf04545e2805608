//! The terminal itself: what it must be able to do, setting it up and giving
//! it back, and the hang-up (the ssh link or the window went away).
//!
//! Nothing here may panic on a terminal that is gone: a hung-up tty answers
//! every write with an error, and `eprintln!` panics on one (inside the panic
//! hook that is an abort). Every write ignores its error.

use ratatui::crossterm::{cursor, event, execute, terminal};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The real terminal on stdout.
pub type Term = ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>;

/// Why `TERM` cannot run a full-screen console, if it cannot: it is unset,
/// empty or `dumb` (a terminal that cannot address the cursor).
pub fn term_problem(term: Option<&str>) -> Option<String> {
    match term.map(str::trim) {
        None | Some("") => Some("TERM is not set".to_string()),
        Some("dumb") => Some("TERM is dumb".to_string()),
        Some(_) => None,
    }
}

/// Whether the locale says text is UTF-8: the first of `LC_ALL`,
/// `LC_CTYPE` and `LANG` that is set decides. None set says nothing (most
/// terminals are UTF-8 then), so glyphs stay as they are.
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| var(name).filter(|v| !v.is_empty()))
        .is_none_or(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

static HUNG_UP: AtomicBool = AtomicBool::new(false);

/// The terminal is gone (SIGHUP came, or it answered EIO). Nothing more is
/// written to it: stdout and stderr go to /dev/null from here on, so that
/// no write anywhere (a library's `eprintln!` included) can fail and panic.
pub fn hang_up() {
    if !HUNG_UP.swap(true, Ordering::SeqCst) {
        detach();
    }
}

/// Points stdout and stderr at /dev/null: for a terminal that is gone, or
/// one that stopped reading, where any later write (an error message, the
/// flush at exit) would fail or block.
pub fn detach() {
    #[cfg(unix)]
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2(2) onto the standard descriptors, which stay open;
        // a write in flight finishes on the old file.
        unsafe {
            libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
            libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO);
        }
    }
}

/// Whether an I/O error says the terminal hung up (EIO on a tty).
pub fn is_hangup(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::EIO)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Whether SIGHUP came.
pub fn hung_up() -> bool {
    HUNG_UP.load(Ordering::SeqCst)
}

/// Ends the process as SIGHUP's default would, so that whoever started it
/// (a shell, tmux, systemd) reads "hung up" in its status. Call it after
/// the journal and the log are flushed.
pub fn end_by_hangup() -> ! {
    #[cfg(unix)]
    // SAFETY: signal(2) and raise(3) on the calling process; the default
    // action of SIGHUP ends it.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_DFL);
        libc::raise(libc::SIGHUP);
    }
    // Not reached on unix; elsewhere the shell's convention, 128 + 1.
    std::process::exit(129)
}

/// A line on stderr that never panics, even when stderr is a hung-up tty.
pub fn say(text: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

/// Raw mode, the alternate screen and bracketed paste (and the mouse).
pub fn enter(mouse: bool) -> std::io::Result<Term> {
    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    let set_up = execute!(
        out,
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste
    )
    .and_then(|_| {
        if mouse {
            execute!(out, event::EnableMouseCapture)?;
        }
        Ok(())
    })
    .and_then(|_| Term::new(ratatui::backend::CrosstermBackend::new(std::io::stdout())));
    if set_up.is_err() {
        leave(mouse);
    }
    set_up
}

/// Everything [`enter`] turned on, off again; errors are ignored (the
/// terminal may be gone).
pub fn leave(mouse: bool) {
    let mut out = std::io::stdout();
    if mouse {
        let _ = execute!(out, event::DisableMouseCapture);
    }
    let _ = execute!(
        out,
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

/// The terminal back (unless it hung up), the panic reported, and the whole
/// process ended. A panic in any task, say one conversation's queue, would
/// otherwise leave a console that looks alive but no longer sends; the
/// journal keeps the queue for the next start.
pub fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !hung_up() {
            leave(mouse);
        }
        // The default hook ignores a failed write to stderr.
        previous(info);
        tracing::error!(panic = %info, "the console panicked");
        if !hung_up() {
            say(
                "switchboard: stopped after an internal error; queued requests are kept in the journal for the next start",
            );
        }
        crate::logging::flush();
        std::process::exit(101);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_c_locale_is_not_utf8_and_the_first_set_variable_decides() {
        assert!(!locale_is_utf8(env(&[("LANG", "C")])));
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!locale_is_utf8(env(&[("LANG", "POSIX")])));
        assert!(locale_is_utf8(env(&[("LANG", "en_GB.UTF-8")])));
        assert!(locale_is_utf8(env(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "C.utf8")
        ])));
        assert!(locale_is_utf8(env(&[])));
    }

    #[test]
    fn a_dumb_or_missing_term_is_named() {
        assert_eq!(term_problem(Some("dumb")).as_deref(), Some("TERM is dumb"));
        assert_eq!(term_problem(None).as_deref(), Some("TERM is not set"));
        assert_eq!(term_problem(Some("")).as_deref(), Some("TERM is not set"));
        assert_eq!(term_problem(Some("xterm-256color")), None);
        assert_eq!(term_problem(Some("screen")), None);
    }
}
