"""The minutes' content edited on the meeting page: paragraphs in place, decisions, workshop questions, attendance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atf.models import Membership, Role
from atf.tests.test_permission_matrix import (
    DRAFT_VIEWERS,
    PUBLISHED_VIEWERS,
    ROLES,
    client_for,
    matrix_world,  # noqa: F401
    page_status,
)
from commissions import content_services, services
from commissions.models import Attendance, Decision, Meeting, Member, Paragraph, WorkshopQuestion

ST_HELENS_CHANGERS = frozenset({"superuser", "secretariat"})
# Who could change Cheshire East's published minutes, were they not locked: they are told why not.
CHESHIRE_EAST_SECRETARIATS = frozenset({"superuser", "other_secretariat"})


# url name -> (args builder on St Helens' draft minutes, who sees the rows, who may use the form).
CONTENT_PAGES = {
    "commissions:paragraph_edit": (lambda w: [w.minutes.st_helens.paragraph.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:paragraph_add_after": (
        lambda w: [w.minutes.st_helens.paragraph.pk],
        DRAFT_VIEWERS,
        ST_HELENS_CHANGERS,
    ),
    "commissions:decision_add": (lambda w: [w.minutes.st_helens.meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:decision_edit": (lambda w: [w.minutes.st_helens.decision.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:decision_delete": (lambda w: [w.minutes.st_helens.decision.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:question_add": (lambda w: [w.minutes.st_helens.meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:question_edit": (lambda w: [w.minutes.st_helens.question.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:question_delete": (lambda w: [w.minutes.st_helens.question.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:attendance_add": (lambda w: [w.minutes.st_helens.meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:attendance_edit": (lambda w: [w.minutes.st_helens.attendance.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:attendance_delete": (
        lambda w: [w.minutes.st_helens.attendance.pk],
        DRAFT_VIEWERS,
        ST_HELENS_CHANGERS,
    ),
}

# The same forms aimed at Cheshire East's published (so locked) minutes.
TARGETS = {
    "commissions:paragraph_edit": "paragraph",
    "commissions:paragraph_add_after": "paragraph",
    "commissions:decision_add": "meeting",
    "commissions:decision_edit": "decision",
    "commissions:decision_delete": "decision",
    "commissions:question_add": "meeting",
    "commissions:question_edit": "question",
    "commissions:question_delete": "question",
    "commissions:attendance_add": "meeting",
    "commissions:attendance_edit": "attendance",
    "commissions:attendance_delete": "attendance",
}


def valid_post(name, minutes) -> dict:
    """A form that would be saved, for the row of ``minutes`` the url names."""
    return {
        "commissions:paragraph_edit": {"paragraph-text": "Edited text", "paragraph-version": minutes.paragraph.version},
        "commissions:paragraph_add_after": {"after-text": "Edited text"},
        "commissions:decision_add": {"decision-text": "Edited text", "decision-outcome": "agreed"},
        "commissions:decision_edit": {
            "decision-edit-text": "Edited text",
            "decision-edit-outcome": "agreed",
            "decision-edit-version": minutes.decision.version,
        },
        "commissions:decision_delete": {},
        "commissions:question_add": {"question-question": "Edited text"},
        "commissions:question_edit": {
            "question-edit-question": "Edited text",
            "question-edit-version": minutes.question.version,
        },
        "commissions:question_delete": {},
        "commissions:attendance_add": {"name_or_position": "Edited text", "status": "present"},
        "commissions:attendance_edit": {
            "attendance-edit-name_or_position": "Edited text",
            "attendance-edit-status": "apologies",
            "attendance-edit-version": minutes.attendance.version,
        },
        "commissions:attendance_delete": {},
    }[name]


def content_of(meeting) -> tuple:
    """Everything these forms could write to a meeting, to compare before and after."""
    return (
        list(Paragraph.objects.filter(item__meeting=meeting).values_list("pk", "number", "text", "version")),
        list(meeting.decisions.values_list("pk", "number", "text", "item", "outcome", "version")),
        list(meeting.questions.values_list("pk", "number", "question", "key_points", "contributions", "version")),
        list(meeting.attendance.values_list("pk", "member", "name_or_position", "status", "version")),
    )


def url(name, *args):
    return reverse(name, args=args)


def page(client, meeting, query=""):
    return client.get(url("commissions:meeting_detail", meeting.pk) + query).content.decode()


@pytest.fixture
def minutes(matrix_world):  # noqa: F811
    return matrix_world.minutes.st_helens


@pytest.fixture
def secretariat(matrix_world):  # noqa: F811
    return client_for(matrix_world, "secretariat")


def test_every_url_name_of_the_content_is_a_row():
    from atf.tests.test_permission_matrix import all_url_names, covered_url_names

    assert set(CONTENT_PAGES) <= set(all_url_names())
    assert set(CONTENT_PAGES) <= covered_url_names()


# Who may use each form ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CONTENT_PAGES))
def test_each_form_at_st_helens_draft_minutes_as_each_role(matrix_world, name, role):  # noqa: F811
    args, viewers, allowed = CONTENT_PAGES[name]
    minutes = matrix_world.minutes.st_helens
    before = content_of(minutes.meeting)
    response = client_for(matrix_world, role).post(url(name, *args(matrix_world)), valid_post(name, minutes))
    assert response.status_code == page_status(role, viewers, allowed, ok=302)
    assert (content_of(minutes.meeting) != before) == (role in allowed)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CONTENT_PAGES))
def test_each_form_at_cheshire_east_s_published_minutes_is_refused(matrix_world, name, role):  # noqa: F811
    minutes = matrix_world.minutes.cheshire_east
    before = content_of(minutes.meeting)
    client = client_for(matrix_world, role)
    response = client.post(url(name, getattr(minutes, TARGETS[name]).pk), valid_post(name, minutes))
    if role in CHESHIRE_EAST_SECRETARIATS:
        # Those who wrote the minutes are told why, on the meeting page, not shown a bare 403.
        assert response.status_code == 302
        assert response["Location"] == url("commissions:meeting_detail", minutes.meeting.pk)
        assert "can no longer be changed" in page(client, minutes.meeting)
    else:
        assert response.status_code == page_status(role, PUBLISHED_VIEWERS, frozenset(), ok=302)
    assert content_of(minutes.meeting) == before


# Paragraphs --------------------------------------------------------------------------


def test_a_paragraph_is_edited_where_it_sits(minutes, secretariat, matrix_world):  # noqa: F811
    html = page(secretariat, minutes.meeting)
    edit = f"?edit={minutes.paragraph.pk}#paragraph-{minutes.paragraph.pk}"
    assert edit.replace("&", "&amp;") in html
    opened = page(secretariat, minutes.meeting, f"?edit={minutes.paragraph.pk}")
    assert 'name="paragraph-text"' in opened and "Editing paragraph 1.1" in opened
    assert opened.index("Item one") < opened.index('name="paragraph-text"')  # under its own item
    response = secretariat.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": "  The Commission noted the report.  ", "paragraph-version": minutes.paragraph.version},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#paragraph-{minutes.paragraph.pk}")
    paragraph = Paragraph.objects.get(pk=minutes.paragraph.pk)
    assert paragraph.text == "The Commission noted the report."
    assert paragraph.history.first().history_user == matrix_world.users.secretariat
    # A GET of the edit address opens the same place on the page.
    assert secretariat.get(url("commissions:paragraph_edit", paragraph.pk))["Location"].endswith(
        f"?edit={paragraph.pk}#paragraph-{paragraph.pk}"
    )


def test_an_empty_paragraph_is_refused_by_its_box(minutes, secretariat):
    before = content_of(minutes.meeting)
    response = secretariat.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": "   ", "paragraph-version": minutes.paragraph.version},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and 'id="id_paragraph-text-error"' in html
    assert "Enter the paragraph&#x27;s text" in html
    assert content_of(minutes.meeting) == before


def test_a_stale_paragraph_shows_theirs_keeps_yours_and_saves_nothing(minutes, secretariat, matrix_world):  # noqa: F811
    opened_at = minutes.paragraph.version
    theirs = Paragraph.objects.get(pk=minutes.paragraph.pk)
    content_services.edit_paragraph(matrix_world.users.superuser, theirs, "Their newer text", version=opened_at)
    before = content_of(minutes.meeting)
    response = secretariat.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": "My text", "paragraph-version": opened_at},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed paragraph 1.1 after you opened it" in html
    assert "Their newer text" in html and ">My text</textarea>" in html
    assert f'name="paragraph-version" value="{opened_at + 1}"' in html  # saving again replaces theirs
    assert content_of(minutes.meeting) == before


def test_a_paragraph_is_added_after_another_and_the_rest_renumbered(minutes, secretariat):
    second = minutes.item.paragraphs.create(number="1.2", position=2, text="Second")
    Paragraph.objects.filter(pk=minutes.paragraph.pk).update(position=1)
    opened = page(secretariat, minutes.meeting, f"?after={minutes.paragraph.pk}")
    assert 'name="after-text"' in opened and "A new paragraph after 1.1" in opened
    response = secretariat.post(url("commissions:paragraph_add_after", minutes.paragraph.pk), {"after-text": "Between"})
    assert response.status_code == 302
    assert list(minutes.item.paragraphs.order_by("position").values_list("number", "text")) == [
        ("1.1", "Paragraph one"),
        ("1.2", "Between"),
        ("1.3", "Second"),
    ]
    assert Paragraph.objects.get(pk=second.pk).number == "1.3"
    empty = secretariat.post(url("commissions:paragraph_add_after", minutes.paragraph.pk), {"after-text": ""})
    assert empty.status_code == 200 and minutes.item.paragraphs.count() == 3


def test_a_planned_meeting_s_first_paragraph_makes_its_minutes_a_draft_with_a_printable_copy(minutes, secretariat):
    meeting = minutes.meeting
    minutes.item.paragraphs.all().delete()
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PLANNED)
    printable = url("commissions:meeting_print", meeting.pk)
    before = page(secretariat, meeting)
    assert "Printable minutes" not in before and printable not in before  # nothing to print before the meeting
    assert "Paste or upload minutes" in before

    response = secretariat.post(url("commissions:paragraph_add", minutes.item.pk), {"text": "Written in the meeting"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.DRAFT
    after = page(secretariat, meeting)
    assert printable in after and "Written in the meeting" in after


@pytest.mark.parametrize("role", ROLES)
def test_a_paragraph_is_removed_only_after_a_page_that_shows_it(matrix_world, minutes, role):  # noqa: F811
    minutes.action.paragraph, minutes.action.reference = minutes.paragraph, minutes.paragraph.number
    minutes.action.save()
    remove = url("commissions:paragraph_delete", minutes.paragraph.pk)
    client = client_for(matrix_world, role)
    shown = client.get(remove)
    assert shown.status_code == page_status(role, DRAFT_VIEWERS, ST_HELENS_CHANGERS)
    assert Paragraph.objects.filter(pk=minutes.paragraph.pk).exists()  # a GET removes nothing
    if role in ST_HELENS_CHANGERS:
        html = shown.content.decode()
        assert "Remove paragraph 1.1?" in html and minutes.paragraph.text in html
        assert "1 action arising from it stays in the action log" in html
        assert remove in page(client, minutes.meeting)  # the meeting page links to it
        assert client.post(remove).status_code == 302
        assert not Paragraph.objects.filter(pk=minutes.paragraph.pk).exists()
        minutes.action.refresh_from_db()
        assert minutes.action.paragraph is None and minutes.action.reference == "1.1"
    else:
        assert minutes.paragraph.text not in shown.content.decode()


# Decisions ---------------------------------------------------------------------------


def test_decisions_are_numbered_edited_and_removed(minutes, secretariat, matrix_world):  # noqa: F811
    meeting = minutes.meeting
    for text in ("Approve the plan", "Note the update"):
        response = secretariat.post(
            url("commissions:decision_add", meeting.pk),
            {"decision-text": text, "decision-item": minutes.item.pk, "decision-outcome": "agreed"},
        )
        assert response.status_code == 302
    assert list(meeting.decisions.values_list("number", "text")) == [
        (1, "Note the report"),
        (2, "Approve the plan"),
        (3, "Note the update"),
    ]
    plan = meeting.decisions.get(number=2)
    assert plan.item == minutes.item and plan.history.first().history_user == matrix_world.users.secretariat
    html = page(secretariat, meeting)
    assert "<strong>(2)</strong> Approve the plan" in html and "Item 1." in html
    opened = page(secretariat, meeting, f"?decision={plan.pk}")
    assert "Editing decision (2)" in opened and 'name="decision-edit-text"' in opened
    response = secretariat.post(
        url("commissions:decision_edit", plan.pk),
        {
            "decision-edit-text": "Approve the plan as amended",
            "decision-edit-outcome": "amended",
            "decision-edit-item": "",
            "decision-edit-version": plan.version,
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.text, plan.outcome, plan.item) == ("Approve the plan as amended", "amended", None)
    assert secretariat.post(url("commissions:decision_delete", minutes.decision.pk)).status_code == 302
    assert list(meeting.decisions.values_list("number", "text")) == [
        (1, "Approve the plan as amended"),
        (2, "Note the update"),
    ]


def test_a_decision_without_text_or_with_another_meeting_s_item_is_refused(minutes, secretariat, matrix_world):  # noqa: F811
    before = content_of(minutes.meeting)
    response = secretariat.post(
        url("commissions:decision_add", minutes.meeting.pk), {"decision-text": "", "decision-outcome": "agreed"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_decision-text-error"' in html
    assert "Enter the decision or recommendation" in html and '<details class="nhsuk-details" open>' in html
    other_item = matrix_world.minutes.cheshire_east.item
    response = secretariat.post(
        url("commissions:decision_edit", minutes.decision.pk),
        {
            "decision-edit-text": "x",
            "decision-edit-outcome": "agreed",
            "decision-edit-item": other_item.pk,
            "decision-edit-version": minutes.decision.version,
        },
    )
    assert response.status_code == 200 and "Choose one of this meeting&#x27;s agenda items" in response.content.decode()
    response = secretariat.post(
        url("commissions:decision_add", minutes.meeting.pk), {"decision-text": "x", "decision-outcome": "won"}
    )
    assert response.status_code == 200 and "Choose an outcome from the list" in response.content.decode()
    assert content_of(minutes.meeting) == before


def test_a_stale_decision_is_refused(minutes, secretariat, matrix_world):  # noqa: F811
    opened_at = minutes.decision.version
    content_services.edit_decision(
        matrix_world.users.superuser,
        Decision.objects.get(pk=minutes.decision.pk),
        text="Their wording",
        item=None,
        outcome="noted",
        version=opened_at,
    )
    before = content_of(minutes.meeting)
    response = secretariat.post(
        url("commissions:decision_edit", minutes.decision.pk),
        {"decision-edit-text": "My wording", "decision-edit-outcome": "agreed", "decision-edit-version": opened_at},
    )
    html = response.content.decode()
    assert "Someone else changed decision (1) after you opened it" in html
    assert "Their wording" in html and ">My wording</textarea>" in html
    assert content_of(minutes.meeting) == before


# Workshop questions -----------------------------------------------------------------


def test_workshop_questions_are_added_edited_and_removed(minutes, secretariat):
    meeting = minutes.meeting
    response = secretariat.post(
        url("commissions:question_add", meeting.pk),
        {
            "question-question": "What gets in the way?",
            "question-key_points": "Transport\nCost",
            "question-contributions": "“The bus stopped running.”",
        },
    )
    assert response.status_code == 302
    added = meeting.questions.get(number=2)
    assert (added.key_points, added.contributions) == ("Transport\nCost", "“The bus stopped running.”")
    response = secretariat.post(
        url("commissions:question_edit", added.pk),
        {
            "question-edit-question": "What gets in the way of getting help?",
            "question-edit-key_points": "Transport",
            "question-edit-contributions": "",
            "question-edit-version": added.version,
        },
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.question, added.key_points, added.contributions) == (
        "What gets in the way of getting help?",
        "Transport",
        "",
    )
    assert "2. What gets in the way of getting help?" in page(secretariat, meeting)
    assert secretariat.post(url("commissions:question_delete", minutes.question.pk)).status_code == 302
    assert list(meeting.questions.values_list("number", flat=True)) == [1]
    empty = secretariat.post(url("commissions:question_add", meeting.pk), {"question-question": " "})
    assert empty.status_code == 200 and 'id="id_question-question-error"' in empty.content.decode()
    assert meeting.questions.count() == 1


# Attendance --------------------------------------------------------------------------


def test_attendance_names_a_member_is_edited_removed_and_grouped(minutes, secretariat, matrix_world):  # noqa: F811
    meeting = minutes.meeting
    response = secretariat.post(
        url("commissions:attendance_add", meeting.pk), {"member": minutes.member.pk, "status": "apologies"}
    )
    assert response.status_code == 302
    row = meeting.attendance.get(member=minutes.member)
    assert row.name_or_position == "" and row.history.first().history_user == matrix_world.users.secretariat
    html = page(secretariat, meeting)
    assert html.index(">Present</h3>") < html.index("Chair") < html.index(">Apologies</h3>")
    assert html.index(">Apologies</h3>") < html.index("Director of Public Health (Member)")
    response = secretariat.post(
        url("commissions:attendance_edit", row.pk),
        {
            "attendance-edit-member": minutes.member.pk,
            "attendance-edit-name_or_position": "Deputy DPH",
            "attendance-edit-status": "present",
            "attendance-edit-version": row.version,
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.name_or_position) == ("present", "Deputy DPH")
    assert secretariat.post(url("commissions:attendance_delete", row.pk)).status_code == 302
    assert not meeting.attendance.filter(pk=row.pk).exists()


def test_the_same_member_or_name_is_not_recorded_twice_at_a_meeting(minutes, secretariat, matrix_world):  # noqa: F811
    meeting = minutes.meeting
    add = url("commissions:attendance_add", meeting.pk)
    assert secretariat.post(add, {"member": minutes.member.pk, "status": "present"}).status_code == 302
    before = content_of(meeting)
    again = secretariat.post(add, {"member": minutes.member.pk, "status": "apologies"})
    assert again.status_code == 200 and content_of(meeting) == before
    assert "is already recorded at this meeting" in str(again.context["attendance_form"].errors["member"])
    name = minutes.attendance.name_or_position
    twice = secretariat.post(add, {"name_or_position": f"  {name.upper()} ", "status": "present"})
    assert "already recorded" in str(twice.context["attendance_form"].errors["name_or_position"])
    assert content_of(meeting) == before
    # The service says so too, for two secretariat members adding the same person at once.
    with pytest.raises(content_services.AlreadyRecorded):
        content_services.add_attendance(
            matrix_world.users.secretariat, meeting, member=minutes.member, name_or_position="", status="present"
        )
    # Editing a row keeps its own person.
    row = meeting.attendance.get(member=minutes.member)
    edited = secretariat.post(
        url("commissions:attendance_edit", row.pk),
        {
            "attendance-edit-member": minutes.member.pk,
            "attendance-edit-status": "apologies",
            "attendance-edit-version": row.version,
        },
    )
    assert edited.status_code == 302


def test_attendance_with_nobody_or_another_commission_s_member_is_refused(minutes, secretariat, matrix_world):  # noqa: F811
    before = content_of(minutes.meeting)
    response = secretariat.post(url("commissions:attendance_add", minutes.meeting.pk), {"status": "present"})
    html = response.content.decode()
    assert response.status_code == 200 and "Choose a member, or enter a position or a name" in html
    assert 'id="id_name_or_position-error"' in html
    other_member = matrix_world.minutes.cheshire_east.member
    response = secretariat.post(
        url("commissions:attendance_edit", minutes.attendance.pk),
        {
            "attendance-edit-member": other_member.pk,
            "attendance-edit-status": "present",
            "attendance-edit-version": minutes.attendance.version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Choose one of this commission&#x27;s members" in html
    assert "Director of Public Health" in html  # St Helens' own member, in the select
    assert html.count(f'value="{other_member.pk}"') == 0
    assert content_of(minutes.meeting) == before


def test_a_stale_attendance_is_refused(minutes, secretariat, matrix_world):  # noqa: F811
    row = Attendance.objects.get(pk=minutes.attendance.pk)
    opened_at = row.version
    content_services.edit_attendance(
        matrix_world.users.superuser,
        row,
        member=None,
        name_or_position="Vice chair",
        status="present",
        version=opened_at,
    )
    before = content_of(minutes.meeting)
    response = secretariat.post(
        url("commissions:attendance_edit", row.pk),
        {
            "attendance-edit-name_or_position": "Chair",
            "attendance-edit-status": "apologies",
            "attendance-edit-version": opened_at,
        },
    )
    assert "Someone else changed this attendance after you opened it" in response.content.decode()
    assert content_of(minutes.meeting) == before


# Limits, lock, hostile text ------------------------------------------------------------


def test_a_meeting_takes_at_most_so_many_of_each(minutes, secretariat, monkeypatch):
    monkeypatch.setattr(content_services, "MAX_DECISIONS", 1)
    monkeypatch.setattr(content_services, "MAX_QUESTIONS", 1)
    monkeypatch.setattr(content_services, "MAX_ATTENDANCE", 1)
    monkeypatch.setattr(content_services, "MAX_PARAGRAPHS", 1)
    before = content_of(minutes.meeting)
    posts = [
        ("commissions:decision_add", minutes.meeting.pk, {"decision-text": "More", "decision-outcome": "agreed"}),
        ("commissions:question_add", minutes.meeting.pk, {"question-question": "More"}),
        ("commissions:attendance_add", minutes.meeting.pk, {"name_or_position": "More", "status": "present"}),
        ("commissions:paragraph_add_after", minutes.paragraph.pk, {"after-text": "More"}),
    ]
    for name, pk, data in posts:
        response = secretariat.post(url(name, pk), data, follow=True)
        assert "as many as" in response.content.decode() and "Nothing was added" in response.content.decode()
    assert content_of(minutes.meeting) == before


def test_approved_minutes_show_no_edit_controls_and_refuse_every_form(minutes, secretariat, matrix_world):  # noqa: F811
    meeting = minutes.meeting
    approved_at = timezone.make_aware(timezone.datetime(2026, 11, 18, 12, 0))
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.APPROVED, approved_at=approved_at)
    html = page(secretariat, meeting, f"?edit={minutes.paragraph.pk}&decision={minutes.decision.pk}")
    for control in ('name="paragraph-text"', "?edit=", "?decision=", "?question=", "?attendance=", "Add a decision"):
        assert control not in html
    assert "Paragraph one" in html and "Note the report" in html
    before = content_of(meeting)
    for name in CONTENT_PAGES:
        response = secretariat.post(url(name, getattr(minutes, TARGETS[name]).pk), valid_post(name, minutes))
        assert response.status_code == 302, name
        shown = page(secretariat, meeting)
        assert "They were approved on 18 November 2026, so they can no longer be changed" in shown
        assert "amendment" in shown
    assert content_of(meeting) == before


def test_minutes_approved_while_a_form_was_open_are_refused_by_the_service(minutes, matrix_world):  # noqa: F811
    paragraph = Paragraph.objects.select_related("item__meeting").get(pk=minutes.paragraph.pk)
    Meeting.objects.filter(pk=minutes.meeting.pk).update(status=Meeting.Status.PUBLISHED)
    with pytest.raises(services.MinutesLocked, match="published"):
        content_services.edit_paragraph(matrix_world.users.secretariat, paragraph, "Late", version=paragraph.version)
    assert Paragraph.objects.get(pk=paragraph.pk).text == "Paragraph one"


HOSTILE = ['<script>alert("x")</script>', '=HYPERLINK("http://evil.example","Click")']


def test_hostile_text_is_shown_as_text(minutes, secretariat):
    meeting = minutes.meeting
    script, formula = HOSTILE
    secretariat.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": script, "paragraph-version": minutes.paragraph.version},
    )
    secretariat.post(
        url("commissions:decision_add", meeting.pk), {"decision-text": formula, "decision-outcome": "agreed"}
    )
    secretariat.post(
        url("commissions:question_add", meeting.pk),
        {"question-question": script, "question-key_points": formula, "question-contributions": script},
    )
    secretariat.post(url("commissions:attendance_add", meeting.pk), {"name_or_position": script, "status": "present"})
    html = page(secretariat, meeting)
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 4
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;Click&quot;)" in html
    # Opened for editing, the text goes back into the box escaped too.
    opened = page(secretariat, meeting, f"?edit={minutes.paragraph.pk}")
    assert "<script>alert" not in opened


def test_very_long_text_is_refused_by_its_box(minutes, secretariat):
    before = content_of(minutes.meeting)
    long = "x" * 20_001
    response = secretariat.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": long, "paragraph-version": minutes.paragraph.version},
    )
    assert response.status_code == 200
    assert "The paragraph must be 20,000 characters or fewer (it has 20001)" in response.content.decode()
    response = secretariat.post(
        url("commissions:decision_add", minutes.meeting.pk), {"decision-text": long, "decision-outcome": "agreed"}
    )
    assert "The decision must be 5,000 characters or fewer" in response.content.decode()
    response = secretariat.post(
        url("commissions:attendance_add", minutes.meeting.pk), {"name_or_position": long, "status": "present"}
    )
    assert "Enter at most 200 characters" in response.content.decode()
    assert content_of(minutes.meeting) == before


# Two secretariats and a lead, step by step ---------------------------------------------


def test_st_helens_edits_its_draft_which_others_read_only_once_published(matrix_world, django_user_model):  # noqa: F811
    minutes = matrix_world.minutes.st_helens
    meeting = minutes.meeting
    lead_user = django_user_model.objects.create_user(username="lead-st-helens", password="a long enough password")
    Membership.objects.create(user=lead_user, role=Role.BOROUGH_LEAD, place=matrix_world.places["st-helens"])
    ours = client_for(matrix_world, "secretariat")
    theirs = client_for(matrix_world, "other_secretariat")
    lead = client_for(matrix_world, "anonymous")
    lead.force_login(lead_user)
    meeting_url = url("commissions:meeting_detail", meeting.pk)

    def their_edits_refused(status):
        before = content_of(meeting)
        paragraph, decision = (
            Paragraph.objects.get(pk=minutes.paragraph.pk),
            Decision.objects.get(pk=minutes.decision.pk),
        )
        attempts = [
            theirs.post(
                url("commissions:paragraph_edit", paragraph.pk),
                {"paragraph-text": "Cheshire East was here", "paragraph-version": paragraph.version},
            ),
            theirs.post(
                url("commissions:decision_edit", decision.pk),
                {
                    "decision-edit-text": "Cheshire East was here",
                    "decision-edit-outcome": "rejected",
                    "decision-edit-version": decision.version,
                },
            ),
            theirs.post(url("commissions:decision_delete", decision.pk)),
            theirs.post(
                url("commissions:attendance_add", meeting.pk), {"name_or_position": "Spy", "status": "present"}
            ),
        ]
        assert [a.status_code for a in attempts] == [status] * len(attempts)
        assert content_of(meeting) == before

    # Step 1: St Helens edits a paragraph and a decision of its draft.
    response = ours.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": "The Commission agreed the plan.", "paragraph-version": minutes.paragraph.version},
    )
    assert response.status_code == 302
    response = ours.post(
        url("commissions:decision_edit", minutes.decision.pk),
        {
            "decision-edit-text": "Agree the plan",
            "decision-edit-outcome": "agreed",
            "decision-edit-version": minutes.decision.version,
        },
    )
    assert response.status_code == 302
    assert "The Commission agreed the plan." in ours.get(meeting_url).content.decode()
    assert theirs.get(meeting_url).status_code == 404
    assert lead.get(meeting_url).status_code == 404
    their_edits_refused(404)

    # Step 2: St Helens has the minutes approved at a later meeting, then publishes them. The others read the
    # edited text, with no edit controls, and still cannot write.
    later = Meeting.objects.create(commission=meeting.commission, starts_at=meeting.starts_at + timedelta(days=30))
    approve = ours.post(
        url("commissions:meeting_approve", meeting.pk),
        {"approving_meeting": later.pk, "version": Meeting.objects.get(pk=meeting.pk).version},
    )
    assert approve.status_code == 302 and Meeting.objects.get(pk=meeting.pk).status == "approved", approve
    publish = ours.post(
        url("commissions:meeting_publish", meeting.pk), {"version": Meeting.objects.get(pk=meeting.pk).version}
    )
    assert publish.status_code == 302 and Meeting.objects.get(pk=meeting.pk).status == "published"
    for reader in (theirs, lead):
        html = reader.get(meeting_url).content.decode()
        assert "The Commission agreed the plan." in html and "Agree the plan" in html
        assert "?edit=" not in html and "Add a decision" not in html
    their_edits_refused(403)

    # Step 3: St Helens itself is now told its published minutes are changed by amendment only.
    response = ours.post(
        url("commissions:paragraph_edit", minutes.paragraph.pk),
        {"paragraph-text": "Changed after publishing", "paragraph-version": 99},
        follow=True,
    )
    assert "correct them with an amendment. They were approved on" in response.content.decode()
    assert Paragraph.objects.get(pk=minutes.paragraph.pk).text == "The Commission agreed the plan."
    assert "?edit=" not in ours.get(meeting_url).content.decode()


# The meeting page's queries ------------------------------------------------------------


def _fill(meeting, member, n):
    Decision.objects.bulk_create(Decision(meeting=meeting, number=100 + i, text=f"Decision {i}") for i in range(n))
    WorkshopQuestion.objects.bulk_create(
        WorkshopQuestion(meeting=meeting, number=100 + i, question=f"Question {i}", key_points="k", contributions="c")
        for i in range(n)
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member=member if i % 2 else None, name_or_position=f"Person {i}", status=status)
        for i in range(n)
        for status in ("present", "apologies")
    )
    item = meeting.items.first()
    Decision.objects.filter(meeting=meeting, number__gte=100).update(item=item)


@pytest.mark.parametrize("query", ["", "?edit={paragraph}", "?decision={decision}", "?attendance={attendance}"])
def test_the_meeting_page_s_queries_do_not_grow_with_its_rows(minutes, secretariat, query):
    meeting = minutes.meeting
    address = url("commissions:meeting_detail", meeting.pk) + query.format(
        paragraph=minutes.paragraph.pk, decision=minutes.decision.pk, attendance=minutes.attendance.pk
    )
    _fill(meeting, minutes.member, 2)
    with CaptureQueriesContext(connection) as few:
        assert secretariat.get(address).status_code == 200
    _fill(meeting, Member.objects.create(commission=meeting.commission, role_title="Chief Executive"), 40)
    with CaptureQueriesContext(connection) as many:
        html = secretariat.get(address).content.decode()
    assert "Decision 39" in html and "Question 39" in html and "Person 39" in html
    assert len(many.captured_queries) == len(few.captured_queries)
