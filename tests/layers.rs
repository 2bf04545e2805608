//! The layer rule, checked on the source: `domain` uses nothing else of the
//! crate; `app` (the pure core) uses only `domain` and the wire types; `ui`
//! reads `app` and never reaches the runtime. A file that breaks it fails
//! here with its line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every `crate::a::b` path a file names (comments left out), with its line.
fn crate_paths(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            out.push((i + 1, tail[..end].trim_end_matches(':').to_string()));
            rest = &tail[end..];
        }
    }
    out
}

fn check(layer: &str, allowed: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut broken = Vec::new();
    for file in rust_files(&root) {
        for (line, path) in crate_paths(&file) {
            let ok = allowed
                .iter()
                .any(|a| path == *a || path.starts_with(&format!("{a}::")));
            if !ok {
                broken.push(format!("{}:{line}: crate::{path}", file.display()));
            }
        }
    }
    broken
}

#[test]
fn the_domain_uses_nothing_else_of_the_crate() {
    let broken = check("domain", &["domain"]);
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn the_core_uses_only_the_domain_and_the_wire_types() {
    let broken = check("app", &["app", "domain", "kore::wire"]);
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn the_view_never_reaches_the_runtime() {
    let broken = check(
        "ui",
        &[
            "ui",
            "app",
            "domain",
            "kore::wire",
            "kore::client",
            "config",
        ],
    );
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn the_checker_sees_a_broken_rule() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.rs");
    std::fs::write(
        &f,
        "use crate::runtime::journal::Journal; // crate::ui in a comment\nfn f() { crate::domain::x(); }\n",
    )
    .unwrap();
    assert_eq!(
        crate_paths(&f),
        [
            (1, "runtime::journal::Journal".to_string()),
            (2, "domain::x".to_string())
        ]
    );
}
