//! One text input for every place the supervisor types: the `/` filter, the
//! `:` line, the picker's query and the fields of the `n` form.
//!
//! Typing and paste take the same path ([`TextInput::insert`]): control
//! characters are dropped, the cap holds, and the cursor moves past what went
//! in. The editing keys (see the registry's text commands) move the cursor
//! and delete around it.

/// The most characters a filter, a command line or a picker query holds.
pub const MAX_INPUT: usize = 1000;
/// The most characters a field of the `n` form (an id, a language) holds.
pub const MAX_FORM_FIELD: usize = 128;

/// Text being typed, with a cursor and a length cap (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// The cursor as a character index, `0..=len`.
    cursor: usize,
    cap: usize,
}

/// An edit the editing keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Left,
    Right,
    Home,
    End,
    Backspace,
    Delete,
    Clear,
    DeleteWord,
}

impl TextInput {
    /// An empty input that holds at most `cap` characters.
    pub fn new(cap: usize) -> TextInput {
        TextInput {
            text: String::new(),
            cursor: 0,
            cap,
        }
    }

    /// An input holding `text` (cut to the cap), the cursor at its end.
    pub fn with_text(text: &str, cap: usize) -> TextInput {
        let mut input = TextInput::new(cap);
        input.insert(text);
        input
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The cursor as a character index.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.byte_at(self.cursor))
    }

    /// Replaces the whole text (cut to the cap), the cursor at its end.
    pub fn set(&mut self, text: &str) -> bool {
        self.text.clear();
        self.cursor = 0;
        self.insert(text)
    }

    /// Inserts typed or pasted text at the cursor: control characters are
    /// dropped (a pasted line break becomes a space), and only as much as
    /// fits under the cap goes in. False when some of it did not fit.
    pub fn insert(&mut self, text: &str) -> bool {
        let len = self.text.chars().count();
        let room = self.cap.saturating_sub(len);
        let mut wanted = 0;
        let mut piece = String::new();
        for c in text.chars() {
            let c = match c {
                '\n' | '\r' | '\t' => ' ',
                c if c.is_control() => continue,
                c => c,
            };
            wanted += 1;
            if wanted <= room {
                piece.push(c);
            }
        }
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &piece);
        self.cursor += piece.chars().count();
        wanted <= room
    }

    /// Applies an editing key; true when the text changed.
    pub fn edit(&mut self, edit: Edit) -> bool {
        let len = self.text.chars().count();
        match edit {
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::Right => self.cursor = (self.cursor + 1).min(len),
            Edit::Home => self.cursor = 0,
            Edit::End => self.cursor = len,
            Edit::Backspace => {
                if self.cursor == 0 {
                    return false;
                }
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                return true;
            }
            Edit::Delete => {
                if self.cursor >= len {
                    return false;
                }
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                return true;
            }
            Edit::Clear => {
                let changed = !self.text.is_empty();
                self.text.clear();
                self.cursor = 0;
                return changed;
            }
            Edit::DeleteWord => {
                // Spaces before the cursor, then the word before them.
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                if start == self.cursor {
                    return false;
                }
                let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.replace_range(from..to, "");
                self.cursor = start;
                return true;
            }
        }
        false
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }
}

/// Text in an input of the usual cap ([`MAX_INPUT`]).
impl From<&str> for TextInput {
    fn from(text: &str) -> TextInput {
        TextInput::with_text(text, MAX_INPUT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_and_paste_share_the_cap_and_the_cursor() {
        let mut t = TextInput::new(5);
        assert!(t.insert("ab"));
        assert!(!t.insert("cdefg"), "only three more fit");
        assert_eq!(t.as_str(), "abcde");
        assert_eq!(t.cursor(), 5);
        assert!(!t.insert("x"));
        assert_eq!(t.as_str(), "abcde");
    }

    #[test]
    fn control_characters_never_go_in_and_line_breaks_become_spaces() {
        let mut t = TextInput::new(100);
        t.insert("a\u{1b}[2Jb\nc\u{7}");
        assert_eq!(t.as_str(), "a[2Jb c");
    }

    #[test]
    fn editing_around_the_cursor() {
        let mut t = TextInput::with_text("héllo wörld", 100);
        t.edit(Edit::Home);
        t.edit(Edit::Right);
        assert!(t.edit(Edit::Delete));
        assert_eq!(t.as_str(), "hllo wörld");
        t.insert("e");
        assert_eq!(t.split(), ("he", "llo wörld"));
        t.edit(Edit::End);
        assert!(t.edit(Edit::Backspace));
        assert_eq!(t.as_str(), "hello wörl");
        assert!(t.edit(Edit::DeleteWord));
        assert_eq!(t.as_str(), "hello ");
        assert!(t.edit(Edit::DeleteWord));
        assert_eq!(t.as_str(), "");
        assert!(!t.edit(Edit::Backspace));
        assert!(!t.edit(Edit::Delete));
        t.set("abc");
        t.edit(Edit::Left);
        t.edit(Edit::Left);
        t.edit(Edit::Left);
        t.edit(Edit::Left);
        assert_eq!(t.cursor(), 0);
        assert!(t.edit(Edit::Clear));
        assert!(t.is_empty());
    }
}
