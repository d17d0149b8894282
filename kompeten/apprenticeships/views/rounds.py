"""Matching rounds of apprenticeships (the province admin runs them, operators look), and the candidate's side:
choosing offers in an open round, and "my apprenticeship" (applications with their outcome explained in plain
words, placements, the logbook, the certificate).

Every rule is a service call (services.py, matching.py) whose DomainError message is shown to the user; every
object comes through a scoped queryset, and anything else is a 404."""

from collections import defaultdict

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kompeten.accounts.decorators import (
    job_seeker_required,
    operator_or_admin_required,
    province_admin_required,
)
from kompeten.apprenticeships import matching, services
from kompeten.apprenticeships.models import (
    Application,
    CandidatePool,
    CompanyDecision,
    MatchingRound,
    Placement,
    PlacementStatus,
    RoundStatus,
)
from kompeten.apprenticeships.placement_forms import ApplyForm, LogbookForm, RoundForm, rupiah, writable_weeks
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.certificates.models import Certificate
from kompeten.core.access import get_or_404
from kompeten.core.errors import DomainError
from kompeten.registry.models import Person

RESULTS_OUT = {RoundStatus.PUBLISHED}
OFFER_RELATED = ("company__region", "occupation", "min_education", "scheme")


def _own_person(request) -> Person:
    person = Person.objects.visible_to(request.user).filter(user=request.user).select_related("education").first()
    if person is None:
        raise Http404
    return person


def _get_round(pk) -> MatchingRound:
    return get_or_404(MatchingRound.objects.select_related("programme_year", "matched_by"), pk)


def taking_applications(matching_round, today=None) -> bool:
    today = today or timezone.localdate()
    return (matching_round.status == RoundStatus.OPEN
            and matching_round.opens_at <= today <= matching_round.closes_at)


# --- explanations in plain words ------------------------------------------------------------------


def explain(application) -> str:
    """The stored outcome of an application (matching.match) as the candidate reads it."""
    company = application.offer.company.name
    data = application.explanation or {}
    if application.outcome == matching.PLACED:
        return _("You are placed at %(company)s.") % {"company": company}
    if application.outcome == matching.EXCLUDED:
        codes = list(data.get("reasons", []))
        if "rejected" in codes:
            return _("%(company)s did not accept your application.") % {"company": company}
        if "already_placed" in codes:
            return _("You already had an apprenticeship that was not finished, so this offer was not open to you.")
        return _("You did not meet the requirements of this offer: %(reasons)s.") % {
            "reasons": services.reason_text(codes)}
    if application.outcome == matching.NOT_PLACED:
        if data.get("lower_choice"):
            return _("You were placed at a choice you ranked higher, so this one was not needed.")
        slots, position, last = data.get("slots", 0), data.get("position"), data.get("last_placed", 0)
        if not slots:
            return _("%(company)s had no free slot left in this round.") % {"company": company}
        if last:
            return ngettext(
                "%(company)s filled its %(slots)s slot with a candidate it ranked higher: you were number "
                "%(position)s in its order, the last placed was number %(last)s.",
                "%(company)s filled its %(slots)s slots with candidates it ranked higher: you were number "
                "%(position)s in its order, the last placed was number %(last)s.", slots) % {
                "company": company, "slots": slots, "position": position, "last": last}
        return _("%(company)s did not place you: you were number %(position)s in its order.") % {
            "company": company, "position": position}
    return _("Waiting for the result of the round.")


def outcome_label(application) -> tuple[str, str]:
    """(badge label, Bootstrap colour) of an application's outcome."""
    return {
        matching.PLACED: (_("Placed"), "success"),
        matching.NOT_PLACED: (_("Not placed"), "warning"),
        matching.EXCLUDED: (_("Not considered"), "secondary"),
    }.get(application.outcome, (_("Waiting for the result"), "info"))


# --- rounds (staff) -------------------------------------------------------------------------------


@require_GET
@operator_or_admin_required
def round_list(request):
    rounds = (MatchingRound.objects.select_related("programme_year")
              .annotate(offer_count=Count("offers", filter=Q(offers__status__in=["approved", "closed"]),
                                          distinct=True),
                        application_count=Count("offers__applications", distinct=True)))
    return render(request, "apprenticeships/round_list.html", {
        "rounds": rounds, "can_manage": request.user.is_province_admin})


@require_http_methods(["GET", "POST"])
@province_admin_required
def round_create(request):
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        matching_round = form.save()
        record(AuditEntry.Action.CREATE, matching_round, by=request.user, request=request)
        messages.success(request, _("Round created. Approve offers into it; candidates apply while it is open."))
        return redirect("apprenticeships:round_detail", pk=matching_round.pk)
    return render(request, "apprenticeships/round_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


def _round_actions(matching_round) -> list[tuple[str, str, str]]:
    """(url name, label, button style) of the steps the round can take now."""
    status = matching_round.status
    actions = []
    if status == RoundStatus.OPEN:
        actions.append(("apprenticeships:round_close", _("Close applications"), "btn-outline-primary"))
    if status in (RoundStatus.CLOSED, RoundStatus.MATCHED):
        label = _("Match again") if status == RoundStatus.MATCHED else _("Run the matching")
        actions.append(("apprenticeships:round_match", label, "btn-outline-primary"))
    if status == RoundStatus.MATCHED:
        actions.append(("apprenticeships:round_publish", _("Publish the result and draft the agreements"),
                        "btn-primary"))
    return actions


@require_GET
@operator_or_admin_required
def round_detail(request, pk):
    matching_round = _get_round(pk)
    offers = list(matching_round.offers.select_related("company", "occupation")
                  .annotate(applicants=Count("applications", distinct=True))
                  .order_by("company__name", "title"))
    outcomes = defaultdict(dict)
    for offer_id, outcome, n in (Application.objects.filter(offer__matching_round=matching_round)
                                 .values_list("offer_id", "outcome").annotate(n=Count("id"))):
        outcomes[offer_id][outcome or ""] = n
    decisions = defaultdict(dict)
    for offer_id, decision, n in (Application.objects.filter(offer__matching_round=matching_round)
                                  .values_list("offer_id", "decision").annotate(n=Count("id"))):
        decisions[offer_id][decision] = n
    placements = dict(Placement.objects.filter(offer__in=[o.pk for o in offers], application__isnull=False)
                      .values_list("offer_id").annotate(n=Count("id")))
    summary = matching_round.summary or {}
    matched = matching_round.status in (RoundStatus.MATCHED, RoundStatus.PUBLISHED) and bool(summary)
    for offer in offers:
        counts = outcomes.get(offer.pk, {})
        offer.placed = counts.get(matching.PLACED, 0)
        offer.not_placed = counts.get(matching.NOT_PLACED, 0)
        offer.excluded = counts.get(matching.EXCLUDED, 0)
        offer.accepted = decisions.get(offer.pk, {}).get(CompanyDecision.ACCEPTED, 0)
        offer.rejected = decisions.get(offer.pk, {}).get(CompanyDecision.REJECTED, 0)
        offer.capacity = summary.get("capacity", {}).get(str(offer.pk)) if matched else None
        offer.placements_made = placements.get(offer.pk, 0)
    candidates = (Application.objects.filter(offer__matching_round=matching_round)
                  .values("person").distinct().count())
    pairs = None
    if matched:
        pairs = matching.blocking_pairs(matching_round)
        titles = {o.pk: str(o) for o in offers}
        pairs = [titles.get(offer_id, offer_id) for _person, offer_id in pairs]
    return render(request, "apprenticeships/round_detail.html", {
        "round": matching_round, "offers": offers, "summary": summary if matched else None,
        "candidates": candidates, "blocking": pairs, "matched": matched,
        "actions": _round_actions(matching_round) if request.user.is_province_admin else [],
        "taking_applications": taking_applications(matching_round),
    })


def _round_step(request, pk, step, done):
    matching_round = _get_round(pk)
    try:
        result = step(matching_round, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done(result))
    return redirect("apprenticeships:round_detail", pk=matching_round.pk)


@require_POST
@province_admin_required
def round_close(request, pk):
    return _round_step(request, pk, services.close_round,
                       lambda _r: _("Applications closed. Companies rank or decide on their applicants, then run the "
                                    "matching."))


@require_POST
@province_admin_required
def round_match(request, pk):
    return _round_step(request, pk, matching.match,
                       lambda s: _("Matching done: %(placed)s of %(candidates)s candidates placed. Check the result, "
                                   "then publish it (you may match again until then).") % s)


@require_POST
@province_admin_required
def round_publish(request, pk):
    return _round_step(request, pk, matching.publish,
                       lambda n: ngettext("Result published: %(n)s agreement drafted.",
                                          "Result published: %(n)s agreements drafted.", n) % {"n": n})


# --- the candidate's side -------------------------------------------------------------------------


def _refusal(person, matching_round, today) -> str | None:
    """Why the person cannot choose offers in this round now (None when they can)."""
    if matching_round.status != RoundStatus.OPEN:
        return str(services.MESSAGES["round_not_open"]) % {"round": matching_round.name}
    if not matching_round.opens_at <= today <= matching_round.closes_at:
        return str(services.MESSAGES["round_not_in_period"]) % {
            "round": matching_round.name, "opens": f"{matching_round.opens_at:%d-%m-%Y}",
            "closes": f"{matching_round.closes_at:%d-%m-%Y}"}
    if matching_round.pool == CandidatePool.TRAINED and not services.completed_training(person):
        return str(services.MESSAGES["not_in_pool"]) % {"person": person.full_name}
    if services.has_open_placement(person):
        return str(services.MESSAGES["already_placed"]) % {"person": person.full_name}
    return None


@require_http_methods(["GET", "POST"])
@job_seeker_required
def round_apply(request, pk):
    matching_round = _get_round(pk)
    person = _own_person(request)
    today = timezone.localdate()
    offers = list(services.round_offers(matching_round).select_related(*OFFER_RELATED)
                  .prefetch_related("locations", "vocations").order_by("company__name", "title"))
    for offer in offers:
        offer.allowance_text = rupiah(offer.allowance)
        offer.reasons = [services.INELIGIBLE_TEXT.get(code, code)
                         for code in services.ineligibility(person, offer, today=today)]
    eligible = [offer for offer in offers if not offer.reasons]
    existing = list(Application.objects.visible_to(request.user)
                    .filter(person=person, offer__matching_round=matching_round).order_by("rank"))
    refusal = _refusal(person, matching_round, today)
    if refusal is None and not eligible:
        refusal = _("You do not meet the requirements of any offer of this round; the reasons are below.")
    form = None
    if refusal is None:
        form = ApplyForm(request.POST or None, offers=eligible, max_choices=matching_round.max_choices,
                         initial_ids=[a.offer_id for a in existing])
    if request.method == "POST":
        if form is None:
            messages.error(request, refusal)
            return redirect("apprenticeships:round_apply", pk=matching_round.pk)
        if form.is_valid():
            try:
                services.apply(person, matching_round, form.cleaned_data["offers"], by=request.user,
                               today=today, request=request)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your choices are saved. You can change them until %(day)s; the "
                                            "result comes after the companies have decided.") % {
                    "day": f"{matching_round.closes_at:%d-%m-%Y}"})
                return redirect("apprenticeships:mine")
    return render(request, "apprenticeships/round_apply.html", {
        "round": matching_round, "offers": offers, "form": form, "refusal": refusal, "existing": existing,
        "person": person,
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


def logbook_context(placement, *, today=None) -> dict:
    """The logbook of a placement with the apprentice's write form (when running)."""
    entries = list(placement.logbook.select_related("confirmed_by").order_by("-week_start"))
    form = None
    if placement.status in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED):
        weeks = writable_weeks(placement, today=today, confirmed=[e.week_start for e in entries if e.is_confirmed])
        if weeks:
            current = next((e for e in entries if e.week_start == weeks[0]), None)
            initial = {}
            if current is not None:
                initial = {"activities": current.activities, "practice_hours": current.practice_hours,
                           "theory_hours": current.theory_hours}
            form = LogbookForm(weeks=weeks, initial=initial, prefix=f"log{placement.pk}")
    return {"entries": entries, "form": form}


@require_GET
@job_seeker_required
def my_apprenticeship(request):
    person = _own_person(request)
    today = timezone.localdate()
    applications = list(Application.objects.visible_to(request.user).filter(person=person)
                        .select_related("offer__company", "offer__matching_round")
                        .order_by("-offer__matching_round__opens_at", "offer__matching_round", "rank"))
    rounds = {}
    for application in applications:
        matching_round = application.offer.matching_round
        if matching_round is None:
            continue
        entry = rounds.setdefault(matching_round.pk, {"round": matching_round, "applications": [],
                                                      "results_out": matching_round.status in RESULTS_OUT})
        if entry["results_out"]:
            application.text = explain(application)
            application.badge, application.colour = outcome_label(application)
        entry["applications"].append(application)
    applied_rounds = set(rounds)
    open_rounds = [r for r in MatchingRound.objects.filter(status=RoundStatus.OPEN).order_by("closes_at")
                   if taking_applications(r, today)]
    for matching_round in open_rounds:
        matching_round.applied = matching_round.pk in applied_rounds
    placements = list(Placement.objects.filter(person=person)
                      .select_related("offer__occupation", "company", "mentor")
                      .order_by("-start_date", "-pk"))
    certificates = {c.placement_id: c for c in Certificate.objects.current().filter(placement__in=placements)}
    for placement in placements:
        placement.certificate = certificates.get(placement.pk)
        placement.log = logbook_context(placement, today=today)
    return render(request, "apprenticeships/mine.html", {
        "person": person, "rounds": list(rounds.values()), "open_rounds": open_rounds, "placements": placements,
    })
