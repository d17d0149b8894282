"""Demand against supply, per sector, per occupation (KBJI) and per regency, for a period.

Every figure is one aggregate query (GROUP BY) per dimension, so the number of queries is fixed, whatever the
number of rows; ``report`` runs about 35. The rules, in short (docs/algorithms/planning.md has them in full):

- **demand**: the ``number_needed`` of the vacancies opened in the period (``valid_from`` in it, whatever their
  status now) plus the slots of the apprenticeship offers approved (or approved and since closed) that start in
  the period. Sector: the vacancy's sector, the offer's company's sector; occupation: theirs; regency: the
  vacancy's work location, the offer's place (an offer in several places is counted once, under "several");
- **interest**: the distinct applicants (applications not withdrawn) who chose a batch of the period, at any
  rank, and the number of first choices (rank 1); regency: the applicant's domicile (village code[:5]);
- **seats**: the capacity of the period's batches, cancelled ones excluded; regency: the centre's;
- **completed**: the completed enrolments of the period's batches; regency: the person's domicile;
- **certified**: the current competency certificates issued in the period; the sector comes through
  assessment → enrolment → batch → package → vocation, so an RPL candidate assessed without a training
  enrolment has none and is counted under the "other" sector (``Report.rpl_certified`` says how many);
- **placed**: the persons with a working outcome (employed, self-employed) dated in the period, on or after the
  end of a training they completed, counted in that training's sector, plus the apprenticeship placements
  started in the period (a change of company is not a new placement);
- **placement rate**: of the 6-month tracer surveys after a training due in the period whose situation is known
  (the survey's own answer, else an outcome confirmed by a company or an officer between the completion and the
  due date, as in tracer.py), the share working.

The batches "of the period" are those of its programme year, or, for a period given by dates, those starting in it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from kompeten.apprenticeships.models import STARTED_STATUSES, Offer, OfferStatus, Placement
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.formats import long_date
from kompeten.jobs.models import WORKING, Outcome, OutcomeSource, OutcomeSurvey, Trigger, Vacancy
from kompeten.programmes.models import Batch, BatchStatus, ProgrammeYear
from kompeten.reference.models import Kbji, Region, Sector
from kompeten.selection.models import ApplicationStatus, Choice
from kompeten.training.models import Enrolment, EnrolmentStatus

DIMENSIONS = ("sector", "occupation", "regency")
OTHER_SECTOR = "other"  # where RPL certificates (no enrolment) and rows without a sector go
SEVERAL = "*"  # the regency key of an apprenticeship offer in several places (or none)
LOW_INTEREST = 1.0  # first choices per seat below this: low interest
HIGH_DEMAND = 1.5  # demand per completed above this: demand outruns supply
TRACER_MONTHS = 6
CONFIRMED_SOURCES = [OutcomeSource.COMPANY, OutcomeSource.OPERATOR]
OFFER_STATUSES = [OfferStatus.APPROVED, OfferStatus.CLOSED]


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (both included); with a programme year, its batches are the period's batches."""

    start: datetime.date
    end: datetime.date
    programme_year: ProgrammeYear | None = None

    @classmethod
    def of_year(cls, programme_year: ProgrammeYear) -> Period:
        year = programme_year.year
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), programme_year)

    @property
    def dates(self) -> tuple[datetime.date, datetime.date]:
        return self.start, self.end

    @property
    def label(self) -> str:
        if self.programme_year is not None:
            return str(self.programme_year)
        return f"{long_date(self.start)} – {long_date(self.end)}"

    def batch_q(self, prefix: str = "") -> Q:
        """The condition "the batch (at ``prefix``) is one of the period's batches"."""
        if self.programme_year is not None:
            return Q(**{f"{prefix}programme_year": self.programme_year})
        return Q(**{f"{prefix}start_date__range": self.dates})


# Where each source's dimension is. ``None`` in a result means "none": no sector / occupation / domicile.
def _domicile(path: str):
    return Substr(path, 1, 5)  # "64.71.05.1008" -> "64.71"


KEYS = {
    "sector": {
        "vacancy": F("sector"), "offer": F("company__sector"), "choice": F("batch__package__vocation__sector"),
        "batch": F("package__vocation__sector"), "enrolment": F("batch__package__vocation__sector"),
        "certificate": F("assessment__enrolment__batch__package__vocation__sector"),
        "placement": F("offer__company__sector"), "survey": F("vocation__sector"),
    },
    "occupation": {
        "vacancy": F("occupation"), "offer": F("occupation"), "choice": F("batch__package__vocation__occupations"),
        "batch": F("package__vocation__occupations"), "enrolment": F("batch__package__vocation__occupations"),
        "certificate": F("assessment__enrolment__batch__package__vocation__occupations"),
        "placement": F("offer__occupation"), "survey": F("vocation__occupations"),
    },
    "regency": {
        "vacancy": _domicile("region"), "offer": None,  # see _offer_slots_by_regency
        "choice": _domicile("application__person__village"), "batch": _domicile("centre__region"),
        "enrolment": _domicile("person__village"), "certificate": _domicile("person__village"),
        "placement": _domicile("person__village"), "survey": _domicile("person__village"),
    },
}


def group(queryset, key, **aggregates) -> dict:
    """{key value: {aggregate: value}} in one GROUP BY query. ``key`` is an expression, or a tuple of them
    (then the dictionary's keys are tuples)."""
    keys = key if isinstance(key, tuple) else (key,)
    names = {f"grp{i}": expression for i, expression in enumerate(keys)}
    result = {}
    for row in queryset.order_by().values(**names).annotate(**aggregates):
        value = tuple(row.pop(name) for name in names)
        result[value if isinstance(key, tuple) else value[0]] = row
    return result


# The measures. Each takes the period and the key expression(s) of its source. ----------------------------

def vacancies(period: Period, key) -> dict:
    return group(Vacancy.objects.filter(valid_from__range=period.dates), key, n=Sum("number_needed"))


def offers(period: Period):
    return Offer.objects.filter(status__in=OFFER_STATUSES, start_date__range=period.dates)


def offer_slots(period: Period, key) -> dict:
    return group(offers(period), key, n=Sum("slots"))


def _offer_slots_by_regency(period: Period) -> dict:
    """Slots per place: an offer in exactly one regency under it, the others (several places, or none) under
    ``SEVERAL``: two queries, an offer is never counted twice."""
    through = Offer.locations.through
    single = (through.objects.order_by().values("offer").annotate(places=Count("pk")).filter(places=1)
              .values("offer"))
    chosen = offers(period)
    result = group(through.objects.filter(offer__in=chosen.filter(pk__in=single)), _domicile("region"),
                   n=Sum("offer__slots"))
    several = chosen.exclude(pk__in=single).aggregate(n=Sum("slots"))["n"]
    if several:
        result[SEVERAL] = {"n": several}
    return result


def choices(period: Period):
    return (Choice.objects.filter(period.batch_q("batch__")).exclude(batch__status=BatchStatus.CANCELLED)
            .exclude(application__status=ApplicationStatus.WITHDRAWN))


def interest(period: Period, key) -> dict:
    return group(choices(period), key, applicants=Count("application__person", distinct=True),
                 first=Count("pk", distinct=True, filter=Q(rank=1)))


def seats(period: Period, key) -> dict:
    batches = Batch.objects.filter(period.batch_q()).exclude(status=BatchStatus.CANCELLED)
    return group(batches, key, n=Sum("capacity"))


def completions(period: Period, key) -> dict:
    enrolments = Enrolment.objects.filter(period.batch_q("batch__"), status=EnrolmentStatus.COMPLETED)
    return group(enrolments, key, n=Count("pk", distinct=True))


def certified(period: Period, key) -> dict:
    certificates = (Certificate.objects.current().filter(kind=CertificateKind.COMPETENCY, replaced_by__isnull=True,
                                                         issued_on__range=period.dates))
    return group(certificates, key, n=Count("pk", distinct=True),
                 rpl=Count("pk", distinct=True, filter=Q(assessment__enrolment__isnull=True)))


def _working_after_training(period: Period):
    return Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, person__outcomes__status__in=WORKING,
                                    person__outcomes__on__range=period.dates,
                                    person__outcomes__on__gte=F("batch__end_date"))


def placed_in_work(period: Period, key) -> dict:
    return group(_working_after_training(period), key, n=Count("person", distinct=True))


def _started_placements(period: Period):
    return (Placement.objects.filter(status__in=STARTED_STATUSES, previous__isnull=True)
            .annotate(began=Coalesce("started_on", "start_date")).filter(began__range=period.dates))


def apprentices_placed(period: Period, key) -> dict:
    return group(_started_placements(period), key, n=Count("pk", distinct=True))


def tracer_surveys(period: Period, months: int = TRACER_MONTHS):
    """The surveys ``months`` after a training due in the period whose situation is known, each with
    ``last_status``: the survey's own answer (the person's, or an officer's follow-up), else the latest outcome
    confirmed by a company or recorded by an officer between the completion and the due date (as tracer.py)."""
    own = Outcome.objects.filter(survey=OuterRef("pk")).order_by("-on", "-pk")
    confirmed = Outcome.objects.filter(person=OuterRef("person"), source__in=CONFIRMED_SOURCES,
                                       on__gte=OuterRef("trigger_date"), on__lte=OuterRef("due_on")
                                       ).order_by("-on", "-pk")
    return (OutcomeSurvey.objects.filter(months=months, trigger=Trigger.TRAINING, due_on__range=period.dates)
            .annotate(last_status=Coalesce(Subquery(own.values("status")[:1]),
                                           Subquery(confirmed.values("status")[:1])))
            .filter(Q(responded_at__isnull=False) | Exists(own) | Exists(confirmed)))


def tracer(period: Period, key, months: int = TRACER_MONTHS) -> dict:
    """{key: {"answered": known surveys, "working": of them working}}."""
    return group(tracer_surveys(period, months), key, answered=Count("pk", distinct=True),
                 working=Count("pk", distinct=True, filter=Q(last_status__in=WORKING)))


def ratio(part, whole) -> float | None:
    return part / whole if whole else None


# Rows and the report --------------------------------------------------------------------------------------

@dataclass
class Row:
    key: str | None
    label: str
    code: str = ""
    vacancies: int = 0
    slots: int = 0
    applicants: int = 0
    first_choices: int = 0
    seats: int = 0
    completed: int = 0
    certified: int = 0
    placed_work: int = 0
    placed_apprentices: int = 0
    answered: int = 0
    working: int = 0

    @property
    def demand(self) -> int:
        return self.vacancies + self.slots

    @property
    def placed(self) -> int:
        return self.placed_work + self.placed_apprentices

    @property
    def demand_per_completed(self) -> float | None:
        return ratio(self.demand, self.completed)

    @property
    def first_choices_per_seat(self) -> float | None:
        return ratio(self.first_choices, self.seats)

    @property
    def placement_rate(self) -> float | None:
        return ratio(self.working, self.answered)

    @property
    def placement_percent(self) -> int | None:
        rate = self.placement_rate
        return None if rate is None else round(100 * rate)

    @property
    def low_interest(self) -> bool:
        return self.seats > 0 and self.first_choices_per_seat < LOW_INTEREST

    @property
    def high_demand(self) -> bool:
        """Demand per completed above 1.5, or demand with nobody completing."""
        return self.demand > 0 and (self.completed == 0 or self.demand_per_completed > HIGH_DEMAND)

    @property
    def flagged(self) -> bool:
        return self.low_interest or self.high_demand

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in COUNTS)


COUNTS = [f.name for f in fields(Row) if f.type == "int"]

# (Row field, measure function, aggregate) of each figure; "offer" slots per regency are special.
MEASURES = [
    ("vacancies", vacancies, "vacancy", "n"),
    ("slots", offer_slots, "offer", "n"),
    ("applicants", interest, "choice", "applicants"),
    ("first_choices", interest, "choice", "first"),
    ("seats", seats, "batch", "n"),
    ("completed", completions, "enrolment", "n"),
    ("certified", certified, "certificate", "n"),
    ("placed_work", placed_in_work, "enrolment", "n"),
    ("placed_apprentices", apprentices_placed, "placement", "n"),
    ("answered", tracer, "survey", "answered"),
    ("working", tracer, "survey", "working"),
]


def figures(period: Period, dimension: str) -> tuple[dict[str | None, dict[str, int]], int]:
    """{key: {Row field: number}} of one dimension, one query per measure; and the number of RPL certificates
    (without an enrolment) among the certified."""
    keys = KEYS[dimension]
    cache: dict = {}
    result: dict[str | None, dict[str, int]] = {}
    rpl = 0
    for name, measure, source, aggregate in MEASURES:
        if measure not in cache:
            if dimension == "regency" and source == "offer":
                cache[measure] = _offer_slots_by_regency(period)
            else:
                cache[measure] = measure(period, keys[source])
        for key, values in cache[measure].items():
            if dimension == "sector" and key is None:
                key = OTHER_SECTOR
            bucket = result.setdefault(key, {})
            bucket[name] = bucket.get(name, 0) + (values[aggregate] or 0)
        if name == "certified":
            rpl = sum(values["rpl"] or 0 for values in cache[measure].values())
    return result, rpl


@dataclass
class Report:
    period: Period
    sectors: list[Row]
    occupations: list[Row]
    regencies: list[Row]
    total: Row
    rpl_certified: int = 0
    tables: dict = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.total.is_empty

    @property
    def other_label(self) -> str:
        return next((row.label for row in self.sectors if row.key == OTHER_SECTOR), OTHER_SECTOR)

    @property
    def flagged_sectors(self) -> list[Row]:
        return [row for row in self.sectors if row.flagged]


def _rows(found: dict, labels: dict, order: Iterable) -> list[Row]:
    rows = []
    for key in order:
        label, code = labels.get(key, (str(key), key or ""))
        rows.append(Row(key=key, label=label, code=code or "", **found.get(key, {})))
    return rows


def sector_rows(period: Period) -> tuple[list[Row], int]:
    found, rpl = figures(period, "sector")
    sectors = list(Sector.objects.order_by("order", "key"))
    labels = {s.key: (s.name, s.key) for s in sectors}
    order = [s.key for s in sectors] + sorted(k for k in found if k not in labels)
    return _rows(found, labels, order), rpl


def occupation_rows(period: Period) -> list[Row]:
    found, _rpl = figures(period, "occupation")
    known = [k for k in found if k is not None]
    labels = {k.code: (k.name, k.code) for k in Kbji.objects.filter(code__in=known)}
    labels[None] = (str(_("No occupation (RPL, or a vocation without a KBJI code)")), "")
    order = sorted(known) + ([None] if None in found else [])
    return _rows(found, labels, order)


def regency_rows(period: Period) -> list[Row]:
    found, _rpl = figures(period, "regency")
    known = [k for k in found if k not in (None, SEVERAL)]
    labels = {r.code: (r.name, r.code) for r in Region.objects.filter(code__in=known)}
    labels[SEVERAL] = (str(_("Several regencies (apprenticeship offers)")), "")
    labels[None] = (str(_("Domicile unknown")), "")
    order = sorted(known) + [k for k in (SEVERAL, None) if k in found]
    return _rows(found, labels, order)


def totals(period: Period, rows: list[Row]) -> Row:
    """The province: the sums of the sector rows, but applicants and persons placed in work counted once each
    (a person can be in two sectors)."""
    total = Row(key=None, label=str(_("Province")))
    for name in COUNTS:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    total.applicants = choices(period).order_by().aggregate(n=Count("application__person", distinct=True))["n"] or 0
    total.placed_work = (_working_after_training(period).order_by()
                         .aggregate(n=Count("person", distinct=True))["n"] or 0)
    return total


def report(period: Period) -> Report:
    """The three tables of the demand page and the province's totals."""
    sectors, rpl = sector_rows(period)
    result = Report(period=period, sectors=sectors, occupations=occupation_rows(period),
                    regencies=regency_rows(period), total=totals(period, sectors), rpl_certified=rpl)
    result.tables = {"sector": result.sectors, "occupation": result.occupations, "regency": result.regencies}
    return result


# Export ----------------------------------------------------------------------------------------------------

def headers(dimension: str) -> list[str]:
    first = {"sector": _("Sector"), "occupation": _("Occupation (KBJI)"), "regency": _("Regency / city")}[dimension]
    return [str(h) for h in (
        _("Code"), first, _("Vacancies (people needed)"), _("Apprenticeship slots"), _("Demand"),
        _("Applicants"), _("First choices"), _("Seats"), _("First choices per seat"), _("Completed"),
        _("Demand per completed"), _("Certified"), _("Placed in work"), _("Apprentices placed"), _("Placed"),
        _("Tracer answers (6 months)"), _("Working (6 months)"), _("Placement rate (6 months)"))]


def _rounded(value: float | None, digits: int = 2):
    return None if value is None else round(value, digits)


def export_rows(rows: Iterable[Row]) -> list[list]:
    return [[row.code, row.label, row.vacancies, row.slots, row.demand, row.applicants, row.first_choices,
             row.seats, _rounded(row.first_choices_per_seat), row.completed, _rounded(row.demand_per_completed),
             row.certified, row.placed_work, row.placed_apprentices, row.placed, row.answered, row.working,
             _rounded(row.placement_rate, 3)] for row in rows]


# Bars ------------------------------------------------------------------------------------------------------

BAR_SERIES = [("demand", _("Demand"), "#0b5563"), ("completed", _("Completed"), "#6c9a8b"),
              ("placed", _("Placed"), "#e0a458")]
LABEL_WIDTH = 150
BAR_WIDTH = 300
BAR_HEIGHT = 10
BAR_GAP = 2
GROUP_GAP = 12


def bars(rows: list[Row]) -> dict:
    """Geometry of a small horizontal bar chart, drawn as SVG by the template: per row (with something to show)
    its label and three bars (demand, completed, placed) scaled to the largest number, each with its value."""
    shown = [row for row in rows if row.demand or row.completed or row.placed]
    largest = max([getattr(row, name) for row in shown for name, _label, _colour in BAR_SERIES] or [0]) or 1
    groups, y = [], 0
    for row in shown:
        items = []
        for index, (name, label, colour) in enumerate(BAR_SERIES):
            value = getattr(row, name)
            top = y + index * (BAR_HEIGHT + BAR_GAP)
            width = round(BAR_WIDTH * value / largest, 1)
            items.append({"name": name, "label": label, "colour": colour, "value": value, "x": LABEL_WIDTH,
                          "y": top, "width": width, "height": BAR_HEIGHT, "text_x": LABEL_WIDTH + width + 4,
                          "text_y": top + BAR_HEIGHT - 1})
        groups.append({"label": row.label, "flagged": row.flagged, "label_y": y + BAR_HEIGHT + BAR_GAP + 8,
                       "items": items})
        y += len(BAR_SERIES) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    return {"groups": groups, "height": max(y, 1), "width": LABEL_WIDTH + BAR_WIDTH + 50,
            "legend": [{"label": label, "colour": colour} for _name, label, colour in BAR_SERIES]}
