"""A commission meeting's agenda pack and its minutes, as papers (``papers.document``).

The minutes hold what the meeting page and its printable minutes show
(seed 001's shape): attendance, the agenda items with their numbered
paragraphs, the decisions and the actions arising. The agenda pack is what
goes out before the meeting: its members, the agenda (items and sub-items
with their presenters and the list of their papers), the decisions to be
put, the actions still open from earlier meetings (matters arising) and any
workshop questions. Every row is read through ``atf.access`` for the reader.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from atf import access
from commissions import agenda_services, printing, services
from commissions.models import Action, AgendaItem, Attendance, Decision, Meeting, Member, Paragraph, WorkshopQuestion

from .document import Cover, Paper, clean


def _visible(queryset, user):
    return access.restrict(queryset, user, access.VIEW)


def _when(meeting: Meeting) -> str:
    if not meeting.starts_at:
        return "Date not recorded"
    return date_format(timezone.localtime(meeting.starts_at), "l j F Y, H:i")


def _cover(paper: Paper, meeting: Meeting, what: str) -> None:
    lines = [clean(meeting.title or meeting.get_kind_display()), _when(meeting)]
    if meeting.location:
        lines.append(clean(meeting.location))
    lines.append(f"Status: {meeting.get_status_display()}")
    paper.add(Cover(clean(f"{meeting.commission}: {what}"), lines))


def _filename(meeting: Meeting, what: str) -> str:
    day = f"-{timezone.localtime(meeting.starts_at):%Y-%m-%d}" if meeting.starts_at else ""
    return f"{what}-{slugify(meeting.commission.name)[:60]}{day}"


def _items(user, meeting: Meeting):
    paragraphs = _visible(Paragraph.objects.all(), user).order_by("position", "pk")
    items = _visible(AgendaItem.objects.filter(meeting=meeting), user).order_by("position", "pk")
    return list(items.prefetch_related(Prefetch("paragraphs", queryset=paragraphs)))


def _decision_rows(user, meeting: Meeting) -> list[list[str]]:
    decisions = _visible(Decision.objects.filter(meeting=meeting).select_related("item"), user)
    return [[str(d.number), str(d.item) if d.item else "", d.text, d.get_outcome_display()] for d in decisions]


def _action_rows(actions) -> list[list[str]]:
    today = timezone.localdate()
    return [
        [
            a.reference or (a.paragraph.number if a.paragraph else ""),
            a.description,
            a.owner,
            date_format(a.due, "j F Y") if a.due else "",
            # As the pages tag it: an open action past its due date is overdue.
            f"{a.get_status_display()}, overdue" if a.is_open and a.due and a.due < today else a.get_status_display(),
        ]
        for a in actions
    ]


ACTION_HEADER = ["Paragraph", "Action", "Owner", "Due", "Status"]
ACTION_WIDTHS = [1.7, 4.6, 2.4, 1.6, 1.4]  # wide enough for "Paragraph" on one line


def minutes(user, meeting: Meeting) -> Paper:
    # Minutes not yet published say so on their cover, so that a printed or forwarded copy is not taken
    # for the approved record.
    what = "minutes" if meeting.status == Meeting.Status.PUBLISHED else "draft minutes, not yet published"
    paper = Paper(title=f"Minutes: {meeting}", filename=_filename(meeting, "minutes"))
    _cover(paper, meeting, what)

    paper.heading("Attendance")
    attendance = _visible(Attendance.objects.filter(meeting=meeting).select_related("member"), user)
    rows = [[printing.attendee(a), a.get_status_display()] for a in attendance]
    if rows:
        paper.table("Attendance", ["Member or position", "Attendance"], rows, widths=[4, 1.5])
    else:
        paper.paragraph("No attendance has been recorded.")

    paper.heading("Minutes")
    items = _items(user, meeting)
    questions = list(_visible(WorkshopQuestion.objects.filter(meeting=meeting), user))
    if not items and not questions:
        paper.paragraph("No minutes have been recorded.")
    for item in items:
        paper.heading(str(item), 2)
        for paragraph in item.paragraphs.all():
            paper.paragraph(f"{paragraph.number}  {paragraph.text}")
    # A workshop's record is its questions, with the key points drawn out and what was said.
    for question in questions:
        paper.heading(f"Question {question.number}. {question.question}", 2)
        if question.key_points:
            paper.heading("Key points", 3)
            paper.paragraph(question.key_points)
        if question.contributions:
            paper.heading("Contributions", 3)
            paper.paragraph(question.contributions)

    paper.heading("Decisions")
    decisions = _decision_rows(user, meeting)
    if decisions:
        paper.table("Decisions", ["No.", "Agenda item", "Decision", "Outcome"], decisions, widths=[0.6, 2.5, 5, 1.6])
    else:
        paper.paragraph("No decisions have been recorded.")

    paper.heading("Actions arising")
    actions = _visible(Action.objects.filter(meeting=meeting).select_related("paragraph"), user).order_by("pk")
    rows = _action_rows(actions)
    if rows:
        paper.table("Actions arising", ACTION_HEADER, rows, widths=ACTION_WIDTHS)
    else:
        paper.paragraph("No actions arose.")
    return paper


def _agenda_row(row: agenda_services.AgendaRow) -> list[str]:
    """An item of the agenda: a sub-item set in under its item, and each paper with its file's kind and size."""
    title = clean(row.item.title)
    papers = [
        f"{clean(p.title)} ({agenda_services.kind_name(p)}, {filesizeformat(p.size)})".replace("\xa0", " ")
        for p in row.papers
    ]
    # An em space, which neither Word nor the PDF's HTML collapses.
    shown = f"\u2003{title}" if row.is_sub_item else title
    return [row.item.number, shown, clean(row.item.presenter), "\n".join(papers)]


def agenda_pack(user, meeting: Meeting) -> Paper:
    paper = Paper(title=f"Agenda pack: {meeting}", filename=_filename(meeting, "agenda-pack"))
    _cover(paper, meeting, "agenda pack")
    commission = meeting.commission

    paper.heading("Members")
    members = _visible(Member.objects.filter(commission=commission), user)
    rows = [
        [m.get_position_display(), m.role_title, m.organisation, m.person_name]
        for m in members
        if not m.ends or not meeting.starts_at or m.ends >= timezone.localtime(meeting.starts_at).date()
    ]
    if rows:
        paper.table("Members", ["Position", "Role", "Organisation", "Name"], rows, widths=[2, 3, 3, 2])
    else:
        paper.paragraph("No members are recorded.")

    paper.heading("Agenda")
    if meeting.agenda_published_at:
        paper.paragraph(f"Sent on {date_format(timezone.localtime(meeting.agenda_published_at), 'j F Y')}.")
    rows = agenda_services.outline(user, meeting)
    if rows:
        paper.table(
            "Agenda",
            ["Item", "Title", "Presented by", "Papers"],
            [_agenda_row(row) for row in rows],
            widths=[1, 5, 2.5, 3.5],
        )
    else:
        paper.paragraph("No agenda items are recorded yet.")

    decisions = _decision_rows(user, meeting)
    if decisions:
        paper.heading("Decisions to be put to the meeting")
        paper.table("Decisions", ["No.", "Agenda item", "Decision", "Outcome"], decisions, widths=[0.6, 2.5, 5, 1.6])

    paper.heading("Matters arising")
    arising = _visible(services.matters_arising(meeting), user).order_by("due", "pk") if meeting.starts_at else []
    rows = _action_rows(arising)
    if rows:
        paper.paragraph("The commission's actions still open from earlier meetings.")
        paper.table("Matters arising", ACTION_HEADER, rows, widths=ACTION_WIDTHS)
    else:
        paper.paragraph("No actions are open from earlier meetings.")

    questions = list(_visible(WorkshopQuestion.objects.filter(meeting=meeting), user))
    if questions:
        paper.heading("Workshop questions")
        for question in questions:
            paper.paragraph(f"{question.number}. {question.question}")
    return paper
