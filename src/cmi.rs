//! Copyright management information and bibliographic identifiers in text; pure, no I/O.
//!
//! For now: ISBN-10/ISBN-13 validation and normalisation to ISBN-13, used by the registry
//! importers to split LibGen `Identifier` lists and AAC `isbns` arrays.

/// Normalises one ISBN candidate to ISBN-13 digits, or `None` if it is not a valid ISBN.
///
/// Accepts ISBN-13 (978/979 prefix) and ISBN-10 (last character may be `X`), with hyphens or
/// spaces, and checks the check digit. ISBN-10 is converted to 978-prefixed ISBN-13.
pub fn isbn13(candidate: &str) -> Option<String> {
    let chars = isbn_chars(candidate)?;
    match chars.len() {
        13 => {
            if chars.contains(&b'X') || !(chars.starts_with(b"978") || chars.starts_with(b"979")) {
                return None;
            }
            let digits: Vec<u32> = chars.iter().map(|&c| u32::from(c - b'0')).collect();
            if isbn13_check_digit(&digits[..12]) != digits[12] {
                return None;
            }
            Some(String::from_utf8_lossy(&chars).into_owned())
        }
        10 => {
            if chars[..9].contains(&b'X') {
                return None;
            }
            let sum: u32 = chars
                .iter()
                .zip((1..=10u32).rev())
                .map(|(&c, weight)| {
                    let value = if c == b'X' { 10 } else { u32::from(c - b'0') };
                    value * weight
                })
                .sum();
            if !sum.is_multiple_of(11) {
                return None;
            }
            let mut digits: Vec<u32> = vec![9, 7, 8];
            digits.extend(chars[..9].iter().map(|&c| u32::from(c - b'0')));
            let check = isbn13_check_digit(&digits);
            digits.push(check);
            Some(digits.iter().map(|d| char::from(b'0' + *d as u8)).collect())
        }
        _ => None,
    }
}

/// Every valid ISBN in a free-form identifier list (commas, semicolons, spaces), normalised to
/// ISBN-13, sorted and distinct. Also returns the items that looked like ISBNs (10 or 13 digits
/// or X) but failed the check digit, so importers can report them.
pub fn isbn_list(list: &str) -> (Vec<String>, Vec<String>) {
    let mut valid = Vec::new();
    let mut invalid = Vec::new();
    for item in list.split([',', ';', ' ', '\t', '\n', '\r', '|']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match isbn13(item) {
            Some(isbn) => valid.push(isbn),
            None => {
                if isbn_chars(item).is_some_and(|chars| chars.len() == 10 || chars.len() == 13) {
                    invalid.push(item.to_string());
                }
            }
        }
    }
    valid.sort();
    valid.dedup();
    invalid.sort();
    invalid.dedup();
    (valid, invalid)
}

/// The digits (and `X`, upper-cased, only as the last character) of an ISBN candidate with
/// hyphens and spaces removed, or `None` if anything else appears.
fn isbn_chars(candidate: &str) -> Option<Vec<u8>> {
    let mut chars = Vec::with_capacity(13);
    for c in candidate.trim().bytes() {
        match c {
            b'0'..=b'9' => chars.push(c),
            b'X' | b'x' => chars.push(b'X'),
            b'-' | b' ' => {}
            _ => return None,
        }
    }
    let x_count = chars.iter().filter(|&&c| c == b'X').count();
    if x_count > 1 || (x_count == 1 && chars.last() != Some(&b'X')) {
        return None;
    }
    Some(chars)
}

/// The ISBN-13 check digit of 12 digits: weights 1, 3, 1, 3, ...
fn isbn13_check_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(candidate: &str, expected: Option<&str>) {
        assert_eq!(
            isbn13(candidate).as_deref(),
            expected,
            "candidate {candidate:?}"
        );
    }

    #[test]
    fn isbn13_table() {
        check("9780061714306", Some("9780061714306"));
        check("978-0-06-171430-6", Some("9780061714306"));
        check("978 0 06 171430 6", Some("9780061714306"));
        check("0061714305", Some("9780061714306"));
        check("0-06-171430-5", Some("9780061714306"));
        // X check digit.
        check("080442957X", Some("9780804429573"));
        check("080442957x", Some("9780804429573"));
        check("0-8044-2957-X", Some("9780804429573"));
        // Wrong check digits.
        check("9780061714307", None);
        check("0061714306", None);
        check("0804429570", None);
        // Not ISBNs.
        check("B0B6HNHVV9", None);
        check("1234567890123", None);
        check("", None);
        check("X804429570", None);
        check("97800617143", None);
        check("979-10-90636-07-1", Some("9791090636071"));
    }

    #[test]
    fn isbn_list_splits_normalises_and_reports_invalid() {
        let (valid, invalid) =
            isbn_list("9780061714306,0061714305; 080442957X  9780061714307,B0B6HNHVV9,abc");
        assert_eq!(valid, vec!["9780061714306", "9780804429573"]);
        assert_eq!(invalid, vec!["9780061714307"]);
        assert_eq!(isbn_list(""), (vec![], vec![]));
    }
}
