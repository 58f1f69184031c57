//! The hostile-input catalogue (issue 6; the table in `RELIABILITY.md` names these tests):
//! decompression bombs, archive members with absolute or `..` names, an oversized single-line
//! JSONL record, deeply nested JSON, many tiny files, a registry source full of malformed
//! lines, hostile strings in registry titles and corpus paths, and the fuzzers' crashing inputs
//! replayed through the same functions (`fuzz/regressions/<target>/`).
//!
//! Fast by default; `PROVAUDIT_SLOW_TESTS=1` adds the large variants (a 200 MB line with its
//! peak memory measured, a million tiny files).

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use crate::faults::{slow, stderr};
use crate::harness::{TestEnv, repo_path};

/// A registry that lists nothing in these corpora (scans need one).
fn empty_registry(env: &TestEnv) {
    std::fs::write(
        env.path("reg.csv"),
        "id,md5,title\nnone,00000000000000000000000000000000,None\n",
    )
    .unwrap();
}

/// `audit corpus --registry reg.csv --out out` with `extra` options; returns the output and
/// the parsed report (`Null` when none was written).
fn audit(env: &TestEnv, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let out = env
        .cmd()
        .args(["audit", "corpus", "--registry", "reg.csv", "--out", "out"])
        .args(["--fail-on", "none", "--quiet", "--threads", "2"])
        .args(extra)
        .output()
        .unwrap();
    let report = std::fs::read(env.path("out/report.json")).unwrap_or_default();
    let value = serde_json::from_slice(&report).unwrap_or(serde_json::Value::Null);
    (out, value)
}

/// The report's entry for the file or member at `path`.
fn entry<'r>(report: &'r serde_json::Value, path: &str) -> &'r serde_json::Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"] == path)
        .unwrap_or_else(|| panic!("no entry `{path}` in {}", report["files"]))
}

/// `len` zero bytes compressed by `compress`, written in 1 MiB pieces.
fn zeros<W: std::io::Write>(mut encoder: W, len: usize) -> W {
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..len / chunk.len() {
        encoder.write_all(&chunk).unwrap();
    }
    encoder
}

/// A tar archive of `(name bytes, content)` members; names are written into the header as
/// raw bytes, so absolute and `..` names (which `tar::Builder` refuses) can be made.
fn tar_raw(members: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in members {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Gzip of `data`.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn decompression_bombs_are_bounded_error_records() {
    let env = TestEnv::new();
    empty_registry(&env);
    let corpus = env.path("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let bomb = 16 << 20;
    // gzip and zstd streams of zeros: ratios of about 1000 and far more.
    let gz = zeros(
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best()),
        bomb,
    );
    std::fs::write(corpus.join("zeros.txt.gz"), gz.finish().unwrap()).unwrap();
    let zst = zeros(zstd::Encoder::new(Vec::new(), 3).unwrap(), bomb);
    std::fs::write(corpus.join("zeros.txt.zst"), zst.finish().unwrap()).unwrap();
    // A zip whose one member is 16 MiB of zeros.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("zeros.bin", options).unwrap();
    let zip = zeros(zip, bomb);
    std::fs::write(corpus.join("bomb.zip"), zip.finish().unwrap().into_inner()).unwrap();
    // Nested tars: each level wraps the one below in a tar and gzip; deeper than --max-depth.
    let mut nested = b"the innermost member".to_vec();
    for level in 0..6 {
        nested = gzip(&tar_raw(&[(
            format!("level{level}.tar.gz").as_bytes(),
            &nested,
        )]));
    }
    std::fs::write(corpus.join("nested.tar.gz"), &nested).unwrap();
    // Many small bombs in one tar: each within the ratio limit, together past --max-expanded.
    let piece = gzip(&vec![b'a'; 3 << 20]);
    let pieces: Vec<(Vec<u8>, &[u8])> = (0..8)
        .map(|i| (format!("piece{i}.txt.gz").into_bytes(), piece.as_slice()))
        .collect();
    let pieces: Vec<(&[u8], &[u8])> = pieces.iter().map(|(n, d)| (n.as_slice(), *d)).collect();
    std::fs::write(corpus.join("pieces.tar"), tar_raw(&pieces)).unwrap();

    let limits = [
        "--max-ratio",
        "100",
        "--max-expanded",
        "8M",
        "--max-depth",
        "4",
    ];
    let (out, report) = audit(&env, &limits);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for member in [
        "zeros.txt.gz!/zeros.txt",
        "zeros.txt.zst!/zeros.txt",
        "bomb.zip!/zeros.bin",
    ] {
        let record = entry(&report, member);
        assert_eq!(record["status"], "error", "{record}");
        assert!(record["sha256"].is_null(), "{record}");
        let error = record["error"].as_str().unwrap();
        assert!(error.contains("ratio"), "{record}");
        // Stopped soon after the 1 MiB grace, not after all 16 MiB.
        assert!(record["bytes"].as_u64().unwrap() < 4 << 20, "{record}");
    }
    let nested_errors: Vec<&serde_json::Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["path"].as_str().unwrap().starts_with("nested.tar.gz!/") && f["error"].is_string()
        })
        .collect();
    assert_eq!(nested_errors.len(), 1, "{}", report["files"]);
    assert!(
        nested_errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("depth")
    );
    assert!(nested_errors[0]["depth"].as_u64().unwrap() <= 4);
    let expanded_errors = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("pieces.tar!/"))
        .filter(|f| f["error"].as_str().is_some_and(|e| e.contains("expanded")))
        .count();
    assert_eq!(expanded_errors, 1, "{}", report["files"]);
    // Every outer file is still digested in full.
    for file in [
        "zeros.txt.gz",
        "zeros.txt.zst",
        "bomb.zip",
        "nested.tar.gz",
        "pieces.tar",
    ] {
        assert!(entry(&report, file)["sha256"].is_string(), "{file}");
    }
}

#[test]
fn archive_members_with_absolute_or_dotdot_names_are_never_written() {
    let env = TestEnv::new();
    empty_registry(&env);
    let corpus = env.path("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let unique = format!("provaudit-escape-{}", std::process::id());
    let absolute = format!("/tmp/{unique}-abs.txt");
    let dotdot = format!("../../{unique}-dotdot.txt");
    let members: [(&[u8], &[u8]); 3] = [
        (absolute.as_bytes(), b"absolute member"),
        (dotdot.as_bytes(), b"dot-dot member"),
        (b"ok/../../../etc/passwd-like", b"mixed member"),
    ];
    std::fs::write(corpus.join("escape.tar"), tar_raw(&members)).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, data) in &members {
        zip.start_file(String::from_utf8_lossy(name), options)
            .unwrap();
        zip.write_all(data).unwrap();
    }
    std::fs::write(
        corpus.join("escape.zip"),
        zip.finish().unwrap().into_inner(),
    )
    .unwrap();

    let (out, report) = audit(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Each member is digested under its raw name, inside its container's address.
    for container in ["escape.tar", "escape.zip"] {
        for (name, data) in &members {
            let path = format!("{container}!/{}", String::from_utf8_lossy(name));
            let record = entry(&report, &path);
            assert_eq!(record["status"], "ok", "{record}");
            assert_eq!(
                record["sha256"],
                hex::encode(provaudit::digest::bytes(data).sha256)
            );
        }
    }
    // Nothing was created where the names point.
    assert!(!Path::new(&absolute).exists());
    for dir in [
        env.dir.path(),
        env.dir.path().parent().unwrap(),
        Path::new("/tmp"),
    ] {
        let names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            !names.iter().any(|n| n.to_string_lossy().contains(&unique)),
            "{dir:?}"
        );
    }
    assert!(!env.path("etc").exists());
}

/// A JSONL file: a short record, one record of `line_len` bytes, a short record.
fn long_line_jsonl(path: &Path, line_len: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(file, "{{\"text\":\"first record\"}}").unwrap();
    write!(file, "{{\"text\":\"").unwrap();
    let chunk = "word ".repeat(1 << 16);
    let mut written = 0;
    while written < line_len {
        file.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
    }
    writeln!(file, "\"}}").unwrap();
    writeln!(file, "{{\"text\":\"last record\"}}").unwrap();
}

#[test]
fn an_oversized_single_line_jsonl_record_is_an_error_and_the_next_lines_are_read() {
    // Through the library with a 1 MiB record limit, so the fast form stays small; the slow
    // form below runs the binary with its default limit on a 200 MB line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    long_line_jsonl(&path, 8 << 20);
    let read = provaudit::fuzzing::read_config();
    let mut config = provaudit::read::DocConfig::new(read);
    config.max_record_bytes = 1 << 20;
    let mut documents = Vec::new();
    let mut errors = Vec::new();
    provaudit::read::documents(&path, b"long.jsonl", &config, &mut |result| match result {
        Ok(document) => documents.push((document.record, document.text)),
        Err(error) => errors.push((error.record, error.message)),
    });
    assert_eq!(
        documents,
        [
            (Some("1".to_string()), "first record".to_string()),
            (Some("3".to_string()), "last record".to_string())
        ]
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0.as_deref(), Some("2"));
    assert!(errors[0].1.contains("longer than"), "{errors:?}");
}

#[test]
fn slow_a_200_mb_single_line_jsonl_is_read_in_bounded_memory() {
    if !slow() {
        eprintln!("skipped: set PROVAUDIT_SLOW_TESTS=1");
        return;
    }
    let env = TestEnv::new();
    empty_registry(&env);
    std::fs::create_dir_all(env.path("corpus")).unwrap();
    let line_len = 200 << 20;
    long_line_jsonl(&env.path("corpus/long.jsonl"), line_len);
    // A reference work makes the scan read documents, not only digests.
    std::fs::copy(
        repo_path("corpora/demo/works/nltk-carroll-alice.txt"),
        env.path("alice.txt"),
    )
    .unwrap();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(assert_cmd::cargo::cargo_bin("provaudit"))
        .args(["audit", "corpus", "--registry", "reg.csv", "alice.txt"])
        .args(["--out", "out", "--fail-on", "none", "--quiet"])
        .env("XDG_CACHE_HOME", env.path("cache"))
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    let message = stderr(&out);
    assert!(out.status.success(), "{message}");
    let max_rss_kb: u64 = message
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|value| value.trim().parse().ok())
        .expect("max RSS in /usr/bin/time -v output");
    eprintln!("200 MB line: max RSS {} MiB", max_rss_kb / 1024);
    // The line is over the 64 MiB record limit: it is skipped, never held whole.
    assert!(max_rss_kb < 160 * 1024, "max RSS {max_rss_kb} KiB");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("out/report.json")).unwrap()).unwrap();
    let errors = report["corpus"]["document_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", report["corpus"]);
    assert_eq!(errors[0]["record"], "2");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("longer than")
    );
    assert_eq!(report["corpus"]["documents"], 2, "{}", report["corpus"]);
}

#[test]
fn deeply_nested_json_is_a_rejected_line_or_record_not_a_stack_overflow() {
    let env = TestEnv::new();
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    std::fs::create_dir_all(env.path("corpus")).unwrap();
    std::fs::write(
        env.path("corpus/deep.jsonl"),
        format!(
            "{{\"text\":\"before\"}}\n{{\"text\":{nested}}}\n{nested}\n{{\"text\":\"after\"}}\n"
        ),
    )
    .unwrap();
    let md5 = hex::encode(provaudit::digest::bytes(b"x").md5);
    std::fs::write(
        env.path("reg.jsonl"),
        format!("{{\"id\":\"a\",\"md5\":\"{md5}\"}}\n{{\"id\":{nested}}}\n{nested}\n"),
    )
    .unwrap();
    let aac = "annas_archive_meta__aacid__zlib3_records__20230808T014342Z--20240101T000000Z.jsonl";
    std::fs::write(env.path(aac), format!("{nested}\n{{\"aacid\":{nested}}}\n")).unwrap();
    for source in ["reg.jsonl", aac] {
        let out = env
            .cmd()
            .args(["registry", "import", "reg.db", source, "--quiet"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{source}: {}", stderr(&out));
    }
    let info = env
        .cmd()
        .args(["registry", "info", "reg.db", "--json"])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let text = info.to_string();
    assert!(text.contains("recursion limit"), "{text}");
    let sources = info["sources"]
        .as_array()
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(sources[0]["source"]["records_kept"], 1, "{text}");
    assert_eq!(sources[0]["source"]["records_rejected"], 2, "{text}");
    assert_eq!(sources[1]["source"]["records_rejected"], 2, "{text}");

    let out = env
        .cmd()
        .args([
            "audit",
            "corpus",
            "--registry",
            "reg.db",
            "--out",
            "out",
            "--quiet",
        ])
        .args(["--fail-on", "none"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn many_tiny_files_are_all_recorded() {
    let n_files = if slow() { 1_000_000 } else { 20_000 };
    let env = TestEnv::new();
    empty_registry(&env);
    for i in 0..n_files {
        let dir = env.path(&format!("corpus/{:03}", i % 997));
        if i < 997 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        std::fs::write(dir.join(format!("{i}")), i.to_string()).unwrap();
    }
    let started = std::time::Instant::now();
    let (out, report) = audit(&env, &[]);
    eprintln!("{n_files} tiny files audited in {:?}", started.elapsed());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["corpus"]["files"], n_files, "{}", report["corpus"]);
    assert_eq!(report["corpus"]["errors"], 0);
    let files = report["files"].as_array().unwrap();
    let sample = files.iter().find(|f| f["path"] == "005/5").unwrap();
    assert_eq!(
        sample["md5"],
        hex::encode(provaudit::digest::bytes(b"5").md5)
    );
}

#[test]
fn a_registry_dump_with_100k_malformed_lines_is_imported_with_line_numbers() {
    let env = TestEnv::new();
    let mut csv = String::from("id,md5,title,filesize\n");
    let (mut good, mut bad) = (0, 0);
    for line in 0..101_000 {
        if line % 101 == 0 {
            let md5 = hex::encode(provaudit::digest::bytes(line.to_string().as_bytes()).md5);
            csv.push_str(&format!("g{line},{md5},Good {line},{line}\n"));
            good += 1;
        } else {
            bad += 1;
            match line % 4 {
                0 => csv.push_str(&format!("b{line},xyz{line},Bad md5,1\n")),
                1 => csv.push_str(&format!("b{line},,No digest,1\n")),
                2 => csv.push_str(&format!("b{line},{},Short md5,1\n", "a".repeat(31))),
                _ => csv.push_str(&format!("b{line}\n")),
            }
        }
    }
    assert_eq!(bad, 100_000);
    std::fs::write(env.path("dump.csv"), csv).unwrap();
    let out = env
        .cmd()
        .args(["registry", "import", "reg.db", "dump.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let info = env
        .cmd()
        .args(["registry", "info", "reg.db", "--json", "--rejects", "3"])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let source = &info["sources"][0]["source"];
    assert_eq!(source["records_kept"], good, "{source}");
    assert_eq!(source["records_rejected"], bad, "{source}");
    let rejects = info["sources"][0]["rejects"].as_array().unwrap();
    assert_eq!(rejects.len(), 3, "{info}");
    // Line numbers count the header: data row 1 is line 3 of the file.
    let lines: Vec<&serde_json::Value> = rejects.iter().map(|r| &r["line"]).collect();
    assert_eq!(lines, [3, 4, 5], "{info}");
    assert!(
        rejects[0]["reason"].as_str().unwrap().contains("digest"),
        "{info}"
    );
}

#[test]
fn a_registry_line_longer_than_16_mib_is_rejected_not_held() {
    let env = TestEnv::new();
    let md5 = |text: &str| hex::encode(provaudit::digest::bytes(text.as_bytes()).md5);
    let long = format!("{{\"id\":\"{}\"}}", "x".repeat(20 << 20));
    std::fs::write(
        env.path("reg.jsonl"),
        format!(
            "{{\"id\":\"a\",\"md5\":\"{}\"}}\n{long}\n{{\"id\":\"b\",\"md5\":\"{}\"}}\n",
            md5("a"),
            md5("b")
        ),
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["registry", "import", "reg.db", "reg.jsonl", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let info = env
        .cmd()
        .args(["registry", "info", "reg.db", "--json"])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let source = &info["sources"][0];
    assert_eq!(source["source"]["records_kept"], 2, "{source}");
    assert_eq!(source["rejects"][0]["line"], 2, "{source}");
    assert!(
        source["rejects"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("longer than")
    );
}

/// Strings that try to break out of a report: markup, spreadsheet formulas, control
/// characters, terminal escapes and bidi overrides.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "tab\there, cr\rthere",
    "bell\u{7} esc\u{1b}[31m red",
    "bidi \u{202e}txt.exe\u{202c} done",
    "nul-free \u{fffe} \u{feff} zero\u{200b}width",
    "](javascript:alert(1)) | table | `code`",
];

#[test]
fn hostile_strings_in_titles_and_paths_round_trip_through_a_valid_report() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.path("corpus")).unwrap();
    let mut jsonl = String::new();
    let mut expected = Vec::new();
    for (index, hostile) in HOSTILE.iter().enumerate() {
        // File names cannot hold `/` or NUL; everything else goes in as is.
        let name = format!("{index} {}", hostile.replace('/', "∕"));
        let content = format!("content of file {index}");
        std::fs::write(env.path("corpus").join(&name), &content).unwrap();
        let md5 = hex::encode(provaudit::digest::bytes(content.as_bytes()).md5);
        let record = serde_json::json!({"id": format!("w{index}"), "md5": md5, "title": hostile, "author": hostile});
        jsonl.push_str(&format!("{record}\n"));
        expected.push((name, hostile.to_string()));
    }
    std::fs::write(env.path("hostile.jsonl"), jsonl).unwrap();
    let out = env
        .cmd()
        .args([
            "audit",
            "corpus",
            "--registry",
            "hostile.jsonl",
            "--out",
            "out",
        ])
        .args(["--fail-on", "none", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(env.path("out/report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    // No raw control character or bidi override reaches the JSON text: all are escaped or
    // carried inside JSON strings exactly.
    assert!(
        !bytes.iter().any(|&b| b < 0x20 && b != b'\n'),
        "raw control byte"
    );
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), HOSTILE.len(), "{findings:?}");
    for (name, title) in &expected {
        let finding = findings
            .iter()
            .find(|f| f["work"]["title"] == title.as_str())
            .unwrap_or_else(|| panic!("title {title:?} did not round-trip"));
        let location = finding["locations"][0]["path"].as_str().unwrap();
        let file = entry(&report, location);
        let raw = match file["path_hex"].as_str() {
            Some(hex) => hex::decode(hex).unwrap(),
            None => location.as_bytes().to_vec(),
        };
        assert_eq!(raw, name.as_bytes(), "path of {title:?}");
    }
    // The hashdeep export carries the same names (escaped where they would break lines).
    let out = env
        .cmd()
        .args(["report", "out/run.db", "--format", "hashdeep"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    // Each file is one line: listed, or named in a comment when the format cannot hold it.
    let listed = text
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()));
    let unlisted = text.lines().filter(|l| l.starts_with("## not listed"));
    assert_eq!(listed.count() + unlisted.count(), HOSTILE.len(), "{text}");
    assert!(!text.contains(['\r', '\u{1b}', '\u{7}']), "{text:?}");
}

/// Replays every crashing input the fuzzers found (`fuzz/regressions/<target>/<file>`)
/// through the target's function; each file once crashed it.
#[test]
fn fuzz_regressions_replay_without_panicking() {
    let root = repo_path("fuzz/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        let target = target.unwrap();
        if !target.file_type().unwrap().is_dir() {
            continue;
        }
        let name = target.file_name().to_string_lossy().into_owned();
        for input in std::fs::read_dir(target.path()).unwrap() {
            let input = input.unwrap().path();
            let data = std::fs::read(&input).unwrap();
            eprintln!(
                "replaying {name}/{}",
                input.file_name().unwrap().to_string_lossy()
            );
            replay(&name, &data);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression inputs under {root:?}");
}

/// Feeds `data` to the function behind fuzz target `target`, exactly as the target does.
fn replay(target: &str, data: &[u8]) {
    use provaudit::fuzzing;
    use provaudit::registry::SourceFormat;
    let split = || {
        data.split_first()
            .map(|(&s, rest)| (fuzzing::file_name(s), rest))
    };
    match target {
        "read_file" => {
            if let Some((name, rest)) = split() {
                fuzzing::read_file(rest, name);
            }
        }
        "documents" => {
            if let Some((name, rest)) = split() {
                fuzzing::documents(rest, name);
            }
        }
        "jsonl_documents" => fuzzing::documents(data, "shard.jsonl"),
        "epub" => fuzzing::documents(data, "book.epub"),
        "html" => fuzzing::documents(data, "page.html"),
        "libgen_sql" => fuzzing::registry_import(data, "libgen.sql", SourceFormat::LibgenSql),
        "aac" => fuzzing::registry_import(
            data,
            "annas_archive_meta__aacid__zlib3_records__20230808T014342Z--20240101T000000Z.jsonl",
            SourceFormat::Aac,
        ),
        "tabular" => {
            if let Some((&selector, rest)) = data.split_first() {
                let (name, format) = match selector % 3 {
                    0 => ("extra.csv", SourceFormat::Csv),
                    1 => ("extra.tsv", SourceFormat::Csv),
                    _ => ("extra.jsonl", SourceFormat::Jsonl),
                };
                fuzzing::registry_import(rest, name, format);
            }
        }
        "cmi" => {
            if let Ok(text) = std::str::from_utf8(data) {
                fuzzing::cmi(text);
            }
        }
        "text" => fuzzing::check_tokens(&String::from_utf8_lossy(data)),
        "render" => {
            if let Ok(text) = std::str::from_utf8(data) {
                fuzzing::render(text);
            }
        }
        other => panic!("unknown fuzz target folder `{other}`"),
    }
}
