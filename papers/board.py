"""The ICS's progress board paper for a stocktake round, built like the paper of December 2023 (seed 004).

A cover; a summary (returns received, accepted and overdue; coverage by
theme; themes and recommendations with no activity; what changed since the
previous round); Appendix A, the stocktake table in the ICS's own layout (the
workbook's Themes sheet: ``stocktake.exporter``); and, where values have been
published, the beacon indicator table (the tartan rug's latest values against
England: ``indicators.rug``).

Each number comes from the function the pages use: coverage from
``stocktake.coverage``, returns and deadlines from ``stocktake.rounds``,
comparisons from ``indicators.rug`` and ``indicators.monitoring``. Every
query is scoped to the reader (``atf.access``), and the paper holds only the
published entries (``access.published_entries``): the returns boroughs have
sent in and the activity above borough level, never a borough's drafts,
although its reviewer may read those on the pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from atf import access
from boroughs.models import Place
from indicators.monitoring import _phrase as against_england_in_words
from indicators.rug import build_rug
from stocktake import coverage, layout, rounds
from stocktake.defaults import row_texts
from stocktake.exporter import cell_texts, level_columns
from stocktake.models import Return, Round, Row

from .document import Cover, Paper, Section, clean


@dataclass
class ReturnCounts:
    boroughs: int
    received: int  # submitted or accepted
    accepted: int
    awaiting_review: int
    returned: int
    not_sent: int
    overdue: list[str]  # the boroughs' names


def return_counts(round_: Round, today=None) -> ReturnCounts:
    today = today or timezone.localdate()
    lines = rounds.borough_returns(round_)
    statuses = Counter(line.status for line in lines)
    return ReturnCounts(
        boroughs=len(lines),
        received=statuses[Return.Status.SUBMITTED] + statuses[Return.Status.ACCEPTED],
        accepted=statuses[Return.Status.ACCEPTED],
        awaiting_review=statuses[Return.Status.SUBMITTED],
        returned=statuses[Return.Status.RETURNED],
        not_sent=statuses[Return.Status.DRAFT],
        # As the management page counts a deadline down: only a return still for the borough to send is late.
        overdue=[line.place.name for line in lines if line.waiting and line.due and line.due < today],
    )


def previous_round(user, round_: Round) -> Round | None:
    """The round of the same system before this one, among those the reader may see."""
    earlier = Round.objects.filter(framework__system=round_.framework.system_id).exclude(pk=round_.pk)
    if round_.period_start:
        earlier = earlier.filter(Q(period_start__lt=round_.period_start) | Q(period_start=None, pk__lt=round_.pk))
    else:
        earlier = earlier.filter(pk__lt=round_.pk)
    visible = access.restrict(earlier.select_related("framework"), user, access.VIEW)
    return visible.order_by("-period_start", "-pk").first()


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _when(round_: Round) -> str:
    if round_.period_start and round_.period_end:
        return f"{date_format(round_.period_start, 'F Y')} to {date_format(round_.period_end, 'F Y')}"
    return ""


def filename_for(round_: Round) -> str:
    return f"board-paper-{round_.slug}"


def board_paper(user, round_: Round, today=None) -> Paper:
    today = today or timezone.localdate()
    framework = round_.framework
    paper = Paper(title=f"{round_.title or round_.name}: progress report", filename=filename_for(round_))
    system = framework.system
    cover_lines = [clean(system.name), clean(round_.name)]
    if _when(round_):
        cover_lines.append(f"Period: {_when(round_)}")
    cover_lines.append(f"Round {round_.get_status_display().lower()}; paper produced {date_format(today, 'j F Y')}")
    paper.add(Cover(clean(paper.title), cover_lines))

    counts = return_counts(round_, today)
    places, theme_rows = coverage.grid(user, round_, "themes", published_only=True)
    _, recommendation_rows = coverage.grid(user, round_, "recommendations", published_only=True)
    texts = cell_texts(round_, user, published_only=True)
    columns = level_columns(round_)
    themes = list(framework.themes.prefetch_related("recommendations", "indicators"))
    system_recommendations = list(framework.system_recommendations.all())
    stored_rows = {(r.theme_id, r.system_recommendation_id): r for r in Row.objects.filter(round=round_)}

    paper.heading("Summary")
    paper.paragraph(
        f"This paper reports the {round_.name} stocktake of activity against the {len(themes)} Marmot themes and "
        f"{len(system_recommendations)} system recommendations of {framework}, at ICS, sub-region, combined "
        "authority and borough level. The stocktake table is at Appendix A"
        + (" and the beacon indicators' latest values at Appendix B." if framework.indicators.exists() else ".")
    )
    paper.paragraph(
        "It holds the returns boroughs have sent in (submitted or accepted) and the activity recorded above "
        "borough level. A borough's entries that are still in draft are not in it."
    )

    paper.heading("Returns", 2)
    paper.bullets(
        [
            f"Returns received: {counts.received} of {counts.boroughs} boroughs",
            f"Accepted by the ICS: {counts.accepted}",
            f"Submitted, awaiting review: {counts.awaiting_review}",
            f"Returned to the borough for changes: {counts.returned}",
            f"Not yet sent: {counts.not_sent}",
            f"Overdue: {len(counts.overdue)}" + (f" ({', '.join(counts.overdue)})" if counts.overdue else ""),
        ]
    )

    paper.heading("Coverage by theme", 2)
    paper.paragraph(
        "Entries at borough level under each theme and system recommendation, and how many boroughs have any."
    )
    paper.table(
        "Coverage by theme and system recommendation",
        ["Theme or system recommendation", "Borough entries", "Boroughs with entries"],
        [
            [f"{row.code}. {row.label}", str(row.total), f"{sum(1 for c in row.cells if c.count)} of {len(places)}"]
            for row in theme_rows
        ],
        widths=[6, 2, 2],
    )

    paper.heading("Themes and recommendations with no activity", 2)
    sections = [(t, (t.pk, None), f"{t.number}. {t.title}") for t in themes] + [
        (s, (None, s.pk), f"S{s.number}. {s.title}") for s in system_recommendations
    ]
    keys_with_text = {(theme_id, system_id) for (theme_id, system_id, _), text in texts.items() if text.strip()}
    silent = [label for _, key, label in sections if key not in keys_with_text]
    if silent:
        paper.paragraph("No activity recorded at any level under:")
        paper.bullets(silent)
    else:
        paper.paragraph("Every theme and system recommendation has activity recorded at one level or another.")
    unlinked = [f"{row.code} {row.label}" for row in recommendation_rows if row.total == 0]
    if recommendation_rows and len(unlinked) == len(recommendation_rows):
        # A round read from the ICS's workbook links no entry to a recommendation: listing all of them says nothing.
        paper.paragraph(
            "No borough entry of this round is linked to a recommendation of the themes (links are made on the "
            "entry form), so which recommendations have no activity cannot be told from it."
        )
    elif unlinked:
        paper.paragraph(f"{_plural(len(unlinked), 'recommendation')} of the themes with no borough entry linked to it:")
        paper.bullets(unlinked)
    elif recommendation_rows:
        paper.paragraph("Every recommendation of the themes has at least one borough entry linked to it.")

    _what_changed(paper, user, round_, theme_rows, counts, today)

    # Appendix A: the stocktake table, as the workbook's Themes sheet lays it out.
    paper.add(Section(landscape=True))
    paper.heading(f"Appendix A: {round_.title or round_.name}")
    borough_header = layout.BOROUGH_HEADER_FOR_BLOCK
    widths = [3, 2] + [2] * len(columns) + [4]
    paper.table(
        "Marmot themes",
        [layout.THEMES_HEADER, layout.INDICATORS_HEADER]
        + [p.stocktake_heading for p in columns]
        + [borough_header[layout.THEMES_HEADER]],
        [_stocktake_row(stored_rows, texts, columns, t, (t.pk, None)) for t in themes],
        widths=widths,
    )
    paper.table(
        "Marmot system recommendations",
        [layout.SYSTEM_HEADER, layout.INDICATORS_HEADER]
        + [p.stocktake_heading for p in columns]
        + [borough_header[layout.SYSTEM_HEADER]],
        [_stocktake_row(stored_rows, texts, columns, s, (None, s.pk)) for s in system_recommendations],
        widths=widths,
    )

    _indicator_table(paper, user, round_)
    return paper


def _stocktake_row(stored_rows, texts, columns, section, key) -> list[str]:
    heading, indicators = row_texts(stored_rows.get(key), section)
    theme_id, system_id = key
    return (
        [heading, indicators]
        + [texts.get((theme_id, system_id, p.pk), "") for p in columns]
        + [texts.get((theme_id, system_id, None), "")]
    )


def _what_changed(paper: Paper, user, round_: Round, theme_rows, counts: ReturnCounts, today) -> None:
    paper.heading("What changed since the previous round", 2)
    previous = previous_round(user, round_)
    if previous is None:
        paper.paragraph("This is the first stocktake round: there is no earlier round to compare it with.")
        return
    _, earlier_rows = coverage.grid(user, previous, "themes", published_only=True)
    earlier = {row.code: row for row in earlier_rows}
    before = return_counts(previous, today)
    now_total, then_total = sum(r.total for r in theme_rows), sum(r.total for r in earlier_rows)
    paper.paragraph(
        f"Compared with {previous.name}: {_plural(now_total, 'borough entry', 'borough entries')} now against "
        f"{then_total} then; {counts.received} returns received now against {before.received} then."
    )
    if round_.status == Round.Status.OPEN:
        # A live round is compared part-way: say so, so that "fewer" is not read as less activity.
        paper.paragraph(
            f"{round_.name} is still open: it counts only the returns sent in so far "
            f"({counts.received} of {counts.boroughs}), so its figures will rise as the others come in."
        )
    rows, gained, lost = [], [], []
    for row in theme_rows:
        then = earlier.get(row.code)
        then_count = then.total if then else 0
        rows.append(
            [
                f"{row.code}. {row.label}",
                str(then_count) if then else "Not in that round",
                str(row.total),
                _change(row.total - then_count) if then else "",
            ]
        )
        if then is not None and then_count == 0 and row.total:
            gained.append(f"{row.code}. {row.label}")
        if then is not None and then_count and not row.total:
            lost.append(f"{row.code}. {row.label}")
    paper.table(
        f"Borough entries by theme: {previous.name} and {round_.name}",
        ["Theme or system recommendation", previous.name, round_.name, "Change"],
        rows,
        widths=[6, 2, 2, 2],
    )
    if gained:
        paper.paragraph("Now with borough activity, where the previous round had none:")
        paper.bullets(gained)
    if lost:
        paper.paragraph("With borough activity in the previous round and none yet in this one:")
        paper.bullets(lost)


def _change(difference: int) -> str:
    if difference > 0:
        return f"{difference} more"
    if difference < 0:
        return f"{-difference} fewer"
    return "No change"


def _indicator_table(paper: Paper, user, round_: Round) -> None:
    """The beacon indicators' latest values at ICS level against England, where any are published."""
    framework = round_.framework
    rug = build_rug(user, framework, overlay=False)
    ics = Place.objects.filter(system=framework.system_id, kind=Place.Kind.ICS).first()
    ics_index = next(
        (i for i, column in enumerate(rug.columns) if not column.comparator and ics and column.name == ics.name), None
    )
    england_index = next((i for i, column in enumerate(rug.columns) if column.comparator), None)
    borough_indexes = [i for i, column in enumerate(rug.columns) if not column.comparator and i != ics_index]
    rows = []
    for series in rug.series:
        if not any(cell.shown_value for cell in series.cells):
            continue
        indicator = series.indicator
        theme = f"{indicator.theme.number}. {indicator.theme.title}" if indicator.theme else indicator.group
        # A series' sex or age, unless the indicator's name already ends with it ("Life expectancy, Female, Male").
        named = series.label and not indicator.name.rstrip(" *").endswith(series.label)
        label = f"{indicator.number}. {indicator.name}" + (f" ({series.label})" if named else "")
        unit = f" {indicator.unit}" if indicator.unit and indicator.unit != "%" else indicator.unit
        ics_cell = series.cells[ics_index] if ics_index is not None else None
        england_cell = series.cells[england_index] if england_index is not None else None
        if ics_cell is not None and ics_cell.shown_value:
            comparison = ics_cell.comparison + (" (as published)" if ics_cell.as_published else "")
            latest = f"{ics_cell.shown_value}{unit} ({series.period}): {against_england_in_words(comparison)}"
        else:
            latest = f"No value for {ics.name if ics else 'the ICS'} ({series.period})"
        if england_cell is not None and england_cell.shown_value:
            latest += f"; England {england_cell.shown_value}{unit}"
        tally = Counter(series.cells[i].comparison for i in borough_indexes if series.cells[i].shown_value)
        boroughs = ", ".join(f"{tally[word]} {word.lower()}" for word in ("Better", "Similar", "Worse") if tally[word])
        rows.append([theme, label, latest, boroughs or "Not compared"])
    if not rows:
        return
    paper.add(Section(landscape=True))
    paper.heading("Appendix B: Beacon indicators")
    paper.paragraph(
        f"Each indicator's latest published value for {ics.name if ics else 'the ICS'} against England "
        f"(95% confidence intervals, as OHID Fingertips compares them), and how many boroughs are better, similar "
        "or worse than England."
    )
    paper.table(
        "Beacon indicators: latest value against England",
        ["Theme", "Indicator", "Latest value against England", "Boroughs against England"],
        rows,
        widths=[3, 4, 4, 2],
    )


def holds(user, round_: Round) -> dict:
    """What a stored paper holds, for the jobs app to check again at each download: the round, its returns'
    statuses (for the ICS's reviewers and each borough's own lead only) and its published entries."""
    from stocktake.models import Entry

    entries = access.restrict(Entry.objects.filter(round=round_), user, access.VIEW).filter(access.published_entries())
    return {
        "stocktake.round": [round_.pk],
        "stocktake.return": sorted(Return.objects.filter(round=round_).values_list("pk", flat=True)),
        "stocktake.entry": sorted(entries.order_by().values_list("pk", flat=True)),
    }
