"""Keeping the summary tables current: mark persons stale, recompute their facts, adjust the cells by the difference.

- ``mark_stale(person_ids)``: called by the signals (kompeten/reporting/signals.py) and by the bulk paths that write
  without signals; cheap (one INSERT … ON CONFLICT DO NOTHING).
- ``refresh_stale()``: recomputes the facts of the stale persons and adds the difference between their old and new
  contributions to the cells — exact, whatever changed. The dashboard calls it before reading (a few thousand
  persons at most in the request; more go to the background task), and so does ``kompeten report refresh``.
- ``rebuild()``: every fact and cell again from the source tables, in chunks of persons (``kompeten report rebuild``;
  the demo after its bulk load).

Refreshes take the ``ReportState`` row lock, so two never interleave their read-modify-write of the cells.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kompeten.reporting.facts import PersonRows, Where, contributions, facts_for
from kompeten.reporting.models import Cell, Fact, ReportState, StalePerson

CHUNK = 5000
REQUEST_LIMIT = 200  # stale persons a page refreshes itself before reading (~3 ms each); more: the task / cron


def mark_stale(person_ids: Iterable[int]) -> None:
    """Mark persons stale (idempotent). One executemany of plain INSERT … ON CONFLICT DO NOTHING (SQLite and
    PostgreSQL): the bulk paths mark 100,000 persons in a fraction of what model instances would cost."""
    from django.db import connection

    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    if not ids:
        return
    table = connection.ops.quote_name(StalePerson._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            cursor.executemany(f"INSERT INTO {table} (person_id, since) VALUES (%s, %s) "  # noqa: S608 - our table
                               "ON CONFLICT (person_id) DO NOTHING", [(pk, now) for pk in ids[start:start + 5000]])


def stale_count() -> int:
    return StalePerson.objects.count()


def state() -> ReportState:
    found = ReportState.objects.order_by("pk").first()
    return found or ReportState.objects.create()


def _lock_state() -> ReportState:
    state()
    return ReportState.objects.select_for_update().order_by("pk").first()


# Loading -----------------------------------------------------------------------------------------------------------

def _day(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _batch_where(row: dict, prefix: str) -> Where:
    return Where(centre=row[f"{prefix}centre_id"], vocation=row[f"{prefix}package__vocation_id"],
                 sector=row[f"{prefix}package__vocation__sector_id"])


def _batch_fields(prefix: str) -> list[str]:
    return [f"{prefix}centre_id", f"{prefix}package__vocation_id", f"{prefix}package__vocation__sector_id"]


def load_rows(persons: Q) -> dict[int, PersonRows]:
    """The rows of the persons matching ``persons`` (a Q on the person's ``pk``), in 10 queries."""
    from kompeten.apprenticeships.models import STARTED_STATUSES, Placement, PlacementStatus
    from kompeten.assessment.models import Assessment, CandidateStatus, Decision
    from kompeten.certificates.models import Certificate, CertificateKind, CertificateStatus
    from kompeten.jobs.models import WORKING, Hire, Outcome
    from kompeten.registry.models import Person, PriorTraining
    from kompeten.selection.models import Application, ApplicationStatus, Choice, Offer

    def on(prefix: str) -> Q:  # the person filter, seen from a related model
        return Q(**{f"{prefix}{lookup}": value for lookup, value in persons.children})

    found: dict[int, PersonRows] = {}
    for p in Person.objects.filter(persons).order_by().values(
            "pk", "sex", "birth_date", "created_at", "village_id", "education_id", "disability",
            "declared_prior_training", "registered_centre_id"):
        found[p["pk"]] = PersonRows(
            id=p["pk"], sex=p["sex"], birth_date=p["birth_date"], registered_on=_day(p["created_at"]),
            village=p["village_id"], education=p["education_id"], disability=p["disability"],
            declared_prior_training=p["declared_prior_training"], registered_centre=p["registered_centre_id"])
    if not found:
        return found
    for pk in PriorTraining.objects.filter(on("person__")).order_by().values_list("person_id", flat=True).distinct():
        found[pk].prior_record = True

    first_choice = {c["application_id"]: _batch_where(c, "batch__") for c in Choice.objects.filter(
        on("application__person__"), rank=1).order_by().values("application_id", *_batch_fields("batch__"))}
    decided = [ApplicationStatus.ADMITTED, ApplicationStatus.NOT_ADMITTED]
    for a in Application.objects.filter(on("person__")).order_by().values(
            "pk", "person_id", "status", "submitted_at", "round__programme_year__year", "round__closes_at"):
        found[a["person_id"]].applications.append({
            "year": a["round__programme_year__year"], "on": _day(a["submitted_at"]),
            "eligible": a["status"] in decided, "decided_on": _day(a["round__closes_at"]),
            "where": first_choice.get(a["pk"])})
    for o in Offer.objects.filter(on("application__person__")).order_by().values(
            "application__person_id", "created_at", "batch__programme_year__year", *_batch_fields("batch__")):
        found[o["application__person_id"]].offers.append({
            "year": o["batch__programme_year__year"], "on": _day(o["created_at"]), "where": _batch_where(o, "batch__")})
    from kompeten.training.models import Enrolment

    for e in Enrolment.objects.filter(on("person__")).order_by().values(
            "person_id", "status", "batch__programme_year__year", "batch__start_date", "batch__end_date",
            *_batch_fields("batch__")):
        found[e["person_id"]].enrolments.append({
            "year": e["batch__programme_year__year"], "status": e["status"], "start": e["batch__start_date"],
            "end": e["batch__end_date"], "where": _batch_where(e, "batch__")})
    for a in Assessment.objects.filter(on("person__")).order_by().values(
            "person_id", "status", "decision", "event__date", "event__centre_id", "event__scheme__sector_id",
            "enrolment__batch__programme_year__year", *_batch_fields("enrolment__batch__")):
        enrolled = a["enrolment__batch__programme_year__year"]
        where = (_batch_where(a, "enrolment__batch__") if enrolled is not None
                 else Where(centre=a["event__centre_id"], sector=a["event__scheme__sector_id"]))
        found[a["person_id"]].assessments.append({
            "year": enrolled or a["event__date"].year, "on": a["event__date"], "where": where,
            "decided": a["status"] in (CandidateStatus.ASSESSED, CandidateStatus.APPROVED) and bool(a["decision"]),
            "competent": a["status"] == CandidateStatus.APPROVED and a["decision"] == Decision.K})
    for c in (Certificate.objects.filter(on("person__"), kind=CertificateKind.COMPETENCY)
              .exclude(status=CertificateStatus.REVOKED).order_by()
              .values("person_id", "issued_on", "assessment__enrolment__batch__programme_year__year",
                      "enrolment__batch__programme_year__year", "assessment__event__date")):
        # As its assessment's year (an RPL result of December certified in January stays in its year).
        year = (c["assessment__enrolment__batch__programme_year__year"] or c["enrolment__batch__programme_year__year"]
                or (c["assessment__event__date"] or c["issued_on"]).year)
        found[c["person_id"]].certificates.append({"year": year, "on": c["issued_on"]})
    for p in (Placement.objects.filter(on("person__"), status__in=STARTED_STATUSES)
              .exclude(status=PlacementStatus.STOPPED, started_on__isnull=True).order_by()
              .values("person_id", "started_on", "start_date", "offer__programme_year__year")):
        found[p["person_id"]].placements.append({"year": p["offer__programme_year__year"],
                                                 "on": p["started_on"] or p["start_date"]})
    for pk, day in Outcome.objects.filter(on("person__"), status__in=WORKING).order_by().values_list("person_id", "on"):
        found[pk].employment.append(day)
    for pk, day in Hire.objects.filter(on("person__"), person__isnull=False).order_by().values_list("person_id", "on"):
        found[pk].employment.append(day)
    return found


# Applying ----------------------------------------------------------------------------------------------------------

def _fact_values(fact: Fact) -> dict:
    return {f.attname: getattr(fact, f.attname) for f in Fact._meta.concrete_fields if f.attname != "id"}


def _apply(delta: Counter) -> None:
    """Add ``delta`` ({cell key: change}) to the cells (the caller holds the state lock)."""
    delta = Counter({k: v for k, v in delta.items() if v})
    if not delta:
        return
    years = {k[0] for k in delta}
    existing = {(c.year, c.centre_key, c.dimension, c.key, c.month, c.stage): c
                for c in Cell.objects.filter(year__in=years)}
    changed, created = [], []
    for key, change in delta.items():
        cell = existing.get(key)
        if cell is None:
            year, centre, dimension, k, month, stage = key
            created.append(Cell(year=year, centre_key=centre, dimension=dimension, key=k, month=month, stage=stage,
                                n=change))
        else:
            cell.n += change
            changed.append(cell)
    Cell.objects.bulk_update(changed, ["n"], batch_size=500)
    Cell.objects.bulk_create(created, batch_size=1000)
    Cell.objects.filter(year__in=years, n=0).delete()


def _recompute(persons: Q, person_filter_on_fact: Q) -> Counter:
    """Replace the facts of the persons matching; returns the change to the cells."""
    delta: Counter = Counter()
    old = Fact.objects.filter(person_filter_on_fact)
    for fact in old:
        delta.subtract(contributions(_fact_values(fact)))
    old.delete()
    new = [fact for rows in load_rows(persons).values() for fact in facts_for(rows)]
    for fact in new:
        delta.update(contributions(fact))
    Fact.objects.bulk_create([Fact(**fact) for fact in new], batch_size=2000)
    return delta


@transaction.atomic
def refresh_persons(person_ids: Iterable[int]) -> int:
    """Recompute the facts of these persons now and adjust the cells. Returns how many persons."""
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return 0
    locked = _lock_state()
    delta: Counter = Counter()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        delta.update(_recompute(Q(pk__in=chunk), Q(person_id__in=chunk)))
    StalePerson.objects.filter(person_id__in=ids).delete()
    _apply(delta)
    locked.refreshed_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["refreshed_at", "version"])
    return len(ids)


def refresh_stale(limit: int | None = None) -> int:
    """Refresh the stale persons (the oldest ``limit`` of them when given). Returns how many were refreshed."""
    stale = StalePerson.objects.order_by("since").values_list("person_id", flat=True)
    ids = list(stale[:limit] if limit else stale)
    return refresh_persons(ids)


def forget_person(person_id: int) -> None:
    """Take a person out of the figures before the person row is deleted (the facts go with it)."""
    with transaction.atomic():
        _lock_state()
        delta: Counter = Counter()
        facts = Fact.objects.filter(person_id=person_id)
        for fact in facts:
            delta.subtract(contributions(_fact_values(fact)))
        facts.delete()
        _apply(delta)


@transaction.atomic
def rebuild(*, chunk: int = CHUNK, progress=None) -> dict[str, int]:
    """Every fact and cell again from the source tables. Returns the counts made."""
    from kompeten.registry.models import Person

    locked = _lock_state()
    Fact.objects.all().delete()
    Cell.objects.all().delete()
    StalePerson.objects.all().delete()
    totals: Counter = Counter()
    facts = 0
    bounds = Person.objects.order_by("pk").values_list("pk", flat=True)
    last = bounds.last()
    low = bounds.first()
    while low is not None and low <= last:
        high = low + chunk
        new = [fact for rows in load_rows(Q(pk__gte=low, pk__lt=high)).values() for fact in facts_for(rows)]
        for fact in new:
            totals.update(contributions(fact))
        Fact.objects.bulk_create([Fact(**fact) for fact in new], batch_size=2000)
        facts += len(new)
        if progress:
            progress(min(high, last + 1) - bounds.first(), last + 1 - bounds.first())
        low = high
    cells = defaultdict(int, {k: v for k, v in totals.items() if v})
    Cell.objects.bulk_create([Cell(year=y, centre_key=c, dimension=d, key=k, month=m, stage=s, n=n)
                              for (y, c, d, k, m, s), n in cells.items()], batch_size=2000)
    now = timezone.now()
    locked.rebuilt_at = locked.refreshed_at = now
    locked.version += 1
    locked.save(update_fields=["rebuilt_at", "refreshed_at", "version"])
    return {"facts": facts, "cells": len(cells)}
