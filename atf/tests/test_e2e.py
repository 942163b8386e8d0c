"""End to end, in headless Chromium: the stocktake flow by keyboard and mouse, and axe on every page.

Runs against the live test server with Debian's Chromium, driven by
Playwright for Python (``make test`` installs both). Every page visited is
checked with axe-core for WCAG 2.2 A and AA. The pages and the admin are also
visited recording every request and Content-Security-Policy violation: none
may go to another host, or break the policy.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "a long enough password"

try:
    # Its assertions wait for the page a click leads to, where reading the page at once may see the old one.
    from playwright.sync_api import expect
except ImportError:  # every test here then skips, saying why (_unavailable)
    expect = None

pytestmark = [pytest.mark.e2e]


def _unavailable() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    if not CHROMIUM:
        return "Chromium is not installed"
    if not AXE.exists():
        return "axe-core is not installed (npm ci)"
    return None


# The one browser of the session. Other modules import this fixture, and each import is a fixture
# of its own; Playwright's sync API cannot start twice in one thread, so all of them share it.
_RUNNING: list = []


@pytest.fixture(scope="session")
def browser():
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"End-to-end tests cannot run in CI: {reason}.")
        pytest.skip(reason)
    if _RUNNING:
        # Set up first, the owner is torn down last.
        yield _RUNNING[0]
        return
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # that fixtures make here are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        _RUNNING.append(browser)
        try:
            yield browser
        finally:
            _RUNNING.clear()
            browser.close()


@pytest.fixture
def demo(transactional_db, django_user_model):
    """The demo's people and places, an open round, and Halton's submitted return, in a database the server sees."""
    from datetime import date

    from atf.loader import load_framework
    from atf.models import Membership, Role
    from boroughs.demo import load_places
    from boroughs.models import Place
    from stocktake.models import Entry, Return, Round

    load_places()
    cm = Place.objects.get(slug="cheshire-and-merseyside")
    framework = load_framework(system=cm, name="ATF", slug="atf", discontinued_indicators=(15,))
    round_ = Round.objects.create(framework=framework, name="Stocktake 2025", deadline=date(2025, 12, 19))
    halton = Place.objects.get(slug="halton")
    entry = Entry.objects.create(
        round=round_,
        theme=framework.themes.get(number=1),
        level="borough",
        lead_in="Halton - ",
        text="Family hubs opened at Kingsway and Brookvale.",
    )
    entry.places.set([halton])
    Return.objects.create(round=round_, place=halton, status=Return.Status.SUBMITTED)
    from django.utils import timezone

    from commissions.minutes import parse_minutes
    from commissions.models import Commission, Meeting
    from commissions.services import save_minutes_unchecked

    commission = Commission.objects.create(
        place=Place.objects.get(slug="st-helens"), name="St Helens Inequalities Commission"
    )
    meeting = Meeting.objects.create(commission=commission, starts_at=timezone.now(), title="Regular meeting")
    save_minutes_unchecked(
        meeting, parse_minutes((ROOT / "commissions" / "data" / "hackney_hwb_item_12.txt").read_text())
    )
    secretariat = django_user_model.objects.create_user(
        username="secretariat-st-helens", password=PASSWORD, is_staff=True
    )
    Membership.objects.create(user=secretariat, role=Role.SECRETARIAT, commission=commission)
    for username, role, slug in (
        ("lead-knowsley", Role.BOROUGH_LEAD, "knowsley"),
        ("ics-reviewer", Role.ICS_REVIEWER, "cheshire-and-merseyside"),
        ("viewer", Role.VIEWER, "cheshire-and-merseyside"),
    ):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        Membership.objects.create(user=user, role=role, place=Place.objects.get(slug=slug))
    return round_


def check_accessibility(page) -> None:
    # Evaluated by the browser's debugging protocol, not as a <script> in the page: the
    # Content-Security-Policy, which stays on for these tests, allows no inline script.
    if not page.evaluate("() => 'axe' in window"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}
        })"""
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not problems, f"{page.url}: " + "; ".join(problems)


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")  # by keyboard
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_a_lead_submits_and_a_reviewer_returns_it_with_a_comment(browser, live_server, demo):
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    check_accessibility(page)
    sign_in(page, live_server, "lead-knowsley")
    check_accessibility(page)

    page.get_by_role("link", name="Stocktake 2025").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Add an entry under Give every child the best start in life").click()
    check_accessibility(page)
    page.get_by_role("button", name="Save as draft").click()  # nothing entered: the error summary
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("What is your borough doing?").fill("Knowsley's second family hub opened in Huyton.")
    page.get_by_label("Review inequitable outcomes in early years", exact=False).check()
    page.get_by_label("Percentage children achieving a good level of development at 2-2.5 years", exact=False).check()
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Knowsley's second family hub opened in Huyton.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Submit Knowsley's return").click()
    # Most sections are empty: the lead is asked to confirm, and told which.
    expect(page.get_by_role("heading", name="Submit Knowsley's return with", exact=False)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_text("submitted to the ICS")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "ics-reviewer")
    page.goto(f"{live_server.url}/stocktake/rounds/{demo.slug}/coverage/")
    check_accessibility(page)
    grid = page.locator("#coverage")
    knowsley_column = [h.inner_text().split("\n")[0] for h in grid.locator("thead th").all()].index("Knowsley")
    first_row = grid.locator("tbody tr").first
    assert first_row.locator("td").nth(knowsley_column - 1).inner_text().startswith("1")
    page.get_by_role("link", name="Knowsley").first.click()
    page.get_by_role("button", name="Save the review").click()  # no choice made: the error beside the radios
    error = page.locator("#review .nhsuk-form-group--error").first
    expect(error).to_contain_text("Select whether to accept or return it")
    radios = page.get_by_label("Return it for changes").bounding_box()
    assert abs(error.bounding_box()["y"] - radios["y"]) < 300
    check_accessibility(page)
    page.get_by_label("Return it for changes").check()
    page.get_by_label("Comment to the borough").fill("Please say how many families the hub has reached.")
    page.get_by_role("button", name="Save the review").click()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, live_server, "lead-knowsley")
    expect(page.get_by_text("Please say how many families the hub has reached.")).to_be_visible()
    page.close()


def test_a_lead_works_in_two_tabs_and_in_the_workbook(browser, live_server, demo, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "lead-knowsley")
    return_url = f"{live_server.url}/stocktake/rounds/{demo.slug}/places/knowsley/"
    page.goto(return_url)
    page.get_by_role("link", name="Add an entry under Give every child the best start in life").click()
    page.get_by_label("What is your borough doing?").fill("Knowsley - Second family hub\nopened in Huyton.")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("opened in Huyton.")).to_be_visible()
    expect(page.get_by_text("Knowsley - Second")).to_have_count(0)  # the typed place name is the lead-in, not text
    check_accessibility(page)

    # The same entry open in two tabs: the later save is refused, with the newer text shown.
    page.get_by_role("link", name="Change entry 1 under Give every child the best start in life").click()
    edit_url = page.url
    second = context.new_page()
    second.goto(edit_url)
    page.get_by_label("What is your borough doing?").fill("Second family hub opened in Huyton in May.")
    page.get_by_role("button", name="Save as draft").click()
    second.get_by_label("What is your borough doing?").fill("Second family hub opened in Huyton, with a café.")
    second.get_by_role("button", name="Save as draft").click()
    expect(second.get_by_text("Someone else saved this entry").first).to_be_visible()
    expect(second.locator("#newer").get_by_text("opened in Huyton in May.")).to_be_visible()
    check_accessibility(second)
    second.close()

    # Download the workbook and upload it unchanged: nothing would change, whatever Halton holds.
    page.goto(return_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook").click()
    path = tmp_path / "download.xlsx"
    download.value.save_as(path)
    page.get_by_role("link", name="upload it").click()
    page.get_by_label("Upload your edited workbook").set_input_files(str(path))
    page.get_by_role("button", name="Check the workbook").click()
    expect(page.get_by_text("Nothing would change")).to_be_visible()
    expect(page.get_by_text("Family hubs opened at Kingsway")).to_have_count(0)
    check_accessibility(page)
    context.close()


SKIP = ("/admin", "/accounts/logout", "_export", "format=xlsx", "/workbook/", "/static/", ".csv", ".xlsx")


@pytest.mark.parametrize("username", ["lead-knowsley", "ics-reviewer", "viewer", "secretariat-st-helens"])
def test_every_page_reachable_from_home_works_and_passes_axe(browser, live_server, demo, username):
    page = browser.new_page()
    sign_in(page, live_server, username)
    seen, queue, visited = set(), [f"{live_server.url}/"], 0
    while queue and visited < 30:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response.status < 500, url
        visited += 1
        if response.status != 200:
            continue
        check_accessibility(page)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            if urlparse(target).netloc == urlparse(live_server.url).netloc and not any(s in target for s in SKIP):
                queue.append(target)
    assert visited >= 5
    page.close()


# Under the Content-Security-Policy no page or admin page breaks a rule, and no page asks any
# host but this server for anything (no web font, no script, no image) -------------------------

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


class Recorder:
    """Every request the page makes, and every console error or warning."""

    def __init__(self, context, origin: str):
        self.origin = origin
        self.requests: list[str] = []
        self.console: list[str] = []
        context.add_init_script(WATCH)
        self.failed: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        context.on("console", self._console)
        context.on("weberror", lambda error: self.console.append(f"uncaught: {error.error}"))

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text} ({message.location})")

    def visit(self, page, url: str) -> None:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("() => window.__violations")
        assert not violations, f"{url}: {violations}"
        if "/admin/" not in url:
            # The NHS.UK script ran: the page's two script files load under the policy.
            assert "js-enabled" in page.evaluate("() => document.body.className"), url

    def check(self):
        assert not self.failed, self.failed
        assert not self.console, self.console
        others = sorted({url for url in self.requests if not self._own(url)})
        assert not others, f"requests to other hosts: {others}"
        assert any("/static/nhsuk/nhsuk-frontend.min.css" in url for url in self.requests)

    def _own(self, url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme in ("data", "blob") or parsed.netloc == urlparse(self.origin).netloc


def test_pages_and_the_admin_keep_to_the_policy_and_to_this_server(browser, live_server, demo, django_user_model):
    from commissions.models import Meeting

    django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    context = browser.new_context()
    recorder = Recorder(context, live_server.url)
    page = context.new_page()
    recorder.visit(page, f"{live_server.url}/accounts/login/")
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily") == "arial, sans-serif"
    sign_in(page, live_server, "admin")
    entry = demo.entries.first()
    meeting = Meeting.objects.get()
    for path in (
        "/",
        "/stocktake/rounds/",
        f"/stocktake/rounds/{demo.slug}/coverage/",
        f"/stocktake/rounds/{demo.slug}/places/halton/",
        "/stocktake/entries/",
        f"/stocktake/entries/{entry.pk}/",
        "/stocktake/search/",
        "/commissions/",
        f"/commissions/meetings/{meeting.pk}/",
        "/admin/",
        "/admin/stocktake/entry/",
        f"/admin/stocktake/entry/{entry.pk}/change/",
        f"/admin/stocktake/entry/{entry.pk}/history/",
        "/admin/stocktake/round/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
    ):
        recorder.visit(page, f"{live_server.url}{path}")
    recorder.check()
    # A page not found is a page of the service too, under the same rules.
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__violations") == []
    assert recorder.failed == [f"404 {live_server.url}/no-such-page/"], recorder.failed
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    context.close()


# The beacon indicators: the rug and an indicator page, on the demo's published figures ------------------


@pytest.mark.parametrize("username", ["lead-knowsley", "ics-reviewer"])
def test_the_rug_and_an_indicator_page_read_in_words_and_pass_axe(browser, live_server, demo, username):
    from atf.reference import INDICATOR_METADATA
    from indicators.demo import load_demo_values

    framework = demo.framework
    for indicator in framework.indicators.all():
        indicator.polarity, indicator.unit, indicator.source_identifier = INDICATOR_METADATA[indicator.number]
        indicator.save()
    load_demo_values(framework)
    page = browser.new_page()
    sign_in(page, live_server, username)
    # From the home page, by keyboard: the link to the rug.
    page.get_by_role("link", name="The tartan rug").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/indicators/")
    rug = page.locator("#rug")
    expect(rug.get_by_role("columnheader", name="England")).to_have_count(1)
    knowsley_column = [h.strip() for h in rug.locator("thead th").all_inner_texts()].index("Knowsley")
    row = rug.locator("tbody tr").filter(has_text="2. Healthy life expectancy").first
    knowsley = row.locator("td").nth(knowsley_column - 1)  # the first column is a row header
    expect(knowsley).to_contain_text("Worse")
    expect(knowsley).to_contain_text("53.7")
    assert "Open Government Licence" in page.content()
    check_accessibility(page)
    # The comparison can be changed by keyboard.
    page.get_by_text("Change the comparison").click()
    page.get_by_label("North West").check()
    page.get_by_role("button", name="Show the rug").click()
    expect(page.locator("#rug-caption")).to_contain_text("compared with the North West")
    check_accessibility(page)
    page.get_by_role("link", name="2. Healthy life expectancy, Female, Male").first.click()
    expect(page.locator("svg.atf-chart[role=img]")).to_have_count(2)  # Female and Male
    by_place = page.get_by_role("table", name="Theme, programmes and action, milestones and outcome, by place")
    expect(by_place).to_have_count(1)
    check_accessibility(page)
    # Printed on A4 landscape: the menus go, the rug stays.
    page.goto(f"{live_server.url}/indicators/")
    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.locator("#rug")).to_be_visible()
    page.close()


def test_a_reviewer_imports_values_on_the_pages_and_makes_a_framework_version(browser, live_server, demo, tmp_path):
    from atf.reference import INDICATOR_METADATA
    from indicators.models import IndicatorValue

    hle = demo.framework.indicators.get(number=2)
    hle.polarity, hle.unit, hle.source_identifier = INDICATOR_METADATA[2]
    hle.save()
    path = tmp_path / "healthy-life-expectancy.csv"
    path.write_text(
        "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
        "E92000001,England,Country,Female healthy life expectancy,2022-01-01/P3Y,61.3,Years,yrs,61.1,61.5,,\n"
        "E08000011,Knowsley,UA,Female healthy life expectancy,2022-01-01/P3Y,53.7,Years,yrs,48.7,58.7,,\n"
        "E08000009,Trafford,UA,Female healthy life expectancy,2022-01-01/P3Y,64.0,Years,yrs,60.0,68.0,,\n"
    )
    page = browser.new_page()
    sign_in(page, live_server, "ics-reviewer")
    page.get_by_role("link", name="Import indicator values").first.click()
    check_accessibility(page)
    # A wrong file first: the error sits by its field, and nothing is kept.
    bad = tmp_path / "notes.csv"
    bad.write_text("these,are\nnot,values\n")
    page.get_by_label("Beacon indicator").select_option(label="2. Healthy life expectancy, Female, Male (Live)")
    page.get_by_label("File of values").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".nhsuk-error-message").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Beacon indicator").select_option(label="2. Healthy life expectancy, Female, Male (Live)")
    page.get_by_label("File of values").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    assert "Trafford" in page.content()  # skipped, and said
    check_accessibility(page)
    page.get_by_role("button", name="Import these values").click()
    # The import is the worker's: its progress page waits, refreshing itself, until the worker has run it.
    page.wait_for_url(f"{live_server.url}/jobs/*/")
    check_accessibility(page)
    from jobs.tests.helpers import run_queued_jobs

    (job,) = run_queued_jobs()
    assert job.status == "done", job.outcome
    page.wait_for_selector("text=Done", timeout=10_000)  # the page's own refresh shows it done
    check_accessibility(page)
    assert IndicatorValue.objects.count() == 2
    page.goto(f"{live_server.url}/indicators/")
    expect(page.locator("#rug")).to_contain_text("53.7")
    expect(page.locator("#rug")).to_contain_text("Worse")
    page.goto(f"{live_server.url}/frameworks/")
    check_accessibility(page)
    page.get_by_role("link", name=demo.framework.title, exact=False).first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Make a new version").click()
    assert "version 2" in page.content()
    check_accessibility(page)
    page.close()


def test_a_forgotten_password_is_asked_for_by_keyboard_and_passes_axe(browser, live_server, demo):
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    check_accessibility(page)
    page.get_by_role("button", name="Send the link").click()  # no address: said beside the field
    expect(page.locator("#id_email-error")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Email address").fill("someone@example.org")
    page.get_by_label("Email address").press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(page)
    page.close()


def test_a_lead_reads_a_notification_and_chooses_what_to_be_told_and_the_ics_sets_reminders(browser, live_server, demo):
    """The ICS returns Knowsley's return; its lead finds it on the home page, follows it, and turns a kind off."""
    from atf.models import Membership, Role
    from boroughs.models import Place
    from stocktake import transitions

    reviewer = Membership.objects.get(role=Role.ICS_REVIEWER).user
    lead = Membership.objects.get(role=Role.BOROUGH_LEAD).user
    knowsley = Place.objects.get(slug="knowsley")
    transitions.take(lead, demo, knowsley, transitions.Action.SUBMIT)
    transitions.take(reviewer, demo, knowsley, transitions.Action.RETURN, reason="Add the Kirkby family hub")

    page = browser.new_page()
    sign_in(page, live_server, "lead-knowsley")
    expect(page.get_by_text("unread").first).to_be_visible()
    link = page.get_by_role("link", name="Knowsley's return for Stocktake 2025 was returned for changes")
    check_accessibility(page)
    link.focus()
    link.press("Enter")  # by keyboard, to the return it is about
    page.wait_for_url(f"{live_server.url}/stocktake/rounds/{demo.slug}/places/knowsley/")
    page.goto(f"{live_server.url}/notifications/")
    assert "Add the Kirkby family hub" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Choose what you are told, and how").click()
    box = page.get_by_label("A stocktake round opens: By email")
    assert box.is_checked()
    box.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your notification settings are saved")).to_be_visible()
    assert not page.get_by_label("A stocktake round opens: By email").is_checked()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, live_server, "ics-reviewer")
    page.goto(f"{live_server.url}/stocktake/rounds/{demo.slug}/manage/")
    page.get_by_role("link", name="Change the reminder days").click()
    page.get_by_label("Reminder days").fill("7, next week")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_reminder_days-error")).to_be_visible()  # said beside the field
    check_accessibility(page)
    page.get_by_label("Reminder days").fill("10, 3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("with reminders: 10, 3")).to_be_visible()
    page.close()


def test_a_lead_makes_an_api_token_reads_with_it_and_revokes_it_and_the_docs_render(browser, live_server, demo):
    """The token page by keyboard, the token read off the page once, used outside the browser, then revoked."""
    from django.test import Client

    page = browser.new_page()
    violations: list[str] = []
    page.on("console", lambda message: message.type == "error" and violations.append(message.text))
    sign_in(page, live_server, "lead-knowsley")
    page.get_by_role("link", name="Make an API token").click()
    check_accessibility(page)
    page.get_by_role("button", name="Make a token").click()  # no name yet
    expect(page.locator("#id_name-error")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("What is the token for?").fill("Power BI: ATF dashboard")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Make a token").click()
    token = page.get_by_label("Token for Power BI: ATF dashboard").input_value()
    assert token.startswith("atf_")
    check_accessibility(page)

    def read(url):
        return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")  # a program of its own: no session

    body = read("/api/v1/entries/?page_size=1").json()
    assert body["count"] == 1 and body["results"][0]["text"] == "Family hubs opened at Kingsway and Brookvale."

    page.get_by_role("link", name="Back to your API tokens").click()
    assert token not in page.content()  # shown once
    page.get_by_role("button", name="Revoke the token for Power BI: ATF dashboard").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert read("/api/v1/entries/").status_code == 401

    # The documentation, from the home page; its operations' addresses read by the session in the browser.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="read the API's documentation").click()
    check_accessibility(page)
    page.get_by_role("link", name="List stocktake entries").click()
    expect(page.get_by_text("GET /api/v1/entries/", exact=True)).to_be_visible()
    response = page.goto(f"{live_server.url}/api/v1/entries/?format=json")
    assert response.status == 200 and response.json()["count"] == 1
    assert not [v for v in violations if "Content Security Policy" in v], violations
    page.close()
