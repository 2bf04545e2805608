//! Logging through `tracing`: to a file in the state dir for everything that
//! owns the terminal or prints JSON on stdout, to stderr for the simulator.
//! The level comes from `SWITCHBOARD_LOG` (e.g. `debug`, `switchboard=trace`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Lines waiting for the log file's thread, at most.
const QUEUE: usize = 8192;

/// What the log file's thread is asked to do.
enum Job {
    Line(Vec<u8>),
    /// Everything sent before is on disk: say so.
    Flush(SyncSender<()>),
}

/// The log file is written by a thread of its own, so that the console's
/// event loop (which logs every line of the log pane) never waits on the
/// disk. A full queue drops the line and counts it; the count is written
/// with the next line that gets through.
struct FileLog {
    jobs: SyncSender<Job>,
    dropped: AtomicU64,
}

static FILE_LOG: OnceLock<FileLog> = OnceLock::new();

/// What went wrong with the log file, for the screen: how many lines were
/// lost, and why the latest was.
#[derive(Default)]
pub struct Trouble {
    dropped: AtomicU64,
    why: std::sync::Mutex<Option<String>>,
}

impl Trouble {
    fn lost(&self, lines: u64, why: String) {
        self.dropped.fetch_add(lines, Ordering::Relaxed);
        *self.why.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    /// Lines lost so far, and why (None while nothing went wrong).
    pub fn get(&self) -> (u64, Option<String>) {
        let why = self.why.lock().unwrap_or_else(|e| e.into_inner()).clone();
        (self.dropped.load(Ordering::Relaxed), why)
    }
}

static TROUBLE: OnceLock<Trouble> = OnceLock::new();

fn trouble() -> &'static Trouble {
    TROUBLE.get_or_init(Trouble::default)
}

/// The log file's trouble so far: lines dropped (they could not be written,
/// or the file fell behind) and why; or why there is no log file at all.
pub fn status() -> (u64, Option<String>) {
    trouble().get()
}

fn file_thread(mut file: File, shown: String, jobs: Receiver<Job>, trouble: &Trouble) {
    for job in jobs {
        match job {
            Job::Line(bytes) => {
                if let Err(e) = file.write_all(&bytes) {
                    trouble.lost(1, format!("{shown} cannot be written ({e})"));
                }
            }
            Job::Flush(done) => {
                let _ = file.flush();
                let _ = done.send(());
            }
        }
    }
}

/// One event's bytes, sent to the file's thread when the event is done.
struct LineSink(Vec<u8>);

impl Write for LineSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineSink {
    fn drop(&mut self) {
        let Some(log) = FILE_LOG.get() else { return };
        let dropped = log.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let note = format!("({dropped} log line(s) dropped: the log file fell behind)\n");
            if log.jobs.try_send(Job::Line(note.into_bytes())).is_err() {
                log.dropped.fetch_add(dropped, Ordering::Relaxed);
            }
        }
        let bytes = std::mem::take(&mut self.0);
        if log.jobs.try_send(Job::Line(bytes)).is_err() {
            log.dropped.fetch_add(1, Ordering::Relaxed);
            trouble().lost(1, "the log file fell behind (a slow disk?)".into());
        }
    }
}

struct ToFileThread;

impl<'a> MakeWriter<'a> for ToFileThread {
    type Writer = LineSink;
    fn make_writer(&'a self) -> LineSink {
        LineSink(Vec::with_capacity(256))
    }
}

/// Waits (at most a second) until every line logged so far is in the
/// file: at quit, so nothing queued is lost.
pub fn flush() {
    let Some(log) = FILE_LOG.get() else { return };
    let (done, wait) = sync_channel(1);
    if log.jobs.send(Job::Flush(done)).is_ok() {
        let _ = wait.recv_timeout(Duration::from_secs(1));
    }
}

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The log file for `name`: `{state_dir}/switchboard-{name}.log`.
pub fn log_path(name: &str) -> PathBuf {
    crate::config::state_dir().join(format!("switchboard-{name}.log"))
}

/// Opens the log file for appending: never through a symbolic link, never
/// blocking (a FIFO with no reader), and only a regular file (not a FIFO,
/// `/dev/full` or another device).
fn open_log(path: &std::path::Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    crate::runtime::journal_file::open_regular(path, &mut options, "the log file")
}

/// Logs to `{state_dir}/switchboard-{name}.log`. When the file cannot be
/// opened, logging is off (the terminal is never the fallback), and
/// [`status`] says why, for the screen.
pub fn init_file(name: &str) -> Option<PathBuf> {
    let path = log_path(name);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = match open_log(&path) {
        Ok(f) => f,
        Err(e) => {
            trouble().lost(
                0,
                format!("no log file: {} cannot be opened ({e})", path.display()),
            );
            return None;
        }
    };
    let shown = path.display().to_string();
    let (jobs, queue) = sync_channel(QUEUE);
    std::thread::Builder::new()
        .name("log-file".into())
        .spawn(move || file_thread(file, shown, queue, trouble()))
        .ok()?;
    let _ = FILE_LOG.set(FileLog {
        jobs,
        dropped: AtomicU64::new(0),
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false)
        .with_writer(ToFileThread)
        .try_init()
        .ok()?;
    Some(path)
}

/// Logs to stderr (for the simulator, which has no UI of its own).
pub fn init_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_goes_to_the_file_thread_and_flush_waits_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        let file = File::create(&path).unwrap();
        let (jobs, queue) = sync_channel(4);
        let thread =
            std::thread::spawn(move || file_thread(file, "t.log".into(), queue, trouble()));
        jobs.send(Job::Line(b"one line\n".to_vec())).unwrap();
        let (done, wait) = sync_channel(1);
        jobs.send(Job::Flush(done)).unwrap();
        wait.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one line\n");
        drop(jobs);
        thread.join().unwrap();
    }

    /// Issue 18.11: a log file that cannot be written lost every line with
    /// nothing said; now each lost line is counted, with why.
    #[cfg(target_os = "linux")]
    #[test]
    fn lines_that_cannot_be_written_are_counted_with_why() {
        let Ok(file) = OpenOptions::new().write(true).open("/dev/full") else {
            println!("skipped: no /dev/full here");
            return;
        };
        let seen = Trouble::default();
        std::thread::scope(|scope| {
            let (jobs, queue) = sync_channel(4);
            let seen = &seen;
            scope.spawn(move || file_thread(file, "the log".into(), queue, seen));
            jobs.send(Job::Line(b"one\n".to_vec())).unwrap();
            jobs.send(Job::Line(b"two\n".to_vec())).unwrap();
            let (done, wait) = sync_channel(1);
            jobs.send(Job::Flush(done)).unwrap();
            wait.recv_timeout(Duration::from_secs(10)).unwrap();
        });
        let (dropped, why) = seen.get();
        assert_eq!(dropped, 2);
        let why = why.unwrap();
        assert!(why.contains("the log cannot be written"), "{why}");
    }

    /// Issue 18.11: a FIFO with no reader hung the console at start; a
    /// symbolic link or a device was written through.
    #[cfg(unix)]
    #[test]
    fn a_log_path_that_is_no_regular_file_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.log");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = sync_channel(1);
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(open_log(&path).map(|_| ()).map_err(|e| e.to_string()));
        });
        let err = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the open came back (a FIFO with no reader hung it)")
            .unwrap_err();
        assert!(err.contains("FIFO"), "{err}");
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        let err = open_log(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(open_log(&dir.path().join("ok.log")).is_ok());
    }
}
