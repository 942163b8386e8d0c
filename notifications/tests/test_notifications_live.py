"""Two leads and the ICS reviewer at once, with the schedule running between their steps (a Hypothesis state machine).

After every step: each person's home page and notification list show only their own notifications; no
lead is ever told, on a page or by mail, of the other borough's return or of the comment on it; each
person is told of each thing once; and every mail sent went to the person its notification is for.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from notifications import schedule, sending
from notifications.models import Notification
from stocktake import transitions
from stocktake.models import Return, Round

PROFILES = {
    "ci": {"max_examples": 5, "stateful_step_count": 12},
    "thorough": {"max_examples": 50, "stateful_step_count": 30},
}
PROFILE = PROFILES[os.environ.get("LIVE_ROUND_PROFILE", "ci")]
SECRET = {"knowsley": "Kirkby only", "halton": "Widnes only"}


class Told(RuleBasedStateMachine):
    world = None  # set by the test

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        world = self.world
        self.round = Round.objects.get(pk=world.rounds.open.pk)  # as saved now: earlier examples rolled back
        self.places = {"knowsley": world.places["knowsley"], "halton": world.places["halton"]}
        self.leads = {"knowsley": world.users.lead, "halton": world.users.other_lead}
        self.reviewer = world.users.reviewer
        for user in (*self.leads.values(), self.reviewer):
            user.email = f"{user.username}@example.org"
            user.save(update_fields=["email"])
        Notification.objects.all().delete()
        mail.outbox.clear()
        self.days_left = 20
        self.clients = {slug: self._client(user) for slug, user in self.leads.items()}
        self.clients["reviewer"] = self._client(self.reviewer)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @staticmethod
    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def _status(self, slug):
        found = Return.objects.filter(round=self.round, place=self.places[slug]).first()
        return found.status if found else Return.Status.DRAFT

    def _take(self, user, slug, action, reason=""):
        before = Notification.objects.count()
        try:
            transitions.take(user, self.round, self.places[slug], action, reason=reason)
        except transitions.TransitionRefused:
            # Not a step this return can take now: nothing is written, so nobody is told.
            assert Notification.objects.count() == before

    @rule(slug=st.sampled_from(["knowsley", "halton"]))
    def lead_submits(self, slug):
        self._take(self.leads[slug], slug, transitions.Action.SUBMIT)

    @rule(slug=st.sampled_from(["knowsley", "halton"]), accept=st.booleans())
    def reviewer_reviews(self, slug, accept):
        action = transitions.Action.ACCEPT if accept else transitions.Action.RETURN
        self._take(self.reviewer, slug, action, reason=f"{SECRET[slug]}: <b>add dates</b>")

    @rule(slug=st.sampled_from(["knowsley", "halton"]))
    def reviewer_reopens(self, slug):
        self._take(self.reviewer, slug, transitions.Action.REOPEN, reason=f"{SECRET[slug]}: reopened")

    @rule(days=st.integers(min_value=-2, max_value=15))
    def the_ics_moves_the_deadline(self, days):
        self.round = Round.objects.get(pk=self.round.pk)
        self.round.deadline = timezone.localdate() + timedelta(days=days)
        self.round.save()

    @rule()
    def the_schedule_runs(self):
        schedule.due_today()
        sending.send_waiting()

    @invariant()
    def each_sees_only_their_own(self):
        for slug, client in self.clients.items():
            home = client.get(reverse("home")).content.decode()
            listed = client.get(reverse("notifications:list")).content.decode()
            others = [s for s in SECRET if s != slug] if slug != "reviewer" else []
            for other in others:
                assert SECRET[other] not in home and SECRET[other] not in listed, (slug, other)
        for slug, lead in self.leads.items():
            other = "halton" if slug == "knowsley" else "knowsley"
            for notification in Notification.objects.filter(recipient=lead):
                assert self.places[other].name not in notification.subject + notification.body, notification.key
                assert SECRET[other] not in notification.body

    @invariant()
    def each_told_once_and_mailed_only_to_its_own(self):
        keys = list(Notification.objects.values_list("recipient_id", "key"))
        assert len(keys) == len(set(keys))
        addresses = {u.pk: u.email for u in (*self.leads.values(), self.reviewer)}
        sent = Notification.objects.filter(mail=Notification.Mail.SENT)
        expected = sorted(addresses[n.recipient_id] for n in sent if n.recipient_id in addresses)
        mailed = sorted(address for message in mail.outbox for address in message.to)
        assert mailed == expected
        for message in mail.outbox:
            (address,) = message.to
            slug = next((s for s, u in self.leads.items() if u.email == address), None)
            if slug:
                other = "halton" if slug == "knowsley" else "knowsley"
                assert SECRET[other] not in message.body


@pytest.mark.django_db
def test_two_leads_and_the_reviewer_are_each_told_only_their_own(world, settings):
    from hypothesis import settings as hypothesis_settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Told.world = world
    run_state_machine_as_test(
        Told,
        settings=hypothesis_settings(
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=os.environ.get("LIVE_ROUND_PROFILE", "ci") == "ci",
            **PROFILE,
        ),
    )
