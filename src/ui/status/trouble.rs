//! The status bar's pieces that say what is wrong and what to do: the
//! connection's health with its reason, Kore's requested wait, a stale
//! conversation list with its age, the callback listener refusing.

use super::{Piece, span};
use crate::app::State;
use crate::app::health::Trouble;
use crate::app::state::Health;
use crate::ui::text::age_short;
use crate::ui::theme::{Glyph, Theme};

/// Every trouble piece that applies now, in the bar's order.
pub(super) fn pieces(state: &State, theme: &Theme) -> Vec<Piece> {
    let wait = kore_wait(state, theme);
    // While Kore's wait lasts, it says the 429 and what comes next.
    let limited = state.model.status.health.trouble() == Some(Trouble::RateLimited);
    let mut v = Vec::new();
    if wait.is_none() || !limited {
        v.push(health(state, theme));
    }
    v.extend(wait);
    v.extend(stale(state, theme));
    v.extend(listener(state, theme));
    v
}

/// `glyph words` in one style, one form per text.
fn forms(glyph: Glyph, texts: &[String], style: ratatui::style::Style, theme: &Theme) -> Piece {
    let form = |t: &String| vec![span(format!("{} {t}", theme.glyph(glyph)), style)];
    let mut piece = Piece::new(form(&texts[0]), 0);
    for t in &texts[1..] {
        piece = piece.with_short(form(t));
    }
    piece.kept()
}

fn health(state: &State, theme: &Theme) -> Piece {
    match &state.model.status.health {
        Health::Online => forms(Glyph::Online, &["online".into()], theme.good, theme),
        Health::Connecting => forms(Glyph::Connecting, &["connecting".into()], theme.warn, theme),
        Health::Degraded(e) => {
            let words = Trouble::of(e).words();
            let words = words.map(|w| theme.own_text(&w));
            forms(Glyph::Degraded, &words, theme.bad, theme)
        }
    }
}

/// Kore answered 429 with a wait: nothing goes out until it is over.
fn kore_wait(state: &State, theme: &Theme) -> Option<Piece> {
    let secs = state.kore_wait_secs()?;
    let texts = [
        format!("Kore asked to wait: next try in {secs} s (429; poll less often if it recurs)"),
        format!("Kore asked to wait: next try in {secs} s"),
        format!("wait {secs} s"),
    ];
    Some(forms(Glyph::Connecting, &texts, theme.warn, theme))
}

/// The conversation list has not been read for a while (or its latest
/// read failed): how old it is. Not before the first answer or failure
/// (then the bar says connecting).
fn stale(state: &State, theme: &Theme) -> Option<Piece> {
    let f = &state.model.freshness;
    if !f.stale(state.now_ms) || (f.last_ok_ms.is_none() && !f.latest_failed) {
        return None;
    }
    // Nothing read yet and the connection degraded: that piece says why.
    if f.last_ok_ms.is_none() && state.model.status.health.trouble().is_some() {
        return None;
    }
    let age = f
        .last_ok_ms
        .map(|ok| age_short(state.now_ms - ok).trim().to_string());
    let texts = match age {
        Some(age) => [
            format!("list {age} old: figures may be out of date; see the log pane"),
            format!("list {age} old: not updating"),
            format!("stale {age}"),
        ],
        None => [
            "no list yet: every read failed; see the log pane".to_string(),
            "no list yet".to_string(),
            "no list".to_string(),
        ],
    };
    Some(forms(Glyph::Degraded, &texts, theme.warn, theme))
}

/// The callback listener refused requests in the last seconds.
fn listener(state: &State, theme: &Theme) -> Option<Piece> {
    if !state.listener_refusing() {
        return None;
    }
    let n = state.model.status.listener_refused.0;
    let texts = [
        format!("listener refusing ({n}): a flood or too many connections; see the log pane"),
        format!("listener refusing ({n})"),
        format!("refusing {n}"),
    ];
    Some(forms(Glyph::Degraded, &texts, theme.bad, theme))
}
