"""Fixtures of the apprenticeship tests: a verified company with a mentor, a draft / approved offer, an open round
with the completed participants of ``completed_batch`` (root conftest) as candidates."""

import datetime

import pytest

from conftest import make_person, make_user

ROUND_DAY = datetime.date(2025, 5, 10)  # inside the round's application period


@pytest.fixture
def mentor(company):
    from kompeten.apprenticeships.models import Mentor

    return Mentor.objects.create(company=company, name="Joko Widodo", position="Supervisor Workshop")


@pytest.fixture
def other_company(db):
    from kompeten.apprenticeships.models import Company

    return Company.objects.create(name="PT Ritel Sejahtera", sector_id="trade", status="verified", employees=80,
                                  region_id="64.74")


@pytest.fixture
def other_company_user(other_company):
    return make_user("hrd@ritelsejahtera.test", "company_user", company=other_company, full_name="HRD Ritel")


def make_offer(company, programme_year, *, title="Mekanik Alat Berat", slots=4, months=6, theory_percent=20,
               start=datetime.date(2025, 7, 1), status="approved", locations=("64.71",), occupation="7233",
               matching_round=None, **extra):
    """An offer of ``company``; ``status`` is set directly (the services are tested on their own)."""
    from kompeten.apprenticeships.models import Offer
    from kompeten.reference.models import Kbji

    occupation = Kbji.objects.filter(code__startswith=occupation).order_by("code").first()
    offer = Offer.objects.create(company=company, programme_year=programme_year, title=title, occupation=occupation,
                                 slots=slots, start_date=start, months=months, theory_percent=theory_percent,
                                 allowance=2_500_000, status=status, matching_round=matching_round, **extra)
    offer.locations.set(locations)
    return offer


@pytest.fixture
def matching_round(programme_year):
    from kompeten.apprenticeships.models import MatchingRound

    return MatchingRound.objects.create(programme_year=programme_year, name="Pemagangan 2025 Putaran 1",
                                        opens_at=datetime.date(2025, 5, 1), closes_at=datetime.date(2025, 5, 31))


@pytest.fixture
def offer(company, programme_year, matching_round, mentor):
    offer = make_offer(company, programme_year, matching_round=matching_round)
    offer.mentors.add(mentor)
    return offer


@pytest.fixture
def trained(completed_batch):
    """The three persons who completed ``completed_batch``."""
    return [e.person for e in completed_batch.enrolments.select_related("person").order_by("person__full_name")]


@pytest.fixture
def apprentice_user(trained):
    """The first trained person, with a job seeker account."""
    user = make_user("andi@example.test", "job_seeker", full_name=trained[0].full_name)
    trained[0].user = user
    trained[0].save(update_fields=["user"])
    return user


__all__ = ["make_person", "make_offer"]
