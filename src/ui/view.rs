//! The whole screen: where each pane goes, and the "terminal too small"
//! fallback. `view` reads the State and draws; it changes nothing, awaits
//! nothing and reads no files or clocks (the time shown is `state.now_ms`).
//!
//! ```text
//!  status bar (1 row)
//! ┌ Conversations ─────┐┌ detail: roster + timeline ┐
//! │                    ││                           │
//! └────────────────────┘│                           │
//! ┌ Agents (or Queues) ┐│                           │
//! └────────────────────┘└───────────────────────────┘
//! ┌ Log (full width) ─────────────────────────────────┐
//! └───────────────────────────────────────────────────┘
//!  hints / flash / prompt / input (1 row, up to 3 for long messages)
//! ```
//!
//! Sizes scale with the terminal: the log takes about 30% of the rows
//! between the bars, the agents about 3/8 of the rest of the left column,
//! and the left column about 57% of the width (at most 72 cells, the detail
//! pane gets what is left). At 80x24 that is 8 conversation rows, 4 agent
//! rows, 4 log rows and a 14-row detail pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::theme::Theme;
use super::{agents, conversations, detail, log, overlay, queues, status};
use crate::app::State;
use crate::app::state::Pane;

/// The smallest terminal the console draws in: the bars, three bordered
/// panes with at least one row each on the left and a readable conversation
/// row need this much. Below it only a message is shown.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    pub conversations: Rect,
    pub agents: Rect,
    pub detail: Rect,
    pub log: Rect,
    pub bottom: Rect,
}

/// Splits `area` (at least [`MIN_WIDTH`] x [`MIN_HEIGHT`]) for a bottom bar
/// of `bottom_rows` rows (1 to 3). Extra bottom rows come out of the log, so
/// the lists do not jump when a long message shows.
pub fn layout(area: Rect, bottom_rows: u16) -> Areas {
    let bottom_rows = bottom_rows.clamp(1, 3);
    let middle = area.height.saturating_sub(2);
    let log_base = middle * 3 / 10;
    let mut top = middle - log_base;
    let mut log_h = (middle + 1).saturating_sub(top + bottom_rows);
    if log_h < 3 {
        top = top.saturating_sub(3 - log_h);
        log_h = 3.min(middle.saturating_sub(top));
    }
    let agents_h = (top * 3 / 8).max(3).min(top);
    let conv_h = top - agents_h;
    let left_w = (area.width * 23 / 40).min(72);

    let y0 = area.y;
    let status = Rect::new(area.x, y0, area.width, 1.min(area.height));
    let conversations = Rect::new(area.x, y0 + 1, left_w, conv_h);
    let agents = Rect::new(area.x, y0 + 1 + conv_h, left_w, agents_h);
    let detail = Rect::new(area.x + left_w, y0 + 1, area.width - left_w, top);
    let log = Rect::new(area.x, y0 + 1 + top, area.width, log_h);
    let bottom_y = y0 + 1 + top + log_h;
    let bottom = Rect::new(
        area.x,
        bottom_y,
        area.width,
        (area.y + area.height).saturating_sub(bottom_y),
    );
    Areas {
        status,
        conversations,
        agents,
        detail,
        log,
        bottom,
    }
}

/// The rows inside each pane's border on a `screen` of (columns, rows), as
/// [`view`] lays them out (with a one-row bottom bar): fed back into the
/// State after a resize, for PgUp/PgDn.
pub fn pane_rows(screen: (u16, u16)) -> crate::app::state::PaneRows {
    let w = screen.0.max(MIN_WIDTH);
    let h = screen.1.max(MIN_HEIGHT);
    let a = layout(Rect::new(0, 0, w, h), 1);
    let inner = |r: Rect| r.height.saturating_sub(2);
    crate::app::state::PaneRows {
        // The lists' header rows take one.
        conversations: inner(a.conversations).saturating_sub(1),
        roster: inner(a.detail),
        agents: inner(a.agents).saturating_sub(1),
        log: inner(a.log),
    }
}

/// Draws the whole console for `state`.
pub fn view(state: &State, frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    // The wallboard takes the whole screen and fits itself to any size.
    if state.views.mode == crate::app::state::Mode::Wallboard {
        super::wallboard::draw(state, frame, theme);
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    let bottom = status::bottom_lines(state, theme, area.width);
    let areas = layout(area, bottom.len() as u16);

    status::draw_top(state, frame, areas.status, theme);
    conversations::draw(
        state,
        frame,
        areas.conversations,
        theme,
        state.views.focus == Pane::Conversations,
    );
    if state.views.queues.shown {
        queues::draw(
            state,
            frame,
            areas.agents,
            theme,
            state.views.focus == Pane::Queues,
        );
    } else {
        agents::draw(
            state,
            frame,
            areas.agents,
            theme,
            state.views.focus == Pane::Agents,
        );
    }
    detail::draw(
        state,
        frame,
        areas.detail,
        theme,
        state.views.focus == Pane::Roster,
    );
    log::draw(
        state,
        frame,
        areas.log,
        theme,
        state.views.focus == Pane::Log,
    );
    status::draw_bottom(frame, areas.bottom, bottom);
    overlay::draw(state, frame, area, theme);
}

/// The only thing drawn below the minimum size.
fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "Terminal too small: {}x{}, need at least {MIN_WIDTH}x{MIN_HEIGHT}",
        area.width, area.height
    );
    let lines = super::text::wrap(&text, usize::from(area.width));
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + (area.height - h) / 2;
    let rect = Rect::new(area.x, y, area.width, h);
    frame.render_widget(Clear, area);
    let lines: Vec<Line> = lines.into_iter().map(Line::from).collect();
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.warn)
            .centered()
            .wrap(Wrap { trim: true }),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::widgets::scroll_offset;

    #[test]
    fn the_layout_fills_the_screen_without_overlap() {
        for (w, h) in [(60, 16), (80, 24), (120, 40), (200, 60), (61, 17)] {
            for bottom in 1..=3 {
                let a = layout(Rect::new(0, 0, w, h), bottom);
                let rows = a.status.height + a.conversations.height + a.agents.height;
                assert_eq!(a.conversations.height + a.agents.height, a.detail.height);
                assert_eq!(rows + a.log.height + a.bottom.height, h, "{w}x{h}/{bottom}");
                assert_eq!(a.bottom.height, bottom, "{w}x{h}");
                assert_eq!(a.conversations.width + a.detail.width, w);
                assert!(a.conversations.height >= 3 && a.agents.height >= 3, "{a:?}");
                assert!(a.log.height >= 3, "{w}x{h}: {a:?}");
            }
        }
    }

    #[test]
    fn eighty_by_twenty_four_has_the_documented_sizes() {
        let a = layout(Rect::new(0, 0, 80, 24), 1);
        assert_eq!(a.conversations.height - 2, 8);
        assert_eq!(a.agents.height - 2, 4);
        assert_eq!(a.log.height - 2, 4);
        assert_eq!(a.detail.height - 2, 14);
        let big = layout(Rect::new(0, 0, 120, 40), 1);
        assert!(big.conversations.height > a.conversations.height);
        assert!(big.log.height > a.log.height);
    }

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        assert_eq!(scroll_offset(Some(3), 5, 8), 0);
        assert_eq!(scroll_offset(None, 50, 8), 0);
        for sel in 0..50 {
            let off = scroll_offset(Some(sel), 50, 8);
            assert!(off <= sel && sel < off + 8, "{sel}: {off}");
            assert!(off + 8 <= 50);
        }
        assert_eq!(scroll_offset(Some(99), 50, 8), 42);
    }
}
