"""Jobs and outcomes: vacancies (the fields of Perpres 57/2023 mandatory vacancy reports), candidate profiles for
matching (kept current from the registry, training, certificates and apprenticeships), invitations that open a
candidate's contact details to a company, outcome surveys at 3, 6 and 12 months and the outcomes they record,
the AK/1 card's six-monthly reports, and the seat plan for next year.

The rules are in services.py (vacancies, invitations, hires, AK/1), shortlist.py / scoring.py (matching),
tracer.py (surveys and outcomes), demand.py and planning.py (demand against supply, next year's seats).
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.core.scoping import ScopedQuerySet


class VacancyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class VacancySource(models.TextChoices):
    COMPANY = "company", _("Posted by the company")
    IMPORT = "import", _("Imported by the province")
    DEMO = "demo", _("Demo data")


class VacancyQuerySet(ScopedQuerySet):
    def scope(self, user):
        """Companies their own vacancies; staff and job seekers the open ones."""
        return self.filter(Q(company__in=user.company_ids) | Q(status=VacancyStatus.OPEN))

    def open_on(self, day):
        return self.filter(status=VacancyStatus.OPEN, valid_from__lte=day, valid_until__gte=day)


class Vacancy(models.Model):
    company = models.ForeignKey("apprenticeships.Company", on_delete=models.PROTECT, related_name="vacancies",
                                verbose_name=_("company"))
    title = models.CharField(_("job title"), max_length=200)
    occupation = models.ForeignKey("reference.Kbji", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("occupation (KBJI)"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="vacancies",
                               verbose_name=_("sector"))
    kbli = models.ForeignKey("reference.Kbli", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("KBLI"))
    number_needed = models.PositiveIntegerField(_("number needed"), validators=[MinValueValidator(1)])
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    sex = models.CharField(_("sex required by the job"), max_length=1, blank=True,
                           choices=[("L", _("Male (L)")), ("P", _("Female (P)"))])
    min_education = models.ForeignKey("reference.EducationLevel", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("minimum education"))
    vocations = models.ManyToManyField("programmes.Vocation", blank=True, related_name="vacancies",
                                       verbose_name=_("competencies (training) wanted"))
    scheme = models.ForeignKey("assessment.Scheme", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="vacancies", verbose_name=_("certificate wanted"))
    experience_years = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    wage_min = models.PositiveIntegerField(_("wage from (Rp/month)"), null=True, blank=True)
    wage_max = models.PositiveIntegerField(_("wage up to (Rp/month)"), null=True, blank=True)
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("work location (regency/city)"))
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=VacancyStatus.choices, default=VacancyStatus.OPEN)
    filled = models.PositiveIntegerField(_("filled"), default=0)
    source = models.CharField(_("source"), max_length=8, choices=VacancySource.choices,
                              default=VacancySource.COMPANY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = VacancyQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "title", "pk"]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="vacancy_dates_ordered"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"]), models.Index(fields=["sector", "valid_from"])]

    def __str__(self):
        return f"{self.title} · {self.company}"


class Hire(models.Model):
    """Part of a vacancy filled: how many, and by whom when known (a confirmed hire also records an outcome)."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="hires")
    count = models.PositiveSmallIntegerField(_("number hired"), default=1, validators=[MinValueValidator(1)])
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="hires", verbose_name=_("person hired"))
    on = models.DateField(_("hired on"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["vacancy", "-on", "-pk"]
        verbose_name = _("hire")
        verbose_name_plural = _("hires")
        constraints = [models.UniqueConstraint(fields=["vacancy", "person"], condition=Q(person__isnull=False),
                                               name="hire_person_once_per_vacancy")]

    def __str__(self):
        return f"{self.vacancy_id}: {self.count}"


class CandidateProfile(models.Model):
    """What matching needs of a person, kept current (signals.py; ``kompeten jobs refresh-profiles`` for bulk
    loads). ``shown``: the person consents to being shown to companies, right now."""

    person = models.OneToOneField("registry.Person", on_delete=models.CASCADE, primary_key=True,
                                  related_name="candidate_profile")
    shown = models.BooleanField(default=False)
    available = models.BooleanField(default=True)
    regency = models.CharField(max_length=5, blank=True)  # "64.71"
    sex = models.CharField(max_length=1)
    birth_date = models.DateField()
    education_order = models.PositiveSmallIntegerField(default=0)
    trained = models.BooleanField(default=False)
    last_completed = models.DateField(null=True, blank=True)
    vocation_ids = models.JSONField(default=list, blank=True)  # completed trainings' vocations
    scheme_codes = models.JSONField(default=list, blank=True)  # current competency certificates' schemes
    certificates = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["shown", "available"])]

    def __str__(self):
        return f"profile {self.person_id}"


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the candidate")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class InvitationQuerySet(ScopedQuerySet):
    def scope(self, user):
        return self.filter(Q(vacancy__company__in=user.company_ids) | Q(person__user=user))


class Invitation(models.Model):
    """A company invites a shortlisted candidate to apply; accepting opens the candidate's contact details."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="job_invitations")
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InvitationStatus.choices,
                              default=InvitationStatus.SENT)
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["vacancy", "person"], name="invitation_once")]

    def __str__(self):
        return f"{self.vacancy_id} → {self.person_id} ({self.status})"


class Trigger(models.TextChoices):
    TRAINING = "training", _("Completed a training")
    CERTIFICATION = "certification", _("Certified competent")
    APPRENTICESHIP = "apprenticeship", _("Completed an apprenticeship")


SURVEY_MONTHS = (3, 6, 12)


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _centre_people(user, prefix: str = "person__") -> Q:
    """The persons an operator's centre knows: registered there, trained there (as Person.visible_to)."""
    from kompeten.training.models import Enrolment

    participants = Enrolment.objects.filter(batch__centre__in=user.centre_ids).values("person_id")
    return Q(**{f"{prefix}registered_centre__in": user.centre_ids}) | Q(**{f"{prefix}in": participants})


class SurveyQuerySet(ScopedQuerySet):
    def scope(self, user):
        condition = Q(person__user=user)
        if user.centre_ids:
            condition |= Q(centre__in=user.centre_ids) | _centre_people(user)
        return self.filter(condition)


class OutcomeSurvey(models.Model):
    """A tracer survey due ``months`` after a trigger (completion of a training, certification, apprenticeship).
    The token in the link is the only credential of the public survey page; it answers once."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="outcome_surveys")
    trigger = models.CharField(_("after"), max_length=14, choices=Trigger.choices)
    trigger_id = models.PositiveIntegerField()  # the enrolment, certificate or placement
    trigger_date = models.DateField(_("completed on"))
    months = models.PositiveSmallIntegerField(_("months after"))
    due_on = models.DateField(_("due on"))
    token = models.CharField(max_length=32, unique=True, default=new_token)
    channel = models.CharField(_("channel"), max_length=10, blank=True)  # email, sms, whatsapp
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    vocation = models.ForeignKey("programmes.Vocation", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    batch = models.ForeignKey("programmes.Batch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("outcome survey")
        verbose_name_plural = _("outcome surveys")
        constraints = [models.UniqueConstraint(fields=["trigger", "trigger_id", "months"], name="survey_once")]
        indexes = [models.Index(fields=["due_on", "sent_at"]), models.Index(fields=["batch", "months"])]

    def __str__(self):
        return f"{self.person_id} {self.trigger} +{self.months}m"


class OutcomeStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Not working, looking for work")
    STUDYING = "studying", _("In education")
    APPRENTICE = "apprentice", _("In an apprenticeship (pemagangan)")


WORKING = [OutcomeStatus.EMPLOYED, OutcomeStatus.SELF_EMPLOYED]


class WageBand(models.TextChoices):
    BELOW_2M = "lt2", _("Below Rp2 million")
    FROM_2M = "2to3.5", _("Rp2–3.5 million")
    FROM_35M = "3.5to5", _("Rp3.5–5 million")
    FROM_5M = "5to8", _("Rp5–8 million")
    ABOVE_8M = "gt8", _("Above Rp8 million")


class OutcomeSource(models.TextChoices):
    SELF = "self", _("Self-report")
    COMPANY = "company", _("Confirmed by the company")
    OPERATOR = "operator", _("Phone follow-up by an officer")


class OutcomeQuerySet(ScopedQuerySet):
    def scope(self, user):
        condition = Q(person__user=user)
        if user.centre_ids:
            condition |= _centre_people(user)
        return self.filter(condition)


class Outcome(models.Model):
    """A person's situation on a date, with its source. Never changed: a later outcome is a new record."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="outcomes")
    survey = models.ForeignKey(OutcomeSurvey, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="outcomes")
    status = models.CharField(_("situation"), max_length=14, choices=OutcomeStatus.choices)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    company = models.ForeignKey("apprenticeships.Company", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("sector"))
    wage_band = models.CharField(_("monthly income"), max_length=8, choices=WageBand.choices, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=OutcomeSource.choices)
    on = models.DateField(_("as of"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-on", "-pk"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        indexes = [models.Index(fields=["person", "on"])]

    def __str__(self):
        return f"{self.person_id} {self.status} {self.on}"


class Ak1Report(models.Model):
    """The AK/1 card's six-monthly report (still seeking / placed); a placement closes the card."""

    class Status(models.TextChoices):
        SEEKING = "seeking", _("Still seeking work")
        PLACED = "placed", _("Placed in work")

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="ak1_reports")
    on = models.DateField(_("report date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "-on", "-pk"]
        verbose_name = _("AK/1 report")
        verbose_name_plural = _("AK/1 reports")

    def __str__(self):
        return f"{self.person_id} {self.on} {self.status}"


class SeatPlan(models.Model):
    """Next year's seats for a vocation at a centre: the system's proposal, its basis, and the admin's number."""

    programme_year = models.ForeignKey("programmes.ProgrammeYear", on_delete=models.CASCADE,
                                       related_name="seat_plans")
    centre = models.ForeignKey("programmes.TrainingCentre", on_delete=models.PROTECT, related_name="+")
    vocation = models.ForeignKey("programmes.Vocation", on_delete=models.PROTECT, related_name="+")
    proposed = models.PositiveIntegerField(_("proposed seats"))
    seats = models.PositiveIntegerField(_("seats"))
    basis = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme_year", "centre", "vocation"]
        verbose_name = _("seat plan")
        verbose_name_plural = _("seat plans")
        constraints = [models.UniqueConstraint(fields=["programme_year", "centre", "vocation"],
                                               name="seat_plan_once")]

    def __str__(self):
        return f"{self.programme_year_id} {self.centre_id} {self.vocation_id}: {self.seats}"
