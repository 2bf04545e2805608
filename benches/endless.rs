//! Keys while a hostile list merges (issue 18.14): a list-conversations
//! that never ends (`hasMore` for ever, 100 ids never seen before on every
//! page, as the simulator's `endless_list` chaos answers) merged page after
//! page into the console's pure core, the way the runtime feeds it: the
//! page (`Action::ConversationsPage`), its poll line (`Action::Log`), and
//! between pages a key and the frame it causes, drawn into a 120x40
//! `TestBackend`. A clock tick (and its frame) comes every ten pages, as a
//! round of the poll plan takes about a second. The sweep is cut by the
//! pager's cap (1,000 pages: the 100,000 conversations `MAX_CONVERSATIONS`
//! lets in), its last page ending the sweep; a few pages past the cap
//! follow (refused, counted).
//!
//! Two runs: `j` in the conversations list, and the `/` filter open with a
//! character typed and taken back in turn. Each prints the median and p99
//! (and the worst) of key+frame, of a page's merge, and of tick+frame,
//! over the pages that leave about 10,000, 50,000 and 100,000
//! conversations held (within a tenth of each).
//!
//! `cargo bench --bench endless` (`-- --quick`: up to 20,000 only).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use switchboard::app::state::*;
use switchboard::app::{Action, ConversationPage, PollGroup, State, update};
use switchboard::domain::PlanSettings;
use switchboard::kore::hooks::EventContext;
use switchboard::kore::wire::ConversationRecord;
use switchboard::ui::keymap::Keymap;
use switchboard::ui::{Theme, ThemeKind, view};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const PAGE: usize = 100;
/// The pager's cap on one sweep (`kore::pager::CONVERSATIONS.max_pages`).
const SWEEP_PAGES: usize = 1_000;
/// Pages read past the cap (the rest group's, all refused).
const PAST_CAP: usize = 50;
/// 2024-01-01 14:03:22 UTC.
const NOW: i64 = 1_704_117_802_000;
/// Where the figures are taken: the pages that leave this many held, give
/// or take a tenth.
const MARKS: [usize; 3] = [10_000, 50_000, 100_000];

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let pages = if quick { 200 } else { SWEEP_PAGES };
    println!(
        "endless list: pages of {PAGE} new conversations up to {} ({pages} pages, the \
         last ending the sweep cut), then {PAST_CAP} past the cap; a key and its frame \
         between pages, a tick every ten; TestBackend {WIDTH}x{HEIGHT}",
        MAX_CONVERSATIONS
    );
    for how in [Keys::J, Keys::Filter] {
        let run = run(how, pages);
        run.print(how);
    }
}

#[derive(Debug, Clone, Copy)]
enum Keys {
    /// `j` in the conversations list.
    J,
    /// The `/` filter open: `e` typed, then taken back (Backspace), in turn.
    Filter,
}

/// What one step cost, and how many conversations were held after it.
struct Sample {
    held: usize,
    took: Duration,
}

#[derive(Default)]
struct Run {
    keys: Vec<Sample>,
    pages: Vec<Sample>,
    ticks: Vec<Sample>,
    /// The page that ended the sweep (its forgetting and counting).
    sweep_end: Option<Duration>,
}

fn run(how: Keys, pages: usize) -> Run {
    let mut state = console();
    let theme = Theme::new(ThemeKind::Dark, false);
    let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal");
    if let Keys::Filter = how {
        update(&mut state, key(KeyCode::Char('/')));
    }
    term.draw(|f| view(&state, f, &theme)).expect("drawing");
    let mut out = Run::default();
    let mut now = NOW;
    for p in 0..pages + PAST_CAP {
        let (group, seq, skip) = if p < pages {
            (PollGroup::Waiting, p, p)
        } else {
            (PollGroup::Rest, p, p - pages)
        };
        let last = p + 1 == pages;
        let action = page(group, seq as u64 + 1, skip, p, last);
        now += 100;
        state.now_ms = now;
        let t = Instant::now();
        update(&mut state, action);
        update(&mut state, poll_line(group, p));
        let took = t.elapsed();
        let held = state.model.conversations.len();
        if last {
            out.sweep_end = Some(took);
        }
        out.pages.push(Sample { held, took });

        let k = match how {
            Keys::J => key(KeyCode::Char('j')),
            Keys::Filter if p % 2 == 0 => key(KeyCode::Char('e')),
            Keys::Filter => key(KeyCode::Backspace),
        };
        let t = Instant::now();
        update(&mut state, k);
        term.draw(|f| view(&state, f, &theme)).expect("drawing");
        out.keys.push(Sample {
            held,
            took: t.elapsed(),
        });

        if p % 10 == 9 {
            let t = Instant::now();
            update(&mut state, Action::Tick(now));
            term.draw(|f| view(&state, f, &theme)).expect("drawing");
            out.ticks.push(Sample {
                held,
                took: t.elapsed(),
            });
        }
    }
    out
}

impl Run {
    fn print(&self, how: Keys) {
        let what = match how {
            Keys::J => "j",
            Keys::Filter => "filter key",
        };
        println!();
        println!("{what}:");
        for (name, samples) in [
            (format!("{what} + frame"), &self.keys),
            ("page merge".to_string(), &self.pages),
            ("tick + frame".to_string(), &self.ticks),
        ] {
            for mark in MARKS {
                let near: Vec<Duration> = samples
                    .iter()
                    .filter(|s| s.held.abs_diff(mark) <= mark / 10)
                    .map(|s| s.took)
                    .collect();
                if let Some(line) = figures(&near) {
                    println!("  {name:<18} near {mark:>7}: {line}");
                }
            }
        }
        if let Some(t) = self.sweep_end {
            println!("  the page that ended the sweep: {}", ms(t));
        }
        let past: Vec<Duration> = self
            .keys
            .iter()
            .rev()
            .take(PAST_CAP)
            .map(|s| s.took)
            .collect();
        if let Some(line) = figures(&past) {
            println!("  {:<18} past the cap: {line}", format!("{what} + frame"));
        }
        let worst = self.keys.iter().map(|s| s.took).max().unwrap_or_default();
        println!("  worst {what} + frame of the run: {}", ms(worst));
    }
}

/// "median 0.41 ms, p99 0.93 ms, worst 1.2 ms (n 100)".
fn figures(samples: &[Duration]) -> Option<String> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_unstable();
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    Some(format!(
        "median {}, p99 {}, worst {} (n {})",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(s[s.len() - 1]),
        s.len()
    ))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Page `n` of the endless list: 100 ids never listed before, OPEN and
/// waiting a second (as the simulator's `endless_list` answers).
fn page(group: PollGroup, seq: u64, skip: usize, n: usize, last: bool) -> Action {
    let from = n * PAGE;
    let records = (from..from + PAGE)
        .map(|i| ConversationRecord {
            id: Some(format!("endless-{i:09}")),
            status: Some("OPEN".into()),
            wait_time: Some(1_000),
            ..ConversationRecord::default()
        })
        .collect();
    Action::ConversationsPage(Box::new(ConversationPage {
        group,
        seq,
        skip: (skip * PAGE) as u32,
        total: None,
        records,
        closed: Vec::new(),
        sweep_from: last.then_some(1),
        cut: last,
    }))
}

/// The runtime's line for a page read.
fn poll_line(group: PollGroup, n: usize) -> Action {
    Action::Log {
        kind: LogKind::In,
        text: format!(
            "GET /conversations?skip={}  poll: 200 {} ms, {PAGE} {} conversation(s)",
            n * PAGE,
            20 + n % 30,
            group.label()
        ),
    }
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A console as it starts: no conversation yet, the list focused, laid
/// out for 120x40, online.
fn console() -> State {
    let settings = Settings {
        bot_id: "st-5c1e9a2b-77d0-4c3e-9f12-3b8e0c2da1f3".into(),
        environment: "DEMO".into(),
        confirm: true,
        read_only: false,
        defaults: EventContext::default(),
        plan: PlanSettings::default(),
        callback_timeout_ms: 120_000,
        alerts: switchboard::app::alerts::Alerts::default(),
    };
    let mut s = State::new(settings, Keymap::default(), "b".into());
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
    s
}
