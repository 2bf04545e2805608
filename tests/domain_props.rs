//! Property tests: whatever a supervisor (or a remote sender) does, the
//! roster stays consistent, plans are always accepted, and refusals change
//! nothing.

use proptest::prelude::*;
use switchboard::domain::{
    Action, AgentRef, Closing, ColdOrder, Event, Phase, PlanSettings, Role, Roster, TransferKind,
    Transition, plan,
};

mod common;
use common::domain::agent;

const POOL: u8 = 4;

fn any_agent() -> impl Strategy<Value = AgentRef> {
    (1..=POOL).prop_map(agent)
}

/// Ids include one that never belongs to any agent in the pool.
fn any_id() -> impl Strategy<Value = String> {
    (1..=POOL + 1).prop_map(|n| format!("a-{n}"))
}

fn any_action() -> impl Strategy<Value = Action> {
    // End is rarer, so that most sequences spend time mid-conversation.
    prop_oneof![
        3 => any_agent().prop_map(Action::Enter),
        3 => (any_agent(), proptest::option::of(any_id()))
            .prop_map(|(to, from)| Action::Cold { to, from }),
        3 => any_agent().prop_map(Action::Warm),
        3 => any_id().prop_map(Action::Remove),
        1 => Just(Action::End),
        3 => any_agent().prop_map(Action::Redial),
    ]
}

fn any_settings() -> impl Strategy<Value = PlanSettings> {
    let cold_order = prop_oneof![Just(ColdOrder::ExitFirst), Just(ColdOrder::EntryFirst)];
    let on_end = prop_oneof![
        Just(vec![Closing::TriggerSummary, Closing::EndOfConversation]),
        Just(vec![Closing::EndOfConversation]),
        Just(vec![Closing::TriggerSummary]),
        Just(vec![]),
        // Invalid, refused as bad settings.
        Just(vec![Closing::EndOfConversation, Closing::TriggerSummary]),
    ];
    (cold_order, on_end).prop_map(|(cold_order, on_end)| PlanSettings { cold_order, on_end })
}

fn any_event() -> impl Strategy<Value = Event> {
    let kind = prop_oneof![
        Just(TransferKind::Na),
        Just(TransferKind::Cold),
        Just(TransferKind::Warm),
        Just(TransferKind::Redial),
    ];
    let transition = prop_oneof![Just(Transition::Entry), Just(Transition::Exit)];
    prop_oneof![
        8 => (kind, transition, any_agent())
            .prop_map(|(k, t, a)| Event::transfer(k, t, a)),
        1 => Just(Event::TriggerSummary),
        1 => proptest::option::of(any_agent())
            .prop_map(|agent| Event::EndOfConversation { agent }),
    ]
}

/// The invariants, checked independently of `Roster::is_consistent`.
fn assert_invariants(roster: &Roster) {
    assert!(roster.is_consistent(), "inconsistent: {roster:?}");
    let members = roster.members();
    for (i, m) in members.iter().enumerate() {
        assert!(
            members[i + 1..].iter().all(|o| o.agent.id != m.agent.id),
            "{} is present twice: {roster:?}",
            m.agent.id
        );
    }
    let primaries = members.iter().filter(|m| m.role == Role::Primary).count();
    assert!(primaries <= 1, "{primaries} primaries: {roster:?}");
    if let Some(first) = members.first() {
        assert_eq!(first.role, Role::Primary, "first member not primary");
        assert_eq!(primaries, 1);
    }
    match roster.phase() {
        Phase::Waiting | Phase::Vacated | Phase::Summarized | Phase::Ended => {
            assert!(
                members.is_empty(),
                "present in {}: {roster:?}",
                roster.phase()
            );
            assert!(roster.handover().is_none());
        }
        Phase::Active => {
            if roster.handover().is_none() {
                assert!(!members.is_empty(), "active with nobody: {roster:?}");
            }
        }
    }
    if matches!(
        roster.phase(),
        Phase::Vacated | Phase::Summarized | Phase::Ended
    ) {
        assert!(roster.last_agent().is_some());
    }
}

fn ids(roster: &Roster) -> Vec<String> {
    roster
        .members()
        .iter()
        .map(|m| m.agent.id.clone())
        .collect()
}

/// What each accepted action must have achieved.
fn assert_effect(before: &Roster, after: &Roster, action: &Action, settings: &PlanSettings) {
    match action {
        Action::Enter(a) => {
            assert_eq!(before.phase(), Phase::Waiting);
            assert_eq!(ids(after), vec![a.id.clone()]);
            assert_eq!(after.phase(), Phase::Active);
        }
        Action::Cold { to, from } => {
            assert_eq!(before.members().len(), 1, "cold with others present");
            let leaving = before.primary().unwrap().agent.id.clone();
            if let Some(from) = from {
                assert_eq!(*from, leaving);
            }
            assert_eq!(ids(after), vec![to.id.clone()]);
            assert!(after.primary().unwrap().agent.same_agent(to));
            assert!(after.handover().is_none());
        }
        Action::Warm(a) => {
            let mut expected = ids(before);
            expected.push(a.id.clone());
            assert_eq!(ids(after), expected);
            assert_eq!(after.member(&a.id).unwrap().role, Role::Consultant);
        }
        Action::Remove(id) => {
            assert!(before.contains(id));
            assert!(!after.contains(id));
            let expected: Vec<String> = ids(before).into_iter().filter(|x| x != id).collect();
            assert_eq!(ids(after), expected);
            if expected.is_empty() {
                assert_eq!(after.phase(), Phase::Vacated);
            }
        }
        Action::End => {
            assert!(after.members().is_empty());
            let expected = if settings.on_end.contains(&Closing::EndOfConversation) {
                Phase::Ended
            } else if settings.on_end.contains(&Closing::TriggerSummary)
                || before.phase() == Phase::Summarized
            {
                Phase::Summarized
            } else {
                Phase::Vacated
            };
            assert_eq!(after.phase(), expected);
        }
        Action::Redial(a) => {
            assert_eq!(after.phase(), Phase::Active);
            assert_eq!(ids(after), vec![a.id.clone()]);
            if before.phase() == Phase::Active {
                assert_eq!(before, after, "a redial of the only agent changes nothing");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn actions_keep_the_roster_consistent(
        settings in any_settings(),
        actions in proptest::collection::vec(any_action(), 0..40),
    ) {
        let mut roster = Roster::new();
        let mut sent: Vec<Event> = Vec::new();
        for (step, action) in actions.iter().enumerate() {
            let before = roster.clone();
            let planned = plan(&roster, action, &settings);
            prop_assert_eq!(&roster, &before, "plan changed the roster");
            // Planning is a pure function of the roster.
            prop_assert_eq!(&planned, &plan(&roster, action, &settings));
            match planned {
                Ok(events) => {
                    prop_assert!(!events.is_empty(), "empty plan for {}", action);
                    for ev in &events {
                        prop_assert!(roster.check(ev).is_ok(), "plan has refused {}", ev);
                        roster.apply(ev, step as i64).map_err(|r| {
                            TestCaseError::fail(format!("planned {ev} refused: {r}"))
                        })?;
                        assert_invariants(&roster);
                    }
                    assert_effect(&before, &roster, action, &settings);
                    sent.extend(events);
                }
                Err(refusal) => {
                    prop_assert!(!refusal.message.is_empty());
                    prop_assert_eq!(&roster, &before);
                }
            }
            assert_invariants(&roster);
        }

        // The events sent, replayed from scratch, give the same roster.
        let mut replayed = Roster::new();
        for ev in &sent {
            replayed.apply(ev, 0).map_err(|r| TestCaseError::fail(format!("replay {ev}: {r}")))?;
        }
        prop_assert_eq!(replayed.phase(), roster.phase());
        prop_assert_eq!(ids(&replayed), ids(&roster));

        // Whole-sequence rules: one first entry, at most one summary, nothing
        // after the end.
        let na_entries = sent
            .iter()
            .filter(|e| matches!(e, Event::Transfer { kind: TransferKind::Na, transition: Transition::Entry, .. }))
            .count();
        prop_assert!(na_entries <= 1);
        prop_assert!(sent.iter().filter(|e| **e == Event::TriggerSummary).count() <= 1);
        if let Some(end) = sent
            .iter()
            .position(|e| matches!(e, Event::EndOfConversation { .. }))
        {
            prop_assert_eq!(end, sent.len() - 1, "events after END_OF_CONVERSATION");
        }
        if roster.phase() == Phase::Ended {
            prop_assert!(roster.members().is_empty());
        }
    }

    #[test]
    fn raw_events_keep_the_roster_consistent(
        events in proptest::collection::vec(any_event(), 0..60),
    ) {
        let mut roster = Roster::new();
        let mut ended = false;
        for (step, ev) in events.iter().enumerate() {
            let before = roster.clone();
            let checked = roster.check(ev);
            prop_assert_eq!(&roster, &before, "check changed the roster");
            let applied = roster.apply(ev, step as i64);
            prop_assert_eq!(&checked, &applied, "check and apply disagree on {}", ev);
            match applied {
                Ok(()) => prop_assert!(!ended, "{} accepted after END_OF_CONVERSATION", ev),
                Err(_) => prop_assert_eq!(&roster, &before, "refused {} changed the roster", ev),
            }
            if roster.phase() == Phase::Ended {
                ended = true;
                prop_assert!(roster.members().is_empty());
            }
            assert_invariants(&roster);
        }
    }

    /// A plan whose sending stops part-way (a failed request) leaves a
    /// consistent roster; retrying the rest completes it, and meanwhile
    /// every refused action changes nothing.
    #[test]
    fn interrupted_plans_can_be_finished(
        settings in any_settings(),
        steps in proptest::collection::vec((any_action(), 0usize..4, any::<bool>()), 0..40),
    ) {
        let mut roster = Roster::new();
        let mut pending: Vec<Event> = Vec::new();
        for (step, (action, cut, retry)) in steps.iter().enumerate() {
            if *retry && !pending.is_empty() {
                for ev in pending.drain(..) {
                    roster.apply(&ev, step as i64).map_err(|r| {
                        TestCaseError::fail(format!("retrying {ev}: {r}"))
                    })?;
                    assert_invariants(&roster);
                }
                continue;
            }
            let before = roster.clone();
            match plan(&roster, action, &settings) {
                Ok(events) => {
                    // Events still pending from an earlier plan are given up.
                    let cut = (*cut).min(events.len());
                    for ev in &events[..cut] {
                        roster.apply(ev, step as i64).map_err(|r| {
                            TestCaseError::fail(format!("planned {ev} refused: {r}"))
                        })?;
                        assert_invariants(&roster);
                    }
                    pending = events[cut..].to_vec();
                }
                Err(_) => prop_assert_eq!(&roster, &before),
            }
            assert_invariants(&roster);
        }
    }
}
