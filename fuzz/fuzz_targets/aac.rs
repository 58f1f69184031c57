//! The Anna's Archive container reader: arbitrary bytes imported as an AAC JSONL file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use provaudit::registry::SourceFormat;

fuzz_target!(|data: &[u8]| {
    provaudit::fuzzing::registry_import(
        data,
        "annas_archive_meta__aacid__zlib3_records__20230808T014342Z--20240101T000000Z.jsonl",
        SourceFormat::Aac,
    );
});
