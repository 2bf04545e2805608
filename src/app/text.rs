//! Text from outside (Kore, callbacks, the journal) made safe to keep and
//! show: the core cleans what it stores, the view cuts it to width.

/// Strips control characters (escape sequences included: the ESC goes and
/// the rest is plain text), folds line breaks and tabs into spaces, and keeps
/// at most `max_chars` characters.
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut count = 0;
    for c in s.chars() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => continue,
            // Bidirectional overrides and zero-width joiners can reorder or hide text.
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => continue,
            c => c,
        };
        out.push(c);
        count += 1;
    }
    out
}

/// Up to `n` known agents nearest to `wanted` by edit distance (to the
/// id or the name, whichever is nearer), as "Name (id)".
pub fn closest(wanted: &str, known: &[(String, String)], n: usize) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, String)> = known
        .iter()
        .map(|(id, name)| {
            let d =
                edit_distance(&w, &id.to_lowercase()).min(edit_distance(&w, &name.to_lowercase()));
            (d, format!("{} ({})", clean(name, 80), clean(id, 80)))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, s)| s).collect()
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
