//! The public week's pages: a piece at its stable address (earlier addresses redirect, a piece
//! taken down answers 410 Gone), an author's page, a piece's file and an author's headshot.
//!
//! Public pages carry no cookie, an `ETag` and `Last-Modified`, a `Cache-Control` a CDN can
//! follow, and answer conditional requests with 304. Rendered pages are kept in memory for
//! visitors who are not signed in, each under the call's week version: a publication or a
//! take-down on any node bumps it in the database, so every node's copy goes stale at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use docket_store::{SlugLookup, StoredCall};
use jiff::Timestamp;

use crate::auth::MaybeUser;
use crate::csrf::CsrfToken;
use crate::site::Layout;
use crate::week::Week;
use crate::{AppState, Route, WebError};

/// The public week's own routes (the call's and the days' pages are in `public`).
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/calls/{slug}/pieces/{piece}", piece),
        Route::get("/calls/{slug}/pieces/{piece}/file", piece_file),
        Route::get("/calls/{slug}/authors/{author}", author),
        Route::get("/calls/{slug}/authors/{author}/headshot", headshot),
        Route::get("/calls/{slug}/feed.atom", feed_atom),
        Route::get("/calls/{slug}/feed.rss", feed_rss),
        Route::get("/calls/{slug}/feed.json", feed_json),
        Route::get("/calls/{slug}/days/{date}/feed.atom", day_feed),
        Route::get("/calls/{slug}/podcast.rss", podcast),
        Route::get("/calls/{slug}/partner.atom", partner_feed),
        Route::get("/calls/{slug}/week.ics", calendar),
    ]
}

/// The most pages kept; past it the cache starts again (a week has far fewer pages).
const CACHE_PAGES: usize = 20_000;

/// How long a node trusts what it last read of a call and its week version before it asks the
/// database again: a publication on another node reaches this node's pages within this.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Rendered public pages, by path, for visitors who are not signed in; and, by slug, the call
/// and its week version as last read.
#[derive(Debug, Default)]
pub struct PublicCache {
    pages: Mutex<HashMap<String, Arc<Page>>>,
    calls: Mutex<HashMap<String, Checked>>,
    /// Each call's published pieces at a week version: one request reads them, the others wait
    /// for it rather than all reading the same rows at once.
    weeks: tokio::sync::Mutex<PublishedWeeks>,
}

/// Each call's published pieces, with the week version they were read at.
type PublishedWeeks = HashMap<docket_core::CallId, (i64, Arc<Vec<docket_store::PublishedPiece>>)>;

/// A call and its week version as read at `at`.
#[derive(Debug, Clone)]
struct Checked {
    at: std::time::Instant,
    stored: Arc<StoredCall>,
    version: i64,
    changed_at: Option<Timestamp>,
}

/// A rendered public page and what its conditional answers need.
#[derive(Debug)]
pub struct Page {
    /// What the page was rendered from: the call's week version, its last change, today.
    key: String,
    body: Bytes,
    content_type: &'static str,
    etag: String,
    last_modified: Timestamp,
}

impl PublicCache {
    /// The call's published pieces at `version`, read once per version on this node.
    pub(crate) async fn published(
        &self,
        state: &AppState,
        call_id: docket_core::CallId,
        version: i64,
    ) -> Result<Arc<Vec<docket_store::PublishedPiece>>, WebError> {
        let mut weeks = self.weeks.lock().await;
        if let Some((known, pieces)) = weeks.get(&call_id)
            && *known == version
        {
            return Ok(pieces.clone());
        }
        let pieces = Arc::new(state.store.published(call_id).await?);
        weeks.insert(call_id, (version, pieces.clone()));
        Ok(pieces)
    }

    fn get(&self, path: &str, key: &str) -> Option<Arc<Page>> {
        let pages = self
            .pages
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        pages.get(path).filter(|page| page.key == key).cloned()
    }

    fn put(&self, path: &str, page: Arc<Page>) {
        let mut pages = self
            .pages
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if pages.len() >= CACHE_PAGES {
            pages.clear();
        }
        pages.insert(path.to_owned(), page);
    }
}

/// What a public page of a call depends on, read once per request (one query beyond the call).
pub(crate) struct Freshness {
    key: String,
    last_modified: Timestamp,
    /// The call's week version the page is made from.
    pub(crate) version: i64,
    /// Nobody is signed in: a shared cache (a CDN) may keep the page.
    anonymous: bool,
    /// Kept in this node's memory too: nobody is signed in and the clock is real (a simulated
    /// clock's banner changes by the minute).
    cacheable: bool,
}

impl Freshness {
    /// The call at `slug` (404 when there is none) and what its public pages depend on. For a
    /// visitor the shared cache serves, both come from memory when read less than [`RECHECK`]
    /// ago: a cached page then costs no query at all.
    pub(crate) async fn load(
        state: &AppState,
        slug: &str,
        visitor: &MaybeUser,
    ) -> Result<(Arc<StoredCall>, Self), WebError> {
        let shared = visitor.0.is_none() && !state.clock.is_simulated();
        if shared {
            let recent = state
                .public_cache
                .calls
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .get(slug)
                .filter(|checked| checked.at.elapsed() < RECHECK)
                .cloned();
            if let Some(checked) = recent {
                let fresh = Self::new(
                    state,
                    &checked.stored,
                    visitor,
                    checked.version,
                    checked.changed_at,
                );
                return Ok((checked.stored, fresh));
            }
        }
        let stored = Arc::new(
            state
                .store
                .call(slug)
                .await?
                .ok_or_else(|| WebError::not_found(state))?,
        );
        let (version, changed_at) = state.store.week_version(stored.id).await?;
        if shared {
            state
                .public_cache
                .calls
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .insert(
                    slug.to_owned(),
                    Checked {
                        at: std::time::Instant::now(),
                        stored: stored.clone(),
                        version,
                        changed_at,
                    },
                );
        }
        let fresh = Self::new(state, &stored, visitor, version, changed_at);
        Ok((stored, fresh))
    }

    fn new(
        state: &AppState,
        stored: &StoredCall,
        visitor: &MaybeUser,
        version: i64,
        changed_at: Option<Timestamp>,
    ) -> Self {
        let now = state.clock.now();
        let today = stored.call.local(now).date();
        // A page that says what is live "today" changes at midnight in the call's zone.
        let midnight = stored
            .call
            .local_instant(today, jiff::civil::Time::midnight());
        let last_modified = [Some(stored.updated_at), changed_at, Some(midnight)]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(stored.updated_at);
        Self {
            key: format!("{version}:{}:{today}", stored.updated_at.as_microsecond()),
            version,
            last_modified,
            anonymous: visitor.0.is_none(),
            cacheable: visitor.0.is_none() && !state.clock.is_simulated(),
        }
    }

    /// The call's published pieces at this request's week version, read once per version on
    /// each node.
    pub(crate) async fn pieces(
        &self,
        state: &AppState,
        stored: &StoredCall,
    ) -> Result<Arc<Vec<docket_store::PublishedPiece>>, WebError> {
        state
            .public_cache
            .published(state, stored.id, self.version)
            .await
    }

    /// The cached page at `path`, when it is still current.
    pub(crate) fn cached(&self, state: &AppState, path: &str) -> Option<Arc<Page>> {
        self.cacheable
            .then(|| state.public_cache.get(path, &self.key))
            .flatten()
    }

    /// `html` as a page, kept for the next visitor when it may be.
    pub(crate) fn keep(&self, state: &AppState, path: &str, html: String) -> Arc<Page> {
        self.keep_as(state, path, html, "text/html; charset=utf-8")
    }

    /// A body of `content_type` as a page, kept for the next visitor when it may be.
    pub(crate) fn keep_as(
        &self,
        state: &AppState,
        path: &str,
        html: String,
        content_type: &'static str,
    ) -> Arc<Page> {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(html.as_bytes());
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>()
        );
        let page = Arc::new(Page {
            key: self.key.clone(),
            body: Bytes::from(html),
            content_type,
            etag,
            last_modified: self.last_modified,
        });
        if self.cacheable {
            state.public_cache.put(path, page.clone());
        }
        page
    }

    /// The answer: 304 when the visitor's copy is current, else the page, with its validators.
    pub(crate) fn answer(&self, headers: &HeaderMap, page: &Page) -> Response {
        let last_modified = http_date(page.last_modified);
        // A signed-in visitor's copy becomes `no-store` in the cache-policy layer, which also
        // adds `Vary: Cookie`.
        let cache_control = if self.anonymous {
            "public, max-age=60"
        } else {
            "private, no-cache"
        };
        let mut response = if not_modified(headers, page) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (
                [(header::CONTENT_TYPE, page.content_type)],
                page.body.clone(),
            )
                .into_response()
        };
        let out = response.headers_mut();
        for (name, value) in [
            (header::ETAG, page.etag.as_str()),
            (header::LAST_MODIFIED, last_modified.as_str()),
            (header::CACHE_CONTROL, cache_control),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                out.insert(name, value);
            }
        }
        response
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's IMF-fixdate).
fn http_date(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// RFC 9110 section 13.1: `If-None-Match` decides when present; else `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, page: &Page) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        let tags = tags.to_str().unwrap_or_default();
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == page.etag);
    }
    let Some(since) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    match jiff::fmt::strtime::parse("%a, %d %b %Y %H:%M:%S GMT", since)
        .and_then(|parsed| parsed.to_datetime())
    {
        Ok(since) => {
            let modified = page
                .last_modified
                .to_zoned(jiff::tz::TimeZone::UTC)
                .datetime();
            // Whole seconds: the header has no fractions.
            modified.round(jiff::Unit::Second).unwrap_or(modified) <= since
        }
        Err(_) => false,
    }
}

fn layout(
    state: &AppState,
    title: &str,
    call: &docket_core::Call,
    visitor: &MaybeUser,
    csrf: &CsrfToken,
) -> Layout {
    Layout::new(title, state.clock.as_ref(), Some(call)).for_visitor(
        visitor.0.as_ref(),
        csrf,
        state.config.demo,
    )
}

/// The week as Docket serves it: its pages at `public_url`, read at the clock's now.
pub(crate) fn live_week<'a>(
    state: &'a AppState,
    call: &'a docket_core::Call,
    pieces: &'a [docket_store::PublishedPiece],
) -> Week<'a> {
    let url = state.config.public_url.trim_end_matches('/');
    Week::new(
        crate::week::Mode::Live,
        call,
        pieces,
        url,
        url,
        state.clock.now(),
    )
}

fn gone() -> WebError {
    WebError::Gone(
        "The organisers took this piece down. It is no longer published; the rest of the week is still there.".into(),
    )
}

async fn piece(
    State(state): State<AppState>,
    Path((slug, piece_slug)): Path<(String, String)>,
    visitor: MaybeUser,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    let path = format!("/calls/{slug}/pieces/{piece_slug}");
    if let Some(page) = fresh.cached(&state, &path) {
        return Ok(fresh.answer(&headers, &page));
    }
    let pieces = fresh.pieces(&state, &stored).await?;
    // A published piece's own address needs no query; any other may have moved or gone.
    if !pieces.iter().any(|piece| piece.slug == piece_slug) {
        match state.store.lookup_slug(stored.id, &piece_slug).await? {
            SlugLookup::Current(_) => {}
            SlugLookup::Moved(current) => {
                return Ok(Redirect::permanent(&current).into_response());
            }
            SlugLookup::Gone => return Err(gone()),
            SlugLookup::Unknown => return Err(WebError::not_found(&state)),
        }
    }
    let week = live_week(&state, &stored.call, &pieces);
    let title = pieces
        .iter()
        .find(|piece| piece.slug == piece_slug)
        .map(|piece| piece.piece.title.clone())
        .unwrap_or_default();
    let layout = layout(&state, &title, &stored.call, &visitor, &csrf);
    let Some(html) = week.piece_page(&piece_slug, layout) else {
        return Err(WebError::not_found(&state));
    };
    let page = fresh.keep(&state, &path, html?);
    Ok(fresh.answer(&headers, &page))
}

async fn author(
    State(state): State<AppState>,
    Path((slug, author_slug)): Path<(String, String)>,
    visitor: MaybeUser,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    let path = format!("/calls/{slug}/authors/{author_slug}");
    if let Some(page) = fresh.cached(&state, &path) {
        return Ok(fresh.answer(&headers, &page));
    }
    let pieces = fresh.pieces(&state, &stored).await?;
    let week = live_week(&state, &stored.call, &pieces);
    let authors = week.authors();
    let name = authors
        .iter()
        .find(|entry| entry.slug == author_slug)
        .map(|entry| entry.author.name.clone())
        .ok_or_else(|| WebError::not_found(&state))?;
    let layout = layout(&state, &name, &stored.call, &visitor, &csrf);
    let Some(html) = week.author_page_with(&author_slug, layout, &authors) else {
        return Err(WebError::not_found(&state));
    };
    let page = fresh.keep(&state, &path, html?);
    Ok(fresh.answer(&headers, &page))
}

/// A stored file as a public download: a fixed type, never sniffed, sandboxed, cacheable.
fn file_response(asset: docket_store::Asset, disposition: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.mime.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
        ],
        asset.bytes,
    )
        .into_response()
}

fn extension(mime: &str) -> String {
    match mime {
        "application/pdf" => "pdf".into(),
        "audio/mpeg" => "mp3".into(),
        "image/jpeg" => "jpg".into(),
        other => other
            .rsplit('/')
            .next()
            .unwrap_or("bin")
            .replace(|c: char| !c.is_ascii_alphanumeric(), ""),
    }
}

async fn piece_file(
    State(state): State<AppState>,
    Path((slug, piece_slug)): Path<(String, String)>,
    visitor: MaybeUser,
) -> Result<Response, WebError> {
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    match state.store.lookup_slug(stored.id, &piece_slug).await? {
        SlugLookup::Current(_) => {}
        SlugLookup::Moved(current) => {
            return Ok(Redirect::permanent(&format!("../{current}/file")).into_response());
        }
        SlugLookup::Gone => return Err(gone()),
        SlugLookup::Unknown => return Err(WebError::not_found(&state)),
    }
    let pieces = fresh.pieces(&state, &stored).await?;
    let document = pieces
        .iter()
        .find(|piece| piece.slug == piece_slug)
        .and_then(|piece| piece.piece.document.clone())
        .ok_or_else(|| WebError::not_found(&state))?;
    let asset = state
        .store
        .asset(document.id)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    // Audio plays in the page; anything else is a download under a name made from the address.
    let disposition = if asset.mime.starts_with("audio/") {
        "inline".to_owned()
    } else {
        format!(
            "attachment; filename=\"{piece_slug}.{}\"",
            extension(&asset.mime)
        )
    };
    Ok(file_response(asset, disposition))
}

async fn headshot(
    State(state): State<AppState>,
    Path((slug, author_slug)): Path<(String, String)>,
    visitor: MaybeUser,
) -> Result<Response, WebError> {
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    let pieces = fresh.pieces(&state, &stored).await?;
    let week = live_week(&state, &stored.call, &pieces);
    let asset_id = week
        .authors()
        .into_iter()
        .find(|entry| entry.slug == author_slug)
        .and_then(|entry| entry.author.headshot_id)
        .ok_or_else(|| WebError::not_found(&state))?;
    let asset = state
        .store
        .asset(asset_id)
        .await?
        .filter(|asset| {
            matches!(
                asset.mime.as_str(),
                "image/png" | "image/jpeg" | "image/gif" | "image/webp"
            )
        })
        .ok_or_else(|| WebError::not_found(&state))?;
    Ok(file_response(asset, "inline".to_owned()))
}

/// Which of the week's feeds.
#[derive(Debug, Clone, Copy)]
enum FeedKind {
    Atom(crate::feeds::Selection),
    Rss,
    Json,
    Podcast,
    Calendar,
}

/// A feed of the call, cached and validated like its pages.
async fn feed(
    state: AppState,
    slug: String,
    visitor: MaybeUser,
    headers: HeaderMap,
    path: String,
    kind: FeedKind,
) -> Result<Response, WebError> {
    use crate::feeds::Selection;
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    if let FeedKind::Atom(Selection::Day(day)) = kind
        && stored.call.day(day).is_none()
    {
        return Err(WebError::not_found(&state));
    }
    if let Some(page) = fresh.cached(&state, &path) {
        return Ok(fresh.answer(&headers, &page));
    }
    let pieces = fresh.pieces(&state, &stored).await?;
    let week = live_week(&state, &stored.call, &pieces);
    let own = path.rsplit('/').next().unwrap_or_default().to_owned();
    let (body, content_type) = match kind {
        FeedKind::Atom(Selection::Day(day)) => (
            week.atom(Selection::Day(day), &format!("days/{day}/feed.atom")),
            "application/atom+xml; charset=utf-8",
        ),
        FeedKind::Atom(selection) => (
            week.atom(selection, &own),
            "application/atom+xml; charset=utf-8",
        ),
        FeedKind::Rss => (week.rss(), "application/rss+xml; charset=utf-8"),
        FeedKind::Json => (week.json_feed(), "application/feed+json; charset=utf-8"),
        FeedKind::Podcast => (week.podcast(), "application/rss+xml; charset=utf-8"),
        FeedKind::Calendar => {
            let board = state.store.board(stored.id).await?;
            let scheduled = calendar_pieces(&week, &board);
            (week.calendar(&scheduled), "text/calendar; charset=utf-8")
        }
    };
    let page = fresh.keep_as(&state, &path, body, content_type);
    Ok(fresh.answer(&headers, &page))
}

/// The calendar's pieces: published ones by title and address; scheduled ones only as what is
/// coming (kind and theme), since nothing unpublished is shown.
pub fn calendar_pieces(
    week: &Week<'_>,
    board: &[docket_store::BoardPiece],
) -> Vec<crate::feeds::ScheduledPiece> {
    use docket_core::submission::SubmissionState;
    board
        .iter()
        .filter_map(|piece| {
            let at = piece.publish_at?;
            match piece.state {
                SubmissionState::Published => {
                    let published = week.pieces.iter().find(|p| p.id == piece.id)?;
                    Some(crate::feeds::ScheduledPiece {
                        id: piece.id,
                        title: published.piece.title.clone(),
                        at,
                        url: Some(week.url(&format!("pieces/{}", published.slug), true)),
                    })
                }
                SubmissionState::Scheduled => {
                    let kind = week
                        .call
                        .kind(&piece.kind)
                        .map_or_else(|| piece.kind.clone(), |kind| kind.name.clone());
                    let theme = piece
                        .day
                        .and_then(|day| week.call.day(day))
                        .map(|day| day.theme.clone())
                        .unwrap_or_default();
                    Some(crate::feeds::ScheduledPiece {
                        id: piece.id,
                        title: format!("Coming: a {} for {theme}", kind.to_lowercase()),
                        at,
                        url: None,
                    })
                }
                _ => None,
            }
        })
        .collect()
}

/// A handler for one of the call's feeds at `/calls/{slug}/FILE`.
macro_rules! feed_handler {
    ($name:ident, $file:literal, $kind:expr) => {
        async fn $name(
            State(state): State<AppState>,
            Path(slug): Path<String>,
            visitor: MaybeUser,
            headers: HeaderMap,
        ) -> Result<Response, WebError> {
            let path = format!("/calls/{slug}/{}", $file);
            feed(state, slug, visitor, headers, path, $kind).await
        }
    };
}

feed_handler!(
    feed_atom,
    "feed.atom",
    FeedKind::Atom(crate::feeds::Selection::All)
);
feed_handler!(feed_rss, "feed.rss", FeedKind::Rss);
feed_handler!(feed_json, "feed.json", FeedKind::Json);
feed_handler!(podcast, "podcast.rss", FeedKind::Podcast);
feed_handler!(
    partner_feed,
    "partner.atom",
    FeedKind::Atom(crate::feeds::Selection::Partner)
);
feed_handler!(calendar, "week.ics", FeedKind::Calendar);

async fn day_feed(
    State(state): State<AppState>,
    Path((slug, date)): Path<(String, String)>,
    visitor: MaybeUser,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let day: jiff::civil::Date = date.parse().map_err(|_| WebError::not_found(&state))?;
    let path = format!("/calls/{slug}/days/{day}/feed.atom");
    feed(
        state,
        slug,
        visitor,
        headers,
        path,
        FeedKind::Atom(crate::feeds::Selection::Day(day)),
    )
    .await
}
