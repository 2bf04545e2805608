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

/// The module a source file is (`src/app/update/keys.rs` → `app::update::keys`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|p| p != "mod")
        .collect();
    parts.join("::")
}

/// The modules of the crate a file uses outside its tests: `crate::` paths
/// and `super::` paths, each cut to the longest module that is a file.
fn file_uses(src: &Path, file: &Path, modules: &[String]) -> Vec<String> {
    let me = module_of(src, file);
    let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
    let text = std::fs::read_to_string(file).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        for (prefix, base) in [
            ("crate::", Vec::new()),
            ("super::", {
                let mut b: Vec<&str> = me.split("::").collect();
                if !is_mod_rs {
                    b.pop();
                }
                b
            }),
        ] {
            let mut rest = line;
            while let Some(at) = rest.find(prefix) {
                let tail = &rest[at + prefix.len()..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(tail.len());
                let mut parts: Vec<String> = base.iter().map(|s| s.to_string()).collect();
                parts.extend(
                    tail[..end]
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
                while !parts.is_empty() {
                    let m = parts.join("::");
                    if modules.contains(&m) {
                        // A module and its own ancestors or children are one
                        // file tree, not a cycle between files.
                        if m != me && !me.starts_with(&format!("{m}::")) {
                            out.push(m);
                        }
                        break;
                    }
                    parts.pop();
                }
                rest = &tail[end..];
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Issue 10: files that import each other (`ui/view.rs` and the panes,
/// `demo.rs` and `runtime/console.rs`) made a knot; no cycle is left.
#[test]
fn no_two_files_import_each_other_through_any_path() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<PathBuf> = rust_files(&src)
        .into_iter()
        .filter(|f| !f.ends_with("lib.rs") && !f.ends_with("main.rs"))
        .collect();
    let modules: Vec<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let uses: Vec<Vec<usize>> = files
        .iter()
        .map(|f| {
            file_uses(&src, f, &modules)
                .iter()
                .filter_map(|m| modules.iter().position(|x| x == m))
                .collect()
        })
        .collect();
    // Depth-first search for a way back to where it started.
    let mut cycles = Vec::new();
    for start in 0..files.len() {
        let mut stack = vec![(start, vec![start])];
        let mut seen = vec![false; files.len()];
        while let Some((at, path)) = stack.pop() {
            for &next in &uses[at] {
                if next == start {
                    let names: Vec<&str> = path.iter().map(|i| modules[*i].as_str()).collect();
                    cycles.push(names.join(" → "));
                } else if !seen[next] {
                    seen[next] = true;
                    let mut p = path.clone();
                    p.push(next);
                    stack.push((next, p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}
