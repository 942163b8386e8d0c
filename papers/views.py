"""Downloads of papers: the ICS's board paper of a round, a meeting's agenda pack and its minutes.

Who may download what is the pages' own rule: the board paper is for those
who manage the round (its ICS's reviewers and superusers: ``rounds.managed_round``,
which asks ``atf.access``; 404 for a round the user cannot see, 403 for one
they only read), a meeting's papers for whoever may view the meeting (404
otherwise, drafts included).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from atf import access
from commissions.models import Meeting
from jobs import work
from jobs.models import Job
from stocktake import rounds

from . import board, meetings, pdf, word

FORMATS = {"docx": (word.write_docx, word.CONTENT_TYPE), "pdf": (pdf.write_pdf, pdf.CONTENT_TYPE)}


def _download(paper, file_format: str) -> HttpResponse:
    if file_format not in FORMATS:
        raise Http404("Papers come as docx or pdf.")
    write, content_type = FORMATS[file_format]
    response = HttpResponse(write(paper), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{paper.filename}.{file_format}"'
    return response


def board_paper(request, round_slug, file_format):
    round_ = rounds.managed_round(request.user, round_slug)
    if file_format == "pdf":
        # Laying out the stocktake table's pages takes WeasyPrint 5 to 10 seconds: a job, with its progress page.
        title = f"The board paper of “{round_}” (PDF)"
        return redirect(work.start(request.user, Job.Kind.PAPER_PDF, title, params={"round": round_.slug}))
    return _download(board.board_paper(request.user, round_), file_format)


def _meeting(request, pk) -> Meeting:
    visible = access.restrict(Meeting.objects.select_related("commission__place"), request.user, access.VIEW)
    return get_object_or_404(visible, pk=pk)


def agenda_pack(request, pk, file_format):
    meeting = _meeting(request, pk)
    return _download(meetings.agenda_pack(request.user, meeting), file_format)


def minutes(request, pk, file_format):
    meeting = _meeting(request, pk)
    return _download(meetings.minutes(request.user, meeting), file_format)
