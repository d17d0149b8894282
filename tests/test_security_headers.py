"""The HTTP security headers, on the kinds of answer Kompeten gives, and the cookies of the production settings.

- every answer (a public page, a staff page with personal data, the API, a file download) carries a
  Content-Security-Policy with frame-ancestors 'none' and without 'unsafe-inline' or 'unsafe-eval' for scripts,
  X-Content-Type-Options: nosniff and a Referrer-Policy (kompeten/core/security.py, Django's SecurityMiddleware);
- an answer to a signed-in user or to an API token is never stored by a cache (no-store); public pages are;
- the production settings (DEBUG off), loaded from kompeten/settings.py itself: HSTS, HTTPS redirect, cookies
  Secure + HttpOnly + SameSite, and ``check --deploy`` without a warning;
- no template has an inline script, an event handler attribute or a javascript: URL, which the policy would block.
"""

import re
import runpy
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD
from kompeten.registry.documents import upload_document

pytestmark = pytest.mark.django_db

KOMPETEN = Path(__file__).resolve().parent.parent / "kompeten"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_secure_headers(response):
    csp = policy(response)
    assert csp["frame-ancestors"] in (["'none'"], ["'self'"])
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


# --- the kinds of answer --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/v", "/.well-known/kompeten/keys.json"])
def test_public_pages_have_the_headers_and_stay_cacheable(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_secure_headers(response)
    assert not no_store(response)


def test_static_files_are_not_marked_no_store(client):
    response = client.get("/static/kompeten/kompeten.css")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert not no_store(response)


def test_staff_page_with_personal_data(client, operator_balikpapan, person_balikpapan):
    client.force_login(operator_balikpapan)
    response = client.get(reverse("registry:person_detail", args=[person_balikpapan.pk]))
    assert response.status_code == 200 and person_balikpapan.full_name in response.content.decode()
    assert_secure_headers(response)
    assert no_store(response) and "private" in response["Cache-Control"]


def test_the_same_public_page_is_not_cached_for_a_signed_in_user(client, job_seeker):
    assert not no_store(client.get("/"))
    client.force_login(job_seeker)
    assert no_store(client.get("/"))


def test_file_download(client, job_seeker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = upload_document(job_seeker.person, "ktp", SimpleUploadedFile("ktp.pdf", PDF), by=job_seeker)
    client.force_login(job_seeker)
    response = client.get(reverse("registry:document_download", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert_secure_headers(response)
    assert no_store(response)


def test_api(client, operator_balikpapan):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert_secure_headers(schema)
    assert not no_store(schema)  # public
    with_token = client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer kpt_" + "x" * 40})
    assert_secure_headers(with_token)
    assert no_store(with_token)  # a partner system's credentials: its answers are its own
    client.force_login(operator_balikpapan)
    signed_in = client.get("/api/v1/openapi.json")
    assert_secure_headers(signed_in)
    assert no_store(signed_in)


def test_a_view_may_send_a_stricter_policy(rf):
    from django.http import HttpResponse

    from kompeten.core.security import SecurityHeadersMiddleware

    strict = "default-src 'none'; sandbox"
    response = SecurityHeadersMiddleware(lambda request: HttpResponse(headers={"Content-Security-Policy": strict}))(
        rf.get("/"))
    assert response["Content-Security-Policy"] == strict


def test_the_personal_data_decorator_marks_an_anonymous_answer(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from kompeten.core.security import SecurityHeadersMiddleware, personal_data

    request = rf.get("/")
    request.user = AnonymousUser()
    assert not no_store(SecurityHeadersMiddleware(lambda r: HttpResponse("x"))(request))
    assert no_store(SecurityHeadersMiddleware(personal_data(lambda r: HttpResponse("x")))(request))


# --- the production settings ----------------------------------------------------------------------------------

PRODUCTION_KEYS = [
    "DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS", "SECURE_CSP", "MIDDLEWARE",
]


@pytest.fixture
def production(monkeypatch, tmp_path):
    """The security settings as kompeten/settings.py computes them on a production server (DEBUG off, HTTPS)."""
    for name in ("DEBUG", "KOMPETEN_HTTPS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x7" * 30 + "-production-secret-for-the-check")
    monkeypatch.setenv("KOMPETEN_VAR_DIR", str(tmp_path / "var"))
    values = runpy.run_path(str(KOMPETEN / "settings.py"))
    assert values["DEBUG"] is False
    return {name: values[name] for name in PRODUCTION_KEYS}


def test_production_sends_hsts_and_redirects_to_https(client, production):
    with override_settings(**production):
        assert client.get("/").status_code == 301 and client.get("/")["Location"].startswith("https://")
        response = client.get("/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_secure_headers(response)


def assert_cookie(response, name):
    cookie = response.cookies[name]
    assert cookie["secure"] is True, f"{name} is not Secure"
    assert cookie["httponly"] is True, f"{name} is not HttpOnly"
    assert cookie["samesite"] == "Lax", f"{name} has SameSite={cookie['samesite']!r}"


def test_production_cookies_are_secure_httponly_samesite(client, job_seeker, production):
    with override_settings(**production):
        login_page = client.get(reverse("accounts:login"), secure=True)
        assert_cookie(login_page, "csrftoken")
        logged_in = client.post(reverse("accounts:login"), {"username": job_seeker.email, "password": PASSWORD},
                                secure=True)
        assert logged_in.status_code == 302
        assert_cookie(logged_in, "sessionid")
        assert no_store(logged_in)
        language = client.post(reverse("set_language"), {"language": "id", "next": "/"}, secure=True)
        assert_cookie(language, "django_language")


def test_check_deploy_has_no_warning_with_production_settings(production):
    with override_settings(**production, ALLOWED_HOSTS=["kompeten.disnakertrans.example"]):
        call_command("check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_would_catch_a_weakened_setting(production):
    """The check above can fail: without HSTS (or with the test settings' plain HTTP) it reports warnings."""
    weakened = {**production, "SECURE_HSTS_SECONDS": 0, "SESSION_COOKIE_SECURE": False}
    with override_settings(**weakened, ALLOWED_HOSTS=["kompeten.disnakertrans.example"]), \
            pytest.raises(SystemCheckError) as failed:
        call_command("check", "--deploy", "--fail-level", "WARNING")
    assert "security.W004" in str(failed.value) and "security.W012" in str(failed.value)


# --- what the policy needs from the templates -----------------------------------------------------------------

TEMPLATES = sorted(KOMPETEN.glob("*/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_the_template_checks_find_what_they_look_for():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>') and not INLINE_SCRIPT.search('<script src="a.js">')
    assert HANDLER.search('<select onchange="this.form.submit()">') and not HANDLER.search('<a data-on="x">')
    assert JAVASCRIPT_URL.search('<a href="javascript:go()">')
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize(("name", "pattern"), [("inline script", INLINE_SCRIPT), ("event handler attribute", HANDLER),
                                               ("javascript: URL", JAVASCRIPT_URL)])
def test_no_template_has_inline_script(name, pattern):
    found = [f"{path.relative_to(KOMPETEN)}:{text[:text.index(match.group())].count(chr(10)) + 1}"
             for path in TEMPLATES for text in [path.read_text()] for match in pattern.finditer(text)]
    assert not found, f"{name} (blocked by the Content-Security-Policy; move it to a static .js file): {found}"


# --- the console log ------------------------------------------------------------------------------------------


def test_the_console_log_masks_nik_phone_and_token():
    """A safety net behind the log scan (tests/logscan.py): what the configured console handler writes is masked."""
    import logging

    from kompeten.core.security import RedactingFormatter

    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, RedactingFormatter)]
    assert handlers, "the console handler of settings.LOGGING has no RedactingFormatter"
    token = "kpt_" + "Ab1" * 14
    record = logging.LogRecord("kompeten.notifications", logging.INFO, __file__, 1, "SMS to %s (%s) %s",
                               ("0812-3456-7890", "6471055203990001", token), None)
    written = handlers[0].format(record)
    assert "SMS to" in written and "6471" in written
    for secret in ("0812-3456-7890", "6471055203990001", token):
        assert secret not in written
    assert record.getMessage().count("6471055203990001") == 1  # the record itself is unchanged (the scan reads it)
