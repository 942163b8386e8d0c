"""What each kind of job does, run by the task as the job's user.

Every runner re-checks, as that user, what the request checked before the
job was started (the role may have changed since), then calls the same
scoped functions the request used to: the tenant rule holds inside the
task exactly as in the request. An import is all or nothing in one
transaction, as before; a reason it was refused is raised as ``Refused``,
in the words the request would have shown.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.urls import reverse

from atf import access, outputs

from .models import Job
from .work import Outcome, Progress, Refused, input_path, write_result


def _input(job: Job):
    path = input_path(job)
    if path is None or not path.exists():
        raise Refused("The uploaded file is no longer here, so nothing was imported. Upload it again.")
    return path


# Imports ---------------------------------------------------------------------------


def indicator_import(job: Job, user, progress: Progress) -> Outcome:
    from indicators import upload_views, uploads
    from indicators.readers import ReadError

    name = job.params.get("name", "")
    try:
        indicator = upload_views.importable_indicators(user).filter(pk=job.params["indicator"]).first()
    except PermissionDenied:
        indicator = None
    if indicator is None:
        raise Refused("You no longer import values into this indicator, so nothing was imported.")
    path = _input(job)
    progress("Reading the file")
    try:
        reading = uploads.read_path(path)
        progress(f"Checking and saving the values of {len(reading.values)} rows", total=len(reading.values))
        result = uploads.import_reading(reading, indicator, name, user)
    except ReadError as exc:
        raise Refused(f"{exc} Upload the file again to see what it would change now.") from None
    progress(done=len(reading.values))
    return Outcome(
        f"Indicator {indicator.number} values imported from “{name}”: {result.summary()}.",
        links=[
            (f"See indicator {indicator.number}", reverse("indicators:indicator_detail", args=[indicator.number])),
            ("See the tartan rug", reverse("indicators:rug")),
        ],
    )


def _nothing_imported(message: str) -> str:
    return message if "nothing was imported" in message.lower() else f"Nothing was imported. {message}"


def workbook_import(job: Job, user, progress: Progress) -> Outcome:
    from boroughs.models import Place
    from stocktake import returns, uploads
    from stocktake.models import Round
    from stocktake.xlsx import WorkbookError

    params = job.params
    round_ = access.restrict(Round.objects.select_related("framework"), user, access.VIEW).filter(pk=params["round"])
    round_ = round_.first()
    place = Place.objects.filter(pk=params["place"], kind=Place.Kind.BOROUGH).first()
    if round_ is None or place is None:
        raise Refused("Nothing was imported: the round is not one you can see now.")
    try:
        returns.require_edit(user, round_, place)
    except PermissionDenied as exc:
        raise Refused(_nothing_imported(str(exc))) from None
    upload = uploads.Upload("", _input(job), params.get("round_name"), params["framework"], params.get("name", ""))
    progress("Reading the workbook, checking it against the return and saving its changes")
    try:
        plan, _ = uploads.confirm_upload(upload, user)
    except WorkbookError as exc:
        raise Refused(_nothing_imported(str(exc))) from None
    changed = len(plan.changes)
    progress(done=changed, total=changed)
    return Outcome(
        f"Workbook imported: {plan.full_summary()}.",
        links=[(f"Go to {place}'s return", reverse("stocktake:return_detail", args=[round_.slug, place.slug]))],
    )


def entries_import(job: Job, user, progress: Progress) -> Outcome:
    from stocktake.flat import FlatImportError, import_flat_file
    from stocktake.models import Entry

    if not access.may_add(user, Entry):
        raise Refused("Nothing was imported: you can no longer add entries.")
    path = _input(job)
    progress("Reading the file, checking it against the entries and saving its changes")
    try:
        result = import_flat_file(path, user=user, expect=job.params.get("expect"))
    except FlatImportError as exc:
        shown = "; ".join(exc.errors[:5]) + (f"; and {len(exc.errors) - 5} more" if len(exc.errors) > 5 else "")
        raise Refused(shown if "nothing was imported" in shown.lower() else f"Nothing was imported: {shown}") from None
    return Outcome(
        f"Imported {job.params.get('name', 'the file')}: {result.summary()}.",
        links=[("Go to the entries", reverse("admin:stocktake_entry_changelist"))],
    )


# Exports ---------------------------------------------------------------------------


def _write_rows(rows, file_format: str, sheet_title: str):
    if file_format == "xlsx":
        return write_result(".xlsx", lambda stream: stream.write(outputs.xlsx_bytes(rows, sheet_title)))
    return write_result(".csv", lambda stream: stream.write(outputs.csv_bytes(rows)))


def _pks(queryset) -> set[int]:
    return set(queryset.order_by().values_list("pk", flat=True))


def _export_outcome(path, name: str, rows: int, holds: dict) -> Outcome:
    return Outcome(f"The file is ready: {rows} rows.", file=path, download_name=name, holds=holds)


def entries_export(job: Job, user, progress: Progress) -> Outcome:
    from stocktake.views import entries_table

    file_format = "xlsx" if job.params.get("format") == "xlsx" else "csv"
    table, entries = entries_table(user, QueryDict(job.params.get("query", "")))
    before = _pks(entries)
    progress(f"Writing {len(before)} entries", done=0, total=len(before))
    path = _write_rows(progress.count(table.as_values(), skip_first=True), file_format, "entries")
    # What the file holds, read before and after writing it: each is checked again at every download.
    held = sorted(before | _pks(entries))
    return _export_outcome(path, f"entries.{file_format}", progress.done, {"stocktake.entry": held})


def entries_flat_export(job: Job, user, progress: Progress) -> Outcome:
    from itertools import chain

    from stocktake.flat import COLUMNS, flat_rows
    from stocktake.models import Entry, Round

    file_format = "xlsx" if job.params.get("format") == "xlsx" else "csv"
    entries = access.restrict(Entry.objects.all(), user, access.VIEW)
    if round_id := job.params.get("round"):
        if not access.restrict(Round.objects.filter(pk=round_id), user, access.VIEW).exists():
            raise Refused("The round is not one you can see now, so no file was made.")
        entries = entries.filter(round=round_id)
    before = _pks(entries)
    progress(f"Writing {len(before)} entries", done=0, total=len(before))
    rows = progress.count(chain([COLUMNS], flat_rows(entries)), skip_first=True)
    path = _write_rows(rows, file_format, "Sheet1")
    held = sorted(before | _pks(entries))
    return _export_outcome(path, f"entries.{file_format}", progress.done, {"stocktake.entry": held})


def workbook_export(job: Job, user, progress: Progress) -> Outcome:
    from stocktake.exporter import ExportError, write_workbook
    from stocktake.models import Entry, Round

    round_ = access.restrict(Round.objects.select_related("framework"), user, access.VIEW).filter(
        pk=job.params["round"]
    )
    round_ = round_.first()
    if round_ is None:
        raise Refused("The round is not one you can see now, so no workbook was made.")
    entries = access.restrict(Entry.objects.filter(round=round_), user, access.VIEW)
    before = _pks(entries)
    progress(f"Writing the workbook of {len(before)} entries", done=0, total=len(before))
    try:
        path = write_result(".xlsx", lambda stream: write_workbook(round_, stream, user, record=True))
    except ExportError as exc:
        raise Refused(str(exc)) from None
    held = sorted(before | _pks(entries))
    progress(done=len(before))
    return Outcome(
        f"The workbook of “{round_}” is ready: {len(held)} entries.",
        file=path,
        download_name=f"{round_.slug}.xlsx",
        holds={"stocktake.round": [round_.pk], "stocktake.entry": held},
    )


def values_export(job: Job, user, progress: Progress) -> Outcome:
    from atf.models import Framework
    from indicators.exporting import value_rows
    from indicators.models import IndicatorValue

    framework = access.restrict(Framework.objects.all(), user, access.VIEW).filter(pk=job.params["framework"]).first()
    if framework is None:
        raise Refused("The framework is not one you can see now, so no file was made.")
    values = IndicatorValue.objects.for_user(user).filter(indicator__framework=framework)
    if number := job.params.get("indicator"):
        values = values.filter(indicator__number=number)
    total = values.count()
    progress(f"Writing {total} values", done=0, total=total)
    path = _write_rows(progress.count(value_rows(values), skip_first=True), "csv", "values")
    return _export_outcome(
        path, f"{job.params.get('name', 'indicator-values')}.csv", progress.done, {"atf.framework": [framework.pk]}
    )


def paper_pdf(job: Job, user, progress: Progress) -> Outcome:
    """A round's board paper as PDF: laying out its long tables takes WeasyPrint several seconds."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from papers import board, pdf
    from stocktake import rounds

    try:
        round_ = rounds.managed_round(user, job.params.get("round", ""))
    except (Http404, PermissionDenied):
        raise Refused("The round is not one whose board paper you can download now, so no file was made.") from None
    progress("Writing the board paper")
    paper = board.board_paper(user, round_)
    path = write_result(".pdf", lambda stream: stream.write(pdf.write_pdf(paper)))
    return Outcome(
        f"The board paper of “{round_}” is ready.",
        file=path,
        download_name=f"{paper.filename}.pdf",
        holds=board.holds(user, round_),
    )


RUNNERS = {
    Job.Kind.INDICATOR_IMPORT: indicator_import,
    Job.Kind.WORKBOOK_IMPORT: workbook_import,
    Job.Kind.ENTRIES_IMPORT: entries_import,
    Job.Kind.ENTRIES_EXPORT: entries_export,
    Job.Kind.ENTRIES_FLAT_EXPORT: entries_flat_export,
    Job.Kind.WORKBOOK_EXPORT: workbook_export,
    Job.Kind.VALUES_EXPORT: values_export,
    Job.Kind.PAPER_PDF: paper_pdf,
}
