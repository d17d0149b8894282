"""Requests: the 3 × 24 hour deadline, the overdue list, the status history, scoping, and the job seeker's
download and erasure request in the browser."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import make_person, make_user
from kompeten.core.errors import DomainError
from kompeten.privacy import services
from kompeten.privacy.models import PrivacyRequest, PrivacyRequestEvent
from kompeten.registry.models import Consent, Person

pytestmark = pytest.mark.django_db
RECEIVED = datetime.datetime(2025, 11, 3, 9, 30, tzinfo=datetime.UTC)


def test_due_72_hours_after_receipt_and_overdue_after(person_balikpapan, operator_balikpapan):
    with time_machine.travel(RECEIVED, tick=False):
        req = services.submit_request(person_balikpapan, kind="access", by=operator_balikpapan,
                                      channel="operator")
    assert req.due_at == RECEIVED + datetime.timedelta(hours=72)
    assert req.events.get().new_status == "received"
    just_before = RECEIVED + datetime.timedelta(hours=71, minutes=59)
    assert not PrivacyRequest.objects.overdue(just_before).exists()
    assert list(PrivacyRequest.objects.overdue(RECEIVED + datetime.timedelta(hours=72, minutes=1))) == [req]
    services.change_status(req, status="done", by=operator_balikpapan, note="Data given at the counter")
    assert not PrivacyRequest.objects.overdue(RECEIVED + datetime.timedelta(days=9)).exists()
    assert [(e.old_status, e.new_status) for e in req.events.all()] == [("", "received"), ("received", "done")]


def test_rules_of_requests(person_balikpapan, operator_balikpapan):
    req = services.submit_request(person_balikpapan, kind="correction", details="Phone is wrong",
                                  by=operator_balikpapan)
    with pytest.raises(DomainError) as error:
        services.submit_request(person_balikpapan, kind="correction", by=operator_balikpapan)
    assert error.value.code == "already_open"
    with pytest.raises(DomainError) as error:
        services.change_status(req, status="done", by=operator_balikpapan, note="")
    assert error.value.code == "note_required"
    services.change_status(req, status="rejected", by=operator_balikpapan, note="Phone was right")
    with pytest.raises(DomainError) as error:
        services.change_status(req, status="done", by=operator_balikpapan, note="x")
    assert error.value.code == "bad_transition"
    with pytest.raises(ValueError):
        req.events.first().save()


def test_overdue_command(person_balikpapan, person_bontang, operator_balikpapan, capsys):
    with time_machine.travel(RECEIVED, tick=False):
        late = services.submit_request(person_balikpapan, kind="erasure", by=operator_balikpapan)
    services.submit_request(person_bontang, kind="access", by=operator_balikpapan)  # just received: not late
    call_command("privacy", "overdue", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows] == [late.pk]
    assert rows[0]["hours_overdue"] > 0


def test_operator_sees_only_their_centres_requests(client, person_balikpapan, person_bontang, operator_bontang,
                                                   operator_balikpapan, province_admin):
    mine = services.submit_request(person_bontang, kind="access", by=operator_bontang)
    theirs = services.submit_request(person_balikpapan, kind="erasure", by=operator_balikpapan)
    client.force_login(operator_bontang)
    assert client.get(reverse("privacy:request_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("privacy:request_transition", args=[theirs.pk]),
                       {"status": "done", "note": "x"}).status_code == 404
    page = client.get(reverse("privacy:request_list"))
    assert list(page.context["rows"]) == [mine]
    assert client.get(reverse("privacy:request_detail", args=[mine.pk])).status_code == 200
    client.force_login(province_admin)
    assert set(client.get(reverse("privacy:request_list")).context["rows"]) == {mine, theirs}
    # A job seeker is not staff: the staff pages do not exist for them.
    seeker = make_user("seeker@example.test", "job_seeker")
    client.force_login(seeker)
    assert client.get(reverse("privacy:request_list")).status_code == 404


@pytest.fixture
def seeker(job_seeker):
    person = Person.objects.get(user=job_seeker)
    Person.objects.filter(pk=person.pk).update(phone="081311112222", street="Jl. Ahmad Yani 5")
    return job_seeker


def test_job_seeker_downloads_json_and_pdf_of_their_data_only(client, seeker, person_balikpapan):
    person = Person.objects.get(user=seeker)
    client.force_login(seeker)
    page = client.get(reverse("privacy:mine"))
    assert page.status_code == 200
    assert reverse("privacy:download", args=["pdf"]).encode() in page.content
    response = client.get(reverse("privacy:download", args=["json"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["person_id"] == person.pk
    assert data["records"]["registry.Person"][0]["nik"] == person.nik
    assert data["records"]["registry.Person"][0]["phone"] == "081311112222"
    assert person_balikpapan.nik not in response.content.decode() and "Budi" not in response.content.decode()
    response = client.get(reverse("privacy:download", args=["pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert person.nik in text and "Siti Aminah" in text and "081311112222" in text
    assert person_balikpapan.nik not in text
    assert client.get(reverse("privacy:download", args=["xml"])).status_code == 404
    # Each download is in the log, and so in the next export's history.
    history = services.export_person_data(person)["processing_history"]
    assert [e["note"] for e in history if e["action"] == "export"] == ["data_export:json", "data_export:pdf"]


def test_consent_withdrawal_is_a_new_record_in_force_at_once(client, seeker):
    person = Person.objects.get(user=seeker)
    client.force_login(seeker)
    client.post(reverse("privacy:consent"), {"purpose": "share_companies", "given": "1"})
    response = client.post(reverse("privacy:consent"), {"purpose": "share_companies", "given": "0"})
    assert response.status_code == 302
    records = list(person.consents.filter(purpose="share_companies").order_by("at", "pk"))
    assert [c.given for c in records] == [True, False]
    assert records[-1].channel == Consent.Channel.WEB and records[-1].text_version
    from kompeten.registry.services import current_consents
    assert current_consents(person)["share_companies"].given is False
    response = client.post(reverse("privacy:consent"), {"purpose": "nonsense", "given": "0"})
    assert response.status_code == 302 and person.consents.count() == 2


def test_job_seeker_asks_for_erasure_in_the_browser_and_the_deadline_list_shows_it(
        client, seeker, operator_balikpapan):
    person = Person.objects.get(user=seeker)
    client.force_login(seeker)
    response = client.post(reverse("privacy:request_create"), {"kind": "correction", "details": ""})
    assert response.status_code == 400 and b"corrected" in response.content
    with time_machine.travel(RECEIVED, tick=False):
        response = client.post(reverse("privacy:request_create"), {"kind": "erasure", "details": "Please"})
    assert response.status_code == 302
    req = PrivacyRequest.objects.get(person=person)
    assert req.kind == "erasure" and req.due_at == RECEIVED + datetime.timedelta(hours=72)

    client.force_login(operator_balikpapan)
    page = client.get(reverse("privacy:request_list"))
    assert [row.pk for row in page.context["rows"]] == [req.pk] and page.context["rows"][0].overdue
    assert page.context["overdue_count"] == 1
    assert b"table-danger" in page.content
    assert client.get(reverse("privacy:request_list") + "?show=overdue").context["rows"][0].pk == req.pk
    response = client.post(reverse("privacy:request_transition", args=[req.pk]), {"status": "done", "note": ""})
    assert response.status_code == 400
    response = client.post(reverse("privacy:request_transition", args=[req.pk]),
                           {"status": "done", "note": "Erased as asked"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == services.ERASED and person.user is None
    req.refresh_from_db()
    assert req.status == "done" and req.handled_by == operator_balikpapan and req.handled_at
    assert PrivacyRequestEvent.objects.filter(request=req).count() == 2
    assert not PrivacyRequest.objects.overdue(timezone.now()).exists()


def test_request_detail_view_is_logged_for_breach_readiness(client, person_balikpapan, operator_balikpapan):
    req = services.submit_request(person_balikpapan, kind="access", by=operator_balikpapan)
    client.force_login(operator_balikpapan)
    client.get(reverse("privacy:request_detail", args=[req.pk]))
    start = timezone.now() - datetime.timedelta(minutes=5)
    report = services.access_report(operator_balikpapan, start, timezone.now() + datetime.timedelta(minutes=1))
    assert [row["person_id"] for row in report["persons"]] == [person_balikpapan.pk]


def test_a_person_without_account_has_no_my_data(client):
    user = make_user("nobody@example.test", "job_seeker")
    make_person(serial=40)
    client.force_login(user)
    assert client.get(reverse("privacy:mine")).status_code == 404


def test_staff_record_a_request_made_at_the_counter(client, person_balikpapan, operator_balikpapan,
                                                    operator_bontang):
    url = reverse("privacy:request_for_person", args=[person_balikpapan.pk])
    client.force_login(operator_bontang)
    assert client.get(url).status_code == 404
    client.force_login(operator_balikpapan)
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "bogus"}).status_code == 400
    response = client.post(url, {"kind": "restriction", "details": "No more job offers by phone"})
    req = PrivacyRequest.objects.get(person=person_balikpapan)
    assert response.status_code == 302 and response["Location"] == reverse("privacy:request_detail", args=[req.pk])
    assert req.channel == "operator" and req.submitted_by == operator_balikpapan and req.kind == "restriction"
    response = client.post(url, {"kind": "restriction"})
    assert response.status_code == 400 and b"already" in response.content
