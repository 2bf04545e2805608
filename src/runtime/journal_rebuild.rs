//! Rebuilding every conversation from the journal's records: rosters
//! from the delivered events, and each request's and assign's fate.

use super::journal_record::{
    AssignFate, ConversationState, JournaledAssign, JournaledRequest, Record, RequestFate,
};
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

/// The rebuild as it goes.
#[derive(Default)]
struct Rebuild {
    /// request id -> (conversation, index in its requests)
    index: BTreeMap<String, (String, usize)>,
    /// assign id -> (conversation, index in its assigns)
    assigns: BTreeMap<String, (String, usize)>,
    out: BTreeMap<String, ConversationState>,
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
                st.last_ms = st.last_ms.max(*at_ms);
                st.experience = Some(experience.clone());
                st.language = Some(language.clone());
                self.index
                    .insert(id.clone(), (conversation.clone(), st.requests.len()));
                st.requests.push(JournaledRequest {
                    id: id.clone(),
                    at_ms: *at_ms,
                    event: event.clone(),
                    action: action.clone(),
                    fate: RequestFate::Queued,
                });
            }
            Record::Sent { id, .. } => self.sent(id),
            Record::Outcome {
                id,
                ok,
                status,
                message,
                at_ms,
                ..
            } => self.outcome(id, *ok, *status, message, *at_ms),
            Record::Assign {
                id,
                at_ms,
                conversation: Some(conversation),
                text,
                target,
                session,
            } => {
                let st = self.out.entry(conversation.clone()).or_default();
                st.last_ms = st.last_ms.max(*at_ms);
                self.assigns
                    .insert(id.clone(), (conversation.clone(), st.assigns.len()));
                st.assigns.push(JournaledAssign {
                    id: id.clone(),
                    at_ms: *at_ms,
                    text: text.clone().unwrap_or_else(|| format!("assign → {target}")),
                    session: session.clone(),
                    target: target.clone(),
                    fate: AssignFate::Queued,
                });
            }
            Record::Callback {
                id: Some(id),
                ok,
                summary,
                ..
            } => {
                if let Some(a) = self.assign_mut(id) {
                    a.fate = if *ok {
                        AssignFate::Transferred
                    } else {
                        AssignFate::Failed(summary.clone())
                    };
                }
            }
            Record::Assign { .. } | Record::Callback { .. } | Record::Summary { .. } => {}
        }
    }

    fn assign_mut(&mut self, id: &str) -> Option<&mut JournaledAssign> {
        let (conv, i) = self.assigns.get(id)?;
        self.out.get_mut(conv)?.assigns.get_mut(*i)
    }

    /// On the wire from here on. A failed request that is sent again
    /// becomes unknown too until its new outcome is written.
    fn sent(&mut self, id: &str) {
        if let Some((conv, i)) = self.index.get(id)
            && let Some(req) = self.out.get_mut(conv).and_then(|s| s.requests.get_mut(*i))
            && matches!(req.fate, RequestFate::Queued | RequestFate::Failed { .. })
        {
            req.fate = RequestFate::Unknown;
        } else if let Some(a) = self.assign_mut(id)
            && a.fate == AssignFate::Queued
        {
            a.fate = AssignFate::Unknown;
        }
    }

    fn outcome(&mut self, id: &str, ok: bool, status: Option<u16>, message: &str, at_ms: i64) {
        if self.assigns.contains_key(id) {
            if let Some(a) = self.assign_mut(id)
                && matches!(a.fate, AssignFate::Queued | AssignFate::Unknown)
            {
                a.fate = if ok {
                    AssignFate::Accepted
                } else {
                    AssignFate::Rejected(message.to_string())
                };
            }
            return;
        }
        let Some((conv, i)) = self.index.get(id) else {
            return;
        };
        let Some(st) = self.out.get_mut(conv) else {
            return;
        };
        st.last_ms = st.last_ms.max(at_ms);
        let Some(req) = st.requests.get_mut(*i) else {
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
            let event = req.event.clone();
            if let Err(e) = st.roster.apply(&event, at_ms) {
                tracing::warn!(conversation = %conv, error = %e, "journal event does not apply");
            }
        }
    }

    /// Each conversation's unknown and queued requests, listed.
    fn finish(mut self) -> BTreeMap<String, ConversationState> {
        for st in self.out.values_mut() {
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
        self.out
    }
}
