"""Fixtures shared by every app's tests."""

from datetime import date

import pytest

from atf.loader import DEMO_WORKBOOK, load_framework
from atf.reference import INDICATOR_METADATA
from boroughs.demo import load_places
from boroughs.models import Place


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing is slow by design; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploads go to a directory of each test's own, never to var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Pages render without a collectstatic run."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


FRAMEWORK = {
    "name": "All Together Fairer, Cheshire and Merseyside, 2022",
    "slug": "atf-cheshire-and-merseyside-2022",
    "published": date(2022, 5, 1),
    "baseline_year": 2022,
    "discontinued_indicators": (15,),
    "indicator_metadata": INDICATOR_METADATA,
}


def load_reference_data():
    load_places()
    load_framework(system=Place.objects.get(slug="cheshire-and-merseyside"), **FRAMEWORK)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The reference data every test starts from, loaded once: the demo's places and the framework.

    Each test runs in a transaction that is rolled back, so none can change
    what the next one sees. A test on the live server (``transactional_db``)
    commits, and its database is emptied after it: see below.
    """
    with django_db_blocker.unblock():
        load_reference_data()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test has emptied the database, load the reference data again for the next test.

    Run in one process, pytest-django puts the transactional tests after all the others, so
    this never happens. Spread over processes (pytest-xdist), a process that has run them
    may be given another file next.
    """
    result = yield
    if nextitem is not None and _is_transactional(item) and not _is_transactional(nextitem):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            load_reference_data()
    return result


@pytest.fixture
def places(db):
    """The demo's place tree: Cheshire and Merseyside, and North East London beside it."""
    return {p.slug: p for p in Place.objects.all()}


@pytest.fixture
def framework(places):
    """The ATF framework, loaded from the project's copy of the 2023 workbook."""
    from atf.models import Framework

    return Framework.objects.get(slug=FRAMEWORK["slug"])


@pytest.fixture
def workbook_path():
    return DEMO_WORKBOOK


@pytest.fixture
def world(framework, places, django_user_model):
    """One shared story: two boroughs and more in one ICS, a second ICS, a user per role.

    - Knowsley's return for the open round is a draft; Halton's is submitted.
    - Sefton's entry is a draft too, so a Knowsley lead must not see it.
    - North East London has its own framework-free round with a Hackney entry.
    """
    from types import SimpleNamespace

    from atf.models import Framework, Membership, Role
    from commissions.models import Commission
    from stocktake.models import Entry, Return, Round

    cm, nel = places["cheshire-and-merseyside"], places["north-east-london"]
    open_round = Round.objects.create(framework=framework, name="Open round 2025")
    closed_round = Round.objects.create(framework=framework, name="Closed round 2023", status=Round.Status.CLOSED)
    nel_framework = Framework.objects.create(name="NEL framework", slug="nel", system=nel)
    from atf.models import Theme

    nel_theme = Theme.objects.create(framework=nel_framework, number=1, title="Give every child the best start")
    nel_round = Round.objects.create(framework=nel_framework, name="NEL round 2025")
    theme = framework.themes.get(number=1)

    def entry(round_, place, text, *, level="borough", theme=theme):
        created = Entry.objects.create(round=round_, theme=theme, level=level, lead_in=f"{place.label} - ", text=text)
        created.places.set([place])
        return created

    Return.objects.create(round=open_round, place=places["knowsley"], status=Return.Status.DRAFT)
    Return.objects.create(round=open_round, place=places["halton"], status=Return.Status.SUBMITTED)
    entries = SimpleNamespace(
        knowsley=entry(open_round, places["knowsley"], "Knowsley draft family hub"),
        halton=entry(open_round, places["halton"], "Halton submitted family hub"),
        sefton=entry(open_round, places["sefton"], "Sefton draft family hub"),
        closed=entry(closed_round, places["sefton"], "Sefton 2023 family hub"),
        hackney=entry(nel_round, places["hackney"], "Hackney draft family hub", theme=nel_theme),
    )
    commissions = SimpleNamespace(
        st_helens=Commission.objects.create(place=places["st-helens"], name="St Helens Inequalities Commission"),
        cheshire_east=Commission.objects.create(place=places["cheshire-east"], name="Cheshire East Commission"),
        hackney=Commission.objects.create(place=places["hackney"], name="Hackney Health and Wellbeing Board"),
    )

    def user(name, role=None, place=None, commission=None, **flags):
        created = django_user_model.objects.create_user(
            username=name, password="a long enough password", is_staff=True, **flags
        )
        if role:
            Membership.objects.create(user=created, role=role, place=place, commission=commission)
        return created

    users = SimpleNamespace(
        reviewer=user("reviewer", Role.ICS_REVIEWER, cm),
        lead=user("lead-knowsley", Role.BOROUGH_LEAD, places["knowsley"]),
        other_lead=user("lead-halton", Role.BOROUGH_LEAD, places["halton"]),
        secretariat=user("secretariat-st-helens", Role.SECRETARIAT, commission=commissions.st_helens),
        other_secretariat=user("secretariat-cheshire-east", Role.SECRETARIAT, commission=commissions.cheshire_east),
        viewer=user("viewer", Role.VIEWER, cm),
        nel_reviewer=user("nel-reviewer", Role.ICS_REVIEWER, nel),
        nobody=user("nobody"),
        superuser=user("superuser", is_superuser=True),
    )
    return SimpleNamespace(
        places=places,
        framework=framework,
        rounds=SimpleNamespace(open=open_round, closed=closed_round, nel=nel_round),
        entries=entries,
        commissions=commissions,
        users=users,
    )


@pytest.fixture
def run_jobs(db):
    """Run the queued background jobs (``jobs.tests.helpers.run_queued_jobs``): call it after a confirm."""
    from jobs.tests.helpers import run_queued_jobs

    return run_queued_jobs
