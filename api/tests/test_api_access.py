"""Every endpoint, as every role: the API answers exactly what the tenant rule lets its reader view."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from atf import access
from atf.models import BeaconIndicator, Framework, Recommendation, SystemRecommendation, Theme
from atf.tests.test_permission_matrix import ROLES as MATRIX_ROLES
from boroughs.models import Place
from commissions.models import Action, Commission, Meeting
from indicators.models import IndicatorValue
from stocktake.models import Entry, Return, Round

ENDPOINTS = {
    "place": Place,
    "framework": Framework,
    "theme": Theme,
    "recommendation": Recommendation,
    "system-recommendation": SystemRecommendation,
    "indicator": BeaconIndicator,
    "round": Round,
    "return": Return,
    "entry": Entry,
    "indicator-value": IndicatorValue,
    "commission": Commission,
    "meeting": Meeting,
    "action": Action,
}
# The permission matrix's signed-in roles: a token always has an owner.
ROLES = [role for role in MATRIX_ROLES if role != "anonymous"]


def all_ids(client, url, headers):
    """Every id on every page, following the ``next`` links as Power BI does."""
    ids, pages = [], 0
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert pages < 100
    return ids


@pytest.mark.parametrize("basename", ENDPOINTS)
def test_each_endpoint_answers_each_role_exactly_what_the_rule_lets_it_view(client, api_world, bearer, basename):
    """The list (every page of it) holds the rows the rule gives; a row outside is a 404, one inside a 200."""
    model = ENDPOINTS[basename]
    every = list(model.objects.order_by("pk").values_list("pk", flat=True))
    for role in ROLES:
        user = getattr(api_world.users, role)
        headers = bearer(user)
        visible = set(access.restrict(model.objects.all(), user, access.VIEW).values_list("pk", flat=True))
        ids = all_ids(client, reverse(f"api:{basename}-list") + "?page_size=7", headers)
        assert len(ids) == len(set(ids)), f"{role}: a row on two pages"
        assert set(ids) == visible, role
        hidden = [pk for pk in every if pk not in visible]
        # Every hidden row (up to 20) and a few visible ones: the answer depends on the rule, not the id.
        for pk in hidden[:20] + sorted(visible)[:4]:
            response = client.get(reverse(f"api:{basename}-detail", args=[pk]), **headers)
            assert response.status_code == (200 if pk in visible else 404), (role, pk)
            if pk not in visible:
                assert set(response.json()) == {"detail"}


def test_a_leads_token_reads_its_own_drafts_and_others_submitted_entries_never_their_drafts(client, api_world, bearer):
    headers = bearer(api_world.users.lead)
    ids = set(all_ids(client, reverse("api:entry-list") + "?page_size=2", headers))
    entries = api_world.entries
    assert entries.knowsley.pk in ids  # its own draft
    assert entries.halton.pk in ids  # submitted
    assert entries.closed.pk in ids  # a closed round's
    assert entries.sefton.pk not in ids  # another borough's draft
    assert entries.hackney.pk not in ids  # another ICS's

    # The CSV form of the same pages: the same rows, and never the other draft's text.
    text, url = "", reverse("api:entry-list") + "?page_size=2&format=csv"
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        text += response.content.decode("utf-8-sig")
        links = response.get("Link", "")
        url = links.split(";")[0].strip("<>") if 'rel="next"' in links else None
    assert "Knowsley draft family hub" in text and "Halton submitted family hub" in text
    assert "Sefton draft family hub" not in text and "Hackney" not in text


def test_filters_match_the_pages_and_bad_values_get_a_400_saying_why(client, api_world, bearer):
    headers = bearer(api_world.users.reviewer)
    url = reverse("api:entry-list")
    open_round = api_world.rounds.open
    ids = set(all_ids(client, f"{url}?round={open_round.pk}&status=submitted", headers))
    assert ids == {api_world.entries.halton.pk}
    ids = set(all_ids(client, f"{url}?place={api_world.places['knowsley'].pk}", headers))
    assert ids == {api_world.entries.knowsley.pk}
    assert set(all_ids(client, f"{url}?updated_since=2999-01-01T00:00:00Z", headers)) == set()
    response = client.get(f"{url}?round=999999", **headers)
    assert response.status_code == 400
    assert "round" in response.json()
    # Another ICS's round is not a choice: the same answer as a round that does not exist.
    response = client.get(f"{url}?round={api_world.rounds.nel.pk}", **headers)
    assert response.status_code == 400


@pytest.mark.parametrize("page, status", [("", 400), ("last", 400), ("0", 400), ("1.5", 400), ("2", 200), ("99", 404)])
def test_a_page_is_a_whole_number_from_one_and_one_past_the_end_is_a_404(client, api_world, bearer, page, status):
    response = client.get(reverse("api:place-list") + f"?page_size=10&page={page}", **bearer(api_world.users.lead))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"


def test_a_parameter_given_twice_is_refused(client, api_world, bearer):
    url = reverse("api:entry-list") + f"?round={api_world.rounds.open.pk}&round={api_world.rounds.closed.pk}"
    response = client.get(url, **bearer(api_world.users.lead))
    assert response.status_code == 400 and response.json() == {"round": ["Give this parameter once."]}


def test_an_indicator_value_carries_its_comparison_with_england(client, api_world, bearer):
    response = client.get(reverse("api:indicator-value-list") + "?area_code=E08000011", **bearer(api_world.users.lead))
    [value] = response.json()["results"]
    assert value["value"] == 58.2
    assert value["england_value"] == 63.1
    assert value["compared_to_england"] in {"Better", "Worse"}
    assert value["compared_by"] == "confidence intervals"


def test_a_meeting_carries_its_minutes_and_an_action_its_updates(client, api_world, bearer):
    headers = bearer(api_world.users.secretariat)
    meeting = api_world.meetings.st_helens_draft
    body = client.get(reverse("api:meeting-detail", args=[meeting.pk]), **headers).json()
    assert body["items"][0]["paragraphs"][0]["number"] == "1.1"
    assert body["decisions"][0]["text"] == "St Helens draft minutes decision"
    assert body["questions"] == []
    actions = client.get(reverse("api:action-list") + f"?meeting={meeting.pk}", **headers).json()["results"]
    assert actions[0]["updates"][0]["text"] == "St Helens draft minutes update"
    assert actions[0]["updates"][0]["author_name"] == "secretariat-st-helens"


def test_hostile_text_is_text_in_csv_and_json(client, api_world, bearer):
    headers = bearer(api_world.users.reviewer)
    response = client.get(reverse("api:meeting-detail", args=[api_world.meetings.st_helens_draft.pk]), **headers)
    assert "<script>alert(1)</script>" in response.json()["items"][0]["paragraphs"][0]["text"]
    assert response["Content-Type"] == "application/json"
    api_world.entries.halton.text = '=HYPERLINK("http://evil.example","x")'
    api_world.entries.halton.save()
    response = client.get(reverse("api:entry-list") + "?format=csv&page_size=1000", **headers)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    [cell] = [row["text"] for row in rows if int(row["id"]) == api_world.entries.halton.pk]
    assert not cell.startswith(("=", "+", "-", "@"))


def test_coverage_counts_only_what_the_reader_views(client, api_world, bearer):
    url = reverse("api:round-coverage", args=[api_world.rounds.open.pk])
    lead_rows = client.get(url, **bearer(api_world.users.lead)).json()
    reviewer_rows = client.get(url, **bearer(api_world.users.reviewer)).json()

    def cell(rows, slug):
        place = api_world.places[slug].pk
        return next(c for c in rows[0]["places"] if c["place"] == place)

    assert cell(reviewer_rows, "sefton")["entries"] == 1  # the reviewer sees Sefton's draft
    assert cell(lead_rows, "sefton")["entries"] == 0  # Knowsley's lead does not
    assert cell(lead_rows, "knowsley")["return_status"] == "draft"
    assert cell(lead_rows, "halton")["return_status"] is None  # another place's status is not the lead's to read
    assert client.get(f"{url}?by=nonsense", **bearer(api_world.users.lead)).status_code == 400
    nel = reverse("api:round-coverage", args=[api_world.rounds.nel.pk])
    assert client.get(nel, **bearer(api_world.users.lead)).status_code == 404


def test_lists_cost_the_same_queries_for_many_more_rows(client, api_world, bearer, django_assert_max_num_queries):
    from commissions.models import ActionUpdate

    headers = bearer(api_world.users.reviewer)
    for n in range(40):
        entry = Entry.objects.create(
            round=api_world.rounds.open, theme=api_world.entries.halton.theme, level="borough", text=f"More {n}"
        )
        entry.places.set([api_world.places["halton"], api_world.places["knowsley"]])
        action = Action.objects.create(commission=api_world.commissions.st_helens, description=f"More {n}", owner="DPH")
        ActionUpdate.objects.create(
            action=action, date=action.created.date(), text="Update", author=api_world.users.secretariat
        )
    for basename in ENDPOINTS:
        with django_assert_max_num_queries(14):
            response = client.get(reverse(f"api:{basename}-list") + "?page_size=1000", **headers)
        assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_changes_nothing(client, api_world, bearer, method):
    headers = bearer(api_world.users.superuser)
    entry = api_world.entries.halton
    response = getattr(client, method)(
        reverse("api:entry-detail", args=[entry.pk]),
        data={"text": "changed"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 405
    response = getattr(client, method)(
        reverse("api:entry-list"), data={"text": "x"}, content_type="application/json", **headers
    )
    assert response.status_code == 405
    entry.refresh_from_db()
    assert entry.text == "Halton submitted family hub"
