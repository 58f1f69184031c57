//! `provaudit registry import` and `registry info` through the binary.

use crate::harness::TestEnv;

#[test]
fn import_reports_counts_and_info_lists_sources_and_rejected_lines() {
    let env = TestEnv::new();
    let demo = env.copy("demo");
    let out = env
        .cmd()
        .args(["registry", "import", "reg.db"])
        .arg(demo.join("registry/fiction.sql"))
        .arg(demo.join("registry/extra.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fiction.sql: 256 records read, 255 kept, 1 rejected, as `libgen`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("extra.csv: 10 records read, 9 kept, 1 rejected, as `extra`"),
        "{stderr}"
    );

    let info = env
        .cmd()
        .args(["registry", "info", "reg.db"])
        .output()
        .unwrap();
    assert!(info.status.success());
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("names: extra, libgen"), "{text}");
    assert!(text.contains("invalid md5 `NOT-A-MD5"), "{text}");
    assert!(text.contains("rejected line 11: column `md5`"), "{text}");

    let json = env
        .cmd()
        .args(["registry", "info", "reg.db", "--json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let sources = value["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0]["source"]["format"], "libgen-sql");
    assert_eq!(sources[0]["source"]["sha256"].as_str().unwrap().len(), 64);

    // Importing the same source again adds nothing.
    env.cmd()
        .args(["registry", "import", "reg.db"])
        .arg(demo.join("registry/fiction.sql"))
        .assert()
        .success();
    let again = env
        .cmd()
        .args(["registry", "info", "reg.db", "--json"])
        .output()
        .unwrap();
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["registry"]["digest"], value["registry"]["digest"]);
    assert_eq!(again["sources"].as_array().unwrap().len(), 2);
}

#[test]
fn a_file_that_is_not_a_registry_is_refused_with_a_hint() {
    let env = TestEnv::new();
    std::fs::write(env.path("notes.db"), "not sqlite at all, just text").unwrap();
    let out = env
        .cmd()
        .args(["registry", "info", "notes.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.db"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn a_results_store_passed_as_registry_and_the_reverse_are_refused() {
    let env = TestEnv::new();
    let demo = env.copy("demo");
    env.cmd()
        .args(["registry", "import", "reg.db"])
        .arg(demo.join("registry/extra.csv"))
        .assert()
        .success();
    env.cmd()
        .arg("scan")
        .arg(demo.join("corpus/streams"))
        .args([
            "--registry",
            "reg.db",
            "--store",
            "run.db",
            "--fail-on",
            "none",
        ])
        .assert()
        .success();
    let out = env
        .cmd()
        .arg("scan")
        .arg(demo.join("corpus/streams"))
        .args(["--registry", "run.db", "--store", "run2.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is a provaudit results database, not a registry")
    );
    let out = env
        .cmd()
        .arg("scan")
        .arg(demo.join("corpus/streams"))
        .args(["--registry", "reg.db", "--store", "reg.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is a provaudit registry, not a results database")
    );
}

/// A registry from an older provaudit is refused by `audit` with a hint, and
/// `registry import REG.db` with no sources upgrades it in place, as the hint says.
#[test]
fn an_older_registry_is_refused_with_a_hint_and_upgraded_by_import_without_sources() {
    let env = TestEnv::new();
    let demo = env.copy("demo");
    let reg = env.path("reg.db");
    let out = env
        .cmd()
        .args(["registry", "import", "reg.db"])
        .arg(demo.join("registry/extra.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    // Make it look like a schema-3 registry: before the `identifiers` table of migration 4.
    {
        let conn = rusqlite::Connection::open(&reg).unwrap();
        conn.execute_batch("DROP TABLE identifiers; PRAGMA user_version = 3;")
            .unwrap();
    }
    let refused = env
        .cmd()
        .arg("audit")
        .arg(demo.join("corpus"))
        .args(["--out", "out", "--registry", "reg.db"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("has schema version 3, older than"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: upgrade it in place with `provaudit registry import"),
        "{stderr}"
    );

    let upgraded = env
        .cmd()
        .args(["registry", "import", "reg.db"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&upgraded.stderr);
    assert!(upgraded.status.success(), "{stderr}");
    assert!(stderr.contains("at registry schema version"), "{stderr}");
    let audit = env
        .cmd()
        .arg("audit")
        .arg(demo.join("corpus"))
        .args(["--out", "out", "--fail-on", "none", "--registry", "reg.db"])
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );

    let missing = env
        .cmd()
        .args(["registry", "import", "nothing.db"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no sources given and registry `nothing.db` does not exist"),
        "{stderr}"
    );
}
