//! Hostile and broken input: every file here must give an `Err` with a message a contributor can
//! act on, quickly, without panicking. Nothing here is committed: the files are made in the test.

mod common;

use std::time::{Duration, Instant};

use common::{assert_user_facing, docx, fixture, zip_of};
use docket_documents::{ExtractError, FileType, Limits, check_image, extract, sniff};

/// One entry of a hand-made zip: name, method, flags, CRC, claimed size, data.
type RawEntry<'a> = (&'a str, u16, u16, u32, u32, Vec<u8>);

/// A zip built by hand, so that headers can lie.
fn raw_zip(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, flags, crc, claimed, data) in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central_dir: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central_dir {
                h.extend(20u16.to_le_bytes()); // version made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(flags.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend([0u8; 4]); // time, date
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend(claimed.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central_dir {
                h.extend([0u8; 6]); // comment len, disk, internal attrs
                h.extend(0u32.to_le_bytes()); // external attrs
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// About 200 MB of zeros as one raw deflate block (fixed Huffman codes: a literal 0, then
/// back-references of 258 bytes at distance 1, 13 bits each), about 1.3 MB. Written by hand
/// because compressing 200 MB with flate2 in a debug build takes half a minute.
/// The CRC is left at 0: no reader gets to the end of the data to check it.
fn deflated_zeros() -> (Vec<u8>, u32) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes are packed starting from their most significant bit.
        fn code(&mut self, code: u32, len: u32) {
            self.put(u64::from(code.reverse_bits() >> (32 - len)), len);
        }
    }
    const REPEATS: usize = 812_850; // 1 + 258 × 812,850 = 209,715,301 bytes
    let mut bits = Bits {
        out: Vec::with_capacity(REPEATS * 13 / 8 + 16),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..REPEATS {
        bits.code(0xC5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block (symbol 256)
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    (bits.out, 0)
}

#[test]
fn hand_made_deflate_stream_inflates_to_200_mb() {
    let (data, _) = deflated_zeros();
    let mut inflated = 0u64;
    let mut decoder = flate2::read::DeflateDecoder::new(&data[..]);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut decoder, &mut buf).expect("valid deflate");
        if n == 0 {
            break;
        }
        assert!(buf[..n].iter().all(|&b| b == 0));
        inflated += n as u64;
    }
    assert_eq!(inflated, 209_715_301);
}

fn bomb(claimed: u32) -> Vec<u8> {
    let (data, crc) = deflated_zeros();
    raw_zip(&[
        ("[Content_Types].xml", 0, 0, 0, 0, Vec::new()),
        ("word/document.xml", 8, 0, crc, claimed, data),
    ])
}

#[test]
fn zip_bomb_lying_about_its_size() {
    let bytes = bomb(1_000);
    assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
    assert_eq!(sniff(&bytes, Some("blog.docx")), FileType::Docx);
    let start = Instant::now();
    let err = assert_user_facing(extract(&bytes, Some("blog.docx"), &Limits::default()));
    // Stopped as soon as the entry inflates past the 1,000 bytes it claims.
    assert!(matches!(err, ExtractError::ZipBomb { .. }), "{err:?}");
    assert!(
        err.user_message().contains("100 MB"),
        "{}",
        err.user_message()
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn zip_bomb_within_its_claim_is_capped_by_bytes_actually_read() {
    // Claims (truthfully) 200 MB against a budget of 100 MB: refused before inflating. With a
    // claim under the budget the zip reader stops at the claim (test above); the `take()` on our
    // side caps what is read whatever the reader does.
    let err = assert_user_facing(extract(&bomb(209_715_301), None, &Limits::default()));
    assert!(matches!(err, ExtractError::ZipBomb { .. }), "{err:?}");
    let limits = Limits {
        max_uncompressed_bytes: 10 * 1024 * 1024,
        ..Limits::default()
    };
    let err = assert_user_facing(extract(&bomb(9 * 1024 * 1024), None, &limits));
    assert!(
        matches!(err, ExtractError::ZipBomb { limit } if limit == 10 * 1024 * 1024),
        "{err:?}"
    );
    assert!(
        err.user_message().contains("10 MB"),
        "{}",
        err.user_message()
    );
}

#[test]
fn zip_with_ten_thousand_entries() {
    let names: Vec<String> = (0..10_000).map(|i| format!("word/media/{i}.bin")).collect();
    let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    entries.push(("word/document.xml", b"<w:document/>"));
    let bytes = zip_of(&entries);
    assert_eq!(sniff(&bytes, None), FileType::Docx);
    let err = assert_user_facing(extract(&bytes, None, &Limits::default()));
    assert!(
        matches!(
            err,
            ExtractError::TooManyEntries {
                entries: 10_001,
                limit: 2_000
            }
        ),
        "{err:?}"
    );
}

#[test]
fn encrypted_zip_entry() {
    let bytes = raw_zip(&[(
        "word/document.xml",
        0,
        1,
        0,
        4,
        b"\x01\x02\x03\x04".to_vec(),
    )]);
    let err = assert_user_facing(extract(&bytes, None, &Limits::default()));
    assert!(matches!(err, ExtractError::Encrypted { .. }), "{err:?}");
    assert!(
        err.user_message().contains("password"),
        "{}",
        err.user_message()
    );
}

#[test]
fn docx_with_malformed_xml() {
    for body in [
        "<w:p><w:r><w:t>unclosed",
        "<w:p><w:r><w:t>mismatched</w:r></w:t></w:p>",
        "<w:p>&#xFFFFFFFF;</w:p>",
    ] {
        let bytes = zip_of(&[(
            "word/document.xml",
            format!("<w:document><w:body>{body}").as_bytes(),
        )]);
        let err = assert_user_facing(extract(&bytes, Some("piece.docx"), &Limits::default()));
        assert!(
            matches!(
                err,
                ExtractError::Malformed {
                    file_type: FileType::Docx,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.user_message(),
            "This file is not a Word document we can read: it looks damaged. Save it again from \
             your word processor, or paste the text instead."
        );
    }
    // Not UTF-8 at all.
    let bytes = zip_of(&[(
        "word/document.xml",
        b"<w:document>\xff\xfe\xfd</w:document>",
    )]);
    assert_user_facing(extract(&bytes, None, &Limits::default()));
}

#[test]
fn damaged_docx_is_called_damaged_not_unsupported() {
    let whole = fixture("blog.docx");
    let cut = &whole[..whole.len() / 2];
    assert_eq!(sniff(cut, None), FileType::Docx);
    let err = assert_user_facing(extract(cut, None, &Limits::default()));
    assert!(
        err.user_message().contains("damaged"),
        "{}",
        err.user_message()
    );
}

#[test]
fn xml_entity_expansion_is_not_performed() {
    let body = r#"<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document><w:body><w:p><w:r><w:t>x&b;y</w:t></w:r></w:p></w:body></w:document>"#;
    let bytes = zip_of(&[("word/document.xml", body.as_bytes())]);
    let got = extract(&bytes, None, &Limits::default()).expect("entities are ignored");
    assert_eq!(got.markdown, "xy\n");
}

#[test]
fn truncated_pdf() {
    let whole = fixture("report.pdf");
    let half = &whole[..whole.len() / 2];
    assert_eq!(sniff(half, None), FileType::Pdf);
    let err = assert_user_facing(extract(half, None, &Limits::default()));
    assert!(
        matches!(
            err,
            ExtractError::Malformed {
                file_type: FileType::Pdf,
                ..
            }
        ),
        "{err:?}"
    );
}

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn pdf_of_random_bytes() {
    for seed in 1..=20u64 {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend(pseudo_random(4096, seed));
        assert_user_facing(extract(&bytes, None, &Limits::default()));
        // Also past the truncation check, into the parser.
        bytes.extend(b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
        assert_user_facing(extract(&bytes, None, &Limits::default()));
    }
}

#[test]
fn pdf_with_a_broken_object_graph() {
    // A catalog whose page tree points at itself, and a stream with a bogus length.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
        2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 99999 >> endobj\n\
        3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n\
        4 0 obj << /Length 999999 >> stream\nBT /F1 12 Tf (hi) Tj ET\nendstream endobj\n\
        trailer << /Root 1 0 R /Size 5 >>\n%%EOF\n";
    // Whatever the parser makes of it, the answer is an Err or some text, never a crash.
    match extract(pdf, None, &Limits::default()) {
        Ok(got) => assert_eq!(got.file_type, FileType::Pdf),
        Err(e) => assert!(!e.user_message().is_empty()),
    }
}

#[test]
fn invalid_utf8_text() {
    let bytes = b"A piece saved as Latin-1: caf\xe9 cr\xe8me.\n";
    assert_eq!(sniff(bytes, Some("piece.txt")), FileType::PlainText);
    let err = assert_user_facing(extract(bytes, Some("piece.txt"), &Limits::default()));
    assert!(
        matches!(err, ExtractError::NotUtf8 { offset: 29 }),
        "{err:?}"
    );
    assert!(
        err.user_message().contains("UTF-8"),
        "{}",
        err.user_message()
    );
    let err = assert_user_facing(extract(bytes, Some("piece.md"), &Limits::default()));
    assert!(matches!(err, ExtractError::NotUtf8 { .. }), "{err:?}");
}

#[test]
fn nul_bytes_in_text() {
    let mut bytes = "A long enough text. ".repeat(20).into_bytes();
    bytes.insert(100, 0);
    assert_eq!(sniff(&bytes, None), FileType::PlainText);
    let err = assert_user_facing(extract(&bytes, None, &Limits::default()));
    assert!(
        matches!(err, ExtractError::NulByte { offset: 100 }),
        "{err:?}"
    );
}

#[test]
fn html_with_script_and_handlers_comes_out_inert() {
    let page = br#"<!doctype html><html><head><title>Hi</title>
        <script>alert('head')</script><style>body{background:url(javascript:alert(1))}</style></head>
        <body onload="alert('load')">
        <p>Hello <img src="x" onerror="alert('img')"> <b onmouseover="alert('b')">world</b></p>
        <a href="javascript:alert('link')">click</a> <a href=" JAVASCRIPT:alert(1)">again</a>
        <a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">data</a>
        <iframe src="https://evil.example/"></iframe><object data="x.swf"></object>
        <svg><script>alert('svg')</script></svg><noscript><img src=x onerror=alert('ns')></noscript>
        <p>&lt;script&gt;alert('text')&lt;/script&gt; &amp;lt;b&amp;gt;</p>
        <SCRIPT>alert('upper')</SCRIPT></body></html>"#;
    let got = extract(page, Some("page.html"), &Limits::default()).expect("html");
    let md = &got.markdown;
    assert_eq!(got.title.as_deref(), Some("Hi"));
    for bad in [
        "onerror",
        "onload",
        "onmouseover",
        "javascript",
        "data:",
        "iframe",
        "evil",
        "swf",
        "svg",
    ] {
        assert!(!md.to_ascii_lowercase().contains(bad), "{bad} in {md}");
    }
    for (i, _) in md.match_indices('<') {
        assert!(md[..i].ends_with('\\'), "unescaped < in {md}");
    }
    assert!(md.contains("Hello **world**"), "{md}");
    assert!(md.contains("click again data"), "{md}");
}

#[test]
fn html_nested_too_deeply() {
    let page = format!("<html><body>{}x", "<div>".repeat(100_000));
    let start = Instant::now();
    let err = assert_user_facing(extract(page.as_bytes(), None, &Limits::default()));
    assert!(
        matches!(
            err,
            ExtractError::Malformed {
                file_type: FileType::Html,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}

fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc.sum().to_be_bytes());
    png
}

#[test]
fn png_claiming_100000_by_100000() {
    let bytes = png_header(100_000, 100_000);
    assert_eq!(sniff(&bytes, None), FileType::Png);
    let err = check_image(&bytes).expect_err("decompression bomb");
    assert!(
        matches!(
            err,
            ExtractError::ImageDimensions {
                width: 100_000,
                height: 100_000
            }
        ),
        "{err:?}"
    );
    assert!(
        err.user_message().contains("10,000"),
        "{}",
        err.user_message()
    );
    assert_user_facing(extract(&bytes, None, &Limits::default()));
    // 8,000 × 8,000 is within a side but over 40 megapixels.
    assert!(matches!(
        check_image(&png_header(8_000, 8_000)),
        Err(ExtractError::ImageDimensions { .. })
    ));
    assert!(check_image(&png_header(6_000, 4_000)).is_ok());
    assert!(matches!(
        check_image(&png_header(0, 10)),
        Err(ExtractError::ImageDimensions { .. })
    ));
}

#[test]
fn a_png_named_blog_docx_is_a_png() {
    let bytes = fixture("headshot.png");
    assert_eq!(sniff(&bytes, Some("blog.docx")), FileType::Png);
    let got = extract(&bytes, Some("blog.docx"), &Limits::default()).expect("png");
    assert_eq!(got.file_type, FileType::Png);
    assert!(got.markdown.is_empty());
}

#[test]
fn a_docx_named_photo_png_is_a_docx() {
    let bytes = fixture("blog.docx");
    assert_eq!(sniff(&bytes, Some("photo.png")), FileType::Docx);
    assert!(check_image(&bytes).is_err());
}

#[test]
fn empty_file() {
    assert_eq!(sniff(b"", Some("blog.docx")), FileType::Unknown);
    let err = assert_user_facing(extract(b"", Some("blog.docx"), &Limits::default()));
    assert!(matches!(err, ExtractError::Empty), "{err:?}");
    assert!(matches!(check_image(b""), Err(ExtractError::Empty)));
    let err = assert_user_facing(extract(b" \n\t\n", Some("blog.md"), &Limits::default()));
    assert!(matches!(err, ExtractError::Empty), "{err:?}");
}

#[test]
fn too_large() {
    let limits = Limits {
        max_bytes: 1024,
        ..Limits::default()
    };
    let err = assert_user_facing(extract(&fixture("blog.docx"), None, &limits));
    assert!(matches!(err, ExtractError::TooLarge { .. }), "{err:?}");
    let err = ExtractError::TooLarge {
        size: 30 << 20,
        limit: 25 << 20,
    };
    assert!(
        err.user_message().contains("25 MB"),
        "{}",
        err.user_message()
    );
}

#[test]
fn unsupported_files_say_what_to_send() {
    let pages = zip_of(&[
        ("Index/Document.iwa", b"\x00\x01"),
        ("Metadata/Properties.plist", b"x"),
    ]);
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.extend([0u8; 504]);
    let mut exe = b"MZ\x90\x00".to_vec();
    exe.extend([0u8; 60]);
    let plain_zip = zip_of(&[("photos/a.jpg", b"x"), ("notes.txt", b"y")]);
    let xlsx = zip_of(&[("[Content_Types].xml", b"x"), ("xl/workbook.xml", b"y")]);
    let mut encrypted_docx = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    encrypted_docx.extend([0u8; 504]);
    encrypted_docx.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    for (bytes, name, expect) in [
        (
            pages,
            "piece.pages",
            "This is a Pages document (.pages), which we cannot read. In Pages, choose File, \
             Export To, Word, and send the .docx file that makes.",
        ),
        (
            doc,
            "piece.doc",
            "This is an older Word document (.doc), which we cannot read. Open it in Word or \
             LibreOffice and save it as .docx, then send that.",
        ),
        (
            exe,
            "piece.docx",
            "This is a program, which we cannot read. Send your piece as a .docx, .odt, .rtf or \
             PDF document, or as Markdown or plain text.",
        ),
        (
            plain_zip,
            "piece.zip",
            "This is a ZIP archive, which we cannot read. Send each file on its own: documents \
             as .docx, .odt or PDF, audio as MP3 or M4A, images as JPEG or PNG.",
        ),
        (
            xlsx,
            "piece.xlsx",
            "This is a spreadsheet, which we cannot read. Send your piece as a .docx, .odt or \
             PDF document.",
        ),
        (
            encrypted_docx,
            "piece.docx",
            "This Word document is protected by a password, so we cannot read it: remove the \
             password and send it again.",
        ),
    ] {
        assert_eq!(sniff(&bytes, Some(name)), FileType::Unknown, "{name}");
        let err = assert_user_facing(extract(&bytes, Some(name), &Limits::default()));
        assert_eq!(err.user_message(), expect, "{name}");
    }
    // A file of an unknown kind is described in a sentence that reads as English.
    assert_eq!(
        FileType::Unknown.with_article(),
        "a file of an unknown kind"
    );
    assert_eq!(FileType::Docx.with_article(), "a Word document (.docx)");
    assert_eq!(FileType::Rtf.with_article(), "an RTF document (.rtf)");
    assert_eq!(FileType::Mp3.with_article(), "an MP3 audio file (.mp3)");
}

#[test]
fn links_to_online_documents_say_how_to_download_them() {
    for (text, expect) in [
        (
            "https://docs.google.com/document/d/1AbC/edit?usp=sharing\n",
            "This is a link to a Google Docs document, which we cannot read. Open it, choose \
             File, Download, Microsoft Word (.docx), and send us that file.",
        ),
        (
            "[InternetShortcut]\r\nURL=https://contoso.sharepoint.com/:w:/g/EabC\r\n",
            "This is a link to a document in OneDrive or SharePoint, which we cannot read. Open \
             it, choose File, Save As, Download a Copy, and send us that .docx file.",
        ),
        (
            "https://www.dropbox.com/s/abc/blog.docx?dl=0",
            "This is a link to a file in Dropbox, which we cannot read. Download the file from \
             Dropbox and send it to us as an attachment or upload.",
        ),
    ] {
        let err = assert_user_facing(extract(
            text.as_bytes(),
            Some("link.txt"),
            &Limits::default(),
        ));
        assert_eq!(err.user_message(), expect);
    }
    // A piece that mentions such a link among its words is a piece.
    let piece = "Read the draft at https://docs.google.com/document/d/1AbC before Friday.";
    assert!(extract(piece.as_bytes(), None, &Limits::default()).is_ok());
}

/// The crafted files of the corpus (tests/corpus/hostile/): each is refused with a message a
/// contributor can act on, or read without trouble, never a panic, within the time limit.
#[test]
fn corpus_hostile_files_are_refused_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/hostile");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/corpus/hostile") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let bytes = std::fs::read(&path).expect("read");
        let start = Instant::now();
        let got = extract(&bytes, Some(&name), &Limits::default());
        assert!(start.elapsed() < Duration::from_secs(20), "{name}");
        seen += 1;
        let expect_refusal = match name.as_str() {
            "legacy.doc" => Some("older Word document (.doc)"),
            "document.pages" => Some("Pages document"),
            "google-docs-link.txt" => Some("Google Docs"),
            "huge-bin.rtf" | "deep-groups.rtf" | "unterminated.rtf" => Some("RTF document"),
            _ => None,
        };
        match (got, expect_refusal) {
            (Err(e), Some(fragment)) => {
                assert!(
                    e.user_message().contains(fragment),
                    "{name}: {}",
                    e.user_message()
                );
                assert!(e.user_message().ends_with('.'), "{name}");
            }
            (Ok(got), None) => assert!(got.markdown.len() < 1_000_000, "{name}"),
            (Err(e), None) => {
                let message = e.user_message();
                assert!(
                    message.ends_with('.') && !message.contains("panicked"),
                    "{name}: {message}"
                );
            }
            (Ok(got), Some(_)) => panic!("{name} was read: {:?}", got.markdown),
        }
    }
    assert!(seen >= 10, "only {seen} hostile files");
}

#[test]
fn audio_truncated_or_random() {
    for name in ["tone.mp3", "tone.m4a", "tone.ogg", "tone.opus", "tone.wav"] {
        let whole = fixture(name);
        let head = &whole[..64.min(whole.len())];
        match extract(head, None, &Limits::default()) {
            Ok(got) => assert!(
                got.duration_seconds
                    .is_some_and(|d| d > 0.0 && d < 86_400.0)
            ),
            Err(e) => assert!(!e.user_message().is_empty()),
        }
        let mut garbage = whole[..16].to_vec();
        garbage.extend(pseudo_random(2048, whole.len() as u64));
        match extract(&garbage, None, &Limits::default()) {
            Ok(got) => assert!(
                got.duration_seconds
                    .is_some_and(|d| d > 0.0 && d < 86_400.0)
            ),
            Err(e) => assert!(!e.user_message().is_empty()),
        }
    }
}

#[test]
fn docx_without_document_part() {
    let bytes = docx("", "", "", "");
    let got = extract(&bytes, None, &Limits::default()).expect("empty body is fine");
    assert_eq!(got.markdown, "");
    let odt_like = zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.text")]);
    let err = assert_user_facing(extract(&odt_like, None, &Limits::default()));
    assert!(
        matches!(
            err,
            ExtractError::Malformed {
                file_type: FileType::Odt,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn html_shapes_that_could_be_quadratic() {
    let unclosed_tags = "<a".repeat(200_000);
    let many_scripts = "<script>x</SCRIPT>".repeat(20_000);
    let unclosed_script = format!("<p>before</p><script>{}", "<b>".repeat(100_000));
    for page in [unclosed_tags, many_scripts, unclosed_script] {
        let start = Instant::now();
        match extract(page.as_bytes(), Some("page.html"), &Limits::default()) {
            Ok(got) => assert_eq!(got.file_type, FileType::Html),
            Err(e) => assert!(!e.user_message().is_empty()),
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
    }
}

#[test]
fn deeply_nested_word_and_opendocument_xml() {
    let depth = 200_000;
    let body = format!(
        "{}<w:t>deep</w:t>{}",
        "<w:r>".repeat(depth),
        "</w:r>".repeat(depth)
    );
    let start = Instant::now();
    let got = extract(
        &docx(&format!("<w:p>{body}</w:p>"), "", "", ""),
        None,
        &Limits::default(),
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(got.expect("nesting is fine").markdown, "deep\n");
    let text = format!(
        "<text:p>{}deep{}</text:p>",
        "<text:span>".repeat(depth),
        "</text:span>".repeat(depth)
    );
    let got = extract(&common::odt(&text, "", ""), None, &Limits::default());
    assert_eq!(got.expect("nesting is fine").markdown, "deep\n");
    let lists = format!(
        "{}<text:p>deep</text:p>{}",
        "<text:list><text:list-item>".repeat(depth / 10),
        "</text:list-item></text:list>".repeat(depth / 10)
    );
    let got = extract(&common::odt(&lists, "", ""), None, &Limits::default());
    assert!(got.expect("nesting is fine").markdown.contains("deep"));
    // An item at every level: indentation stops growing at the ninth level.
    let lists = format!(
        "{}{}",
        "<text:list><text:list-item><text:p>item</text:p>".repeat(depth / 10),
        "</text:list-item></text:list>".repeat(depth / 10)
    );
    let got = extract(&common::odt(&lists, "", ""), None, &Limits::default());
    let markdown = got.expect("nesting is fine").markdown;
    assert!(markdown.len() < 1_000_000, "{} bytes", markdown.len());
    assert!(
        markdown.starts_with("- item\n  - item\n    - item\n"),
        "{}",
        &markdown[..100]
    );
}
