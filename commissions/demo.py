"""The commissions and boards of the seed documents, as demo data. Idempotent.

St Helens (seed 000): the commission, its supporting roles (by role, not by
name), its eight priorities linked to Marmot themes, and its meeting
pattern. Cheshire East (seed 003): the commission and its Marmot workshop of
26 November 2021 with the questions put and the key points drawn out.
Hackney (seed 001): the Health and Wellbeing Board's item 12, read by the
minutes parser from the text in ``data/``. Sefton (seed 002): the board
report to the Health and Wellbeing Board of 14 September 2022 and its two
recommendations.
"""

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from atf.models import Theme
from atf.upsert import upsert
from boroughs.models import Place

from .minutes import parse_minutes
from .models import Action, AgendaItem, Commission, Decision, Meeting, Member, Priority, WorkshopQuestion

LONDON = ZoneInfo("Europe/London")
DATA = Path(__file__).resolve().parent / "data"

COMMISSIONS = [
    {
        "place": "st-helens",
        "slug": "st-helens-inequalities-commission",
        "name": "St Helens Inequalities Commission",
        "kind": Commission.Kind.INEQUALITIES_COMMISSION,
        "remit": (
            "To give local people a voice, ask the questions which get to the heart of the issues, learn "
            "from experts and best practice and make recommendations to the system."
        ),
        "established": date(2021, 9, 1),
        "established_by": "St Helens People's Board (the Health and Wellbeing Board and Community Safety Partnership)",
        "reports_to": "St Helens People's Board; St Helens Place Based Partnership",
        "meeting_pattern": "Six meetings a year; from December 2023, three deep-dive workshops a year.",
    },
    {
        "place": "cheshire-east",
        "slug": "cheshire-east-all-together-fairer-commission",
        "name": "Cheshire East All Together Fairer Commission",
        "kind": Commission.Kind.INEQUALITIES_COMMISSION,
        "remit": "Increasing equality in Cheshire East, focused first on Crewe; published “Living Well in Crewe”.",
        "established": None,
        "established_by": "",
        "reports_to": "",
        "meeting_pattern": "",
    },
    {
        "place": "hackney",
        "slug": "hackney-health-and-wellbeing-board",
        "name": "Hackney Health and Wellbeing Board",
        "kind": Commission.Kind.HEALTH_AND_WELLBEING_BOARD,
        "remit": "",
        "established": None,
        "established_by": "",
        "reports_to": "",
        "meeting_pattern": "",
    },
    {
        "place": "sefton",
        "slug": "sefton-health-and-wellbeing-board",
        "name": "Sefton Health and Wellbeing Board",
        "kind": Commission.Kind.HEALTH_AND_WELLBEING_BOARD,
        "remit": "",
        "established": None,
        "established_by": "",
        "reports_to": "",
        "meeting_pattern": "",
    },
]

ST_HELENS_MEMBERS = [
    (Member.Position.INDEPENDENT_CHAIR, "Independent Chair", ""),
    (Member.Position.SUPPORTING_OFFICER, "Head of Integration", "St Helens Borough Council"),
    (Member.Position.SUPPORTING_OFFICER, "Director of Public Health", "St Helens Borough Council"),
    (Member.Position.INDEPENDENT_ADVISER, "Independent adviser (a retired Chief Executive)", ""),
    (Member.Position.SECRETARIAT, "NHS St Helens Place Based team", "NHS Cheshire and Merseyside ICB"),
]

# The eight priorities, each with the Marmot themes it draws on.
ST_HELENS_PRIORITIES = [
    ("Best start in life, including school readiness", [1]),
    ("Improving the quality of jobs and employment", [3]),
    ("Tackling poverty and low pay", [4]),
    ("Supporting people in distress and tackling isolation", [6]),
    ("Tackling stigma and overcoming barriers", [7]),
    ("Tackling inequalities between and within and between wards and localities.", [5]),
    ("Services being focused on self-esteem and independence", [2]),
    ("Inclusive growth and St Helens pound", [3, 8]),
]

CHESHIRE_EAST_WORKSHOP = [
    (
        "What additions/exclusions should be made to the list of indicators?",
        "- Opening up the social value local employment and local procurement indicators to other Anchor "
        "Institutions, such as local authority as well as the NHS\n"
        "- Reduction in long term unemployed and reduction in disability benefits achieving work\n"
        "- Indicator on strength of the voluntary sector, currently NCVO data available but more data could be "
        "gathered within Cheshire and Merseyside\n"
        "- Possibly an indicator related to the quality of places such as those used by the Thriving Places Index\n"
        "- Access to green spaces, data collected for COVID but may not continue this needs to be checked",
    ),
    (
        "What are the key local priorities related to health inequalities in Cheshire East?",
        "- Good jobs but also enough entry level work for those without skills but importantly the capacity to "
        "build from the entry level positions\n"
        "- Availability and affordability of housing\n"
        "- Housing solutions for those with complex needs\n"
        "- Fuel poverty in both urban and rural areas\n"
        "- Rural poverty for homeowners. Households which are asset rich, cash poor, often older people\n"
        "- Ensuring a strong voice for the community and particularly ethnic minority communities.\n"
        "- Building good and better relationships with the voluntary sector",
    ),
    (
        "What actions are working to reduce health inequalities in Cheshire East? What should we be doing more of?",
        "- Social value work which is enabling communities to help themselves\n"
        "- The tartan rug is, whilst not perfect, a good piece of work and a very helpful starting point to "
        "understanding Cheshire East, but better local and hyper-local data would be beneficial\n"
        "- Building connections across sectors\n"
        "- Move away from short term interventions to long term sustained approaches",
    ),
    ("What isn't working? Do we need to stop doing anything?", ""),
]

SEFTON_RECOMMENDATIONS = [
    "The Board are asked to note the contents of the report",
    "The Board are asked to provide approval to progress discussion and bring further information back to a "
    "future meeting.",
]


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@transaction.atomic
def load_commissions() -> None:
    places = {p.slug: p for p in Place.objects.filter(slug__in=[c["place"] for c in COMMISSIONS])}
    commissions = {}
    for spec in COMMISSIONS:
        values = dict(spec, place=places[spec["place"]])
        slug = values.pop("slug")
        commissions[slug], _ = upsert(Commission, values, slug=slug)
    _st_helens(commissions["st-helens-inequalities-commission"])
    _cheshire_east(commissions["cheshire-east-all-together-fairer-commission"])
    _hackney(commissions["hackney-health-and-wellbeing-board"])
    _sefton(commissions["sefton-health-and-wellbeing-board"])


def _st_helens(commission: Commission) -> None:
    for position, role_title, organisation in ST_HELENS_MEMBERS:
        upsert(
            Member, {"position": position, "organisation": organisation}, commission=commission, role_title=role_title
        )
    themes = {t.number: t for t in Theme.objects.filter(framework__system=commission.place.system)}
    for number, (title, theme_numbers) in enumerate(ST_HELENS_PRIORITIES, start=1):
        priority, _ = upsert(Priority, {"title": title}, commission=commission, number=number)
        priority.themes.set([themes[n] for n in theme_numbers if n in themes])
    if commission.meetings.exists():
        return
    youth = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.DEEP_DIVE,
        title="Deep dive: youth aspirations",
        starts_at=at(date(2023, 12, 13)),
        status=Meeting.Status.PUBLISHED,
    )
    item = AgendaItem.objects.create(
        meeting=youth, number="1", title="Raising aspirations for young people", position=1
    )
    paragraph = item.paragraphs.create(
        number="1.1",
        position=1,
        text="The commission heard the findings of the youth engagement project commissioned via VIBE UK "
        "(“Raising Aspirations for Young People in St Helens”, completed summer 2023).",
    )
    Action.objects.create(
        commission=commission,
        meeting=youth,
        paragraph=paragraph,
        reference="1.1",
        description="Bring the youth engagement findings to the People's Board with proposed next steps.",
        owner="Head of Integration",
        due=date(2024, 3, 31),
        priority=commission.priorities.get(number=7),
        theme=themes.get(2),
    )
    for day, kind, title in (
        (date(2026, 11, 18), Meeting.Kind.REGULAR, "Regular meeting"),
        (date(2027, 1, 20), Meeting.Kind.REGULAR, "Regular meeting"),
        (date(2027, 2, 17), Meeting.Kind.DEEP_DIVE, "Deep dive: loneliness and social isolation"),
        (date(2027, 3, 17), Meeting.Kind.REGULAR, "Regular meeting"),
    ):
        Meeting.objects.create(commission=commission, kind=kind, title=title, starts_at=at(day))


def _cheshire_east(commission: Commission) -> None:
    if commission.meetings.exists():
        return
    workshop = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.DEEP_DIVE,
        title="Marmot workshop",
        starts_at=at(date(2021, 11, 26), 9),
        status=Meeting.Status.PUBLISHED,
    )
    for number, (question, key_points) in enumerate(CHESHIRE_EAST_WORKSHOP, start=1):
        WorkshopQuestion.objects.create(meeting=workshop, number=number, question=question, key_points=key_points)


def _hackney(commission: Commission) -> None:
    if commission.meetings.exists():
        return
    from .services import save_minutes_unchecked

    meeting = Meeting.objects.create(
        commission=commission, kind=Meeting.Kind.BOARD, title="Health and Wellbeing Board", status=Meeting.Status.DRAFT
    )
    save_minutes_unchecked(meeting, parse_minutes((DATA / "hackney_hwb_item_12.txt").read_text()))
    meeting.status = Meeting.Status.PUBLISHED
    meeting.save(update_fields=["status"])


def _sefton(commission: Commission) -> None:
    if commission.meetings.exists():
        return
    meeting = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.BOARD,
        title="Health and Wellbeing Board",
        starts_at=at(date(2022, 9, 14)),
        status=Meeting.Status.PUBLISHED,
    )
    item = AgendaItem.objects.create(
        meeting=meeting, number="1", title="Cities Inequalities Project (report of the Director of Public Health)"
    )
    for number, text in enumerate(SEFTON_RECOMMENDATIONS, start=1):
        Decision.objects.create(meeting=meeting, item=item, number=number, text=text)
