"""The API's addresses, each a row of the permission matrix (atf/tests/test_permission_matrix.py).

The resources answer through the tenant rule, by token (test_api_access.py) and by the site's session
(here); a request with neither is a 401, never the sign-in page. The tokens page and its revoke act on
the signed-in user's own tokens only.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atf import access
from atf.tests.test_permission_matrix import ROLES, all_url_names, client_for
from stocktake.models import Entry

from ..models import AccessToken
from .test_api_access import ENDPOINTS

ROW = "<a row>"
# url name -> the arguments to reverse it with.
API_PAGES: dict[str, list] = {
    "api:tokens": [],
    "api:token_revoke": ["<the token of another user>"],
    "api:schema": [],
    "api:docs": [],
    "api:not_found": [],
    "api:root": [],
    "api:round-coverage": [ROW],
    **{f"api:{basename}-list": [] for basename in ENDPOINTS},
    **{f"api:{basename}-detail": [ROW] for basename in ENDPOINTS},
}


def test_every_api_url_name_is_a_row():
    assert {name for name in all_url_names() if name.startswith("api:")} == set(API_PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_by_session_each_role_reads_what_the_rule_gives_and_anonymous_gets_a_401(world, role):
    client = client_for(world, role)
    entry = world.entries.sefton  # a draft: the reviewer's and the superuser's to read
    visible = (
        access.restrict(Entry.objects.all(), getattr(world.users, role, None), access.VIEW)
        if role != "anonymous"
        else None
    )
    for basename in ENDPOINTS:
        response = client.get(reverse(f"api:{basename}-list"))
        assert response.status_code == (401 if role == "anonymous" else 200), (basename, role)
        assert response["Content-Type"] == "application/json"
    response = client.get(reverse("api:entry-detail", args=[entry.pk]))
    if role == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer <token>" in response.json()["detail"]
    else:
        assert response.status_code == (200 if visible.filter(pk=entry.pk).exists() else 404)
    coverage = client.get(reverse("api:round-coverage", args=[world.rounds.open.pk]))
    assert coverage.status_code == {"anonymous": 401, "nel_reviewer": 404, "nobody": 404}.get(role, 200), role
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == (401 if role == "anonymous" else 200)
    assert client.get("/api/v1/no-such-thing/").status_code == 404
    root = client.get(reverse("api:root"))
    assert root.status_code == (401 if role == "anonymous" else 200)
    if role != "anonymous":
        assert root.json()["resources"]["entries"].endswith("/api/v1/entries/")
        assert root["Cache-Control"] == "private, no-store" and "Authorization" in root["Vary"]
    docs = client.get(reverse("api:docs"))
    if role == "anonymous":
        assert docs.status_code == 302 and "/accounts/login/" in docs["Location"]
    else:
        assert docs.status_code == 200
        page = docs.content.decode()
        assert "Authorization: Bearer atf_" in page and "GET /api/v1/entries/" in page
        assert "updated_since" in page  # the entries' filters, read from the schema


@pytest.mark.parametrize("role", ROLES)
def test_the_tokens_page_shows_and_revokes_only_the_users_own_tokens(world, role):
    others_row, _ = AccessToken.make(world.users.reviewer if role != "reviewer" else world.users.lead, "Not yours", 30)
    client = client_for(world, role)
    page = client.get(reverse("api:tokens"))
    revoke = client.post(reverse("api:token_revoke", args=[others_row.pk]))
    others_row.refresh_from_db()
    assert others_row.revoked is None
    if role == "anonymous":
        assert page.status_code == 302 and revoke.status_code == 302
        return
    assert page.status_code == 200
    assert b"Not yours" not in page.content
    assert revoke.status_code == 404
    own, _ = AccessToken.make(getattr(world.users, role), "Mine", 30)
    assert b"Mine" in client.get(reverse("api:tokens")).content
    assert client.post(reverse("api:token_revoke", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert own.revoked is not None


def test_a_session_request_from_another_site_is_refused_by_csrf_not_answered(world):
    # The API reads only; a POST with the session is refused whatever, but never without the CSRF check.
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users.reviewer)
    response = client.post(reverse("api:entry-list"), data={}, content_type="application/json")
    assert response.status_code in {403, 405}
