"""/healthz and /readyz answer a load balancer: no sign-in, no session, no HTTPS redirect."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse


def test_healthz_answers_ok_without_sign_in_or_the_database(client):
    # No database access is allowed in this test: /healthz must not touch it.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_is_the_named_route():
    assert reverse("healthz") == "/healthz"
    assert reverse("readyz") == "/readyz"


def test_healthz_answers_head_and_refuses_a_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_answers_ok_when_the_database_is_up_to_date(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_is_503_while_migrations_are_pending(client):
    with mock.patch("atf.health.MigrationExecutor") as executor:
        executor.return_value.migration_plan.return_value = [("migration", False), ("another", False)]
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"not ready: 2 migration(s) not applied\n"


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"not ready: database unreachable\n"


def test_health_checks_are_not_sent_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_the_production_settings_exempt_the_health_checks_from_the_https_redirect():
    import subprocess
    import sys

    from atf.tests.test_settings import ROOT

    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "atf.settings", "SECRET_KEY": "x" * 60, "DEBUG": "false", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['^healthz$', '^readyz$']"


@pytest.mark.django_db
def test_healthz_with_a_session_cookie_reads_and_saves_no_session(client, django_user_model, django_assert_num_queries):
    client.force_login(django_user_model.objects.create_user("probe-user", password="x" * 12))
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and not response.cookies


@pytest.mark.django_db
def test_healthz_answers_with_a_session_cookie_while_the_database_is_down(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("probe-user", password="x" * 12))
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("down")):
        healthz = client.get("/healthz")
        readyz = client.get("/readyz")
    assert healthz.status_code == 200
    assert readyz.status_code == 503 and readyz.content == b"not ready: database unreachable\n"


def test_health_checks_carry_the_security_headers(client):
    response = client.get("/healthz")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
