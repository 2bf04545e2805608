//! Making remote text safe to draw: control characters out, width measured
//! in terminal cells, long strings cut with an ellipsis.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Strips control characters (escape sequences included: the ESC goes and
/// the rest is plain text), folds line breaks and tabs into spaces, and keeps
/// at most `max_chars` characters.
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut count = 0;
    for c in s.chars() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => continue,
            // Bidirectional overrides and zero-width joiners can reorder or hide text.
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => continue,
            c => c,
        };
        out.push(c);
        count += 1;
    }
    out
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` cells, ending with `…` when cut. Wide
/// characters are never split.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut or padded with spaces to exactly `cells` cells.
pub fn pad(s: &str, cells: usize) -> String {
    let mut out = fit(s, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_escapes_are_removed() {
        assert_eq!(clean("a\u{1b}[31mred\u{7}\nb", 100), "a[31mred b");
        assert_eq!(clean("x\u{202e}cba", 100), "xcba");
        assert_eq!(clean("abcdef", 3), "abc…");
    }

    #[test]
    fn wide_characters_are_cut_by_cells() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(fit("日本語", 5), "日本…");
        assert_eq!(fit("日本語", 6), "日本語");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("日本", 5), "日本 ");
        assert_eq!(width(&pad("日本語テキスト", 7)), 7);
    }
}
