"""The reference data every installation needs: the places and the ATF framework.

``load_demo`` loads it along with the demo; ``load_reference`` loads it alone
(for a production database); and ``import_stocktake`` loads it into a
database that has no framework yet, so that a fresh installation can take
its first workbook straight away. Loading is idempotent: it creates what is
missing and brings the rest up to date.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from boroughs.demo import load_places
from boroughs.models import Place

from .loader import load_framework
from .models import Framework

FRAMEWORK_NAME = "All Together Fairer, Cheshire and Merseyside, 2022"
FRAMEWORK_SLUG = "atf-cheshire-and-merseyside-2022"

HIGH, LOW = "high is good", "low is good"
# By beacon number: (polarity, unit, the publisher's identifier), what comparing the values needs. Blank where
# not known: a polarity the indicator's own words do not settle, a unit its name does not give, an identifier
# the ICS's papers do not name.
INDICATOR_METADATA: dict[int, tuple[str, str, str]] = {
    1: (HIGH, "years", "Fingertips 90366"),
    2: (HIGH, "years", "Fingertips 90362"),
    3: (HIGH, "%", ""),
    4: (HIGH, "%", ""),
    5: (HIGH, "score", ""),
    6: (HIGH, "score", ""),
    7: (LOW, "", ""),
    8: (LOW, "", ""),
    9: (HIGH, "", ""),
    10: (LOW, "%", ""),
    11: ("", "", ""),
    12: (HIGH, "%", ""),
    13: (LOW, "%", ""),
    14: (LOW, "", ""),
    15: (LOW, "%", ""),
    16: (LOW, "%", ""),
    17: (LOW, "", ""),
    18: (HIGH, "", ""),
    19: (LOW, "%", ""),
    20: ("", "%", ""),
    21: (HIGH, "%", ""),
    22: (HIGH, "", ""),
}


@transaction.atomic
def load_reference_data() -> tuple[Framework, dict[str, int]]:
    """Create or update the places and the framework. Returns the framework and the places' counts."""
    places = load_places()
    framework = load_framework(
        system=Place.objects.get(slug="cheshire-and-merseyside"),
        name=FRAMEWORK_NAME,
        slug=FRAMEWORK_SLUG,
        published=date(2022, 5, 1),
        baseline_year=2022,
        # The ICS's 2023 review (section 1.5): no longer available locally.
        discontinued_indicators=(15,),
        indicator_metadata=INDICATOR_METADATA,
    )
    return framework, places


def describe(framework: Framework) -> str:
    return (
        f"{Place.objects.count()} places, {framework.themes.count()} themes, "
        f"{framework.system_recommendations.count()} system recommendations, "
        f"{framework.indicators.count()} beacon indicators"
    )
