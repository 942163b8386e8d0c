"""In headless Chromium: under the Content-Security-Policy no page or admin page breaks a rule,
and no page asks any host but this server for anything (no web font, no script, no image)."""

from urllib.parse import urlparse

import pytest

from atf.tests.test_e2e import PASSWORD, browser, demo, sign_in  # noqa: F401 - the fixtures
from commissions.models import Meeting

pytestmark = [pytest.mark.e2e]

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


def test_pages_and_the_admin_keep_to_the_policy_and_to_this_server(browser, live_server, demo, django_user_model):  # noqa: F811
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
    assert page.get_by_role("heading", name="Page not found").is_visible()
    context.close()
