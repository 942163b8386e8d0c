"""Each log line is written once, in development as in production."""

import io
import logging
import logging.config
from contextlib import redirect_stderr, redirect_stdout

import pytest
from django.conf import settings
from django.utils.log import configure_logging


@pytest.fixture
def configured_logging():
    """Logging set up from the project's settings as Django does at start, output captured; restored after."""
    output = io.StringIO()
    with redirect_stderr(output), redirect_stdout(output):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    yield output
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.parametrize("debug", [True, False])
def test_a_request_warning_is_written_once(configured_logging, settings, debug):
    settings.DEBUG = debug  # Django's own console handler writes only with DEBUG on
    logging.getLogger("django.request").warning("Not Found: /marker-%s/", debug)
    assert configured_logging.getvalue().count(f"Not Found: /marker-{debug}/") == 1


def test_the_development_server_s_request_lines_are_written_once(configured_logging, settings):
    settings.DEBUG = True
    logging.getLogger("django.server").info('"GET /marker-server/ HTTP/1.1" 200 12')
    assert configured_logging.getvalue().count("GET /marker-server/") == 1


def test_our_own_loggers_write_once(configured_logging, settings):
    settings.DEBUG = True
    logging.getLogger("atf.health").warning("marker-ours")
    assert configured_logging.getvalue().count("marker-ours") == 1


def test_without_the_fix_django_s_records_would_be_written_twice(settings):
    """The configuration this replaces: the root console plus Django's own 'django' console handler."""
    output = io.StringIO()
    old = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["console"], "level": "INFO"},
    }
    settings.DEBUG = True
    try:
        with redirect_stderr(output):
            configure_logging(settings.LOGGING_CONFIG, old)
        logging.getLogger("django.request").warning("marker-old")
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    assert output.getvalue().count("marker-old") == 2
