//! The two bars: the status line at the top and, at the bottom, whichever of
//! these applies: the confirmation prompt, the text being typed (`/` filter
//! or `:` command), the latest flash message, or the key hints.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{clean, width, wrap};
use super::theme::{Glyph, Theme};
use super::widgets::input_spans;
use crate::app::State;
use crate::app::command::{KeyMode, REGISTRY};
use crate::app::input::TextInput;
use crate::app::state::{Mode, Pane};

mod trouble;

/// The most rows the bottom bar takes for a long message.
const MAX_BOTTOM_ROWS: usize = 3;

// ---------------------------------------------------------------------------
// Top: the status line
// ---------------------------------------------------------------------------

/// One piece of the status line, with shorter forms and a rank: when the
/// line is too long, shorter forms are used first, then pieces with the
/// highest rank go, rightmost first. A piece that says what is wrong
/// (`keep`) takes its last, shortest form only once nothing else can go,
/// so its reason is the last thing the bar gives up.
struct Piece {
    forms: Vec<Vec<Span<'static>>>,
    rank: u8,
    at: usize,
    keep: bool,
    /// It shortens only once the decoration (rank [`DECOR`] and over: the
    /// name, the bot, the callbacks) has gone.
    after_decor: bool,
    /// Its place on the line (set by `fit`).
    pos: usize,
}

/// The rank from which a piece is decoration (see `Piece::after_decor`).
const DECOR: u8 = 5;

impl Piece {
    fn new(long: Vec<Span<'static>>, rank: u8) -> Piece {
        Piece {
            forms: vec![long],
            rank,
            at: 0,
            keep: false,
            after_decor: false,
            pos: 0,
        }
    }

    /// A piece that keeps its long form while decoration is left to go.
    fn after_decor(mut self) -> Piece {
        self.after_decor = true;
        self
    }

    /// A shorter form, after those given so far.
    fn with_short(mut self, short: Vec<Span<'static>>) -> Piece {
        self.forms.push(short);
        self
    }

    /// A piece that says what is wrong: its shortest form comes last.
    fn kept(mut self) -> Piece {
        self.keep = true;
        self
    }

    fn spans(&self) -> &[Span<'static>] {
        &self.forms[self.at]
    }

    fn width(&self) -> usize {
        self.spans().iter().map(|s| width(&s.content)).sum()
    }

    /// Shorter forms it can still take before (`last`: including) its
    /// shortest.
    fn can_shorten(&self, last: bool) -> bool {
        let end = if self.keep && !last {
            self.forms.len().saturating_sub(1)
        } else {
            self.forms.len()
        };
        self.at + 1 < end
    }
}

fn span(text: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(text.into(), style)
}

/// `:8009` for a loopback listener, `host:port` otherwise.
pub fn callback_label(address: &str) -> Option<String> {
    let address = address.trim();
    if address.is_empty() {
        return None;
    }
    let Ok(url) = url::Url::parse(address) else {
        return Some(clean(address, 40));
    };
    let port = url.port_or_known_default();
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    let host = url.host_str().unwrap_or_default();
    Some(match (loopback, port) {
        (true, Some(p)) => format!(":{p}"),
        (_, Some(p)) => format!("{}:{p}", clean(host, 40)),
        (_, None) => clean(host, 40),
    })
}

/// What the conversations poll has covered: `seen 9800 of 10000 · oldest
/// 40s · all within ~160s`, and what was not read, if anything: a failed
/// read, a first rotation still under way, waiting ones that take more than
/// a round, or fewer seen than Kore counts.
fn poll_piece(state: &State, theme: &Theme) -> Option<Piece> {
    let poll = &state.model.status.poll;
    if poll.plan.is_none() && poll.seen == 0 {
        return None;
    }
    let seen = poll.seen;
    let total = poll.total();
    let mut unread = Vec::new();
    if poll.error.is_some() {
        unread.push("a read failed".to_string());
    }
    if !poll.swept_all() {
        unread.push("first pass".to_string());
    } else if poll.cut_short() || total.is_some_and(|t| t > seen as u64) {
        unread.push("not all read".to_string());
    }
    if poll.refused() > 0 {
        unread.push(format!(
            "Kore lists more than {}",
            crate::app::state::MAX_CONVERSATIONS
        ));
    }
    if let Some(plan) = poll.plan.filter(|p| p.waiting_bounded()) {
        unread.push(format!(
            "waiting: {} of {} pages a round",
            plan.waiting_cap, plan.pages[0]
        ));
    }
    let style = if poll.error.is_some() {
        theme.bad
    } else if unread.is_empty() {
        theme.text
    } else {
        theme.warn
    };
    // Kore's count only when it can be the whole: a total below what was
    // seen (0, or one cut short) is said as Kore's, not as "of".
    let count = match total {
        Some(t) if t >= seen as u64 => format!("{seen} of {t}"),
        Some(t) => format!("{seen} (Kore counts {t})"),
        None => seen.to_string(),
    };
    let short_count = match total {
        Some(t) if t >= seen as u64 => format!("{seen}/{t}"),
        _ => seen.to_string(),
    };
    // Three cells whatever the age ("9s", "10s"), so that the bar does
    // not shift, and redraw whole, as it ages.
    let age = poll
        .oldest_ms
        .map(|o| format!("{:>3}", super::text::age_short(state.now_ms - o)));
    let mut long = format!("seen {count}");
    let mut short = short_count;
    if let Some(a) = &age {
        long.push_str(&format!(" · oldest {a}"));
        short.push_str(&format!(" {a}"));
    }
    if let Some(plan) = poll.plan {
        long.push_str(&format!(" · all within ~{}s", plan.full_ms.div_ceil(1000)));
    }
    if !unread.is_empty() {
        long.push_str(&format!(" ({})", unread.join(", ")));
        short.push('!');
    }
    Some(Piece::new(vec![span(long, style)], 2).with_short(vec![span(short, style)]))
}

fn status_pieces(state: &State, theme: &Theme) -> Vec<Piece> {
    let mut pieces = Vec::new();
    pieces.push(Piece::new(vec![span("Switchboard", theme.brand)], 6));
    if !state.settings.bot_id.is_empty() {
        let bot = theme.own_text(&crate::kore::client::short_id(&clean(
            &state.settings.bot_id,
            80,
        )));
        pieces.push(
            Piece::new(vec![span(format!("bot {bot}"), theme.text)], 5)
                .with_short(vec![span(bot, theme.text)]),
        );
    }
    if !state.settings.environment.is_empty() {
        let env = theme.fit(&clean(&state.settings.environment, 80), 20);
        pieces.push(Piece::new(vec![span(env, theme.heading)], 2));
    }
    if state.settings.read_only {
        pieces.push(Piece::new(vec![span(" READ-ONLY ", theme.read_only)], 0));
    }
    pieces.extend(trouble::pieces(state, theme));
    if let Some((dropped, _)) = &state.model.status.log_trouble {
        let (long, short) = if *dropped == 0 {
            ("no log file".to_string(), "no log".to_string())
        } else {
            (
                format!("log: {dropped} line(s) dropped"),
                format!("log -{dropped}"),
            )
        };
        pieces.push(
            Piece::new(
                vec![
                    span(theme.glyph(Glyph::Degraded), theme.bad),
                    span(format!(" {long}"), theme.bad),
                ],
                0,
            )
            .with_short(vec![span(short, theme.bad)]),
        );
    }
    if let Some(piece) = poll_piece(state, theme) {
        pieces.push(piece);
    }
    if let Some(team) = &state.model.status.team {
        pieces.push(team_piece(team, theme));
    }
    let (used, limit) = (state.model.status.rate_used, state.model.status.rate_limit);
    if limit > 0 {
        let style = if used >= limit {
            theme.bad
        } else if u64::from(used) * 5 >= u64::from(limit) * 4 {
            theme.warn
        } else {
            theme.text
        };
        pieces.push(
            Piece::new(vec![span(format!("api {used}/{limit} per min"), style)], 1)
                .with_short(vec![span(format!("api {used}/{limit}"), style)]),
        );
    }
    if let Some(cb) = callback_label(&state.model.status.callback_address) {
        pieces.push(
            Piece::new(vec![span(format!("callbacks {cb}"), theme.text)], 5)
                .with_short(vec![span(format!("cb {cb}"), theme.text)]),
        );
    }
    let queued = state.open_requests();
    let queued_style = if queued > 0 { theme.warn } else { theme.dim };
    pieces.push(Piece::new(
        vec![span(format!("{queued} queued"), queued_style)],
        1,
    ));
    let retrying = state.retrying();
    if let Some(attempt) = retrying.iter().max() {
        let text = if retrying.len() == 1 {
            format!("retrying ({attempt})")
        } else {
            format!("{} retrying (up to {attempt})", retrying.len())
        };
        pieces.push(Piece::new(vec![span(text, theme.warn)], 2));
    }
    let failed = state.failed_count();
    if failed > 0 {
        pieces.push(Piece::new(
            vec![span(format!("{failed} failed"), theme.bad)],
            0,
        ));
    }
    pieces.extend(alert_piece(state, theme));
    pieces
}

/// Team mode's piece: "team 5 · polling: Mia" whole while the decoration
/// can go instead, then "team 5·Mia"; what is wrong (Redis down) is kept
/// as the other troubles are. Names come from Redis: cleaned and cut.
fn team_piece(team: &crate::app::TeamBar, theme: &Theme) -> Piece {
    let style = if team.trouble { theme.bad } else { theme.text };
    let text = clean(&team.text, 80);
    let short = if team.short.is_empty() {
        text.split(" · ").next().unwrap_or("team").to_string()
    } else {
        theme.fit(&clean(&team.short, 80), 20)
    };
    if team.trouble || team.short.is_empty() {
        return Piece::new(vec![span(text, style)], if team.trouble { 0 } else { 3 })
            .with_short(vec![span(short, style)]);
    }
    // Rank 1, as the budget and the queue: on a full 80-column bar the
    // rank-2 pieces (the poll's figures, then the environment's name) give
    // way first; who polls for the team says whether the picture is shared.
    Piece::new(vec![span(text, style)], 1)
        .with_short(vec![span(short, style)])
        .after_decor()
}

/// The breaches (`[alerts]`), as the latest alerts pass counted them:
/// `⚠ 3 waiting past 60s, 1 critical; 1 queue`. Glyph and words, so mono
/// and ASCII show them too; never dropped.
fn alert_piece(state: &State, theme: &Theme) -> Option<Piece> {
    let b = &state.model.breaches;
    let (waiting, critical) = (b.waiting_count(), b.critical_count());
    let (queues, queues_critical) = b.queue_counts();
    if waiting == 0 && queues == 0 {
        return None;
    }
    let level = if critical > 0 || queues_critical > 0 {
        crate::app::alerts::Level::Critical
    } else {
        crate::app::alerts::Level::Warn
    };
    let (glyph, style) = theme.alert(level)?;
    let alerts = &state.settings.alerts;
    let past = match alerts.default.warn_wait_secs {
        secs if secs > 0 && alerts.queues.is_empty() => format!("past {secs}s"),
        _ => "too long".to_string(),
    };
    let mut long = Vec::new();
    let mut short = Vec::new();
    if waiting > 0 {
        let mut l = format!("{waiting} waiting {past}");
        let mut s = format!("{waiting} waiting");
        if critical > 0 {
            l.push_str(&format!(", {critical} critical"));
            s.push_str(&format!(", {critical} crit"));
        }
        long.push(l);
        short.push(s);
    }
    if queues > 0 {
        let plural = if queues == 1 { "" } else { "s" };
        long.push(format!("{queues} queue{plural}"));
        short.push(format!("{queues} q"));
    }
    Some(
        Piece::new(vec![span(format!("{glyph} {}", long.join("; ")), style)], 0)
            .with_short(vec![span(format!("{glyph} {}", short.join(", ")), style)]),
    )
}

/// The pieces (and whether the clock) fit in `cells`: shorter forms, then
/// the pieces of highest rank go; what says what is wrong takes its
/// shortest form last. Then whatever went is put back, most important
/// first, where the shortening made room for it.
fn fit(
    mut pieces: Vec<Piece>,
    clock: String,
    cells: usize,
    dot_w: usize,
) -> (Vec<Piece>, Option<String>) {
    for (i, p) in pieces.iter_mut().enumerate() {
        p.pos = i;
    }
    let mut clock = Some(clock);
    let total = |pieces: &[Piece], clock: &Option<String>| -> usize {
        let body: usize = pieces.iter().map(Piece::width).sum::<usize>()
            + dot_w * pieces.len().saturating_sub(1)
            + 1;
        body + clock.as_ref().map_or(0, |c| width(c) + 2)
    };
    let mut dropped: Vec<Piece> = Vec::new();
    let mut clock_dropped = None;
    while total(&pieces, &clock) > cells {
        // Shorter forms first, highest rank first; what says what is wrong
        // shortens after the rest, and short of its reason.
        let decor_left = pieces.iter().any(|p| p.rank >= DECOR);
        let shorter = pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p.can_shorten(false) && !(p.after_decor && decor_left))
            .max_by_key(|(_, p)| (!p.keep, p.rank))
            .map(|(i, _)| i);
        if let Some(i) = shorter {
            pieces[i].at += 1;
            continue;
        }
        let droppable = pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p.rank > 0)
            .max_by_key(|(i, p)| (p.rank, *i))
            .map(|(i, _)| i);
        // The shortest form of what is wrong comes before the budget,
        // the queue and the clock go.
        let last_form = pieces.iter().position(|p| p.can_shorten(true));
        match (droppable, last_form) {
            (Some(i), _) if pieces[i].rank > 2 => dropped.push(pieces.remove(i)),
            (_, Some(k)) => pieces[k].at += 1,
            // The clock goes after everything but the rank-0 pieces.
            _ if clock.is_some() => clock_dropped = clock.take(),
            (Some(i), None) => dropped.push(pieces.remove(i)),
            (None, None) => break,
        }
    }
    // What says what is wrong gets its longer forms back first.
    for k in 0..pieces.len() {
        while pieces[k].keep && pieces[k].at > 0 {
            pieces[k].at -= 1;
            if total(&pieces, &clock) > cells {
                pieces[k].at += 1;
                break;
            }
        }
    }
    if clock.is_none() && clock_dropped.is_some() && total(&pieces, &clock_dropped) <= cells {
        clock = clock_dropped;
    }
    while let Some(p) = dropped.pop() {
        let at = pieces.partition_point(|q| q.pos < p.pos);
        pieces.insert(at, p);
        if total(&pieces, &clock) > cells {
            pieces.remove(at);
        }
    }
    (pieces, clock)
}

/// The status line, cut to `cells`: pieces joined with ` · `, the clock
/// at the right edge.
pub fn status_line(state: &State, theme: &Theme, cells: usize) -> Line<'static> {
    let dot = format!(" {} ", theme.glyph(Glyph::Dot));
    let (pieces, clock) = fit(
        status_pieces(state, theme),
        super::text::clock(state.now_ms),
        cells,
        width(&dot),
    );
    let mut spans = vec![Span::raw(" ")];
    for (i, p) in pieces.iter().enumerate() {
        if i > 0 {
            spans.push(span(dot.clone(), theme.dim));
        }
        spans.extend(p.spans().iter().cloned());
    }
    if let Some(c) = clock {
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        let gap = cells.saturating_sub(used + width(&c) + 1).max(1);
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(span(c, theme.text));
    }
    Line::from(spans)
}

pub fn draw_top(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = status_line(state, theme, usize::from(area.width));
    frame.render_widget(Paragraph::new(line), area);
}

// ---------------------------------------------------------------------------
// Bottom: prompt, input, flash or hints
// ---------------------------------------------------------------------------

/// What the bottom bar shows: its lines, the style of the whole bar, and
/// where the terminal cursor goes (column, row) while typing.
pub struct Bottom {
    pub lines: Vec<Line<'static>>,
    pub style: Style,
    pub cursor: Option<(u16, u16)>,
}

impl Bottom {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// The bottom bar for `state` at `cells` wide.
pub fn bottom_lines(state: &State, theme: &Theme, cells: u16) -> Bottom {
    let cells = usize::from(cells);
    let plain = |lines| Bottom {
        lines,
        style: Style::new(),
        cursor: None,
    };
    match &state.views.mode {
        Mode::Confirm { prompt, .. } => Bottom {
            lines: message_lines(&theme.own_text(prompt), cells, theme.confirm, theme),
            style: theme.confirm,
            cursor: None,
        },
        Mode::Command { input } => {
            let hint = registry_hints(state, KeyMode::CommandLine);
            let mut bottom = input_line(":", input, &hint, cells, theme);
            if let Some(list) = state.completion_shown() {
                bottom
                    .lines
                    .extend(super::completion::rows(list, cells, theme));
            }
            bottom
        }
        Mode::Filter { pane, input } => {
            let what = match pane {
                Pane::Agents => "agents",
                Pane::Log => "log",
                Pane::Conversations | Pane::Roster | Pane::Queues => "conversations",
            };
            let hint = format!("filter {what}: {}", registry_hints(state, KeyMode::Filter));
            input_line("/", input, &hint, cells, theme)
        }
        Mode::Help => plain(vec![mode_hints(state, KeyMode::Help, None, theme)]),
        Mode::Picker(_) => plain(vec![mode_hints(
            state,
            KeyMode::Picker,
            Some(("type", "to filter")),
            theme,
        )]),
        Mode::NewConversation(_) => plain(vec![mode_hints(state, KeyMode::Form, None, theme)]),
        Mode::Wallboard => plain(vec![mode_hints(state, KeyMode::Wallboard, None, theme)]),
        Mode::Normal => match &state.views.flash {
            Some((text, error)) => {
                let style = if *error {
                    theme.flash_error
                } else {
                    theme.flash_info
                };
                let text = clean(&theme.own_text(text), 1000);
                plain(message_lines(&text, cells, style, theme))
            }
            None => plain(vec![hint_line(state, theme, cells)]),
        },
    }
}

/// A message wrapped to at most [`MAX_BOTTOM_ROWS`] rows, each with a
/// leading space. When cut, the last row keeps a trailing `y/N` (or `Y/n`) so a
/// prompt always shows its answer.
fn message_lines(text: &str, cells: usize, style: Style, theme: &Theme) -> Vec<Line<'static>> {
    let room = cells.saturating_sub(2).max(1);
    let mut rows = wrap(text, room);
    if rows.len() > MAX_BOTTOM_ROWS {
        let suffix = ["y/N", "Y/n"]
            .into_iter()
            .find(|s| text.trim_end().ends_with(s))
            .map_or(String::new(), |s| format!(" {s}"));
        let suffix = suffix.as_str();
        rows.truncate(MAX_BOTTOM_ROWS);
        let last = rows.pop().unwrap_or_default();
        let cut = theme.fit(
            &format!("{last}{}", theme.glyph(Glyph::Ellipsis)),
            room.saturating_sub(width(suffix)),
        );
        rows.push(format!("{cut}{suffix}"));
    }
    rows.into_iter()
        .map(|r| Line::from(span(format!(" {r}"), style)))
        .collect()
}

/// `prefix` + what is being typed with its cursor, and a hint on the
/// right when there is room.
fn input_line(prefix: &str, input: &TextInput, hint: &str, cells: usize, theme: &Theme) -> Bottom {
    let room = cells.saturating_sub(width(prefix) + 2);
    let (input_spans, cursor_col) = input_spans(input, room, theme);
    let used = 1 + width(prefix) + input_spans.iter().map(|s| width(&s.content)).sum::<usize>();
    let mut spans = vec![Span::raw(" "), span(prefix, theme.key)];
    spans.extend(input_spans);
    let hint_w = width(hint);
    if used + 1 + 3 + hint_w < cells {
        spans.push(Span::raw(" ".repeat(cells - used - hint_w - 1)));
        spans.push(span(hint, theme.dim));
    }
    Bottom {
        lines: vec![Line::from(spans)],
        style: Style::new(),
        cursor: Some(((1 + width(prefix) + cursor_col) as u16, 0)),
    }
}

/// A mode's keys from the registry, as `key label` pairs.
fn mode_keys(state: &State, mode: KeyMode) -> Vec<(String, &'static str)> {
    REGISTRY
        .iter()
        .filter(|e| e.mode() == mode)
        .map(|e| (state.keymap.key_label(e.command), e.label))
        .filter(|(key, _)| !key.is_empty())
        .collect()
}

/// A mode's keys as plain text (for the right side of an input line).
fn registry_hints(state: &State, mode: KeyMode) -> String {
    mode_keys(state, mode)
        .iter()
        .map(|(k, l)| format!("{k} {l}"))
        .collect::<Vec<_>>()
        .join("  ")
}

/// A mode's keys as the hint bar, after an optional fixed first item.
fn mode_hints(
    state: &State,
    mode: KeyMode,
    first: Option<(&str, &str)>,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = Vec::new();
    let items = first
        .map(|(k, l)| (k.to_string(), l))
        .into_iter()
        .chain(mode_keys(state, mode));
    for (key, label) in items {
        spans.push(Span::raw(" "));
        spans.push(span(theme.own_text(&key), theme.key));
        spans.push(span(format!(" {label} "), theme.text));
    }
    Line::from(spans)
}

/// The key hints, built from the live keymap. Items that do not fit are
/// left out from the right, except help and quit.
pub fn hint_line(state: &State, theme: &Theme, cells: usize) -> Line<'static> {
    let commands = state.hint_commands();
    // (key, label, can it run now): what cannot is dimmed; its key says why.
    let items: Vec<(String, &str, bool)> = commands
        .iter()
        .map(|c| {
            let key = theme.own_text(&state.keymap.key_label(*c));
            (key, c.short_label(), c.enabled(state).is_ok())
        })
        .collect();
    let item_w = |(k, l, _): &(String, &str, bool)| 1 + width(k) + 1 + width(l) + 1;
    let mut keep: Vec<bool> = vec![true; items.len()];
    let fixed = items.len().saturating_sub(2);
    let mut i = fixed;
    while items
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(it, _)| item_w(it))
        .sum::<usize>()
        > cells
    {
        if i == 0 {
            // Not even help and quit fit: keep what fits from the left.
            break;
        }
        i -= 1;
        keep[i] = false;
    }
    let mut spans = Vec::new();
    for ((key, label, enabled), k) in items.into_iter().zip(keep) {
        if k {
            let (key_style, text_style) = if enabled {
                (theme.key, theme.text)
            } else {
                (theme.dim, theme.dim)
            };
            spans.push(Span::raw(" "));
            spans.push(span(key, key_style));
            spans.push(span(format!(" {label} "), text_style));
        }
    }
    Line::from(spans)
}

pub fn draw_bottom(frame: &mut Frame, area: Rect, bottom: Bottom) {
    if area.height == 0 {
        return;
    }
    let cursor = bottom.cursor;
    frame.render_widget(Paragraph::new(bottom.lines).style(bottom.style), area);
    if let Some((x, y)) = cursor
        && x < area.width
        && y < area.height
    {
        frame.set_cursor_position(Position::new(area.x + x, area.y + y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_addresses() {
        assert_eq!(
            callback_label("http://127.0.0.1:8009").as_deref(),
            Some(":8009")
        );
        assert_eq!(
            callback_label("http://localhost:9000/").as_deref(),
            Some(":9000")
        );
        assert_eq!(
            callback_label("http://[::1]:8009").as_deref(),
            Some(":8009")
        );
        assert_eq!(
            callback_label("https://cb.example.com").as_deref(),
            Some("cb.example.com:443")
        );
        assert_eq!(callback_label("").as_deref(), None);
        assert_eq!(callback_label("not a url").as_deref(), Some("not a url"));
    }
}
