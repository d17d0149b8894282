"""Province dashboard: a programme year's funnel against its targets, per centre, breakdown and month; the persons
behind any number; any table as XLSX or CSV.

Scope: a province admin sees everything; a centre operator sees the same page over their centres only
(``queries.centres_for``) — figures, target rows, forecast, drill-down lists and exports alike; no province total
is shown to an operator. Every page first refreshes what is stale (``refresh.refresh_stale``, bounded), then reads
the year's cells in one query (``queries.Figures``): the number of queries does not grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import escape, format_html
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from kompeten.accounts.decorators import operator_or_admin_required
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.access import int_param
from kompeten.core.exports import write_csv, write_xlsx
from kompeten.programmes.models import ProgrammeYear, Target, TrainingCentre, TrainingPackage
from kompeten.reporting import charts, forecast, queries, refresh
from kompeten.reporting.facts import DATE_FIELDS
from kompeten.reporting.models import FUNNEL, Dimension, Stage

# The stages of every table: the funnel, then what is shown beside it.
STAGES = [*FUNNEL, Stage.DROPPED, Stage.APPRENTICED, Stage.EMPLOYED]
BREAKDOWNS = [Dimension.SECTOR, Dimension.VOCATION, Dimension.REGENCY, Dimension.SEX, Dimension.AGE,
              Dimension.EDUCATION, Dimension.DISABILITY, Dimension.PRIOR]
HEADLINE_KINDS = [Target.Kind.CERTIFIED, Target.Kind.TRAINED, Target.Kind.APPRENTICES_PLACED]
FORECAST_KIND = Target.Kind.CERTIFIED  # what the forecast (kompeten/reporting/forecast.py) predicts
PAGE_SIZE = 50
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


# Scope, year, freshness --------------------------------------------------------------------------------------------

def _years() -> list[int]:
    return list(ProgrammeYear.objects.order_by("-year").values_list("year", flat=True))


def _chosen_year(value, years: list[int]) -> int | None:
    """The year asked for if it is a programme year, else the latest programme year."""
    chosen = int_param(value, maximum=9999)
    if chosen in years:
        return chosen
    return years[0] if years else None


def figures_for(year: int, scope: set[int] | None, dimensions=()) -> queries.Figures:
    """The year's figures within the scope: the total and ``dimensions`` only (a page that shows one breakdown
    reads a small part of the year's cells)."""
    return queries.Figures(year, scope, dimensions=[str(d) for d in dimensions])


def _refresh() -> dict:
    """Count what changed since the last refresh (a bounded number of persons; the rest is left to the task)."""
    refresh.refresh_stale(limit=refresh.REQUEST_LIMIT)
    return {"stale": refresh.stale_count(), "state": refresh.state()}


def _percent(part, whole) -> int | None:
    return round(100 * part / whole) if whole else None


# Tables ------------------------------------------------------------------------------------------------------------

@dataclass
class Cell:
    value: object
    params: dict | None = None  # the persons-list parameters behind the number (besides year)
    percent: bool = False
    href: str = ""

    @property
    def html(self) -> str:
        """The cell as shown: "–" for nothing, "62 %", or the number (linked to its persons when it has some).
        Made here rather than in the template: a page has several hundred cells."""
        if self.value is None:
            return "–"
        if self.percent:
            return f"{self.value} %"
        text = charts.number(self.value) if isinstance(self.value, int) else str(self.value)
        return format_html('<a href="{}">{}</a>', self.href, text) if self.href else escape(text)


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def export(self) -> tuple[list[str], list[list]]:
        return self.headers, [[cell.value for cell in row] for row in self.rows]

    def link(self, year: int, base: str) -> Table:
        """Give every non-zero number with parameters the address of its persons list."""
        for row in self.rows:
            for cell in row:
                if cell.params is not None and cell.value:
                    cell.href = persons_url(base, year, **cell.params)
        return self


def persons_url(base: str, year: int, *, stage, dimension=None, key=None, centre=None, month=None) -> str:
    """The persons list behind one number (hundreds on a page: built by hand, only the key needs quoting)."""
    url = f"{base}?year={int(year)}&stage={quote(str(stage), safe='')}"
    if dimension and dimension != Dimension.TOTAL:
        url += f"&dimension={quote(str(dimension), safe='')}&key={quote(key or '', safe='')}"
    if centre is not None:
        url += f"&centre={int(centre)}"
    if month is not None:
        url += f"&month={int(month)}"
    return url


def _stage_headers(first: str) -> list[str]:
    return [first, *[str(stage.label) for stage in STAGES]]


def _stage_cells(row: queries.Row, **params) -> list[Cell]:
    return [Cell(row.label), *[Cell(row[stage], {"stage": stage, **params}) for stage in STAGES]]


def target_rows(figures: queries.Figures) -> list[dict]:
    """``queries.target_rows``, with the province's target taken as the sum of the centres' where the year has no
    province-wide one."""
    rows = queries.target_rows(figures)
    total = rows[-1] if rows and rows[-1]["centre"] is None else None
    if total is not None:
        for kind, figure in total["kinds"].items():
            if figure["target"] is None:
                parts = [r["kinds"][kind]["target"] for r in rows[:-1] if r["kinds"][kind]["target"] is not None]
                if parts:
                    figure["target"] = sum(parts)
                    figure["percent"] = _percent(figure["done"], figure["target"])
    return rows


def headline(rows: list[dict]) -> dict[str, dict]:
    """{kind: {target, done, percent}} of the whole scope: the province row, else the sum of the scope's centres."""
    if rows and rows[-1]["centre"] is None:
        return rows[-1]["kinds"]
    out = {}
    for kind in queries.TARGET_STAGE:
        targets = [r["kinds"][kind]["target"] for r in rows if r["kinds"][kind]["target"] is not None]
        done = sum(r["kinds"][kind]["done"] for r in rows)
        target = sum(targets) if targets else None
        out[kind] = {"target": target, "done": done, "percent": _percent(done, target)}
    return out


def stage_targets(rows: list[dict]) -> dict[Stage, int]:
    """The targets along the funnel (completed, certified, apprenticed), for the scope."""
    kinds = headline(rows)
    return {queries.TARGET_STAGE[kind]: figure["target"] for kind, figure in kinds.items()
            if figure["target"] is not None}


def funnel_table(figures: queries.Figures, rows: list[dict] | None = None) -> Table:
    targets = stage_targets(rows if rows is not None else target_rows(figures))
    counts = dict(figures.funnel())
    table = Table("funnel", _("Funnel"), [_("Stage"), _("Persons"), _("Percent of the previous stage"), _("Target"),
                                          _("Percent of target")])
    previous = None
    for stage in STAGES:
        n = counts.get(stage, 0)
        step = _percent(n, counts.get(previous, 0)) if previous is not None else None
        target = targets.get(stage)
        table.rows.append([Cell(str(stage.label)), Cell(n, {"stage": stage}), Cell(step, percent=True),
                           Cell(target), Cell(_percent(n, target), percent=True)])
        previous = stage if stage in FUNNEL[:-1] else None
    return table


def centres_table(figures: queries.Figures) -> Table:
    table = Table("centres", _("Per training centre"), _stage_headers(_("Training centre")))
    table.rows = [_stage_cells(row, centre=int(row.key)) for row in figures.by_centre()]
    return table


def breakdown_table(dimension: str):
    def build(figures: queries.Figures) -> Table:
        label = str(Dimension(dimension).label)
        table = Table(str(dimension), _("Per %(breakdown)s") % {"breakdown": label.lower()}, _stage_headers(label))
        table.rows = [_stage_cells(row, dimension=dimension, key=row.key) for row in figures.breakdown(dimension)]
        return table

    return build


def month_path(target: int | None) -> list[float | None]:
    """The straight line from nothing on 1 January to the target on 31 December, at each month's end."""
    return [None if target is None else target * month / 12 for month in queries.MONTHS]


def months_table(figures: queries.Figures, rows: list[dict] | None = None) -> Table:
    target = stage_targets(rows if rows is not None else target_rows(figures)).get(Stage.CERTIFIED)
    cumulative = figures.cumulative(Stage.CERTIFIED)
    path = month_path(target)
    table = Table("months", _("Per month"), [*_stage_headers(_("Month")), _("Certified, cumulative"),
                                             _("Target path (certified)")])
    for index, row in enumerate(figures.by_month()):
        month = int(row.key)
        cells = _stage_cells(row, month=month)
        cells[0] = Cell(str(MONTHS[month]))
        table.rows.append([*cells, Cell(cumulative[index]),
                           Cell(None if path[index] is None else round(path[index]))])
    return table


def targets_table(figures: queries.Figures, rows: list[dict] | None = None) -> Table:
    rows = rows if rows is not None else target_rows(figures)
    table = Table("targets", _("Targets"), [_("Training centre"), _("Target"), _("Number"), _("Realised"),
                                            _("Percent of target")])
    for row in rows:
        centre = row["centre"]
        for kind in HEADLINE_KINDS:
            figure = row["kinds"][kind]
            params = {"stage": queries.TARGET_STAGE[kind]} | ({"centre": centre.pk} if centre else {})
            table.rows.append([Cell(centre.short_name if centre else _("Province")), Cell(str(kind.label)),
                               Cell(figure["target"]), Cell(figure["done"], params),
                               Cell(figure["percent"], percent=True)])
    return table


_BUILDERS = {"funnel": funnel_table, "centres": centres_table, "months": months_table, "targets": targets_table,
             **{str(dimension): breakdown_table(dimension) for dimension in BREAKDOWNS}}

# Table name -> builder(figures) -> (headers, rows): what /laporan/tabel/<name>.<fmt> writes.
TABLES = {name: (lambda figures, build=build: build(figures).export()) for name, build in _BUILDERS.items()}


# Forecast ----------------------------------------------------------------------------------------------------------

def advice_sentence(cf, centre_of_package: dict[int, str]) -> str:
    """"Short by 120: 8 more batches of Welding at BLKI Bontang starting by 1 Sep 2025 would close it." """
    if cf.target is None:
        return ""
    if cf.gap <= 0:
        return _("On course: the expected number reaches the target.")
    plans = []
    for advice in cf.advice:
        values = {"n": advice.batches, "vocation": advice.vocation_name,
                  "centre": centre_of_package.get(advice.package_id) or (cf.name if cf.centre_id else ""),
                  "date": formats.date_format(advice.latest_start, "j M Y") if advice.latest_start else ""}
        if values["centre"] and values["date"]:
            text = ngettext("%(n)s more batch of %(vocation)s at %(centre)s starting by %(date)s",
                            "%(n)s more batches of %(vocation)s at %(centre)s starting by %(date)s", advice.batches)
        elif values["centre"]:
            text = ngettext("%(n)s more batch of %(vocation)s at %(centre)s",
                            "%(n)s more batches of %(vocation)s at %(centre)s", advice.batches)
        elif values["date"]:
            text = ngettext("%(n)s more batch of %(vocation)s starting by %(date)s",
                            "%(n)s more batches of %(vocation)s starting by %(date)s", advice.batches)
        else:
            text = ngettext("%(n)s more batch of %(vocation)s", "%(n)s more batches of %(vocation)s",
                            advice.batches)
        plans.append(text % values)
    gap = charts.number(cf.gap)
    if not plans:
        return _("Short by %(gap)s.") % {"gap": gap}
    # The options are alternatives (forecast.advise): any one of them closes the gap.
    return _("Short by %(gap)s: %(plan)s would close it.") % {"gap": gap, "plan": get_text_list(plans, _("or"))}


# Where the persons still expected to be certified are now (forecast.CentreForecast.pending).
PENDING_LABELS = {
    "running": gettext_lazy("in running batches"),
    "planned": gettext_lazy("seats of batches still to start"),
    "awaiting_assessment": gettext_lazy("completed, awaiting assessment"),
    "awaiting_certificate": gettext_lazy("Kompeten, awaiting the certificate"),
}


def _forecast_view(cf, centre_of_package) -> dict:
    pending = [(str(PENDING_LABELS.get(k, k)), round(v)) for k, v in (cf.pending or {}).items() if round(v)]
    return {"expected": round(cf.expected), "low": cf.low, "high": cf.high, "gap": cf.gap, "target": cf.target,
            "realised": cf.realised, "sentence": advice_sentence(cf, centre_of_package), "pending": pending}


def forecasts(figures: queries.Figures) -> dict:
    """{"total": view, "centres": {centre id: view}} of the scope. An operator's total is that of their centres
    only (forecast.forecast sums the scope)."""
    scope = figures.centres
    found = forecast.cached(figures.year, scope, figures=figures)
    packages = {a.package_id for cf in [*found.centres, found.total] for a in cf.advice if a.package_id}
    centre_of_package = dict(TrainingPackage.objects.filter(pk__in=packages).values_list("pk", "centre__short_name"))
    centres = {cf.centre_id: _forecast_view(cf, centre_of_package) for cf in found.centres
               if scope is None or cf.centre_id in scope}
    return {"total": _forecast_view(found.total, centre_of_package), "centres": centres, "as_of": found.as_of}


# The dashboard -----------------------------------------------------------------------------------------------------

def _monthly_reports(year: int) -> list[tuple[int, str]]:
    """(month, label) of the months whose monthly report can be asked for: those begun."""
    today = timezone.localdate()
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [(month, str(MONTHS_3[month]).title()) for month in range(1, last + 1)]


@require_GET
@operator_or_admin_required
def dashboard(request):
    scope = queries.centres_for(request.user)
    years = _years()
    year = _chosen_year(request.GET.get("year"), years)
    context = {"years": years, "year": year, "province": scope is None}
    if year is None:
        return render(request, "reporting/dashboard.html", context)
    context |= _refresh()
    by = request.GET.get("by") if request.GET.get("by") in Dimension.values else str(Dimension.SECTOR)
    if by == Dimension.TOTAL:
        by = str(Dimension.SECTOR)
    shown = request.GET.get("stage") if request.GET.get("stage") in Stage.values else str(Stage.CERTIFIED)
    shown = Stage(shown)

    figures = figures_for(year, scope, [by])
    base = reverse("reporting:persons")
    rows = target_rows(figures)
    found = forecasts(figures)

    cards, whole = [], headline(rows)
    for kind, figure in ((kind, whole[kind]) for kind in HEADLINE_KINDS):
        stage = queries.TARGET_STAGE[kind]
        cards.append({"kind": kind, "label": kind.label, "stage_label": stage.label, **figure,
                      "bar": min(figure["percent"] or 0, 100), "href": persons_url(base, year, stage=stage),
                      "forecast": found["total"] if kind == FORECAST_KIND else None})
    centre_rows = []
    for row in rows:
        centre = row["centre"]
        kinds = []
        for kind in HEADLINE_KINDS:
            figure = row["kinds"][kind]
            kinds.append({**figure, "bar": min(figure["percent"] or 0, 100), "href": persons_url(
                base, year, stage=queries.TARGET_STAGE[kind], centre=centre.pk if centre else None)})
        centre_forecast = found["centres"].get(centre.pk) if centre else found["total"]
        centre_rows.append({"centre": centre, "kinds": kinds, "forecast": centre_forecast})

    funnel = funnel_table(figures, rows).link(year, base)
    targets = stage_targets(rows)
    funnel_bars = [charts.Bar(str(stage.label), n, persons_url(base, year, stage=stage) if n else "",
                              target=targets.get(stage), note=_percent_note(n, targets.get(stage)))
                   for stage, n in figures.funnel() if stage in FUNNEL]
    breakdown = breakdown_table(by)(figures).link(year, base)
    column = STAGES.index(shown) + 1
    breakdown_bars = [charts.Bar(row[0].value, row[column].value, row[column].href) for row in breakdown.rows]
    months = months_table(figures, rows).link(year, base)
    certified_target = targets.get(Stage.CERTIFIED)
    cumulative = [row[-2].value for row in months.rows]
    today = timezone.localdate()
    if year == today.year:  # no line into the months to come
        cumulative = [value if index < today.month else None for index, value in enumerate(cumulative)]
    elif year > today.year:
        cumulative = [None] * 12
    series = [charts.Series(_("Certified, cumulative"), cumulative)]
    if certified_target is not None:
        series.append(charts.Series(_("Target path"), month_path(certified_target), charts.TARGET_COLOUR,
                                    dashed=True))
    month_labels = [str(MONTHS_3[m]).title() for m in queries.MONTHS]

    context |= {
        "cards": cards, "centre_rows": centre_rows, "forecast": found,
        "show_centre_rows": len(rows) > 1 or scope is not None,
        "funnel": funnel, "centres": centres_table(figures).link(year, base),
        "breakdown": breakdown, "months": months, "by": by, "shown": shown,
        "breakdowns": [(str(d), Dimension(d).label) for d in BREAKDOWNS],
        "stages": [(str(s), s.label) for s in STAGES],
        "funnel_chart": charts.bar_chart(
            funnel_bars, title=_("Funnel %(year)s") % {"year": year}, chart_id="chart-funnel",
            description=_("Persons at each stage of the %(year)s programme, with the target where one exists.")
            % {"year": year}),
        "breakdown_chart": charts.bar_chart(
            breakdown_bars, chart_id="chart-breakdown",
            title=_("%(stage)s per %(breakdown)s") % {"stage": shown.label,
                                                     "breakdown": str(Dimension(by).label).lower()}),
        "months_chart": charts.line_chart(
            month_labels, series, chart_id="chart-months",
            title=_("Certified in %(year)s, cumulative, against the target path") % {"year": year},
            description=_("Certificates issued by the end of each month; the dashed line goes straight from "
                          "nothing in January to the year's target in December.")),
        "monthly_reports": _monthly_reports(year),
    }
    return render(request, "reporting/dashboard.html", context)


def _percent_note(n: int, target: int | None) -> str:
    if not target:
        return ""
    return _("%(percent)s %% of target") % {"percent": _percent(n, target)}


# The persons behind a number ---------------------------------------------------------------------------------------

@dataclass
class Ask:
    year: int
    stage: Stage
    dimension: str = str(Dimension.TOTAL)
    key: str = ""
    centre: int | None = None
    month: int | None = None


def _ask(params, scope: set[int] | None) -> Ask:
    """The drill-down's parameters, checked; anything malformed or outside the user's scope is a 404."""
    year = int_param(params.get("year"), maximum=9999)
    if year is None or params.get("stage") not in Stage.values:
        raise Http404
    ask = Ask(year=year, stage=Stage(params["stage"]))
    dimension = params.get("dimension") or str(Dimension.TOTAL)
    if dimension not in Dimension.values:
        raise Http404
    key = params.get("key", "")
    if dimension != Dimension.TOTAL:
        if len(key) > 40:
            raise Http404
        if dimension == Dimension.VOCATION and key and int_param(key) is None:
            raise Http404
        if dimension in (Dimension.DISABILITY, Dimension.PRIOR) and key not in ("0", "1"):
            raise Http404
        ask.dimension, ask.key = dimension, key
    if params.get("centre", "") != "":
        ask.centre = int_param(params["centre"])
        if ask.centre is None or (scope is not None and ask.centre not in scope):
            raise Http404
    if params.get("month", "") != "":
        ask.month = int_param(params["month"], maximum=12)
        if not ask.month:
            raise Http404
    return ask


def _heading(ask: Ask) -> str:
    parts = [str(ask.stage.label)]
    if ask.dimension != Dimension.TOTAL:
        label = queries.key_labels(ask.dimension, [ask.key]).get(ask.key, (0, ask.key or _("unknown")))[1]
        parts.append(f"{Dimension(ask.dimension).label}: {label}")
    if ask.centre is not None:
        if ask.centre:
            name = TrainingCentre.objects.filter(pk=ask.centre).values_list("short_name", flat=True).first()
            if name is None:
                raise Http404
            parts.append(name)
        else:
            parts.append(_("no centre"))
    if ask.month:
        parts.append(str(MONTHS[ask.month]))
    parts.append(str(ask.year))
    return " · ".join(parts)


@require_GET
@operator_or_admin_required
def persons(request):
    from kompeten.reference.models import Region
    from kompeten.registry.models import Sex

    scope = queries.centres_for(request.user)
    ask = _ask(request.GET, scope)
    heading = _heading(ask)
    freshness = _refresh()
    date_field = DATE_FIELDS[ask.stage]
    facts = queries.persons_behind(ask.year, ask.stage, centres=scope, centre=ask.centre, dimension=ask.dimension,
                                   key=ask.key, month=ask.month).only(
        "id", "person_id", "year", "regency", "sex", "age_band", date_field, "centre_id", "vocation_id",
        "person__full_name", "centre__short_name", "vocation__name")
    page = Paginator(facts, PAGE_SIZE).get_page(request.GET.get("page"))
    facts = list(page)
    regencies = dict(Region.objects.filter(code__in={f.regency for f in facts if f.regency})
                     .values_list("code", "name")) if facts else {}
    sexes = dict(Sex.choices)
    rows = [{"person_id": f.person_id, "name": f.person.full_name, "sex": sexes.get(f.sex, f.sex),
             "age_band": f.age_band, "regency": regencies.get(f.regency, f.regency),
             "centre": f.centre.short_name if f.centre else "", "vocation": f.vocation.name if f.vocation else "",
             "on": getattr(f, date_field)} for f in facts]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reporting/persons.html", {
        "heading": heading, "ask": ask, "page": page, "rows": rows, "query": query.urlencode(),
        "back": f"{reverse('reporting:dashboard')}?{urlencode({'year': ask.year})}", **freshness,
    })


# Exports -----------------------------------------------------------------------------------------------------------

@require_GET
@operator_or_admin_required
def table_export(request, table, fmt):
    if table not in TABLES or fmt not in FORMATS:
        raise Http404
    year = _chosen_year(request.GET.get("year"), _years())
    if year is None:
        raise Http404
    scope = queries.centres_for(request.user)
    refresh.refresh_stale(limit=refresh.REQUEST_LIMIT)
    headers, rows = TABLES[table](figures_for(year, scope, [table] if table in Dimension.values else []))
    stamp = timezone.localdate().isoformat()
    filename = f"laporan-{table}-{year}-{stamp}.{fmt}"
    if fmt == "csv":
        body = write_csv(rows, headers, bom=True)
    else:
        body = write_xlsx(rows, headers, sheet_title=f"{table} {year}")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    record(AuditEntry.Action.EXPORT, by=request.user, object_type="reporting.cell", object_id="*",
           object_label=filename,
           note=f"year={year} centres={'all' if scope is None else ','.join(map(str, sorted(scope)))}",
           request=request)
    return response
