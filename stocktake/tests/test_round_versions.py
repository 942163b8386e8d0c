"""A round of a new framework version started from a round of the version before: entries move by number."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from atf import versions
from atf.models import Framework
from stocktake import rounds
from stocktake.models import Entry, Round
from stocktake.tests.test_rounds import borough_entry, logged_in, round_data


def test_a_round_of_version_two_starts_from_a_round_of_version_one(world):
    old = world.framework
    theme = old.themes.get(number=2)
    entry = borough_entry(
        world.rounds.closed,
        [world.places["knowsley"]],
        "Knowsley youth employment hub",
        theme_number=2,
        recommendations=theme.recommendations.all()[:2],
        indicators=old.indicators.filter(number__in=[7, 8]),
    )
    new = versions.new_version(old, user=world.users.reviewer)
    # The ICS changes its copy: theme 2's second recommendation is dropped.
    new.themes.get(number=2).recommendations.filter(position=2).delete()
    client = logged_in(world.users.reviewer)
    response = client.post(
        reverse("stocktake:round_new"),
        round_data(world, framework=new.pk, previous=world.rounds.closed.pk, name="ATF Stocktake 2027"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    opened = Round.objects.get(name="ATF Stocktake 2027")
    assert opened.framework == new
    copy = Entry.objects.get(round=opened, text=entry.text)
    assert copy.theme == new.themes.get(number=2)
    assert [r.code for r in copy.recommendations.all()] == ["2.1"]
    assert sorted(i.number for i in copy.indicators.all()) == [7, 8]
    assert {i.framework_id for i in copy.indicators.all()} == {new.pk}
    assert list(copy.places.all()) == [world.places["knowsley"]]
    # The old round and its entry keep the old version.
    entry.refresh_from_db()
    assert entry.theme.framework == old and world.rounds.closed.framework == old


def test_an_entry_whose_theme_the_new_version_lacks_is_not_carried(world):
    borough_entry(world.rounds.closed, [world.places["knowsley"]], "Under theme 8", theme_number=8)
    new = versions.new_version(world.framework, user=world.users.reviewer)
    new.themes.filter(number=8).update(number=9)  # no theme 8 any more
    opened = rounds.open_round(
        world.users.reviewer,
        framework=new,
        name="Next",
        period_start=None,
        period_end=None,
        deadline=None,
        previous=world.rounds.closed,
    )
    assert not Entry.objects.filter(round=opened.round, text="Under theme 8").exists()
    assert Entry.objects.filter(round=opened.round).count() == opened.copied


def test_a_round_of_another_system_is_refused(world):
    nel_round = world.rounds.nel
    with pytest.raises(PermissionDenied):
        rounds.open_round(
            world.users.superuser,
            framework=world.framework,
            name="Mixed",
            period_start=None,
            period_end=None,
            deadline=None,
            previous=nel_round,
        )


def test_a_framework_added_beside_another_of_its_system_comes_after_it(world):
    added = Framework.objects.create(name="ATF 2030", slug="atf-2030", system=world.framework.system)
    assert added.version == world.framework.version + 1
    assert Framework.current_for(world.framework.system) == added
