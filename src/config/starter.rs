//! The starter config that `switchboard init` writes.

use super::ConfigError;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The starter config that `switchboard init` writes; the same text as
/// `config.example.toml` at the root of the repository.
pub const STARTER: &str = include_str!("../../config.example.toml");

/// Writes the starter config to `path` with mode 0600, creating missing
/// parent directories (mode 0700). Never overwrites an existing file.
pub fn write_starter(path: &Path) -> Result<(), ConfigError> {
    let write_err = |error: io::Error| ConfigError::Write {
        path: path.to_path_buf(),
        error,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(parent).map_err(write_err)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(ConfigError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        Err(error) => return Err(write_err(error)),
    };
    // The umask may have taken bits away from 0600; put them back exactly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(write_err)?;
    }
    file.write_all(STARTER.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    Ok(())
}
