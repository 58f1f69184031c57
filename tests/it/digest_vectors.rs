//! The digest stage against the official test vectors copied into `corpora/vectors/`:
//! RFC 1321 (MD5), NIST CAVP SHAVS ShortMsg and LongMsg (SHA-1, SHA-256), and the BLAKE3
//! reference `test_vectors.json`. Every message is fed through the streaming reader in small,
//! odd-sized reads so that buffer boundaries fall everywhere.

use std::io::Read;

use provaudit::digest::{self, Digests};

use crate::harness::repo_path;

/// A reader that returns at most `chunk` bytes per call.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn streamed(data: &[u8], chunk: usize) -> Digests {
    let (digests, n) = digest::reader(Trickle { data, chunk }).unwrap();
    assert_eq!(n, data.len() as u64);
    digests
}

#[test]
fn md5_sha1_sha256_match_rfc_1321_and_nist_cavp_vectors() {
    let text = std::fs::read_to_string(repo_path("corpora/vectors/md5-sha1-sha256.jsonl")).unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for (line_no, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let algorithm = v["algorithm"].as_str().unwrap();
        let msg = hex::decode(v["msg_hex"].as_str().unwrap()).unwrap();
        let want = v["digest_hex"].as_str().unwrap();
        for chunk in [1, 7, 64, 1000] {
            let d = streamed(&msg, chunk);
            let got = match algorithm {
                "md5" => hex::encode(d.md5),
                "sha1" => hex::encode(d.sha1),
                "sha256" => hex::encode(d.sha256),
                other => panic!("unknown algorithm {other}"),
            };
            assert_eq!(
                got,
                want,
                "line {} ({algorithm}, chunk {chunk})",
                line_no + 1
            );
        }
        *counts.entry(algorithm.to_string()).or_insert(0) += 1;
    }
    // RFC 1321 has 7 MD5 vectors; CAVP ShortMsg + LongMsg have 129 each for SHA-1 and SHA-256.
    assert_eq!(counts["md5"], 7);
    assert_eq!(counts["sha1"], 129);
    assert_eq!(counts["sha256"], 129);
}

#[test]
fn blake3_matches_the_reference_test_vectors() {
    let text = std::fs::read_to_string(repo_path("corpora/vectors/test_vectors.json")).unwrap();
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let len = case["input_len"].as_u64().unwrap() as usize;
        // The reference input is the byte sequence 0, 1, ..., 250, 0, 1, ... of that length.
        let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        // The vector gives a 131-byte extended output; the default hash is its first 32 bytes.
        let want = &case["hash"].as_str().unwrap()[..64];
        for chunk in [1, 1023, 1024, 1025, 65536] {
            assert_eq!(
                hex::encode(streamed(&input, chunk).blake3),
                want,
                "input_len {len}, chunk {chunk}"
            );
        }
    }
}
