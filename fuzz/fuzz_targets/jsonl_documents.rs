//! JSONL documents: arbitrary bytes read as `shard.jsonl` by `read::documents`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    provaudit::fuzzing::documents(data, "shard.jsonl");
});
