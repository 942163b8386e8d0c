"""End to end, in headless Chromium: a reviewer reopens an accepted return, its lead submits it again.

Uses the browser, the demo world and the axe check of ``atf/tests/test_e2e.py``.
"""

import pytest

from atf.tests.test_e2e import PASSWORD, browser, check_accessibility, demo, expect, sign_in, sign_out  # noqa: F401

pytestmark = [pytest.mark.e2e]


def test_a_reviewer_reopens_an_accepted_return_and_its_lead_submits_it_again(
    browser,  # noqa: F811
    live_server,
    demo,  # noqa: F811
    django_user_model,
):
    from atf.models import Membership, Role
    from boroughs.models import Place
    from stocktake.models import Return

    lead = django_user_model.objects.create_user(username="lead-halton", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=lead, role=Role.BOROUGH_LEAD, place=Place.objects.get(slug="halton"))
    halton_url = f"{live_server.url}/stocktake/rounds/{demo.slug}/places/halton/"
    page = browser.new_page()

    # The reviewer accepts Halton's submitted return, then reopens it: first without a reason.
    sign_in(page, live_server, "ics-reviewer")
    page.goto(halton_url)
    page.get_by_label("Accept the return").check()
    page.get_by_role("button", name="Save the review").click()
    page.goto(halton_url)
    page.get_by_role("button", name="Reopen Halton's return").click()
    error = page.locator("#reopen .nhsuk-form-group--error")
    expect(error).to_contain_text("Say why you are reopening the return")
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Why are you reopening it?").fill("The hub at Brookvale closed in October: please update.")
    page.get_by_role("button", name="Reopen Halton's return").click()
    expect(page.get_by_text("Halton's return is reopened")).to_be_visible()
    history = page.locator("#history")
    expect(history).to_contain_text("Reopened: returned for changes")
    expect(history).to_contain_text("Brookvale closed")
    check_accessibility(page)
    sign_out(page)

    # The lead reads the reason on the home page and the return, and submits again.
    sign_in(page, live_server, "lead-halton")
    expect(page.get_by_text("The hub at Brookvale closed in October: please update.")).to_be_visible()
    page.goto(halton_url)
    expect(page.get_by_text("Reopened by the ICS after it was accepted")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Submit Halton's return").click()
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_text("submitted to the ICS")).to_be_visible()
    sign_out(page)

    # The reviewer accepts it again; the history holds every step.
    sign_in(page, live_server, "ics-reviewer")
    page.goto(halton_url)
    page.get_by_label("Accept the return").check()
    page.get_by_role("button", name="Save the review").click()
    page.goto(halton_url)
    rows = page.locator("#history tbody tr")
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())] == [
        "Accepted",
        "Reopened: returned for changes",
        "Submitted",
        "Accepted",
    ]
    assert Return.objects.get(round=demo, place__slug="halton").status == Return.Status.ACCEPTED
    page.close()
