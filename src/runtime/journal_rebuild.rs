//! Rebuilding every conversation from the journal's records: rosters
//! from the delivered events, and each request's and assign's fate.
//!
//! The steps that change one conversation's state (a request planned, sent,
//! answered; an assign and its answers) are functions of their own, shared
//! by [`rebuild`] over records held in memory and by the start's streaming
//! pass (`journal_scan`), which applies each line as it reads it.

use super::journal_record::{
    AssignFate, ConversationState, JournaledAssign, JournaledRequest, Record, Replay, RequestFate,
};
use crate::domain::Event;
use std::collections::BTreeMap;

/// Rebuilds every conversation from the journal: rosters from the delivered
/// events, and each request's fate.
pub fn rebuild(records: &[Record]) -> BTreeMap<String, ConversationState> {
    let mut r = Rebuild::default();
    for record in records {
        r.apply(record);
    }
    r.finish()
}

/// What a start needs of the journal: every conversation rebuilt, what
/// holds them, the warnings, and the assigns (for `assign --batch`), with
/// no record held beside them.
#[derive(Debug, Default)]
pub struct Restored {
    /// As [`rebuild`] makes them from the records that stay.
    pub states: BTreeMap<String, ConversationState>,
    /// Each assign record that stays, with the sent, outcome and callback
    /// records of its id that come after it, in order.
    pub assigns: Vec<Record>,
    pub warnings: Vec<String>,
    /// As [`Replay::holds`].
    pub holds: BTreeMap<String, String>,
    /// As [`Replay::hold_all`].
    pub hold_all: Option<String>,
    /// Brief (what the commands open): each conversation's delivered
    /// requests by id, in order; `states` leaves them out.
    pub delivered: BTreeMap<String, Vec<Box<str>>>,
}

impl Restored {
    /// What a read that held every record gives, rebuilt.
    pub fn from_replay(replay: Replay) -> Restored {
        Restored {
            states: rebuild(&replay.records),
            assigns: assign_records(replay.records),
            warnings: replay.warnings,
            holds: replay.holds,
            hold_all: replay.hold_all,
            delivered: BTreeMap::new(),
        }
    }

    /// The same with each delivered request kept by id only.
    pub fn brief(mut self) -> Restored {
        for (c, st) in &mut self.states {
            let (delivered, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut st.requests)
                .into_iter()
                .partition(|r| matches!(r.fate, RequestFate::Delivered { .. }));
            st.requests = rest;
            if !delivered.is_empty() {
                let ids = delivered.into_iter().map(|r| r.id.into_boxed_str());
                self.delivered.insert(c.clone(), ids.collect());
            }
        }
        self
    }
}

/// The assign records, and the answers to each after it.
fn assign_records(records: Vec<Record>) -> Vec<Record> {
    let mut ids = std::collections::HashSet::new();
    records
        .into_iter()
        .filter(|r| match r {
            Record::Assign { id, .. } => {
                ids.insert(id.clone());
                true
            }
            Record::Sent { id, .. } | Record::Outcome { id, .. } => ids.contains(id),
            Record::Callback { id: Some(id), .. } => ids.contains(id),
            _ => false,
        })
        .collect()
}

/// The rebuild as it goes.
#[derive(Default)]
struct Rebuild {
    /// request id -> (conversation, index in its requests)
    index: BTreeMap<String, (String, usize)>,
    /// assign id -> (conversation, index in its assigns)
    assigns: BTreeMap<String, (String, usize)>,
    out: BTreeMap<String, ConversationState>,
}

/// A request's fields as its record carries them.
pub(super) struct Planned<'a> {
    pub id: &'a str,
    pub at_ms: i64,
    pub event: &'a Event,
    pub experience: &'a str,
    pub language: &'a str,
    pub action: &'a str,
}

/// A request planned: it joins its conversation's requests, queued.
/// Returns its index there.
pub(super) fn plan_request(st: &mut ConversationState, p: Planned) -> usize {
    st.last_ms = st.last_ms.max(p.at_ms);
    st.experience = Some(p.experience.to_string());
    st.language = Some(p.language.to_string());
    st.requests.push(JournaledRequest {
        id: p.id.to_string(),
        at_ms: p.at_ms,
        event: p.event.clone(),
        action: p.action.to_string(),
        fate: RequestFate::Queued,
    });
    st.requests.len() - 1
}

/// [`plan_request`] with the record's own fields, moved rather than
/// copied (the streaming start owns each record it reads).
pub(super) fn plan_request_owned(
    st: &mut ConversationState,
    (id, at_ms, event): (String, i64, Event),
    (experience, language, action): (String, String, String),
) {
    st.last_ms = st.last_ms.max(at_ms);
    st.experience = Some(experience);
    st.language = Some(language);
    st.requests.push(JournaledRequest {
        id,
        at_ms,
        event,
        action,
        fate: RequestFate::Queued,
    });
}

/// An assign planned for a conversation. Returns its index there.
pub(super) fn plan_assign(
    st: &mut ConversationState,
    id: &str,
    at_ms: i64,
    session: &str,
    target: &str,
    text: Option<&str>,
) -> usize {
    st.last_ms = st.last_ms.max(at_ms);
    st.assigns.push(JournaledAssign {
        id: id.to_string(),
        at_ms,
        text: text.map_or_else(|| format!("assign → {target}"), str::to_string),
        session: session.to_string(),
        target: target.to_string(),
        fate: AssignFate::Queued,
    });
    st.assigns.len() - 1
}

/// On the wire from here on. A failed request that is sent again becomes
/// unknown too until its new outcome is written.
pub(super) fn request_sent(req: &mut JournaledRequest) {
    if matches!(req.fate, RequestFate::Queued | RequestFate::Failed { .. }) {
        req.fate = RequestFate::Unknown;
    }
}

/// An assign on the wire.
pub(super) fn assign_sent(a: &mut JournaledAssign) {
    if a.fate == AssignFate::Queued {
        a.fate = AssignFate::Unknown;
    }
}

/// Kore's answer to an assign request.
pub(super) fn assign_answered(a: &mut JournaledAssign, ok: bool, message: &str) {
    if matches!(a.fate, AssignFate::Queued | AssignFate::Unknown) {
        a.fate = if ok {
            AssignFate::Accepted
        } else {
            AssignFate::Rejected(message.to_string())
        };
    }
}

/// The callback of an assign.
pub(super) fn assign_called_back(a: &mut JournaledAssign, ok: bool, summary: &str) {
    a.fate = if ok {
        AssignFate::Transferred
    } else {
        AssignFate::Failed(summary.to_string())
    };
}

/// The outcome of request `i` of conversation `conv`: a delivered event
/// moves the roster (once, however often it is told).
pub(super) fn request_answered(
    conv: &str,
    st: &mut ConversationState,
    i: usize,
    (ok, status, message, at_ms): (bool, Option<u16>, &str, i64),
) {
    st.last_ms = st.last_ms.max(at_ms);
    let Some(req) = st.requests.get_mut(i) else {
        return;
    };
    if !ok {
        req.fate = RequestFate::Failed {
            status,
            message: message.to_string(),
        };
    } else if !matches!(req.fate, RequestFate::Delivered { .. }) {
        // (Told twice: applied once.)
        req.fate = RequestFate::Delivered { status };
        if let Err(e) = st.roster.apply(&req.event, at_ms) {
            tracing::warn!(conversation = %conv, error = %e, "journal event does not apply");
        }
    }
}

/// The conversation's unknown and queued requests, listed.
pub(super) fn list_open(st: &mut ConversationState) {
    let ids = |fate: RequestFate| -> Vec<String> {
        st.requests
            .iter()
            .filter(|r| r.fate == fate)
            .map(|r| r.id.clone())
            .collect()
    };
    st.unknown = ids(RequestFate::Unknown);
    st.queued = ids(RequestFate::Queued);
}

impl Rebuild {
    fn apply(&mut self, record: &Record) {
        match record {
            // A request planned twice is the same request (a duplicated
            // line): the first plan stands.
            Record::Request { id, .. } if self.index.contains_key(id) => {}
            Record::Assign { id, .. } if self.assigns.contains_key(id) => {}
            Record::Request {
                id,
                conversation,
                event,
                at_ms,
                experience,
                language,
                action,
            } => {
                let st = self.out.entry(conversation.clone()).or_default();
                let i = plan_request(
                    st,
                    Planned {
                        id,
                        at_ms: *at_ms,
                        event,
                        experience,
                        language,
                        action,
                    },
                );
                self.index.insert(id.clone(), (conversation.clone(), i));
            }
            Record::Sent { id, .. } => self.sent(id),
            Record::Outcome {
                id,
                ok,
                status,
                message,
                at_ms,
                ..
            } => self.outcome(id, (*ok, *status, message, *at_ms)),
            Record::Assign {
                id,
                at_ms,
                conversation: Some(conversation),
                text,
                target,
                session,
            } => {
                let st = self.out.entry(conversation.clone()).or_default();
                let i = plan_assign(st, id, *at_ms, session, target, text.as_deref());
                self.assigns.insert(id.clone(), (conversation.clone(), i));
            }
            Record::Callback {
                id: Some(id),
                ok,
                summary,
                ..
            } => {
                if let Some(a) = self.assign_mut(id) {
                    assign_called_back(a, *ok, summary);
                }
            }
            Record::Assign { .. } | Record::Callback { .. } | Record::Summary { .. } => {}
        }
    }

    fn assign_mut(&mut self, id: &str) -> Option<&mut JournaledAssign> {
        let (conv, i) = self.assigns.get(id)?;
        self.out.get_mut(conv)?.assigns.get_mut(*i)
    }

    fn sent(&mut self, id: &str) {
        if let Some((conv, i)) = self.index.get(id)
            && let Some(req) = self.out.get_mut(conv).and_then(|s| s.requests.get_mut(*i))
            && matches!(req.fate, RequestFate::Queued | RequestFate::Failed { .. })
        {
            request_sent(req);
        } else if let Some(a) = self.assign_mut(id) {
            assign_sent(a);
        }
    }

    fn outcome(&mut self, id: &str, answer: (bool, Option<u16>, &str, i64)) {
        if self.assigns.contains_key(id) {
            if let Some(a) = self.assign_mut(id) {
                assign_answered(a, answer.0, answer.2);
            }
            return;
        }
        let Some((conv, i)) = self.index.get(id) else {
            return;
        };
        if let Some(st) = self.out.get_mut(conv) {
            request_answered(conv, st, *i, answer);
        }
    }

    /// Each conversation's unknown and queued requests, listed.
    fn finish(mut self) -> BTreeMap<String, ConversationState> {
        for st in self.out.values_mut() {
            list_open(st);
        }
        self.out
    }
}
