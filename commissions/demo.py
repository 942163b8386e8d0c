"""The commissions and boards of the seed documents, as demo data. Idempotent.

St Helens (seed 000): the commission, its supporting roles (by role, not by
name), its eight priorities linked to Marmot themes, and its meeting
pattern. Cheshire East (seed 003): the commission and its Marmot workshop of
26 November 2021 with the questions put and the key points drawn out.
Hackney (seed 001): the Health and Wellbeing Board's item 12, read by the
minutes parser from the text in ``data/``. Sefton (seed 002): the board
report to the Health and Wellbeing Board of 14 September 2022 and its two
recommendations.
"""

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from atf.models import BeaconIndicator, Theme
from atf.upsert import upsert
from boroughs.models import Place

from .minutes import parse_minutes
from .models import (
    Action,
    ActionUpdate,
    AgendaItem,
    Amendment,
    Attendance,
    Commission,
    Decision,
    Meeting,
    Member,
    Paragraph,
    Priority,
    WorkshopQuestion,
)

LONDON = ZoneInfo("Europe/London")
DATA = Path(__file__).resolve().parent / "data"

COMMISSIONS = [
    {
        "place": "st-helens",
        "slug": "st-helens-inequalities-commission",
        "name": "St Helens Inequalities Commission",
        "kind": Commission.Kind.INEQUALITIES_COMMISSION,
        "remit": (
            "To give local people a voice, ask the questions which get to the heart of the issues, learn "
            "from experts and best practice and make recommendations to the system."
        ),
        "established": date(2021, 9, 1),
        "established_by": "St Helens People's Board (the Health and Wellbeing Board and Community Safety Partnership)",
        "reports_to": "St Helens People's Board; St Helens Place Based Partnership",
        "meeting_pattern": "Six meetings a year; from December 2023, three deep-dive workshops a year.",
    },
    {
        "place": "cheshire-east",
        "slug": "cheshire-east-all-together-fairer-commission",
        "name": "Cheshire East All Together Fairer Commission",
        "kind": Commission.Kind.INEQUALITIES_COMMISSION,
        "remit": "Increasing equality in Cheshire East, focused first on Crewe; published “Living Well in Crewe”.",
        "established": None,
        "established_by": "",
        "reports_to": "",
        "meeting_pattern": "",
    },
    {
        "place": "hackney",
        "slug": "hackney-health-and-wellbeing-board",
        "name": "Hackney Health and Wellbeing Board",
        "kind": Commission.Kind.HEALTH_AND_WELLBEING_BOARD,
        "remit": "",
        "established": None,
        "established_by": "",
        "reports_to": "",
        "meeting_pattern": "",
    },
    {
        "place": "sefton",
        "slug": "sefton-health-and-wellbeing-board",
        "name": "Sefton Health and Wellbeing Board",
        "kind": Commission.Kind.HEALTH_AND_WELLBEING_BOARD,
        "remit": "",
        "established": None,
        "established_by": "",
        "reports_to": "",
        "meeting_pattern": "",
    },
]

# (position, role title, organisation, term starts, term ends): seats held by a role, not a name.
ST_HELENS_MEMBERS = [
    (Member.Position.INDEPENDENT_CHAIR, "Independent Chair", "", date(2021, 9, 1), None),
    (Member.Position.SUPPORTING_OFFICER, "Head of Integration", "St Helens Borough Council", date(2021, 9, 1), None),
    (
        Member.Position.SUPPORTING_OFFICER,
        "Director of Public Health",
        "St Helens Borough Council",
        date(2021, 9, 1),
        None,
    ),
    (
        Member.Position.INDEPENDENT_ADVISER,
        "Independent adviser (a retired Chief Executive)",
        "",
        date(2022, 4, 1),
        date(2027, 3, 31),
    ),
    (
        Member.Position.SECRETARIAT,
        "NHS St Helens Place Based team",
        "NHS Cheshire and Merseyside ICB",
        date(2021, 9, 1),
        None,
    ),
    # The commission's first chair, before the independent chair was appointed.
    (
        Member.Position.CHAIR,
        "Cabinet Member for Wellbeing",
        "St Helens Borough Council",
        date(2021, 9, 1),
        date(2022, 3, 31),
    ),
]

# The eight priorities, each with the Marmot themes it draws on.
ST_HELENS_PRIORITIES = [
    ("Best start in life, including school readiness", [1]),
    ("Improving the quality of jobs and employment", [3]),
    ("Tackling poverty and low pay", [4]),
    ("Supporting people in distress and tackling isolation", [6]),
    ("Tackling stigma and overcoming barriers", [7]),
    ("Tackling inequalities between and within and between wards and localities.", [5]),
    ("Services being focused on self-esteem and independence", [2]),
    ("Inclusive growth and St Helens pound", [3, 8]),
]

CHESHIRE_EAST_WORKSHOP = [
    (
        "What additions/exclusions should be made to the list of indicators?",
        "- Opening up the social value local employment and local procurement indicators to other Anchor "
        "Institutions, such as local authority as well as the NHS\n"
        "- Reduction in long term unemployed and reduction in disability benefits achieving work\n"
        "- Indicator on strength of the voluntary sector, currently NCVO data available but more data could be "
        "gathered within Cheshire and Merseyside\n"
        "- Possibly an indicator related to the quality of places such as those used by the Thriving Places Index\n"
        "- Access to green spaces, data collected for COVID but may not continue this needs to be checked",
    ),
    (
        "What are the key local priorities related to health inequalities in Cheshire East?",
        "- Good jobs but also enough entry level work for those without skills but importantly the capacity to "
        "build from the entry level positions\n"
        "- Availability and affordability of housing\n"
        "- Housing solutions for those with complex needs\n"
        "- Fuel poverty in both urban and rural areas\n"
        "- Rural poverty for homeowners. Households which are asset rich, cash poor, often older people\n"
        "- Ensuring a strong voice for the community and particularly ethnic minority communities.\n"
        "- Building good and better relationships with the voluntary sector",
    ),
    (
        "What actions are working to reduce health inequalities in Cheshire East? What should we be doing more of?",
        "- Social value work which is enabling communities to help themselves\n"
        "- The tartan rug is, whilst not perfect, a good piece of work and a very helpful starting point to "
        "understanding Cheshire East, but better local and hyper-local data would be beneficial\n"
        "- Building connections across sectors\n"
        "- Move away from short term interventions to long term sustained approaches",
    ),
    ("What isn't working? Do we need to stop doing anything?", ""),
]

SEFTON_RECOMMENDATIONS = [
    "The Board are asked to note the contents of the report",
    "The Board are asked to provide approval to progress discussion and bring further information back to a "
    "future meeting.",
]


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@transaction.atomic
def load_commissions() -> None:
    places = {p.slug: p for p in Place.objects.filter(slug__in=[c["place"] for c in COMMISSIONS])}
    commissions = {}
    for spec in COMMISSIONS:
        values = dict(spec, place=places[spec["place"]])
        slug = values.pop("slug")
        commissions[slug], _ = upsert(Commission, values, slug=slug)
    _st_helens(commissions["st-helens-inequalities-commission"])
    _cheshire_east(commissions["cheshire-east-all-together-fairer-commission"])
    _hackney(commissions["hackney-health-and-wellbeing-board"])
    _sefton(commissions["sefton-health-and-wellbeing-board"])


def _st_helens(commission: Commission) -> None:
    for position, role_title, organisation, starts, ends in ST_HELENS_MEMBERS:
        upsert(
            Member,
            {"position": position, "organisation": organisation, "starts": starts, "ends": ends},
            commission=commission,
            role_title=role_title,
        )
    themes = {t.number: t for t in Theme.objects.filter(framework__system=commission.place.system)}
    for number, (title, theme_numbers) in enumerate(ST_HELENS_PRIORITIES, start=1):
        priority, _ = upsert(Priority, {"title": title}, commission=commission, number=number)
        priority.themes.set([themes[n] for n in theme_numbers if n in themes])
    if commission.meetings.exists():
        return
    youth = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.DEEP_DIVE,
        title="Deep dive: youth aspirations",
        starts_at=at(date(2023, 12, 13)),
        status=Meeting.Status.PUBLISHED,
        published_at=at(date(2024, 1, 10), 9),
    )
    item = AgendaItem.objects.create(
        meeting=youth, number="1", title="Raising aspirations for young people", position=1
    )
    paragraph = item.paragraphs.create(
        number="1.1",
        position=1,
        text="The commission heard the findings of the youth engagement project commissioned via VIBE UK "
        "(“Raising Aspirations for Young People in St Helens”, completed summer 2023).",
    )
    Action.objects.create(
        commission=commission,
        meeting=youth,
        paragraph=paragraph,
        reference="1.1",
        description="Bring the youth engagement findings to the People's Board with proposed next steps.",
        owner="Head of Integration",
        due=date(2024, 3, 31),
        priority=commission.priorities.get(number=7),
        theme=themes.get(2),
    )
    _st_helens_cycle(commission, themes)
    Meeting.objects.create(commission=commission, title="Regular meeting", starts_at=at(date(2027, 3, 17)))


def _items(meeting: Meeting, items) -> dict[str, AgendaItem]:
    """Agenda items from (number, title, presenter, paragraphs) with sub-items numbered like "3.1"."""
    made = {}
    for position, (number, title, presenter, paragraphs) in enumerate(items, start=1):
        parent = made.get(number.rsplit(".", 1)[0]) if "." in number else None
        item = AgendaItem.objects.create(
            meeting=meeting, parent=parent, number=number, title=title, presenter=presenter, position=position
        )
        for index, text in enumerate(paragraphs, start=1):
            item.paragraphs.create(number=f"{number}.{index}", position=index, text=text)
        made[number] = item
    return made


def _pdf(title: str, lines: list[str]) -> bytes | None:
    """The paper as a PDF, or None where WeasyPrint's libraries (Pango) are not installed: then it is a Word file."""
    import logging

    from django.utils.html import escape

    for name in ("weasyprint", "weasyprint.progress"):  # its progress, step by step (from its import on)
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return None
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return HTML(string=f"<h1>{escape(title)}</h1>{body}").write_pdf()


def _paper(item: AgendaItem, title: str, filename: str, lines: list[str]) -> None:
    """A paper for the item, made as its author would send it: a Word document, or a PDF of the same text."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from docx import Document

    from .agenda_services import add_paper_unchecked

    content = _pdf(title, lines) if filename.endswith(".pdf") else None
    if content is None:
        filename = filename.removesuffix(".pdf").removesuffix(".docx") + ".docx"
        document = Document()
        document.add_heading(title, level=1)
        for line in lines:
            document.add_paragraph(line)
        buffer = BytesIO()
        document.save(buffer)
        content = buffer.getvalue()
    add_paper_unchecked(item, title=title, uploaded=SimpleUploadedFile(filename, content))


def _attendance(meeting: Meeting, members: dict[str, Member], rows) -> None:
    for who, status in rows:
        member = members.get(who)
        Attendance.objects.create(meeting=meeting, member=member, name_or_position="" if member else who, status=status)


def _st_helens_cycle(commission: Commission, themes: dict[int, Theme]) -> None:
    """The commission's cycle as it stands on a working day: September's minutes approved at November's
    meeting and published (one paragraph since amended), November's draft circulated for comment, and
    January's agenda being planned, not yet sent."""
    members = {m.role_title: m for m in commission.members.all()}
    present, apologies, attending = (
        Attendance.Status.PRESENT,
        Attendance.Status.APOLOGIES,
        Attendance.Status.IN_ATTENDANCE,
    )
    september = Meeting.objects.create(
        commission=commission,
        title="Regular meeting",
        starts_at=at(date(2026, 9, 16)),
        location="St Helens Town Hall, Victoria Square",
        agenda_published_at=at(date(2026, 9, 8), 9),
    )
    items = _items(
        september,
        [
            ("1", "Welcome, apologies and declarations of interest", "Independent Chair", []),
            (
                "2",
                "Child poverty: the cost of the school day",
                "Director of Public Health",
                [
                    "The Director of Public Health introduced the report on the cost of the school day, drawing on "
                    "the conversations held with families in Parr and Four Acre over the summer.",
                    "Members noted that uniform, trips and food at school were the costs families raised most "
                    "often, and that take-up of free school meals was below eligibility in three wards.",
                    "The Independent adviser asked how schools would be supported to adopt the pledge without "
                    "adding to their own costs.",
                ],
            ),
            (
                "2.1",
                "Free school meals auto-enrolment",
                "Head of Integration",
                [
                    "The Head of Integration described the auto-enrolment pilot run with the revenues and benefits "
                    "service, which identified 412 children eligible but not registered.",
                ],
            ),
            ("3", "Any other business", "Independent Chair", []),
        ],
    )
    _paper(
        items["2"],
        "The cost of the school day in St Helens: report of the Director of Public Health",
        "Cost of the school day report.pdf",
        [
            "Families in Parr and Four Acre told us that uniform, trips and food at school cost them most.",
            "Recommendation: that the Commission endorses the Cost of the School Day pledge.",
        ],
    )
    _attendance(
        september,
        members,
        [
            ("Independent Chair", present),
            ("Director of Public Health", present),
            ("Independent adviser (a retired Chief Executive)", present),
            ("Head of Integration", apologies),
            ("Healthwatch St Helens", attending),
        ],
    )
    Decision.objects.create(
        meeting=september,
        item=items["2"],
        number=1,
        text="The Commission is asked to endorse the Cost of the School Day pledge and recommend it to the "
        "People's Board.",
        outcome=Decision.Outcome.AGREED,
    )
    Decision.objects.create(
        meeting=september,
        item=items["2.1"],
        number=2,
        text="The Commission is asked to support extending auto-enrolment for free school meals to every school "
        "in the borough.",
        outcome=Decision.Outcome.AMENDED,
    )
    pledge = Action.objects.create(
        commission=commission,
        meeting=september,
        paragraph=items["2"].paragraphs.get(number="2.3"),
        reference="2.3",
        description="Write to every head teacher with the Cost of the School Day pledge and the support on offer.",
        owner_kind=Action.OwnerKind.MEMBER,
        owner="Director of Public Health",
        owner_member=members.get("Director of Public Health"),
        due=date(2026, 11, 30),
        status=Action.Status.IN_PROGRESS,
        priority=commission.priorities.get(number=3),
        theme=themes.get(4),
        recommendation=themes[4].recommendations.filter(position=1).first() if 4 in themes else None,
        indicator=BeaconIndicator.objects.filter(framework__system=commission.place.system, number=15).first(),
    )
    ActionUpdate.objects.create(
        action=pledge,
        date=date(2026, 10, 14),
        text="Letter drafted with the Director of Education; goes out after half term.",
    )
    Action.objects.create(
        commission=commission,
        meeting=september,
        paragraph=items["2.1"].paragraphs.get(number="2.1.1"),
        reference="2.1.1",
        description="Report the number of children enrolled by the pilot, by ward, to the January meeting.",
        owner_kind=Action.OwnerKind.ORGANISATION,
        owner="St Helens Borough Council revenues and benefits service",
        due=date(2027, 1, 20),
        priority=commission.priorities.get(number=1),
        theme=themes.get(1),
    )
    november = Meeting.objects.create(
        commission=commission,
        title="Regular meeting",
        starts_at=at(date(2026, 11, 18)),
        location="St Helens Town Hall, Victoria Square",
        agenda_published_at=at(date(2026, 11, 10), 9),
    )
    november_items = _items(
        november,
        [
            ("1", "Welcome, apologies and declarations of interest", "Independent Chair", []),
            (
                "2",
                "Minutes of the meeting held on 16 September 2026 and matters arising",
                "Independent Chair",
                [
                    "The minutes of the meeting held on 16 September 2026 were approved as a correct record.",
                    "On the letter to head teachers (minute 2.3), the Director of Public Health reported that it "
                    "had been drafted and would go out after half term.",
                ],
            ),
            (
                "3",
                "Loneliness and social isolation: scoping the February deep dive",
                "Head of Integration",
                [
                    "The Head of Integration set out the proposed scope of the deep dive: older people living "
                    "alone, young carers, and people recently bereaved.",
                    "Members asked that the voluntary sector be invited to present, and that people with lived "
                    "experience be paid for their time.",
                ],
            ),
        ],
    )
    Decision.objects.create(
        meeting=november,
        item=november_items["2"],
        number=1,
        text="To approve the minutes of the meeting held on 16 September 2026 as a correct record.",
        outcome=Decision.Outcome.AGREED,
        approves=september,
    )
    Decision.objects.create(
        meeting=november,
        item=november_items["3"],
        number=2,
        text="The Commission is asked to agree the scope of the February deep dive.",
        outcome=Decision.Outcome.AGREED,
    )
    Action.objects.create(
        commission=commission,
        meeting=november,
        paragraph=november_items["3"].paragraphs.get(number="3.2"),
        reference="3.2",
        description="Invite St Helens CVS and two people with lived experience to present at the deep dive.",
        owner_kind=Action.OwnerKind.ORGANISATION,
        owner="St Helens CVS",
        due=date(2027, 1, 31),
        priority=commission.priorities.get(number=4),
        theme=themes.get(6),
    )
    _attendance(
        november,
        members,
        [
            ("Independent Chair", present),
            ("Head of Integration", present),
            ("Director of Public Health", apologies),
            ("Independent adviser (a retired Chief Executive)", apologies),
        ],
    )
    # The Director of Public Health's deputy came in their place: the seat, and who sat in it.
    Attendance.objects.create(
        meeting=november,
        member=members.get("Director of Public Health"),
        name_or_position="Deputy Director of Public Health",
        status=present,
    )
    # September's minutes: circulated, approved at November's meeting, published, then corrected once.
    Meeting.objects.filter(pk=september.pk).update(
        status=Meeting.Status.PUBLISHED,
        circulated_at=at(date(2026, 9, 23), 9),
        approved_at=at(date(2026, 11, 18), 12),
        approved_at_meeting=november,
        published_at=at(date(2026, 11, 19), 9),
    )
    corrected = Paragraph.objects.get(item=items["2"], number="2.2")
    previous = corrected.text
    corrected.text = previous.replace("in three wards", "in four wards")
    corrected.save(update_fields=["text"])
    Amendment.objects.create(
        paragraph=corrected,
        previous_text=previous,
        text=corrected.text,
        reason="The number of wards corrected from the free school meals data after publication.",
    )
    Meeting.objects.filter(pk=november.pk).update(
        status=Meeting.Status.CIRCULATED, circulated_at=at(date(2026, 11, 25), 9)
    )
    january = Meeting.objects.create(
        commission=commission,
        title="Regular meeting",
        starts_at=at(date(2027, 1, 20)),
        location="St Helens Town Hall, Victoria Square",
    )
    _items(
        january,
        [
            ("1", "Welcome, apologies and declarations of interest", "Independent Chair", []),
            ("2", "Minutes of the meeting held on 18 November 2026 and matters arising", "Independent Chair", []),
            ("3", "Inclusive growth and the St Helens pound", "Head of Integration", []),
            ("3.1", "Social value in the council's contracts", "Head of Integration", []),
            ("3.2", "Free school meals auto-enrolment: enrolment by ward", "Director of Public Health", []),
            ("4", "Any other business", "Independent Chair", []),
        ],
    )
    january_items = {item.number: item for item in january.items.all()}
    _paper(
        january_items["3.1"],
        "Social value in the council's contracts: briefing",
        "Social value briefing.docx",
        [
            "The council let 212 contracts over £100,000 in 2025-26; 61 of them weighted social value at 10% or more.",
            "The briefing sets out what a weighting of at least 10% in every such contract would mean for local "
            "employment and apprenticeships.",
        ],
    )
    Decision.objects.create(
        meeting=january,
        item=january_items["3.1"],
        number=1,
        text="The Commission is asked to recommend a social value weighting of at least 10% in the council's "
        "contracts over £100,000.",
    )
    deep_dive = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.DEEP_DIVE,
        title="Deep dive: loneliness and social isolation",
        starts_at=at(date(2027, 2, 17)),
        location="The World of Glass, St Helens",
    )
    for number, question in enumerate(
        (
            "Who in St Helens is most at risk of loneliness, and how do we know?",
            "What already works to bring people together, and what should we do more of?",
        ),
        start=1,
    ):
        WorkshopQuestion.objects.create(meeting=deep_dive, number=number, question=question)


def _cheshire_east(commission: Commission) -> None:
    if commission.meetings.exists():
        return
    workshop = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.DEEP_DIVE,
        title="Marmot workshop",
        starts_at=at(date(2021, 11, 26), 9),
        status=Meeting.Status.PUBLISHED,
        published_at=at(date(2021, 12, 10), 9),
    )
    for number, (question, key_points) in enumerate(CHESHIRE_EAST_WORKSHOP, start=1):
        WorkshopQuestion.objects.create(meeting=workshop, number=number, question=question, key_points=key_points)
    # A draft of Cheshire East's own, which no other commission's secretariat may see.
    draft = Meeting.objects.create(
        commission=commission,
        title="Commission meeting",
        starts_at=at(date(2026, 11, 24), 14),
        location="Crewe Lifestyle Centre",
        status=Meeting.Status.DRAFT,
    )
    item = AgendaItem.objects.create(meeting=draft, number="1", title="Living Well in Crewe: one year on", position=1)
    paragraph = item.paragraphs.create(
        number="1.1",
        position=1,
        text="Draft, not yet agreed: the Crewe Youth Zone's funding gap for 2027-28 was discussed in confidence.",
    )
    Action.objects.create(
        commission=commission,
        meeting=draft,
        paragraph=paragraph,
        reference="1.1",
        description="Draft: bring the Youth Zone funding options to the next meeting.",
        owner="Director of Public Health",
        due=date(2027, 1, 26),
    )


def _hackney(commission: Commission) -> None:
    if commission.meetings.exists():
        return
    from .services import save_minutes_unchecked

    meeting = Meeting.objects.create(
        commission=commission, kind=Meeting.Kind.BOARD, title="Health and Wellbeing Board", status=Meeting.Status.DRAFT
    )
    save_minutes_unchecked(meeting, parse_minutes((DATA / "hackney_hwb_item_12.txt").read_text()))
    meeting.status = Meeting.Status.PUBLISHED
    meeting.save(update_fields=["status"])


def _sefton(commission: Commission) -> None:
    if commission.meetings.exists():
        return
    meeting = Meeting.objects.create(
        commission=commission,
        kind=Meeting.Kind.BOARD,
        title="Health and Wellbeing Board",
        starts_at=at(date(2022, 9, 14)),
        status=Meeting.Status.PUBLISHED,
        published_at=at(date(2022, 9, 28), 9),
    )
    item = AgendaItem.objects.create(
        meeting=meeting, number="1", title="Cities Inequalities Project (report of the Director of Public Health)"
    )
    for number, text in enumerate(SEFTON_RECOMMENDATIONS, start=1):
        Decision.objects.create(meeting=meeting, item=item, number=number, text=text)
