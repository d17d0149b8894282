"""Facts: where each person stands in each programme year's funnel — pure functions over plain rows.

``facts_for(rows)`` turns one person's rows (as loaded by kompeten/reporting/refresh.py) into one fact per programme
year the person took part in; ``contributions(fact)`` lists the cells the fact counts in. No database here, so the
rules are tested directly and the incremental refresh and the full rebuild share them. docs/algorithms/reporting.md
states each rule for the reader of a report.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from kompeten.reporting.models import AGE_BANDS, Dimension, Stage

# Stage -> Fact field holding the day it was reached.
DATE_FIELDS = {stage: f"{stage.value}_on" for stage in Stage}


@dataclass
class Where:
    """The centre, vocation and sector a stage happened in (any may be None)."""

    centre: int | None = None
    vocation: int | None = None
    sector: str | None = None


@dataclass
class PersonRows:
    """Everything about one person that the funnel counts. Each list holds plain dicts (see refresh.py)."""

    id: int
    sex: str
    birth_date: datetime.date
    registered_on: datetime.date
    village: str | None = None
    education: str | None = None
    disability: bool = False
    declared_prior_training: bool = False
    prior_record: bool = False  # a PriorTraining row exists
    registered_centre: int | None = None
    # {"year", "on", "eligible" (bool), "decided_on", "where": Where of the first choice, or None}
    applications: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)  # {"year", "on", "where"}
    # {"year", "status", "start", "end", "where"}
    enrolments: list[dict] = field(default_factory=list)
    # {"year", "on", "decided" (assessor or LSP result), "competent", "where"}
    assessments: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)  # {"year", "on"}: competency, not revoked
    placements: list[dict] = field(default_factory=list)  # {"year", "on"}: apprenticeships that started
    employment: list[datetime.date] = field(default_factory=list)  # working (outcome) or hired, by day


def age_band(birth_date: datetime.date, year: int) -> str:
    """The age band of the person's age on 1 January of ``year``."""
    age = year - birth_date.year - 1  # on 1 January the birthday of that year is still to come ...
    if (birth_date.month, birth_date.day) == (1, 1):
        age += 1  # ... unless it is that day
    for limit, band in ((20, "<20"), (25, "20-24"), (30, "25-29"), (35, "30-34"), (40, "35-39")):
        if age < limit:
            return band
    return AGE_BANDS[-1]


def _first(days) -> datetime.date | None:
    days = [day for day in days if day is not None]
    return min(days) if days else None


def _where(rows: PersonRows, year: int) -> Where:
    """The centre / vocation / sector a person's year is counted under: the latest enrolment of the year, else the
    latest seat offered, else the first choice of the latest application, else an assessment, else the centre
    where the person registered."""
    enrolments = sorted((e for e in rows.enrolments if e["year"] == year and e["status"] != "withdrawn"),
                        key=lambda e: e["start"])
    if enrolments:
        return enrolments[-1]["where"]
    for kind in (rows.offers, rows.applications, rows.assessments):
        mine = sorted((r for r in kind if r["year"] == year and r["where"] is not None), key=lambda r: r["on"])
        if mine:
            return mine[-1]["where"]
    return Where(centre=rows.registered_centre)


def years_of(rows: PersonRows) -> set[int]:
    years = {rows.registered_on.year}
    for kind in (rows.applications, rows.offers, rows.enrolments, rows.assessments, rows.certificates,
                 rows.placements):
        years.update(r["year"] for r in kind)
    years.update(day.year for day in rows.employment)
    return years


def facts_for(rows: PersonRows) -> list[dict]:
    """One fact (a dict of Fact fields, without ``id``) per programme year with at least one stage reached."""
    facts = []
    for year in sorted(years_of(rows)):
        days = stage_days(rows, year)
        if not any(days.values()):
            continue
        where = _where(rows, year)
        fact = {
            "person_id": rows.id, "year": year, "centre_id": where.centre, "vocation_id": where.vocation,
            "sector_id": where.sector, "regency": (rows.village or "")[:5], "sex": rows.sex,
            "age_band": age_band(rows.birth_date, year), "education": rows.education or "",
            "disability": rows.disability, "trained_before": trained_before(rows, year),
        }
        fact.update({DATE_FIELDS[stage]: day for stage, day in days.items()})
        facts.append(fact)
    return facts


def trained_before(rows: PersonRows, year: int) -> bool:
    """Training declared at registration, recorded from an earlier source, or completed in an earlier year."""
    return (rows.declared_prior_training or rows.prior_record
            or any(e["status"] == "completed" and e["year"] < year for e in rows.enrolments))


def stage_days(rows: PersonRows, year: int) -> dict[Stage, datetime.date | None]:
    """The first day of ``year``'s programme on which the person reached each stage (None: not reached)."""
    of_year = lambda items: [r for r in items if r["year"] == year]  # noqa: E731
    applications = of_year(rows.applications)
    enrolments = [e for e in of_year(rows.enrolments) if e["status"] != "withdrawn"]
    completed = [e for e in enrolments if e["status"] == "completed"]
    assessments = of_year(rows.assessments)
    apprenticed = _first(r["on"] for r in of_year(rows.placements))
    employed = _first(day for day in rows.employment if day.year == year)
    return {
        Stage.REGISTERED: rows.registered_on if rows.registered_on.year == year else None,
        Stage.APPLIED: _first(a["on"] for a in applications),
        Stage.ELIGIBLE: _first(a["decided_on"] for a in applications if a["eligible"]),
        Stage.ADMITTED: _first(o["on"] for o in of_year(rows.offers)),
        Stage.ENROLLED: _first(e["start"] for e in enrolments),
        # Dropped out: did not complete a training of the year and completed none.
        Stage.DROPPED: None if completed else _first(e["end"] for e in enrolments if e["status"] == "not_completed"),
        Stage.COMPLETED: _first(e["end"] for e in completed),
        Stage.ASSESSED: _first(a["on"] for a in assessments if a["decided"]),
        Stage.COMPETENT: _first(a["on"] for a in assessments if a["competent"]),
        Stage.CERTIFIED: _first(c["on"] for c in of_year(rows.certificates)),
        Stage.APPRENTICED: apprenticed,
        Stage.EMPLOYED: employed,
        Stage.PLACED: _first([apprenticed, employed]),
    }


def month_in(day: datetime.date, year: int) -> int:
    """The month of ``year`` a day counts in: a stage reached after the year's end (a certificate of a December
    batch issued in January) counts in December, one before its start in January."""
    if day.year > year:
        return 12
    if day.year < year:
        return 1
    return day.month


def dimension_keys(fact: dict) -> list[tuple[str, str]]:
    """(dimension, key) of every breakdown a fact counts in; "" is "unknown"."""
    return [
        (Dimension.TOTAL, ""),
        (Dimension.SECTOR, fact["sector_id"] or ""),
        (Dimension.VOCATION, str(fact["vocation_id"] or "")),
        (Dimension.REGENCY, fact["regency"]),
        (Dimension.SEX, fact["sex"]),
        (Dimension.AGE, fact["age_band"]),
        (Dimension.EDUCATION, fact["education"]),
        (Dimension.DISABILITY, "1" if fact["disability"] else "0"),
        (Dimension.PRIOR, "1" if fact["trained_before"] else "0"),
    ]


CellKey = tuple[int, int, str, str, int, str]  # year, centre key, dimension, key, month, stage


def contributions(fact: dict) -> Iterator[CellKey]:
    """The cells a fact adds one to: each stage reached, in its month, under each breakdown."""
    year, centre = fact["year"], fact["centre_id"] or 0
    keys = dimension_keys(fact)
    for stage in Stage:
        day = fact[DATE_FIELDS[stage]]
        if day is None:
            continue
        month = month_in(day, year)
        for dimension, key in keys:
            yield (year, centre, str(dimension), key, month, str(stage))
