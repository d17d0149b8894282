"""Personal-data rights under UU 27/2022 (PDP): requests and their deadline, a person's data export, erasure,
retention and breach readiness.

Which rows belong to a person is said once, in ``PERSON_ROWS``: for every model that holds a person's data, the
lookups from that model to the person. The export shows every field of those rows (``EXPORT_OMIT`` names the few
secrets left out); the erasure scrubs the fields ``ERASE`` names and every value that still contains one of the
person's identifying strings. kompeten/privacy/tests/test_model_walk.py walks the models from Person and fails on
a personal field that ``PERSON_ROWS`` or the export misses.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
from collections import Counter, defaultdict
from decimal import Decimal

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.errors import DomainError
from kompeten.privacy.models import (
    TRANSITIONS,
    Erasure,
    PrivacyRequest,
    PrivacyRequestEvent,
    RequestKind,
    RequestStatus,
)

log = logging.getLogger("kompeten.privacy")

EXPORT_FORMAT = "kompeten.person-export/1"
ERASED = "[erased]"
ERASED_BIRTH_DATE = datetime.date(1900, 1, 1)  # Person.birth_date is required: a date that is nobody's

# For every model that holds a person's data: the lookups (OR-ed) from the model to the person's id.
PERSON_ROWS: dict[str, list[str]] = {
    "registry.Person": ["pk"],
    "accounts.User": ["person"],
    "registry.PriorTraining": ["person"],
    "registry.Consent": ["person"],
    "registry.PersonDocument": ["person"],
    "selection.Application": ["person"],
    "selection.Choice": ["application__person"],
    "selection.Offer": ["application__person"],
    "training.Enrolment": ["person"],
    "training.Attendance": ["enrolment__person"],
    "assessment.Assessment": ["person"],
    "assessment.UnitResult": ["assessment__person"],
    "assessment.Amendment": ["assessment__person"],
    "assessment.Appeal": ["assessment__person"],
    "certificates.Certificate": ["person"],
    "certificates.StatusChange": ["certificate__person"],
    "certificates.LedgerEntry": ["certificate__person"],
    "certificates.ExpiryReminder": ["certificate__person"],
    "apprenticeships.Application": ["person"],
    "apprenticeships.Placement": ["person"],
    "apprenticeships.PlacementEvent": ["placement__person"],
    "apprenticeships.LogbookEntry": ["placement__person"],
    "apprenticeships.MonitoringVisit": ["placement__person"],
    "jobs.Hire": ["person"],
    "jobs.CandidateProfile": ["person"],
    "jobs.Invitation": ["person"],
    "jobs.OutcomeSurvey": ["person"],
    "jobs.Outcome": ["person"],
    "jobs.Ak1Report": ["person"],
    "reporting.Fact": ["person"],
    "linkage.SourceRecord": ["person", "registration", "links__person"],
    "linkage.BlockingKey": ["record__person", "record__registration", "record__links__person"],
    "linkage.Link": ["person"],
    "linkage.MergeEvent": ["survivor", "merged"],
    "linkage.ReviewItem": ["record__person", "record__registration", "other__person", "other__registration"],
    "privacy.PrivacyRequest": ["person"],
    "privacy.PrivacyRequestEvent": ["request__person"],
    "privacy.Erasure": ["person"],
}

# Secrets that are not the person's data about themselves (a password hash, a survey's access token).
EXPORT_OMIT: dict[str, set[str]] = {
    "accounts.User": {"password"},
    "jobs.OutcomeSurvey": {"token"},
}

# What erasure does to each model's personal fields: a value to set, or DELETE (the rows go).
DELETE = object()
FILE = object()  # a stored file: deleted from storage, the field emptied
ERASE: dict[str, dict] = {
    "registry.Person": {
        "full_name": ERASED, "birth_place": "", "birth_date": ERASED_BIRTH_DATE, "phone": "", "email": "",
        "street": "", "rt": "", "rw": "", "village": None, "education": None, "major": "", "disability": False,
        "disability_kind": "", "ak1_number": "", "ak1_expires": None, "ak1_closed_on": None, "nik_warnings": [],
        "user": None,
    },
    "accounts.User": {"full_name": ERASED, "email": None, "phone": None, "is_active": False},
    "registry.PriorTraining": DELETE,
    "registry.PersonDocument": DELETE,
    "training.Enrolment": {"outcome_note": ""},
    "assessment.Assessment": {"work_experience": "", "apl01_data": {}},
    "assessment.UnitResult": {"notes": ""},
    "assessment.Amendment": {"reason": ""},
    "assessment.Appeal": {"grounds": "", "outcome": ""},
    # The retention rule: a certificate keeps its number, scheme, dates and status (re-signed without the name).
    "certificates.Certificate": {"holder_name": ERASED, "holder_birth_date": None},
    "apprenticeships.Application": {"decision_note": ""},
    "apprenticeships.Placement": {"status_reason": "", "final_notes": "", "signed_scan": FILE},
    "apprenticeships.PlacementEvent": {"reason": ""},
    "apprenticeships.LogbookEntry": {"activities": "", "mentor_note": ""},
    "apprenticeships.MonitoringVisit": {"findings": "", "follow_up": ""},
    "jobs.Hire": {"note": ""},
    "jobs.CandidateProfile": DELETE,
    "jobs.Invitation": {"message": ""},
    "jobs.Outcome": {"employer": "", "note": ""},
    "jobs.Ak1Report": {"employer": ""},
    "linkage.SourceRecord": {
        "raw": {}, "nik": "", "nik15": "", "nik_problems": [], "name": ERASED, "birth_date": None, "birth_place": "",
        "phone": "", "email": "", "address": "", "region": "", "kk": "",
    },
    "linkage.BlockingKey": DELETE,
    "privacy.PrivacyRequest": {"details": ""},
}

# Retention policy (docs: kompeten/privacy/README section in services.apply_retention).
PERSON_RETENTION_YEARS = 5   # personal data of a job seeker: 5 years after their last activity
DOCUMENT_RETENTION_YEARS = 2  # uploaded documents (KTP, ijazah scans): 2 years after upload

# The kinds of data a logged access revealed, for the breach notification letter.
PAGE_DATA = {
    "person": ["identity", "contact", "address", "education", "employment", "disability", "training_history",
               "documents"],
    "nik": ["nik"],
    "request": ["identity"],
    "application": ["identity", "application"],
    "assessment": ["identity", "assessment"],
    "certificate": ["identity", "certificate"],
    "placement": ["identity", "contact", "apprenticeship"],
    "outcome": ["identity", "employment"],
    "export": ["identity", "contact", "address", "education", "employment"],
    "data_export": ["all"],
}
DATA_KIND_LABELS = {
    "identity": "name, NIK (masked), sex, date and place of birth", "nik": "full NIK",
    "contact": "phone number, email", "address": "street address, RT/RW, village",
    "education": "education level and major", "employment": "employment status, AK/1 card",
    "disability": "disability (specific personal data)", "training_history": "prior training",
    "documents": "uploaded documents", "application": "selection applications", "assessment": "assessment results",
    "certificate": "certificates", "apprenticeship": "apprenticeship placement", "all": "all of the person's data",
}


def _error(code: str, message: str, **params) -> DomainError:
    return DomainError(code, message, **params)


def _model(label: str):
    return apps.get_model(label)


def _person_condition(label: str, person_ids) -> Q:
    condition = Q()
    for lookup in PERSON_ROWS[label]:
        condition |= Q(**{f"{lookup}__in": person_ids})
    return condition


def person_rows(label: str, person_ids) -> models.QuerySet:
    """The rows of model ``label`` that belong to the persons ``person_ids`` (the registrations of one person)."""
    model = _model(label)
    return model._default_manager.filter(_person_condition(label, person_ids)).distinct().order_by("pk")


def registrations(person) -> list[int]:
    """The ids of the person's registrations (the one given and those merged with it)."""
    return person.same_person_ids()


# --- export ------------------------------------------------------------------------------------------------

def exported_fields(label: str) -> list[models.Field]:
    """The fields of ``label`` the export shows: every concrete field but the secrets of ``EXPORT_OMIT``."""
    omit = EXPORT_OMIT.get(label, set())
    return [field for field in _model(label)._meta.concrete_fields if field.name not in omit]


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def _row(obj, fields) -> dict:
    row = {}
    for field in fields:
        if field.is_relation:
            pk = getattr(obj, field.attname)
            if pk is None or field.related_model._meta.label == "accounts.User":
                row[field.name] = pk
            else:
                row[field.name] = {"id": _plain(pk), "label": str(getattr(obj, field.name))}
        else:
            row[field.name] = _plain(getattr(obj, field.attname))
    return row


def _history(person_ids, keys: dict[str, set[str]], user_id) -> list[dict]:
    """The audit entries about the person's rows, and those the person's account wrote."""
    condition = Q(object_type="registry.person", object_id__in=[str(pk) for pk in person_ids])
    for object_type, ids in keys.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=sorted(ids))
    if user_id:
        condition |= Q(actor_id=user_id)
    entries = AuditEntry.objects.filter(condition).order_by("at", "pk")
    return [{"at": e.at.isoformat(), "by": e.actor_label, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "object": e.object_label, "changes": e.changes, "note": e.note}
            for e in entries]


def export_person_data(person) -> dict:
    """All of the person's data (every registration's) and the history of its processing, JSON-ready."""
    ids = registrations(person)
    records: dict[str, list[dict]] = {}
    keys: dict[str, set[str]] = defaultdict(set)
    for label in PERSON_ROWS:
        fields = exported_fields(label)
        rows = list(person_rows(label, ids))
        if rows:
            records[label] = [_row(obj, fields) for obj in rows]
            keys[rows[0]._meta.label_lower].update(str(obj.pk) for obj in rows)
    user_id = next((row["id"] for row in records.get("accounts.User", [])), None)
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "person_id": person.pk,
        "registrations": ids,
        "records": records,
        "processing_history": _history(ids, keys, user_id),
    }


def export_json(person) -> bytes:
    return json.dumps(export_person_data(person), ensure_ascii=False, indent=2, sort_keys=False).encode()


def export_pdf(person, data: dict | None = None) -> bytes:
    """The export as a readable PDF: one section per kind of record, field by field, then the history."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    data = data or export_person_data(person)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)

    def para(value) -> Paragraph:
        if isinstance(value, dict) and set(value) == {"id", "label"}:
            value = value["label"]
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        return Paragraph(escape("" if value is None else str(value)), small)

    story = [Paragraph(escape(_("My personal data in Kompeten")), styles["Title"]),
             Paragraph(escape(_("Generated on %(time)s") % {"time": data["generated_at"]}), styles["Normal"]),
             Spacer(1, 6 * mm)]
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    for label, rows in data["records"].items():
        model = _model(label)
        story.append(Paragraph(escape(str(model._meta.verbose_name_plural).capitalize()), styles["Heading2"]))
        names = {field.name: str(field.verbose_name) for field in exported_fields(label)}
        for row in rows:
            table = Table([[para(names.get(key, key)), para(value)] for key, value in row.items()],
                          colWidths=[50 * mm, 120 * mm])
            table.setStyle(style)
            story += [table, Spacer(1, 3 * mm)]
    story.append(Paragraph(escape(_("History of the processing of my data")), styles["Heading2"]))
    history = [[para(_("Time")), para(_("By")), para(_("Action")), para(_("Object"))]]
    history += [[para(e["at"][:16].replace("T", " ")), para(e["by"]), para(e["action"]),
                 para(f'{e["object_type"]} {e["object"]}')] for e in data["processing_history"]]
    table = Table(history, colWidths=[30 * mm, 40 * mm, 25 * mm, 75 * mm], repeatRows=1)
    table.setStyle(style)
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=_("My personal data"), leftMargin=18 * mm,
                      rightMargin=18 * mm).build(story)
    return buffer.getvalue()


def log_data_export(request, person, fmt: str) -> AuditEntry:
    return record(AuditEntry.Action.EXPORT, person, by=request.user, request=request, note=f"data_export:{fmt}",
                  object_label=f"#{person.pk}")


# --- access logging (breach readiness) -------------------------------------------------------------------------

def log_view(request, person, page: str = "person", obj=None) -> AuditEntry:
    """Record that the request's user viewed ``person``'s data on a page (``page`` is a key of ``PAGE_DATA``;
    ``obj`` the object shown when it is not the person itself). One line in every person-revealing view."""
    note = page if obj is None else f"{page}:{obj._meta.label_lower}#{obj.pk}"
    return record(AuditEntry.Action.VIEW, by=request.user, request=request, object_type="registry.person",
                  object_id=person.pk, object_label=f"#{person.pk}", note=note)


def log_export(request, person_ids, label: str, page: str = "export", note: str = "") -> AuditEntry:
    """Record that the request's user exported the data of many persons (a list export): the ids go in the entry,
    so that the access report can name them. ``note``: e.g. the (masked) query of the export."""
    ids = sorted({int(pk) for pk in person_ids})
    return record(AuditEntry.Action.EXPORT, by=request.user, request=request, object_type="registry.person",
                  object_id="*", object_label=label[:200], note=f"{page}:{note}" if note else page,
                  changes={"person_ids": [None, ids]})


def _owner_lookup() -> dict[str, tuple]:
    """{object type (label_lower): (model, lookup to the person)} of the models of PERSON_ROWS."""
    result = {}
    for label, lookups in PERSON_ROWS.items():
        model = _model(label)
        if label != "registry.Person":
            result[model._meta.label_lower] = (model, lookups[0])
    return result


def _regency(person) -> tuple[str, str]:
    from kompeten.reference.models import Region

    region = person.village
    while region is not None and region.level != Region.Level.REGENCY:
        region = region.parent
    if region is None and len(person.nik) == 16 and person.nik.isdigit():
        region = Region.objects.filter(code=f"{person.nik[:2]}.{person.nik[2:4]}").first()
    return (region.code, region.name) if region else ("", _("unknown"))


def access_report(user, start: datetime.datetime, end: datetime.datetime) -> dict:
    """From the audit log alone: whose records ``user`` viewed or exported in [start, end), and the facts of the
    notification letter (number of persons, kinds of data, time window, persons per regency)."""
    from kompeten.registry.models import Person

    if end <= start:
        raise _error("bad_window", _("The end of the time window must be after its start."))
    owners = _owner_lookup()
    entries = (AuditEntry.objects.filter(actor=user, at__gte=start, at__lt=end,
                                         object_type__in=["registry.person", *owners],
                                         action__in=[AuditEntry.Action.VIEW, AuditEntry.Action.VIEW_NIK,
                                                     AuditEntry.Action.EXPORT])
               .order_by("at", "pk"))
    per_person: dict[int, dict] = {}
    unattributed = 0

    def touch(pk: int, entry, kinds: list[str]):
        item = per_person.setdefault(pk, {"actions": Counter(), "kinds": set(), "first": entry.at, "last": entry.at})
        item["actions"][entry.action] += 1
        item["kinds"].update(kinds)
        item["last"] = entry.at

    for entry in entries:
        page = entry.note.split(":", 1)[0] if entry.note else ""
        if entry.action == AuditEntry.Action.VIEW_NIK:
            kinds = PAGE_DATA["nik"]
        elif entry.action == AuditEntry.Action.EXPORT:
            kinds = PAGE_DATA["data_export"] if page == "data_export" else PAGE_DATA.get(page, PAGE_DATA["export"])
        else:
            kinds = PAGE_DATA.get(page, PAGE_DATA["person"])
        if entry.object_type != "registry.person" and entry.object_id.isdigit():
            # An object of a person (a document downloaded, a certificate file): the person it belongs to.
            model, lookup = owners[entry.object_type]
            kinds = [*kinds, "documents"] if entry.object_type == "registry.persondocument" else kinds
            for pk in model._default_manager.filter(pk=entry.object_id).values_list(lookup, flat=True):
                if pk is not None:
                    touch(pk, entry, kinds)
        elif entry.object_type == "registry.person" and entry.object_id.isdigit():
            touch(int(entry.object_id), entry, kinds)
        elif entry.object_type == "registry.person":
            ids = (entry.changes or {}).get("person_ids", [None, None])[1]
            if not ids:
                unattributed += 1
            for pk in ids or []:
                touch(int(pk), entry, kinds)
    persons = Person.objects.filter(pk__in=per_person).select_related("village__parent__parent")
    regencies: Counter = Counter()
    kinds: set[str] = set()
    rows = []
    for person in persons.order_by("pk"):
        item = per_person[person.pk]
        code, name = _regency(person)
        regencies[(code, name)] += 1
        kinds |= item["kinds"]
        rows.append({"person_id": person.pk, "name": person.full_name, "nik": person.masked_nik,
                     "regency": name, "actions": dict(item["actions"]), "data": sorted(item["kinds"]),
                     "first": item["first"].isoformat(), "last": item["last"].isoformat()})
    return {
        "user": str(user), "user_id": user.pk,
        "window": {"from": start.isoformat(), "to": end.isoformat()},
        "persons": rows,
        "unattributed_exports": unattributed,
        "letter": {
            "number_of_persons": len(rows),
            "kinds_of_data": [DATA_KIND_LABELS[kind] for kind in sorted(kinds)],
            "time_window": {"from": start.isoformat(), "to": end.isoformat()},
            "first_access": min((r["first"] for r in rows), default=None),
            "last_access": max((r["last"] for r in rows), default=None),
            "per_regency": [{"code": code, "regency": name, "persons": n}
                            for (code, name), n in sorted(regencies.items())],
        },
    }


# --- requests ----------------------------------------------------------------------------------------------

def submit_request(person, *, kind: str, details: str = "", by, channel: str = PrivacyRequest.Channel.WEB,
                   request=None, at: datetime.datetime | None = None) -> PrivacyRequest:
    """Receive a request; it is due 3 × 24 hours later. One open request of a kind per person."""
    if kind not in RequestKind.values:
        raise _error("bad_kind", _("Unknown kind of request."))
    if person.privacy_requests.open().filter(kind=kind).exists():
        raise _error("already_open", _("You already have an open request of this kind; we are handling it."))
    if hasattr(person, "erasure"):
        raise _error("erased", _("This person's data has been erased."))
    with transaction.atomic():
        req = PrivacyRequest.objects.create(person=person, kind=kind, details=details.strip()[:4000],
                                            channel=channel, submitted_by=by, received_at=at or timezone.now())
        PrivacyRequestEvent.objects.create(request=req, new_status=req.status, by=by, at=req.received_at)
        record(AuditEntry.Action.CREATE, req, by=by, request=request, note=f"{kind} for person {person.pk}")
    return req


def change_status(req: PrivacyRequest, *, status: str, by, note: str = "", request=None) -> PrivacyRequest:
    """Move a request on; DONE and REJECTED need a note saying what was done or why not. DONE of an erasure
    request erases the person's data first."""
    if status not in TRANSITIONS.get(req.status, set()):
        raise _error("bad_transition", _("A request that is %(status)s cannot become %(new)s."),
                     status=req.get_status_display(), new=RequestStatus(status).label
                     if status in RequestStatus.values else status)
    note = (note or "").strip()
    if status in (RequestStatus.DONE, RequestStatus.REJECTED) and not note:
        raise _error("note_required", _("Say what was done, or why the request is rejected."))
    given = req
    with transaction.atomic():
        req = PrivacyRequest.objects.select_for_update().get(pk=req.pk)
        if status not in TRANSITIONS.get(req.status, set()):
            raise _error("changed", _("The request was changed meanwhile; reload the page."))
        if status == RequestStatus.DONE and req.kind == RequestKind.ERASURE and not hasattr(req.person, "erasure"):
            erase_person(req.person, by=by, reason=Erasure.Reason.REQUEST, privacy_request=req, request=request)
            req.refresh_from_db()
        old = req.status
        now = timezone.now()
        req.status = status
        if status in (RequestStatus.DONE, RequestStatus.REJECTED):
            req.handled_by, req.handled_at, req.outcome = by, now, note
        req.save(update_fields=["status", "handled_by", "handled_at", "outcome"])
        PrivacyRequestEvent.objects.create(request=req, old_status=old, new_status=status, note=note, by=by, at=now)
        record(AuditEntry.Action.TRANSITION, req, by=by, request=request, changes={"status": [old, status]})
    given.status, given.handled_by, given.handled_at, given.outcome = (req.status, req.handled_by, req.handled_at,
                                                                      req.outcome)
    return req


def overdue_requests(now: datetime.datetime | None = None):
    return PrivacyRequest.objects.overdue(now).select_related("person", "person__registered_centre")


# --- erasure -----------------------------------------------------------------------------------------------

def _tokens(persons, users) -> list[str]:
    """The identifying strings of a person that must not survive anywhere: NIK, names, phones, emails, street."""
    tokens = set()
    for p in persons:
        tokens |= {p.nik, p.full_name, p.phone, p.email, p.street, p.birth_date.isoformat(),
                   p.birth_date.strftime("%d-%m-%Y"), p.birth_date.strftime("%d/%m/%Y"), p.ak1_number}
    for u in users:
        tokens |= {u.email or "", u.phone or "", u.full_name}
    return sorted((t for t in tokens if t and len(t) >= 4 and t != ERASED), key=len, reverse=True)


def _scrub(value, tokens):
    """``value`` with every token replaced (case-insensitively) by ERASED, through lists and dicts."""
    if isinstance(value, str):
        lowered = value.lower()
        for token in tokens:
            start = lowered.find(token.lower())
            while start >= 0:
                value = value[:start] + ERASED + value[start + len(token):]
                lowered = value.lower()
                start = lowered.find(token.lower(), start + len(ERASED))
        return value
    if isinstance(value, list):
        return [_scrub(item, tokens) for item in value]
    if isinstance(value, dict):
        return {_scrub(key, tokens): _scrub(item, tokens) for key, item in value.items()}
    return value


def _redact_all(value):
    """Every leaf value of an audit ``changes`` pair replaced (booleans and None kept: no personal data)."""
    if isinstance(value, list):
        return [_redact_all(item) for item in value]
    if isinstance(value, dict):
        return {key: _redact_all(item) for key, item in value.items()}
    if value is None or isinstance(value, bool):
        return value
    return ERASED


def _text_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
            and not f.is_relation and not f.primary_key and not f.unique]


def _resign_certificate(cert) -> None:
    """The retention rule: the certificate keeps its number, scheme, dates and status, signed again without the
    holder's name and birth date, so that its public verification still answers."""
    from kompeten.certificates import codec, keystore
    from kompeten.certificates import services as certificates

    key = keystore.active_key(cert.issuer)
    signed_at = int(timezone.now().timestamp())
    cose = codec.sign(certificates._claims(cert, signed_at), keystore.private_key(key),
                      keystore.keys.b64url_decode(key.kid))
    type(cert).objects.filter(pk=cert.pk).update(key=key, qr_digits=codec.to_digits(cose),
                                                 holder_name=cert.holder_name,
                                                 holder_birth_date=cert.holder_birth_date)


def _redact_audit(persons, users, keys: dict[str, set[str]], tokens) -> int:
    """Pseudonymise the audit entries about the person's rows, those their account wrote, and any entry that still
    contains one of their identifying strings."""
    person_ids = [str(p.pk) for p in persons]
    own = Q(object_type="registry.person", object_id__in=person_ids)
    related = Q(pk__in=[])
    for object_type, ids in keys.items():
        if ids:
            related |= Q(object_type=object_type, object_id__in=sorted(ids))
    by_person = Q(actor__in=[u.pk for u in users]) if users else Q(pk__in=[])
    mentions = Q(pk__in=[])
    text = Cast("changes", models.TextField())
    for token in tokens:
        mentions |= Q(object_label__icontains=token) | Q(note__icontains=token) | Q(actor_label__icontains=token)
    entries = (AuditEntry.objects.annotate(changes_text=text)
               .filter(own | related | by_person | mentions | _json_mentions(tokens)).distinct())
    updates = {}
    for entry in entries:
        new = {}
        is_own = entry.object_type == "registry.person" and entry.object_id in person_ids
        changes = (
            {key: _redact_all(value) if not key.startswith("consent:") else value
             for key, value in entry.changes.items()} if is_own and isinstance(entry.changes, dict)
            else _scrub(entry.changes, tokens))
        if changes != entry.changes:
            new["changes"] = changes
        label = ERASED if is_own and entry.object_label and not entry.object_label.startswith("#") \
            else _scrub(entry.object_label, tokens)
        if label != entry.object_label:
            new["object_label"] = label
        note = _scrub(entry.note, tokens)
        if note != entry.note:
            new["note"] = note
        if users and entry.actor_id in {u.pk for u in users}:
            new["actor_label"] = ERASED
            if entry.ip_address:
                new["ip_address"] = None
        else:
            actor_label = _scrub(entry.actor_label, tokens)
            if actor_label != entry.actor_label:
                new["actor_label"] = actor_label
        if new:
            updates[entry.pk] = new
    AuditEntry.objects.redact(updates)
    return len(updates)


def _json_mentions(tokens) -> Q:
    """Audit entries whose ``changes`` JSON contains one of the tokens (the JSON text, as ASCII or not)."""
    condition = Q(pk__in=[])
    for token in tokens:
        condition |= Q(changes_text__icontains=token)
        escaped = json.dumps(token)[1:-1]
        if escaped != token:
            condition |= Q(changes_text__icontains=escaped)
    return condition


def erase_person(person, *, by, reason: str = Erasure.Reason.REQUEST, privacy_request=None, request=None) -> Erasure:
    """Erase (pseudonymise or delete) the person's personal data in every table, the audit log included; keep
    the certificates under the retention rule; take the person out of the figures. Returns the erasure record."""
    from django.contrib.auth.hashers import make_password

    from kompeten.registry.models import Consent, Person
    from kompeten.reporting.models import StalePerson
    from kompeten.reporting.refresh import forget_person

    with transaction.atomic():
        ids = registrations(person)
        persons = list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if Erasure.objects.filter(person_id__in=ids).exists():
            raise _error("already_erased", _("This person's data has already been erased."))
        users = [p.user for p in persons if p.user_id]
        tokens = _tokens(persons, users)
        summary: Counter = Counter()
        keys: dict[str, set[str]] = defaultdict(set)
        # Rows first collected (the audit keys), then changed.
        rows = {label: list(person_rows(label, ids)) for label in PERSON_ROWS}
        for objs in rows.values():
            if objs:
                keys[objs[0]._meta.label_lower].update(str(obj.pk) for obj in objs)
        # Consents: nothing is processed any more (new records, as a withdrawal always is).
        for p in persons:
            for purpose in Consent.objects.filter(person=p, given=True).values_list("purpose", flat=True).distinct():
                Consent.objects.create(person=p, purpose=purpose, given=False, text_version="erasure",
                                       channel=Consent.Channel.OPERATOR, recorded_by=by if _is_user(by) else None)
        for label, objs in rows.items():
            # The person row is done last; the certificate ledger is hash-chained and holds no personal data.
            if not objs or label in ("registry.Person", "certificates.LedgerEntry"):
                continue
            model = type(objs[0])
            rule = ERASE.get(label, {})
            pks = [obj.pk for obj in objs]
            if rule is DELETE:
                for obj in objs:
                    for field in obj._meta.concrete_fields:
                        if isinstance(field, models.FileField) and getattr(obj, field.attname):
                            getattr(obj, field.name).delete(save=False)
                model._default_manager.filter(pk__in=pks).delete()
                summary[label] += len(pks)
                continue
            if label == "accounts.User":
                for obj in objs:
                    model._default_manager.filter(pk=obj.pk).update(password=make_password(None), **rule)
                summary[label] += len(pks)
                continue
            text_fields = _text_fields(model)
            for obj in objs:
                changes = {}
                for name, value in rule.items():
                    if value is FILE:
                        if getattr(obj, name):
                            getattr(obj, name).delete(save=False)
                        changes[name] = ""
                    else:
                        changes[name] = value
                for field in text_fields:
                    if field.name in changes:
                        continue
                    current = getattr(obj, field.attname)
                    scrubbed = _scrub(current, tokens)
                    if scrubbed != current:
                        changes[field.name] = scrubbed
                if changes:
                    model._default_manager.filter(pk=obj.pk).update(**changes)
                    summary[label] += 1
                if label == "certificates.Certificate":
                    obj.holder_name, obj.holder_birth_date = ERASED, None
                    _resign_certificate(obj)
        for p in persons:
            Person.objects.filter(pk=p.pk).update(nik=f"X{p.pk:015d}"[-16:], **ERASE["registry.Person"])
            summary["registry.Person"] += 1
        # The axes login records carry the account's email.
        _forget_logins(users)
        summary["audit.AuditEntry"] = _redact_audit(persons, users, keys, tokens)
        for p in persons:
            forget_person(p.pk)
        StalePerson.objects.filter(person_id__in=ids).delete()
        _model("jobs.CandidateProfile")._default_manager.filter(person_id__in=ids).delete()
        erasure = Erasure.objects.create(person=person, reason=reason, request=privacy_request,
                                         by=by if _is_user(by) else None, summary=dict(summary))
        record(AuditEntry.Action.ERASE, person, by=by, request=request, object_label=f"#{person.pk}",
               note=f"{reason}: {sum(summary.values())} rows")
    log.info("erased person %s (%s): %s", person.pk, reason, dict(summary))
    return erasure


def _is_user(by) -> bool:
    return by is not None and getattr(by, "is_authenticated", False)


def _forget_logins(users) -> None:
    emails = [u.email for u in users if u.email]
    if not emails or not apps.is_installed("axes"):
        return
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__in=emails).delete()


# --- retention ---------------------------------------------------------------------------------------------

def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def last_activity():
    """Per person, the moment of their last recorded activity (registration, profile change, application,
    enrolment, assessment, certificate, placement, outcome, consent, request)."""
    from django.db.models import F, Max
    from django.db.models.functions import Coalesce, Greatest

    from kompeten.registry.models import Person

    parts = [Max("updated_at"), Max("created_at"), Max("consents__at"), Max("applications__submitted_at"),
             Max("enrolments__enrolled_at"), Max("enrolments__completed_at"), Max("certificates__issued_at"),
             Max("apprenticeships__created_at"), Max("outcomes__recorded_at"), Max("privacy_requests__received_at")]
    parts = [Coalesce(part, F("created_at")) for part in parts]
    return Person.objects.annotate(last_activity=Greatest(*parts))


def apply_retention(today: datetime.date | None = None, *, dry_run: bool = False, by=None) -> dict:
    """The retention policy (UU 27/2022 art. 43-44: data kept no longer than its purpose needs):

    1. a job seeker's personal data is erased (``erase_person``, reason "retention") when their last activity
       is more than PERSON_RETENTION_YEARS (5) years ago and they have no open request, no enrolment or
       placement still running; their certificates are kept under the certificate rule (number, scheme, dates,
       status: verification of a certificate must keep working for its whole life);
    2. uploaded documents (KTP, ijazah, photo scans) are deleted DOCUMENT_RETENTION_YEARS (2) years after upload,
       except the newest of each kind of a person active within that time.

    Returns what was (with dry_run: would be) erased and deleted."""
    from kompeten.registry.models import PersonDocument

    today = today or timezone.localdate()
    person_cutoff = timezone.make_aware(datetime.datetime.combine(_years_before(today, PERSON_RETENTION_YEARS),
                                                                  datetime.time.min))
    document_cutoff = timezone.make_aware(datetime.datetime.combine(
        _years_before(today, DOCUMENT_RETENTION_YEARS), datetime.time.min))
    running = (Q(enrolments__status="enrolled") | Q(apprenticeships__status__in=["draft", "signed", "active", "paused"])
               | Q(privacy_requests__status__in=["received", "in_progress"]))
    due = (last_activity().filter(last_activity__lt=person_cutoff, erasure__isnull=True, merged_into__isnull=True)
           .exclude(running).order_by("pk"))
    persons = list(due)
    documents = PersonDocument.objects.filter(uploaded_at__lt=document_cutoff).exclude(
        person__in=[p.pk for p in persons])
    recent = last_activity().filter(last_activity__gte=document_cutoff).values("pk")
    newest = {}
    for doc in PersonDocument.objects.filter(person__in=recent).order_by("person", "kind", "-uploaded_at", "-id"):
        newest.setdefault((doc.person_id, doc.kind), doc.pk)
    documents = [doc for doc in documents if doc.pk not in newest.values()]
    result = {"today": today.isoformat(), "dry_run": dry_run, "persons_erased": [p.pk for p in persons],
              "documents_deleted": [doc.pk for doc in documents]}
    if dry_run:
        return result
    for person in persons:
        erase_person(person, by=by, reason=Erasure.Reason.RETENTION)
    for doc in documents:
        with transaction.atomic():
            doc.file.delete(save=False)
            PersonDocument.objects.filter(pk=doc.pk).delete()
            record(AuditEntry.Action.DELETE, doc, by=by, object_label=f"{doc.kind} #{doc.pk}",
                   note="retention")
    return result
