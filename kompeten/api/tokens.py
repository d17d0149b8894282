"""API tokens of partner systems (kompeten/api/models.py ApiToken).

A token is ``kpt_`` + 40 random url-safe characters, shown once when made; only its SHA-256 is stored, with the
first 8 characters (``prefix``) to recognise it in lists. It belongs to a user and acts with that user's
memberships; it can expire and be revoked; its last use is recorded (at most once a minute).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from kompeten.api.models import ApiToken
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record

TOKEN_PREFIX = "kpt_"  # noqa: S105 (the marker of a token, not a secret)
TOKEN_LENGTH = len(TOKEN_PREFIX) + 40
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_text() -> str:
    while True:  # token_urlsafe(30) is 40 characters of [A-Za-z0-9_-]
        text = TOKEN_PREFIX + secrets.token_urlsafe(30)
        if len(text) == TOKEN_LENGTH:
            return text


def user_for_token(token: str):
    """The active user of an unexpired, unrevoked token, else None."""
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    found = ApiToken.objects.active(now).select_related("user").filter(digest=digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


@transaction.atomic
def issue_token(user, *, name: str, days: int | None = 365, by=None) -> tuple[ApiToken, str]:
    """A new token for ``user``: (ApiToken row, the token text shown once). Audited."""
    name = (name or "").strip()[:100]
    if not name:
        raise ValueError("a token needs a name")
    if days is not None and days < 1:
        raise ValueError("a token lives at least one day")
    text = new_token_text()
    now = timezone.now()
    token = ApiToken.objects.create(user=user, name=name, prefix=text[:8], digest=digest(text), created_at=now,
                                    expires_at=now + datetime.timedelta(days=days) if days else None)
    record(AuditEntry.Action.CREATE, token, by=by, object_label=f"{token} ({user})",
           changes={"user": [None, user.pk], "expires_at": [None, token.expires_at]})
    return token, text


@transaction.atomic
def revoke_token(token, *, by=None) -> None:
    """Revoke a token at once. Audited."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(AuditEntry.Action.UPDATE, locked, by=by, object_label=f"{locked} ({locked.user_id})",
               changes={"revoked_at": [None, locked.revoked_at]})
    token.revoked_at = locked.revoked_at
