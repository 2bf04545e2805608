//! The journal on a real full disk (issue 9.1): a small tmpfs is filled, an
//! append fails part-way, space is freed, and the journal reads back whole.
//! Mounting needs root and the right to mount; where that is missing the
//! test says so and passes without running.

use std::path::Path;
use std::process::Command;
use switchboard::domain::{AgentRef, Event};
use switchboard::runtime::journal::{self, Journal, RequestFate};

mod common;
use common::journal::{outcome, request};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn mount_tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
    let out = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0700"),
            "tmpfs",
        ])
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(Mount(dir.to_path_buf()))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// An answer long enough that records take room.
const LONG_ANSWER: &str = "a reasonably long body summary so that records take room";

#[test]
fn a_full_disk_loses_no_delivered_event() {
    let dir = tempfile::tempdir().unwrap();
    let _mount = match mount_tmpfs(dir.path(), "64k") {
        Ok(m) => m,
        Err(why) => {
            eprintln!("skipped: cannot mount a 64 KiB tmpfs here ({why})");
            return;
        }
    };
    let path = dir.path().join("journal.jsonl");
    let filler = dir.path().join("filler");
    let (mut j, _) = Journal::open(&path).unwrap();
    let mia = AgentRef::new("a-1", "Mia");
    let raj = AgentRef::new("a-2", "Raj");
    j.append(&request("r1", "c-full", 1, Event::na_entry(mia)))
        .unwrap();
    j.append(&outcome("r1", 2, true, LONG_ANSWER)).unwrap();
    j.append(&request("r2", "c-full", 1, Event::warm_entry(raj)))
        .unwrap();
    j.append(&outcome("r2", 2, true, LONG_ANSWER)).unwrap();
    // Fill the disk all but a few bytes, then append until it fails.
    let free = {
        let mut chunk = vec![b'x'; 4096];
        let mut f = std::fs::File::create(&filler).unwrap();
        use std::io::Write;
        while f.write_all(&chunk).is_ok() {}
        chunk.truncate(1);
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
        std::fs::metadata(&filler).unwrap().len()
    };
    assert!(free > 0);
    let before = std::fs::metadata(&path).unwrap().len();
    let mut failed = false;
    for i in 0..50 {
        let id = format!("x{i}");
        if j.append(&outcome(&id, 2, true, LONG_ANSWER)).is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "the full disk refused an append");
    let on_disk = std::fs::read(&path).unwrap();
    assert!(
        on_disk.ends_with(b"\n"),
        "no half record is left at the end (was {before} bytes, now {})",
        on_disk.len()
    );
    // Space is freed; the supervisor resends: the record goes in whole.
    std::fs::remove_file(&filler).unwrap();
    j.append(&request(
        "r3",
        "c-full",
        1,
        Event::na_exit(AgentRef::new("a-2", "Raj")),
    ))
    .unwrap();
    drop(j);
    let (_, replay) = Journal::open(&path).unwrap();
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    let st = &journal::rebuild(&replay.records)["c-full"];
    assert!(
        st.roster.contains("a-2"),
        "the delivered WARM entry survives"
    );
    assert_eq!(
        st.requests[1].fate,
        RequestFate::Delivered { status: Some(200) }
    );
    assert_eq!(st.requests[2].fate, RequestFate::Queued);
}
