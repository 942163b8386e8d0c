"""A database too busy to take a write, and a request larger than a form may send, answered as such."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError
from django.shortcuts import render

from . import limits

logger = logging.getLogger(__name__)


def is_busy(error: Exception) -> bool:
    """SQLite's "database is locked" (or "busy"): another writer held the lock past the timeout."""
    text = str(error).lower()
    return isinstance(error, OperationalError) and ("database is locked" in text or "database is busy" in text)


class BusyDatabaseMiddleware:
    """Answer a write that timed out waiting for the database with 503 and "try again", never a 500.

    The transaction was rolled back, so nothing of the request was kept: the
    page says so, and the browser's back button returns to the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_busy(exception):
            return None
        logger.warning("Database busy: %s %s answered 503", request.method, request.path)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class RequestLimitsMiddleware:
    """A form post whose fields pass Django's limits gets a page saying so (413), not a bare 400.

    Files never count here: ``atf.uploadhandler`` refuses a large one beside its
    field. What reaches this page is text fields together larger than
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (10 MB; minutes are refused beside the
    field from ``atf.limits.MAX_MINUTES_CHARS``), or more fields or files than
    a form has. The post is parsed here, before any view, as the CSRF check
    would parse it anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                request.POST  # noqa: B018 - parsed here, so that a refusal is this page
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
                logger.warning("Form post refused (%s): %s %s", type(exc).__name__, request.method, request.path)
                context = {
                    "received": limits.size(_content_length(request)),
                    "largest": limits.size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
                    "back": _same_site_referer(request),
                    "too_many": not isinstance(exc, RequestDataTooBig),
                }
                return render(request, "413.html", context, status=413)
        return self.get_response(request)


def _same_site_referer(request) -> str:
    """The path of the page the form was on, when that page is ours (usually the form's own)."""
    referer = urlparse(request.META.get("HTTP_REFERER", ""))
    return referer.path if referer.netloc == request.get_host() and referer.path.startswith("/") else ""


def _content_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0
