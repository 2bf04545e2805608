//! A `redis-server` of our own: found on PATH, started on a free loopback
//! port with a temporary directory and no persistence, stopped on drop. The
//! tests and `demo --team` use it; a console in team mode talks to the
//! Redis its config names instead.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The program looked for on PATH.
pub const REDIS_SERVER: &str = "redis-server";
/// What to run when it is missing.
pub const INSTALL_HINT: &str = "apt-get install redis-server";
/// How long a fresh server may take to answer PING.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "redis-server was not found on PATH; team mode needs it\n  hint: install it with `{INSTALL_HINT}` (or your system's package of Redis), then try again"
    )]
    NotInstalled,
    #[error("could not start redis-server: {0}")]
    Start(String),
    #[error(
        "redis-server on 127.0.0.1:{port} did not answer PING within {} s{}",
        START_TIMEOUT.as_secs(),
        if .detail.is_empty() { String::new() } else { format!(": {}", .detail) }
    )]
    NoAnswer { port: u16, detail: String },
}

/// A running `redis-server` on 127.0.0.1, stopped (killed and reaped) and
/// its directory removed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one on a free loopback port; a port taken between choosing
    /// and binding is tried again with another, up to three times.
    pub fn start() -> Result<RedisServer, ServerError> {
        let program = find_on_path(REDIS_SERVER).ok_or(ServerError::NotInstalled)?;
        let mut last = None;
        for _ in 0..3 {
            match start_once(&program) {
                Ok(server) => return Ok(server),
                Err(e @ ServerError::NoAnswer { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| ServerError::Start("no attempt was made".into())))
    }

    /// The port it listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`, for `[team].redis_url`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server, as dropping it does (for a test that takes Redis
    /// away mid-run).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory after [`stop`]
    /// (Redis coming back); the data is gone, as after a real restart
    /// without persistence.
    ///
    /// [`stop`]: RedisServer::stop
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.stop();
        let program = find_on_path(REDIS_SERVER).ok_or(ServerError::NotInstalled)?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let child = spawn(&program, self.port, &self.dir)?;
            self.child = Some(child);
            match wait_for_pong(self.port, self.child.as_mut()) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e),
                // The old socket may linger a moment.
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_once(program: &PathBuf) -> Result<RedisServer, ServerError> {
    let port = free_port().map_err(|e| ServerError::Start(format!("no free port: {e}")))?;
    let dir = temp_dir(port).map_err(|e| ServerError::Start(format!("no temp dir: {e}")))?;
    let child = spawn(program, port, &dir)?;
    let mut server = RedisServer {
        child: Some(child),
        port,
        dir,
    };
    wait_for_pong(port, server.child.as_mut())?;
    // Nothing else of the test's machine is touched: the server is ours.
    if !server.is_running() {
        return Err(ServerError::NoAnswer {
            port,
            detail: "it exited".into(),
        });
    }
    Ok(server)
}

fn spawn(program: &PathBuf, port: u16, dir: &PathBuf) -> Result<Child, ServerError> {
    Command::new(program)
        .arg("--port")
        .arg(port.to_string())
        .arg("--bind")
        .arg("127.0.0.1")
        .arg("--dir")
        .arg(dir)
        .arg("--save")
        .arg("")
        .arg("--appendonly")
        .arg("no")
        .arg("--protected-mode")
        .arg("yes")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ServerError::Start(e.to_string()))
}

/// Asks PING until `+PONG` comes back, the process exits or time runs out.
fn wait_for_pong(port: u16, mut child: Option<&mut Child>) -> Result<(), ServerError> {
    let started = Instant::now();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut detail = String::new();
    while started.elapsed() < START_TIMEOUT {
        if let Some(c) = child.as_deref_mut()
            && let Ok(Some(status)) = c.try_wait()
        {
            return Err(ServerError::NoAnswer {
                port,
                detail: format!("it exited ({status}); is the port taken?"),
            });
        }
        match ping(addr) {
            Ok(true) => return Ok(()),
            Ok(false) => detail = "it answered something other than PONG".into(),
            Err(e) => detail = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(ServerError::NoAnswer { port, detail })
}

fn ping(addr: SocketAddr) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    stream.write_all(b"PING\r\n")?;
    let mut buf = [0u8; 16];
    let n = stream.read(&mut buf)?;
    Ok(buf[..n].starts_with(b"+PONG"))
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

fn temp_dir(port: u16) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-redis-{}-{port}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The first executable called `name` in PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_server_names_the_install_command() {
        let text = ServerError::NotInstalled.to_string();
        assert!(text.contains("apt-get install redis-server"), "{text}");
        assert!(find_on_path("switchboard-no-such-program-21").is_none());
    }
}
