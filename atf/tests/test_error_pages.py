"""404 and 500 are pages of the service: the NHS.UK header, main and footer, and a way back."""

import pytest
from django.template import loader
from django.test import Client
from django.urls import path

from atf import urls as project_urls


def broken_view(request):
    raise RuntimeError("something failed")


urlpatterns = [*project_urls.urlpatterns, path("broken/", broken_view)]
handler403 = project_urls.handler403


def assert_layout(html: str):
    assert '<header class="nhsuk-header"' in html
    assert '<main class="nhsuk-main-wrapper" id="maincontent">' in html
    assert '<footer class="nhsuk-footer"' in html
    assert 'href="#maincontent">Skip to main content</a>' in html
    assert '<a href="/">Go to your home page</a>' in html
    assert "nhsuk/nhsuk-frontend.min.css" in html


@pytest.mark.django_db
def test_an_unknown_address_is_a_page_not_found_in_the_layout(client, settings):
    assert settings.DEBUG is False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "<title>Page not found – All Together Fairer</title>" in html
    assert_layout(html)


@pytest.mark.django_db
def test_a_signed_in_user_s_page_not_found_keeps_their_header(client, django_user_model):
    user = django_user_model.objects.create_user(username="someone", password="a long enough password")
    client.force_login(user)
    html = client.get("/stocktake/rounds/999999/").content.decode()
    assert "Page not found" in html and "Sign out" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_view_answers_the_service_s_500_page(django_user_model):
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.create_user(username="someone", password="a long enough password"))
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Sorry, there is a problem with the service</h1>" in html
    assert_layout(html)
    # Rendered with no request: nobody's name or session in it.
    assert "someone" not in html and "csrfmiddlewaretoken" not in html


def test_the_500_page_renders_with_no_context_and_no_database():
    # As Django's server_error view renders it; the database is not available in this test.
    html = loader.get_template("500.html").render()
    assert_layout(html)
    assert "Sign out" not in html


def test_every_error_page_uses_the_layout():
    for name in ("403.html", "404.html", "429.html", "500.html", "503.html"):
        source = loader.get_template(name).template.source
        assert source.startswith('{% extends "base.html" %}'), name
        assert "{% url 'home' %}" in source or "{% url 'login' %}" in source, name
