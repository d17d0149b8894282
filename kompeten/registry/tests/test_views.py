import datetime

import pytest
from django.urls import reverse

from conftest import PASSWORD, make_person
from kompeten.accounts.testing import code_for, confirmed_device
from kompeten.audit.models import AuditEntry
from kompeten.registry.models import Consent, Person
from kompeten.registry.nik import make_nik

pytestmark = pytest.mark.django_db


def person_post_data(**overrides):
    data = {
        "nik": make_nik("64.71.02", datetime.date(2000, 5, 17), "L", 77),
        "full_name": "Andi Pratama", "sex": "L", "birth_place": "Balikpapan", "birth_date": "2000-05-17",
        "phone": "0812-3456-7890", "email": "", "street": "Jl. Mulawarman No. 5", "rt": "3", "rw": "12",
        "district": "64.71.02", "village": "", "education": "SMK", "major": "Teknik Mesin",
        "employment_status": "unemployed",
    }
    data.update(overrides)
    return data


class TestPersonList:
    def test_operator_sees_only_own_centre(self, client, operator_balikpapan, person_balikpapan, person_bontang):
        client.force_login(operator_balikpapan)
        response = client.get(reverse("registry:person_list"))
        assert response.status_code == 200
        assert person_balikpapan.full_name in response.content.decode()
        assert person_bontang.full_name not in response.content.decode()

    def test_province_admin_sees_all(self, client, province_admin, person_balikpapan, person_bontang):
        client.force_login(province_admin)
        content = client.get(reverse("registry:person_list")).content.decode()
        assert person_balikpapan.full_name in content and person_bontang.full_name in content

    def test_search_by_full_nik_does_not_cross_centres(self, client, operator_balikpapan, person_bontang):
        client.force_login(operator_balikpapan)
        response = client.get(reverse("registry:person_list"), {"q": person_bontang.nik})
        assert person_bontang.full_name not in response.content.decode()

    def test_job_seeker_and_company_get_404(self, client, job_seeker, company_user):
        for user in (job_seeker, company_user):
            client.force_login(user)
            assert client.get(reverse("registry:person_list")).status_code == 404

    def test_list_never_shows_full_nik(self, client, province_admin, person_balikpapan):
        client.force_login(province_admin)
        content = client.get(reverse("registry:person_list")).content.decode()
        assert person_balikpapan.nik not in content
        assert person_balikpapan.nik[-4:] in content

    def test_query_count_does_not_grow_with_rows(self, client, province_admin, balikpapan,
                                                 django_assert_max_num_queries):
        client.force_login(province_admin)
        for serial in range(10, 40):
            make_person(serial=serial, registered_centre=balikpapan)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("registry:person_list"))
        assert response.status_code == 200

    def test_wrong_method(self, client, operator_balikpapan):
        client.force_login(operator_balikpapan)
        assert client.put(reverse("registry:person_list")).status_code == 405


class TestPersonDetail:
    def test_masked_nik_and_no_birth_digits(self, client, operator_balikpapan, person_balikpapan):
        client.force_login(operator_balikpapan)
        content = client.get(reverse("registry:person_detail", args=[person_balikpapan.pk])).content.decode()
        assert person_balikpapan.nik not in content
        assert person_balikpapan.masked_nik in content

    def test_reveal_nik_is_logged(self, client, operator_balikpapan, person_balikpapan):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("registry:person_reveal_nik", args=[person_balikpapan.pk]))
        assert person_balikpapan.nik in response.content.decode()
        entry = AuditEntry.objects.get(action="view_nik")
        assert entry.actor == operator_balikpapan and entry.object_id == str(person_balikpapan.pk)

    def test_reveal_needs_post(self, client, operator_balikpapan, person_balikpapan):
        client.force_login(operator_balikpapan)
        assert client.get(reverse("registry:person_reveal_nik", args=[person_balikpapan.pk])).status_code == 405
        assert not AuditEntry.objects.exists()


class TestPersonCreateAndEdit:
    def test_operator_registers_person_for_own_centre(self, client, operator_balikpapan, balikpapan):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("registry:person_create"), person_post_data())
        person = Person.objects.get(full_name="Andi Pratama")
        assert response.status_code == 302
        assert person.registered_centre == balikpapan
        assert person.phone == "+6281234567890" and person.rt == "003"
        assert person.consents.get().purpose == Consent.Purpose.REGISTRY
        entry = AuditEntry.objects.get(action="create", object_type="registry.person")
        assert entry.changes["nik"] == [None, person.nik]

    def test_bad_nik_is_explained_and_nothing_saved(self, client, operator_balikpapan):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("registry:person_create"), person_post_data(nik="647102170500"))
        assert response.status_code == 200
        assert "16" in response.content.decode()
        assert not Person.objects.exists()

    def test_duplicate_nik_refused(self, client, operator_balikpapan, person_bontang):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("registry:person_create"), person_post_data(nik=person_bontang.nik))
        assert response.status_code == 200
        assert Person.objects.count() == 1

    def test_nik_mismatch_is_a_warning_to_confirm(self, client, operator_balikpapan):
        client.force_login(operator_balikpapan)
        client.post(reverse("registry:person_create"), person_post_data(birth_date="2000-05-18"))
        person = Person.objects.get()
        assert person.nik_warnings == ["nik_birth_date_mismatch"] and person.needs_nik_confirmation
        client.post(reverse("registry:person_confirm_nik", args=[person.pk]))
        person.refresh_from_db()
        assert not person.needs_nik_confirmation and person.nik_confirmed_by == operator_balikpapan

    def test_edit_is_audited_before_after(self, client, operator_balikpapan, person_balikpapan):
        client.force_login(operator_balikpapan)
        data = person_post_data(nik=person_balikpapan.nik, full_name=person_balikpapan.full_name,
                                birth_date=person_balikpapan.birth_date.isoformat(), sex="L", phone="081299998888")
        response = client.post(reverse("registry:person_edit", args=[person_balikpapan.pk]), data)
        assert response.status_code == 302
        entry = AuditEntry.objects.get(action="update")
        assert entry.changes["phone"] == ["", "+6281299998888"]
        assert entry.actor == operator_balikpapan

    def test_add_prior_training(self, client, operator_balikpapan, person_balikpapan):
        client.force_login(operator_balikpapan)
        client.post(reverse("registry:person_add_training", args=[person_balikpapan.pk]),
                    {"source": "lpk", "year": 2022, "institution": "LPK Maju", "vocation": "Las SMAW"})
        assert person_balikpapan.prior_trainings.count() == 1
        assert not Person.objects.never_trained().filter(pk=person_balikpapan.pk).exists()


class TestSelfService:
    def registration(self, **overrides):
        data = person_post_data(login_email="andi@example.test", password1="Balikpapan-2025!",
                                password2="Balikpapan-2025!", consent_registry="on", consent_contact="on")
        data.update(overrides)
        return data

    def test_register_creates_account_person_and_consents(self, client):
        response = client.post(reverse("registry:register"), self.registration())
        assert response.status_code == 302, response.content.decode()[:2000]
        person = Person.objects.get()
        assert person.user.email == "andi@example.test" and person.user.phone == "+6281234567890"
        assert set(person.consents.values_list("purpose", flat=True)) == {"registry", "contact"}
        assert person.source == "self" and person.registered_centre is None
        page = client.get(reverse("registry:my_profile")).content.decode()
        assert person.nik in page  # the person's own page shows the full NIK

    def test_registration_needs_consent(self, client):
        data = self.registration()
        del data["consent_registry"]
        response = client.post(reverse("registry:register"), data)
        assert response.status_code == 200 and not Person.objects.exists()

    def test_login_with_phone_number(self, client):
        client.post(reverse("registry:register"), self.registration())
        client.logout()
        response = client.post(reverse("accounts:login"), {"username": "0812 3456 7890",
                                                           "password": "Balikpapan-2025!"})
        assert response.status_code == 302

    def test_withdrawal_is_a_new_record(self, client, job_seeker):
        client.force_login(job_seeker)
        client.post(reverse("registry:my_consent"), {"purpose": "contact", "given": "1"})
        client.post(reverse("registry:my_consent"), {"purpose": "contact", "given": "0"})
        consents = list(job_seeker.person.consents.filter(purpose="contact").order_by("id"))
        assert [c.given for c in consents] == [True, False]

    def test_self_edit_cannot_change_nik(self, client, job_seeker):
        client.force_login(job_seeker)
        person = job_seeker.person
        data = person_post_data(nik="6471050101010001", full_name="Siti Aminah Baru", sex="P",
                                birth_date=person.birth_date.isoformat())
        client.post(reverse("registry:my_profile_edit"), data)
        person.refresh_from_db()
        assert person.full_name == "Siti Aminah Baru" and person.nik != "6471050101010001"


class TestLogin:
    def test_throttled_after_five_failures(self, client, operator_balikpapan):
        url = reverse("accounts:login")
        for _ in range(5):
            client.post(url, {"username": operator_balikpapan.email, "password": "wrong"})
        response = client.post(url, {"username": operator_balikpapan.email, "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_nik_is_not_a_login(self, client, job_seeker):
        response = client.post(reverse("accounts:login"), {"username": job_seeker.person.nik, "password": PASSWORD})
        assert response.status_code == 200 and "_auth_user_id" not in client.session

    def test_staff_idle_session_expires(self, client, operator_balikpapan, time_machine):
        time_machine.move_to(datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC))
        device = confirmed_device(operator_balikpapan)
        client.post(reverse("accounts:login"), {"username": operator_balikpapan.email, "password": PASSWORD})
        client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
        assert client.get(reverse("registry:person_list")).status_code == 200
        time_machine.move_to(datetime.datetime(2025, 3, 1, 9, 45, tzinfo=datetime.UTC))
        response = client.get(reverse("registry:person_list"))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    def test_job_seeker_session_survives_idle(self, client, job_seeker, time_machine):
        time_machine.move_to(datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC))
        client.post(reverse("accounts:login"), {"username": job_seeker.email, "password": PASSWORD})
        time_machine.move_to(datetime.datetime(2025, 3, 1, 11, 0, tzinfo=datetime.UTC))
        assert client.get(reverse("registry:my_profile")).status_code == 200


class TestExport:
    def test_export_neutralises_formulas_and_is_scoped(self, client, operator_balikpapan, balikpapan,
                                                      person_bontang):
        make_person(full_name='=HYPERLINK("http://evil.test","klik")', serial=90, registered_centre=balikpapan)
        client.force_login(operator_balikpapan)
        response = client.get(reverse("registry:person_export"), {"format": "csv"})
        body = response.content.decode()
        assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
        assert person_bontang.nik not in body
        assert AuditEntry.objects.filter(action="export").count() == 1


def test_operator_sees_participants_registered_elsewhere(client, operator_balikpapan, batch_balikpapan,
                                                         person_bontang):
    from kompeten.training.models import Enrolment

    client.force_login(operator_balikpapan)
    url = reverse("registry:person_detail", args=[person_bontang.pk])
    assert client.get(url).status_code == 404
    Enrolment.objects.create(batch=batch_balikpapan, person=person_bontang, source="operator")
    assert client.get(url).status_code == 200
    # Seeing is not editing: the person's record belongs to the centre that registered them.
    assert client.get(reverse("registry:person_edit", args=[person_bontang.pk])).status_code == 404


def test_edit_form_shows_the_nik_and_logs_it(client, operator_balikpapan, person_balikpapan):
    client.force_login(operator_balikpapan)
    page = client.get(reverse("registry:person_edit", args=[person_balikpapan.pk])).content.decode()
    assert person_balikpapan.nik in page
    assert AuditEntry.objects.filter(action="view_nik", object_id=str(person_balikpapan.pk)).count() == 1


def test_odd_digits_in_filters_are_ignored_not_a_500(client, province_admin, person_balikpapan):
    client.force_login(province_admin)
    for value in ("²", "9" * 30, "-1", "abc"):
        assert client.get(reverse("registry:person_list"), {"centre": value}).status_code == 200
        assert client.get(reverse("programmes:batch_list"), {"centre": value, "year": value}).status_code == 200


def test_export_audit_note_masks_a_searched_nik(client, operator_balikpapan, person_balikpapan):
    client.force_login(operator_balikpapan)
    listed = client.post(reverse("registry:person_list"), {"q": person_balikpapan.nik})["Location"]
    assert person_balikpapan.nik not in listed
    client.get(reverse("registry:person_export") + "?" + listed.split("?", 1)[1] + "&format=csv")
    note = AuditEntry.objects.get(action="export").note
    assert person_balikpapan.nik not in note and person_balikpapan.nik[-4:] in note


def test_public_registration_does_not_confirm_a_registered_nik(client, person_bontang):
    data = person_post_data(nik=person_bontang.nik, login_email="x@example.test", password1="Balikpapan-2025!",
                            password2="Balikpapan-2025!", consent_registry="on", full_name="Rina Wati",
                            birth_date=person_bontang.birth_date.isoformat(), sex="P")
    page = client.post(reverse("registry:register"), data).content.decode()
    assert "already registered" not in page and "cannot be registered online" in page
    assert Person.objects.count() == 1


def test_consent_audit_shows_the_real_previous_state(client, job_seeker):
    client.force_login(job_seeker)
    client.post(reverse("registry:my_consent"), {"purpose": "contact", "given": "0"})
    entry = AuditEntry.objects.filter(action="update").latest("id")
    assert entry.changes == {"consent:contact": [None, False]}


def test_self_registration_is_audited_as_the_new_user(client):
    data = person_post_data(login_email="andi@example.test", password1="Balikpapan-2025!",
                            password2="Balikpapan-2025!", consent_registry="on")
    client.post(reverse("registry:register"), data)
    person = Person.objects.get()
    entry = AuditEntry.objects.get(action="create", object_type="registry.person")
    assert entry.actor == person.user and person.consents.get().recorded_by == person.user
