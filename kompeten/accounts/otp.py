"""Two-factor authentication: a TOTP authenticator app, and ten single-use recovery codes (django-otp devices).

Who must use it: every user with a staff role other than company user (province admins, centre operators, assessors
and LSP managers, who sign certificates), while ``KOMPETEN_2FA_REQUIRED`` is on. Company users and job seekers may
opt in; once they have a device, their login asks for a code too.

- A code is single-use: django-otp's TOTP device keeps the last time step it accepted (``last_t``) and accepts only
  later steps, under a row lock (``django_otp.verify_token``), so the same code cannot be used twice, even by two
  requests at once. Wrong codes slow the device down (1, 2, 4 … seconds) and count as failed logins.
- Recovery codes are stored as a keyed hash (HMAC with the SECRET_KEY), never as text: a copy of the database alone
  does not give them away. Each one works once; making new ones throws the old ones away. Changing SECRET_KEY makes
  the stored codes unusable (the users regenerate them after logging in with the app).
- The session remembers the device that verified it (django-otp's ``otp_device_id``). When the device is removed
  (a province admin resets a user's 2FA), every session it verified is unverified again.
"""

from __future__ import annotations

import base64
import math
import secrets
from urllib.parse import quote, urlencode

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kompeten.accounts.models import STAFF_ROLES, Role

TWO_FACTOR_ROLES = STAFF_ROLES - {Role.COMPANY_USER}
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
RECOVERY_LENGTH = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"

# Session keys: how this session logged in ("password", or "otp" once a code was accepted), and the unconfirmed
# device being enrolled.
AUTH_LEVEL_KEY = "kompeten_auth_level"
PASSWORD, OTP = "password", "otp"


def required_for(user) -> bool:
    """The user must enrol and pass a code: a staff role other than company user, while 2FA is required."""
    return bool(settings.KOMPETEN_2FA_REQUIRED and user.roles & TWO_FACTOR_ROLES)


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_2fa(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def uses_2fa(user) -> bool:
    """The login asks this user for a code (or first for enrolment)."""
    return required_for(user) or has_2fa(user)


# --- enrolment ------------------------------------------------------------------------------------------------


def start_enrolment(user) -> TOTPDevice:
    """A new unconfirmed authenticator for the user (an earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def pending_device(user, device_id) -> TOTPDevice | None:
    if not device_id:
        return None
    return TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()


def secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app expects it typed in, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def account_label(user) -> str:
    return user.email or user.phone or str(user.pk)


def provisioning_uri(device: TOTPDevice) -> str:
    issuer = getattr(settings, "OTP_TOTP_ISSUER", "Kompeten")
    label = quote(f"{issuer}:{account_label(device.user)}")
    params = {"secret": secret_base32(device).replace(" ", ""), "issuer": issuer, "algorithm": "SHA1",
              "digits": device.digits, "period": device.step}
    return f"otpauth://totp/{label}?{urlencode(params)}"


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG: drawn here, no outside service sees the secret."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=5, title="QR")


def confirm_enrolment(user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the new authenticator with a code it shows; the new recovery codes, or None for a wrong code.
    An earlier authenticator of the user is replaced."""
    token = normalise_totp(token)
    if token is None:
        return None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        if device is None or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return regenerate_recovery_codes(user)


# --- recovery codes ---------------------------------------------------------------------------------------------


def normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_hash(code: str) -> str:
    """What is stored for a recovery code (StaticToken.token holds 16 characters)."""
    return salted_hmac("kompeten.accounts.recovery-code", normalise_recovery(code),
                       algorithm="sha256").hexdigest()[:16]


def format_recovery(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def regenerate_recovery_codes(user) -> list[str]:
    """Ten new recovery codes, shown once; the old ones stop working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME,
                                                              defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
                 for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_hash(code)) for code in codes)
    return [format_recovery(code) for code in codes]


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- the code step ----------------------------------------------------------------------------------------------


def normalise_totp(token: str) -> str | None:
    digits = "".join((token or "").split())
    return digits if len(digits) == 6 and digits.isdigit() else None


def _device_for(user, code: str) -> Device | None:
    if normalise_totp(code) is not None:
        return confirmed_totp(user)
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def wait_seconds(user, code: str, device: Device | None = None) -> int:
    """Seconds before the device that would check this code accepts another try (after wrong codes), or 0."""
    device = device or _device_for(user, code)
    if device is None:
        return 0
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def verify(user, code: str) -> Device | None:
    """The device that accepts the code (an authenticator code or a recovery code), each code once; None if none."""
    token = normalise_totp(code)
    if token is not None:
        device = confirmed_totp(user)
        return django_otp.verify_token(user, device.persistent_id, token) if device else None
    recovery = normalise_recovery(code)
    if len(recovery) != RECOVERY_LENGTH:
        return None
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not has_2fa(user):
        return None
    return django_otp.verify_token(user, device.persistent_id, recovery_hash(recovery))


def mark_verified(request, device: Device) -> None:
    """The session (already logged in as the device's user) passed the code step."""
    django_otp.login(request, device)
    request.session[AUTH_LEVEL_KEY] = OTP


def mark_password_only(request) -> None:
    """The session logged in with a password and no code (a user who did not need one at the time)."""
    request.session[AUTH_LEVEL_KEY] = PASSWORD


def session_verified(request) -> bool:
    """The session passed the code step with a device that the user still has."""
    cached = getattr(request, "_kompeten_2fa_verified", None)
    if cached is not None:
        return cached
    persistent_id = request.session.get(django_otp.DEVICE_ID_SESSION_KEY)
    verified = False
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        verified = device is not None and device.user_id == request.user.pk and device.confirmed
    request._kompeten_2fa_verified = verified
    return verified


# --- reset ------------------------------------------------------------------------------------------------------


def remove_2fa(user) -> int:
    """Remove the user's authenticator and recovery codes; the sessions they verified need a code again."""
    with transaction.atomic():
        removed, _per_model = TOTPDevice.objects.filter(user=user).delete()
        static, _per_model = StaticDevice.objects.filter(user=user).delete()
    return removed + static


def reset_2fa(user, *, by, request=None, reason: str = "") -> int:
    """A province admin resets another user's 2FA (a lost phone): the user enrols again at the next login."""
    from kompeten.audit.models import AuditEntry
    from kompeten.audit.services import record

    removed = remove_2fa(user)
    record(AuditEntry.Action.DELETE, by=by, object_type="accounts.two_factor", object_id=str(user.pk),
           object_label=str(user)[:200], note=(f"2FA reset: {reason}" if reason else "2FA reset")[:255],
           request=request)
    return removed
