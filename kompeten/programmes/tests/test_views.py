import datetime

import pytest
from django.urls import reverse

from conftest import make_batch, make_person
from kompeten.audit.models import AuditEntry
from kompeten.programmes.models import Batch, Target, TrainingPackage, Vocation
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


def package_for(centre):
    vocation = Vocation.objects.filter(centres=centre).order_by("code").first()
    return TrainingPackage.objects.create(centre=centre, vocation=vocation, code=vocation.code, name=vocation.name,
                                          hours=160)


class TestBatchCreate:
    def test_operator_creates_batch_with_sessions(self, client, operator_balikpapan, balikpapan, programme_year):
        package = package_for(balikpapan)
        client.force_login(operator_balikpapan)
        response = client.post(reverse("programmes:batch_create"), {
            "programme_year": programme_year.pk, "package": package.pk, "start_date": "2025-04-07",
            "end_date": "2025-05-02", "capacity": "", "instructors": "Pak Joko", "location": "Workshop Las 1",
            "funding_source": "apbd",
        })
        batch = Batch.objects.get()
        assert response.status_code == 302
        assert batch.centre == balikpapan and batch.number == 1 and batch.capacity == 16
        assert batch.status == "planned" and batch.sessions.count() == 20
        assert AuditEntry.objects.filter(action="create", object_type="programmes.batch").exists()

    def test_package_of_another_centre_is_refused(self, client, operator_balikpapan, bontang, programme_year):
        package = package_for(bontang)
        client.force_login(operator_balikpapan)
        response = client.post(reverse("programmes:batch_create"), {
            "programme_year": programme_year.pk, "package": package.pk, "start_date": "2025-04-07",
            "end_date": "2025-05-02", "funding_source": "apbd",
        })
        assert response.status_code == 200 and not Batch.objects.exists()

    def test_end_before_start_is_explained(self, client, operator_balikpapan, balikpapan, programme_year):
        package = package_for(balikpapan)
        client.force_login(operator_balikpapan)
        response = client.post(reverse("programmes:batch_create"), {
            "programme_year": programme_year.pk, "package": package.pk, "start_date": "2025-04-07",
            "end_date": "2025-04-01", "funding_source": "apbd",
        })
        assert response.status_code == 200 and not Batch.objects.exists()
        assert "end date" in response.content.decode().lower() or "tanggal selesai" in response.content.decode()


class TestBatchList:
    def test_scoped_to_own_centre(self, client, operator_balikpapan, batch_balikpapan, batch_bontang):
        client.force_login(operator_balikpapan)
        response = client.get(reverse("programmes:batch_list"))
        assert list(response.context["batches"]) == [batch_balikpapan]

    def test_province_sees_all_and_query_count_is_flat(self, client, province_admin, balikpapan, bontang,
                                                       programme_year, django_assert_max_num_queries):
        for i in range(6):
            make_batch(balikpapan if i % 2 else bontang, programme_year)
        client.force_login(province_admin)
        with django_assert_max_num_queries(10):
            response = client.get(reverse("programmes:batch_list"))
        assert len(response.context["batches"]) == 6

    def test_calendar_shows_batches_of_the_month(self, client, operator_balikpapan, batch_balikpapan):
        client.force_login(operator_balikpapan)
        response = client.get(reverse("programmes:batch_calendar"), {"month": "2025-03"})
        assert [row["batch"] for row in response.context["rows"]] == [batch_balikpapan]
        assert sum(response.context["rows"][0]["cells"]) == 26  # 3 to 28 March
        assert client.get(reverse("programmes:batch_calendar"), {"month": "2025-06"}).context["rows"] == []


class TestBatchActions:
    def test_transition_and_invalid_transition(self, client, operator_balikpapan, balikpapan, programme_year):
        batch = make_batch(balikpapan, programme_year, status="planned")
        client.force_login(operator_balikpapan)
        client.post(reverse("programmes:batch_transition", args=[batch.pk]), {"to": "open"}, follow=True)
        batch.refresh_from_db()
        assert batch.status == "open"
        response = client.post(reverse("programmes:batch_transition", args=[batch.pk]), {"to": "completed"},
                               follow=True)
        batch.refresh_from_db()
        assert batch.status == "open"
        assert [m.level_tag for m in response.context["messages"]] == ["error"]

    def test_capacity_not_below_enrolled(self, client, operator_balikpapan, batch_balikpapan, balikpapan):
        for serial in range(1, 4):
            Enrolment.objects.create(batch=batch_balikpapan, source="operator",
                                     person=make_person(serial=serial, registered_centre=balikpapan))
        client.force_login(operator_balikpapan)
        client.post(reverse("programmes:batch_capacity", args=[batch_balikpapan.pk]), {"capacity": 2})
        batch_balikpapan.refresh_from_db()
        assert batch_balikpapan.capacity == 16
        client.post(reverse("programmes:batch_capacity", args=[batch_balikpapan.pk]), {"capacity": 3})
        batch_balikpapan.refresh_from_db()
        assert batch_balikpapan.capacity == 3

    def test_detail_lists_participants_with_masked_nik(self, client, operator_balikpapan, batch_balikpapan,
                                                       person_balikpapan):
        Enrolment.objects.create(batch=batch_balikpapan, person=person_balikpapan, source="operator")
        client.force_login(operator_balikpapan)
        content = client.get(reverse("programmes:batch_detail", args=[batch_balikpapan.pk])).content.decode()
        assert person_balikpapan.full_name in content
        assert person_balikpapan.nik not in content


class TestTargets:
    def test_admin_sets_targets_operator_reads_own(self, client, province_admin, operator_bontang, balikpapan,
                                                   bontang, programme_year):
        client.force_login(province_admin)
        url = reverse("programmes:year_detail", args=[programme_year.pk])
        client.post(url, {"kind": "certified", "centre": balikpapan.pk, "sector": "", "number": 1000})
        client.post(url, {"kind": "certified", "centre": bontang.pk, "sector": "", "number": 500})
        client.post(url, {"kind": "certified", "centre": "", "sector": "", "number": 1500})
        assert Target.objects.count() == 3
        duplicate = client.post(url, {"kind": "certified", "centre": bontang.pk, "sector": "", "number": 9})
        assert duplicate.status_code == 200 and Target.objects.count() == 3
        client.force_login(operator_bontang)
        response = client.get(url)
        assert sorted(t.number for t in response.context["targets"]) == [500, 1500]
        assert client.post(url, {"kind": "trained", "number": 1}).status_code == 404

    def test_target_update_is_audited(self, client, province_admin, programme_year):
        target = Target.objects.create(programme_year=programme_year, kind="apprentices_placed", number=400)
        client.force_login(province_admin)
        client.post(reverse("programmes:target_update", args=[target.pk]), {"number": 420})
        target.refresh_from_db()
        assert target.number == 420
        assert AuditEntry.objects.get(action="update").changes == {"number": [400, 420]}


def test_package_form_checks_requirements(client, operator_balikpapan, balikpapan):
    vocation = Vocation.objects.filter(centres=balikpapan).first()
    client.force_login(operator_balikpapan)
    data = {"centre": balikpapan.pk, "vocation": vocation.pk, "code": "las-dasar", "name": "Las Dasar",
            "hours": 240, "class_size": 16, "attendance_threshold": 80, "min_age": 35, "max_age": 18,
            "is_active": "on"}
    response = client.post(reverse("programmes:package_create"), data)
    assert response.status_code == 200 and not TrainingPackage.objects.exists()
    data.update(min_age=18, max_age=35)
    response = client.post(reverse("programmes:package_create"), data)
    assert response.status_code == 302 and TrainingPackage.objects.get().centre == balikpapan


def test_sessions_follow_the_blki_timetable(batch_balikpapan):
    friday = batch_balikpapan.sessions.get(date=datetime.date(2025, 3, 7))
    monday = batch_balikpapan.sessions.get(date=datetime.date(2025, 3, 3))
    assert friday.end_time == datetime.time(11, 30) and monday.end_time == datetime.time(16, 0)
    assert not batch_balikpapan.sessions.filter(date=datetime.date(2025, 3, 8)).exists()  # Saturday


@pytest.mark.django_db
def test_the_province_admin_opens_a_programme_year(client, province_admin, operator_balikpapan, programme_year):
    from kompeten.programmes.models import ProgrammeYear

    client.force_login(province_admin)
    response = client.post(reverse("programmes:year_list"), {"year": "2026", "name": "Program Pelatihan Kaltim 2026"})
    year = ProgrammeYear.objects.get(year=2026)
    assert response["Location"] == reverse("programmes:year_detail", args=[year.pk])
    assert AuditEntry.objects.filter(object_id=str(year.pk), action=AuditEntry.Action.CREATE).exists()
    again = client.post(reverse("programmes:year_list"), {"year": str(programme_year.year), "name": "Twice"})
    assert again.status_code == 200 and "year" in again.context["form"].errors  # one programme per year
    assert client.post(reverse("programmes:year_list"), {"year": "1900", "name": "x"}).context["form"].errors["year"]

    client.force_login(operator_balikpapan)  # operators read the years, never open one
    assert client.get(reverse("programmes:year_list")).context["form"] is None
    assert client.post(reverse("programmes:year_list"), {"year": "2027", "name": "x"}).status_code == 404
    assert not ProgrammeYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_the_year_list_offers_the_form_to_the_province_admin_only(client, province_admin, operator_balikpapan):
    client.force_login(province_admin)
    assert 'name="year"' in client.get(reverse("programmes:year_list")).content.decode()
    client.force_login(operator_balikpapan)
    assert 'name="year"' not in client.get(reverse("programmes:year_list")).content.decode()
