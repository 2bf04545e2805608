//! Small drawing helpers the panes and overlays share: scrolling, centring,
//! a uniform selection row, cutting text from its end, and a text input
//! with its cursor.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::text::{clean, width};
use super::theme::Theme;
use crate::app::input::TextInput;

/// The first row to show so that row `selected` of `len` rows is visible in
/// `height` rows: the selection is kept near the middle once the list
/// scrolls, and the list never scrolls past its end.
pub fn scroll_offset(selected: Option<usize>, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let Some(sel) = selected else {
        return 0;
    };
    sel.min(len - 1)
        .saturating_sub(height / 2)
        .min(len - height)
}

/// A rectangle of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A row drawn in one style from edge to edge (the selection bar).
pub fn uniform(spans: Vec<Span<'static>>, style: Style, cells: usize) -> Line<'static> {
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let w = width(&text);
    let mut text = text;
    text.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    Line::from(Span::styled(text, style))
}

/// The end of `s` that fits in `cells`.
pub fn tail(s: &str, cells: usize) -> String {
    if width(s) <= cells {
        return s.to_string();
    }
    let mut out: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cells {
            break;
        }
        out.push(c);
        used += w;
    }
    out.into_iter().rev().collect()
}

/// The start of `s` that fits in `cells`.
pub fn head(s: &str, cells: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cells {
            break;
        }
        out.push(c);
        used += w;
    }
    out
}

/// A text input drawn in `cells`: the spans (text, then a cursor cell on
/// the character under the cursor or a blank) and the cursor's column. Long
/// input keeps the cursor in view: what is before it shows its end, what is
/// after it fills the rest.
pub fn input_spans(input: &TextInput, cells: usize, theme: &Theme) -> (Vec<Span<'static>>, usize) {
    let (before, after) = input.split();
    // Cleaned per side (remote-safe), and only a screenful of each.
    let keep = cells.saturating_mul(2) + 16;
    let n = before.chars().count();
    let before: String = before.chars().skip(n.saturating_sub(keep)).collect();
    let before = clean(&before, keep);
    let after = clean(&after.chars().take(keep).collect::<String>(), keep);
    let room = cells.saturating_sub(1);
    let before_room = if after.is_empty() {
        room
    } else {
        room - room / 3
    };
    let shown_before = tail(&before, before_room);
    let rest = room.saturating_sub(width(&shown_before));
    let shown_after = head(&after, rest + 1);
    let mut chars = shown_after.chars();
    let under = chars.next().map_or(" ".to_string(), |c| c.to_string());
    let cursor_col = width(&shown_before);
    let spans = vec![
        Span::styled(shown_before, theme.input),
        Span::styled(under, theme.cursor),
        Span::styled(chars.collect::<String>(), theme.input),
    ];
    (spans, cursor_col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_and_heads_fit_by_cells() {
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("日本語", 5), "本語");
        assert_eq!(tail("ab", 5), "ab");
        assert_eq!(head("日本語", 5), "日本");
        assert_eq!(head("abc", 9), "abc");
    }

    #[test]
    fn a_long_input_keeps_its_cursor_in_view() {
        let theme = Theme::new(super::super::theme::ThemeKind::Dark, false);
        let mut t = TextInput::with_text(&"x".repeat(50), 1000);
        for _ in 0..40 {
            t.edit(crate::app::input::Edit::Left);
        }
        let (spans, col) = input_spans(&t, 20, &theme);
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(width(&text) <= 20, "{text:?}");
        assert!(col < 20);
        assert_eq!(spans[1].content, "x", "the cursor sits on a character");
        let (spans, col) = input_spans(&TextInput::with_text("ab", 10), 20, &theme);
        assert_eq!((spans[0].content.as_ref(), col), ("ab", 2));
        assert_eq!(spans[1].content, " ");
    }
}
