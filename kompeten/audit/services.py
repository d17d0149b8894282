"""Writing audit entries. Every service that changes personal data calls ``record``."""

import datetime
from decimal import Decimal

from django.db import models

from kompeten.audit.models import AuditEntry


def _plain(value):
    """A JSON-friendly rendering of a field value."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, fields) -> dict:
    """The current values of ``fields`` of ``obj`` (foreign keys by primary key)."""
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        result[name] = _plain(value)
    return result


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _actor_fields(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system"
    return actor, str(actor)[:200]


def build(action, obj=None, *, by, changes=None, note="", ip=None, object_type=None, object_id=None,
          object_label=None) -> AuditEntry:
    """An unsaved entry, for callers that write many at once with bulk_create."""
    actor, label = _actor_fields(by)
    return AuditEntry(
        actor=actor,
        actor_label=label,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
        object_label=(object_label if object_label is not None else str(obj) if obj is not None else "")[:200],
        changes={key: [_plain(a), _plain(b)] for key, (a, b) in (changes or {}).items()},
        note=note[:255],
        ip_address=ip,
    )


def record(action, obj=None, *, by, changes=None, note="", request=None, **kwargs) -> AuditEntry:
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    entry = build(action, obj, by=by, changes=changes, note=note, ip=ip, **kwargs)
    entry.save()
    return entry
