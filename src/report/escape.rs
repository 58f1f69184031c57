//! Making untrusted strings inert in every rendered format.
//!
//! Titles, authors, paths and excerpts come from corpora and registries, that is from whoever
//! made the pirated files: they can hold markup, spreadsheet formulas, line breaks, NUL bytes or
//! Unicode bidirectional overrides that make a path read differently from what it is
//! ("Trojan Source"). Every renderer first passes them through this module, which turns each
//! such character into a visible `\u{..}` escape, so the reader sees exactly which code points
//! are there and nothing is interpreted. Format-specific quoting (HTML entities, Markdown
//! backslashes, CSV formula neutralising, XML escaping) is applied on top by each renderer.

use std::borrow::Cow;

/// Whether `c` must never reach an output as itself: control characters (C0, DEL, C1),
/// bidirectional embeddings, overrides, isolates and marks, zero-width characters, line and
/// paragraph separators and the byte-order mark.
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// One line of text: every hazard, including newline, carriage return and tab, becomes a
/// visible `\u{..}` escape.
pub fn line(text: &str) -> Cow<'_, str> {
    escape_where(text, |c, _| is_hazard(c))
}

/// A block of text (an excerpt): like [`line`] but newlines, tabs and the carriage return of
/// a CRLF line end are kept, since they are the text's layout.
pub fn block(text: &str) -> Cow<'_, str> {
    escape_where(text, |c, next| match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        _ => is_hazard(c),
    })
}

/// A line of text for HTML element content or a quoted attribute value.
pub fn html(text: &str) -> String {
    html_entities(&line(text))
}

/// A block of text for HTML (inside `<pre>` or a `white-space: pre-wrap` element).
pub fn html_block(text: &str) -> String {
    html_entities(&block(text))
}

/// Replaces `&`, `<`, `>`, `"` and `'` with entities. The input must already be inert.
pub fn html_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The visible escape of one character: `\u{202e}`.
pub fn visible(c: char) -> String {
    format!("\\u{{{:x}}}", u32::from(c))
}

fn escape_where(text: &str, hazard: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let mut needs = false;
    while let Some(c) = chars.next() {
        if hazard(c, chars.peek().copied()) {
            needs = true;
            break;
        }
    }
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if hazard(c, chars.peek().copied()) {
            out.push_str(&visible(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected_line: &str, expected_block: &str) {
        assert_eq!(line(input), expected_line, "line({input:?})");
        assert_eq!(block(input), expected_block, "block({input:?})");
    }

    #[test]
    fn hazards_become_visible_escapes() {
        check("plain title", "plain title", "plain title");
        check("a\u{202E}txt.exe", "a\\u{202e}txt.exe", "a\\u{202e}txt.exe");
        check(
            "a\u{2066}b\u{2069}",
            "a\\u{2066}b\\u{2069}",
            "a\\u{2066}b\\u{2069}",
        );
        check(
            "x\u{200E}y\u{200F}",
            "x\\u{200e}y\\u{200f}",
            "x\\u{200e}y\\u{200f}",
        );
        check(
            "nul\0bell\u{7}",
            "nul\\u{0}bell\\u{7}",
            "nul\\u{0}bell\\u{7}",
        );
        check("a\r\nb", "a\\u{d}\\u{a}b", "a\r\nb");
        check("a\rb\tc", "a\\u{d}b\\u{9}c", "a\\u{d}b\tc");
        check(
            "c1\u{85}del\u{7f}",
            "c1\\u{85}del\\u{7f}",
            "c1\\u{85}del\\u{7f}",
        );
        check("bom\u{FEFF}", "bom\\u{feff}", "bom\\u{feff}");
        check("Ünïcödé — “fine”", "Ünïcödé — “fine”", "Ünïcödé — “fine”");
    }

    #[test]
    fn html_escapes_markup_after_making_text_inert() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(html("a\nb"), "a\\u{a}b");
        assert_eq!(html_block("a\n<b>"), "a\n&lt;b&gt;");
    }
}
