//! JSON Lines: one document per line, from the configured text field(s).
//!
//! Lines are read with bounded memory: a line longer than `max_record_bytes` is never held;
//! the reader notes it, skips to the next line feed and reports it as a [`super::DocError`].
//! Line numbers are 1-based and count every line, blank ones included.

use std::io::{self, BufRead, BufReader, Read};

use serde_json::Value;

use super::Budget;
use super::Format;
use super::documents::Output;

/// Size of the read buffer (lines longer than this are assembled from several reads).
const BUF_SIZE: usize = 64 * 1024;

/// Reads the JSON Lines stream `reader` (held at `address`) and emits one document per line.
pub(super) fn records(budget: &Budget, out: &mut Output, reader: &mut dyn Read, address: &[u8]) {
    let max = out.max_record_bytes();
    let mut reader = BufReader::with_capacity(BUF_SIZE, reader);
    let mut line = Vec::new();
    let mut too_long = false;
    let mut line_number: u64 = 1;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                // The partial line before the fault is not a record.
                out.error(
                    address,
                    Some(line_number.to_string()),
                    budget.describe(&err),
                );
                return;
            }
        };
        if chunk.is_empty() {
            if !line.is_empty() || too_long {
                record(out, address, line_number, &line, too_long);
            }
            return;
        }
        let (n_taken, line_ends) = match memchr::memchr(b'\n', chunk) {
            Some(newline) => (newline, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if line.len() + n_taken > max {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(&chunk[..n_taken]);
            }
        }
        reader.consume(n_taken + usize::from(line_ends));
        if line_ends {
            record(out, address, line_number, &line, too_long);
            line.clear();
            too_long = false;
            line_number += 1;
        }
    }
}

/// Emits the document (or the error) of one line.
fn record(out: &mut Output, address: &[u8], line_number: u64, line: &[u8], too_long: bool) {
    let record = Some(line_number.to_string());
    if too_long {
        out.too_long(address, record);
        return;
    }
    let line = if line_number == 1 {
        line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line)
    } else {
        line
    };
    if line.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    match text(line, &out.config.text_fields) {
        Ok(text) => out.document(address, record, text, "utf-8", Format::Jsonl),
        Err(message) => out.error(address, record, message),
    }
}

/// The text of one line: its text fields that are strings, joined with a blank line.
///
/// # Errors
///
/// Invalid UTF-8, invalid JSON, not an object, or none of `fields` is a string.
fn text(line: &[u8], fields: &[String]) -> Result<String, String> {
    let line = std::str::from_utf8(line)
        .map_err(|err| format!("invalid utf-8 at byte {}", err.valid_up_to()))?;
    let value: Value = serde_json::from_str(line).map_err(|err| format!("invalid json: {err}"))?;
    if !value.is_object() {
        return Err("not a json object".to_string());
    }
    let texts: Vec<&str> = fields
        .iter()
        .filter_map(|field| field_text(&value, field))
        .collect();
    if texts.is_empty() {
        let names: Vec<String> = fields.iter().map(|field| format!("`{field}`")).collect();
        return Err(match names.as_slice() {
            [name] => format!("no text field: {name} is missing or not a string"),
            names => format!("no text field: none of {} is a string", names.join(", ")),
        });
    }
    Ok(texts.join("\n\n"))
}

/// The string at `field` in `value`: a literal key first, then a dotted path (`meta.body`).
pub(super) fn field_text<'v>(value: &'v Value, field: &str) -> Option<&'v str> {
    if let Some(text) = value.get(field).and_then(Value::as_str) {
        return Some(text);
    }
    if !field.contains('.') {
        return None;
    }
    let mut current = value;
    for key in field.split('.') {
        current = current.get(key)?;
    }
    current.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_of_lines() {
        let fields = ["text".to_string(), "meta.body".to_string()];
        let check = |line: &str| text(line.as_bytes(), &fields);
        assert_eq!(check(r#"{"text":"a"}"#), Ok("a".into()));
        assert_eq!(check(r#"{"meta":{"body":"b"}}"#), Ok("b".into()));
        assert_eq!(check(r#"{"meta.body":"c"}"#), Ok("c".into()));
        assert_eq!(
            check(r#"{"text":"a","meta":{"body":"b"}}"#),
            Ok("a\n\nb".into())
        );
        assert_eq!(
            check(r#"{"text":1}"#),
            Err("no text field: none of `text`, `meta.body` is a string".into())
        );
        assert_eq!(check("[1]"), Err("not a json object".into()));
        assert!(check("{").unwrap_err().starts_with("invalid json"));
        assert_eq!(
            text(b"{\"text\":\"\xff\"}", &fields),
            Err("invalid utf-8 at byte 9".into())
        );
    }
}
