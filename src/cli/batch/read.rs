//! Reading a batch: a thread of its own turns the source into numbered
//! lines, each at most [`MAX_LINE_BYTES`], so that no input (a file with no
//! newline, `/dev/zero`) is ever held whole or read without a word.

use crate::cli::Fail;
use std::io::{BufRead, Read};
use std::path::PathBuf;
use tokio::sync::mpsc;

/// The longest line a batch takes (bytes, without its newline).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Where the lines come from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    /// `-` is standard input, anything else a file.
    pub fn parse(s: &str) -> Source {
        if s == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(s))
        }
    }
}

/// One line from the reader: its number (from 1) and its text, or why it
/// cannot be read.
pub(super) type Input = (usize, Result<String, String>);

/// Opens the source (a missing file is a usage error before anything else)
/// and reads it on a thread of its own, a line at a time. Dropping the
/// receiver stops the thread at its next read.
pub(super) fn start_reader(source: &Source) -> Result<mpsc::Receiver<Input>, Fail> {
    let reader: Box<dyn BufRead + Send> = match source {
        Source::Stdin => Box::new(std::io::BufReader::new(std::io::stdin())),
        Source::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| {
                Fail::usage(format!("cannot read the batch {}: {e}", path.display()))
            })?;
            if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                return Err(Fail::usage(format!(
                    "the batch {} is a directory",
                    path.display()
                )));
            }
            Box::new(std::io::BufReader::new(file))
        }
    };
    // A few lines in hand: each may be 64 KiB.
    let (tx, rx) = mpsc::channel(64);
    std::thread::Builder::new()
        .name("batch-reader".into())
        .spawn(move || read_lines(reader, tx))
        .map_err(|e| Fail::failed(format!("cannot start the batch reader: {e}")))?;
    Ok(rx)
}

/// Reads lines until the end, an error, or until nobody listens.
pub(super) fn read_lines(mut reader: Box<dyn BufRead + Send>, tx: mpsc::Sender<Input>) {
    let mut number = 0;
    loop {
        number += 1;
        let mut buf = Vec::new();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf);
        let line = match read {
            Ok(0) => return,
            Err(e) => {
                let _ = tx.blocking_send((number, Err(format!("cannot read the batch: {e}"))));
                return;
            }
            Ok(_) if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE_BYTES => {
                // Said at once (the rest may never end), then skipped.
                let error = format!("the line is longer than {MAX_LINE_BYTES} bytes");
                if tx.blocking_send((number, Err(error))).is_err() || !skip_line(&mut reader, &tx) {
                    return;
                }
                continue;
            }
            Ok(_) => text_of(buf, number),
        };
        if matches!(&line, Ok(text) if text.trim().is_empty()) {
            continue;
        }
        if tx.blocking_send((number, line)).is_err() {
            return;
        }
    }
}

/// Reads past the rest of a long line, a bounded piece at a time. False
/// when reading should end: the input ended or failed, or the receiver is
/// gone (`--on-error stop`, or the batch is over).
fn skip_line(reader: &mut Box<dyn BufRead + Send>, tx: &mpsc::Sender<Input>) -> bool {
    let mut rest = Vec::new();
    loop {
        if tx.is_closed() {
            return false;
        }
        rest.clear();
        match reader.take(64 * 1024).read_until(b'\n', &mut rest) {
            Ok(0) | Err(_) => return false,
            Ok(_) if rest.last() == Some(&b'\n') => return true,
            Ok(_) => {}
        }
    }
}

/// A line's bytes without its line end (and the first line's byte-order
/// mark, which editors on Windows write), as text.
fn text_of(mut buf: Vec<u8>, number: usize) -> Result<String, String> {
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    if number == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    String::from_utf8(buf).map_err(|_| "the line is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn the_reader_numbers_lines_skips_blank_ones_and_refuses_long_ones() {
        let long = "x".repeat(MAX_LINE_BYTES + 10);
        // A byte-order mark before the first line is dropped.
        let mut bytes = b"\xEF\xBB\xBFone\r\n\n".to_vec();
        bytes.extend(long.as_bytes());
        bytes.extend(b"\nfour\n\xff\n");
        let (tx, mut rx) = mpsc::channel(16);
        read_lines(Box::new(std::io::Cursor::new(bytes)), tx);
        let mut got = Vec::new();
        while let Ok(line) = rx.try_recv() {
            got.push(line);
        }
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], (1, Ok("one".to_string())));
        assert_eq!(got[1].0, 3);
        assert!(got[1].1.as_ref().unwrap_err().contains("longer than"));
        assert_eq!(got[2], (4, Ok("four".to_string())));
        assert_eq!(got[3].0, 5);
        assert!(got[3].1.as_ref().unwrap_err().contains("UTF-8"));
    }

    /// Zeros without end (as `/dev/zero`), except that past `gate` bytes
    /// it waits for the test's word (at most a while; then it notes that
    /// and ends, so that a reader that would not speak before the line's end
    /// fails the test instead of hanging it).
    struct Zeros {
        read: usize,
        gate: usize,
        go: std::sync::mpsc::Receiver<()>,
        passed_unasked: Arc<AtomicBool>,
    }

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.gate == usize::MAX {
                return Ok(0);
            }
            if self.read >= self.gate && self.gate > 0 {
                if self
                    .go
                    .recv_timeout(std::time::Duration::from_secs(20))
                    .is_err()
                {
                    self.passed_unasked.store(true, Ordering::SeqCst);
                    self.gate = usize::MAX;
                }
                self.gate = 0;
            }
            buf.fill(0);
            self.read += buf.len();
            Ok(buf.len())
        }
    }

    #[test]
    fn a_line_without_end_is_reported_at_once_and_reading_stops_when_told() {
        let (go_tx, go) = std::sync::mpsc::channel();
        let passed_unasked = Arc::new(AtomicBool::new(false));
        let zeros = Zeros {
            read: 0,
            gate: 1 << 20,
            go,
            passed_unasked: passed_unasked.clone(),
        };
        let (tx, mut rx) = mpsc::channel(16);
        let reader = std::thread::spawn(move || {
            read_lines(Box::new(std::io::BufReader::new(zeros)), tx);
        });
        let first = rx.blocking_recv().expect("the long line is reported");
        assert_eq!(first.0, 1);
        assert!(first.1.unwrap_err().contains("longer than"));
        assert!(
            !passed_unasked.load(Ordering::SeqCst),
            "the long line was reported only after reading on past 1 MiB"
        );
        // --on-error stop drops the receiver: the endless input is left.
        drop(rx);
        let _ = go_tx.send(());
        reader.join().unwrap();
    }
}
