//! Rebuilding every conversation from the journal's records: rosters
//! from the delivered events, and each request's and assign's fate.

use super::journal_record::{
    AssignFate, ConversationState, JournaledAssign, JournaledRequest, Record, RequestFate,
};
use std::collections::BTreeMap;

/// Rebuilds every conversation from the journal: rosters from the delivered
/// events, and each request's fate.
pub fn rebuild(records: &[Record]) -> BTreeMap<String, ConversationState> {
    // request id -> (conversation, index in its requests)
    let mut index: BTreeMap<String, (String, usize)> = BTreeMap::new();
    // assign id -> (conversation, index in its assigns)
    let mut assigns: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut out: BTreeMap<String, ConversationState> = BTreeMap::new();
    for r in records {
        match r {
            // A request planned twice is the same request (a duplicated
            // line): the first plan stands.
            Record::Request { id, .. } if index.contains_key(id) => {}
            Record::Assign { id, .. } if assigns.contains_key(id) => {}
            Record::Request {
                id,
                conversation,
                event,
                at_ms,
                experience,
                language,
                action,
            } => {
                let st = out.entry(conversation.clone()).or_default();
                st.last_ms = st.last_ms.max(*at_ms);
                st.experience = Some(experience.clone());
                st.language = Some(language.clone());
                index.insert(id.clone(), (conversation.clone(), st.requests.len()));
                st.requests.push(JournaledRequest {
                    id: id.clone(),
                    at_ms: *at_ms,
                    event: event.clone(),
                    action: action.clone(),
                    fate: RequestFate::Queued,
                });
            }
            Record::Sent { id, .. } => {
                // On the wire from here on. A failed request that is sent
                // again becomes unknown too until its new outcome is written.
                if let Some((conv, i)) = index.get(id)
                    && let Some(req) = out.get_mut(conv).and_then(|s| s.requests.get_mut(*i))
                    && matches!(req.fate, RequestFate::Queued | RequestFate::Failed { .. })
                {
                    req.fate = RequestFate::Unknown;
                } else if let Some((conv, i)) = assigns.get(id)
                    && let Some(a) = out.get_mut(conv).and_then(|s| s.assigns.get_mut(*i))
                    && a.fate == AssignFate::Queued
                {
                    a.fate = AssignFate::Unknown;
                }
            }
            Record::Outcome {
                id,
                ok,
                status,
                message,
                at_ms,
                ..
            } => {
                if let Some((conv, i)) = assigns.get(id) {
                    if let Some(a) = out.get_mut(conv).and_then(|s| s.assigns.get_mut(*i))
                        && matches!(a.fate, AssignFate::Queued | AssignFate::Unknown)
                    {
                        a.fate = if *ok {
                            AssignFate::Accepted
                        } else {
                            AssignFate::Rejected(message.clone())
                        };
                    }
                    continue;
                }
                let Some((conv, i)) = index.get(id) else {
                    continue;
                };
                let Some(st) = out.get_mut(conv) else {
                    continue;
                };
                st.last_ms = st.last_ms.max(*at_ms);
                let Some(req) = st.requests.get_mut(*i) else {
                    continue;
                };
                if *ok {
                    if matches!(req.fate, RequestFate::Delivered { .. }) {
                        // Told twice: applied once.
                        continue;
                    }
                    req.fate = RequestFate::Delivered { status: *status };
                    let event = req.event.clone();
                    if let Err(e) = st.roster.apply(&event, *at_ms) {
                        tracing::warn!(conversation = %conv, error = %e, "journal event does not apply");
                    }
                } else {
                    req.fate = RequestFate::Failed {
                        status: *status,
                        message: message.clone(),
                    };
                }
            }
            Record::Assign {
                id,
                at_ms,
                conversation: Some(conversation),
                text,
                target,
                session,
            } => {
                let st = out.entry(conversation.clone()).or_default();
                st.last_ms = st.last_ms.max(*at_ms);
                assigns.insert(id.clone(), (conversation.clone(), st.assigns.len()));
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
                if let Some((conv, i)) = assigns.get(id)
                    && let Some(a) = out.get_mut(conv).and_then(|s| s.assigns.get_mut(*i))
                {
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
    for st in out.values_mut() {
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
    out
}
