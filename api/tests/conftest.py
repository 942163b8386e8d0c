"""The world fixture's story with meetings, minutes, actions and indicator values added, for the API's tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from api.models import AccessToken

HOSTILE = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>\n+SUM(1)'


@pytest.fixture
def api_world(world):
    from commissions.models import Action, ActionUpdate, AgendaItem, Decision, Meeting, Paragraph
    from indicators.models import Area, IndicatorValue

    now = timezone.now()
    st_helens, cheshire_east, hackney = (
        world.commissions.st_helens,
        world.commissions.cheshire_east,
        world.commissions.hackney,
    )

    def meeting(commission, title, status):
        created = Meeting.objects.create(
            commission=commission, title=title, starts_at=now - timedelta(days=7), status=status
        )
        item = AgendaItem.objects.create(meeting=created, number="1", title=f"{title} item")
        paragraph = Paragraph.objects.create(item=item, number="1.1", text=f"{title} paragraph {HOSTILE}")
        Decision.objects.create(meeting=created, item=item, number=1, text=f"{title} decision")
        action = Action.objects.create(
            commission=commission,
            meeting=created,
            paragraph=paragraph,
            description=f"{title} action",
            owner="DPH",
            due=date.today() + timedelta(days=10),
        )
        ActionUpdate.objects.create(
            action=action, date=date.today(), text=f"{title} update", author=world.users.secretariat
        )
        return created

    meetings = SimpleNamespace(
        st_helens_draft=meeting(st_helens, "St Helens draft minutes", Meeting.Status.DRAFT),
        st_helens_published=meeting(st_helens, "St Helens published minutes", Meeting.Status.PUBLISHED),
        cheshire_east_draft=meeting(cheshire_east, "Cheshire East draft minutes", Meeting.Status.DRAFT),
        hackney_published=meeting(hackney, "Hackney published minutes", Meeting.Status.PUBLISHED),
    )
    indicator = world.framework.indicators.get(number=1)
    england, _ = Area.objects.get_or_create(code="E92000001", defaults={"name": "England", "kind": Area.Kind.COUNTRY})
    knowsley, _ = Area.objects.get_or_create(
        code="E08000011", defaults={"name": "Knowsley", "kind": Area.Kind.PLACE, "place": world.places["knowsley"]}
    )
    common = dict(indicator=indicator, period_label="2020 - 22", period_start=2020, period_years=3, sex="Persons")
    IndicatorValue.objects.create(area=england, value=Decimal("63.1"), **common)
    IndicatorValue.objects.create(
        area=knowsley, value=Decimal("58.2"), lower_95=Decimal("56.0"), upper_95=Decimal("60.4"), **common
    )
    world.meetings = meetings
    return world


@pytest.fixture
def bearer():
    """``bearer(user)``: request headers carrying a new personal access token of ``user``."""

    def make(user, days=30):
        _, token = AccessToken.make(user, "Tests", days)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return make


@pytest.fixture(autouse=True)
def fresh_request_counts():
    """Each test starts with no requests counted against its tokens (their ids repeat from test to test)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
