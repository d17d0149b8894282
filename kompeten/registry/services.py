"""State changes of the registry. Views, import, API and CLI all call these functions."""

from django.db import transaction
from django.utils import timezone

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import diff, record, snapshot
from kompeten.registry.models import PERSON_AUDITED_FIELDS, Consent, Person, PriorTraining

CONSENT_TEXT_VERSION = "2025-01"


def _warning_codes(warnings) -> list[str]:
    return sorted({issue.code for issue in warnings})


@transaction.atomic
def register_person(*, data: dict, by, source: str, centre=None, nik_warnings=(), consents=(), channel=None,
                    request=None) -> Person:
    """Create a person from cleaned data; record the consents given; audit the creation."""
    person = Person(**data, source=source, registered_centre=centre, nik_warnings=_warning_codes(nik_warnings))
    person.save()
    for purpose in consents:
        Consent.objects.create(person=person, purpose=purpose, given=True, text_version=CONSENT_TEXT_VERSION,
                               channel=channel or source, recorded_by=by if by and by.is_authenticated else None)
    after = snapshot(person, PERSON_AUDITED_FIELDS)
    record(AuditEntry.Action.CREATE, person, by=by, changes={k: [None, v] for k, v in after.items() if v not in
                                                             (None, "", False)}, request=request)
    link_registration(person, by=by)
    return person


def link_registration(person: Person, *, by) -> None:
    """Record linkage (kompeten/linkage/services.py): the registration kept as a source record and linked to the
    person's other records — a bounded number of queries, in the same transaction."""
    from kompeten.linkage.services import record_registrations

    record_registrations([person], by=by)


@transaction.atomic
def update_person(person: Person, *, data: dict, by, nik_warnings=None, request=None) -> dict:
    """Apply changed fields; audit before -> after. Returns the diff (empty when nothing changed)."""
    locked = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(locked, PERSON_AUDITED_FIELDS)
    for name, value in data.items():
        setattr(locked, name, value)
    after = snapshot(locked, PERSON_AUDITED_FIELDS)
    changes = diff(before, after)
    if nik_warnings is not None and {"nik", "birth_date", "sex"} & changes.keys():
        locked.nik_warnings = _warning_codes(nik_warnings)
        locked.nik_confirmed_at = None
        locked.nik_confirmed_by = None
    if changes:
        locked.save()
        record(AuditEntry.Action.UPDATE, locked, by=by, changes=changes, request=request)
        link_registration(locked, by=by)
    for name in [*data, "nik_warnings", "nik_confirmed_at", "nik_confirmed_by"]:
        setattr(person, name, getattr(locked, name))
    return changes


def reveal_nik(person: Person, *, by, request=None) -> str:
    """The full NIK, for an authorised user; every look is logged."""
    record(AuditEntry.Action.VIEW_NIK, person, by=by, request=request)
    return person.nik


@transaction.atomic
def confirm_nik_warnings(person: Person, *, by, request=None) -> None:
    """An operator has checked the ID card: the NIK's warnings are accepted."""
    person.nik_confirmed_by = by
    person.nik_confirmed_at = timezone.now()
    person.save(update_fields=["nik_confirmed_by", "nik_confirmed_at", "updated_at"])
    record(AuditEntry.Action.CONFIRM, person, by=by, note="nik_warnings: " + ",".join(person.nik_warnings),
           request=request)


@transaction.atomic
def record_consent(person: Person, *, purpose: str, given: bool, channel: str, by, request=None) -> Consent:
    previous = person.consents.filter(purpose=purpose).order_by("-at", "-id").values_list("given", flat=True).first()
    consent = Consent.objects.create(person=person, purpose=purpose, given=given,
                                     text_version=CONSENT_TEXT_VERSION, channel=channel,
                                     recorded_by=by if by and by.is_authenticated else None)
    record(AuditEntry.Action.UPDATE, person, by=by, changes={f"consent:{purpose}": [previous, given]},
           request=request)
    return consent


def current_consents(person: Person) -> dict[str, Consent]:
    """The latest consent record per purpose."""
    latest: dict[str, Consent] = {}
    for consent in person.consents.order_by("at", "id"):
        latest[consent.purpose] = consent
    return latest


@transaction.atomic
def add_prior_training(person: Person, *, data: dict, by, request=None) -> PriorTraining:
    training = PriorTraining.objects.create(person=person, **data)
    record(AuditEntry.Action.CREATE, training, by=by, object_label=f"{person} · {training}",
           changes={k: [None, v] for k, v in snapshot(training, list(data)).items()}, request=request)
    return training
