"""In Chromium: a reviewer publishes a closed round from its page; signed out, the open-data page passes axe."""

from __future__ import annotations

from pathlib import Path

import pytest

from atf.tests.test_e2e import browser, check_accessibility, demo, expect, sign_in, sign_out  # noqa: F401

pytestmark = [pytest.mark.e2e]


def test_a_reviewer_publishes_a_round_and_anyone_reads_and_downloads_it(browser, live_server, demo):  # noqa: F811
    from stocktake.models import Return, Round

    Return.objects.filter(round=demo).update(status=Return.Status.ACCEPTED)
    Round.objects.filter(pk=demo.pk).update(status=Round.Status.CLOSED)
    page = browser.new_page()
    page.goto(f"{live_server.url}/open-data/")
    expect(page.get_by_text("Nothing has been published yet.")).to_be_visible()
    check_accessibility(page)

    sign_in(page, live_server, "ics-reviewer")
    page.goto(f"{live_server.url}/stocktake/rounds/{demo.slug}/manage/")
    expect(page.get_by_text("become public")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Publish on the open-data page").click()
    expect(page.get_by_role("status").filter(has_text="is on the open-data page")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw from the open-data page")).to_be_visible()
    check_accessibility(page)
    sign_out(page)

    page.goto(f"{live_server.url}/open-data/")
    expect(page.get_by_role("heading", name="Stocktake 2025")).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download Stocktake 2025 as CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert "Family hubs opened at Kingsway and Brookvale." in text
    page.close()
