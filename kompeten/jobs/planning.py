"""Next year's seats per (centre, vocation): a proposal from this year's numbers, with its basis, and applying the
admin's adjusted seats as next year's seat plan and targets.

The formula, with a worked example, is in docs/algorithms/planning.md. In short, for a centre c and a vocation v:

    expected completions  E = completed in finished batches + unfinished seats × completion rate
    placed supply         P = E × placement rate (6 months)
    factor                f = clamp(D ÷ P, 0.5, 1.5)            (P = 0: 1.5 if D > 0, else 0.5)
    raw                     = seats this year × f
    interest cap            = first choices this year, where the batches had applications
    proposed                = raw (or the cap, when lower) rounded to the class size (down when capped),
                              at least one class when D > 0

D is the demand attributable to the vocation: the vacancies and apprenticeship slots of the year whose
occupation (KBJI) is one of the vocation's, shared by seats among the (centre, vocation) rows with that
occupation; a row without any gets its sector's demand for occupations no planned vocation has, shared by seats.
Rates fall back from the (centre, vocation) to the vocation, the sector, the province, then a default.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.core.errors import DomainError
from kompeten.jobs import demand
from kompeten.jobs.models import WORKING, SeatPlan, Vacancy
from kompeten.programmes.models import (
    Batch,
    BatchStatus,
    ProgrammeYear,
    Target,
    TrainingCentre,
    TrainingPackage,
    Vocation,
)
from kompeten.training.models import Enrolment, EnrolmentStatus

MIN_FACTOR = 0.5
MAX_FACTOR = 1.5
DEFAULT_COMPLETION_RATE = 0.9
DEFAULT_CERTIFICATION_RATE = 0.8
DEFAULT_PLACEMENT_RATE = 0.5
MIN_ANSWERS = 5  # tracer answers a placement rate needs before it is used (else the next level's)
MAX_SEATS = 100_000
FINISHED = [BatchStatus.COMPLETED, BatchStatus.CLOSED]
LEVELS = ("centre_vocation", "vocation", "sector", "province")

MESSAGES = {
    "unknown_row": _("There is no proposal for this centre and vocation."),
    "invalid_seats": _("Seats are a whole number from 0 to %(max)s."),
}


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5 + 1e-9))


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def rate_with_fallback(counts: dict[str, tuple[float, float]], *, minimum: float, default: float) -> dict:
    """The first level (LEVELS order) whose base reaches ``minimum``: {"rate", "from", "part", "base"}; the
    rate rounded to 4 decimals, as used."""
    for level in LEVELS:
        part, base = counts.get(level, (0, 0))
        if base and base >= minimum:
            return {"rate": round(part / base, 4), "from": level, "part": part, "base": base}
    return {"rate": default, "from": "default", "part": 0, "base": 0}


@dataclass
class Proposal:
    centre: TrainingCentre
    vocation: Vocation
    seats: int  # this year
    proposed: int
    class_size: int
    basis: dict
    planned: int | None = None  # the seats saved for next year, if any
    chosen: int | None = None  # the seats the admin typed (the page's current value)

    @property
    def key(self) -> tuple[int, int]:
        return self.centre.pk, self.vocation.pk

    @property
    def value(self) -> int:
        """The seats shown in the editable column: typed, else saved, else proposed."""
        for value in (self.chosen, self.planned):
            if value is not None:
                return value
        return self.proposed

    def expected(self, seats: int | None = None) -> dict:
        seats = self.value if seats is None else seats
        trained = seats * self.basis["completion_rate"]
        return {"trained": trained, "certified": trained * self.basis["certification_rate"]}


@dataclass
class Plan:
    year: ProgrammeYear
    rows: list[Proposal]
    next_year: ProgrammeYear | None = None
    targets: dict = field(default_factory=dict)  # this year's: {(kind, centre id, sector key): number}

    @property
    def next_year_number(self) -> int:
        return self.year.year + 1

    @property
    def is_empty(self) -> bool:
        return not any(row.seats or row.proposed for row in self.rows)

    def centres(self) -> list[dict]:
        """Totals per centre: this year's seats and targets against next year's proposal and chosen seats."""
        result: dict[int, dict] = {}
        for row in self.rows:
            totals = result.setdefault(row.centre.pk, {
                "centre": row.centre, "rows": [], "seats": 0, "proposed": 0, "value": 0, "trained": 0.0,
                "certified": 0.0,
                "target_trained": self._trained_target(row.centre.pk),
                "target_certified": self.targets.get((Target.Kind.CERTIFIED, row.centre.pk, None)),
            })
            expected = row.expected()
            totals["rows"].append(row)
            totals["seats"] += row.seats
            totals["proposed"] += row.proposed
            totals["value"] += row.value
            totals["trained"] += expected["trained"]
            totals["certified"] += expected["certified"]
        for totals in result.values():
            totals["trained"] = round_half_up(totals["trained"])
            totals["certified"] = round_half_up(totals["certified"])
        return sorted(result.values(), key=lambda t: t["centre"].name)

    def _trained_target(self, centre_id: int) -> int | None:
        kind = Target.Kind.TRAINED
        if (kind, centre_id, None) in self.targets:
            return self.targets[(kind, centre_id, None)]
        numbers = [n for (k, c, _s), n in self.targets.items() if k == kind and c == centre_id]
        return sum(numbers) if numbers else None

    def totals(self) -> dict:
        centres = self.centres()
        return {name: sum(c[name] for c in centres) for name in ("seats", "proposed", "value", "trained",
                                                                 "certified")} | {
            "target_certified": self.targets.get((Target.Kind.CERTIFIED, None, None))}


# Gathering this year's numbers: a fixed number of aggregate queries -------------------------------------------

def _this_year(period: demand.Period) -> dict:
    cv_batch, cv_enrolment = (F("centre"), F("package__vocation")), (F("batch__centre"), F("batch__package__vocation"))
    batches = Batch.objects.filter(period.batch_q()).exclude(status=BatchStatus.CANCELLED)
    enrolments = Enrolment.objects.filter(period.batch_q("batch__"), status=EnrolmentStatus.COMPLETED)
    certificates = Certificate.objects.current().filter(
        Q(period.batch_q("assessment__enrolment__batch__")), kind=CertificateKind.COMPETENCY,
        replaced_by__isnull=True, assessment__enrolment__status=EnrolmentStatus.COMPLETED,
        assessment__enrolment__batch__status__in=FINISHED)
    return {
        "seats": demand.group(batches, cv_batch, seats=Sum("capacity"),
                              finished=Sum("capacity", filter=Q(status__in=FINISHED))),
        "completed": demand.group(enrolments, cv_enrolment, completed=Count("pk", distinct=True),
                                  finished=Count("pk", distinct=True, filter=Q(batch__status__in=FINISHED))),
        "certified": demand.group(certificates, (F("assessment__enrolment__batch__centre"),
                                                 F("assessment__enrolment__batch__package__vocation")),
                                  n=Count("assessment__enrolment", distinct=True)),
        "interest": demand.group(demand.choices(period), (F("batch__centre"), F("batch__package__vocation")),
                                 first=Count("pk", distinct=True, filter=Q(rank=1)), any=Count("pk", distinct=True)),
        "tracer": demand.group(demand.tracer_surveys(period), (F("centre"), F("vocation")),
                               answered=Count("pk", distinct=True),
                               working=Count("pk", distinct=True, filter=Q(last_status__in=WORKING))),
        "vacancies": demand.group(Vacancy.objects.filter(valid_from__range=period.dates),
                                  (F("occupation"), F("sector")), n=Sum("number_needed")),
        "slots": demand.group(demand.offers(period), (F("occupation"), F("company__sector")), n=Sum("slots")),
    }


def _levels(per_pair: dict, pair: tuple, sector_of: dict, part: str, base: str) -> dict:
    """{level: (part, base)} for one (centre, vocation): summed over the pairs of each level."""
    centre, vocation = pair
    sums = {level: [0, 0] for level in LEVELS}
    for (c, v), numbers in per_pair.items():
        values = (numbers.get(part) or 0, numbers.get(base) or 0)
        matches = {"centre_vocation": (c, v) == pair, "vocation": v == vocation,
                   "sector": v is not None and sector_of.get(v) == sector_of.get(vocation), "province": True}
        for level, hit in matches.items():
            if hit:
                sums[level][0] += values[0]
                sums[level][1] += values[1]
    return {level: tuple(numbers) for level, numbers in sums.items()}


def _share(total: float, rows: list[tuple], seats: dict) -> dict:
    """``total`` shared among ``rows`` by their seats (equally when none has seats)."""
    all_seats = sum(seats.get(row, 0) for row in rows)
    if all_seats:
        return {row: total * seats.get(row, 0) / all_seats for row in rows}
    return {row: total / len(rows) for row in rows}


def propose(year: ProgrammeYear) -> Plan:
    """The proposal for the year after ``year``, one row per (centre, vocation) that had batches this year, is
    offered at the centre, or has an active package there."""
    period = demand.Period.of_year(year)
    numbers = _this_year(period)
    vocations = {v.pk: v for v in Vocation.objects.select_related("sector")}
    centres = {c.pk: c for c in TrainingCentre.objects.all()}
    sector_of = {pk: v.sector_id for pk, v in vocations.items()}
    occupations_of: dict[int, set[str]] = defaultdict(set)
    for vocation_id, code in Vocation.occupations.through.objects.values_list("vocation_id", "kbji_id"):
        occupations_of[vocation_id].add(code)
    class_sizes: dict[tuple, int] = {}
    for centre_id, vocation_id, size in (TrainingPackage.objects.filter(is_active=True).order_by("pk")
                                         .values_list("centre_id", "vocation_id", "class_size")):
        class_sizes.setdefault((centre_id, vocation_id), size)
    pairs = set(numbers["seats"]) | set(class_sizes) | set(
        Vocation.centres.through.objects.values_list("trainingcentre_id", "vocation_id"))
    pairs = sorted((c, v) for c, v in pairs if c in centres and v in vocations)
    seats = {pair: (numbers["seats"].get(pair) or {}).get("seats") or 0 for pair in pairs}

    # Demand: per occupation, shared among the rows with that occupation; the rest per sector.
    demand_by: dict[tuple, float] = defaultdict(float)  # (occupation, sector) -> people / slots
    for source in ("vacancies", "slots"):
        for (occupation, sector), values in numbers[source].items():
            demand_by[(occupation, sector or demand.OTHER_SECTOR)] += values["n"] or 0
    rows_of: dict[str, list] = defaultdict(list)
    for pair in pairs:
        for code in occupations_of[pair[1]]:
            rows_of[code].append(pair)
    attributed: dict[tuple, float] = defaultdict(float)
    matched: dict[tuple, set] = defaultdict(set)
    remainder: dict[str, float] = defaultdict(float)
    for (occupation, sector), amount in demand_by.items():
        if rows_of.get(occupation):
            for pair, share in _share(amount, rows_of[occupation], seats).items():
                attributed[pair] += share
                if share:
                    matched[pair].add(occupation)
        else:
            remainder[sector] += amount
    fallback: dict[str, list] = defaultdict(list)
    for pair in pairs:
        if not attributed[pair]:
            fallback[sector_of[pair[1]]].append(pair)
    from_sector: dict[tuple, float] = {}
    for sector, rows in fallback.items():
        if remainder[sector]:
            from_sector.update(_share(remainder[sector], rows, seats))

    plan_rows = []
    for pair in pairs:
        centre_id, vocation_id = pair
        batch_numbers = numbers["seats"].get(pair) or {}
        completed = numbers["completed"].get(pair) or {}
        interest = numbers["interest"].get(pair) or {}
        finished_seats = batch_numbers.get("finished") or 0
        completed_finished = completed.get("finished") or 0
        completion = rate_with_fallback(
            _levels({p: {"c": (numbers["completed"].get(p) or {}).get("finished") or 0, "s": v.get("finished") or 0}
                     for p, v in numbers["seats"].items()}, pair, sector_of, "c", "s"),
            minimum=1, default=DEFAULT_COMPLETION_RATE)
        certification = rate_with_fallback(
            _levels({p: {"n": (numbers["certified"].get(p) or {}).get("n") or 0, "c": v.get("finished") or 0}
                     for p, v in numbers["completed"].items()}, pair, sector_of, "n", "c"),
            minimum=1, default=DEFAULT_CERTIFICATION_RATE)
        placement = rate_with_fallback(_levels(numbers["tracer"], pair, sector_of, "working", "answered"),
                                       minimum=MIN_ANSWERS, default=DEFAULT_PLACEMENT_RATE)
        basis = proposal_basis(
            seats=seats[pair], finished_seats=finished_seats, completed_finished=completed_finished,
            completed=completed.get("completed") or 0, completion=completion, certification=certification,
            placement=placement, demand_occupations=attributed[pair], demand_sector=from_sector.get(pair, 0.0),
            first_choices=interest.get("first") or 0, choices=interest.get("any") or 0,
            class_size=class_sizes.get(pair) or centres[centre_id].class_size)
        basis["occupations"] = sorted(matched[pair])
        plan_rows.append(Proposal(centre=centres[centre_id], vocation=vocations[vocation_id], seats=seats[pair],
                                  proposed=basis["proposed"], class_size=basis["class_size"], basis=basis))
    plan_rows.sort(key=lambda r: (r.centre.name, r.vocation.sector.order, r.vocation.name))

    next_year = ProgrammeYear.objects.filter(year=year.year + 1).first()
    if next_year is not None:
        saved = {(p.centre_id, p.vocation_id): p.seats for p in SeatPlan.objects.filter(programme_year=next_year)}
        for row in plan_rows:
            row.planned = saved.get(row.key)
    targets = {(t.kind, t.centre_id, t.sector_id): t.number for t in year.targets.all()}
    return Plan(year=year, rows=plan_rows, next_year=next_year, targets=targets)


def proposal_basis(*, seats: int, finished_seats: int, completed_finished: int, completed: int, completion: dict,
                   certification: dict, placement: dict, demand_occupations: float, demand_sector: float,
                   first_choices: int, choices: int, class_size: int) -> dict:
    """The formula, step by step; every number it uses is in the result (stored as SeatPlan.basis)."""
    demand_total = demand_occupations + demand_sector
    expected = completed_finished + (seats - finished_seats) * completion["rate"]
    supply = expected * placement["rate"]
    if supply > 0:
        factor = clamp(demand_total / supply, MIN_FACTOR, MAX_FACTOR)
    else:
        factor = MAX_FACTOR if demand_total > 0 else MIN_FACTOR
    raw = seats * factor
    capped = raw
    interest_cap = None
    if choices and first_choices < raw:
        interest_cap = first_choices
        capped = first_choices
    class_size = max(class_size, 1)
    if interest_cap is not None:
        rounded = math.floor(capped / class_size + 1e-9) * class_size
    else:
        rounded = round_half_up(capped / class_size) * class_size
    min_class = demand_total > 0 and rounded < class_size
    proposed = class_size if min_class else rounded
    return {
        "seats": seats, "finished_seats": finished_seats, "completed": completed,
        "completed_finished": completed_finished,
        "completion_rate": completion["rate"], "completion_rate_from": completion["from"],
        "certification_rate": certification["rate"], "certification_rate_from": certification["from"],
        "placement_rate": placement["rate"], "placement_rate_from": placement["from"],
        "tracer_answers": placement["base"], "tracer_working": placement["part"],
        "expected_completions": round(expected, 2), "placed_supply": round(supply, 2),
        "demand": round(demand_total, 2), "demand_occupations": round(demand_occupations, 2),
        "demand_sector_share": round(demand_sector, 2),
        "demand_from": "occupations" if demand_occupations else "sector_share" if demand_sector else "none",
        "factor": round(factor, 4), "raw": round(raw, 2),
        "first_choices": first_choices, "choices": choices,
        "first_choices_per_seat": round(first_choices / seats, 2) if seats and choices else None,
        "interest_cap": interest_cap, "class_size": class_size, "rounded": rounded, "min_class": min_class,
        "proposed": proposed,
    }


# Applying the admin's seats ----------------------------------------------------------------------------------

def _next_year(year: ProgrammeYear, *, by, request) -> ProgrammeYear:
    number = year.year + 1
    name = year.name.replace(str(year.year), str(number)) if str(year.year) in year.name else str(number)
    next_year, created = ProgrammeYear.objects.get_or_create(year=number, defaults={"name": name})
    if created:
        record(AuditEntry.Action.CREATE, next_year, by=by, changes={"year": [None, number]},
               note="planning", request=request)
    # One application at a time per year: a second one waits here, then finds the first one's rows.
    return ProgrammeYear.objects.select_for_update().get(pk=next_year.pk)


def _clean(rows, index: dict) -> dict[tuple[int, int], int]:
    seats = {}
    for row in rows:
        try:
            key = (int(getattr(row["centre"], "pk", row["centre"])), int(getattr(row["vocation"], "pk",
                                                                                 row["vocation"])))
            number = int(row["seats"])
        except (KeyError, TypeError, ValueError):
            raise DomainError("invalid_seats", MESSAGES["invalid_seats"], max=MAX_SEATS) from None
        if key not in index:
            raise DomainError("unknown_row", MESSAGES["unknown_row"])
        if not 0 <= number <= MAX_SEATS:
            raise DomainError("invalid_seats", MESSAGES["invalid_seats"], max=MAX_SEATS)
        seats[key] = number
    return seats


def targets_from(plans) -> dict[tuple, int]:
    """{(kind, centre id, sector key): number} of next year's targets from its seat plans: trained per (centre,
    sector) = seats × completion rate; certified per centre = seats × completion × certification rate; the
    certified total = the sum of the centres'. Each sum is rounded once (half up)."""
    trained: dict[tuple, float] = defaultdict(float)
    certified: dict[int, float] = defaultdict(float)
    for plan in plans:
        completed = plan.seats * plan.basis.get("completion_rate", DEFAULT_COMPLETION_RATE)
        trained[(plan.centre_id, plan.vocation.sector_id)] += completed
        certified[plan.centre_id] += completed * plan.basis.get("certification_rate", DEFAULT_CERTIFICATION_RATE)
    result = {(Target.Kind.TRAINED, centre, sector): round_half_up(n) for (centre, sector), n in trained.items()}
    per_centre = {(Target.Kind.CERTIFIED, centre, None): round_half_up(n) for centre, n in certified.items()}
    result |= per_centre
    if per_centre:
        result[(Target.Kind.CERTIFIED, None, None)] = sum(per_centre.values())
    return result


@dataclass
class Applied:
    programme_year: ProgrammeYear
    plans_created: int = 0
    plans_updated: int = 0
    targets_created: int = 0
    targets_updated: int = 0


@transaction.atomic
def apply_plan(year: ProgrammeYear, rows, by, *, request=None) -> Applied:
    """Save the admin's seats (``rows``: [{"centre", "vocation", "seats"}]) as the seat plan of the next
    programme year (created if missing), with this year's proposal and basis, and make its targets. Re-applying
    updates the same rows; every change is audited."""
    plan = propose(year)
    index = {row.key: row for row in plan.rows}
    seats = _clean(rows, index)
    next_year = _next_year(year, by=by, request=request)
    result = Applied(programme_year=next_year)
    existing = {(p.centre_id, p.vocation_id): p
                for p in SeatPlan.objects.select_for_update().filter(programme_year=next_year)}
    for key, number in sorted(seats.items()):
        proposal = index[key]
        current = existing.get(key)
        if current is None:
            current = SeatPlan.objects.create(programme_year=next_year, centre_id=key[0], vocation_id=key[1],
                                              proposed=proposal.proposed, seats=number, basis=proposal.basis,
                                              updated_by=by)
            existing[key] = current
            record(AuditEntry.Action.CREATE, current, by=by, request=request,
                   changes={"proposed": [None, proposal.proposed], "seats": [None, number]})
            result.plans_created += 1
            continue
        changes = {name: [getattr(current, name), value] for name, value in
                   (("proposed", proposal.proposed), ("seats", number)) if getattr(current, name) != value}
        if changes or current.basis != proposal.basis:
            current.proposed, current.seats, current.basis, current.updated_by = (proposal.proposed, number,
                                                                                   proposal.basis, by)
            current.save()
            record(AuditEntry.Action.UPDATE, current, by=by, request=request, changes=changes,
                   note="" if changes else "basis")
            result.plans_updated += 1

    plans = SeatPlan.objects.filter(programme_year=next_year).select_related("vocation")
    wanted = targets_from(plans)
    targets = {(t.kind, t.centre_id, t.sector_id): t
               for t in Target.objects.select_for_update(of=("self",)).filter(programme_year=next_year)
               .order_by("pk")}
    for (kind, centre, sector), number in sorted(wanted.items(), key=lambda item: str(item[0])):
        target = targets.get((kind, centre, sector))
        if target is None:
            if not number:
                continue
            target = Target.objects.create(programme_year=next_year, kind=kind, centre_id=centre, sector_id=sector,
                                           number=number)
            record(AuditEntry.Action.CREATE, target, by=by, request=request, changes={"number": [None, number]},
                   note="planning")
            result.targets_created += 1
        elif target.number != number:
            record(AuditEntry.Action.UPDATE, target, by=by, request=request,
                   changes={"number": [target.number, number]}, note="planning")
            target.number = number
            target.save(update_fields=["number"])
            result.targets_updated += 1
    return result
