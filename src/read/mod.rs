//! Reading one corpus file: its digests, and the digests of everything inside it.
//!
//! A file is read once. Its bytes go through a [`crate::digest::HashingReader`]; when the
//! format (sniffed from magic bytes, not only the extension) is a compressed stream (gzip,
//! zstd, bzip2, xz) or an archive (tar, zip), the members are decompressed and digested as
//! they stream past, recursively, each with an address such as `outer.tar!/dir/member.epub`
//! or `a.zip!/b.tar.gz!/c.txt`. A compressed stream that wraps a tar is one layer
//! (`b.tar.gz!/c.txt`); one that wraps anything else yields one member named after the stream
//! with its compression extension removed (`notes.txt.gz!/notes.txt`).
//!
//! Limits guard against decompression bombs: nesting depth, total expanded bytes per
//! top-level file, and the expanded/compressed ratio of each stream. Hitting a limit, a
//! truncated stream or a corrupt archive makes an error [`Item`] with the member's address and
//! the reason; the outer file's own digests are still computed over all its bytes, and the
//! members read before the fault are kept. Nothing here panics on bad input.
//!
//! CONTRACT (used by `scan`; keep these signatures): [`ReadConfig`], [`Item`], [`Format`],
//! [`file`].

use std::path::Path;

use crate::digest::Digests;

/// Limits and options for reading containers.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    /// Maximum nesting of containers below the top-level file (1 = members of the file itself).
    pub max_depth: u32,
    /// Maximum bytes decompressed or extracted from one top-level file, all members together.
    pub max_expanded: u64,
    /// Maximum expanded/compressed ratio of one compressed stream or archive member
    /// (checked once the stream has produced more than 1 MiB).
    pub max_ratio: u64,
}

/// Format of a file or member, sniffed from its first bytes (extension as a tie-breaker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// gzip stream.
    Gzip,
    /// zstd stream (one or more frames, including seekable zstd).
    Zstd,
    /// bzip2 stream.
    Bzip2,
    /// xz stream.
    Xz,
    /// tar archive (ustar/gnu/pax).
    Tar,
    /// zip archive (also EPUB, DOCX...: `Zip` with their own name below).
    Zip,
    /// EPUB (a zip whose first member is `mimetype` = `application/epub+zip`).
    Epub,
    /// PDF.
    Pdf,
    /// Parquet.
    Parquet,
    /// JSON Lines (by extension `.jsonl`/`.ndjson`, content starting with `{`).
    Jsonl,
    /// HTML/XHTML.
    Html,
    /// Text (valid UTF-8 or UTF-16 with BOM in the first 8 KiB, or mostly printable bytes).
    Text,
    /// Empty file.
    Empty,
    /// Anything else.
    Binary,
}

impl Format {
    /// The name used in reports (`gzip`, `zstd`, `bzip2`, `xz`, `tar`, `zip`, `epub`, `pdf`,
    /// `parquet`, `jsonl`, `html`, `text`, `empty`, `binary`).
    pub fn as_str(self) -> &'static str {
        todo!()
    }
}

/// One digested object: the top-level file or a member inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Full address relative to the corpus root, as raw bytes (file names need not be UTF-8):
    /// the file's relative path, then `!/member/path` for each container level.
    pub address: Vec<u8>,
    /// 0 for the top-level file, 1 for its members, and so on.
    pub depth: u32,
    /// Bytes read (for a member: its uncompressed size; for the file: its size on disk).
    pub bytes: u64,
    /// Digests of those bytes; `None` when the object could not be read to its end.
    pub digests: Option<Digests>,
    /// Sniffed format.
    pub format: Format,
    /// `None` when read completely; else the reason, lower case, naming what failed
    /// (for example `gzip stream truncated after 1048576 bytes` or
    /// `expanded size limit exceeded: more than 68719476736 bytes from this file`).
    pub error: Option<String>,
}

/// Reads the file at `path` whose address (relative path bytes) is `address`, and returns its
/// item first, followed by the items of all its members in stream order (depth-first).
///
/// Never fails: an unreadable file yields a single item with `error` set. `on_bytes` is called
/// with the number of bytes read from disk as reading proceeds (for progress bars).
///
/// # Performance
///
/// The file is read from disk once, except zip archives, which are hashed in one pass and then
/// read again through their central directory.
pub fn file(path: &Path, address: &[u8], config: &ReadConfig, on_bytes: &dyn Fn(u64)) -> Vec<Item> {
    let _ = (path, address, config, on_bytes);
    todo!()
}
