//! The week's feeds and calendar, from the same published pieces as its pages: Atom (RFC 4287)
//! for the whole week, each day and the partner programme, RSS 2.0, JSON Feed 1.1, a podcast RSS
//! with the iTunes tags podcast apps read, and an iCalendar file (RFC 5545) of the themed days
//! and each scheduled piece. Built with `atom_syndication`, `rss` and `icalendar`; every address
//! in them is absolute, from `public_url`.

use docket_core::{Format, markdown};
use docket_store::PublishedPiece;
use jiff::Timestamp;
use jiff::civil::Date;

use crate::week::Week;

/// Which pieces an Atom feed holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Every published piece.
    All,
    /// The pieces of one themed day.
    Day(Date),
    /// The pieces the partner programme takes.
    Partner,
}

fn fixed(at: Timestamp) -> atom_syndication::FixedDateTime {
    atom_syndication::FixedDateTime::parse_from_rfc3339(&at.to_string())
        .unwrap_or_else(|_| atom_syndication::FixedDateTime::default())
}

/// RFC 822 as RSS wants it: `Tue, 15 Nov 2022 09:00:00 +0000`.
fn rfc822(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

impl Week<'_> {
    /// The call's address on the server: `https://docket.example.org/calls/slug`.
    pub fn call_url(&self) -> String {
        self.url("", true)
    }

    fn piece_url(&self, piece: &PublishedPiece) -> String {
        self.url(&format!("pieces/{}", piece.slug), true)
    }

    fn file_url(&self, piece: &PublishedPiece) -> String {
        self.url(&format!("pieces/{}/file", piece.slug), false)
    }

    /// The pieces of a selection, newest first (as feeds list them).
    fn selected(&self, selection: Selection) -> Vec<&PublishedPiece> {
        let mut pieces: Vec<&PublishedPiece> = self
            .pieces
            .iter()
            .filter(|piece| match selection {
                Selection::All => true,
                Selection::Day(day) => piece.day == day,
                Selection::Partner => piece.partner,
            })
            .collect();
        pieces.sort_by(|a, b| {
            b.published_at
                .cmp(&a.published_at)
                .then(b.position.cmp(&a.position))
        });
        pieces
    }

    /// When the feed last changed: its newest piece, else the call's first day.
    fn updated(&self, pieces: &[&PublishedPiece]) -> Timestamp {
        pieces
            .iter()
            .map(|piece| piece.published_at)
            .max()
            .unwrap_or_else(|| {
                self.call
                    .local_instant(self.call.week.first_day, jiff::civil::Time::midnight())
            })
    }

    fn theme(&self, day: Date) -> String {
        self.call
            .day(day)
            .map(|themed| themed.theme.clone())
            .unwrap_or_default()
    }

    /// A feed entry's content: the body, or the summary for a piece that has none.
    fn entry_html(&self, piece: &PublishedPiece) -> String {
        let body = self.body_html(piece);
        if body.is_empty() {
            markdown::to_safe_html(&piece.piece.summary)
        } else {
            body.to_string()
        }
    }

    /// An Atom feed of the selection, at `self_path` under the call (`feed.atom`).
    pub fn atom(&self, selection: Selection, self_path: &str) -> String {
        use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};
        let pieces = self.selected(selection);
        let title = match selection {
            Selection::All => self.call.title.clone(),
            Selection::Day(day) => format!(
                "{}: {}",
                self.call.title,
                docket_core::prose_dates::long_date_with_weekday(day)
            ),
            Selection::Partner => match &self.call.partner {
                Some(partner) => format!("{} for {partner}", self.call.title),
                None => format!("{}: partner feed", self.call.title),
            },
        };
        let alternate = match selection {
            Selection::Day(day) => self.url(&format!("days/{day}"), true),
            _ => self.call_url(),
        };
        let self_url = self.url(self_path, false);
        let link = |href: String, rel: &str, mime: Option<&str>| {
            let mut link = Link::default();
            link.set_href(href);
            link.set_rel(rel.to_owned());
            link.set_mime_type(mime.map(str::to_owned));
            link
        };
        let entries: Vec<Entry> = pieces
            .iter()
            .map(|piece| {
                let url = self.piece_url(piece);
                let mut entry = Entry::default();
                entry.set_id(url.clone());
                entry.set_title(Text::plain(piece.piece.title.clone()));
                entry.set_updated(fixed(piece.published_at));
                entry.set_published(Some(fixed(piece.published_at)));
                let mut links = vec![link(url, "alternate", Some("text/html"))];
                if let Some(document) = &piece.piece.document {
                    let mut enclosure =
                        link(self.file_url(piece), "enclosure", Some(&document.mime));
                    enclosure.set_length(Some(document.size.to_string()));
                    links.push(enclosure);
                }
                entry.set_links(links);
                let mut authors: Vec<Person> = piece
                    .authors
                    .iter()
                    .map(|author| {
                        let mut person = Person::default();
                        person.set_name(author.byline.clone());
                        person
                    })
                    .collect();
                if authors.is_empty() {
                    // RFC 4287 4.1.1: an entry without authors takes the feed's; the feed has
                    // one, but some readers want it on each entry.
                    let mut person = Person::default();
                    person.set_name(self.call.organiser.clone());
                    authors.push(person);
                }
                entry.set_authors(authors);
                if !piece.piece.summary.is_empty() {
                    entry.set_summary(Some(Text::plain(piece.piece.summary.clone())));
                }
                let mut content = Content::default();
                content.set_content_type(Some("html".to_owned()));
                content.set_value(Some(self.entry_html(piece)));
                entry.set_content(Some(content));
                let mut category = Category::default();
                category.set_term(piece.day.to_string());
                category.set_label(Some(self.theme(piece.day)));
                entry.set_categories(vec![category]);
                entry
            })
            .collect();
        let mut feed = Feed::default();
        feed.set_id(self_url.clone());
        feed.set_title(Text::plain(title));
        feed.set_updated(fixed(self.updated(&pieces)));
        let mut organiser = Person::default();
        organiser.set_name(self.call.organiser.clone());
        feed.set_authors(vec![organiser]);
        feed.set_links(vec![
            link(self_url, "self", Some("application/atom+xml")),
            link(alternate, "alternate", Some("text/html")),
        ]);
        let mut generator = Generator::default();
        generator.set_value("Docket".to_owned());
        feed.set_generator(Some(generator));
        feed.set_lang(Some("en-GB".to_owned()));
        feed.set_entries(entries);
        feed.to_string()
    }

    /// The week as RSS 2.0.
    pub fn rss(&self) -> String {
        use rss::{CategoryBuilder, ChannelBuilder, EnclosureBuilder, GuidBuilder, ItemBuilder};
        let pieces = self.selected(Selection::All);
        let items: Vec<rss::Item> = pieces
            .iter()
            .map(|piece| {
                let url = self.piece_url(piece);
                ItemBuilder::default()
                    .title(Some(piece.piece.title.clone()))
                    .link(Some(url.clone()))
                    .guid(Some(
                        GuidBuilder::default().value(url).permalink(true).build(),
                    ))
                    .pub_date(Some(rfc822(piece.published_at)))
                    .description(Some(piece.piece.summary.clone()))
                    .content(Some(self.entry_html(piece)))
                    .categories(vec![
                        CategoryBuilder::default()
                            .name(self.theme(piece.day))
                            .build(),
                    ])
                    .enclosure(piece.piece.document.as_ref().map(|document| {
                        EnclosureBuilder::default()
                            .url(self.file_url(piece))
                            .length(document.size.to_string())
                            .mime_type(document.mime.clone())
                            .build()
                    }))
                    .dublin_core_ext(Some(rss::extension::dublincore::DublinCoreExtension {
                        creators: piece
                            .authors
                            .iter()
                            .map(|author| author.byline.clone())
                            .collect(),
                        ..Default::default()
                    }))
                    .build()
            })
            .collect();
        let channel = ChannelBuilder::default()
            .title(self.call.title.clone())
            .link(self.call_url())
            .description(markdown_text(&self.call.intro))
            .language(Some("en-GB".to_owned()))
            .last_build_date(Some(rfc822(self.updated(&pieces))))
            .generator(Some("Docket".to_owned()))
            .items(items)
            .build();
        channel.to_string()
    }

    /// The week as JSON Feed 1.1.
    pub fn json_feed(&self) -> String {
        let pieces = self.selected(Selection::All);
        let items: Vec<serde_json::Value> = pieces
            .iter()
            .map(|piece| {
                let url = self.piece_url(piece);
                let mut item = serde_json::json!({
                    "id": url,
                    "url": url,
                    "title": piece.piece.title,
                    "summary": piece.piece.summary,
                    "content_html": self.entry_html(piece),
                    "date_published": piece.published_at.to_string(),
                    "tags": [self.theme(piece.day)],
                    "authors": piece.authors.iter().map(|author| serde_json::json!({ "name": author.byline })).collect::<Vec<_>>(),
                });
                if let Some(document) = &piece.piece.document {
                    item["attachments"] = serde_json::json!([{
                        "url": self.file_url(piece),
                        "mime_type": document.mime,
                        "size_in_bytes": document.size,
                    }]);
                }
                item
            })
            .collect();
        let feed = serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.call.title,
            "home_page_url": self.call_url(),
            "feed_url": self.url("feed.json", false),
            "description": markdown_text(&self.call.intro),
            "language": "en-GB",
            "authors": [{ "name": self.call.organiser }],
            "items": items,
        });
        serde_json::to_string_pretty(&feed).unwrap_or_default()
    }

    /// The week's podcast episodes as RSS with the iTunes tags podcast apps read.
    pub fn podcast(&self) -> String {
        use rss::extension::itunes::{
            ITunesCategoryBuilder, ITunesChannelExtensionBuilder, ITunesItemExtensionBuilder,
            ITunesOwnerBuilder,
        };
        use rss::{ChannelBuilder, EnclosureBuilder, GuidBuilder, ImageBuilder, ItemBuilder};
        let podcast = self.call.podcast.clone().unwrap_or_default();
        let owner = if podcast.owner.is_empty() {
            self.call.organiser.clone()
        } else {
            podcast.owner.clone()
        };
        let category = if podcast.category.is_empty() {
            "Technology".to_owned()
        } else {
            podcast.category.clone()
        };
        let explicit = if podcast.explicit { "true" } else { "false" };
        let episodes: Vec<&PublishedPiece> = self
            .selected(Selection::All)
            .into_iter()
            .filter(|piece| {
                self.call
                    .kind(&piece.piece.kind)
                    .is_some_and(|kind| kind.format == Format::Audio)
                    && piece
                        .piece
                        .document
                        .as_ref()
                        .is_some_and(|document| document.mime.starts_with("audio/"))
            })
            .collect();
        let items: Vec<rss::Item> = episodes
            .iter()
            .filter_map(|piece| {
                let document = piece.piece.document.as_ref()?;
                let url = self.piece_url(piece);
                let duration = piece.piece.minutes.map(|minutes| {
                    let seconds = (minutes * 60.0).round() as u64;
                    format!(
                        "{}:{:02}:{:02}",
                        seconds / 3600,
                        seconds / 60 % 60,
                        seconds % 60
                    )
                });
                Some(
                    ItemBuilder::default()
                        .title(Some(piece.piece.title.clone()))
                        .link(Some(url.clone()))
                        .guid(Some(
                            GuidBuilder::default().value(url).permalink(true).build(),
                        ))
                        .pub_date(Some(rfc822(piece.published_at)))
                        .description(Some(piece.piece.summary.clone()))
                        .enclosure(Some(
                            EnclosureBuilder::default()
                                .url(self.file_url(piece))
                                .length(document.size.to_string())
                                .mime_type(document.mime.clone())
                                .build(),
                        ))
                        .itunes_ext(Some(
                            ITunesItemExtensionBuilder::default()
                                .author(Some(
                                    piece
                                        .authors
                                        .iter()
                                        .map(|author| author.name.clone())
                                        .collect::<Vec<_>>()
                                        .join(", "),
                                ))
                                .duration(duration)
                                .explicit(Some(explicit.to_owned()))
                                .summary(Some(piece.piece.summary.clone()))
                                .episode_type(Some("full".to_owned()))
                                .build(),
                        ))
                        .build(),
                )
            })
            .collect();
        let mut itunes = ITunesChannelExtensionBuilder::default();
        itunes
            .author(Some(owner.clone()))
            .owner(Some(
                ITunesOwnerBuilder::default()
                    .name(Some(owner.clone()))
                    .email(podcast.owner_email.as_ref().map(ToString::to_string))
                    .build(),
            ))
            .categories(vec![
                ITunesCategoryBuilder::default().text(category).build(),
            ])
            .explicit(Some(explicit.to_owned()))
            .summary(Some(markdown_text(&self.call.intro)))
            .r#type(Some("episodic".to_owned()));
        if let Some(artwork) = &podcast.artwork {
            itunes.image(Some(artwork.clone()));
        }
        let mut channel = ChannelBuilder::default();
        channel
            .title(format!("{}: podcast", self.call.title))
            .link(self.call_url())
            .description(markdown_text(&self.call.intro))
            .language(Some("en-GB".to_owned()))
            .generator(Some("Docket".to_owned()))
            .itunes_ext(Some(itunes.build()))
            .items(items);
        if let Some(artwork) = &podcast.artwork {
            channel.image(Some(
                ImageBuilder::default()
                    .url(artwork.clone())
                    .title(self.call.title.clone())
                    .link(self.call_url())
                    .build(),
            ));
        }
        let mut channel = channel.build();
        channel.namespaces.insert(
            "itunes".to_owned(),
            rss::extension::itunes::NAMESPACE.to_owned(),
        );
        channel.to_string()
    }

    /// The week as an iCalendar file: an all-day event per themed day with its theme, and each
    /// scheduled or published piece at its time in the call's zone, with that zone's VTIMEZONE.
    /// UIDs are stable (from the call, the day, the piece), so a subscribed calendar updates.
    pub fn calendar(&self, scheduled: &[ScheduledPiece]) -> String {
        use icalendar::{Calendar, Component, Event};
        let zone = self.call.time_zone.zone();
        let tzid = self.call.time_zone.name().to_owned();
        let host = url_host(self.server_url);
        let mut calendar = Calendar::new();
        calendar.name(&self.call.title);
        for day in &self.call.days {
            let mut event = Event::new();
            event
                .uid(&format!("day-{}-{}@{host}", day.date, self.call.slug))
                .summary(&format!("{}: {}", self.call.title, day.theme))
                .append_property(
                    icalendar::Property::new("DTSTART", day.date.strftime("%Y%m%d").to_string())
                        .add_parameter("VALUE", "DATE")
                        .done(),
                )
                .append_property(
                    icalendar::Property::new(
                        "DTEND",
                        day.date
                            .tomorrow()
                            .unwrap_or(day.date)
                            .strftime("%Y%m%d")
                            .to_string(),
                    )
                    .add_parameter("VALUE", "DATE")
                    .done(),
                )
                .url(&self.url(&format!("days/{}", day.date), true))
                .add_property("DTSTAMP", ical_utc(self.stamp()));
            if !day.prompt.is_empty() {
                event.description(&markdown_text(&day.prompt));
            }
            calendar.push(event.done());
        }
        for piece in scheduled {
            let local = piece.at.to_zoned(zone.clone());
            let end = piece
                .at
                .checked_add(jiff::SignedDuration::from_mins(30))
                .unwrap_or(piece.at)
                .to_zoned(zone.clone());
            let mut event = Event::new();
            event
                .uid(&format!("piece-{}-{}@{host}", piece.id, self.call.slug))
                .summary(&piece.title)
                .add_property("DTSTAMP", ical_utc(self.stamp()))
                .append_property(
                    icalendar::Property::new("DTSTART", ical_local(&local))
                        .add_parameter("TZID", &tzid)
                        .done(),
                )
                .append_property(
                    icalendar::Property::new("DTEND", ical_local(&end))
                        .add_parameter("TZID", &tzid)
                        .done(),
                );
            if let Some(url) = &piece.url {
                event.url(url);
            }
            calendar.push(event.done());
        }
        let text = calendar.done().to_string();
        // The crate writes no VTIMEZONE: Docket builds one from the zone's transitions.
        let vtimezone = vtimezone(zone, &tzid, self.call.week.first_day);
        match text.find("BEGIN:VEVENT") {
            Some(at) => format!("{}{vtimezone}{}", &text[..at], &text[at..]),
            None => text.replace("END:VCALENDAR", &format!("{vtimezone}END:VCALENDAR")),
        }
    }

    /// DTSTAMP: when the calendar's content last changed (so that it is the same on every
    /// request and every node).
    fn stamp(&self) -> Timestamp {
        let pieces: Vec<&PublishedPiece> = self.pieces.iter().collect();
        self.updated(&pieces)
    }
}

/// A piece on the calendar: scheduled or published, at its time.
#[derive(Debug, Clone)]
pub struct ScheduledPiece {
    pub id: docket_core::SubmissionId,
    pub title: String,
    pub at: Timestamp,
    /// Its public address once published.
    pub url: Option<String>,
}

fn url_host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("docket")
        .to_owned()
}

fn ical_utc(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

fn ical_local(at: &jiff::Zoned) -> String {
    at.strftime("%Y%m%dT%H%M%S").to_string()
}

/// RFC 5545 3.6.5: the zone's STANDARD and DAYLIGHT observances for the year of `around` and
/// the next, each transition written as its own onset (no RRULE to get wrong).
fn vtimezone(zone: &jiff::tz::TimeZone, tzid: &str, around: Date) -> String {
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n");
    let start = jiff::civil::date(around.year() - 1, 1, 1)
        .to_zoned(zone.clone())
        .map(|zoned| zoned.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let end = jiff::civil::date(around.year() + 2, 1, 1)
        .to_zoned(zone.clone())
        .map(|zoned| zoned.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut written = 0;
    let offset_text = |offset: jiff::tz::Offset| {
        let seconds = offset.seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let seconds = seconds.abs();
        format!("{sign}{:02}{:02}", seconds / 3600, seconds / 60 % 60)
    };
    let mut before = zone.to_offset_info(start);
    for transition in zone.following(start) {
        let at = transition.timestamp();
        if at >= end {
            break;
        }
        let from = before.offset();
        let to = transition.offset();
        let kind = if transition.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        // DTSTART is the local time of the onset, in the offset before it.
        let onset = at.to_zoned(jiff::tz::TimeZone::fixed(from));
        out.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
            onset.strftime("%Y%m%dT%H%M%S"),
            offset_text(from),
            offset_text(to),
            transition.abbreviation(),
        ));
        written += 1;
        before = zone.to_offset_info(at);
    }
    if written == 0 {
        // A zone without clock changes: one standard observance.
        let offset = zone.to_offset(start);
        out.push_str(&format!(
            "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:{0}\r\nTZOFFSETTO:{0}\r\nEND:STANDARD\r\n",
            offset_text(offset)
        ));
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// Markdown as plain text, for a feed's description.
fn markdown_text(text: &str) -> String {
    docket_core::text::markdown_to_text(text).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_has_its_clock_changes_in_the_vtimezone() {
        let zone = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
        let text = vtimezone(&zone, "Europe/London", jiff::civil::date(2023, 3, 20));
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20230326T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST"), "{text}");
        assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20231029T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT"), "{text}");
    }
}
