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
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if tsv { b'\t' } else { b',' })
        .quoting(!tsv)
        .flexible(true)
        .has_headers(true)
        .from_reader(input);
    let columns: Vec<Option<Column>> = reader
        .byte_headers()
        .context("failed to read the header")?
        .iter()
        .map(|name| Column::from_name(&String::from_utf8_lossy(name)))
        .collect();
    let mut row = csv::ByteRecord::new();
    let mut fields = Vec::new();
    loop {
        let more = match reader.read_byte_record(&mut row) {
            Ok(more) => more,
            Err(err) => {
                if let csv::ErrorKind::Io(_) = err.kind() {
                    return Err(err).context("failed to read a row");
                }
                writer.read += 1;
                let line = err.position().map_or(0, csv::Position::line);
                writer.reject(line, &format!("bad csv row: {err}"))?;
                continue;
            }
        };
        if !more {
            return Ok(());
        }
        let line = row.position().map_or(0, csv::Position::line);
        if row.iter().all(|field| field.trim_ascii().is_empty()) {
            continue;
        }
        writer.read += 1;
        fields.clear();
        for (column, field) in columns.iter().zip(row.iter()) {
            if let Some(column) = column {
                let text = String::from_utf8_lossy(field).trim().to_string();
                if !text.is_empty() {
                    fields.push((*column, text));
                }
            }
        }
        match build(&fields, collection, line) {
            Ok(record) => writer.record(&record)?,
            Err(reason) => writer.reject(line, &reason)?,
        }
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
        line.clear();
        if input
            .read_until(b'\n', &mut line)
            .context("failed to read a line")?
            == 0
        {
            return Ok(());
        }
        line_number += 1;
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
