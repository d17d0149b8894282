"""Training centres and vocations. Batches and packages arrive with the programmes issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingCentreQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_province_admin:
            return self
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
