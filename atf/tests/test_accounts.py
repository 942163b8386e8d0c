"""Granting roles, and signing in safely."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from atf.models import Membership


def test_grant_and_revoke_by_name_or_alias(world, capsys):
    call_command("grant", "nobody", "borough-lead", "SMBC")
    assert Membership.objects.filter(user__username="nobody", role="borough_lead", place__slug="sefton").exists()
    call_command("grant", "nobody", "borough-lead", "sefton")
    assert "(already)" in capsys.readouterr().out
    call_command("revoke", "nobody", "borough_lead", "sefton")
    assert not Membership.objects.filter(user__username="nobody").exists()


def test_a_secretariat_is_granted_for_a_commission(world):
    call_command("grant", "nobody", "secretariat", "St Helens Inequalities Commission")
    assert Membership.objects.get(user__username="nobody").commission == world.commissions.st_helens


def test_a_role_at_the_wrong_kind_of_place_is_refused(world):
    with pytest.raises(CommandError, match="held at borough level"):
        call_command("grant", "nobody", "borough_lead", "cheshire-and-merseyside")


def test_a_reviewer_grants_only_below_their_own_place(world):
    call_command("grant", "nobody", "viewer", "knowsley", "--as", "reviewer")
    with pytest.raises(CommandError, match="Not allowed"):
        call_command("grant", "nobody", "viewer", "hackney", "--as", "reviewer")
    with pytest.raises(CommandError, match="Not allowed"):
        call_command("grant", "nobody", "ics_reviewer", "cheshire-and-merseyside", "--as", "reviewer")
    assert list(Membership.objects.filter(user__username="nobody").values_list("place__slug", flat=True)) == [
        "knowsley"
    ]


def test_a_lead_grants_nothing(world):
    with pytest.raises(CommandError, match="Not allowed"):
        call_command("grant", "nobody", "viewer", "knowsley", "--as", "lead-knowsley")
    assert not Membership.objects.filter(user__username="nobody").exists()


def test_unknown_names_are_reported(world):
    with pytest.raises(CommandError, match="There is no place “Trafford”"):
        call_command("grant", "nobody", "viewer", "Trafford")
    with pytest.raises(CommandError, match="not a role"):
        call_command("grant", "nobody", "mayor", "knowsley")
    with pytest.raises(CommandError, match="There is no user"):
        call_command("grant", "ghost", "viewer", "knowsley")


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("short-pass1")
    validate_password("a much longer passphrase")


def test_sessions_last_a_working_day_of_inactivity():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_repeated_failed_logins_are_locked_out(world):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "lead-knowsley", "password": "wrong password!!"})
    response = client.post(reverse("login"), {"username": "lead-knowsley", "password": "a long enough password"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_good_login_works_and_lands_on_home(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "lead-knowsley", "password": "a long enough password"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_changing_the_password_signs_out_other_sessions(world):
    elsewhere = Client()
    elsewhere.force_login(world.users.lead)
    here = Client()
    here.force_login(world.users.lead)
    response = here.post(
        reverse("admin:password_change"),
        {
            "old_password": "a long enough password",
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    assert elsewhere.get(reverse("home")).status_code == 302  # sent to log in again
    assert here.get(reverse("home")).status_code == 200
