//! The documented transfer flows as table tests, and one test per forbidden
//! order. Flows are driven twice: through `plan` (supervisor actions) and
//! through `apply` (raw events), and must agree on events and rosters.

use switchboard::domain::{
    Action, Closing, ColdOrder, Event, Handover, Phase, PlanSettings, RefusalCode, Role, Roster,
    plan,
};

mod common;
use common::domain::agent;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn id(n: u8) -> String {
    format!("a-{n}")
}

fn cold(n: u8) -> Action {
    Action::Cold {
        to: agent(n),
        from: None,
    }
}

fn eoc(n: u8) -> Event {
    Event::EndOfConversation {
        agent: Some(agent(n)),
    }
}

/// (agent id, role) of one member.
type Seat = (String, Role);

/// One row of a flow table: the event, then the phase and members after it.
type Row = (Event, Phase, Vec<Seat>);

/// (agent id, role) of everyone present, in roster order.
fn who(roster: &Roster) -> Vec<Seat> {
    roster
        .members()
        .iter()
        .map(|m| (m.agent.id.clone(), m.role))
        .collect()
}

fn p(n: u8) -> Seat {
    (id(n), Role::Primary)
}

fn c(n: u8) -> Seat {
    (id(n), Role::Consultant)
}

/// Plans and applies each action in turn; returns the roster and every
/// event sent. Panics if an action is refused or a planned event is not
/// accepted.
fn run_actions(actions: &[Action], settings: &PlanSettings) -> (Roster, Vec<Event>) {
    let mut roster = Roster::new();
    let mut sent = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let events = plan(&roster, action, settings)
            .unwrap_or_else(|r| panic!("action {i} ({}) refused: {r}", action.describe()));
        for ev in events {
            roster
                .apply(&ev, i as i64)
                .unwrap_or_else(|r| panic!("planned {ev} not accepted: {r}"));
            sent.push(ev);
        }
        assert!(roster.is_consistent(), "inconsistent after {action}");
    }
    (roster, sent)
}

fn roster_after(events: &[Event]) -> Roster {
    let mut roster = Roster::new();
    for (i, ev) in events.iter().enumerate() {
        roster
            .apply(ev, i as i64)
            .unwrap_or_else(|r| panic!("event {i} ({ev}) refused: {r}"));
        assert!(roster.is_consistent(), "inconsistent after {ev}");
    }
    roster
}

/// Applies a table of (event, expected phase, expected members) rows.
fn run_table(rows: &[Row]) -> Roster {
    let mut roster = Roster::new();
    for (i, (ev, phase, members)) in rows.iter().enumerate() {
        roster
            .check(ev)
            .unwrap_or_else(|r| panic!("row {i}: check {ev}: {r}"));
        roster
            .apply(ev, i as i64)
            .unwrap_or_else(|r| panic!("row {i}: apply {ev}: {r}"));
        assert_eq!(roster.phase(), *phase, "row {i} ({ev}): phase");
        assert_eq!(&who(&roster), members, "row {i} ({ev}): members");
        assert!(roster.is_consistent(), "row {i} ({ev}): consistent");
    }
    roster
}

fn refuse_action(roster: &Roster, action: &Action, settings: &PlanSettings, code: RefusalCode) {
    let before = roster.clone();
    let refusal = plan(roster, action, settings).expect_err("action should be refused");
    assert_eq!(refusal.code, code, "{action}: {refusal}");
    assert!(!refusal.message.is_empty());
    assert_eq!(refusal.to_string(), refusal.message);
    assert_eq!(*roster, before);
}

fn refuse_event(roster: &mut Roster, ev: &Event, code: RefusalCode) {
    let before = roster.clone();
    let checked = roster.check(ev).expect_err("check should refuse");
    assert_eq!(checked.code, code, "check {ev}: {checked}");
    let applied = roster.apply(ev, 99).expect_err("apply should refuse");
    assert_eq!(applied, checked, "check and apply disagree on {ev}");
    assert_eq!(*roster, before, "a refused {ev} changed the roster");
}

/// Both sides of a forbidden order: the action is refused by `plan`, and the
/// event it would stand for is refused by `apply`.
fn refuse_both(
    setup: &[Event],
    action: &Action,
    ev: &Event,
    action_code: RefusalCode,
    event_code: RefusalCode,
) {
    let mut roster = roster_after(setup);
    refuse_action(&roster, action, &PlanSettings::default(), action_code);
    refuse_event(&mut roster, ev, event_code);
}

fn ended_roster() -> Roster {
    roster_after(&[
        Event::na_entry(agent(1)),
        Event::na_exit(agent(1)),
        Event::TriggerSummary,
        eoc(1),
    ])
}

// ---------------------------------------------------------------------------
// Documented flows
// ---------------------------------------------------------------------------

#[test]
fn cold_flow_through_plan() {
    let (roster, sent) = run_actions(
        &[Action::Enter(agent(1)), cold(2), cold(3), Action::End],
        &PlanSettings::default(),
    );
    assert_eq!(
        sent,
        vec![
            Event::na_entry(agent(1)),
            Event::cold_exit(agent(1)),
            Event::cold_entry(agent(2)),
            Event::cold_exit(agent(2)),
            Event::cold_entry(agent(3)),
            Event::na_exit(agent(3)),
            Event::TriggerSummary,
            eoc(3),
        ]
    );
    assert_eq!(roster.phase(), Phase::Ended);
    assert!(roster.members().is_empty());
    assert_eq!(roster.last_agent(), Some(&agent(3)));
}

#[test]
fn cold_flow_hands_the_conversation_over_each_time() {
    let settings = PlanSettings::default();
    let (after_first, _) = run_actions(&[Action::Enter(agent(1)), cold(2)], &settings);
    assert_eq!(who(&after_first), vec![p(2)]);
    let (after_second, _) = run_actions(&[Action::Enter(agent(1)), cold(2), cold(3)], &settings);
    assert_eq!(who(&after_second), vec![p(3)]);
    assert_eq!(after_second.phase(), Phase::Active);
    assert!(after_second.handover().is_none());
}

#[test]
fn cold_flow_through_apply() {
    let roster = run_table(&[
        (Event::na_entry(agent(1)), Phase::Active, vec![p(1)]),
        (Event::cold_exit(agent(1)), Phase::Active, vec![]),
        (Event::cold_entry(agent(2)), Phase::Active, vec![p(2)]),
        (Event::cold_exit(agent(2)), Phase::Active, vec![]),
        (Event::cold_entry(agent(3)), Phase::Active, vec![p(3)]),
        (Event::na_exit(agent(3)), Phase::Vacated, vec![]),
        (Event::TriggerSummary, Phase::Summarized, vec![]),
        (eoc(3), Phase::Ended, vec![]),
    ]);
    assert_eq!(roster.last_agent(), Some(&agent(3)));
}

#[test]
fn cold_exit_first_waits_for_the_entry() {
    let roster = roster_after(&[Event::na_entry(agent(1)), Event::cold_exit(agent(1))]);
    assert_eq!(roster.phase(), Phase::Active);
    assert_eq!(roster.handover(), Some(&Handover::Entry { from: agent(1) }));
}

#[test]
fn cold_entry_first_order() {
    let settings = PlanSettings {
        cold_order: ColdOrder::EntryFirst,
        ..PlanSettings::default()
    };
    let (roster, sent) = run_actions(&[Action::Enter(agent(1)), cold(2), cold(3)], &settings);
    assert_eq!(
        sent,
        vec![
            Event::na_entry(agent(1)),
            Event::cold_entry(agent(2)),
            Event::cold_exit(agent(1)),
            Event::cold_entry(agent(3)),
            Event::cold_exit(agent(2)),
        ]
    );
    assert_eq!(who(&roster), vec![p(3)]);

    // Between the two events both agents are present; the outgoing one stays
    // primary until its exit lands.
    let mid = run_table(&[
        (Event::na_entry(agent(1)), Phase::Active, vec![p(1)]),
        (Event::cold_entry(agent(2)), Phase::Active, vec![p(1), c(2)]),
    ]);
    assert_eq!(mid.handover(), Some(&Handover::Exit { from: agent(1) }));
    let mut done = mid.clone();
    done.apply(&Event::cold_exit(agent(1)), 3).unwrap();
    assert_eq!(who(&done), vec![p(2)]);
    assert!(done.handover().is_none());
}

#[test]
fn cold_from_the_named_primary() {
    let (roster, sent) = run_actions(
        &[
            Action::Enter(agent(1)),
            Action::Cold {
                to: agent(2),
                from: Some(id(1)),
            },
        ],
        &PlanSettings::default(),
    );
    assert_eq!(
        sent[1..],
        [Event::cold_exit(agent(1)), Event::cold_entry(agent(2))]
    );
    assert_eq!(who(&roster), vec![p(2)]);
}

#[test]
fn warm_flow_through_plan() {
    let (roster, sent) = run_actions(
        &[
            Action::Enter(agent(1)),
            Action::Warm(agent(2)),
            Action::Warm(agent(3)),
            Action::Remove(id(2)),
            Action::Remove(id(3)),
            Action::Remove(id(1)),
        ],
        &PlanSettings::default(),
    );
    assert_eq!(
        sent,
        vec![
            Event::na_entry(agent(1)),
            Event::warm_entry(agent(2)),
            Event::warm_entry(agent(3)),
            Event::warm_exit(agent(2)),
            Event::warm_exit(agent(3)),
            Event::na_exit(agent(1)),
        ]
    );
    assert_eq!(roster.phase(), Phase::Vacated);
    assert!(roster.members().is_empty());
    assert_eq!(roster.last_agent(), Some(&agent(1)));
}

#[test]
fn warm_flow_through_apply() {
    run_table(&[
        (Event::na_entry(agent(1)), Phase::Active, vec![p(1)]),
        (Event::warm_entry(agent(2)), Phase::Active, vec![p(1), c(2)]),
        (
            Event::warm_entry(agent(3)),
            Phase::Active,
            vec![p(1), c(2), c(3)],
        ),
        (Event::warm_exit(agent(2)), Phase::Active, vec![p(1), c(3)]),
        (Event::warm_exit(agent(3)), Phase::Active, vec![p(1)]),
        (Event::na_exit(agent(1)), Phase::Vacated, vec![]),
    ]);
}

#[test]
fn primary_leaving_promotes_the_earliest_consultant() {
    let (roster, sent) = run_actions(
        &[
            Action::Enter(agent(1)),
            Action::Warm(agent(2)),
            Action::Warm(agent(3)),
            Action::Remove(id(1)),
        ],
        &PlanSettings::default(),
    );
    assert_eq!(sent.last(), Some(&Event::warm_exit(agent(1))));
    assert_eq!(who(&roster), vec![p(2), c(3)]);
    // Entry times are kept through the promotion.
    assert_eq!(roster.primary().unwrap().since_ms, 1);
}

#[test]
fn redial_after_a_drop_keeps_the_roster() {
    // The "Redial Scenario" bullets: NA entry, redial entry, NA exit.
    let (roster, sent) = run_actions(
        &[
            Action::Enter(agent(1)),
            Action::Redial(agent(1)),
            Action::Remove(id(1)),
        ],
        &PlanSettings::default(),
    );
    assert_eq!(
        sent,
        vec![
            Event::na_entry(agent(1)),
            Event::redial_entry(agent(1)),
            Event::na_exit(agent(1)),
        ]
    );
    assert_eq!(roster.phase(), Phase::Vacated);

    // Through apply: the redial entry changes nothing, not even the entry time.
    let mut roster = roster_after(&[Event::na_entry(agent(1))]);
    let before = roster.clone();
    roster.apply(&Event::redial_entry(agent(1)), 50).unwrap();
    assert_eq!(roster, before);
    assert_eq!(roster.primary().unwrap().since_ms, 0);
}

#[test]
fn redial_after_the_last_exit() {
    // The "Abrupt Conversation End (Redial)" table: NA exit, redial entry,
    // NA exit, summary, end.
    let (roster, sent) = run_actions(
        &[
            Action::Enter(agent(1)),
            Action::Remove(id(1)),
            Action::Redial(agent(1)),
            Action::End,
        ],
        &PlanSettings::default(),
    );
    assert_eq!(
        sent,
        vec![
            Event::na_entry(agent(1)),
            Event::na_exit(agent(1)),
            Event::redial_entry(agent(1)),
            Event::na_exit(agent(1)),
            Event::TriggerSummary,
            eoc(1),
        ]
    );
    assert_eq!(roster.phase(), Phase::Ended);

    run_table(&[
        (Event::na_entry(agent(1)), Phase::Active, vec![p(1)]),
        (Event::na_exit(agent(1)), Phase::Vacated, vec![]),
        (Event::redial_entry(agent(1)), Phase::Active, vec![p(1)]),
        (Event::na_exit(agent(1)), Phase::Vacated, vec![]),
        (Event::TriggerSummary, Phase::Summarized, vec![]),
        (eoc(1), Phase::Ended, vec![]),
    ]);
}

#[test]
fn redial_as_a_callback_without_an_earlier_agent() {
    let (roster, sent) = run_actions(
        &[Action::Redial(agent(2)), Action::Warm(agent(3))],
        &PlanSettings::default(),
    );
    assert_eq!(
        sent,
        vec![Event::redial_entry(agent(2)), Event::warm_entry(agent(3))]
    );
    assert_eq!(who(&roster), vec![p(2), c(3)]);

    let roster = run_table(&[(Event::redial_entry(agent(2)), Phase::Active, vec![p(2)])]);
    // Somebody has entered now, so a first entry is no longer possible.
    refuse_action(
        &roster,
        &Action::Enter(agent(1)),
        &PlanSettings::default(),
        RefusalCode::AlreadyEntered,
    );
}

#[test]
fn redial_after_vacated_may_be_another_agent() {
    let (roster, sent) = run_actions(
        &[
            Action::Enter(agent(1)),
            Action::Remove(id(1)),
            Action::Redial(agent(2)),
        ],
        &PlanSettings::default(),
    );
    assert_eq!(sent.last(), Some(&Event::redial_entry(agent(2))));
    assert_eq!(who(&roster), vec![p(2)]);
    assert_eq!(roster.phase(), Phase::Active);
}

#[test]
fn end_with_consultants_present() {
    let mut roster = roster_after(&[
        Event::na_entry(agent(1)),
        Event::warm_entry(agent(2)),
        Event::warm_entry(agent(3)),
    ]);
    let events = plan(&roster, &Action::End, &PlanSettings::default()).unwrap();
    assert_eq!(
        events,
        vec![
            Event::warm_exit(agent(2)),
            Event::warm_exit(agent(3)),
            Event::na_exit(agent(1)),
            Event::TriggerSummary,
            eoc(1),
        ]
    );
    for ev in &events {
        roster.apply(ev, 10).unwrap();
    }
    assert_eq!(roster.phase(), Phase::Ended);
    assert!(roster.members().is_empty());
}

#[test]
fn end_with_only_end_of_conversation_configured() {
    let settings = PlanSettings {
        on_end: vec![Closing::EndOfConversation],
        ..PlanSettings::default()
    };
    let (roster, sent) = run_actions(
        &[Action::Enter(agent(1)), Action::Warm(agent(2)), Action::End],
        &settings,
    );
    assert_eq!(
        sent[2..],
        [Event::warm_exit(agent(2)), Event::na_exit(agent(1)), eoc(1),]
    );
    assert_eq!(roster.phase(), Phase::Ended);
}

#[test]
fn end_with_only_the_summary_configured_stops_at_summarized() {
    let settings = PlanSettings {
        on_end: vec![Closing::TriggerSummary],
        ..PlanSettings::default()
    };
    let (roster, sent) = run_actions(&[Action::Enter(agent(1)), Action::End], &settings);
    assert_eq!(sent[1..], [Event::na_exit(agent(1)), Event::TriggerSummary]);
    assert_eq!(roster.phase(), Phase::Summarized);
    // Nothing configured is still due.
    refuse_action(&roster, &Action::End, &settings, RefusalCode::NothingToSend);
}

#[test]
fn end_with_no_closing_events_only_empties_the_roster() {
    let settings = PlanSettings {
        on_end: vec![],
        ..PlanSettings::default()
    };
    let (roster, sent) = run_actions(&[Action::Enter(agent(1)), Action::End], &settings);
    assert_eq!(sent[1..], [Event::na_exit(agent(1))]);
    assert_eq!(roster.phase(), Phase::Vacated);
    refuse_action(&roster, &Action::End, &settings, RefusalCode::NothingToSend);
}

#[test]
fn end_after_vacated_sends_only_the_closing_events() {
    let roster = roster_after(&[Event::na_entry(agent(1)), Event::na_exit(agent(1))]);
    let events = plan(&roster, &Action::End, &PlanSettings::default()).unwrap();
    assert_eq!(events, vec![Event::TriggerSummary, eoc(1)]);
}

#[test]
fn end_after_summary_sends_only_end_of_conversation() {
    let roster = roster_after(&[
        Event::na_entry(agent(1)),
        Event::na_exit(agent(1)),
        Event::TriggerSummary,
    ]);
    let events = plan(&roster, &Action::End, &PlanSettings::default()).unwrap();
    assert_eq!(events, vec![eoc(1)]);
}

#[test]
fn end_of_conversation_may_skip_the_summary() {
    run_table(&[
        (Event::na_entry(agent(1)), Phase::Active, vec![p(1)]),
        (Event::na_exit(agent(1)), Phase::Vacated, vec![]),
        (
            Event::EndOfConversation { agent: None },
            Phase::Ended,
            vec![],
        ),
    ]);
}

#[test]
fn remove_the_only_agent_sends_na_exit() {
    let roster = roster_after(&[Event::na_entry(agent(1))]);
    assert_eq!(
        plan(&roster, &Action::Remove(id(1)), &PlanSettings::default()).unwrap(),
        vec![Event::na_exit(agent(1))]
    );
}

#[test]
fn descriptions() {
    assert_eq!(
        Event::warm_entry(agent(2)).describe(),
        "WARM entry Raj Patel"
    );
    assert_eq!(Event::na_exit(agent(1)).describe(), "NA exit Mia Chen");
    assert_eq!(Event::cold_exit(agent(1)).describe(), "COLD exit Mia Chen");
    assert_eq!(
        Event::redial_entry(agent(1)).describe(),
        "REDIAL entry Mia Chen"
    );
    assert_eq!(Event::TriggerSummary.describe(), "TRIGGER_SUMMARY_EVENT");
    assert_eq!(eoc(1).describe(), "END_OF_CONVERSATION");
    assert_eq!(cold(2).describe(), "cold transfer to Raj Patel");
    assert_eq!(
        Action::Warm(agent(3)).describe(),
        "warm transfer to Ana Silva"
    );
    assert_eq!(Action::End.describe(), "end conversation");
}

#[test]
fn refusal_messages_name_the_agents() {
    let roster = roster_after(&[Event::na_entry(agent(1)), Event::warm_entry(agent(2))]);
    let r = plan(&roster, &cold(3), &PlanSettings::default()).unwrap_err();
    assert!(r.message.contains("Raj Patel"), "{r}");
    assert!(r.message.contains("Remove the consultants"), "{r}");
    let r = plan(&roster, &Action::Enter(agent(3)), &PlanSettings::default()).unwrap_err();
    assert!(r.message.contains("Mia Chen"), "{r}");
    let vacated = roster_after(&[Event::na_entry(agent(1)), Event::na_exit(agent(1))]);
    let r = plan(&vacated, &Action::Enter(agent(2)), &PlanSettings::default()).unwrap_err();
    assert!(r.message.contains("redial"), "{r}");
}

// ---------------------------------------------------------------------------
// Forbidden orders: each is refused with its code and changes nothing
// ---------------------------------------------------------------------------

#[test]
fn second_na_entry() {
    refuse_both(
        &[Event::na_entry(agent(1))],
        &Action::Enter(agent(2)),
        &Event::na_entry(agent(2)),
        RefusalCode::AlreadyEntered,
        RefusalCode::AlreadyEntered,
    );
    // The same agent entering twice is no better.
    refuse_both(
        &[Event::na_entry(agent(1))],
        &Action::Enter(agent(1)),
        &Event::na_entry(agent(1)),
        RefusalCode::AlreadyEntered,
        RefusalCode::AlreadyEntered,
    );
}

#[test]
fn warm_entry_before_any_agent() {
    refuse_both(
        &[],
        &Action::Warm(agent(2)),
        &Event::warm_entry(agent(2)),
        RefusalCode::NoAgentYet,
        RefusalCode::NoAgentYet,
    );
}

#[test]
fn cold_transfer_before_any_agent() {
    refuse_both(
        &[],
        &cold(2),
        &Event::cold_entry(agent(2)),
        RefusalCode::NoAgentYet,
        RefusalCode::NoAgentYet,
    );
}

#[test]
fn removing_someone_not_in_the_roster() {
    let setup = [Event::na_entry(agent(1)), Event::warm_entry(agent(2))];
    refuse_both(
        &setup,
        &Action::Remove(id(3)),
        &Event::warm_exit(agent(3)),
        RefusalCode::NotInRoster,
        RefusalCode::NotInRoster,
    );
    let mut roster = roster_after(&setup);
    refuse_event(
        &mut roster,
        &Event::na_exit(agent(3)),
        RefusalCode::NotInRoster,
    );
    refuse_event(
        &mut roster,
        &Event::cold_exit(agent(3)),
        RefusalCode::NotInRoster,
    );
    // Nobody at all yet.
    refuse_both(
        &[],
        &Action::Remove(id(1)),
        &Event::na_exit(agent(1)),
        RefusalCode::NotInRoster,
        RefusalCode::NotInRoster,
    );
}

#[test]
fn cold_transfer_to_an_agent_already_present() {
    let setup = [Event::na_entry(agent(1)), Event::warm_entry(agent(2))];
    let roster = roster_after(&setup);
    refuse_action(
        &roster,
        &cold(2),
        &PlanSettings::default(),
        RefusalCode::AlreadyPresent,
    );
    // Entry first: the incoming agent is already here.
    let mut roster = roster_after(&[Event::na_entry(agent(1))]);
    refuse_event(
        &mut roster,
        &Event::cold_entry(agent(1)),
        RefusalCode::AlreadyPresent,
    );
}

#[test]
fn cold_transfer_to_the_leaving_agent() {
    let roster = roster_after(&[Event::na_entry(agent(1))]);
    refuse_action(
        &roster,
        &cold(1),
        &PlanSettings::default(),
        RefusalCode::SameAgent,
    );
    // Exit first, then the same agent comes back as the "new" one.
    let mut roster = roster_after(&[Event::na_entry(agent(1)), Event::cold_exit(agent(1))]);
    refuse_event(
        &mut roster,
        &Event::cold_entry(agent(1)),
        RefusalCode::SameAgent,
    );
}

#[test]
fn cold_transfer_with_consultants_present() {
    let setup = [Event::na_entry(agent(1)), Event::warm_entry(agent(2))];
    refuse_both(
        &setup,
        &cold(3),
        &Event::cold_exit(agent(1)),
        RefusalCode::ColdWithConsultants,
        RefusalCode::ColdWithConsultants,
    );
    let mut roster = roster_after(&setup);
    refuse_event(
        &mut roster,
        &Event::cold_entry(agent(3)),
        RefusalCode::ColdWithConsultants,
    );
}

#[test]
fn cold_transfer_from_a_consultant() {
    let roster = roster_after(&[Event::na_entry(agent(1)), Event::warm_entry(agent(2))]);
    refuse_action(
        &roster,
        &Action::Cold {
            to: agent(3),
            from: Some(id(2)),
        },
        &PlanSettings::default(),
        RefusalCode::NotPrimary,
    );
    refuse_action(
        &roster,
        &Action::Cold {
            to: agent(3),
            from: Some(id(4)),
        },
        &PlanSettings::default(),
        RefusalCode::NotInRoster,
    );
}

#[test]
fn anything_after_end_of_conversation() {
    let mut roster = ended_roster();
    let settings = PlanSettings::default();
    for action in [
        Action::Enter(agent(2)),
        cold(2),
        Action::Warm(agent(2)),
        Action::Remove(id(1)),
        Action::End,
        Action::Redial(agent(1)),
    ] {
        refuse_action(&roster, &action, &settings, RefusalCode::ConversationEnded);
    }
    for ev in every_event_kind() {
        refuse_event(&mut roster, &ev, RefusalCode::ConversationEnded);
    }
    assert!(roster.members().is_empty());
}

fn every_event_kind() -> Vec<Event> {
    vec![
        Event::na_entry(agent(1)),
        Event::na_exit(agent(1)),
        Event::cold_entry(agent(2)),
        Event::cold_exit(agent(1)),
        Event::warm_entry(agent(2)),
        Event::warm_exit(agent(1)),
        Event::redial_entry(agent(1)),
        Event::TriggerSummary,
        eoc(1),
        Event::EndOfConversation { agent: None },
    ]
}

#[test]
fn enter_after_vacated_needs_a_redial() {
    refuse_both(
        &[Event::na_entry(agent(1)), Event::na_exit(agent(1))],
        &Action::Enter(agent(1)),
        &Event::na_entry(agent(1)),
        RefusalCode::UseRedial,
        RefusalCode::UseRedial,
    );
}

#[test]
fn transfers_after_vacated_need_a_redial() {
    let setup = [Event::na_entry(agent(1)), Event::na_exit(agent(1))];
    refuse_both(
        &setup,
        &Action::Warm(agent(2)),
        &Event::warm_entry(agent(2)),
        RefusalCode::NoAgentPresent,
        RefusalCode::NoAgentPresent,
    );
    refuse_both(
        &setup,
        &cold(2),
        &Event::cold_entry(agent(2)),
        RefusalCode::NoAgentPresent,
        RefusalCode::NoAgentPresent,
    );
}

#[test]
fn warm_exit_of_the_last_agent() {
    let mut roster = roster_after(&[Event::na_entry(agent(1))]);
    refuse_event(
        &mut roster,
        &Event::warm_exit(agent(1)),
        RefusalCode::LastAgent,
    );
}

#[test]
fn na_exit_while_others_remain() {
    let mut roster = roster_after(&[Event::na_entry(agent(1)), Event::warm_entry(agent(2))]);
    refuse_event(
        &mut roster,
        &Event::na_exit(agent(1)),
        RefusalCode::NotLastAgent,
    );
    refuse_event(
        &mut roster,
        &Event::na_exit(agent(2)),
        RefusalCode::NotLastAgent,
    );
}

#[test]
fn end_before_any_agent() {
    refuse_both(
        &[],
        &Action::End,
        &eoc(1),
        RefusalCode::NoAgentYet,
        RefusalCode::NoAgentYet,
    );
    let mut roster = Roster::new();
    refuse_event(&mut roster, &Event::TriggerSummary, RefusalCode::NoAgentYet);
}

#[test]
fn closing_events_while_agents_are_present() {
    let mut roster = roster_after(&[Event::na_entry(agent(1))]);
    refuse_event(
        &mut roster,
        &Event::TriggerSummary,
        RefusalCode::AgentsStillPresent,
    );
    refuse_event(&mut roster, &eoc(1), RefusalCode::AgentsStillPresent);
}

#[test]
fn summary_twice() {
    let mut roster = roster_after(&[
        Event::na_entry(agent(1)),
        Event::na_exit(agent(1)),
        Event::TriggerSummary,
    ]);
    refuse_event(
        &mut roster,
        &Event::TriggerSummary,
        RefusalCode::SummaryAlreadySent,
    );
}

#[test]
fn end_of_conversation_twice() {
    let mut roster = ended_roster();
    refuse_event(&mut roster, &eoc(1), RefusalCode::ConversationEnded);
    refuse_action(
        &roster,
        &Action::End,
        &PlanSettings::default(),
        RefusalCode::ConversationEnded,
    );
}

#[test]
fn transfers_after_the_summary() {
    let setup = [
        Event::na_entry(agent(1)),
        Event::na_exit(agent(1)),
        Event::TriggerSummary,
    ];
    refuse_both(
        &setup,
        &Action::Redial(agent(1)),
        &Event::redial_entry(agent(1)),
        RefusalCode::NotAllowedAfterSummary,
        RefusalCode::NotAllowedAfterSummary,
    );
    refuse_both(
        &setup,
        &Action::Enter(agent(1)),
        &Event::na_entry(agent(1)),
        RefusalCode::NotAllowedAfterSummary,
        RefusalCode::NotAllowedAfterSummary,
    );
    refuse_both(
        &setup,
        &Action::Warm(agent(2)),
        &Event::warm_entry(agent(2)),
        RefusalCode::NotAllowedAfterSummary,
        RefusalCode::NotAllowedAfterSummary,
    );
}

#[test]
fn redial_for_another_agent_while_someone_is_present() {
    refuse_both(
        &[Event::na_entry(agent(1))],
        &Action::Redial(agent(2)),
        &Event::redial_entry(agent(2)),
        RefusalCode::RedialOtherAgent,
        RefusalCode::RedialOtherAgent,
    );
}

#[test]
fn redial_for_an_agent_who_is_not_alone() {
    refuse_both(
        &[Event::na_entry(agent(1)), Event::warm_entry(agent(2))],
        &Action::Redial(agent(1)),
        &Event::redial_entry(agent(1)),
        RefusalCode::RedialNotAlone,
        RefusalCode::RedialNotAlone,
    );
}

#[test]
fn redial_exit_is_not_documented() {
    let mut roster = roster_after(&[Event::na_entry(agent(1))]);
    refuse_event(
        &mut roster,
        &Event::transfer(
            switchboard::domain::TransferKind::Redial,
            switchboard::domain::Transition::Exit,
            agent(1),
        ),
        RefusalCode::Undocumented,
    );
}

#[test]
fn warm_entry_of_an_agent_already_present() {
    refuse_both(
        &[Event::na_entry(agent(1)), Event::warm_entry(agent(2))],
        &Action::Warm(agent(2)),
        &Event::warm_entry(agent(2)),
        RefusalCode::AlreadyPresent,
        RefusalCode::AlreadyPresent,
    );
}

#[test]
fn anything_else_during_an_exit_first_cold_transfer() {
    let setup = [Event::na_entry(agent(1)), Event::cold_exit(agent(1))];
    let roster = roster_after(&setup);
    let settings = PlanSettings::default();
    for action in [
        Action::Enter(agent(2)),
        cold(2),
        Action::Warm(agent(2)),
        Action::Remove(id(1)),
        Action::End,
        Action::Redial(agent(1)),
    ] {
        refuse_action(&roster, &action, &settings, RefusalCode::TransferInProgress);
    }
    let mut roster = roster;
    for ev in [
        Event::na_entry(agent(2)),
        Event::warm_entry(agent(2)),
        Event::redial_entry(agent(1)),
        Event::na_exit(agent(1)),
        Event::TriggerSummary,
        eoc(1),
    ] {
        refuse_event(&mut roster, &ev, RefusalCode::TransferInProgress);
    }
}

#[test]
fn anything_else_during_an_entry_first_cold_transfer() {
    let setup = [Event::na_entry(agent(1)), Event::cold_entry(agent(2))];
    let mut roster = roster_after(&setup);
    for ev in [
        // The incoming agent cannot be the one to leave.
        Event::cold_exit(agent(2)),
        Event::warm_entry(agent(3)),
        Event::warm_exit(agent(2)),
        Event::na_exit(agent(1)),
        Event::cold_entry(agent(3)),
        eoc(1),
    ] {
        refuse_event(&mut roster, &ev, RefusalCode::TransferInProgress);
    }
    refuse_action(
        &roster,
        &Action::Remove(id(2)),
        &PlanSettings::default(),
        RefusalCode::TransferInProgress,
    );
}

#[test]
fn bad_closing_settings() {
    let roster = roster_after(&[Event::na_entry(agent(1))]);
    let settings = PlanSettings {
        on_end: vec![Closing::EndOfConversation, Closing::TriggerSummary],
        ..PlanSettings::default()
    };
    refuse_action(&roster, &Action::End, &settings, RefusalCode::BadSettings);
}
