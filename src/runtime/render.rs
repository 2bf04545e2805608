//! The terminal's own thread. The event loop draws each frame into memory
//! ([`Offscreen`]) and leaves it in a slot that holds only the latest one;
//! this thread writes what is in the slot to the terminal. A terminal that
//! stops reading (a frozen ssh client, a suspended tmux) holds up this
//! thread alone: the loop goes on journaling callbacks and answering the
//! runner, and the frames it draws meanwhile replace each other.
//!
//! Everything written to the terminal goes through here: frames, the bell,
//! Ctrl-Z's hand-back, and the restore at the end.

use super::terminal::{self, Term};
use crate::app::Action;
use ratatui::buffer::Buffer;
use ratatui::crossterm::queue;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::layout::{Position, Rect};
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// One frame as the view drew it: every cell, and the cursor (None: hidden).
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    pub buffer: Buffer,
    pub cursor: Option<Position>,
}

/// Where the event loop draws: an in-memory terminal of the screen's size.
pub struct Offscreen {
    terminal: ratatui::Terminal<ratatui::backend::TestBackend>,
}

impl Offscreen {
    pub fn new(width: u16, height: u16) -> Offscreen {
        let backend = ratatui::backend::TestBackend::new(width, height);
        Offscreen {
            terminal: ratatui::Terminal::new(backend).expect("an in-memory terminal cannot fail"),
        }
    }

    /// Draws one frame of `size` with `render` and returns it whole.
    pub fn draw(
        &mut self,
        (width, height): (u16, u16),
        render: impl FnOnce(&mut ratatui::Frame),
    ) -> Screen {
        let backend = self.terminal.backend();
        if backend.buffer().area.as_size() != ratatui::layout::Size::new(width, height) {
            self.terminal.backend_mut().resize(width, height);
        }
        // The in-memory backend never fails.
        let buffer = match self.terminal.draw(render) {
            Ok(done) => done.buffer.clone(),
            Err(never) => match never {},
        };
        let backend = self.terminal.backend();
        Screen {
            buffer,
            cursor: backend.cursor_visible().then(|| backend.cursor_position()),
        }
    }
}

/// What waits for the terminal's thread.
#[derive(Default)]
struct Slot {
    /// The latest frame; a newer one replaces it unwritten.
    frame: Option<Screen>,
    bell: bool,
    suspend: bool,
    /// Give the terminal back (true) or leave it as it is (false), then end.
    stop: Option<bool>,
}

impl Slot {
    fn is_empty(&self) -> bool {
        self.frame.is_none() && !self.bell && !self.suspend && self.stop.is_none()
    }
}

#[derive(Default)]
struct Shared {
    slot: Mutex<Slot>,
    wake: Condvar,
}

impl Shared {
    fn put(&self, f: impl FnOnce(&mut Slot)) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut slot);
        self.wake.notify_one();
    }

    fn take(&self) -> Slot {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        while slot.is_empty() {
            slot = self.wake.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
        std::mem::take(&mut *slot)
    }
}

/// How the terminal's thread ended.
#[derive(Debug)]
pub enum Ended {
    /// It wrote everything asked of it (and gave the terminal back if asked).
    Done,
    /// A write failed (the first error); it wrote nothing after it.
    Failed(io::Error),
    /// It did not answer in time: the terminal is not reading. Nothing more
    /// may be written to it, stderr included (the same tty).
    Stuck,
}

/// The handle the event loop keeps.
pub struct Renderer {
    shared: Arc<Shared>,
    ended: Option<oneshot::Receiver<Option<io::Error>>>,
}

impl Renderer {
    /// Starts the thread with the terminal `enter` set up. A failed write
    /// sends `Action::Terminate` on `tx`; after Ctrl-Z it sends the size
    /// found on `fg` as `Action::Resize`.
    pub fn start(term: Term, mouse: bool, tx: mpsc::UnboundedSender<Action>) -> Renderer {
        let shared = Arc::new(Shared::default());
        let (done, ended) = oneshot::channel();
        let thread = Thread {
            term: std::mem::ManuallyDrop::new(term),
            mouse,
            shared: shared.clone(),
            tx,
            last: None,
            failed: None,
        };
        std::thread::Builder::new()
            .name("terminal".into())
            .spawn(move || thread.run(done))
            .expect("a thread can be started");
        Renderer {
            shared,
            ended: Some(ended),
        }
    }

    /// Shows `screen` next, in place of any frame not written yet.
    pub fn show(&self, screen: Screen) {
        self.shared.put(|s| s.frame = Some(screen));
    }

    /// Rings the bell before the next frame.
    pub fn bell(&self) {
        self.shared.put(|s| s.bell = true);
    }

    /// Gives the terminal back and stops the process until `fg`.
    pub fn suspend(&self) {
        self.shared.put(|s| s.suspend = true);
    }

    /// Ends the thread, giving the terminal back when `restore`; waits at
    /// most `wait` for it.
    pub async fn stop(&mut self, restore: bool, wait: Duration) -> Ended {
        self.shared.put(|s| s.stop = Some(restore));
        let Some(ended) = self.ended.take() else {
            return Ended::Done;
        };
        match tokio::time::timeout(wait, ended).await {
            Ok(Ok(None)) => Ended::Done,
            Ok(Ok(Some(e))) => Ended::Failed(e),
            // The thread is gone without a word (it panicked) or is stuck.
            Ok(Err(_)) | Err(_) => Ended::Stuck,
        }
    }
}

struct Thread {
    /// Never dropped: ratatui's `Drop` shows the cursor and `eprintln!`s
    /// when that fails, which panics on a hung-up tty. [`terminal::leave`]
    /// shows the cursor at the end instead.
    term: std::mem::ManuallyDrop<Term>,
    mouse: bool,
    shared: Arc<Shared>,
    tx: mpsc::UnboundedSender<Action>,
    /// The frame on the screen, drawn again after `fg`.
    last: Option<Screen>,
    failed: Option<io::Error>,
}

impl Thread {
    fn run(mut self, done: oneshot::Sender<Option<io::Error>>) {
        loop {
            let work = self.shared.take();
            if self.failed.is_none()
                && !terminal::hung_up()
                && let Err(e) = self.write(work.bell, work.frame, work.suspend)
            {
                tracing::error!(error = %e, "the terminal cannot be written to");
                if terminal::is_hangup(&e) {
                    terminal::hang_up();
                }
                self.failed = Some(e);
                let _ = self.tx.send(Action::Terminate);
            }
            if let Some(restore) = work.stop {
                if restore && self.failed.is_none() && !terminal::hung_up() {
                    terminal::leave(self.mouse);
                }
                let _ = done.send(self.failed.take());
                return;
            }
        }
    }

    fn write(&mut self, bell: bool, frame: Option<Screen>, suspend: bool) -> io::Result<()> {
        if bell {
            // Between frames, never inside a synchronized update.
            let out = self.term.backend_mut();
            out.write_all(b"\x07")?;
            out.flush()?;
        }
        if let Some(screen) = frame {
            draw(&mut self.term, &screen)?;
            self.last = Some(screen);
        }
        if suspend {
            self.suspend()?;
        }
        Ok(())
    }

    /// Gives the terminal back, stops the process until `fg` (SIGCONT),
    /// then sets the terminal up again and draws the last frame whole.
    fn suspend(&mut self) -> io::Result<()> {
        terminal::leave(self.mouse);
        #[cfg(unix)]
        // SAFETY: raise(3) with a signal that stops the calling process.
        unsafe {
            libc::raise(libc::SIGSTOP);
        }
        // Continued.
        // The old handle is left undropped, as in `Thread::term`.
        self.term = std::mem::ManuallyDrop::new(terminal::enter(self.mouse)?);
        let (w, h) = ratatui::crossterm::terminal::size()?;
        // A resize clears the screen and forgets what was drawn, so the
        // next frame is a full one. (`Terminal::clear` would ask for the
        // cursor position, which a bare pty never answers.)
        self.term.resize(Rect::new(0, 0, w, h))?;
        if let Some(screen) = self.last.take() {
            draw(&mut self.term, &screen)?;
            self.last = Some(screen);
        }
        // The window may have changed while the console was stopped.
        let _ = self.tx.send(Action::Resize(w, h));
        Ok(())
    }
}

/// Writes what changed since the last frame, wrapped in synchronized-update
/// escapes so that the terminal shows the frame whole (no flicker on slow
/// links or in tmux).
fn draw(term: &mut Term, screen: &Screen) -> io::Result<()> {
    if term.current_buffer_mut().area != screen.buffer.area {
        term.resize(screen.buffer.area)?;
    }
    queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.current_buffer_mut().clone_from(&screen.buffer);
    term.apply_buffer_with_cursor(screen.cursor)?;
    queue!(term.backend_mut(), EndSynchronizedUpdate)?;
    term.backend_mut().flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offscreen_frame_holds_every_cell_and_the_cursor() {
        let mut off = Offscreen::new(10, 2);
        let screen = off.draw((12, 3), |f| {
            f.render_widget("hello", f.area());
            f.set_cursor_position(Position::new(2, 1));
        });
        assert_eq!(screen.buffer.area, Rect::new(0, 0, 12, 3));
        assert_eq!(screen.buffer[(0, 0)].symbol(), "h");
        assert_eq!(screen.cursor, Some(Position::new(2, 1)));
        // A second frame is whole too, not only what changed.
        let again = off.draw((12, 3), |f| f.render_widget("hello", f.area()));
        assert_eq!(again.buffer[(4, 0)].symbol(), "o");
        assert_eq!(again.cursor, None);
    }

    #[test]
    fn the_slot_keeps_only_the_latest_frame() {
        let shared = Shared::default();
        let mut off = Offscreen::new(4, 1);
        let first = off.draw((4, 1), |f| f.render_widget("one", f.area()));
        let second = off.draw((4, 1), |f| f.render_widget("two", f.area()));
        shared.put(|s| s.frame = Some(first));
        shared.put(|s| s.bell = true);
        shared.put(|s| s.frame = Some(second.clone()));
        let got = shared.take();
        assert_eq!(got.frame, Some(second));
        assert!(got.bell && !got.suspend && got.stop.is_none());
        assert!(shared.slot.lock().unwrap().is_empty());
    }
}
