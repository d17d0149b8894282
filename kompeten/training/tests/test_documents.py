"""The printed documents of a batch: Daftar Peserta and Daftar Hadir, as PDF and XLSX."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import make_person
from kompeten.programmes.models import Batch, BatchSession, ProgrammeYear, TrainingPackage, Vocation
from kompeten.training import documents
from kompeten.training.models import Attendance, Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db

NAMES = [
    "Andi Pratama", "Budi Santoso", "Citra Lestari", "Dewi Anggraini", "Eko Prasetyo", "Fitri Handayani",
    "Gilang Ramadhan", "Hendra Wijaya", "Indah Permatasari", "Joko Susilo", "Kartika Sari",
    "Muhammad Rizky Maulana Saputra", "Nurul Hidayah", "André O’Neil", "Rahmat Hidayat", "=cmd|calc",
]
FIRST_DAY = datetime.date(2025, 2, 3)  # a Monday


def working_days(start, count):
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def make_batch(centre, *, sessions=20, participants=16, number=1, start=FIRST_DAY):
    year, _ = ProgrammeYear.objects.get_or_create(year=2025, defaults={"name": "Program 2025"})
    vocation = Vocation.objects.filter(centres=centre).first()
    package, _ = TrainingPackage.objects.get_or_create(
        centre=centre, code="mekanik-dasar",
        defaults={"vocation": vocation, "name": "Mekanik Dasar Alat Berat", "hours": 240})
    days = working_days(start, max(sessions, 1))
    batch = Batch.objects.create(
        programme_year=year, centre=centre, package=package, number=number, start_date=days[0],
        end_date=days[-1], capacity=16, instructors="Agus Salim, Sri Wahyuni", location="Bengkel Alat Berat",
        status="running")
    BatchSession.objects.bulk_create([
        BatchSession(batch=batch, date=day, start_time=datetime.time(8), end_time=datetime.time(16))
        for day in days[:sessions]])
    for index in range(participants):
        name = NAMES[index] if index < len(NAMES) else f"Peserta Tambahan {index:03d}"
        person = make_person(serial=number * 1000 + index + 1, registered_centre=centre, full_name=name,
                             sex="L" if index % 2 else "P", birth_place="Balikpapan",
                             phone=f"+62812{number:02d}{index:06d}", education_id="SMK")
        Enrolment.objects.create(batch=batch, person=person, source="operator")
    return batch


@pytest.fixture
def batch(balikpapan):
    batch = make_batch(balikpapan)
    # A withdrawn participant is not on any document.
    gone = make_person(serial=999, registered_centre=balikpapan, full_name="Zainal Mundur")
    Enrolment.objects.create(batch=batch, person=gone, source="operator", status=EnrolmentStatus.WITHDRAWN)
    sessions = list(batch.sessions.order_by("date"))
    andi, budi = (Enrolment.objects.get(batch=batch, person__full_name=name)
                  for name in ("Andi Pratama", "Budi Santoso"))
    marks = [Attendance(enrolment=andi, session=s, status="absent" if i == 1 else "present")
             for i, s in enumerate(sessions)]  # 19 of 20: 95,0 %
    marks += [Attendance(enrolment=budi, session=sessions[0], status="late"),
              Attendance(enrolment=budi, session=sessions[1], status="excused")]  # 1 of 20: 5,0 %
    Attendance.objects.bulk_create(marks)
    return batch


def participants(batch):
    return list(Enrolment.objects.filter(batch=batch, status="enrolled").select_related("person"))


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    return reader, pages


class TestParticipantListPdf:
    def test_portrait_with_header_names_and_masked_nik(self, batch):
        data = documents.participant_list_pdf(batch)
        assert data.startswith(b"%PDF")
        reader, pages = pdf_text(data)
        box = reader.pages[0].mediabox
        assert box.width < box.height
        text = " ".join(pages)
        labels = [
            "DAFTAR PESERTA", "Participant list", "UPTD BALAI LATIHAN KERJA INDUSTRI (BLKI) BALIKPAPAN",
            "DINAS TENAGA KERJA DAN TRANSMIGRASI PROVINSI KALIMANTAN TIMUR", "Mekanik Dasar Alat Berat",
            "3 Februari 2025 s.d. 28 Februari 2025", "Bengkel Alat Berat", "Agus Salim", "Tanda Tangan",
            "Kepala UPTD BLKI Balikpapan", "Instruktur", "APBD",
        ]
        for label in labels:
            assert label in text, label
        assert f"Halaman 1 dari {len(pages)}" in text
        for enrolment in participants(batch):
            person = enrolment.person
            assert person.full_name in text
            assert person.masked_nik in text
            assert person.nik not in text.replace(" ", "")
        assert "Zainal Mundur" not in text
        # The printed list may hang on a wall: no phone numbers, no birth dates.
        assert "0812" not in text and "+62" not in text
        assert "12-03-1999" not in text and "1999" not in text

    def test_numbered_in_name_order(self, batch):
        _reader, pages = pdf_text(documents.participant_list_pdf(batch))
        text = " ".join(pages)
        assert text.index("=cmd|calc") < text.index("Andi Pratama") < text.index("André O’Neil") \
            < text.index("Rahmat Hidayat")

    def test_long_list_repeats_the_header_on_every_page(self, balikpapan):
        batch = make_batch(balikpapan, sessions=3, participants=40, number=2)
        reader, pages = pdf_text(documents.participant_list_pdf(batch))
        assert len(pages) >= 2
        assert all("Tanda Tangan" in page for page in pages)
        assert f"Halaman {len(pages)} dari {len(pages)}" in pages[-1]
        assert "Peserta Tambahan 039" in " ".join(pages)

    def test_awkward_names_are_escaped_and_fitted(self, balikpapan):
        batch = make_batch(balikpapan, sessions=2, participants=3, number=5)
        people = [e.person for e in Enrolment.objects.filter(batch=batch).select_related("person")]
        people[0].full_name = "Siti & <b>Rina</b> Nguyễn"
        people[1].full_name = "Raden " + "Mas Panji Kusuma Wardhana " * 5
        people[2].birth_place = "Kabupaten Penajam Paser Utara, Kalimantan Timur, Indonesia"
        for person in people:
            person.save()
        for data in (documents.participant_list_pdf(batch), documents.attendance_sheet_pdf(batch)):
            text = " ".join(pdf_text(data)[1])
            assert "Siti & <b>Rina</b> Nguyên" in text  # literal, not markup; ễ is outside Helvetica
            assert "Raden Mas Panji" in text

    def test_queries_do_not_grow_with_rows(self, batch, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            documents.participant_list_pdf(Batch.objects.get(pk=batch.pk))

    def test_empty_batch_still_prints(self, balikpapan):
        batch = make_batch(balikpapan, sessions=0, participants=0, number=3)
        assert documents.participant_list_pdf(batch).startswith(b"%PDF")
        assert documents.attendance_sheet_pdf(batch).startswith(b"%PDF")


class TestAttendanceSheetPdf:
    def test_landscape_pages_of_at_most_twelve_dates(self, batch):
        data = documents.attendance_sheet_pdf(batch)
        assert data.startswith(b"%PDF")
        reader, pages = pdf_text(data)
        assert len(pages) == 2  # 20 sessions: 10 + 10 dates, one page each for 16 participants
        box = reader.pages[0].mediabox
        assert box.width > box.height
        for page in pages:
            assert "DAFTAR HADIR" in page
            assert all(name in page for name in NAMES)  # every page repeats the names
        assert "03/02" in pages[0] and "14/02" in pages[0] and "17/02" not in pages[0]
        assert "17/02" in pages[1] and "28/02" in pages[1]

    def test_marks_and_percentage(self, batch):
        _reader, pages = pdf_text(documents.attendance_sheet_pdf(batch))
        first = pages[0]
        # Andi: present, absent, then present; Budi: late, excused, then empty (to sign).
        assert re.search(r"Andi Pratama H A H H H H H H H H", first)
        assert re.search(r"Budi Santoso T I \d", first)
        assert "95,0" in pages[-1] and "5,0" in pages[-1]
        assert "95,0" not in first  # the % column is on the last page only
        assert "Zainal Mundur" not in " ".join(pages)

    def test_given_sessions_only(self, batch):
        week = list(batch.sessions.order_by("date")[:5])
        _reader, pages = pdf_text(documents.attendance_sheet_pdf(batch, sessions=week))
        assert len(pages) == 1
        assert "07/02" in pages[0] and "10/02" not in pages[0]

    def test_thirteen_sessions_make_two_pages(self, balikpapan):
        batch = make_batch(balikpapan, sessions=13, participants=4, number=4)
        _reader, pages = pdf_text(documents.attendance_sheet_pdf(batch))
        assert len(pages) == 2

    def test_no_percentage_before_the_first_session(self, balikpapan):
        start = datetime.date.today() + datetime.timedelta(days=30)
        batch = make_batch(balikpapan, sessions=3, participants=2, number=6, start=start)
        text = " ".join(pdf_text(documents.attendance_sheet_pdf(batch))[1])
        assert "belum ada pertemuan" in text and "0,0" not in text
        rows = list(load_workbook(io.BytesIO(documents.attendance_sheet_xlsx(batch))).worksheets[0]
                    .iter_rows(values_only=True))
        assert [row[-1] for row in rows[1:]] == [None, None]

    def test_queries_do_not_grow_with_cells(self, batch, django_assert_max_num_queries):
        fresh = Batch.objects.get(pk=batch.pk)
        with django_assert_max_num_queries(10):
            documents.attendance_sheet_pdf(fresh)
        with django_assert_max_num_queries(10):
            documents.attendance_sheet_xlsx(fresh)


class TestXlsx:
    def test_participant_list(self, batch):
        sheet = load_workbook(io.BytesIO(documents.participant_list_xlsx(batch))).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("No", "Nama (Name)", "NIK (masked)")
        assert len(rows) == 1 + 16
        assert [row[0] for row in rows[1:]] == list(range(1, 17))
        assert rows[1][1] == "'=cmd|calc"
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        assert rows[2][6] == "SMK" and rows[2][7].startswith("0812")
        self.assert_no_full_nik(batch, documents.participant_list_xlsx(batch))

    def test_attendance_sheet(self, batch):
        sheet = load_workbook(io.BytesIO(documents.attendance_sheet_xlsx(batch))).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 1 + 16
        header = rows[0]
        assert header[3] == "03/02/2025" and header[22] == "28/02/2025" and len(header) == 3 + 20 + 1
        andi = next(row for row in rows if row[1] == "Andi Pratama")
        assert andi[3:6] == ("H", "A", "H") and Decimal(str(andi[-1])) == Decimal("95")
        budi = next(row for row in rows if row[1] == "Budi Santoso")
        assert budi[3:6] == ("T", "I", None)
        assert rows[1][1] == "'=cmd|calc"
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        self.assert_no_full_nik(batch, documents.attendance_sheet_xlsx(batch))

    @staticmethod
    def assert_no_full_nik(batch, data):
        workbook = load_workbook(io.BytesIO(data))
        values = " ".join(str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows()
                          for cell in row if cell.value is not None)
        for enrolment in Enrolment.objects.filter(batch=batch).select_related("person"):
            assert enrolment.person.nik not in values
        assert "************" in values


def test_chunks_spread_evenly():
    assert documents._chunks(list(range(20)), 12) == [list(range(10)), list(range(10, 20))]
    assert [len(c) for c in documents._chunks(list(range(25)), 12)] == [9, 8, 8]
    assert documents._chunks(list(range(12)), 12) == [list(range(12))]
    assert documents._chunks([], 12) == [[]]


def test_indonesian_dates():
    assert documents.tanggal(datetime.date(2025, 2, 3)) == "3 Februari 2025"
    assert documents.tanggal(datetime.date(2025, 12, 31)) == "31 Desember 2025"

