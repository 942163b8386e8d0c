"""The printable minutes: everything the minutes record, in a fixed number of queries, to those who may read them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissions import services
from commissions.minutes import parse_minutes
from commissions.models import (
    Action,
    AgendaItem,
    Amendment,
    Attendance,
    Decision,
    Meeting,
    Member,
    Paragraph,
    WorkshopQuestion,
)
from commissions.printing import in_agenda_order

from .test_minutes import SEED


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(meeting) -> str:
    return reverse("commissions:meeting_print", args=[meeting.pk])


@pytest.fixture
def meeting(world):
    meeting = Meeting.objects.create(
        commission=world.commissions.st_helens,
        starts_at=timezone.now() - timedelta(days=30),
        title="Health and Wellbeing Board",
        location="Town Hall, St Helens",
        status=Meeting.Status.DRAFT,
    )
    services.save_minutes(world.users.secretariat, meeting, parse_minutes(SEED.read_text()))
    chair = Member.objects.create(
        commission=meeting.commission, position=Member.Position.CHAIR, role_title="Director of Public Health"
    )
    Attendance.objects.create(meeting=meeting, member=chair, status=Attendance.Status.PRESENT)
    Attendance.objects.create(meeting=meeting, name_or_position="Councillor Kennedy", status=Attendance.Status.PRESENT)
    Attendance.objects.create(meeting=meeting, name_or_position="Annie Gammon", status=Attendance.Status.APOLOGIES)
    Attendance.objects.create(
        meeting=meeting, name_or_position="Principal Public Health Strategist", status=Attendance.Status.IN_ATTENDANCE
    )
    item = meeting.items.get(number="12")
    Decision.objects.create(
        meeting=meeting, item=item, number=1, text="The Board are asked to note the toolkit", outcome="agreed"
    )
    WorkshopQuestion.objects.create(
        meeting=meeting, number=1, question="What support would help most?", key_points="Prompts for each team"
    )
    Action.objects.filter(meeting=meeting).update(due=date(2027, 3, 31))
    # Rows without the links they may have: an action from no paragraph, a decision on no item.
    Action.objects.create(commission=meeting.commission, meeting=meeting, description="Write to the ICB", owner="Chair")
    Decision.objects.create(meeting=meeting, number=2, text="The Board agree to meet quarterly", outcome="deferred")
    return meeting


def test_the_printed_minutes_carry_heading_attendance_paragraphs_decisions_questions_and_actions(world, meeting):
    html = signed_in(world.users.secretariat).get(url(meeting)).content.decode()
    assert "St Helens Inequalities Commission" in html
    assert "Draft minutes: Health and Wellbeing Board" in html and "<strong>DRAFT</strong>" in html
    assert "Town Hall, St Helens" in html
    # Attendance, grouped in Word's order of a minutes' front page.
    present, apologies, attending = (html.index(f"<h3>{g}</h3>") for g in ("Present", "Apologies", "In attendance"))
    assert present < apologies < attending
    assert html.index("Councillor Kennedy") < apologies < html.index("Annie Gammon") < attending
    assert "Director of Public Health (Chair)" in html
    assert "12. Role of Hackney Health and Wellbeing Board" in html
    assert html.count('class="atf-minutes__number"') == 14
    assert "The Board are asked to note the toolkit" in html and "Agreed" in html
    assert "Write to the ICB" in html and "Deferred" in html
    assert "What support would help most?" in html and "Prompts for each team" in html
    actions = html[html.index('id="actions"') :]
    assert "12.12" in actions and "The Head of Performance and Population" in actions and "31 Mar 2027" in actions
    # The page of a print: no site navigation, no forms, no inline styles or scripts.
    assert "<form" not in html and "<script" not in html and "style=" not in html
    assert "atf/minutes-print.css" in html


def test_a_note_on_a_member_s_attendance_is_in_the_print_and_the_paper_as_on_the_page(world, meeting):
    import docx

    from papers import meetings, word

    row = meeting.attendance.get(member__isnull=False)
    Attendance.objects.filter(pk=row.pk).update(name_or_position="joined late")
    secretariat = signed_in(world.users.secretariat)
    assert "Director of Public Health (Chair) (joined late)" in secretariat.get(url(meeting)).content.decode()
    page = secretariat.get(reverse("commissions:meeting_detail", args=[meeting.pk])).content.decode()
    assert "(joined late)" in page
    paper = word.write_docx(meetings.minutes(world.users.secretariat, meeting))
    text = "\n".join(c.text for t in docx.Document(io.BytesIO(paper)).tables for r in t.rows for c in r.cells)
    assert "Director of Public Health (Chair) (joined late)" in text


def test_approved_minutes_are_not_marked_draft_and_show_their_amendments(world, meeting):
    paragraph = Paragraph.objects.get(item__meeting=meeting, number="12.3")
    Amendment.objects.create(
        paragraph=paragraph,
        previous_text=paragraph.text,
        text=paragraph.text + " (corrected)",
        reason="Name of the Hub corrected",
        made_by=world.users.secretariat,
    )
    Amendment.objects.create(paragraph=paragraph, previous_text="a", text="b", reason="Typo", made_by=None)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.APPROVED, approved_at=timezone.now())
    html = signed_in(world.users.secretariat).get(url(meeting)).content.decode()
    assert "DRAFT" not in html and "Minutes: Health and Wellbeing Board" in html
    today = timezone.localdate().strftime("%-d %B %Y")
    assert f"Amended on {today} by secretariat-st-helens: Name of the Hub corrected" in html
    # Under its own paragraph, before the next one.
    assert f"Amended on {today} by a user since removed: Typo" in html
    assert html.index("12.3</span>") < html.index("Amended on") < html.index("12.4</span>")


def test_the_printed_minutes_take_the_same_queries_however_long_they_are(world, meeting):
    client = signed_in(world.users.secretariat)
    with CaptureQueriesContext(connection) as few:
        client.get(url(meeting))
    item = meeting.items.get(number="12")
    for n in range(100):
        paragraph = Paragraph.objects.create(item=item, number=f"12.{20 + n}", position=100 + n, text=f"More {n}")
        Amendment.objects.create(
            paragraph=paragraph, previous_text="x", text=f"More {n}", reason="r", made_by=world.users.secretariat
        )
        Action.objects.create(
            commission=meeting.commission, meeting=meeting, paragraph=paragraph, description=f"Do {n}", owner="DPH"
        )
        Attendance.objects.create(meeting=meeting, name_or_position=f"Guest {n}", status="in_attendance")
        Decision.objects.create(meeting=meeting, item=item, number=2 + n, text=f"Decide {n}")
        child = AgendaItem.objects.create(meeting=meeting, parent=item, number=f"12.{n}", position=n, title=f"Sub {n}")
        Paragraph.objects.create(item=child, number=f"12.{n}.1", text="Nested")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(meeting))
    assert response.content.decode().count("Amended on") == 100
    assert len(many) == len(few)


def test_nested_items_print_under_their_parent_in_order():
    class Item:
        def __init__(self, pk, parent_id, position):
            self.pk, self.parent_id, self.position = pk, parent_id, position

    items = [Item(1, None, 1), Item(2, 1, 1), Item(3, None, 0), Item(4, 1, 0), Item(5, 99, 5), Item(6, 4, 0)]
    assert [(i.pk, depth) for i, depth in in_agenda_order(items)] == [(3, 0), (1, 0), (4, 1), (6, 2), (2, 1), (5, 0)]


def test_draft_minutes_print_only_for_those_who_may_read_them(world, meeting):
    st_helens = signed_in(world.users.secretariat)
    cheshire_east = signed_in(world.users.other_secretariat)
    anonymous = Client()
    assert st_helens.get(url(meeting)).status_code == 200
    assert cheshire_east.get(url(meeting)).status_code == 404
    assert anonymous.get(url(meeting)).status_code == 302
    # Published: the other commission reads them, every part; the public still signs in for this page.
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    page = cheshire_east.get(url(meeting))
    assert page.status_code == 200
    html = page.content.decode()
    assert "DRAFT" not in html and "Councillor Kennedy" in html and "The Head of Performance and Population" in html
    assert anonymous.get(url(meeting)).status_code == 302
    # Back to a draft (say, a published meeting reopened by the admin): hidden again at once.
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.DRAFT)
    assert cheshire_east.get(url(meeting)).status_code == 404
    assert "Councillor Kennedy" in st_helens.get(url(meeting)).content.decode()


def test_the_printed_minutes_name_the_approving_meeting_only_to_those_who_may_read_it(world):
    from datetime import timedelta

    from django.utils import timezone

    from atf.tests.test_permission_matrix import client_for
    from commissions import approval
    from commissions.models import Meeting

    commission = world.commissions.st_helens
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), status="draft", title="May")
    later = Meeting.objects.create(commission=commission, starts_at=timezone.now() + timedelta(days=40), title="June")
    approval.approve(world.users.secretariat, meeting, later)
    approval.publish(world.users.secretariat, Meeting.objects.get(pk=meeting.pk))
    url = reverse("commissions:meeting_print", args=[meeting.pk])
    when = f"at the meeting of {timezone.localtime(later.starts_at):%-d %B %Y}"
    assert when in client_for(world, "secretariat").get(url).content.decode()
    other = client_for(world, "other_secretariat").get(url)
    assert other.status_code == 200 and when not in other.content.decode()
