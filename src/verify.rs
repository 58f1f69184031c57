//! `provaudit verify`: checks a report against itself and against the corpus, as a second
//! examiner would.
//!
//! Three checks, each independent of provaudit's store:
//!
//! 1. the detached digest `report.json.sha256` equals the sha256 of `report.json` (an edited
//!    report is detected);
//! 2. the custody log is an unbroken hash chain (an edited, removed or reordered entry is named);
//! 3. the corpus is re-hashed and compared with the report's `files` (top-level files), in
//!    hashdeep's audit categories: *matched* (same path, same digests), *changed* (same path,
//!    other digests), *moved* (the digests of a reported file, at a path the report does not
//!    have), *new* (an unreported path with unknown digests), *missing* (a reported path that is
//!    gone and whose digests are nowhere). Unreadable files are *errors*.
//!
//! A file matches when its size, md5 and sha256 are equal to the report's.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rayon::prelude::*;
use serde::Serialize;
use sha2::Digest as _;

use crate::walk::{self, Symlinks, WalkConfig};

/// The outcome of a verification.
#[derive(Debug, Default, Serialize)]
pub struct Verification {
    /// `report.json` as checked.
    pub report: String,
    /// `ok`, `mismatch` (the report was edited) or `absent`.
    pub detached_digest: String,
    /// Entries of the custody log checked.
    pub custody_entries: u64,
    /// Problems with the custody chain, each naming the entry.
    pub custody_problems: Vec<String>,
    /// Corpus roots re-hashed.
    pub roots: Vec<String>,
    /// Files whose path and digests equal the report's.
    pub matched: u64,
    /// Reported files the report itself could not read (no digests to compare); their paths
    /// are not checked.
    pub unverifiable: u64,
    /// Differences, sorted by category then path.
    pub differences: Vec<Difference>,
}

/// One difference between the corpus and the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Difference {
    /// `changed`, `moved`, `new`, `missing` or `error`.
    pub category: String,
    /// Root index and path of the file now (or in the report for `missing`).
    pub root: u32,
    /// Path relative to the root (escaped as in reports).
    pub path: String,
    /// For `moved`: the path the report had for these digests; for `changed`: the digests
    /// reported and found; for `error`: the reason.
    pub detail: String,
}

impl Verification {
    /// True when every check passed.
    pub fn is_clean(&self) -> bool {
        self.detached_digest == "ok"
            && self.custody_problems.is_empty()
            && self.differences.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Known {
    root: u32,
    path: Vec<u8>,
    size: u64,
    md5: String,
    sha256: String,
}

/// Verifies `report` (a `report.json`, or a folder holding one) against `roots` (default: the
/// report's own roots, as recorded).
///
/// # Errors
///
/// The report cannot be read or parsed, has another schema version, or a root is missing.
///
/// # Performance
///
/// Re-reads every corpus file once, in parallel on the current rayon pool.
pub fn run(report: &Path, roots: &[PathBuf]) -> anyhow::Result<Verification> {
    let report_path = if report.is_dir() {
        report.join("report.json")
    } else {
        report.to_path_buf()
    };
    let bytes = std::fs::read(&report_path)
        .with_context(|| format!("cannot read report `{}`", report_path.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("`{}` is not a JSON report", report_path.display()))?;
    match value["schema_version"].as_u64() {
        Some(v) if v == u64::from(crate::report::SCHEMA_VERSION) => {}
        Some(v) => bail!(
            "report `{}` has schema version {v}; this provaudit reads version {}\nhint: verify it with the provaudit version named in its `run.version`",
            report_path.display(),
            crate::report::SCHEMA_VERSION
        ),
        None => bail!(
            "`{}` has no schema_version: not a provaudit report",
            report_path.display()
        ),
    }
    let mut verification = Verification {
        report: report_path.display().to_string(),
        detached_digest: detached_digest(&report_path, &bytes),
        ..Verification::default()
    };
    check_custody(&value, &mut verification);

    let roots: Vec<PathBuf> = if roots.is_empty() {
        value["corpus"]["roots"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        roots.to_vec()
    };
    verification.roots = roots.iter().map(|r| r.display().to_string()).collect();
    let known = known_files(&value)?;
    let listing = walk::entries(&WalkConfig {
        roots,
        files_from: None,
        symlinks: Symlinks::Skip,
    })?;
    let current: Vec<Current> = listing
        .entries
        .par_iter()
        .map(|entry| {
            let digests = std::fs::File::open(&entry.path)
                .and_then(crate::digest::reader)
                .map(|(d, n)| (n, hex::encode(d.md5), hex::encode(d.sha256)))
                .map_err(|err| walk::io_kind_reason(&err));
            (entry.root, entry.rel.clone(), digests)
        })
        .collect();
    let (known, unverifiable): (Vec<Known>, Vec<Known>) =
        known.into_iter().partition(|k| !k.sha256.is_empty());
    verification.unverifiable = unverifiable.len() as u64;
    let current: Vec<Current> = current
        .into_iter()
        .filter(|(root, path, _)| {
            !unverifiable
                .iter()
                .any(|u| u.root == *root && &u.path == path)
        })
        .collect();
    compare(&known, &current, &mut verification);
    Ok(verification)
}

fn detached_digest(report_path: &Path, bytes: &[u8]) -> String {
    let mut digest_path = report_path.as_os_str().to_owned();
    digest_path.push(".sha256");
    match std::fs::read_to_string(PathBuf::from(digest_path)) {
        Ok(text) => {
            let want = text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if want == hex::encode(sha2::Sha256::digest(bytes)) {
                "ok".to_string()
            } else {
                "mismatch".to_string()
            }
        }
        Err(_) => "absent".to_string(),
    }
}

fn check_custody(report: &serde_json::Value, verification: &mut Verification) {
    let entries = report["run"]["custody_log"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut prev = "0".repeat(64);
    for (index, entry) in entries.iter().enumerate() {
        let seq = entry["seq"].as_i64().unwrap_or(-1);
        let want_seq = index as i64 + 1;
        if seq != want_seq {
            verification.custody_problems.push(format!(
                "entry {want_seq}: sequence number is {seq} (an entry was removed or reordered)"
            ));
        }
        let prev_hash = entry["prev_hash"].as_str().unwrap_or_default();
        if prev_hash != prev {
            verification.custody_problems.push(format!(
                "entry {want_seq}: prev_hash does not equal the hash of entry {index}"
            ));
        }
        let hash = crate::store::custody_hash(
            prev_hash,
            seq,
            entry["at"].as_str().unwrap_or_default(),
            entry["op"].as_str().unwrap_or_default(),
            &entry["detail"].to_string(),
        );
        let stated = entry["hash"].as_str().unwrap_or_default();
        if hash != stated {
            verification.custody_problems.push(format!(
                "entry {want_seq} ({}): its hash does not match its content (edited)",
                entry["op"]
            ));
        }
        prev = stated.to_string();
        verification.custody_entries += 1;
    }
    if entries.is_empty() {
        verification
            .custody_problems
            .push("the report has no custody log".to_string());
    }
}

fn known_files(report: &serde_json::Value) -> anyhow::Result<Vec<Known>> {
    let mut known = Vec::new();
    for file in report["files"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        if file["depth"].as_u64() != Some(0) {
            continue;
        }
        let path = match file["path_hex"].as_str() {
            Some(hex_path) => hex::decode(hex_path).context("corrupt path_hex in report")?,
            None => file["path"]
                .as_str()
                .unwrap_or_default()
                .as_bytes()
                .to_vec(),
        };
        known.push(Known {
            root: file["root"].as_u64().unwrap_or(0) as u32,
            path,
            size: file["bytes"].as_u64().unwrap_or(0),
            md5: file["md5"].as_str().unwrap_or_default().to_string(),
            sha256: file["sha256"].as_str().unwrap_or_default().to_string(),
        });
    }
    Ok(known)
}

type Current = (u32, Vec<u8>, Result<(u64, String, String), String>);

fn compare(known: &[Known], current: &[Current], verification: &mut Verification) {
    let by_path: HashMap<(u32, &[u8]), &Known> = known
        .iter()
        .map(|k| ((k.root, k.path.as_slice()), k))
        .collect();
    let by_digest: HashMap<(u64, &str, &str), &Known> = known
        .iter()
        .map(|k| ((k.size, k.md5.as_str(), k.sha256.as_str()), k))
        .collect();
    let mut seen_paths: BTreeMap<(u32, Vec<u8>), ()> = BTreeMap::new();
    let mut found_digests: BTreeMap<(u64, String, String), ()> = BTreeMap::new();
    let mut differences = Vec::new();
    for (root, path, digests) in current {
        seen_paths.insert((*root, path.clone()), ());
        let display = walk::display(path);
        let (size, md5, sha256) = match digests {
            Ok(d) => d,
            Err(reason) => {
                differences.push(Difference {
                    category: "error".to_string(),
                    root: *root,
                    path: display,
                    detail: format!("cannot read: {reason}"),
                });
                continue;
            }
        };
        found_digests.insert((*size, md5.clone(), sha256.clone()), ());
        match by_path.get(&(*root, path.as_slice())) {
            Some(k) if k.size == *size && k.md5 == *md5 && k.sha256 == *sha256 => {
                verification.matched += 1
            }
            Some(k) => differences.push(Difference {
                category: "changed".to_string(),
                root: *root,
                path: display,
                detail: format!(
                    "reported {} bytes sha256 {}, found {} bytes sha256 {}",
                    k.size, k.sha256, size, sha256
                ),
            }),
            None => match by_digest.get(&(*size, md5.as_str(), sha256.as_str())) {
                Some(k) => differences.push(Difference {
                    category: "moved".to_string(),
                    root: *root,
                    path: display,
                    detail: format!("reported as `{}`", walk::display(&k.path)),
                }),
                None => differences.push(Difference {
                    category: "new".to_string(),
                    root: *root,
                    path: display,
                    detail: format!("{size} bytes sha256 {sha256}, not in the report"),
                }),
            },
        }
    }
    for k in known {
        let present = seen_paths.contains_key(&(k.root, k.path.clone()));
        let elsewhere = found_digests.contains_key(&(k.size, k.md5.clone(), k.sha256.clone()));
        if !present && !elsewhere {
            differences.push(Difference {
                category: "missing".to_string(),
                root: k.root,
                path: walk::display(&k.path),
                detail: format!("{} bytes sha256 {} not found", k.size, k.sha256),
            });
        }
    }
    differences.sort();
    verification.differences = differences;
}
