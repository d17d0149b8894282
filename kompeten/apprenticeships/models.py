"""Apprenticeships (pemagangan). For now the companies that take apprentices and offer jobs."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet


class CompanyQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(pk__in=user.company_ids)


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    nib = models.CharField(_("NIB (business number)"), max_length=13, blank=True)
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, null=True, related_name="companies")
    kbli = models.ForeignKey("reference.Kbli", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, null=True, related_name="+")
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name
