"""The places of the demo: Cheshire and Merseyside as DOMAIN.md gives it, and a second system.

Each place is (kind, name, short name, ONS code, stocktake column heading,
aliases, children). Loading is idempotent: places are found by slug and
brought up to date, never duplicated.
"""

from django.db import transaction
from django.utils.text import slugify

from atf.upsert import upsert

from .models import Place, PlaceAlias

K = Place.Kind

PLACE_TREE = [
    (
        K.ICS,
        "Cheshire and Merseyside",
        "C&M",
        "E54000008",
        "C&M Level Activity",
        ["C&M", "Cheshire & Merseyside", "Cheshire and Merseyside ICS"],
        [
            (
                K.SUB_REGION,
                "Cheshire and Warrington",
                "C&W",
                "",
                "Cheshire and Warrington Activity",
                ["C&W", "Cheshire & Warrington"],
                [
                    (
                        K.BOROUGH,
                        "Cheshire East",
                        "Cheshire East",
                        "E06000049",
                        "",
                        [],
                        [(K.WARD, "Crewe", "Crewe", "", "", [], [])],
                    ),
                    (
                        K.BOROUGH,
                        "Cheshire West and Chester",
                        "Cheshire West and Chester",
                        "E06000050",
                        "",
                        ["Cheshire West & Chester", "CWaC"],
                        [],
                    ),
                    (K.BOROUGH, "Warrington", "Warrington", "E06000007", "", [], []),
                ],
            ),
            (
                K.COMBINED_AUTHORITY,
                "Liverpool City Region Combined Authority",
                "LCR CA",
                "E47000004",
                "LCR CA Activity",
                ["LCR CA", "LCRCA", "Liverpool City Region"],
                [
                    (K.BOROUGH, "Halton", "Halton", "E06000006", "", ["HBC", "Halton Borough Council"], []),
                    (
                        K.BOROUGH,
                        "Knowsley",
                        "Knowsley",
                        "E08000011",
                        "",
                        ["KMBC"],
                        [(K.WARD, "Northwood", "Northwood", "", "", [], [])],
                    ),
                    (K.BOROUGH, "Liverpool", "Liverpool", "E08000012", "", ["LCC", "Liverpool City Council"], []),
                    (K.BOROUGH, "St Helens", "St Helens", "E08000013", "", ["St. Helens"], []),
                    (
                        K.BOROUGH,
                        "Sefton",
                        "Sefton",
                        "E08000014",
                        "",
                        ["SMBC", "Sefton Metropolitan Borough Council"],
                        [],
                    ),
                    (K.BOROUGH, "Wirral", "Wirral", "E08000015", "", [], []),
                ],
            ),
        ],
    ),
    (
        K.ICS,
        "North East London",
        "NEL",
        "E54000029",
        "NEL Level Activity",
        ["NEL", "North East London ICS"],
        [
            (
                K.SUB_REGION,
                "City and Hackney",
                "City and Hackney",
                "",
                "City and Hackney Activity",
                ["City & Hackney"],
                [
                    (K.BOROUGH, "City of London", "City of London", "E09000001", "", ["City"], []),
                    (K.BOROUGH, "Hackney", "Hackney", "E09000012", "", ["LBH"], []),
                ],
            ),
        ],
    ),
]


@transaction.atomic
def load_places(tree=PLACE_TREE, parent: Place | None = None) -> dict[str, int]:
    """Create or update the places in ``tree``. Returns counts of created and updated places."""
    counts = {"created": 0, "updated": 0}
    for kind, name, short_name, ons_code, heading, aliases, children in tree:
        slug = slugify(name)
        wanted = {
            "kind": kind,
            "name": name,
            "short_name": short_name,
            "ons_code": ons_code,
            "stocktake_heading": heading,
            "parent": parent,
        }
        place, action = upsert(Place, wanted, slug=slug)
        if action:
            counts[action] += 1
        for alias in aliases:
            PlaceAlias.objects.get_or_create(place=place, name=alias)
        child_counts = load_places(children, place)
        counts["created"] += child_counts["created"]
        counts["updated"] += child_counts["updated"]
    return counts
