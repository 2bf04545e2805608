//! The simulator's own bookkeeping of who is in each conversation, and the
//! order rules it enforces on hooks events.
//!
//! These rules are written independently of the client's `domain` module on
//! purpose: the simulator exists to catch the client's mistakes, so it must not
//! share the client's idea of what is allowed.
//!
//! The rules, as read from Kore's two hooks pages:
//! - `NA` entry: only the very first agent of the conversation.
//! - `NA` exit: only the last agent present.
//! - `COLD` exit: only the single agent present (exit-first order), or the
//!   outgoing agent after its replacement already entered (entry-first order).
//! - `COLD` entry: when nobody is present right after a `COLD` exit, or when
//!   exactly one agent is present (entry-first order); never for someone present.
//! - `WARM` entry: someone is present and the agent is not.
//! - `WARM` exit: the agent is present and at least one other agent stays.
//! - `redial` entry: nobody is present (after an `NA` exit, or a callback with no
//!   earlier conversation, but not after the summary), or the sole agent
//!   present reconnects.
//! - `TRIGGER_SUMMARY_EVENT`: once, after the last agent left with `NA` exit.
//! - `END_OF_CONVERSATION`: once, after the last agent left with `NA` exit (a
//!   conversation begins with `NA` entry and ends with `NA` exit at minimum);
//!   nothing may follow it.

use crate::kore::wire::{HookEvent, TransferEvent, TransferType, Transition};
use serde::{Deserialize, Serialize};

/// The simulator's view of one conversation's participants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimRoster {
    /// Participant identities present now, in order of entry.
    pub present: Vec<String>,
    /// The agent who owns the conversation (the others are consultants).
    pub primary: Option<String>,
    /// `END_OF_CONVERSATION` was accepted.
    pub ended: bool,
    /// Some agent has entered at some point.
    pub ever_entered: bool,
    /// The most recent departure emptied the roster with an `NA` exit.
    pub left_by_na: bool,
    /// A `COLD` exit emptied the roster and its `COLD` entry has not come yet.
    pub cold_gap: bool,
    /// An agent who entered with `COLD` while the outgoing agent is still present.
    pub cold_incoming: Option<String>,
    /// `TRIGGER_SUMMARY_EVENT` was accepted.
    pub summary_triggered: bool,
    /// Every accepted event, in order, as a short line (`COLD entry a-1`).
    pub history: Vec<String>,
}

/// A short description of an event for reasons and history lines.
pub fn describe(ev: &HookEvent) -> String {
    match ev {
        HookEvent::InternalTransfer(t) => format!(
            "{} {} of {:?}",
            t.transfertype, t.transition, t.participant.identity
        ),
        other => other.name().to_string(),
    }
}

impl SimRoster {
    /// Checks `events` in order against a copy of this roster. Returns the roster
    /// after all of them, or the reason the first bad event was refused. `self`
    /// is never changed, so a refused request leaves no trace.
    pub fn check_all(&self, events: &[HookEvent]) -> Result<SimRoster, String> {
        let mut next = self.clone();
        for (i, ev) in events.iter().enumerate() {
            next.apply(ev)
                .map_err(|why| format!("event {} ({}) refused: {}", i + 1, describe(ev), why))?;
        }
        Ok(next)
    }

    /// Applies one event, or says why it is out of order. On error the roster
    /// may be partly changed; use [`SimRoster::check_all`] for atomic checks.
    pub fn apply(&mut self, ev: &HookEvent) -> Result<(), String> {
        if self.ended {
            return Err("the conversation already ended with END_OF_CONVERSATION".into());
        }
        match ev {
            HookEvent::InternalTransfer(t) => self.apply_transfer(t)?,
            HookEvent::TriggerSummary(_) => {
                if !self.present.is_empty() {
                    return Err(format!(
                        "agents are still present ({}); the summary comes after the last agent's NA exit",
                        self.present.join(", ")
                    ));
                }
                if self.summary_triggered {
                    return Err("a summary was already triggered for this conversation".into());
                }
                if !self.left_by_na {
                    return Err(
                        "no agent has left with NA exit; the summary comes after the last agent's NA exit"
                            .into(),
                    );
                }
                self.summary_triggered = true;
                self.history.push(ev.name().to_string());
            }
            HookEvent::EndOfConversation(_) => {
                if !self.present.is_empty() {
                    return Err(format!(
                        "agents are still present ({}); the last agent must leave with NA exit first",
                        self.present.join(", ")
                    ));
                }
                if self.cold_gap {
                    return Err(
                        "a COLD exit is waiting for its COLD entry; the last agent must leave with NA exit first"
                            .into(),
                    );
                }
                if !self.left_by_na {
                    return Err(
                        "no agent has left with NA exit; every conversation ends with the last agent's NA exit, then END_OF_CONVERSATION"
                            .into(),
                    );
                }
                self.ended = true;
                self.history.push(ev.name().to_string());
            }
            HookEvent::Other(_) => {
                return Err(format!(
                    "unknown event name {:?}; expected INTERNAL_TRANSFER_EVENT, TRIGGER_SUMMARY_EVENT or END_OF_CONVERSATION",
                    ev.name()
                ));
            }
        }
        Ok(())
    }

    /// Makes the agents present those the world says entered (by Kore's
    /// own routing, an assign taken up, or an agent desktop): an agent
    /// entered elsewhere is present here too, and one who left elsewhere is
    /// not. When everyone left elsewhere, the next agent starts a new leg
    /// with `NA` entry.
    pub fn follow(&mut self, entered: &[String]) {
        if self.ended {
            return;
        }
        let before = self.present.len();
        self.present.retain(|p| entered.contains(p));
        if self
            .primary
            .as_ref()
            .is_some_and(|p| !self.present.contains(p))
        {
            self.primary = self.present.first().cloned();
        }
        if before > 0 && self.present.is_empty() {
            self.ever_entered = false;
            self.left_by_na = false;
            self.cold_gap = false;
            self.cold_incoming = None;
        }
        for who in entered {
            if !self.is_present(who) {
                self.enter(who);
                if self.primary.is_none() {
                    self.primary = Some(who.clone());
                }
            }
        }
    }

    fn is_present(&self, who: &str) -> bool {
        self.present.iter().any(|p| p == who)
    }

    fn remove(&mut self, who: &str) {
        self.present.retain(|p| p != who);
    }

    fn enter(&mut self, who: &str) {
        self.present.push(who.to_string());
        self.ever_entered = true;
        self.left_by_na = false;
        self.cold_gap = false;
    }

    fn apply_transfer(&mut self, t: &TransferEvent) -> Result<(), String> {
        let who = t.participant.identity.trim();
        if who.is_empty() {
            return Err("participant.identity is empty".into());
        }
        if t.experience.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return Err("experience is missing (chat or voice)".into());
        }
        let here = self.is_present(who);
        let n = self.present.len();
        match (t.transfertype, t.transition) {
            (TransferType::Na, Transition::Entry) => self.na_entry(who, here, n)?,
            (TransferType::Na, Transition::Exit) => self.na_exit(who, here, n)?,
            (TransferType::Cold, Transition::Exit) => self.cold_exit(who, here, n)?,
            (TransferType::Cold, Transition::Entry) => self.cold_entry(who, here, n)?,
            (TransferType::Warm, Transition::Entry) => self.warm_entry(who, here, n)?,
            (TransferType::Warm, Transition::Exit) => self.warm_exit(who, here, n)?,
            (TransferType::Redial, Transition::Entry) => self.redial_entry(who, here, n)?,
            (TransferType::Redial, Transition::Exit) => {
                return Err(
                    "redial is only used with entry; an agent leaves with NA, COLD or WARM exit"
                        .into(),
                );
            }
        }
        self.history
            .push(format!("{} {} {}", t.transfertype, t.transition, who));
        Ok(())
    }

    /// `NA` entry: the first agent enters, once.
    fn na_entry(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if here {
            return Err(format!("{who:?} is already present"));
        }
        if n > 0 {
            return Err(format!(
                "{} already present; NA entry is only for the first agent (use COLD or WARM entry)",
                self.present.join(", ")
            ));
        }
        if self.ever_entered {
            return Err(
                "an agent already entered earlier; NA entry is only for the first agent (use redial to re-enter)"
                    .into(),
            );
        }
        self.enter(who);
        self.primary = Some(who.to_string());
        Ok(())
    }

    /// `NA` exit: the last agent leaves.
    fn na_exit(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if !here {
            return Err(format!("{who:?} is not a participant (not present)"));
        }
        if n > 1 {
            return Err(format!(
                "other agents are still present ({}); NA exit is only for the last agent (use WARM exit)",
                self.others(who)
            ));
        }
        self.remove(who);
        self.primary = None;
        self.cold_incoming = None;
        self.left_by_na = true;
        Ok(())
    }

    /// `COLD` exit: the single agent (or the one being replaced) hands over.
    fn cold_exit(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if !here {
            return Err(format!("{who:?} is not a participant (not present)"));
        }
        let replaced = n == 2 && self.cold_incoming.as_deref().is_some_and(|c| c != who);
        if n != 1 && !replaced {
            return Err(format!(
                "COLD exit is only for the single active agent, but {n} agents are present ({})",
                self.present.join(", ")
            ));
        }
        self.remove(who);
        if self.present.is_empty() {
            self.cold_gap = true;
            self.primary = None;
        } else {
            self.primary = self.cold_incoming.take();
        }
        Ok(())
    }

    /// `COLD` entry: right after a `COLD` exit, or before it (entry first).
    fn cold_entry(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if here {
            return Err(format!("{who:?} is already present"));
        }
        if n == 0 {
            if !self.cold_gap {
                return Err(if self.ever_entered {
                    "nobody is present and no COLD exit came just before; COLD entry replaces an agent who left with COLD exit".into()
                } else {
                    "no agent has entered yet; the first agent enters with NA entry".into()
                });
            }
            self.enter(who);
            self.primary = Some(who.to_string());
        } else if n == 1 && self.cold_incoming.is_none() {
            // Entry-first order: the outgoing agent stays primary until
            // their COLD exit.
            self.enter(who);
            self.cold_incoming = Some(who.to_string());
        } else {
            return Err(format!(
                "COLD entry needs exactly one agent present (or none right after a COLD exit), but {n} are present ({})",
                self.present.join(", ")
            ));
        }
        Ok(())
    }

    /// `WARM` entry: a consultant joins someone present.
    fn warm_entry(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if here {
            return Err(format!("{who:?} is already present"));
        }
        if n == 0 {
            return Err(
                "nobody is present to consult with; a WARM entry needs an agent in the conversation"
                    .into(),
            );
        }
        self.enter(who);
        Ok(())
    }

    /// `WARM` exit: anyone but the last agent leaves.
    fn warm_exit(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if !here {
            return Err(format!("{who:?} is not a participant (not present)"));
        }
        if n == 1 {
            return Err(format!(
                "{who:?} is the last agent present; the last agent leaves with NA exit"
            ));
        }
        self.remove(who);
        if self.cold_incoming.as_deref() == Some(who) {
            self.cold_incoming = None;
        }
        if self.present.len() == 1 && self.cold_incoming.is_some() {
            // The outgoing agent of an entry-first cold transfer left.
            self.primary = self.cold_incoming.take();
        } else if self.primary.as_deref() == Some(who) {
            self.primary = self.present.first().cloned();
        }
        Ok(())
    }

    /// `redial` entry: re-entry when nobody is present, or the sole agent
    /// reconnecting.
    fn redial_entry(&mut self, who: &str, here: bool, n: usize) -> Result<(), String> {
        if n == 0 {
            if self.summary_triggered {
                return Err(
                    "the summary was already triggered; only END_OF_CONVERSATION may follow it"
                        .into(),
                );
            }
            if self.cold_gap {
                return Err(
                    "a COLD exit is waiting for its COLD entry; redial is for a dropped conversation"
                        .into(),
                );
            }
            self.enter(who);
            self.primary = Some(who.to_string());
        } else if n == 1 && here {
            // The same agent reconnects: the roster does not change.
        } else {
            return Err(format!(
                "redial entry is for the sole agent reconnecting or for re-entry when nobody is present, but {} present",
                self.present.join(", ")
            ));
        }
        Ok(())
    }

    fn others(&self, who: &str) -> String {
        self.present
            .iter()
            .filter(|p| p.as_str() != who)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kore::wire::{EndEvent, Participant, SummaryData, SummaryEvent};

    fn tr(tt: TransferType, tn: Transition, who: &str) -> HookEvent {
        HookEvent::InternalTransfer(TransferEvent {
            transfertype: tt,
            transition: tn,
            is_ext_ad: Some(true),
            language: Some("en".into()),
            experience: Some("chat".into()),
            reason: None,
            participant: Participant {
                identity: who.into(),
                name: who.into(),
                kind: "agent".into(),
                custom_fields: None,
            },
        })
    }

    fn summary() -> HookEvent {
        HookEvent::TriggerSummary(SummaryEvent {
            data: SummaryData {
                language: "English".into(),
                locale: "en".into(),
                kind: "post".into(),
            },
        })
    }

    fn end() -> HookEvent {
        HookEvent::EndOfConversation(EndEvent {
            reason: Some("agent_initiated".into()),
            language: Some("en".into()),
            experience: Some("chat".into()),
            participant: None,
        })
    }

    use TransferType::{Cold, Na, Redial, Warm};
    use Transition::{Entry, Exit};

    /// Parses a compact step such as `NA+ a1`, `COLD- a1`, `SUM`, `END`.
    fn ev(step: &str) -> HookEvent {
        let mut parts = step.split_whitespace();
        let head = parts.next().unwrap();
        let who = parts.next().unwrap_or("");
        match head {
            "SUM" => summary(),
            "END" => end(),
            _ => {
                let (kind, sign) = head.split_at(head.len() - 1);
                let tn = if sign == "+" { Entry } else { Exit };
                let tt = match kind {
                    "NA" => Na,
                    "COLD" => Cold,
                    "WARM" => Warm,
                    "REDIAL" => Redial,
                    other => panic!("bad step {other}"),
                };
                tr(tt, tn, who)
            }
        }
    }

    fn run(steps: &[&str]) -> Result<SimRoster, String> {
        let events: Vec<HookEvent> = steps.iter().map(|s| ev(s)).collect();
        SimRoster::default().check_all(&events)
    }

    /// Sequences that must be accepted, with the expected final presence and primary.
    #[test]
    fn accepted_sequences() {
        let table: &[(&[&str], &[&str], Option<&str>)] = &[
            (&["NA+ a1"], &["a1"], Some("a1")),
            // The documented cold flow (exit first).
            (
                &[
                    "NA+ a1", "COLD- a1", "COLD+ a2", "COLD- a2", "COLD+ a3", "NA- a3", "SUM",
                    "END",
                ],
                &[],
                None,
            ),
            // Entry-first cold order.
            (&["NA+ a1", "COLD+ a2", "COLD- a1"], &["a2"], Some("a2")),
            (
                &["NA+ a1", "COLD+ a2", "COLD- a1", "COLD+ a3", "COLD- a2"],
                &["a3"],
                Some("a3"),
            ),
            // The documented warm flow.
            (
                &[
                    "NA+ a1", "WARM+ a2", "WARM+ a3", "WARM- a2", "WARM- a3", "NA- a1", "END",
                ],
                &[],
                None,
            ),
            // The primary leaves a warm conference; the earliest consultant takes over.
            (
                &["NA+ a1", "WARM+ a2", "WARM+ a3", "WARM- a1"],
                &["a2", "a3"],
                Some("a2"),
            ),
            // Redial after a drop, as in the abrupt-end table.
            (
                &["NA+ a1", "NA- a1", "REDIAL+ a1", "NA- a1", "SUM", "END"],
                &[],
                None,
            ),
            // Redial as a reconnect of the sole agent, as in the redial bullets.
            (&["NA+ a1", "REDIAL+ a1", "NA- a1"], &[], None),
            // A callback with no prior conversation.
            (&["REDIAL+ a9"], &["a9"], Some("a9")),
            // The summary is optional.
            (&["NA+ a1", "NA- a1", "END"], &[], None),
            // A cold transfer back to an agent who left earlier.
            (&["NA+ a1", "COLD- a1", "COLD+ a1"], &["a1"], Some("a1")),
        ];
        for (steps, present, primary) in table {
            let r = run(steps).unwrap_or_else(|e| panic!("{steps:?} refused: {e}"));
            assert_eq!(r.present, *present, "{steps:?}");
            assert_eq!(r.primary.as_deref(), *primary, "{steps:?}");
            assert_eq!(r.history.len(), steps.len(), "{steps:?}");
        }
    }

    /// Sequences whose last step must be refused, with a word the reason must contain.
    #[test]
    fn refused_sequences() {
        let table: &[(&[&str], &str)] = &[
            (
                &["NA+ a1", "NA+ a2"],
                "NA entry is only for the first agent",
            ),
            (&["NA+ a1", "NA+ a1"], "already present"),
            (&["NA+ a1", "NA- a1", "NA+ a1"], "redial"),
            (&["WARM+ a2"], "nobody is present"),
            (&["NA+ a1", "WARM- a1"], "last agent"),
            (&["NA+ a1", "WARM+ a1"], "already present"),
            (&["NA+ a1", "WARM- a2"], "not present"),
            (
                &["NA+ a1", "WARM+ a2", "NA- a1"],
                "other agents are still present",
            ),
            (&["NA- a1"], "not present"),
            (&["COLD+ a1"], "first agent enters with NA entry"),
            (&["NA+ a1", "NA- a1", "COLD+ a2"], "no COLD exit"),
            (&["NA+ a1", "COLD+ a1"], "already present"),
            (&["NA+ a1", "WARM+ a2", "COLD- a1"], "single active agent"),
            (&["NA+ a1", "WARM+ a2", "COLD+ a3"], "exactly one agent"),
            (&["NA+ a1", "COLD+ a2", "COLD+ a3"], "exactly one agent"),
            (
                &["NA+ a1", "COLD- a1", "REDIAL+ a1"],
                "COLD exit is waiting",
            ),
            (&["NA+ a1", "WARM+ a2", "REDIAL+ a3"], "redial entry is for"),
            (&["NA+ a1", "REDIAL- a1"], "only used with entry"),
            (&["NA+ a1", "SUM"], "still present"),
            (&["SUM"], "no agent has left with NA exit"),
            (
                &["NA+ a1", "COLD- a1", "SUM"],
                "no agent has left with NA exit",
            ),
            (&["NA+ a1", "NA- a1", "SUM", "SUM"], "already triggered"),
            (&["NA+ a1", "END"], "still present"),
            // Steps 1 and 3 are the documented minimum before the closure.
            (&["END"], "no agent has left with NA exit"),
            (&["NA+ a1", "COLD- a1", "END"], "COLD exit is waiting"),
            (
                &["NA+ a1", "NA- a1", "SUM", "REDIAL+ a1"],
                "summary was already triggered",
            ),
            (&["NA+ a1", "NA- a1", "END", "END"], "already ended"),
            (&["NA+ a1", "NA- a1", "END", "REDIAL+ a1"], "already ended"),
            (&["NA+ a1", "NA- a1", "END", "SUM"], "already ended"),
        ];
        for (steps, needle) in table {
            let err = run(steps).expect_err(&format!("{steps:?} was accepted"));
            assert!(
                err.contains(needle),
                "{steps:?}: reason {err:?} lacks {needle:?}"
            );
            let idx = format!("event {} ", steps.len());
            assert!(
                err.starts_with(&idx),
                "{steps:?}: {err:?} names the wrong event"
            );
        }
    }

    #[test]
    fn a_refused_request_changes_nothing() {
        let start = run(&["NA+ a1"]).unwrap();
        let events = vec![ev("WARM+ a2"), ev("NA+ a3")];
        let err = start.check_all(&events).unwrap_err();
        assert!(err.starts_with("event 2 (NA entry of \"a3\")"), "{err}");
        assert_eq!(start.present, vec!["a1".to_string()]);
        assert_eq!(start.history.len(), 1);
    }

    #[test]
    fn identity_and_experience_are_required() {
        let mut blank = ev("NA+ x");
        if let HookEvent::InternalTransfer(t) = &mut blank {
            t.participant.identity = "  ".into();
        }
        let err = SimRoster::default().check_all(&[blank]).unwrap_err();
        assert!(err.contains("identity is empty"), "{err}");

        let mut no_exp = ev("NA+ a1");
        if let HookEvent::InternalTransfer(t) = &mut no_exp {
            t.experience = None;
        }
        let err = SimRoster::default().check_all(&[no_exp]).unwrap_err();
        assert!(err.contains("experience is missing"), "{err}");
    }

    #[test]
    fn unknown_event_names_are_refused() {
        let other = HookEvent::Other(serde_json::json!({"name": "AGENT_MESSAGE"}));
        let err = SimRoster::default().check_all(&[other]).unwrap_err();
        assert!(
            err.contains("unknown event name \"AGENT_MESSAGE\""),
            "{err}"
        );
    }

    #[test]
    fn entry_first_cold_keeps_the_outgoing_agent_primary_until_it_leaves() {
        let r = run(&["NA+ a1", "COLD+ a2"]).unwrap();
        assert_eq!(r.primary.as_deref(), Some("a1"));
        assert_eq!(r.cold_incoming.as_deref(), Some("a2"));
        // The incoming agent may not do a COLD exit while the outgoing one is here.
        let err = r.check_all(&[ev("COLD- a2")]).unwrap_err();
        assert!(err.contains("single active agent"), "{err}");
        // If the outgoing agent leaves with WARM exit instead, the newcomer takes over.
        let r2 = r.check_all(&[ev("WARM- a1")]).unwrap();
        assert_eq!(r2.present, vec!["a2".to_string()]);
        assert_eq!(r2.primary.as_deref(), Some("a2"));
        assert_eq!(r2.cold_incoming, None);
    }
}
