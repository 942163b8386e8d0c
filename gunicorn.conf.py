"""Gunicorn's configuration for serving the application in production: `gunicorn -c gunicorn.conf.py atf.wsgi`.

`make serve-prod` runs it that way. Every value can be changed from the
environment:

- GUNICORN_BIND (else HOST and PORT; default 0.0.0.0:8000): where to listen.
- WEB_CONCURRENCY: worker processes; default two per CPU core plus one, at most 8.
- GUNICORN_TIMEOUT: seconds a request may take before its worker is restarted (default 60;
  a workbook upload is the slowest request).
- GUNICORN_GRACEFUL_TIMEOUT: seconds to finish requests in flight on restart or stop (default 30).
- GUNICORN_MAX_REQUESTS: requests a worker serves before it is replaced (default 1000, with up
  to 10% jitter so workers are not all replaced at once; 0 turns it off).
- LOG_LEVEL: gunicorn's own log level (default info).
- FORWARDED_ALLOW_IPS (read by gunicorn): proxies trusted for X-Forwarded-* headers.

Before serving anything, the Django system checks run (atf/checks.py among
them): a missing NHS.UK frontend or a missing collectstatic stops the start,
with the command to run, rather than every page answering 500.
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST') or '0.0.0.0'}:{os.environ.get('PORT') or 8000}"  # noqa: S104
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Workers import the application themselves: a restart picks up new code, and no
# database connection is shared across a fork.
preload_app = False

# Both logs on the standard streams, for the platform to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

wsgi_app = "atf.wsgi:application"

# No control socket (gunicorn 25+ opens one in $XDG_RUNTIME_DIR or ~/.gunicorn by default, one
# path for every server of that user): manage the server with signals, HUP to reload the
# workers and TERM to stop after the requests in flight.
control_socket_disable = True


def on_starting(server):
    """Run Django's system checks before serving, and refuse to start on an error.

    In a process of their own, so that the master imports none of the
    application and a reload (HUP) picks up new code.
    """
    result = subprocess.run(  # noqa: S603 - this interpreter, the project's manage.py
        [sys.executable, str(PROJECT / "manage.py"), "check", "--fail-level", "ERROR"],
        cwd=PROJECT,
        check=False,
    )
    if result.returncode != 0:
        server.log.error("Django's system checks failed (above); not starting.")
        sys.exit(1)
