"""The registry of job seekers: persons, their prior training and their consents."""

import datetime
import posixpath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet
from kompeten.registry.nik import mask_nik

AK1_VALID_YEARS = 2


class Sex(models.TextChoices):
    MALE = "L", _("Male (L)")
    FEMALE = "P", _("Female (P)")


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Not working (looking for work)")
    LAID_OFF = "laid_off", _("Laid off (PHK)")
    EMPLOYED = "employed", _("Working")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    STUDENT = "student", _("In school or university")


class DisabilityKind(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    SENSORY = "sensory", _("Sensory (sight, hearing, speech)")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class PersonSource(models.TextChoices):
    SELF = "self", _("Self-registration")
    OPERATOR = "operator", _("Entered by an operator")
    IMPORT = "import", _("Imported from a file")
    DEMO = "demo", _("Demo data")


# The fields whose every change is audited (all of a person's own data).
PERSON_AUDITED_FIELDS = [
    "nik", "full_name", "sex", "birth_place", "birth_date", "phone", "email", "street", "rt", "rw",
    "village", "education", "major", "disability", "disability_kind", "employment_status",
    "ak1_number", "ak1_expires", "ak1_closed_on", "declared_prior_training",
]


class PersonQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Which persons an operator or a job seeker may see."""
        condition = Q(user=user)
        if user.centre_ids:
            from kompeten.selection.models import Choice
            from kompeten.training.models import Enrolment

            participants = Enrolment.objects.filter(batch__centre__in=user.centre_ids).values("person_id")
            # Applicants to the centre's batches: the centre processes their applications.
            applicants = Choice.objects.filter(batch__centre__in=user.centre_ids).values("application__person_id")
            condition |= (Q(registered_centre__in=user.centre_ids) | Q(pk__in=participants)
                          | Q(pk__in=applicants))
        return self.filter(condition)

    def never_trained(self):
        return self.filter(declared_prior_training=False, prior_trainings__isnull=True)

    def same_as(self, identity):
        """The registrations of one person: the registration ``identity`` (a pk or an expression such as
        ``OuterRef``) and those merged into it (see ``Person.identity``)."""
        return self.filter(Q(pk=identity) | Q(merged_into_id=identity))

    def active(self):
        """Without the registrations merged into another person by record linkage (kompeten/linkage)."""
        return self.filter(merged_into__isnull=True)


class Person(models.Model):
    nik = models.CharField("NIK", max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    email = models.EmailField(_("email"), blank=True)
    street = models.CharField(_("street address"), max_length=255, blank=True)
    rt = models.CharField("RT", max_length=3, blank=True)
    rw = models.CharField("RW", max_length=3, blank=True)
    village = models.ForeignKey(
        "reference.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("village (kelurahan/desa)"),
    )
    education = models.ForeignKey(
        "reference.EducationLevel", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("education level"),
    )
    major = models.CharField(_("major (jurusan)"), max_length=100, blank=True)
    disability = models.BooleanField(_("has a disability"), default=False)
    disability_kind = models.CharField(_("kind of disability"), max_length=20, choices=DisabilityKind.choices,
                                       blank=True)
    employment_status = models.CharField(_("employment status"), max_length=20, choices=EmploymentStatus.choices,
                                         default=EmploymentStatus.UNEMPLOYED)
    ak1_number = models.CharField(_("AK/1 card number"), max_length=40, blank=True)
    ak1_expires = models.DateField(_("AK/1 valid until"), null=True, blank=True)
    ak1_closed_on = models.DateField(_("AK/1 closed on (placed in work)"), null=True, blank=True)
    declared_prior_training = models.BooleanField(_("has had training before"), default=False)

    # NIK checks that are warnings (regency unknown, birth date or sex differ) wait for an operator.
    nik_warnings = models.JSONField(default=list, blank=True)
    nik_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="+")
    nik_confirmed_at = models.DateTimeField(null=True, blank=True)

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="person")
    registered_centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="registered_persons",
                                          verbose_name=_("registered at"))
    source = models.CharField(_("source"), max_length=10, choices=PersonSource.choices)
    # Set when record linkage found this registration to be the same person as an older one (kompeten/linkage).
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="merged_persons", verbose_name=_("merged into"))
    created_at = models.DateTimeField(_("registered on"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        indexes = [models.Index(fields=["registered_centre", "full_name"])]

    def __str__(self):
        return self.full_name

    @property
    def identity(self) -> int:
        """The id that stands for the person across merged registrations: the registration this one was merged
        into, else its own (one level: a survivor that is itself merged must be undone first, see
        kompeten/linkage/services.undo_merge)."""
        return self.merged_into_id or self.pk

    def same_person_ids(self) -> list[int]:
        """The ids of all the registrations of this person (Person.objects.same_as)."""
        return list(Person.objects.same_as(self.identity).values_list("pk", flat=True))

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def ak1_valid(self) -> bool:
        return bool(self.ak1_expires and self.ak1_expires >= timezone.localdate())

    @property
    def needs_nik_confirmation(self) -> bool:
        return bool(self.nik_warnings) and self.nik_confirmed_at is None


class PriorTraining(models.Model):
    class Source(models.TextChoices):
        BLK = "blk", _("BLK / BLKI (government training centre)")
        LPK = "lpk", _("LPK (private training institute)")
        COMPANY = "company", _("Company training")
        ONLINE = "online", _("Online (e.g. Kemnaker SIAPkerja)")
        OTHER = "other", _("Other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="prior_trainings")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    institution = models.CharField(_("institution"), max_length=200)
    vocation = models.CharField(_("vocation"), max_length=200)
    certificate = models.CharField(_("certificate number"), max_length=100, blank=True)
    # The linked record of a participant list this training was found in (kompeten/linkage); None: declared only.
    source_record = models.ForeignKey("linkage.SourceRecord", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="prior_trainings")
    # Entered by the person or an operator (False: made by record linkage from a list record, and removed again
    # when that link ends; a declared training a list confirms only gets the list record attached).
    declared = models.BooleanField(_("declared"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("prior training")
        verbose_name_plural = _("prior training")

    def __str__(self):
        return f"{self.vocation} ({self.institution}, {self.year})"


class Consent(models.Model):
    """A consent given or withdrawn. Never updated or deleted: a withdrawal is a new record."""

    class Purpose(models.TextChoices):
        REGISTRY = "registry", _("Processing my data for training and certification")
        SHARE_COMPANIES = "share_companies", _("Sharing my profile with companies for apprenticeships and jobs")
        CONTACT = "contact", _("Being contacted about vacancies and programmes")
        OUTCOME_SURVEYS = "outcome_surveys", _("Short surveys on my work situation after training (3, 6 and 12 "
                                               "months)")

    class Channel(models.TextChoices):
        WEB = "web", _("Web (self-service)")
        OPERATOR = "operator", _("At the counter (operator)")
        IMPORT = "import", _("Import (paper form)")
        DEMO = "demo", _("Demo data")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("given"))
    text_version = models.CharField(_("text version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.person_id} {self.purpose} {'+' if self.given else '-'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("consent records are never changed; record a new one")
        super().save(*args, **kwargs)


class DocumentKind(models.TextChoices):
    KTP = "ktp", _("KTP")
    IJAZAH = "ijazah", _("Ijazah (diploma)")
    AK1 = "ak1", _("Kartu AK/1")
    PHOTO = "photo", _("Pas foto")
    OTHER = "other", _("Other")


DOCUMENT_FOLDER = "documents"


def document_path(document, filename: str) -> str:
    """documents/<person id>/<name>: the name is made by the upload service, never taken from the user."""
    return posixpath.join(DOCUMENT_FOLDER, str(document.person_id), posixpath.basename(filename))


class PersonDocument(models.Model):
    """A document a job seeker (or an operator for them) uploaded. Never changed: a new upload of the same
    kind replaces the previous one for eligibility, and both are kept."""

    Kind = DocumentKind

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind of document"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded on"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        ordering = ["person", "kind", "-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["person", "kind", "uploaded_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"


class ImportJob(models.Model):
    """One run of a persons import (kompeten/registry/importer.py): what was asked and how it ended.

    The import writes all or nothing in one transaction, so a job that FAILED (the database connection was lost,
    the server restarted) wrote nothing; it keeps its file until it is retried (``importer.retry_import``), and the
    file is dropped once the job is done. A REJECTED job had bad input: the file must be fixed, not retried."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content = models.BinaryField(null=True, editable=False)  # kept only while a failed job waits for its retry
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    valid_only = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    attempts = models.PositiveSmallIntegerField(default=1)
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        return f"import {self.pk} {self.filename} ({self.status})"
