//! Tests of reading files and their members: formats, addresses, digests, limits and faults.
//!
//! Every container is built in memory with the writer crates and written to a temporary
//! directory; the digests of members are checked against [`digest::bytes`] of their content.

use std::cell::Cell;
use std::io::{Cursor, Write};

use super::*;
use crate::digest;

const BIG: ReadConfig = ReadConfig {
    max_depth: 8,
    max_expanded: 1 << 34,
    max_ratio: 100_000,
};

// ---------------------------------------------------------------- helpers

/// Writes `data` to a temporary file called `name` and reads it with `config`.
fn read_with(name: &str, data: &[u8], config: &ReadConfig) -> Vec<Item> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, data).unwrap();
    let reported = Cell::new(0u64);
    let items = file(&path, name.as_bytes(), config, &|n| {
        reported.set(reported.get() + n)
    });
    check_invariants(name, data, &items);
    assert_eq!(
        reported.get(),
        data.len() as u64,
        "on_bytes total for {name}"
    );
    items
}

fn read(name: &str, data: &[u8]) -> Vec<Item> {
    read_with(name, data, &BIG)
}

/// What must hold for any input: the file's item comes first with the digests of all its
/// bytes, and every member address extends the address of the file.
#[track_caller]
fn check_invariants(name: &str, data: &[u8], items: &[Item]) {
    let top = &items[0];
    assert_eq!(top.address, name.as_bytes());
    assert_eq!(top.depth, 0);
    assert_eq!(top.bytes, data.len() as u64);
    assert_eq!(
        top.digests,
        Some(digest::bytes(data)),
        "file digest of {name}"
    );
    for item in &items[1..] {
        assert!(item.depth >= 1);
        assert!(item.address.starts_with(name.as_bytes()));
        assert!(item.digests.is_some() || item.error.is_some(), "{item:?}");
    }
}

fn addresses(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|item| String::from_utf8_lossy(&item.address).into_owned())
        .collect()
}

#[track_caller]
fn find<'a>(items: &'a [Item], address: &str) -> &'a Item {
    items
        .iter()
        .find(|item| item.address == address.as_bytes())
        .unwrap_or_else(|| panic!("no item `{address}` in {:?}", addresses(items)))
}

/// Asserts that the member at `address` was read completely and has `content`'s digests.
#[track_caller]
fn assert_member(items: &[Item], address: &str, content: &[u8]) {
    let item = find(items, address);
    assert_eq!(item.error, None, "{address}");
    assert_eq!(item.bytes, content.len() as u64, "{address}");
    assert_eq!(item.digests, Some(digest::bytes(content)), "{address}");
}

#[track_caller]
fn assert_error(item: &Item, needle: &str) {
    let error = item.error.as_deref().unwrap_or("");
    assert!(error.contains(needle), "expected `{needle}` in {item:?}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut encoder = xz2::write::XzEncoder::new(Vec::new(), 6);
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A tar archive built with `tar::Builder` (regular files only).
fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *content).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A ustar archive with names written byte for byte (the builder refuses `..`).
fn raw_tar(members: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, entry_type, content) in members {
        let mut header = tar::Header::new_ustar();
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::new(*entry_type));
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// A zip archive; `stored` members are not compressed.
fn zip(members: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
    let method = if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in members {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn epub() -> Vec<u8> {
    zip(
        &[
            ("mimetype", b"application/epub+zip"),
            (
                "META-INF/container.xml",
                b"<?xml version=\"1.0\"?><container/>",
            ),
            (
                "OEBPS/ch1.xhtml",
                b"<html><body>It was a dark night.</body></html>",
            ),
        ],
        true,
    )
}

fn lorem(n: usize) -> Vec<u8> {
    let words = b"lorem ipsum dolor sit amet consectetur adipiscing elit ";
    words.iter().copied().cycle().take(n).collect()
}

// ---------------------------------------------------------------- plain files

#[test]
fn plain_text_file_is_one_item() {
    let data = lorem(1_000_000);
    let items = read("book.txt", &data);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].format, Format::Text);
    assert_eq!(items[0].error, None);
}

#[test]
fn empty_file_is_one_item() {
    let items = read("empty.txt", b"");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].format, Format::Empty);
}

#[test]
fn missing_file_is_an_error_item() {
    let dir = tempfile::tempdir().unwrap();
    let items = file(&dir.path().join("nope"), b"nope", &BIG, &|_| {});
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].digests, None);
    assert_error(&items[0], "cannot open `");
}

// ---------------------------------------------------------------- compressed streams

#[test]
fn gzip_of_text_has_one_member_named_without_the_extension() {
    let text = lorem(100_000);
    let items = read("notes.txt.gz", &gzip(&text));
    assert_eq!(
        addresses(&items),
        ["notes.txt.gz", "notes.txt.gz!/notes.txt"]
    );
    assert_eq!(items[0].format, Format::Gzip);
    assert_eq!(items[1].format, Format::Text);
    assert_eq!(items[1].depth, 1);
    assert_member(&items, "notes.txt.gz!/notes.txt", &text);
}

#[test]
fn every_compression_format_yields_its_content() {
    let text = lorem(300_000);
    let cases: [(&str, Vec<u8>, Format, &str); 4] = [
        ("a.txt.gz", gzip(&text), Format::Gzip, "a.txt"),
        ("a.txt.zst", zstd(&text), Format::Zstd, "a.txt"),
        ("a.txt.bz2", bzip2(&text), Format::Bzip2, "a.txt"),
        ("a.txt.xz", xz(&text), Format::Xz, "a.txt"),
    ];
    for (name, data, format, inner) in cases {
        let items = read(name, &data);
        assert_eq!(items.len(), 2, "{name}");
        assert_eq!(items[0].format, format);
        assert_member(&items, &format!("{name}!/{inner}"), &text);
    }
}

#[test]
fn member_names_of_bare_streams() {
    let cases: [(&[u8], &[u8]); 6] = [
        (b"notes.txt.gz", b"notes.txt"),
        (b"x.tgz", b"x.tar"),
        (b"X.TXZ", b"X.tar"),
        (b"data.ZST", b"data"),
        (b"data.bin", b"data.bin"),
        (b".gz", b".gz"),
    ];
    for (name, inner) in cases {
        assert_eq!(compressed::inner_name(name), inner);
    }
}

#[test]
fn concatenated_gzip_members_are_one_stream() {
    let (first, second) = (lorem(5000), b"second part\n".repeat(100));
    let mut data = gzip(&first);
    data.extend(gzip(&second));
    let items = read("parts.txt.gz", &data);
    assert_eq!(items.len(), 2);
    assert_member(&items, "parts.txt.gz!/parts.txt", &[first, second].concat());
}

#[test]
fn multi_frame_zstd_and_multi_stream_bzip2_and_xz() {
    let (first, second) = (lorem(5000), b"second part\n".repeat(100));
    let whole = [first.clone(), second.clone()].concat();
    let skippable = [&[0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0][..], b"skip"].concat();
    let cases = [
        (
            "m.txt.zst",
            [skippable, zstd(&first), zstd(&second)].concat(),
        ),
        ("m.txt.bz2", [bzip2(&first), bzip2(&second)].concat()),
        ("m.txt.xz", [xz(&first), xz(&second)].concat()),
    ];
    for (name, data) in cases {
        let items = read(name, &data);
        assert_eq!(items.len(), 2, "{name}");
        assert_member(&items, &format!("{name}!/m.txt"), &whole);
    }
}

#[test]
fn truncated_compressed_streams_are_error_items() {
    let text = lorem(200_000);
    let cases = [
        ("t.txt.gz", gzip(&text), "gzip stream"),
        ("t.txt.zst", zstd(&text), "zstd stream"),
        ("t.txt.bz2", bzip2(&text), "bzip2 stream"),
        ("t.txt.xz", xz(&text), "xz stream"),
    ];
    for (name, data, label) in cases {
        for cut in [data.len() / 2, data.len() - 1] {
            let items = read(name, &data[..cut]);
            assert_eq!(items.len(), 2, "{name} cut at {cut}");
            assert_eq!(items[0].error, None, "the file itself was read completely");
            let member = &items[1];
            assert_eq!(member.digests, None, "{name} cut at {cut}");
            assert_error(member, label);
            assert_error(member, "truncated after");
        }
    }
}

#[test]
fn corrupt_gzip_is_an_error_item() {
    let mut data = gzip(&lorem(200_000));
    let middle = data.len() / 2;
    for byte in &mut data[middle..middle + 64] {
        *byte ^= 0x5a;
    }
    let items = read("c.txt.gz", &data);
    assert_eq!(items[1].digests, None);
    assert_error(&items[1], "gzip stream");
}

// ---------------------------------------------------------------- tar

#[test]
fn tar_with_three_members() {
    let members: [(&str, &[u8]); 3] = [
        ("a.txt", b"alpha\n"),
        ("dir/b.bin", &[0u8, 1, 2, 3, 255]),
        ("dir/sub/c.txt", &lorem(70_000)),
    ];
    let items = read("outer.tar", &tar(&members));
    assert_eq!(items[0].format, Format::Tar);
    assert_eq!(
        addresses(&items),
        [
            "outer.tar",
            "outer.tar!/a.txt",
            "outer.tar!/dir/b.bin",
            "outer.tar!/dir/sub/c.txt"
        ]
    );
    for (name, content) in members {
        assert_member(&items, &format!("outer.tar!/{name}"), content);
    }
    assert_eq!(items[2].format, Format::Binary);
}

#[test]
fn tar_gz_is_one_layer() {
    let members: [(&str, &[u8]); 2] = [("x/one.txt", b"one\n"), ("two.txt", &lorem(30_000))];
    let items = read("b.tar.gz", &gzip(&tar(&members)));
    assert_eq!(
        addresses(&items),
        ["b.tar.gz", "b.tar.gz!/x/one.txt", "b.tar.gz!/two.txt"]
    );
    assert!(items[1..].iter().all(|item| item.depth == 1));
    for (name, content) in members {
        assert_member(&items, &format!("b.tar.gz!/{name}"), content);
    }
}

#[test]
fn member_digests_do_not_depend_on_the_wrapping() {
    let content = lorem(123_457);
    let tarball = tar(&[("book.txt", &content), ("other", b"x")]);
    let wrapped = [
        ("w.tar", tarball.clone()),
        ("w.tar.gz", gzip(&tarball)),
        ("w.tar.zst", zstd(&tarball)),
        ("w.tar.bz2", bzip2(&tarball)),
        ("w.tar.xz", xz(&tarball)),
        ("w.zip", zip(&[("book.txt", &content)], false)),
    ];
    let mut digests = Vec::new();
    for (name, data) in wrapped {
        let items = read(name, &data);
        let member = find(&items, &format!("{name}!/book.txt"));
        digests.push(member.digests);
    }
    assert!(
        digests.iter().all(|d| *d == Some(digest::bytes(&content))),
        "{digests:?}"
    );
}

#[test]
fn tar_directories_and_links_get_no_items() {
    let data = raw_tar(&[
        (b"dir/", b'5', b""),
        (b"dir/link", b'2', b""),
        (b"dir/hard", b'1', b""),
        (b"dir/fifo", b'6', b""),
        (b"dir/file.txt", b'0', b"content\n"),
    ]);
    let items = read("l.tar", &data);
    assert_eq!(addresses(&items), ["l.tar", "l.tar!/dir/file.txt"]);
}

#[test]
fn odd_member_names_are_kept_as_bytes() {
    let data = raw_tar(&[
        (b"caf\xe9.txt", b'0', b"latin-1 name"),
        (b"../../etc/passwd", b'0', b"root:x:0:0"),
        (b"/abs/path.txt", b'0', b"absolute"),
    ]);
    let items = read("n.tar", &data);
    assert_eq!(items.len(), 4);
    assert_eq!(items[1].address, b"n.tar!/caf\xe9.txt");
    assert_member(&items, "n.tar!/../../etc/passwd", b"root:x:0:0");
    assert_member(&items, "n.tar!//abs/path.txt", b"absolute");

    let data = zip(&[("../up.txt", b"up"), ("/root.txt", b"root")], false);
    let items = read("n.zip", &data);
    assert_member(&items, "n.zip!/../up.txt", b"up");
    assert_member(&items, "n.zip!//root.txt", b"root");
}

#[test]
fn old_v7_tar_without_magic_is_sniffed_by_checksum() {
    let mut header = tar::Header::new_old();
    header.set_path("v7.txt").unwrap();
    header.set_size(3);
    header.set_mode(0o644);
    header.set_cksum();
    let mut data = header.as_bytes().to_vec();
    data.extend_from_slice(b"abc");
    data.resize(512 * 4, 0);
    let items = read("old.tar", &data);
    assert_eq!(items[0].format, Format::Tar);
    assert_member(&items, "old.tar!/v7.txt", b"abc");
}

/// Text that happens to hold `ustar` at offset 257 (found twice in a million generated text
/// files) is text, not a corrupt tar archive.
#[test]
fn text_with_ustar_at_the_magic_offset_is_not_a_tar() {
    let mut text = lorem(600);
    text[254..268].copy_from_slice(b"a mustard jar ");
    assert_eq!(&text[257..262], b"ustar");
    let items = read("notes.txt", &text);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].format, Format::Text);
    assert!(items[0].error.is_none(), "{:?}", items[0].error);
}

#[test]
fn truncated_tar_keeps_the_members_before_the_cut() {
    let big = lorem(100_000);
    let data = tar(&[
        ("first.txt", b"first"),
        ("big.txt", &big),
        ("last.txt", b"last"),
    ]);
    let cut = 512 * 3 + 50_000; // inside big.txt
    let items = read("t.tar", &data[..cut]);
    assert_eq!(
        addresses(&items),
        ["t.tar", "t.tar!/first.txt", "t.tar!/big.txt"]
    );
    assert_member(&items, "t.tar!/first.txt", b"first");
    assert_eq!(items[2].digests, None);
    assert_error(&items[2], "tar member truncated after");

    // The same archive gzipped and cut: the gzip stream reports the truncation.
    let compressed = gzip(&data);
    let items = read("t.tar.gz", &compressed[..compressed.len() * 3 / 4]);
    assert_member(&items, "t.tar.gz!/first.txt", b"first");
    assert!(
        items[1..].iter().chain([&items[0]]).any(|item| item
            .error
            .as_deref()
            .is_some_and(|e| e.contains("gzip stream truncated"))),
        "{items:?}"
    );
}

#[test]
fn corrupt_tar_header_is_an_error_on_the_archive() {
    let mut data = tar(&[("a.txt", b"alpha"), ("b.txt", b"beta")]);
    data[1024 + 10] ^= 0xff; // the second header's name, so its checksum fails
    let items = read("c.tar", &data);
    assert_eq!(addresses(&items), ["c.tar", "c.tar!/a.txt"]);
    assert_error(&items[0], "corrupt tar archive after 1 members");
    assert!(items[0].digests.is_some());
}

// ---------------------------------------------------------------- zip and epub

#[test]
fn zip_with_nested_tar_gz() {
    let inner = gzip(&tar(&[("c.txt", b"the content of c\n")]));
    let data = zip(
        &[
            ("b.tar.gz", &inner),
            ("dir/", b""),
            ("readme.md", b"# hi\n"),
        ],
        false,
    );
    let items = read("a.zip", &data);
    assert_eq!(items[0].format, Format::Zip);
    assert_eq!(
        addresses(&items),
        [
            "a.zip",
            "a.zip!/b.tar.gz",
            "a.zip!/b.tar.gz!/c.txt",
            "a.zip!/dir/",
            "a.zip!/readme.md"
        ]
        .into_iter()
        .filter(|a| !a.ends_with('/'))
        .collect::<Vec<_>>()
    );
    assert_member(&items, "a.zip!/b.tar.gz", &inner);
    assert_member(&items, "a.zip!/b.tar.gz!/c.txt", b"the content of c\n");
    assert_eq!(find(&items, "a.zip!/b.tar.gz!/c.txt").depth, 2);
}

#[test]
fn epub_is_sniffed_and_its_members_read() {
    let data = epub();
    assert_eq!(sniff(&data, b"book.epub"), Format::Epub);
    let items = read("book.epub", &data);
    assert_eq!(items[0].format, Format::Epub);
    assert_member(&items, "book.epub!/mimetype", b"application/epub+zip");
    let chapter = find(&items, "book.epub!/OEBPS/ch1.xhtml");
    assert_eq!(chapter.format, Format::Html);
    assert_eq!(chapter.depth, 1);

    // An EPUB inside a tar is a container too.
    let items = read("books.tar", &tar(&[("b/book.epub", &data)]));
    assert_eq!(find(&items, "books.tar!/b/book.epub").format, Format::Epub);
    assert_eq!(
        find(&items, "books.tar!/b/book.epub!/OEBPS/ch1.xhtml").depth,
        2
    );
}

#[test]
fn nested_zip_spilled_to_disk_reads_like_one_in_memory() {
    let inner = zip(&[("deep.txt", &lorem(50_000))], false);
    let data = tar(&[("in.zip", &inner)]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.tar");
    std::fs::write(&path, &data).unwrap();
    let in_memory = file_with_zip_memory_limit(&path, b"s.tar", &BIG, &|_| {}, ZIP_MEMORY_LIMIT);
    let spilled = file_with_zip_memory_limit(&path, b"s.tar", &BIG, &|_| {}, 1024);
    assert_eq!(in_memory, spilled);
    assert_member(&spilled, "s.tar!/in.zip!/deep.txt", &lorem(50_000));

    // Spilled bytes count toward the expanded limit.
    let config = ReadConfig {
        max_expanded: inner.len() as u64 - 1,
        ..BIG
    };
    let limited = file_with_zip_memory_limit(&path, b"s.tar", &config, &|_| {}, 100);
    assert_eq!(limited.len(), 2);
    assert_error(
        find(&limited, "s.tar!/in.zip"),
        "expanded size limit exceeded",
    );
}

#[test]
fn zip_crc_mismatch_is_an_error() {
    let content = b"stored content that will be altered";
    let mut data = zip(&[("a.txt", content), ("b.txt", b"fine")], true);
    let at = memchr::memmem::find(&data, content).unwrap();
    data[at] ^= 0x01;
    let items = read("crc.zip", &data);
    let member = find(&items, "crc.zip!/a.txt");
    assert_eq!(member.digests, None);
    assert_error(member, "zip member corrupt");
    assert_member(&items, "crc.zip!/b.txt", b"fine");
}

#[test]
fn corrupt_zip_is_an_error_on_the_archive() {
    let data = zip(&[("a.txt", b"alpha")], false);
    let items = read("cut.zip", &data[..data.len() - 30]);
    assert_eq!(items.len(), 1);
    assert_error(&items[0], "corrupt zip archive");

    let mut nested = tar(&[("x.zip", &data[..data.len() - 30])]);
    nested.truncate(nested.len());
    let items = read("nested.tar", &nested);
    let member = find(&items, "nested.tar!/x.zip");
    assert!(member.digests.is_some());
    assert_error(member, "corrupt zip archive");
}

#[test]
fn empty_zip_has_no_members() {
    let data = zip(&[], false);
    assert!(data.starts_with(b"PK\x05\x06"));
    let items = read("empty.zip", &data);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].format, Format::Zip);
    assert_eq!(items[0].error, None);
}

// ---------------------------------------------------------------- limits

#[test]
fn gzip_bomb_hits_the_ratio_limit() {
    // 64 gzip members of 1 MiB of zeros each: 64 MiB from about 65 KiB.
    let one = gzip(&vec![0u8; 1 << 20]);
    let data = one.repeat(64);
    let config = ReadConfig {
        max_ratio: 100,
        ..BIG
    };
    let items = read_with("bomb.gz", &data, &config);
    assert_eq!(items.len(), 2);
    assert_error(
        &items[1],
        "compression ratio limit exceeded: gzip stream produced",
    );
    assert_eq!(items[1].digests, None);
    assert_eq!(items[0].error, None);
}

#[test]
fn zstd_bomb_hits_the_ratio_limit() {
    let data = zstd(&vec![0u8; 200 << 20]);
    let config = ReadConfig {
        max_ratio: 1000,
        ..BIG
    };
    let items = read_with("bomb.zst", &data, &config);
    assert_error(&items[1], "compression ratio limit exceeded");
}

#[test]
fn ratio_limit_applies_to_zip_members() {
    let data = zip(&[("zeros", &vec![0u8; 8 << 20]), ("ok.txt", b"ok")], false);
    let config = ReadConfig {
        max_ratio: 50,
        ..BIG
    };
    let items = read_with("bomb.zip", &data, &config);
    assert_error(
        find(&items, "bomb.zip!/zeros"),
        "compression ratio limit exceeded: zip member",
    );
    assert_member(&items, "bomb.zip!/ok.txt", b"ok");
}

#[test]
fn expanded_limit_stops_reading_members() {
    let chunk = lorem(10_000);
    let data = gzip(&tar(&[
        ("1.txt", &chunk),
        ("2.txt", &chunk),
        ("3.txt", &chunk),
    ]));
    let config = ReadConfig {
        max_expanded: 15_000,
        ..BIG
    };
    let items = read_with("e.tar.gz", &data, &config);
    assert_member(&items, "e.tar.gz!/1.txt", &chunk);
    assert_eq!(
        addresses(&items),
        ["e.tar.gz", "e.tar.gz!/1.txt", "e.tar.gz!/2.txt"]
    );
    assert_eq!(items[2].digests, None);
    assert_eq!(
        items[2].error.as_deref(),
        Some("expanded size limit exceeded: more than 15000 bytes from this file")
    );
}

#[test]
fn expanded_limit_counts_zip_members_whatever_their_headers_say() {
    let data = zip(
        &[("a", &lorem(10_000)), ("b", &lorem(10_000)), ("c", b"c")],
        true,
    );
    let config = ReadConfig {
        max_expanded: 15_000,
        ..BIG
    };
    let items = read_with("e.zip", &data, &config);
    assert_eq!(addresses(&items), ["e.zip", "e.zip!/a", "e.zip!/b"]);
    assert_error(&items[2], "expanded size limit exceeded");
}

#[test]
fn depth_limit_stops_recursion() {
    let innermost = tar(&[("c.txt", b"deep")]);
    let middle = tar(&[("inner.tar", &innermost)]);
    let outer = tar(&[("mid.tar", &middle)]);
    let config = ReadConfig {
        max_depth: 2,
        ..BIG
    };
    let items = read_with("outer.tar", &outer, &config);
    assert_eq!(
        addresses(&items),
        [
            "outer.tar",
            "outer.tar!/mid.tar",
            "outer.tar!/mid.tar!/inner.tar"
        ]
    );
    let inner = &items[2];
    assert_eq!(inner.depth, 2);
    assert_eq!(
        inner.error.as_deref(),
        Some("nesting depth limit exceeded (max 2)")
    );
    assert_eq!(inner.digests, Some(digest::bytes(&innermost)));

    let items = read_with("outer.tar", &outer, &BIG);
    assert_member(&items, "outer.tar!/mid.tar!/inner.tar!/c.txt", b"deep");
    assert_eq!(items[3].depth, 3);

    let config = ReadConfig {
        max_depth: 0,
        ..BIG
    };
    let items = read_with("x.txt.gz", &gzip(b"text"), &config);
    assert_eq!(items.len(), 1);
    assert_error(&items[0], "nesting depth limit exceeded (max 0)");
}

// ---------------------------------------------------------------- robustness

/// Truncates and corrupts every kind of container at many places: no panic, the file's own
/// digests always complete, and every member either has digests or an error.
#[test]
fn damaged_containers_never_panic() {
    let text = lorem(20_000);
    let tarball = tar(&[
        ("a.txt", &text),
        ("b.bin", &[7u8; 3000]),
        ("c.epub", &epub()),
    ]);
    let containers = [
        ("d.tar", tarball.clone()),
        ("d.tar.gz", gzip(&tarball)),
        ("d.tar.zst", zstd(&tarball)),
        ("d.tar.bz2", bzip2(&tarball)),
        ("d.tar.xz", xz(&tarball)),
        (
            "d.zip",
            zip(&[("t.tar", &tarball), ("a.txt", &text)], false),
        ),
        ("d.epub", epub()),
        ("d.txt.gz", gzip(&text)),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in containers {
        let step = (data.len() / 37).max(1);
        for at in (0..data.len()).step_by(step) {
            let mut corrupt = data.clone();
            corrupt[at] ^= 0xa5;
            for damaged in [&data[..at], &corrupt[..]] {
                let path = dir.path().join(name);
                std::fs::write(&path, damaged).unwrap();
                let items = file(&path, name.as_bytes(), &BIG, &|_| {});
                check_invariants(name, damaged, &items);
            }
        }
    }
}

// ---------------------------------------------------------------- sniffing

#[test]
fn sniff_table() {
    let tar_head = tar(&[("a.txt", b"a")]);
    let zstd_head = zstd(b"x");
    let bzip2_head = bzip2(b"x");
    let xz_head = xz(b"x");
    let gzip_head = gzip(b"x");
    let zip_head = zip(&[("a.txt", b"a")], false);
    let epub_head = epub();
    let cases: [(&[u8], &str, Format); 26] = [
        (b"", "e", Format::Empty),
        (&gzip_head, "a", Format::Gzip),
        (&zstd_head, "a", Format::Zstd),
        (&[0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0], "a", Format::Zstd),
        (&bzip2_head, "a", Format::Bzip2),
        (
            b"BZh9 is not bzip2 without the block magic",
            "a",
            Format::Text,
        ),
        (&xz_head, "a", Format::Xz),
        (&zip_head, "a", Format::Zip),
        (
            b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            "a",
            Format::Zip,
        ),
        (&epub_head, "a", Format::Epub),
        (&tar_head, "a", Format::Tar),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a.pdf", Format::Pdf),
        (b"PAR1\x15\x04", "a", Format::Parquet),
        (b"\xef\xbb\xbf  \n<!DOCTYPE HTML><html>", "a", Format::Html),
        (b"<html lang=en>", "a", Format::Html),
        (
            b"<?xml version='1.0'?>\n<html xmlns='x'>",
            "a.xhtml",
            Format::Html,
        ),
        (
            b"{\"text\": \"a\"}\n{\"text\": \"b\"}\n",
            "d.jsonl",
            Format::Jsonl,
        ),
        (b"  {\"text\": 1}\n", "D.NDJSON", Format::Jsonl),
        (b"{\"text\": \"a\"}\n", "d.json", Format::Text),
        (b"[1, 2]\n", "d.jsonl", Format::Text),
        (b"plain words\n", "a", Format::Text),
        (
            "caf\u{e9} \u{2014} na\u{ef}ve".as_bytes(),
            "a",
            Format::Text,
        ),
        (b"\xff\xfeh\0i\0", "a", Format::Text),
        (
            b"Latin-1 caf\xe9 cr\xe8me br\xfbl\xe9e is mostly printable",
            "a",
            Format::Text,
        ),
        (&[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 0xff], "a", Format::Binary),
        (&[0u8; 100], "zeros", Format::Binary),
    ];
    for (head, name, expected) in cases {
        assert_eq!(sniff(head, name.as_bytes()), expected, "{name}: {head:?}");
    }
}

#[test]
fn sniff_accepts_a_multibyte_character_cut_at_the_end() {
    // One ASCII byte then two-byte characters: byte SNIFF_LEN falls inside a character.
    let head = format!("a{}", "\u{e9}".repeat(SNIFF_LEN / 2)).into_bytes();
    assert_eq!(sniff(&head, b"a"), Format::Text);
}

#[test]
fn format_names() {
    let names: Vec<&str> = [Format::Gzip, Format::Epub, Format::Jsonl, Format::Binary]
        .into_iter()
        .map(Format::as_str)
        .collect();
    assert_eq!(names, ["gzip", "epub", "jsonl", "binary"]);
    assert!(Format::Epub.is_container());
    assert!(!Format::Pdf.is_container());
}

#[test]
fn zip_members_with_lying_sizes_are_not_silently_cut() {
    let content = lorem(100_000);
    let data = zip(&[("a.txt", &content)], false);
    // Patch the declared uncompressed size in the local header (offset 22) and in the
    // central directory entry (offset 24 after its signature).
    for declared in [10u32, 1_000_000] {
        let mut patched = data.clone();
        patched[22..26].copy_from_slice(&declared.to_le_bytes());
        let central = memchr::memmem::find(&patched, b"PK\x01\x02").unwrap();
        patched[central + 24..central + 28].copy_from_slice(&declared.to_le_bytes());
        let items = read("lie.zip", &patched);
        let member = find(&items, "lie.zip!/a.txt");
        if declared < 100_000 {
            assert_eq!(member.digests, None);
            assert_error(member, "zip member corrupt after 0 bytes");
        } else {
            // Too large a declared size does no harm: the content and its CRC are intact.
            assert_member(&items, "lie.zip!/a.txt", &content);
        }
    }
}
