//! Process limits the console depends on.

use std::sync::OnceLock;

static OPEN_FILES: OnceLock<u64> = OnceLock::new();

/// Raises the soft limit on open files to the hard limit (once, at start),
/// so that a burst of connections does not leave the console unable to open
/// its journal or an export. Returns the soft limit now in force.
pub fn raise_open_files() -> u64 {
    *OPEN_FILES.get_or_init(|| {
        #[cfg(unix)]
        {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit/setrlimit only read and write the struct given.
            unsafe {
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                    return 1024;
                }
                if lim.rlim_cur < lim.rlim_max {
                    let raised = libc::rlimit {
                        rlim_cur: lim.rlim_max,
                        rlim_max: lim.rlim_max,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                        lim.rlim_cur = lim.rlim_max;
                    }
                }
            }
            lim.rlim_cur
        }
        #[cfg(not(unix))]
        {
            1024
        }
    })
}

/// The soft limit on open files (raised first, if it was not yet).
pub fn open_files() -> u64 {
    raise_open_files()
}
