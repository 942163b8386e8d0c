"""Racing writes against a real server: never a 500, never a lost or doubled save.

The application runs under gunicorn with several worker processes, on a
database of its own (a SQLite file in WAL, or a new PostgreSQL database when
the suite runs on PostgreSQL), loaded with the demo. Two people work on one
borough's return at once, and the ICS reviewer beside them: in each round of
the race, from pages opened beforehand, one saves an entry, the other saves
the same entry, both confirm a workbook upload (imported by the background
worker, running beside it) and, every other time, the return is submitted
(and then sent back by the reviewer), all released together. Every answer must be a page (a save, a
refusal saying why, or "try again"), never a server error; afterwards every
save the server acknowledged is in the entry's history and no two saves
started from one version.
"""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from loadtest.forms import form_posting_to, form_with_field, form_with_file, links
from loadtest.workbook import add_a_paragraph

ROOT = Path(__file__).resolve().parents[2]
ROUND = "atf-stocktake-2026"
RETURN = f"/stocktake/rounds/{ROUND}/places/knowsley/"
ROUNDS = 6
PASSWORD = "race-password-" + secrets.token_hex(8)

# Spread over processes (make test), this file's tests stay in one: they share one server.
pytestmark = [pytest.mark.server, pytest.mark.xdist_group("races")]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: its own cookies, each answer kept as (status, location, text)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects)

    def send(self, path: str, data: list[tuple[str, str]] | None = None, files=None):
        headers = {"Referer": self.base + "/"}
        body = None
        if files is not None:
            body, headers["Content-Type"] = _multipart(data or [], files)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310 - loopback
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")

    def get(self, path):
        return self.send(path)

    def sign_in(self, username: str):
        _, _, page = self.get("/accounts/login/")
        form = form_posting_to(page, "/accounts/login/")
        status, _, _ = self.send("/accounts/login/", form.data(username=username, password=PASSWORD))
        assert status == 302, f"{username} could not sign in"


def _multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(workdir: Path) -> str:
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{workdir / 'race.sqlite3'}"
    import psycopg

    name = f"atf_race_{os.getpid()}"
    server = f"postgres://{default['USER']}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo served by gunicorn with four workers; yields its address and environment."""
    workdir = tmp_path_factory.mktemp("race")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(workdir),
        "DEBUG": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(workdir / "media"),
        "DEMO_PASSWORD": PASSWORD,
        "LOG_LEVEL": "WARNING",
    }
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen(
        [gunicorn, "atf.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "4", "--timeout", "120"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # The background worker beside it: a confirmed upload is imported by a job, racing the requests.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2)  # noqa: S310 - loopback
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.3)
    yield base, env
    for running in (worker, process):
        running.terminate()
        running.wait(timeout=30)
    log.close()
    if "postgres" in env["DATABASE_URL"]:
        import psycopg

        server_url, name = env["DATABASE_URL"].rsplit("/", 1)
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _prepared_upload(browser: Browser, marker: str):
    """Download, add a paragraph, upload: the confirm step, ready to post."""
    request = urllib.request.Request(browser.base + f"/stocktake/rounds/{ROUND}/workbook/")  # noqa: S310
    with browser.opener.open(request, timeout=60) as response:
        workbook = response.read()
    edited = add_a_paragraph(workbook, f"Knowsley - Work reported by upload ({marker}).")
    _, _, page = browser.get(RETURN + "upload/")
    form = form_with_file(page)
    if form is None:
        return None
    status, _, preview = browser.send(RETURN + "upload/", form.data(), files={"workbook": ("atf.xlsx", edited)})
    assert status < 500
    return form_posting_to(preview, RETURN + "upload/")


def _prepared_edit(browser: Browser, entry_path: str, marker: str):
    _, _, page = browser.get(entry_path)
    form = form_with_field(page, "text")
    if form is None:
        return None
    text = re.sub(r" \[race [0-9a-f]+\]$", "", form.value("text")) + f" [race {marker}]"
    return form.data(text=text)


def test_racing_edits_uploads_submissions_and_reviews_never_answer_500_or_lose_a_save(server):
    base, env = server
    lead, colleague, reviewer = Browser(base), Browser(base), Browser(base)
    lead.sign_in("lead-knowsley")
    colleague.sign_in("lead-knowsley")
    reviewer.sign_in("ics-reviewer")
    answers: list[tuple[str, int, str]] = []
    acknowledged: list[tuple[int, str]] = []
    won: list[int] = []  # the race each acknowledged edit was saved in

    for race in range(ROUNDS):
        _, _, page = lead.get(RETURN)
        review = form_posting_to(reviewer.get(RETURN)[2], "/review/")
        if review is not None:
            # Submitted last round: the reviewer sends it back, so that the leads can work on it again.
            data = review.data(decision="returned", comment="Please add the work with schools.")
            assert reviewer.send(review.action, data)[0] == 302
            _, _, page = lead.get(RETURN)
        entry_paths = links(page, r"^/stocktake/entries/\d+/edit/$")
        assert entry_paths, "the lead's return has entries to change"
        entry_path = entry_paths[0]
        entry_id = int(re.search(r"\d+", entry_path).group())
        markers = [uuid.uuid4().hex[:10] for _ in range(4)]
        first_edit = _prepared_edit(lead, entry_path, markers[0])
        second_edit = _prepared_edit(colleague, entry_path, markers[1])
        first_confirm = _prepared_upload(lead, markers[2])
        second_confirm = _prepared_upload(colleague, markers[3])
        # Every other race includes a submission; in the others the two edits race only each other.
        submit = form_posting_to(lead.get(RETURN)[2], "/submit/") if race % 2 == 0 else None

        confirms = [form.action if form else None for form in (first_confirm, second_confirm)]
        confirm_data = [form.data() if form else None for form in (first_confirm, second_confirm)]
        work = [
            ("edit", lead, entry_path, first_edit, markers[0]),
            ("edit", colleague, entry_path, second_edit, markers[1]),
            ("confirm", lead, confirms[0], confirm_data[0], None),
            ("confirm", colleague, confirms[1], confirm_data[1], None),
            ("submit", lead, submit and submit.action, submit and submit.data(confirmed="yes"), None),
        ]
        start = threading.Barrier(len(work))

        def act(kind, browser, path, data, marker, start=start, entry_id=entry_id, race=race):
            start.wait()
            if path is None or data is None:
                return
            status, _, text = browser.send(path, data)
            answers.append((kind, status, text[:500] if status >= 500 else ""))
            if kind == "edit" and status == 302:
                acknowledged.append((entry_id, marker))
                won.append(race)

        threads = [threading.Thread(target=act, args=item) for item in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)

    assert answers, "the race sent its requests"
    assert [answer for answer in answers if answer[1] >= 500] == []
    # The two edits of a race started from one version: at most one is saved, the other refused as stale;
    # exactly one in a race without a submission (with one, both are refused if the submission got in first).
    assert len(won) == len(set(won))
    assert set(won) >= {race for race in range(ROUNDS) if race % 2 == 1}
    assert {status for kind, status, _ in answers if kind == "edit"} <= {200, 302, 403}

    check = subprocess.run(
        [sys.executable, "-c", _CHECK, repr(acknowledged)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == "lost=[] twice=[]", check.stdout


# Run against the served database, in a process of its own (the test's own database is another).
_CHECK = """
import ast, sys, django
from collections import Counter
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")
django.setup()
import time
from jobs.models import Job
from stocktake.models import Entry
deadline = time.monotonic() + 120  # the imports the confirms started, done first
while Job.objects.exclude(status__in=Job.FINISHED).exists() and time.monotonic() < deadline:
    time.sleep(0.2)
history = Entry.history.model
acknowledged = ast.literal_eval(sys.argv[1])
lost = [(i, m) for i, m in acknowledged if not history.objects.filter(id=i, text__endswith=f"[race {m}]").exists()]
saves = Counter(history.objects.filter(history_type="~").values_list("id", "version"))
twice = sorted(key for key, n in saves.items() if n > 1)
print(f"lost={lost} twice={twice}")
"""
