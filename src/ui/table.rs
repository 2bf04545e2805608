//! The one table every list draws with (conversations, agents, queues,
//! pickers): a header row, column widths fitted to the width by priority,
//! scrolling that keeps the selection in view, and the selected row drawn
//! as one bar.
//!
//! A pane describes its columns (`Column`: header, width range, priority,
//! alignment, how a long value is cut) and hands over only the rows on
//! screen, already as text (`Cell`). `fit` chooses the widths: each
//! column is as wide as its widest value or header (within its range);
//! when that does not fit, the column of lowest priority shrinks toward its
//! minimum, then drops, then the next. The flexible column (at most one,
//! e.g. the primary agent) takes what is left.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;

use super::text::width;
use super::theme::Theme;
use super::widgets::{scroll_offset, uniform};

/// Where a value sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// How a value too long for its column is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Keep the start (`Mia Ch…`).
    End,
    /// Keep both ends, the mark in the middle (`c-acc…00038`): for ids,
    /// whose distinguishing part is at the end.
    Middle,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: Cow<'static, str>,
    /// Never shrunk below this while shown (a column whose values are
    /// all narrower is as wide as they are).
    pub min: usize,
    /// Never wider than this (the flexible column grows past it).
    pub max: usize,
    /// Higher stays longer: the lowest shrinks, then drops, then the next.
    /// A column of `KEEP` is never dropped.
    pub priority: u8,
    pub align: Align,
    pub cut: Cut,
    /// Takes the width left over.
    pub flex: bool,
}

/// The priority of a column that never drops.
pub const KEEP: u8 = u8::MAX;

impl Column {
    pub fn new(
        header: impl Into<Cow<'static, str>>,
        min: usize,
        max: usize,
        priority: u8,
    ) -> Column {
        Column {
            header: header.into(),
            min,
            max,
            priority,
            align: Align::Left,
            cut: Cut::End,
            flex: false,
        }
    }

    pub fn right(mut self) -> Column {
        self.align = Align::Right;
        self
    }

    pub fn cut_middle(mut self) -> Column {
        self.cut = Cut::Middle;
        self
    }

    pub fn flex(mut self) -> Column {
        self.flex = true;
        self
    }
}

/// One value of a row, with its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

/// A row: an optional mark before the first column (selection arrow,
/// failed flag), then one cell per column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub lead: Vec<Cell>,
    pub cells: Vec<Cell>,
}

/// The widths chosen: one per column, 0 when dropped; and the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widths {
    pub cols: Vec<usize>,
    pub gap: usize,
}

impl Widths {
    /// Cells taken by the shown columns and the gaps between them.
    pub fn used(&self) -> usize {
        let shown: Vec<usize> = self.cols.iter().copied().filter(|w| *w > 0).collect();
        shown.iter().sum::<usize>() + shown.len().saturating_sub(1) * self.gap
    }
}

/// The widths of `columns` for `rows` (only those on screen) in `cells`.
pub fn fit(columns: &[Column], rows: &[Row], cells: usize) -> Widths {
    let natural: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let widest = rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|cell| width(&cell.text))
                .max()
                .unwrap_or(0)
                .max(width(&c.header));
            if c.flex { c.min } else { widest.min(c.max) }
        })
        .collect();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|i| columns[*i].priority);
    let mut w = Widths {
        cols: natural,
        gap: 2,
    };
    // Two cells between columns when everything fits so, else one.
    if w.used() > cells {
        w.gap = 1;
    }
    // Lowest priority first: shrink to its minimum, then drop if that was
    // not enough; so the id keeps its full width while anything less
    // useful can still give way.
    for i in &order {
        if w.used() <= cells {
            break;
        }
        let over = w.used() - cells;
        let c = &columns[*i];
        let floor = c.min.min(w.cols[*i]);
        w.cols[*i] = w.cols[*i].saturating_sub(over).max(floor);
        if w.used() > cells && c.priority != KEEP {
            w.cols[*i] = 0;
        }
    }
    if let Some(f) = columns.iter().position(|c| c.flex)
        && w.cols[f] > 0
    {
        w.cols[f] += cells.saturating_sub(w.used());
    }
    w
}

/// `s` cut to `cells` as `cut` says, with `mark` where it was cut.
pub fn cut(s: &str, cells: usize, how: Cut, mark: &str) -> String {
    if width(s) <= cells {
        return s.to_string();
    }
    let mark_w = width(mark);
    if cells <= mark_w {
        return take_head(s, cells);
    }
    let room = cells - mark_w;
    match how {
        Cut::End => format!("{}{mark}", take_head(s, room)),
        Cut::Middle => {
            let head = room / 2;
            let tail = room - head;
            format!("{}{mark}{}", take_head(s, head), take_tail(s, tail))
        }
    }
}

fn take_head(s: &str, cells: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cells {
            break;
        }
        out.push(c);
        used += w;
    }
    out
}

fn take_tail(s: &str, cells: usize) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cells {
            break;
        }
        out.push(c);
        used += w;
    }
    out.into_iter().rev().collect()
}

/// A table ready to draw: its columns, the rows on screen, the selection.
pub struct Table<'a> {
    pub columns: &'a [Column],
    /// The rows from `offset` on (at most the body's height of them).
    pub rows: Vec<Row>,
    /// Index of the first row given, in the whole list.
    pub offset: usize,
    /// The selected row, in the whole list.
    pub selected: Option<usize>,
    /// The style of the selection bar.
    pub selected_style: Style,
    /// Cells of the lead (marks before the first column).
    pub lead: usize,
    /// The column the list is sorted by: its header stands out, the others
    /// are dim. `None`: every header in the heading style.
    pub sorted: Option<usize>,
}

/// The first row to draw, for a list of `len` rows in a table of
/// `height` rows (the header included).
pub fn offset(selected: Option<usize>, len: usize, height: usize) -> usize {
    scroll_offset(selected, len, body_rows(height))
}

/// Rows of the body: the height less the header. A table of one row
/// shows that row, not a header alone.
pub fn body_rows(height: usize) -> usize {
    if height < 2 { height } else { height - 1 }
}

impl Table<'_> {
    /// Draws the header and the rows into `area`. One cell stays free at
    /// the right edge; the selection bar spans the full width.
    pub fn draw(self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let full = usize::from(area.width);
        let cells = full.saturating_sub(1 + self.lead);
        let widths = fit(self.columns, &self.rows, cells);
        let mark = if theme.ascii { "~" } else { "…" };
        let mut lines = Vec::with_capacity(self.rows.len() + 1);
        let header: Vec<Cell> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let style = match self.sorted {
                    Some(s) if s != i => theme.dim,
                    _ => theme.heading,
                };
                Cell::new(theme.own_text(&c.header), style)
            })
            .collect();
        let lead = vec![Cell::new(" ".repeat(self.lead), theme.heading)];
        if area.height >= 2 {
            lines.push(Line::from(spans(
                self.columns,
                &widths,
                &lead,
                &header,
                mark,
            )));
        }
        for (i, row) in self.rows.iter().enumerate() {
            let s = spans(self.columns, &widths, &row.lead, &row.cells, mark);
            if Some(i + self.offset) == self.selected {
                lines.push(uniform(s, self.selected_style, full));
            } else {
                lines.push(Line::from(s));
            }
        }
        frame.render_widget(Paragraph::new(lines), area);
    }
}

/// One row's spans at the chosen widths.
fn spans(
    columns: &[Column],
    widths: &Widths,
    lead: &[Cell],
    cells: &[Cell],
    mark: &str,
) -> Vec<Span<'static>> {
    let mut out: Vec<Span<'static>> = lead
        .iter()
        .map(|c| Span::styled(c.text.clone(), c.style))
        .collect();
    let mut first = true;
    for ((col, w), cell) in columns.iter().zip(&widths.cols).zip(cells) {
        if *w == 0 {
            continue;
        }
        if !first {
            out.push(Span::raw(" ".repeat(widths.gap)));
        }
        first = false;
        let text = cut(&cell.text, *w, col.cut, mark);
        let room = w.saturating_sub(width(&text));
        let text = match col.align {
            Align::Left => format!("{text}{}", " ".repeat(room)),
            Align::Right => format!("{}{text}", " ".repeat(room)),
        };
        out.push(Span::styled(text, cell.style));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_id_keeps_its_end() {
        assert_eq!(cut("c-acc-live-00038", 11, Cut::Middle, "…"), "c-acc…00038");
        assert_eq!(
            cut("c-acc-live-00038", 16, Cut::Middle, "…"),
            "c-acc-live-00038"
        );
        assert_eq!(cut("c-acc-live-00038", 8, Cut::Middle, "~"), "c-a~0038");
        assert_eq!(cut("Mia Chen", 5, Cut::End, "…"), "Mia …");
        assert_eq!(cut("日本語テキスト", 7, Cut::Middle, "…"), "日…ト");
        assert_eq!(cut("abc", 0, Cut::Middle, "…"), "");
    }

    fn row(cells: &[&str]) -> Row {
        Row {
            lead: Vec::new(),
            cells: cells.iter().map(|t| Cell::new(*t, Style::new())).collect(),
        }
    }

    #[test]
    fn columns_shrink_then_drop_by_priority() {
        let cols = [
            Column::new("ID", 6, 20, KEEP).cut_middle(),
            Column::new("LANG", 2, 5, 1),
            Column::new("STATE", 6, 8, 5),
            Column::new("AGENT", 4, 40, 3).flex(),
        ];
        let rows = [row(&["c-acc-live-00038", "en-US", "ACTIVE", "Mia Chen"])];
        let wide = fit(&cols, &rows, 60);
        assert_eq!(wide.gap, 2);
        assert_eq!(&wide.cols[..3], &[16, 5, 6]);
        assert_eq!(wide.used(), 60, "the agent takes the rest");
        // Tight: the language shrinks to its minimum first; the id keeps
        // its full width.
        let tight = fit(&cols, &rows, 31);
        assert_eq!(tight.cols, vec![16, 2, 6, 4], "{tight:?}");
        // Tighter: the language drops, then the agent; the state before the
        // id shrinks, which never drops.
        let narrow = fit(&cols, &rows, 26);
        assert_eq!(narrow.cols, vec![16, 0, 6, 0], "{narrow:?}");
        let narrower = fit(&cols, &rows, 15);
        assert_eq!(narrower.cols, vec![15, 0, 0, 0], "{narrower:?}");
        for cells in 0..70 {
            let w = fit(&cols, &rows, cells);
            assert!(w.used() <= cells.max(6), "{cells}: {w:?}");
        }
    }
}
