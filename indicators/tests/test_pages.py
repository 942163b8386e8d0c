"""The tartan rug, the indicator page and the values download, as each role reads them."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from atf.tests.test_permission_matrix import ROLES, client_for
from conftest import FRAMEWORK
from indicators.demo import load_demo_values
from indicators.importing import import_values
from indicators.models import Area, IndicatorValue
from indicators.periods import parse_period
from indicators.readers import PublishedValue
from indicators.rug import Change, build_rug

ENGLAND, NORTH_WEST = "E92000001", "E12000002"
CODES = {
    "cheshire-east": "E06000049",
    "halton": "E06000006",
    "knowsley": "E08000011",
    "liverpool": "E08000012",
    "sefton": "E08000014",
    "st-helens": "E08000013",
    "wirral": "E08000015",
}


def value(code, period, figure, lower=None, upper=None, *, sex="Female", published="", row=2, l998=None, u998=None):
    number = lambda x: None if x is None else Decimal(str(x))  # noqa: E731
    return PublishedValue(
        row=row,
        area_code=code,
        area_name=code,
        indicator_name="",
        source_identifier="",
        period=parse_period(period),
        sex=sex,
        age="",
        value=number(figure),
        lower_95=number(lower),
        upper_95=number(upper),
        lower_998=number(l998),
        upper_998=number(u998),
        source_comparison=published,
    )


@pytest.fixture
def hle(framework):
    return framework.indicators.get(number=2)


@pytest.fixture
def figures(hle):
    """Healthy life expectancy, female, three periods: one place of each comparison, one suppressed."""
    rows = []
    for period, england, knowsley in (
        ("2019 - 21", "63.9", "56.0"),
        ("2020 - 22", "62.8", "55.1"),
        ("2022 - 24", "61.3", "53.7"),
    ):
        rows += [
            value(ENGLAND, period, england, sex="Female"),
            value(CODES["knowsley"], period, knowsley, Decimal(knowsley) - 2, Decimal(knowsley) + 2),
        ]
    rows += [
        value(NORTH_WEST, "2022 - 24", "59.2", "58.8", "59.6", l998="58.5", u998="59.9"),
        value(CODES["cheshire-east"], "2022 - 24", "66", "64", "68", l998="57", u998="70"),
        value(CODES["halton"], "2022 - 24", "61.0", "59", "63"),
        # No interval published: the publisher's own label is shown, marked as such.
        value(CODES["liverpool"], "2022 - 24", "56.7", published="Worse"),
        # Suppressed: missing, never zero.
        value(CODES["wirral"], "2022 - 24", None),
    ]
    import_values(rows, hle, source="ONS, healthy life expectancy <script>alert(1)</script>")
    return hle


def cells_of(rug, indicator_number, sex="Female"):
    series = next(s for s in rug.series if s.indicator.number == indicator_number and s.sex == sex)
    return series, {column.name: cell for column, cell in zip(rug.columns, series.cells, strict=True)}


def test_each_place_is_compared_with_england_in_words_as_well_as_colour(world, figures):
    rug = build_rug(world.users.lead, world.framework)
    series, cells = cells_of(rug, 2)
    assert series.period == "2022 - 24" and series.baseline == "2020 - 22" and series.previous == "2020 - 22"
    assert [rug.columns[0].name, rug.columns[1].name] == ["England", "Cheshire and Merseyside"]
    assert (cells["Knowsley"].comparison, cells["Knowsley"].css) == ("Worse", "worse")
    assert (cells["Cheshire East"].comparison, cells["Cheshire East"].css) == ("Better", "better")
    assert cells["Halton"].comparison == "Similar"
    assert (cells["Liverpool"].comparison, cells["Liverpool"].as_published) == ("Worse", True)
    assert cells["Wirral"].value.value is None and cells["Wirral"].shown_value == "" and not cells["Wirral"].comparison
    assert cells["England"].comparator and cells["England"].shown_value == "61.3"

    page = client_for(world, "lead").get(reverse("indicators:rug")).content.decode()
    # Colour and words together, in every compared cell.
    assert page.count('class="atf-rug--worse"') >= 2 and ">Worse<" in page.replace("</span>", "<")
    assert "Better" in page and "Similar" in page and "(as published)" in page
    assert "No value" in page  # Wirral, suppressed
    # Hostile text from a source is shown as text, never run.
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Open Government Licence v3.0" in page


def test_arrows_give_the_change_since_the_baseline_and_the_previous_period(world, figures):
    _, cells = cells_of(build_rug(world.users.viewer, world.framework), 2)
    knowsley = cells["Knowsley"]
    assert knowsley.since_previous.words == "Down 1.4 since 2020 - 22 (worse)"
    # The baseline is the latest period ending in or before 2022, the previous one here as well.
    assert knowsley.since_baseline is not None and knowsley.since_baseline.since == "2020 - 22"
    assert cells["Halton"].since_previous is None  # no earlier figure to compare with
    assert Change("2021/22", Decimal("-0.5"), "low is good").words == "Down 0.5 since 2021/22 (better)"
    assert Change("2021", Decimal("0"), "high is good").words == "No change since 2021"
    assert Change("2021", Decimal("2"), "").words == "Up 2 since 2021"


def test_a_financial_year_ending_in_the_baseline_year_is_the_baseline(world, framework):
    activity = framework.indicators.get(number=18)
    import_values(
        [
            value(ENGLAND, period, figure, sex="Persons")
            for period, figure in (("2020/21", "61"), ("2021/22", "62"), ("2022/23", "63"), ("2023/24", "64"))
        ],
        activity,
    )
    series, _ = cells_of(build_rug(world.users.viewer, framework), 18, sex="Persons")
    assert (series.period, series.baseline, series.previous) == ("2023/24", "2021/22", "2022/23")


def test_the_north_west_and_the_998_level_can_be_chosen(world, figures):
    rug = build_rug(world.users.viewer, world.framework, against="region", level="99.8")
    _, cells = cells_of(rug, 2)
    assert rug.comparator == "the North West" and rug.level == "99.8%"
    assert [column.name for column in rug.columns[:2]] == ["England", "North West"]
    assert cells["Cheshire East"].comparison == "Similar"  # 57 to 70 holds the North West's 59.2
    assert cells["Knowsley"].comparison == "Not compared"  # no 99.8% interval published
    client = client_for(world, "viewer")
    assert client.get(reverse("indicators:rug"), {"against": "region", "level": "99.8"}).status_code == 200
    # Nonsense options fall back to England and 95%, with no error.
    page = client.get(reverse("indicators:rug"), {"against": "<b>mars</b>", "level": "x"})
    assert page.status_code == 200 and "compared with England (95% intervals)" in page.content.decode()


def test_a_ward_rug_appears_where_ward_figures_exist(world, figures, places):
    client = client_for(world, "lead")
    assert 'id="ward-rug"' not in client.get(reverse("indicators:rug")).content.decode()
    crewe = places["crewe"]
    crewe.ons_code = "E05008617"
    crewe.save()
    import_values([value("E05008617", "2022 - 24", "60.1", "58", "62.2"), value(ENGLAND, "2022 - 24", "61.3")], figures)
    page = client.get(reverse("indicators:rug")).content.decode()
    assert 'id="ward-rug"' in page and "Crewe" in page and "Cheshire East" in page
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("indicators:rug_csv")).content.decode("utf-8-sig"))))
    assert any(row["area_name"] == "Crewe" and row["comparison"] == "Similar" for row in rows)


def link_activity(world, hle):
    from commissions.models import Action

    for entry in (world.entries.knowsley, world.entries.halton, world.entries.sefton):
        entry.indicators.add(hle)
    return Action.objects.create(
        commission=world.commissions.st_helens, description="Healthy years plan", owner="Director", indicator=hle
    )


def overlay(client, area):
    response = client.get(reverse("indicators:rug_csv"), {"framework": FRAMEWORK["slug"]})
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    row = next(r for r in rows if r["indicator"] == "2" and r["series"] == "Female" and r["area_name"] == area)
    return int(row["entries"]), int(row["actions"])


def test_the_activity_overlay_counts_only_what_each_reader_may_see_as_returns_move(world, figures):
    """A lead and another borough's lead, interleaved: a draft is counted for its own lead only, until submitted."""
    from stocktake.models import Return

    link_activity(world, figures)
    lead, other = client_for(world, "lead"), client_for(world, "other_lead")
    reviewer = client_for(world, "reviewer")
    # Knowsley's and Sefton's returns are drafts, Halton's is submitted.
    assert overlay(lead, "Knowsley") == (1, 0)
    assert overlay(other, "Knowsley") == (0, 0)
    assert overlay(other, "Sefton") == (0, 0) and overlay(lead, "Sefton") == (0, 0)
    assert overlay(lead, "Halton") == (1, 0) and overlay(other, "Halton") == (1, 0)
    assert overlay(reviewer, "Knowsley") == (1, 0) and overlay(reviewer, "Sefton") == (1, 0)
    # The page says the same as the download, and quotes no draft.
    assert (
        "Knowsley draft family hub" not in other.get(reverse("indicators:indicator_detail", args=[2])).content.decode()
    )
    assert "Knowsley draft family hub" in lead.get(reverse("indicators:indicator_detail", args=[2])).content.decode()
    # Knowsley submits: now the other lead counts it too, and reads it in the monitoring view.
    Return.objects.filter(round=world.rounds.open, place=world.places["knowsley"]).update(
        status=Return.Status.SUBMITTED
    )
    assert overlay(other, "Knowsley") == (1, 0)
    assert "Knowsley draft family hub" in other.get(reverse("indicators:indicator_detail", args=[2])).content.decode()
    assert overlay(other, "Sefton") == (0, 0)  # still a draft
    # St Helens' action: counted where the secretariat reads it, and never for a reader who may not.
    from commissions.models import Action

    for role in ("secretariat", "other_secretariat", "lead", "viewer", "nel_reviewer"):
        user = getattr(world.users, role)
        expected = Action.objects.for_user(user).filter(indicator=figures).count()
        assert overlay(client_for(world, role), "St Helens")[1] == expected, role
    assert overlay(client_for(world, "secretariat"), "St Helens")[1] == 1


def test_a_gap_says_no_activity(world, figures):
    page = client_for(world, "viewer").get(reverse("indicators:rug")).content.decode()
    assert "No activity" in page


def test_the_rug_takes_the_same_number_of_queries_whatever_it_holds(world, figures, framework):
    client = client_for(world, "lead")
    client.get(reverse("indicators:rug"))  # warm the session and the scope
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("indicators:rug")).status_code == 200
    link_activity(world, figures)
    more = []
    for number in (1, 10, 18):
        indicator = framework.indicators.get(number=number)
        for period in ("2019", "2020", "2021", "2022", "2023"):
            more += [value(code, period, "50", "49", "51", sex="Persons") for code in (ENGLAND, *CODES.values())]
        import_values(more, indicator)
        more = []
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("indicators:rug")).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("indicators:indicator_detail", args=[10])).status_code == 200
    assert len(page) <= len(small) + 4


def test_the_rug_downloads_as_csv_and_as_a_workbook_with_its_colours(world, figures):
    client = client_for(world, "viewer")
    response = client.get(reverse("indicators:rug_csv"))
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    knowsley = next(
        r for r in rows if r["indicator"] == "2" and r["series"] == "Female" and r["area_code"] == CODES["knowsley"]
    )
    assert knowsley["value"] == "53.7" and knowsley["comparison"] == "Worse" and knowsley["compared_with"] == "England"
    assert knowsley["change_since_previous"] == "-1.4" and knowsley["previous_period"] == "2020 - 22"
    liverpool = next(r for r in rows if r["area_code"] == CODES["liverpool"] and r["indicator"] == "2")
    assert liverpool["comparison_by"] == "publisher"

    response = client.get(reverse("indicators:rug_xlsx"))
    book = load_workbook(io.BytesIO(response.content))
    grid = book["Tartan rug"]
    assert grid.freeze_panes == "D3"
    header = [cell.value for cell in grid[2]]
    row = next(
        r for r in grid.iter_rows(min_row=3) if r[0].value and r[0].value.startswith("2.") and r[1].value == "Female"
    )
    knowsley_cell = row[header.index("Knowsley")]
    assert knowsley_cell.value.startswith("53.7, Worse") and knowsley_cell.fill.start_color.rgb.endswith("D4351C")
    assert row[header.index("Cheshire East")].fill.start_color.rgb.endswith("00703C")
    assert row[header.index("Halton")].fill.start_color.rgb.endswith("FFDD00")
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", cell.coordinate


def test_no_download_carries_a_formula(world, hle):
    import_values([value(CODES["knowsley"], "2022 - 24", "53.7", "52", "55")], hle, source='=HYPERLINK("http://x")')
    client = client_for(world, "viewer")
    text = client.get(reverse("indicators:rug_xlsx")).content
    book = load_workbook(io.BytesIO(text))
    cells = [
        c for sheet in book.worksheets for r in sheet.iter_rows() for c in r if c.value and "HYPERLINK" in str(c.value)
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    assert b"'=HYPERLINK" not in client.get(reverse("indicators:rug_csv")).content  # sources are not in the CSV rows


def test_the_values_download_is_the_export(world, figures):
    client = client_for(world, "lead")
    response = client.get(reverse("indicators:values_csv"), {"indicator": "2"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["indicator"] for row in rows} == {"2"}
    knowsley = next(r for r in rows if r["area_code"] == CODES["knowsley"] and r["period_label"] == "2022 - 24")
    assert (knowsley["value"], knowsley["compared_to_england"]) == ("53.7", "Worse")
    assert client.get(reverse("indicators:values_csv"), {"indicator": "99"}).status_code == 404
    assert client.get(reverse("indicators:values_csv"), {"indicator": "abc"}).status_code == 404


def test_the_indicator_page_draws_the_trend_as_accessible_svg_with_its_table(world, figures):
    page = client_for(world, "lead").get(reverse("indicators:indicator_detail", args=[2])).content.decode()
    assert '<svg class="atf-chart"' in page and 'role="img"' in page and "<title id=" in page and "<desc id=" in page
    assert "Knowsley the thick purple line" in page  # a lead's own borough is drawn out
    assert "atf-line--highlight" in page and "atf-line--england" in page
    assert "<td>53.7</td>" in page and "2020 - 22 (baseline)" in page
    assert "Fingertips 90362" in page and "High is good" in page
    # The monitoring view: Theme | Programmes and action | Milestones | Outcome indicator.
    for heading in ("Programmes and action", "Milestones", "Outcome indicator"):
        assert heading in page
    assert "53.7 years in 2022 - 24: worse than England" in page
    other = client_for(world, "viewer").get(reverse("indicators:indicator_detail", args=[2]), {"place": "halton"})
    assert "Halton the thick purple line" in other.content.decode()


def test_an_indicator_with_no_figures_says_so(world):
    page = client_for(world, "viewer").get(reverse("indicators:indicator_detail", args=[12])).content.decode()
    assert "No figures have been imported for this indicator yet" in page and "reported locally" in page


def test_unknown_indicators_and_frameworks_are_not_found(world):
    client = client_for(world, "viewer")
    assert client.get(reverse("indicators:indicator_detail", args=[99])).status_code == 404
    assert client.get(reverse("indicators:rug"), {"framework": "no-such-framework"}).status_code == 404


def test_another_system_reads_its_own_framework_and_may_ask_for_ours(world, figures):
    client = client_for(world, "nel_reviewer")
    own = client.get(reverse("indicators:rug")).content.decode()
    assert "NEL framework" in own and "Knowsley" not in own
    ours = client.get(reverse("indicators:rug"), {"framework": world.framework.slug}).content.decode()
    assert "Knowsley" in ours and "53.7" in ours


def test_the_demo_figures_load_once_and_carry_their_publishers(framework):
    assert load_demo_values(framework) > 200
    assert load_demo_values(framework) == 0
    sources = set(IndicatorValue.objects.values_list("source", flat=True))
    assert any("OHID Fingertips" in s for s in sources) and any(s.startswith("ONS") for s in sources)
    assert set(IndicatorValue.objects.values_list("indicator__number", flat=True)) == {1, 2, 10, 18}
    assert Area.objects.filter(place__slug="knowsley").exists()


# The permission matrix's rows for the indicator pages: public figures, read by everyone signed in. --------

INDICATOR_PAGES = {
    "indicators:rug": [],
    "indicators:rug_csv": [],
    "indicators:rug_xlsx": [],
    "indicators:values_csv": [],
    "indicators:indicator_detail": [2],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(INDICATOR_PAGES))
def test_indicator_pages_answer_every_signed_in_role(world, figures, name, role):
    response = client_for(world, role).get(
        reverse(name, args=INDICATOR_PAGES[name]), {"framework": world.framework.slug}
    )
    assert response.status_code == (302 if role == "anonymous" else 200)
    if role != "anonymous" and name == "indicators:rug":
        assert "Knowsley" in response.content.decode() and "53.7" in response.content.decode()


@pytest.mark.parametrize("name", list(INDICATOR_PAGES))
def test_indicator_pages_take_no_writes(world, name):
    assert client_for(world, "reviewer").post(reverse(name, args=INDICATOR_PAGES[name])).status_code == 405


def test_every_role_reaches_the_rug_from_the_home_page(world):
    for role in ROLES[:-1]:
        page = client_for(world, role).get(reverse("home")).content.decode()
        assert reverse("indicators:rug") in page, role


def test_the_rug_counts_each_place_s_better_similar_and_worse(world, figures):
    rug = build_rug(world.users.viewer, world.framework)
    totals = {column.name: counts for column, counts in zip(rug.columns, rug.totals, strict=True)}
    assert totals["England"] is None
    assert totals["Knowsley"] == {"Better": 0, "Similar": 0, "Worse": 1}
    assert totals["Cheshire East"] == {"Better": 1, "Similar": 0, "Worse": 0}
    page = client_for(world, "viewer").get(reverse("indicators:rug")).content.decode()
    assert "0 better, 0 similar, 1 worse" in page


def test_after_a_new_framework_version_the_open_round_s_activity_still_counts(world, figures):
    from atf import versions

    action = link_activity(world, figures)
    new = versions.new_version(world.framework, user=world.users.reviewer)
    assert world.rounds.open.framework == world.framework  # the open round keeps version 1
    lead = client_for(world, "lead")
    response = lead.get(reverse("indicators:rug_csv"), {"framework": new.slug})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    knowsley = next(
        r for r in rows if r["indicator"] == "2" and r["series"] == "Female" and r["area_name"] == "Knowsley"
    )
    assert (knowsley["entries"], knowsley["value"]) == ("1", "53.7")  # the values were copied to version 2 too
    st_helens = next(
        r for r in rows if r["indicator"] == "2" and r["series"] == "Female" and r["area_name"] == "St Helens"
    )
    secretariat_rows = csv.DictReader(
        io.StringIO(
            client_for(world, "secretariat")
            .get(reverse("indicators:rug_csv"), {"framework": new.slug})
            .content.decode("utf-8-sig")
        )
    )
    assert st_helens["actions"] == str(visible_action_count(world.users.lead, action))
    assert any(
        r["area_name"] == "St Helens" and r["indicator"] == "2" and r["actions"] == "1" for r in secretariat_rows
    )
    page = lead.get(reverse("indicators:indicator_detail", args=[2]), {"framework": new.slug}).content.decode()
    assert "Knowsley draft family hub" in page and "version 2" in page


def visible_action_count(user, action):
    from commissions.models import Action

    return Action.objects.for_user(user).filter(pk=action.pk).count()


def test_the_chart_places_periods_at_their_years_and_none_draws_no_borough_out(world, figures):
    lead = client_for(world, "lead")
    page = lead.get(reverse("indicators:indicator_detail", args=[2]), {"place": ""})
    chart = page.context["series"][0].chart
    # 2019 - 21, 2020 - 22, then 2022 - 24: the gap of a year shows as twice the step.
    xs = [x for x, _ in chart.x_ticks]
    assert abs((xs[2] - xs[1]) - 2 * (xs[1] - xs[0])) < 0.5
    assert "thick purple" not in page.content.decode() and page.context["highlight"] is None
    # Only the lines it has are described: this chart has no ICS line.
    assert "ICS" not in chart.description and "England the thick black line" in chart.description


def test_the_rug_s_comparison_choices_show_what_is_chosen(world, figures):
    page = client_for(world, "viewer").get(reverse("indicators:rug")).content.decode()
    assert 'value="england" checked' in page and 'value="95" checked' in page
    page = client_for(world, "viewer").get(reverse("indicators:rug"), {"level": "99.8"}).content.decode()
    assert 'value="99.8" checked' in page and "At the 99.8% level a place is compared only where" in page


def test_a_revised_value_shows_each_figure_it_was_published_as(world, figures, hle):
    import_values([value(CODES["knowsley"], "2022 - 24", "54.0", "52", "56")], hle, source="ONS (file revised.csv)")
    page = client_for(world, "viewer").get(reverse("indicators:indicator_detail", args=[2]))
    [revision] = page.context["revisions"]
    assert (revision.area, revision.period, revision.sex) == ("Knowsley", "2022 - 24", "Female")
    assert [shown for shown, _, _ in revision.versions] == ["53.7", "54"]
    assert "53.7 from" in page.content.decode() and "(ONS (file revised.csv))" in page.content.decode()


def test_crowded_period_labels_are_thinned_so_none_overlap():
    from indicators.monitoring import Chart, Line, draw

    periods = [f"{year} - {str(year + 2)[-2:]}" for year in range(2011, 2023)]
    chart = draw(
        Chart(
            title="t",
            description="d",
            periods=periods,
            years=[year + 2 for year in range(2011, 2023)],
            lines=[Line("England", "E92000001", "england", [Decimal(60 + i % 3) for i in range(12)])],
        )
    )
    xs = [x for x, _ in chart.x_ticks]
    assert 3 <= len(xs) < 12 and all(b - a >= 60 for a, b in itertools.pairwise(xs))
    assert len(chart.lines[0].dots) == 12  # every value is still drawn
