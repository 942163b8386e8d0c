"""What the database holds after the load: no acknowledged change lost, no two saves from one version, nothing
written by the hostile requests.

``python loadtest/check.py snapshot`` prints counts as JSON; ``python loadtest/check.py verify ACKS BEFORE``
prints the findings as JSON. Both read DATABASE_URL like the application.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")

import django

django.setup()

from commissions.models import Action, Paragraph  # noqa: E402
from stocktake.models import Entry  # noqa: E402


def snapshot() -> dict:
    return {
        "paragraphs": Paragraph.objects.count(),
        "actions": Action.objects.count(),
        "flat_file_entries": Entry.objects.filter(text__regex=r"^E[0-9]+$").count(),
    }


def verify(acknowledged: list[dict], before: dict) -> dict:
    history = Entry.history.model
    acked_ids = {ack["id"] for ack in acknowledged if ack["kind"] == "entry"}
    texts: dict[int, list[str]] = {}
    for entry_id, text in history.objects.filter(id__in=acked_ids).values_list("id", "text"):
        texts.setdefault(entry_id, []).append(text)
    lost = [
        ack
        for ack in acknowledged
        if ack["kind"] == "entry" and not any(t.endswith(f"[load {ack['marker']}]") for t in texts.get(ack["id"], []))
    ]
    uploads = [ack for ack in acknowledged if ack["kind"] == "upload"]
    lost += [
        ack
        for ack in uploads
        if not Entry.objects.filter(text__contains=f"(upload {ack['marker']})").exists()
        and not history.objects.filter(text__contains=f"(upload {ack['marker']})").exists()
    ]
    # Two changes saved from the same version of an entry: the second wrote over the first without seeing it.
    saves = Counter(history.objects.filter(history_type="~").values_list("id", "version"))
    twice = sorted(f"entry {entry_id} version {version}" for (entry_id, version), n in saves.items() if n > 1)
    after = snapshot()
    return {
        "acknowledged": len(acknowledged),
        "lost": lost[:20],
        "lost_count": len(lost),
        "saved_twice_from_one_version": twice[:20],
        "saved_twice_count": len(twice),
        "written_by_hostile_requests": {key: after[key] - before[key] for key in after if after[key] != before[key]},
    }


if __name__ == "__main__":
    if sys.argv[1] == "snapshot":
        print(json.dumps(snapshot()))
    else:
        acks = json.loads(Path(sys.argv[2]).read_text()) if Path(sys.argv[2]).exists() else []
        print(json.dumps(verify(acks, json.loads(Path(sys.argv[3]).read_text()))))
