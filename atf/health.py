"""Health checks for a load balancer or orchestrator: no sign-in, no session, plain text.

- /healthz: the process is up and answering. It touches nothing else, the
  database included, so a slow database never gets a working process restarted.
- /readyz: the process can serve pages: the database answers and every
  migration is applied. Otherwise 503 with a short reason, and traffic waits.

Both are exempt from the sign-in requirement and from the HTTPS redirect
(settings.SECURE_REDIRECT_EXEMPT), so a health check over plain HTTP works.
``HealthCheckMiddleware`` answers them before the session middleware, so a
probe that sends a session cookie neither reads nor saves a session: with the
database down, /healthz still answers.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(f"{text}\n", content_type="text/plain; charset=utf-8", status=status)


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return _plain("ok")


@login_not_required
@never_cache
@require_safe
def readyz(request):
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Error as exc:
        logger.warning("Not ready: the database did not answer: %s", exc)
        return _plain("not ready: database unreachable", status=503)
    if pending:
        logger.warning("Not ready: %d migration(s) not applied", len(pending))
        return _plain(f"not ready: {len(pending)} migration(s) not applied", status=503)
    return _plain("ok")


class HealthCheckMiddleware:
    """Answer the health checks ahead of sessions, sign-in and the rest: they need none of it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.checks = None

    def __call__(self, request):
        if self.checks is None:
            self.checks = {reverse("healthz"): healthz, reverse("readyz"): readyz}
        check = self.checks.get(request.path_info)
        return check(request) if check else self.get_response(request)
