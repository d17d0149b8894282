"""The Kaltim 2025 year in a real browser, for every role, on the demo that ``make run`` serves (conftest.py).

The seven journeys of issue 12, in order on one demo (they build on each other: the job seeker applies before the
operator runs the round):

1. A job seeker registers on a phone, gives consent, applies to three classes of the open round, sees the result with
   its explanation and confirms the seat (the operator runs and publishes the round in between, then sees the new
   participant in the class and enrols a walk-in).
2. The BLKI Balikpapan operator opens the class that has just ended, takes the last session's attendance in the grid,
   records completion, closes the class and prints the attendance sheet.
3. An assessor records a whole assessment event on a tablet; the LSP approves it.
4. The operator issues the class's certificates (progress bar until done); the PDF downloads; its QR, decoded from the
   rendered page, opens the verification page, which says valid; after revocation it says revoked.
5. A company registers, posts an apprenticeship offer and a vacancy, sees a shortlist; an apprentice's logbook week is
   confirmed.
6. The province admin reads the dashboard and downloads the monthly report.
7. The BLKI Bontang operator tries a Balikpapan URL and gets 404.

Every step leaves a screenshot (conftest.Journey.shot); every page visited is checked with axe-core (no serious or
critical violations) and for script errors (Journey.check).
"""

import datetime
import io
import json
import re

import pytest

from tests.journeys.conftest import DESKTOP, LOGINS, PHONE, TABLET, pdf_pages, pdf_text, qr_codes

# One worker runs every journey, in order, on one demo (the Makefile's --dist loadgroup reads this mark).
pytestmark = pytest.mark.xdist_group("journeys")


def choose(select, starts_with: str):
    """Pick the option of a <select> whose label starts with the text (reference lists have long labels)."""
    value = select.evaluate("(element, prefix) => [...element.options].find(o => o.text.trim().startsWith(prefix))"
                            "?.value", starts_with)
    assert value is not None, f"no option starting with {starts_with!r}"
    select.select_option(value)


def fill_form(page, values: dict, *, form: str = "main form[method=post]"):
    """Fill a form by field name: text, number, date, select (by the label's start), checkboxes (a list of labels)."""
    for name, value in values.items():
        field = page.locator(f"{form} [name='{name}']")
        kind = field.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.startswith("select"):
            choose(field.first, value)
        elif kind.endswith(":checkbox"):
            for label in value:
                page.locator(f"{form} label", has_text=label).first.click()
        else:
            field.first.fill(str(value))


def tiny_png() -> bytes:
    """A small real PNG (a scanned document's stand-in) for the upload."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 160), (230, 230, 220)).save(buffer, format="PNG")
    return buffer.getvalue()


OPEN_ROUND = """
import json
from kompeten.core.demo import open_round
print(json.dumps(open_round().pk))
"""

APPLICATION = """
import json
from kompeten.selection.models import Application
application = Application.objects.get(round_id={round}, person__full_name="{name}")
offers = application.offers.order_by("pk")
print(json.dumps({{"pk": application.pk, "status": application.status,
                   "offers": list(offers.values_list("pk", "status")),
                   "batch": offers.values_list("batch_id", flat=True).last()}}))
"""

WALK_IN = """
import json
from kompeten.registry.models import Person
person = (Person.objects.filter(registered_centre__code="blki_balikpapan", declared_prior_training=False,
                                prior_trainings__isnull=True, sex="P")
          .exclude(enrolments__isnull=False).exclude(applications__round_id={round}).order_by("pk").first())
print(json.dumps({{"nik": person.nik, "name": person.full_name}}))
"""
PAGE_BUDGET = 300 * 1024  # bytes transferred on a first visit

NEW_JOB_SEEKER = {"name": "Rahmat Hidayat Saputra", "phone": "081350112233", "email": "rahmat.hidayat@contoh.id",
                  "password": "Belajar-Las-2025", "district": "64.71.01", "born": datetime.date(2001, 4, 12)}


def test_1_a_job_seeker_registers_on_a_phone_applies_and_confirms_the_seat(journey, demo_site):
    from playwright.sync_api import expect

    from kompeten.registry.nik import make_nik

    round_ = demo_site.query(OPEN_ROUND)
    assert round_, "the demo has no round open for applications at BLKI Balikpapan today"
    seeker = journey("j1", PHONE)
    page = seeker.page
    # On a slow connection the first visit must stay light: under 300 KB for the pages a job seeker starts on.
    weights = {path: seeker.first_load_bytes(path) for path in ("/", "/pencari-kerja/daftar/", "/akun/masuk/")}
    (demo_site.artefacts / "page-weight.json").write_text(json.dumps(weights, indent=1))
    assert all(size < PAGE_BUDGET for size in weights.values()), weights
    seeker.goto("/")
    seeker.shot("01-landing")
    seeker.check()

    # Registration, as on the KTP, with the consents.
    page.locator("main a[href='/pencari-kerja/daftar/']").click()
    page.wait_for_load_state()
    me = NEW_JOB_SEEKER
    fill_form(page, {
        "nik": make_nik(me["district"], me["born"], "L", 7311), "full_name": me["name"], "sex": "Laki-laki",
        "birth_place": "Balikpapan", "birth_date": me["born"].isoformat(), "phone": me["phone"],
        "street": "Jl. Mulawarman Gg. Damai No. 12", "rt": "004", "rw": "002"})
    page.select_option("[name=district]", me["district"])
    expect(page.locator("[name=village] option")).not_to_have_count(1)  # htmx loaded the district's villages
    page.locator("[name=village]").select_option(index=1)
    fill_form(page, {"education": "SMK", "major": "Teknik Pengelasan", "employment_status": "Belum",
                     "login_email": me["email"], "password1": me["password"], "password2": me["password"]})
    seeker.shot("02-register")
    for consent in ("registry", "share_companies", "contact", "outcome_surveys"):
        page.check(f"[name=consent_{consent}]")
    page.locator("[name=consent_registry]").scroll_into_view_if_needed()
    seeker.shot("03-consent", full_page=False)
    seeker.check()
    seeker.submit(page.locator("main form[method=post] button[type=submit]").last, then=r"/pencari-kerja/saya/$")

    # The documents the training packages ask for: KTP and ijazah, photos from the phone.
    for kind, name in (("ktp", "ktp.png"), ("ijazah", "ijazah.png")):
        page.select_option("[name=kind]", kind)
        page.set_input_files("[name=file]", files=[{"name": name, "mimeType": "image/png", "buffer": tiny_png()}])
        seeker.submit(page.locator("form[action='/pencari-kerja/saya/dokumen/'] button[type=submit]"),
                      then=r"/pencari-kerja/saya/")
    seeker.shot("04-home")
    seeker.check()

    # The open round: three classes, in order of preference.
    seeker.goto("/seleksi/")
    page.locator(f"a[href='/seleksi/{round_}/daftar/']").first.click()
    page.wait_for_load_state()
    seeker.shot("05-round")
    seeker.check()
    for choice in (1, 2, 3):
        page.locator(f"[name=choice_{choice}]").select_option(index=choice)
    seeker.submit(page.locator("main form[method=post] button[type=submit]"), then=r"/seleksi/lamaran-saya/$")
    seeker.shot("06-applied")
    seeker.check()
    application = demo_site.query(APPLICATION.format(round=round_, name=me["name"]))

    # The operator of BLKI Balikpapan closes registration, checks the documents, allocates and publishes.
    operator = journey("j2", DESKTOP)
    staff = operator.page
    operator.log_in(LOGINS["operator_balikpapan"])
    operator.goto(f"/seleksi/{round_}/")
    operator.shot("02-round", full_page=False)
    operator.check()
    operator.submit(staff.locator("form:has(input[name=action][value=close]) button"), then=rf"/seleksi/{round_}/")
    operator.goto(f"/seleksi/lamaran/{application['pk']}/")
    documents = staff.locator("form:has(input[name=stage][value=documents])")
    if documents.count():
        documents.locator("input[type=radio][value='1']").check()
        operator.submit(documents.locator("button[type=submit]"), then=r"/seleksi/lamaran/")
    operator.goto(f"/seleksi/{round_}/")
    operator.submit(staff.locator("form:has(input[name=action][value=allocate]) button"), then=rf"/seleksi/{round_}/")
    expect(staff.locator(".alert-success")).to_be_visible()
    operator.shot("03-allocation", full_page=False)
    operator.check()
    operator.submit(staff.locator("form:has(input[name=action][value=publish]) button"), then=rf"/seleksi/{round_}/")
    expect(staff.locator(".alert-success")).to_be_visible()
    operator.shot("04-published", full_page=False)

    # The result, with why; the seat is confirmed (daftar ulang).
    seeker.goto("/seleksi/lamaran-saya/")
    offer = page.locator("form[action$='/terima/'] button[type=submit]")
    expect(offer).to_be_visible()
    seeker.shot("07-result")
    seeker.check()
    seeker.submit(offer, then=r"/seleksi/lamaran-saya/$")
    expect(page.locator(".alert-success")).to_be_visible()
    seeker.shot("08-seat-confirmed")
    seeker.check()
    application = demo_site.query(APPLICATION.format(round=round_, name=me["name"]))
    assert [status for _pk, status in application["offers"]] == ["accepted"], application

    # The operator sees the new participant in the class, and enrols a job seeker who came to the office.
    operator.goto(f"/program/angkatan/{application['batch']}/")
    expect(staff.locator("main table", has_text=me["name"])).to_be_visible()
    walk_in = demo_site.query(WALK_IN.format(round=round_))
    staff.fill("#cand-q", walk_in["nik"])  # the KTP she brought: the full NIK finds exactly her
    enrol = staff.locator("#candidates li", has_text=walk_in["name"]).locator("button[type=submit]")
    expect(enrol).to_have_count(1)
    operator.submit(enrol, then=rf"/program/angkatan/{application['batch']}/$")
    expect(staff.locator(".alert-success")).to_be_visible()
    expect(staff.locator("main table", has_text=walk_in["name"])).to_be_visible()
    operator.shot("05-enrolment", full_page=False)
    operator.check()


JUST_ENDED = """
import json
from kompeten.core.demo import journey_batch
print(json.dumps(journey_batch().pk))
"""

BATCH_STATE = """
import json
from kompeten.programmes.models import Batch
from kompeten.training.models import Attendance
batch = Batch.objects.get(pk={batch})
missing = batch.sessions.count() * batch.enrolments.filter(status="enrolled").count() - Attendance.objects.filter(
    session__batch=batch, enrolment__status="enrolled").count()
print(json.dumps({{"status": batch.status, "missing": missing,
                   "completed": batch.enrolments.filter(status="completed").count()}}))
"""


def test_2_the_operator_takes_the_last_attendance_closes_the_class_and_prints_the_sheet(journey, demo_site):
    from playwright.sync_api import expect

    batch = demo_site.query(JUST_ENDED)
    assert batch, "the demo has no BLKI Balikpapan class that ended and is still running"
    operator = journey("j2", DESKTOP)
    page = operator.page
    operator.log_in(LOGINS["operator_balikpapan"])
    operator.goto("/program/angkatan/?status=running")
    page.locator(f"main a[href='/program/angkatan/{batch}/']").first.click()
    page.wait_for_load_state()
    operator.shot("01-batch", full_page=False)
    operator.check()

    # The attendance grid opens at the first session not taken yet: the last one. Everyone came, one was late.
    page.locator(f"a[href='/pelatihan/angkatan/{batch}/hadir/']").click()
    page.wait_for_load_state()
    empty = page.locator("table.attendance-grid select").evaluate_all(
        "selects => selects.filter(s => !s.value).map(s => s.id)")
    assert empty, "no attendance left to take"
    for number, cell in enumerate(empty):
        page.select_option(f"#{cell}", "late" if number == 0 else "present")
    operator.shot("06-attendance-grid", full_page=False)
    operator.check()
    operator.submit(page.locator("main form[method=post] button[type=submit]"), then=r"/hadir/")
    expect(page.locator(".alert-success")).to_be_visible()
    assert demo_site.query(BATCH_STATE.format(batch=batch))["missing"] == 0

    # Completion: who completed (attendance at least 80 %), then the class is closed.
    operator.goto(f"/pelatihan/angkatan/{batch}/kelulusan/")
    operator.check()
    operator.submit(page.locator("main form[method=post] button[type=submit]"), then=rf"/program/angkatan/{batch}/$")
    expect(page.locator(".alert-success")).to_be_visible()
    for status in ("completed", "closed"):
        transition = f"form[action='/program/angkatan/{batch}/status/']:has(input[name=to][value={status}]) button"
        operator.submit(page.locator(transition), then=rf"/program/angkatan/{batch}/$")
    state = demo_site.query(BATCH_STATE.format(batch=batch))
    assert state["status"] == "closed" and state["completed"] > 0, state
    operator.shot("07-batch-closed", full_page=False)
    operator.check()

    # The attendance sheet, to print and sign.
    page.locator("main button.dropdown-toggle", has_text="Cetak").click()
    sheet = page.locator(f"a[href='/pelatihan/angkatan/{batch}/dokumen/hadir.pdf']")
    expect(sheet).to_be_visible()
    data, kind = operator.fetch(f"/pelatihan/angkatan/{batch}/dokumen/hadir.pdf")
    assert data.startswith(b"%PDF") and kind == "application/pdf"
    assert "DAFTAR HADIR" in pdf_text(data).upper()
    operator.shot("08-attendance-sheet", image=pdf_pages(data)[0])


TODAYS_EVENT = """
import json
from kompeten.assessment.demo import journey_event
event = journey_event()
print(json.dumps({"event": event.pk, "candidates": list(event.candidates.filter(status="registered")
                                                     .order_by("person__full_name").values_list("pk", flat=True))}))
"""

EVENT_STATE = """
import json
from kompeten.assessment.models import Assessment
print(json.dumps(dict((str(pk), [status, decision]) for pk, status, decision in
                      Assessment.objects.filter(event_id={event}).values_list("pk", "status", "decision"))))
"""


def record_candidate(assessor, candidate: int, *, one_unit_not_yet: bool) -> int:
    """On the tablet, from the event's list: FR.AK.01 consent, the evidence and a result for every unit (each tap is
    saved at once, the badge says so), then the file goes to the LSP. Returns the number of units."""
    from playwright.sync_api import expect

    page = assessor.page
    page.locator(f"a[href='/asesmen/asesi/{candidate}/nilai/']").click()
    page.wait_for_load_state()
    agree = page.locator("form[action$='/ak01/'] button[type=submit]")
    if agree.count():
        agree.click()
        page.wait_for_load_state()
    cards = page.locator("section.unit-card")
    for index in range(cards.count()):
        card = cards.nth(index)
        unit = card.get_attribute("data-unit")
        result = "BK" if one_unit_not_yet and index == 0 else "K"
        taps = [f"m-{unit}-observation", f"r-{unit}-{result}"]
        for tap in [t for t in taps if not card.locator(f"#{t}").is_checked()]:
            card.locator(f"label[for='{tap}']").click()
        expect(card.locator(f"#r-{unit}-{result}")).to_be_checked()
        expect(card.locator(".save-state")).not_to_have_attribute("data-state", re.compile("saving|pending|error"))
    expect(page.locator("#recommendation")).to_have_text("BK" if one_unit_not_yet else "K")
    page.wait_for_function("!document.querySelector('.save-state[data-state=saving], .save-state[data-state=pending]')")
    return cards.count()


def test_3_an_assessor_records_a_whole_event_on_a_tablet_and_the_lsp_approves(journey, demo_site):
    from playwright.sync_api import expect

    found = demo_site.query(TODAYS_EVENT)
    event, candidates = found["event"], found["candidates"]
    assert candidates, "the demo has no event today with candidates for asesor@kompeten.demo"

    assessor = journey("j3", TABLET)
    assessor.log_in(LOGINS["assessor"])
    assessor.goto(f"/asesmen/{event}/")
    assessor.shot("01-event")
    assessor.check()
    for number, candidate in enumerate(candidates):
        units = record_candidate(assessor, candidate, one_unit_not_yet=number == 1)
        assert units > 0
        if number == 0:
            assessor.shot("02-record")
            assessor.check()
        assessor.page.locator("#submit-form button[type=submit]").click()
        assessor.page.wait_for_load_state()
        assessor.goto(f"/asesmen/{event}/")
    assessor.shot("03-submitted")
    state = demo_site.query(EVENT_STATE.format(event=event))
    assert all(state[str(pk)][0] == "assessed" for pk in candidates), state

    # The LSP manager decides every submitted file at once, on a laptop.
    lsp = journey("j3", DESKTOP)
    lsp.log_in(LOGINS["lsp"])
    lsp.goto(f"/asesmen/{event}/")
    lsp.check()
    lsp.page.locator(f"form[action='/asesmen/{event}/setujui/'] button[type=submit]").click()
    lsp.page.wait_for_load_state()
    expect(lsp.page.locator(".alert-success")).to_be_visible()
    lsp.shot("04-lsp-approval")
    state = demo_site.query(EVENT_STATE.format(event=event))
    decisions = [state[str(pk)] for pk in candidates]
    assert decisions[1] == ["approved", "BK"] and all(d == ["approved", "K"] for i, d in enumerate(decisions) if i != 1)


COMPLETED_CLASS = """
import json
from kompeten.core.demo import assessed_journey_batch
print(json.dumps(assessed_journey_batch().pk))
"""


def test_4_the_operator_issues_the_certificates_and_anyone_verifies_the_qr(journey, demo_site):
    from urllib.parse import urlsplit

    from playwright.sync_api import expect

    batch = demo_site.query(COMPLETED_CLASS)  # the class assessed today: its training certificates are due
    operator = journey("j4", DESKTOP)
    page = operator.page
    operator.log_in(LOGINS["operator_balikpapan"])
    operator.goto(f"/program/angkatan/{batch}/")
    page.locator(f"main a[href='/sertifikat/terbitkan/batch/{batch}/']").click()
    page.wait_for_load_state()
    operator.shot("01-issue", full_page=False)
    operator.check()
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_url("**/sertifikat/proses/*/")
    progress = page.locator("#job-progress")
    expect(progress.locator("[role=progressbar]")).to_be_visible()
    operator.shot("02-progress", full_page=False)
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "done", timeout=120_000)
    expect(page.locator("#job-progress [role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    operator.shot("03-issued", full_page=False)
    operator.check()

    # One of the new certificates: its PDF, and the QR code printed on it.
    page.locator("a[href^='/sertifikat/?job=']").click()
    page.wait_for_load_state()
    page.locator("main table a[href^='/sertifikat/']").first.click()
    page.wait_for_load_state()
    certificate = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert page.locator(f"a[href='/sertifikat/{certificate}/pdf/']").count() == 1
    data, kind = operator.fetch(f"/sertifikat/{certificate}/pdf/")
    assert data.startswith(b"%PDF") and kind == "application/pdf"
    images = pdf_pages(data, dpi=150)
    operator.shot("04-certificate-pdf", image=images[0])
    found = [code for image in images for code in qr_codes(image)]
    assert found, "no QR code on the certificate's PDF"
    scanned = urlsplit(found[0])
    assert scanned.path == "/v" and scanned.fragment, found[0]

    # Anyone, on a phone, without logging in: the QR's address says valid, checked in the browser and online.
    public = journey("j4", PHONE)
    public.goto(f"/v#{scanned.fragment}")
    expect(public.page.locator("#v-status")).to_have_attribute("data-status", "valid")
    public.page.locator("#v-online").click()
    expect(public.page.locator("#v-online-status")).to_have_attribute("data-status", "valid")
    public.shot("05-verify-valid")
    public.check()

    # The operator revokes it, with a reason; the same QR now says revoked.
    page.once("dialog", lambda dialog: dialog.accept())
    reason = "Sertifikat diterbitkan untuk peserta yang salah (uji perjalanan)"
    page.locator(f"form[action='/sertifikat/{certificate}/cabut/'] [name=reason]").fill(reason)
    page.locator(f"form[action='/sertifikat/{certificate}/cabut/'] button[type=submit]").click()
    page.wait_for_load_state()
    public.goto(f"/v#{scanned.fragment}")
    expect(public.page.locator("#v-status")).to_have_attribute("data-status", "valid")  # the signature still holds
    public.page.locator("#v-online").click()
    expect(public.page.locator("#v-online-status")).to_have_attribute("data-status", "revoked")
    expect(public.page.locator("#v-online-result")).to_contain_text(reason)
    public.shot("06-verify-revoked")
    public.check()


LOGBOOK_TO_CONFIRM = """
import json
from kompeten.apprenticeships.demo import JOURNEY_COMPANY_LOGIN, journey_week
week = journey_week()
print(json.dumps({"week": week.pk, "placement": week.placement_id, "login": JOURNEY_COMPANY_LOGIN}))
"""


def test_5_a_company_registers_posts_an_offer_and_a_vacancy_and_confirms_a_logbook_week(journey, demo_site):
    from playwright.sync_api import expect


    # The HR officer of a Balikpapan retailer registers the company.
    company = journey("j5", DESKTOP)
    page = company.page
    company.goto("/")
    page.locator("main a[href='/magang/perusahaan/daftar/']").click()
    page.wait_for_load_state()
    fill_form(page, {
        "name": "PT Ritel Borneo Sejahtera", "nib": "9120301234571", "sector": "Perdagangan", "kbli": "47",
        "region": "Kota Balikpapan", "employees": 85, "address": "Jl. Jenderal Sudirman No. 45, Klandasan Ilir",
        "email": "info@ritelborneo.demo", "phone": "0542-733100", "full_name": "Rina Kartika Sari",
        "user_email": "sdm4@ritelborneo.demo", "password1": "Kalimantan-Timur-77", "password2": "Kalimantan-Timur-77"})
    company.shot("01-register", full_page=False)
    company.check()
    company.submit(page.locator("main form[method=post] button[type=submit]").last, then=r"/magang/perusahaan/\d+/$")
    company_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    company.check()

    # The province verifies it.
    admin = journey("j5", DESKTOP)
    admin.log_in(LOGINS["admin"])
    admin.goto(f"/magang/perusahaan/{company_id}/")
    admin.page.locator(f"form[action='/magang/perusahaan/{company_id}/verifikasi/'] button[type=submit]").click()
    admin.page.wait_for_load_state()

    # The company posts an apprenticeship offer.
    company.goto("/magang/program/baru/")
    company.check()
    fill_form(page, {
        "title": "Magang Pramuniaga Ritel Modern", "occupation": "5223",
        "description": "Pelayanan pelanggan, penataan barang (display), kasir dan stok gudang di toko kami.",
        "slots": 4, "start_date": "2025-12-01", "months": 6, "theory_percent": 20, "hours_per_week": 40,
        "locations": ["Kota Balikpapan"], "address": "Jl. Jenderal Sudirman No. 45, Balikpapan",
        "allowance": "2.500.000", "min_age": 18, "max_age": 30, "vocations": ["Pramuniaga"]})
    company.submit(page.locator("main form[method=post] button[type=submit]").last, then=r"/magang/program/\d+/$")
    offer = page.url.rstrip("/").rsplit("/", 1)[-1]
    company.submit(page.locator(f"form[action='/magang/program/{offer}/ajukan/'] button[type=submit]"),
                   then=rf"/magang/program/{offer}/$")
    company.shot("02-offer", full_page=False)
    company.check()

    # … and a vacancy, and sees the shortlist of trained and certified job seekers who fit it.
    company.goto("/kerja/lowongan/baru/")
    fill_form(page, {
        "title": "Pramuniaga Toko", "occupation": "5223", "sector": "Perdagangan",
        "description": "Melayani pembeli, menata rak, kasir bergantian. Shift pagi dan sore.", "number_needed": 3,
        "valid_from": "2025-11-17", "valid_until": "2025-12-31", "region": "Kota Balikpapan",
        "wage_min": "3.579.314", "wage_max": "4.000.000", "min_age": 18, "max_age": 35})
    company.check()
    company.submit(page.locator("main form[method=post] button[type=submit]").last, then=r"/kerja/lowongan/\d+/$")
    vacancy = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert "Rp3.579.314" in page.locator("main").inner_text()  # the wage in Indonesian format
    company.shot("03-vacancy", full_page=False)
    company.check()
    company.goto(f"/kerja/lowongan/{vacancy}/kandidat/")
    candidates = page.locator("main section.card[aria-labelledby^='candidate-']")
    assert candidates.count() >= 3, page.locator("main").inner_text()[:1000]
    company.shot("04-shortlist", full_page=False)
    company.check()

    # At a company with apprentices, the mentor confirms a week of an apprentice's logbook.
    found = demo_site.query(LOGBOOK_TO_CONFIRM)
    mentor = journey("j5", DESKTOP)
    mentor.log_in(found["login"])
    mentor.goto(f"/magang/penempatan/{found['placement']}/")
    form = mentor.page.locator(f"form[action='/magang/logbook/{found['week']}/konfirmasi/']")
    form.locator("[name=note]").fill("Sudah baik, pertahankan ketelitian saat stok opname.")
    mentor.submit(form.locator("button[type=submit]"), then=rf"/magang/penempatan/{found['placement']}/")
    expect(mentor.page.locator(".alert-success")).to_be_visible()
    mentor.shot("05-logbook", full_page=False)
    mentor.check()


def test_6_the_province_admin_reads_the_dashboard_and_downloads_the_monthly_report(journey):
    from playwright.sync_api import expect

    admin = journey("j6", DESKTOP)
    admin.log_in(LOGINS["admin"])
    admin.goto("/laporan/")
    expect(admin.page.locator("h1")).to_contain_text("2025")
    targets = admin.page.locator("#targets") if admin.page.locator("#targets").count() else admin.page.locator("main")
    assert "1.500" in targets.inner_text()  # the province's target, in Indonesian number format
    admin.shot("01-dashboard", full_page=False)
    admin.check()
    link = admin.page.locator("a[href^='/laporan/bulanan/'][href$='.pdf']").last
    data, name = admin.download(link)
    assert data.startswith(b"%PDF") and name.endswith(".pdf")
    text = pdf_text(data)
    assert "laporan bulanan" in text.lower(), text[:500]
    assert "1.500" in text
    admin.shot("02-monthly-report", image=pdf_pages(data)[0])

    # English is one button away, on every page, and stays chosen; the same button brings Indonesian back.
    admin.submit(admin.page.locator("form[action='/i18n/setlang/'] button[value=en]"), then="/laporan/")
    expect(admin.page.locator("html")).to_have_attribute("lang", "en")
    expect(admin.page.locator("h1")).to_contain_text("Province dashboard")
    assert "1,500" in admin.page.locator("main").inner_text()  # English number format
    admin.check()
    admin.goto("/audit/")
    expect(admin.page.locator("html")).to_have_attribute("lang", "en")
    admin.submit(admin.page.locator("form[action='/i18n/setlang/'] button[value=id]"), then="/audit/")
    expect(admin.page.locator("html")).to_have_attribute("lang", "id")


def test_7_an_operator_of_bontang_gets_404_for_a_balikpapan_page(journey, demo_site):
    batch = demo_site.query(
        "import json; from kompeten.programmes.models import Batch; "
        "print(json.dumps(Batch.objects.filter(centre__code='blki_balikpapan').order_by('pk')"
        ".values_list('pk', flat=True)[0]))")
    person = demo_site.query(
        "import json; from kompeten.registry.models import Person; "
        "print(json.dumps(Person.objects.filter(registered_centre__code='blki_balikpapan').order_by('pk')"
        ".values_list('pk', flat=True)[0]))")
    bontang = journey("j7", DESKTOP)
    bontang.log_in(LOGINS["operator_bontang"])
    for path in (f"/program/angkatan/{batch}/", f"/pencari-kerja/{person}/", f"/pelatihan/angkatan/{batch}/hadir/"):
        response = bontang.goto(path)
        assert response.status == 404, f"{path}: {response.status}"
    bontang.shot("01-not-found")
    bontang.check()
