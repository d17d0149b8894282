import secrets
import time

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts import ratelimits
from kompeten.accounts.decorators import job_seeker_required, operator_or_admin_required
from kompeten.accounts.models import Membership, Role, User
from kompeten.audit.models import AuditEntry
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.core.exports import write_csv, write_xlsx
from kompeten.core.progress import linking_after_import
from kompeten.privacy import services as privacy
from kompeten.programmes.models import TrainingCentre
from kompeten.registry import documents, services
from kompeten.registry.access import can_edit, get_document_for_user, get_person_for_user
from kompeten.registry.forms import (
    DocumentForm,
    ImportForm,
    PersonForm,
    PriorTrainingForm,
    RegistrationForm,
    SelfProfileForm,
)
from kompeten.registry.models import Consent, Person, PersonSource
from kompeten.registry.nik import mask_nik, normalise_nik
from kompeten.registry.validation import NIK_WARNING_LABELS, check_nik

PAGE_SIZE = 50


# The search box never puts what was typed in a URL (a NIK in an address bar, a log or a Referer header is a leak):
# the form is posted, the text is kept in the session under a short random token, and the list, its pages and its
# export are addressed by the token (?s=...). A search by a full NIK is rate-limited per user and per address.
SEARCHES_SESSION_KEY = "registry_person_searches"
SEARCH_SECONDS = 30 * 60
SEARCHES_KEPT = 10
SEARCH_FILTERS = ("centre", "never_trained", "to_confirm")


def _is_nik(query: str) -> bool:
    digits = normalise_nik(query)
    return digits.isdigit() and len(digits) == 16


def _store_search(request, query: str) -> str:
    now = int(time.time())
    searches = {token: entry for token, entry in request.session.get(SEARCHES_SESSION_KEY, {}).items()
                if isinstance(entry, dict) and now - entry.get("at", 0) < SEARCH_SECONDS}
    token = secrets.token_urlsafe(9)
    searches[token] = {"q": query, "at": now}
    request.session[SEARCHES_SESSION_KEY] = dict(sorted(searches.items(), key=lambda item: item[1]["at"])
                                                 [-SEARCHES_KEPT:])
    return token


def _search_text(request) -> tuple[str, bool]:
    """The searched text of a GET (from its token), and whether the token was unknown or expired."""
    token = request.GET.get("s")
    if token:
        entry = request.session.get(SEARCHES_SESSION_KEY, {}).get(token)
        if isinstance(entry, dict) and time.time() - entry.get("at", 0) < SEARCH_SECONDS:
            return entry["q"], False
        return "", True
    # ?q= in a link still searches by name or phone; a NIK in a URL is refused by the callers.
    return request.GET.get("q", "").strip(), False


def _filtered_persons(request, query: str, params):
    # A registration merged into an older one (record linkage) is not listed: the survivor stands for both.
    persons = Person.objects.visible_to(request.user).active().select_related(
        "village__parent__parent", "education", "registered_centre")
    if query:
        if _is_nik(query):
            persons = persons.filter(nik=normalise_nik(query))
        else:
            persons = persons.filter(Q(full_name__icontains=query) | Q(phone__contains=query))
    if (centre := int_param(params.get("centre"))) is not None:
        persons = persons.filter(registered_centre_id=centre)
    if params.get("never_trained"):
        persons = persons.never_trained()
    if params.get("to_confirm"):
        persons = persons.exclude(nik_warnings=[]).filter(nik_confirmed_at__isnull=True)
    return persons


def _nik_in_url_refused(request):
    messages.error(request, _("Search by NIK with the search box: a NIK is never put in a web address."))
    return redirect("registry:person_list")


def _person_list_page(request, query: str, filters, *, status=200):
    persons = _filtered_persons(request, query, filters)
    page = Paginator(persons, PAGE_SIZE).get_page(filters.get("page"))
    context = {
        "page": page, "query": query, "centres": TrainingCentre.objects.visible_to(request.user),
        "filters": filters,
    }
    template = ("registry/_person_rows.html" if request.method == "GET" and request.headers.get("HX-Request")
                else "registry/person_list.html")
    return render(request, template, context, status=status)


def _post_search(request):
    """The search form: remember the text under a token and show the list at an address without it."""
    query = request.POST.get("q", "").strip()[:100]
    params = QueryDict(mutable=True)
    for name in SEARCH_FILTERS:
        if request.POST.get(name):
            params[name] = request.POST[name][:20]
    if query:
        if _is_nik(query):
            verdict = ratelimits.nik_lookup(request)
            if verdict is not None:
                return ratelimits.too_many_requests(request, verdict, _("Too many searches by NIK."))
        params["s"] = _store_search(request, query)
    url = reverse("registry:person_list") + (f"?{params.urlencode()}" if params else "")
    if request.headers.get("HX-Request"):
        # The live search: the page for the new address (the form takes its rows and export links from it).
        response = _person_list_page(request, query, params)
        response["HX-Push-Url"] = url
        return response
    return HttpResponseRedirect(url, status=303)


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def person_list(request):
    if request.method == "POST":
        return _post_search(request)
    if _is_nik(request.GET.get("q", "")):
        return _nik_in_url_refused(request)
    query, expired = _search_text(request)
    if expired:
        messages.info(request, _("That search has expired. Search again."))
    filters = request.GET.copy()
    filters.pop("q", None)
    return _person_list_page(request, query, filters)


EXPORT_HEADERS = ["nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat",
                  "rt", "rw", "kode_wilayah", "pendidikan", "disabilitas", "pernah_pelatihan", "pusat_pelatihan"]


def _masked_query(params, query: str) -> str:
    """The export's filters for the audit note, a searched NIK masked like everywhere else."""
    note = params.copy()
    note.pop("s", None)
    note.pop("format", None)
    if query:
        note["q"] = mask_nik(normalise_nik(query)) if _is_nik(query) else query
    return note.urlencode()


@require_GET
@operator_or_admin_required
def person_export(request):
    if _is_nik(request.GET.get("q", "")):
        return _nik_in_url_refused(request)
    query, expired = _search_text(request)
    if expired:
        messages.info(request, _("That search has expired. Search again."))
        return redirect("registry:person_list")
    persons = _filtered_persons(request, query, request.GET)
    rows = (
        [p.nik, p.full_name, p.sex, p.birth_place, p.birth_date, p.phone, p.email, p.street, p.rt, p.rw,
         p.village_id or "", p.education_id or "", "ya" if p.disability else "tidak",
         "ya" if p.declared_prior_training else "tidak", p.registered_centre.short_name if p.registered_centre else ""]
        for p in persons.iterator(chunk_size=2000)
    )
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "csv":
        response = HttpResponse(write_csv(rows, EXPORT_HEADERS), content_type="text/csv; charset=utf-8")
        filename = f"pencari-kerja-{stamp}.csv"
    else:
        response = HttpResponse(
            write_xlsx(rows, EXPORT_HEADERS),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"pencari-kerja-{stamp}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    privacy.log_export(request, persons.values_list("pk", flat=True), filename,
                       note=_masked_query(request.GET, query)[:200])
    return response


@require_GET
@operator_or_admin_required
def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    privacy.log_view(request, person)
    context = {
        "person": person,
        "can_edit": can_edit(request.user, person),
        "consents": services.current_consents(person),
        "prior_trainings": person.prior_trainings.select_related("source_record__source_list"),
        "training_form": PriorTrainingForm(),
        "history": AuditEntry.objects.for_object(person)[:20] if request.user.is_province_admin else None,
        "nik_warning_messages": [NIK_WARNING_LABELS.get(code, code) for code in person.nik_warnings],
        **_documents_context(person),
        **_linkage_context(request, person),
    }
    return render(request, "registry/person_detail.html", context)


def _linkage_context(request, person) -> dict:
    """Record linkage on the person page: the records linked to the person (and those that were), the merges,
    the survivor a merged registration now is, and the undo form for the province admin."""
    from kompeten.linkage import services as linkage
    from kompeten.linkage.forms import UndoMergeForm

    history = linkage.history(person)
    survivor = history["root"] if person.merged_into_id else None
    return {
        "linked_records": list(history["links"]),
        "merges": list(history["merges"]),
        "undone_merges": history["undone"],
        "survivor": survivor,
        "survivor_visible": survivor is not None and Person.objects.visible_to(request.user).filter(
            pk=survivor.pk).exists(),
        "undo_form": UndoMergeForm() if request.user.is_province_admin else None,
    }


def _documents_context(person, form=None) -> dict:
    """The person's documents, newest first, the current one of each kind marked; and the upload form."""
    history = list(person.documents.select_related("uploaded_by").order_by("kind", "-uploaded_at", "-id"))
    current = set()
    for document in history:
        if document.kind not in current:
            current.add(document.kind)
            document.is_current = True
    return {"documents": history, "document_form": form or DocumentForm()}


@require_POST
@operator_or_admin_required
def person_document_upload(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = documents.upload_document(person, form.cleaned_data["kind"], form.cleaned_data["file"],
                                                  by=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(document)s uploaded.") % {"document": document.get_kind_display()})
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("registry:person_detail", pk=person.pk)


@require_GET
@login_required
def document_download(request, pk):
    """The file of a document, to the person themself and to staff who may see the person (audited)."""
    document = get_document_for_user(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if document.person.user_id != request.user.pk:
        documents.record_download(document, by=request.user, request=request)
    response = FileResponse(handle, as_attachment=True, filename=documents.download_name(document),
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _operator_centre(request):
    """The centre an operator registers persons for: their own (the first, if several)."""
    if request.user.is_province_admin:
        centre_id = int_param(request.POST.get("centre") or request.GET.get("centre"))
        return get_object_or_404(TrainingCentre, pk=centre_id) if centre_id is not None else None
    return TrainingCentre.objects.filter(pk__in=request.user.centre_ids).order_by("pk").first()


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def person_create(request):
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.register_person(
            data=form.person_data(), by=request.user, source=PersonSource.OPERATOR,
            centre=_operator_centre(request), nik_warnings=form.nik_warnings,
            consents=[Consent.Purpose.REGISTRY], channel=Consent.Channel.OPERATOR, request=request,
        )
        messages.success(request, _("Job seeker %(name)s registered.") % {"name": person.full_name})
        for warning in form.warning_messages():
            messages.warning(request, warning)
        return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "centres": TrainingCentre.objects.all()})


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def person_edit(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    if request.method == "GET":  # the form shows the full NIK: a look at it, logged like the button's
        services.reveal_nik(person, by=request.user, request=request)
    form = PersonForm(request.POST or None, instance=Person.objects.get(pk=person.pk))
    if request.method == "POST" and form.is_valid():
        changes = services.update_person(person, data=form.person_data(), by=request.user,
                                         nik_warnings=form.nik_warnings, request=request)
        if changes:
            messages.success(request, _("Changes saved."))
        else:
            messages.info(request, _("Nothing changed."))
        for warning in form.warning_messages():
            messages.warning(request, warning)
        return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@require_POST
@operator_or_admin_required
def person_reveal_nik(request, pk):
    person = get_person_for_user(request.user, pk)
    nik = services.reveal_nik(person, by=request.user, request=request)
    return render(request, "registry/_nik_full.html", {"nik": nik})


@require_POST
@operator_or_admin_required
def person_confirm_nik(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    services.confirm_nik_warnings(person, by=request.user, request=request)
    messages.success(request, _("NIK checked against the ID card and confirmed."))
    return redirect("registry:person_detail", pk=person.pk)


@require_POST
@operator_or_admin_required
def person_add_training(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    form = PriorTrainingForm(request.POST)
    if form.is_valid():
        services.add_prior_training(person, data=form.cleaned_data, by=request.user, request=request)
        messages.success(request, _("Prior training added."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("registry:person_detail", pk=person.pk)


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def person_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        from kompeten.registry import importer  # openpyxl is loaded only when an import runs

        upload = form.cleaned_data["file"]
        report = importer.import_persons(upload, filename=upload.name, by=request.user,
                                         centre=_operator_centre(request),
                                         valid_only=form.cleaned_data["valid_only"])
        if report.written:
            messages.success(request, _("Import finished: %(created)s new, %(updated)s updated, %(unchanged)s "
                                        "unchanged.") % vars(report))
    return render(request, "registry/import.html", {"form": form, "report": report,
                                                    "centres": TrainingCentre.objects.visible_to(request.user),
                                                    "linking": linking_after_import(request.user)})


@require_GET
@operator_or_admin_required
def import_template(request, fmt):
    from kompeten.registry import importer
    if fmt == "csv":
        response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            importer.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="template-pencari-kerja.{fmt}"'
    return response


# The job seeker's own pages ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            data = form.person_data()
            user = User.objects.create_user(
                email=data["email"] or None, password=form.cleaned_data["password1"], phone=data["phone"],
                full_name=data["full_name"],
            )
            Membership.objects.create(user=user, role=Role.JOB_SEEKER)
            services.register_person(
                data={**data, "user": user}, by=user, source=PersonSource.SELF, nik_warnings=form.nik_warnings,
                consents=form.consents(), channel=Consent.Channel.WEB, request=request,
            )
        login(request, user, backend="kompeten.accounts.backends.EmailOrPhoneBackend")
        messages.success(request, _("Welcome! Your registration is saved."))
        return redirect("registry:my_profile")
    return render(request, "registry/register.html", {"form": form})


def _own_person(request):
    person = Person.objects.visible_to(request.user).filter(user=request.user).select_related(
        "village__parent__parent", "education").first()
    if person is None:
        raise Http404
    return person


def _my_profile(request, person, *, document_form=None, status=200):
    return render(request, "registry/my_profile.html", {
        "person": person, "consents": services.current_consents(person),
        "purposes": Consent.Purpose.choices, "prior_trainings": person.prior_trainings.all(),
        **_documents_context(person, document_form),
    }, status=status)


@require_GET
@job_seeker_required
def my_profile(request):
    return _my_profile(request, _own_person(request))


@require_POST
@job_seeker_required
def my_document_upload(request):
    """The job seeker uploads a document on their own profile ("Dokumen saya")."""
    person = _own_person(request)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = documents.upload_document(person, form.cleaned_data["kind"], form.cleaned_data["file"],
                                                  by=request.user, request=request)
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, _("%(document)s uploaded.") % {"document": document.get_kind_display()})
            return redirect(reverse("registry:my_profile") + "#documents")
    return _my_profile(request, person, document_form=form, status=400)


@require_http_methods(["GET", "POST"])
@job_seeker_required
def my_profile_edit(request):
    person = _own_person(request)
    form = SelfProfileForm(request.POST or None, instance=Person.objects.get(pk=person.pk))
    if request.method == "POST" and form.is_valid():
        _result, _errors, warnings = check_nik(person.nik, birth_date=form.cleaned_data.get("birth_date"),
                                               sex=form.cleaned_data.get("sex"))
        changes = services.update_person(person, data=form.person_data(), by=request.user,
                                         nik_warnings=warnings, request=request)
        messages.success(request, _("Changes saved.") if changes else _("Nothing changed."))
        return redirect("registry:my_profile")
    return render(request, "registry/person_form.html", {"form": form, "person": person, "self_service": True})


@require_POST
@job_seeker_required
def my_consent(request):
    person = _own_person(request)
    purpose = request.POST.get("purpose")
    if purpose not in Consent.Purpose.values:
        raise Http404
    given = request.POST.get("given") == "1"
    if purpose == Consent.Purpose.REGISTRY and not given:
        messages.warning(request, _("Withdrawing this consent means the training centre can no longer process "
                                    "your registration. Your withdrawal is recorded."))
    services.record_consent(person, purpose=purpose, given=given, channel=Consent.Channel.WEB, by=request.user,
                            request=request)
    messages.success(request, _("Your choice is recorded."))
    return redirect("registry:my_profile")
