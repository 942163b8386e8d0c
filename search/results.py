"""The results of a search, kind by kind: what the user may read, counted up to a limit, a page at a time.

Every queryset starts from ``access.restrict(..., VIEW)``: a draft paragraph,
decision or action (its meeting not published) or a draft entry is found,
counted and listed only for those who may read it. Each kind costs the same
few queries whatever it holds: a capped count, one page of rows with what they
show selected alongside, and for actions and entries one query for what is
prefetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from math import ceil
from operator import or_

from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString

from atf import access
from commissions.models import Action, ActionUpdate, Decision, Paragraph, WorkshopQuestion
from stocktake.models import Entry

from . import highlight, query
from .filters import KIND_CHOICES, day, meeting_name


@dataclass
class Result:
    title: str
    url: str
    excerpt: SafeString
    context: list[str] = field(default_factory=list)
    # Further fields with the words marked, as (label, marked text), e.g. an action's owner.
    marked: list[tuple[str, SafeString]] = field(default_factory=list)
    tag: tuple[str, str] | None = None  # (status, label) for includes/tag.html, e.g. draft minutes


@dataclass
class Section:
    key: str
    label: str
    count: int  # at most query.MAX_COUNTED
    more: bool  # more rows match than were counted
    page: int
    pages: int
    results: list[Result]
    params: QueryDict = field(repr=False, default=None)
    left_out: str | None = None  # why the kind was not searched, where a filter chosen does not apply to it

    def _link(self, page: int) -> str:
        """This page's address with this section turned to ``page`` and the other sections left where they are."""
        params = self.params.copy()
        params[page_param(self.key)] = str(page)
        return "?" + params.urlencode()

    @property
    def previous_link(self) -> str | None:
        return self._link(self.page - 1) if self.page > 1 else None

    @property
    def next_link(self) -> str | None:
        return self._link(self.page + 1) if self.page < self.pages else None

    @property
    def count_text(self) -> str:
        if self.left_out:
            return "not searched"
        if self.more:
            return f"more than {query.MAX_COUNTED:,}"
        return f"{self.count:,}"


def page_param(key: str) -> str:
    return f"{key}_page"


def _meeting_tag(meeting):
    return None if meeting.is_published else (meeting.status, meeting.get_status_display())


# Each kind: its rows the user may read, newest first, with what a result shows. ------------------


def paragraphs(user, terms):
    rows = Paragraph.objects.select_related("item__meeting__commission").order_by(
        F("item__meeting__starts_at").desc(nulls_last=True), "item__meeting", "item__position", "position", "pk"
    )
    return access.restrict(rows, user, access.VIEW)


def paragraph_result(paragraph, terms) -> Result:
    meeting = paragraph.item.meeting
    return Result(
        title=f"Paragraph {paragraph.number}, {meeting_name(meeting)}",
        url=reverse("commissions:meeting_detail", args=[meeting.pk]) + f"#paragraph-{paragraph.pk}",
        excerpt=highlight.excerpt(paragraph.text, terms),
        context=[str(meeting.commission), f"Item {paragraph.item}"],
        tag=_meeting_tag(meeting),
    )


def decisions(user, terms):
    rows = Decision.objects.select_related("meeting__commission").order_by(
        F("meeting__starts_at").desc(nulls_last=True), "meeting", "number", "pk"
    )
    return access.restrict(rows, user, access.VIEW)


def decision_result(decision, terms) -> Result:
    meeting = decision.meeting
    # The decision's agenda item where it has one: the meeting page's nearest place to it.
    anchor = f"#item-{decision.item_id}" if decision.item_id else ""
    return Result(
        title=f"Decision {decision.number}, {meeting_name(meeting)}",
        url=reverse("commissions:meeting_detail", args=[meeting.pk]) + anchor,
        excerpt=highlight.excerpt(decision.text, terms),
        context=[str(meeting.commission), decision.get_outcome_display()],
        tag=_meeting_tag(meeting),
    )


def questions(user, terms):
    rows = WorkshopQuestion.objects.select_related("meeting__commission").order_by(
        F("meeting__starts_at").desc(nulls_last=True), "meeting", "number", "pk"
    )
    return access.restrict(rows, user, access.VIEW)


def question_result(question, terms) -> Result:
    meeting = question.meeting
    marked = [
        (label, highlight.excerpt(text, terms))
        for label, text in (("Key points", question.key_points), ("Contributions", question.contributions))
        if text and highlight.spans(text, terms)
    ]
    return Result(
        title=f"Question {question.number}, {meeting_name(meeting)}",
        url=reverse("commissions:meeting_detail", args=[meeting.pk]),
        excerpt=highlight.excerpt(question.question, terms),
        context=[str(meeting.commission)],
        marked=marked,
        tag=_meeting_tag(meeting),
    )


def actions(user, terms):
    any_term = reduce(or_, (Q(text__icontains=term) for term in terms))
    updates = access.restrict(ActionUpdate.objects.filter(any_term).order_by("-date", "-pk"), user, access.VIEW)
    rows = (
        Action.objects.select_related("commission", "meeting")
        .prefetch_related(Prefetch("updates", queryset=updates, to_attr="matching_updates"))
        .order_by(F("meeting__starts_at").desc(nulls_last=True), "-created", "pk")
    )
    return access.restrict(rows, user, access.VIEW)


def action_result(action, terms) -> Result:
    context = [str(action.commission)]
    if action.meeting:
        context.append(f"From {meeting_name(action.meeting)}")
    context.append(action.get_status_display() + (f", due {day(action.due)}" if action.due else ""))
    marked = [("Owner", highlight.mark(action.owner, terms))]
    if action.matching_updates:
        latest = action.matching_updates[0]
        marked.append((f"Update, {day(latest.date)}", highlight.excerpt(latest.text, terms)))
    return Result(
        title=f"Action {action.reference}" if action.reference else "Action",
        url=reverse("commissions:action_detail", args=[action.pk]),
        excerpt=highlight.excerpt(action.description, terms),
        context=context,
        marked=marked,
        tag=_meeting_tag(action.meeting) if action.meeting else None,
    )


def entries(user, terms):
    rows = (
        Entry.objects.select_related("round", "theme", "system_recommendation")
        .prefetch_related("places")
        .annotate(published=ExpressionWrapper(access.published_entries(), output_field=BooleanField()))
        .order_by(F("round__period_start").desc(nulls_last=True), "round", "position", "pk")
    )
    return access.restrict(rows, user, access.VIEW)


def entry_result(entry, terms) -> Result:
    places = ", ".join(place.label for place in entry.places.all()) or entry.get_level_display()
    return Result(
        title=f"{entry.round}: {entry.section}",
        url=reverse("stocktake:entry_detail", args=[entry.pk]),
        excerpt=highlight.excerpt(entry.full_text, terms),
        context=[places],
        tag=None if entry.published else ("draft", "Draft: not yet submitted"),
    )


KINDS = {
    "minutes": (paragraphs, paragraph_result),
    "decisions": (decisions, decision_result),
    "questions": (questions, question_result),
    "actions": (actions, action_result),
    "entries": (entries, entry_result),
}
LABELS = dict(KIND_CHOICES)


def sections(filterset, params) -> list[Section]:
    """One section per kind searched, each with its count and the page of rows ``params`` asks for."""
    user, terms = filterset.request.user, filterset.terms
    found = []
    for key in filterset.kinds:
        reason = filterset.left_out(key)
        if reason:
            found.append(Section(key, LABELS[key], 0, False, 1, 1, [], params, left_out=reason))
            continue
        rows_of, result = KINDS[key]
        rows = filterset.filter_queryset(rows_of(user, terms))
        found.append(_section(key, rows, params, lambda row, result=result: result(row, terms)))
    return found


def _number(asked) -> int:
    """A page number as asked for; anything else is the first page."""
    try:
        return int(asked)
    except (TypeError, ValueError):
        return 1


def _section(key, rows, params, result) -> Section:
    counted = rows[: query.MAX_COUNTED + 1].count()
    shown = min(counted, query.MAX_COUNTED)
    pages = max(1, ceil(shown / query.PER_PAGE))
    page = min(max(_number(params.get(page_param(key))), 1), pages)
    start = (page - 1) * query.PER_PAGE
    listed = [result(row) for row in rows[start : min(start + query.PER_PAGE, shown)]] if shown else []
    return Section(
        key=key,
        label=LABELS[key],
        count=shown,
        more=counted > query.MAX_COUNTED,
        page=page,
        pages=pages,
        results=listed,
        params=params,
    )
