"""Indicator value files uploaded by ICS staff: stored under names the server chooses, previewed, then confirmed.

As with the stocktake workbook (``stocktake.uploads``), a file is stored as
``MEDIA_ROOT/indicator-files/<random>.csv`` (or ``.xlsx``, told by its
content) and remembered in the uploader's session under that random token;
the client only ever sends the token back, so no request can name a file
the server did not save itself, nor one another session saved. A preview
reads the file and plans the import as a dry run; confirming hands the file
to a background job (``jobs``), which reads it again and imports it, all or
nothing, as the same user, with what the database holds then.

A confirmed or discarded upload is remembered in the session as such (its
file handed on or deleted), so a second confirm of the same token (a double
click, another tab) is told the values are being or were imported instead of
importing them again; the job claims the file by moving it, so of two
confirms at the same moment only one starts an import. A session keeps its newest
few previews; ``manage.py purge_uploads`` deletes any file older than a day.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from atf import limits, outputs, uploadhandler
from atf.models import BeaconIndicator
from boroughs.models import Place

from .comparison import BY_INTERVALS, BY_PUBLISHER, with_england
from .exporting import ENGLAND
from .importing import SHOWN, ImportResult, describe_source, import_values
from .models import IndicatorValue
from .readers import COLUMNS_OF, OLE_SIGNATURE, TEMPLATE, ZIP_SIGNATURE, ReadError, Reading, read_file

DIRECTORY = "indicator-files"  # also in stocktake/management/commands/purge_uploads.py
SESSION_KEY = "indicator_value_uploads"
SUFFIXES = (".csv", ".xlsx")
KEPT_PER_SESSION = 3  # previews not yet confirmed, each with its file
FINISHED_KEPT = 20  # confirmed, discarded or expired tokens remembered (no files), to say so on a second try
PENDING, IMPORTED, DISCARDED, EXPIRED = "", "imported", "discarded", "expired"
QUEUED = "queued"  # handed to a background job (``confirm``), which imports it


class UploadError(Exception):
    """A file refused as it is stored (too large, an old .xls): a message a person can act on."""


def upload_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _well_formed(token: str) -> bool:
    return bool(token) and len(token) < 64 and token.replace("-", "").replace("_", "").isalnum()


def too_large(name: str, size: int) -> str:
    named = f"“{name}” " if name else ""
    return (
        f"The file {named}is {limits.size(size)}; the largest file accepted is {limits.size(limits.MAX_UPLOAD_BYTES)} "
        "(one indicator's values for every area of England are well under 1 MB). Check that you chose the right "
        "file, or split it by period and upload the parts one after another. Nothing was imported."
    )


@dataclass
class Upload:
    token: str
    indicator_id: int
    name: str  # as the uploader's computer called it: shown, never used as a path
    suffix: str
    state: str = PENDING
    job: str = ""  # the background job importing it, once confirmed

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}{self.suffix}"


def _remembered(request) -> dict:
    return dict(request.session.get(SESSION_KEY, {}))


def _remember(request, uploads: dict) -> None:
    """Keep the newest previews (deleting older ones' files) and the newest finished tokens."""
    pending = [token for token, kept in uploads.items() if kept.get("state") == PENDING]
    for token in pending[: max(0, len(pending) - KEPT_PER_SESSION)]:
        kept = uploads[token]
        if kept.get("suffix") in SUFFIXES:
            (upload_dir() / f"{token}{kept['suffix']}").unlink(missing_ok=True)
        kept["state"] = EXPIRED
    finished = [token for token, kept in uploads.items() if kept.get("state") != PENDING]
    for token in finished[: max(0, len(finished) - FINISHED_KEPT)]:
        uploads.pop(token)
    request.session[SESSION_KEY] = uploads


def store(request, uploaded_file, indicator: BeaconIndicator) -> Upload:
    """Save the upload under a new random name (refusing it whole past the size limit); remember it."""
    name = (uploaded_file.name or "")[:200]
    if uploadhandler.refused(uploaded_file):
        raise UploadError(too_large(name, uploaded_file.size or 0))
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    if head.startswith(OLE_SIGNATURE):
        raise UploadError(
            "This file is an older Excel workbook (.xls) or a password-protected one. Open it in Excel, remove any "
            "password, save it as an Excel Workbook (.xlsx) or as “CSV UTF-8” and upload that. Nothing was imported."
        )
    suffix = ".xlsx" if head.startswith(ZIP_SIGNATURE) else ".csv"
    upload = Upload(secrets.token_urlsafe(16), indicator.pk, name, suffix)
    size = 0
    with upload.path.open("wb") as target:
        for chunk in uploaded_file.chunks():
            size += len(chunk)
            if size > limits.MAX_UPLOAD_BYTES:
                target.close()
                upload.path.unlink(missing_ok=True)
                raise UploadError(too_large(name, size))
            target.write(chunk)
    if size == 0:
        upload.path.unlink(missing_ok=True)
        raise UploadError("The file is empty. Choose the CSV or Excel file with the values in it.")
    uploads = _remembered(request)
    uploads[upload.token] = {"indicator": indicator.pk, "name": name, "suffix": suffix, "state": PENDING}
    _remember(request, uploads)
    return upload


def recall(request, token: str) -> Upload | None:
    """The upload this session made under ``token`` (pending or finished), or None: never another session's."""
    kept = request.session.get(SESSION_KEY, {}).get(token)
    if kept is None or not _well_formed(token) or kept.get("suffix") not in SUFFIXES:
        return None
    upload = Upload(
        token, kept["indicator"], kept.get("name", ""), kept["suffix"], kept.get("state", PENDING), kept.get("job", "")
    )
    if upload.state == PENDING and not upload.path.exists():
        upload.state = EXPIRED  # deleted by manage.py purge_uploads, or by a confirm in another tab
    return upload


def finish(request, upload: Upload, state: str, *, job: str = "") -> None:
    """The upload is done with: its file deleted (or handed to a ``job``), its token remembered as ``state``."""
    upload.path.unlink(missing_ok=True)
    uploads = _remembered(request)
    if upload.token in uploads:
        uploads[upload.token] = {**uploads[upload.token], "state": state, **({"job": job} if job else {})}
    _remember(request, uploads)


def read(upload: Upload) -> Reading:
    """The stored file read; ReadError for a file that cannot be."""
    return read_path(upload.path)


def plan(upload: Upload, indicator: BeaconIndicator) -> tuple[Reading, ImportResult]:
    """What importing the stored file would do now: a dry run, nothing saved."""
    reading = read(upload)
    return reading, import_values(
        reading.values,
        indicator,
        source=describe_source(reading.layout, upload.name),
        dry_run=True,
        carried=reading.carried,
    )


class AlreadyDone(Exception):
    """The file of this token was imported or discarded by an earlier request."""


def confirm(request, upload: Upload, indicator: BeaconIndicator):
    """Hand the stored file to a background job that imports it, once: the job claims (moves) the file first.

    The job (``jobs.kinds.indicator_import``) reads it again and imports it,
    all or nothing, as the same user, with what the database holds then.
    """
    from jobs import work
    from jobs.models import Job

    try:
        job = work.start(
            request.user,
            Job.Kind.INDICATOR_IMPORT,
            f"Import indicator {indicator.number} values from “{upload.name}”",
            params={"indicator": indicator.pk, "name": upload.name},
            input_file=upload.path,
        )
    except work.AlreadyClaimed:
        raise AlreadyDone from None
    finish(request, upload, QUEUED, job=str(job.pk))
    return job


def read_path(path: Path) -> Reading:
    try:
        return read_file(path)
    except OSError as exc:
        raise ReadError(["the uploaded file is no longer there; upload it again"]) from exc


def import_reading(reading: Reading, indicator: BeaconIndicator, name: str, user) -> ImportResult:
    """Import what a file holds, all or nothing, as ``user``."""
    return import_values(
        reading.values, indicator, source=describe_source(reading.layout, name), carried=reading.carried, user=user
    )


# What the preview shows ------------------------------------------------------


@dataclass
class PreviewRow:
    kind: str
    row: int
    area_name: str
    area_code: str
    period: str
    sex: str
    breakdown: str
    value: object
    lower_95: object
    upper_95: object
    ours: str  # our comparison with England, blank for England itself or where there is no England value
    theirs: str  # the publisher's label, as given
    disagrees: bool
    before: object = None  # the value held before, for a revision
    before_lower_95: object = None
    before_upper_95: object = None
    changes: str = ""  # what a revision changes, in words: "value, 95% interval"
    before_comparison: str = ""


def _england(reading: Reading, indicator: BeaconIndicator) -> dict:
    """England's values by (period, sex, age): the file's own, else those held."""
    held = {
        (row.period_label, row.sex, row.age): row.value
        for row in IndicatorValue.objects.filter(indicator=indicator, area__code=ENGLAND, breakdown="")
    }
    in_file = {
        (value.period.label, value.sex, value.age): value.value
        for value in reading.values
        if value.area_code == ENGLAND and not value.breakdown
    }
    return {**held, **in_file}


FIELD_NAMES = {
    "value": "value",
    "lower_95": "95% interval",
    "upper_95": "95% interval",
    "lower_998": "99.8% interval",
    "upper_998": "99.8% interval",
    "count": "count",
    "denominator": "denominator",
    "note": "note",
    "source_comparison": "publisher's comparison",
}


def _shown(number):
    """A number as published (58.2, not 58.200000 as held), or None."""
    return None if number is None else f"{number.normalize():f}"


def preview_rows(planned: list, england: dict, indicator: BeaconIndicator, carried=None) -> list[PreviewRow]:
    rows = []
    for item in planned:
        value = item.value
        ours, by = "", ""
        if value.area_code != ENGLAND:
            reference = england.get((value.period.label, value.sex, value.age))
            comparison, by = with_england(
                value.value, value.lower_95, value.upper_95, reference, indicator.polarity, value.source_comparison
            )
            ours = comparison.value + (" (the publisher's)" if by == BY_PUBLISHER else "")
        theirs = value.source_comparison
        before = item.before or {}
        changed = [
            name
            for name, held in before.items()
            if (carried is None or name in carried) and held != getattr(value, name)
        ]
        rows.append(
            PreviewRow(
                kind=item.kind,
                row=value.row,
                area_name=item.area.name,
                area_code=value.area_code,
                period=value.period.label,
                sex=value.sex,
                breakdown=value.breakdown,
                value=_shown(value.value),
                lower_95=_shown(value.lower_95),
                upper_95=_shown(value.upper_95),
                ours=ours,
                theirs=theirs,
                # As in the export: a publisher's Better, Similar or Worse that the intervals do not give.
                disagrees=by == BY_INTERVALS and theirs in {"Better", "Similar", "Worse"} and theirs != ours,
                before=_shown(before.get("value")),
                before_lower_95=_shown(before.get("lower_95")),
                before_upper_95=_shown(before.get("upper_95")),
                changes=", ".join(dict.fromkeys(FIELD_NAMES[name] for name in changed)),
                before_comparison=before.get("source_comparison", ""),
            )
        )
    return rows


def preview(reading: Reading, result: ImportResult, indicator: BeaconIndicator) -> dict:
    """The preview page's context: counts, skipped areas, revisions old -> new, a sample of the rows."""
    england = _england(reading, indicator)
    taken = result.created + result.updated + result.unchanged
    sample = preview_rows(result.sample, england, indicator, reading.carried)
    return {
        "reading": reading,
        "result": result,
        "skipped": [(code, name, rows) for code, (name, rows) in sorted(result.skipped.items())],
        "revisions": preview_rows(result.revisions, england, indicator, reading.carried),
        "sample": sample,
        "taken": taken,
        "shown": SHOWN,
        "disagreements": sum(row.disagrees for row in sample),
        "has_changes": bool(result.created or result.updated),
        # What a revision leaves as held, the file having no column for it.
        "kept_columns": list(
            dict.fromkeys(FIELD_NAMES[name] for name in COLUMNS_OF[reading.layout] if name not in reading.carried)
        ),
    }


# The template for indicators with no national source -------------------------

TEMPLATE_SHEET = "Values"
HOW_TO_SHEET = "How to fill this in"


def template_places(system: Place) -> list[Place]:
    """The ICS and its boroughs, those with an ONS code (by which the rows are matched on import)."""
    places = Place.objects.within(system).filter(kind__in=[Place.Kind.ICS, Place.Kind.BOROUGH]).exclude(ons_code="")
    return sorted(places, key=lambda place: (place.kind != Place.Kind.ICS, place.name))


def template_rows(indicator: BeaconIndicator) -> list[list]:
    """The header and one row per place, period and figures blank to fill; importable as it is."""
    rows = [list(TEMPLATE)]
    for place in template_places(indicator.framework.system):
        rows.append([place.ons_code, place.name, "", "Persons", "", "", "", "", "", ""])
    return rows


def how_to_fill(indicator: BeaconIndicator) -> list[str]:
    facts = [
        f"Beacon indicator {indicator.number}: {indicator.name}",
        f"Framework: {indicator.framework}",
    ]
    for label, text in (
        ("Unit", indicator.unit),
        ("Frequency", indicator.frequency),
        ("Geographic level", indicator.geographic_level),
        ("Source", indicator.source),
    ):
        if text:
            facts.append(f"{label}: {text}")
    return facts + [
        "",
        f"On the sheet “{TEMPLATE_SHEET}”, one row is one value: an area, a period and a sex.",
        "Leave area_code as it is: places are matched by their ONS code, not their name. Rows for other areas are "
        "skipped and named when you upload.",
        "period: as you publish it: a year (2023), a financial or academic year (2023/24) or years (2021 - 23).",
        "sex: Persons, Female or Male. For more periods or sexes, copy an area's row and change them.",
        "value: the figure, as a number (58.2, not 58.2%). Leave it blank where there is none: blank is missing, "
        "never zero.",
        "lower_ci_95, upper_ci_95: the 95% confidence interval, where there is one; without it the value is not "
        "compared with England.",
        "count, denominator: the numerator and the population it is out of, where known. note: anything a reader "
        "should know (a change of definition, say).",
        "A row left with no period and no figures is passed over. Do not add or rename columns.",
        "Save the file (as .xlsx, or as “CSV UTF-8”) and upload it on the indicator values upload page: you will "
        "see what would be imported before anything is saved.",
    ]


def template_xlsx(indicator: BeaconIndicator) -> bytes:
    """The template as a workbook: the values sheet (period typed as text, sex from a list) and the how-to."""
    import io

    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = TEMPLATE_SHEET
    rows = template_rows(indicator)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if value != "":
                outputs.set_text(cell, value)
            if c == 3:
                cell.number_format = "@"  # "2023/24" and "2021 - 23" stay as typed, never made dates
    sexes = DataValidation(type="list", formula1='"Persons,Female,Male"', allow_blank=True)
    sheet.add_data_validation(sexes)
    sexes.add(f"D2:D{max(len(rows), 2) + 200}")
    for column, width in zip("ABCDEFGHIJ", (12, 32, 12, 10, 10, 12, 12, 10, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    how_to = book.create_sheet(HOW_TO_SHEET)
    for r, line in enumerate(how_to_fill(indicator), start=1):
        outputs.set_text(how_to.cell(row=r, column=1), line)
    how_to.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
