use super::arrivals::BACKLOG;
use super::*;

fn ids() -> WorldIds {
    WorldIds {
        bot_id: "st-x".into(),
        org_id: "o-x".into(),
        account_id: "acc".into(),
    }
}

const T0: i64 = 1_700_000_000_000;

#[test]
fn the_demo_world_has_waiting_and_active_conversations() {
    let t = Traffic::new(ids(), 1, T0);
    let w = &t.world;
    assert_eq!(w.agents.len(), 12);
    assert_eq!(w.queues.len(), 3);
    // Six conversations, and before them the backlog of the queue in
    // trouble.
    assert_eq!(w.conversations.len(), 6 + BACKLOG as usize);
    let active = w
        .conversations
        .iter()
        .filter(|c| c.status == ConvStatus::Active)
        .count();
    assert_eq!(active, 3);
    let (backlog, six) = w.conversations.split_at(BACKLOG as usize);
    let trouble = &w.queues[TROUBLE_QUEUE].id;
    for c in backlog {
        assert_eq!(c.queue_id.as_ref(), Some(trouble));
        assert_eq!(c.status, ConvStatus::Overdue, "{} waits long", c.id);
    }
    assert!(six.iter().all(|c| c.status != ConvStatus::Overdue));
    // Numbered and listed in the order they arrived.
    let numbers: Vec<u64> = w
        .conversations
        .iter()
        .map(|c| c.id[2..].parse().unwrap())
        .collect();
    assert_eq!(numbers, (1036..1047).collect::<Vec<_>>());
    assert!(w.conversations.is_sorted_by_key(|c| c.created_ms));
    assert_eq!(w.next_number, 1047);
    for c in &w.conversations {
        assert_eq!(c.bot_session_id.len(), 24);
        assert!(c.bot_session_id.chars().all(|ch| ch.is_ascii_hexdigit()));
        assert!(c.id.starts_with("c-"));
    }
    let ids: std::collections::HashSet<_> = w.agents.iter().map(|a| &a.id).collect();
    assert_eq!(ids.len(), 12, "agent ids are unique");
}

/// Capacity held by agents always equals the active participations.
fn check_load(w: &World) {
    for a in &w.agents {
        let (mut chat, mut voice) = (0, 0);
        for c in &w.conversations {
            for p in &c.participants {
                if p.active && p.agent_id == a.id {
                    match c.channel {
                        Channel::Chat => chat += 1,
                        Channel::Voice => voice += 1,
                    }
                }
            }
        }
        assert_eq!((a.chat_used, a.voice_used), (chat, voice), "{}", a.name());
        assert!(a.chat_used <= a.chat_max && a.voice_used <= a.voice_max);
    }
}

#[test]
fn many_steps_keep_the_world_consistent_and_bounded() {
    let mut t = Traffic::new(ids(), 7, T0);
    let mut now = T0;
    let mut seen_changes = 0;
    for _ in 0..2000 {
        now += 3000;
        let s = t.step(now);
        assert!((1500..=4500).contains(&s.next_in_ms));
        seen_changes += s.changes.len();
        check_load(&t.world);
        assert!(t.world.live_count() <= MAX_LIVE);
        let ended = t
            .world
            .conversations
            .iter()
            .filter(|c| c.status.is_ended())
            .count();
        assert!(ended <= KEEP_ENDED);
    }
    assert!(seen_changes > 1000);
}

#[test]
fn assign_frees_the_previous_agent() {
    let mut t = Traffic::new(ids(), 3, T0);
    let w = &mut t.world;
    let conv = w
        .conversations
        .iter()
        .find(|c| c.status == ConvStatus::Active && c.channel == Channel::Chat)
        .cloned()
        .or_else(|| {
            w.conversations
                .iter()
                .find(|c| c.status == ConvStatus::Active)
                .cloned()
        })
        .unwrap();
    let target = w
        .agents
        .iter()
        .find(|a| {
            a.presence == Presence::Available
                && a.voice_max > 0
                && !conv.participants.iter().any(|p| p.agent_id == a.id)
        })
        .unwrap()
        .id
        .clone();
    w.assign_to_agent(&conv.bot_session_id, &target, T0 + 1)
        .unwrap();
    check_load(w);
    let c = w.conversation(&conv.id).unwrap();
    assert_eq!(c.participants.iter().filter(|p| p.active).count(), 1);
    assert!(c.driven);
    let err = w
        .assign_to_agent(&conv.bot_session_id, &target, T0 + 2)
        .unwrap_err();
    assert!(err.contains("already handles"), "{err}");
}

#[test]
fn iso_formats_milliseconds() {
    assert_eq!(iso(1_684_997_771_959), "2023-05-25T06:56:11.959Z");
    assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
}
