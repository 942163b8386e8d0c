"""A paper (``papers.document``) as a Word document, with python-docx.

Text goes in as runs of text only: python-docx escapes it as XML, and no
field (Word's formulas, links and DDE) is ever created. A table's header row
repeats on every page it runs to; the wide tables sit in landscape sections.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .document import Bullets, Cover, Heading, Paper, Paragraph, Section, Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
A4 = (Cm(21), Cm(29.7))
MARGIN = Cm(2)


def _orient(section, landscape: bool) -> None:
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _text(target, text: str, *, bold: bool = False) -> None:
    """Text into a paragraph or a table cell; python-docx writes each newline as a line break, a tab as a tab."""
    paragraph = target.paragraphs[0] if hasattr(target, "paragraphs") else target
    if text:
        paragraph.add_run(text).bold = bold or None


def _table(document, block: Table, usable_width) -> None:
    if block.caption:
        caption = document.add_paragraph(style="Caption")
        caption.add_run(block.caption)
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.autofit = False
    widths = [int(usable_width * share / 100) for share in block.shares]
    header = table.rows[0]
    _repeat_header(header)
    for cell, text, width in zip(header.cells, block.header, widths, strict=True):
        cell.width = width
        _text(cell, text, bold=True)
    for values in block.rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, values, widths, strict=True):
            cell.width = width
            _text(cell, text)
    document.add_paragraph()


def write_docx(paper: Paper) -> bytes:
    document = Document()
    document.core_properties.title = paper.title
    document.core_properties.author = ""
    document.core_properties.comments = ""
    styles = document.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10)
    section = document.sections[0]
    _orient(section, landscape=False)
    usable = section.page_width - 2 * MARGIN
    for block in paper.blocks:
        if isinstance(block, Cover):
            document.add_heading(block.title, level=0)
            for line in block.lines:
                document.add_paragraph(line)
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Section):
            section = document.add_section()
            _orient(section, block.landscape)
            usable = section.page_width - 2 * MARGIN
        elif isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            _text(document.add_paragraph(), block.text)
        elif isinstance(block, Bullets):
            for item in block.items:
                _text(document.add_paragraph(style="List Bullet"), item)
        elif isinstance(block, Table):
            _table(document, block, usable)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()
