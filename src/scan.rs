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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
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
    /// Corpus roots as given, shown as [`shown_roots`] shows them.
    pub roots: Vec<String>,
    /// Exact bytes of escaped roots (see [`shown_roots`]); empty when none needed escaping, and
    /// in stores of earlier versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roots_hex: Vec<Option<String>>,
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
        let (roots_shown, roots_hex) = shown_roots(listing.roots.iter().map(PathBuf::as_path));
        Ok(Listed {
            roots_shown,
            roots_hex,
            files_from: config.walk.files_from.is_some(),
            listing,
        })
    })
}

/// How a report shows corpus roots: escaped as file paths are (`walk::display`: invalid UTF-8
/// as `\xNN`, control characters as `\u{..}`), and, only when some root needed escaping, the
/// exact bytes of each escaped root in hex (`None` for the others), so that `verify` can find a
/// root whose name is not text.
pub fn shown_roots<'a>(
    roots: impl IntoIterator<Item = &'a std::path::Path>,
) -> (Vec<String>, Vec<Option<String>>) {
    use std::os::unix::ffi::OsStrExt as _;
    let (shown, hex): (Vec<String>, Vec<Option<String>>) = roots
        .into_iter()
        .map(|root| {
            let bytes = root.as_os_str().as_bytes();
            (
                walk::display(bytes),
                (!walk::is_exact(bytes)).then(|| hex::encode(bytes)),
            )
        })
        .unzip();
    let hex = if hex.iter().any(Option::is_some) {
        hex
    } else {
        Vec::new()
    };
    (shown, hex)
}

/// A listing to scan and how the report shows its origin: the walk of `run`, or one shard of
/// a plan (`shard::scan`), whose roots are absolute paths but shown as the plan's user gave them.
pub struct Listed {
    /// The entries to scan; `listing.roots` are the roots the config digest is computed over.
    pub listing: walk::Listing,
    /// The roots as the report shows them (`corpus.roots`), from [`shown_roots`].
    pub roots_shown: Vec<String>,
    /// Their exact bytes in hex where the shown text differs (`corpus.roots_hex`).
    pub roots_hex: Vec<Option<String>>,
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
        roots_hex,
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
        roots_hex,
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

    let known = store.known_files(&config_digest)?;
    let (todo, unchanged) = partition(&listing.entries, &known);
    drop(known);
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
    let files_started = std::sync::atomic::AtomicUsize::new(0);
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

        let pool = StatePool {
            paths: &registry_paths,
            free: Mutex::new(Vec::new()),
        };
        let text = TextMatching {
            indexes: &text_indexes,
            identifiers: &has_identifiers,
        };
        let scan_result = todo.par_iter().try_for_each(|entry| -> anyhow::Result<()> {
            let on_bytes = |n: u64| {
                bar.inc(n);
                bytes_read.fetch_add(n, Ordering::Relaxed);
            };
            // Near the end of the list, threads would go idle: a large file then spreads its
            // passes over them (see `scan_file`).
            let started = files_started.fetch_add(1, Ordering::Relaxed) + 1;
            let tail = n_todo - started < rayon::current_num_threads();
            let result = scan_file(entry, config, &pool, &text, tail, &on_bytes)?;
            let done = files_done.fetch_add(1, Ordering::Relaxed) + 1;
            bar.set_message(format!("{done}/{n_todo} files"));
            let n_errors = result.items.iter().filter(|i| i.error.is_some()).count();
            errors.fetch_add(n_errors as u64, Ordering::Relaxed);
            // A closed channel means the writer failed; its error is reported below.
            if sender.send(result).is_err() {
                anyhow::bail!("results writer stopped");
            }
            Ok(())
        });
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

/// What a thread needs to match: every registry opened on its own connection (a SQLite
/// connection serves one thread at a time) and a cache of prepared works per registry.
struct WorkerState {
    registries: Vec<Registry>,
    caches: Vec<WorkCache>,
    /// The thread that used it last.
    owner: std::thread::ThreadId,
}

/// The worker states of a scan, shared by all its tasks. A task checks a state out while it
/// uses the registries and gives it back when done, so that one file's documents can be
/// matched on several threads. No task holds a state while it waits for other tasks, so a
/// scan opens at most one state per thread, created when first needed.
struct StatePool<'a> {
    paths: &'a [PathBuf],
    free: Mutex<Vec<WorkerState>>,
}

impl StatePool<'_> {
    /// A free state, the one this thread used last if it is free (its work caches are warm
    /// in this core's caches), or a new one.
    fn checkout(&self) -> anyhow::Result<Checkout<'_>> {
        let me = std::thread::current().id();
        let free = {
            let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
            match free.iter().position(|s| s.owner == me) {
                Some(mine) => Some(free.swap_remove(mine)),
                None => free.pop(),
            }
        };
        let state = match free {
            Some(mut state) => {
                state.owner = me;
                state
            }
            None => {
                let registries = self
                    .paths
                    .iter()
                    .map(|p| Registry::open(p))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let caches = registries.iter().map(|_| WorkCache::default()).collect();
                WorkerState {
                    registries,
                    caches,
                    owner: me,
                }
            }
        };
        Ok(Checkout {
            free: &self.free,
            state: Some(state),
        })
    }
}

/// A worker state checked out of a [`StatePool`], returned to it on drop.
struct Checkout<'p> {
    free: &'p Mutex<Vec<WorkerState>>,
    state: Option<WorkerState>,
}

impl Checkout<'_> {
    fn state(&mut self) -> &mut WorkerState {
        self.state.as_mut().expect("present until dropped")
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.free
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(state);
        }
    }
}

/// Splits the listing into files to read and files the store holds unchanged (same size,
/// mtime and configuration: `known` holds only files of this configuration).
fn partition<'a>(
    entries: &'a [Entry],
    known: &crate::store::KnownFiles,
) -> (Vec<&'a Entry>, Vec<&'a Entry>) {
    entries.iter().partition(|entry| {
        known
            .get(&entry.root)
            .and_then(|files| files.get(entry.rel.as_slice()))
            .is_none_or(|key| key.size != entry.size || key.mtime_ns != entry.mtime_ns)
    })
}

/// Reads, digests and matches one file. A file that changed while it was read keeps its
/// digests but gets an error, so the report never presents them as the file's current bytes.
fn scan_file(
    entry: &Entry,
    config: &ScanConfig,
    pool: &StatePool<'_>,
    text: &TextMatching<'_>,
    tail: bool,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<FileResult> {
    let wants_documents =
        text.indexes.iter().any(Option::is_some) || text.identifiers.iter().any(|w| *w);
    // Documents are read in a second pass, only when some registry has works (T3) or lists
    // ISBNs or ASINs (T4). For a large file among the last ones (`tail`: fewer files left than
    // threads, so cores would idle), that pass runs beside the digest pass, and its documents
    // are parsed on a thread of their own while the pool matches the previous batch, so that
    // one large file keeps every core busy. Earlier, other files keep the cores busy and extra
    // threads would only compete with them.
    let spread = tail && rayon::current_num_threads() > 1;
    let overlap = spread && wants_documents && entry.size >= OVERLAP_BYTES;
    let (items, documents) = if overlap {
        std::thread::scope(|scope| {
            let digests = scope.spawn(|| read_items(entry, config, on_bytes));
            let documents = match_documents(entry, config, pool, text, true, true);
            let items = match digests.join() {
                Ok(items) => items,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            (items, Some(documents))
        })
    } else {
        let items = read_items(entry, config, on_bytes);
        let readable = items.first().is_some_and(|i| i.error.is_none());
        let documents = (wants_documents && readable)
            .then(|| match_documents(entry, config, pool, text, spread, false));
        (items, documents)
    };
    // A file that could not be read has no documents, whatever the second pass saw.
    let file = match documents {
        Some(documents) if items.first().is_some_and(|i| i.error.is_none()) => documents?,
        _ => FileText::default(),
    };

    let mut findings = crate::matcher::items(&pool.checkout()?.state().registries, &items)?;
    let item_seqs: HashMap<&[u8], u32> = items
        .iter()
        .enumerate()
        .map(|(seq, item)| (item.address.as_slice(), seq as u32))
        .collect();
    for (address, mut finding) in file.identifier_findings {
        finding.item_seq = item_seqs.get(address.as_slice()).copied().unwrap_or(0);
        findings.push(finding);
    }
    let reference_cmi = file
        .reference
        .into_values()
        .map(|work| ReferenceCmi {
            registry: work.registry.clone(),
            work_id: work.work_id.clone(),
            lines: work.lines.clone(),
        })
        .collect();
    let mut cmi_hits = file.cmi.hits;
    cmi_hits.sort();
    cmi_hits.dedup();
    Ok(FileResult {
        entry: entry.clone(),
        items,
        findings,
        documents: file.documents,
        spans: file.spans,
        doc_errors: file.doc_errors,
        reference_cmi,
        cmi_hits,
    })
}

/// Files at least this large, among the last of a scan, read their documents beside their
/// digests (see [`scan_file`]), unless the scan runs on one thread (`--threads 1` then means
/// one busy core); other files are read one pass after the other, which costs no threads.
const OVERLAP_BYTES: u64 = 16 << 20;

/// The digest pass: every item of the file, and whether the file changed while it was read.
fn read_items(
    entry: &Entry,
    config: &ScanConfig,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Vec<crate::read::Item> {
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
    items
}

/// The document pass: reads the file's documents and matches them, one by one, or with
/// `spread` in batches spread over the pool's threads. With `pipelined`, documents are parsed
/// on a thread of their own, one batch ahead.
fn match_documents(
    entry: &Entry,
    config: &ScanConfig,
    pool: &StatePool<'_>,
    text: &TextMatching<'_>,
    spread: bool,
    pipelined: bool,
) -> anyhow::Result<FileText> {
    let shared = FileShared {
        pool,
        text,
        align: config.align,
        spread,
    };
    let mut file = FileText::default();
    let mut batcher = if spread {
        Batcher::new(BATCH_DOCUMENTS, BATCH_DOCUMENT_BYTES)
    } else {
        Batcher::new(1, 0)
    };
    if !pipelined {
        let mut failure = None;
        crate::read::documents(&entry.path, &entry.rel, &config.documents, &mut |doc| {
            if failure.is_some() {
                return;
            }
            match doc {
                Ok(doc) => {
                    if let Some(batch) = batcher.push(doc)
                        && let Err(err) = file.batch(&shared, batch)
                    {
                        failure = Some(err);
                    }
                }
                Err(err) => file.doc_errors.push(err),
            }
        });
        if let Some(err) = failure {
            return Err(err);
        }
        file.batch(&shared, batcher.take())?;
        return Ok(file);
    }
    let (sender, receiver) = crossbeam_channel::bounded::<Vec<crate::read::Document>>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut doc_errors = Vec::new();
            let mut stopped = false;
            crate::read::documents(&entry.path, &entry.rel, &config.documents, &mut |doc| {
                match doc {
                    // Once the matcher has stopped (it failed), the rest is only read through.
                    Ok(_) if stopped => {}
                    Ok(doc) => {
                        if let Some(batch) = batcher.push(doc) {
                            stopped = sender.send(batch).is_err();
                        }
                    }
                    Err(err) => doc_errors.push(err),
                }
            });
            if !stopped {
                let _ = sender.send(batcher.take());
            }
            doc_errors
        });
        let mut matched = Ok(());
        for batch in &receiver {
            matched = file.batch(&shared, batch);
            if matched.is_err() {
                break;
            }
        }
        drop(receiver);
        file.doc_errors = match reader.join() {
            Ok(doc_errors) => doc_errors,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        matched
    })?;
    Ok(file)
}

/// Collects documents into batches of at most `max_docs` documents or about `max_bytes` of
/// text.
struct Batcher {
    docs: Vec<crate::read::Document>,
    bytes: usize,
    max_docs: usize,
    max_bytes: usize,
}

impl Batcher {
    fn new(max_docs: usize, max_bytes: usize) -> Batcher {
        Batcher {
            docs: Vec::new(),
            bytes: 0,
            max_docs,
            max_bytes,
        }
    }

    /// Adds a document; returns the batch when it is full.
    fn push(&mut self, doc: crate::read::Document) -> Option<Vec<crate::read::Document>> {
        self.bytes += doc.text.len();
        self.docs.push(doc);
        (self.docs.len() >= self.max_docs || self.bytes >= self.max_bytes).then(|| self.take())
    }

    /// The documents collected so far.
    fn take(&mut self) -> Vec<crate::read::Document> {
        self.bytes = 0;
        std::mem::take(&mut self.docs)
    }
}

/// Documents matched together: enough text that spreading it over threads pays (a batch is a
/// few milliseconds of work), little enough that it is still in the cache when it is matched.
/// On one thread every document is its own batch.
const BATCH_DOCUMENTS: usize = 256;
/// Bytes of text of a batch; see [`BATCH_DOCUMENTS`].
const BATCH_DOCUMENT_BYTES: usize = 512 << 10;

/// What every batch of one file's documents is matched with.
struct FileShared<'a> {
    pool: &'a StatePool<'a>,
    text: &'a TextMatching<'a>,
    align: crate::align::AlignParams,
    /// Whether a batch's documents are matched on the pool's threads.
    spread: bool,
}

/// The passages found in one document, per registry position, and its words for the CMI
/// window.
struct Analysis {
    found: Vec<(usize, Vec<crate::matcher::text::TextSpan>)>,
    words: Option<CmiWords>,
}

/// What the documents of one file have given so far.
#[derive(Default)]
struct FileText {
    /// T4 findings with the address of the item holding them (its sequence number is known
    /// only once the digest pass has listed the items).
    identifier_findings: Vec<(Vec<u8>, crate::matcher::Finding)>,
    documents: u64,
    spans: Vec<crate::matcher::text::TextSpan>,
    doc_errors: Vec<crate::read::DocError>,
    cmi: CmiWindow,
    /// (registry position, work row) -> (registry name, work id) of every work with spans here.
    span_works: std::collections::BTreeMap<(usize, i64), (String, String)>,
    /// The CMI lines of those works.
    reference: std::collections::BTreeMap<(usize, i64), Arc<WorkLines>>,
}

impl FileText {
    /// Matches a batch of documents: tokens and passages on the pool's threads (each document
    /// on its own), then, in document order, the CMI window and identifiers, which carry state
    /// from one document to the next. The result does not depend on how the batch was split.
    fn batch(
        &mut self,
        shared: &FileShared<'_>,
        docs: Vec<crate::read::Document>,
    ) -> anyhow::Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let text = shared.text;
        let wants_text = text.indexes.iter().any(Option::is_some);
        let wants_identifiers = text.identifiers.iter().any(|w| *w);
        let analyse = |checkout: &mut anyhow::Result<Checkout<'_>>,
                       doc: &crate::read::Document|
         -> anyhow::Result<Analysis> {
            let state = match checkout {
                Ok(checkout) => checkout.state(),
                Err(err) => anyhow::bail!("{err:#}"),
            };
            let tokens = crate::text::tokens(&doc.text);
            let mut found = Vec::new();
            for (position, index) in text.indexes.iter().enumerate() {
                let Some(index) = index else { continue };
                let spans = crate::matcher::text::document(
                    &state.registries[position],
                    index,
                    &mut state.caches[position],
                    doc,
                    &tokens,
                    shared.align,
                )?;
                found.push((position, spans));
            }
            let has_passages = found.iter().any(|(_, spans)| !spans.is_empty());
            let words = CmiWords::of(doc.text.len(), &tokens, has_passages);
            Ok(Analysis {
                found,
                words: Some(words),
            })
        };
        let analysed: Vec<anyhow::Result<Analysis>> = if wants_text && shared.spread {
            docs.par_iter()
                .map_init(|| shared.pool.checkout(), analyse)
                .collect()
        } else if wants_text {
            let mut checkout = shared.pool.checkout();
            docs.iter().map(|doc| analyse(&mut checkout, doc)).collect()
        } else {
            docs.iter()
                .map(|_| {
                    Ok(Analysis {
                        found: Vec::new(),
                        words: None,
                    })
                })
                .collect()
        };

        let mut checkout = shared.pool.checkout()?;
        let registries = &checkout.state().registries;
        for (doc, analysis) in docs.iter().zip(analysed) {
            let analysis = analysis?;
            self.documents += 1;
            let mut works_here = Vec::new();
            for (position, found) in analysis.found {
                for span in &found {
                    let key = (position, span.work_row);
                    if !works_here.contains(&key) {
                        works_here.push(key);
                    }
                    self.span_works
                        .entry(key)
                        .or_insert_with(|| (span.work.registry.clone(), span.work.id.clone()));
                }
                self.spans.extend(found);
            }
            if let Some(words) = analysis.words {
                let mut lines_here = Vec::new();
                for key in &works_here {
                    lines_here.push(reference_lines(
                        &mut self.reference,
                        registries,
                        *key,
                        &self.span_works,
                    )?);
                }
                self.cmi.document(doc, words, lines_here);
            }
            if wants_identifiers {
                let found =
                    crate::matcher::bibliographic::document(registries, text.identifiers, doc, 0)?;
                self.identifier_findings
                    .extend(found.into_iter().map(|f| (doc.address.clone(), f)));
            }
        }
        Ok(())
    }
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

/// What the CMI window needs of a document's words: all of them, indexed, for a document with
/// passages; the hashes of its two ends otherwise (computed where the tokens are, on the pool's
/// threads, so the tokens need not be kept).
enum CmiWords {
    Whole(DocWords),
    Ends(Vec<u64>),
}

impl CmiWords {
    fn of(doc_len: usize, tokens: &[crate::text::Token], has_passages: bool) -> CmiWords {
        if has_passages {
            return CmiWords::Whole(DocWords::of(tokens.iter().map(|t| t.text_hash)));
        }
        let tail = doc_len.saturating_sub(CMI_NEIGHBOUR_BYTES);
        CmiWords::Ends(
            tokens
                .iter()
                .filter(|t| t.start < CMI_NEIGHBOUR_BYTES || t.end > tail)
                .map(|t| t.text_hash)
                .collect(),
        )
    }
}

impl CmiWindow {
    /// Takes the next document of the file: `works_here` are the works with passages in it
    /// (`words` is then [`CmiWords::Whole`]).
    fn document(
        &mut self,
        doc: &crate::read::Document,
        words: CmiWords,
        works_here: Vec<Arc<WorkLines>>,
    ) {
        if doc.address != self.address {
            self.address.clone_from(&doc.address);
            self.waiting.clear();
            self.pending.clear();
            self.keep_next = 0;
        }
        let hashes = match words {
            CmiWords::Whole(words) => {
                for work in works_here {
                    if !self.pending.iter().any(|p| Arc::ptr_eq(p, &work)) {
                        self.pending.push(work);
                    }
                }
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
            CmiWords::Ends(hashes) => hashes,
        };
        let mut neighbour = Neighbour {
            record: doc.record.clone(),
            hashes,
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

/// The text indexes of the registries (parallel to them), and whether each lists identifiers
/// (ISBNs, ASINs) for T4.
struct TextMatching<'a> {
    indexes: &'a [Option<TextIndex>],
    identifiers: &'a [bool],
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

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use clap::Parser as _;

    use super::*;

    fn demo_work(name: &str) -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("corpora/demo/works")
                .join(name),
        )
        .unwrap()
    }

    /// Documents matched on a reader thread, several batches in flight, on two threads, give
    /// exactly what documents matched inline on one thread give: passages, CMI hits (a
    /// copyright page in a record of its own), identifiers and document errors.
    #[test]
    fn pipelined_batches_match_exactly_as_inline_documents() {
        let dir = tempfile::tempdir().unwrap();
        let works_dir = dir.path().join("works");
        std::fs::create_dir(&works_dir).unwrap();
        let mut works = Vec::new();
        for name in ["nltk-carroll-alice.txt", "meridian-emma.txt"] {
            std::fs::write(works_dir.join(name), demo_work(name)).unwrap();
            works.push(works_dir.join(name));
        }
        let metadata = dir.path().join("works.csv");
        std::fs::write(
            &metadata,
            "id,title,authors,isbn,file\nemma,Emma,Jane Austen,9781529930795,meridian-emma.txt\n",
        )
        .unwrap();
        let registry_path = dir.path().join("reg.db");
        crate::registry::works::add_works(
            &registry_path,
            &works,
            Some(&metadata),
            None,
            crate::fingerprint::Params::DEFAULT,
        )
        .unwrap();

        // 3,000 records: filler, Alice in 40-line records, Emma behind its copyright page (a
        // record of its own), a record naming Emma's ISBN, and broken lines.
        let corpus = dir.path().join("corpus.jsonl");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&corpus).unwrap());
        let record = |out: &mut std::io::BufWriter<std::fs::File>, text: &str| {
            serde_json::to_writer(&mut *out, &serde_json::json!({ "text": text })).unwrap();
            out.write_all(b"\n").unwrap();
        };
        let alice = demo_work("nltk-carroll-alice.txt");
        let emma = demo_work("meridian-emma.txt");
        let (emma_front, emma_body) = emma.split_at(emma.find("CHAPTER").unwrap_or(2000));
        let alice_lines: Vec<&str> = alice.lines().collect();
        let mut chunks = alice_lines.chunks(40);
        for i in 0..3000 {
            match i % 7 {
                0 => match chunks.next() {
                    Some(chunk) => record(&mut out, &chunk.join("\n")),
                    None => record(&mut out, "the end of the filler"),
                },
                _ if i == 1500 => record(&mut out, emma_front),
                _ if i == 1501 => record(&mut out, emma_body),
                _ if i == 2000 => record(&mut out, "Buy it: ISBN 978-1-5299-3079-5, paperback."),
                _ if i % 500 == 3 => out.write_all(b"{not json\n").unwrap(),
                _ => record(
                    &mut out,
                    &format!("Filler record {i} says little of note about anything at all."),
                ),
            }
        }
        drop(out);

        let cli = crate::cli::Cli::try_parse_from([
            "provaudit",
            "scan",
            corpus.to_str().unwrap(),
            "--registry",
            registry_path.to_str().unwrap(),
            "--store",
            "unused.db",
        ])
        .unwrap();
        let crate::cli::Command::Scan(args) = cli.command else {
            unreachable!()
        };
        let config = ScanConfig::resolve(args.corpus).unwrap();
        let registry = Registry::open(&registry_path).unwrap();
        let indexes = vec![registry.text_index().unwrap()];
        let identifiers = vec![registry.has_identifiers().unwrap()];
        assert!(identifiers[0]);
        let text = TextMatching {
            indexes: &indexes,
            identifiers: &identifiers,
        };
        let paths = vec![registry_path.clone()];
        let entry = walk::entries(&config.walk).unwrap().entries.remove(0);

        let run = |threads: usize, spread: bool, pipelined: bool| {
            let pool = StatePool {
                paths: &paths,
                free: Mutex::new(Vec::new()),
            };
            let threads = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let file = threads
                .install(|| match_documents(&entry, &config, &pool, &text, spread, pipelined))
                .unwrap();
            let mut hits = file.cmi.hits.clone();
            hits.sort();
            let summary = format!(
                "{} documents, {} document errors, spans of {:?}, CMI hits of {:?}, identifiers {:?}",
                file.documents,
                file.doc_errors.len(),
                file.spans
                    .iter()
                    .map(|s| s.work.id.as_str())
                    .collect::<std::collections::BTreeSet<_>>(),
                hits.iter()
                    .map(|h| h.work_id.as_str())
                    .collect::<std::collections::BTreeSet<_>>(),
                file.identifier_findings
                    .iter()
                    .map(|(_, f)| f.record.id.as_str())
                    .collect::<Vec<_>>(),
            );
            let everything = format!(
                "{:#?}\n{:#?}\n{hits:#?}\n{:#?}\n{:?}",
                file.spans,
                file.doc_errors,
                file.identifier_findings,
                file.reference.keys().collect::<Vec<_>>()
            );
            (summary, everything)
        };
        let inline = run(1, false, false);
        // The copyright page and the record naming the ISBN both identify Emma (T4).
        assert_eq!(
            inline.0,
            "2994 documents, 6 document errors, spans of {\"emma\", \"nltk-carroll-alice\"}, \
             CMI hits of {\"emma\"}, identifiers [\"emma\", \"emma\"]"
        );
        assert_eq!(run(2, true, true), inline);
        assert_eq!(run(2, true, false), inline);
        assert_eq!(run(2, false, false), inline);
    }
}
