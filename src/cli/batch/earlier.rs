//! What an earlier run of the same batch did: each line's key across runs,
//! the ids of its events, and what the journal shows of them (delivered,
//! partly, not at all), so a re-run never sends a delivered event again.

use super::*;

/// The key that names a line across runs: the batch id, what it asks, and
/// how many identical asks of its conversation came before it.
pub(super) fn line_key(batch_id: &str, canonical: &str, nth: usize) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(batch_id.as_bytes());
    h.update([0x1e]);
    h.update(canonical.as_bytes());
    h.update([0x1e]);
    h.update(nth.to_le_bytes());
    hex::encode(&h.finalize()[..8])
}

/// The request id of event `i` (from 1) of `n` of the line keyed `key`.
pub(super) fn event_id(key: &str, i: usize, n: usize) -> String {
    format!("b-{key}-{i}of{n}-{}", &crate::kore::jwt::random_id()[..6])
}

/// `(i, n)` of a batch request id with this key, or None.
pub(super) fn event_index(id: &str, key: &str) -> Option<(usize, usize)> {
    let rest = id
        .strip_prefix("b-")?
        .strip_prefix(key)?
        .strip_prefix('-')?;
    let (i, rest) = rest.split_once("of")?;
    let (n, _) = rest.split_once('-')?;
    Some((i.parse().ok()?, n.parse().ok()?))
}

/// What an earlier run did with a line.
#[derive(Debug, PartialEq)]
pub(super) enum Earlier {
    /// Nothing delivered: plan and send it.
    Fresh,
    /// Every event delivered: these request ids.
    Done(Vec<String>),
    /// Some events delivered, not all.
    Partly { delivered: usize, of: usize },
}

/// What an earlier run did with the line keyed `key`, from the ids of the
/// conversation's delivered requests (as the journal opened brief keeps
/// them).
pub(super) fn earlier_hooks(delivered: &[Box<str>], key: &str) -> Earlier {
    let mut of = 0;
    let mut done: BTreeMap<usize, &str> = BTreeMap::new();
    for id in delivered {
        let Some((i, n)) = event_index(id, key) else {
            continue;
        };
        of = n;
        done.entry(i).or_insert(id);
    }
    if done.is_empty() {
        Earlier::Fresh
    } else if done.len() >= of {
        // In the order of the line's events.
        Earlier::Done(done.into_values().map(str::to_string).collect())
    } else {
        Earlier::Partly {
            delivered: done.len(),
            of,
        }
    }
}

/// What the journal says of an earlier batch's assign.
#[derive(Debug, Default, Clone)]
pub(super) struct AssignSeen {
    pub(super) id: String,
    pub(super) sent: bool,
    pub(super) outcome: Option<bool>,
    pub(super) callback: Option<bool>,
}

/// Assigns of earlier batches, by line key.
pub(super) fn earlier_assigns(records: &[Record]) -> HashMap<String, Vec<AssignSeen>> {
    let mut by_id: BTreeMap<String, AssignSeen> = BTreeMap::new();
    for r in records {
        match r {
            Record::Assign { id, .. } if id.starts_with("b-") => {
                by_id.entry(id.clone()).or_insert_with(|| AssignSeen {
                    id: id.clone(),
                    ..Default::default()
                });
            }
            Record::Sent { id, .. } => {
                if let Some(a) = by_id.get_mut(id) {
                    a.sent = true;
                }
            }
            Record::Outcome { id, ok, .. } => {
                if let Some(a) = by_id.get_mut(id) {
                    a.outcome = Some(*ok);
                }
            }
            Record::Callback {
                id: Some(id), ok, ..
            } => {
                if let Some(a) = by_id.get_mut(id) {
                    a.callback = Some(*ok);
                }
            }
            _ => {}
        }
    }
    let mut out: HashMap<String, Vec<AssignSeen>> = HashMap::new();
    for (id, seen) in by_id {
        if let Some(key) = id.strip_prefix("b-").and_then(|r| r.split('-').next()) {
            out.entry(key.to_string()).or_default().push(seen);
        }
    }
    out
}

/// What becomes of a send line.
pub(super) enum Decision {
    Refused(Refused),
    /// An earlier run delivered all of it: these request ids.
    Done(Vec<String>),
    Send(Vec<Event>),
}

/// The send rules in `send`'s order (requests still open, a journal hold),
/// then what an earlier run of the batch did with the line, then the
/// transfer rules on the roster.
pub(super) fn decide(
    id: &str,
    action: &Action,
    lane: &Lane,
    key: &str,
    holds: &BTreeMap<String, String>,
    config: &Config,
) -> Decision {
    let state = &lane.state;
    if let Err(r) = refuse_open(id, action, state, holds) {
        return Decision::Refused(r);
    }
    match earlier_hooks(&lane.delivered, key) {
        Earlier::Fresh => {}
        Earlier::Done(ids) => return Decision::Done(ids),
        Earlier::Partly { delivered, of } => {
            let reason = format!(
                "a run of this batch delivered {delivered} of its {of} events before; \
                 the rest was not sent. Finish it in the console or with `switchboard send`"
            );
            return Decision::Refused(Refused {
                line: json!({"conversation": id, "action": action.describe_in(&state.roster),
                    "refused": true, "code": "partly_sent", "reason": reason}),
                message: format!("refused: {reason}"),
            });
        }
    }
    match plan_send(id, action, state, holds, config) {
        Ok(events) => Decision::Send(events),
        Err(r) => Decision::Refused(r),
    }
}
