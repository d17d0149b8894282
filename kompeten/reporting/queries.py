"""Reading the figures: one query loads a year's cells (a few thousand rows at any registry size), and everything
the dashboards, the monthly report and ``kompeten report targets`` show is summed from them here.

``Figures(year, centres)``: ``centres`` None is the whole province (province admin); a set of centre ids is what an
operator may see. Persons counted under no centre (registered without one, never applied) are in the province's
figures only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from kompeten.reporting.models import AGE_BANDS, FUNNEL, Cell, Dimension, Fact, Stage

# What each target kind is measured by.
TARGET_STAGE = {"trained": Stage.COMPLETED, "certified": Stage.CERTIFIED, "apprentices_placed": Stage.APPRENTICED}
MONTHS = range(1, 13)


def centres_for(user) -> set[int] | None:
    """None (everything) for a province admin, else the user's centres."""
    return None if user.is_province_admin else set(user.centre_ids)


@dataclass
class Row:
    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, stage: str) -> int:
        return self.counts.get(str(stage), 0)


class Figures:
    """The cells of one programme year within a scope, summed on demand."""

    def __init__(self, year: int, centres: set[int] | None = None, dimensions=None):
        """``dimensions``: load only these breakdowns (and the total) — a page that shows one breakdown reads a
        fraction of the cells. Asking for a breakdown not loaded is an error, never a silent zero."""
        self.year = year
        self.centres = centres
        self.dimensions = None if dimensions is None else {str(Dimension.TOTAL), *map(str, dimensions)}
        cells = Cell.objects.filter(year=year)
        if centres is not None:
            cells = cells.filter(centre_key__in=centres)
        if self.dimensions is not None:
            cells = cells.filter(dimension__in=self.dimensions)
        # dimension -> [(key, centre, month, stage, n)]: each breakdown reads only its own cells.
        self._cells: dict[str, list[tuple]] = defaultdict(list)
        for dimension, key, centre, month, stage, n in cells.values_list(
                "dimension", "key", "centre_key", "month", "stage", "n"):
            self._cells[dimension].append((key, centre, month, stage, n))

    def _loaded(self, dimension: str) -> list[tuple]:
        if self.dimensions is not None and str(dimension) not in self.dimensions:
            raise ValueError(f"the breakdown {dimension} was not loaded")
        return self._cells[dimension]

    def count(self, stage, *, dimension: str = Dimension.TOTAL, key: str = "", centre: int | None = None,
              months=MONTHS) -> int:
        months = set(months)
        return sum(n for k, c, m, s, n in self._loaded(dimension)
                   if k == key and s == stage and m in months and (centre is None or c == centre))

    def _rows(self, dimension: str, months, group) -> dict[str, dict[str, int]]:
        months = set(months)
        rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for k, c, m, s, n in self._loaded(dimension):
            if m in months:
                rows[group(k, c, m)][s] += n
        return rows

    def funnel(self, months=MONTHS, centre: int | None = None) -> list[tuple[Stage, int]]:
        totals = self._rows(Dimension.TOTAL, months, lambda k, c, m: "" if centre is None else str(c))
        counts = totals.get("" if centre is None else str(centre), {})
        return [(stage, counts.get(stage, 0)) for stage in [*FUNNEL, Stage.DROPPED, Stage.APPRENTICED,
                                                            Stage.EMPLOYED]]

    def breakdown(self, dimension: str, months=MONTHS) -> list[Row]:
        """One row per key of the breakdown, labelled and in a sensible order."""
        rows = self._rows(dimension, months, lambda k, c, m: k)
        labels = key_labels(dimension, rows.keys())
        ordered = sorted(rows, key=lambda k: (k == "", labels.get(k, (99, k))[0], labels.get(k, (99, k))[1]))
        return [Row(key=k, label=str(labels.get(k, (99, k or _("unknown")))[1]), counts=dict(rows[k]))
                for k in ordered]

    def by_centre(self, months=MONTHS) -> list[Row]:
        from kompeten.programmes.models import TrainingCentre

        rows = self._rows(Dimension.TOTAL, months, lambda k, c, m: c)
        names = dict(TrainingCentre.objects.filter(pk__in=[c for c in rows if c]).values_list("pk", "short_name"))
        return [Row(key=str(c), label=names.get(c, str(_("no centre"))), counts=dict(rows[c]))
                for c in sorted(rows, key=lambda c: (c == 0, names.get(c, "")))]

    def by_month(self) -> list[Row]:
        rows = self._rows(Dimension.TOTAL, MONTHS, lambda k, c, m: m)
        return [Row(key=str(m), label=str(m), counts=dict(rows.get(m, {}))) for m in MONTHS]

    def cumulative(self, stage) -> list[int]:
        """The count of ``stage`` reached by the end of each month."""
        total, out = 0, []
        for row in self.by_month():
            total += row[stage]
            out.append(total)
        return out


def key_labels(dimension: str, keys) -> dict[str, tuple[int, str]]:
    """{key: (order, label)} for the keys of a breakdown."""
    from kompeten.programmes.models import Vocation
    from kompeten.reference.models import EducationLevel, Region, Sector
    from kompeten.registry.models import Sex

    keys = [k for k in keys if k]
    if dimension == Dimension.SECTOR:
        return {s.key: (s.order, s.name) for s in Sector.objects.filter(key__in=keys)}
    if dimension == Dimension.VOCATION:
        return {str(v.pk): (0, v.name) for v in Vocation.objects.filter(pk__in=[int(k) for k in keys])}
    if dimension == Dimension.REGENCY:
        return {r.code: (0, r.name) for r in Region.objects.filter(code__in=keys)}
    if dimension == Dimension.EDUCATION:
        return {e.code: (e.order, e.name) for e in EducationLevel.objects.filter(code__in=keys)}
    if dimension == Dimension.SEX:
        return {value: (i, label) for i, (value, label) in enumerate(Sex.choices)}
    if dimension == Dimension.AGE:
        return {band: (i, band) for i, band in enumerate(AGE_BANDS)}
    if dimension == Dimension.DISABILITY:
        return {"1": (0, _("With a disability")), "0": (1, _("Without a disability"))}
    if dimension == Dimension.PRIOR:
        return {"0": (0, _("Never trained before")), "1": (1, _("Trained before"))}
    return {"": (0, _("Total"))}


def targets(year: int) -> dict[tuple[str, int | None, str | None], int]:
    """{(kind, centre id, sector key): number} of the programme year's targets."""
    from kompeten.programmes.models import Target

    return {(t.kind, t.centre_id, t.sector_id): t.number
            for t in Target.objects.filter(programme_year__year=year)}


def target_rows(figures: Figures) -> list[dict]:
    """Per centre in scope and in total: each target kind's number against its realisation."""
    from kompeten.programmes.models import TrainingCentre

    wanted = targets(figures.year)
    centres = TrainingCentre.objects.order_by("name")
    if figures.centres is not None:
        centres = centres.filter(pk__in=figures.centres)
    rows = []
    for centre in [*centres, None]:
        if centre is None and figures.centres is not None:
            break
        row = {"centre": centre, "kinds": {}}
        for kind, stage in TARGET_STAGE.items():
            target = wanted.get((kind, centre.pk if centre else None, None))
            if target is None:  # the sum of the parts: a centre's sector targets; the province's centres'
                parts = ([n for (k, c, s), n in wanted.items() if k == kind and c == centre.pk and s] if centre
                         else [r["kinds"][kind]["target"] for r in rows if r["kinds"][kind]["target"] is not None])
                target = sum(parts) if parts else None
            done = figures.count(stage, centre=centre.pk if centre else None)
            row["kinds"][kind] = {"target": target, "done": done,
                                  "percent": round(100 * done / target) if target else None}
        rows.append(row)
    return rows


def persons_behind(year: int, stage: str, *, centres: set[int] | None, centre: int | None = None,
                   dimension: str = Dimension.TOTAL, key: str = "", month: int | None = None):
    """The facts (with their persons) behind one number: for the drill-down lists."""
    from kompeten.reporting.facts import DATE_FIELDS, dimension_keys  # noqa: F401  (DATE_FIELDS: the stage's day)

    field_name = DATE_FIELDS[Stage(stage)]
    facts = Fact.objects.filter(year=year, **{f"{field_name}__isnull": False})
    if centres is not None:
        facts = facts.filter(centre_id__in=centres)
    if centre is not None:
        facts = facts.filter(centre_id=centre or None)
    column = {Dimension.SECTOR: "sector_id", Dimension.VOCATION: "vocation_id", Dimension.REGENCY: "regency",
              Dimension.SEX: "sex", Dimension.AGE: "age_band", Dimension.EDUCATION: "education",
              Dimension.DISABILITY: "disability", Dimension.PRIOR: "trained_before"}.get(dimension)
    if column:
        if column in ("disability", "trained_before"):
            value = key == "1"
        elif column in ("sector_id", "vocation_id"):
            value = key or None
        else:
            value = key
        facts = facts.filter(**({f"{column}__isnull": True} if value is None else {column: value}))
    if month is not None:
        facts = _in_month(facts, field_name, year, month)
    return facts.select_related("person", "centre", "vocation").order_by("person__full_name", "person_id")


def _in_month(facts, field_name: str, year: int, month: int):
    """The facts whose stage day counts in ``month`` (see facts.month_in: after the year → December)."""
    import datetime

    start = datetime.date(year, month, 1) if month > 1 else datetime.date(1, 1, 1)
    end = datetime.date(year + (month == 12), month % 12 + 1, 1) if month < 12 else datetime.date(9999, 12, 31)
    return facts.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end} if month < 12
                        else {f"{field_name}__gte": start})


def total(stage: str, year: int) -> int:
    return Cell.objects.filter(year=year, dimension=Dimension.TOTAL, stage=stage).aggregate(n=Sum("n"))["n"] or 0
