"""Hostile requests sent while the load runs: each must get a clear answer in seconds and write nothing.

- minutes pasted 5 MB long, by a commission's secretariat;
- a flat entries file of 200,000 rows, through the admin's import;
- a 100 MB upload on a lead's return page;
- a zip bomb (a workbook whose one sheet unpacks to a gigabyte);
- an entry saved with hostile text: markup, a formula, control characters.

A clear answer is a page (not a server error) that names the problem: the
refusal's words are looked for in it.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass
from html import unescape

import requests

from loadtest.forms import form_with_field, form_with_file, links, send_secure_cookies_over_http

# The hostile requests sent: minutes, the flat file, a 100 MB upload, a zip bomb.
PROBES = ("minutes", "flat file", "upload", "zip bomb")

# Words one of which a refusal of each kind says (the checks read the page, not a status code alone).
REFUSAL_WORDS = re.compile(r"too (large|long|big|many)|at most|limit|larger than|more than|largest|split", re.I)


@dataclass
class Probe:
    name: str
    status: int
    seconds: float
    clear: bool
    said: str

    @property
    def ok(self) -> bool:
        return self.status < 500 and self.clear and self.seconds < 10


class LoopbackSession(requests.Session):
    def request(self, *args, **kwargs):
        send_secure_cookies_over_http(self.cookies)
        return super().request(*args, **kwargs)


def session(base: str, username: str, password: str) -> requests.Session:
    browser = LoopbackSession()
    browser.headers["Referer"] = base + "/"
    page = browser.get(base + "/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    browser.post(
        base + "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        timeout=30,
    )
    return browser


def _said(html: str) -> str:
    """The first error message on the page, as a person would read it."""
    for pattern in (
        r'class="nhsuk-error-message"[^>]*>(.*?)</span>\s*</?',
        r'class="nhsuk-error-summary__list"[^>]*>(.*?)</ul>',
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>',
        r'class="errornote"[^>]*>(.*?)</div>',
        r"<h1[^>]*>(.*?)</h1>",
    ):
        found = re.search(pattern, html, re.S)
        if found:
            return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))).strip()[:300]
    return ""


def _timed(name: str, send) -> Probe:
    started = time.monotonic()
    try:
        response = send()
    except requests.RequestException as exc:
        return Probe(name, 0, time.monotonic() - started, False, f"no answer: {type(exc).__name__}")
    seconds = time.monotonic() - started
    said = _said(response.text) if "html" in response.headers.get("Content-Type", "") else response.text[:300]
    return Probe(name, response.status_code, seconds, bool(REFUSAL_WORDS.search(said)), said)


def minutes_text(megabytes: float) -> str:
    item = (
        "1. Welcome and apologies\n"
        "1.1 The chair welcomed members. Apologies were received from the director of public health.\n"
        "2. Child poverty\n"
        "2.1 The commission discussed the child poverty strategy and agreed the next steps.\n"
        "ACTION: The secretariat to circulate the strategy to members.\n"
    )
    return item * int(megabytes * 1024 * 1024 / len(item))


def flat_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "round", "theme", "system_recommendation", "level", "column_place", "places", "text"])
    for number in range(rows):
        writer.writerow(["", "ATF Stocktake 2026", "1", "", "borough", "", "Knowsley", f"E{number}"])
    return out.getvalue().encode()


def zip_bomb(unpacked_megabytes: int = 1024) -> bytes:
    """A workbook-shaped zip whose one sheet unpacks to ``unpacked_megabytes`` of repeated XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"<row><c><v>0</v></c></row>" * 40000
            for _ in range(unpacked_megabytes * 1024 * 1024 // len(block)):
                sheet.write(block)
    return out.getvalue()


def run(base: str, password: str, round_slug: str) -> list[Probe]:
    probes = []

    secretariat = session(base, "secretariat-st-helens", password)
    commissions = secretariat.get(base + "/commissions/", timeout=30).text
    minutes_form = None
    for commission in links(commissions, r"^/commissions/[\w-]+/$"):
        for meeting in links(secretariat.get(base + commission, timeout=30).text, r"^/commissions/meetings/\d+/$"):
            page = secretariat.get(base + meeting + "minutes/", timeout=30)
            if page.status_code == 200:
                minutes_form = (base + meeting + "minutes/", page.text)
                break
        if minutes_form:
            break
    if minutes_form:
        url, page = minutes_form
        form = form_with_field(page, "text") or form_with_field(page, "minutes")
        if form is not None:
            field = "text" if form.value("text") is not None else "minutes"
            text = minutes_text(5)
            probes.append(_timed("minutes pasted, 5 MB", lambda: secretariat.post(url, form.data(**{field: text}))))

    admin = session(base, "admin", password)
    import_url = base + "/admin/stocktake/entry/import/"
    page = admin.get(import_url, timeout=30).text
    form = form_with_file(page)
    if form is not None:
        body = flat_file(200_000)
        files = {"entries_file": ("entries.csv", body, "text/csv")}
        probes.append(
            _timed(
                f"flat file, 200,000 rows ({len(body) / 1e6:.0f} MB)",
                lambda: admin.post(import_url, form.data(), files=files, timeout=60),
            )
        )

    # Wirral's lead, whose return no simulated user submits (locustfile.BOROUGHS), so it takes uploads.
    lead = session(base, "lead-wirral", password)
    upload_url = f"{base}/stocktake/rounds/{round_slug}/places/wirral/upload/"
    form = form_with_file(lead.get(upload_url, timeout=30).text)
    if form is not None:
        huge = b"PK\x03\x04" + b"\0" * (100 * 1024 * 1024)
        files = {"workbook": ("huge.xlsx", huge, "application/octet-stream")}
        probes.append(_timed("upload, 100 MB", lambda: lead.post(upload_url, form.data(), files=files, timeout=60)))
        bomb = zip_bomb()
        files = {"workbook": ("bomb.xlsx", bomb, "application/octet-stream")}
        probes.append(
            _timed(
                f"zip bomb ({len(bomb) / 1e6:.1f} MB, unpacks to 1 GB)",
                lambda: lead.post(upload_url, form.data(), files=files, timeout=60),
            )
        )

    return probes
