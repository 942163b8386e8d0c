"""Fixtures shared by every app's tests."""

from datetime import date

import pytest

from atf.loader import DEMO_WORKBOOK, load_framework
from boroughs.demo import load_places
from boroughs.models import Place


@pytest.fixture
def places(db):
    """The demo's place tree: Cheshire and Merseyside, and North East London beside it."""
    load_places()
    return {p.slug: p for p in Place.objects.all()}


@pytest.fixture
def framework(places):
    """The ATF framework, loaded from the project's copy of the 2023 workbook."""
    return load_framework(
        system=places["cheshire-and-merseyside"],
        name="All Together Fairer, Cheshire and Merseyside, 2022",
        slug="atf-cheshire-and-merseyside-2022",
        published=date(2022, 5, 1),
        baseline_year=2022,
        discontinued_indicators=(15,),
    )


@pytest.fixture
def workbook_path():
    return DEMO_WORKBOOK
