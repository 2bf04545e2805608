//! The `:` line's Tab completion: what fits the typed word, the common
//! prefix, and the argument syntax hint.

use super::*;

impl State {
    /// The completion list, while the `:` line still reads as Tab left it.
    pub fn completion_shown(&self) -> Option<&CompletionList> {
        match &self.views.mode {
            Mode::Command { input } => self
                .views
                .completion
                .as_ref()
                .filter(|c| c.line == input.as_str()),
            _ => None,
        }
    }
}

/// Completes the verb, or the argument of a verb that names an agent, a
/// roster member or one of a few words. Matching ignores case; several
/// matches complete to what they share.
pub fn complete(line: &str, state: &State) -> Completion {
    let Some((word, rest)) = line.split_once(' ') else {
        let team = state.model.status.team_view.on;
        let verbs: Vec<String> = crate::app::command::colon_entries_for(team)
            .map(|c| c.verb.to_string())
            .filter(|v| v.starts_with(line))
            .collect();
        let mut done = finish("", line, verbs.clone(), |one| {
            let takes_arg = colon_command(one)
                .and_then(Command::colon)
                .is_some_and(|c| c.arg != Arg::None);
            if takes_arg {
                format!("{one} ")
            } else {
                one.to_string()
            }
        });
        if let [one] = verbs.as_slice() {
            done.hint = syntax_hint(one);
        }
        return done;
    };
    let Some(spec) = colon_command(word).and_then(Command::colon) else {
        return finish("", line, Vec::new(), str::to_string);
    };
    let words: Vec<String> = match spec.arg {
        Arg::Agent => state.model.agents.iter().map(|a| a.name.clone()).collect(),
        Arg::RosterMember => state
            .selected_conversation()
            .map(|c| {
                c.roster
                    .members()
                    .iter()
                    .map(|m| m.agent.name.clone())
                    .collect()
            })
            .unwrap_or_default(),
        Arg::Words(w) => w.iter().map(|s| s.to_string()).collect(),
        // `:view NAME`, `:view save NAME` (a name to save over).
        Arg::View if rest.trim_start().starts_with("save ") => {
            let names = state.views.saved_views.names().into_iter();
            names.map(|n| format!("save {n}")).collect()
        }
        Arg::View => std::iter::once("save".to_string())
            .chain(state.views.saved_views.names())
            .collect(),
        Arg::None | Arg::Free => Vec::new(),
    };
    let typed = rest.trim_start();
    let lower = typed.to_lowercase();
    let mut fits: Vec<String> = words
        .into_iter()
        .filter(|w| w.to_lowercase().starts_with(&lower))
        .collect();
    fits.sort();
    fits.dedup();
    let mut done = finish(&format!("{word} "), typed, fits, |one| one.to_string());
    done.hint = syntax_hint(word);
    done
}

/// `assign NAME | assign queue NAME`: the syntax of the verb `word`, when
/// it takes an argument.
fn syntax_hint(word: &str) -> Option<String> {
    let spec = colon_command(word).and_then(Command::colon)?;
    (spec.arg != Arg::None).then(|| spec.syntax.replace(':', ""))
}

fn finish(head: &str, typed: &str, fits: Vec<String>, one: impl Fn(&str) -> String) -> Completion {
    let (text, candidates) = match fits.as_slice() {
        [] => (format!("{head}{typed}"), Vec::new()),
        [only] => (format!("{head}{}", one(only)), Vec::new()),
        many => {
            let shared = common_prefix(many);
            // Keep what was typed when the shared part is no longer (case).
            let text = if shared.chars().count() > typed.chars().count() {
                shared
            } else {
                typed.to_string()
            };
            (format!("{head}{text}"), many.to_vec())
        }
    };
    Completion {
        text,
        candidates,
        head: head.to_string(),
        hint: None,
    }
}

/// The longest start all of `words` share, compared without case; taken
/// from the first word.
pub(super) fn common_prefix(words: &[String]) -> String {
    let first: Vec<char> = words[0].chars().collect();
    let mut n = first.len();
    for w in &words[1..] {
        n = n.min(
            first
                .iter()
                .zip(w.chars())
                .take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase()))
                .count(),
        );
    }
    first[..n].iter().collect()
}
