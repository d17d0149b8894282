"""The issue's "done when", in a real browser: a job seeker on a phone downloads all their data (JSON and PDF) and
asks for erasure; the operator of their training centre, after the second factor, finds the request on the deadline
list, due 3 × 24 hours after it was received.

Skipped, saying why, when Playwright or a Chromium binary is missing (CI installs Chromium and requires it). The live
server needs committed data, so the test is transactional; the flush that ends it empties the reference data too,
which the fixtures load again (as in kompeten/certificates/tests/test_verify_browser.py).
"""

import datetime
import io
import json

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import PASSWORD
from kompeten.accounts.testing import code_for, confirmed_device
from kompeten.core.browser import launched_chromium
from kompeten.privacy.models import PrivacyRequest
from kompeten.registry.models import Person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_reference_data")]

PHONE = {"width": 375, "height": 667}
LAPTOP = {"width": 1280, "height": 800}
TIMEOUT = 15_000  # ms


@pytest.fixture
def browser(live_server, monkeypatch):
    with launched_chromium(monkeypatch) as launched:
        yield launched


def open_page(browser, live_server, viewport, **options):
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return page


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")  # the first submit button of the page is the language switch
    page.wait_for_load_state()


def test_download_my_data_ask_for_erasure_and_the_deadline_list_shows_it(browser, live_server, job_seeker,
                                                                         operator_balikpapan):
    person = Person.objects.get(user=job_seeker)

    # The job seeker, on a phone: My data, both downloads.
    page = open_page(browser, live_server, PHONE, is_mobile=True, has_touch=True)
    log_in(page, live_server, job_seeker)
    page.goto(f"{live_server.url}{reverse('privacy:mine')}")
    with page.expect_download() as got:
        page.click(f"a[href='{reverse('privacy:download', args=['json'])}']")
    data = json.loads(got.value.path().read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    assert person.nik in text and person.full_name in text
    with page.expect_download() as got:
        page.click(f"a[href='{reverse('privacy:download', args=['pdf'])}']")
    from pypdf import PdfReader

    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(got.value.path().read_bytes())).pages)
    assert person.full_name in pdf_text

    # She asks for erasure.
    page.select_option("#id_kind", "erasure")
    page.fill("#id_details", "Saya tidak lagi mencari kerja.")
    page.click(f"form[action='{reverse('privacy:request_create')}'] button[type=submit]")
    page.wait_for_load_state()
    request = PrivacyRequest.objects.get(person=person)
    assert request.kind == "erasure" and request.status == "received"
    assert request.due_at - request.received_at == datetime.timedelta(hours=72)
    assert "We answer by" in page.content()

    # The operator of her centre, on a laptop, after the second factor: the deadline list shows the request.
    device = confirmed_device(operator_balikpapan)
    staff = open_page(browser, live_server, LAPTOP)
    log_in(staff, live_server, operator_balikpapan)
    staff.fill("#id_code", code_for(device))
    staff.press("#id_code", "Enter")
    staff.wait_for_load_state()
    staff.goto(f"{live_server.url}{reverse('privacy:request_list')}")
    row = staff.locator("tbody tr", has_text=person.full_name)
    assert row.count() == 1
    assert "Erasure of my data" in row.inner_text()
    assert row.locator(f"a[href='{reverse('privacy:request_detail', args=[request.pk])}']").count() == 1
