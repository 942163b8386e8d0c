"""Actions and members on the pages: an action's owner, due date and links; members, their terms and positions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atf.tests.test_permission_matrix import (
    COMMISSION_VIEWERS,
    DRAFT_VIEWERS,
    PUBLISHED_VIEWERS,
    ROLES,
    ST_HELENS_CHANGERS,
    client_for,
    page_status,
)
from commissions import people_services
from commissions.models import Action, ActionUpdate, Attendance, Meeting, Member, Priority
from notifications.models import Kind, Notification

CHESHIRE_EAST_CHANGERS = frozenset({"superuser", "other_secretariat"})

# url name -> (args builder, who sees the page, who may use it): St Helens' draft minutes and its members.
PEOPLE_PAGES = {
    "commissions:action_add": (lambda w: [w.minutes.st_helens.meeting.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:action_edit": (lambda w: [w.minutes.st_helens.action.pk], DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:member_add": (lambda w: [w.commissions.st_helens.slug], COMMISSION_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:member_edit": (lambda w: [w.minutes.st_helens.member.pk], COMMISSION_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:member_end": (lambda w: [w.minutes.st_helens.member.pk], COMMISSION_VIEWERS, ST_HELENS_CHANGERS),
    "commissions:member_remove": (lambda w: [w.minutes.st_helens.member.pk], COMMISSION_VIEWERS, ST_HELENS_CHANGERS),
}


@pytest.fixture
def st_helens(matrix_world):
    return matrix_world.minutes.st_helens


@pytest.fixture
def secretariat(matrix_world):
    return client_for(matrix_world, "secretariat")


def action_data(action=None, **changes):
    """What the action form posts: a new role-owned action, or ``action`` unchanged, and then ``changes``."""
    data = {
        "description": "Report back on the youth aspirations work",
        "owner_kind": "role",
        "owner": "Director of Public Health",
        "owner_member": "",
        "owner_organisation": "",
        "due": "31/01/2027",
        "status": "open",
        "paragraph": "",
        "priority": "",
        "theme": "",
        "recommendation": "",
        "indicator": "",
    }
    if action is not None:  # the action as saved, as its edit page shows it
        action.refresh_from_db()
        data.update(
            description=action.description,
            owner_kind=action.owner_kind,
            owner=action.owner if action.owner_kind == "role" else "",
            owner_member=action.owner_member_id or "",
            owner_organisation=action.owner if action.owner_kind == "organisation" else "",
            due=f"{action.due:%d/%m/%Y}" if action.due else "",
            status=action.status,
            paragraph=action.paragraph_id or "",
            version=action.version,
        )
    data.update({key: "" if value is None else value for key, value in changes.items()})
    return data


def member_data(member=None, **changes):
    data = {
        "position": "member",
        "role_title": "Chief Executive",
        "organisation": "St Helens CVS",
        "person_name": "",
        "starts": "01/09/2021",
        "ends": "",
    }
    if member is not None:
        data["version"] = member.version
    data.update(changes)
    return data


def unchanged(obj, **fields):
    obj.refresh_from_db()
    return all(getattr(obj, name) == value for name, value in fields.items())


# The action form --------------------------------------------------------------------------


def test_a_secretariat_adds_an_action_with_its_owner_due_date_and_links(matrix_world, st_helens, secretariat):
    framework = matrix_world.framework
    theme = framework.themes.get(number=1)
    recommendation = theme.recommendations.first()
    indicator = framework.indicators.filter(theme=theme).first()
    member = st_helens.member
    member.person_name = "Ruth du Plessis"
    member.save()
    response = secretariat.post(
        reverse("commissions:action_add", args=[st_helens.meeting.pk]),
        action_data(
            owner_kind="member",
            owner="",
            owner_member=member.pk,
            paragraph=st_helens.paragraph.pk,
            priority=st_helens.priority.pk,
            theme=theme.pk,
            recommendation=recommendation.pk,
            indicator=indicator.pk,
        ),
    )
    assert response.status_code == 302
    action = Action.objects.get(description="Report back on the youth aspirations work")
    assert action.owner_kind == "member" and action.owner_member == member
    assert action.owner == "Director of Public Health (Ruth du Plessis)"
    assert action.due == date(2027, 1, 31)
    assert (action.reference, action.paragraph) == ("1.1", st_helens.paragraph)
    assert (action.priority, action.theme, action.recommendation, action.indicator) == (
        st_helens.priority,
        theme,
        recommendation,
        indicator,
    )
    assert action.history.first().history_user == matrix_world.users.secretariat
    page = secretariat.get(reverse("commissions:action_detail", args=[action.pk])).content.decode()
    assert "a member of the commission" in page and recommendation.text in page and indicator.name in page
    assert reverse("commissions:action_edit", args=[action.pk]) in page


@pytest.mark.parametrize(
    "kind, fields, owner",
    [
        ("role", {"owner": "Head of Performance and Population"}, "Head of Performance and Population"),
        ("organisation", {"owner_organisation": "Halton & St Helens VCA"}, "Halton & St Helens VCA"),
        ("member", {}, "Director of Public Health"),
    ],
)
def test_the_owner_is_a_role_a_member_or_an_organisation(st_helens, secretariat, kind, fields, owner):
    # Every field is posted, as a browser without the script sends them: only the chosen kind's is read.
    data = action_data(
        owner_kind=kind,
        owner="Someone typed here first",
        owner_member=st_helens.member.pk,
        owner_organisation="Another organisation",
    )
    data.update(fields)
    response = secretariat.post(reverse("commissions:action_add", args=[st_helens.meeting.pk]), data)
    assert response.status_code == 302
    action = Action.objects.get(description=data["description"])
    assert (action.owner_kind, action.owner) == (kind, owner)
    assert action.owner_member == (st_helens.member if kind == "member" else None)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"description": "   "}, "description", "Enter what is to be done"),
        ({"owner": " "}, "owner", "Enter the role that owns the action"),
        ({"owner_kind": "member"}, "owner_member", "Choose the member who owns the action"),
        ({"owner_kind": "organisation"}, "owner_organisation", "Enter the organisation that owns the action"),
        ({"owner": "x" * 301}, "owner", "Enter at most 300 characters (this is 301)"),
        ({"due": "31/02/2027"}, "due", "Enter a real date like 31/01/2027"),
        ({"due": "next Tuesday"}, "due", "Enter a real date like 31/01/2027"),
        ({"due": "01/01/1900"}, "due", "Enter a date between 1990 and 2099, like 31/01/2027"),
        ({"due": "31/12/2207"}, "due", "Enter a date between 1990 and 2099, like 31/01/2027"),
        ({"status": "finished"}, "status", "Choose a status"),
        ({"owner_kind": "someone"}, "owner_kind", "Choose a role, a member or an organisation"),
    ],
)
def test_bad_input_is_told_next_to_its_field_and_nothing_is_saved(st_helens, secretariat, changes, field, message):
    before = Action.objects.count()
    response = secretariat.post(reverse("commissions:action_add", args=[st_helens.meeting.pk]), action_data(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert "There is a problem" in page and "nhsuk-error-message" in page
    assert Action.objects.count() == before


def test_a_recommendation_must_be_of_the_chosen_theme(matrix_world, st_helens, secretariat):
    themes = matrix_world.framework.themes
    one, two = themes.get(number=1), themes.get(number=2)
    recommendation = two.recommendations.first()
    url = reverse("commissions:action_edit", args=[st_helens.action.pk])
    response = secretariat.post(url, action_data(st_helens.action, theme=one.pk, recommendation=recommendation.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["recommendation"] == [
        f"Recommendation {recommendation.code} is under theme 2, not theme 1: choose one of theme 1's "
        "recommendations, or change the theme"
    ]
    assert unchanged(st_helens.action, theme=None, recommendation=None, description="Do it")
    # Chosen without a theme, it brings its own.
    response = secretariat.post(url, action_data(st_helens.action, recommendation=recommendation.pk))
    assert response.status_code == 302
    assert unchanged(st_helens.action, theme=two, recommendation=recommendation)


def test_another_tenant_s_rows_posted_into_the_form_are_refused(matrix_world, st_helens, secretariat):
    cheshire_east = matrix_world.minutes.cheshire_east
    nel_theme = matrix_world.rounds.nel.framework.themes.get()
    action = st_helens.action
    url = reverse("commissions:action_edit", args=[action.pk])
    for changes, field, message in (
        ({"owner_kind": "member", "owner_member": cheshire_east.member.pk}, "owner_member", "members"),
        ({"priority": cheshire_east.priority.pk}, "priority", "priorities"),
        ({"paragraph": cheshire_east.paragraph.pk}, "paragraph", "paragraph"),
        ({"theme": nel_theme.pk}, "theme", "themes"),
    ):
        response = secretariat.post(url, action_data(action, description="Moved", **changes))
        assert response.status_code == 200, field
        assert message in response.context["form"].errors[field][0]
        assert unchanged(action, description="Do it", owner_member=None, priority=None, paragraph=st_helens.paragraph)
    # Adding is refused alike.
    response = secretariat.post(
        reverse("commissions:action_add", args=[st_helens.meeting.pk]),
        action_data(owner_kind="member", owner_member=cheshire_east.member.pk),
    )
    assert response.status_code == 200 and "owner_member" in response.context["form"].errors
    assert not Action.objects.filter(description=action_data()["description"]).exists()
    # The form offers none of them.
    fields = secretariat.get(url).context["form"].fields
    assert list(fields["owner_member"].queryset) == [st_helens.member]
    assert list(fields["priority"].queryset) == [st_helens.priority]
    assert list(fields["paragraph"].queryset) == [st_helens.paragraph]
    assert {t.framework for t in fields["theme"].queryset} == {matrix_world.framework}


def test_a_stale_edit_saves_nothing_and_says_so(matrix_world, st_helens, secretariat):
    action = st_helens.action
    opened = action.version
    # Someone else saves the action after the page was opened.
    people_services.update_action(
        matrix_world.users.superuser, Action.objects.get(pk=action.pk), version=opened, paragraph_changed=False
    )
    response = secretariat.post(
        reverse("commissions:action_edit", args=[action.pk]),
        {**action_data(action, description="My rewrite", due="01/03/2027"), "version": opened},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this action after you opened the page" in page
    assert "The action as it is saved now" in page
    assert "My rewrite" in page  # the user's text is kept in the form
    assert unchanged(action, description="Do it", due=None, version=opened + 1)
    # Saving again, now from the version shown, goes through.
    response = secretariat.post(
        reverse("commissions:action_edit", args=[action.pk]),
        action_data(action, description="My rewrite"),
    )
    assert response.status_code == 302 and unchanged(action, description="My rewrite")


def test_hostile_text_is_shown_as_text(matrix_world, st_helens, secretariat):
    hostile = '<script>alert("x")</script>'
    secretariat.post(
        reverse("commissions:action_edit", args=[st_helens.action.pk]),
        action_data(st_helens.action, description=hostile, owner_kind="organisation", owner_organisation=hostile),
    )
    secretariat.post(
        reverse("commissions:member_edit", args=[st_helens.member.pk]),
        member_data(st_helens.member, role_title=hostile, person_name=hostile),
    )
    ActionUpdate.objects.create(action=st_helens.action, date=timezone.localdate(), text=hostile)
    for url in (
        reverse("commissions:action_detail", args=[st_helens.action.pk]),
        reverse("commissions:action_edit", args=[st_helens.action.pk]),
        reverse("commissions:commission_detail", args=[matrix_world.commissions.st_helens.slug]),
        reverse("commissions:member_edit", args=[st_helens.member.pk]),
        reverse("commissions:member_remove", args=[st_helens.member.pk]),
    ):
        page = secretariat.get(url).content.decode()
        assert hostile not in page, url
        assert "&lt;script&gt;" in page, url


def test_actions_stay_editable_after_their_minutes_are_approved(st_helens, secretariat):
    Meeting.objects.filter(pk=st_helens.meeting.pk).update(status=Meeting.Status.APPROVED)
    url = reverse("commissions:action_edit", args=[st_helens.action.pk])
    assert secretariat.get(url).status_code == 200
    # The minute it arose from is still offered: an approved paragraph may be pointed at, not rewritten.
    data = action_data(st_helens.action, status="in_progress", due="30/06/2027", paragraph=st_helens.paragraph.pk)
    response = secretariat.post(url, data)
    assert response.status_code == 302
    assert unchanged(st_helens.action, status="in_progress", due=date(2027, 6, 30), paragraph=st_helens.paragraph)


def test_an_unlinked_paragraph_takes_its_reference_away(st_helens, secretariat):
    url = reverse("commissions:action_edit", args=[st_helens.action.pk])
    Action.objects.filter(pk=st_helens.action.pk).update(reference="1.1")
    assert secretariat.post(url, action_data(st_helens.action, paragraph="")).status_code == 302
    assert unchanged(st_helens.action, paragraph=None, reference="")


def test_progress_updates_show_their_author_and_date(django_user_model, matrix_world, st_helens, secretariat):
    user = matrix_world.users.secretariat
    user.first_name, user.last_name = "Sam", "Jones"
    user.save()
    leaver = django_user_model.objects.create_user(username="leaver")
    action = st_helens.action
    ActionUpdate.objects.create(action=action, date=date(2026, 3, 2), text="Asked the ICB", author=user)
    ActionUpdate.objects.create(action=action, date=date(2026, 3, 9), text="Met the CVS", author=leaver)
    leaver.delete()
    page = secretariat.get(reverse("commissions:action_detail", args=[action.pk])).content.decode()
    assert "<strong>2 Mar 2026</strong>, Sam Jones: Asked the ICB" in page
    assert "<strong>9 Mar 2026</strong>, a person no longer here: Met the CVS" in page


# Members ---------------------------------------------------------------------------------


def test_members_are_listed_by_position_with_their_terms(matrix_world, st_helens, secretariat):
    commission = matrix_world.commissions.st_helens
    today = timezone.localdate()
    Member.objects.create(commission=commission, position="independent_chair", role_title="Independent Chair")
    Member.objects.create(
        commission=commission, position="secretariat", role_title="Place Based team", organisation="NHS C&M ICB"
    )
    Member.objects.create(
        commission=commission,
        position="chair",
        role_title="Cabinet Member for Wellbeing",
        person_name="Cllr A. Former",
        starts=date(2021, 9, 1),
        ends=today - timedelta(days=1),
    )
    page = secretariat.get(reverse("commissions:commission_detail", args=[commission.slug])).content.decode()
    headings = [page.index(h) for h in ("<h3>Independent chair</h3>", "<h3>Members</h3>", "<h3>Secretariat</h3>")]
    assert headings == sorted(headings)
    assert "<h3>Chair</h3>" not in page  # the only chair's term has ended
    former = page.index("<h3>Former members</h3>")
    assert page.index("Cllr A. Former") > former and "Term ended" in page[former:]
    assert "Place Based team</dt>" in page and "NHS C&amp;M ICB</p>" in page
    assert "Term not recorded" in page and "Term 1 September 2021 – " in page
    assert reverse("commissions:member_add", args=[commission.slug]) in page
    # Others read the list without the buttons.
    other = client_for(matrix_world, "other_secretariat").get(
        reverse("commissions:commission_detail", args=[commission.slug])
    )
    assert "Independent Chair" in other.content.decode()
    assert reverse("commissions:member_add", args=[commission.slug]) not in other.content.decode()


def test_a_secretariat_adds_and_changes_a_member(matrix_world, st_helens, secretariat):
    commission = matrix_world.commissions.st_helens
    response = secretariat.post(reverse("commissions:member_add", args=[commission.slug]), member_data())
    assert response.status_code == 302
    member = Member.objects.get(role_title="Chief Executive")
    assert (member.commission, member.starts, member.ends) == (commission, date(2021, 9, 1), None)
    response = secretariat.post(
        reverse("commissions:member_edit", args=[member.pk]),
        member_data(member, position="chair", ends="31/08/2025", person_name="Jo Bloggs"),
    )
    assert response.status_code == 302
    assert unchanged(member, position="chair", ends=date(2025, 8, 31), person_name="Jo Bloggs")
    assert member.history.first().history_user == matrix_world.users.secretariat


def test_a_member_s_new_name_follows_into_the_actions_they_own(st_helens, secretariat):
    action = st_helens.action
    Action.objects.filter(pk=action.pk).update(owner_kind="member", owner_member=st_helens.member)
    action.refresh_from_db()
    version = action.version
    secretariat.post(
        reverse("commissions:member_edit", args=[st_helens.member.pk]),
        member_data(st_helens.member, role_title="Director of Public Health and Wellbeing", person_name="R. Smith"),
    )
    assert unchanged(action, owner="Director of Public Health and Wellbeing (R. Smith)", version=version + 1)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"role_title": "  "}, "role_title", "Enter the member's role"),
        ({"ends": "31/08/2021"}, "ends", "The term must end on or after the day it starts (1 September 2021)"),
        ({"starts": "1 Sept"}, "starts", "Enter a real date like 31/01/2027"),
        ({"position": "boss"}, "position", "Select a valid choice. boss is not one of the available choices."),
    ],
)
def test_bad_member_input_is_told_next_to_its_field(matrix_world, st_helens, secretariat, changes, field, message):
    before = Member.objects.count()
    response = secretariat.post(
        reverse("commissions:member_add", args=[matrix_world.commissions.st_helens.slug]), member_data(**changes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "There is a problem" in response.content.decode()
    assert Member.objects.count() == before


def test_a_stale_member_edit_saves_nothing(matrix_world, st_helens, secretariat):
    member = st_helens.member
    opened = member.version
    people_services.save_member(matrix_world.users.superuser, Member.objects.get(pk=member.pk), version=opened)
    response = secretariat.post(
        reverse("commissions:member_edit", args=[member.pk]),
        {**member_data(member, role_title="My title"), "version": opened},
    )
    assert response.status_code == 200
    assert "Someone else changed this member after you opened the page" in response.content.decode()
    assert unchanged(member, role_title="Director of Public Health")
    response = secretariat.post(
        reverse("commissions:member_end", args=[member.pk]), {"ends": "01/01/2026", "version": opened}
    )
    assert response.status_code == 200 and "the term was not ended" in response.content.decode()
    assert unchanged(member, ends=None)


def test_ending_a_term_and_removing_a_member(matrix_world, st_helens, secretariat):
    member = st_helens.member
    Member.objects.filter(pk=member.pk).update(starts=date(2021, 9, 1))
    member.refresh_from_db()
    end = reverse("commissions:member_end", args=[member.pk])
    response = secretariat.post(end, {"ends": "31/08/2021", "version": member.version})
    assert response.context["form"].errors["ends"] == [
        "The term must end on or after the day it started (1 September 2021)"
    ]
    assert secretariat.post(end, {"ends": "", "version": member.version}).context["form"].errors["ends"] == [
        "Enter the last day of the term"
    ]
    assert secretariat.post(end, {"ends": "31/08/2025", "version": member.version}).status_code == 302
    assert unchanged(member, ends=date(2025, 8, 31))

    # A seat that owns an action, or is in a meeting's attendance, is kept: the page offers to end its term.
    Action.objects.filter(pk=st_helens.action.pk).update(owner_member=member)
    remove = reverse("commissions:member_remove", args=[member.pk])
    page = secretariat.get(remove).content.decode()
    assert "owns 1 action, so removing them would lose who did what" in page
    assert "Remove the member<" not in page and end in page
    response = secretariat.post(remove)
    assert response.status_code == 200 and "End the term instead" in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()
    Action.objects.filter(pk=st_helens.action.pk).update(owner_member=None)
    Attendance.objects.create(meeting=st_helens.meeting, member=member)
    assert "is in the attendance of 1 meeting" in secretariat.post(remove).content.decode()
    assert Member.objects.filter(pk=member.pk).exists()

    # One entered by mistake goes.
    mistake = Member.objects.create(commission=member.commission, role_title="Typo")
    response = secretariat.post(reverse("commissions:member_remove", args=[mistake.pk]))
    assert response.status_code == 302 and not Member.objects.filter(pk=mistake.pk).exists()


# The permission matrix's rows ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PEOPLE_PAGES))
def test_people_pages_answer_each_role(matrix_world, name, role):
    args, viewers, allowed = PEOPLE_PAGES[name]
    response = client_for(matrix_world, role).get(reverse(name, args=args(matrix_world)))
    assert response.status_code == page_status(role, viewers, allowed)


TENANTS = {
    # tenant -> (who sees its meeting and actions, who changes them)
    "st_helens": (DRAFT_VIEWERS, ST_HELENS_CHANGERS),
    "cheshire_east": (PUBLISHED_VIEWERS, CHESHIRE_EAST_CHANGERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tenant", list(TENANTS))
def test_every_form_writes_only_for_those_who_may(matrix_world, tenant, role):
    minutes = getattr(matrix_world.minutes, tenant)
    commission = getattr(matrix_world.commissions, tenant)
    meeting_viewers, changers = TENANTS[tenant]
    allowed = role in changers
    client = client_for(matrix_world, role)

    def expect(response, viewers):
        assert response.status_code == page_status(role, viewers, changers, ok=302)

    expect(
        client.post(
            reverse("commissions:action_add", args=[minutes.meeting.pk]), action_data(description="Posted action")
        ),
        meeting_viewers,
    )
    # Cheshire East's minutes are published: no new action arises from them, even for those who may change them
    # (their actions are still chased, below).
    added = allowed and not minutes.meeting.is_locked
    assert Action.objects.filter(description="Posted action", commission=commission).exists() == added
    action = minutes.action
    expect(
        client.post(
            reverse("commissions:action_edit", args=[action.pk]),
            action_data(action, description="Edited action", owner_kind="organisation", owner_organisation="CVS"),
        ),
        meeting_viewers,
    )
    assert unchanged(action, description="Edited action", owner="CVS") == allowed
    assert unchanged(action, description="Do it", owner="DPH") != allowed

    expect(
        client.post(reverse("commissions:member_add", args=[commission.slug]), member_data(role_title="Posted")),
        COMMISSION_VIEWERS,
    )
    assert Member.objects.filter(role_title="Posted", commission=commission).exists() == allowed
    member = minutes.member
    expect(
        client.post(reverse("commissions:member_edit", args=[member.pk]), member_data(member, role_title="Edited")),
        COMMISSION_VIEWERS,
    )
    assert unchanged(member, role_title="Edited") == allowed
    member.refresh_from_db()
    expect(
        client.post(
            reverse("commissions:member_end", args=[member.pk]), {"ends": "31/08/2025", "version": member.version}
        ),
        COMMISSION_VIEWERS,
    )
    assert unchanged(member, ends=date(2025, 8, 31)) == allowed
    spare = Member.objects.create(commission=commission, role_title="Spare seat")
    expect(client.post(reverse("commissions:member_remove", args=[spare.pk])), COMMISSION_VIEWERS)
    assert Member.objects.filter(pk=spare.pk).exists() != allowed


# Roles in turn ---------------------------------------------------------------------------


def test_an_action_given_to_a_member_reaches_them_and_no_one_else_until_published(matrix_world, st_helens):
    users = matrix_world.users
    secretariat, other, viewer = (client_for(matrix_world, r) for r in ("secretariat", "other_secretariat", "viewer"))
    commission = matrix_world.commissions.st_helens
    # The ICS's population health lead holds a seat, and signs in here; so does a viewer.
    seat = Member.objects.create(
        commission=commission, role_title="Population health lead", organisation="NHS C&M ICB", user=users.reviewer
    )
    viewer_seat = Member.objects.create(commission=commission, role_title="Healthwatch", user=users.viewer)
    add = reverse("commissions:action_add", args=[st_helens.meeting.pk])

    # 1. St Helens' secretariat gives an action from its draft minutes to the seat.
    response = secretariat.post(
        add, action_data(description="Map the loneliness research", owner_kind="member", owner_member=seat.pk)
    )
    assert response.status_code == 302
    action = Action.objects.get(description="Map the loneliness research")
    detail, edit = (reverse(f"commissions:action_{n}", args=[action.pk]) for n in ("detail", "edit"))
    told = Notification.objects.get(recipient=users.reviewer, kind=Kind.ACTION_ASSIGNED, key__contains=":owner:")
    assert "Map the loneliness research" in told.body and told.link == detail
    # Cheshire East's secretariat sees nothing of it: not the page, the form, the log or St Helens' own page.
    assert other.get(detail).status_code == 404 and other.get(edit).status_code == 404
    assert "Map the loneliness research" not in other.get(reverse("commissions:action_list")).content.decode()
    st_helens_page = reverse("commissions:commission_detail", args=[commission.slug])
    assert "Map the loneliness research" not in other.get(st_helens_page).content.decode()
    assert other.post(edit, action_data(action, description="Taken over")).status_code == 404
    assert unchanged(action, description="Map the loneliness research")
    assert client_for(matrix_world, "anonymous").get(detail).status_code == 302

    # 2. Given to the viewer's seat instead: the viewer may not read draft minutes, so is not told of it.
    response = secretariat.post(edit, action_data(action, owner_kind="member", owner_member=viewer_seat.pk))
    assert response.status_code == 302
    assert unchanged(action, owner_member=viewer_seat, owner="Healthwatch")
    assert not Notification.objects.filter(recipient=users.viewer, kind=Kind.ACTION_ASSIGNED).exists()
    assert viewer.get(detail).status_code == 404

    # 3. Approved at a later meeting and published: the others read it, and still change nothing; St Helens goes
    # on chasing it.
    from commissions import approval

    meeting = st_helens.meeting
    later = Meeting.objects.create(commission=meeting.commission, starts_at=meeting.starts_at + timedelta(days=30))
    approval.approve(users.secretariat, Meeting.objects.get(pk=meeting.pk), later)
    assert secretariat.post(reverse("commissions:meeting_publish", args=[meeting.pk])).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == "published"
    for client in (other, viewer):
        page = client.get(detail)
        assert page.status_code == 200 and "Map the loneliness research" in page.content.decode()
        assert edit not in page.content.decode()
        assert client.get(edit).status_code == 403
        assert client.post(edit, action_data(action, description="Taken over")).status_code == 403
    assert unchanged(action, description="Map the loneliness research")
    assert "Map the loneliness research" in other.get(reverse("commissions:action_list")).content.decode()
    version = action.version
    response = secretariat.post(edit, action_data(action, owner_kind="member", owner_member=seat.pk, status="done"))
    assert response.status_code == 302 and unchanged(action, status="done", version=version + 1)


# Queries ---------------------------------------------------------------------------------


def test_the_commission_page_costs_the_same_queries_for_many_members(
    matrix_world,
    st_helens,
    secretariat,
    django_assert_max_num_queries,
):
    commission = matrix_world.commissions.st_helens
    positions = [p for p, _ in Member.Position.choices]
    today = timezone.localdate()
    numbers = itertools.count()

    def grow(n):
        for _ in range(n):
            i = next(numbers)
            member = Member.objects.create(
                commission=commission,
                position=positions[i % len(positions)],
                role_title=f"Role {i}",
                organisation="Council",
                starts=date(2021, 9, 1),
                ends=today - timedelta(days=1) if i % 3 == 0 else None,
            )
            Action.objects.create(
                commission=commission,
                meeting=st_helens.meeting,
                description=f"Action {i}",
                owner_kind="member",
                owner=member.role_title,
                owner_member=member,
                priority=st_helens.priority,
                due=today + timedelta(days=i),
            )

    url = reverse("commissions:commission_detail", args=[commission.slug])
    grow(3)
    with CaptureQueriesContext(connection) as small:
        assert secretariat.get(url).status_code == 200
    grow(57)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = secretariat.get(url)
    assert page.status_code == 200
    assert "Role 59</dt>" in page.content.decode() and "Action 59" in page.content.decode()


@pytest.mark.parametrize("name", ["commissions:action_list", "commissions:action_edit", "commissions:action_add"])
def test_the_action_pages_cost_the_same_queries_for_many_actions(
    matrix_world,
    st_helens,
    secretariat,
    django_assert_max_num_queries,
    name,
):
    commission = matrix_world.commissions.st_helens
    theme = matrix_world.framework.themes.get(number=1)

    def grow(n):
        start = Member.objects.count()
        for i in range(n):
            member = Member.objects.create(commission=commission, role_title=f"Role {start + i}")
            priority = Priority.objects.create(commission=commission, number=100 + start + i, title=f"P{i}")
            paragraph = st_helens.item.paragraphs.create(number=f"1.{start + i + 2}", text="More")
            Action.objects.create(
                commission=commission,
                meeting=st_helens.meeting,
                paragraph=paragraph,
                description=f"Action {start + i}",
                owner_kind="member",
                owner=member.role_title,
                owner_member=member,
                priority=priority,
                theme=theme,
                recommendation=theme.recommendations.first(),
                due=date(2020, 1, 1),
            )

    args = {
        "commissions:action_list": [],
        "commissions:action_edit": [st_helens.action.pk],
        "commissions:action_add": [st_helens.meeting.pk],
    }[name]
    url = reverse(name, args=args)
    grow(3)
    with CaptureQueriesContext(connection) as small:
        assert secretariat.get(url).status_code == 200
    grow(47)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert secretariat.get(url).status_code == 200


@pytest.mark.parametrize("status", sorted(Meeting.LOCKED_STATUSES))
def test_approved_minutes_take_no_new_action_on_any_door_but_their_actions_are_still_chased(
    matrix_world, st_helens, secretariat, status
):
    meeting = st_helens.meeting
    Meeting.objects.filter(pk=meeting.pk).update(status=status, approved_at=timezone.now())
    before = Action.objects.count()
    page = secretariat.get(reverse("commissions:meeting_detail", args=[meeting.pk])).content.decode()
    assert reverse("commissions:action_add", args=[meeting.pk]) not in page

    response = secretariat.post(reverse("commissions:action_add", args=[meeting.pk]), action_data(), follow=True)
    assert "none is added now" in response.content.decode()
    with pytest.raises(people_services.PermissionDenied):
        people_services.add_action(
            matrix_world.users.secretariat, Meeting.objects.get(pk=meeting.pk), Action(description="x", owner="y")
        )
    admin = client_for(matrix_world, "superuser")
    admin_add = admin.post(
        reverse("admin:commissions_action_add"),
        {
            "commission": meeting.commission_id,
            "meeting": meeting.pk,
            "description": "Added in the admin",
            "owner_kind": "role",
            "owner": "Chair",
            "status": "open",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert admin_add.status_code == 200 and "none is added now" in admin_add.content.decode()
    assert Action.objects.count() == before

    # An action arising from them is still chased: its progress and due date move on.
    action = st_helens.action
    edited = secretariat.post(
        reverse("commissions:action_edit", args=[action.pk]), action_data(action, due="28/02/2027", status="done")
    )
    assert edited.status_code == 302
    action.refresh_from_db()
    assert (action.due, action.status) == (date(2027, 2, 28), "done")
