#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/ (not committed).

Seeds come from corpora/demo (corpus files and registry sources, cut to 64 KiB) plus small
generated files: bombs, nested containers, odd JSONL, CMI lines. Targets whose first input
byte picks a file name (read_file, documents, tabular) get that byte prepended, chosen to
match the seed's format; the names are provaudit::fuzzing::FILE_NAMES, in order.
Usage: scripts/fuzz-seeds.py  (run from anywhere; scripts/fuzz-all.sh calls it)
"""
import gzip, io, os, pathlib, tarfile, zipfile, bz2, lzma

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
MAX = 64 * 1024
NAMES = ["data.bin", "book.txt", "shard.jsonl", "page.html", "book.epub", "pack.zip",
         "pack.tar", "notes.txt.gz", "pack.tgz", "shard.jsonl.zst", "notes.txt.bz2",
         "notes.txt.xz", "table.parquet", "chapter.xhtml"]


def selector(name):
    """The FILE_NAMES index whose extension matches `name`."""
    lower = name.lower()
    for ext, index in [(".epub", 4), (".zip", 5), (".tar.gz", 8), (".tgz", 8), (".tar", 6),
                       (".jsonl.zst", 9), (".gz", 7), (".bz2", 10), (".xz", 11), (".jsonl", 2),
                       (".html", 3), (".xhtml", 13), (".parquet", 12), (".txt", 1)]:
        if lower.endswith(ext):
            return index
    return 0


def put(target, name, data, prefix=None):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    if prefix is not None:
        data = bytes([prefix]) + data
    (folder / name.replace("/", "_")).write_bytes(data[:MAX])


def tar_bytes(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zip_bytes(members, stored_first=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(zipfile.ZipInfo(stored_first[0]), stored_first[1], zipfile.ZIP_STORED)
        for name, data in members:
            z.writestr(name, data)
    return out.getvalue()


def main():
    demo = ROOT / "corpora" / "demo"
    for path in sorted((demo / "corpus").rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            rel = str(path.relative_to(demo / "corpus"))
            for target in ("read_file", "documents"):
                put(target, rel, data, selector(path.name))
            if path.name.endswith(".epub"):
                put("epub", rel, data)
            if path.name.endswith(".jsonl"):
                put("jsonl_documents", rel, data)
    for path in sorted((demo / "registry").iterdir()):
        data = path.read_bytes()
        if path.name.endswith(".sql"):
            put("libgen_sql", path.name, data)
        elif "aacid" in path.name:
            put("aac", path.name, data)
            put("tabular", path.name, data, 2)
        elif path.name.endswith(".csv"):
            put("tabular", path.name, data, 0)
            put("tabular", path.name + ".tsv", data.replace(b",", b"\t"), 1)
    for path in sorted((demo / "works").iterdir()):
        if path.suffix == ".txt":
            text = path.read_bytes()[:4096]
            put("cmi", path.name, text)
            put("text", path.name, text)
    # Small generated containers: bombs, nesting, odd names, EPUB and HTML shapes.
    zeros = bytes(2 * 1024 * 1024)
    gen = {
        "bomb.txt.gz": (7, gzip.compress(zeros)),
        "bomb.txt.bz2": (10, bz2.compress(zeros)),
        "bomb.txt.xz": (11, lzma.compress(zeros)),
        "nested.tgz": (8, gzip.compress(tar_bytes([("a.tar.gz", gzip.compress(tar_bytes([("b.txt", b"deep")])))]))),
        "odd-names.tar": (6, tar_bytes([("../up.txt", b"x"), ("/abs.txt", b"y"), ("ok.txt", b"z")])),
        "nested.zip": (5, zip_bytes([("inner.zip", zip_bytes([("c.txt", b"inner text")])), ("d.jsonl", b'{"text":"x"}\n')])),
        "mini.epub": (4, zip_bytes([
            ("META-INF/container.xml", b'<?xml version="1.0"?><container><rootfiles><rootfile full-path="OEBPS/c.opf"/></rootfiles></container>'),
            ("OEBPS/c.opf", b'<package><manifest><item id="a" href="a.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="a"/></spine></package>'),
            ("OEBPS/a.xhtml", b"<html><body><p>Chapter one &amp; more &#x263A;</p></body></html>")],
            stored_first=("mimetype", b"application/epub+zip"))),
        "page.html": (3, b"<!DOCTYPE html><html><head><style>p{}</style><script>var a='<p>';</script></head><body><p>Text &nbsp;&eacute;&#233; <b>bold</b><!-- c --></p></body></html>"),
        "shard.jsonl": (2, b'{"text":"a"}\n{"text":"\\ud800"}\n{"meta":{"body":"b"}}\nnot json\n{"text":[1,2]}\n'),
        "utf16.txt": (1, "\ufeffUTF-16 text".encode("utf-16-le")),
    }
    for name, (sel, data) in gen.items():
        for target in ("read_file", "documents"):
            put(target, "gen-" + name, data, sel)
        if name.endswith(".epub"):
            put("epub", "gen-" + name, data)
        if name.endswith(".html"):
            put("html", "gen-" + name, data)
        if name.endswith(".jsonl"):
            put("jsonl_documents", "gen-" + name, data)
    put("html", "demo-xhtml", b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body><h1>T</h1><p>x&lt;y</p></body></html>")
    put("libgen_sql", "gen-mini.sql",
        b"CREATE TABLE `updated` (`ID` int, `Title` varchar(2000), `MD5` char(32), `Filesize` bigint, `Identifier` varchar(300));\n"
        b"INSERT INTO `updated` VALUES (1,'A \\'quoted\\' title','0123456789abcdef0123456789abcdef',10,'9780306406157'),(2,'B',NULL,-1,'x');\n")
    put("aac", "gen-mini.jsonl",
        b'{"aacid":"aacid__zlib3_records__20230808T014342Z__1__x","metadata":{"zlibrary_id":1,"md5_reported":"0123456789abcdef0123456789abcdef","title":"T","isbns":["9780306406157"]}}\n')
    put("tabular", "gen-mini.jsonl", b'{"id":"1","md5":"0123456789abcdef0123456789abcdef","isbn":"0-306-40615-2","title":"t"}\n', 2)
    put("cmi", "gen-cmi.txt", "Copyright \u00a9 1999, 2003 Jane Doe. All rights reserved.\nISBN 0-306-40615-2\nISBN-13: 978-0-306-40615-7\nASIN: B000FC0SIM\n10 9 8 7 6 5 4 3 2 1\nPrinted in the United States of America\nLibrary of Congress Control Number: 2003104567\nSPDX-License-Identifier: CC-BY-4.0\nhttps://creativecommons.org/licenses/by-sa/4.0/\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n".encode())
    # Report rendering: hostile titles and paths (markup, formulas, controls, bidi).
    for n, text in enumerate([
        "<script>alert(1)</script>",
        "=HYPERLINK(\"http://evil.example/\",\"x\")",
        "books/evil\u202etxt.exe|`x`",
        "</pre><img src=x onerror=alert(1)>\r\n@SUM(1)\t-2+3",
        "Alice's Adventures in Wonderland",
    ]):
        put("render", f"gen-render-{n}.txt", text.encode())
    put("text", "gen-text.txt", "Ex-\nample \ufb01sh \u00bd page\n\n  42  \n\nwell-known don\u2019t \u00df \u03c3\u03c2 \u0301a \u200bzero".encode())


if __name__ == "__main__":
    main()
