"""The stocktake pages: what they show, the flows, and their cost in queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stocktake import coverage
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Return, Round


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def demo_round(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework)
    return Round.objects.get(name="ATF Stocktake Oct-Dec 2023")


def test_the_coverage_grid_of_2023_counts_each_borough_under_each_theme(demo_round, world):
    places, rows = coverage.grid(world.users.reviewer, demo_round, "themes")
    assert [p.name for p in places] == [
        "Cheshire East",
        "Cheshire West and Chester",
        "Halton",
        "Knowsley",
        "Liverpool",
        "Sefton",
        "St Helens",
        "Warrington",
        "Wirral",
    ]
    counts = {row.code: [c.count for c in row.cells] for row in rows}
    # Theme 1, from the workbook's G5: Sefton 2, Knowsley 2, Cheshire West and Chester 2, the rest 1 each.
    assert counts["1"] == [1, 2, 1, 2, 1, 2, 1, 1, 1]
    # Theme 2: no Cheshire East paragraph; Knowsley has three of its own and one with Liverpool.
    assert counts["2"][0] == 0 and counts["2"][3] == 4
    # Theme 6 has an "All 9 places" paragraph: every borough counts it.
    assert all(n >= 1 for n in counts["6"])
    assert len(rows) == 15


def test_a_lead_adds_links_and_submits_an_entry(world):
    client = logged_in(world.users.lead)
    theme = world.framework.themes.get(number=1)
    recommendation, indicator = theme.recommendations.first(), theme.indicators.first()
    response = client.post(
        reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 1]),
        {
            "text": "Second family hub opened in Huyton.",
            "places": [world.places["knowsley"].pk],
            "recommendations": [recommendation.pk],
            "indicators": [indicator.pk],
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get(text="Second family hub opened in Huyton.")
    assert entry.lead_in == "Knowsley - " and list(entry.recommendations.all()) == [recommendation]
    assert list(entry.indicators.all()) == [indicator]
    submit_url = reverse("stocktake:return_submit", args=[world.rounds.open.slug, "knowsley"])
    # Most sections are still empty: the lead is asked to confirm, and told which.
    confirm = client.post(submit_url)
    assert confirm.status_code == 200 and "empty sections" in confirm.content.decode()
    assert Return.objects.get(round=world.rounds.open, place__slug="knowsley").status == "draft"
    client.post(submit_url, {"confirmed": "yes"})
    assert Return.objects.get(round=world.rounds.open, place__slug="knowsley").status == "submitted"
    # Submitted: locked for the lead, visible to the other boroughs.
    page = client.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"]))
    assert "Add an entry" not in page.content.decode()
    other = logged_in(world.users.other_lead).get(
        reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"])
    )
    assert "Second family hub opened in Huyton." in other.content.decode()


def test_a_form_with_missing_fields_says_what_to_do(world):
    response = logged_in(world.users.lead).post(
        reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 1]), {"text": ""}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content and "Enter what your borough is doing" in content
    assert not Entry.objects.filter(round=world.rounds.open, text="").exists()


def test_the_reviewer_returns_a_return_and_the_lead_sees_the_comment(world):
    reviewer = logged_in(world.users.reviewer)
    reviewer.post(
        reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"]),
        {"decision": "returned", "comment": "Please add the Kingsway hub."},
    )
    home = logged_in(world.users.other_lead).get(reverse("home")).content.decode()
    assert "Please add the Kingsway hub." in home


def test_returning_without_a_comment_is_refused(world):
    logged_in(world.users.reviewer).post(
        reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"]), {"decision": "returned"}
    )
    assert Return.objects.get(round=world.rounds.open, place__slug="halton").status == "submitted"


def test_the_entries_table_filters_and_exports(world):
    client = logged_in(world.users.reviewer)
    page = client.get(reverse("stocktake:entry_list"), {"place": world.places["knowsley"].pk})
    content = page.content.decode()
    assert "Knowsley draft family hub" in content and "Halton submitted" not in content
    export = client.get(reverse("stocktake:entry_list"), {"q": "Sefton", "_export": "csv"})
    body = export.content.decode()
    assert "Sefton draft family hub" in body and "Knowsley draft" not in body
    xlsx = client.get(reverse("stocktake:entry_list"), {"_export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_search_finds_who_else_runs_family_hubs(world):
    page = logged_in(world.users.lead).get(reverse("stocktake:search"), {"q": "family hub"}).content.decode()
    assert "Knowsley draft family hub" in page and "Halton submitted family hub" in page
    assert "Sefton draft family hub" not in page  # another borough's draft
    assert "Hackney" not in page


def test_comparing_rounds_shows_new_changed_and_gone(world):
    later = Round.objects.create(framework=world.framework, name="Later round")
    entry = Entry.objects.create(
        round=later,
        theme=world.entries.closed.theme,
        level="borough",
        lead_in="Sefton - ",
        text="Sefton 2024 family hub",
    )
    entry.places.set([world.places["sefton"]])
    page = logged_in(world.users.reviewer).get(
        reverse("stocktake:compare"), {"from": world.rounds.closed.pk, "to": later.pk}
    )
    content = page.content.decode()
    assert "Changed" in content and "2023" in content and "2024" in content


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def grow(world, times):
    """Add ``times`` entries for each of Knowsley and Halton, with links to recommendations and indicators."""
    theme = world.framework.themes.get(number=2)
    recommendation, indicator = theme.recommendations.first(), theme.indicators.first()
    for slug in ("knowsley", "halton"):
        place = world.places[slug]
        entries = Entry.objects.bulk_create(
            Entry(round=world.rounds.open, theme=theme, level="borough", lead_in=f"{place} - ", text=f"More {i}")
            for i in range(times)
        )
        for entry in entries:
            entry.places.add(place)
            entry.recommendations.add(recommendation)
            entry.indicators.add(indicator)


@pytest.mark.parametrize(
    "name, args, params",
    [
        ("home", [], {}),
        ("stocktake:return_detail", ["open-round-2025", "knowsley"], {}),
        ("stocktake:coverage", ["open-round-2025"], {}),
        ("stocktake:coverage", ["open-round-2025"], {"view": "recommendations"}),
        ("stocktake:coverage", ["open-round-2025"], {"view": "indicators"}),
        ("stocktake:entry_list", [], {}),
        ("stocktake:entry_list", [], {"q": "More"}),
        ("stocktake:search", [], {"q": "More"}),
        ("stocktake:round_list", [], {}),
    ],
)
def test_pages_cost_the_same_queries_for_20_times_the_entries(world, django_assert_max_num_queries, name, args, params):
    client = logged_in(world.users.lead)
    url = reverse(name, args=args)
    grow(world, 5)
    small = count_queries(client, url, params)
    grow(world, 95)
    with django_assert_max_num_queries(small):
        assert client.get(url, params).status_code == 200


def test_a_return_page_read_while_an_entry_is_added_shows_what_it_read_first(world, places, monkeypatch):
    """The page's queries each see the database as it is then: an entry added between them is not a 500."""
    from stocktake import returns

    links = Entry.places.through.objects
    real_filter = links.filter

    def filter_after_an_entry_is_added(*args, **kwargs):
        added = Entry.objects.get(pk=world.entries.knowsley.pk)
        added.pk, added.id, added.text = None, None, "Knowsley added while the page was read"
        added.save()
        added.places.set([places["knowsley"]])
        monkeypatch.setattr(links, "filter", real_filter)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(links, "filter", filter_after_an_entry_is_added)
    cards = returns.entry_cards(Entry.objects.filter(round=world.rounds.open, places=places["knowsley"]))
    assert world.entries.knowsley.pk in {card.pk for card in cards}
    assert "Knowsley added while the page was read" not in {card.text for card in cards}
