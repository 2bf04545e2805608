//! The `:` line's completion list, under the line (k9s, fish): the
//! candidates a Tab found, the one on the line highlighted, and the verb's
//! syntax once its argument is being completed.
//!
//! ```text
//!  :assign R                                      Enter run  Tab complete …
//!  Rafael Ortiz  Raj Patel  ▸ Tab cycles
//!  assign NAME | assign queue NAME
//! ```

use ratatui::text::{Line, Span};

use super::text::{clean, width};
use super::theme::Theme;
use crate::app::queries::CompletionList;

/// The rows under the `:` line for `list`, `cells` wide (at most two).
pub fn rows(list: &CompletionList, cells: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if !list.candidates.is_empty() {
        out.extend(candidate_rows(list, cells, theme));
    }
    if let Some(hint) = &list.hint {
        let text = theme.fit(&format!(" {}", theme.own_text(hint)), cells);
        out.push(Line::from(Span::styled(text, theme.dim)));
    }
    out
}

/// The candidates in one row, two cells apart; those that do not fit are
/// counted (`+3`), and the window moves so the selected one shows.
fn candidate_rows(list: &CompletionList, cells: usize, theme: &Theme) -> Vec<Line<'static>> {
    let names: Vec<String> = list
        .candidates
        .iter()
        .map(|c| theme.fit(&clean(c, 200), 30))
        .collect();
    let tail = format!("Tab cycles ({})", names.len());
    let room = cells.saturating_sub(width(&tail) + 8);
    // The first candidate shown: from the start, or so that the selected
    // one is the last that fits.
    let fits_from = |start: usize| {
        let mut used = 0;
        let mut n = 0;
        for name in &names[start..] {
            let w = width(name) + 2;
            if used + w > room && n > 0 {
                break;
            }
            used += w;
            n += 1;
        }
        n
    };
    let sel = list.selected.unwrap_or(0);
    let mut start = 0;
    while start < sel && start + fits_from(start) <= sel {
        start += 1;
    }
    let shown = fits_from(start);
    let mut spans = vec![Span::raw(" ")];
    if start > 0 {
        spans.push(Span::styled(format!("+{start} "), theme.dim));
    }
    for (i, name) in names.iter().enumerate().skip(start).take(shown) {
        let style = if list.selected == Some(i) {
            theme.selected
        } else {
            theme.text
        };
        spans.push(Span::styled(name.clone(), style));
        spans.push(Span::raw("  "));
    }
    let after = names.len() - start - shown;
    if after > 0 {
        spans.push(Span::styled(format!("+{after}  "), theme.dim));
    }
    spans.push(Span::styled(theme.own_text(&tail), theme.dim));
    vec![Line::from(spans)]
}
