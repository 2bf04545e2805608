//! `:export`: the log's lines written to a file, off the event loop.

use super::Runner;
use crate::app::Action;

impl Runner {
    /// `:export`: the lines written off the event loop; the answer names
    /// the full path, so the file can be found whatever the console's
    /// working directory was.
    pub(super) fn export(&self, path: String, lines: Vec<String>) {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let result = write_export(&path, &lines);
            let full = std::path::absolute(&path)
                .map_or_else(|_| path.clone(), |p| p.display().to_string());
            inner.send(match result {
                Ok(()) => Action::Note {
                    error: false,
                    text: format!("exported {} log line(s) to {full}", lines.len()),
                },
                Err(e) => Action::Note {
                    error: true,
                    text: format!("export to {path} failed: {e}"),
                },
            });
        });
    }
}

fn write_export(path: &str, lines: &[String]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    for l in lines {
        f.write_all(l.as_bytes())?;
        f.write_all(b"\n")?;
    }
    f.sync_all()
}
