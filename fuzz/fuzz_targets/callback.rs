//! The body of an assign-conversation callback, exactly as the listener gets it.
//!
//! Checks: parsing never panics; a rejected body always has a reason for the
//! 400; an accepted one writes back to a body that parses to the same value;
//! the log summary stays short.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::kore::client::summarize_body;
use switchboard::runtime::callback::parse_callback;

fuzz_target!(|data: &[u8]| {
    match parse_callback(data) {
        Ok(callback) => {
            let written = serde_json::to_vec(&callback).expect("a callback can be written");
            let again = parse_callback(&written).expect("a written callback parses");
            assert_eq!(
                callback,
                again,
                "written: {}",
                String::from_utf8_lossy(&written)
            );
            let _ = callback.succeeded();
            let text = std::str::from_utf8(data).expect("an accepted body is UTF-8");
            assert!(summarize_body(text).chars().count() <= 160);
        }
        Err(reason) => assert!(!reason.is_empty()),
    }
});
