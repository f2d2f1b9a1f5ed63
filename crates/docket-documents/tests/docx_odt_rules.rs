//! The mapping rules of the Word and OpenDocument readers, on small hand-written documents.

mod common;

use common::{docx, odt};
use docket_documents::{FileType, Limits, extract, sniff};

fn markdown_of(bytes: &[u8]) -> String {
    extract(bytes, None, &Limits::default())
        .unwrap_or_else(|e| panic!("{e:?}"))
        .markdown
}

fn p(style: &str, runs: &str) -> String {
    let ppr = if style.is_empty() {
        String::new()
    } else {
        format!(r#"<w:pPr><w:pStyle w:val="{style}"/></w:pPr>"#)
    };
    format!("<w:p>{ppr}{runs}</w:p>")
}

fn r(props: &str, text: &str) -> String {
    format!(r#"<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

fn style(id: &str, name: &str, extra: &str) -> String {
    format!(
        r#"<w:style w:type="paragraph" w:styleId="{id}"><w:name w:val="{name}"/>{extra}</w:style>"#
    )
}

#[test]
fn docx_headings_come_from_style_names_not_ids() {
    // German Word: IDs are localised, names are not.
    let styles = [
        style("berschrift1", "heading 1", ""),
        style("berschrift2", "heading 2", ""),
        style("Titel", "Title", ""),
        style("Eigene", "Eigene", r#"<w:basedOn w:val="berschrift2"/>"#),
        style(
            "Gliederung",
            "Gliederung",
            r#"<w:pPr><w:outlineLvl w:val="2"/></w:pPr>"#,
        ),
        // An ID that looks like a heading but names a body style.
        style("Heading1", "Body Text", ""),
        style("Zitat", "Intense Quote", ""),
    ]
    .concat();
    let body = [
        p("Titel", &r("", "Der Titel")),
        p("berschrift1", &r("", "Erste Ebene")),
        p("berschrift2", &r("", "Zweite Ebene")),
        p("Eigene", &r("", "Geerbt")),
        p("Gliederung", &r("", "Dritte Ebene")),
        p("Heading1", &r("", "Nur Text")),
        p("Zitat", &r("", "Ein Zitat")),
        r#"<w:p><w:pPr><w:outlineLvl w:val="3"/></w:pPr><w:r><w:t>Direct outline</w:t></w:r></w:p>"#
            .to_owned(),
        r#"<w:p><w:pPr><w:pStyle w:val="berschrift1"/><w:outlineLvl w:val="9"/></w:pPr><w:r><w:t>Body after all</w:t></w:r></w:p>"#
            .to_owned(),
    ]
    .concat();
    let got = extract(&docx(&body, &styles, "", ""), None, &Limits::default()).expect("docx");
    assert_eq!(
        got.markdown,
        "# Der Titel\n\n# Erste Ebene\n\n## Zweite Ebene\n\n## Geerbt\n\n### Dritte Ebene\n\n\
         Nur Text\n\n> Ein Zitat\n\n#### Direct outline\n\nBody after all\n"
    );
    assert_eq!(got.title.as_deref(), Some("Der Titel"));
}

#[test]
fn docx_bold_italic_honour_val_and_character_styles() {
    let styles = r#"<w:style w:type="character" w:styleId="Fett"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>"#;
    let body = [
        p(
            "",
            &[
                r(r#"<w:b w:val="0"/>"#, "plain "),
                r(r#"<w:b w:val="false"/><w:i w:val="true"/>"#, "italic"),
                r("", "."),
            ]
            .concat(),
        ),
        p(
            "",
            &[
                r("<w:b/>", "Im"),
                r("<w:b/>", "port"),
                r("<w:b/>", "ant"),
                r("", " word"),
            ]
            .concat(),
        ),
        p(
            "",
            &[
                r("<w:b/>", "two"),
                r("", " "),
                r("<w:b/>", "words"),
                r(r#"<w:b/><w:i/>"#, " both "),
            ]
            .concat(),
        ),
        p(
            "",
            &[
                r(r#"<w:rStyle w:val="Fett"/>"#, "strong"),
                r(r#"<w:rStyle w:val="Fett"/><w:b w:val="off"/>"#, " not"),
            ]
            .concat(),
        ),
        // Paragraph-mark formatting (pPr/rPr) is not run formatting.
        r#"<w:p><w:pPr><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:t>mark</w:t></w:r></w:p>"#.to_owned(),
    ]
    .concat();
    assert_eq!(
        markdown_of(&docx(&body, styles, "", "")),
        "plain *italic*.\n\n**Important** word\n\n**two words** ***both***\n\n**strong** not\n\nmark\n"
    );
}

#[test]
fn docx_lists_from_numbering() {
    let numbering = r#"
        <w:abstractNum w:abstractNumId="0">
          <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl>
          <w:lvl w:ilvl="1"><w:numFmt w:val="decimal"/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="lowerLetter"/></w:lvl></w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
        <w:num w:numId="3"><w:abstractNumId w:val="1"/>
          <w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl></w:lvlOverride></w:num>"#;
    let styles = style(
        "Aufzaehlung",
        "List Number",
        r#"<w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr>"#,
    );
    let item = |num: u32, ilvl: u32, text: &str| {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    };
    let body = [
        item(1, 0, "apples"),
        item(1, 1, "first kind"),
        item(1, 1, "second kind"),
        item(1, 0, "pears"),
        p("", &r("", "Between.")),
        p("Aufzaehlung", &r("", "step one")),
        p("Aufzaehlung", &r("", "step two")),
        p("", &r("", "An interruption.")),
        p("Aufzaehlung", &r("", "step three")),
        item(3, 0, "overridden to bullets"),
        // numId 0 removes the numbering a style would give.
        r#"<w:p><w:pPr><w:pStyle w:val="Aufzaehlung"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>not a list</w:t></w:r></w:p>"#.to_owned(),
    ]
    .concat();
    assert_eq!(
        markdown_of(&docx(&body, &styles, numbering, "")),
        "- apples\n  1. first kind\n  2. second kind\n- pears\n\nBetween.\n\na. step one\n\nb. step two\n\n\
         An interruption.\n\nc. step three\n\n- overridden to bullets\n\nnot a list\n"
    );
}

#[test]
fn docx_links_tables_fields_and_revisions() {
    let rels = r#"<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.org/a_b (1)" TargetMode="External"/>
        <Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="javascript:alert(1)" TargetMode="External"/>"#;
    let body = [
        p("", &format!(
            r#"{}<w:hyperlink r:id="rId7">{}</w:hyperlink>{}<w:hyperlink r:id="rId8">{}</w:hyperlink>"#,
            r("", "See "), r("<w:b/>", "the site"), r("", " or "), r("", "this")
        )),
        // A HYPERLINK field, as some word processors write links.
        p("", &[
            r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> HYPERLINK "https://example.com/" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>"#.to_owned(),
            r("", "field link"),
            r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#.to_owned(),
        ].concat()),
        r#"<w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>cell one</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>cell two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#.to_owned(),
        p("", &[
            r("", "kept "),
            r#"<w:del w:id="1" w:author="x"><w:r><w:delText>deleted </w:delText></w:r></w:del>"#.to_owned(),
            r#"<w:ins w:id="2" w:author="x"><w:r><w:t>inserted</w:t></w:r></w:ins>"#.to_owned(),
            r#"<w:r><w:footnoteReference w:id="1"/></w:r>"#.to_owned(),
        ].concat()),
        p("", &[
            r("", "line one"),
            r#"<w:r><w:br/><w:t>line two</w:t><w:tab/><w:t>after tab</w:t></w:r>"#.to_owned(),
        ].concat()),
        p("", &r("", "*stars* &amp; _under_ &lt;tag&gt; # 1. [x]")),
    ]
    .concat();
    assert_eq!(
        markdown_of(&docx(&body, "", "", rels)),
        "See [**the site**](https://example.org/a_b%20%281%29) or this\n\n\
         [field link](https://example.com/)\n\n| cell one | cell two |\n| --- | --- |\n\nkept inserted\n\n\
         line one\\\nline two after tab\n\n\\*stars\\* & \\_under\\_ \\<tag> # 1. \\[x\\]\n"
    );
}

#[test]
fn docx_with_malformed_styles_is_refused() {
    let bytes = docx(&p("", &r("", "text")), "<w:style><w:name>", "", "");
    let err = extract(&bytes, None, &Limits::default()).expect_err("bad styles.xml");
    assert!(
        err.user_message().contains("Word document"),
        "{}",
        err.user_message()
    );
}

const AUTO: &str = r#"
    <style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
    <style:style style:name="T2" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
    <style:style style:name="T3" style:family="text" style:parent-style-name="Strong_20_Emphasis"><style:text-properties fo:font-weight="normal"/></style:style>
    <style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard"><style:text-properties fo:font-weight="700"/></style:style>
    <style:style style:name="P2" style:family="paragraph" style:parent-style-name="Quotations"/>
    <text:list-style style:name="L1">
      <text:list-level-style-bullet text:level="1" text:bullet-char="•"/>
      <text:list-level-style-number text:level="2" style:num-format="1"/>
    </text:list-style>
    <text:list-style style:name="L2"><text:list-level-style-number text:level="1" style:num-format="i"/></text:list-style>"#;

const NAMED: &str = r#"
    <style:style style:name="Standard" style:family="paragraph"/>
    <style:style style:name="Quotations" style:family="paragraph"><style:text-properties fo:font-style="italic"/></style:style>
    <style:style style:name="Title" style:family="paragraph"/>
    <style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:default-outline-level="2"/>
    <style:style style:name="Strong_20_Emphasis" style:display-name="Strong Emphasis" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
    <style:style style:name="Emphasis" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>"#;

#[test]
fn odt_structure_and_formatting() {
    let text = r#"
      <text:p text:style-name="Title">A title</text:p>
      <text:h text:outline-level="1">First</text:h>
      <text:h text:style-name="Heading_20_2">From the style</text:h>
      <text:p text:style-name="Standard">Some <text:span text:style-name="T1">bold</text:span>,
        <text:span text:style-name="T2">italic</text:span>, <text:span text:style-name="Emphasis">named
        emphasis</text:span>, <text:span text:style-name="T3">not bold</text:span> and
        <text:span text:style-name="T1">nested <text:span text:style-name="T2">both</text:span></text:span>.</text:p>
      <text:p text:style-name="P1">Whole paragraph bold</text:p>
      <text:p text:style-name="P2">Quoted, and not italic in Markdown.</text:p>
      <text:p>Spaced<text:s text:c="3"/>out<text:tab/>tabbed<text:line-break/>next line with a
        <text:a xlink:type="simple" xlink:href="https://example.org/x">link</text:a> and a
        <text:a xlink:href="javascript:alert(1)">bad one</text:a><text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Footnote</text:p></text:note-body></text:note>.</text:p>
      <text:list text:style-name="L1">
        <text:list-item><text:p>one</text:p>
          <text:list><text:list-item><text:p>one a</text:p></text:list-item><text:list-item><text:p>one b</text:p></text:list-item></text:list>
        </text:list-item>
        <text:list-item><text:p>two</text:p><text:p>second paragraph of two</text:p></text:list-item>
      </text:list>
      <text:list text:style-name="L2"><text:list-item><text:p>roman</text:p></text:list-item></text:list>
      <text:p>*not emphasis* &lt;b&gt;</text:p>"#;
    let bytes = odt(text, AUTO, NAMED);
    assert_eq!(sniff(&bytes, Some("x.docx")), FileType::Odt);
    let got = extract(&bytes, None, &Limits::default()).expect("odt");
    assert_eq!(
        got.markdown,
        "# A title\n\n# First\n\n## From the style\n\nSome **bold**, *italic*, *named emphasis*, \
         not bold and **nested** ***both***.\n\n**Whole paragraph bold**\n\n\
         > Quoted, and not italic in Markdown.\n\n\
         Spaced out tabbed\\\nnext line with a [link](https://example.org/x) and a bad one[^1].\n\n\
         - one\n\n  1 one a\n\n  2 one b\n- two\n\n  second paragraph of two\n\ni roman\n\n\
         \\*not emphasis\\* \\<b>\n\n[^1]: Footnote\n"
    );
    assert_eq!(got.title.as_deref(), Some("A title"));
}

#[test]
fn odt_encrypted_by_manifest_is_refused() {
    let bytes = common::zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", b"\x8f\x01binary"),
        (
            "META-INF/manifest.xml",
            b"<manifest:manifest><manifest:file-entry manifest:full-path=\"content.xml\"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>",
        ),
    ]);
    let err = extract(&bytes, None, &Limits::default()).expect_err("encrypted");
    assert!(
        err.user_message().contains("password"),
        "{}",
        err.user_message()
    );
}

#[test]
fn docx_images_of_kinds_docket_cannot_show_are_named_in_a_placeholder() {
    let rels = r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/chart.emf"/>
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/old.wmf"/>"#;
    let body = r#"<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:docPr id="1" name="Chart" descr="Sales by year"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData><a:blip r:embed="rId1"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>
        <w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:imagedata r:id="rId2" o:title="" xmlns:o="urn:schemas-microsoft-com:office:office"/></v:shape></w:pict></w:r></w:p>"#;
    let got = extract(&docx(body, "", "", rels), None, &Limits::default()).expect("docx");
    assert_eq!(
        got.markdown,
        "![Sales by year (chart.emf, an EMF image that cannot be shown here)](chart.emf)\n\n\
         ![old.wmf, a WMF image that cannot be shown here](old.wmf)\n"
    );
    assert!(got.images.is_empty(), "{:?}", got.images);
    // Image syntax: a picture adds no word, as in Word and LibreOffice.
    assert_eq!(docket_core::text::count_markdown_words(&got.markdown), 0);
}

#[test]
fn docx_text_boxes_keep_their_own_formatting() {
    let body = r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Bold before </w:t></w:r><w:r><w:drawing><w:txbxContent><w:p><w:r><w:rPr><w:i/></w:rPr><w:t>boxed italic</w:t></w:r><w:r><w:t xml:space="preserve"> then plain</w:t></w:r></w:p></w:txbxContent></w:drawing></w:r><w:r><w:t>after</w:t></w:r></w:p>"#;
    assert_eq!(
        markdown_of(&docx(body, "", "", "")),
        "**Bold before** after\n\n*boxed italic* then plain\n"
    );
}

#[test]
fn docx_lists_that_link_to_a_list_style_take_its_levels() {
    // Word's outline numbering of headings: the headings' list links to a list style, whose
    // numbering holds the levels.
    let numbering = r#"
        <w:abstractNum w:abstractNumId="0"><w:styleLink w:val="Outline"/>
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
          <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2."/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1"><w:numStyleLink w:val="Outline"/></w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>"#;
    let styles = [
        r#"<w:style w:type="numbering" w:styleId="Outline"><w:name w:val="Outline"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>"#.to_owned(),
        style("Heading1", "heading 1", r#"<w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr>"#),
        style("Heading2", "heading 2", r#"<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="2"/></w:numPr></w:pPr>"#),
    ]
    .concat();
    let body = [
        p("Heading1", &r("", "Background")),
        p("Heading2", &r("", "Courts")),
        p("Heading2", &r("", "Tribunals")),
        p("Heading1", &r("", "Findings")),
    ]
    .concat();
    assert_eq!(
        markdown_of(&docx(&body, &styles, numbering, "")),
        "# I. Background\n\n## A. Courts\n\n## B. Tribunals\n\n# II. Findings\n"
    );
}
