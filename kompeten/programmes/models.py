"""Training centres, vocations, programme years and targets, training packages and batches (angkatan)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet


class TrainingCentreQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(pk__in=user.centre_ids)


class TrainingCentre(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="+")
    class_size = models.PositiveSmallIntegerField(_("default class size"), default=16)

    objects = TrainingCentreQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("training centre")
        verbose_name_plural = _("training centres")

    def __str__(self):
        return self.short_name


class Vocation(models.Model):
    """A kejuruan / training programme, in a sector, mapped to KBJI occupations and KBLI codes."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kejuruan = models.CharField(_("kejuruan"), max_length=120, blank=True)
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="vocations")
    occupations = models.ManyToManyField("reference.Kbji", blank=True, related_name="vocations")
    kbli_codes = models.ManyToManyField("reference.Kbli", blank=True, related_name="vocations")
    centres = models.ManyToManyField(TrainingCentre, blank=True, related_name="vocations")
    typical_hours = models.PositiveSmallIntegerField(_("typical hours (JP)"), null=True, blank=True)
    is_example = models.BooleanField(
        _("example"), default=False, help_text=_("Not evidenced as a programme of these centres; demo only.")
    )

    class Meta:
        ordering = ["sector__order", "name"]
        verbose_name = _("vocation")
        verbose_name_plural = _("vocations")

    def __str__(self):
        return self.name


class ProgrammeYear(models.Model):
    """A programme year (e.g. 2025) and its targets, set by the province admin."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")

    def __str__(self):
        return self.name or str(self.year)


class Target(models.Model):
    class Kind(models.TextChoices):
        TRAINED = "trained", _("Trained (completed training)")
        CERTIFIED = "certified", _("Certified (competency certificate)")
        APPRENTICES_PLACED = "apprentices_placed", _("Apprentices placed")

    programme_year = models.ForeignKey(ProgrammeYear, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    centre = models.ForeignKey(TrainingCentre, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="targets", verbose_name=_("training centre"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="targets", verbose_name=_("sector"))
    number = models.PositiveIntegerField(_("number"))

    class Meta:
        ordering = ["programme_year", "kind", "centre", "sector"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "kind", "centre", "sector"], name="target_unique"),
            models.UniqueConstraint(fields=["programme_year", "kind"], condition=models.Q(centre__isnull=True,
                                    sector__isnull=True), name="target_unique_total"),
            models.UniqueConstraint(fields=["programme_year", "kind", "centre"], condition=models.Q(
                                    sector__isnull=True, centre__isnull=False), name="target_unique_centre"),
            models.UniqueConstraint(fields=["programme_year", "kind", "sector"], condition=models.Q(
                                    centre__isnull=True, sector__isnull=False), name="target_unique_sector"),
        ]

    def __str__(self):
        scope = " · ".join(str(s) for s in (self.centre, self.sector) if s) or _("province")
        return f"{self.get_kind_display()} {scope}: {self.number}"


class TrainingPackageQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(centre__in=user.centre_ids)


def default_required_documents() -> list[str]:
    """A new package asks for the KTP and the ijazah."""
    return ["ktp", "ijazah"]


class TrainingPackage(models.Model):
    """A program pelatihan: a vocation's curriculum at a centre, with its entry requirements."""

    centre = models.ForeignKey(TrainingCentre, on_delete=models.PROTECT, related_name="packages",
                               verbose_name=_("training centre"))
    vocation = models.ForeignKey(Vocation, on_delete=models.PROTECT, related_name="packages",
                                 verbose_name=_("vocation"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    hours = models.PositiveSmallIntegerField(_("hours (JP)"))
    class_size = models.PositiveSmallIntegerField(_("default class size"), default=16)
    attendance_threshold = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)])
    has_final_test = models.BooleanField(_("has a final test of the training"), default=True)
    scheme = models.ForeignKey("assessment.Scheme", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="packages", verbose_name=_("certification scheme"),
                               help_text=_("The competency scheme this package prepares for."))
    # Entry requirements; each rule is off when empty / unchecked.
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    min_education = models.ForeignKey("reference.EducationLevel", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("minimum education"))
    max_education = models.ForeignKey("reference.EducationLevel", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("maximum education"))
    domicile = models.ForeignKey("reference.Region", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("domicile required in"))
    require_not_in_school = models.BooleanField(_("not in formal education"), default=True)
    require_not_working = models.BooleanField(_("not working"), default=True)
    # Kinds of registry.PersonDocument an applicant must have uploaded (registry.models.DocumentKind).
    required_documents = models.JSONField(_("documents required"), default=default_required_documents,
                                          blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = TrainingPackageQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "vocation__sector__order", "name"]
        verbose_name = _("training package")
        verbose_name_plural = _("training packages")
        constraints = [models.UniqueConstraint(fields=["centre", "code"], name="package_code_unique")]

    def __str__(self):
        return self.name


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for registration")
    SELECTING = "selecting", _("Selecting")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class FundingSource(models.TextChoices):
    APBD = "apbd", _("APBD (province budget)")
    APBN = "apbn", _("APBN (state budget)")
    CSR = "csr", _("Company CSR")
    OTHER = "other", _("Other")


class BatchQuerySet(ScopedQuerySet):
    def scope(self, user):
        """The batches of the operator's centres."""
        return self.filter(centre__in=user.centre_ids)

    def open(self):
        return self.filter(status=BatchStatus.OPEN)


class Batch(models.Model):
    """An angkatan: one class of a package at a centre, with dates, sessions and a capacity."""

    programme_year = models.ForeignKey(ProgrammeYear, on_delete=models.PROTECT, related_name="batches",
                                       verbose_name=_("programme year"))
    centre = models.ForeignKey(TrainingCentre, on_delete=models.PROTECT, related_name="batches",
                               verbose_name=_("training centre"))
    package = models.ForeignKey(TrainingPackage, on_delete=models.PROTECT, related_name="batches",
                                verbose_name=_("training package"))
    number = models.PositiveSmallIntegerField(_("angkatan number"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    instructors = models.CharField(_("instructors"), max_length=255, blank=True)
    location = models.CharField(_("location (workshop)"), max_length=120, blank=True)
    funding_source = models.CharField(_("funding source"), max_length=10, choices=FundingSource.choices,
                                      default=FundingSource.APBD)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "centre", "package__name", "number"]
        verbose_name = _("batch (angkatan)")
        verbose_name_plural = _("batches (angkatan)")
        constraints = [
            models.UniqueConstraint(fields=["package", "programme_year", "number"], name="batch_number_unique"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="batch_dates_ordered"),
        ]
        indexes = [models.Index(fields=["centre", "status"])]

    def __str__(self):
        return f"{self.package.name} · {_('Angkatan')} {self.number} ({self.programme_year.year})"


class BatchSession(models.Model):
    """One training day of a batch, with its hours."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [models.UniqueConstraint(fields=["batch", "date"], name="session_one_per_day")]

    def __str__(self):
        return f"{self.date:%d-%m-%Y} {self.start_time:%H.%M}-{self.end_time:%H.%M}"
