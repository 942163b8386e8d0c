"""The workbook a lead really sends back, into a round that is open, with other boroughs at work.

The shared story (``world``): an open round made without any workbook (so
it has no rows of its own), Knowsley's and Sefton's returns drafts, Halton's
submitted. Each test downloads through the pages as a lead, edits the file
as people do (Excel, LibreOffice, several lines, a place name typed at the
start) and uploads it through the pages.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from jobs.tests.helpers import run_queued_jobs, said
from stocktake import layout
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Return, Round

LIBREOFFICE_COPY = Path(__file__).parent / "data" / "atf_stocktake_2023_libreoffice.xlsx"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def download(client, round_: Round) -> bytes:
    response = client.get(reverse("stocktake:round_workbook", args=[round_.slug]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def upload(client, round_: Round, place: str, content: bytes):
    handle = io.BytesIO(content)
    handle.name = "my return.xlsx"
    return client.post(reverse("stocktake:return_upload", args=[round_.slug, place]), {"workbook": handle})


def confirm(client, round_: Round, place: str, preview):
    """Confirm the preview's upload, and run the job it starts (the import runs in the background)."""
    token = preview.context["token"]
    response = client.post(reverse("stocktake:return_upload_confirm", args=[round_.slug, place, token]))
    run_queued_jobs()
    return response


def edit_cell(content: bytes, old: str, new: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    for row in book["Themes"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and old in cell.value:
                cell.value = cell.value.replace(old, new, 1)
                output = io.BytesIO()
                book.save(output)
                return output.getvalue()
    raise AssertionError(f"{old!r} is not in the workbook")


def texts(round_: Round) -> dict[int, str]:
    return dict(Entry.objects.filter(round=round_).values_list("pk", "text"))


def test_an_unchanged_download_uploads_as_no_change_while_others_hold_drafts(world):
    lead = signed_in(world.users.lead)
    content = download(lead, world.rounds.open)
    # Sefton's draft is not in Knowsley's file; Halton's submitted entry is.
    assert b"Sefton draft" not in content
    preview = upload(lead, world.rounds.open, "knowsley", content)
    assert preview.status_code == 200
    assert not preview.context["plan"].has_changes
    assert "Nothing would change" in preview.content.decode()
    assert "Sefton" not in preview.content.decode()


def test_the_download_uploads_as_no_change_after_others_moved_on(world, places):
    lead = signed_in(world.users.lead)
    content = download(lead, world.rounds.open)
    # Since the download: Halton's return came back and Halton rewrote its entry; Sefton submitted;
    # the reviewer corrected Knowsley's own entry.
    Return.objects.filter(place=places["halton"]).update(status=Return.Status.RETURNED)
    world.entries.halton.text = "Halton rewritten while returned"
    world.entries.halton.save()
    Return.objects.create(round=world.rounds.open, place=places["sefton"], status=Return.Status.SUBMITTED)
    world.entries.knowsley.text = "Knowsley draft family hub, corrected by the ICS"
    world.entries.knowsley.save()
    before = texts(world.rounds.open)

    preview = upload(lead, world.rounds.open, "knowsley", content)
    assert preview.status_code == 200 and not preview.context["plan"].has_changes
    page = preview.content.decode()
    assert "Halton rewritten" not in page and "Sefton" not in page
    assert texts(world.rounds.open) == before  # nothing reverted, nothing deleted


def test_a_lead_s_own_edit_is_applied_and_nothing_else(world):
    lead = signed_in(world.users.lead)
    content = edit_cell(
        download(lead, world.rounds.open), "Knowsley draft family hub", "Knowsley draft family hub, now open"
    )
    before = texts(world.rounds.open)
    preview = upload(lead, world.rounds.open, "knowsley", content)
    assert [(c["kind"], c["after"]) for c in preview.context["changes"]] == [
        ("updated", "Knowsley - Knowsley draft family hub, now open")
    ]
    assert confirm(lead, world.rounds.open, "knowsley", preview).status_code == 302
    before[world.entries.knowsley.pk] = "Knowsley draft family hub, now open"
    assert texts(world.rounds.open) == before
    # And the next download of that file is again no change.
    again = upload(lead, world.rounds.open, "knowsley", download(lead, world.rounds.open))
    assert not again.context["plan"].has_changes


def test_an_edit_over_newer_text_is_refused_and_shows_only_what_the_lead_may_read(world):
    lead = signed_in(world.users.lead)
    content = edit_cell(download(lead, world.rounds.open), "Knowsley draft family hub", "Knowsley mine from Excel")
    # Someone saved the same entry on the pages after the download.
    world.entries.knowsley.text = "Knowsley saved on the pages meanwhile"
    world.entries.knowsley.save()
    preview = upload(lead, world.rounds.open, "knowsley", content)
    page = preview.content.decode()
    assert (
        "was changed again after the workbook was downloaded" in page
        and "Knowsley saved on the pages meanwhile" in page
    )
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Knowsley saved on the pages meanwhile"


def test_a_stale_preview_is_planned_again_at_confirm_and_never_applied_over_newer_text(world):
    lead = signed_in(world.users.lead)
    content = edit_cell(download(lead, world.rounds.open), "Knowsley draft family hub", "Knowsley from Excel")
    preview = upload(lead, world.rounds.open, "knowsley", content)
    assert preview.context["plan"].updated == 1
    # Between the preview and the confirm, the lead saves the entry in another tab.
    world.entries.knowsley.text = "Knowsley from the other tab"
    world.entries.knowsley.save()
    response = confirm(lead, world.rounds.open, "knowsley", preview)
    assert response.status_code == 302
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Knowsley from the other tab"
    messages = said(lead, response)  # the job's outcome, on its page
    assert any(
        "nothing was imported" in m and "was changed again after the workbook was downloaded" in m for m in messages
    )


def test_a_paragraph_typed_on_several_lines_in_the_form_round_trips(world):
    lead = signed_in(world.users.lead)
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 2])
    typed = "Knowsley - Second family hub\r\nopened in Huyton,\u00a0with a caf\u00e9   \r\n\r\nand a library"
    assert lead.post(add, {"text": typed, "places": [world.places["knowsley"].pk]}).status_code == 302
    entry = Entry.objects.get(text__startswith="Second family hub")
    # The place name typed at the start is the entry's lead-in, once.
    assert entry.lead_in == "Knowsley - "
    assert entry.text == "Second family hub\nopened in Huyton, with a caf\u00e9\n\nand a library"
    content = download(lead, world.rounds.open)
    cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(content))["Themes"].iter_rows() for c in row]
    assert any(isinstance(v, str) and "Knowsley - Second family hub\nopened in Huyton" in v for v in cells)
    assert not any(isinstance(v, str) and "Knowsley - Knowsley - " in v for v in cells)
    assert not upload(lead, world.rounds.open, "knowsley", content).context["plan"].has_changes
    page = lead.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"])).content.decode()
    assert "Knowsley - Second" not in page  # pages show the activity, without the lead-in


def test_a_place_name_typed_for_another_borough_is_refused_beside_the_field(world):
    lead = signed_in(world.users.lead)
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 2])
    response = lead.post(add, {"text": "Halton - their hub", "places": [world.places["knowsley"].pk]})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert not Entry.objects.filter(text__contains="their hub").exists()


def test_a_round_opened_on_the_pages_takes_a_lead_s_upload(world, framework):
    reviewer = signed_in(world.users.reviewer)
    response = reviewer.post(
        reverse("stocktake:round_new"),
        {
            "name": "Spring 2027",
            "framework": framework.pk,
            "period_start": "01/01/2027",
            "period_end": "31/03/2027",
            "deadline": "31/03/2027",
        },
    )
    assert response.status_code == 302, response.content[:400]
    round_ = Round.objects.get(name="Spring 2027")
    lead = signed_in(world.users.lead)
    content = download(lead, round_)
    assert not upload(lead, round_, "knowsley", content).context["plan"].has_changes
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["Themes"]
    header = layout.BOROUGH_HEADER_FOR_BLOCK[layout.THEMES_HEADER]
    (borough_column,) = [c.column for c in sheet[layout.FIRST_HEADER_ROW] if c.value == header]
    sheet.cell(row=layout.FIRST_HEADER_ROW + 1, column=borough_column).value = "Knowsley - a new hub for 2027"
    output = io.BytesIO()
    book.save(output)
    preview = upload(lead, round_, "knowsley", output.getvalue())
    assert preview.context["plan"].created == 1, preview.content[:600]
    confirm(lead, round_, "knowsley", preview)
    assert Entry.objects.get(round=round_).full_text == "Knowsley - a new hub for 2027"


def test_the_real_workbook_re_saved_by_libreoffice_imports_as_no_change(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework, round_name="2023")
    plan = import_stocktake(LIBREOFFICE_COPY, framework=framework, round_name="2023", dry_run=True)
    assert not plan.has_changes, plan.changes[:3]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_download_re_saved_by_libreoffice_keeps_its_baseline(world, tmp_path):
    lead = signed_in(world.users.lead)
    source = tmp_path / "download.xlsx"
    source.write_bytes(
        edit_cell(download(lead, world.rounds.open), "Knowsley draft family hub", "Knowsley hub, in LibreOffice")
    )
    subprocess.run(
        [
            shutil.which("soffice"),
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = (tmp_path / "out" / "download.xlsx").read_bytes()
    # Others move on; the file still carries its download's token, so it is judged on the lead's edit alone.
    world.entries.halton.text = "Halton changed after the download"
    world.entries.halton.save()
    preview = upload(lead, world.rounds.open, "knowsley", resaved)
    assert preview.context["plan"].from_download
    assert [(c["kind"], c["after"]) for c in preview.context["changes"]] == [
        ("updated", "Knowsley - Knowsley hub, in LibreOffice")
    ]


def test_a_later_line_starting_with_a_place_name_is_refused_beside_the_text(world):
    # In the workbook such a line would begin another entry: an unchanged upload would split this one.
    lead = signed_in(world.users.lead)
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 8])
    for text in ("Joint work with neighbours:\nHalton - shared training", "Two strands:\nTrafford - not a place here"):
        response = lead.post(add, {"text": text, "places": [world.places["knowsley"].pk]})
        assert response.status_code == 200
        assert "Line 2 starts with" in response.context["form"].errors["text"][0]
    assert not Entry.objects.filter(text__startswith=("Joint work")).exists()


def test_a_stale_delete_confirmation_deletes_nothing_and_shows_the_newer_text(world):
    lead = signed_in(world.users.lead)
    entry = world.entries.knowsley
    url = reverse("stocktake:entry_delete", args=[entry.pk])
    opened = lead.get(url).content.decode()
    assert f'name="version" value="{entry.version}"' in opened
    entry.text = "Rewritten in another tab"
    entry.save()
    response = lead.post(url, {"version": entry.version - 1})
    assert response.status_code == 409 and "Rewritten in another tab" in response.content.decode()
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert lead.post(url, {"version": entry.version}).status_code == 302
    assert not Entry.objects.filter(pk=entry.pk).exists()


def test_after_a_round_closes_forms_say_who_can_reopen_it_and_keep_the_text(world):
    lead = signed_in(world.users.lead)
    entry = world.entries.knowsley
    Round.objects.filter(pk=world.rounds.open.pk).update(status=Round.Status.CLOSED)
    edit = reverse("stocktake:entry_edit", args=[entry.pk])
    posted = lead.post(edit, {"text": "Typed before the close", "places": [world.places["knowsley"].pk]})
    page = posted.content.decode()
    assert posted.status_code == 403
    assert "is closed" in page and "An ICS reviewer can reopen it" in page and "Typed before the close" in page
    shown = lead.get(edit)
    assert shown.status_code == 403 and "An ICS reviewer can reopen it" in shown.content.decode()
    assert "check your role" not in shown.content.decode()
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 1])
    added = lead.post(add, {"text": "A new one, too late", "places": [world.places["knowsley"].pk]})
    assert added.status_code == 403 and "A new one, too late" in added.content.decode()
    entry.refresh_from_db()
    assert entry.text == "Knowsley draft family hub"


def test_another_round_s_workbook_uploaded_here_is_named_as_such(world, framework):
    second = Round.objects.create(framework=framework, name="Second open round")
    lead = signed_in(world.users.lead)

    def refusal(content: bytes) -> str:
        response = upload(lead, second, "knowsley", content)
        assert response.status_code == 200
        (message,) = response.context["form"].errors["workbook"]
        return message

    message = refusal(download(lead, world.rounds.open))
    assert "is “Open round 2025”'s, not “Second open round”'s" in message and "not yours" not in message
    # Without its download's token (say, a copy saved by another program), the title cell tells.
    book = openpyxl.load_workbook(io.BytesIO(download(lead, world.rounds.open)))
    book.custom_doc_props.props = []
    output = io.BytesIO()
    book.save(output)
    assert "is “Open round 2025”'s" in refusal(output.getvalue())


def test_a_place_name_that_begins_the_sentence_stays_in_the_text(world):
    lead = signed_in(world.users.lead)
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 3])
    lead.post(add, {"text": "Knowsley Council opened a jobs hub", "places": [world.places["knowsley"].pk]})
    entry = Entry.objects.get(text="Knowsley Council opened a jobs hub")
    assert entry.lead_in == "Knowsley - "
    assert (
        not upload(lead, world.rounds.open, "knowsley", download(lead, world.rounds.open)).context["plan"].has_changes
    )


def test_control_characters_pasted_into_an_entry_never_break_a_download(world):
    lead = signed_in(world.users.lead)
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 7])
    # A line break pasted from Word often arrives as a vertical tab; a bell or escape is noise.
    lead.post(add, {"text": "Pasted\x0bfrom Word\x07 with\x1b noise", "places": [world.places["knowsley"].pk]})
    assert Entry.objects.get(text__startswith="Pasted").text == "Pasted\nfrom Word with noise"
    # Text stored before it was normalised cannot break the workbook or the exports either.
    Entry.objects.filter(pk=world.entries.knowsley.pk).update(text="Stored\x0b with\x01 controls")
    reviewer = signed_in(world.users.reviewer)
    for client in (lead, reviewer):
        book = openpyxl.load_workbook(io.BytesIO(download(client, world.rounds.open)))
        assert any("Stored\n with controls" in str(c.value) for row in book["Themes"].iter_rows() for c in row)
    exported = reviewer.get(reverse("stocktake:entry_list"), {"round": world.rounds.open.pk, "_export": "xlsx"})
    assert exported.status_code == 200


def test_a_second_reviewer_s_comment_from_a_stale_page_is_given_back(world, places):
    first, second = signed_in(world.users.reviewer), signed_in(world.users.reviewer)
    url = reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"])
    assert first.post(url, {"decision": "accepted", "comment": ""}).status_code == 302
    response = second.post(url, {"decision": "returned", "comment": "Please add theme 7"}, follow=True)
    page = response.content.decode()
    assert "only a submitted return can be reviewed" in page and "Please add theme 7" in page
    assert Return.objects.get(round=world.rounds.open, place=places["halton"]).status == "accepted"


def test_an_entry_of_a_place_name_alone_is_refused(world):
    lead = signed_in(world.users.lead)
    add = reverse("stocktake:entry_add", args=[world.rounds.open.slug, "knowsley", "theme", 1])
    response = lead.post(add, {"text": "Knowsley - ", "places": [world.places["knowsley"].pk]})
    assert "Enter what is being done" in response.context["form"].errors["text"][0]


def test_a_refusal_page_links_back_to_where_the_user_was(world):
    lead = signed_in(world.users.lead)
    Round.objects.filter(pk=world.rounds.open.pk).update(status=Round.Status.CLOSED)
    page = reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"])
    response = lead.post(
        reverse("stocktake:entry_move", args=[world.entries.knowsley.pk]),
        {"direction": "up"},
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert response.status_code == 403 and f'href="{page}"' in response.content.decode()


def test_a_round_with_a_year_typed_as_0001_is_refused_beside_the_field(world, framework):
    reviewer = signed_in(world.users.reviewer)
    data = {"name": "Slip", "framework": framework.pk, "period_start": "01/01/0001", "period_end": "31/03/0001"}
    response = reviewer.post(reverse("stocktake:round_new"), {**data, "deadline": "15/04/0001"})
    assert response.status_code == 200
    assert "from the year 2000 on" in response.context["form"].errors["deadline"][0]
    assert not Round.objects.filter(name="Slip").exists()


def _kept_uploads(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "workbooks"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_an_upload_with_nothing_to_change_is_not_kept(world, settings):
    lead = signed_in(world.users.lead)
    preview = upload(lead, world.rounds.open, "knowsley", download(lead, world.rounds.open))
    assert "Nothing would change" in preview.content.decode()
    assert _kept_uploads(settings) == []


def test_going_back_without_importing_deletes_the_upload_of_that_session_only(world, settings):
    lead, colleague = signed_in(world.users.lead), signed_in(world.users.lead)
    edited = edit_cell(download(lead, world.rounds.open), "Knowsley draft family hub", "Knowsley hub, from Excel")
    mine = upload(lead, world.rounds.open, "knowsley", edited)
    theirs = upload(colleague, world.rounds.open, "knowsley", edited)
    assert len(_kept_uploads(settings)) == 2
    assert "Go back to the return without importing" in mine.content.decode()
    before = texts(world.rounds.open)

    # The colleague's session posts the lead's token: it is not theirs, so nothing of the lead's is touched.
    url = reverse("stocktake:return_upload_confirm", args=[world.rounds.open.slug, "knowsley", mine.context["token"]])
    colleague.post(url, {"discard": "yes"})
    assert len(_kept_uploads(settings)) == 2

    response = lead.post(url, {"discard": "yes"}, follow=True)
    assert "Nothing was imported from the workbook." in response.content.decode()
    assert [path.stem for path in _kept_uploads(settings)] == [theirs.context["token"]]
    assert texts(world.rounds.open) == before
    # The discarded preview cannot be confirmed afterwards.
    response = lead.post(url, follow=True)
    assert "That upload has expired" in response.content.decode()
    assert texts(world.rounds.open) == before


def test_another_borough_s_published_return_is_not_said_to_be_waiting_for_submission(world):
    lead = signed_in(world.users.lead)
    note = "entries show here once"
    submitted = lead.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, "halton"]))
    assert submitted.status_code == 200 and note not in submitted.content.decode()
    draft = lead.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, "sefton"]))
    assert draft.status_code == 200 and note in draft.content.decode()
    assert "Sefton draft" not in draft.content.decode()
