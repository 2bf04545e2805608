//! The conversations list: one row per conversation, filtered and sorted as
//! `State::visible_conversations` says.
//!
//! Drawn with `ui::table` under a header: selection marker, flag (`!` a
//! request failed, `…` requests open), then ID, CHAN, LANG, STATE, WAIT
//! (time in the current queue), QUEUE, AGENTS, SEEN (how long ago the poll
//! read it, `F`, off by default) and PRIMARY (the primary agent). On
//! narrow panes the agent count, then the language, the channel and the
//! queue give way; the id keeps its full width longest and, when cut,
//! keeps its end (`c-acc…00038`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Cell, Column, KEEP, Row, Table};
use super::text::{age_short, clean, duration, width};
use super::theme::{Glyph, Theme};
use crate::app::State;
use crate::app::alerts::Level;
use crate::app::state::Conversation;

/// The list's columns, in their order, with the fresh column (`F`) or
/// without. Higher priority stays longer as the pane narrows: the id never
/// drops (cut in the middle, it keeps its distinguishing end).
fn columns(fresh: bool) -> Vec<Column> {
    let mut cols = vec![
        Column::new("ID", 11, 40, KEEP).cut_middle(),
        Column::new("CHAN", 5, 5, 30),
        Column::new("LANG", 2, 8, 20),
        Column::new("STATE", 6, 12, 90),
        Column::new("WAIT", 5, 6, 80).right(),
        Column::new("QUEUE", 5, 16, 40),
        Column::new("AGENTS", 1, 6, 10).right(),
    ];
    if fresh {
        cols.push(Column::new("SEEN", 3, 4, 50).right());
    }
    cols.push(Column::new("PRIMARY", 8, 200, 60).flex());
    cols
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
    let total = state.model.conversations.len();
    let rule = theme.glyph(Glyph::Rule);
    let filter = theme.fit(&clean(&state.views.list.filter, 200), 20);
    let filtered = !state.views.list.filter.trim().is_empty();
    let sort = state.sort_label();
    let queue = state
        .views
        .list
        .queue_narrow
        .as_deref()
        .map(|q| theme.fit(&clean(&state.queue_name(q), 200), 16));
    let build = |short: bool| {
        let mut t = if filtered || queue.is_some() || state.views.problems_only {
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
        if !state.views.list.marks.is_empty() {
            t.push_str(&format!(" {rule} {} marked", state.views.list.marks.len()));
        }
        if state.views.problems_only {
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
        .model
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

/// The wait column: time in the current queue (still counting while it
/// waits), or `—`.
pub fn wait(c: &Conversation, now_ms: i64, theme: &Theme) -> String {
    match c.wait_now_ms(now_ms) {
        Some(w) => duration(w),
        None => theme.glyph(Glyph::Nothing).to_string(),
    }
}

/// One row: the selection marker and the request flag, then a cell per
/// column. `level`: how far its wait is past its queue's thresholds (a
/// glyph before the state, and the alert's style on state and wait).
fn row(c: &Conversation, selected: bool, level: Level, state: &State, theme: &Theme) -> Row {
    let marker = if selected {
        theme.glyph(Glyph::Selected)
    } else {
        " "
    };
    let (flag, flag_style) = if c.failed().is_some() {
        (theme.glyph(Glyph::FailedFlag), theme.bad)
    } else if c.open_events().next().is_some()
        || state
            .requests
            .awaiting_callback
            .values()
            .any(|id| *id == c.id)
    {
        (theme.glyph(Glyph::OpenFlag), theme.warn)
    } else {
        (" ", theme.text)
    };
    let conv_state = c.state();
    let label = clean(conv_state.label(), 40);
    let (state_text, state_style, wait_style) = match theme.alert(level) {
        Some((glyph, style)) => (format!("{glyph} {label}"), style, style),
        None => (label, theme.conv_state(&conv_state), theme.dim),
    };
    let nothing = || theme.glyph(Glyph::Nothing).to_string();
    let queue = c
        .queue
        .as_ref()
        .map(|(_, name)| clean(name, 200))
        .unwrap_or_else(nothing);
    let name = c
        .primary_name()
        .map(|n| clean(n, 200))
        .unwrap_or_else(nothing);
    let mut cells = vec![
        id_cell(c, state, theme),
        Cell::new(c.channel.as_str(), theme.text),
        Cell::new(language(c, false), theme.dim),
        Cell::new(state_text, state_style),
        Cell::new(wait(c, state.now_ms, theme), wait_style),
        Cell::new(queue, theme.dim),
        Cell::new(c.agent_count().to_string(), theme.text),
    ];
    if state.views.list.fresh_column {
        let (text, style) = freshness(c, state, theme);
        cells.push(Cell::new(text, style));
    }
    // A stuck conversation says why in the agent's place.
    match c.fail_reason() {
        Some(reason) => cells.push(Cell::new(clean(&reason.label(), 200), theme.bad)),
        None => cells.push(Cell::new(name, theme.text)),
    }
    Row {
        lead: vec![
            Cell::new(theme.pad(marker, 1), theme.text),
            Cell::new(theme.pad(flag, 1), flag_style),
        ],
        cells,
    }
}

/// The id, after the mark's glyph and in its style when it is marked.
fn id_cell(c: &Conversation, state: &State, theme: &Theme) -> Cell {
    if state.views.list.marks.is_marked(&c.id) {
        let text = format!("{} {}", theme.glyph(Glyph::Marked), clean(&c.id, 200));
        Cell::new(text, theme.marked)
    } else {
        Cell::new(clean(&c.id, 200), theme.text)
    }
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
        let msg = if state.model.conversations.is_empty() {
            theme.own_text("no conversations yet (polling…)")
        } else if state.views.problems_only && state.views.list.filter.trim().is_empty() {
            format!(
                "no problems: no wait past a threshold, no failed request ({} shows all)",
                state
                    .keymap
                    .key_label(crate::app::command::Command::ToggleProblems)
            )
        } else {
            format!(
                "no match for filter \"{}\"",
                theme.fit(&clean(&state.views.list.filter, 200), 20)
            )
        };
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let selected = state
        .views
        .list
        .selected
        .as_ref()
        .and_then(|id| ids.position(id));
    let offset = table::offset(selected, ids.len(), height);
    // Only the rows on screen are looked up, measured and drawn.
    let rows: Vec<Row> = ids
        .iter()
        .enumerate()
        .skip(offset)
        .take(table::body_rows(height))
        .filter_map(|(i, id)| Some((i, state.model.conversations.get(id)?)))
        .map(|(i, c)| {
            let level = state.conversation_level(c);
            row(c, Some(i) == selected, level, state, theme)
        })
        .collect();
    let columns = columns(state.views.list.fresh_column);
    Table {
        columns: &columns,
        rows,
        offset,
        selected,
        selected_style: if focused {
            theme.selected
        } else {
            theme.selected_unfocused
        },
        lead: 2,
        sorted: None,
    }
    .draw(frame, inner, theme);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Channel;
    use crate::ui::ThemeKind;
    use crate::ui::table::fit;

    /// The id keeps its full width while less useful columns give way,
    /// and the primary agent takes what is left.
    #[test]
    fn columns_give_way_before_the_id_is_cut() {
        let theme = Theme::new(ThemeKind::Dark, false);
        let settings = crate::app::state::Settings::for_tests();
        let mut state = State::new(settings, Default::default(), "t".into());
        let c = Conversation::new("c-acc-live-00038", Channel::Voice, "en-US");
        let r = row(&c, false, Level::Ok, &state, &theme);
        let cols = columns(false);
        let wide = fit(&cols, std::slice::from_ref(&r), 100);
        assert!(wide.cols.iter().all(|w| *w > 0), "{wide:?}");
        assert_eq!(wide.cols[0], 16);
        assert_eq!(wide.used(), 100);
        let narrow = fit(&cols, std::slice::from_ref(&r), 41);
        assert_eq!(narrow.cols[0], 16, "{narrow:?}");
        assert_eq!(narrow.cols[6], 0, "the agent count goes first");
        assert!(
            narrow.cols[3] > 0 && narrow.cols[4] > 0,
            "state and wait stay"
        );
        state.views.list.fresh_column = true;
        let r = row(&c, false, Level::Ok, &state, &theme);
        let fresh = fit(&columns(true), std::slice::from_ref(&r), 120);
        assert_eq!(fresh.cols.len(), 9);
        assert!(fresh.cols[7] >= 3, "{fresh:?}");
    }
}
