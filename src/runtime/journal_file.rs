//! Opening the journal's files safely: never through a symbolic link, never
//! anything but a regular file (a FIFO would hang the open or the read, a
//! device would take the writes), and a lock file beside the journal that
//! stays where it is when the journal is moved or compacted.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Opens `path` with `options`, refusing a symbolic link (`O_NOFOLLOW`) and
/// anything that is not a regular file. The open does not block on a FIFO
/// (`O_NONBLOCK`, which changes nothing for a regular file). `what` names
/// the file in the error ("the journal").
pub fn open_regular(path: &Path, options: &mut OpenOptions, what: &str) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(not_regular(path, what, "a symbolic link"));
        }
        // A FIFO opened for writing with no reader, or a device without one.
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => {
            return Err(not_regular(path, what, "a directory"));
        }
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(not_regular(path, what, "a FIFO or a device"));
        }
        Err(e) => return Err(e),
    };
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        let is = if kind.is_dir() {
            "a directory"
        } else if kind.is_symlink() {
            "a symbolic link"
        } else {
            "a FIFO, a socket or a device"
        };
        return Err(not_regular(path, what, is));
    }
    Ok(file)
}

fn not_regular(path: &Path, what: &str, is: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {is}, not a regular file; {what} must be a plain file of its own: \
             remove it, or set SWITCHBOARD_DATA_DIR to a directory of your own",
            path.display()
        ),
    )
}

/// The lock file of the journal at `path`: `journal-….jsonl.lock`, beside it.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    journal.with_file_name(name)
}

/// Takes the lock of the journal at `path` (created 0600 if missing): held
/// as long as the returned file is open. It is a file of its own, so moving
/// the journal away does not free it. `WouldBlock` when another switchboard
/// holds it.
pub fn lock_dir(journal: &Path) -> io::Result<File> {
    let path = lock_path(journal);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = open_regular(&path, &mut options, "the journal's lock")?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "{} is in use by another switchboard (a console or a command; lock {}); \
                 only one may use a journal at a time",
                journal.display(),
                path.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Which file an open handle is: (device, inode).
pub fn identity(file: &File) -> io::Result<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = file.metadata()?;
        Ok((m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok((0, 0))
    }
}

/// Whether `path` still names the file whose identity is `id`: an error
/// saying what happened when it was moved, replaced or removed.
pub fn still_named(path: &Path, id: (u64, u64)) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = match std::fs::symlink_metadata(path) {
            Ok(m) => Some((m.dev(), m.ino())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if now != Some(id) {
            let what = if now.is_none() {
                "was moved away or removed"
            } else {
                "was replaced by another file"
            };
            return Err(io::Error::other(format!(
                "the journal {} {what} while this switchboard had it open; nothing more is \
                 sent: quit, put the journal back (or keep the new one), and start again",
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, id);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_a_fifo_and_a_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "x").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let fifo = dir.path().join("fifo.jsonl");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        for (path, is) in [
            (&link, "a symbolic link"),
            (&fifo, "a FIFO"),
            (&dir.path().to_path_buf(), "a directory"),
        ] {
            let err = open_regular(path, &mut options.clone(), "the journal").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains(is), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "x");
    }

    #[test]
    fn moving_the_file_away_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let file = File::create(&path).unwrap();
        let id = identity(&file).unwrap();
        still_named(&path, id).unwrap();
        std::fs::rename(&path, dir.path().join("moved")).unwrap();
        let err = still_named(&path, id).unwrap_err();
        assert!(err.to_string().contains("moved away"), "{err}");
        std::fs::write(&path, "").unwrap();
        let err = still_named(&path, id).unwrap_err();
        assert!(err.to_string().contains("replaced"), "{err}");
    }
}

pub fn lock(file: &File, path: &Path) -> io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "{} is in use by another switchboard (a console or a command); \
                 only one may use a journal at a time",
                path.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}
