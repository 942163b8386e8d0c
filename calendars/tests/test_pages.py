"""The pages of the calendars app, each a row of the permission matrix (atf/tests/test_permission_matrix.py).

The calendar page and its reset are for anyone signed in, and act on the
signed-in user's own feed only. The feeds are read without a session: the
token in the address is the only key, and what a feed holds is what its
token's user may see.
"""

import pytest
from django.test import Client
from django.urls import reverse

from atf.tests.test_permission_matrix import MODELS, ROLES, all_url_names, client_for
from calendars.models import CalendarFeed

from .ics import parse

TOKEN = "<the role's own feed token>"

# url name -> the arguments to reverse it with (TOKEN: the token of the role asking).
CALENDAR_PAGES: dict[str, list] = {
    "calendars:calendar": [],
    "calendars:reset": [],
    "calendars:user_feed": [TOKEN],
    "calendars:commission_feed": [TOKEN, "st-helens-inequalities-commission"],
}
FEEDS = ["calendars:user_feed", "calendars:commission_feed"]
ST_HELENS_VIEWERS = next(case for case in MODELS if case.model == "commission").view["st_helens"]
UNKNOWN = "not-anybody-s-token-0123456789abcdefghijklmno"


def url_for(world, role, name):
    token = CalendarFeed.of(getattr(world.users, role)).token if role != "anonymous" else UNKNOWN
    return reverse(name, args=[token if arg == TOKEN else arg for arg in CALENDAR_PAGES[name]])


def test_every_calendar_url_name_is_a_row():
    assert {name for name in all_url_names() if name.startswith("calendars:")} == set(CALENDAR_PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_page_shows_the_user_s_own_addresses(world, role, settings):
    settings.SITE_URL = "https://atf.example.org"
    response = client_for(world, role).get(reverse("calendars:calendar"))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert not CalendarFeed.objects.exists()
        return
    assert response.status_code == 200
    page = response.content.decode()
    feed = CalendarFeed.objects.get(user=getattr(world.users, role))  # made on the first visit
    assert f"https://atf.example.org/calendar/{feed.token}.ics" in page
    assert "Subscribe from web" in page and "Add calendar" in page
    assert "Anyone who has one of these addresses sees" in page
    st_helens = f"https://atf.example.org/calendar/{feed.token}/commissions/st-helens-inequalities-commission.ics"
    assert (st_helens in page) == (role in ST_HELENS_VIEWERS)
    # Nobody else's token is on it.
    others = CalendarFeed.objects.exclude(pk=feed.pk).values_list("token", flat=True)
    assert not any(token in page for token in others)
    # A second visit shows the same address.
    assert client_for(world, role).get(reverse("calendars:calendar")).content.decode().count(feed.token) >= 1
    assert CalendarFeed.objects.get(pk=feed.pk).token == feed.token


@pytest.mark.parametrize("role", ROLES)
def test_a_reset_changes_the_poster_s_own_token_only(world, role):
    before = {name: CalendarFeed.of(user).token for name, user in vars(world.users).items()}
    response = client_for(world, role).post(reverse("calendars:reset"))
    after = {name: CalendarFeed.objects.get(user=user).token for name, user in vars(world.users).items()}
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert after == before
        return
    assert response.status_code == 302 and response["Location"] == reverse("calendars:calendar")
    assert after[role] != before[role]
    assert {k: v for k, v in after.items() if k != role} == {k: v for k, v in before.items() if k != role}
    assert client_for(world, role).get(reverse("calendars:reset")).status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_the_user_feed_answers_its_token_without_a_session(world, role):
    response = Client().get(url_for(world, role, "calendars:user_feed"))
    if role == "anonymous":  # no token of theirs: an unknown one
        assert response.status_code == 404
        return
    parse(response)
    assert not response.cookies


@pytest.mark.parametrize("role", ROLES)
def test_the_commission_feed_answers_only_those_who_may_view_the_commission(world, role):
    response = Client().get(url_for(world, role, "calendars:commission_feed"))
    if role in ST_HELENS_VIEWERS:
        calendar = parse(response)
        assert str(calendar["X-WR-CALNAME"]) == "St Helens Inequalities Commission"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", FEEDS)
def test_the_feeds_answer_get_and_head_only(world, name):
    url = url_for(world, "reviewer", name)
    client = Client()
    assert client.head(url).status_code == 200
    for method in (client.post, client.put, client.delete):
        assert method(url).status_code == 405


@pytest.mark.parametrize("name", FEEDS)
def test_a_signed_in_session_does_not_stand_in_for_the_token(world, name):
    """Signed in as the reviewer, a lead's address still answers as the lead, and an unknown one not at all."""
    reviewer = client_for(world, "reviewer")
    assert reviewer.get(url_for(world, "anonymous", name)).status_code == 404
    if name == "calendars:commission_feed":  # the lead may not view St Helens, whoever asks
        assert reviewer.get(url_for(world, "lead", name)).status_code == 404


def test_every_role_reaches_the_calendar_page_from_the_home_page(world):
    for role in ROLES[:-1]:
        page = client_for(world, role).get(reverse("home")).content.decode()
        assert reverse("calendars:calendar") in page, role
