"""Linking records to persons in the database: registration, imported lists, the review queue, merges and undo.

The rules of the decision (the engine's thresholds and hard conflicts) live in kompeten/linkage/engine.py; here the
decisions are applied, audited and made reversible:

- ``record_registrations(persons)`` (one: ``record_registration(person)``): each person's registration as a source
  record with its blocking keys, linked to them; then ``link_records`` looks for their other records. Registering
  or changing a person (registry services) calls it in the same transaction; the registry import enqueues it per
  chunk (kompeten/linkage/tasks.py).
- ``link_records(records)``: the candidates of each record are the stored records sharing one of its indexed
  blocking keys (a key shared by more than KEY_CAP records is skipped, at most MAX_CANDIDATES are scored: the work
  does not grow with the number of stored records); the engine scores them in memory. Then the three-way decision,
  best candidate first:

  * **link** (score at or above the upper threshold, no hard conflict): a record without a person joins the
    candidate's person — a training-list record becomes the person's prior training — if it passes the
    cluster-level check (``_can_join``: no strong non-match or hard conflict with any record the person already
    has, at most MAX_CLUSTER records); two registrations that are one person are merged (the younger into the
    older, ``_can_merge``: the same check across both persons' records, and at least half of the pairs across not
    non-links; and their NIKs must differ like a typo, MERGE_NIK_LEVELS). Anything else the model would link (a
    list record already linked elsewhere, twins' registrations, a failed check) goes to review;
  * **review** (between the thresholds): a review item, at most MAX_REVIEWS per record, never twice for one pair;
  * **non-link**: nothing.

  Two records that a reviewer called different persons (or whose merge was undone) are never linked again
  automatically, nor queued again.
- ``decide(review, status)``: a reviewer's answer; ``contest(link)``: the person says a linked training is not
  theirs (a review item at the head of the queue); ``end_link`` and ``undo_merge`` reverse decisions. Nothing is
  deleted: links end, events are appended (a prior training made by a link goes when the link ends).

Merging moves every active link of the younger person (their registration included) to the older one, marked with
the merge event; undoing it moves those links back. A merged person keeps their own rows (applications,
enrolments); they are hidden from the person lists and their page points at the survivor.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import build
from kompeten.audit.services import record as audit
from kompeten.core.errors import DomainError
from kompeten.linkage.models import (
    TRAINING_SOURCES,
    BlockingKey,
    Link,
    LinkMethod,
    MergeEvent,
    ReviewItem,
    ReviewStatus,
    SourceKind,
    SourceList,
    SourceRecord,
)
from kompeten.linkage.records import Record

MAX_CANDIDATES = 100  # records scored per record (those sharing the most keys first)
KEY_CAP = 100  # a key shared by more stored records than this finds nothing (a filler phone, a common name + date)
MAX_REVIEWS = 3  # review items made for one record
MAX_CLUSTER = 25  # records of one person (engine.MAX_CLUSTER)
# Two registrations are merged automatically only when one NIK can be the other mistyped: both were checked at
# registration, so two valid NIKs of a sibling pattern (twins, same-day neighbours) or wholly different ones are two
# people for the population register — a reviewer decides.
MERGE_NIK_LEVELS = ("exact", "excel15", "typo", "serial")
CHUNK = 500  # keys or ids per query

OPEN_STATUSES = (ReviewStatus.OPEN, ReviewStatus.UNSURE)
DECIDED_STATUSES = (ReviewStatus.LINKED, ReviewStatus.NOT_LINKED)

MESSAGES = {
    "already_decided": _("This pair was already decided."),
    "bad_status": _("Answer Same person, Different persons or Unsure."),
    "not_merged": _("This merge was already undone."),
    "survivor_merged": _("The person this registration was merged into has since been merged into another person: "
                         "undo that merge first."),
    "link_ended": _("This link has already ended."),
    "not_contestable": _("Only a training found in a participant list can be contested."),
    "reason_required": _("Give a reason."),
    "note_required": _("Say in a few words why this training is not yours."),
}


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


# The engine ------------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _linker():
    """The engine with the current model (one per process): the model file ``settings.LINKAGE_MODEL`` when set
    (written by ``kompeten linkage calibrate --out``), else the built-in model."""
    from pathlib import Path

    from kompeten.linkage.engine import Linker
    from kompeten.linkage.model import Model

    path = getattr(settings, "LINKAGE_MODEL", "")
    return Linker(Model.from_json(Path(path).read_text(encoding="utf-8")) if path else None)


def model_version() -> str:
    return _linker().model.version


def to_record(source: SourceRecord) -> Record:
    """The engine's view of a stored record (its standardised fields)."""
    tokens = tuple(source.name.split())
    return Record(id=str(source.pk), nik=source.nik, nik_problems=tuple(source.nik_problems), nik15=source.nik15,
                  name=source.name, name_tokens=tokens, name_key="".join(tokens), sex=source.sex,
                  birth_date=source.birth_date, birth_place=source.birth_place, phone=source.phone,
                  email=source.email, address=source.address, region=source.region, kk=source.kk,
                  education=source.education, source=source.kind)


STANDARD_FIELDS = ("nik", "nik15", "name", "sex", "birth_date", "birth_place", "phone", "email", "address", "region",
                   "kk", "education")


def store(source: SourceRecord, record: Record) -> None:
    """Copy the standardised fields of ``record`` onto ``source`` (not saved)."""
    for name in STANDARD_FIELDS:
        value = getattr(record, name)
        field = SourceRecord._meta.get_field(name)
        if isinstance(value, str) and field.max_length:
            value = value[:field.max_length]
        setattr(source, name, value)
    source.nik_problems = list(record.nik_problems)


def keys_of(source: SourceRecord) -> list[str]:
    from kompeten.linkage.engine import blocking_keys

    return sorted({key[:80] for key in blocking_keys(to_record(source))})


def write_keys(sources: Sequence[SourceRecord], *, replace: bool = False) -> None:
    """Store the blocking keys of saved records (``replace``: their old keys first removed)."""
    if replace:
        for chunk in _chunks([s.pk for s in sources]):
            BlockingKey.objects.filter(record_id__in=chunk).delete()
    BlockingKey.objects.bulk_create([BlockingKey(key=key, record=s) for s in sources for key in keys_of(s)],
                                    batch_size=2000)


# Registration records --------------------------------------------------------------------------------------------

def registration_raw(person) -> dict:
    """The person's registration as the linkage reads it (the import template's columns)."""
    street = " ".join(part for part in (person.street, f"RT {person.rt}" if person.rt else "",
                                        f"RW {person.rw}" if person.rw else "") if part)
    return {"nik": person.nik, "nama": person.full_name, "jenis_kelamin": person.sex,
            "tempat_lahir": person.birth_place, "tanggal_lahir": person.birth_date.isoformat(),
            "no_hp": person.phone, "email": person.email, "alamat": street, "kode_wilayah": person.village_id or "",
            "pendidikan": person.education_id or ""}


def record_registration(person, *, by=None, link: bool = True) -> SourceRecord:
    """Keep the person's registration as a source record (updated when the person's data change), linked to the
    person; then look for the person's other records (``link``)."""
    record_registrations([person], by=by, link=link)
    return SourceRecord.objects.get(registration=person)


@transaction.atomic
def record_registrations(persons: Iterable, *, by=None, link: bool = True) -> dict:
    """``record_registration`` for many persons at once (the registry import, the backfill, the demo): the records
    and keys written in bulk, then linked in one batch. Returns the counts {"created", "updated", "unchanged",
    "linked", "merged", "review"}."""
    from kompeten.linkage.standardise import standardise

    persons = list(persons)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "linked": 0, "merged": 0, "review": 0}
    if not persons:
        return counts
    existing: dict[int, SourceRecord] = {}
    for chunk in _chunks([p.pk for p in persons]):
        existing.update((r.registration_id, r) for r in SourceRecord.objects.filter(registration_id__in=chunk))
    created, updated = [], []
    for person in persons:
        raw = registration_raw(person)
        source = existing.get(person.pk)
        if source is not None and source.raw == raw:
            counts["unchanged"] += 1
            continue
        if source is None:
            source = SourceRecord(kind=SourceKind.REGISTRATION, registration=person,
                                  person_id=person.merged_into_id or person.pk)
            created.append(source)
        else:
            updated.append(source)
        source.raw = raw
        store(source, standardise(raw, id=str(person.pk)))
    SourceRecord.objects.bulk_create(created, batch_size=1000)
    if updated:
        SourceRecord.objects.bulk_update(updated, ["raw", "nik_problems", *STANDARD_FIELDS], batch_size=1000)
    user = _user(by)
    Link.objects.bulk_create([Link(record=s, person_id=s.person_id, method=LinkMethod.REGISTRATION, by=user)
                              for s in created], batch_size=1000)
    write_keys(created)
    write_keys(updated, replace=True)
    counts["created"], counts["updated"] = len(created), len(updated)
    if link and (created or updated):
        outcome = link_records([*created, *updated], by=by)
        for key in ("linked", "merged", "review"):
            counts[key] = outcome[key]
    return counts


# Candidates (the database's blocking index) ----------------------------------------------------------------------

def candidate_ids(keys: dict[int, list[str]]) -> dict[int, list[int]]:
    """For each record (id -> its keys): the ids of the stored records that share a key with it, those sharing
    the most keys first, at most MAX_CANDIDATES. Keys shared by more than KEY_CAP records are skipped. Two
    queries per CHUNK distinct keys, whatever the number of stored records."""
    distinct = sorted({key for values in keys.values() for key in values})
    members: dict[str, list[int]] = {}
    for chunk in _chunks(distinct):
        sizes = (BlockingKey.objects.filter(key__in=chunk).values("key").annotate(n=Count("id"))
                 .filter(n__gte=2, n__lte=KEY_CAP + 1).values_list("key", flat=True))
        usable = list(sizes)
        if usable:
            for key, record_id in BlockingKey.objects.filter(key__in=usable).values_list("key", "record_id"):
                members.setdefault(key, []).append(record_id)
    out = {}
    for record_id, values in keys.items():
        shared: dict[int, int] = defaultdict(int)
        for key in values:
            for other in members.get(key, ()):
                if other != record_id:
                    shared[other] += 1
        out[record_id] = sorted(shared, key=lambda other: (-shared[other], other))[:MAX_CANDIDATES]
    return out


def _scored(source: SourceRecord, others: Sequence[SourceRecord]) -> list[tuple[SourceRecord, object]]:
    """(other, Pair) for each candidate, best first, scored by the engine in one go."""
    if not others:
        return []
    by_id = {str(o.pk): o for o in others}
    index = _linker().index([to_record(o) for o in others])
    return [(by_id[pair.right], pair) for pair in index.match(to_record(source)) if pair.right in by_id]


def candidates(source: SourceRecord) -> list[tuple[SourceRecord, object]]:
    """The stored records sharing a usable blocking key with ``source``, each with its scored pair (best first)."""
    ids = candidate_ids({source.pk: list(BlockingKey.objects.filter(record=source).values_list("key", flat=True))})
    others = list(SourceRecord.objects.filter(pk__in=ids[source.pk]))
    return _scored(source, others)


# The decision ----------------------------------------------------------------------------------------------------

def _contradicts(pair) -> bool:
    """A strong non-match (weight at or below the model's veto) or a hard conflict (engine.conflicts)."""
    import numpy as np

    from kompeten.linkage.compare import FIELDS, level
    from kompeten.linkage.engine import conflicts

    if pair.weight <= _linker().model.veto:
        return True
    codes = np.array([[level(name, pair.levels.get(name, "missing")) for name in FIELDS]], dtype=np.int64)
    return bool(conflicts(codes)[0])


def _refused(records: Iterable[int], others: Iterable[int]) -> bool:
    """Whether a reviewer called a record of ``records`` and one of ``others`` different persons (ids)."""
    records, others = list(records), list(others)
    if not records or not others:
        return False
    return ReviewItem.objects.filter(status=ReviewStatus.NOT_LINKED).filter(
        Q(record_id__in=records, other_id__in=others) | Q(record_id__in=others, other_id__in=records)).exists()


def _person_records(person_id: int) -> list[SourceRecord]:
    return list(SourceRecord.objects.filter(person_id=person_id).order_by("pk")[:MAX_CLUSTER + 1])


def _can_join(source: SourceRecord, person_id: int) -> bool:
    """The cluster-level check before a record joins a person automatically."""
    members = [r for r in _person_records(person_id) if r.pk != source.pk]
    if len(members) + 1 > MAX_CLUSTER or _refused([source.pk], [r.pk for r in members]):
        return False
    linker, mine = _linker(), to_record(source)
    return not any(_contradicts(linker.score_pair(mine, to_record(r))) for r in members)


def _can_merge(person_a: int, person_b: int) -> bool:
    """The cluster-level check before two persons are merged automatically."""
    a, b = _person_records(person_a), _person_records(person_b)
    if len(a) + len(b) > MAX_CLUSTER or _refused([r.pk for r in a], [r.pk for r in b]):
        return False
    linker = _linker()
    pairs = [linker.score_pair(to_record(x), to_record(y)) for x in a for y in b]
    if any(_contradicts(pair) for pair in pairs):
        return False
    if len(a) >= 2 and len(b) >= 2:
        return sum(pair.decision != "non_link" for pair in pairs) * 2 >= len(pairs)
    return True


def _persons(ids) -> dict:
    from kompeten.registry.models import Person

    return Person.objects.in_bulk([i for i in ids if i])


@transaction.atomic
def link_records(sources: Sequence[SourceRecord], *, by=None) -> dict:
    """The three-way decision for each record against its candidates (module docstring), records in the order
    given. Returns {"linked": records linked, "merged": merges, "review": review items made, "outcome": {record id:
    "linked" (it ends with a person) | "review" (no person, a review item) | "unmatched"}}."""
    sources = list(sources)
    result = {"linked": 0, "merged": 0, "review": 0, "outcome": {}}
    if not sources:
        return result
    pool: dict[int, SourceRecord] = {s.pk: s for s in sources}
    found = candidate_ids({s.pk: keys_of(s) for s in sources})
    missing = sorted({i for ids in found.values() for i in ids} - pool.keys())
    for chunk in _chunks(missing):
        pool.update((r.pk, r) for r in SourceRecord.objects.filter(pk__in=chunk))
    for source in sources:
        done = _decide_record(source, [pool[i] for i in found[source.pk]], by=by, pool=pool)
        result["linked"] += len(done["linked"])
        result["merged"] += len(done["merged"])
        result["review"] += len(done["review"])
        result["outcome"][source.pk] = ("linked" if source.person_id else "review" if done["review"]
                                        else "unmatched")
    return result


def link_record(source: SourceRecord, *, by=None) -> dict:
    """``link_records`` for one record."""
    return link_records([source], by=by)


def _decide_record(source: SourceRecord, others: list[SourceRecord], *, by, pool: dict) -> dict:
    done = {"linked": [], "merged": [], "review": []}
    queued: set = set()  # one review item per record and person: the best pair stands for the person's records
    for other, pair in _scored(source, others):
        if pair.decision == "non_link":
            break  # best first: the rest weigh less
        mine, theirs = source.person_id, other.person_id
        if mine is None and theirs is None:
            continue  # two list records: no person to link them to (yet)
        if mine == theirs:
            continue  # already one person
        if pair.decision == "link":
            if mine is None and _can_join(source, theirs):
                confirm_link(source, _persons([theirs])[theirs], method=LinkMethod.AUTOMATIC, score=pair.score,
                             by=by)
                done["linked"].append(source.pk)
                continue
            if theirs is None and _can_join(other, mine):
                confirm_link(other, _persons([mine])[mine], method=LinkMethod.AUTOMATIC, score=pair.score, by=by)
                done["linked"].append(other.pk)
                continue
            if (mine and theirs and source.kind == SourceKind.REGISTRATION and other.kind == SourceKind.REGISTRATION
                    and pair.levels.get("nik") in MERGE_NIK_LEVELS and _can_merge(mine, theirs)):
                people = _persons([mine, theirs])
                older, younger = _by_age(people[mine], people[theirs])
                event = merge(older, younger, by=by, score=pair.score, reason="automatic")
                for record in pool.values():  # the records held here follow the merge
                    if record.person_id == younger.pk:
                        record.person_id = older.pk
                done["merged"].append(event.pk)
                continue
        key = theirs if theirs else ("record", other.pk)
        if len(done["review"]) < MAX_REVIEWS and key not in queued:
            queued.add(key)
            item = _review(source, other, pair)
            if item is not None:
                done["review"].append(item.pk)
    return done


def _side(prefix: str, record: SourceRecord) -> Q:
    """The records standing for ``record`` in a question: its person's records, or the record alone."""
    if record.person_id:
        return Q(**{f"{prefix}__person_id": record.person_id})
    return Q(**{f"{prefix}_id": record.pk})


def _review(source: SourceRecord, other: SourceRecord, pair) -> ReviewItem | None:
    """A review item for the pair, unless the pair was reviewed or queued before (or called different persons).
    One question per record and person (or per two persons): an open item asking the same through other records
    of the same persons is kept if it scored higher, else settled in favour of this one."""
    left, right = sorted([source, other], key=lambda r: r.pk)
    if ReviewItem.objects.filter(Q(record=left, other=right) | Q(record=right, other=left)).exists():
        return None
    same = ReviewItem.objects.filter(status__in=OPEN_STATUSES, kind=ReviewItem.Kind.PAIR).filter(
        (_side("record", source) & _side("other", other)) | (_side("record", other) & _side("other", source)))
    best = same.order_by("-score").first()
    if best is not None:
        if best.score >= pair.score:
            return None
        same.update(status=ReviewStatus.SETTLED, decided_at=timezone.now())
    return ReviewItem.objects.create(record=left, other=right, score=pair.score, weight=pair.weight,
                                     contributions=pair.contributions, levels=pair.levels,
                                     model_version=model_version())


def _by_age(a, b):
    """(older, younger): the older registration keeps its id."""
    return (a, b) if (a.created_at, a.pk) <= (b.created_at, b.pk) else (b, a)


def root(person):
    """The person a merged person now is."""
    seen = set()
    while person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = person.merged_into
    return person


def _settle(person_id: int) -> int:
    """Open review items whose two records now belong to one person are settled (nothing left to decide)."""
    return ReviewItem.objects.filter(status__in=OPEN_STATUSES, kind=ReviewItem.Kind.PAIR, record__person_id=person_id,
                                     other__person_id=person_id).update(status=ReviewStatus.SETTLED,
                                                                        decided_at=timezone.now())


# Links ------------------------------------------------------------------------------------------------------------

@transaction.atomic
def confirm_link(source: SourceRecord, person, *, method: str, score: float | None = None, by=None,
                 merge_event: MergeEvent | None = None) -> Link:
    """Link a record to a person (ending any link it had); a training record becomes the person's prior training
    (a training the person declared for the same year and kind of place gets the record attached instead)."""
    for old in Link.objects.select_for_update().filter(record=source, ended_at__isnull=True):
        end_link(old, by=by, reason="relinked")
    version = "" if method in (LinkMethod.REGISTRATION, LinkMethod.MERGE, LinkMethod.RESTORED) else model_version()
    link = Link.objects.create(record=source, person=person, method=method, score=score, model_version=version,
                               by=_user(by), merge_event=merge_event)
    source.person = person
    source.save(update_fields=["person"])
    if source.kind in TRAINING_SOURCES:
        _add_training(source, person, method=method, score=score, by=by)
    audit(AuditEntry.Action.UPDATE, person, by=by, note="record linked",
          changes={"record": [None, source.pk], "method": [None, method], "score": [None, score]})
    _settle(person.pk)
    return link


def training_year(source: SourceRecord) -> int:
    if source.training_year:
        return source.training_year
    if source.source_list_id and source.source_list.year:
        return source.source_list.year
    return source.created_at.year


def _add_training(source: SourceRecord, person, *, method: str, score, by) -> None:
    from kompeten.registry.models import PriorTraining

    kind = _prior_source(source.kind)
    year = training_year(source)
    declared = (PriorTraining.objects.filter(person=person, source_record__isnull=True, declared=True, year=year,
                                             source=kind).order_by("pk").first())
    if declared is not None:
        declared.source_record = source
        declared.save(update_fields=["source_record"])
        audit(AuditEntry.Action.UPDATE, declared, by=by, object_label=f"{person} · {declared}",
              changes={"source_record": [None, source.pk], "method": [None, method], "score": [None, score]})
        return
    institution = (source.source_list.institution if source.source_list_id else "") or source.get_kind_display()
    training = PriorTraining.objects.create(
        person=person, source=kind, year=year, institution=str(institution)[:200], vocation=source.vocation or "-",
        certificate=source.certificate_number, source_record=source, declared=False)
    audit(AuditEntry.Action.CREATE, training, by=by, object_label=f"{person} · {training}",
          changes={"source_record": [None, source.pk], "method": [None, method], "score": [None, score]})


def _prior_source(kind: str) -> str:
    from kompeten.registry.models import PriorTraining

    return {SourceKind.BLK_LIST: PriorTraining.Source.BLK, SourceKind.SIAPKERJA: PriorTraining.Source.ONLINE}.get(
        kind, PriorTraining.Source.OTHER)


@transaction.atomic
def end_link(link: Link, *, by=None, reason: str = "") -> Link:
    """End a link (it stays in the history); the prior training it made goes with it (a declared one it was
    attached to stays, without the record)."""
    from kompeten.registry.models import PriorTraining

    link = Link.objects.select_for_update().select_related("person").get(pk=link.pk)
    if link.ended_at:
        raise DomainError("link_ended", MESSAGES["link_ended"])
    link.ended_at, link.ended_by, link.end_reason = timezone.now(), _user(by), reason[:255]
    link.save(update_fields=["ended_at", "ended_by", "end_reason"])
    for training in PriorTraining.objects.filter(source_record=link.record_id, person=link.person):
        if training.declared:
            training.source_record = None
            training.save(update_fields=["source_record"])
            audit(AuditEntry.Action.UPDATE, training, by=by, object_label=f"{link.person} · {training}",
                  changes={"source_record": [link.record_id, None]}, note=reason[:255])
        else:
            audit(AuditEntry.Action.DELETE, training, by=by, object_label=f"{link.person} · {training}",
                  changes={"source_record": [link.record_id, None]}, note=reason[:255])
            training.delete()
    SourceRecord.objects.filter(pk=link.record_id, person=link.person).update(person=None)
    audit(AuditEntry.Action.UPDATE, link.person, by=by, note=f"record unlinked: {reason}"[:255],
          changes={"record": [link.record_id, None]})
    return link


# Merges -----------------------------------------------------------------------------------------------------------

@transaction.atomic
def merge(survivor, merged, *, by=None, reason: str = "", score: float | None = None) -> MergeEvent:
    """``merged`` is the same person as ``survivor`` (the older registration, whose id stays): mark it merged and
    move all its active links (its registration included) to the survivor. Its own rows (applications,
    enrolments) stay where they are."""
    from kompeten.registry.models import Person

    merged = Person.objects.select_for_update().get(pk=merged.pk)
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    event = MergeEvent.objects.create(kind=MergeEvent.Kind.MERGE, survivor=survivor, merged=merged,
                                      reason=reason[:255], score=score, by=_user(by))
    for link in Link.objects.filter(person=merged, ended_at__isnull=True).select_related("record__source_list"):
        end_link(link, by=by, reason="merged")
        confirm_link(link.record, survivor, method=LinkMethod.MERGE, score=link.score, by=by, merge_event=event)
    audit(AuditEntry.Action.UPDATE, merged, by=by, note=f"merged: {reason}"[:255],
          changes={"merged_into": [None, survivor.pk]})
    return event


@transaction.atomic
def undo_merge(event: MergeEvent, *, by=None, reason: str = "") -> MergeEvent:
    """Undo a merge: the merged person is a person of their own again, with the records the merge moved (records
    linked to the survivor since stay there). The two registrations are then marked different persons, so that
    they are not merged again automatically."""
    from kompeten.registry.models import Person

    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", MESSAGES["reason_required"])
    event = MergeEvent.objects.select_for_update().get(pk=event.pk)
    if event.kind != MergeEvent.Kind.MERGE or MergeEvent.objects.filter(undoes=event).exists():
        raise DomainError("not_merged", MESSAGES["not_merged"])
    survivor = Person.objects.select_for_update().get(pk=event.survivor_id)
    merged = Person.objects.select_for_update().get(pk=event.merged_id)
    if survivor.merged_into_id or merged.merged_into_id != survivor.pk:
        raise DomainError("survivor_merged", MESSAGES["survivor_merged"])
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    undo = MergeEvent.objects.create(kind=MergeEvent.Kind.UNDO, survivor=survivor, merged=merged, undoes=event,
                                     reason=reason[:255], by=_user(by))
    for link in (Link.objects.filter(merge_event=event, person=survivor, ended_at__isnull=True)
                 .select_related("record__source_list")):
        before = (Link.objects.filter(record=link.record_id, person=merged, ended_at__isnull=False)
                  .order_by("-ended_at", "-pk").first())
        end_link(link, by=by, reason="merge undone")
        method = before.method if before is not None else LinkMethod.RESTORED
        if method == LinkMethod.MERGE:
            method = LinkMethod.RESTORED
        confirm_link(link.record, merged, method=method, score=before.score if before else link.score, by=by)
    # The two registrations are different persons: never merged again automatically.
    mine = SourceRecord.objects.filter(registration=merged).first()
    theirs = SourceRecord.objects.filter(registration=survivor).first()
    if mine is not None and theirs is not None:
        pair = _linker().score_pair(to_record(theirs), to_record(mine))
        left, right = sorted([mine, theirs], key=lambda r: r.pk)
        ReviewItem.objects.create(record=left, other=right, score=pair.score, weight=pair.weight,
                                  contributions=pair.contributions, levels=pair.levels,
                                  model_version=model_version(), status=ReviewStatus.NOT_LINKED,
                                  decided_by=_user(by), decided_at=timezone.now(),
                                  note=f"merge undone: {reason}"[:255])
    audit(AuditEntry.Action.UPDATE, merged, by=by, note=f"merge undone: {reason}"[:255],
          changes={"merged_into": [survivor.pk, None]})
    return undo


# Review -----------------------------------------------------------------------------------------------------------

@transaction.atomic
def decide(item: ReviewItem, status: str, *, by, note: str = "") -> ReviewItem:
    """A reviewer's answer on a pair: same person (the record joins the other's person, or two persons are
    merged), different persons (a contested link, or a list record linked to the other's person, ends), or
    unsure (it stays in the queue)."""
    if status not in (ReviewStatus.LINKED, ReviewStatus.NOT_LINKED, ReviewStatus.UNSURE):
        raise DomainError("bad_status", MESSAGES["bad_status"])
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status not in OPEN_STATUSES:
        raise DomainError("already_decided", MESSAGES["already_decided"])
    before = item.status
    item.status, item.decided_by, item.decided_at = status, _user(by), timezone.now()
    if note:
        item.note = f"{item.note} · {note}"[:255] if item.note else note[:255]
    item.save(update_fields=["status", "decided_by", "decided_at", "note"])
    a = SourceRecord.objects.select_related("person", "source_list").get(pk=item.record_id)
    b = SourceRecord.objects.select_related("person", "source_list").get(pk=item.other_id)
    if status == ReviewStatus.LINKED and a.person_id != b.person_id:
        if a.person_id and b.person_id:
            older, younger = _by_age(a.person, b.person)
            merge(older, younger, by=by, score=item.score, reason="reviewed")
        elif a.person_id:
            confirm_link(b, a.person, method=LinkMethod.REVIEWED, score=item.score, by=by)
        else:
            confirm_link(a, b.person, method=LinkMethod.REVIEWED, score=item.score, by=by)
    elif status == ReviewStatus.NOT_LINKED and a.person_id and a.person_id == b.person_id:
        # The records were put together (a link the person contests, or one made meanwhile): the list record
        # leaves the person; it may still belong to someone else.
        unlinked = []
        for record in (a, b):
            if record.kind == SourceKind.REGISTRATION:
                continue
            link = Link.objects.filter(record=record, ended_at__isnull=True).first()
            if link is not None:
                reason = "contest upheld" if item.kind == ReviewItem.Kind.CONTEST else "reviewed: different persons"
                end_link(link, by=by, reason=reason)
                record.refresh_from_db(fields=["person"])
                unlinked.append(record)
        if unlinked:
            link_records(unlinked, by=by)
    audit(AuditEntry.Action.TRANSITION, item, by=by, object_label=f"review {item.pk}",
          changes={"status": [before, status]}, note=note[:255])
    return item


@transaction.atomic
def contest(link: Link, *, note: str, by) -> ReviewItem:
    """The person says a linked training record is not theirs: a review item at the head of the queue (one open
    item per link; a second contest adds to its note)."""
    note = note.strip()
    if not note:
        raise DomainError("note_required", MESSAGES["note_required"])
    link = Link.objects.select_for_update().select_related("record", "person").get(pk=link.pk)
    if link.ended_at:
        raise DomainError("link_ended", MESSAGES["link_ended"])
    if link.record.kind not in TRAINING_SOURCES:
        raise DomainError("not_contestable", MESSAGES["not_contestable"])
    registration = SourceRecord.objects.filter(registration=link.person).first()
    if registration is None:
        registration = record_registration(link.person, by=by, link=False)
    existing = ReviewItem.objects.filter(record=link.record, other=registration, kind=ReviewItem.Kind.CONTEST,
                                         status__in=OPEN_STATUSES).first()
    if existing is not None:
        existing.note = f"{existing.note} · {note}"[:255]
        existing.save(update_fields=["note"])
        return existing
    pair = _linker().score_pair(to_record(link.record), to_record(registration))
    item = ReviewItem.objects.create(record=link.record, other=registration, kind=ReviewItem.Kind.CONTEST,
                                     score=pair.score, weight=pair.weight, contributions=pair.contributions,
                                     levels=pair.levels, note=note[:255], model_version=model_version())
    audit(AuditEntry.Action.CREATE, item, by=by, object_label=f"review {item.pk}", note="contested",
          changes={"link": [None, link.pk]})
    return item


# Reading ----------------------------------------------------------------------------------------------------------

def history(person) -> dict:
    """A person's linked records (active and ended) and merge history, for the person page."""
    return {
        "root": root(person),
        "links": (Link.objects.filter(person=person)
                  .select_related("record__source_list", "record__registration", "by", "ended_by")
                  .order_by(F("ended_at").asc(nulls_first=True), "-created_at", "-pk")),  # active first
        "merges": (MergeEvent.objects.filter(Q(survivor=person) | Q(merged=person))
                   .select_related("survivor", "merged", "by", "undoes").order_by("-at", "-pk")),
        "undone": set(MergeEvent.objects.filter(kind=MergeEvent.Kind.UNDO).filter(
            Q(survivor=person) | Q(merged=person)).values_list("undoes_id", flat=True)),
    }


def queue(items=None, *, statuses=OPEN_STATUSES):
    """The review queue: contested links first, then open before unsure, then the most likely matches."""
    items = ReviewItem.objects.all() if items is None else items
    return (items.filter(status__in=statuses).select_related("record__source_list", "other__source_list")
            .order_by("kind", "status", "-score", "pk"))  # "contest" < "pair", "open" < "unsure"


def priority_facts(person) -> dict:
    """Why a person counts as trained before (selection's "never trained" rule, kompeten/selection/allocation.py):
    the training they declared, the prior trainings (with the list record and link behind each, and any contest),
    the trainings completed in Kompeten; and the contests a reviewer upheld."""
    from kompeten.registry.models import Person, PriorTraining
    from kompeten.training.models import Enrolment, EnrolmentStatus

    ids = person.same_person_ids()  # all the person's registrations (merged ones included)
    trainings = list(PriorTraining.objects.filter(person_id__in=ids).select_related("source_record__source_list")
                     .order_by("-year", "pk"))
    records = [t.source_record_id for t in trainings if t.source_record_id]
    links = {link.record_id: link for link in Link.objects.filter(record_id__in=records, person_id__in=ids,
                                                                  ended_at__isnull=True)}
    contests = defaultdict(list)
    for item in ReviewItem.objects.filter(kind=ReviewItem.Kind.CONTEST, record_id__in=records).order_by("pk"):
        contests[item.record_id].append(item)
    for training in trainings:
        training.link = links.get(training.source_record_id)
        training.contests = contests.get(training.source_record_id, [])
        training.contest_open = any(c.status in OPEN_STATUSES for c in training.contests)
        training.contest_rejected = any(c.status == ReviewStatus.LINKED for c in training.contests)
        training.contestable = (training.link is not None and not training.declared and not training.contest_open
                                and not training.contest_rejected)
    enrolled = list(Enrolment.objects.filter(person_id__in=ids, status__in=[
        EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED]).select_related("batch__package"))
    upheld = list(ReviewItem.objects.filter(kind=ReviewItem.Kind.CONTEST, status=ReviewStatus.NOT_LINKED,
                                            other__registration_id__in=ids)
                  .select_related("record__source_list").order_by("-decided_at"))
    declared = Person.objects.filter(pk__in=ids, declared_prior_training=True).exists()
    return {
        "declared": declared, "trainings": trainings, "enrolled": enrolled,
        "upheld": upheld, "never_trained": not (declared or trainings or enrolled),
    }


def stats() -> dict:
    """Counts for ``kompeten linkage stats``."""
    return {
        "records": dict(SourceRecord.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")),
        "records_linked": SourceRecord.objects.filter(person__isnull=False).count(),
        "lists": SourceList.objects.count(),
        "links": dict(Link.objects.filter(ended_at__isnull=True).values_list("method").annotate(n=Count("id"))
                      .order_by("method")),
        "links_ended": Link.objects.filter(ended_at__isnull=False).count(),
        "queue": ReviewItem.objects.filter(status__in=OPEN_STATUSES).count(),
        "queue_contested": ReviewItem.objects.filter(status__in=OPEN_STATUSES,
                                                     kind=ReviewItem.Kind.CONTEST).count(),
        "decisions": dict(ReviewItem.objects.filter(status__in=DECIDED_STATUSES).values_list("status")
                          .annotate(n=Count("id")).order_by("status")),
        "merges": MergeEvent.objects.filter(kind=MergeEvent.Kind.MERGE).count(),
        "merges_undone": MergeEvent.objects.filter(kind=MergeEvent.Kind.UNDO).count(),
        "blocking_keys": BlockingKey.objects.count(),
        "model": model_version(),
    }


def audit_import(source_list: SourceList, *, by) -> None:
    AuditEntry.objects.bulk_create([build(AuditEntry.Action.IMPORT, source_list, by=by,
                                          note=str(source_list.report)[:255])])


# Calibration ------------------------------------------------------------------------------------------------------

def reviewed_decisions() -> list[tuple[ReviewItem, bool]]:
    """The reviewers' answers as labelled pairs: the latest decision on each pair of records (same person or
    not); an undone merge counts as "different persons"."""
    latest: dict[tuple[int, int], ReviewItem] = {}
    for item in (ReviewItem.objects.filter(status__in=DECIDED_STATUSES)
                 .order_by("decided_at", "pk").only("pk", "record_id", "other_id", "status", "levels",
                                                    "contributions", "score", "weight", "decided_at")):
        latest[tuple(sorted((item.record_id, item.other_id)))] = item
    return [(item, item.status == ReviewStatus.LINKED) for item in sorted(latest.values(), key=lambda i: i.pk)]


def calibrate_from_reviews() -> dict:
    """The current model re-fitted with the reviewers' decisions (model.calibrate), and how the model's decision
    on each reviewed pair would change: {"model": Model, "decisions", "same", "different", "model_before",
    "model_after", "table": {"same"|"different": {"before"|"after": {"link", "review", "non_link"}}},
    "changes": [...]}."""
    import numpy as np

    from kompeten.linkage.compare import FIELDS, LEVELS
    from kompeten.linkage.engine import DECISIONS
    from kompeten.linkage.model import Decision, calibrate

    model = _linker().model
    labelled = reviewed_decisions()
    decisions = []
    for item, same in labelled:
        contributions = item.contributions or {}
        tf = contributions.get("name_tf", 0.0) / model.tf_scale if model.tf_scale else 0.0
        crowd = contributions.get("crowd", 0.0) / model.crowd_scale if model.crowd_scale else 0.0
        decisions.append(Decision(levels=dict(item.levels or {}), same=same, tf=tf, crowd=crowd))
    result = {"decisions": len(decisions), "same": sum(d.same for d in decisions),
              "different": sum(not d.same for d in decisions), "model_before": model.version,
              "model_after": model.version, "table": {}, "changes": [], "model": model}
    if not decisions:
        return result
    fitted = calibrate(model, decisions)
    codes = np.array([[LEVELS[name].index(d.levels[name]) if d.levels.get(name) in LEVELS[name] else 0
                       for name in FIELDS] for d in decisions], dtype=np.int64)
    tf = np.array([d.tf for d in decisions])
    crowd = np.array([d.crowd for d in decisions])

    def probability(weights):
        return 1.0 / (1.0 + np.power(2.0, -weights.astype(np.float64)))

    before_w, after_w = model.score(codes, tf, crowd), fitted.score(codes, tf, crowd)
    before, after = model.decide(before_w), fitted.decide(after_w)
    p_before, p_after = probability(before_w), probability(after_w)
    table = {answer: {when: dict.fromkeys(DECISIONS, 0) for when in ("before", "after")}
             for answer in ("same", "different")}
    for k, d in enumerate(decisions):
        answer = "same" if d.same else "different"
        table[answer]["before"][DECISIONS[int(before[k])]] += 1
        table[answer]["after"][DECISIONS[int(after[k])]] += 1
        if before[k] != after[k]:
            result["changes"].append({"item": labelled[k][0].pk, "answer": answer,
                                      "before": DECISIONS[int(before[k])], "after": DECISIONS[int(after[k])],
                                      "p_before": float(p_before[k]), "p_after": float(p_after[k])})
    result.update(model=fitted, model_after=fitted.version, table=table)
    return result
