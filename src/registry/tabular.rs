//! Generic tabular importer: CSV, TSV and JSON Lines with named columns.
//!
//! Columns are matched by header name, case-insensitively, with common aliases (see
//! [`Column::from_name`]); unknown columns are ignored. A row needs at least one valid digest
//! (md5, sha1, sha256 or blake3); a digest that is present but not hex of the right length
//! rejects the row, naming the column and the value. The collection is the source's file stem
//! and the id is the `id` column, or else the row's 1-based line number in the source.

use std::io::BufRead;

use anyhow::Context;
use serde_json::Value;

use crate::cmi;
use crate::digest::parse_hex;

use super::schema::{NewRecord, Writer};

/// A column we understand.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Md5,
    Sha1,
    Sha256,
    Blake3,
    Title,
    Authors,
    Isbns,
    Year,
    Publisher,
    Filesize,
    Extension,
    Id,
    Locator,
    Visible,
}

impl Column {
    /// The column a header name denotes (case-insensitive, with aliases).
    fn from_name(name: &str) -> Option<Column> {
        let name = name
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase();
        let column = match name.as_str() {
            "md5" => Column::Md5,
            "sha1" | "sha-1" => Column::Sha1,
            "sha256" | "sha-256" => Column::Sha256,
            "blake3" | "b3" => Column::Blake3,
            "title" => Column::Title,
            "author" | "authors" => Column::Authors,
            "isbn" | "isbns" | "identifier" | "identifiers" => Column::Isbns,
            "year" => Column::Year,
            "publisher" => Column::Publisher,
            "filesize" | "size" | "bytes" => Column::Filesize,
            "extension" | "ext" => Column::Extension,
            "id" => Column::Id,
            "locator" | "filename" | "file_name" => Column::Locator,
            "visible" => Column::Visible,
            _ => return None,
        };
        Some(column)
    }
}

/// Reads CSV (or TSV, when `tsv` or when the header line has more tabs than commas).
///
/// Records are parsed by `csv_core` into buffers that never grow past [`MAX_LINE_BYTES`] of
/// fields (or [`MAX_CSV_FIELDS`] fields): a longer record (one unterminated quote before
/// gigabytes of data, say) is read through, rejected with its line, and not held.
///
/// # Errors
///
/// A read error of `input` or a database error; bad rows never fail.
pub fn read_csv<R: BufRead>(
    mut input: R,
    tsv: bool,
    collection: &str,
    writer: &mut Writer<'_>,
) -> anyhow::Result<()> {
    let head = input.fill_buf().context("failed to read the header")?;
    let first_line = head.split(|&byte| byte == b'\n').next().unwrap_or_default();
    let tabs = first_line.iter().filter(|&&byte| byte == b'\t').count();
    let commas = first_line.iter().filter(|&&byte| byte == b',').count();
    let tsv = tsv || tabs > commas;
    let mut reader = CsvRecords::new(input, tsv);
    let columns: Vec<Option<Column>> = match reader.next().context("failed to read the header")? {
        None => return Ok(()),
        Some(header) if header.too_long => {
            anyhow::bail!(
                "the header is longer than {MAX_LINE_BYTES} bytes or {MAX_CSV_FIELDS} fields"
            )
        }
        Some(_) => reader
            .fields()
            .map(|name| Column::from_name(&String::from_utf8_lossy(name)))
            .collect(),
    };
    let mut fields = Vec::new();
    while let Some(record) = reader.next().context("failed to read a row")? {
        if record.too_long {
            writer.read += 1;
            writer.reject(
                record.line,
                &format!("row longer than {MAX_LINE_BYTES} bytes or {MAX_CSV_FIELDS} fields"),
            )?;
            continue;
        }
        if reader.fields().all(|field| field.trim_ascii().is_empty()) {
            continue;
        }
        writer.read += 1;
        fields.clear();
        for (column, field) in columns.iter().zip(reader.fields()) {
            if let Some(column) = column {
                let text = String::from_utf8_lossy(field).trim().to_string();
                if !text.is_empty() {
                    fields.push((*column, text));
                }
            }
        }
        match build(&fields, collection, record.line) {
            Ok(record) => writer.record(&record)?,
            Err(reason) => writer.reject(record.line, &reason)?,
        }
    }
    Ok(())
}

/// Most fields of one CSV record.
pub(super) const MAX_CSV_FIELDS: usize = 1 << 16;

/// One record read by [`CsvRecords::next`].
struct CsvRecord {
    /// Line where the record starts, counted as the `csv` crate does (1-based).
    line: u64,
    /// Whether the record was longer than the limits; its fields were not kept.
    too_long: bool,
}

/// CSV records with bounded memory: `csv_core`'s state machine over a buffered reader, as
/// `csv::Reader::read_byte_record` drives it, with buffers that stop growing at the limits.
struct CsvRecords<R> {
    input: R,
    core: csv_core::Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// Fields of the last record: `ends[..len]`.
    len: usize,
}

impl<R: BufRead> CsvRecords<R> {
    fn new(input: R, tsv: bool) -> CsvRecords<R> {
        CsvRecords {
            input,
            core: csv_core::ReaderBuilder::new()
                .delimiter(if tsv { b'\t' } else { b',' })
                .quoting(!tsv)
                .build(),
            fields: vec![0; 1024],
            ends: vec![0; 32],
            len: 0,
        }
    }

    /// The next record, `None` at the end.
    fn next(&mut self) -> std::io::Result<Option<CsvRecord>> {
        use csv_core::ReadRecordResult::{End, InputEmpty, OutputEndsFull, OutputFull, Record};
        let line = self.core.line();
        let (mut outlen, mut endlen) = (0, 0);
        let mut too_long = false;
        loop {
            let input = self.input.fill_buf()?;
            let (result, read, written, ended) =
                self.core
                    .read_record(input, &mut self.fields[outlen..], &mut self.ends[endlen..]);
            self.input.consume(read);
            outlen += written;
            endlen += ended;
            match result {
                InputEmpty => {}
                OutputFull if self.fields.len() < MAX_LINE_BYTES => {
                    let grown = (self.fields.len() * 2).min(MAX_LINE_BYTES);
                    self.fields.resize(grown, 0);
                }
                OutputEndsFull if self.ends.len() < MAX_CSV_FIELDS => {
                    let grown = (self.ends.len() * 2).min(MAX_CSV_FIELDS);
                    self.ends.resize(grown, 0);
                }
                // Over a limit: what was kept of this record is dropped and the rest is read
                // through the same buffers.
                OutputFull | OutputEndsFull => {
                    too_long = true;
                    outlen = 0;
                    endlen = 0;
                }
                Record => {
                    self.len = if too_long { 0 } else { endlen };
                    return Ok(Some(CsvRecord { line, too_long }));
                }
                End => return Ok(None),
            }
        }
    }

    /// The fields of the last record read.
    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.len].iter().map(move |&end| {
            let field = &self.fields[start..end];
            start = end;
            field
        })
    }
}

/// Reads JSON Lines of objects with named fields.
///
/// # Errors
///
/// A read error of `input` or a database error; bad lines never fail.
pub fn read_jsonl<R: BufRead>(
    mut input: R,
    collection: &str,
    writer: &mut Writer<'_>,
) -> anyhow::Result<()> {
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut fields = Vec::new();
    loop {
        let (read, too_long) = read_line_bounded(&mut input, &mut line, MAX_LINE_BYTES)
            .context("failed to read a line")?;
        if read == 0 {
            return Ok(());
        }
        line_number += 1;
        if too_long {
            writer.read += 1;
            writer.reject(line_number, &too_long_reason())?;
            continue;
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        writer.read += 1;
        let object = match serde_json::from_slice::<Value>(&line) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                writer.reject(line_number, "not a json object")?;
                continue;
            }
            Err(err) => {
                writer.reject(line_number, &format!("invalid json: {err}"))?;
                continue;
            }
        };
        fields.clear();
        for (name, value) in &object {
            let Some(column) = Column::from_name(name) else {
                continue;
            };
            let text = match value {
                Value::String(text) => text.trim().to_string(),
                Value::Number(number) => number.to_string(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(|item| match item {
                        Value::String(text) => Some(text.trim().to_string()),
                        Value::Number(number) => Some(number.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(if column == Column::Authors { "; " } else { " " }),
                _ => continue,
            };
            if !text.is_empty() {
                fields.push((column, text));
            }
        }
        match build(&fields, collection, line_number) {
            Ok(record) => writer.record(&record)?,
            Err(reason) => writer.reject(line_number, &reason)?,
        }
    }
}

/// Builds a record from a row's non-empty fields, or says why the row is rejected.
fn build(fields: &[(Column, String)], collection: &str, line: u64) -> Result<NewRecord, String> {
    let mut record = NewRecord {
        collection: collection.to_string(),
        id: line.to_string(),
        ..NewRecord::default()
    };
    for (column, text) in fields {
        let text = text.clone();
        match column {
            Column::Md5 => record.md5 = Some(digest(&text, "md5")?),
            Column::Sha1 => record.sha1 = Some(digest(&text, "sha1")?),
            Column::Sha256 => record.sha256 = Some(digest(&text, "sha256")?),
            Column::Blake3 => record.blake3 = Some(digest(&text, "blake3")?),
            Column::Title => record.title = Some(text),
            Column::Authors => record.authors = Some(text),
            Column::Isbns => {
                let (isbns, invalid) = cmi::isbn_list(&text);
                record.isbns = isbns;
                record.invalid_isbns = invalid;
            }
            Column::Year => record.year = Some(text),
            Column::Publisher => record.publisher = Some(text),
            // A size that is not a number is dropped, not a reason to lose the digest.
            Column::Filesize => record.filesize = text.parse().ok(),
            Column::Extension => {
                record.extension = Some(text.trim_start_matches('.').to_ascii_lowercase());
            }
            Column::Id => record.id = text,
            Column::Locator => record.locator = Some(text),
            Column::Visible => record.visible = Some(text),
        }
    }
    if record.md5.is_none()
        && record.sha1.is_none()
        && record.sha256.is_none()
        && record.blake3.is_none()
    {
        return Err("no digest: a row needs an md5, sha1, sha256 or blake3 column value".into());
    }
    Ok(record)
}

/// Parses a hex digest of `N` bytes, or names the column and value at fault.
fn digest<const N: usize>(text: &str, column: &str) -> Result<[u8; N], String> {
    parse_hex::<N>(text).ok_or_else(|| {
        let shown: String = text.chars().take(80).collect();
        format!(
            "column `{column}`: invalid {column} `{shown}` (expected {} hex digits)",
            2 * N
        )
    })
}

/// Longest JSON line of a registry source held in memory: 16 MiB (real AAC and JSONL registry
/// lines are a few KiB). A longer line is rejected, and read past without being kept, so a
/// hostile source cannot make an import hold gigabytes (issue 6).
pub(super) const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// The reject reason of a line longer than [`MAX_LINE_BYTES`].
pub(super) fn too_long_reason() -> String {
    format!("line longer than {MAX_LINE_BYTES} bytes")
}

/// Reads one line (up to and including `\n`) into `line`, which is cleared first, keeping at
/// most `max` bytes. Returns the bytes consumed (0 at the end of the input) and whether the
/// line was longer than `max`, in which case `line` is empty and the rest of the line was
/// consumed without being kept.
pub(super) fn read_line_bounded<R: BufRead>(
    input: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    line.clear();
    let (mut consumed, mut too_long) = (0, false);
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if buf.is_empty() {
            return Ok((consumed, too_long));
        }
        let (chunk_len, line_ends) = match memchr::memchr(b'\n', buf) {
            Some(index) => (index + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if line.len() + chunk_len > max {
                too_long = true;
                *line = Vec::new();
            } else {
                line.extend_from_slice(&buf[..chunk_len]);
            }
        }
        input.consume(chunk_len);
        consumed += chunk_len;
        if line_ends {
            return Ok((consumed, too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_line_bounded;

    #[track_caller]
    fn check(input: &[u8], max: usize, expected: &[(&[u8], bool)]) {
        let mut reader = std::io::BufReader::with_capacity(4, input);
        let mut line = Vec::new();
        let mut got = Vec::new();
        loop {
            let (read, too_long) = read_line_bounded(&mut reader, &mut line, max).unwrap();
            if read == 0 {
                break;
            }
            got.push((line.clone(), too_long));
        }
        let expected: Vec<(Vec<u8>, bool)> =
            expected.iter().map(|(l, t)| (l.to_vec(), *t)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn lines_longer_than_the_limit_are_flagged_and_not_kept() {
        check(b"", 8, &[]);
        check(b"a\nbb\n", 8, &[(b"a\n", false), (b"bb\n", false)]);
        check(b"12345678\n", 8, &[(b"", true)]);
        check(b"1234567\n", 8, &[(b"1234567\n", false)]);
        check(
            b"short\nthis one is far too long\nok",
            8,
            &[(b"short\n", false), (b"", true), (b"ok", false)],
        );
    }
}
