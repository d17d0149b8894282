"""Candidate profiles: what matching needs of each person, computed set-based from the registry, training,
certificates, apprenticeships and outcomes, and stored in CandidateProfile (one row per person).

``refresh_profiles(person_ids)`` recomputes the given persons (all when None) in chunks with a fixed number of
queries per chunk; signals.py calls it for one person whenever something it reads changes (a consent, a
completion, a certificate, a placement, an outcome, the person), in the same transaction, so a withdrawn consent
takes the person off every shortlist at once. Bulk loads (the demo, imports, the benchmark generator) call it
once at the end, or run ``kompeten jobs refresh-profiles``.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from kompeten.jobs.models import WORKING, CandidateProfile, Outcome
from kompeten.registry.models import Consent, EmploymentStatus, Person

CHUNK = 5000
NOT_AVAILABLE_EMPLOYMENT = {EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED}


def _latest_consent(purpose: str):
    return Subquery(Consent.objects.filter(person=OuterRef("pk"), purpose=purpose)
                    .order_by("-at", "-pk").values("given")[:1])


def _latest_outcome():
    return Subquery(Outcome.objects.filter(person=OuterRef("pk")).order_by("-on", "-pk").values("status")[:1])


def _chunk_profiles(ids: list[int]) -> list[CandidateProfile]:
    from kompeten.apprenticeships.models import OPEN_STATUSES, Placement
    from kompeten.certificates.models import Certificate, CertificateKind, CertificateStatus
    from kompeten.training.models import Enrolment, EnrolmentStatus

    vocations: dict[int, set[int]] = defaultdict(set)
    last_completed = {}
    for person_id, vocation_id, end in (Enrolment.objects.filter(person__in=ids, status=EnrolmentStatus.COMPLETED)
                                        .values_list("person_id", "batch__package__vocation_id", "batch__end_date")):
        vocations[person_id].add(vocation_id)
        if person_id not in last_completed or end > last_completed[person_id]:
            last_completed[person_id] = end
    # Current: valid now — neither revoked nor suspended, and not past its validity (Certificate.objects.current()
    # only leaves out the revoked ones).
    schemes: dict[int, set[str]] = defaultdict(set)
    today = timezone.localdate()
    for person_id, code in (Certificate.objects.filter(person__in=ids, kind=CertificateKind.COMPETENCY,
                                                       status=CertificateStatus.ACTIVE)
                            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
                            .values_list("person_id", "scheme_code")):
        schemes[person_id].add(code)
    placed = set(Placement.objects.filter(person__in=ids, status__in=OPEN_STATUSES)
                 .values_list("person_id", flat=True))
    now = timezone.now()
    rows = (Person.objects.filter(pk__in=ids)
            .annotate(shown=_latest_consent(Consent.Purpose.SHARE_COMPANIES), outcome=_latest_outcome())
            .values_list("pk", "sex", "birth_date", "village_id", "education__order", "employment_status",
                         "ak1_closed_on", "shown", "outcome"))
    profiles = []
    for pk, sex, birth_date, village, education, employment, ak1_closed, shown, outcome in rows:
        if outcome is not None:
            working = outcome in WORKING
        else:
            working = employment in NOT_AVAILABLE_EMPLOYMENT or ak1_closed is not None
        profiles.append(CandidateProfile(
            person_id=pk, shown=bool(shown), available=not working and pk not in placed,
            regency=(village or "")[:5], sex=sex, birth_date=birth_date, education_order=education or 0,
            trained=pk in vocations, last_completed=last_completed.get(pk),
            vocation_ids=sorted(vocations.get(pk, ())), scheme_codes=sorted(schemes.get(pk, ())),
            certificates=len(schemes.get(pk, ())), updated_at=now))
    return profiles


FIELDS = ["shown", "available", "regency", "sex", "birth_date", "education_order", "trained", "last_completed",
          "vocation_ids", "scheme_codes", "certificates", "updated_at"]


def refresh_profiles(person_ids=None) -> int:
    """Recompute the profiles of ``person_ids`` (every person when None); returns how many were written.
    A person who no longer exists loses their profile (by cascade)."""
    if person_ids is None:
        ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(person_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        profiles = _chunk_profiles(ids[start:start + CHUNK])
        CandidateProfile.objects.bulk_create(profiles, update_conflicts=True, unique_fields=["person"],
                                             update_fields=FIELDS, batch_size=1000)
        written += len(profiles)
    return written


def expired_since_refresh(today=None) -> list[int]:
    """Persons whose profile still counts a competency certificate whose validity has ended since the profile was
    computed (time passing sends no signal): ``kompeten jobs refresh-profiles --expired``, daily from cron."""
    from kompeten.certificates.models import Certificate, CertificateKind, CertificateStatus

    today = today or timezone.localdate()
    return sorted(set(
        Certificate.objects.filter(kind=CertificateKind.COMPETENCY, status=CertificateStatus.ACTIVE,
                                   valid_until__lt=today,
                                   person__candidate_profile__updated_at__date__lte=F("valid_until"))
        .values_list("person_id", flat=True)))
