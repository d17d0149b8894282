"""API: reports (kompeten/api/base.py says what every router follows).

The same figures as the dashboard (kompeten/reporting/queries.py, read as kompeten/reporting/views/dashboard.py
reads them, after the same bounded refresh of what changed): a programme year's targets against their realisation
per training centre, and its funnel. The province admin sees every centre and the province; an operator their
centres only, never the province's total (``queries.centres_for``).
"""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kompeten.api.base import AUTH, MAX_ID, ErrorOut, not_found, require_role, user_of
from kompeten.programmes.models import ProgrammeYear, TrainingCentre
from kompeten.reporting import queries, refresh
from kompeten.reporting.views import dashboard

router = Router(auth=AUTH)

READERS = ("province_admin", "centre_operator")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
KINDS = Literal["trained", "certified", "apprentices_placed"]


class FigureOut(Schema):
    kind: KINDS
    target: int | None = Field(description="None when the year has no target of this kind for this scope.")
    done: int
    percent: int | None


class CentreRowOut(Schema):
    centre_id: int | None = Field(description="None: the whole province (the province admin only).")
    centre: str
    figures: list[FigureOut]


class TargetsOut(Schema):
    year: int
    province: bool = Field(description="Whether the rows include the province's total.")
    rows: list[CentreRowOut]
    stale: int = Field(description="Persons whose changes are not counted yet (they are, within minutes).")


class StageOut(Schema):
    stage: str
    label: str
    persons: int
    percent_of_previous: int | None
    target: int | None
    percent_of_target: int | None


class FunnelOut(Schema):
    year: int
    centre_id: int | None
    stages: list[StageOut]
    stale: int


class YearIn(Schema):
    year: int = Field(ge=2000, le=2999, description="The programme year.")


class FunnelIn(YearIn):
    centre: int | None = Field(None, ge=1, le=MAX_ID,
                               description="One training centre (within the caller's); default: all of them.")


def _figures(request, year: int, dimensions=()):
    """The year's figures within the caller's scope, after the dashboard's bounded refresh; 404 for a year that is
    not a programme year."""
    require_role(request, *READERS)
    if not ProgrammeYear.objects.filter(year=year).exists():
        raise not_found()
    refresh.refresh_stale(limit=refresh.REQUEST_LIMIT)
    scope = queries.centres_for(user_of(request))
    return dashboard.figures_for(year, scope, dimensions), scope


@router.get("/reports/targets", response={200: TargetsOut, **ERRORS}, url_name="reports_targets",
            summary="Targets against realisation per training centre for a programme year")
def targets(request, params: Query[YearIn]):
    """Each target kind (trained, certified, apprentices placed) per centre in scope and, for the province admin,
    the province; the same figures as the dashboard."""
    figures, scope = _figures(request, params.year)
    rows = []
    for row in dashboard.target_rows(figures):
        centre = row["centre"]
        rows.append({"centre_id": centre.pk if centre else None,
                     "centre": centre.name if centre else _("Whole province"),
                     "figures": [{"kind": kind, **figure} for kind, figure in row["kinds"].items()]})
    return {"year": params.year, "province": scope is None, "rows": rows, "stale": refresh.stale_count()}


@router.get("/reports/funnel", response={200: FunnelOut, **ERRORS}, url_name="reports_funnel",
            summary="A programme year's funnel, from registration to work")
def funnel(request, params: Query[FunnelIn]):
    """Persons at each stage, the step from the previous stage and the stage's target where there is one; for the
    caller's centres (or one of them: another centre is 404)."""
    figures, scope = _figures(request, params.year)
    if params.centre is not None:
        if scope is not None and params.centre not in scope:
            raise not_found()
        if not TrainingCentre.objects.filter(pk=params.centre).exists():
            raise not_found()
        figures = dashboard.figures_for(params.year, {params.centre})
    table = dashboard.funnel_table(figures)
    stages = []
    for cells in table.rows:
        label, persons, step, target, of_target = cells
        stages.append({"stage": str(persons.params["stage"]),
                       "label": str(label.value), "persons": persons.value, "percent_of_previous": step.value,
                       "target": target.value, "percent_of_target": of_target.value})
    return {"year": params.year, "centre_id": params.centre, "stages": stages, "stale": refresh.stale_count()}
