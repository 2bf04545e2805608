//! The agent directory: name, presence, time in status, load per channel
//! and the conversations each agent is in.
//!
//! Drawn with `ui::table` under a header: AGENT, STATUS, TIME (`AWAY 12m`
//! is STATUS then TIME; `≥12m` until the console saw the change), CHAT and
//! VOICE (`2/5`: conversations in hand of the most allowed) and HOLDS (as
//! many ids as fit, then `+N`). When the pane is narrow HOLDS, then the
//! voice and chat loads, then the time give way before the name is
//! squeezed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Align, Cell, Column, Cut, KEEP, Row, Table};
use super::text::{clean, width};
use super::theme::{Glyph, Theme};
use crate::app::State;
use crate::app::state::{Agent, Load};

const MIN_NAME: usize = 10;
/// Names are cut here so presence and load stay near them on wide panes.
const MAX_NAME: usize = 24;
const PRESENCE: usize = 9;
/// Time in status: `≥3h05` at most.
const SINCE: usize = 5;

/// `chat 2/5` (or `2/5` when `short`); empty when the load is unknown.
pub fn load_text(label: &str, load: Option<Load>, short: bool) -> String {
    match load {
        Some(l) if short => format!("{}/{}", l.used, l.total),
        Some(l) => format!("{label} {}/{}", l.used, l.total),
        None => String::new(),
    }
}

/// The two load columns of `agent`, each padded to the widest of `agents`.
pub fn loads(agents: &[&Agent], short: bool) -> (usize, usize) {
    let chat = agents
        .iter()
        .map(|a| width(&load_text("chat", a.chat, short)))
        .max()
        .unwrap_or(0);
    let voice = agents
        .iter()
        .map(|a| width(&load_text("voice", a.voice, short)))
        .max()
        .unwrap_or(0);
    (chat, voice)
}

fn title(state: &State, shown: usize, theme: &Theme) -> Line<'static> {
    let by = if state.views.agents.by_time {
        " by time in status"
    } else {
        ""
    };
    if state.views.agents.filter.trim().is_empty() {
        Line::from(format!(" Agents {shown}{by} "))
    } else {
        Line::from(format!(
            " Agents {shown}/{} {} filter: {} ",
            state.model.agents.len(),
            theme.glyph(Glyph::Rule),
            theme.fit(&clean(&state.views.agents.filter, 200), 16)
        ))
    }
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let rows = state.visible_agents();
    let block = theme.block(title(state, rows.len(), theme), None, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let cells = usize::from(inner.width).saturating_sub(1);
    let height = usize::from(inner.height);

    if rows.is_empty() {
        let msg = if state.model.agents.is_empty() {
            theme.own_text("no agents listed yet (polling…)")
        } else {
            format!(
                "no match for filter \"{}\"",
                theme.fit(&clean(&state.views.agents.filter, 200), 20)
            )
        };
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let selected = focused.then_some(state.views.agents.cursor);
    let offset = table::offset(selected, rows.len(), height);
    let body: Vec<Row> = rows
        .iter()
        .skip(offset)
        .take(table::body_rows(height))
        .map(|a| pane_row(a, state, theme))
        .collect();
    let shown: Vec<&Agent> = rows.iter().skip(offset).take(body.len()).copied().collect();
    let body = fit_holds(
        body,
        &shown,
        state,
        usize::from(inner.width).saturating_sub(2),
    );
    Table {
        columns: &COLUMNS,
        rows: body,
        offset,
        selected,
        selected_style: theme.selected,
        lead: 1,
        sorted: None,
    }
    .draw(frame, inner, theme);
}

/// The conversations an agent holds, as many ids as fit in `w` cells,
/// then how many more (`c-1042 c-1044 +3`); empty when none.
pub fn holds_text(ids: &[String], w: usize) -> String {
    let mut out = String::new();
    for (i, id) in ids.iter().enumerate() {
        let more = ids.len() - i - 1;
        let tail = if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        };
        let sep = usize::from(!out.is_empty());
        let fits = width(&out) + sep + width(id) + width(&tail) <= w;
        if !fits {
            let rest = format!("+{}", ids.len() - i);
            if out.is_empty() {
                return rest;
            }
            return format!("{out} {rest}");
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(id);
    }
    out
}

pub const fn col(header: &'static str, min: usize, max: usize, priority: u8, flex: bool) -> Column {
    Column {
        header: std::borrow::Cow::Borrowed(header),
        min,
        max,
        priority,
        align: Align::Left,
        cut: Cut::End,
        flex,
    }
}

const AGENT: Column = col("AGENT", MIN_NAME, MAX_NAME, KEEP, false);
const STATUS: Column = col("STATUS", 4, PRESENCE, 50, false);
const TIME: Column = col("TIME", SINCE, SINCE, 40, false);
const CHAT: Column = col("CHAT", 3, 9, 20, false);
const VOICE: Column = col("VOICE", 3, 9, 10, false);

/// Name, presence, time in status and the two loads, then `extra`: what
/// the pane and the agent picker share. The name is cut last; the loads
/// give way first.
pub const fn agent_columns(extra: Column) -> [Column; 6] {
    [AGENT, STATUS, TIME, CHAT, VOICE, extra]
}

/// The pane's columns: the shared ones, then the conversations each agent
/// is in (HOLDS), which takes the room left and goes first.
pub const COLUMNS: [Column; 6] = agent_columns(col("HOLDS", 6, 6, 5, true));

/// The cells of [`agent_columns`] (all but the extra one) for `a`.
pub fn agent_cells(a: &Agent, state: &State, theme: &Theme) -> Vec<Cell> {
    let load = |l: Option<Load>| {
        let style = match l {
            Some(l) if l.total > 0 && l.used >= l.total => theme.warn,
            _ => theme.dim,
        };
        Cell::new(load_text("", l, true), style)
    };
    vec![
        Cell::new(clean(&a.name, 200), theme.text),
        Cell::new(a.presence.label(), theme.presence(a.presence)),
        Cell::new(state.time_in_status_text(&a.id), theme.dim),
        load(a.chat),
        load(a.voice),
    ]
}

/// A row of the pane; its HOLDS cell is filled by [`fit_holds`] once the
/// column's width is known.
fn pane_row(a: &Agent, state: &State, theme: &Theme) -> Row {
    let mut cells = agent_cells(a, state, theme);
    cells.push(Cell::new(String::new(), theme.dim));
    Row {
        lead: vec![Cell::new(" ", theme.text)],
        cells,
    }
}

/// Fills each row's HOLDS cell with as many of the agent's conversations
/// as the column's width (in `cells` of table) shows, then how many more.
/// The column is flexible, so its text does not change the widths.
fn fit_holds(mut rows: Vec<Row>, shown: &[&Agent], state: &State, cells: usize) -> Vec<Row> {
    let w = table::fit(&COLUMNS, &rows, cells).cols[5];
    if w == 0 {
        return rows;
    }
    let sum = state.summary();
    for (row, a) in rows.iter_mut().zip(shown) {
        let ids = sum.holds.get(&a.id).map(Vec::as_slice).unwrap_or_default();
        if let Some(cell) = row.cells.get_mut(5) {
            cell.text = holds_text(ids, w);
        }
    }
    rows
}

#[cfg(test)]
mod holds_tests {
    use super::holds_text;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c-10{i}")).collect()
    }

    #[test]
    fn holds_show_the_ids_that_fit_then_how_many_more() {
        assert_eq!(holds_text(&[], 20), "");
        assert_eq!(holds_text(&ids(1), 20), "c-100");
        assert_eq!(holds_text(&ids(2), 20), "c-100 c-101");
        assert_eq!(holds_text(&ids(4), 14), "c-100 c-101 +2");
        assert_eq!(holds_text(&ids(4), 13), "c-100 +3");
        assert_eq!(holds_text(&ids(3), 4), "+3");
        for w in 0..30 {
            let t = holds_text(&ids(5), w);
            assert!(t.chars().count() <= w.max(2), "{w}: {t}");
        }
    }
}
