"""``kompeten dedup INPUT.csv --out CLUSTERS.csv [--pairs PAIRS.csv]``: real CSV files, the Command run directly.
It never touches the database (no database fixture here: a query would fail)."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kompeten.linkage.compare import FIELDS
from kompeten.linkage.management.commands.dedup import Command
from kompeten.linkage.model import default_model

HEADER = ["record_id", "nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat",
          "kecamatan", "kabupaten_kota", "kode_wilayah", "pendidikan", "kk", "source"]
ROWS = [
    # One person three times: a registration, an old BLK list (Excel-damaged NIK, old spelling, degree, swapped date
    # in another format), a SIAPkerja export without NIK.
    ["reg-1", "6472054203990003", "Siti Aminah", "P", "Samarinda", "02/03/1999", "081234567890", "siti@example.id",
     "Jl. Merdeka No. 12", "Samarinda Ulu", "Kota Samarinda", "64.72.05.1001", "SMK", "6472051506150007",
     "pendaftaran_2025"],
    ["blk-7", "6472054203990000", "SITI AMINAH, S.PD", "P", "SMD", "1999-02-03", "81234567890", "",
     "JL MERDEKA 12", "", "Samarinda", "", "S1", "", "blk_2021"],
    ["sk-3", "", "Siti Aminah", "Perempuan", "Samarinda", "2 Maret 1999", "081234567890", "siti@example.id", "",
     "", "", "64.72.05", "", "", "siapkerja"],
    # Her twin sister: same address, KK and birth date; NIK differs only in the serial.
    ["reg-2", "6472054203990004", "Siti Rahmah", "P", "Samarinda", "02/03/1999", "081298765432", "",
     "Jl. Merdeka No. 12", "Samarinda Ulu", "Kota Samarinda", "64.72.05.1001", "SMK", "6472051506150007",
     "pendaftaran_2025"],
    # Someone else, with the KK typed as the NIK and a missing name.
    ["reg-3", "6471011010150002", "", "L", "Balikpapan", "10/10/2001", "", "", "", "", "Balikpapan", "", "", "",
     "pendaftaran_2025"],
]


def write_input(path: Path, rows=ROWS, header=HEADER, delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def run(*args):
    call_command(Command(), *map(str, args))


def test_clusters_and_pairs(tmp_path, capsys):
    source = write_input(tmp_path / "INPUT.csv")
    out, pairs = tmp_path / "CLUSTERS.csv", tmp_path / "PAIRS.csv"
    run(source, "--out", out, "--pairs", pairs, "--all-pairs", "--lang", "en")
    clusters = {row["record_id"]: row["cluster_id"] for row in read(out)}
    assert list(clusters) == ["reg-1", "blk-7", "sk-3", "reg-2", "reg-3"]  # input order, every record
    assert clusters["reg-1"] == clusters["blk-7"] == clusters["sk-3"] == "reg-1"
    assert clusters["reg-2"] == "reg-2" and clusters["reg-3"] == "reg-3"
    rows = read(pairs)
    assert set(rows[0]) == {"record_id_l", "record_id_r", "score", "decision", "weight", "w_prior", "w_name_tf",
                            "w_crowd", *(f"w_{f}" for f in FIELDS), *FIELDS}
    by_pair = {frozenset((r["record_id_l"], r["record_id_r"])): r for r in rows}
    twins = by_pair[frozenset(("reg-1", "reg-2"))]
    assert twins["nik"] == "sibling" and twins["decision"] != "link"
    excel = by_pair[frozenset(("reg-1", "blk-7"))]
    assert excel["nik"] == "excel15" and excel["decision"] == "link"
    for row in rows:
        parts = [float(row[k]) for k in row if k.startswith("w_")]
        assert sum(parts) == pytest.approx(float(row["weight"]), abs=0.02)
        assert 0 <= float(row["score"]) <= 1
    printed = capsys.readouterr().out
    assert "5 records in 3 clusters" in printed and "Candidate pairs per blocking rule" in printed


def test_pairs_without_all_pairs_are_the_link_and_review_pairs(tmp_path):
    source = write_input(tmp_path / "INPUT.csv")
    every, some = tmp_path / "ALL.csv", tmp_path / "SOME.csv"
    run(source, "--out", tmp_path / "C1.csv", "--pairs", every, "--all-pairs")
    run(source, "--out", tmp_path / "C2.csv", "--pairs", some)
    all_rows, rows = read(every), read(some)
    assert rows == [row for row in all_rows if row["decision"] in ("link", "review")]
    assert any(row["decision"] == "non_link" for row in all_rows)
    assert read(tmp_path / "C1.csv") == read(tmp_path / "C2.csv")


def test_default_language_is_indonesian(tmp_path, capsys):
    source = write_input(tmp_path / "INPUT.csv")
    run(source, "--out", tmp_path / "C.csv")
    assert "5" in capsys.readouterr().out
    with pytest.raises(CommandError) as error:
        run(tmp_path / "missing.csv", "--out", tmp_path / "C.csv")
    assert error.value.returncode == 2


def test_only_record_id_and_semicolons(tmp_path):
    source = write_input(tmp_path / "IN.csv", rows=[["a", "Budi"], ["b", "Budi"]], header=["record_id", "nama"],
                         delimiter=";")
    run(source, "--out", tmp_path / "C.csv")
    assert [row["record_id"] for row in read(tmp_path / "C.csv")] == ["a", "b"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("nik,nama\n1,a\n", "no record_id column"),
    ("record_id,nama\nx,a\ny,b\nx,c\n", "record_id x is repeated: lines 2 and 4"),
    ("record_id,nama\n,a\n", "Line 2"),
    ("", "empty"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path, content, message):
    source = tmp_path / "INPUT.csv"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "CLUSTERS.csv"
    with pytest.raises(CommandError) as error:
        run(source, "--out", out, "--lang", "en")
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert not out.exists()


def test_bad_options(tmp_path):
    source = write_input(tmp_path / "INPUT.csv")
    with pytest.raises(CommandError, match="folder of"):
        run(source, "--out", tmp_path / "nowhere" / "C.csv", "--lang", "en")
    with pytest.raises(CommandError, match="thresholds"):
        run(source, "--out", tmp_path / "C.csv", "--low", "0.9", "--high", "0.5", "--lang", "en")
    (tmp_path / "m.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot be read"):
        run(source, "--out", tmp_path / "C.csv", "--model", tmp_path / "m.json", "--lang", "en")


def test_a_saved_model_is_used(tmp_path):
    source = write_input(tmp_path / "INPUT.csv")
    model = default_model()
    model.high = 0.999999
    (tmp_path / "m.json").write_text(model.to_json(), encoding="utf-8")
    run(source, "--out", tmp_path / "C.csv", "--pairs", tmp_path / "P.csv", "--model", tmp_path / "m.json")
    assert any(row["decision"] == "review" for row in read(tmp_path / "P.csv"))


def test_console_script_exit_code(tmp_path):
    """Through manage.py, as an operator runs it: exit status 2 and the message on stderr, in English on request."""
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, str(root / "manage.py"), "dedup", str(tmp_path / "none.csv"), "--out",
                           str(tmp_path / "C.csv"), "--lang", "en"], capture_output=True, text=True, cwd=root,
                          env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "", "DJANGO_SETTINGS_MODULE":
                               "kompeten.settings_test"}, check=False)
    assert done.returncode == 2, done.stderr
    assert "does not exist" in done.stderr
