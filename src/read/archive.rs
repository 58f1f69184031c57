//! Archives: tar (streamed member by member) and zip (random access through the central
//! directory, so a nested zip is first buffered in memory or spilled to a temporary file).
//!
//! Members are addressed by their names exactly as stored (raw bytes, `..` and absolute names
//! included); nothing is ever extracted to the filesystem. Directories, symbolic links, hard
//! links, devices and FIFOs have no content of their own and get no item (a hard link's
//! content is digested at its target's address).

use std::cell::Cell;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::rc::Rc;

use tar::EntryType;

use super::compressed::{Counting, Limited};
use super::{Budget, Format, Item, fault, fault_message, member, member_address};

/// Streams the members of the tar archive `reader` and pushes their items.
///
/// # Errors
///
/// A corrupt header or a truncated archive between members, as the message for the
/// archive's own item.
pub(super) fn tar_members(
    budget: &Budget,
    reader: &mut dyn Read,
    address: &[u8],
    depth: u32,
    items: &mut Vec<Item>,
) -> Result<(), String> {
    each_tar_member(budget, reader, &mut |name, content| {
        member(
            budget,
            content,
            member_address(address, name),
            depth + 1,
            items,
        );
    })
}

/// Calls `visit` with the name and content of every tar member that carries content, in
/// archive order, stopping when the budget does. The content reader fails if the member ends
/// before its declared size. Shared by the digest side and the document readers.
///
/// # Errors
///
/// A corrupt header or a truncated archive between members.
pub(super) fn each_tar_member(
    budget: &Budget,
    reader: &mut dyn Read,
    visit: &mut dyn FnMut(&[u8], &mut dyn Read),
) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let mut n_members = 0u64;
    let entries = archive
        .entries()
        .map_err(|err| tar_error(budget, &err, n_members))?;
    for entry in entries {
        if budget.stopped() {
            break;
        }
        let mut entry = entry.map_err(|err| tar_error(budget, &err, n_members))?;
        let entry_type = entry.header().entry_type();
        if !has_content(entry_type) {
            continue;
        }
        let name = entry.path_bytes().into_owned();
        let size = entry.size();
        let mut exact = Exact {
            inner: &mut entry,
            read: 0,
            // A sparse entry reads back larger than what it stores.
            expected: (entry_type != EntryType::GNUSparse).then_some(size),
        };
        visit(&name, &mut exact);
        n_members += 1;
    }
    Ok(())
}

/// Whether a tar entry of this type carries member content (unknown types are read as
/// regular files, as POSIX asks).
fn has_content(entry_type: EntryType) -> bool {
    !matches!(
        entry_type,
        EntryType::Directory
            | EntryType::Symlink
            | EntryType::Link
            | EntryType::Char
            | EntryType::Block
            | EntryType::Fifo
            | EntryType::GNULongName
            | EntryType::GNULongLink
            | EntryType::XGlobalHeader
            | EntryType::XHeader
    )
}

fn tar_error(budget: &Budget, err: &io::Error, n_members: u64) -> String {
    match fault_message(err) {
        Some(message) => message,
        None if budget.stopped() => budget.expanded_message(),
        None => format!("corrupt tar archive after {n_members} members: {err}"),
    }
}

/// Fails when a tar member ends before its declared size (the tar reader would silently
/// return fewer bytes from a truncated archive).
struct Exact<R> {
    pub(super) inner: R,
    pub(super) read: u64,
    pub(super) expected: Option<u64>,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if n == 0
            && !buf.is_empty()
            && let Some(expected) = self.expected.filter(|&expected| self.read < expected)
        {
            return Err(fault(format!(
                "tar member truncated after {} of {expected} bytes",
                self.read
            )));
        }
        Ok(n)
    }
}

/// Reads the members of the zip archive `reader` (seekable) and pushes their items.
///
/// A member that cannot be opened (encrypted, unsupported compression, bad local header)
/// becomes an error item and the next member is read.
///
/// # Errors
///
/// An unreadable central directory, as the message for the archive's own item.
pub(super) fn zip_members<R: Read + Seek>(
    budget: &Budget,
    reader: R,
    address: &[u8],
    depth: u32,
    items: &mut Vec<Item>,
) -> Result<(), String> {
    let input = Rc::new(Cell::new(0));
    let counted = Counting {
        inner: reader,
        count: Rc::clone(&input),
    };
    let mut archive =
        zip::ZipArchive::new(counted).map_err(|err| format!("corrupt zip archive: {err}"))?;
    let names: Vec<Vec<u8>> = archive.file_names_raw().map(<[u8]>::to_vec).collect();
    for (index, name) in names.into_iter().enumerate() {
        if budget.stopped() {
            break;
        }
        let address = member_address(address, &name);
        input.set(0);
        let mut zip_file = match archive.by_index(index) {
            Ok(zip_file) => zip_file,
            Err(err) => {
                let message = match err {
                    zip::result::ZipError::Io(err) => budget.describe(&err),
                    err => format!("cannot open zip member: {err}"),
                };
                items.push(Item::failed(address, depth + 1, 0, Format::Binary, message));
                continue;
            }
        };
        if zip_file.is_dir() || zip_file.is_symlink() {
            continue;
        }
        let label = "zip member".to_string();
        let mut limited = Limited::new(&mut zip_file, budget, Rc::clone(&input), label);
        member(budget, &mut limited, address, depth + 1, items);
    }
    Ok(())
}

/// Reads the members of a zip archive that is itself a member: buffers it in memory up to
/// the budget's zip memory limit, else spills it to an anonymous temporary file (whose bytes
/// count as expanded), then reads it as [`zip_members`] does.
///
/// # Errors
///
/// As [`zip_members`], and a failure to read the archive or to write the temporary file.
pub(super) fn nested_zip_members(
    budget: &Budget,
    reader: &mut dyn Read,
    address: &[u8],
    depth: u32,
    items: &mut Vec<Item>,
) -> Result<(), String> {
    let mut buffer = Vec::new();
    reader
        .take(budget.zip_memory_limit.saturating_add(1))
        .read_to_end(&mut buffer)
        .map_err(|err| budget.describe(&err))?;
    if buffer.len() as u64 <= budget.zip_memory_limit {
        return zip_members(budget, Cursor::new(buffer), address, depth, items);
    }
    let spill_error =
        |err: io::Error| format!("cannot spill zip archive to a temporary file: {err}");
    let mut spill = tempfile::tempfile().map_err(spill_error)?;
    budget.charge(buffer.len() as u64)?;
    spill.write_all(&buffer).map_err(spill_error)?;
    buffer = vec![0; crate::digest::BUF_SIZE];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(budget.describe(&err)),
        };
        budget.charge(n as u64)?;
        spill.write_all(&buffer[..n]).map_err(spill_error)?;
    }
    drop(buffer);
    spill.seek(SeekFrom::Start(0)).map_err(spill_error)?;
    zip_members(budget, BufReader::new(spill), address, depth, items)
}
