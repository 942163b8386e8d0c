"""ICS staff upload a beacon indicator's values: choose the indicator and the file, check the preview, import.

The import itself runs as a background job (``jobs``) once confirmed: the
confirm checks the upload as the preview did, hands the file to the job and
sends the reviewer to its progress page, where the outcome is said.

Indicator values are public data that every signed-in user reads; only ICS
staff (the ICS reviewers of a framework's system, and superusers) bring them
in. Anyone else signed in is refused (403); the sign-in page takes the
anonymous (``LoginRequiredMiddleware``). The templates for locally reported
indicators are ICS staff's too: they are the first step of an import, and
list nothing a signed-in user could not read elsewhere.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from atf import access, outputs
from atf.models import BeaconIndicator, Framework
from jobs.models import Job
from jobs.work import visible_jobs

from . import uploads
from .forms import IndicatorValuesUploadForm
from .readers import ReadError

# Reported locally, with no national source: their template is offered first.
LOCALLY_REPORTED = (12, 20, 21)


def _frameworks(user) -> list[Framework]:
    """The current framework of each system the user is ICS staff of: those the one rule lets them change."""
    frameworks = list(Framework.objects.for_user(user, access.CHANGE).filter(Framework.newest()))
    if not frameworks:
        raise PermissionDenied("Only ICS reviewers import indicator values.")
    return frameworks


def importable_indicators(user):
    """The indicators of the frameworks the user imports into (PermissionDenied if none): also the job's check."""
    frameworks = _frameworks(user)
    return (
        BeaconIndicator.objects.filter(framework__in=frameworks)
        .select_related("framework", "framework__system")
        .order_by("framework__name", "number")
    )


def _upload_of(request, token: str) -> tuple[uploads.Upload, BeaconIndicator]:
    """This session's upload under ``token`` and its indicator, still one the user imports into; else 404."""
    indicators = importable_indicators(request.user)
    upload = uploads.recall(request, token)
    if upload is None:
        raise Http404("No such upload in this session.")
    indicator = indicators.filter(pk=upload.indicator_id).first()
    if indicator is None:
        raise Http404("The indicator of this upload is not one you import into.")
    return upload, indicator


def _said_done(request, upload: uploads.Upload, indicator: BeaconIndicator):
    """A finished token, seen again (a second confirm, the back button): say what became of it, import nothing."""
    job = (
        visible_jobs(request.user).filter(pk=upload.job).first()
        if upload.state == uploads.QUEUED and upload.job
        else None
    )
    if job is not None and job.status != Job.Status.DONE:
        # Sent to a background job: how it went is on the job's page.
        went = "could not be imported" if job.status == Job.Status.FAILED else "are being imported"
        messages.info(
            request,
            format_html(
                'The values in “{}” {}; nothing was imported again. <a href="{}">See how the import went</a>.',
                upload.name,
                went,
                job.get_absolute_url(),
            ),
        )
        return redirect("indicators:upload")
    if upload.state == uploads.IMPORTED or job is not None:
        messages.info(
            request,
            format_html(
                "The values in “{}” were already imported; nothing was imported again. "
                '<a href="{}">See indicator {}</a>.',
                upload.name,
                reverse("indicators:indicator_detail", args=[indicator.number]),
                indicator.number,
            ),
        )
    elif upload.state == uploads.DISCARDED:
        messages.info(request, f"“{upload.name}” was discarded; nothing was imported from it. Upload it again.")
    else:
        messages.info(
            request,
            f"“{upload.name}” is no longer here: it was imported or discarded in another tab, or has expired. "
            "Nothing was imported now; upload the file again to see its preview.",
        )
    return redirect("indicators:upload")


def _templates(indicators) -> tuple[list, list]:
    local = [i for i in indicators if i.number in LOCALLY_REPORTED or i.status == BeaconIndicator.Status.NO_DATA]
    return local, [i for i in indicators if i not in local]


def upload(request):
    indicators = importable_indicators(request.user)
    posted = request.method == "POST"  # bound even when empty, so that a post with nothing chosen says so
    form = IndicatorValuesUploadForm(
        request.POST if posted else None, request.FILES if posted else None, indicators=indicators
    )
    if posted and form.is_valid():
        indicator = form.cleaned_data["indicator"]
        stored = None
        try:
            stored = uploads.store(request, form.cleaned_data["file"], indicator)
            uploads.plan(stored, indicator)  # a file that cannot be read is refused here, not after a redirect
        except (uploads.UploadError, ReadError) as exc:
            if stored is not None:
                uploads.finish(request, stored, uploads.EXPIRED)  # its file deleted at once
            form.add_error("file", str(exc))
        else:
            return redirect("indicators:upload_preview", stored.token)
    local, others = _templates(indicators)
    context = {"form": form, "local_templates": local, "other_templates": others, "has_indicators": bool(indicators)}
    return render(request, "indicators/upload.html", context)


def upload_preview(request, token):
    """GET: what importing the stored file would do, read afresh. POST: import it, once."""
    stored, indicator = _upload_of(request, token)
    if stored.state != uploads.PENDING:
        return _said_done(request, stored, indicator)
    if request.method == "POST":
        return _confirm(request, stored, indicator)
    try:
        reading, result = uploads.plan(stored, indicator)
    except ReadError as exc:
        uploads.finish(request, stored, uploads.EXPIRED)
        messages.error(request, str(exc))
        return redirect("indicators:upload")
    context = {"indicator": indicator, "upload": stored, **uploads.preview(reading, result, indicator)}
    return render(request, "indicators/upload_preview.html", context)


def _confirm(request, stored, indicator):
    """Checked as the preview was (this session's file, an indicator the user imports into): a job imports it."""
    try:
        job = uploads.confirm(request, stored, indicator)
    except uploads.AlreadyDone:
        stored.state = uploads.EXPIRED
        return _said_done(request, stored, indicator)
    return redirect(job)


@require_POST
def upload_discard(request, token):
    stored, _ = _upload_of(request, token)
    if stored.state == uploads.PENDING:
        uploads.finish(request, stored, uploads.DISCARDED)  # deleted now, not at the daily purge
        messages.info(request, f"Nothing was imported from “{stored.name}”; the file is deleted.")
    return redirect("indicators:upload")


def _template_indicator(request, number: int) -> BeaconIndicator:
    indicators = importable_indicators(request.user).filter(number=number)
    if slug := request.GET.get("framework"):
        indicators = indicators.filter(framework__slug=slug)
    indicator = indicators.first()  # one system's, for ICS staff of one; a superuser may name the framework
    if indicator is None:
        raise Http404("No such beacon indicator in a framework you import into.")
    return indicator


def template_csv(request, number):
    indicator = _template_indicator(request, number)
    # No instruction rows: the file imports as it is, a blank row being nothing reported.
    return outputs.download(uploads.template_rows(indicator), "csv", f"indicator-{number}-template")


def template_xlsx(request, number):
    indicator = _template_indicator(request, number)
    response = HttpResponse(uploads.template_xlsx(indicator), content_type=outputs.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="indicator-{number}-template.xlsx"'
    return response
