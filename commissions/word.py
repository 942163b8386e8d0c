"""Minutes from a Word (.docx) file: its text, as the lines ``commissions.minutes.parse_minutes`` reads.

Secretariats write minutes in Word. Where the text carries its numbers
("12.1  The Head of ..."), the document's lines are the minutes as pasted.
Where Word's numbering carries them (a multi-level list: level 1 the agenda
item, level 2 its paragraphs), the numbers are counted as Word counts them
and written in front of the text, so the preview and the saved paragraphs
are those the reader of the document sees. Headings (styles "Title",
"Heading 1", "Heading 2", or an outline level of 1 or 2) open an agenda
item; a heading after the paragraphs of an item is written under an
"Agenda item" line, as ModernGov prints minutes (seed 001), which the parser
reads as the start of the next item. A heading that names an item without
its number ("Inclusive growth", as on the meeting's agenda) is given it; a
heading typed "3.1 Title" is sub-item 3.1. Under a heading that names its
item, Word's plain "List Number" paragraphs (1., 2., 3.) are that item's
paragraphs 3.1, 3.2 ... Tables are read cell by cell, a row to
a line. A document whose numbering cannot be followed is read as its text.

A .docx is a zip of XML parts. Before python-docx parses any of it the zip
is checked as the workbooks are (``stocktake.xlsx.check_archive``): how many
parts, how far they inflate (inflated in chunks, not trusted from the zip's
own sizes), the XML parts less far than the pictures, and no XML part may declare a DTD or entities, which Word never
writes (python-docx's parser resolves no entities either; refusing them
first keeps that from mattering).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from atf import limits

from .minutes import AGENDA_ITEM

NOT_WORD = "Upload the minutes as a Word (.docx) or text (.txt) file, or paste them"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

HEADING_STYLES = {"title", "heading 1", "heading 2"}
# Word's outline levels count from 0: "Heading 1" is level 0.
HEADING_OUTLINE_LEVELS = {"0", "1"}
# Inflated in chunks this large; a DTD is looked for across chunk boundaries.
CHUNK = 1024 * 1024
DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
# Depth of a style's ``basedOn`` chain, or of a list's style link, followed at most.
MAX_STYLE_DEPTH = 20


class WordError(ValueError):
    """A file refused, with the message to show beside the file field."""


def looks_like_word(data: bytes) -> bool:
    """A zip (a .docx, or another zip refused later), or an old binary Word/Office file (refused)."""
    return data.startswith(ZIP_SIGNATURE) or data.startswith(OLE_SIGNATURE)


def minutes_text(data: bytes, agenda: dict[str, str] | None = None) -> str:
    """The minutes in the Word document ``data``, one line per paragraph, numbered as Word shows them.

    ``agenda`` (an item's title -> its number) numbers a heading that is an item's title alone.
    """
    check_archive(data)
    import docx  # python-docx: imported here, where a Word file is read, not by every page

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # a damaged or unexpected part: python-docx raises many kinds; never a 500
        raise WordError(f"The Word file could not be read ({type(exc).__name__}). {NOT_WORD}.") from exc
    return "\n".join(_Reader(document, agenda).lines())


def check_archive(data: bytes) -> None:
    """Refuse anything that is not a sane .docx zip, before any of it is parsed."""
    if not data:
        raise WordError(f"The file is empty. {NOT_WORD}.")
    if data.startswith(OLE_SIGNATURE):
        raise WordError(
            "This file is an older Word document (.doc) or a password-protected one. Open it in Word, remove any "
            "password, save it as a Word Document (.docx) and upload that, or paste the minutes."
        )
    if not data.startswith(ZIP_SIGNATURE) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise WordError(f"{NOT_WORD}.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.MAX_ARCHIVE_MEMBERS:
                raise WordError(limits.word_too_many_members(len(members)))
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
                raise WordError(f"This is not a Word document. {NOT_WORD}.")
            if sum(m.file_size for m in members) > limits.MAX_INFLATED_BYTES:
                largest = max(members, key=lambda m: m.file_size)
                raise WordError(limits.word_inflates_too_far(largest.filename))
            total = 0
            xml_total = 0
            for member in members:
                xml = member.filename.endswith((".xml", ".rels"))
                tail = b""
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        total += len(chunk)
                        if total > limits.MAX_INFLATED_BYTES:
                            raise WordError(limits.word_inflates_too_far(member.filename))
                        if xml:
                            xml_total += len(chunk)
                            if xml_total > limits.MAX_WORD_XML_BYTES:
                                raise WordError(
                                    limits.word_inflates_too_far(member.filename, limits.MAX_WORD_XML_BYTES)
                                )
                            window = tail + chunk.upper()
                            if any(d in window for d in DECLARATIONS):
                                raise WordError(
                                    f"The part “{member.filename}” declares entities, which Word never writes. "
                                    "Save the document again from Word and upload that, or paste the minutes."
                                )
                            tail = window[-len(DECLARATIONS[0]) :]
    except WordError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise WordError(
            f"The file is damaged or incomplete ({exc}). Save it again from Word and upload it again."
        ) from exc


def _val(element, tag: str) -> str | None:
    child = element.find(W + tag) if element is not None else None
    return None if child is None else child.get(W + "val")


class _Styles:
    """The document's paragraph styles, by id: names, outline levels, numbering, what each is based on."""

    def __init__(self, document):
        self.by_id = {style.get(W + "styleId"): style for style in document.styles.element.iterfind(W + "style")}

    def chain(self, style_id: str | None):
        """The style and those it is based on, nearest first (a loop or a very long chain is cut short)."""
        seen: set[str] = set()
        while style_id in self.by_id and style_id not in seen and len(seen) < MAX_STYLE_DEPTH:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            style_id = _val(style, "basedOn")

    def is_heading(self, p_pr, style_id: str | None) -> bool:
        outline = _val(p_pr, "outlineLvl")
        if outline is not None:
            return outline in HEADING_OUTLINE_LEVELS
        for style in self.chain(style_id):
            if (_val(style, "name") or "").lower() in HEADING_STYLES:
                return True
            outline = _val(style.find(W + "pPr"), "outlineLvl")
            if outline is not None:
                return outline in HEADING_OUTLINE_LEVELS
        return False


class _Numbering:
    """Word's list numbering: which paragraph gets which number, counted in document order.

    A list (``w:num``) draws its levels from an abstract definition
    (``w:abstractNum``): each level its start, its format and its text
    ("%1.%2" is the first level's count, a dot, the second's). Lists sharing
    an abstract definition continue one count, as in Word, unless one
    restarts it (``w:startOverride``). Advancing a level restarts the levels
    below it.
    """

    def __init__(self, document, styles: _Styles):
        self.styles = styles
        self.nums: dict[str, tuple[str | None, dict[int, int]]] = {}
        self.levels: dict[str | None, dict] = {}
        self.counters: dict[str, dict[int, int]] = {}
        root = document.part.numbering_part.element
        for num in root.iterfind(W + "num"):
            overrides = {}
            for override in num.iterfind(W + "lvlOverride"):
                start = _val(override, "startOverride")
                if start is not None:
                    overrides[int(override.get(W + "ilvl", "0"))] = int(start)
            self.nums[num.get(W + "numId")] = (_val(num, "abstractNumId"), overrides)
        for abstract in root.iterfind(W + "abstractNum"):
            levels: dict = {
                int(lvl.get(W + "ilvl", "0")): {
                    "start": int(_val(lvl, "start") or 1),
                    "format": _val(lvl, "numFmt") or "decimal",
                    "text": _val(lvl, "lvlText") or "",
                    "style": _val(lvl, "pStyle"),
                }
                for lvl in abstract.iterfind(W + "lvl")
            }
            link = _val(abstract, "numStyleLink")
            if link and not levels:
                # A list defined by a list style: its levels are the style's list's.
                levels = {"link": link}
            self.levels[abstract.get(W + "abstractNumId")] = levels

    def _num_pr(self, p_pr, style_id: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) of the paragraph: its own, else its style's; ilvl None when neither says."""
        num_pr = p_pr.find(W + "numPr") if p_pr is not None else None
        num_id, ilvl = _val(num_pr, "numId"), _val(num_pr, "ilvl")
        if num_id is None:
            for style in self.styles.chain(style_id):
                style_num_pr = style.find(f"{W}pPr/{W}numPr")
                if _val(style_num_pr, "numId") is not None:
                    num_id, ilvl = _val(style_num_pr, "numId"), ilvl or _val(style_num_pr, "ilvl")
                    break
        return num_id, None if ilvl is None else int(ilvl)

    def _abstract(self, num_id: str) -> tuple[str | None, dict]:
        abstract_id = self.nums[num_id][0]
        for _ in range(MAX_STYLE_DEPTH):
            levels = self.levels.get(abstract_id, {})
            if "link" not in levels:
                return abstract_id, levels
            linked, _ = self._num_pr(None, levels["link"])
            abstract_id = self.nums.get(linked, (None, {}))[0]
        return None, {}

    def count(self, p_pr, style_id: str | None) -> tuple[int, list[int], dict] | None:
        """(level, the counts of levels 0..level, the level's definition); None when not numbered.

        Called once for every paragraph in order, empty ones too: Word counts those.
        """
        num_id, ilvl = self._num_pr(p_pr, style_id)
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None  # numId 0 is Word's "numbering removed"
        abstract_id, levels = self._abstract(num_id)
        if ilvl is None:
            # A style tied to one level of its list by that level's ``w:pStyle``.
            ilvl = next((n for n, level in levels.items() if level["style"] == style_id), 0)
        if ilvl not in levels:
            return None
        overrides = self.nums[num_id][1]
        counters = self.counters.setdefault(f"num {num_id}" if overrides else f"abstract {abstract_id}", {})

        def start(level: int) -> int:
            return overrides.get(level, levels.get(level, {}).get("start", 1))

        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start(ilvl)
        for deeper in [n for n in counters if n > ilvl]:
            del counters[deeper]
        return ilvl, [counters.get(n, start(n)) for n in range(ilvl + 1)], levels[ilvl]


def _label(level: int, counts: list[int], definition: dict) -> str | None:
    """The number as Word shows it, "12" (level 0) or "12.1" (level 1); None for other levels and formats."""
    if level > 1 or definition["format"] not in ("decimal", "decimalZero"):
        return None

    def count(match: re.Match) -> str:
        n = int(match.group(1))
        return str(counts[n - 1]) if n <= len(counts) else ""

    shown = re.sub(r"%([1-9])", count, definition["text"])
    found = re.match(r"\s*(\d+\.\d+)\b" if level == 1 else r"\s*(\d+)\b", shown)
    if found:
        return found.group(1)
    # A level whose text leaves out its parent's number ("%2."): the item's number and its own.
    return ".".join(str(c) for c in counts)


TYPED_NUMBER = re.compile(r"^(\d+(\.\d+)+|\d+\.)\s")
ACTION = re.compile(r"^Actions?\s*:", re.IGNORECASE)
ITEM_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.\s")
# A heading typed "3.1 Free school meals": sub-item 3.1's title, written "3.1. Free school meals" so that it is
# not read as paragraph 3.1.
TYPED_HEADING_NUMBER = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(\S.*)$")


class _Reader:
    """The document's lines, in order: body paragraphs, tables row by row, content controls opened."""

    def __init__(self, document, agenda: dict[str, str] | None = None):
        self.document = document
        self.agenda = {_title_key(title): number for title, number in (agenda or {}).items()}
        # The item a heading named (its number), while its paragraphs follow; and how many of them so far.
        self.heading_item: str | None = None
        self.under_heading = 0
        self.styles = _Styles(document)
        try:
            self.numbering: _Numbering | None = _Numbering(document, self.styles)
        except Exception:  # numbering we cannot follow: the text is read as it stands
            self.numbering = None
        self.in_heading = False
        self.after_body = False
        self.in_table = 0
        self.last = ""

    def lines(self):
        return self._blocks(self.document.element.body)

    def _blocks(self, parent):
        for child in parent:
            if child.tag == W + "p":
                yield from self._paragraph(child)
            elif child.tag == W + "tbl":
                yield from self._table(child)
            elif child.tag == W + "sdt":
                # A content control wraps ordinary paragraphs and tables.
                content = child.find(W + "sdtContent")
                if content is not None:
                    yield from self._blocks(content)
            elif child.tag == W + "customXml":
                yield from self._blocks(child)

    def _table(self, table):
        self.in_table += 1
        for row in table.iterfind(W + "tr"):
            cells = []
            for cell in row.iterfind(W + "tc"):
                text = " ".join(line for line in self._blocks(cell) if line)
                if text:
                    cells.append(text)
            if cells:
                # A row to one line, cells apart by a tab: a row "12.3 | The board agreed" reads as
                # paragraph 12.3, "Action: | The Chair" as an action; other rows join the paragraph above.
                self.in_heading, self.after_body = False, True
                yield "\t".join(cells)
        self.in_table -= 1

    def _paragraph(self, p):
        p_pr = p.find(W + "pPr")
        style_id = _val(p_pr, "pStyle")
        counted = None
        if self.numbering is not None:
            try:
                counted = self.numbering.count(p_pr, style_id)
            except (ValueError, KeyError, IndexError, TypeError):
                counted = None  # a list defined in a way not followed here: the text as it stands
        text = _text(p).strip()
        if not text:
            return
        heading = self.styles.is_heading(p_pr, style_id)
        if counted is not None and not TYPED_NUMBER.match(text) and not ACTION.match(text):
            level, counts, definition = counted
            label = _label(level, counts, definition)
            if definition["format"] == "bullet":
                text = f"· {text}"
            elif label and level == 0 and not heading and self.heading_item and not self.in_table:
                # Word's plain "List Number" (1., 2., 3.) under a heading that named the item: its paragraphs,
                # counted from 1 under each heading.
                self.under_heading += 1
                text = f"{self.heading_item}.{self.under_heading} {text}"
            elif label and level == 0:
                # The list's first level numbers the agenda items.
                heading = True
                text = f"{label}. {text}"
            elif label:
                text = f"{label} {text}"
        if self.in_table:
            yield text
            return
        if heading:
            text = self._numbered_heading(text, from_list=counted is not None)
            # A heading after the paragraphs, or one carrying an item's number after anything (a title above it):
            # the next item's heading begins.
            begins = self.after_body if not self.in_heading else bool(ITEM_NUMBER.match(text))
            if begins and self.last and not AGENDA_ITEM.match(self.last):
                # The next item's heading, after the paragraphs of the one before.
                yield "Agenda item"
            self.in_heading = True
        else:
            self.in_heading, self.after_body = False, True
        self.last = text
        yield text

    def _numbered_heading(self, text: str, *, from_list: bool) -> str:
        """A heading with the number of the item it names: typed ("3.1 Title"), Word's, or the agenda's."""
        if typed := TYPED_HEADING_NUMBER.match(text):
            text = f"{typed.group(1)}. {typed.group(2)}"
        elif not ITEM_NUMBER.match(text) and (number := self.agenda.get(_title_key(text))):
            text = f"{number}. {text}"
        named = ITEM_NUMBER.match(text)
        # Only a heading outside Word's own list numbering: within it, the list's levels number the paragraphs.
        self.heading_item = named.group(1) if named and not from_list else None
        self.under_heading = 0
        return text


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _text(p) -> str:
    """A paragraph's text as Word shows it: runs, hyperlinks and insertions, not deletions; breaks as spaces."""
    parts: list[str] = []

    def walk(element):
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # comments, processing instructions
            if tag in (W + "del", W + "moveFrom", MC_FALLBACK, W + "txbxContent", W + "p"):
                # Deleted text; the older copy of a drawing; text boxes, which have paragraphs of their own.
                continue
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag in (W + "tab", W + "br", W + "cr"):
                # A soft line break (Shift+Enter) joins the paragraph's lines into one.
                parts.append(" ")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(parts)
