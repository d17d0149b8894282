import calendar
import datetime

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import operator_or_admin_required, province_admin_required
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.programmes import services
from kompeten.programmes.access import get_batch_for_user, get_centre_for_user, get_package_for_user
from kompeten.programmes.forms import BatchForm, CapacityForm, PackageForm, ProgrammeYearForm, TargetForm
from kompeten.programmes.models import Batch, BatchStatus, ProgrammeYear, Target, TrainingCentre, TrainingPackage
from kompeten.reference.models import Sector
from kompeten.training.models import EnrolmentStatus
from kompeten.training.services import attendance_percentages, seats_taken

# Centres -----------------------------------------------------------------------------------------

@require_GET
@operator_or_admin_required
def centre_list(request):
    centres = TrainingCentre.objects.visible_to(request.user).annotate(
        persons=Count("registered_persons", distinct=True), vocation_count=Count("vocations", distinct=True)
    )
    return render(request, "programmes/centre_list.html", {"centres": centres})


@require_GET
@operator_or_admin_required
def centre_detail(request, pk):
    centre = get_centre_for_user(request.user, pk)
    vocations = centre.vocations.select_related("sector").order_by("sector__order", "name")
    return render(request, "programmes/centre_detail.html", {"centre": centre, "vocations": vocations})


# Programme years and targets ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def year_list(request):
    """The programme years; the province admin opens a new one here (its targets are set on its page)."""
    form = None
    if request.user.is_province_admin:
        form = ProgrammeYearForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            year = form.save()
            record(AuditEntry.Action.CREATE, year, by=request.user, changes={"year": [None, year.year]},
                   request=request)
            messages.success(request, _("Programme year %(year)s created: set its targets now.") % {"year": year.year})
            return redirect("programmes:year_detail", pk=year.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "programmes/year_list.html", {"years": ProgrammeYear.objects.all(), "form": form})


def _visible_targets(user, year):
    targets = year.targets.select_related("centre", "sector")
    if not user.is_province_admin:
        targets = targets.filter(Q(centre__in=user.centre_ids) | Q(centre__isnull=True))
    return targets


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def year_detail(request, pk):
    year = get_object_or_404(ProgrammeYear, pk=pk)
    form = None
    if request.user.is_province_admin:
        form = TargetForm(request.POST or None, programme_year=year)
        if request.method == "POST" and form.is_valid():
            target = form.save(commit=False)
            target.programme_year = year
            target.save()
            record(AuditEntry.Action.CREATE, target, by=request.user, changes={"number": [None, target.number]},
                   request=request)
            messages.success(request, _("Target saved."))
            return redirect("programmes:year_detail", pk=year.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "programmes/year_detail.html", {
        "year": year, "targets": _visible_targets(request.user, year), "form": form,
    })


@require_POST
@province_admin_required
def target_update(request, pk):
    target = get_object_or_404(Target, pk=pk)
    number = int_param(request.POST.get("number", "").strip(), maximum=10_000_000)
    if number is None:
        messages.error(request, _("A target is a whole number, 0 or more."))
        return redirect("programmes:year_detail", pk=target.programme_year_id)
    if number != target.number:
        record(AuditEntry.Action.UPDATE, target, by=request.user, changes={"number": [target.number, number]},
               request=request)
        target.number = number
        target.save(update_fields=["number"])
        messages.success(request, _("Target saved."))
    return redirect("programmes:year_detail", pk=target.programme_year_id)


# Packages ----------------------------------------------------------------------------------------

@require_GET
@operator_or_admin_required
def package_list(request):
    packages = (TrainingPackage.objects.visible_to(request.user)
                .select_related("centre", "vocation__sector", "min_education", "max_education")
                .annotate(batch_count=Count("batches")))
    return render(request, "programmes/package_list.html", {"packages": packages})


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def package_form(request, pk=None):
    package = get_package_for_user(request.user, pk, write=True) if pk else None
    form = PackageForm(request.POST or None, instance=package, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        record(AuditEntry.Action.UPDATE if package else AuditEntry.Action.CREATE, saved, by=request.user,
               changes={name: [None, str(form.cleaned_data[name])] for name in form.changed_data}, request=request)
        messages.success(request, _("Training package saved."))
        return redirect("programmes:package_list")
    return render(request, "programmes/package_form.html", {"form": form, "package": package})


# Batches -----------------------------------------------------------------------------------------

def _batch_filters(request, batches):
    params = request.GET
    if (centre := int_param(params.get("centre"))) is not None:
        batches = batches.filter(centre_id=centre)
    if params.get("status") in BatchStatus.values:
        batches = batches.filter(status=params["status"])
    if params.get("sector"):
        batches = batches.filter(package__vocation__sector_id=params["sector"])
    if (year := int_param(params.get("year"))) is not None:
        batches = batches.filter(programme_year__year=year)
    return batches


@require_GET
@operator_or_admin_required
def batch_list(request):
    batches = _batch_filters(request, Batch.objects.visible_to(request.user)).select_related(
        "centre", "package__vocation__sector", "programme_year"
    ).annotate(taken=Count("enrolments", filter=~Q(enrolments__status=EnrolmentStatus.WITHDRAWN)))
    by_status = dict(
        Batch.objects.visible_to(request.user).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return render(request, "programmes/batch_list.html", {
        "batches": batches, "centres": TrainingCentre.objects.visible_to(request.user),
        "statuses": BatchStatus.choices, "sectors": Sector.objects.all(), "filters": request.GET,
        "by_status": [(value, label, by_status.get(value, 0)) for value, label in BatchStatus.choices],
        "years": ProgrammeYear.objects.values_list("year", flat=True),
    })


@require_GET
@operator_or_admin_required
def batch_calendar(request):
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days_in_month)
    batches = (_batch_filters(request, Batch.objects.visible_to(request.user))
               .filter(start_date__lte=last, end_date__gte=first).exclude(status=BatchStatus.CANCELLED)
               .select_related("centre", "package__vocation__sector").order_by("centre", "start_date"))
    days = [first + datetime.timedelta(days=i) for i in range(days_in_month)]
    rows = [{"batch": b, "cells": [b.start_date <= d <= b.end_date for d in days]} for b in batches]
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = last + datetime.timedelta(days=1)
    return render(request, "programmes/batch_calendar.html", {
        "rows": rows, "days": days, "month": first, "previous_month": previous_month, "next_month": next_month,
        "centres": TrainingCentre.objects.visible_to(request.user), "filters": request.GET, "today": today,
    })


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def batch_create(request):
    form = BatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        batch = form.save(commit=False)
        batch.centre = batch.package.centre
        batch.number = services.next_batch_number(batch.package, batch.programme_year)
        batch.save()
        services.generate_sessions(batch)
        record(AuditEntry.Action.CREATE, batch, by=request.user, request=request,
               changes={"package": [None, batch.package_id], "capacity": [None, batch.capacity],
                        "start_date": [None, batch.start_date], "end_date": [None, batch.end_date]})
        messages.success(request, _("Batch created with %(n)s sessions.") % {"n": batch.sessions.count()})
        return redirect("programmes:batch_detail", pk=batch.pk)
    return render(request, "programmes/batch_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def batch_edit(request, pk):
    batch = get_batch_for_user(request.user, pk, write=True)
    form = BatchForm(request.POST or None, instance=Batch.objects.get(pk=batch.pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: [str(form.initial.get(name)), str(form.cleaned_data[name])] for name in form.changed_data}
        form.save()
        if changes:
            record(AuditEntry.Action.UPDATE, batch, by=request.user, changes=changes, request=request)
        messages.success(request, _("Changes saved."))
        return redirect("programmes:batch_detail", pk=batch.pk)
    return render(request, "programmes/batch_form.html", {"form": form, "batch": batch})


@require_GET
@operator_or_admin_required
def batch_detail(request, pk):
    batch = get_batch_for_user(request.user, pk)
    enrolments = list(batch.enrolments.select_related("person__village__parent__parent").order_by(
        "person__full_name"))
    percentages = attendance_percentages(batch, held_only=True)
    for enrolment in enrolments:
        enrolment.percent = percentages.get(enrolment.pk)
    taken = seats_taken(batch)
    return render(request, "programmes/batch_detail.html", {
        "batch": batch, "enrolments": enrolments, "taken": taken, "free": max(batch.capacity - taken, 0),
        "transitions": [(s, BatchStatus(s).label) for s in services.allowed_transitions(batch)],
        "capacity_form": CapacityForm(initial={"capacity": batch.capacity}),
        "session_count": batch.sessions.count(),
        "can_enrol": batch.status in services.ENROLLING_STATUSES,
        "active_count": sum(1 for e in enrolments if e.status == EnrolmentStatus.ENROLLED),
    })


@require_POST
@operator_or_admin_required
def batch_transition(request, pk):
    batch = get_batch_for_user(request.user, pk, write=True)
    try:
        services.transition_batch(batch, request.POST.get("to", ""), by=request.user, request=request)
        messages.success(request, _("Status changed to %(status)s.") % {"status": batch.get_status_display()})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("programmes:batch_detail", pk=batch.pk)


@require_POST
@operator_or_admin_required
def batch_capacity(request, pk):
    batch = get_batch_for_user(request.user, pk, write=True)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("capacity", [])))
    else:
        try:
            services.set_capacity(batch, form.cleaned_data["capacity"], by=request.user, request=request)
            messages.success(request, _("Capacity is now %(n)s.") % {"n": batch.capacity})
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("programmes:batch_detail", pk=batch.pk)


@require_POST
@operator_or_admin_required
def batch_sessions(request, pk):
    batch = get_batch_for_user(request.user, pk, write=True)
    added = services.generate_sessions(batch, by=request.user)
    messages.success(request, _("%(n)s sessions added.") % {"n": added})
    return redirect("programmes:batch_detail", pk=batch.pk)

