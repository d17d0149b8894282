"""Certificate pages.

Public: ``/v`` (the page a QR code opens: the browser reads the digits after ``#`` and checks the signature
with the published keys; the online status check is a button), ``/verify/`` (by code, number or pasted QR text,
with an optional birth-date check that answers only match / no match), ``/verify/<code>/`` (what a credential's
id points at), the published keys and the status lists. Verification shows only what is printed on the
certificate, never the birth date, a NIK, an address or a phone number; anything invalid gets one generic answer.

Staff (``/sertifikat/``): the list and detail of the certificates the user sees, status changes with a reason,
re-issue, and issuing a whole batch or assessment event as a background job with a progress bar. Job seekers:
their own certificates. Every object comes through access.py (404 otherwise); every rule is a service call.
"""

import datetime
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import job_seeker_required, role_required
from kompeten.assessment.models import Assessment, AssessmentEvent
from kompeten.certificates import access, codec, jobs, keystore, services, verification
from kompeten.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    Issuer,
    JobStatus,
)
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.privacy import services as privacy
from kompeten.programmes.models import Batch
from kompeten.training.models import Enrolment, EnrolmentStatus

PAGE_SIZE = 50
KEYS_MAX_AGE = 300  # seconds a verifier may cache the published keys
STATUS_MAX_AGE = 60  # seconds a verifier may cache a status list (a change is published at once)
QR_TEXT_MAX = 4 * codec.MAX_DIGITS

staff_required = role_required(*access.STAFF_ROLES)
staff_or_job_seeker_required = role_required(*access.STAFF_ROLES, "job_seeker")
batch_issuer_required = role_required("province_admin", "centre_operator")
event_issuer_required = role_required("province_admin", "lsp_admin")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _public_json(data: dict, *, max_age: int, content_type: str = "application/json") -> JsonResponse:
    """JSON any verifier may fetch from any origin, cached briefly."""
    response = JsonResponse(data, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


# --- public: published keys and status lists ------------------------------------------------------


@require_GET
def keys_json(request):
    """The issuers' public keys as a JWK set: every key ever used, with its validity window and status."""
    return _public_json(keystore.jwks(), max_age=KEYS_MAX_AGE)


@require_GET
def status_list(request, issuer_code, purpose):
    """An issuer's W3C Bitstring Status List credential (revocation or suspension), for offline verifiers."""
    from kompeten.certificates import statuslists  # written separately; loaded when a list is asked for

    if purpose not in statuslists.PURPOSES:
        raise Http404
    issuer = Issuer.objects.filter(code=issuer_code).first()
    if issuer is None:
        raise Http404
    document = statuslists.credential(issuer, purpose)
    if document is None:
        raise Http404  # no active key to sign it with yet
    return _public_json(document, max_age=STATUS_MAX_AGE)


# --- public: verification -------------------------------------------------------------------------


def _day(iso: str | None):
    if not iso:
        return None
    try:
        return datetime.date.fromisoformat(iso[:10])
    except ValueError:
        return None


def _moment(iso: str | None):
    if not iso:
        return None
    try:
        return datetime.datetime.fromisoformat(iso)
    except ValueError:
        return None


def _when(value, fmt="DATE_FORMAT") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return formats.date_format(value, fmt)


def check_lines(answer: dict, *, now=None) -> list[dict]:
    """The answer's checks as lines for people: ``{"name", "ok", "label", "text"}``."""
    now = now or timezone.now()
    lines = []
    for check in answer.get("checks", []):
        name, ok, detail = check["check"], check["ok"], check.get("detail", "")
        if name == "signature":
            label = _("Signature")
            text = _("Signed by the issuer's key %(kid)s; the printed data is unchanged.") % {"kid": detail}
        elif name == "issuer":
            label = _("Issuer")
            text = (_("%(name)s is known and was accredited on the issue date.") if ok else
                    _("%(name)s was not accredited on the issue date.")) % {"name": detail}
        elif name == "status":
            label = _("Status")
            since = _when(_moment(check.get("since")))
            if check.get("status") == CertificateStatus.REVOKED:
                text = _("Revoked since %(since)s. Reason: %(reason)s") % {"since": since, "reason": detail}
            elif check.get("status") == CertificateStatus.SUSPENDED:
                text = _("Suspended since %(since)s. Reason: %(reason)s") % {"since": since, "reason": detail}
            else:
                text = _("Not revoked or suspended (as of %(now)s).") % {"now": _when(now)}
        elif name == "competence":
            label = _("Competence")
            until = _day(detail)
            if until is None:
                text = _("Does not expire.")
            elif ok:
                text = _("Valid until %(date)s.") % {"date": _when(until)}
            else:
                text = _("Expired: it was valid until %(date)s.") % {"date": _when(until)}
        else:  # pragma: no cover - verification.py makes only the four above
            label, text = name, detail
        lines.append({"name": name, "ok": ok, "label": label, "text": text})
    return lines


STATUS_LABELS = {
    verification.VALID: gettext_lazy("Valid"),
    verification.EXPIRED: gettext_lazy("Expired"),
    verification.REVOKED: gettext_lazy("Revoked"),
    verification.SUSPENDED: gettext_lazy("Suspended"),
    verification.INVALID: gettext_lazy("Not valid"),
}
STATUS_COLOURS = {
    verification.VALID: "success", verification.EXPIRED: "warning", verification.REVOKED: "danger",
    verification.SUSPENDED: "warning", verification.INVALID: "danger",
}


def _printed_for_page(printed: dict | None) -> dict | None:
    if printed is None:
        return None
    return {**printed, "issued_on": _day(printed.get("issued_on")), "valid_until": _day(printed.get("valid_until")),
            "kind_label": CertificateKind(printed["kind"]).label if printed.get("kind") in CertificateKind.values
            else printed.get("kind")}


def looks_like_qr(text: str) -> bool:
    """A pasted QR text (the link with ``#``) or its bare digits, not a code or a certificate number."""
    compact = "".join(text.split())
    return "#" in compact or (compact.isdigit() and len(compact) > 40)


def verify_text(text: str, *, ip=None) -> dict:
    text = text or ""
    if looks_like_qr(text):
        return verification.verify_qr(text, ip=ip)
    return verification.verify_code(text, ip=ip)


class VerifyForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Certificate code, number or QR text"), max_length=QR_TEXT_MAX,
                        strip=True, widget=forms.TextInput(attrs={
                            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                            "placeholder": "ABCD-EFGH-JKMN"}))
    birth_date = forms.DateField(label=gettext_lazy("Check a birth date (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 help_text=gettext_lazy("If the holder gave you their birth date, we tell you "
                                                        "whether it matches. The birth date is never shown."))


class BirthDateForm(forms.Form):
    birth_date = VerifyForm.base_fields["birth_date"]


def _too_many(request):
    response = render(request, "certificates/rate_limited.html", {"limit": verification.RATE_LIMIT}, status=429)
    response["Retry-After"] = "60"
    return response


def _result(request, answer: dict, *, birth_form=None, birth_match=None, permalink=True):
    printed = answer.get("certificate")
    context = {
        "answer": answer, "status": answer["status"], "status_label": STATUS_LABELS[answer["status"]],
        "status_colour": STATUS_COLOURS[answer["status"]], "lines": check_lines(answer),
        "printed": _printed_for_page(printed), "checked_at": timezone.now(), "birth_form": birth_form,
        "birth_match": birth_match, "permalink": permalink and printed is not None,
        "reason": answer["reason"] if answer["status"] in (verification.REVOKED, verification.SUSPENDED) else "",
        "replaced_by": answer.get("replaced_by"),
    }
    return render(request, "certificates/verify_result.html", context)


def _birth_check(answer: dict, birth_date) -> bool | None:
    if birth_date is None or answer.get("certificate") is None:
        return None
    return verification.birth_date_matches(answer["certificate"]["code"], birth_date)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The public form: a code, a certificate number or a pasted QR text, and optionally a birth date to check.
    GET ``?q=`` works for links; the pasted QR text is posted (it never lands in an address bar or a log)."""
    data = request.POST if request.method == "POST" else request.GET
    if not data.get("q"):
        return render(request, "certificates/verify.html", {"form": VerifyForm(initial={"q": ""})})
    form = VerifyForm(data)
    if not form.is_valid():
        return render(request, "certificates/verify.html", {"form": form}, status=400)
    ip = client_ip(request)
    if verification.rate_limited(ip):
        return _too_many(request)
    answer = verify_text(form.cleaned_data["q"], ip=ip)
    birth_date = form.cleaned_data.get("birth_date")
    return _result(request, answer, birth_form=BirthDateForm(initial={"birth_date": birth_date}),
                   birth_match=_birth_check(answer, birth_date))


@never_cache
@require_GET
def verify_code(request, code):
    """The result for a code in the address (what an Open Badge's id points at); ``?birth_date=`` checks one."""
    ip = client_ip(request)
    if verification.rate_limited(ip):
        return _too_many(request)
    answer = verification.verify_code(code, ip=ip)
    birth_form = BirthDateForm(request.GET if request.GET.get("birth_date") else None)
    birth_match = None
    if birth_form.is_bound and birth_form.is_valid():
        birth_match = _birth_check(answer, birth_form.cleaned_data["birth_date"])
    return _result(request, answer, birth_form=birth_form, birth_match=birth_match, permalink=False)


def _browser_strings() -> dict:
    """What verify.js says, translated here (the script itself has no translations)."""
    return {
        "checking": _("Checking the signature in your browser…"),
        "malformed": _("This is not a readable Kompeten certificate code."),
        "invalid": _("Not valid"),
        "invalid_text": _("This QR code does not belong to a valid certificate. A forged or altered certificate "
                          "gives this answer, and so does a code that was copied incompletely."),
        "valid": _("Valid signature"),
        "expired": _("Valid signature, competence expired"),
        "signature_ok": _("Signature valid: signed by %(iss)s with key %(kid)s; the printed data is unchanged."),
        "key_ok": _("The key was valid when the certificate was signed (%(date)s)."),
        "competence_ok": _("Competence valid until %(date)s."),
        "competence_expired": _("Competence expired: it was valid until %(date)s."),
        "competence_none": _("The competence does not expire."),
        "status_unknown": _("Revocation and suspension are not checked yet: press “Check status online”."),
        "no_webcrypto": _("Your browser cannot check signatures itself. Press “Check status online” to verify "
                          "the certificate on the server."),
        "keys_failed": _("The published keys could not be loaded; check the status online instead."),
        "online_failed": _("The online check failed. Try again in a minute."),
        "rate_limited": _("Too many verifications from your address. Wait a minute and try again."),
        "online_heading": _("Online check"),
        "checked_at": _("Checked at %(time)s."),
        "replaced_by": _("A corrected certificate replaces it:"),
        "birth_match": _("The birth date matches the holder's."),
        "birth_no_match": _("The birth date does not match the holder's."),
        "reason": _("Reason: %(reason)s"),
        "labels": {"signature": _("Signature"), "issuer": _("Issuer"), "status": _("Status"),
                   "competence": _("Competence"), "key": _("Key")},
        "statuses": {key: str(value) for key, value in STATUS_LABELS.items()},
        "fields": {"number": _("Certificate number"), "code": _("Verification code"), "kind": _("Kind"),
                   "holder_name": _("Holder"),
                   "title": _("Title"), "scheme_code": _("Scheme"), "units": _("Units"), "kkni_level": _("KKNI level"),
                   "issuer": _("Issuer"), "centre": _("Training centre / venue"), "issued_on": _("Issued on"),
                   "valid_until": _("Competence valid until"), "place": _("Place of apprenticeship")},
        "kinds": {kind.value: str(kind.label) for kind in CertificateKind},
        "lines": {
            "issuer_ok": _("%(name)s is known and was accredited on the issue date."),
            "issuer_bad": _("%(name)s was not accredited on the issue date."),
            "revoked": _("Revoked since %(since)s. Reason: %(reason)s"),
            "suspended": _("Suspended since %(since)s. Reason: %(reason)s"),
            "active": _("Not revoked or suspended (as of %(now)s)."),
            "signature": _("Signed by the issuer's key %(kid)s; the printed data is unchanged."),
        },
    }


@require_GET
def verify_fragment(request):
    """The page a certificate's QR code opens. The digits after ``#`` never reach the server: verify.js reads
    them, checks the signature with the published keys and shows what is printed; the status is checked online
    only when the visitor presses the button."""
    return render(request, "certificates/v.html", {
        "form": VerifyForm(), "strings": _browser_strings(),
        "config": {"keys": reverse("certificates:keys"), "api": reverse("api:verify"),
                   "verify_code": reverse("certificates:verify_code", kwargs={"code": "CODE"}),
                   "lang": request.LANGUAGE_CODE},
    })


# --- staff: list and detail -----------------------------------------------------------------------


class CertificateFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name, number or code"), required=False, max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("All kinds")), *CertificateKind.choices])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All statuses")), *CertificateStatus.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"


def _ready_to_issue(user) -> dict:
    """Batches and assessment events the user may issue for that have certificates still to issue."""
    current = Certificate.objects.current()
    batches, events = [], []
    if user.is_province_admin or user.centre_ids:
        managed = Batch.objects.all() if user.is_province_admin else Batch.objects.filter(centre__in=user.centre_ids)
        counts = dict(Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, batch__in=managed)
                      .exclude(certificates__in=current).values("batch").annotate(n=Count("pk"))
                      .values_list("batch", "n"))
        batches = list(Batch.objects.filter(pk__in=counts).select_related("package", "centre", "programme_year")
                       .order_by("-end_date")[:20])
        for batch in batches:
            batch.eligible = counts[batch.pk]
    if user.is_province_admin or user.lsp_ids:
        decided = AssessmentEvent.objects.all() if user.is_province_admin else AssessmentEvent.objects.filter(
            lsp__in=user.lsp_ids)
        counts = dict(Assessment.objects.competent().filter(event__in=decided).exclude(certificates__in=current)
                      .values("event").annotate(n=Count("pk")).values_list("event", "n"))
        events = list(AssessmentEvent.objects.filter(pk__in=counts).select_related("scheme", "tuk", "lsp")
                      .order_by("-date")[:20])
        for event in events:
            event.eligible = counts[event.pk]
    return {"batches": batches, "events": events}


@require_GET
@staff_required
def certificate_list(request):
    form = CertificateFilterForm(request.GET or None)
    certs = Certificate.objects.visible_to(request.user).select_related("issuer")
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            certs = certs.filter(kind=data["kind"])
        if data["status"]:
            certs = certs.filter(status=data["status"])
        if query := data["q"].strip():
            code = services.normalise_code(query)
            match = Q(holder_name__icontains=query) | Q(number__icontains=query)
            if len(code) >= 4:
                match |= Q(public_code__contains=code)
            certs = certs.filter(match)
    if (job := int_param(request.GET.get("job"))) is not None:
        certs = certs.filter(job=job)
    page = Paginator(certs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(request, "certificates/list.html", {"form": form, "page": page, "query": query,
                                                      **_ready_to_issue(request.user)})


@require_GET
@staff_required
def certificate_detail(request, pk):
    cert = access.get_certificate_for_user(request.user, pk)
    if cert.person.user_id != request.user.pk:
        privacy.log_view(request, cert.person, page="certificate", obj=cert)
    qr_svg = ""
    try:
        qr_svg = codec.make_qr(settings.KOMPETEN_BASE_URL, cert.qr_digits).svg_inline(scale=3, border=2)
    except codec.CodecError:
        qr_svg = ""
    return render(request, "certificates/detail.html", {
        "cert": cert, "code": services.format_code(cert.public_code), "qr_text": services.qr_text(cert),
        "qr_svg": qr_svg, "manage": access.can_manage(request.user, cert),
        "changes": cert.status_changes.select_related("by"), "ledger": cert.ledger_entries.order_by("seq"),
        "replaces": Certificate.objects.filter(replaced_by=cert).first(),
        "units": [{"code": code, "title": title} for code, title in cert.units],
    })


CHANGES = {
    "revoke": (services.revoke, gettext_lazy("Certificate revoked.")),
    "suspend": (services.suspend, gettext_lazy("Certificate suspended.")),
    "reinstate": (services.reinstate, gettext_lazy("Certificate reinstated.")),
}


def _change(request, pk, action):
    cert = access.get_certificate_for_user(request.user, pk, manage=True)
    change, done = CHANGES[action]
    try:
        change(cert, reason=request.POST.get("reason", "")[:1000], by=request.user, request=request)
        messages.success(request, done)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("certificates:detail", pk=cert.pk)


@require_POST
@staff_required
def revoke(request, pk):
    return _change(request, pk, "revoke")


@require_POST
@staff_required
def suspend(request, pk):
    return _change(request, pk, "suspend")


@require_POST
@staff_required
def reinstate(request, pk):
    return _change(request, pk, "reinstate")


@require_POST
@staff_required
def reissue(request, pk):
    """Revoke with a reason and issue a corrected certificate (new number and code) from today's records."""
    cert = access.get_certificate_for_user(request.user, pk, manage=True)
    try:
        new = services.reissue(cert, reason=request.POST.get("reason", "")[:1000], by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("certificates:detail", pk=cert.pk)
    messages.success(request, _("Certificate re-issued as %(number)s; the old one is revoked.") % {
        "number": new.number})
    return redirect("certificates:detail", pk=new.pk)


# --- downloads (staff who see the certificate, and its holder) ------------------------------------


@require_GET
@staff_or_job_seeker_required
def certificate_pdf(request, pk):
    cert = _downloadable(request.user, pk)
    if cert.person.user_id != request.user.pk:
        privacy.log_view(request, cert.person, page="certificate", obj=cert)
    try:
        from kompeten.certificates import pdf  # reportlab is loaded only when a certificate is printed
    except ImportError:  # pragma: no cover - pdf.py ships with the app
        raise Http404 from None
    content = pdf.render(cert)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sertifikat-{cert.public_code}.pdf"'
    return response


def _downloadable(user, pk):
    """A certificate the user may download: a holder gets no clean copy of a revoked certificate (the staff keep
    theirs, for the archive); its offline signature would still verify."""
    cert = access.get_certificate_for_user(user, pk)
    if cert.status == CertificateStatus.REVOKED and not access.can_manage(user, cert):
        raise Http404
    return cert


@require_GET
@staff_or_job_seeker_required
def certificate_openbadge(request, pk):
    """The certificate as a signed Open Badges 3.0 credential, to download and keep in a wallet."""
    cert = _downloadable(request.user, pk)
    from kompeten.certificates import badges

    try:
        document = badges.openbadge_for(cert)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("certificates:mine" if access.is_own(request.user, cert) else "certificates:detail",
                        **({} if access.is_own(request.user, cert) else {"pk": cert.pk}))
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="openbadge-{cert.public_code}.json"'
    return response


@require_GET
@job_seeker_required
def my_certificates(request):
    certs = (Certificate.objects.filter(person__user=request.user).select_related("issuer", "replaced_by")
             .order_by("-issued_at"))
    for cert in certs:
        cert.code = services.format_code(cert.public_code)
    return render(request, "certificates/mine.html", {"certs": certs})


# --- issuing a batch or an assessment event -------------------------------------------------------


def _issue_page(request, *, batch=None, event=None):
    if batch is not None:
        eligible = services.eligible_enrolments(batch).order_by("person__full_name")
        issued = Certificate.objects.current().filter(kind=CertificateKind.TRAINING, enrolment__batch=batch)
        running = batch.issuance_jobs.filter(status__in=jobs.UNFINISHED).first()
        recent = batch.issuance_jobs.all()[:5]
    else:
        eligible = services.eligible_assessments(event).order_by("person__full_name")
        issued = Certificate.objects.current().filter(kind=CertificateKind.COMPETENCY, assessment__event=event)
        running = event.issuance_jobs.filter(status__in=jobs.UNFINISHED).first()
        recent = event.issuance_jobs.all()[:5]
    if request.method == "POST":
        if running is not None:
            return redirect("certificates:job", pk=running.pk)
        if not eligible.exists():
            messages.info(request, _("There is nothing to issue: every eligible participant has a certificate."))
            return redirect(request.path)
        try:
            job = jobs.start(batch=batch, event=event, by=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        return redirect("certificates:job", pk=job.pk)
    return render(request, "certificates/issue.html", {
        "batch": batch, "event": event, "eligible": eligible[:200], "eligible_count": eligible.count(),
        "issued_count": issued.count(), "running": running, "recent": recent,
    })


@require_http_methods(["GET", "POST"])
@batch_issuer_required
def issue_batch(request, batch_pk):
    """Issue the training certificates of every participant of the batch who completed it."""
    return _issue_page(request, batch=access.get_batch_to_issue(request.user, batch_pk))


@require_http_methods(["GET", "POST"])
@event_issuer_required
def issue_event(request, event_pk):
    """Issue the competency certificates of every candidate of the event whom the LSP decided Kompeten."""
    return _issue_page(request, event=access.get_event_to_issue(request.user, event_pk))


def _job_context(job) -> dict:
    return {"job": job, "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)}


@require_GET
@staff_required
def job_detail(request, pk):
    job = access.get_job_for_user(request.user, pk)
    return render(request, "certificates/job.html", _job_context(job))


@never_cache
@require_GET
@staff_required
def job_progress(request, pk):
    """The progress bar alone (htmx polls it every second until the job is done or failed)."""
    job = access.get_job_for_user(request.user, pk)
    return render(request, "certificates/_job_progress.html", _job_context(job))
