"""The assessor's tablet screen in a real browser (Playwright driving Chromium against pytest-django's live
server): every tap is saved at once, a change made offline waits on the tablet and is sent when the connection
is back (or on the next load), and a change made on an older version than the server's is never written over
it: the screen shows the conflict and the assessor chooses.

Needs the Python package ``playwright`` (the dev extra) and a Chromium: the system's (``chromium`` on the PATH,
or KOMPETEN_CHROMIUM=/path/to/chrome) or Playwright's own (``playwright install chromium``). Without them the
tests are skipped, never failed.

The tests are transactional (the live server's thread reads what the test commits), and a transactional test
ends with a flush that empties every table; as in training/tests/test_seat_race.py, the reference data are
loaded again for these tests and for those after them.
"""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import PASSWORD
from kompeten.accounts.testing import code_for, confirmed_device
from kompeten.assessment import services
from kompeten.assessment.models import CandidateStatus, UnitResult
from kompeten.core.browser import chromium_args, chromium_path, no_browser
from kompeten.programmes.models import TrainingCentre
from kompeten.reference.loader import load_all

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_api = None

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT_MS = 20_000  # above the screen's 15 s retry, in case the browser does not announce "online"
PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def allow_database_calls():
    """Playwright's synchronous API runs an event loop in this thread; Django refuses database calls from a thread
    with a running loop unless told that they are safe here (the test reads and writes only between steps)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(allow_database_calls):
    if sync_api is None:
        no_browser("the browser tests need the playwright package (the dev extra)")
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=chromium_path(), args=chromium_args())
        except sync_api.Error as error:
            no_browser(f"no Chromium to drive (install chromium, or run `playwright install chromium`): "
                       f"{str(error).splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_module(allow_database_calls, django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_all()  # the last test's flush emptied it; the modules that follow expect it


@pytest.fixture(autouse=True)
def reference_data(browser):
    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()  # emptied by the flush that ended the previous test of this module


def open_record(browser, live_server, user, candidate, viewport):
    """A tablet-sized browser context, logged in as ``user`` through the login page, on the record screen."""
    context = browser.new_context(viewport=viewport, locale="en-US", has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page = context.new_page()
    record_url = reverse("assessment:record", args=[candidate.pk])
    device = confirmed_device(user)  # staff log in with a second factor
    page.goto(f"{live_server.url}{reverse('accounts:login')}?next={record_url}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", code_for(device))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{record_url}")
    return context, page


def card(page, row):
    return page.locator(f"#unit-{row.unit_id}")


def tap(page, row, control):
    """Tap a unit's K / BK button (control "K", "BK") or an evidence method (its value)."""
    target = f"r-{row.unit_id}-{control}" if control in ("K", "BK", "none") else f"m-{row.unit_id}-{control}"
    card(page, row).locator(f"label[for='{target}']").click()


def expect_state(page, row, state):
    sync_api.expect(card(page, row).locator(".save-state")).to_have_attribute("data-state", state)


def wait_for(condition, timeout=TIMEOUT_MS / 1000):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the database")


def saved(row, result, methods=None):
    def check():
        row.refresh_from_db()
        return row.result == result and (methods is None or row.methods == methods)

    return check


def pending_keys(page):
    return page.evaluate("Object.keys(window.localStorage).filter(k => k.startsWith('kompeten:record:'))")


def fits(page):
    """Nothing wider than the screen, and the K / BK buttons big enough to tap."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator(".unit-card label.btn-lg").first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44


def test_taps_are_saved_and_offline_changes_are_sent_later(browser, live_server, assessor, candidates):
    candidate = candidates[0]
    rows = list(UnitResult.objects.filter(assessment=candidate).order_by("unit__order"))
    context, page = open_record(browser, live_server, assessor, candidate, PORTRAIT)
    fits(page)

    # Online: evidence then K, saved at once.
    tap(page, rows[0], "observation")
    tap(page, rows[0], "K")
    wait_for(saved(rows[0], "K", ["observation"]))
    expect_state(page, rows[0], "saved")
    assert rows[0].version == 2 and rows[0].updated_by == assessor

    # Offline: the change waits on the tablet, shown as such, and goes out when the connection is back.
    context.set_offline(True)
    tap(page, rows[1], "BK")
    expect_state(page, rows[1], "pending")
    sync_api.expect(page.locator("#connection")).to_be_visible()
    assert len(pending_keys(page)) == 1
    rows[1].refresh_from_db()
    assert rows[1].result == "" and rows[1].version == 0
    context.set_offline(False)
    expect_state(page, rows[1], "saved")
    wait_for(saved(rows[1], "BK"))
    assert pending_keys(page) == []

    # Offline again, and the page is closed before the connection comes back: the next load sends it.
    context.set_offline(True)
    tap(page, rows[2], "written")
    tap(page, rows[2], "K")
    expect_state(page, rows[2], "pending")
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('assessment:record', args=[candidate.pk])}")
    wait_for(saved(rows[2], "K", ["written"]))
    expect_state(page, rows[2], "saved")
    sync_api.expect(card(page, rows[2]).locator(f"#r-{rows[2].unit_id}-K")).to_be_checked()

    # The last unit, then the file goes to the LSP.
    tap(page, rows[3], "portfolio")
    tap(page, rows[3], "K")
    wait_for(saved(rows[3], "K", ["portfolio"]))
    expect_state(page, rows[3], "saved")
    sync_api.expect(page.locator("#recommendation")).to_have_text("BK")
    page.locator("#submit-form button[type=submit]").click()
    page.wait_for_load_state()
    wait_for(lambda: type(candidate).objects.get(pk=candidate.pk).status == CandidateStatus.ASSESSED)
    context.close()


def test_a_newer_server_change_is_never_overwritten(browser, live_server, assessor, candidates):
    candidate = candidates[1]
    rows = list(UnitResult.objects.filter(assessment=candidate).order_by("unit__order"))
    context, page = open_record(browser, live_server, assessor, candidate, LANDSCAPE)
    fits(page)

    # Someone saves the unit behind the page's back (another tablet of the same assessor).
    services.record_unit(candidate, rows[0].unit_id, result="BK", methods=["oral"], notes="dari tablet lain",
                         version=0, by=assessor)
    tap(page, rows[0], "written")
    expect_state(page, rows[0], "conflict")
    conflict = card(page, rows[0]).locator(".conflict")
    sync_api.expect(conflict).to_be_visible()
    sync_api.expect(conflict.locator(".conflict-server")).to_contain_text("BK")
    sync_api.expect(conflict.locator(".conflict-server")).to_contain_text("dari tablet lain")
    rows[0].refresh_from_db()
    assert (rows[0].result, rows[0].version) == ("BK", 1)

    # Keep mine: sent again on the server's version, with what the assessor tapped meanwhile.
    tap(page, rows[0], "K")
    expect_state(page, rows[0], "conflict")
    card(page, rows[0]).locator(".keep-mine").click()
    expect_state(page, rows[0], "saved")
    wait_for(saved(rows[0], "K", ["written"]))
    assert rows[0].version == 2
    sync_api.expect(conflict).to_be_hidden()

    # Take the server's: the screen shows the server's value and nothing is written.
    services.record_unit(candidate, rows[1].unit_id, result="BK", methods=["oral"], version=0, by=assessor)
    tap(page, rows[1], "observation")
    expect_state(page, rows[1], "conflict")
    card(page, rows[1]).locator(".take-server").click()
    expect_state(page, rows[1], "saved")
    sync_api.expect(card(page, rows[1]).locator(f"#r-{rows[1].unit_id}-BK")).to_be_checked()
    sync_api.expect(card(page, rows[1]).locator(f"#m-{rows[1].unit_id}-oral")).to_be_checked()
    sync_api.expect(card(page, rows[1]).locator(f"#m-{rows[1].unit_id}-observation")).not_to_be_checked()
    rows[1].refresh_from_db()
    assert (rows[1].result, rows[1].methods, rows[1].version) == ("BK", ["oral"], 1)
    assert pending_keys(page) == []

    # A rule's refusal is shown on the unit: K without evidence.
    tap(page, rows[2], "K")
    expect_state(page, rows[2], "error")
    sync_api.expect(card(page, rows[2]).locator(".unit-error")).to_contain_text("evidence method")
    context.close()
