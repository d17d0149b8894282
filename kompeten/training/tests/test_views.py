import datetime

import pytest
import time_machine
from django.urls import reverse

from conftest import make_batch, make_person
from kompeten.training.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_of_three(batch_balikpapan, balikpapan):
    return [
        Enrolment.objects.create(batch=batch_balikpapan, source="operator",
                                 person=make_person(full_name=name, serial=serial, registered_centre=balikpapan))
        for serial, name in enumerate(["Agus Salim", "Dewi Lestari", "Eko Prasetyo"], start=10)
    ]


class TestEnrolView:
    def test_candidates_only_from_own_centre(self, client, operator_balikpapan, batch_balikpapan, person_bontang,
                                             person_balikpapan):
        client.force_login(operator_balikpapan)
        for query, expected in ((person_balikpapan.full_name[:5], [person_balikpapan]),
                                (person_bontang.full_name[:5], []), (person_bontang.nik, [])):
            response = client.get(reverse("training:candidates", args=[batch_balikpapan.pk]), {"q": query})
            assert list(response.context["persons"]) == expected

    def test_enrol_and_full_batch(self, client, operator_balikpapan, balikpapan, programme_year):
        batch = make_batch(balikpapan, programme_year, capacity=1)
        first, second = (make_person(serial=s, registered_centre=balikpapan) for s in (21, 22))
        client.force_login(operator_balikpapan)
        client.post(reverse("training:enrol", args=[batch.pk]), {"person": first.pk})
        response = client.post(reverse("training:enrol", args=[batch.pk]), {"person": second.pk}, follow=True)
        assert list(batch.enrolments.values_list("person", flat=True)) == [first.pk]
        assert any(m.level_tag == "error" for m in response.context["messages"])

    def test_cannot_enrol_person_of_other_centre(self, client, operator_balikpapan, batch_balikpapan, person_bontang):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("training:enrol", args=[batch_balikpapan.pk]), {"person": person_bontang.pk})
        assert response.status_code == 404 and not Enrolment.objects.exists()


class TestAttendanceGrid:
    @time_machine.travel(datetime.datetime(2025, 3, 12, 10, tzinfo=datetime.UTC), tick=False)
    def test_grid_saves_a_whole_class(self, client, operator_balikpapan, batch_balikpapan, class_of_three):
        batch_balikpapan.status = "running"
        batch_balikpapan.save()
        client.force_login(operator_balikpapan)
        url = reverse("training:attendance", args=[batch_balikpapan.pk])
        response = client.get(url, {"start": 0})
        sessions = response.context["sessions"]
        assert len(sessions) == 10 and len(response.context["rows"]) == 3
        marks = {f"m-{e.pk}-{s.pk}": "present" for e in class_of_three for s in sessions}
        marks[f"m-{class_of_three[2].pk}-{sessions[0].pk}"] = "absent"
        response = client.post(f"{url}?start=0", marks)
        assert response.status_code == 302
        assert Attendance.objects.count() == 30
        assert Attendance.objects.filter(status="absent").count() == 1
        # Attendance taken for 10 sessions; Eko was absent once.
        rows = {r["enrolment"].pk: r["percent"] for r in client.get(url, {"start": 0}).context["rows"]}
        assert rows[class_of_three[0].pk] == 100 and float(rows[class_of_three[2].pk]) == 90.0

    def test_grid_is_read_only_unless_running(self, client, operator_balikpapan, batch_balikpapan, class_of_three):
        client.force_login(operator_balikpapan)
        response = client.get(reverse("training:attendance", args=[batch_balikpapan.pk]))
        assert response.context["editable"] is False


class TestCompletion:
    def test_operator_completes_a_batch(self, client, operator_balikpapan, batch_balikpapan, class_of_three):
        batch_balikpapan.status = "running"
        batch_balikpapan.save()
        sessions = list(batch_balikpapan.sessions.all())
        for index, enrolment in enumerate(class_of_three):
            present = len(sessions) if index < 2 else len(sessions) // 2
            Attendance.objects.bulk_create(
                Attendance(enrolment=enrolment, session=s, status="present" if i < present else "absent")
                for i, s in enumerate(sessions))
        agus, dewi, eko = class_of_three
        client.force_login(operator_balikpapan)
        client.post(reverse("training:completion", args=[batch_balikpapan.pk]), {
            f"test-{agus.pk}": "1", f"reason-{dewi.pk}": "found_work", f"test-{eko.pk}": "1",
        })
        statuses = dict(Enrolment.objects.values_list("pk", "status"))
        reasons = dict(Enrolment.objects.values_list("pk", "outcome_reason"))
        assert statuses == {agus.pk: "completed", dewi.pk: "not_completed", eko.pk: "not_completed"}
        assert reasons[dewi.pk] == "found_work" and reasons[eko.pk] == "attendance"
        client.post(reverse("programmes:batch_transition", args=[batch_balikpapan.pk]), {"to": "completed"})
        batch_balikpapan.refresh_from_db()
        assert batch_balikpapan.status == "completed"
