//! Colours, modifiers, border sets and glyphs: everything about how the
//! console looks, in one place, so that the panes only ask for a role ("the
//! focused border", "a failed request") and never name a colour or a symbol.
//!
//! Three palettes:
//! - `Dark` and `Light` use only the 16 named ANSI colours, so they follow
//!   whatever palette the terminal has and work on 16-colour terminals.
//! - `Mono` uses no colour at all, only modifiers (bold, reversed, dim,
//!   underlined). It is what `NO_COLOR` gets: some terminals reset modifiers
//!   when a colour changes, so mixing the two is avoided entirely.
//!
//! `ascii` swaps every box-drawing character and glyph for plain ASCII, for
//! fonts and serial consoles that lack them.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::Line;
use ratatui::widgets::Block;

use crate::app::alerts::Level;
use crate::app::state::{ConvState, LogKind, Presence};

/// Which palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeKind {
    Dark,
    Light,
    Mono,
}

/// Every symbol the console draws that is not plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    /// Marks the selected row of a list.
    Selected,
    /// The primary agent of a roster.
    Primary,
    /// A consultant (warm transfer) in a roster.
    Consultant,
    /// An agent the API lists but the console did not see enter.
    Listed,
    /// Log: an outgoing request.
    Out,
    /// Log: a response.
    In,
    /// Log: a callback received.
    Callback,
    /// Log: an error.
    Error,
    /// Log: information.
    Info,
    /// A delivered request or a finished transfer.
    Ok,
    /// A refused or failed request.
    Fail,
    /// Waiting its turn.
    Queued,
    /// On the wire.
    Sending,
    /// Will be tried again.
    Retrying,
    /// Held behind a failed request.
    Held,
    /// Dropped by the supervisor.
    Dropped,
    /// Fate unknown after a crash.
    Unknown,
    /// Waiting for an assign callback.
    Awaiting,
    /// A queue's figure from Kore differs from the conversation list's.
    Differs,
    /// Health: online.
    Online,
    /// Health: connecting.
    Connecting,
    /// Health: degraded.
    Degraded,
    /// Separator between the pieces of the status bar and titles.
    Dot,
    /// Separator inside a border title.
    Rule,
    /// An empty value in a column.
    Nothing,
    /// A conversation with a failed request (conversations list).
    FailedFlag,
    /// A conversation with open requests (conversations list).
    OpenFlag,
    /// Text was cut here.
    Ellipsis,
    /// An arrow inside generated text ("Mia Chen → Raj Patel").
    Arrow,
    /// A wait or a queue past its warning threshold (`[alerts]`).
    AlertWarn,
    /// A wait or a queue past its critical threshold.
    AlertCritical,
    /// A marked conversation (`Space`).
    Marked,
}

/// How the console looks: one style per role, the border sets and whether
/// glyphs are ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub kind: ThemeKind,
    /// Plain ASCII borders and glyphs.
    pub ascii: bool,
    /// Ordinary text.
    pub text: Style,
    /// Secondary text: times, hints, empty-list messages.
    pub dim: Style,
    /// Headings inside a pane ("Timeline", help groups).
    pub heading: Style,
    /// Border and title of a pane without the keyboard.
    pub border: Style,
    /// Border and title of the pane with the keyboard.
    pub border_focused: Style,
    /// Border of an overlay (help, picker, form).
    pub border_overlay: Style,
    /// The selected row of the focused pane.
    pub selected: Style,
    /// The selected row of a pane without the keyboard.
    pub selected_unfocused: Style,
    /// The application name in the status bar.
    pub brand: Style,
    pub good: Style,
    pub warn: Style,
    pub bad: Style,
    /// Something in flight (sending, outgoing log lines).
    pub busy: Style,
    /// The `READ-ONLY` tag.
    pub read_only: Style,
    /// A key in the hint bar and the help.
    pub key: Style,
    /// An informational flash message.
    pub flash_info: Style,
    /// An error flash message.
    pub flash_error: Style,
    /// The confirmation prompt.
    pub confirm: Style,
    /// Text being typed (filter, command line, form fields).
    pub input: Style,
    /// The drawn cursor cell at the end of an input.
    pub cursor: Style,
    pub log_out: Style,
    pub log_in: Style,
    pub log_callback: Style,
    pub log_error: Style,
    pub log_info: Style,
    pub presence_available: Style,
    pub presence_busy: Style,
    pub presence_away: Style,
    pub presence_offline: Style,
    pub state_waiting: Style,
    pub state_active: Style,
    pub state_ending: Style,
    pub state_ended: Style,
    /// A wait or a queue past its warning threshold.
    pub alert_warn: Style,
    /// A wait or a queue past its critical threshold.
    pub alert_critical: Style,
    /// A marked conversation's id.
    pub marked: Style,
}

fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

const BOLD: Modifier = Modifier::BOLD;

impl Theme {
    pub fn new(kind: ThemeKind, ascii: bool) -> Theme {
        match kind {
            ThemeKind::Dark => Theme::dark(ascii),
            ThemeKind::Light => Theme::light(ascii),
            ThemeKind::Mono => Theme::mono(ascii),
        }
    }

    /// The theme the config asks for. `NO_COLOR` (set and not empty, as
    /// <https://no-color.org> says) wins over the config; `auto` is dark,
    /// because most terminals are.
    pub fn from_config(theme: crate::config::Theme, no_color: bool, ascii: bool) -> Theme {
        use crate::config::Theme as Cfg;
        let kind = if no_color {
            ThemeKind::Mono
        } else {
            match theme {
                Cfg::Auto | Cfg::Dark => ThemeKind::Dark,
                Cfg::Light => ThemeKind::Light,
                Cfg::Mono => ThemeKind::Mono,
            }
        };
        Theme::new(kind, ascii)
    }

    fn dark(ascii: bool) -> Theme {
        Theme {
            kind: ThemeKind::Dark,
            ascii,
            text: Style::new(),
            dim: fg(Color::DarkGray),
            heading: fg(Color::Cyan).add_modifier(BOLD),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Cyan).add_modifier(BOLD),
            border_overlay: fg(Color::Cyan).add_modifier(BOLD),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(BOLD),
            selected_unfocused: fg(Color::Cyan).add_modifier(BOLD),
            brand: fg(Color::Cyan).add_modifier(BOLD),
            good: fg(Color::Green),
            warn: fg(Color::Yellow),
            bad: fg(Color::Red).add_modifier(BOLD),
            busy: fg(Color::Cyan),
            read_only: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(BOLD),
            key: fg(Color::Cyan).add_modifier(BOLD),
            flash_info: fg(Color::Green),
            flash_error: fg(Color::Red).add_modifier(BOLD),
            confirm: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(BOLD),
            input: fg(Color::White).add_modifier(BOLD),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            log_out: fg(Color::Cyan),
            log_in: fg(Color::Green),
            log_callback: fg(Color::Magenta),
            log_error: fg(Color::Red).add_modifier(BOLD),
            log_info: fg(Color::DarkGray),
            presence_available: fg(Color::Green),
            presence_busy: fg(Color::Yellow),
            presence_away: fg(Color::Magenta),
            presence_offline: fg(Color::DarkGray),
            state_waiting: fg(Color::Yellow),
            state_active: fg(Color::Green),
            state_ending: fg(Color::Magenta),
            state_ended: fg(Color::DarkGray),
            alert_warn: fg(Color::Yellow).add_modifier(BOLD),
            alert_critical: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(BOLD),
            marked: fg(Color::LightCyan).add_modifier(BOLD),
        }
    }

    /// Like dark, minus the colours that vanish on a light background
    /// (yellow and white text, cyan on white).
    fn light(ascii: bool) -> Theme {
        Theme {
            kind: ThemeKind::Light,
            ascii,
            text: Style::new(),
            dim: fg(Color::DarkGray),
            heading: fg(Color::Blue).add_modifier(BOLD),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Blue).add_modifier(BOLD),
            border_overlay: fg(Color::Blue).add_modifier(BOLD),
            selected: Style::new()
                .fg(Color::White)
                .bg(Color::Blue)
                .add_modifier(BOLD),
            selected_unfocused: fg(Color::Blue).add_modifier(BOLD),
            brand: fg(Color::Blue).add_modifier(BOLD),
            good: fg(Color::Green),
            warn: fg(Color::Magenta),
            bad: fg(Color::Red).add_modifier(BOLD),
            busy: fg(Color::Blue),
            read_only: Style::new()
                .fg(Color::White)
                .bg(Color::Magenta)
                .add_modifier(BOLD),
            key: fg(Color::Blue).add_modifier(BOLD),
            flash_info: fg(Color::Green),
            flash_error: fg(Color::Red).add_modifier(BOLD),
            confirm: Style::new()
                .fg(Color::White)
                .bg(Color::Magenta)
                .add_modifier(BOLD),
            input: fg(Color::Black).add_modifier(BOLD),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            log_out: fg(Color::Blue),
            log_in: fg(Color::Green),
            log_callback: fg(Color::Magenta),
            log_error: fg(Color::Red).add_modifier(BOLD),
            log_info: fg(Color::DarkGray),
            presence_available: fg(Color::Green),
            presence_busy: fg(Color::Magenta),
            presence_away: fg(Color::Blue),
            presence_offline: fg(Color::DarkGray),
            state_waiting: fg(Color::Magenta),
            state_active: fg(Color::Green),
            state_ending: fg(Color::Blue),
            state_ended: fg(Color::DarkGray),
            alert_warn: fg(Color::Magenta).add_modifier(BOLD),
            alert_critical: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(BOLD),
            marked: fg(Color::Blue).add_modifier(BOLD),
        }
    }

    /// No colour anywhere: only modifiers, so every cell keeps the
    /// terminal's own foreground and background.
    fn mono(ascii: bool) -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            kind: ThemeKind::Mono,
            ascii,
            text: plain,
            dim,
            heading: bold.add_modifier(Modifier::UNDERLINED),
            border: plain,
            border_focused: bold,
            border_overlay: bold,
            selected: reversed.add_modifier(BOLD),
            selected_unfocused: bold.add_modifier(Modifier::UNDERLINED),
            brand: bold,
            good: plain,
            warn: bold,
            bad: bold.add_modifier(Modifier::UNDERLINED),
            busy: plain,
            read_only: reversed.add_modifier(BOLD),
            key: bold,
            flash_info: bold,
            flash_error: reversed.add_modifier(BOLD),
            confirm: reversed.add_modifier(BOLD),
            input: bold,
            cursor: reversed,
            log_out: plain,
            log_in: plain,
            log_callback: bold,
            log_error: bold,
            log_info: dim,
            presence_available: bold,
            presence_busy: plain,
            presence_away: plain,
            presence_offline: dim,
            state_waiting: bold,
            state_active: plain,
            state_ending: plain,
            state_ended: dim,
            alert_warn: bold.add_modifier(Modifier::UNDERLINED),
            alert_critical: reversed.add_modifier(BOLD),
            marked: bold.add_modifier(Modifier::ITALIC),
        }
    }

    /// The symbol for `g` in this theme.
    pub fn glyph(&self, g: Glyph) -> &'static str {
        if self.ascii {
            return match g {
                Glyph::Selected => ">",
                Glyph::Primary => "*",
                Glyph::Consultant => "o",
                Glyph::Listed => ".",
                Glyph::Out => "->",
                Glyph::In => "<-",
                Glyph::Callback => "<=",
                Glyph::Error => "!",
                Glyph::Info => "-",
                Glyph::Ok => "ok",
                Glyph::Fail => "x",
                Glyph::Queued => "...",
                Glyph::Sending => "->",
                Glyph::Retrying => "~",
                Glyph::Held => "=",
                Glyph::Dropped => "/",
                Glyph::Unknown => "?",
                Glyph::Awaiting => "...",
                Glyph::Differs => "<>",
                Glyph::Online => "*",
                Glyph::Connecting => "o",
                Glyph::Degraded => "^",
                Glyph::Dot => "-",
                Glyph::Rule => "-",
                Glyph::Nothing => "-",
                Glyph::FailedFlag => "!",
                Glyph::OpenFlag => "+",
                Glyph::Ellipsis => "...",
                Glyph::Arrow => "->",
                Glyph::AlertWarn => "!",
                Glyph::AlertCritical => "!!",
                Glyph::Marked => "#",
            };
        }
        match g {
            Glyph::Selected => "▶",
            Glyph::Primary => "●",
            Glyph::Consultant => "◐",
            Glyph::Listed => "○",
            Glyph::Out => "→",
            Glyph::In => "←",
            Glyph::Callback => "⇠",
            Glyph::Error => "!",
            Glyph::Info => "·",
            Glyph::Ok => "✓",
            Glyph::Fail => "✗",
            Glyph::Queued => "…",
            Glyph::Sending => "→",
            Glyph::Retrying => "↻",
            Glyph::Held => "⏸",
            Glyph::Dropped => "⊘",
            Glyph::Unknown => "?",
            Glyph::Awaiting => "…",
            Glyph::Differs => "≠",
            Glyph::Online => "●",
            Glyph::Connecting => "◌",
            Glyph::Degraded => "▲",
            Glyph::Dot => "·",
            Glyph::Rule => "─",
            Glyph::Nothing => "—",
            Glyph::FailedFlag => "!",
            Glyph::OpenFlag => "…",
            Glyph::Ellipsis => "…",
            Glyph::Arrow => "→",
            Glyph::AlertWarn => "⚠",
            Glyph::AlertCritical => "‼",
            Glyph::Marked => "◆",
        }
    }

    /// Text the console wrote itself (prompts, flash messages, key names),
    /// with its Unicode arrows and ellipses replaced in ASCII mode.
    /// Remote data is left alone: it is what it is.
    pub fn own_text(&self, s: &str) -> String {
        if !self.ascii {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '→' => out.push_str("->"),
                '←' => out.push_str("<-"),
                '↑' => out.push_str("Up"),
                '↓' => out.push_str("Down"),
                '⇠' => out.push_str("<="),
                '…' => out.push_str("..."),
                '·' => out.push('-'),
                '—' | '─' => out.push('-'),
                '✓' => out.push_str("ok"),
                '✗' => out.push('x'),
                '≤' => out.push_str("<="),
                '≠' => out.push_str("<>"),
                c => out.push(c),
            }
        }
        out
    }

    /// `s` cut to `max` cells with this theme's cut mark.
    pub fn fit(&self, s: &str, max: usize) -> String {
        if self.ascii {
            super::text::fit_with(s, max, "~")
        } else {
            super::text::fit(s, max)
        }
    }

    /// `s` cut or padded to exactly `cells` cells.
    pub fn pad(&self, s: &str, cells: usize) -> String {
        let mut out = self.fit(s, cells);
        let w = super::text::width(&out);
        out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
        out
    }

    /// Border symbols of a pane.
    pub fn border_set(&self, focused: bool) -> border::Set<'static> {
        match (self.ascii, focused) {
            (true, false) => ASCII_BORDER,
            (true, true) => ASCII_BORDER_FOCUSED,
            // Mono has no colour to show focus with, so the line itself changes.
            (false, true) if self.kind == ThemeKind::Mono => border::THICK,
            (false, _) => border::PLAIN,
        }
    }

    /// A bordered pane with `title` on the left and `right` on the right of
    /// its top border.
    pub fn block<'a>(&self, title: Line<'a>, right: Option<Line<'a>>, focused: bool) -> Block<'a> {
        let style = if focused {
            self.border_focused
        } else {
            self.border
        };
        let mut b = Block::bordered()
            .border_set(self.border_set(focused))
            .border_style(style)
            .title_style(style)
            .title_top(title);
        if let Some(r) = right {
            b = b.title_top(r.right_aligned());
        }
        b
    }

    /// The bordered frame of an overlay.
    pub fn overlay_block<'a>(&self, title: Line<'a>) -> Block<'a> {
        let set = if self.ascii {
            ASCII_BORDER_FOCUSED
        } else if self.kind == ThemeKind::Mono {
            border::DOUBLE
        } else {
            border::PLAIN
        };
        Block::bordered()
            .border_set(set)
            .border_style(self.border_overlay)
            .title_style(self.border_overlay)
            .title_top(title)
    }

    pub fn log_kind(&self, kind: LogKind) -> (Glyph, Style) {
        match kind {
            LogKind::Out => (Glyph::Out, self.log_out),
            LogKind::In => (Glyph::In, self.log_in),
            LogKind::Callback => (Glyph::Callback, self.log_callback),
            LogKind::Error => (Glyph::Error, self.log_error),
            LogKind::Info => (Glyph::Info, self.log_info),
        }
    }

    pub fn presence(&self, p: Presence) -> Style {
        match p {
            Presence::Available => self.presence_available,
            Presence::Busy => self.presence_busy,
            Presence::Away => self.presence_away,
            Presence::Offline => self.presence_offline,
            Presence::Unknown => self.dim,
        }
    }

    /// The glyph and style of an alert level (`None` for no breach).
    pub fn alert(&self, level: Level) -> Option<(&'static str, Style)> {
        match level {
            Level::Ok => None,
            Level::Warn => Some((self.glyph(Glyph::AlertWarn), self.alert_warn)),
            Level::Critical => Some((self.glyph(Glyph::AlertCritical), self.alert_critical)),
        }
    }

    pub fn conv_state(&self, s: &ConvState) -> Style {
        match s {
            ConvState::Waiting => self.state_waiting,
            ConvState::Active => self.state_active,
            ConvState::Ending => self.state_ending,
            ConvState::Ended => self.state_ended,
            ConvState::Api(_) => self.text,
        }
    }
}

/// `+ - |` borders.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// The focused pane in ASCII: `=` top and bottom, so focus shows even
/// without colour.
pub const ASCII_BORDER_FOCUSED: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn colours(t: &Theme) -> Vec<Style> {
        vec![
            t.text,
            t.dim,
            t.heading,
            t.border,
            t.border_focused,
            t.border_overlay,
            t.selected,
            t.selected_unfocused,
            t.brand,
            t.good,
            t.warn,
            t.bad,
            t.busy,
            t.read_only,
            t.key,
            t.flash_info,
            t.flash_error,
            t.confirm,
            t.input,
            t.cursor,
            t.log_out,
            t.log_in,
            t.log_callback,
            t.log_error,
            t.log_info,
            t.presence_available,
            t.presence_busy,
            t.presence_away,
            t.presence_offline,
            t.state_waiting,
            t.state_active,
            t.state_ending,
            t.state_ended,
            t.alert_warn,
            t.alert_critical,
        ]
    }

    fn is_named(c: Option<Color>) -> bool {
        matches!(
            c,
            None | Some(
                Color::Reset
                    | Color::Black
                    | Color::Red
                    | Color::Green
                    | Color::Yellow
                    | Color::Blue
                    | Color::Magenta
                    | Color::Cyan
                    | Color::Gray
                    | Color::DarkGray
                    | Color::LightRed
                    | Color::LightGreen
                    | Color::LightYellow
                    | Color::LightBlue
                    | Color::LightMagenta
                    | Color::LightCyan
                    | Color::White
            )
        )
    }

    #[test]
    fn colour_themes_use_only_the_sixteen_named_colours() {
        for kind in [ThemeKind::Dark, ThemeKind::Light] {
            for s in colours(&Theme::new(kind, false)) {
                assert!(is_named(s.fg) && is_named(s.bg), "{kind:?}: {s:?}");
            }
        }
    }

    #[test]
    fn mono_has_no_colour_at_all() {
        for s in colours(&Theme::new(ThemeKind::Mono, false)) {
            assert!(s.fg.is_none_or(|c| c == Color::Reset), "{s:?}");
            assert!(s.bg.is_none_or(|c| c == Color::Reset), "{s:?}");
        }
    }

    #[test]
    fn no_color_forces_mono_and_auto_is_dark() {
        use crate::config::Theme as Cfg;
        assert_eq!(
            Theme::from_config(Cfg::Dark, true, false).kind,
            ThemeKind::Mono
        );
        assert_eq!(
            Theme::from_config(Cfg::Light, true, true).kind,
            ThemeKind::Mono
        );
        assert_eq!(
            Theme::from_config(Cfg::Auto, false, false).kind,
            ThemeKind::Dark
        );
        assert_eq!(
            Theme::from_config(Cfg::Light, false, false).kind,
            ThemeKind::Light
        );
        assert_eq!(
            Theme::from_config(Cfg::Mono, false, false).kind,
            ThemeKind::Mono
        );
        assert!(Theme::from_config(Cfg::Auto, false, true).ascii);
    }

    #[test]
    fn ascii_glyphs_and_borders_are_ascii() {
        let t = Theme::new(ThemeKind::Dark, true);
        let all = [
            Glyph::Selected,
            Glyph::Primary,
            Glyph::Consultant,
            Glyph::Listed,
            Glyph::Out,
            Glyph::In,
            Glyph::Callback,
            Glyph::Error,
            Glyph::Info,
            Glyph::Ok,
            Glyph::Fail,
            Glyph::Queued,
            Glyph::Sending,
            Glyph::Retrying,
            Glyph::Held,
            Glyph::Dropped,
            Glyph::Unknown,
            Glyph::Awaiting,
            Glyph::Differs,
            Glyph::Online,
            Glyph::Connecting,
            Glyph::Degraded,
            Glyph::Dot,
            Glyph::Rule,
            Glyph::Nothing,
            Glyph::FailedFlag,
            Glyph::OpenFlag,
            Glyph::Ellipsis,
            Glyph::Arrow,
            Glyph::AlertWarn,
            Glyph::AlertCritical,
            Glyph::Marked,
        ];
        for g in all {
            assert!(t.glyph(g).is_ascii(), "{g:?}");
        }
        for focused in [false, true] {
            let s = t.border_set(focused);
            for part in [
                s.top_left,
                s.horizontal_top,
                s.vertical_left,
                s.bottom_right,
            ] {
                assert!(part.is_ascii());
            }
        }
        assert_eq!(t.own_text("Mia → Raj…"), "Mia -> Raj...");
        assert_eq!(t.fit("abcdef", 4), "abc~");
    }
}
