"""The system checks of atf/checks.py stop the server at start when static files would fail every page."""

import pytest
from django.core.checks import run_checks

from atf import checks
from atf.tests.test_settings import run_django

MANIFEST_STORAGE = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}


def ids(errors):
    return [error.id for error in errors]


def test_the_installed_frontend_passes():
    assert checks.nhsuk_frontend_installed(None) == []


def test_a_clone_without_npm_ci_is_told_to_install(settings, tmp_path):
    settings.NHSUK_FRONTEND = tmp_path / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
    settings.NHSUK_BUILD = tmp_path / "build" / "nhsuk"
    errors = checks.nhsuk_frontend_installed(None)
    assert ids(errors) == ["atf.E001"]
    assert "make install" in errors[0].hint and "npm ci" in errors[0].hint
    assert errors[0].is_serious()


def test_an_installed_but_unbuilt_frontend_is_told_to_build(settings, tmp_path):
    settings.NHSUK_FRONTEND = tmp_path
    settings.NHSUK_BUILD = tmp_path / "build" / "nhsuk"
    (settings.NHSUK_BUILD / "assets" / "images").mkdir(parents=True)
    (settings.NHSUK_BUILD / "nhsuk-frontend.min.js").write_text("")
    errors = checks.nhsuk_frontend_installed(None)
    assert ids(errors) == ["atf.E002"]
    assert "nhsuk-frontend.min.css" in errors[0].msg and "favicon.ico" in errors[0].msg
    assert "nhsuk-frontend.min.js" not in errors[0].msg
    assert "scripts/build-static" in errors[0].hint


def test_the_frontend_check_runs_with_collectstatic_too():
    # Tagged "staticfiles", the tag collectstatic runs, so it refuses to collect an incomplete set.
    assert "staticfiles" in checks.nhsuk_frontend_installed.tags


def test_without_collectstatic_debug_off_is_refused(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    errors = checks.static_files_collected(None)
    assert ids(errors) == ["atf.E003"]
    assert str(tmp_path / "staticfiles.json") in errors[0].msg
    assert "collectstatic" in errors[0].hint
    assert "atf.E003" in ids(run_checks())


def test_after_collectstatic_it_passes(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    assert checks.static_files_collected(None) == []


@pytest.mark.parametrize(
    ("debug", "backend"),
    [(True, MANIFEST_STORAGE["BACKEND"]), (False, "django.contrib.staticfiles.storage.StaticFilesStorage")],
)
def test_no_manifest_is_needed_in_debug_or_without_the_manifest_storage(settings, tmp_path, debug, backend):
    settings.DEBUG = debug
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": backend}}
    assert checks.static_files_collected(None) == []


def test_the_server_refuses_to_start_without_collected_static_files(tmp_path):
    result = run_django(
        "check", SECRET_KEY="x" * 60, DEBUG="false", ALLOWED_HOSTS="localhost", STATIC_ROOT=str(tmp_path / "empty")
    )
    assert result.returncode != 0
    assert "atf.E003" in result.stderr and "collectstatic" in result.stderr
    migrate = run_django(
        "migrate",
        "--plan",
        SECRET_KEY="x" * 60,
        DEBUG="false",
        ALLOWED_HOSTS="localhost",
        STATIC_ROOT=str(tmp_path / "empty"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert migrate.returncode != 0 and "atf.E003" in migrate.stderr
