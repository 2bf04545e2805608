//! The queue pane, in the agents' place (`u`, `:queues`): one row per queue with its
//! figures, under a header.
//!
//! ```text
//!   queue      wait  long   avg   ASA  eng drop  agents  SL≤20s
//! ≠ Billing    9≠8  07:40 03:12 01:05   2    4  1/2/0/1     35%
//! ```
//!
//! Waiting, engaged, the waits, drop-offs and the agents come from
//! queue-size when Kore gives them, else from the conversation list and the
//! agent directory (drawn dim). When Kore's count of waiting or engaged
//! differs from the list's, the cell shows both (`Kore≠list`) and the row is
//! marked. A figure Kore sent that cannot be true (negative, a fraction,
//! past any real count or wait) shows `?`, beside the list's (`?≠2`) where
//! the two are compared, never replaced by it. The service level is the console's own: the share of the
//! conversations it saw in the queue that were answered within `sla_secs`.
//! On narrow panes the average wait, ASA, drop-offs and engaged give way
//! first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Cell, Column, KEEP, Row, Table};
use super::text::{clean, duration, width};
use super::theme::{Glyph, Theme};
use crate::app::State;
use crate::app::alerts::Level;
use crate::app::queries::{Figure, QueueRow};
use crate::app::state::QueueSort;

const MIN_NAME: usize = 8;
const MAX_NAME: usize = 20;

/// The figure columns, in the order they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Waiting,
    Longest,
    Average,
    Asa,
    Engaged,
    Drops,
    Agents,
    Service,
}

impl Col {
    const DRAWN: [Col; 8] = [
        Col::Waiting,
        Col::Longest,
        Col::Average,
        Col::Asa,
        Col::Engaged,
        Col::Drops,
        Col::Agents,
        Col::Service,
    ];
    /// The order in which columns give way on a narrow pane.
    const DROPPED: [Col; 5] = [
        Col::Average,
        Col::Asa,
        Col::Drops,
        Col::Engaged,
        Col::Agents,
    ];

    fn header(self, state: &State) -> String {
        match self {
            Col::Waiting => "wait".into(),
            Col::Longest => "long".into(),
            Col::Average => "avg".into(),
            Col::Asa => "ASA".into(),
            Col::Engaged => "eng".into(),
            Col::Drops => "drop".into(),
            Col::Agents => "agents".into(),
            Col::Service => format!("SL≤{}s", state.settings.alerts.default.sla_secs),
        }
    }

    fn sort(self) -> QueueSort {
        match self {
            Col::Waiting => QueueSort::Waiting,
            Col::Longest => QueueSort::Longest,
            Col::Average => QueueSort::Average,
            Col::Asa => QueueSort::Asa,
            Col::Engaged => QueueSort::Engaged,
            Col::Drops => QueueSort::Drops,
            Col::Agents => QueueSort::Free,
            Col::Service => QueueSort::Service,
        }
    }
}

/// A count, or both counts when Kore's and the list's differ.
/// A figure Kore sent that cannot be true is `?` (the log has its raw value).
fn count_text(f: Figure, theme: &Theme) -> String {
    let kore = match (f.value, f.odd) {
        (Some(v), _) => v.to_string(),
        (None, true) => ODD.to_string(),
        (None, false) => return theme.glyph(Glyph::Nothing).to_string(),
    };
    match f.list_differs {
        Some(list) => format!("{kore}{}{list}", theme.glyph(Glyph::Differs)),
        None => kore,
    }
}

fn wait_text(f: Figure, theme: &Theme) -> String {
    match f.value {
        Some(ms) => duration(ms),
        None if f.odd => ODD.to_string(),
        None => theme.glyph(Glyph::Nothing).to_string(),
    }
}

/// What a figure that cannot be true shows.
const ODD: &str = "?";

/// `available/busy/away/offline`.
fn agents_text(r: &QueueRow, theme: &Theme) -> String {
    if r.agents.iter().all(|f| f.value.is_none() && !f.odd) {
        return theme.glyph(Glyph::Nothing).to_string();
    }
    r.agents
        .iter()
        .map(|f| f.value.map_or(ODD.to_string(), |v| v.to_string()))
        .collect::<Vec<_>>()
        .join("/")
}

/// `85%`, or `3 seen` while too few are decided for a percentage (no
/// wider than the column's header, so the queue names keep their room).
fn service_text(r: &QueueRow, theme: &Theme) -> String {
    match (r.service_pct(), r.service.1) {
        (Some(p), _) => format!("{p}%"),
        (None, 0) => theme.glyph(Glyph::Nothing).to_string(),
        (None, n) => format!("{n} seen"),
    }
}

/// A figure of the cell's column came but cannot be true.
fn odd(col: Col, r: &QueueRow) -> bool {
    match col {
        Col::Waiting => r.waiting.odd,
        Col::Engaged => r.engaged.odd,
        Col::Longest => r.longest_ms.odd,
        Col::Average => r.average_ms.odd,
        Col::Asa => r.asa_ms.odd,
        Col::Drops => r.drops.odd,
        Col::Agents => r.agents.iter().any(|f| f.odd),
        Col::Service => false,
    }
}

/// A cell's text and whether it came from Kore (else from the list).
fn cell(col: Col, r: &QueueRow, theme: &Theme) -> (String, bool) {
    match col {
        Col::Waiting => (count_text(r.waiting, theme), r.waiting.from_kore),
        Col::Engaged => (count_text(r.engaged, theme), r.engaged.from_kore),
        Col::Longest => (wait_text(r.longest_ms, theme), r.longest_ms.from_kore),
        Col::Average => (wait_text(r.average_ms, theme), r.average_ms.from_kore),
        Col::Asa => (wait_text(r.asa_ms, theme), r.asa_ms.from_kore),
        Col::Drops => (count_text(r.drops, theme), r.drops.from_kore),
        Col::Agents => (agents_text(r, theme), r.agents[0].from_kore),
        // The console's own figure: never Kore's, never dim.
        // Dimmed while it is no percentage yet.
        Col::Service => (service_text(r, theme), r.service_pct().is_some()),
    }
}

fn title(state: &State, shown: usize, theme: &Theme, cells: usize) -> Line<'static> {
    let rule = theme.glyph(Glyph::Rule);
    let total = state.model.queues.len();
    let mut t = if state.views.problems_only {
        format!(
            " Queues {shown}/{total} {rule} problems only, {} hidden",
            total.saturating_sub(shown)
        )
    } else {
        format!(" Queues {total}")
    };
    if state.model.queues_not_shown > 0 {
        t.push_str(&format!(" +{} not shown", state.model.queues_not_shown));
    }
    if state.views.queues.sort != QueueSort::default() {
        t.push_str(&format!(
            " {rule} sort: {}",
            state.views.queues.sort.label()
        ));
    }
    t.push(' ');
    Line::from(theme.fit(&t, cells.saturating_sub(2)))
}

/// What the right of the border says: what SL counts, and the mark.
fn legend(state: &State, rows: &[QueueRow], theme: &Theme) -> Line<'static> {
    let t_default = &state.settings.alerts.default;
    let mut t = format!(
        " SL: seen here, ≤{}s, target {}% ",
        t_default.sla_secs, t_default.sla_target_pct
    );
    if rows.iter().any(QueueRow::disagrees) {
        t = format!(
            " {} Kore{}list {} SL: seen here ",
            theme.glyph(Glyph::Differs),
            theme.glyph(Glyph::Differs),
            theme.glyph(Glyph::Dot)
        );
    }
    Line::from(Span::styled(theme.own_text(&t), theme.dim)).right_aligned()
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let rows = state.visible_queue_rows();
    let full_cells = usize::from(area.width);
    let title_line = title(state, rows.len(), theme, full_cells);
    let legend = legend(state, &rows, theme);
    let right = (width(&title_line.to_string()) + width(&legend.to_string()) + 3 <= full_cells)
        .then_some(legend);
    let block = theme.block(title_line, right, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let full = usize::from(inner.width);
    let cells = full.saturating_sub(1);
    let height = usize::from(inner.height);

    if rows.is_empty() {
        let msg = if state.views.problems_only && !state.model.queues.is_empty() {
            format!(
                "no queue past a threshold ({} shows all)",
                state
                    .keymap
                    .key_label(crate::app::command::Command::ToggleProblems)
            )
        } else {
            "no queues listed yet (polling…)".to_string()
        };
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&theme.own_text(&msg), cells)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let selected = focused.then_some(state.views.queues.cursor.min(rows.len() - 1));
    let offset = table::offset(selected, rows.len(), height);
    let body: Vec<Row> = rows
        .iter()
        .skip(offset)
        .take(table::body_rows(height))
        .map(|r| queue_row(r, state, theme))
        .collect();
    // The name shrinks to its minimum; a figure is never cut, it drops.
    let mut columns = vec![Column::new("queue", MIN_NAME, MAX_NAME, KEEP)];
    columns.extend(Col::DRAWN.iter().map(|c| {
        let priority = Col::DROPPED
            .iter()
            .position(|d| d == c)
            .map_or(KEEP, |i| i as u8);
        Column::new(
            theme.own_text(&c.header(state)),
            usize::MAX,
            usize::MAX,
            priority,
        )
        .right()
    }));
    let sorted = Col::DRAWN
        .iter()
        .position(|c| c.sort() == state.views.queues.sort)
        .map(|i| i + 1);
    Table {
        columns: &columns,
        rows: body,
        offset,
        selected,
        selected_style: theme.selected,
        lead: 2,
        sorted,
    }
    .draw(frame, inner, theme);
}

/// One queue's row: the `≠` mark, the name (with the queue's alert glyph),
/// then each figure; the cell past its threshold in the alert's style.
fn queue_row(r: &QueueRow, state: &State, theme: &Theme) -> Row {
    let mark = if r.disagrees() {
        theme.glyph(Glyph::Differs)
    } else {
        " "
    };
    let narrowed = state.views.list.queue_narrow.as_deref() == Some(r.id.as_str());
    // The alert, judged for the rows on screen only: the name carries the
    // glyph, the cell past its threshold the style.
    let t = state.settings.alerts.for_queue(&r.id, &r.name);
    let wait_alert = theme.alert(
        r.longest_ms
            .judged()
            .map_or(Level::Ok, |ms| t.wait_level(ms)),
    );
    let sla_alert = theme.alert(t.sla_level(r.service.0 as usize, r.service.1 as usize));
    let name = clean(&r.name, 200);
    let (name, name_style) = match theme.alert(state.queue_level(r)) {
        Some((glyph, style)) => (format!("{glyph} {name}"), style),
        None if narrowed => (name, theme.heading),
        None => (name, theme.text),
    };
    let mut cells = vec![Cell::new(name, name_style)];
    for c in Col::DRAWN {
        let (text, from_kore) = cell(c, r, theme);
        let style: Style = match (c, wait_alert, sla_alert) {
            (Col::Longest, Some((_, alert)), _) | (Col::Service, _, Some((_, alert))) => alert,
            _ if text.contains(theme.glyph(Glyph::Differs)) => theme.warn,
            _ if odd(c, r) => theme.warn,
            (Col::Waiting, ..) if r.waiting.value.unwrap_or(0) > 0 => theme.state_waiting,
            _ if !from_kore => theme.dim,
            _ => theme.text,
        };
        cells.push(Cell::new(text, style));
    }
    Row {
        lead: vec![
            Cell::new(theme.pad(mark, 1), theme.warn),
            Cell::new(" ", theme.text),
        ],
        cells,
    }
}
