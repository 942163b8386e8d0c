"""No lost updates: a save from a form opened before someone else's save is refused, on every door.

Each test opens an admin change form as one person (the HTML as the browser
gets it, inlines included), lets another person save the same row, then
posts the first form: nothing is written, the first person is told, and
the form reloads with the newer values. The same form posted after reloading
saves.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from atf.tests.test_permission_matrix import client_for
from atf.versioning import StaleVersion


class _FormValues(HTMLParser):
    """The values a browser would post from the admin page's change form."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.textarea: str | None = None
        self.select: str | None = None
        self.selected: list[str] = []
        self.first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and attrs.get("id", "").endswith("_form"):  # the change form
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.append((name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""
        elif tag == "select" and name:
            self.select, self.selected, self.first_option = name, [], None
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.selected.append(value)

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            self.values.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = self.selected or ([] if self.multiple else [self.first_option or ""])
            self.values += [(self.select, value) for value in chosen]
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def opened_form(client: Client, url: str) -> dict[str, list[str]]:
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormValues()
    parser.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    assert "version" in data or any(k.endswith("-version") for k in data), "the form carries no version"
    return data


def post(client: Client, url: str, data: dict[str, list[str]], **changes):
    body = {**data, **{k: [v] for k, v in changes.items()}, "_save": ["Save"]}
    return client.post(url, body)


def refused(response) -> bool:
    messages = [str(m) for m in response.wsgi_request._messages]
    return response.status_code == 302 and any("changed by someone else" in m for m in messages)


CASES = {
    # name: (admin URL name, object, field to change, new value, role that edits)
    "entry": ("stocktake_entry", lambda w: w.entries.knowsley, "text", "Changed in the admin", "reviewer"),
    "return": ("stocktake_return", lambda w: w.rounds.open.returns.first(), "comment", "A comment", "reviewer"),
    "round": ("stocktake_round", lambda w: w.rounds.open, "title", "A new title", "reviewer"),
    "paragraph": ("commissions_paragraph", lambda w: w.minutes.st_helens.paragraph, "text", "Rewritten", "secretariat"),
    "action": ("commissions_action", lambda w: w.minutes.st_helens.action, "description", "Do it now", "secretariat"),
    "attendance": (
        "commissions_attendance",
        lambda w: w.minutes.st_helens.attendance,
        "name_or_position",
        "Vice chair",
        "secretariat",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_stale_admin_change_form_is_refused_and_nothing_is_overwritten(matrix_world, case):
    admin_name, get, field, value, role = CASES[case]
    obj = get(matrix_world)
    url = reverse(f"admin:{admin_name}_change", args=[obj.pk])
    first = client_for(matrix_world, role)
    form = opened_form(first, url)
    # Someone else saves the row after the first person opened the form.
    newer = type(obj).objects.get(pk=obj.pk)
    setattr(newer, field, "Saved by someone else")
    newer.save()

    response = post(first, url, form, **{field: value})
    assert refused(response), response.content[:600]
    obj.refresh_from_db()
    assert getattr(obj, field) == "Saved by someone else"

    # Reloaded, the form shows the newer text and saves.
    again = opened_form(first, url)
    assert again[field] == ["Saved by someone else"]
    assert post(first, url, again, **{field: value}).status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == value


@pytest.mark.parametrize(
    ("admin_name", "parent", "child", "field"),
    [
        ("commissions_meeting", lambda w: w.minutes.st_helens.meeting, "attendance", "name_or_position"),
        ("commissions_agendaitem", lambda w: w.minutes.st_helens.item, "paragraph", "text"),
    ],
)
def test_a_stale_inline_row_is_refused_with_its_parent(matrix_world, admin_name, parent, child, field):
    owner = parent(matrix_world)
    url = reverse(f"admin:{admin_name}_change", args=[owner.pk])
    client = client_for(matrix_world, "secretariat")
    form = opened_form(client, url)
    row = getattr(matrix_world.minutes.st_helens, child)
    (row_prefix,) = [
        k.removesuffix("-id")
        for k, v in form.items()
        if k.endswith("-id") and v == [str(row.pk)] and k.split("-")[0] in (child, f"{child}s")
    ]
    assert f"{row_prefix}-version" in form
    newer = type(row).objects.get(pk=row.pk)
    setattr(newer, field, "Saved by someone else")
    newer.save()

    response = post(client, url, form, **{f"{row_prefix}-{field}": "From the stale form"})
    assert refused(response), response.content[:600]
    row.refresh_from_db()
    assert getattr(row, field) == "Saved by someone else"


def test_a_stale_save_in_code_raises_and_writes_nothing(matrix_world):
    entry = matrix_world.entries.knowsley
    stale = type(entry).objects.get(pk=entry.pk)
    entry.text = "First save"
    entry.save()
    stale.text = "Second save from an older copy"
    with pytest.raises(StaleVersion):
        stale.save()
    entry.refresh_from_db()
    assert entry.text == "First save"


def test_the_data_migration_normalises_text_stored_before(matrix_world):
    from importlib import import_module

    from django.apps import apps

    from stocktake.models import Entry

    entry = matrix_world.entries.knowsley
    Entry.objects.filter(pk=entry.pk).update(text="line one  \r\nline\u00a0two\r", lead_in="Knowsley\u00a0- ")
    import_module("stocktake.migrations.0006_normalise_text").forwards(apps, None)
    entry.refresh_from_db()
    assert (entry.lead_in, entry.text) == ("Knowsley - ", "line one\nline two")


def test_an_action_s_status_set_from_an_older_page_is_refused_with_the_update(matrix_world):
    action = matrix_world.minutes.st_helens.action
    url = reverse("commissions:action_detail", args=[action.pk])
    secretariat = client_for(matrix_world, "secretariat")
    opened = secretariat.get(url).context["form"]["version"].value()
    # Someone else closes the action after the page was opened.
    newer = type(action).objects.get(pk=action.pk)
    newer.status = "done"
    newer.save()

    response = secretariat.post(url, {"text": "Still going", "status": "in_progress", "version": opened})
    assert response.status_code == 200
    assert "Someone else changed this action" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "done" and not action.updates.filter(text="Still going").exists()
    # Posted again from the reloaded form, it saves.
    again = response.context["form"]["version"].value()
    assert secretariat.post(url, {"text": "Still going", "status": "in_progress", "version": again}).status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
