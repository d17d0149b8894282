"""Candidate profiles (jobs/profiles.py, kept current by jobs/signals.py): refreshed when an enrolment is completed,
a certificate issued, suspended or revoked (or expires), a placement made or ended, an outcome recorded, a consent
given or withdrawn; and ``kompeten jobs refresh-profiles``."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_batch, make_person
from kompeten.jobs.models import CandidateProfile
from kompeten.jobs.tests.conftest import consent
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


def profile(person) -> CandidateProfile:
    return CandidateProfile.objects.get(person=person)


def run(*args) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_a_new_person_has_a_profile_and_consent_shows_them(db):
    person = make_person(serial=3, district="64.74.02")
    found = profile(person)
    assert (found.shown, found.available, found.sex, found.birth_date) == (False, True, "P", person.birth_date)
    consent(person)
    assert profile(person).shown
    consent(person, given=False)
    assert not profile(person).shown


def test_an_enrolment_saved_as_completed(balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year, status="completed", end=datetime.date(2025, 4, 4))
    person = make_person(serial=21)
    enrolment = Enrolment.objects.create(batch=batch, person=person, source="operator", status="enrolled")
    assert not profile(person).trained
    enrolment.status = "completed"
    enrolment.save(update_fields=["status"])
    found = profile(person)
    assert found.trained and found.vocation_ids == [batch.package.vocation_id]
    assert found.last_completed == datetime.date(2025, 4, 4)
    enrolment.delete()  # a correction: gone again
    assert not profile(person).trained and profile(person).vocation_ids == []


@pytest.fixture
def running(balikpapan, programme_year, operator_balikpapan):
    """A running batch with two enrolled participants who attended every session."""
    from kompeten.training import services

    batch = make_batch(balikpapan, programme_year, status="running", end=datetime.date(2025, 3, 28))
    people = [make_person(full_name=name, serial=serial) for serial, name in [(31, "Ani"), (32, "Budi")]]
    enrolments = [Enrolment.objects.create(batch=batch, person=p, source="operator", status="enrolled")
                  for p in people]
    services.record_attendance(batch, {(e.pk, s.pk): "present" for e in enrolments for s in batch.sessions.all()},
                               by=operator_balikpapan)
    return batch, people, enrolments


def test_completing_a_batch_refreshes_its_participants(running, operator_balikpapan):
    from kompeten.programmes.services import transition_batch
    from kompeten.training import services

    batch, people, enrolments = running
    services.complete_batch(batch, {e.pk: {"final_test_passed": True} for e in enrolments}, by=operator_balikpapan)
    transition_batch(batch, "completed", by=operator_balikpapan)
    for person in people:
        found = profile(person)
        assert found.trained and found.vocation_ids == [batch.package.vocation_id]
        assert found.last_completed == datetime.date(2025, 3, 28)


def test_completing_the_participants_alone_refreshes_them(running, operator_balikpapan):
    from kompeten.training import services

    batch, people, enrolments = running
    services.complete_batch(batch, {e.pk: {"final_test_passed": True} for e in enrolments}, by=operator_balikpapan)
    assert all(profile(p).trained for p in people)


@pytest.fixture
def certified(candidates, assessor, lsp_admin):
    """A competency certificate of the first candidate (``scheme``)."""
    from kompeten.certificates import services as certificates
    from kompeten.certificates.tests.helpers import approve_all, at

    approved = approve_all(candidates[:1], assessor, lsp_admin)
    return certificates.issue_competency(approved[0], issued_at=at(2025, 5, 10))


def test_certificates_issued_suspended_reinstated_revoked(certified, scheme, province_admin):
    from kompeten.certificates import services as certificates

    person = certified.person
    assert (profile(person).scheme_codes, profile(person).certificates) == ([scheme.code], 1)
    certificates.suspend(certified, reason="Sedang diperiksa", by=province_admin)
    assert (profile(person).scheme_codes, profile(person).certificates) == ([], 0)  # suspended: not current
    certificates.reinstate(certified, reason="Selesai diperiksa", by=province_admin)
    assert profile(person).scheme_codes == [scheme.code]
    certificates.revoke(certified, reason="Dicabut oleh LSP", by=province_admin)
    assert (profile(person).scheme_codes, profile(person).certificates) == ([], 0)


def test_an_expired_certificate_is_found_and_refreshed_by_the_cli(certified, scheme):
    from kompeten.certificates.models import Certificate
    from kompeten.jobs.profiles import expired_since_refresh

    person = certified.person
    assert expired_since_refresh() == []
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    # Time passed: the profile was computed while the certificate was valid, which has ended since (no signal).
    Certificate.objects.filter(pk=certified.pk).update(valid_until=yesterday)
    CandidateProfile.objects.filter(person=person).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    assert profile(person).scheme_codes == [scheme.code]
    assert expired_since_refresh() == [person.pk]
    assert "1 candidate profiles refreshed" in run("refresh-profiles", "--expired")
    assert profile(person).scheme_codes == []
    assert expired_since_refresh() == []


def test_a_placement_makes_a_person_unavailable_until_it_ends(company, programme_year):
    from kompeten.apprenticeships.models import Placement
    from kompeten.apprenticeships.tests.conftest import make_offer

    person = make_person(serial=41)
    offer = make_offer(company, programme_year)
    placement = Placement.objects.create(person=person, offer=offer, company=company, source="direct",
                                         agreement_number="PKS/41", start_date=datetime.date(2025, 7, 1),
                                         end_date=datetime.date(2025, 12, 31), status="active",
                                         started_on=datetime.date(2025, 7, 1))
    assert not profile(person).available
    placement.status, placement.ended_on = "completed", datetime.date(2025, 12, 31)
    placement.save(update_fields=["status", "ended_on"])
    assert profile(person).available
    placement.status = "draft"
    placement.save(update_fields=["status"])
    assert not profile(person).available
    placement.delete()
    assert profile(person).available


def test_an_outcome_in_work_makes_a_person_unavailable(company, province_admin):
    from kompeten.jobs import services

    person = make_person(serial=42)
    services.record_outcome(person, status="employed", employer="PT Maju", source="operator",
                            on=datetime.date(2025, 6, 1), by=province_admin, today=datetime.date(2025, 6, 30))
    assert not profile(person).available
    services.record_outcome(person, status="unemployed", source="self", on=datetime.date(2025, 6, 20),
                            by=province_admin, today=datetime.date(2025, 6, 30))
    assert profile(person).available


def test_suspended_signals_skip_and_the_cli_refreshes_everyone_or_some(db):
    from kompeten.jobs.signals import suspended

    with suspended():
        people = [make_person(full_name=f"Orang {n}", serial=50 + n) for n in range(3)]
    assert not CandidateProfile.objects.filter(person__in=people).exists()
    assert "1 candidate profiles refreshed" in run("refresh-profiles", "--person", str(people[0].pk))
    assert CandidateProfile.objects.filter(person__in=people).count() == 1
    assert "3 candidate profiles refreshed" in run("refresh-profiles")
    assert CandidateProfile.objects.filter(person__in=people).count() == 3
