"""``kompeten report``: targets (JSON equal to ``queries.target_rows`` and to direct counts; a plain table), refresh,
rebuild, monthly (PDF and XLSX files); bad input is a clear message and exit code 2."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from kompeten.reporting import queries, refresh
from kompeten.reporting.models import Cell, Fact
from kompeten.reporting.tests.test_monthly import certified, completed, report_data  # noqa: F401 (a fixture)
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, CommandError | None]:
    """(stdout, the CommandError raised or None)."""
    out = io.StringIO()
    try:
        call_command("report", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_targets_json_agrees_with_target_rows_and_direct_counts(report_data):  # noqa: F811
    bpp, btg = report_data["balikpapan"], report_data["bontang"]
    out, error = run("targets", "--year", 2025, "--json")
    assert error is None
    data = json.loads(out)
    assert list(data) == ["year", "figures_as_of", "forecast_as_of", "centres", "total"]
    assert data["year"] == 2025

    rows = queries.target_rows(queries.Figures(2025))
    by_code = {c["code"]: c for c in data["centres"]}
    for row in rows:
        entry = data["total"] if row["centre"] is None else by_code[row["centre"].code]
        assert entry["targets"] == {kind: {"target": v["target"], "realised": v["done"], "percent": v["percent"]}
                                    for kind, v in row["kinds"].items()}
    assert list(by_code["blki_balikpapan"]) == ["id", "code", "name", "targets", "forecast"]
    assert by_code["blki_balikpapan"]["name"] == bpp.short_name

    balikpapan, bontang, total = by_code["blki_balikpapan"]["targets"], by_code["blki_bontang"]["targets"], \
        data["total"]["targets"]
    assert balikpapan["trained"] == {"target": 1000, "realised": completed(bpp), "percent": 0}
    assert balikpapan["certified"] == {"target": 1000, "realised": certified(bpp), "percent": 0}
    assert balikpapan["apprentices_placed"] == {"target": None, "realised": 0, "percent": None}
    assert bontang["trained"]["realised"] == completed(btg) == 4
    assert total["trained"] == {"target": 1500, "realised": completed(), "percent": 1}
    assert total["certified"]["realised"] == certified() == 3
    assert total["apprentices_placed"] == {"target": 400, "realised": 0, "percent": 0}

    forecast = by_code["blki_balikpapan"]["forecast"]
    assert list(forecast) == ["target", "realised", "expected", "low", "high", "gap"]
    assert forecast["target"] == 1000 and forecast["realised"] == certified(bpp) == 3
    assert forecast["low"] <= forecast["expected"] <= forecast["high"]
    assert data["total"]["forecast"]["target"] == 1500 and data["total"]["forecast"]["realised"] == 3


def test_targets_refreshes_stale_persons_first(report_data):  # noqa: F811
    btg = report_data["bontang"]
    enrolment = Enrolment.objects.filter(batch__centre=btg, status="completed").first()
    enrolment.status = "not_completed"
    enrolment.save()  # the signal marks the person stale
    data = json.loads(run("targets", "--year", 2025, "--json")[0])
    by_code = {c["code"]: c for c in data["centres"]}
    assert by_code["blki_bontang"]["targets"]["trained"]["realised"] == completed(btg) == 3
    assert refresh.stale_count() == 0


def test_targets_plain_table(report_data):  # noqa: F811
    out, error = run("targets", "--year", 2025)
    assert error is None
    assert "Programme year 2025" in out and "BLKI Balikpapan" in out and "Province total" in out
    assert "Trained (completed training)" in out and "1,000" in out
    assert "Certified by the end of the year: expected" in out


@pytest.mark.parametrize("args", [("targets", "--year", 2024), ("targets", "--year", 2024, "--json"),
                                  ("monthly", "--year", 2024, "--month", 11, "--out", "x.pdf")])
def test_unknown_year_is_exit_2(programme_year, args):
    _out, error = run(*args)
    assert error is not None and error.returncode == 2
    assert str(error) == "There is no programme year 2024."


def test_refresh_prints_how_many(report_data):  # noqa: F811
    refresh.mark_stale(Enrolment.objects.values_list("person_id", flat=True)[:4])
    out, error = run("refresh")
    assert error is None and out.strip() == "Refreshed the figures of 4 persons."
    assert refresh.stale_count() == 0
    assert run("refresh")[0].strip() == "Refreshed the figures of 0 persons."


def test_rebuild_prints_counts(report_data):  # noqa: F811
    Cell.objects.all().delete()
    out, error = run("rebuild")
    assert error is None
    assert out.strip() == f"Rebuilt: {Fact.objects.count()} facts, {Cell.objects.count()} cells."
    assert Cell.objects.exists()


def test_monthly_writes_pdf_and_xlsx(report_data, tmp_path):  # noqa: F811
    pdf = tmp_path / "laporan-2025-11.pdf"
    out, error = run("monthly", "--year", 2025, "--month", 11, "--out", pdf)
    assert error is None and str(pdf) in out
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "PEMERINTAH PROVINSI KALIMANTAN TIMUR" in text and "November 2025" in text and "BLKI Bontang" in text

    xlsx = tmp_path / "laporan-2025-11.xlsx"
    assert run("monthly", "--year", 2025, "--month", 11, "--out", xlsx, "--centre", "blki_balikpapan")[1] is None
    book = load_workbook(xlsx)
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "BLKI Balikpapan" in cells and not [c for c in cells if "Bontang" in c]


def test_monthly_in_indonesian(report_data, tmp_path):  # noqa: F811
    pdf = tmp_path / "laporan.pdf"
    assert run("monthly", "--year", 2025, "--month", 8, "--out", pdf, "--lang", "id")[1] is None
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "Agustus 2025" in text


@pytest.mark.parametrize("args, message", [
    (("--month", 13, "--out", "x.pdf"), "--month must be 1 to 12, not 13."),
    (("--month", 0, "--out", "x.pdf"), "--month must be 1 to 12, not 0."),
    (("--month", 11, "--out", "x.csv"), "--out must be a file name ending in .pdf or .xlsx, not x.csv."),
    (("--month", 11, "--out", "/no/such/folder/x.pdf"), "There is no folder /no/such/folder to write x.pdf in."),
    (("--month", 11, "--out", "x.pdf", "--centre", "blki_nowhere"),
     "Unknown training centre blki_nowhere; the known codes are: "),
])
def test_monthly_bad_input_is_exit_2(programme_year, tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _out, error = run("monthly", "--year", 2025, *args)
    assert error is not None and error.returncode == 2
    assert str(error).startswith(message)
    assert not list(tmp_path.iterdir())
