"""Enrolments in batches, attendance per session, and completion."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed (lulus)")
    NOT_COMPLETED = "not_completed", _("Not completed")
    WITHDRAWN = "withdrawn", _("Withdrawn before the start")


ACTIVE_STATUSES = [EnrolmentStatus.ENROLLED]


class DropoutReason(models.TextChoices):
    FOUND_WORK = "found_work", _("Found work")
    MOVED = "moved", _("Moved away")
    HEALTH = "health", _("Health")
    ATTENDANCE = "attendance", _("Attendance below the minimum")
    FINAL_TEST = "final_test", _("Did not pass the final test")
    BATCH_CANCELLED = "cancelled", _("The batch was cancelled")
    OTHER = "other", _("Other")


class EnrolmentSource(models.TextChoices):
    SELECTION = "selection", _("Selection (allocation)")
    RESERVE = "reserve", _("Reserve list")
    OPERATOR = "operator", _("Added by an operator")


class EnrolmentQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(Q(batch__centre__in=user.centre_ids) | Q(person__user=user))

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def holding_seat(self):
        """Enrolments that take a seat of their batch (everything but a withdrawal)."""
        return self.exclude(status=EnrolmentStatus.WITHDRAWN)


class Enrolment(models.Model):
    batch = models.ForeignKey("programmes.Batch", on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=15, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ENROLLED)
    source = models.CharField(_("source"), max_length=10, choices=EnrolmentSource.choices)
    enrolled_at = models.DateTimeField(_("enrolled on"), auto_now_add=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    final_test_passed = models.BooleanField(_("passed the final test"), null=True, blank=True)
    attendance_percent = models.DecimalField(_("attendance (%)"), max_digits=5, decimal_places=1, null=True,
                                             blank=True, help_text=_("Fixed at completion."))
    outcome_reason = models.CharField(_("reason"), max_length=12, choices=DropoutReason.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=255, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "person__full_name"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["batch", "person"], name="enrolment_once_per_batch"),
            # A person holds at most one running enrolment at a time.
            models.UniqueConstraint(fields=["person"], condition=Q(status="enrolled"),
                                    name="enrolment_one_active_per_person"),
        ]

    def __str__(self):
        return f"{self.person} · {self.batch}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


ATTENDED = [AttendanceStatus.PRESENT, AttendanceStatus.LATE]


class Attendance(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey("programmes.BatchSession", on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["enrolment", "session"], name="attendance_once")]

    def __str__(self):
        return f"{self.enrolment_id} {self.session_id} {self.status}"
