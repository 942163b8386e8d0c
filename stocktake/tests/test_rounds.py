"""Running rounds from the pages: opening (and starting from the previous round), deadlines, closing, reopening."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from atf import access
from boroughs.models import Place
from stocktake import returns, rounds
from stocktake.models import Entry, Return, Round
from stocktake.templatetags.deadlines import deadline_phrase


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def today():
    return timezone.localdate()


def round_data(world, **changes):
    data = {
        "name": "ATF Stocktake Apr-Jun 2026",
        "framework": world.framework.pk,
        "period_start": "01/04/2026",
        "period_end": "30/06/2026",
        "deadline": "31/07/2026",
        "previous": "",
    }
    data.update(changes)
    return data


def borough_entry(round_, places, text, *, theme_number=1, recommendations=(), indicators=()):
    theme = round_.framework.themes.get(number=theme_number)
    entry = Entry.objects.create(
        round=round_, theme=theme, level="borough", lead_in=f"{places[0].label} - ", text=text, position=3
    )
    entry.places.set(places)
    entry.recommendations.set(recommendations)
    entry.indicators.set(indicators)
    return entry


# Deadlines in words ----------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, words",
    [
        (0, "due today"),
        (1, "due tomorrow"),
        (5, "due in 5 days"),
        (-1, "overdue by 1 day"),
        (-3, "overdue by 3 days"),
    ],
)
def test_deadlines_read_as_words(offset, words):
    day = date(2026, 3, 31)
    assert deadline_phrase(day + timedelta(days=offset), today=day) == words
    assert deadline_phrase(None, today=day) == ""


# Opening a round -----------------------------------------------------------------


def test_a_reviewer_opens_a_round_through_the_page(world):
    client = logged_in(world.users.reviewer)
    assert client.get(reverse("stocktake:round_new")).status_code == 200
    response = client.post(reverse("stocktake:round_new"), round_data(world))
    round_ = Round.objects.get(name="ATF Stocktake Apr-Jun 2026")
    assert response.status_code == 302 and response["Location"] == reverse("stocktake:round_manage", args=[round_.slug])
    assert round_.status == Round.Status.OPEN and round_.framework == world.framework
    assert (round_.period_start, round_.period_end, round_.deadline) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        date(2026, 7, 31),
    )
    assert not round_.entries.exists() and not round_.rows.exists()
    assert round_.history.get().history_user == world.users.reviewer
    # Leads can add to it straight away: it needs no rows.
    lead = logged_in(world.users.lead)
    added = lead.post(
        reverse("stocktake:entry_add", args=[round_.slug, "knowsley", "theme", 1]),
        {"text": "Family hubs in every township.", "places": [world.places["knowsley"].pk]},
    )
    assert added.status_code == 302 and round_.entries.get().text == "Family hubs in every township."


def test_opening_from_the_previous_round_copies_each_borough_s_entries_as_drafts(world):
    closed = world.rounds.closed
    knowsley, liverpool, halton = (world.places[s] for s in ("knowsley", "liverpool", "halton"))
    theme = world.framework.themes.get(number=1)
    shared = borough_entry(
        closed,
        [knowsley, liverpool],
        "Knowsley and Liverpool joint family hub",
        recommendations=theme.recommendations.all()[:2],
        indicators=theme.indicators.all()[:1],
    )
    borough_entry(closed, [halton], "Halton 2023 youth hub", theme_number=2)
    # Not a borough's own: the ICS column's entry stays behind, as does an entry naming no place.
    ics = Entry.objects.create(
        round=closed,
        theme=theme,
        level="ics",
        column_place=world.places["cheshire-and-merseyside"],
        text="C&M-wide programme",
    )
    Entry.objects.create(round=closed, theme=theme, level="borough", text="Nobody's entry")

    response = logged_in(world.users.reviewer).post(
        reverse("stocktake:round_new"), round_data(world, previous=closed.pk)
    )
    assert response.status_code == 302
    new = Round.objects.get(name="ATF Stocktake Apr-Jun 2026")
    copied = {e.text: e for e in new.entries.all()}
    assert set(copied) == {"Knowsley and Liverpool joint family hub", "Halton 2023 youth hub", "Sefton 2023 family hub"}
    assert ics.text not in copied
    copy = copied[shared.text]
    assert copy.pk != shared.pk and copy.version == 1
    for name in ("theme_id", "system_recommendation_id", "level", "column_place_id", "lead_in", "position"):
        assert getattr(copy, name) == getattr(shared, name), name
    assert set(copy.places.all()) == {knowsley, liverpool}
    assert set(copy.recommendations.all()) == set(shared.recommendations.all())
    assert set(copy.indicators.all()) == set(shared.indicators.all())
    assert copy.history.get().history_user == world.users.reviewer
    # Drafts: no return is submitted, so each lead sees only their own borough's.
    assert not new.returns.exists()
    lead_sees = access.restrict(new.entries.all(), world.users.lead, access.VIEW)
    assert {e.text for e in lead_sees} == {"Knowsley and Liverpool joint family hub"}
    halton_sees = access.restrict(new.entries.all(), world.users.other_lead, access.VIEW)
    assert {e.text for e in halton_sees} == {"Halton 2023 youth hub"}
    page = logged_in(world.users.lead).get(reverse("stocktake:return_detail", args=[new.slug, "knowsley"]))
    assert shared.text in page.content.decode() and "Halton 2023 youth hub" not in page.content.decode()
    # The old round keeps its own entries.
    assert closed.entries.filter(text=shared.text).count() == 1


def test_copying_costs_the_same_queries_for_ten_times_the_entries(world):
    source = world.rounds.closed
    knowsley = world.places["knowsley"]
    theme = world.framework.themes.get(number=1)

    def grow(n):
        for i in range(n):
            borough_entry(source, [knowsley], f"Entry {i}", recommendations=theme.recommendations.all()[:1])

    def copy_queries(name):
        with CaptureQueriesContext(connection) as context:
            opened = rounds.open_round(
                world.users.reviewer,
                framework=world.framework,
                name=name,
                period_start=None,
                period_end=None,
                deadline=None,
                previous=source,
            )
        return opened.copied, len(context.captured_queries)

    grow(5)
    small_copied, small = copy_queries("Copy one")
    grow(45)
    large_copied, large = copy_queries("Copy two")
    assert (small_copied, large_copied) == (6, 51)  # with the world's own Sefton entry
    assert large <= small


def test_a_duplicate_name_is_refused_beside_the_field(world):
    client = logged_in(world.users.reviewer)
    for name, words in (
        ("Open round 2025", "There is already a round called"),
        ("open ROUND 2025", "There is already a round called"),
        ("Open round, 2025!", "makes the same web address"),
        ("!!!", "with letters or numbers"),
    ):
        response = client.post(reverse("stocktake:round_new"), round_data(world, name=name))
        content = response.content.decode()
        assert response.status_code == 200 and "There is a problem" in content
        # Beside the name field: its error message sits in the field's own group.
        field_group = content.split('for="id_name"')[1].split('for="id_framework"')[0]
        assert words in field_group and 'id="id_name-error"' in field_group
    assert Round.objects.count() == 3


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"period_end": "01/03/2026"}, "period_end", "The period must end on or after the day it starts"),
        ({"deadline": "31/02/2026"}, "deadline", "Enter a real date"),
        ({"deadline": "soon"}, "deadline", "Enter a real date"),
        ({"name": ""}, "name", "Enter a name for the round"),
        ({"framework": "999999"}, "framework", "Choose one of the frameworks listed"),
        ({"previous": "not-a-number"}, "previous", "Choose one of the rounds listed"),
    ],
)
def test_bad_input_is_named_beside_its_field_and_nothing_is_opened(world, changes, field, words):
    response = logged_in(world.users.reviewer).post(reverse("stocktake:round_new"), round_data(world, **changes))
    assert response.status_code == 200
    assert f'id="id_{field}-error"' in response.content.decode() and words in response.content.decode()
    assert Round.objects.count() == 3


def test_a_reviewer_of_another_ics_cannot_use_or_copy_this_one(world):
    client = logged_in(world.users.nel_reviewer)
    form = client.get(reverse("stocktake:round_new")).content.decode()
    assert "NEL framework" in form and world.framework.name not in form and "Closed round 2023" not in form
    response = client.post(reverse("stocktake:round_new"), round_data(world))
    assert "Choose one of the frameworks listed" in response.content.decode()
    nel = world.rounds.nel.framework
    response = client.post(
        reverse("stocktake:round_new"), round_data(world, framework=nel.pk, previous=world.rounds.closed.pk)
    )
    assert "Choose one of the rounds listed" in response.content.decode()
    assert Round.objects.count() == 3
    for name in ("round_manage", "round_close", "round_reopen"):
        assert client.get(reverse(f"stocktake:{name}", args=[world.rounds.open.slug])).status_code == 404
    assert client.get(reverse("stocktake:round_manage", args=[world.rounds.nel.slug])).status_code == 200
    assert (
        logged_in(world.users.reviewer).get(reverse("stocktake:round_manage", args=[world.rounds.nel.slug])).status_code
        == 404
    )


# Who may use the pages -----------------------------------------------------------


def new_urls(world):
    slug = world.rounds.open.slug
    return {
        "round_new": (reverse("stocktake:round_new"), round_data(world, name="Sneaky round")),
        "round_manage": (reverse("stocktake:round_manage", args=[slug]), {}),
        "return_deadline": (
            reverse("stocktake:return_deadline", args=[slug, "knowsley"]),
            {"deadline": "01/01/2030", "version": ""},
        ),
        "round_close": (reverse("stocktake:round_close", args=[slug]), {"version": world.rounds.open.version}),
        "round_reopen": (reverse("stocktake:round_reopen", args=[slug]), {"version": world.rounds.open.version}),
    }


# The C&M open round: those who may read it are refused (403), those who may not see it are not told it exists.
REFUSED = {
    "lead": 403,
    "other_lead": 403,
    "viewer": 403,
    "secretariat": 403,
    "other_secretariat": 403,
    "nobody": 404,
    "nel_reviewer": 404,
}


@pytest.mark.parametrize("role", list(REFUSED) + ["anonymous"])
@pytest.mark.parametrize("name", ["round_new", "round_manage", "return_deadline", "round_close", "round_reopen"])
def test_only_the_ics_reviewers_may_see_or_post_the_round_pages(world, role, name):
    url, data = new_urls(world)[name]
    client = Client() if role == "anonymous" else logged_in(getattr(world.users, role))
    before = list(Round.objects.order_by("pk").values_list("pk", "status", "version"))
    returns_before = list(Return.objects.order_by("pk").values_list("pk", "deadline", "version"))
    for response in (client.get(url), client.post(url, data)):
        if role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
        elif name == "round_new":
            # Opening a round is for reviewers of some framework's system: NEL's reviewer opens NEL's.
            assert response.status_code == (200 if role == "nel_reviewer" else 403)
        else:
            assert response.status_code == REFUSED[role]
    assert list(Round.objects.order_by("pk").values_list("pk", "status", "version")) == before
    assert list(Return.objects.order_by("pk").values_list("pk", "deadline", "version")) == returns_before


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_reviewers_and_superusers_may_use_every_round_page(world, role):
    client = logged_in(getattr(world.users, role))
    for name, (url, _) in new_urls(world).items():
        response = client.get(url)
        if name == "round_reopen":  # open already: back to the management page, saying so
            assert response.status_code == 302
        else:
            assert response.status_code == 200, name


def test_the_round_list_links_to_management_for_reviewers_only(world):
    page = logged_in(world.users.reviewer).get(reverse("stocktake:round_list")).content.decode()
    assert reverse("stocktake:round_manage", args=[world.rounds.open.slug]) in page
    assert reverse("stocktake:round_new") in page
    page = logged_in(world.users.lead).get(reverse("stocktake:round_list")).content.decode()
    assert "/manage/" not in page and reverse("stocktake:round_new") not in page


# Deadlines ----------------------------------------------------------------------


def set_round_deadline(round_, day):
    round_.refresh_from_db()
    round_.deadline = day
    round_.save()


def extend(client, world, slug, day):
    url = reverse("stocktake:return_deadline", args=[world.rounds.open.slug, slug])
    form = client.get(url)
    version = form.context["form"].initial["version"]
    return client.post(url, {"deadline": day.strftime("%d/%m/%Y") if day else "", "version": version})


def test_an_extended_deadline_shows_on_the_lead_s_home(world):
    set_round_deadline(world.rounds.open, today() + timedelta(days=3))
    reviewer = logged_in(world.users.reviewer)
    response = extend(reviewer, world, "knowsley", today() + timedelta(days=10))
    assert response.status_code == 302
    knowsley = Return.objects.get(round=world.rounds.open, place__slug="knowsley")
    assert knowsley.deadline == today() + timedelta(days=10) and knowsley.due == knowsley.deadline
    assert knowsley.history.first().history_user == world.users.reviewer
    # The form shows the extension as it reads dates back, so saving it unchanged keeps it.
    form = reviewer.get(reverse("stocktake:return_deadline", args=[world.rounds.open.slug, "knowsley"]))
    assert f'value="{knowsley.deadline:%d/%m/%Y}"' in form.content.decode()
    home = logged_in(world.users.lead).get(reverse("home")).content.decode()
    assert "due in 10 days" in home
    # The open rounds list still gives the round's own deadline.
    assert "due in 3 days" in home
    # A borough with no return yet gets one, as a draft, with its deadline.
    extend(reviewer, world, "wirral", today() + timedelta(days=7))
    wirral = Return.objects.get(round=world.rounds.open, place__slug="wirral")
    assert wirral.status == Return.Status.DRAFT and wirral.deadline == today() + timedelta(days=7)
    # Cleared: back to the round's deadline.
    extend(reviewer, world, "knowsley", None)
    assert Return.objects.get(pk=knowsley.pk).deadline is None
    assert "due in 3 days" in logged_in(world.users.lead).get(reverse("home")).content.decode()


def test_an_extension_earlier_than_the_round_s_deadline_is_refused(world):
    set_round_deadline(world.rounds.open, today() + timedelta(days=3))
    response = extend(logged_in(world.users.reviewer), world, "knowsley", today())
    assert response.status_code == 200 and 'id="id_deadline-error"' in response.content.decode()
    assert Return.objects.get(round=world.rounds.open, place__slug="knowsley").deadline is None


def test_an_overdue_return_is_marked_in_words_and_with_a_tag(world):
    set_round_deadline(world.rounds.open, today() - timedelta(days=3))
    home = logged_in(world.users.lead).get(reverse("home")).content.decode()
    assert "overdue by 3 days" in home and "nhsuk-tag--red" in home
    manage = logged_in(world.users.reviewer).get(reverse("stocktake:round_manage", args=[world.rounds.open.slug]))
    rows = {line.place.slug: line for line in manage.context["boroughs"]}
    assert rows["knowsley"].waiting and not rows["halton"].waiting  # Halton has submitted: not late
    assert "overdue by 3 days" in manage.content.decode()


def test_the_coverage_grid_shows_extended_deadlines_only_to_who_may_read_the_return(world):
    set_round_deadline(world.rounds.open, today() + timedelta(days=3))
    extend(logged_in(world.users.reviewer), world, "knowsley", today() + timedelta(days=12))
    url = reverse("stocktake:coverage", args=[world.rounds.open.slug])
    for role, sees in (("reviewer", True), ("lead", True), ("other_lead", False), ("viewer", False)):
        page = logged_in(getattr(world.users, role)).get(url).content.decode()
        assert "due in 3 days" in page, role
        assert ("due in 12 days" in page) == sees, role


# Closing and reopening ------------------------------------------------------------


def test_close_then_reopen(world):
    round_ = world.rounds.open
    reviewer = logged_in(world.users.reviewer)
    confirm = reviewer.get(reverse("stocktake:round_close", args=[round_.slug]))
    assert "every borough" in confirm.content.decode() and 'name="version"' in confirm.content.decode()
    response = reviewer.post(reverse("stocktake:round_close", args=[round_.slug]), {"version": round_.version})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED and round_.history.first().history_user == world.users.reviewer
    manage = reviewer.get(reverse("stocktake:round_manage", args=[round_.slug])).content.decode()
    assert returns.closed_message(round_) in manage
    # Extending a closed round's deadline is refused, and says why.
    refused = reviewer.post(
        reverse("stocktake:return_deadline", args=[round_.slug, "knowsley"]),
        {"deadline": "01/01/2030", "version": "1"},
        follow=True,
    )
    assert returns.closed_message(round_) in refused.content.decode()
    assert Return.objects.get(round=round_, place__slug="knowsley").deadline is None
    with pytest.raises(PermissionDenied, match="is closed"):
        rounds.set_deadline(world.users.reviewer, round_, world.places["knowsley"], date(2030, 1, 1), version=1)

    response = reviewer.post(reverse("stocktake:round_reopen", args=[round_.slug]), {"version": round_.version})
    round_.refresh_from_db()
    assert response.status_code == 302 and round_.status == Round.Status.OPEN


def test_a_stale_deadline_form_is_refused_with_the_current_values(world):
    set_round_deadline(world.rounds.open, today() + timedelta(days=3))
    reviewer = logged_in(world.users.reviewer)
    url = reverse("stocktake:return_deadline", args=[world.rounds.open.slug, "knowsley"])
    opened_at = reviewer.get(url).context["form"].initial["version"]
    # Meanwhile Knowsley's lead submits, and another reviewer gives Knowsley a week.
    returns.submit(world.users.lead, world.rounds.open, world.places["knowsley"])
    knowsley = Return.objects.get(round=world.rounds.open, place__slug="knowsley")
    rounds.set_deadline(
        world.users.reviewer, world.rounds.open, knowsley.place, today() + timedelta(days=7), version=knowsley.version
    )
    response = reviewer.post(
        url, {"deadline": (today() + timedelta(days=30)).strftime("%d/%m/%Y"), "version": opened_at}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "nothing was saved" in content
    week = date_format(today() + timedelta(days=7), "j F Y")
    assert "Submitted" in content and f"its own deadline {week}" in content
    assert Return.objects.get(pk=knowsley.pk).deadline == today() + timedelta(days=7)
    # The page is opened afresh at the current version: saving again works.
    assert response.context["form"].initial["version"] == Return.objects.get(pk=knowsley.pk).version


def test_a_stale_form_for_a_borough_with_no_return_yet_is_refused(world):
    reviewer = logged_in(world.users.reviewer)
    url = reverse("stocktake:return_deadline", args=[world.rounds.open.slug, "wirral"])
    assert reviewer.get(url).context["form"].initial["version"] == ""
    returns.submit(world.users.superuser, world.rounds.open, world.places["wirral"])  # the return starts meanwhile
    response = reviewer.post(url, {"deadline": "01/01/2030", "version": ""})
    assert "nothing was saved" in response.content.decode()
    assert Return.objects.get(round=world.rounds.open, place__slug="wirral").deadline is None


def test_a_stale_close_is_refused_with_nothing_changed(world):
    round_ = world.rounds.open
    reviewer = logged_in(world.users.reviewer)
    opened_at = reviewer.get(reverse("stocktake:round_close", args=[round_.slug])).context["form"].initial["version"]
    set_round_deadline(round_, date(2030, 1, 31))  # someone else moves the deadline
    for version in (opened_at, "", "not a number"):
        response = reviewer.post(reverse("stocktake:round_close", args=[round_.slug]), {"version": version})
        content = response.content.decode()
        assert response.status_code == 200 and "nothing was saved" in content and "31 January 2030" in content
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN and round_.deadline == date(2030, 1, 31)


# A reviewer and two leads, interleaved ------------------------------------------------


def test_a_reviewer_and_two_leads_run_a_round(world):
    reviewer, lead_a, lead_b = (logged_in(u) for u in (world.users.reviewer, world.users.lead, world.users.other_lead))
    knowsley, halton = world.places["knowsley"], world.places["halton"]
    deadline = today() + timedelta(days=5)

    # The reviewer opens a round.
    reviewer.post(reverse("stocktake:round_new"), round_data(world, deadline=deadline.strftime("%d/%m/%Y")))
    round_ = Round.objects.get(name="ATF Stocktake Apr-Jun 2026")
    # Lead A (Knowsley) adds an entry.
    lead_a.post(
        reverse("stocktake:entry_add", args=[round_.slug, "knowsley", "theme", 1]),
        {"text": "Knowsley's new draft", "places": [knowsley.pk]},
    )
    entry = round_.entries.get()
    # The reviewer gives lead B (Halton) two more weeks.
    extend_url = reverse("stocktake:return_deadline", args=[round_.slug, "halton"])
    reviewer.post(extend_url, {"deadline": (deadline + timedelta(days=14)).strftime("%d/%m/%Y"), "version": ""})
    # Lead B sees their own deadline, not A's draft.
    home_b = lead_b.get(reverse("home")).content.decode()
    assert "due in 19 days" in home_b
    page_b = lead_b.get(reverse("stocktake:return_detail", args=[round_.slug, "knowsley"])).content.decode()
    assert "new draft" not in page_b
    assert lead_b.get(reverse("stocktake:entry_detail", args=[entry.pk])).status_code == 404
    # Lead A sees the round's deadline, not B's.
    home_a = lead_a.get(reverse("home")).content.decode()
    assert "due in 5 days" in home_a and "due in 19 days" not in home_a
    coverage_a = lead_a.get(reverse("stocktake:coverage", args=[round_.slug])).content.decode()
    assert "due in 19 days" not in coverage_a

    # The reviewer closes the round.
    round_.refresh_from_db()
    reviewer.post(reverse("stocktake:round_close", args=[round_.slug]), {"version": round_.version})
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED

    # The leads' edits are refused, and nothing changes.
    edit = lead_a.post(
        reverse("stocktake:entry_edit", args=[entry.pk]), {"text": "Changed after closing", "places": [knowsley.pk]}
    )
    add = lead_b.post(
        reverse("stocktake:entry_add", args=[round_.slug, "halton", "theme", 1]),
        {"text": "Halton after closing", "places": [halton.pk]},
    )
    assert (edit.status_code, add.status_code) == (403, 403)
    submit = lead_b.post(reverse("stocktake:return_submit", args=[round_.slug, "halton"]), {"confirmed": "yes"})
    if submit.status_code == 302:  # sent back to the return page, which says why
        assert returns.closed_message(round_) in lead_b.get(submit["Location"]).content.decode()
    else:
        assert submit.status_code == 403
    entry.refresh_from_db()
    assert entry.text == "Knowsley's new draft" and round_.entries.count() == 1
    assert Return.objects.get(round=round_, place=halton).status == Return.Status.DRAFT
    for user, place in ((world.users.lead, knowsley), (world.users.other_lead, halton)):
        with pytest.raises(PermissionDenied) as refused:
            returns.add_entry(user, round_, place, section=world.framework.themes.get(number=1), text="x", places=[])
        assert str(refused.value) == returns.closed_message(round_)
    # Closed, the round's entries are published: lead B now reads A's.
    assert (
        "new draft" in lead_b.get(reverse("stocktake:return_detail", args=[round_.slug, "knowsley"])).content.decode()
    )


# Cost ----------------------------------------------------------------------------------


def test_the_management_page_costs_the_same_queries_with_every_borough_s_return(world, django_assert_max_num_queries):
    round_ = world.rounds.open
    client = logged_in(world.users.reviewer)
    url = reverse("stocktake:round_manage", args=[round_.slug])
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    small = len(context.captured_queries)
    boroughs = list(Place.objects.filter(system=round_.framework.system, kind=Place.Kind.BOROUGH))
    assert len(boroughs) == 9
    for place in boroughs:
        return_, _ = Return.objects.get_or_create(round=round_, place=place)
        return_.deadline = today() + timedelta(days=place.pk % 20)
        return_.save()
        for i in range(3):
            borough_entry(round_, [place], f"{place} entry {i}")
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["boroughs"]) == 9
