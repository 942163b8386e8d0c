"""A write that finds SQLite busy past its timeout is answered "try again" (503), never with a 500."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from stocktake import returns
from stocktake.models import Entry


def test_sqlite_waits_for_the_write_lock_and_takes_it_when_a_transaction_begins():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["timeout"] >= 5 and options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_a_locked_database_answers_try_again_and_keeps_nothing(world, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(world.users.lead)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(returns, "update_entry", locked)
    entry = world.entries.knowsley
    response = client.post(
        reverse("stocktake:entry_edit", args=[entry.pk]),
        {"text": "Saved while busy", "places": [world.places["knowsley"].pk], "version": entry.version},
    )
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "try again" in response.content.decode()
    assert not Entry.objects.filter(text="Saved while busy").exists()


def test_other_database_errors_are_not_hidden(world, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(world.users.lead)

    def broken(*args, **kwargs):
        raise OperationalError("no such table: stocktake_entry")

    monkeypatch.setattr(returns, "update_entry", broken)
    entry = world.entries.knowsley
    response = client.post(
        reverse("stocktake:entry_edit", args=[entry.pk]),
        {"text": "x", "places": [world.places["knowsley"].pk], "version": entry.version},
    )
    assert response.status_code == 500
