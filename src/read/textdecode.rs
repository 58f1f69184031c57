//! Decoding the bytes of a text document: UTF-8, UTF-16 with a byte order mark, and
//! windows-1252 as the fallback for bytes that are not UTF-8; and where to cut a text that is
//! too long to hold at once.
//!
//! windows-1252 is what the WHATWG Encoding Standard reads for the `latin1` and `iso-8859-1`
//! labels: it maps every byte to a character, so decoding never fails.

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How the bytes of a text are encoded, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// UTF-8, or windows-1252 for a document that is not valid UTF-8.
    Bytes,
    /// UTF-16, little endian (had a byte order mark).
    Utf16Le,
    /// UTF-16, big endian (had a byte order mark).
    Utf16Be,
}

/// The encoding of a text starting with `head`, and the length of its byte order mark.
pub(super) fn detect(head: &[u8]) -> (Kind, usize) {
    if head.starts_with(b"\xef\xbb\xbf") {
        (Kind::Bytes, 3)
    } else if head.starts_with(b"\xff\xfe") {
        (Kind::Utf16Le, 2)
    } else if head.starts_with(b"\xfe\xff") {
        (Kind::Utf16Be, 2)
    } else {
        (Kind::Bytes, 0)
    }
}

/// Decodes `bytes` (without byte order mark) and names the encoding used. Bytes that cannot
/// be decoded (a lone UTF-16 surrogate) become U+FFFD.
pub(super) fn decode(bytes: &[u8], kind: Kind) -> (String, &'static str) {
    match kind {
        Kind::Utf16Le => (
            UTF_16LE.decode_without_bom_handling(bytes).0.into_owned(),
            "utf-16le",
        ),
        Kind::Utf16Be => (
            UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(),
            "utf-16be",
        ),
        Kind::Bytes => match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_string(), "utf-8"),
            Err(_) => (
                WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
                    .into_owned(),
                "windows-1252",
            ),
        },
    }
}

/// Where to cut `bytes` (longer than `max`) so that the first part is at most `max` bytes:
/// after the last line feed that fits, else at `max` moved back to a character boundary.
/// Always in `1..=max` (`max` is at least 4).
pub(super) fn split_point(bytes: &[u8], max: usize, kind: Kind) -> usize {
    let max = max.min(bytes.len());
    match kind {
        Kind::Bytes => {
            if let Some(newline) = memchr::memrchr(b'\n', &bytes[..max]) {
                return newline + 1;
            }
            // Do not cut inside a UTF-8 sequence (at most 3 continuation bytes).
            let mut cut = max;
            while cut > 0 && max - cut < 3 && bytes.get(cut).is_some_and(|&b| b & 0xc0 == 0x80) {
                cut -= 1;
            }
            if cut == 0 { max } else { cut }
        }
        Kind::Utf16Le | Kind::Utf16Be => {
            let even = max & !1;
            let unit = |i: usize| {
                let pair = [bytes[i], bytes[i + 1]];
                if kind == Kind::Utf16Le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            };
            let mut i = even;
            while i >= 2 {
                i -= 2;
                if unit(i) == u16::from(b'\n') {
                    return i + 2;
                }
            }
            // No line feed: do not cut between the halves of a surrogate pair.
            if even >= 4 && (0xd800..0xdc00).contains(&unit(even - 2)) {
                even - 2
            } else {
                even.max(2)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_and_decodes() {
        assert_eq!(detect(b"\xff\xfeh\0"), (Kind::Utf16Le, 2));
        assert_eq!(detect(b"\xfe\xff\0h"), (Kind::Utf16Be, 2));
        assert_eq!(detect(b"\xef\xbb\xbfh"), (Kind::Bytes, 3));
        assert_eq!(
            decode(b"caf\xe9", Kind::Bytes),
            ("café".into(), "windows-1252")
        );
        assert_eq!(
            decode("café".as_bytes(), Kind::Bytes),
            ("café".into(), "utf-8")
        );
        assert_eq!(decode(b"h\0i\0", Kind::Utf16Le), ("hi".into(), "utf-16le"));
        assert_eq!(decode(b"\0h\0i", Kind::Utf16Be), ("hi".into(), "utf-16be"));
    }

    #[test]
    fn split_points() {
        assert_eq!(split_point(b"ab\ncd\nef", 6, Kind::Bytes), 6);
        assert_eq!(split_point(b"ab\ncdef", 5, Kind::Bytes), 3);
        assert_eq!(split_point(b"abcdefgh", 5, Kind::Bytes), 5);
        // "aé" + "é": the cut at 4 would split the second é.
        assert_eq!(split_point("aéé".as_bytes(), 4, Kind::Bytes), 3);
        assert_eq!(split_point(b"a\0\n\0b\0c\0", 6, Kind::Utf16Le), 4);
        assert_eq!(split_point(b"a\0b\0c\0d\0", 5, Kind::Utf16Le), 4);
        // A surrogate pair at 2..6 is not cut at 4.
        assert_eq!(split_point(b"a\0\x3d\xd8\x00\xdeb\0", 4, Kind::Utf16Le), 2);
    }
}
