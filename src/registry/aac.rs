//! Anna's Archive container (AAC) importer: JSON Lines of `{aacid, metadata, data_folder?}`.
//!
//! The collection comes from the AACID (`aacid__{collection}__{time}__{id}__{uuid}`).
//!
//! - `zlib3_records`: every line is one version of a Z-Library record and is kept as its own
//!   row (collection `zlib3`, id = `zlibrary_id`), with its version time, so that the takedown
//!   history (`removed`, `removalReason`, `annabookinfo.response.deleted_comment`) survives.
//!   ASINs in `isbns` are kept in `extra` as `asin:B0...`.
//! - `zlib3_files`: `zlibrary_id` (number or string) → `md5`, kept as a `zlib3` row so that a
//!   lookup by md5 finds the work even when `zlib3_records` lacks that md5.
//! - Any other collection: a line whose metadata carries a valid `md5` (or `md5_reported`) is
//!   kept under that collection with the AACID's id part as id; other lines are rejected with
//!   `unsupported aac collection`.
//!
//! A line that is not JSON, or lacks an `aacid`, is rejected with its line number.

use std::io::BufRead;

use anyhow::Context;
use serde::Deserialize;
use serde_json::Value;

use crate::cmi;
use crate::digest::parse_hex;

use super::schema::{NewRecord, Writer};

/// Reads AAC JSON Lines from `input` (already decompressed) into `writer`.
///
/// # Errors
///
/// A read error of `input` or a database error; malformed lines never fail.
pub fn read<R: BufRead>(mut input: R, writer: &mut Writer<'_>) -> anyhow::Result<()> {
    let mut line = Vec::new();
    let mut line_number = 0u64;
    loop {
        let (read, too_long) = super::tabular::read_line_bounded(
            &mut input,
            &mut line,
            super::tabular::MAX_LINE_BYTES,
        )
        .context("failed to read a line")?;
        if read == 0 {
            return Ok(());
        }
        line_number += 1;
        if too_long {
            writer.read += 1;
            writer.reject(line_number, &super::tabular::too_long_reason())?;
            continue;
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        writer.read += 1;
        match parse_line(&line) {
            Ok(record) => writer.record(&record)?,
            Err(reason) => writer.reject(line_number, &reason)?,
        }
    }
}

/// Parts of an AACID.
struct Aacid<'a> {
    collection: &'a str,
    /// Version time in RFC 3339 form (`2023-08-08T01:43:42Z`), or as given if malformed.
    time: String,
    id: &'a str,
}

fn split_aacid(aacid: &str) -> Option<Aacid<'_>> {
    let mut parts = aacid.split("__");
    if parts.next()? != "aacid" {
        return None;
    }
    let collection = parts.next().filter(|part| !part.is_empty())?;
    let time = parts.next()?;
    let id = parts.next().unwrap_or_default();
    Some(Aacid {
        collection,
        time: rfc3339(time),
        id,
    })
}

/// `20230808T014342Z` → `2023-08-08T01:43:42Z`; anything else is returned unchanged.
fn rfc3339(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() == 16 && digits(0..8) && bytes[8] == b'T' && digits(9..15) && bytes[15] == b'Z' {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &compact[0..4],
            &compact[4..6],
            &compact[6..8],
            &compact[9..11],
            &compact[11..13],
            &compact[13..15]
        )
    } else {
        compact.to_string()
    }
}

/// One AAC line; unknown fields are skipped without being built.
#[derive(Deserialize)]
struct Line {
    aacid: Option<String>,
    metadata: Option<Metadata>,
}

/// The metadata fields any collection we read uses. Deserializing only these (rather than a
/// whole `Value` tree) roughly doubles the import rate.
#[derive(Deserialize)]
struct Metadata {
    zlibrary_id: Option<Value>,
    md5_reported: Option<Value>,
    md5: Option<Value>,
    sha1: Option<Value>,
    sha256: Option<Value>,
    filesize_reported: Option<Value>,
    filesize: Option<Value>,
    extension: Option<Value>,
    title: Option<Value>,
    author: Option<Value>,
    year: Option<Value>,
    publisher: Option<Value>,
    isbns: Option<Value>,
    removed: Option<Value>,
    #[serde(rename = "removalReason")]
    removal_reason: Option<Value>,
    annabookinfo: Option<Value>,
}

impl Metadata {
    /// A field by its JSON name.
    fn get(&self, name: &str) -> Option<&Value> {
        let field = match name {
            "zlibrary_id" => &self.zlibrary_id,
            "md5_reported" => &self.md5_reported,
            "md5" => &self.md5,
            "sha1" => &self.sha1,
            "sha256" => &self.sha256,
            "filesize_reported" => &self.filesize_reported,
            "filesize" => &self.filesize,
            "extension" => &self.extension,
            "title" => &self.title,
            "author" => &self.author,
            "year" => &self.year,
            "publisher" => &self.publisher,
            "isbns" => &self.isbns,
            "removed" => &self.removed,
            "removalReason" => &self.removal_reason,
            "annabookinfo" => &self.annabookinfo,
            _ => return None,
        };
        field.as_ref().filter(|value| !value.is_null())
    }
}

/// One line to a record, or the reason it is rejected.
fn parse_line(line: &[u8]) -> Result<NewRecord, String> {
    let parsed: Line =
        serde_json::from_slice(line).map_err(|err| format!("invalid json: {err}"))?;
    let aacid_text = parsed.aacid.ok_or_else(|| "missing `aacid`".to_string())?;
    let aacid = split_aacid(&aacid_text).ok_or_else(|| format!("invalid aacid `{aacid_text}`"))?;
    let metadata = parsed
        .metadata
        .ok_or_else(|| "missing `metadata` object".to_string())?;
    let mut record = match aacid.collection {
        "zlib3_records" => zlib3_record(&metadata, &aacid)?,
        "zlib3_files" => zlib3_file(&metadata)?,
        other => generic(&metadata, &aacid)
            .ok_or_else(|| format!("unsupported aac collection `{other}` (no md5 in metadata)"))?,
    };
    record.aacid = Some(aacid_text.clone());
    Ok(record)
}

fn zlib3_record(metadata: &Metadata, aacid: &Aacid<'_>) -> Result<NewRecord, String> {
    let id = id_text(metadata.get("zlibrary_id")).ok_or("missing `zlibrary_id`")?;
    let mut extra = Vec::new();
    let mut isbns = Vec::new();
    let mut invalid_isbns = Vec::new();
    for item in metadata
        .get("isbns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(item) = id_text(Some(item)) else {
            continue;
        };
        if is_asin(&item) {
            extra.push(format!("asin:{item}"));
        } else if let Some(isbn) = cmi::isbn13(&item) {
            isbns.push(isbn);
        } else {
            invalid_isbns.push(item);
        }
    }
    isbns.sort();
    isbns.dedup();
    let removed = metadata.get("removed").is_some_and(truthy);
    let reason = text(metadata.get("removalReason")).or_else(|| {
        text(
            metadata
                .get("annabookinfo")
                .and_then(|info| info.get("response"))
                .and_then(|response| response.get("deleted_comment")),
        )
    });
    let visible = match (removed, reason) {
        (_, Some(reason)) => Some(format!("removed: {reason}")),
        (true, None) => Some("removed".to_string()),
        (false, None) => None,
    };
    Ok(NewRecord {
        collection: "zlib3".to_string(),
        id,
        md5: text(metadata.get("md5_reported")).and_then(|md5| parse_hex::<16>(&md5)),
        filesize: metadata.get("filesize_reported").and_then(number),
        extension: text(metadata.get("extension")).map(|ext| ext.to_ascii_lowercase()),
        title: text(metadata.get("title")),
        authors: text(metadata.get("author")),
        year: id_text(metadata.get("year")).filter(|year| !year.is_empty() && year != "0"),
        publisher: text(metadata.get("publisher")),
        isbns,
        invalid_isbns,
        visible,
        version: Some(aacid.time.clone()),
        extra: (!extra.is_empty()).then(|| extra.join(" ")),
        ..NewRecord::default()
    })
}

fn zlib3_file(metadata: &Metadata) -> Result<NewRecord, String> {
    let id = id_text(metadata.get("zlibrary_id")).ok_or("missing `zlibrary_id`")?;
    let md5_text = text(metadata.get("md5")).ok_or("missing `md5`")?;
    let md5 = parse_hex::<16>(&md5_text).ok_or_else(|| format!("invalid md5 `{md5_text}`"))?;
    Ok(NewRecord {
        collection: "zlib3".to_string(),
        id,
        md5: Some(md5),
        ..NewRecord::default()
    })
}

/// A line of another collection, kept when it carries a valid md5.
fn generic(metadata: &Metadata, aacid: &Aacid<'_>) -> Option<NewRecord> {
    let md5 = text(metadata.get("md5"))
        .or_else(|| text(metadata.get("md5_reported")))
        .and_then(|md5| parse_hex::<16>(&md5))?;
    Some(NewRecord {
        collection: aacid.collection.to_string(),
        id: aacid.id.to_string(),
        md5: Some(md5),
        sha1: text(metadata.get("sha1")).and_then(|sha1| parse_hex::<20>(&sha1)),
        sha256: text(metadata.get("sha256")).and_then(|sha256| parse_hex::<32>(&sha256)),
        filesize: metadata
            .get("filesize")
            .or_else(|| metadata.get("filesize_reported"))
            .and_then(number),
        extension: text(metadata.get("extension")).map(|ext| ext.to_ascii_lowercase()),
        title: text(metadata.get("title")),
        authors: text(metadata.get("author")),
        ..NewRecord::default()
    })
}

/// A non-empty trimmed string value.
fn text(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A string or number as text (ids come as either).
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => {
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_string())
        }
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A non-negative integer given as a number or a string.
fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// `true`, a non-zero number, or a non-empty string other than `0`/`false`.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !matches!(text.trim(), "" | "0" | "false"),
        _ => false,
    }
}

/// An Amazon ASIN: `B0` and 8 upper-case letters or digits.
fn is_asin(item: &str) -> bool {
    item.len() == 10
        && item.starts_with("B0")
        && item
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte.is_ascii_uppercase())
}
