"""Source records, their links to persons, merges and the clerical review queue.

Every registration and every imported row (this year's registry imports, earlier years' BLK participant lists,
SIAPkerja / Skillhub exports, BNSP lists) is kept as it came (``SourceRecord.raw``) with its standardised fields
(kompeten/linkage/standardise.py), and linked to a person — the golden record. Links, merges and splits are
append-only: a link ends (``ended_at``), it is never deleted; a merge marks the younger person ``merged_into``
the older one (who keeps their id) and an undo clears it again. docs/algorithms/linkage.md explains the model.

Deleting rows is never part of the linkage (kompeten/linkage/services.py ends links and appends events); the
``on_delete`` rules below only say what happens when a person is deleted outright (tests, data protection
requests): their registration record, links and events go with them, a list record they were linked to stays,
unlinked.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration in Kompeten")
    BLK_LIST = "blk_list", _("BLK participant list")
    SIAPKERJA = "siapkerja", _("SIAPkerja / Skillhub export")
    BNSP = "bnsp", _("BNSP certificate holders list")
    OTHER = "other", _("Other list")


# Sources whose records are trainings a person took: a confirmed link to one is prior training.
TRAINING_SOURCES = {SourceKind.BLK_LIST, SourceKind.SIAPKERJA, SourceKind.BNSP}


class SourceList(models.Model):
    """One imported file of records (an old participant list, an export)."""

    kind = models.CharField(_("kind"), max_length=12, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=200)  # the file name or what the operator called it
    year = models.PositiveSmallIntegerField(_("year of the trainings"), null=True, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("training centre"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # The outcome of the batch linking at import: {"linked": n, "review": n, "unmatched": n, ...}.
    report = models.JSONField(default=dict, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("source list")
        verbose_name_plural = _("source lists")

    def __str__(self):
        return self.name


class SourceRecord(models.Model):
    kind = models.CharField(_("source"), max_length=12, choices=SourceKind.choices)
    source_list = models.ForeignKey(SourceList, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="records")
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    raw = models.JSONField(_("as it came"), default=dict)
    # The registration this record is (kind REGISTRATION): the person as registered.
    registration = models.ForeignKey("registry.Person", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="registration_records")
    # Standardised fields (the comparison reads these, never raw).
    nik = models.CharField(max_length=16, blank=True)
    nik15 = models.CharField(max_length=15, blank=True)
    nik_problems = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=200, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    birth_place = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=16, blank=True)
    email = models.CharField(max_length=254, blank=True)
    address = models.CharField(max_length=255, blank=True)
    region = models.CharField(max_length=13, blank=True)
    kk = models.CharField(max_length=16, blank=True)
    education = models.CharField(max_length=5, blank=True)
    # What the record says was trained (training sources).
    training_year = models.PositiveSmallIntegerField(null=True, blank=True)
    vocation = models.CharField(max_length=200, blank=True)
    certificate_number = models.CharField(max_length=100, blank=True)
    # The person it is linked to now (denormalised from the active Link, for the indexes and lists).
    person = models.ForeignKey("registry.Person", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="source_records")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        indexes = [models.Index(fields=["kind", "person"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class BlockingKey(models.Model):
    """The indexed keys through which a new record finds its candidates (engine.blocking_keys)."""

    key = models.CharField(max_length=80)  # indexed by the unique constraint (key, record)
    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "record"], name="blocking_key_unique")]

    def __str__(self):
        return self.key


# The reasons the services write (kompeten/linkage/services.py), as people read them; a reviewer's or admin's own
# words are shown as written.
REASON_LABELS = {
    "automatic": _("found automatically"),
    "reviewed": _("confirmed by a reviewer"),
    "merged": _("moved by a merge"),
    "relinked": _("linked to another person"),
    "merge undone": _("the merge was undone"),
    "contest upheld": _("the person's contest was upheld"),
    "reviewed: different persons": _("a reviewer found different persons"),
}


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


class LinkMethod(models.TextChoices):
    REGISTRATION = "registration", _("The person's own registration")
    AUTOMATIC = "automatic", _("Automatic (score above the upper threshold)")
    REVIEWED = "reviewed", _("Confirmed by a reviewer")
    MERGE = "merge", _("Moved by a merge")
    RESTORED = "restored", _("Restored when a merge was undone")


class Link(models.Model):
    """A record linked to a person, from ``created_at`` until ``ended_at`` (never deleted)."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="links")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="record_links")
    method = models.CharField(_("method"), max_length=12, choices=LinkMethod.choices)
    score = models.FloatField(_("score"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    end_reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The merge that moved the record here (method MERGE): undoing it moves the record back.
    merge_event = models.ForeignKey("MergeEvent", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="moved_links")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "ended_at"])]
        constraints = [models.UniqueConstraint(fields=["record"], condition=Q(ended_at__isnull=True),
                                               name="one_active_link_per_record")]

    def __str__(self):
        return f"{self.record_id} → {self.person_id}"

    @property
    def end_reason_label(self) -> str:
        return reason_label(self.end_reason)


class MergeEvent(models.Model):
    """Two persons found to be one (``merged`` into ``survivor``), or such a merge undone."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged")
        UNDO = "undo", _("Merge undone")

    kind = models.CharField(max_length=6, choices=Kind.choices)
    survivor = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    undoes = models.OneToOneField("self", on_delete=models.CASCADE, null=True, blank=True, related_name="undone_by")
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    score = models.FloatField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.kind} {self.merged_id} → {self.survivor_id}"

    @property
    def reason_label(self) -> str:
        return reason_label(self.reason)


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("To review")
    UNSURE = "unsure", _("Unsure")
    LINKED = "linked", _("Same person")
    NOT_LINKED = "not_linked", _("Different persons")
    SETTLED = "settled", _("Settled by another decision")  # its two records came to one person meanwhile


class ReviewItem(models.Model):
    """A pair the model could not decide (between the thresholds), or a link the person contested."""

    class Kind(models.TextChoices):
        PAIR = "pair", _("Possible match")
        CONTEST = "contest", _("Contested by the person")

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PAIR)
    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="reviews")
    other = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    weight = models.FloatField()
    contributions = models.JSONField(default=dict)
    levels = models.JSONField(default=dict)
    model_version = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    note = models.CharField(_("note"), max_length=255, blank=True)  # the person's words when contested
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "pk"]
        indexes = [models.Index(fields=["status", "kind", "-score"])]
        constraints = [models.UniqueConstraint(fields=["record", "other", "kind"],
                                               condition=Q(status__in=["open", "unsure"]),
                                               name="one_open_review_per_pair")]

    def __str__(self):
        return f"{self.record_id} ~ {self.other_id} ({self.status})"
