"""The placement pages, persona by persona: direct placement (audited), the status and its reasons, the signed scan,
the change of company, monitoring visits, the final assessment, the logbook, and who gets a 404."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from kompeten.apprenticeships import services
from kompeten.apprenticeships.models import (
    LogbookEntry,
    MonitoringVisit,
    Placement,
    PlacementEvent,
    PlacementSource,
    PlacementStatus,
)
from kompeten.apprenticeships.tests.conftest import make_offer
from kompeten.audit.models import AuditEntry
from kompeten.certificates.models import Certificate

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
START = datetime.date(2025, 7, 1)
WEEK_2 = datetime.date(2025, 7, 9)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def at(time_machine, day):
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=WITA), tick=False)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def placement(offer, trained, apprentice_user, province_admin):
    """Andi (with an account), placed directly in the mining company's offer (agreement drafted)."""
    return services.place_direct(trained[0], offer, by=province_admin, reason="Mengisi slot kosong")


@pytest.fixture
def running(placement, company_user, time_machine):
    """The placement signed and started on 1 July 2025; the clock on 9 July (its second week)."""
    at(time_machine, START)
    services.transition(placement, "signed", by=company_user)
    services.transition(placement, "active", by=company_user, on=START)
    at(time_machine, WEEK_2)
    placement.refresh_from_db()
    return placement


@pytest.fixture
def week(running, apprentice_user):
    return services.write_week(running, week_start=datetime.date(2025, 7, 7), activities="Servis unit dozer.",
                               practice_hours=30, theory_hours=6, by=apprentice_user)


@pytest.fixture
def retail_offer(other_company, programme_year):
    return make_offer(other_company, programme_year, title="Kasir Ritel", locations=("64.74",))


@pytest.fixture
def other_job_seeker(db):
    from conftest import make_person

    user = make_user("rudi@example.test", "job_seeker", full_name="Rudi Hartono")
    make_person(full_name="Rudi Hartono", user=user, serial=41, sex="L")
    return user


# --- direct placement -------------------------------------------------------------------------------


def test_direct_placement_by_an_operator_is_audited(client, offer, trained, operator_balikpapan):
    login(client, operator_balikpapan)
    page = client.get(reverse("apprenticeships:placement_create"), {"q": "Dewi"})
    assert page.status_code == 200
    assert [p.full_name for p in page.context["form"].fields["person"].queryset] == ["Dewi Lestari"]
    response = client.post(reverse("apprenticeships:placement_create"), {
        "person": trained[1].pk, "offer": offer.pk, "reason": "Slot kosong setelah putaran 1"})
    placement = Placement.objects.get(person=trained[1])
    assert response.status_code == 302
    assert response.url == reverse("apprenticeships:placement_detail", args=[placement.pk])
    assert placement.source == PlacementSource.DIRECT and placement.status == PlacementStatus.DRAFT
    assert placement.created_by == operator_balikpapan and placement.mentor is not None
    entry = AuditEntry.objects.for_object(placement).get(action=AuditEntry.Action.CREATE)
    assert entry.actor == operator_balikpapan and "direct: Slot kosong setelah putaran 1" in entry.note
    assert PlacementEvent.objects.get(placement=placement).reason == "direct: Slot kosong setelah putaran 1"


def test_direct_placement_needs_a_reason_and_a_person_the_officer_sees(client, offer, trained, operator_bontang,
                                                                       province_admin):
    login(client, operator_bontang)
    response = client.post(reverse("apprenticeships:placement_create"), {
        "person": trained[1].pk, "offer": offer.pk, "reason": "Coba"})
    assert response.status_code == 400 and not Placement.objects.exists()
    login(client, province_admin)
    response = client.post(reverse("apprenticeships:placement_create"), {
        "person": trained[1].pk, "offer": offer.pk, "reason": " "})
    assert response.status_code == 400 and not Placement.objects.exists()
    # The service's refusal is shown: a person with an open placement cannot be placed again.
    services.place_direct(trained[1], offer, by=province_admin, reason="Pertama")
    response = client.post(reverse("apprenticeships:placement_create"), {
        "person": trained[1].pk, "offer": offer.pk, "reason": "Kedua"})
    assert response.status_code == 400
    assert "already has an apprenticeship" in response.content.decode()
    assert Placement.objects.count() == 1


def test_an_operator_follows_the_placement_of_a_person_registered_at_the_centre(client, offer, person_balikpapan,
                                                                                operator_balikpapan):
    """Registered at the operator's centre but never trained there: the operator may place the person (registry
    scope) and follows the placement afterwards (placements are scoped like persons)."""
    login(client, operator_balikpapan)
    response = client.post(reverse("apprenticeships:placement_create"), {
        "person": person_balikpapan.pk, "offer": offer.pk, "reason": "Permintaan perusahaan"})
    placement = Placement.objects.get(person=person_balikpapan, source=PlacementSource.DIRECT)
    assert response.status_code == 302
    assert response.url == reverse("apprenticeships:placement_detail", args=[placement.pk])
    assert client.get(response.url).status_code == 200


def test_job_seekers_and_companies_cannot_place_directly(client, offer, company_user, apprentice_user):
    for user in (company_user, apprentice_user):
        login(client, user)
        assert client.get(reverse("apprenticeships:placement_create")).status_code == 404


# --- status, scan, transfer, visits, completion ----------------------------------------------------


def test_status_moves_with_reasons(client, running, company_user, operator_balikpapan):
    login(client, company_user)
    url = reverse("apprenticeships:placement_transition", args=[running.pk])
    response = client.post(url, {"status": "paused"})
    assert response.status_code == 400 and "Give the reason." in response.content.decode()
    running.refresh_from_db()
    assert running.status == PlacementStatus.ACTIVE
    assert client.post(url, {"status": "paused", "reason": "Sakit, opname"}).status_code == 302
    running.refresh_from_db()
    assert running.status == PlacementStatus.PAUSED and running.status_reason == "Sakit, opname"
    # A move the agreement does not allow is not offered, and refused.
    response = client.post(url, {"status": "signed"})
    assert response.status_code == 400
    login(client, operator_balikpapan)
    assert client.post(url, {"status": "active"}).status_code == 302
    running.refresh_from_db()
    assert running.status == PlacementStatus.ACTIVE
    html = client.get(reverse("apprenticeships:placement_detail", args=[running.pk])).content.decode()
    assert "Sakit, opname" in html  # the status history


def test_signed_scan_upload_and_download(client, placement, company_user, province_admin, apprentice_user):
    login(client, company_user)
    url = reverse("apprenticeships:scan_upload", args=[placement.pk])
    response = client.post(url, {"scan": SimpleUploadedFile("scan.txt", b"not a scan", content_type="application/pdf")})
    assert response.status_code == 400 and "not a PDF, JPEG or PNG" in response.content.decode()
    response = client.post(url, {"scan": SimpleUploadedFile("perjanjian.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNED and placement.signed_scan_sha256
    for user in (province_admin, apprentice_user, company_user):
        login(client, user)
        download = client.get(reverse("apprenticeships:scan_download", args=[placement.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["Cache-Control"] == "private, no-store"
        page = client.get(reverse("apprenticeships:placement_detail", args=[placement.pk])).content.decode()
        assert placement.signed_scan.name not in page and "/media/" not in page


def test_transfer_is_recorded_with_its_reason(client, running, retail_offer, province_admin, other_company_user):
    login(client, province_admin)
    url = reverse("apprenticeships:placement_transfer", args=[running.pk])
    response = client.post(url, {"offer": retail_offer.pk})
    assert response.status_code == 400 and Placement.objects.count() == 1
    response = client.post(url, {"offer": retail_offer.pk, "reason": "Bengkel tutup sementara"})
    new = Placement.objects.get(previous=running)
    assert response.status_code == 302
    assert response.url == reverse("apprenticeships:placement_detail", args=[new.pk])
    running.refresh_from_db()
    assert running.status == PlacementStatus.STOPPED
    assert running.status_reason == "pindah perusahaan: Bengkel tutup sementara"
    assert running.events.filter(new_status=PlacementStatus.STOPPED,
                                 reason__contains="Bengkel tutup sementara").exists()
    assert new.source == PlacementSource.TRANSFER and new.company == retail_offer.company
    assert new.start_date == WEEK_2 and new.status == PlacementStatus.DRAFT
    assert "transfer: Bengkel tutup sementara" in AuditEntry.objects.for_object(new).get(
        action=AuditEntry.Action.CREATE).note
    html = client.get(reverse("apprenticeships:placement_detail", args=[new.pk])).content.decode()
    assert running.agreement_number in html  # the previous placement
    # The other company now sees the new placement, not the old one.
    login(client, other_company_user)
    assert client.get(reverse("apprenticeships:placement_detail", args=[new.pk])).status_code == 200
    assert client.get(reverse("apprenticeships:placement_detail", args=[running.pk])).status_code == 404


def test_transfer_and_visits_are_for_administrators(client, running, retail_offer, company_user,
                                                    operator_balikpapan):
    login(client, company_user)
    assert client.post(reverse("apprenticeships:placement_transfer", args=[running.pk]),
                       {"offer": retail_offer.pk, "reason": "x"}).status_code == 404
    assert client.post(reverse("apprenticeships:visit_add", args=[running.pk]),
                       {"on": "2025-07-08", "kind": "visit", "findings": "x"}).status_code == 404
    login(client, operator_balikpapan)
    response = client.post(reverse("apprenticeships:visit_add", args=[running.pk]), {
        "on": "2025-07-08", "kind": "visit", "findings": "Peserta hadir, APD lengkap.", "follow_up": ""})
    assert response.status_code == 302
    visit = MonitoringVisit.objects.get(placement=running)
    assert visit.by == operator_balikpapan and visit.findings == "Peserta hadir, APD lengkap."
    response = client.post(reverse("apprenticeships:visit_add", args=[running.pk]), {
        "on": "2025-08-08", "kind": "visit", "findings": "Nanti"})
    assert response.status_code == 400 and "future date" in response.content.decode()
    login(client, company_user)
    html = client.get(reverse("apprenticeships:placement_detail", args=[running.pk])).content.decode()
    assert "APD lengkap" in html


def test_final_assessment_is_the_company_s(client, running, company_user, province_admin, apprentice_user):
    url = reverse("apprenticeships:placement_complete", args=[running.pk])
    for user in (province_admin, apprentice_user):
        login(client, user)
        assert client.post(url, {"passed": "1", "score": "90"}).status_code == 404
    login(client, company_user)
    response = client.post(url, {"passed": "1", "score": "120"})
    assert response.status_code == 400
    response = client.post(url, {"passed": "0", "score": "40", "notes": "Sering absen."}, follow=True)
    assert "not passed" in response.content.decode()
    running.refresh_from_db()
    assert running.status == PlacementStatus.COMPLETED and running.final_passed is False
    assert not Certificate.objects.filter(placement=running).exists()
    response = client.post(url, {"passed": "1", "score": "90"})
    assert response.status_code == 400 and "has been recorded" in response.content.decode()
    # The ended agreement keeps its signed scan.
    response = client.post(reverse("apprenticeships:scan_upload", args=[running.pk]),
                           {"scan": SimpleUploadedFile("late.pdf", PDF)}, follow=True)
    assert "cannot be replaced" in response.content.decode()
    running.refresh_from_db()
    assert not running.signed_scan


# --- the logbook ------------------------------------------------------------------------------------


def test_the_apprentice_writes_and_rewrites_a_week(client, running, apprentice_user):
    login(client, apprentice_user)
    page = client.get(reverse("apprenticeships:placement_detail", args=[running.pk]))
    assert page.status_code == 200 and page.context["log"]["form"] is not None
    prefix = f"log{running.pk}-"
    url = reverse("apprenticeships:logbook_write", args=[running.pk])
    data = {f"{prefix}week_start": "2025-07-07", f"{prefix}activities": "Ganti oli.",
            f"{prefix}practice_hours": "30", f"{prefix}theory_hours": "5"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, f"{prefix}activities": "Ganti oli dan filter."}).status_code == 302
    entry = LogbookEntry.objects.get(placement=running)
    assert entry.activities == "Ganti oli dan filter."
    response = client.post(url, {**data, f"{prefix}practice_hours": "50", f"{prefix}theory_hours": "20"},
                           follow=True)
    assert "more than a week holds" in response.content.decode()
    # A week in the future is not offered.
    response = client.post(url, {**data, f"{prefix}week_start": "2025-07-14"}, follow=True)
    assert LogbookEntry.objects.filter(placement=running).count() == 1


def test_the_apprentice_cannot_confirm_their_own_week(client, week, apprentice_user):
    login(client, apprentice_user)
    response = client.post(reverse("apprenticeships:logbook_confirm", args=[week.pk]))
    assert response.status_code == 404
    week.refresh_from_db()
    assert not week.is_confirmed
    html = client.get(reverse("apprenticeships:placement_detail", args=[week.placement_id])).content.decode()
    assert "Confirm this week" not in html


def test_the_company_cannot_write_the_logbook(client, running, company_user, province_admin):
    prefix = f"log{running.pk}-"
    for user in (company_user, province_admin):
        login(client, user)
        response = client.post(reverse("apprenticeships:logbook_write", args=[running.pk]), {
            f"{prefix}week_start": "2025-07-07", f"{prefix}activities": "Ditulis perusahaan.",
            f"{prefix}practice_hours": "30", f"{prefix}theory_hours": "5"})
        assert response.status_code == 404
    assert not LogbookEntry.objects.exists()


def test_a_mentor_with_an_account_confirms(client, week, mentor, company):
    user = make_user("joko@tambangmaju.test", "company_user", company=company, full_name="Joko Widodo")
    mentor.user = user
    mentor.save(update_fields=["user"])
    login(client, user)
    response = client.post(reverse("apprenticeships:logbook_confirm", args=[week.pk]),
                           {"note": "OK", "next": reverse("apprenticeships:home")})
    assert response.status_code == 302 and response.url == reverse("apprenticeships:home")
    week.refresh_from_db()
    assert week.is_confirmed and week.confirmed_by == user
    response = client.post(reverse("apprenticeships:logbook_confirm", args=[week.pk]), follow=True)
    assert "has confirmed this week" in response.content.decode()


# --- who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("insider", ["province_admin", "operator_balikpapan", "company_user", "apprentice_user"])
def test_insiders_see_the_placement_and_its_agreement(client, request, placement, insider):
    login(client, request.getfixturevalue(insider))
    assert client.get(reverse("apprenticeships:placement_detail", args=[placement.pk])).status_code == 200
    pdf = client.get(reverse("apprenticeships:agreement_pdf", args=[placement.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("outsider", ["other_company_user", "operator_bontang", "job_seeker", "other_job_seeker"])
def test_outsiders_get_404(client, request, week, retail_offer, company_user, outsider):
    placement = week.placement
    services.upload_signed_scan(placement, SimpleUploadedFile("s.pdf", PDF), by=company_user)
    login(client, request.getfixturevalue(outsider))
    pk = placement.pk
    gets = ["placement_detail", "agreement_pdf", "scan_download"]
    for name in gets:
        assert client.get(reverse(f"apprenticeships:{name}", args=[pk])).status_code == 404, name
    posts = {
        "placement_transition": {"status": "paused", "reason": "x"},
        "scan_upload": {"scan": SimpleUploadedFile("s.pdf", PDF)},
        "placement_transfer": {"offer": retail_offer.pk, "reason": "x"},
        "visit_add": {"on": "2025-07-08", "kind": "visit", "findings": "x"},
        "placement_complete": {"passed": "1"},
        "logbook_write": {},
    }
    for name, data in posts.items():
        assert client.post(reverse(f"apprenticeships:{name}", args=[pk]), data).status_code == 404, name
    assert client.post(reverse("apprenticeships:logbook_confirm", args=[week.pk])).status_code == 404
    placement.refresh_from_db()
    week.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE and not week.is_confirmed


def test_agreement_download_by_others_than_the_apprentice_is_audited(client, placement, company_user,
                                                                      apprentice_user):
    login(client, apprentice_user)
    client.get(reverse("apprenticeships:agreement_pdf", args=[placement.pk]))
    assert not AuditEntry.objects.for_object(placement).filter(action=AuditEntry.Action.EXPORT).exists()
    login(client, company_user)
    client.get(reverse("apprenticeships:agreement_pdf", args=[placement.pk]))
    assert AuditEntry.objects.for_object(placement).get(action=AuditEntry.Action.EXPORT).actor == company_user


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_is_scoped_and_filtered(client, placement, trained, retail_offer, province_admin, company_user,
                                         other_company_user, operator_bontang, apprentice_user):
    other = services.place_direct(trained[1], retail_offer, by=province_admin, reason="Langsung")
    login(client, province_admin)
    url = reverse("apprenticeships:placement_list")
    assert {p.pk for p in client.get(url).context["page"]} == {placement.pk, other.pk}
    assert [p.pk for p in client.get(url, {"q": "dewi"}).context["page"]] == [other.pk]
    assert [p.pk for p in client.get(url, {"company": retail_offer.company_id}).context["page"]] == [other.pk]
    assert [p.pk for p in client.get(url, {"status": "active"}).context["page"]] == []
    login(client, company_user)
    assert [p.pk for p in client.get(url).context["page"]] == [placement.pk]
    login(client, other_company_user)
    assert [p.pk for p in client.get(url).context["page"]] == [other.pk]
    login(client, operator_bontang)
    assert list(client.get(url).context["page"]) == []
    login(client, apprentice_user)
    assert client.get(url).status_code == 404


def test_operator_home_lists_their_trainees_placements(client, running, operator_balikpapan, time_machine):
    at(time_machine, datetime.date(2025, 7, 30))  # four weeks without a confirmed week: flagged
    login(client, operator_balikpapan)
    page = client.get(reverse("apprenticeships:home"))
    assert page.status_code == 200
    assert [p.pk for p in page.context["op_placements"]] == [running.pk]
    assert page.context["op_flagged_count"] == 1 and page.context["op_placements"][0].flagged
    listed = client.get(reverse("apprenticeships:placement_list"), {"flagged": "on"})
    assert [p.pk for p in listed.context["page"]] == [running.pk]
    assert listed.context["page"][0].weeks_confirmed == 0
