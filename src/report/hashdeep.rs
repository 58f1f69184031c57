//! A hashdeep known-hash file (`%%%% HASHDEEP-1.0`, `size,md5,sha256,filename`), so that a
//! second examiner can audit the corpus with hashdeep alone:
//! `cd ROOT && hashdeep -a -k known.txt -r -l .` passes only when every file matches.
//!
//! Only top-level files read to their end (those with digests) are listed (archive members are not files hashdeep
//! sees). File names are written relative to their root as `./path`, as `hashdeep -l` prints
//! them; names that are not valid UTF-8 or that hold a comma or a newline cannot be written in
//! this format and are listed in a `##` comment instead.

use std::io::{self, Write};

use super::AuditResult;

/// Writes the known-hash file.
///
/// # Errors
///
/// A write error of `out`.
pub fn write(result: &AuditResult, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "%%%% HASHDEEP-1.0")?;
    writeln!(out, "%%%% size,md5,sha256,filename")?;
    writeln!(
        out,
        "## Written by {} {} from a provaudit report",
        result.run.tool, result.run.version
    )?;
    for (index, root) in result.corpus.roots.iter().enumerate() {
        writeln!(out, "## Root {index}: {}", root.replace(['\n', '\r'], " "))?;
    }
    writeln!(
        out,
        "## Audit with: cd ROOT && hashdeep -a -k THIS_FILE -r -l ."
    )?;
    writeln!(out, "##")?;
    let mut skipped = Vec::new();
    result.files.for_each(|file| {
        // A file with digests was read to its end, even if its content is damaged (a
        // corrupt archive keeps the digests of its bytes).
        if file.depth != 0 {
            return Ok(());
        }
        let (Some(md5), Some(sha256)) = (&file.md5, &file.sha256) else {
            return Ok(());
        };
        if file.path_hex.is_some() || file.path.contains([',', '\n', '\r']) {
            skipped.push(file.path.clone());
            return Ok(());
        }
        writeln!(out, "{},{md5},{sha256},./{}", file.bytes, file.path)
    })?;
    for path in skipped {
        writeln!(
            out,
            "## not listed (name not expressible in this format): {path}"
        )?;
    }
    Ok(())
}
