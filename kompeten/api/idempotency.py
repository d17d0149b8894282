"""``Idempotency-Key`` on every API write (kompeten/api/models.py IdempotencyRecord).

``@idempotent`` wraps a ninja operation (placed below the router decorator). With an ``Idempotency-Key`` header
(1-255 printable characters), per user:

- the first request runs and its status and body are stored with a hash of (method, path, body);
- the same key and the same request again → the stored response (same status and body, header
  ``Idempotent-Replayed: true``), and no second effect;
- the same key while the first is still running → 409 ``idempotency_in_progress``;
- the same key with another method, path or body → 422 ``idempotency_key_reused``.

Records are kept 24 hours. Without the header the request simply runs.

How: the key is claimed by inserting a "running" record in its own, committed transaction (the unique
constraint on (user, key) makes a concurrent second request fail to insert and see it), after authentication and
the validation of the request. The operation then runs in a transaction that also stores its answer, so the
effect and the stored answer commit together. When the operation raises (a rule said no, a crash), its
transaction rolls back and the record is removed: nothing happened, and the client may retry with the same key.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view

from kompeten.api.base import ApiError
from kompeten.api.models import IdempotencyRecord, IdempotencyStatus

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP = datetime.timedelta(hours=24)
VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")


@dataclass
class _Claim:
    key: str
    operation: Any  # the bound ninja Operation: it turns the view's result into the response to store


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, the path (with its query) and the body (JSON compared by meaning, not spacing)."""
    body = _request_body(request)
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _request_body(request: HttpRequest) -> bytes:
    """The body to fingerprint; for a multipart upload (Django refuses ``request.body`` once the upload is parsed) a
    digest of the form fields and of each uploaded file's name and content."""
    if request.content_type != "multipart/form-data":
        return request.body or b""
    digest = hashlib.sha256()
    for name in sorted(request.POST):
        for value in request.POST.getlist(name):
            digest.update(f"{name}={value}\0".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"{name}:{upload.name}\0".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest().encode()


def _claim(user, key: str, request_hash: str) -> tuple[IdempotencyRecord | None, IdempotencyRecord | None]:
    """(the new running record, None) for the first use of the key; (None, the done record) for a replay."""
    cutoff = timezone.now() - KEEP
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=user, key=key, request_hash=request_hash), None
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:  # the first request failed and let go of the key in between
            continue
        if existing.created_at < cutoff:  # past its 24 hours: the key is free again
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at__lt=cutoff).delete()
            continue
        if existing.request_hash != request_hash:
            raise ApiError(422, "idempotency_key_reused",
                           _("This Idempotency-Key was used for another request (method, path or body). Use a new "
                             "key for a new request."))
        if existing.status == IdempotencyStatus.RUNNING:
            raise ApiError(409, "idempotency_in_progress",
                           _("A request with this Idempotency-Key is still running. Retry in a moment."))
        return None, existing
    raise ApiError(409, "idempotency_in_progress",
                   _("A request with this Idempotency-Key is still running. Retry in a moment."))


def _replay(claim: _Claim, request: HttpRequest, stored: IdempotencyRecord) -> HttpResponse:
    response = claim.operation.api.create_response(request, stored.response_body, status=stored.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def _body(response: HttpResponse):
    content = getattr(response, "content", b"")
    if not content:
        return None
    return json.loads(content)


def idempotent(view):
    """Make a ninja write operation honour ``Idempotency-Key`` (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        claim: _Claim | None = getattr(request, "_kompeten_idempotency", None)
        if claim is None:  # no key: the request simply runs
            return view(request, *args, **kwargs)
        record, stored = _claim(request.auth, claim.key, fingerprint(request))
        if stored is not None:
            return _replay(claim, request, stored)
        operation = claim.operation
        try:
            with transaction.atomic():
                result = view(request, *args, **kwargs)
                response = operation._result_to_response(request, result, operation.api.create_temporal_response(
                    request))
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    status=IdempotencyStatus.DONE, response_status=response.status_code,
                    response_body=_body(response))
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        return response

    return decorate_view(_read_key)(wrapper)


def _read_key(run):
    """Wraps the operation's ``run`` (before authentication): reads and checks the header and passes the key and
    the operation on to the view's wrapper, which claims the key once the user is known."""
    operation = run.__self__

    @functools.wraps(run)
    def guarded(request, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return run(request, **kwargs)
        if not VALID_KEY.fullmatch(key):
            return operation.api.create_response(request, {
                "code": "idempotency_key_invalid",
                "detail": _("The Idempotency-Key header must be 1 to 255 printable ASCII characters."),
            }, status=422)
        request._kompeten_idempotency = _Claim(key=key, operation=operation)
        return run(request, **kwargs)

    guarded.kompeten_idempotent = True  # tests/ check that every write operation has it
    return guarded


def purge_expired(now=None) -> int:
    """Remove the records past their 24 hours (run periodically; a stale key is also freed when it is reused)."""
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()
    return deleted
