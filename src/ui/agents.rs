//! The agent directory: name, presence and load per channel.
//!
//! Drawn with `ui::table` under a header: AGENT, STATUS, CHAT and VOICE
//! (`2/5`: conversations in hand of the most allowed). When the pane is
//! narrow the voice load, then the chat load give way before the name is
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
    if state.agent_filter.trim().is_empty() {
        Line::from(format!(" Agents {shown} "))
    } else {
        Line::from(format!(
            " Agents {shown}/{} {} filter: {} ",
            state.agents.len(),
            theme.glyph(Glyph::Rule),
            theme.fit(&clean(&state.agent_filter, 200), 16)
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
        let msg = if state.agents.is_empty() {
            theme.own_text("no agents listed yet (polling…)")
        } else {
            format!(
                "no match for filter \"{}\"",
                theme.fit(&clean(&state.agent_filter, 200), 20)
            )
        };
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let selected = focused.then_some(state.agent_cursor);
    let offset = table::offset(selected, rows.len(), height);
    let body: Vec<Row> = rows
        .iter()
        .skip(offset)
        .take(table::body_rows(height))
        .map(|a| agent_row(a, theme))
        .collect();
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

/// Name, presence and the two loads; the name is cut last.
pub const COLUMNS: [Column; 4] = [
    Column {
        header: std::borrow::Cow::Borrowed("AGENT"),
        min: MIN_NAME,
        max: MAX_NAME,
        priority: KEEP,
        align: Align::Left,
        cut: Cut::End,
        flex: false,
    },
    Column {
        header: std::borrow::Cow::Borrowed("STATUS"),
        min: 4,
        max: PRESENCE,
        priority: 50,
        align: Align::Left,
        cut: Cut::End,
        flex: false,
    },
    Column {
        header: std::borrow::Cow::Borrowed("CHAT"),
        min: 3,
        max: 9,
        priority: 20,
        align: Align::Left,
        cut: Cut::End,
        flex: false,
    },
    Column {
        header: std::borrow::Cow::Borrowed("VOICE"),
        min: 3,
        max: 9,
        priority: 10,
        align: Align::Left,
        cut: Cut::End,
        flex: false,
    },
];

pub fn agent_row(a: &Agent, theme: &Theme) -> Row {
    let load = |l: Option<Load>| {
        let style = match l {
            Some(l) if l.total > 0 && l.used >= l.total => theme.warn,
            _ => theme.dim,
        };
        Cell::new(load_text("", l, true), style)
    };
    Row {
        lead: vec![Cell::new(" ", theme.text)],
        cells: vec![
            Cell::new(clean(&a.name, 200), theme.text),
            Cell::new(a.presence.label(), theme.presence(a.presence)),
            load(a.chat),
            load(a.voice),
        ],
    }
}
