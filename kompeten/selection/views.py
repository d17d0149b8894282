"""Selection pages: rounds (staff), applying and results (job seekers), stages, reserve lists, what-if."""

import io
import tempfile
import zipfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import (
    job_seeker_required,
    operator_or_admin_required,
    province_admin_required,
    role_required,
)
from kompeten.core.access import int_param
from kompeten.core.errors import DomainError
from kompeten.privacy import services as privacy
from kompeten.reference.models import Region
from kompeten.registry.documents import document_kinds, missing_from
from kompeten.registry.models import Person
from kompeten.selection import allocation, services
from kompeten.selection.access import (
    can_run_round,
    get_application_for_user,
    get_offer_for_user,
    get_round_batch_for_user,
    get_round_for_user,
    is_selection_staff,
)
from kompeten.selection.forms import AddBatchForm, ApplyForm, ReservesForm, RoundForm, StageForm, WhatIfForm
from kompeten.selection.models import (
    Application,
    ApplicationStatus,
    Choice,
    Offer,
    OfferStatus,
    PriorityRule,
    RoundStatus,
    SelectionRound,
)
from kompeten.selection.rules import ineligibility, reason_text
from kompeten.training.services import seats_free

PAGE_SIZE = 50
BATCH_RELATED = ("batch__package", "batch__centre", "batch__programme_year")
# Rounds whose batches and reserved seats may still change, and whose stage results may be entered.
EDITABLE = services.BATCHES_EDITABLE
STAGE_STATUSES = services.STAGES_EDITABLE
RESULTS_OUT = {RoundStatus.PUBLISHED, RoundStatus.FINISHED}


# Reading priorities, cutoffs and seat categories ------------------------------------------------------

def _vector_labels():
    return {
        PriorityRule.NEVER_TRAINED: _("Never trained before"),
        PriorityRule.DOMICILE: _("Domicile in the centre's regency"),
        PriorityRule.TEST_SCORE: _("Written test"),
        PriorityRule.INTERVIEW_SCORE: _("Interview"),
        PriorityRule.UNEMPLOYED_LONGER: _("Registered for"),
    }


def describe_vector(vector, rules) -> list[dict]:
    """A priority vector as people read it: [{"label": "Never trained before", "value": "yes"}, ...]."""
    labels = _vector_labels()
    parts = []
    for rule, value in zip(rules, vector or [], strict=False):
        if rule in (PriorityRule.NEVER_TRAINED, PriorityRule.DOMICILE):
            text = _("yes") if value else _("no")
        elif rule == PriorityRule.UNEMPLOYED_LONGER:
            text = ngettext("%(n)s day", "%(n)s days", value) % {"n": value}
        else:
            text = str(value)
        parts.append({"rule": rule, "label": labels.get(rule, rule), "value": text})
    return parts


def rule_label(rule: str) -> str:
    if rule == "lottery":
        return _("the lottery (equal priority; the smaller lottery number goes first)")
    return str(PriorityRule(rule).label) if rule in PriorityRule.values else rule


def _regency_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def category_labels(categories) -> dict[str, str]:
    """"open", "women", "disability", "regency:64.74" -> what the seats are, in words."""
    regencies = _regency_names(c.split(":", 1)[1] for c in categories if c.startswith("regency:"))
    labels = {}
    for category in categories:
        if category == allocation.OPEN:
            labels[category] = _("Open seats")
        elif category == "women":
            labels[category] = _("Seats reserved for women")
        elif category == "disability":
            labels[category] = _("Seats reserved for persons with disabilities")
        elif category.startswith("regency:"):
            code = category.split(":", 1)[1]
            labels[category] = _("Seats reserved for residents of %(region)s") % {
                "region": regencies.get(code, code)}
        else:
            labels[category] = category
    return labels


def _cutoff_rows(round_batch, rules, labels) -> list[dict]:
    return [{"category": category, "label": labels.get(category, category),
             "cutoff": describe_vector(cutoff["vector"], rules), "lottery": cutoff["lottery"][:12]}
            for category, cutoff in sorted(round_batch.cutoffs.items(), key=lambda item: item[0] != allocation.OPEN)]


def _decorate_round_batches(round_, round_batches) -> None:
    """Adds readable reserves and cutoffs to each round batch, for the round pages."""
    categories = {c for rb in round_batches for c in [*rb.reserves, *rb.cutoffs]}
    labels = category_labels(categories | {allocation.OPEN})
    for rb in round_batches:
        rb.reserve_rows = [(labels[name], seats) for name, seats in sorted(rb.reserves.items()) if seats]
        rb.cutoff_rows = _cutoff_rows(rb, round_.rules, labels)


def explanation(application) -> list[dict]:
    """allocation.explain() in words: for each choice above the one given, its cutoff and what decided."""
    rows = allocation.explain(application)
    rules = application.round.rules
    labels = category_labels({c["category"] for row in rows for c in row["categories"]})
    for row in rows:
        row["own_parts"] = describe_vector(row["own"], rules)
        for category in row["categories"]:
            category["label"] = labels[category["category"]]
            category["cutoff_parts"] = describe_vector(category["cutoff"], rules)
            category["rule_label"] = rule_label(category["rule"])
            category["cutoff_lottery"] = category["cutoff_lottery"][:12]
    return rows


def _own_person(request) -> Person:
    person = (Person.objects.visible_to(request.user).filter(user=request.user)
              .select_related("education", "village").first())
    if person is None:
        raise Http404
    return person


def _round_is_open(round_) -> bool:
    return round_.status == RoundStatus.OPEN and round_.opens_at <= timezone.now() <= round_.closes_at


# Rounds ---------------------------------------------------------------------------------------------

@require_GET
@role_required("province_admin", "centre_operator", "job_seeker")
def round_list(request):
    rounds = SelectionRound.objects.visible_to(request.user).select_related("programme_year")
    if is_selection_staff(request.user):
        rounds = rounds.annotate(application_count=Count("applications", distinct=True),
                                 batch_count=Count("round_batches", distinct=True)).prefetch_related("centres")
        return render(request, "selection/round_list.html", {"rounds": rounds, "staff": True})
    applied = set(Application.objects.visible_to(request.user).filter(person__user=request.user)
                  .values_list("round_id", flat=True))
    rounds = list(rounds.prefetch_related("centres"))
    for round_ in rounds:
        round_.applied = round_.pk in applied
        round_.taking_applications = _round_is_open(round_)
    return render(request, "selection/round_list.html", {
        "open_rounds": [r for r in rounds if r.status == RoundStatus.OPEN],
        "other_rounds": [r for r in rounds if r.status != RoundStatus.OPEN], "staff": False,
    })


@require_http_methods(["GET", "POST"])
@operator_or_admin_required
def round_create(request):
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        round_ = services.create_round(
            programme_year=data["programme_year"], name=data["name"], centres=data["centres"],
            opens_at=data["opens_at"], closes_at=data["closes_at"], results_at=data["results_at"],
            rules=data["rules"], offer_days=data["offer_days"], uses_document_check=data["uses_document_check"],
            uses_test=data["uses_test"], uses_interview=data["uses_interview"], by=request.user,
        )
        messages.success(request, _("Selection round created. Add its batches, then open it."))
        return redirect("selection:round_detail", pk=round_.pk)
    return render(request, "selection/round_form.html", {"form": form})


def _round_batches(round_):
    return list(round_.round_batches.select_related(*BATCH_RELATED).order_by("batch__centre", "batch__start_date"))


@require_GET
@operator_or_admin_required
def round_detail(request, pk):
    round_ = get_round_for_user(request.user, pk, manage=True)
    round_batches = _round_batches(round_)
    _decorate_round_batches(round_, round_batches)
    chosen = dict(Choice.objects.filter(application__round=round_).exclude(
        application__status=ApplicationStatus.WITHDRAWN).values_list("batch_id").annotate(n=Count("id")))
    admitted = dict(round_.applications.filter(status=ApplicationStatus.ADMITTED)
                    .values_list("assigned_choice__batch_id").annotate(n=Count("id")))
    for rb in round_batches:
        rb.chosen, rb.admitted = chosen.get(rb.batch_id, 0), admitted.get(rb.batch_id, 0)
    by_status = dict(round_.applications.values_list("status").annotate(n=Count("id")))
    editable = round_.status in EDITABLE
    return render(request, "selection/round_detail.html", {
        "round": round_, "round_batches": round_batches, "editable": editable,
        "centres": round_.centres.all(), "rules": [rule_label(r) for r in round_.rules],
        "add_batch_form": AddBatchForm(round_=round_, user=request.user) if editable else None,
        "actions": _round_actions(round_) if can_run_round(request.user, round_) else [],
        "applications": sum(by_status.values()),
        "by_status": [(label, by_status[value]) for value, label in ApplicationStatus.choices if value in by_status],
    })


ROUND_ACTIONS = {
    "open": (services.open_round, {RoundStatus.DRAFT, RoundStatus.CLOSED}),
    "close": (services.close_round, {RoundStatus.OPEN}),
    "allocate": (services.run_allocation, {RoundStatus.CLOSED, RoundStatus.ALLOCATED}),
    "publish": (services.publish, {RoundStatus.ALLOCATED}),
    "finish": (services.finish_round, {RoundStatus.PUBLISHED}),
}


def _round_actions(round_) -> list[tuple[str, str]]:
    labels = {
        "open": _("Reopen registration") if round_.status == RoundStatus.CLOSED else _("Open registration"),
        "close": _("Close registration"),
        "allocate": _("Allocate again") if round_.status == RoundStatus.ALLOCATED else _("Allocate seats"),
        "publish": _("Publish results and send offers"),
        "finish": _("Finish the round (no more offers from the reserve list)"),
    }
    return [(action, labels[action]) for action, (_verb, statuses) in ROUND_ACTIONS.items()
            if round_.status in statuses]


@require_POST
@operator_or_admin_required
def round_transition(request, pk):
    round_ = get_round_for_user(request.user, pk, manage=True)
    if not can_run_round(request.user, round_):
        raise Http404
    action = ROUND_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
        return redirect("selection:round_detail", pk=round_.pk)
    try:
        result = action[0](round_, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("selection:round_detail", pk=round_.pk)
    if request.POST["action"] == "allocate":
        messages.success(request, _("Seats allocated: %(admitted)s of %(applicants)s applicants admitted. "
                                    "Check, then publish.") % result)
    elif request.POST["action"] == "publish":
        messages.success(request, _("Results published: %(n)s offers sent.") % {"n": result})
    else:
        messages.success(request, _("The round is now: %(status)s.") % {"status": round_.get_status_display()})
    return redirect("selection:round_detail", pk=round_.pk)


@require_POST
@operator_or_admin_required
def round_add_batch(request, pk):
    round_ = get_round_for_user(request.user, pk, manage=True)
    form = AddBatchForm(request.POST, round_=round_, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            round_batch = services.add_batch(round_, form.cleaned_data["batch"], by=request.user)
            messages.success(request, _("Batch added with %(n)s seats.") % {"n": round_batch.seats})
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("selection:round_detail", pk=round_.pk)


@require_GET
def round_inputs(request, pk):
    """Public: the allocation's inputs as the three CSV files `kompeten allocate` reads (no personal
    data), with the seed and the closing digest, so that anyone can recompute the result."""
    round_ = get_round_for_user(request.user, pk, public=True)
    if round_.status not in RESULTS_OUT or not round_.allocated_at:
        raise Http404
    with tempfile.TemporaryDirectory() as folder:
        allocation.export_inputs(round_, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("programmes.csv", "applicants.csv", "applications.csv"):
                archive.write(Path(folder) / name, name)
            archive.writestr("README.txt", (
                f"Round {round_.pk}: {round_.name}\nseed: {round_.seed}\nseed sha256: {round_.seed_hash}\n"
                f"closing digest: {round_.closing_digest}\nrules: {', '.join(round_.rules)}\n"
                "lottery = first 13 hex digits of sha256(seed:closing digest:applicant_id)\n"
                "closing digest = sha256 of the sorted applicant_id values, one per line\n"
                "recompute: kompeten allocate . --out result.csv\n"))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="seleksi-{round_.pk}-input.zip"'
    return response


@require_GET
def round_results(request, pk):
    """Public: seats, cutoffs and the lottery seed of a round; nothing about any person."""
    round_ = get_round_for_user(request.user, pk, public=True)
    round_batches = _round_batches(round_)
    _decorate_round_batches(round_, round_batches)
    return render(request, "selection/round_results.html", {
        "round": round_, "round_batches": round_batches, "results_out": round_.status in RESULTS_OUT,
        "rules": [rule_label(r) for r in round_.rules], "centres": round_.centres.all(),
    })


@require_GET
@province_admin_required
def what_if(request, pk):
    """Another rule order or other capacities, compared with the round's own settings. Nothing is saved."""
    round_ = get_round_for_user(request.user, pk, manage=True)
    round_batches = _round_batches(round_)
    form = WhatIfForm(request.GET if "run" in request.GET else None, round_=round_, round_batches=round_batches)
    comparison = None
    if round_.status not in (RoundStatus.CLOSED, RoundStatus.ALLOCATED):
        # The lottery needs the closing digest, and after publishing the result stands.
        messages.info(request, _("What-if comparisons are made after registration closes and before publishing."))
        form = WhatIfForm(None, round_=round_, round_batches=round_batches)
    elif round_batches and form.is_bound and form.is_valid():
        current = allocation.allocate_round(round_, save=False)
        changed = allocation.allocate_round(round_, save=False, rules=form.cleaned_data["rules"],
                                            seats=form.cleaned_data["seats"])
        comparison = _compare(round_batches, form.cleaned_data["seats"], current, changed)
    return render(request, "selection/what_if.html", {
        "round": round_, "form": form, "comparison": comparison,
        "rules": [rule_label(r) for r in round_.rules],
    })


def _compare(round_batches, seats, current, changed) -> dict:
    def row(label, before, after):
        return {"label": label, "before": before, "after": after, "diff": after - before}

    batches = [row(str(rb.batch), current["per_batch"].get(rb.batch_id, 0), changed["per_batch"].get(rb.batch_id, 0))
               for rb in round_batches]
    for rb, batch_row in zip(round_batches, batches, strict=True):
        batch_row["seats_before"], batch_row["seats_after"] = rb.seats, seats.get(rb.batch_id, rb.seats)
    codes = set(current["never_trained_per_regency"]) | set(changed["never_trained_per_regency"])
    names = _regency_names(codes)
    regencies = [row(names.get(code) or code or _("(no address)"), current["never_trained_per_regency"].get(code, 0),
                     changed["never_trained_per_regency"].get(code, 0)) for code in sorted(codes)]
    moved = sum(1 for pk, batch in changed["assignment"].items() if current["assignment"].get(pk) != batch)
    return {
        "totals": [row(_("Applicants"), current["applicants"], changed["applicants"]),
                   row(_("Admitted"), current["admitted"], changed["admitted"]),
                   row(_("Never-trained admitted"), current["never_trained_admitted"],
                       changed["never_trained_admitted"])],
        "batches": batches, "regencies": regencies, "moved": moved,
    }


# Batches of a round: reserved seats and the reserve list ----------------------------------------------

def _round_batch_context(round_batch, reserves_form=None) -> dict:
    round_ = round_batch.round
    _decorate_round_batches(round_, [round_batch])
    waiting = []
    if round_.status in RESULTS_OUT:
        waiting = services.reserve_list(round_batch)
        for choice in waiting:
            choice.parts = describe_vector(choice.priority, round_.rules)
    if reserves_form is None and round_.status in EDITABLE:
        reserves_form = ReservesForm(round_batch=round_batch)
    return {"round": round_, "round_batch": round_batch, "waiting": waiting, "free": seats_free(round_batch.batch),
            "results_out": round_.status in RESULTS_OUT, "reserves_form": reserves_form}


@require_GET
@operator_or_admin_required
def round_batch_detail(request, pk):
    round_batch = get_round_batch_for_user(request.user, pk)
    return render(request, "selection/round_batch_detail.html", _round_batch_context(round_batch))


@require_POST
@operator_or_admin_required
def round_batch_reserves(request, pk):
    round_batch = get_round_batch_for_user(request.user, pk)
    form = ReservesForm(request.POST, round_batch=round_batch)
    if not form.is_valid():
        return render(request, "selection/round_batch_detail.html", _round_batch_context(round_batch, form),
                      status=400)
    try:
        services.set_reserves(round_batch, form.cleaned_data["reserves"], by=request.user)
        messages.success(request, _("Reserved seats saved."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("selection:round_batch_detail", pk=round_batch.pk)


@require_POST
@operator_or_admin_required
def offer_free_seats(request, pk):
    round_batch = get_round_batch_for_user(request.user, pk)
    if round_batch.round.status != RoundStatus.PUBLISHED:
        messages.error(request, _("Free seats are offered from the reserve list after the results are published."))
        return redirect("selection:round_batch_detail", pk=round_batch.pk)
    made = services.offer_next(round_batch.batch, by=request.user)
    if made:
        messages.success(request, ngettext("%(n)s seat offered from the reserve list.",
                                           "%(n)s seats offered from the reserve list.", len(made)) % {"n": len(made)})
    else:
        messages.info(request, _("No seat offered: no free seat, or nobody waiting."))
    return redirect("selection:round_batch_detail", pk=round_batch.pk)


# Applications (staff) -------------------------------------------------------------------------------

@require_GET
@operator_or_admin_required
def application_list(request, pk):
    round_ = get_round_for_user(request.user, pk, manage=True)
    applications = (Application.objects.visible_to(request.user).filter(round=round_)
                    .select_related("person", "assigned_choice")
                    .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("batch__package")))
                    .order_by("person__full_name", "pk"))
    round_batches = _round_batches(round_)
    batch = request.GET.get("batch", "")
    if (batch_id := int_param(batch)) is not None:
        applications = applications.filter(choices__batch_id=batch_id)
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "selection/application_list.html", {
        "round": round_, "page": page, "round_batches": round_batches, "filters": request.GET,
        "statuses": ApplicationStatus.choices,
    })


@require_GET
@operator_or_admin_required
def application_detail(request, pk):
    application = get_application_for_user(request.user, pk, manage=True)
    privacy.log_view(request, application.person, page="application", obj=application)
    return render(request, "selection/application_detail.html", _application_context(application))


def _stages(round_):
    return [stage for stage, used in (("documents", round_.uses_document_check), ("test", round_.uses_test),
                                      ("interview", round_.uses_interview)) if used]


def _application_context(application, forms=None) -> dict:
    round_ = application.round
    forms = forms or {}
    stages = []
    for stage in _stages(round_):
        value = getattr(application, services.STAGES[stage])
        initial = {True: "1", False: "0"}.get(value, value) if stage == "documents" else value
        form = forms.get(stage) or StageForm(stage=stage, initial={"value": initial})
        stages.append({"stage": stage, "form": form, "value": value, "by": getattr(application, f"{stage}_by"),
                       "at": getattr(application, f"{stage}_at")})
    choices = list(application.choices.select_related(*BATCH_RELATED))
    in_training = services.person_in_training(application.person)
    kinds = document_kinds([application.person_id]).get(application.person_id, set())
    for choice in choices:
        missing = missing_from(kinds, choice.batch.package.required_documents)
        choice.reasons = [reason_text(code, choice.batch.package, missing_documents=missing)
                          for code in ineligibility(application.person, choice.batch, in_training=in_training,
                                                    check_status=False, missing_documents=missing)]
    return {
        "application": application, "round": round_, "person": application.person, "stages": stages,
        "can_record": round_.status in STAGE_STATUSES, "choices": choices,
        "explanation": explanation(application) if round_.status in RESULTS_OUT else None,
        "offers": application.offers.select_related(*BATCH_RELATED),
    }


@require_POST
@operator_or_admin_required
def application_stage(request, pk):
    application = get_application_for_user(request.user, pk, manage=True)
    stage = request.POST.get("stage", "")
    if stage not in _stages(application.round):
        messages.error(request, _("This round has no such selection stage."))
        return redirect("selection:application_detail", pk=application.pk)
    form = StageForm(request.POST, stage=stage)
    if not form.is_valid():
        return render(request, "selection/application_detail.html",
                      _application_context(application, {stage: form}), status=400)
    try:
        services.record_stage(application, stage, form.cleaned_data["value"], by=request.user)
        messages.success(request, _("Result saved."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("selection:application_detail", pk=application.pk)


# Job seekers ----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@job_seeker_required
def apply(request, pk):
    round_ = get_round_for_user(request.user, pk)
    person = _own_person(request)
    existing = Application.objects.visible_to(request.user).filter(round=round_, person=person).first()
    in_training = services.person_in_training(person)
    round_batches = list(round_.round_batches.select_related(
        *BATCH_RELATED, "batch__package__min_education", "batch__package__max_education",
        "batch__package__domicile").order_by("batch__start_date", "batch__package__name"))
    kinds = document_kinds([person.pk]).get(person.pk, set())
    for rb in round_batches:
        rb.missing_documents = missing_from(kinds, rb.batch.package.required_documents)
        rb.reasons = [reason_text(code, rb.batch.package, missing_documents=rb.missing_documents)
                      for code in ineligibility(person, rb.batch, in_training=in_training,
                                                missing_documents=rb.missing_documents)]
    eligible = [rb.batch for rb in round_batches if not rb.reasons]
    if existing is not None:
        refusal = services.MESSAGES["already_applied"]
    elif not _round_is_open(round_):
        refusal = services.MESSAGES["round_not_open"]
    elif not eligible:
        refusal = _("You are not eligible for any batch of this round; the reasons are below.")
    else:
        refusal = None
    form = ApplyForm(request.POST or None, batches=eligible) if refusal is None else None
    if request.method == "POST":
        if form is None:
            messages.error(request, refusal)
            if existing is not None:
                return redirect("selection:my_applications")
            return redirect("selection:apply", pk=round_.pk)
        if form.is_valid():
            try:
                services.apply(round_, person, form.cleaned_data["batch_ids"], by=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your application is in. You will hear from us when the results "
                                            "are out."))
                return redirect("selection:my_applications")
    return render(request, "selection/apply.html", {
        "round": round_, "round_batches": round_batches, "form": form, "existing": existing, "refusal": refusal,
        "in_training": in_training,
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


@require_GET
@job_seeker_required
def my_applications(request):
    person = _own_person(request)
    applications = list(
        Application.objects.visible_to(request.user).filter(person=person)
        .select_related("round", "assigned_choice__batch__package", "assigned_choice__batch__centre")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related(*BATCH_RELATED)),
                          Prefetch("offers", queryset=Offer.objects.select_related(*BATCH_RELATED)))
        .order_by("-submitted_at"))
    now = timezone.now()
    for application in applications:
        application.results_out = application.round.status in RESULTS_OUT
        application.explanation = explanation(application) if application.results_out else []
        for offer in application.offers.all():
            offer.answerable = offer.status == OfferStatus.OPEN and offer.expires_at >= now
    return render(request, "selection/my_applications.html", {
        "applications": applications, "person": person,
        "priority": _never_trained_priority(person, applications) if applications else None,
    })


def _never_trained_priority(person, applications) -> dict:
    """Why the applicant does or does not count as never trained (the "never trained before" priority): the
    training they declared, the prior trainings found for them (record linkage, each contestable when it came
    from a participant list) and the trainings they completed; and the contests a reviewer upheld."""
    from kompeten.linkage.forms import ContestForm
    from kompeten.linkage.services import priority_facts

    facts = priority_facts(person)
    facts["used"] = any(PriorityRule.NEVER_TRAINED in (a.round.rules or []) for a in applications)
    facts["contest_form"] = ContestForm()
    return facts


def _answer_offer(request, pk, verb, done):
    offer = get_offer_for_user(request.user, pk, answer=True)
    try:
        verb(offer, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("selection:my_applications")


@require_POST
@job_seeker_required
def offer_accept(request, pk):
    return _answer_offer(request, pk, services.accept_offer,
                         _("Seat confirmed (daftar ulang). You are enrolled; the training centre will contact you."))


@require_POST
@job_seeker_required
def offer_decline(request, pk):
    return _answer_offer(request, pk, services.decline_offer, _("Offer declined. The seat goes to the next applicant."))

