//! Report rendering of hostile strings: every title, author, path, excerpt and CMI line of a
//! report set to the input, rendered as HTML, Markdown and CSV, must stay inert
//! (`provaudit::fuzzing::render`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        provaudit::fuzzing::render(text);
    }
});
