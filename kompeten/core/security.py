"""HTTP headers that Django 5.2 does not set by itself: a Content-Security-Policy and no-store for personal data.

Django's SecurityMiddleware already sends HSTS, X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy, and XFrameOptionsMiddleware sends X-Frame-Options (settings.py, "Security headers").
This middleware adds:

- ``Content-Security-Policy`` built from ``settings.SECURE_CSP`` (directive -> list of sources), with
  ``frame-ancestors 'none'`` and no ``'unsafe-inline'`` for scripts: no template has an inline script or an event
  handler attribute, every script is a static file. A view may send its own, stricter policy (kept as it is).
- ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY``: no page needs the camera, microphone or location.
- ``Cache-Control: no-store`` (with Django's other never-cache headers) on every response to a signed-in user, to
  an API call that carries credentials, on a response that sets the session cookie, and on a view marked with
  ``personal_data``: such pages must not stay in a shared cache or in the browser's history cache. Public pages
  (home, the certificate verification pages, the issuers' keys) stay cacheable.

Why our own middleware rather than django-csp: the policy is one constant header (no nonces, since there is no
inline script), which is twenty lines; and Django 6.0 ships ``django.middleware.csp.ContentSecurityPolicyMiddleware``
reading ``SECURE_CSP`` in this very shape, so moving to it later is a one-line change of MIDDLEWARE, without a
dependency and its own settings format in between.
"""

import logging
import re
from functools import wraps

from django.conf import settings
from django.utils.cache import add_never_cache_headers

CSP_HEADER = "Content-Security-Policy"


def build_policy(directives: dict) -> str:
    """``{"default-src": ["'self'"], "upgrade-insecure-requests": []}``
    -> ``"default-src 'self'; upgrade-insecure-requests"``."""
    parts = []
    for directive, sources in directives.items():
        if isinstance(sources, str):
            sources = [sources]
        parts.append(" ".join([directive, *sources]) if sources else directive)
    return "; ".join(parts)


def personal_data(view):
    """Mark a view whose answer holds personal data even for a visitor who is not signed in: never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.personal_data = True
        return response

    return wrapped


def is_personal(request, response) -> bool:
    """Whether the response may hold personal data of someone, so that no cache may keep it."""
    if getattr(response, "personal_data", False):
        return True
    user = getattr(request, "user", None)  # absent when a middleware answered before authentication (static files)
    if user is not None and user.is_authenticated:
        return True
    if "HTTP_AUTHORIZATION" in request.META:  # an API token: the answer is that partner's data
        return True
    return settings.SESSION_COOKIE_NAME in response.cookies


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "SECURE_CSP", None)
        if policy and CSP_HEADER not in response:
            response[CSP_HEADER] = build_policy(policy)
        permissions = getattr(settings, "PERMISSIONS_POLICY", "")
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        if is_personal(request, response) and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)  # a view that already said no-store keeps its own header
        return response


# --- logs -------------------------------------------------------------------------------------------------------

_NIK = re.compile(r"(?<!\d)(\d{4})\d{12}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])((?:\+62[\s.-]?|0)8\d)\d{0,2}(?:[\s.-]?\d{2,4}){2,3}(?!\d)")
_TOKEN = re.compile(r"(kpt_)[A-Za-z0-9_-]{16,}")


def redact(text: str) -> str:
    """``text`` with NIKs, Indonesian mobile numbers and API tokens masked (their first characters kept)."""
    text = _NIK.sub(lambda m: m.group(1) + "*" * 12, text)
    text = _PHONE.sub(lambda m: m.group(1) + "*" * 8, text)
    return _TOKEN.sub(lambda m: m.group(1) + "*" * 8, text)


class RedactingFormatter(logging.Formatter):
    """The log handlers' formatter (settings.LOGGING): masks NIKs, mobile numbers and API tokens in what is written.
    A safety net only: the code must not log them at all, which the test suite's log scan (tests/logscan.py) checks
    on the records themselves, before any formatter."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
