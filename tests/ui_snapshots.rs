//! Snapshots of the whole console drawn into a `TestBackend`, at 80x24 and
//! 120x40, in the dark and mono themes, with every overlay and bottom-bar
//! mode, plus style checks and a no-panic sweep over small sizes.
//!
//! The clock is fixed (`NOW`), so the snapshots are stable; clock times and
//! ports are still filtered (with same-width stand-ins, so columns stay
//! aligned) in case a fixture changes.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use switchboard::app::State;
use switchboard::app::input::TextInput;
use switchboard::app::state::*;
use switchboard::domain::{AgentRef, Event};
use switchboard::kore::wire::{AgentStatusCounts, FailReason, QueueSize, QueueSummary};
use switchboard::ui::keymap::{KeyMode, Keymap};
use switchboard::ui::{Theme, ThemeKind, view};

mod common;
use common::state::{agent, settings};

/// 2024-01-01 14:03:22 UTC.
const NOW: i64 = 1_704_117_802_000;
const SEC: i64 = 1000;

/// The console before anything is known: a demo bot that confirms sends.
fn blank() -> State {
    let settings = settings("st-5c1e9a2b-77d0-4c3e-9f12-3b8e0c2da1f3", "DEMO", 120_000);
    State::new(settings, Keymap::default(), "t".into())
}

fn agent_ref(id: &str, name: &str) -> AgentRef {
    AgentRef::new(id, name)
}

/// An event that was delivered: applied to the roster and on the timeline.
fn delivered(c: &mut Conversation, n: u32, at_ms: i64, ev: Event, latency_ms: u64) {
    c.roster.apply(&ev, at_ms).expect("a valid order");
    c.timeline.push(TimelineItem::Event {
        req_id: format!("t-{n}"),
        at_ms,
        text: ev.describe(),
        event: ev,
        delivery: Delivery::Delivered {
            status: 200,
            latency_ms,
            attempt: 1,
            maybe_arrived: Vec::new(),
        },
    });
}

/// An event on the timeline that has not changed the roster (yet).
fn pending(c: &mut Conversation, n: u32, at_ms: i64, ev: Event, delivery: Delivery) {
    c.timeline.push(TimelineItem::Event {
        req_id: format!("t-{n}"),
        at_ms,
        text: ev.describe(),
        event: ev,
        delivery,
    });
}

fn assign(c: &mut Conversation, n: u32, at_ms: i64, to: &str, state: AssignState) {
    c.timeline.push(TimelineItem::Assign {
        req_id: format!("t-{n}"),
        at_ms,
        text: format!("assign → {to}"),
        state,
    });
}

fn conv(id: &str, channel: Channel, lang: &str, age_s: i64) -> Conversation {
    let mut c = Conversation::new(id, channel, lang);
    c.started_ms = Some(NOW - age_s * SEC);
    c.listed = true;
    c
}

/// A busy contact centre: every conversation state, failed and open
/// requests, a full agent directory and a log with every kind of line.
fn demo() -> State {
    let mut s = blank();
    s.now_ms = NOW;
    s.model.status = Status {
        health: Health::Online,
        rate_used: 12,
        rate_limit: 60,
        callback_address: "http://127.0.0.1:8009".into(),
        ..Status::default()
    };
    let mia = agent_ref("a-1", "Mia Chen");
    let raj = agent_ref("a-2", "Raj Patel");
    let ana = agent_ref("a-3", "Ana Souza");
    let tom = agent_ref("a-4", "Tom Berg");

    let mut c = conv("c-1042", Channel::Voice, "en", 252);
    c.bot_session_id = Some("7f3a9c0e51d24b6a8e2c".into());
    delivered(&mut c, 1, NOW - 192 * SEC, Event::na_entry(mia.clone()), 41);
    delivered(&mut c, 2, NOW - 2 * SEC, Event::warm_entry(raj.clone()), 38);
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = conv("c-1043", Channel::Chat, "de", 45);
    c.bot_session_id = Some("b-99".into());
    assign(
        &mut c,
        3,
        NOW - 10 * SEC,
        "Raj Patel",
        AssignState::AwaitingCallback {
            status: 200,
            latency_ms: 52,
        },
    );
    s.requests
        .awaiting_callback
        .insert("t-3".into(), c.id.clone());
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = conv("c-1044", Channel::Voice, "en", 1_320);
    delivered(
        &mut c,
        4,
        NOW - 1_300 * SEC,
        Event::na_entry(ana.clone()),
        40,
    );
    pending(
        &mut c,
        5,
        NOW - 60 * SEC,
        Event::cold_exit(ana.clone()),
        Delivery::Failed {
            status: Some(400),
            message: "Agent a-3 is not part of conversation c-1044".into(),
            reason: FailReason::from_status(
                Some(400),
                "Agent a-3 is not part of conversation c-1044",
            ),
        },
    );
    pending(
        &mut c,
        6,
        NOW - 60 * SEC,
        Event::cold_entry(tom.clone()),
        Delivery::Held,
    );
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = conv("c-1045", Channel::Chat, "fr", 610);
    delivered(&mut c, 7, NOW - 600 * SEC, Event::na_entry(tom.clone()), 35);
    pending(
        &mut c,
        8,
        NOW - 3 * SEC,
        Event::warm_entry(mia.clone()),
        Delivery::Retrying {
            attempt: 2,
            error: "503 Service Unavailable".into(),
        },
    );
    pending(
        &mut c,
        9,
        NOW - 3 * SEC,
        Event::warm_exit(mia.clone()),
        Delivery::Queued,
    );
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = conv("c-1046", Channel::Chat, "en", 5_400);
    c.api_status = Some("ACTIVE".into());
    c.api_agents = vec!["Lena Novak".into()];
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = conv("c-1047", Channel::Voice, "es", 900);
    delivered(
        &mut c,
        10,
        NOW - 880 * SEC,
        Event::na_entry(raj.clone()),
        44,
    );
    delivered(&mut c, 11, NOW - 100 * SEC, Event::na_exit(raj.clone()), 39);
    delivered(&mut c, 12, NOW - 99 * SEC, Event::TriggerSummary, 61);
    delivered(
        &mut c,
        13,
        NOW - 98 * SEC,
        Event::EndOfConversation {
            agent: Some(raj.clone()),
        },
        47,
    );
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = conv("c-1048", Channel::Chat, "en", 20);
    c.api_status = Some("OVERDUE".into());
    s.model.conversations.insert(c.id.clone(), c);

    let mut c = Conversation::new("c-1049", Channel::Chat, "pt-BR");
    c.manual = true;
    s.model.conversations.insert(c.id.clone(), c);

    for (i, age) in [(1050, 30), (1051, 75)] {
        let c = conv(&format!("c-{i}"), Channel::Voice, "en", age);
        s.model.conversations.insert(c.id.clone(), c);
    }

    s.model.agents = vec![
        agent("a-1", "Mia Chen", Presence::Available, (2, 5), (1, 1)),
        agent("a-2", "Raj Patel", Presence::Busy, (5, 5), (0, 1)),
        agent("a-3", "Ana Souza", Presence::Away, (0, 5), (0, 1)),
        agent("a-4", "Tom Berg", Presence::Available, (1, 5), (0, 1)),
        agent("a-5", "Lena Novak", Presence::Offline, (0, 5), (0, 1)),
        agent("a-6", "Kwame Mensah", Presence::Available, (0, 3), (0, 1)),
    ];

    let log = [
        (-4, LogKind::Info, "polled 10 conversations, 6 agents"),
        (
            -3,
            LogKind::Out,
            "POST hooks/st-…a1f3  WARM entry Raj Patel (c-1042)",
        ),
        (-2, LogKind::In, "200 OK 38 ms"),
        (
            -2,
            LogKind::Out,
            "POST public/st-…a1f3/assign-conversation  c-1043 → Raj Patel",
        ),
        (-2, LogKind::In, "200 OK 52 ms"),
        (
            -1,
            LogKind::Error,
            "400 Bad Request 31 ms: Agent a-3 is not part of conversation c-1044",
        ),
        (
            0,
            LogKind::Callback,
            "callback assign c-1041 → Mia Chen: transferred",
        ),
    ];
    for (d, kind, text) in log {
        s.log.push(NOW + d * SEC, kind, text);
    }
    s.views.list.selected = Some("c-1042".into());
    s
}

fn dark() -> Theme {
    Theme::new(ThemeKind::Dark, false)
}

fn mono() -> Theme {
    Theme::new(ThemeKind::Mono, false)
}

fn draw(state: &State, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    t.draw(|f| view(state, f, theme)).expect("drawing");
    t
}

/// The screen as text, one line per row, trailing spaces trimmed. Cells
/// covered by a wide character are skipped, as a terminal shows them.
fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            if skip == 0 {
                line.push_str(cell.symbol());
            }
            let w = unicode_width::UnicodeWidthStr::width(cell.symbol()).max(1);
            skip = skip.max(w).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn screen(state: &State, theme: &Theme, w: u16, h: u16) -> String {
    text(draw(state, theme, w, h).backend().buffer())
}

/// Snapshot with clock times and ports replaced by same-width stand-ins.
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"\b\d{2}:\d{2}:\d{2}\b", "HH:MM:SS"),
                (r":\d{4,5}\b", ":PORT"),
            ],
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

// ---------------------------------------------------------------------------
// Whole screens
// ---------------------------------------------------------------------------

#[test]
fn dark_80x24() {
    let s = demo();
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.lines().next().unwrap().ends_with("14:03:22"), "{out}");
    snap!("dark_80x24", out);
}

#[test]
fn dark_120x40() {
    let s = demo();
    snap!("dark_120x40", screen(&s, &dark(), 120, 40));
}

#[test]
fn mono_80x24() {
    let s = demo();
    snap!("mono_80x24", screen(&s, &mono(), 80, 24));
}

#[test]
fn mono_120x40_with_the_roster_focused() {
    let mut s = demo();
    s.views.focus = Pane::Roster;
    s.views.detail.roster_cursor = 1;
    s.views.detail.open = true;
    snap!("mono_120x40", screen(&s, &mono(), 120, 40));
}

#[test]
fn agents_listed_by_the_api_show_when_the_roster_is_empty() {
    let mut s = demo();
    s.views.list.selected = Some("c-1046".into());
    let out = screen(&s, &dark(), 80, 24);
    assert!(
        out.contains("Lena Novak") && out.contains("not entered"),
        "{out}"
    );
    assert!(out.contains("nothing sent yet"), "{out}");
    s.views.list.selected = Some("c-1047".into());
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("the conversation has ended"), "{out}");
}

#[test]
fn ascii_80x24() {
    let mut s = demo();
    s.views.focus = Pane::Log;
    s.log.follow = false;
    s.log.cursor = 3;
    let out = screen(&s, &Theme::new(ThemeKind::Dark, true), 80, 24);
    for line in out.lines() {
        assert!(line.is_ascii(), "not ASCII: {line}");
    }
    snap!("ascii_80x24", out);
}

#[test]
fn detail_with_every_kind_of_result_120x40() {
    let mut s = demo();
    let mia = agent_ref("a-1", "Mia Chen");
    let raj = agent_ref("a-2", "Raj Patel");
    let mut c = conv("c-2001", Channel::Chat, "en", 3_000);
    c.bot_session_id = Some("sess-0f9e8d7c6b5a4932".into());
    c.api_status = Some("ACTIVE".into());
    c.assigned_agent = Some("a-1".into());
    delivered(
        &mut c,
        21,
        NOW - 2_980 * SEC,
        Event::na_entry(mia.clone()),
        41,
    );
    delivered(
        &mut c,
        22,
        NOW - 600 * SEC,
        Event::warm_entry(raj.clone()),
        38,
    );
    let agent = |id: &str, name: &str| Event::warm_entry(agent_ref(id, name));
    for (n, d) in [
        (23, Delivery::Queued),
        (24, Delivery::Sending),
        (
            25,
            Delivery::Retrying {
                attempt: 2,
                error: "503 Service Unavailable".into(),
            },
        ),
        (
            26,
            Delivery::Failed {
                status: Some(400),
                message: "Agent a-7 is already part of the conversation".into(),
                reason: FailReason::from_status(
                    Some(400),
                    "Agent a-7 is already part of the conversation",
                ),
            },
        ),
        (
            27,
            Delivery::Failed {
                status: None,
                message: "connection refused after 5 attempts".into(),
                reason: FailReason::from_status(None, "connection refused after 5 attempts"),
            },
        ),
        (28, Delivery::Held),
        (29, Delivery::Dropped),
        (30, Delivery::Unknown),
    ] {
        pending(
            &mut c,
            n,
            NOW - (40 - i64::from(n)) * SEC,
            agent("a-7", "Kenji Sato"),
            d,
        );
    }
    assign(
        &mut c,
        31,
        NOW - 9 * SEC,
        "Kenji Sato",
        AssignState::Sending,
    );
    assign(
        &mut c,
        32,
        NOW - 8 * SEC,
        "Kenji Sato",
        AssignState::AwaitingCallback {
            status: 200,
            latency_ms: 40,
        },
    );
    assign(
        &mut c,
        33,
        NOW - 7 * SEC,
        "Kenji Sato",
        AssignState::Rejected {
            message: "invalid botSessionId".into(),
            reason: FailReason::from_status(None, "invalid botSessionId"),
        },
    );
    assign(
        &mut c,
        34,
        NOW - 6 * SEC,
        "Kenji Sato",
        AssignState::CallbackFailed {
            reason: "agent is at capacity".into(),
            why: FailReason::from_message("agent is at capacity"),
        },
    );
    assign(
        &mut c,
        35,
        NOW - 5 * SEC,
        "Kenji Sato",
        AssignState::TimedOut,
    );
    assign(
        &mut c,
        36,
        NOW - 5 * SEC,
        "Kenji Sato",
        AssignState::Transferred,
    );
    c.timeline.push(TimelineItem::Note {
        at_ms: NOW - 4 * SEC,
        text: "resent by the supervisor".into(),
    });
    s.model.conversations.insert(c.id.clone(), c);
    s.views.list.selected = Some("c-2001".into());
    s.views.detail.open = true;
    s.views.focus = Pane::Roster;
    s.views.detail.roster_cursor = 1;
    let out = screen(&s, &dark(), 120, 40);
    for want in [
        "✓ 200 38 ms",
        "… queued",
        "→ sending",
        "↻ retrying (2)",
        "✗ 400",
        "⏸ held",
        "⊘ dropped",
        "? unknown",
        "✓ transferred",
        "… awaiting callback",
        "✗ failed:",
        "agent is at capacity",
        "✗ timed out",
        "since",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    snap!("detail_every_result_120x40", out);
    // The same conversation in the narrow pane of 80x24 keeps the latest lines.
    let narrow = screen(&s, &dark(), 80, 24);
    assert!(narrow.contains("timed out"), "{narrow}");
    snap!("detail_every_result_80x24", narrow);
}

#[test]
fn empty_console_and_no_selection() {
    let mut s = blank();
    s.now_ms = NOW;
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("no conversations yet (polling…)"), "{out}");
    assert!(out.contains("select a conversation with j/k"), "{out}");
    snap!("empty_80x24", out);
}

#[test]
fn at_80_columns_a_calm_status_bar_shows_everything_but_the_name() {
    let mut s = blank();
    s.now_ms = NOW;
    s.model.status = Status {
        health: Health::Online,
        rate_used: 12,
        rate_limit: 60,
        callback_address: "http://127.0.0.1:8009".into(),
        ..Status::default()
    };
    let out = screen(&s, &dark(), 80, 24);
    let top = out.lines().next().unwrap();
    for want in [
        "…a1f3",
        "DEMO",
        "● online",
        "api 12/60",
        "cb :8009",
        "0 queued",
        "14:03:22",
    ] {
        assert!(top.contains(want), "missing {want:?} in {top:?}");
    }
    // Under pressure (failures, retries) the static parts give way first.
    let busy = screen(&demo(), &dark(), 80, 24);
    let top = busy.lines().next().unwrap();
    for want in [
        "DEMO",
        "online",
        "api 12/60",
        "4 queued",
        "retrying (2)",
        "1 failed",
    ] {
        assert!(top.contains(want), "missing {want:?} in {top:?}");
    }
}

#[test]
fn status_bar_read_only_degraded_and_failing() {
    let mut s = demo();
    s.settings.read_only = true;
    s.model.status.health = Health::Degraded("connection refused (platform.kore.ai:443)".into());
    s.model.status.callback_address = "https://cb.example.com:8443".into();
    s.model.status.rate_used = 55;
    let wide = screen(&s, &dark(), 120, 40);
    let top = wide.lines().next().unwrap().to_string();
    for want in [
        "READ-ONLY",
        "▲ Kore unreachable: check [kore] host",
        "1 failed",
        "4 queued",
        "retrying (2)",
    ] {
        assert!(top.contains(want), "missing {want:?} in {top:?}");
    }
    // With more room the callback address shows too.
    let wider = screen(&s, &dark(), 180, 40);
    let top150 = wider.lines().next().unwrap().to_string();
    assert!(top150.contains("cb.example.com:8443"), "{top150:?}");
    let narrow = screen(&s, &dark(), 80, 24);
    let top80 = narrow.lines().next().unwrap().to_string();
    // At 80 the budget and the environment stay before the clock (issue 19.3).
    for want in [
        "READ-ONLY",
        "unreachable",
        "1 failed",
        "4 queued",
        "api 55/60",
        "DEMO",
    ] {
        assert!(top80.contains(want), "missing {want:?} in {top80:?}");
    }
    snap!("status_read_only_80", top80);
    snap!("status_read_only_120", top);
    // At the minimum width the failures and the health still show.
    let min = screen(&s, &dark(), 60, 16);
    let top60 = min.lines().next().unwrap();
    assert!(
        top60.contains("1 failed") && top60.contains("READ-ONLY"),
        "{top60}"
    );
}

/// Each thing that can be wrong, set on a console with waits past their
/// thresholds: (what, the state).
fn troubles() -> Vec<(&'static str, State)> {
    let base = || {
        let mut s = with_breaches();
        s.model.status.rate_used = 41;
        s.model.status.rate_limit = 60;
        s
    };
    let mut token = base();
    token.model.status.health = Health::Degraded("401 invalid token".into());
    let mut unreachable = base();
    unreachable.model.status.health =
        Health::Degraded("connection failed: connection refused".into());
    let mut wait = base();
    wait.model.status.health = Health::Degraded("429 rate limited: slow down".into());
    wait.model.status.kore_wait_until_ms = Some(NOW + 12 * SEC);
    let mut stale = base();
    stale.model.freshness.poll_ms = 5_000;
    stale.model.freshness.answered(NOW - 95 * SEC, true);
    let mut refusing = base();
    refusing.model.status.listener_refused = (7, NOW - SEC);
    let mut server = base();
    server.model.status.health = Health::Degraded("poll agents: 503 busy".into());
    vec![
        ("token refused", token),
        ("unreachable", unreachable),
        ("429 wait", wait),
        ("stale list", stale),
        ("listener refusing", refusing),
        ("server error", server),
    ]
}

/// The status line of every trouble at `w` columns, one per row.
fn trouble_lines(theme: &Theme, w: u16) -> String {
    troubles()
        .iter()
        .map(|(what, s)| {
            let out = screen(s, theme, w, if w < 100 { 24 } else { 40 });
            format!("{what:>17}:{}\n", out.lines().next().unwrap_or_default())
        })
        .collect()
}

#[test]
fn the_status_bar_says_what_is_wrong_and_what_to_do() {
    let t120 = trouble_lines(&dark(), 120);
    let t80 = trouble_lines(&dark(), 80);
    let rows = |t: &str, what: &str| {
        t.lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_default()
            .to_string()
    };
    // Wide enough, the long forms: the reason and the next step.
    let long = [
        "▲ degraded: Kore refused the token: check client_id and the secret (`switchboard check`)",
        "▲ degraded: Kore unreachable: check [kore] host and the network",
        "Kore asked to wait: next try in 12 s (429; poll less often if it recurs)",
        "▲ list 1m old: figures may be out of date; see the log pane",
        "▲ listener refusing (7): a flood or too many connections; see the log pane",
        "▲ degraded: Kore answers 503: retrying; see the log pane",
    ];
    for ((what, s), want) in troubles().iter().zip(long) {
        let wide = switchboard::ui::status::status_line(s, &dark(), 400).to_string();
        assert!(wide.contains(want), "{what}: {wide}");
    }
    // At 80 columns every trouble keeps its reason, the budget and the
    // alerts (so does 120, with more beside them).
    for (what, want) in [
        ("token refused", "▲ Kore refused the token"),
        ("unreachable", "▲ Kore unreachable"),
        ("429 wait", "12 s"),
        ("stale list", "1m"),
        ("listener refusing", "refusing"),
        ("server error", "503"),
    ] {
        for t in [&t80, &t120] {
            let row = rows(t, what);
            assert!(row.contains(want), "{what}: {row}");
            assert!(row.contains("api 41/60"), "{what}: {row}");
            assert!(row.contains("‼ 2 waiting"), "{what}: {row}");
        }
    }
    // The reason is drawn in the theme's bad style.
    let t = draw(&troubles()[0].1, &dark(), 80, 24);
    let buf = t.backend().buffer();
    let top = text(buf);
    let x = top.lines().next().unwrap().find("Kore refused").unwrap();
    let x = top.lines().next().unwrap()[..x].chars().count() as u16;
    assert_eq!(buf[(x, 0)].fg, Color::Red);
    snap!("status_troubles_dark_80", t80);
    snap!("status_troubles_dark_120", t120);
    snap!("status_troubles_mono_80", trouble_lines(&mono(), 80));
    snap!("status_troubles_mono_120", trouble_lines(&mono(), 120));
}

// ---------------------------------------------------------------------------
// Bottom bar modes
// ---------------------------------------------------------------------------

#[test]
fn confirm_line_wraps_and_keeps_its_answer() {
    let mut s = demo();
    s.views.mode = Mode::Confirm {
        prompt: "Cold transfer c-1042: Mia Chen → Tom Berg [COLD exit Mia Chen, COLD entry Tom Berg]? Y/n"
            .into(),
        pending: Pending::Events {
            conversation: "c-1042".into(),
            action: "Cold transfer".into(),
            events: Vec::new(),
            op: None,
        },
        enter_sends: true,
    };
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("Y/n"), "{out}");
    snap!("confirm_80x24", out);
}

#[test]
fn flash_error_and_filter_and_command_lines() {
    let mut s = demo();
    s.views.flash = Some((
        "Cannot send WARM entry Raj Patel: Raj Patel is already in the conversation.".into(),
        true,
    ));
    let out = screen(&s, &dark(), 80, 24);
    let last = out.lines().last().unwrap();
    assert!(last.contains("already in the"), "{out}");
    s.views.flash = Some((
        "Cannot send WARM entry Raj Patel: the first agent (Mia Chen) has already entered, and \
         NA entry is sent only once. Add Raj Patel with a warm transfer, or hand over with a \
         cold transfer. Nothing was sent, and the queue of c-1042 is unchanged."
            .into(),
        true,
    ));
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.lines().last().unwrap().ends_with('…'), "{out}");
    snap!("flash_error_80x24", out);

    s.views.flash = None;
    s.views.list.filter = "voice".into();
    s.views.mode = Mode::Filter {
        pane: Pane::Conversations,
        input: "voice".into(),
    };
    let t = draw(&s, &dark(), 80, 24);
    let out = text(t.backend().buffer());
    assert!(
        out.contains("Conversations 5/10 ─ /voice ─ by urgency"),
        "{out}"
    );
    assert!(out.lines().last().unwrap().starts_with(" /voice"), "{out}");
    snap!("filter_80x24", out);

    s.views.mode = Mode::Command {
        input: "export log.jsonl".into(),
    };
    s.views.list.sort = SortBy::Age;
    let mut t = draw(&s, &dark(), 80, 24);
    let out = text(t.backend().buffer());
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with(" :export log.jsonl"),
        "{out}"
    );
    // The long title does not fit at 80 columns: the short form shows.
    assert!(
        out.contains("Conversations 5/10 ─ /voice ─ by age"),
        "{out}"
    );
    let pos = t.get_cursor_position().unwrap();
    assert_eq!((pos.x, pos.y), (1 + 1 + 16, 23));
}

// ---------------------------------------------------------------------------
// Overlays
// ---------------------------------------------------------------------------

#[test]
fn help_overlay() {
    let mut s = demo();
    s.views.mode = Mode::Help;
    let small = screen(&s, &dark(), 80, 24);
    assert!(small.contains("q closes"), "{small}");
    assert!(small.contains("j/k g/G scroll"), "{small}");
    snap!("help_80x24", small);
    let big = screen(&s, &dark(), 120, 40);
    assert!(
        big.contains("clear: message, filter, queue, detail"),
        "{big}"
    );
    // Taller than 40 rows now: its end, the `:` commands, is a scroll away.
    let mut end = s.clone();
    end.views.help.scroll = u16::MAX;
    let big_end = screen(&end, &dark(), 120, 40);
    assert!(big_end.contains(":filter lang=de"), "{big_end}");
    // Every key of every mode: the lists' commands with their descriptions,
    // the other modes' keys with their labels (on a screen wide enough that
    // nothing wraps).
    let wide = screen(&s, &dark(), 200, 50);
    for row in Keymap::default().help_rows() {
        let lists = matches!(row.command.mode(), KeyMode::Normal | KeyMode::Any);
        let shown = if lists {
            row.description.to_string()
        } else {
            format!(
                "{} {}",
                row.keys.replace(" / ", "/"),
                row.command.short_label()
            )
        };
        assert!(wide.contains(&shown), "{shown}:\n{wide}");
    }
    snap!("help_120x40", big);
}

#[test]
fn help_follows_the_live_keymap() {
    let mut s = demo();
    let overrides = [("cold_transfer".to_string(), "T".to_string())]
        .into_iter()
        .collect();
    s.keymap = Keymap::with_overrides(&overrides).unwrap();
    s.views.mode = Mode::Help;
    let out = screen(&s, &dark(), 120, 40);
    let line = out
        .lines()
        .find(|l| l.contains("cold transfer to a picked agent"))
        .unwrap();
    let before = &line[..line.find("cold transfer").unwrap()];
    assert!(before.trim_end().ends_with(" T"), "{line}");
    s.views.mode = Mode::Normal;
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.lines().last().unwrap().contains("T cold"), "{out}");
}

#[test]
fn picker_overlay() {
    let mut s = demo();
    s.views.mode = Mode::Picker(Picker {
        purpose: Verb::Cold,
        conversation: "c-1042".into(),
        query: "a".into(),
        selected: 1,
        frozen: Vec::new(),
    });
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("Cold transfer to · c-1042"), "{out}");
    assert!(out.contains("> a"), "{out}");
    assert!(out.contains("AVAILABLE"), "{out}");
    snap!("picker_80x24", out);

    s.views.mode = Mode::Picker(Picker {
        purpose: Verb::Warm,
        conversation: "c-1042".into(),
        query: "zzz".into(),
        selected: 0,
        frozen: Vec::new(),
    });
    let out = screen(&s, &mono(), 80, 24);
    assert!(out.contains("no agent matches"), "{out}");
    snap!("picker_empty_mono_80x24", out);
}

/// Issue 19.2: the agent picker's table (header, columns) at both sizes, in
/// colour and in mono, with choices listed.
#[test]
fn picker_table_at_both_sizes_in_colour_and_mono() {
    let mut s = demo();
    s.views.mode = Mode::Picker(Picker {
        purpose: Verb::Warm,
        conversation: "c-1042".into(),
        query: "".into(),
        selected: 0,
        frozen: Vec::new(),
    });
    for (name, theme) in [("dark", dark()), ("mono", mono())] {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let out = screen(&s, &theme, w, h);
            assert!(out.contains("AGENT") && out.contains("STATUS"), "{out}");
            snap!(format!("picker_table_{name}_{w}x{h}"), out);
        }
    }
}

#[test]
fn new_conversation_form() {
    let mut s = demo();
    s.views.mode = Mode::NewConversation(NewConversationForm {
        fields: NewConversationForm {
            fields: [
                TextInput::with_text("c-3001", MAX_FORM_FIELD),
                TextInput::new(MAX_FORM_FIELD),
                TextInput::with_text("voice", MAX_FORM_FIELD),
                TextInput::with_text("en", MAX_FORM_FIELD),
            ],
            ..Default::default()
        }
        .fields,
        focus: 1,
        error: Some("a bot session id is needed to assign the conversation".into()),
    });
    let mut t = draw(&s, &dark(), 80, 24);
    let out = text(t.backend().buffer());
    assert!(out.contains("▶ bot session id"), "{out}");
    assert!(out.contains("a bot session id is needed"), "{out}");
    let pos = t.get_cursor_position().unwrap();
    let row = out.lines().nth(usize::from(pos.y)).unwrap();
    assert!(row.contains("bot session id"), "cursor on {row:?}");
    snap!("new_conversation_80x24", out);
}

// ---------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------

#[test]
fn too_small_shows_only_a_message() {
    let s = demo();
    let out = screen(&s, &dark(), 40, 10);
    assert!(out.contains("Terminal too small: 40x10"), "{out}");
    assert!(!out.contains("Conversations"), "{out}");
    snap!("too_small_40x10", out);
    let out = screen(&s, &dark(), 59, 24);
    assert!(out.contains("need at least 60x16"), "{out}");
    let out = screen(&s, &dark(), 80, 15);
    assert!(out.contains("Terminal too small: 80x15"), "{out}");
}

#[test]
fn no_size_panics_in_any_mode() {
    let mut states = vec![demo()];
    let mut s = demo();
    s.views.mode = Mode::Help;
    states.push(s);
    let mut s = demo();
    s.views.mode = Mode::Picker(Picker {
        purpose: Verb::Assign,
        conversation: "c-1043".into(),
        query: "日本".into(),
        selected: 9,
        frozen: Vec::new(),
    });
    states.push(s);
    let mut s = demo();
    s.views.mode = Mode::NewConversation(NewConversationForm {
        error: Some("x".repeat(300)),
        ..Default::default()
    });
    states.push(s);
    let mut s = demo();
    s.views.mode = Mode::Confirm {
        prompt: "y ".repeat(200),
        pending: Pending::Quit,
        enter_sends: false,
    };
    states.push(s);
    let mut s = demo();
    s.views.flash = Some(("日本語".repeat(100), true));
    s.views.focus = Pane::Roster;
    s.views.detail.roster_cursor = 7;
    s.log.follow = false;
    s.log.cursor = 999;
    s.views.agents.cursor = 999;
    states.push(s);
    states.push(blank());
    for theme in [dark(), Theme::new(ThemeKind::Mono, true)] {
        for s in &states {
            for w in (1..=82).step_by(3) {
                for h in (0..=25).step_by(2) {
                    let t = draw(s, &theme, w, h);
                    assert_eq!(t.backend().buffer().area.width, w);
                }
            }
            for (w, h) in [(1, 1), (60, 16), (300, 100), (1, 100), (300, 1)] {
                draw(s, &theme, w, h);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Remote text
// ---------------------------------------------------------------------------

#[test]
fn wide_and_control_characters_are_cut_by_width_and_escapes_removed() {
    let mut s = demo();
    let evil = "山田太郎\u{1b}[31m 長い名前のエージェント\u{7}\u{202e}Evil";
    let mut c = conv("c-日本-9", Channel::Chat, "ja", 61);
    delivered(
        &mut c,
        40,
        NOW - 60 * SEC,
        Event::na_entry(agent_ref("a-9", evil)),
        33,
    );
    s.model.conversations.insert(c.id.clone(), c);
    s.model
        .agents
        .push(agent("a-9", evil, Presence::Available, (1, 2), (0, 1)));
    s.log.push(
        NOW,
        LogKind::Info,
        format!("entered: {evil}\r\nsecond line"),
    );
    s.views.list.selected = Some("c-日本-9".into());
    for (w, h) in [(80, 24), (120, 40)] {
        let t = draw(&s, &dark(), w, h);
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}'),
                "control character drawn: {:?}",
                cell.symbol()
            );
        }
        let out = text(buf);
        // Every row is exactly as wide as the screen: nothing spilled over.
        for (y, line) in out.lines().enumerate() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= usize::from(w),
                "row {y} too wide: {line}"
            );
        }
        // The pane borders stay where they belong on every row of the panes.
        let rows: Vec<&str> = out.lines().collect();
        for row in &rows[1..rows.len() - 2] {
            let first = row.chars().next().unwrap();
            assert!(matches!(first, '│' | '┌' | '└' | '┃' | '┏' | '┗'), "{row}");
        }
        assert!(out.contains("山田太郎"), "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
        if w == 80 {
            snap!("wide_chars_80x24", out);
        }
    }
}

// ---------------------------------------------------------------------------
// Styles
// ---------------------------------------------------------------------------

fn assert_colourless(buf: &Buffer, what: &str) {
    for (i, cell) in buf.content().iter().enumerate() {
        assert_eq!(
            cell.fg,
            Color::Reset,
            "{what}: fg of cell {i} ({:?})",
            cell.symbol()
        );
        assert_eq!(
            cell.bg,
            Color::Reset,
            "{what}: bg of cell {i} ({:?})",
            cell.symbol()
        );
    }
}

#[test]
fn mono_draws_no_colour_anywhere() {
    let mut s = demo();
    s.views.flash = Some(("refused: no conversation selected".into(), true));
    s.settings.read_only = true;
    let theme = mono();
    assert_colourless(draw(&s, &theme, 80, 24).backend().buffer(), "normal");
    assert_colourless(draw(&s, &theme, 120, 40).backend().buffer(), "normal 120");
    let modes = [
        Mode::Help,
        Mode::Picker(Picker {
            purpose: Verb::Warm,
            conversation: "c-1042".into(),
            query: TextInput::new(1000),
            selected: 0,
            frozen: Vec::new(),
        }),
        Mode::Confirm {
            prompt: "End c-1042? y/N".into(),
            pending: Pending::Quit,
            enter_sends: false,
        },
        Mode::NewConversation(NewConversationForm::default()),
        Mode::Command { input: "q".into() },
    ];
    for m in modes {
        s.views.mode = m.clone();
        assert_colourless(
            draw(&s, &theme, 80, 24).backend().buffer(),
            &format!("{m:?}"),
        );
    }
    assert_colourless(draw(&s, &theme, 40, 10).backend().buffer(), "too small");
}

#[test]
fn the_focused_border_stands_out() {
    let mut s = demo();
    for theme in [dark(), Theme::new(ThemeKind::Light, false), mono()] {
        s.views.focus = Pane::Conversations;
        let t = draw(&s, &theme, 80, 24);
        let buf = t.backend().buffer();
        // Conversations start on row 1, agents on row 11 (see the layout).
        let conv = buf[(0, 1)].clone();
        let agents = buf[(0, 11)].clone();
        assert_eq!(agents.symbol(), "┌", "{:?}", theme.kind);
        assert!(
            conv.style() != agents.style() || conv.symbol() != agents.symbol(),
            "{:?}: focused {conv:?} unfocused {agents:?}",
            theme.kind
        );
        if theme.kind == ThemeKind::Dark {
            assert_ne!(conv.fg, agents.fg);
        }
        if theme.kind == ThemeKind::Mono {
            assert_ne!(conv.symbol(), agents.symbol(), "mono changes the line");
        }
    }
}

#[test]
fn the_selected_row_is_highlighted_and_follows_focus() {
    let mut s = demo();
    let theme = dark();
    let row_of = |out: &str, id: &str| out.lines().position(|l| l.contains(id)).unwrap() as u16;
    let t = draw(&s, &theme, 80, 24);
    let out = text(t.backend().buffer());
    let y = row_of(&out, "▶ c-1042");
    let focused = t.backend().buffer()[(5, y)].style();
    s.views.focus = Pane::Log;
    let t = draw(&s, &theme, 80, 24);
    let unfocused = t.backend().buffer()[(5, y)].style();
    assert_ne!(focused, unfocused);
    assert_eq!(focused.bg, Some(theme.selected.bg.unwrap()));
}

#[test]
fn a_long_list_scrolls_to_keep_the_selection_visible() {
    let mut s = demo();
    for i in 0..40 {
        let c = conv(&format!("c-{}", 3000 + i), Channel::Chat, "en", 5_000 + i);
        s.model.conversations.insert(c.id.clone(), c);
    }
    let last = s.visible_conversations().last().unwrap().id.clone();
    s.views.list.selected = Some(last.clone());
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains(&format!("▶ {last}")), "{out}");
    let mid = s.visible_conversations()[25].id.clone();
    s.views.list.selected = Some(mid.clone());
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains(&format!("▶ {mid}")), "{out}");
}

#[test]
fn the_log_follows_or_keeps_its_cursor() {
    let mut s = demo();
    for i in 0..50 {
        s.log.push(NOW, LogKind::Info, format!("line {i}"));
    }
    let out = screen(&s, &dark(), 80, 24);
    assert!(
        out.contains("line 49") && out.contains("following"),
        "{out}"
    );
    s.log.follow = false;
    s.log.cursor = 10;
    s.views.focus = Pane::Log;
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("line 3") && !out.contains("line 49"), "{out}");
    assert!(out.contains("paused 11/57"), "{out}");
}

/// The demo with a log of its last minute: a round of polls three times
/// (the agents' poll said the same twice in a row), a send between.
fn with_polls_logged() -> State {
    let mut s = demo();
    s.log = Default::default();
    let conv = "GET /conversations  poll: 200 12 ms, 10 conversation(s)";
    let agents = "GET /agents  poll: 200 8 ms, 4 agent(s)";
    for round in 0..3 {
        let at = NOW - 50 * SEC + round * 5 * SEC;
        s.log.push_runtime(at, LogKind::In, conv);
        s.log.push_runtime(at + 100, LogKind::In, agents);
        if round == 1 {
            s.log.push(
                at + 200,
                LogKind::Out,
                "POST hooks c-1042  NA entry Mia Chen",
            );
            s.log.push(at + 300, LogKind::In, "200 OK 40 ms c-1042");
        }
    }
    s.log.push_runtime(NOW - 30 * SEC, LogKind::In, agents);
    s.views.focus = Pane::Log;
    s
}

#[test]
fn the_log_pane_hides_the_polls_until_p_and_keeps_time_order() {
    let mut s = with_polls_logged();
    let hidden = screen(&s, &dark(), 80, 24);
    assert!(hidden.contains("polls hidden: 6 (p)"), "{hidden}");
    assert!(!hidden.contains("poll: 200"), "{hidden}");
    assert!(hidden.contains("NA entry Mia Chen"), "{hidden}");
    snap!("log_polls_hidden_dark_80x24", hidden);
    snap!("log_polls_hidden_mono_120x40", screen(&s, &mono(), 120, 40));
    s.log.hide_polls(false);
    let shown = screen(&s, &dark(), 120, 40);
    // In time order, each repeat on its own line, the count on the newest.
    let rows: Vec<&str> = shown
        .lines()
        .filter(|l| l.contains("poll: 200") || l.contains("c-1042"))
        .collect();
    assert!(rows.iter().any(|r| r.contains("×2 GET /agents")), "{shown}");
    let times: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.split_whitespace()
                .find(|w| w.len() == 8 && w.contains(':'))
                .map(str::to_string)
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "{shown}");
    snap!("log_polls_shown_dark_120x40", shown);
    snap!("log_polls_shown_mono_80x24", screen(&s, &mono(), 80, 24));
}

#[test]
fn the_minimum_size_is_still_a_console() {
    let s = demo();
    let out = screen(&s, &dark(), 60, 16);
    assert!(out.contains("Conversations") && out.contains("Agents") && out.contains("Log"));
    snap!("minimum_60x16", out);
    let mut s = demo();
    s.views.mode = Mode::Help;
    snap!("help_60x16", screen(&s, &dark(), 60, 16));
}

/// Issue 9.2/9.7: a journal warning was cut at the pane's width with no way
/// to read its end. The selected log line is shown whole.
#[test]
fn the_selected_log_line_is_shown_whole() {
    let mut s = demo();
    let warning = "/home/sup/.local/share/switchboard/journal-st-1.jsonl: c-1042 is held: \
                   journal line 8 of its history is damaged; nothing of it is sent until you \
                   resend (r) or drop (:drop) it END-OF-WARNING";
    s.log.push(NOW, LogKind::Error, warning);
    s.log.push(NOW, LogKind::Info, "a later line");
    s.log.follow = false;
    s.log.cursor = s.log.visible().len() - 2;
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("END-OF-WARNING"), "{out}");
    let flat: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("resend (r) or drop (:drop) it"), "{out}");
}

/// Issue 9.7: the help at 60x16 lost its last rows with no way to see them.
#[test]
fn the_help_scrolls_to_its_last_rows_on_a_small_screen() {
    let mut s = demo();
    s.views.mode = Mode::Help;
    let top = screen(&s, &dark(), 60, 16);
    assert!(!top.contains("Commands"), "{top}");
    assert!(top.contains("j/k g/G scroll"), "{top}");
    s.views.help.scroll = 99;
    let bottom = screen(&s, &dark(), 60, 16);
    assert!(bottom.contains("What the marks mean"), "{bottom}");
    assert!(bottom.contains("changed"), "{bottom}");
    assert!(bottom.contains(" of "), "{bottom}");
}

// ---------------------------------------------------------------------------
// The queue pane
// ---------------------------------------------------------------------------

fn queue(id: &str, name: &str) -> Queue {
    Queue {
        id: id.into(),
        name: name.into(),
        members: Vec::new(),
        size: None,
        size_at_ms: None,
        size_error: None,
    }
}

fn size(waiting: u32, engaged: u32, drops: u32, agents: [u32; 4], waits_s: [f64; 3]) -> QueueSize {
    QueueSize {
        waiting: Some(waiting),
        engaged: Some(engaged),
        drop_off: Some(drops),
        agent_status: Some(AgentStatusCounts {
            available: Some(agents[0]),
            busy: Some(agents[1]),
            away: Some(agents[2]),
            offline: Some(agents[3]),
        }),
        queue_summary: Some(QueueSummary {
            avg_wait: Some(waits_s[0] * 1000.0),
            max_wait: Some(waits_s[1] * 1000.0),
            asa: Some(waits_s[2] * 1000.0),
        }),
        ..QueueSize::default()
    }
}

/// The demo with the queue pane shown and focused: Billing in trouble
/// (Kore counts three waiting, the list shows one), Support calm, Sales
/// not sized yet (the list's figures), and a service level for each.
fn with_queues() -> State {
    let mut s = demo();
    s.views.queues.shown = true;
    s.views.focus = Pane::Queues;
    let mut billing = queue("qu-billing", "Billing");
    billing.size = Some(size(3, 1, 4, [1, 2, 0, 1], [312.0, 460.0, 65.0]));
    let mut support = queue("qu-support", "Support");
    support.size = Some(size(0, 0, 0, [2, 1, 1, 0], [0.0, 0.0, 14.0]));
    s.model.queues = vec![billing, queue("qu-sales", "Sales"), support];
    let place = |s: &mut State, id: &str, q: &str, name: &str, wait_s: i64| {
        let c = s.model.conversations.get_mut(id).unwrap();
        c.queue = Some((q.into(), name.into()));
        c.wait_ms = Some(wait_s * SEC);
        c.listed_at_ms = NOW;
    };
    place(&mut s, "c-1043", "qu-billing", "Billing", 45);
    place(&mut s, "c-1042", "qu-billing", "Billing", 12);
    place(&mut s, "c-1044", "qu-sales", "Sales", 8);
    for (id, q, within) in [
        // Billing: six decided, two in time (33 %); the others too few
        // for a percentage.
        ("c-1", "qu-billing", true),
        ("c-2", "qu-billing", false),
        ("c-3", "qu-billing", false),
        ("c-6", "qu-billing", true),
        ("c-7", "qu-billing", false),
        ("c-8", "qu-billing", false),
        ("c-4", "qu-support", true),
        ("c-5", "qu-sales", true),
    ] {
        s.model.sla_seen.insert(
            id.into(),
            SlaMark {
                queue_id: q.into(),
                within,
            },
        );
    }
    s
}

#[test]
fn queue_pane_dark_80x24() {
    let s = with_queues();
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("Billing"), "{out}");
    snap!("queues_dark_80x24", out);
}

#[test]
fn queue_pane_dark_120x40() {
    let s = with_queues();
    let out = screen(&s, &dark(), 120, 40);
    // Wide enough for every column, and the disagreement shows both counts.
    for head in [
        "wait", "long", "avg", "ASA", "eng", "drop", "agents", "SL≤20s",
    ] {
        assert!(out.contains(head), "{head}: {out}");
    }
    assert!(out.contains("3≠1"), "{out}");
    snap!("queues_dark_120x40", out);
}

#[test]
fn queue_pane_mono_80x24() {
    let s = with_queues();
    let t = draw(&s, &mono(), 80, 24);
    assert_colourless(t.backend().buffer(), "queue pane");
    snap!("queues_mono_80x24", text(t.backend().buffer()));
}

#[test]
fn queue_pane_mono_120x40_narrowed_to_a_queue() {
    let mut s = with_queues();
    s.views.list.queue_narrow = Some("qu-billing".into());
    s.views.queues.sort = QueueSort::Name;
    let out = screen(&s, &mono(), 120, 40);
    assert!(out.contains("Conversations 2/10 ─ queue: Billing"), "{out}");
    // Under the status bar, the border and the header.
    let listed: Vec<&str> = out.lines().skip(3).take(2).collect();
    assert!(
        listed[0].contains("c-1043") && listed[1].contains("c-1042"),
        "{out}"
    );
    snap!("queues_mono_120x40", out);
}

#[test]
fn queue_pane_ascii_and_the_queue_picker() {
    let s = with_queues();
    let out = screen(&s, &Theme::new(ThemeKind::Mono, true), 80, 24);
    assert!(out.contains("SL<=20s"), "{out}");
    assert!(out.contains("3<>1"), "{out}");
    let mut s = with_queues();
    s.views.list.selected = Some("c-1043".into());
    s.views.mode = Mode::Picker(Picker {
        purpose: Verb::Assign,
        conversation: "c-1043".into(),
        query: TextInput::with_text("q:", MAX_INPUT),
        selected: 0,
        frozen: Vec::new(),
    });
    snap!("queue_picker_80x24", screen(&s, &dark(), 80, 24));
}

#[test]
fn the_queue_pane_draws_at_every_size_without_a_panic() {
    let mut s = with_queues();
    s.model.queues[0].name = "Billing and payments for the whole of Europe".into();
    for ascii in [false, true] {
        let theme = Theme::new(ThemeKind::Dark, ascii);
        for w in (1..=140).step_by(7) {
            for h in (1..=44).step_by(5) {
                draw(&s, &theme, w, h);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The wallboard
// ---------------------------------------------------------------------------

/// The queues of `with_queues` on the wallboard, with a poll answered two
/// seconds ago: Billing critical (07:40 waited, 33% in time), Sales and
/// Support calm.
fn wallboard() -> State {
    let mut s = with_queues();
    s.views.mode = Mode::Wallboard;
    s.model.freshness = Freshness {
        last_ok_ms: Some(NOW - 2 * SEC),
        latest_failed: false,
        latest_unreadable: false,
        since_ms: NOW - 60 * SEC,
        poll_ms: 5_000,
    };
    s
}

/// The figures' last answer forty seconds ago: more than three polls.
fn stale_wallboard() -> State {
    let mut s = wallboard();
    s.model.freshness.last_ok_ms = Some(NOW - 40 * SEC);
    s
}

/// The cell of `buf` where `needle` starts on some row.
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    let screen = text(buf);
    for (y, line) in screen.lines().enumerate() {
        if let Some(i) = line.find(needle) {
            let x = unicode_width::UnicodeWidthStr::width(&line[..i]);
            return (x as u16, y as u16);
        }
    }
    panic!("{needle:?} is not on the screen:\n{screen}");
}

#[test]
fn wallboard_dark_80x24_shows_the_queue_in_trouble() {
    let s = wallboard();
    let t = draw(&s, &dark(), 80, 24);
    let buf = t.backend().buffer();
    let out = text(buf);
    for want in [
        "WALLBOARD",
        "DEMO",
        "Billing",
        "Sales",
        "Support",
        "CRITICAL",
        "07:40",
        "33% (aim 80%)",
        "agents free",
        "q back to the console",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // Waiting in block digits: Billing's 3.
    assert!(out.contains("███"), "{out}");
    assert!(!out.contains("STALE"), "{out}");
    // The critical tile's border is drawn in the theme's bad colour.
    let (x, y) = find(buf, "Billing");
    assert_eq!(buf[(x - 2, y)].fg, Color::Red, "{out}");
    snap!("wallboard_dark_80x24", out);
}

#[test]
fn wallboard_dark_120x40() {
    let s = wallboard();
    let out = screen(&s, &dark(), 120, 40);
    assert!(out.contains("figures of 14:03:20"), "{out}");
    snap!("wallboard_dark_120x40", out);
}

#[test]
fn wallboard_mono_80x24_stale() {
    let s = stale_wallboard();
    let t = draw(&s, &mono(), 80, 24);
    let buf = t.backend().buffer();
    assert_colourless(buf, "wallboard");
    let out = text(buf);
    assert!(out.contains("STALE: no answer since 14:02:42"), "{out}");
    // Reverse video, not colour, says it.
    let (x, y) = find(buf, "STALE");
    assert!(
        buf[(x, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
    // Mono marks the critical tile with a heavy border and its word.
    assert!(out.contains("┏"), "{out}");
    assert!(out.contains("CRITICAL"), "{out}");
    snap!("wallboard_mono_80x24_stale", out);
}

#[test]
fn wallboard_mono_120x40_when_kore_stops_answering() {
    let mut s = wallboard();
    s.model.freshness.latest_failed = true;
    let t = draw(&s, &mono(), 120, 40);
    assert_colourless(t.backend().buffer(), "wallboard");
    let out = text(t.backend().buffer());
    assert!(out.contains("STALE: Kore is not answering"), "{out}");
    snap!("wallboard_mono_120x40_failing", out);
}

#[test]
fn wallboard_ascii_uses_hash_digits_and_plain_borders() {
    let s = wallboard();
    let out = screen(&s, &Theme::new(ThemeKind::Mono, true), 80, 24);
    assert!(out.is_ascii(), "{out}");
    assert!(out.contains("###"), "{out}");
    assert!(out.contains("SL <=20s"), "{out}");
}

#[test]
fn wallboard_with_more_queues_than_fit_says_how_many_are_not_shown() {
    let mut s = wallboard();
    for i in 0..20 {
        s.model
            .queues
            .push(queue(&format!("qu-{i:02}"), &format!("Queue {i:02}")));
    }
    s.views.wallboard_only = true;
    let out = screen(&s, &dark(), 80, 24);
    // 80 / 18 = 4 columns and 22 / 4 = 5 rows: 20 of 23 tiles.
    assert!(
        out.contains("+3 more queues not shown (the calmest)"),
        "{out}"
    );
    // The critical one is kept; the standalone wallboard quits on q.
    assert!(out.contains("Billing"), "{out}");
    assert!(out.contains("q quit"), "{out}");
    snap!("wallboard_crowded_80x24", out);
}

#[test]
fn the_wallboard_draws_at_every_size_without_a_panic() {
    let mut s = stale_wallboard();
    s.model.queues[0].name = "Billing and payments for the whole of Europe".into();
    for ascii in [false, true] {
        let theme = Theme::new(ThemeKind::Dark, ascii);
        for w in (1..=140).step_by(7) {
            for h in (1..=44).step_by(5) {
                draw(&s, &theme, w, h);
            }
        }
    }
    let mut empty = wallboard();
    empty.model.queues.clear();
    let out = screen(&empty, &dark(), 80, 24);
    assert!(out.contains("no queues listed yet"), "{out}");
}

// ---------------------------------------------------------------------------
// Wait alerts
// ---------------------------------------------------------------------------

/// The conversation list's row of `id`: the line above the log that shows
/// it in the list's column (left of the detail pane).
fn list_row(out: &str, id: &str) -> Option<String> {
    out.lines()
        .skip(2)
        .take_while(|l| !l.contains(" Log "))
        .map(|l| l.chars().take(70).collect::<String>())
        .find(|l| l.contains(&format!(" {id} ")) || l.contains(&format!("!{id} ")))
}

/// The queue pane's demo with two more customers waiting in Billing, one
/// past the warning (90 s) and one past the critical threshold (250 s),
/// judged by an alerts pass at `NOW` (the defaults: 60 s and 180 s).
fn with_breaches() -> State {
    let mut s = with_queues();
    for (id, wait_s) in [("c-1050", 90), ("c-1051", 250)] {
        let mut c = conv(id, Channel::Chat, "en", wait_s + 30);
        c.queue = Some(("qu-billing".into(), "Billing".into()));
        c.wait_ms = Some(wait_s * SEC);
        c.listed_at_ms = NOW;
        s.model.conversations.insert(c.id.clone(), c);
    }
    s.views.list.selected = Some("c-1051".into());
    switchboard::app::update(&mut s, switchboard::app::Action::Tick(NOW));
    s
}

#[test]
fn breaches_dark_80x24() {
    let s = with_breaches();
    let out = screen(&s, &dark(), 80, 24);
    // The status bar counts them in words; the rows carry the glyphs.
    assert!(out.contains("‼ 2 waiting, 1 crit, 1 q"), "{out}");
    let row = |id: &str| list_row(&out, id).unwrap_or_default();
    assert!(row("c-1051").contains("‼ WAITING"), "{out}");
    assert!(row("c-1050").contains("⚠ WAITING"), "{out}");
    // 45 s: not past anything.
    assert!(
        !row("c-1043").contains('⚠') && !row("c-1043").contains('‼'),
        "{out}"
    );
    assert!(out.contains("‼ Billing"), "{out}");
    snap!("breaches_dark_80x24", out);
}

#[test]
fn breaches_dark_120x40() {
    let mut s = with_breaches();
    // The selection bar would cover the critical row's style.
    s.views.list.selected = Some("c-1042".into());
    let t = draw(&s, &dark(), 120, 40);
    let buf = t.backend().buffer();
    let out = text(buf);
    // Wide enough, the status bar says it in full.
    let status = switchboard::ui::status::status_line(&s, &dark(), 200).to_string();
    assert!(
        status.contains("‼ 2 waiting past 60s, 1 critical; 1 queue"),
        "{status}"
    );
    assert!(out.contains("SL: seen here, ≤20s, target 80%"), "{out}");
    // The critical row's state cell is drawn in the critical style.
    let row = list_row(&out, "c-1051").expect("c-1051 is listed");
    let y = out.lines().position(|l| l.starts_with(&row)).unwrap() as u16;
    let x = row[..row.find("‼ WAITING").expect("marked")]
        .chars()
        .count() as u16;
    assert_eq!(buf[(x, y)].bg, Color::Red, "{out}");
    snap!("breaches_dark_120x40", out);
}

#[test]
fn breaches_mono_80x24() {
    let s = with_breaches();
    let t = draw(&s, &mono(), 80, 24);
    assert_colourless(t.backend().buffer(), "breaches");
    let out = text(t.backend().buffer());
    assert!(
        out.contains("‼ WAITING") && out.contains("⚠ WAITING"),
        "{out}"
    );
    snap!("breaches_mono_80x24", out);
}

#[test]
fn breaches_mono_120x40_problems_only() {
    let mut s = with_breaches();
    // A calm queue to hide.
    switchboard::app::update(&mut s, common::state::key('!'));
    assert!(s.views.problems_only);
    let t = draw(&s, &mono(), 120, 40);
    assert_colourless(t.backend().buffer(), "problems only");
    let out = text(t.backend().buffer());
    assert!(out.contains("problems only"), "{out}");
    assert!(
        out.contains("Queues 1/3 ─ problems only, 2 hidden"),
        "{out}"
    );
    // Two waits past a threshold and the one with a failed request stay.
    for id in ["c-1050", "c-1051", "c-1044"] {
        assert!(list_row(&out, id).is_some(), "{id}: {out}");
    }
    for id in ["c-1042", "c-1043", "c-1046", "c-1048"] {
        assert!(list_row(&out, id).is_none(), "{id}: {out}");
    }
    snap!("breaches_mono_120x40_problems", out);
}

#[test]
fn breaches_in_ascii() {
    let s = with_breaches();
    let out = screen(&s, &Theme::new(ThemeKind::Mono, true), 80, 24);
    assert!(
        out.contains("!! WAITING") && out.contains("! WAITING"),
        "{out}"
    );
    assert!(out.contains("!! Billing"), "{out}");
    assert!(out.is_ascii(), "{out}");
}

/// The demo's c-1042 with Kore's details (the docs' sample) loaded and the
/// detail open: participants, the OVERDUE move in words, the summary, the
/// dispositions and the customer masked.
fn with_kore_details() -> State {
    let mut s = demo();
    let text = std::fs::read_to_string(common::files::fixture_dir(
        "kore/details/details-sample.json",
    ))
    .unwrap();
    let d: switchboard::kore::wire::ConversationDetails =
        switchboard::kore::wire::parse_loose(&text).unwrap();
    let c = s.model.conversations.get_mut("c-1042").unwrap();
    c.details = Some(switchboard::app::KoreDetails::new(d, NOW - 12 * SEC));
    s.views.detail.open = true;
    s
}

#[test]
fn detail_with_kore_details_masked() {
    let s = with_kore_details();
    for (name, theme) in [("dark", dark()), ("mono", mono())] {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let out = screen(&s, &theme, w, h);
            assert!(out.contains("Kore"), "{out}");
            assert!(
                !out.contains("john.doe") && !out.contains("9999999999"),
                "{out}"
            );
            snap!(format!("kore_details_{name}_{w}x{h}"), out);
        }
    }
    let out = screen(&s, &mono(), 120, 40);
    assert!(out.contains("waited too long"), "{out}");
}

/// The demo with the agents pane focused, sorted by time in status: Ana
/// AWAY for 12 minutes (a change seen), the rest at least as long as the
/// console has watched them.
fn agents_in_status() -> State {
    use switchboard::app::agent_status::StatusSince;
    let mut s = demo();
    s.views.queues.shown = false;
    s.views.focus = Pane::Agents;
    s.views.agents.by_time = true;
    // Ana is fourth by time: selected, so the pane under its header row
    // scrolls to her even at 80x24.
    s.views.agents.cursor = 3;
    let since = [
        ("a-1", 40 * 60 * SEC, false),
        ("a-2", 3 * 60 * SEC, true),
        ("a-3", 12 * 60 * SEC, true),
        ("a-4", 95 * 60 * SEC, false),
        ("a-5", 40 * 60 * SEC, false),
        ("a-6", 45 * SEC, true),
    ];
    for (id, ago, changed) in since {
        let presence = s.model.agents.iter().find(|a| a.id == id).unwrap().presence;
        s.model.agent_since.insert(
            id.into(),
            StatusSince {
                presence,
                since_ms: NOW - ago,
                changed,
            },
        );
    }
    s
}

#[test]
fn agents_with_time_in_status() {
    let s = agents_in_status();
    for (name, theme, w, h) in [
        ("agents_time_dark_80x24", dark(), 80, 24),
        ("agents_time_dark_120x40", dark(), 120, 40),
        ("agents_time_mono_80x24", mono(), 80, 24),
        ("agents_time_mono_120x40", mono(), 120, 40),
    ] {
        let out = screen(&s, &theme, w, h);
        let ana = out.lines().find(|l| l.contains("Ana Souza"));
        assert!(
            ana.is_some_and(|l| l.contains("AWAY") && l.contains("12m")),
            "{out}"
        );
        snap!(name, out);
    }
}

/// The agent picker drawn with the table keeps main's notes and time in
/// status: under the header (NOTE), an agent with no room on the
/// conversation's channel says `full`, one whose load moved since the
/// picker opened says `changed`, and Ana's row says how long she is AWAY.
#[test]
fn the_agent_picker_table_keeps_time_in_status_and_the_notes() {
    let mut s = agents_in_status();
    let ana = s.model.agents.iter_mut().find(|a| a.id == "a-3").unwrap();
    ana.voice = Some(Load { used: 1, total: 1 });
    let frozen = s.model.agents.clone();
    let tom = s.model.agents.iter_mut().find(|a| a.id == "a-4").unwrap();
    tom.chat = Some(Load { used: 2, total: 5 });
    s.views.mode = Mode::Picker(Picker {
        purpose: Verb::Cold,
        conversation: "c-1042".into(),
        query: TextInput::with_text("", MAX_INPUT),
        selected: 0,
        frozen,
    });
    for (w, h) in [(80, 24), (120, 40)] {
        let out = screen(&s, &dark(), w, h);
        // Some line (the picker's row) holds the name with all of `words`.
        let row_with = |name: &str, words: &[&str]| {
            out.lines()
                .any(|l| l.contains(name) && words.iter().all(|w| l.contains(w)))
        };
        assert!(out.contains("NOTE"), "{out}");
        assert!(row_with("Ana Souza", &["AWAY", "12m", "full"]), "{out}");
        assert!(row_with("Tom Berg", &["≥1h35", "changed"]), "{out}");
    }
}

/// The table keeps what main's rows said: the agents pane's HOLDS column
/// lists the conversations each agent is in, and a stuck conversation's
/// PRIMARY cell says why it is stuck (c-1044's request failed: roster).
#[test]
fn the_tables_keep_the_holds_and_the_fail_reason() {
    let s = agents_in_status();
    let out = screen(&s, &dark(), 120, 40);
    assert!(out.contains("HOLDS"), "{out}");
    let has = |a: &str, b: &str| out.lines().any(|l| l.contains(a) && l.contains(b));
    assert!(has("Ana Souza", "c-1044"), "{out}");
    assert!(has("Tom Berg", "c-1045"), "{out}");
    let stuck = out
        .lines()
        .find(|l| l.contains("!c-1044"))
        .unwrap_or_default();
    assert!(stuck.contains("roster"), "{out}");
}

/// Issue 19.7: at 80x24 the help's columns never wrap nor cut a
/// description, and it ends with a legend of every mark the screen uses.
#[test]
fn the_help_fits_80x24_uncut_and_ends_with_the_legend() {
    for (theme, name) in [(dark(), "dark"), (mono(), "mono")] {
        let mut s = demo();
        s.views.mode = Mode::Help;
        let mut seen = String::new();
        for scroll in 0..120u16 {
            s.views.help.scroll = scroll;
            let out = screen(&s, &theme, 80, 24);
            for row in out.lines().skip(1) {
                assert!(!row.contains("… │"), "cut at scroll {scroll}: {row}\n{out}");
                seen.push_str(row);
                seen.push('\n');
            }
        }
        for row in Keymap::default().help_rows() {
            if matches!(row.command.mode(), KeyMode::Normal | KeyMode::Any) {
                assert!(
                    seen.contains(row.description),
                    "{}:\n{seen}",
                    row.description
                );
            }
        }
        for mark in ["⚠", "‼", "≠", "○", "●", "◐", "3/0/0/1", "14/14 3s"] {
            assert!(seen.contains(mark), "{mark} not in the legend:\n{seen}");
        }
        s.views.help.scroll = u16::MAX;
        let end = screen(&s, &theme, 80, 24);
        assert!(end.contains("What the marks mean"), "{end}");
        snap!(format!("help_end_{name}_80x24"), end);
        s.views.help.scroll = 0;
        snap!(format!("help_{name}_120x40"), screen(&s, &theme, 120, 40));
    }
}

/// The demo with `:assign ` typed and Tab pressed twice: every agent
/// listed under the line, the second one on the line.
fn completing() -> State {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use switchboard::app::{Action, update};
    let mut s = demo();
    let press = |s: &mut State, code: KeyCode| {
        update(s, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    press(&mut s, KeyCode::Char(':'));
    for c in "assign ".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    s
}

#[test]
fn the_completion_list_shows_under_the_line() {
    let s = completing();
    let list = s.completion_shown().expect("a list").clone();
    assert_eq!(list.selected, Some(1));
    for (theme, name) in [(dark(), "dark"), (mono(), "mono")] {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let out = screen(&s, &theme, w, h);
            let rows: Vec<&str> = out.lines().collect();
            let n = rows.len();
            assert!(
                rows[n - 3].contains(&format!(":assign {}", list.candidates[1])),
                "{out}"
            );
            assert!(rows[n - 2].contains(&list.candidates[1]), "{out}");
            assert!(rows[n - 2].contains("Tab cycles (6)"), "{out}");
            assert_eq!(rows[n - 1].trim(), "assign NAME | assign queue NAME");
            snap!(format!("completion_{name}_{w}x{h}"), out);
        }
    }
    assert_colourless(draw(&s, &mono(), 80, 24).backend().buffer(), "completion");
}

/// `with_queues`, with Billing's queue-size answer carrying figures that
/// cannot be true: waiting -5, engaged 99999999999, the longest wait -1.
fn with_odd_queue_figures() -> State {
    let mut s = with_queues();
    let mut entry =
        serde_json::to_value(size(3, 1, 4, [1, 2, 0, 1], [312.0, 460.0, 65.0])).unwrap();
    entry["waiting"] = serde_json::json!(-5);
    entry["engaged"] = serde_json::json!(99_999_999_999u64);
    entry["queueSummary"]["maxWait"] = serde_json::json!(-1);
    let billing = s
        .model
        .queues
        .iter_mut()
        .find(|q| q.id == "qu-billing")
        .unwrap();
    billing.size = Some(QueueSize::read(entry).unwrap());
    s
}

#[test]
fn queue_pane_and_wallboard_show_a_question_mark_for_figures_that_cannot_be_true() {
    let mut s = with_odd_queue_figures();
    let out = screen(&s, &dark(), 120, 40);
    // Billing's row in the queue pane (the conversation list names queues
    // too).
    let billing = out
        .lines()
        .skip_while(|l| !l.contains("Queues"))
        .find(|l| l.contains("Billing"))
        .unwrap();
    // Kore's waiting and engaged as `?` beside the list's 1 and 1; the
    // longest wait `?`, not the list's.
    assert_eq!(billing.matches("?≠1").count(), 2, "{out}");
    assert!(billing.contains("     ? "), "{out}");
    assert!(!out.contains("4294967295"), "{out}");
    snap!("queues_odd_figures_120x40", out);
    s.views.mode = Mode::Wallboard;
    s.model.freshness = wallboard().model.freshness;
    let out = screen(&s, &Theme::new(ThemeKind::Mono, true), 80, 24);
    // Billing's tile (the first): the longest wait `?`, the big `?` in
    // ASCII blocks (its dot alone on its rows).
    let tile: Vec<&str> = out.lines().map(|l| l.split("||").next().unwrap()).collect();
    let bare = |l: &&str| l.trim_matches(|c| c == '|' || c == ' ').to_string();
    assert!(
        tile.iter()
            .any(|l| bare(l).starts_with("longest wait") && bare(l).ends_with(" ?")),
        "{out}"
    );
    assert!(tile.iter().any(|l| bare(l) == "##"), "{out}");
    snap!("wallboard_odd_figures_80x24", out);
}

// ---------------------------------------------------------------------------
// Marks (issue 22)
// ---------------------------------------------------------------------------

/// The demo with two conversations marked, one of them the selected one.
fn with_marks() -> State {
    let mut s = demo();
    let selected = s.views.list.selected.clone().expect("the demo selects one");
    s.views.list.marks.add([selected.as_str(), "c-1044"]);
    s
}

/// Where `glyph` is drawn first, and its cell.
fn first_cell<'a>(buf: &'a Buffer, glyph: &str) -> &'a ratatui::buffer::Cell {
    buf.content()
        .iter()
        .find(|c| c.symbol() == glyph)
        .unwrap_or_else(|| panic!("{glyph} is not drawn"))
}

#[test]
fn marked_rows_in_colour_mono_and_ascii_at_80x24() {
    let s = with_marks();
    let out = screen(&s, &dark(), 80, 24);
    assert!(out.contains("2 marked"), "{out}");
    assert!(out.contains("◆ c-1044"), "{out}");
    snap!("marked_dark_80x24", out);
    let t = draw(&s, &dark(), 80, 24);
    let cell = first_cell(t.backend().buffer(), "◆");
    assert_eq!(cell.fg, Color::LightCyan);

    let out = screen(&s, &mono(), 80, 24);
    assert!(out.contains("◆ c-1044"), "{out}");
    snap!("marked_mono_80x24", out);
    let t = draw(&s, &mono(), 80, 24);
    assert_colourless(t.backend().buffer(), "marked rows");
    let cell = first_cell(t.backend().buffer(), "◆");
    assert!(
        cell.modifier
            .contains(ratatui::style::Modifier::BOLD | ratatui::style::Modifier::ITALIC)
    );

    let out = screen(&s, &Theme::new(ThemeKind::Dark, true), 80, 24);
    for line in out.lines() {
        assert!(line.is_ascii(), "not ASCII: {line}");
    }
    assert!(out.contains("# c-1044"), "{out}");
    snap!("marked_ascii_80x24", out);
}

/// The demo with a bulk assign on its way: 12 of 40 left, 28 queued at a
/// second each.
fn with_bulk() -> State {
    use switchboard::app::bulk::{BulkProgress, BulkVerb};
    let mut s = demo();
    let waiting = (12..40)
        .map(|i| {
            let id = format!("c-bulk-{i}");
            (id.clone(), [format!("r-{i}")].into_iter().collect())
        })
        .collect();
    s.requests.bulk = Some(BulkProgress {
        verb: BulkVerb::Assign,
        target: "queue Support".into(),
        total: 40,
        waiting,
        begun: Default::default(),
        failed: 0,
        pace_ms: 1_000,
    });
    s
}

#[test]
fn the_bulk_progress_line_above_the_log_at_80_and_120_columns() {
    let s = with_bulk();
    let out = screen(&s, &mono(), 80, 24);
    assert!(
        out.contains("assigned 12 of 40 · 28 queued · ~28 s (Esc stops)"),
        "{out}"
    );
    snap!("bulk_progress_mono_80x24", out);
    let out = screen(&s, &dark(), 120, 40);
    assert!(
        out.contains("assigned 12 of 40 · 28 queued · ~28 s (Esc stops)"),
        "{out}"
    );
    snap!("bulk_progress_dark_120x40", out);
    let out = screen(&s, &Theme::new(ThemeKind::Dark, true), 80, 24);
    assert!(
        out.contains("assigned 12 of 40 - 28 queued - ~28 s (Esc stops)"),
        "{out}"
    );
}

/// Team mode's piece (issue 21): whole at 120 columns, shortened to the
/// team's size and its poller at 80, on a calm console and on a busy one.
#[test]
fn the_team_piece_shows_at_80_short_and_at_120_whole() {
    let team = |s: &mut State| {
        s.model.status.team = Some(switchboard::app::TeamBar {
            text: "team 5 · polling: Mia".into(),
            trouble: false,
            short: "team 5·Mia".into(),
        });
    };
    let mut calm = blank();
    calm.now_ms = NOW;
    calm.model.status = Status {
        health: Health::Online,
        rate_used: 12,
        rate_limit: 60,
        callback_address: "http://127.0.0.1:8009".into(),
        ..Status::default()
    };
    team(&mut calm);
    let mut busy = demo();
    team(&mut busy);
    let top = |s: &State, w, h| screen(s, &dark(), w, h).lines().next().unwrap().to_string();
    let (calm80, busy80) = (top(&calm, 80, 24), top(&busy, 80, 24));
    let (calm120, busy120) = (top(&calm, 120, 40), top(&busy, 120, 40));
    // Whole wherever the decoration (name, bot, callbacks) can go instead.
    for top in [&calm80, &calm120, &busy120] {
        assert!(top.contains("team 5 · polling: Mia"), "{top}");
    }
    // Short, never hidden, on a busy bar at 80.
    assert!(busy80.contains("team 5·Mia"), "{busy80}");
    for want in ["online", "api 12/60", "4 queued", "1 failed"] {
        assert!(busy80.contains(want), "missing {want:?} in {busy80}");
    }
    snap!("status_team_80", busy80);
    snap!("status_team_120", busy120);
    // Found driving `demo --team 3` at 80x24: with waits past their
    // thresholds the alerts took the room and the team piece went.
    let mut alerted = with_breaches();
    team(&mut alerted);
    let top80 = top(&alerted, 80, 24);
    assert!(top80.contains("team 5·Mia"), "{top80}");
    assert!(top80.contains("waiting"), "{top80}");
    // A name from Redis with control characters shows none of them.
    let mut hostile = busy.clone();
    hostile.model.status.team = Some(switchboard::app::TeamBar {
        text: "team 2 · polling: Mia\u{1b}[2J\u{7}".into(),
        trouble: false,
        short: "team 2·Mia\u{1b}[2J".into(),
    });
    for w in [80, 120] {
        let top = top(&hostile, w, 24);
        assert!(!top.chars().any(char::is_control), "{top:?}");
    }
}
