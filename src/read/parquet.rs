//! Parquet: one document per row, from the configured text column(s).
//!
//! The text fields name leaf columns by their dotted path (`text`, `meta.body`). Only
//! non-repeated string columns (`BYTE_ARRAY` annotated `STRING` or legacy `UTF8`) are read;
//! when none of the fields names one, the file gives one [`super::DocError`] that lists the
//! columns it has. Rows are numbered from 0 across row groups (`row=5120`); a row whose text
//! columns are all null is an error for that row, as a JSONL line without its text field is.
//!
//! Row groups are read one after another, in batches of [`BATCH_ROWS`] rows; the crate
//! decodes one page at a time. Before a row group is read, the uncompressed size of its text
//! columns (from the file's metadata) is charged against `max_expanded`.
//!
//! The `parquet` crate has panicked on corrupt input in the past (it indexes and `expect`s on
//! decoded metadata), so reading runs inside `catch_unwind`: a panic becomes a
//! [`super::DocError`] for the file, after the documents already emitted.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ::parquet::basic::{ConvertedType, LogicalType, Type as PhysicalType};
use ::parquet::column::reader::ColumnReader;
use ::parquet::data_type::ByteArray;
use ::parquet::file::reader::{ChunkReader, FileReader, SerializedFileReader};
use ::parquet::schema::types::ColumnDescriptor;

use super::documents::Output;
use super::{Budget, Format};

/// Rows decoded at once.
const BATCH_ROWS: usize = 256;

/// Emits one document per row of the Parquet file `reader`, held at `address`.
pub(super) fn rows<R: ChunkReader + 'static>(
    budget: &Budget,
    out: &mut Output,
    reader: R,
    address: &[u8],
) {
    let result = catch_unwind(AssertUnwindSafe(|| read_rows(budget, out, reader, address)));
    match result {
        Ok(Ok(())) => {}
        Ok(Err(message)) => out.error(address, None, message),
        Err(_) => {
            let message = "corrupt parquet file: the parquet reader failed".to_string();
            out.error(address, None, message);
        }
    }
}

/// A text column being read: its index and the values of the current batch.
struct TextColumn {
    index: usize,
    max_def_level: i16,
    values: Vec<ByteArray>,
    def_levels: Vec<i16>,
    /// Per row of the batch, the index in `values` of its value (`None` for null).
    rows: Vec<Option<usize>>,
}

/// [`rows`] without the panic guard.
///
/// # Errors
///
/// An unreadable file, no text column, or a fault in a row group (rows before it are kept).
fn read_rows<R: ChunkReader + 'static>(
    budget: &Budget,
    out: &mut Output,
    reader: R,
    address: &[u8],
) -> Result<(), String> {
    let file =
        SerializedFileReader::new(reader).map_err(|err| format!("corrupt parquet file: {err}"))?;
    let metadata = file.metadata();
    let schema = metadata.file_metadata().schema_descr();
    let mut columns: Vec<TextColumn> = Vec::new();
    for field in &out.config.text_fields {
        let found = schema
            .columns()
            .iter()
            .position(|column| column.path().string() == *field && is_text(column));
        if let Some(index) = found
            && !columns.iter().any(|column| column.index == index)
        {
            columns.push(TextColumn {
                index,
                max_def_level: schema.column(index).max_def_level(),
                values: Vec::new(),
                def_levels: Vec::new(),
                rows: Vec::new(),
            });
        }
    }
    if columns.is_empty() {
        return Err(no_text_column(&out.config.text_fields, schema.columns()));
    }
    let mut first_row: u64 = 0;
    for group_index in 0..metadata.num_row_groups() {
        let group_metadata = metadata.row_group(group_index);
        let uncompressed: i64 = columns
            .iter()
            .map(|column| group_metadata.column(column.index).uncompressed_size())
            .sum();
        budget.charge(u64::try_from(uncompressed).unwrap_or(0))?;
        let group = file
            .get_row_group(group_index)
            .map_err(|err| format!("corrupt parquet row group {group_index}: {err}"))?;
        let mut readers = Vec::new();
        for column in &columns {
            match group.get_column_reader(column.index) {
                Ok(ColumnReader::ByteArrayColumnReader(reader)) => readers.push(reader),
                Ok(_) => return Err(format!("column {} is not a byte array", column.index)),
                Err(err) => return Err(format!("corrupt parquet row group {group_index}: {err}")),
            }
        }
        loop {
            let mut n_rows = usize::MAX;
            for (column, reader) in columns.iter_mut().zip(readers.iter_mut()) {
                column.values.clear();
                column.def_levels.clear();
                let (n_records, _, _) = reader
                    .read_records(
                        BATCH_ROWS,
                        Some(&mut column.def_levels),
                        None,
                        &mut column.values,
                    )
                    .map_err(|err| {
                        let row = first_row;
                        format!("corrupt parquet data near row {row}: {err}")
                    })?;
                column.locate_rows(n_records);
                n_rows = n_rows.min(n_records);
            }
            if n_rows == 0 || n_rows == usize::MAX {
                break;
            }
            for row in 0..n_rows {
                emit_row(out, address, &columns, row, first_row + row as u64);
            }
            first_row += n_rows as u64;
        }
    }
    Ok(())
}

impl TextColumn {
    /// Fills `rows` for a batch of `n_records` rows from the definition levels.
    fn locate_rows(&mut self, n_records: usize) {
        self.rows.clear();
        if self.max_def_level == 0 {
            self.rows
                .extend((0..n_records.min(self.values.len())).map(Some));
            return;
        }
        let mut next_value = 0;
        for &level in self.def_levels.iter().take(n_records) {
            if level == self.max_def_level && next_value < self.values.len() {
                self.rows.push(Some(next_value));
                next_value += 1;
            } else {
                self.rows.push(None);
            }
        }
    }
}

/// Emits the document (or the error) of one row of the batch.
fn emit_row(out: &mut Output, address: &[u8], columns: &[TextColumn], row: usize, number: u64) {
    let record = Some(format!("row={number}"));
    let mut texts = Vec::new();
    for column in columns {
        let Some(value_index) = column.rows.get(row).copied().flatten() else {
            continue;
        };
        match std::str::from_utf8(column.values[value_index].data()) {
            Ok(text) => texts.push(text),
            Err(err) => {
                let message = format!("invalid utf-8 at byte {}", err.valid_up_to());
                out.error(address, record, message);
                return;
            }
        }
    }
    if texts.is_empty() {
        out.error(
            address,
            record,
            "no text: the text columns are null".to_string(),
        );
        return;
    }
    let length = texts.iter().map(|text| text.len()).sum::<usize>();
    if length > out.max_record_bytes() {
        out.too_long(address, record);
        return;
    }
    out.document(
        address,
        record,
        texts.join("\n\n"),
        "utf-8",
        Format::Parquet,
    );
}

/// A non-repeated UTF-8 string column.
fn is_text(column: &ColumnDescriptor) -> bool {
    column.physical_type() == PhysicalType::BYTE_ARRAY
        && column.max_rep_level() == 0
        && (matches!(column.logical_type_ref(), Some(LogicalType::String))
            || column.converted_type() == ConvertedType::UTF8)
}

/// The message for a file without any of the text columns.
fn no_text_column(fields: &[String], columns: &[std::sync::Arc<ColumnDescriptor>]) -> String {
    let wanted: Vec<String> = fields.iter().map(|field| format!("`{field}`")).collect();
    let existing: Vec<String> = columns
        .iter()
        .map(|column| {
            let kind = if is_text(column) {
                "string".to_string()
            } else if column.max_rep_level() > 0 {
                format!("repeated {}", column.physical_type())
            } else {
                column.physical_type().to_string()
            };
            format!("`{}` ({kind})", column.path().string())
        })
        .collect();
    format!(
        "no string column {} in parquet file; its columns: {}",
        wanted.join(" or "),
        if existing.is_empty() {
            "none".to_string()
        } else {
            existing.join(", ")
        }
    )
}
