"""Vacancy pages: posting (the company of a verified company, the province admin), the scoped list, the shortlist
of consenting candidates with the reasons of each score, inviting, the company's page of a candidate (no NIK,
birth date, address, phone or email until the candidate accepts; never the NIK), hires, and 404 for another
company's user."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_person, make_user
from kompeten.apprenticeships.models import Company
from kompeten.jobs import services
from kompeten.jobs.models import Hire, Invitation, Outcome, Vacancy
from kompeten.reference.models import Kbji
from kompeten.registry.models import Consent
from kompeten.registry.services import record_consent

TODAY = timezone.localdate()
BIRTH = datetime.date(1999, 3, 12)


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def consent(person, given=True):
    record_consent(person, purpose=Consent.Purpose.SHARE_COMPANIES, given=given, channel=Consent.Channel.WEB,
                   by=None)


def make_vacancy(company, *, title="Mekanik Sepeda Motor", occupation="7231", region="64.71", vocations=(),
                 number_needed=2, by=None, **extra):
    vacancy = Vacancy(company=company, title=title, occupation=Kbji.objects.get(code=occupation),
                      sector_id=extra.pop("sector_id", "motorcycle_repair"), number_needed=number_needed,
                      valid_from=TODAY - datetime.timedelta(days=5), valid_until=TODAY + datetime.timedelta(days=60),
                      region_id=region, **extra)
    return services.save_vacancy(vacancy, vocations=list(vocations), by=by)


@pytest.fixture
def other_company(db):
    return Company.objects.create(name="PT Ritel Sejahtera", sector_id="trade", status="verified", employees=80,
                                  region_id="64.74")


@pytest.fixture
def other_company_user(other_company):
    return make_user("hrd@ritelsejahtera.test", "company_user", company=other_company, full_name="HRD Ritel")


@pytest.fixture
def trained(completed_batch):
    """The three who completed ``completed_batch`` (BLKI Balikpapan), living in Balikpapan: Andi, Dewi, Eko."""
    persons = [e.person for e in completed_batch.enrolments.select_related("person").order_by("person__full_name")]
    for person in persons:
        person.village_id = "64.71.05.1002"
        person.save(update_fields=["village"])
    return persons


@pytest.fixture
def vocation(completed_batch):
    return completed_batch.package.vocation


@pytest.fixture
def vacancy(company, vocation, company_user):
    return make_vacancy(company, vocations=[vocation], by=company_user)


def vacancy_data(company=None, **changes) -> dict:
    data = {
        "title": "Mekanik Sepeda Motor", "occupation": "7231", "sector": "motorcycle_repair", "kbli": "",
        "number_needed": "3", "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + datetime.timedelta(days=30)).isoformat(), "min_age": "18", "max_age": "35",
        "sex": "", "min_education": "", "vocations": [], "scheme": "", "experience_years": "0",
        "wage_min": "Rp3.500.000", "wage_max": "5.000.000", "region": "64.71", "description": "Bengkel resmi.",
    }
    if company is not None:
        data["company"] = company.pk
    data.update(changes)
    return data


def shortlisted_names(response) -> list[str]:
    return [c["profile"]["name"] for c in response.context["candidates"]]


# --- posting ----------------------------------------------------------------------------------------


def test_company_posts_a_vacancy_and_sees_a_shortlist_of_consenting_candidates_with_reasons(
        client, company_user, trained, vocation):
    andi, dewi, eko = trained
    consent(andi)
    consent(dewi)  # Eko never consented
    client.force_login(company_user)

    response = client.post(reverse("jobs:vacancy_create"), vacancy_data(vocations=[vocation.pk]))
    vacancy = Vacancy.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:vacancy_detail", args=[vacancy.pk])
    assert (vacancy.company.name, vacancy.number_needed, vacancy.wage_min, vacancy.wage_max) == (
        "PT Tambang Maju", 3, 3_500_000, 5_000_000)
    assert vacancy.created_by == company_user and list(vacancy.vocations.all()) == [vocation]

    detail = page(client.get(response.url))
    assert "Rp3.500.000 – Rp5.000.000" in detail and "Kota Balikpapan" in detail

    response = client.get(reverse("jobs:shortlist", args=[vacancy.pk]))
    assert response.status_code == 200
    names = shortlisted_names(response)
    assert set(names) == {"Andi Pratama", "Dewi Lestari"}
    html = page(response)
    assert "Eko Saputra" not in html
    for candidate in response.context["candidates"]:
        assert candidate["reasons"], candidate
        assert any("(+" in reason for reason in candidate["reasons"])
        for reason in candidate["reasons"]:
            assert reason in html.replace("&#x27;", "'")
        assert vocation.name in html  # the training behind the score
    assert html.count('action="' + reverse("jobs:invite", args=[vacancy.pk])) == 2


def test_form_errors_are_next_to_their_fields(client, company_user):
    client.force_login(company_user)
    response = client.post(reverse("jobs:vacancy_create"), vacancy_data(
        valid_until=(TODAY - datetime.timedelta(days=1)).isoformat(), min_age="30", max_age="20",
        wage_min="6000000", wage_max="5000000"))
    assert response.status_code == 200 and not Vacancy.objects.exists()
    form = response.context["form"]
    assert form.errors["valid_until"] == [str(services.MESSAGES["dates_order"])]
    assert form.errors["max_age"] == [str(services.MESSAGES["ages_order"])]
    assert form.errors["wage_max"] == [str(services.MESSAGES["wages_order"])]
    html = page(response)
    assert 'id="id_valid_until"' in html and "is-invalid" in html


def test_unverified_company_cannot_post(client, company, company_user):
    company.status = "pending"
    company.save(update_fields=["status"])
    client.force_login(company_user)

    response = client.get(reverse("jobs:vacancy_create"))
    assert response.status_code == 200 and "not verified yet" in page(response)
    assert response.context.get("form") is None

    response = client.post(reverse("jobs:vacancy_create"), vacancy_data())
    assert response.status_code == 200 and not Vacancy.objects.exists()


def test_province_admin_posts_for_a_company_and_job_seekers_cannot_post(client, province_admin, company,
                                                                         job_seeker):
    client.force_login(province_admin)
    response = client.post(reverse("jobs:vacancy_create"), vacancy_data(company=company))
    vacancy = Vacancy.objects.get()
    assert response.status_code == 302 and vacancy.company == company and vacancy.created_by == province_admin

    client.force_login(job_seeker)
    assert client.get(reverse("jobs:vacancy_create")).status_code == 404
    assert client.post(reverse("jobs:vacancy_create"), vacancy_data(company=company)).status_code == 404
    assert Vacancy.objects.count() == 1


def test_edit_and_close(client, company_user, vacancy):
    client.force_login(company_user)
    url = reverse("jobs:vacancy_edit", args=[vacancy.pk])
    response = client.get(url)
    assert response.status_code == 200 and 'for=""' not in page(response)
    assert "company" not in response.context["form"].fields  # a vacancy stays with its company
    response = client.post(url, vacancy_data(title="Teknisi Sepeda Motor Injeksi", number_needed="5"))
    assert response.status_code == 302
    vacancy.refresh_from_db()
    assert (vacancy.title, vacancy.number_needed) == ("Teknisi Sepeda Motor Injeksi", 5)

    assert client.get(reverse("jobs:vacancy_close", args=[vacancy.pk])).status_code == 405
    response = client.post(reverse("jobs:vacancy_close", args=[vacancy.pk]))
    vacancy.refresh_from_db()
    assert response.status_code == 302 and vacancy.status == "closed"
    response = client.get(url, follow=True)
    assert any("not open" in m for m in messages_of(response))


# --- the list -----------------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(client, company, company_user, other_company, other_company_user,
                                     operator_balikpapan, job_seeker):
    own_open = make_vacancy(company, title="Operator Alat Berat", occupation="7233", sector_id="mining")
    own_closed = make_vacancy(company, title="Juru Las", region="64.72")
    services.close_vacancy(own_closed, by=company_user)
    other_open = make_vacancy(other_company, title="Kasir", region="64.74", sector_id="trade")
    url = reverse("jobs:vacancy_list")

    client.force_login(company_user)  # their own, in every status
    titles = {v.title for v in client.get(url).context["page"]}
    assert titles == {own_open.title, own_closed.title}

    for user in (operator_balikpapan, job_seeker, other_company_user):
        client.force_login(user)
        titles = {v.title for v in client.get(url).context["page"]}
        expected = {own_open.title, other_open.title} if user != other_company_user else {other_open.title}
        assert titles == expected, user

    client.force_login(operator_balikpapan)
    assert [v.title for v in client.get(url, {"region": "64.74"}).context["page"]] == ["Kasir"]
    assert [v.title for v in client.get(url, {"sector": "mining"}).context["page"]] == ["Operator Alat Berat"]
    assert [v.title for v in client.get(url, {"q": "tambang"}).context["page"]] == ["Operator Alat Berat"]
    assert "Juru Las" not in {v.title for v in client.get(url, {"status": "closed"}).context["page"]}
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# --- another company: 404 -----------------------------------------------------------------------------


def test_another_companys_user_gets_404_on_every_page_that_acts_on_the_vacancy(
        client, other_company_user, operator_balikpapan, vacancy, trained):
    andi = trained[0]
    consent(andi)
    invitation = services.invite(vacancy, andi, by=None)
    pages = [
        ("get", reverse("jobs:shortlist", args=[vacancy.pk])),
        ("get", reverse("jobs:vacancy_edit", args=[vacancy.pk])),
        ("post", reverse("jobs:vacancy_edit", args=[vacancy.pk])),
        ("get", reverse("jobs:hire", args=[vacancy.pk])),
        ("post", reverse("jobs:hire", args=[vacancy.pk])),
        ("post", reverse("jobs:vacancy_close", args=[vacancy.pk])),
        ("post", reverse("jobs:invite", args=[vacancy.pk])),
        ("get", reverse("jobs:candidate", args=[invitation.pk])),
    ]
    for user in (other_company_user, operator_balikpapan):
        client.force_login(user)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 404, (user, method, url)
    # The open vacancy itself is public to logged-in users, without the company's tools.
    client.force_login(other_company_user)
    html = page(client.get(reverse("jobs:vacancy_detail", args=[vacancy.pk])))
    assert reverse("jobs:shortlist", args=[vacancy.pk]) not in html and "Andi" not in html
    # A closed vacancy is the company's own business.
    services.close_vacancy(vacancy, by=None)
    assert client.get(reverse("jobs:vacancy_detail", args=[vacancy.pk])).status_code == 404
    vacancy.refresh_from_db()
    assert vacancy.status == "closed" and Invitation.objects.count() == 1


# --- consent --------------------------------------------------------------------------------------------


def test_non_consenting_and_withdrawn_persons_are_never_listed(client, company_user, vacancy, trained):
    andi, dewi, eko = trained
    consent(andi)
    consent(dewi)
    consent(eko, given=False)
    client.force_login(company_user)
    url = reverse("jobs:shortlist", args=[vacancy.pk])
    assert set(shortlisted_names(client.get(url))) == {"Andi Pratama", "Dewi Lestari"}

    invitation = services.invite(vacancy, dewi, by=company_user)
    consent(dewi, given=False)  # Dewi withdraws: her invitation is withdrawn with it
    invitation.refresh_from_db()
    assert invitation.status == "withdrawn"
    response = client.get(url)
    assert shortlisted_names(response) == ["Andi Pratama"]
    assert "Dewi" not in page(response) and "Eko" not in page(response)

    # Her page says only that she withdrew.
    response = client.get(reverse("jobs:candidate", args=[invitation.pk]))
    html = page(response)
    assert response.status_code == 200 and "withdrew" in html
    assert "Dewi" not in html and "Lestari" not in html

    # Nor can she be invited any more.
    response = client.post(reverse("jobs:invite", args=[vacancy.pk]), {"person": eko.pk}, follow=True)
    assert any("not on the vacancy's shortlist" in m for m in messages_of(response))
    assert not Invitation.objects.filter(person=eko).exists()


# --- privacy ------------------------------------------------------------------------------------------


def _forbidden(person) -> list[str]:
    return [
        person.nik, person.nik[:12], person.nik[6:12],
        "1999-03-12", "12-03-1999", "12/03/1999", "12.03.1999", "12 March 1999", "12 Maret 1999",
        "March 12, 1999", "12 Mar 1999", "120399", "1999",
        "Jl. Melati", "Gg. Mawar", "+6281234567890", "081234567890", "0812-3456-7890", "81234567890",
        "nur.aisyah@example.test", "Tenggarong",
    ]


def test_company_sees_no_identifying_data_until_the_candidate_accepts_then_contact_but_never_the_nik(
        client, company_user, vacancy, vocation, completed_batch):
    from kompeten.training.models import Enrolment

    user = make_user("nur@example.test", "job_seeker", full_name="Nur Aisyah")
    person = make_person(full_name="Nur Aisyah", sex="P", birth_date=BIRTH, serial=77, village_id="64.71.05.1002",
                         street="Jl. Melati Gg. Mawar No. 7", rt="004", rw="011", phone="+6281234567890",
                         email="nur.aisyah@example.test", birth_place="Tenggarong", user=user)
    Enrolment.objects.create(batch=completed_batch, person=person, source="operator", status="completed",
                             final_test_passed=True)
    consent(person)
    client.force_login(company_user)

    shortlist = client.get(reverse("jobs:shortlist", args=[vacancy.pk]))
    assert "Nur Aisyah" in shortlisted_names(shortlist)
    response = client.post(reverse("jobs:invite", args=[vacancy.pk]), {"person": person.pk, "message": "Halo"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(person=person)
    assert invitation.sent_by == company_user and invitation.reasons and invitation.score > 0
    before = client.get(reverse("jobs:candidate", args=[invitation.pk]))
    assert before.context["contact"] is None

    pages = [page(shortlist), page(client.get(reverse("jobs:shortlist", args=[vacancy.pk]))), page(before),
             page(client.get(reverse("jobs:vacancy_detail", args=[vacancy.pk])))]
    for html in pages:
        assert "Nur Aisyah" in html
        for text in _forbidden(person):
            assert text not in html, text
    assert "Kota Balikpapan" in page(before) and vocation.name in page(before)

    services.answer_invitation(invitation, accept=True, by=user)
    after = client.get(reverse("jobs:candidate", args=[invitation.pk]))
    html = page(after)
    assert "+6281234567890" in html and "nur.aisyah@example.test" in html and "Jl. Melati Gg. Mawar No. 7" in html
    assert "12 March 1999" in html
    for text in (person.nik, person.nik[:12], person.nik[6:12]):
        assert text not in html
    # The shortlist still shows only the public profile.
    html = page(client.get(reverse("jobs:shortlist", args=[vacancy.pk])))
    for text in _forbidden(person):
        assert text not in html, text


def test_invite_takes_score_and_reasons_from_the_engine_not_the_browser(client, company_user, vacancy, trained):
    andi = trained[0]
    consent(andi)
    client.force_login(company_user)
    client.post(reverse("jobs:invite", args=[vacancy.pk]), {"person": andi.pk, "score": "999",
                                                             "reasons": "forged"})
    invitation = Invitation.objects.get()
    assert invitation.score != 999 and "forged" not in str(invitation.reasons)
    response = client.post(reverse("jobs:invite", args=[vacancy.pk]), {"person": andi.pk}, follow=True)
    assert any("already been invited" in m for m in messages_of(response))
    assert client.get(reverse("jobs:invite", args=[vacancy.pk])).status_code == 405


# --- hires --------------------------------------------------------------------------------------------


def test_hire_fills_the_vacancy_and_records_an_outcome_for_a_named_person(client, company, company_user, trained,
                                                                          vocation):
    andi, dewi, _eko = trained
    consent(andi)
    consent(dewi)
    vacancy = make_vacancy(company, vocations=[vocation], number_needed=2, by=company_user)
    accepted = services.invite(vacancy, andi, by=company_user)
    services.invite(vacancy, dewi, by=company_user)  # Dewi has not answered
    andi.user = make_user("andi@example.test", "job_seeker", full_name=andi.full_name)
    andi.save(update_fields=["user"])
    services.answer_invitation(accepted, accept=True, by=andi.user)
    client.force_login(company_user)
    url = reverse("jobs:hire", args=[vacancy.pk])

    response = client.get(url, {"person": andi.pk})
    assert list(response.context["form"].fields["person"].queryset) == [andi]  # only who accepted
    assert response.context["form"].initial["person"] == andi

    response = client.post(url, {"count": "1", "person": dewi.pk, "on": TODAY.isoformat()})
    assert response.status_code == 200 and "person" in response.context["form"].errors
    response = client.post(url, {"count": "1", "person": andi.pk, "on": (TODAY + datetime.timedelta(days=1))
                                 .isoformat()})
    assert "on" in response.context["form"].errors and not Hire.objects.exists()

    response = client.post(url, {"count": "1", "person": andi.pk, "on": TODAY.isoformat(), "note": "Kontrak 1 th"})
    assert response.status_code == 302
    hire = Hire.objects.get()
    assert (hire.person, hire.count, hire.by) == (andi, 1, company_user)
    outcome = Outcome.objects.get(person=andi)
    assert (outcome.status, outcome.source, outcome.company) == ("employed", "company", company)
    vacancy.refresh_from_db()
    assert (vacancy.filled, vacancy.status) == (1, "open")

    response = client.post(url, {"count": "3", "on": TODAY.isoformat()})  # more than the one place left
    assert "count" in response.context["form"].errors
    response = client.post(url, {"count": "1", "on": TODAY.isoformat()})
    vacancy.refresh_from_db()
    assert response.status_code == 302 and (vacancy.filled, vacancy.status) == (2, "filled")
    html = page(client.get(reverse("jobs:vacancy_detail", args=[vacancy.pk])))
    assert "Andi Pratama" in html and "Filled" in html
