"""The named rate limits of Kompeten, and the 429 page that answers them.

Each limit may be changed per deployment with ``KOMPETEN_RATE_LIMITS = {name: (events, seconds)}``. They come on top
of django-axes, which locks a login name + address pair out after AXES_FAILURE_LIMIT wrong passwords, and of
django-otp's own throttling of wrong codes per device.
"""

from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kompeten.core import ratelimit


def login_ip():
    """Login attempts from one address, right or wrong (an office or a training centre shares one address)."""
    return ratelimit.configured("login-ip", 100, 10 * 60)


def login_account():
    """Failed logins (wrong password or wrong code) of one account, from any address."""
    return ratelimit.configured("login-account", 10, 15 * 60)


def password_reset_ip():
    return ratelimit.configured("password-reset-ip", 10, 60 * 60)


def password_reset_account():
    """Reset e-mails to one address: beyond this the form says it sent one, and sends nothing."""
    return ratelimit.configured("password-reset-account", 3, 60 * 60)


def nik_lookup_user():
    """Searches by a full NIK by one staff user."""
    return ratelimit.configured("nik-lookup-user", 30, 10 * 60)


def nik_lookup_ip():
    return ratelimit.configured("nik-lookup-ip", 60, 10 * 60)


def nik_lookup(request) -> ratelimit.Verdict | None:
    """Count one lookup by a full NIK (the person search, the API's /persons/lookup) against the limits per user and
    per address; the verdict that refuses it, else None."""
    for limit, value in ((nik_lookup_user(), f"user:{request.user.pk}"),
                         (nik_lookup_ip(), ratelimit.client_ip(request))):
        verdict = ratelimit.hit(limit, value)
        if verdict.limited:
            return verdict
    return None


def too_many_requests(request, verdict: ratelimit.Verdict, message: str | None = None):
    """The 429 page in the user's language: what happened and when to try again (also in Retry-After)."""
    retry_at = timezone.localtime(timezone.now() + timezone.timedelta(seconds=verdict.retry_after))
    context = {
        "message": message or _("Too many attempts."),
        "minutes": verdict.retry_minutes,
        "retry_at": formats.time_format(retry_at, "H:i"),
    }
    response = render(request, "accounts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    response["Cache-Control"] = "no-store"
    return response
