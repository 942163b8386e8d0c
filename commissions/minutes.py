"""Minutes from text: numbered paragraphs, agenda items and actions, read from what a secretariat pastes.

The text looks like committee minutes everywhere (seed 001):

    Agenda item
    Role of Hackney Health and Wellbeing Board in Tackling Inequalities
    Minutes:
    12.1   The Head of performance and population ... introduced the report.
    12.2  The full resource pack included:
    ·  Background on drivers of inequality
      Action: The Head of Performance and Population
    12.13  The Principal Public Health Strategist stressed ...
    Supporting documents:

A line starting "N.M" begins paragraph N.M of agenda item N; the lines after
it continue that paragraph (minutes copied from Word break lines anywhere);
a line starting "Action:" is an action arising from the paragraph above,
owned by what follows the colon; written as "Action: <owner> to <what> by
<date>" (or "<owner> - <what>"), the owner is what comes before "to", the
action is what follows it, and a closing "by 31/05/2027" or "by 31 May
2027" is its due date. An "Agenda item" line opens the next
item's heading, so minutes of several items print as the seed does, one
after another. A number used twice is kept twice and
flagged. Nothing is dropped: lines that fit nowhere are returned as
``unparsed`` for the secretariat to see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

# "12.1 text" is paragraph 1 of item 12; "3.1.2 text" paragraph 2 of sub-item 3.1.
PARAGRAPH = re.compile(r"^\s*(\d+(?:\.\d+)*)\.(\d+)\s+(\S.*)$")
ITEM_HEADING = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?\s+([A-Z].{2,})$")
ACTION = re.compile(r"^\s*Actions?\s*:\s*(.*)$", re.IGNORECASE)
AGENDA_ITEM = re.compile(r"^\s*agenda item\s*:?\s*$", re.IGNORECASE)
LABELS = re.compile(r"^\s*(agenda item|minutes|supporting documents|attachments?)\s*:?\s*$", re.IGNORECASE)


@dataclass
class ParsedParagraph:
    number: str
    text: str
    duplicate: bool = False


# "Director of Public Health to circulate the figures by 31/05/2027": owner, what, when.
OWNER_TO = re.compile(r"^(?P<owner>[^.;:]{2,120}?)\s+(?:to|will)\s+(?P<what>\S.*)$")
OWNER_DASH = re.compile(r"^(?P<owner>[^.;:]{2,120}?)\s+[-\u2013\u2014]\s+(?P<what>\S.*)$")
DUE = re.compile(
    r"[\s,(]+(?:by|due|before|due by)\s+"
    r"(?P<when>\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+,?\s+\d{4})\)?\.?\s*$",
    re.IGNORECASE,
)
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")


@dataclass
class ParsedAction:
    owner: str
    description: str
    paragraph_number: str
    due: date | None = None
    said: bool = False  # the line said what is to be done; otherwise it is the paragraph's text


def _due(text: str) -> date | None:
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text.replace(",", ""), flags=re.IGNORECASE)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read_action(line: str) -> tuple[str, str | None, date | None]:
    """What follows "Action:": (owner, what is to be done or None, due date or None).

    Only an owner (seed 001's "Action: The Head of Performance and Population"): None, and the action is
    the paragraph it arises from. A date that is not a real one stays in the text, for the reader to see.
    """
    due = None
    if (closing := DUE.search(line)) and (due := _due(closing.group("when"))):
        line = line[: closing.start()].rstrip(" ,(")
    # The owner ends at the first "to" or dash: "Chair - write to the minister" is the Chair's.
    matches = [m for m in (OWNER_TO.match(line), OWNER_DASH.match(line)) if m]
    if matches:
        match = min(matches, key=lambda m: len(m.group("owner")))
        what = match.group("what").strip()
        return match.group("owner").strip(), what[:1].upper() + what[1:], due
    return line.strip(), None, due


@dataclass
class ParsedItem:
    number: str
    title: str
    paragraphs: list[ParsedParagraph] = field(default_factory=list)
    actions: list[ParsedAction] = field(default_factory=list)


@dataclass
class ParsedMinutes:
    items: list[ParsedItem] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    # Every action line read, kept or not (``parse_minutes``'s ``max_actions``).
    action_count: int = 0

    @property
    def paragraphs(self) -> list[ParsedParagraph]:
        return [p for item in self.items for p in item.paragraphs]

    @property
    def actions(self) -> list[ParsedAction]:
        return [a for item in self.items for a in item.actions]

    @property
    def duplicates(self) -> list[str]:
        return [p.number for p in self.paragraphs if p.duplicate]


def _clean(line: str) -> str:
    return line.replace("\u00a0", " ").rstrip()


def parse_minutes(text: str, *, max_actions: int | None = None) -> ParsedMinutes:
    """The minutes ``text`` read, in one pass over its lines.

    An action's description is its paragraph's text so far, so each action
    costs as much as that text: past ``max_actions`` actions are counted
    (``action_count``) but not kept, which keeps time and memory in
    proportion to the text's length whatever it holds. The minutes form
    takes at most ``atf.limits.MAX_MINUTES_CHARS`` characters and
    ``MAX_MINUTES_ACTIONS`` actions.
    """
    result = ParsedMinutes()
    pending_title: list[str] = []
    # The number of the item heading waiting for its paragraphs ("3. Inclusive growth"), when it has one.
    pending_number: str | None = None
    current_item: ParsedItem | None = None
    current: ParsedParagraph | None = None
    # Each paragraph's lines, joined once at the end (adding to a string line by line would copy it each time).
    lines: dict[int, list[str]] = {}
    seen: set[str] = set()
    trailing_label = False

    def item_for(number: str) -> ParsedItem:
        nonlocal current_item, pending_title, pending_number
        pending_number = None
        if current_item is None or current_item.number != number:
            title = " ".join(pending_title) or f"Item {number}"
            current_item = ParsedItem(number=number, title=title)
            result.items.append(current_item)
        else:
            # A heading inside the item it continues: shown, not made the item's title.
            result.unparsed.extend(pending_title)
        pending_title = []
        return current_item

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _clean(raw)
        stripped = line.strip()
        if not stripped:
            continue
        paragraph = PARAGRAPH.match(line)
        action = ACTION.match(line)
        if paragraph:
            trailing_label = False
            item = item_for(paragraph.group(1))
            number = f"{paragraph.group(1)}.{paragraph.group(2)}"
            current = ParsedParagraph(number, "", duplicate=number in seen)
            lines[id(current)] = [paragraph.group(3).strip()]
            seen.add(number)
            item.paragraphs.append(current)
        elif action and current is not None:
            owner = action.group(1).strip()
            if owner:
                result.action_count += 1
                if max_actions is None or result.action_count <= max_actions:
                    # The paragraph's text so far is the action, unless the line says what is to be done.
                    owner, what, due = read_action(owner)
                    description = what or "\n".join(lines[id(current)])
                    current_item.actions.append(
                        ParsedAction(owner, description, current.number, due, said=what is not None)
                    )
            else:
                result.unparsed.append(stripped)
        elif AGENDA_ITEM.match(line):
            # The next item's heading follows. A numbered heading with no paragraphs of its own (item 3 above
            # sub-item 3.1) is an item still; anything else waiting for a paragraph is shown, not dropped.
            if pending_number is not None and len(pending_title) == 1 and pending_number not in _item_numbers(result):
                result.items.append(ParsedItem(number=pending_number, title=pending_title[0]))
            else:
                result.unparsed.extend(pending_title)
            pending_title, pending_number = [], None
            current = None
            trailing_label = False
        elif LABELS.match(line):
            # "Supporting documents:" after the minutes ends them; labels before are headings.
            if current is not None:
                trailing_label = True
                result.unparsed.append(stripped)
        elif trailing_label:
            result.unparsed.append(stripped)
        elif current is not None:
            lines[id(current)].append(stripped)
        elif ITEM_HEADING.match(line) and not pending_title:
            heading = ITEM_HEADING.match(line)
            pending_title, pending_number = [heading.group(2).strip()], heading.group(1)
        else:
            pending_title.append(stripped)
    if pending_title:
        result.unparsed.extend(pending_title)
    for paragraph in result.paragraphs:
        paragraph.text = _join_wrapped(lines[id(paragraph)])
    return result


def _item_numbers(result: ParsedMinutes) -> set[str]:
    return {item.number for item in result.items}


def _join_wrapped(lines: list[str]) -> str:
    """Lines broken mid-sentence (as pasted from Word) joined again; bullets keep their own lines."""
    joined: list[list[str]] = []
    for line in lines:
        if joined and line[:1] not in BULLETS and joined[-1][-1][-1:] not in ".:;!?":
            joined[-1].append(line)
        else:
            joined.append([line])
    return "\n".join(" ".join(parts) for parts in joined)


BULLETS = "·•-*–"
