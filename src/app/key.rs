//! One key: how the config writes it ([`KeySpec::parse`]), how the help
//! shows it ([`KeySpec::display`]), and one canonical form for key events and
//! specs alike, so that terminals that report Shift differently agree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One key, possibly with Ctrl or Alt held.
///
/// Specs made with [`KeySpec::new`] or [`KeySpec::parse`] are normalized the
/// same way key events are (see [`KeySpec::matches`]), so two specs for the
/// same physical key compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// The one binding nobody can take away: Ctrl-c always quits.
pub(crate) const CTRL_C: KeySpec = KeySpec {
    code: KeyCode::Char('c'),
    modifiers: KeyModifiers::CONTROL,
};

/// What the console does with a key before the keymap sees it, if anything.
pub(crate) fn reserved(spec: &KeySpec) -> Option<&'static str> {
    match (spec.code, spec.modifiers) {
        (KeyCode::Esc, _) => {
            Some("Esc clears the message, the filter or the detail, and cancels any prompt")
        }
        (KeyCode::Char('z'), m) if m.contains(KeyModifiers::CONTROL) => {
            Some("Ctrl-z suspends the console")
        }
        _ => None,
    }
}

/// Key names accepted in the config (compared lowercased), and the key.
const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
];

const KEY_NAMES_HELP: &str = "a single character such as \"t\" or \"?\", or one of Enter, Esc, \
     Tab, Shift-Tab, Up, Down, Left, Right, Home, End, PgUp, PgDn, Space, F1..F12, \
     optionally after Ctrl- or Alt-";

impl KeySpec {
    /// A spec for `code` with `modifiers`, normalized like a key event.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeySpec {
        normalize(code, modifiers)
    }

    /// A spec for one plain character (`'E'` means Shift+e).
    pub fn char(c: char) -> KeySpec {
        KeySpec::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// Reads a key as written in the config.
    ///
    /// A string of exactly one character is that character (so `"E"` is the
    /// letter and `"End"` the key). Longer strings are key names, compared
    /// without regard to case, optionally after modifier prefixes joined with
    /// `-` or `+`: `Ctrl-x`, `C-x`, `ctrl+x`, `Alt-x`, `M-x`, `Shift-Tab`.
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        if s.chars().count() == 1 {
            return single_char(s.chars().next().unwrap_or(' '), s);
        }
        let text = s.trim();
        if text.is_empty() {
            return Err(format!("empty key; write {KEY_NAMES_HELP}"));
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        while let Some((head, tail)) = split_modifier(rest) {
            modifiers |= head;
            rest = tail;
        }
        let base = if rest.chars().count() == 1 {
            single_char(rest.chars().next().unwrap_or(' '), s)?
        } else {
            let lower = rest.to_ascii_lowercase();
            let code = NAMED_KEYS
                .iter()
                .find(|(name, _)| *name == lower)
                .map(|(_, code)| *code)
                .or_else(|| function_key(&lower))
                .ok_or_else(|| format!("unknown key \"{s}\"; write {KEY_NAMES_HELP}"))?;
            KeySpec {
                code,
                modifiers: KeyModifiers::NONE,
            }
        };
        if modifiers.contains(KeyModifiers::SHIFT)
            && let KeyCode::Char(c) = base.code
            && !c.is_alphabetic()
        {
            return Err(format!(
                "\"{s}\": Shift only combines with letters and named keys; \
                 write the shifted character itself (e.g. \"?\" rather than \"Shift-/\")"
            ));
        }
        Ok(KeySpec::new(base.code, base.modifiers | modifiers))
    }

    /// Whether a key press is this key.
    ///
    /// Only presses count: repeats and releases never match. Shift with a
    /// character is read from the character's case, because terminals differ
    /// in whether they also set the SHIFT flag: `E`, `E`+SHIFT and `e`+SHIFT
    /// are all the spec `"E"`. Shift+Tab matches whether it arrives as
    /// BackTab (with or without SHIFT) or as Tab+SHIFT.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        ev.kind == KeyEventKind::Press
            && normalize(ev.code, ev.modifiers) == normalize(self.code, self.modifiers)
    }

    /// How the key is shown in the help and the hint bar, e.g. `t`, `E`,
    /// `Tab`, `Shift-Tab`, `PgDn`, `Ctrl-c`, `↓`.
    pub fn display(&self) -> String {
        let spec = normalize(self.code, self.modifiers);
        let mut out = String::new();
        if spec.modifiers.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if spec.modifiers.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if spec.modifiers.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        match spec.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Up => out.push('↑'),
            KeyCode::Down => out.push('↓'),
            KeyCode::Left => out.push('←'),
            KeyCode::Right => out.push('→'),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::Backspace => out.push_str("Backspace"),
            KeyCode::Delete => out.push_str("Del"),
            KeyCode::Insert => out.push_str("Ins"),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            other => out.push_str(&format!("{other:?}")),
        }
        out
    }
}

/// Brings a key (from a spec or an event) to one canonical form.
pub(crate) fn normalize(code: KeyCode, mut modifiers: KeyModifiers) -> KeySpec {
    let code = match code {
        // Shift+Tab arrives as BackTab, BackTab+SHIFT or Tab+SHIFT.
        KeyCode::BackTab => {
            modifiers.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
            modifiers.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        KeyCode::Char(c) => {
            // The character already says whether Shift was held; a lowercase
            // letter with SHIFT (kitty protocol without alternate keys) is the
            // uppercase letter.
            let shifted = modifiers.contains(KeyModifiers::SHIFT);
            modifiers.remove(KeyModifiers::SHIFT);
            let mut c = if shifted { to_upper(c) } else { c };
            // Terminals send the same byte for Ctrl-c and Ctrl-C.
            if modifiers.contains(KeyModifiers::CONTROL) {
                c = c.to_ascii_lowercase();
            }
            KeyCode::Char(c)
        }
        other => other,
    };
    KeySpec { code, modifiers }
}

fn to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// One typed character as a key; arrow glyphs (as the help shows them) are
/// the arrow keys.
fn single_char(c: char, original: &str) -> Result<KeySpec, String> {
    let code = match c {
        '↑' => KeyCode::Up,
        '↓' => KeyCode::Down,
        '←' => KeyCode::Left,
        '→' => KeyCode::Right,
        c if c.is_control() => {
            return Err(format!(
                "{original:?} is a control character; write the key by name, e.g. \"Tab\" or \"Enter\""
            ));
        }
        c => KeyCode::Char(c),
    };
    Ok(KeySpec {
        code,
        modifiers: KeyModifiers::NONE,
    })
}

/// Splits a leading `Ctrl-` / `Alt-` / `Shift-` style prefix off `s`, when
/// something is left after it.
fn split_modifier(s: &str) -> Option<(KeyModifiers, &str)> {
    let sep = s
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '-' || *c == '+')
        .map(|(i, _)| i)?;
    let tail = &s[sep + 1..];
    if tail.is_empty() {
        return None;
    }
    let modifier = match s[..sep].to_ascii_lowercase().as_str() {
        "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
        "alt" | "meta" | "m" | "a" => KeyModifiers::ALT,
        "shift" | "s" => KeyModifiers::SHIFT,
        _ => return None,
    };
    Some((modifier, tail))
}

/// `f1` .. `f12`.
fn function_key(lower: &str) -> Option<KeyCode> {
    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=12).contains(&n).then_some(KeyCode::F(n))
}
