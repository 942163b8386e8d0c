"""A paper's content as a few kinds of block, written out as Word (``papers.word``) or PDF (``papers.pdf``).

Both writers take the same blocks, so the Word document and the PDF hold the
same words in the same order. Every piece of text that reaches a block has
gone through ``clean``: what users typed is text only, and characters that XML
cannot hold (which python-docx refuses with a ValueError) are gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from atf.text import printable

# Besides the control characters ``printable`` drops: lone surrogates and the two non-characters, which no XML
# document may contain either.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean(value: object) -> str:
    """``value`` as text a .docx or an HTML page can hold: control characters other than tab and newline gone."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", printable(text.replace("\r\n", "\n").replace("\r", "\n")))


@dataclass
class Cover:
    kind = "cover"  # for the PDF's template
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Heading:
    kind = "heading"  # for the PDF's template
    text: str
    level: int = 1


@dataclass
class Paragraph:
    kind = "paragraph"  # for the PDF's template
    text: str


@dataclass
class Bullets:
    kind = "bullets"  # for the PDF's template
    items: list[str]


@dataclass
class Table:
    kind = "table"  # for the PDF's template
    caption: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # relative column widths

    @property
    def shares(self) -> list[float]:
        """Each column's share of the page width, in per cent."""
        widths = self.widths or [1.0] * len(self.header)
        total = sum(widths)
        return [round(100 * w / total, 1) for w in widths]


@dataclass
class Section:
    """A new page; ``landscape`` for the wide tables."""

    kind = "section"

    landscape: bool = False


Block = Cover | Heading | Paragraph | Bullets | Table | Section


@dataclass
class Paper:
    title: str
    filename: str  # without the extension
    blocks: list[Block] = field(default_factory=list)

    @property
    def parts(self) -> list[tuple[bool, list[Block]]]:
        """The blocks between one ``Section`` and the next, each run with whether it is landscape."""
        parts: list[tuple[bool, list[Block]]] = [(False, [])]
        for block in self.blocks:
            if isinstance(block, Section):
                parts.append((block.landscape, []))
            else:
                parts[-1][1].append(block)
        return [part for part in parts if part[1]]

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def heading(self, text: str, level: int = 1) -> None:
        self.add(Heading(clean(text), level))

    def paragraph(self, text: str) -> None:
        self.add(Paragraph(clean(text)))

    def bullets(self, items) -> None:
        items = [clean(item) for item in items]
        if items:
            self.add(Bullets(items))

    def table(self, caption: str, header: list[str], rows, widths=None) -> None:
        self.add(
            Table(clean(caption), [clean(h) for h in header], [[clean(c) for c in row] for row in rows], widths=widths)
        )
