//! Every body the client reads from Kore, through the lenient parser.
//!
//! Checks: nothing panics; loosening valid JSON keeps its meaning; the values
//! that parse write back to JSON that parses to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;
use switchboard::kore::wire::*;

/// Parses leniently; when that works, the value survives a strict round trip.
fn check<T: DeserializeOwned + Serialize + PartialEq + Debug>(text: &str) {
    if let Ok(value) = parse_loose::<T>(text) {
        let written = serde_json::to_string(&value).expect("a parsed value can be written");
        let again: T = serde_json::from_str(&written)
            .unwrap_or_else(|e| panic!("written form does not parse ({e}): {written}"));
        assert_eq!(value, again, "written: {written}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loose = loosen_json(text);
    if let Ok(strict) = serde_json::from_str::<Value>(text) {
        let after: Value = serde_json::from_str(&loose).unwrap_or_else(|e| {
            panic!("valid JSON no longer parses after loosening ({e}): {loose}")
        });
        assert_eq!(strict, after, "loosening changed valid JSON");
    }
    check::<HooksBody>(text);
    check::<HookEvent>(text);
    check::<StatusOk>(text);
    check::<ErrorBody>(text);
    check::<AssignRequest>(text);
    check::<AssignResponse>(text);
    check::<AssignCallback>(text);
    check::<Page<ConversationRecord>>(text);
    check::<ConversationRecord>(text);
    check::<Page<AgentRecord>>(text);
    check::<Page<QueueRecord>>(text);
    check::<AvailabilityRequest>(text);
    check::<AvailabilityResponse>(text);
    check::<QueueSizeRequest>(text);
    check::<QueueSizeResponse>(text);
    if let Ok(request) = parse_loose::<AssignRequest>(text) {
        let _ = request.target();
    }
    if let Ok(page) = parse_loose::<Page<AgentRecord>>(text) {
        for agent in &page.results {
            let _ = agent.display_name();
            let _ = agent.email_address();
        }
    }
});
