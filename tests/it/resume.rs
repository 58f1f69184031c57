//! A scan killed with SIGKILL at any moment, then re-run, gives the same report as an
//! uninterrupted scan (issue 2, "Store"); and the report does not depend on the thread count.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{TestEnv, report_without_run};

/// A corpus of many small files and a few archives, with a CSV registry listing some of them.
fn synthetic_corpus(env: &TestEnv, n_files: usize) {
    let corpus = env.path("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let mut registry = String::from("id,md5,title,filesize\n");
    for i in 0..n_files {
        let dir = corpus.join(format!("d{:02}", i % 37));
        std::fs::create_dir_all(&dir).unwrap();
        // Sizes from a few bytes to ~200 KiB, content unique per file.
        let len = (i * 7919) % 200_000 + 10;
        let content: Vec<u8> = (0..len)
            .map(|j| (j as u64 * 31 + i as u64 * 17) as u8)
            .collect();
        let path = dir.join(format!("f{i:05}.bin"));
        std::fs::write(&path, &content).unwrap();
        // Fixed times, so that two copies of the corpus give the same report.
        let fixed = std::time::UNIX_EPOCH + Duration::from_secs(946_684_800 + i as u64);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(fixed)
            .unwrap();
        if i % 50 == 0 {
            let digest = provaudit::digest::bytes(&content);
            registry.push_str(&format!(
                "w{i},{},Work {i},{len}\n",
                hex::encode(digest.md5)
            ));
        }
    }
    std::fs::write(env.path("registry.csv"), registry).unwrap();
}

fn scan_args(threads: usize) -> Vec<String> {
    [
        "scan",
        "corpus",
        "--registry",
        "registry.csv",
        "--store",
        "run.db",
        "--threads",
        &threads.to_string(),
        "--quiet",
        "--fail-on",
        "none",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn report(env: &TestEnv) -> serde_json::Value {
    let out = env.cmd().args(["report", "run.db"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report_without_run(&out.stdout)
}

#[test]
fn sigkill_at_any_moment_then_rerun_gives_the_uninterrupted_report() {
    let reference_env = TestEnv::new();
    synthetic_corpus(&reference_env, 1500);
    let started = Instant::now();
    reference_env.cmd().args(scan_args(1)).assert().success();
    let full_time = started.elapsed();
    let want = report(&reference_env);
    assert_eq!(want["summary"]["works_by_tier"]["T1"], 30);

    // Kill points spread over the whole run (including before the store exists and during
    // the final commit), several kills in a row on the same store.
    let env = TestEnv::new();
    synthetic_corpus(&env, 1500);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..8 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let fraction = (seed % 1000) as f64 / 1000.0;
        let delay = full_time.mul_f64(fraction * 1.1);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("provaudit"))
            .args(scan_args(1))
            .env("XDG_CACHE_HOME", env.path("cache"))
            .current_dir(env.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // SIGKILL: no destructor, no flush, exactly like a crash or the OOM killer.
        let _ = child.kill();
        let _ = child.wait();
        let _ = round;
    }
    env.cmd().args(scan_args(1)).assert().success();
    let got = report(&env);
    assert_eq!(
        got, want,
        "report after killed runs differs from the uninterrupted one"
    );

    // A further run reads nothing again.
    let out = env.cmd().args(scan_args(1)).output().unwrap();
    assert!(out.status.success());
    let again = report(&env);
    assert_eq!(again, want);
}

#[test]
fn report_is_identical_whatever_the_thread_count() {
    let one = TestEnv::new();
    synthetic_corpus(&one, 300);
    one.cmd().args(scan_args(1)).assert().success();
    let two = TestEnv::new();
    synthetic_corpus(&two, 300);
    two.cmd().args(scan_args(2)).assert().success();
    assert_eq!(report(&one), report(&two));
}

#[test]
fn unchanged_files_are_not_read_again_and_changed_ones_are() {
    let env = TestEnv::new();
    synthetic_corpus(&env, 40);
    env.cmd().args(scan_args(2)).assert().success();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(env.path("corpus/d00/f00000.bin"), b"changed").unwrap();
    std::fs::remove_file(env.path("corpus/d01/f00001.bin")).unwrap();
    let out = env
        .cmd()
        .args(scan_args(2).into_iter().filter(|a| a != "--quiet"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("39 files (1 read, 38 unchanged)"),
        "{stderr}"
    );
    let report = report(&env);
    let paths: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.contains(&"d01/f00001.bin"),
        "deleted file still reported"
    );
    // The changed file no longer matches its registry record.
    assert_eq!(report["summary"]["works_by_tier"]["T1"], 0);
}

#[test]
fn another_root_with_the_same_relative_names_is_read_again() {
    let env = TestEnv::new();
    for (dir, content) in [("a", "first corpus"), ("b", "second corpus!")] {
        std::fs::create_dir_all(env.path(dir)).unwrap();
        let path = env.path(&format!("{dir}/same-name.txt"));
        std::fs::write(&path, content).unwrap();
        // Same size is not needed to fool a size check, same mtime is: set both equal.
        let fixed = std::time::UNIX_EPOCH + Duration::from_secs(946_684_800);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(fixed)
            .unwrap();
    }
    std::fs::write(
        env.path("reg.csv"),
        "md5,title\n00000000000000000000000000000000,None\n",
    )
    .unwrap();
    for dir in ["a", "b"] {
        let out = env
            .cmd()
            .args(["scan", dir, "--registry", "reg.csv", "--store", "run.db"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("1 file (1 read, 0 unchanged)"),
            "{dir}: {stderr}"
        );
    }
    let report = report(&env);
    let want = provaudit::digest::bytes(b"second corpus!");
    assert_eq!(report["files"][0]["sha256"], hex::encode(want.sha256));
}
