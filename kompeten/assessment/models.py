"""Competency assessment (uji kompetensi): schemes and their units, LSP / TUK / assessors, assessment events,
each candidate's FR.APL / FR.AK records and unit results, approval, amendments and appeals.

The rules live in ``services.py``; the models hold the data and the scoping (``visible_to``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet


class SchemeType(models.TextChoices):
    KKNI = "kkni", _("KKNI level")
    OCCUPATION = "okupasi", _("Okupasi (occupation)")
    CLUSTER = "klaster", _("Klaster (cluster)")


class IssuingBody(models.TextChoices):
    BNSP = "bnsp", _("BNSP, through an LSP")
    KEMNAKER = "kemnaker", _("Kemnaker (operator licence)")


class ReassessmentScope(models.TextChoices):
    BK_UNITS = "bk_units", _("Only the units judged Belum Kompeten")
    WHOLE = "whole", _("The whole scheme")


class Scheme(models.Model):
    """A skema sertifikasi: what a certificate says the holder can do, as a list of competency units."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    scheme_type = models.CharField(_("type"), max_length=8, choices=SchemeType.choices, default=SchemeType.OCCUPATION)
    kkni_level = models.PositiveSmallIntegerField(_("KKNI level"), null=True, blank=True,
                                                  validators=[MinValueValidator(1), MaxValueValidator(9)])
    issuing_body = models.CharField(_("issuing body"), max_length=8, choices=IssuingBody.choices,
                                    default=IssuingBody.BNSP)
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("sector"))
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), default=36, help_text=_("0 when the certificate does not expire."))
    reassessment_scope = models.CharField(_("re-assessment covers"), max_length=8,
                                          choices=ReassessmentScope.choices, default=ReassessmentScope.BK_UNITS)
    is_example = models.BooleanField(_("example data"), default=False,
                                     help_text=_("The unit codes are examples, not official SKKNI codes."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("certification scheme")
        verbose_name_plural = _("certification schemes")
        constraints = [
            models.CheckConstraint(name="scheme_kkni_level_range",
                                   condition=Q(kkni_level__isnull=True) | Q(kkni_level__gte=1, kkni_level__lte=9)),
            models.CheckConstraint(name="scheme_kkni_needs_level",
                                   condition=~Q(scheme_type="kkni") | Q(kkni_level__isnull=False)),
        ]

    def __str__(self):
        return f"{self.code} · {self.title}"


class CompetencyUnit(models.Model):
    """A unit of competency (unit kompetensi) of a scheme; SKKNI codes look like ``J.620100.004.02``."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="units", verbose_name=_("scheme"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("unit code"), max_length=40)
    title = models.CharField(_("unit title"), max_length=255)
    elements = models.JSONField(_("elements"), default=list, blank=True)

    class Meta:
        ordering = ["scheme", "order", "code"]
        verbose_name = _("competency unit")
        verbose_name_plural = _("competency units")
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="unit_code_unique_per_scheme")]

    def __str__(self):
        return f"{self.code} {self.title}"


class LspType(models.TextChoices):
    P1 = "P1", _("P1 (first party: its own trainees)")
    P2 = "P2", _("P2 (second party: its own network)")
    P3 = "P3", _("P3 (third party: anyone)")


class Lsp(models.Model):
    """A Lembaga Sertifikasi Profesi licensed by BNSP, and the schemes it may certify."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    licence_number = models.CharField(_("BNSP licence number"), max_length=80, blank=True)
    lsp_type = models.CharField(_("type"), max_length=2, choices=LspType.choices, default=LspType.P2)
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="lsps", verbose_name=_("training centre"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    licensed_from = models.DateField(_("licensed from"), null=True, blank=True)
    licensed_until = models.DateField(_("licensed until"), null=True, blank=True)
    schemes = models.ManyToManyField(Scheme, blank=True, related_name="lsps", verbose_name=_("schemes"))

    class Meta:
        ordering = ["name"]
        verbose_name = "LSP"
        verbose_name_plural = "LSP"

    def __str__(self):
        return self.name

    def licensed_on(self, day) -> bool:
        """Whether BNSP's licence covered ``day`` (an open end counts as covered)."""
        return (self.licensed_from is None or self.licensed_from <= day) and (
            self.licensed_until is None or day <= self.licensed_until)


class TukType(models.TextChoices):
    SEWAKTU = "sewaktu", _("Sewaktu (temporary)")
    TEMPAT_KERJA = "tempat_kerja", _("Tempat kerja (workplace)")
    MANDIRI = "mandiri", _("Mandiri (independent)")


class Tuk(models.Model):
    """A Tempat Uji Kompetensi: a test site verified by an LSP."""

    lsp = models.ForeignKey(Lsp, on_delete=models.PROTECT, related_name="tuks", verbose_name="LSP")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    tuk_type = models.CharField(_("type"), max_length=12, choices=TukType.choices, default=TukType.SEWAKTU)
    address = models.CharField(_("address"), max_length=255, blank=True)
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="tuks", verbose_name=_("training centre"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["lsp", "name"]
        verbose_name = "TUK"
        verbose_name_plural = "TUK"
        constraints = [models.UniqueConstraint(fields=["lsp", "code"], name="tuk_code_unique_per_lsp")]

    def __str__(self):
        return self.name


class Assessor(models.Model):
    """An asesor kompetensi: a user with a BNSP registration, licensed for some schemes until a date."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessor_profile",
                                verbose_name=_("user"))
    lsp = models.ForeignKey(Lsp, on_delete=models.PROTECT, related_name="assessors", verbose_name="LSP")
    registration_number = models.CharField(_("registration number (MET)"), max_length=40, unique=True)
    schemes = models.ManyToManyField(Scheme, blank=True, related_name="assessors", verbose_name=_("licensed schemes"))
    licence_expires = models.DateField(_("licence valid until"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__full_name"]
        verbose_name = _("assessor")
        verbose_name_plural = _("assessors")

    def __str__(self):
        return f"{self.user.full_name} ({self.registration_number})"


class EventQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Operators see the events of their centre, LSP managers those of their LSP, assessors those
        they are assigned to."""
        assigned = AssessmentEvent.assessors.through.objects.filter(assessor__user=user).values("assessmentevent")
        return self.filter(Q(centre__in=user.centre_ids) | Q(lsp__in=user.lsp_ids) | Q(pk__in=assigned))


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed (all decided)")
    CANCELLED = "cancelled", _("Cancelled")


class AssessmentEvent(models.Model):
    """An uji kompetensi: one scheme, at one TUK, on one day, by one or more assessors."""

    lsp = models.ForeignKey(Lsp, on_delete=models.PROTECT, related_name="events", verbose_name="LSP")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="events", verbose_name=_("scheme"))
    tuk = models.ForeignKey(Tuk, on_delete=models.PROTECT, related_name="events", verbose_name="TUK")
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="assessment_events", verbose_name=_("training centre"))
    date = models.DateField(_("date"))
    assessors = models.ManyToManyField(Assessor, blank=True, related_name="events", verbose_name=_("assessors"))
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "scheme__code"]
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")

    def __str__(self):
        return f"{self.scheme.code} · {self.tuk} · {self.date:%d-%m-%Y}"


class Route(models.TextChoices):
    TRAINING = "training", _("Completed training participant")
    RPL = "rpl", _("Direct candidate with work experience (RPL)")


class CandidateStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSESSED = "assessed", _("Assessed, awaiting the LSP's decision")
    APPROVED = "approved", _("Decided by the LSP")
    ABSENT = "absent", _("Absent")


class Decision(models.TextChoices):
    K = "K", _("Kompeten")
    BK = "BK", _("Belum Kompeten")


class EvidenceMethod(models.TextChoices):
    OBSERVATION = "observation", _("Observation / demonstration")
    WRITTEN = "written", _("Written test")
    ORAL = "oral", _("Oral questions")
    PORTFOLIO = "portfolio", _("Portfolio")
    THIRD_PARTY = "third_party", _("Third-party report")


class AssessmentQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Staff see the candidates of the events they see; a job seeker sees their own assessments."""
        return self.filter(Q(event__in=AssessmentEvent.objects.scope(user)) | Q(person__user=user))

    def competent(self):
        """Approved Kompeten results: what certificates and the dashboards count."""
        return self.filter(status=CandidateStatus.APPROVED, decision=Decision.K)


class Assessment(models.Model):
    """One candidate in one event (asesi): FR.APL.01, FR.APL.02, FR.AK.01, the unit results and the decision."""

    event = models.ForeignKey(AssessmentEvent, on_delete=models.PROTECT, related_name="candidates",
                              verbose_name=_("assessment event"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="assessments",
                               verbose_name=_("candidate"))
    route = models.CharField(_("route"), max_length=8, choices=Route.choices, default=Route.TRAINING)
    enrolment = models.ForeignKey("training.Enrolment", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="assessments", verbose_name=_("enrolment"))
    work_experience = models.TextField(_("work experience"), blank=True)
    previous = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reassessment", verbose_name=_("re-assessment of"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    assessor = models.ForeignKey(Assessor, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="candidates", verbose_name=_("assessor"))
    # FR.APL.01: the application, with the personal data and documents as they were when it was made.
    apl01_at = models.DateTimeField(_("FR.APL.01 submitted"), null=True, blank=True)
    apl01_data = models.JSONField(default=dict, blank=True)
    # FR.APL.02: the candidate's self-assessment per unit (UnitResult.self_assessment).
    apl02_at = models.DateTimeField(_("FR.APL.02 submitted"), null=True, blank=True)
    # FR.AK.01: consent and confidentiality, agreed before the assessment.
    ak01_at = models.DateTimeField(_("FR.AK.01 agreed"), null=True, blank=True)
    ak01_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=CandidateStatus.choices,
                              default=CandidateStatus.REGISTERED)
    submitted_at = models.DateTimeField(_("submitted by the assessor"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=2, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["event", "person__full_name"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="assessment_once_per_event"),
            models.CheckConstraint(name="assessment_decided_has_decision",
                                   condition=~Q(status="approved") | ~Q(decision="")),
        ]

    def __str__(self):
        return f"{self.person} · {self.event}"

    @property
    def is_locked(self) -> bool:
        return self.status == CandidateStatus.APPROVED


class UnitResult(models.Model):
    """FR.APL.02 self-assessment and FR.AK.02 judgement for one unit. ``version`` grows with every write;
    a write that names an older version is refused (optimistic locking for the offline assessor screen)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(CompetencyUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    self_assessment = models.CharField(_("self-assessment"), max_length=2, choices=Decision.choices, blank=True)
    result = models.CharField(_("result"), max_length=2, choices=Decision.choices, blank=True)
    methods = models.JSONField(_("evidence methods"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["assessment", "unit__order", "unit__code"]
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")
        constraints = [models.UniqueConstraint(fields=["assessment", "unit"], name="unit_result_once")]

    def __str__(self):
        return f"{self.unit.code}: {self.result or '-'}"


class Amendment(models.Model):
    """A correction of a decided result: the decided rows stay as they were; this row says what changed and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="amendments")
    unit = models.ForeignKey(CompetencyUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    old_result = models.CharField(max_length=2, choices=Decision.choices)
    new_result = models.CharField(_("corrected result"), max_length=2, choices=Decision.choices)
    old_decision = models.CharField(max_length=2, choices=Decision.choices)
    new_decision = models.CharField(max_length=2, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "created_at", "pk"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self):
        return f"{self.unit_id}: {self.old_result} → {self.new_result}"


class AppealStatus(models.TextChoices):
    FILED = "filed", _("Filed, awaiting a decision")
    UPHELD = "upheld", _("Upheld: re-assessment")
    REJECTED = "rejected", _("Rejected: the decision stands")


class Appeal(models.Model):
    """FR.AK.04: a candidate's appeal against a decision, filed within the appeal period."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="appeals")
    grounds = models.TextField(_("grounds of the appeal"))
    filed_at = models.DateTimeField(_("filed on"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.FILED)
    outcome = models.TextField(_("outcome"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [models.UniqueConstraint(fields=["assessment"], condition=Q(status="filed"),
                                               name="appeal_one_open_per_assessment")]

    def __str__(self):
        return f"FR.AK.04 {self.assessment_id} ({self.status})"
