#!/usr/bin/env python3
"""Generates the word-count corpus of docket-documents (tests/corpus/).

Run from anywhere:  python3 crates/docket-documents/tests/corpus/make_corpus.py

Needs: python-docx (pip install python-docx) and LibreOffice's `soffice` on PATH (Debian
`libreoffice-writer`), which converts the Word files to .odt, back to .docx and to .rtf, as an
author using LibreOffice would save them.

What it writes, made the way authors make documents:
  docx/   OOXML written the way Word writes it: hand-assembled XML for what python-docx cannot
          make (footnotes, endnotes, text boxes with their VML fallback, content controls, fields,
          symbols, tracked changes, comments, numbering definitions, merged cells, images, a main
          part outside word/), and python-docx documents.
  odt/    the same documents saved by LibreOffice as .odt.
  lo-docx/ some of them saved back by LibreOffice as .docx.
  rtf/    some of them saved by LibreOffice as .rtf.
  hostile/ crafted files that must be refused cleanly.
  word/   documents saved by Microsoft Word itself, taken from open-source projects' test files
          (see word/SOURCES.md; not generated here).

The expected word counts are NOT written here: the tests ask LibreOffice (tests/lo_count.py) at
test time. Regenerating changes the bytes of the zips (timestamps), not what they say.
"""

import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DOCX_DIR = os.path.join(HERE, "docx")

W_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'mc:Ignorable="w14"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml"

STYLES = (
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>'
    + "".join(
        '<w:style w:type="paragraph" w:styleId="Heading%d"><w:name w:val="heading %d"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="%d"/></w:pPr></w:style>' % (i, i, i - 1)
        for i in range(1, 4)
    )
    + '<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>'
    '<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>'
)

# A 1x1 red PNG, the smallest real image.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
)
_idat = zlib.compress(b"\x00\xff\x00\x00")
PNG += struct.pack(">I", len(_idat)) + b"IDAT" + _idat + struct.pack(">I", zlib.crc32(b"IDAT" + _idat))
PNG += struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def r(text, rpr=""):
    return '<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>' % (
        ("<w:rPr>%s</w:rPr>" % rpr) if rpr else "", esc(text))


def p(content, ppr="", raw=False):
    runs = content if raw else r(content)
    return "<w:p>%s%s</w:p>" % (("<w:pPr>%s</w:pPr>" % ppr) if ppr else "", runs)


def styled(style, text):
    return p(text, '<w:pStyle w:val="%s"/>' % style)


def num(num_id, ilvl, text, style=None):
    ppr = ('<w:pStyle w:val="%s"/>' % style if style else "") + (
        '<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/></w:numPr>' % (ilvl, num_id))
    return p(text, ppr)


def fn_ref(i, kind="footnote"):
    style = "FootnoteReference" if kind == "footnote" else "EndnoteReference"
    return '<w:r><w:rPr><w:rStyle w:val="%s"/></w:rPr><w:%sReference w:id="%d"/></w:r>' % (style, kind, i)


def note(i, paragraphs, kind="footnote"):
    body = ""
    for n, para in enumerate(paragraphs):
        mark = ('<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:%sRef/></w:r>' % kind) if n == 0 else ""
        content = para if para.startswith("<w:") else r(" " + para if n == 0 else para)
        body += '<w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>%s%s</w:p>' % (mark, content)
    return '<w:%s w:id="%d">%s</w:%s>' % (kind, i, body, kind)


def level(ilvl, fmt, text, start=1, extra=""):
    return ('<w:lvl w:ilvl="%d"><w:start w:val="%d"/><w:numFmt w:val="%s"/><w:lvlText w:val="%s"/>'
            '<w:lvlJc w:val="left"/>%s<w:pPr><w:ind w:left="%d" w:hanging="360"/></w:pPr></w:lvl>'
            % (ilvl, start, fmt, esc(text), extra, 720 * (ilvl + 1)))


def abstract(aid, levels):
    return '<w:abstractNum w:abstractNumId="%d"><w:multiLevelType w:val="hybridMultilevel"/>%s</w:abstractNum>' % (aid, "".join(levels))


def numdef(nid, aid, overrides=""):
    return '<w:num w:numId="%d"><w:abstractNumId w:val="%d"/>%s</w:num>' % (nid, aid, overrides)


def core_xml(title="", creator="", last="", created="2024-03-01T09:00:00Z"):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>%s</dc:title><dc:creator>%s</dc:creator><cp:lastModifiedBy>%s</cp:lastModifiedBy>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified></cp:coreProperties>'
        % (esc(title), esc(creator), esc(last), created, created))


def app_xml(company="", manager=""):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Microsoft Office Word</Application><Company>%s</Company><Manager>%s</Manager></Properties>"
        % (esc(company), esc(manager)))


def write_docx(name, body, numbering=None, footnotes=None, endnotes=None, comments=None,
               header=None, footer=None, main="word/document.xml", media=(), core=None, app=None,
               extra_rels="", extra_styles=""):
    folder = main.rsplit("/", 1)[0] + "/"
    parts = {}
    ct = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="png" ContentType="image/png"/>'
          '<Default Extension="svg" ContentType="image/svg+xml"/>'
          '<Override PartName="/%s" ContentType="%s.document.main+xml"/>' % (main, CT_MAIN)]
    rels = []

    def add(part, ctype, rtype, root, xml, rid):
        parts[folder + part] = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:%s %s>%s</w:%s>' % (root, W_NS, xml, root)
        ct.append('<Override PartName="/%s%s" ContentType="%s.%s+xml"/>' % (folder, part, CT_MAIN, ctype))
        rels.append('<Relationship Id="%s" Type="%s/%s" Target="%s"/>' % (rid, REL, rtype, part))

    add("styles.xml", "styles", "styles", "styles", STYLES + extra_styles, "rIdStyles")
    if numbering is not None:
        add("numbering.xml", "numbering", "numbering", "numbering", numbering, "rIdNumbering")
    if footnotes is not None:
        sep = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
               '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>')
        add("footnotes.xml", "footnotes", "footnotes", "footnotes", sep + footnotes, "rIdFootnotes")
    if endnotes is not None:
        sep = ('<w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:endnote>'
               '<w:endnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:endnote>')
        add("endnotes.xml", "endnotes", "endnotes", "endnotes", sep + endnotes, "rIdEndnotes")
    if comments is not None:
        add("comments.xml", "comments", "comments", "comments", comments, "rIdComments")
    sect = '<w:sectPr>'
    if header is not None:
        add("header1.xml", "header", "header", "hdr", header, "rIdHeader")
        sect += '<w:headerReference w:type="default" r:id="rIdHeader"/>'
    if footer is not None:
        add("footer1.xml", "footer", "footer", "ftr", footer, "rIdFooter")
        sect += '<w:footerReference w:type="default" r:id="rIdFooter"/>'
    sect += '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>'
    for rid, file_name, data in media:
        parts[folder + "media/" + file_name] = data
        rels.append('<Relationship Id="%s" Type="%s/image" Target="media/%s"/>' % (rid, REL, file_name))
    rels.append(extra_rels)
    parts[main] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document %s><w:body>%s%s</w:body></w:document>'
                   % (W_NS, body, sect))
    main_name = main.rsplit("/", 1)[1]
    parts[folder + "_rels/" + main_name + ".rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="%s">%s</Relationships>'
        % (PKG_REL, "".join(rels)))
    pkg = ['<Relationship Id="rId1" Type="%s/officeDocument" Target="%s"/>' % (REL, main)]
    if core is not None:
        parts["docProps/core.xml"] = core
        ct.append('<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>')
        pkg.append('<Relationship Id="rId2" Type="%s/metadata/core-properties" Target="docProps/core.xml"/>' % PKG_REL)
    if app is not None:
        parts["docProps/app.xml"] = app
        ct.append('<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>')
        pkg.append('<Relationship Id="rId3" Type="%s/extended-properties" Target="docProps/app.xml"/>' % REL)
    ct.append("</Types>")
    parts["_rels/.rels"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="%s">%s</Relationships>'
                            % (PKG_REL, "".join(pkg)))
    path = os.path.join(DOCX_DIR, name + ".docx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "".join(ct))
        for part, data in parts.items():
            z.writestr(part, data)
    return path


def textbox(paragraphs, name="Text Box 1", shape_id=1):
    """A text box as Word 2010+ writes it: a wps shape, with a VML copy as the fallback."""
    content = "".join(paragraphs)
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="%d" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2743200" cy="914400"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        '<wp:wrapSquare wrapText="bothSides"/><wp:docPr id="%d" name="%s"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2743200" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx><w:txbxContent>%s</w:txbxContent></wps:txbx>'
        '<wps:bodyPr rot="0" vert="horz" wrap="square" anchor="t"><a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic>'
        '</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"/>'
        '<v:shape id="%s" o:spid="_x0000_s%d" type="#_x0000_t202" style="position:absolute;width:216pt;height:72pt">'
        '<v:textbox><w:txbxContent>%s</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r>'
        % (shape_id, shape_id, name, content, name.replace(" ", "_"), 1024 + shape_id, content))


def shape(paragraphs, shape_id=2):
    """Text in an ordinary shape (a rounded rectangle), no VML fallback (as Word 2013+ may)."""
    content = "".join(paragraphs)
    return (
        '<w:r><w:drawing><wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" '
        'relativeHeight="%d" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="3000000" cy="1000000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        '<wp:docPr id="%d" name="Rounded Rectangle %d"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="3000000" cy="1000000"/></a:xfrm>'
        '<a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="4472C4"/></a:solidFill></wps:spPr>'
        '<wps:txbx><w:txbxContent>%s</w:txbxContent></wps:txbx><wps:bodyPr anchor="ctr"/></wps:wsp>'
        '</a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>' % (shape_id, shape_id, shape_id, content))


def inline_image(rid, descr, pic_id=10, name="Picture"):
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="914400" cy="914400"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="%d" name="%s %d" descr="%s"/>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="%d" name="%s %d"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:embed="%s"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        '</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'
        % (pic_id, name, pic_id, esc(descr), pic_id, name, pic_id, rid))


def field(instr, result, rpr=""):
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> %s </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>%s<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            % (esc(instr), r(result, rpr)))


def sdt(content, tag="ctl", kind=""):
    """A content control: rich text (kind ""), plain text ("<w:text/>") or a citation
    ("<w:citation/>", as reference managers insert)."""
    pr = '<w:sdtPr><w:alias w:val="%s"/><w:tag w:val="%s"/><w:id w:val="12345"/>%s</w:sdtPr><w:sdtEndPr/>' % (tag, tag, kind)
    return "<w:sdt>%s<w:sdtContent>%s</w:sdtContent></w:sdt>" % (pr, content)


def tbl(rows, widths=None):
    cols = max(len(row) for row in rows)
    grid = "".join('<w:gridCol w:w="%d"/>' % 2000 for _ in range(cols))
    out = ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           '<w:tblBorders><w:top w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/></w:tblBorders></w:tblPr>'
           '<w:tblGrid>%s</w:tblGrid>' % grid)
    for row in rows:
        out += "<w:tr>"
        for cell in row:
            if isinstance(cell, tuple):
                props, content = cell
            else:
                props, content = "", cell
            content = content if content.startswith("<w:") else p(content)
            out += '<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/>%s</w:tcPr>%s</w:tc>' % (props, content)
        out += "</w:tr>"
    return out + "</w:tbl>"


TEXT = {
    "en": ["Courts are moving online faster than the people who use them can follow.",
           "We spoke to forty litigants in person about what they expected from a hearing by video.",
           "Most of them wanted to know who would see them, and when the decision would arrive."],
    "fr": ["L’accès au droit ne se résume pas à une question d’écran.",
           "Les justiciables âgés préfèrent souvent un guichet, où l’on répond à leurs questions.",
           "Nous avons rencontré des greffières à Besançon, à Nîmes et à Saint-Étienne."],
    "de": ["Die Digitalisierung der Justiz verändert den Alltag der Geschäftsstellen grundlegend.",
           "Viele Bürgerinnen und Bürger wünschen sich dennoch eine persönliche Beratung.",
           "Größere Gerichte in Köln und München haben eigene Servicezentren eingerichtet."],
    "es": ["La justicia digital debe llegar también a quienes no tienen conexión estable.",
           "¿Qué ocurre cuando una audiencia se corta a mitad de una declaración?",
           "Los juzgados de Cádiz probaron un sistema de citas por mensaje de texto."],
    "zh": ["数字司法需要让每一个人都能使用。",
           "我们在上海和成都采访了三十位当事人，了解他们对在线庭审的看法。",
           "大多数人希望知道判决何时送达。"],
    "ja": ["オンライン裁判は、利用者の立場から設計する必要があります。",
           "東京と大阪の裁判所で、二十人の当事者に話を聞きました。",
           "多くの人は、誰が画面を見ているのかを知りたがっていました。"],
    "ar": ["يجب أن تكون العدالة الرقمية متاحة للجميع دون استثناء.",
           "تحدثنا مع عشرين متقاضيا في عمّان حول تجربتهم مع الجلسات عن بعد.",
           "أراد معظمهم معرفة موعد صدور الحكم."],
    "ko": ["디지털 사법은 모든 사람이 사용할 수 있어야 합니다.",
           "서울과 부산에서 스무 명의 당사자를 만났습니다."],
    "ru": ["Цифровое правосудие должно быть доступно каждому гражданину.",
           "Мы поговорили с тридцатью участниками процессов в Казани и Самаре."],
}

EN = TEXT["en"]


def make_hand_docx():
    made = []
    add = made.append
    # 1. Footnotes and endnotes: 18 words of which the note text is most (issue #12's example).
    add(write_docx("footnote-and-endnote",
                   p(r("Online hearings save time") + fn_ref(1) + r(" for some people") + fn_ref(1, "endnote") + r("."), raw=True),
                   footnotes=note(1, ["Ministry of Justice figures for 2023, table four."]),
                   endnotes=note(1, ["Our own survey of forty users."], "endnote")))
    # 2. A footnote built from a content control, with formatting inside the note.
    add(write_docx("footnote-content-control",
                   p(r("The panel agreed on three principles") + fn_ref(1) + r(" after two days of debate."), raw=True)
                   + p(EN[0]),
                   footnotes='<w:footnote w:id="1"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
                             '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
                             + sdt(r(" See the ") + r("Report of the Civil Justice Council", "<w:i/>")
                                   + r(", published in June 2023, chapter five, which sets out the principles in full and explains how each was tested with court users."), "citation", "<w:citation/>")
                             + "</w:p></w:footnote>"))
    # 3. Many footnotes, some after a space, one with two paragraphs, in a whitepaper.
    fns = "".join(note(i, ["Source number %d, page %d." % (i, 10 + i)] + (["A second paragraph of the note."] if i == 3 else []))
                  for i in range(1, 6))
    body = styled("Heading1", "A whitepaper with notes")
    for i in range(1, 6):
        sep = " " if i % 2 == 0 else ""
        body += p(r(EN[i % 3] + sep) + fn_ref(i) + r(" More text follows here."), raw=True)
    add(write_docx("whitepaper-footnotes", body, footnotes=fns))
    # 4. Text box (wps with VML fallback): read once.
    add(write_docx("text-box", p(r("The main text sits beside a box.") + textbox([p("Key finding: two in three users preferred video."), p("Second line of the box.")]), raw=True)
                   + p(EN[1])))
    # 5. A document whose only text sits in a shape (issue: 0 of 21).
    add(write_docx("shape-only", p(shape([p("Guest blog for Digital Justice Week: the whole text of this piece sits inside one rounded rectangle shape drawn by the author.")]), raw=True)))
    # 6. An image with a caption in a text box under it.
    add(write_docx("image-caption-text-box",
                   p(inline_image("rIdImg1", "A courtroom with screens"), raw=True)
                   + p(textbox([styled("Caption", "Figure 1: the remote hearing room in Leeds.")], "Caption Box", 3), raw=True)
                   + p(EN[2]),
                   media=[("rIdImg1", "image1.png", PNG)]))
    # 7. Images: PNG with alt text, SVG placeholder.
    add(write_docx("images-png-svg",
                   p("Two figures follow.") + p(inline_image("rIdImg1", "Bar chart of hearing lengths"), raw=True)
                   + p(inline_image("rIdImg2", "Logo of the project", 11, "Graphic"), raw=True) + p("End of figures."),
                   media=[("rIdImg1", "chart.png", PNG), ("rIdImg2", "logo.svg", SVG)]))
    # 8. Numbered headings, multi-level (%1, %1.%2, %1.%2.%3).
    numbering = abstract(0, [level(0, "decimal", "%1."), level(1, "decimal", "%1.%2"), level(2, "decimal", "%1.%2.%3")]) + numdef(1, 0)
    body = ""
    for h in range(1, 3):
        body += num(1, 0, "Chapter heading number %d" % h, "Heading1")
        for s in range(1, 3):
            body += num(1, 1, "Section about topic %d" % s, "Heading2") + p(EN[s])
            body += num(1, 2, "Detail", "Heading3") + p(EN[0])
    add(write_docx("numbered-headings", body, numbering=numbering))
    # 9. Lists of every format, start values and a restart.
    numbering = (abstract(0, [level(0, "decimal", "%1.")]) + abstract(1, [level(0, "upperLetter", "%1.")])
                 + abstract(2, [level(0, "lowerLetter", "%1)")]) + abstract(3, [level(0, "upperRoman", "%1.")])
                 + abstract(4, [level(0, "lowerRoman", "(%1)")]) + abstract(5, [level(0, "decimal", "%1.", start=5)])
                 + abstract(6, [level(0, "bullet", "\u2022"), level(1, "bullet", "o")])
                 + numdef(1, 0) + numdef(2, 1) + numdef(3, 2) + numdef(4, 3) + numdef(5, 4) + numdef(6, 5) + numdef(7, 6)
                 + numdef(8, 0, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'))
    body = p("Decimal:")
    for i in range(3):
        body += num(1, 0, "decimal item %d" % i)
    body += p("Upper letters:") + "".join(num(2, 0, "upper letter item") for _ in range(3))
    body += p("Lower letters:") + "".join(num(3, 0, "lower letter item") for _ in range(3))
    body += p("Upper roman:") + "".join(num(4, 0, "upper roman item") for _ in range(4))
    body += p("Lower roman:") + "".join(num(5, 0, "lower roman item") for _ in range(4))
    body += p("Starting at five:") + "".join(num(6, 0, "from five") for _ in range(2))
    body += p("Bullets:") + num(7, 0, "first bullet") + num(7, 1, "nested bullet") + num(7, 0, "second bullet")
    body += p("Restarted:") + "".join(num(8, 0, "restarted item") for _ in range(2))
    add(write_docx("list-formats", body, numbering=numbering))
    # 10. Legal multi-level list (1.1.1) in body paragraphs, and "Article %1" labels.
    numbering = (abstract(0, [level(0, "decimal", "%1."), level(1, "decimal", "%1.%2."), level(2, "lowerLetter", "(%3)")])
                 + abstract(1, [level(0, "decimal", "Article %1")]) + numdef(1, 0) + numdef(2, 1))
    body = (num(1, 0, "Definitions") + num(1, 1, "In this agreement the following words apply.")
            + num(1, 2, "court means any tribunal") + num(1, 2, "user means a person")
            + num(1, 1, "Headings do not affect meaning.") + num(1, 0, "Services")
            + num(2, 0, "The parties agree to cooperate.") + num(2, 0, "Notices are given in writing."))
    add(write_docx("legal-numbering", body, numbering=numbering))
    # 11. Tables: header row, merged cells (gridSpan and vMerge), a nested table, a list in a cell.
    rows = [["Court", "Hearings", "Online share"],
            [("<w:gridSpan w:val=\"2\"/>", "Leeds and Bradford combined"), "40 percent"],
            [("<w:vMerge w:val=\"restart\"/>", "Manchester"), "120", "55 percent"],
            [("<w:vMerge/>", p("")), "80", "60 percent"],
            ["Notes | pipes", tbl([["inner one", "inner two"]]), p("last cell")]]
    add(write_docx("tables-merged", p("Hearings by court:") + tbl(rows) + p("Source: court records.")))
    # 12. Fields: page numbers, document properties, dates, a hyperlink field, a TOC.
    body = (p(r("This is page ") + field("PAGE", "1") + r(" of the report by ") + field("AUTHOR", "Jane Example") + r("."), raw=True)
            + p(r("Printed on ") + field('DATE \\@ "d MMMM yyyy"', "5 November 2024") + r(" for the panel."), raw=True)
            + p(r("Read more at ") + field('HYPERLINK "https://www.example.org/justice"', "our website") + r(" today."), raw=True)
            + p('<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>3</w:t></w:r></w:fldSimple>' + r(" pages in all."), raw=True))
    add(write_docx("fields", body))
    # 13. Symbols, soft hyphens, no-break spaces and hyphens, tabs and breaks.
    body = (p(r("Tick ") + '<w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>' + r(" means done and ")
              + '<w:r><w:sym w:font="Symbol" w:char="F0B7"/></w:r>' + r(" is a dot."), raw=True)
            + p(r("Long words like counter") + "<w:r><w:softHyphen/></w:r>" + r("revolutionary break nicely."), raw=True)
            + p("Pay \u00a3100\u00a0000 by 5\u00a0November, not later.")
            + p(r("A well") + "<w:r><w:noBreakHyphen/></w:r>" + r("known case") + "<w:r><w:tab/></w:r>" + r("and a tab."), raw=True)
            + p(r("Line one") + "<w:r><w:br/></w:r>" + r("line two") + '<w:r><w:br w:type="page"/></w:r>' + r("next page."), raw=True))
    add(write_docx("symbols-and-spaces", body))
    # 14. Tracked changes: insertion, deletion, a move.
    ins = '<w:ins w:id="%d" w:author="Editor One" w:date="2024-05-01T10:00:00Z">%s</w:ins>'
    dele = '<w:del w:id="%d" w:author="Editor One" w:date="2024-05-01T10:00:00Z"><w:r><w:delText xml:space="preserve">%s</w:delText></w:r></w:del>'
    body = (p(r("The court ") + dele % (1, "quickly ") + ins % (2, r("carefully ")) + r("considered the evidence."), raw=True)
            + '<w:p><w:moveFromRangeStart w:id="3" w:name="move1" w:author="Editor One" w:date="2024-05-01T10:00:00Z"/>'
              '<w:moveFrom w:id="4" w:author="Editor One" w:date="2024-05-01T10:00:00Z"><w:r><w:t>This sentence moved down.</w:t></w:r></w:moveFrom>'
              '<w:moveFromRangeEnd w:id="3"/></w:p>'
            + p(EN[0])
            + '<w:p><w:moveToRangeStart w:id="5" w:name="move1" w:author="Editor One" w:date="2024-05-01T10:00:00Z"/>'
              '<w:moveTo w:id="6" w:author="Editor One" w:date="2024-05-01T10:00:00Z"><w:r><w:t>This sentence moved down.</w:t></w:r></w:moveTo>'
              '<w:moveToRangeEnd w:id="5"/></w:p>'
            + p(ins % (7, r("A whole new paragraph was inserted by the editor.")), raw=True))
    add(write_docx("tracked-changes", body))
    # 15. Comments, with authors and anchored text.
    comments = ('<w:comment w:id="0" w:author="Sam Reviewer" w:date="2024-05-02T09:00:00Z" w:initials="SR"><w:p><w:r><w:annotationRef/></w:r>%s</w:p></w:comment>'
                '<w:comment w:id="1" w:author="Ana Editor" w:date="2024-05-02T09:30:00Z" w:initials="AE"><w:p><w:r><w:annotationRef/></w:r>%s</w:p></w:comment>'
                % (r("Please cite a source for this."), r("Nice point.")))
    body = (p('<w:commentRangeStart w:id="0"/>' + r("Two in three users preferred video") + '<w:commentRangeEnd w:id="0"/>'
              + '<w:r><w:commentReference w:id="0"/></w:r>' + r(" according to our survey."), raw=True)
            + p(r(EN[1]) + '<w:r><w:commentReference w:id="1"/></w:r>', raw=True))
    add(write_docx("comments", body, comments=comments))
    # 16. Header and footer: not counted (Word does not count them).
    add(write_docx("header-footer", styled("Title", "A guest blog with a running header") + p(EN[0]) + p(EN[1]),
                   header=p("Digital Justice Week 2022 guest blog draft"), footer=p(r("Page ") + field("PAGE", "1"), raw=True)))
    # 17. The main part is not at word/document.xml; the package relationships name it.
    add(write_docx("main-part-elsewhere", styled("Heading1", "Found through the relationships") + p(EN[0]) + p(EN[2]),
                   main="doc/main.xml"))
    # 18. Metadata: author, company, last modified by.
    add(write_docx("metadata", styled("Title", "Property owners") + p(EN[1]),
                   core=core_xml("Property owners", "Jane Author", "Joe Editor"),
                   app=app_xml("Example Legal Tech Ltd", "Mary Manager")))
    # 19. Content controls: a block-level one in a longer piece (LibreOffice 7.4 counts two words
    #     too many for each block-level control: see allow-list.tsv), nested inline ones, a
    #     plain-text one, one in a table cell.
    body = (styled("Heading1", "Content controls in a template")
            + "".join(p(TEXT["en"][i % 3] + " " + TEXT["en"][(i + 1) % 3]) for i in range(6))
            + sdt(p(r("A block content control holding a paragraph, with ") + sdt(r("a nested control"), "nested") + r(" inside it."), raw=True), "outer")
            + p(r("Inline ") + sdt(r("rich text control"), "inline") + r(" in a sentence."), raw=True)
            + p(r("The author is ") + sdt(r("Jane Example"), "author", "") + r("."), raw=True)
            + tbl([[p(sdt(r("control in a cell")), raw=True), "plain cell"]]))
    add(write_docx("content-controls", body))
    # 20. Hidden text is not shown (nor counted).
    add(write_docx("hidden-text", p(r("Visible words here. ") + r("Secret hidden words.", "<w:vanish/>") + r(" More visible."), raw=True)))
    # 21. Quotes, bold, italic, links.
    add(write_docx("formatting-links",
                   styled("Heading1", "Formatting") + p(r("Some ") + r("bold", "<w:b/>") + r(" and ") + r("italic", "<w:i/>") + r(" words."), raw=True)
                   + styled("Quote", "A quotation from a court user, in her own words.")
                   + p(r("Visit ") + '<w:hyperlink r:id="rIdLink"><w:r><w:t>the justice site</w:t></w:r></w:hyperlink>' + r(" for details."), raw=True),
                   extra_rels='<Relationship Id="rIdLink" Type="%s/hyperlink" Target="https://www.example.org/a-b" TargetMode="External"/>' % REL))
    # 22. Text box inside a table cell, and a footnote inside a text box.
    add(write_docx("text-box-in-table",
                   tbl([[p(r("Cell with a box") + textbox([p(r("Boxed words") + fn_ref(1))], "Box", 4), raw=True), "Other cell"]])
                   + p("After the table."),
                   footnotes=note(1, ["The note of a text box."])))
    # 23. A numbered list interrupted, continued, and an empty numbered paragraph.
    numbering = abstract(0, [level(0, "decimal", "%1.")]) + numdef(1, 0)
    add(write_docx("list-interrupted",
                   num(1, 0, "first step") + num(1, 0, "second step") + p("An interruption between steps.")
                   + num(1, 0, "third step continues") + num(1, 0, "fourth step"), numbering=numbering))
    # 24. VML-only text box (Word 2003 style) and a frame paragraph.
    add(write_docx("vml-text-box",
                   p(r("Old style box follows.") + '<w:r><w:pict><v:shape id="box1" style="width:200pt;height:50pt" type="#_x0000_t202">'
                     '<v:textbox><w:txbxContent>' + p("Words in a VML text box.") + '</w:txbxContent></v:textbox></v:shape></w:pict></w:r>', raw=True)
                   + p("Framed paragraph text here.", '<w:framePr w:w="3000" w:hSpace="180" w:wrap="around" w:vAnchor="text" w:hAnchor="page" w:x="1000" w:y="1"/>')))
    # 25. Punctuation-heavy text, numbers, URLs and dashes, as the counting rules describe.
    add(write_docx("punctuation",
                   p("State-of-the-art tools cost $1,000 \u2013 or more \u2014 says http://www.example.com/a-b on 2024-11-05.")
                   + p("\u201cDon\u2019t,\u201d she said; \u2018wait\u2019 \u2026 a - b / c & d.")))
    # 26..34. Languages and scripts.
    for lang, sentences in TEXT.items():
        body = styled("Heading1", sentences[0]) + "".join(p(s) for s in sentences[1:])
        if lang in ("zh", "ja"):
            body += p(r(sentences[1]) + fn_ref(1) + r(sentences[2]), raw=True)
            add(write_docx("lang-" + lang, body, footnotes=note(1, [sentences[0]])))
        elif lang == "ar":
            rtl = p(r(sentences[0], "<w:rtl/>"), '<w:bidi/>', raw=True)
            add(write_docx("lang-" + lang, body + rtl))
        else:
            add(write_docx("lang-" + lang, body))
    # 35. Endnotes only, with roman-numbered endnotes, in a case study.
    body = styled("Title", "Case study: a small claims pilot") + "".join(
        p(r(EN[i % 3]) + fn_ref(i, "endnote"), raw=True) for i in range(1, 4))
    add(write_docx("case-study-endnotes", body,
                   endnotes="".join(note(i, ["Endnote %d explains the figure." % i], "endnote") for i in range(1, 4))))
    # 36. A guest blog of about 700 words with everything mixed.
    numbering = abstract(0, [level(0, "bullet", "\u2022")]) + abstract(1, [level(0, "decimal", "%1.")]) + numdef(1, 0) + numdef(2, 1)
    body = styled("Title", "Designing digital justice that works for everyone")
    body += p(r("By Jane Example", "<w:i/>"), raw=True)
    for part in range(1, 7):
        body += styled("Heading2", "Part %d of the argument" % part)
        for s in EN:
            body += p(r(s + " ") + (fn_ref(part) if s is EN[1] else "") + r(EN[(part + 1) % 3]), raw=True)
        body += num(1, 0, "A bullet point for part %d" % part) + num(2, 0, "A numbered point for part %d" % part)
        if part == 2:
            body += p(r("A pull quote sits beside this paragraph.") + textbox([p("Two in three users preferred video.")], "Pull quote", 8), raw=True)
        if part == 4:
            body += tbl([["Court", "Hearings"], ["Leeds", "40"], ["Manchester", "120"]])
    add(write_docx("guest-blog-mixed", body, numbering=numbering,
                   footnotes="".join(note(i, ["A footnote for part %d with a few words." % i]) for i in range(1, 7))))
    # 37. Deleted paragraph and inserted text inside a footnote.
    add(write_docx("tracked-in-footnote",
                   p(r("A claim with a revised note") + fn_ref(1) + r("."), raw=True),
                   footnotes='<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>' + r(" Source: ")
                             + '<w:del w:id="9" w:author="Ed" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>old report</w:delText></w:r></w:del>'
                             + '<w:ins w:id="10" w:author="Ed" w:date="2024-01-01T00:00:00Z">' + r("new report of 2024") + "</w:ins></w:p></w:footnote>"))
    # 38. Empty document and a document with only an image.
    add(write_docx("empty", p("")))
    add(write_docx("image-only", p(inline_image("rIdImg1", "Only a picture"), raw=True), media=[("rIdImg1", "photo.png", PNG)]))
    # 40. Two text boxes and a shape in one paragraph, plus body text.
    add(write_docx("many-boxes", p(r("Intro text.") + textbox([p("First box text.")], "Box A", 5)
                                   + textbox([p("Second box text.")], "Box B", 6), raw=True)
                   + p(shape([p("Shape words.")], 7), raw=True) + p("Closing words.")))
    # 41. Headings numbered through a list style (w:numStyleLink), as Word's multilevel lists
    #     for headings are written.
    numbering = ('<w:abstractNum w:abstractNumId="0"><w:styleLink w:val="OutlineList"/>'
                 + level(0, "upperRoman", "%1.") + level(1, "upperLetter", "%2.") + "</w:abstractNum>"
                 + '<w:abstractNum w:abstractNumId="1"><w:numStyleLink w:val="OutlineList"/></w:abstractNum>'
                 + numdef(1, 0) + numdef(2, 1))
    styles_extra = ('<w:style w:type="numbering" w:styleId="OutlineList"><w:name w:val="Outline List"/>'
                    '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>')
    body = ""
    for h in ("Background", "Findings"):
        body += p(h, '<w:pStyle w:val="Heading1"/><w:numPr><w:numId w:val="2"/></w:numPr>')
        for sub in ("Courts", "Tribunals"):
            body += p(sub, '<w:pStyle w:val="Heading2"/><w:numPr><w:ilvl w:val="1"/><w:numId w:val="2"/></w:numPr>') + p(EN[0])
    add(write_docx("outline-list-style", body, numbering=numbering, extra_styles=styles_extra))
    # 42. Odd labels: an en-dash bullet, a label glued to its text, an empty numbered paragraph.
    numbering = (abstract(0, [level(0, "bullet", "\u2013")]) + abstract(1, [level(0, "decimal", "%1.", extra='<w:suff w:val="nothing"/>')])
                 + abstract(2, [level(0, "decimal", "Step %1:")]) + numdef(1, 0) + numdef(2, 1) + numdef(3, 2))
    body = (num(1, 0, "dash bullet one") + num(1, 0, "dash bullet two") + p("Between the lists.")
            + num(2, 0, "glued label") + num(2, 0, "second glued") + p("And steps:")
            + num(3, 0, "open the form") + num(3, 0, "") + num(3, 0, "send it"))
    add(write_docx("odd-labels", body, numbering=numbering))
    return made


def make_python_docx():
    import docx
    from docx.enum.text import WD_BREAK
    made = []

    def save(doc, name):
        path = os.path.join(DOCX_DIR, name + ".docx")
        doc.save(path)
        made.append(path)

    d = docx.Document()
    d.core_properties.author = "Pat Contributor"
    d.core_properties.title = "A python-docx guest blog"
    d.add_heading("A python-docx guest blog", 0)
    d.add_paragraph(EN[0])
    d.add_heading("Why it matters", 1)
    for s in EN:
        d.add_paragraph(s, style="List Bullet")
    d.add_heading("What we did", 1)
    for s in EN:
        d.add_paragraph(s, style="List Number")
    d.add_paragraph("A closing quotation from a court user.", style="Quote")
    save(d, "pydocx-blog")

    d = docx.Document()
    d.add_heading("Hearing statistics", 1)
    t = d.add_table(rows=4, cols=3)
    for i, row in enumerate(t.rows):
        for j, cell in enumerate(row.cells):
            cell.text = "row %d column %d" % (i, j) if i else ["Court", "Cases", "Share"][j]
    a = t.cell(1, 0).merge(t.cell(1, 1))
    d.add_paragraph("The table above merges two cells.")
    save(d, "pydocx-table")

    d = docx.Document()
    d.add_heading("Formatting runs", 1)
    para = d.add_paragraph()
    para.add_run("Bold ").bold = True
    para.add_run("italic ").italic = True
    para.add_run("plain and ")
    run = para.add_run("broken")
    run.add_break()
    para.add_run("after the break.")
    run = para.add_run(" Next page")
    run.add_break(WD_BREAK.PAGE)
    d.add_paragraph("Last paragraph.")
    save(d, "pydocx-runs")

    for lang in ("fr", "de", "zh", "ar"):
        d = docx.Document()
        d.add_heading(TEXT[lang][0], 1)
        for s in TEXT[lang][1:]:
            d.add_paragraph(s)
        d.add_paragraph(TEXT[lang][1], style="List Number")
        save(d, "pydocx-" + lang)

    d = docx.Document()
    d.add_heading("Nested lists", 1)
    d.add_paragraph("Top level one", style="List Bullet")
    d.add_paragraph("Second level", style="List Bullet 2")
    d.add_paragraph("Third level", style="List Bullet 3")
    d.add_paragraph("Top level two", style="List Bullet")
    d.add_paragraph("Numbered one", style="List Number")
    d.add_paragraph("Numbered nested", style="List Number 2")
    d.add_paragraph("Numbered two", style="List Number")
    save(d, "pydocx-nested-lists")
    return made


def make_hostile():
    folder = os.path.join(HERE, "hostile")
    os.makedirs(folder, exist_ok=True)
    made = []

    def write(name, data):
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(data)
        made.append(path)

    def zip_of(entries):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in entries:
                z.writestr(name, data)
        return buf.getvalue()

    doc = lambda body: ('<?xml version="1.0"?><w:document %s><w:body>%s</w:body></w:document>' % (W_NS, body))
    write("deep-text-boxes.docx", zip_of([("word/document.xml", doc(
        "<w:p><w:r><w:drawing><w:txbxContent>" * 3000 + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + "</w:txbxContent></w:drawing></w:r></w:p>" * 3000))]))
    write("deep-tables.docx", zip_of([("word/document.xml", doc(
        "<w:tbl><w:tr><w:tc>" * 5000 + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + "</w:tc></w:tr></w:tbl>" * 5000))]))
    write("footnote-loop.docx", zip_of([
        ("word/document.xml", doc("<w:p>" + '<w:r><w:footnoteReference w:id="1"/></w:r>' * 2000 + "</w:p>")),
        ("word/footnotes.xml", '<w:footnotes %s><w:footnote w:id="1"><w:p><w:r><w:footnoteReference w:id="1"/><w:t>self</w:t></w:r></w:p></w:footnote></w:footnotes>' % W_NS)]))
    write("rels-loop.docx", zip_of([
        ("_rels/.rels", '<Relationships xmlns="%s"><Relationship Id="a" Type="%s/officeDocument" Target="../../../../etc/passwd"/></Relationships>' % (PKG_REL, REL)),
        ("word/document.xml", doc("<w:p><w:r><w:t>fallback text</w:t></w:r></w:p>"))]))
    write("numbering-huge-start.docx", zip_of([
        ("word/document.xml", doc('<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>item</w:t></w:r></w:p>' * 3)),
        ("word/numbering.xml", '<w:numbering %s><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="18446744073709551615"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%%1%%1%%1%%1%%1%%1%%1%%1%%1"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>' % W_NS)]))
    write("deep-groups.rtf", b"{\\rtf1\\ansi " + b"{" * 20000 + b"deep" + b"}" * 20000 + b"}")
    write("huge-bin.rtf", b"{\\rtf1\\ansi text \\bin999999999999 abc}")
    write("unterminated.rtf", b"{\\rtf1\\ansi {\\b bold text never closed")
    write("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Microsoft Word document" + b"\x00" * 100)
    write("document.pages", zip_of([("index.xml", "<sl:document/>"), ("QuickLook/Thumbnail.jpg", b"\xff\xd8\xff")]))
    write("google-docs-link.txt", b"https://docs.google.com/document/d/1AbCdEfGh/edit?usp=sharing\n")
    return made


def convert(files, to, outdir):
    os.makedirs(outdir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="docket-corpus-lo-")
    try:
        subprocess.run(["soffice", "-env:UserInstallation=file://" + profile, "--headless", "--norestore",
                        "--convert-to", to, "--outdir", outdir] + files,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main():
    for sub in ("docx", "odt", "lo-docx", "rtf", "hostile"):
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)
    os.makedirs(DOCX_DIR)
    made = make_hand_docx() + make_python_docx()
    make_hostile()
    if shutil.which("soffice") is None:
        sys.exit("soffice is needed to write the .odt, LibreOffice .docx and .rtf copies")
    convert(made, "odt", os.path.join(HERE, "odt"))
    chosen = [f for f in made if os.path.basename(f).startswith(("footnote", "text-box", "shape", "numbered", "list-",
                                                                  "tables", "comments", "lang-zh", "lang-ar", "guest",
                                                                  "pydocx-blog", "fields", "tracked-changes"))]
    convert(chosen, 'docx:MS Word 2007 XML', os.path.join(HERE, "lo-docx"))
    convert(chosen, "rtf", os.path.join(HERE, "rtf"))
    total = sum(len(fs) for _, _, fs in os.walk(HERE))
    print("wrote %d documents (%d from Word XML), corpus now %d files" % (len(made), len(made), total))


if __name__ == "__main__":
    main()
