//! Text normalisation (`text::tokens`, `text::words`): every token's offsets inside the
//! original bytes, on character boundaries, in order, and the same as the words'. Invalid
//! UTF-8 is decoded lossily first, as the readers do.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    provaudit::fuzzing::check_tokens(&String::from_utf8_lossy(data));
});
