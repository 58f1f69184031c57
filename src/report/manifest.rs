//! The corpus manifest's Merkle root (RFC 6962 tree hash over sha256).
//!
//! Leaves are the top-level files that were read to their end (those with digests, including
//! damaged archives, whose bytes were all read), in report order (root index, then
//! path bytes). The leaf data of a file is its root index in decimal, a NUL byte, its raw
//! relative path bytes, a NUL byte, and its 32-byte sha256. Then, as in RFC 6962 section 2.1:
//! `MTH({}) = SHA-256()`, `MTH({d}) = SHA-256(0x00 || d)`, and for n > 1 with k the largest
//! power of two below n, `MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`.
//! A second examiner can recompute it from the `files` list of `report.json` alone.

use sha2::{Digest as _, Sha256};

/// Name of the algorithm as written in reports.
pub const ALGORITHM: &str = "rfc6962-sha256(root NUL path NUL sha256)";

/// Leaf data of one file.
pub fn leaf(root: u32, path: &[u8], sha256: &[u8; 32]) -> Vec<u8> {
    let mut data = Vec::with_capacity(path.len() + 48);
    data.extend_from_slice(root.to_string().as_bytes());
    data.push(0);
    data.extend_from_slice(path);
    data.push(0);
    data.extend_from_slice(sha256);
    data
}

/// The Merkle tree hash of `leaves` (leaf data, in order).
pub fn root(leaves: &[Vec<u8>]) -> [u8; 32] {
    let hashes: Vec<[u8; 32]> = leaves
        .iter()
        .map(|d| {
            let mut h = Sha256::new();
            h.update([0u8]);
            h.update(d);
            h.finalize().into()
        })
        .collect();
    if hashes.is_empty() {
        return Sha256::digest([]).into();
    }
    subtree(&hashes)
}

fn subtree(hashes: &[[u8; 32]]) -> [u8; 32] {
    if hashes.len() == 1 {
        return hashes[0];
    }
    let k = hashes.len().next_power_of_two() / 2;
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(subtree(&hashes[..k]));
    h.update(subtree(&hashes[k..]));
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(l: [u8; 32], r: [u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(l);
        h.update(r);
        h.finalize().into()
    }

    fn leaf_hash(d: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(d);
        h.finalize().into()
    }

    #[test]
    fn tree_shape_follows_rfc_6962() {
        let d: Vec<Vec<u8>> = (0u8..3).map(|i| vec![i]).collect();
        assert_eq!(root(&[]), <[u8; 32]>::from(Sha256::digest([])));
        assert_eq!(root(&d[..1]), leaf_hash(&d[0]));
        // Three leaves split as (2, 1).
        let want = node(node(leaf_hash(&d[0]), leaf_hash(&d[1])), leaf_hash(&d[2]));
        assert_eq!(root(&d), want);
    }
}
