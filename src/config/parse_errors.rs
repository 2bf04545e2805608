//! TOML syntax errors and serde errors turned into located [`Problem`]s, in
//! words a user knows from the file, with a hint on what to write instead.

use super::Problem;
use super::hints::key_hint;
use super::locate::{
    Seg, TABLES, guess_key_at, key, line_col, locate, path_for_span, plain_key, render_key,
};
use crate::app::text::edit_distance;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub(super) fn syntax_problem(text: &str, err: &toml::de::Error) -> Problem {
    let offset = err.span().map(|s| s.start).unwrap_or(0);
    let (line, column) = line_col(text, offset);
    let message = err.message().trim().to_string();
    let hint = if message.contains("duplicate key") {
        "each key may appear only once in a table, and each [table] header only once; \
         remove or rename the repeated one"
    } else {
        "fix the TOML syntax on this line: strings need double quotes, tables are \
         written [name], lists [\"a\", \"b\"]; config.example.toml shows every key"
    };
    Problem {
        line: Some(line),
        column: Some(column),
        key: guess_key_at(text, offset),
        message: format!("TOML syntax error: {message}"),
        hint: hint.to_string(),
    }
}

pub(super) fn schema_problem(
    text: &str,
    doc: &Spanned<DeTable<'_>>,
    err: &toml::de::Error,
) -> Problem {
    let raw = err.message().trim();
    let span = err.span();
    let (mut path, node) = match &span {
        // The root table's own span: the error is about the file as a whole.
        Some(span) if *span == doc.span() => (Vec::new(), None),
        Some(span) => path_for_span(doc, span)
            .map(|(p, v)| (p, Some(v)))
            .unwrap_or((Vec::new(), None)),
        None => (Vec::new(), None),
    };
    let mut line_col_at = span
        .as_ref()
        .filter(|_| !path.is_empty())
        .map(|s| line_col(text, s.start));

    // A table written as `[[name]]` (or as a list) is read as a list of
    // tables; serde then reports whatever its first element lacks.
    let listed_table = match path.as_slice() {
        [Seg::Key(top), Seg::Index(_), ..] if TABLES.contains(&top.as_str()) => Some(top.clone()),
        _ => None,
    };
    let (message, hint) = if let Some(top) = listed_table {
        path.truncate(1);
        (
            "expected a single table, found a list of tables".to_string(),
            format!(
                "write the header as [{top}], with single brackets; only [[agents]] may repeat"
            ),
        )
    } else if let Some(field) = between(raw, "missing field `", "`") {
        missing_field(field, &mut path, doc)
    } else if let Some(field) = between(raw, "unknown field `", "`") {
        unknown_field(raw, field, &path)
    } else if let Some(value) = between(raw, "unknown variant `", "`") {
        unknown_variant(raw, value, &path)
    } else if raw.starts_with("invalid type:") || raw.starts_with("invalid value:") {
        invalid_value(raw, &path, node)
    } else if raw.starts_with("wanted string or table") {
        let hint = key_hint(&plain_key(&path))
            .map(str::to_string)
            .unwrap_or_else(|| "put the value in double quotes".to_string());
        (
            format!("expected a string, found {}", found_kind(node)),
            hint,
        )
    } else {
        // Messages written by the config's own deserializers (the secret,
        // the listen address), which never include the secret.
        let hint = key_hint(&plain_key(&path))
            .map(str::to_string)
            .unwrap_or_else(|| "config.example.toml documents every key".to_string());
        (raw.to_string(), hint)
    };
    if line_col_at.is_none() {
        line_col_at = locate(doc, &path).map(|o| line_col(text, o));
    }
    Problem {
        line: line_col_at.map(|(l, _)| l),
        column: line_col_at.map(|(_, c)| c),
        key: render_key(&path, doc),
        message,
        hint,
    }
}

/// A required key or table is missing: `path` gains the missing key, so the
/// problem names it. Returns the message and the hint.
fn missing_field(field: &str, path: &mut Vec<Seg>, doc: &Spanned<DeTable<'_>>) -> (String, String) {
    let table = render_key(path, doc);
    path.push(key(field));
    let what = if path.len() == 1 {
        format!("the [{field}] table is missing")
    } else {
        format!("the required key `{field}` is missing")
    };
    let specific = key_hint(&plain_key(path));
    let hint = if path.len() == 1 {
        format!("add a [{field}] table; config.example.toml shows what goes in it")
    } else {
        format!(
            "add `{field} = ...` under {table}{}",
            specific.map(|h| format!(": {h}")).unwrap_or_default()
        )
    };
    (what, hint)
}

/// A key serde does not know: suggest the closest allowed one, or list them.
fn unknown_field(raw: &str, field: &str, path: &[Seg]) -> (String, String) {
    let allowed = backticked(raw.split_once("expected").map(|x| x.1).unwrap_or(""));
    let known = if path.len() <= 1 { "tables" } else { "keys" };
    let hint = match closest(field, &allowed) {
        Some(best) => format!(
            "did you mean `{best}`? The {known} allowed here are: {}",
            allowed.join(", ")
        ),
        None if allowed.is_empty() => "remove it".to_string(),
        None => format!(
            "remove it or fix its spelling; the {known} allowed here are: {}",
            allowed.join(", ")
        ),
    };
    (format!("unknown key `{field}`"), hint)
}

/// A value outside an enum's variants: list the allowed ones.
fn unknown_variant(raw: &str, value: &str, path: &[Seg]) -> (String, String) {
    let allowed = backticked(raw.split_once("expected").map(|x| x.1).unwrap_or(""));
    let listed = allowed
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = key_hint(&plain_key(path))
        .map(str::to_string)
        .unwrap_or_else(|| format!("use one of {listed}"));
    (
        format!("unknown value \"{value}\" (allowed: {listed})"),
        hint,
    )
}

/// A value of the wrong type, or of the right type but out of range.
fn invalid_value(raw: &str, path: &[Seg], node: Option<&DeValue<'_>>) -> (String, String) {
    let expected = raw
        .rsplit_once(", expected ")
        .map(|x| human_expected(x.1))
        .unwrap_or_else(|| "something else".to_string());
    let in_secret = path.iter().any(|s| *s == key("client_secret"));
    let found = match (raw.starts_with("invalid value:"), in_secret) {
        // A value of the right type but out of range: name it, unless it
        // could be the secret.
        (true, false) => between(raw, "`", "`")
            .map(|v| v.to_string())
            .unwrap_or_else(|| found_kind(node)),
        _ => found_kind(node),
    };
    let hint = key_hint(&plain_key(path))
        .map(str::to_string)
        .unwrap_or_else(|| type_hint(&expected));
    (format!("expected {expected}, found {found}"), hint)
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// Every `quoted` word in `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn found_kind(node: Option<&DeValue<'_>>) -> String {
    match node {
        Some(DeValue::String(_)) => "a string",
        Some(DeValue::Integer(_)) => "an integer",
        Some(DeValue::Float(_)) => "a decimal number",
        Some(DeValue::Boolean(_)) => "a boolean",
        Some(DeValue::Datetime(_)) => "a date-time",
        Some(DeValue::Array(_)) => "a list",
        Some(DeValue::Table(_)) => "a table",
        None => "something else",
    }
    .to_string()
}

/// Serde's name for the expected type, in words a user knows from TOML.
fn human_expected(expected: &str) -> String {
    match expected.trim() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "an integer (0 or more)".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".to_string(),
        "a boolean" => "true or false (a boolean)".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "a table".to_string(),
        other if other.starts_with("struct ") => "a table".to_string(),
        other => other.to_string(),
    }
}

fn type_hint(expected: &str) -> String {
    if expected.starts_with("an integer") {
        "write a whole number without quotes"
    } else if expected.starts_with("true or false") {
        "write true or false without quotes"
    } else if expected == "a string" {
        "put the value in double quotes"
    } else if expected == "a list" {
        "write a list in square brackets, e.g. [\"a\", \"b\"]"
    } else {
        "config.example.toml shows the expected form of every key"
    }
    .to_string()
}

/// The allowed name closest to a misspelt one, if any is close enough.
fn closest<'a>(word: &str, allowed: &'a [String]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(word, a), a))
        .filter(|(d, a)| *d <= (a.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_and_suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        let allowed = vec!["rate_limit_per_minute".to_string(), "host".to_string()];
        assert_eq!(
            closest("rate_limt_per_minute", &allowed),
            Some("rate_limit_per_minute")
        );
        assert_eq!(closest("zzzzzz", &allowed), None);
    }
}
