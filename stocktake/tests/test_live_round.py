"""A live round, played as several people at once: three borough leads and the ICS reviewer.

Hypothesis's stateful testing draws random interleavings of what they do on
the pages and in Excel: add and change entries, download the workbook,
upload it unchanged or with an edit of their own (possibly stale by then),
submit, and the reviewer's returns, acceptances and reopenings. After every step it
checks, for each lead, every page, download and export they would see:

- no lead ever sees another borough's draft, in any page, message or file
  (a reopened return's entries are drafts again);
- every return's status is where its recorded steps lead;
- an unchanged download always uploads as "nothing would change";
- the round holds exactly what each actor made (the machine keeps its own
  model of every entry's text);
- export, import, export changes nothing, for each lead and the reviewer.

CI runs a few examples (profile "ci"); `make test-live` runs many more.
"""

from __future__ import annotations

import io
import itertools
import os
import zipfile

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from atf.models import Membership, Role
from atf.text import normalise
from jobs.tests.helpers import run_queued_jobs
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Return

LEADS = ("knowsley", "halton", "sefton")
PROFILES = {
    "ci": {"max_examples": 6, "stateful_step_count": 10},
    "thorough": {"max_examples": 60, "stateful_step_count": 25},
}
PROFILE = PROFILES[os.environ.get("LIVE_ROUND_PROFILE", "ci")]

# What people type: several lines from a browser (CRLF), pasted no-break spaces, text that looks like a formula.
TYPED = st.lists(
    st.sampled_from(
        [
            "family hub",
            "=SUM(A1:A2)",
            "line one\r\nline two",
            "pasted\u00a0text  ",
            "from Word\x0bnext line",
            "<script>x</script>",
            "& “quotes”",
        ]
    ),
    min_size=1,
    max_size=3,
).map(" ".join)


def _file_text(content: bytes) -> str:
    """Every XML part of a workbook, decompressed: where any text it holds can be searched for."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


class LiveRound(RuleBasedStateMachine):
    world = None  # set by the test

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint, rolled back at its end.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        world = self.world
        self.round = world.rounds.open
        self.places = {slug: world.places[slug] for slug in LEADS}
        leads = {"knowsley": world.users.lead, "halton": world.users.other_lead}
        from django.contrib.auth import get_user_model

        sefton = get_user_model().objects.create_user("lead-sefton-live", password="a long enough password")
        Membership.objects.create(user=sefton, role=Role.BOROUGH_LEAD, place=self.places["sefton"])
        leads["sefton"] = sefton
        self.users = leads
        self.clients = {slug: self._client(user) for slug, user in leads.items()}
        self.reviewer = self._client(world.users.reviewer)
        self.downloads: dict[str, bytes] = {}
        self.count = 0
        self.model = self._entries()  # pk -> (lead_in, text): what the round must hold

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @staticmethod
    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def _entries(self) -> dict[int, tuple[str, str]]:
        return {
            pk: (lead_in, text)
            for pk, lead_in, text in Entry.objects.filter(round=self.round).values_list("pk", "lead_in", "text")
        }

    def _status(self, slug: str) -> str:
        found = Return.objects.filter(round=self.round, place=self.places[slug]).first()
        return found.status if found else Return.Status.DRAFT

    def _editable(self, slug: str) -> bool:
        return self._status(slug) not in Return.PUBLISHED

    def _own(self, slug: str) -> list[Entry]:
        return list(Entry.objects.filter(round=self.round, places=self.places[slug]).order_by("pk"))

    def _marker(self, slug: str) -> str:
        self.count += 1
        return f"zq{slug.replace('-', '')}{self.count}x"

    @initialize(accepted=st.booleans())
    def halton_accepted_or_not(self, accepted):
        """Halton's submitted return, accepted at the start of some examples, so that reopening it is played."""
        if accepted:
            url = reverse("stocktake:return_review", args=[self.round.slug, "halton"])
            assert self.reviewer.post(url, {"decision": "accepted", "comment": ""}).status_code == 302

    # Pages --------------------------------------------------------------------

    @rule(lead=st.sampled_from(LEADS), typed=TYPED, theme=st.integers(1, 3))
    def add_entry(self, lead, typed, theme):
        marker = self._marker(lead)
        url = reverse("stocktake:entry_add", args=[self.round.slug, lead, "theme", theme])
        response = self.clients[lead].post(url, {"text": f"{marker} {typed}", "places": [self.places[lead].pk]})
        if not self._editable(lead):
            assert response.status_code == 403
            return
        assert response.status_code == 302, response.content[:500]
        entry = Entry.objects.get(round=self.round, text__startswith=marker)
        assert entry.text == normalise(f"{marker} {typed}").strip()
        assert "\r" not in entry.text and "\u00a0" not in entry.text
        self.model[entry.pk] = (entry.lead_in, entry.text)

    @rule(lead=st.sampled_from(LEADS), typed=TYPED, stale=st.booleans())
    def edit_entry(self, lead, typed, stale):
        own = self._own(lead)
        if not own:
            return
        entry = own[-1]
        version = entry.version - 1 if stale else entry.version
        data = {"text": f"{entry.text} {typed}", "places": [self.places[lead].pk], "version": version}
        response = self.clients[lead].post(reverse("stocktake:entry_edit", args=[entry.pk]), data)
        if not self._editable(lead):
            assert response.status_code == 403
        elif stale:
            # Refused, the newer text shown, nothing written.
            assert response.status_code == 200 and "Someone else saved this entry" in response.content.decode()
        else:
            assert response.status_code == 302
            entry.refresh_from_db()
            assert entry.text == normalise(data["text"]).strip()
            self.model[entry.pk] = (entry.lead_in, entry.text)

    @rule(lead=st.sampled_from(LEADS))
    def submit(self, lead):
        url = reverse("stocktake:return_submit", args=[self.round.slug, lead])
        response = self.clients[lead].post(url, {"confirmed": "yes"})
        if self._status(lead) == Return.Status.SUBMITTED and response.status_code == 302:
            return
        assert response.status_code == 403  # already submitted or accepted

    @rule(lead=st.sampled_from(LEADS), decision=st.sampled_from(["returned", "accepted"]))
    def review(self, lead, decision):
        was = self._status(lead)
        url = reverse("stocktake:return_review", args=[self.round.slug, lead])
        self.reviewer.post(url, {"decision": decision, "comment": f"comment for {lead}"})
        assert self._status(lead) == (decision if was == Return.Status.SUBMITTED else was)

    @rule(data=st.data())
    def reopen(self, data):
        # An accepted return if there is one (the step's own case), else any: refused, nothing changed.
        accepted = [slug for slug in LEADS if self._status(slug) == Return.Status.ACCEPTED]
        lead = data.draw(st.sampled_from(accepted or LEADS))
        was = self._status(lead)
        url = reverse("stocktake:return_reopen", args=[self.round.slug, lead])
        response = self.reviewer.post(url, {"reason": f"reopened for {lead}"})
        assert response.status_code == 302
        # Only an accepted return is reopened: back to its lead, returned for changes.
        assert self._status(lead) == (Return.Status.RETURNED if was == Return.Status.ACCEPTED else was)

    # Excel ----------------------------------------------------------------------

    @rule(lead=st.sampled_from(LEADS))
    def download(self, lead):
        response = self.clients[lead].get(reverse("stocktake:round_workbook", args=[self.round.slug]))
        assert response.status_code == 200
        self.downloads[lead] = b"".join(response.streaming_content)

    def _upload(self, lead, content: bytes):
        url = reverse("stocktake:return_upload", args=[self.round.slug, lead])
        upload = io.BytesIO(content)
        upload.name = "edited.xlsx"
        return self.clients[lead].post(url, {"workbook": upload})

    @precondition(lambda self: self.downloads)
    @rule(data=st.data())
    def upload_unchanged(self, data):
        lead = data.draw(st.sampled_from(sorted(self.downloads)))
        response = self._upload(lead, self.downloads[lead])
        if not self._editable(lead):
            assert response.status_code == 403
            return
        assert response.status_code == 200
        plan = response.context["plan"]
        assert not plan.has_changes, plan.changes
        assert not plan.problems and not plan.conflicts

    @precondition(lambda self: self.downloads)
    @rule(data=st.data())
    def upload_own_edit(self, data):
        lead = data.draw(st.sampled_from(sorted(self.downloads)))
        content = self.downloads[lead]
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book["Themes"]
        downloaded = self._downloaded_own(lead, sheet)
        if not downloaded:
            return
        pk, full_text, coordinate = data.draw(st.sampled_from(downloaded))
        marker = f"edited{self._marker(lead)}"
        sheet[coordinate].value = sheet[coordinate].value.replace(full_text, f"{full_text} {marker}", 1)
        edited = io.BytesIO()
        book.save(edited)
        response = self._upload(lead, edited.getvalue())
        if not self._editable(lead):
            assert response.status_code == 403
            return
        now = Entry.objects.filter(pk=pk).first()
        if now is None or now.full_text != full_text:
            # Changed on the pages since the download: refused, naming it, nothing written.
            assert response.status_code == 200
            assert "was changed again after the workbook was downloaded" in response.content.decode()
            return
        assert response.status_code == 200, response.content[:300]
        plan = response.context["plan"]
        assert [(c.kind, c.before, c.after) for c in plan.changes] == [("updated", full_text, f"{full_text} {marker}")]
        confirmed = self.clients[lead].post(
            reverse("stocktake:return_upload_confirm", args=[self.round.slug, lead, response.context["token"]])
        )
        assert confirmed.status_code == 302
        run_queued_jobs()  # the import runs as a background job
        now.refresh_from_db()
        assert now.text.endswith(marker)
        self.model[pk] = (now.lead_in, now.text)

    def _downloaded_own(self, lead, sheet) -> list[tuple[int, str, str]]:
        """The lead's own entries as the download holds them: (id, full text, cell)."""
        found = []
        for entry in self._own(lead):
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and entry.full_text in cell.value:
                        found.append((entry.pk, entry.full_text, cell.coordinate))
        return found

    # After every step --------------------------------------------------------

    @invariant()
    def every_status_is_where_its_recorded_steps_lead(self):
        for return_ in Return.objects.filter(round=self.round).prefetch_related("transitions"):
            steps = list(return_.transitions.all())
            for before, after in itertools.pairwise(steps):
                assert before.to_status == after.from_status
            assert not steps or steps[-1].to_status == return_.status

    @invariant()
    def the_round_holds_exactly_what_each_actor_made(self):
        assert self._entries() == self.model

    @invariant()
    def no_lead_sees_another_borough_s_draft(self):
        drafts = {
            slug: [
                text
                for _, text in Entry.objects.filter(round=self.round, places=self.places[slug]).values_list(
                    "pk", "text"
                )
            ]
            for slug in LEADS
            if self._editable(slug)
        }
        for lead, client in self.clients.items():
            seen = [
                client.get(reverse("stocktake:return_detail", args=[self.round.slug, lead])).content.decode(),
                client.get(reverse("stocktake:entry_list"), {"round": self.round.pk, "_export": "csv"}).content.decode(
                    "utf-8-sig"
                ),
                _file_text(
                    b"".join(client.get(reverse("stocktake:round_workbook", args=[self.round.slug])).streaming_content)
                ),
            ]
            for other, texts in drafts.items():
                if other == lead:
                    continue
                for text in texts:
                    marker = text.split()[0]
                    assert all(marker not in page for page in seen), (lead, other, text)

    @invariant()
    def export_import_export_is_a_no_op(self):
        for lead in LEADS:
            content = b"".join(
                self.clients[lead].get(reverse("stocktake:round_workbook", args=[self.round.slug])).streaming_content
            )
            plan = import_stocktake(
                io.BytesIO(content),
                framework=self.round.framework,
                round_name=self.round.name,
                user=self.users[lead],
                dry_run=True,
            )
            assert not plan.has_changes, (lead, plan.changes)


@pytest.mark.django_db
def test_a_live_round_played_by_three_leads_and_the_reviewer(world, settings_media):
    LiveRound.world = world
    run_state_machine_as_test(
        LiveRound,
        settings=settings(
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=os.environ.get("LIVE_ROUND_PROFILE", "ci") == "ci",
            **PROFILE,
        ),
    )


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings
