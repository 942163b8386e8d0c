"""Minutes uploaded from Word: read through the same parser and preview as pasted text (seed 001)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from atf.tests.test_limits import error_beside
from commissions import word
from commissions.minutes import parse_minutes
from commissions.models import Action, AgendaItem, Meeting, Paragraph

SEED = Path(__file__).resolve().parents[1] / "data" / "hackney_hwb_item_12.txt"
SEED_LINES = [line for line in SEED.read_text().splitlines() if line.strip()]
TITLE = "Role of Hackney Health and Wellbeing Board in Tackling Inequalities- Health Inequalities Toolkit"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST = "90"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting(world):
    return Meeting.objects.create(
        commission=world.commissions.st_helens, starts_at=timezone.now() - timedelta(days=30), title="Regular meeting"
    )


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_list(document, *, levels=(("12", "%1."), ("1", "%1.%2")), num_id=LIST, overrides="") -> None:
    """A multi-level list in the document's numbering part: level 0 numbers the items, level 1 the paragraphs."""
    numbering = document.part.numbering_part.element
    lvls = "".join(
        f'<w:lvl w:ilvl="{n}"><w:start w:val="{start}"/><w:numFmt w:val="{"bullet" if text == "·" else "decimal"}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for n, (start, text) in enumerate(levels)
    )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>'
    )
    # The schema puts every abstractNum before the first num.
    numbering.find(qn("w:num")).addprevious(abstract)
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/>{overrides}</w:num>')
    )


def numbered(paragraph, level: int, num_id: str = LIST):
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )
    return paragraph


def seed_with_typed_numbers() -> bytes:
    """Seed 001 as a secretariat types it in Word: a line to a paragraph, the item's title a heading."""
    document = docx.Document()
    for line in SEED_LINES:
        document.add_paragraph(line, style="Heading 1" if line.startswith("Role of") else None)
    return saved(document)


def seed_with_word_numbering() -> bytes:
    """Seed 001 with its numbers carried by Word's list numbering only, not typed.

    Level 0 numbers the item (starting at 12), level 1 its paragraphs. The
    seed numbers 12.5 twice: the second is typed, outside the list, as a
    secretariat would have to, and the list counts on past it.
    """
    document = docx.Document()
    add_list(document)
    seen = set()
    for line in SEED_LINES:
        typed = re.match(r"\s*(12\.\d+)\s+(.*)", line)
        if line.startswith("Role of"):
            numbered(document.add_paragraph(line, style="Heading 1"), 0)
        elif typed and typed.group(1) not in seen:
            seen.add(typed.group(1))
            numbered(document.add_paragraph(typed.group(2)), 1)
        else:
            document.add_paragraph(line)
    return saved(document)


def read(data: bytes):
    return parse_minutes(word.minutes_text(data))


def shape(minutes):
    return (
        [(item.number, item.title) for item in minutes.items],
        [(p.number, p.text, p.duplicate) for p in minutes.paragraphs],
        [(a.owner, a.paragraph_number, a.description) for a in minutes.actions],
        minutes.unparsed,
    )


def upload(client, meeting, data: bytes, name="minutes.docx", content_type=DOCX):
    return client.post(
        reverse("commissions:meeting_minutes", args=[meeting.pk]),
        {"text": "", "file": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def test_the_seed_typed_in_word_reads_as_the_seed_pasted():
    assert shape(read(seed_with_typed_numbers())) == shape(parse_minutes(SEED.read_text()))


def test_the_seed_numbered_by_word_reads_as_the_seed_pasted():
    minutes = read(seed_with_word_numbering())
    assert shape(minutes) == shape(parse_minutes(SEED.read_text()))
    assert [p.number for p in minutes.paragraphs][:6] == ["12.1", "12.2", "12.3", "12.4", "12.5", "12.5"]
    assert minutes.paragraphs[-1].number == "12.13"
    assert minutes.items[0].title == TITLE


@pytest.mark.parametrize("build", [seed_with_typed_numbers, seed_with_word_numbering])
def test_the_preview_shows_what_the_parser_reads_and_confirming_saves_it(world, meeting, build):
    client = signed_in(world.users.secretariat)
    preview = upload(client, meeting, build())
    assert preview.status_code == 200
    assert shape(preview.context["parsed"]) == shape(parse_minutes(SEED.read_text()))
    html = preview.content.decode()
    assert "14 paragraphs under 1 agenda item, and 1 action." in html
    assert f"12. {TITLE}" in html and "Number used twice" in html
    assert "<strong>Action (12.12):</strong> The Head of Performance and Population" in html
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()

    # Confirming posts the text as read back, as the preview's form does.
    response = client.post(
        reverse("commissions:meeting_minutes", args=[meeting.pk]),
        {"text": preview.context["text"], "confirm": "yes"},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=meeting)
    assert (item.number, item.title) == ("12", TITLE)
    saved_numbers = list(Paragraph.objects.filter(item=item).values_list("number", flat=True))
    assert saved_numbers == [p.number for p in parse_minutes(SEED.read_text()).paragraphs]
    action = Action.objects.get(meeting=meeting)
    assert (action.owner, action.reference) == ("The Head of Performance and Population", "12.12")


def test_a_soft_line_break_joins_the_paragraph_s_lines():
    document = docx.Document()
    document.add_paragraph(TITLE, style="Heading 1")
    first = document.add_paragraph("12.1   The Head of performance and population (City and Hackney Clinical")
    first.runs[0].add_break()
    first.add_run("Commissioning Group) introduced the report.")
    minutes = read(saved(document))
    assert minutes.paragraphs[0].text == (
        "The Head of performance and population (City and Hackney Clinical Commissioning Group) introduced the report."
    )


def test_headings_open_items_and_word_restarts_paragraph_numbers_under_the_next_item():
    document = docx.Document()
    add_list(document)
    document.add_paragraph("Minutes of the Health and Wellbeing Board, 12 January 2023", style="Title")
    numbered(document.add_paragraph(TITLE, style="Heading 1"), 0)
    numbered(document.add_paragraph("The Head of performance and population introduced the report."), 1)
    numbered(document.add_paragraph("Annie Gammon asked what information was available."), 1)
    document.add_paragraph("Action: The Head of Performance and Population")
    numbered(document.add_paragraph("Any other business", style="Heading 2"), 0)
    numbered(document.add_paragraph("There was no other business."), 1)
    minutes = read(saved(document))
    assert [(i.number, i.title) for i in minutes.items] == [("12", TITLE), ("13", "Any other business")]
    assert [p.number for p in minutes.paragraphs] == ["12.1", "12.2", "13.1"]
    assert [(a.owner, a.paragraph_number) for a in minutes.actions] == [
        ("The Head of Performance and Population", "12.2")
    ]
    # The document's title is shown, not dropped, nor run into the item's title.
    assert minutes.unparsed == ["Minutes of the Health and Wellbeing Board, 12 January 2023"]


def test_numbering_from_a_style_a_start_override_and_a_level_text_without_the_item():
    document = docx.Document()
    # Level 1 written "%2)": the paragraph's number is still the item's and its own.
    add_list(
        document,
        levels=(("1", "%1."), ("1", "%2)")),
        overrides=('<w:lvlOverride w:ilvl="0"><w:startOverride w:val="7"/></w:lvlOverride>'),
    )
    styles = document.styles.element
    styles.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="MinutesParagraph">'
            '<w:name w:val="Minutes Paragraph"/><w:basedOn w:val="Normal"/>'
            f'<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="{LIST}"/></w:numPr></w:pPr></w:style>'
        )
    )
    numbered(document.add_paragraph("Matters arising", style="Heading 1"), 0)
    document.add_paragraph("The minutes of the last meeting were agreed.", style="Minutes Paragraph")
    document.add_paragraph("", style="Minutes Paragraph")  # empty, and still counted, as Word counts it
    document.add_paragraph("12.5 Typed numbers win over the list.", style="Minutes Paragraph")
    unnumbered = document.add_paragraph("Numbering removed on this one.", style="Minutes Paragraph")
    numbered(unnumbered, 0, num_id="0")
    document.add_paragraph("Action: Chair", style="Minutes Paragraph")
    minutes = read(saved(document))
    assert [(i.number, i.title) for i in minutes.items] == [("7", "Matters arising"), ("12", "Item 12")]
    assert [(p.number, p.text) for p in minutes.paragraphs] == [
        ("7.1", "The minutes of the last meeting were agreed."),
        ("12.5", "Typed numbers win over the list.\nNumbering removed on this one."),
    ]
    assert [a.owner for a in minutes.actions] == ["Chair"]


def test_numbering_that_cannot_be_followed_leaves_the_text_as_it_stands():
    document = docx.Document()
    numbered(document.add_paragraph("A paragraph in a list that is not defined"), 1, num_id="4242")
    document.add_paragraph("12.1 Typed")
    minutes = read(saved(document))
    # Read as typed: the line waiting for a paragraph becomes the item's title, as when pasted.
    assert [(i.number, i.title) for i in minutes.items] == [("12", "A paragraph in a list that is not defined")]
    assert [(p.number, p.text) for p in minutes.paragraphs] == [("12.1", "Typed")]


def test_bullets_keep_their_lines_and_tables_lose_no_text():
    document = docx.Document()
    add_list(document, levels=(("12", "%1."), ("1", "%1.%2"), ("1", "·")))
    numbered(document.add_paragraph(TITLE, style="Heading 1"), 0)
    numbered(document.add_paragraph("The full resource pack (some slides included here) included:"), 1)
    numbered(document.add_paragraph("Background on drivers of inequality and population health"), 2)
    numbered(document.add_paragraph("Sources of information on local inequalities;"), 2)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(
        table.rows,
        [("Action", "Owner"), ("Action:", "The Head of Performance and Population"), ("Compile the options", "HoPP")],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    minutes = read(saved(document))
    paragraph = minutes.paragraphs[0]
    assert paragraph.number == "12.1"
    assert paragraph.text.split("\n")[:3] == [
        "The full resource pack (some slides included here) included:",
        "· Background on drivers of inequality and population health",
        "· Sources of information on local inequalities;",
    ]
    assert "Compile the options\tHoPP" in paragraph.text and "Action\tOwner" in paragraph.text
    assert [(a.owner, a.paragraph_number) for a in minutes.actions] == [
        ("The Head of Performance and Population", "12.1")
    ]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("build", [seed_with_typed_numbers, seed_with_word_numbering])
def test_a_document_saved_again_by_libreoffice_reads_the_same(tmp_path, build):
    source = tmp_path / "minutes.docx"
    source.write_bytes(build())
    out = tmp_path / "out"
    subprocess.run(
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    resaved = (out / "minutes.docx").read_bytes()
    assert resaved != source.read_bytes()
    assert shape(read(resaved)) == shape(parse_minutes(SEED.read_text()))


# Refused files --------------------------------------------------------------------------------------------------


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def with_document_xml(xml: bytes) -> bytes:
    """A real .docx with its main part replaced."""
    source = zipfile.ZipFile(io.BytesIO(seed_with_typed_numbers()))
    members = {name: source.read(name) for name in source.namelist()}
    members["word/document.xml"] = xml
    return zip_of(members)


XXE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    b"<w:p><w:r><w:t>12.1 Leaked: &secret;</w:t></w:r></w:p></w:body></w:document>"
)

REFUSED = {
    "a program renamed .docx": (
        "minutes.docx",
        b"MZ\x90\x00\x03" + bytes(2000),
        "Upload the minutes as a Word (.docx) or text (.txt) file, or paste them",
    ),
    "a program renamed .txt": (
        "minutes.txt",
        b"MZ\x90\x00\x03" + bytes(2000),
        "Upload the minutes as a Word (.docx) or text (.txt) file, or paste them",
    ),
    "an old Word .doc": (
        "minutes.doc",
        word.OLE_SIGNATURE + bytes(4000),
        "older Word document (.doc)",
    ),
    "a zip that is not a Word document": (
        "minutes.docx",
        zip_of({"readme.txt": b"12.1 Not Word"}),
        "This is not a Word document. Upload the minutes as a Word (.docx) or text (.txt) file, or paste them",
    ),
    "a zip bomb": (
        "minutes.docx",
        zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<" + b" " * (60 * 1024 * 1024)}),
        "The file expands to more than 50 MB when opened (at part “word/document.xml”)",
    ),
    "a document of more text and formatting than a meeting's minutes": (
        "minutes.docx",
        zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<" + b" " * (16 * 1024 * 1024)}),
        "The document's text and formatting expand to more than 15 MB when opened",
    ),
    "a document declaring an external entity": (
        "minutes.docx",
        with_document_xml(XXE),
        "The part “word/document.xml” declares entities, which Word never writes",
    ),
    "a damaged document": (
        "minutes.docx",
        with_document_xml(b"<w:document><w:body><w:p>"),
        "The Word file could not be read",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_files_change_nothing_and_say_why_beside_the_file_field(world, meeting, case):
    name, data, message = REFUSED[case]
    assert len(data) < 1024 * 1024
    response = upload(signed_in(world.users.secretariat), meeting, data, name=name)
    assert response.status_code == 200
    assert message in unescape(error_beside(response, "id_file"))
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
    assert not Action.objects.filter(meeting=meeting).exists()


def test_an_external_entity_is_never_resolved_even_past_the_check(tmp_path):
    """python-docx's own parser resolves no entities: the secret stays where it is."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-FROM-THE-SERVER")
    data = with_document_xml(XXE.replace(b"file:///etc/passwd", secret.as_uri().encode()))
    with pytest.raises(word.WordError):
        word.check_archive(data)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(word._Reader(document).lines())
    assert "Leaked:" in text
    assert "SECRET-FROM-THE-SERVER" not in text


# Two secretariats ------------------------------------------------------------------------------------------------


def test_one_secretariat_uploads_and_another_can_neither_see_nor_change_it(world, meeting):
    st_helens = signed_in(world.users.secretariat)
    cheshire_east = signed_in(world.users.other_secretariat)
    url = reverse("commissions:meeting_minutes", args=[meeting.pk])
    data = seed_with_word_numbering()

    preview = upload(st_helens, meeting, data)
    assert "Check the minutes before saving" in preview.content.decode()
    # Cheshire East's secretariat cannot open St Helens' minutes form, nor its preview, nor save into it.
    assert cheshire_east.get(url).status_code == 404
    attempt = upload(cheshire_east, meeting, data)
    assert attempt.status_code == 404
    assert "Head of Performance" not in attempt.content.decode()
    confirm = cheshire_east.post(url, {"text": preview.context["text"], "confirm": "yes"})
    assert confirm.status_code == 404
    assert not AgendaItem.objects.filter(meeting=meeting).exists()

    st_helens.post(url, {"text": preview.context["text"], "confirm": "yes"})
    assert Paragraph.objects.filter(item__meeting=meeting).count() == 14
    # Still nothing of the draft for Cheshire East, after St Helens has saved it.
    for page in (url, reverse("commissions:meeting_detail", args=[meeting.pk])):
        assert cheshire_east.get(page).status_code == 404
    assert "Head of Performance" not in cheshire_east.get(reverse("commissions:action_list")).content.decode()
    assert upload(cheshire_east, meeting, seed_with_typed_numbers()).status_code == 404
    assert Paragraph.objects.filter(item__meeting=meeting).count() == 14
    assert st_helens.get(reverse("commissions:meeting_detail", args=[meeting.pk])).status_code == 200


def test_pasted_minutes_of_two_items_printed_as_the_seed_is_read_item_by_item():
    """The seed's layout, twice: "Agenda item" after the first item's paragraphs opens the second."""
    second = "Agenda item\nAny other business\nMinutes:\n13.1  There was no other business.\nSupporting documents:"
    minutes = parse_minutes(SEED.read_text() + "\n" + second)
    assert [(i.number, i.title) for i in minutes.items] == [("12", TITLE), ("13", "Any other business")]
    assert minutes.paragraphs[-1].number == "13.1" and len(minutes.paragraphs) == 15
    assert minutes.unparsed == ["Supporting documents:", "Supporting documents:"]


@pytest.mark.parametrize("status", [Meeting.Status.APPROVED, Meeting.Status.PUBLISHED])
def test_approved_minutes_take_no_upload_and_say_how_to_correct_them(world, meeting, status):
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    client = signed_in(world.users.secretariat)
    url = reverse("commissions:meeting_minutes", args=[meeting.pk])
    for response in (
        client.get(url),
        upload(client, meeting, seed_with_word_numbering()),
        client.post(url, {"text": SEED.read_text(), "confirm": "yes"}),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert "These minutes are approved: correct them with an amendment" in html
        assert 'type="file"' not in html
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
    # Cheshire East reads published minutes, changes none; approved ones it does not see yet.
    expected = 403 if status == Meeting.Status.PUBLISHED else 404
    assert signed_in(world.users.other_secretariat).get(url).status_code == expected


def test_word_minutes_longer_than_the_limit_are_refused_beside_the_file_field(world, meeting):
    document = docx.Document()
    line = "The board discussed the strategy and agreed next steps for every partner organisation. " * 10
    for n in range(1, 260):
        document.add_paragraph(f"12.{n} {line}")
    response = upload(signed_in(world.users.secretariat), meeting, saved(document))
    assert "characters long; at most 200,000" in error_beside(response, "id_file")
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_tracked_changes_read_as_accepted_and_hyperlinks_kept():
    document = docx.Document()
    paragraph = document.add_paragraph()
    w = nsdecls("w")
    tracked = 'w:author="Secretariat" w:date="2023-01-01T00:00:00Z"'
    for xml in (
        f'<w:r {w}><w:t xml:space="preserve">12.1 The Chair </w:t></w:r>',
        f'<w:del {w} w:id="1" {tracked}><w:r><w:delText>welcomed</w:delText></w:r></w:del>',
        f'<w:ins {w} w:id="2" {tracked}><w:r><w:t xml:space="preserve">thanked </w:t></w:r></w:ins>',
        f'<w:hyperlink {w} w:anchor="x"><w:r><w:t>the Hub</w:t></w:r></w:hyperlink>',
    ):
        paragraph._p.append(parse_xml(xml))
    assert [p.text for p in read(saved(document)).paragraphs] == ["The Chair thanked the Hub"]


def test_a_plain_numbered_list_is_refused_beside_the_file_with_what_to_number_instead(world, meeting):
    """Word's own "List Number" style numbers 1., 2., 3.: it does not say which item a paragraph is under, so
    nothing is read as minutes; the person is told how to number them, and nothing is saved."""
    document = docx.Document()
    document.add_heading("Role of Hackney Health and Wellbeing Board in Tackling Inequalities", level=1)
    for text in ("The Head of performance and population introduced the report.", "Action: The Head of Performance"):
        document.add_paragraph(text, style="List Number")
    response = upload(signed_in(world.users.secretariat), meeting, saved(document))
    assert response.status_code == 200
    assert "No numbered paragraphs were found" in error_beside(response, "id_file")
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()
    assert Meeting.objects.get(pk=meeting.pk).status == meeting.status


def confirm(client, meeting, preview):
    return client.post(
        reverse("commissions:meeting_minutes", args=[meeting.pk]), {"text": preview.context["text"], "confirm": "yes"}
    )


def test_word_s_list_number_under_headings_that_name_the_agenda_s_items_are_their_paragraphs(world, meeting):
    """Minutes written the usual way: a heading for each agenda item, by its title only, and its paragraphs in
    Word's "List Number" style (1., 2., 3. straight on). The agenda says which item each heading is."""
    growth = meeting.items.create(number="3", title="Inclusive growth and the St Helens pound", position=1)
    meeting.items.create(number="4", title="Any other business", position=2)
    document = docx.Document()
    document.add_paragraph("Minutes of the Inequalities Commission", style="Title")
    document.add_heading("Inclusive  growth and the St Helens POUND", level=1)  # as typed, not as the agenda has it
    document.add_paragraph("The Head of Integration presented the social value report.", style="List Number")
    document.add_paragraph("Members asked for ward-level figures.", style="List Number")
    document.add_paragraph("Action: Director of Public Health to circulate the figures by 31/05/2027")
    document.add_heading("Any other business", level=1)
    document.add_paragraph("There was no other business.", style="List Number")
    client = signed_in(world.users.secretariat)
    preview = upload(client, meeting, saved(document))
    assert preview.status_code == 200, preview.context["form"].errors if preview.context else preview
    parsed = preview.context["parsed"]
    assert [(p.number, p.text) for p in parsed.paragraphs] == [
        ("3.1", "The Head of Integration presented the social value report."),
        ("3.2", "Members asked for ward-level figures."),
        ("4.1", "There was no other business."),
    ]
    assert "Action (3.2):</strong> Director of Public Health, due 31 May 2027: Circulate the figures" in (
        preview.content.decode()
    )
    assert confirm(client, meeting, preview).status_code == 302
    assert list(growth.paragraphs.values_list("number", flat=True)) == ["3.1", "3.2"]
    action = Action.objects.get(meeting=meeting)
    assert (action.owner, action.description, action.due, action.reference) == (
        "Director of Public Health",
        "Circulate the figures",
        date(2027, 5, 31),
        "3.2",
    )
    assert meeting.items.count() == 2  # no item made twice


def test_minutes_of_a_sub_item_go_under_the_agenda_s_sub_item(world, meeting):
    growth = meeting.items.create(number="3", title="Inclusive growth", position=1)
    meals = meeting.items.create(number="3.1", title="Free school meals auto-enrolment", parent=growth, position=2)
    document = docx.Document()
    document.add_heading("3. Inclusive growth", level=1)
    document.add_heading("3.1 Free school meals auto-enrolment", level=2)
    document.add_paragraph("3.1.1 The Commission agreed to enrol every eligible child automatically.")
    document.add_paragraph("3.1.2 The Director of Public Health will report on uptake by ward.")
    client = signed_in(world.users.secretariat)
    preview = upload(client, meeting, saved(document))
    parsed = preview.context["parsed"]
    # Item 3's heading, with no paragraphs of its own, is item 3 still: not a line left unread.
    assert [(i.number, [p.number for p in i.paragraphs]) for i in parsed.items] == [
        ("3", []),
        ("3.1", ["3.1.1", "3.1.2"]),
    ]
    assert parsed.unparsed == []
    assert "<h2>3.1 Free school meals auto-enrolment</h2>" in preview.content.decode()
    assert not parsed.duplicates
    assert confirm(client, meeting, preview).status_code == 302
    assert list(meals.paragraphs.values_list("number", "text")) == [
        ("3.1.1", "The Commission agreed to enrol every eligible child automatically."),
        ("3.1.2", "The Director of Public Health will report on uptake by ward."),
    ]
    assert not growth.paragraphs.exists() and meeting.items.count() == 2


def test_the_same_minutes_sent_again_are_refused_not_saved_twice(world, meeting):
    client = signed_in(world.users.secretariat)
    data = seed_with_word_numbering()
    assert confirm(client, meeting, upload(client, meeting, data)).status_code == 302
    saved_paragraphs = Paragraph.objects.filter(item__meeting=meeting).count()
    again = upload(client, meeting, data)
    assert again.status_code == 200
    message = error_beside(again, "id_file")
    assert "These minutes already hold paragraphs 12.1, 12.2, 12.3, 12.4, 12.5 and 8 more" in message
    assert "remove them on the meeting&#x27;s page first" in message
    # Confirming the text of the first preview again (a second tab, a double click) is refused the same way.
    twice = client.post(
        reverse("commissions:meeting_minutes", args=[meeting.pk]), {"text": SEED.read_text(), "confirm": "yes"}
    )
    assert twice.status_code == 200
    assert Paragraph.objects.filter(item__meeting=meeting).count() == saved_paragraphs
