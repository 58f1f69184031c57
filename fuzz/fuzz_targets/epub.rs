//! The EPUB text extractor: arbitrary bytes read as `book.epub` by `read::documents` (the
//! seeds are real EPUBs, so mutations reach the container, package and XHTML parsers).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    provaudit::fuzzing::documents(data, "book.epub");
});
