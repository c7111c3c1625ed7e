//! Lucene queries for the recording search, with user text escaped so a title like
//! `Help! (Remastered)` stays a phrase instead of becoming syntax.

/// Characters with a meaning in Lucene's query syntax (`&&` and `||` are covered by `&`, `|`).
const SPECIAL: &[char] = &[
    '+', '-', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?', ':', '\\', '/',
];

/// `text` with every Lucene special character backslash-escaped.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if SPECIAL.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `recording:"<title>" AND artist:"<artist>"`.
pub fn recording_query(title: &str, artist: &str) -> String {
    format!(
        "recording:\"{}\" AND artist:\"{}\"",
        escape(title.trim()),
        escape(artist.trim())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(escape("Glass Harbour"), "Glass Harbour");
        assert_eq!(escape("Café Olé"), "Café Olé");
    }

    #[test]
    fn every_special_character_is_escaped() {
        assert_eq!(
            escape(r#"a+b-c&&d||e!f(g)h{i}j[k]l^m"n~o*p?q:r\s/t"#),
            r#"a\+b\-c\&\&d\|\|e\!f\(g\)h\{i\}j\[k\]l\^m\"n\~o\*p\?q\:r\\s\/t"#
        );
    }

    #[test]
    fn a_quote_in_a_title_cannot_close_the_phrase() {
        let query = recording_query(r#"Say "Hi" (Live)"#, "AC/DC");
        assert_eq!(
            query,
            r#"recording:"Say \"Hi\" \(Live\)" AND artist:"AC\/DC""#
        );
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(
            recording_query("  Voltage ", " DJ Kestrel"),
            r#"recording:"Voltage" AND artist:"DJ Kestrel""#
        );
    }
}
