"""Competency assessment. For now the LSP (Lembaga Sertifikasi Profesi) that assessors belong to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Lsp(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    licence_number = models.CharField(_("BNSP licence number"), max_length=80, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "LSP"
        verbose_name_plural = "LSP"

    def __str__(self):
        return self.name
