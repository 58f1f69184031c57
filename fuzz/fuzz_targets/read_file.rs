//! `read::file` over arbitrary bytes: sniffing, digests, gzip/zstd/bzip2/xz, tar, zip and
//! nested containers under the bomb limits. The first byte picks the file name.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    provaudit::fuzzing::read_file(data, provaudit::fuzzing::file_name(selector));
});
