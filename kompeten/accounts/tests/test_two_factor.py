"""Two-factor authentication: enrolment, the code step, single-use codes, recovery codes, who must use it, reset."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, make_user
from kompeten.accounts import otp
from kompeten.accounts.models import Membership
from kompeten.accounts.testing import code_for, enrol, verified_login
from kompeten.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2025, 3, 3, 8, 0, 0, tzinfo=datetime.UTC)
STEP = datetime.timedelta(seconds=30)
STAFF_PAGE = "registry:person_list"


def at(moment):
    return moment.timestamp()


def password_step(client, user, **extra):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD, **extra})


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def test_staff_without_device_is_sent_to_enrolment_not_logged_in(client, operator_balikpapan, frozen):
    response = password_step(client, operator_balikpapan)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor_setup")
    assert not logged_in(client)
    # Not logged in: staff pages send the user to the login page.
    response = client.get(reverse(STAFF_PAGE))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_enrolment_shows_an_inline_qr_and_confirms_with_a_code(client, operator_balikpapan, frozen):
    password_step(client, operator_balikpapan, next=reverse(STAFF_PAGE))
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    device = TOTPDevice.objects.get(user=operator_balikpapan, confirmed=False)
    assert "<svg" in page and otp.secret_base32(device) in page
    assert "<img" not in page.split('id="totp-qr"')[1].split("</div>")[0]  # drawn here, no outside service
    # A wrong code does not confirm.
    response = client.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert response.status_code == 200 and "not right" in response.content.decode() and not logged_in(client)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": code_for(device)})
    assert "Wait 1 second" in response.content.decode() and not logged_in(client)
    frozen.move_to(T0 + datetime.timedelta(seconds=2), tick=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li class=\"col\">([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert len(codes) == otp.RECOVERY_CODES == len(set(codes))
    assert logged_in(client)
    device.refresh_from_db()
    assert device.confirmed
    # Stored hashed, never as text.
    stored = set(StaticToken.objects.filter(device__user=operator_balikpapan).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}
    assert reverse(STAFF_PAGE) in response.content.decode()  # "continue" goes where the login was going
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


def test_staff_with_device_needs_the_code(client, operator_balikpapan, frozen):
    device, _codes = enrol(operator_balikpapan, at=at(T0))
    frozen.move_to(T0 + STEP, tick=False)
    response = password_step(client, operator_balikpapan, next=reverse(STAFF_PAGE))
    assert response["Location"] == reverse("accounts:two_factor_verify") and not logged_in(client)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": "123456"})
    assert response.status_code == 200 and not logged_in(client)
    # A wrong code slows the device down: the right one is refused for a second, with a message saying so.
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert "Wait 1 second" in response.content.decode() and not logged_in(client)
    frozen.move_to(T0 + STEP + datetime.timedelta(seconds=2), tick=False)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse(STAFF_PAGE) and logged_in(client)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


def test_a_code_works_once(client, operator_balikpapan, frozen):
    device, _codes = enrol(operator_balikpapan, at=at(T0))
    # The enrolment used the code of this time step: the same code is refused at login.
    password_step(client, operator_balikpapan)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 200 and not logged_in(client)
    frozen.move_to(T0 + 2 * STEP, tick=False)
    code = code_for(device)
    assert client.post(reverse("accounts:two_factor_verify"), {"code": code}).status_code == 302
    client.logout()
    # Replay of that code in the same time step, from another browser: refused.
    frozen.move_to(T0 + 2 * STEP + datetime.timedelta(seconds=10), tick=False)
    other = type(client)()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    password_step(other, operator_balikpapan)
    response = other.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert response.status_code == 200 and "already used" in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_recovery_code_works_once_and_new_ones_replace_old(client, operator_balikpapan, frozen):
    _device, codes = enrol(operator_balikpapan, at=at(T0))
    password_step(client, operator_balikpapan)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302 and logged_in(client)
    assert otp.recovery_codes_left(operator_balikpapan) == 9
    client.logout()
    password_step(client, operator_balikpapan)
    assert client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]}).status_code == 200
    assert not logged_in(client)
    frozen.move_to(T0 + 10 * STEP, tick=False)  # past the throttling delay of the failure
    assert client.post(reverse("accounts:two_factor_verify"), {"code": codes[1]}).status_code == 302
    # New codes, from the account page of a verified session: the old ones stop working.
    response = client.post(reverse("accounts:two_factor_recovery"))
    new_codes = re.findall(r"<li class=\"col\">([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert otp.verify(operator_balikpapan, codes[2]) is None
    frozen.move_to(T0 + 20 * STEP, tick=False)
    assert otp.verify(operator_balikpapan, new_codes[0]) is not None


def test_enrolment_cannot_replace_a_device_without_its_code(client, operator_balikpapan, frozen):
    enrol(operator_balikpapan, at=at(T0))
    password_step(client, operator_balikpapan)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=operator_balikpapan).count() == 1


def test_the_password_step_expires(client, operator_balikpapan, frozen):
    device, _codes = enrol(operator_balikpapan, at=at(T0))
    password_step(client, operator_balikpapan)
    frozen.move_to(T0 + datetime.timedelta(minutes=11), tick=False)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not logged_in(client)


@pytest.mark.parametrize("persona", ["job_seeker", "company_user"])
def test_job_seeker_and_company_user_are_not_forced(persona, client, request):
    user = request.getfixturevalue(persona)
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"] == reverse("core:home") and logged_in(client)
    assert not otp.required_for(user)
    assert client.get(reverse("accounts:account")).status_code == 200


def test_company_user_may_opt_in_and_then_needs_the_code(client, company_user, frozen):
    password_step(client, company_user)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=company_user)
    assert client.post(reverse("accounts:two_factor_setup"), {"code": code_for(device)}).status_code == 200
    client.logout()
    frozen.move_to(T0 + STEP, tick=False)
    response = password_step(client, company_user)
    assert response["Location"] == reverse("accounts:two_factor_verify") and not logged_in(client)
    assert client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)}).status_code == 302
    # Opted in, they may turn it off again with a code.
    frozen.move_to(T0 + 2 * STEP, tick=False)
    client.post(reverse("accounts:two_factor_disable"), {"code": code_for(device)})
    assert not otp.has_2fa(company_user)


def test_staff_cannot_turn_2fa_off(client, operator_balikpapan, frozen):
    device = verified_login(client, operator_balikpapan)
    frozen.move_to(T0 + STEP, tick=False)
    assert client.post(reverse("accounts:two_factor_disable"), {"code": code_for(device)}).status_code == 404
    assert otp.has_2fa(operator_balikpapan)


def test_a_job_seeker_who_becomes_staff_must_enrol(client, job_seeker, balikpapan):
    password_step(client, job_seeker)
    assert client.get(reverse("registry:my_profile")).status_code == 200
    Membership.objects.create(user=job_seeker, role="centre_operator", centre=balikpapan)
    response = client.get(reverse(STAFF_PAGE))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_setup"))
    # Only the 2FA pages and the logout answer until then.
    assert client.get(reverse("accounts:account")).status_code == 302
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200


def test_force_login_is_not_blocked(client, operator_balikpapan):
    """The suite logs staff in with force_login: it stands for a finished login, code step included."""
    client.force_login(operator_balikpapan)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


def test_strict_sessions_block_unmarked_staff_sessions(client, operator_balikpapan, settings):
    settings.KOMPETEN_2FA_STRICT_SESSIONS = True
    client.force_login(operator_balikpapan)
    assert client.get(reverse(STAFF_PAGE)).status_code == 302
    verified_login(client, operator_balikpapan)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


def test_not_required_when_switched_off(client, operator_balikpapan, settings):
    settings.KOMPETEN_2FA_REQUIRED = False
    response = password_step(client, operator_balikpapan)
    assert response["Location"] == reverse("core:home") and logged_in(client)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


def test_province_admin_resets_another_users_2fa(client, province_admin, operator_balikpapan, frozen):
    device, _codes = enrol(operator_balikpapan, at=at(T0))
    operator_browser = type(client)()
    verified_login(operator_browser, operator_balikpapan)
    assert operator_browser.get(reverse(STAFF_PAGE)).status_code == 200
    verified_login(client, province_admin)
    response = client.post(reverse("accounts:two_factor_reset"),
                           {"login": operator_balikpapan.email, "reason": "HP hilang"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=operator_balikpapan).exists()
    assert not StaticToken.objects.filter(device__user=operator_balikpapan).exists()
    entry = AuditEntry.objects.get(object_type="accounts.two_factor")
    assert entry.actor == province_admin and entry.object_id == str(operator_balikpapan.pk)
    assert "HP hilang" in entry.note
    # The operator's session verified with the removed device: set up a new one first.
    response = operator_browser.get(reverse(STAFF_PAGE))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_setup"))
    # Nobody resets their own.
    response = client.post(reverse("accounts:two_factor_reset"), {"login": province_admin.email, "reason": "x"})
    assert response.status_code == 200 and otp.has_2fa(province_admin)


def test_only_a_province_admin_resets(client, operator_balikpapan, operator_bontang):
    enrol(operator_bontang)
    verified_login(client, operator_balikpapan)
    response = client.post(reverse("accounts:two_factor_reset"), {"login": operator_bontang.email, "reason": "x"})
    assert response.status_code == 404 and otp.has_2fa(operator_bontang)


def test_wrong_codes_count_as_failed_logins(client, operator_balikpapan, settings, frozen):
    settings.KOMPETEN_RATE_LIMITS = {"login-account": (3, 900)}
    enrol(operator_balikpapan, at=at(T0))
    password_step(client, operator_balikpapan)
    for second in range(3):
        frozen.move_to(T0 + datetime.timedelta(seconds=10 * second), tick=False)
        assert client.post(reverse("accounts:two_factor_verify"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_account_page_shows_2fa_state(client, job_seeker, operator_balikpapan):
    client.force_login(job_seeker)
    assert "Set up two-factor authentication" in client.get(reverse("accounts:account")).content.decode()
    verified_login(client, operator_balikpapan)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "10 recovery codes left" in page and "Make new recovery codes" in page and "Turn off" not in page


def test_staff_user_made_in_a_test_helper_enrols(db):
    user = make_user("lsp@lsp.test", "assessor")
    assert otp.required_for(user) and not otp.has_2fa(user)
    enrol(user)
    assert otp.has_2fa(user) and otp.recovery_codes_left(user) == 10
