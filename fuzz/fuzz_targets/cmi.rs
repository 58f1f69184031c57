//! The ISBN/CMI detector (`cmi::signals`, `cmi::isbn13`, `cmi::isbn_list`): spans inside the
//! text on character boundaries, ISBN check digits valid.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        provaudit::fuzzing::cmi(text);
    }
});
