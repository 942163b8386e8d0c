"""A database too busy to take a write, answered as such."""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.shortcuts import render

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
