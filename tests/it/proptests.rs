//! Property tests (issue 6): the report does not depend on the thread count or the order in
//! which files are listed; the digests of a container's members do not depend on how the
//! container was packed or compressed; text normalisation keeps every offset inside the
//! original bytes, on character boundaries.
//!
//! The first property runs the binary three times per case, so it tries few cases (4 by
//! default, 32 with `PROVAUDIT_SLOW_TESTS=1`); the others are library calls and try hundreds.

use std::collections::BTreeMap;
use std::io::Write as _;

use proptest::prelude::*;

use crate::faults::{fix_mtime, slow, stderr};
use crate::harness::{TestEnv, report_without_run};

/// A small corpus: `(relative path, content)` with distinct paths, some of them in folders
/// (folder names have no dot, file names do, so none is both); contents may repeat
/// (duplicate files) and be empty.
fn corpus_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = "[a-z]{1,6}(/[a-z]{1,4}){0,2}\\.(txt|bin|jsonl)";
    let content = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        "[a-z ]{0,200}".prop_map(String::into_bytes),
        Just(b"{\"text\":\"a record\"}\n{\"text\":\"another\"}\n".to_vec()),
    ];
    prop::collection::btree_map(name, content, 1..25)
        .prop_map(|files: BTreeMap<String, Vec<u8>>| files.into_iter().collect())
}

/// Writes the corpus and a registry listing every third file into `env`.
fn write_corpus(env: &TestEnv, files: &[(String, Vec<u8>)]) {
    let mut registry = String::from("id,md5,title\n");
    for (index, (path, content)) in files.iter().enumerate() {
        let full = env.path(&format!("corpus/{path}"));
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, content).unwrap();
        fix_mtime(&full, index as u64);
        if index % 3 == 0 {
            let md5 = hex::encode(provaudit::digest::bytes(content).md5);
            registry.push_str(&format!("w{index},{md5},Work {index}\n"));
        }
    }
    std::fs::write(env.path("reg.csv"), registry).unwrap();
}

/// Scans `corpus` into `store` with `extra` options and returns the report without `run`.
fn scan_report(env: &TestEnv, store: &str, extra: &[&str]) -> serde_json::Value {
    let out = env
        .cmd()
        .args(["scan", "corpus", "--registry", "reg.csv", "--store", store])
        .args(["--quiet", "--fail-on", "none"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.cmd().args(["report", store]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    report_without_run(&out.stdout)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if slow() { 32 } else { 4 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn report_is_independent_of_thread_count_and_listing_order(
        files in corpus_strategy(),
        order_seed in any::<u64>(),
    ) {
        let env = TestEnv::new();
        write_corpus(&env, &files);
        let one = scan_report(&env, "one.db", &["--threads", "1"]);
        let two = scan_report(&env, "two.db", &["--threads", "2"]);
        prop_assert_eq!(&one, &two);
        // The same files listed in a shuffled order instead of walked.
        let mut listed: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
        let mut state = order_seed | 1;
        for i in (1..listed.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            listed.swap(i, (state % (i as u64 + 1)) as usize);
        }
        std::fs::write(env.path("list.txt"), listed.join("\n") + "\n").unwrap();
        let shuffled = scan_report(&env, "list.db", &["--threads", "2", "--files-from", "list.txt"]);
        prop_assert_eq!(&one, &shuffled);
    }
}

/// Ways of packing members into one container file: `(file name, bytes)`.
fn pack_all(members: &[(String, Vec<u8>)]) -> Vec<(&'static str, Vec<u8>)> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, data.as_slice()).unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let zst = zstd::encode_all(tar.as_slice(), 3).unwrap();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&tar).unwrap();
    let zip = |method| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in members {
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let mut outer = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    let inner_zip = zip(zip::CompressionMethod::Deflated);
    header.set_size(inner_zip.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    outer
        .append_data(&mut header, "inner.zip", inner_zip.as_slice())
        .unwrap();
    vec![
        ("c.tar", tar.clone()),
        ("c.tar.gz", gz.finish().unwrap()),
        ("c.tar.zst", zst),
        ("c.tar.xz", xz.finish().unwrap()),
        ("c.zip", zip(zip::CompressionMethod::Stored)),
        ("d.zip", zip(zip::CompressionMethod::Deflated)),
        ("o.tar", outer.into_inner().unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if slow() { 512 } else { 48 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn member_digests_do_not_depend_on_how_the_container_was_read(
        members in prop::collection::btree_map(
            "[a-z]{1,8}(/[a-z]{1,8})?\\.(txt|bin)",
            prop::collection::vec(any::<u8>(), 0..2000),
            1..8,
        )
    ) {
        let members: Vec<(String, Vec<u8>)> = members.into_iter().collect();
        let dir = tempfile::tempdir().unwrap();
        let config = provaudit::fuzzing::read_config();
        for (name, bytes) in pack_all(&members) {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let items = provaudit::read::file(&path, name.as_bytes(), &config, &|_| {});
            for (member, data) in &members {
                let suffix = format!("!/{member}");
                let found: Vec<_> = items
                    .iter()
                    .filter(|item| item.address.ends_with(suffix.as_bytes()))
                    .collect();
                prop_assert_eq!(found.len(), 1, "{} in {}: {:?}", member, name, items);
                prop_assert_eq!(found[0].bytes, data.len() as u64);
                prop_assert_eq!(
                    found[0].digests.as_ref(),
                    Some(&provaudit::digest::bytes(data)),
                    "{} in {}", member, name
                );
            }
        }
    }
}

/// Text that stresses normalisation: hyphens at line ends, ligatures, combining marks,
/// apostrophes, page numbers, invisible characters, CRLF, and arbitrary Unicode.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zA-Z]{1,8}",
        Just("-\n".to_string()),
        Just("-\r\n  ".to_string()),
        Just("\u{ad}\n".to_string()),
        Just("\n\n  42  \n\n".to_string()),
        Just("\n- 7 -\n".to_string()),
        Just("\u{fb01}".to_string()),
        Just("e\u{301}".to_string()),
        Just("\u{301}".to_string()),
        Just("don\u{2019}t".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{bd}".to_string()),
        Just("\u{df}\u{3c2}\u{130}".to_string()),
        Just("\u{fe0f}".to_string()),
        Just(" ".to_string()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if slow() { 20_000 } else { 1000 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn normalisation_keeps_offsets_inside_the_original_on_char_boundaries(text in tricky_text()) {
        provaudit::fuzzing::check_tokens(&text);
    }

    #[test]
    fn cmi_spans_are_inside_the_text_and_isbns_are_valid(
        text in prop::collection::vec(prop_oneof![
            "[0-9X -]{1,20}",
            Just("ISBN ".to_string()),
            Just("ISBN-13: 978-".to_string()),
            Just("Copyright \u{a9} 19".to_string()),
            Just("All rights reserved.".to_string()),
            Just("\n".to_string()),
            Just("\u{2010}".to_string()),
            any::<char>().prop_map(String::from),
        ], 0..40).prop_map(|pieces| pieces.concat())
    ) {
        provaudit::fuzzing::cmi(&text);
    }
}

/// Pieces hostile to a report: markup, formula prefixes, control and bidi characters, Markdown
/// and CSV punctuation, and plain words.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("</pre><img src=x onerror=alert(1)>".to_string()),
        Just("=HYPERLINK(\"http://x\")".to_string()),
        Just("+1".to_string()),
        Just("-2".to_string()),
        Just("@SUM(A1)".to_string()),
        Just("|`*_[]()#".to_string()),
        Just("\u{202E}\u{2066}\u{200B}\u{FEFF}".to_string()),
        Just("\r\n\t\0\u{7}".to_string()),
        Just("&amp;\"'".to_string()),
        "[a-zA-Z0-9 ]{0,8}",
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if slow() { 2000 } else { 64 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever a corpus or registry string holds, HTML, Markdown and CSV render it inert
    /// (`fuzzing::render`, also the `render` fuzz target).
    #[test]
    fn hostile_strings_render_inert_in_html_markdown_and_csv(
        pieces in proptest::collection::vec(hostile_piece(), 1..6)
    ) {
        provaudit::fuzzing::render(&pieces.concat());
    }
}
