"""End to end, in headless Chromium: a secretariat takes a meeting from its agenda to published, amended minutes,
while another commission's secretariat and a person not signed in read only what they may; axe on every page."""

from __future__ import annotations

import io
import re

import docx
import pytest
from playwright.sync_api import expect

from atf.tests.test_e2e import PASSWORD, browser, check_accessibility, demo, sign_in  # noqa: F401

pytestmark = [pytest.mark.e2e]

SEED = "12.1   The Head of performance and population introduced the Health Inequalities Toolkit report."


def minutes_docx() -> bytes:
    """Minutes as a secretariat writes them in Word: a heading, numbered paragraphs and an action line."""
    document = docx.Document()
    document.add_paragraph("12. Role of the Board in Tackling Inequalities")
    document.add_paragraph(SEED)
    document.add_paragraph("12.2  Members asked how the resource pack would reach primary care teams.")
    document.add_paragraph("Action: The Head of Performance and Population")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def other_secretariat(demo, django_user_model):  # noqa: F811
    from atf.models import Membership, Role
    from boroughs.models import Place
    from commissions.models import Commission

    commission = Commission.objects.create(place=Place.objects.get(slug="cheshire-east"), name="Cheshire East")
    user = django_user_model.objects.create_user(username="secretariat-cheshire-east", password=PASSWORD)
    Membership.objects.create(user=user, role=Role.SECRETARIAT, commission=commission)
    return user


def test_a_secretariat_takes_a_meeting_from_agenda_to_published_minutes_read_by_the_public(
    browser,  # noqa: F811
    live_server,
    demo,  # noqa: F811
    other_secretariat,
    tmp_path,
    settings,
):
    from commissions.models import Commission, Meeting

    settings.MEDIA_ROOT = tmp_path
    commission = Commission.objects.get(name="St Helens Inequalities Commission")
    ours = browser.new_context().new_page()
    theirs = browser.new_context().new_page()
    public = browser.new_context().new_page()
    sign_in(ours, live_server, "secretariat-st-helens")
    sign_in(theirs, live_server, "secretariat-cheshire-east")

    # A new meeting, and the one after it that will approve its minutes.
    for when, title in (("09/12/2026 10:00", "December meeting"), ("20/01/2027 10:00", "January meeting")):
        ours.goto(f"{live_server.url}/commissions/{commission.slug}/meetings/add/")
        ours.get_by_label("Title").fill(title)
        ours.get_by_label("Date and time").fill(when)
        ours.get_by_role("button", name="Add the meeting").click()
        expect(ours.get_by_role("heading", level=1)).to_contain_text(title)
    december = Meeting.objects.get(title="December meeting")
    meeting_url = f"{live_server.url}/commissions/meetings/{december.pk}/"
    ours.goto(meeting_url)
    check_accessibility(ours)

    # The agenda: an item with its presenter, and a paper.
    ours.get_by_text("Add an agenda item").click()
    ours.get_by_label("Title", exact=True).fill("Role of the Board in Tackling Inequalities")
    ours.get_by_label("Presenter (optional)").fill("Head of Performance and Population")
    ours.get_by_role("button", name="Add the item").click()
    ours.get_by_role("link", name=re.compile("Add a paper")).first.click()
    expect(ours.get_by_label("Title of the paper")).to_be_visible()
    check_accessibility(ours)
    ours.get_by_label("Title of the paper").fill("Health Inequalities Toolkit")
    paper = tmp_path / "toolkit.docx"
    paper.write_bytes(minutes_docx())
    ours.get_by_label("The file").set_input_files(str(paper))
    ours.get_by_role("button", name="Upload the paper").click()
    ours.get_by_role("button", name="Send the agenda").click()
    expect(ours.get_by_role("link", name=re.compile("^Health Inequalities Toolkit.*paper for item"))).to_have_count(1)
    check_accessibility(ours)

    # The minutes from Word, through the preview.
    ours.goto(f"{meeting_url}minutes/")
    minutes = tmp_path / "minutes.docx"
    minutes.write_bytes(minutes_docx())
    ours.get_by_label(re.compile("upload the minutes as a Word")).set_input_files(str(minutes))
    ours.get_by_role("button", name="Check the minutes").click()
    expect(ours.get_by_text("2 paragraphs under 1 agenda item, and 1 action.")).to_be_visible()
    check_accessibility(ours)
    ours.get_by_role("button", name="Save these minutes").click()
    expect(ours.get_by_text("The Head of performance and population introduced")).to_be_visible()
    # Removing a paragraph asks first, on a page of its own; going back keeps it.
    ours.get_by_role("button", name=re.compile("^Remove paragraph")).first.click()
    expect(ours.get_by_role("heading", level=1)).to_contain_text("Remove paragraph")
    check_accessibility(ours)
    ours.get_by_role("link", name="Back to the meeting").click()
    expect(ours.get_by_text("The Head of performance and population introduced")).to_be_visible()

    # Another commission's secretariat sees nothing of the draft; the public page is not there yet.
    assert theirs.goto(meeting_url).status == 404
    assert public.goto(f"{live_server.url}/public/commissions/{commission.slug}/").status == 404

    # Circulated, approved at January's meeting, published.
    ours.goto(meeting_url)
    ours.get_by_role("button", name="Circulate the draft for comment").click()
    expect(ours.get_by_role("button", name="Record the approval")).to_be_visible()
    check_accessibility(ours)
    ours.get_by_role("button", name="Record the approval").click()
    ours.get_by_role("link", name=re.compile("Publish the minutes")).or_(
        ours.get_by_role("button", name="Publish the minutes")
    ).first.click()
    expect(ours.get_by_role("button", name="Publish the minutes")).to_be_visible()
    check_accessibility(ours)
    ours.get_by_role("button", name="Publish the minutes").click()
    expect(ours.get_by_text("The minutes are published:")).to_be_visible()
    assert Meeting.objects.get(pk=december.pk).status == "published"
    january = Meeting.objects.get(title="January meeting")
    ours.goto(f"{live_server.url}/commissions/meetings/{january.pk}/")
    expect(ours.locator("main")).to_contain_text("were approved as a correct record")
    ours.goto(meeting_url)

    # Locked: no edit in place; a correction is an amendment, shown with who, when and why.
    assert ours.get_by_role("link", name=re.compile("^Edit")).count() == 0
    ours.get_by_role("link", name=re.compile("Amend")).first.click()
    expect(ours.get_by_label("The corrected text")).to_be_visible()
    check_accessibility(ours)
    ours.get_by_label("The corrected text").fill(SEED.replace("introduced", "presented").split("   ", 1)[1])
    ours.get_by_label("Why it is corrected").fill("The word the presenter used, corrected.")
    ours.get_by_role("button", name="Save the amendment").click()
    expect(ours.get_by_text("The word the presenter used, corrected.")).to_be_visible()
    check_accessibility(ours)

    # The public page, turned on by the secretariat, read by someone not signed in.
    ours.goto(f"{live_server.url}/commissions/{commission.slug}/")
    ours.get_by_role("button", name="Publish on the open-data page and the public commission page").click()
    withdraw = ours.get_by_role("button", name="Withdraw from the open-data page and the public commission page")
    expect(withdraw).to_be_visible()
    public.goto(f"{live_server.url}/public/commissions/{commission.slug}/meetings/{december.pk}/")
    text = public.locator("main").inner_text()
    assert "presented the Health Inequalities Toolkit report" in text
    assert "The word the presenter used, corrected." in text
    check_accessibility(public)
    assert theirs.goto(meeting_url).status == 200
    assert theirs.get_by_role("link", name=re.compile("Amend")).count() == 0

    # Search finds the action by a word of its text, with the word marked.
    ours.goto(f"{live_server.url}/search/?q=Performance")
    expect(ours.locator("mark", has_text="Performance").first).to_be_visible()
    check_accessibility(ours)
