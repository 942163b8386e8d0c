"""Minutes approval: the steps from draft to published, the lock on approved minutes, and amendments."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken
from atf.models import Membership, Role
from atf.tests.test_attacks import form_data
from atf.tests.test_permission_matrix import (
    DRAFT_VIEWERS,
    PUBLISHED_VIEWERS,
    ROLES,
    ST_HELENS_CHANGERS,
    client_for,
    matrix_world,  # noqa: F401 (a fixture)
    page_status,
)
from atf.versioning import StaleVersion
from commissions import approval, services
from commissions.minutes import parse_minutes
from commissions.models import Amendment, Decision, Meeting, Member, Paragraph
from notifications.models import Kind, Notification

Status = Meeting.Status
CHESHIRE_EAST_CHANGERS = frozenset({"superuser", "other_secretariat"})


def _st_helens(w):
    return w.minutes.st_helens


def _later(meeting, days=30, **extra):
    return Meeting.objects.create(
        commission=meeting.commission,
        starts_at=meeting.starts_at + timedelta(days=days),
        title=extra.pop("title", f"Meeting {days} days later"),
        **extra,
    )


def _put(meeting, status):
    """Put the meeting where a test starts (as the data would be), without the steps' side effects."""
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    return meeting


# The permission matrix's rows for the approval's pages: name -> (args, who sees it, who may use it), each page
# tried at St Helens' meeting in the status the step starts from (``test_the_pages_answer_each_role``).
APPROVAL_PAGES = {
    "commissions:meeting_circulate": (lambda w: [_st_helens(w).meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:meeting_return_to_draft": (lambda w: [_st_helens(w).meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:meeting_approve": (lambda w: [_st_helens(w).meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:meeting_publish": (lambda w: [_st_helens(w).meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:paragraph_amend": (lambda w: [_st_helens(w).paragraph.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
}
# For each page: the status its step starts from, what it posts, and the status it leaves when allowed.
PAGE_STEPS = {
    "commissions:meeting_circulate": (Status.DRAFT, lambda w: {}, Status.CIRCULATED),
    "commissions:meeting_return_to_draft": (Status.CIRCULATED, lambda w: {}, Status.DRAFT),
    "commissions:meeting_approve": (Status.DRAFT, lambda w: {"approving_meeting": w.next_meeting.pk}, Status.APPROVED),
    "commissions:meeting_publish": (Status.APPROVED, lambda w: {}, Status.PUBLISHED),
    "commissions:paragraph_amend": (
        Status.APPROVED,
        lambda w: {"text": "Paragraph one, corrected", "reason": "A name was wrong"},
        Status.APPROVED,
    ),
}


@pytest.fixture
def approval_world(matrix_world):  # noqa: F811
    w = matrix_world
    w.next_meeting = _later(w.minutes.st_helens.meeting, title="Next St Helens meeting")
    return w


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(APPROVAL_PAGES))
def test_the_pages_answer_each_role(approval_world, name, role):
    w = approval_world
    args, viewers, allowed = APPROVAL_PAGES[name]
    start, data, after = PAGE_STEPS[name]
    meeting = _put(w.minutes.st_helens.meeting, start)
    client = client_for(w, role)
    url = reverse(name, args=args(w))
    if name in ("commissions:meeting_publish", "commissions:paragraph_amend"):  # a page before the write
        assert client.get(url).status_code == page_status(role, viewers, allowed)
    response = client.post(url, data(w))
    assert response.status_code == page_status(role, viewers, allowed, ok=302)
    meeting.refresh_from_db()
    assert meeting.status == (after if role in allowed else start)
    amended = Paragraph.objects.get(pk=w.minutes.st_helens.paragraph.pk).text == "Paragraph one, corrected"
    assert amended == (name == "commissions:paragraph_amend" and role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_every_form_posted_at_another_tenants_rows(approval_world, role):
    """Cheshire East's published minutes, as each role: only its own secretariat (and superusers) amend them, and
    no step moves them (published is the last)."""
    w = approval_world
    theirs = w.minutes.cheshire_east
    client = client_for(w, role)
    later = _later(theirs.meeting)
    for name, data in (
        ("commissions:meeting_circulate", {}),
        ("commissions:meeting_return_to_draft", {}),
        ("commissions:meeting_approve", {"approving_meeting": later.pk}),
        ("commissions:meeting_publish", {}),
    ):
        response = client.post(reverse(name, args=[theirs.meeting.pk]), data)
        assert response.status_code == page_status(role, PUBLISHED_VIEWERS, CHESHIRE_EAST_CHANGERS, ok=302), name
        assert Meeting.objects.get(pk=theirs.meeting.pk).status == Status.PUBLISHED
    assert not later.decisions.exists()
    response = client.post(
        reverse("commissions:paragraph_amend", args=[theirs.paragraph.pk]), {"text": "Rewritten", "reason": "Because"}
    )
    assert response.status_code == page_status(role, PUBLISHED_VIEWERS, CHESHIRE_EAST_CHANGERS, ok=302)
    assert Amendment.objects.filter(paragraph=theirs.paragraph).exists() == (role in CHESHIRE_EAST_CHANGERS)
    # And St Helens' draft, at the hands of Cheshire East's secretariat and the rest: nothing moves.
    if role not in ST_HELENS_CHANGERS:
        mine = w.minutes.st_helens.meeting
        client.post(reverse("commissions:meeting_approve", args=[mine.pk]), {"approving_meeting": w.next_meeting.pk})
        client.post(reverse("commissions:meeting_circulate", args=[mine.pk]))
        assert Meeting.objects.get(pk=mine.pk).status == Status.DRAFT and not w.next_meeting.decisions.exists()


# The state machine ------------------------------------------------------------------------------


def _run(step, user, meeting, approving):
    if step == "approve":
        return approval.approve(user, meeting, approving)
    return getattr(approval, step)(user, meeting)


@pytest.mark.parametrize("start", [s for s, _ in Status.choices])
@pytest.mark.parametrize("step", list(approval.STEPS))
def test_each_step_from_each_status(world, start, step):
    secretariat = world.users.secretariat
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now(), status=start)
    approving = _later(meeting)
    sources, target = approval.STEPS[step]
    if start in sources:
        _run(step, secretariat, meeting, approving)
        meeting.refresh_from_db()
        assert meeting.status == target
        assert meeting.history.first().history_user == secretariat
        stamp = {"circulate": "circulated_at", "approve": "approved_at", "publish": "published_at"}.get(step)
        if stamp:
            assert getattr(meeting, stamp) is not None
    else:
        with pytest.raises(approval.TransitionRefused):
            _run(step, secretariat, meeting, approving)
        meeting.refresh_from_db()
        assert meeting.status == start and meeting.circulated_at is None and meeting.approved_at is None
        assert not approving.decisions.exists()


def test_publishing_straight_from_a_draft_or_circulated_is_refused(world):
    secretariat = client_for(world, "secretariat")
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now(), status="draft")
    for status in (Status.DRAFT, Status.CIRCULATED):
        _put(meeting, status)
        page = secretariat.get(reverse("commissions:meeting_publish", args=[meeting.pk]), follow=True)
        assert "approve them at a later meeting first" in page.content.decode()
        secretariat.post(reverse("commissions:meeting_publish", args=[meeting.pk]))
        assert Meeting.objects.get(pk=meeting.pk).status == status


def test_a_double_click_makes_one_step(world):
    """Two secretariat members (or one double click) send the same page's form twice: one step, one notice each."""
    Member.objects.create(commission=world.commissions.st_helens, role_title="Reviewer", user=world.users.reviewer)
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now(), status="draft")
    version = meeting.version
    first, second = client_for(world, "secretariat"), client_for(world, "superuser")
    url = reverse("commissions:meeting_circulate", args=[meeting.pk])
    assert first.post(url, {"version": version}).status_code == 302
    answer = second.post(url, {"version": version}, follow=True).content.decode()
    assert "Someone else changed this meeting after you opened the page" in answer
    meeting.refresh_from_db()
    assert meeting.status == Status.CIRCULATED
    assert meeting.history.filter(status=Status.CIRCULATED).count() == 1
    assert Notification.objects.filter(recipient=world.users.reviewer, key__endswith=":circulated").count() == 1
    # Approving twice at once: one approval, one decision in the approving meeting.
    approving = _later(meeting)
    url = reverse("commissions:meeting_approve", args=[meeting.pk])
    data = {"version": meeting.version, "approving_meeting": approving.pk}
    first.post(url, data)
    second.post(url, data)
    assert approving.decisions.count() == 1
    # The service itself, given a copy read before the other step: refused, from where the row is now.
    stale = Meeting.objects.get(pk=meeting.pk)
    approval.publish(world.users.secretariat, meeting)
    with pytest.raises(approval.TransitionRefused):
        approval.publish(world.users.secretariat, stale)
    assert Meeting.objects.get(pk=meeting.pk).history.filter(status=Status.PUBLISHED).count() == 1


@pytest.fixture
def reference_data_loaded(transactional_db):
    """The reference data, loaded again where a transactional test run just before has emptied the database."""
    from atf.models import Framework
    from conftest import load_reference_data

    if not Framework.objects.exists():
        load_reference_data()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite runs one write at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_secretariat_members_at_once_make_one_step(reference_data_loaded, world):
    """Two requests in two connections, released together: the row lock lets one step through."""
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now(), status="draft")
    later = _later(meeting)
    start = threading.Barrier(2)
    outcomes = []

    def click(step):
        try:
            start.wait()
            copy = Meeting.objects.get(pk=meeting.pk)  # as each page was opened
            if step == "approve":
                approval.approve(world.users.superuser, copy, later)
            else:
                approval.circulate(world.users.secretariat, copy)
            outcomes.append("moved")
        except approval.TransitionRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    for steps in (("circulate", "circulate"), ("approve", "approve")):
        threads = [threading.Thread(target=click, args=[step]) for step in steps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["moved", "refused"]
        outcomes.clear()
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED and later.decisions.count() == 1
    assert meeting.history.filter(status=Status.CIRCULATED).count() == 1


def test_circulating_tells_the_seat_holders_who_may_read_it(world):
    commission = world.commissions.st_helens
    Member.objects.create(commission=commission, role_title="Reviewer", user=world.users.reviewer)
    Member.objects.create(commission=commission, role_title="Lead", user=world.users.lead)  # may not read drafts
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), status="draft", title="May")
    approval.circulate(world.users.secretariat, meeting)
    told = Notification.objects.filter(recipient=world.users.reviewer, kind=Kind.MINUTES, key__endswith="circulated")
    assert [n.subject for n in told] == [
        "Draft minutes of St Helens Inequalities Commission's meeting are circulated for comment"
    ]
    assert not Notification.objects.filter(recipient=world.users.lead, kind=Kind.MINUTES).exists()
    # Returned to draft after comments and circulated again: told again.
    approval.return_to_draft(world.users.secretariat, meeting)
    approval.circulate(world.users.secretariat, Meeting.objects.get(pk=meeting.pk))
    assert told.filter(key__endswith=":circulated").count() == 2


# Approval at a later meeting ---------------------------------------------------------------------


def test_approval_at_the_next_meeting_is_its_matter_arising_and_decision(world):
    commission = world.commissions.st_helens
    june = Meeting.objects.create(
        commission=commission, starts_at=timezone.now() - timedelta(days=60), status="circulated", title="June"
    )
    september = _later(june, 90, title="September")
    july = _later(june, 30, title="July")
    secretariat = client_for(world, "secretariat")
    page = secretariat.get(reverse("commissions:meeting_detail", args=[june.pk])).content.decode()
    # The next meeting by date is offered first, chosen; only later meetings of the same commission are offered.
    assert f'<option value="{july.pk}" selected>' in page and f'<option value="{september.pk}">' in page
    # July has met; September (30 days from now) has not, and says so.
    assert "July, " in page and "July, " + approval.held_on(july) + " (not held yet)" not in page
    assert f"September, {approval.held_on(september)} (not held yet)</option>" in page
    response = secretariat.post(
        reverse("commissions:meeting_approve", args=[june.pk]), {"approving_meeting": july.pk, "version": june.version}
    )
    assert response.status_code == 302
    june.refresh_from_db()
    assert june.status == Status.APPROVED and june.approved_at_meeting == july and june.approved_at is not None
    when = approval.held_on(june)
    decision = july.decisions.get()
    assert decision.text == f"To approve the minutes of the meeting held on {when} as a correct record"
    assert decision.outcome == Decision.Outcome.AGREED
    july_page = secretariat.get(reverse("commissions:meeting_detail", args=[july.pk])).content.decode()
    matters = july_page.split("<h2>Matters arising</h2>", 1)[1]
    link = reverse("commissions:meeting_detail", args=[june.pk])
    assert f'The minutes of <a href="{link}">the meeting held on {when}</a> were approved' in matters
    assert "as a correct record" in matters and decision.text in july_page
    june_page = secretariat.get(link).content.decode()
    assert "Approved as a correct record at" in june_page
    assert reverse("commissions:meeting_detail", args=[july.pk]) in june_page


def test_approval_at_an_earlier_or_another_commissions_meeting_is_refused(world):
    commission = world.commissions.st_helens
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), status="draft")
    earlier = _later(meeting, -30)
    theirs = Meeting.objects.create(
        commission=world.commissions.cheshire_east, starts_at=meeting.starts_at + timedelta(days=10)
    )
    locked = _later(meeting, 20, status=Status.APPROVED)
    secretariat, client = world.users.secretariat, client_for(world, "secretariat")
    for choice in (earlier, theirs, meeting):
        with pytest.raises(approval.TransitionRefused, match="Choose a later meeting of the same commission"):
            approval.approve(secretariat, meeting, choice)
        client.post(reverse("commissions:meeting_approve", args=[meeting.pk]), {"approving_meeting": choice.pk})
    with pytest.raises(approval.TransitionRefused, match="already approved"):
        approval.approve(secretariat, meeting, locked)
    answer = client.post(
        reverse("commissions:meeting_approve", args=[meeting.pk]), {"approving_meeting": locked.pk}, follow=True
    )
    assert "are already approved, so the approval cannot be recorded in them" in answer.content.decode()
    for nonsense in ("", "not a number", "999999"):
        client.post(reverse("commissions:meeting_approve", args=[meeting.pk]), {"approving_meeting": nonsense})
    meeting.refresh_from_db()
    assert meeting.status == Status.DRAFT and meeting.approved_at_meeting is None
    assert not Decision.objects.exists()
    # With no later meeting the page says what to do instead of offering the step.
    alone = Meeting.objects.create(commission=commission, starts_at=timezone.now() + timedelta(days=400))
    _put(alone, Status.DRAFT)
    page = client.get(reverse("commissions:meeting_detail", args=[alone.pk])).content.decode()
    assert "Add the next meeting" in page and "Record the approval" not in page


# The lock ----------------------------------------------------------------------------------------


@pytest.fixture
def approved(world):
    """St Helens' minutes with one paragraph, approved at the next meeting."""
    commission = world.commissions.st_helens
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), status="draft", title="Old title")
    meeting.title = "Meeting"
    meeting.save()
    item = meeting.items.create(number="1", title="Welcome")
    paragraph = item.paragraphs.create(number="1.1", text="The chair welcomed everyone.")
    paragraph.text = "The chair welcomed members."
    paragraph.save()
    attendance = meeting.attendance.create(name_or_position="Chair")
    approving = _later(meeting)
    approval.approve(world.users.secretariat, meeting, approving)
    meeting.refresh_from_db()
    return SimpleNamespace(
        world=world, meeting=meeting, item=item, paragraph=paragraph, attendance=attendance, approving=approving
    )


def _unchanged(a):
    assert Paragraph.objects.get(pk=a.paragraph.pk).text == "The chair welcomed members."
    assert list(a.item.paragraphs.values_list("number", flat=True)) == ["1.1"]
    assert a.meeting.attendance.count() == 1
    meeting = Meeting.objects.get(pk=a.meeting.pk)
    assert meeting.title == "Meeting" and meeting.is_locked


def test_the_pages_refuse_to_edit_approved_minutes_and_say_why(approved):
    a = approved
    client = client_for(a.world, "secretariat")
    page = client.get(reverse("commissions:meeting_detail", args=[a.meeting.pk])).content.decode()
    assert reverse("commissions:paragraph_delete", args=[a.paragraph.pk]) not in page
    assert reverse("commissions:paragraph_add", args=[a.item.pk]) not in page
    assert reverse("commissions:attendance_add", args=[a.meeting.pk]) not in page
    assert reverse("commissions:paragraph_amend", args=[a.paragraph.pk]) in page
    for url, data in (
        (reverse("commissions:paragraph_add", args=[a.item.pk]), {"text": "Added later"}),
        (reverse("commissions:paragraph_move", args=[a.paragraph.pk]), {"direction": "down"}),
        (reverse("commissions:paragraph_delete", args=[a.paragraph.pk]), {}),
        (reverse("commissions:attendance_add", args=[a.meeting.pk]), {"name_or_position": "DPH", "status": "present"}),
    ):
        answer = client.post(url, data, follow=True)
        assert answer.status_code == 200
        assert "These minutes are approved: correct them with an amendment." in answer.content.decode(), url
    minutes_page = client.get(reverse("commissions:meeting_minutes", args=[a.meeting.pk])).content.decode()
    assert "These minutes are approved: correct them with an amendment." in minutes_page
    assert 'name="text"' not in minutes_page
    client.post(
        reverse("commissions:meeting_minutes", args=[a.meeting.pk]), {"text": "2. More\n2.1 Text", "confirm": "yes"}
    )
    _unchanged(a)
    # Someone who may not change them is refused as before, with no word of the lock.
    assert (
        client_for(a.world, "other_secretariat")
        .post(reverse("commissions:paragraph_delete", args=[a.paragraph.pk]))
        .status_code
        == 404
    )


def test_the_services_refuse_approved_minutes(approved):
    a, user = approved, approved.world.users.secretariat
    parsed = parse_minutes("2. Any other business\n2.1 Nothing more.")
    for write in (
        lambda: services.save_minutes(user, a.meeting, parsed),
        lambda: services.add_paragraph(user, a.item, "Added later"),
        lambda: services.move_paragraph(user, a.paragraph, "down"),
        lambda: services.delete_paragraph(user, a.paragraph),
    ):
        with pytest.raises(services.MinutesLocked):
            write()
    # The one who may not change the meeting is refused before anything is said of its minutes.
    with pytest.raises(services.PermissionDenied):
        services.save_minutes(
            a.world.users.other_secretariat,
            Meeting.objects.create(commission=a.world.commissions.st_helens, status="draft"),
            parsed,
        )
    _unchanged(a)


@pytest.mark.parametrize("role", ["superuser", "secretariat"])
def test_the_admin_and_its_history_revert_refuse_approved_minutes(approved, role):
    a = approved
    user = getattr(a.world.users, role)
    client = client_for(a.world, role)
    paragraph_admin = admin.site._registry[Paragraph]
    data, _ = form_data(paragraph_admin, user, a.paragraph)
    change = reverse("admin:commissions_paragraph_change", args=[a.paragraph.pk])
    assert b'name="_save"' not in client.get(change).content  # read-only
    assert client.post(change, {**data, "text": "Rewritten"}).status_code == 403
    first = a.paragraph.history.order_by("history_id").first()
    revert = reverse("admin:commissions_paragraph_simple_history", args=[a.paragraph.pk, first.history_id])
    assert client.post(revert, {**data, "text": first.text, "_save": "Save"}).status_code == 403
    delete = reverse("admin:commissions_paragraph_delete", args=[a.paragraph.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    # The meeting: its details read-only, its status kept, its past versions not restored over the approval.
    meeting_admin = admin.site._registry[Meeting]
    data, form = form_data(meeting_admin, user, a.meeting)
    assert "status" not in form.fields and "title" not in form.fields
    client.post(reverse("admin:commissions_meeting_change", args=[a.meeting.pk]), {**data, "title": "Renamed"})
    for past in a.meeting.history.all():
        url = reverse("admin:commissions_meeting_simple_history", args=[a.meeting.pk, past.history_id])
        reverted, _ = form_data(meeting_admin, user, past.instance)  # the past version's form, as the page has it
        answer = client.post(url, {**reverted, "version": data["version"], "_save": "Save"}, follow=True)
        if past.title == "Old title":  # a past version with other details: refused, saying why
            assert "the meeting&#x27;s details are part of the record" in answer.content.decode()
    assert (
        client.post(reverse("admin:commissions_meeting_delete", args=[a.meeting.pk]), {"post": "yes"}).status_code
        == 403
    )
    _unchanged(a)
    assert Meeting.objects.get(pk=a.meeting.pk).status == Status.APPROVED


def test_a_history_revert_of_an_open_meeting_keeps_its_approval_record(world):
    """A revert restores a past title, never a past status: the steps alone move it."""
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now(), title="First")
    _put(meeting, Status.DRAFT)
    meeting.title = "Second"
    meeting.save()
    approval.circulate(world.users.secretariat, meeting)
    first = meeting.history.order_by("history_id").first()
    client = client_for(world, "secretariat")
    data, _ = form_data(admin.site._registry[Meeting], world.users.secretariat, Meeting.objects.get(pk=meeting.pk))
    url = reverse("admin:commissions_meeting_simple_history", args=[meeting.pk, first.history_id])
    assert client.post(url, {**data, "title": "First", "_save": "Save"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "First" and meeting.status == Status.CIRCULATED and meeting.circulated_at is not None


def test_the_meeting_form_has_no_status(world):
    page = client_for(world, "secretariat").get(
        reverse("commissions:meeting_add", args=[world.commissions.st_helens.slug])
    )
    assert 'name="status"' not in page.content.decode()


@pytest.mark.parametrize("when", ["21/04/1900 10:00", "01/01/2207 10:00"])
def test_a_meeting_dated_far_outside_the_commission_s_years_is_refused_beside_its_field(world, when):
    before = Meeting.objects.count()
    response = client_for(world, "secretariat").post(
        reverse("commissions:meeting_add", args=[world.commissions.st_helens.slug]),
        {"kind": "regular", "title": "Typo", "starts_at": when, "location": ""},
    )
    assert response.status_code == 200 and Meeting.objects.count() == before
    assert response.context["form"].errors["starts_at"] == ["Enter a date between 1990 and 2099, like 31/01/2027"]


# Amendments --------------------------------------------------------------------------------------


def test_an_amendment_is_shown_with_who_when_and_why_and_keeps_the_text_before(approved):
    a = approved
    a.world.users.secretariat.first_name, a.world.users.secretariat.last_name = "Sam", "Jones"
    a.world.users.secretariat.save()
    client = client_for(a.world, "secretariat")
    url = reverse("commissions:paragraph_amend", args=[a.paragraph.pk])
    form = client.get(url).content.decode()
    assert "The chair welcomed members." in form
    response = client.post(
        url, {"text": "The chair welcomed members and guests.", "reason": "Guests left out", "version": 2}
    )
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.previous_text, amendment.text) == (
        "The chair welcomed members.",
        "The chair welcomed members and guests.",
    )
    assert amendment.made_by == a.world.users.secretariat and amendment.reason == "Guests left out"
    paragraph = Paragraph.objects.get(pk=a.paragraph.pk)
    assert paragraph.text == "The chair welcomed members and guests."
    assert paragraph.history.first().history_user == a.world.users.secretariat
    page = client.get(reverse("commissions:meeting_detail", args=[a.meeting.pk])).content.decode()
    assert "by Sam Jones: Guests left out" in page and "The chair welcomed members.<" in page.replace("\n", "")
    printable = client.get(reverse("commissions:meeting_print", args=[a.meeting.pk])).content.decode()
    assert "by Sam Jones: Guests left out" in printable
    # Kept as made: not changed, not deleted.
    amendment.reason = "Rewritten"
    with pytest.raises(services.PermissionDenied):
        amendment.save()
    with pytest.raises(services.PermissionDenied):
        amendment.delete()
    assert Amendment.objects.get().reason == "Guests left out"


def test_an_amendment_whose_author_was_removed_is_still_shown_on_every_page_that_lists_it(approved, django_user_model):
    a = approved
    author = django_user_model.objects.create_user("left-the-council")
    Amendment.objects.create(
        paragraph=a.paragraph, previous_text="a", text="b", reason="Typo corrected", made_by=author
    )
    author.delete()  # the amendment stays, with nobody named
    client = client_for(a.world, "secretariat")
    for name in ("commissions:meeting_detail", "commissions:meeting_print"):
        response = client.get(reverse(name, args=[a.meeting.pk]))
        assert response.status_code == 200, name
        assert "a user since removed: Typo corrected" in response.content.decode(), name
    form = client.get(reverse("commissions:paragraph_amend", args=[a.paragraph.pk]))
    assert form.status_code == 200 and "a user since removed: Typo corrected" in form.content.decode()


def test_an_amendment_needs_a_text_and_a_reason(approved):
    a = approved
    client = client_for(a.world, "secretariat")
    url = reverse("commissions:paragraph_amend", args=[a.paragraph.pk])
    page = client.post(url, {"text": "", "reason": ""}).content.decode()
    assert "Enter the corrected text of the paragraph" in page and "Enter why the approved text is corrected" in page
    assert 'id="id_text-error"' in page and 'id="id_reason-error"' in page and "There is a problem" in page
    page = client.post(url, {"text": "The chair welcomed members.", "reason": "No change"}).content.decode()
    assert "Change the text: it is the same as the approved text" in page
    page = client.post(url, {"text": "x" * 20_001, "reason": "Too long"}).content.decode()
    assert "Enter at most 20,000 characters" in page
    assert not Amendment.objects.exists()
    _unchanged(a)


def test_a_stale_amendment_is_refused_and_the_input_kept(approved):
    a = approved
    first, second = client_for(a.world, "secretariat"), client_for(a.world, "superuser")
    url = reverse("commissions:paragraph_amend", args=[a.paragraph.pk])
    opened_at = Paragraph.objects.get(pk=a.paragraph.pk).version
    first.post(url, {"text": "First correction", "reason": "One", "version": opened_at})
    page = second.post(url, {"text": "Second correction", "reason": "Two", "version": opened_at}).content.decode()
    assert "Someone else amended this paragraph after you opened the page" in page
    assert "Second correction" in page and "First correction" in page
    assert list(Amendment.objects.values_list("text", flat=True)) == ["First correction"]
    with pytest.raises(StaleVersion):
        approval.amend_paragraph(a.world.users.secretariat, a.paragraph, "Third", "Three", version=opened_at)
    assert Amendment.objects.count() == 1


def test_open_minutes_are_not_amended_but_edited(world):
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now(), status="draft")
    paragraph = meeting.items.create(number="1", title="Item").paragraphs.create(number="1.1", text="Text")
    client = client_for(world, "secretariat")
    response = client.post(reverse("commissions:paragraph_amend", args=[paragraph.pk]), {"text": "New", "reason": "R"})
    assert response.status_code == 302 and not Amendment.objects.exists()
    with pytest.raises(approval.AmendmentRefused):
        approval.amend_paragraph(world.users.secretariat, paragraph, "New", "R")
    with pytest.raises(services.PermissionDenied):
        approval.amend_paragraph(world.users.reviewer, paragraph, "New", "R")  # reads, never amends


def test_amendments_in_the_api_and_the_open_data(approved, django_user_model):
    from opendata.datasets import meeting_records

    a = approved
    approval.amend_paragraph(a.world.users.secretariat, a.paragraph, "Corrected", "A typing error")
    approval.publish(a.world.users.secretariat, a.meeting)
    _, token = AccessToken.make(a.world.users.other_secretariat, "Tests", 30)
    body = Client().get(f"/api/v1/meetings/{a.meeting.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    (amendment,) = body["items"][0]["paragraphs"][0]["amendments"]
    assert amendment["text"] == "Corrected" and amendment["reason"] == "A typing error"
    assert amendment["made_by_name"] == "secretariat-st-helens" and amendment["made_at"]
    (record,) = meeting_records(a.world.commissions.st_helens)
    (paragraph,) = record["items"][0]["paragraphs"]
    assert paragraph["text"] == "Corrected"
    assert paragraph["amendments"][0]["previous_text"] == "The chair welcomed members."


# Who sees what, step by step ---------------------------------------------------------------------


def test_each_role_sees_the_minutes_only_once_published(world):
    """St Helens' secretariat moves a meeting through the steps while Cheshire East's secretariat, a St Helens lead,
    a viewer and someone not signed in read its page, the API and their notifications after each step."""
    w = world
    commission = w.commissions.st_helens
    st_helens_lead = type(w.users.lead).objects.create_user("lead-st-helens", password="a long enough password")
    Membership.objects.create(user=st_helens_lead, role=Role.BOROUGH_LEAD, place=w.places["st-helens"])
    for user in (w.users.other_secretariat, st_helens_lead, w.users.viewer, w.users.reviewer):
        Member.objects.create(commission=commission, role_title=f"Seat of {user.username}", user=user)
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), title="Spring meeting")
    item = meeting.items.create(number="1", title="Welcome")
    item.paragraphs.create(number="1.1", text="A secret draft sentence.")
    approving = _later(meeting, title="Summer meeting")
    secretariat = client_for(w, "secretariat")
    readers = {
        "other_secretariat": w.users.other_secretariat,
        "st_helens_lead": st_helens_lead,
        "viewer": w.users.viewer,
    }
    clients = {name: Client() for name in readers}
    for name, user in readers.items():
        clients[name].force_login(user)
    tokens = {name: AccessToken.make(user, "Tests", 30)[1] for name, user in readers.items()}
    anonymous = Client()
    page = reverse("commissions:meeting_detail", args=[meeting.pk])

    def everyone_sees(published: bool):
        for name, client in clients.items():
            assert client.get(page).status_code == (200 if published else 404), name
            api = Client().get(f"/api/v1/meetings/{meeting.pk}/", HTTP_AUTHORIZATION=f"Bearer {tokens[name]}")
            assert api.status_code == (200 if published else 404), name
            notices = client.get(reverse("notifications:list")).content.decode()
            assert ("Spring meeting" in notices) == published, name
            assert ("A secret draft sentence." in client.get(page).content.decode()) == published
        assert anonymous.get(page).status_code == 302
        assert secretariat.get(page).status_code == 200

    def step(name, data=None):
        meeting.refresh_from_db()
        response = secretariat.post(reverse(name, args=[meeting.pk]), {"version": meeting.version, **(data or {})})
        assert response.status_code == 302

    _put(meeting, Status.DRAFT)
    everyone_sees(published=False)
    step("commissions:meeting_circulate")
    everyone_sees(published=False)
    reviewer = Notification.objects.filter(recipient=w.users.reviewer, key__endswith=":circulated")
    assert reviewer.exists()  # a reviewer of the ICS reads drafts, so is told of them
    step("commissions:meeting_approve", {"approving_meeting": approving.pk})
    everyone_sees(published=False)
    step("commissions:meeting_publish")
    assert Meeting.objects.get(pk=meeting.pk).status == Status.PUBLISHED
    everyone_sees(published=True)
    # The approving meeting is still being planned: nobody else reads it, nor its decision.
    for client in clients.values():
        assert client.get(reverse("commissions:meeting_detail", args=[approving.pk])).status_code == 404


def test_the_decision_that_records_an_approval_is_changed_by_nobody_on_any_door(world):
    """Approved at a later meeting whose minutes are still open: that meeting's other decisions are edited, not
    the one that records the approval (its page, a forced POST, the admin) - and the meeting offered to approve
    at is never one whose own minutes are already locked."""
    commission = world.commissions.st_helens
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), status="draft", title="May")
    locked_later = Meeting.objects.create(
        commission=commission, starts_at=meeting.starts_at + timedelta(days=10), status="approved"
    )
    later = Meeting.objects.create(commission=commission, starts_at=meeting.starts_at + timedelta(days=30))
    assert list(approval.approving_candidates(meeting)) == [later]
    with pytest.raises(approval.TransitionRefused, match="already approved"):
        approval.approve(world.users.secretariat, meeting, locked_later)
    approval.approve(world.users.secretariat, meeting, later)
    record = later.decisions.get()
    assert record.approves == meeting
    client = client_for(world, "secretariat")
    page = client.get(reverse("commissions:meeting_detail", args=[later.pk])).content.decode()
    assert "The record of that approval" in page
    assert reverse("commissions:decision_delete", args=[record.pk]) not in page
    for url, data in (
        (reverse("commissions:decision_delete", args=[record.pk]), {}),
        (
            reverse("commissions:decision_edit", args=[record.pk]),
            {"decision-edit-text": "Not agreed", "decision-edit-outcome": "rejected", "decision-edit-version": 1},
        ),
    ):
        answer = client.post(url, data, follow=True)
        assert "records the approval of another meeting" in answer.content.decode()
    superuser = client_for(world, "superuser")
    change = reverse("admin:commissions_decision_change", args=[record.pk])
    superuser.post(change, {"text": "Not agreed", "outcome": "rejected", "number": 1})
    assert (
        superuser.post(reverse("admin:commissions_decision_delete", args=[record.pk]), {"post": "yes"}).status_code
        == 403
    )
    record.refresh_from_db()
    assert (record.text, record.outcome) == (
        f"To approve the minutes of the meeting held on {approval.held_on(meeting)} as a correct record",
        "agreed",
    )
