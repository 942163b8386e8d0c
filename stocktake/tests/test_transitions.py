"""A return's state machine: the table, who may take each step, every door to a status, races, and reopening.

The steps are defined once (``stocktake.transitions``); these tests take
every (status, action) pair, each role on each step, then every door that
could change a status (the return page's forms, the admin's change form, its
history revert and delete, a plain ``save()``) and find each refused unless
it is a step of the table, with nothing written. Then two reviewers racing,
a submission racing a review, and a reopened return played through by the
lead, another borough's lead, a viewer and the reviewer, checking what each
sees after every step.
"""

from __future__ import annotations

import io
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atf.tests.test_versions import opened_form
from atf.versioning import StaleVersion
from stocktake import returns, transitions
from stocktake.models import Return, ReturnTransition, Round

Status, Action = Return.Status, ReturnTransition.Action
ROLES = ("superuser", "reviewer", "lead", "other_lead", "viewer", "secretariat", "nel_reviewer", "nobody")
# Who may take each step on Knowsley's return: its own lead submits, the ICS's reviewers review and reopen.
TAKERS = {
    Action.SUBMIT: {"superuser", "lead"},
    Action.ACCEPT: {"superuser", "reviewer"},
    Action.RETURN: {"superuser", "reviewer"},
    Action.REOPEN: {"superuser", "reviewer"},
}
ACTOR = {Action.SUBMIT: "lead", Action.ACCEPT: "reviewer", Action.RETURN: "reviewer", Action.REOPEN: "reviewer"}
FROM = {Action.SUBMIT: Status.DRAFT, Action.ACCEPT: Status.SUBMITTED, Action.RETURN: Status.SUBMITTED}
FROM[Action.REOPEN] = Status.ACCEPTED


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def knowsley_return(world) -> Return:
    return Return.objects.get(round=world.rounds.open, place=world.places["knowsley"])


def seed(world, status: str) -> Return:
    """Knowsley's return put at ``status`` as a fixture would: a bulk update, which records no step."""
    Return.objects.filter(pk=knowsley_return(world).pk).update(status=status)
    return knowsley_return(world)


def unchanged(world, before: Return) -> bool:
    now = knowsley_return(world)
    return (now.status, now.version, now.transitions.count()) == (before.status, before.version, 0)


def page(client, world, slug="knowsley") -> str:
    response = client.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, slug]))
    assert response.status_code == 200
    return response.content.decode()


# The table ----------------------------------------------------------------------------------


def test_the_table_is_the_one_the_rules_say():
    assert transitions.TRANSITIONS == {
        (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
        (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
        (Status.SUBMITTED, Action.ACCEPT): Status.ACCEPTED,
        (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
        (Status.ACCEPTED, Action.REOPEN): Status.RETURNED,
    }
    assert set(transitions.TAKEN_BY) == set(Action.values)
    assert {Action.RETURN, Action.REOPEN} == transitions.REASON_REQUIRED


@pytest.mark.parametrize("action", Action.values)
@pytest.mark.parametrize("status", Status.values)
def test_every_pair_is_taken_or_refused_as_the_table_says(world, status, action):
    before = seed(world, status)
    actor = getattr(world.users, ACTOR[action])
    allowed = (status, action) in transitions.TRANSITIONS
    assert transitions.may_take(actor, world.rounds.open, world.places["knowsley"], action, status) == allowed
    if not allowed:
        with pytest.raises(transitions.TransitionRefused) as refused:
            transitions.take(actor, world.rounds.open, world.places["knowsley"], action, reason="Because")
        assert f"Knowsley's return is {Status(status).label.lower()}, so it cannot be" in str(refused.value)
        assert unchanged(world, before)
        return
    after = transitions.take(actor, world.rounds.open, world.places["knowsley"], action, reason="Because")
    assert after.status == transitions.TRANSITIONS[(status, action)]
    assert after.version == before.version + 1
    (step,) = after.transitions.all()
    assert (step.action, step.from_status, step.to_status, step.by) == (action, status, after.status, actor)
    assert step.reason == "Because" and timezone.now() - step.at < timedelta(minutes=1)
    assert after.history.first().history_user == actor  # the change is in the row's own history too


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", Action.values)
def test_each_step_is_taken_only_by_its_role(world, action, role):
    before = seed(world, FROM[action])
    user = getattr(world.users, role)
    place = world.places["knowsley"]
    allowed = role in TAKERS[action]
    assert transitions.may_take(user, world.rounds.open, place, action, FROM[action]) == allowed
    if allowed:
        assert transitions.take(user, world.rounds.open, place, action, reason="Why").transitions.count() == 1
    else:
        with pytest.raises(transitions.TransitionRefused, match="Only"):
            transitions.take(user, world.rounds.open, place, action, reason="Why")
        assert unchanged(world, before)


@pytest.mark.parametrize("action", sorted(transitions.REASON_REQUIRED))
def test_returning_and_reopening_need_a_reason(world, action):
    before = seed(world, FROM[action])
    with pytest.raises(transitions.TransitionRefused, match="Give a reason"):
        transitions.take(world.users.reviewer, world.rounds.open, world.places["knowsley"], action, reason="  \n ")
    assert unchanged(world, before)


@pytest.mark.parametrize("action", Action.values)
def test_no_step_in_a_closed_round(world, action):
    before = seed(world, FROM[action])
    Round.objects.filter(pk=world.rounds.open.pk).update(status=Round.Status.CLOSED)
    with pytest.raises(returns.RoundClosed):
        transitions.take(world.users.superuser, world.rounds.open, world.places["knowsley"], action, reason="Why")
    assert unchanged(world, before)
    round_ = Round.objects.get(pk=world.rounds.open.pk)
    assert not transitions.may_take(world.users.superuser, round_, world.places["knowsley"], action, FROM[action])


def test_a_step_from_a_page_at_an_older_version_is_refused(world):
    knowsley = knowsley_return(world)
    with pytest.raises(StaleVersion):
        returns.submit(world.users.lead, world.rounds.open, world.places["knowsley"], version=knowsley.version + 5)
    assert unchanged(world, knowsley)


@pytest.mark.parametrize("slug", ["hackney", "cheshire-and-merseyside"])
def test_only_a_borough_of_the_round_s_system_has_a_return(world, slug):
    with pytest.raises(transitions.TransitionRefused, match="not one of its boroughs"):
        transitions.take(world.users.superuser, world.rounds.open, world.places[slug], Action.SUBMIT)
    assert not Return.objects.filter(place=world.places[slug]).exists()


def test_a_borough_s_first_submission_creates_its_return(world):
    wirral = world.places["wirral"]
    client = signed_in(world.users.superuser)
    assert page_version(client, world, "wirral") == 1  # the page shows a draft not saved yet
    url = reverse("stocktake:return_submit", args=[world.rounds.open.slug, "wirral"])
    response = client.post(url, {"confirmed": "yes", "version": "1"})
    assert "Wirral's return is submitted to the ICS for review." in messages_of(response)
    submitted = Return.objects.get(round=world.rounds.open, place=wirral)
    assert submitted.status == Status.SUBMITTED
    assert list(submitted.transitions.values_list("from_status", "to_status")) == [("draft", "submitted")]


# Other doors: save(), the admin's forms, its history revert and delete -----------------------


def test_a_plain_save_cannot_change_a_status_or_move_a_return(world):
    knowsley = knowsley_return(world)
    for field, value in (("status", Status.ACCEPTED), ("place", world.places["halton"])):
        copy = knowsley_return(world)
        setattr(copy, field, value)
        with pytest.raises(transitions.TransitionRefused, match="nothing was saved"):
            copy.save()
    assert unchanged(world, knowsley)
    # Everything else is saved as ever.
    copy = knowsley_return(world)
    copy.deadline = timezone.localdate()
    copy.save()
    assert knowsley_return(world).deadline == copy.deadline


def test_the_admin_s_change_form_offers_no_status_and_ignores_one_posted(world):
    knowsley = knowsley_return(world)
    url = reverse("admin:stocktake_return_change", args=[knowsley.pk])
    reviewer = signed_in(world.users.reviewer)
    form = opened_form(reviewer, url)
    assert "status" not in form and "place" not in form and "round" not in form
    posted = {
        **form,
        "status": ["accepted"],
        "place": [str(world.places["halton"].pk)],
        "comment": ["Looked at in the admin"],
        "_save": ["Save"],
    }
    assert reviewer.post(url, posted).status_code == 302
    now = knowsley_return(world)
    assert (now.status, now.place, now.comment) == (Status.DRAFT, world.places["knowsley"], "Looked at in the admin")
    assert not now.transitions.exists()


def test_the_admin_shows_the_steps_read_only(world):
    returns.submit(world.users.lead, world.rounds.open, world.places["knowsley"])
    returns.review(
        world.users.reviewer, world.rounds.open, world.places["knowsley"], decision="returned", comment="Add theme 7"
    )
    knowsley = knowsley_return(world)
    content = signed_in(world.users.reviewer).get(reverse("admin:stocktake_return_change", args=[knowsley.pk]))
    text = content.content.decode()
    assert "Steps through review" in text and "Add theme 7" in text and "lead-knowsley" in text
    assert 'name="transitions-0-reason"' not in text  # shown, not editable
    # Posting the form again, as the browser would, changes no step.
    url = reverse("admin:stocktake_return_change", args=[knowsley.pk])
    form = opened_form(signed_in(world.users.reviewer), url)
    assert signed_in(world.users.reviewer).post(url, {**form, "_save": ["Save"]}).status_code == 302
    assert list(knowsley.transitions.values_list("action", flat=True)) == ["submit", "return"]


def test_a_history_revert_restores_the_deadline_but_never_the_status(world):
    place, round_ = world.places["knowsley"], world.rounds.open
    draft = knowsley_return(world).history.first()  # as the fixture made it: a draft, no deadline
    knowsley = knowsley_return(world)
    knowsley.deadline = timezone.localdate() + timedelta(days=30)
    knowsley.save()
    returns.submit(world.users.lead, round_, place)
    reviewer = signed_in(world.users.reviewer)
    url = reverse("admin:stocktake_return_simple_history", args=[knowsley.pk, draft.history_id])
    form_page = reviewer.get(url)
    assert form_page.status_code == 200 and 'name="status"' not in form_page.content.decode()
    form = {k: v for k, v in opened_form(reviewer, url).items()}
    assert reviewer.post(url, {**form, "status": ["draft"], "_save": ["Save"]}).status_code == 302
    now = knowsley_return(world)
    assert now.status == Status.SUBMITTED and now.deadline is None
    assert list(now.transitions.values_list("action", flat=True)) == ["submit"]


def test_a_return_past_draft_is_never_deleted(world):
    halton = Return.objects.get(round=world.rounds.open, place=world.places["halton"])
    for role in ("reviewer", "superuser"):
        client = signed_in(getattr(world.users, role))
        url = reverse("admin:stocktake_return_delete", args=[halton.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
        bulk = client.post(
            reverse("admin:stocktake_return_changelist"),
            {"action": "delete_selected", "_selected_action": [halton.pk], "post": "yes"},
        )
        assert bulk.status_code in (302, 403)
    assert Return.objects.filter(pk=halton.pk, status=Status.SUBMITTED).exists()
    # A draft (here only a deadline) may go.
    knowsley = knowsley_return(world)
    assert (
        signed_in(world.users.reviewer)
        .post(reverse("admin:stocktake_return_delete", args=[knowsley.pk]), {"post": "yes"})
        .status_code
        == 302
    )
    assert not Return.objects.filter(pk=knowsley.pk).exists()


# The pages ---------------------------------------------------------------------------------


def accept_halton(world) -> Return:
    return returns.review(
        world.users.reviewer, world.rounds.open, world.places["halton"], decision="accepted", comment=""
    )


def test_reopening_without_a_reason_shows_the_error_beside_the_field(world):
    accept_halton(world)
    reviewer = signed_in(world.users.reviewer)
    halton = Return.objects.get(round=world.rounds.open, place=world.places["halton"])
    url = reverse("stocktake:return_reopen", args=[world.rounds.open.slug, "halton"])
    response = reviewer.post(url, {"reason": "   ", "version": halton.version})
    assert response.status_code == 400
    content = response.content.decode()
    assert "<title>Error:" in content
    assert 'class="nhsuk-error-summary"' in content and 'href="#id_reason"' in content
    assert 'id="id_reason-error"' in content and "Say why you are reopening the return" in content
    assert Return.objects.get(pk=halton.pk).status == Status.ACCEPTED


def test_reopening_what_is_not_accepted_or_closed_or_stale_says_why_and_keeps_the_reason(world):
    reviewer = signed_in(world.users.reviewer)
    url = reverse("stocktake:return_reopen", args=[world.rounds.open.slug, "halton"])
    # Halton's return is submitted, not accepted.
    response = reviewer.post(url, {"reason": "Look again"}, follow=True)
    assert any("only an accepted return can be reopened" in m and "Look again" in m for m in messages_of(response))
    halton = accept_halton(world)
    # Opened at an older version: someone changed it since.
    response = reviewer.post(url, {"reason": "Stale reason", "version": halton.version - 1}, follow=True)
    (message,) = messages_of(response)
    assert "was changed after you opened this page, so it was not reopened" in message
    assert "It was accepted by reviewer" in message and "“Stale reason”" in message
    # The round closed since.
    Round.objects.filter(pk=world.rounds.open.pk).update(status=Round.Status.CLOSED)
    response = reviewer.post(url, {"reason": "Closed reason", "version": halton.version}, follow=True)
    assert any("is closed" in m and "Closed reason" in m for m in messages_of(response))
    assert Return.objects.get(pk=halton.pk).status == Status.ACCEPTED
    assert list(Return.objects.get(pk=halton.pk).transitions.values_list("action", flat=True)) == ["accept"]


def test_a_review_of_a_draft_or_a_forged_decision_changes_nothing(world):
    reviewer = signed_in(world.users.reviewer)
    knowsley = knowsley_return(world)
    url = reverse("stocktake:return_review", args=[world.rounds.open.slug, "knowsley"])
    response = reviewer.post(url, {"decision": "accepted", "comment": "Early", "version": knowsley.version})
    assert response.status_code == 302
    assert unchanged(world, knowsley)
    halton = Return.objects.get(round=world.rounds.open, place=world.places["halton"])
    url = reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"])
    response = reviewer.post(url, {"decision": "draft", "comment": "", "version": halton.version})
    assert response.status_code == 400
    assert Return.objects.get(pk=halton.pk).status == Status.SUBMITTED


# Races ---------------------------------------------------------------------------------------


def test_two_reviewers_racing_one_wins_and_the_other_is_told(world):
    first, second = signed_in(world.users.reviewer), signed_in(world.users.superuser)
    url = reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"])
    opened = [page_version(client, world, "halton") for client in (first, second)]
    assert opened[0] == opened[1]
    assert first.post(url, {"decision": "accepted", "comment": "", "version": opened[0]}).status_code == 302
    response = second.post(
        url, {"decision": "returned", "comment": "Please add theme 7", "version": opened[1]}, follow=True
    )
    (message,) = messages_of(response)
    assert "was changed after you opened this page, so your review was not saved" in message
    assert "It was accepted by reviewer" in message and "“Please add theme 7”" in message
    halton = Return.objects.get(round=world.rounds.open, place=world.places["halton"])
    assert halton.status == Status.ACCEPTED and halton.comment == ""
    assert list(halton.transitions.values_list("action", "by__username")) == [("accept", "reviewer")]


def test_a_review_from_before_a_return_and_resubmission_is_refused(world):
    """The reviewer's page showed Halton submitted; since then it was returned and submitted again."""
    reviewer, other_reviewer = signed_in(world.users.reviewer), world.users.superuser
    opened = page_version(reviewer, world, "halton")
    halton = world.places["halton"]
    returns.review(other_reviewer, world.rounds.open, halton, decision="returned", comment="Add theme 7")
    returns.submit(world.users.other_lead, world.rounds.open, halton)
    url = reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"])
    response = reviewer.post(url, {"decision": "accepted", "comment": "", "version": opened})
    # Submitted again, so the form comes back at the newer version, with why nothing was saved.
    assert response.status_code == 400
    assert "your review was not saved" in response.content.decode()
    assert Return.objects.get(round=world.rounds.open, place=halton).status == Status.SUBMITTED
    assert response.context["review_form"]["version"].value() == str(page_version(reviewer, world, "halton"))


def test_a_submission_from_before_a_reviewer_s_change_is_refused(world):
    lead = signed_in(world.users.lead)
    opened = page_version(lead, world, "knowsley")
    knowsley = knowsley_return(world)
    knowsley.deadline = timezone.localdate() + timedelta(days=3)  # the reviewer gives Knowsley more time meanwhile
    knowsley.save()
    url = reverse("stocktake:return_submit", args=[world.rounds.open.slug, "knowsley"])
    response = lead.post(url, {"confirmed": "yes", "version": opened}, follow=True)
    assert any("changed by someone else after you opened this page" in m for m in messages_of(response))
    assert knowsley_return(world).status == Status.DRAFT and not knowsley_return(world).transitions.exists()


def page_version(client, world, slug) -> int | None:
    response = client.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, slug]))
    return response.context["return"].version if response.context["return"] else None


# Reopened, end to end, as everyone sees it -------------------------------------------------


def test_a_reopened_return_as_the_lead_another_lead_a_viewer_and_the_reviewer_see_it(world):
    round_, place = world.rounds.open, world.places["knowsley"]
    lead, other, viewer, reviewer = (
        signed_in(getattr(world.users, role)) for role in ("lead", "other_lead", "viewer", "reviewer")
    )
    draft = world.entries.knowsley.text
    detail = reverse("stocktake:return_detail", args=[round_.slug, "knowsley"])

    def outsiders_see(published: bool):
        for client in (other, viewer):
            content = page(client, world)
            assert (draft in content) is published
            assert "History of Knowsley's return" not in content and "Reopen this return" not in content
            assert "Theme 7 is missing" not in content

    # 1. The lead submits.
    response = lead.post(reverse("stocktake:return_submit", args=[round_.slug, "knowsley"]), {"confirmed": "yes"})
    assert "Knowsley's return is submitted to the ICS for review." in messages_of(response)
    mine = page(lead, world)
    assert "History of Knowsley's return" in mine and "lead-knowsley" in mine
    assert "Add an entry" not in mine and "Reopen this return" not in mine
    outsiders_see(published=True)
    assert "Review this return" in page(reviewer, world)

    # 2. The reviewer accepts: now it can be reopened.
    version = page_version(reviewer, world, "knowsley")
    response = reviewer.post(
        reverse("stocktake:return_review", args=[round_.slug, "knowsley"]),
        {"decision": "accepted", "comment": "Thank you", "version": version},
    )
    assert "Knowsley's return is accepted." in messages_of(response)
    theirs = page(reviewer, world)
    assert "Reopen this return" in theirs and "Review this return" not in theirs
    assert "Reopen this return" not in page(lead, world)
    outsiders_see(published=True)

    # 3. The reviewer reopens it with a reason.
    response = reviewer.post(
        reverse("stocktake:return_reopen", args=[round_.slug, "knowsley"]),
        {"reason": "Theme 7 is missing.\nPlease add what Knowsley does.", "version": version + 1},
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert any("Knowsley's return is reopened" in m for m in messages_of(response))
    assert knowsley_return(world).status == Status.RETURNED
    mine = page(lead, world)
    assert "Reopened by the ICS after it was accepted" in mine
    assert "Theme 7 is missing.<br>Please add what Knowsley does." in mine
    assert "Add an entry" in mine and "Submit Knowsley's return" in mine
    assert "Theme 7 is missing." in signed_in(world.users.lead).get(reverse("home")).content.decode()
    outsiders_see(published=False)  # private to Knowsley again until it is submitted once more
    theirs = page(reviewer, world)
    assert "Reopen this return" not in theirs and "Review this return" not in theirs

    # 4. The lead adds an entry and submits again; 5. the reviewer accepts it.
    add = reverse("stocktake:entry_add", args=[round_.slug, "knowsley", "theme", 7])
    assert (
        lead.post(add, {"text": "Anti-racism pledge signed by every school", "places": [place.pk]}).status_code == 302
    )
    response = lead.post(reverse("stocktake:return_submit", args=[round_.slug, "knowsley"]), {"confirmed": "yes"})
    assert "Knowsley's return is submitted to the ICS for review." in messages_of(response)
    outsiders_see(published=True)
    assert "Anti-racism pledge" in page(other, world)
    returns.review(world.users.reviewer, round_, place, decision="accepted", comment="")
    steps = list(knowsley_return(world).transitions.values_list("action", "from_status", "to_status", "by__username"))
    assert steps == [
        ("submit", "draft", "submitted", "lead-knowsley"),
        ("accept", "submitted", "accepted", "reviewer"),
        ("reopen", "accepted", "returned", "reviewer"),
        ("submit", "returned", "submitted", "lead-knowsley"),
        ("accept", "submitted", "accepted", "reviewer"),
    ]
    history = page(lead, world).split("History of Knowsley's return")[1]
    assert history.count('<tr class="nhsuk-table__row">') == 1 + 5  # the header and five steps
    assert "Reopened: returned for changes" in history and "Theme 7 is missing." in history
    outsiders_see(published=True)


# The record of returns that took their steps before it was kept, and the demo's ------------


def test_the_data_migration_records_the_steps_the_fields_tell(world):
    now = timezone.now()
    reviewer, lead = world.users.reviewer, world.users.other_lead
    ReturnTransition.objects.all().delete()
    halton = Return.objects.get(round=world.rounds.open, place=world.places["halton"])
    Return.objects.filter(pk=halton.pk).update(
        status="submitted",
        submitted_at=now,
        submitted_by=lead,
        reviewed_at=now - timedelta(days=2),
        reviewed_by=reviewer,
        comment="Add theme 7",
    )
    sefton = Return.objects.create(
        round=world.rounds.open,
        place=world.places["sefton"],
        status="accepted",
        submitted_at=now - timedelta(days=5),
        reviewed_at=now - timedelta(days=1),
        reviewed_by=reviewer,
    )
    import_module("stocktake.migrations.0007_return_transitions").backfill(apps, None)
    assert list(halton.transitions.values_list("action", "from_status", "to_status", "by__username")) == [
        ("return", "submitted", "returned", "reviewer"),
        ("submit", "returned", "submitted", "lead-halton"),
    ]
    assert list(sefton.transitions.values_list("action", "to_status")) == [
        ("submit", "submitted"),
        ("accept", "accepted"),
    ]
    assert not knowsley_return(world).transitions.exists()  # a draft took no step


def test_the_demo_s_returns_took_their_steps(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    st_helens = Return.objects.get(round__slug="atf-stocktake-2026", place__slug="st-helens")
    steps = list(st_helens.transitions.values_list("action", "by__username"))
    assert steps == [("submit", "lead-st-helens"), ("accept", "ics-reviewer")]
    assert st_helens.transitions.first().at == st_helens.submitted_at
    sefton = Return.objects.get(round__slug="atf-stocktake-2026", place__slug="sefton")
    assert sefton.transitions.last().reason == sefton.comment != ""
