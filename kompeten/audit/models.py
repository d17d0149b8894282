"""An append-only audit log: who changed what, when, before -> after; who looked at a full NIK.

Kept as a small app of our own rather than a model-signal library, because the entries we need are
explicit business events (a NIK revealed, an import, a status transition) as much as field diffs,
and every change already goes through a service function that knows its actor.
Append-only is enforced three ways: the model refuses updates and deletes, the QuerySet refuses bulk
updates and deletes, and a database trigger refuses UPDATE (and DELETE on PostgreSQL).

One exception, required by the personal-data law (UU 27/2022): erasing a person pseudonymises the personal
values in their entries (``redact``). The trigger lets an UPDATE through only while a ``RedactionPermit`` row
exists, and ``redact`` inserts that row and deletes it again inside its own transaction, so no other
connection ever sees it.
"""

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    def redact(self, updates: dict) -> int:
        """Pseudonymise entries: ``updates`` is {entry pk: {field: new value}} (only ``actor_label``,
        ``object_label``, ``changes``, ``note`` and ``ip_address``). For erasure of a person's data only."""
        allowed = {"actor_label", "object_label", "changes", "note", "ip_address"}
        with transaction.atomic():
            permit = RedactionPermit.objects.create()
            for pk, fields in updates.items():
                if set(fields) - allowed:
                    raise AppendOnlyError(f"only {sorted(allowed)} can be redacted")
                models.QuerySet.update(self.model.objects.filter(pk=pk), **fields)
            permit.delete()
        return len(updates)

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        VIEW_NIK = "view_nik", _("viewed full NIK")
        IMPORT = "import", _("imported")
        EXPORT = "export", _("exported")
        CONFIRM = "confirm", _("confirmed")
        TRANSITION = "transition", _("status changed")
        VIEW = "view", _("viewed")
        ERASE = "erase", _("erased personal data")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {field: [before, after]}
    note = models.CharField(_("note"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")


class RedactionPermit(models.Model):
    """Present only inside the transaction of ``AuditQuerySet.redact``: the append-only trigger lets an UPDATE of
    audit entries through while a row exists (see the module docstring)."""

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"redaction permit {self.pk}"
