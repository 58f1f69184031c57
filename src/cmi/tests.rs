//! Tests of the CMI detectors: ISBN normalisation, then every signal kind on realistic
//! copyright pages, negatives, exact offsets and a property test.

mod isbn {
    use super::super::*;

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

mod signal_line {
    use super::super::*;

    #[test]
    fn short_lines_are_whole_and_long_ones_are_windows_around_the_span() {
        let text = "Title\n  Copyright 1999 by A. Author  \nChapter 1";
        let start = text.find("Copyright").unwrap();
        assert_eq!(
            signal_line(text, start, start + 9),
            "Copyright 1999 by A. Author"
        );
        let long = format!(
            "{}ISBN 978-0-306-40615-7{}",
            "é".repeat(400),
            "x".repeat(500)
        );
        let start = long.find("ISBN").unwrap();
        let line = signal_line(&long, start, start + 22);
        assert!(line.contains("ISBN 978-0-306-40615-7"), "{line}");
        assert!(line.starts_with('…') && line.ends_with('…'));
        assert!(line.len() <= LINE_BYTES + 2 * '…'.len_utf8() + 4);
        // Out-of-range spans are clamped, never a panic.
        assert_eq!(signal_line("abc", 10, 20), "abc");
    }
}

mod signals {
    use super::super::*;
    use SignalKind::*;
    use proptest::prelude::*;

    /// Checks every signal in `text` as `(kind, covered text, value)`, in order.
    #[track_caller]
    fn check(text: &str, expected: &[(SignalKind, &str, Option<&str>)]) {
        let found = signals(text);
        let actual: Vec<(SignalKind, &str, Option<&str>)> = found
            .iter()
            .map(|signal| {
                (
                    signal.kind,
                    &text[signal.start..signal.end],
                    signal.value.as_deref(),
                )
            })
            .collect();
        assert_eq!(actual, expected, "text {text:?}");
    }

    const US_TRADE_PAPERBACK: &str = "\
HARPER PERENNIAL

Copyright © 2009 by Jane Q. Author. All rights reserved. Printed in the United States of America. \
No part of this book may be used or reproduced in any manner whatsoever without written \
permission except in the case of brief quotations embodied in critical articles and reviews. \
For information address HarperCollins Publishers, 10 East 53rd Street, New York, NY 10022.

FIRST EDITION

Library of Congress Cataloging-in-Publication Data

Author, Jane Q.
    The long example : a novel / Jane Q. Author.—1st ed.
        p. cm.
    ISBN 978-0-06-171430-6
    1. Examples—Fiction. I. Title.
    PS3601.U86 L66 2009
    813'.6—dc22                2008042173

09 10 11 12 13 ov/rrd 10 9 8 7 6 5 4 3 2 1
";

    #[test]
    fn us_trade_paperback() {
        check(
            US_TRADE_PAPERBACK,
            &[
                (
                    CopyrightNotice,
                    "Copyright © 2009 by Jane Q. Author",
                    Some("2009 Jane Q. Author"),
                ),
                (RightsReserved, "All rights reserved", None),
                (PrintedIn, "Printed in the United States of America", None),
                (
                    ReproductionProhibition,
                    "No part of this book may be used or reproduced in any manner whatsoever \
                     without written permission except in the case of brief quotations embodied \
                     in critical articles and reviews.",
                    None,
                ),
                (
                    LccnOrCip,
                    "Library of Congress Cataloging-in-Publication Data",
                    None,
                ),
                (Isbn, "ISBN 978-0-06-171430-6", Some("9780061714306")),
                (LccnOrCip, "dc22", None),
                (PrinterKey, "10 9 8 7 6 5 4 3 2 1", None),
            ],
        );
    }

    #[test]
    fn uk_hardback_with_british_library_line() {
        let text = "\
First published in Great Britain in 1997
Bloomsbury Publishing Plc, 38 Soho Square, London W1V 5DF

Copyright © J. K. Rowling 1997

The moral right of the author has been asserted in accordance with the Copyright, Designs and \
Patents Act 1988.
A CIP catalogue record for this book is available from the British Library

ISBN 0 7475 3269 9

Printed and bound in Great Britain by Clays Ltd, St Ives plc

1 3 5 7 9 10 8 6 4 2
";
        check(
            text,
            &[
                (
                    FirstPublished,
                    "First published in Great Britain in 1997",
                    Some("1997"),
                ),
                (
                    CopyrightNotice,
                    "Copyright © J. K. Rowling 1997",
                    Some("1997 J. K. Rowling"),
                ),
                (
                    BritishLibraryCip,
                    "A CIP catalogue record for this book is available from the British Library",
                    None,
                ),
                (Isbn, "ISBN 0 7475 3269 9", Some("9780747532699")),
                (
                    PrintedIn,
                    "Printed and bound in Great Britain by Clays Ltd, St Ives plc",
                    None,
                ),
                (PrinterKey, "1 3 5 7 9 10 8 6 4 2", None),
            ],
        );
    }

    #[test]
    fn gutenberg_header_and_footer() {
        let text = "\
The Project Gutenberg eBook of Alice's Adventures in Wonderland

This ebook is for the use of anyone anywhere in the United States and
most other parts of the world at no cost and with almost no restrictions
whatsoever. You may copy it, give it away or re-use it under the terms
of the Project Gutenberg License included with this ebook or online
at www.gutenberg.org.

*** START OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***

Alice was beginning to get very tired of sitting by her sister on the bank.

*** END OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***

  Project Gutenberg is a registered trademark, and may not be used
Johannes Gutenberg printed a Bible.
*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*
";
        check(
            text,
            &[
                (
                    GutenbergLicence,
                    "of the Project Gutenberg License included with this ebook or online",
                    None,
                ),
                (
                    GutenbergMarker,
                    "*** START OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***",
                    Some("start"),
                ),
                (
                    GutenbergMarker,
                    "*** END OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***",
                    Some("end"),
                ),
                (
                    GutenbergLicence,
                    "Project Gutenberg is a registered trademark, and may not be used",
                    None,
                ),
                (
                    GutenbergMarker,
                    "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*",
                    Some("end"),
                ),
            ],
        );
    }

    #[test]
    fn creative_commons_footer() {
        let text = "\
Text is available under the Creative Commons Attribution-ShareAlike License \
(https://creativecommons.org/licenses/by-sa/4.0/); additional terms may apply.
Dedicated to the public domain: http://creativecommons.org/publicdomain/zero/1.0/
Marked: creativecommons.org/publicdomain/mark/1.0 and \
<https://creativecommons.org/licenses/by-nc-nd/3.0/de/>.
Not a licence: creativecommons.org/about/ or creativecommons.org/licenses/by-xx/4.0/
";
        check(
            text,
            &[
                (
                    CreativeCommons,
                    "https://creativecommons.org/licenses/by-sa/4.0/",
                    Some("by-sa/4.0"),
                ),
                (
                    CreativeCommons,
                    "http://creativecommons.org/publicdomain/zero/1.0/",
                    Some("zero/1.0"),
                ),
                (
                    CreativeCommons,
                    "creativecommons.org/publicdomain/mark/1.0",
                    Some("mark/1.0"),
                ),
                (
                    CreativeCommons,
                    "https://creativecommons.org/licenses/by-nc-nd/3.0/",
                    Some("by-nc-nd/3.0"),
                ),
            ],
        );
    }

    #[test]
    fn spdx_header() {
        let text = "\
// SPDX-FileCopyrightText: 2019-2021 Jane Doe <jane@example.com>
// SPDX-License-Identifier: Apache-2.0 OR MIT
/* SPDX-License-Identifier: GPL-2.0-or-later WITH Classpath-exception-2.0 */
<!-- SPDX-FileCopyrightText: The Example Authors -->
";
        check(
            text,
            &[
                (
                    CopyrightNotice,
                    "SPDX-FileCopyrightText: 2019-2021 Jane Doe <jane@example.com>",
                    Some("2019-2021 Jane Doe <jane@example.com>"),
                ),
                (
                    Spdx,
                    "SPDX-License-Identifier: Apache-2.0 OR MIT",
                    Some("Apache-2.0 OR MIT"),
                ),
                (
                    Spdx,
                    "SPDX-License-Identifier: GPL-2.0-or-later WITH Classpath-exception-2.0",
                    Some("GPL-2.0-or-later WITH Classpath-exception-2.0"),
                ),
                (
                    CopyrightNotice,
                    "SPDX-FileCopyrightText: The Example Authors",
                    Some("The Example Authors"),
                ),
            ],
        );
    }

    #[test]
    fn copyright_notice_shapes() {
        check(
            "© 2004 Penguin Books Ltd. Published by Penguin.",
            &[(
                CopyrightNotice,
                "© 2004 Penguin Books Ltd.",
                Some("2004 Penguin Books Ltd."),
            )],
        );
        check(
            "(C) 1998, 2001 Random House, Inc.\n",
            &[(
                CopyrightNotice,
                "(C) 1998, 2001 Random House, Inc.",
                Some("1998, 2001 Random House, Inc."),
            )],
        );
        check(
            "Copr. 1949 Walt Disney Productions",
            &[(
                CopyrightNotice,
                "Copr. 1949 Walt Disney Productions",
                Some("1949 Walt Disney Productions"),
            )],
        );
        check(
            "COPYRIGHT (c) 1987–1993 by St. Martin's Press",
            &[(
                CopyrightNotice,
                "COPYRIGHT (c) 1987–1993 by St. Martin's Press",
                Some("1987–1993 St. Martin's Press"),
            )],
        );
        check(
            "Text copyright ©2001 by\nJane Doe\n",
            &[(
                CopyrightNotice,
                "copyright ©2001 by\nJane Doe",
                Some("2001 Jane Doe"),
            )],
        );
        check(
            "Copyright:\u{a0}1998 The Estate of A. N. Other; used by permission",
            &[(
                CopyrightNotice,
                "Copyright:\u{a0}1998 The Estate of A. N. Other",
                Some("1998 The Estate of A. N. Other"),
            )],
        );
        // Owner then year only after `©`.
        check(
            "© Faber and Faber, 2005.",
            &[(
                CopyrightNotice,
                "© Faber and Faber, 2005",
                Some("2005 Faber and Faber"),
            )],
        );
        check("(c) Faber and Faber 2005", &[]);
        // A notice without an owner, or with only the rights reservation after it.
        check("© 2004\n\nChapter One", &[]);
        check(
            "© 2004. All rights reserved.",
            &[(RightsReserved, "All rights reserved", None)],
        );
    }

    #[test]
    fn negatives() {
        check(
            "The copyright on the novel expired long ago, and the estate no longer holds a \
             copyright in it. Copyright law changed in 1976.",
            &[],
        );
        check(
            "Under point (c) of the treaty, and (C) the annex, members agree.",
            &[],
        );
        check("the Copyright, Designs and Patents Act 1988", &[]);
        check("He was copyrighted 1998 and copyrights 2001 stuff.", &[]);
        // Phone numbers: never ISBNs, whatever their check digit.
        check(
            "Call 555-867-5309 or 2125551234, or 0061714305 (no label).",
            &[],
        );
        check(
            "ISBN 978-0-06-171430-7 and 9780061714307 and 0-06-171430-6",
            &[],
        );
        check("ISSN-like 9770061714306 and 977-0-06-171430-6", &[]);
        check(
            "Longer runs: 97800617143061, 19780061714306, 1.9780061714306, 0-06-171430-5-1",
            &[],
        );
        check("Mixed bare separators 978-0 06-171430-6", &[]);
        check(
            "the BASIN B000000000 is not labelled; xB0A1B2C3D4, B0A1B2C3D4x, B0a1b2c3d4, B0A1B2C3D",
            &[],
        );
        check(
            "the Library of Congress holds many books; she printed in a hurry",
            &[],
        );
        check(
            "All rights reservedly; nearly all rights reserved",
            &[(RightsReserved, "all rights reserved", None)],
        );
        check(
            "Johannes Gutenberg printed the first Bible with movable type.",
            &[],
        );
        check("first published in a magazine, never reprinted", &[]);
        check(
            "No part of this text may be reproduced. No part of this house may be reproduced.",
            &[(
                ReproductionProhibition,
                "No part of this text may be reproduced.",
                None,
            )],
        );
        check("1 2 3 4 5 6 7 8 9 10\n10 9 8 7\n3 1 4 1 5 9 2 6\n", &[]);
    }

    #[test]
    fn identifiers() {
        check(
            "ISBN-13: 978-0-06-171430-6\nISBN-10: 0061714305\n\
             isbn=080442957X; ISBN 13 9791090636071",
            &[
                (Isbn, "ISBN-13: 978-0-06-171430-6", Some("9780061714306")),
                (Isbn, "ISBN-10: 0061714305", Some("9780061714306")),
                (Isbn, "isbn=080442957X", Some("9780804429573")),
                (Isbn, "ISBN 13 9791090636071", Some("9791090636071")),
            ],
        );
        check(
            "eBook 9780061714306, print 978 0 06 171430 6, old 0-8044-2957-X.",
            &[
                (Isbn, "9780061714306", Some("9780061714306")),
                (Isbn, "978 0 06 171430 6", Some("9780061714306")),
                (Isbn, "0-8044-2957-X", Some("9780804429573")),
            ],
        );
        check(
            "ASIN: B00ABC1234\nKindle B07XYZ9Q2L, labelled ASIN B000000000",
            &[
                (Asin, "ASIN: B00ABC1234", Some("B00ABC1234")),
                (Asin, "B07XYZ9Q2L", Some("B07XYZ9Q2L")),
                (Asin, "ASIN B000000000", Some("B000000000")),
            ],
        );
        check(
            "Library of Congress Control Number: 2019012345\nLCCN 85-12345\n\
             LC record available at https://lccn.loc.gov/2019012345\n\
             The Library of Congress has cataloged the hardcover edition as follows:",
            &[
                (
                    LccnOrCip,
                    "Library of Congress Control Number: 2019012345",
                    Some("2019012345"),
                ),
                (LccnOrCip, "LCCN 85-12345", Some("85-12345")),
                (LccnOrCip, "lccn.loc.gov/2019012345", Some("2019012345")),
                (LccnOrCip, "Library of Congress has cataloged", None),
            ],
        );
        check(
            "British Library Cataloguing in Publication Data\nA catalogue record for this book is \
             available from\nthe British Library.",
            &[
                (
                    BritishLibraryCip,
                    "British Library Cataloguing in Publication Data",
                    None,
                ),
                (
                    BritishLibraryCip,
                    "A catalogue record for this book is available from\nthe British Library",
                    None,
                ),
            ],
        );
    }

    #[test]
    fn exact_offsets() {
        assert_eq!(
            signals("x ISBN-13: 978-0-06-171430-6\n"),
            vec![Signal {
                kind: Isbn,
                start: 2,
                end: 28,
                value: Some("9780061714306".to_string())
            }]
        );
        assert_eq!(
            signals("«©» © 1998 Ann"),
            vec![Signal {
                kind: CopyrightNotice,
                start: 7,
                end: 18,
                value: Some("1998 Ann".to_string()),
            }]
        );
        let text = "ALL RIGHTS RESERVED\r\n10 9 8 7 6 5 4 3 2 1\r\n";
        assert_eq!(
            signals(text),
            vec![
                Signal {
                    kind: RightsReserved,
                    start: 0,
                    end: 19,
                    value: None
                },
                Signal {
                    kind: PrinterKey,
                    start: 21,
                    end: 41,
                    value: None
                },
            ]
        );
    }

    #[test]
    fn kind_names() {
        assert_eq!(CopyrightNotice.as_str(), "copyright-notice");
        assert_eq!(LccnOrCip.as_str(), "lccn-or-cip");
        assert_eq!(GutenbergLicence.as_str(), "gutenberg-licence");
        assert_eq!(Spdx.as_str(), "spdx");
    }

    #[test]
    fn alice_has_no_copyright_notice() {
        let text = include_str!("../../corpora/demo/works/nltk-carroll-alice.txt");
        let found = signals(text);
        assert!(
            found.iter().all(|signal| signal.kind != CopyrightNotice),
            "{found:?}"
        );
        assert_eq!(found, vec![]);
    }

    /// Pieces that reach the detailed parsers when concatenated in any order.
    const FRAGMENTS: &[&str] = &[
        "©",
        "(c)",
        "(C)",
        "Copyright",
        "COPYRIGHT",
        "Copr.",
        " ",
        "\n",
        "\r\n",
        "\u{a0}",
        "1998",
        "-",
        "–",
        ",",
        ".",
        "by ",
        "Jane",
        "é",
        "日本",
        "ISBN",
        "isbn",
        "-13:",
        " 10 ",
        "978",
        "979",
        "0-06-171430-5",
        "9780061714306",
        "X",
        "B0",
        "ASIN",
        "ABC12345",
        "All rights reserved",
        "No part of this book may be reproduced",
        "Library of Congress",
        " Control Number: ",
        "Cataloging-in-Publication Data",
        "LCCN",
        "lccn.loc.gov/",
        "—dc23",
        "--dc",
        "British Library",
        "A CIP catalogue record",
        "First published in ",
        "Printed in the ",
        "Printed and bound in ",
        "10 9 8 7 6 5 4 3 2 1",
        "1 3 5 7 9 10 8 6 4 2",
        " 9",
        "*** START OF THE PROJECT GUTENBERG",
        "*** END OF",
        "Project Gutenberg",
        " License",
        "*END*THE SMALL PRINT",
        "START**THE SMALL PRINT",
        "creativecommons.org/",
        "licenses/by-sa/",
        "publicdomain/zero/",
        "4.0",
        "https://www.",
        "SPDX-",
        "License-Identifier:",
        "FileCopyrightText:",
        " MIT",
        "*/",
        "-->",
    ];

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        ]
    }

    proptest! {
        #[test]
        fn identifiers_are_the_identifier_signals(pieces in proptest::collection::vec(piece(), 0..40)) {
            let text = pieces.concat();
            let expected: Vec<Signal> = signals(&text)
                .into_iter()
                .filter(|s| matches!(s.kind, Isbn | Asin))
                .collect();
            prop_assert_eq!(super::super::identifiers(&text), expected);
        }

        #[test]
        fn spans_are_sorted_char_boundaries(pieces in proptest::collection::vec(piece(), 0..40)) {
            let text = pieces.concat();
            let found = signals(&text);
            let mut last_end = [0usize; KIND_COUNT];
            for (index, signal) in found.iter().enumerate() {
                prop_assert!(signal.start < signal.end && signal.end <= text.len(), "{signal:?}");
                prop_assert!(text.is_char_boundary(signal.start));
                prop_assert!(text.is_char_boundary(signal.end));
                prop_assert!(signal.start >= last_end[signal.kind as usize], "overlap {signal:?}");
                last_end[signal.kind as usize] = signal.end;
                if let Some(previous) = index.checked_sub(1).map(|i| &found[i]) {
                    prop_assert!((previous.start, previous.kind) <= (signal.start, signal.kind));
                }
            }
        }
    }

    /// Throughput on about 9 MB of book text with a copyright page every 144 KB:
    /// `cargo test --release --lib cmi::signal_tests::throughput -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput() {
        let alice = include_str!("../../corpora/demo/works/nltk-carroll-alice.txt");
        let mut text = String::new();
        for _ in 0..64 {
            text.push_str(US_TRADE_PAPERBACK);
            text.push_str(alice);
        }
        let started = std::time::Instant::now();
        let mut n_signals = 0;
        for _ in 0..5 {
            n_signals += std::hint::black_box(signals(std::hint::black_box(&text))).len();
        }
        let seconds = started.elapsed().as_secs_f64();
        let megabytes = 5.0 * text.len() as f64 / 1e6;
        eprintln!(
            "{megabytes:.1} MB in {seconds:.3} s: {:.0} MB/s, {n_signals} signals",
            megabytes / seconds
        );
        // Many small documents, as in a JSONL corpus.
        let documents: Vec<&str> = text
            .as_bytes()
            .chunks(4096)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        let started = std::time::Instant::now();
        let n_signals: usize = documents
            .iter()
            .map(|document| signals(document).len())
            .sum();
        let seconds = started.elapsed().as_secs_f64();
        let megabytes = documents.iter().map(|d| d.len()).sum::<usize>() as f64 / 1e6;
        eprintln!(
            "4 KB documents: {megabytes:.1} MB in {seconds:.3} s: {:.0} MB/s, {n_signals} signals",
            megabytes / seconds
        );
    }
}
