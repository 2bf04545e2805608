//! The console at contact-centre scale (issue 11, item 6): one frame, a key
//! `j`, a filter keystroke, a poll merge (a whole rotation of pages, and
//! one page) and a clock tick (wait alerts), at 1,000, 10,000 and 50,000
//! conversations, with 200 agents and the log full to `LOG_CAPACITY`, drawn
//! into a 120x40 `TestBackend` in the dark theme.
//!
//! Run with `cargo bench --bench scale` (or `scripts/bench-scale.sh`). Every
//! State is generated from a fixed seed, so runs compare like with like.
//! Building the State, cloning it and making the poll's records happen
//! outside the timed part.

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use switchboard::app::input::TextInput;
use switchboard::app::state::*;
use switchboard::app::{Action, ConversationPage, PollGroup, State, update};
use switchboard::domain::{Event, PlanSettings};
use switchboard::kore::hooks::EventContext;
use switchboard::kore::wire::{ConversationParticipant, ConversationRecord};
use switchboard::ui::keymap::Keymap;
use switchboard::ui::{Theme, ThemeKind, view};

/// Conversations in each case.
const SIZES: [usize; 3] = [1_000, 10_000, 50_000];
const AGENTS: usize = 200;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// 2024-01-01 14:03:22 UTC.
const NOW: i64 = 1_704_117_802_000;
const SEC: i64 = 1000;

// Each benchmark stops sampling after `MAX_TIME` seconds (input generation
// included), so the 50,000 cases take a few dozen samples and the whole run
// stays under two minutes.
const SAMPLES: u32 = 100;
const MAX_TIME: u64 = 6;

fn main() {
    // `SCALE_RSS=10000 cargo bench --bench scale`: the memory figure instead
    // of the timings, in a process of its own.
    if let Ok(n) = std::env::var("SCALE_RSS") {
        resident(n.parse().expect("SCALE_RSS is a number of conversations"));
        return;
    }
    println!(
        "scale: {AGENTS} agents, log full at {LOG_CAPACITY} lines (LOG_CAPACITY), \
         TestBackend {WIDTH}x{HEIGHT}, dark theme"
    );
    divan::main();
}

/// This process's resident memory, in MiB (`VmRSS` or `VmHWM` of
/// /proc/self/status).
fn proc_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .expect("a kB figure");
    kb / 1024.0
}

/// Builds the console with `n` conversations and the log full, draws it,
/// filters once (so the filter's kept text exists) and draws again, then
/// prints the whole process's resident memory.
fn resident(n: usize) {
    let before = proc_mib("VmRSS");
    let mut state = console(n);
    let theme = dark();
    let mut term = terminal();
    term.draw(|f| view(&state, f, &theme)).expect("drawing");
    update(&mut state, key('/'));
    update(&mut state, key('e'));
    term.draw(|f| view(&state, f, &theme)).expect("drawing");
    update(&mut state, key('s'));
    let (rss, peak) = (proc_mib("VmRSS"), proc_mib("VmHWM"));
    println!(
        "resident memory with {n} conversations, {AGENTS} agents and {} log lines: \
         {rss:.1} MiB (peak {peak:.1} MiB; {before:.1} MiB before the State was built)",
        state.log.lines.len()
    );
}

/// One frame of the whole view, nothing changed since the last one.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn frame(bencher: Bencher, n: usize) {
    let state = console(n);
    let theme = dark();
    let mut term = terminal();
    bencher.bench_local(|| {
        term.draw(|f| view(&state, f, &theme)).expect("drawing");
    });
}

/// One frame with the last row selected: the selection's row is found
/// from the kept hint, not by walking every id.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn frame_last_selected(bencher: Bencher, n: usize) {
    let mut state = console(n);
    state.views.list.selected = ids_in_order(&state).last().cloned();
    let theme = dark();
    let mut term = terminal();
    bencher.bench_local(|| {
        term.draw(|f| view(&state, f, &theme)).expect("drawing");
    });
}

/// `j` in the conversations list, then the frame it causes. The selection
/// walks down the list and wraps to the top at the end (one id compare).
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn key_j(bencher: Bencher, n: usize) {
    let mut state = console(n);
    let theme = dark();
    let mut term = terminal();
    let order: Vec<String> = ids_in_order(&state);
    let (first, last) = (order[0].clone(), order[order.len() - 1].clone());
    bencher.bench_local(|| {
        if state.views.list.selected.as_deref() == Some(last.as_str()) {
            state.views.list.selected = Some(first.clone());
        }
        update(&mut state, key('j'));
        term.draw(|f| view(&state, f, &theme)).expect("drawing");
    });
}

/// In the `/` filter of the conversations list with `c-1` typed, one more
/// character (`2`): the list narrows to about a tenth. Update and frame.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn filter_key_narrow(bencher: Bencher, n: usize) {
    filter_keystroke(bencher, n, "c-1", '2');
}

/// The same with `e` typed, then `n`: most rows match `e` (session ids,
/// names), about half still match `en` (the language).
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn filter_key_broad(bencher: Bencher, n: usize) {
    filter_keystroke(bencher, n, "e", 'n');
}

/// The first filter keystroke after a poll page changed the conversations
/// (issue 20.6): the kept list is patched (the page's rows out and back at
/// their places, their filter text with them), then `e` is tested on every
/// row, and the frame drawn. The filter was used once before the page (its
/// text made), as in a console that has been filtered since it started;
/// the page is merged outside the timed part.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn filter_key_after_poll(bencher: Bencher, n: usize) {
    let mut state = console(n);
    state.views.list.filter = "e".into();
    let _ = state.visible_ids();
    state.views.list.filter.clear();
    let _ = state.visible_ids();
    state.views.mode = Mode::Filter {
        pane: Pane::Conversations,
        input: TextInput::with_text("", MAX_INPUT),
    };
    let page = pages(poll(&state)).swap_remove(0);
    let theme = dark();
    let mut term = terminal();
    // The frame before the page (what it keeps: the list, the counts).
    term.draw(|f| view(&state, f, &theme)).expect("drawing");
    bencher
        .with_inputs(|| after_page(&state, &page))
        .bench_local_values(|mut s: State| {
            update(&mut s, key('e'));
            term.draw(|f| view(&s, f, &theme)).expect("drawing");
            s
        });
}

/// A copy of `state` with `page` merged (its kept list made before).
fn after_page(state: &State, page: &Action) -> State {
    let mut s = state.clone();
    update(&mut s, page.clone());
    s
}

fn filter_keystroke(bencher: Bencher, n: usize, typed: &str, next: char) {
    let mut state = console(n);
    state.views.list.filter = typed.to_string();
    state.views.mode = Mode::Filter {
        pane: Pane::Conversations,
        input: TextInput::with_text(typed, MAX_INPUT),
    };
    let theme = dark();
    let mut term = terminal();
    term.draw(|f| view(&state, f, &theme)).expect("drawing");
    bencher
        .with_inputs(|| state.clone())
        .bench_local_values(|mut s: State| {
            update(&mut s, key(next));
            term.draw(|f| view(&s, f, &theme)).expect("drawing");
            // Dropped outside the timed part.
            s
        });
}

/// A whole rotation of the poll plan merged into the State (no frame): the
/// same N conversations read as list-conversations pages of 100, the
/// waiting ones' then the rest's, each group's last page ending its sweep;
/// 4% of them changed (status, participants), 1% gone and 1% new.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn poll_merge(bencher: Bencher, n: usize) {
    let state = console(n);
    let pages = pages(poll(&state));
    bencher
        .with_inputs(|| (state.clone(), pages.clone()))
        .bench_local_values(|(mut s, pages): (State, Vec<Action>)| {
            for p in pages {
                update(&mut s, p);
            }
            s
        });
}

/// A list-queues answer of N queues (issue 18.5: 50,000 took 25 s when
/// each queue was looked up in a list), merged into a console that already
/// holds the same queues: the first 5,000 kept, the rest counted.
#[divan::bench(args = [5_000, 50_000, 200_000], sample_count = SAMPLES, max_time = MAX_TIME)]
fn queues_merge(bencher: Bencher, n: usize) {
    use switchboard::kore::wire::{QueueAgent, QueueRecord};
    let records: Vec<QueueRecord> = (0..n)
        .map(|i| QueueRecord {
            id: format!("q-{i:07}"),
            name: format!("Queue {i}"),
            is_active: Some(true),
            agents: vec![QueueAgent {
                user_id: format!("u-{i}"),
                name: Some(format!("Agent {i}")),
                ..QueueAgent::default()
            }],
            ..QueueRecord::default()
        })
        .collect();
    let mut state = State::new(settings(), Keymap::default(), "b".into());
    update(
        &mut state,
        Action::QueuesListed {
            result: Ok(records.clone()),
        },
    );
    bencher
        .with_inputs(|| (state.clone(), records.clone()))
        .bench_local_values(|(mut s, records): (State, Vec<QueueRecord>)| {
            update(
                &mut s,
                Action::QueuesListed {
                    result: Ok(records),
                },
            );
            s
        });
}

/// One page of 100 merged into a State of N (what each read of the poll
/// costs the event loop).
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn poll_page(bencher: Bencher, n: usize) {
    let state = console(n);
    let page = pages(poll(&state)).swap_remove(0);
    bencher
        .with_inputs(|| (state.clone(), page.clone()))
        .bench_local_values(|(mut s, page): (State, Action)| {
            update(&mut s, page);
            s
        });
}

/// The records as the poll plan reads them: the waiting ones (OPEN,
/// OVERDUE), then the rest, in pages of 100 with growing read numbers.
fn pages(records: Vec<ConversationRecord>) -> Vec<Action> {
    let (waiting, rest): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| matches!(r.status.as_deref(), Some("OPEN" | "OVERDUE")));
    let mut out = Vec::new();
    let mut seq = 1;
    for (group, records) in [(PollGroup::Waiting, waiting), (PollGroup::Rest, rest)] {
        let from = seq;
        let chunks: Vec<Vec<ConversationRecord>> = records
            .chunks(100)
            .map(<[ConversationRecord]>::to_vec)
            .collect();
        let last = chunks.len().saturating_sub(1);
        for (i, records) in chunks.into_iter().enumerate() {
            out.push(Action::ConversationsPage(Box::new(ConversationPage {
                group,
                seq,
                skip: (i * 100) as u32,
                total: None,
                records,
                closed: Vec::new(),
                sweep_from: (i == last).then_some(from),
                cut: false,
            })));
            seq += 1;
        }
    }
    out
}

/// A clock tick with the waiting conversations (about a third) in a queue
/// and waiting up to five minutes, and the frame it causes: the alerts pass
/// judges the waiting ones only (the list of them was made by the first
/// tick), the status bar reads its count.
/// Every conversation marked (`:mark filter` with no filter), then `E`:
/// each marked one planned by the single action's rules and the one
/// confirmation asked. What a supervisor waits for after the key, on the
/// update alone (no frame).
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn bulk_end_all_marked(bencher: Bencher, n: usize) {
    let mut state = console(n);
    typed_command(&mut state, "mark filter");
    assert_eq!(state.views.list.marks.len(), n, "every one marked");
    bencher
        .with_inputs(|| state.clone())
        .bench_local_values(|mut s| {
            update(&mut s, key('E'));
            s
        });
}

/// The same, answered `y`: the whole batch planned and handed over as
/// effects (journal first, then paced sends), on the update alone.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn bulk_end_all_marked_confirmed(bencher: Bencher, n: usize) {
    let mut state = console(n);
    typed_command(&mut state, "mark filter");
    update(&mut state, key('E'));
    bencher
        .with_inputs(|| state.clone())
        .bench_local_values(|mut s| {
            let effects = update(&mut s, key('y'));
            (s, effects)
        });
}

/// `:` then `line` then Enter.
fn typed_command(state: &mut State, line: &str) {
    update(state, key(':'));
    for c in line.chars() {
        update(state, key(c));
    }
    update(
        state,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
}

#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn tick(bencher: Bencher, n: usize) {
    let mut state = console(n);
    let mut rng = Rng(0x71c4 + n as u64);
    let ids: Vec<String> = state.model.conversations.keys().cloned().collect();
    for id in ids {
        let c = state.model.conversations.get_mut(&id).expect("listed");
        if c.is_waiting() {
            c.queue = Some(("qu-billing".into(), "Billing".into()));
            c.wait_ms = Some(rng.below(300) as i64 * SEC);
            c.listed_at_ms = NOW;
        }
    }
    update(&mut state, Action::Tick(NOW));
    let theme = dark();
    let mut term = terminal();
    let mut now = NOW;
    bencher.bench_local(|| {
        now += SEC;
        update(&mut state, Action::Tick(now));
        term.draw(|f| view(&state, f, &theme)).expect("drawing");
    });
}

// ---------------------------------------------------------------------------
// The generated contact centre.

/// splitmix64: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: [&str; 20] = [
    "Mia", "Raj", "Ana", "Tom", "Lena", "Kwame", "Sofia", "Yuki", "Omar", "Ines", "Lars", "Priya",
    "Chen", "Amara", "Diego", "Hana", "Ivan", "Zoe", "Malik", "Noor",
];
const LAST: [&str; 10] = [
    "Chen", "Patel", "Souza", "Berg", "Novak", "Mensah", "Garcia", "Tanaka", "Haddad", "Jensen",
];
const QUEUES: [&str; 5] = ["Billing", "Support", "Sales", "Claims", "Retention"];
const LANGUAGES: [&str; 10] = [
    "en", "en", "en", "en", "es", "de", "fr", "pt-BR", "ja", "hi",
];
/// OPEN and ACTIVE most often, as in a busy afternoon.
const STATUSES: [&str; 8] = [
    "OPEN", "OPEN", "OPEN", "ACTIVE", "ACTIVE", "ACTIVE", "IDLE", "OVERDUE",
];

fn settings() -> Settings {
    Settings {
        bot_id: "st-5c1e9a2b-77d0-4c3e-9f12-3b8e0c2da1f3".into(),
        environment: "DEMO".into(),
        confirm: true,
        read_only: false,
        defaults: EventContext::default(),
        plan: PlanSettings::default(),
        callback_timeout_ms: 120_000,
        alerts: switchboard::app::alerts::Alerts::default(),
    }
}

fn agents(rng: &mut Rng) -> Vec<Agent> {
    (0..AGENTS)
        .map(|i| {
            let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[i / FIRST.len()]);
            let presence = *rng.pick(&[
                Presence::Available,
                Presence::Available,
                Presence::Busy,
                Presence::Busy,
                Presence::Away,
                Presence::Offline,
            ]);
            let queue = QUEUES[i % QUEUES.len()];
            let chat = rng.below(6) as u32;
            Agent {
                id: format!("a-{}", i + 1),
                identity: format!("a-{}", i + 1),
                name,
                email: Some(format!("agent{}@example.com", i + 1)),
                queue_id: Some(format!("q-{}", i % QUEUES.len())),
                queue_name: Some(queue.into()),
                presence,
                chat: Some(Load {
                    used: chat,
                    total: 5,
                }),
                voice: Some(Load {
                    used: rng.below(2) as u32,
                    total: 1,
                }),
            }
        })
        .collect()
}

/// An event delivered by the console: on the roster and on the timeline.
fn delivered(c: &mut Conversation, req: &mut u64, at_ms: i64, ev: Event) {
    c.roster.apply(&ev, at_ms).expect("a valid order");
    c.timeline.push(TimelineItem::Event {
        req_id: format!("b-{req}"),
        at_ms,
        text: ev.describe(),
        event: ev,
        delivery: Delivery::Delivered {
            status: 200,
            latency_ms: 40,
            attempt: 1,
            maybe_arrived: Vec::new(),
        },
    });
    *req += 1;
}

/// An event on the timeline that has not reached the roster.
fn open(c: &mut Conversation, req: &mut u64, at_ms: i64, ev: Event, delivery: Delivery) {
    c.timeline.push(TimelineItem::Event {
        req_id: format!("b-{req}"),
        at_ms,
        text: ev.describe(),
        event: ev,
        delivery,
    });
    *req += 1;
}

fn conversation(i: usize, rng: &mut Rng, agents: &[Agent], req: &mut u64) -> Conversation {
    let channel = if rng.chance(30) {
        Channel::Voice
    } else {
        Channel::Chat
    };
    let mut c = Conversation::new(format!("c-{}", 1000 + i), channel, *rng.pick(&LANGUAGES));
    c.listed = true;
    c.bot_session_id = rng
        .chance(90)
        .then(|| format!("{:016x}{:04x}", rng.next(), rng.below(0x10000)));
    // From a few seconds to three hours old.
    let age_s = 5 + rng.below(3 * 3600) as i64;
    let started = NOW - age_s * SEC;
    c.started_ms = Some(started);
    let status = *rng.pick(&STATUSES);
    c.api_status = Some(status.into());
    if status == "ACTIVE" || status == "IDLE" {
        c.api_agents.push(rng.pick(agents).name.clone());
        if rng.chance(10) {
            c.api_agents.push(rng.pick(agents).name.clone());
        }
        // As the poll's merge keeps them: no room to spare.
        c.api_agents.shrink_to_fit();
    }
    // Some the console itself works on: a roster, sometimes a consultant,
    // an ended one, open and failed requests.
    let r = rng.below(100);
    if r < 12 {
        let a = rng.pick(agents).to_ref();
        let b = rng.pick(agents).to_ref();
        let at = started + age_s * SEC / 3;
        delivered(&mut c, req, at, Event::na_entry(a.clone()));
        match r {
            0..=2 if a.id != b.id => delivered(&mut c, req, at + 30 * SEC, Event::warm_entry(b)),
            3 => {
                delivered(&mut c, req, at + 60 * SEC, Event::na_exit(a.clone()));
                delivered(&mut c, req, at + 61 * SEC, Event::TriggerSummary);
                let end = Event::EndOfConversation { agent: Some(a) };
                delivered(&mut c, req, at + 62 * SEC, end);
            }
            4 if a.id != b.id => {
                open(
                    &mut c,
                    req,
                    NOW - 2 * SEC,
                    Event::warm_entry(b),
                    Delivery::Queued,
                );
            }
            5 if a.id != b.id => {
                let failed = Delivery::Failed {
                    status: Some(400),
                    message: format!("Agent {} is not part of conversation {}", a.id, c.id),
                    reason: switchboard::kore::wire::FailReason::RosterStale,
                };
                open(&mut c, req, NOW - 60 * SEC, Event::cold_exit(a), failed);
                open(
                    &mut c,
                    req,
                    NOW - 60 * SEC,
                    Event::cold_entry(b),
                    Delivery::Held,
                );
            }
            _ => {}
        }
    }
    c
}

/// Log lines as a busy console writes them: polls, requests, answers,
/// callbacks and errors.
fn fill_log(state: &mut State, rng: &mut Rng) {
    let n = state.model.conversations.len();
    let names: Vec<String> = state.model.agents.iter().map(|a| a.name.clone()).collect();
    // Lines that say the same in a row fold into one (with a count), so the
    // log is filled until it holds its capacity.
    let mut i = 0usize;
    while state.log.lines.len() < LOG_CAPACITY {
        i += 1;
        let at = NOW - (LOG_CAPACITY * 2).saturating_sub(i) as i64 * 500;
        let conv = format!("c-{}", 1000 + rng.below(n as u64));
        let name = rng.pick(&names);
        let (kind, text) = match rng.below(10) {
            0..=3 => (
                LogKind::Info,
                format!("polled {n} conversations, {AGENTS} agents"),
            ),
            4 => (
                LogKind::Out,
                format!("POST hooks/st-…a1f3  WARM entry {name} ({conv})"),
            ),
            5 => (LogKind::In, format!("200 OK {} ms", 20 + rng.below(80))),
            6 => (
                LogKind::Out,
                format!("POST public/st-…a1f3/assign-conversation  {conv} → {name}"),
            ),
            7 => (
                LogKind::Callback,
                format!("callback assign {conv} → {name}: transferred"),
            ),
            8 => (
                LogKind::Error,
                format!("400 Bad Request 31 ms: Agent a-3 is not part of conversation {conv}"),
            ),
            _ => (LogKind::In, "429 Too Many Requests: retry after 2 s".into()),
        };
        state.log.push(at, kind, text);
    }
}

/// The console with `n` conversations, 200 agents and a full log, the list
/// focused and its fifth row selected, laid out for 120x40.
fn console(n: usize) -> State {
    let mut rng = Rng(0x5eed_0000 + n as u64);
    let mut s = State::new(settings(), Keymap::default(), "b".into());
    s.now_ms = NOW;
    s.views.screen = (WIDTH, HEIGHT);
    s.views.pane_rows = switchboard::ui::view::pane_rows(s.views.screen);
    s.model.status = Status {
        health: Health::Online,
        rate_used: 12,
        rate_limit: 60,
        callback_address: "http://127.0.0.1:8009".into(),
        ..Status::default()
    };
    s.model.agents = agents(&mut rng);
    let mut req = 1;
    for i in 0..n {
        let c = conversation(i, &mut rng, &s.model.agents, &mut req);
        s.model.conversations.insert(c.id.clone(), c);
    }
    fill_log(&mut s, &mut rng);
    assert_eq!(s.log.lines.len(), LOG_CAPACITY);
    s.views.list.selected = ids_in_order(&s).get(4).cloned();
    s
}

fn ids_in_order(s: &State) -> Vec<String> {
    s.visible_conversations()
        .iter()
        .map(|c| c.id.clone())
        .collect()
}

fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .expect("a valid time")
        .format(&Rfc3339)
        .expect("formatting")
}

/// What list-conversations would answer for `state` a poll later: most
/// records as they were, 4% changed, 1% gone, 1% new.
fn poll(state: &State) -> Vec<ConversationRecord> {
    let mut rng = Rng(0x9011);
    let participant = |name: &str| ConversationParticipant {
        name: Some(name.to_string()),
        status: Some("ACTIVE".into()),
        ..Default::default()
    };
    let mut out =
        Vec::with_capacity(state.model.conversations.len() + state.model.conversations.len() / 100);
    let mut fresh = 0;
    for c in state.model.conversations.values() {
        let r = rng.below(100);
        if r == 0 {
            // Gone, and a new one came in.
            fresh += 1;
            out.push(ConversationRecord {
                id: Some(format!("c-{}", 900_000 + fresh)),
                conversation_type: Some("messaging".into()),
                status: Some("OPEN".into()),
                language: Some("en".into()),
                start_time: Some(rfc3339(NOW - 3 * SEC)),
                ..Default::default()
            });
            continue;
        }
        let mut status = c.api_status.as_deref().map(str::to_string);
        let mut agents = c.api_agents.clone();
        if r <= 4 {
            status = Some("ACTIVE".into());
            agents.push(rng.pick(&state.model.agents).name.clone());
        }
        out.push(ConversationRecord {
            id: Some(c.id.clone()),
            bot_session_id: c.bot_session_id.clone(),
            conversation_type: Some(
                match c.channel {
                    Channel::Voice => "voice",
                    Channel::Chat => "messaging",
                }
                .into(),
            ),
            source: Some("web".into()),
            status,
            language: Some(c.language.to_string()),
            participants: agents.iter().map(|a| participant(a)).collect(),
            start_time: c.started_ms.map(rfc3339),
            ..Default::default()
        });
    }
    out
}

fn dark() -> Theme {
    Theme::new(ThemeKind::Dark, false)
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal")
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The list after a poll page changed the conversations (sorted, no
/// filter): what the first frame after a page pays (issue 20.6: the kept
/// list is patched, the page's rows out and back at their places). The
/// page is merged outside the timed part.
#[divan::bench(args = SIZES, sample_count = SAMPLES, max_time = MAX_TIME)]
fn list_after_poll(bencher: Bencher, n: usize) {
    let state = console(n);
    let _ = state.visible_ids();
    let page = pages(poll(&state)).swap_remove(0);
    bencher
        .with_inputs(|| after_page(&state, &page))
        .bench_local_values(|s: State| {
            let _ = s.visible_ids().len();
            s
        });
}
