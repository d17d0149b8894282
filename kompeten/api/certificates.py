"""Certificate endpoints: public verification and Open Badges 3.0 credentials.

``POST /verify`` takes ``{"qr": "<QR text or digits>"}`` or ``{"code": "<code or number>"}`` and answers with
the structure of ``kompeten.certificates.verification`` (status, reason, checks, certificate, and
``replaced_by`` when re-issued). It shows only what is printed on the certificate (never the birth date, a NIK,
an address or a phone); anything invalid gets the same generic answer. Rate-limited per client address.
"""

from typing import Literal

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import BaseModel, ConfigDict

from kompeten.certificates import codec, services, verification
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


class ErrorOut(Schema):
    detail: str


def error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@router.post("/verify", response={200: VerifyOut, 422: ErrorOut, 429: ErrorOut}, url_name="verify",
             summary="Verify a certificate by its QR text or its code")
def verify(request, payload: VerifyIn):
    """Separate checks for the signature, the issuer (accredited on the issue date), the status (not revoked or
    suspended, with the reason and since when) and the competence (not expired). A re-issued certificate's
    answer has ``replaced_by`` (the new certificate's code)."""
    qr, code = (payload.qr or "").strip(), (payload.code or "").strip()
    if not qr and not code:
        return error(422, _('Give the certificate\'s QR text as "qr" or its code or number as "code".'))
    ip = request.META.get("REMOTE_ADDR")
    if verification.rate_limited(ip):
        response = error(429, _("Too many verifications from your address. Wait a minute and try again."))
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
        return error(404, _("No certificate has this code."))
    from kompeten.certificates import badges  # pyld and the JSON-LD contexts load only when a badge is asked for

    try:
        document = badges.openbadge_for(cert)
    except DomainError as failure:
        return error(409, failure.message)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
