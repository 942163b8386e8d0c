"""The tenant rule, row by row: who sees and changes which entries."""

import pytest

from atf import access
from stocktake.models import Entry


def visible(world, user, action=access.VIEW):
    names = {v.pk: k for k, v in vars(world.entries).items()}
    return {
        names[pk]
        for pk in access.restrict(Entry.objects.all(), world.users.__dict__[user], action).values_list("pk", flat=True)
    }


@pytest.mark.parametrize(
    "user, expected",
    [
        ("superuser", {"knowsley", "halton", "sefton", "closed", "hackney"}),
        ("reviewer", {"knowsley", "halton", "sefton", "closed"}),
        ("lead", {"knowsley", "halton", "closed"}),
        ("other_lead", {"halton", "closed"}),
        ("secretariat", {"halton", "closed"}),
        ("viewer", {"halton", "closed"}),
        ("nel_reviewer", {"hackney"}),
        ("nobody", set()),
    ],
)
def test_who_sees_which_entries(world, user, expected):
    assert visible(world, user) == expected


@pytest.mark.parametrize(
    "user, expected",
    [
        # A closed round is read-only for superusers too, until a reviewer reopens it.
        ("superuser", {"knowsley", "halton", "sefton", "hackney"}),
        ("reviewer", {"knowsley", "halton", "sefton"}),
        # Not Halton's (another borough), not the closed round's, never Hackney's.
        ("lead", {"knowsley"}),
        # Halton's return is submitted: locked until the ICS returns it.
        ("other_lead", set()),
        ("secretariat", set()),
        ("viewer", set()),
        ("nel_reviewer", {"hackney"}),
        ("nobody", set()),
    ],
)
def test_who_changes_which_entries(world, user, expected):
    assert visible(world, user, access.CHANGE) == expected


def test_a_shared_entry_is_changed_only_by_someone_who_holds_all_its_places(world):
    world.entries.knowsley.places.add(world.places["halton"])
    assert "knowsley" not in visible(world, "lead", access.CHANGE)
    assert "knowsley" in visible(world, "lead", access.VIEW)


def test_a_returned_return_opens_the_entries_again(world):
    from stocktake.models import Return

    Return.objects.filter(place=world.places["halton"]).update(status=Return.Status.RETURNED)
    assert visible(world, "other_lead", access.CHANGE) == {"halton"}
    # and they are no longer published to the other boroughs
    assert "halton" not in visible(world, "lead")


def test_leads_attribute_entries_only_to_their_own_places(world):
    places = set(
        access.restrict(type(world.places["knowsley"]).objects.all(), world.users.lead, access.ATTACH).values_list(
            "slug", flat=True
        )
    )
    assert places == {"knowsley", "northwood"}


def test_reference_data_is_readable_by_everyone_and_changed_by_reviewers_of_its_system(world):
    from atf.models import Theme

    theme = world.framework.themes.get(number=1)
    assert access.can(world.users.lead, access.VIEW, theme)
    assert not access.can(world.users.lead, access.CHANGE, theme)
    assert access.can(world.users.reviewer, access.CHANGE, theme)
    assert not access.can(world.users.nel_reviewer, access.CHANGE, theme)
    assert Theme.objects.for_user(world.users.nel_reviewer, access.CHANGE).count() == 1


def test_an_anonymous_user_gets_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not access.restrict(Entry.objects.all(), AnonymousUser(), access.VIEW).exists()
