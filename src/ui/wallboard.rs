//! The wallboard (`switchboard wallboard`, `demo --wallboard`, `:wallboard`):
//! the whole screen given to one big tile per queue, to be read across a
//! room. Read only; it draws a [`Board`] and nothing else.
//!
//! ```text
//!  WALLBOARD · DEMO · figures of 14:03:20                          14:03
//! ┏ Billing ──── CRITICAL wait ┓┌ Sales ─────────── OK ┐┌ Support ── OK ┐
//! ┃         ███ ███            ┃│                       │
//! ┃         ...  waiting       ┃│        ...
//! ┃ longest wait        07:40  ┃
//! ┃ SL ≤20s      35% (aim 80%) ┃
//! ┃ agents free             1  ┃
//! ```
//!
//! The grid adapts to the screen and the number of queues: the layout with
//! the largest tiles (a tile's width counted against twice its height, as
//! cells are about twice as tall as wide) wins. Waiting is drawn in block
//! digits of our own (`#` in ASCII) when the tile has room, else as a plain
//! number. When not every queue fits, the tiles in most trouble are shown
//! (in name order, so they do not move) and the footer says how many are
//! not; the board never pages or rotates, so a glance always finds the same
//! queue in the same place.
//!
//! A tile's border and level word follow the worse of its two levels: the
//! longest wait against the queue's wait thresholds, and the service level
//! against its `sla_target_pct`. The word (`WARN wait`, `CRITICAL SL`)
//! says it without colour. The header gives the time of the last answer the
//! figures came from, and `STALE` in reverse video when that is older than
//! three poll intervals or the latest poll failed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::text::{clean, clock, duration, width};
use super::theme::{Glyph, Theme};
use crate::app::State;
use crate::app::alerts::Level;
use crate::app::command::Command;
use crate::app::wallboard::{Board, Tile};

/// The smallest tile: its border, and a row each for the waiting count and
/// the longest wait.
pub const MIN_TILE_W: u16 = 18;
pub const MIN_TILE_H: u16 = 4;
/// Rows of a block digit, and the rows a tile needs inside its border to
/// draw waiting in block digits with its three other figures under it.
const DIGIT_ROWS: usize = 5;
/// The digits, "waiting", a blank row, and the three other figures.
const BIG_INNER_ROWS: u16 = DIGIT_ROWS as u16 + 5;

/// Block digits, three cells wide and five high: `#` is a filled cell.
const DIGITS: [[&str; DIGIT_ROWS]; 10] = [
    ["###", "# #", "# #", "# #", "###"],
    [" # ", "## ", " # ", " # ", "###"],
    ["###", "  #", "###", "#  ", "###"],
    ["###", "  #", "###", "  #", "###"],
    ["# #", "# #", "###", "  #", "  #"],
    ["###", "#  ", "###", "  #", "###"],
    ["###", "#  ", "###", "# #", "###"],
    ["###", "  #", "  #", "  #", "  #"],
    ["###", "# #", "###", "# #", "###"],
    ["###", "# #", "###", "  #", "###"],
];
/// A figure not known yet, in block form.
const DASH: [&str; DIGIT_ROWS] = ["   ", "   ", "###", "   ", "   "];
/// `?`: a figure that came but cannot be true.
const QUESTION: [&str; DIGIT_ROWS] = ["###", "  #", " ##", "   ", " # "];

/// `text` (digits; anything else is drawn as a dash) in block digits, one
/// string per row, a blank column between digits. `#` becomes `█` unless
/// `ascii`.
pub fn block_digits(text: &str, ascii: bool) -> Vec<String> {
    let fill = if ascii { "#" } else { "█" };
    (0..DIGIT_ROWS)
        .map(|row| {
            text.chars()
                .map(|c| {
                    let glyph = match c {
                        '?' => QUESTION,
                        c => c.to_digit(10).map_or(DASH, |d| DIGITS[d as usize]),
                    };
                    glyph[row].replace('#', fill)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// How the tiles are laid out: columns, rows, and how many tiles show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub cols: u16,
    pub rows: u16,
    pub shown: usize,
}

/// The grid for `n` tiles in `w` x `h` cells: every tile at least
/// [`MIN_TILE_W`] x [`MIN_TILE_H`], the layout with the largest tiles
/// first. When not all `n` fit, as many as fit. `None` when not even one
/// does (or `n` is 0).
pub fn grid(n: usize, w: u16, h: u16) -> Option<Grid> {
    if n == 0 {
        return None;
    }
    let best = (1..=n.min(usize::from(w / MIN_TILE_W)))
        .filter_map(|cols| {
            let cols = cols as u16;
            let rows = n.div_ceil(usize::from(cols)) as u16;
            let (tw, th) = (w / cols, h / rows.max(1));
            (rows <= h / MIN_TILE_H && tw >= MIN_TILE_W && th >= MIN_TILE_H).then_some((
                // Cells are about twice as tall as wide; then fewer rows.
                tw.min(th.saturating_mul(2)),
                std::cmp::Reverse(rows),
                cols,
                rows,
            ))
        })
        .max();
    if let Some((_, _, cols, rows)) = best {
        return Some(Grid {
            cols,
            rows,
            shown: n,
        });
    }
    let room = usize::from(w / MIN_TILE_W) * usize::from(h / MIN_TILE_H);
    if room == 0 {
        return None;
    }
    grid(room.min(n), w, h)
}

/// Draws the wallboard for `state` over the whole frame.
pub fn draw(state: &State, frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Clear, area);
    let board = state.wallboard();
    let header = Rect::new(area.x, area.y, area.width, 1);
    frame.render_widget(
        Paragraph::new(header_line(state, &board, theme, area.width)),
        header,
    );
    if area.height < 3 {
        return;
    }
    let footer = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);

    if board.tiles.is_empty() {
        let text = if board.stale {
            "no queues: Kore has not listed any"
        } else {
            "no queues listed yet (polling…)"
        };
        message(frame, body, &theme.own_text(text), theme.dim);
        frame.render_widget(
            Paragraph::new(footer_line(state, theme, 0, area.width)),
            footer,
        );
        return;
    }
    let Some(g) = grid(board.tiles.len(), body.width, body.height) else {
        message(
            frame,
            body,
            &format!(
                "Terminal too small for the wallboard: {}x{}",
                area.width, area.height
            ),
            theme.warn,
        );
        return;
    };
    let shown = board.shown(g.shown);
    // Room for two digits at least, so a tile does not shrink its digits
    // when its count passes 9.
    let digits = shown
        .iter()
        .map(|t| t.waiting.map_or(1, |v| v.to_string().len()))
        .max()
        .unwrap_or(1)
        .max(2);
    for (i, tile) in shown.iter().enumerate() {
        let (col, row) = (i as u16 % g.cols, i as u16 / g.cols);
        let x0 = body.x + col * body.width / g.cols;
        let x1 = body.x + (col + 1) * body.width / g.cols;
        let y0 = body.y + row * body.height / g.rows;
        let y1 = body.y + (row + 1) * body.height / g.rows;
        draw_tile(
            frame,
            Rect::new(x0, y0, x1 - x0, y1 - y0),
            tile,
            digits,
            theme,
        );
    }
    let hidden = board.tiles.len() - shown.len();
    frame.render_widget(
        Paragraph::new(footer_line(state, theme, hidden, area.width)),
        footer,
    );
}

fn message(frame: &mut Frame, area: Rect, text: &str, style: Style) {
    if area.height == 0 {
        return;
    }
    let y = area.y + area.height / 2;
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(text.to_string(), style)))
            .centered()
            .wrap(Wrap { trim: true }),
        Rect::new(area.x, y, area.width, area.height - (y - area.y)),
    );
}

/// The style a level is drawn in.
fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Ok => theme.text,
        Level::Warn => theme.warn,
        Level::Critical => theme.bad,
    }
}

/// The stale marker: reverse video, in every theme.
fn stale_style() -> Style {
    Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

/// ` WALLBOARD · DEMO · figures of 14:03:20 ` on the left, `STALE` and the
/// clock (to the minute) on the right.
fn header_line(state: &State, board: &Board, theme: &Theme, cells: u16) -> Line<'static> {
    let cells = usize::from(cells);
    let dot = theme.glyph(Glyph::Dot);
    let mut left = vec![
        Span::styled(" WALLBOARD ", theme.brand),
        Span::styled(
            format!("{dot} {} ", clean(&board.environment, 40)),
            theme.text,
        ),
    ];
    if state.settings.read_only {
        left.push(Span::styled(" READ-ONLY ", theme.read_only));
        left.push(Span::raw(" "));
    }
    let figures = match board.last_ok_ms {
        Some(ms) => format!("{dot} figures of {} ", clock(ms)),
        None => format!("{dot} no figures yet "),
    };
    left.push(Span::styled(figures, theme.dim));
    let mut right = Vec::new();
    if board.stale {
        let why = match (board.latest_failed, board.last_ok_ms) {
            (true, _) if board.latest_unreadable => {
                " STALE: Kore's figures are unreadable ".to_string()
            }
            (true, _) => " STALE: Kore is not answering ".to_string(),
            (false, Some(ms)) => format!(" STALE: no answer since {} ", clock(ms)),
            (false, None) => " STALE: no answer yet ".to_string(),
        };
        right.push(Span::styled(why, stale_style()));
        right.push(Span::raw(" "));
    }
    let minute = clock(board.minute_ms);
    right.push(Span::styled(
        format!("{} ", &minute[..minute.len().min(5)]),
        theme.text,
    ));
    let used = |v: &[Span]| v.iter().map(|s| width(&s.content)).sum::<usize>();
    // The stale marker never gives way; the figures' time and the
    // environment do, from the left's end.
    while used(&left) + used(&right) > cells && left.len() > 1 {
        left.pop();
    }
    let gap = cells.saturating_sub(used(&left) + used(&right));
    let mut spans = left;
    spans.push(Span::raw(" ".repeat(gap)));
    spans.extend(right);
    Line::from(spans)
}

/// The keys, and how many queues are not shown.
fn footer_line(state: &State, theme: &Theme, hidden: usize, cells: u16) -> Line<'static> {
    let close = state.keymap.key_label(Command::WallboardClose);
    let what = if state.views.wallboard_only {
        "quit"
    } else {
        "back to the console"
    };
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(theme.own_text(&close), theme.key),
        Span::styled(format!(" {what}"), theme.text),
    ];
    let mut right = String::new();
    if hidden > 0 {
        right = format!(
            "+{hidden} more queue{} not shown (the calmest) ",
            if hidden == 1 { "" } else { "s" }
        );
    }
    if state.model.queues_not_shown > 0 {
        right.push_str(&format!(
            "+{} not kept (over {}) ",
            state.model.queues_not_shown,
            crate::app::state::MAX_QUEUES
        ));
    }
    let used = width(&close) + what.len() + 2;
    if used + width(&right) < usize::from(cells) {
        spans.push(Span::raw(
            " ".repeat(usize::from(cells) - used - width(&right)),
        ));
        spans.push(Span::styled(right, theme.warn));
    }
    Line::from(spans)
}

/// The level word of the top border (`CRITICAL`, `WARN`, `OK`) and what
/// reached it (`wait`, `SL`, `wait+SL`).
fn level_word(tile: &Tile) -> (&'static str, &'static str) {
    let level = tile.level();
    let word = match level {
        Level::Ok => return ("OK", ""),
        Level::Warn => "WARN",
        Level::Critical => "CRITICAL",
    };
    let why = match (tile.wait_level == level, tile.sla_level == level) {
        (true, true) => "wait+SL",
        (true, false) => "wait",
        _ => "SL",
    };
    (word, why)
}

/// How much a block digit is blown up: each cell of the font becomes
/// `wide` x `tall` cells. Cells are about twice as tall as wide, so the
/// larger scales keep `wide` at twice `tall`; the narrowest keeps the
/// font's own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub wide: usize,
    pub tall: usize,
}

const SCALES: [Scale; 5] = [
    Scale { wide: 8, tall: 4 },
    Scale { wide: 6, tall: 3 },
    Scale { wide: 4, tall: 2 },
    Scale { wide: 2, tall: 1 },
    Scale { wide: 1, tall: 1 },
];

/// The largest scale at which `digits` block digits, with the rows of the
/// other figures, fit in `w` x `h` cells; `None` when not even the smallest
/// does (the tile then shows a plain number).
pub fn digit_scale(digits: usize, w: usize, h: usize) -> Option<Scale> {
    SCALES.into_iter().find(|s| {
        let width = digits * 3 * s.wide + digits.saturating_sub(1) * s.wide;
        DIGIT_ROWS * s.tall + usize::from(BIG_INNER_ROWS) - DIGIT_ROWS <= h && width + 2 <= w
    })
}

/// Block digit rows blown up to `scale`.
fn scaled(rows: &[String], scale: Scale) -> Vec<String> {
    rows.iter()
        .flat_map(|r| {
            let wide: String = r
                .chars()
                .flat_map(|c| std::iter::repeat_n(c, scale.wide))
                .collect();
            std::iter::repeat_n(wide, scale.tall)
        })
        .collect()
}

/// One figure row: its label on the left, its value on the right; the
/// first of `forms` (label, value) that fits in `cells`.
fn figure_line(forms: &[(&str, &str)], cells: usize, style: Style, theme: &Theme) -> Line<'static> {
    let fits = |(l, v): &&(&str, &str)| width(l) + width(v) + 3 <= cells;
    let (label, value) = forms
        .iter()
        .find(fits)
        .or(forms.last())
        .copied()
        .unwrap_or(("", ""));
    let gap = cells.saturating_sub(width(label) + width(value) + 2).max(1);
    Line::from(vec![
        Span::styled(format!(" {label}"), theme.dim),
        Span::raw(" ".repeat(gap)),
        Span::styled(format!("{value} "), style),
    ])
}

/// The service level's long and short forms. Too few decided: `—` and how
/// many were seen, never a percentage.
fn service_texts(tile: &Tile, nothing: &str) -> (String, String) {
    match (tile.service_pct, tile.service_seen) {
        (Some(p), _) => (
            format!("{p}% (aim {}%)", tile.target_pct),
            format!("{p}/{}%", tile.target_pct),
        ),
        (None, 0) => (
            format!("{nothing} (aim {}%)", tile.target_pct),
            format!("{nothing}/{}%", tile.target_pct),
        ),
        (None, n) => (
            format!("{nothing} {n} seen (aim {}%)", tile.target_pct),
            format!("{nothing} {n} seen"),
        ),
    }
}

/// How the waiting count is shown: odd, none, over the limit or just waiting.
fn wait_style(tile: &Tile, theme: &Theme) -> Style {
    match tile.waiting.unwrap_or(0) {
        _ if tile.odd.waiting => theme.warn,
        0 => theme.text,
        _ if tile.wait_level.is_breach() => level_style(tile.wait_level, theme),
        _ => theme.state_waiting,
    }
}

/// The tile's border, styled by its level, with the queue's name and the
/// level word as titles.
fn tile_block<'a>(tile: &Tile, area: Rect, theme: &Theme) -> Block<'a> {
    let level = tile.level();
    let style = match level {
        Level::Ok => theme.border,
        _ => level_style(level, theme),
    };
    let inner_w = usize::from(area.width.saturating_sub(2));
    // The name comes first, then the level word; what reached the level
    // only when there is room for all three.
    let name = clean(&tile.name, 200);
    let (word, why) = level_word(tile);
    let mut words = vec![format!("{word} {why}"), word.to_string()];
    if level == Level::Critical {
        words.push("CRIT".into());
    }
    let word = words
        .iter()
        .find(|w| width(&name) + width(w.trim()) + 5 <= inner_w)
        .or(words.last())
        .map(|w| w.trim().to_string())
        .unwrap_or_default();
    let name = theme.fit(&name, inner_w.saturating_sub(width(&word) + 5).max(1));
    Block::bordered()
        .border_set(theme.border_set(level == Level::Critical))
        .border_style(style)
        .title_top(Line::from(Span::styled(format!(" {name} "), theme.heading)))
        .title_top(
            Line::from(Span::styled(format!(" {word} "), level_style(level, theme)))
                .right_aligned(),
        )
}

/// Draws one tile; `digits` is how many block digits every tile of the
/// board makes room for, so that all draw theirs at one scale.
fn draw_tile(frame: &mut Frame, area: Rect, tile: &Tile, digits: usize, theme: &Theme) {
    let block = tile_block(tile, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let cells = usize::from(inner.width);
    let nothing = theme.glyph(Glyph::Nothing);
    let or_odd = |odd: bool| if odd { "?" } else { nothing }.to_string();
    let waiting = tile
        .waiting
        .map_or(or_odd(tile.odd.waiting), |v| v.to_string());
    let longest = tile
        .longest_secs
        .map_or(or_odd(tile.odd.longest), |s| duration(s * 1000));
    let (service_long, service_short) = service_texts(tile, nothing);
    let free = tile.free.map_or(or_odd(tile.odd.free), |v| v.to_string());
    let sla_label = theme.own_text(&format!("SL ≤{}s", tile.sla_secs));
    let wait_style = wait_style(tile, theme);
    let rest = [
        figure_line(
            &[("longest wait", &longest), ("longest", &longest)],
            cells,
            level_style(tile.wait_level, theme),
            theme,
        ),
        figure_line(
            &[
                (&sla_label, &service_long),
                (&sla_label, &service_short),
                ("SL", &service_short),
            ],
            cells,
            level_style(tile.sla_level, theme),
            theme,
        ),
        figure_line(
            &[("agents free", &free), ("free", &free)],
            cells,
            theme.text,
            theme,
        ),
    ];
    let height = usize::from(inner.height);
    let scale = digit_scale(digits.max(waiting.chars().count()), cells, height);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(scale) = scale {
        let big = scaled(&block_digits(&waiting, theme.ascii), scale);
        // Spare rows: a third above the digits, a third between them and
        // the figures, the rest below.
        let spare = height.saturating_sub(big.len() + usize::from(BIG_INNER_ROWS) - DIGIT_ROWS);
        let digit_style = wait_style.add_modifier(Modifier::BOLD);
        lines.extend(std::iter::repeat_n(Line::raw(""), spare / 3));
        for row in big {
            lines.push(Line::from(Span::styled(row, digit_style)).centered());
        }
        lines.push(Line::from(Span::styled("waiting", theme.dim)).centered());
        lines.extend(std::iter::repeat_n(Line::raw(""), 1 + spare / 3));
        lines.extend(rest);
    } else {
        lines.push(figure_line(
            &[("waiting", &waiting)],
            cells,
            wait_style.add_modifier(Modifier::BOLD),
            theme,
        ));
        lines.extend(rest);
    }
    lines.truncate(height);
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_digits_are_five_rows_and_ascii_when_asked() {
        let rows = block_digits("10", true);
        assert_eq!(rows.len(), DIGIT_ROWS);
        assert_eq!(rows[0], " #  ###");
        assert_eq!(rows[4], "### ###");
        assert!(block_digits("7", false)[0].contains('█'));
        // Not a digit: a dash; `?` its own glyph.
        assert_eq!(block_digits("—", true)[2], "###");
        assert_eq!(block_digits("?", true)[4], " # ");
    }

    #[test]
    fn the_grid_puts_three_queues_side_by_side_and_drops_what_cannot_fit() {
        assert_eq!(
            grid(3, 80, 22),
            Some(Grid {
                cols: 3,
                rows: 1,
                shown: 3
            })
        );
        let g = grid(10, 80, 22).unwrap();
        assert_eq!(g.shown, 10);
        assert!(g.cols * g.rows >= 10);
        // 80 / 18 = 4 columns, 8 / 4 = 2 rows: eight tiles at most.
        let g = grid(20, 80, 8).unwrap();
        assert_eq!(g.shown, 8);
        assert_eq!((g.cols, g.rows), (4, 2));
        assert_eq!(grid(3, 17, 40), None);
        assert_eq!(grid(0, 80, 24), None);
    }
}
