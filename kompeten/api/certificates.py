"""Certificate endpoints: public verification and Open Badges 3.0 credentials.

``POST /verify`` takes ``{"qr": "<QR text or digits>"}`` or ``{"code": "<code or number>"}`` and answers with
the structure of ``kompeten.certificates.verification`` (status, reason, checks, certificate, and
``replaced_by`` when re-issued). It shows only what is printed on the certificate (never the birth date, a NIK,
an address or a phone); anything invalid gets the same generic answer. Rate-limited per client address.
Both are public; their errors are ``{"code", "detail"}`` like the rest of the API (``invalid``, ``rate_limited``,
``not_found``, or the code of the rule that refused the badge).

For the signed-in (``AUTH``): the certificates the caller sees (``Certificate.objects.visible_to``: operators their
centre's, LSP managers their LSP's, a company its apprentices' certificates of apprenticeship, a job seeker their
own, the province admin all), revoking one with a reason (kompeten/certificates/access.py ``can_manage``), and
issuing a batch's or an assessment event's certificates, which runs as a background job: 202 with the job, polled
at ``GET /certificates/issuance/{job_id}``.
"""

import datetime
from typing import Literal

from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel, ConfigDict, model_validator

from kompeten.api.base import (
    AUTH,
    MAX_ID,
    NO_NUL,
    ApiError,
    ErrorOut,
    IdField,
    ObjectId,
    Pagination,
    Text,
    require_role,
    user_of,
)
from kompeten.api.idempotency import idempotent
from kompeten.api.people_out import Mapped, PersonOut, fetch, person_out, personal_ids
from kompeten.certificates import access, codec, jobs, services, verification
from kompeten.certificates.models import Certificate, IssuanceJob
from kompeten.core.errors import DomainError

router = Router()


class VerifyIn(Schema):
    qr: str | None = Field(None, max_length=4 * codec.MAX_DIGITS,
                           description="The scanned QR text ({BASE_URL}/v#DIGITS) or only its digits.")
    code: str | None = Field(None, max_length=200,
                             description="The verification code (any case, dashes optional) or the number.")


class CheckOut(BaseModel):  # pydantic's own model: ninja's Schema would drop the extra members
    model_config = ConfigDict(extra="allow")

    check: Literal["signature", "issuer", "status", "competence"]
    ok: bool
    detail: str = Field(description="signature: the key id; issuer: its name; status: the reason of a revocation "
                                    "or suspension (with `status` and `since`); competence: the last valid day.")


class UnitOut(Schema):
    code: str
    title: str


class PrintedOut(Schema):
    number: str
    code: str
    kind: Literal["training", "competency", "apprenticeship"]
    holder_name: str
    title: str
    scheme_code: str | None
    units: list[UnitOut]
    kkni_level: int | None
    issuer: str
    centre: str | None
    issued_on: str
    valid_until: str | None


class VerifyOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["valid", "expired", "revoked", "suspended", "invalid"]
    reason: str = Field(description="The reason of a revocation or suspension; otherwise the status again.")
    checks: list[CheckOut]
    certificate: PrintedOut | None = Field(description="What is printed on the certificate (no birth date).")


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


@router.post("/verify", response={200: VerifyOut, 422: ErrorOut, 429: ErrorOut}, url_name="verify",
             summary="Verify a certificate by its QR text or its code")
def verify(request, payload: VerifyIn):
    """Separate checks for the signature, the issuer (accredited on the issue date), the status (not revoked or
    suspended, with the reason and since when) and the competence (not expired). A re-issued certificate's
    answer has ``replaced_by`` (the new certificate's code)."""
    qr, code = (payload.qr or "").strip(), (payload.code or "").strip()
    if not qr and not code:
        return error(422, "invalid", _('Give the certificate\'s QR text as "qr" or its code or number as "code".'))
    ip = request.META.get("REMOTE_ADDR")
    if verification.rate_limited(ip):
        response = error(429, "rate_limited",
                         _("Too many verifications from your address. Wait a minute and try again."))
        response["Retry-After"] = "60"
        return response
    if qr:
        return verification.verify_qr(qr, ip=ip)
    return verification.verify_code(code, ip=ip)


@router.get("/certificates/{code}/openbadge", response={200: dict, 404: ErrorOut, 409: ErrorOut},
            url_name="openbadge", summary="A certificate as an Open Badges 3.0 credential")
def openbadge(request, code: str):
    """The signed ``OpenBadgeCredential`` (VC 2.0, eddsa-rdfc-2022 proof) of the certificate with this code.
    It carries only what is printed; its ``credentialStatus`` points into the issuer's revocation list."""
    cert = services.find(code)
    if cert is None:
        return error(404, "not_found", _("No certificate has this code."))
    from kompeten.certificates import badges  # pyld and the JSON-LD contexts load only when a badge is asked for

    try:
        document = badges.openbadge_for(cert)
    except DomainError as failure:
        return error(409, failure.code, failure.message)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- signed in: the certificates the caller sees, revoking, issuing ------------------------------------------------

READERS = ("province_admin", "centre_operator", "lsp_admin", "company_user", "job_seeker")
MANAGERS = ("province_admin", "centre_operator", "lsp_admin")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CertificateOut(Schema):
    id: int
    number: str
    code: str = Field(description="The verification code, as printed (with dashes).")
    kind: Literal["training", "competency", "apprenticeship"]
    status: Literal["active", "suspended", "revoked"]
    status_reason: str
    status_changed_at: datetime.datetime | None
    person: PersonOut = Field(description="The holder; NIK, birth date, address and phone only for who may see them.")
    holder_name: str
    title: str
    scheme_code: str
    units: list[UnitOut]
    kkni_level: int | None
    issuer: str
    centre: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    replaced_by: str | None = Field(description="The code of the certificate that replaced a re-issued one.")
    qr_text: str = Field(description="The text of the QR code printed on the certificate.")


class CertificateFilter(Schema):
    kind: Literal["training", "competency", "apprenticeship"] | None = None
    status: Literal["active", "suspended", "revoked"] | None = None
    year: int | None = Field(None, ge=2000, le=2999, description="Year of issue.")
    batch: int | None = Field(None, ge=1, le=MAX_ID, description="Training batch id.")
    event: int | None = Field(None, ge=1, le=MAX_ID, description="Assessment event id.")
    job: int | None = Field(None, ge=1, le=MAX_ID, description="Issuance job id.")
    q: str | None = Field(None, max_length=100, pattern=NO_NUL, description="Holder name, number or code.")


class RevokeIn(Schema):
    reason: Text(255, min_length=1) = Field(description="Why (shown to anyone who verifies it).")


class IssueIn(Schema):
    """Exactly one of ``batch_id`` (training certificates of its completed participants) or ``event_id``
    (competency certificates of its candidates decided Kompeten)."""

    batch_id: IdField | None = None
    event_id: IdField | None = None

    @model_validator(mode="after")
    def _one_source(self):
        if (self.batch_id is None) == (self.event_id is None):
            raise ValueError(_("Give either batch_id or event_id."))
        return self


class JobOut(Schema):
    id: int
    batch_id: int | None
    event_id: int | None
    status: Literal["queued", "running", "done", "failed"]
    total: int
    done: int
    percent: int
    error: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    poll: str = Field(description="Where to ask how far the job is.")


def _certificates_out(user, certs: list) -> list[dict]:
    personal = personal_ids(user, [c.person for c in certs])
    return [{
        "id": c.pk, "number": c.number, "code": services.format_code(c.public_code), "kind": c.kind,
        "status": c.status, "status_reason": c.status_reason, "status_changed_at": c.status_changed_at,
        "person": person_out(c.person, c.person_id in personal), "holder_name": c.holder_name, "title": c.title,
        "scheme_code": c.scheme_code, "units": [{"code": code, "title": title} for code, title in c.units],
        "kkni_level": c.kkni_level, "issuer": c.issuer_name, "centre": c.centre_name, "issued_on": c.issued_on,
        "valid_until": c.valid_until,
        "replaced_by": services.format_code(c.replaced_by.public_code) if c.replaced_by_id else None,
        "qr_text": services.qr_text(c),
    } for c in certs]


def _with_related(certs):
    return certs.select_related("person__village", "replaced_by")


def _job_out(job: IssuanceJob) -> dict:
    return {"id": job.pk, "batch_id": job.batch_id, "event_id": job.event_id, "status": job.status,
            "total": job.total, "done": job.done, "percent": job.percent, "error": job.error,
            "created_at": job.created_at, "finished_at": job.finished_at,
            "poll": reverse("api:certificates_issue_job", kwargs={"job_id": job.pk})}


@router.get("/certificates", auth=AUTH, response={200: list[CertificateOut], **READ_ERRORS},
            url_name="certificates_list", summary="Certificates the caller sees")
@paginate(Pagination)
def certificate_list(request, filters: Query[CertificateFilter]):
    """Newest first. Operators: their centre's; LSP managers: their LSP's; a company: its apprentices'
    certificates of apprenticeship; a job seeker: their own; the province admin: all."""
    require_role(request, *READERS)
    user = user_of(request)
    certs = Certificate.objects.visible_to(user)
    for name in ("kind", "status", "year", "job"):
        if getattr(filters, name) is not None:
            certs = certs.filter(**{name: getattr(filters, name)})
    if filters.batch is not None:
        certs = certs.filter(enrolment__batch=filters.batch)
    if filters.event is not None:
        certs = certs.filter(assessment__event=filters.event)
    if query := (filters.q or "").strip():
        code = services.normalise_code(query)
        match = Q(holder_name__icontains=query) | Q(number__icontains=query)
        if len(code) >= 4:
            match |= Q(public_code__contains=code)
        certs = certs.filter(match)
    certs = _with_related(certs).order_by("-issued_at", "-pk")
    return Mapped(certs, lambda rows: _certificates_out(user, rows))


@router.post("/certificates/issuance", auth=AUTH, response={202: JobOut, **WRITE_ERRORS},
             url_name="certificates_issue", summary="Issue a batch's or an assessment event's certificates")
@idempotent
def certificate_issue(request, payload: IssueIn):
    """Starts a background job (or answers with the one already waiting or running for the same batch or event):
    202 with the job; ``poll`` says where to follow it. A batch: its centre's operators or the
    province admin; an event: the managers of its LSP or the province admin. 409 ``nothing_to_issue`` when
    everyone eligible already has a certificate."""
    require_role(request, *MANAGERS)
    user = user_of(request)
    if payload.batch_id is not None:
        source = {"batch": fetch(access.get_batch_to_issue, user, payload.batch_id)}
        eligible = services.eligible_enrolments(source["batch"])
    else:
        source = {"event": fetch(access.get_event_to_issue, user, payload.event_id)}
        eligible = services.eligible_assessments(source["event"])
    running = IssuanceJob.objects.filter(status__in=jobs.UNFINISHED, **source).first()
    if running is None and not eligible.exists():
        raise ApiError(409, "nothing_to_issue",
                       _("There is nothing to issue: every eligible participant has a certificate."))
    job = running or jobs.start(by=user, request=request, **source)
    job.refresh_from_db()
    return Status(202, _job_out(job))


@router.get("/certificates/issuance/{job_id}", auth=AUTH, response={200: JobOut, **READ_ERRORS},
            url_name="certificates_issue_job", summary="How far an issuance job is")
def certificate_issuance_job(request, job_id: ObjectId):
    require_role(request, *MANAGERS)
    return _job_out(fetch(access.get_job_for_user, user_of(request), job_id))


# Registered after /certificates/issuance: Django takes the first pattern that matches the address.
@router.get("/certificates/{certificate_id}", auth=AUTH, response={200: CertificateOut, **READ_ERRORS},
            url_name="certificates_detail", summary="One certificate")
def certificate_detail(request, certificate_id: ObjectId):
    require_role(request, *READERS)
    user = user_of(request)
    cert = fetch(access.get_certificate_for_user, user, certificate_id)
    return _certificates_out(user, [_with_related(Certificate.objects.filter(pk=cert.pk)).get()])[0]


@router.post("/certificates/{certificate_id}/revoke", auth=AUTH, response={200: CertificateOut, **WRITE_ERRORS},
             url_name="certificates_revoke", summary="Revoke a certificate, with the reason")
@idempotent
def certificate_revoke(request, certificate_id: ObjectId, payload: RevokeIn):
    """A training certificate: the operators of its issuing centre; a competency certificate: the managers of its
    LSP; any: the province admin (a certificate the caller sees but may not change: 404). Never a deletion: anyone
    who verifies it sees it revoked, with the reason. 409 ``already_revoked``."""
    require_role(request, *MANAGERS)
    user = user_of(request)
    cert = fetch(access.get_certificate_for_user, user, certificate_id, manage=True)
    services.revoke(cert, reason=payload.reason, by=user, request=request)
    return _certificates_out(user, [_with_related(Certificate.objects.filter(pk=cert.pk)).get()])[0]
