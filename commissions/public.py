"""What a commission's public page shows, for nobody in particular: one function per kind of row.

The public pages (``commissions.public_views``) have no reader to ask
``atf.access`` about, so, like ``opendata.datasets``, they read only through
this module, and every condition for a row to be public is here:

- a commission is public while its open-data publication is live: the one
  switch on the commission's page (``opendata:commission_switch``), turned on
  by its secretariat or the ICS's reviewers, puts both its open-data download
  and these pages up, and withdrawing it takes both down at once. Until it is
  turned on, nothing of the commission is public;
- of a public commission: its name, place, remit and how it works, and its
  current seats (position, role, organisation and the holder's name, as
  councils publish their committees' members; never the holder's account);
- an agenda (its items, their presenters and papers) once it has been sent
  (``Meeting.agenda_published_at``); the items alone (as the minutes' headings)
  once the minutes are published;
- the minutes (attendance, paragraphs and their amendments, decisions,
  workshop questions and key points, the actions arising) only of meetings
  whose minutes are published: never draft, circulated or approved minutes;
- actions: those arising from published minutes, never from any other
  meeting, with their owner, due date and status, not their updates.

Every function below takes the commission and checks again that it is public,
so a view that forgets to ask first still shows nothing. Each returns a
queryset that views may only narrow.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from opendata.datasets import live
from opendata.models import Publication

from . import agenda_services
from .models import (
    Action,
    AgendaItem,
    AgendaPaper,
    Amendment,
    Attendance,
    Commission,
    Decision,
    Meeting,
    Member,
    Paragraph,
    WorkshopQuestion,
)

PUBLISHED = Meeting.Status.PUBLISHED
# A public list shows at most this many rows (the newest first); each meeting's own page has the rest.
LISTED = 100

# Papers are stored, named and typed by ``agenda_services``; served here only from its directory.
PAPERS_DIRECTORY = agenda_services.PAPERS_DIRECTORY


# The commissions ------------------------------------------------------------------


def _live_publication():
    return Publication.objects.filter(live(), kind=Publication.Kind.COMMISSION, commission=OuterRef("pk"))


def commissions():
    """The commissions whose public page is on."""
    return Commission.objects.filter(Exists(_live_publication())).select_related("place")


def commission(slug: str) -> Commission | None:
    return commissions().filter(slug=slug).first()


def is_public(commission: Commission) -> bool:
    """Is the commission's public page on? The same switch as its open-data download."""
    return commission is not None and commissions().filter(pk=commission.pk).exists()


def _public(prefix: str) -> Q:
    """Rows whose commission (reached by ``prefix``) is public."""
    return Q(**{f"{prefix}in": commissions().values("pk")})


# Conditions on a meeting, reached from a row by ``prefix`` ---------------------------


def _minutes_published(prefix: str, commission: Commission) -> Q:
    return Q(**{f"{prefix}status": PUBLISHED, f"{prefix}commission": commission}) & _public(f"{prefix}commission__")


def _agenda_sent(prefix: str, commission: Commission) -> Q:
    return Q(**{f"{prefix}agenda_published_at__isnull": False, f"{prefix}commission": commission}) & _public(
        f"{prefix}commission__"
    )


# The rows ---------------------------------------------------------------------------


def members(commission: Commission):
    """The commission's current seats (a term not yet begun, or ended, is not shown)."""
    today = timezone.localdate()
    return (
        Member.objects.filter(Q(commission=commission) & _public("commission__"))
        .filter(Q(starts__isnull=True) | Q(starts__lte=today))
        .filter(Q(ends__isnull=True) | Q(ends__gte=today))
        .order_by("role_title", "pk")
    )


def meetings(commission: Commission):
    """Meetings with something public: their minutes published, or their agenda sent."""
    return Meeting.objects.filter(_minutes_published("", commission) | _agenda_sent("", commission)).order_by(
        F("starts_at").desc(nulls_last=True), "-pk"
    )


def items(commission: Commission):
    """Agenda items of a sent agenda, or of published minutes (their headings)."""
    return AgendaItem.objects.filter(
        _minutes_published("meeting__", commission) | _agenda_sent("meeting__", commission)
    ).order_by("position", "pk")


def papers(commission: Commission):
    """The papers of sent agendas: published with the agenda, whatever became of the minutes."""
    return AgendaPaper.objects.filter(_agenda_sent("item__meeting__", commission)).order_by("pk")


def paragraphs(commission: Commission):
    return Paragraph.objects.filter(_minutes_published("item__meeting__", commission)).order_by("position", "pk")


def amendments(commission: Commission):
    """Corrections made to published minutes: when and why (who made them is the secretariat's record)."""
    return Amendment.objects.filter(_minutes_published("paragraph__item__meeting__", commission)).order_by(
        "made_at", "pk"
    )


def attendance(commission: Commission):
    return (
        Attendance.objects.filter(_minutes_published("meeting__", commission))
        .select_related("member")
        .order_by("status", "name_or_position", "pk")
    )


def decisions(commission: Commission):
    return (
        Decision.objects.filter(_minutes_published("meeting__", commission))
        .select_related("meeting", "item")
        .order_by(F("meeting__starts_at").desc(nulls_last=True), "meeting_id", "number", "pk")
    )


def questions(commission: Commission):
    """A workshop's questions and the key points drawn out; the contributions gathered stay inside."""
    return WorkshopQuestion.objects.filter(_minutes_published("meeting__", commission)).order_by("number", "pk")


def actions(commission: Commission):
    """Actions arising from published minutes (and, where tied to a paragraph, to one of those minutes)."""
    from_paragraph = Q(paragraph__isnull=True) | Q(paragraph__item__meeting=F("meeting"))
    return (
        Action.objects.filter(Q(commission=commission) & _minutes_published("meeting__", commission))
        .filter(from_paragraph)
        .select_related("meeting")
        .order_by(F("due").asc(nulls_last=True), "pk")
    )


def open_actions(commission: Commission):
    return actions(commission).filter(status__in=Action.OPEN_STATUSES)


# A paper's file -------------------------------------------------------------------


def paper_file(paper: AgendaPaper) -> tuple[Path, str] | None:
    """The paper's file and the content type to serve it with, or None where there is nothing safe to serve."""
    path = agenda_services.paper_path(paper)  # None unless the name is one the server could have chosen
    if path is None:
        return None
    directory = (Path(settings.MEDIA_ROOT) / PAPERS_DIRECTORY).resolve()
    path = path.resolve()
    if path.parent != directory or not path.is_file():
        return None
    return path, agenda_services.content_type(paper)
