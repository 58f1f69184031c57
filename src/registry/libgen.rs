//! Library Genesis MySQL dump importer: streams `mysqldump` output statement by statement.
//!
//! A byte-level lexer understands MySQL quoting (`'...'`, `"..."`, `` `...` ``, backslash escapes
//! and doubled quotes) and comments (`--`, `#`, `/* */`, `/*!40101 ... */`), so that `;` and
//! parentheses inside strings never confuse it. `CREATE TABLE` statements teach the column
//! order of each table; `INSERT INTO` rows of `updated` (non-fiction), `fiction`, `hashes` and
//! `fiction_hashes` are stored as they are read, one tuple at a time, so memory stays bounded by
//! the largest single row whatever the size of the file or of one `INSERT` line. Every other
//! statement and table is skipped.
//!
//! A bad row (missing or invalid md5, wrong number of values) becomes a reject with the line of
//! its statement and its row index; a syntax error rejects the rest of its statement (rows
//! before it are kept) and reading resumes after the next `;`.

use std::collections::HashMap;
use std::io::{self, Read};
use std::ops::Range;

use crate::cmi;
use crate::digest::parse_hex;

use super::schema::{NewHashes, NewRecord, OTHER_HASH_COLUMNS, Writer};

/// Reads a LibGen dump from `input` (already decompressed) into `writer`.
///
/// # Errors
///
/// A read error of `input` or a database error; malformed SQL never fails.
pub fn read<R: Read>(input: R, writer: &mut Writer<'_>) -> anyhow::Result<()> {
    let mut parser = Parser {
        lexer: Lexer::new(input),
        columns: HashMap::new(),
        text: Vec::new(),
        row: Vec::new(),
        values: Vec::new(),
    };
    parser.run(writer)
}

/// What a table of the dump is to us.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TableKind {
    /// `updated` or `fiction`: file records of this collection.
    Main(&'static str),
    /// `hashes` or `fiction_hashes`.
    Hashes,
}

fn table_kind(table: &str) -> Option<TableKind> {
    match table {
        "updated" => Some(TableKind::Main("libgen-nonfiction")),
        "fiction" => Some(TableKind::Main("libgen-fiction")),
        "hashes" | "fiction_hashes" => Some(TableKind::Hashes),
        _ => None,
    }
}

/// A lexical token; its text (if any) was appended to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Eof,
    Punct(u8),
    Word,
    Quoted,
    Backtick,
    Unterminated,
}

/// The statement-level parser state.
struct Parser<R> {
    lexer: Lexer<R>,
    /// Lower-case column names of each table seen in a `CREATE TABLE`.
    columns: HashMap<String, Vec<String>>,
    /// Scratch buffer for keywords and names.
    text: Vec<u8>,
    /// The current row's value bytes.
    row: Vec<u8>,
    /// The current row's values as ranges into `row` (`None` for NULL).
    values: Vec<Option<Range<usize>>>,
}

/// Outcome of a statement-level step that may have hit a syntax error.
type Step = Result<(), String>;

impl<R: Read> Parser<R> {
    fn run(&mut self, writer: &mut Writer<'_>) -> anyhow::Result<()> {
        loop {
            self.text.clear();
            let token = self.lexer.next_token(&mut self.text)?;
            let line = self.lexer.token_line;
            match token {
                Token::Eof => return Ok(()),
                Token::Punct(b';') => {}
                Token::Word if self.text.eq_ignore_ascii_case(b"create") => {
                    self.create(writer, line)?;
                }
                Token::Word
                    if self.text.eq_ignore_ascii_case(b"insert")
                        || self.text.eq_ignore_ascii_case(b"replace") =>
                {
                    self.insert(writer, line)?;
                }
                _ => self.skip_statement()?,
            }
        }
    }

    /// Skips to just after the next `;` outside quotes and comments (or to the end).
    fn skip_statement(&mut self) -> io::Result<()> {
        loop {
            self.text.clear();
            match self.lexer.next_token(&mut self.text)? {
                Token::Eof | Token::Punct(b';') => return Ok(()),
                _ => {}
            }
        }
    }

    /// Reads the next token into `self.text` (cleared first).
    fn token(&mut self) -> io::Result<Token> {
        self.text.clear();
        self.lexer.next_token(&mut self.text)
    }

    fn text_lower(&self) -> String {
        String::from_utf8_lossy(&self.text).to_ascii_lowercase()
    }

    /// `CREATE TABLE name (...)`: learns the column order. Other `CREATE`s are skipped.
    fn create(&mut self, writer: &mut Writer<'_>, line: u64) -> anyhow::Result<()> {
        if self.token()? != Token::Word || !self.text.eq_ignore_ascii_case(b"table") {
            return Ok(self.skip_statement()?);
        }
        let mut table = None;
        loop {
            match self.token()? {
                Token::Punct(b'(') => break,
                Token::Backtick => table = Some(self.text_lower()),
                Token::Word => {
                    let word = self.text_lower();
                    if !matches!(word.as_str(), "if" | "not" | "exists" | ".") {
                        table = Some(word.trim_matches('.').to_string());
                    }
                }
                Token::Eof | Token::Punct(b';') => return Ok(()),
                _ => return Ok(self.skip_statement()?),
            }
        }
        let Some(table) = table else {
            return Ok(self.skip_statement()?);
        };
        let mut columns = Vec::new();
        let mut depth = 1;
        let mut expect_name = true;
        while depth > 0 {
            let token = self.token()?;
            match token {
                Token::Eof | Token::Unterminated | Token::Punct(b';') => {
                    if table_kind(&table).is_some() {
                        writer.read += 1;
                        writer.reject(
                            line,
                            &format!("syntax error in create table `{table}`: unexpected end"),
                        )?;
                    }
                    return Ok(());
                }
                Token::Punct(b'(') => depth += 1,
                Token::Punct(b')') => depth -= 1,
                Token::Punct(b',') if depth == 1 => {
                    expect_name = true;
                    continue;
                }
                Token::Backtick if expect_name && depth == 1 => columns.push(self.text_lower()),
                Token::Word if expect_name && depth == 1 => {
                    let word = self.text_lower();
                    let keyword = matches!(
                        word.as_str(),
                        "primary"
                            | "key"
                            | "unique"
                            | "index"
                            | "constraint"
                            | "fulltext"
                            | "foreign"
                            | "check"
                            | "spatial"
                    );
                    if !keyword {
                        columns.push(word);
                    }
                }
                _ => {}
            }
            expect_name = false;
        }
        self.columns.insert(table, columns);
        Ok(self.skip_statement()?)
    }

    /// `INSERT [IGNORE] INTO name [(cols)] VALUES (...),(...);`
    fn insert(&mut self, writer: &mut Writer<'_>, line: u64) -> anyhow::Result<()> {
        let table = loop {
            match self.token()? {
                Token::Backtick => break self.text_lower(),
                Token::Word => {
                    let word = self.text_lower();
                    if !matches!(
                        word.as_str(),
                        "into" | "ignore" | "low_priority" | "delayed" | "high_priority"
                    ) {
                        break word;
                    }
                }
                Token::Eof | Token::Punct(b';') => return Ok(()),
                _ => return Ok(self.skip_statement()?),
            }
        };
        let Some(kind) = table_kind(&table) else {
            return Ok(self.skip_statement()?);
        };
        let mut explicit = Vec::new();
        let mut token = self.token()?;
        if token == Token::Punct(b'.') || (token == Token::Word && self.text == b".") {
            // `db`.`table`: the table name follows.
            return self.reject_statement(writer, line, &table, 0, "qualified table names");
        }
        if token == Token::Punct(b'(') {
            loop {
                match self.token()? {
                    Token::Backtick | Token::Word => explicit.push(self.text_lower()),
                    Token::Punct(b',') => {}
                    Token::Punct(b')') => break,
                    _ => {
                        return self.reject_statement(writer, line, &table, 0, "bad column list");
                    }
                }
            }
            token = self.token()?;
        }
        if token != Token::Word
            || !(self.text.eq_ignore_ascii_case(b"values")
                || self.text.eq_ignore_ascii_case(b"value"))
        {
            return self.reject_statement(writer, line, &table, 0, "expected `values`");
        }
        let columns = if explicit.is_empty() {
            match self.columns.get(&table) {
                Some(columns) => columns.clone(),
                None => {
                    return self.reject_statement(
                        writer,
                        line,
                        &table,
                        0,
                        "no column list and no create table seen before",
                    );
                }
            }
        } else {
            explicit
        };
        let layout = Layout::new(kind, &columns);
        let mut row_index = 0u64;
        loop {
            match self.token()? {
                Token::Punct(b'(') => {}
                Token::Eof | Token::Punct(b';') if row_index > 0 => return Ok(()),
                _ => {
                    return self.reject_statement(
                        writer,
                        line,
                        &table,
                        row_index + 1,
                        "expected `(`",
                    );
                }
            }
            row_index += 1;
            if let Err(what) = self.tuple()? {
                return self.reject_statement(writer, line, &table, row_index, &what);
            }
            writer.read += 1;
            if self.values.len() != columns.len() {
                let reason = format!(
                    "row {row_index} of insert into `{table}`: {} values for {} columns",
                    self.values.len(),
                    columns.len()
                );
                writer.reject(line, &reason)?;
            } else {
                self.store_row(writer, line, &table, row_index, &layout)?;
            }
            match self.token()? {
                Token::Punct(b',') => {}
                Token::Punct(b';') | Token::Eof => return Ok(()),
                Token::Word if self.text.eq_ignore_ascii_case(b"on") => {
                    return Ok(self.skip_statement()?);
                }
                _ => {
                    return self.reject_statement(
                        writer,
                        line,
                        &table,
                        row_index + 1,
                        "expected `,` or `;` after a row",
                    );
                }
            }
        }
    }

    /// Reads one parenthesised tuple (the `(` already consumed) into `row`/`values`.
    fn tuple(&mut self) -> io::Result<Step> {
        self.row.clear();
        self.values.clear();
        loop {
            let start = self.row.len();
            let token = self.lexer.next_token(&mut self.row)?;
            if self.lexer.overlong && token != Token::Unterminated {
                return Ok(Err(format!(
                    "value {} longer than {MAX_TOKEN_BYTES} bytes",
                    self.values.len() + 1
                )));
            }
            if self.row.len() > MAX_ROW_BYTES {
                return Ok(Err(format!("row longer than {MAX_ROW_BYTES} bytes")));
            }
            match token {
                Token::Quoted => self.values.push(Some(start..self.row.len())),
                Token::Word => {
                    let word = &self.row[start..];
                    if word.eq_ignore_ascii_case(b"null") {
                        self.row.truncate(start);
                        self.values.push(None);
                    } else if word.starts_with(b"_")
                        || matches!(word, b"b" | b"B" | b"x" | b"X" | b"n" | b"N")
                    {
                        // A charset introducer or a bit/hex/national literal prefix.
                        let prefix = show(word);
                        self.row.truncate(start);
                        if self.lexer.next_token(&mut self.row)? != Token::Quoted {
                            return Ok(Err(format!("bad literal after `{prefix}`")));
                        }
                        self.values.push(Some(start..self.row.len()));
                    } else {
                        self.values.push(Some(start..self.row.len()));
                    }
                }
                Token::Punct(b')') if self.values.is_empty() => return Ok(Ok(())),
                Token::Unterminated => return Ok(Err("unterminated string".to_string())),
                Token::Eof => return Ok(Err("unexpected end of file in a row".to_string())),
                Token::Punct(c) => {
                    return Ok(Err(format!("unexpected `{}` in a row", char::from(c))));
                }
                Token::Backtick => return Ok(Err("unexpected identifier in a row".to_string())),
            }
            let mut scratch = Vec::new();
            match self.lexer.next_token(&mut scratch)? {
                Token::Punct(b',') => {}
                Token::Punct(b')') => return Ok(Ok(())),
                Token::Eof => return Ok(Err("unexpected end of file in a row".to_string())),
                _ => {
                    return Ok(Err(format!(
                        "expected `,` or `)` after value {}",
                        self.values.len()
                    )));
                }
            }
        }
    }

    /// Rejects the rest of a statement and skips past its `;`.
    fn reject_statement(
        &mut self,
        writer: &mut Writer<'_>,
        line: u64,
        table: &str,
        row_index: u64,
        what: &str,
    ) -> anyhow::Result<()> {
        writer.read += 1;
        let reason = if row_index > 0 {
            format!(
                "syntax error in insert into `{table}` at row {row_index}: {what}; rest of statement skipped"
            )
        } else {
            format!("syntax error in insert into `{table}`: {what}; statement skipped")
        };
        writer.reject(line, &reason)?;
        if self.lexer.last != Token::Punct(b';') && self.lexer.last != Token::Eof {
            self.skip_statement()?;
        }
        Ok(())
    }

    /// The trimmed text of value `index` of the current row, `None` if NULL or empty.
    fn value(&self, index: Option<usize>) -> Option<String> {
        let range = self.values.get(index?)?.clone()?;
        let text = String::from_utf8_lossy(&self.row[range]);
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    fn store_row(
        &mut self,
        writer: &mut Writer<'_>,
        line: u64,
        table: &str,
        row_index: u64,
        layout: &Layout,
    ) -> anyhow::Result<()> {
        let md5_text = self.value(layout.md5);
        let md5 = match md5_text.as_deref().map(parse_hex::<16>) {
            Some(Some(md5)) => md5,
            Some(None) => {
                let reason = format!(
                    "row {row_index} of insert into `{table}`: invalid md5 `{}`",
                    show(md5_text.as_deref().unwrap_or_default().as_bytes())
                );
                writer.reject(line, &reason)?;
                return Ok(());
            }
            None => {
                let reason = format!("row {row_index} of insert into `{table}`: missing md5");
                writer.reject(line, &reason)?;
                return Ok(());
            }
        };
        match layout.kind {
            TableKind::Hashes => {
                let hashes = NewHashes {
                    md5,
                    sha1: self.value(layout.sha1).and_then(|v| parse_hex::<20>(&v)),
                    sha256: self.value(layout.sha256).and_then(|v| parse_hex::<32>(&v)),
                    other: std::array::from_fn(|i| self.value(layout.other[i])),
                };
                writer.hashes(&hashes)?;
            }
            TableKind::Main(collection) => {
                let (isbns, invalid_isbns) = match self.value(layout.identifier) {
                    Some(list) => cmi::isbn_list(&list),
                    None => (Vec::new(), Vec::new()),
                };
                let record = NewRecord {
                    collection: collection.to_string(),
                    id: self
                        .value(layout.id)
                        .unwrap_or_else(|| format!("row-{line}-{row_index}")),
                    md5: Some(md5),
                    filesize: self.value(layout.filesize).and_then(|v| v.parse().ok()),
                    extension: self
                        .value(layout.extension)
                        .map(|v| v.trim_start_matches('.').to_ascii_lowercase()),
                    title: self.value(layout.title),
                    authors: self.value(layout.author),
                    year: self.value(layout.year),
                    publisher: self.value(layout.publisher),
                    isbns,
                    invalid_isbns,
                    locator: self.value(layout.locator),
                    visible: self.value(layout.visible),
                    ..NewRecord::default()
                };
                writer.record(&record)?;
            }
        }
        Ok(())
    }
}

/// Where the columns we keep are in a table's rows.
struct Layout {
    kind: TableKind,
    id: Option<usize>,
    md5: Option<usize>,
    title: Option<usize>,
    author: Option<usize>,
    year: Option<usize>,
    publisher: Option<usize>,
    identifier: Option<usize>,
    extension: Option<usize>,
    filesize: Option<usize>,
    locator: Option<usize>,
    visible: Option<usize>,
    sha1: Option<usize>,
    sha256: Option<usize>,
    other: [Option<usize>; 7],
}

impl Layout {
    fn new(kind: TableKind, columns: &[String]) -> Layout {
        let find = |name: &str| columns.iter().position(|column| column == name);
        Layout {
            kind,
            id: find("id"),
            md5: find("md5"),
            title: find("title"),
            author: find("author"),
            year: find("year"),
            publisher: find("publisher"),
            identifier: find("identifier"),
            extension: find("extension"),
            filesize: find("filesize"),
            locator: find("locator"),
            visible: find("visible"),
            sha1: find("sha1"),
            sha256: find("sha256"),
            other: OTHER_HASH_COLUMNS.map(find),
        }
    }
}

/// A value for an error message: lossy UTF-8, at most 64 characters.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(64).collect();
    if text.chars().count() > 64 {
        shown.push_str("...");
    }
    shown
}

/// Size of the lexer's read buffer.
const LEXER_BUF: usize = 64 * 1024;

/// Most bytes kept of one token (a quoted value, a word, a name). LibGen's longest fields (a
/// description, a table of contents) are tens of kilobytes; a longer value rejects its row.
const MAX_TOKEN_BYTES: usize = 16 * 1024 * 1024;

/// Most bytes of values kept for one row; a longer row is rejected.
const MAX_ROW_BYTES: usize = 64 * 1024 * 1024;

/// A byte-level MySQL lexer over any reader, counting lines.
struct Lexer<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// 1-based line of the next unread byte.
    line: u64,
    /// Line where the last token started.
    token_line: u64,
    /// The last token returned.
    last: Token,
    /// Whether the last token was longer than [`MAX_TOKEN_BYTES`] and only its first
    /// [`MAX_TOKEN_BYTES`] were kept.
    overlong: bool,
}

impl<R: Read> Lexer<R> {
    fn new(input: R) -> Lexer<R> {
        Lexer {
            input,
            buf: vec![0; LEXER_BUF],
            pos: 0,
            len: 0,
            eof: false,
            line: 1,
            token_line: 1,
            last: Token::Eof,
            overlong: false,
        }
    }

    /// Makes at least `n` bytes available unless the input ends first; returns how many are.
    fn fill(&mut self, n: usize) -> io::Result<usize> {
        while self.len - self.pos < n && !self.eof {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.len -= self.pos;
                self.pos = 0;
            }
            match self.input.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(read) => self.len += read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(self.len - self.pos)
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos < self.len || self.fill(1)? > 0 {
            Ok(Some(self.buf[self.pos]))
        } else {
            Ok(None)
        }
    }

    fn peek_at(&mut self, offset: usize) -> io::Result<Option<u8>> {
        if self.fill(offset + 1)? > offset {
            Ok(Some(self.buf[self.pos + offset]))
        } else {
            Ok(None)
        }
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        if let Some(byte) = byte {
            self.pos += 1;
            if byte == b'\n' {
                self.line += 1;
            }
        }
        Ok(byte)
    }

    /// Skips to the end of the line (the newline included).
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            if self.pos == self.len && self.fill(1)? == 0 {
                return Ok(());
            }
            let available = &self.buf[self.pos..self.len];
            if let Some(at) = memchr::memchr(b'\n', available) {
                self.pos += at + 1;
                self.line += 1;
                return Ok(());
            }
            self.pos = self.len;
        }
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> io::Result<()> {
        while let Some(byte) = self.peek()? {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => {
                    self.bump()?;
                }
                b'#' => self.skip_line()?,
                b'-' if self.peek_at(1)? == Some(b'-')
                    && self.peek_at(2)?.is_none_or(|next| {
                        next.is_ascii_whitespace() || next.is_ascii_control()
                    }) =>
                {
                    self.skip_line()?
                }
                b'/' if self.peek_at(1)? == Some(b'*') => {
                    self.bump()?;
                    self.bump()?;
                    loop {
                        match self.bump()? {
                            None => return Ok(()),
                            Some(b'*') if self.peek()? == Some(b'/') => {
                                self.bump()?;
                                break;
                            }
                            Some(_) => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Reads the next token, appending its text (unquoted, unescaped) to `out`.
    ///
    /// At most [`MAX_TOKEN_BYTES`] of a token are appended, so that a hostile dump (one
    /// unterminated quote before gigabytes of data) cannot exhaust memory; the rest is read and
    /// dropped, and [`Lexer::overlong`] is set.
    fn next_token(&mut self, out: &mut Vec<u8>) -> io::Result<Token> {
        self.skip_trivia()?;
        self.token_line = self.line;
        self.overlong = false;
        let base = out.len();
        let token = match self.peek()? {
            None => Token::Eof,
            Some(quote @ (b'\'' | b'"')) => {
                self.bump()?;
                self.quoted(quote, out, base)?
            }
            Some(b'`') => {
                self.bump()?;
                loop {
                    match self.bump()? {
                        None => break Token::Unterminated,
                        Some(b'`') if self.peek()? == Some(b'`') => {
                            self.bump()?;
                            self.keep(out, base, b"`");
                        }
                        Some(b'`') => break Token::Backtick,
                        Some(byte) => self.keep(out, base, &[byte]),
                    }
                }
            }
            Some(byte @ (b'(' | b')' | b',' | b';')) => {
                self.bump()?;
                Token::Punct(byte)
            }
            Some(_) => {
                while let Some(byte) = self.peek()? {
                    if byte.is_ascii_whitespace() || b"(),;'\"`".contains(&byte) {
                        break;
                    }
                    self.keep(out, base, &[byte]);
                    self.pos += 1;
                }
                Token::Word
            }
        };
        self.last = token;
        Ok(token)
    }

    /// Reads a quoted string (opening quote consumed) with MySQL escapes and doubled quotes.
    fn quoted(&mut self, quote: u8, out: &mut Vec<u8>, base: usize) -> io::Result<Token> {
        loop {
            if self.pos == self.len && self.fill(1)? == 0 {
                return Ok(Token::Unterminated);
            }
            let available = &self.buf[self.pos..self.len];
            let Some(at) = memchr::memchr2(quote, b'\\', available) else {
                self.line += memchr::memchr_iter(b'\n', available).count() as u64;
                let (pos, len) = (self.pos, self.len);
                self.keep_range(out, base, pos..len);
                self.pos = self.len;
                continue;
            };
            let span = &available[..at];
            self.line += memchr::memchr_iter(b'\n', span).count() as u64;
            let special = available[at];
            let pos = self.pos;
            self.keep_range(out, base, pos..pos + at);
            self.pos += at + 1;
            if special == b'\\' {
                let Some(escaped) = self.bump()? else {
                    return Ok(Token::Unterminated);
                };
                match escaped {
                    b'0' => self.keep(out, base, &[0]),
                    b'b' => self.keep(out, base, &[0x08]),
                    b'n' => self.keep(out, base, b"\n"),
                    b'r' => self.keep(out, base, b"\r"),
                    b't' => self.keep(out, base, b"\t"),
                    b'Z' => self.keep(out, base, &[0x1a]),
                    b'%' | b'_' => self.keep(out, base, &[b'\\', escaped]),
                    other => self.keep(out, base, &[other]),
                }
            } else if self.peek()? == Some(quote) {
                self.bump()?;
                self.keep(out, base, &[quote]);
            } else {
                return Ok(Token::Quoted);
            }
        }
    }

    /// Appends `bytes` to the token begun at `out[base]`, up to [`MAX_TOKEN_BYTES`].
    fn keep(&mut self, out: &mut Vec<u8>, base: usize, bytes: &[u8]) {
        let room = MAX_TOKEN_BYTES.saturating_sub(out.len() - base);
        if bytes.len() > room {
            self.overlong = true;
        }
        out.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// [`Lexer::keep`] of `self.buf[range]`.
    fn keep_range(&mut self, out: &mut Vec<u8>, base: usize, range: Range<usize>) {
        let room = MAX_TOKEN_BYTES.saturating_sub(out.len() - base);
        if range.len() > room {
            self.overlong = true;
        }
        let end = range.start + range.len().min(room);
        out.extend_from_slice(&self.buf[range.start..end]);
    }
}
