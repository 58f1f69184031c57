//! Registry import throughput: a generated LibGen fiction dump and an AAC JSONL file of
//! 100,000 rows each, imported into a fresh registry per iteration; throughput in rows.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use provaudit::registry::{self, SourceFormat};

const ROWS: u64 = 100_000;

/// A LibGen `fiction` dump with the real column order, 1,000 rows per INSERT line.
fn write_fiction_dump(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create dump"));
    writeln!(
        out,
        "-- MySQL dump 10.13\nDROP TABLE IF EXISTS `fiction`;\nCREATE TABLE `fiction` (\n  `ID` int(10) unsigned NOT NULL AUTO_INCREMENT,\n  `MD5` char(32) DEFAULT NULL,\n  `Title` varchar(2000) NOT NULL DEFAULT '',\n  `Author` varchar(300) NOT NULL DEFAULT '',\n  `Series` varchar(300) NOT NULL DEFAULT '',\n  `Edition` varchar(50) NOT NULL DEFAULT '',\n  `Language` varchar(45) NOT NULL DEFAULT '',\n  `Year` varchar(10) NOT NULL DEFAULT '',\n  `Publisher` varchar(100) NOT NULL DEFAULT '',\n  `Pages` varchar(10) NOT NULL DEFAULT '',\n  `Identifier` varchar(400) NOT NULL DEFAULT '',\n  `GooglebookID` varchar(45) NOT NULL DEFAULT '',\n  `ASIN` varchar(10) NOT NULL DEFAULT '',\n  `Coverurl` varchar(200) NOT NULL DEFAULT '',\n  `Extension` varchar(10) NOT NULL,\n  `Filesize` int(10) unsigned NOT NULL,\n  `Library` varchar(50) NOT NULL DEFAULT '',\n  `Issue` int(10) NOT NULL DEFAULT '0',\n  `Locator` varchar(512) NOT NULL DEFAULT '',\n  `Commentary` varchar(500) DEFAULT NULL,\n  `Generic` char(32) NOT NULL DEFAULT '',\n  `Visible` char(3) NOT NULL DEFAULT '',\n  `TimeAdded` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  `TimeLastModified` timestamp NOT NULL DEFAULT '0000-00-00 00:00:00',\n  PRIMARY KEY (`ID`),\n  UNIQUE KEY `MD5UNIQUE` (`MD5`)\n) ENGINE=MyISAM DEFAULT CHARSET=utf8;\nLOCK TABLES `fiction` WRITE;"
    )
    .expect("write dump");
    for row in 0..ROWS {
        let separator = if row % 1000 == 0 {
            if row > 0 {
                writeln!(out, ";").expect("write dump");
            }
            "INSERT INTO `fiction` VALUES "
        } else {
            ","
        };
        write!(
            out,
            "{separator}({id},'{md5:032X}','The Title of Book {row}: A Novel','Author, Some {row}','Series {row}','','English','2009','Eos','400','9780061714306,0061714305','','','fiction/{row}.jpg','epub',{size},'','0','Author - Title {row}.epub','',NULL,'','2019-01-02 03:04:05','0000-00-00 00:00:00')",
            id = row + 1,
            md5 = u128::from(row).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            size = 100_000 + row,
        )
        .expect("write dump");
    }
    writeln!(out, ";\nUNLOCK TABLES;").expect("write dump");
}

/// `zlib3_records` AAC lines, one version per zlibrary_id.
fn write_aac(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create aac"));
    for row in 0..ROWS {
        writeln!(
            out,
            r#"{{"aacid":"aacid__zlib3_records__20230808T014342Z__{row}__URsJNGy5CjokTsNT6hUmmj","metadata":{{"zlibrary_id":{row},"date_added":"2022-08-25","date_modified":"2023-01-28","extension":"epub","filesize_reported":{size},"md5_reported":"{md5:032x}","title":"Crown of Lies {row}","author":"Annika West","publisher":"Mad Hag Publishing","language":"english","series":"The Demon Detective ","volume":"1","edition":"","year":"2022","pages":"458","description":"A description of the book that is a little long, as they are.","cover_path":"/covers/books/63/33/2c/{md5:032x}.jpg","isbns":["B0B6HNHVV9","9780061714306"],"category_id":"271"}}}}"#,
            size = 1_000_000 + row,
            md5 = u128::from(row).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
        )
        .expect("write aac");
    }
}

fn bench_import(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("fiction.sql");
    write_fiction_dump(&dump);
    let aac = dir
        .path()
        .join("annas_archive_meta__aacid__zlib3_records__20230808T014342Z--20230808T014342Z.jsonl");
    write_aac(&aac);
    let counter = AtomicU64::new(0);
    let fresh_db = || -> PathBuf {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        dir.path().join(format!("reg-{n}.db"))
    };

    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS));
    for (label, source) in [("libgen_fiction_sql", &dump), ("aac_zlib3_records", &aac)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let db = fresh_db();
                let infos = registry::import(
                    &db,
                    std::slice::from_ref(source),
                    SourceFormat::Auto,
                    None,
                    &|_| {},
                )
                .expect("import");
                assert_eq!(infos[0].records_kept, ROWS);
                std::fs::remove_file(&db).expect("remove db");
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
