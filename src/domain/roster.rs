//! The roster of one conversation and the event-level rules: which single
//! event may come next, and what it changes.
//!
//! These are the rules a server holding the documented event order would
//! enforce. `plan` (in `plan.rs`) builds on them: it turns a supervisor's
//! action into events and replays them here before anything is sent.
//!
//! The order the rules follow, in brief:
//! - the first agent enters with `NA` entry, and the last agent leaves with
//!   `NA` exit;
//! - a cold transfer is a `COLD` exit of the only agent plus a `COLD` entry of
//!   the next one, in either order, with nobody else present;
//! - consultants come and go with `WARM` entry and `WARM` exit while someone
//!   else stays;
//! - `redial` entry brings an agent back after the last one left (or starts a
//!   callback with no earlier agent), or re-attaches the only agent present
//!   after a dropped call;
//! - after the last `NA` exit: an optional `TRIGGER_SUMMARY_EVENT`, then
//!   `END_OF_CONVERSATION`, then nothing.

use serde::{Deserialize, Serialize};

use super::agent::{AgentRef, Member, Role};
use super::event::{Event, TransferKind, Transition};
use super::refusal::{Refusal, RefusalCode};

/// Where a conversation is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No agent has entered yet.
    Waiting,
    /// At least one agent has entered and the last one has not left (a cold
    /// transfer sent exit-first may leave it briefly empty).
    Active,
    /// The last agent left with `NA` exit.
    Vacated,
    /// `TRIGGER_SUMMARY_EVENT` was sent.
    Summarized,
    /// `END_OF_CONVERSATION` was sent. Nothing may follow.
    Ended,
}

impl Phase {
    /// Upper-case label for the conversation list.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Waiting => "WAITING",
            Phase::Active => "ACTIVE",
            Phase::Vacated => "VACATED",
            Phase::Summarized => "SUMMARIZED",
            Phase::Ended => "ENDED",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A cold transfer of which only the first half has been applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "awaiting", rename_all = "snake_case")]
pub enum Handover {
    /// The outgoing agent left with `COLD` exit (the documented order).
    /// Nobody is present; a `COLD` entry of another agent must come next.
    Entry { from: AgentRef },
    /// The incoming agent joined with `COLD` entry first. Both are present
    /// (the outgoing one still primary); the `COLD` exit of `from` must come
    /// next, and then the incoming agent becomes primary.
    Exit { from: AgentRef },
}

impl Handover {
    /// The agent being replaced.
    pub fn from(&self) -> &AgentRef {
        match self {
            Handover::Entry { from } | Handover::Exit { from } => from,
        }
    }
}

/// Who is in one conversation, and where it is in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    phase: Phase,
    /// Agents present, in order of entry; the primary, when there is one, is
    /// first.
    members: Vec<Member>,
    /// A cold transfer waiting for its second event (boxed, as the next
    /// field: rare, and a roster is in every conversation).
    handover: Option<Box<Handover>>,
    /// The agent whose `NA` exit vacated the conversation, for the
    /// participant of `END_OF_CONVERSATION`.
    last_agent: Option<Box<AgentRef>>,
}

impl Default for Roster {
    fn default() -> Self {
        Roster::new()
    }
}

impl Roster {
    /// A conversation no agent has entered yet.
    pub fn new() -> Self {
        Roster {
            phase: Phase::Waiting,
            members: Vec::new(),
            handover: None,
            last_agent: None,
        }
    }

    /// A roster with these agents present, as another source (Kore's
    /// participants) reports them: the first primary stays primary (the
    /// first member when none is), every other member consults, and the
    /// primary comes first. With nobody present it is vacated when
    /// `last_agent` is known, waiting otherwise.
    pub fn from_members(members: Vec<Member>, last_agent: Option<AgentRef>) -> Roster {
        if members.is_empty() {
            return match last_agent {
                Some(a) => Roster {
                    phase: Phase::Vacated,
                    members,
                    handover: None,
                    last_agent: Some(Box::new(a)),
                },
                None => Roster::new(),
            };
        }
        let lead = members.iter().position(|m| m.is_primary()).unwrap_or(0);
        let mut ordered = Vec::with_capacity(members.len());
        let mut rest = Vec::with_capacity(members.len());
        for (i, mut m) in members.into_iter().enumerate() {
            if i == lead {
                m.role = Role::Primary;
                ordered.push(m);
            } else {
                m.role = Role::Consultant;
                rest.push(m);
            }
        }
        ordered.extend(rest);
        Roster {
            phase: Phase::Active,
            members: ordered,
            handover: None,
            last_agent: None,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Agents present, primary first, then consultants in order of entry.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn primary(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.role == Role::Primary)
    }

    pub fn consultants(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.role == Role::Consultant)
    }

    /// Whether the agent with this id is present now.
    pub fn contains(&self, agent_id: &str) -> bool {
        self.member(agent_id).is_some()
    }

    pub fn member(&self, agent_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.agent.id == agent_id)
    }

    /// A cold transfer of which only the first event has been applied.
    pub fn handover(&self) -> Option<&Handover> {
        self.handover.as_deref()
    }

    /// The agent who left last with `NA` exit, once the conversation has
    /// been vacated.
    pub fn last_agent(&self) -> Option<&AgentRef> {
        self.last_agent.as_deref()
    }

    /// Is this single event allowed now?
    pub fn check(&self, ev: &Event) -> Result<(), Refusal> {
        self.next(ev, 0).map(drop)
    }

    /// Checks the event and, when it is allowed, changes the roster.
    /// A refused event changes nothing.
    pub fn apply(&mut self, ev: &Event, at_ms: i64) -> Result<(), Refusal> {
        *self = self.next(ev, at_ms)?;
        // A roster is kept in every conversation, and holds an agent or two.
        self.members.shrink_to_fit();
        Ok(())
    }

    /// Applies the events in order, all or nothing. On refusal the roster is
    /// left as it was and the error says which event (by position) failed.
    pub fn apply_all(&mut self, events: &[Event], at_ms: i64) -> Result<(), (usize, Refusal)> {
        let mut scratch = self.clone();
        for (i, ev) in events.iter().enumerate() {
            scratch.apply(ev, at_ms).map_err(|r| (i, r))?;
        }
        *self = scratch;
        Ok(())
    }

    /// Whether the roster's invariants hold. Every roster reachable through
    /// `apply` is consistent; a roster read back from storage might not be.
    pub fn is_consistent(&self) -> bool {
        // No agent twice.
        for (i, m) in self.members.iter().enumerate() {
            if self.members[i + 1..]
                .iter()
                .any(|o| o.agent.id == m.agent.id)
            {
                return false;
            }
        }
        let primaries = self.members.iter().filter(|m| m.is_primary()).count();
        // The primary, when there is one, comes first; everyone else consults.
        let shape_ok = match self.members.first() {
            None => primaries == 0,
            Some(first) => first.is_primary() && primaries == 1,
        };
        if !shape_ok {
            return false;
        }
        match self.phase {
            Phase::Waiting => {
                self.members.is_empty() && self.handover.is_none() && self.last_agent.is_none()
            }
            Phase::Active => match self.handover.as_deref() {
                None => !self.members.is_empty(),
                Some(Handover::Entry { .. }) => self.members.is_empty(),
                Some(Handover::Exit { from }) => {
                    self.members.len() == 2 && self.members[0].agent.same_agent(from)
                }
            },
            Phase::Vacated | Phase::Summarized | Phase::Ended => {
                self.members.is_empty() && self.handover.is_none() && self.last_agent.is_some()
            }
        }
    }

    // -----------------------------------------------------------------------
    // The rules
    // -----------------------------------------------------------------------

    /// The roster after `ev`, or why `ev` is not allowed now.
    fn next(&self, ev: &Event, at_ms: i64) -> Result<Roster, Refusal> {
        if self.phase == Phase::Ended {
            return Err(Refusal::new(
                RefusalCode::ConversationEnded,
                format!(
                    "Cannot send {ev}: the conversation has ended (END_OF_CONVERSATION was sent). \
                     Nothing more can be sent for it."
                ),
            ));
        }
        match ev {
            Event::Transfer {
                kind,
                transition,
                agent,
            } => self.next_transfer(ev, *kind, *transition, agent, at_ms),
            Event::TriggerSummary => self.next_summary(ev),
            Event::EndOfConversation { .. } => self.next_end(ev),
        }
    }

    fn next_transfer(
        &self,
        ev: &Event,
        kind: TransferKind,
        transition: Transition,
        agent: &AgentRef,
        at_ms: i64,
    ) -> Result<Roster, Refusal> {
        if self.phase == Phase::Summarized {
            return Err(Refusal::new(
                RefusalCode::NotAllowedAfterSummary,
                format!(
                    "Cannot send {ev}: the summary has already been triggered, so agents can no \
                     longer join or leave. Only END_OF_CONVERSATION may follow."
                ),
            ));
        }
        if let Some(handover) = &self.handover {
            return self.next_in_handover(ev, handover, kind, transition, agent, at_ms);
        }
        match (kind, transition) {
            (TransferKind::Na, Transition::Entry) => self.na_entry(ev, agent, at_ms),
            (TransferKind::Na, Transition::Exit) => self.na_exit(ev, agent),
            (TransferKind::Cold, Transition::Entry) => self.cold_entry(ev, agent, at_ms),
            (TransferKind::Cold, Transition::Exit) => self.cold_exit(ev, agent),
            (TransferKind::Warm, Transition::Entry) => self.warm_entry(ev, agent, at_ms),
            (TransferKind::Warm, Transition::Exit) => self.warm_exit(ev, agent),
            (TransferKind::Redial, Transition::Entry) => self.redial_entry(ev, agent, at_ms),
            (TransferKind::Redial, Transition::Exit) => Err(Refusal::new(
                RefusalCode::Undocumented,
                format!(
                    "Cannot send {ev}: a redial only has an entry. {} leaves with NA exit when \
                     they are the last agent, or WARM exit otherwise.",
                    agent.label()
                ),
            )),
        }
    }

    /// Only the event that completes a half-done cold transfer is allowed.
    fn next_in_handover(
        &self,
        ev: &Event,
        handover: &Handover,
        kind: TransferKind,
        transition: Transition,
        agent: &AgentRef,
        at_ms: i64,
    ) -> Result<Roster, Refusal> {
        match handover {
            Handover::Entry { from } => {
                if (kind, transition) != (TransferKind::Cold, Transition::Entry) {
                    return Err(in_progress(ev, handover));
                }
                if agent.same_agent(from) {
                    return Err(Refusal::new(
                        RefusalCode::SameAgent,
                        format!(
                            "Cannot send {ev}: {} has just left with COLD exit; the cold transfer \
                             must hand the conversation to a different agent.",
                            from.label()
                        ),
                    ));
                }
                let mut next = self.clone();
                next.handover = None;
                next.members.push(Member {
                    agent: agent.clone(),
                    role: Role::Primary,
                    since_ms: at_ms,
                });
                Ok(next)
            }
            Handover::Exit { from } => {
                if (kind, transition) != (TransferKind::Cold, Transition::Exit)
                    || !agent.same_agent(from)
                {
                    return Err(in_progress(ev, handover));
                }
                let mut next = self.clone();
                next.handover = None;
                next.members.retain(|m| !m.agent.same_agent(from));
                if let Some(first) = next.members.first_mut() {
                    first.role = Role::Primary;
                }
                Ok(next)
            }
        }
    }

    fn na_entry(&self, ev: &Event, agent: &AgentRef, at_ms: i64) -> Result<Roster, Refusal> {
        match self.phase {
            Phase::Waiting => {
                let mut next = self.clone();
                next.phase = Phase::Active;
                next.members.push(Member {
                    agent: agent.clone(),
                    role: Role::Primary,
                    since_ms: at_ms,
                });
                Ok(next)
            }
            Phase::Vacated => Err(use_redial(ev, self.last_agent.as_deref())),
            _ => Err(Refusal::new(
                RefusalCode::AlreadyEntered,
                format!(
                    "Cannot send {ev}: the first agent{} has already entered, and NA entry is sent \
                     only once. Add {} with a warm transfer, or hand over with a cold transfer.",
                    self.primary()
                        .map(|m| format!(" ({})", m.agent.label()))
                        .unwrap_or_default(),
                    agent.label()
                ),
            )),
        }
    }

    fn na_exit(&self, ev: &Event, agent: &AgentRef) -> Result<Roster, Refusal> {
        let member = self.require_present(ev, agent)?;
        if self.members.len() > 1 {
            return Err(Refusal::new(
                RefusalCode::NotLastAgent,
                format!(
                    "Cannot send {ev}: NA exit is only for the last agent, and {} {} still in the \
                     conversation. Remove them first (WARM exit), or end the conversation.",
                    self.others_label(&agent.id),
                    if self.members.len() > 2 { "are" } else { "is" }
                ),
            ));
        }
        let mut next = self.clone();
        next.phase = Phase::Vacated;
        next.last_agent = Some(Box::new(member.agent.clone()));
        next.members.clear();
        Ok(next)
    }

    fn cold_entry(&self, ev: &Event, agent: &AgentRef, at_ms: i64) -> Result<Roster, Refusal> {
        self.require_started(ev)?;
        if self.contains(&agent.id) {
            return Err(already_present(ev, agent));
        }
        match self.members.as_slice() {
            [only] => {
                // Entry-first order: the outgoing agent stays primary until
                // its COLD exit lands.
                let mut next = self.clone();
                next.handover = Some(Box::new(Handover::Exit {
                    from: only.agent.clone(),
                }));
                next.members.push(Member {
                    agent: agent.clone(),
                    role: Role::Consultant,
                    since_ms: at_ms,
                });
                Ok(next)
            }
            _ => Err(cold_with_consultants(ev, self)),
        }
    }

    fn cold_exit(&self, ev: &Event, agent: &AgentRef) -> Result<Roster, Refusal> {
        let member = self.require_present(ev, agent)?;
        if self.members.len() > 1 {
            return Err(cold_with_consultants(ev, self));
        }
        let mut next = self.clone();
        next.handover = Some(Box::new(Handover::Entry {
            from: member.agent.clone(),
        }));
        next.members.clear();
        Ok(next)
    }

    fn warm_entry(&self, ev: &Event, agent: &AgentRef, at_ms: i64) -> Result<Roster, Refusal> {
        self.require_started(ev)?;
        if self.contains(&agent.id) {
            return Err(already_present(ev, agent));
        }
        let mut next = self.clone();
        next.members.push(Member {
            agent: agent.clone(),
            role: Role::Consultant,
            since_ms: at_ms,
        });
        Ok(next)
    }

    fn warm_exit(&self, ev: &Event, agent: &AgentRef) -> Result<Roster, Refusal> {
        self.require_present(ev, agent)?;
        if self.members.len() == 1 {
            return Err(Refusal::new(
                RefusalCode::LastAgent,
                format!(
                    "Cannot send {ev}: {} is the only agent left, and the last agent leaves with \
                     NA exit. Send NA exit for them instead, or end the conversation.",
                    agent.label()
                ),
            ));
        }
        let mut next = self.clone();
        next.members.retain(|m| !m.agent.same_agent(agent));
        // When the primary leaves, the consultant who came first takes over.
        if let Some(first) = next.members.first_mut() {
            first.role = Role::Primary;
        }
        Ok(next)
    }

    fn redial_entry(&self, ev: &Event, agent: &AgentRef, at_ms: i64) -> Result<Roster, Refusal> {
        match self.phase {
            // A callback with no earlier agent, or a return after the last
            // agent left: the redialling agent takes the conversation.
            Phase::Waiting | Phase::Vacated => {
                let mut next = self.clone();
                next.phase = Phase::Active;
                next.members.push(Member {
                    agent: agent.clone(),
                    role: Role::Primary,
                    since_ms: at_ms,
                });
                Ok(next)
            }
            _ => match self.members.as_slice() {
                // A dropped call re-attached: same agent, same segment.
                [only] if only.agent.same_agent(agent) => Ok(self.clone()),
                members if members.iter().any(|m| m.agent.same_agent(agent)) => Err(Refusal::new(
                    RefusalCode::RedialNotAlone,
                    format!(
                        "Cannot send {ev}: {} shares the conversation with {}; a redial \
                             re-attaches only an agent who is alone in it.",
                        agent.label(),
                        self.others_label(&agent.id)
                    ),
                )),
                _ => Err(Refusal::new(
                    RefusalCode::RedialOtherAgent,
                    format!(
                        "Cannot send {ev}: {} {} in the conversation. Only an agent who is \
                         alone in it can redial; bring {} in with a warm or cold transfer instead.",
                        self.others_label(&agent.id),
                        if self.members.len() > 1 { "are" } else { "is" },
                        agent.label()
                    ),
                )),
            },
        }
    }

    fn next_summary(&self, ev: &Event) -> Result<Roster, Refusal> {
        match self.phase {
            Phase::Vacated => {
                let mut next = self.clone();
                next.phase = Phase::Summarized;
                Ok(next)
            }
            Phase::Summarized => Err(Refusal::new(
                RefusalCode::SummaryAlreadySent,
                "The summary has already been triggered for this conversation; it is sent only \
                 once. Send END_OF_CONVERSATION to close it.",
            )),
            _ => Err(self.still_open(ev)),
        }
    }

    fn next_end(&self, ev: &Event) -> Result<Roster, Refusal> {
        match self.phase {
            Phase::Vacated | Phase::Summarized => {
                let mut next = self.clone();
                next.phase = Phase::Ended;
                Ok(next)
            }
            _ => Err(self.still_open(ev)),
        }
    }

    /// Why a closing event cannot be sent yet (phase Waiting or Active).
    fn still_open(&self, ev: &Event) -> Refusal {
        if self.phase == Phase::Waiting {
            return Refusal::new(
                RefusalCode::NoAgentYet,
                format!(
                    "Cannot send {ev}: no agent has entered this conversation yet. The first \
                     agent must enter (NA entry) and the last must leave (NA exit) before it \
                     can be closed."
                ),
            );
        }
        if let Some(handover) = &self.handover {
            return in_progress(ev, handover);
        }
        Refusal::new(
            RefusalCode::AgentsStillPresent,
            format!(
                "Cannot send {ev}: {} {} still in the conversation; the last agent must leave \
                 with NA exit first. End the conversation to send every exit and the closing \
                 events in order.",
                self.others_label(""),
                if self.members.len() > 1 { "are" } else { "is" }
            ),
        )
    }

    // -----------------------------------------------------------------------
    // Helpers
    // -----------------------------------------------------------------------

    /// Refuses when no agent has ever entered or the conversation is vacated.
    fn require_started(&self, ev: &Event) -> Result<(), Refusal> {
        match self.phase {
            Phase::Waiting => Err(Refusal::new(
                RefusalCode::NoAgentYet,
                format!(
                    "Cannot send {ev}: no agent has entered this conversation yet. The first \
                     agent must enter (NA entry) first."
                ),
            )),
            Phase::Vacated => Err(Refusal::new(
                RefusalCode::NoAgentPresent,
                format!(
                    "Cannot send {ev}: the last agent{} has left and nobody is in the \
                     conversation. Bring an agent back with a redial first.",
                    self.last_agent
                        .as_ref()
                        .map(|a| format!(" ({})", a.label()))
                        .unwrap_or_default()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The member for `agent`, or a refusal saying they are not here.
    fn require_present(&self, ev: &Event, agent: &AgentRef) -> Result<&Member, Refusal> {
        self.member(&agent.id).ok_or_else(|| {
            let who_is_here = if self.members.is_empty() {
                "nobody is in the conversation".to_string()
            } else {
                format!("present: {}", self.others_label(""))
            };
            Refusal::new(
                RefusalCode::NotInRoster,
                format!(
                    "Cannot send {ev}: {} is not in this conversation ({who_is_here}).",
                    agent.label()
                ),
            )
        })
    }

    /// The names of the members other than `except_id`, joined for a message.
    fn others_label(&self, except_id: &str) -> String {
        let names: Vec<&str> = self
            .members
            .iter()
            .filter(|m| m.agent.id != except_id)
            .map(|m| m.agent.label())
            .collect();
        join_names(&names)
    }
}

/// "A", "A and B", "A, B and C".
pub(crate) fn join_names(names: &[&str]) -> String {
    match names {
        [] => "nobody".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn in_progress(ev: &Event, handover: &Handover) -> Refusal {
    let waiting_for = match handover {
        Handover::Entry { from } => format!(
            "{} has left with COLD exit and the COLD entry of the receiving agent must come next",
            from.label()
        ),
        Handover::Exit { from } => format!(
            "the receiving agent has entered with COLD entry and the COLD exit of {} must come next",
            from.label()
        ),
    };
    Refusal::new(
        RefusalCode::TransferInProgress,
        format!("Cannot send {ev}: a cold transfer is half done: {waiting_for}."),
    )
}

fn use_redial(ev: &Event, last: Option<&AgentRef>) -> Refusal {
    Refusal::new(
        RefusalCode::UseRedial,
        format!(
            "Cannot send {ev}: the last agent{} has already left, and a first entry (NA entry) \
             happens only once. Use a redial to bring an agent back into the conversation.",
            last.map(|a| format!(" ({})", a.label()))
                .unwrap_or_default()
        ),
    )
}

fn already_present(ev: &Event, agent: &AgentRef) -> Refusal {
    Refusal::new(
        RefusalCode::AlreadyPresent,
        format!(
            "Cannot send {ev}: {} is already in the conversation.",
            agent.label()
        ),
    )
}

fn cold_with_consultants(ev: &Event, roster: &Roster) -> Refusal {
    let consultants: Vec<&str> = roster.consultants().map(|m| m.agent.label()).collect();
    Refusal::new(
        RefusalCode::ColdWithConsultants,
        format!(
            "Cannot send {ev}: a cold transfer has only one agent at a time, and {} {} \
             consulting. Remove the consultants first, or use a warm transfer.",
            join_names(&consultants),
            if consultants.len() > 1 { "are" } else { "is" }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(id: &str) -> AgentRef {
        AgentRef::new(id, format!("Agent {id}"))
    }

    #[test]
    fn new_roster_is_waiting_and_consistent() {
        let r = Roster::new();
        assert_eq!(r.phase(), Phase::Waiting);
        assert!(r.members().is_empty());
        assert!(r.is_consistent());
    }

    #[test]
    fn check_agrees_with_apply_and_does_not_mutate() {
        let mut r = Roster::new();
        let ev = Event::na_entry(a("1"));
        assert!(r.check(&ev).is_ok());
        assert_eq!(r.phase(), Phase::Waiting);
        r.apply(&ev, 5).unwrap();
        assert_eq!(r.primary().unwrap().since_ms, 5);
        assert_eq!(r.check(&ev).unwrap_err().code, RefusalCode::AlreadyEntered);
    }

    #[test]
    fn apply_all_is_all_or_nothing() {
        let mut r = Roster::new();
        let before = r.clone();
        let err = r
            .apply_all(&[Event::na_entry(a("1")), Event::na_entry(a("2"))], 0)
            .unwrap_err();
        assert_eq!(err.0, 1);
        assert_eq!(err.1.code, RefusalCode::AlreadyEntered);
        assert_eq!(r, before);
    }

    #[test]
    fn inconsistent_rosters_are_detected() {
        let mut r = Roster::new();
        r.apply(&Event::na_entry(a("1")), 0).unwrap();
        let mut twice = r.clone();
        twice.members.push(twice.members[0].clone());
        assert!(!twice.is_consistent());
        let mut two_primaries = r.clone();
        two_primaries.members.push(Member {
            agent: a("2"),
            role: Role::Primary,
            since_ms: 0,
        });
        assert!(!two_primaries.is_consistent());
        let mut ended_with_agent = r.clone();
        ended_with_agent.phase = Phase::Ended;
        ended_with_agent.last_agent = Some(Box::new(a("1")));
        assert!(!ended_with_agent.is_consistent());
    }

    #[test]
    fn join_names_reads_naturally() {
        assert_eq!(join_names(&[]), "nobody");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A and B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
    }

    #[test]
    fn roster_and_events_round_trip_through_serde() {
        let mut r = Roster::new();
        r.apply(&Event::na_entry(a("1")), 1).unwrap();
        r.apply(&Event::cold_entry(a("2")), 2).unwrap();
        let json = serde_json::to_string(&r).unwrap();
        let back: Roster = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        for ev in [
            Event::warm_exit(a("3")),
            Event::TriggerSummary,
            Event::EndOfConversation { agent: None },
            Event::EndOfConversation {
                agent: Some(a("4")),
            },
        ] {
            let json = serde_json::to_string(&ev).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            assert_eq!(back, ev);
        }
    }
}
