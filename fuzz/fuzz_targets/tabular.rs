//! CSV, TSV and JSONL registry rows: the first byte picks the format, the rest is imported.
#![no_main]
use libfuzzer_sys::fuzz_target;
use provaudit::registry::SourceFormat;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    let (name, format) = match selector % 3 {
        0 => ("extra.csv", SourceFormat::Csv),
        1 => ("extra.tsv", SourceFormat::Csv),
        _ => ("extra.jsonl", SourceFormat::Jsonl),
    };
    provaudit::fuzzing::registry_import(data, name, format);
});
