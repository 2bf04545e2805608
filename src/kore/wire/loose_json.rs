//! Kore's sample responses are loose JS-object notation, not JSON: this
//! turns them into JSON ([`loosen_json`]) and reads a body strictly first,
//! then loosened ([`parse_loose`]).

/// Turns the loose JS-object notation of Kore's sample responses (unquoted keys,
/// curly quotes, `//` comment lines, trailing commas) into JSON. Valid JSON
/// passes through unchanged.
///
/// Curly quotes count as string delimiters only outside strings: a `“…”`
/// string becomes `"…"` (with any `"` inside it escaped), while curly quotes
/// inside a `"…"` string are text and are kept.
pub fn loosen_json(text: &str) -> String {
    drop_trailing_commas(&quote_keys_and_strings(text))
}

/// The first pass of [`loosen_json`]: `//` comments cut, curly-quoted
/// strings and bare keys written in straight quotes.
fn quote_keys_and_strings(text: &str) -> String {
    let is_curly = |c: char| c == '\u{201c}' || c == '\u{201d}';
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    // The quote that closes the string being copied, if inside one.
    let mut in_string: Option<Quote> = None;
    // What was last seen outside strings and white space: a bare key may follow `{` or `,`.
    let mut last_sig = '\0';
    while i < chars.len() {
        let c = chars[i];
        if let Some(quote) = in_string {
            if c == '\\' && i + 1 < chars.len() {
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            let closes = match quote {
                Quote::Straight => c == '"',
                Quote::Curly => is_curly(c),
            };
            if closes {
                out.push('"');
                in_string = None;
                last_sig = '"';
            } else if c == '"' {
                // A straight quote inside a curly-quoted string is text.
                out.push_str("\\\"");
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '"' || is_curly(c) {
            in_string = Some(if c == '"' {
                Quote::Straight
            } else {
                Quote::Curly
            });
            out.push('"');
            i += 1;
            continue;
        }
        if (c.is_ascii_alphabetic() || c == '_' || c == '$') && (last_sig == '{' || last_sig == ',')
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_$".contains(chars[i])) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) == Some(&':') {
                out.push('"');
                out.push_str(&word);
                out.push('"');
            } else {
                out.push_str(&word);
            }
            last_sig = 'w';
            continue;
        }
        if !c.is_whitespace() {
            last_sig = c;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The second pass of [`loosen_json`]: a trailing comma before `}` or `]`
/// (outside strings) is dropped.
fn drop_trailing_commas(out: &str) -> String {
    let mut cleaned = String::with_capacity(out.len());
    let oc: Vec<char> = out.chars().collect();
    let mut in_str = false;
    let mut k = 0;
    while k < oc.len() {
        let c = oc[k];
        if in_str {
            cleaned.push(c);
            if c == '\\' && k + 1 < oc.len() {
                cleaned.push(oc[k + 1]);
                k += 2;
                continue;
            }
            if c == '"' {
                in_str = false;
            }
            k += 1;
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        if c == ',' {
            let mut j = k + 1;
            while j < oc.len() && oc[j].is_whitespace() {
                j += 1;
            }
            if j < oc.len() && (oc[j] == '}' || oc[j] == ']') {
                k += 1;
                continue;
            }
        }
        cleaned.push(c);
        k += 1;
    }
    cleaned
}

#[derive(Clone, Copy)]
enum Quote {
    Straight,
    Curly,
}

/// Parses a response body strictly first, then through [`loosen_json`].
pub fn parse_loose<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(first) => serde_json::from_str(&loosen_json(text)).map_err(|_| first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn curly_quotes_delimit_strings_only_outside_strings() {
        // Inside a straight-quoted string they are text: valid JSON is untouched.
        let strict = "{\"reason\":\"agent said \u{201c}no\u{201d}\"}";
        assert_eq!(loosen_json(strict), strict);
        // Outside, they open and close a string.
        assert_eq!(
            loosen_json("{status: \u{201c}transferred\u{201d}}"),
            r#"{"status": "transferred"}"#
        );
        // A straight quote inside a curly-quoted string is escaped.
        assert_eq!(
            loosen_json("{a: \u{201c}say \"hi\"\u{201d}}"),
            r#"{"a": "say \"hi\""}"#
        );
    }

    /// The queue-size sample ends a line with a `// …` comment: comments are
    /// cut outside strings only, up to the end of their line.
    #[test]
    fn line_comments_are_cut_outside_strings_only() {
        let v = |text: &str| -> Value {
            serde_json::from_str(&loosen_json(text)).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        assert_eq!(
            v("{\"a\": 0  // a note, with \"quotes\" and {braces}\n}"),
            serde_json::json!({"a": 0})
        );
        // `//` inside a string is text, in straight and curly quotes alike.
        assert_eq!(
            v("{\"url\": \"https://x.test/a//b\"}"),
            serde_json::json!({"url": "https://x.test/a//b"})
        );
        assert_eq!(
            v("{url: \u{201c}http://x.test\u{201d} // where\n}"),
            serde_json::json!({"url": "http://x.test"})
        );
        // A comment on the last line, with no line break after it.
        assert_eq!(v("[1, 2] // the end"), serde_json::json!([1, 2]));
        // A comment line of its own between elements, with CRLF endings.
        assert_eq!(
            v("[1,\r\n// two is left out\r\n3]"),
            serde_json::json!([1, 3])
        );
        // An escaped quote does not end the string early.
        assert_eq!(
            v("{\"a\": \"say \\\" // not a comment\"}"),
            serde_json::json!({"a": "say \" // not a comment"})
        );
        // A single slash is not a comment.
        assert!(serde_json::from_str::<Value>(&loosen_json("{\"a\": 1 / 2}")).is_err());
    }
}
