"""Rate limits of the login (per account, per address) and of the password reset; the 429 page."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from conftest import PASSWORD
from kompeten.registry.phone import normalise_phone

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


@pytest.fixture(autouse=True)
def no_axes_lockout(settings):
    """django-axes locks a login name + address out after 5 failures; these tests look at our own limits."""
    settings.AXES_FAILURE_LIMIT = 1000


def attempt(client, username, password="salah-sandi-123", ip="203.0.113.5"):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_failed_logins_of_one_account_are_limited_from_any_address(client, job_seeker, company_user, settings):
    settings.KOMPETEN_RATE_LIMITS = {"login-account": (3, 900)}
    job_seeker.phone = normalise_phone("0812 3456 7890")
    job_seeker.save(update_fields=["phone"])
    for number in range(3):
        assert attempt(client, job_seeker.email, ip=f"203.0.113.{number}").status_code == 200
    # The right password, from yet another address, and by the phone number of the same account: still limited.
    response = attempt(client, job_seeker.email, PASSWORD, ip="198.51.100.99")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert 0 < int(response["Retry-After"]) <= 900
    text = response.content.decode()
    assert "Too many failed logins for this account." in text and "Please try again in" in text
    assert attempt(client, "0812-3456-7890", PASSWORD, ip="198.51.100.98").status_code == 429
    # Another account is not limited.
    response = attempt(client, company_user.email, PASSWORD, ip="198.51.100.99")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_successful_login_clears_the_failures(client, job_seeker, settings):
    settings.KOMPETEN_RATE_LIMITS = {"login-account": (3, 900)}
    attempt(client, job_seeker.email)
    attempt(client, job_seeker.email)
    assert attempt(client, job_seeker.email, PASSWORD).status_code == 302
    client.logout()
    attempt(client, job_seeker.email)
    attempt(client, job_seeker.email)
    assert attempt(client, job_seeker.email, PASSWORD).status_code == 302


def test_logins_from_one_address_are_limited(client, job_seeker, company_user, settings):
    settings.KOMPETEN_RATE_LIMITS = {"login-ip": (4, 600)}
    for number in range(4):
        assert attempt(client, f"nobody{number}@example.test").status_code == 200
    response = attempt(client, job_seeker.email, PASSWORD)
    assert response.status_code == 429 and "from your address" in response.content.decode()
    # Another address logs in.
    assert attempt(client, company_user.email, PASSWORD, ip="198.51.100.7").status_code == 302


def test_the_limit_keys_hold_no_address_or_login(client, job_seeker):
    attempt(client, job_seeker.email, ip="203.0.113.77")
    keys = " ".join(str(key) for key in cache._cache)
    assert "rl:login-ip:" in keys and "rl:login-account:" in keys
    assert "203.0.113.77" not in keys and "siti" not in keys and f"user:{job_seeker.pk}" not in keys


def test_the_429_page_is_in_the_users_language(client, job_seeker, settings):
    settings.KOMPETEN_RATE_LIMITS = {"login-ip": (0, 600)}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = attempt(client, job_seeker.email, PASSWORD)
    assert response.status_code == 429 and '<html lang="id"' in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = attempt(client, job_seeker.email, PASSWORD)
    assert '<html lang="en"' in response.content.decode()
    assert re.search(r"Please try again in \d+ minutes? \(after \d\d:\d\d\)", response.content.decode())


# --- password reset ---------------------------------------------------------------------------------------------


def reset(client, email, ip="203.0.113.5"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_by_email(client, job_seeker, settings):
    settings.KOMPETEN_BASE_URL = "https://kompeten.example.test"
    response = reset(client, job_seeker.email.upper())
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [job_seeker.email]
    link = re.search(r"https://kompeten\.example\.test(/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link)  # Django swaps the token for a session and redirects
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": "Samarinda-baru-2025", "new_password2": "Samarinda-baru-2025"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    assert client.post(reverse(LOGIN), {"username": job_seeker.email, "password": "Samarinda-baru-2025"}
                       ).status_code == 302
    # The link works once.
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "does not work any more" in client.get(link, follow=True).content.decode()


def test_password_reset_says_the_same_for_unknown_addresses(client, db):
    response = reset(client, "nobody@example.test")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_mails_per_account_are_limited_silently(client, job_seeker, settings):
    settings.KOMPETEN_RATE_LIMITS = {"password-reset-account": (2, 3600)}
    answers = [reset(client, job_seeker.email, ip=f"203.0.113.{n}") for n in range(4)]
    assert [r.status_code for r in answers] == [302] * 4
    assert {r["Location"] for r in answers} == {reverse("accounts:password_reset_done")}
    assert len(mail.outbox) == 2


def test_password_reset_per_address_is_limited(client, job_seeker, settings):
    settings.KOMPETEN_RATE_LIMITS = {"password-reset-ip": (2, 3600)}
    assert reset(client, "a@example.test").status_code == 302
    assert reset(client, "b@example.test").status_code == 302
    response = reset(client, job_seeker.email)
    assert response.status_code == 429 and "password reset" in response.content.decode()
    assert mail.outbox == []
    assert reset(client, job_seeker.email, ip="198.51.100.1").status_code == 302 and len(mail.outbox) == 1


def test_password_reset_keeps_2fa(client, operator_balikpapan):
    from kompeten.accounts.testing import enrol

    enrol(operator_balikpapan)
    reset(client, operator_balikpapan.email)
    link = re.search(r"https?://\S+?(/akun/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "Samarinda-baru-2025", "new_password2": "Samarinda-baru-2025"})
    response = client.post(reverse(LOGIN), {"username": operator_balikpapan.email, "password": "Samarinda-baru-2025"})
    assert response["Location"] == reverse("accounts:two_factor_verify") and "_auth_user_id" not in client.session
