import openpyxl
import pytest

from atf.loader import heading_text, load_framework
from atf.models import BeaconIndicator, Framework, Pillar, Recommendation, SystemRecommendation, Theme
from atf.text import normalise
from stocktake.layout import collapse_whitespace


def workbook_column(path, sheet, column, rows):
    sheet = openpyxl.load_workbook(path)[sheet]
    return [sheet[f"{column}{row}"].value for row in rows]


def test_it_loads_eight_themes_seven_system_recommendations_and_22_indicators(framework):
    assert framework.themes.count() == 8
    assert framework.system_recommendations.count() == 7
    assert framework.indicators.count() == 22
    assert list(framework.pillars.values_list("name", flat=True)) == [
        "Governance and Accountability",
        "Leadership at All Levels",
        "Ways of Working",
        "Resources, Financing and Capabilities",
    ]


def test_every_theme_and_recommendation_reads_word_for_word_as_in_the_workbook(framework, workbook_path):
    cells = workbook_column(workbook_path, "Themes", "B", range(5, 13))
    for theme, cell in zip(framework.themes.order_by("number"), cells, strict=True):
        rebuilt = heading_text(theme.number, theme.title, [r.text for r in theme.recommendations.all()])
        assert collapse_whitespace(rebuilt) == collapse_whitespace(cell)
    counts = [t.recommendations.count() for t in framework.themes.order_by("number")]
    assert counts == [cell.count("•") for cell in cells]
    first = framework.themes.get(number=1)
    assert first.title == "Give every child the best start in life"
    assert first.recommendations.count() == 7
    assert first.recommendations.first().text.startswith("Review inequitable outcomes in early years")


def test_sub_points_stay_with_their_recommendation(framework):
    criteria = Recommendation.objects.get(theme__number=3, text__startswith="Establish criteria")
    assert "\n- Wages to meet the minimum income for healthy living." in criteria.text


def test_system_recommendations_read_as_in_the_workbook(framework, workbook_path):
    cells = workbook_column(workbook_path, "Themes", "B", range(15, 22))
    titles = [f"{s.number}. {s.title}" for s in framework.system_recommendations.order_by("number")]
    assert titles == cells


def test_indicators_keep_their_theme_fields_and_status(framework, workbook_path):
    names = workbook_column(
        workbook_path,
        "Beacon Indicators",
        "C",
        [3, 4, 6, 7, 9, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21, 22, 24, 26, 27, 29, 31, 32],
    )
    # Read as all text comes in: a no-break space in the workbook is a plain space (atf.text).
    assert list(framework.indicators.order_by("number").values_list("name", flat=True)) == [normalise(n) for n in names]
    life_expectancy = framework.indicators.get(number=1)
    assert life_expectancy.theme is None and life_expectancy.group == "Life expectancy"
    assert (life_expectancy.geographic_level, life_expectancy.disaggregation, life_expectancy.source) == (
        "LSOA",
        "IMD",
        "ONS",
    )
    assert framework.indicators.get(number=3).theme.number == 1
    assert framework.indicators.get(number=22).theme.number == 8
    assert framework.themes.get(number=6).indicator_heading == "Strengthen the role and impact of ill-health prevention"
    statuses = dict(framework.indicators.values_list("number", "status"))
    assert {n for n, s in statuses.items() if s == BeaconIndicator.Status.NO_DATA} == {12, 20, 21}
    assert {n for n, s in statuses.items() if s == BeaconIndicator.Status.DISCONTINUED} == {15}


def history_count():
    return sum(
        model.history.count()
        for model in (Framework, Theme, Recommendation, SystemRecommendation, BeaconIndicator, Pillar)
    )


def test_loading_twice_changes_nothing(framework):
    before = history_count()
    load_framework(
        system=framework.system,
        name=framework.name,
        slug=framework.slug,
        published=framework.published,
        baseline_year=framework.baseline_year,
        discontinued_indicators=(15,),
    )
    assert history_count() == before
    assert Theme.objects.count() == 8 and Recommendation.objects.count() == 87


@pytest.mark.django_db
def test_a_framework_edit_is_kept_in_history_with_who_made_it(framework, django_user_model):
    editor = django_user_model.objects.create(username="editor")
    theme = framework.themes.get(number=1)
    theme.title = "Give every child the best start"
    theme._history_user = editor
    theme.save()
    latest = theme.history.first()
    assert latest.history_user == editor and latest.history_type == "~"
