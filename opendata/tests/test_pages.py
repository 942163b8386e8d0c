"""The permission matrix's rows for the open-data URLs: each role, published and not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atf.tests.test_permission_matrix import MODELS, ROLES, all_url_names, client_for
from opendata import publishing
from opendata.models import Publication

ST_HELENS_VIEWERS = next(case for case in MODELS if case.model == "commission").view["st_helens"]
CM_ROLES = frozenset({"superuser", "reviewer", "lead", "other_lead", "secretariat", "other_secretariat", "viewer"})
SIGNED_IN = frozenset(ROLES) - {"anonymous"}

# url name -> (args builder, who sees the page, who may use it). The public ones answer everyone alike.
OPENDATA_PAGES = {
    "opendata:index": (lambda w: [], frozenset(ROLES), frozenset(ROLES)),
    "opendata:round_download": (lambda w: [w.rounds.closed.slug, "csv"], frozenset(ROLES), frozenset(ROLES)),
    "opendata:commission_download": (
        lambda w: [w.commissions.st_helens.slug, "json"],
        frozenset(ROLES),
        frozenset(ROLES),
    ),
    "opendata:indicators_download": (lambda w: [w.framework.slug, "csv"], frozenset(ROLES), frozenset(ROLES)),
    "opendata:round_switch": (lambda w: [w.rounds.closed.slug], CM_ROLES, frozenset({"superuser", "reviewer"})),
    "opendata:commission_switch": (
        lambda w: [w.commissions.st_helens.slug],
        ST_HELENS_VIEWERS,
        frozenset({"superuser", "reviewer", "secretariat"}),
    ),
    "opendata:indicators_switch": (lambda w: [w.framework.slug], SIGNED_IN, frozenset({"superuser", "reviewer"})),
}
PUBLIC = {"opendata:index", "opendata:round_download", "opendata:commission_download", "opendata:indicators_download"}
SWITCHES = sorted(set(OPENDATA_PAGES) - PUBLIC)
TARGETS = {
    "opendata:round_switch": lambda w: w.rounds.closed,
    "opendata:commission_switch": lambda w: w.commissions.st_helens,
    "opendata:indicators_switch": lambda w: w.framework,
}


def expected(role, viewers, allowed, *, ok=200):
    if role == "anonymous":
        return 302
    if role not in viewers:
        return 404
    return ok if role in allowed else 403


def test_every_open_data_url_name_is_a_row():
    assert {name for name in all_url_names() if name.startswith("opendata:")} == set(OPENDATA_PAGES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PUBLIC - {"opendata:index"}))
def test_downloads_are_404_for_everyone_until_published_then_200_for_everyone(world, name, role):
    url = reverse(name, args=OPENDATA_PAGES[name][0](world))
    assert client_for(world, role).get(url).status_code == 404
    target = {
        "opendata:round_download": world.rounds.closed,
        "opendata:commission_download": world.commissions.st_helens,
        "opendata:indicators_download": world.framework,
    }[name]
    publishing.publish(world.users.superuser, target)
    assert client_for(world, role).get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_page_answers_everyone(world, role):
    assert client_for(world, role).get(reverse("opendata:index")).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", SWITCHES)
def test_the_switches_answer_each_role_and_only_publishers_change_anything(world, name, role):
    args, viewers, allowed = OPENDATA_PAGES[name]
    url = reverse(name, args=args(world))
    client = client_for(world, role)
    assert client.get(url).status_code == expected(role, viewers, allowed)
    response = client.post(url, {"action": "publish"})
    assert response.status_code == expected(role, viewers, allowed, ok=302)
    target = TARGETS[name](world)
    published = publishing.current(target) is not None
    assert published == (role in allowed)
    if published:
        assert client.post(url, {"action": "withdraw"}).status_code == 302
        assert publishing.current(target) is None
    else:
        # Nor can they withdraw what a publisher published.
        publishing.publish(world.users.superuser, target)
        client.post(url, {"action": "withdraw"})
        assert publishing.current(target) is not None
        assert Publication.objects.filter(withdrawn_at__isnull=False).count() == 0
