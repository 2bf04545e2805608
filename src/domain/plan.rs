//! Supervisor actions and how they become events.
//!
//! `plan` turns one action into the events to send, or refuses it with a
//! reason and plans nothing. Every plan is replayed through
//! [`Roster::apply`] on a copy before it is returned, so a plan can never
//! contain an event that the event-level rules would refuse.

use serde::{Deserialize, Serialize};

use super::agent::{AgentRef, Role};
use super::event::Event;
use super::refusal::{Refusal, RefusalCode};
use super::roster::{Phase, Roster, join_names};

/// What a supervisor asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The first agent enters (`NA` entry).
    Enter(AgentRef),
    /// Hand the conversation over: `from` (an agent id; the primary when
    /// `None`) leaves with `COLD` exit and `to` joins with `COLD` entry.
    Cold { to: AgentRef, from: Option<String> },
    /// An agent joins as a consultant (`WARM` entry).
    Warm(AgentRef),
    /// The agent with this id leaves: `WARM` exit, or `NA` exit when they
    /// are the last one.
    Remove(String),
    /// Everyone leaves, then the configured closing events are sent.
    End,
    /// An agent comes back (`redial` entry).
    Redial(AgentRef),
}

impl Action {
    /// The verb this action carries out.
    pub fn verb(&self) -> super::Verb {
        use super::Verb;
        match self {
            Action::Enter(_) => Verb::Enter,
            Action::Cold { .. } => Verb::Cold,
            Action::Warm(_) => Verb::Warm,
            Action::Remove(_) => Verb::Remove,
            Action::End => Verb::End,
            Action::Redial(_) => Verb::Redial,
        }
    }

    /// Short text for confirmations and logs, e.g. `cold transfer to Raj Patel`.
    pub fn describe(&self) -> String {
        match self {
            Action::Enter(agent) => format!("first entry of {}", agent.label()),
            Action::Cold { to, from: None } => format!("cold transfer to {}", to.label()),
            Action::Cold { to, from: Some(id) } => {
                format!("cold transfer from {id} to {}", to.label())
            }
            Action::Warm(agent) => format!("warm transfer to {}", agent.label()),
            Action::Remove(id) => format!("remove {id}"),
            Action::End => "end conversation".to_string(),
            Action::Redial(agent) => format!("redial by {}", agent.label()),
        }
    }

    /// Like [`Action::describe`], but names agents given by id, and the
    /// agent a cold transfer leaves from, using the roster.
    pub fn describe_in(&self, roster: &Roster) -> String {
        let name_of = |id: &str| {
            roster
                .member(id)
                .map(|m| m.agent.label().to_string())
                .unwrap_or_else(|| id.to_string())
        };
        match self {
            Action::Cold { to, from } => {
                let leaving = match from {
                    Some(id) => Some(name_of(id)),
                    None => roster.primary().map(|m| m.agent.label().to_string()),
                };
                match leaving {
                    Some(name) => format!("cold transfer from {name} to {}", to.label()),
                    None => format!("cold transfer to {}", to.label()),
                }
            }
            Action::Remove(id) => format!("remove {}", name_of(id)),
            other => other.describe(),
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The order of the two events of a cold transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColdOrder {
    /// `COLD` exit of the outgoing agent, then `COLD` entry of the incoming
    /// one: the documented flow.
    #[default]
    ExitFirst,
    /// `COLD` entry of the incoming agent, then `COLD` exit of the outgoing one.
    EntryFirst,
}

/// A closing event sent by [`Action::End`] after the last agent has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Closing {
    #[serde(rename = "TRIGGER_SUMMARY_EVENT")]
    TriggerSummary,
    #[serde(rename = "END_OF_CONVERSATION")]
    EndOfConversation,
}

impl Closing {
    pub fn as_str(self) -> &'static str {
        match self {
            Closing::TriggerSummary => "TRIGGER_SUMMARY_EVENT",
            Closing::EndOfConversation => "END_OF_CONVERSATION",
        }
    }
}

impl std::fmt::Display for Closing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The settings that shape a plan (`[events]` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanSettings {
    pub cold_order: ColdOrder,
    /// Closing events sent by [`Action::End`], in order. Valid values are
    /// `[TriggerSummary, EndOfConversation]`, either one alone, or empty.
    pub on_end: Vec<Closing>,
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            cold_order: ColdOrder::ExitFirst,
            on_end: vec![Closing::TriggerSummary, Closing::EndOfConversation],
        }
    }
}

impl PlanSettings {
    /// Refuses closing lists that could never be sent in order: a repeated
    /// event, or the summary after the end.
    pub fn validate(&self) -> Result<(), Refusal> {
        let valid = matches!(
            self.on_end.as_slice(),
            [] | [Closing::TriggerSummary]
                | [Closing::EndOfConversation]
                | [Closing::TriggerSummary, Closing::EndOfConversation]
        );
        if valid {
            Ok(())
        } else {
            let listed: Vec<&str> = self.on_end.iter().map(|c| c.as_str()).collect();
            Err(Refusal::new(
                RefusalCode::BadSettings,
                format!(
                    "The closing events in on_end ([{}]) cannot be sent in that order. Each may \
                     appear once, and TRIGGER_SUMMARY_EVENT must come before END_OF_CONVERSATION.",
                    listed.join(", ")
                ),
            ))
        }
    }
}

/// The events that carry out `action` now, or why it is refused.
///
/// A refused action plans nothing. A returned plan has already been
/// replayed on a copy of `roster`, so applying its events in order succeeds.
pub fn plan(
    roster: &Roster,
    action: &Action,
    settings: &PlanSettings,
) -> Result<Vec<Event>, Refusal> {
    let events = draft(roster, action, settings)?;
    if events.is_empty() {
        return Err(Refusal::new(
            RefusalCode::NothingToSend,
            format!(
                "Nothing to send for \"{}\": the conversation is {} and on_end lists no closing \
                 event that is still due. Add END_OF_CONVERSATION to on_end to close it.",
                action.describe_in(roster),
                roster.phase().label().to_ascii_lowercase()
            ),
        ));
    }
    let mut scratch = roster.clone();
    scratch
        .apply_all(&events, 0)
        .map_err(|(_, refusal)| refusal)?;
    Ok(events)
}

/// Builds the events for an action, refusing with the action-level reason
/// (which names the action, not just the event that would fail).
fn draft(roster: &Roster, action: &Action, settings: &PlanSettings) -> Result<Vec<Event>, Refusal> {
    let what = capitalized(&action.describe_in(roster));
    match action {
        Action::Enter(agent) => draft_enter(roster, agent, &what),
        Action::Cold { to, from } => draft_cold(roster, to, from.as_deref(), settings, &what),
        Action::Warm(agent) => draft_warm(roster, agent, &what),
        Action::Remove(id) => draft_remove(roster, id, &what),
        Action::End => draft_end(roster, settings, &what),
        Action::Redial(agent) => draft_redial(roster, agent, &what),
    }
}

/// The first entry (`NA`): only while the conversation waits for its first agent.
fn draft_enter(roster: &Roster, agent: &AgentRef, what: &str) -> Result<Vec<Event>, Refusal> {
    open_for_transfers(roster, what)?;
    match roster.phase() {
        Phase::Waiting => Ok(vec![Event::na_entry(agent.clone())]),
        Phase::Vacated => Err(Refusal::new(
            RefusalCode::UseRedial,
            format!(
                "{what} refused: the last agent{} has already left, and the first entry \
                 happens only once. Use a redial to bring {} back into the conversation.",
                last_agent_suffix(roster),
                agent.label()
            ),
        )),
        _ => {
            let present = if roster.contains(&agent.id) {
                format!("{} is already in the conversation", agent.label())
            } else {
                format!(
                    "the first agent{} has already entered",
                    roster
                        .primary()
                        .map(|m| format!(" ({})", m.agent.label()))
                        .unwrap_or_default()
                )
            };
            Err(Refusal::new(
                RefusalCode::AlreadyEntered,
                format!(
                    "{what} refused: {present}. Use a warm transfer to add an agent, or a \
                     cold transfer to hand over."
                ),
            ))
        }
    }
}

/// A hand-over (`COLD` exit and entry, in the configured order) from the
/// primary, or from `from` when it names the primary, to an agent not in it.
fn draft_cold(
    roster: &Roster,
    to: &AgentRef,
    from: Option<&str>,
    settings: &PlanSettings,
    what: &str,
) -> Result<Vec<Event>, Refusal> {
    open_for_transfers(roster, what)?;
    need_someone(roster, what)?;
    let leaving = match from {
        Some(id) => {
            let member = roster
                .member(id)
                .ok_or_else(|| not_in_roster(roster, what, id))?;
            if member.role != Role::Primary {
                return Err(Refusal::new(
                    RefusalCode::NotPrimary,
                    format!(
                        "{what} refused: {} is a consultant, and a cold transfer hands \
                         over from the primary{}. To take a consultant out, remove them.",
                        member.agent.label(),
                        roster
                            .primary()
                            .map(|m| format!(" ({})", m.agent.label()))
                            .unwrap_or_default()
                    ),
                ));
            }
            member
        }
        None => roster.primary().ok_or_else(|| {
            Refusal::new(
                RefusalCode::NoAgentPresent,
                format!("{what} refused: there is no primary agent to hand over from."),
            )
        })?,
    };
    if leaving.agent.same_agent(to) {
        return Err(Refusal::new(
            RefusalCode::SameAgent,
            format!(
                "{what} refused: {} already has the conversation. Pick a different agent.",
                to.label()
            ),
        ));
    }
    if roster.contains(&to.id) {
        return Err(Refusal::new(
            RefusalCode::AlreadyPresent,
            format!(
                "{what} refused: {} is already in the conversation. Pick an agent who is \
                 not in it.",
                to.label()
            ),
        ));
    }
    let consultants: Vec<&str> = roster.consultants().map(|m| m.agent.label()).collect();
    if !consultants.is_empty() {
        return Err(Refusal::new(
            RefusalCode::ColdWithConsultants,
            format!(
                "{what} refused: a cold transfer has only one agent at a time, and {} {} \
                 consulting. Remove the consultants first.",
                join_names(&consultants),
                if consultants.len() > 1 { "are" } else { "is" }
            ),
        ));
    }
    let exit = Event::cold_exit(leaving.agent.clone());
    let entry = Event::cold_entry(to.clone());
    Ok(match settings.cold_order {
        ColdOrder::ExitFirst => vec![exit, entry],
        ColdOrder::EntryFirst => vec![entry, exit],
    })
}

/// A consultant joins (`WARM` entry).
fn draft_warm(roster: &Roster, agent: &AgentRef, what: &str) -> Result<Vec<Event>, Refusal> {
    open_for_transfers(roster, what)?;
    need_someone(roster, what)?;
    if roster.contains(&agent.id) {
        return Err(Refusal::new(
            RefusalCode::AlreadyPresent,
            format!(
                "{what} refused: {} is already in the conversation.",
                agent.label()
            ),
        ));
    }
    Ok(vec![Event::warm_entry(agent.clone())])
}

/// A member leaves: `WARM` exit, or `NA` exit when they are the last one.
fn draft_remove(roster: &Roster, id: &str, what: &str) -> Result<Vec<Event>, Refusal> {
    open_for_transfers(roster, what)?;
    let member = roster
        .member(id)
        .ok_or_else(|| not_in_roster(roster, what, id))?;
    if roster.members().len() == 1 {
        Ok(vec![Event::na_exit(member.agent.clone())])
    } else {
        Ok(vec![Event::warm_exit(member.agent.clone())])
    }
}

/// Everyone leaves (consultants, then the primary), then the configured
/// closing events.
fn draft_end(roster: &Roster, settings: &PlanSettings, what: &str) -> Result<Vec<Event>, Refusal> {
    match roster.phase() {
        Phase::Ended => return Err(ended(what)),
        Phase::Waiting => {
            return Err(Refusal::new(
                RefusalCode::NoAgentYet,
                format!(
                    "{what} refused: no agent has entered this conversation yet, so there \
                     is nothing to close. An agent must enter first."
                ),
            ));
        }
        _ => {}
    }
    no_handover(roster, what)?;
    settings.validate()?;
    let mut events = Vec::new();
    let mut last = roster.last_agent().cloned();
    if roster.phase() == Phase::Active {
        for consultant in roster.consultants() {
            events.push(Event::warm_exit(consultant.agent.clone()));
        }
        if let Some(primary) = roster.primary() {
            events.push(Event::na_exit(primary.agent.clone()));
            last = Some(primary.agent.clone());
        }
    }
    for closing in &settings.on_end {
        match closing {
            Closing::TriggerSummary if roster.phase() == Phase::Summarized => {}
            Closing::TriggerSummary => events.push(Event::TriggerSummary),
            Closing::EndOfConversation => {
                events.push(Event::EndOfConversation {
                    agent: last.clone(),
                });
            }
        }
    }
    Ok(events)
}

/// An agent comes back (`redial` entry): into an empty conversation, or
/// one where they are alone.
fn draft_redial(roster: &Roster, agent: &AgentRef, what: &str) -> Result<Vec<Event>, Refusal> {
    open_for_transfers(roster, what)?;
    match roster.phase() {
        Phase::Waiting | Phase::Vacated => Ok(vec![Event::redial_entry(agent.clone())]),
        _ => match roster.members() {
            [only] if only.agent.same_agent(agent) => Ok(vec![Event::redial_entry(agent.clone())]),
            members => {
                let others: Vec<&str> = members
                    .iter()
                    .filter(|m| !m.agent.same_agent(agent))
                    .map(|m| m.agent.label())
                    .collect();
                let verb = if others.len() > 1 { "are" } else { "is" };
                if roster.contains(&agent.id) {
                    Err(Refusal::new(
                        RefusalCode::RedialNotAlone,
                        format!(
                            "{what} refused: {} {verb} in the conversation with {}, and \
                             a redial only re-attaches an agent who is alone in it.",
                            join_names(&others),
                            agent.label()
                        ),
                    ))
                } else {
                    Err(Refusal::new(
                        RefusalCode::RedialOtherAgent,
                        format!(
                            "{what} refused: {} {verb} in the conversation. Use a warm or \
                             cold transfer to bring {} in.",
                            join_names(&others),
                            agent.label()
                        ),
                    ))
                }
            }
        },
    }
}

/// Refuses transfers once the conversation is summarized or ended, or while
/// a cold transfer is half done.
fn open_for_transfers(roster: &Roster, what: &str) -> Result<(), Refusal> {
    match roster.phase() {
        Phase::Ended => Err(ended(what)),
        Phase::Summarized => Err(Refusal::new(
            RefusalCode::NotAllowedAfterSummary,
            format!(
                "{what} refused: the summary has already been triggered, so agents can no longer \
                 join or leave. End the conversation instead."
            ),
        )),
        _ => no_handover(roster, what),
    }
}

fn no_handover(roster: &Roster, what: &str) -> Result<(), Refusal> {
    match roster.handover() {
        None => Ok(()),
        Some(handover) => Err(Refusal::new(
            RefusalCode::TransferInProgress,
            format!(
                "{what} refused: the cold transfer from {} is half done. Send its remaining event \
                 (retry it) before anything else.",
                handover.from().label()
            ),
        )),
    }
}

/// Refuses when nobody is present (never entered, or vacated).
fn need_someone(roster: &Roster, what: &str) -> Result<(), Refusal> {
    match roster.phase() {
        Phase::Waiting => Err(Refusal::new(
            RefusalCode::NoAgentYet,
            format!(
                "{what} refused: no agent has entered this conversation yet. An agent must enter first."
            ),
        )),
        Phase::Vacated => Err(Refusal::new(
            RefusalCode::NoAgentPresent,
            format!(
                "{what} refused: the last agent{} has left and nobody is in the conversation. \
                 Use a redial to bring an agent back first.",
                last_agent_suffix(roster)
            ),
        )),
        _ if roster.members().is_empty() => Err(Refusal::new(
            RefusalCode::NoAgentPresent,
            format!("{what} refused: nobody is in the conversation."),
        )),
        _ => Ok(()),
    }
}

fn not_in_roster(roster: &Roster, what: &str, id: &str) -> Refusal {
    let names: Vec<&str> = roster.members().iter().map(|m| m.agent.label()).collect();
    let here = if names.is_empty() {
        "nobody is in it".to_string()
    } else {
        format!("present: {}", join_names(&names))
    };
    Refusal::new(
        RefusalCode::NotInRoster,
        format!("{what} refused: agent {id} is not in this conversation ({here})."),
    )
}

fn ended(what: &str) -> Refusal {
    Refusal::new(
        RefusalCode::ConversationEnded,
        format!(
            "{what} refused: the conversation has ended (END_OF_CONVERSATION was sent). Nothing \
             more can be sent for it."
        ),
    )
}

/// The text with its first letter in upper case, to open a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn last_agent_suffix(roster: &Roster) -> String {
    roster
        .last_agent()
        .map(|a| format!(" ({})", a.label()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(id: &str) -> AgentRef {
        AgentRef::new(id, format!("Agent {id}"))
    }

    #[test]
    fn settings_default_to_the_documented_flow() {
        let s = PlanSettings::default();
        assert_eq!(s.cold_order, ColdOrder::ExitFirst);
        assert_eq!(
            s.on_end,
            vec![Closing::TriggerSummary, Closing::EndOfConversation]
        );
        assert!(s.validate().is_ok());
    }

    #[test]
    fn settings_parse_from_config_spelling() {
        let s: PlanSettings = serde_json::from_str(
            r#"{"cold_order":"entry-first","on_end":["END_OF_CONVERSATION"]}"#,
        )
        .unwrap();
        assert_eq!(s.cold_order, ColdOrder::EntryFirst);
        assert_eq!(s.on_end, vec![Closing::EndOfConversation]);
        let partial: PlanSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(partial, PlanSettings::default());
    }

    #[test]
    fn bad_closing_orders_are_refused() {
        for on_end in [
            vec![Closing::EndOfConversation, Closing::TriggerSummary],
            vec![Closing::TriggerSummary, Closing::TriggerSummary],
            vec![Closing::EndOfConversation, Closing::EndOfConversation],
        ] {
            let s = PlanSettings {
                on_end,
                ..PlanSettings::default()
            };
            assert_eq!(s.validate().unwrap_err().code, RefusalCode::BadSettings);
            let mut r = Roster::new();
            r.apply(&Event::na_entry(a("1")), 0).unwrap();
            assert_eq!(
                plan(&r, &Action::End, &s).unwrap_err().code,
                RefusalCode::BadSettings
            );
        }
    }

    #[test]
    fn descriptions_name_the_agents() {
        let mut r = Roster::new();
        r.apply(&Event::na_entry(AgentRef::new("a-1", "Mia Chen")), 0)
            .unwrap();
        let raj = AgentRef::new("a-2", "Raj Patel");
        let cold = Action::Cold {
            to: raj.clone(),
            from: None,
        };
        assert_eq!(cold.describe(), "cold transfer to Raj Patel");
        assert_eq!(
            cold.describe_in(&r),
            "cold transfer from Mia Chen to Raj Patel"
        );
        assert_eq!(Action::Remove("a-1".into()).describe(), "remove a-1");
        assert_eq!(
            Action::Remove("a-1".into()).describe_in(&r),
            "remove Mia Chen"
        );
        assert_eq!(Action::Warm(raj).describe(), "warm transfer to Raj Patel");
    }

    #[test]
    fn actions_round_trip_through_serde() {
        for action in [
            Action::Enter(a("1")),
            Action::Cold {
                to: a("2"),
                from: Some("1".into()),
            },
            Action::Warm(a("3")),
            Action::Remove("3".into()),
            Action::End,
            Action::Redial(a("1")),
        ] {
            let json = serde_json::to_string(&action).unwrap();
            let back: Action = serde_json::from_str(&json).unwrap();
            assert_eq!(back, action);
        }
    }
}
