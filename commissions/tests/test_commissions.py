from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commissions import services
from commissions.minutes import parse_minutes
from commissions.models import Action, AgendaItem, Commission, Meeting, Paragraph, Priority

from .test_minutes import SEED


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting(world):
    return Meeting.objects.create(
        commission=world.commissions.st_helens, starts_at=timezone.now() - timedelta(days=30), title="Regular meeting"
    )


def test_saved_minutes_keep_numbers_and_flag_the_duplicate(world, meeting):
    counts = services.save_minutes(world.users.secretariat, meeting, parse_minutes(SEED.read_text()))
    assert counts == {"items": 1, "paragraphs": 14, "actions": 1}
    numbers = list(Paragraph.objects.filter(item__meeting=meeting).values_list("number", flat=True))
    assert numbers.count("12.5") == 2
    assert Paragraph.objects.filter(item__meeting=meeting).exclude(note="").count() == 1
    action = Action.objects.get(meeting=meeting)
    assert action.owner == "The Head of Performance and Population" and action.paragraph.number == "12.12"
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT


def test_numbering_follows_additions_moves_and_removals(world, meeting):
    secretariat = world.users.secretariat
    item = AgendaItem.objects.create(meeting=meeting, number="12", title="Item")
    first = services.add_paragraph(secretariat, item, "First")
    second = services.add_paragraph(secretariat, item, "Second")
    third = services.add_paragraph(secretariat, item, "Third")
    numbers = lambda: list(item.paragraphs.order_by("position").values_list("number", "text"))  # noqa: E731
    assert numbers() == [("12.1", "First"), ("12.2", "Second"), ("12.3", "Third")]
    services.move_paragraph(secretariat, third, "up")
    assert numbers() == [("12.1", "First"), ("12.2", "Third"), ("12.3", "Second")]
    services.add_paragraph(secretariat, item, "After the first", after=first)
    assert numbers()[1] == ("12.2", "After the first")
    services.delete_paragraph(secretariat, Paragraph.objects.get(pk=second.pk))
    assert numbers() == [("12.1", "First"), ("12.2", "After the first"), ("12.3", "Third")]


def test_an_action_keeps_its_paragraph_reference_through_renumbering(world, meeting):
    secretariat = world.users.secretariat
    item = AgendaItem.objects.create(meeting=meeting, number="5", title="Item")
    services.add_paragraph(secretariat, item, "One")
    two = services.add_paragraph(secretariat, item, "Two")
    action = Action.objects.create(
        commission=meeting.commission, meeting=meeting, paragraph=two, reference="5.2", description="x", owner="Chair"
    )
    services.move_paragraph(secretariat, two, "up")
    action.refresh_from_db()
    assert action.reference == "5.1"


def test_open_actions_are_matters_arising_at_the_next_meeting(world, meeting):
    open_action = Action.objects.create(commission=meeting.commission, meeting=meeting, description="Open", owner="DPH")
    Action.objects.create(
        commission=meeting.commission, meeting=meeting, description="Done", owner="DPH", status="done"
    )
    next_meeting = Meeting.objects.create(commission=meeting.commission, starts_at=timezone.now() + timedelta(days=30))
    assert list(services.matters_arising(next_meeting)) == [open_action]
    assert list(services.matters_arising(meeting)) == []
    page = logged_in(world.users.secretariat).get(reverse("commissions:meeting_detail", args=[next_meeting.pk]))
    assert "Matters arising" in page.content.decode() and "Open" in page.content.decode()


def test_overdue_is_open_and_past_its_due_date():
    today = date(2026, 11, 22)
    assert Action(status="open", due=date(2026, 11, 21)).is_overdue(today)
    assert Action(status="in_progress", due=date(2026, 11, 1)).is_overdue(today)
    assert not Action(status="done", due=date(2026, 11, 1)).is_overdue(today)
    assert not Action(status="open", due=date(2026, 11, 22)).is_overdue(today)
    assert not Action(status="open", due=None).is_overdue(today)


def test_the_action_log_filters_and_exports(world, meeting):
    commission = meeting.commission
    Action.objects.create(
        commission=commission,
        meeting=meeting,
        description="Late one",
        owner="Head of Integration",
        due=timezone.localdate() - timedelta(days=3),
    )
    Action.objects.create(
        commission=commission,
        meeting=meeting,
        description="On time",
        owner="DPH",
        due=timezone.localdate() + timedelta(days=3),
    )
    client = logged_in(world.users.secretariat)
    overdue = client.get(reverse("commissions:action_list"), {"overdue": "true"}).content.decode()
    assert "Late one" in overdue and "On time" not in overdue
    owner = client.get(reverse("commissions:action_list"), {"owner": "integration"}).content.decode()
    assert "Late one" in owner and "On time" not in owner
    export = client.get(reverse("commissions:action_list"), {"_export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert any("Late one" in str(row) for row in rows)


def test_a_secretariat_pastes_minutes_previews_and_saves(world, meeting):
    client = logged_in(world.users.secretariat)
    url = reverse("commissions:meeting_minutes", args=[meeting.pk])
    preview = client.post(url, {"text": SEED.read_text()})
    content = preview.content.decode()
    assert "14 paragraphs" in content and "Number used twice" in content and "Supporting documents:" in content
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()
    client.post(url, {"text": SEED.read_text(), "confirm": "yes"})
    assert Paragraph.objects.filter(item__meeting=meeting).count() == 14
    log = client.get(reverse("commissions:action_list")).content.decode()
    assert "The Head of Performance and Population" in log


def test_another_secretariat_sees_no_drafts_and_changes_nothing(world, meeting):
    services.save_minutes(world.users.secretariat, meeting, parse_minutes(SEED.read_text()))
    client = logged_in(world.users.other_secretariat)
    assert client.get(reverse("commissions:meeting_detail", args=[meeting.pk])).status_code == 404
    assert "Head of Performance" not in client.get(reverse("commissions:action_list")).content.decode()
    response = client.post(
        reverse("commissions:meeting_minutes", args=[meeting.pk]), {"text": "1.1 Mine", "confirm": "yes"}
    )
    assert response.status_code == 404
    assert Paragraph.objects.filter(item__meeting=meeting).count() == 14


def test_the_ics_sees_every_commission_s_open_actions(world, meeting):
    Action.objects.create(commission=meeting.commission, meeting=meeting, description="St Helens action", owner="DPH")
    other = Meeting.objects.create(commission=world.commissions.cheshire_east, starts_at=timezone.now())
    Action.objects.create(commission=other.commission, meeting=other, description="Cheshire East action", owner="DPH")
    page = logged_in(world.users.reviewer).get(reverse("commissions:overview")).content.decode()
    assert "St Helens action" in page and "Cheshire East action" in page


def test_a_theme_page_shows_priorities_and_actions_beside_entries(world, meeting):
    theme = world.framework.themes.get(number=1)
    priority = Priority.objects.create(commission=meeting.commission, number=1, title="Best start in life")
    priority.themes.add(theme)
    Action.objects.create(
        commission=meeting.commission, meeting=meeting, description="School readiness audit", owner="DPH", theme=theme
    )
    page = logged_in(world.users.reviewer).get(reverse("theme_detail", args=[theme.pk])).content.decode()
    assert "Best start in life" in page and "School readiness audit" in page and "Knowsley draft family hub" in page


def test_the_demo_holds_the_seeds(db):
    call_command("load_demo", "--password", "demo-password-for-tests")
    st_helens = Commission.objects.get(slug="st-helens-inequalities-commission")
    assert st_helens.priorities.count() == 8
    assert all(p.themes.exists() for p in st_helens.priorities.all())
    assert not st_helens.members.exclude(person_name="").exists()  # by role, not by name
    workshop = Meeting.objects.get(commission__slug="cheshire-east-all-together-fairer-commission", kind="deep_dive")
    assert workshop.starts_at.date() == date(2021, 11, 26) and workshop.questions.count() == 4
    # The live cycle: published minutes approved at the meeting after, a circulated draft, an agenda planned.
    september, november, january = st_helens.meetings.filter(title="Regular meeting").order_by("starts_at")[:3]
    assert (september.status, september.approved_at_meeting, november.status) == ("published", november, "circulated")
    assert september.items.filter(paragraphs__amendments__isnull=False).exists()
    assert january.status == "planned" and january.items.filter(parent__isnull=False).exists()
    assert Meeting.objects.filter(commission__slug__startswith="cheshire-east", status="draft").exists()
    hackney = Meeting.objects.get(commission__slug="hackney-health-and-wellbeing-board")
    assert Paragraph.objects.filter(item__meeting=hackney).count() == 14
    assert hackney.commission.place.system.slug == "north-east-london"
    sefton = Meeting.objects.get(commission__slug="sefton-health-and-wellbeing-board")
    assert [d.number for d in sefton.decisions.all()] == [1, 2]


@pytest.mark.parametrize("name", ["commissions:action_list", "commissions:overview", "commissions:meeting_detail"])
def test_commission_pages_cost_the_same_queries_for_20_times_the_rows(
    world, meeting, django_assert_max_num_queries, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = AgendaItem.objects.create(meeting=meeting, number="1", title="Item")

    def grow(n):
        for i in range(n):
            paragraph = item.paragraphs.create(number=f"1.{i}", position=i, text="p")
            Action.objects.create(
                commission=meeting.commission,
                meeting=meeting,
                paragraph=paragraph,
                description=f"Action {i}",
                owner="DPH",
                due=date(2020, 1, 1),
            )

    client = logged_in(world.users.secretariat)
    url = reverse(name, args=[meeting.pk] if name.endswith("detail") else [])
    grow(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(57)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
