//! The public week: what readers see once pieces go live. One code path renders it, from the
//! call, its published pieces (frozen as they went live, with the bylines their authors
//! consented to) and "now": the server uses it, and the static export will.
//!
//! Links between the week's pages are relative, so the same pages work from any host path;
//! canonical addresses, Open Graph and JSON-LD are absolute, from `public_url`.

use std::collections::BTreeMap;

use askama::Template;
use docket_core::prose_dates::long_date_with_weekday;
use docket_core::{Call, Format, markdown};
use docket_store::{PublicAuthor, PublishedPiece};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::site::{CallNav, Layout};

/// Words read a minute, for "4 minute read".
const READING_SPEED: u64 = 200;

/// Everything the public week is made of.
pub struct Week<'a> {
    pub mode: Mode,
    pub call: &'a Call,
    pub pieces: &'a [PublishedPiece],
    /// Where the week's pages are, without a trailing slash: Docket's public address
    /// (`https://docket.example.org`), or the export's `--base-url`.
    pub public_url: &'a str,
    /// Docket's own public address, for what only the server has (the way in, privacy).
    pub server_url: &'a str,
    pub now: Timestamp,
    /// Each piece's body as sanitised HTML, made once however many pages and feeds show it.
    bodies:
        std::sync::Mutex<std::collections::HashMap<docket_core::SubmissionId, std::sync::Arc<str>>>,
}

/// An author with an address of their own in the week, and the pieces they wrote.
#[derive(Debug, Clone)]
pub struct AuthorEntry {
    pub slug: String,
    pub author: PublicAuthor,
    /// Indexes into the week's pieces.
    pub pieces: Vec<usize>,
}

/// Where a page is, for the relative links it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The call's home: `/calls/{slug}` (the export's `index.html`).
    CallHome,
    /// One level under it: `/calls/{slug}/guidelines`.
    Section,
    /// Two levels under it: `/calls/{slug}/days/{date}`, `/pieces/{piece}`, `/authors/{author}`.
    Inner,
}

/// Who serves the pages: Docket itself, or any web server from the static export's folder
/// (each page a folder with its `index.html`, at any host path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Live,
    Export,
}

impl<'a> Week<'a> {
    /// The week of `call` made of `pieces`, as seen at `now`.
    pub fn new(
        mode: Mode,
        call: &'a Call,
        pieces: &'a [PublishedPiece],
        public_url: &'a str,
        server_url: &'a str,
        now: Timestamp,
    ) -> Self {
        Self {
            mode,
            call,
            pieces,
            public_url,
            server_url,
            now,
            bodies: std::sync::Mutex::default(),
        }
    }

    /// The piece's body as sanitised HTML (empty when it has none).
    pub fn body_html(&self, piece: &PublishedPiece) -> std::sync::Arc<str> {
        let known = self
            .bodies
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(&piece.id)
            .cloned();
        if let Some(html) = known {
            return html;
        }
        let html: std::sync::Arc<str> = if piece.piece.body.trim().is_empty() {
            "".into()
        } else {
            markdown::to_safe_html(&piece.piece.body).into()
        };
        self.bodies
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .insert(piece.id, html.clone());
        html
    }

    /// From a page at `place` to the call's page at `path` ("" for the call's home,
    /// "days/2022-11-15", "pieces/data-and-justice").
    pub fn page(&self, place: Place, path: &str) -> String {
        let slug = self.call.slug.as_str();
        match (self.mode, place, path.is_empty()) {
            (Mode::Live, Place::CallHome, true) => slug.to_owned(),
            (Mode::Live, Place::CallHome, false) => format!("{slug}/{path}"),
            (Mode::Live, Place::Section, true) => format!("../{slug}"),
            (Mode::Live, Place::Section, false) => path.to_owned(),
            (Mode::Live, Place::Inner, true) => format!("../../{slug}"),
            (Mode::Live, Place::Inner, false) => format!("../{path}"),
            (Mode::Export, place, true) => match place {
                Place::CallHome => "./".to_owned(),
                Place::Section => "../".to_owned(),
                Place::Inner => "../../".to_owned(),
            },
            (Mode::Export, place, false) => format!("{}{path}/", self.up(place)),
        }
    }

    /// From a page at `place` to a file of the call's (`feed.atom`, `pieces/x/file`).
    pub fn file(&self, place: Place, path: &str) -> String {
        match self.mode {
            Mode::Live => self.page(place, path),
            Mode::Export => format!("{}{path}", self.up(place)),
        }
    }

    /// From a page at `place` to the folder that holds `static/` (ends in `/`).
    pub fn root(&self, place: Place) -> String {
        match (self.mode, place) {
            (Mode::Live, Place::CallHome) => "../".into(),
            (Mode::Live, Place::Section) => "../../".into(),
            (Mode::Live, Place::Inner) => "../../../".into(),
            (Mode::Export, place) => match self.up(place) {
                "" => "./".into(),
                up => up.into(),
            },
        }
    }

    /// A page only Docket's server has (the submission form, privacy), not one of the week's:
    /// its path on the server, its full address from the export.
    pub fn server(&self, _place: Place, path: &str) -> String {
        match self.mode {
            Mode::Live => path.to_owned(),
            Mode::Export => format!("{}{path}", self.server_url),
        }
    }

    /// In the export, from a page at `place` to the export's root folder.
    fn up(&self, place: Place) -> &'static str {
        match place {
            Place::CallHome => "",
            Place::Section => "../",
            Place::Inner => "../../",
        }
    }

    /// The authors of the week's pieces, each with an address made from their name (a number
    /// added when two share one), in the order they first published.
    pub fn authors(&self) -> Vec<AuthorEntry> {
        let mut order: Vec<usize> = (0..self.pieces.len()).collect();
        order.sort_by_key(|&index| (self.pieces[index].published_at, index));
        let mut entries: Vec<AuthorEntry> = Vec::new();
        let mut by_identity: BTreeMap<&str, usize> = BTreeMap::new();
        for index in order {
            for author in &self.pieces[index].authors {
                if let Some(&entry) = by_identity.get(author.identity.as_str()) {
                    entries[entry].pieces.push(index);
                    continue;
                }
                let base = match docket_core::text::slugify(&author.name, 60) {
                    slug if slug.is_empty() => "author".to_owned(),
                    slug => slug,
                };
                let slug = std::iter::once(base.clone())
                    .chain((2..).map(|n| format!("{base}-{n}")))
                    .find(|candidate| entries.iter().all(|entry| &entry.slug != candidate))
                    .unwrap_or(base);
                by_identity.insert(author.identity.as_str(), entries.len());
                entries.push(AuthorEntry {
                    slug,
                    author: author.clone(),
                    pieces: vec![index],
                });
            }
        }
        for entry in &mut entries {
            entry.pieces.sort_by_key(|&index| {
                let piece = &self.pieces[index];
                (piece.day, piece.position, piece.id)
            });
        }
        entries
    }

    /// The call's date today, in its zone.
    pub fn today(&self) -> Date {
        self.call.local(self.now).date()
    }

    /// The full address of the call's page or file at `path` ("" for the call's home).
    pub fn url(&self, path: &str, page: bool) -> String {
        match (self.mode, path.is_empty()) {
            (Mode::Live, true) => format!("{}/calls/{}", self.public_url, self.call.slug),
            (Mode::Live, false) => format!("{}/calls/{}/{path}", self.public_url, self.call.slug),
            (Mode::Export, true) => format!("{}/", self.public_url),
            (Mode::Export, false) if page => format!("{}/{path}/", self.public_url),
            (Mode::Export, false) => format!("{}/{path}", self.public_url),
        }
    }

    fn absolute(&self, path: &str) -> String {
        self.url(path, true)
    }

    fn teaser(&self, index: usize, place: Place, authors: &[AuthorEntry]) -> Teaser {
        let piece = &self.pieces[index];
        Teaser {
            href: self.page(place, &format!("pieces/{}", piece.slug)),
            title: piece.piece.title.clone(),
            summary: piece.piece.summary.clone(),
            kind: kind_name(self.call, &piece.piece.kind),
            byline: byline_links(piece, authors, place, self),
            length: length(self.call, piece),
            day: long_date_with_weekday(piece.day),
            day_iso: piece.day.to_string(),
        }
    }

    /// The week as the call's page and a day's page show it: each themed day with its live
    /// pieces, today's first.
    pub fn summary(&self, place: Place, only: Option<Date>) -> WeekView {
        let authors = self.authors();
        let today = self.today();
        let days = self
            .call
            .days
            .iter()
            .filter(|day| only.is_none_or(|only| only == day.date))
            .map(|day| {
                let pieces: Vec<Teaser> = (0..self.pieces.len())
                    .filter(|&index| self.pieces[index].day == day.date)
                    .map(|index| self.teaser(index, place, &authors))
                    .collect();
                WeekDay {
                    iso: day.date.to_string(),
                    date: long_date_with_weekday(day.date),
                    theme: day.theme.clone(),
                    href: self.page(place, &format!("days/{}", day.date)),
                    today: day.date == today,
                    coming: day.date > today,
                    pieces,
                }
            })
            .collect();
        let feeds = [
            ("Atom feed", "feed.atom"),
            ("RSS feed", "feed.rss"),
            ("JSON Feed", "feed.json"),
            ("Podcast feed", "podcast.rss"),
            ("Calendar", "week.ics"),
        ]
        .into_iter()
        .map(|(label, path)| (label.to_owned(), self.file(place, path)))
        .collect();
        WeekView {
            feeds,
            live: !self.pieces.is_empty(),
            today: self.call.day(today).map(|day| day.theme.clone()),
            days,
        }
    }

    /// The page of the piece at `slug`, if it is published.
    pub fn piece_page(&self, slug: &str, layout: Layout) -> Option<Result<String, askama::Error>> {
        self.piece_page_with(slug, layout, &self.authors())
    }

    /// As [`Week::piece_page`], with the week's authors worked out once by the caller (the
    /// export renders every piece).
    pub fn piece_page_with(
        &self,
        slug: &str,
        layout: Layout,
        authors: &[AuthorEntry],
    ) -> Option<Result<String, askama::Error>> {
        let index = self.pieces.iter().position(|piece| piece.slug == slug)?;
        let piece = &self.pieces[index];
        let place = Place::Inner;

        let canonical = self.absolute(&format!("pieces/{}", piece.slug));
        let format = self
            .call
            .kind(&piece.piece.kind)
            .map_or(Format::Text, |kind| kind.format);
        let file = piece.piece.document.as_ref().map(|document| FileView {
            href: self.file(place, &format!("pieces/{}/file", piece.slug)),
            mime: document.mime.clone(),
            description: file_description(document, piece.piece.pages),
        });
        let audio = (format == Format::Audio)
            .then(|| file.clone().filter(|file| file.mime.starts_with("audio/")))
            .flatten();
        let download = (format == Format::Document).then(|| file.clone()).flatten();
        let writers: Vec<AuthorView> = piece
            .authors
            .iter()
            .map(|author| {
                let entry = authors
                    .iter()
                    .find(|entry| entry.author.identity == author.identity);
                author_view(author, entry, place, self)
            })
            .collect();
        let image = writers.iter().find_map(|author| {
            author
                .headshot
                .as_ref()
                .map(|_| self.url(&format!("authors/{}/headshot", author.slug), false))
        });
        let day = self.call.day(piece.day);
        let published = piece.published_at.to_string();
        let json_ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": if format == Format::Audio { "PodcastEpisode" } else { "Article" },
            "headline": piece.piece.title,
            "description": piece.piece.summary,
            "datePublished": published,
            "url": canonical,
            "mainEntityOfPage": canonical,
            "author": piece.authors.iter().map(|author| serde_json::json!({
                "@type": "Person",
                "name": author.name,
            })).collect::<Vec<_>>(),
            "publisher": { "@type": "Organization", "name": self.call.organiser },
            "isPartOf": { "@type": "CreativeWorkSeries", "name": self.call.title, "url": self.url("", true) },
            "image": image,
            "wordCount": piece.piece.words,
        });
        let shares = share_links(&piece.piece.title, &canonical, self.call.hashtag.as_deref());
        let index_in_day: Vec<usize> = (0..self.pieces.len())
            .filter(|&other| self.pieces[other].day == piece.day)
            .collect();
        let at = index_in_day
            .iter()
            .position(|&other| other == index)
            .unwrap_or(0);
        let previous = at
            .checked_sub(1)
            .map(|i| self.teaser(index_in_day[i], place, authors));
        let next = index_in_day
            .get(at + 1)
            .map(|&i| self.teaser(i, place, authors));
        let page = PiecePage {
            layout: week_layout(layout, self, place),
            call_title: self.call.title.clone(),
            call_href: self.page(place, ""),
            title: piece.piece.title.clone(),
            summary: piece.piece.summary.clone(),
            kind: kind_name(self.call, &piece.piece.kind),
            body_html: self.body_html(piece).to_string(),
            transcript: format == Format::Audio,
            authors: writers,
            day: long_date_with_weekday(piece.day),
            day_iso: piece.day.to_string(),
            day_href: self.page(place, &format!("days/{}", piece.day)),
            theme: day.map(|day| day.theme.clone()).unwrap_or_default(),
            published: self
                .call
                .local(piece.published_at)
                .strftime("%-d %B %Y")
                .to_string(),
            published_iso: published,
            length: length(self.call, piece),
            canonical,
            image,
            audio,
            download,
            link: piece.piece.link.clone(),
            shares,
            hashtag: self.call.hashtag.clone(),
            json_ld: script_json(&json_ld),
            previous,
            next,
        };
        Some(page.render())
    }

    /// The page of the author at `slug`, if they have a published piece.
    pub fn author_page(&self, slug: &str, layout: Layout) -> Option<Result<String, askama::Error>> {
        self.author_page_with(slug, layout, &self.authors())
    }

    /// As [`Week::author_page`], with the week's authors worked out once by the caller.
    pub fn author_page_with(
        &self,
        slug: &str,
        layout: Layout,
        authors: &[AuthorEntry],
    ) -> Option<Result<String, askama::Error>> {
        let entry = authors.iter().find(|entry| entry.slug == slug)?;
        let place = Place::Inner;
        let page = AuthorPage {
            layout: week_layout(layout, self, place),
            call_title: self.call.title.clone(),
            call_href: self.page(place, ""),
            author: author_view(&entry.author, Some(entry), place, self),
            canonical: self.absolute(&format!("authors/{}", entry.slug)),
            pieces: entry
                .pieces
                .iter()
                .map(|&index| self.teaser(index, place, authors))
                .collect(),
        };
        Some(page.render())
    }
}

/// The frame of a week page: the call's navigation and the site's links, relative.
pub fn week_layout(mut layout: Layout, week: &Week<'_>, place: Place) -> Layout {
    let home = week.page(place, "");
    layout.call_nav = Some(CallNav {
        title: week.call.title.clone(),
        guidelines_href: week.page(place, "guidelines"),
        href: home,
    });
    layout.root = week.root(place);
    layout.privacy_href = week.server(place, "/privacy");
    layout
}

/// JSON for a `<script>` element: nothing in it can close the element.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn kind_name(call: &Call, key: &str) -> String {
    call.kind(key)
        .map_or_else(|| key.to_owned(), |kind| kind.name.clone())
}

/// "4 minute read", "25 minutes", "12 pages", or empty.
fn length(call: &Call, piece: &PublishedPiece) -> String {
    let format = call
        .kind(&piece.piece.kind)
        .map_or(Format::Text, |kind| kind.format);
    match format {
        Format::Text => {
            let words = piece.piece.words.unwrap_or_else(|| {
                docket_core::text::count_markdown_words(&piece.piece.body) as u64
            });
            let minutes = words.div_ceil(READING_SPEED).max(1);
            format!("{minutes} minute read")
        }
        Format::Audio => piece
            .piece
            .minutes
            .map(|minutes| {
                let minutes = minutes.round().max(1.0) as u64;
                format!(
                    "{minutes} {}",
                    if minutes == 1 { "minute" } else { "minutes" }
                )
            })
            .unwrap_or_default(),
        Format::Document => piece
            .piece
            .pages
            .map(|pages| format!("{pages} {}", if pages == 1 { "page" } else { "pages" }))
            .unwrap_or_default(),
    }
}

/// "PDF, 1.2 MB, 12 pages".
fn file_description(document: &docket_core::submission::AssetRef, pages: Option<u32>) -> String {
    let kind = match document.mime.as_str() {
        "application/pdf" => "PDF".to_owned(),
        "audio/mpeg" => "MP3 audio".to_owned(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            "Word document".to_owned()
        }
        "application/vnd.oasis.opendocument.text" => "OpenDocument text".to_owned(),
        mime => mime.to_owned(),
    };
    let size = docket_core::call::human_bytes(document.size);
    match pages {
        Some(pages) => format!(
            "{kind}, {size}, {pages} {}",
            if pages == 1 { "page" } else { "pages" }
        ),
        None => format!("{kind}, {size}"),
    }
}

fn byline_links(
    piece: &PublishedPiece,
    authors: &[AuthorEntry],
    place: Place,
    week: &Week<'_>,
) -> Vec<(String, String)> {
    piece
        .authors
        .iter()
        .map(|author| {
            let slug = authors
                .iter()
                .find(|entry| entry.author.identity == author.identity)
                .map(|entry| entry.slug.clone())
                .unwrap_or_default();
            (
                author.byline.clone(),
                week.page(place, &format!("authors/{slug}")),
            )
        })
        .collect()
}

fn author_view(
    author: &PublicAuthor,
    entry: Option<&AuthorEntry>,
    place: Place,
    week: &Week<'_>,
) -> AuthorView {
    let slug = entry.map(|entry| entry.slug.clone()).unwrap_or_default();
    AuthorView {
        name: author.name.clone(),
        byline: author.byline.clone(),
        bio_html: if author.bio.trim().is_empty() {
            String::new()
        } else {
            markdown::to_safe_html(&author.bio)
        },
        links: author
            .links
            .iter()
            .filter(|link| link.starts_with("https://") || link.starts_with("http://"))
            .cloned()
            .collect(),
        headshot: author
            .headshot_id
            .map(|_| week.file(place, &format!("authors/{slug}/headshot"))),
        href: week.page(place, &format!("authors/{slug}")),
        slug,
    }
}

fn share_links(title: &str, url: &str, hashtag: Option<&str>) -> Vec<(String, String)> {
    let tag = hashtag.map(|tag| tag.trim_start_matches('#').to_owned());
    let encode = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap_or_default();
    let text = match &tag {
        Some(tag) => format!("{title} #{tag}"),
        None => title.to_owned(),
    };
    let mut x = vec![("text", title), ("url", url)];
    if let Some(tag) = &tag {
        x.push(("hashtags", tag.as_str()));
    }
    vec![
        (
            "Share on X".to_owned(),
            format!("https://twitter.com/intent/tweet?{}", encode(&x)),
        ),
        (
            "Share on LinkedIn".to_owned(),
            format!(
                "https://www.linkedin.com/sharing/share-offsite/?{}",
                encode(&[("url", url)])
            ),
        ),
        (
            "Share on Bluesky".to_owned(),
            format!(
                "https://bsky.app/intent/compose?{}",
                encode(&[("text", &format!("{text} {url}"))])
            ),
        ),
        (
            "Share by email".to_owned(),
            format!(
                "mailto:?{}",
                encode(&[("subject", title), ("body", url)]).replace('+', "%20")
            ),
        ),
    ]
}

/// A piece in a list.
#[derive(Debug, Clone)]
pub struct Teaser {
    pub href: String,
    pub title: String,
    pub summary: String,
    pub kind: String,
    /// (byline, author page).
    pub byline: Vec<(String, String)>,
    pub length: String,
    pub day: String,
    pub day_iso: String,
}

/// A themed day in the week's summary.
#[derive(Debug, Clone)]
pub struct WeekDay {
    pub iso: String,
    pub date: String,
    pub theme: String,
    pub href: String,
    pub today: bool,
    pub coming: bool,
    pub pieces: Vec<Teaser>,
}

/// The week as the call's and the days' pages show it.
#[derive(Debug, Clone)]
pub struct WeekView {
    /// (label, link) for each of the week's feeds and its calendar.
    pub feeds: Vec<(String, String)>,
    /// True once anything is published.
    pub live: bool,
    /// Today's theme, during the week.
    pub today: Option<String>,
    pub days: Vec<WeekDay>,
}

#[derive(Debug, Clone)]
pub struct FileView {
    pub href: String,
    pub mime: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct AuthorView {
    pub name: String,
    pub byline: String,
    pub bio_html: String,
    pub links: Vec<String>,
    pub headshot: Option<String>,
    pub href: String,
    pub slug: String,
}

#[derive(Template)]
#[template(path = "week/piece.html")]
pub struct PiecePage {
    pub layout: Layout,
    pub call_title: String,
    pub call_href: String,
    pub title: String,
    pub summary: String,
    pub kind: String,
    pub body_html: String,
    /// The body is a podcast's transcript.
    pub transcript: bool,
    pub authors: Vec<AuthorView>,
    pub day: String,
    pub day_iso: String,
    pub day_href: String,
    pub theme: String,
    pub published: String,
    pub published_iso: String,
    pub length: String,
    pub canonical: String,
    pub image: Option<String>,
    pub audio: Option<FileView>,
    pub download: Option<FileView>,
    pub link: Option<String>,
    pub shares: Vec<(String, String)>,
    pub hashtag: Option<String>,
    pub json_ld: String,
    pub previous: Option<Teaser>,
    pub next: Option<Teaser>,
}

#[derive(Template)]
#[template(path = "week/author.html")]
pub struct AuthorPage {
    pub layout: Layout,
    pub call_title: String,
    pub call_href: String,
    pub author: AuthorView,
    pub canonical: String,
    pub pieces: Vec<Teaser>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_a_script_cannot_close_it() {
        let json = script_json(&serde_json::json!({ "headline": "</script><b>&" }));
        assert!(!json.contains("</script>"));
        assert!(!json.contains('<'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back["headline"], "</script><b>&");
    }
}
