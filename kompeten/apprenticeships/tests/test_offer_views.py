"""The offer pages: from a company's registration to an approved offer over HTTP (the authority recorded from
the offer's places), the Permenaker 6/2020 limits next to their fields, drafts only edited, who sees what (404,
never 403), and the company's view of its applicants: decisions, ranking, the read-only outcome after matching,
and never a candidate's NIK, date of birth, street address, phone or email."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_person
from kompeten.apprenticeships.models import Application, Company, Offer
from kompeten.apprenticeships.tests.conftest import make_offer
from kompeten.apprenticeships.views.offers import age_band, rupiah
from kompeten.audit.models import AuditEntry
from kompeten.reference.models import Kbji, Kbli

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Magang-Kaltim-2025!"


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def offer_data(**changes) -> dict:
    data = {
        "title": "Mekanik Alat Berat", "occupation": Kbji.objects.filter(code__startswith="7233").first().pk,
        "description": "Perawatan unit dump truck", "slots": "4", "start_date": "2025-07-01", "months": "6",
        "theory_percent": "20", "hours_per_week": "40", "locations": ["64.71"], "address": "Jl. Industri 5",
        "allowance": "Rp2.500.000", "insurance": "on", "min_education": "", "scheme": "", "min_age": "18",
        "max_age": "", "criterion_1": "certificate", "criterion_2": "vocation", "criterion_3": "nearby",
    }
    data.update(changes)
    return data


def registration() -> dict:
    return {
        "name": "PT Bengkel Mahakam", "nib": "1234567890123", "sector": "mining",
        "kbli": str(Kbli.objects.order_by("code").first().pk), "region": "64.71", "employees": "50",
        "address": "Jl. Mulawarman 10", "email": "", "phone": "", "full_name": "Rudi Hartono",
        "user_email": "rudi@bengkelmahakam.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    }


# --- the whole way, over HTTP ---------------------------------------------------------------------


def test_registered_company_offers_after_verification_and_the_authority_is_recorded(
        client, province_admin, programme_year, matching_round):
    client.post(reverse("apprenticeships:company_register"), registration())
    company = Company.objects.get(name="PT Bengkel Mahakam")
    owner = company.memberships.get().user
    assert company.status == "pending"

    # Pending: no offer, and the page says why.
    response = client.get(reverse("apprenticeships:offer_create"))
    assert response.status_code == 200
    assert "is not verified yet" in page(response)
    client.post(reverse("apprenticeships:offer_create"), offer_data())
    assert not Offer.objects.exists()
    # A draft made meanwhile (by an import, say) cannot be submitted either.
    draft = make_offer(company, programme_year, status="draft", slots=2)
    response = client.post(reverse("apprenticeships:offer_submit", args=[draft.pk]), follow=True)
    assert any("is not verified yet" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == "draft"
    draft.delete()

    # The province verifies.
    client.force_login(province_admin)
    client.post(reverse("apprenticeships:company_verify", args=[company.pk]), {"verify-note": ""})
    company.refresh_from_db()
    assert company.status == "verified"

    # The company drafts an offer within the limits (10 slots = 20 % of 50 employees) and submits it.
    client.force_login(owner)
    response = client.post(reverse("apprenticeships:offer_create"), offer_data(slots="10"))
    offer = Offer.objects.get()
    assert response["Location"] == reverse("apprenticeships:offer_detail", args=[offer.pk])
    assert (offer.status, offer.company, offer.programme_year, offer.allowance) == (
        "draft", company, programme_year, 2_500_000)
    assert offer.criteria == ["certificate", "vocation", "nearby"]
    assert list(offer.locations.values_list("code", flat=True)) == ["64.71"]
    assert offer.created_by == owner
    assert AuditEntry.objects.filter(object_type="apprenticeships.offer", action="create").exists()
    client.post(reverse("apprenticeships:offer_submit", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == "submitted"

    # The province sees it waiting first, and records the approval of the regency's Disnaker.
    client.force_login(province_admin)
    listing = client.get(reverse("apprenticeships:offer_list"))
    assert [o.pk for o in listing.context["queue"]] == [offer.pk]
    response = client.post(reverse("apprenticeships:offer_approve", args=[offer.pk]), {
        "approve-approval_number": "560/123/DISNAKER-BPP/2025", "approve-matching_round": matching_round.pk})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.authority, offer.authority_region_id) == ("approved", "regency", "64.71")
    assert offer.approval_number == "560/123/DISNAKER-BPP/2025"
    assert offer.matching_round == matching_round
    detail = page(client.get(reverse("apprenticeships:offer_detail", args=[offer.pk])))
    assert "Regency / city Disnaker Kota Balikpapan" in detail
    assert "560/123/DISNAKER-BPP/2025" in detail
    assert "Rp2.500.000" in detail


def test_an_offer_in_two_regencies_is_approved_by_the_province(client, province_admin, company, programme_year):
    offer = make_offer(company, programme_year, status="submitted", locations=("64.71", "64.72"))
    client.force_login(province_admin)

    client.post(reverse("apprenticeships:offer_approve", args=[offer.pk]),
                {"approve-approval_number": "560/77/DISNAKERTRANS/2025"})

    offer.refresh_from_db()
    assert (offer.status, offer.authority, offer.authority_region_id) == ("approved", "province", "64")
    assert offer.matching_round is None
    detail = page(client.get(reverse("apprenticeships:offer_detail", args=[offer.pk])))
    assert "Province Disnakertrans Kalimantan Timur" in detail


def test_approval_needs_the_letter_number_and_rejection_a_reason(client, province_admin, company, programme_year):
    offer = make_offer(company, programme_year, status="submitted")
    client.force_login(province_admin)

    response = client.post(reverse("apprenticeships:offer_approve", args=[offer.pk]),
                           {"approve-approval_number": ""}, follow=True)
    assert any("Approval letter number" in m for m in messages_of(response))
    client.post(reverse("apprenticeships:offer_reject", args=[offer.pk]), {"reject-reason": ""})
    offer.refresh_from_db()
    assert offer.status == "submitted"

    client.post(reverse("apprenticeships:offer_reject", args=[offer.pk]), {"reject-reason": "Uang saku di bawah UMK"})
    offer.refresh_from_db()
    assert (offer.status, offer.decision_note) == ("rejected", "Uang saku di bawah UMK")


# --- the limits, next to their fields -------------------------------------------------------------


def _error_is_at(html: str, field: str, next_field: str, text: str) -> bool:
    """``text`` comes after the input of ``field`` and before the next field's input."""
    start, end = html.index(f'name="{field}"'), html.index(f'name="{next_field}"')
    return start < html.index(text, start) < end


def test_offers_beyond_the_permenaker_limits_are_refused_next_to_the_field(client, company_user, company,
                                                                         programme_year):
    client.force_login(company_user)

    response = client.post(reverse("apprenticeships:offer_create"),
                           offer_data(slots="41", months="13", theory_percent="30"))

    assert response.status_code == 200
    assert not Offer.objects.exists()
    errors = response.context["form"].errors
    assert errors["slots"] == ["A company may take apprentices up to 20 % of its employees: 40 for 200 employees. "
                               "This offer's 41 slots and the 0 of its other offers in the same period make 41."]
    assert errors["months"] == ["An apprenticeship lasts at most 12 months (Permenaker 6/2020); this one lasts 13."]
    assert errors["theory_percent"] == ["Theory must take 10–25 % of the time (Permenaker 6/2020); this offer has "
                                        "30 %."]
    html = page(response)
    assert _error_is_at(html, "slots", "start_date", "up to 20 %")
    assert _error_is_at(html, "months", "theory_percent", "at most 12 months")
    assert _error_is_at(html, "theory_percent", "hours_per_week", "10–25 %")


def test_the_20_percent_counts_the_other_offers_of_the_same_period(client, company_user, company, programme_year):
    make_offer(company, programme_year, slots=30, status="approved", start=datetime.date(2025, 3, 1), months=6)
    client.force_login(company_user)

    response = client.post(reverse("apprenticeships:offer_create"), offer_data(slots="11"))
    assert "make 41" in response.context["form"].errors["slots"][0]

    response = client.post(reverse("apprenticeships:offer_create"), offer_data(slots="10"))
    assert response.status_code == 302


def test_an_offer_needs_a_place_and_an_open_programme_year(client, company_user, company, programme_year):
    client.force_login(company_user)
    response = client.post(reverse("apprenticeships:offer_create"),
                           offer_data(locations=[], start_date="2031-01-05"))
    errors = response.context["form"].errors
    assert errors["locations"] == ["Choose at least one regency or city where the apprenticeship takes place."]
    assert "no programme year 2031" in errors["start_date"][0]


def test_a_user_of_two_companies_chooses_the_company_and_its_mentors(client, company_user, company, other_company,
                                                                     mentor, programme_year):
    from kompeten.accounts.models import Membership

    Membership.objects.create(user=company_user, role="company_user", company=other_company)
    client.force_login(company_user)
    assert "company" in client.get(reverse("apprenticeships:offer_create")).context["form"].fields

    response = client.post(reverse("apprenticeships:offer_create"),
                           offer_data(company=other_company.pk, mentors=[mentor.pk]))
    assert response.context["form"].errors["mentors"] == ["Choose mentors of PT Ritel Sejahtera."]

    response = client.post(reverse("apprenticeships:offer_create"), offer_data(company=other_company.pk))
    assert response.status_code == 302
    assert Offer.objects.get().company == other_company


def test_only_drafts_are_edited_and_the_change_is_audited(client, company_user, company, programme_year, mentor):
    draft = make_offer(company, programme_year, status="draft", slots=4)
    approved = make_offer(company, programme_year, title="Juru Las", status="approved")
    client.force_login(company_user)

    response = client.get(reverse("apprenticeships:offer_edit", args=[approved.pk]), follow=True)
    assert any("Only a draft offer" in m for m in messages_of(response))

    url = reverse("apprenticeships:offer_edit", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, offer_data(slots="6", mentors=[mentor.pk], locations=["64.71", "64.74"]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.slots == 6
    assert set(draft.locations.values_list("code", flat=True)) == {"64.71", "64.74"}
    entry = AuditEntry.objects.get(object_type="apprenticeships.offer", object_id=str(draft.pk), action="update")
    assert entry.changes["slots"] == [4, 6]
    assert entry.changes["locations"] == [["64.71"], ["64.71", "64.74"]]


def test_company_closes_its_approved_offer(client, company_user, offer):
    client.force_login(company_user)
    assert client.get(reverse("apprenticeships:offer_close", args=[offer.pk])).status_code == 405
    client.post(reverse("apprenticeships:offer_close", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == "closed"


# --- who sees what --------------------------------------------------------------------------------


def test_the_list_is_scoped(client, company_user, other_company_user, job_seeker, company, other_company,
                            programme_year, django_assert_max_num_queries):
    own_draft = make_offer(company, programme_year, title="Draf Sendiri", status="draft")
    approved = make_offer(company, programme_year, title="Disetujui", status="approved")
    other_draft = make_offer(other_company, programme_year, title="Draf Lain", status="draft")
    other_approved = make_offer(other_company, programme_year, title="Kasir Ritel", status="approved",
                                locations=("64.74",))

    def listed(user, **query):
        client.force_login(user)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("apprenticeships:offer_list"), query)
        return {o.pk for o in response.context["page"]}

    assert listed(company_user) == {own_draft.pk, approved.pk, other_approved.pk}
    assert listed(other_company_user) == {approved.pk, other_draft.pk, other_approved.pk}
    assert listed(job_seeker) == {approved.pk, other_approved.pk}
    assert listed(job_seeker, status="draft") == {approved.pk, other_approved.pk}  # not a choice: ignored
    assert listed(company_user, sector="trade") == {other_approved.pk}
    assert listed(company_user, status="draft") == {own_draft.pk}


def test_the_round_filter(client, job_seeker, offer, company, programme_year):
    make_offer(company, programme_year, title="Tanpa Putaran", status="approved")
    client.force_login(job_seeker)
    response = client.get(reverse("apprenticeships:offer_list"), {"round": offer.matching_round_id})
    assert [o.pk for o in response.context["page"]] == [offer.pk]


@pytest.fixture
def applicants(offer, trained):
    """The three trained persons applied to ``offer`` (Andi first choice, Dewi second, Eko first)."""
    return [Application.objects.create(person=person, offer=offer, rank=rank)
            for person, rank in zip(trained, (1, 2, 1), strict=True)]


def test_other_companies_get_404_on_this_company_s_offers(client, other_company_user, company, programme_year,
                                                          offer, applicants):
    draft = make_offer(company, programme_year, status="draft")
    client.force_login(other_company_user)
    assert client.get(reverse("apprenticeships:offer_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("apprenticeships:offer_detail", args=[offer.pk])).status_code == 200  # approved
    for name, pk in [("offer_edit", draft.pk), ("offer_applicants", offer.pk),
                     ("applicant_detail", applicants[0].pk)]:
        assert client.get(reverse(f"apprenticeships:{name}", args=[pk])).status_code == 404
    for name, pk in [("offer_submit", draft.pk), ("offer_close", offer.pk), ("offer_applicants", offer.pk),
                     ("applicant_detail", applicants[0].pk)]:
        assert client.post(reverse(f"apprenticeships:{name}", args=[pk]), {"decision": "rejected"}).status_code == 404
    draft.refresh_from_db()
    offer.refresh_from_db()
    assert (draft.status, offer.status) == ("draft", "approved")
    assert not Application.objects.exclude(decision="pending").exists()


def test_job_seekers_see_approved_offers_only(client, job_seeker, apprentice_user, company, programme_year, offer,
                                              applicants):
    draft = make_offer(company, programme_year, status="submitted")
    client.force_login(job_seeker)
    assert client.get(reverse("apprenticeships:offer_detail", args=[offer.pk])).status_code == 200
    assert client.get(reverse("apprenticeships:offer_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("apprenticeships:offer_create")).status_code == 404
    assert client.get(reverse("apprenticeships:offer_applicants", args=[offer.pk])).status_code == 404
    # Not even their own application, on the company's page of it.
    client.force_login(apprentice_user)
    assert client.get(reverse("apprenticeships:applicant_detail", args=[applicants[0].pk])).status_code == 404


@pytest.mark.parametrize("name", ["offer_approve", "offer_reject"])
def test_only_the_province_decides_on_offers(client, company_user, company, programme_year, name):
    offer = make_offer(company, programme_year, status="submitted")
    client.force_login(company_user)
    response = client.post(reverse(f"apprenticeships:{name}", args=[offer.pk]),
                           {"approve-approval_number": "1", "reject-reason": "x"})
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == "submitted"


@pytest.mark.parametrize("name", ["offer_list", "offer_create", "offer_detail", "offer_edit", "offer_submit",
                                  "offer_approve", "offer_reject", "offer_close", "offer_applicants",
                                  "applicant_detail"])
def test_anonymous_users_are_sent_to_login(client, offer, applicants, name):
    args = {"offer_list": [], "offer_create": [], "applicant_detail": [applicants[0].pk]}.get(name, [offer.pk])
    url = reverse(f"apprenticeships:{name}", args=args)
    response = client.post(url) if name in ("offer_submit", "offer_approve", "offer_reject", "offer_close") \
        else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- applicants -----------------------------------------------------------------------------------


def test_company_sees_its_applicants_profiles(client, company_user, offer, applicants, completed_batch):
    client.force_login(company_user)
    response = client.get(reverse("apprenticeships:offer_applicants", args=[offer.pk]))

    assert response.status_code == 200
    html = page(response)
    for name in ("Andi Pratama", "Dewi Lestari", "Eko Saputra"):
        assert name in html
    andi = response.context["rows"][0][0]
    assert andi.profile["age_band"] == age_band(andi.person.age_on(timezone.localdate()))
    assert andi.profile["trainings"] == [{"vocation": completed_batch.package.vocation.name,
                                          "centre": completed_batch.centre.short_name, "year": 2025}]
    assert completed_batch.package.vocation.name in html
    assert completed_batch.centre.short_name in html


def test_applicants_competency_certificates_are_shown(client, company_user, offer, applicants, candidates,
                                                      assessor, lsp_admin):
    from kompeten.certificates import services as certificates
    from kompeten.certificates.tests.helpers import approve_all, at

    approved = approve_all(candidates, assessor, lsp_admin)
    certificate = certificates.issue_competency(approved[0], issued_at=at(2025, 5, 10))
    client.force_login(company_user)

    response = client.get(reverse("apprenticeships:applicant_detail", args=[
        next(a.pk for a in applicants if a.person_id == certificate.person_id)]))

    assert response.context["application"].profile["certificates"] == [
        {"title": certificate.title, "number": certificate.number}]
    html = page(response)
    assert certificate.number in html
    assert certificate.holder_id not in html


def test_company_decides_and_ranks(client, company_user, offer, applicants):
    andi, dewi, eko = applicants
    client.force_login(company_user)
    url = reverse("apprenticeships:offer_applicants", args=[offer.pk])

    response = client.post(url, {
        f"decision_{andi.pk}": "accepted", f"rank_{andi.pk}": "2",
        f"decision_{dewi.pk}": "rejected", f"rank_{dewi.pk}": "",
        f"decision_{eko.pk}": "accepted", f"rank_{eko.pk}": "1",
    })

    assert response.status_code == 302
    for application in applicants:
        application.refresh_from_db()
    assert (andi.decision, andi.company_rank) == ("accepted", 2)
    assert (dewi.decision, dewi.company_rank) == ("rejected", None)
    assert (eko.decision, eko.company_rank) == ("accepted", 1)
    listed = client.get(url)
    assert [row[0].pk for row in listed.context["rows"]] == [eko.pk, andi.pk, dewi.pk]
    assert AuditEntry.objects.filter(object_type="apprenticeships.offer", object_id=str(offer.pk)).exists()

    # Un-ranking Andi keeps him accepted, without a rank.
    client.post(url, {f"decision_{andi.pk}": "accepted", f"rank_{andi.pk}": "",
                      f"decision_{dewi.pk}": "rejected", f"rank_{dewi.pk}": "",
                      f"decision_{eko.pk}": "accepted", f"rank_{eko.pk}": "1"})
    andi.refresh_from_db()
    assert (andi.decision, andi.company_rank) == ("accepted", None)


def test_ranking_errors_are_shown_next_to_the_rank(client, company_user, offer, applicants):
    andi, dewi, eko = applicants
    client.force_login(company_user)

    response = client.post(reverse("apprenticeships:offer_applicants", args=[offer.pk]), {
        f"decision_{andi.pk}": "accepted", f"rank_{andi.pk}": "1",
        f"decision_{dewi.pk}": "rejected", f"rank_{dewi.pk}": "2",
        f"decision_{eko.pk}": "accepted", f"rank_{eko.pk}": "1",
    })

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[f"rank_{andi.pk}"] == ["Rank 1 is given twice."]
    assert errors[f"rank_{eko.pk}"] == ["Rank 1 is given twice."]
    assert "Only an accepted applicant is ranked" in errors[f"rank_{dewi.pk}"][0]
    assert not Application.objects.exclude(decision="pending").exists()


def test_decision_on_one_applicant(client, province_admin, offer, applicants):
    client.force_login(province_admin)
    url = reverse("apprenticeships:applicant_detail", args=[applicants[1].pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"decision": "rejected", "note": "Belum 18 tahun saat mulai"})

    assert response["Location"] == reverse("apprenticeships:offer_applicants", args=[offer.pk])
    applicants[1].refresh_from_db()
    assert (applicants[1].decision, applicants[1].decision_note) == ("rejected", "Belum 18 tahun saat mulai")


def test_after_matching_the_page_is_read_only_with_the_outcome(client, company_user, offer, applicants):
    andi, dewi, eko = applicants
    Application.objects.filter(pk=andi.pk).update(outcome="placed", explanation={"position": 1})
    Application.objects.filter(pk=dewi.pk).update(outcome="excluded", explanation={"reasons": ["too_young"]})
    Application.objects.filter(pk=eko.pk).update(outcome="not_placed", explanation={"lower_choice": True})
    offer.matching_round.status = "matched"
    offer.matching_round.save(update_fields=["status"])
    client.force_login(company_user)
    url = reverse("apprenticeships:offer_applicants", args=[offer.pk])

    response = client.get(url)
    assert response.context["form"] is None
    html = page(response)
    assert "Placed" in html and "younger than the minimum age" in html
    assert "<select" not in html.split("<main", 1)[1].split("</main>", 1)[0]

    response = client.post(url, {f"decision_{andi.pk}": "rejected"}, follow=True)
    assert any("can no longer change" in m for m in messages_of(response))
    response = client.post(reverse("apprenticeships:applicant_detail", args=[andi.pk]), {"decision": "rejected"})
    andi.refresh_from_db()
    assert andi.decision == "pending"


# --- never the candidate's identifying data -------------------------------------------------------


def test_applicant_pages_never_show_nik_birth_date_address_phone_or_email(client, company_user, offer):
    birth = datetime.date(1999, 3, 12)
    person = make_person(full_name="Nur Aisyah", sex="P", birth_date=birth, serial=77, village_id="64.71.05.1002",
                         street="Jl. Melati Gg. Mawar No. 7", rt="004", rw="011", phone="+6281234567890",
                         email="nur.aisyah@example.test", birth_place="Samarinda")
    application = Application.objects.create(person=person, offer=offer, rank=1)
    client.force_login(company_user)

    pages = [page(client.get(reverse("apprenticeships:offer_applicants", args=[offer.pk]))),
             page(client.get(reverse("apprenticeships:applicant_detail", args=[application.pk])))]

    forbidden = [
        person.nik, person.nik[:12], person.nik[6:12],
        "1999-03-12", "12-03-1999", "12/03/1999", "12.03.1999", "12 March 1999", "12 Maret 1999", "March 12, 1999",
        "12 Mar 1999", "120399", "1999",
        "Jl. Melati", "Gg. Mawar", "+6281234567890", "081234567890", "0812-3456-7890", "81234567890",
        "nur.aisyah@example.test", "Samarinda", "Sepinggan",
    ]
    for html in pages:
        assert "Nur Aisyah" in html
        assert "Kota Balikpapan" in html  # the regency of domicile, not the address
        assert age_band(person.age_on(timezone.localdate())) in html
        for text in forbidden:
            assert text not in html, text


def test_rupiah():
    assert rupiah(2_500_000) == "Rp2.500.000"
    assert rupiah(750) == "Rp750"
