"""Selection: rounds, applications with ranked choices, the allocation's results, offers.

The seat allocation itself is ``engine.py`` (pure, no Django); ``services.py`` feeds it from these
rows and writes its results back. docs/algorithms/selection.md explains it all for an auditor.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet

MAX_CHOICES = 5


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed (checking)")
    ALLOCATED = "allocated", _("Allocated (not published)")
    PUBLISHED = "published", _("Results published")
    FINISHED = "finished", _("Finished")


class PriorityRule(models.TextChoices):
    """The rules a round may order; each gives every application a number, higher = earlier."""

    NEVER_TRAINED = "never_trained", _("Never trained before")
    DOMICILE = "domicile", _("Lives in the centre's regency")
    TEST_SCORE = "test_score", _("Written test score")
    INTERVIEW_SCORE = "interview_score", _("Interview score")
    UNEMPLOYED_LONGER = "unemployed_longer", _("Registered as a job seeker longer")


DEFAULT_RULES = [PriorityRule.NEVER_TRAINED, PriorityRule.DOMICILE, PriorityRule.UNEMPLOYED_LONGER]


class RoundQuerySet(ScopedQuerySet):
    def scope(self, user):
        if user.centre_ids:
            return self.filter(centres__in=user.centre_ids).distinct()
        if user.has_role("job_seeker"):  # the rounds that are or were open to them
            return self.exclude(status=RoundStatus.DRAFT)
        return self.none()


class SelectionRound(models.Model):
    programme_year = models.ForeignKey("programmes.ProgrammeYear", on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(_("name"), max_length=200)
    centres = models.ManyToManyField("programmes.TrainingCentre", related_name="rounds",
                                     verbose_name=_("training centres"))
    batches = models.ManyToManyField("programmes.Batch", through="RoundBatch", related_name="rounds")
    opens_at = models.DateTimeField(_("registration opens"))
    closes_at = models.DateTimeField(_("registration closes"))
    results_at = models.DateTimeField(_("results published"))
    offer_days = models.PositiveSmallIntegerField(_("days to confirm an offer"), default=3)
    rules = models.JSONField(_("priority rules, in order"), default=list)
    uses_document_check = models.BooleanField(_("document check"), default=True)
    uses_test = models.BooleanField(_("written test"), default=False)
    uses_interview = models.BooleanField(_("interview"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # The lottery: the seed's SHA-256 is published when registration opens, the seed after allocation.
    seed = models.CharField(max_length=64, blank=True)
    seed_hash = models.CharField(_("SHA-256 of the lottery seed"), max_length=64, blank=True)
    seed_revealed = models.BooleanField(default=False)
    # SHA-256 over the ids of the applications in the round when registration closed: mixed into every
    # lottery number, so that nobody, not even someone who can read the seed, knows a number in advance.
    closing_digest = models.CharField(max_length=64, blank=True)
    # What the allocation gave, {public_ref: batch id or None}: publishing may still move an applicant to
    # the reserve list when a seat was taken in between, and a recomputation compares with this.
    allocation_result = models.JSONField(default=dict, blank=True)
    allocated_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")

    def __str__(self):
        return self.name

    @property
    def public_seed(self) -> str:
        return self.seed if self.seed_revealed else ""

    def seed_matches(self) -> bool:
        return bool(self.seed) and hashlib.sha256(self.seed.encode()).hexdigest() == self.seed_hash


class RoundBatch(models.Model):
    """A batch offered in a round, with its reserved seats and, after allocation, its cutoffs."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="round_batches")
    batch = models.ForeignKey("programmes.Batch", on_delete=models.PROTECT, related_name="round_batches")
    seats = models.PositiveSmallIntegerField(_("seats in this round"))
    reserves = models.JSONField(_("reserved seats per group"), default=dict, blank=True)  # {"women": 4}
    cutoffs = models.JSONField(default=dict, blank=True)  # {"open": [vector..., lottery], "women": [...]}

    class Meta:
        verbose_name = _("batch in a round")
        verbose_name_plural = _("batches in a round")
        constraints = [models.UniqueConstraint(fields=["round", "batch"], name="round_batch_unique")]

    def __str__(self):
        return f"{self.round} · {self.batch}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ADMITTED = "admitted", _("Seat offered")
    NOT_ADMITTED = "not_admitted", _("No seat (reserve list)")
    INELIGIBLE = "ineligible", _("Not eligible")


class ApplicationQuerySet(ScopedQuerySet):
    def scope(self, user):
        condition = Q(person__user=user)
        if user.centre_ids:
            # In a round shared by several centres, a centre sees the applications that chose its batches.
            chose_centre = Choice.objects.filter(batch__centre__in=user.centre_ids).values("application_id")
            condition |= Q(pk__in=chose_centre)
        return self.filter(condition)


def new_public_ref() -> str:
    return secrets.token_hex(6).upper()


class Application(models.Model):
    # The applicant's id in everything published about the round (inputs, lottery): random, so that a
    # published row cannot be tied to a person by anyone but the applicant, who sees it on their page.
    public_ref = models.CharField(_("public number"), max_length=12, unique=True, default=new_public_ref)
    round = models.ForeignKey(SelectionRound, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("status"), max_length=14, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    # Optional stages, each with who and when.
    documents_ok = models.BooleanField(_("documents checked"), null=True, blank=True)
    documents_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    documents_at = models.DateTimeField(null=True, blank=True)
    test_score = models.PositiveSmallIntegerField(_("written test score"), null=True, blank=True)
    test_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    test_at = models.DateTimeField(null=True, blank=True)
    interview_score = models.PositiveSmallIntegerField(_("interview score"), null=True, blank=True)
    interview_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    interview_at = models.DateTimeField(null=True, blank=True)
    # Filled by the allocation.
    lottery = models.CharField(_("lottery number"), max_length=64, blank=True)  # hex of SHA-256(seed:id)
    assigned_choice = models.ForeignKey("Choice", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    seat_category = models.CharField(_("seat category"), max_length=40, blank=True)
    groups = models.JSONField(default=list, blank=True)  # reserve groups at allocation, for recomputing

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["round", "submitted_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="application_once_per_round")]

    def __str__(self):
        return f"{self.person} · {self.round}"


class Choice(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField(_("rank"))
    batch = models.ForeignKey("programmes.Batch", on_delete=models.PROTECT, related_name="choices")
    eligible = models.BooleanField(_("eligible"), default=True)
    ineligible_reasons = models.JSONField(default=list, blank=True)  # [code, ...]
    priority = models.JSONField(default=list, blank=True)  # the rule vector at allocation, for explanations

    class Meta:
        ordering = ["application", "rank"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_rank_unique"),
            models.UniqueConstraint(fields=["application", "batch"], name="choice_batch_unique"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=MAX_CHOICES), name="choice_rank_range"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.batch}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Waiting for confirmation")
    ACCEPTED = "accepted", _("Confirmed (daftar ulang)")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    RELEASED = "released", _("Given back for a better choice")


class OfferQuerySet(ScopedQuerySet):
    def holding_seat(self):
        return self.filter(status=OfferStatus.OPEN)

    def scope(self, user):
        condition = Q(application__person__user=user)
        if user.centre_ids:
            condition |= Q(batch__centre__in=user.centre_ids)
        return self.filter(condition)


class Offer(models.Model):
    """A seat offered to an applicant, held until confirmed or expired (then offered to the next)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    batch = models.ForeignKey("programmes.Batch", on_delete=models.PROTECT, related_name="offers")
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    from_reserve_list = models.BooleanField(_("from the reserve list"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("confirm before"))
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            # An applicant may hold an open offer for a lower choice while a higher one is offered.
            models.UniqueConstraint(fields=["application", "batch"], condition=Q(status="open"),
                                    name="offer_one_open_per_batch"),
        ]

    def __str__(self):
        return f"{self.application.person} · {self.batch} ({self.status})"
