//! The scan: walk, read and digest in parallel, match, and record in the store.
//!
//! Shape (ruff `check`, ripgrep `files_parallel`): the walk lists the corpus sequentially; files
//! that the store already holds with the same (size, mtime, config digest) are skipped; the rest
//! are processed by a rayon pool (`read::file` then `matcher::items`), each worker sending a
//! [`FileResult`] into a bounded channel; one writer thread commits them in batches. A killed
//! scan keeps every committed batch, and the next scan picks up the rest.
//!
//! A shard scan (`shard::scan`) is the same scan over one shard's list instead of a walk
//! ([`run_listed`]), so a sharded run records exactly what a single scan records.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::ScanConfig;
use crate::matcher::cmi::DocWords;
use crate::matcher::text::WorkCache;
use crate::progress::Progress;
use crate::registry::works::TextIndex;
use crate::registry::works::WorkCmi;
use crate::registry::{Registry, Snapshot};
use crate::store::{CmiHit, FileResult, ReferenceCmi, Store};
use crate::walk::{self, Entry};

/// Files per store transaction.
const BATCH_FILES: usize = 512;
/// Longest time a finished file waits before its batch is committed.
const BATCH_TIME: Duration = Duration::from_millis(500);

/// Counts of one scan, recorded in the store's run record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    /// Regular files listed.
    pub files_listed: u64,
    /// Files read in this run.
    pub files_read: u64,
    /// Files skipped because the store holds them unchanged.
    pub files_unchanged: u64,
    /// Entries the walk could not list (links, unreadable folders).
    pub skipped: u64,
    /// Bytes read from disk in this run.
    pub bytes_read: u64,
    /// Items (files and members) that ended in an error in this run.
    pub errors: u64,
}

/// Context of a scan that reports show: who ran what, when, against which registries.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ScanContext {
    /// Tool name.
    pub tool: String,
    /// Version.
    pub version: String,
    /// Git commit of the build (`unknown` outside a checkout).
    pub build: String,
    /// sha256 of the running binary, if it could be read.
    pub binary_sha256: Option<String>,
    /// The command line, as given.
    pub command_line: Vec<String>,
    /// Host name.
    pub host: String,
    /// User name (`$USER`, else the numeric uid).
    pub user: String,
    /// Worker threads.
    pub threads: usize,
    /// Config digest.
    pub config_digest: String,
    /// Corpus roots as given.
    pub roots: Vec<String>,
    /// Container limits and walk options.
    pub options: serde_json::Value,
    /// Every registry used.
    pub registries: Vec<Snapshot>,
}

/// Opens (importing raw sources into the cache when needed) every registry of `config`.
///
/// # Errors
///
/// A registry that cannot be opened or imported.
pub fn open_registries(config: &ScanConfig) -> anyhow::Result<(Vec<PathBuf>, Vec<Registry>)> {
    let mut paths = Vec::new();
    let mut registries = Vec::new();
    for spec in &config.registry_specs {
        let path = crate::registry::resolve(spec, &config.cache_dir)
            .with_context(|| format!("cannot use registry `{}`", spec.display()))?;
        registries.push(Registry::open(&path)?);
        paths.push(path);
    }
    Ok((paths, registries))
}

/// Scans the corpus into `store`.
///
/// # Errors
///
/// A root that does not exist, a registry that cannot be opened, or a store write failure.
/// Files that cannot be read are not errors here: they become error items.
///
/// # Performance
///
/// Reads every changed file once (see `read::file`), on the current rayon pool.
pub fn run(
    config: &ScanConfig,
    store: &mut Store,
    progress: Progress,
    command_line: Vec<String>,
    threads: usize,
) -> anyhow::Result<ScanStats> {
    run_listed(config, store, progress, command_line, threads, |config| {
        let spinner = progress.spinner("listing corpus");
        let listing = walk::entries(&config.walk)?;
        spinner.finish_and_clear();
        Ok(Listed {
            roots_shown: listing
                .roots
                .iter()
                .map(|r| r.display().to_string())
                .collect(),
            files_from: config.walk.files_from.is_some(),
            listing,
        })
    })
}

/// A listing to scan and how the report shows its origin: the walk of `run`, or one shard of
/// a plan (`shard::scan`), whose roots are absolute paths but shown as the plan's user gave them.
pub struct Listed {
    /// The entries to scan; `listing.roots` are the roots the config digest is computed over.
    pub listing: walk::Listing,
    /// The roots as the report shows them (`corpus.roots`).
    pub roots_shown: Vec<String>,
    /// Whether the listing came from `--files-from` (recorded in the report's options).
    pub files_from: bool,
}

/// Scans the files that `list` returns into `store`: the body of [`run`], shared with the
/// shard scans of `shard::scan`, which list a plan's shard instead of walking the corpus.
///
/// # Errors
///
/// As [`run`], and any error of `list`.
pub fn run_listed(
    config: &ScanConfig,
    store: &mut Store,
    progress: Progress,
    command_line: Vec<String>,
    threads: usize,
    list: impl FnOnce(&ScanConfig) -> anyhow::Result<Listed>,
) -> anyhow::Result<ScanStats> {
    let started = now_utc();
    let (registry_paths, registries) = open_registries(config)?;
    let text_indexes: Vec<Option<TextIndex>> = registries
        .iter()
        .map(Registry::text_index)
        .collect::<anyhow::Result<_>>()?;
    let has_identifiers: Vec<bool> = registries
        .iter()
        .map(|r| Ok(config.bibliographic && r.has_identifiers()?))
        .collect::<anyhow::Result<_>>()?;
    let snapshots = registries
        .iter()
        .map(Registry::snapshot)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let registry_digests: Vec<String> = snapshots.iter().map(|s| s.digest.clone()).collect();
    let Listed {
        listing,
        roots_shown,
        files_from,
    } = list(config)?;
    let config_digest = config.digest(&registry_digests, &listing.roots);

    let context = ScanContext {
        tool: crate::TOOL_NAME.to_string(),
        version: crate::VERSION.to_string(),
        build: env!("PROVAUDIT_GIT_COMMIT").to_string(),
        binary_sha256: binary_sha256(),
        command_line,
        host: gethostname::gethostname().to_string_lossy().into_owned(),
        user: user_name(),
        threads,
        config_digest: config_digest.clone(),
        roots: roots_shown,
        options: serde_json::json!({
            "follow_symlinks": config.walk.symlinks == walk::Symlinks::Follow,
            "files_from": files_from,
            "max_depth": config.read.max_depth,
            "max_expanded": config.read.max_expanded,
            "max_ratio": config.read.max_ratio,
            "text_fields": config.documents.text_fields,
            "text_matching": text_indexes.iter().any(Option::is_some),
            "identifier_matching": has_identifiers.iter().any(|w| *w),
            "align": {
                "min_words": config.align.min_words,
                "min_identity": config.align.min_identity,
                "resync_radius": config.align.resync_radius,
                "x_drop": config.align.x_drop,
            },
            "fingerprint_params": text_indexes.iter().map(|i| i.as_ref().map(|i| serde_json::json!({"k": i.params.k, "w": i.params.w}))).collect::<Vec<_>>(),
            "registry_paths": registry_paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        }),
        registries: snapshots,
    };
    store.set_meta("context", &serde_json::to_string(&context)?)?;
    let run_id = store.begin_run(&started, &config_digest, &serde_json::to_value(&context)?)?;

    let known = store.known_files()?;
    let (todo, unchanged) = partition(&listing.entries, &known, &config_digest);
    store.mark_seen(
        run_id,
        &unchanged
            .iter()
            .map(|e| (e.root, e.rel.clone()))
            .collect::<Vec<_>>(),
    )?;

    let total_bytes: u64 = todo.iter().map(|e| e.size).sum();
    let bar = progress.bytes(total_bytes, "scanning");
    let bytes_read = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    let files_done = AtomicU64::new(0);
    let n_todo = todo.len();
    let (sender, receiver) = crossbeam_channel::bounded::<FileResult>(4 * BATCH_FILES);

    let write_result = std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> anyhow::Result<()> {
            let mut batch = Vec::with_capacity(BATCH_FILES);
            let mut last_commit = Instant::now();
            loop {
                match receiver.recv_timeout(BATCH_TIME) {
                    Ok(result) => batch.push(result),
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                }
                if batch.len() >= BATCH_FILES
                    || (!batch.is_empty() && last_commit.elapsed() >= BATCH_TIME)
                {
                    store.write_batch(run_id, &config_digest, &batch)?;
                    batch.clear();
                    last_commit = Instant::now();
                }
            }
            if !batch.is_empty() {
                store.write_batch(run_id, &config_digest, &batch)?;
            }
            Ok(())
        });

        let scan_result = todo.par_iter().try_for_each_init(
            || {
                open_worker_registries(&registry_paths).map(|registries| {
                    let caches = registries.iter().map(|_| WorkCache::default()).collect();
                    (registries, caches)
                })
            },
            |worker_state, entry| -> anyhow::Result<()> {
                let (registries, caches) = match worker_state {
                    Ok(state) => (&state.0, &mut state.1),
                    Err(err) => anyhow::bail!("{err:#}"),
                };
                let on_bytes = |n: u64| {
                    bar.inc(n);
                    bytes_read.fetch_add(n, Ordering::Relaxed);
                };
                let text = TextMatching {
                    indexes: &text_indexes,
                    identifiers: &has_identifiers,
                    caches,
                };
                let result = scan_file(entry, config, registries, text, &on_bytes)?;
                let done = files_done.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{done}/{n_todo} files"));
                let n_errors = result.items.iter().filter(|i| i.error.is_some()).count();
                errors.fetch_add(n_errors as u64, Ordering::Relaxed);
                // A closed channel means the writer failed; its error is reported below.
                if sender.send(result).is_err() {
                    anyhow::bail!("results writer stopped");
                }
                Ok(())
            },
        );
        drop(sender);
        let write_result = writer.join().expect("writer thread does not panic");
        match (scan_result, write_result) {
            (_, Err(err)) => Err(err),
            (Err(err), Ok(())) => Err(err),
            (Ok(()), Ok(())) => Ok(()),
        }
    });
    bar.finish_and_clear();
    write_result?;

    let stats = ScanStats {
        files_listed: listing.entries.len() as u64,
        files_read: todo.len() as u64,
        files_unchanged: unchanged.len() as u64,
        skipped: listing.skipped.len() as u64,
        bytes_read: bytes_read.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
    };
    store.finish_run(
        run_id,
        &now_utc(),
        &listing.skipped,
        &serde_json::to_value(&stats)?,
    )?;
    Ok(stats)
}

fn open_worker_registries(paths: &[PathBuf]) -> anyhow::Result<Vec<Registry>> {
    paths.iter().map(|p| Registry::open(p)).collect()
}

/// Splits the listing into files to read and files the store holds unchanged.
fn partition<'a>(
    entries: &'a [Entry],
    known: &HashMap<(u32, Vec<u8>), crate::store::FileKey>,
    config_digest: &str,
) -> (Vec<&'a Entry>, Vec<&'a Entry>) {
    entries.iter().partition(|entry| {
        known
            .get(&(entry.root, entry.rel.clone()))
            .is_none_or(|key| {
                key.size != entry.size
                    || key.mtime_ns != entry.mtime_ns
                    || key.config_digest != config_digest
            })
    })
}

/// Reads, digests and matches one file. A file that changed while it was read keeps its
/// digests but gets an error, so the report never presents them as the file's current bytes.
fn scan_file(
    entry: &Entry,
    config: &ScanConfig,
    registries: &[Registry],
    text: TextMatching<'_>,
    on_bytes: &dyn Fn(u64),
) -> anyhow::Result<FileResult> {
    let mut items = crate::read::file(&entry.path, &entry.rel, &config.read, on_bytes);
    if let Some(first) = items.first_mut()
        && first.error.is_none()
    {
        match fs::metadata(&entry.path) {
            Ok(meta) if meta.len() != entry.size || walk::mtime_ns(&meta) != entry.mtime_ns => {
                first.error = Some(format!(
                    "file changed while being read (size {} -> {}); re-run to record its new content",
                    entry.size,
                    meta.len()
                ));
            }
            Ok(_) => {}
            Err(err) => {
                first.error = Some(format!(
                    "file vanished while being read: {}",
                    walk::io_kind_reason(&err)
                ));
            }
        }
    }
    let mut findings = crate::matcher::items(registries, &items)?;
    let mut documents = 0u64;
    let mut spans = Vec::new();
    let mut doc_errors = Vec::new();
    let mut cmi = CmiWindow::default();
    // (registry position, work row) -> (registry name, work id) of every work with spans here,
    // and the CMI lines of those works.
    let mut span_works: std::collections::BTreeMap<(usize, i64), (String, String)> =
        std::collections::BTreeMap::new();
    let mut reference: std::collections::BTreeMap<(usize, i64), Arc<WorkLines>> =
        std::collections::BTreeMap::new();
    let wants_text = text.indexes.iter().any(Option::is_some);
    let wants_identifiers = text.identifiers.iter().any(|w| *w);
    if (wants_text || wants_identifiers) && items.first().is_some_and(|i| i.error.is_none()) {
        // A second read of the file, for its text: only when some registry has works (T3) or
        // lists ISBNs or ASINs (T4).
        let item_seqs: HashMap<&[u8], u32> = items
            .iter()
            .enumerate()
            .map(|(seq, item)| (item.address.as_slice(), seq as u32))
            .collect();
        let mut failure = None;
        crate::read::documents(&entry.path, &entry.rel, &config.documents, &mut |doc| {
            if failure.is_some() {
                return;
            }
            match doc {
                Ok(doc) => {
                    documents += 1;
                    let tokens = if wants_text {
                        crate::text::tokens(&doc.text)
                    } else {
                        Vec::new()
                    };
                    let mut works_here = Vec::new();
                    for (position, ((registry, index), cache)) in registries
                        .iter()
                        .zip(text.indexes)
                        .zip(text.caches.iter_mut())
                        .enumerate()
                    {
                        let Some(index) = index else { continue };
                        match crate::matcher::text::document(
                            registry,
                            index,
                            cache,
                            &doc,
                            &tokens,
                            config.align,
                        ) {
                            Ok(found) => {
                                for span in &found {
                                    let key = (position, span.work_row);
                                    if !works_here.contains(&key) {
                                        works_here.push(key);
                                    }
                                    span_works.entry(key).or_insert_with(|| {
                                        (span.work.registry.clone(), span.work.id.clone())
                                    });
                                }
                                spans.extend(found);
                            }
                            Err(err) => failure = Some(err),
                        }
                    }
                    if wants_text {
                        let mut lines_here = Vec::new();
                        for key in &works_here {
                            match reference_lines(&mut reference, registries, *key, &span_works) {
                                Ok(lines) => lines_here.push(lines),
                                Err(err) => failure = Some(err),
                            }
                        }
                        cmi.document(&doc, &tokens, lines_here);
                    }
                    if wants_identifiers {
                        let seq = item_seqs.get(doc.address.as_slice()).copied().unwrap_or(0);
                        match crate::matcher::bibliographic::document(
                            registries,
                            text.identifiers,
                            &doc,
                            seq,
                        ) {
                            Ok(found) => findings.extend(found),
                            Err(err) => failure = Some(err),
                        }
                    }
                }
                Err(err) => doc_errors.push(err),
            }
        });
        if let Some(err) = failure {
            return Err(err);
        }
    }
    let reference_cmi = reference
        .into_values()
        .map(|work| ReferenceCmi {
            registry: work.registry.clone(),
            work_id: work.work_id.clone(),
            lines: work.lines.clone(),
        })
        .collect();
    let mut cmi_hits = cmi.hits;
    cmi_hits.sort();
    cmi_hits.dedup();
    Ok(FileResult {
        entry: entry.clone(),
        items,
        findings,
        documents,
        spans,
        doc_errors,
        reference_cmi,
        cmi_hits,
    })
}

/// Records before and after a document holding passages in which the work's CMI lines are
/// looked for too: a copyright page is often a record of its own (an EPUB `copyright.xhtml`,
/// the first JSONL chunk of a book) that holds no passage, and a copy must not be said to lack
/// the CMI it carries there.
const CMI_NEIGHBOURS: usize = 8;

/// Bytes at each end of a neighbouring record whose words are kept for the CMI check (front
/// and back matter), so that memory stays bounded whatever the records' size.
const CMI_NEIGHBOUR_BYTES: usize = 64 * 1024;

/// A work's CMI lines, fetched once per file from its registry, with their words.
#[derive(Debug)]
struct WorkLines {
    registry: String,
    work_id: String,
    lines: Vec<WorkCmi>,
    /// `matcher::cmi::line_words` of each line.
    words: Vec<Vec<u64>>,
}

/// The CMI lines of the work at `key`, from the cache or its registry.
fn reference_lines(
    cache: &mut std::collections::BTreeMap<(usize, i64), Arc<WorkLines>>,
    registries: &[Registry],
    key: (usize, i64),
    names: &std::collections::BTreeMap<(usize, i64), (String, String)>,
) -> anyhow::Result<Arc<WorkLines>> {
    if let Some(lines) = cache.get(&key) {
        return Ok(lines.clone());
    }
    let (registry, work_id) = names.get(&key).cloned().unwrap_or_default();
    let lines = registries[key.0].work_cmi(key.1)?;
    let words = lines
        .iter()
        .map(|l| crate::matcher::cmi::line_words(&l.line))
        .collect();
    let lines = Arc::new(WorkLines {
        registry,
        work_id,
        lines,
        words,
    });
    cache.insert(key, lines.clone());
    Ok(lines)
}

/// A record near records with passages, in which their works' CMI lines are looked for.
struct Neighbour {
    record: Option<String>,
    /// Word hashes of its first and last [`CMI_NEIGHBOUR_BYTES`].
    hashes: Vec<u64>,
    /// Their index, built the first time a work is looked for here.
    words: Option<DocWords>,
    /// Works already looked for here.
    checked: Vec<Arc<WorkLines>>,
}

/// Looks for the CMI lines of the works with passages in a document in that document and in
/// its neighbouring records of the same file or member (see [`CMI_NEIGHBOURS`]), each work
/// once per record, with bounded memory: the word hashes of the last few records wait in a
/// window (indexed only if a record with passages claims them), and the works of the last
/// record with passages stay pending for the next few.
#[derive(Default)]
struct CmiWindow {
    address: Vec<u8>,
    waiting: std::collections::VecDeque<Neighbour>,
    pending: Vec<Arc<WorkLines>>,
    keep_next: usize,
    hits: Vec<CmiHit>,
}

impl CmiWindow {
    fn document(
        &mut self,
        doc: &crate::read::Document,
        tokens: &[crate::text::Token],
        works_here: Vec<Arc<WorkLines>>,
    ) {
        if doc.address != self.address {
            self.address.clone_from(&doc.address);
            self.waiting.clear();
            self.pending.clear();
            self.keep_next = 0;
        }
        if !works_here.is_empty() {
            for work in works_here {
                if !self.pending.iter().any(|p| Arc::ptr_eq(p, &work)) {
                    self.pending.push(work);
                }
            }
            let words = DocWords::of(tokens.iter().map(|t| t.text_hash));
            for work in &self.pending {
                check(
                    &mut self.hits,
                    work,
                    &doc.address,
                    doc.record.as_ref(),
                    &words,
                );
                for neighbour in &mut self.waiting {
                    if neighbour.checked.iter().any(|c| Arc::ptr_eq(c, work)) {
                        continue;
                    }
                    let words = neighbour
                        .words
                        .get_or_insert_with(|| DocWords::of(neighbour.hashes.iter().copied()));
                    check(
                        &mut self.hits,
                        work,
                        &doc.address,
                        neighbour.record.as_ref(),
                        words,
                    );
                    neighbour.checked.push(work.clone());
                }
            }
            self.keep_next = CMI_NEIGHBOURS;
            return;
        }
        let tail = doc.text.len().saturating_sub(CMI_NEIGHBOUR_BYTES);
        let mut neighbour = Neighbour {
            record: doc.record.clone(),
            hashes: tokens
                .iter()
                .filter(|t| t.start < CMI_NEIGHBOUR_BYTES || t.end > tail)
                .map(|t| t.text_hash)
                .collect(),
            words: None,
            checked: Vec::new(),
        };
        if self.keep_next > 0 {
            let words = DocWords::of(neighbour.hashes.iter().copied());
            for work in &self.pending {
                check(
                    &mut self.hits,
                    work,
                    &doc.address,
                    doc.record.as_ref(),
                    &words,
                );
            }
            neighbour.words = Some(words);
            neighbour.checked = self.pending.clone();
            self.keep_next -= 1;
        }
        self.waiting.push_back(neighbour);
        if self.waiting.len() > CMI_NEIGHBOURS {
            self.waiting.pop_front();
        }
    }
}

/// Records a hit for every line of `work` that a record carries.
fn check(
    hits: &mut Vec<CmiHit>,
    work: &WorkLines,
    address: &[u8],
    record: Option<&String>,
    words: &DocWords,
) {
    for (seq, line) in work.words.iter().enumerate() {
        if words.carries_words(line) {
            hits.push(CmiHit {
                address: address.to_vec(),
                record: record.cloned(),
                registry: work.registry.clone(),
                work_id: work.work_id.clone(),
                seq: seq as u32,
            });
        }
    }
}

/// The text indexes of the registries (parallel to them), whether each lists identifiers
/// (ISBNs, ASINs) for T4, and this worker's work caches.
struct TextMatching<'a> {
    indexes: &'a [Option<TextIndex>],
    identifiers: &'a [bool],
    caches: &'a mut Vec<WorkCache>,
}

/// The user running the scan: `$USER`, else `$LOGNAME`, else `uid N` from `/proc/self/status`
/// (containers and CI runners often set neither variable), else `unknown`.
fn user_name() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.is_empty()
        {
            return name;
        }
    }
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next())
                .map(|uid| format!("uid {uid}"))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The current time as RFC 3339 UTC with seconds precision.
pub fn now_utc() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn binary_sha256() -> Option<String> {
    use sha2::Digest as _;
    let exe = std::env::current_exe().ok()?;
    let mut file = fs::File::open(exe).ok()?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; crate::digest::BUF_SIZE];
    loop {
        match std::io::Read::read(&mut file, &mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(crate::digest::hex(&hasher.finalize()))
}
