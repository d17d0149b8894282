"""The outcome tracer: surveys 3, 6 and 12 months after a completed training, a competency certificate or a
completed apprenticeship, the answers they collect, phone follow-ups, and the placement rates they add up to.

    schedule(today)   creates the surveys that are due by ``today`` (idempotent: one per trigger and months)
    send_due(today)   sends the due surveys (SMS / WhatsApp when the person has a phone, else email) and one
                      reminder after seven days without an answer, to persons whose latest OUTCOME_SURVEYS
                      consent is given; the others are counted, never dropped
    respond(...)      the person's own answer on the public survey page (source "self"), once
    record_followup   an officer's phone follow-up of one survey (source "operator"), once
    rates(...)        per centre, vocation, sector or cohort: completed, due, sent, not asked, answered, working

A survey's *known situation* is its own answer (self-report or phone follow-up); without one, the latest outcome
confirmed by a company (a recorded hire) or recorded by an officer between the completion and the due date. So a
placement rate counts every completer ("working among all": non-response counts as not known to work) next to
the rate among those who answered, and the source of each working outcome is counted.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from kompeten.apprenticeships.rules import add_months
from kompeten.core.errors import DomainError
from kompeten.jobs import notifications, services
from kompeten.jobs.models import (
    SURVEY_MONTHS,
    WORKING,
    Outcome,
    OutcomeSource,
    OutcomeSurvey,
    Trigger,
)
from kompeten.registry.models import Consent

REMINDER_DAYS = 7  # one reminder, this many days after the survey was sent without an answer
SEND_WINDOW_DAYS = 30  # a survey not sent within this many days of its due date is no longer sent (it stays
#                        counted as due and not sent: a first run on old data does not send years of surveys)
GROUPS = ("centre", "vocation", "sector", "cohort")

MESSAGES = {
    "survey_answered": _("This survey has already been answered. Thank you!"),
    "no_consent": _("%(person)s has not consented to outcome surveys (or has withdrawn the consent): do not call "
                    "about this survey. What you learn otherwise can be recorded on the person's outcomes page."),
    "unknown_group": _("Rates are grouped by centre, vocation, sector or cohort, not %(by)r."),
    "unknown_months": _("Surveys are made 3, 6 or 12 months after completion, not %(months)r."),
}


def _error(code: str, **params) -> DomainError:
    return DomainError(code, MESSAGES[code], **params)


def _moment(today: datetime.date) -> datetime.datetime:
    """Now, or (when acting as if today were another day: the CLI's --today) that day at the current time."""
    now = timezone.localtime()
    if today == now.date():
        return now
    return timezone.make_aware(datetime.datetime.combine(today, now.time()))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def latest_consent(person_ref: str = "person"):
    """The given-flag of the person's latest OUTCOME_SURVEYS consent record (False when there is none)."""
    latest = (Consent.objects.filter(person=OuterRef(person_ref), purpose=Consent.Purpose.OUTCOME_SURVEYS)
              .order_by("-at", "-pk").values("given")[:1])
    return Coalesce(Subquery(latest, output_field=BooleanField()), Value(False))


def has_consent(person) -> bool:
    latest = (person.consents.filter(purpose=Consent.Purpose.OUTCOME_SURVEYS).order_by("-at", "-pk")
              .values_list("given", flat=True).first())
    return bool(latest)


def first_name(person) -> str:
    return (person.full_name or "").split(" ")[0]


# --- scheduling -----------------------------------------------------------------------------------


def _completions(cutoff: datetime.date):
    """(trigger, trigger id, person, date, centre, vocation, batch) of every completion on or before ``cutoff``."""
    from kompeten.apprenticeships.models import Placement, PlacementStatus
    from kompeten.certificates.models import Certificate, CertificateKind
    from kompeten.training.models import Enrolment, EnrolmentStatus

    for row in (Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, batch__end_date__lte=cutoff)
                .values_list("pk", "person_id", "batch__end_date", "batch__centre_id",
                             "batch__package__vocation_id", "batch_id")):
        yield (Trigger.TRAINING, *row)
    # A competency certificate: the training it followed (directly or through the assessment), else the centre
    # that hosted the assessment event.
    certificates = (Certificate.objects.current().filter(kind=CertificateKind.COMPETENCY, issued_on__lte=cutoff)
                    .annotate(t_batch=Coalesce("enrolment__batch_id", "assessment__enrolment__batch_id"),
                              t_centre=Coalesce("enrolment__batch__centre_id",
                                                "assessment__enrolment__batch__centre_id",
                                                "assessment__event__centre_id"),
                              t_vocation=Coalesce("enrolment__batch__package__vocation_id",
                                                  "assessment__enrolment__batch__package__vocation_id"))
                    .values_list("pk", "person_id", "issued_on", "t_centre", "t_vocation", "t_batch"))
    for row in certificates:
        yield (Trigger.CERTIFICATION, *row)
    for row in (Placement.objects.filter(status=PlacementStatus.COMPLETED, ended_on__isnull=False,
                                         ended_on__lte=cutoff)
                .values_list("pk", "person_id", "ended_on")):
        yield (Trigger.APPRENTICESHIP, *row, None, None, None)


@transaction.atomic
def schedule(today: datetime.date | None = None) -> int:
    """Create the surveys due by ``today`` (``months`` after each completion) that do not exist yet; returns how
    many were created. Running it again creates nothing new; the unique constraint guards concurrent runs."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=89)  # three months are at least 89 days
    existing = set(OutcomeSurvey.objects.filter(trigger_date__lte=cutoff)
                   .values_list("trigger", "trigger_id", "months"))
    new = []
    for trigger, trigger_id, person_id, day, centre_id, vocation_id, batch_id in _completions(cutoff):
        for months in SURVEY_MONTHS:
            due = add_months(day, months)
            if due > today or (trigger, trigger_id, months) in existing:
                continue
            new.append(OutcomeSurvey(person_id=person_id, trigger=trigger, trigger_id=trigger_id, trigger_date=day,
                                     months=months, due_on=due, centre_id=centre_id, vocation_id=vocation_id,
                                     batch_id=batch_id))
    OutcomeSurvey.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


# --- sending --------------------------------------------------------------------------------------


def sms_channel() -> str:
    """What the SMS / WhatsApp adapter is: its class may say ``channel = "whatsapp"``; "sms" otherwise."""
    return getattr(import_string(settings.KOMPETEN_SMS_BACKEND), "channel", "sms")


def channel_for(person, sms: str | None = None) -> str:
    """The phone adapter when the person has a phone, else email; "" when neither."""
    if person.phone:
        return sms or sms_channel()
    return "email" if person.email else ""


def _deliver(survey, channel: str) -> None:
    """The survey's message on one channel only (notifications' sender uses every contact it is given)."""
    person = survey.person
    reach = SimpleNamespace(full_name=person.full_name, phone=person.phone if channel != "email" else "",
                            email=person.email if channel == "email" else "")
    notifications.survey_sent(SimpleNamespace(person=reach, months=survey.months, token=survey.token))


@transaction.atomic
def send_due(today: datetime.date | None = None) -> dict[str, int]:
    """Send the surveys due by ``today`` that were not sent (within SEND_WINDOW_DAYS of their due date), and one
    reminder for those sent REMINDER_DAYS ago or more without an answer; at most one message per person a run
    (the others wait for the next run). Only to persons whose latest OUTCOME_SURVEYS consent is given.

    Returns the counts: sent, reminded, no_consent (not asked), no_contact (neither phone nor email), deferred."""
    today = today or timezone.localdate()
    moment = _moment(today)
    first = Q(sent_at__isnull=True, due_on__gte=today - datetime.timedelta(days=SEND_WINDOW_DAYS))
    reminder = Q(sent_at__lt=_start_of(today - datetime.timedelta(days=REMINDER_DAYS - 1)), reminders=0)
    surveys = (OutcomeSurvey.objects.filter(first | reminder, responded_at__isnull=True, due_on__lte=today)
               .annotate(consent=latest_consent()).select_related("person").order_by("due_on", "pk")
               .select_for_update(of=("self",)))
    counts = {"sent": 0, "reminded": 0, "no_consent": 0, "no_contact": 0, "deferred": 0}
    sms = sms_channel()
    reached: set[int] = set()
    changed = []
    for survey in surveys:
        if not survey.consent:
            counts["no_consent"] += 1
            continue
        channel = channel_for(survey.person, sms)
        if not channel:
            counts["no_contact"] += 1
            continue
        if survey.person_id in reached:
            counts["deferred"] += 1
            continue
        reached.add(survey.person_id)
        _deliver(survey, channel)
        if survey.sent_at is None:
            survey.sent_at = moment
            counts["sent"] += 1
        else:
            survey.reminders += 1
            counts["reminded"] += 1
        survey.channel = channel
        changed.append(survey)
    OutcomeSurvey.objects.bulk_update(changed, ["channel", "sent_at", "reminders"], batch_size=500)
    return counts


# --- answers --------------------------------------------------------------------------------------


def _answer(survey, data: dict, *, source: str, on: datetime.date, by, note: str = "", today=None,
            request=None) -> Outcome:
    survey = OutcomeSurvey.objects.select_for_update(of=("self",)).select_related("person").get(pk=survey.pk)
    if survey.responded_at is not None:
        raise _error("survey_answered")
    outcome = services.record_outcome(
        survey.person, status=data["status"], source=source, on=on, by=by, employer=data.get("employer") or "",
        sector=data.get("sector"), wage_band=data.get("wage_band") or "", survey=survey, note=note, today=today,
        request=request)
    survey.responded_at = timezone.now()
    survey.save(update_fields=["responded_at"])
    return outcome


@transaction.atomic
def respond(survey: OutcomeSurvey, data: dict, *, today: datetime.date | None = None, request=None) -> Outcome:
    """The person's own answer (status, employer, sector, wage_band), as of today; a survey answers once."""
    today = today or timezone.localdate()
    return _answer(survey, data, source=OutcomeSource.SELF, on=today, by=None, today=today, request=request)


@transaction.atomic
def record_followup(survey: OutcomeSurvey, data: dict, *, by, today: datetime.date | None = None,
                    request=None) -> Outcome:
    """An officer's phone follow-up of an unanswered survey (source "operator"); only with the person's consent
    to outcome surveys. ``data`` as for respond, with ``on`` (the day of the call) and ``note``."""
    today = today or timezone.localdate()
    if not has_consent(survey.person):
        raise _error("no_consent", person=survey.person.full_name)
    return _answer(survey, data, source=OutcomeSource.OPERATOR, on=data.get("on") or today, by=by,
                   note=data.get("note") or "", today=today, request=request)


# --- rates ----------------------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _group_fields(by: str) -> tuple[list[str], callable]:
    """The fields a group is made of, and the label of a row of them."""
    english = _english()

    def named(prefix):
        return lambda row: (row[f"{prefix}name_en"] if english and row[f"{prefix}name_en"] else row[f"{prefix}name"])

    if by == "centre":
        return ["centre_id", "centre__short_name"], lambda row: row["centre__short_name"]
    if by == "vocation":
        return ["vocation_id", "vocation__name", "vocation__name_en"], named("vocation__")
    if by == "sector":
        fields = ["vocation__sector_id", "vocation__sector__name", "vocation__sector__name_en"]
        return fields, named("vocation__sector__")
    if by == "cohort":
        fields = ["batch_id", "batch__package__name", "batch__number", "batch__programme_year__year",
                  "batch__centre__short_name"]
        return fields, lambda row: (f"{row['batch__package__name']} · {translation.gettext('Angkatan')} "
                                    f"{row['batch__number']} ({row['batch__programme_year__year']}) · "
                                    f"{row['batch__centre__short_name']}")
    raise _error("unknown_group", by=by)


NO_GROUP_LABELS = {
    "centre": _("No training centre (apprenticeships, other certifications)"),
    "vocation": _("No training (apprenticeships, other certifications)"),
    "sector": _("No training (apprenticeships, other certifications)"),
    "cohort": _("No training batch (apprenticeships, other certifications)"),
}


def measured(surveys=None, *, months: int = 6, year: int | None = None, today: datetime.date | None = None):
    """The surveys of ``months`` due by ``today`` (of completions in ``year``), with their known situation
    (known_status, known_source), own answer (own_status, own_source) and the person's consent (consent)."""
    if months not in SURVEY_MONTHS:
        raise _error("unknown_months", months=months)
    today = today or timezone.localdate()
    base = (surveys if surveys is not None else OutcomeSurvey.objects.all()).filter(months=months, due_on__lte=today)
    if year:
        base = base.filter(trigger_date__year=year)
    own = Outcome.objects.filter(survey=OuterRef("pk")).order_by("-on", "-pk")
    confirmed = Outcome.objects.filter(person=OuterRef("person"), source__in=[OutcomeSource.COMPANY,
                                                                             OutcomeSource.OPERATOR],
                                       on__gte=OuterRef("trigger_date"), on__lte=OuterRef("due_on")
                                       ).order_by("-on", "-pk")
    return (base.annotate(own_status=Subquery(own.values("status")[:1]),
                          own_source=Subquery(own.values("source")[:1]),
                          other_status=Subquery(confirmed.values("status")[:1]),
                          other_source=Subquery(confirmed.values("source")[:1]),
                          consent=latest_consent())
            .annotate(known_status=Coalesce("own_status", "other_status"),
                      known_source=Case(When(own_status__isnull=False, then=F("own_source")),
                                        default=F("other_source"))))


def _measures() -> dict:
    working = Q(known_status__in=WORKING)
    unsent = Q(sent_at__isnull=True)
    return {
        "completed": Count("person", distinct=True),
        "due": Count("pk"),
        "sent": Count("pk", filter=Q(sent_at__isnull=False)),
        "not_asked_no_consent": Count("pk", filter=unsent & Q(consent=False)),
        "not_asked_no_contact": Count("pk", filter=unsent & Q(consent=True, person__phone="", person__email="")),
        "answered": Count("pk", filter=Q(responded_at__isnull=False)),
        "answered_self": Count("pk", filter=Q(responded_at__isnull=False, own_source=OutcomeSource.SELF)),
        "answered_operator": Count("pk", filter=Q(responded_at__isnull=False, own_source=OutcomeSource.OPERATOR)),
        "known": Count("pk", filter=Q(known_status__isnull=False)),
        "working": Count("pk", filter=working),
        "working_answered": Count("pk", filter=Q(responded_at__isnull=False, own_status__in=WORKING)),
        "working_self": Count("pk", filter=working & Q(known_source=OutcomeSource.SELF)),
        "working_company": Count("pk", filter=working & Q(known_source=OutcomeSource.COMPANY)),
        "working_operator": Count("pk", filter=working & Q(known_source=OutcomeSource.OPERATOR)),
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _with_rates(row: dict) -> dict:
    row["not_answered"] = row["due"] - row["answered"]
    row["unknown"] = row["due"] - row["known"]
    row["response_rate"] = _ratio(row["answered"], row["due"])
    row["working_rate_answered"] = _ratio(row["working_answered"], row["answered"])
    row["working_rate_all"] = _ratio(row["working"], row["due"])
    return row


def rates(months: int = 6, by: str = "centre", year: int | None = None, *, today: datetime.date | None = None,
          surveys=None) -> list[dict]:
    """Per group (``by``: centre, vocation, sector of the vocation, cohort = batch): key, label, completed (persons),
    due, sent, not_asked_no_consent, not_asked_no_contact, answered (self / operator), not_answered, known,
    unknown, working (by source: self, company, operator), working_answered, and the rates response_rate,
    working_rate_answered (among the answered) and working_rate_all (among all due: non-response is not working).
    ``surveys``: the surveys to count (a user's scope); all by default. One query."""
    fields, label = _group_fields(by)
    rows = []
    for row in (measured(surveys, months=months, year=year, today=today).values(*fields)
                .annotate(**_measures()).order_by(*fields)):
        key = row[fields[0]]
        result = {"key": key, "label": label(row) if key is not None else str(NO_GROUP_LABELS[by])}
        result.update({name: row[name] for name in _measures()})
        rows.append(_with_rates(result))
    rows.sort(key=lambda r: (r["key"] is None, r["label"]))
    return rows


def rates_total(months: int = 6, year: int | None = None, *, today: datetime.date | None = None,
                surveys=None) -> dict:
    """The same measures over all groups (completed counts each person once). One query."""
    total = measured(surveys, months=months, year=year, today=today).aggregate(**_measures())
    return _with_rates({"key": None, "label": str(_("Total")), **total})
