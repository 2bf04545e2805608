//! The supervisor's verbs: one list for the command line (`switchboard
//! send`), the rules ([`crate::domain::Action::verb`]), the picker's purpose
//! and the console's command registry.

/// What a supervisor does to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    /// Hand the waiting conversation to an agent or a queue
    /// (assign-conversation; no hooks event).
    Assign,
    /// The first agent enters: `NA` entry.
    Enter,
    /// Cold transfer: the current agent leaves, the picked one joins.
    Cold,
    /// Warm: the picked agent joins as a consultant.
    Warm,
    /// An agent leaves: `WARM` exit, or `NA` exit for the last one.
    Remove,
    /// Everyone leaves, then the closing events.
    End,
    /// An agent comes back after a drop (`redial` entry).
    Redial,
}

impl Verb {
    /// Every verb.
    pub const ALL: [Verb; 7] = [
        Verb::Assign,
        Verb::Enter,
        Verb::Cold,
        Verb::Warm,
        Verb::Remove,
        Verb::End,
        Verb::Redial,
    ];

    /// The verbs carried out with hooks events (what `switchboard send`
    /// takes): all but assign.
    pub fn hooks() -> impl Iterator<Item = Verb> {
        Verb::ALL.into_iter().filter(|v| *v != Verb::Assign)
    }

    /// The word on the command line and in `:` commands.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Assign => "assign",
            Verb::Enter => "enter",
            Verb::Cold => "cold",
            Verb::Warm => "warm",
            Verb::Remove => "remove",
            Verb::End => "end",
            Verb::Redial => "redial",
        }
    }

    pub fn from_name(name: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.name() == name)
    }

    /// One line of help.
    pub fn help(self) -> &'static str {
        match self {
            Verb::Assign => "assign the conversation to an agent or a queue",
            Verb::Enter => "first agent enters: NA entry",
            Verb::Cold => {
                "cold transfer: the current agent leaves (COLD exit), --agent joins (COLD entry)"
            }
            Verb::Warm => "warm: --agent joins as a consultant (WARM entry)",
            Verb::Remove => "remove --agent: WARM exit, or NA exit for the last agent",
            Verb::End => "end: consultants leave, the last agent leaves, then the closing events",
            Verb::Redial => "redial: --agent re-enters (redial entry)",
        }
    }

    /// The picker's title when it picks an agent for this verb.
    pub fn pick_title(self) -> &'static str {
        match self {
            Verb::Assign => "Assign to",
            Verb::Enter => "First agent",
            Verb::Cold => "Cold transfer to",
            Verb::Warm => "Warm: add consultant",
            Verb::Remove => "Remove",
            Verb::End => "End",
            Verb::Redial => "Redial by",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_hooks_verbs_leave_out_assign() {
        for v in Verb::ALL {
            assert_eq!(Verb::from_name(v.name()), Some(v));
        }
        assert!(!Verb::hooks().any(|v| v == Verb::Assign));
        assert_eq!(Verb::hooks().count(), 6);
        assert_eq!(Verb::from_name("nope"), None);
    }
}
