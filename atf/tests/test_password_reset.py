"""Password reset by email, through a real SMTP server on loopback (aiosmtpd), with Django's own views."""

from __future__ import annotations

import email
import os
import re
import socket
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
NEW_PASSWORD = "kingsway brookvale family hubs"


class Collect:
    """An aiosmtpd handler that keeps every message it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name for the hook
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def people(db, django_user_model):
    lead = django_user_model.objects.create_user("lead-knowsley", "lead-knowsley@example.org", PASSWORD)
    other = django_user_model.objects.create_user("lead-halton", "Lead-Halton@Example.org", PASSWORD)
    return lead, other


def reset_link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", text)[1]


def signs_in(username, password) -> bool:
    """Through the sign-in page, as a person would (and as django-axes, which counts failures, expects)."""
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def ask(client, address):
    return client.post(reverse("password_reset"), {"email": address})


def test_a_known_address_gets_a_working_link_by_smtp(smtp, people):
    client = Client()
    response = ask(client, "lead-knowsley@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    [(recipients, message)] = smtp.messages
    assert recipients == ["lead-knowsley@example.org"]
    assert message["Subject"] == "Reset your All Together Fairer password"
    assert "All Together Fairer" in message["From"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "You got this email because" in text and "works once, for 24 hours" in text
    assert message.get_body(preferencelist=("html",)) is not None  # and an HTML body beside it

    link = reset_link(message)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "Choose a new password" in page.content.decode()
    set_password_url = page.redirect_chain[-1][0]
    weak = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200 and "nhsuk-error-message" in weak.content.decode()
    assert weak.context["form"].errors.keys() == {"new_password1"}  # said beside the field it was typed in
    mismatch = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert mismatch.context["form"].errors.keys() == {"new_password2"}
    assert 'value="short"' not in weak.content.decode()  # a password is never written back into the page
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert signs_in("lead-knowsley", NEW_PASSWORD)
    # The link works once.
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(smtp, people):
    known = ask(Client(), "lead-knowsley@example.org")
    unknown = ask(Client(), "nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [recipients for recipients, _ in smtp.messages] == [["lead-knowsley@example.org"]]
    page = Client().get(reverse("password_reset_done")).content.decode()
    assert "If an account has the address you gave" in page


def test_two_people_reset_at_once_and_each_link_is_its_owner_s_only(smtp, people):
    first, second = Client(), Client()
    ask(first, "LEAD-KNOWSLEY@example.org")  # addresses match whatever their case
    ask(second, "lead-halton@example.org")
    links = {recipients[0].lower(): reset_link(message) for recipients, message in smtp.messages}
    assert set(links) == {"lead-knowsley@example.org", "lead-halton@example.org"}
    # Halton's lead changes their password with their own link; Knowsley's link still works, for Knowsley.
    page = second.get(links["lead-halton@example.org"], follow=True)
    second.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert signs_in("lead-halton", NEW_PASSWORD)
    assert signs_in("lead-knowsley", PASSWORD)
    page = first.get(links["lead-knowsley@example.org"], follow=True)
    assert "Choose a new password" in page.content.decode()
    # A link edited to name the other account is refused.
    uid_of_halton = links["lead-halton@example.org"].split("/")[3]
    forged = links["lead-knowsley@example.org"].split("/")
    forged[3] = uid_of_halton
    assert "This link no longer works" in Client().get("/".join(forged), follow=True).content.decode()


def test_a_signed_in_user_and_a_stranger_reach_the_pages(people):
    signed_in = Client()
    signed_in.force_login(people[0])
    for client in (Client(), signed_in):
        for name in ("password_reset", "password_reset_done", "password_reset_complete"):
            assert client.get(reverse(name)).status_code == 200
    login = Client().get(reverse("login")).content.decode()
    assert reverse("password_reset") in login and "Forgotten your password?" in login


@pytest.mark.parametrize(
    ("environment", "backend"),
    [
        ({}, "django.core.mail.backends.console.EmailBackend"),
        ({"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587"}, "django.core.mail.backends.smtp.EmailBackend"),
    ],
)
def test_email_is_configured_from_the_environment(environment, backend):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")} | environment
    env["DJANGO_SETTINGS_MODULE"] = "atf.settings"
    script = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_PORT)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [backend, environment.get("EMAIL_PORT", "25")]


def test_a_new_password_clears_the_failed_sign_ins_that_held_its_owner_back(smtp, people):
    for _ in range(7):  # someone guessing: the pair is held back
        signs_in("lead-knowsley", "a wrong guess at it")
    assert not signs_in("lead-knowsley", PASSWORD)  # held back, even with the right password
    client = Client()
    ask(client, "lead-knowsley@example.org")
    [(_, message)] = smtp.messages
    page = client.get(reset_link(message), follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert signs_in("lead-knowsley", NEW_PASSWORD)
