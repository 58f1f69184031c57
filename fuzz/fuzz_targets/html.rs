//! The HTML text extractor: arbitrary bytes read as `page.html` by `read::documents`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    provaudit::fuzzing::documents(data, "page.html");
});
