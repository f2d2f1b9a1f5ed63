//! The public site of a call, rendered by one code path used by the server (and later by the
//! static export): plain view values built from a [`Call`] and "now", then askama templates.

use askama::Template;
use docket_core::call::{CallPhase, describe_duration};
use docket_core::prose_dates::long_date_with_weekday;
use docket_core::{Call, Clock, Format, markdown};
use jiff::Timestamp;
use jiff::civil::Date;

/// What every page's frame shows: the title, and the demo banner when the clock is simulated.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    /// "Demo: Docket's clock reads …" when the clock is not real time.
    pub banner: Option<String>,
    /// The call this page belongs to, for the header navigation.
    pub call_nav: Option<CallNav>,
    /// The signed-in person's address, for the account links.
    pub visitor: Option<String>,
    /// True on pages served by the app (account links shown); false in the static export.
    pub interactive: bool,
    /// The visitor's CSRF token, for the sign-out button and other forms.
    pub csrf: String,
    /// Link the demo mailbox from the banner.
    pub demo_mailbox: bool,
    /// Link the organiser console from the account navigation: set only where the staff check
    /// has already been made (the console itself, the submissions list), so other pages cost
    /// no extra query.
    pub console: bool,
    /// The way from this page to the site's root, ending in `/`: `/` on most pages, relative
    /// (`../../../`) on the public week's, so that they work from any host path.
    pub root: String,
    /// The privacy page: on the server, or Docket's own from the static export.
    pub privacy_href: String,
}

/// Header navigation within one call's pages.
#[derive(Debug, Clone)]
pub struct CallNav {
    pub title: String,
    pub href: String,
    pub guidelines_href: String,
}

impl Layout {
    /// A frame with no banner (for pages rendered without the app state).
    pub fn plain(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            banner: None,
            call_nav: None,
            visitor: None,
            interactive: false,
            csrf: String::new(),
            demo_mailbox: false,
            console: false,
            root: "/".to_owned(),
            privacy_href: "/privacy".to_owned(),
        }
    }

    /// A frame titled `title`, with the demo banner if `clock` is simulated, its time shown in
    /// `call`'s zone (or UTC).
    pub fn new(title: &str, clock: &dyn Clock, call: Option<&Call>) -> Self {
        let banner = clock.is_simulated().then(|| {
            let now = clock.now();
            // A page of no call (signing in, the mailbox) reads the clock in the demo call's zone.
            let zone = call
                .map(|call| call.time_zone.zone().clone())
                .or_else(|| clock.zone())
                .unwrap_or(jiff::tz::TimeZone::UTC);
            let shown = now
                .to_zoned(zone)
                .strftime("%A %-d %B %Y, %H:%M %Z")
                .to_string();
            format!("Docket’s clock reads {shown} and runs on from there. Deadlines and dates follow this clock, not today’s date.")
        });
        Self {
            title: title.to_owned(),
            banner,
            call_nav: call.map(|call| CallNav {
                title: call.title.clone(),
                href: call_href(call),
                guidelines_href: format!("{}/guidelines", call_href(call)),
            }),
            visitor: None,
            interactive: false,
            csrf: String::new(),
            demo_mailbox: false,
            console: false,
            root: "/".to_owned(),
            privacy_href: "/privacy".to_owned(),
        }
    }

    /// The same frame with the account links for `visitor` (signed in or not).
    pub fn for_visitor(
        mut self,
        visitor: Option<&docket_store::User>,
        csrf: &crate::csrf::CsrfToken,
        demo: bool,
    ) -> Self {
        self.visitor = visitor.map(|user| user.email.clone());
        self.interactive = true;
        self.csrf = csrf.value().to_owned();
        self.demo_mailbox = demo;
        self
    }
}

/// `/calls/digital-justice-week-2022`.
pub fn call_href(call: &Call) -> String {
    format!("/calls/{}", call.slug)
}

/// `/calls/digital-justice-week-2022/days/2022-11-14`.
pub fn day_href(call: &Call, date: Date) -> String {
    format!("{}/days/{date}", call_href(call))
}

/// The deadline as a contributor needs it.
#[derive(Debug, Clone)]
pub struct DeadlineView {
    /// "12:00 GMT, Saturday 5 November 2022".
    pub local: String,
    /// RFC 3339 instant for `<time datetime>`.
    pub iso: String,
    /// "23 days, 3 hours left" or "The deadline has passed."
    pub status: String,
    pub open: bool,
    /// The call's own words about the deadline.
    pub wording: Option<String>,
    pub grace: Option<String>,
}

impl DeadlineView {
    fn new(call: &Call, now: Timestamp) -> Self {
        let local = call.deadline_local();
        let (status, open) = match call.phase(now) {
            CallPhase::Open { left } => (
                format!("{} left.", capitalise(&describe_duration(left))),
                true,
            ),
            CallPhase::Grace { left } => (
                format!(
                    "The deadline has passed; late pieces are taken without penalty for {} more.",
                    describe_duration(left)
                ),
                true,
            ),
            CallPhase::Closed { accept_late: true } => (
                "The deadline has passed. Pieces are still accepted, and marked late.".to_owned(),
                true,
            ),
            CallPhase::Closed { accept_late: false } => (
                "The deadline has passed: submissions are closed.".to_owned(),
                false,
            ),
        };
        let grace = (call.deadline.grace_minutes > 0).then(|| {
            format!(
                "A grace period of {} follows the deadline.",
                describe_duration(jiff::SignedDuration::from_mins(i64::from(
                    call.deadline.grace_minutes
                )))
            )
        });
        Self {
            local: format!(
                "{} ({})",
                local.strftime("%H:%M %Z, %A %-d %B %Y"),
                call.time_zone.name()
            ),
            iso: call.deadline_at().to_string(),
            status,
            open,
            wording: call.deadline.wording.clone(),
            grace,
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The way in, shown above the fold on the call's page and on each day's: the button to offer
/// a piece, and the call's email address with what to put in the email; once the call takes
/// nothing more, the call's own closing words instead.
#[derive(Debug, Clone)]
pub struct WayIn {
    /// False once the call takes nothing more (after the deadline and any grace, no late pieces).
    pub open: bool,
    /// The form that starts a piece.
    pub offer_href: String,
    /// The form that makes a pledge.
    pub pledge_href: String,
    pub inbox: Option<String>,
    /// "a guest blog, a case study, a whitepaper or a podcast".
    pub kinds: String,
    /// True when the call takes audio, which may be sent as a link.
    pub audio: bool,
    /// The call's `after_deadline` text (or Docket's), as HTML.
    pub closed_html: String,
}

impl WayIn {
    fn new(call: &Call, now: Timestamp) -> Self {
        let open = !matches!(call.phase(now), CallPhase::Closed { accept_late: false });
        let names: Vec<String> = call
            .kinds
            .iter()
            .map(|kind| {
                let name = kind.name.to_lowercase();
                let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {name}")
            })
            .collect();
        let kinds = match names.as_slice() {
            [] => String::new(),
            [only] => only.clone(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        };
        Self {
            open,
            offer_href: format!("{}/submit", call_href(call)),
            pledge_href: format!("{}/pledge", call_href(call)),
            inbox: call.inbox.as_ref().map(ToString::to_string),
            kinds,
            audio: call.kinds.iter().any(|kind| kind.format == Format::Audio),
            closed_html: markdown::to_safe_html(&call.after_deadline_text()),
        }
    }
}

/// One themed day, for lists and its own page.
#[derive(Debug, Clone)]
pub struct DayView {
    pub href: String,
    pub iso: String,
    /// "Monday 14 November 2022".
    pub date: String,
    pub theme: String,
    pub prompt_html: String,
    pub questions: Vec<String>,
}

impl DayView {
    fn new(call: &Call, day: &docket_core::ThemedDay) -> Self {
        Self {
            href: day_href(call, day.date),
            iso: day.date.to_string(),
            date: long_date_with_weekday(day.date),
            theme: day.theme.clone(),
            prompt_html: markdown::to_safe_html(&day.prompt),
            questions: day.questions(),
        }
    }
}

/// One kind of contribution with its limits.
#[derive(Debug, Clone)]
pub struct KindView {
    pub name: String,
    pub format: &'static str,
    pub description: String,
    pub limits: String,
}

/// A contact person.
#[derive(Debug, Clone)]
pub struct ContactView {
    pub name: String,
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Everything the call's pages show, computed once per request.
#[derive(Debug, Clone)]
pub struct CallView {
    pub href: String,
    pub title: String,
    pub hashtag: Option<String>,
    pub organiser: String,
    pub partner: Option<String>,
    /// "Monday 14 November 2022 to Friday 18 November 2022".
    pub week: String,
    pub week_start_iso: String,
    pub week_end_iso: String,
    pub intro_html: String,
    pub taking_part_html: String,
    pub guidelines_html: String,
    pub guidelines_href: String,
    pub inbox: Option<String>,
    pub way_in: WayIn,
    pub deadline: DeadlineView,
    pub days: Vec<DayView>,
    pub kinds: Vec<KindView>,
    pub contacts: Vec<ContactView>,
}

impl CallView {
    /// The view of `call` at `now`.
    pub fn new(call: &Call, now: Timestamp) -> Self {
        Self {
            href: call_href(call),
            title: call.title.clone(),
            hashtag: call.hashtag.clone(),
            organiser: call.organiser.clone(),
            partner: call.partner.clone(),
            week: format!(
                "{} to {}",
                long_date_with_weekday(call.week.first_day),
                long_date_with_weekday(call.week.last_day)
            ),
            week_start_iso: call.week.first_day.to_string(),
            week_end_iso: call.week.last_day.to_string(),
            intro_html: markdown::to_safe_html(&call.intro),
            taking_part_html: markdown::to_safe_html(&call.taking_part),
            guidelines_html: markdown::to_safe_html(&call.guidelines),
            guidelines_href: format!("{}/guidelines", call_href(call)),
            inbox: call.inbox.as_ref().map(ToString::to_string),
            way_in: WayIn::new(call, now),
            deadline: DeadlineView::new(call, now),
            days: call
                .days
                .iter()
                .map(|day| DayView::new(call, day))
                .collect(),
            kinds: call
                .kinds
                .iter()
                .map(|kind| KindView {
                    name: kind.name.clone(),
                    format: match kind.format {
                        Format::Text => "Written piece",
                        Format::Document => "Document (PDF)",
                        Format::Audio => "Audio",
                    },
                    description: kind.description.clone(),
                    limits: kind.limits.describe(),
                })
                .collect(),
            contacts: call
                .contacts
                .iter()
                .map(|contact| ContactView {
                    name: contact.name.clone(),
                    role: contact.role.clone(),
                    email: contact.email.as_ref().map(ToString::to_string),
                    phone: contact.phone.clone(),
                })
                .collect(),
        }
    }
}

/// The list of calls.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub calls: Vec<CallView>,
}

/// A call's main page.
#[derive(Template)]
#[template(path = "call.html")]
pub struct CallPage {
    pub layout: Layout,
    pub call: CallView,
    /// The call's page offers a piece for no day in particular.
    pub offer_day: Option<DayView>,
    /// The organisers' announcements, newest first: (title, date, HTML).
    pub announcements: Vec<(String, String, String)>,
    /// The week's live pieces, once there are any.
    pub week: Option<crate::week::WeekView>,
}

/// One themed day's page.
#[derive(Template)]
#[template(path = "day.html")]
pub struct DayPage {
    pub layout: Layout,
    pub call: CallView,
    /// The day a piece offered from this page is for (this day).
    pub offer_day: Option<DayView>,
    pub day: DayView,
    pub previous: Option<DayView>,
    pub next: Option<DayView>,
    /// The day's live pieces.
    pub week: Option<crate::week::WeekView>,
}

/// The contributor guidelines.
#[derive(Template)]
#[template(path = "guidelines.html")]
pub struct GuidelinesPage {
    pub layout: Layout,
    pub call: CallView,
}

/// A page that says what went wrong.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

/// Who is looking at a page served by the app (absent in the static export).
#[derive(Debug, Clone, Copy)]
pub struct Visit<'a> {
    pub user: Option<&'a docket_store::User>,
    pub csrf: &'a crate::csrf::CsrfToken,
    pub demo: bool,
}

fn framed(layout: Layout, visit: Option<Visit<'_>>) -> Layout {
    match visit {
        Some(visit) => layout.for_visitor(visit.user, visit.csrf, visit.demo),
        None => layout,
    }
}

/// Renders the home page listing `calls`.
pub fn home(
    calls: &[Call],
    clock: &dyn Clock,
    visit: Option<Visit<'_>>,
) -> Result<String, askama::Error> {
    let now = clock.now();
    HomePage {
        layout: framed(Layout::new("Calls for contributions", clock, None), visit),
        calls: calls.iter().map(|call| CallView::new(call, now)).collect(),
    }
    .render()
}

impl CallView {
    /// The same view with its links as seen from a page at `place` of `week`.
    pub fn linked(mut self, week: &crate::week::Week<'_>, place: crate::week::Place) -> Self {
        let slug = week.call.slug.as_str();
        self.href = week.page(place, "");
        self.guidelines_href = week.page(place, "guidelines");
        for day in &mut self.days {
            day.href = week.page(place, &format!("days/{}", day.iso));
        }
        self.way_in.offer_href = week.server(place, &format!("/calls/{slug}/submit"));
        self.way_in.pledge_href = week.server(place, &format!("/calls/{slug}/pledge"));
        self
    }
}

/// Renders a call's main page: the call, and the week once it is live.
pub fn call_page(
    week: &crate::week::Week<'_>,
    clock: &dyn Clock,
    visit: Option<Visit<'_>>,
    announcements: &[docket_store::Announcement],
) -> Result<String, askama::Error> {
    use crate::week::Place;
    let call = week.call;
    CallPage {
        week: Some(week.summary(Place::CallHome, None)),
        layout: crate::week::week_layout(
            framed(Layout::new(&call.title, clock, Some(call)), visit),
            week,
            Place::CallHome,
        ),
        call: CallView::new(call, week.now).linked(week, Place::CallHome),
        offer_day: None,
        announcements: announcements
            .iter()
            .map(|announcement| {
                (
                    announcement.title.clone(),
                    call.local(announcement.posted_at)
                        .strftime("%-d %B %Y")
                        .to_string(),
                    docket_core::markdown::to_safe_html(&announcement.body),
                )
            })
            .collect(),
    }
    .render()
}

/// Renders the page of the themed day on `date` with its live pieces, or `None` when the call
/// has no such day.
pub fn day_page(
    week: &crate::week::Week<'_>,
    date: Date,
    clock: &dyn Clock,
    visit: Option<Visit<'_>>,
) -> Option<Result<String, askama::Error>> {
    use crate::week::Place;
    let call = week.call;
    let view = CallView::new(call, week.now).linked(week, Place::Inner);
    let index = view
        .days
        .iter()
        .position(|day| day.iso == date.to_string())?;
    let day = view.days[index].clone();
    let page = DayPage {
        layout: crate::week::week_layout(
            framed(
                Layout::new(&format!("{}: {}", day.date, day.theme), clock, Some(call)),
                visit,
            ),
            week,
            Place::Inner,
        ),
        previous: index.checked_sub(1).map(|i| view.days[i].clone()),
        next: view.days.get(index + 1).cloned(),
        offer_day: Some(day.clone()),
        day,
        call: view,
        week: Some(week.summary(Place::Inner, Some(date))),
    };
    Some(page.render())
}

/// Renders the contributor guidelines page.
pub fn guidelines_page(
    week: &crate::week::Week<'_>,
    clock: &dyn Clock,
    visit: Option<Visit<'_>>,
) -> Result<String, askama::Error> {
    use crate::week::Place;
    let call = week.call;
    GuidelinesPage {
        layout: crate::week::week_layout(
            framed(
                Layout::new(
                    &format!("Contributor guidelines: {}", call.title),
                    clock,
                    Some(call),
                ),
                visit,
            ),
            week,
            Place::Section,
        ),
        call: CallView::new(call, week.now).linked(week, Place::Section),
    }
    .render()
}
