"""Granting roles, and signing in safely."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from atf import signin
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
    with pytest.raises(CommandError, match="held at sub-region, combined authority or borough level"):
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


def _fail(client, username="lead-knowsley", times=1, address="10.1.1.1"):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong password!!"}, REMOTE_ADDR=address)


def _sign_in(client, username="lead-knowsley", address="10.1.1.1"):
    return client.post(
        reverse("login"), {"username": username, "password": "a long enough password"}, REMOTE_ADDR=address
    )


def _age_attempts(minutes):
    """As if the last failures had happened ``minutes`` earlier."""
    from datetime import timedelta

    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_repeated_failed_logins_are_held_back_for_a_minute(world):
    client = Client()
    _fail(client, times=signin.FREE_FAILURES)
    response = _sign_in(client)
    assert response.status_code == 429
    assert "Wait 1 minute" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_cool_off_passes_and_the_right_password_then_works(world):
    client = Client()
    _fail(client, times=signin.FREE_FAILURES)
    _age_attempts(minutes=1.1)
    response = _sign_in(client)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_each_further_failure_doubles_the_cool_off_up_to_fifteen_minutes(world):
    client = Client()
    _fail(client, times=signin.FREE_FAILURES)
    _age_attempts(minutes=1.1)
    _fail(client)  # the sixth: two minutes now
    _age_attempts(minutes=1.1)
    assert _sign_in(client).status_code == 429
    _age_attempts(minutes=1)
    assert _sign_in(client).status_code == 302
    assert [signin.cool_off_after(n).total_seconds() / 60 for n in range(4, 11)] == [0, 1, 2, 4, 8, 15, 15]


def test_a_colleague_on_the_same_network_and_the_user_elsewhere_are_not_held_back(world):
    attacker = Client()
    _fail(attacker, times=signin.FREE_FAILURES + 3)
    assert _sign_in(Client(), username="lead-halton").status_code == 302  # same address, other user
    assert _sign_in(Client(), address="10.2.2.2").status_code == 302  # same user, other address


def test_a_success_clears_the_count(world):
    client = Client()
    _fail(client, times=signin.FREE_FAILURES - 1)
    assert _sign_in(client).status_code == 302
    client.post(reverse("logout"))
    _fail(client, times=signin.FREE_FAILURES - 1)
    assert _sign_in(client).status_code == 302


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
