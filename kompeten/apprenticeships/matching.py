"""A matching round of apprenticeships: the selection engine (selection/engine.py) run as a two-sided market.

Candidates propose (candidate-proposing deferred acceptance) along their ranked offers. Each offer's strict
order of its applicants is the company's: first those it ranked itself (in its order), then those it left
unranked, ordered by the offer's criteria (rules.criteria_score), ties broken by the round's lottery. Applicants
the company rejected, and those who do not meet the offer's requirements, are not in the market for that offer.
An offer's capacity is its slots less those already taken by placements made outside the round.

With strict priorities and capacities, DA gives the stable matching every candidate prefers to any other
stable one (Gale and Shapley 1962; Roth 1984 for the college-admissions form): no candidate and company would
both rather be matched to each other, and no slot goes unused while an acceptable candidate wanted it.

``match`` computes and stores the result (outcome and explanation per application) and may run again until
``publish`` turns the placed applications into placements (agreements drafted).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from kompeten.apprenticeships import rules
from kompeten.apprenticeships.models import (
    DEFAULT_CRITERIA,
    OPEN_STATUSES,
    Application,
    CompanyDecision,
    MatchingRound,
    Placement,
    PlacementSource,
    RoundStatus,
)
from kompeten.apprenticeships.services import (
    _error,
    _new_placement,
    _round_status,
    _user,
    ineligibility,
    round_offers,
    taken_slots,
)
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.selection import engine

PLACED, NOT_PLACED, EXCLUDED = "placed", "not_placed", "excluded"


def lottery_number(seed: str, person_id: int) -> int:
    """The person's lottery number in the round: the first 8 bytes of SHA-256(seed:person), smaller first."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{person_id}".encode()).digest()[:8], "big") >> 1


def _facts(applications, offers) -> dict[int, rules.CandidateFacts]:
    """application id -> what the criteria look at, for all applications in a fixed number of queries."""
    from kompeten.certificates.models import Certificate, CertificateKind
    from kompeten.training.models import Enrolment, EnrolmentStatus

    person_ids = {a.person_id for a in applications}
    schemes = defaultdict(set)
    for person_id, scheme_code in (Certificate.objects.current().filter(
            person__in=person_ids, kind=CertificateKind.COMPETENCY).values_list("person_id", "scheme_code")):
        schemes[person_id].add(scheme_code)
    vocations = defaultdict(set)
    for person_id, vocation_id in Enrolment.objects.filter(person__in=person_ids, status=EnrolmentStatus.COMPLETED
                                                           ).values_list("person_id", "batch__package__vocation_id"):
        vocations[person_id].add(vocation_id)
    wanted_vocations = defaultdict(set)
    for offer in offers:
        wanted_vocations[offer.pk] = {v.pk for v in offer.vocations.all()}
    locations = {offer.pk: [r.code[:5] for r in offer.locations.all()] for offer in offers}
    order_in_offer = defaultdict(int)
    facts = {}
    for application in sorted(applications, key=lambda a: (a.created_at, a.pk)):
        person = application.person
        offer = application.offer
        held = schemes.get(person.pk, set())
        village = person.village_id or ""
        facts[application.pk] = rules.CandidateFacts(
            has_wanted_certificate=bool(offer.scheme_id and offer.scheme.code in held),
            has_certificate=bool(held),
            trained_in_wanted_vocation=bool(vocations.get(person.pk, set()) & wanted_vocations[offer.pk]),
            completed_training=bool(vocations.get(person.pk)),
            education_order=person.education.order if person.education_id else 0,
            lives_nearby=any(village.startswith(code) for code in locations[offer.pk]),
            applied_order=order_in_offer[offer.pk],
        )
        order_in_offer[offer.pk] += 1
    return facts


def _market(matching_round: MatchingRound, *, today):
    offers = list(round_offers(matching_round).select_related("company", "scheme", "min_education")
                  .prefetch_related("vocations", "locations").order_by("pk"))
    applications = list(Application.objects.filter(offer__in=offers)
                        .select_related("person__education", "offer__scheme", "offer__min_education")
                        .order_by("person_id", "rank", "pk"))
    facts = _facts(applications, offers)
    certified = {a.person_id for a in applications if facts[a.pk].has_certificate}
    placed_elsewhere = set(Placement.objects.filter(person__in={a.person_id for a in applications},
                                                    status__in=OPEN_STATUSES).values_list("person_id", flat=True))
    excluded = {}
    for application in applications:
        offer = application.offer
        if application.decision == CompanyDecision.REJECTED:
            excluded[application.pk] = ["rejected"]
            continue
        if application.person_id in placed_elsewhere:
            excluded[application.pk] = ["already_placed"]
            continue
        reasons = ineligibility(application.person, offer, today=today,
                                has_certificate=(facts[application.pk].has_wanted_certificate if offer.scheme_id
                                                 else application.person_id in certified))
        if reasons:
            excluded[application.pk] = reasons
    return offers, applications, facts, excluded


@transaction.atomic
def match(matching_round: MatchingRound, *, by, today=None, request=None) -> dict:
    """Run the matching of a closed round (again, until it is published) and store each application's outcome
    and explanation. Returns the round's summary."""
    today = today or timezone.localdate()
    matching_round = MatchingRound.objects.select_for_update().get(pk=matching_round.pk)
    if matching_round.status not in (RoundStatus.CLOSED, RoundStatus.MATCHED):
        raise _error("round_state", round=matching_round.name, status=matching_round.get_status_display())
    if not matching_round.lottery_seed:
        matching_round.lottery_seed = secrets.token_hex(16)
    offers, applications, facts, excluded = _market(matching_round, today=today)
    offer_index = {offer.pk: i for i, offer in enumerate(offers)}
    capacities = [max(offer.slots - taken_slots(offer), 0) for offer in offers]
    by_person = defaultdict(list)
    for application in applications:
        by_person[application.person_id].append(application)
    person_ids = sorted(by_person)
    lottery = [lottery_number(matching_round.lottery_seed, pid) for pid in person_ids]
    choices, scores = [], []
    for pid in person_ids:
        row, row_scores = [], []
        for application in by_person[pid]:
            offer = application.offer
            criteria = rules.criteria_score(facts[application.pk], offer.criteria or DEFAULT_CRITERIA)
            application.score = rules.company_score(application.company_rank, criteria)
            if application.pk in excluded:
                continue
            row.append(offer_index[offer.pk])
            row_scores.append(application.score)
        choices.append(row)
        scores.append(row_scores)
    result = engine.allocate(engine.Instance.from_lists(capacities=capacities, lottery=lottery, choices=choices,
                                                        scores=scores))
    # Each offer's order of its (eligible) applicants, to tell a candidate where they stood.
    order = defaultdict(list)
    for a_index, pid in enumerate(person_ids):
        for application in by_person[pid]:
            if application.pk not in excluded:
                order[application.offer_id].append((engine.priority_key(application.score, lottery[a_index]),
                                                    application.pk))
    position = {}
    for entries in order.values():
        for place, (_key, application_id) in enumerate(sorted(entries), start=1):
            position[application_id] = place
    assigned_offer = {}
    for a_index, pid in enumerate(person_ids):
        p = int(result.assignment[a_index])
        if p != engine.UNASSIGNED:
            assigned_offer[pid] = offers[p].pk
    last_place = defaultdict(int)
    for application in applications:
        if assigned_offer.get(application.person_id) == application.offer_id:
            last_place[application.offer_id] = max(last_place[application.offer_id], position[application.pk])
    for pid in person_ids:
        got = assigned_offer.get(pid)
        above = True
        for application in by_person[pid]:
            offer = application.offer
            if application.offer_id == got:
                application.outcome, application.explanation = PLACED, {"position": position[application.pk]}
                above = False
            elif application.pk in excluded:
                application.outcome = EXCLUDED
                application.explanation = {"reasons": excluded[application.pk]}
            else:
                application.outcome = NOT_PLACED
                application.explanation = (
                    {"position": position[application.pk], "slots": capacities[offer_index[offer.pk]],
                     "last_placed": last_place.get(offer.pk, 0)} if above else {"lower_choice": True})
    Application.objects.bulk_update(applications, ["score", "outcome", "explanation"], batch_size=500)
    # Applications to offers that left the round since an earlier run (closed, withdrawn) keep no outcome: publish
    # would otherwise place them.
    (Application.objects.filter(offer__matching_round=matching_round).exclude(offer__in=[o.pk for o in offers])
     .update(outcome="", explanation={}))
    summary = {
        "offers": len(offers), "slots": sum(capacities), "candidates": len(person_ids),
        "placed": len(assigned_offer), "not_placed": len(person_ids) - len(assigned_offer),
        # The candidate's own first choice (the engine's rank counts only the choices left in the market).
        "first_choice": sum(1 for a in applications if a.outcome == PLACED and a.rank == 1),
        "engine_rounds": result.rounds,
        "filled": {str(offer.pk): int((result.assignment == i).sum()) for i, offer in enumerate(offers)},
        "capacity": {str(offer.pk): capacities[i] for i, offer in enumerate(offers)},
    }
    matching_round.status, matching_round.summary = RoundStatus.MATCHED, summary
    matching_round.matched_at, matching_round.matched_by = timezone.now(), _user(by)
    matching_round.save()
    record(AuditEntry.Action.TRANSITION, matching_round, by=by, changes={"status": [None, RoundStatus.MATCHED]},
           note=f"placed {summary['placed']} of {summary['candidates']}", request=request)
    return summary


@transaction.atomic
def publish(matching_round: MatchingRound, *, by, request=None) -> int:
    """Turn the matched applications into placements (agreements drafted) and publish the result."""
    matching_round = _round_status(matching_round, RoundStatus.MATCHED, RoundStatus.PUBLISHED, by=by,
                                   request=request, published_at=timezone.now())
    made = 0
    for application in (Application.objects.filter(offer__matching_round=matching_round, outcome=PLACED)
                        .select_related("person", "offer").order_by("offer_id", "pk")):
        _new_placement(application.person, application.offer, source=PlacementSource.MATCHING, by=by,
                       application=application, check_slots=True, request=request, note=matching_round.name)
        made += 1
    return made


def blocking_pairs(matching_round: MatchingRound) -> list[tuple[int, int]]:
    """(person id, offer id) pairs that block the stored matching: the candidate ranked the offer above what they
    got (or got nothing), was acceptable to it, and the offer had a free slot or placed someone it ranks below the
    candidate. Empty for a stable matching."""
    applications = list(Application.objects.filter(offer__matching_round=matching_round)
                        .exclude(outcome=EXCLUDED).order_by("person_id", "rank"))
    seed = matching_round.lottery_seed
    key = {a.pk: engine.priority_key(a.score, lottery_number(seed, a.person_id)) for a in applications}
    placed = {a.person_id: a for a in applications if a.outcome == PLACED}
    held = defaultdict(list)
    for a in placed.values():
        held[a.offer_id].append(key[a.pk])
    capacity = {int(k): v for k, v in matching_round.summary.get("capacity", {}).items()}
    pairs = []
    for a in applications:
        own = placed.get(a.person_id)
        if own is not None and own.rank <= a.rank:
            continue
        taken = held[a.offer_id]
        if len(taken) < capacity.get(a.offer_id, 0) or (taken and key[a.pk] < max(taken)):
            pairs.append((a.person_id, a.offer_id))
    return pairs
