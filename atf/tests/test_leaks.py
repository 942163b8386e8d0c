"""The places where generic tools leak across tenants, each shut."""

import csv
import io
import json

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from boroughs.models import Place
from jobs.tests.helpers import post_and_follow
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Return, Round
from stocktake.xlsx import WorkbookError


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_entry_form_dropdowns_offer_a_lead_only_their_places_and_open_rounds(world):
    response = logged_in(world.users.lead).get(reverse("admin:stocktake_entry_add"))
    form = response.context["adminform"].form
    assert set(form.fields["places"].queryset.values_list("slug", flat=True)) == {"knowsley", "northwood"}
    assert list(form.fields["round"].queryset) == [world.rounds.open]


def test_membership_dropdowns_offer_a_reviewer_only_their_system(world):
    response = logged_in(world.users.reviewer).get(reverse("admin:atf_membership_add"))
    form = response.context["adminform"].form
    places = set(form.fields["place"].queryset.values_list("slug", flat=True))
    assert "knowsley" in places and "hackney" not in places
    users = set(form.fields["user"].queryset.values_list("username", flat=True))
    assert "lead-knowsley" in users and "nel-reviewer" not in users
    commissions = set(form.fields["commission"].queryset.values_list("name", flat=True))
    assert "Hackney Health and Wellbeing Board" not in commissions


def test_autocomplete_offers_only_places_the_lead_may_use(world):
    response = logged_in(world.users.lead).get(
        reverse("admin:autocomplete"),
        {"app_label": "stocktake", "model_name": "entry", "field_name": "places", "term": ""},
    )
    names = {r["text"] for r in json.loads(response.content)["results"]}
    assert names == {"Knowsley", "Northwood"}


def test_autocomplete_of_users_shows_a_reviewer_only_their_system(world):
    response = logged_in(world.users.reviewer).get(
        reverse("admin:autocomplete"),
        {"app_label": "atf", "model_name": "membership", "field_name": "user", "term": ""},
    )
    names = {r["text"] for r in json.loads(response.content)["results"]}
    assert "lead-knowsley" in names and "nel-reviewer" not in names


def test_list_filters_offer_only_visible_choices(world):
    response = logged_in(world.users.lead).get(reverse("admin:stocktake_entry_changelist"))
    content = response.content.decode()
    assert "NEL round 2025" not in content
    assert "Hackney" not in content
    assert "Sefton draft family hub" not in content


def test_history_of_someone_else_s_draft_is_not_found(world):
    client = logged_in(world.users.lead)
    entry = world.entries.sefton
    assert client.get(reverse("admin:stocktake_entry_history", args=[entry.pk])).status_code == 404
    version = entry.history.first().history_id
    assert client.get(reverse("admin:stocktake_entry_simple_history", args=[entry.pk, version])).status_code == 404


def test_the_delete_confirmation_lists_nothing_of_other_tenants(world):
    world.entries.knowsley.places.add(world.places["northwood"])
    response = logged_in(world.users.lead).get(
        reverse("admin:stocktake_entry_delete", args=[world.entries.knowsley.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Halton" not in content and "Sefton" not in content and "Hackney" not in content


def test_the_delete_action_cannot_reach_rows_that_are_not_the_user_s(world):
    entries = world.entries
    logged_in(world.users.lead).post(
        reverse("admin:stocktake_entry_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [entries.knowsley.pk, entries.halton.pk, entries.sefton.pk, entries.hackney.pk],
            "post": "yes",
        },
    )
    assert Entry.objects.filter(pk__in=[entries.halton.pk, entries.sefton.pk, entries.hackney.pk]).count() == 3


HEADER = ["id", "round", "theme", "level", "places", "lead_in", "text", "position"]


def csv_upload(rows, header=HEADER, name="entries.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def admin_import(user, upload):
    """Upload a flat file in the admin and confirm it if the preview allows: (preview, confirm) responses."""
    client = logged_in(user)
    preview = client.post(reverse("admin:stocktake_entry_import"), {"entries_file": upload})
    token = preview.context.get("token") if preview.context else None
    if token is None:
        return preview, None
    # The confirm starts a background job, run here: the page reached is the job's, once it is done.
    return preview, post_and_follow(client, reverse("admin:stocktake_entry_import_confirm", args=[token]))


@pytest.mark.parametrize("target", ["halton", "sefton", "hackney"])
def test_an_import_cannot_change_another_borough_s_entry_by_its_id(world, target):
    entry = getattr(world.entries, target)
    before = entry.text
    rows = [
        [world.entries.knowsley.pk, world.rounds.open.name, 1, "borough", "Knowsley", "Knowsley - ", "Mine, edited", 0],
        [entry.pk, world.rounds.open.name, 1, "borough", "Knowsley", "Knowsley - ", "Taken over", 0],
    ]
    preview, confirm = admin_import(world.users.lead, csv_upload(rows))
    assert confirm is None
    assert f"entry {entry.pk} is not one you may change" in preview.content.decode()
    assert before not in preview.content.decode()
    entry.refresh_from_db()
    world.entries.knowsley.refresh_from_db()
    assert entry.text == before
    # All or nothing: the lead's own row was not written either.
    assert world.entries.knowsley.text == "Knowsley draft family hub"


def test_an_import_cannot_attribute_an_entry_to_another_borough(world):
    rows = [["", world.rounds.open.name, 1, "borough", "Halton", "Halton - ", "Planted", 0]]
    preview, confirm = admin_import(world.users.lead, csv_upload(rows))
    assert confirm is None and "not a place you may attribute entries to" in preview.content.decode()
    assert not Entry.objects.filter(text="Planted").exists()


def test_a_lead_s_own_import_works(world):
    rows = [
        [world.entries.knowsley.pk, world.rounds.open.name, 1, "borough", "Knowsley", "Knowsley - ", "Mine, edited", 0],
        ["", world.rounds.open.name, 1, "borough", "Knowsley", "Knowsley - ", "A new one", 1],
    ]
    preview, confirm = admin_import(world.users.lead, csv_upload(rows))
    assert "1 created, 1 updated, 0 unchanged" in preview.content.decode()
    assert "1 created, 1 updated" in confirm.content.decode()
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Mine, edited"
    assert Entry.objects.get(text="A new one").places.get().slug == "knowsley"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_admin_export_round_trips_through_the_admin_import(world, file_format):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(world.users.reviewer)
    exported = client.get(
        reverse("admin:stocktake_entry_export"), {"file_format": file_format, "round": world.rounds.open.pk}
    )
    assert exported.status_code == 200
    upload = SimpleUploadedFile(f"entries.{file_format}", exported.content)
    preview = client.post(reverse("admin:stocktake_entry_import"), {"entries_file": upload})
    assert "0 created, 0 updated, 3 unchanged" in preview.content.decode()


def test_the_admin_export_holds_only_what_the_user_may_read(world):
    exported = logged_in(world.users.lead).get(reverse("admin:stocktake_entry_export"), {"file_format": "csv"})
    text = exported.content.decode("utf-8-sig")
    assert "Knowsley draft family hub" in text and "Halton submitted family hub" in text
    assert "Sefton draft family hub" not in text and "Hackney" not in text


def test_a_closed_round_s_entries_cannot_be_imported_over(world):
    client = logged_in(world.users.reviewer)
    exported = client.get(
        reverse("admin:stocktake_entry_export"), {"file_format": "csv", "round": world.rounds.closed.pk}
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    rows[1][rows[0].index("text")] = "Rewritten after the round closed"
    preview, confirm = admin_import(world.users.reviewer, csv_upload(rows[1:], header=rows[0]))
    assert confirm is None and "is not one you may change" in preview.content.decode()
    world.entries.closed.refresh_from_db()
    assert world.entries.closed.text == "Sefton 2023 family hub"


@pytest.fixture
def open_stocktake(world, workbook_path, tmp_path):
    """The 2023 workbook imported by the reviewer as an open round."""
    import_stocktake(workbook_path, framework=world.framework, round_name="Spring 2026", user=world.users.reviewer)
    return Round.objects.get(name="Spring 2026")


def edited_copy(workbook_path, tmp_path, old, new, cell="G5"):
    book = openpyxl.load_workbook(workbook_path)
    sheet = book["Themes"]
    assert old in sheet[cell].value
    sheet[cell].value = sheet[cell].value.replace(old, new)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def test_a_lead_s_workbook_changes_only_their_own_paragraphs(world, open_stocktake, workbook_path, tmp_path):
    # The whole 2023 workbook, as passed round by email: every borough's paragraphs, drafts the lead cannot read.
    path = edited_copy(
        workbook_path, tmp_path, "Knowsley - first Family Hub has opened", "Knowsley - our first Family Hub has opened"
    )
    plan = import_stocktake(path, framework=world.framework, round_name="Spring 2026", user=world.users.lead)
    assert (plan.created, plan.updated, plan.deleted) == (0, 1, 0)
    # The others' paragraphs are left out, and said to be, without a word of them.
    (warning,) = [w for w in plan.parsed.warnings if "left as they are" in w]
    assert "G5" in warning and "Halton" not in warning and "Family" not in warning


def test_a_lead_s_workbook_that_rewrites_another_borough_s_draft_leaves_it_and_never_quotes_it(
    world, open_stocktake, workbook_path, tmp_path
):
    book = openpyxl.load_workbook(workbook_path)
    cell = book["Themes"]["G5"]
    cell.value = cell.value.replace("Knowsley - first Family", "Knowsley - our first Family").replace(
        "Halton - Launched two Family hubs", "Halton - Closed two Family hubs"
    )
    path = tmp_path / "edited.xlsx"
    book.save(path)
    halton = set(Entry.objects.filter(round=open_stocktake, places__name="Halton").values_list("pk", "text"))
    plan = import_stocktake(path, framework=world.framework, round_name="Spring 2026", user=world.users.lead)
    assert (plan.created, plan.updated, plan.deleted) == (0, 1, 0)
    assert "Halton" not in " ".join(plan.parsed.warnings)
    assert set(Entry.objects.filter(round=open_stocktake, places__name="Halton").values_list("pk", "text")) == halton


def test_a_lead_s_change_to_a_submitted_borough_s_entry_is_refused_whole(
    world, open_stocktake, workbook_path, tmp_path
):
    halton = Place.objects.get(name="Halton")
    Return.objects.create(round=open_stocktake, place=halton, status=Return.Status.SUBMITTED)
    path = edited_copy(workbook_path, tmp_path, "Halton - Launched two Family hubs", "Halton - Closed two Family hubs")
    before = list(Entry.objects.filter(round=open_stocktake).values_list("text", flat=True).order_by("pk"))
    # Halton's return is submitted, so the lead reads its entries, and the refusal may quote them.
    with pytest.raises(WorkbookError, match=r"not yours to change.*G5: “Halton - Launched two Family") as refusal:
        import_stocktake(path, framework=world.framework, round_name="Spring 2026", user=world.users.lead)
    assert "Cheshire East" not in str(refusal.value)
    assert list(Entry.objects.filter(round=open_stocktake).values_list("text", flat=True).order_by("pk")) == before


def test_a_lead_cannot_start_a_round_by_upload(world, workbook_path):
    with pytest.raises(WorkbookError, match="Only the ICS can start a round"):
        import_stocktake(workbook_path, framework=world.framework, round_name="Lead's round", user=world.users.lead)
    assert not Round.objects.filter(name="Lead's round").exists()


def test_the_admin_workbook_upload_is_refused_to_leads(world, workbook_path):
    client = logged_in(world.users.lead)
    with open(workbook_path, "rb") as handle:
        response = client.post(
            reverse("admin:stocktake_round_upload"), {"workbook": handle, "framework": world.framework.pk}
        )
    assert response.status_code == 403


def test_the_admin_workbook_upload_previews_then_imports(world, workbook_path):
    client = logged_in(world.users.reviewer)
    with open(workbook_path, "rb") as handle:
        preview = client.post(
            reverse("admin:stocktake_round_upload"),
            {"workbook": handle, "framework": world.framework.pk, "round_name": "Uploaded round"},
        )
    assert preview.status_code == 200
    assert not Round.objects.filter(name="Uploaded round").exists()
    token = preview.context["token"]
    # The stored file's name is the server's random token, whatever the client called it.
    assert "atf_stocktake_2023" not in token
    confirmed = client.post(reverse("admin:stocktake_round_upload_confirm", args=[token]))
    assert confirmed.status_code == 302
    assert Round.objects.get(name="Uploaded round").entries.count() > 200
    # Another user cannot confirm it.
    other = logged_in(world.users.superuser)
    assert other.post(reverse("admin:stocktake_round_upload_confirm", args=[token])).status_code == 404


def test_a_bad_upload_shows_its_message_and_changes_nothing(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_text("not a workbook")
    client = logged_in(world.users.reviewer)
    with open(path, "rb") as handle:
        response = client.post(
            reverse("admin:stocktake_round_upload"), {"workbook": handle, "framework": world.framework.pk}
        )
    assert response.status_code == 200
    assert "not an Excel workbook" in response.content.decode()
    assert Round.objects.count() == 3


def test_management_commands_act_within_a_user_s_scope(world, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    output = tmp_path / "nel.xlsx"
    with pytest.raises(CommandError, match="There is no round “NEL round 2025”"):
        call_command("export_stocktake", "--round", "NEL round 2025", "--output", str(output), "--as", "lead-knowsley")
    call_command("export_stocktake", "--round", "Open round 2025", "--output", str(output), "--as", "lead-halton")
    text = openpyxl.load_workbook(output)["Themes"]["G5"].value
    assert "Halton submitted family hub" in text and "Knowsley draft" not in text and "Sefton draft" not in text


def test_a_full_export_with_a_closed_round_re_imports_as_no_change(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(world.users.reviewer)
    exported = client.get(reverse("admin:stocktake_entry_export"), {"file_format": "csv"})
    assert "Sefton 2023 family hub" in exported.content.decode("utf-8-sig")
    preview = client.post(
        reverse("admin:stocktake_entry_import"), {"entries_file": SimpleUploadedFile("all.csv", exported.content)}
    )
    assert "0 created, 0 updated, 4 unchanged" in preview.content.decode()


def test_the_admin_export_form_takes_no_round_of_another_system(world):
    response = logged_in(world.users.lead).get(
        reverse("admin:stocktake_entry_export"), {"file_format": "csv", "round": world.rounds.nel.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")  # the form again, with its error
    assert "Hackney" not in response.content.decode()
