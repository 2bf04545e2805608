//! The conversations list: one row per conversation, filtered and sorted as
//! `State::visible_conversations` says.
//!
//! `▶!c-1042 voice en  ACTIVE   2  04:12  Mia Chen`: selection marker,
//! flag (`!` a request failed, `…` requests open), id, channel, language,
//! state, agents, age, how long ago the poll read it (`F`, off by default)
//! and the primary agent. On narrow screens the agent count, then the
//! language, then the channel give way to the name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{age_short, clean, duration, width};
use super::theme::{Glyph, Theme};
use super::widgets::{scroll_offset, uniform};
use crate::app::State;
use crate::app::alerts::Level;
use crate::app::state::Conversation;

/// Longest id, language and state shown before they are cut.
const MAX_ID: usize = 12;
const MAX_LANG: usize = 5;
const MAX_STATE: usize = 10;
/// The name column gets at least this much before other columns give way.
const MIN_NAME: usize = 8;

/// Which columns are shown and how wide they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub gap: usize,
    pub id: usize,
    pub channel: bool,
    pub lang: usize,
    /// Show only the primary language subtag (`pt` for `pt-BR`).
    pub lang_short: bool,
    pub state: usize,
    pub count: usize,
    pub age: usize,
    /// How long ago the poll read the row (`F`); 0 when not shown.
    pub fresh: usize,
    pub name: usize,
}

impl Columns {
    /// Columns for `rows` in `cells` cells (the pane's inner width).
    pub fn fit(rows: &[&Conversation], cells: usize, fresh: bool) -> Columns {
        Columns::fit_marked(rows, &[], cells, fresh)
    }

    /// Columns for `rows`, where `marks[i]` (when given and not empty) is
    /// the alert glyph drawn before row `i`'s state; `fresh`: with the
    /// freshness column.
    pub fn fit_marked(
        rows: &[&Conversation],
        marks: &[&str],
        cells: usize,
        fresh: bool,
    ) -> Columns {
        let max = |f: &dyn Fn(&Conversation) -> usize, lo: usize, hi: usize| {
            rows.iter().map(|c| f(c)).max().unwrap_or(0).clamp(lo, hi)
        };
        let state_w = rows
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mark = marks.get(i).map_or(0, |m| match width(m) {
                    0 => 0,
                    w => w + 1,
                });
                width(c.state().label()) + mark
            })
            .max()
            .unwrap_or(0)
            .clamp(6, MAX_STATE);
        let wide = cells >= 56;
        let mut c = Columns {
            gap: if wide { 2 } else { 1 },
            id: max(&|c| width(&clean(&c.id, 40)), 4, MAX_ID),
            channel: true,
            lang: max(&|c| width(&language(c, !wide)), 2, MAX_LANG),
            lang_short: !wide,
            state: state_w,
            count: max(&|c| c.agent_count().to_string().len(), 1, 3),
            age: 5,
            fresh: if fresh { 3 } else { 0 },
            name: 0,
        };
        // Drop columns, least useful first, until the name has room.
        for step in 0..4 {
            let used = c.used();
            if used + MIN_NAME <= cells {
                break;
            }
            match step {
                0 => c.count = 0,
                1 => c.lang = 0,
                2 => c.channel = false,
                _ => c.gap = 1,
            }
        }
        c.name = cells.saturating_sub(c.used());
        c
    }

    /// Cells taken by everything but the name (marker, flag, columns, gaps).
    fn used(&self) -> usize {
        let mut used = 2 + self.id + self.gap + self.state + self.gap + self.age + self.gap;
        if self.channel {
            used += 5 + self.gap;
        }
        if self.lang > 0 {
            used += self.lang + self.gap;
        }
        if self.count > 0 {
            used += self.count + self.gap;
        }
        if self.fresh > 0 {
            used += self.fresh + self.gap;
        }
        used
    }
}

/// The language column's text: the whole tag, or only its primary subtag.
pub fn language(c: &Conversation, short: bool) -> String {
    let tag = clean(&c.language, 40);
    if short {
        tag.split(['-', '_']).next().unwrap_or_default().to_string()
    } else {
        tag
    }
}

/// The pane's title: count, filter when there is one, and the sort,
/// in a shorter form when the long one does not fit in `cells`.
fn title(state: &State, shown: usize, cells: usize, theme: &Theme) -> Line<'static> {
    let total = state.conversations.len();
    let rule = theme.glyph(Glyph::Rule);
    let filter = theme.fit(&clean(&state.conv_filter, 200), 20);
    let filtered = !state.conv_filter.trim().is_empty();
    let sort = state.sort_label();
    let queue = state
        .queue_narrow
        .as_deref()
        .map(|q| theme.fit(&clean(&state.queue_name(q), 200), 16));
    let build = |short: bool| {
        let mut t = if filtered || queue.is_some() || state.problems_only {
            format!(" Conversations {shown}/{total}")
        } else {
            format!(" Conversations {shown}")
        };
        match (&queue, short) {
            (Some(q), false) => t.push_str(&format!(" {rule} queue: {q}")),
            (Some(q), true) => t.push_str(&format!(" {rule} q:{q}")),
            _ => {}
        }
        match (filtered, short) {
            (true, false) => t.push_str(&format!(" {rule} filter: {filter}")),
            (true, true) => t.push_str(&format!(" {rule} /{filter}")),
            _ => {}
        }
        if short {
            t.push_str(&format!(" {rule} by {sort}"));
        } else {
            t.push_str(&format!(" {rule} sort: {sort}"));
        }
        if state.problems_only {
            let hidden = total.saturating_sub(shown);
            if short {
                t.push_str(&format!(" {rule} problems"));
            } else {
                t.push_str(&format!(" {rule} problems only, {hidden} hidden"));
            }
        }
        t.push(' ');
        t
    };
    let long = build(false);
    if width(&long) + 2 <= cells {
        Line::from(long)
    } else {
        Line::from(theme.fit(&build(true), cells.saturating_sub(2)))
    }
}

/// The age column: time since the conversation started, or `—`.
pub fn age(c: &Conversation, now_ms: i64, theme: &Theme) -> String {
    match c.started_ms {
        Some(start) if start > 0 => duration(now_ms - start),
        _ => theme.glyph(Glyph::Nothing).to_string(),
    }
}

/// The freshness column: how long ago the poll read the conversation
/// (`—` never), marked when older than the plan's promise.
fn freshness(c: &Conversation, state: &State, theme: &Theme) -> (String, ratatui::style::Style) {
    if c.seen_seq == 0 {
        return (theme.glyph(Glyph::Nothing).to_string(), theme.dim);
    }
    let age = state.now_ms - c.listed_at_ms;
    let late = state
        .status
        .poll
        .plan
        .is_some_and(|p| age > p.full_ms as i64 + p.round_ms as i64);
    let style = if late || !c.listed {
        theme.warn
    } else {
        theme.dim
    };
    (age_short(age), style)
}

/// One row as styled spans. `level`: how far its wait is past its
/// queue's thresholds (a glyph before the state, and the alert's style).
fn row(
    c: &Conversation,
    cols: &Columns,
    selected: bool,
    level: Level,
    state: &State,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let gap = " ".repeat(cols.gap);
    let marker = if selected {
        theme.glyph(Glyph::Selected)
    } else {
        " "
    };
    let (flag, flag_style) = if c.failed().is_some() {
        (theme.glyph(Glyph::FailedFlag), theme.bad)
    } else if c.open_events().next().is_some()
        || state.awaiting_callback.values().any(|id| *id == c.id)
    {
        (theme.glyph(Glyph::OpenFlag), theme.warn)
    } else {
        (" ", theme.text)
    };
    let conv_state = c.state();
    let mut spans = vec![
        Span::styled(theme.pad(marker, 1), theme.text),
        Span::styled(theme.pad(flag, 1), flag_style),
        Span::styled(theme.pad(&clean(&c.id, 200), cols.id), theme.text),
        Span::raw(gap.clone()),
    ];
    if cols.channel {
        spans.push(Span::styled(theme.pad(c.channel.as_str(), 5), theme.text));
        spans.push(Span::raw(gap.clone()));
    }
    if cols.lang > 0 {
        spans.push(Span::styled(
            theme.pad(&language(c, cols.lang_short), cols.lang),
            theme.dim,
        ));
        spans.push(Span::raw(gap.clone()));
    }
    let label = clean(conv_state.label(), 40);
    let (state_text, state_style) = match theme.alert(level) {
        Some((glyph, style)) => (format!("{glyph} {label}"), style),
        None => (label, theme.conv_state(&conv_state)),
    };
    spans.push(Span::styled(
        theme.pad(&state_text, cols.state),
        state_style,
    ));
    spans.push(Span::raw(gap.clone()));
    if cols.count > 0 {
        let n = c.agent_count().to_string();
        spans.push(Span::styled(format!("{n:>w$}", w = cols.count), theme.text));
        spans.push(Span::raw(gap.clone()));
    }
    let age = age(c, state.now_ms, theme);
    spans.push(Span::styled(format!("{age:>5}"), theme.dim));
    spans.push(Span::raw(gap.clone()));
    if cols.fresh > 0 {
        let (text, style) = freshness(c, state, theme);
        spans.push(Span::styled(format!("{text:>w$}", w = cols.fresh), style));
        spans.push(Span::raw(gap));
    }
    // A stuck conversation says why in the agent's place.
    if let Some(reason) = c.fail_reason() {
        let why = clean(&reason.label(), 200);
        spans.push(Span::styled(theme.pad(&why, cols.name), theme.bad));
        return spans;
    }
    let name = c
        .primary_name()
        .map(|n| clean(n, 200))
        .unwrap_or_else(|| theme.glyph(Glyph::Nothing).to_string());
    spans.push(Span::styled(theme.pad(&name, cols.name), theme.text));
    spans
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let ids = state.visible_ids();
    let block = theme.block(
        title(state, ids.len(), usize::from(area.width), theme),
        None,
        focused,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    // One cell stays free at the right edge; the selection bar still spans
    // the full width.
    let full = usize::from(inner.width);
    let cells = full.saturating_sub(1);
    let height = usize::from(inner.height);

    if ids.is_empty() {
        let msg = if state.conversations.is_empty() {
            theme.own_text("no conversations yet (polling…)")
        } else if state.problems_only && state.conv_filter.trim().is_empty() {
            format!(
                "no problems: no wait past a threshold, no failed request ({} shows all)",
                state
                    .keymap
                    .key_label(crate::app::command::Command::ToggleProblems)
            )
        } else {
            format!(
                "no match for filter \"{}\"",
                theme.fit(&clean(&state.conv_filter, 200), 20)
            )
        };
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let selected = state.selected.as_ref().and_then(|id| ids.position(id));
    let offset = scroll_offset(selected, ids.len(), height);
    // Only the rows on screen are looked up, measured and drawn.
    let rows: Vec<&Conversation> = ids
        .iter()
        .skip(offset)
        .take(height)
        .filter_map(|id| state.conversations.get(id))
        .collect();
    // Levels for the rows on screen only.
    let levels: Vec<Level> = rows.iter().map(|c| state.conversation_level(c)).collect();
    let marks: Vec<&str> = levels
        .iter()
        .map(|l| theme.alert(*l).map_or("", |(g, _)| g))
        .collect();
    let cols = Columns::fit_marked(&rows, &marks, cells, state.fresh_column);
    let lines: Vec<Line> = rows
        .iter()
        .zip(&levels)
        .enumerate()
        .map(|(i, (c, level))| (i + offset, c, *level))
        .map(|(i, c, level)| {
            let is_sel = Some(i) == selected;
            let spans = row(c, &cols, is_sel, level, state, theme);
            if is_sel {
                let style = if focused {
                    theme.selected
                } else {
                    theme.selected_unfocused
                };
                uniform(spans, style, full)
            } else {
                Line::from(spans)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Channel;

    #[test]
    fn columns_give_way_to_the_name_on_narrow_panes() {
        let c = Conversation::new("c-1042", Channel::Voice, "en");
        let rows = vec![&c];
        let wide = Columns::fit(&rows, 60, false);
        assert!(wide.channel && wide.lang > 0 && wide.count > 0 && wide.gap == 2);
        assert!(wide.name >= MIN_NAME);
        let mid = Columns::fit(&rows, 44, false);
        assert!(mid.channel && mid.count > 0);
        assert_eq!(mid.used() + mid.name, 44);
        // The narrowest pane (60 columns) leaves 31 cells for a row.
        let narrow = Columns::fit(&rows, 31, false);
        assert_eq!(narrow.count, 0);
        assert!(narrow.name >= MIN_NAME, "{narrow:?}");
        for cells in 0..80 {
            let cols = Columns::fit(&rows, cells, cells % 2 == 0);
            if cells >= cols.used() {
                assert_eq!(cols.used() + cols.name, cells);
            }
        }
    }
}
