from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import operator_or_admin_required
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.programmes.access import get_batch_for_user
from kompeten.programmes.models import BatchStatus
from kompeten.registry.access import get_person_for_user
from kompeten.registry.models import Person
from kompeten.registry.nik import normalise_nik
from kompeten.training import services
from kompeten.training.models import Attendance, AttendanceStatus, DropoutReason, Enrolment, EnrolmentStatus

WINDOW = 10  # sessions shown at once in the attendance grid


def get_enrolment_for_user(user, pk, *, write=False) -> Enrolment:
    try:
        enrolment = Enrolment.objects.visible_to(user).select_related("batch").get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError):
        raise Http404 from None
    get_batch_for_user(user, enrolment.batch_id, write=write)
    return enrolment


@require_GET
@operator_or_admin_required
def candidates(request, batch_pk):
    """Job seekers of the batch's centre who could be enrolled (HTMX fragment)."""
    batch = get_batch_for_user(request.user, batch_pk, write=True)
    query = request.GET.get("q", "").strip()
    persons = Person.objects.none()
    if len(query) >= 3:
        persons = Person.objects.visible_to(request.user).filter(registered_centre=batch.centre)
        digits = normalise_nik(query)
        persons = persons.filter(nik=digits) if digits.isdigit() and len(digits) == 16 else persons.filter(
            full_name__icontains=query)
        persons = persons.exclude(enrolments__status=EnrolmentStatus.ENROLLED).exclude(
            enrolments__batch=batch).select_related("village__parent__parent")[:10]
    return render(request, "training/_candidates.html", {"batch": batch, "persons": persons, "query": query})


@require_POST
@operator_or_admin_required
def enrol(request, batch_pk):
    batch = get_batch_for_user(request.user, batch_pk, write=True)
    if not request.POST.get("person"):
        messages.error(request, _("Choose a job seeker to enrol."))
        return redirect("programmes:batch_detail", pk=batch.pk)
    person = get_person_for_user(request.user, request.POST.get("person"))
    try:
        services.enrol(batch, person, by=request.user, request=request)
        messages.success(request, _("%(name)s enrolled.") % {"name": person.full_name})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("programmes:batch_detail", pk=batch.pk)


@require_POST
@operator_or_admin_required
def withdraw(request, pk):
    enrolment = get_enrolment_for_user(request.user, pk, write=True)
    try:
        reason = request.POST.get("reason")
        services.withdraw(enrolment, by=request.user, request=request,
                          reason=reason if reason in DropoutReason.values else DropoutReason.OTHER)
        messages.success(request, _("Participant withdrawn; the seat is free again."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("programmes:batch_detail", pk=enrolment.batch_id)


def _session_window(batch, start_param):
    sessions = list(batch.sessions.all())
    if (start := int_param(start_param)) is not None:
        start = min(start, max(len(sessions) - 1, 0))
    else:  # default: the window that ends with the first session whose attendance is not taken yet
        taken = set(Attendance.objects.filter(session__batch=batch).values_list("session_id", flat=True).distinct())
        pending = next((i for i, s in enumerate(sessions) if s.pk not in taken), len(sessions) - 1)
        start = max(pending + 1 - WINDOW, 0)
    return sessions, start


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def attendance(request, batch_pk):
    batch = get_batch_for_user(request.user, batch_pk, write=request.method == "POST")
    sessions, start = _session_window(batch, request.GET.get("start"))
    shown = sessions[start:start + WINDOW]
    enrolments = list(batch.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("person")
                      .order_by("person__full_name"))
    if request.method == "POST":
        marks = {}
        for enrolment in enrolments:
            for session in shown:
                value = request.POST.get(f"m-{enrolment.pk}-{session.pk}", "")
                if value in AttendanceStatus.values:
                    marks[(enrolment.pk, session.pk)] = value
        try:
            changed = services.record_attendance(batch, marks, by=request.user)
            messages.success(request, _("Attendance saved (%(n)s changes).") % {"n": changed})
        except DomainError as error:
            messages.error(request, error.message)
        return redirect(f"{request.path}?start={start}")
    existing = {
        (a.enrolment_id, a.session_id): a.status
        for a in services.Attendance.objects.filter(enrolment__in=enrolments, session__in=shown)
    }
    percentages = services.attendance_percentages(batch, held_only=True)
    rows = [{"enrolment": e, "percent": percentages.get(e.pk),
             "cells": [(s, existing.get((e.pk, s.pk), "")) for s in shown]} for e in enrolments]
    return render(request, "training/attendance.html", {
        "batch": batch, "sessions": shown, "rows": rows, "statuses": AttendanceStatus.choices,
        "start": start, "previous": max(start - WINDOW, 0) if start > 0 else None,
        "next": start + WINDOW if start + WINDOW < len(sessions) else None, "total": len(sessions),
        "editable": batch.status in (BatchStatus.RUNNING, BatchStatus.SELECTING),
    })


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def completion(request, batch_pk):
    batch = get_batch_for_user(request.user, batch_pk, write=True)
    enrolments = list(batch.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("person")
                      .order_by("person__full_name"))
    if request.method == "POST":
        decisions = {
            e.pk: {"final_test_passed": request.POST.get(f"test-{e.pk}") == "1"
                   if batch.package.has_final_test else None,
                   "reason": request.POST.get(f"reason-{e.pk}", ""), "note": request.POST.get(f"note-{e.pk}", "")}
            for e in enrolments
        }
        try:
            counts = services.complete_batch(batch, decisions, by=request.user, request=request)
            messages.success(request, _("%(completed)s completed, %(not_completed)s not completed.") % counts)
            return redirect("programmes:batch_detail", pk=batch.pk)
        except DomainError as error:
            messages.error(request, error.message)
    percentages = services.attendance_percentages(batch)
    for enrolment in enrolments:
        enrolment.percent = percentages.get(enrolment.pk)
        enrolment.meets_attendance = enrolment.percent is not None and (
            enrolment.percent >= batch.package.attendance_threshold)
    reasons = [(v, label) for v, label in DropoutReason.choices if v not in ("attendance", "final_test", "cancelled")]
    return render(request, "training/completion.html", {"batch": batch, "enrolments": enrolments,
                                                        "reasons": reasons})


@require_GET
@operator_or_admin_required
def document(request, batch_pk, doc, fmt):
    batch = get_batch_for_user(request.user, batch_pk)
    from kompeten.training import documents  # reportlab is loaded only when a document is printed

    makers = {
        ("peserta", "pdf"): documents.participant_list_pdf, ("peserta", "xlsx"): documents.participant_list_xlsx,
        ("hadir", "pdf"): documents.attendance_sheet_pdf, ("hadir", "xlsx"): documents.attendance_sheet_xlsx,
    }
    maker = makers.get((doc, fmt))
    if maker is None:
        raise Http404
    content_type = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(maker(batch), content_type=content_type)
    name = {"peserta": "daftar-peserta", "hadir": "daftar-hadir"}[doc]
    response["Content-Disposition"] = (f'{"inline" if fmt == "pdf" else "attachment"}; '
                                       f'filename="{name}-{batch.centre.code}-{batch.pk}.{fmt}"')
    return response


