"""Benchmark: a lead's token reading every entry of the API, page by page, against its floor.

Run with ``make bench`` (or ``DEBUG=true .venv/bin/python bench/api.py``). It uses its own SQLite
database under ``bench/out/api.sqlite3`` (or ``$BENCH_DATABASE_URL``, an empty PostgreSQL database),
writes ``$BENCH_ENTRIES`` (6,000) entries over the boroughs of an open round (Knowsley's a draft,
the others submitted), and prints, as medians of ``$BENCH_REPEATS`` runs (3), the time for a
Knowsley lead's token to read ``/api/v1/entries/`` in pages of 1,000 (JSON, then CSV), against the
floor: Django REST framework's own minimum for the same rows, a ``ListAPIView`` with a plain
``ModelSerializer`` of the same fields over the same rows, the same pagination and renderer, no
authentication, no tenant rule.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ["API_RATE"] = "1000000/minute"
database = OUT / "api.sqlite3"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}")
if database.exists() and "BENCH_DATABASE_URL" not in os.environ:
    database.unlink()

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework import generics, serializers  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from api.models import AccessToken  # noqa: E402
from api.pagination import Pages  # noqa: E402
from api.serializers import EntrySerializer  # noqa: E402
from atf import access  # noqa: E402
from atf.models import Membership, Role  # noqa: E402
from atf.reference import load_reference_data  # noqa: E402
from boroughs.models import Place  # noqa: E402
from stocktake.models import Entry, Return, Round  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 6000))


class FloorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Entry
        fields = EntrySerializer.Meta.fields

    place_names = serializers.SerializerMethodField()

    def get_place_names(self, entry):
        return [place.name for place in entry.places.all()]


def floor_view(rows):
    class Floor(generics.ListAPIView):
        serializer_class = FloorSerializer
        pagination_class = Pages
        renderer_classes = [JSONRenderer]
        authentication_classes = []
        permission_classes = []
        throttle_classes = []
        filter_backends = []

        def get_queryset(self):
            return rows.prefetch_related("places", "recommendations", "indicators").order_by("round", "position", "pk")

    return Floor.as_view()


def timed(run) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    call_command("migrate", verbosity=0)
    framework, _ = load_reference_data()
    round_ = Round.objects.create(framework=framework, name="Bench round")
    boroughs = list(Place.objects.filter(system=framework.system, kind=Place.Kind.BOROUGH).order_by("name"))
    knowsley = next(p for p in boroughs if p.slug == "knowsley")
    for place in boroughs:
        status = Return.Status.DRAFT if place == knowsley else Return.Status.SUBMITTED
        Return.objects.create(round=round_, place=place, status=status)
    themes = list(framework.themes.all())
    entries = Entry.objects.bulk_create(
        Entry(
            round=round_, theme=themes[n % len(themes)], level="borough", text=f"Entry {n} " + "words " * 30, position=n
        )
        for n in range(ENTRIES)
    )
    Entry.places.through.objects.bulk_create(
        Entry.places.through(entry_id=entry.pk, place_id=boroughs[n % len(boroughs)].pk)
        for n, entry in enumerate(entries)
    )
    lead = User.objects.create_user("bench-lead")  # no password: it reads by token only
    Membership.objects.create(user=lead, role=Role.BOROUGH_LEAD, place=knowsley)
    _, token = AccessToken.make(lead, "Bench", 30)
    ids = list(access.restrict(Entry.objects.all(), lead, access.VIEW).values_list("pk", flat=True))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def read_all(fmt=""):
        url, pages = f"/api/v1/entries/?page_size=1000{fmt}", 0
        while url:
            response = client.get(url)
            assert response.status_code == 200, response.content[:200]
            link = response.get("Link", "")
            url = link.split(";")[0].strip("<>").replace("http://testserver", "") if 'rel="next"' in link else None
            pages += 1
        return pages

    # The same rows for the floor, by a plain filter (the lead reads every one: its own drafts, the others'
    # submitted), not by a list of ids, which would slow the floor's query.
    same_rows = Entry.objects.filter(round=round_)
    assert set(same_rows.values_list("pk", flat=True)) == set(ids)
    view, factory = floor_view(same_rows), APIRequestFactory()

    def floor():
        page = 1
        while True:
            response = view(factory.get("/", {"page_size": 1000, "page": page}))
            response.render()
            if not response.data["next"]:
                return
            page += 1

    pages = read_all()
    floor_s, ours_json, ours_csv = timed(floor), timed(read_all), timed(lambda: read_all("&format=csv"))
    print(f"A lead's token reading {len(ids)} entries in {pages} pages of 1,000 ({connection_name()}):")
    print(f"  floor (DRF ListAPIView, plain ModelSerializer, no auth, no rule): {floor_s:.2f} s")
    print(f"  /api/v1/entries/ JSON (token, tenant rule, filters, throttle):   {ours_json:.2f} s")
    print(f"  /api/v1/entries/ CSV:                                             {ours_csv:.2f} s")
    print(f"  ratio (JSON): {ours_json / floor_s:.2f}x")


def connection_name() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
