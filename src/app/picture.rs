//! Kore's picture of each conversation, and the roster the console judges
//! and acts on: Kore's participants merged with the events this console
//! delivered (`domain::merge`; Kore is the source of truth, the merge says
//! where the two disagree).
//!
//! A participant Kore lists is *present* when it has not left (status
//! `ACTIVE` or none, no `endTimeStamp`, no `endedChat`) and has entered: it
//! has a `startTimeStamp`, or Kore gives no times at all. One with only an
//! `assignedAt` was offered the conversation (an assign) and has not entered
//! yet, so its `NA entry` is still to come.

use crate::domain::{self, AgentRef, KoreMember, KorePicture, Merged, Roster};

use super::state::{Agent, Conversation, State};
use super::text::clean;

/// A participant as Kore gives it, whichever endpoint it came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Participant<'a> {
    pub agent_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub status: Option<&'a str>,
    pub assigned_at: Option<&'a str>,
    pub started_at: Option<&'a str>,
    pub ended_at: Option<&'a str>,
    pub ended_chat: bool,
    pub consultant: bool,
}

impl Participant<'_> {
    /// Entered and not left, as Kore says.
    pub fn is_present(&self) -> bool {
        let active = self
            .status
            .is_none_or(|s| s.trim().is_empty() || s.eq_ignore_ascii_case("ACTIVE"));
        let left = self.ended_at.is_some_and(|t| !t.trim().is_empty()) || self.ended_chat;
        let entered = self.started_at.is_some_and(|t| !t.trim().is_empty())
            || self.assigned_at.is_none_or(|t| t.trim().is_empty());
        active && !left && entered
    }
}

/// The longest id or name kept from a participant.
const MAX_ID: usize = 200;

/// The agent directory looked up by id, then by hooks identity: made once
/// per page of the list, so naming a page's participants costs no walk of
/// every agent per participant.
pub struct Directory<'a> {
    by_id: std::collections::HashMap<&'a str, &'a Agent>,
    by_identity: std::collections::HashMap<&'a str, &'a Agent>,
}

impl<'a> Directory<'a> {
    pub fn new(agents: &'a [Agent]) -> Directory<'a> {
        Directory {
            by_id: agents.iter().map(|a| (a.id.as_str(), a)).collect(),
            by_identity: agents.iter().map(|a| (a.identity.as_str(), a)).collect(),
        }
    }

    /// The agent a participant names, so that its hooks identity and name
    /// are the directory's; an agent the directory does not know is named
    /// by Kore.
    pub fn agent_of(&self, id: &str, name: Option<&str>) -> AgentRef {
        match self.by_id.get(id).or_else(|| self.by_identity.get(id)) {
            Some(a) => a.to_ref(),
            None => {
                let name = name.map(|n| clean(n, 40)).unwrap_or_default();
                AgentRef::new(id, name)
            }
        }
    }
}

/// Kore's picture from the participants it listed, as of `at_ms`.
pub fn picture<'a>(
    directory: &Directory,
    participants: impl IntoIterator<Item = Participant<'a>>,
    at_ms: i64,
    parse_ms: impl Fn(Option<&str>) -> Option<i64>,
) -> KorePicture {
    let mut members: Vec<KoreMember> = Vec::new();
    for p in participants.into_iter().filter(Participant::is_present) {
        let Some(id) = p
            .agent_id
            .map(|id| clean(id, MAX_ID))
            .filter(|id| !id.is_empty())
        else {
            continue;
        };
        if members.iter().any(|m| m.agent.id == id) {
            continue;
        }
        let since_ms = parse_ms(p.started_at)
            .or_else(|| parse_ms(p.assigned_at))
            .unwrap_or(0);
        members.push(KoreMember {
            agent: directory.agent_of(&id, p.name),
            since_ms,
            consultant: p.consultant,
        });
    }
    KorePicture {
        at_ms,
        members,
        settled: false,
    }
}

impl Conversation {
    /// The roster the rules judge: Kore's picture merged with the delivered
    /// events (see `domain::merge`).
    pub fn merged(&self) -> Merged {
        domain::merge(&self.roster, &self.departed, self.kore.as_ref())
    }

    /// The merged roster as it will be once every open request is
    /// delivered: what new actions are planned against.
    pub fn projected(&self) -> Roster {
        let mut r = self.merged().roster;
        for (event, _) in self.open_events_with_items() {
            let _ = r.apply(event, 0);
        }
        r
    }
}

impl State {
    /// The agents a conversation's merged roster holds now (for the agent
    /// pane and the picker).
    pub fn roster_of(&self, conv_id: &str) -> Option<Merged> {
        self.model
            .conversations
            .get(conv_id)
            .map(Conversation::merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a>(
        status: Option<&'a str>,
        assigned: Option<&'a str>,
        started: Option<&'a str>,
        ended: Option<&'a str>,
    ) -> Participant<'a> {
        Participant {
            agent_id: Some("a-1"),
            name: Some("Bob"),
            status,
            assigned_at: assigned,
            started_at: started,
            ended_at: ended,
            ..Default::default()
        }
    }

    #[test]
    fn presence_follows_status_times_and_entry() {
        let t = Some("2025-08-23T06:23:45.100Z");
        assert!(p(Some("ACTIVE"), t, t, None).is_present());
        assert!(
            p(None, None, None, None).is_present(),
            "no times: Kore says active"
        );
        assert!(p(Some("active"), None, t, None).is_present());
        assert!(!p(Some("INACTIVE"), t, t, None).is_present());
        assert!(!p(Some("ACTIVE"), t, t, t).is_present(), "ended");
        assert!(
            !p(Some("ACTIVE"), t, None, None).is_present(),
            "assigned, not entered"
        );
        let mut done = p(Some("ACTIVE"), t, t, None);
        done.ended_chat = true;
        assert!(!done.is_present());
    }

    #[test]
    fn a_picture_keeps_each_agent_once_named_by_the_directory() {
        let dir = vec![Agent {
            id: "a-1".into(),
            identity: "agent-7".into(),
            name: "Bob Stone".into(),
            email: None,
            queue_id: None,
            queue_name: None,
            presence: super::super::state::Presence::Available,
            chat: None,
            voice: None,
        }];
        let t = Some("2025-08-23T06:23:45.100Z");
        let two = [p(Some("ACTIVE"), t, t, None), p(Some("ACTIVE"), t, t, None)];
        let pic = picture(&Directory::new(&dir), two, 5, |_| Some(7));
        assert_eq!(pic.members.len(), 1);
        assert_eq!(pic.members[0].agent.identity, "agent-7");
        assert_eq!(pic.members[0].agent.name, "Bob Stone");
        assert_eq!(pic.members[0].since_ms, 7);
        let stranger = Participant {
            agent_id: Some("u-9"),
            name: Some("Eve\u{1b}[2J"),
            ..Default::default()
        };
        let pic = picture(&Directory::new(&dir), [stranger], 5, |_| None);
        assert_eq!(pic.members[0].agent.id, "u-9");
        assert!(!pic.members[0].agent.name.contains('\u{1b}'));
    }
}
