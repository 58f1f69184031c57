//! Tests of document extraction: every format on small fixtures built here, errors per
//! record, limits, and the demo corpus.

use std::io::{Read, Write};
use std::sync::Arc;

use super::*;

const LIMITS: ReadConfig = ReadConfig {
    max_depth: 8,
    max_expanded: 1 << 34,
    max_ratio: 100_000,
};

// ---------------------------------------------------------------- helpers

fn config() -> DocConfig {
    DocConfig::new(LIMITS)
}

/// Writes `data` to a temporary file called `name` and returns what [`documents`] gives.
fn read_with(name: &str, data: &[u8], config: &DocConfig) -> Vec<Result<Document, DocError>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name.replace('/', "_"));
    std::fs::write(&path, data).unwrap();
    let mut results = Vec::new();
    documents(&path, name.as_bytes(), config, &mut |result| {
        results.push(result)
    });
    results
}

fn read(name: &str, data: &[u8]) -> Vec<Result<Document, DocError>> {
    read_with(name, data, &config())
}

/// Each result as `address#record: text` or `address#record: error: message`.
fn lines(results: &[Result<Document, DocError>]) -> Vec<String> {
    results
        .iter()
        .map(|result| match result {
            Ok(document) => format!("{}: {}", document.display_address(), document.text),
            Err(error) => format!("{}: error: {}", error.display_address(), error.message),
        })
        .collect()
}

fn only_documents(results: Vec<Result<Document, DocError>>) -> Vec<Document> {
    results
        .into_iter()
        .map(|result| result.unwrap_or_else(|err| panic!("unexpected error {err}")))
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

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

/// A zip; members whose name is `mimetype` are stored, the others deflated.
fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in members {
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        writer.start_file(*name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A Parquet file with the given schema; `write` fills each row group's columns in order.
fn parquet_file(schema: &str, row_groups: &[Vec<ParquetColumn>]) -> Vec<u8> {
    use ::parquet::data_type::{ByteArrayType, Int64Type};
    use ::parquet::file::properties::WriterProperties;
    use ::parquet::file::writer::SerializedFileWriter;
    let schema = Arc::new(::parquet::schema::parser::parse_message_type(schema).unwrap());
    let properties = Arc::new(WriterProperties::builder().build());
    let mut buffer = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut buffer, schema, properties).unwrap();
    for columns in row_groups {
        let mut group = writer.next_row_group().unwrap();
        for column in columns {
            let mut column_writer = group.next_column().unwrap().unwrap();
            match column {
                ParquetColumn::Strings(values, def_levels) => {
                    let values: Vec<::parquet::data_type::ByteArray> =
                        values.iter().map(|value| value.as_bytes().into()).collect();
                    column_writer
                        .typed::<ByteArrayType>()
                        .write_batch(&values, def_levels.as_deref(), None)
                        .unwrap();
                }
                ParquetColumn::Ints(values) => {
                    column_writer
                        .typed::<Int64Type>()
                        .write_batch(values, None, None)
                        .unwrap();
                }
            }
            column_writer.close().unwrap();
        }
        group.close().unwrap();
    }
    writer.close().unwrap();
    buffer
}

enum ParquetColumn {
    /// Non-null values, and the definition levels of an optional column.
    Strings(Vec<&'static str>, Option<Vec<i16>>),
    Ints(Vec<i64>),
}

const CONTAINER_XML: &str = r#"<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"#;

/// An EPUB whose manifest lists c1, c2, c3 but whose spine reads c3, c1, c2.
fn epub() -> Vec<u8> {
    let opf = r#"<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title></metadata>
  <manifest>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="c1" href="text/c1.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/c2.xhtml" media-type="application/xhtml+xml"/>
    <item id="c3" href="text/c3.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="c3"/><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>"#;
    let chapter = |n: u32| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\
             <head><title>Book</title></head><body><h1>Chapter {n}</h1><p>Text&#160;of chapter {n}.</p></body></html>"
        )
    };
    let (c1, c2, c3) = (chapter(1), chapter(2), chapter(3));
    zip(&[
        ("mimetype", b"application/epub+zip"),
        ("META-INF/container.xml", CONTAINER_XML.as_bytes()),
        ("OEBPS/content.opf", opf.as_bytes()),
        ("OEBPS/style.css", b"p { margin: 0 }"),
        ("OEBPS/text/c1.xhtml", c1.as_bytes()),
        ("OEBPS/text/c2.xhtml", c2.as_bytes()),
        ("OEBPS/text/c3.xhtml", c3.as_bytes()),
    ])
}

/// JSONL with the text in `meta.body`: a good line, a malformed one, invalid UTF-8, a missing
/// field, a line of `long_len` bytes, a blank line and a good last line.
fn jsonl_fixture(long_len: usize) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(b"{\"id\":1,\"meta\":{\"body\":\"first line\"}}\n");
    data.extend_from_slice(b"{\"id\":2,\"meta\":{\"body\":\"broken\"\n");
    data.extend_from_slice(b"{\"id\":3,\"meta\":{\"body\":\"caf\xe9\"}}\n");
    data.extend_from_slice(b"{\"id\":4,\"text\":\"not the field\"}\n");
    data.extend_from_slice(b"{\"id\":5,\"meta\":{\"body\":\"");
    data.resize(data.len() + long_len, b'x');
    data.extend_from_slice(b"\"}}\n\n");
    data.extend_from_slice(b"{\"id\":7,\"meta\":{\"body\":\"last line\"}}\n");
    data
}

fn jsonl_config() -> DocConfig {
    DocConfig {
        text_fields: vec!["meta.body".to_string()],
        max_record_bytes: 1024 * 1024,
        read: LIMITS,
    }
}

// ---------------------------------------------------------------- JSON Lines

#[test]
fn jsonl_records_and_errors_plain_zst_gz() {
    let data = jsonl_fixture(5 * 1024 * 1024);
    for (name, bytes) in [
        ("shards/a.jsonl", data.clone()),
        ("shards/a.jsonl.zst", zstd(&data)),
        ("shards/a.jsonl.gz", gzip(&data)),
    ] {
        let results = read_with(name, &bytes, &jsonl_config());
        assert_eq!(
            lines(&results),
            [
                format!("{name}#1: first line"),
                format!(
                    "{name}#2: error: invalid json: EOF while parsing an object at line 1 column 31"
                ),
                format!("{name}#3: error: invalid utf-8 at byte 27"),
                format!("{name}#4: error: no text field: `meta.body` is missing or not a string"),
                format!("{name}#5: error: record longer than 1048576 bytes"),
                format!("{name}#7: last line"),
            ],
            "{name}"
        );
        let first = results[0].as_ref().unwrap();
        assert_eq!(first.format, Format::Jsonl);
        assert_eq!(first.encoding, "utf-8");
        assert_eq!(first.address, name.as_bytes());
    }
}

#[test]
fn jsonl_several_fields_are_joined() {
    let config = DocConfig {
        text_fields: vec!["title".to_string(), "text".to_string()],
        ..config()
    };
    let data = b"{\"title\":\"T\",\"text\":\"body\"}\n{\"text\":\"only body\"}";
    assert_eq!(
        lines(&read_with("a.ndjson", data, &config)),
        ["a.ndjson#1: T\n\nbody", "a.ndjson#2: only body"]
    );
}

/// A reader that produces one line of `remaining` bytes, then `tail`, without holding either.
struct LongLine {
    remaining: usize,
    tail: &'static [u8],
}

impl Read for LongLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining > 0 {
            let n = buf.len().min(self.remaining);
            buf[..n].fill(b'x');
            self.remaining -= n;
            return Ok(n);
        }
        let n = buf.len().min(self.tail.len());
        buf[..n].copy_from_slice(&self.tail[..n]);
        self.tail = &self.tail[n..];
        Ok(n)
    }
}

#[test]
fn jsonl_long_line_is_skipped_without_buffering() {
    let config = jsonl_config();
    let budget = Budget::new(&config.read, ZIP_MEMORY_LIMIT);
    let mut results = Vec::new();
    let mut sink = |result| results.push(result);
    let mut out = Output::for_tests(&config, &mut sink);
    let mut reader = LongLine {
        remaining: 64 * 1024 * 1024,
        tail: b"\n{\"meta\":{\"body\":\"after\"}}\n",
    };
    jsonl::records(&budget, &mut out, &mut reader, b"big.jsonl");
    assert_eq!(
        lines(&results),
        [
            "big.jsonl#1: error: record longer than 1048576 bytes",
            "big.jsonl#2: after"
        ]
    );
}

#[test]
fn json_extension_is_jsonl_only_when_the_first_line_is_an_object() {
    assert_eq!(
        lines(&read("a.json", b"{\"text\":\"one\"}\n{\"text\":\"two\"}\n")),
        ["a.json#1: one", "a.json#2: two"]
    );
    let pretty = b"{\n  \"text\": \"one\"\n}\n";
    let documents = only_documents(read("b.json", pretty));
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].format, Format::Text);
}

#[test]
fn truncated_jsonl_gz_keeps_the_records_before_the_fault() {
    let mut data = Vec::new();
    for i in 0..3000u64 {
        let noise = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        data.extend_from_slice(format!("{{\"text\":\"line {i} {noise:x}\"}}\n").as_bytes());
    }
    let compressed = gzip(&data);
    let truncated = &compressed[..compressed.len() / 2];
    let results = read("cut.jsonl.gz", truncated);
    let (last, records) = results.split_last().unwrap();
    assert!(records.len() > 100, "{} records", records.len());
    for (i, record) in records.iter().enumerate() {
        let document = record.as_ref().unwrap();
        assert_eq!(document.record, Some((i + 1).to_string()));
        assert!(document.text.starts_with(&format!("line {i} ")));
    }
    let error = last.as_ref().unwrap_err();
    assert_eq!(error.record, Some((records.len() + 1).to_string()));
    assert!(error.message.contains("gzip stream truncated"), "{error}");
}

// ---------------------------------------------------------------- Parquet

#[test]
fn parquet_rows_of_the_text_column() {
    let schema = "message m { REQUIRED INT64 id; OPTIONAL BYTE_ARRAY text (UTF8); }";
    let data = parquet_file(
        schema,
        &[
            vec![
                ParquetColumn::Ints(vec![1, 2, 3]),
                ParquetColumn::Strings(vec!["alpha", "beta", "gamma"], Some(vec![1, 1, 1])),
            ],
            vec![
                ParquetColumn::Ints(vec![4, 5]),
                ParquetColumn::Strings(vec!["delta"], Some(vec![0, 1])),
            ],
        ],
    );
    let results = read("x.parquet", &data);
    assert_eq!(
        lines(&results),
        [
            "x.parquet#row=0: alpha",
            "x.parquet#row=1: beta",
            "x.parquet#row=2: gamma",
            "x.parquet#row=3: error: no text: the text columns are null",
            "x.parquet#row=4: delta",
        ]
    );
    assert_eq!(results[0].as_ref().unwrap().format, Format::Parquet);
    // Inside an archive, through the in-memory copy.
    let archive = tar(&[("data/x.parquet", &data)]);
    let results = read("a.tar", &archive);
    assert_eq!(lines(&results)[1], "a.tar!/data/x.parquet#row=1: beta");
}

#[test]
fn parquet_without_a_string_column_is_one_error() {
    let data = parquet_file(
        "message m { REQUIRED INT64 text; REQUIRED BYTE_ARRAY raw; }",
        &[vec![
            ParquetColumn::Ints(vec![1]),
            ParquetColumn::Strings(vec!["bytes"], None),
        ]],
    );
    assert_eq!(
        lines(&read("y.parquet", &data)),
        [
            "y.parquet: error: no string column `text` in parquet file; its columns: `text` (INT64), `raw` (BYTE_ARRAY)"
        ]
    );
}

#[test]
fn corrupt_parquet_is_an_error() {
    let results = read("z.parquet", b"PAR1 this is not parquet PAR1");
    assert_eq!(results.len(), 1);
    assert!(
        results[0]
            .as_ref()
            .unwrap_err()
            .message
            .starts_with("corrupt parquet file")
    );
}

// ---------------------------------------------------------------- EPUB and HTML

#[test]
fn epub_chapters_in_spine_order() {
    let results = read("books/a.epub", &epub());
    assert_eq!(
        lines(&results),
        [
            "books/a.epub#OEBPS/text/c3.xhtml: Chapter 3\nText of chapter 3.",
            "books/a.epub#OEBPS/text/c1.xhtml: Chapter 1\nText of chapter 1.",
            "books/a.epub#OEBPS/text/c2.xhtml: Chapter 2\nText of chapter 2.",
        ]
    );
    assert_eq!(results[0].as_ref().unwrap().format, Format::Epub);
    // Inside a tar.gz.
    let archive = gzip(&tar(&[("b/a.epub", &epub())]));
    let results = read("x.tar.gz", &archive);
    assert_eq!(
        results[0].as_ref().unwrap().display_address(),
        "x.tar.gz!/b/a.epub#OEBPS/text/c3.xhtml"
    );
}

#[test]
fn damaged_epubs_are_errors_not_panics() {
    let good = epub();
    let truncated = &good[..good.len() / 2];
    let results = read("t.epub", truncated);
    assert!(!results.is_empty());
    assert!(results.iter().all(Result::is_err), "{:?}", lines(&results));

    // No container: an error, then the html members in archive order.
    let no_container = zip(&[
        ("mimetype", b"application/epub+zip"),
        ("b.xhtml", b"<html><body><p>B</p></body></html>"),
        ("a.html", b"<p>A</p>"),
    ]);
    assert_eq!(
        lines(&read("n.epub", &no_container)),
        [
            "n.epub: error: cannot read epub package: no `META-INF/container.xml` in the archive; reading its html members in archive order",
            "n.epub#b.xhtml: B",
            "n.epub#a.html: A",
        ]
    );
}

#[test]
fn html_markup_is_removed() {
    let page = b"<!DOCTYPE html><html><head><title>Title</title><style>body{}</style>\
        <script>var a = '<p>no</p>';</script></head><body><h1>Heading</h1>\
        <p>Tom &amp; Jerry&#8217;s <b>caf&eacute;</b> &#x2019;s</p><!-- comment --><ul><li>one</li><li>two</li></ul></body></html>";
    let results = read("page.html", page);
    assert_eq!(
        lines(&results),
        ["page.html: Heading\nTom & Jerry’s café ’s\none\ntwo"]
    );
    assert_eq!(results[0].as_ref().unwrap().format, Format::Html);
}

// ---------------------------------------------------------------- text

#[test]
fn text_encodings() {
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "héllo\nwörld".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let documents = only_documents(read("u.txt", &utf16));
    assert_eq!(documents[0].text, "héllo\nwörld");
    assert_eq!(documents[0].encoding, "utf-16le");

    let documents = only_documents(read("l.txt", b"caf\xe9"));
    assert_eq!(documents[0].text, "café");
    assert_eq!(documents[0].encoding, "windows-1252");
    assert_eq!(documents[0].format, Format::Text);
    assert_eq!(documents[0].record, None);

    let documents = only_documents(read("b.txt", "\u{feff}bom".as_bytes()));
    assert_eq!(
        (documents[0].text.as_str(), documents[0].encoding),
        ("bom", "utf-8")
    );
}

#[test]
fn long_text_is_split_into_parts_at_line_boundaries() {
    let text = "one two\nthree four five\nsix\nseven eight nine ten eleven\n";
    let config = DocConfig {
        max_record_bytes: 16,
        ..config()
    };
    let documents = only_documents(read_with("long.txt", text.as_bytes(), &config));
    let records: Vec<_> = documents
        .iter()
        .map(|d| d.record.clone().unwrap())
        .collect();
    let texts: Vec<_> = documents.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(records, ["part=1", "part=2", "part=3", "part=4", "part=5"]);
    assert_eq!(
        texts,
        [
            "one two\n",
            "three four five\n",
            "six\n",
            "seven eight nine",
            " ten eleven\n"
        ]
    );
    assert_eq!(texts.concat(), text);
}

#[test]
fn text_in_a_tar_inside_a_tar_gz() {
    let inner = tar(&[("dir/a.txt", b"inner text")]);
    let outer = gzip(&tar(&[("inner.tar", &inner), ("b.txt", b"outer text")]));
    assert_eq!(
        lines(&read("outer.tar.gz", &outer)),
        [
            "outer.tar.gz!/inner.tar!/dir/a.txt: inner text",
            "outer.tar.gz!/b.txt: outer text"
        ]
    );
}

#[test]
fn compressed_streams_keep_their_own_address() {
    assert_eq!(
        lines(&read("notes.txt.gz", &gzip(b"some notes"))),
        ["notes.txt.gz: some notes"]
    );
    let archive = zip(&[
        ("a.txt", b"in a zip"),
        ("d/b.jsonl", b"{\"text\":\"json\"}\n"),
    ]);
    assert_eq!(
        lines(&read("x.zip.gz", &gzip(&archive))),
        [
            "x.zip.gz!/x.zip!/a.txt: in a zip",
            "x.zip.gz!/x.zip!/d/b.jsonl#1: json"
        ]
    );
}

#[test]
fn pdf_binary_and_empty_give_nothing() {
    assert!(read("a.pdf", b"%PDF-1.7\n...").is_empty());
    assert!(read("a.bin", &[0u8, 1, 2, 3, 0, 0, 0xff]).is_empty());
    assert!(read("empty.txt", b"").is_empty());
}

#[test]
fn limits_are_errors() {
    let config = DocConfig {
        read: ReadConfig {
            max_ratio: 10,
            ..LIMITS
        },
        ..config()
    };
    let bomb = gzip(&vec![b'a'; 4 * 1024 * 1024]);
    let results = read_with("bomb.txt.gz", &bomb, &config);
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert!(
        error
            .message
            .starts_with("compression ratio limit exceeded"),
        "{error}"
    );

    let shallow = DocConfig {
        read: ReadConfig {
            max_depth: 1,
            ..LIMITS
        },
        ..config
    };
    let nested = tar(&[
        ("inner.tar", &tar(&[("a.txt", b"deep")])),
        ("b.txt", b"shallow"),
    ]);
    assert_eq!(
        lines(&read_with("n.tar", &nested, &shallow)),
        [
            "n.tar!/inner.tar: error: nesting depth limit exceeded (max 1)",
            "n.tar!/b.txt: shallow"
        ]
    );
}

#[test]
fn missing_file_is_an_error() {
    let mut results = Vec::new();
    documents(
        Path::new("/nonexistent/provaudit/file.txt"),
        b"file.txt",
        &config(),
        &mut |result| results.push(result),
    );
    assert_eq!(results.len(), 1);
    assert!(
        results[0]
            .as_ref()
            .unwrap_err()
            .message
            .starts_with("cannot open")
    );
}

// ---------------------------------------------------------------- demo corpus

#[test]
fn demo_corpus_reads_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo/corpus");
    let mut all = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(&root).unwrap();
        let address = relative.to_string_lossy().into_owned();
        documents(entry.path(), address.as_bytes(), &config(), &mut |result| {
            all.push(result)
        });
    }
    let epub_records = |address: &str| -> Vec<String> {
        all.iter()
            .filter_map(|result| result.as_ref().ok())
            .filter(|document| document.address == address.as_bytes())
            .map(|document| {
                assert_eq!(document.format, Format::Epub);
                assert!(!document.text.is_empty());
                document.record.clone().unwrap()
            })
            .collect()
    };
    let chapters = |n: usize| -> Vec<String> {
        (1..=n)
            .map(|i| format!("OEBPS/chapter{i:02}.xhtml"))
            .collect()
    };
    assert_eq!(
        epub_records("books/Lewis Carroll - Alice in Wonderland.epub"),
        chapters(4)
    );
    assert_eq!(epub_records("books/blake-songs.epub"), chapters(1));
    assert_eq!(epub_records("books/busterbrown.epub"), chapters(3));
    assert_eq!(epub_records("books/caesar.epub"), chapters(3));
    assert_eq!(
        epub_records("archives/books.tar!/epub/alice.epub"),
        chapters(4)
    );
    let alice = all
        .iter()
        .filter_map(|result| result.as_ref().ok())
        .find(|document| document.address == b"books/Lewis Carroll - Alice in Wonderland.epub")
        .unwrap();
    assert!(
        alice.text.contains("Alice"),
        "{}",
        &alice.text[..200.min(alice.text.len())]
    );
    // The damaged files are errors, and the JSONL sample gives records.
    let errors: Vec<String> = all
        .iter()
        .filter_map(|result| result.as_ref().err())
        .map(|error| error.display_address())
        .collect();
    assert!(
        errors
            .iter()
            .any(|address| address.starts_with("damaged/truncated.txt.gz")),
        "{errors:?}"
    );
    assert!(all.iter().filter_map(|r| r.as_ref().ok()).any(|document| {
        document.address == b"clean/wikipedia-en-sample.jsonl"
            && document.record.as_deref() == Some("1")
    }));
}

// ---------------------------------------------------------------- damaged input

/// Truncates and corrupts every fixture at many places: whatever comes out, nothing panics.
#[test]
fn damaged_fixtures_never_panic() {
    let parquet = parquet_file(
        "message m { REQUIRED BYTE_ARRAY text (UTF8); }",
        &[vec![ParquetColumn::Strings(vec!["a", "b", "c"], None)]],
    );
    let html = b"<html><head><title>t</title></head><body><p>a &amp; b</p></body></html>";
    let fixtures: Vec<(&str, Vec<u8>)> = vec![
        ("a.epub", epub()),
        ("a.parquet", parquet.clone()),
        ("a.jsonl.gz", gzip(&jsonl_fixture(100))),
        ("a.jsonl.zst", zstd(&jsonl_fixture(100))),
        (
            "a.tar.gz",
            gzip(&tar(&[("x.epub", &epub()), ("y.parquet", &parquet)])),
        ),
        ("a.zip", zip(&[("p.html", html), ("q.txt", b"text")])),
        ("a.html", html.to_vec()),
    ];
    for (name, data) in &fixtures {
        let step = (data.len() / 97).max(1);
        for at in (0..data.len()).step_by(step) {
            read(name, &data[..at]);
            let mut flipped = data.clone();
            flipped[at] ^= 0x5a;
            read(name, &flipped);
        }
    }
}
