"""Every page, the admin's included, carries the security headers; no template holds inline script or style."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [
    ROOT / "templates",
    *(ROOT / app / "templates" for app in ("atf", "boroughs", "commissions", "stocktake")),
]


def policy(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


def assert_security_headers(response):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_sign_in_page_carries_the_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_signed_in_page_and_the_admin_carry_the_headers(client, django_user_model):
    user = django_user_model.objects.create_user(
        username="admin", password="a long enough password", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    for url in (reverse("home"), reverse("admin:index"), reverse("admin:stocktake_entry_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)


def test_health_checks_and_refusals_carry_them_too(client):
    assert_security_headers(client.get("/healthz"))


@pytest.mark.django_db
def test_a_page_not_found_carries_them(client):
    assert_security_headers(client.get("/no-such-page/"))


def template_files():
    for directory in TEMPLATE_DIRS:
        if directory.exists():
            yield from sorted(directory.rglob("*.html"))


def test_no_template_has_inline_script_style_or_event_handlers():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
    offences = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (inline_script, "inline script"),
            (re.compile(r"<style\b", re.IGNORECASE), "style element"),
            (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style attribute"),
            (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "event handler attribute"),
            (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
        ):
            if pattern.search(text):
                offences.append(f"{path.relative_to(ROOT)}: {what}")
    assert not offences, offences
    assert any(path.name == "base.html" for path in template_files())


def test_the_policy_is_configured_for_django_csp_4():
    # django-csp 4 reads the CONTENT_SECURITY_POLICY dict; the 3.x CSP_* settings would be ignored.
    assert not [name for name in dir(settings) if name.startswith("CSP_")]
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
