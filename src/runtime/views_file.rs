//! The views file (`views.toml` beside the config): read at start, written
//! by `:view save` atomically (a temporary file in the same directory,
//! fsync, rename over the old one, mode 0600), off the event loop. What it
//! holds is `app::views`'s to say.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::app::views::{SavedViews, VIEWS_FILE_NAME};
use std::collections::BTreeMap;

/// Where the console's saved views come from: the views file (none for
/// the demo, whose views last the run) and the config's `[views]`.
#[derive(Debug, Clone, Default)]
pub struct ViewsSource {
    pub file: Option<PathBuf>,
    pub config: BTreeMap<String, toml::Value>,
}

impl ViewsSource {
    /// Reads the file and makes the views, with the problems to log (each
    /// names the view it skipped).
    pub fn load(&self) -> (SavedViews, Vec<String>) {
        let text = self.file.as_deref().map_or(Ok(None), read);
        let path = self.file.as_ref().map(|p| p.display().to_string());
        SavedViews::load(path, &self.config, text)
    }
}

/// The largest views file read.
pub const MAX_VIEWS_BYTES: u64 = 256 * 1024;

/// The views file beside a config file.
pub fn beside(config: &Path) -> PathBuf {
    config
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(VIEWS_FILE_NAME)
}

/// The file's text; `None` when there is none yet; `Err` with why when it
/// cannot be read (not a file, too large, not UTF-8, no permission).
pub fn read(path: &Path) -> Result<Option<String>, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
        Ok(meta) if !meta.is_file() => return Err("it is not a regular file".into()),
        Ok(meta) if meta.len() > MAX_VIEWS_BYTES => {
            return Err(format!("it is larger than {} KiB", MAX_VIEWS_BYTES / 1024));
        }
        Ok(_) => {}
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_VIEWS_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| "it is not UTF-8 text".into())
}

/// Writes `text` to `path` atomically: a temporary file beside it (mode
/// 0600), written and fsynced, renamed over `path`, and the directory
/// fsynced. On any failure the old file stays as it was and the
/// temporary one is removed.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| VIEWS_FILE_NAME.into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = write_new(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // The rename itself made durable; a directory that cannot be opened
    // for it (some file systems) leaves the file written all the same.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_new(tmp: &Path, text: &str) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.toml");
        write_atomic(&path, "[a]\n").unwrap();
        write_atomic(&path, "[b]\n").unwrap();
        assert_eq!(read(&path).unwrap().as_deref(), Some("[b]\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
    }

    #[test]
    fn no_file_is_none_and_a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(&dir.path().join("views.toml")), Ok(None));
        assert!(read(dir.path()).is_err());
    }

    #[test]
    fn a_missing_directory_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone").join("views.toml");
        assert!(write_atomic(&path, "x").is_err());
    }
}
