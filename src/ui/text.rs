//! Making remote text safe to draw: control characters out, width measured
//! in terminal cells, long strings cut with an ellipsis.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub use crate::app::text::clean;

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

/// Like [`fit`], with `mark` (e.g. `~` for ASCII terminals) instead of `…`.
/// When even the mark does not fit, the text is cut without one.
pub fn fit_with(s: &str, max: usize, mark: &str) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mark_w = width(mark);
    let (room, mark) = if mark_w < max {
        (max - mark_w, mark)
    } else {
        (max, "")
    };
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(mark);
    out
}

/// Breaks `s` into lines of at most `cells` cells, at spaces where it can
/// and inside a word when a word alone is too long.
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if cells == 0 {
        return lines;
    }
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let ww = width(word);
        let gap = usize::from(used > 0);
        if used + gap + ww <= cells {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(word);
            used += gap + ww;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        // A word longer than a line is split by cells.
        for c in word.chars() {
            let w = UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > cells {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += w;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The offset clocks are shown in: UTC unless [`set_local_offset`] ran.
static OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Shows clocks in the machine's local time. Call it once at start, before
/// any thread is spawned: the `time` crate only reads the local offset while
/// the process is single-threaded, as that is the only sound moment. Returns
/// false (clocks stay in UTC) when the offset cannot be read.
pub fn set_local_offset() -> bool {
    match time::UtcOffset::current_local_offset() {
        Ok(offset) => OFFSET.set(offset).is_ok(),
        Err(_) => false,
    }
}

/// The wall-clock time of `ms` (unix milliseconds) as `HH:MM:SS`, in local
/// time when [`set_local_offset`] succeeded, else in UTC.
pub fn clock(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.to_offset(OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC)));
    match at {
        Ok(t) => format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
        Err(_) => "--:--:--".to_string(),
    }
}

/// A duration for a narrow column: `04:12` (minutes and seconds) under an
/// hour, `1h05` (hours and minutes) under 100 hours, then `5d` (days).
/// At most five cells; negative durations (clock skew) count as zero.
pub fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    if secs < 3600 {
        format!("{:02}:{:02}", secs / 60, secs % 60)
    } else if secs < 100 * 3600 {
        format!("{}h{:02}", secs / 3600, secs % 3600 / 60)
    } else {
        format!("{}d", secs / 86_400)
    }
}

/// A short age: `40s`, `12m`, `3h`, `2d`.
pub fn age_short(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m", secs / 60),
        3_600..172_800 => format!("{}h", secs / 3_600),
        _ => format!("{}d", secs / 86_400),
    }
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

    #[test]
    fn fit_with_an_ascii_mark() {
        assert_eq!(fit_with("abcdef", 4, "~"), "abc~");
        assert_eq!(fit_with("abc", 4, "~"), "abc");
        assert_eq!(fit_with("日本語", 4, "~"), "日~");
        assert_eq!(fit_with("abcdef", 1, "~"), "a");
        assert_eq!(fit_with("abcdef", 0, "~"), "");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("日本語 x", 4), vec!["日本", "語 x"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert!(wrap("abc", 0).is_empty());
        for line in wrap("a fairly long sentence with 日本語 in it", 6) {
            assert!(width(&line) <= 6, "{line}");
        }
    }

    #[test]
    fn clocks_and_durations() {
        assert_eq!(clock(0), "00:00:00");
        assert_eq!(clock(1_700_000_000_000), "22:13:20");
        assert_eq!(clock(i64::MAX), "--:--:--");
        assert_eq!(duration(252_000), "04:12");
        assert_eq!(duration(3_900_000), "1h05");
        assert_eq!(duration(-5), "00:00");
        assert_eq!(duration(99 * 3_600_000 + 59 * 60_000), "99h59");
        assert_eq!(duration(10 * 86_400_000), "10d");
    }
}
