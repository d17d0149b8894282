"""Fixtures of the jobs tests. Every test starts without the per-process shortlist index (jobs/shortlist.py), so that
one test's candidates never linger in the next one's index."""

import datetime
import random

import pytest

TODAY = datetime.date(2025, 6, 30)
KALTIM = ["64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74"]
SCHEME_CODES = ["SKM.OTO.SPM.2021", "SKM.TAM.OAB.2022", "SKM.KON.TLB.2023"]


@pytest.fixture(autouse=True)
def fresh_shortlist_index():
    from kompeten.jobs import shortlist

    shortlist.invalidate()
    yield
    shortlist.invalidate()


def make_population(count: int, *, seed: int = 1, first_serial: int = 100) -> list:
    """``count`` persons with random candidate profiles written directly (bulk: no signals), as the benchmark does:
    the shortlist reads the profiles only. Returns the profiles."""
    from kompeten.jobs.models import CandidateProfile
    from kompeten.programmes.models import Vocation
    from kompeten.registry.models import Person
    from kompeten.registry.nik import make_nik

    rng = random.Random(seed)
    vocations = list(Vocation.objects.order_by("pk").values_list("pk", flat=True)[:6])
    people = []
    for serial in range(first_serial, first_serial + count):
        birth = datetime.date(rng.randint(1970, 2008), rng.randint(1, 12), rng.randint(1, 28))
        sex = rng.choice("LP")
        people.append(Person(nik=make_nik("64.71.05", birth, sex, serial), full_name=f"Pencaker {serial}", sex=sex,
                             birth_date=birth, source="operator"))
    people = Person.objects.bulk_create(people)
    profiles = []
    for person in people:
        trained = rng.random() < 0.5
        vocation_ids = sorted(rng.sample(vocations, rng.randint(1, 2))) if trained else []
        schemes = sorted(rng.sample(SCHEME_CODES, 1)) if rng.random() < 0.3 else []
        profiles.append(CandidateProfile(
            person=person, shown=rng.random() < 0.8, available=rng.random() < 0.75,
            regency=rng.choice([*KALTIM, ""]), sex=person.sex, birth_date=person.birth_date,
            education_order=rng.randint(2, 10), trained=trained,
            last_completed=TODAY - datetime.timedelta(days=rng.randint(0, 700)) if trained else None,
            vocation_ids=vocation_ids, scheme_codes=schemes, certificates=len(schemes) + (rng.random() < 0.1)))
    return CandidateProfile.objects.bulk_create(profiles)


def make_vacancy(company, *, region="64.71", vocations=(), scheme_code="", title="Mekanik", **extra):
    from kompeten.assessment.models import Scheme
    from kompeten.jobs.models import Vacancy
    from kompeten.reference.models import Kbji

    scheme = None
    if scheme_code:
        scheme = Scheme.objects.get_or_create(code=scheme_code, defaults={"title": scheme_code})[0]
    vacancy = Vacancy.objects.create(
        company=company, title=title, occupation=Kbji.objects.order_by("code").first(),
        sector_id=extra.pop("sector_id", "motorcycle_repair"), number_needed=extra.pop("number_needed", 2),
        valid_from=extra.pop("valid_from", TODAY - datetime.timedelta(days=5)),
        valid_until=extra.pop("valid_until", TODAY + datetime.timedelta(days=60)), region_id=region, scheme=scheme,
        **extra)
    vacancy.vocations.set(vocations)
    return vacancy


def consent(person, given=True):
    from kompeten.registry.models import Consent
    from kompeten.registry.services import record_consent

    return record_consent(person, purpose=Consent.Purpose.SHARE_COMPANIES, given=given,
                          channel=Consent.Channel.WEB, by=None)
