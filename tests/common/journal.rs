//! Journal records as the console writes them.

use switchboard::domain::Event;
use switchboard::runtime::journal::Record;

/// A planned event for `conversation`: a chat in English.
pub fn request(id: &str, conversation: &str, at_ms: i64, event: Event) -> Record {
    Record::Request {
        id: id.into(),
        at_ms,
        conversation: conversation.into(),
        event,
        experience: "chat".into(),
        language: "en".into(),
        action: "test".into(),
    }
}

/// The first try of request `id` leaving.
pub fn sent(id: &str, at_ms: i64) -> Record {
    Record::Sent {
        id: id.into(),
        at_ms,
        attempt: 1,
    }
}

/// The answer to request `id` after one try: 200 when `ok`, else 400.
pub fn outcome(id: &str, at_ms: i64, ok: bool, message: &str) -> Record {
    Record::Outcome {
        id: id.into(),
        at_ms,
        ok,
        status: Some(if ok { 200 } else { 400 }),
        message: message.into(),
        attempts: 1,
    }
}
