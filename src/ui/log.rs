//! The log pane: every request, response, callback and error, newest at the
//! bottom. Following, it shows the latest lines; paused, it keeps the
//! cursor line in view and highlights it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{clean, clock, width};
use super::theme::{Glyph, Theme};
use super::widgets::{scroll_offset, uniform};
use crate::app::State;
use crate::app::state::{Log, LogKind};

/// A line's text, with how often it came in a row when more than once.
fn shown_text(l: &crate::app::state::LogLine) -> String {
    if l.repeat > 1 {
        format!("×{} {}", l.repeat, l.text)
    } else {
        l.text.clone()
    }
}

fn titles(state: &State, shown: usize, theme: &Theme) -> (Line<'static>, Line<'static>) {
    let log = &state.log;
    let rule = theme.glyph(Glyph::Rule);
    let mut left = if log.filter().trim().is_empty() {
        " Log ".to_string()
    } else {
        format!(
            " Log {rule} filter: {} ({shown}/{}) ",
            theme.fit(&clean(log.filter(), 200), 20),
            log.lines.len()
        )
    };
    // A bulk action on its way: its progress line, above the log.
    if let Some(b) = &state.requests.bulk {
        let dot = theme.glyph(Glyph::Dot);
        left.push_str(&format!("{rule} {} (Esc stops) ", b.line_with(dot)));
    }
    let hidden = log.hidden_polls();
    if hidden > 0 {
        left.push_str(&format!("{rule} polls hidden: {hidden} (p) "));
    }
    if !log.search.is_empty() {
        let find = theme.fit(&clean(&log.search, 200), 16);
        left.push_str(&format!("{rule} find: {find} (n/N) "));
    }
    let right = if log.follow {
        " following ".to_string()
    } else {
        format!(" paused {}/{shown} ", (log.cursor + 1).min(shown))
    };
    let right = if log.follow {
        Line::from(Span::styled(right, theme.good))
    } else {
        Line::from(Span::styled(right, theme.warn))
    };
    (Line::from(left), right)
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let log = &state.log;
    let total = log.visible_len();
    let (left, right) = titles(state, total, theme);
    let block = theme.block(left, Some(right), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let cells = usize::from(inner.width);
    let height = usize::from(inner.height);

    if total == 0 {
        let msg = empty_message(log, theme);
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells - 1)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let cursor = (!log.follow).then(|| log.cursor.min(total - 1));
    let offset = match cursor {
        None => total.saturating_sub(height),
        Some(c) => scroll_offset(Some(c), total, height),
    };
    let glyph_w = glyph_width(theme);
    let text_w = cells.saturating_sub(8 + 1 + glyph_w + 1);
    let selected_rows = selected_rows(log, cursor, theme, text_w);
    let extra = selected_rows.len().saturating_sub(1);
    // Room for the wrapped rows below the cursor.
    let offset = match cursor {
        Some(c) if c + 1 + extra > offset + height => (c + 1 + extra).saturating_sub(height),
        _ => offset,
    }
    .min(cursor.unwrap_or(usize::MAX));
    let layout = RowLayout {
        cursor,
        offset,
        total,
        height,
        cells,
        glyph_w,
        text_w,
        focused,
    };
    let rendered = render_rows(log, theme, &layout, &selected_rows);
    frame.render_widget(Paragraph::new(rendered), inner);
}

/// What the log pane says when no line is shown.
fn empty_message(log: &Log, theme: &Theme) -> String {
    if log.lines.is_empty() {
        "nothing logged yet".to_string()
    } else if log.filter().trim().is_empty() {
        "only poll lines so far (p shows them)".to_string()
    } else {
        format!(
            "no line matches \"{}\"",
            theme.fit(&clean(log.filter(), 200), 20)
        )
    }
}

/// Every kind's glyph gets the same width so the text lines up.
fn glyph_width(theme: &Theme) -> usize {
    [
        LogKind::Out,
        LogKind::In,
        LogKind::Callback,
        LogKind::Error,
        LogKind::Info,
    ]
    .iter()
    .map(|k| width(theme.glyph(theme.log_kind(*k).0)))
    .max()
    .unwrap_or(1)
}

/// The selected line is shown whole, wrapped under its own text, so a
/// long warning or error can always be read to its end.
fn selected_rows(log: &Log, cursor: Option<usize>, theme: &Theme, text_w: usize) -> Vec<String> {
    cursor
        .map(|c| {
            let line = log
                .visible_line(c)
                .expect("the cursor is within the shown lines");
            let text = theme.own_text(&clean(&shown_text(&line), 2000));
            if width(&text) <= text_w {
                vec![text]
            } else {
                crate::ui::text::wrap(&text, text_w.max(1))
            }
        })
        .unwrap_or_default()
}

/// Where the log's rows go: the window onto the shown lines and the widths.
struct RowLayout {
    cursor: Option<usize>,
    offset: usize,
    total: usize,
    height: usize,
    cells: usize,
    glyph_w: usize,
    text_w: usize,
    focused: bool,
}

/// The rows on screen; only those lines are looked at.
fn render_rows<'a>(
    log: &Log,
    theme: &Theme,
    layout: &RowLayout,
    selected_rows: &[String],
) -> Vec<Line<'a>> {
    let RowLayout {
        cursor,
        offset,
        total,
        height,
        cells,
        glyph_w,
        text_w,
        focused,
    } = *layout;
    let indent = " ".repeat(8 + 1 + glyph_w + 1);
    let mut rendered: Vec<Line> = Vec::with_capacity(height);
    for i in offset..total.min(offset + height) {
        if rendered.len() >= height {
            break;
        }
        let Some(l) = log.visible_line(i) else {
            break;
        };
        let (glyph, style) = theme.log_kind(l.kind);
        let text_style = if l.kind == LogKind::Error {
            theme.log_error
        } else {
            theme.text
        };
        let first_text = if Some(i) == cursor {
            selected_rows.first().cloned().unwrap_or_default()
        } else {
            theme.fit(&theme.own_text(&clean(&shown_text(&l), 2000)), text_w)
        };
        let spans = vec![
            Span::styled(clock(l.at_ms), theme.dim),
            Span::raw(" "),
            Span::styled(theme.pad(theme.glyph(glyph), glyph_w), style),
            Span::raw(" "),
            Span::styled(first_text, text_style),
        ];
        if Some(i) == cursor {
            let sel = if focused {
                theme.selected
            } else {
                theme.selected_unfocused
            };
            rendered.push(uniform(spans, sel, cells));
            for more in selected_rows.iter().skip(1) {
                if rendered.len() >= height {
                    break;
                }
                rendered.push(uniform(
                    vec![
                        Span::raw(indent.clone()),
                        Span::styled(more.clone(), text_style),
                    ],
                    sel,
                    cells,
                ));
            }
        } else {
            rendered.push(Line::from(spans));
        }
    }
    rendered
}
