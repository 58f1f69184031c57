//! `report.html`: the evidence report for counsel, one self-contained file.
//!
//! Rendered from the same [`AuditResult`] as `report.json`, never from the store, in the order a
//! reader needs it: the summary (works per tier and registry, share of the corpus, conflicts,
//! errors, stripped CMI), a table of every finding, then one sheet per finding (what its tier
//! proves and does not prove, where it was found, side-by-side excerpts with word differences
//! marked, a coverage strip in inline SVG, the CMI comparison), then conflicts and errors, the
//! method with its measured error rates, the limitations, and the custody data.
//!
//! The page loads nothing: no scripts, fonts, style sheets or images from anywhere, so it opens
//! the same way offline, in ten years, or inside a litigation-support viewer. It prints on A4 or
//! Letter with one work sheet per page. It is deterministic: no clock is read, every value comes
//! from the `AuditResult`. Every string from a corpus, a registry or the command line goes
//! through [`super::escape`], so markup shows as text and control or bidirectional characters
//! show as visible `\u{..}` escapes.
//!
//! The error-rate table is parsed at build time from the results block of `EVALUATION.md`
//! (between `<!-- results:begin -->` and `<!-- results:end -->`), so the figures a reader sees
//! are the ones published in the repository with the command that reproduces them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use super::escape::{html as esc, html_block as esc_block};
use super::{AuditResult, Location, WorkFinding};
use crate::matcher::Tier;
use crate::registry::Algorithm;

/// Location rows shown per work sheet; the rest are in `findings.csv` and `report.json`.
pub const MAX_LOCATION_ROWS: usize = 100;
/// Side-by-side excerpt pairs shown per work sheet.
pub const MAX_EXCERPTS: usize = 5;
/// Error, conflict and skipped rows shown per table.
pub const MAX_LIST_ROWS: usize = 200;
/// Words per excerpt above which the word difference is not computed (bounds the LCS table).
pub const MAX_DIFF_WORDS: usize = 400;

/// The evaluation document the method section quotes from.
const EVALUATION: &str = include_str!("../../EVALUATION.md");

/// Writes the HTML report.
///
/// # Errors
///
/// A write error of `out`.
pub fn write(result: &AuditResult, mut out: impl Write) -> io::Result<()> {
    out.write_all(render(result).as_bytes())
}

/// The whole page as a string.
pub fn render(result: &AuditResult) -> String {
    let mut page = String::with_capacity(64 * 1024);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Nothing may be fetched, run or framed: the report is static text.
    page.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
    );
    page.push_str(&format!(
        "<meta name=\"generator\" content=\"{} {}\">\n",
        esc(&result.run.tool),
        esc(&result.run.version)
    ));
    page.push_str("<title>Corpus audit report</title>\n<style>\n");
    page.push_str(CSS);
    page.push_str("</style>\n</head>\n<body>\n");
    page.push_str(&header(result));
    page.push_str(&contents(result));
    page.push_str("<main>\n");
    page.push_str(&summary(result));
    page.push_str(&works_table(result));
    page.push_str("<section id=\"sheets\">\n<h2>Work sheets</h2>\n");
    let digests = file_digests(result);
    for (index, finding) in result.findings.iter().enumerate() {
        page.push_str(&sheet(index + 1, finding, &digests));
    }
    if result.findings.is_empty() {
        page.push_str("<p>No findings.</p>\n");
    }
    page.push_str("</section>\n");
    page.push_str(&conflicts(result));
    page.push_str(&errors(result));
    page.push_str(&method());
    page.push_str(&limitations());
    page.push_str(&custody(result));
    page.push_str("</main>\n");
    page.push_str(&format!(
        "<footer>Written by {} {} (build {}) from the audit result whose manifest root is <code>{}</code>. \
         The machine-readable source of this page is <code>report.json</code>.</footer>\n",
        esc(&result.run.tool),
        esc(&result.run.version),
        esc(&result.run.build),
        esc(&result.manifest.root)
    ));
    page.push_str("</body>\n</html>\n");
    page
}

/// What a tier does not prove, as the report states it beside every finding.
pub fn does_not_prove(tier: Tier) -> &'static str {
    match tier {
        Tier::T1 => {
            "where the bytes came from, or whether they were used in training; only that the corpus holds the registry's file"
        }
        Tier::T2 => {
            "that the file is the work: a path can be renamed or reused; confirm with T1 or T3"
        }
        Tier::T3 => {
            "which copy or edition was the source, or that the passages outside the verified spans are present"
        }
        Tier::T4 => {
            "that any text of the work is in the corpus: an ISBN or a title identifies a work, never a copy"
        }
    }
}

fn header(result: &AuditResult) -> String {
    let run = &result.run;
    let status = if run.complete {
        "complete"
    } else {
        "INCOMPLETE: the last scan did not finish, this report is partial"
    };
    format!(
        "<header>\n<h1>Corpus audit report</h1>\n<p class=\"subtitle\">{} {} · scan started {} · ended {} · status <span class=\"{}\">{}</span><br>manifest root <code class=\"hash\">{}</code></p>\n</header>\n",
        esc(&run.tool),
        esc(&run.version),
        esc(or_dash(&run.started)),
        esc(run.ended.as_deref().unwrap_or("—")),
        if run.complete { "ok" } else { "warn" },
        status,
        esc(&result.manifest.root)
    )
}

fn contents(result: &AuditResult) -> String {
    let mut nav = String::from("<nav aria-label=\"contents\"><ol>\n");
    for (id, label) in [
        ("summary", "Summary"),
        ("works", "Works found"),
        ("sheets", "Work sheets"),
        ("conflicts", "Conflicts"),
        ("errors", "Errors"),
        ("method", "Method and error rates"),
        ("limitations", "Limitations"),
        ("custody", "Custody"),
    ] {
        nav.push_str(&format!("<li><a href=\"#{id}\">{label}</a>"));
        if id == "sheets" && !result.findings.is_empty() {
            nav.push_str(&format!(" ({})", result.findings.len()));
        }
        nav.push_str("</li>\n");
    }
    nav.push_str("</ol></nav>\n");
    nav
}

fn summary(result: &AuditResult) -> String {
    let s = &result.summary;
    let distinct: BTreeSet<(&str, &str, &str)> = result
        .findings
        .iter()
        .map(|f| {
            (
                f.work.registry.as_str(),
                f.work.collection.as_str(),
                f.work.id.as_str(),
            )
        })
        .collect();
    let mut h = String::from("<section id=\"summary\">\n<h2>Summary</h2>\n");
    h.push_str(&format!(
        "<p class=\"lead\">{}</p>\n",
        lead_sentence(result, distinct.len())
    ));
    h.push_str("<dl id=\"summary-counts\" class=\"cards\">\n");
    let card = |key: &str, label: &str, value: String, note: String| {
        format!(
            "<div class=\"card\"><dt>{label}</dt><dd data-count=\"{key}\">{value}</dd><dd class=\"note\">{note}</dd></div>\n"
        )
    };
    h.push_str(&card(
        "strongest-tier",
        "Strongest tier",
        esc(&s.strongest_tier),
        Tier::from_name(&s.strongest_tier)
            .map_or_else(|| "nothing found".to_string(), |t| esc(t.kind())),
    ));
    h.push_str(&card(
        "findings",
        "Findings",
        num(result.findings.len() as u64),
        format!("{} distinct registry entries", num(distinct.len() as u64)),
    ));
    h.push_str(&card(
        "files-involved",
        "Files involved",
        num(s.files_involved),
        format!("of {} files in the corpus", num(result.corpus.files)),
    ));
    h.push_str(&card(
        "bytes-involved",
        "Bytes involved",
        num(s.bytes_involved),
        format!(
            "{} of {}",
            human_bytes(s.bytes_involved),
            human_bytes(result.corpus.bytes)
        ),
    ));
    h.push_str(&card(
        "share-of-corpus",
        "Share of corpus bytes",
        percent(s.share_of_corpus_bytes),
        "bytes of files holding a finding".to_string(),
    ));
    h.push_str(&card(
        "cmi-stripped",
        "CMI stripped",
        num(s.cmi_stripped),
        "T3 works with copyright information missing from a copy".to_string(),
    ));
    h.push_str(&card(
        "conflicts",
        "Conflicts",
        num(s.conflicts),
        "digest equal, size contradicts the registry: not findings".to_string(),
    ));
    h.push_str(&card(
        "errors",
        "Errors",
        num(s.errors),
        "files or members not read completely".to_string(),
    ));
    h.push_str("</dl>\n");

    // Works per registry and tier.
    let tiers = [Tier::T1, Tier::T2, Tier::T3, Tier::T4];
    h.push_str("<h3>Works found, by registry and tier</h3>\n<table id=\"summary-tiers\" class=\"numbers\">\n<thead><tr><th scope=\"col\">Registry</th>");
    for tier in tiers {
        h.push_str(&format!("<th scope=\"col\">{}</th>", badge(tier)));
    }
    h.push_str("<th scope=\"col\">All tiers</th></tr></thead>\n<tbody>\n");
    for (registry, counts) in &s.works_by_registry {
        h.push_str(&format!(
            "<tr data-registry=\"{}\"><th scope=\"row\">{}</th>",
            esc(registry),
            esc(registry)
        ));
        let mut total = 0;
        for tier in tiers {
            let n = counts.get(tier.as_str()).copied().unwrap_or(0);
            total += n;
            h.push_str(&format!("<td>{}</td>", zero_dim(n)));
        }
        h.push_str(&format!("<td>{}</td></tr>\n", num(total)));
    }
    h.push_str("</tbody>\n<tfoot><tr><th scope=\"row\">All registries</th>");
    let mut total = 0;
    for tier in tiers {
        let n = s.works_by_tier.get(tier.as_str()).copied().unwrap_or(0);
        total += n;
        h.push_str(&format!(
            "<td data-tier-count=\"{}\">{}</td>",
            tier.as_str(),
            num(n)
        ));
    }
    h.push_str(&format!("<td>{}</td></tr></tfoot>\n</table>\n", num(total)));

    if !s.cmi_stripped_by_registry.is_empty() || !s.cmi_stripped_by_folder.is_empty() {
        h.push_str("<h3>Stripped CMI</h3>\n<table class=\"numbers\"><thead><tr><th scope=\"col\">Registry or corpus folder</th><th scope=\"col\">Works with CMI stripped</th></tr></thead><tbody>\n");
        for (name, n) in &s.cmi_stripped_by_registry {
            h.push_str(&format!(
                "<tr><th scope=\"row\">registry {}</th><td>{}</td></tr>\n",
                esc(name),
                num(*n)
            ));
        }
        for (name, n) in &s.cmi_stripped_by_folder {
            h.push_str(&format!(
                "<tr><th scope=\"row\">folder <code>{}</code></th><td>{}</td></tr>\n",
                esc(name),
                num(*n)
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str(&legend());
    h.push_str("</section>\n");
    h
}

fn lead_sentence(result: &AuditResult, distinct: usize) -> String {
    if result.findings.is_empty() {
        return format!(
            "No known work was found in {} files ({}).",
            num(result.corpus.files),
            human_bytes(result.corpus.bytes)
        );
    }
    let mut titles: Vec<String> = Vec::new();
    for finding in &result.findings {
        let title = finding
            .work
            .title
            .clone()
            .unwrap_or_else(|| finding.work.id.clone());
        if !titles.contains(&title) {
            titles.push(title);
        }
    }
    format!(
        "{} finding{} of {} registry entr{} ({} distinct title{}) in {} of {} files, {} of the corpus bytes. Strongest evidence: {}.",
        num(result.findings.len() as u64),
        plural(result.findings.len()),
        num(distinct as u64),
        if distinct == 1 { "y" } else { "ies" },
        num(titles.len() as u64),
        plural(titles.len()),
        num(result.summary.files_involved),
        num(result.corpus.files),
        percent(result.summary.share_of_corpus_bytes),
        Tier::from_name(&result.summary.strongest_tier).map_or_else(
            || "none".to_string(),
            |t| format!("{} ({})", badge(t), esc(t.kind()))
        )
    )
}

fn legend() -> String {
    let mut h =
        String::from("<div class=\"legend\" id=\"legend\"><h3>What each tier proves</h3>\n<dl>\n");
    for tier in [Tier::T1, Tier::T2, Tier::T3, Tier::T4] {
        h.push_str(&format!(
            "<dt>{} {}</dt><dd>Proves: {}. Does not prove: {}.</dd>\n",
            badge(tier),
            esc(tier.kind()),
            esc(super::proves(tier)),
            esc(does_not_prove(tier))
        ));
    }
    h.push_str("</dl>\n<p>Tiers are never merged: a work found at several tiers has one finding per tier. T4 identifies a work, never a copy; T2 is a sign of origin, not proof.</p></div>\n");
    h
}

fn works_table(result: &AuditResult) -> String {
    let mut h = String::from("<section id=\"works\">\n<h2>Works found</h2>\n");
    h.push_str(&format!(
        "<table id=\"works-table\" data-rows=\"{}\">\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Tier</th><th scope=\"col\">Title</th><th scope=\"col\">Authors</th><th scope=\"col\">Registry</th><th scope=\"col\">ID</th><th scope=\"col\">Method</th><th scope=\"col\">Coverage</th><th scope=\"col\">Locations</th><th scope=\"col\">CMI</th></tr></thead>\n<tbody>\n",
        result.findings.len()
    ));
    for (index, finding) in result.findings.iter().enumerate() {
        let n = index + 1;
        let work = &finding.work;
        h.push_str(&format!(
            "<tr class=\"finding\" data-tier=\"{}\" data-sheet=\"work-{n}\"><td>{n}</td><td>{}</td><td class=\"title\"><a href=\"#work-{n}\">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            finding.tier.as_str(),
            badge(finding.tier),
            title_html(finding),
            esc(work.authors.as_deref().unwrap_or("—")),
            esc(&work.registry),
            esc(&work.id),
            esc(&finding.method.join(", ")),
            finding.coverage.map_or_else(|| "—".to_string(), percent),
            num(finding.locations.len() as u64),
            cmi_cell(finding)
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    if result.findings.is_empty() {
        h.push_str("<p>No findings.</p>\n");
    }
    h.push_str("</section>\n");
    h
}

fn title_html(finding: &WorkFinding) -> String {
    match &finding.work.title {
        Some(title) if !title.is_empty() => esc(title),
        _ => format!(
            "<span class=\"muted\">untitled ({})</span>",
            esc(&finding.work.id)
        ),
    }
}

fn cmi_cell(finding: &WorkFinding) -> String {
    match &finding.cmi {
        Some(cmi) => format!(
            "<span class=\"cmi cmi-{}\">{}</span>",
            cmi.status.as_str(),
            cmi.status.as_str()
        ),
        None if finding.tier == Tier::T3 => "<span class=\"muted\">not compared</span>".to_string(),
        None => "<span class=\"muted\">—</span>".to_string(),
    }
}

/// sha256 of every file and member by (root, path), for locations that do not carry their own.
type Digests<'a> = BTreeMap<(u32, &'a str), &'a str>;

fn file_digests(result: &AuditResult) -> Digests<'_> {
    result
        .files
        .iter()
        .filter_map(|f| Some(((f.root, f.path.as_str()), f.sha256.as_deref()?)))
        .collect()
}

fn sheet(n: usize, finding: &WorkFinding, digests: &Digests<'_>) -> String {
    let work = &finding.work;
    let mut h = format!(
        "<article class=\"sheet\" id=\"work-{n}\" data-tier=\"{}\">\n<h3><span class=\"sheet-no\">{n}.</span> {} {}</h3>\n",
        finding.tier.as_str(),
        badge(finding.tier),
        title_html(finding)
    );
    h.push_str(&format!(
        "<p class=\"proves\"><strong>What this proves:</strong> {}.<br><strong>What it does not prove:</strong> {}.</p>\n",
        esc(&finding.proves),
        esc(does_not_prove(finding.tier))
    ));
    h.push_str("<dl class=\"facts\">\n");
    let mut fact = |label: &str, value: String| {
        h.push_str(&format!("<dt>{label}</dt><dd>{value}</dd>\n"));
    };
    fact("Authors", esc(work.authors.as_deref().unwrap_or("—")));
    fact(
        "Registry entry",
        format!(
            "{} / {} / <code>{}</code>",
            esc(&work.registry),
            esc(&work.collection),
            esc(&work.id)
        ),
    );
    if let Some(year) = &work.year {
        fact("Year", esc(year));
    }
    if let Some(publisher) = &work.publisher {
        fact("Publisher", esc(publisher));
    }
    if !work.isbn.is_empty() {
        fact("ISBN", esc(&work.isbn.join(", ")));
    }
    fact(
        "Method",
        format!(
            "{} ({})",
            esc(&finding.method.join(", ")),
            esc(&finding.kind)
        ),
    );
    if let Some(visible) = &work.visible {
        fact("Registry visibility", esc(visible));
    }
    if !work.history.is_empty() {
        fact("Registry history", esc(&work.history.join("; ")));
    }
    if let (Some(coverage), Some(words)) = (finding.coverage, finding.work_words) {
        fact(
            "Coverage",
            format!(
                "<strong>{}</strong> of the work's {} words are inside verified passages; longest verified run {} words",
                percent(coverage),
                num(words),
                num(finding.longest_run_words.unwrap_or(0))
            ),
        );
    }
    h.push_str("</dl>\n");
    if finding.tier == Tier::T3 {
        h.push_str(&coverage_strip(finding));
    }
    if !work.registry_files.is_empty() {
        h.push_str("<h4>Registry file records</h4>\n<table class=\"compact\"><thead><tr><th scope=\"col\">md5</th><th scope=\"col\">Size</th><th scope=\"col\">Extension</th><th scope=\"col\">Locator</th></tr></thead><tbody>\n");
        for file in &work.registry_files {
            h.push_str(&format!(
                "<tr><td><code class=\"hash\">{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(file.md5.as_deref().unwrap_or("—")),
                file.filesize.map_or_else(|| "—".to_string(), num),
                esc(file.extension.as_deref().unwrap_or("—")),
                esc(file.locator.as_deref().unwrap_or("—"))
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str(&locations_table(finding, digests));
    if finding.tier == Tier::T3 {
        h.push_str(&excerpts(finding));
    }
    h.push_str(&cmi_section(finding));
    h.push_str("</article>\n");
    h
}

fn locations_table(finding: &WorkFinding, digests: &Digests<'_>) -> String {
    let text = finding.tier == Tier::T3;
    let mut h = format!(
        "<h4>Locations ({})</h4>\n<table class=\"compact locations\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Path</th>",
        num(finding.locations.len() as u64)
    );
    if text {
        h.push_str("<th scope=\"col\">Record</th><th scope=\"col\">Corpus bytes</th><th scope=\"col\">Work bytes</th><th scope=\"col\">Words</th>");
    } else {
        h.push_str("<th scope=\"col\">Size</th><th scope=\"col\">Matched by</th><th scope=\"col\">Detail</th>");
    }
    h.push_str("<th scope=\"col\">sha256 of the file or member</th></tr></thead><tbody>\n");
    for (index, location) in finding.locations.iter().take(MAX_LOCATION_ROWS).enumerate() {
        h.push_str(&format!(
            "<tr><td>{}</td><td class=\"path\"><code>{}</code>{}</td>",
            index + 1,
            esc(&location.path),
            root_note(location.root)
        ));
        if text {
            h.push_str(&format!(
                "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                esc(location.record.as_deref().unwrap_or("—")),
                range(location.start, location.end),
                range(location.work_start, location.work_end),
                location.words.map_or_else(|| "—".to_string(), num)
            ));
        } else {
            h.push_str(&format!(
                "<td class=\"num\">{}</td><td>{}</td><td>{}</td>",
                num(location.bytes),
                esc(&location
                    .matched_by
                    .iter()
                    .map(|a| algorithm_name(*a))
                    .collect::<Vec<_>>()
                    .join(", ")),
                esc(&location.detail.join("; "))
            ));
        }
        // A passage inside a member: the member's own digest, from the file list.
        let sha256 = location.sha256.as_deref().or_else(|| {
            let container = location.path.as_str();
            digests.get(&(location.root, container)).copied()
        });
        h.push_str(&format!(
            "<td><code class=\"hash\">{}</code></td></tr>\n",
            esc(sha256.unwrap_or("—"))
        ));
    }
    h.push_str("</tbody></table>\n");
    if finding.locations.len() > MAX_LOCATION_ROWS {
        h.push_str(&format!(
            "<p class=\"note\">{} more locations are listed in <code>findings.csv</code> and <code>report.json</code>.</p>\n",
            num((finding.locations.len() - MAX_LOCATION_ROWS) as u64)
        ));
    }
    h
}

fn root_note(root: u32) -> String {
    if root == 0 {
        String::new()
    } else {
        format!(" <span class=\"muted\">(root {root})</span>")
    }
}

fn range(start: Option<u64>, end: Option<u64>) -> String {
    match (start, end) {
        (Some(start), Some(end)) => format!("{}–{}", num(start), num(end)),
        _ => "—".to_string(),
    }
}

/// The coverage strip: where in the work the verified passages lie, as inline SVG.
fn coverage_strip(finding: &WorkFinding) -> String {
    const WIDTH: u64 = 1000;
    // Word positions scale exactly against the work's word count; byte offsets (reports that
    // predate word positions) can only be scaled against the furthest offset seen.
    let by_words = finding.work_words.filter(|w| *w > 0).is_some()
        && finding
            .locations
            .iter()
            .all(|l| l.work_word_start.is_some() && l.work_word_end.is_some());
    let (total, intervals): (u64, Vec<(u64, u64)>) = if by_words {
        (
            finding.work_words.unwrap_or(1),
            finding
                .locations
                .iter()
                .filter_map(|l| Some((l.work_word_start?, l.work_word_end?)))
                .collect(),
        )
    } else {
        let spans: Vec<(u64, u64)> = finding
            .locations
            .iter()
            .filter_map(|l| Some((l.work_start?, l.work_end?)))
            .collect();
        (spans.iter().map(|s| s.1).max().unwrap_or(1).max(1), spans)
    };
    // Pixel columns covered, so that a work found in 10,000 records stays a small drawing.
    let mut columns: BTreeSet<u64> = BTreeSet::new();
    for (start, end) in &intervals {
        let first = start.saturating_mul(WIDTH) / total;
        let last = (end.saturating_mul(WIDTH).div_ceil(total)).clamp(first + 1, WIDTH);
        columns.extend(first..last);
    }
    let mut rects = String::new();
    let mut iter = columns.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start + 1;
        while iter.peek() == Some(&end) {
            iter.next();
            end += 1;
        }
        rects.push_str(&format!(
            "<rect x=\"{start}\" y=\"0\" width=\"{}\" height=\"24\" class=\"hit\"/>",
            end - start
        ));
    }
    let label = finding.coverage.map_or_else(String::new, percent);
    let scale_note = if by_words {
        format!(
            "0 to {} words of the reference work",
            num(finding.work_words.unwrap_or(0))
        )
    } else {
        format!(
            "0 to byte {} (the furthest matched offset: the work's length is not in this report, so the strip is scaled to what was found)",
            num(total)
        )
    };
    format!(
        "<figure class=\"strip\"><svg viewBox=\"0 0 {WIDTH} 24\" preserveAspectRatio=\"none\" width=\"100%\" height=\"24\" role=\"img\" aria-label=\"verified passages cover {label} of the work\"><rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"24\" class=\"bg\"/>{rects}</svg><figcaption><span>start of the work</span><span>Where in the work the verified passages lie ({scale_note}); coverage {label}</span><span>end</span></figcaption></figure>\n"
    )
}

fn excerpts(finding: &WorkFinding) -> String {
    // Passages whose two sides differ say the most about the copy; show them first, then the
    // others, each numbered as in the locations table.
    let with_text: Vec<(usize, &Location)> = finding
        .locations
        .iter()
        .enumerate()
        .filter(|(_, l)| l.excerpt.is_some() || l.work_excerpt.is_some())
        .collect();
    let (differing, same): (Vec<_>, Vec<_>) = with_text.iter().copied().partition(|(_, l)| {
        differs_inside(
            l.excerpt.as_deref().unwrap_or(""),
            l.work_excerpt.as_deref().unwrap_or(""),
        )
    });
    let mut pairs: Vec<(usize, &Location)> = differing
        .into_iter()
        .chain(same)
        .take(MAX_EXCERPTS)
        .collect();
    pairs.sort_by_key(|(index, _)| *index);
    if pairs.is_empty() {
        return String::new();
    }
    let shown = if pairs.len() == with_text.len() {
        format!(
            "{} passage{}",
            if pairs.len() == 1 { "The" } else { "All" },
            plural(pairs.len())
        )
    } else {
        format!(
            "{} of {} passages, those that differ first",
            pairs.len(),
            num(with_text.len() as u64)
        )
    };
    let mut h = format!(
        "<h4>Excerpts, side by side</h4>\n<p class=\"note\">{shown}. Words are compared ignoring case and punctuation, as the matcher does: <ins>marked</ins> words are in the corpus copy only, <del>struck</del> words in the reference only. Excerpts are cut at 600 bytes (…), so their last words may differ only because of the cut.</p>\n"
    );
    for (index, location) in pairs {
        let corpus = location.excerpt.as_deref().unwrap_or("");
        let reference = location.work_excerpt.as_deref().unwrap_or("");
        let (corpus_html, reference_html) = word_diff(corpus, reference);
        let record = location
            .record
            .as_deref()
            .map(|r| format!(" record {}", esc(r)))
            .unwrap_or_default();
        h.push_str(&format!(
            "<div class=\"pair\"><figure><figcaption>#{} corpus: <code>{}</code>{record}, bytes {}</figcaption><pre class=\"excerpt\">{corpus_html}</pre></figure><figure><figcaption>Reference work, bytes {}</figcaption><pre class=\"excerpt\">{reference_html}</pre></figure></div>\n",
            index + 1,
            esc(&location.path),
            range(location.start, location.end),
            range(location.work_start, location.work_end)
        ));
    }
    h
}

fn cmi_section(finding: &WorkFinding) -> String {
    let Some(cmi) = &finding.cmi else {
        if finding.tier == Tier::T3 {
            return "<h4>Copyright management information</h4>\n<p class=\"muted\">This report holds no CMI comparison for this work.</p>\n".to_string();
        }
        return String::new();
    };
    let mut h = format!(
        "<h4>Copyright management information</h4>\n<p>Status: <span class=\"cmi cmi-{status}\">{status}</span>. In the reference work: {}; in the corpus copy: {}; stripped: <strong>{}</strong>.</p>\n",
        yes_no(cmi.in_reference),
        yes_no(cmi.in_corpus),
        yes_no(cmi.stripped),
        status = cmi.status.as_str()
    );
    if !cmi.lines.is_empty() {
        h.push_str("<table class=\"compact\"><thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Line in the reference work</th><th scope=\"col\">Work bytes</th><th scope=\"col\">In the corpus copy</th></tr></thead><tbody>\n");
        for line in &cmi.lines {
            h.push_str(&format!(
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                if line.found { "found" } else { "missing" },
                esc(&line.kind),
                esc(&line.text),
                range(Some(line.work_start), Some(line.work_end)),
                if line.found {
                    format!(
                        "found{}",
                        line.found_at
                            .as_deref()
                            .map(|at| format!(" at <code>{}</code>", esc(at)))
                            .unwrap_or_default()
                    )
                } else {
                    "<strong>missing</strong>".to_string()
                }
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h
}

fn conflicts(result: &AuditResult) -> String {
    let mut h = String::from(
        "<section id=\"conflicts\">\n<h2>Conflicts</h2>\n<p>A conflict is a digest equal to a registry record whose file size contradicts it. It is not a finding and is counted nowhere else.</p>\n",
    );
    if result.conflicts.is_empty() {
        h.push_str("<p>None.</p>\n</section>\n");
        return h;
    }
    h.push_str("<table class=\"compact\" id=\"conflicts-table\"><thead><tr><th scope=\"col\">Registry entry</th><th scope=\"col\">Title</th><th scope=\"col\">Path</th><th scope=\"col\">Size</th><th scope=\"col\">Detail</th></tr></thead><tbody>\n");
    for conflict in result.conflicts.iter().take(MAX_LIST_ROWS) {
        for location in &conflict.locations {
            h.push_str(&format!(
                "<tr><td>{} / <code>{}</code></td><td>{}</td><td class=\"path\"><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                esc(&conflict.work.registry),
                esc(&conflict.work.id),
                title_html(conflict),
                esc(&location.path),
                num(location.bytes),
                esc(&location.detail.join("; "))
            ));
        }
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&more_rows(result.conflicts.len()));
    h.push_str("</section>\n");
    h
}

fn errors(result: &AuditResult) -> String {
    let mut h = String::from(
        "<section id=\"errors\">\n<h2>Errors and skipped entries</h2>\n<p>A file that cannot be read never stops a run: it is listed here, and what could be read of it is still in the report.</p>\n",
    );
    let failed: Vec<_> = result.files.iter().filter(|f| f.status != "ok").collect();
    h.push_str(&format!(
        "<h3>Files and members not read completely ({})</h3>\n",
        num(failed.len() as u64)
    ));
    if !failed.is_empty() {
        h.push_str("<table class=\"compact\"><thead><tr><th scope=\"col\">Path</th><th scope=\"col\">Error</th></tr></thead><tbody>\n");
        for file in failed.iter().take(MAX_LIST_ROWS) {
            h.push_str(&format!(
                "<tr><td class=\"path\"><code>{}</code>{}</td><td>{}</td></tr>\n",
                esc(&file.path),
                root_note(file.root),
                esc(file.error.as_deref().unwrap_or(""))
            ));
        }
        h.push_str("</tbody></table>\n");
        h.push_str(&more_rows(failed.len()));
    }
    let doc_errors = &result.corpus.document_errors;
    h.push_str(&format!(
        "<h3>Records not readable as text ({})</h3>\n",
        num(doc_errors.len() as u64)
    ));
    if !doc_errors.is_empty() {
        h.push_str("<table class=\"compact\"><thead><tr><th scope=\"col\">Path</th><th scope=\"col\">Record</th><th scope=\"col\">Error</th></tr></thead><tbody>\n");
        for error in doc_errors.iter().take(MAX_LIST_ROWS) {
            h.push_str(&format!(
                "<tr><td class=\"path\"><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&error.path),
                root_note(error.root),
                esc(error.record.as_deref().unwrap_or("—")),
                esc(&error.message)
            ));
        }
        h.push_str("</tbody></table>\n");
        h.push_str(&more_rows(doc_errors.len()));
    }
    let skipped = &result.corpus.skipped;
    h.push_str(&format!(
        "<h3>Entries not scanned ({})</h3>\n",
        num(skipped.len() as u64)
    ));
    if !skipped.is_empty() {
        h.push_str("<table class=\"compact\"><thead><tr><th scope=\"col\">Path</th><th scope=\"col\">Reason</th></tr></thead><tbody>\n");
        for entry in skipped.iter().take(MAX_LIST_ROWS) {
            h.push_str(&format!(
                "<tr><td class=\"path\"><code>{}</code>{}</td><td>{}</td></tr>\n",
                esc(&entry.path),
                root_note(entry.root),
                esc(&entry.reason)
            ));
        }
        h.push_str("</tbody></table>\n");
        h.push_str(&more_rows(skipped.len()));
    }
    h.push_str("</section>\n");
    h
}

fn more_rows(total: usize) -> String {
    if total > MAX_LIST_ROWS {
        format!(
            "<p class=\"note\">{} more in <code>report.json</code>.</p>\n",
            num((total - MAX_LIST_ROWS) as u64)
        )
    } else {
        String::new()
    }
}

fn method() -> String {
    let mut h = String::from("<section id=\"method\">\n<h2>Method and measured error rates</h2>\n");
    h.push_str(
        "<ul>\n\
<li><strong>T1, exact file.</strong> Every file and archive member is read once and hashed with md5, sha1, sha256 and blake3. A finding needs a digest equal to a registry record and no contradicting size (a contradicting size is a conflict). The method column names the digests that matched.</li>\n\
<li><strong>T2, structural.</strong> Paths with the shape of a shadow-library layout: the LibGen torrent layout (<code>&lt;thousand-bucket&gt;/&lt;md5&gt;</code>, checked against the registry by md5), Books3 paths (<code>…/Books/Bibliotik/&lt;L&gt;/&lt;name&gt;.epub.txt</code>) and Anna's Archive file names.</li>\n\
<li><strong>T3, text.</strong> Text is normalised (Unicode NFKC, case folding, quotes, dashes, ligatures, hyphenation across line breaks). Winnowed fingerprints of k-word shingles (Schleimer, Wilkerson and Aiken 2003) propose candidate works; every candidate is then aligned word by word against the reference text, and only spans of at least 50 matching words at 80% identity or more, outside common passages (licences, rights notices, widely quoted texts, the work's own copyright page), are kept. Coverage is the share of the work's words inside the union of verified spans, across the whole corpus.</li>\n\
<li><strong>T4, bibliographic.</strong> ISBNs with a valid check digit, or title and author, in the corpus text that a registry lists.</li>\n\
<li><strong>CMI.</strong> For a T3 finding, each copyright-management line of the reference work (copyright notice, rights reservation, ISBN, CIP data, imprint) is looked for near the matched passages of the corpus copy; a line not found is reported as missing.</li>\n\
</ul>\n",
    );
    match evaluation_table(EVALUATION) {
        Some(table) => {
            h.push_str("<h3>Measured error rates (text matching, T3)</h3>\n");
            h.push_str(&format!(
                "<p>From <code>EVALUATION.md</code> in the source repository of this build, which gives the construction of every test corpus and the command that reproduces these figures. {}</p>\n",
                esc(&table.run)
            ));
            h.push_str("<table id=\"evaluation\" class=\"compact numbers\"><thead><tr>");
            for cell in &table.header {
                h.push_str(&format!("<th scope=\"col\">{}</th>", esc(cell)));
            }
            h.push_str("</tr></thead><tbody>\n");
            for row in &table.rows {
                h.push_str("<tr>");
                for (index, cell) in row.iter().enumerate() {
                    if index == 0 {
                        h.push_str(&format!("<th scope=\"row\">{}</th>", esc(cell)));
                    } else {
                        h.push_str(&format!("<td>{}</td>", esc(cell)));
                    }
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</tbody></table>\n<p class=\"note\">Recall and precision are over (document, work) pairs; \"false\" counts detections of a work in a document that does not hold it. T1 is exact by construction (a digest collision of md5, sha1, sha256 and blake3 at once is not a practical concern); T2 and T4 are not statistical methods and carry no error rate: they are signs that call for T1 or T3.</p>\n");
        }
        None => h.push_str("<p class=\"warn\">The evaluation table of this build's EVALUATION.md could not be read; see EVALUATION.md in the source repository.</p>\n"),
    }
    h.push_str("</section>\n");
    h
}

/// The per-transformation results table of `EVALUATION.md`.
#[derive(Debug, PartialEq)]
pub struct EvaluationTable {
    /// The `Run: …` line describing the evaluation run.
    pub run: String,
    /// Column names.
    pub header: Vec<String>,
    /// One row per transformation.
    pub rows: Vec<Vec<String>>,
}

/// Parses the "Per transformation (both splits)" table inside the results block of an
/// evaluation document; `None` when the block or the table is missing.
pub fn evaluation_table(document: &str) -> Option<EvaluationTable> {
    let begin = document.find("<!-- results:begin -->")?;
    let block = &document[begin..];
    let block = &block[..block.find("<!-- results:end -->").unwrap_or(block.len())];
    let run = block
        .lines()
        .find(|l| l.starts_with("Run:"))
        .unwrap_or("")
        .trim()
        .to_string();
    let table_start = block.find("### Per transformation (both splits)")?;
    let split = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut lines = block[table_start..]
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'));
    let header = split(lines.next()?);
    let separator = lines.next()?;
    if !separator.contains("---") {
        return None;
    }
    let rows: Vec<Vec<String>> = lines
        .map(split)
        .filter(|r| r.len() == header.len())
        .collect();
    (!rows.is_empty()).then_some(EvaluationTable { run, header, rows })
}

fn limitations() -> String {
    let mut h = String::from("<section id=\"limitations\">\n<h2>Limitations</h2>\n<ul>\n");
    for tier in [Tier::T1, Tier::T2, Tier::T3, Tier::T4] {
        h.push_str(&format!(
            "<li>{} does not prove {}.</li>\n",
            badge(tier),
            esc(does_not_prove(tier))
        ));
    }
    h.push_str(
        "<li>No finding is not proof of absence: a work can only be found if a registry lists its files or holds its reference text, and text matching needs the work's text.</li>\n\
<li>Coverage counts words of the reference text as registered; another edition shares only part of its words, and heavy OCR noise lowers measured coverage (see the error table: the heavy-noise corpus is a stress test beyond the targets).</li>\n\
<li>Registries are snapshots: the custody section names each source file and its sha256; a later snapshot can list more or fewer files.</li>\n\
<li>The report says what is in the corpus as scanned; whether a file was used to train a given model is outside what it can show.</li>\n\
</ul>\n</section>\n",
    );
    h
}

fn custody(result: &AuditResult) -> String {
    let run = &result.run;
    let corpus = &result.corpus;
    let mut h = String::from(
        "<section id=\"custody\">\n<h2>Custody</h2>\n<h3>Run</h3>\n<dl class=\"facts\">\n",
    );
    let mut fact = |label: &str, value: String| {
        h.push_str(&format!("<dt>{label}</dt><dd>{value}</dd>\n"));
    };
    fact(
        "Tool",
        format!(
            "{} {} (build <code>{}</code>)",
            esc(&run.tool),
            esc(&run.version),
            esc(&run.build)
        ),
    );
    fact(
        "Binary sha256",
        format!(
            "<code class=\"hash\">{}</code>",
            esc(run.binary_sha256.as_deref().unwrap_or("unknown"))
        ),
    );
    fact(
        "Command line",
        format!(
            "<code>{}</code>",
            esc(&run
                .command_line
                .iter()
                .map(|a| shell_word(a))
                .collect::<Vec<_>>()
                .join(" "))
        ),
    );
    fact(
        "Config digest",
        format!("<code class=\"hash\">{}</code>", esc(&run.config_digest)),
    );
    fact("Started", esc(or_dash(&run.started)));
    fact("Ended", esc(run.ended.as_deref().unwrap_or("—")));
    fact("Complete", yes_no(run.complete).to_string());
    fact("Host", esc(&run.host));
    fact("User", esc(&run.user));
    fact("Threads", num(run.threads as u64));
    fact(
        "Corpus roots",
        run_list(
            corpus
                .roots
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{i}: <code>{}</code>", esc(r))),
        ),
    );
    fact(
        "Corpus",
        format!(
            "{} files, {} archive members, {} bytes, {} text documents, {} errors",
            num(corpus.files),
            num(corpus.members),
            num(corpus.bytes),
            num(corpus.documents),
            num(corpus.errors)
        ),
    );
    fact(
        "Manifest",
        format!(
            "{} over {} files: <code class=\"hash\">{}</code>",
            esc(&result.manifest.algorithm),
            num(result.manifest.leaves),
            esc(&result.manifest.root)
        ),
    );
    h.push_str("</dl>\n");
    h.push_str(&format!(
        "<details><summary>Scan options</summary><pre class=\"json\">{}</pre></details>\n",
        esc_block(&serde_json::to_string_pretty(&run.options).unwrap_or_default())
    ));

    h.push_str("<h3>Registries</h3>\n");
    for snapshot in &run.registries {
        h.push_str(&format!(
            "<p><strong>{}</strong>: {} file records, content digest <code class=\"hash\">{}</code>, schema {}<br><span class=\"muted\">{}</span></p>\n",
            esc(&snapshot.names.join(", ")),
            num(snapshot.records),
            esc(&snapshot.digest),
            snapshot.schema_version,
            esc(&snapshot.path)
        ));
        h.push_str("<table class=\"compact\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Source file</th><th scope=\"col\">Format</th><th scope=\"col\">Bytes</th><th scope=\"col\">sha256</th><th scope=\"col\">Records read / kept / rejected</th><th scope=\"col\">Imported</th></tr></thead><tbody>\n");
        for source in &snapshot.sources {
            h.push_str(&format!(
                "<tr><td>{}</td><td class=\"path\"><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td><code class=\"hash\">{}</code></td><td class=\"num\">{} / {} / {}</td><td>{}</td></tr>\n",
                esc(&source.name),
                esc(&source.file_name),
                esc(&serde_name(&source.format)),
                num(source.bytes),
                esc(&source.sha256),
                num(source.records_read),
                num(source.records_kept),
                num(source.records_rejected),
                esc(&source.imported_at)
            ));
        }
        h.push_str("</tbody></table>\n");
    }

    h.push_str("<h3>Scans of this results database</h3>\n<table class=\"compact\"><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Kind</th><th scope=\"col\">Started</th><th scope=\"col\">Ended</th><th scope=\"col\">Status</th><th scope=\"col\">Config digest</th></tr></thead><tbody>\n");
    for scan in &run.scans {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code class=\"hash\">{}</code></td></tr>\n",
            scan.id,
            esc(&scan.kind),
            esc(&scan.started),
            esc(scan.ended.as_deref().unwrap_or("—")),
            esc(&scan.status),
            esc(&scan.config_digest)
        ));
    }
    h.push_str("</tbody></table>\n");

    h.push_str("<h3>Custody log</h3>\n<p class=\"note\">Each entry's hash is sha256 over the previous entry's hash, its sequence number, time, operation and detail, each followed by a newline; <code>provaudit verify</code> recomputes the chain.</p>\n<table class=\"compact custody\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Time</th><th scope=\"col\">Operation</th><th scope=\"col\">Detail</th><th scope=\"col\">Previous hash</th><th scope=\"col\">Hash</th></tr></thead><tbody>\n");
    for entry in &run.custody_log {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"detail\">{}</td><td><code class=\"hash\">{}</code></td><td><code class=\"hash\">{}</code></td></tr>\n",
            entry.seq,
            esc(&entry.at),
            esc(&entry.op),
            esc(&entry.detail.to_string()),
            esc(&entry.prev_hash),
            esc(&entry.hash)
        ));
    }
    h.push_str("</tbody></table>\n</section>\n");
    h
}

fn run_list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("<br>")
}

/// Marks the word differences between a corpus excerpt and the reference excerpt: returns
/// both as HTML, with words of the corpus missing from the reference in `<ins>` and words of
/// the reference missing from the corpus in `<del>`, by a longest common subsequence over
/// words compared without case and punctuation. Excerpts above [`MAX_DIFF_WORDS`] words are
/// shown unmarked.
pub fn word_diff(corpus: &str, reference: &str) -> (String, String) {
    let corpus_tokens = split_words(corpus);
    let reference_tokens = split_words(reference);
    let corpus_keys: Vec<String> = word_keys(&corpus_tokens);
    let reference_keys: Vec<String> = word_keys(&reference_tokens);
    let (in_corpus, in_reference) =
        if corpus_keys.len() > MAX_DIFF_WORDS || reference_keys.len() > MAX_DIFF_WORDS {
            (
                vec![true; corpus_keys.len()],
                vec![true; reference_keys.len()],
            )
        } else {
            lcs(&corpus_keys, &reference_keys)
        };
    (
        mark(&corpus_tokens, &in_corpus, "ins"),
        mark(&reference_tokens, &in_reference, "del"),
    )
}

/// Whether two excerpts differ in a word other than the last of either (the last word may be
/// cut by the excerpt's byte limit).
fn differs_inside(corpus: &str, reference: &str) -> bool {
    let mut a = word_keys(&split_words(corpus));
    let mut b = word_keys(&split_words(reference));
    a.pop();
    b.pop();
    if a.len() > MAX_DIFF_WORDS || b.len() > MAX_DIFF_WORDS {
        return false;
    }
    let (in_a, in_b) = lcs(&a, &b);
    // Words missing at the very end of the shorter side are the cut, not a difference.
    let common_a = in_a.iter().rposition(|c| *c).map_or(0, |i| i + 1);
    let common_b = in_b.iter().rposition(|c| *c).map_or(0, |i| i + 1);
    in_a[..common_a].contains(&false) || in_b[..common_b].contains(&false)
}

/// Splits text into alternating runs of whitespace and non-whitespace.
fn split_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut last_space = None;
    for (index, c) in text.char_indices() {
        let space = c.is_whitespace();
        if last_space.is_some_and(|l| l != space) {
            out.push(&text[start..index]);
            start = index;
        }
        last_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn word_keys(tokens: &[&str]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !t.starts_with(char::is_whitespace))
        .map(|t| {
            let key: String = t
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            if key.is_empty() { t.to_string() } else { key }
        })
        .collect()
}

/// Which words of `a` and of `b` belong to one longest common subsequence.
fn lcs(a: &[String], b: &[String]) -> (Vec<bool>, Vec<bool>) {
    let width = b.len() + 1;
    // table[i * width + j] = LCS length of a[i..] and b[j..]
    let mut table = vec![0u16; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let mut in_a = vec![false; a.len()];
    let mut in_b = vec![false; b.len()];
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            in_a[i] = true;
            in_b[j] = true;
            i += 1;
            j += 1;
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (in_a, in_b)
}

fn mark(tokens: &[&str], common: &[bool], tag: &str) -> String {
    let mut out = String::new();
    let mut word = 0;
    for token in tokens {
        if token.starts_with(char::is_whitespace) {
            out.push_str(&esc_block(token));
            continue;
        }
        if common.get(word).copied().unwrap_or(true) {
            out.push_str(&esc_block(token));
        } else {
            out.push_str(&format!("<{tag}>{}</{tag}>", esc_block(token)));
        }
        word += 1;
    }
    out
}

fn badge(tier: Tier) -> String {
    format!(
        "<span class=\"badge {}\" title=\"{}\">{}</span>",
        tier.as_str().to_ascii_lowercase(),
        esc(tier.kind()),
        tier.as_str()
    )
}

fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Md5 => "md5",
        Algorithm::Sha1 => "sha1",
        Algorithm::Sha256 => "sha256",
        Algorithm::Blake3 => "blake3",
    }
}

/// The name serde gives a unit enum variant (`libgen-sql`), for display.
fn serde_name(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A command-line argument quoted for a POSIX shell when it needs it.
fn shell_word(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() { "—" } else { text }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn zero_dim(n: u64) -> String {
    if n == 0 {
        "<span class=\"muted\">0</span>".to_string()
    } else {
        num(n)
    }
}

/// `1234567` as `1,234,567`.
pub fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a percentage with one decimal (`74.9%`), or two below 1%.
pub fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value > 0.0 && value < 1.0 {
        format!("{value:.2}%")
    } else {
        format!("{value:.1}%")
    }
}

/// Bytes in binary units (`858.4 KiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} bytes", num(bytes))
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The page's only style sheet. Calm colours, the system font stack, and print rules that
/// put each work sheet on its own page.
const CSS: &str = r#":root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg-soft: #f6f8fa; --accent: #0b5cad; --hit: #2f6fb3; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; color: var(--fg); margin: 0 auto; max-width: 72rem; padding: 1.5rem 2rem 3rem; line-height: 1.45; font-size: 15px; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.86em; }
code { overflow-wrap: anywhere; }
code.hash { font-size: 0.78em; word-break: break-all; }
h1 { font-size: 1.7rem; margin: 0 0 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--line); padding-bottom: 0.25rem; margin-top: 2.5rem; }
h3 { font-size: 1.08rem; margin-top: 1.6rem; }
h4 { font-size: 0.98rem; margin: 1.3rem 0 0.4rem; }
a { color: var(--accent); }
.subtitle, .muted, .note { color: var(--muted); }
.note { font-size: 0.88rem; }
.lead { font-size: 1.1rem; }
.warn { color: #9a3412; font-weight: 600; }
.ok { color: #1a7f37; }
nav ol { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; list-style: none; padding: 0.5rem 0; margin: 1rem 0 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 0.92rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: var(--bg-soft); border-bottom: 2px solid var(--line); font-weight: 600; }
tfoot th, tfoot td { font-weight: 600; border-top: 2px solid var(--line); }
table.compact { font-size: 0.84rem; }
table.numbers th[scope=col]:not(:first-child) { text-align: right; }
table.numbers td, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.path { max-width: 28rem; }
td.detail { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.76rem; overflow-wrap: anywhere; max-width: 22rem; }
#works-table td.title { font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: 0.6rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.8rem; background: #fff; }
.card dt { font-size: 0.82rem; color: var(--muted); }
.card dd { margin: 0; }
.card dd[data-count] { font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.card dd.note { font-size: 0.78rem; }
.badge { display: inline-block; min-width: 2.1em; text-align: center; padding: 0.05em 0.4em; border-radius: 4px; font-size: 0.8rem; font-weight: 700; color: #fff; vertical-align: 0.1em; }
.badge.t1 { background: #8f1d21; }
.badge.t2 { background: #a15c00; }
.badge.t3 { background: #1f5f99; }
.badge.t4 { background: #6e7781; }
.legend { border-left: 4px solid var(--line); padding: 0.2rem 1rem; margin: 1.5rem 0; background: var(--bg-soft); }
.legend dt { margin-top: 0.5rem; font-weight: 600; }
.legend dd { margin: 0.1rem 0 0 0; font-size: 0.9rem; }
.cmi { font-weight: 600; white-space: nowrap; }
.cmi-removed, .cmi-partly-removed { color: #9a3412; }
.cmi-present { color: #1a7f37; }
.cmi-none-in-reference { color: var(--muted); font-weight: 400; }
tr.missing td { background: #fff4ed; }
.sheet { border-top: 3px solid var(--line); margin-top: 2.5rem; padding-top: 0.5rem; }
.sheet h3 { font-size: 1.2rem; }
.sheet-no { color: var(--muted); font-weight: 400; }
.proves { background: var(--bg-soft); border-radius: 6px; padding: 0.5rem 0.8rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.8rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
figure { margin: 0; }
figure.strip { margin: 0.6rem 0 1rem; }
figure.strip svg { display: block; border: 1px solid var(--line); border-radius: 3px; }
figure.strip .bg { fill: #eef1f4; }
figure.strip .hit { fill: var(--hit); }
figure.strip figcaption { display: flex; justify-content: space-between; gap: 1rem; font-size: 0.78rem; color: var(--muted); }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8rem; margin: 0.6rem 0 1rem; }
.pair figcaption { font-size: 0.8rem; color: var(--muted); margin-bottom: 0.2rem; overflow-wrap: anywhere; }
pre.excerpt { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 4px; padding: 0.5rem 0.6rem; margin: 0; font-size: 0.8rem; max-height: 22rem; overflow: auto; }
pre.json { white-space: pre-wrap; font-size: 0.78rem; background: var(--bg-soft); padding: 0.5rem; }
ins { background: #d5f0dc; text-decoration: none; border-bottom: 2px solid #1a7f37; }
del { background: #fbe0e0; text-decoration: line-through; }
footer { margin-top: 3rem; padding-top: 0.6rem; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.8rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  .badge, ins, del, .card, thead th, tr.missing td, figure.strip svg, .legend, .proves, pre.excerpt { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section#sheets > h2 { break-before: page; }
  .sheet { break-before: page; border-top: none; margin-top: 0; }
  section#sheets > h2 + .sheet { break-before: avoid; }
  #conflicts, #method, #custody { break-before: page; }
  tr, .pair, figure, .card, .proves { break-inside: avoid; }
  thead { display: table-header-group; }
  h2, h3, h4 { break-after: avoid; }
  pre.excerpt { max-height: none; overflow: visible; }
  details > pre { display: block; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_diff(corpus: &str, reference: &str, expected: (&str, &str)) {
        let (c, r) = word_diff(corpus, reference);
        assert_eq!((c.as_str(), r.as_str()), expected);
    }

    #[test]
    fn word_diff_marks_only_changed_words() {
        check_diff("the cat sat", "the cat sat", ("the cat sat", "the cat sat"));
        check_diff(
            "the black cat sat",
            "the cat sat down",
            (
                "the <ins>black</ins> cat sat",
                "the cat sat <del>down</del>",
            ),
        );
        // Case and punctuation are ignored, as the matcher ignores them.
        check_diff(
            "THE CAT, sat.",
            "the cat sat",
            ("THE CAT, sat.", "the cat sat"),
        );
        // Layout is kept and markup is escaped.
        check_diff(
            "a\n<b>",
            "a\n<c>",
            ("a\n<ins>&lt;b&gt;</ins>", "a\n<del>&lt;c&gt;</del>"),
        );
    }

    #[test]
    fn a_difference_at_the_cut_is_not_a_difference_inside() {
        assert!(!differs_inside("the cat sat on", "the cat sat on the mat"));
        assert!(!differs_inside(
            "the cat sat on the m…",
            "the cat sat on the mat"
        ));
        assert!(differs_inside(
            "the dog sat on the mat",
            "the cat sat on the mat"
        ));
    }

    #[test]
    fn word_diff_is_bounded() {
        let long = "word ".repeat(MAX_DIFF_WORDS + 1);
        let (c, r) = word_diff(&long, "other");
        assert!(!c.contains("<ins>") && !r.contains("<del>"));
    }

    #[test]
    fn evaluation_table_is_read_from_the_repository() {
        let table = evaluation_table(EVALUATION).expect("EVALUATION.md has a results table");
        assert!(table.run.starts_with("Run:"), "{}", table.run);
        assert_eq!(table.header[0], "transformation");
        assert!(table.header.iter().any(|h| h.contains("recall")));
        assert!(table.rows.iter().any(|r| r[0] == "exact"));
        assert!(table.rows.iter().any(|r| r[0] == "cmi-stripped"));
    }

    #[test]
    fn evaluation_table_missing_gives_none() {
        assert_eq!(evaluation_table("# nothing here"), None);
        assert_eq!(
            evaluation_table("<!-- results:begin -->\nRun: x\n<!-- results:end -->"),
            None
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1_234_567), "1,234,567");
        assert_eq!(percent(0.748_570), "74.9%");
        assert_eq!(percent(0.0012), "0.12%");
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(879_039), "858.4 KiB");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("--out"), "--out");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
