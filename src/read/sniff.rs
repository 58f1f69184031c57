//! Format sniffing: the first bytes of a file or member decide its [`Format`].
//!
//! Magic bytes win over the name; the name only tells JSON Lines from other text. Everything
//! here is pure and works on a prefix of at most [`SNIFF_LEN`] bytes, which may end in the
//! middle of a multi-byte character.

use super::Format;

/// How many leading bytes [`sniff`] looks at (the readers fill at least this much, or the
/// whole object when it is shorter, before sniffing).
pub const SNIFF_LEN: usize = 8 * 1024;

/// Sniffs the format of an object from its first bytes `head` (at most [`SNIFF_LEN`] are used;
/// `head` is the whole object when it is shorter) and its file name `name` (the last path
/// component; only the `.jsonl`/`.ndjson` extension is used).
pub fn sniff(head: &[u8], name: &[u8]) -> Format {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if head.is_empty() {
        return Format::Empty;
    }
    if let Some(format) = sniff_magic(head) {
        return format;
    }
    if is_tar(head) {
        return Format::Tar;
    }
    let text = skip_bom_and_whitespace(head);
    if is_html(text) {
        return Format::Html;
    }
    if has_jsonl_extension(name) && text.first() == Some(&b'{') {
        return Format::Jsonl;
    }
    if is_text(head) {
        return Format::Text;
    }
    Format::Binary
}

/// Formats recognized by a fixed signature at offset 0.
fn sniff_magic(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) || is_zstd_skippable(head) {
        return Some(Format::Zstd);
    }
    if is_bzip2(head) {
        return Some(Format::Bzip2);
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(Format::Xz);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(if is_epub(head) {
            Format::Epub
        } else {
            Format::Zip
        });
    }
    if head.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    if head.starts_with(b"%PDF-") {
        return Some(Format::Pdf);
    }
    if head.starts_with(b"PAR1") {
        return Some(Format::Parquet);
    }
    None
}

/// A zstd skippable frame: magic `0x184D2A50..=0x184D2A5F`, little endian.
fn is_zstd_skippable(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18]
}

/// `BZh1`..`BZh9`, then the block magic (pi) or the end-of-stream magic (sqrt pi) of an
/// empty stream.
fn is_bzip2(head: &[u8]) -> bool {
    const BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
    const END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
    head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == BLOCK || head[4..10] == END)
}

/// A zip whose first local header is a file `mimetype` holding `application/epub+zip`.
fn is_epub(head: &[u8]) -> bool {
    if head.len() < 30 {
        return false;
    }
    let name_len = usize::from(u16::from_le_bytes([head[26], head[27]]));
    let extra_len = usize::from(u16::from_le_bytes([head[28], head[29]]));
    let name_end = 30 + name_len;
    if head.get(30..name_end) != Some(b"mimetype".as_slice()) {
        return false;
    }
    head.get(name_end + extra_len..)
        .is_some_and(|content| content.starts_with(b"application/epub+zip"))
}

/// A tar header block: the POSIX (`ustar\0`) or GNU (`ustar `) magic at offset 257 with a
/// numeric checksum field, or (old v7 archives without magic) a header checksum that matches
/// the block.
///
/// The magic alone is not enough: English text has `ustar` at offset 257 now and then
/// ("mustard", "lustre"...); two text files in a million did, and were reported as corrupt
/// archives before the NUL or space after it and the checksum field were required.
fn is_tar(head: &[u8]) -> bool {
    let Some(block) = head.get(..512) else {
        return false;
    };
    let stored = parse_octal(&block[148..156]);
    if matches!(&block[257..263], b"ustar\0" | b"ustar ") {
        return stored.is_some();
    }
    if block[0] == 0 {
        return false;
    }
    let Some(stored) = stored else {
        return false;
    };
    let unsigned: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    let signed: i64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(b as i8)
            }
        })
        .sum();
    stored == unsigned || i64::try_from(stored).is_ok_and(|stored| stored == signed)
}

/// Parses a tar numeric field: optional leading spaces, octal digits, then NUL or space.
fn parse_octal(field: &[u8]) -> Option<u64> {
    let digits_start = field.iter().position(|&b| b != b' ')?;
    let mut value: u64 = 0;
    let mut n_digits = 0;
    for &b in &field[digits_start..] {
        match b {
            b'0'..=b'7' => {
                value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
                n_digits += 1;
            }
            b' ' | 0 => break,
            _ => return None,
        }
    }
    (n_digits > 0).then_some(value)
}

/// `head` without a leading UTF-8 byte order mark and ASCII whitespace.
fn skip_bom_and_whitespace(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    &head[start..]
}

/// `<!doctype html` or `<html`, case-insensitive, possibly after an XML declaration.
fn is_html(text: &[u8]) -> bool {
    let mut text = text;
    if starts_with_ignore_case(text, b"<?xml") {
        match memchr::memmem::find(text, b"?>") {
            Some(end) => text = skip_bom_and_whitespace(&text[end + 2..]),
            None => return false,
        }
    }
    starts_with_ignore_case(text, b"<!doctype html") || starts_with_ignore_case(text, b"<html")
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn has_jsonl_extension(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(b".jsonl") || lower.ends_with(b".ndjson")
}

/// UTF-16 with a byte order mark, valid UTF-8 without NUL bytes (a multi-byte character cut
/// at the end of `head` is allowed), or more than 95% printable bytes (Latin-1 and the like).
fn is_text(head: &[u8]) -> bool {
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return true;
    }
    let has_nul = memchr::memchr(0, head).is_some();
    if !has_nul {
        match std::str::from_utf8(head) {
            Ok(_) => return true,
            // `error_len() == None`: the input ends inside a character, which is fine for a
            // prefix.
            Err(err) if err.error_len().is_none() => return true,
            Err(_) => {}
        }
    }
    let n_printable = head
        .iter()
        .filter(|&&b| matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x20..=0x7e | 0x80..=0xff))
        .count();
    n_printable * 100 > head.len() * 95
}
