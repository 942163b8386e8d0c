"""A few meetings, actions and deadlines on top of the shared ``world``, for the calendar tests."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone


@pytest.fixture
def diary(world, django_user_model):
    """Meetings of every status in three commissions of Cheshire and Merseyside and one of North East London;
    actions owned by the Knowsley lead's seat; deadlines for the open rounds, Halton's extended.

    Knowsley gets a commission of its own, run by ``secretariat-knowsley``, so that the Knowsley lead has one to see.
    """
    from atf.models import Membership, Role
    from commissions.models import Action, Commission, Meeting, Member
    from stocktake.models import Return

    now, today = timezone.now(), timezone.localdate()
    places, users = world.places, world.users
    knowsley = Commission.objects.create(place=places["knowsley"], name="Knowsley Marmot Commission")
    world.commissions.knowsley = knowsley
    users.knowsley_secretariat = django_user_model.objects.create_user(
        username="secretariat-knowsley", password="a long enough password"
    )
    Membership.objects.create(user=users.knowsley_secretariat, role=Role.SECRETARIAT, commission=knowsley)

    open_round, nel_round = world.rounds.open, world.rounds.nel
    open_round.deadline = today + timedelta(days=21)
    open_round.save()
    nel_round.deadline = today + timedelta(days=30)
    nel_round.save()
    Return.objects.filter(round=open_round, place=places["halton"]).update(deadline=today + timedelta(days=35))

    def meeting(commission, status, days, title, **extra):
        return Meeting.objects.create(
            commission=commission, status=status, starts_at=now + timedelta(days=days), title=title, **extra
        )

    c = world.commissions
    meetings = SimpleNamespace(
        st_helens_planned=meeting(c.st_helens, "planned", 7, "St Helens planning meeting", location="Town Hall"),
        st_helens_published=meeting(c.st_helens, "published", -30, "St Helens autumn meeting"),
        st_helens_old=meeting(c.st_helens, "published", -400, "St Helens meeting long ago"),
        cheshire_east_planned=meeting(c.cheshire_east, "planned", 10, "Cheshire East private planning"),
        cheshire_east_published=meeting(c.cheshire_east, "published", -20, "Cheshire East winter meeting"),
        knowsley_planned=meeting(knowsley, "planned", 14, "Knowsley planning meeting"),
        knowsley_published=meeting(knowsley, "published", -10, "Knowsley spring meeting"),
        hackney_published=meeting(c.hackney, "published", -5, "Hackney board"),
    )
    seat = Member.objects.create(commission=knowsley, role_title="Director of Public Health", user=users.lead)

    def action(commission, meeting, description, days, **extra):
        return Action.objects.create(
            commission=commission,
            meeting=meeting,
            description=description,
            owner=extra.pop("owner", "Director of Public Health"),
            due=today + timedelta(days=days),
            **extra,
        )

    actions = SimpleNamespace(
        lead_own=action(knowsley, meetings.knowsley_published, "Report on the family hubs", 5, owner_member=seat),
        # Owned by the lead, but from a meeting whose minutes they may not read yet.
        lead_unpublished=action(knowsley, meetings.knowsley_planned, "Agree the hub sites", 6, owner_member=seat),
        lead_done=action(knowsley, meetings.knowsley_published, "Book the room", 7, owner_member=seat, status="done"),
        knowsley_other=action(knowsley, meetings.knowsley_published, "Write to the schools", 8, owner="Chair"),
        st_helens=action(c.st_helens, meetings.st_helens_planned, "Draft the youth survey", 9),
        cheshire_east=action(c.cheshire_east, meetings.cheshire_east_published, "Publish Living Well in Crewe", 11),
    )
    world.meetings, world.actions, world.seat = meetings, actions, seat
    return world
