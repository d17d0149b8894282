"""The company pages: self-registration (public, field errors in the chosen language), the province's list and
verification, a company's own page, the audited correction of its data and its mentors; who sees what (404,
never 403; anonymous users go to the login page)."""

import pytest
from django.urls import reverse

from kompeten.accounts.models import Membership, User
from kompeten.apprenticeships.models import Company, Mentor
from kompeten.apprenticeships.tests.conftest import make_offer
from kompeten.audit.models import AuditEntry
from kompeten.reference.models import Kbli

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Magang-Kaltim-2025!"


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def registration(**changes) -> dict:
    data = {
        "name": "PT Bengkel Mahakam", "nib": "1234567890123", "sector": "mining", "kbli": "",
        "region": "64.71", "employees": "50", "address": "Jl. Mulawarman 10, Balikpapan",
        "email": "info@bengkelmahakam.test", "phone": "0542-123456",
        "full_name": "Rudi Hartono", "user_email": "Rudi@BengkelMahakam.test", "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data["kbli"] = str(Kbli.objects.get(version="2020", code="05").pk)
    data.update(changes)
    return data


@pytest.fixture
def pending_company(db):
    return Company.objects.create(name="PT Baru Berdiri", sector_id="trade", status="pending", employees=30,
                                  nib="9876543210123")


@pytest.fixture
def pending_user(pending_company):
    from conftest import make_user

    return make_user("owner@baruberdiri.test", "company_user", company=pending_company, full_name="Pemilik Baru")


# --- registration ---------------------------------------------------------------------------------


def test_registration_is_public_and_creates_a_pending_company_with_its_user(client):
    url = reverse("apprenticeships:company_register")
    assert client.get(url).status_code == 200

    others = [str(k.pk) for k in Kbli.objects.filter(code__in=["45", "46"])]
    response = client.post(url, registration(kbli_codes=[*others, registration()["kbli"]]))

    company = Company.objects.get(name="PT Bengkel Mahakam")
    assert sorted(company.kbli_codes.values_list("code", flat=True)) == ["45", "46"]  # not the main one again
    assert response.status_code == 302
    assert response["Location"] == reverse("apprenticeships:company_detail", args=[company.pk])
    assert company.status == "pending"
    assert company.nib == "1234567890123"
    assert company.region_id == "64.71"
    assert company.phone == "+62542123456"
    user = User.objects.get(email="rudi@bengkelmahakam.test")
    assert Membership.objects.filter(user=user, role="company_user", company=company).exists()
    assert AuditEntry.objects.filter(object_type="apprenticeships.company", object_id=str(company.pk),
                                     action="create").exists()
    # Logged in, on the company's page that says it waits for verification.
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert detail.context["user"] == user
    assert "waiting for verification" in page(detail)


def test_registration_puts_each_error_next_to_its_field(client, company_user):
    Company.objects.filter(pk=company_user.memberships.get().company_id).update(nib="1234567890123")

    response = client.post(reverse("apprenticeships:company_register"), registration(
        nib="12345", employees="0", user_email="hrd@tambangmaju.test", password2="something-else", region="11.01"))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "13 digits" in errors["nib"][0]
    assert errors["employees"]
    assert "already exists" in errors["user_email"][0]
    assert errors["password2"] == ["The two passwords differ."]
    assert errors["region"]  # a regency of another province
    assert not Company.objects.filter(name="PT Bengkel Mahakam").exists()
    html = page(response)
    assert 'aria-invalid="true"' in html
    assert html.count("invalid-feedback") >= 5


def test_registration_refuses_a_registered_nib(client, pending_company):
    response = client.post(reverse("apprenticeships:company_register"), registration(nib=pending_company.nib))

    assert response.context["form"].errors["nib"] == [f"A company with NIB {pending_company.nib} is already "
                                                      "registered."]
    assert Company.objects.filter(nib=pending_company.nib).count() == 1


def test_registration_errors_come_in_the_language_chosen(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = client.post(reverse("apprenticeships:company_register"), registration(name=""))

    assert response.status_code == 200
    assert "Bidang ini tidak boleh kosong." in response.context["form"].errors["name"]


def test_a_logged_in_company_user_is_sent_to_their_company(client, company_user, company):
    client.force_login(company_user)
    response = client.get(reverse("apprenticeships:company_register"))
    assert response["Location"] == reverse("apprenticeships:company_detail", args=[company.pk])


# --- the province's list and verification ---------------------------------------------------------


def test_province_lists_companies_pending_first_with_counts(client, province_admin, company, other_company,
                                                           pending_company, django_assert_max_num_queries):
    client.force_login(province_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("apprenticeships:company_list"))

    assert response.status_code == 200
    names = [c.name for c in response.context["page"]]
    assert names[0] == "PT Baru Berdiri"
    assert set(names) == {"PT Baru Berdiri", "PT Tambang Maju", "PT Ritel Sejahtera"}
    counts = {value: n for value, _label, n in response.context["counts"]}
    assert counts == {"pending": 1, "verified": 2, "rejected": 0}

    filtered = client.get(reverse("apprenticeships:company_list"), {"status": "verified", "sector": "trade"})
    assert [c.name for c in filtered.context["page"]] == ["PT Ritel Sejahtera"]


@pytest.mark.parametrize("persona", ["company_user", "job_seeker", "operator_balikpapan"])
def test_only_the_province_lists_companies(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("apprenticeships:company_list")).status_code == 404


def test_province_verifies_a_pending_company(client, province_admin, pending_company):
    client.force_login(province_admin)
    detail = client.get(reverse("apprenticeships:company_detail", args=[pending_company.pk]))
    assert detail.context["verify_form"] is not None and detail.context["reject_form"] is not None

    url = reverse("apprenticeships:company_verify", args=[pending_company.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"verify-note": "NIB checked in OSS"})

    assert response.status_code == 302
    pending_company.refresh_from_db()
    assert pending_company.status == "verified"
    assert pending_company.verified_by == province_admin
    assert pending_company.status_note == "NIB checked in OSS"
    assert AuditEntry.objects.filter(object_type="apprenticeships.company", object_id=str(pending_company.pk),
                                     action="transition").exists()


def test_rejecting_needs_a_reason(client, province_admin, pending_company):
    client.force_login(province_admin)
    url = reverse("apprenticeships:company_reject", args=[pending_company.pk])

    response = client.post(url, {"reject-reason": ""}, follow=True)
    assert any("Reason" in m for m in messages_of(response))
    pending_company.refresh_from_db()
    assert pending_company.status == "pending"

    client.post(url, {"reject-reason": "NIB does not exist in OSS"})
    pending_company.refresh_from_db()
    assert pending_company.status == "rejected"
    assert pending_company.status_note == "NIB does not exist in OSS"
    detail = client.get(reverse("apprenticeships:company_detail", args=[pending_company.pk]))
    assert "NIB does not exist in OSS" in page(detail)


@pytest.mark.parametrize("name", ["company_verify", "company_reject"])
def test_companies_cannot_verify_themselves(client, pending_user, pending_company, name):
    client.force_login(pending_user)
    response = client.post(reverse(f"apprenticeships:{name}", args=[pending_company.pk]),
                           {"verify-note": "", "reject-reason": "x"})
    assert response.status_code == 404
    pending_company.refresh_from_db()
    assert pending_company.status == "pending"


# --- a company's own page -------------------------------------------------------------------------


def test_company_user_sees_own_company_with_mentors_offers_and_users(client, company_user, company, mentor,
                                                                     programme_year):
    make_offer(company, programme_year, title="Operator Alat Berat", status="draft")
    client.force_login(company_user)

    response = client.get(reverse("apprenticeships:company_detail", args=[company.pk]))

    assert response.status_code == 200
    html = page(response)
    assert "Joko Widodo" in html
    assert "Operator Alat Berat" in html
    assert "HRD Tambang Maju" in html
    assert response.context["limit"] == 40
    assert response.context["verify_form"] is None  # only the province verifies


@pytest.mark.parametrize("name", ["company_detail", "company_edit", "mentor_add"])
def test_other_companies_and_job_seekers_get_404(client, company, other_company_user, job_seeker,
                                                 operator_balikpapan, name):
    url = reverse(f"apprenticeships:{name}", args=[company.pk])
    for user in (other_company_user, job_seeker, operator_balikpapan):
        client.force_login(user)
        assert client.get(url).status_code == 404
        if name != "company_detail":
            assert client.post(url, {"name": "Diambil alih"}).status_code == 404
    company.refresh_from_db()
    assert company.name == "PT Tambang Maju"
    assert not Mentor.objects.exists()


@pytest.mark.parametrize("name", ["company_list", "company_detail", "company_edit", "company_verify",
                                  "company_reject", "mentor_add"])
def test_anonymous_users_are_sent_to_login(client, company, name):
    args = [] if name == "company_list" else [company.pk]
    response = client.get(reverse(f"apprenticeships:{name}", args=args)) if name not in (
        "company_verify", "company_reject") else client.post(reverse(f"apprenticeships:{name}", args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _edit_data(company, **changes):
    data = {"name": company.name, "nib": company.nib, "sector": company.sector_id, "kbli": "",
            "region": "64.71", "employees": str(company.employees), "address": "", "email": "", "phone": ""}
    data["kbli"] = str(Kbli.objects.get(version="2020", code="05").pk)
    data.update(changes)
    return data


def test_changing_the_number_of_employees_is_audited(client, company_user, company):
    client.force_login(company_user)
    url = reverse("apprenticeships:company_edit", args=[company.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, _edit_data(company, employees="150"))

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.employees == 150
    entry = AuditEntry.objects.filter(object_type="apprenticeships.company", action="update").get()
    assert entry.changes["employees"] == [200, 150]
    assert entry.actor == company_user


def test_fewer_employees_warns_about_offers_over_the_limit(client, province_admin, company, programme_year):
    make_offer(company, programme_year, slots=30, status="approved")
    client.force_login(province_admin)

    response = client.post(reverse("apprenticeships:company_edit", args=[company.pk]),
                           _edit_data(company, employees="100"), follow=True)

    assert any("up to 20 %" in m for m in messages_of(response))


def test_company_user_adds_a_mentor(client, company_user, company):
    client.force_login(company_user)
    url = reverse("apprenticeships:mentor_add", args=[company.pk])
    assert client.get(url).status_code == 200

    bad = client.post(url, {"name": "Sri Wahyuni", "position": "Kepala Bengkel", "phone": "12"})
    assert bad.context["form"].errors["phone"]

    response = client.post(url, {"name": "Sri Wahyuni", "position": "Kepala Bengkel", "phone": "0812-5555-1234",
                                 "email": "", "account": str(company_user.pk)})
    assert response.status_code == 302
    mentor = Mentor.objects.get(company=company)
    assert (mentor.name, mentor.phone, mentor.user) == ("Sri Wahyuni", "+6281255551234", company_user)
    assert AuditEntry.objects.filter(object_type="apprenticeships.mentor", action="create").exists()
