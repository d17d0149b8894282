"""The operator's centre dashboard: who sees which centre, the attendance alert arithmetic, upcoming assessment
events, certificates still to issue, the empty states and a query count that does not grow with the batches."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import assess, make_batch, make_person, make_user
from kompeten.accounts.models import Membership
from kompeten.assessment import services as assessment
from kompeten.assessment.models import AssessmentEvent
from kompeten.certificates import services as certificates
from kompeten.programmes.models import BatchSession, ProgrammeYear
from kompeten.registry.models import Person
from kompeten.registry.nik import make_nik
from kompeten.reporting import centre as data
from kompeten.training.models import Attendance, Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db

URL = reverse("reporting:centre")
TODAY = datetime.date(2025, 3, 12)  # a Wednesday in the third week of March 2025
# The default batch runs 3-28 March 2025: working days 3-7, 10-12 March are due by TODAY (8 sessions).
START, END = datetime.date(2025, 3, 3), datetime.date(2025, 3, 28)
BIRTH = datetime.date(2000, 2, 2)


def at(day: datetime.date, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def frozen():
    """The clock at TODAY, 10:00 in the project's time zone."""
    with time_machine.travel(at(TODAY), tick=False):
        yield


def people(centre, count, *, first_serial, district="64.71.05"):
    """``count`` new job seekers registered at ``centre`` (bulk-made)."""
    return Person.objects.bulk_create(
        Person(nik=make_nik(district, BIRTH, "L", serial), full_name=f"Peserta {serial:04d}", sex="L",
               birth_date=BIRTH, source="operator", registered_centre=centre)
        for serial in range(first_serial, first_serial + count))


def enrol_all(batch, persons, status=EnrolmentStatus.ENROLLED):
    Enrolment.objects.bulk_create(Enrolment(batch=batch, person=p, source="operator", status=status) for p in persons)
    return list(Enrolment.objects.filter(batch=batch, person__in=persons).order_by("person__full_name"))


def mark(enrolment, marks: str, *, start=None):
    """Attendance from a string, one letter per session from the first (or ``start``): P present, L late,
    E excused, A absent, '.' not marked."""
    codes = {"P": "present", "L": "late", "E": "excused", "A": "absent"}
    sessions = BatchSession.objects.filter(batch=enrolment.batch_id).order_by("date")
    if start is not None:
        sessions = sessions.filter(date__gte=start)
    Attendance.objects.bulk_create(
        Attendance(enrolment=enrolment, session=session, status=codes[letter])
        for session, letter in zip(sessions, marks, strict=False) if letter != ".")


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


# --- who sees which centre ------------------------------------------------------------------------------


class TestAccess:
    def test_operator_sees_their_centre_only(self, client, frozen, operator_balikpapan, balikpapan, bontang,
                                             programme_year):
        own = make_batch(balikpapan, programme_year)
        make_batch(bontang, programme_year)
        response = page(client, operator_balikpapan)
        assert response.status_code == 200
        assert response.context["centre"] == balikpapan and response.context["centres"] == [balikpapan]
        assert [row.batch for row in response.context["dashboard"].batches] == [own]
        html = response.content.decode()
        assert balikpapan.name in html and reverse("programmes:batch_detail", args=[own.pk]) in html
        assert 'id="centre-select"' not in html  # nothing to pick among

    def test_another_centres_operator_gets_404(self, client, operator_bontang, balikpapan, bontang):
        assert page(client, operator_bontang, centre=balikpapan.pk).status_code == 404
        assert page(client, operator_bontang, centre="x").status_code == 404
        assert page(client, operator_bontang, centre="99999999999").status_code == 404
        assert page(client, operator_bontang, centre=bontang.pk).status_code == 200

    def test_other_roles_get_404_and_anonymous_logs_in(self, client, job_seeker, company_user):
        assert page(client, job_seeker).status_code == 404
        assert page(client, company_user).status_code == 404
        client.logout()
        response = client.get(URL)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    def test_province_admin_picks_any_centre(self, client, frozen, province_admin, centres, balikpapan, bontang,
                                             programme_year):
        batch = make_batch(bontang, programme_year)
        response = page(client, province_admin)
        assert response.status_code == 200
        listed = response.context["centres"]
        assert len(listed) == len(centres) and response.context["centre"] == listed[0]
        assert 'id="centre-select"' in response.content.decode()
        response = page(client, province_admin, centre=bontang.pk)
        assert response.context["centre"] == bontang
        assert [row.batch for row in response.context["dashboard"].batches] == [batch]

    def test_operator_of_two_centres_switches_between_them(self, client, frozen, balikpapan, bontang, centres,
                                                          programme_year):
        user = make_user("operator2@blki.test", "centre_operator", centre=balikpapan)
        Membership.objects.create(user=user, role="centre_operator", centre=bontang)
        make_batch(bontang, programme_year)
        response = page(client, user)
        assert set(response.context["centres"]) == {balikpapan, bontang}
        assert 'id="centre-select"' in response.content.decode()
        assert page(client, user, centre=bontang.pk).context["centre"] == bontang
        others = [c for c in centres.values() if c not in (balikpapan, bontang)]
        if others:
            assert page(client, user, centre=others[0].pk).status_code == 404

    def test_year_defaults_to_the_latest_and_can_be_picked(self, client, frozen, operator_balikpapan, balikpapan,
                                                           programme_year):
        older = ProgrammeYear.objects.create(year=2024, name="Program 2024")
        old = make_batch(balikpapan, older, status="closed", start=datetime.date(2024, 5, 6),
                         end=datetime.date(2024, 5, 31))
        new = make_batch(balikpapan, programme_year)
        response = page(client, operator_balikpapan)
        assert response.context["year"] == programme_year
        assert [row.batch for row in response.context["dashboard"].batches] == [new]
        response = page(client, operator_balikpapan, year=2024)
        assert response.context["year"] == older
        assert [row.batch for row in response.context["dashboard"].batches] == [old]


# --- batches and seats --------------------------------------------------------------------------------


def test_batches_by_status_with_seats_filled(balikpapan, programme_year):
    running = make_batch(balikpapan, programme_year, status="running", capacity=4)
    opened = make_batch(balikpapan, programme_year, status="open", capacity=10, start=datetime.date(2025, 5, 5),
                        end=datetime.date(2025, 5, 30))
    cancelled = make_batch(balikpapan, programme_year, status="cancelled", capacity=8,
                           start=datetime.date(2025, 6, 2), end=datetime.date(2025, 6, 27))
    persons = people(balikpapan, 6, first_serial=200)
    enrol_all(running, persons[:2])
    enrol_all(running, persons[2:3], EnrolmentStatus.COMPLETED)
    enrol_all(running, persons[3:4], EnrolmentStatus.NOT_COMPLETED)
    enrol_all(opened, persons[4:5], EnrolmentStatus.WITHDRAWN)  # gives its seat back
    enrol_all(opened, persons[5:6])

    dashboard = data.centre_dashboard(balikpapan, programme_year, today=TODAY)
    rows = {row.batch: row for row in dashboard.batches}
    assert (rows[running].filled, rows[running].free, rows[running].percent) == (4, 0, 100)
    assert (rows[opened].filled, rows[opened].free, rows[opened].percent) == (1, 9, 10)
    assert rows[cancelled].filled == 0
    assert [(g.status, [r.batch for r in g.rows]) for g in dashboard.groups] == [
        ("running", [running]), ("open", [opened]), ("cancelled", [cancelled])]
    # The cancelled batch's seats are not offered.
    assert (dashboard.seats_filled, dashboard.seats_offered, dashboard.seats_percent) == (5, 14, 36)


def test_batch_page_shows_status_groups_and_progress(client, frozen, operator_balikpapan, balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year, status="open", capacity=4)
    enrol_all(batch, people(balikpapan, 1, first_serial=300))
    html = page(client, operator_balikpapan).content.decode()
    assert "Open for registration" in html and "1/4" in html and 'aria-valuenow="25"' in html
    assert reverse("programmes:batch_detail", args=[batch.pk]) in html


# --- attendance alerts ----------------------------------------------------------------------------------


@pytest.fixture
def running(balikpapan, programme_year):
    """A running batch of 3-28 March with five participants; attendance taken for 3-7 March (5 sessions), none
    for 10-12 March yet (due by TODAY, not held)."""
    batch = make_batch(balikpapan, programme_year, status="running", start=START, end=END)
    persons = [make_person(full_name=name, serial=serial, registered_centre=balikpapan) for serial, name in [
        (41, "Ayu Full"), (42, "Bayu Sixty"), (43, "Citra Twenty"), (44, "Dodi Eighty"), (45, "Eka Withdrawn")]]
    enrolments = {e.person.full_name.split()[0]: e for e in enrol_all(batch, persons[:4])}
    enrolments["Eka"] = enrol_all(batch, persons[4:], EnrolmentStatus.WITHDRAWN)[0]
    mark(enrolments["Ayu"], "PPPPP")
    mark(enrolments["Bayu"], "PPAPA")
    mark(enrolments["Citra"], "LEEAA")  # late counts as attended, excused does not
    mark(enrolments["Dodi"], "PPP.P")  # exactly the minimum: 4 of 5 = 80.0 %
    mark(enrolments["Bayu"], "AAAAA", start=datetime.date(2025, 3, 13))  # future sessions: not counted yet
    return batch, enrolments


def test_attendance_alert_arithmetic(running, balikpapan):
    batch, enrolments = running
    alerts = data.attendance_alerts(balikpapan, today=TODAY)
    assert [(a.person_name, a.attended, a.held, a.missed, a.percent, a.threshold) for a in alerts] == [
        ("Citra Twenty", 1, 5, 4, Decimal("20.0"), 80),
        ("Bayu Sixty", 3, 5, 2, Decimal("60.0"), 80),
    ]
    assert {a.batch for a in alerts} == {batch}
    [summary] = data.running_batches(balikpapan, today=TODAY)
    assert (summary.batch, summary.sessions_due, summary.held, summary.not_taken) == (batch, 8, 5, 3)


def test_the_package_minimum_decides(running, balikpapan):
    batch, _enrolments = running
    batch.package.attendance_threshold = 60
    batch.package.save(update_fields=["attendance_threshold"])
    assert [a.person_name for a in data.attendance_alerts(balikpapan, today=TODAY)] == ["Citra Twenty"]


def test_rounding_as_at_completion(balikpapan, programme_year):
    """Two of three sessions is 66.7 % (rounded as at completion): below a minimum of 67 %, not below 66 %."""
    batch = make_batch(balikpapan, programme_year, status="running", start=START, end=END)
    [enrolment] = enrol_all(batch, people(balikpapan, 1, first_serial=400))
    mark(enrolment, "PPA")
    batch.package.attendance_threshold = 67
    batch.package.save(update_fields=["attendance_threshold"])
    [alert] = data.attendance_alerts(balikpapan, today=TODAY)
    assert alert.percent == Decimal("66.7")
    batch.package.attendance_threshold = 66
    batch.package.save(update_fields=["attendance_threshold"])
    assert data.attendance_alerts(balikpapan, today=TODAY) == []


def test_only_running_batches_of_the_centre_and_nothing_before_attendance_is_taken(running, balikpapan, bontang,
                                                                                  programme_year):
    other = make_batch(bontang, programme_year, status="running", start=START, end=END)
    [outsider] = enrol_all(other, people(bontang, 1, first_serial=500, district="64.74.02"))
    mark(outsider, "AAAAA")
    completed = make_batch(balikpapan, programme_year, status="completed", start=datetime.date(2025, 1, 6),
                           end=datetime.date(2025, 1, 31))
    [finished] = enrol_all(completed, people(balikpapan, 1, first_serial=501))
    mark(finished, "AAAAA")
    assert {a.person_name for a in data.attendance_alerts(balikpapan, today=TODAY)} == {"Citra Twenty", "Bayu Sixty"}
    # On the first morning nothing has been held: no alert for anyone.
    assert data.attendance_alerts(balikpapan, today=datetime.date(2025, 3, 2)) == []


def test_alerts_on_the_page(client, frozen, running, operator_balikpapan):
    batch, _enrolments = running
    response = page(client, operator_balikpapan)
    html = response.content.decode()
    assert html.index("Citra Twenty") < html.index("Bayu Sixty")
    assert "20.0 %" in html and "60.0 %" in html and "Ayu Full" not in html and "Dodi Eighty" not in html
    assert reverse("training:attendance", args=[batch.pk]) in html
    assert "3 sessions without attendance" in html and "2 alerts" in html


# --- upcoming assessment events -------------------------------------------------------------------------


def test_upcoming_events(candidates, event, lsp, scheme, tuk_balikpapan, tuk_bontang, balikpapan, bontang):
    def other(day, **extra):
        fields = {"lsp": lsp, "scheme": scheme, "tuk": tuk_balikpapan, "centre": balikpapan, "date": day} | extra
        return AssessmentEvent.objects.create(**fields)

    today_event = other(TODAY)
    other(datetime.date(2025, 3, 11))  # yesterday
    other(datetime.date(2025, 5, 5), status="cancelled")
    other(datetime.date(2025, 5, 5), tuk=tuk_bontang, centre=bontang)
    upcoming = data.upcoming_events(balikpapan, today=TODAY)
    assert [(u.event, u.candidates) for u in upcoming] == [(today_event, 0), (event, 3)]


def test_events_on_the_page(client, frozen, candidates, event, operator_balikpapan):
    html = page(client, operator_balikpapan).content.decode()
    assert reverse("assessment:event_detail", args=[event.pk]) in html and "14 April 2025" in html
    assert "Planned" in html


# --- certificates pending -------------------------------------------------------------------------------


def test_training_certificates_pending(completed_batch, balikpapan, programme_year, operator_balikpapan):
    running = make_batch(balikpapan, programme_year, status="running")  # completes nobody yet
    enrol_all(running, people(balikpapan, 1, first_serial=600), EnrolmentStatus.COMPLETED)
    enrolments = list(completed_batch.enrolments.order_by("pk"))
    not_completed = make_person(full_name="Fajar Gagal", serial=14, registered_centre=balikpapan)
    Enrolment.objects.create(batch=completed_batch, person=not_completed, source="operator",
                             status=EnrolmentStatus.NOT_COMPLETED)
    assert [(p.batch, p.count) for p in data.pending_training(balikpapan, programme_year)] == [(completed_batch, 3)]
    certificates.issue_training(enrolments[0], by=operator_balikpapan)
    revoked = certificates.issue_training(enrolments[1], by=operator_balikpapan)
    certificates.revoke(revoked, reason="salah nama", by=operator_balikpapan)  # a revoked one is still to issue
    assert [(p.batch, p.count) for p in data.pending_training(balikpapan, programme_year)] == [(completed_batch, 2)]
    certificates.issue_training(enrolments[1], by=operator_balikpapan)
    certificates.issue_training(enrolments[2], by=operator_balikpapan)
    assert data.pending_training(balikpapan, programme_year) == []
    assert data.pending_training(balikpapan, None) == []


@pytest.fixture
def approved(candidates, assessor, lsp_admin):
    """Two candidates decided Kompeten, one Belum Kompeten."""
    decided = []
    for candidate, results in zip(candidates, [None, None, {"T.45OTO00.001.1": "BK"}], strict=True):
        assess(candidate, assessor, results)
        decided.append(assessment.approve(candidate, by=lsp_admin))
    return decided


def test_competency_certificates_pending(approved, event, balikpapan, lsp_admin):
    assert [(p.event, p.count) for p in data.pending_competency(balikpapan)] == [(event, 2)]
    certificates.issue_competency(approved[0], by=lsp_admin)
    assert [(p.event, p.count) for p in data.pending_competency(balikpapan)] == [(event, 1)]
    certificates.issue_competency(approved[1], by=lsp_admin)
    assert data.pending_competency(balikpapan) == []


def test_pending_on_the_page(client, frozen, approved, event, completed_batch, operator_balikpapan, province_admin):
    html = page(client, operator_balikpapan).content.decode()
    assert "3 training certificates to issue" in html and "2 competency certificates to issue" in html
    assert reverse("certificates:issue_batch", args=[completed_batch.pk]) in html
    # The LSP issues competency certificates: the operator is pointed to the event, not to issuing.
    assert reverse("certificates:issue_event", args=[event.pk]) not in html
    assert f"Issued by {event.lsp.name}" in html
    response = page(client, province_admin, centre=completed_batch.centre_id)
    assert reverse("certificates:issue_event", args=[event.pk]) in response.content.decode()
    assert response.context["dashboard"].pending_total == 5


# --- empty states ---------------------------------------------------------------------------------------


def test_empty_states_say_what_to_do_next(client, frozen, operator_balikpapan, programme_year):
    html = page(client, operator_balikpapan).content.decode()
    assert "This centre has no batch in 2025 yet" in html and reverse("programmes:batch_create") in html
    assert "No running batch — open one from the batch list" in html
    assert "No assessment event is planned at this centre" in html and reverse("assessment:event_create") in html
    assert "No certificate waiting" in html


def test_no_programme_year_yet(client, frozen, operator_balikpapan):
    ProgrammeYear.objects.all().delete()
    response = page(client, operator_balikpapan)
    assert response.status_code == 200 and response.context["year"] is None
    assert "There is no programme year yet" in response.content.decode()


def test_running_batch_without_alerts(client, frozen, operator_balikpapan, balikpapan, programme_year):
    batch = make_batch(balikpapan, programme_year, status="running", start=START, end=END)
    [enrolment] = enrol_all(batch, people(balikpapan, 1, first_serial=700))
    mark(enrolment, "PPPPPPPP")
    html = page(client, operator_balikpapan).content.decode()
    assert "No participant of a running batch is below the attendance minimum so far." in html
    assert "attendance taken for 8 of 8 sessions so far" in html


# --- the query count does not grow --------------------------------------------------------------------


def build(centre, year, count, *, serial):
    """``count`` running batches with three participants and attendance each, ``count`` completed batches with
    participants waiting for their certificates, and ``count`` assessment events with candidates."""
    from kompeten.assessment.models import Assessment

    for i in range(count):
        batch = make_batch(centre, year, status="running", start=START, end=END)
        for enrolment, marks in zip(enrol_all(batch, people(centre, 3, first_serial=serial + 10 * i)),
                                    ["PPPPP", "PAAPA", "AAAAA"], strict=True):
            mark(enrolment, marks)
        done = make_batch(centre, year, status="completed", start=datetime.date(2025, 1, 6),
                          end=datetime.date(2025, 1, 31))
        enrol_all(done, people(centre, 2, first_serial=serial + 10 * i + 3), EnrolmentStatus.COMPLETED)
    lsp_event = AssessmentEvent.objects.filter(centre=centre).first()
    for i in range(count):
        event = AssessmentEvent.objects.create(lsp=lsp_event.lsp, scheme=lsp_event.scheme, tuk=lsp_event.tuk,
                                               centre=centre, date=TODAY + datetime.timedelta(days=i))
        for person in people(centre, 2, first_serial=serial + 10 * i + 5):
            Assessment.objects.create(event=event, person=person, status="approved", decision="K")


def queries_for(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as context:
        response = client.get(URL)
    assert response.status_code == 200
    return len(context.captured_queries), response


def test_query_count_does_not_grow_with_batches(client, frozen, event, operator_balikpapan, balikpapan,
                                                programme_year, django_assert_max_num_queries):
    build(balikpapan, programme_year, 2, serial=1000)
    few, response = queries_for(client, operator_balikpapan)
    dashboard = response.context["dashboard"]
    assert (len(dashboard.running), len(dashboard.alerts), len(dashboard.pending_training)) == (2, 4, 2)
    build(balikpapan, programme_year, 8, serial=2000)
    many, response = queries_for(client, operator_balikpapan)
    dashboard = response.context["dashboard"]
    assert (len(dashboard.running), len(dashboard.alerts), len(dashboard.pending_training)) == (10, 20, 10)
    assert len(dashboard.pending_competency) == 10 and len(dashboard.events) == 11
    assert many == few
    client.force_login(operator_balikpapan)
    with django_assert_max_num_queries(15):
        client.get(URL)
