"""The summary tables behind the dashboards and reports.

``Fact``: one row per person and programme year, with the date the person reached each stage of the funnel in that
year and the attributes the figures are broken down by. ``Cell``: the number of persons per programme year, training
centre, breakdown, month and stage — what the dashboards and the monthly report read. Both are derived data: facts
are recomputed for the persons whose rows changed (``StalePerson``, filled by signals and by the bulk paths) and
cells adjusted by the difference (kompeten/reporting/refresh.py); ``kompeten report rebuild`` makes both again from
the source tables. docs/algorithms/reporting.md defines every stage.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("funnel stage", "Registered this year")
    APPLIED = "applied", pgettext_lazy("funnel stage", "Applied")
    ELIGIBLE = "eligible", pgettext_lazy("funnel stage", "Eligible")
    ADMITTED = "admitted", pgettext_lazy("funnel stage", "Offered a seat")
    ENROLLED = "enrolled", pgettext_lazy("funnel stage", "Enrolled")
    DROPPED = "dropped", pgettext_lazy("funnel stage", "Did not complete")
    COMPLETED = "completed", pgettext_lazy("funnel stage", "Completed training")
    ASSESSED = "assessed", pgettext_lazy("funnel stage", "Assessed")
    COMPETENT = "competent", pgettext_lazy("funnel stage", "Kompeten")
    CERTIFIED = "certified", pgettext_lazy("funnel stage", "Certificate issued")
    APPRENTICED = "apprenticed", pgettext_lazy("funnel stage", "Placed in an apprenticeship")
    EMPLOYED = "employed", pgettext_lazy("funnel stage", "Working")
    PLACED = "placed", pgettext_lazy("funnel stage", "Placed (apprenticeship or work)")


# The funnel, in order (DROPPED is shown beside it, not in it).
FUNNEL = [Stage.REGISTERED, Stage.APPLIED, Stage.ELIGIBLE, Stage.ADMITTED, Stage.ENROLLED, Stage.COMPLETED,
          Stage.ASSESSED, Stage.COMPETENT, Stage.CERTIFIED, Stage.PLACED]


class Dimension(models.TextChoices):
    TOTAL = "total", _("Total")
    SECTOR = "sector", _("Sector")
    VOCATION = "vocation", _("Vocation")
    REGENCY = "regency", _("Regency / city of domicile")
    SEX = "sex", _("Sex")
    AGE = "age", _("Age band")
    EDUCATION = "education", _("Education level")
    DISABILITY = "disability", _("Disability")
    PRIOR = "prior", _("Training before this year")


AGE_BANDS = ["<20", "20-24", "25-29", "30-34", "35-39", "40+"]


class Fact(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.CASCADE, null=True, related_name="+")
    vocation = models.ForeignKey("programmes.Vocation", on_delete=models.CASCADE, null=True, related_name="+")
    sector = models.ForeignKey("reference.Sector", on_delete=models.CASCADE, null=True, related_name="+")
    regency = models.CharField(max_length=5, blank=True)  # "64.71", from the village's code; "" when unknown
    sex = models.CharField(max_length=1)
    age_band = models.CharField(max_length=5)  # AGE_BANDS, age on 1 January of the year
    education = models.CharField(max_length=5, blank=True)  # EducationLevel.code
    disability = models.BooleanField(default=False)
    trained_before = models.BooleanField(default=False)  # training declared or recorded before this year
    # The day the person reached each stage in this year (None: not reached).
    registered_on = models.DateField(null=True)
    applied_on = models.DateField(null=True)
    eligible_on = models.DateField(null=True)
    admitted_on = models.DateField(null=True)
    enrolled_on = models.DateField(null=True)
    dropped_on = models.DateField(null=True)
    completed_on = models.DateField(null=True)
    assessed_on = models.DateField(null=True)
    competent_on = models.DateField(null=True)
    certified_on = models.DateField(null=True)
    apprenticed_on = models.DateField(null=True)
    employed_on = models.DateField(null=True)
    placed_on = models.DateField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="reporting_fact_unique")]
        indexes = [models.Index(fields=["year", "centre"])]

    def __str__(self):
        return f"{self.person_id} {self.year}"


class Cell(models.Model):
    """Persons who reached ``stage`` in ``month`` of ``year``, at ``centre``, with ``key`` of ``dimension``."""

    year = models.PositiveSmallIntegerField()
    centre_key = models.IntegerField(default=0)  # the TrainingCentre's id; 0: no centre (province only)
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    key = models.CharField(max_length=40, blank=True)
    month = models.PositiveSmallIntegerField()  # 1-12
    stage = models.CharField(max_length=12, choices=Stage.choices)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "centre_key", "dimension", "key", "month", "stage"],
                                               name="reporting_cell_unique")]
        indexes = [models.Index(fields=["year", "dimension"])]

    def __str__(self):
        return f"{self.year} {self.centre_key} {self.dimension}={self.key} {self.month} {self.stage}: {self.n}"


class StalePerson(models.Model):
    """A person whose facts must be recomputed (a row of theirs changed since the last refresh)."""

    person_id = models.BigIntegerField(primary_key=True)
    since = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.person_id)


class ReportState(models.Model):
    """One row: when the summary tables were last rebuilt / refreshed (and the lock refreshes take)."""

    rebuilt_at = models.DateTimeField(null=True)
    refreshed_at = models.DateTimeField(null=True)
    version = models.PositiveIntegerField(default=0)  # +1 on every change to the cells (cache key)

    def __str__(self):
        return f"{self.refreshed_at} v{self.version}"
