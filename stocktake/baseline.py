"""What a workbook download held, so that the upload that comes back is judged on its sender's changes alone.

A lead's download holds only what the lead may read: their own drafts, and
other boroughs' submitted entries, but never other boroughs' drafts. By the
time the file comes back, others have moved on. Comparing the file with the
round as it is now would read others' drafts as deleted, and others' edits
since the download as the lead's. Instead the importer works like a
three-way merge: the lead's changes are the file against the download
(``Baseline``), and each is then applied to the round as it is now, refused
only where someone else changed the same text in between.

Each download is recorded (digests of what each cell held, never the text)
under a random token written into the workbook as a document property,
which Excel and LibreOffice keep when they save. A file without one (made
by a command, or whose properties were stripped) is compared with what its
uploader may read now.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

# The workbook's custom document property that carries the download's token.
PROPERTY = "ATF stocktake download"
# Downloads older than this are forgotten; their uploads are compared with the round as it is.
# ``manage.py purge_uploads`` deletes their records.
KEPT_FOR = timedelta(days=180)


def digest(*parts) -> str:
    payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def entry_digest(key, lead_in: str, text: str, place_ids) -> str:
    """An entry as its cell shows it. In a level column the column's place stands for the places."""
    places = sorted(place_ids) if key[2] is None else [key[2]]
    return digest(lead_in, text, places)


def _name(key) -> str:
    return ":".join("" if part is None else str(part) for part in key)


def _key(name: str, kinds: tuple) -> tuple:
    return tuple(None if part == "" else kind(part) for kind, part in zip(kinds, name.split(":"), strict=True))


@dataclass
class Baseline:
    """Per cell, the (entry id, digest) pairs downloaded, in order; digests of row and Recommendations cells."""

    entries: dict[tuple, list[tuple[int, str]]] = field(default_factory=dict)
    rows: dict[tuple, tuple[str, str]] = field(default_factory=dict)
    recommendations: dict[tuple, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "entries": {_name(k): [list(pair) for pair in v] for k, v in self.entries.items()},
            "rows": {_name(k): list(v) for k, v in self.rows.items()},
            "recommendations": {_name(k): v for k, v in self.recommendations.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Baseline:
        optional_int = int
        return cls(
            entries={
                _key(k, (optional_int, optional_int, optional_int)): [(int(i), str(d)) for i, d in v]
                for k, v in data.get("entries", {}).items()
            },
            rows={_key(k, (optional_int, optional_int)): (v[0], v[1]) for k, v in data.get("rows", {}).items()},
            recommendations={
                _key(k, (int, str, optional_int)): str(v) for k, v in data.get("recommendations", {}).items()
            },
        )


def record(round_, user, baseline: Baseline) -> str:
    """Keep what ``user`` downloaded of ``round_``; the token to write into the workbook."""
    from .models import WorkbookDownload

    token = secrets.token_urlsafe(18)
    WorkbookDownload.objects.create(token=token, round=round_, user=user, baseline=baseline.as_json())
    return token


def recall(token: str | None, round_, user) -> Baseline | None:
    """The baseline of ``user``'s own download of ``round_`` under ``token``; None for anyone else's or none."""
    from .models import WorkbookDownload

    if not token or round_ is None or user is None or not getattr(user, "pk", None) or len(token) > 40:
        return None
    recent = WorkbookDownload.objects.filter(at__gte=timezone.now() - KEPT_FOR)
    download = recent.filter(token=token, round=round_, user=user).first()
    if download is None:
        return None
    try:
        return Baseline.from_json(download.baseline)
    except (TypeError, ValueError, KeyError, IndexError):
        return None
