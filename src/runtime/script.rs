//! Scripted walkthroughs: steps played into the console's loop as if a
//! supervisor typed them (`demo --script`).

use std::time::Duration;

/// The walkthrough that ships with the binary (`--script walkthrough`).
pub const BUILTIN_WALKTHROUGH: &str = include_str!("../../assets/walkthrough.script");

/// One step of a scripted walkthrough.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptStep {
    Wait(Duration),
    Keys(Vec<ratatui::crossterm::event::KeyEvent>),
    Say(String),
}

/// Reads a walkthrough script: one step a line (`wait SECS`, `keys TEXT`,
/// `key NAME`, `say TEXT`), `#` starts a comment line. Errors name the line.
pub fn parse_script(text: &str) -> Result<Vec<ScriptStep>, String> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let n = i + 1;
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let step = match word {
            "wait" => {
                let secs: f64 = rest
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && (0.0..=600.0).contains(s))
                    .ok_or_else(|| {
                        format!("line {n}: `wait` takes seconds from 0 to 600, not {rest:?}")
                    })?;
                ScriptStep::Wait(Duration::from_secs_f64(secs))
            }
            "keys" | "type" => {
                if rest.is_empty() {
                    return Err(format!("line {n}: `{word}` needs the text to type"));
                }
                ScriptStep::Keys(
                    rest.chars()
                        .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
                        .collect(),
                )
            }
            "key" => {
                let spec = crate::app::keymap::KeySpec::parse(rest)
                    .map_err(|e| format!("line {n}: {e}"))?;
                ScriptStep::Keys(vec![KeyEvent::new(spec.code, spec.modifiers)])
            }
            "say" => ScriptStep::Say(rest.to_string()),
            other => {
                return Err(format!(
                    "line {n}: unknown step {other:?} (use wait, keys, key or say)"
                ));
            }
        };
        steps.push(step);
    }
    Ok(steps)
}

/// Loads `--script NAME|FILE`: `walkthrough` is the built-in one.
pub fn load_script(arg: &std::path::Path) -> Result<Vec<ScriptStep>, String> {
    let text = if arg == std::path::Path::new("walkthrough") && !arg.exists() {
        BUILTIN_WALKTHROUGH.to_string()
    } else {
        std::fs::read_to_string(arg).map_err(|e| format!("{}: {e}", arg.display()))?
    };
    parse_script(&text).map_err(|e| format!("{}: {e}", arg.display()))
}
