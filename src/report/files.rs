//! The `files` list of a report: every file and archive member, which grows with the corpus.
//!
//! Everything else in a report grows with what was found; this list grows with the corpus
//! (ten million files make some 4 GB of entries). [`FileList`] therefore keeps the first
//! [`FileList::DEFAULT_IN_MEMORY`] entries in memory and moves them, and every later one, to
//! an anonymous temporary file (compact JSON lines, unlinked as soon as it is created, so
//! nothing is left behind by a crash) once there are more. Renderers read it again with
//! [`FileList::for_each`], and `report.json` streams it through [`serde::Serialize`], so
//! rendering any report needs memory in proportion to the findings, not to the corpus.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};

use super::FileEntry;

/// Every file and member of a report, in report order, in memory or spilled to a temporary
/// file.
#[derive(Debug)]
pub struct FileList {
    held: Vec<FileEntry>,
    spill: Option<Spill>,
    len: u64,
    in_memory: usize,
    spill_dir: Option<std::path::PathBuf>,
}

#[derive(Debug)]
struct Spill {
    writer: BufWriter<File>,
}

impl Default for FileList {
    fn default() -> FileList {
        FileList::new(None, FileList::DEFAULT_IN_MEMORY)
    }
}

impl From<Vec<FileEntry>> for FileList {
    fn from(held: Vec<FileEntry>) -> FileList {
        FileList {
            len: held.len() as u64,
            held,
            spill: None,
            in_memory: usize::MAX,
            spill_dir: None,
        }
    }
}

impl FileList {
    /// Entries kept in memory before the list moves to a temporary file (about 5 MB).
    pub const DEFAULT_IN_MEMORY: usize = 10_000;

    /// An empty list that spills past `in_memory` entries to a temporary file in `spill_dir`
    /// (the system's temporary folder when `None` or when `spill_dir` is not writable).
    pub fn new(spill_dir: Option<&Path>, in_memory: usize) -> FileList {
        FileList {
            held: Vec::new(),
            spill: None,
            len: 0,
            in_memory,
            spill_dir: spill_dir.map(Path::to_path_buf),
        }
    }

    /// Appends an entry.
    ///
    /// # Errors
    ///
    /// The temporary file cannot be created or written (disk full).
    pub fn push(&mut self, entry: FileEntry) -> io::Result<()> {
        self.len += 1;
        if let Some(spill) = &mut self.spill {
            return write_line(&mut spill.writer, &entry);
        }
        self.held.push(entry);
        if self.held.len() > self.in_memory {
            let file = self
                .spill_dir
                .as_deref()
                .and_then(|dir| tempfile::tempfile_in(dir).ok())
                .map_or_else(tempfile::tempfile, Ok)?;
            let mut writer = BufWriter::with_capacity(1 << 20, file);
            for held in self.held.drain(..) {
                write_line(&mut writer, &held)?;
            }
            self.held = Vec::new();
            self.spill = Some(Spill { writer });
        }
        Ok(())
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the entries are in a temporary file rather than in memory.
    pub fn is_spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// Calls `each` with every entry, in order.
    ///
    /// # Errors
    ///
    /// A read error of the temporary file, or the first error `each` returns.
    pub fn for_each(&self, mut each: impl FnMut(&FileEntry) -> io::Result<()>) -> io::Result<()> {
        let Some(spill) = &self.spill else {
            return self.held.iter().try_for_each(each);
        };
        // Flushing needs `&mut`; the writer is flushed when the list is finished (see
        // `finish`), so here its buffer is empty and the file is complete. Reads are
        // positional, so they never move the writer's offset.
        if !spill.writer.buffer().is_empty() {
            return Err(io::Error::other("file list read before it was finished"));
        }
        let at = ReadAt {
            file: spill.writer.get_ref(),
            pos: 0,
        };
        let mut reader = BufReader::with_capacity(1 << 20, at);
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            let entry: FileEntry = serde_json::from_slice(&line).map_err(io::Error::other)?;
            each(&entry)?;
        }
    }

    /// Flushes the temporary file, if any, so that [`FileList::for_each`] can read it.
    ///
    /// # Errors
    ///
    /// The temporary file cannot be written (disk full).
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(spill) = &mut self.spill {
            spill.writer.flush()?;
        }
        Ok(())
    }
}

/// A reader of a file from offset 0 by positional reads (`pread`).
struct ReadAt<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

fn write_line(out: &mut impl Write, entry: &FileEntry) -> io::Result<()> {
    serde_json::to_writer(&mut *out, entry).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

impl Serialize for FileList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len as usize))?;
        let mut failed = None;
        let read = self.for_each(|entry| {
            if let Err(err) = seq.serialize_element(entry) {
                failed = Some(err);
                return Err(io::Error::other("serialisation failed"));
            }
            Ok(())
        });
        if let Some(err) = failed {
            return Err(err);
        }
        read.map_err(S::Error::custom)?;
        seq.end()
    }
}
