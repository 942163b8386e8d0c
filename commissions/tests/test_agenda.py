"""The agenda before the meeting: numbering, nesting and order; papers; sending; its printable copy and pack."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atf import access, limits
from atf.models import Membership, Role
from atf.tests.test_permission_matrix import (  # noqa: F401 - matrix_world is a fixture
    DRAFT_VIEWERS,
    ROLES,
    ST_HELENS_CHANGERS,
    client_for,
    matrix_world,
    page_status,
)
from commissions import agenda_services, services
from commissions.agenda_services import AgendaLocked, AgendaRefused
from commissions.minutes import parse_minutes
from commissions.models import AgendaItem, AgendaPaper, Decision, Meeting

from .test_minutes import SEED

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def docx_bytes(text="Youth aspirations report") -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _agenda(commission, user):
    """A planned meeting of the commission, with an item, a sub-item and a paper."""
    meeting = Meeting.objects.create(
        commission=commission, starts_at=timezone.now() + timedelta(days=14), title="Next meeting"
    )
    item = agenda_services.add_item(user, meeting, title="Welcome and apologies", presenter="Chair")
    sub_item = agenda_services.add_item(user, meeting, title="Youth aspirations", parent=item)
    paper = agenda_services.add_paper(user, item, title="Report", uploaded=upload("report.pdf", PDF))
    return SimpleNamespace(meeting=meeting, item=item, sub_item=sub_item, paper=paper)


@pytest.fixture
def agenda_world(matrix_world):  # noqa: F811 - the fixture imported above
    world = matrix_world
    world.agenda = SimpleNamespace(
        st_helens=_agenda(world.commissions.st_helens, world.users.superuser),
        cheshire_east=_agenda(world.commissions.cheshire_east, world.users.superuser),
    )
    return world


# url name -> (args builder, who sees it, who may use it): rows of the permission matrix
# (atf/tests/test_permission_matrix.py), on St Helens' planned meeting, read by its viewers only.
AGENDA_PAGES = {
    "commissions:meeting_agenda_print": (lambda w: [w.agenda.st_helens.meeting.pk], DRAFT_VIEWERS, DRAFT_VIEWERS),
    "commissions:agenda_paper_download": (lambda w: [w.agenda.st_helens.paper.pk], DRAFT_VIEWERS, DRAFT_VIEWERS),
    "commissions:agenda_item_add": (lambda w: [w.agenda.st_helens.meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:agenda_item_edit": (lambda w: [w.agenda.st_helens.item.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:agenda_item_remove": (lambda w: [w.agenda.st_helens.item.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:agenda_paper_add": (lambda w: [w.agenda.st_helens.item.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:agenda_paper_remove": (lambda w: [w.agenda.st_helens.paper.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    # Forms posted from the meeting page only: a GET is refused (405); their posts are tested below.
    "commissions:agenda_item_move": (lambda w: [w.agenda.st_helens.item.pk], DRAFT_VIEWERS, frozenset()),
    "commissions:agenda_send": (lambda w: [w.agenda.st_helens.meeting.pk], DRAFT_VIEWERS, frozenset()),
}
POST_ONLY = {"commissions:agenda_item_move", "commissions:agenda_send"}


def numbers(meeting):
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position").values_list("number", "title"))


@pytest.fixture
def meeting(world):
    return Meeting.objects.create(
        commission=world.commissions.st_helens, starts_at=timezone.now() + timedelta(days=7), title="Planned"
    )


# Numbering, nesting and order ------------------------------------------------


def test_items_are_numbered_nested_and_reordered_among_their_siblings(world, meeting):
    user = world.users.secretariat
    welcome = agenda_services.add_item(user, meeting, title="Welcome")
    updates = agenda_services.add_item(user, meeting, title="Updates", presenter="Head of Integration")
    agenda_services.add_item(user, meeting, title="Any other business")
    youth = agenda_services.add_item(user, meeting, title="Youth aspirations", parent=updates)
    agenda_services.add_item(user, meeting, title="Loneliness research", parent=updates)
    assert numbers(meeting) == [
        ("1", "Welcome"),
        ("2", "Updates"),
        ("2.1", "Youth aspirations"),
        ("2.2", "Loneliness research"),
        ("3", "Any other business"),
    ]
    # A top-level item moves with its sub-items; a sub-item moves among its siblings only.
    agenda_services.move_item(user, AgendaItem.objects.get(pk=updates.pk), "up")
    assert numbers(meeting) == [
        ("1", "Updates"),
        ("1.1", "Youth aspirations"),
        ("1.2", "Loneliness research"),
        ("2", "Welcome"),
        ("3", "Any other business"),
    ]
    agenda_services.move_item(user, AgendaItem.objects.get(pk=youth.pk), "down")
    agenda_services.move_item(user, AgendaItem.objects.get(pk=youth.pk), "down")  # already last: nothing moves
    assert [n for n, _ in numbers(meeting)] == ["1", "1.1", "1.2", "2", "3"]
    assert numbers(meeting)[1] == ("1.1", "Loneliness research")
    agenda_services.remove_item(user, AgendaItem.objects.get(pk=welcome.pk))
    assert numbers(meeting) == [
        ("1", "Updates"),
        ("1.1", "Loneliness research"),
        ("1.2", "Youth aspirations"),
        ("2", "Any other business"),
    ]
    # Each renumbering is on record with who made it.
    assert AgendaItem.history.filter(id=updates.pk).first().history_user == user


def test_items_nest_two_levels_deep_at_most(world, meeting):
    user = world.users.secretariat
    item = agenda_services.add_item(user, meeting, title="Updates")
    sub_item = agenda_services.add_item(user, meeting, title="Youth", parent=item)
    with pytest.raises(AgendaRefused, match="two levels deep"):
        agenda_services.add_item(user, meeting, title="Too deep", parent=sub_item)
    response = client_for(world, "secretariat").post(
        reverse("commissions:agenda_item_add", args=[meeting.pk]), {"title": "Too deep", "parent": sub_item.pk}
    )
    assert response.status_code == 200
    assert "item 1.1 is itself a sub-item" in response.content.decode().lower()
    assert AgendaItem.objects.filter(meeting=meeting).count() == 2


def test_an_agenda_numbered_by_its_minutes_goes_on_from_their_numbers(world, meeting):
    """Minutes pasted first number their item 12: the agenda keeps 12 and counts on from it."""
    user = world.users.secretariat
    services.save_minutes(user, meeting, parse_minutes(SEED.read_text()))
    minutes_item = AgendaItem.objects.get(meeting=meeting)
    assert minutes_item.number == "12"
    paragraphs_before = list(minutes_item.paragraphs.order_by("position").values_list("number", flat=True))
    agenda_services.add_item(user, meeting, title="Any other business")
    assert [n for n, _ in numbers(meeting)] == ["12", "13"]
    # Item 12 kept its number, so its paragraphs keep theirs as pasted (12.5 twice, noted).
    assert list(minutes_item.paragraphs.order_by("position").values_list("number", flat=True)) == paragraphs_before
    welcome = agenda_services.add_item(user, meeting, title="Welcome")
    agenda_services.move_item(user, welcome, "up")
    agenda_services.move_item(user, AgendaItem.objects.get(pk=welcome.pk), "up")
    assert numbers(meeting)[0] == ("12", "Welcome")
    minutes_item.refresh_from_db()
    assert minutes_item.number == "13"
    # Its paragraphs follow it, and the action keeps pointing at its paragraph under the new number.
    assert minutes_item.paragraphs.order_by("position").first().number == "13.1"
    action = meeting.actions.get()
    assert action.reference == action.paragraph.number and action.reference.startswith("13.")


def test_removing_the_first_item_keeps_the_number_the_agenda_starts_at(world, meeting):
    user = world.users.secretariat
    first = agenda_services.add_item(user, meeting, title="One")
    agenda_services.add_item(user, meeting, title="Two")
    agenda_services.add_item(user, meeting, title="Three")
    agenda_services.remove_item(user, first)
    assert numbers(meeting) == [("1", "Two"), ("2", "Three")]


def test_an_item_holding_minutes_or_decisions_is_not_removed_and_the_page_says_what_it_holds(world, meeting):
    user = world.users.secretariat
    item = agenda_services.add_item(user, meeting, title="Updates")
    sub_item = agenda_services.add_item(user, meeting, title="Youth", parent=item)
    services.add_paragraph(user, sub_item, "The Commission noted the report.")
    Decision.objects.create(meeting=meeting, item=item, text="Note the report")
    client = client_for(world, "secretariat")
    url = reverse("commissions:agenda_item_remove", args=[item.pk])
    page = client.get(url).content.decode()
    assert "1 paragraph of minutes and 1 decision" in page and "Remove item 1</button>" not in page
    response = client.post(url, follow=True)
    assert "cannot be removed" in response.content.decode()
    assert AgendaItem.objects.filter(meeting=meeting).count() == 2


def test_the_meeting_page_adds_changes_and_removes_items(world, meeting):
    client = client_for(world, "secretariat")
    add = reverse("commissions:agenda_item_add", args=[meeting.pk])
    response = client.post(add, {"title": "  ", "presenter": ""})
    assert response.status_code == 200 and "Enter the item&#x27;s title" in response.content.decode()
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
    response = client.post(add, {"title": "Welcome", "presenter": "Independent chair"})
    item = AgendaItem.objects.get(meeting=meeting)
    assert response.status_code == 302 and response["Location"].endswith(f"#agenda-item-{item.pk}")
    page = client.get(reverse("commissions:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Presented by Independent chair" in page and "Send the agenda" in page
    edit = reverse("commissions:agenda_item_edit", args=[item.pk])
    assert 'name="version"' in client.get(edit).content.decode()
    client.post(edit, {"title": "Welcome and apologies", "presenter": "", "version": item.version})
    item.refresh_from_db()
    assert (item.title, item.presenter) == ("Welcome and apologies", "")
    client.post(reverse("commissions:agenda_item_remove", args=[item.pk]))
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_a_stale_edit_is_refused_and_the_input_kept(world, meeting):
    item = agenda_services.add_item(world.users.secretariat, meeting, title="Welcome")
    opened_at = item.version
    agenda_services.edit_item(
        world.users.superuser, item, title="Welcome (changed)", presenter="Chair", version=opened_at
    )
    response = client_for(world, "secretariat").post(
        reverse("commissions:agenda_item_edit", args=[item.pk]),
        {"title": "My title", "presenter": "", "version": opened_at},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this item" in page and "Welcome (changed)" in page
    assert 'value="My title"' in page
    item.refresh_from_db()
    assert item.title == "Welcome (changed)"
    assert f'name="version" value="{item.version}"' in page


# Papers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("Board report.pdf", PDF, "application/pdf"),
        ("Youth aspirations.docx", docx_bytes(), agenda_services.PAPER_TYPES[".docx"].content_type),
        ("figures.csv", b"ward,value\nThatto Heath,12\n", "text/csv"),
    ],
)
def test_a_paper_is_kept_under_a_name_the_server_chose(world, meeting, media_root, name, content, kind):
    item = agenda_services.add_item(world.users.secretariat, meeting, title="Updates")
    client = client_for(world, "secretariat")
    response = client.post(
        reverse("commissions:agenda_paper_add", args=[item.pk]),
        {"title": "The report", "file": upload(name, content, "text/html")},
    )
    assert response.status_code == 302
    paper = AgendaPaper.objects.get(item=item)
    assert (paper.original_name, paper.content_type, paper.size) == (name, kind, len(content))
    assert paper.uploaded_by == world.users.secretariat
    stored = list((media_root / "agenda-papers").iterdir())
    assert [p.name for p in stored] == [paper.stored_name] and name not in paper.stored_name
    assert stored[0].read_bytes() == content
    download = client.get(reverse("commissions:agenda_paper_download", args=[paper.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert download["Content-Type"] == kind  # the list's, never the browser's text/html
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;") and "filename" in download["Content-Disposition"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("minutes.pdf", EXE, "is named as a PDF file but its content is not one"),
        ("report.docx", plain_zip(), "is named as a Word file but its content is not one"),
        ("report.docx", PDF, "is named as a Word file but its content is not one"),
        ("notes.txt", EXE, "is named as a text file but its content is not one"),
        ("setup.exe", EXE, "is not a file taken as a paper"),
        ("page.html", b"<script>alert(1)</script>", "is not a file taken as a paper"),
        ("empty.pdf", b"", "The submitted file is empty"),
    ],
)
def test_a_file_that_is_not_a_paper_is_refused_beside_the_field(world, meeting, media_root, name, content, message):
    item = agenda_services.add_item(world.users.secretariat, meeting, title="Updates")
    response = client_for(world, "secretariat").post(
        reverse("commissions:agenda_paper_add", args=[item.pk]), {"title": "The report", "file": upload(name, content)}
    )
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert message in page and "nhsuk-error-message" in page
    assert not AgendaPaper.objects.exists()
    assert not (media_root / "agenda-papers").exists() or not list((media_root / "agenda-papers").iterdir())


def test_a_paper_past_the_size_limit_is_refused(world, meeting, media_root):
    item = agenda_services.add_item(world.users.secretariat, meeting, title="Updates")
    content = PDF + b"0" * limits.MAX_PAPER_BYTES
    response = client_for(world, "secretariat").post(
        reverse("commissions:agenda_paper_add", args=[item.pk]), {"title": "Huge", "file": upload("huge.pdf", content)}
    )
    assert response.status_code == 200
    assert "the largest paper accepted is 10 MB" in response.content.decode()
    assert not AgendaPaper.objects.exists()
    assert not (media_root / "agenda-papers").exists() or not list((media_root / "agenda-papers").iterdir())


def test_an_item_takes_so_many_papers_and_no_more(world, meeting, media_root, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PAPERS_PER_ITEM", 2)
    item = agenda_services.add_item(world.users.secretariat, meeting, title="Updates")
    client = client_for(world, "secretariat")
    url = reverse("commissions:agenda_paper_add", args=[item.pk])
    for n in range(2):
        assert client.post(url, {"title": f"Paper {n}", "file": upload(f"p{n}.pdf", PDF)}).status_code == 302
    response = client.post(url, {"title": "One too many", "file": upload("p3.pdf", PDF)})
    assert response.status_code == 200 and "has 2 papers, the most an item takes" in response.content.decode()
    assert AgendaPaper.objects.filter(item=item).count() == 2
    assert len(list((media_root / "agenda-papers").iterdir())) == 2


def test_a_paper_s_file_goes_with_its_row_however_it_goes(
    world, meeting, media_root, django_capture_on_commit_callbacks
):
    user = world.users.secretariat
    item = agenda_services.add_item(user, meeting, title="Updates")
    kept = agenda_services.add_paper(user, item, title="One", uploaded=upload("one.pdf", PDF))
    other = agenda_services.add_paper(user, item, title="Two", uploaded=upload("two.pdf", PDF))
    directory = media_root / "agenda-papers"
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world, "secretariat").post(reverse("commissions:agenda_paper_remove", args=[other.pk]))
    assert [p.name for p in directory.iterdir()] == [kept.stored_name]
    with django_capture_on_commit_callbacks(execute=True):
        agenda_services.remove_item(user, item)  # the item's papers go with it
    assert list(directory.iterdir()) == []


def test_a_paper_download_answers_each_role_as_its_meeting_does(agenda_world):
    paper = agenda_world.agenda.st_helens.paper
    for role in ROLES:
        response = client_for(agenda_world, role).get(reverse("commissions:agenda_paper_download", args=[paper.pk]))
        assert response.status_code == page_status(role, DRAFT_VIEWERS, DRAFT_VIEWERS), role


def test_a_paper_with_a_name_it_could_not_have_been_given_is_not_served(world, meeting, settings, tmp_path):
    item = agenda_services.add_item(world.users.secretariat, meeting, title="Updates")
    paper = AgendaPaper.objects.create(
        item=item, title="Tampered", original_name="x.pdf", stored_name="../../settings.py", content_type="", size=1
    )
    response = client_for(world, "secretariat").get(reverse("commissions:agenda_paper_download", args=[paper.pk]))
    assert response.status_code == 404


# The permission matrix's rows --------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(AGENDA_PAGES))
def test_agenda_pages_answer_each_role(agenda_world, name, role):
    args, viewers, allowed = AGENDA_PAGES[name]
    response = client_for(agenda_world, role).get(reverse(name, args=args(agenda_world)))
    if name in POST_ONLY and role != "anonymous":
        assert response.status_code == 405
    else:
        assert response.status_code == page_status(role, viewers, allowed)


def agenda_state(agenda):
    meeting = Meeting.objects.get(pk=agenda.meeting.pk)
    items = AgendaItem.objects.filter(meeting=meeting).order_by("pk")
    return (
        meeting.agenda_published_at,
        list(items.values_list("pk", "number", "position", "title", "presenter", "parent_id")),
        list(AgendaPaper.objects.filter(item__meeting=meeting).order_by("pk").values_list("pk", "title")),
    )


def posts(agenda):
    """Every form of the agenda, aimed at ``agenda``'s rows."""
    return [
        ("commissions:agenda_item_add", agenda.meeting.pk, {"title": "Planted item"}),
        ("commissions:agenda_item_edit", agenda.item.pk, {"title": "Changed", "version": agenda.item.version}),
        ("commissions:agenda_item_move", agenda.item.pk, {"direction": "down"}),
        ("commissions:agenda_item_move", agenda.item.pk, {"direction": "up"}),
        ("commissions:agenda_item_remove", agenda.sub_item.pk, {}),
        ("commissions:agenda_paper_add", agenda.item.pk, {"title": "Planted", "file": upload("p.pdf", PDF)}),
        ("commissions:agenda_paper_remove", agenda.paper.pk, {}),
        ("commissions:agenda_send", agenda.meeting.pk, {"action": "send"}),
    ]


CHESHIRE_EAST_CHANGERS = frozenset({"superuser", "other_secretariat"})
# Cheshire East's planned meeting is read by its own secretariat and the ICS's reviewers only.
CHESHIRE_EAST_VIEWERS = frozenset({"superuser", "reviewer", "other_secretariat"})


@pytest.mark.parametrize("role", ROLES)
def test_posting_every_agenda_form_at_another_commission_s_rows_changes_nothing(agenda_world, role):
    """Cheshire East's agenda, posted at by each role: only its secretariat (and superusers) change it."""
    agenda = agenda_world.agenda.cheshire_east
    client = client_for(agenda_world, role)
    for name, pk, data in posts(agenda):
        before = agenda_state(agenda)
        response = client.post(reverse(name, args=[pk]), data)
        expected = page_status(role, CHESHIRE_EAST_VIEWERS, CHESHIRE_EAST_CHANGERS, ok=302)
        assert response.status_code == expected, (name, role)
        if role not in CHESHIRE_EAST_CHANGERS:
            assert agenda_state(agenda) == before, (name, role)
    # St Helens' agenda is untouched whoever posted.
    if role not in ("superuser", "secretariat"):
        assert agenda_state(agenda_world.agenda.st_helens)[1][0][3] == "Welcome and apologies"


@pytest.mark.parametrize("role", sorted(CHESHIRE_EAST_CHANGERS))
def test_cheshire_east_s_secretariat_changes_its_own_agenda(agenda_world, role):
    agenda = agenda_world.agenda.cheshire_east
    client = client_for(agenda_world, role)
    before = agenda_state(agenda)
    for name, pk, data in posts(agenda):
        client.post(reverse(name, args=[pk]), data)
        after = agenda_state(agenda)
        assert after != before, name
        before = after


# A locked meeting --------------------------------------------------------------


@pytest.mark.parametrize("status", [Meeting.Status.APPROVED, Meeting.Status.PUBLISHED])
def test_an_approved_meeting_s_agenda_is_not_changed_and_the_page_says_why(agenda_world, status):
    agenda = agenda_world.agenda.st_helens
    Meeting.objects.filter(pk=agenda.meeting.pk).update(status=status)
    client = client_for(agenda_world, "secretariat")
    page = client.get(reverse("commissions:meeting_detail", args=[agenda.meeting.pk])).content.decode()
    assert "can no longer be changed" in page
    assert reverse("commissions:agenda_item_edit", args=[agenda.item.pk]) not in page
    assert "Add an agenda item" not in page and "Send the agenda" not in page
    for name, pk, data in posts(agenda):
        before = agenda_state(agenda)
        response = client.post(reverse(name, args=[pk]), data, follow=True)
        assert response.status_code == 200, name
        assert "can no longer be changed" in response.content.decode(), name
        assert agenda_state(agenda) == before, name
    # Every door: the services and the tenant rule refuse too, superusers included.
    with pytest.raises(AgendaLocked):
        agenda_services.add_item(agenda_world.users.superuser, agenda.meeting, title="Late")
    for model in (AgendaItem, AgendaPaper):
        assert not access.restrict(
            model.objects.filter(pk=agenda.paper.pk if model is AgendaPaper else agenda.item.pk),
            agenda_world.users.superuser,
            access.CHANGE,
        ).exists()
    # The papers are still read.
    download = client.get(reverse("commissions:agenda_paper_download", args=[agenda.paper.pk]))
    assert download.status_code == 200


# Sending ---------------------------------------------------------------------


def test_sending_and_withdrawing_the_agenda(agenda_world):
    agenda = agenda_world.agenda.st_helens
    client = client_for(agenda_world, "secretariat")
    url = reverse("commissions:agenda_send", args=[agenda.meeting.pk])
    client.post(url, {"action": "send"})
    agenda.meeting.refresh_from_db()
    assert agenda.meeting.agenda_published_at is not None
    assert agenda.meeting.history.first().history_user == agenda_world.users.secretariat
    page = client.get(reverse("commissions:meeting_detail", args=[agenda.meeting.pk])).content.decode()
    assert "were sent on" in page and "Withdraw the agenda" in page
    client.post(url, {"action": "withdraw"})
    agenda.meeting.refresh_from_db()
    assert agenda.meeting.agenda_published_at is None
    client.post(url, {"action": "send"})
    Meeting.objects.filter(pk=agenda.meeting.pk).update(status=Meeting.Status.DRAFT)
    response = client.post(url, {"action": "withdraw"}, follow=True)
    assert "stays on record" in response.content.decode()
    agenda.meeting.refresh_from_db()
    assert agenda.meeting.agenda_published_at is not None


def test_an_empty_agenda_is_not_sent(world, meeting):
    response = client_for(world, "secretariat").post(
        reverse("commissions:agenda_send", args=[meeting.pk]), {"action": "send"}, follow=True
    )
    assert "Add the agenda&#x27;s items before sending it" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.agenda_published_at is None


# Two people at once ------------------------------------------------------------


def test_others_see_nothing_of_an_agenda_until_its_meeting_is_published(world, meeting, places):
    """St Helens' secretariat writes and sends its agenda; Cheshire East's and a St Helens lead read along."""
    lead = world.users.lead.__class__.objects.create_user(username="lead-st-helens", is_staff=True)
    Membership.objects.create(user=lead, role=Role.BOROUGH_LEAD, place=places["st-helens"])
    world.users.st_helens_lead = lead
    writer = client_for(world, "secretariat")
    readers = {role: client_for(world, role) for role in ("other_secretariat", "st_helens_lead", "anonymous")}
    page = reverse("commissions:meeting_detail", args=[meeting.pk])
    printable = reverse("commissions:meeting_agenda_print", args=[meeting.pk])
    pack = reverse("papers:agenda_pack", args=[meeting.pk, "docx"])

    def readers_see(expected, *urls):
        for role, client in readers.items():
            for url in urls:
                status = client.get(url).status_code
                assert status == (302 if role == "anonymous" else expected), (role, url)

    readers_see(404, page, printable, pack)
    writer.post(reverse("commissions:agenda_item_add", args=[meeting.pk]), {"title": "Youth aspirations"})
    item = AgendaItem.objects.get(meeting=meeting)
    writer.post(
        reverse("commissions:agenda_paper_add", args=[item.pk]),
        {"title": "Youth aspirations report", "file": upload("youth.pdf", PDF)},
    )
    paper = AgendaPaper.objects.get(item=item)
    download = reverse("commissions:agenda_paper_download", args=[paper.pk])
    assert "Youth aspirations report" in writer.get(page).content.decode()
    readers_see(404, page, printable, pack, download)
    writer.post(reverse("commissions:agenda_send", args=[meeting.pk]), {"action": "send"})
    assert "were sent on" in writer.get(page).content.decode()
    # Sent is not published: inside the application, the tenant rule still keeps the meeting its own.
    readers_see(404, page, printable, pack, download)
    # Nor can they act on it, whatever they post.
    readers["other_secretariat"].post(reverse("commissions:agenda_item_edit", args=[item.pk]), {"title": "Taken"})
    item.refresh_from_db()
    assert item.title == "Youth aspirations"
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    readers_see(200, page, printable, pack, download)
    for role in ("other_secretariat", "st_helens_lead"):
        text = readers[role].get(page).content.decode()
        assert "Youth aspirations report" in text
        assert reverse("commissions:agenda_item_edit", args=[item.pk]) not in text


# The meeting page, the printable agenda and the pack --------------------------


def test_the_meeting_page_answers_in_as_many_queries_however_long_the_agenda(world, meeting):
    user = world.users.secretariat
    client = client_for(world, "secretariat")
    url = reverse("commissions:meeting_detail", args=[meeting.pk])

    def grow(count):
        for n in range(count):
            item = agenda_services.add_item(user, meeting, title=f"Item {n}", presenter="Chair")
            agenda_services.add_item(user, meeting, title=f"Sub-item {n}", parent=item)
            for p in range(2):
                agenda_services.add_paper(user, item, title=f"Paper {p}", uploaded=upload(f"{p}.pdf", PDF))

    def queries():
        client.get(url)  # sessions and the like, once
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow(1)
    few = queries()
    grow(15)
    assert queries() == few


def test_the_printable_agenda_lists_items_presenters_and_papers(agenda_world):
    agenda = agenda_world.agenda.st_helens
    page = client_for(agenda_world, "secretariat").get(
        reverse("commissions:meeting_agenda_print", args=[agenda.meeting.pk])
    )
    text = page.content.decode()
    assert "atf/agenda-print.css" in text and "style=" not in text
    assert "Welcome and apologies" in text and "Presented by Chair" in text
    assert "1.1.</span> Youth aspirations" in text and "item--sub" in text
    assert "Paper: <a" in text and "report.pdf" in text
    assert (
        reverse("commissions:meeting_agenda_print", args=[agenda.meeting.pk])
        in client_for(agenda_world, "secretariat")
        .get(reverse("commissions:meeting_detail", args=[agenda.meeting.pk]))
        .content.decode()
    )


def test_the_agenda_pack_carries_nesting_presenters_and_papers(agenda_world):
    from docx import Document

    from papers import meetings, word

    agenda = agenda_world.agenda.st_helens
    document = Document(
        io.BytesIO(word.write_docx(meetings.agenda_pack(agenda_world.users.secretariat, agenda.meeting)))
    )
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Item")
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Item", "Title", "Presented by", "Papers"]
    assert rows[1][:3] == ["1", "Welcome and apologies", "Chair"] and rows[1][3].startswith("Report (PDF, ")
    assert rows[2][0] == "1.1" and rows[2][1].strip() == "Youth aspirations"
