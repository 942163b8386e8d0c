"""Activity above borough level: the ICS's, a sub-region's and a combined authority's own pages.

Who may write each column (the ICS's reviewers everywhere, a lead held at a
combined authority in its own column only), who only reads, closed rounds,
the workbook afterwards, two writers interleaved, and the page's cost in
queries.
"""

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from atf import grants
from atf.models import Membership, Role
from stocktake import layout
from stocktake.exporter import write_workbook
from stocktake.importer import import_stocktake
from stocktake.models import Entry

ICS = "cheshire-and-merseyside"
CA = "liverpool-city-region-combined-authority"
SUB_REGION = "cheshire-and-warrington"
CLOSED = "is closed, so nothing in it can be changed"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ca_lead(world, django_user_model):
    """A lead held at the Liverpool City Region Combined Authority, granted as the grant command does."""
    user = django_user_model.objects.create_user(username="lead-lcr-ca", password="a long enough password")
    grants.grant(user, Role.BOROUGH_LEAD, world.places[CA])
    return user


def page(round_, slug):
    return reverse("stocktake:level_return", args=[round_.slug, slug])


def add_url(round_, slug, kind="theme", number=1):
    return reverse("stocktake:level_entry_add", args=[round_.slug, slug, kind, number])


def edit_url(entry, slug):
    return reverse("stocktake:level_entry_edit", args=[entry.round.slug, slug, entry.pk])


def column_entries(round_, slug):
    return list(Entry.objects.filter(round=round_, column_place__slug=slug).order_by("position", "pk"))


def level_entry(world, slug, text, *, round_=None, theme_number=1, position=1):
    """An entry in ``slug``'s column as the importer writes one: at its level, for that place, no lead-in."""
    place = world.places[slug]
    entry = Entry.objects.create(
        round=round_ or world.rounds.open,
        theme=world.framework.themes.get(number=theme_number),
        level=place.kind,
        column_place=place,
        text=text,
        position=position,
    )
    entry.places.set([place])
    return entry


def test_a_reviewer_adds_changes_moves_and_deletes_an_ics_entry(world):
    client = logged_in(world.users.reviewer)
    round_ = world.rounds.open
    ics = world.places[ICS]
    first = client.get(page(round_, ICS))
    assert first.status_code == 200 and "Add an entry" in first.content.decode()

    theme = world.framework.themes.get(number=1)
    recommendation = theme.recommendations.first()
    response = client.post(
        add_url(round_, ICS),
        {"text": "  ICB funds a Marmot\u00a0lead in every place.  \r\n", "recommendations": [recommendation.pk]},
    )
    assert response.status_code == 302 and response["Location"] == page(round_, ICS) + "#theme-1"
    # A text that starts with a borough's name is the ICS's activity as typed: no lead-in is taken off.
    client.post(add_url(round_, ICS), {"text": "Knowsley - and Sefton share a family hub model."})
    added, second = column_entries(round_, ICS)
    assert added.text == "ICB funds a Marmot lead in every place."
    assert (added.level, added.column_place, added.lead_in, added.position) == ("ics", ics, "", 1)
    assert list(added.places.all()) == [ics] and list(added.recommendations.all()) == [recommendation]
    assert (second.text, second.lead_in, second.position) == ("Knowsley - and Sefton share a family hub model.", "", 2)
    assert list(second.places.all()) == [ics]

    body = client.get(page(round_, ICS)).content.decode()
    assert body.index("ICB funds a Marmot lead") < body.index("share a family hub model")
    assert reverse("stocktake:level_entry_edit", args=[round_.slug, ICS, added.pk]) in body

    edit = client.get(edit_url(added, ICS))
    assert edit.status_code == 200 and 'name="places"' not in edit.content.decode()
    saved = client.post(edit_url(added, ICS), {"text": "ICB funds a Marmot lead.", "version": added.version})
    assert saved.status_code == 302 and saved["Location"] == page(round_, ICS) + "#theme-1"
    added.refresh_from_db()
    assert added.text == "ICB funds a Marmot lead." and list(added.places.all()) == [ics]

    # The entry pages shared with boroughs come back to the column's page too.
    generic = client.post(
        reverse("stocktake:entry_edit", args=[added.pk]),
        {"text": "ICB funds a Marmot lead in each place.", "places": [ics.pk], "version": added.version},
    )
    # Back at the entry itself, so that the keyboard carries on from there.
    assert generic.status_code == 302 and generic["Location"] == page(round_, ICS) + f"#entry-{added.pk}"

    moved = client.post(reverse("stocktake:entry_move", args=[second.pk]), {"direction": "up"})
    assert moved.status_code == 302 and moved["Location"] == page(round_, ICS) + f"#entry-{second.pk}"
    assert [e.pk for e in column_entries(round_, ICS)] == [second.pk, added.pk]
    body = client.get(page(round_, ICS)).content.decode()
    assert body.index("share a family hub model") < body.index("ICB funds a Marmot lead in each place.")

    assert client.get(reverse("stocktake:entry_delete", args=[second.pk])).status_code == 200
    deleted = client.post(reverse("stocktake:entry_delete", args=[second.pk]))
    assert deleted.status_code == 302 and deleted["Location"] == page(round_, ICS) + "#theme-1"
    assert [e.pk for e in column_entries(round_, ICS)] == [added.pk]


def test_a_system_recommendation_entry_goes_in_its_own_section(world):
    client = logged_in(world.users.reviewer)
    response = client.post(add_url(world.rounds.open, ICS, "system", 2), {"text": "Social value in ICB contracts."})
    assert response["Location"].endswith("#system-2")
    (entry,) = column_entries(world.rounds.open, ICS)
    assert entry.theme is None and entry.system_recommendation.number == 2


def test_a_combined_authority_lead_edits_its_own_column_only(world, ca_lead):
    round_ = world.rounds.open
    ics_entry = level_entry(world, ICS, "ICB anchor institution charter.")
    ca_entry = level_entry(world, CA, "LCR CA Fair Employment Charter.")
    client = logged_in(ca_lead)

    own = client.get(page(round_, CA)).content.decode()
    assert "LCR CA Fair Employment Charter." in own and "Add an entry" in own
    assert client.post(add_url(round_, CA), {"text": "Households into work pilot."}).status_code == 302
    assert [e.text for e in column_entries(round_, CA)] == [
        "LCR CA Fair Employment Charter.",
        "Households into work pilot.",
    ]
    saved = client.post(edit_url(ca_entry, CA), {"text": "The Fair Employment Charter.", "version": ca_entry.version})
    assert saved.status_code == 302
    added = column_entries(round_, CA)[1]
    assert client.post(reverse("stocktake:entry_move", args=[added.pk]), {"direction": "up"}).status_code == 302
    assert [e.pk for e in column_entries(round_, CA)] == [added.pk, ca_entry.pk]
    assert client.post(reverse("stocktake:entry_delete", args=[added.pk])).status_code == 302
    assert [e.text for e in column_entries(round_, CA)] == ["The Fair Employment Charter."]

    # The ICS's column: read, never written.
    ics_page = client.get(page(round_, ICS)).content.decode()
    assert "ICB anchor institution charter." in ics_page and "Add an entry" not in ics_page
    assert client.post(add_url(round_, ICS), {"text": "Not theirs"}).status_code == 403
    assert client.post(edit_url(ics_entry, ICS), {"text": "Not theirs", "version": 1}).status_code == 403
    assert (
        client.post(
            reverse("stocktake:entry_edit", args=[ics_entry.pk]),
            {"text": "Not theirs", "places": [world.places[ICS].pk]},
        ).status_code
        == 403
    )
    assert client.post(reverse("stocktake:entry_move", args=[ics_entry.pk]), {"direction": "up"}).status_code == 403
    assert client.post(reverse("stocktake:entry_delete", args=[ics_entry.pk])).status_code == 403
    # Nor the sub-region's, nor a combined-authority page of another place's slug.
    assert client.post(add_url(round_, SUB_REGION), {"text": "Not theirs"}).status_code == 403

    # The boroughs inside the combined authority stay their own leads': a draft unseen, a submitted one read-only.
    knowsley, halton = world.entries.knowsley, world.entries.halton
    for entry, expected in ((knowsley, 404), (halton, 403)):
        data = {"text": "Not theirs", "places": [entry.places.get().pk]}
        assert client.post(reverse("stocktake:entry_edit", args=[entry.pk]), data).status_code == expected
        assert (
            client.post(reverse("stocktake:entry_move", args=[entry.pk]), {"direction": "up"}).status_code == expected
        )
        assert client.post(reverse("stocktake:entry_delete", args=[entry.pk])).status_code == expected
    borough_add = reverse("stocktake:entry_add", args=[round_.slug, "knowsley", "theme", 1])
    assert client.post(borough_add, {"text": "Not theirs", "places": [world.places["knowsley"].pk]}).status_code == 403
    assert (
        "Add an entry"
        not in client.get(reverse("stocktake:return_detail", args=[round_.slug, "knowsley"])).content.decode()
    )

    ics_entry.refresh_from_db()
    assert ics_entry.text == "ICB anchor institution charter."
    assert Entry.objects.get(pk=knowsley.pk).text == "Knowsley draft family hub"
    assert Entry.objects.get(pk=halton.pk).text == "Halton submitted family hub"
    assert not Entry.objects.filter(text="Not theirs").exists()


def test_the_lead_role_is_held_at_a_combined_authority_or_sub_region_but_not_a_ward(world, django_user_model):
    from django.core.exceptions import ValidationError

    user = django_user_model.objects.create_user(username="someone")
    grants.grant(user, Role.BOROUGH_LEAD, world.places[SUB_REGION])
    assert Membership.objects.filter(user=user, place=world.places[SUB_REGION]).exists()
    with pytest.raises(ValidationError):
        grants.grant(user, Role.BOROUGH_LEAD, world.places["crewe"])
    with pytest.raises(ValidationError):
        grants.grant(user, Role.BOROUGH_LEAD, world.places[ICS])


@pytest.mark.parametrize("role", ["lead", "viewer", "secretariat"])
def test_others_read_the_activity_but_every_write_is_refused(world, role):
    round_ = world.rounds.open
    entry = level_entry(world, ICS, "ICB anchor institution charter.")
    level_entry(world, ICS, "ICB second entry.", position=2)
    client = logged_in(getattr(world.users, role))

    body = client.get(page(round_, ICS)).content.decode()
    assert "ICB anchor institution charter." in body
    assert "Add an entry" not in body and "Move up" not in body and "Delete" not in body
    assert client.get(add_url(round_, ICS)).status_code == 403
    assert client.get(edit_url(entry, ICS)).status_code == 403
    assert client.post(add_url(round_, ICS), {"text": "Refused"}).status_code == 403
    assert client.post(edit_url(entry, ICS), {"text": "Refused", "version": entry.version}).status_code == 403
    generic = {"text": "Refused", "places": [world.places[ICS].pk], "version": entry.version}
    assert client.post(reverse("stocktake:entry_edit", args=[entry.pk]), generic).status_code == 403
    assert client.post(reverse("stocktake:entry_move", args=[entry.pk]), {"direction": "down"}).status_code == 403
    assert client.post(reverse("stocktake:entry_delete", args=[entry.pk])).status_code == 403

    assert [(e.text, e.position) for e in column_entries(round_, ICS)] == [
        ("ICB anchor institution charter.", 1),
        ("ICB second entry.", 2),
    ]
    assert not Entry.objects.filter(text="Refused").exists()


@pytest.mark.parametrize("role", ["nel_reviewer", "nobody"])
def test_those_outside_the_system_find_no_page(world, role):
    entry = level_entry(world, ICS, "ICB anchor institution charter.")
    client = logged_in(getattr(world.users, role))
    assert client.get(page(world.rounds.open, ICS)).status_code == 404
    assert client.post(add_url(world.rounds.open, ICS), {"text": "Refused"}).status_code == 404
    assert client.post(edit_url(entry, ICS), {"text": "Refused"}).status_code == 404
    assert client.post(reverse("stocktake:entry_delete", args=[entry.pk])).status_code == 404
    assert Entry.objects.filter(pk=entry.pk, text="ICB anchor institution charter.").exists()


def test_only_places_with_their_own_column_have_a_page(world):
    client = logged_in(world.users.reviewer)
    assert client.get(page(world.rounds.open, SUB_REGION)).status_code == 200
    assert client.get(page(world.rounds.open, "knowsley")).status_code == 404
    # North East London's ICS is no place of this round's system.
    assert client.get(page(world.rounds.open, "north-east-london")).status_code == 404


def test_a_closed_round_is_read_only_for_everyone(world, ca_lead):
    closed = world.rounds.closed
    entry = level_entry(world, CA, "LCR CA 2023 charter.", round_=closed)
    for user in (world.users.reviewer, ca_lead, world.users.superuser):
        client = logged_in(user)
        body = client.get(page(closed, CA)).content.decode()
        assert "LCR CA 2023 charter." in body and "Add an entry" not in body and "is closed" in body
        refused = client.post(add_url(closed, CA), {"text": "Too late"})
        assert refused.status_code == 403 and CLOSED in refused.content.decode()
        refused = client.post(edit_url(entry, CA), {"text": "Too late", "version": entry.version})
        assert refused.status_code == 403 and CLOSED in refused.content.decode()
        assert client.post(reverse("stocktake:entry_move", args=[entry.pk]), {"direction": "up"}).status_code == 403
        assert client.post(reverse("stocktake:entry_delete", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.text == "LCR CA 2023 charter." and not Entry.objects.filter(text="Too late").exists()


def _themes_cell(content: bytes, heading: str, theme_number: int) -> str:
    sheet = load_workbook(io.BytesIO(content), read_only=True)[layout.THEMES_SHEET]
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if heading in row)
    column = header.index(heading)
    start = rows.index(header) + 1
    return str(rows[start + theme_number - 1][column])


def test_the_workbook_holds_the_new_entry_in_its_column_and_reads_back_as_no_change(world, ca_lead):
    round_ = world.rounds.open
    logged_in(world.users.reviewer).post(add_url(round_, ICS), {"text": "ICB funds a Marmot lead."})
    ca = logged_in(ca_lead)
    ca.post(add_url(round_, CA), {"text": "Fair Employment Charter."})
    ca.post(add_url(round_, CA), {"text": "Households into work."})
    output = io.BytesIO()
    write_workbook(round_, output, world.users.reviewer)
    content = output.getvalue()
    assert _themes_cell(content, world.places[ICS].stocktake_heading, 1) == "ICB funds a Marmot lead."
    assert _themes_cell(content, world.places[CA].stocktake_heading, 1) == (
        "Fair Employment Charter.\n\nHouseholds into work."
    )
    assert _themes_cell(content, world.places[SUB_REGION].stocktake_heading, 1) == ""
    plan = import_stocktake(
        io.BytesIO(content), framework=round_.framework, round_name=round_.name, dry_run=True, user=world.users.reviewer
    )
    assert plan.has_changes is False


def test_a_reviewer_and_the_combined_authority_lead_interleaved(world, ca_lead):
    round_ = world.rounds.open
    reviewer, lead = logged_in(world.users.reviewer), logged_in(ca_lead)
    reviewer.post(add_url(round_, CA), {"text": "Added by the ICS."})
    assert "Added by the ICS." in lead.get(page(round_, CA)).content.decode()
    lead.post(add_url(round_, CA), {"text": "Added by the combined authority."})
    assert "Added by the combined authority." in reviewer.get(page(round_, CA)).content.decode()
    first, second = column_entries(round_, CA)
    assert (first.position, second.position) == (1, 2)

    # Both open the same entry; the reviewer saves first; the lead's older form is refused.
    opened_at = first.version
    assert reviewer.post(edit_url(first, CA), {"text": "The ICS's wording.", "version": opened_at}).status_code == 302
    stale = lead.post(edit_url(first, CA), {"text": "The lead's wording.", "version": opened_at})
    body = stale.content.decode()
    assert stale.status_code == 200 and "Someone else saved this entry" in body
    assert "The ICS&#x27;s wording." in body and "The lead&#x27;s wording." in body
    first.refresh_from_db()
    assert first.text == "The ICS's wording."
    # Saved again from the refreshed form, at the version it now carries: the lead's wording stands.
    again = lead.post(edit_url(first, CA), {"text": "The lead's wording.", "version": first.version})
    assert again.status_code == 302
    first.refresh_from_db()
    assert first.text == "The lead's wording."
    assert "The lead&#x27;s wording." in reviewer.get(page(round_, CA)).content.decode()

    # The same through the entry page shared with boroughs.
    opened_at = second.version
    lead.post(edit_url(second, CA), {"text": "Lead's second wording.", "version": opened_at})
    generic = reviewer.post(
        reverse("stocktake:entry_edit", args=[second.pk]),
        {"text": "Reviewer's stale wording.", "places": [world.places[CA].pk], "version": opened_at},
    )
    assert generic.status_code == 200 and "Lead&#x27;s second wording." in generic.content.decode()
    second.refresh_from_db()
    assert second.text == "Lead's second wording."


def _grow(world, times):
    """``times`` entries in the ICS's column under every theme, each linked to a recommendation and an indicator."""
    ics = world.places[ICS]
    for theme in world.framework.themes.prefetch_related("recommendations", "indicators"):
        recommendation, indicator = theme.recommendations.first(), theme.indicators.first()
        entries = Entry.objects.bulk_create(
            Entry(round=world.rounds.open, theme=theme, level="ics", column_place=ics, text=f"More {i}", position=i)
            for i in range(times)
        )
        for entry in entries:
            entry.places.add(ics)
            if recommendation:
                entry.recommendations.add(recommendation)
            if indicator:
                entry.indicators.add(indicator)


@pytest.mark.parametrize("role", ["reviewer", "lead"])
def test_the_page_costs_the_same_queries_for_20_times_the_entries(world, django_assert_max_num_queries, role):
    client = logged_in(getattr(world.users, role))
    url = page(world.rounds.open, ICS)
    _grow(world, 2)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    _grow(world, 38)
    with django_assert_max_num_queries(len(context.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count("More 37") == 8


def test_the_round_list_links_each_open_round_s_level_pages(world):
    body = logged_in(world.users.viewer).get(reverse("stocktake:round_list")).content.decode()
    assert "Activity above borough level" in body
    for slug in (ICS, SUB_REGION, CA):
        assert f'href="{page(world.rounds.open, slug)}"' in body
    assert page(world.rounds.closed, ICS) not in body


def test_a_combined_authority_lead_finds_their_activity_page_on_home(world, ca_lead):
    page = logged_in(ca_lead).get(reverse("home")).content.decode()
    url = reverse("stocktake:level_return", args=[world.rounds.open.slug, CA])
    assert f'href="{url}"' in page
    # A borough lead has no such page to keep.
    assert "Your activity" not in logged_in(world.users.lead).get(reverse("home")).content.decode()
