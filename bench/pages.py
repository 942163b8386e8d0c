"""Page timings on the demo data with 20 times the entries: ``DEBUG=true .venv/bin/python bench/pages.py``.

Copies the demo database (run ``make run`` or ``manage.py load_demo`` first),
adds 19 copies of every 2023 entry to the same round, and times each page as
the demo users see it (median of five requests through Django's test client).
"""

import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
source, copy = ROOT / "var" / "atf.sqlite3", ROOT / "bench" / "out" / "pages.sqlite3"
copy.parent.mkdir(parents=True, exist_ok=True)
shutil.copy(source, copy)
os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from stocktake.models import Entry, Round, link_places  # noqa: E402

round_ = Round.objects.get(name="ATF Stocktake Oct-Dec 2023")
originals = list(Entry.objects.filter(round=round_).prefetch_related("places"))
for copy_number in range(19):
    copies = Entry.objects.bulk_create(
        Entry(
            round=round_,
            theme_id=e.theme_id,
            system_recommendation_id=e.system_recommendation_id,
            level=e.level,
            column_place_id=e.column_place_id,
            lead_in=e.lead_in,
            text=f"{e.text} ({copy_number})",
            position=e.position + 1000 * (copy_number + 1),
        )
        for e in originals
    )
    link_places([(c.pk, p.pk) for c, e in zip(copies, originals, strict=True) for p in e.places.all()])
print(f"{Entry.objects.filter(round=round_).count()} entries in the 2023 round")

PAGES = [
    "/",
    f"/stocktake/rounds/{round_.slug}/coverage/",
    f"/stocktake/rounds/{round_.slug}/coverage/?view=recommendations",
    f"/stocktake/rounds/{round_.slug}/coverage/?view=indicators",
    f"/stocktake/rounds/{round_.slug}/places/knowsley/",
    "/stocktake/entries/",
    "/stocktake/entries/?q=family",
    "/stocktake/search/?q=family+hubs",
    "/stocktake/rounds/",
    "/commissions/",
    "/commissions/actions/",
    "/commissions/overview/",
    "/commissions/st-helens-inequalities-commission/",
]
for username in ("lead-knowsley", "ics-reviewer", "secretariat-st-helens"):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    for url in PAGES:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            status = client.get(url).status_code
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{username:24} {status} {statistics.median(timings):7.0f} ms  {url}")
