"""Apprenticeships (pemagangan dalam negeri, Permenaker 6/2020).

Companies register themselves and are verified by the province; a verified company posts offers (slots in
an occupation for a period), checked against the regulation's limits and approved by the competent authority;
candidates rank offers and companies rank or accept / reject their applicants; a matching round places
candidates stably (the selection engine, run as a two-sided market); each placement has its agreement
(perjanjian pemagangan), a weekly logbook confirmed by the mentor, monitoring visits, and ends with the
company's final assessment and a signed certificate of apprenticeship.

The rules are in services.py (companies, offers, placements) and matching.py (rounds); every refusal is a
DomainError with a stable code.
"""

import posixpath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.apprenticeships.rules import end_date
from kompeten.core.scoping import ScopedQuerySet


class CompanyStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class CompanyQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(pk__in=user.company_ids)

    def verified(self):
        return self.filter(status=CompanyStatus.VERIFIED)


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    nib = models.CharField(_("NIB (business number)"), max_length=13, blank=True)
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, null=True, related_name="companies",
                               verbose_name=_("sector"))
    kbli = models.ForeignKey("reference.Kbli", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("main KBLI"))
    kbli_codes = models.ManyToManyField("reference.Kbli", blank=True, related_name="companies",
                                        verbose_name=_("other KBLI"))
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, null=True, related_name="+",
                               verbose_name=_("regency / city"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    employees = models.PositiveIntegerField(_("number of employees"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=CompanyStatus.choices,
                              default=CompanyStatus.PENDING)
    status_note = models.CharField(_("note"), max_length=255, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [models.UniqueConstraint(fields=["nib"], condition=~Q(nib=""), name="company_nib_unique")]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == CompanyStatus.VERIFIED


class Mentor(models.Model):
    """A pembimbing pemagangan: an employee who guides apprentices; may have a company user account."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="mentors")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="mentor_roles")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["company", "name"]
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")

    def __str__(self):
        return self.name


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


class Authority(models.TextChoices):
    """Who approves an apprenticeship programme (Permenaker 6/2020, art. 10): the regency / city Disnaker when
    it takes place in one regency, the province when in several regencies of one province, the ministry
    (Kemnaker) when in several provinces."""

    REGENCY = "regency", _("Regency / city Disnaker")
    PROVINCE = "province", _("Province Disnakertrans")
    MINISTRY = "ministry", _("Ministry of Manpower (Kemnaker)")


class RankingCriterion(models.TextChoices):
    """How the system orders a company's applicants it did not rank itself (first criterion first)."""

    CERTIFICATE = "certificate", _("Holds a competency certificate (the wanted scheme first)")
    VOCATION = "vocation", _("Completed training in a wanted vocation")
    EDUCATION = "education", _("Higher education level")
    NEARBY = "nearby", _("Lives in the regency of the workplace")
    EARLY = "early", _("Applied earlier")


DEFAULT_CRITERIA = ["certificate", "vocation", "nearby"]


class OfferQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Companies see their own offers; everyone else (operators, job seekers) the approved ones."""
        return self.filter(Q(company__in=user.company_ids) | Q(status__in=[OfferStatus.APPROVED, OfferStatus.CLOSED]))


class Offer(models.Model):
    """A programme of apprenticeship: slots for an occupation in a company, for a period."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="offers",
                                verbose_name=_("company"))
    programme_year = models.ForeignKey("programmes.ProgrammeYear", on_delete=models.PROTECT,
                                       related_name="apprenticeship_offers", verbose_name=_("programme year"))
    matching_round = models.ForeignKey("MatchingRound", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="offers", verbose_name=_("matching round"))
    title = models.CharField(_("title"), max_length=200)
    occupation = models.ForeignKey("reference.Kbji", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("occupation (KBJI)"))
    description = models.TextField(_("description"), blank=True)
    slots = models.PositiveSmallIntegerField(_("slots"), validators=[MinValueValidator(1)])
    start_date = models.DateField(_("start date"))
    months = models.PositiveSmallIntegerField(_("duration (months)"), validators=[MinValueValidator(1)])
    theory_percent = models.PositiveSmallIntegerField(
        _("theory share (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), default=40)
    locations = models.ManyToManyField("reference.Region", related_name="+", verbose_name=_("places (regency/city)"))
    address = models.CharField(_("workplace address"), max_length=255, blank=True)
    allowance = models.PositiveIntegerField(_("monthly allowance (uang saku, Rp)"))
    insurance = models.BooleanField(_("BPJS work-accident and death insurance"), default=True)
    min_education = models.ForeignKey("reference.EducationLevel", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("minimum education"))
    vocations = models.ManyToManyField("programmes.Vocation", blank=True, related_name="apprenticeship_offers",
                                       verbose_name=_("training wanted"))
    scheme = models.ForeignKey("assessment.Scheme", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="apprenticeship_offers", verbose_name=_("certificate wanted"))
    require_certificate = models.BooleanField(_("only candidates with a competency certificate"), default=False)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    mentors = models.ManyToManyField(Mentor, blank=True, related_name="offers", verbose_name=_("mentors"))
    criteria = models.JSONField(_("ranking criteria"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.DRAFT)
    authority = models.CharField(_("approving authority"), max_length=10, choices=Authority.choices, blank=True)
    authority_region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("authority of"))
    approval_number = models.CharField(_("approval letter number"), max_length=80, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "company__name", "title"]
        verbose_name = _("apprenticeship offer")
        verbose_name_plural = _("apprenticeship offers")
        indexes = [models.Index(fields=["company", "status"]), models.Index(fields=["matching_round", "status"])]

    def __str__(self):
        return f"{self.title} · {self.company}"

    @property
    def end_date(self):
        return end_date(self.start_date, self.months)


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed, companies ranking")
    MATCHED = "matched", _("Matched (not yet published)")
    PUBLISHED = "published", _("Published")


class CandidatePool(models.TextChoices):
    TRAINED = "trained", _("Persons who completed a training")
    ALL = "all", _("All registered job seekers")


class MatchingRound(models.Model):
    """A matching round: candidates rank the round's offers, companies rank their applicants, the engine places."""

    programme_year = models.ForeignKey("programmes.ProgrammeYear", on_delete=models.PROTECT,
                                       related_name="matching_rounds", verbose_name=_("programme year"))
    name = models.CharField(_("name"), max_length=200)
    opens_at = models.DateField(_("applications open"))
    closes_at = models.DateField(_("applications close"))
    max_choices = models.PositiveSmallIntegerField(_("offers a candidate may rank"), default=3,
                                                   validators=[MinValueValidator(1), MaxValueValidator(10)])
    pool = models.CharField(_("who may apply"), max_length=10, choices=CandidatePool.choices,
                            default=CandidatePool.TRAINED)
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    lottery_seed = models.CharField(_("lottery seed"), max_length=64, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("matching round")
        verbose_name_plural = _("matching rounds")
        constraints = [models.CheckConstraint(condition=Q(closes_at__gte=models.F("opens_at")),
                                              name="matching_round_dates_ordered")]

    def __str__(self):
        return self.name


class CompanyDecision(models.TextChoices):
    PENDING = "pending", _("Not decided")
    ACCEPTED = "accepted", _("Acceptable")
    REJECTED = "rejected", _("Rejected")


class ApplicationQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(Q(offer__company__in=user.company_ids) | Q(person__user=user))


class Application(models.Model):
    """A candidate's choice of an offer (rank 1 = first), and the company's view of the candidate."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="apprenticeship_applications")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="applications")
    rank = models.PositiveSmallIntegerField(_("choice"), validators=[MinValueValidator(1)])
    decision = models.CharField(_("company decision"), max_length=10, choices=CompanyDecision.choices,
                                default=CompanyDecision.PENDING)
    company_rank = models.PositiveIntegerField(_("company ranking"), null=True, blank=True,
                                               validators=[MinValueValidator(1)])
    decision_note = models.CharField(_("note"), max_length=255, blank=True)
    score = models.FloatField(default=0)  # the criteria score used when the company did not rank
    outcome = models.CharField(max_length=20, blank=True)  # placed / not_placed / excluded, after matching
    explanation = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["person", "rank"]
        verbose_name = _("apprenticeship application")
        verbose_name_plural = _("apprenticeship applications")
        constraints = [
            models.UniqueConstraint(fields=["person", "offer"], name="apprenticeship_application_once"),
        ]
        indexes = [models.Index(fields=["offer", "decision"])]

    def __str__(self):
        return f"{self.person_id} → {self.offer_id} (#{self.rank})"


class PlacementStatus(models.TextChoices):
    DRAFT = "draft", _("Agreement drafted")
    SIGNED = "signed", _("Agreement signed by both")
    ACTIVE = "active", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")
    COMPLETED = "completed", _("Completed")


STARTED_STATUSES = [PlacementStatus.ACTIVE, PlacementStatus.PAUSED, PlacementStatus.STOPPED,
                    PlacementStatus.COMPLETED]
OPEN_STATUSES = [PlacementStatus.DRAFT, PlacementStatus.SIGNED, PlacementStatus.ACTIVE, PlacementStatus.PAUSED]


class PlacementSource(models.TextChoices):
    MATCHING = "matching", _("Matching round")
    DIRECT = "direct", _("Direct placement by an officer")
    TRANSFER = "transfer", _("Change of company")


class PlacementQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Companies their apprentices; operators the apprentices who trained at their centre; a job seeker
        their own placements."""
        condition = Q(company__in=user.company_ids) | Q(person__user=user) | Q(mentor__user=user,
                                                                                 mentor__is_active=True)
        if user.centre_ids:
            from kompeten.training.models import Enrolment

            participants = Enrolment.objects.filter(batch__centre__in=user.centre_ids).values("person_id")
            condition |= Q(person__registered_centre__in=user.centre_ids) | Q(person__in=participants)
        return self.filter(condition)

    def started(self):
        """Placements that began (an agreement cancelled before its start placed no one)."""
        return self.filter(status__in=STARTED_STATUSES).exclude(status=PlacementStatus.STOPPED,
                                                                started_on__isnull=True)


def scan_path(placement, filename: str) -> str:
    return posixpath.join("agreements", str(placement.pk or "new"), posixpath.basename(filename))


class Placement(models.Model):
    """An apprentice in a company under one agreement (perjanjian pemagangan)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="apprenticeships")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="placements")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="placements")
    application = models.OneToOneField(Application, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="placement")
    source = models.CharField(_("source"), max_length=10, choices=PlacementSource.choices)
    previous = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="next", verbose_name=_("previous placement"))
    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, null=True, blank=True, related_name="placements",
                               verbose_name=_("mentor"))
    agreement_number = models.CharField(_("agreement number"), max_length=60, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=PlacementStatus.choices,
                              default=PlacementStatus.DRAFT)
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    signed_scan = models.FileField(_("signed agreement (scan)"), upload_to=scan_path, max_length=255, blank=True)
    signed_scan_sha256 = models.CharField(max_length=64, blank=True)
    signed_scan_uploaded_at = models.DateTimeField(null=True, blank=True)
    # The company's final assessment.
    final_passed = models.BooleanField(_("passed"), null=True, blank=True)
    final_score = models.PositiveSmallIntegerField(_("final score (0-100)"), null=True, blank=True,
                                                   validators=[MaxValueValidator(100)])
    final_notes = models.TextField(_("final assessment"), blank=True)
    final_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    final_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            # One open placement per person at a time (a change of company stops the first).
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=["draft", "signed", "active", "paused"]),
                                    name="one_open_placement_per_person"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="placement_dates_ordered"),
        ]
        indexes = [models.Index(fields=["company", "status"]), models.Index(fields=["offer", "status"])]

    def __str__(self):
        return f"{self.agreement_number} · {self.person}"


class PlacementEvent(models.Model):
    """Every status change of a placement, with its reason (append-only)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="events")
    old_status = models.CharField(max_length=10, choices=PlacementStatus.choices, blank=True)
    new_status = models.CharField(max_length=10, choices=PlacementStatus.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    on = models.DateField(_("date"))
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        ordering = ["placement", "at", "pk"]

    def __str__(self):
        return f"{self.placement_id}: {self.old_status} → {self.new_status}"


class LogbookEntry(models.Model):
    """One week of the apprentice's logbook (Monday to Sunday), written by the apprentice, confirmed by the
    mentor."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="logbook")
    week_start = models.DateField(_("week of"))
    activities = models.TextField(_("what I did and learned"))
    practice_hours = models.PositiveSmallIntegerField(_("practice hours"), default=0,
                                                      validators=[MaxValueValidator(80)])
    theory_hours = models.PositiveSmallIntegerField(_("theory hours"), default=0, validators=[MaxValueValidator(80)])
    written_at = models.DateTimeField(default=timezone.now)
    mentor_note = models.CharField(_("mentor's note"), max_length=255, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["placement", "-week_start"]
        verbose_name = _("logbook week")
        verbose_name_plural = _("logbook weeks")
        constraints = [
            models.UniqueConstraint(fields=["placement", "week_start"], name="logbook_one_entry_per_week"),
        ]

    def __str__(self):
        return f"{self.placement_id} {self.week_start}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class MonitoringVisit(models.Model):
    """A monitoring visit (or call) by an officer to an apprentice at the company."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit to the workplace")
        CALL = "call", _("Phone or video call")

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="visits")
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.VISIT)
    findings = models.TextField(_("findings"))
    follow_up = models.CharField(_("follow-up"), max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["placement", "-on", "-pk"]
        verbose_name = _("monitoring visit")
        verbose_name_plural = _("monitoring visits")

    def __str__(self):
        return f"{self.placement_id} {self.on}"
