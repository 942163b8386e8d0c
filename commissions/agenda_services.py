"""The agenda before the meeting: its numbered items, their papers, and its sending.

Numbers are the agenda's own, set after every addition, move and removal:
top-level items count up from the number the agenda starts at, sub-items are
their item's number and their place under it (12.1, 12.2). The agenda keeps
the number it started at before the change, which is the lowest whole number
among its top-level items (1 for a new agenda). Minutes pasted before the
agenda was written (``services.save_minutes``) number their items themselves,
often carrying on from the last meeting's (12, 13, 14 ...): an agenda built on
them goes on from 12, and removing item 12 leaves 12, 13 rather than 13, 14.
Only items whose number changes are saved, and only their paragraphs are
renumbered (``services.renumber``), so minutes whose items keep their numbers
keep their paragraphs' numbers as pasted.

An item's ``position`` is its place in the whole agenda read from the top
(each item followed by its sub-items), so every list ordered by position
reads as the agenda does. Items nest two levels deep: an item and its
sub-items.

Papers are files kept as the workbooks are (``stocktake.uploads``): under
``MEDIA_ROOT/agenda-papers/`` with a random name the server chose
(``AgendaPaper.stored_name``), never the name the browser sent, after their
type has been checked by their name's ending and by their content. A paper's
file is deleted once the deletion of its row is committed, however the row
goes (the page, the item's removal, the admin).

Every write is checked by the tenant rule and takes the meeting's row lock
first, so that two people changing one agenda at once are done one after the
other. An approved or published meeting's agenda and papers are part of its
record: ``atf.access.frozen`` refuses them to every door, and these services
say so in words (``AgendaLocked``).
"""

from __future__ import annotations

import re
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from atf import access, limits, uploadhandler
from atf.text import normalise

from .models import Action, AgendaItem, AgendaPaper, Decision, Meeting, Paragraph
from .services import locked_message as services_locked_message
from .services import renumber, require_change

PAPERS_DIRECTORY = "agenda-papers"
# Items nest this deep at most: an item (1) and its sub-items (2).
MAX_DEPTH = 2

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, Excel 97-2003, PowerPoint 97-2003
TEXT = None  # plain text: no signature, but no NUL bytes either


@dataclass(frozen=True)
class PaperType:
    content_type: str
    signature: bytes | None
    # For a zip: a part every such file holds (Office Open XML), or its ``mimetype`` (OpenDocument).
    part: str = ""
    mimetype: str = ""


OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
# The papers taken, by their name's ending; each is served with this content type, never the browser's.
PAPER_TYPES = {
    ".pdf": PaperType("application/pdf", b"%PDF-"),
    ".docx": PaperType(OOXML + "wordprocessingml.document", ZIP, part="word/"),
    ".xlsx": PaperType(OOXML + "spreadsheetml.sheet", ZIP, part="xl/"),
    ".pptx": PaperType(OOXML + "presentationml.presentation", ZIP, part="ppt/"),
    ".odt": PaperType(ODF + "text", ZIP, mimetype=ODF + "text"),
    ".ods": PaperType(ODF + "spreadsheet", ZIP, mimetype=ODF + "spreadsheet"),
    ".odp": PaperType(ODF + "presentation", ZIP, mimetype=ODF + "presentation"),
    ".doc": PaperType("application/msword", OLE),
    ".xls": PaperType("application/vnd.ms-excel", OLE),
    ".ppt": PaperType("application/vnd.ms-powerpoint", OLE),
    ".txt": PaperType("text/plain", TEXT),
    ".csv": PaperType("text/csv", TEXT),
}
ACCEPTED = ", ".join(PAPER_TYPES)
KIND_NAMES = {
    ".pdf": "PDF",
    ".docx": "Word",
    ".doc": "Word",
    ".odt": "OpenDocument text",
    ".xlsx": "Excel",
    ".xls": "Excel",
    ".ods": "OpenDocument spreadsheet",
    ".pptx": "PowerPoint",
    ".ppt": "PowerPoint",
    ".odp": "OpenDocument presentation",
    ".txt": "text",
    ".csv": "CSV",
}
_STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}(\.[a-z]{3,4})$")
_WHOLE_NUMBER = re.compile(r"^\d{1,6}$")


class AgendaRefused(Exception):
    """A change to the agenda that is refused, with what to tell the person who asked for it."""


class AgendaLocked(AgendaRefused):
    def __init__(self, meeting: Meeting):
        super().__init__(locked_message(meeting))


class PaperRefused(AgendaRefused):
    """A paper refused: its type, its size or how many the item holds."""


locked_message = services_locked_message  # one message on every door to approved minutes


# Reading ------------------------------------------------------------------


@dataclass
class AgendaRow:
    """An item as the agenda shows it: how deep it sits, and whether it can move up or down among its siblings."""

    item: AgendaItem
    depth: int
    first: bool
    last: bool
    papers: list = field(default_factory=list)

    @property
    def is_sub_item(self) -> bool:
        return self.depth > 1


def _children_of(items) -> dict[int | None, list[AgendaItem]]:
    children: dict[int | None, list[AgendaItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.position, i.pk)):
        children[item.parent_id].append(item)
    return children


def in_order(items) -> list[AgendaRow]:
    """``items`` as the agenda reads, each after its parent, however their positions were set (the admin too).

    An item whose parent is not among ``items`` comes last, as a top-level item, rather than not at all.
    """
    children = _children_of(items)
    rows: list[AgendaRow] = []
    placed: set[int] = set()

    def visit(parent_id, depth):
        siblings = children.get(parent_id, [])
        for index, item in enumerate(siblings):
            if item.pk in placed:  # a loop made in the admin
                continue
            placed.add(item.pk)
            rows.append(AgendaRow(item, depth, first=index == 0, last=index == len(siblings) - 1))
            visit(item.pk, depth + 1)

    visit(None, 1)
    for item in sorted(items, key=lambda i: (i.position, i.pk)):
        if item.pk not in placed:
            placed.add(item.pk)
            rows.append(AgendaRow(item, 1, first=True, last=True))
    return rows


def outline(user, meeting: Meeting) -> list[AgendaRow]:
    """The meeting's agenda for ``user``: its items in order with their papers, in two queries."""
    items = access.restrict(AgendaItem.objects.filter(meeting=meeting), user, access.VIEW)
    papers = access.restrict(AgendaPaper.objects.filter(item__meeting=meeting), user, access.VIEW).order_by("pk")
    by_item = defaultdict(list)
    for paper in papers:
        by_item[paper.item_id].append(paper)
    rows = in_order(list(items))
    for row in rows:
        row.papers = by_item.get(row.item.pk, [])
    return rows


def may_edit(user, meeting: Meeting) -> bool:
    """Whether the agenda's edit controls are shown: its commission's secretariat, before the minutes are approved."""
    return not meeting.is_locked and access.can(user, access.CHANGE, meeting)


# Numbering ----------------------------------------------------------------


def _start(items) -> int:
    numbers = [int(i.number) for i in items if i.parent_id is None and _WHOLE_NUMBER.match(i.number or "")]
    return min(numbers) if numbers else 1


def _write_order(user, children: dict[int | None, list[AgendaItem]], start: int) -> None:
    """Number and place every item from ``children`` (parent id -> its items in order); renumber what moved."""
    renamed: list[AgendaItem] = []
    position = 0

    def visit(parent_id, prefix):
        nonlocal position
        for index, item in enumerate(children.get(parent_id, []), start=1):
            position += 1
            number = str(start + index - 1) if prefix is None else f"{prefix}.{index}"
            if (item.number, item.position) != (number, position):
                if item.number != number:
                    renamed.append(item)
                item.number, item.position = number, position
                item._history_user = user
                item.save(update_fields=["number", "position"])
            visit(item.pk, number)

    visit(None, None)
    for item in renamed:
        renumber(item, user)


def _lock(user, meeting: Meeting) -> Meeting:
    """The meeting's row, locked until the transaction ends; refused if it is not the user's or is locked."""
    require_change(user, meeting)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.is_locked:
        raise AgendaLocked(locked)
    return locked


def _items(meeting: Meeting) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(meeting=meeting))


def _current(item: AgendaItem, items) -> AgendaItem:
    """The item as its meeting's lock found it; refused if someone removed it meanwhile."""
    current = next((i for i in items if i.pk == item.pk), None)
    if current is None:
        raise AgendaRefused("This item has just been removed from the agenda by someone else. Nothing was changed.")
    return current


@transaction.atomic
def add_item(user, meeting: Meeting, *, title: str, presenter: str = "", parent: AgendaItem | None = None):
    """A new item at the end of the agenda, or at the end of ``parent``'s sub-items; every item renumbered."""
    meeting = _lock(user, meeting)
    items = _items(meeting)
    if len(items) >= limits.MAX_AGENDA_ITEMS:
        raise AgendaRefused(
            f"The agenda holds {len(items):,} items, the most one meeting takes. Remove an item before adding "
            "another. Nothing was saved."
        )
    if parent is not None:
        parent = next((i for i in items if i.pk == parent.pk), None)
        if parent is None:
            raise AgendaRefused("Choose an item of this meeting's agenda to put it under.")
        if parent.parent_id is not None:
            raise AgendaRefused(
                f"Item {parent.number} is itself a sub-item, and items nest two levels deep at most. Put the "
                "new item under a top-level item, or on its own. Nothing was saved."
            )
    start = _start(items)
    children = _children_of(items)
    item = AgendaItem(
        meeting=meeting,
        parent=parent,
        number="",
        position=(max((i.position for i in items), default=0) + 1),
        title=normalise(title).strip()[:500],
        presenter=normalise(presenter).strip()[:300],
    )
    item._history_user = user
    item.save()
    require_change(user, item)
    children[item.parent_id].append(item)
    _write_order(user, children, start)
    return item


@transaction.atomic
def edit_item(user, item: AgendaItem, *, title: str, presenter: str, version: int) -> AgendaItem:
    """The item's title and presenter; StaleVersion (nothing saved) if it changed since ``version``."""
    _lock(user, item.meeting)
    require_change(user, item)
    item.version = version
    item.title = normalise(title).strip()[:500]
    item.presenter = normalise(presenter).strip()[:300]
    item._history_user = user
    item.save(update_fields=["title", "presenter"])
    return item


@transaction.atomic
def move_item(user, item: AgendaItem, direction: str) -> None:
    """Swap the item with the one above (``up``) or below it among its siblings; its sub-items go with it."""
    meeting = _lock(user, item.meeting)
    require_change(user, item)
    items = _items(meeting)
    item = _current(item, items)
    children = _children_of(items)
    siblings = children[item.parent_id]
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        _write_order(user, children, _start(items))


def _with_sub_items(item: AgendaItem, items) -> list[AgendaItem]:
    children = _children_of(items)
    found, queue = [], [item]
    while queue:
        current = queue.pop()
        if current.pk in {i.pk for i in found}:
            continue
        found.append(current)
        queue.extend(children.get(current.pk, []))
    return found


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def holdings(item: AgendaItem) -> dict[str, int]:
    """What the item and its sub-items hold that removing them would lose: minutes, decisions, actions."""
    ids = [i.pk for i in _with_sub_items(item, _items(item.meeting))]
    return {
        "paragraphs": Paragraph.objects.filter(item_id__in=ids).count(),
        "decisions": Decision.objects.filter(item_id__in=ids).count(),
        "actions": Action.objects.filter(paragraph__item_id__in=ids).count(),
    }


def holdings_message(item: AgendaItem, held: dict[str, int]) -> str:
    parts = [
        _plural(held["paragraphs"], "paragraph of minutes", "paragraphs of minutes"),
        _plural(held["decisions"], "decision", "decisions"),
        _plural(held["actions"], "action", "actions"),
    ]
    what = [part for part, count in zip(parts, held.values(), strict=True) if count]
    listed = ", ".join(what[:-1]) + (" and " if len(what) > 1 else "") + what[-1]
    return (
        f"Item {item.number} (with its sub-items) holds {listed}, so it cannot be removed: they would be "
        "lost with it. Move or remove them first. Nothing was removed."
    )


@transaction.atomic
def remove_item(user, item: AgendaItem) -> None:
    """Remove an item, its sub-items and their papers, unless they hold minutes, decisions or actions."""
    meeting = _lock(user, item.meeting)
    items = _items(meeting)
    item = _current(item, items)
    removed = _with_sub_items(item, items)
    for each in removed:
        require_change(user, each)
    held = holdings(item)
    if any(held.values()):
        raise AgendaRefused(holdings_message(item, held))
    start = _start(items)
    # Papers and sub-items first, one by one, so that each deletion is in the history with its author.
    for paper in AgendaPaper.objects.filter(item__in=removed):
        paper._history_user = user
        paper.delete()
    for each in reversed(removed):
        each._history_user = user
        each.delete()
    gone = {i.pk for i in removed}
    _write_order(user, _children_of([i for i in items if i.pk not in gone]), start)


# Sending ------------------------------------------------------------------


@transaction.atomic
def send_agenda(user, meeting: Meeting) -> Meeting:
    """Record that the agenda and its papers went out (and may go on the commission's public page)."""
    meeting = _lock(user, meeting)
    if meeting.agenda_published_at is not None:
        return meeting
    if not meeting.items.exists():
        raise AgendaRefused("Add the agenda's items before sending it. Nothing was sent.")
    meeting.agenda_published_at = timezone.now()
    meeting._history_user = user
    meeting.save(update_fields=["agenda_published_at"])
    return meeting


@transaction.atomic
def withdraw_agenda(user, meeting: Meeting) -> Meeting:
    """Take back a sent agenda, while the meeting has no minutes yet."""
    meeting = _lock(user, meeting)
    if meeting.agenda_published_at is None:
        return meeting
    if meeting.status != Meeting.Status.PLANNED:
        raise AgendaRefused(
            "The meeting has minutes now, so the agenda it was sent with stays on record. Nothing was changed."
        )
    meeting.agenda_published_at = None
    meeting._history_user = user
    meeting.save(update_fields=["agenda_published_at"])
    return meeting


# Papers -------------------------------------------------------------------


def papers_directory() -> Path:
    directory = Path(settings.MEDIA_ROOT) / PAPERS_DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def paper_path(paper: AgendaPaper) -> Path | None:
    """The paper's file, or None where its stored name is not one this module could have chosen."""
    if not _STORED_NAME.match(paper.stored_name or "") or Path(paper.stored_name).suffix not in PAPER_TYPES:
        return None
    return Path(settings.MEDIA_ROOT) / PAPERS_DIRECTORY / paper.stored_name


def content_type(paper: AgendaPaper) -> str:
    return PAPER_TYPES[Path(paper.stored_name).suffix].content_type


def kind_name(paper: AgendaPaper) -> str:
    return KIND_NAMES.get(Path(paper.stored_name).suffix, "file")


def original_name(name: str, suffix: str) -> str:
    """The browser's name for the file, as a name to show and download with: no path, no control characters."""
    name = normalise(Path((name or "").replace("\\", "/")).name).replace("\n", " ").replace("\t", " ").strip()
    stem = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    stem = stem.strip(" .") or "paper"
    return f"{stem[: 255 - len(suffix)]}{suffix}"


def _refuse_type(name: str) -> PaperRefused:
    return PaperRefused(
        f"“{name}” is not a file taken as a paper. Upload a PDF, a Word, Excel or PowerPoint file, an "
        f"OpenDocument file, or a text or CSV file ({ACCEPTED}). Nothing was saved."
    )


def _refuse_content(name: str, kind: str) -> PaperRefused:
    return PaperRefused(
        f"“{name}” is named as a {kind} file but its content is not one. Save it again as a {kind} file, "
        "or check that you chose the right file. Nothing was saved."
    )


def _zip_holds(uploaded, kind: PaperType) -> bool:
    """Whether the zip is the document its name says (not any zip renamed): its parts, counted first."""
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            if len(members) > limits.MAX_ARCHIVE_MEMBERS:
                return False
            names = [m.filename for m in members]
            if kind.part:
                return "[Content_Types].xml" in names and any(n.startswith(kind.part) for n in names)
            mimetype = next((m for m in members if m.filename == "mimetype"), None)
            if mimetype is None or mimetype.file_size > 200:
                return False
            return archive.read(mimetype).decode("ascii", "replace").strip() == kind.mimetype
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return False
    finally:
        uploaded.seek(0)


def check_paper(uploaded) -> str:
    """The upload's name ending, once its size, name and content agree with a paper type; else PaperRefused."""
    if uploadhandler.refused(uploaded) or (uploaded.size or 0) > limits.MAX_PAPER_BYTES:
        raise PaperRefused(limits.paper_too_large(uploaded.name, uploaded.size or 0))
    name = Path(uploaded.name or "").name
    suffix = Path(name).suffix.lower()
    kind = PAPER_TYPES.get(suffix)
    if kind is None:
        raise _refuse_type(name)
    if not uploaded.size:
        raise PaperRefused(f"“{name}” is empty. Nothing was saved.")
    uploaded.seek(0)
    head = uploaded.read(len(kind.signature or b"")) if kind.signature else b""
    uploaded.seek(0)
    if kind.signature is not None:
        if head != kind.signature or (kind.signature == ZIP and not _zip_holds(uploaded, kind)):
            raise _refuse_content(name, KIND_NAMES[suffix])
    else:
        # A text file holds no NUL byte; a program or a document renamed .txt does.
        if any(b"\x00" in chunk for chunk in uploaded.chunks()):
            raise _refuse_content(name, KIND_NAMES[suffix])
        uploaded.seek(0)
    return suffix


def _write(uploaded, path: Path) -> int:
    size = 0
    with path.open("wb") as target:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > limits.MAX_PAPER_BYTES:
                raise PaperRefused(limits.paper_too_large(uploaded.name, size))
            target.write(chunk)
    return size


def add_paper(user, item: AgendaItem, *, title: str, uploaded) -> AgendaPaper:
    """Keep ``uploaded`` as a paper of ``item`` under a server-chosen name; its file goes if anything fails."""
    suffix = check_paper(uploaded)
    stored_name = f"{secrets.token_urlsafe(24)}{suffix}"
    path = papers_directory() / stored_name
    try:
        size = _write(uploaded, path)
        with transaction.atomic():
            _lock(user, item.meeting)
            require_change(user, item)
            held = AgendaPaper.objects.filter(item=item).count()
            if held >= limits.MAX_PAPERS_PER_ITEM:
                raise PaperRefused(
                    f"Item {item.number} has {held} papers, the most an item takes. Remove one, or put the "
                    "papers together in one file. Nothing was saved."
                )
            paper = AgendaPaper(
                item=item,
                title=normalise(title).strip()[:300],
                original_name=original_name(uploaded.name, suffix),
                stored_name=stored_name,
                content_type=PAPER_TYPES[suffix].content_type,
                size=size,
                uploaded_by=user,
            )
            paper._history_user = user
            paper.save()
            access.require_still_changeable(user, [paper])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return paper


def add_paper_unchecked(item: AgendaItem, *, title: str, uploaded) -> AgendaPaper:
    """``add_paper`` without the user's check and the per-item limit, for loading data (the demo).

    The file is checked and stored exactly as an upload is.
    """
    suffix = check_paper(uploaded)
    stored_name = f"{secrets.token_urlsafe(24)}{suffix}"
    path = papers_directory() / stored_name
    try:
        size = _write(uploaded, path)
        return AgendaPaper.objects.create(
            item=item,
            title=normalise(title).strip()[:300],
            original_name=original_name(uploaded.name, suffix),
            stored_name=stored_name,
            content_type=PAPER_TYPES[suffix].content_type,
            size=size,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


@transaction.atomic
def remove_paper(user, paper: AgendaPaper) -> None:
    """Remove a paper; its file is deleted once the removal is committed."""
    _lock(user, paper.item.meeting)
    require_change(user, paper)
    paper._history_user = user
    paper.delete()


@receiver(post_delete, sender=AgendaPaper)
def _delete_paper_file(sender, instance: AgendaPaper, **kwargs) -> None:
    """However the row goes (this module, the item's removal, the admin), its file goes once that is committed."""
    path = paper_path(instance)
    if path is not None:
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
