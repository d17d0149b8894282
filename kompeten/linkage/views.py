"""Record linkage pages: importing old participant lists, the clerical review queue, undoing merges (province
admin) and contesting a linked training (the job seeker). Who sees what: kompeten/linkage/access.py."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import job_seeker_required, operator_or_admin_required, province_admin_required
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.linkage import services
from kompeten.linkage.access import (
    get_item_for_user,
    get_list_for_user,
    get_merge_for_admin,
    get_own_link,
    items_for,
    lists_for,
    records_for,
)
from kompeten.linkage.compare import FIELDS
from kompeten.linkage.forms import ContestForm, ListImportForm, UndoMergeForm
from kompeten.linkage.models import ReviewItem, ReviewStatus, SourceKind
from kompeten.programmes.models import TrainingCentre

PAGE_SIZE = 50
DOT = "•"
MAX_SHOWN_DIGITS = 4  # a NIK pair shows at most this many differing digits; more differ: none shown

FIELD_LABELS = {
    "nik": "NIK", "name": gettext_lazy("Name"), "birth_date": gettext_lazy("Date of birth"),
    "sex": gettext_lazy("Sex"), "birth_place": gettext_lazy("Place of birth"), "address": gettext_lazy("Address"),
    "region": gettext_lazy("Region"), "phone": gettext_lazy("Phone"), "email": gettext_lazy("Email"), "kk": "KK",
    "prior": gettext_lazy("Prior (before any field)"), "name_tf": gettext_lazy("How common the name is"),
    "crowd": gettext_lazy("Look-alikes nearby"),
}
LEVEL_LABELS = {
    "missing": gettext_lazy("missing on one side"), "exact": gettext_lazy("equal"),
    "excel15": gettext_lazy("first 15 digits equal, the 16th lost in Excel"),
    "typo": gettext_lazy("one digit mistyped (region or birth date)"),
    "serial": gettext_lazy("serial number differs by one digit"),
    "kk_swap": gettext_lazy("one side's NIK is the other's KK number"),
    "sibling": gettext_lazy("same region and birth date, another serial (a sibling or a neighbour?)"),
    "sex_day": gettext_lazy("equal but for the sex (a twin?)"), "region": gettext_lazy("same district only"),
    "else": gettext_lazy("different"), "implied": gettext_lazy("counted in the NIK"),
    "jw>=0.95": gettext_lazy("nearly equal"), "subset": gettext_lazy("one name within the other"),
    "jw>=0.88": gettext_lazy("similar"), "swap": gettext_lazy("day and month swapped"),
    "one_part": gettext_lazy("two of day, month and year equal"), "agree": gettext_lazy("equal"),
    "disagree": gettext_lazy("different"), "jw>=0.90": gettext_lazy("similar"),
    "ts>=0.85": gettext_lazy("very similar"), "ts>=0.60": gettext_lazy("similar"),
    "village": gettext_lazy("same village"), "district": gettext_lazy("same district"),
    "regency": gettext_lazy("same regency"),
}
RAW_ORDER = ("nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat",
             "kecamatan", "kabupaten_kota", "kode_wilayah", "pendidikan", "kk", "kejuruan", "tahun", "no_sertifikat")
SECRET_RAW = ("nik", "kk")


# NIK masking ------------------------------------------------------------------------------------------------------

def _digits_hidden(value) -> str:
    """A raw NIK or KK as written, every digit hidden (its form stays visible: 6.47105E+15 -> •.•••••E+••)."""
    text = str(value)
    return "".join(DOT if ch.isdigit() else ch for ch in text)[:40]


def nik_pair(a: str, b: str) -> dict:
    """Two numbers (NIK or KK) masked but for the digits that differ — and none at all when more than
    MAX_SHOWN_DIGITS differ: the full number of either record is never shown."""
    if len(a) == 16 and len(b) == 16:
        differ = [i for i in range(16) if a[i] != b[i]]
        if not differ:
            return {"left": DOT * 16, "right": DOT * 16, "note": _("identical")}
        if len(differ) <= MAX_SHOWN_DIGITS:
            shown = set(differ)
            return {"left": "".join(a[i] if i in shown else DOT for i in range(16)),
                    "right": "".join(b[i] if i in shown else DOT for i in range(16)),
                    "note": ngettext("%(n)s digit differs (at position %(where)s)",
                                     "%(n)s digits differ (at positions %(where)s)", len(differ))
                    % {"n": len(differ), "where": ", ".join(str(i + 1) for i in differ)}}
        return {"left": DOT * 16, "right": DOT * 16,
                "note": _("%(n)s of 16 digits differ") % {"n": len(differ)}}
    return {"left": DOT * len(a) if a else "—", "right": DOT * len(b) if b else "—",
            "note": _("not comparable") if a or b else ""}


# Review page ------------------------------------------------------------------------------------------------------

def _shown(record, name: str) -> str:
    value = getattr(record, name)
    if name == "birth_date":
        return value.strftime("%d/%m/%Y") if value else "—"
    return value or "—"


def comparison(item: ReviewItem) -> dict:
    """Rows of the side-by-side page: per field both standardised values (NIK and KK masked), the comparison level
    and its weight contribution as a bar (green for, red against); then the raw rows."""
    a, b = item.record, item.other
    contributions = item.contributions or {}
    largest = max([abs(float(v)) for v in contributions.values()] + [1.0])
    rows = []
    for name in (*FIELDS, "name_tf", "prior", "crowd"):
        weight = float(contributions.get(name, 0.0))
        if name in ("crowd", "name_tf") and not weight:
            continue
        row = {"field": name, "label": FIELD_LABELS.get(name, name), "weight": weight,
               "bar": round(abs(weight) / largest * 100), "for": weight > 0, "left": "", "right": "", "note": "",
               "masked": False}  # every key the template reads (a missing one makes Django log the whole context)
        if name in ("nik", "kk"):
            pair = nik_pair(getattr(a, name), getattr(b, name))
            row.update(left=pair["left"], right=pair["right"], note=pair["note"], masked=True)
        elif name in FIELDS:
            row.update(left=_shown(a, name), right=_shown(b, name))
        level = (item.levels or {}).get(name)
        row["level"] = LEVEL_LABELS.get(level, level) if level else ""
        rows.append(row)
    raw_a, raw_b = dict(a.raw or {}), dict(b.raw or {})
    extra_a, extra_b = raw_a.pop("_extra", {}) or {}, raw_b.pop("_extra", {}) or {}
    keys = [k for k in RAW_ORDER if k in raw_a or k in raw_b]
    keys += sorted((set(raw_a) | set(raw_b)) - set(keys))
    raw_rows = []
    for key in keys:
        left, right = raw_a.get(key, ""), raw_b.get(key, "")
        if key in SECRET_RAW:
            left, right = _digits_hidden(left) if left != "" else "", _digits_hidden(right) if right != "" else ""
        raw_rows.append({"key": key, "left": left, "right": right})
    for key in sorted(set(extra_a) | set(extra_b)):
        raw_rows.append({"key": key, "left": extra_a.get(key, ""), "right": extra_b.get(key, "")})
    return {"rows": rows, "raw_rows": raw_rows, "total": float(item.weight), "score": float(item.score)}


def _side(record, user) -> dict:
    """What the page says about one record: its source, and the person it is linked to (a link to their page when
    the user may see them)."""
    from kompeten.registry.models import Person

    person = record.person
    visible = person is not None and Person.objects.visible_to(user).filter(pk=person.pk).exists()
    if record.kind == SourceKind.REGISTRATION:
        source = _("Registration in Kompeten")
    else:
        lst = record.source_list
        source = f"{record.get_kind_display()} · {lst.name if lst else ''} · {_('row')} {record.row or '—'}"
    from kompeten.linkage.standardise import NIK_PROBLEMS

    return {"record": record, "source": source, "person": person, "person_visible": visible,
            "year": services.training_year(record) if record.kind != SourceKind.REGISTRATION else None,
            "problems": [NIK_PROBLEMS.get(code, code) for code in record.nik_problems]}


def _queue_ids(user, list_id=None) -> list[int]:
    items = items_for(user)
    if list_id is not None:
        items = items.filter(Q(record__source_list_id=list_id) | Q(other__source_list_id=list_id))
    return list(services.queue(items).values_list("pk", flat=True)[:2000])


def _after(ids: list[int], pk: int) -> int | None:
    if pk in ids:
        at = ids.index(pk)
        rest = ids[at + 1:] + ids[:at]
    else:
        rest = ids
    return rest[0] if rest else None


def _review_url(pk: int, list_id=None) -> str:
    url = reverse("linkage:review", kwargs={"pk": pk})
    return f"{url}?{urlencode({'list': list_id})}" if list_id is not None else url


DECISIONS = {"same": ReviewStatus.LINKED, "different": ReviewStatus.NOT_LINKED, "unsure": ReviewStatus.UNSURE}


@require_GET
@operator_or_admin_required
def queue(request):
    items = items_for(request.user)
    list_id = int_param(request.GET.get("list"))
    chosen = None
    if list_id is not None:
        chosen = get_list_for_user(request.user, list_id)
        items = items.filter(Q(record__source_list=chosen) | Q(other__source_list=chosen))
    ordered = services.queue(items).select_related("record__person", "other__person")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(items.filter(status__in=services.OPEN_STATUSES).values_list("kind").annotate(n=Count("id"))
                  .order_by("kind"))
    return render(request, "linkage/queue.html", {
        "page": page, "chosen": chosen, "counts": counts, "total": sum(counts.values()),
    })


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def review(request, pk):
    item = get_item_for_user(request.user, pk)
    list_id = int_param(request.POST.get("list") or request.GET.get("list"))
    ids = _queue_ids(request.user, list_id)
    following = _after(ids, item.pk)
    if request.method == "POST":
        status = DECISIONS.get(request.POST.get("decision", ""))
        if status is None:
            messages.error(request, _("Answer Same person, Different persons or Unsure."))
            return redirect(_review_url(item.pk, list_id))
        try:
            services.decide(item, status, by=request.user, note=request.POST.get("note", "").strip()[:255])
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(_review_url(item.pk, list_id))
        messages.success(request, {
            ReviewStatus.LINKED: _("Saved: same person."), ReviewStatus.NOT_LINKED: _("Saved: different persons."),
            ReviewStatus.UNSURE: _("Saved as unsure: it stays in the queue."),
        }[status])
        if following is not None and following != item.pk:
            return redirect(_review_url(following, list_id))
        queue_url = reverse("linkage:queue")
        return redirect(f"{queue_url}?{urlencode({'list': list_id})}" if list_id is not None else queue_url)
    left, right = _side(item.record, request.user), _side(item.other, request.user)
    merges = (item.status in services.OPEN_STATUSES and left["person"] is not None and right["person"] is not None
              and left["person"].pk != right["person"].pk)
    return render(request, "linkage/review.html", {
        "item": item, "left": left, "right": right, "comparison": comparison(item),
        "open": item.status in services.OPEN_STATUSES, "merges": merges,
        "next_url": _review_url(following, list_id) if following is not None and following != item.pk else "",
        "list_id": list_id, "position": (ids.index(item.pk) + 1) if item.pk in ids else None, "queued": len(ids),
    })


# Import -----------------------------------------------------------------------------------------------------------

def _centre_for(request, form):
    if request.user.is_province_admin:
        return form.cleaned_data.get("centre")
    return TrainingCentre.objects.filter(pk__in=request.user.centre_ids).order_by("pk").first()


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def list_import(request):
    form = ListImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        from kompeten.linkage.importer import import_list

        upload = form.cleaned_data["file"]
        report = import_list(upload, filename=upload.name, kind=form.cleaned_data["kind"],
                             year=form.cleaned_data["year"], institution=form.cleaned_data["institution"],
                             centre=_centre_for(request, form), by=request.user,
                             valid_only=form.cleaned_data["valid_only"])
        if report.written:
            messages.success(request, _("Import finished: %(linked)s linked, %(review)s to review, %(unmatched)s "
                                        "unmatched.") % {"linked": report.linked, "review": report.review,
                                                          "unmatched": report.unmatched})
    return render(request, "linkage/import.html", {"form": form, "report": report})


@require_GET
@operator_or_admin_required
def import_template(request, fmt):
    from kompeten.linkage import importer

    if fmt == "csv":
        response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(importer.template_xlsx(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="template-daftar-peserta.{fmt}"'
    return response


@require_GET
@operator_or_admin_required
def list_index(request):
    lists = lists_for(request.user).select_related("centre", "imported_by")
    page = Paginator(lists, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "linkage/list_index.html", {"page": page})


@require_GET
@operator_or_admin_required
def list_detail(request, pk):
    source_list = get_list_for_user(request.user, pk)
    records = source_list.records.select_related("person").order_by("row", "pk")
    outcome = request.GET.get("outcome", "")
    waiting = ReviewItem.objects.filter(status__in=services.OPEN_STATUSES).filter(
        Q(record__source_list=source_list) | Q(other__source_list=source_list))
    waiting_ids = set(waiting.values_list("record_id", flat=True)) | set(waiting.values_list("other_id", flat=True))
    if outcome == "linked":
        records = records.filter(person__isnull=False)
    elif outcome == "review":
        records = records.filter(person__isnull=True, pk__in=waiting_ids)
    elif outcome == "unmatched":
        records = records.filter(person__isnull=True).exclude(pk__in=waiting_ids)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    from kompeten.registry.models import Person

    visible = set(Person.objects.visible_to(request.user).filter(
        pk__in=[r.person_id for r in page if r.person_id]).values_list("pk", flat=True))
    for record in page:
        record.person_visible = record.person_id in visible
        record.waiting = record.pk in waiting_ids
    return render(request, "linkage/list_detail.html", {
        "source_list": source_list, "page": page, "outcome": outcome, "report": source_list.report or {},
        "queue_open": items_for(request.user).filter(status__in=services.OPEN_STATUSES).filter(
            Q(record__source_list=source_list) | Q(other__source_list=source_list)).count(),
        "linked_now": records_for(request.user).filter(source_list=source_list, person__isnull=False).count(),
    })


# Merges and contests ----------------------------------------------------------------------------------------------

@require_POST
@province_admin_required
def undo_merge(request, pk):
    event = get_merge_for_admin(request.user, pk)
    form = UndoMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason why the merge is wrong."))
        return redirect("registry:person_detail", pk=event.merged_id)
    try:
        services.undo_merge(event, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Merge undone: %(merged)s is a person of their own again.")
                         % {"merged": event.merged.full_name})
    return redirect("registry:person_detail", pk=event.merged_id)


@require_POST
@job_seeker_required
def contest(request, pk):
    link = get_own_link(request.user, pk)
    form = ContestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say in a few words why this training is not yours."))
        return redirect("selection:my_applications")
    try:
        services.contest(link, note=form.cleaned_data["note"], by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you. A reviewer will check whether this training record is yours; "
                                    "until then it still counts."))
    return redirect(reverse("selection:my_applications") + "#priority")
