//! Whether a corpus copy kept the copyright management information (CMI) of the reference work
//! it copies; pure, no I/O.
//!
//! For every T3 finding, the reference work's CMI signals (found by `cmi::signals` when the
//! work was added to its registry) are compared with the signals of the corpus documents that
//! hold its verified passages. A reference signal is *found* when one of those documents has a
//! signal of the same kind with the same normalised value (the ISBN-13, the years and owner of a
//! copyright notice, the licence of a Creative Commons link); kinds without a value (`All rights
//! reserved`, Project Gutenberg licence lines) are matched by count, in order.
//!
//! A reference signal is only *judged* when the copy could be expected to carry it: when it is
//! found, or when the copy's passages reach within [`COVER_SLACK`] bytes of it in the work. A
//! quotation of chapter 7 says nothing about the copyright page, and a false claim of stripping
//! is worse than a missed one. The verdict over the judged signals is `present` (all found),
//! `removed` (none), `partly-removed`, `not-covered` (none judged) or `none-in-reference`.

use std::collections::BTreeSet;

use super::{CmiComparison, CmiLine, CmiStatus};
use crate::registry::works::WorkCmi;
use crate::store::DocumentCmi;

/// How far (in bytes of the work's text) outside the span of the copy's verified passages a
/// reference signal still counts as one the copy should carry. Front and back matter (title
/// page, copyright page, licence) is excluded from text evidence, so a complete copy's
/// passages start and end a few kilobytes away from it; 8 KiB holds a copyright page with a
/// table of contents.
pub const COVER_SLACK: u64 = 8 * 1024;

/// Compares `reference` (a work's CMI, in text order) with `corpus` (the signals of the
/// documents holding its passages, each with a label saying where it is), given the byte
/// range `covered` of the work that the copy's passages span.
pub fn compare(
    reference: &[WorkCmi],
    corpus: &[(String, &DocumentCmi)],
    covered: (u64, u64),
) -> CmiComparison {
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut lines = Vec::with_capacity(reference.len());
    for signal in reference {
        let wanted = signal.value.as_deref().map(normalise);
        let hit = corpus.iter().enumerate().find(|(i, (_, found))| {
            !used.contains(i)
                && found.kind == signal.kind
                && match &wanted {
                    Some(value) => found.value.as_deref().map(normalise).as_ref() == Some(value),
                    None => true,
                }
        });
        let found_at = hit.map(|(i, (label, found))| {
            used.insert(i);
            format!("{label}@{}..{}", found.start, found.end)
        });
        let (from, to) = covered;
        let near = signal.end + COVER_SLACK >= from && signal.start <= to + COVER_SLACK;
        lines.push(CmiLine {
            kind: signal.kind.clone(),
            text: signal.line.clone(),
            work_start: signal.start,
            work_end: signal.end,
            found: found_at.is_some(),
            judged: found_at.is_some() || near,
            found_at,
        });
    }
    let judged = lines.iter().filter(|l| l.judged).count();
    let found = lines.iter().filter(|l| l.found).count();
    let status = if lines.is_empty() {
        CmiStatus::NoneInReference
    } else if judged == 0 {
        CmiStatus::NotCovered
    } else if found == judged {
        CmiStatus::Present
    } else if found == 0 {
        CmiStatus::Removed
    } else {
        CmiStatus::PartlyRemoved
    };
    CmiComparison {
        status,
        in_reference: !lines.is_empty(),
        in_corpus: found > 0,
        stripped: status.stripped(),
        lines,
        folders: Vec::new(),
    }
}

/// Lower case, with runs of whitespace and punctuation other than `-` collapsed to one space.
fn normalise(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_alphanumeric() || c == '-' {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(kind: &str, value: Option<&str>, start: u64) -> WorkCmi {
        WorkCmi {
            kind: kind.to_string(),
            start,
            end: start + 20,
            value: value.map(str::to_string),
            line: format!("{kind} line"),
        }
    }

    fn corpus(kind: &str, value: Option<&str>) -> DocumentCmi {
        DocumentCmi {
            address: b"a.txt".to_vec(),
            record: None,
            kind: kind.to_string(),
            start: 5,
            end: 25,
            value: value.map(str::to_string),
            line: String::new(),
        }
    }

    fn page() -> Vec<WorkCmi> {
        vec![
            reference("copyright-notice", Some("1998 Meridian House"), 100),
            reference("rights-reserved", None, 150),
            reference("isbn", Some("9780000000002"), 200),
        ]
    }

    #[test]
    fn a_complete_copy_keeps_everything_and_a_cleaned_one_keeps_nothing() {
        let kept = [
            corpus("copyright-notice", Some("1998  meridian house.")),
            corpus("rights-reserved", None),
            corpus("isbn", Some("9780000000002")),
        ];
        let labelled: Vec<(String, &DocumentCmi)> =
            kept.iter().map(|c| ("a.txt".to_string(), c)).collect();
        let result = compare(&page(), &labelled, (3000, 900_000));
        assert_eq!(result.status, CmiStatus::Present);
        assert!(result.lines.iter().all(|l| l.found && l.judged));
        assert_eq!(result.lines[2].found_at.as_deref(), Some("a.txt@5..25"));

        let result = compare(&page(), &[], (3000, 900_000));
        assert_eq!(result.status, CmiStatus::Removed);
        assert!(result.stripped && result.in_reference && !result.in_corpus);
    }

    #[test]
    fn another_owner_or_isbn_does_not_count_and_a_partial_copy_is_partly_removed() {
        let other = [
            corpus("copyright-notice", Some("2001 Other Press")),
            corpus("isbn", Some("9780000000002")),
        ];
        let labelled: Vec<(String, &DocumentCmi)> =
            other.iter().map(|c| ("b".to_string(), c)).collect();
        let result = compare(&page(), &labelled, (3000, 900_000));
        assert_eq!(result.status, CmiStatus::PartlyRemoved);
        let found: Vec<bool> = result.lines.iter().map(|l| l.found).collect();
        assert_eq!(found, [false, false, true]);
    }

    #[test]
    fn an_excerpt_far_from_the_copyright_page_is_not_judged() {
        let result = compare(&page(), &[], (500_000, 510_000));
        assert_eq!(result.status, CmiStatus::NotCovered);
        assert!(!result.stripped);
        assert_eq!(
            compare(&[], &[], (0, 10)).status,
            CmiStatus::NoneInReference
        );
    }

    #[test]
    fn value_less_kinds_match_by_count() {
        let reference = [
            reference("gutenberg-licence", None, 100),
            reference("gutenberg-licence", None, 200),
        ];
        let one = [corpus("gutenberg-licence", None)];
        let labelled: Vec<(String, &DocumentCmi)> =
            one.iter().map(|c| ("c".to_string(), c)).collect();
        assert_eq!(
            compare(&reference, &labelled, (0, 10_000)).status,
            CmiStatus::PartlyRemoved
        );
    }
}
