"""The indicator values upload page, its preview and confirm, and the template for locally reported indicators.

Every layout goes through the page (the public extracts in ``../shared`` where they are beside the project,
and small files made here), each bad file is refused beside the field with nothing changed, a confirm imports
once, a token is its session's alone, and every URL answers each role as the tenant rule says: ICS staff
(the ICS's reviewers and superusers) import; anyone else signed in is refused.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse

from atf import limits, outputs
from atf.tests.test_permission_matrix import ROLES, client_for
from indicators import uploads
from indicators.exporting import value_rows
from indicators.models import IndicatorValue
from jobs.tests.helpers import run_queued_jobs

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "indicators"
CHECK = SHARED / "check"
STAFF = {"superuser", "reviewer"}
TIDY = "area_code,area_name,period,value,compared_to_England,inequality\n"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{name} is not beside the project")
    return path


def post_file(client, indicator, name, content, *, follow=False):
    return client.post(
        reverse("indicators:upload"),
        {"indicator": indicator.pk, "file": SimpleUploadedFile(name, content)},
        follow=follow,
    )


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.fullmatch(r"/indicators/upload/([\w-]+)/", response["Location"])
    assert match, response["Location"]
    return match[1]


def confirm(client, url, *, follow=False):
    """Post the preview's confirm; the import it starts runs (as the worker would) before anything is read back.

    With ``follow``, the page the confirm leads to: the import's progress page, once the import is done.
    """
    response = client.post(url)
    run_queued_jobs()
    if not follow or response.status_code != 302:
        return response
    page = client.get(response["Location"], follow=True)
    page.redirect_chain = [(response["Location"], 302), *page.redirect_chain]
    return page


def preview_url(token):
    return reverse("indicators:upload_preview", args=[token])


def stored_files(settings) -> list[Path]:
    directory = Path(settings.MEDIA_ROOT) / uploads.DIRECTORY
    return sorted(directory.iterdir()) if directory.exists() else []


@pytest.fixture
def reviewer(world):
    return client_for(world, "reviewer")


def indicator(world, number):
    return world.framework.indicators.get(number=number)


# Every layout, through the page --------------------------------------------------

REAL_FILES = [
    ("check/ons_healthy_life_expectancy.csv", 2, "ONS “Explore local statistics”", ()),
    ("check/fingertips_all_data_90362_constructed.csv", 2, "OHID Fingertips “all data”", ()),
    ("check/fingertips_all_data_90362_26col_constructed.csv", 2, "OHID Fingertips “all data”", ("Trafford",)),
    ("check/fingertips_labels_90362.csv", 2, "tidy file", ()),
    ("check/self_harm_10_24_2019_layout.csv", 5, "tidy file", ()),
    ("check/physically_inactive_adults.csv", 19, "tidy file", ()),
    ("trafford_themes__fingertips_90366_life_expectancy.csv", 1, "tidy file", ()),
    ("trafford_themes__fingertips_93014_physically_active_adults.csv", 19, "tidy file", ()),
    ("ons_ess__modelled_unemployment_16plus_with_95ci.csv", 10, "ONS “Explore local statistics”", ()),
]


@pytest.mark.parametrize(("name", "number", "layout", "skipped"), REAL_FILES)
def test_each_real_layout_is_previewed_then_imported_whole(world, reviewer, settings, name, number, layout, skipped):
    path = shared(name)
    target = indicator(world, number)
    token = token_of(post_file(reviewer, target, path.name, path.read_bytes()))
    page = reviewer.get(preview_url(token))
    assert page.status_code == 200
    text = page.content.decode()
    assert layout.lower() in text.lower() and f"{target.number}. " in text
    result = page.context["result"]
    assert result.created > 0 and result.updated == 0
    for area in skipped:
        assert area in text and "Skipped, as outside the system" in text
    assert IndicatorValue.objects.count() == 0  # the preview saved nothing

    done = confirm(reviewer, preview_url(token), follow=True)
    assert resolve(done.redirect_chain[-1][0]).view_name == "jobs:job_detail"  # the import's progress page, done
    assert IndicatorValue.objects.filter(indicator=target).count() == result.created
    said = done.content.decode()
    assert f"Indicator {number} values imported from “{path.name}”: {result.created} created" in said
    assert reverse("indicators:indicator_detail", args=[number]) in said and reverse("indicators:rug") in said
    assert stored_files(settings) == []  # deleted once imported


def test_the_fingertips_labels_are_shown_beside_ours_and_agree(world, reviewer):
    path = shared("check/fingertips_all_data_90362_constructed.csv")
    token = token_of(post_file(reviewer, indicator(world, 2), path.name, path.read_bytes()))
    page = reviewer.get(preview_url(token))
    compared = [row for row in page.context["sample"] if row.theirs in {"Better", "Similar", "Worse"}]
    assert compared and all(row.ours == row.theirs for row in compared)
    assert page.context["disagreements"] == 0


def test_a_re_upload_shows_revisions_old_to_new_and_nothing_to_import_when_unchanged(world, reviewer):
    target = indicator(world, 2)
    first = TIDY + "E92000001,England,2020 - 22,63.6,,Female\nE08000011,Knowsley,2020 - 22,57.1,Worse,Female\n"
    confirm(reviewer, preview_url(token_of(post_file(reviewer, target, "first.csv", first.encode()))))
    assert IndicatorValue.objects.count() == 2

    same = reviewer.get(preview_url(token_of(post_file(reviewer, target, "same.csv", first.encode()))))
    assert same.context["result"].unchanged == 2 and not same.context["has_changes"]
    assert "Import these values" not in same.content.decode()
    assert "already held as it is" in same.content.decode()

    revised = first.replace("57.1", "57.4")
    page = reviewer.get(preview_url(token_of(post_file(reviewer, target, "revised.csv", revised.encode()))))
    [row] = page.context["revisions"]
    # Numbers as published, not as held (57.100000), and what changes said in words.
    assert (row.before, row.value, row.area_name, row.changes) == ("57.1", "57.4", "Knowsley", "value")
    assert "<del>57.1</del>" in page.content.decode() and "<ins>57.4</ins>" in page.content.decode()


def test_a_label_the_file_adds_is_the_revision_shown_and_no_interval_is_lost(world, reviewer):
    target = indicator(world, 2)
    ons = (
        "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
        "E92000001,England,Country,Female healthy life expectancy,2020-01-01/P3Y,63.6,Years,yrs,63.4,63.8,,\n"
        "E08000011,Knowsley,UA,Female healthy life expectancy,2020-01-01/P3Y,57.1,Years,yrs,55.0,59.2,,\n"
    )
    confirm(reviewer, preview_url(token_of(post_file(reviewer, target, "ons.csv", ons.encode()))))
    labels = (
        TIDY + "E92000001,England,2020 - 22,63.6,Not compared,Female\nE08000011,Knowsley,2020 - 22,57.1,Worse,Female\n"
    )
    page = reviewer.get(preview_url(token_of(post_file(reviewer, target, "labels.csv", labels.encode()))))
    changes = {row.area_name: row.changes for row in page.context["revisions"]}
    assert changes == {"England": "publisher's comparison", "Knowsley": "publisher's comparison"}
    knowsley = next(row for row in page.context["sample"] if row.area_name == "Knowsley")
    # No interval in this file: our comparison is the publisher's, said to be, and no disagreement.
    assert (knowsley.ours, knowsley.disagrees) == ("Worse (the publisher's)", False)
    assert page.context["disagreements"] == 0


def test_a_tidy_xlsx_and_a_tidy_csv_with_count_denominator_and_note(world, reviewer):
    target = indicator(world, 12)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["area_code", "area_name", "period", "value", "sex", "count", "denominator", "note"])
    sheet.append(["E08000012", "Liverpool", "2023/24", 41.5, "Persons", 83, 200, "Anchor institutions' own count"])
    buffer = io.BytesIO()
    book.save(buffer)
    token = token_of(post_file(reviewer, target, "anchors.xlsx", buffer.getvalue()))
    page = reviewer.get(preview_url(token))
    assert "tidy file (area_code, area_name, period, value), as an excel workbook" in page.content.decode().lower()
    confirm(reviewer, preview_url(token))
    value = IndicatorValue.objects.get(indicator=target)
    assert (str(value.value), str(value.count), str(value.denominator)) == ("41.500000", "83.000000", "200.000000")
    assert value.note == "Anchor institutions' own count" and value.area.name == "Liverpool"

    text = "area_code,area_name,period,value,count,denominator,note\nE08000013,St Helens,2023/24,39,78,200,local\n"
    confirm(reviewer, preview_url(token_of(post_file(reviewer, target, "anchors.csv", text.encode()))))
    assert IndicatorValue.objects.get(area__code="E08000013").note == "local"


def test_another_system_s_places_are_skipped_as_outside_and_named(world, reviewer):
    target = indicator(world, 2)
    text = TIDY + "E08000011,Knowsley,2020 - 22,57.1,Worse,Female\nE09000012,Hackney,2020 - 22,62.0,Similar,Female\n"
    page = reviewer.get(preview_url(token_of(post_file(reviewer, target, "two.csv", text.encode()))))
    assert page.context["skipped"] == [("E09000012", "Hackney", 1)]
    confirm(reviewer, preview_url(page.context["upload"].token))
    assert list(IndicatorValue.objects.values_list("area__code", flat=True)) == ["E08000011"]


# The template ----------------------------------------------------------------------


def test_the_xlsx_template_round_trip(world, reviewer, settings):
    target = indicator(world, 20)
    response = reviewer.get(reverse("indicators:template_xlsx", args=[20]))
    assert response.status_code == 200 and response["Content-Type"] == outputs.XLSX_CONTENT_TYPE
    assert 'filename="indicator-20-template.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Values", "How to fill this in"]
    values = book["Values"]
    rows = list(values.iter_rows(values_only=True))
    assert rows[0] == uploads.TEMPLATE
    codes = [row[0] for row in rows[1:]]
    assert codes[0] == "E54000008" and len(codes) == 10  # the ICS, then its nine boroughs
    assert "E08000011" in codes and "E09000012" not in codes
    assert all(row[2] is None and row[4] is None for row in rows[1:])
    how_to = " ".join(str(row[0]) for row in book["How to fill this in"].iter_rows(values_only=True) if row[0])
    assert f"Beacon indicator 20: {target.name}" in how_to and "matched by their ONS code" in how_to

    for row in values.iter_rows(min_row=2):
        if row[0].value in {"E08000011", "E54000008"}:
            row[2].value, row[4].value, row[5].value, row[6].value = "2023/24", 61.5, 58.0, 65.0
    buffer = io.BytesIO()
    book.save(buffer)
    token = token_of(post_file(reviewer, target, "filled.xlsx", buffer.getvalue()))
    page = reviewer.get(preview_url(token))
    text = page.content.decode()
    assert "this application&#x27;s template for locally reported values, as an excel workbook" in text.lower()
    assert page.context["result"].created == 2 and page.context["reading"].blank_rows == 8
    confirm(reviewer, preview_url(token))
    held = IndicatorValue.objects.filter(indicator=target).order_by("area__code")
    assert [(v.area.code, v.period_label, str(v.value)) for v in held] == [
        ("E08000011", "2023/24", "61.500000"),
        ("E54000008", "2023/24", "61.500000"),
    ]
    assert stored_files(settings) == []


def test_the_csv_template_imports_as_it_is_and_filled(world, reviewer):
    target = indicator(world, 21)
    response = reviewer.get(reverse("indicators:template_csv", args=[21]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == list(uploads.TEMPLATE) and len(rows) == 11  # no instruction rows

    blank = reviewer.get(preview_url(token_of(post_file(reviewer, target, "t.csv", response.content))))
    assert blank.context["reading"].blank_rows == 10 and not blank.context["has_changes"]
    assert "every row of the template is blank" in blank.content.decode()

    for row in rows[1:]:
        if row[0] == "E08000014":
            row[2], row[4], row[9] = "2024", "12", "Sefton anchor survey"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    token = token_of(post_file(reviewer, target, "filled.csv", out.getvalue().encode()))
    confirm(reviewer, preview_url(token))
    value = IndicatorValue.objects.get(indicator=target)
    assert (value.area.code, value.period_label, value.sex, value.note) == (
        "E08000014",
        "2024",
        "Persons",
        "Sefton anchor survey",
    )


def test_the_upload_page_offers_the_templates_of_the_locally_reported_indicators(world, reviewer):
    page = reviewer.get(reverse("indicators:upload")).content.decode()
    assert "No national source? Download the template" in page
    for number in (12, 20, 21):
        assert reverse("indicators:template_xlsx", args=[number]) in page
        assert reverse("indicators:template_csv", args=[number]) in page
    assert "(No data yet)" in page  # the status, beside number and name, in the choice of indicator


def test_a_template_row_with_figures_but_no_period_is_refused_naming_the_row(world, reviewer):
    text = ",".join(uploads.TEMPLATE) + "\nE08000011,Knowsley,,Persons,12,,,,,\n"
    response = post_file(reviewer, indicator(world, 12), "t.csv", text.encode())
    assert response.status_code == 200 and "row 2: “” is not a period" in response.content.decode()


# Bad files ------------------------------------------------------------------------


def _zip_of_junk() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("junk.bin", b"\x00\x01" * 500)
    return buffer.getvalue()


BAD_FILES = [
    ("empty.csv", b"", "The file is empty"),
    ("junk.csv", bytes(range(256)) * 40, "not a CSV saved as UTF-8"),
    ("nul.csv", b"a\x00b,c\n" * 20, "not a CSV"),
    ("junk.xlsx", _zip_of_junk(), "not an Excel workbook"),
    ("wrong.csv", b"name,score\nKnowsley,12\n", "the columns are not those of"),
    ("latin1.csv", (TIDY + "E08000013,St Hélens,2020 - 22,58.4,Worse,Female\n").encode("latin-1"), "CSV UTF-8"),
    ("bad.csv", (TIDY + "E08000013,St Helens,2020 - 22,fifty,Worse,Female\n").encode(), "row 2: the value “fifty”"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Older Excel workbooks (.xls)"),
    ("renamed.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "older Excel workbook (.xls)"),
    ("values.pdf", b"%PDF-1.4", "Choose a .csv or .xlsx file"),
]


@pytest.mark.parametrize(("name", "content", "said"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES])
def test_a_bad_file_is_refused_beside_the_field_with_nothing_changed(world, reviewer, settings, name, content, said):
    before = IndicatorValue.objects.count()
    response = post_file(reviewer, indicator(world, 2), name, content)
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text and 'class="nhsuk-error-message"' in text
    assert said in text, text[text.find("nhsuk-error-message") :][:600]
    assert "Traceback" not in text
    assert IndicatorValue.objects.count() == before
    assert stored_files(settings) == []
    assert not [k for k in reviewer.session.get(uploads.SESSION_KEY, {}).values() if k["state"] == uploads.PENDING]


def test_a_file_over_the_limit_is_refused_as_it_arrives(world, reviewer, settings):
    content = TIDY.encode() + b"E08000013,St Helens,2020 - 22,58.4,Worse,Female\n" * (limits.MAX_UPLOAD_BYTES // 40)
    assert len(content) > limits.MAX_UPLOAD_BYTES
    response = post_file(reviewer, indicator(world, 2), "huge.csv", content)
    text = response.content.decode()
    assert response.status_code == 200 and "the largest file accepted is 10 MB" in text and "huge.csv" in text
    assert IndicatorValue.objects.count() == 0 and stored_files(settings) == []


def test_a_zip_bomb_is_refused_before_it_is_opened(world, reviewer, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (limits.MAX_INFLATED_BYTES + 1024))
    response = post_file(reviewer, indicator(world, 2), "bomb.xlsx", buffer.getvalue())
    assert "expands to more than 50 MB" in response.content.decode()
    assert stored_files(settings) == []


def test_a_missing_indicator_or_file_is_said_beside_its_field(world, reviewer):
    response = reviewer.post(reverse("indicators:upload"), {})
    text = response.content.decode()
    assert "Choose the beacon indicator these values are for" in text and "Choose the file of values" in text


# Confirm once, tokens of this session only, discard --------------------------------


def test_a_second_confirm_does_not_import_twice(world, reviewer, settings):
    target = indicator(world, 2)
    text = TIDY + "E08000011,Knowsley,2020 - 22,57.1,Worse,Female\n"
    token = token_of(post_file(reviewer, target, "once.csv", text.encode()))
    confirm(reviewer, preview_url(token))
    value = IndicatorValue.objects.get()
    again = confirm(reviewer, preview_url(token), follow=True)
    assert "were already imported; nothing was imported again" in again.content.decode()
    assert IndicatorValue.objects.count() == 1 and value.history.count() == 1
    back = reviewer.get(preview_url(token), follow=True)
    assert "already imported" in back.content.decode()


def test_a_confirm_in_another_tab_after_the_file_is_claimed_imports_nothing(world, reviewer, settings):
    target = indicator(world, 2)
    token = token_of(post_file(reviewer, target, "tab.csv", (TIDY + "E08000011,K,2020 - 22,57.1,,Male\n").encode()))
    [path] = stored_files(settings)
    path.rename(path.with_name(f"{token}.importing.csv"))  # as a confirm in the other tab does, first
    response = confirm(reviewer, preview_url(token), follow=True)
    assert "no longer here: it was imported or discarded in another tab" in response.content.decode()
    assert IndicatorValue.objects.count() == 0


def test_a_token_of_another_session_is_not_found(world, reviewer):
    token = token_of(
        post_file(reviewer, indicator(world, 2), "mine.csv", (TIDY + "E08000011,K,2020,1,,Male\n").encode())
    )
    for other in (client_for(world, "reviewer"), client_for(world, "superuser")):
        assert other.get(preview_url(token)).status_code == 404
        assert other.post(preview_url(token)).status_code == 404
        assert other.post(reverse("indicators:upload_discard", args=[token])).status_code == 404
    assert reviewer.get("/indicators/upload/..%2F..%2Fetc%2Fpasswd/").status_code == 404
    assert reviewer.get(preview_url("not-a-token-of-mine")).status_code == 404
    assert IndicatorValue.objects.count() == 0


def test_discarding_deletes_the_file_and_imports_nothing(world, reviewer, settings):
    token = token_of(post_file(reviewer, indicator(world, 2), "d.csv", (TIDY + "E08000011,K,2020,1,,Male\n").encode()))
    assert len(stored_files(settings)) == 1
    response = reviewer.post(reverse("indicators:upload_discard", args=[token]), follow=True)
    assert "Nothing was imported from “d.csv”" in response.content.decode()
    assert stored_files(settings) == [] and IndicatorValue.objects.count() == 0
    assert "was discarded" in confirm(reviewer, preview_url(token), follow=True).content.decode()
    assert IndicatorValue.objects.count() == 0


def test_a_session_keeps_its_newest_previews_and_purge_uploads_deletes_old_files(world, reviewer, settings):
    from stocktake.management.commands.purge_uploads import purge_uploads

    target = indicator(world, 2)
    tokens = [
        token_of(post_file(reviewer, target, f"{n}.csv", (TIDY + f"E08000011,K,2020,{n},,Male\n").encode()))
        for n in range(5)
    ]
    assert len(stored_files(settings)) == uploads.KEPT_PER_SESSION
    assert "expired" in reviewer.get(preview_url(tokens[0]), follow=True).content.decode()
    assert len(purge_uploads(timedelta(hours=-1))) == uploads.KEPT_PER_SESSION
    assert stored_files(settings) == []


def test_hostile_text_is_shown_escaped(world, reviewer):
    text = (
        "area_code,area_name,period,value,note,inequality\n"
        "E08000011,<script>alert(1)</script>,2020 - 22,57.1,<b>bold</b>,Male\n"
        "E08000009,<img src=x onerror=alert(2)>,2020 - 22,66.0,,Male\n"
    )
    token = token_of(post_file(reviewer, indicator(world, 2), "<b onclick=alert(3)>x.csv", text.encode()))
    page = reviewer.get(preview_url(token)).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<b onclick" not in page and "&lt;b onclick=alert(3)&gt;x.csv" in page
    done = confirm(reviewer, preview_url(token), follow=True).content.decode()
    assert "<b onclick" not in done and "<img src=x" not in done and "&lt;img src=x" in done


# Who may do what ------------------------------------------------------------------


def expected(role, allowed=STAFF, *, ok=200):
    if role == "anonymous":
        return 302
    return ok if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_the_upload_page_and_the_templates_are_ics_staff_s(world, role):
    client = client_for(world, role)
    page = client.get(reverse("indicators:upload"))
    assert page.status_code == expected(role, STAFF | {"nel_reviewer"})
    if role == "anonymous":
        assert page["Location"].startswith(reverse("login"))
    for name in ("indicators:template_csv", "indicators:template_xlsx"):
        # North East London's reviewer is ICS staff, but of a framework without Cheshire and Merseyside's indicators.
        status = client.get(reverse(name, args=[12])).status_code
        assert status == (404 if role == "nel_reviewer" else expected(role)), (name, status)


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_file_is_ics_staff_s(world, settings, role):
    client = client_for(world, role)
    response = post_file(client, indicator(world, 2), "v.csv", (TIDY + "E08000011,K,2020,1,,Male\n").encode())
    if role in STAFF:
        token_of(response)
    elif role == "nel_reviewer":
        # Not one of the indicators North East London's reviewer imports into: the form says so, nothing stored.
        assert response.status_code == 200 and "Choose one of the beacon indicators listed" in response.content.decode()
    else:
        assert response.status_code == expected(role)
    if role not in STAFF:
        assert stored_files(settings) == []
    assert IndicatorValue.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_reviewer_s_preview_confirm_and_discard_answer_each_role(world, reviewer, role):
    token = token_of(post_file(reviewer, indicator(world, 2), "r.csv", (TIDY + "E08000011,K,2020,1,,Male\n").encode()))
    client = reviewer if role == "reviewer" else client_for(world, role)
    # ICS staff of another session (a superuser, North East London's reviewer) find no such upload.
    other = 404 if role in {"superuser", "nel_reviewer"} else expected(role)
    assert client.get(preview_url(token)).status_code == (200 if role == "reviewer" else other)
    assert client.post(reverse("indicators:upload_discard", args=[token])).status_code == (
        302 if role == "reviewer" else other
    )
    assert client.post(preview_url(token)).status_code == (302 if role == "reviewer" else other)
    assert IndicatorValue.objects.count() == 0  # the reviewer discarded it; nobody else could import it


def test_a_reviewer_imports_while_a_lead_tries_the_reviewer_s_pages_then_reads_the_values(world, reviewer):
    lead = client_for(world, "lead")
    target = indicator(world, 2)
    path = CHECK / "ons_healthy_life_expectancy.csv"
    content = path.read_bytes() if path.exists() else (TIDY + "E08000011,Knowsley,2020 - 22,57.1,,Male\n").encode()
    token = token_of(post_file(reviewer, target, "hle.csv", content))
    assert lead.get(preview_url(token)).status_code == 403
    assert lead.post(preview_url(token)).status_code == 403
    assert lead.get(reverse("indicators:template_xlsx", args=[2])).status_code == 403
    assert reviewer.get(preview_url(token)).status_code == 200
    assert lead.post(reverse("indicators:upload_discard", args=[token])).status_code == 403
    assert IndicatorValue.objects.count() == 0
    confirm(reviewer, preview_url(token))
    created = IndicatorValue.objects.filter(indicator=target).count()
    assert created > 0

    # Indicator values are public data: the lead reads every one the reviewer imported, as the export gives them.
    lead_user = world.users.lead
    rows = list(value_rows(IndicatorValue.objects.for_user(lead_user, "view")))
    assert len(rows) - 1 == created
    assert any(row[1] == "E08000011" for row in rows[1:])


def test_an_anonymous_confirm_goes_to_sign_in_and_imports_nothing(world, reviewer):
    token = token_of(post_file(reviewer, indicator(world, 2), "a.csv", (TIDY + "E08000011,K,2020,1,,Male\n").encode()))
    response = Client().post(preview_url(token))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert IndicatorValue.objects.count() == 0


def test_a_file_cut_short_is_refused_beside_the_field_not_a_server_error(world, reviewer):
    target = indicator(world, 1)
    cut = (TIDY + "E08000011,Knowsley,2020 - 22,77.1,Worse,Female\nE08000012,Liverpool,2020 - 22,7").encode()
    response = post_file(reviewer, target, "cut.csv", cut)
    assert response.status_code == 200
    assert "row 3 has 4 of the header&#x27;s 6 columns" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_the_wrong_file_for_an_indicator_is_flagged_before_import(world, reviewer):
    target = indicator(world, 18)  # activity levels: high is good
    active = (
        "area_code,area_name,period,indicator,value,compared_to_England,inequality\n"
        "E08000011,Knowsley,2022/23,Percentage of physically active adults,62.9,Worse,NA\n"
    )
    confirm(reviewer, preview_url(token_of(post_file(reviewer, target, "active.csv", active.encode()))))
    inactive = active.replace("active adults,62.9", "inactive adults,27.7")
    page = reviewer.get(preview_url(token_of(post_file(reviewer, target, "inactive.csv", inactive.encode()))))
    text = page.content.decode()
    assert "“Percentage of physically inactive adults”" in text
    assert "Is this the right file?" in text and "Knowsley, 2022/23, Persons: 62.9 to 27.7" in text
    # The file's columns it lacks are kept as held, and it says so.
    assert "The file has no 95% interval, count, denominator, note columns: the values held keep theirs." in text


def test_the_command_names_the_file_s_indicator_and_warns_of_large_revisions(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "v.csv"
    path.write_text("area_code,area_name,period,indicator,value\nE08000011,Knowsley,2022/23,Physically active,62.9\n")
    call_command("import_indicator_values", str(path), indicator=18)
    path.write_text("area_code,area_name,period,indicator,value\nE08000011,Knowsley,2022/23,Physically inactive,27.7\n")
    out, err = StringIO(), StringIO()
    call_command("import_indicator_values", str(path), indicator=18, dry_run=True, stdout=out, stderr=err)
    assert "The file names its indicator “Physically inactive”; this is “Activity levels”." in out.getvalue()
    assert "Warning: 1 value would change by more than a fifth" in err.getvalue()
