"""A paper (``papers.document``) as a PDF: the same blocks in an HTML template, laid out by WeasyPrint for A4.

WeasyPrint fetches nothing: its ``url_fetcher`` refuses every address, so a
paper can hold no image, font or stylesheet from anywhere (its stylesheet is
read from this app's own file, and users' text is escaped by the template).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.template.loader import render_to_string

from .document import Paper

CONTENT_TYPE = "application/pdf"
STYLESHEET = Path(__file__).parent / "static" / "papers" / "paper-print.css"


class Refused(ValueError):
    pass


def refuse_every_url(url: str, *args, **kwargs):
    """WeasyPrint's ``url_fetcher``: nothing is fetched, local or not."""
    raise Refused(f"A paper fetches nothing: {url[:80]}")


@cache
def _stylesheet():
    from weasyprint import CSS

    return CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=refuse_every_url)


def render(paper: Paper):
    """The paper laid out on A4 pages (a WeasyPrint document: ``.pages``)."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads Pango

    html = render_to_string("papers/paper.html", {"paper": paper})
    return HTML(string=html, url_fetcher=refuse_every_url).render(stylesheets=[_stylesheet()])


def write_pdf(paper: Paper) -> bytes:
    return render(paper).write_pdf()
