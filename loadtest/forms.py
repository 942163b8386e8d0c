"""Reading a page's forms the way a browser would submit them, with the standard library's HTML parser.

A simulated user fills in the form the page gave it: hidden fields (the CSRF
token, the version the page was drawn at), ticked boxes, chosen radios and
options, and text areas, so that what it posts is what a person's browser
would have posted from the same page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Names of the radio groups and their values, for a user to choose among.
    choices: dict[str, list[str]] = field(default_factory=dict)
    has_file: bool = False

    def data(self, **overrides) -> list[tuple[str, str]]:
        """The fields as the browser would post them, with ``overrides`` replacing a field's values."""
        kept = [(name, value) for name, value in self.fields if name not in overrides]
        for name, value in overrides.items():
            values = value if isinstance(value, list | tuple) else [value]
            kept.extend((name, str(item)) for item in values)
        return kept

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value or "") for name, value in attrs}
        if tag == "form":
            self._form = Form(attributes.get("action", ""), attributes.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            if kind == "file":
                self._form.has_file = True
            elif kind == "radio":
                self._form.choices.setdefault(name, []).append(attributes.get("value", "on"))
                if "checked" in attributes:
                    self._form.fields.append((name, attributes.get("value", "on")))
            elif kind == "checkbox":
                if "checked" in attributes:
                    self._form.fields.append((name, attributes.get("value", "on")))
            elif kind not in {"submit", "button", "reset", "image"}:
                self._form.fields.append((name, attributes.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._selected, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self._selected = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # A browser drops the one line break that may follow <textarea>.
            self._form.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._selected if self._selected is not None else self._first_option
            if chosen is not None:
                self._form.fields.append((self._select, chosen))
            self._select = None


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, fragment: str) -> Form | None:
    """The first form whose action contains ``fragment``."""
    return next((form for form in forms(html) if fragment in form.action), None)


def form_with_field(html: str, name: str) -> Form | None:
    """The first form that has a field called ``name`` (a form without an action posts to its own page)."""
    return next((form for form in forms(html) if any(key == name for key, _ in form.fields)), None)


def form_with_file(html: str) -> Form | None:
    return next((form for form in forms(html) if form.has_file), None)


def links(html: str, pattern: str) -> list[str]:
    """Every href matching ``pattern`` (a regular expression), in page order, without repeats."""
    found = []
    for href in re.findall(r'href="([^"]+)"', html):
        href = unescape(href)
        if re.search(pattern, href) and href not in found:
            found.append(href)
    return found


def send_secure_cookies_over_http(jar) -> None:
    """Let the session's Secure cookies go back over plain http: the server is on loopback, without TLS.

    requests copies the session's cookies into a jar of its own for each request, so a cookie policy set
    on the session is not used; the cookies themselves are marked instead, before each request.
    """
    for cookie in jar:
        cookie.secure = False
