"""Reference data: regions (Kemendagri codes), KBLI sectors, KBJI occupations, education levels.

Loaded from the CSV files in ``data/`` by ``kompeten load_reference``; sources and licences are in
``data/README.md`` and ``data/SOURCES.md``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        REGENCY = "regency", _("Regency / city")
        DISTRICT = "district", _("District")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("code"), max_length=13, primary_key=True)  # dotted: 64.71.05.1008
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("type"), max_length=12)  # provinsi, kabupaten, kota, kecamatan, kelurahan, desa
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    bps_code = models.CharField(_("BPS code"), max_length=10, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self):
        return self.name

    @property
    def compact_code(self) -> str:
        return self.code.replace(".", "")

    def lineage(self) -> list["Region"]:
        """This region and its parents, from the village up to the province."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def full_name(self) -> str:
        return ", ".join(region.name for region in self.lineage())


def dotted_region_code(value: str) -> str:
    """'6471051008' or '64.71.05.1008' -> '64.71.05.1008'."""
    digits = "".join(ch for ch in str(value).strip() if ch.isdigit())
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(part for part in parts if part)


class Sector(models.Model):
    """A programme sector (mining, trade, ...): the grouping targets and dashboards use."""

    key = models.SlugField(_("key"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    is_focus = models.BooleanField(_("focus sector"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self):
        return self.name


class Kbli(models.Model):
    """KBLI (Klasifikasi Baku Lapangan Usaha Indonesia) code, versioned."""

    version = models.CharField(max_length=4, default="2020")
    code = models.CharField(_("code"), max_length=5)
    level = models.CharField(_("level"), max_length=16)
    name = models.CharField(_("name"), max_length=255)
    parent_code = models.CharField(max_length=5, blank=True)
    sectors = models.ManyToManyField(Sector, blank=True, related_name="kbli_codes")

    class Meta:
        ordering = ["version", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="kbli_version_code_unique")]
        verbose_name = "KBLI"
        verbose_name_plural = "KBLI"

    def __str__(self):
        return f"{self.code} {self.name}"


class Kbji(models.Model):
    """KBJI 2014 occupation (built on ISCO-08)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    level = models.CharField(_("level"), max_length=20)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    parent_code = models.CharField(max_length=6, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "KBJI"
        verbose_name_plural = "KBJI"

    def __str__(self):
        return f"{self.code} {self.name}"


class EducationLevel(models.Model):
    code = models.CharField(_("code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    group = models.CharField(_("group"), max_length=20)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order"]
        verbose_name = _("education level")
        verbose_name_plural = _("education levels")

    def __str__(self):
        return self.name
