"""A commission's public pages: what a person who is not signed in reads, and all they never read.

Every row of a meeting that is not published (and of a commission whose page is off) carries a marker
starting ``LEAK``; no public page, paper or 404 may ever hold one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atf.tests.test_permission_matrix import ROLES, all_url_names, client_for
from commissions import public
from commissions.models import (
    Action,
    AgendaItem,
    AgendaPaper,
    Amendment,
    Attendance,
    Decision,
    Meeting,
    Member,
    WorkshopQuestion,
)
from opendata import publishing

EVERYONE = frozenset(ROLES)
# url name -> (args builder, who sees it, who may use it). Public pages answer every role alike: 404 until the
# commission's page is on (and for what is not public), the same page for everyone once it is.
PUBLIC_PAGES = {
    "public:commission_list": (lambda w: [], EVERYONE, EVERYONE),
    "public:commission_detail": (lambda w: [w.commissions.st_helens.slug], EVERYONE, EVERYONE),
    "public:meeting_detail": (lambda w: [w.commissions.st_helens.slug, w.public.published.pk], EVERYONE, EVERYONE),
    "public:paper_download": (lambda w: [w.commissions.st_helens.slug, w.public.paper.pk], EVERYONE, EVERYONE),
}
PDF = b"%PDF-1.4\n% a published paper\n"


def store_paper(item, title, *, content=PDF, suffix=".pdf", content_type="application/pdf", stored_name=None):
    directory = Path(settings.MEDIA_ROOT) / public.PAPERS_DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = stored_name or f"{secrets.token_urlsafe(24)}{suffix}"
    if "/" not in stored_name:
        (directory / stored_name).write_bytes(content)
    return AgendaPaper.objects.create(
        item=item,
        title=title,
        original_name=f"{title}{suffix}",
        stored_name=stored_name,
        content_type=content_type,
        size=len(content),
    )


def minutes(commission, status, tag, *, days_ago, agenda_sent=False):
    """A meeting with one of everything, each row's text carrying ``tag``."""
    now = timezone.now()
    meeting = Meeting.objects.create(
        commission=commission,
        starts_at=now - timedelta(days=days_ago),
        status=status,
        title=f"{tag} meeting",
        location=f"{tag} Teams link",
        agenda_published_at=now - timedelta(days=days_ago + 7) if agenda_sent else None,
        published_at=now if status == Meeting.Status.PUBLISHED else None,
    )
    item = AgendaItem.objects.create(meeting=meeting, number="1", position=1, title=f"{tag} item", presenter="DPH")
    sub_item = AgendaItem.objects.create(meeting=meeting, parent=item, number="1.1", position=2, title=f"{tag} sub")
    paragraph = sub_item.paragraphs.create(number="1.1.1", text=f"{tag} paragraph")
    amendment = Amendment.objects.create(
        paragraph=paragraph, previous_text="before", text=paragraph.text, reason=f"{tag} amendment reason"
    )
    action = Action.objects.create(
        commission=commission,
        meeting=meeting,
        paragraph=paragraph,
        reference="1.1.1",
        description=f"{tag} action",
        owner=f"{tag} owner",
        due=timezone.localdate() + timedelta(days=30),
    )
    return SimpleNamespace(
        meeting=meeting,
        item=item,
        sub_item=sub_item,
        paragraph=paragraph,
        amendment=amendment,
        action=action,
        done=Action.objects.create(
            commission=commission, meeting=meeting, description=f"{tag} done action", owner="x", status="done"
        ),
        attendance=Attendance.objects.create(meeting=meeting, name_or_position=f"{tag} attendee"),
        decision=Decision.objects.create(meeting=meeting, item=item, text=f"{tag} decision", outcome="agreed"),
        question=WorkshopQuestion.objects.create(
            meeting=meeting,
            number=1,
            question=f"{tag} question",
            key_points=f"{tag} key points",
            contributions=f"LEAK {tag} contribution",
        ),
        paper=store_paper(item, f"{tag} paper"),
    )


@pytest.fixture
def public_world(world):
    """St Helens' commission with meetings at every stage, and Cheshire East's with published minutes.

    Only ``published`` (minutes) and the agendas of ``sent`` and ``draft_sent`` are public once St Helens' page is
    on; everything else is marked ``LEAK``.
    """
    st_helens, cheshire_east = world.commissions.st_helens, world.commissions.cheshire_east
    st_helens.remit = "Reduce inequalities between and within wards in St Helens."
    st_helens.reports_to = "St Helens Health and Wellbeing Board"
    st_helens.meeting_pattern = "Six meetings a year"
    st_helens.save()
    today = timezone.localdate()
    Member.objects.create(
        commission=st_helens, position="independent_chair", role_title="Independent Chair", person_name="Ms Chair"
    )
    Member.objects.create(commission=st_helens, role_title="Director of Public Health", organisation="St Helens")
    Member.objects.create(commission=st_helens, role_title="LEAK former seat", ends=today - timedelta(days=1))
    Member.objects.create(commission=cheshire_east, role_title="LEAK Cheshire East seat")
    published = minutes(st_helens, Meeting.Status.PUBLISHED, "Published", days_ago=60, agenda_sent=True)
    published.item.paragraphs.create(number="1.0", text="<script>alert('x')</script> hostile published text")
    hidden = SimpleNamespace(
        draft=minutes(st_helens, Meeting.Status.DRAFT, "LEAK draft", days_ago=30),
        circulated=minutes(st_helens, Meeting.Status.CIRCULATED, "LEAK circulated", days_ago=20),
        approved=minutes(st_helens, Meeting.Status.APPROVED, "LEAK approved", days_ago=10),
        planned=minutes(st_helens, Meeting.Status.PLANNED, "LEAK planned", days_ago=-10),
        other=minutes(cheshire_east, Meeting.Status.PUBLISHED, "LEAK Cheshire East", days_ago=40, agenda_sent=True),
    )
    # A planned meeting whose agenda is sent: its items and papers are public, nothing else of it.
    sent = minutes(st_helens, Meeting.Status.PLANNED, "Sent", days_ago=-20, agenda_sent=True)
    # Draft minutes of a meeting whose agenda was sent: the agenda public, the minutes not.
    draft_sent = minutes(st_helens, Meeting.Status.DRAFT, "Agenda", days_ago=5, agenda_sent=True)
    for rows in (sent, draft_sent):
        for row in (rows.paragraph, rows.amendment, rows.action, rows.done, rows.attendance, rows.decision):
            type(row).objects.filter(pk=row.pk).update(
                **{
                    {Amendment: "reason", Action: "description", Attendance: "name_or_position"}.get(
                        type(row), "text"
                    ): f"LEAK {type(row).__name__} of an unpublished meeting"
                }
            )
        WorkshopQuestion.objects.filter(pk=rows.question.pk).update(question="LEAK question", key_points="LEAK")
    # A paper of published minutes whose agenda was never sent: not public.
    unsent_paper_meeting = minutes(st_helens, Meeting.Status.PUBLISHED, "Unsent", days_ago=90)
    AgendaPaper.objects.filter(pk=unsent_paper_meeting.paper.pk).update(title="LEAK unsent paper")
    world.public = SimpleNamespace(
        published=published.meeting,
        rows=published,
        paper=published.paper,
        sent=sent,
        draft_sent=draft_sent,
        unsent_paper=unsent_paper_meeting.paper,
        unsent_published=unsent_paper_meeting.meeting,
        hidden=hidden,
    )
    return world


def turn_on(world, commission=None):
    publishing.publish(world.users.secretariat, commission or world.commissions.st_helens)


def url(name, *args):
    return reverse(f"public:{name}", args=args)


def public_urls(world):
    """Every public address of St Helens' (and Cheshire East's) rows, public or not."""
    st_helens, cheshire_east = world.commissions.st_helens.slug, world.commissions.cheshire_east.slug
    p = world.public
    meetings = [p.published, p.sent.meeting, p.draft_sent.meeting, p.unsent_published]
    meetings += [rows.meeting for rows in vars(p.hidden).values()]
    papers = AgendaPaper.objects.all()
    return (
        [url("commission_list"), url("commission_detail", st_helens), url("commission_detail", cheshire_east)]
        + [url("meeting_detail", st_helens, m.pk) for m in meetings]
        + [url("meeting_detail", cheshire_east, m.pk) for m in meetings]
        + [url("paper_download", st_helens, paper.pk) for paper in papers]
        + [url("paper_download", cheshire_east, paper.pk) for paper in papers]
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_public_url_name_is_a_row():
    assert {name for name in all_url_names() if name.startswith("public:")} == set(PUBLIC_PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_same_public_pages_only_while_the_switch_is_on(public_world, role):
    client = client_for(public_world, role)
    pages = {name: reverse(name, args=args(public_world)) for name, (args, _, _) in PUBLIC_PAGES.items()}
    for name, address in pages.items():
        expected = 200 if name == "public:commission_list" else 404
        assert client.get(address).status_code == expected, name
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    for name, address in pages.items():
        response = client.get(address)
        assert response.status_code == 200, name
        # Rendered without the request: the same bytes whoever asks.
        assert body(response) == body(anonymous.get(address)), name
        assert client.post(address).status_code == 405
    publishing.withdraw(public_world.users.secretariat, public_world.commissions.st_helens)
    for name, address in pages.items():
        assert client.get(address).status_code == (200 if name == "public:commission_list" else 404), name


def test_a_person_not_signed_in_reads_the_published_minutes(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    st_helens = public_world.commissions.st_helens
    listing = anonymous.get(url("commission_list")).content.decode()
    assert st_helens.name in listing and "Cheshire East" not in listing
    page = anonymous.get(url("commission_detail", st_helens.slug)).content.decode()
    for shown in (
        "Reduce inequalities between and within wards",
        "St Helens Health and Wellbeing Board",
        "Six meetings a year",
        "Independent chair",
        "Independent Chair",
        "(Ms Chair)",
        "Director of Public Health, St Helens",
        "Published meeting",
        "Sent meeting",
        "Agenda meeting",
        "Published decision",
        "Agreed",
        "Published action",
        "Published owner",
    ):
        assert shown in page, shown
    assert "Published done action" not in page  # done: not open
    meeting = anonymous.get(url("meeting_detail", st_helens.slug, public_world.public.published.pk)).content.decode()
    rows = public_world.public.rows
    for shown in (
        "Published attendee",
        "1. Published item",
        "Presented by DPH",
        "1.1 Published sub",
        "Published paragraph",
        f"Amended on {timezone.localtime(rows.amendment.made_at):%-d %B %Y}: Published amendment reason",
        "Published decision",
        "Published question",
        "Published key points",
        "Published action",
        "Published done action",  # the minutes' actions arising, whatever became of them
        "Download Published paper",
        "&lt;script&gt;",
    ):
        assert shown in meeting, shown
    assert "<script>alert" not in meeting
    assert "Teams link" not in meeting  # a meeting's location may be a link to join: never public


def test_a_sent_agenda_is_public_and_its_meeting_s_draft_minutes_are_not(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    slug = public_world.commissions.st_helens.slug
    for rows, title in ((public_world.public.sent, "Sent"), (public_world.public.draft_sent, "Agenda")):
        page = anonymous.get(url("meeting_detail", slug, rows.meeting.pk)).content.decode()
        assert f"{title} item" in page and f"{title} sub" in page and f"Download {title} paper" in page
        assert "Agenda sent" in page and "Not published yet" in page
        assert "LEAK" not in page
        assert body(anonymous.get(url("paper_download", slug, rows.paper.pk))) == PDF


def test_nothing_unpublished_is_ever_on_a_public_page(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    not_found = anonymous.get(url("meeting_detail", public_world.commissions.st_helens.slug, 999999))
    assert not_found.status_code == 404
    answered = 0
    for address in public_urls(public_world):
        response = anonymous.get(address)
        assert response.status_code in (200, 404), address
        assert b"LEAK" not in body(response), address
        if response.status_code == 404:
            # The same answer whether it exists or not.
            assert body(response) == not_found.content, address
        answered += response.status_code == 200
    # The list, St Helens' page, four meetings (two with published minutes, two with only a sent agenda) and the
    # papers of the three sent agendas.
    assert answered == 9


@pytest.mark.parametrize("stage", ["draft", "circulated", "approved", "planned", "other"])
def test_unpublished_meetings_and_other_commissions_meetings_are_404(public_world, stage):
    turn_on(public_world)
    rows = getattr(public_world.public.hidden, stage)
    anonymous = client_for(public_world, "anonymous")
    for commission in (public_world.commissions.st_helens, public_world.commissions.cheshire_east):
        assert anonymous.get(url("meeting_detail", commission.slug, rows.meeting.pk)).status_code == 404
        assert anonymous.get(url("paper_download", commission.slug, rows.paper.pk)).status_code == 404


def test_another_commission_s_page_stays_off_until_its_own_switch_is_on(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    cheshire_east = public_world.commissions.cheshire_east
    other = public_world.public.hidden.other
    assert anonymous.get(url("commission_detail", cheshire_east.slug)).status_code == 404
    publishing.publish(public_world.users.other_secretariat, cheshire_east)
    page = anonymous.get(url("commission_detail", cheshire_east.slug)).content.decode()
    assert "LEAK Cheshire East meeting" in page
    assert anonymous.get(url("meeting_detail", cheshire_east.slug, other.meeting.pk)).status_code == 200
    # Never under the other commission's address, and never on St Helens' page.
    st_helens = public_world.commissions.st_helens.slug
    assert anonymous.get(url("meeting_detail", st_helens, other.meeting.pk)).status_code == 404
    assert b"Cheshire East" not in anonymous.get(url("commission_detail", st_helens)).content


def test_the_minutes_taken_back_and_the_page_withdrawn_come_off_at_once(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    slug, published = public_world.commissions.st_helens.slug, public_world.public.published
    response = anonymous.get(url("meeting_detail", slug, published.pk))
    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    Meeting.objects.filter(pk=published.pk).update(status=Meeting.Status.APPROVED)
    # Its agenda was sent, so the agenda and its paper stay public; nothing of the minutes does.
    page = anonymous.get(url("meeting_detail", slug, published.pk)).content.decode()
    assert "1. Published item" in page and "Not published yet" in page
    for gone in ("Published paragraph", "Published attendee", "Published decision", "Published action", "Amended"):
        assert gone not in page
        assert gone not in anonymous.get(url("commission_detail", slug)).content.decode()
    assert anonymous.get(url("paper_download", slug, public_world.public.paper.pk)).status_code == 200
    # Minutes published of a meeting whose agenda was never sent: 404 once taken back.
    unsent = public_world.public.unsent_published
    assert anonymous.get(url("meeting_detail", slug, unsent.pk)).status_code == 200
    Meeting.objects.filter(pk=unsent.pk).update(status=Meeting.Status.DRAFT)
    assert anonymous.get(url("meeting_detail", slug, unsent.pk)).status_code == 404
    publishing.withdraw(public_world.users.secretariat, public_world.commissions.st_helens)
    for address in (url("commission_detail", slug), url("paper_download", slug, public_world.public.paper.pk)):
        response = anonymous.get(address)
        assert response.status_code == 404 and response["Cache-Control"] == "no-cache"


def test_a_paper_is_served_as_an_attachment_of_a_known_type_from_the_papers_folder_only(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    slug, item = public_world.commissions.st_helens.slug, public_world.public.rows.item
    response = anonymous.get(url("paper_download", slug, public_world.public.paper.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Published paper.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # The browser's content type is never served: the type follows the ending the server stored it under.
    lying = store_paper(item, "Lying", content=b"<html>x</html>", suffix=".txt", content_type="text/html")
    response = anonymous.get(url("paper_download", slug, lying.pk))
    assert response["Content-Type"] == "text/plain" and response["Content-Disposition"].startswith("attachment;")
    outside = Path(settings.MEDIA_ROOT) / "secret.pdf"
    outside.write_bytes(b"%PDF- LEAK outside")
    refused = [
        store_paper(item, "Page", suffix=".html", content=b"<script>"),
        store_paper(item, "Escape", stored_name="../secret.pdf"),
        store_paper(item, "Absolute", stored_name=str(outside)),
        AgendaPaper.objects.create(
            item=item, title="Gone", original_name="gone.pdf", stored_name="A" * 20 + ".pdf", content_type="x", size=1
        ),
    ]
    for paper in refused:
        response = anonymous.get(url("paper_download", slug, paper.pk))
        assert response.status_code == 404 and b"LEAK" not in response.content


def test_public_pages_carry_no_signed_in_header_or_form_token_and_start_no_session(public_world):
    turn_on(public_world)
    secretariat, anonymous = client_for(public_world, "secretariat"), client_for(public_world, "anonymous")
    slug = public_world.commissions.st_helens.slug
    for address in (url("commission_list"), url("commission_detail", slug), url("meeting_detail", slug, 999999)):
        response = secretariat.get(address)
        page = response.content.decode()
        assert "secretariat-st-helens" not in page and "Sign out" not in page and "csrfmiddlewaretoken" not in page
        # Kept by no cache without asking again: what a withdrawal takes off is gone at once.
        assert response["Cache-Control"] == "no-cache"
        assert not anonymous.get(address).cookies


def _grow(world, meetings):
    st_helens = world.commissions.st_helens
    for n in range(meetings):
        rows = minutes(st_helens, Meeting.Status.PUBLISHED, f"More {n}", days_ago=100 + n, agenda_sent=True)
        for k in range(5):
            paragraph = rows.sub_item.paragraphs.create(number=f"1.1.{k + 2}", text=f"More paragraph {k}")
            Amendment.objects.create(paragraph=paragraph, previous_text="a", text="b", reason="Typo")
            Attendance.objects.create(meeting=rows.meeting, name_or_position=f"Attendee {k}")
            Decision.objects.create(meeting=rows.meeting, number=k + 2, text=f"More decision {k}")
            store_paper(rows.sub_item, f"More paper {k}")
            AgendaItem.objects.create(meeting=rows.meeting, parent=rows.item, number=f"1.{k + 2}", title="Sub")


def test_each_public_page_costs_the_same_queries_for_many_more_meetings_and_paragraphs(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    slug, published = public_world.commissions.st_helens.slug, public_world.public.published
    pages = [url("commission_list"), url("commission_detail", slug), url("meeting_detail", slug, published.pk)]
    counts = []
    for address in pages:
        with CaptureQueriesContext(connection) as queries:
            assert anonymous.get(address).status_code == 200
        counts.append(len(queries))
    _grow(public_world, 12)
    biggest = Meeting.objects.filter(title="More 0 meeting").get()
    pages[2] = url("meeting_detail", slug, biggest.pk)
    for address, count in zip(pages, counts, strict=True):
        with CaptureQueriesContext(connection) as queries:
            response = anonymous.get(address)
        assert response.status_code == 200
        assert len(queries) <= count, (address, [q["sql"] for q in queries.captured_queries])
    assert b"More paragraph 4" in response.content and b"More paper 4" in response.content


def test_long_lists_are_capped(public_world, monkeypatch):
    monkeypatch.setattr(public, "LISTED", 2)
    turn_on(public_world)
    page = client_for(public_world, "anonymous").get(url("commission_detail", public_world.commissions.st_helens.slug))
    assert b"The latest 2 meetings are shown." in page.content


def test_the_switch_says_it_puts_up_the_public_page_and_the_commission_page_links_to_it(public_world):
    st_helens = public_world.commissions.st_helens
    detail = reverse("commissions:commission_detail", args=[st_helens.slug])
    secretariat, viewer = client_for(public_world, "secretariat"), client_for(public_world, "viewer")
    page = secretariat.get(detail).content.decode()
    address = f"http://testserver{url('commission_detail', st_helens.slug)}"
    assert "public page goes up" in page and f"Its public page will be at {address}" in page
    assert "Publish on the open-data page and the public commission page" in page
    assert "read St Helens Inequalities Commission&#x27;s public page" not in viewer.get(detail).content.decode()
    response = secretariat.post(reverse("opendata:commission_switch", args=[st_helens.slug]), {"action": "publish"})
    assert response.status_code == 302 and public.is_public(st_helens)
    page = secretariat.get(detail).content.decode()
    assert f'Its public page: <a href="{url("commission_detail", st_helens.slug)}">{address}</a>' in page
    for client in (secretariat, viewer):
        assert f'href="{url("commission_detail", st_helens.slug)}"' in client.get(detail).content.decode()
    index = client_for(public_world, "anonymous").get(reverse("opendata:index")).content.decode()
    assert f'href="{url("commission_detail", st_helens.slug)}"' in index
    assert f'href="{url("commission_list")}"' in index
    response = secretariat.post(reverse("opendata:commission_switch", args=[st_helens.slug]), {"action": "withdraw"})
    assert not public.is_public(st_helens)
    assert f'href="{url("commission_detail", st_helens.slug)}"' not in viewer.get(detail).content.decode()


def test_is_public_follows_the_one_switch(public_world):
    st_helens = public_world.commissions.st_helens
    assert not public.is_public(st_helens)
    turn_on(public_world)
    assert public.is_public(st_helens) and not public.is_public(public_world.commissions.cheshire_east)
    assert public.commission(st_helens.slug) == st_helens
    publishing.withdraw(public_world.users.reviewer, st_helens)
    assert not public.is_public(st_helens) and public.commission(st_helens.slug) is None
    # Rows of a commission that is not public are not public, whoever asks for them.
    assert not public.paragraphs(st_helens).exists() and not public.actions(st_helens).exists()


def test_roles_interleaved_each_reads_exactly_the_published_parts_after_every_step(public_world):
    """secretariat-st-helens works; anonymous, secretariat-cheshire-east and a lead read after every step."""
    st_helens = public_world.commissions.st_helens
    secretariat = client_for(public_world, "secretariat")
    readers = {role: client_for(public_world, role) for role in ("anonymous", "other_secretariat", "lead")}
    new = Meeting.objects.create(
        commission=st_helens, starts_at=timezone.now() - timedelta(days=3), status="draft", title="Step meeting"
    )
    item = AgendaItem.objects.create(meeting=new, number="7", title="Step item")
    paragraph = item.paragraphs.create(number="7.1", text="Step paragraph")
    Decision.objects.create(meeting=new, item=item, text="Step decision", outcome="agreed")
    commission_page, meeting_page = (
        url("commission_detail", st_helens.slug),
        url("meeting_detail", st_helens.slug, new.pk),
    )

    def read(expect_commission, expect_meeting, shown=(), hidden=()):
        for role, client in readers.items():
            pages = {}
            for address, expected in ((commission_page, expect_commission), (meeting_page, expect_meeting)):
                response = client.get(address)
                assert response.status_code == expected, (role, address)
                pages[address] = response.content.decode()
            text = "".join(pages.values())
            for words in shown:
                assert words in text, (role, words)
            for words in (*hidden, "LEAK"):
                assert words not in text, (role, words)
            # Signed in, secretariat-cheshire-east still reads nothing of St Helens' drafts.
            if role == "other_secretariat":
                inside = client.get(reverse("commissions:meeting_detail", args=[new.pk]))
                assert inside.status_code == (200 if new.status == "published" else 404)

    read(404, 404)
    # 1. The secretariat turns the page on: the commission's published minutes, not the new draft.
    response = secretariat.post(reverse("opendata:commission_switch", args=[st_helens.slug]), {"action": "publish"})
    assert response.status_code == 302
    read(200, 404, shown=("Published decision", "Ms Chair"), hidden=("Step",))
    # 2. It writes more of the draft: still nothing of it is public.
    paragraph.text = "Step paragraph, second draft"
    paragraph.save()
    read(200, 404, hidden=("Step",))
    # 3. It sends the agenda: the items are public, the draft minutes not.
    new.agenda_published_at = timezone.now()
    new.save()
    read(200, 200, shown=("Step meeting", "7. Step item"), hidden=("Step paragraph", "Step decision"))
    # 4. The minutes circulated, then approved: still only the agenda.
    for status in ("circulated", "approved"):
        Meeting.objects.filter(pk=new.pk).update(status=status)
        new.refresh_from_db()
        read(200, 200, shown=("7. Step item",), hidden=("Step paragraph", "Step decision"))
    # 5. Published: the minutes and decision are public, to everyone alike.
    Meeting.objects.filter(pk=new.pk).update(status="published", published_at=timezone.now())
    new.refresh_from_db()
    read(200, 200, shown=("Step paragraph, second draft", "Step decision"))
    # 6. It adds a new draft meeting: nothing of it shows, the published one stays.
    draft = Meeting.objects.create(commission=st_helens, starts_at=timezone.now(), status="draft", title="LEAK next")
    AgendaItem.objects.create(meeting=draft, number="1", title="LEAK next item").paragraphs.create(
        number="1.1", text="LEAK next paragraph"
    )
    read(200, 200, shown=("Step paragraph, second draft",))
    assert client_for(public_world, "anonymous").get(url("meeting_detail", st_helens.slug, draft.pk)).status_code == 404
    # 7. It turns the page off: everything is gone for everyone.
    response = secretariat.post(reverse("opendata:commission_switch", args=[st_helens.slug]), {"action": "withdraw"})
    assert response.status_code == 302
    read(404, 404)


def test_published_minutes_name_the_meeting_that_approved_them_only_where_that_meeting_is_public(public_world):
    turn_on(public_world)
    anonymous = client_for(public_world, "anonymous")
    published, p = public_world.public.published, public_world.public
    page_url = url("meeting_detail", published.commission.slug, published.pk)

    Meeting.objects.filter(pk=published.pk).update(approved_at_meeting=p.sent.meeting, approved_at=timezone.now())
    page = anonymous.get(page_url).content.decode()
    sent_url = url("meeting_detail", published.commission.slug, p.sent.meeting.pk)
    assert f'Approved at <a href="{sent_url}">the meeting of' in page

    # Approved at a meeting with nothing public (its agenda not sent): it is neither linked nor dated.
    hidden = p.hidden.planned.meeting
    Meeting.objects.filter(pk=published.pk).update(approved_at_meeting=hidden)
    page = anonymous.get(page_url).content.decode()
    assert url("meeting_detail", published.commission.slug, hidden.pk) not in page
    assert f"the meeting of {timezone.localtime(hidden.starts_at):%-d %B %Y}" not in page
    assert "Approved on " in page


def test_a_note_on_a_member_s_published_attendance_is_on_the_public_page(public_world):
    turn_on(public_world)
    published = public_world.public.published
    chair = Member.objects.get(commission=published.commission, person_name="Ms Chair")
    Attendance.objects.create(meeting=published, member=chair, name_or_position="joined late", status="present")
    page = client_for(public_world, "anonymous").get(url("meeting_detail", published.commission.slug, published.pk))
    assert "Ms Chair, Independent Chair (joined late)" in page.content.decode()
