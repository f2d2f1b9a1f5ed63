//! `docket export site`: the whole public week as static files, rendered by the same code as
//! the server's pages (`docket_web::week` in its export mode): each page a folder with its
//! `index.html`, relative links between them, absolute ones from `--base-url`, the stylesheet,
//! the pieces' files, the feeds and the calendar. A link check over the output fails the export
//! and names each broken link. A second run rewrites only the files whose bytes changed, and
//! removes the files an earlier run wrote that are no longer part of the week.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use docket_store::Store;
use docket_web::feeds::Selection;
use docket_web::week::{Mode, Week};

/// The list of files an export wrote, kept in the output folder for the next run.
const MANIFEST: &str = ".docket-export";

/// What an export did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files the week is made of.
    pub files: usize,
    /// Of those, files written because they were new or changed.
    pub written: usize,
    /// Files of an earlier export no longer part of the week, removed.
    pub removed: usize,
}

/// Shows how far the export is: a bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    step: usize,
    quiet: bool,
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        if bar.is_none() && !quiet {
            eprintln!("exporting {total} files");
        }
        Self {
            bar,
            total,
            step: (total / 10).max(1),
            quiet,
        }
    }

    fn tick(&self, done: usize) {
        match &self.bar {
            Some(bar) => bar.set_position(done as u64),
            None if !self.quiet && (done.is_multiple_of(self.step) || done == self.total) => {
                eprintln!("{done} of {} files", self.total);
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Renders the week of the call `slug` into `files` (relative path → bytes).
pub async fn render(
    store: &dyn Store,
    slug: &str,
    base_url: &str,
    server_url: &str,
    now: jiff::Timestamp,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let stored = store
        .call(slug)
        .await?
        .with_context(|| format!("there is no call `{slug}`: `docket call import` it first"))?;
    let pieces = store.published(stored.id).await?;
    let board = store.board(stored.id).await?;
    let announcements = store.announcements(stored.id).await?;
    let week = Week::new(
        Mode::Export,
        &stored.call,
        &pieces,
        base_url.trim_end_matches('/'),
        server_url.trim_end_matches('/'),
        now,
    );
    // A real clock: no demo banner in the export.
    let clock = docket_core::SystemClock;
    let layout = |title: &str| docket_web::site::Layout::new(title, &clock, Some(&stored.call));
    let mut files = BTreeMap::new();
    let mut page = |path: String, html: String| {
        let file = if path.is_empty() {
            "index.html".to_owned()
        } else {
            format!("{path}/index.html")
        };
        files.insert(file, html.into_bytes());
    };
    page(
        String::new(),
        docket_web::site::call_page(&week, &clock, None, &announcements)?,
    );
    page(
        "guidelines".into(),
        docket_web::site::guidelines_page(&week, &clock, None)?,
    );
    for day in &stored.call.days {
        if let Some(html) = docket_web::site::day_page(&week, day.date, &clock, None) {
            page(format!("days/{}", day.date), html?);
        }
    }
    // The authors once, for every page that names them.
    let authors = week.authors();
    // The pieces' pages, the bulk of the work, on every core.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = pieces.len().div_ceil(threads).max(1);
    let rendered: Vec<anyhow::Result<Vec<(String, String)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pieces
            .chunks(chunk)
            .map(|part| {
                let (week, authors, layout) = (&week, &authors, &layout);
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(part.len());
                    for piece in part {
                        if let Some(html) =
                            week.piece_page_with(&piece.slug, layout(&piece.piece.title), authors)
                        {
                            out.push((format!("pieces/{}", piece.slug), html?));
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("rendering a piece's page failed")))
            })
            .collect()
    });
    for part in rendered {
        for (path, html) in part? {
            page(path, html);
        }
    }
    for entry in &authors {
        if let Some(html) = week.author_page_with(&entry.slug, layout(&entry.author.name), &authors)
        {
            page(format!("authors/{}", entry.slug), html?);
        }
    }
    // The pieces' files and the authors' headshots, as the pages link them.
    for piece in &pieces {
        if let Some(document) = &piece.piece.document
            && let Some(asset) = store.asset(document.id).await?
        {
            files.insert(format!("pieces/{}/file", piece.slug), asset.bytes);
        }
    }
    for entry in &authors {
        if let Some(id) = entry.author.headshot_id
            && let Some(asset) = store.asset(id).await?
        {
            files.insert(format!("authors/{}/headshot", entry.slug), asset.bytes);
        }
    }
    files.insert(
        "static/docket.css".into(),
        docket_web::static_asset("docket.css").context("the stylesheet is built in")?,
    );
    files.insert(
        "feed.atom".into(),
        week.atom(Selection::All, "feed.atom").into_bytes(),
    );
    files.insert(
        "partner.atom".into(),
        week.atom(Selection::Partner, "partner.atom").into_bytes(),
    );
    files.insert("feed.rss".into(), week.rss().into_bytes());
    files.insert("feed.json".into(), week.json_feed().into_bytes());
    files.insert("podcast.rss".into(), week.podcast().into_bytes());
    for day in &stored.call.days {
        let path = format!("days/{}/feed.atom", day.date);
        files.insert(
            path.clone(),
            week.atom(Selection::Day(day.date), &path).into_bytes(),
        );
    }
    let scheduled = docket_web::calendar_pieces(&week, &board);
    files.insert("week.ics".into(), week.calendar(&scheduled).into_bytes());
    Ok(files)
}

/// Writes `files` into `dir`: only those whose bytes differ from what is there, each through a
/// temporary file renamed into place; then removes what an earlier export wrote and this one did
/// not. Checks every link first: nothing is written when one is broken.
pub fn write(dir: &Path, files: &BTreeMap<String, Vec<u8>>, quiet: bool) -> anyhow::Result<Report> {
    let broken = check_links(files);
    if !broken.is_empty() {
        bail!(
            "the export has {} broken {}; nothing was written:\n{}",
            broken.len(),
            if broken.len() == 1 { "link" } else { "links" },
            broken.join("\n")
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("could not make the folder {}", dir.display()))?;
    let progress = Progress::new(files.len(), quiet);
    let mut report = Report {
        files: files.len(),
        ..Report::default()
    };
    for (done, (path, bytes)) in files.iter().enumerate() {
        let target = dir.join(path);
        let same = std::fs::read(&target).is_ok_and(|old| &old == bytes);
        if !same {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("could not make {}", parent.display()))?;
            }
            let temporary = target.with_extension("docket-tmp");
            std::fs::write(&temporary, bytes)
                .with_context(|| format!("could not write {}", temporary.display()))?;
            std::fs::rename(&temporary, &target)
                .with_context(|| format!("could not write {}", target.display()))?;
            report.written += 1;
        }
        progress.tick(done + 1);
    }
    progress.finish();
    let manifest = dir.join(MANIFEST);
    let before: BTreeSet<String> = std::fs::read_to_string(&manifest)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    for stale in before.iter().filter(|path| !files.contains_key(*path)) {
        // Only paths this tool wrote, inside the folder.
        if stale.split('/').any(|part| part == ".." || part.is_empty()) {
            continue;
        }
        if std::fs::remove_file(dir.join(stale)).is_ok() {
            report.removed += 1;
        }
    }
    let listing: String = files.keys().map(|path| format!("{path}\n")).collect();
    std::fs::write(&manifest, listing)
        .with_context(|| format!("could not write {}", manifest.display()))?;
    Ok(report)
}

/// Every `href` and `src` in the HTML files that leads nowhere in the export, as
/// "pieces/x/index.html: ../../days/2022-11-19/ (no such file)". Links with a scheme
/// (`https:`, `mailto:`) and fragments within a page are not followed.
pub fn check_links(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut broken = Vec::new();
    for (path, bytes) in files.iter().filter(|(path, _)| path.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        for link in links(&html) {
            let link = html_unescape(&link);
            if link.is_empty()
                || link.starts_with('#')
                || link.contains(':')
                || link.starts_with("//")
            {
                continue;
            }
            let target = link.split(['#', '?']).next().unwrap_or_default();
            if target.starts_with('/') {
                broken.push(format!(
                    "{path}: {link} (an address from the server's root does not work from a folder)"
                ));
                continue;
            }
            match resolve(folder, target) {
                Some(resolved) => {
                    let found = files.contains_key(&resolved)
                        || files.contains_key(&format!(
                            "{}index.html",
                            if resolved.is_empty() || resolved.ends_with('/') {
                                resolved.clone()
                            } else {
                                format!("{resolved}/")
                            }
                        ));
                    if !found {
                        broken.push(format!("{path}: {link} (no such file)"));
                    }
                }
                None => broken.push(format!("{path}: {link} (leads out of the export)")),
            }
        }
    }
    broken
}

/// The values of `href="…"` and `src="…"` attributes.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    out
}

fn html_unescape(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
}

/// `target` from the folder `folder`, as a path in the export ("" for its root); None when it
/// climbs out. A trailing `/` is kept.
fn resolve(folder: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|part| !part.is_empty()).collect();
    let trailing = target.ends_with('/') || target == "." || target == "..";
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    let mut resolved = parts.join("/");
    if trailing && !resolved.is_empty() {
        resolved.push('/');
    }
    Some(resolved)
}

/// `docket export site`: renders, checks and writes; prints what it did.
pub async fn site(
    store: &dyn Store,
    slug: &str,
    dir: &Path,
    base_url: &str,
    server_url: &str,
) -> anyhow::Result<Report> {
    let host = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"));
    if host.is_none_or(|host| host.is_empty() || host.starts_with('/')) {
        bail!(
            "--base-url must be the full address the site will have, such as https://example.org/week/ (got `{base_url}`)"
        );
    }
    let files = render(store, slug, base_url, server_url, jiff::Timestamp::now()).await?;
    write(dir, &files, false)
}

/// The output folder, made absolute for messages.
pub fn shown(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_from_their_folder_and_a_missing_one_is_named() {
        assert_eq!(
            resolve("pieces/a", "../../days/x/").as_deref(),
            Some("days/x/")
        );
        assert_eq!(resolve("", "./").as_deref(), Some(""));
        assert_eq!(resolve("", "../x"), None);
        let mut files = BTreeMap::new();
        files.insert(
            "index.html".to_owned(),
            b"<a href=\"days/x/\">x</a><a href=\"days/y/\">y</a><a href=\"https://e.org/\">e</a><link href=\"static/docket.css\"><a href=\"/calls/x\">root</a>".to_vec(),
        );
        files.insert(
            "days/x/index.html".to_owned(),
            b"<a href=\"../../\">home</a>".to_vec(),
        );
        files.insert("static/docket.css".to_owned(), Vec::new());
        let broken = check_links(&files);
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken[0].contains("days/y/"), "{broken:?}");
        assert!(broken[1].contains("/calls/x"), "{broken:?}");
    }
}
