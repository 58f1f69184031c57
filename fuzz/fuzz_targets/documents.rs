//! `read::documents` over arbitrary bytes: text decoding, JSONL, EPUB, HTML, Parquet, inside
//! any container. The first byte picks the file name (and so the reader).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    provaudit::fuzzing::documents(data, provaudit::fuzzing::file_name(selector));
});
