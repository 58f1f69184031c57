//! Markup to text: HTML with a small tolerant tag stripper, XHTML with `quick-xml`.
//!
//! Both give the same text for the same markup:
//!
//! - `<script>`, `<style>`, `<template>` and the whole `<head>` (so `<title>`) are dropped;
//!   comments, processing instructions and doctypes too.
//! - Block elements (`p`, `div`, `h1`-`h6`, `li`, `br`, `tr`, `blockquote`, `section` and the
//!   other HTML block elements) become line breaks; other tags vanish.
//! - Runs of white space collapse to one space (inside `<pre>` they are kept); lines carry no
//!   leading or trailing white space.
//! - Entities are decoded: the HTML5 named entities, `&#8217;` and `&#x2019;` (numeric
//!   references in 0x80..0x9F are read as windows-1252, invalid ones become U+FFFD). An `&`
//!   that starts no known entity is kept as is.
//!
//! The tag stripper never fails: a `<` that does not start a tag is text, an unclosed comment
//! or script runs to the end, an unclosed quote in a tag is ignored, a missing `</head>` ends
//! at `<body>` or the first block element. XHTML that `quick-xml` cannot parse falls back to
//! the tag stripper.

use quick_xml::events::Event;

/// Elements whose start and end are line breaks.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Elements whose content is not text.
const DROPPED_ELEMENTS: &[&str] = &["script", "style", "template"];

/// The text of an HTML page.
pub(super) fn html_to_text(html: &str) -> String {
    let mut builder = TextBuilder::default();
    let bytes = html.as_bytes();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let Some((tag, end)) = markup(html, i) else {
            // A `<` that starts no markup is text.
            i += 1;
            continue;
        };
        builder.text(&decode_entities(&html[text_start..i]));
        i = end;
        if let Some(tag) = tag {
            if !tag.closing && !tag.self_closing && DROPPED_ELEMENTS.contains(&tag.name.as_str()) {
                i = raw_text_end(html, i, &tag.name);
            } else {
                builder.tag(&tag.name, tag.closing, tag.self_closing);
            }
        }
        text_start = i;
    }
    builder.text(&decode_entities(&html[text_start..]));
    builder.finish()
}

/// The text of an XHTML document (an EPUB chapter); HTML rules when it is not well-formed
/// XML.
pub(super) fn xhtml_to_text(xhtml: &str) -> String {
    xml_to_text(xhtml).unwrap_or_else(|| html_to_text(xhtml))
}

/// [`xhtml_to_text`] with `quick-xml`; `None` on a syntax error.
fn xml_to_text(xhtml: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xhtml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut builder = TextBuilder::default();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_ascii_lowercase();
                if DROPPED_ELEMENTS.contains(&name.as_str()) {
                    builder.dropped += 1;
                } else {
                    builder.tag(&name, false, false);
                }
            }
            Event::Empty(start) => {
                let name = start.local_name().as_ref().to_ascii_lowercase();
                builder.tag(&name, false, true);
            }
            Event::End(end) => {
                let name = end.local_name().as_ref().to_ascii_lowercase();
                if DROPPED_ELEMENTS.contains(&name.as_str()) {
                    builder.dropped = builder.dropped.saturating_sub(1);
                } else {
                    builder.tag(&name, true, false);
                }
            }
            Event::Text(text) => builder.text(&text.xml10_content()),
            Event::CData(cdata) => builder.text(&cdata.xml10_content()),
            Event::GeneralRef(reference) => {
                let name: &str = &reference;
                match entity(name) {
                    Some(resolved) => builder.text(&resolved),
                    None => builder.text(&format!("&{name};")),
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    Some(builder.finish())
}

/// A tag found by [`markup`].
struct Tag {
    /// Lower case.
    name: String,
    closing: bool,
    self_closing: bool,
}

/// The markup starting at `html[start] == '<'`: a tag (or `None` for a comment, doctype or
/// processing instruction) and the index after it; `None` when `<` starts no markup.
fn markup(html: &str, start: usize) -> Option<(Option<Tag>, usize)> {
    let bytes = html.as_bytes();
    let rest = &bytes[start..];
    if rest.starts_with(b"<!--") {
        let end =
            memchr::memmem::find(&rest[4..], b"-->").map_or(bytes.len(), |at| start + 4 + at + 3);
        return Some((None, end));
    }
    if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
        let end = memchr::memchr(b'>', rest).map_or(bytes.len(), |at| start + at + 1);
        return Some((None, end));
    }
    let closing = rest.get(1) == Some(&b'/');
    let name_start = start + 1 + usize::from(closing);
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_len = bytes[name_start..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b':' || b == b'_'))
        .unwrap_or(bytes.len() - name_start);
    let name_end = name_start + name_len;
    let end = tag_end(bytes, name_end);
    let self_closing = end >= 2 && bytes[end - 1] == b'>' && bytes[end - 2] == b'/';
    let name = html[name_start..name_end].to_ascii_lowercase();
    // `<svg:p>` and `<html:p>` are `p`.
    let name = match name.rsplit_once(':') {
        Some((_, local)) => local.to_string(),
        None => name,
    };
    let tag = Tag {
        name,
        closing,
        self_closing,
    };
    Some((Some(tag), end))
}

/// The index after the `>` that ends a tag whose attributes start at `from`, skipping `>`
/// inside quoted attribute values (unless a quote is never closed).
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (offset, &b) in bytes[from..].iter().enumerate() {
        match (quote, b) {
            (None, b'>') => return from + offset + 1,
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(open), b) if b == open => quote = None,
            _ => {}
        }
    }
    // An unclosed quote: the tag ends at the first `>`, or with the input.
    memchr::memchr(b'>', &bytes[from..]).map_or(bytes.len(), |at| from + at + 1)
}

/// The index after `</name ...>` that closes raw text starting at `from` (the end of the
/// input if it is never closed).
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(at) = memchr::memmem::find(&bytes[i..], b"</") {
        let name_start = i + at + 2;
        let candidate = bytes.get(name_start..name_start + name.len());
        if candidate.is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes())) {
            let after = name_start + name.len();
            return memchr::memchr(b'>', &bytes[after..]).map_or(bytes.len(), |at| after + at + 1);
        }
        i = name_start;
    }
    bytes.len()
}

/// `text` with its character references replaced.
fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let name_len = rest[1..]
            .bytes()
            .take(40)
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'#'));
        let resolved = name_len
            .filter(|&len| len > 0 && rest.as_bytes().get(1 + len) == Some(&b';'))
            .and_then(|len| entity(&rest[1..1 + len]).map(|resolved| (resolved, len)));
        match resolved {
            Some((resolved, len)) => {
                out.push_str(&resolved);
                rest = &rest[len + 2..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The text of the entity or character reference `name` (between `&` and `;`).
fn entity(name: &str) -> Option<String> {
    let Some(number) = name.strip_prefix('#') else {
        return quick_xml::escape::resolve_html5_entity(name).map(str::to_string);
    };
    let code = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => number.parse::<u32>(),
    };
    let code = code.unwrap_or(0xfffd);
    let character = match code {
        // HTML reads these as windows-1252 bytes.
        0x80..=0x9f => {
            let byte = [u8::try_from(code).unwrap_or(b'?')];
            return Some(
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&byte)
                    .0
                    .into_owned(),
            );
        }
        0 => '\u{fffd}',
        code => char::from_u32(code).unwrap_or('\u{fffd}'),
    };
    Some(character.to_string())
}

/// Collects text and line breaks.
#[derive(Default)]
struct TextBuilder {
    out: String,
    /// White space was seen since the last character written.
    space: bool,
    /// A line break is due before the next character.
    line_break: bool,
    /// Nesting of `<pre>`.
    pre: u32,
    /// Inside `<head>`.
    head: bool,
    /// Nesting of dropped elements (XHTML only; the tag stripper skips their content).
    dropped: u32,
}

impl TextBuilder {
    fn tag(&mut self, name: &str, closing: bool, self_closing: bool) {
        match (name, closing) {
            ("head", false) if !self_closing => self.head = true,
            ("head", true) => self.head = false,
            ("br", _) => {
                // Each `<br>` is a line break of its own.
                if self.line_break || !self.out.is_empty() {
                    self.out.push('\n');
                }
                self.line_break = false;
                self.space = false;
            }
            ("pre", false) if !self_closing => self.pre += 1,
            ("pre", true) => self.pre = self.pre.saturating_sub(1),
            _ => {}
        }
        if BLOCK_ELEMENTS.contains(&name) && name != "br" {
            if !closing && name != "html" {
                self.head = false;
            }
            self.line_break = true;
        }
    }

    fn text(&mut self, text: &str) {
        if self.head || self.dropped > 0 {
            return;
        }
        for character in text.chars() {
            if self.pre > 0 && character == '\n' {
                self.out.push('\n');
                self.line_break = false;
                self.space = false;
            } else if character.is_whitespace() && self.pre == 0 {
                self.space = true;
            } else if character.is_whitespace() {
                self.out.push(character);
            } else {
                if self.line_break {
                    if !self.out.is_empty() && !self.out.ends_with('\n') {
                        self.out.push('\n');
                    }
                } else if self.space && !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push(' ');
                }
                self.line_break = false;
                self.space = false;
                self.out.push(character);
            }
        }
    }

    fn finish(mut self) -> String {
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(html: &str, expected: &str) {
        assert_eq!(html_to_text(html), expected, "html: {html}");
    }

    #[test]
    fn html_to_text_cases() {
        check("<p>One</p><p>Two</p>", "One\nTwo");
        check("a<br>b<br/><br>c", "a\nb\n\nc");
        check("<b>bold</b> and <i>it</i>", "bold and it");
        check("x <script>if (a<b) { '</p>' }</script> y", "x y");
        check("x<SCRIPT type=a>var s = 1;</Script >y", "xy");
        check("<style>p { color: red }</style>text", "text");
        check("a<!-- <p>gone</p> -->b", "ab");
        check("a<!-- never closed", "a");
        check(
            "Tom &amp; Jerry&#8217;s &#x2019; &nbsp;&mdash;",
            "Tom & Jerry’s ’ —",
        );
        check(
            "&unknown; &amp &#150; &#0; &#x110000;",
            "&unknown; &amp – \u{fffd} \u{fffd}",
        );
        check("1 < 2 and 3 > 2", "1 < 2 and 3 > 2");
        check("<a href='x>y'>link</a>", "link");
        check("<a title=\"unclosed>text", "text");
        check(
            "<html><head><title>T</title></head><body><h1>H</h1>body</body></html>",
            "H\nbody",
        );
        check("<head><title>T</title><p>no head end", "no head end");
        check("<pre>a  b\n c</pre>d", "a  b\n c\nd");
        check("  lots \n of   space  ", "lots of space");
        check("<", "<");
        check("<<>>&", "<<>>&");
        check("<p>é<span>ü</span></p>", "éü");
    }

    #[test]
    fn xhtml_to_text_cases() {
        let xhtml = r#"<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapter</title>
<style>p{}</style></head>
<body><h2>Chapter I</h2><p>It was &#8220;cold&#8221; &amp; dark&nbsp;out.</p>
<p>Second<br/>line <![CDATA[a < b]]></p><script>x()</script></body></html>"#;
        assert_eq!(
            xhtml_to_text(xhtml),
            "Chapter I\nIt was “cold” & dark out.\nSecond\nline a < b"
        );
        // Not well-formed: the tag stripper takes over.
        assert_eq!(xhtml_to_text("<p>a</q><p attr=>b &"), "a\nb &");
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn markup_to_text_never_panics(input in r#"[<>&;#!/\-a-zA-Z0-9 "'=xé\n]{0,200}"#) {
            let text = super::html_to_text(&input);
            prop_assert!(!text.starts_with(char::is_whitespace));
            super::xhtml_to_text(&input);
        }
    }
}
