"""Framework versions: an ICS makes a new version from the current one; later rounds and values use it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atf import versions
from atf.models import BeaconIndicator, Framework, Pillar, Recommendation, SystemRecommendation, Theme
from indicators.models import Area, IndicatorValue
from stocktake.models import Round

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def area(code, name, kind) -> Area:
    return Area.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0]


def add_values(framework: Framework) -> list[IndicatorValue]:
    england = area("E92000001", "England", Area.Kind.COUNTRY)
    knowsley = area("E08000011", "Knowsley", Area.Kind.PLACE)
    indicator = framework.indicators.get(number=1)
    common = {"period_label": "2020 - 22", "period_start": 2020, "period_years": 3, "period_kind": "calendar"}
    return [
        IndicatorValue.objects.create(
            indicator=indicator, area=england, value=Decimal("78.9"), lower_95=Decimal("78.8"), **common
        ),
        IndicatorValue.objects.create(
            indicator=indicator, area=knowsley, value=None, note="Suppressed", source="OHID", **common
        ),
        IndicatorValue.objects.create(
            indicator=framework.indicators.get(number=2), area=knowsley, sex="Female", value=Decimal("57.1"), **common
        ),
    ]


def fields(obj, *skip) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname not in skip
    }


# Copying --------------------------------------------------------------------------


def test_a_new_version_is_a_complete_faithful_copy(world):
    old = world.framework
    add_values(old)
    new = versions.new_version(old, user=world.users.reviewer)

    assert (new.version, new.derived_from, new.system) == (2, old, old.system)
    assert new.name == f"{old.name} (version 2)" and new.title == old.name and str(new) == new.name
    assert new.slug == f"{old.slug}-v2" and new.version_label == "version 2"
    assert (new.published, new.baseline_year) == (old.published, old.baseline_year)
    for model, path in [
        (Theme, "framework"),
        (Recommendation, "theme__framework"),
        (SystemRecommendation, "framework"),
        (BeaconIndicator, "framework"),
        (Pillar, "framework"),
        (IndicatorValue, "indicator__framework"),
    ]:
        before = model.objects.filter(**{path: old}).count()
        assert before and model.objects.filter(**{path: new}).count() == before, model

    assert old.themes.count() == 8 and old.indicators.count() == 22
    for theme in old.themes.all():
        copy = new.themes.get(number=theme.number)
        assert fields(copy, "framework_id") == fields(theme, "framework_id")
        assert [fields(r, "theme_id") for r in copy.recommendations.all()] == [
            fields(r, "theme_id") for r in theme.recommendations.all()
        ]
    for indicator in old.indicators.select_related("theme"):
        copy = new.indicators.select_related("theme").get(number=indicator.number)
        assert fields(copy, "framework_id", "theme_id") == fields(indicator, "framework_id", "theme_id")
        if indicator.theme is None:
            assert copy.theme is None
        else:
            assert copy.theme.framework == new and copy.theme.number == indicator.theme.number
    # The statuses under review, polarity, unit and identifier come across as they are.
    assert new.indicators.get(number=15).status == BeaconIndicator.Status.DISCONTINUED
    assert new.indicators.get(number=1).source_identifier == "Fingertips 90366"
    assert new.indicators.get(number=1).polarity == "high is good" and new.indicators.get(number=1).unit == "years"
    assert [fields(s, "framework_id") for s in new.system_recommendations.all()] == [
        fields(s, "framework_id") for s in old.system_recommendations.all()
    ]
    assert [fields(p, "framework_id") for p in new.pillars.all()] == [
        fields(p, "framework_id") for p in old.pillars.all()
    ]

    old_values = IndicatorValue.objects.filter(indicator__framework=old).order_by("pk")
    new_values = IndicatorValue.objects.filter(indicator__framework=new).order_by("pk")
    assert [fields(v, "indicator_id") for v in new_values] == [fields(v, "indicator_id") for v in old_values]
    assert [v.indicator.number for v in new_values] == [v.indicator.number for v in old_values]
    # The old version is untouched, and every copy has a history row naming who made it.
    assert old_values.count() == 3 and old.indicators.count() == 22
    assert IndicatorValue.history.filter(indicator__framework=new, history_user=world.users.reviewer).count() == 3
    assert BeaconIndicator.history.filter(framework_id=new.pk, history_user=world.users.reviewer).count() == 22
    assert Framework.history.filter(id=new.pk, history_user=world.users.reviewer).exists()


def test_a_third_version_is_made_from_the_second_with_its_own_changes(world):
    second = versions.new_version(world.framework, user=world.users.reviewer)
    second.indicators.filter(number=12).update(status=BeaconIndicator.Status.LIVE, unit="ratio")
    third = versions.new_version(second, user=world.users.superuser)
    assert (third.version, third.derived_from, third.slug) == (3, second, f"{world.framework.slug}-v3")
    assert third.name == f"{world.framework.name} (version 3)"
    assert third.indicators.get(number=12).unit == "ratio"
    assert world.framework.indicators.get(number=12).status == BeaconIndicator.Status.NO_DATA
    assert Framework.current_for(world.framework.system) == third


def test_copying_costs_the_same_queries_however_many_values(world, monkeypatch):
    monkeypatch.setattr(versions, "BATCH", 10_000)
    england = area("E92000001", "England", Area.Kind.COUNTRY)

    def queries(framework, count):
        IndicatorValue.objects.all().delete()
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                indicator=framework.indicators.get(number=1),
                area=england,
                period_label=str(year),
                period_start=year,
                period_years=1,
                period_kind="calendar",
            )
            for year in range(1000, 1000 + count)
        )
        user = type(world.users.reviewer).objects.get(pk=world.users.reviewer.pk)  # roles read afresh each time
        with CaptureQueriesContext(connection) as captured:
            new = versions.new_version(framework, user=user)
        assert new.indicators.get(number=1).values.count() == count
        return new, len(captured)

    # SQLite takes at most 999 values a statement, so stay within one batch there (PostgreSQL's are far larger).
    second, few = queries(world.framework, 3)
    _, many = queries(second, 35)
    assert many == few


def test_names_and_slugs_stay_unique(world):
    Framework.objects.create(
        name=f"{world.framework.name} (version 2)", slug="taken", system=world.places["north-east-london"], version=9
    )
    Framework.objects.create(
        name="Other", slug=f"{world.framework.slug}-v2", system=world.places["north-east-london"], version=10
    )
    new = versions.new_version(world.framework, user=world.users.reviewer)
    assert new.name == f"{world.framework.name} (version 2) 2"
    assert new.slug == f"{world.framework.slug}-v2-2"


def test_a_name_may_be_given_but_not_one_taken(world):
    with pytest.raises(versions.ValidationError, match="already a framework called"):
        versions.new_version(world.framework, user=world.users.reviewer, name="NEL framework")
    new = versions.new_version(world.framework, user=world.users.reviewer, name="  ATF   2026 ")
    assert new.name == "ATF 2026" and new.title == "ATF 2026" and new.version == 2


# Refusals -----------------------------------------------------------------------


def test_only_the_current_version_is_made_into_a_new_one(world):
    versions.new_version(world.framework, user=world.users.reviewer)
    with pytest.raises(versions.NotCurrent, match="is newer"):
        versions.new_version(world.framework, user=world.users.reviewer)
    assert Framework.objects.filter(system=world.framework.system).count() == 2


@pytest.mark.parametrize("role", ["lead", "viewer", "secretariat", "nel_reviewer", "nobody", "anonymous"])
def test_only_the_system_s_reviewers_make_versions(world, role):
    user = AnonymousUser() if role == "anonymous" else getattr(world.users, role)
    with pytest.raises(PermissionDenied):
        versions.new_version(world.framework, user=user)
    with pytest.raises(PermissionDenied):
        versions.new_version(world.framework, user=None)
    assert not Framework.objects.filter(version=2).exists()


def test_the_nel_reviewer_makes_nel_s_version_and_not_ours(world):
    nel = world.rounds.nel.framework
    new = versions.new_version(nel, user=world.users.nel_reviewer)
    assert (new.version, new.system) == (2, nel.system) and new.themes.count() == 1
    with pytest.raises(PermissionDenied):
        versions.new_version(nel, user=world.users.reviewer)


# Rounds and imports use the current version -------------------------------------------


def test_current_for_is_the_newest_version(world):
    system = world.framework.system
    assert Framework.current_for(system) == world.framework and world.framework.is_current
    new = versions.new_version(world.framework, user=world.users.reviewer)
    assert Framework.current_for(system) == new
    assert set(Framework.objects.filter(Framework.newest())) == {new, world.rounds.nel.framework}
    assert not Framework.objects.get(pk=world.framework.pk).is_current


def test_old_rounds_keep_their_version_and_a_new_round_gets_the_new_one(world):
    new = versions.new_version(world.framework, user=world.users.reviewer)
    for round_ in (world.rounds.open, world.rounds.closed):
        round_.refresh_from_db()
        assert round_.framework == world.framework
        assert {e.theme.framework for e in round_.entries.all()} == {world.framework}

    reviewer = client_for(world.users.reviewer)
    form = reviewer.get(reverse("stocktake:round_new")).content.decode()
    options = form.split('id="id_framework"')[1].split("</select>")[0]
    assert "version 2" in options and "version 1" not in options and "selected" in options
    response = reviewer.post(
        reverse("stocktake:round_new"),
        {
            "name": "ATF Stocktake Apr-Jun 2026",
            "framework": new.pk,
            "period_start": "01/04/2026",
            "period_end": "30/06/2026",
            "deadline": "31/07/2026",
            "previous": "",
        },
    )
    assert response.status_code == 302
    assert Round.objects.get(name="ATF Stocktake Apr-Jun 2026").framework == new
    # An old version can no longer be chosen for a new round.
    refused = reviewer.post(
        reverse("stocktake:round_new"),
        {"name": "Old one", "framework": world.framework.pk, "period_start": "01/04/2026", "period_end": "30/06/2026"},
    )
    assert "Choose one of the frameworks listed" in refused.content.decode()
    assert not Round.objects.filter(name="Old one").exists()


def test_import_indicator_values_goes_to_the_current_version(world, tmp_path):
    from indicators.models import IndicatorValue

    def values_file(figure):
        path = tmp_path / f"{figure}.csv"
        path.write_text(f"area_code,area_name,period,value,inequality\nE08000011,Knowsley,2020 - 22,{figure},Female\n")
        return str(path)

    def held(framework):
        return list(IndicatorValue.objects.filter(indicator__framework=framework).values_list("value", flat=True))

    call_command("import_indicator_values", values_file("77.1"), indicator=1)
    assert held(world.framework) == [Decimal("77.1")]
    new = versions.new_version(world.framework, user=world.users.reviewer)
    assert held(new) == [Decimal("77.1")]  # copied with the version
    call_command("import_indicator_values", values_file("77.2"), indicator=1)
    assert held(new) == [Decimal("77.2")] and held(world.framework) == [Decimal("77.1")]
    call_command("import_indicator_values", values_file("77.3"), indicator=1, framework=world.framework.slug)
    assert held(world.framework) == [Decimal("77.3")] and held(new) == [Decimal("77.2")]


def test_import_stocktake_makes_new_rounds_on_the_current_version(framework, django_user_model, monkeypatch):
    from stocktake.management.commands import import_stocktake as command

    chosen = []

    class Plan:
        class parsed:
            warnings = ()

        round_exists = False
        round_name = "x"
        changes = ()

        def full_summary(self):
            return "nothing"

    monkeypatch.setattr(command, "import_stocktake", lambda path, **kw: chosen.append(kw["framework"]) or Plan())
    admin = django_user_model.objects.create_user("admin", is_superuser=True)
    old_round = Round.objects.create(framework=framework, name="ATF Stocktake Oct-Dec 2023")
    new = versions.new_version(framework, user=admin)
    call_command("import_stocktake", "book.xlsx", round_name="ATF Stocktake 2027")
    call_command("import_stocktake", "book.xlsx")
    call_command("import_stocktake", "book.xlsx", round_name=old_round.name)
    assert chosen == [new, new, framework]


def test_the_command_makes_a_version(world):
    from io import StringIO

    out = StringIO()
    call_command("new_framework_version", world.framework.slug, user="reviewer", stdout=out)
    assert "version 2" in out.getvalue() and "22 beacon indicators" in out.getvalue()
    with pytest.raises(CommandError, match="is newer"):
        call_command("new_framework_version", world.framework.slug, user="reviewer")
    with pytest.raises(CommandError, match="Only the ICS reviewers"):
        call_command("new_framework_version", f"{world.framework.slug}-v2", user="lead-knowsley")
    with pytest.raises(CommandError, match="no framework"):
        call_command("new_framework_version", "nope", user="reviewer")


# The pages ------------------------------------------------------------------------


ROLES = ["superuser", "reviewer", "lead", "viewer", "secretariat", "nel_reviewer", "nobody"]
MAKERS = {"superuser", "reviewer"}


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_as_each_role(world, role):
    client = client_for(getattr(world.users, role))
    listing = client.get(reverse("framework_list"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert world.framework.name in text and "NEL framework" in text and "Current" in text
    detail = client.get(reverse("framework_detail", args=[world.framework.slug]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "version 1" in page and "Fingertips 90366" in page and "No longer published locally" in page
    assert page.count("<tr>\n    <td>") == 22
    assert ("Make a new version</button>" in page) == (role in MAKERS)
    assert ("framework__id__exact" in page) == (role in MAKERS)
    # Rounds that use the version: those the user may read.
    assert ("Open round 2025" in page) == (role not in {"nel_reviewer", "nobody"})
    nel = client.get(reverse("framework_detail", args=["nel"])).content.decode()
    assert ("Make a new version</button>" in nel) == (role in {"superuser", "nel_reviewer"})


def test_a_reviewer_makes_a_version_on_the_page(world):
    reviewer = client_for(world.users.reviewer)
    response = reviewer.post(reverse("framework_new_version", args=[world.framework.slug]), follow=True)
    new = Framework.current_for(world.framework.system)
    assert new.version == 2
    assert response.redirect_chain[-1][0] == reverse("framework_detail", args=[new.slug])
    page = response.content.decode()
    assert "is made from version 1" in page and "Make a new version</button>" in page
    assert f"framework__id__exact={new.pk}" in page
    # The old version's page now says it is not current and offers no button.
    old = reviewer.get(reverse("framework_detail", args=[world.framework.slug])).content.decode()
    assert "Not current" in old and "Make a new version</button>" not in old
    listing = reviewer.get(reverse("framework_list")).content.decode()
    assert "Version 2" in listing and "Version 1" in listing
    # Pressing again on the old version (a stale page) is refused, with a message, and makes nothing.
    again = reviewer.post(reverse("framework_new_version", args=[world.framework.slug]), follow=True)
    assert "is newer" in again.content.decode()
    assert Framework.objects.filter(system=world.framework.system).count() == 2


@pytest.mark.parametrize("role", ["lead", "viewer", "secretariat", "nel_reviewer", "nobody"])
def test_others_posting_are_refused(world, role):
    client = client_for(getattr(world.users, role))
    response = client.post(reverse("framework_new_version", args=[world.framework.slug]))
    assert response.status_code == 403
    assert not Framework.objects.filter(version=2).exists()


def test_anonymous_is_sent_to_sign_in_and_nothing_is_made(world):
    client = Client()
    for url in (
        reverse("framework_list"),
        reverse("framework_detail", args=[world.framework.slug]),
        reverse("framework_new_version", args=[world.framework.slug]),
    ):
        response = client.post(url) if url.endswith("new-version/") else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Framework.objects.filter(version=2).exists()


def test_a_reviewer_cannot_post_at_another_system_s_framework(world):
    nel = world.rounds.nel.framework
    response = client_for(world.users.reviewer).post(reverse("framework_new_version", args=[nel.slug]))
    assert response.status_code == 403
    assert not Framework.objects.filter(system=nel.system, version=2).exists()


def test_unknown_slugs_and_gets_and_missing_csrf(world):
    reviewer = client_for(world.users.reviewer)
    assert reviewer.get(reverse("framework_detail", args=["no-such"])).status_code == 404
    assert reviewer.post(reverse("framework_new_version", args=["no-such"])).status_code == 404
    assert reviewer.get(reverse("framework_new_version", args=[world.framework.slug])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users.reviewer)
    assert strict.post(reverse("framework_new_version", args=[world.framework.slug])).status_code == 403
    assert not Framework.objects.filter(version=2).exists()


def test_round_pages_say_which_version_they_show_while_a_reviewer_makes_another(world):
    """Two people at once: the lead reads the open round while the reviewer makes version 2."""
    lead, reviewer = client_for(world.users.lead), client_for(world.users.reviewer)
    pages = [
        reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"]),
        reverse("stocktake:coverage", args=[world.rounds.open.slug]),
    ]
    detail_link = reverse("framework_detail", args=[world.framework.slug])
    for url in pages:
        page = lead.get(url).content.decode()
        assert f'href="{detail_link}"' in page and f"{world.framework.name}, version 1</a> (current)" in page

    made = reviewer.post(reverse("framework_new_version", args=[world.framework.slug]))
    assert made.status_code == 302

    for url in pages:
        page = lead.get(url).content.decode()
        assert f"{world.framework.name}, version 1</a> (a later version is current)" in page
        assert "version 2" not in page
    # The lead's own next step still works on the old round: the section is the round's own version's.
    added = lead.post(
        reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 1]),
        {"text": "Written after version 2 was made", "places": [world.places["knowsley"].pk]},
    )
    assert added.status_code == 302
    entry = world.rounds.open.entries.get(text__startswith="Written after")
    assert entry.theme.framework == world.framework
    # The reviewer's new round names version 2.
    new = Framework.current_for(world.framework.system)
    round_ = Round.objects.create(framework=new, name="Next round")
    page = reviewer.get(reverse("stocktake:coverage", args=[round_.slug])).content.decode()
    assert f"{world.framework.name}, version 2</a> (current)" in page


def test_hostile_text_in_a_framework_name_is_escaped(world):
    hostile = '<script>alert("x")</script>&<b>'
    Framework.objects.filter(pk=world.framework.pk).update(name=hostile)
    reviewer = client_for(world.users.reviewer)
    pages = [
        reverse("framework_list"),
        reverse("framework_detail", args=[world.framework.slug]),
        reverse("stocktake:coverage", args=[world.rounds.open.slug]),
    ]
    for url in pages:
        page = reviewer.get(url).content.decode()
        assert "<script>alert" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;b&gt;" in page
    made = reviewer.post(reverse("framework_new_version", args=[world.framework.slug]), follow=True)
    page = made.content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_list_page_costs_the_same_queries_with_more_frameworks(world):
    reviewer = client_for(world.users.reviewer)
    reviewer.get(reverse("framework_list"))  # sessions and the like settle

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert reviewer.get(reverse("framework_list")).status_code == 200
        return len(captured)

    before = count()
    current = world.framework
    for _ in range(4):
        current = versions.new_version(current, user=world.users.reviewer)
    for n in range(3):
        Round.objects.create(framework=current, name=f"Round {n}")
    assert count() == before
