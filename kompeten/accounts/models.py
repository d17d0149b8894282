"""Users and their roles. A user holds roles through memberships (user x role x centre/company)."""

from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province admin (Disnaker)")
    CENTRE_OPERATOR = "centre_operator", _("Training centre operator")
    ASSESSOR = "assessor", _("Assessor")
    LSP_ADMIN = "lsp_admin", _("LSP manager")
    COMPANY_USER = "company_user", _("Company user")
    JOB_SEEKER = "job_seeker", _("Job seeker")


STAFF_ROLES = {Role.PROVINCE_ADMIN, Role.CENTRE_OPERATOR, Role.ASSESSOR, Role.LSP_ADMIN, Role.COMPANY_USER}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email=None, password=None, **extra):
        email = self.normalize_email(email) if email else None
        if email:
            email = email.lower()
        if not email and not extra.get("phone"):
            raise ValueError("A user needs an email address or a phone number.")
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    phone = models.CharField(_("phone number"), max_length=16, unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else ""

    # Roles, read once per request (memberships are few per user).
    @cached_property
    def memberships_cached(self) -> list["Membership"]:
        if not self.pk:
            return []
        return list(self.memberships.filter(is_active=True))

    @cached_property
    def roles(self) -> set[str]:
        return {m.role for m in self.memberships_cached}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_province_admin(self) -> bool:
        return Role.PROVINCE_ADMIN in self.roles

    @property
    def is_staff_member(self) -> bool:
        """Anyone who works in the system for an organisation (not only a job seeker)."""
        return bool(self.roles & STAFF_ROLES)

    @cached_property
    def centre_ids(self) -> set[int]:
        return {m.centre_id for m in self.memberships_cached if m.role == Role.CENTRE_OPERATOR}

    @cached_property
    def company_ids(self) -> set[int]:
        return {m.company_id for m in self.memberships_cached if m.role == Role.COMPANY_USER}

    @cached_property
    def lsp_ids(self) -> set[int]:
        """The LSPs this user manages (not the LSP an assessor works for)."""
        return {m.lsp_id for m in self.memberships_cached if m.role == Role.LSP_ADMIN}


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    centre = models.ForeignKey(
        "programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    company = models.ForeignKey(
        "apprenticeships.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    lsp = models.ForeignKey(
        "assessment.Lsp", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role="centre_operator", centre__isnull=False, company__isnull=True)
                    | Q(role="company_user", company__isnull=False, centre__isnull=True)
                    | Q(role="lsp_admin", lsp__isnull=False, centre__isnull=True, company__isnull=True)
                    | Q(role__in=["province_admin", "assessor", "job_seeker"], centre__isnull=True,
                        company__isnull=True)
                ),
            ),
            models.UniqueConstraint(fields=["user", "centre"], condition=Q(role="centre_operator"),
                                    name="membership_unique_centre"),
            models.UniqueConstraint(fields=["user", "company"], condition=Q(role="company_user"),
                                    name="membership_unique_company"),
            models.UniqueConstraint(fields=["user", "lsp"], condition=Q(role="lsp_admin"),
                                    name="membership_unique_lsp"),
            models.UniqueConstraint(fields=["user", "role"],
                                    condition=Q(role__in=["province_admin", "assessor", "job_seeker"]),
                                    name="membership_unique_role"),
        ]

    def __str__(self):
        scope = self.centre or self.company or self.lsp or ""
        return f"{self.user} · {self.get_role_display()} {scope}".strip()
