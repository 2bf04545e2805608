//! Key paths and where they are in the file: a key path written the way a
//! user looks for it, the line and column of a key, the key an error span
//! points at, and a best guess at the key on the line of a syntax error.

use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

pub(super) fn key(name: &str) -> Seg {
    Seg::Key(name.to_string())
}

pub(super) const TABLES: &[&str] = &["kore", "callback", "poll", "events", "ui", "keys"];

/// Writes a key path the way a user would look for it in the file.
pub(super) fn render_key(path: &[Seg], doc: &Spanned<DeTable<'_>>) -> String {
    let mut out = String::new();
    let mut rest = path;
    if let [Seg::Key(top), tail @ ..] = path {
        rest = tail;
        if let [Seg::Index(i), tail @ ..] = tail {
            out = format!("[[{top}]] #{}", i + 1);
            rest = tail;
        } else if top == "agents" && tail.is_empty() {
            out = "[[agents]]".to_string();
        } else {
            let is_table = matches!(
                doc.get_ref().get(top.as_str()).map(|v| v.get_ref()),
                Some(DeValue::Table(_))
            );
            if !tail.is_empty() || is_table || TABLES.contains(&top.as_str()) {
                out = format!("[{top}]");
            } else {
                out = top.clone();
            }
        }
    }
    for seg in rest {
        match seg {
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!(" #{}", i + 1)),
        }
    }
    out
}

/// The key path without array positions, for looking up hints.
pub(super) fn plain_key(path: &[Seg]) -> String {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The byte offset of the value at `path`, or of the nearest enclosing node
/// that is in the file when the value itself is not (a key left to its default).
pub(super) fn locate(doc: &Spanned<DeTable<'_>>, path: &[Seg]) -> Option<usize> {
    let mut found: Option<&Spanned<DeValue<'_>>> = None;
    for seg in path {
        let next = match (seg, found.map(|f| f.get_ref())) {
            (Seg::Key(k), None) => doc.get_ref().get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
            (Seg::Index(i), Some(DeValue::Array(items))) => items.get(*i),
            _ => None,
        };
        match next {
            Some(next) => found = Some(next),
            None => break,
        }
    }
    found.map(|node| node.span().start)
}

struct Hit<'a, 'i> {
    path: Vec<Seg>,
    value: &'a DeValue<'i>,
    len: usize,
}

/// Finds the key path whose key or value the error span points at. An exact
/// span match wins; otherwise the smallest node containing the span start.
pub(super) fn path_for_span<'a, 'i>(
    doc: &'a Spanned<DeTable<'i>>,
    span: &Range<usize>,
) -> Option<(Vec<Seg>, &'a DeValue<'i>)> {
    for exact in [true, false] {
        let mut best: Option<Hit<'a, 'i>> = None;
        search_table(doc.get_ref(), span, exact, &mut Vec::new(), &mut best);
        if let Some(hit) = best {
            return Some((hit.path, hit.value));
        }
    }
    None
}

fn span_hits(candidate: &Range<usize>, span: &Range<usize>, exact: bool) -> bool {
    if exact {
        candidate == span
    } else {
        candidate.start <= span.start && span.start < candidate.end.max(candidate.start + 1)
    }
}

fn consider<'a, 'i>(
    best: &mut Option<Hit<'a, 'i>>,
    path: &[Seg],
    value: &'a DeValue<'i>,
    len: usize,
) {
    let better = match best {
        None => true,
        Some(b) => len < b.len || (len == b.len && path.len() > b.path.len()),
    };
    if better {
        *best = Some(Hit {
            path: path.to_vec(),
            value,
            len,
        });
    }
}

fn search_table<'a, 'i>(
    table: &'a DeTable<'i>,
    span: &Range<usize>,
    exact: bool,
    path: &mut Vec<Seg>,
    best: &mut Option<Hit<'a, 'i>>,
) {
    for (k, v) in table.iter() {
        path.push(Seg::Key(k.get_ref().to_string()));
        for candidate in [k.span(), v.span()] {
            if span_hits(&candidate, span, exact) {
                consider(best, path, v.get_ref(), candidate.len());
            }
        }
        search_value(v.get_ref(), span, exact, path, best);
        path.pop();
    }
}

fn search_value<'a, 'i>(
    value: &'a DeValue<'i>,
    span: &Range<usize>,
    exact: bool,
    path: &mut Vec<Seg>,
    best: &mut Option<Hit<'a, 'i>>,
) {
    match value {
        DeValue::Table(t) => search_table(t, span, exact, path, best),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                if span_hits(&item.span(), span, exact) {
                    consider(best, path, item.get_ref(), item.span().len());
                }
                search_value(item.get_ref(), span, exact, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    // The end of a text that ends with a new line is not a line of its own
    // (no editor shows one): an error found there, like an unclosed string,
    // points at the end of the last line instead.
    if offset == text.len() && text.ends_with('\n') {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut column = before[line_start..].chars().count() + 1;
    // At the end of a CRLF line, the `\r` is part of the line ending: point
    // just past the last visible character, as an editor shows it.
    if text[offset..].starts_with('\n') && before.ends_with('\r') {
        column -= 1;
    }
    (line, column)
}

/// The name in a `[table]` or `[[array]]` header line, and whether it is an array.
fn header_name(line: &str) -> Option<(String, bool)> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("[[") {
        return Some((
            rest.split(']').next().unwrap_or("").trim().to_string(),
            true,
        ));
    }
    let rest = line.strip_prefix('[')?;
    Some((
        rest.split(']').next().unwrap_or("").trim().to_string(),
        false,
    ))
}

/// A best guess at the key on the line of a syntax error, from the nearest
/// table header above it and the first word of the line.
pub(super) fn guess_key_at(text: &str, offset: usize) -> String {
    let (line, _) = line_col(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let above = &lines[..(line - 1).min(lines.len())];
    let current = lines.get(line - 1).map(|l| l.trim()).unwrap_or("");
    if let Some((name, array)) = header_name(current) {
        return if array {
            format!("[[{name}]]")
        } else {
            format!("[{name}]")
        };
    }
    let header = above
        .iter()
        .rev()
        .find_map(|l| header_name(l))
        .map(|(name, array)| {
            if array {
                let count = above
                    .iter()
                    .filter(|l| header_name(l) == Some((name.clone(), true)))
                    .count();
                format!("[[{name}]] #{count}")
            } else {
                format!("[{name}]")
            }
        })
        .unwrap_or_default();
    let word: String = if current.starts_with('#') {
        String::new()
    } else {
        current
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect()
    };
    match (header.is_empty(), word.is_empty()) {
        (_, true) => header,
        (true, false) => word,
        (false, false) => format!("{header}.{word}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Spanned<DeTable<'_>> {
        DeTable::parse(text).unwrap()
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // "bé = " is 6 bytes but 5 characters.
        assert_eq!(line_col(text, text.find('"').unwrap()), (2, 6));
        // Past the end: the end of the last line, not a line after it.
        assert_eq!(line_col(text, 1000), (2, 9));
        assert_eq!(line_col(text, text.len()), (2, 9));
        assert_eq!(line_col("a", 1), (1, 2));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("\n", 1), (1, 1));
        assert_eq!(line_col("a\r\n", 3), (1, 2), "CRLF at the end");
    }

    #[test]
    fn line_col_does_not_count_the_cr_of_a_crlf_ending() {
        let text = "a = 1\r\nb\r\n";
        // The `\n` of each line is right after its last visible character.
        assert_eq!(line_col(text, 9), (2, 2));
        assert_eq!(line_col(text, 6), (1, 6));
        // The `\r` itself, pointed at directly, is still where it is.
        assert_eq!(line_col(text, 5), (1, 6));
        assert_eq!(line_col("x\ry", 2), (1, 3), "a lone CR is a character");
    }

    #[test]
    fn keys_render_like_the_file() {
        let text = "[kore]\nhost = 1\n[[agents]]\nid = \"a\"\n";
        let d = doc(text);
        assert_eq!(render_key(&[key("kore"), key("host")], &d), "[kore].host");
        assert_eq!(
            render_key(&[key("agents"), Seg::Index(1), key("id")], &d),
            "[[agents]] #2.id"
        );
        assert_eq!(
            render_key(&[key("events"), key("on_end"), Seg::Index(0)], &d),
            "[events].on_end #1"
        );
        assert_eq!(render_key(&[key("kore")], &d), "[kore]");
        assert_eq!(render_key(&[key("stray")], &d), "stray");
    }

    #[test]
    fn spans_map_back_to_the_deepest_key() {
        let text =
            "[kore]\nclient_secret = { env = 3 }\n[[agents]]\nid = \"a\"\n[[agents]]\nid = 4\n";
        let d = doc(text);
        let env_value = text.find("3 }").unwrap();
        let (path, _) = path_for_span(&d, &(env_value..env_value + 1)).unwrap();
        assert_eq!(path, vec![key("kore"), key("client_secret"), key("env")]);
        let second_id = text.rfind('4').unwrap();
        let (path, _) = path_for_span(&d, &(second_id..second_id + 1)).unwrap();
        assert_eq!(path, vec![key("agents"), Seg::Index(1), key("id")]);
    }

    #[test]
    fn syntax_key_guess_uses_the_header_above() {
        let text = "[kore]\nhost = \"x\"\nbot_id \"st-1\"\n";
        assert_eq!(
            guess_key_at(text, text.find("bot_id").unwrap()),
            "[kore].bot_id"
        );
        let text = "[[agents]]\nid = \"a\"\n[[agents]]\nid = \"b\n";
        assert_eq!(guess_key_at(text, text.len() - 1), "[[agents]] #2.id");
    }
}
