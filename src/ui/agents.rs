//! The agent directory: name, presence and load per channel.
//!
//! `Mia Chen   AVAILABLE  chat 2/5  voice 1/1`. When the pane is narrow the
//! loads lose their labels (`2/5 1/1`) before the name is squeezed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{clean, width};
use super::theme::{Glyph, Theme};
use super::widgets::{scroll_offset, uniform};
use crate::app::State;
use crate::app::state::{Agent, Load};

const MIN_NAME: usize = 10;
/// Names are cut here so presence and load stay near them on wide panes.
const MAX_NAME: usize = 24;
const PRESENCE: usize = 9;
/// Time in status: `≥3h05` at most.
const SINCE: usize = 5;

/// `chat 2/5` (or `2/5` when `short`); empty when the load is unknown.
pub fn load_text(label: &str, load: Option<Load>, short: bool) -> String {
    match load {
        Some(l) if short => format!("{}/{}", l.used, l.total),
        Some(l) => format!("{label} {}/{}", l.used, l.total),
        None => String::new(),
    }
}

/// The two load columns of `agent`, each padded to the widest of `agents`.
pub fn loads(agents: &[&Agent], short: bool) -> (usize, usize) {
    let chat = agents
        .iter()
        .map(|a| width(&load_text("chat", a.chat, short)))
        .max()
        .unwrap_or(0);
    let voice = agents
        .iter()
        .map(|a| width(&load_text("voice", a.voice, short)))
        .max()
        .unwrap_or(0);
    (chat, voice)
}

fn title(state: &State, shown: usize, theme: &Theme) -> Line<'static> {
    let by = if state.agents_by_time {
        " by time in status"
    } else {
        ""
    };
    if state.agent_filter.trim().is_empty() {
        Line::from(format!(" Agents {shown}{by} "))
    } else {
        Line::from(format!(
            " Agents {shown}/{} {} filter: {} ",
            state.agents.len(),
            theme.glyph(Glyph::Rule),
            theme.fit(&clean(&state.agent_filter, 200), 16)
        ))
    }
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let rows = state.visible_agents();
    let block = theme.block(title(state, rows.len(), theme), None, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let full = usize::from(inner.width);
    let cells = full.saturating_sub(1);
    let height = usize::from(inner.height);

    if rows.is_empty() {
        let msg = if state.agents.is_empty() {
            theme.own_text("no agents listed yet (polling…)")
        } else {
            format!(
                "no match for filter \"{}\"",
                theme.fit(&clean(&state.agent_filter, 200), 20)
            )
        };
        let line = Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }

    let gap = if cells >= 56 { 2 } else { 1 };
    // Long load labels when they leave the name room, else short, else none.
    let layouts = [(false, true), (true, true), (true, false)];
    let (mut short, mut show_loads) = (true, false);
    let (mut chat_w, mut voice_w) = (0, 0);
    let since_w = since_width(cells, gap);
    for (s, show) in layouts {
        let (c, v) = if show { loads(&rows, s) } else { (0, 0) };
        let used = 1 + PRESENCE + since_w + gap + col(c, gap) + col(v, gap);
        (short, show_loads, chat_w, voice_w) = (s, show, c, v);
        if used + MIN_NAME <= cells {
            break;
        }
    }
    // Names take what the longest needs (room left goes to what the agents
    // hold).
    let longest = rows
        .iter()
        .map(|a| width(&a.name))
        .max()
        .unwrap_or(0)
        .max(MIN_NAME);
    let name_w = cells
        .saturating_sub(1 + PRESENCE + since_w + gap + col(chat_w, gap) + col(voice_w, gap))
        .min(MAX_NAME)
        .min(longest);

    // What each agent holds now, in the room the other columns leave.
    let taken = 1 + name_w + PRESENCE + since_w + gap + col(chat_w, gap) + col(voice_w, gap);
    let holds_w = cells.saturating_sub(taken + gap);
    let holds = (holds_w >= 6).then(|| state.summary());
    let selected = focused.then_some(state.agent_cursor);
    let offset = scroll_offset(selected, rows.len(), height);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, a)| {
            let g = " ".repeat(gap);
            let mut spans = vec![
                Span::raw(" "),
                Span::styled(theme.pad(&clean(&a.name, 200), name_w), theme.text),
                Span::raw(g.clone()),
                Span::styled(
                    theme.pad(a.presence.label(), PRESENCE),
                    theme.presence(a.presence),
                ),
            ];
            if since_w > 0 {
                let since = state.time_in_status_text(&a.id);
                spans.push(Span::styled(
                    format!(" {}", theme.pad(&since, SINCE)),
                    theme.dim,
                ));
            }
            if show_loads {
                for (label, load, w) in [("chat", a.chat, chat_w), ("voice", a.voice, voice_w)] {
                    if w > 0 {
                        let style = match load {
                            Some(l) if l.total > 0 && l.used >= l.total => theme.warn,
                            _ => theme.dim,
                        };
                        spans.push(Span::raw(g.clone()));
                        spans.push(Span::styled(
                            theme.pad(&load_text(label, load, short), w),
                            style,
                        ));
                    }
                }
            }
            if let Some(sum) = &holds {
                let ids = sum.holds.get(&a.id).map(Vec::as_slice).unwrap_or_default();
                spans.push(Span::raw(g.clone()));
                spans.push(Span::styled(
                    theme.pad(&holds_text(ids, holds_w), holds_w),
                    theme.dim,
                ));
            }
            if Some(i) == selected {
                uniform(spans, theme.selected, full)
            } else {
                Line::from(spans)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The conversations an agent holds, as many ids as fit in `w` cells,
/// then how many more (`c-1042 c-1044 +3`); empty when none.
pub fn holds_text(ids: &[String], w: usize) -> String {
    let mut out = String::new();
    for (i, id) in ids.iter().enumerate() {
        let more = ids.len() - i - 1;
        let tail = if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        };
        let sep = usize::from(!out.is_empty());
        let fits = width(&out) + sep + width(id) + width(&tail) <= w;
        if !fits {
            let rest = format!("+{}", ids.len() - i);
            if out.is_empty() {
                return rest;
            }
            return format!("{out} {rest}");
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(id);
    }
    out
}

/// Time in status goes with the presence whenever the name keeps room.
fn since_width(cells: usize, gap: usize) -> usize {
    if cells >= 1 + PRESENCE + gap + 1 + SINCE + MIN_NAME {
        1 + SINCE
    } else {
        0
    }
}

/// Cells of a column of width `w` with its gap (none when the column is empty).
fn col(w: usize, gap: usize) -> usize {
    if w == 0 { 0 } else { w + gap }
}

#[cfg(test)]
mod holds_tests {
    use super::holds_text;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c-10{i}")).collect()
    }

    #[test]
    fn holds_show_the_ids_that_fit_then_how_many_more() {
        assert_eq!(holds_text(&[], 20), "");
        assert_eq!(holds_text(&ids(1), 20), "c-100");
        assert_eq!(holds_text(&ids(2), 20), "c-100 c-101");
        assert_eq!(holds_text(&ids(4), 14), "c-100 c-101 +2");
        assert_eq!(holds_text(&ids(4), 13), "c-100 +3");
        assert_eq!(holds_text(&ids(3), 4), "+3");
        for w in 0..30 {
            let t = holds_text(&ids(5), w);
            assert!(t.chars().count() <= w.max(2), "{w}: {t}");
        }
    }
}
