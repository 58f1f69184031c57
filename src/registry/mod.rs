//! The registry database: known works and their files, imported from shadow-library metadata.
//!
//! One SQLite file per registry database, schema versioned by `PRAGMA user_version` and marked
//! with `PRAGMA application_id` so that a database of another tool is refused with a hint.
//! A registry holds any number of imported *sources* (a LibGen dump, an AAC file, a CSV...);
//! each source carries the registry *name* shown in findings, its provenance (file name, size,
//! sha256, counts, import time) and every rejected line with its reason.
//!
//! Importers live in submodules: `libgen` (MySQL dumps), `aac` (Anna's Archive containers),
//! `tabular` (CSV/TSV/JSONL with named columns). SQL lives here and in `store` only.
//!
//! CONTRACT (used by `scan`, `matcher` and `report`; keep these signatures):
//! `Registry::open`, `Registry::snapshot`, `Registry::lookup`, `Registry::by_md5`,
//! `import`, `resolve`, `info`, and the types below.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::digest::Digests;

/// Source formats an import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// Decide per source from its name and first bytes.
    Auto,
    /// Library Genesis MySQL dump (`libgen.sql`, `fiction.sql`, hash tables).
    LibgenSql,
    /// Anna's Archive container JSONL (`.jsonl`, `.jsonl.zst`, `.seekable.zst`).
    Aac,
    /// CSV or TSV with a header row naming the columns.
    Csv,
    /// JSON Lines with named fields.
    Jsonl,
}

/// A digest algorithm, as named in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// BLAKE3.
    Blake3,
}

/// Provenance of one imported source, as stored in the registry and copied into reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInfo {
    /// Registry name this source's records appear under in findings.
    pub name: String,
    /// File name of the source as given (final path component).
    pub file_name: String,
    /// Format it was read as (never `auto`).
    pub format: SourceFormat,
    /// Size of the source file in bytes (as stored, i.e. compressed if it was compressed).
    pub bytes: u64,
    /// Lower-case hex sha256 of the source file bytes.
    pub sha256: String,
    /// Records (rows, lines) read.
    pub records_read: u64,
    /// Records kept.
    pub records_kept: u64,
    /// Records rejected (each with a line number and reason in the registry).
    pub records_rejected: u64,
    /// Import start, RFC 3339 UTC, seconds precision.
    pub imported_at: String,
    /// Wall time of the import in seconds.
    pub import_seconds: f64,
}

/// A rejected source line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    /// 1-based line number in the (decompressed) source; for SQL dumps, the line of the
    /// INSERT statement, plus the row's index within it in `reason`.
    pub line: u64,
    /// Why it was rejected, lower case, naming the field and value at fault.
    pub reason: String,
}

/// What a registry database holds, for reports and custody records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Path of the database as opened.
    pub path: String,
    /// Registry names present (sorted, distinct).
    pub names: Vec<String>,
    /// Lower-case hex sha256 that identifies the registry content: computed over the schema
    /// version and the sorted (name, file_name, format, sha256, records_kept) of every source.
    /// Two databases built from the same sources have the same digest.
    pub digest: String,
    /// `PRAGMA user_version` of the database.
    pub schema_version: u32,
    /// Every imported source, in import order.
    pub sources: Vec<SourceInfo>,
    /// Number of file records.
    pub records: u64,
}

/// One file record of a registry: a known file of a known work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Registry name (from the source).
    pub registry: String,
    /// Collection within the source: `libgen-nonfiction`, `libgen-fiction`, `zlib3`, or the
    /// generic source's file stem.
    pub collection: String,
    /// The work's id in that collection: LibGen ID, zlibrary_id, or the `id` column.
    pub id: String,
    /// MD5, if the record has one.
    pub md5: Option<[u8; 16]>,
    /// SHA-1, if known.
    pub sha1: Option<[u8; 20]>,
    /// SHA-256, if known.
    pub sha256: Option<[u8; 32]>,
    /// BLAKE3, if known.
    pub blake3: Option<[u8; 32]>,
    /// File size in bytes, if the registry gives one.
    pub filesize: Option<u64>,
    /// File extension (lower case, no dot).
    pub extension: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Authors as one string, as the source gives them.
    pub authors: Option<String>,
    /// Year as the source gives it.
    pub year: Option<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Valid ISBNs, normalised to ISBN-13 (digits only), sorted, distinct.
    pub isbns: Vec<String>,
    /// LibGen `Locator` (original file name), if any.
    pub locator: Option<String>,
    /// LibGen `Visible` flag (`cpr`, `del`, ...) or AAC removal state, when non-empty.
    pub visible: Option<String>,
    /// Version history notes for sources that keep versions (AAC), oldest first, such as
    /// `2023-08-08T01:43:42Z removed: DMCA`. Empty for others.
    pub history: Vec<String>,
}

/// A record that matched a digest set, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordMatch {
    /// The matched record.
    pub record: Record,
    /// Which of the file's digests equal the record's (sorted).
    pub matched_by: Vec<Algorithm>,
}

/// An open registry database (read-only).
pub struct Registry {
    conn: rusqlite::Connection,
    path: PathBuf,
}

impl Registry {
    /// Opens an existing registry read-only.
    ///
    /// # Errors
    ///
    /// The file is missing, is not SQLite, belongs to another tool (`application_id`), or has a
    /// schema version this build does not know: each with a message naming the path and a hint.
    pub fn open(path: &Path) -> anyhow::Result<Registry> {
        let _ = path;
        todo!()
    }

    /// What the registry holds, for reports.
    pub fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let _ = (&self.conn, &self.path);
        todo!()
    }

    /// Every record any of whose digests equals the corresponding digest in `digests`
    /// (including sha1/sha256 known only through LibGen `hashes` tables, joined on md5).
    /// Sorted by (registry, collection, id, history) for determinism.
    pub fn lookup(&self, digests: &Digests) -> anyhow::Result<Vec<RecordMatch>> {
        let _ = digests;
        todo!()
    }

    /// Every record with this md5 (for the LibGen torrent-layout check), sorted as `lookup`.
    pub fn by_md5(&self, md5: &[u8; 16]) -> anyhow::Result<Vec<Record>> {
        let _ = md5;
        todo!()
    }
}

/// Imports `sources` into the registry at `registry_path`, creating it if needed.
///
/// Each source is imported in its own transaction: a failure (unreadable file) leaves the
/// database as it was before that source and is returned as an error naming the file; bad lines
/// never abort, they are stored as [`Reject`]s. Importing a source whose sha256 is already in
/// the registry under the same name is skipped (and its existing info returned).
/// `progress` is called with bytes consumed of the current source.
pub fn import(
    registry_path: &Path,
    sources: &[PathBuf],
    format: SourceFormat,
    name: Option<&str>,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<SourceInfo>> {
    let _ = (registry_path, sources, format, name, progress);
    todo!()
}

/// Turns a `--registry` argument into a registry database path.
///
/// A SQLite file is returned as is. A raw source file, or a folder of them (walked in sorted
/// order, hidden files skipped), is imported with format `Auto` into
/// `cache_dir/registries/<digest>.db`, where digest covers each source's relative name and
/// sha256 and the schema version, so the cache is reused until a source changes. The database
/// is built under a temporary name and renamed when complete, so an interrupted import never
/// leaves a database that looks finished.
pub fn resolve(spec: &Path, cache_dir: &Path) -> anyhow::Result<PathBuf> {
    let _ = (spec, cache_dir);
    todo!()
}

/// Sources and their rejected lines (at most `max_rejects` listed per source; all counted).
pub fn info(
    registry_path: &Path,
    max_rejects: usize,
) -> anyhow::Result<Vec<(SourceInfo, Vec<Reject>)>> {
    let _ = (registry_path, max_rejects);
    todo!()
}
