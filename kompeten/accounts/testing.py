"""Helpers for tests that log in staff with two-factor authentication (imported by tests only).

``verified_login(client, user)`` is ``client.force_login(user)`` plus a confirmed authenticator and a session that
passed the code step: what a test needs when KOMPETEN_2FA_STRICT_SESSIONS is on, or when it goes through pages that
check the session's verification (the account page's recovery codes).
"""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from kompeten.accounts import otp


def code_for(device, *, at: float | None = None) -> str:
    """The code the authenticator app shows now (or at the Unix time ``at``)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def enrol(user, *, at: float | None = None):
    """A confirmed authenticator for ``user`` (its code of time ``at`` is used up); (device, recovery codes)."""
    device = otp.start_enrolment(user)
    codes = otp.confirm_enrolment(user, device, code_for(device, at=at))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def confirmed_device(user):
    """A confirmed authenticator whose current code is still unused (for a test that logs in through the pages)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=otp.TOTP_DEVICE_NAME, confirmed=True)


def verified_login(client, user):
    """Log ``user`` in as if through both login steps; their authenticator (created if missing) is returned."""
    client.force_login(user)
    device = otp.confirmed_totp(user) or enrol(user)[0]
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[otp.AUTH_LEVEL_KEY] = otp.OTP
    session.save()
    return device
