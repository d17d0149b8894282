"""Importing old participant lists: what is an error (nothing written) and what is only a warning (kept and
repaired), rows kept as they came, Excel's damage, the template and the command line."""

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kompeten.audit.models import AuditEntry
from kompeten.linkage.importer import TEMPLATE_HEADERS, import_list, template_csv, template_xlsx
from kompeten.linkage.models import BlockingKey, Link, SourceList, SourceRecord
from kompeten.linkage.tests.factories import BORN, HEADER, csv_bytes, import_rows, register, sure_row
from kompeten.registry.models import PriorTraining

pytestmark = pytest.mark.django_db

STRANGER = ["", "Rahmat Hidayat", "L", "Samarinda", "01/01/1990", "", "", "Las", 2021]


def book(path, rows, headers=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def nothing_written():
    return not SourceList.objects.exists() and not SourceRecord.objects.filter(kind="blk_list").exists()


class TestErrors:
    @pytest.mark.parametrize(("cells", "column", "words"), [
        ({"nama": ""}, "nama", "name is required"),
        ({"nama": "12345"}, "nama", "no letters"),
        ({"nama": "=HYPERLINK(\"x\")"}, "nama", "formula"),
        ({"tahun": "dua ribu"}, "tahun", "not a year"),
        ({"tahun": "1850"}, "tahun", "not a possible training year"),
        ({"kejuruan": "x" * 201}, "kejuruan", "At most 200"),
    ])
    def test_a_bad_row_writes_nothing_and_says_where(self, cells, column, words):
        register()
        values = dict(zip(HEADER, STRANGER, strict=True))
        values.update(cells)
        report = import_rows([STRANGER, [values[h] for h in HEADER]])
        assert not report.written and nothing_written()
        [error] = report.errors
        assert (error.row, error.column) == (3, column) and words in error.message

    def test_valid_only_writes_the_good_rows(self):
        report = import_rows([STRANGER, ["", "", "", "", "", "", "", "", ""], ["", "", "L", "", "", "", "", "", ""]],
                             valid_only=True)
        assert report.written and report.records == 1 and report.error_rows == 1
        assert SourceList.objects.get().report["rows_with_errors"] == 1

    def test_the_file_is_checked_first(self, tmp_path):
        report = import_list(io.BytesIO(b"%PDF-1.4 not a list"), filename="x.pdf", kind="blk_list", year=2023)
        assert not report.written and "not a spreadsheet" in report.file_error
        report = import_list(io.BytesIO(csv_bytes([STRANGER], header=["nik", "nomor"] + HEADER[2:])),
                             filename="x.csv", kind="blk_list", year=2023)
        assert "required column" in report.file_error and "nama" in report.file_error
        report = import_list(io.BytesIO(csv_bytes([], header=HEADER)), filename="x.csv", kind="blk_list",
                             year=2023)
        assert "no data rows" in report.file_error
        header = ["nama", "Nama Peserta"]
        report = import_list(io.BytesIO(csv_bytes([["a", "b"]], header=header)), filename="x.csv",
                             kind="blk_list", year=2023)
        assert "appears twice" in report.file_error
        assert nothing_written()

    def test_a_file_over_the_limit_is_refused(self, settings):
        settings.IMPORT_MAX_BYTES = 100
        report = import_rows([STRANGER] * 10)
        assert "limit" in report.file_error and nothing_written()


class TestRows:
    def test_rows_are_kept_as_they_came_and_standardised(self):
        header = ["No. KTP", "Nama Peserta", "L/P", "TTL", "Kab/Kota", "HP", "Program Pelatihan", "Keterangan"]
        rows = [["6471055203990001", "  Hj. SITI   AMINAH, S.Pd ", "Pr", "Balikpapan, 12-03-1999", "BPN",
                 "0812 3456 7890", "Menjahit", "lulus"]]
        report = import_list(io.BytesIO(csv_bytes(rows, header=header)), filename="lama.csv", kind="siapkerja",
                             year=2022)
        assert report.written and report.warnings == []
        record = SourceRecord.objects.get(kind="siapkerja")
        assert record.raw["nama"] == "Hj. SITI AMINAH, S.Pd" and record.raw["_extra"] == {"Keterangan": "lulus"}
        assert record.raw["tempat_lahir"] == "Balikpapan, 12-03-1999" and record.row == 2
        assert (record.name, record.sex, str(record.birth_date), record.region[:5], record.phone) == (
            "siti aminah", "P", "1999-03-12", "64.71", "081234567890")
        assert record.training_year == 2022 and record.vocation == "Menjahit"
        assert BlockingKey.objects.filter(record=record).count() >= 4

    def test_excel_damage_is_a_warning_and_still_links(self, tmp_path):
        person = register()
        damaged = float(person.nik[:15] + "0")  # a number cell: Excel kept 15 digits
        path = book(tmp_path / "peserta.xlsx", [[damaged, person.full_name.upper(), "P", "Balikpapan",
                                                 BORN.strftime("%d/%m/%Y"), "", "", "Menjahit", 2022]])
        report = import_list(path, filename="peserta.xlsx", kind="blk_list", year=2022)
        assert report.written and report.linked == 1
        [warning] = report.warnings
        assert warning.column == "nik" and "Excel" in warning.message and person.nik[:12] not in warning.message
        record = SourceRecord.objects.get(kind="blk_list")
        assert "excel_zeroed" in record.nik_problems and record.nik15 == person.nik[:15]
        assert isinstance(record.raw["nik"], int | float)  # as it came: a number, not text
        assert PriorTraining.objects.get(person=person).year == 2022

    def test_the_import_is_one_transaction_and_audited(self, operator_balikpapan, balikpapan):
        person = register()
        report = import_rows([sure_row(person), STRANGER], by=operator_balikpapan, centre=balikpapan)
        source_list = report.source_list
        assert (source_list.centre, source_list.imported_by, source_list.year, source_list.rows) == (
            balikpapan, operator_balikpapan, 2023, 2)
        assert source_list.report == {"records": 2, "linked": 1, "review": 0, "unmatched": 1,
                                      "rows_with_errors": 0}
        entry = AuditEntry.objects.get(action="import", object_type="linkage.sourcelist")
        assert entry.actor == operator_balikpapan and "linked 1" in entry.note

    def test_a_failure_rolls_everything_back(self, monkeypatch):
        person = register()

        def broken(records, by=None):
            raise RuntimeError("boom")

        monkeypatch.setattr("kompeten.linkage.services.link_records", broken)
        with pytest.raises(RuntimeError):
            import_rows([sure_row(person)])
        assert nothing_written() and not Link.objects.filter(record__kind="blk_list").exists()


def test_the_template_reads_back(tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_xlsx())
    workbook = openpyxl.load_workbook(path)
    assert [c.value for c in workbook["Data"][1]] == TEMPLATE_HEADERS and "Petunjuk" in workbook.sheetnames
    report = import_list(path, filename="template.xlsx", kind="blk_list", year=2023)
    assert report.written and report.records == 1
    assert template_csv().splitlines()[0] == ",".join(TEMPLATE_HEADERS)


class TestCommand:
    def test_import_prints_the_report(self, tmp_path, balikpapan, capsys):
        person = register()
        path = tmp_path / "peserta.csv"
        path.write_bytes(csv_bytes([sure_row(person), STRANGER]))
        call_command("linkage", "import", str(path), "--kind", "blk_list", "--year", "2023", "--centre",
                     "blki_balikpapan", "--json")
        data = json.loads(capsys.readouterr().out)
        assert (data["written"], data["linked"], data["unmatched"]) == (True, 1, 1)
        assert SourceList.objects.get().centre == balikpapan

    def test_import_refuses_bad_input(self, tmp_path):
        path = tmp_path / "peserta.csv"
        path.write_bytes(csv_bytes([STRANGER, ["", "", "L", "", "", "", "", "", ""]]))
        with pytest.raises(CommandError) as error:
            call_command("linkage", "import", str(path), "--kind", "blk_list", "--year", "2023")
        assert error.value.returncode == 1 and "Nothing was written" in str(error.value)
        with pytest.raises(CommandError) as error:
            call_command("linkage", "import", str(path), "--kind", "blk_list", "--year", "23")
        assert error.value.returncode == 2
        with pytest.raises(CommandError) as error:
            call_command("linkage", "import", str(path), "--kind", "blk_list", "--year", "2023", "--centre", "x")
        assert error.value.returncode == 2 and "blki_balikpapan" in str(error.value)

    def test_backfill_stats_and_calibrate(self, person_balikpapan, tmp_path, capsys):
        call_command("linkage", "backfill")
        assert SourceRecord.objects.filter(registration=person_balikpapan).exists()
        assert "1 registration record" in capsys.readouterr().out
        call_command("linkage", "backfill")
        assert "0 registration record" in capsys.readouterr().out
        call_command("linkage", "stats", "--json")
        assert json.loads(capsys.readouterr().out)["records"] == {"registration": 1}
        call_command("linkage", "stats")
        assert "Review queue: 0 open" in capsys.readouterr().out
        out = tmp_path / "model.json"
        call_command("linkage", "calibrate", "--out", str(out))
        assert "nothing to calibrate" in capsys.readouterr().out and not out.exists()


def test_calibrate_prints_how_the_decisions_would_change(tmp_path, province_admin, capsys):
    from kompeten.linkage import services
    from kompeten.linkage.model import Model
    from kompeten.linkage.models import ReviewStatus
    from kompeten.linkage.tests.factories import unsure_row

    first = register()
    second = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000")
    import_rows([unsure_row(first), unsure_row(second)])
    one, two = services.queue()
    services.decide(one, ReviewStatus.LINKED, by=province_admin)
    services.decide(two, ReviewStatus.NOT_LINKED, by=province_admin)
    out = tmp_path / "model.json"
    call_command("linkage", "calibrate", "--out", str(out))
    printed = capsys.readouterr().out
    assert "2 reviewed pair(s): 1 same person, 1 different persons" in printed and "+cal2" in printed
    assert "Same person:" in printed and "Different persons:" in printed
    assert Model.from_json(out.read_text()).version.endswith("+cal2")
    call_command("linkage", "calibrate", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["decisions"] == 2 and set(data["table"]) == {"same", "different"}
