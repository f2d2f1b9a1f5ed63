//! Pledge or piece? Messages with no file attached, written the way people write them to a
//! call's inbox (short, long, signed or not, answering the call's announcement, forwarded by an
//! assistant, two people in one message), read against the seed call.

use docket_core::Call;
use docket_core::call_file;
use docket_core::pledge::{Reading, read};
use docket_core::submission::CandidateDays;
use jiff::civil::{Date, date};
use std::sync::LazyLock;

const SEED: &str = include_str!("../../../calls/digital-justice-week-2022.toml");

static CALL: LazyLock<Call> =
    LazyLock::new(|| call_file::check(SEED).call.expect("the seed call reads"));

const MON: Date = date(2022, 11, 14);
const TUE: Date = date(2022, 11, 15);
const WED: Date = date(2022, 11, 16);
const THU: Date = date(2022, 11, 17);
const FRI: Date = date(2022, 11, 18);

/// What a row expects.
enum Expect {
    Piece,
    Pledge {
        sure: bool,
        kind: Option<&'static str>,
        days: Option<&'static [Date]>,
        title: Option<&'static str>,
        author: Option<&'static str>,
        coauthors: &'static [&'static str],
    },
}

const fn pledge(kind: Option<&'static str>, days: &'static [Date]) -> Expect {
    Expect::Pledge {
        sure: true,
        kind,
        days: Some(days),
        title: None,
        author: None,
        coauthors: &[],
    }
}

/// `n` words of a pasted blog.
fn blog_text(n: usize) -> String {
    let sentence = "Data sharing between probation and the police has changed how officers plan release for people leaving prison, and the results so far are encouraging.";
    let words: Vec<&str> = sentence.split(' ').cycle().take(n).collect();
    words
        .chunks(50)
        .map(|chunk| chunk.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A case study of about 190 words, pasted into the message as people paste them.
const CASE_STUDY_PASTED: &str = "Connecting courts and police custody in the North West\n\n\
When someone is charged overnight, the custody record, the charge sheet and the first court \
listing used to travel by email and by hand. Three teams typed the same details into three \
systems, and a late change in custody often reached the court after the hearing had started.\n\n\
Since March, the custody suites in Greater Manchester send a structured case file to the \
magistrates' court as soon as a charge is authorised. The listing officer sees it in the case \
management system within minutes, with the defendant's needs flagged, including interpreters, \
vulnerabilities and medication. Defence solicitors receive the same file through the secure \
portal.\n\n\
In the first six months, hearings delayed by missing paperwork fell from one in nine to one in \
forty. Legal advisers tell us they spend the first hour of the day preparing cases rather than \
chasing documents.\n\n\
We plan to extend the service to Merseyside and Cheshire next year, and we hope to add youth \
courts once the new data standard is agreed. The lesson so far is simple: agree the data first, \
and the software follows.";

/// A guest blog of about 330 words, pasted in.
const BLOG_PASTED: &str = "Data that follows the person\n\n\
Ask anyone who has left prison what the first week is like and you will hear the same story: \
the same questions, asked again and again, by people who should already know the answers. The \
probation officer asks about housing; the police ask about conditions; the job centre asks about \
everything. Each of them holds part of the picture, and none of them holds all of it.\n\n\
That is not because people do not care. It is because the records were built for organisations, \
not for the person moving between them. A probation case management system knows about \
supervision. A police system knows about risk. Neither was designed to talk to the other.\n\n\
Over the last two years, we have worked with probation regions and three police forces to change \
that. The principle is simple: when a person is released, the information they have already \
given should arrive before they do. Officers now see one shared summary on the day of release, \
with who to contact and what has been agreed.\n\n\
The results are encouraging. Missed first appointments have fallen by a third. Officers say they \
spend less time on the phone and more time with the people they supervise. Most importantly, \
people on licence tell us they are asked fewer questions twice.\n\n\
There is more to do. We hope to bring housing providers into the same picture next year, and we \
plan to publish the data standard we used so that other regions can build on it rather than \
start again. None of this needed new technology; it needed agreement on what to share, and \
trust that it would be used well.\n\n\
Data that follows the person is not a slogan. It is a choice about whose journey our systems \
are built around.";

fn rows() -> Vec<(&'static str, String, String, Expect)> {
    let s = |text: &str| text.to_owned();
    vec![
        (
            "the example in the issue",
            s("Guest blog for DJW"),
            s(
                "Hi Jago,\n\nI'm planning a guest blog for Tuesday (data) on how we joined up probation and police records; I'll send the draft by the end of the month.\n\nBest,\nPriya",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: Some(&[TUE]),
                title: Some("How we joined up probation and police records"),
                author: None,
                coauthors: &[],
            },
        ),
        (
            "the done-when example",
            s("Digital Justice Week"),
            s("I'd like to write a blog for Tuesday's data theme, I'll send it next week."),
            pledge(Some("blog"), &[TUE]),
        ),
        (
            "one line, no greeting",
            s("Blog pledge"),
            s("Put me down for a blog on Thursday please."),
            pledge(Some("blog"), &[THU]),
        ),
        (
            "a case study for two days",
            s("Case study – Monday or Wednesday"),
            s(
                "Hello,\n\nWe would like to contribute a case study for either Monday or Wednesday. It will cover our work with HMPPS on digital skills for prison leavers.\n\nKind regards,\nTom Reed\nHead of Partnerships, Acme Justice Tech\n020 7946 0000",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("case-study"),
                days: Some(&[MON, WED]),
                title: None,
                author: None,
                coauthors: &[],
            },
        ),
        (
            "answering the call's announcement",
            s("RE: Call for guest blogs! #DigitalJusticeWeek2022"),
            s(
                "Hi Jago, thanks for this. Count us in – we'll write something for the emerging technology day. Title tbc.\nThanks, Lou",
            ),
            pledge(None, &[FRI]),
        ),
        (
            "a quoted working title",
            s("Friday"),
            s(
                "We're planning a whitepaper for Friday called “AI in the courtroom: what needs to change”. Should be with you in a fortnight.",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("whitepaper"),
                days: Some(&[FRI]),
                title: Some("AI in the courtroom: what needs to change"),
                author: None,
                coauthors: &[],
            },
        ),
        (
            "a podcast, any day",
            s("Podcast for DJW22"),
            s(
                "Hi both,\nWe'd love to record a podcast episode for the week – any day works for us. We'll send the link once it's edited.\nCheers\nMo",
            ),
            pledge(Some("podcast"), &[]),
        ),
        (
            "the kind not known yet",
            s("Digital Justice Week – Wednesday"),
            s(
                "Hello! I'd like to submit something for the user needs day. Not sure yet whether it'll be a blog or a case study. Will confirm shortly.",
            ),
            Expect::Pledge {
                sure: true,
                kind: None,
                days: Some(&[WED]),
                title: None,
                author: None,
                coauthors: &[],
            },
        ),
        (
            "an assistant forwards for her manager",
            s("Fwd: Digital Justice Week guest blog"),
            s(
                "Hi Jago,\n\nI'm writing on behalf of Dr Amara Okafor, who would like to write a guest blog for Monday's theme on reducing reoffending through digital skills.\n\nMany thanks,\nSusan (EA to Dr Okafor)",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: Some(&[MON]),
                title: Some("Reducing reoffending through digital skills"),
                author: Some("Dr Amara Okafor"),
                coauthors: &[],
            },
        ),
        (
            "two people writing together",
            s("Joint blog – Connected Justice"),
            s(
                "Hi, my colleague Sam Patel and I would like to write a joint blog for Thursday about data sharing across police forces.\nBest wishes, Jo",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: Some(&[THU]),
                title: Some("Data sharing across police forces"),
                author: None,
                coauthors: &["Sam Patel"],
            },
        ),
        (
            "together with a named co-author",
            s("Blog for Tuesday"),
            s("I'll write a blog together with Prof. Helen Ward for the data day."),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: Some(&[TUE]),
                title: None,
                author: None,
                coauthors: &["Prof. Helen Ward"],
            },
        ),
        (
            "a date rather than a weekday",
            s("Guest blog 17 November"),
            s("Happy to write a guest blog for 17 November. Draft to you by the 4th."),
            pledge(Some("blog"), &[THU]),
        ),
        (
            "a theme rather than a day",
            s("Guest blog"),
            s("Hi Jago – we plan to send a blog on the Harnessing the power of data theme."),
            pledge(Some("blog"), &[TUE]),
        ),
        (
            "hoping to, with a long signature",
            s("DJW 2022"),
            s(
                "Good afternoon,\n\nWe are hoping to submit a case study for Tuesday.\n\nWarm regards\n\nAlex Morgan\nSenior Consultant | Justice & Emergency Services\nExample Consulting Ltd\nT: +44 20 7946 0123 | M: +44 7700 900123\nThis email and any attachments are confidential and intended solely for the addressee. If you have received it in error please notify the sender and delete it.",
            ),
            pledge(Some("case-study"), &[TUE]),
        ),
        (
            "signed up for several days",
            s("Blogs across the week"),
            s(
                "Please note we will be submitting blogs for Monday, Tuesday and Friday. Topics to follow.",
            ),
            pledge(Some("blog"), &[MON, TUE, FRI]),
        ),
        (
            "a question with a promise in it",
            s("Question about word count"),
            s(
                "Hi Jago, is 850 words OK? I'm planning a blog for Wednesday and it's running a bit long. Thanks, Kim",
            ),
            pledge(Some("blog"), &[WED]),
        ),
        (
            "an out-of-office style note but a pledge",
            s("Re: guest blogs"),
            s(
                "Thanks Jago. Yes, I intend to write for Thursday. I'm away next week so it'll come the week after.",
            ),
            pledge(None, &[THU]),
        ),
        (
            "a pasted guest blog, 700 words",
            s("Guest blog for Tuesday: Data at the heart of justice"),
            blog_text(700),
            Expect::Piece,
        ),
        (
            "a pasted case study, 450 words, with a greeting",
            s("Case study for Monday"),
            format!("Hi Jago, here is our case study.\n\n{}", blog_text(450)),
            Expect::Piece,
        ),
        (
            "a pasted piece that mentions planning, 420 words",
            s("Blog for Friday"),
            format!(
                "We plan to expand the pilot next year.\n\n{}",
                blog_text(420)
            ),
            Expect::Piece,
        ),
        (
            "a short pasted piece of 200 words, no promise",
            s("Blog for Wednesday"),
            blog_text(200),
            Expect::Piece,
        ),
        (
            "exactly 150 words, no promise",
            s("Thursday piece"),
            blog_text(150),
            Expect::Piece,
        ),
        (
            "149 words, no promise: unsure, so a pledge",
            s("Thursday piece"),
            blog_text(149),
            Expect::Pledge {
                sure: false,
                kind: None,
                days: Some(&[THU]),
                title: None,
                author: None,
                coauthors: &[],
            },
        ),
        (
            "a tiny note with a day and no promise",
            s("Tuesday"),
            s("Blog for Tuesday — see below."),
            Expect::Pledge {
                sure: false,
                kind: Some("blog"),
                days: Some(&[TUE]),
                title: None,
                author: None,
                coauthors: &[],
            },
        ),
        (
            "a long promise of 300 words: unsure",
            s("Plans for DJW"),
            format!("I'd like to write a blog for Monday.\n\n{}", blog_text(290)),
            Expect::Pledge {
                sure: false,
                kind: Some("blog"),
                days: Some(&[MON]),
                title: None,
                author: None,
                coauthors: &[],
            },
        ),
        (
            "no day named",
            s("Guest blog"),
            s(
                "I'd like to write a guest blog about rehabilitation and technology, if there's room.",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: None,
                title: Some("Rehabilitation and technology"),
                author: None,
                coauthors: &[],
            },
        ),
        (
            "a deadline day that is no themed day",
            s("Blog"),
            s("I'll send a blog for Tuesday before Friday 5 November."),
            pledge(Some("blog"), &[TUE]),
        ),
        (
            "curly apostrophes from a phone",
            s("DJW"),
            s(
                "I\u{2019}d like to write for Wednesday \u{2013} a blog on victims\u{2019} experience of digital services.\n\nSent from my iPhone",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: Some(&[WED]),
                title: Some("Victims\u{2019} experience of digital services"),
                author: None,
                coauthors: &[],
            },
        ),
        (
            "all caps subject, terse",
            s("BLOG - MONDAY"),
            s("will submit monday. thanks"),
            pledge(Some("blog"), &[MON]),
        ),
        (
            "any of the days, kind known",
            s("Case study"),
            s("Keen to contribute a case study – happy for it to go on any of the days."),
            pledge(Some("case-study"), &[]),
        ),
        (
            "a podcast link is not this reader's business: a short promise stays a pledge",
            s("Podcast"),
            s("We'll send a podcast for Friday, probably about 30 minutes long."),
            pledge(Some("podcast"), &[FRI]),
        ),
        (
            "a short case study pasted in, whose own prose says what its team plans",
            s("Case study for Thursday - connected justice"),
            s(CASE_STUDY_PASTED),
            Expect::Piece,
        ),
        (
            "a blog pasted in that hopes for things, as blogs do",
            s("Blog for Tuesday"),
            s(BLOG_PASTED),
            Expect::Piece,
        ),
        (
            "a short abstract that may be the piece: a pledge, and unsure",
            s("Tuesday"),
            s(
                "Data that follows the person\n\nWhen a person moves from custody to probation, their records rarely move with them. In Kent we joined up three systems so that officers see the same history on the day of release. We hope to publish the evaluation next spring, and we would welcome contact from other areas doing similar work.",
            ),
            Expect::Pledge {
                sure: false,
                kind: None,
                days: Some(&[TUE]),
                title: None,
                author: None,
                coauthors: &[],
            },
        ),
        (
            "an assistant's forward as Docket reads it: the note and the forwarded promise",
            s("Fwd: Digital Justice Week blog"),
            s(
                "Hi Jago,\n\nPlease see below from Maria.\n\nBest,\nPat\n\nPat, could you tell techUK I'd like to write a guest blog for Wednesday's user needs theme? I'll have a draft by early November.\n\nThanks,\nMaria",
            ),
            pledge(Some("blog"), &[WED]),
        ),
        (
            "a numbered date",
            s("Blog for 15/11"),
            s(
                "Sign me up for a blog on 15/11 please. Working title: 'Data that follows the person'.",
            ),
            Expect::Pledge {
                sure: true,
                kind: Some("blog"),
                days: Some(&[TUE]),
                title: Some("Data that follows the person"),
                author: None,
                coauthors: &[],
            },
        ),
    ]
}

#[test]
fn a_message_without_a_file_is_read_as_a_pledge_or_a_piece_as_its_writer_meant() {
    let rows = rows();
    assert!(rows.len() >= 30, "at least 30 messages");
    let mut wrong = Vec::new();
    for (name, subject, text, expect) in rows {
        let reading = read(&CALL, &subject, &text);
        let ok = match (&expect, &reading) {
            (Expect::Piece, Reading::Piece) => true,
            (
                Expect::Pledge {
                    sure,
                    kind,
                    days,
                    title,
                    author,
                    coauthors,
                },
                Reading::Pledge {
                    promise,
                    sure: read_sure,
                    ..
                },
            ) => {
                let expected_days = days.map(|days| {
                    if days.is_empty() {
                        CandidateDays::AnyDay
                    } else {
                        CandidateDays::Days(days.iter().copied().collect())
                    }
                });
                sure == read_sure
                    && promise.kind.as_deref() == *kind
                    && promise.days == expected_days
                    && title.is_none_or(|title| promise.working_title.as_deref() == Some(title))
                    && promise.author.as_deref() == *author
                    && promise.coauthors
                        == coauthors.iter().map(|c| c.to_string()).collect::<Vec<_>>()
            }
            _ => false,
        };
        if !ok {
            wrong.push(format!("{name}: got {reading:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} misread:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn two_people_writing_separately_make_two_pledges() {
    for (text, own, other) in [
        (
            "Hi Jago, my colleague Sam Patel will write a case study for Monday, and I'll write a blog for Wednesday.",
            (Some("blog"), WED),
            ("Sam Patel", Some("case-study"), MON),
        ),
        (
            "Jo Bloggs is planning a podcast for Friday; I will send a blog for Tuesday.",
            (Some("blog"), TUE),
            ("Jo Bloggs", Some("podcast"), FRI),
        ),
    ] {
        let Reading::Pledge {
            promise, others, ..
        } = read(&CALL, "Digital Justice Week", text)
        else {
            panic!("{text}: a pledge");
        };
        assert_eq!(promise.kind.as_deref(), own.0, "{text}");
        assert_eq!(
            promise.days,
            Some(CandidateDays::Days([own.1].into_iter().collect())),
            "{text}"
        );
        assert_eq!(others.len(), 1, "{text}: {others:?}");
        assert_eq!(others[0].author.as_deref(), Some(other.0), "{text}");
        assert_eq!(others[0].kind.as_deref(), other.1, "{text}");
        assert_eq!(
            others[0].days,
            Some(CandidateDays::Days([other.2].into_iter().collect())),
            "{text}"
        );
    }
    // Writing together is one pledge with a co-author, not two.
    let Reading::Pledge {
        promise, others, ..
    } = read(
        &CALL,
        "Joint blog",
        "My colleague Sam Patel and I would like to write a joint blog for Thursday.",
    )
    else {
        panic!("a pledge")
    };
    assert!(others.is_empty(), "{others:?}");
    assert_eq!(promise.coauthors, ["Sam Patel"]);
}
