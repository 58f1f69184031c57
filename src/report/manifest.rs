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
    let mut tree = Tree::default();
    for leaf in leaves {
        tree.push(leaf);
    }
    tree.root()
}

/// The Merkle tree hash computed one leaf at a time, in O(log n) memory.
///
/// It keeps the roots of the complete subtrees built so far, largest first (their sizes are
/// the binary digits of the leaf count); pushing a leaf merges equal-sized neighbours, and the
/// root folds the rest from the right. This is RFC 6962's split (left subtree of the largest
/// power of two below n) computed bottom-up.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    /// (subtree hash, leaf count), leaf counts strictly decreasing powers of two.
    stack: Vec<([u8; 32], u64)>,
    leaves: u64,
}

impl Tree {
    /// Adds the next leaf (its leaf data, not yet hashed).
    pub fn push(&mut self, data: &[u8]) {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(data);
        self.stack.push((h.finalize().into(), 1));
        self.leaves += 1;
        while self.stack.len() >= 2 {
            let (right, right_size) = self.stack[self.stack.len() - 1];
            let (left, left_size) = self.stack[self.stack.len() - 2];
            if left_size != right_size {
                break;
            }
            self.stack.truncate(self.stack.len() - 2);
            self.stack.push((node(&left, &right), left_size * 2));
        }
    }

    /// Number of leaves pushed.
    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// The tree hash of the leaves pushed so far (`SHA-256()` of nothing when there are none).
    pub fn root(&self) -> [u8; 32] {
        let mut iter = self.stack.iter().rev();
        let Some(&(mut acc, _)) = iter.next() else {
            return Sha256::digest([]).into();
        };
        for (left, _) in iter {
            acc = node(left, &acc);
        }
        acc
    }
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(l: [u8; 32], r: [u8; 32]) -> [u8; 32] {
        super::node(&l, &r)
    }

    /// RFC 6962 section 2.1 as written: recursive, split at the largest power of two below n.
    fn recursive(leaves: &[Vec<u8>]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = n.next_power_of_two() / 2;
                node(recursive(&leaves[..k]), recursive(&leaves[k..]))
            }
        }
    }

    #[test]
    fn the_streaming_tree_equals_the_recursive_definition_for_every_size_to_130() {
        let d: Vec<Vec<u8>> = (0u32..130).map(|i| i.to_le_bytes().to_vec()).collect();
        for n in 0..=d.len() {
            assert_eq!(root(&d[..n]), recursive(&d[..n]), "n = {n}");
        }
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
