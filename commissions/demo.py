"""The commissions and boards of the seed documents."""

from datetime import date

from atf.upsert import upsert
from boroughs.models import Place

from .models import Commission

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
        "established_by": "St Helens People's Board",
        "reports_to": "St Helens People's Board; St Helens Place Based Partnership",
    },
    {
        "place": "cheshire-east",
        "slug": "cheshire-east-all-together-fairer-commission",
        "name": "Cheshire East All Together Fairer Commission",
        "kind": Commission.Kind.INEQUALITIES_COMMISSION,
        "remit": "Increasing equality in Cheshire East, focused first on Crewe.",
        "established": None,
        "established_by": "",
        "reports_to": "",
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
    },
]


def load_commissions() -> None:
    places = {p.slug: p for p in Place.objects.filter(slug__in=[c["place"] for c in COMMISSIONS])}
    for spec in COMMISSIONS:
        values = dict(spec, place=places[spec["place"]])
        slug = values.pop("slug")
        upsert(Commission, values, slug=slug)
