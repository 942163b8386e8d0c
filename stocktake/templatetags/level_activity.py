"""``{% load level_activity %}`` gives ``{% level_places rounds as by_round %}`` and ``{{ by_round|for_round:round }}``.

The places of each open round's system with an activity column of their own
(the ICS, a sub-region, a combined authority), for links to their pages
(``stocktake.level_views``); read in one query whatever the number of rounds.
"""

from __future__ import annotations

from collections import defaultdict

from django import template

from boroughs.models import Place
from stocktake.importer import LEVEL_KINDS

register = template.Library()


@register.simple_tag
def level_places(rounds) -> dict[int, list[Place]]:
    """Open round id -> its system's level places, in the workbook's column order."""
    open_rounds = [r for r in rounds if r.is_open]
    systems = {r.framework.system_id for r in open_rounds}
    places = defaultdict(list)
    found = Place.objects.filter(system__in=systems, kind__in=LEVEL_KINDS).exclude(stocktake_heading="")
    for place in found.order_by("path"):
        places[place.system_id].append(place)
    return {r.pk: places[r.framework.system_id] for r in open_rounds if places[r.framework.system_id]}


@register.filter
def for_round(by_round: dict, round_) -> list[Place]:
    return by_round.get(round_.pk, [])
