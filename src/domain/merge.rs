//! One roster from two sources: what Kore says of a conversation's
//! participants, and what this console's delivered events built.
//!
//! Kore is the source of truth. Its picture is a snapshot, though, taken
//! when a poll or a details request was answered, and an event this console
//! delivered shortly before may not be in it yet. So:
//! - an agent Kore lists is present, unless this console removed them after
//!   Kore's picture was taken (less [`IN_FLIGHT_MS`]);
//! - an agent only this console has is present if they entered after Kore's
//!   picture (less [`IN_FLIGHT_MS`]): Kore has not had a chance to list them;
//!   otherwise Kore no longer lists them, and they are not;
//! - where the two disagree on an agent either side knew of for longer, the
//!   merge follows Kore and says so ([`Disagreement`]), so that the screen
//!   can put it in words.
//!
//! A cold transfer half-way through (the console's own handover), and a
//! conversation this console ended, are the console's: Kore's picture cannot
//! be newer than an event it has not applied yet.

use super::agent::{AgentRef, Member, Role};
use super::roster::{Phase, Roster};

/// How long a Kore picture may lag behind the events it was asked after:
/// a poll's answer comes back up to a request's timeout after Kore took it.
pub const IN_FLIGHT_MS: i64 = 15_000;

/// Where the console knows a roster member from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Kore lists them; this console never entered them (another client or
    /// Kore's own routing did).
    Kore,
    /// This console entered them; Kore's picture does not list them yet.
    Console,
    /// Both: Kore lists them and this console's own roster holds them
    /// (it entered them, or took them from Kore's picture to apply an
    /// event of its own).
    Both,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Kore => "Kore",
            Source::Console => "this console",
            Source::Both => "Kore + this console",
        }
    }
}

/// One agent Kore lists in a conversation now (entered and not left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KoreMember {
    pub agent: AgentRef,
    /// When they entered (or were assigned), as Kore says; 0 when unknown.
    pub since_ms: i64,
    /// Kore marked them a consultant (not documented; read when present).
    pub consultant: bool,
}

/// Kore's picture of who is in a conversation, as of `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KorePicture {
    /// When Kore's answer came back (unix ms).
    pub at_ms: i64,
    /// Who Kore lists as present, in order of entry.
    pub members: Vec<KoreMember>,
    /// Asked for after Kore refused an event of this console's: every event
    /// this console delivered is older than the picture, so none of ours
    /// stands against it.
    pub settled: bool,
}

/// A place where Kore and this console disagree; the merge followed Kore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disagreement {
    /// This console entered the agent (at `since_ms`); Kore no longer lists
    /// them.
    KoreDropped { agent: AgentRef, since_ms: i64 },
    /// This console removed the agent (at `left_ms`); Kore still lists them.
    KoreKeeps { agent: AgentRef, left_ms: i64 },
}

impl Disagreement {
    /// The disagreement in words, for the detail pane.
    pub fn describe(&self) -> String {
        match self {
            Disagreement::KoreDropped { agent, .. } => format!(
                "Kore no longer lists {}, whom this console entered: following Kore",
                agent.label()
            ),
            Disagreement::KoreKeeps { agent, .. } => format!(
                "Kore still lists {}, whom this console removed: following Kore",
                agent.label()
            ),
        }
    }
}

/// The merged roster, where each member comes from, and the disagreements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub roster: Roster,
    /// One entry per member of `roster`, in the same order.
    pub sources: Vec<Source>,
    pub disagreements: Vec<Disagreement>,
}

impl Merged {
    /// Whether every member came from this console alone (or nobody is in).
    pub fn console_only(&self) -> bool {
        self.sources.iter().all(|s| *s == Source::Console)
    }
}

/// Merges Kore's picture into this console's roster. `departed` lists the
/// agents this console removed (agent id, when); `kore` is `None` when Kore
/// has said nothing of the conversation's participants.
pub fn merge(ours: &Roster, departed: &[(String, i64)], kore: Option<&KorePicture>) -> Merged {
    let all_ours = || Merged {
        roster: ours.clone(),
        sources: vec![Source::Console; ours.members().len()],
        disagreements: Vec::new(),
    };
    let Some(kore) = kore else {
        return all_ours();
    };
    // A handover half-way, or an end this console began, is the console's.
    if ours.handover().is_some() || matches!(ours.phase(), Phase::Summarized | Phase::Ended) {
        return all_ours();
    }
    let fresh_from = if kore.settled {
        i64::MAX
    } else {
        kore.at_ms.saturating_sub(IN_FLIGHT_MS)
    };
    let left_at = |id: &str| {
        departed
            .iter()
            .filter(|(d, _)| d == id)
            .map(|(_, at)| *at)
            .max()
    };
    let mut members: Vec<Member> = Vec::new();
    let mut disagreements = Vec::new();
    // Ours first, in their order (the primary first).
    for m in ours.members() {
        let listed = kore.members.iter().any(|k| k.agent.id == m.agent.id);
        if listed || m.since_ms > fresh_from {
            members.push(m.clone());
        } else {
            disagreements.push(Disagreement::KoreDropped {
                agent: m.agent.clone(),
                since_ms: m.since_ms,
            });
        }
    }
    // Then Kore's others, in Kore's order of entry.
    let mut theirs: Vec<&KoreMember> = kore
        .members
        .iter()
        .filter(|k| !ours.contains(&k.agent.id))
        .collect();
    theirs.sort_by_key(|k| k.since_ms);
    for k in theirs {
        if members.iter().any(|m| m.agent.id == k.agent.id) {
            continue;
        }
        match left_at(&k.agent.id) {
            Some(at) if at > fresh_from => continue,
            Some(at) => disagreements.push(Disagreement::KoreKeeps {
                agent: k.agent.clone(),
                left_ms: at,
            }),
            None => {}
        }
        let role = if k.consultant {
            Role::Consultant
        } else {
            Role::Primary
        };
        members.push(Member {
            agent: k.agent.clone(),
            role,
            since_ms: k.since_ms,
        });
    }
    let last_agent = ours
        .last_agent()
        .cloned()
        .or_else(|| ours.members().first().map(|m| m.agent.clone()));
    let roster = Roster::from_members(members, last_agent);
    let sources = roster
        .members()
        .iter()
        .map(|m| {
            let was = ours.contains(&m.agent.id);
            let listed = kore.members.iter().any(|k| k.agent.id == m.agent.id);
            match (was, listed) {
                (true, true) => Source::Both,
                (true, false) => Source::Console,
                _ => Source::Kore,
            }
        })
        .collect::<Vec<_>>();
    debug_assert_eq!(sources.len(), roster.members().len());
    Merged {
        roster,
        sources,
        disagreements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Event;

    fn agent(id: &str) -> AgentRef {
        AgentRef::new(id, id.to_uppercase())
    }

    fn kore(at_ms: i64, ids: &[(&str, i64)]) -> KorePicture {
        KorePicture {
            at_ms,
            settled: false,
            members: ids
                .iter()
                .map(|(id, since)| KoreMember {
                    agent: agent(id),
                    since_ms: *since,
                    consultant: false,
                })
                .collect(),
        }
    }

    fn entered(id: &str, at: i64) -> Roster {
        let mut r = Roster::new();
        r.apply(&Event::na_entry(agent(id)), at).unwrap();
        r
    }

    #[test]
    fn with_no_picture_the_roster_is_ours() {
        let ours = entered("mia", 1_000);
        let m = merge(&ours, &[], None);
        assert_eq!(m.roster, ours);
        assert_eq!(m.sources, vec![Source::Console]);
        assert!(m.console_only());
    }

    #[test]
    fn kore_only_agents_are_present_and_the_first_is_primary() {
        let m = merge(
            &Roster::new(),
            &[],
            Some(&kore(100_000, &[("raj", 50), ("bob", 10)])),
        );
        assert_eq!(m.roster.phase(), Phase::Active);
        assert_eq!(m.roster.primary().unwrap().agent.id, "bob");
        assert_eq!(m.roster.members().len(), 2);
        assert_eq!(m.sources, vec![Source::Kore, Source::Kore]);
        assert!(m.disagreements.is_empty());
        assert!(m.roster.is_consistent());
    }

    #[test]
    fn an_agent_in_both_keeps_our_role() {
        let ours = entered("mia", 1_000);
        let m = merge(&ours, &[], Some(&kore(100_000, &[("mia", 900)])));
        assert_eq!(m.sources, vec![Source::Both]);
        assert_eq!(m.roster.primary().unwrap().since_ms, 1_000);
    }

    #[test]
    fn kore_no_longer_listing_ours_drops_them_and_says_so() {
        let ours = entered("mia", 1_000);
        let m = merge(&ours, &[], Some(&kore(100_000, &[])));
        assert!(m.roster.members().is_empty());
        assert_eq!(m.roster.phase(), Phase::Vacated);
        assert_eq!(m.disagreements.len(), 1);
        assert!(
            m.disagreements[0]
                .describe()
                .contains("no longer lists MIA")
        );
    }

    #[test]
    fn our_entry_newer_than_the_picture_stays() {
        let ours = entered("mia", 95_000);
        let m = merge(&ours, &[], Some(&kore(100_000, &[])));
        assert_eq!(m.roster.members().len(), 1);
        assert_eq!(m.sources, vec![Source::Console]);
        assert!(m.disagreements.is_empty());
    }

    #[test]
    fn kore_still_listing_one_we_removed_long_ago_follows_kore() {
        let m = merge(
            &Roster::new(),
            &[("raj".to_string(), 1_000)],
            Some(&kore(100_000, &[("raj", 500)])),
        );
        assert_eq!(m.roster.members().len(), 1);
        assert_eq!(m.disagreements.len(), 1);
        assert!(m.disagreements[0].describe().contains("still lists RAJ"));
    }

    #[test]
    fn one_we_removed_just_now_stays_out() {
        let m = merge(
            &Roster::new(),
            &[("raj".to_string(), 99_000)],
            Some(&kore(100_000, &[("raj", 500)])),
        );
        assert!(m.roster.members().is_empty());
        assert!(m.disagreements.is_empty());
    }

    #[test]
    fn a_settled_picture_overrides_even_our_newest_entry() {
        let ours = entered("mia", 99_000);
        let mut pic = kore(100_000, &[("bob", 10)]);
        pic.settled = true;
        let m = merge(&ours, &[("raj".to_string(), 99_500)], Some(&pic));
        assert_eq!(m.roster.members().len(), 1);
        assert_eq!(m.roster.primary().unwrap().agent.id, "bob");
        assert_eq!(m.disagreements.len(), 1);
    }

    #[test]
    fn a_conversation_we_ended_stays_ours() {
        let mut ours = entered("mia", 1_000);
        ours.apply(&Event::na_exit(agent("mia")), 2_000).unwrap();
        ours.apply(&Event::TriggerSummary, 2_000).unwrap();
        let m = merge(&ours, &[], Some(&kore(100_000, &[("mia", 500)])));
        assert_eq!(m.roster, ours);
    }

    #[test]
    fn a_kore_consultant_joins_as_consultant_beside_our_primary() {
        let ours = entered("mia", 1_000);
        let mut pic = kore(100_000, &[("mia", 900), ("raj", 2_000)]);
        pic.members[1].consultant = true;
        let m = merge(&ours, &[], Some(&pic));
        assert_eq!(m.roster.primary().unwrap().agent.id, "mia");
        assert_eq!(m.roster.consultants().count(), 1);
        assert_eq!(m.sources, vec![Source::Both, Source::Kore]);
    }
}
