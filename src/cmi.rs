//! Copyright management information and bibliographic identifiers in text; pure, no I/O.
//!
//! For now: ISBN-10/ISBN-13 validation and normalisation to ISBN-13, used by the registry
//! importers to split LibGen `Identifier` lists and AAC `isbns` arrays.

/// Normalises one ISBN candidate to ISBN-13 digits, or `None` if it is not a valid ISBN.
///
/// Accepts ISBN-13 (978/979 prefix) and ISBN-10 (last character may be `X`), with hyphens or
/// spaces, and checks the check digit. ISBN-10 is converted to 978-prefixed ISBN-13.
pub fn isbn13(candidate: &str) -> Option<String> {
    let _ = candidate;
    todo!()
}

/// Every valid ISBN in a free-form identifier list (commas, semicolons, spaces), normalised to
/// ISBN-13, sorted and distinct. Also returns the items that looked like ISBNs (10 or 13 digits
/// or X) but failed the check digit, so importers can report them.
pub fn isbn_list(list: &str) -> (Vec<String>, Vec<String>) {
    let _ = list;
    todo!()
}
