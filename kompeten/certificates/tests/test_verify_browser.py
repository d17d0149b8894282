"""The QR code's page in a real browser at a phone's size: /v#DIGITS verified by verify.js with WebCrypto.

Chromium (Playwright) opens ``{live server}/v#{digits}`` at 375×667: the page decodes the digits, inflates and
parses the COSE_Sign1, checks the Ed25519 signature with the published keys, shows what is printed (not the birth
date) and, on the button, the status from /api/v1/verify. A tampered payload is invalid.

Skipped, saying why, when Playwright or a Chromium binary is missing (``apt-get install -y chromium``). The live
server needs committed data, so the tests are transactional; the flush that ends each empties the reference data
too, which the fixtures below load again.
"""


import pytest
from django.conf import settings

from kompeten.certificates import codec, services
from kompeten.certificates.tests.helpers import approve_all, at
from kompeten.core.browser import launched_chromium

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_reference_data")]

PHONE = {"width": 375, "height": 667}
TIMEOUT = 15_000  # ms


@pytest.fixture
def cert(live_reference_data, candidates, assessor, lsp_admin):
    approved = approve_all(candidates, assessor, lsp_admin)
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


@pytest.fixture
def phone(live_server, monkeypatch):
    """A Chromium page at a phone's size, in English, on the live server."""
    with launched_chromium(monkeypatch) as browser:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        yield page
        context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_qr_page_verifies_in_the_browser(live_server, phone, cert):
    from playwright.sync_api import expect

    phone.goto(f"{live_server.url}/v#{cert.qr_digits}")
    expect(phone.locator("#v-status")).to_have_attribute("data-status", "valid")
    expect(phone.locator("#v-status")).to_contain_text("Valid signature")
    expect(phone.locator('#v-printed [data-field="holder_name"]')).to_have_text("Andi Pratama")
    expect(phone.locator('#v-printed [data-field="number"]')).to_have_text(cert.number)
    expect(phone.locator('#v-lines [data-check="signature"]')).to_have_attribute("data-ok", "1")
    expect(phone.locator('#v-lines [data-check="competence"]')).to_have_attribute("data-ok", "1")
    expect(phone.locator('#v-lines [data-check="status"]')).to_have_attribute("data-ok", "")
    expect(phone.locator("#v-form-card")).to_be_hidden()
    text = phone.locator("main").inner_text()
    assert "1999" not in text and cert.person.nik not in text  # no birth date, no NIK
    assert fits_the_screen(phone)

    # The status, on purpose: the button posts the digits to the API.
    phone.locator("#v-online").click()
    expect(phone.locator("#v-online-status")).to_have_attribute("data-status", "valid")
    expect(phone.locator("#v-online-status")).to_contain_text("Valid")
    expect(phone.locator('#v-lines [data-check="status"]')).to_have_attribute("data-ok", "1")

    # The birth-date check answers match / no match, in the browser.
    phone.locator("#v-birth-input").fill("1999-03-12")
    phone.locator("#v-birth-form button").click()
    expect(phone.locator("#v-birth-result [data-birth]")).to_have_attribute("data-birth", "match")
    phone.locator("#v-birth-input").fill("1999-03-13")
    phone.locator("#v-birth-form button").click()
    expect(phone.locator("#v-birth-result [data-birth]")).to_have_attribute("data-birth", "no-match")
    assert "1999" not in phone.locator("#v-birth-result").inner_text()
    assert fits_the_screen(phone)
    assert phone.errors == []


def test_a_revoked_certificate_shows_its_status_online(live_server, phone, cert, lsp_admin):
    from playwright.sync_api import expect

    services.revoke(cert, reason="Evidence was forged", by=lsp_admin)
    phone.goto(f"{live_server.url}/v#{cert.qr_digits}")
    expect(phone.locator("#v-status")).to_have_attribute("data-status", "valid")  # the signature is fine
    phone.locator("#v-online").click()
    expect(phone.locator("#v-online-status")).to_have_attribute("data-status", "revoked")
    expect(phone.locator("#v-online-result")).to_contain_text("Evidence was forged")
    expect(phone.locator('#v-lines [data-check="status"]')).to_have_attribute("data-ok", "0")
    assert phone.errors == []


def test_a_tampered_fragment_is_invalid(live_server, phone, cert):
    from playwright.sync_api import expect

    forged = codec.to_digits(codec.from_digits(cert.qr_digits).replace(b"Andi Pratama", b"Andi Pratame"))
    phone.goto(f"{live_server.url}/v#{forged}")
    expect(phone.locator("#v-status")).to_have_attribute("data-status", "invalid")
    expect(phone.locator("#v-printed-card")).to_be_hidden()
    assert "Andi Prata" not in phone.locator("main").inner_text()
    # A mangled one too (a digit changed in the middle), and the page follows a new fragment.
    digits = cert.qr_digits
    middle = len(digits) // 2
    phone.goto(f"{live_server.url}/v#{digits[:middle]}{(int(digits[middle]) + 1) % 10}{digits[middle + 1:]}")
    expect(phone.locator("#v-status")).to_have_attribute("data-status", "invalid")
    phone.evaluate(f"window.location.hash = '{digits}'")
    expect(phone.locator("#v-status")).to_have_attribute("data-status", "valid")
    expect(phone.locator('#v-printed [data-field="holder_name"]')).to_have_text("Andi Pratama")
    assert phone.errors == []


def test_without_a_fragment_the_page_offers_the_form(live_server, phone, cert):
    from playwright.sync_api import expect

    phone.goto(f"{live_server.url}/v")
    expect(phone.locator("#v-form-card")).to_be_visible()
    assert fits_the_screen(phone)
    # A typed code goes to the server's result page.
    phone.locator("#v-q").fill(services.format_code(cert.public_code).lower())
    phone.locator("#v-form button[type=submit]").click()
    expect(phone.locator("[data-status]").first).to_have_attribute("data-status", "valid")
    expect(phone.locator("main")).to_contain_text("Andi Pratama")
    # A pasted QR text is verified in the browser.
    phone.goto(f"{live_server.url}/v")
    phone.locator("#v-q").fill(f"{settings.KOMPETEN_BASE_URL}/v#{cert.qr_digits}")
    phone.locator("#v-form button[type=submit]").click()
    expect(phone.locator("#v-status")).to_have_attribute("data-status", "valid")
    assert phone.errors == []


def test_without_ed25519_in_the_browser_the_check_is_online(live_server, phone, cert):
    """Older browsers have no Ed25519 in WebCrypto: the page says so and the button checks on the server."""
    from playwright.sync_api import expect

    phone.add_init_script("""
        const original = crypto.subtle.importKey.bind(crypto.subtle);
        crypto.subtle.importKey = (format, key, algorithm, ...rest) =>
            (algorithm && algorithm.name === "Ed25519")
                ? Promise.reject(new DOMException("no Ed25519", "NotSupportedError"))
                : original(format, key, algorithm, ...rest);
    """)
    phone.goto(f"{live_server.url}/v#{cert.qr_digits}")
    expect(phone.locator("#v-note")).to_contain_text("cannot check signatures")
    expect(phone.locator("#v-status")).to_be_hidden()
    expect(phone.locator("#v-printed-card")).to_be_hidden()  # nothing unverified is shown
    phone.locator("#v-online").click()
    expect(phone.locator("#v-online-status")).to_have_attribute("data-status", "valid")
    expect(phone.locator('#v-printed [data-field="holder_name"]')).to_have_text("Andi Pratama")
    expect(phone.locator('#v-printed [data-field="units"]')).to_contain_text("Merawat mesin sepeda motor")
    assert "1999" not in phone.locator("main").inner_text()
    assert phone.errors == []
