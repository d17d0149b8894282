"""The year-end forecast of certified persons, its interval, and how many extra batches would close a gap (issue 9).

Two parts: a pure core over plain dataclasses (rates, expected value and variance, interval, advice — no database,
tested directly) and a loader that reads its inputs in nine aggregate queries (GROUP BY in the database, joins and
semi-joins only: no per-row subquery), whatever the registry's size.

The model, for programme year Y, per training centre (and for the province or an operator's centres in total):

- **realised**: persons certified in Y so far (``Figures.count(Stage.CERTIFIED)``, the summary cells).
- **pending**, from the batches of Y whose package has a scheme (cancelled batches left out), counting only persons
  not already certified in Y (their ``Fact``), each kind with the chance of a certificate at the end:

  ============================ ===================================================== ===========================
  kind                         who                                                   chance
  ============================ ===================================================== ===========================
  ``running``                  enrolled participants of running batches              completion × pass × cert.
  ``planned``                  seats (capacity) of planned / open / selecting batches fill × completion × pass × cert.
  ``awaiting_assessment``      completed participants without an assessment outcome  pass × certificate
  ``awaiting_certificate``     approved Kompeten results without a certificate       certificate
  ============================ ===================================================== ===========================

- **rates**, observed in Y over all batches (with or without a scheme) by (centre, vocation):

  - *fill* = participants (enrolments not withdrawn) ÷ capacity, of the batches that started (running, completed,
    closed);
  - *completion* = completed ÷ (completed + not completed), of the enrolments of finished batches (completed,
    closed) — a running batch's early drop-outs alone would pull it down;
  - *pass* = enrolments with an approved Kompeten result ÷ enrolments with an outcome (an approved decision, K or
    BK, or absent from the assessment); a re-assessment that ends K counts as a pass (K comes at most once a person
    and scheme, so Kompeten results are counted as enrolments);
  - *certificate* = Kompeten results whose person is certified in Y (the fact) ÷ Kompeten results, of those decided
    at least ``CERT_LAG_DAYS`` before the day of the forecast (results of the last weeks are still waiting for their
    certificate and would pull it down).

- **fallback by smoothing, not thresholds**: each rate is a Beta posterior mean chained through the levels
  prior → province → centre → vocation province-wide → vocation at the centre; at each level
  ``rate = (successes + m × fallback) ÷ (trials + m)`` with the pseudo-count ``m = PSEUDO_COUNT`` (10): a level
  with 10 observations is weighed half its own, half the level behind it, and a level without data is the level
  behind it (each level's counts include the more specific levels', as in any shrinkage towards a group mean).
  The priors (``PRIOR``): fill 0.95, completion 0.90, pass 0.85, certificate 0.95 — completion × pass ×
  certificate ≈ 0.73, close to the 0.9 × 0.8 the seat planning assumes (docs/algorithms/planning.md).
  A rate's variance is that of the Beta posterior of the (centre, vocation) cell, mean × (1 − mean) ÷ (trials + m
  + 1): at most ``m`` observations' worth of confidence is borrowed from the fallback.

- **interval**: given the rates, every seat or person is an independent Bernoulli trial (a planned seat: filled ×
  completed × passed × certified), so the count is binomial; the rates themselves are uncertain (independent Beta
  posteriors, shared by all kinds of one centre and vocation: their covariance is counted). By the law of total
  variance, Var = E[Var(count | rates)] + Var(E[count | rates]), computed exactly from the rates' first two moments;
  (centre, vocation) groups are taken as independent. The 90 % interval is the normal approximation
  expected ± 1.645 σ, rounded outwards and clipped to [realised, realised + everyone pending].

- **gap and advice**: gap = max(0, target − round(expected)) (half up). An extra batch of a package is a planned
  batch of ``class_size`` seats, so it yields ``per_batch`` = class size × fill × completion × pass × certificate
  (the centre's rates for that vocation), and ``batches`` = ⌈gap ÷ per_batch⌉ of them close the gap in expectation.
  The options: active packages with a scheme at the centre (any centre in scope for a total), one per vocation,
  expected to certify at least one person a batch (``MIN_PER_BATCH``), those that can still finish in the year
  first, then by yield. ``latest_start`` counts back from 31 December the hours of the BLKI timetable
  (programmes.services.DEFAULT_HOURS: Monday–Thursday 8, Friday 3.5; one JP taken as one timetable hour; public
  holidays are not known here) until the package's hours are covered; None when that day is before the day of the
  forecast.

Persons certified through RPL (no training) count in the realised figures but have no pending pipeline here; an
enrolment whose assessment ended BK or absent is not pending (a later re-assessment is not forecast). The facts are
read as last refreshed (the dashboard refreshes the stale persons before reading).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# --- parameters -----------------------------------------------------------------------------------------------------

RATES = ("fill", "completion", "pass", "certificate")
PRIOR = {"fill": 0.95, "completion": 0.90, "pass": 0.85, "certificate": 0.95}
PSEUDO_COUNT = 10.0
CERT_LAG_DAYS = 30
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a two-sided 90 % interval
ADVICE_OPTIONS = 3
MIN_PER_BATCH = 1.0  # a batch expected to certify fewer persons than this is no way to close a gap

# Which rates each kind of pending person or seat must pass to end certified.
KINDS: dict[str, tuple[str, ...]] = {
    "running": ("completion", "pass", "certificate"),
    "planned": ("fill", "completion", "pass", "certificate"),
    "awaiting_assessment": ("pass", "certificate"),
    "awaiting_certificate": ("certificate",),
}


# --- the interface ----------------------------------------------------------------------------------------------------

@dataclass
class Advice:
    """One way to close a centre's gap."""

    vocation_id: int
    vocation_name: str
    package_id: int
    batches: int  # extra batches of this vocation needed to close the gap in expectation
    per_batch: float  # expected certified per extra batch (class size × fill × completion × pass × certificate)
    latest_start: datetime.date | None  # latest start for a batch of this package to end by 31 December


@dataclass
class CentreForecast:
    centre_id: int | None  # None: the province (or the operator's centres) in total
    name: str
    target: int | None  # the certified target
    realised: int  # certified so far
    expected: float  # expected certified at the end of the year (realised + pending)
    low: int  # 90 % interval of the year-end count
    high: int
    gap: int  # max(0, target - round(expected)); 0 without a target
    pending: dict[str, float]  # expected extra from each of KINDS
    advice: list[Advice]  # when gap > 0: up to 3 options, best yield first


@dataclass
class Forecast:
    year: int
    as_of: datetime.date
    centres: list[CentreForecast]
    total: CentreForecast


# --- the pure core ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    mean: float
    var: float = 0.0

    @property
    def second(self) -> float:
        """E[rate²]."""
        return self.mean * self.mean + self.var


@dataclass
class Observed:
    """Successes and trials of each rate at one level (a centre and vocation, a vocation, a centre, the province)."""

    seats: float = 0  # capacity of the batches that started
    seated: float = 0  # participants of those batches
    finished: float = 0  # enrolments of finished batches with an outcome
    completed: float = 0
    decided: float = 0  # enrolments with an assessment outcome
    competent: float = 0
    mature: float = 0  # Kompeten results decided at least CERT_LAG_DAYS ago
    certified: float = 0  # of those, persons certified

    def __add__(self, other: Observed) -> Observed:
        return Observed(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})

    def pairs(self) -> dict[str, tuple[float, float]]:
        """{rate: (successes, trials)}."""
        return {"fill": (self.seated, self.seats), "completion": (self.completed, self.finished),
                "pass": (self.competent, self.decided), "certificate": (self.certified, self.mature)}


def smooth(successes: float, trials: float, towards: float, pseudo: float = PSEUDO_COUNT) -> Rate:
    """The Beta posterior of a rate after ``trials`` observations, starting from ``pseudo`` pseudo-observations at
    ``towards``: its mean, and its variance."""
    trials = max(0.0, float(trials))
    successes = min(max(0.0, float(successes)), trials)
    towards = min(max(0.0, float(towards)), 1.0)
    weight = trials + pseudo
    if weight <= 0:
        return Rate(towards, 0.0)
    mean = min(max((successes + pseudo * towards) / weight, 0.0), 1.0)
    return Rate(mean, mean * (1 - mean) / (weight + 1))


def rates_for(levels: Sequence[Observed], prior: dict[str, float] = PRIOR,
              pseudo: float = PSEUDO_COUNT) -> dict[str, Rate]:
    """Each rate at the first (most specific) of ``levels``, each level shrunk towards the ones after it and the
    last towards the prior."""
    result = {}
    for name in RATES:
        rate = Rate(prior[name], 0.0)
        for level in reversed(levels):
            successes, trials = level.pairs()[name]
            rate = smooth(successes, trials, rate.mean, pseudo)
        result[name] = rate
    return result


@dataclass
class Group:
    """The pending pipeline of one vocation at one centre, and that cell's rates."""

    rates: dict[str, Rate]
    running: float = 0  # persons in training
    planned: float = 0  # seats of batches not started
    awaiting_assessment: float = 0  # persons
    awaiting_certificate: float = 0  # persons

    def counts(self) -> dict[str, float]:
        return {kind: max(0.0, float(getattr(self, kind))) for kind in KINDS}


def _product(values: Iterable[float]) -> float:
    result = 1.0
    for value in values:
        result *= value
    return result


def moments(group: Group) -> tuple[dict[str, float], float]:
    """The expected certified from each kind of the group, and the variance of the group's total."""
    counts = group.counts()
    rates = group.rates
    expected = {kind: counts[kind] * _product(rates[r].mean for r in KINDS[kind]) for kind in KINDS}
    # Given the rates, binomial: E[Var(count | rates)] = Σ N (E[q] − E[q²]).
    variance = sum(counts[kind] * (_product(rates[r].mean for r in KINDS[kind])
                                   - _product(rates[r].second for r in KINDS[kind])) for kind in KINDS)
    # The rates' own uncertainty, shared by the kinds: Var(Σ N q) = Σ Σ N N' Cov(q, q').
    for a in KINDS:
        for b in KINDS:
            if not counts[a] or not counts[b]:
                continue
            shared = set(KINDS[a]) & set(KINDS[b])
            apart = set(KINDS[a]) ^ set(KINDS[b])
            cov = (_product(rates[r].mean for r in apart)
                   * (_product(rates[r].second for r in shared) - _product(rates[r].mean ** 2 for r in shared)))
            variance += counts[a] * counts[b] * cov
    return expected, max(0.0, variance)


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def interval(realised: int, expected: float, variance: float, most: float, z: float = Z90) -> tuple[int, int]:
    """The normal-approximation interval, rounded outwards, within [realised, realised + most]."""
    sd = math.sqrt(max(0.0, variance))
    low = max(realised, math.floor(expected - z * sd))
    high = min(realised + math.ceil(most), math.ceil(expected + z * sd))
    return low, max(low, high)


def latest_start(hours: float, year: int, today: datetime.date | None = None,
                 holidays: Iterable[datetime.date] = ()) -> datetime.date | None:
    """The latest working day a batch of ``hours`` timetable hours can start to end by 31 December of ``year``;
    None when none fits in the year or that day is before ``today``."""
    from kompeten.programmes.services import DEFAULT_HOURS

    per_day = {weekday: (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60
               for weekday, (start, end) in DEFAULT_HOURS.items()}
    holidays = set(holidays)
    day, covered, found = datetime.date(year, 12, 31), 0.0, None
    while day.year == year:
        if day.weekday() in per_day and day not in holidays:
            covered += per_day[day.weekday()]
            if covered >= hours:
                found = day
                break
        day -= datetime.timedelta(days=1)
    if found is None or (today is not None and found < today):
        return None
    return found


@dataclass
class Option:
    """A package an extra batch could be of, with the rates of its vocation at its centre."""

    vocation_id: int
    vocation_name: str
    package_id: int
    class_size: int
    rates: dict[str, Rate]
    latest_start: datetime.date | None = None
    hours: float = 0

    @property
    def per_batch(self) -> float:
        return self.class_size * _product(self.rates[r].mean for r in KINDS["planned"])


def advise(gap: int, options: Iterable[Option], limit: int = ADVICE_OPTIONS) -> list[Advice]:
    """Up to ``limit`` ways to close ``gap``: one per vocation (its best package), those that still fit in the year
    first, then the best yield."""
    if gap <= 0:
        return []
    best: dict[int, Option] = {}

    def rank(o: Option):
        return (o.latest_start is None, -o.per_batch, o.hours, o.package_id)

    for option in options:
        if not option.per_batch >= MIN_PER_BATCH:
            continue
        if option.vocation_id not in best or rank(option) < rank(best[option.vocation_id]):
            best[option.vocation_id] = option
    advice = []
    for option in best.values():
        per_batch = option.per_batch
        batches = max(1, math.ceil(gap / per_batch))
        while batches * per_batch < gap:  # floating point
            batches += 1
        advice.append(Advice(vocation_id=option.vocation_id, vocation_name=option.vocation_name,
                             package_id=option.package_id, batches=batches, per_batch=per_batch,
                             latest_start=option.latest_start))
    advice.sort(key=lambda a: (a.latest_start is None, -a.per_batch, a.batches, a.vocation_name, a.package_id))
    return advice[:limit]


def project(centre_id: int | None, name: str, target: int | None, realised: int, groups: Iterable[Group],
            options: Iterable[Option] = (), z: float = Z90) -> CentreForecast:
    """The forecast of one centre (or a total) from what it certified so far and its pending groups."""
    pending = dict.fromkeys(KINDS, 0.0)
    variance, most = 0.0, 0.0
    for group in groups:
        expected, group_variance = moments(group)
        for kind, value in expected.items():
            pending[kind] += value
        variance += group_variance
        most += sum(group.counts().values())
    expected_total = realised + sum(pending.values())
    low, high = interval(realised, expected_total, variance, most, z)
    gap = max(0, target - round_half_up(expected_total)) if target is not None else 0
    return CentreForecast(centre_id=centre_id, name=name, target=target, realised=realised, expected=expected_total,
                          low=low, high=high, gap=gap, pending=pending, advice=advise(gap, options))


# --- the loader -------------------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    """What the loader read: everything the core needs, by centre and vocation."""

    year: int
    as_of: datetime.date
    scope: set[int] | None
    names: dict[int, str] = field(default_factory=dict)  # centres in scope to show
    targets: dict[int | None, int] = field(default_factory=dict)  # None: the total target
    realised: dict[int | None, int] = field(default_factory=dict)  # None: the total in scope
    observed: dict[tuple[int, int], Observed] = field(default_factory=lambda: defaultdict(Observed))
    pipeline: dict[tuple[int, int], dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(KINDS, 0.0)))
    packages: list[dict] = field(default_factory=list)  # active packages with a scheme, in scope


def _certified_target(wanted: dict[tuple[int | None, str | None], int], centre: int) -> int | None:
    """The centre's own certified target, else the sum of its sector targets (as queries.target_rows)."""
    if (centre, None) in wanted:
        return wanted[(centre, None)]
    by_sector = [n for (c, s), n in wanted.items() if c == centre and s]
    return sum(by_sector) if by_sector else None


def load(year: int, centres: set[int] | None, as_of: datetime.date, figures=None) -> Inputs:
    """The forecast's inputs in nine aggregate queries. Rates and pipelines are read province-wide (a centre's
    rates fall back to the province's), so a centre's forecast is the same in every scope."""
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from kompeten.assessment.models import Assessment, CandidateStatus, Decision
    from kompeten.programmes.models import Batch, BatchStatus, Target, TrainingCentre, TrainingPackage
    from kompeten.reporting.models import Fact, Stage
    from kompeten.reporting.queries import Figures
    from kompeten.training.models import Enrolment, EnrolmentStatus

    started = {BatchStatus.RUNNING, BatchStatus.COMPLETED, BatchStatus.CLOSED}
    finished = {BatchStatus.COMPLETED, BatchStatus.CLOSED}
    not_started = {BatchStatus.PLANNED, BatchStatus.OPEN, BatchStatus.SELECTING}
    inputs = Inputs(year=year, as_of=as_of, scope=centres)

    # 1. The realised figures (one query, unless the caller has them).
    figures = figures if figures is not None else Figures(year, centres)
    inputs.realised[None] = figures.count(Stage.CERTIFIED)

    # 2. The certified targets.
    wanted = {(c, s): n for c, s, n in Target.objects.filter(programme_year__year=year, kind=Target.Kind.CERTIFIED)
              .order_by().values_list("centre_id", "sector_id", "number")}

    # 3. Every package (a few hundred rows): its centre, vocation, scheme, class size and hours.
    packages = {p["pk"]: p for p in TrainingPackage.objects.order_by().values(
        "pk", "centre_id", "vocation_id", "vocation__name", "class_size", "hours", "scheme_id", "is_active")}

    # 4. The batches of the year by package and status: capacity.
    active_centres: set[int] = set()
    for row in (Batch.objects.filter(programme_year__year=year).exclude(status=BatchStatus.CANCELLED).order_by()
                .values("centre_id", "package_id", "status").annotate(capacity=Sum("capacity"))):
        package = packages[row["package_id"]]
        key = (row["centre_id"], package["vocation_id"])
        active_centres.add(row["centre_id"])
        if row["status"] in started:
            inputs.observed[key].seats += row["capacity"]
        elif row["status"] in not_started and package["scheme_id"] is not None:
            inputs.pipeline[key]["planned"] += row["capacity"]

    # 5–8. The enrolments of the year by package and status, and their assessment outcomes (each enrolment once: a
    #      re-assessment is the same enrolment; Kompeten comes at most once a person and scheme); each again for the
    #      persons already certified in the year only (their fact: a semi-join, never a per-row subquery), who are
    #      taken off the pending pipeline.
    certified_persons = Fact.objects.filter(year=year, certified_on__isnull=False).order_by().values("person_id")
    enrolments = (Enrolment.objects.filter(batch__programme_year__year=year)
                  .exclude(batch__status=BatchStatus.CANCELLED).order_by())
    outcome = Q(status__in=[CandidateStatus.APPROVED, CandidateStatus.ABSENT])
    kompeten = Q(status=CandidateStatus.APPROVED, decision=Decision.K)
    mature = kompeten & Q(decided_at__lt=timezone.make_aware(datetime.datetime.combine(
        as_of - datetime.timedelta(days=CERT_LAG_DAYS), datetime.time.min)))
    assessments = (Assessment.objects.filter(enrolment__batch__programme_year__year=year)
                   .exclude(enrolment__batch__status=BatchStatus.CANCELLED).order_by())

    def by_enrolment(queryset) -> dict[tuple, int]:
        return {(r["batch__centre_id"], r["batch__package_id"], r["batch__status"], r["status"]): r["n"]
                for r in queryset.values("batch__centre_id", "batch__package_id", "batch__status", "status")
                .annotate(n=Count("pk"))}

    def by_outcome(queryset) -> dict[tuple, dict]:
        return {(r.pop("enrolment__batch__centre_id"), r.pop("enrolment__batch__package_id")): r
                for r in queryset.values("enrolment__batch__centre_id", "enrolment__batch__package_id").annotate(
                    decided=Count("enrolment_id", distinct=True, filter=outcome),
                    competent=Count("pk", filter=kompeten), mature=Count("pk", filter=mature))}

    known = by_enrolment(enrolments.filter(person_id__in=certified_persons))
    for (centre, package_id, batch_status, status), n in by_enrolment(enrolments).items():
        package = packages[package_id]
        key = (centre, package["vocation_id"])
        seen = inputs.observed[key]
        if batch_status in started and status != EnrolmentStatus.WITHDRAWN:
            seen.seated += n
        if batch_status in finished and status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED):
            seen.finished += n
            seen.completed += n if status == EnrolmentStatus.COMPLETED else 0
        if package["scheme_id"] is None:
            continue
        n -= known.get((centre, package_id, batch_status, status), 0)
        if status == EnrolmentStatus.ENROLLED and batch_status == BatchStatus.RUNNING:
            inputs.pipeline[key]["running"] += n
        elif status == EnrolmentStatus.COMPLETED:
            inputs.pipeline[key]["awaiting_assessment"] += n  # those with an outcome are taken off below

    empty = {"decided": 0, "competent": 0, "mature": 0}
    known_outcomes = by_outcome(assessments.filter(person_id__in=certified_persons))
    for (centre, package_id), outcomes in by_outcome(assessments).items():
        package = packages[package_id]
        key = (centre, package["vocation_id"])
        certified = known_outcomes.get((centre, package_id), empty)
        seen = inputs.observed[key]
        seen.decided += outcomes["decided"]
        seen.competent += outcomes["competent"]
        seen.mature += outcomes["mature"]
        seen.certified += certified["mature"]
        if package["scheme_id"] is None:
            continue
        pipeline = inputs.pipeline[key]
        pipeline["awaiting_certificate"] += max(0, outcomes["competent"] - certified["competent"])
        pipeline["awaiting_assessment"] = max(
            0, pipeline["awaiting_assessment"] - (outcomes["decided"] - certified["decided"]))

    # 9. The centres in scope to show: those with a target, a batch this year or a certified person.
    with_target = {c for c, _s in wanted if c is not None}
    found = TrainingCentre.objects.all() if centres is None else TrainingCentre.objects.filter(pk__in=centres)
    for pk, name in found.order_by("name").values_list("pk", "short_name"):
        realised = figures.count(Stage.CERTIFIED, centre=pk)
        if pk in with_target or pk in active_centres or realised:
            inputs.names[pk] = name
            inputs.realised[pk] = realised
            target = _certified_target(wanted, pk)
            if target is not None:
                inputs.targets[pk] = target
    if centres is None:
        total = wanted.get((None, None))
        by_centre = [inputs.targets[c] for c in inputs.names if c in inputs.targets]
        if total is None and by_centre:
            total = sum(by_centre)
    else:
        by_centre = [n for c in centres if (n := _certified_target(wanted, c)) is not None]
        total = sum(by_centre) if by_centre else None
    if total is not None:
        inputs.targets[None] = total
    inputs.packages = [p for p in packages.values() if p["is_active"] and p["scheme_id"] is not None
                       and (centres is None or p["centre_id"] in centres)]
    return inputs


def build(inputs: Inputs, *, prior: dict[str, float] = PRIOR, pseudo: float = PSEUDO_COUNT) -> Forecast:
    """The forecast from the loaded inputs (no database)."""
    by_vocation: dict[int, Observed] = defaultdict(Observed)
    by_centre: dict[int, Observed] = defaultdict(Observed)
    province = Observed()
    for (centre, vocation), seen in inputs.observed.items():
        by_vocation[vocation] += seen
        by_centre[centre] += seen
        province += seen
    cache: dict[tuple[int, int], dict[str, Rate]] = {}

    def rates(centre: int, vocation: int) -> dict[str, Rate]:
        if (centre, vocation) not in cache:
            cache[(centre, vocation)] = rates_for(
                [inputs.observed.get((centre, vocation), Observed()), by_vocation.get(vocation, Observed()),
                 by_centre.get(centre, Observed()), province], prior, pseudo)
        return cache[(centre, vocation)]

    groups: dict[int, list[Group]] = defaultdict(list)
    for (centre, vocation), counts in inputs.pipeline.items():
        if any(counts.values()):
            groups[centre].append(Group(rates=rates(centre, vocation), **counts))
    options: dict[int, list[Option]] = defaultdict(list)
    starts: dict[int, datetime.date | None] = {}
    for p in inputs.packages:
        if p["hours"] not in starts:
            starts[p["hours"]] = latest_start(p["hours"], inputs.year, inputs.as_of)
        options[p["centre_id"]].append(Option(
            vocation_id=p["vocation_id"], vocation_name=p["vocation__name"], package_id=p["pk"],
            class_size=p["class_size"], rates=rates(p["centre_id"], p["vocation_id"]),
            latest_start=starts[p["hours"]], hours=p["hours"]))

    centres = [project(pk, name, inputs.targets.get(pk), inputs.realised.get(pk, 0), groups.get(pk, []),
                       options.get(pk, [])) for pk, name in inputs.names.items()]
    in_scope = [c for c in groups if inputs.scope is None or c in inputs.scope]
    total = project(None, str(_("Province") if inputs.scope is None else _("Total")), inputs.targets.get(None),
                    inputs.realised.get(None, 0), [g for c in in_scope for g in groups[c]],
                    [o for c in options for o in options[c]])
    return Forecast(year=inputs.year, as_of=inputs.as_of, centres=centres, total=total)


def forecast(year: int, centres: set[int] | None = None, *, today: datetime.date | None = None,
             figures=None) -> Forecast:
    """The year-end forecast of certified persons of programme year ``year``: per centre in scope and in total.
    ``centres`` None is the whole province; a set, an operator's centres (``total`` sums only those). ``figures``:
    the ``queries.Figures`` of the same year and scope when the caller has them (one query fewer)."""
    from django.utils import timezone

    as_of = today or timezone.localdate()
    return build(load(year, centres, as_of, figures))


# How long a forecast is reused while the figures change under it (it reads the whole year: seconds at a million
# persons, while the rates it rests on move slowly). Unchanged figures reuse it however old it is.
CACHE_SECONDS = 600


def cached(year: int, centres: set[int] | None = None, *, figures=None) -> Forecast:
    """``forecast(year, centres)`` from the cache when the figures have not changed since it was made, or when it
    is younger than CACHE_SECONDS; made again otherwise."""
    import time

    from django.core.cache import cache
    from django.utils import timezone

    from kompeten.reporting.refresh import state

    key = f"reporting:forecast:{year}:{','.join(map(str, sorted(centres))) if centres is not None else '*'}"
    version, today = state().version, timezone.localdate()
    hit = cache.get(key)
    if hit and hit["today"] == today and (hit["version"] == version or time.time() - hit["at"] < CACHE_SECONDS):
        return hit["forecast"]
    found = forecast(year, centres, today=today, figures=figures)
    cache.set(key, {"forecast": found, "version": version, "today": today, "at": time.time()}, CACHE_SECONDS * 6)
    return found
