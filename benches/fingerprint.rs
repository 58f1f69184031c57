//! Throughput of the text and fingerprint stages on real book text: tokenising alone, and
//! tokenising plus winnowing with the default parameters, in bytes of input per second.
//!
//! The input is every `.txt` file of the demo corpus (public-domain books, ASCII) repeated to
//! 8 MiB. `tokens` and `tokens+winnow` allocate their output as the one-shot API does;
//! `tokens+winnow-reused` reuses the buffers as a worker does across documents. A typographic variant with curly quotes and apostrophes measures the non-ASCII path
//! that such text takes for a few characters per line.
//!
//! Run: `cargo bench --bench fingerprint -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use provaudit::{fingerprint, text};

const INPUT_BYTES: usize = 8 << 20;

fn input() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo/corpus");
    let mut paths: Vec<_> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    let mut books = String::new();
    for path in paths {
        if let Ok(book) = std::fs::read_to_string(&path) {
            books.push_str(&book);
            books.push('\n');
        }
    }
    if books.trim().is_empty() {
        books = "It was the best of times, it was the worst of times.\n".to_string();
    }
    let mut out = String::with_capacity(INPUT_BYTES + books.len());
    while out.len() < INPUT_BYTES {
        out.push_str(&books);
    }
    out
}

fn typographic(ascii: &str) -> String {
    let mut open = true;
    ascii
        .chars()
        .map(|c| match c {
            '\'' => '\u{2019}',
            '"' => {
                open = !open;
                if open { '\u{201D}' } else { '\u{201C}' }
            }
            c => c,
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let ascii = input();
    let curly = typographic(&ascii);
    let mut group = c.benchmark_group("fingerprint");
    group.sample_size(20);
    for (name, doc) in [("ascii", &ascii), ("typographic", &curly)] {
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_function(format!("tokens/{name}"), |b| {
            b.iter(|| text::tokens(black_box(doc)))
        });
        group.bench_function(format!("tokens+winnow/{name}"), |b| {
            b.iter(|| {
                let tokens = text::tokens(black_box(doc));
                fingerprint::winnow(&tokens, fingerprint::Params::DEFAULT)
            })
        });
    }
    // The steady state of a worker that reuses its buffers from one document to the next.
    let (mut tokens, mut shingles, mut fingerprints) = (Vec::new(), Vec::new(), Vec::new());
    group.throughput(Throughput::Bytes(ascii.len() as u64));
    group.bench_function("tokens+winnow-reused/ascii", |b| {
        b.iter(|| {
            text::tokens_into(black_box(&ascii), &mut tokens);
            let params = fingerprint::Params::DEFAULT;
            fingerprint::winnow_into(&tokens, params, &mut shingles, &mut fingerprints);
            fingerprints.len()
        })
    });
    let tokens = text::tokens(&ascii);
    group.throughput(Throughput::Bytes(ascii.len() as u64));
    group.bench_function("winnow/ascii", |b| {
        b.iter(|| fingerprint::winnow(black_box(&tokens), fingerprint::Params::DEFAULT))
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
