"""Personal access tokens: made on the page and shown once, kept as a digest, expired, revoked, throttled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from atf import access
from atf.models import Membership, Role
from stocktake import transitions
from stocktake.models import Entry, ReturnTransition

from ..models import AccessToken, digest_of


def make_on_the_page(client, name="Power BI: ATF dashboard", days=90):
    response = client.post(reverse("api:tokens"), {"name": name, "days": days})
    assert response.status_code == 200
    token = next(word for word in response.content.decode().split('"') if word.startswith("atf_"))
    return response, token


def test_a_token_is_shown_once_kept_only_as_a_digest_and_reads_as_its_owner(client, world):
    client.force_login(world.users.lead)
    response, token = make_on_the_page(client)
    assert "no-store" in response["Cache-Control"]
    row = AccessToken.objects.get(user=world.users.lead)
    assert row.digest == digest_of(token) and token not in {row.name, row.hint, row.digest}
    assert token.startswith(row.hint) and len(token) > 40
    assert (row.expires - row.created).days == 90
    page = client.get(reverse("api:tokens")).content.decode()
    assert token not in page and row.hint in page and "Power BI: ATF dashboard" in page
    assert "Not yet" in page  # never used

    api = client.__class__()  # no session: the token alone
    response = api.get(reverse("api:entry-list"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.last_used is not None
    # The token is for the API only: it signs in to no page.
    assert api.get(reverse("home"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 302


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "days": 90}, "Enter what the token is for"),
        ({"name": "   ", "days": 90}, "Enter what the token is for"),
        ({"name": "x" * 101, "days": 90}, "Enter at most 100 characters"),
        ({"name": "Report", "days": 3650}, "Choose when the token expires"),
        ({"name": "Report"}, "Choose when the token expires"),
    ],
)
def test_a_bad_form_says_what_to_do_and_makes_nothing(client, world, data, message):
    client.force_login(world.users.lead)
    response = client.post(reverse("api:tokens"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessToken.objects.exists()


def test_a_person_holds_a_bounded_number_of_tokens(client, world, settings):
    settings.API_TOKENS_PER_USER = 2
    client.force_login(world.users.lead)
    make_on_the_page(client, "One")
    make_on_the_page(client, "Two")
    response = client.post(reverse("api:tokens"), {"name": "Three", "days": 30})
    assert response.status_code == 400
    assert "Revoke one you no longer use first" in response.content.decode()
    assert AccessToken.objects.count() == 2


def test_expired_revoked_unknown_and_malformed_tokens_are_refused_saying_why(client, world):
    row, token = AccessToken.make(world.users.reviewer, "Report", 30)
    url = reverse("api:entry-list")

    def answer(header):
        response = client.get(url, HTTP_AUTHORIZATION=header)
        return response.status_code, response.json().get("detail")

    assert answer(f"Bearer {token}")[0] == 200
    assert answer(f"Bearer {token}x") == (401, "The token is not valid.")
    assert answer("Bearer") == (401, "Send the token as 'Authorization: Bearer <token>', with no spaces.")
    assert answer(f"Bearer {token} more")[0] == 401
    assert answer("Bearer atf_" + "é" * 5)[0] == 401
    assert answer("Basic dXNlcjpwYXNz")[0] == 401  # not ours, and no session

    AccessToken.objects.filter(pk=row.pk).update(expires=timezone.now() - timedelta(seconds=1))
    assert answer(f"Bearer {token}") == (401, "The token has expired. Make a new one on your API tokens page.")
    AccessToken.objects.filter(pk=row.pk).update(expires=timezone.now() + timedelta(days=1))
    row.revoke()
    assert answer(f"Bearer {token}") == (401, "The token was revoked. Make a new one on your API tokens page.")

    _, other_token = AccessToken.make(world.users.viewer, "Report", 30)
    world.users.viewer.is_active = False
    world.users.viewer.save()
    assert answer(f"Bearer {other_token}") == (401, "The token's account is not active.")


def test_a_token_is_throttled_on_its_own(client, world, settings):
    settings.API_RATE = "3/minute"
    _, first = AccessToken.make(world.users.reviewer, "First", 30)
    _, second = AccessToken.make(world.users.reviewer, "Second", 30)
    url = reverse("api:place-list")
    codes = [client.get(url, HTTP_AUTHORIZATION=f"Bearer {first}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(url, HTTP_AUTHORIZATION=f"Bearer {first}")
    assert int(refused["Retry-After"]) > 0 and "Request was throttled" in refused.json()["detail"]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


def test_two_leads_and_the_ics_at_once_each_token_sees_what_its_owner_may_after_every_step(client, world):
    """Knowsley's token, Sefton's lead and the reviewer interleaved: a draft appears to others only once submitted."""
    sefton = world.places["sefton"]
    open_round = world.rounds.open
    _, knowsley_token = AccessToken.make(world.users.lead, "Knowsley report", 30)
    sefton_lead = world.users.other_lead.__class__.objects.create_user("lead-sefton", password="a long enough password")
    Membership.objects.create(user=sefton_lead, role=Role.BOROUGH_LEAD, place=sefton)
    _, sefton_token = AccessToken.make(sefton_lead, "Sefton report", 30)
    _, reviewer_token = AccessToken.make(world.users.reviewer, "ICS report", 30)

    def texts(token):
        url, found = reverse("api:entry-list") + "?page_size=1000", set()
        body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()
        found |= {row["text"] for row in body["results"]}
        return found

    def status_seen(token):
        body = client.get(reverse("api:return-list") + f"?round={open_round.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
        return {row["place_name"]: row["status"] for row in body.json()["results"]}

    draft = "Sefton draft family hub"
    # 1. Sefton's draft: Sefton's lead and the ICS read it; Knowsley does not.
    assert draft in texts(sefton_token) and draft in texts(reviewer_token) and draft not in texts(knowsley_token)
    # 2. Sefton's lead adds another draft line meanwhile.
    added = Entry.objects.create(
        round=open_round, theme=world.entries.sefton.theme, level="borough", text="Sefton new line"
    )
    added.places.set([sefton])
    assert "Sefton new line" in texts(sefton_token) and "Sefton new line" not in texts(knowsley_token)
    # 3. Sefton submits: Knowsley reads both lines now, but not Sefton's return's status.
    transitions.take(sefton_lead, open_round, sefton, ReturnTransition.Action.SUBMIT)
    assert {draft, "Sefton new line"} <= texts(knowsley_token)
    assert "Sefton" not in status_seen(knowsley_token)
    assert status_seen(reviewer_token)["Sefton"] == "submitted"
    # 4. The ICS returns it with a comment: a draft again to Knowsley; the comment is Sefton's and the ICS's.
    transitions.take(
        world.users.reviewer, open_round, sefton, ReturnTransition.Action.RETURN, reason="Say more on <b>housing</b>"
    )
    assert draft not in texts(knowsley_token)
    sefton_view = client.get(
        reverse("api:return-list") + f"?round={open_round.pk}", HTTP_AUTHORIZATION=f"Bearer {sefton_token}"
    )
    [sefton_return] = [row for row in sefton_view.json()["results"] if row["place_name"] == "Sefton"]
    assert sefton_return["status"] == "returned" and sefton_return["comment"] == "Say more on <b>housing</b>"
    knowsley_view = client.get(reverse("api:return-list"), HTTP_AUTHORIZATION=f"Bearer {knowsley_token}").content
    assert b"housing" not in knowsley_view
    # 5. Knowsley's lead loses the role: the same token now reads only what anyone signed in reads.
    Membership.objects.filter(user=world.users.lead).delete()
    still_visible = access.restrict(Entry.objects.all(), world.users.lead, access.VIEW)
    assert texts(knowsley_token) == set(still_visible.values_list("text", flat=True))
    assert "Knowsley draft family hub" not in texts(knowsley_token)
