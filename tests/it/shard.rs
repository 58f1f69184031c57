//! Sharded scans (issue 5): plan, shard scans (one SIGKILLed and re-run), status, merge, and
//! the merged report against a single scan's; the refusals of bad plans, shards and merges.
//!
//! What may differ between the merged report and the single scan's is exactly
//! [`RUN_FIELDS_THAT_DIFFER`]: who ran which command when, and the store's own history. Every
//! other byte of the report is the same.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::TestEnv;

/// The only `run` fields in which a merged report may differ from a single scan's report.
const RUN_FIELDS_THAT_DIFFER: &[&str] = &[
    "command_line",
    "started",
    "ended",
    "host",
    "user",
    "threads",
    "scans",
    "custody_log",
];

const REGISTRY: [&str; 2] = ["demo/registry", "demo/works"];

/// The demo corpus plus 3,000 small filler files, so that each shard commits its first batch
/// (512 files) well before it finishes and can be killed in the middle.
fn corpus(env: &TestEnv) {
    env.copy("demo");
    let filler = env.path("demo/corpus/filler");
    for i in 0..3000u64 {
        let dir = filler.join(format!("d{:02}", i % 30));
        std::fs::create_dir_all(&dir).unwrap();
        let content = format!("filler {i}\n").repeat(1 + (i as usize % 40));
        let path = dir.join(format!("f{i:04}.txt"));
        std::fs::write(&path, content).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + Duration::from_secs(946_684_800 + i))
            .unwrap();
    }
}

/// Files committed so far to a store being written by another process.
fn committed_files(path: &std::path::Path) -> i64 {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
    else {
        return 0;
    };
    let _ = conn.busy_timeout(Duration::from_millis(100));
    conn.query_row("SELECT count(*) FROM files", [], |r| r.get(0))
        .unwrap_or(0)
}

fn run_ok(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let out = env.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "provaudit {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command expected to be refused (exit 2) and returns its stderr.
fn refused(env: &TestEnv, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "provaudit {} should be refused: {stderr}",
        args.join(" ")
    );
    stderr
}

fn plan(env: &TestEnv, shards: u32, output: &str) {
    let n = shards.to_string();
    let mut args = vec![
        "plan",
        "demo/corpus",
        "--shards",
        &n,
        "-o",
        output,
        "--quiet",
    ];
    args.push("--registry");
    args.extend(REGISTRY);
    run_ok(env, &args);
}

fn shard_args<'a>(plan: &'a str, shard: &'a str, store: &'a str) -> Vec<&'a str> {
    let mut args = vec!["scan", "--plan", plan, "--shard", shard, "--store", store];
    args.push("--registry");
    args.extend(REGISTRY);
    args
}

/// The report as JSON text with the `run` fields that may differ removed.
fn comparable_report(env: &TestEnv, store: &str) -> String {
    let out = run_ok(env, &["report", store, "--format", "json"]);
    let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = report["run"].as_object_mut().unwrap();
    for field in RUN_FIELDS_THAT_DIFFER {
        assert!(run.remove(*field).is_some(), "report has no run.{field}");
    }
    serde_json::to_string_pretty(&report).unwrap()
}

fn content_digest(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let at = text
        .find("content digest ")
        .expect("merge prints the content digest");
    text[at + 15..at + 15 + 64].to_string()
}

#[test]
fn sharded_scan_with_a_killed_shard_merges_to_the_single_scan_report() {
    let env = TestEnv::new();
    corpus(&env);
    plan(&env, 3, "plan.json");
    std::fs::create_dir_all(env.path("shards")).unwrap();

    run_ok(&env, &shard_args("plan.json", "0/3", "shards/shard-0.db"));
    // Shard 2 through `--shard auto`, as a Slurm array task would run it.
    let mut auto = env.cmd();
    auto.args(shard_args("plan.json", "auto", "shards/shard-2.db"))
        .env("SLURM_ARRAY_TASK_ID", "2");
    auto.assert().success();

    // Shard 1 is killed once its temporary store is being written.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("provaudit"))
        .args(shard_args("plan.json", "1/3", "shards/shard-1.db"))
        .args(["--threads", "1"])
        .env("XDG_CACHE_HOME", env.path("cache"))
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let part = env.path("shards/shard-1.db.part");
    let started = Instant::now();
    while !part.exists() || committed_files(&part) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "shard 1 finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "shard 1 never committed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!env.path("shards/shard-1.db.done").exists());
    assert!(!env.path("shards/shard-1.db").exists());

    let out = run_ok(&env, &["status", "plan.json", "shards"]);
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(status.contains("done: 2 of 3 (0,2)"), "{status}");
    assert!(status.contains("missing: 1\n"), "{status}");

    // The half-written store is never merged.
    let stderr = refused(
        &env,
        &[
            "merge",
            "merged.db",
            "shards/shard-0.db",
            "shards/shard-1.db.part",
        ],
    );
    assert!(stderr.contains("no done marker"), "{stderr}");
    // Every input is checked before OUT is opened.
    assert!(!env.path("merged.db").exists());

    // The re-run resumes from the killed attempt's store: the committed files are not read again.
    let out = run_ok(&env, &shard_args("plan.json", "1/3", "shards/shard-1.db"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let unchanged: u64 = stderr
        .split(" unchanged")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(unchanged > 0, "the re-run did not resume: {stderr}");
    let out = run_ok(&env, &["status", "plan.json", "shards", "--json"]);
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["done"], serde_json::json!([0, 1, 2]));
    assert_eq!(status["missing"], serde_json::json!([]));
    // A shard already done is not scanned again.
    let out = run_ok(&env, &shard_args("plan.json", "1/3", "shards/shard-1.db"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already done"));

    let merged = run_ok(
        &env,
        &[
            "merge",
            "merged.db",
            "shards/shard-2.db",
            "shards/shard-0.db",
            "shards/shard-1.db",
        ],
    );
    let digest = content_digest(&merged.stderr);

    let mut single = vec![
        "scan",
        "demo/corpus",
        "--store",
        "single.db",
        "--fail-on",
        "none",
    ];
    single.push("--registry");
    single.extend(REGISTRY);
    run_ok(&env, &single);
    let want = comparable_report(&env, "single.db");
    let got = comparable_report(&env, "merged.db");
    assert_eq!(got, want, "merged report differs from the single scan's");
    let report: Value = serde_json::from_str(&got).unwrap();
    assert_eq!(report["run"]["complete"], true);
    assert!(report["summary"]["works_by_tier"]["T3"].as_u64().unwrap() > 0);

    // Merging again, and merging in another order into a new store, gives the same content.
    let again = run_ok(
        &env,
        &[
            "merge",
            "merged.db",
            "shards/shard-1.db",
            "shards/shard-0.db",
        ],
    );
    assert_eq!(content_digest(&again.stderr), digest);
    assert_eq!(comparable_report(&env, "merged.db"), want);
    run_ok(&env, &["merge", "other.db", "shards/shard-1.db"]);
    let other = run_ok(
        &env,
        &[
            "merge",
            "other.db",
            "shards/shard-2.db",
            "shards/shard-0.db",
        ],
    );
    assert_eq!(content_digest(&other.stderr), digest);
    assert_eq!(comparable_report(&env, "other.db"), want);

    // The merged store's custody log ends with the merge, then the reports rendered from it
    // (each `report` is itself an entry).
    let out = run_ok(&env, &["report", "merged.db"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let log = report["run"]["custody_log"].as_array().unwrap();
    let ops: Vec<&str> = log.iter().map(|e| e["op"].as_str().unwrap()).collect();
    let last_merge = ops
        .iter()
        .rposition(|op| *op == "merge")
        .expect("a merge entry");
    assert!(
        ops[last_merge + 1..].iter().all(|op| *op == "report"),
        "{ops:?}"
    );
    assert_eq!(log[last_merge]["detail"]["missing"], serde_json::json!([]));
    // A second examiner's check of the merged report passes: digest, custody chain, corpus.
    run_ok(&env, &["report", "merged.db", "-o", "report.json"]);
    run_ok(&env, &["verify", "report.json", "demo/corpus"]);
}

#[test]
fn bad_plans_shards_and_merges_are_refused_with_the_reason() {
    let env = TestEnv::new();
    env.copy("demo");
    plan(&env, 2, "plan.json");

    // N other than the plan's.
    let stderr = refused(&env, &shard_args("plan.json", "0/4", "s0.db"));
    assert!(stderr.contains("has 2 shards"), "{stderr}");
    // Index out of range, and `auto` outside an engine.
    let stderr = refused(&env, &shard_args("plan.json", "2/2", "s0.db"));
    assert!(stderr.contains("out of range"), "{stderr}");
    let mut auto = env.cmd();
    auto.args(shard_args("plan.json", "auto", "s0.db"))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX");
    let out = auto.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLURM_ARRAY_TASK_ID"));

    // Another registry than the plan's.
    std::fs::write(
        env.path("other.csv"),
        "md5,title\n00000000000000000000000000000000,None\n",
    )
    .unwrap();
    let stderr = refused(
        &env,
        &[
            "scan",
            "--plan",
            "plan.json",
            "--shard",
            "0/2",
            "--store",
            "s0.db",
            "--registry",
            "other.csv",
            "demo/works",
        ],
    );
    assert!(stderr.contains("registry `other.csv`"), "{stderr}");
    assert!(stderr.contains("differs from the plan"), "{stderr}");

    // Other options than the plan's.
    let mut args = shard_args("plan.json", "0/2", "s0.db");
    args.extend(["--max-depth", "2"]);
    let stderr = refused(&env, &args);
    assert!(stderr.contains("options of this scan differ"), "{stderr}");

    // Corpus roots with a plan.
    let mut args = shard_args("plan.json", "0/2", "s0.db");
    args.insert(1, "demo/corpus");
    let stderr = refused(&env, &args);
    assert!(stderr.contains("takes its files from the plan"), "{stderr}");

    // A plan made by another version, and a shard list changed after the plan.
    let text = std::fs::read_to_string(env.path("plan.json")).unwrap();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    std::fs::write(
        env.path("old.json"),
        text.replace(&version, "\"version\": \"0.0.1\""),
    )
    .unwrap();
    let stderr = refused(&env, &shard_args("old.json", "0/2", "s0.db"));
    assert!(stderr.contains("made by provaudit 0.0.1"), "{stderr}");
    let list = env.path("plan.shards/shard-0001.jsonl");
    let original = std::fs::read(&list).unwrap();
    std::fs::write(&list, b"{\"root\":0,\"path\":\"6e6f\",\"bytes\":1}\n").unwrap();
    let stderr = refused(&env, &shard_args("plan.json", "1/2", "s1.db"));
    assert!(
        stderr.contains("changed after the plan was written"),
        "{stderr}"
    );
    std::fs::write(&list, original).unwrap();
    assert!(!env.path("s1.db.done").exists());
    // A damaged temporary store left by a crash is discarded, not fatal.
    std::fs::write(env.path("s1.db.part"), b"not a database").unwrap();
    run_ok(&env, &shard_args("plan.json", "1/2", "s1.db"));
    assert!(env.path("s1.db.done").exists() && !env.path("s1.db.part").exists());

    // A worker that cannot see the corpus fails instead of recording every file as vanished.
    let text = std::fs::read_to_string(env.path("plan.json")).unwrap();
    let root = env.path("demo/corpus").canonicalize().unwrap();
    let moved = text.replace(root.to_str().unwrap(), "/nonexistent/corpus");
    std::fs::write(env.path("moved.json"), moved).unwrap();
    let stderr = refused(&env, &shard_args("moved.json", "0/2", "m0.db"));
    assert!(stderr.contains("`/nonexistent/corpus`"), "{stderr}");
    assert!(stderr.contains("not found"), "{stderr}");

    // Shards of two plans are not merged together.
    run_ok(&env, &shard_args("plan.json", "0/2", "s0.db"));
    plan(&env, 3, "plan3.json");
    run_ok(&env, &shard_args("plan3.json", "1/3", "t1.db"));
    let stderr = refused(&env, &["merge", "out.db", "s0.db", "t1.db"]);
    assert!(stderr.contains("another plan"), "{stderr}");
    // A shard store whose done marker is gone, or which changed after it, is not merged.
    std::fs::copy(env.path("t1.db.done"), env.path("t1.done.bak")).unwrap();
    std::fs::remove_file(env.path("t1.db.done")).unwrap();
    let stderr = refused(&env, &["merge", "out3.db", "t1.db"]);
    assert!(stderr.contains("no done marker"), "{stderr}");
    std::fs::copy(env.path("t1.done.bak"), env.path("t1.db.done")).unwrap();
    let mut bytes = std::fs::read(env.path("t1.db")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(env.path("t1.db"), bytes).unwrap();
    let stderr = refused(&env, &["merge", "out3.db", "t1.db"]);
    assert!(
        stderr.contains("changed after its shard finished"),
        "{stderr}"
    );
    // OUT holding a scan, or another plan's merge.
    let mut single = vec![
        "scan",
        "demo/corpus",
        "--store",
        "single.db",
        "--fail-on",
        "none",
        "--quiet",
    ];
    single.push("--registry");
    single.extend(REGISTRY);
    run_ok(&env, &single);
    let stderr = refused(&env, &["merge", "single.db", "s0.db"]);
    assert!(stderr.contains("holds a scan"), "{stderr}");
    run_ok(&env, &["merge", "out.db", "s0.db"]);
    // Partial merges say so in the report.
    let out = run_ok(&env, &["report", "out.db"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["run"]["complete"], false);

    // Status for plan3: its shard 1 is done; plan.json's markers make shard 0 stale.
    let out = run_ok(&env, &["status", "plan3.json", "."]);
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(status.contains("done: 1 of 3 (1)"), "{status}");
    assert!(status.contains("stale: 0 "), "{status}");
    assert!(status.contains("missing: 0,2\n"), "{status}");
}

#[test]
fn a_plan_is_deterministic_and_puts_every_file_in_exactly_one_shard() {
    let env = TestEnv::new();
    env.copy("demo");
    plan(&env, 4, "plan.json");
    let first = std::fs::read(env.path("plan.json")).unwrap();
    plan(&env, 4, "plan.json");
    assert_eq!(std::fs::read(env.path("plan.json")).unwrap(), first);

    let plan: Value = serde_json::from_slice(&first).unwrap();
    let mut listed = Vec::new();
    for shard in plan["shard_lists"].as_array().unwrap() {
        let list = std::fs::read_to_string(env.path(shard["list"].as_str().unwrap())).unwrap();
        let mut files = 0;
        for line in list.lines() {
            let line: Value = serde_json::from_str(line).unwrap();
            let path = hex::decode(line["path"].as_str().unwrap()).unwrap();
            listed.push(String::from_utf8(path).unwrap());
            files += 1;
        }
        assert_eq!(shard["files"], files);
    }
    let mut want: Vec<String> = walkdir::WalkDir::new(env.path("demo/corpus"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(env.path("demo/corpus")).unwrap();
            rel.to_str().unwrap().to_string()
        })
        .collect();
    want.sort();
    let n_listed = listed.len();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), n_listed, "a file is in two shards");
    assert_eq!(listed, want);
    assert_eq!(plan["files"], want.len());

    // No shard folder yet: every shard is missing, and status still exits 0.
    let out = run_ok(&env, &["status", "plan.json", "not-created-yet"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing: 0-3\n"));
}

/// SIGKILL during `merge`, at seeded moments (4 kills, 20 with `PROVAUDIT_SLOW_TESTS=1`): every
/// time, merging again gives the store an uninterrupted merge gives, and a store killed
/// mid-merge is never reported as complete.
#[test]
fn sigkill_during_merge_then_merging_again_gives_the_uninterrupted_store() {
    let env = TestEnv::new();
    corpus(&env);
    plan(&env, 4, "plan.json");
    std::fs::create_dir_all(env.path("shards")).unwrap();
    let stores: Vec<String> = (0..4).map(|i| format!("shards/shard-{i}.db")).collect();
    for (i, store) in stores.iter().enumerate() {
        let shard = format!("{i}/4");
        run_ok(&env, &shard_args("plan.json", &shard, store));
    }
    let mut merge: Vec<&str> = vec!["merge", "reference.db"];
    merge.extend(stores.iter().map(String::as_str));
    let started = Instant::now();
    let reference = run_ok(&env, &merge);
    let duration = started.elapsed();
    let want_digest = content_digest(&reference.stderr);
    let want_report = comparable_report(&env, "reference.db");

    let mut rng = crate::faults::Rng::from_env("sigkill_during_merge");
    let kills = if crate::faults::slow() { 20 } else { 4 };
    let mut landed = 0;
    for round in 0..kills {
        let out = format!("killed-{round}.db");
        let mut args: Vec<&str> = vec!["merge", &out];
        args.extend(stores.iter().map(String::as_str));
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("provaudit"))
            .args(&args)
            .env("XDG_CACHE_HOME", env.path("cache"))
            .current_dir(env.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + duration.mul_f64(rng.fraction());
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        if child.try_wait().unwrap().is_none() {
            landed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        if env.path(&out).exists() {
            // Whatever the kill left, it is never a complete merge...
            let partial = env.cmd().args(["report", &out]).output().unwrap();
            if partial.status.success() {
                let report: Value = serde_json::from_slice(&partial.stdout).unwrap();
                let merged_all = report["run"]["custody_log"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["op"] == "merge" && e["detail"]["missing"] == serde_json::json!([]));
                assert!(
                    report["run"]["complete"] == true || !merged_all,
                    "round {round}: complete merge entry in an incomplete store"
                );
            }
        }
        // ...and merging again completes it.
        let again = run_ok(&env, &args);
        assert_eq!(content_digest(&again.stderr), want_digest, "round {round}");
        assert_eq!(comparable_report(&env, &out), want_report, "round {round}");
    }
    eprintln!("sigkill_during_merge: {landed} of {kills} kills landed during a merge");
}
