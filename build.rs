//! Records the git commit the binary was built from (`unknown` outside a git checkout), so
//! that every report names the exact build that produced it.

use std::process::Command;

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=PROVAUDIT_GIT_COMMIT={commit}");
    // Watch only the files that say which commit this is, and only those that exist: in a
    // worktree `.git` is a file, and a missing watched path (or the whole `refs/heads` folder,
    // which changes with every commit on any branch) makes cargo rebuild the crate each time.
    println!("cargo:rerun-if-changed=build.rs");
    let git_dir = git(&["rev-parse", "--git-dir"]);
    let common_dir = git(&["rev-parse", "--git-common-dir"]);
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let watched = [
        git_dir.map(|dir| format!("{dir}/HEAD")),
        common_dir
            .as_ref()
            .zip(branch)
            .map(|(dir, branch)| format!("{dir}/{branch}")),
        common_dir.map(|dir| format!("{dir}/packed-refs")),
    ];
    for path in watched.into_iter().flatten() {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// The trimmed output of a successful `git` command.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
