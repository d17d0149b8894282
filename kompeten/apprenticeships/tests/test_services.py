"""The apprenticeship services (services.py): companies, offers and their Permenaker 6/2020 limits and approval,
applications and company decisions, placements and their agreement, logbook, completion, the year's target."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from conftest import PASSWORD, make_person, make_user
from kompeten.accounts.models import Membership, User
from kompeten.apprenticeships import services
from kompeten.apprenticeships.models import (
    Application,
    Company,
    LogbookEntry,
    Offer,
    Placement,
    PlacementEvent,
)
from kompeten.apprenticeships.tests.conftest import ROUND_DAY, make_offer
from kompeten.audit.models import AuditEntry
from kompeten.certificates.models import Certificate
from kompeten.core.errors import DomainError
from kompeten.reference.models import EducationLevel

pytestmark = pytest.mark.django_db

D = datetime.date
JULY = D(2025, 7, 1)  # the offers' start (a Tuesday)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@contextmanager
def refused(code):
    with pytest.raises(DomainError) as info:
        yield info
    assert info.value.code == code, f"{info.value.code}: {info.value.message}"


def person(serial, **extra):
    extra.setdefault("full_name", f"Peserta {serial}")
    return make_person(serial=serial, **extra)


def placed(who, offer, by, **extra):
    return services.place_direct(who, offer, by=by, reason="permintaan perusahaan", today=ROUND_DAY, **extra)


def running(who, offer, by, *, on=JULY):
    """A placement of ``who`` in ``offer``, signed and started on ``on``."""
    placement = placed(who, offer, by)
    services.transition(placement, "signed", by=by, on=on)
    services.transition(placement, "active", by=by, on=on)
    placement.refresh_from_db()
    return placement


# --- companies ------------------------------------------------------------------------------------

NEW_COMPANY = {"name": "PT Baru Jaya", "nib": " 9120001234567 ", "sector_id": "mining", "region_id": "64.71",
               "employees": 50}


def register(**overrides):
    kwargs = {"company": dict(NEW_COMPANY), "full_name": "Budi HRD", "email": " Budi@BaruJaya.test ",
              "password": PASSWORD, **overrides}
    return services.register_company(**kwargs)


def test_a_company_registers_itself_pending_with_its_first_user():
    company, user = register()
    assert company.status == "pending" and not company.is_verified
    assert company.nib == "9120001234567"
    assert user.email == "budi@barujaya.test" and user.check_password(PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.company_id) == ("company_user", company.pk)
    assert user.company_ids == {company.pk}
    assert AuditEntry.objects.for_object(company).filter(action="create").exists()


def test_a_registered_nib_is_refused():
    register()
    with refused("nib_taken"):
        register(email="lain@barujaya.test")
    with refused("nib_taken"):
        register(company={**NEW_COMPANY, "nib": "9120001234567"}, email="lain2@barujaya.test")
    assert Company.objects.filter(nib="9120001234567").count() == 1
    assert not User.objects.filter(email__startswith="lain").exists()


def test_a_registered_email_is_refused_whatever_its_case(company_user):
    with refused("email_taken"):
        register(email="HRD@TambangMaju.test")
    assert not Company.objects.filter(name="PT Baru Jaya").exists()  # nothing half-made


def test_companies_without_nib_may_both_register():
    register(company={**NEW_COMPANY, "nib": ""}, email="a@satu.test")
    register(company={**NEW_COMPANY, "nib": "  "}, email="b@dua.test")
    assert Company.objects.filter(name="PT Baru Jaya", nib="").count() == 2


def test_verify_and_reject_company(province_admin):
    first, _user = register()
    services.verify_company(first, by=province_admin, note="dokumen lengkap")
    first.refresh_from_db()
    assert first.is_verified and first.verified_by == province_admin
    with refused("company_already_decided"):
        services.verify_company(first, by=province_admin)
    second, _user = register(company={**NEW_COMPANY, "nib": ""}, email="x@y.test")
    with refused("reason_required"):
        services.reject_company(second, reason=" ", by=province_admin)
    services.reject_company(second, reason="NIB tidak valid", by=province_admin)
    second.refresh_from_db()
    assert (second.status, second.status_note) == ("rejected", "NIB tidak valid")


def test_an_unverified_company_cannot_submit(programme_year):
    company, user = register()
    offer = make_offer(company, programme_year, slots=2, status="draft")
    with refused("company_not_verified"):
        services.submit_offer(offer, by=user)
    offer.refresh_from_db()
    assert offer.status == "draft"


# --- offers ---------------------------------------------------------------------------------------


def test_submit_a_draft_within_the_limits(company, programme_year, company_user):
    offer = make_offer(company, programme_year, slots=40, status="draft")
    services.submit_offer(offer, by=company_user)
    offer.refresh_from_db()
    assert offer.status == "submitted"
    assert AuditEntry.objects.for_object(offer).get().changes == {"status": ["draft", "submitted"]}
    with refused("offer_not_draft"):
        services.submit_offer(offer, by=company_user)


@pytest.mark.parametrize(("field", "value", "code"), [("slots", 41, "over_quota"), ("months", 13, "too_long"),
                                                      ("theory_percent", 9, "theory_share"),
                                                      ("theory_percent", 26, "theory_share")])
def test_submit_outside_the_limits_is_refused(company, programme_year, company_user, field, value, code):
    offer = make_offer(company, programme_year, status="draft", **{"slots": 4, field: value})
    with refused(code):
        services.submit_offer(offer, by=company_user)
    offer.refresh_from_db()
    assert offer.status == "draft"


def test_submit_without_a_place_is_refused(company, programme_year, company_user):
    offer = make_offer(company, programme_year, status="draft", locations=())
    with refused("no_location"):
        services.submit_offer(offer, by=company_user)


def test_only_overlapping_submitted_or_approved_offers_of_the_company_count(company, other_company, programme_year):
    make_offer(company, programme_year, title="submitted", slots=10, status="submitted")
    make_offer(company, programme_year, title="approved", slots=5, status="approved",
               start=D(2025, 1, 2))  # ends 1 July 2025: overlaps on the first day
    for status in ("closed", "rejected", "draft"):
        make_offer(company, programme_year, title=status, slots=7, status=status)
    make_offer(company, programme_year, title="ended before", slots=7, start=D(2025, 1, 1))  # ends 30 June
    make_offer(company, programme_year, title="starts after", slots=7, start=D(2026, 1, 1))  # after 31 Dec
    make_offer(other_company, programme_year, title="other company", slots=7)

    end = D(2025, 12, 31)
    assert services.other_slots(company, JULY, end) == 15

    def problems(slots):
        return services.offer_problems(company, slots=slots, start_date=JULY, months=6, theory_percent=20)

    assert problems(25) == []  # 25 + 15 = 40 = 20 % of 200
    [(field, error)] = problems(26)
    assert (field, error.code) == ("slots", "over_quota")
    assert error.params["other"] == 15 and error.params["total"] == 41 and error.params["limit"] == 40
    assert "41" in error.message

    submitted = Offer.objects.get(title="submitted")
    assert services.other_slots(company, JULY, end, exclude=submitted.pk) == 5
    assert services.offer_problems(company, slots=35, start_date=JULY, months=6, theory_percent=20,
                                   exclude=submitted.pk) == []


def test_the_limits_of_an_offer_count_the_other_offers(company, programme_year, company_user):
    make_offer(company, programme_year, slots=30, status="approved")
    offer = make_offer(company, programme_year, slots=11, status="draft")
    with refused("over_quota"):
        services.submit_offer(offer, by=company_user)
    offer.slots = 10
    offer.save()
    services.submit_offer(offer, by=company_user)


@pytest.mark.parametrize(("locations", "level", "region"), [
    (("64.71",), "regency", "64.71"),
    (("64.71", "64.74"), "province", "64"),
    (("64.71", "63.71"), "ministry", None),
])
def test_approval_records_the_competent_authority(company, programme_year, province_admin, matching_round,
                                                  locations, level, region):
    offer = make_offer(company, programme_year, status="submitted", locations=locations)
    services.approve_offer(offer, by=province_admin, approval_number=" 560/123/DTKT-2025 ",
                           matching_round=matching_round)
    offer.refresh_from_db()
    assert offer.status == "approved"
    assert (offer.authority, offer.authority_region_id) == (level, region)
    assert offer.approval_number == "560/123/DTKT-2025"
    assert offer.decided_by == province_admin and offer.decided_at is not None
    assert offer.matching_round == matching_round
    entry = AuditEntry.objects.for_object(offer).get()
    assert entry.changes["status"] == ["submitted", "approved"] and "560/123/DTKT-2025" in entry.note


def test_approval_needs_the_letter_number(company, programme_year, province_admin):
    offer = make_offer(company, programme_year, status="submitted")
    with refused("approval_number_required"):
        services.approve_offer(offer, by=province_admin, approval_number="  ")
    offer.refresh_from_db()
    assert (offer.status, offer.authority, offer.approval_number) == ("submitted", "", "")


def test_only_a_submitted_offer_is_approved_or_rejected(company, programme_year, province_admin):
    draft = make_offer(company, programme_year, status="draft")
    with refused("offer_not_submitted"):
        services.approve_offer(draft, by=province_admin, approval_number="1/2025")
    with refused("offer_not_submitted"):
        services.reject_offer(draft, by=province_admin, reason="tidak lengkap")


def test_approval_checks_the_limits_again(company, programme_year, province_admin):
    first = make_offer(company, programme_year, slots=30, status="submitted")
    second = make_offer(company, programme_year, slots=10, status="submitted")
    make_offer(company, programme_year, slots=1, status="approved")  # approved in between: 41 in all
    with refused("over_quota"):
        services.approve_offer(first, by=province_admin, approval_number="1/2025")
    second.status = "rejected"
    second.save()
    services.approve_offer(first, by=province_admin, approval_number="1/2025")


def test_reject_needs_a_reason(company, programme_year, province_admin):
    offer = make_offer(company, programme_year, status="submitted")
    with refused("reason_required"):
        services.reject_offer(offer, by=province_admin, reason="  ")
    services.reject_offer(offer, by=province_admin, reason="Uang saku di bawah UMP")
    offer.refresh_from_db()
    assert (offer.status, offer.decision_note, offer.decided_by) == ("rejected", "Uang saku di bawah UMP",
                                                                     province_admin)


def test_close_an_offer(offer, company_user):
    services.close_offer(offer, by=company_user)
    offer.refresh_from_db()
    assert offer.status == "closed"
    assert AuditEntry.objects.for_object(offer).get().changes == {"status": ["approved", "closed"]}


# --- applications ---------------------------------------------------------------------------------


@pytest.fixture
def round_offers(company, other_company, programme_year, matching_round, offer):
    """Four approved offers of the round (``offer`` first)."""
    more = [make_offer(company, programme_year, title="Operator Excavator", occupation="8342",
                       matching_round=matching_round),
            make_offer(other_company, programme_year, title="Kasir", occupation="5230",
                       matching_round=matching_round, locations=("64.74",)),
            make_offer(other_company, programme_year, title="Gudang", occupation="9333",
                       matching_round=matching_round, locations=("64.74",))]
    return [offer, *more]


def apply(who, matching_round, offers, *, today=ROUND_DAY, by=None):
    return services.apply(who, matching_round, offers, by=by, today=today)


def choices(who, matching_round):
    return [(a.offer.title, a.rank) for a in Application.objects.filter(person=who, offer__matching_round=
                                                                        matching_round).order_by("rank")]


def test_apply_ranks_the_choices(trained, matching_round, round_offers):
    made = apply(trained[0], matching_round, round_offers[:3])
    assert [(a.offer_id, a.rank) for a in made] == [(o.pk, r) for r, o in enumerate(round_offers[:3], start=1)]
    assert all(a.decision == "pending" and a.company_rank is None for a in made)


@pytest.mark.parametrize("today", [D(2025, 4, 30), D(2025, 6, 1)])
def test_apply_outside_the_period_is_refused(trained, matching_round, round_offers, today):
    with refused("round_not_in_period"):
        apply(trained[0], matching_round, round_offers[:1], today=today)


def test_apply_on_the_first_and_last_day(trained, matching_round, round_offers):
    apply(trained[0], matching_round, round_offers[:1], today=D(2025, 5, 1))
    apply(trained[1], matching_round, round_offers[:1], today=D(2025, 5, 31))


def test_apply_to_a_closed_round_is_refused(trained, matching_round, round_offers):
    matching_round.status = "closed"
    matching_round.save()
    with refused("round_not_open"):
        apply(trained[0], matching_round, round_offers[:1])


def test_apply_choices_are_checked(trained, matching_round, round_offers, programme_year, company):
    with refused("too_many_choices"):
        apply(trained[0], matching_round, round_offers)  # 4 > max_choices 3
    with refused("no_choices"):
        apply(trained[0], matching_round, [])
    with refused("duplicate_choice"):
        apply(trained[0], matching_round, [round_offers[0], round_offers[1], round_offers[0]])
    outside = make_offer(company, programme_year, title="Di luar putaran")
    with refused("offer_other_round"):
        apply(trained[0], matching_round, [round_offers[0], outside])
    not_approved = make_offer(company, programme_year, title="Belum disetujui", status="submitted",
                              matching_round=matching_round)
    with refused("offer_other_round"):
        apply(trained[0], matching_round, [not_approved])
    assert not Application.objects.exists()


def test_only_trained_persons_may_apply_to_a_trained_pool_round(matching_round, round_offers):
    untrained = person(40)
    with refused("not_in_pool"):
        apply(untrained, matching_round, round_offers[:1])
    matching_round.pool = "all"
    matching_round.save()
    apply(untrained, matching_round, round_offers[:1])


def test_requirements_of_the_offer(trained, matching_round, round_offers):
    offer = round_offers[0]
    who = trained[0]  # born 12 March 1999: 26 when the offer starts
    offer.min_education = EducationLevel.objects.get(code="SMK")
    offer.save()
    with refused("ineligible") as info:
        apply(who, matching_round, [offer])  # no education recorded
    assert "education" in info.value.message
    who.education = EducationLevel.objects.get(code="SMA")
    who.save()
    with refused("ineligible"):
        apply(who, matching_round, [offer])
    who.education = EducationLevel.objects.get(code="D3")
    who.save()
    apply(who, matching_round, [offer])

    offer.max_age = 25
    offer.save()
    with refused("ineligible") as info:
        apply(who, matching_round, [offer])
    assert "older" in info.value.message
    offer.max_age, offer.min_age = 26, 27
    offer.save()
    with refused("ineligible") as info:
        apply(who, matching_round, [offer])
    assert "younger" in info.value.message
    offer.min_age = 26
    offer.require_certificate = True
    offer.save()
    with refused("ineligible") as info:
        apply(who, matching_round, [offer])
    assert "certificate" in info.value.message


def test_a_placed_person_cannot_apply(trained, matching_round, round_offers, operator_balikpapan):
    placed(trained[0], round_offers[3], operator_balikpapan)
    with refused("already_placed"):
        apply(trained[0], matching_round, round_offers[:1])


def test_new_choices_replace_the_earlier_ones(trained, matching_round, round_offers, company_user):
    a, b, c, d = round_offers
    who = trained[0]
    apply(who, matching_round, [a, b, c])
    kept = Application.objects.get(person=who, offer=b)
    services.decide(kept, decision="accepted", note="bagus", by=company_user)
    apply(who, matching_round, [c, b])
    assert choices(who, matching_round) == [(c.title, 1), (b.title, 2)]
    again = Application.objects.get(person=who, offer=b)
    assert again.pk == kept.pk and again.decision == "accepted"  # the company's decision stays
    apply(who, matching_round, [d, b, c])
    assert choices(who, matching_round) == [(d.title, 1), (b.title, 2), (c.title, 3)]
    apply(who, matching_round, [b])
    assert choices(who, matching_round) == [(b.title, 1)]


# --- company decisions ----------------------------------------------------------------------------


@pytest.fixture
def applicants(trained, matching_round, offer):
    return [apply(who, matching_round, [offer])[0] for who in trained]


def test_decide_and_rank(applicants, offer, company_user):
    first, second, third = applicants
    services.rank_applicants(offer, [third, first], by=company_user)
    ranks = dict(Application.objects.values_list("pk", "company_rank"))
    assert ranks == {third.pk: 1, first.pk: 2, second.pk: None}
    assert Application.objects.get(pk=third.pk).decision == "accepted"
    services.rank_applicants(offer, [first], by=company_user)
    ranks = dict(Application.objects.values_list("pk", "company_rank"))
    assert ranks == {third.pk: None, first.pk: 1, second.pk: None}  # left out: no longer ranked
    services.decide(first, decision="rejected", note="tidak hadir wawancara", by=company_user)
    first.refresh_from_db()
    assert (first.decision, first.company_rank, first.decision_note) == ("rejected", None, "tidak hadir wawancara")
    with refused("invalid_decision"):
        services.decide(first, decision="maybe", by=company_user)
    with refused("duplicate_choice"):
        services.rank_applicants(offer, [second, second], by=company_user)


def test_rank_refuses_an_applicant_of_another_offer_and_changes_nothing(applicants, offer, company, trained,
                                                                        programme_year, matching_round,
                                                                        company_user):
    services.rank_applicants(offer, [applicants[0]], by=company_user)
    other = make_offer(company, programme_year, title="Lain", matching_round=matching_round)
    stranger = Application.objects.create(person=trained[1], offer=other, rank=2)
    with refused("offer_other_round"):
        services.rank_applicants(offer, [applicants[1], stranger], by=company_user)
    assert dict(Application.objects.filter(offer=offer).values_list("pk", "company_rank")) == {
        applicants[0].pk: 1, applicants[1].pk: None, applicants[2].pk: None}


@pytest.mark.parametrize("status", ["matched", "published"])
def test_decisions_are_locked_after_matching(applicants, offer, matching_round, company_user, status):
    matching_round.status = status
    matching_round.save()
    with refused("decision_locked"):
        services.decide(applicants[0], decision="rejected", by=company_user)
    with refused("decision_locked"):
        services.rank_applicants(offer, [applicants[1]], by=company_user)
    assert set(Application.objects.values_list("decision", flat=True)) == {"pending"}


def test_decisions_are_open_while_the_round_is_closed(applicants, offer, matching_round, company_user):
    matching_round.status = "closed"
    matching_round.save()
    services.decide(applicants[0], decision="accepted", by=company_user)
    services.rank_applicants(offer, [applicants[1]], by=company_user)


# --- direct placements ----------------------------------------------------------------------------


def test_place_direct_needs_a_reason(trained, offer, operator_balikpapan):
    with refused("reason_required"):
        services.place_direct(trained[0], offer, by=operator_balikpapan, reason="  ", today=ROUND_DAY)
    assert not Placement.objects.exists()


def test_place_direct_is_audited_with_its_reason(trained, offer, mentor, operator_balikpapan):
    placement = services.place_direct(trained[0], offer, by=operator_balikpapan, reason="Rekomendasi BLKI",
                                      today=ROUND_DAY)
    assert (placement.source, placement.status, placement.company_id) == ("direct", "draft", offer.company_id)
    assert placement.mentor == mentor  # the offer's mentor when none is given
    assert (placement.start_date, placement.end_date) == (JULY, D(2025, 12, 31))
    assert placement.agreement_number == f"PKS-MAG/2025/{offer.company_id:04d}/001"
    entry = AuditEntry.objects.for_object(placement).get()
    assert (entry.action, entry.actor, entry.note) == ("create", operator_balikpapan, "direct: Rekomendasi BLKI")
    event = PlacementEvent.objects.get(placement=placement)
    assert (event.old_status, event.new_status, event.by) == ("", "draft", operator_balikpapan)
    second = placed(trained[1], offer, operator_balikpapan)
    assert second.agreement_number == f"PKS-MAG/2025/{offer.company_id:04d}/002"


def test_place_direct_respects_the_slots(trained, company, programme_year, operator_balikpapan):
    offer = make_offer(company, programme_year, slots=2)
    first = placed(trained[0], offer, operator_balikpapan)
    second = running(trained[1], offer, operator_balikpapan)
    assert services.taken_slots(offer) == 2
    with refused("offer_full"):
        placed(trained[2], offer, operator_balikpapan)
    # A placement stopped after it started keeps its slot (the apprentice used it) ...
    services.transition(second, "stopped", by=operator_balikpapan, reason="mengundurkan diri")
    with refused("offer_full"):
        placed(trained[2], offer, operator_balikpapan)
    assert Placement.objects.filter(offer=offer).count() == 2
    # ... an agreement cancelled before the start frees it.
    services.transition(first, "stopped", by=operator_balikpapan, reason="batal")
    assert services.taken_slots(offer) == 1
    placed(trained[2], offer, operator_balikpapan)
    with refused("offer_full"):
        placed(person(60), offer, operator_balikpapan)


def test_one_open_placement_per_person(trained, offer, company, programme_year, operator_balikpapan):
    elsewhere = make_offer(company, programme_year, title="Lain")
    first = placed(trained[0], offer, operator_balikpapan)
    with refused("already_placed"):
        placed(trained[0], elsewhere, operator_balikpapan)
    # The database says so too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(person=trained[0], offer=elsewhere, company=company, source="direct",
                                 agreement_number="X-1", start_date=JULY, end_date=D(2025, 12, 31))
    # Once the first is over, a new one may start.
    services.transition(first, "stopped", by=operator_balikpapan, reason="batal")
    placed(trained[0], elsewhere, operator_balikpapan)


def test_place_direct_checks_offer_person_and_mentor(trained, company, other_company, programme_year,
                                                     operator_balikpapan):
    draft = make_offer(company, programme_year, status="draft")
    with refused("offer_not_open"):
        placed(trained[0], draft, operator_balikpapan)
    old_enough = make_offer(company, programme_year, min_age=30)
    with refused("ineligible"):
        placed(trained[0], old_enough, operator_balikpapan)
    foreign = services.add_mentor(other_company, name="Mentor Lain", by=operator_balikpapan)
    with refused("mentor_other_company"):
        placed(trained[0], make_offer(company, programme_year), operator_balikpapan, mentor=foreign)
    assert not Placement.objects.exists()


def test_agreement_numbers_go_on_past_999(trained, offer, operator_balikpapan):
    """The n-th agreement of a company in a year: the number after 1000 is 1001, not a duplicate."""
    prefix = f"PKS-MAG/2025/{offer.company_id:04d}/"
    Placement.objects.bulk_create(
        Placement(person=trained[2], offer=offer, company=offer.company, source="direct", status="completed",
                  agreement_number=f"{prefix}{n:03d}", start_date=JULY, end_date=D(2025, 12, 31))
        for n in range(1, 1001))
    offer.slots = 2000
    offer.save()
    assert placed(trained[0], offer, operator_balikpapan).agreement_number == f"{prefix}1001"
    assert placed(trained[1], offer, operator_balikpapan).agreement_number == f"{prefix}1002"


# --- the agreement's life -------------------------------------------------------------------------


def statuses(placement):
    return list(PlacementEvent.objects.filter(placement=placement).values_list("old_status", "new_status", "reason"))


def test_the_allowed_transitions(trained, offer, company_user):
    placement = placed(trained[0], offer, company_user)
    services.transition(placement, "signed", by=company_user)
    services.transition(placement, "active", by=company_user, on=JULY)
    placement.refresh_from_db()
    assert (placement.started_on, placement.ended_on) == (JULY, None)
    services.transition(placement, "paused", by=company_user, reason="sakit", on=D(2025, 8, 4))
    services.transition(placement, "active", by=company_user, on=D(2025, 8, 18))
    placement.refresh_from_db()
    assert placement.started_on == JULY  # resuming does not move the start
    assert placement.status_reason == ""
    services.transition(placement, "stopped", by=company_user, reason="mengundurkan diri", on=D(2025, 9, 1))
    placement.refresh_from_db()
    assert (placement.status, placement.status_reason, placement.ended_on) == ("stopped", "mengundurkan diri",
                                                                               D(2025, 9, 1))
    assert statuses(placement) == [("", "draft", "direct: permintaan perusahaan"), ("draft", "signed", ""),
                                   ("signed", "active", ""), ("active", "paused", "sakit"),
                                   ("paused", "active", ""), ("active", "stopped", "mengundurkan diri")]
    assert AuditEntry.objects.for_object(placement).filter(action="transition").count() == 5


@pytest.mark.parametrize(("path", "refused_step"), [
    ([], "active"), ([], "completed"), ([], "paused"), (["signed"], "paused"), (["signed"], "signed"),
    (["signed", "active"], "signed"), (["signed", "active"], "completed"), (["stopped"], "active"),
    (["stopped"], "signed"), ([], "unknown"),
])
def test_the_refused_transitions(trained, offer, company_user, path, refused_step):
    placement = placed(trained[0], offer, company_user)
    for step in path:
        services.transition(placement, step, by=company_user, reason="alasan")
    before = statuses(placement)
    with refused("bad_transition"):
        services.transition(placement, refused_step, by=company_user, reason="alasan")
    assert statuses(placement) == before


@pytest.mark.parametrize("status", ["paused", "stopped"])
def test_pause_and_stop_need_a_reason(trained, offer, company_user, status):
    placement = running(trained[0], offer, company_user)
    with refused("reason_required"):
        services.transition(placement, status, by=company_user, reason="   ")
    placement.refresh_from_db()
    assert placement.status == "active"


def test_a_draft_may_be_stopped_without_starting(trained, offer, company_user):
    placement = placed(trained[0], offer, company_user)
    services.transition(placement, "stopped", by=company_user, reason="batal", on=D(2025, 6, 20))
    placement.refresh_from_db()
    assert (placement.status, placement.started_on, placement.ended_on) == ("stopped", None, D(2025, 6, 20))


def test_a_signed_scan_signs_the_draft(trained, offer, company_user):
    placement = placed(trained[0], offer, company_user)
    services.upload_signed_scan(placement, SimpleUploadedFile("perjanjian.pdf", PDF), by=company_user)
    placement.refresh_from_db()
    assert placement.status == "signed"
    assert placement.signed_scan.name.endswith(".pdf") and placement.signed_scan_sha256
    assert placement.signed_scan_uploaded_at is not None
    assert statuses(placement)[-1] == ("draft", "signed", "signed scan uploaded")
    # A second scan of a signed agreement replaces the file; the status stays.
    services.upload_signed_scan(placement, SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
                                by=company_user)
    placement.refresh_from_db()
    assert placement.status == "signed" and placement.signed_scan.name.endswith(".png")


def test_a_text_file_named_pdf_is_refused(trained, offer, company_user):
    placement = placed(trained[0], offer, company_user)
    with refused("document_type"):
        services.upload_signed_scan(placement, SimpleUploadedFile("perjanjian.pdf", b"bukan PDF, hanya teks"),
                                    by=company_user)
    placement.refresh_from_db()
    assert (placement.status, placement.signed_scan.name, placement.signed_scan_sha256) == ("draft", "", "")


# --- change of company ----------------------------------------------------------------------------


@pytest.fixture
def other_offer(other_company, programme_year):
    return make_offer(other_company, programme_year, title="Mekanik Ritel", slots=1, locations=("64.74",))


def test_transfer_stops_the_old_and_links_the_new(trained, offer, other_offer, operator_balikpapan):
    old = running(trained[0], offer, operator_balikpapan)
    new = services.transfer(old, other_offer, reason="perusahaan tutup", by=operator_balikpapan,
                            start_date=D(2025, 9, 1))
    old.refresh_from_db()
    assert (old.status, old.ended_on) == ("stopped", D(2025, 9, 1))
    assert "perusahaan tutup" in old.status_reason
    assert (new.status, new.source, new.previous, new.company) == ("draft", "transfer", old, other_offer.company)
    assert new.start_date == D(2025, 9, 1) and new.person == trained[0]
    assert old.next == new


def test_transfer_refusals(trained, offer, other_offer, company, programme_year, operator_balikpapan):
    old = running(trained[0], offer, operator_balikpapan)
    with refused("reason_required"):
        services.transfer(old, other_offer, reason=" ", by=operator_balikpapan)
    with refused("transfer_same_company"):
        services.transfer(old, make_offer(company, programme_year, title="Sama"), reason="pindah",
                          by=operator_balikpapan)
    placed(trained[1], other_offer, operator_balikpapan)  # its only slot
    with refused("offer_full"):
        services.transfer(old, other_offer, reason="pindah", by=operator_balikpapan)
    old.refresh_from_db()
    assert old.status == "active"  # the stop is rolled back with the refused new placement
    draft = placed(trained[2], offer, operator_balikpapan)
    with refused("not_running"):
        services.transfer(draft, other_offer, reason="pindah", by=operator_balikpapan)


# --- logbook --------------------------------------------------------------------------------------


@pytest.fixture
def apprenticeship(trained, apprentice_user, offer, company_user):
    """trained[0] (with an account) running in ``offer`` since Tuesday 1 July 2025."""
    return running(trained[0], offer, company_user)


FIRST_WEEK, WRITTEN_ON = D(2025, 7, 7), D(2025, 7, 20)


def write(placement, by, *, week=FIRST_WEEK, today=WRITTEN_ON, practice=32, theory=8, text="Servis"):
    return services.write_week(placement, week_start=week, activities=text, practice_hours=practice,
                               theory_hours=theory, by=by, today=today)


def test_write_a_week(apprenticeship, apprentice_user):
    entry = write(apprenticeship, apprentice_user, week=D(2025, 7, 10))  # a Thursday
    assert entry.week_start == D(2025, 7, 7)  # its Monday
    assert (entry.practice_hours, entry.theory_hours, entry.activities) == (32, 8, "Servis")
    again = write(apprenticeship, apprentice_user, week=D(2025, 7, 13), text="Servis dan ganti oli")
    assert again.pk == entry.pk and LogbookEntry.objects.count() == 1
    assert again.activities == "Servis dan ganti oli"


def test_only_the_apprentice_writes(apprenticeship, company_user, other_company_user):
    for user in (company_user, other_company_user):
        with refused("not_your_placement"):
            write(apprenticeship, user)


def test_a_person_without_account_has_no_logbook_writer(trained, offer, company_user):
    placement = running(trained[1], offer, company_user)
    with refused("not_your_placement"):
        write(placement, company_user)


@pytest.mark.parametrize(("week", "today", "ok"), [
    (D(2025, 6, 30), D(2025, 7, 2), True),  # the week of the start (a Tuesday)
    (D(2025, 6, 29), D(2025, 7, 2), False),  # the Sunday before
    (D(2025, 6, 23), D(2025, 7, 20), False),  # before the start
    (D(2025, 7, 14), D(2025, 7, 14), True),  # this week
    (D(2025, 7, 20), D(2025, 7, 14), True),  # this week's Sunday
    (D(2025, 7, 21), D(2025, 7, 20), False),  # next week
    (D(2025, 12, 29), D(2026, 2, 1), True),  # the week of the end (31 December)
    (D(2026, 1, 5), D(2026, 2, 1), False),  # after the end
])
def test_the_week_must_be_within_the_apprenticeship_and_not_in_the_future(apprenticeship, apprentice_user, week,
                                                                          today, ok):
    if ok:
        write(apprenticeship, apprentice_user, week=week, today=today)
    else:
        with refused("week_outside"):
            write(apprenticeship, apprentice_user, week=week, today=today)


def test_week_contents_are_checked(apprenticeship, apprentice_user):
    write(apprenticeship, apprentice_user, practice=50, theory=10)
    with refused("hours_too_many"):
        write(apprenticeship, apprentice_user, practice=50, theory=11)
    with refused("activities_required"):
        write(apprenticeship, apprentice_user, text="   ")


def test_a_paused_apprenticeship_has_a_logbook_a_stopped_one_not(apprenticeship, apprentice_user, company_user):
    services.transition(apprenticeship, "paused", by=company_user, reason="cuti")
    write(apprenticeship, apprentice_user)
    services.transition(apprenticeship, "stopped", by=company_user, reason="keluar")
    with refused("not_running"):
        write(apprenticeship, apprentice_user, week=D(2025, 7, 14))


def test_confirm_a_week(apprenticeship, apprentice_user, company_user, mentor, other_company_user):
    entry = write(apprenticeship, apprentice_user)
    for outsider in (apprentice_user, other_company_user):
        with refused("not_mentor"):
            services.confirm_week(entry, by=outsider)
    services.confirm_week(entry, by=company_user, note=" Baik ")
    entry.refresh_from_db()
    assert entry.is_confirmed and entry.confirmed_by == company_user and entry.mentor_note == "Baik"
    with refused("week_confirmed"):
        services.confirm_week(entry, by=company_user)
    with refused("week_confirmed"):
        write(apprenticeship, apprentice_user, text="diubah")
    entry.refresh_from_db()
    assert entry.activities == "Servis"


def test_a_mentor_with_an_account_confirms(apprenticeship, apprentice_user, mentor):
    mentor.user = make_user("joko@tambangmaju.test", full_name="Joko Widodo")  # no company membership
    mentor.save()
    entry = write(apprenticeship, apprentice_user)
    services.confirm_week(entry, by=mentor.user)
    entry.refresh_from_db()
    assert entry.confirmed_by == mentor.user


def test_a_mentor_no_longer_active_does_not_confirm(apprenticeship, apprentice_user, mentor):
    mentor.user = make_user("joko@tambangmaju.test", full_name="Joko Widodo")
    mentor.is_active = False
    mentor.save()
    entry = write(apprenticeship, apprentice_user)
    with refused("not_mentor"):
        services.confirm_week(entry, by=mentor.user)


def test_flagged_after_exactly_21_days_without_a_confirmed_week(trained, offer, apprentice_user, company_user):
    placement = running(trained[0], offer, company_user)  # started 1 July

    def flagged(today):
        return list(services.flagged(Placement.objects.all(), today=today).values_list("pk", flat=True))

    assert flagged(JULY + datetime.timedelta(days=20)) == []
    assert flagged(JULY + datetime.timedelta(days=21)) == [placement.pk]
    # A written but unconfirmed week does not help; a confirmed one does, from the end of that week.
    entry = write(placement, apprentice_user, week=D(2025, 7, 7), today=D(2025, 7, 22))
    assert flagged(D(2025, 7, 22)) == [placement.pk]
    services.confirm_week(entry, by=company_user)
    after_week = D(2025, 7, 14)
    assert flagged(after_week + datetime.timedelta(days=20)) == []
    assert flagged(after_week + datetime.timedelta(days=21)) == [placement.pk]
    # Only a running apprenticeship is flagged.
    services.transition(placement, "paused", by=company_user, reason="sakit")
    assert flagged(D(2025, 12, 1)) == []


def test_flagged_agrees_with_the_rule(trained, offer, apprentice_user, company_user):
    from kompeten.apprenticeships import rules

    placement = running(trained[0], offer, company_user)
    entry = write(placement, apprentice_user, week=D(2025, 7, 7), today=D(2025, 7, 8))
    services.confirm_week(entry, by=company_user)
    for days in range(0, 60, 3):
        today = JULY + datetime.timedelta(days=days)
        expected = rules.is_flagged(today=today, started_on=JULY, last_confirmed_week=D(2025, 7, 7))
        assert services.flagged(Placement.objects.all(), today=today).exists() == expected, today


# --- completion -----------------------------------------------------------------------------------


def test_passed_gives_a_certificate_of_apprenticeship(trained, offer, company_user):
    placement = running(trained[0], offer, company_user)
    cert = services.complete(placement, passed=True, score=86, notes=" Baik ", by=company_user, on=D(2025, 12, 31))
    placement.refresh_from_db()
    assert (placement.status, placement.final_passed, placement.final_score, placement.final_notes) == (
        "completed", True, 86, "Baik")
    assert placement.ended_on == D(2025, 12, 31) and placement.final_by == company_user
    assert cert.kind == "apprenticeship" and cert.placement == placement and cert.person == trained[0]
    assert cert.number and cert.issued_on == D(2025, 12, 31)
    assert cert.centre_name == offer.company.name
    with refused("already_assessed"):
        services.complete(placement, passed=True, score=90, notes="", by=company_user)
    assert Certificate.objects.filter(placement=placement).count() == 1


def test_not_passed_completes_without_a_certificate(trained, offer, company_user):
    placement = running(trained[0], offer, company_user)
    assert services.complete(placement, passed=False, score=40, notes="", by=company_user) is None
    placement.refresh_from_db()
    assert (placement.status, placement.final_passed) == ("completed", False)
    assert not Certificate.objects.filter(placement=placement).exists()
    with refused("already_assessed"):
        services.complete(placement, passed=True, score=70, notes="", by=company_user)


def test_completion_needs_a_running_apprenticeship_and_a_score_in_range(trained, offer, company_user):
    draft = placed(trained[0], offer, company_user)
    with refused("not_running"):
        services.complete(draft, passed=True, score=80, notes="", by=company_user)
    active = running(trained[1], offer, company_user)
    with refused("score_range"):
        services.complete(active, passed=True, score=101, notes="", by=company_user)
    paused = running(trained[2], offer, company_user)
    services.transition(paused, "paused", by=company_user, reason="cuti")
    services.complete(paused, passed=True, score=None, notes="", by=company_user)


# --- the year's target ----------------------------------------------------------------------------


def test_target_progress(trained, offer, other_offer, programme_year, company, operator_balikpapan):
    from kompeten.programmes.models import Target

    Target.objects.create(programme_year=programme_year, kind="apprentices_placed", number=25)
    extra = make_offer(company, programme_year, title="Cadangan", slots=6)
    others = [person(50 + i) for i in range(4)]

    done = running(trained[0], offer, operator_balikpapan)
    services.complete(done, passed=True, score=80, notes="", by=operator_balikpapan)
    failed = running(trained[1], offer, operator_balikpapan)
    services.complete(failed, passed=False, score=30, notes="", by=operator_balikpapan)
    moved = running(trained[2], offer, operator_balikpapan)
    new = services.transfer(moved, other_offer, reason="pindah", by=operator_balikpapan, start_date=D(2025, 9, 1))
    services.transition(new, "signed", by=operator_balikpapan)
    services.transition(new, "active", by=operator_balikpapan)
    dropped = running(others[0], extra, operator_balikpapan)
    services.transition(dropped, "stopped", by=operator_balikpapan, reason="keluar")
    paused = running(others[1], extra, operator_balikpapan)
    services.transition(paused, "paused", by=operator_balikpapan, reason="sakit")
    placed(others[2], extra, operator_balikpapan)  # waiting: agreement drafted
    cancelled = placed(others[3], extra, operator_balikpapan)
    services.transition(cancelled, "stopped", by=operator_balikpapan, reason="batal sebelum mulai")

    progress = services.target_progress(programme_year)
    assert progress == {
        "target": 25,
        "slots": 4 + 1 + 6,
        # done, failed, the transferred person (once), dropped (stopped counts: it started), paused; not the
        # waiting one nor the one cancelled before the start.
        "placed": 5,
        "running": 2,  # the transferred person's new placement and the paused one
        "waiting": 1,
        "completed": 1,  # passed only
        "stopped": 2,  # the drop-out and the cancelled one (a transfer's old placement is a change, not a stop)
    }


def test_target_progress_without_target(programme_year):
    assert services.target_progress(programme_year) == {"target": None, "slots": 0, "placed": 0, "running": 0,
                                                        "waiting": 0, "completed": 0, "stopped": 0}
