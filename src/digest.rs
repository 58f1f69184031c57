//! One pass over a byte stream computes md5, sha1, sha256 and blake3 together.
//!
//! The registries key on md5 (Library Genesis, Anna's Archive) and sha1 (LibGen `hashes`),
//! courts expect sha256, and blake3 is our fast internal key. Reading a file once and feeding
//! every buffer to the four hashers keeps the stage I/O-bound on ordinary disks and
//! compute-bound (at the sum of the four hashes' costs) on fast ones.
//!
//! # Performance
//!
//! The hashers run one after the other on the same 256 KiB buffer, so the buffer stays in L2
//! cache. Parallelism comes from hashing many files at once (rayon, in `scan`); inside one file
//! nothing is parallel, so thread pools are never nested.

use std::fmt;
use std::io::{self, Read};

// md-5 0.10 (with its assembly core) and sha1/sha2 0.11 implement different versions of the
// `Digest` trait; each hasher is driven through its own.
use md5::Digest as _;
use sha2::Digest as _;

/// Size of the read buffer used by [`reader`] and by the container readers.
pub const BUF_SIZE: usize = 256 * 1024;

/// The four digests of one byte stream.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digests {
    /// MD5 (RFC 1321).
    pub md5: [u8; 16],
    /// SHA-1 (FIPS 180-4).
    pub sha1: [u8; 20],
    /// SHA-256 (FIPS 180-4).
    pub sha256: [u8; 32],
    /// BLAKE3 (256-bit output).
    pub blake3: [u8; 32],
}

impl fmt::Debug for Digests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digests")
            .field("md5", &hex::encode(self.md5))
            .field("sha1", &hex::encode(self.sha1))
            .field("sha256", &hex::encode(self.sha256))
            .field("blake3", &hex::encode(self.blake3))
            .finish()
    }
}

/// An incremental hasher for all four algorithms at once.
#[derive(Clone, Default)]
pub struct MultiHasher {
    md5: md5::Md5,
    sha1: sha1::Sha1,
    sha256: sha2::Sha256,
    blake3: blake3::Hasher,
    bytes: u64,
}

impl MultiHasher {
    /// A hasher that has seen no bytes yet.
    pub fn new() -> MultiHasher {
        MultiHasher::default()
    }

    /// Feeds `data` to all four hashers.
    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.sha1.update(data);
        self.sha256.update(data);
        self.blake3.update(data);
        self.bytes += data.len() as u64;
    }

    /// Number of bytes fed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Finishes all four digests.
    pub fn finalize(self) -> Digests {
        let mut digests = Digests {
            md5: [0; 16],
            sha1: [0; 20],
            sha256: [0; 32],
            blake3: *self.blake3.finalize().as_bytes(),
        };
        digests.md5.copy_from_slice(&self.md5.finalize());
        digests.sha1.copy_from_slice(&self.sha1.finalize());
        digests.sha256.copy_from_slice(&self.sha256.finalize());
        digests
    }
}

/// Reads `reader` to its end and returns its digests and length.
///
/// # Errors
///
/// Any read error of `reader` (interrupted reads are retried).
pub fn reader<R: Read>(mut reader: R) -> io::Result<(Digests, u64)> {
    let mut hasher = MultiHasher::new();
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    let bytes = hasher.bytes();
    Ok((hasher.finalize(), bytes))
}

/// Digests of an in-memory byte slice.
pub fn bytes(data: &[u8]) -> Digests {
    let mut hasher = MultiHasher::new();
    hasher.update(data);
    hasher.finalize()
}

/// A reader that hashes every byte that passes through it.
///
/// Used to digest a container file while a decompressor or archive reader consumes it, so
/// that the file is read from disk once. Call [`HashingReader::finish`] to drain whatever the
/// consumer left unread (trailing padding of a tar file, say) and get the digests of the
/// whole stream.
pub struct HashingReader<R> {
    inner: R,
    hasher: MultiHasher,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hasher: MultiHasher::new(),
        }
    }

    /// Bytes read through this reader so far.
    pub fn bytes(&self) -> u64 {
        self.hasher.bytes()
    }

    /// Reads the rest of the stream and returns the digests and length of all of it.
    ///
    /// # Errors
    ///
    /// A read error of the underlying stream.
    pub fn finish(mut self) -> io::Result<(Digests, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        let bytes = self.hasher.bytes();
        Ok((self.hasher.finalize(), bytes))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Lower-case hex of any digest, the only form provaudit prints.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Parses a hex digest of exactly `N` bytes (either case); `None` if it is not one.
pub fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_the_well_known_digests() {
        let d = bytes(b"");
        assert_eq!(hex(&d.md5), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(&d.sha1), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&d.sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&d.blake3),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn hashing_reader_equals_one_shot_hashing() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut reader = HashingReader::new(&data[..]);
        let mut first = [0u8; 1000];
        reader.read_exact(&mut first).unwrap();
        let (digests, n) = reader.finish().unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(digests, bytes(&data));
        assert_eq!(reader_digests(&data), digests);
    }

    fn reader_digests(data: &[u8]) -> Digests {
        reader(data).unwrap().0
    }

    #[test]
    fn parse_hex_accepts_either_case_and_rejects_wrong_lengths() {
        assert_eq!(
            parse_hex::<2>("AbCd"),
            Some([0xab, 0xcd]),
            "mixed case must parse"
        );
        assert_eq!(parse_hex::<2>("abc"), None);
        assert_eq!(parse_hex::<2>("zzzz"), None);
    }
}
