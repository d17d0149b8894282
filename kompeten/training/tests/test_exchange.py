"""Participant lists for SIAPkerja / Skillhub and BNSP (kompeten/training/exchange.py): the rows, the files (CSV with
BOM, .xlsx with text cells), formula neutralisation, the round trip through record linkage, per-row errors, the
download pages and the command."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from conftest import assess, make_person
from kompeten.audit.models import AuditEntry
from kompeten.linkage.models import SourceList, SourceRecord
from kompeten.registry.models import Person
from kompeten.training import exchange
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


def read_csv(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def registered(batch):
    """The batch's participants with their registration records (as registering them in Kompeten makes them)."""
    from kompeten.linkage.services import record_registrations

    persons = [e.person for e in Enrolment.objects.filter(batch=batch).select_related("person")]
    record_registrations(persons)
    return persons


def upload(content: bytes, name="siapkerja.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


SIAPKERJA_ROW = {
    "nik": "6471055203990001", "nama_lengkap": "Siti Aminah", "jenis_kelamin": "P", "tanggal_lahir": "12/03/1999",
    "tanggal_mulai": "03/03/2025", "tanggal_selesai": "04/04/2025", "status_kelulusan": "LULUS",
}


def siapkerja_csv(rows: list[dict], header=None) -> bytes:
    header = header or exchange.SIAPKERJA.headers
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


# --- the rows and the files -------------------------------------------------------------------------------------

def test_siapkerja_list_of_a_batch(completed_batch):
    dewi = Person.objects.get(full_name="Dewi Lestari")
    dewi.village_id, dewi.street, dewi.rt, dewi.rw = "64.71.05.1008", "Jl. Sudirman 1", "003", "011"
    dewi.phone, dewi.education_id = "+6281234567890", "SMK"
    dewi.save()
    rows = read_csv(exchange.render(exchange.SIAPKERJA, exchange.siapkerja_rows(completed_batch)))
    assert list(rows[0]) == exchange.SIAPKERJA.headers
    assert [r["nama_lengkap"] for r in rows] == ["Andi Pratama", "Dewi Lestari", "Eko Saputra"]
    assert [r["no"] for r in rows] == ["1", "2", "3"]
    row = rows[1]
    assert row["nik"] == dewi.nik and len(row["nik"]) == 16
    assert row["tanggal_lahir"] == "12/03/1999" and row["jenis_kelamin"] == "P"
    assert row["tanggal_mulai"] == "03/03/2025" and row["tanggal_selesai"] == "04/04/2025"
    assert row["status_kelulusan"] == "LULUS" and row["tahun"] == "2025"
    assert row["kode_angkatan"] == exchange.batch_code(completed_batch)
    assert row["alamat"] == "Jl. Sudirman 1 RT 003 RW 011" and row["kode_wilayah"] == "64.71.05.1008"
    assert row["kabupaten_kota"] and row["kecamatan"] and row["provinsi"]
    assert row["no_hp"] == "081234567890" and row["pendidikan_terakhir"] == "SMK"
    assert row["lembaga_pelatihan"] == completed_batch.centre.name
    assert row["sub_kejuruan"] == completed_batch.package.name
    assert row["jumlah_jp"] == "160" and row["sumber_dana"] == "APBD"


def test_status_words_follow_the_enrolment(completed_batch):
    Enrolment.objects.filter(person__full_name="Andi Pratama").update(status="withdrawn")
    Enrolment.objects.filter(person__full_name="Eko Saputra").update(status="not_completed")
    statuses = {r[2]: r[-2] for r in exchange.siapkerja_rows(completed_batch)}
    assert statuses == {"Andi Pratama": "MENGUNDURKAN DIRI", "Dewi Lestari": "LULUS", "Eko Saputra": "TIDAK LULUS"}


def test_formulas_are_neutralised_and_read_back(completed_batch):
    Person.objects.filter(full_name="Eko Saputra").update(full_name="=HYPERLINK(\"http://x\")", birth_place="+62 x")
    content = exchange.render(exchange.SIAPKERJA, exchange.siapkerja_rows(completed_batch))
    row = read_csv(content)[0]
    assert row["nama_lengkap"] == "'=HYPERLINK(\"http://x\")" and row["tempat_lahir"] == "'+62 x"
    workbook = exchange.render(exchange.SIAPKERJA, exchange.siapkerja_rows(completed_batch), "xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook)).active
    assert sheet.cell(2, 3).value == "'=HYPERLINK(\"http://x\")" and sheet.cell(2, 3).data_type == "s"


def test_xlsx_keeps_the_nik_as_text(completed_batch):
    from openpyxl import load_workbook

    content = exchange.render(exchange.BNSP, exchange.bnsp_batch_rows(completed_batch), "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    assert header == exchange.BNSP.headers
    nik = sheet.cell(2, header.index("nik") + 1)
    assert nik.data_type == "s" and len(nik.value) == 16 and nik.value.isdigit()


def test_bnsp_list_of_a_batch_before_any_assessment(completed_batch):
    rows = read_csv(exchange.render(exchange.BNSP, exchange.bnsp_batch_rows(completed_batch)))
    assert len(rows) == 3
    assert {r["kode_skema"] for r in rows} == {"SKM-TEST-01"} and {r["level_kkni"] for r in rows} == {"2"}
    assert {r["no_registrasi"] for r in rows} == {""} and {r["status_asesmen"] for r in rows} == {""}
    assert {r["jalur"] for r in rows} == {"PELATIHAN"}
    assert {r["kode_angkatan"] for r in rows} == {exchange.batch_code(completed_batch)}


def test_bnsp_list_of_an_event_with_results(candidates, event, assessor, lsp_admin, completed_batch):
    from kompeten.assessment import services

    first, second, third = sorted(candidates, key=lambda c: c.person.full_name)
    services.approve(assess(first, assessor), by=lsp_admin)
    assess(second, assessor, {"T.45OTO00.002.1": "BK"})
    rows = read_csv(exchange.render(*exchange.event_rows(event, "bnsp")))
    by_name = {r["nama_lengkap"]: r for r in rows}
    andi = by_name["Andi Pratama"]
    assert andi["no_registrasi"] == f"KPT-{first.pk}"
    assert andi["status_asesmen"] == "DIPUTUSKAN" and andi["rekomendasi"] == "K"
    assert andi["tanggal_keputusan"] and andi["tanggal_uji"] == "14/04/2025"
    assert andi["asesor"] == "Asesor Kompetensi" and andi["no_reg_asesor"] == "MET.000.000001 2021"
    assert andi["lsp"] == "LSP BLKI Test" and andi["no_lisensi_lsp"] == "BNSP-LSP-999-ID"
    assert andi["kode_tuk"] == "tuk-bpp" and andi["jenis_tuk"] == "SEWAKTU"
    assert andi["kode_angkatan"] == exchange.batch_code(completed_batch) and andi["nomor_blanko"] == ""
    dewi = by_name["Dewi Lestari"]
    assert dewi["status_asesmen"] == "MENUNGGU KEPUTUSAN" and dewi["rekomendasi"] == "BK"
    eko = by_name["Eko Saputra"]
    assert eko["status_asesmen"] == "TERDAFTAR" and eko["rekomendasi"] == "" and eko["tanggal_keputusan"] == ""
    # The batch's BNSP list shows each participant's latest assessment.
    batch_rows = {r[3]: r for r in exchange.bnsp_batch_rows(completed_batch)}
    assert batch_rows["Andi Pratama"][1] == f"KPT-{first.pk}"


def test_competency_certificate_number_in_the_bnsp_list(candidates, event, assessor, lsp_admin):
    from kompeten.assessment import services
    from kompeten.certificates import services as certificates

    candidate = services.approve(assess(candidates[0], assessor), by=lsp_admin)
    certificate = certificates.issue_competency(candidate, by=lsp_admin)
    rows = read_csv(exchange.render(*exchange.event_rows(event, "bnsp")))
    row = next(r for r in rows if r["no_registrasi"] == f"KPT-{candidate.pk}")
    assert row["nomor_sertifikat"] == certificate.number
    assert row["berlaku_sampai"] == certificate.valid_until.strftime("%d/%m/%Y")


def test_event_lists_are_bnsp_only(event):
    with pytest.raises(ValueError):
        exchange.event_rows(event, "siapkerja")
    with pytest.raises(ValueError):
        exchange.get_format("excel")


def test_batch_code_finds_the_batch(completed_batch, batch_balikpapan):
    code = exchange.batch_code(completed_batch)
    assert code.count("/") == 3
    assert exchange.find_batch(code) == completed_batch
    assert exchange.find_batch(str(completed_batch.pk)) == completed_batch
    assert exchange.find_batch(code + "9") is None and exchange.find_batch("nonsense") is None


# --- reading a list back ----------------------------------------------------------------------------------------

def test_round_trip_finds_the_same_persons(completed_batch, balikpapan):
    persons = registered(completed_batch)
    before = Person.objects.count()
    content = exchange.render(exchange.SIAPKERJA, exchange.siapkerja_rows(completed_batch))
    report = exchange.import_participants(io.BytesIO(content), key="siapkerja", filename="list.csv",
                                          centre=balikpapan)
    assert report.written and not report.errors, report
    assert report.records == 3 and report.linked == 3 and report.unmatched == 0
    assert report.year == 2025
    assert Person.objects.count() == before  # found, not registered again
    source_list = report.source_list
    assert source_list.kind == "siapkerja" and source_list.centre == balikpapan and source_list.year == 2025
    linked = set(SourceRecord.objects.filter(source_list=source_list).values_list("person_id", flat=True))
    assert linked == {p.pk for p in persons}
    record = SourceRecord.objects.filter(source_list=source_list).order_by("row").first()
    assert record.vocation and record.training_year == 2025


def test_round_trip_of_an_xlsx_bnsp_list(candidates, event, completed_batch):
    persons = registered(completed_batch)
    content = exchange.render(*exchange.event_rows(event, "bnsp"), "xlsx")
    report = exchange.import_participants(io.BytesIO(content), key="bnsp", filename="bnsp.xlsx")
    assert report.written and report.linked == 3, report
    assert report.source_list.kind == "bnsp" and report.year == 2025
    assert set(report.source_list.records.values_list("person_id", flat=True)) == {p.pk for p in persons}


def test_errors_name_row_and_column_and_nothing_is_written():
    rows = [
        SIAPKERJA_ROW,
        {**SIAPKERJA_ROW, "nik": "", "status_kelulusan": "lulus dengan pujian"},
        {**SIAPKERJA_ROW, "nik": "6471051203990002", "tanggal_mulai": "31/02/2025"},
        {**SIAPKERJA_ROW, "nik": "6471051203990003", "tanggal_selesai": "01/01/2025", "jenis_kelamin": "X"},
    ]
    report = exchange.import_participants(io.BytesIO(siapkerja_csv(rows)), key="siapkerja", filename="x.csv")
    assert not report.written
    found = [(e.row, e.column) for e in report.errors]
    assert found == [(3, "nik"), (3, "status_kelulusan"), (4, "tanggal_mulai"), (5, "jenis_kelamin"),
                     (5, "tanggal_selesai")]
    assert "31/02/2025" in report.errors[2].message
    assert "before it starts" in report.errors[4].message
    assert SourceList.objects.count() == 0 and SourceRecord.objects.filter(kind="siapkerja").count() == 0


def test_a_formula_cell_is_an_error():
    rows = [{**SIAPKERJA_ROW, "nama_lengkap": "=1+1"}]
    report = exchange.import_participants(io.BytesIO(siapkerja_csv(rows)), key="siapkerja", filename="x.csv")
    assert not report.written and [(e.row, e.column) for e in report.errors] == [(2, "nama_lengkap")]


def test_a_file_without_the_nik_column_is_refused():
    header = [h for h in exchange.SIAPKERJA.headers if h != "nik"]
    report = exchange.import_participants(io.BytesIO(siapkerja_csv([SIAPKERJA_ROW], header)), key="siapkerja")
    assert not report.written and "nik" in report.file_error
    report = exchange.import_participants(io.BytesIO(b"%PDF-1.4\n"), key="siapkerja")
    assert not report.written and "PDF" in report.file_error
    report = exchange.import_participants(io.BytesIO(siapkerja_csv([])), key="siapkerja")
    assert not report.written and "no data rows" in report.file_error


def test_valid_list_of_strangers_is_kept_unmatched():
    report = exchange.import_participants(io.BytesIO(siapkerja_csv([SIAPKERJA_ROW])), key="siapkerja",
                                          filename="x.csv", year=2024)
    assert report.written and report.records == 1 and report.unmatched == 1 and report.year == 2024
    assert Person.objects.filter(nik=SIAPKERJA_ROW["nik"]).count() == 0  # never registered by a list


# --- the download pages -----------------------------------------------------------------------------------------

def test_operator_downloads_the_batch_list_and_it_is_audited(client, operator_balikpapan, completed_batch):
    client.force_login(operator_balikpapan)
    url = reverse("training:exchange_batch", args=[completed_batch.pk, "siapkerja", "csv"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "siapkerja-peserta" in response["Content-Disposition"]
    assert len(read_csv(response.content)) == 3
    entry = AuditEntry.objects.get(action="export", object_type="programmes.batch")
    assert entry.object_id == str(completed_batch.pk) and entry.actor == operator_balikpapan
    assert "siapkerja" in entry.note and "3 row(s)" in entry.note
    xlsx = client.get(reverse("training:exchange_batch", args=[completed_batch.pk, "bnsp", "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert client.get(reverse("training:exchange_batch", args=[completed_batch.pk, "excel", "csv"])).status_code == 404
    assert client.get(reverse("training:exchange_batch", args=[completed_batch.pk, "bnsp", "pdf"])).status_code == 404


def test_outsiders_get_404(client, operator_bontang, lsp_admin, assessor, job_seeker, completed_batch, candidates,
                           event):
    batch_url = reverse("training:exchange_batch", args=[completed_batch.pk, "siapkerja", "csv"])
    event_url = reverse("training:exchange_event", args=[event.pk, "bnsp", "csv"])
    for user in (operator_bontang, lsp_admin, assessor, job_seeker):
        client.force_login(user)
        assert client.get(batch_url).status_code == 404, user
        assert client.get(event_url).status_code == 404, user
    assert not AuditEntry.objects.filter(action="export").exists()


def test_event_list_for_the_centre_and_the_province(client, operator_balikpapan, province_admin, candidates, event):
    for user in (operator_balikpapan, province_admin):
        client.force_login(user)
        response = client.get(reverse("training:exchange_event", args=[event.pk, "bnsp", "csv"]))
        assert response.status_code == 200
        assert len(read_csv(response.content)) == 3
    assert AuditEntry.objects.filter(action="export", object_type="assessment.assessmentevent").count() == 2
    response = client.get(reverse("training:exchange_event", args=[event.pk, "siapkerja", "csv"]))
    assert response.status_code == 404


def test_an_operator_gets_only_the_candidates_in_their_scope(client, operator_balikpapan, candidates, event, bontang):
    from kompeten.assessment import services

    stranger = make_person(full_name="Zaki Bontang", sex="L", serial=44, district="64.74.02", registered_centre=bontang)
    services.add_candidate(event, stranger, work_experience="Mekanik", by=None)
    client.force_login(operator_balikpapan)
    rows = read_csv(client.get(reverse("training:exchange_event", args=[event.pk, "bnsp", "csv"])).content)
    assert "Zaki Bontang" not in {r["nama_lengkap"] for r in rows} and len(rows) == 3


def test_the_pages_link_the_downloads(client, operator_balikpapan, lsp_admin, completed_batch, candidates, event):
    client.force_login(operator_balikpapan)
    page = client.get(reverse("programmes:batch_detail", args=[completed_batch.pk])).content.decode()
    assert reverse("training:exchange_batch", args=[completed_batch.pk, "siapkerja", "csv"]) in page
    assert reverse("training:exchange_batch", args=[completed_batch.pk, "bnsp", "xlsx"]) in page
    event_link = reverse("training:exchange_event", args=[event.pk, "bnsp", "csv"])
    assert event_link in client.get(reverse("assessment:event_detail", args=[event.pk])).content.decode()
    client.force_login(lsp_admin)  # sees the event, not its candidates' NIKs: no link
    assert event_link not in client.get(reverse("assessment:event_detail", args=[event.pk])).content.decode()


# --- the command ------------------------------------------------------------------------------------------------

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("participants", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_export_and_import(tmp_path, completed_batch, balikpapan):
    registered(completed_batch)
    target = tmp_path / "peserta.csv"
    out, _err = run("export", "--batch", exchange.batch_code(completed_batch), "--format", "siapkerja",
                    "--out", target)
    assert "3 row(s)" in out
    assert len(read_csv(target.read_bytes())) == 3
    assert AuditEntry.objects.filter(action="export", actor=None).count() == 1
    out, _err = run("import", target, "--format", "siapkerja", "--centre", balikpapan.code, "--year", "2025")
    assert "3 linked" in out
    assert SourceList.objects.get().centre == balikpapan
    workbook = tmp_path / "bnsp.xlsx"
    run("export", "--batch", completed_batch.pk, "--format", "bnsp", "--out", workbook)
    assert workbook.read_bytes().startswith(b"PK")


def test_command_event_export(tmp_path, candidates, event):
    target = tmp_path / "asesi.csv"
    run("export", "--event", event.pk, "--format", "bnsp", "--out", target)
    assert len(read_csv(target.read_bytes())) == 3


@pytest.mark.parametrize("args, words", [
    (["export", "--batch", "nowhere/x/2025/1", "--format", "siapkerja", "--out", "{tmp}/a.csv"], "--batch"),
    (["export", "--batch", "{batch}", "--format", "siapkerja", "--out", "{tmp}/a.pdf"], ".csv or .xlsx"),
    (["export", "--batch", "{batch}", "--format", "siapkerja", "--out", "{tmp}/missing/a.csv"], "does not exist"),
    (["export", "--event", "999999", "--format", "bnsp", "--out", "{tmp}/a.csv"], "--event"),
    (["import", "{tmp}/bad.csv", "--format", "siapkerja"], "1 error(s)"),
    (["import", "{tmp}/bad.csv", "--format", "siapkerja", "--year", "1900"], "--year"),
    (["import", "{tmp}/bad.csv", "--format", "siapkerja", "--centre", "nowhere"], "nowhere"),
    (["import", "{tmp}/none.csv", "--format", "siapkerja"], "does not exist"),
])
def test_command_bad_input_exits_2(tmp_path, completed_batch, args, words):
    (tmp_path / "bad.csv").write_bytes(siapkerja_csv([{**SIAPKERJA_ROW, "tanggal_mulai": "kemarin"}]))
    args = [a.format(tmp=tmp_path, batch=completed_batch.pk) for a in args]
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 2 and words in str(error.value)
    assert not list(tmp_path.glob("a.*")) and SourceList.objects.count() == 0


def test_command_prints_the_row_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(siapkerja_csv([SIAPKERJA_ROW, {**SIAPKERJA_ROW, "tanggal_mulai": "kemarin"}]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("participants", "import", str(path), "--format", "siapkerja", stdout=io.StringIO(), stderr=err)
    assert "row 3, column tanggal_mulai" in err.getvalue()


def test_dates_are_day_first():
    assert exchange.format_date(datetime.date(2025, 4, 3)) == "03/04/2025" and exchange.format_date(None) == ""


def test_bnsp_import_checks_its_own_columns():
    content = (b"no,nik,nama_lengkap,tanggal_uji,status_asesmen,rekomendasi\n"
               b"1,6471055203990001,Siti Aminah,14/04/2025,DIPUTUSKAN,K\n"
               b"2,6471055203990002,Rina Wati,besok,LULUS,KOMPETEN\n")
    report = exchange.import_participants(io.BytesIO(content), key="bnsp", filename="bnsp.csv")
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(3, "tanggal_uji"), (3, "status_asesmen"),
                                                          (3, "rekomendasi")]


def test_rows_cost_a_fixed_number_of_queries(completed_batch, candidates, event, django_assert_max_num_queries):
    for serial in range(50, 60):  # more participants must not mean more queries
        person = make_person(full_name=f"Peserta {serial}", sex="L", serial=serial, village_id="64.71.05.1008")
        Enrolment.objects.create(batch=completed_batch, person=person, source="operator", status="completed")
    with django_assert_max_num_queries(6):
        assert len(exchange.siapkerja_rows(completed_batch)) == 13
    with django_assert_max_num_queries(8):
        assert len(exchange.bnsp_batch_rows(completed_batch)) == 13
    with django_assert_max_num_queries(6):
        assert len(exchange.bnsp_event_rows(event)) == 3
