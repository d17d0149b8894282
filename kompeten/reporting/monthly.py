"""The monthly report (laporan bulanan): its figures, built once as plain titled tables that the PDF
(kompeten/reporting/documents.py) and the workbook (kompeten/reporting/xlsx.py) only print.

``build(year, month, centres)`` reads the year's cells once (``queries.Figures``) and returns a ``Report``:

- the summary: each target against its realisation in the month and to date (per centre and in total), the
  forecast for the year's end with what would close the gap, and the funnel of the month beside the funnel of the
  year to date;
- the month (``months=[m]``) and the year to date (``months=1..m``): the funnel per training centre, sector,
  vocation, regency, sex, age band, education, disability and training before this year; the year to date also
  per month.

Every count is a number of persons (an ``int``, the same as the dashboard's); ``centres`` is the scope as in
``queries.Figures`` (None: the province). The labels are made in the active language, so build the report in the
language it is printed in. Cost: one query for the cells, one per breakdown for its labels, the forecast's own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kompeten.reporting import queries
from kompeten.reporting.models import Dimension, Stage

# The columns of every funnel table, in the order a person goes through them.
STAGES = [Stage.REGISTERED, Stage.APPLIED, Stage.ELIGIBLE, Stage.ADMITTED, Stage.ENROLLED, Stage.COMPLETED,
          Stage.DROPPED, Stage.ASSESSED, Stage.COMPETENT, Stage.CERTIFIED, Stage.APPRENTICED, Stage.EMPLOYED,
          Stage.PLACED]

# Their headers: short, to fit thirteen columns across a landscape page (the stage's full name is in the funnel
# table of the summary and in docs/algorithms/reporting.md).
STAGE_HEADERS = {
    Stage.REGISTERED: pgettext_lazy("funnel column", "Registered"),
    Stage.APPLIED: pgettext_lazy("funnel column", "Applied"),
    Stage.ELIGIBLE: pgettext_lazy("funnel column", "Eligible"),
    Stage.ADMITTED: pgettext_lazy("funnel column", "Offered a seat"),
    Stage.ENROLLED: pgettext_lazy("funnel column", "Enrolled"),
    Stage.COMPLETED: pgettext_lazy("funnel column", "Completed"),
    Stage.DROPPED: pgettext_lazy("funnel column", "Did not complete"),
    Stage.ASSESSED: pgettext_lazy("funnel column", "Assessed"),
    Stage.COMPETENT: pgettext_lazy("funnel column", "Kompeten"),
    Stage.CERTIFIED: pgettext_lazy("funnel column", "Certified"),
    Stage.APPRENTICED: pgettext_lazy("funnel column", "Apprenticed"),
    Stage.EMPLOYED: pgettext_lazy("funnel column", "Working"),
    Stage.PLACED: pgettext_lazy("funnel column", "Placed"),
}

# The breakdowns of the month and of the year to date: (key, the table's title, the short name of its sheet).
CENTRE, MONTH = "centre", "month"
BREAKDOWNS = [
    (CENTRE, gettext_lazy("Funnel per training centre"), gettext_lazy("Centre")),
    (Dimension.SECTOR, gettext_lazy("Funnel per sector"), gettext_lazy("Sector")),
    (Dimension.VOCATION, gettext_lazy("Funnel per vocation"), gettext_lazy("Vocation")),
    (Dimension.REGENCY, gettext_lazy("Funnel per regency / city of domicile"), gettext_lazy("Regency")),
    (Dimension.SEX, gettext_lazy("Funnel per sex"), gettext_lazy("Sex")),
    (Dimension.AGE, gettext_lazy("Funnel per age band (age on 1 January)"), gettext_lazy("Age band")),
    (Dimension.EDUCATION, gettext_lazy("Funnel per education level"), gettext_lazy("Education")),
    (Dimension.DISABILITY, gettext_lazy("Funnel by disability"), gettext_lazy("Disability")),
    (Dimension.PRIOR, gettext_lazy("Funnel by training before this year"), gettext_lazy("Prior training")),
]
MONTH_TITLE, MONTH_SHORT = gettext_lazy("Funnel per month"), gettext_lazy("Month")
FIRST_COLUMN = {
    CENTRE: gettext_lazy("Training centre"), Dimension.SECTOR: gettext_lazy("Sector"),
    Dimension.VOCATION: gettext_lazy("Vocation"), Dimension.REGENCY: gettext_lazy("Regency / city"),
    Dimension.SEX: gettext_lazy("Sex"), Dimension.AGE: gettext_lazy("Age band"),
    Dimension.EDUCATION: gettext_lazy("Education level"), Dimension.DISABILITY: gettext_lazy("Disability"),
    Dimension.PRIOR: gettext_lazy("Training before this year"), MONTH: gettext_lazy("Month"),
}


@dataclass
class Column:
    label: str
    kind: str = "int"  # "text", "int" (persons), "percent" (a whole percent), "number" (a decimal), "date"
    group: str = ""  # a heading over the columns that share it (the target kind)


@dataclass
class Table:
    """A titled table: the header is ``columns``; each row holds a label (text) then values (None: no value)."""

    key: str  # stable: "targets", "forecast", "advice", "funnel", "month-sector", "ytd-month", ...
    title: str
    sheet: str  # the short name of its worksheet
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None  # the closing "Total" row
    note: str = ""

    def row(self, label: str) -> list | None:
        """The row (or the total row) labelled ``label``: for tests and scripts."""
        for row in [*self.rows, *([self.total] if self.total else [])]:
            if row[0] == label:
                return row
        return None

    def value(self, label: str, column: str):
        row = self.row(label)
        index = [c.label if not c.group else f"{c.group}: {c.label}" for c in self.columns].index(column)
        return None if row is None else row[index]


@dataclass
class Section:
    title: str
    tables: list[Table]


@dataclass
class Report:
    year: int
    month: int
    centres: set[int] | None
    scope: str  # "all training centres" or the centres' names
    month_label: str  # "November 2025"
    period_label: str  # "January – November 2025"
    refreshed_at: datetime.datetime | None  # when the summary tables were last brought up to date
    generated_at: datetime.datetime
    forecast_as_of: datetime.date | None
    sections: list[Section]

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def month_name(month: int) -> str:
    return str(MONTHS[month])


def period_label(year: int, month: int) -> str:
    """ "January – November 2025"; just "January 2025" for January."""
    if month == 1:
        return f"{month_name(1)} {year}"
    return _("%(first)s – %(last)s %(year)s") % {"first": month_name(1), "last": month_name(month), "year": year}


def stage_columns() -> list[Column]:
    return [Column(str(STAGE_HEADERS[stage])) for stage in STAGES]


def _funnel_row(label: str, counts) -> list:
    return [label, *[counts[stage] for stage in STAGES]]


def _total_row(figures: queries.Figures, months) -> list:
    return [_("Total"), *[figures.count(stage, months=months) for stage in STAGES]]


def _breakdown(figures: queries.Figures, key: str, months) -> list[list]:
    rows = figures.by_centre(months) if key == CENTRE else figures.breakdown(key, months)
    return [_funnel_row(row.label, row) for row in rows]


def _period_tables(figures: queries.Figures, prefix: str, months, suffix: str) -> list[Table]:
    """The breakdowns of one period (``prefix`` "month" or "ytd"; ``suffix`` the sheet names' "(month)")."""
    tables = []
    for key, title, short in BREAKDOWNS:
        tables.append(Table(key=f"{prefix}-{key}", title=str(title), sheet=f"{short} {suffix}",
                            columns=[Column(str(FIRST_COLUMN[key]), "text"), *stage_columns()],
                            rows=_breakdown(figures, key, months), total=_total_row(figures, months)))
    return tables


def _percent(done: int, target: int | None) -> int | None:
    return round(100 * done / target) if target else None


def target_table(figures: queries.Figures, month: int, month_label: str) -> Table:
    """Each target kind per centre (and the province in total): the target, realised in the month, realised to
    date, and the percent of the target reached to date."""
    from kompeten.programmes.models import Target

    kinds = dict(Target.Kind.choices)
    columns = [Column(_("Training centre"), "text")]
    for kind in queries.TARGET_STAGE:
        group = str(kinds[kind])
        columns += [Column(_("Target"), group=group), Column(month_label, group=group),
                    Column(_("To date"), group=group), Column("%", "percent", group=group)]
    table = Table(key="targets", title=_("Targets against realisation"), sheet=_("Targets"), columns=columns,
                  note=_("Realised to date: persons who reached the stage from January to the end of the month "
                         "(trained: completed training; certified: competency certificate issued; apprentices: "
                         "apprenticeship started). %: of the year's target."))
    to_date = range(1, month + 1)
    for target_row in queries.target_rows(figures):
        centre = target_row["centre"]
        row = [centre.short_name if centre else _("Province total")]
        for kind, stage in queries.TARGET_STAGE.items():
            target = target_row["kinds"][kind]["target"]
            done = figures.count(stage, centre=centre.pk if centre else None, months=to_date)
            row += [target, figures.count(stage, centre=centre.pk if centre else None, months=[month]), done,
                    _percent(done, target)]
        if centre is None:
            table.total = row
        else:
            table.rows.append(row)
    return table


def forecast_tables(figures: queries.Figures) -> tuple[list[Table], datetime.date]:
    """The forecast of certified persons at the year's end per centre and in total (kompeten/reporting/forecast.py),
    and the extra batches that would close each gap."""
    from kompeten.reporting.forecast import forecast as make_forecast

    found = make_forecast(figures.year, figures.centres, figures=figures)
    columns = [Column(_("Training centre"), "text"), Column(_("Target")), Column(_("Certified so far")),
               Column(_("Expected"), "number"), Column(_("Low")), Column(_("High")), Column(_("Gap"))]
    table = Table(key="forecast", title=_("Certified persons: forecast for the end of the year"),
                  sheet=_("Forecast"), columns=columns,
                  note=_("Expected: the persons likely to be certified by the end of the year, from those certified, "
                         "in training, awaiting assessment or certificate, and the seats of the batches planned; "
                         "low – high: the 90 percent range; gap: what the expected number falls short of the target."))
    advice = Table(key="advice", title=_("Extra batches that would close the gap"), sheet=_("Extra batches"),
                   columns=[Column(_("Training centre"), "text"), Column(_("Vocation"), "text"),
                            Column(_("Batches")), Column(_("Certified per batch"), "number"),
                            Column(_("Start by"), "date")],
                   note=_("Any one of the options closes the centre's gap in expectation; start by: the latest start "
                          "for the batch to end by 31 December (–: too late this year)."))

    def line(label: str, f) -> list:
        return [label, f.target, f.realised, f.expected, f.low, f.high, f.gap]

    def options(label: str, f) -> list[list]:
        return [[label, a.vocation_name, a.batches, a.per_batch, a.latest_start] for a in f.advice]

    for f in found.centres:
        table.rows.append(line(f.name, f))
        advice.rows += options(f.name, f)
    total_label = _("Province total") if figures.centres is None else _("Total")
    if figures.centres is None or len(found.centres) != 1:
        table.total = line(total_label, found.total)
        if not advice.rows:
            advice.rows = options(total_label, found.total)
    return [table] + ([advice] if advice.rows else []), found.as_of


def funnel_table(figures: queries.Figures, month: int, month_label: str, period: str) -> Table:
    month_counts = dict(figures.funnel(months=[month]))
    ytd_counts = dict(figures.funnel(months=range(1, month + 1)))
    return Table(key="funnel", title=_("The funnel: the month and the year to date"), sheet=_("Funnel"),
                 columns=[Column(_("Stage"), "text"), Column(month_label), Column(period)],
                 rows=[[str(stage.label), month_counts.get(stage, 0), ytd_counts.get(stage, 0)] for stage in STAGES],
                 note=_("Persons, each counted once per stage, in the month they first reached it in the "
                        "programme year; a stage reached after the year's end counts in December."))


def scope_label(centres: set[int] | None) -> str:
    from kompeten.programmes.models import TrainingCentre

    if centres is None:
        return _("all training centres")
    names = TrainingCentre.objects.filter(pk__in=centres).order_by("name").values_list("short_name", flat=True)
    return ", ".join(names) or _("no training centre")


def figures_as_of() -> datetime.datetime | None:
    """When the figures were last current: now when no person waits to be refreshed, else the last refresh."""
    from kompeten.reporting.refresh import stale_count, state

    return timezone.now() if not stale_count() else state().refreshed_at


def build(year: int, month: int, centres: set[int] | None = None, *, forecast: bool = True) -> Report:
    """The monthly report of ``month`` of programme year ``year`` within ``centres`` (None: the province). The
    caller refreshes the stale persons first; ``forecast=False`` leaves the forecast out."""
    figures = queries.Figures(year, centres)
    month_label = f"{month_name(month)} {year}"
    period = period_label(year, month)
    to_date = range(1, month + 1)

    summary = [target_table(figures, month, month_label)]
    as_of = None
    if forecast:
        tables, as_of = forecast_tables(figures)
        summary += tables
    summary.append(funnel_table(figures, month, month_label, period))

    month_tables = _period_tables(figures, "month", [month], _("(month)"))
    ytd_tables = _period_tables(figures, "ytd", to_date, _("(to date)"))
    by_month = figures.by_month()[:month]
    ytd_tables.append(Table(
        key="ytd-month", title=str(MONTH_TITLE), sheet=f"{MONTH_SHORT} {_('(to date)')}",
        columns=[Column(str(FIRST_COLUMN[MONTH]), "text"), *stage_columns()],
        rows=[_funnel_row(month_name(int(row.key)), row) for row in by_month],
        total=_total_row(figures, to_date)))

    return Report(
        year=year, month=month, centres=centres, scope=scope_label(centres), month_label=month_label,
        period_label=period, refreshed_at=figures_as_of(), generated_at=timezone.now(), forecast_as_of=as_of,
        sections=[
            Section(_("Summary"), summary),
            Section(_("The month: %(month)s") % {"month": month_label}, month_tables),
            Section(_("The year to date: %(period)s") % {"period": period}, ytd_tables),
        ])
