"""Certificates: issuers and their signing keys, gapless numbers, the certificates themselves, their status
(revocation / suspension), the hash-chained ledger of every issue and status change, and batch issuance jobs.

Private keys never enter the database: ``SigningKey`` holds the public half; the private half is a file in
``settings.KOMPETEN_KEY_DIR`` (see keystore.py). Signing, the QR payload and the status list bit string
are plain Python (codec.py, keys.py, statuslist.py); the rules are in services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet


class IssuerKind(models.TextChoices):
    CENTRE = "centre", _("Training centre (Kemnaker training certificate)")
    LSP = "lsp", _("LSP (BNSP competency certificate)")
    OFFICE = "office", _("Manpower office (certificate of apprenticeship)")


DEFAULT_NUMBER_PATTERN = "{issuer}/{year}/{seq:05d}"


class Issuer(models.Model):
    """Who signs: a training centre (training certificates) or an LSP (competency certificates)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=6, choices=IssuerKind.choices)
    centre = models.OneToOneField("programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="issuer")
    lsp = models.OneToOneField("assessment.Lsp", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="issuer")
    iss = models.CharField(_("issuer identifier"), max_length=200, unique=True,
                           help_text=_("The stable identifier signed into every certificate (a URL)."))
    number_prefix = models.CharField(_("number prefix"), max_length=40)
    number_pattern = models.CharField(_("number pattern"), max_length=80, default=DEFAULT_NUMBER_PATTERN)
    accredited_from = models.DateField(_("accredited from"), null=True, blank=True)
    accredited_until = models.DateField(_("accredited until"), null=True, blank=True)
    next_status_index = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")
        constraints = [
            models.CheckConstraint(name="issuer_kind_matches", condition=(
                Q(kind="centre", centre__isnull=False, lsp__isnull=True)
                | Q(kind="lsp", lsp__isnull=False, centre__isnull=True)
                | Q(kind="office", lsp__isnull=True, centre__isnull=True))),
        ]

    def __str__(self):
        return self.name

    def accredited_on(self, day) -> bool:
        return (self.accredited_from is None or self.accredited_from <= day) and (
            self.accredited_until is None or day <= self.accredited_until)


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired (still verifies what it signed)")
    COMPROMISED = "compromised", _("Compromised")


class KeyPurpose(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificates")
    LEDGER = "ledger", _("Ledger heads")


class SigningKey(models.Model):
    """The public half of an Ed25519 key and its validity window. ``kid`` is base64url of the COSE kid."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, null=True, blank=True, related_name="keys")
    purpose = models.CharField(max_length=12, choices=KeyPurpose.choices, default=KeyPurpose.CERTIFICATE)
    kid = models.CharField(max_length=32, unique=True)
    public_key = models.CharField(_("public key (base64url)"), max_length=64)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    compromised_at = models.DateTimeField(_("compromised since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer", "-not_before"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "purpose"], condition=Q(status="active"),
                                    name="one_active_key_per_issuer"),
        ]

    def __str__(self):
        return f"{self.kid} ({self.status})"


class NumberCounter(models.Model):
    """The last sequence number of an issuer in a year; locked in the transaction that inserts a certificate,
    so numbers are unique and gapless (a rolled-back insert rolls the counter back too)."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="one_counter_per_issuer_year")]

    def __str__(self):
        return f"{self.issuer_id}/{self.year}: {self.last}"


class CertificateKind(models.TextChoices):
    TRAINING = "training", _("Training certificate")
    COMPETENCY = "competency", _("Competency certificate")
    APPRENTICESHIP = "apprenticeship", _("Certificate of apprenticeship")


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class CertificateQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Operators see their centre's certificates (issued by it, or for its trainees); LSP managers their
        LSP's; a job seeker their own."""
        return self.filter(Q(issuer__centre__in=user.centre_ids) | Q(enrolment__batch__centre__in=user.centre_ids)
                           | Q(assessment__event__centre__in=user.centre_ids) | Q(issuer__lsp__in=user.lsp_ids)
                           | Q(person__user=user) | Q(placement__company__in=user.company_ids))

    def current(self):
        return self.exclude(status=CertificateStatus.REVOKED)


class Certificate(models.Model):
    """A signed certificate. What is printed (and signed into the QR) is copied here at issue time, so a
    later change of the person or the scheme never changes a certificate: a correction is a re-issue."""

    kind = models.CharField(_("kind"), max_length=14, choices=CertificateKind.choices)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="certificates")
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(_("number"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    public_code = models.CharField(_("verification code"), max_length=16, unique=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="certificates")
    enrolment = models.ForeignKey("training.Enrolment", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="certificates")
    assessment = models.ForeignKey("assessment.Assessment", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="certificates")
    placement = models.ForeignKey("apprenticeships.Placement", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="certificates")
    # As printed and signed.
    holder_name = models.CharField(_("holder"), max_length=150)
    holder_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    holder_id = models.CharField(max_length=16)
    title = models.CharField(_("title"), max_length=200)
    scheme_code = models.CharField(_("scheme code"), max_length=60, blank=True)
    units = models.JSONField(_("units"), default=list, blank=True)
    kkni_level = models.PositiveSmallIntegerField(_("KKNI level"), null=True, blank=True)
    issuer_name = models.CharField(max_length=200)
    centre_name = models.CharField(max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("competence valid until"), null=True, blank=True)
    qr_digits = models.TextField()
    # Status.
    status = models.CharField(_("status"), max_length=10, choices=CertificateStatus.choices,
                              default=CertificateStatus.ACTIVE)
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_index = models.PositiveIntegerField()
    replaced_by = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="replaces")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    job = models.ForeignKey("IssuanceJob", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="certificates")

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "seq"], name="certificate_seq_unique"),
            models.UniqueConstraint(fields=["issuer", "status_index"], name="certificate_status_index_unique"),
            models.UniqueConstraint(fields=["enrolment"], condition=Q(kind="training") & ~Q(status="revoked"),
                                    name="one_training_certificate_per_enrolment"),
            models.UniqueConstraint(fields=["assessment"], condition=~Q(status="revoked"),
                                    name="one_certificate_per_assessment"),
            models.UniqueConstraint(fields=["placement"], condition=~Q(status="revoked"),
                                    name="one_certificate_per_placement"),
            models.CheckConstraint(name="certificate_kind_source", condition=(
                Q(kind="training", enrolment__isnull=False) | Q(kind="competency", assessment__isnull=False)
                | Q(kind="apprenticeship", placement__isnull=False))),
        ]

    def __str__(self):
        return f"{self.number} · {self.holder_name}"


class StatusChange(models.Model):
    """Every revocation, suspension and reinstatement, with its reason (never a deletion)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="status_changes")
    old_status = models.CharField(max_length=10, choices=CertificateStatus.choices)
    new_status = models.CharField(max_length=10, choices=CertificateStatus.choices)
    reason = models.CharField(_("reason"), max_length=255)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        ordering = ["certificate", "at", "pk"]

    def __str__(self):
        return f"{self.certificate_id}: {self.old_status} → {self.new_status}"


class LedgerEntry(models.Model):
    """Append-only, hash-chained: hash = SHA-256(prev_hash ‖ canonical JSON of the entry). A back-dated or
    silently inserted certificate breaks the chain or is missing from it (ledger.py verifies)."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=20)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="ledger_entries")
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.action}"


class LedgerHead(models.Model):
    """The ledger's head at the end of a day, signed with the ledger key."""

    day = models.DateField(unique=True)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    kid = models.CharField(max_length=32)
    signature = models.CharField(max_length=100)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}: #{self.seq}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IssuanceJobQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(Q(batch__centre__in=user.centre_ids) | Q(event__centre__in=user.centre_ids)
                           | Q(event__lsp__in=user.lsp_ids))


class IssuanceJob(models.Model):
    """Issue every certificate of a batch (training) or an assessment event (competency), in the background.
    Idempotent: running it again issues only what is missing."""

    batch = models.ForeignKey("programmes.Batch", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="issuance_jobs")
    event = models.ForeignKey("assessment.AssessmentEvent", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="issuance_jobs")
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = IssuanceJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(name="job_has_one_source", condition=(
            Q(batch__isnull=False, event__isnull=True) | Q(batch__isnull=True, event__isnull=False)))]

    def __str__(self):
        return f"job {self.pk} ({self.status} {self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


class ExpiryReminder(models.Model):
    """A reminder sent before a competence expires (90 and 30 days), once per certificate and threshold."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certificate", "days_before"], name="reminder_once")]

    def __str__(self):
        return f"{self.certificate_id} -{self.days_before}d"
