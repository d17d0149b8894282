"""Who sees which assessment events and candidates' files (AssessmentEvent / Assessment ``visible_to``), and
who may act on them (kompeten/assessment/access.py): every answer other than "yes" is a 404."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from conftest import ASSESSMENT_DAY, make_assessor, make_user
from kompeten.accounts.models import User
from kompeten.assessment import access, services
from kompeten.assessment.models import Assessment, AssessmentEvent, Lsp, Tuk

pytestmark = pytest.mark.django_db


@pytest.fixture
def lsp2(scheme):
    lsp = Lsp.objects.create(code="lsp-lain", name="LSP Lain", licensed_from=datetime.date(2024, 1, 1))
    lsp.schemes.add(scheme)
    return lsp


@pytest.fixture
def lsp2_admin(lsp2):
    return make_user("manajer@lsp-lain.test", "lsp_admin", lsp=lsp2, full_name="Manajer LSP Lain")


@pytest.fixture
def world(event, tuk_bontang, scheme, other_assessor, operator_bontang, operator_balikpapan, lsp2, province_admin,
          person_balikpapan, person_bontang, job_seeker, assessor_profile):
    """Three events on one day: Balikpapan's (the ``event``, assessor ``assessor``), Bontang's of the same LSP
    (``other_assessor``) and one of a second LSP at a TUK of no training centre; one RPL candidate in each
    but the last, and the job seeker a candidate at Bontang."""
    bontang = services.create_event(scheme=scheme, tuk=tuk_bontang, date=ASSESSMENT_DAY, assessors=[other_assessor],
                                    by=operator_bontang)
    tuk2 = Tuk.objects.create(lsp=lsp2, code="tuk-lain", name="TUK Mandiri LSP Lain", tuk_type="mandiri")
    third = make_assessor(make_user("asesor3@lsp-lain.test", "assessor"), lsp2, [scheme],
                          number="MET.000.000003 2023")
    elsewhere = services.create_event(scheme=scheme, tuk=tuk2, date=ASSESSMENT_DAY, assessors=[third],
                                      by=province_admin)
    work = "Mekanik bengkel, 4 tahun"
    bpp_candidate = services.add_candidate(event, person_balikpapan, by=operator_balikpapan, work_experience=work)
    services.assign_assessor(bpp_candidate, assessor_profile, by=operator_balikpapan)
    btg_candidate = services.add_candidate(bontang, person_bontang, by=operator_bontang, work_experience=work)
    own = services.add_candidate(bontang, job_seeker.person, by=operator_bontang, work_experience=work)
    other_candidate = services.add_candidate(elsewhere, person_balikpapan, by=province_admin, work_experience=work)
    return SimpleNamespace(bpp=event, btg=bontang, other=elsewhere, third=third, bpp_candidate=bpp_candidate,
                           btg_candidate=btg_candidate, own=own, other_candidate=other_candidate)


def events(user) -> set:
    return set(AssessmentEvent.objects.visible_to(user))


def files(user) -> set:
    return set(Assessment.objects.visible_to(user))


def fresh(user) -> User:
    """The user as a new request would load it (roles are cached on the instance)."""
    return User.objects.get(pk=user.pk)


class TestVisibleTo:
    def test_province_admin_sees_all(self, world, province_admin):
        assert events(province_admin) == {world.bpp, world.btg, world.other}
        assert files(province_admin) == {world.bpp_candidate, world.btg_candidate, world.own, world.other_candidate}

    def test_operator_of_balikpapan(self, world, operator_balikpapan):
        assert events(operator_balikpapan) == {world.bpp}
        assert files(operator_balikpapan) == {world.bpp_candidate}

    def test_operator_of_bontang_sees_nothing_of_balikpapan(self, world, operator_bontang):
        assert events(operator_bontang) == {world.btg}
        assert files(operator_bontang) == {world.btg_candidate, world.own}

    def test_assessor_sees_only_the_events_they_are_on(self, world, assessor, other_assessor):
        assert events(assessor) == {world.bpp}  # not Bontang's, though it is their LSP's
        assert files(assessor) == {world.bpp_candidate}
        assert events(other_assessor.user) == {world.btg}
        assert events(world.third.user) == {world.other}

    def test_assessor_on_two_events_sees_each_once(self, world, assessor, assessor_profile):
        world.btg.assessors.add(assessor_profile)
        assert events(assessor) == {world.bpp, world.btg}
        assert AssessmentEvent.objects.visible_to(assessor).count() == 2
        assert Assessment.objects.visible_to(assessor).count() == 3

    def test_lsp_manager_sees_their_lsp_only(self, world, lsp_admin, lsp2_admin):
        assert events(lsp_admin) == {world.bpp, world.btg}
        assert files(lsp_admin) == {world.bpp_candidate, world.btg_candidate, world.own}
        assert events(lsp2_admin) == {world.other}
        assert files(lsp2_admin) == {world.other_candidate}

    def test_job_seeker_sees_their_own_file_and_no_event(self, world, job_seeker):
        assert events(job_seeker) == set()
        assert files(job_seeker) == {world.own}

    def test_anonymous_sees_nothing(self, world):
        assert events(AnonymousUser()) == set()
        assert files(AnonymousUser()) == set()

    def test_user_without_a_role_sees_nothing(self, world):
        nobody = make_user("tamu@example.test")
        assert events(nobody) == set()
        assert files(nobody) == set()

    def test_company_user_sees_nothing(self, world, company_user):
        assert events(company_user) == set()
        assert files(company_user) == set()

    def test_inactive_membership_sees_nothing(self, world, operator_balikpapan, lsp_admin):
        for user in (operator_balikpapan, lsp_admin):
            user.memberships.update(is_active=False)
            assert events(fresh(user)) == set()
            assert files(fresh(user)) == set()


class TestCandidateForUser:
    def test_not_visible_is_404(self, world, operator_bontang):
        with pytest.raises(Http404):
            access.get_candidate_for_user(operator_bontang, world.bpp_candidate.pk)
        for pk in ("abc", None, 10**12):
            with pytest.raises(Http404):
                access.get_candidate_for_user(operator_bontang, pk)

    def test_record_only_the_assigned_assessor(self, world, assessor, other_assessor, operator_balikpapan,
                                               lsp_admin, province_admin):
        assert access.get_candidate_for_user(assessor, world.bpp_candidate.pk, record=True) == world.bpp_candidate
        world.bpp.assessors.add(other_assessor)  # on the event, sees the file, but it is not theirs
        assert access.get_candidate_for_user(other_assessor.user, world.bpp_candidate.pk) == world.bpp_candidate
        for user in (other_assessor.user, operator_balikpapan, lsp_admin, province_admin):
            with pytest.raises(Http404):
                access.get_candidate_for_user(user, world.bpp_candidate.pk, record=True)

    def test_record_unassigned_candidate(self, world, other_assessor):
        assert world.btg_candidate.assessor is None
        with pytest.raises(Http404):
            access.get_candidate_for_user(other_assessor.user, world.btg_candidate.pk, record=True)

    def test_decide_only_the_lsp_managers(self, world, lsp_admin, lsp2_admin, operator_balikpapan, assessor,
                                          province_admin):
        assert access.get_candidate_for_user(lsp_admin, world.bpp_candidate.pk, decide=True) == world.bpp_candidate
        for user in (operator_balikpapan, assessor, province_admin, lsp2_admin):
            with pytest.raises(Http404):
                access.get_candidate_for_user(user, world.bpp_candidate.pk, decide=True)

    def test_manage(self, world, operator_balikpapan, lsp_admin, province_admin, assessor, operator_bontang):
        for user in (operator_balikpapan, lsp_admin, province_admin):
            assert access.get_candidate_for_user(user, world.bpp_candidate.pk, manage=True) == world.bpp_candidate
        for user in (assessor, operator_bontang):
            with pytest.raises(Http404):
                access.get_candidate_for_user(user, world.bpp_candidate.pk, manage=True)

    def test_own(self, world, job_seeker, operator_bontang, lsp_admin):
        assert access.get_candidate_for_user(job_seeker, world.own.pk, own=True) == world.own
        assert access.get_candidate_for_user(job_seeker, world.own.pk) == world.own
        for user in (operator_bontang, lsp_admin):
            assert access.get_candidate_for_user(user, world.own.pk) == world.own  # they see it...
            with pytest.raises(Http404):
                access.get_candidate_for_user(user, world.own.pk, own=True)  # ...but it is not theirs
        for flag in ("manage", "decide", "record"):
            with pytest.raises(Http404):
                access.get_candidate_for_user(job_seeker, world.own.pk, **{flag: True})
        with pytest.raises(Http404):  # another candidate's file
            access.get_candidate_for_user(job_seeker, world.btg_candidate.pk)


class TestEventForUser:
    def test_see_manage_decide(self, world, operator_balikpapan, operator_bontang, lsp_admin, assessor,
                               province_admin):
        assert access.get_event_for_user(assessor, world.bpp.pk) == world.bpp
        assert access.get_event_for_user(operator_balikpapan, world.bpp.pk, manage=True) == world.bpp
        assert access.get_event_for_user(province_admin, world.bpp.pk, manage=True) == world.bpp
        assert access.get_event_for_user(lsp_admin, world.bpp.pk, decide=True) == world.bpp
        refusals = [(operator_bontang, {}), (assessor, {"manage": True}), (assessor, {"decide": True}),
                    (operator_balikpapan, {"decide": True}), (province_admin, {"decide": True})]
        for user, flags in refusals:
            with pytest.raises(Http404):
                access.get_event_for_user(user, world.bpp.pk, **flags)
        with pytest.raises(Http404):
            access.get_event_for_user(assessor, world.btg.pk)
