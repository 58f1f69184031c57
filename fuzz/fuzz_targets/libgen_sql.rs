//! The LibGen MySQL dump reader: arbitrary bytes imported as `libgen.sql`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use provaudit::registry::SourceFormat;

fuzz_target!(|data: &[u8]| {
    provaudit::fuzzing::registry_import(data, "libgen.sql", SourceFormat::LibgenSql);
});
