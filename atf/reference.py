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
    )
    return framework, places


def describe(framework: Framework) -> str:
    return (
        f"{Place.objects.count()} places, {framework.themes.count()} themes, "
        f"{framework.system_recommendations.count()} system recommendations, "
        f"{framework.indicators.count()} beacon indicators"
    )
