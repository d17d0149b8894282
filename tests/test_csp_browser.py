"""The main pages in a real browser break no rule of the Content-Security-Policy, and what moved out of the templates
for it still works (the calendar's centre filter submits itself).

Chromium (Playwright) reports every violation as a ``securitypolicyviolation`` event, which a script installed before
any page script collects. Skipped, saying why, when Playwright or a Chromium binary is missing (CI sets
KOMPETEN_REQUIRE_BROWSER=1 and fails instead); see kompeten/core/browser.py.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kompeten.core.browser import launched_chromium
from kompeten.programmes.models import TrainingCentre

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_reference_data")]

TIMEOUT = 15_000  # ms
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile + ":"
                    + event.lineNumber);
});
"""


@pytest.fixture
def browser_context(live_server, monkeypatch):
    with launched_chromium(monkeypatch) as browser:
        context = browser.new_context()
        context.add_init_script(COLLECT)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        yield context
        context.close()


def sign_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def violations(page, url) -> list[str]:
    errors = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    response = page.goto(url, wait_until="networkidle")
    assert response.status < 400, f"{url}: {response.status}"
    return page.evaluate("window.__csp") + errors


def test_public_pages_have_no_csp_violation(browser_context, live_server):
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT)
    found = {}
    for url in ["/", "/v", reverse("certificates:verify"), reverse("accounts:login"), reverse("registry:register"),
                "/api/v1/docs"]:
        found[url] = violations(page, live_server.url + url)
    assert found == {url: [] for url in found}


def test_staff_pages_have_no_csp_violation_and_the_calendar_filter_submits(browser_context, live_server,
                                                                           province_admin, person_balikpapan):
    sign_in(browser_context, live_server, province_admin)
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT)
    found = {}
    for url in [reverse("registry:person_list"), reverse("registry:person_detail", args=[person_balikpapan.pk]),
                reverse("reporting:dashboard"), reverse("programmes:batch_list"), reverse("programmes:batch_calendar")]:
        found[url] = violations(page, live_server.url + url)
    assert found == {url: [] for url in found}
    # The centre filter of the calendar (its handler moved to programmes/autosubmit.js) submits on change.
    centre = TrainingCentre.objects.get(code="blki_bontang")
    with page.expect_navigation():
        page.select_option("#c-centre", str(centre.pk))
    assert f"centre={centre.pk}" in page.url
    assert page.evaluate("window.__csp") == []


def test_the_job_seekers_pages_have_no_csp_violation(browser_context, live_server, job_seeker):
    sign_in(browser_context, live_server, job_seeker)
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT)
    assert violations(page, live_server.url + reverse("registry:my_profile")) == []


def test_the_collector_sees_a_violation(browser_context, live_server):
    """The check above can fail: an inline script injected into a page is blocked and reported."""
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(live_server.url + "/", wait_until="networkidle")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                             document.body.appendChild(s); }""")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any(entry.startswith("script-src") for entry in page.evaluate("window.__csp"))
