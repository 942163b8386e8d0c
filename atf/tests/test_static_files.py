"""Only the files the pages use are published, and nothing a page loads points at another host."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

# The NHS.UK design system files published (scripts/build-static), under static/nhsuk/.
NHSUK_PUBLISHED = {
    "nhsuk/nhsuk-frontend.min.css",
    "nhsuk/nhsuk-frontend.min.js",
    "nhsuk/assets/images/favicon.ico",
    "nhsuk/assets/images/nhsuk-icon-arrow-down.svg",
    "nhsuk/assets/images/nhsuk-icon-arrow-up-down.svg",
    "nhsuk/assets/images/nhsuk-icon-arrow-up.svg",
    "nhsuk/assets/images/nhsuk-icon-cross.svg",
}
# Absolute URLs that are names, not addresses anything is fetched from.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+(?::\d+)?[^\s"'<>()]*""", re.IGNORECASE)


def published() -> dict[str, Path]:
    files = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None)
            files[f"{prefix}/{path}" if prefix else path] = Path(storage.path(path))
    return files


def test_only_the_files_the_pages_use_are_published_from_the_design_system():
    files = published()
    assert {name for name in files if name.startswith("nhsuk/")} == NHSUK_PUBLISHED
    assert not [name for name in files if name.endswith((".scss", ".map", ".mjs", ".d.mts", ".ts"))]
    # The whole package is no longer published: a few hundred files in all, most of them the admin's.
    assert len(files) < 200, len(files)


def test_our_own_files_are_published():
    files = published()
    for name in ("atf/atf.css", "atf/admin.css", "atf/js-enabled.js", "atf/init.js", "atf/minutes-print.css"):
        assert name in files


def test_the_styles_fetch_no_web_font_and_refer_only_to_published_files():
    files = published()
    css = files["nhsuk/nhsuk-frontend.min.css"].read_text(encoding="utf-8")
    assert "@font-face" not in css and "assets.nhs.uk" not in css
    assert "font-family:arial,sans-serif" in css
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css):
        if not url.startswith("data:"):
            assert f"nhsuk/{url}" in files, url


def external_urls(text: str) -> list[str]:
    found = []
    for match in ABSOLUTE_URL.finditer(text):
        url = match.group(0)
        if url.startswith("//") and not re.match(r"//[a-z0-9-]+\.[a-z]", url, re.IGNORECASE):
            continue  # a comment or a path, not a protocol-relative address
        if url.rstrip("/") in NAMESPACES or url.startswith(("http://testserver", "//testserver")):
            continue
        found.append(url)
    return found


def test_no_published_style_or_script_of_ours_names_another_host():
    files = published()
    ours = [name for name in files if name.startswith(("nhsuk/", "atf/")) and name.endswith((".css", ".js"))]
    assert len(ours) >= 5
    for name in ours:
        assert not external_urls(files[name].read_text(encoding="utf-8")), name


@pytest.mark.django_db
def test_no_page_names_another_host(client, django_user_model, world):
    """The main pages, signed out and in, and the admin: no absolute address of another host."""
    assert not external_urls(client.get(reverse("login")).content.decode())
    client.force_login(world.users.superuser)
    round_ = world.rounds.open
    pages = [
        reverse("home"),
        reverse("stocktake:round_list"),
        reverse("stocktake:entry_list"),
        reverse("stocktake:compare"),
        reverse("stocktake:search"),
        reverse("stocktake:coverage", args=[round_.slug]),
        reverse("stocktake:return_detail", args=[round_.slug, "knowsley"]),
        reverse("stocktake:entry_detail", args=[world.entries.knowsley.pk]),
        reverse("commissions:commission_list"),
        reverse("commissions:action_list"),
        reverse("admin:index"),
        reverse("admin:stocktake_entry_changelist"),
        reverse("admin:stocktake_entry_change", args=[world.entries.knowsley.pk]),
        "/no-such-page/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert not external_urls(response.content.decode()), url


def test_the_url_finder_catches_what_it_should():
    assert external_urls('<link href="https://assets.nhs.uk/fonts/x.woff2">') == ["https://assets.nhs.uk/fonts/x.woff2"]
    assert external_urls("src: url(//cdn.example.com/a.js)") == ["//cdn.example.com/a.js"]
    assert external_urls('<svg xmlns="http://www.w3.org/2000/svg"><a href="/static/x">') == []


def test_the_built_files_are_ignored_by_git_and_rebuilt_by_make_install():
    assert "build/" in (ROOT / ".gitignore").read_text().splitlines()
    assert Path(settings.NHSUK_BUILD) == ROOT / "build" / "nhsuk"
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/build-static" in makefile
