"""The live round under load: borough leads, an ICS reviewer and readers, all at once.

Run by ``loadtest/run.py`` (``make load``) against a server of the project's
own on loopback. Each simulated person signs in as a demo user and does what
that role does in an open round, from the forms the pages give it:

- leads (several per borough, so two people work on one return) read their
  return, change entries, submit, download the workbook and upload it back;
- the reviewer reads coverage, accepts or returns submitted returns, and
  reopens accepted ones where the page offers it;
- readers browse entries, search, coverage and the commissions' actions.

A refusal the application means (a stale version, a return that is no longer
editable, a form error) is a success here: only a server error (5xx) or a
failure to connect counts as a failure. Every change the server acknowledged
(a redirect after a save) is recorded, so that ``run.py`` can check afterwards
that none was lost.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

from loadtest.forms import form_posting_to, form_with_field, form_with_file, links, send_secure_cookies_over_http
from loadtest.workbook import add_a_paragraph

ROUND = os.environ.get("LOAD_ROUND", "atf-stocktake-2026")
PASSWORD = os.environ["LOAD_PASSWORD"]
ACK_FILE = os.environ.get("LOAD_ACK_FILE", "")
# Wirral is left to the hostile requests of faults.py, so that its return is always open to an upload.
BOROUGHS = [
    "knowsley",
    "liverpool",
    "sefton",
    "st-helens",
    "halton",
    "warrington",
    "cheshire-east",
    "cheshire-west-and-chester",
]
NAMES = {slug: slug.replace("-", " ").title().replace(" And ", " and ") for slug in BOROUGHS}
MARKER = re.compile(r" \[load [0-9a-f]{12}\]$")

# Changes the server acknowledged: (kind, id, marker).
acknowledged: list[dict] = []
_borough_cycle = itertools.cycle(BOROUGHS)


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    username = ""

    def on_start(self):
        page = self.client.get("/accounts/login/", name="login page")
        send_secure_cookies_over_http(self.client.cookies)
        form = form_posting_to(page.text, "/accounts/login/")
        token = form.value("csrfmiddlewaretoken") if form else None
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token or ""},
            name="sign in",
        )

    def get(self, url, name, **kwargs):
        send_secure_cookies_over_http(self.client.cookies)
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            self._judge(response)
            return response

    def post(self, url, data, name, **kwargs):
        send_secure_cookies_over_http(self.client.cookies)
        with self.client.post(
            url, data=data, name=name, catch_response=True, allow_redirects=False, headers=self._referer(), **kwargs
        ) as response:
            self._judge(response)
            return response

    def _referer(self):
        # Django's CSRF check asks an https request for a Referer; over http it is not needed, but harmless.
        return {"Referer": self.host + "/"}

    @staticmethod
    def _judge(response):
        if response.status_code >= 500 or response.status_code == 0:
            response.failure(f"{response.status_code} on {response.request.method} {response.request.path_url}")
        else:
            response.success()


class BoroughLead(Person):
    weight = 6

    def on_start(self):
        self.place = next(_borough_cycle)
        self.username = f"lead-{self.place}"
        super().on_start()
        self.return_url = f"/stocktake/rounds/{ROUND}/places/{self.place}/"

    @task(5)
    def read_the_return(self):
        self.get(self.return_url, "return page")

    @task(4)
    def change_an_entry(self):
        page = self.get(self.return_url, "return page")
        edits = links(page.text, r"^/stocktake/entries/\d+/edit/$")
        if not edits:
            return
        url = random.choice(edits)
        form_page = self.get(url, "entry edit form")
        form = form_with_field(form_page.text, "text")
        if form is None:
            return
        marker = uuid.uuid4().hex[:12]
        text = MARKER.sub("", form.value("text")) + f" [load {marker}]"
        response = self.post(url, form.data(text=text), "entry edit save")
        if response.status_code == 302:
            entry_id = int(re.search(r"/entries/(\d+)/", url).group(1))
            acknowledged.append({"kind": "entry", "id": entry_id, "marker": marker})

    @task(1)
    def submit_the_return(self):
        page = self.get(self.return_url, "return page")
        form = form_posting_to(page.text, "/submit/")
        if form is None:
            return
        response = self.post(form.action, form.data(), "return submit")
        confirm = form_posting_to(response.text, "/submit/") if response.status_code == 200 else None
        if confirm is not None:
            self.post(confirm.action, confirm.data(), "return submit confirmed")

    @task(1)
    def upload_the_workbook(self):
        workbook = self.get(f"/stocktake/rounds/{ROUND}/workbook/", "workbook download")
        if workbook.status_code != 200 or not workbook.content.startswith(b"PK"):
            return
        upload_url = f"/stocktake/rounds/{ROUND}/places/{self.place}/upload/"
        page = self.get(upload_url, "upload page")
        form = form_with_file(page.text)
        if form is None:
            return
        marker = uuid.uuid4().hex[:12]
        edited = add_a_paragraph(workbook.content, f"{NAMES[self.place]} - Work reported by upload (upload {marker}).")
        files = {"workbook": ("atf_stocktake.xlsx", edited, "application/octet-stream")}
        preview = self.post(upload_url, form.data(), "upload preview", files=files)
        confirm = form_posting_to(preview.text, "/upload/") if preview.status_code == 200 else None
        if confirm is not None and confirm.action != upload_url:
            response = self.post(confirm.action, confirm.data(), "upload confirm")
            if response.status_code == 302 and "/upload/" not in response.headers.get("Location", ""):
                acknowledged.append({"kind": "upload", "id": None, "marker": marker})


class Reviewer(Person):
    weight = 2
    username = "ics-reviewer"

    @task(3)
    def read_coverage(self):
        self.get(f"/stocktake/rounds/{ROUND}/coverage/", "coverage")

    @task(3)
    def review_a_return(self):
        place = random.choice(BOROUGHS)
        url = f"/stocktake/rounds/{ROUND}/places/{place}/"
        page = self.get(url, "return page (reviewer)")
        form = form_posting_to(page.text, "/review/")
        if form is not None:
            decisions = form.choices.get("decision", [])
            decision = "returned" if "returned" in decisions and random.random() < 0.8 else "accepted"
            comment = f"Please say more about the work with schools. [load {uuid.uuid4().hex[:12]}]"
            self.post(form.action, form.data(decision=decision, comment=comment), "return review")
            return
        reopen = form_posting_to(page.text, "/reopen/")
        if reopen is not None and random.random() < 0.5:
            reason = f"New evidence came in after acceptance. [load {uuid.uuid4().hex[:12]}]"
            fields = {name: reason for name, _ in reopen.fields if name in {"reason", "comment"}} or {"reason": reason}
            self.post(reopen.action, reopen.data(**fields), "return reopen")


class Reader(Person):
    weight = 2
    username = "viewer"

    @task(3)
    def browse_entries(self):
        self.get("/stocktake/entries/", "entries list")

    @task(2)
    def search(self):
        self.get("/stocktake/search/?q=" + random.choice(["housing", "schools", "poverty", "employment"]), "search")

    @task(2)
    def coverage(self):
        self.get(f"/stocktake/rounds/{ROUND}/coverage/?view=indicators", "coverage (reader)")

    @task(1)
    def actions(self):
        self.get("/commissions/actions/", "commission actions")

    @task(1)
    def home(self):
        self.get("/", "home")


@events.quitting.add_listener
def _write_acknowledged(environment, **kwargs):
    if ACK_FILE:
        Path(ACK_FILE).write_text(json.dumps(acknowledged))
