"""A commission's public pages: readable signed out, as councils publish their committees' papers.

They read only through ``commissions.public`` and render without the request
(no signed-in name, menu, message or form token can reach them), so the page
is the same for everyone. Anything not public, whether it exists or not,
answers the same plain 404. ``Cache-Control: no-cache``: a withdrawal, or
minutes taken back, show at once, however a cache along the way keeps pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from . import public
from .models import Attendance, Member


def public_page(view):
    """Signed out, safe methods only, and any 404 the plain public one."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return HttpResponseNotFound(render_to_string("commissions/public/404.html"))

    return login_not_required(require_safe(cache_control(no_cache=True)(answer)))


def _page(template: str, context: dict) -> HttpResponse:
    # Rendered without the request: the page is the same for everyone.
    return HttpResponse(render_to_string(template, context))


def _commission(slug):
    commission = public.commission(slug)
    if commission is None:
        raise Http404("No such public commission.")
    return commission


def _first(rows) -> tuple[list, bool]:
    """At most ``public.LISTED`` rows, and whether there were more."""
    count = public.LISTED
    rows = list(rows[: count + 1])
    return rows[:count], len(rows) > count


@public_page
def commission_list(request):
    return _page("commissions/public/commission_list.html", {"commissions": public.commissions()})


def _seats(commission) -> list[tuple[str, list[Member]]]:
    """The current seats, grouped by position in the order positions rank (chair first)."""
    by_position: dict[str, list[Member]] = {}
    for member in public.members(commission):
        by_position.setdefault(member.position, []).append(member)
    return [(label, by_position[value]) for value, label in Member.Position.choices if value in by_position]


@public_page
def commission_detail(request, slug):
    commission = _commission(slug)
    meetings, more_meetings = _first(public.meetings(commission))
    decisions, more_decisions = _first(public.decisions(commission))
    actions, more_actions = _first(public.open_actions(commission))
    context = {
        "commission": commission,
        "seats": _seats(commission),
        "meetings": meetings,
        "more_meetings": more_meetings,
        "decisions": decisions,
        "more_decisions": more_decisions,
        "actions": actions,
        "more_actions": more_actions,
        "listed": public.LISTED,
    }
    return _page("commissions/public/commission_detail.html", context)


@dataclass
class Item:
    """An agenda item as the public page shows it: its papers, its paragraphs (with amendments), its sub-items."""

    item: object
    papers: list = field(default_factory=list)
    paragraphs: list = field(default_factory=list)  # (paragraph, [amendments])
    children: list = field(default_factory=list)


def _outline(items, papers, paragraphs, amendments) -> list[Item]:
    """The items as a tree (``parent``), each with its rows, built from flat lists: no query per item."""
    nodes = {item.pk: Item(item) for item in items}
    for paper in papers:
        if paper.item_id in nodes:
            nodes[paper.item_id].papers.append(paper)
    by_paragraph: dict[int, list] = {}
    for amendment in amendments:
        by_paragraph.setdefault(amendment.paragraph_id, []).append(amendment)
    for paragraph in paragraphs:
        if paragraph.item_id in nodes:
            nodes[paragraph.item_id].paragraphs.append((paragraph, by_paragraph.get(paragraph.pk, [])))
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.item.parent_id)
        (parent.children if parent is not None and parent is not node else roots).append(node)
    return roots


def _attendance(rows) -> list[tuple[str, list[Attendance]]]:
    """Who was there, grouped: present first, then in attendance, then apologies."""
    by_status: dict[str, list[Attendance]] = {}
    for row in rows:
        by_status.setdefault(row.status, []).append(row)
    order = (Attendance.Status.PRESENT, Attendance.Status.IN_ATTENDANCE, Attendance.Status.APOLOGIES)
    return [(Attendance.Status(status).label, by_status[status]) for status in order if status in by_status]


@public_page
def meeting_detail(request, slug, pk):
    commission = _commission(slug)
    meeting = public.meetings(commission).filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such public meeting.")
    minutes = meeting.is_published
    items = public.items(commission).filter(meeting=meeting)
    papers = public.papers(commission).filter(item__meeting=meeting)
    paragraphs = public.paragraphs(commission).filter(item__meeting=meeting) if minutes else []
    amendments = public.amendments(commission).filter(paragraph__item__meeting=meeting) if minutes else []
    context = {
        "commission": commission,
        "meeting": meeting,
        "minutes": minutes,
        "agenda_sent": meeting.agenda_published_at is not None,
        "outline": _outline(items, papers, paragraphs, amendments),
        "attendance": _attendance(public.attendance(commission).filter(meeting=meeting)) if minutes else [],
        "decisions": public.decisions(commission).filter(meeting=meeting) if minutes else [],
        "questions": public.questions(commission).filter(meeting=meeting) if minutes else [],
        "actions": public.actions(commission).filter(meeting=meeting) if minutes else [],
        # The meeting that approved them, named only where it is public itself (its agenda sent, or minutes out).
        "approved_at": public.meetings(commission).filter(pk=meeting.approved_at_meeting_id).first()
        if minutes and meeting.approved_at_meeting_id
        else None,
    }
    return _page("commissions/public/meeting_detail.html", context)


def _download_name(paper, path) -> str:
    """The name it was uploaded as, ending as the file served does (a browser opens it by that ending)."""
    name = (paper.original_name or "").strip() or "paper"
    return name if name.lower().endswith(path.suffix) else f"{name}{path.suffix}"


@public_page
def paper_download(request, slug, pk):
    commission = _commission(slug)
    paper = public.papers(commission).filter(pk=pk).first()
    found = public.paper_file(paper) if paper is not None else None
    if found is None:
        raise Http404("No such paper.")
    path, content_type = found
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=_download_name(paper, path), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
