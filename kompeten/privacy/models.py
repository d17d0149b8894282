"""Requests of data subjects under UU 27/2022 (PDP) with their 3 × 24 hour deadline, the history of each
request's status, and the record of each erasure."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet

# A request is answered within 3 × 24 hours of its receipt (UU 27/2022, e.g. arts. 32-34, 40-44).
RESPONSE_HOURS = 72


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access to my data")
    CORRECTION = "correction", _("Correction of my data")
    WITHDRAWAL = "withdrawal", _("Withdrawal of consent")
    RESTRICTION = "restriction", _("Restriction of processing")
    ERASURE = "erasure", _("Erasure of my data")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)

# The moves a request's status may make.
TRANSITIONS = {
    RequestStatus.RECEIVED: {RequestStatus.IN_PROGRESS, RequestStatus.DONE, RequestStatus.REJECTED},
    RequestStatus.IN_PROGRESS: {RequestStatus.DONE, RequestStatus.REJECTED},
    RequestStatus.DONE: set(),
    RequestStatus.REJECTED: set(),
}


class PrivacyRequestQuerySet(ScopedQuerySet):
    def scope(self, user):
        """An operator sees the requests of the persons of their centres; a job seeker their own."""
        from kompeten.registry.models import Person

        return self.filter(person__in=Person.objects.scope(user).values("pk"))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime.datetime | None = None):
        return self.open().filter(due_at__lt=now or timezone.now())


class PrivacyRequest(models.Model):
    """A data subject's request. Its status changes only through ``services.change_status``, each change
    recorded as a ``PrivacyRequestEvent``."""

    Kind = RequestKind
    Status = RequestStatus

    class Channel(models.TextChoices):
        WEB = "web", _("Web (self-service)")
        OPERATOR = "operator", _("At the counter (operator)")

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="privacy_requests",
                               verbose_name=_("job seeker"))
    kind = models.CharField(_("kind of request"), max_length=12, choices=RequestKind.choices)
    details = models.TextField(_("details"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices,
                              default=RequestStatus.RECEIVED)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))
    handled_at = models.DateTimeField(_("handled on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    objects = PrivacyRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.due_at is None:
            self.due_at = self.received_at + datetime.timedelta(hours=RESPONSE_HOURS)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class PrivacyRequestEvent(models.Model):
    """One change of a request's status. Never changed or deleted."""

    request = models.ForeignKey(PrivacyRequest, on_delete=models.PROTECT, related_name="events")
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12, choices=RequestStatus.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.request_id}: {self.old_status or '-'} -> {self.new_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("request events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("request events are never deleted")


class Erasure(models.Model):
    """A person's personal data was erased (pseudonymised) on request or by the retention policy. The person row
    stays, pseudonymised, so that the certificates kept under the retention rule still have a holder."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("The person's request")
        RETENTION = "retention", _("Retention period ended")

    person = models.OneToOneField("registry.Person", on_delete=models.PROTECT, related_name="erasure")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    request = models.ForeignKey(PrivacyRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    summary = models.JSONField(default=dict, blank=True)  # {table: rows changed}

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"erasure of person {self.person_id}"

