//! End to end: the real binary in a pseudo-terminal against the real
//! simulator on loopback, driven by keystrokes, read back through a terminal
//! emulator (vt100). Asserts on what the simulator received and on what the
//! screen shows.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::process::{BIN, SECRET_VAR, SimProcess, block_on, event_text, write_config};

/// The `[poll]` table of the console's config: both polls often.
const POLL_OFTEN: &str = "
[poll]
conversations_secs = 1
agents_secs = 2
";

/// The console in a pty, with its screen.
struct Console {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Option<Box<dyn Write + Send>>,
    master: Option<Box<dyn portable_pty::MasterPty + Send>>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// What the reader thread does: [`READ`], [`PAUSE`] or [`CLOSE`].
    reading: Arc<AtomicU8>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// The reader thread drains the pty as a terminal would.
const READ: u8 = 0;
/// It stops reading, as a frozen ssh client or a suspended tmux does.
const PAUSE: u8 = 1;
/// It closes its end and ends.
const CLOSE: u8 = 2;

/// Reads the pty master (its own copy of the descriptor) into the screen,
/// waking every 50 ms to see whether it is to pause or close.
fn read_pty(
    fd: std::fs::File,
    reading: Arc<AtomicU8>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
) {
    use std::os::fd::AsRawFd;
    let mut fd = fd;
    let mut buf = [0u8; 8192];
    loop {
        match reading.load(Ordering::SeqCst) {
            CLOSE => return,
            PAUSE => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            _ => {}
        }
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll(2) on one descriptor this thread owns.
        let ready = unsafe { libc::poll(&mut poll, 1, 50) };
        if ready <= 0 {
            continue;
        }
        match fd.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                screen.lock().unwrap().process(&buf[..n]);
                raw.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        }
    }
}

impl Console {
    fn start(config: &Path, data: &Path, cols: u16, rows: u16) -> Console {
        Self::start_with_secret(
            config,
            data,
            cols,
            rows,
            switchboard::sim::DEMO_CLIENT_SECRET,
        )
    }

    fn start_with_secret(
        config: &Path,
        data: &Path,
        cols: u16,
        rows: u16,
        secret: &str,
    ) -> Console {
        Self::spawn(
            &["--config", &config.display().to_string()],
            &[(SECRET_VAR, secret)],
            data,
            cols,
            rows,
        )
    }

    /// The binary with `args` and `env` (over NO_COLOR, TERM and the data
    /// and state dirs under `data`) in a pty of `cols` x `rows`.
    fn spawn(args: &[&str], env: &[(&str, &str)], data: &Path, cols: u16, rows: u16) -> Console {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env("NO_COLOR", "1");
        cmd.env("TERM", "xterm-256color");
        cmd.env("SWITCHBOARD_DATA_DIR", data.join("data"));
        cmd.env("SWITCHBOARD_STATE_DIR", data.join("state"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let fd = {
            use std::os::fd::{BorrowedFd, RawFd};
            let raw: RawFd = pty.master.as_raw_fd().expect("a unix pty");
            // SAFETY: the master's descriptor is open while `pty.master` lives.
            let borrowed = unsafe { BorrowedFd::borrow_raw(raw) };
            std::fs::File::from(borrowed.try_clone_to_owned().unwrap())
        };
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let reading = Arc::new(AtomicU8::new(READ));
        let reader = {
            let (screen, raw, reading) = (screen.clone(), raw.clone(), reading.clone());
            std::thread::spawn(move || read_pty(fd, reading, screen, raw))
        };
        Console {
            child,
            writer: Some(writer),
            master: Some(pty.master),
            screen,
            raw,
            reading,
            reader: Some(reader),
        }
    }

    /// Stops (or goes on) reading what the console writes.
    fn pause_reading(&self, paused: bool) {
        self.reading
            .store(if paused { PAUSE } else { READ }, Ordering::SeqCst);
    }

    /// Closes every descriptor of the pty's master, as sshd does when the
    /// link drops: the kernel hangs the terminal up and sends SIGHUP.
    fn close_master(&mut self) {
        if let Some(master) = &self.master {
            // The writer sends EOF when dropped; the console would read it
            // as a key. With VEOF unset it sends nothing.
            let fd = master.as_raw_fd().expect("a unix pty");
            // SAFETY: tcgetattr/tcsetattr on the open master descriptor.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(fd, &mut t) == 0 {
                    t.c_cc[libc::VEOF] = 0;
                    libc::tcsetattr(fd, libc::TCSANOW, &t);
                }
            }
        }
        self.writer = None;
        self.reading.store(CLOSE, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.master = None;
    }

    /// Makes the console draw its whole screen again (a resize), `n` times.
    fn redraw_whole(&self, n: usize) {
        let master = self.master.as_ref().unwrap();
        for i in 0..n {
            let cols = if i % 2 == 0 { 119 } else { 120 };
            master
                .resize(PtySize {
                    rows: 40,
                    cols,
                    pixel_width: 0,
                    pixel_height: 0,
                })
                .unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let t = self.text();
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                panic!("{needle:?} did not appear within {secs}s; the screen:\n{t}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, s: &str) {
        let writer = self.writer.as_mut().expect("the pty is open");
        writer.write_all(s.as_bytes()).unwrap();
        writer.flush().unwrap();
        // The console drains input in batches; a short pause keeps typed
        // text and the screen it answers in step, as for a person.
        std::thread::sleep(Duration::from_millis(120));
    }

    fn kill_9(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = self.child.process_id().expect("the console has a pid");
        // SAFETY: kill(2) with a pid this test started and still waits for.
        let rc = unsafe { libc::kill(pid as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal})");
    }

    /// Everything the process wrote to the terminal, as text.
    fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).to_string()
    }

    /// The terminal modes the console turned on are all off again at the end.
    fn assert_terminal_restored(&self) {
        // The reader thread may still be taking in the last bytes.
        std::thread::sleep(Duration::from_millis(300));
        let raw = self.raw_text();
        for (on, off, what) in [
            ("\x1b[?1049h", "\x1b[?1049l", "the alternate screen"),
            ("\x1b[?2004h", "\x1b[?2004l", "bracketed paste"),
        ] {
            let entered = raw
                .rfind(on)
                .unwrap_or_else(|| panic!("{what} was never on"));
            let left = raw
                .rfind(off)
                .unwrap_or_else(|| panic!("{what} was not turned off"));
            assert!(left > entered, "{what} is still on at the end");
        }
        assert!(
            raw.rfind("\x1b[?25h") > raw.rfind("\x1b[?25l"),
            "the cursor is shown again"
        );
        assert!(!self.screen.lock().unwrap().screen().alternate_screen());
    }

    fn wait_exit(&mut self, secs: u64) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the console did not exit; the screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn sim_outage(sim: &SimProcess, status: Option<u16>) {
    block_on(async {
        let c = reqwest::Client::new();
        let url = format!("{}/__sim/outage", sim.base_url);
        let r = match status {
            Some(s) => c.post(url).body(format!("{{\"status\":{s}}}")).send().await,
            None => c.delete(url).send().await,
        };
        assert!(r.unwrap().status().is_success());
    });
}

fn received(sim: &SimProcess, conversation: &str) -> Vec<(String, bool, u16)> {
    let mut out = Vec::new();
    for hook in sim.received_hooks(conversation) {
        let valid = hook["tokenValid"].as_bool().unwrap();
        let status = hook["status"].as_u64().unwrap() as u16;
        for ev in hook["events"].as_array().unwrap() {
            out.push((event_text(ev, "name"), valid, status));
        }
    }
    out
}

fn wait_received(sim: &SimProcess, conv: &str, n: usize) -> Vec<(String, bool, u16)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = received(sim, conv);
        if r.len() >= n || Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Picks an agent in the open picker by typing and confirms.
/// The console opens on the queue pane: `u` shows the agents, and waits
/// until the first poll has listed them.
fn show_agents(c: &mut Console) {
    c.wait_for("Queues", 20);
    c.keys("u");
    c.wait_for("Mia Chen", 20);
}

fn pick_and_confirm(c: &mut Console, query: &str, prompt: &str) {
    c.keys(query);
    c.keys("\r");
    c.wait_for(prompt, 10);
    c.keys("y");
}

#[test]
fn a_conversation_from_entry_to_end_on_keystrokes() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let mut c = Console::start(&config, dir.path(), 120, 40);
    c.wait_for("Conversations", 20);
    show_agents(&mut c);

    // Open a conversation by hand: n, its id, Enter.
    c.keys("n");
    c.wait_for("conversation id", 10);
    c.keys("c-e2e-1");
    c.keys("\r");
    c.wait_for("c-e2e-1", 10);
    let conv = "c-e2e-1";

    c.keys("e");
    c.wait_for("First agent", 10);
    pick_and_confirm(&mut c, "mia", "Enter c-e2e-1: Mia Chen joins");
    c.wait_for("NA entry Mia Chen", 10);
    assert_eq!(wait_received(&sim, conv, 1).len(), 1);

    c.keys("w");
    c.wait_for("Warm", 10);
    pick_and_confirm(&mut c, "raj", "add Raj Patel");
    assert_eq!(wait_received(&sim, conv, 2).len(), 2);

    // Forbidden: a cold transfer while a consultant is present.
    c.keys("t");
    let screen = c.wait_for("Remove the consultants first", 10);
    assert!(!screen.contains("Cold transfer to"), "no picker opened");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(received(&sim, conv).len(), 2, "a refusal sends nothing");

    // Remove Raj: focus the roster, second row, x.
    c.keys("\t");
    c.keys("j");
    c.keys("x");
    c.wait_for("Remove Raj Patel from c-e2e-1", 10);
    c.keys("y");
    assert_eq!(wait_received(&sim, conv, 3).len(), 3);
    c.keys("\x1b[Z"); // Shift-Tab back to the list

    c.keys("t");
    c.wait_for("Cold transfer to", 10);
    pick_and_confirm(&mut c, "sofia", "Mia Chen → Sofia");
    assert_eq!(wait_received(&sim, conv, 5).len(), 5);

    c.keys("E");
    c.wait_for("End c-e2e-1", 10);
    c.keys("y");
    let got = wait_received(&sim, conv, 8);
    let names: Vec<&str> = got.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "NA entry Mia Chen",
            "WARM entry Raj Patel",
            "WARM exit Raj Patel",
            "COLD exit Mia Chen",
            "COLD entry Sofia García",
            "NA exit Sofia García",
            "TRIGGER_SUMMARY_EVENT",
            "END_OF_CONVERSATION",
        ]
    );
    assert!(
        got.iter()
            .all(|(_, valid, status)| *valid && *status == 200)
    );
    c.wait_for("ENDED", 10);

    // Quit: exit 0 and the alternate screen is left.
    c.keys("q");
    let status = c.wait_exit(10);
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(Duration::from_millis(200));
    let raw = c.raw.lock().unwrap().clone();
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains("\x1b[?1049h"),
        "the alternate screen was entered"
    );
    let left = raw
        .rfind("\x1b[?1049l")
        .expect("the alternate screen was left");
    assert!(left > raw.rfind("\x1b[?1049h").unwrap());
    assert!(!c.screen.lock().unwrap().screen().alternate_screen());
}

#[test]
fn assigning_a_waiting_conversation_shows_its_callback() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let mut c = Console::start(&config, dir.path(), 120, 40);
    show_agents(&mut c);
    // c-1044 waits at start (seed 1); filter the list down to it.
    c.wait_for("c-1044", 20);
    c.keys("/");
    c.keys("c-1044");
    c.keys("\r");
    c.keys("a");
    c.wait_for("Assign to", 10);
    pick_and_confirm(&mut c, "mia", "Assign c-1044");
    c.wait_for("c-1044 → Mia Chen: transferred", 20);
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

#[test]
fn no_config_says_what_to_do_instead_of_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.path().join("none.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("switchboard demo") && err.contains("switchboard init"));
}

#[test]
fn killed_mid_send_nothing_queued_is_lost_and_the_in_flight_one_is_unknown() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let conv = "c-kill";
    {
        let mut c = Console::start(&config, dir.path(), 120, 40);
        show_agents(&mut c);
        c.keys("n");
        c.wait_for("conversation id", 10);
        c.keys(conv);
        c.keys("\r");
        c.wait_for(conv, 10);
        // The server fails every request with 503 from now on.
        sim_outage(&sim, Some(503));
        c.keys("e");
        c.wait_for("First agent", 10);
        pick_and_confirm(&mut c, "mia", "Mia Chen joins");
        c.wait_for("retrying", 15);
        // Two more actions queue up behind the one in flight.
        c.keys("w");
        c.wait_for("Warm", 10);
        pick_and_confirm(&mut c, "raj", "add Raj Patel");
        c.keys(":remove raj\r");
        c.wait_for("Remove Raj Patel from c-kill", 10);
        c.keys("y");
        c.wait_for("queued", 10);
        c.kill_9();
    }
    assert!(
        received(&sim, conv)
            .iter()
            .all(|(_, _, status)| *status == 503),
        "nothing was accepted before the kill"
    );
    sim_outage(&sim, None);

    // Restart: the in-flight entry is unknown and holds the rest.
    let mut c = Console::start(&config, dir.path(), 120, 40);
    c.wait_for("Conversations", 20);
    c.keys("/");
    c.keys(conv);
    c.keys("\r");
    let screen = c.wait_for("unknown", 20);
    assert!(
        screen.contains("held"),
        "the queued ones wait behind it:\n{screen}"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        received(&sim, conv)
            .iter()
            .all(|(_, _, status)| *status == 503),
        "nothing is resent silently"
    );
    // The supervisor decides: resend.
    c.keys("r");
    c.wait_for("Resend NA entry Mia Chen for c-kill", 10);
    c.keys("y");
    let got = wait_received(&sim, conv, 3 + received(&sim, conv).len());
    let accepted: Vec<&str> = got
        .iter()
        .filter(|(_, _, status)| *status == 200)
        .map(|(t, _, _)| t.as_str())
        .collect();
    assert_eq!(
        accepted,
        [
            "NA entry Mia Chen",
            "WARM entry Raj Patel",
            "WARM exit Raj Patel"
        ],
        "every queued event exactly once, in order"
    );
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn no_secret_or_token_reaches_any_output() {
    let secret = "sb-e2e-private-secret-4f9c2a";
    let sim = SimProcess::start(&["--client-secret", secret]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let export = dir.path().join("export.jsonl");
    let mut c = Console::start_with_secret(&config, dir.path(), 120, 40, secret);
    show_agents(&mut c);
    c.wait_for("c-1044", 20);
    c.keys("/");
    c.keys("c-1044");
    c.keys("\r");
    c.keys("a");
    pick_and_confirm(&mut c, "mia", "Assign c-1044");
    c.wait_for("transferred", 20);
    c.keys("e");
    pick_and_confirm(&mut c, "mia", "Mia Chen joins");
    c.wait_for("NA entry Mia Chen", 10);
    c.keys(&format!(":export {}\r", export.display()));
    c.wait_for("exported", 10);
    c.keys("q");
    assert!(c.wait_exit(10).success());

    let raw = String::from_utf8_lossy(&c.raw.lock().unwrap()).to_string();
    let mut checked = vec![("the terminal output".to_string(), raw)];
    for f in files_under(dir.path()) {
        if f == config {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        checked.push((f.display().to_string(), text));
    }
    let names: Vec<&str> = checked.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("export.jsonl")),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.contains("journal-")), "{names:?}");
    assert!(
        names.iter().any(|n| n.ends_with("switchboard-console.log")),
        "{names:?}"
    );
    let log = checked
        .iter()
        .find(|(n, _)| n.ends_with("switchboard-console.log"))
        .unwrap();
    assert!(
        log.1.contains("request ok"),
        "the log file records requests"
    );
    for (name, text) in &checked {
        assert!(!text.contains(secret), "the secret is in {name}");
        assert!(!text.contains("eyJ"), "a token is in {name}");
    }
    // The test snapshots hold no token either.
    let snaps = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for f in files_under(&snaps) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains("eyJ"), "a token is in {}", f.display());
        assert!(!text.contains(switchboard::sim::DEMO_CLIENT_SECRET));
    }
}

/// Opens `conv` by hand, makes the simulator fail everything with 503, and
/// queues an entry (in flight, retrying) and a warm add (behind it).
fn queue_behind_an_outage(c: &mut Console, sim: &SimProcess, conv: &str) {
    show_agents(c);
    c.keys("n");
    c.wait_for("conversation id", 10);
    c.keys(conv);
    c.keys("\r");
    c.wait_for(conv, 10);
    sim_outage(sim, Some(503));
    c.keys("e");
    c.wait_for("First agent", 10);
    pick_and_confirm(c, "mia", "Mia Chen joins");
    c.wait_for("retrying", 15);
    c.keys("w");
    c.wait_for("Warm", 10);
    pick_and_confirm(c, "raj", "add Raj Patel");
    c.wait_for("2 queued", 10);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal_and_keep_the_queue() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let conv = "c-signal";
    let mut c = Console::start(&config, dir.path(), 120, 40);
    queue_behind_an_outage(&mut c, &sim, conv);
    // SIGTERM quits without asking, as `q` + yes would.
    c.signal(libc::SIGTERM);
    let status = c.wait_exit(10);
    assert!(status.success(), "exit status {status:?}");
    c.assert_terminal_restored();
    assert!(
        c.raw_text().contains("kept in the journal"),
        "it says where the queue went"
    );
    drop(c);
    sim_outage(&sim, None);

    // The queue is still there: the entry that was in flight is unknown,
    // the warm add waits behind it.
    let mut c = Console::start(&config, dir.path(), 120, 40);
    c.wait_for("Conversations", 20);
    c.keys("/");
    c.keys(conv);
    c.keys("\r");
    let screen = c.wait_for("unknown", 20);
    assert!(screen.contains("held"), "{screen}");
    // SIGHUP says the terminal is gone: nothing more is written to it, and
    // the process ends as a hang-up (issue 18.1).
    c.signal(libc::SIGHUP);
    let status = c.wait_exit(10);
    assert_eq!(status.signal(), Some("Hangup"), "exit status {status:?}");
    assert!(
        received(&sim, conv).iter().all(|(_, _, s)| *s == 503),
        "nothing was resent on its own"
    );
}

#[test]
fn a_wrong_secret_is_explained_on_screen() {
    let sim = SimProcess::start(&["--client-secret", "sb-e2e-the-right-secret-1"]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let mut c = Console::start_with_secret(&config, dir.path(), 80, 24, "sb-e2e-a-wrong-secret-2");
    // The simulator answers 401: the status bar says who refused what, at
    // 80 columns too.
    let screen = c.wait_for("Kore refused the token", 20);
    assert!(!screen.contains("online"), "{screen}");
    c.keys("q");
    assert!(c.wait_exit(10).success());
    // Wide enough, the next step too.
    let mut c = Console::start_with_secret(&config, dir.path(), 200, 40, "sb-e2e-a-wrong-secret-2");
    c.wait_for("check client_id and the secret (`switchboard check`)", 20);
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

#[test]
fn a_panic_restores_the_terminal_and_ends_the_process() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let config = config.display().to_string();
    let mut c = Console::spawn(
        &["--config", &config],
        &[
            (SECRET_VAR, switchboard::sim::DEMO_CLIENT_SECRET),
            // A task of the console panics shortly after start.
            ("SWITCHBOARD_TEST_PANIC", "1"),
        ],
        dir.path(),
        100,
        30,
    );
    let status = c.wait_exit(20);
    assert_eq!(status.exit_code(), 101, "a panic ends the whole process");
    c.assert_terminal_restored();
    let raw = c.raw_text();
    assert!(
        raw.contains("SWITCHBOARD_TEST_PANIC asked for a panic"),
        "{raw}"
    );
    assert!(raw.contains("kept in the journal for the next start"));
}

#[test]
fn the_demo_runs_against_the_embedded_simulator_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["demo", "--seed", "1"], &[], dir.path(), 80, 24);
    let screen = c.wait_for("WAITING", 20);
    assert!(screen.contains("DEMO"), "{screen}");
    // It opens on the queue pane, in the agents' place.
    assert!(screen.contains("Queues"), "{screen}");
    assert!(!screen.contains("Agents"), "{screen}");
    show_agents(&mut c);
    // The first waiting conversation is selected: assign it to Mia.
    c.keys("a");
    c.wait_for("Assign to", 10);
    pick_and_confirm(&mut c, "mia", "to Mia Chen? Y/n");
    c.wait_for("→ Mia Chen: transferred", 20);
    c.keys("q");
    let status = c.wait_exit(10);
    assert!(status.success(), "exit status {status:?}");
    c.assert_terminal_restored();
}

#[test]
fn the_demo_takes_keys_and_ui_from_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prefs.toml");
    // Its [kore] is never used by the demo, nor is its secret read.
    std::fs::write(
        &config,
        r#"[kore]
host = "https://platform.kore.ai"
bot_id = "st-mine"
org_id = "o-mine"
account_id = "acc-mine"
client_id = "cs-mine"
client_secret = { env = "SWITCHBOARD_E2E_UNSET_SECRET" }

[ui]
confirm = false

[keys]
assign = "A"
"#,
    )
    .unwrap();
    let config = config.display().to_string();
    let mut c = Console::spawn(
        &["--config", &config, "demo", "--seed", "1"],
        &[],
        dir.path(),
        100,
        30,
    );
    c.wait_for("WAITING", 20);
    show_agents(&mut c);
    c.keys("a");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!c.text().contains("Assign to"), "a is no longer assign");
    c.keys("A");
    c.wait_for("Assign to", 10);
    c.keys("mia");
    c.keys("\r");
    // confirm = false: it goes out without asking.
    c.wait_for("→ Mia Chen: transferred", 20);
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

#[test]
fn read_only_watches_beside_a_console_and_sends_nothing() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let conv = "c-watch";
    let mut sender = Console::start(&config, dir.path(), 120, 40);
    queue_behind_an_outage(&mut sender, &sim, conv);

    // A second console on the same journal is refused: it would send the
    // same queue again.
    let config_arg = config.display().to_string();
    let env = [(SECRET_VAR, switchboard::sim::DEMO_CLIENT_SECRET)];
    let mut second = Console::spawn(&["--config", &config_arg], &env, dir.path(), 120, 40);
    let status = second.wait_exit(20);
    assert_eq!(status.exit_code(), 1);
    let said = second.raw_text();
    assert!(said.contains("in use by another switchboard"), "{said}");
    assert!(said.contains("--read-only"), "it says what to do: {said}");

    // A read-only one may watch: it shows the queue, takes no lock and
    // sends nothing.
    let mut watcher = Console::spawn(
        &["--config", &config_arg, "--read-only"],
        &env,
        dir.path(),
        120,
        40,
    );
    watcher.wait_for("READ-ONLY", 20);
    watcher.keys("/");
    watcher.keys(conv);
    watcher.keys("\r");
    watcher.wait_for("held", 20);
    watcher.keys("E");
    watcher.wait_for("read-only mode: nothing is sent", 10);
    watcher.keys("q");
    assert!(watcher.wait_exit(10).success());

    // The sender goes on once the server is back: each event exactly once.
    sim_outage(&sim, None);
    let got = wait_received(&sim, conv, 2 + received(&sim, conv).len());
    let accepted: Vec<&str> = got
        .iter()
        .filter(|(_, _, s)| *s == 200)
        .map(|(t, _, _)| t.as_str())
        .collect();
    assert_eq!(accepted, ["NA entry Mia Chen", "WARM entry Raj Patel"]);
    sender.keys("q");
    assert!(sender.wait_exit(10).success());
}

/// The process state letter from /proc (`T` when stopped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": the state follows the last ')'.
    stat.rsplit_once(") ")?.1.chars().next()
}

/// Issue 9.3: SIGINT and SIGQUIT ended the console with 130/131 and the
/// terminal broken (alternate screen on, cursor hidden, tty raw).
#[test]
fn sigint_and_sigquit_restore_the_terminal_like_sigterm() {
    for signal in [libc::SIGINT, libc::SIGQUIT] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Console::spawn(&["demo"], &[], dir.path(), 100, 30);
        c.wait_for("Conversations", 20);
        c.signal(signal);
        let status = c.wait_exit(10);
        assert!(status.success(), "signal {signal}: exit status {status:?}");
        c.assert_terminal_restored();
    }
}

/// Issue 9.3: Ctrl-Z was swallowed, and after an outside SIGTSTP and `fg`
/// the terminal stayed in line mode. Now both give the terminal back, stop,
/// and on SIGCONT set it up again and redraw.
#[test]
fn ctrl_z_and_sigtstp_suspend_and_fg_redraws() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["demo"], &[], dir.path(), 100, 30);
    c.wait_for("Conversations", 20);
    let pid = c.child.process_id().unwrap();
    for how in ["ctrl-z", "sigtstp"] {
        let before = c.raw_text().len();
        match how {
            "ctrl-z" => c.keys("\x1a"),
            _ => c.signal(libc::SIGTSTP),
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while proc_state(pid) != Some('T') {
            assert!(Instant::now() < deadline, "{how}: the process did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(200));
        let raw = c.raw_text();
        let since = &raw[before..];
        assert!(
            since.contains("\x1b[?1049l"),
            "{how}: the alternate screen is left before stopping"
        );
        assert!(!c.screen.lock().unwrap().screen().alternate_screen());
        c.signal(libc::SIGCONT);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !c.screen.lock().unwrap().screen().alternate_screen() {
            assert!(
                Instant::now() < deadline,
                "{how}: not set up again on SIGCONT"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        c.wait_for("Conversations", 10);
    }
    // Keys work again (raw mode): `?` opens the help.
    c.keys("?");
    c.wait_for("q closes", 10);
    c.keys("q");
    c.keys("q");
    let status = c.wait_exit(10);
    assert!(status.success(), "exit status {status:?}");
    c.assert_terminal_restored();
}

/// Issue 9.7: a demo closed with its pane left /tmp/switchboard-demo-*.jsonl
/// behind. Demo journals live in the state dir; the next demo removes any
/// that no running demo holds, and a demo removes its own when it ends.
#[test]
fn demo_journals_stay_in_the_state_dir_and_do_not_pile_up() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("state").join("demo");
    std::fs::create_dir_all(&demo_dir).unwrap();
    let stale = demo_dir.join("journal-999999-deadbeef.jsonl");
    std::fs::write(&stale, "").unwrap();
    let mut c = Console::spawn(&["demo"], &[], dir.path(), 100, 30);
    c.wait_for("Conversations", 20);
    assert!(!stale.exists(), "a journal no demo holds is removed");
    // This demo's journal is there (beside its lock file).
    let own: Vec<_> = std::fs::read_dir(&demo_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(own.len(), 1, "this demo's journal is there: {own:?}");
    // Its terminal goes away (SIGHUP): the journal goes with it, and the
    // process ends as a hang-up.
    c.signal(libc::SIGHUP);
    let status = c.wait_exit(10);
    assert_eq!(status.signal(), Some("Hangup"), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(&demo_dir).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_demo_shows_its_queues_narrows_to_one_and_assigns_to_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["demo", "--seed", "1"], &[], dir.path(), 120, 40);
    c.wait_for("WAITING", 20);
    // The demo opens on the queue pane. Billing starts in trouble: sorted
    // by the longest wait, it comes first.
    let screen = c.wait_for("Billing", 20);
    assert!(screen.contains("Queues 3"), "{screen}");
    assert!(screen.contains("SL≤20s"), "{screen}");
    c.keys("\t\t");
    c.keys("\r");
    let screen = c.wait_for("queue: Billing", 10);
    assert!(screen.contains("WAITING"), "{screen}");
    // The selected (first waiting) conversation of Billing goes to Support.
    c.keys("a");
    c.wait_for("Assign to", 10);
    c.keys("q:sup");
    c.wait_for("Assign to a queue", 10);
    c.keys("\r");
    c.wait_for("to queue Support? Y/n", 10);
    c.keys("y");
    // The callback, matched to the request and shown as for an agent.
    c.wait_for("callback assign c-", 20);
    c.wait_for("→ queue Support: transferred", 20);
    // Esc clears the message, then the narrowing.
    c.keys("\x1b");
    c.keys("\x1b");
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.text().contains("queue: Billing") {
        assert!(Instant::now() < deadline, "still narrowed:\n{}", c.text());
        c.keys("\x1b");
    }
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

#[test]
fn demo_wallboard_shows_the_queue_tiles_and_quits_on_q() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(
        &["demo", "--seed", "1", "--wallboard"],
        &[],
        dir.path(),
        80,
        24,
    );
    c.wait_for("WALLBOARD", 20);
    // The simulator's queues, once polled, each on a tile of its own.
    let screen = c.wait_for("Support", 20);
    for want in ["Billing", "Sales", "waiting", "longest wait", "figures of"] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    // Billing starts in trouble: its longest wait is past the warning.
    c.wait_for("CRITICAL", 90);
    c.keys("q");
    let status = c.wait_exit(10);
    assert!(status.success(), "exit status {status:?}");
    c.assert_terminal_restored();
}

#[test]
fn the_wallboard_with_a_config_sends_nothing_and_marks_an_outage_stale() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let text = std::fs::read_to_string(&config).unwrap();
    let listen = text
        .lines()
        .find_map(|l| l.strip_prefix("listen = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let config_arg = config.display().to_string();
    let env = [(SECRET_VAR, switchboard::sim::DEMO_CLIENT_SECRET)];
    let mut c = Console::spawn(
        &["--config", &config_arg, "wallboard", "--ascii"],
        &env,
        dir.path(),
        120,
        40,
    );
    c.wait_for("WALLBOARD", 20);
    let screen = c.wait_for("Support", 20);
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("###"), "ASCII block digits: {screen}");
    // No callback listener: the config's port is still free.
    std::net::TcpListener::bind(&listen).expect("the wallboard left the callback port alone");

    // Kore stops answering: the header says so in words.
    sim_outage(&sim, Some(503));
    c.wait_for("STALE: Kore is not answering", 20);
    sim_outage(&sim, None);
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.text().contains("STALE") {
        assert!(Instant::now() < deadline, "still stale:\n{}", c.text());
        std::thread::sleep(Duration::from_millis(100));
    }
    c.keys("q");
    assert!(c.wait_exit(10).success());
    c.assert_terminal_restored();
    // It wrote no journal.
    let journals: Vec<_> = files_under(&dir.path().join("data"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("journal"))
        .collect();
    assert!(journals.is_empty(), "{journals:?}");
}

/// The list's rows (left of the detail pane) that show a conversation still
/// waiting for an agent.
fn waiting_rows(screen: &str) -> Vec<String> {
    list_rows(screen)
        .into_iter()
        .filter(|l| l.contains("WAITING") || l.contains("OVERDUE"))
        .collect()
}

/// The list's rows: each line's part left of the detail pane's border.
fn list_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            let cut = ["││", "┃│", "│┃"].iter().filter_map(|b| l.find(b)).min()?;
            Some(l[..cut].to_string())
        })
        .filter(|l| l.contains(" c-") || l.contains("!c-"))
        .collect()
}

#[test]
fn a_wait_past_critical_wait_secs_is_marked_against_the_simulator() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // Every demo customer has waited longer than 30 s by the first poll;
    // by the defaults (60 s, 180 s) the newest of them would not be marked.
    let extra = format!("{POLL_OFTEN}\n[alerts]\nwarn_wait_secs = 10\ncritical_wait_secs = 30\n");
    let config = write_config(dir.path(), &sim.base_url, 20, &extra);
    let mut c = Console::start(&config, dir.path(), 120, 40);
    c.wait_for("‼ WAITING", 20);
    // The status bar counts it: the alerts pass judges a poll's page at the
    // next tick, so the frame that first marks the rows may come before it.
    let screen = c.wait_for("crit", 5);
    // Marked critical after 30 s, not after the default 180 s: a row whose
    // age (about its wait, in the simulator) is under three minutes.
    let age = |row: &str| -> Option<i64> {
        let t = row.split_whitespace().find(|w| {
            w.len() == 5
                && w.as_bytes()[2] == b':'
                && w.chars().filter(char::is_ascii_digit).count() == 4
        })?;
        Some(t[..2].parse::<i64>().ok()? * 60 + t[3..].parse::<i64>().ok()?)
    };
    let rows = waiting_rows(&screen);
    assert!(
        rows.iter()
            .any(|r| r.contains("‼ WAITING") && age(r).is_some_and(|a| a < 180)),
        "{screen}"
    );
    for row in &rows {
        if age(row).is_some_and(|a| a >= 32) {
            assert!(row.contains('‼'), "{row:?} is past 30 s: {screen}");
        }
    }
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

#[test]
fn the_demo_opens_onto_an_alert_and_shows_only_the_problems_on_bang() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prefs.toml");
    std::fs::write(
        &config,
        r#"[kore]
host = "https://platform.kore.ai"
bot_id = "st-mine"
org_id = "o-mine"
account_id = "acc-mine"
client_id = "cs-mine"
client_secret = { env = "SWITCHBOARD_E2E_UNSET_SECRET" }

[alerts]
bell = true
"#,
    )
    .unwrap();
    let config = config.display().to_string();
    let mut c = Console::spawn(
        &["--config", &config, "demo", "--seed", "1"],
        &[],
        dir.path(),
        120,
        40,
    );
    // Billing's backlog has waited minutes at start: past the default
    // critical wait (180 s) on the first poll, counted in the status bar.
    c.wait_for("‼ ", 20);
    // Counted in the status bar by the next tick's alerts pass.
    let screen = c.wait_for("crit", 5);
    assert!(
        waiting_rows(&screen).iter().any(|r| r.contains("‼")),
        "{screen}"
    );
    // bell = true: the new breaches rang (BEL), once for the batch at least.
    assert!(c.raw_text().contains('\x07'), "no bell");
    // Only the problems: every row left is marked or failed.
    c.keys("!");
    let screen = c.wait_for("problems only", 10);
    let rows = list_rows(&screen);
    assert!(!rows.is_empty(), "{screen}");
    for row in rows {
        assert!(
            row.contains('‼') || row.contains('⚠') || row.contains("!c-"),
            "{row:?} is no problem: {screen}"
        );
    }
    c.keys("!");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!c.text().contains("problems only,"), "{}", c.text());
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

/// The journal's text (every file under the data dir).
fn journal_text(dir: &Path) -> String {
    files_under(&dir.join("data"))
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Issue 18.1: an ssh drop closes the pty's master under a console with
/// queued work. It ends as a hang-up (not an abort), with the journal and
/// the log flushed, and writes nothing more to the dead terminal.
#[test]
fn an_ssh_drop_ends_as_a_hangup_with_the_journal_and_the_log_flushed() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let conv = "c-drop";
    let mut c = Console::start(&config, dir.path(), 120, 40);
    queue_behind_an_outage(&mut c, &sim, conv);
    c.close_master();
    let status = c.wait_exit(10);
    let log = std::fs::read_to_string(dir.path().join("state/switchboard-console.log")).unwrap();
    assert_eq!(
        status.signal(),
        Some("Hangup"),
        "exit status {status:?}\n{log}"
    );
    let journal = journal_text(dir.path());
    let requests = journal
        .lines()
        .filter(|l| l.contains(conv) && l.contains("\"kind\":\"request\""))
        .count();
    assert_eq!(
        requests, 2,
        "both queued requests are journaled:\n{journal}"
    );
    assert!(
        log.contains("ending as SIGHUP would"),
        "the log's last line was flushed:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}

/// Whether a thread of `pid` sleeps in a write to its terminal.
fn blocked_on_tty(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|t| {
        std::fs::read_to_string(t.path().join("wchan"))
            .is_ok_and(|w| w.contains("tty_write") || w.contains("wait_woken"))
    })
}

/// Issue 18.2: a terminal that stops reading (a frozen ssh client) holds up
/// neither the journal nor the listener: a callback that comes while the
/// console's writes are blocked reaches the journal file, and SIGTERM still
/// ends the process.
#[test]
fn a_terminal_that_stops_reading_holds_up_neither_the_journal_nor_sigterm() {
    // The callback comes 8 to 12 s after the assign: time to block the pty.
    let sim = SimProcess::start(&["--callback-delay-ms", "8000"]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 60, POLL_OFTEN);
    let mut c = Console::start(&config, dir.path(), 120, 40);
    show_agents(&mut c);
    c.wait_for("c-1044", 20);
    c.keys("/");
    c.keys("c-1044");
    c.keys("\r");
    c.keys("a");
    c.wait_for("Assign to", 10);
    pick_and_confirm(&mut c, "mia", "Assign c-1044");
    c.wait_for("awaiting callback", 10);
    assert!(!journal_text(dir.path()).contains("\"kind\":\"callback\""));
    // Stop reading, and make the console draw whole screens until its
    // writes fill the pty and block.
    c.pause_reading(true);
    let pid = c.child.process_id().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !blocked_on_tty(pid) {
        assert!(Instant::now() < deadline, "the terminal never filled up");
        c.redraw_whole(4);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journal_text(dir.path()).contains("\"kind\":\"callback\"") {
        assert!(
            Instant::now() < deadline,
            "the callback never reached the journal while the terminal was blocked"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(blocked_on_tty(pid), "the terminal was still blocked");
    c.signal(libc::SIGTERM);
    let status = c.wait_exit(10);
    assert!(status.success(), "exit status {status:?}");
}

/// Issue 18.17: a terminal that cannot address the cursor gets a message,
/// not full-screen escapes.
#[test]
fn a_dumb_or_missing_term_is_refused_with_a_message() {
    for term in ["dumb", ""] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Console::spawn(&["demo"], &[("TERM", term)], dir.path(), 80, 24);
        let status = c.wait_exit(10);
        assert_eq!(status.exit_code(), 2, "TERM={term:?}: {status:?}");
        std::thread::sleep(Duration::from_millis(300));
        let raw = c.raw_text();
        assert!(raw.contains("address the cursor"), "TERM={term:?}: {raw}");
        assert!(!raw.contains("\x1b[?1049h"), "no alternate screen: {raw:?}");
    }
}

/// Issue 18.17: without a UTF-8 locale the console draws in ASCII, as
/// `--ascii` does.
#[test]
fn a_c_locale_draws_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(
        &["demo", "--seed", "1"],
        &[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")],
        dir.path(),
        100,
        30,
    );
    let screen = c.wait_for("WAITING", 20);
    // Lines, arrows, blocks and shapes (names may still have accents).
    let fancy: Vec<char> = screen
        .chars()
        .filter(|ch| ('\u{2000}'..='\u{2BFF}').contains(ch))
        .collect();
    assert!(fancy.is_empty(), "not ASCII: {fancy:?}\n{screen}");
    c.keys("q");
    assert!(c.wait_exit(10).success());
}

#[test]
fn opening_a_conversation_shows_kores_transfer_history_and_summary_and_no_contact_data_leaks() {
    use switchboard::sim::details::{SAMPLE_EMAIL, SAMPLE_PHONE};
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.base_url, 20, POLL_OFTEN);
    let export = dir.path().join("export.jsonl");
    let mut c = Console::start(&config, dir.path(), 120, 40);
    show_agents(&mut c);
    // c-1044 waits at start (seed 1): assign it to Mia, so Kore's history
    // holds the supervisor's transfer.
    c.wait_for("c-1044", 20);
    c.keys("/");
    c.keys("c-1044");
    c.keys("\r");
    c.keys("a");
    pick_and_confirm(&mut c, "mia", "Assign c-1044");
    c.wait_for("c-1044 → Mia Chen: transferred", 20);
    // Enter opens it: the details come and show.
    c.keys("\r");
    c.wait_for("Kore · ", 20);
    let screen = c.wait_for("Summary: The customer asked", 20);
    assert!(screen.contains("Transfer "), "{screen}");
    assert!(screen.contains("Supervisor"), "{screen}");
    // R asks again: a second answer in the log.
    c.keys("R");
    c.wait_for("details of c-1044 (refresh)", 20);
    c.keys(&format!(":export {}\r", export.display()));
    c.wait_for("exported", 10);
    c.keys("q");
    assert!(c.wait_exit(10).success());

    let raw = String::from_utf8_lossy(&c.raw.lock().unwrap()).to_string();
    let mut checked = vec![("the terminal output".to_string(), raw)];
    for f in files_under(dir.path()) {
        if f == config {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        checked.push((f.display().to_string(), text));
    }
    let names: Vec<&str> = checked.iter().map(|(n, _)| n.as_str()).collect();
    for want in ["export.jsonl", "switchboard-console.log"] {
        assert!(names.iter().any(|n| n.ends_with(want)), "{names:?}");
    }
    assert!(names.iter().any(|n| n.contains("journal-")), "{names:?}");
    let export_text = &checked
        .iter()
        .find(|(n, _)| n.ends_with("export.jsonl"))
        .unwrap()
        .1;
    assert!(
        export_text.contains("details of c-1044"),
        "the export holds the details lines"
    );
    let local = SAMPLE_EMAIL.split('@').next().unwrap();
    let digits = &SAMPLE_PHONE[SAMPLE_PHONE.len() - 7..];
    for (name, text) in &checked {
        assert!(!text.contains(local), "the customer's email is in {name}");
        assert!(!text.contains(digits), "the customer's phone is in {name}");
    }
    let snaps = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for f in files_under(&snaps) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains(local), "an email is in {}", f.display());
        assert!(!text.contains(digits), "a phone is in {}", f.display());
    }
}

/// The redis-server processes whose command line names `dir`.
fn redis_servers_under(dir: &Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            cmd.contains("redis-server") && cmd.contains(&needle)
                || std::fs::read_link(format!("/proc/{pid}/cwd"))
                    .is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .collect()
}

/// Issue 21.7: `demo --team 3` at 80x24: a redis-server of its own, two
/// simulated teammates whose lines reach this console's log, `:who` lists
/// the three, and quitting stops redis-server and removes its directory.
#[test]
fn the_team_demo_shows_teammates_and_stops_cleanly_at_80x24() {
    assert!(
        switchboard::team::server::find_on_path("redis-server").is_some(),
        "team mode tests need redis-server: install it with `apt-get install redis-server`"
    );
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let tmp_s = tmp.display().to_string();
    let mut c = Console::spawn(
        &["demo", "--seed", "1", "--team", "3"],
        &[("TMPDIR", tmp_s.as_str())],
        dir.path(),
        80,
        24,
    );
    c.wait_for("WAITING", 30);
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        1,
        "redis-server runs in a temp dir of its own"
    );
    // A teammate takes a waiting conversation: its line, with its name.
    let screen = c.wait_for("[Mia] assign", 40);
    assert!(screen.contains("DEMO"), "{screen}");
    c.keys(":who\r");
    c.wait_for("who: 3 online", 10);
    c.keys("q");
    let status = c.wait_exit(15);
    assert!(status.success(), "exit status {status:?}");
    c.assert_terminal_restored();
    assert!(
        std::fs::read_dir(&tmp).unwrap().next().is_none(),
        "redis-server's directory is removed"
    );
    assert!(
        redis_servers_under(&tmp).is_empty(),
        "redis-server is stopped"
    );
}

/// Issue 21.7: without redis-server on the PATH, `demo --team` says how to
/// install it.
#[test]
fn the_team_demo_without_redis_server_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    let path = empty.display().to_string();
    let mut c = Console::spawn(
        &["demo", "--team", "3"],
        &[("PATH", path.as_str())],
        dir.path(),
        80,
        24,
    );
    let status = c.wait_exit(20);
    assert!(!status.success());
    let out = c.raw_text();
    assert!(out.contains("apt-get install redis-server"), "{out}");
}

/// The config with the console's limit at 600 a minute (the simulator has
/// none): a bulk of a few dozen paced at a tenth of a second each.
fn fast_config(dir: &Path, sim: &SimProcess) -> std::path::PathBuf {
    let config = write_config(dir, &sim.base_url, 20, POLL_OFTEN);
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "jwt_ttl_secs = 120\n",
        "jwt_ttl_secs = 120\nrate_limit_per_minute = 600\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    config
}

/// The bot sessions of the assigns the simulator carried out, in the order
/// it did (one callback each, whether or not the console heard it).
fn assigned_sessions(sim: &SimProcess) -> Vec<String> {
    let url = format!("{}/__sim/callbacks", sim.base_url);
    let all: Vec<serde_json::Value> =
        block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
    all.iter()
        .filter_map(|c| c["body"]["botSessionId"].as_str().map(str::to_string))
        .collect()
}

/// Sessions the simulator was assigned more than once.
fn assigned_twice(sessions: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for s in sessions {
        *seen.entry(s).or_default() += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(s, _)| s.to_string())
        .collect()
}

/// `q`, and `y` when it asks (callbacks still awaited).
fn quit(c: &mut Console) {
    c.keys("q");
    if c.text().contains("Quit?") {
        c.keys("y");
    }
    assert!(c.wait_exit(10).success());
}

/// "Assign 37 conversations to queue Support? y/N" on the screen: 37.
fn bulk_count(screen: &str) -> usize {
    let at = screen.find("Assign ").expect("the confirmation");
    screen[at + 7..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

/// "· 40 marked" in the list's title: 40.
fn marked_count(screen: &str) -> usize {
    let Some(at) = screen.find(" marked") else {
        return 0;
    };
    screen[..at]
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// "assigned 12 of 40" on the screen: 40.
fn bulk_of(screen: &str) -> usize {
    let at = screen.find("assigned ").expect("the progress line");
    screen[at..]
        .split_whitespace()
        .nth(3)
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

/// "assigned 12 of 40" on the screen: 12.
fn bulk_left(screen: &str) -> Option<usize> {
    let at = screen.find("assigned ")?;
    screen[at + 9..].split_whitespace().next()?.parse().ok()
}

#[test]
fn six_marked_conversations_are_assigned_to_a_queue_on_keystrokes() {
    let sim = SimProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = fast_config(dir.path(), &sim);
    let mut c = Console::start(&config, dir.path(), 120, 40);
    c.wait_for("Support", 20);
    c.wait_for("c-1044", 20);
    // Space marks the selected row and moves down: six rows.
    for _ in 0..6 {
        c.keys(" ");
    }
    c.wait_for("6 marked", 10);
    c.keys("a");
    c.wait_for("6 marked", 10);
    c.keys("q:sup");
    c.keys("\r");
    c.wait_for("Assign 6 conversations to queue Support? y/N", 10);
    c.keys("y");
    c.wait_for("bulk assign queue Support: 6 conversations queued", 10);
    c.wait_for("bulk assign: 6 of 6 conversations left", 20);
    let deadline = Instant::now() + Duration::from_secs(20);
    while assigned_sessions(&sim).len() < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let sessions = assigned_sessions(&sim);
    assert_eq!(sessions.len(), 6, "{sessions:?}");
    assert!(assigned_twice(&sessions).is_empty());
    assert!(!c.text().contains(" marked"), "the marks were used");
    quit(&mut c);
}

#[test]
fn a_bulk_killed_half_way_finishes_after_a_restart_with_no_duplicate() {
    let sim = SimProcess::start(&["--conversations", "40"]);
    let dir = tempfile::tempdir().unwrap();
    let config = fast_config(dir.path(), &sim);
    let total;
    {
        let mut c = Console::start(&config, dir.path(), 120, 40);
        c.wait_for("Support", 20);
        // Every conversation the polls have read so far, until there are
        // at least 40.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            c.keys(":mark filter\r");
            if marked_count(&c.text()) >= 40 {
                break;
            }
            assert!(Instant::now() < deadline, "{}", c.text());
            std::thread::sleep(Duration::from_millis(400));
        }
        c.keys(":assign queue Support\r");
        let screen = c.wait_for("to queue Support", 10);
        total = bulk_count(&screen);
        assert!(total >= 30, "a bulk worth killing: {total}");
        c.keys("y");
        // Half-way: kill -9.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = bulk_left(&c.text()).unwrap_or(0);
            if left >= total / 2 {
                break;
            }
            assert!(Instant::now() < deadline, "stuck at {left}:\n{}", c.text());
            std::thread::sleep(Duration::from_millis(20));
        }
        c.kill_9();
    }
    // The callbacks of what was assigned before the kill come after a
    // delay.
    std::thread::sleep(Duration::from_secs(3));
    let before = assigned_sessions(&sim);
    assert!(before.len() < total, "the kill came before the end");
    assert!(assigned_twice(&before).is_empty());

    // The restart finishes the rest from the journal: in order, nothing
    // twice; one that was on the wire at the kill is unknown, not resent.
    let mut c = Console::start(&config, dir.path(), 120, 40);
    // The remainder's progress line comes back (its request ids say it was
    // a bulk's).
    let screen = c.wait_for("assigned ", 20);
    let resumed = bulk_of(&screen);
    assert!(
        resumed + before.len() >= total - 1 && resumed < total,
        "{resumed} resumed of {total}, {} before:\n{screen}",
        before.len()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = 0;
    let mut still_since = Instant::now();
    loop {
        let n = assigned_sessions(&sim).len();
        if n != last {
            (last, still_since) = (n, Instant::now());
        }
        if n >= total || (n + 1 == total && still_since.elapsed() > Duration::from_secs(3)) {
            break;
        }
        assert!(Instant::now() < deadline, "{n} of {total} assigned");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let after = assigned_sessions(&sim);
    assert!(
        assigned_twice(&after).is_empty(),
        "assigned twice: {:?}",
        assigned_twice(&after)
    );
    assert!(after.len() + 1 >= total, "{} of {total}", after.len());
    quit(&mut c);
}
