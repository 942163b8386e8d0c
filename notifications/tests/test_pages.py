"""The pages of the notifications app, each a row of the permission matrix (atf/tests/test_permission_matrix.py).

A person's notifications and settings are their own: every signed-in role reads and changes its own; one
held by someone else is a 404 to everyone, superusers included, for reading, following and marking alike.
"""

import pytest
from django.urls import reverse

from atf.tests.test_permission_matrix import ROLES, client_for
from notifications.models import Kind, Notification, Setting

# url name -> whether it takes the id of a notification.
NOTIFICATION_PAGES: dict[str, list] = {
    "notifications:list": [],
    "notifications:settings": [],
    "notifications:mark_all": [],
    "notifications:open": ["pk"],
    "notifications:mark": ["pk"],
}
READS = ("notifications:list", "notifications:settings")
BY_ID = ("notifications:open", "notifications:mark")


@pytest.fixture
def leads_note(world):
    return Notification.objects.create(
        recipient=world.users.lead,
        kind=Kind.RETURN_REVIEWED,
        key="return:test",
        subject="Knowsley's return was returned for changes",
        body="Knowsley only: the Kirkby hub",
        link="/",
        reason="You are Knowsley's lead.",
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", READS)
def test_every_signed_in_role_reads_its_own_pages(world, leads_note, role, name):
    response = client_for(world, role).get(reverse(name))
    assert response.status_code == (302 if role == "anonymous" else 200)
    if role not in ("lead", "anonymous"):
        assert "Kirkby" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", BY_ID)
def test_only_the_recipient_follows_or_marks_a_notification(world, leads_note, role, name):
    client = client_for(world, role)
    url = reverse(name, args=[leads_note.pk])
    response = client.get(url) if name == "notifications:open" else client.post(url)
    expected = {"anonymous": 302, "lead": 302}.get(role, 404)
    assert response.status_code == expected
    leads_note.refresh_from_db()
    assert (leads_note.read_at is not None) == (role == "lead")


@pytest.mark.parametrize("role", ROLES)
def test_mark_all_and_settings_change_only_the_posters_own(world, leads_note, role):
    client = client_for(world, role)
    assert client.post(reverse("notifications:mark_all")).status_code == 302
    client.post(reverse("notifications:settings"), {})  # everything off, for the poster only
    leads_note.refresh_from_db()
    assert (leads_note.read_at is not None) == (role == "lead")
    owners = set(Setting.objects.values_list("user__username", flat=True))
    assert owners == (set() if role == "anonymous" else {getattr(world.users, role).username})


@pytest.mark.parametrize("name", ["notifications:mark_all", "notifications:mark"])
def test_marking_takes_only_posts(world, leads_note, name):
    args = [leads_note.pk] if name == "notifications:mark" else []
    assert client_for(world, "lead").get(reverse(name, args=args)).status_code == 405


@pytest.mark.parametrize("name", ["notifications:list", "notifications:open"])
def test_reading_takes_no_posts(world, leads_note, name):
    args = [leads_note.pk] if name == "notifications:open" else []
    assert client_for(world, "lead").post(reverse(name, args=args)).status_code == 405
