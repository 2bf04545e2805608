//! Issue 18.9: what a start costs on a big journal. Writes a journal of
//! `JOURNAL_LINES` lines (1,000,000 by default) in which `OPEN` conversations
//! are still open and the rest ended long ago, then starts on it as the
//! console does (`Journal::open_rebuilt`: one streaming pass that folds and
//! rebuilds) in a fresh process, twice, and prints the wall time, CPU time
//! and peak memory of each. The goal: <= 1 s and <= 100 MB. Figures, not
//! assertions: `cargo bench --bench journal_start [-- --runs N]`.

use std::path::Path;
use std::time::Instant;
use switchboard::domain::{AgentRef, Event};
use switchboard::runtime::journal::{Journal, Record};

const OPEN: usize = 100;

fn request(id: &str, conversation: &str, event: Event, at_ms: i64) -> Record {
    Record::Request {
        id: id.into(),
        at_ms,
        conversation: conversation.into(),
        event,
        experience: "chat".into(),
        language: "en".into(),
        action: "bench".into(),
    }
}

fn delivered(id: &str, at_ms: i64) -> [Record; 2] {
    [
        Record::Sent {
            id: id.into(),
            at_ms,
            attempt: 1,
        },
        Record::Outcome {
            id: id.into(),
            at_ms,
            ok: true,
            status: Some(200),
            message: "200 OK".into(),
            attempts: 1,
        },
    ]
}

/// Writes the journal: ended conversations of nine lines each (entry, exit,
/// end: request, sent, outcome), then `OPEN` conversations with an entry.
fn write(path: &Path, lines: usize) {
    let (mut j, _) = Journal::open(path).expect("a journal");
    let mia = AgentRef::new("a-1", "Mia");
    let mut batch = Vec::with_capacity(10_000);
    let ended = lines.saturating_sub(OPEN * 3) / 9;
    for c in 0..ended {
        let conv = format!("c-ended-{c}");
        for (k, ev) in [
            Event::na_entry(mia.clone()),
            Event::na_exit(mia.clone()),
            Event::EndOfConversation { agent: None },
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("r-{c}-{k}");
            batch.push(request(&id, &conv, ev, 1));
            batch.extend(delivered(&id, 1));
        }
        if batch.len() >= 9_000 {
            j.append_batch(&batch).expect("written");
            batch.clear();
        }
    }
    let now = 4_000_000_000_000;
    for c in 0..OPEN {
        let id = format!("r-open-{c}");
        batch.push(request(
            &id,
            &format!("c-open-{c}"),
            Event::na_entry(mia.clone()),
            now,
        ));
        batch.extend(delivered(&id, now));
    }
    j.append_batch(&batch).expect("written");
}

/// One start as the console and every command make it
/// (`Journal::open_rebuilt`: the streaming pass that folds and rebuilds);
/// prints its figures: wall time, CPU time, peak memory.
fn start(path: &Path) {
    let began = Instant::now();
    let cpu_before = cpu_secs();
    let (keep_ms, now_ms) = (24 * 3600 * 1000, 4_000_000_100_000);
    let (_journal, restored) = Journal::open_rebuilt(path, keep_ms, now_ms, false).expect("opened");
    let secs = began.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu_before;
    let peak_mb = peak_rss_kb() as f64 / 1024.0;
    println!(
        "start: {secs:.2} s wall, {cpu:.2} s CPU, peak {peak_mb:.0} MB, \
         {} conversation(s) kept",
        restored.states.len()
    );
}

/// The CPU time this process has had so far, all its threads (seconds):
/// the start reads and folds on two.
fn cpu_secs() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--start") {
        start(Path::new(&args[i + 1]));
        return;
    }
    let lines: usize = std::env::var("JOURNAL_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // `--write PATH`: only write the journal (to profile a start on it).
    if let Some(i) = args.iter().position(|a| a == "--write") {
        write(Path::new(&args[i + 1]), lines);
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("journal-bench.jsonl");
    let began = Instant::now();
    write(&path, lines);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "journal: {lines} lines, {:.0} MB, {OPEN} conversations open (written in {:.1} s)",
        size as f64 / 1e6,
        began.elapsed().as_secs_f64()
    );
    let me = std::env::current_exe().expect("this program");
    // `--runs N`: each first start on a fresh copy of the journal.
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(1);
    let pristine = dir.path().join("journal-pristine.jsonl");
    std::fs::copy(&path, &pristine).expect("a copy");
    for run in 1..=runs {
        if run > 1 {
            std::fs::copy(&pristine, &path).expect("a fresh copy");
        }
        for what in ["first start (compacts)", "second start"] {
            print!("run {run}, {what}: ");
            std::io::Write::flush(&mut std::io::stdout()).ok();
            let status = std::process::Command::new(&me)
                .arg("--start")
                .arg(&path)
                .status()
                .expect("a start");
            assert!(status.success());
        }
    }
}
