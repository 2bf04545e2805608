//! Arbitrary bytes where the journal should be.
//!
//! Checks: content never makes opening fail (only I/O may); afterwards the
//! file is a prefix of what was there that ends on a line boundary; opening
//! it again reads the same records and warns of no torn tail; a record
//! appended then is read back after the old ones.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use switchboard::runtime::journal::{Journal, Record};

fn journal_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        // tmpfs where there is one: every run writes and syncs the file.
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("switchboard-fuzz-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir.join("journal.jsonl")
    })
}

fn torn(warning: &String) -> bool {
    warning.contains("cut off")
}

fuzz_target!(|data: &[u8]| {
    let path = journal_path();
    std::fs::write(path, data).expect("scratch file");
    // As the journal makes its files: one others can read would be made
    // private with a warning of its own on the first open only.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .expect("scratch file mode");
    }
    let (journal, first) = Journal::open(path).expect("content alone never fails open");
    drop(journal);
    let kept = std::fs::read(path).expect("journal readable");
    assert!(data.starts_with(&kept), "open may only cut the end off");
    assert!(
        kept.is_empty() || kept.ends_with(b"\n"),
        "the file ends on a line boundary"
    );
    assert!(first.warnings.iter().filter(|w| torn(w)).count() <= 1);

    let (mut journal, second) = Journal::open(path).expect("reopen");
    assert_eq!(
        first.records, second.records,
        "reopening reads the same records"
    );
    let expected: Vec<&String> = first.warnings.iter().filter(|w| !torn(w)).collect();
    let got: Vec<&String> = second.warnings.iter().collect();
    assert_eq!(expected, got, "reopening warns of no torn tail");

    let extra = Record::Sent {
        id: "fuzz-appended".to_string(),
        at_ms: 7,
        attempt: 1,
    };
    journal.append(&extra).expect("append");
    drop(journal);
    let (_journal, third) = Journal::open(path).expect("reopen after append");
    let mut want = first.records.clone();
    want.push(extra);
    assert_eq!(
        third.records, want,
        "the appended record follows the old ones"
    );
    assert_eq!(third.warnings, second.warnings);
});
