"""Board papers and meeting papers: golden checks of the Word documents, the PDF, hostile text and the tenant rule."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from atf.tests.test_permission_matrix import ROLES, _minutes, client_for
from commissions.models import Meeting
from jobs.models import Job
from papers import board, meetings, pdf, word
from stocktake import returns
from stocktake.models import Entry, Return

# What a database may hold (PostgreSQL takes no NUL, no database a lone surrogate: ``test_clean`` has those).
HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script>\x01\x0b bell\x07\x1b & <b>bold</b>"


def docx_of(response) -> Document:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == word.CONTENT_TYPE
    return Document(io.BytesIO(response.content))


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def stocktake_tables(document):
    return [t for t in document.tables if t.rows[0].cells[0].text in ("Marmot Themes", "Marmot System Recommendations")]


@pytest.fixture
def dated(world):
    """The world's rounds with periods, the closed one before the open one."""
    world.rounds.closed.period_start = date(2023, 10, 1)
    world.rounds.closed.save()
    world.rounds.open.period_start = date(2025, 10, 1)
    world.rounds.open.save()
    return world


def board_paper_url(world, round_=None, file_format="docx"):
    return reverse("papers:board_paper", args=[(round_ or world.rounds.open).slug, file_format])


@pytest.mark.django_db
def test_the_board_paper_has_its_headings_tables_and_counts(dated, django_assert_max_num_queries):
    world = dated
    client = client_for(world, "reviewer")
    with django_assert_max_num_queries(60):
        response = client.get(board_paper_url(world))
    assert response["Content-Disposition"] == 'attachment; filename="board-paper-open-round-2025.docx"'
    document = docx_of(response)
    found = headings(document)
    for heading in (
        "Summary",
        "Returns",
        "Coverage by theme",
        "Themes and recommendations with no activity",
        "What changed since the previous round",
        "Appendix A: Open round 2025",
    ):
        assert heading in found
    assert found[0] == "Open round 2025: progress report"
    themes, system = stocktake_tables(document)
    header = [c.text for c in themes.rows[0].cells]
    assert header[:2] == ["Marmot Themes", "Beacon Indicators"] and header[-1] == "Borough Level Activity"
    assert len(themes.rows) - 1 == world.framework.themes.count()
    assert len(system.rows) - 1 == world.framework.system_recommendations.count()
    assert system.rows[0].cells[-1].text == "Place Level Activity"
    text = all_text(document)
    # As the DB holds them: Halton's return submitted, Knowsley's a draft, nine boroughs in all.
    received = Return.objects.filter(round=world.rounds.open, status__in=Return.PUBLISHED).count()
    assert f"Returns received: {received} of " in text
    assert "Accepted by the ICS: 0" in text and "Submitted, awaiting review: 1" in text
    assert "Compared with Closed round 2023" in text
    assert f"Open round 2025 is still open: it counts only the returns sent in so far ({received} of 9)" in text
    # Only what was sent in: Halton's submitted entry, not Knowsley's or Sefton's drafts.
    assert "Halton submitted family hub" in text
    assert "Knowsley draft family hub" not in text and "Sefton draft family hub" not in text
    # No indicator values in this world: no indicator table.
    assert "Appendix B: Beacon indicators" not in found


@pytest.mark.django_db
def test_the_indicator_table_is_there_only_when_values_exist(dated):
    from indicators.models import Area, IndicatorValue

    world = dated
    indicator = world.framework.indicators.get(number=1)
    england, _ = Area.objects.get_or_create(code="E92000001", defaults={"name": "England", "kind": "country"})
    cm = world.places["cheshire-and-merseyside"]
    ics, _ = Area.objects.get_or_create(place=cm, defaults={"code": "E54000008", "name": cm.name, "kind": "ics"})
    for area, value in ((england, 80), (ics, 78)):
        IndicatorValue.objects.create(
            indicator=indicator,
            area=area,
            period_label="2020 - 22",
            period_start=2020,
            period_years=3,
            value=value,
            lower_95=value - 0.5,
            upper_95=value + 0.5,
            sex="Female",
        )
    document = Document(io.BytesIO(word.write_docx(board.board_paper(world.users.reviewer, world.rounds.open))))
    assert "Appendix B: Beacon indicators" in headings(document)
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Theme" and len(t.columns) == 4)
    assert len(table.rows) == 2
    latest = table.rows[1].cells[2].text
    assert latest.startswith("78") and "worse than England" in latest and "England 80" in latest


@pytest.mark.django_db
def test_a_draft_is_in_the_paper_only_once_its_lead_submits_it(dated):
    """Two roles interleaved: the lead saves a draft, the reviewer's paper leaves it out; the lead submits; it is in."""
    world = dated
    reviewer, lead = client_for(world, "reviewer"), client_for(world, "lead")
    round_, knowsley = world.rounds.open, world.places["knowsley"]
    returns.add_entry(
        world.users.lead,
        round_,
        knowsley,
        section=world.framework.themes.get(number=2),
        text="A new youth offer",
        places=[knowsley],
        lead_in="Knowsley - ",
    )
    assert "A new youth offer" not in all_text(docx_of(reviewer.get(board_paper_url(world))))
    assert lead.get(reverse("stocktake:return_detail", args=[round_.slug, "knowsley"])).status_code == 200
    returns.submit(world.users.lead, round_, knowsley)
    assert Return.objects.get(round=round_, place=knowsley).status == Return.Status.SUBMITTED
    text = all_text(docx_of(reviewer.get(board_paper_url(world))))
    assert "A new youth offer" in text and "Knowsley draft family hub" in text
    assert "Submitted, awaiting review: 2" in text


@pytest.mark.django_db
def test_hostile_text_is_text_in_word_and_pdf(dated):
    world = dated
    halton = world.entries.halton
    Entry.objects.filter(pk=halton.pk).update(text=HOSTILE)  # as an old row might hold it, unnormalised
    paper = board.board_paper(world.users.reviewer, world.rounds.open)
    document = Document(io.BytesIO(word.write_docx(paper)))
    text = all_text(document)
    assert "=cmd|' /C calc'!A0 <script>alert(1)</script>" in text and "\x01" not in text and "\x07" not in text
    # No field (formula, link, DDE) anywhere in the document.
    xml = document.element.xml
    assert "w:fldSimple" not in xml and "w:instrText" not in xml and "w:fldChar" not in xml
    laid_out = pdf.render(paper)
    assert len(laid_out.pages) >= 3  # the cover, the summary, the landscape stocktake table
    assert laid_out.pages[-1].width > laid_out.pages[-1].height
    assert laid_out.write_pdf().startswith(b"%PDF")


def test_clean_leaves_only_what_xml_holds():
    from papers.document import clean

    assert clean("a\x00b\x01c\x0bd\ud800e\uffff\r\nf\tg") == "abc\nde\nf\tg"
    Document().add_paragraph(clean("\x00\ud800 x"))  # python-docx takes it without a ValueError


@pytest.mark.django_db
def test_pdf_fetches_nothing(dated):
    from papers.document import Paper

    paper = Paper(title="t", filename="t")
    paper.paragraph('<img src="http://example.org/x.png">')
    with pytest.raises(pdf.Refused):
        pdf.refuse_every_url("file:///etc/passwd")
    assert pdf.write_pdf(paper).startswith(b"%PDF")


@pytest.mark.django_db
def test_the_board_paper_pdf_is_a_background_job(dated, run_jobs):
    world = dated
    client = client_for(world, "reviewer")
    response = client.get(board_paper_url(world, file_format="pdf"))
    assert response.status_code == 302
    (job,) = run_jobs()
    assert job.kind == Job.Kind.PAPER_PDF and job.status == Job.Status.DONE, job.outcome
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    assert 'filename="board-paper-open-round-2025.pdf"' in download["Content-Disposition"]


# url name -> the test that proves who may download it (imported by atf/tests/test_permission_matrix.py).
PAPER_PAGES = {
    "papers:board_paper": "test_only_the_ics_reviewers_download_the_board_paper",
    "papers:agenda_pack": "test_meeting_papers_follow_the_meeting_page",
    "papers:minutes": "test_meeting_papers_follow_the_meeting_page",
}
BOARD_PAPER_READERS = frozenset({"superuser", "reviewer"})
CM_SEERS = frozenset({"superuser", "reviewer", "lead", "other_lead", "secretariat", "other_secretariat", "viewer"})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("file_format", ["docx", "pdf"])
def test_only_the_ics_reviewers_download_the_board_paper(world, role, file_format):
    status = client_for(world, role).get(board_paper_url(world, file_format=file_format)).status_code
    if role == "anonymous":
        assert status == 302
    elif role in BOARD_PAPER_READERS:
        assert status == (200 if file_format == "docx" else 302)
    else:
        # Seen but not managed: 403; another ICS's reviewer or a user of no role does not see the round: 404.
        assert status == (403 if role in CM_SEERS else 404)


@pytest.mark.django_db
def test_an_unknown_format_is_404(world):
    assert client_for(world, "reviewer").get(board_paper_url(world, file_format="exe")).status_code == 404


@pytest.fixture
def minutes_world(world):
    world.minutes_st_helens = _minutes(world.commissions.st_helens, "draft")
    world.minutes_cheshire_east = _minutes(world.commissions.cheshire_east, "published")
    world.minutes_hackney = _minutes(world.commissions.hackney, "published")
    return world


DRAFT_READERS = frozenset({"superuser", "reviewer", "secretariat"})
PUBLISHED_READERS = frozenset({"superuser", "reviewer", "secretariat", "other_secretariat", "viewer"})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["papers:agenda_pack", "papers:minutes"])
def test_meeting_papers_follow_the_meeting_page(minutes_world, role, name):
    client = client_for(minutes_world, role)
    for meeting, readers in (
        (minutes_world.minutes_st_helens.meeting, DRAFT_READERS),
        (minutes_world.minutes_cheshire_east.meeting, PUBLISHED_READERS),
        (minutes_world.minutes_hackney.meeting, frozenset({"superuser", "nel_reviewer"})),
    ):
        status = client.get(reverse(name, args=[meeting.pk, "docx"])).status_code
        page = client.get(reverse("commissions:meeting_detail", args=[meeting.pk])).status_code
        assert status == page, (meeting, status, page)
        if role == "anonymous":
            assert status == 302
        else:
            assert status == (200 if role in readers else 404)


@pytest.mark.django_db
def test_the_minutes_hold_attendance_paragraphs_decisions_and_actions(minutes_world, django_assert_max_num_queries):
    meeting = minutes_world.minutes_st_helens.meeting
    paragraph = minutes_world.minutes_st_helens.paragraph
    paragraph.text = HOSTILE
    paragraph.save()
    client = client_for(minutes_world, "secretariat")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("papers:minutes", args=[meeting.pk, "docx"]))
    document = docx_of(response)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="minutes-st-helens-inequalities-commission-'
    )
    assert {"Attendance", "Minutes", "Decisions", "Actions arising", "1. Item one"} <= set(headings(document))
    text = all_text(document)
    assert "Chair" in text and "Note the report" in text and "Do it" in text and "DPH" in text
    assert "1.1  =cmd|' /C calc'!A0 <script>alert(1)</script>" in text
    pdf_response = client.get(reverse("papers:minutes", args=[meeting.pk, "pdf"]))
    assert pdf_response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_a_workshops_minutes_hold_its_questions_key_points_and_contributions_and_drafts_say_so(minutes_world):
    from commissions.models import WorkshopQuestion

    workshop = Meeting.objects.create(
        commission=minutes_world.commissions.cheshire_east,
        starts_at=minutes_world.minutes_cheshire_east.meeting.starts_at,
        kind=Meeting.Kind.DEEP_DIVE,
        title="Marmot workshop",
        status=Meeting.Status.PUBLISHED,
    )
    WorkshopQuestion.objects.create(
        meeting=workshop,
        number=1,
        question="What works for young carers?",
        key_points="Respite\nSchool links",
        contributions="'We need a named contact.'",
    )
    reader = minutes_world.users.other_secretariat
    text = all_text(Document(io.BytesIO(word.write_docx(meetings.minutes(reader, workshop)))))
    assert "No minutes have been recorded" not in text
    assert "Question 1. What works for young carers?" in text and "School links" in text
    assert "We need a named contact." in text
    assert "draft minutes" not in text
    draft = minutes_world.minutes_st_helens.meeting
    text = all_text(Document(io.BytesIO(word.write_docx(meetings.minutes(minutes_world.users.secretariat, draft)))))
    assert "draft minutes, not yet published" in text


@pytest.mark.django_db
def test_the_agenda_pack_holds_members_agenda_and_matters_arising(minutes_world):
    from datetime import timedelta

    earlier = minutes_world.minutes_st_helens.meeting
    later = Meeting.objects.create(
        commission=earlier.commission, starts_at=earlier.starts_at + timedelta(days=30), title="Next"
    )
    later.items.create(number="1", title="Welcome")
    document = Document(io.BytesIO(word.write_docx(meetings.agenda_pack(minutes_world.users.secretariat, later))))
    assert {"Members", "Agenda", "Matters arising"} <= set(headings(document))
    text = all_text(document)
    assert "Director of Public Health" in text and "Welcome" in text and "Do it" in text


@pytest.mark.django_db
def test_the_agenda_pack_says_which_matters_arising_are_overdue(minutes_world):
    from datetime import timedelta

    from commissions.models import Action

    earlier = minutes_world.minutes_st_helens.meeting
    late = Action.objects.filter(meeting=earlier).first()
    Action.objects.filter(pk=late.pk).update(due=timezone.localdate() - timedelta(days=1), status="open")
    Action.objects.create(
        commission=earlier.commission,
        meeting=earlier,
        description="Not due yet",
        owner="Chair",
        due=timezone.localdate() + timedelta(days=10),
    )
    later = Meeting.objects.create(
        commission=earlier.commission, starts_at=earlier.starts_at + timedelta(days=30), title="Next"
    )
    pack = meetings.agenda_pack(minutes_world.users.secretariat, later)
    rows = [row for block in pack.blocks if getattr(block, "rows", None) for row in block.rows]
    statuses = {row[1]: row[4] for row in rows if len(row) == 5}
    assert statuses[late.description] == "Open, overdue" and statuses["Not due yet"] == "Open"


def laid_out_words(laid_out) -> list[str]:
    """Every line of text WeasyPrint set, page by page: a word broken over two lines is two of them."""
    from weasyprint.formatting_structure.boxes import TextBox

    return [box.text for page in laid_out.pages for box in page._page_box.descendants() if isinstance(box, TextBox)]


@pytest.mark.django_db
def test_the_agenda_pack_pdf_keeps_each_column_heading_whole_and_numbers_sub_items_as_minutes_do(minutes_world):
    from datetime import timedelta

    earlier = minutes_world.minutes_st_helens.meeting
    later = Meeting.objects.create(
        commission=earlier.commission, starts_at=earlier.starts_at + timedelta(days=30), title="Next"
    )
    parent = later.items.create(number="3", title="Inclusive growth", position=1)
    child = later.items.create(number="3.1", title="Social value", parent=parent, position=2)
    later.decisions.create(number=1, item=child, text="Recommend a social value weighting")
    words = laid_out_words(pdf.render(meetings.agenda_pack(minutes_world.users.secretariat, later)))
    assert {"Paragraph", "Owner", "Status", "Outcome"} <= set(words), [w for w in words if w.startswith("Para")]
    assert "3.1 Social value" in " ".join(words) and "3.1. " not in " ".join(words)


@pytest.mark.django_db
def test_the_meeting_page_links_to_its_papers(minutes_world):
    meeting = minutes_world.minutes_st_helens.meeting
    page = client_for(minutes_world, "secretariat").get(reverse("commissions:meeting_detail", args=[meeting.pk]))
    assert reverse("papers:agenda_pack", args=[meeting.pk, "docx"]) in page.content.decode()
    assert reverse("papers:minutes", args=[meeting.pk, "pdf"]) in page.content.decode()


@pytest.mark.django_db
def test_a_planned_meeting_s_page_offers_its_agenda_pack_but_no_minutes_yet(minutes_world):
    meeting = minutes_world.minutes_st_helens.meeting
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PLANNED)
    page = client_for(minutes_world, "secretariat").get(reverse("commissions:meeting_detail", args=[meeting.pk]))
    assert reverse("papers:agenda_pack", args=[meeting.pk, "pdf"]) in page.content.decode()
    assert reverse("papers:minutes", args=[meeting.pk, "pdf"]) not in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "lead"])
def test_the_round_page_links_to_the_board_paper_for_its_reviewers(world, role):
    page = client_for(world, role).get(reverse("stocktake:coverage", args=[world.rounds.open.slug])).content.decode()
    assert ("Download board paper (Word)" in page) == (role == "reviewer")


def test_anonymous_client_is_sent_to_sign_in(db):
    response = Client().get(reverse("papers:minutes", args=[1, "docx"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
