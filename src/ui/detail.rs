//! The detail pane of the selected conversation: who is in it (the roster,
//! or the agents the API lists when the console has seen nobody enter),
//! then (after Enter) Kore's details of it (`kore_details`), then the
//! timeline of what the console sent and what became of it.
//!
//! ```text
//!  ● Mia Chen     primary     since 04:10
//!  ◐ Raj Patel    consultant  since 00:32
//!  Timeline
//!  14:00:10 NA entry Mia Chen         ✓ 200 41 ms
//!  14:03:20 WARM entry Raj Patel      ✗ 400
//!           agent is already in the conversation
//! ```
//!
//! Results sit at the right edge; a failure's message goes on the line
//! below when it does not fit beside the event. The timeline shows its
//! latest lines, as many as the pane has room for.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::conversations::age;
use super::keymap::Command;
use super::text::{clean, clock, duration, width};
use super::theme::{Glyph, Theme};
use super::widgets::{scroll_offset, uniform};
use crate::app::State;
use crate::app::state::{AssignState, Conversation, Delivery, TimelineItem};
use crate::domain::{Handover, Merged, Phase, Role, Source};
use crate::kore::wire::FailReason;

/// Below this inner width, results and roster rows use their short forms.
const WIDE: usize = 44;
/// Roster names are cut here so role and time stay near them on wide panes.
const MAX_NAME: usize = 24;

/// The pane's title: id, channel, language and age on the left, the state
/// on the right when both fit in `cells` (the pane's outer width).
fn title(
    c: Option<&Conversation>,
    state: &State,
    cells: usize,
    theme: &Theme,
) -> (Line<'static>, Option<Line<'static>>) {
    let Some(c) = c else {
        return (Line::from(" Roster "), None);
    };
    let dot = theme.glyph(Glyph::Dot);
    let room = cells.saturating_sub(2);
    let left = format!(
        " {} {dot} {} {dot} {} {dot} {} ",
        theme.fit(&clean(&c.id, 200), 24),
        c.channel.as_str(),
        theme.fit(&clean(&c.language, 40), 8),
        age(c, state.now_ms, theme)
    );
    let left = theme.fit(&left, room);
    let conv_state = c.state();
    let right = format!(" {} ", theme.fit(&clean(conv_state.label(), 40), 12));
    let right = (width(&left) + 1 + width(&right) <= room)
        .then(|| Line::from(Span::styled(right, theme.conv_state(&conv_state))));
    (Line::from(left), right)
}

/// What became of one timeline item: a glyph, a few words (`200 41 ms`,
/// `queued`, `awaiting callback`), an optional message (a server's
/// reason) and the style.
pub struct Outcome {
    pub glyph: Glyph,
    pub word: String,
    pub detail: Option<String>,
    pub style: Style,
}

fn outcome(glyph: Glyph, word: impl Into<String>, style: Style) -> Outcome {
    Outcome {
        glyph,
        word: word.into(),
        detail: None,
        style,
    }
}

fn message(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| clean(s, 500))
}

/// A failure's typed reason in words, then Kore's own message.
fn reasoned(reason: &FailReason, s: &str) -> Option<String> {
    if *reason == FailReason::Other {
        return message(s);
    }
    let label = clean(&reason.label(), 200);
    Some(match message(s) {
        Some(m) => format!("{label} · {m}"),
        None => label,
    })
}

/// The outcome of a hooks request.
pub fn delivery_outcome(d: &Delivery, theme: &Theme) -> Outcome {
    match d {
        Delivery::Queued => outcome(Glyph::Queued, "queued", theme.dim),
        Delivery::Sending => outcome(Glyph::Sending, "sending", theme.busy),
        Delivery::Retrying { attempt, error } => Outcome {
            detail: message(error),
            ..outcome(Glyph::Retrying, format!("retrying ({attempt})"), theme.warn)
        },
        Delivery::Delivered {
            status,
            latency_ms,
            attempt,
            maybe_arrived,
        } => match crate::app::update::may_also_have_arrived(maybe_arrived) {
            // Delivered, but an earlier try may have been applied too.
            Some(also) => Outcome {
                detail: Some(also),
                ..outcome(
                    Glyph::Ok,
                    format!(
                        "{status} {latency_ms} ms, {} on try {attempt};",
                        crate::app::update::DELIVERED_MAYBE_TWICE
                    ),
                    theme.warn,
                )
            },
            None if *attempt > 1 => outcome(
                Glyph::Ok,
                format!("{status} {latency_ms} ms (try {attempt})"),
                theme.good,
            ),
            None => outcome(Glyph::Ok, format!("{status} {latency_ms} ms"), theme.good),
        },
        Delivery::Failed {
            status,
            message: m,
            reason,
        } => Outcome {
            detail: reasoned(reason, m),
            ..outcome(
                Glyph::Fail,
                status.map_or("failed".to_string(), |s| s.to_string()),
                theme.bad,
            )
        },
        Delivery::Held => outcome(Glyph::Held, "held", theme.warn),
        Delivery::Dropped => outcome(Glyph::Dropped, "dropped", theme.dim),
        Delivery::Unknown => outcome(Glyph::Unknown, "unknown", theme.bad),
        Delivery::Superseded {
            status,
            message: m,
            reason,
        } => Outcome {
            detail: reasoned(reason, m),
            ..outcome(
                Glyph::Fail,
                status.map_or("failed".to_string(), |s| format!("{s}, passed")),
                theme.bad,
            )
        },
    }
}

/// The outcome of an assign request.
pub fn assign_outcome(a: &AssignState, theme: &Theme) -> Outcome {
    match a {
        AssignState::Queued => outcome(Glyph::Queued, "queued", theme.dim),
        AssignState::Sending => outcome(Glyph::Sending, "sending", theme.busy),
        AssignState::AwaitingCallback { .. } => {
            outcome(Glyph::Awaiting, "awaiting callback", theme.warn)
        }
        AssignState::Rejected { message: m, reason } => Outcome {
            detail: reasoned(reason, m),
            ..outcome(Glyph::Fail, "rejected", theme.bad)
        },
        AssignState::Transferred => outcome(Glyph::Ok, "transferred", theme.good),
        AssignState::CallbackFailed { reason, why } => Outcome {
            detail: reasoned(why, reason),
            ..outcome(Glyph::Fail, "failed:", theme.bad)
        },
        AssignState::Unclear { reason } => Outcome {
            detail: message(reason),
            ..outcome(Glyph::Unknown, "callback not understood:", theme.bad)
        },
        AssignState::TimedOut => outcome(Glyph::Fail, "timed out", theme.bad),
        AssignState::Unknown => outcome(Glyph::Unknown, "unknown", theme.bad),
        AssignState::CallbackLost => outcome(Glyph::Fail, "no callback (restarted)", theme.bad),
    }
}

/// The line (or two) of one timeline item, `cells` wide.
///
/// Wide panes put the outcome at the right edge, as in
/// `14:00:10 NA entry Mia Chen      ✓ 200 41 ms`. Narrow panes lead with
/// the outcome's glyph so the event keeps its room
/// (`14:00:10 ✓ NA entry Mia Chen`), and add the words at the right only
/// when they fit. A failure's words and message go on the next line when
/// they do not fit beside the event.
fn item_lines(item: &TimelineItem, cells: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (at_ms, text, outcome) = match item {
        TimelineItem::Event {
            at_ms,
            text,
            delivery,
            ..
        } => (*at_ms, text, Some(delivery_outcome(delivery, theme))),
        TimelineItem::Assign {
            at_ms, text, state, ..
        } => (*at_ms, text, Some(assign_outcome(state, theme))),
        TimelineItem::Note { at_ms, text } => (*at_ms, text, None),
    };
    let text = theme.own_text(&clean(text, 300));
    // " HH:MM:SS " before the text.
    let rest = cells.saturating_sub(10);
    let time = Span::styled(format!(" {} ", clock(at_ms)), theme.dim);
    let Some(o) = outcome else {
        return vec![Line::from(vec![
            time,
            Span::styled(theme.fit(&text, rest), theme.dim),
        ])];
    };
    let glyph = theme.glyph(o.glyph);
    let with_detail = o.detail.as_ref().map(|d| format!("{} {d}", o.word));
    let mut below = None;

    let mut spans = vec![time];
    if cells >= WIDE {
        let head = format!("{glyph} {}", o.word);
        let want_text = width(&text).min(16);
        let result = match (&o.detail, &with_detail) {
            (Some(d), Some(full)) => {
                if width(glyph) + 1 + width(full) + 1 + want_text <= rest {
                    format!("{glyph} {full}")
                } else {
                    below = Some(d.clone());
                    head
                }
            }
            _ => head,
        };
        let result = theme.fit(&theme.own_text(&result), rest);
        let text_w = rest.saturating_sub(width(&result) + 1);
        spans.push(Span::styled(theme.pad(&text, text_w), theme.text));
        spans.push(Span::raw(if text_w > 0 { " " } else { "" }));
        spans.push(Span::styled(result, o.style));
    } else {
        let gw = width(glyph);
        let room = rest.saturating_sub(gw + 1);
        let text = theme.fit(&text, room);
        let free = room - width(&text);
        let word = with_detail.clone().unwrap_or_else(|| o.word.clone());
        spans.push(Span::styled(format!("{glyph} "), o.style));
        spans.push(Span::styled(text, theme.text));
        if width(&word) < free {
            spans.push(Span::raw(" ".repeat(free - width(&word))));
            spans.push(Span::styled(word, o.style));
        } else if o.detail.is_some() || matches!(o.glyph, Glyph::Fail | Glyph::Unknown) {
            // What went wrong is worth a line of its own.
            below = Some(word);
        } else if width(&o.word) < free {
            spans.push(Span::raw(" ".repeat(free - width(&o.word))));
            spans.push(Span::styled(o.word.clone(), o.style));
        }
    }
    let mut lines = vec![Line::from(spans)];
    if let Some(d) = below {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(10)),
            Span::styled(theme.fit(&d, rest), o.style),
        ]));
    }
    lines
}

/// The lines above the timeline: the detail line, the roster (or the API's
/// agents, or why nobody is there) and an unfinished cold transfer. Also
/// returns which of them is the roster cursor's row.
fn head_lines(
    c: &Conversation,
    state: &State,
    cells: usize,
    full: usize,
    focused: bool,
    theme: &Theme,
) -> (Vec<Line<'static>>, Option<usize>) {
    let mut lines = Vec::new();
    let mut cursor_row = None;

    if state.views.detail.open {
        lines.extend(facts_line(c, state, cells, theme));
    }

    let merged = c.merged();
    let members = merged.roster.members();
    let (rows, cursor) = member_lines(&merged, state, cells, full, focused, theme);
    if let Some(r) = cursor {
        cursor_row = Some(lines.len() + r);
    }
    lines.extend(rows);

    for d in &merged.disagreements {
        let msg = format!("{} {}", theme.glyph(Glyph::Differs), d.describe());
        for row in crate::ui::text::wrap(&clean(&msg, 300), cells.saturating_sub(1).max(1)) {
            lines.push(Line::from(Span::styled(format!(" {row}"), theme.warn)));
        }
    }

    if let Some(h) = merged.roster.handover() {
        let from = clean(h.from().label(), 100);
        let msg = match h {
            Handover::Entry { .. } => format!("cold transfer: {from} left, next agent to enter"),
            Handover::Exit { .. } => format!("cold transfer: waiting for {from} to leave"),
        };
        lines.push(Line::from(Span::styled(
            format!(" {}", theme.fit(&msg, cells.saturating_sub(1))),
            theme.warn,
        )));
    }

    if let Some(why) = &c.journal_hold {
        let msg = format!(
            "{} held by the journal: {}",
            theme.glyph(Glyph::Unknown),
            clean(why, 300)
        );
        for row in crate::ui::text::wrap(&msg, cells.saturating_sub(1).max(1)) {
            lines.push(Line::from(Span::styled(format!(" {row}"), theme.bad)));
        }
    }

    if members.is_empty() && merged.roster.handover().is_none() {
        if !c.api_agents.is_empty() && !c.driven() {
            let note = "not entered";
            let name_w = cells.saturating_sub(1 + 2 + 1 + width(note));
            for a in &c.api_agents {
                lines.push(Line::from(vec![
                    Span::raw(" "),
                    Span::styled(theme.pad(theme.glyph(Glyph::Listed), 1), theme.dim),
                    Span::raw(" "),
                    Span::styled(theme.pad(&clean(a, 200), name_w), theme.text),
                    Span::styled(note, theme.dim),
                ]));
            }
        } else {
            let why = match merged.roster.phase() {
                Phase::Waiting => "no agent has entered yet",
                Phase::Active => "nobody is in the conversation",
                Phase::Vacated => "every agent has left",
                Phase::Summarized => "every agent has left; summary triggered",
                Phase::Ended => "the conversation has ended",
            };
            lines.push(Line::from(Span::styled(
                format!(" {}", theme.fit(why, cells.saturating_sub(1))),
                theme.dim,
            )));
        }
    }
    (lines, cursor_row)
}

/// The conversation's facts on one line (session, API status, who it was
/// assigned to, opened by hand), when the detail is open.
fn facts_line(
    c: &Conversation,
    state: &State,
    cells: usize,
    theme: &Theme,
) -> Option<Line<'static>> {
    let dot = format!(" {} ", theme.glyph(Glyph::Dot));
    let mut parts = Vec::new();
    if let Some(s) = &c.bot_session_id {
        parts.push(format!("session {}", theme.fit(&clean(s, 200), 24)));
    }
    if let Some(s) = &c.api_status {
        parts.push(format!("API {}", clean(s, 40)));
    }
    if let Some(a) = &c.assigned_agent {
        let name = state
            .model
            .agents
            .iter()
            .find(|x| &x.id == a)
            .map_or(a.as_str(), |x| x.name.as_str());
        parts.push(format!("assigned {}", clean(name, 100)));
    }
    if c.manual {
        parts.push("opened by hand".to_string());
    }
    (!parts.is_empty()).then(|| {
        Line::from(Span::styled(
            format!(" {}", theme.fit(&parts.join(&dot), cells.saturating_sub(1))),
            theme.dim,
        ))
    })
}

/// The merged roster's members, one row each (role, name, where the
/// console knows them from, since when), and the row of the cursor.
fn member_lines(
    merged: &Merged,
    state: &State,
    cells: usize,
    full: usize,
    focused: bool,
    theme: &Theme,
) -> (Vec<Line<'static>>, Option<usize>) {
    let wide = cells >= WIDE;
    let since_w = if wide { 11 } else { 5 };
    // The glyph already tells primary from consultant, so on a very narrow
    // pane the role's word gives way to the name.
    let show_role = cells.saturating_sub(1 + 2 + 1 + 10 + 1 + since_w) >= 10;
    let role_w = if show_role { 11 } else { 0 };
    // Where the console knows each member from, when there is room.
    let show_source = wide && cells.saturating_sub(1 + 2 + 1 + role_w + since_w + 8) >= 12;
    let source_w = if show_source { 8 } else { 0 };
    let name_w = cells
        .saturating_sub(1 + 2 + 1 + role_w + source_w + since_w)
        .min(MAX_NAME);
    let members = merged.roster.members();
    let mut lines = Vec::new();
    let mut cursor_row = None;
    for (i, m) in members.iter().enumerate() {
        let (glyph, role_style) = match m.role {
            Role::Primary => (Glyph::Primary, theme.good),
            Role::Consultant => (Glyph::Consultant, theme.busy),
        };
        let since = if m.since_ms > 0 {
            duration(state.now_ms - m.since_ms)
        } else {
            theme.glyph(Glyph::Nothing).to_string()
        };
        let since = if wide {
            format!("since {since:>5}")
        } else {
            format!("{since:>5}")
        };
        let spans = vec![
            Span::raw(" "),
            Span::styled(theme.pad(theme.glyph(glyph), 1), role_style),
            Span::raw(" "),
            Span::styled(theme.pad(&clean(m.agent.label(), 200), name_w), theme.text),
            Span::raw(" "),
            Span::styled(
                if show_role {
                    format!("{} ", theme.pad(m.role.as_str(), 10))
                } else {
                    String::new()
                },
                theme.dim,
            ),
            Span::styled(
                match merged.sources.get(i) {
                    Some(src) if show_source => format!("{} ", theme.pad(source_word(*src), 7)),
                    _ => String::new(),
                },
                theme.dim,
            ),
            Span::styled(since, theme.dim),
        ];
        if focused && i == state.views.detail.roster_cursor {
            cursor_row = Some(lines.len());
            lines.push(uniform(spans, theme.selected, full));
        } else {
            lines.push(Line::from(spans));
        }
    }

    (lines, cursor_row)
}

/// Where a roster member is known from, in one short word.
fn source_word(src: Source) -> &'static str {
    match src {
        Source::Kore => "Kore",
        Source::Console => "console",
        Source::Both => "both",
    }
}

/// The hint shown when no conversation is selected, with the live keys.
fn nothing_selected(state: &State, cells: usize, theme: &Theme) -> Vec<Line<'static>> {
    let key = |c: Command| {
        state
            .keymap
            .keys_for(c)
            .first()
            .map(|k| theme.own_text(&k.display()))
            .unwrap_or_default()
    };
    let texts = [
        "No conversation selected.".to_string(),
        format!(
            "select a conversation with {}/{}",
            key(Command::MoveDown),
            key(Command::MoveUp)
        ),
        format!(
            "or press {} to open one by hand",
            key(Command::NewConversation)
        ),
    ];
    texts
        .iter()
        .map(|t| {
            Line::from(Span::styled(
                format!(" {}", theme.fit(t, cells.saturating_sub(1))),
                theme.dim,
            ))
        })
        .collect()
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let conv = state.selected_conversation();
    let (left, right) = title(conv, state, usize::from(area.width), theme);
    let block = theme.block(left, right, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    // One cell is kept free at the right edge; the selection bar still
    // spans the full width.
    let full = usize::from(inner.width);
    let cells = full.saturating_sub(1);
    let height = usize::from(inner.height);

    let Some(c) = conv else {
        frame.render_widget(Paragraph::new(nothing_selected(state, cells, theme)), inner);
        return;
    };

    let timeline: Vec<Line> = c
        .timeline
        .iter()
        .flat_map(|t| item_lines(t, cells, theme))
        .collect();
    let (mut head, cursor_row) = head_lines(c, state, cells, full, focused, theme);
    if state.views.detail.open {
        head.extend(super::kore_details::lines(c, state, cells, theme));
    }

    // The timeline keeps its heading and a few lines even beside a long roster.
    let timeline_min = (1 + timeline.len()).min(4).min(height);
    let head_room = height - timeline_min;
    let head_offset = scroll_offset(cursor_row, head.len(), head_room);
    let mut lines: Vec<Line> = head.into_iter().skip(head_offset).take(head_room).collect();

    let room = height - lines.len();
    if room > 0 {
        let shown = timeline.len().min(room - 1);
        let hidden = timeline.len() - shown;
        let mut heading = vec![Span::styled(" Timeline", theme.heading)];
        if timeline.is_empty() {
            heading.push(Span::styled(
                format!(" {} nothing sent yet", theme.glyph(Glyph::Dot)),
                theme.dim,
            ));
        } else if hidden > 0 {
            heading.push(Span::styled(
                format!(" {} +{hidden} earlier", theme.glyph(Glyph::Dot)),
                theme.dim,
            ));
        }
        lines.push(Line::from(heading));
        lines.extend(timeline.into_iter().skip(hidden));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18.13: the timeline says "delivered, maybe twice", the word
    /// `send` and `send --batch` print, for a delivery after an uncertain try.
    #[test]
    fn a_delivery_after_an_uncertain_try_is_delivered_maybe_twice() {
        let theme = Theme::new(crate::ui::theme::ThemeKind::Dark, false);
        let d = Delivery::Delivered {
            status: 200,
            latency_ms: 4,
            attempt: 3,
            maybe_arrived: vec![1, 2],
        };
        let o = delivery_outcome(&d, &theme);
        assert!(o.word.contains("delivered, maybe twice"), "{}", o.word);
        assert_eq!(o.detail.as_deref(), Some("tries 1–2 may also have arrived"));
        let clean = Delivery::Delivered {
            status: 200,
            latency_ms: 4,
            attempt: 3,
            maybe_arrived: vec![],
        };
        assert!(!delivery_outcome(&clean, &theme).word.contains("maybe"));
    }
}
