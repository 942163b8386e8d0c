"""The open-data page: off until turned on, what it serves, to whom, and what it never serves."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from opendata import publishing
from opendata.models import Publication
from stocktake import rounds
from stocktake.models import Round

from .conftest import HOSTILE, SCRIPT, client_for

INDEX = "/open-data/"


def round_url(round_, file_format):
    return reverse("opendata:round_download", args=[round_.slug, file_format])


def commission_url(commission, file_format):
    return reverse("opendata:commission_download", args=[commission.slug, file_format])


def indicators_url(framework, file_format):
    return reverse("opendata:indicators_download", args=[framework.slug, file_format])


def csv_rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def last_message(response) -> str:
    return str(list(get_messages(response.wsgi_request))[-1])


def switch(client, name, slug, action):
    return client.post(reverse(f"opendata:{name}", args=[slug]), {"action": action})


def test_nothing_is_published_until_someone_publishes_it(stages):
    anonymous = client_for(stages, "anonymous")
    page = anonymous.get(INDEX)
    assert page.status_code == 200
    assert "Nothing has been published yet." in page.content.decode()
    for url in (
        round_url(stages.stages.round, "csv"),
        round_url(stages.rounds.closed, "json"),
        commission_url(stages.commissions.st_helens, "csv"),
        indicators_url(stages.framework, "json"),
        round_url(Round(slug="no-such-round"), "csv"),
    ):
        assert anonymous.get(url).status_code == 404, url
    assert not Publication.objects.exists()


def test_a_reviewer_publishes_a_closed_round_and_anyone_reads_it_signed_out(stages):
    round_ = stages.stages.round
    response = switch(client_for(stages, "reviewer"), "round_switch", round_.slug, "publish")
    assert response.status_code == 302 and response["Location"] == reverse("stocktake:round_manage", args=[round_.slug])
    assert "is on the open-data page" in last_message(response)
    publication = Publication.objects.get()
    assert publication.published_by == stages.users.reviewer and publication.round == round_

    anonymous = client_for(stages, "anonymous")
    page = anonymous.get(INDEX).content.decode()
    assert round_.name in page and round_url(round_, "csv") in page and round_url(round_, "json") in page
    assert "Published by Cheshire and Merseyside" in page and "Open Government Licence v3.0" in page
    served = {row["text"] for row in csv_rows(anonymous.get(round_url(round_, "csv")))}
    assert "St Helens accepted hub" in served and "ICS level anchor institutions" in served


@pytest.mark.parametrize("role", ["lead", "other_lead", "viewer", "secretariat", "nobody", "nel_reviewer", "anonymous"])
def test_only_the_ics_s_reviewers_publish_a_round(stages, role):
    response = switch(client_for(stages, role), "round_switch", stages.stages.round.slug, "publish")
    assert response.status_code in {"anonymous": (302,), "nobody": (404,), "nel_reviewer": (404,)}.get(role, (403,))
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert not Publication.objects.exists()
    assert client_for(stages, "anonymous").get(round_url(stages.stages.round, "csv")).status_code == 404


def test_an_open_round_cannot_be_published(stages):
    response = switch(client_for(stages, "reviewer"), "round_switch", stages.rounds.open.slug, "publish")
    assert response.status_code == 302
    message = last_message(response)
    assert "is open, so it cannot be published" in message and "Close the round first" in message
    assert not Publication.objects.exists()
    with pytest.raises(publishing.NotPublishable):
        publishing.publish(stages.users.superuser, stages.rounds.open)


def test_withdrawing_takes_it_off_at_once_and_the_record_stays(stages):
    round_, reviewer = stages.stages.round, client_for(stages, "reviewer")
    switch(reviewer, "round_switch", round_.slug, "publish")
    anonymous = client_for(stages, "anonymous")
    assert anonymous.get(round_url(round_, "json")).status_code == 200
    response = switch(reviewer, "round_switch", round_.slug, "withdraw")
    assert "is off the open-data page" in last_message(response)
    assert anonymous.get(round_url(round_, "json")).status_code == 404
    assert anonymous.get(round_url(round_, "csv")).status_code == 404
    assert round_.name not in anonymous.get(INDEX).content.decode()
    withdrawn = Publication.objects.get()
    assert withdrawn.withdrawn_by == stages.users.reviewer and withdrawn.withdrawn_at >= withdrawn.published_at
    # Withdrawing twice says so; publishing again adds a row, so the record shows both.
    again = switch(reviewer, "round_switch", round_.slug, "withdraw")
    assert "is not on the open-data page" in last_message(again)
    switch(reviewer, "round_switch", round_.slug, "publish")
    assert Publication.objects.filter(round=round_).count() == 2
    assert anonymous.get(round_url(round_, "csv")).status_code == 200


def test_only_accepted_returns_and_activity_above_borough_level_are_served(stages):
    round_, entries = stages.stages.round, stages.stages.entries
    publishing.publish(stages.users.reviewer, round_)
    anonymous = client_for(stages, "anonymous")
    served = {row["entry_id"] for row in csv_rows(anonymous.get(round_url(round_, "csv")))}
    expected = {entries.st_helens.pk, entries.liverpool.pk, entries.script.pk, entries.ics.pk}
    assert served == {str(pk) for pk in expected}
    document = json.loads(anonymous.get(round_url(round_, "json")).content)
    assert {e["entry_id"] for e in document["entries"]} == expected
    for hidden in ("Halton submitted hub", "Sefton returned hub", "Knowsley draft hub", "joint hub", "naming no place"):
        assert hidden not in anonymous.get(round_url(round_, "csv")).content.decode()
        assert hidden not in anonymous.get(round_url(round_, "json")).content.decode()


def test_hostile_text_stays_text_in_the_csv_and_exact_in_the_json(stages):
    round_ = stages.stages.round
    publishing.publish(stages.users.reviewer, round_)
    anonymous = client_for(stages, "anonymous")
    rows = {row["entry_id"]: row for row in csv_rows(anonymous.get(round_url(round_, "csv")))}
    assert rows[str(stages.stages.entries.liverpool.pk)]["text"] == "'" + HOSTILE
    assert rows[str(stages.stages.entries.script.pk)]["text"] == SCRIPT
    response = anonymous.get(round_url(round_, "json"))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    texts = {e["entry_id"]: e["text"] for e in json.loads(response.content)["entries"]}
    assert texts[stages.stages.entries.liverpool.pk] == HOSTILE and texts[stages.stages.entries.script.pk] == SCRIPT
    document = json.loads(response.content)
    assert document["licence_url"].startswith("https://www.nationalarchives.gov.uk/")
    assert document["published_at"].startswith(str(Publication.objects.get().published_at.date()))
    assert document["entries"][0]["updated"][:4].isdigit()  # ISO dates


def test_draft_minutes_never_appear_even_when_the_commission_is_published(stages):
    st_helens = stages.commissions.st_helens
    response = switch(client_for(stages, "secretariat"), "commission_switch", st_helens.slug, "publish")
    assert response.status_code == 302
    anonymous = client_for(stages, "anonymous")
    for file_format in ("csv", "json"):
        text = anonymous.get(commission_url(st_helens, file_format)).content.decode()
        assert "Published January paragraph" in text and "Published January decision" in text
        for hidden in ("Draft March", "Planned May", "Attendee", "Cheshire East June"):
            assert hidden not in text
    document = json.loads(anonymous.get(commission_url(st_helens, "json")).content)
    assert [m["meeting_id"] for m in document["meetings"]] == [stages.stages.meetings.published.pk]
    # Cheshire East's commission is not published: its minutes stay off, published or not.
    assert anonymous.get(commission_url(stages.commissions.cheshire_east, "csv")).status_code == 404
    # Minutes taken back to draft come off with them.
    stages.stages.meetings.published.status = "draft"
    stages.stages.meetings.published.save()
    assert json.loads(anonymous.get(commission_url(st_helens, "json")).content)["meetings"] == []


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("secretariat", True), ("reviewer", True), ("other_secretariat", False), ("lead", False), ("viewer", False)],
)
def test_a_commission_is_published_by_its_secretariat_or_the_ics_s_reviewers(stages, role, allowed):
    switch(client_for(stages, role), "commission_switch", stages.commissions.st_helens.slug, "publish")
    assert Publication.objects.filter(commission=stages.commissions.st_helens).exists() == allowed


def test_indicator_values_are_published_with_their_sources_attribution(stages):
    framework = stages.framework
    response = switch(client_for(stages, "reviewer"), "indicators_switch", framework.slug, "publish")
    assert response["Location"] == reverse("indicators:rug") + f"?framework={framework.slug}"
    anonymous = client_for(stages, "anonymous")
    page = anonymous.get(INDEX).content.decode()
    expected = (
        "Contains public sector information licensed under the Open Government Licence v3.0. Source: OHID Fingertips."
    )
    assert expected in page
    rows = csv_rows(anonymous.get(indicators_url(framework, "csv")))
    assert [row["value_id"] for row in rows] == [str(stages.stages.values.published.pk)]
    assert rows[0]["value"] == "78.4"  # as published: not 78.400000
    document = json.loads(anonymous.get(indicators_url(framework, "json")).content)
    assert document["licence"] == expected
    assert document["values"][0]["value"] == 78.4 and document["values"][0]["area_code"] == "E08000011"
    assert "Reported locally" not in anonymous.get(indicators_url(framework, "json")).content.decode()


@pytest.mark.parametrize("role", ["lead", "viewer", "secretariat", "nel_reviewer"])
def test_only_the_ics_s_reviewers_publish_its_indicator_values(stages, role):
    response = switch(client_for(stages, role), "indicators_switch", stages.framework.slug, "publish")
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_a_reopened_round_is_not_served_until_it_is_closed_again(stages):
    """Reviewer publishes, the public reads; the reviewer reopens the round: the public no longer reads it."""
    round_, reviewer, anonymous = stages.stages.round, client_for(stages, "reviewer"), client_for(stages, "anonymous")
    switch(reviewer, "round_switch", round_.slug, "publish")
    assert anonymous.get(round_url(round_, "csv")).status_code == 200
    round_.refresh_from_db()
    rounds.set_status(stages.users.reviewer, round_, Round.Status.OPEN, version=round_.version)
    assert anonymous.get(round_url(round_, "csv")).status_code == 404
    assert anonymous.get(round_url(round_, "json")).status_code == 404
    assert round_.name not in anonymous.get(INDEX).content.decode()
    manage = reviewer.get(reverse("stocktake:round_manage", args=[round_.slug])).content.decode()
    assert "not shown on the" in manage and "while the round is open" in manage
    # While it is open, the entries of the reopened returns may change; publishing it is refused.
    assert publishing.current(round_) is not None
    round_.refresh_from_db()
    rounds.set_status(stages.users.reviewer, round_, Round.Status.CLOSED, version=round_.version)
    assert anonymous.get(round_url(round_, "csv")).status_code == 200


def test_the_page_is_the_same_for_everyone_and_caches_keep_sessions_apart(stages):
    publishing.publish(stages.users.reviewer, stages.stages.round)
    reviewer = client_for(stages, "reviewer")
    # A message waiting for the reviewer is not shown here (nor used up).
    response = switch(reviewer, "round_switch", stages.stages.round.slug, "withdraw")
    publishing.publish(stages.users.reviewer, stages.stages.round)
    signed_in = reviewer.get(INDEX)
    signed_out = client_for(stages, "anonymous").get(INDEX)
    assert signed_in.content == signed_out.content
    page = signed_in.content.decode()
    assert "reviewer" not in page and "Sign out" not in page and "csrfmiddlewaretoken" not in page
    assert "is off the open-data page" not in page
    for response in (signed_in, signed_out, client_for(stages, "anonymous").get(round_url(stages.stages.round, "csv"))):
        assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
    # The message is still there for the reviewer's next page.
    assert "is off the open-data page" in reviewer.get(reverse("home")).content.decode()


def test_an_unknown_format_is_a_404(stages):
    publishing.publish(stages.users.reviewer, stages.stages.round)
    assert client_for(stages, "anonymous").get(round_url(stages.stages.round, "xlsx")).status_code == 404


def test_the_switches_sit_on_the_pages_their_users_already_use(stages):
    round_ = stages.stages.round
    manage = client_for(stages, "reviewer").get(reverse("stocktake:round_manage", args=[round_.slug])).content.decode()
    assert "Publish on the open-data page" in manage and "become public" in manage
    detail = reverse("commissions:commission_detail", args=[stages.commissions.st_helens.slug])
    assert "Publish on the open-data page" in client_for(stages, "secretariat").get(detail).content.decode()
    assert "Publish on the open-data page" not in client_for(stages, "viewer").get(detail).content.decode()
    rug = client_for(stages, "reviewer").get(reverse("indicators:rug")).content.decode()
    assert "Publish on the open-data page" in rug and "Figures reported locally stay private" in rug
    assert (
        "Publish on the open-data page"
        not in client_for(stages, "lead").get(reverse("indicators:rug")).content.decode()
    )
    open_manage = client_for(stages, "reviewer").get(reverse("stocktake:round_manage", args=[stages.rounds.open.slug]))
    assert "Only a closed round can be published" in open_manage.content.decode()


def _more_entries(stages, count):
    from stocktake.models import Entry, Return

    round_ = stages.stages.round
    theme = stages.framework.themes.get(number=2)
    st_helens = stages.places["st-helens"]
    assert Return.objects.get(round=round_, place=st_helens).status == "accepted"
    for n in range(count):
        entry = Entry.objects.create(round=round_, theme=theme, level="borough", text=f"More activity {n}")
        entry.places.set([st_helens])
        entry.recommendations.set(theme.recommendations.all()[:2])


def test_the_page_and_the_downloads_cost_the_same_queries_for_many_more_rows(stages, django_assert_max_num_queries):
    publishing.publish(stages.users.reviewer, stages.stages.round)
    publishing.publish(stages.users.reviewer, stages.commissions.st_helens)
    publishing.publish(stages.users.reviewer, stages.framework)
    anonymous = client_for(stages, "anonymous")
    urls = [
        INDEX,
        round_url(stages.stages.round, "csv"),
        round_url(stages.stages.round, "json"),
        commission_url(stages.commissions.st_helens, "csv"),
        commission_url(stages.commissions.st_helens, "json"),
        indicators_url(stages.framework, "csv"),
        indicators_url(stages.framework, "json"),
    ]
    with django_assert_max_num_queries(12):
        anonymous.get(INDEX)
    for url in urls[1:]:
        with django_assert_max_num_queries(8):
            assert anonymous.get(url).status_code == 200
    _more_entries(stages, 40)
    for url in urls[1:3]:
        with django_assert_max_num_queries(8):
            assert len(anonymous.get(url).content) > 4000
