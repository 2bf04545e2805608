//! Arbitrary text as the config file.
//!
//! Checks: loading never panics; every error names the file; every line and
//! column an error points at exists in the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use switchboard::config::{ConfigError, load_str};

const PATH: &str = "/fuzz/etc/switchboard.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new(PATH);
    match load_str(text, path) {
        Ok(loaded) => assert_eq!(loaded.path, path),
        Err(error) => {
            let shown = error.to_string();
            assert!(
                shown.contains(PATH),
                "the error does not name the file: {shown}"
            );
            let ConfigError::Invalid { problems, .. } = &error else {
                panic!("load_str only reports problems in the text: {error:?}");
            };
            assert!(!problems.is_empty());
            let lines: Vec<&str> = text.lines().collect();
            for p in problems {
                let Some(line) = p.line else { continue };
                assert!(
                    line >= 1 && line <= lines.len().max(1),
                    "line {line} of a {}-line text: {shown}",
                    lines.len()
                );
                let width = lines.get(line - 1).map_or(0, |l| l.chars().count());
                if let Some(column) = p.column {
                    assert!(
                        column >= 1 && column <= width + 1,
                        "column {column} of a {width}-character line: {shown}"
                    );
                }
            }
        }
    }
});
