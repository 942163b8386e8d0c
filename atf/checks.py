"""System checks that stop the server at start instead of answering 500 on every page.

Django runs them before `runserver`, `migrate` and `check` (which `make serve-prod`
and gunicorn.conf.py run before gunicorn serves anything).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, register
from django.core.files.storage import storages

# The files templates/base.html loads from the NHS.UK design system.
NHSUK_FILES = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "assets/images/favicon.ico")


@register(Tags.staticfiles)
def nhsuk_frontend_installed(app_configs, **kwargs):
    """The NHS.UK design system's files are installed and built (also checked by collectstatic)."""
    package = Path(settings.NHSUK_FRONTEND)
    build = Path(settings.NHSUK_BUILD)
    if not package.is_dir():
        return [
            Error(
                f"The NHS.UK frontend is not installed: {package} is missing, so no page can be shown.",
                hint="Run `make install` (or `npm ci` then `scripts/build-static`) in the project directory.",
                id="atf.E001",
            )
        ]
    missing = [name for name in NHSUK_FILES if not (build / name).is_file()]
    if missing:
        return [
            Error(
                f"The NHS.UK frontend files the pages use are not built: {', '.join(missing)} missing in {build}.",
                hint="Run `make install` (or `scripts/build-static`) in the project directory.",
                id="atf.E002",
            )
        ]
    return []


@register()
def static_files_collected(app_configs, **kwargs):
    """With DEBUG off, pages name static files through collectstatic's manifest: it must exist."""
    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return []
    if storage.manifest_storage.exists(storage.manifest_name):
        return []
    manifest = Path(storage.manifest_storage.location) / storage.manifest_name
    return [
        Error(
            f"Static files have not been collected: {manifest} is missing, so every page would fail.",
            hint="Run `python manage.py collectstatic --noinput` (`make serve-prod` does) before starting the server.",
            id="atf.E003",
        )
    ]
