//! Boxes drawn over the panes: the help (`?`), the agent picker and the
//! "open a conversation" form (`n`). Each clears what is under it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::agents::{agent_cells, agent_columns, col, loads};
use super::table::{self, Cell, Column, KEEP, Row, Table};
use super::text::{clean, width, wrap};
use super::theme::{Glyph, Theme};
use super::widgets::{centered, input_spans};
use crate::app::State;
use crate::app::command::KeyMode;
use crate::app::state::{Mode, NewConversationForm, Picker};
use crate::ui::keymap::HelpRow;

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    match &state.views.mode {
        Mode::Help => help(state, frame, area, theme),
        Mode::Picker(p) => picker(state, p, frame, area, theme),
        Mode::NewConversation(form) => new_conversation(form, frame, area, theme),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Help
// ---------------------------------------------------------------------------

/// One group of the help: its heading and its (keys, description) rows.
struct Group {
    name: &'static str,
    rows: Vec<(String, &'static str)>,
}

fn groups(rows: &[HelpRow], theme: &Theme) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for r in rows {
        let keys = theme.own_text(&r.keys);
        match out.last_mut() {
            Some(g) if g.name == r.group => g.rows.push((keys, r.description)),
            _ => out.push(Group {
                name: r.group,
                rows: vec![(keys, r.description)],
            }),
        }
    }
    out
}

/// Each mode's keys as one line of items: `Agent picker:  ↓/Tab down  …`.
fn mode_lines(rows: &[HelpRow], theme: &Theme) -> Vec<String> {
    let mut out: Vec<(&str, Vec<String>)> = Vec::new();
    for r in rows {
        let item = format!(
            "{} {}",
            theme.own_text(&r.keys.replace(" / ", "/")),
            r.command.short_label()
        );
        match out.last_mut() {
            Some((g, items)) if *g == r.group => items.push(item),
            _ => out.push((r.group, vec![item])),
        }
    }
    out.into_iter()
        .map(|(g, items)| format!("{g}:  {}", items.join("  ")))
        .collect()
}

/// One help column laid out `cells` wide in at most `budget` lines:
/// descriptions that do not fit wrap while the budget allows (those that
/// need the fewest extra lines first) and are cut after that. Returns the
/// lines and how many descriptions were cut.
fn help_column(
    groups: &[&Group],
    cells: usize,
    budget: usize,
    theme: &Theme,
) -> (Vec<Line<'static>>, usize) {
    let kw = groups
        .iter()
        .flat_map(|g| g.rows.iter().map(|(k, _)| width(k)))
        .max()
        .unwrap_or(1);
    let dw = cells.saturating_sub(kw + 2).max(1);
    let entries: Vec<(&str, &str)> = groups
        .iter()
        .flat_map(|g| g.rows.iter().map(|(k, d)| (k.as_str(), *d)))
        .collect();
    let wrapped: Vec<Vec<String>> = entries.iter().map(|(_, d)| wrap(d, dw)).collect();
    let base = (entries.len() + 2 * groups.len()).saturating_sub(1);
    let mut spare = budget.saturating_sub(base);
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| wrapped[i].len());
    let mut unfold = vec![false; entries.len()];
    let mut cuts = 0;
    for i in order {
        let extra = wrapped[i].len() - 1;
        if extra == 0 {
            continue;
        }
        if extra <= spare {
            spare -= extra;
            unfold[i] = true;
        } else {
            cuts += 1;
        }
    }
    let mut lines = Vec::new();
    let mut i = 0;
    for (n, g) in groups.iter().enumerate() {
        if n > 0 {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(g.name, theme.heading)));
        for _ in &g.rows {
            let (keys, desc) = entries[i];
            let parts = if unfold[i] {
                wrapped[i].clone()
            } else {
                vec![theme.fit(desc, dw)]
            };
            for (j, part) in parts.into_iter().enumerate() {
                let key = if j == 0 { keys } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(theme.pad(key, kw), theme.key),
                    Span::raw("  "),
                    Span::styled(part, theme.text),
                ]));
            }
            i += 1;
        }
    }
    (lines, cuts)
}

/// Breaks a list of items separated by two spaces into lines of at most
/// `cells` cells, never inside an item (unless an item alone is too long).
fn wrap_items(s: &str, cells: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for item in s.split("  ").map(str::trim).filter(|i| !i.is_empty()) {
        if !line.is_empty() && width(&line) + 2 + width(item) <= cells {
            line.push_str("  ");
            line.push_str(item);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width(item) <= cells {
            line = item.to_string();
        } else {
            lines.extend(wrap(item, cells));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Two help columns side by side, `gap` cells apart.
fn side_by_side(
    left: Vec<Line<'static>>,
    right: Vec<Line<'static>>,
    left_w: usize,
    gap: usize,
) -> Vec<Line<'static>> {
    let n = left.len().max(right.len());
    let mut out = Vec::with_capacity(n);
    let mut left = left.into_iter();
    let mut right = right.into_iter();
    for _ in 0..n {
        let l = left.next().unwrap_or_default();
        let lw: usize = l.spans.iter().map(|s| width(&s.content)).sum();
        let mut spans = l.spans;
        spans.push(Span::raw(" ".repeat(left_w.saturating_sub(lw) + gap)));
        if let Some(r) = right.next() {
            spans.extend(r.spans);
        }
        out.push(Line::from(spans));
    }
    out
}

fn help(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    const GAP: usize = 3;
    let rows = state.keymap.help_rows_for(state.model.status.team_view.on);
    // The lists' commands in columns; every other mode's keys as one
    // wrapped line each below them.
    let (list_rows, mode_rows): (Vec<HelpRow>, Vec<HelpRow>) = rows
        .into_iter()
        .partition(|r| matches!(r.command.mode(), KeyMode::Normal | KeyMode::Any));
    let modes = mode_lines(&mode_rows, theme);
    let groups = groups(&list_rows, theme);
    let all: Vec<&Group> = groups.iter().collect();
    let natural = |gs: &[&Group]| {
        let kw = gs
            .iter()
            .flat_map(|g| g.rows.iter().map(|(k, _)| width(k)))
            .max()
            .unwrap_or(1);
        let dw = gs
            .iter()
            .flat_map(|g| g.rows.iter().map(|(_, d)| width(d)))
            .max()
            .unwrap_or(1);
        kw + 2 + dw
    };
    let height = |gs: &[&Group]| {
        (gs.iter().map(|g| 1 + g.rows.len()).sum::<usize>() + gs.len()).saturating_sub(1)
    };
    let mut commands = crate::app::command::colon_commands_line();
    if state.model.status.team_view.on {
        commands.push_str("  :who");
    }
    let commands = theme.own_text(&commands);
    // Inside the border: one cell of padding left and right.
    let max_inner_w = usize::from(area.width).saturating_sub(4).max(1);
    let max_inner_h = usize::from(area.height).saturating_sub(2);
    let footer = |w: usize| {
        let w = w.max(1);
        let modes: usize = modes.iter().map(|m| wrap_items(m, w).len()).sum();
        3 + wrap_items(&commands, w).len() + modes
    };

    // Columns never wrap: two side by side only where both fit whole (the
    // split with the shorter taller column wins), else one column, its
    // descriptions cut if the screen is narrower than they are. The help
    // scrolls when it is taller than the screen.
    let single_w = natural(&all).min(max_inner_w);
    let two = (1..all.len())
        .map(|k| all.split_at(k))
        .filter(|(l, r)| natural(l) + GAP + natural(r) <= max_inner_w)
        .min_by_key(|(l, r)| height(l).max(height(r)));
    let (inner_w, body) = match two {
        Some((l, r)) if height(&all) + footer(single_w) > max_inner_h => {
            let (lw, rw) = (natural(l), natural(r));
            let (ll, _) = help_column(l, lw, 0, theme);
            let (rl, _) = help_column(r, rw, 0, theme);
            (lw + GAP + rw, side_by_side(ll, rl, lw, GAP))
        }
        _ => (single_w, help_column(&all, single_w, 0, theme).0),
    };
    let mut lines = body;
    lines.extend(help_tail(&modes, &commands, inner_w, theme));
    let h = (lines.len() + 2).min(usize::from(area.height)) as u16;
    let w = (inner_w + 4) as u16;
    let rect = centered(area, w, h);
    frame.render_widget(Clear, rect);
    // Taller than the screen: it scrolls (j/k, PgUp/PgDn), and says where.
    let visible = usize::from(h.saturating_sub(2));
    let overflow = lines.len().saturating_sub(visible);
    let scroll = usize::from(state.views.help.scroll).min(overflow);
    let footer = if overflow > 0 {
        format!(
            " {}-{} of {} · j/k g/G scroll · q closes ",
            scroll + 1,
            scroll + visible,
            lines.len()
        )
    } else {
        " q, Esc or ? closes ".to_string()
    };
    let block = theme
        .overlay_block(Line::from(" Help "))
        .title_bottom(Line::from(Span::styled(footer, theme.dim)).right_aligned())
        .padding(ratatui::widgets::Padding::horizontal(1));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Below the lists' columns: every other mode's keys, the `:` commands and
/// the legend of marks, wrapped (or cut) to `inner_w`.
fn help_tail(
    modes: &[String],
    commands: &str,
    inner_w: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    lines.push(Line::default());
    for m in modes {
        for (i, l) in wrap_items(m, inner_w).into_iter().enumerate() {
            // The mode's name leads its first line.
            match l.split_once("  ").filter(|_| i == 0) {
                Some((title, rest)) => lines.push(Line::from(vec![
                    Span::styled(title.to_string(), theme.heading),
                    Span::styled(format!("  {rest}"), theme.text),
                ])),
                None => lines.push(Line::from(Span::styled(l, theme.text))),
            }
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Commands", theme.heading)));
    for l in wrap_items(commands, inner_w) {
        lines.push(Line::from(Span::styled(l, theme.text)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "What the marks mean",
        theme.heading,
    )));
    lines.extend(legend(theme, inner_w));
    lines
}

/// The help's last rows: every mark and short form the screen uses, one a
/// row, cut (never wrapped) to `cells`.
fn legend(theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let g = |glyph| theme.glyph(glyph).to_string();
    let differs = g(Glyph::Differs);
    let rows: Vec<(String, String)> = vec![
        (
            g(Glyph::Primary),
            "roster: the primary agent; status bar: online".into(),
        ),
        (g(Glyph::Consultant), "roster: a consultant (warm)".into()),
        (
            g(Glyph::Listed),
            "listed by Kore as a participant, not entered".into(),
        ),
        (
            g(Glyph::AlertWarn),
            "a wait or queue past its warn threshold".into(),
        ),
        (
            g(Glyph::AlertCritical),
            "past the critical threshold".into(),
        ),
        (
            format!("3{differs}1"),
            format!("Kore counts 3, the conversation list 1 ({differs} marks the row)"),
        ),
        (
            "3/0/0/1".into(),
            "queue's agents: available/busy/away/offline".into(),
        ),
        (
            "14/14 3s".into(),
            "conversations read/Kore's total, oldest read 3 s ago".into(),
        ),
        ("chat 1/5".into(), "an agent's chats now/capacity".into()),
        (
            "full".into(),
            "picker: no room on the conversation's channel".into(),
        ),
        (
            "changed".into(),
            "picker: presence or load changed since it opened".into(),
        ),
    ];
    let kw = rows.iter().map(|(k, _)| width(k)).max().unwrap_or(1);
    let dw = cells.saturating_sub(kw + 2).max(1);
    rows.into_iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(theme.pad(&k, kw), theme.key),
                Span::raw("  "),
                Span::styled(theme.fit(&theme.own_text(&d), dw), theme.text),
            ])
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Agent picker
// ---------------------------------------------------------------------------

/// The most choices shown at once.
const PICKER_ROWS: usize = 10;
/// Agent names are cut here.
const MAX_NAME: usize = 24;

/// The agent picker's columns: those of the agents pane without HOLDS,
/// then the notes `full` (no room on the conversation's channel) and
/// `changed` (since the picker opened), which give way first.
const PICKER_COLUMNS: [Column; 6] = agent_columns(col("NOTE", 4, 12, 30, false));

fn picker(state: &State, p: &Picker, frame: &mut Frame, area: Rect, theme: &Theme) {
    if crate::app::queries::picker_queue_query(p).is_some() {
        return queue_picker(state, p, frame, area, theme);
    }
    let choices = state.picker_choices();
    let (chat_w, voice_w) = loads(&choices, false);
    let name_max = choices
        .iter()
        .map(|a| width(&clean(&a.name, 200)))
        .max()
        .unwrap_or(0)
        .min(MAX_NAME);
    let channel = state.picker_channel();
    // What came since the picker opened, and who has no room on the
    // conversation's channel: a note after the loads.
    let note = |a: &crate::app::state::Agent| {
        let mut n = Vec::new();
        if !a.has_room(channel) {
            n.push("full");
        }
        if state.picker_changed(a) {
            n.push("changed");
        }
        n.join(" ")
    };
    let note_w = choices.iter().map(|a| width(&note(a))).max().unwrap_or(0);
    let note_w = if note_w > 0 { note_w + 2 } else { 0 };
    // Border, marker, name, presence, time in status, loads, notes and
    // a margin.
    let want = 2 + 3 + name_max + 2 + 9 + 2 + 5 + 2 + chat_w + 2 + voice_w + note_w + 1;
    let w = (want.max(44) as u16).min(area.width.saturating_sub(4));
    let rows = choices.len().clamp(1, PICKER_ROWS);
    let h = (rows + 5) as u16;
    let rect = centered(area, w, h.min(area.height));
    frame.render_widget(Clear, rect);
    let title = format!(
        " {} {} {} ",
        p.purpose.pick_title(),
        theme.glyph(Glyph::Dot),
        theme.fit(&clean(&p.conversation, 200), 24)
    );
    let count = if p.purpose == crate::domain::Verb::Assign && !state.model.queues.is_empty() {
        format!(
            " {} of {} {} q: for queues ",
            choices.len(),
            state.model.agents.len(),
            theme.glyph(Glyph::Dot)
        )
    } else {
        format!(" {} of {} ", choices.len(), state.model.agents.len())
    };
    let Some((inner, _, mut lines)) = picker_box(frame, rect, title, count, p, theme) else {
        return;
    };

    if choices.is_empty() {
        lines.push(Line::from(Span::styled(" no agent matches", theme.dim)));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let selected = p.selected.min(choices.len() - 1);
    let body = usize::from(inner.height).saturating_sub(2);
    let offset = table::offset(Some(selected), choices.len(), body);
    let rows = choices
        .iter()
        .enumerate()
        .skip(offset)
        .take(table::body_rows(body))
        .map(|(i, a)| {
            let mut cells = agent_cells(a, state, theme);
            cells.push(Cell::new(note(a), theme.warn));
            Row {
                lead: picker_lead(i == selected, theme),
                cells,
            }
        })
        .collect();
    picker_table(
        frame,
        inner,
        lines,
        &PICKER_COLUMNS,
        rows,
        offset,
        selected,
        theme,
    );
}

/// The selection marker before a picker's row.
fn picker_lead(selected: bool, theme: &Theme) -> Vec<Cell> {
    let marker = if selected {
        theme.glyph(Glyph::Selected)
    } else {
        " "
    };
    vec![Cell::new(format!(" {} ", theme.pad(marker, 1)), theme.text)]
}

/// A picker's input line and rule (`head`), then its choices drawn with
/// the table under a header.
#[allow(clippy::too_many_arguments)]
fn picker_table(
    frame: &mut Frame,
    inner: Rect,
    head: Vec<Line<'static>>,
    columns: &[Column],
    rows: Vec<Row>,
    offset: usize,
    selected: usize,
    theme: &Theme,
) {
    frame.render_widget(Paragraph::new(head), inner);
    let body = Rect {
        y: inner.y + 2.min(inner.height),
        height: inner.height.saturating_sub(2),
        ..inner
    };
    Table {
        columns,
        rows,
        offset,
        selected: Some(selected),
        selected_style: theme.selected,
        lead: 3,
        sorted: None,
    }
    .draw(frame, body, theme);
}

/// The picker with `q:` typed: the queues, fewest waiting first, with
/// their waiting count, longest wait and free agents.
fn queue_picker(state: &State, p: &Picker, frame: &mut Frame, area: Rect, theme: &Theme) {
    let choices = state.picker_queue_choices();
    let name_max = choices
        .iter()
        .map(|q| width(&clean(&q.name, 200)))
        .max()
        .unwrap_or(0)
        .min(MAX_NAME);
    // Waiting, longest and free, with their gaps.
    let fig_w = 7 + 2 + 7 + 2 + 4;
    let want = 2 + 3 + name_max + 2 + fig_w + 1;
    let w = (want.max(44) as u16).min(area.width.saturating_sub(4));
    let rows = choices.len().clamp(1, PICKER_ROWS);
    let h = (rows + 5) as u16;
    let rect = centered(area, w, h.min(area.height));
    frame.render_widget(Clear, rect);
    let title = format!(
        " Assign to a queue {} {} ",
        theme.glyph(Glyph::Dot),
        theme.fit(&clean(&p.conversation, 200), 24)
    );
    let count = format!(
        " {} of {} {} erase q: for agents ",
        choices.len(),
        state.model.queues.len(),
        theme.glyph(Glyph::Dot)
    );
    let Some((inner, _, mut lines)) = picker_box(frame, rect, title, count, p, theme) else {
        return;
    };
    if choices.is_empty() {
        let msg = if state.model.queues.is_empty() {
            "no queue listed yet"
        } else {
            "no queue matches"
        };
        lines.push(Line::from(Span::styled(format!(" {msg}"), theme.dim)));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let selected = p.selected.min(choices.len() - 1);
    let body = usize::from(inner.height).saturating_sub(2);
    let offset = table::offset(Some(selected), choices.len(), body);
    let nothing = || theme.glyph(Glyph::Nothing).to_string();
    let rows = choices
        .iter()
        .enumerate()
        .skip(offset)
        .take(table::body_rows(body))
        .map(|(i, q)| Row {
            lead: picker_lead(i == selected, theme),
            cells: vec![
                Cell::new(clean(&q.name, 200), theme.text),
                Cell::new(
                    match q.waiting.value {
                        Some(v) => v.to_string(),
                        None if q.waiting.odd => "?".to_string(),
                        None => nothing(),
                    },
                    theme.dim,
                ),
                Cell::new(
                    q.longest_ms
                        .value
                        .map_or_else(nothing, super::text::duration),
                    theme.dim,
                ),
                Cell::new(
                    q.agents[0].value.map_or_else(nothing, |v| v.to_string()),
                    theme.dim,
                ),
            ],
        })
        .collect();
    let columns = [
        Column::new("QUEUE", 8, MAX_NAME, KEEP),
        Column::new("WAITING", 1, 7, 30).right(),
        Column::new("LONGEST", 5, 7, 20).right(),
        Column::new("FREE", 1, 4, 10).right(),
    ];
    picker_table(frame, inner, lines, &columns, rows, offset, selected, theme);
}

// ---------------------------------------------------------------------------
// New conversation form
// ---------------------------------------------------------------------------

fn new_conversation(form: &NewConversationForm, frame: &mut Frame, area: Rect, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(66);
    let inner_w = usize::from(w.saturating_sub(2));
    let error = form
        .error
        .as_deref()
        .map(|e| {
            wrap(
                &theme.own_text(&clean(e, 500)),
                inner_w.saturating_sub(2).max(1),
            )
        })
        .unwrap_or_default();
    let error_rows = error.len().min(3);
    let h = (2 + 1 + NewConversationForm::LABELS.len() + 1 + error_rows) as u16;
    let rect = centered(area, w, h.min(area.height));
    frame.render_widget(Clear, rect);
    let block = theme.overlay_block(Line::from(" Open a conversation "));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let cells = usize::from(inner.width);
    let label_w = NewConversationForm::LABELS
        .iter()
        .map(|l| width(l))
        .max()
        .unwrap_or(0);
    let field_w = cells.saturating_sub(3 + label_w + 2 + 1);

    let mut lines = vec![Line::default()];
    for (i, label) in NewConversationForm::LABELS.iter().enumerate() {
        let focused = i == form.focus;
        let field = &form.fields[i];
        let marker = if focused {
            theme.glyph(Glyph::Selected)
        } else {
            " "
        };
        let label_style = if focused { theme.key } else { theme.text };
        let mut spans = vec![
            Span::styled(format!(" {} ", theme.pad(marker, 1)), theme.key),
            Span::styled(theme.pad(label, label_w), label_style),
            Span::raw("  "),
        ];
        if focused {
            let (shown, cursor_col) = input_spans(field, field_w, theme);
            let x = inner.x + (3 + label_w + 2 + cursor_col) as u16;
            let y = inner.y + lines.len() as u16;
            if x < inner.x + inner.width && y < inner.y + inner.height {
                frame.set_cursor_position(Position::new(x, y));
            }
            spans.extend(shown);
        } else {
            let value = clean(field.as_str(), 200);
            spans.push(Span::styled(theme.fit(&value, field_w), theme.text));
        }
        lines.push(Line::from(spans));
    }
    if !error.is_empty() {
        lines.push(Line::default());
        for (i, e) in error.iter().take(3).enumerate() {
            let prefix = if i == 0 {
                theme.glyph(Glyph::Fail)
            } else {
                " "
            };
            lines.push(Line::from(Span::styled(
                format!(
                    " {} {e}",
                    theme.pad(prefix, width(theme.glyph(Glyph::Fail)))
                ),
                theme.bad,
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A picker's box: its border with the title and the count, the query
/// line with the cursor, and a rule under it. None when too small to use.
fn picker_box(
    frame: &mut Frame,
    rect: Rect,
    title: String,
    count: String,
    p: &Picker,
    theme: &Theme,
) -> Option<(Rect, usize, Vec<Line<'static>>)> {
    let block = theme
        .overlay_block(Line::from(title))
        .title_bottom(Line::from(Span::styled(count, theme.dim)).right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.width < 4 || inner.height == 0 {
        return None;
    }
    let cells = usize::from(inner.width);
    let (query, cursor_col) = input_spans(&p.query, cells.saturating_sub(4), theme);
    let mut first = vec![Span::styled(" > ", theme.key)];
    first.extend(query);
    let lines = vec![
        Line::from(first),
        Line::from(Span::styled(
            format!(
                " {}",
                theme.glyph(Glyph::Rule).repeat(cells.saturating_sub(2))
            ),
            theme.dim,
        )),
    ];
    let cursor_x = inner.x + 3 + cursor_col as u16;
    if cursor_x < inner.x + inner.width {
        frame.set_cursor_position(Position::new(cursor_x, inner.y));
    }
    Some((inner, cells, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_items_are_never_split() {
        let lines = wrap_items(&crate::app::command::colon_commands_line(), 30);
        assert!(lines.iter().all(|l| width(l) <= 30), "{lines:?}");
        assert!(
            lines.iter().any(|l| l.contains(":filter lang=de")),
            "{lines:?}"
        );
        assert_eq!(wrap_items("a  b  c", 4), vec!["a  b", "c"]);
        assert_eq!(wrap_items("abcdef", 3), vec!["abc", "def"]);
    }
}
