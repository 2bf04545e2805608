//! The `:` line's completion list: the candidates a Tab found, which one
//! the line holds as Tab cycles, and the verb's syntax. Made by
//! `queries::complete`, kept in `Views::completion`, drawn by
//! `ui::completion`.

/// What Tab does to a `:` line: the new text, the candidates when more
/// than one fits, what stays before the completed word, and the verb's
/// syntax when its argument is being completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub candidates: Vec<String>,
    /// The line before the word completed (`assign `); empty for a verb.
    pub head: String,
    /// The verb's syntax (`:assign NAME | :assign queue NAME`) once the
    /// verb is known and takes an argument.
    pub hint: Option<String>,
}

/// The `:` line's candidates as shown under it (k9s, fish): Tab again
/// puts the next one on the line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompletionList {
    /// The line as the latest Tab left it; the list belongs to it only.
    pub line: String,
    /// What stays before each candidate on the line.
    pub head: String,
    pub candidates: Vec<String>,
    /// The candidate the line holds now, once Tab has cycled.
    pub selected: Option<usize>,
    /// The verb's syntax, when its argument is being completed.
    pub hint: Option<String>,
}

impl CompletionList {
    /// The list a Tab's completion leaves, if there is anything to show.
    pub fn of(done: &Completion) -> Option<CompletionList> {
        (done.candidates.len() > 1 || done.hint.is_some()).then(|| CompletionList {
            line: done.text.clone(),
            head: done.head.clone(),
            candidates: if done.candidates.len() > 1 {
                done.candidates.clone()
            } else {
                Vec::new()
            },
            selected: None,
            hint: done.hint.clone(),
        })
    }

    /// Tab again: the next candidate (the first after none), its line.
    pub fn cycle(&mut self) -> Option<String> {
        if self.candidates.len() < 2 {
            return None;
        }
        let next = self.selected.map_or(0, |i| (i + 1) % self.candidates.len());
        self.selected = Some(next);
        self.line = format!("{}{}", self.head, self.candidates[next]);
        Some(self.line.clone())
    }
}
