"""`kompeten allocate DIR --out RESULT.csv`: real CSV files in a temporary folder, the Command run directly.

No database is needed: the command reads files and writes one.
"""

import math
import random

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kompeten.selection import csvio
from kompeten.selection.engine import Instance, allocate_reference
from kompeten.selection.management.commands.allocate import Command

PROGRAMMES = "programme_id,capacity\nJAHIT,1\nLAS,2\n"
APPLICANTS = "applicant_id,lottery\nani,0.5\nbudi,0.2\ncitra,0.9\ndewi,0.1\n"
APPLICATIONS = (
    "applicant_id,rank,programme_id,score\n"
    "ani,1,JAHIT,80\n"
    "ani,2,LAS,80\n"
    "budi,1,JAHIT,90\n"
    "citra,1,LAS,40\n"
    "dewi,1,LAS,70\n"
    "dewi,2,JAHIT,99\n"
)


def write(folder, programmes=PROGRAMMES, applicants=APPLICANTS, applications=APPLICATIONS, encoding="utf-8"):
    folder.mkdir(exist_ok=True)
    for name, text in (("programmes.csv", programmes), ("applicants.csv", applicants),
                       ("applications.csv", applications)):
        if text is not None:
            data = text if isinstance(text, bytes) else text.encode(encoding)
            (folder / name).write_bytes(data)
    return folder


def run(folder, out, *args):
    call_command(Command(), str(folder), "--out", str(out), "--lang", "en", *args)


def read(out) -> list[str]:
    return out.read_text(encoding="utf-8").splitlines()


def test_writes_one_row_per_applicant(tmp_path, capsys):
    out = tmp_path / "result.csv"
    run(write(tmp_path / "in"), out, "--time")
    # JAHIT (1 seat): budi 90 beats ani 80 (dewi ranks it second and is held at LAS).
    # LAS (2 seats): ani 80 (after JAHIT) and dewi 70; citra 40 is left out.
    assert read(out) == ["applicant_id,programme_id,rank", "ani,LAS,2", "budi,JAHIT,1", "citra,,", "dewi,LAS,1"]
    printed = capsys.readouterr().out
    assert "3 of 4 applicant(s) got a seat (2 their first choice); 1 did not." in printed
    assert "Time: reading" in printed


def test_rows_in_any_order_other_columns_ignored_and_crlf(tmp_path):
    applications = "note,score,programme_id,rank,applicant_id\r\n" + "".join(
        f"x,{score},{programme},{rank},{applicant}\r\n" for applicant, rank, programme, score in
        reversed([line.split(",") for line in APPLICATIONS.splitlines()[1:]]))
    out = tmp_path / "result.csv"
    run(write(tmp_path / "in", applications=applications), out)
    assert read(out)[1:] == ["ani,LAS,2", "budi,JAHIT,1", "citra,,", "dewi,LAS,1"]


def test_reserves_open_seats_first(tmp_path):
    # LAS: 2 seats, 1 for women. Priorities ani (W) 95 > budi 90 > citra 85 > dewi (W) 50.
    # ani wins the open seat; the women's seat goes to dewi.
    folder = write(tmp_path / "in", programmes="programme_id,capacity,reserve_women\nLAS,2,1\n",
                   applicants="applicant_id,lottery,women\nani,1,1\nbudi,2,0\ncitra,3,0\ndewi,4,1\neko,5,0\n",
                   applications="applicant_id,rank,programme_id,score\nani,1,LAS,95\nbudi,1,LAS,90\n"
                                "citra,1,LAS,85\ndewi,1,LAS,50\n")
    out = tmp_path / "result.csv"
    run(folder, out)
    assert read(out)[1:] == ["ani,LAS,1", "budi,,", "citra,,", "dewi,LAS,1", "eko,,"]


def test_quoted_fields_bom_and_long_ids(tmp_path):
    # Quotes send the file through the csv module; ids longer than 8 bytes are matched by hash.
    folder = write(
        tmp_path / "in",
        programmes='\ufeffprogramme_id,capacity\n"Las, listrik",1\nTata Graha Balikpapan,1\n',
        applicants='applicant_id,lottery\n"6471010101900001",1\n"6471010101900002",2\n',
        applications='applicant_id,rank,programme_id,score\n6471010101900001,1,"Las, listrik",50\n'
                     '6471010101900002,1,"Las, listrik",50\n6471010101900002,2,Tata Graha Balikpapan,1\n')
    out = tmp_path / "result.csv"
    run(folder, out)
    assert read(out) == ["applicant_id,programme_id,rank", '6471010101900001,"Las, listrik",1',
                         "6471010101900002,Tata Graha Balikpapan,2"]


def test_same_result_as_the_reference_on_a_random_instance(tmp_path):
    rng = random.Random(7)
    programmes = [f"P{p}" for p in range(12)]
    applicants = [f"A{a}" for a in range(300)]
    capacities = [rng.randint(0, 20) for _ in programmes]
    women_seats = [rng.randint(0, c // 2) for c in capacities]
    women = [rng.random() < 0.5 for _ in applicants]
    lottery = rng.sample(range(10_000), len(applicants))
    choices = [rng.sample(range(len(programmes)), rng.randint(0, 5)) for _ in applicants]
    scores = [[rng.randint(0, 10) for _ in row] for row in choices]
    folder = write(
        tmp_path / "in",
        programmes="programme_id,capacity,reserve_women\n" + "".join(
            f"{p},{c},{w}\n" for p, c, w in zip(programmes, capacities, women_seats, strict=True)),
        applicants="applicant_id,lottery,women\n" + "".join(
            f"{a},{n},{int(w)}\n" for a, n, w in zip(applicants, lottery, women, strict=True)),
        applications="applicant_id,rank,programme_id,score\n" + "".join(
            f"{applicants[a]},{i + 1},{programmes[p]},{s}\n" for a, row in enumerate(choices)
            for i, (p, s) in enumerate(zip(row, scores[a], strict=True))))
    out = tmp_path / "result.csv"
    run(folder, out)
    expected = allocate_reference(Instance.from_lists(capacities=capacities, lottery=lottery, choices=choices,
                                                      scores=scores, reserves={"women": women_seats},
                                                      groups={"women": women}))
    rows = [line.split(",") for line in read(out)[1:]]
    assert [row[0] for row in rows] == applicants
    got = [programmes.index(row[1]) if row[1] else -1 for row in rows]
    assert got == expected.assignment.tolist()
    assert [int(row[2]) if row[2] else 0 for row in rows] == expected.assigned_rank.tolist()
    assert np.count_nonzero(expected.assignment >= 0) > 100


# --------------------------------------------------------------------------------------------------
# Bad files: a message naming file, line and column; no output, an old one left as it was
# --------------------------------------------------------------------------------------------------


BAD = [
    pytest.param({"applications": APPLICATIONS + "ani,3,X9,50\n"},
                 "applications.csv line 8: programme_id 'X9' is not in programmes.csv.", id="unknown programme"),
    pytest.param({"applications": APPLICATIONS + "eko,1,LAS,50\n"},
                 "applications.csv line 8: applicant_id 'eko' is not in applicants.csv.", id="unknown applicant"),
    pytest.param({"applications": APPLICATIONS + "ani,1,LAS,50\n"},
                 "applications.csv line 8: applicant ani has rank 1 twice (also on line 2).", id="duplicate rank"),
    pytest.param({"applications": APPLICATIONS + "ani,3,LAS,50\n"},
                 "applications.csv line 8: applicant ani applies to LAS twice (also on line 3).",
                 id="same programme twice"),
    pytest.param({"programmes": "programme_id,capacity\nJAHIT,-1\nLAS,2\n"},
                 "programmes.csv line 2: column capacity: -1 is negative.", id="negative capacity"),
    pytest.param({"programmes": "programme_id,capacity\nJAHIT,1\nJAHIT,2\n"},
                 "programmes.csv line 3: column programme_id: JAHIT already appears on line 2.",
                 id="duplicate programme"),
    pytest.param({"applications": "applicant_id,rank,programme_id\nani,1,JAHIT\n"},
                 "applications.csv line 1: the column score is missing (the header has: applicant_id,rank,"
                 "programme_id).", id="missing column"),
    pytest.param({"applications": APPLICATIONS.replace("ani,1,JAHIT,80", "ani,1,JAHIT,delapan")},
                 "applications.csv line 2: column score: 'delapan' is not a number.", id="non-numeric score"),
    pytest.param({"applications": APPLICATIONS.replace("budi,1,JAHIT", "budi,1.5,JAHIT")},
                 "applications.csv line 4: column rank: '1.5' is not a whole number.", id="fractional rank"),
    pytest.param({"applications": APPLICATIONS.replace("budi,1,JAHIT", "budi,0,JAHIT")},
                 "applications.csv line 4: column rank: 0 is not a rank (1 = first choice).", id="rank zero"),
    pytest.param({"applications": APPLICATIONS.replace("ani,1,JAHIT,80", "ani,1,JAHIT,nan")},
                 "applications.csv line 2: column score: 'nan' is not a number.", id="nan score"),
    pytest.param({"applications": ""},
                 "applications.csv is empty: its first line must be the header applicant_id,rank,programme_id,score.",
                 id="empty file"),
    pytest.param({"applications": None}, "applications.csv was not found in", id="missing file"),
    pytest.param({"applicants": APPLICANTS + "dewi,0.3\n"},
                 "applicants.csv line 6: column applicant_id: dewi already appears on line 5.",
                 id="duplicate applicant"),
    pytest.param({"applicants": APPLICANTS + ",0.3\n"},
                 "applicants.csv line 6: column applicant_id: the value is empty.", id="empty id"),
    pytest.param({"applicants": APPLICANTS + "eko\n"}, "applicants.csv line 6: 1 fields where the header has 2.",
                 id="wrong field count"),
    pytest.param({"applicants": APPLICANTS + 'eko,"1\n'}, "applicants.csv line 6: unexpected end of data",
                 id="unclosed quote"),
    pytest.param({"applicants": "applicant_id,lottery\nani,0.5\nb\xfcdi,0.2\n".encode("latin-1")},
                 "applicants.csv line 3: the file is not UTF-8 text.", id="not utf-8"),
    pytest.param({"programmes": "programme_id,capacity,reserve_women\nJAHIT,1,2\nLAS,2,0\n"},
                 "applicants.csv line 1: the column women is missing: programmes.csv reserves seats for that group "
                 "in reserve_women.", id="reserve without group column"),
    pytest.param({"programmes": "programme_id,capacity,reserve_women\nJAHIT,1,2\nLAS,2,0\n",
                  "applicants": "applicant_id,lottery,women\nani,1,1\nbudi,2,0\ncitra,3,0\ndewi,4,0\n"},
                 "programmes.csv line 2: the reserved seats (2) exceed the capacity (1).", id="reserves over capacity"),
    pytest.param({"programmes": "programme_id,capacity,reserve_women\nJAHIT,1,0\nLAS,2,1\n",
                  "applicants": "applicant_id,lottery,women\nani,1,1\nbudi,2,ya\ncitra,3,0\ndewi,4,2\n"},
                 "applicants.csv line 3: column women: 'ya' is not a whole number.", id="group flag not a number"),
    pytest.param({"programmes": "programme_id,capacity,reserve_women\nJAHIT,1,0\nLAS,2,1\n",
                  "applicants": "applicant_id,lottery,women\nani,1,1\nbudi,2,0\ncitra,3,0\ndewi,4,2\n"},
                 "applicants.csv line 5: column women: '2' must be 0 or 1.", id="group flag not 0 or 1"),
    pytest.param({"programmes": "programme_id,capacity,capacity\nJAHIT,1,1\n"},
                 "programmes.csv line 1: the column capacity appears twice in the header.", id="column twice"),
]


@pytest.mark.parametrize(("files", "message"), BAD)
def test_bad_files(tmp_path, files, message):
    folder = write(tmp_path / "in", **files)
    out = tmp_path / "result.csv"
    with pytest.raises(CommandError) as raised:
        run(folder, out)
    assert message in str(raised.value)
    assert not out.exists()
    assert not list(tmp_path.glob(".result.csv*"))


def test_many_bad_rows_are_listed_up_to_ten(tmp_path):
    applications = "applicant_id,rank,programme_id,score\n" + "".join(f"ani,{r},X{r},1\n" for r in range(1, 14))
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path / "in", applications=applications), tmp_path / "result.csv")
    lines = str(raised.value).splitlines()
    assert lines[0] == "applications.csv line 2: programme_id 'X1' is not in programmes.csv."
    assert len(lines) == 11 and lines[-1] == "… and 3 more row(s) with the same problem."


def test_an_old_result_is_left_untouched_on_error(tmp_path):
    out = tmp_path / "result.csv"
    out.write_text("old\n")
    with pytest.raises(CommandError):
        run(write(tmp_path / "in", applications=APPLICATIONS + "ani,3,X9,50\n"), out)
    assert out.read_text() == "old\n"
    run(write(tmp_path / "in"), out)  # and replaced on success
    assert read(out)[0] == "applicant_id,programme_id,rank"


def test_missing_folders(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        run(tmp_path / "nowhere", tmp_path / "result.csv")
    with pytest.raises(CommandError, match="does not exist"):
        run(write(tmp_path / "in"), tmp_path / "nowhere" / "result.csv")


# --------------------------------------------------------------------------------------------------
# The fast reader agrees with the csv module
# --------------------------------------------------------------------------------------------------

FIELD = st.text(st.characters(codec="utf-8", exclude_characters=',"\r\n\x00\x1f'), max_size=12)
NUMBER = st.one_of(st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=False).map(repr),
                   st.sampled_from(["007", "-0", "+3", " 4", "1e2", "1_000", "", "-", "12a", "٣", "inf"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(FIELD, FIELD, NUMBER), max_size=8), trailing=st.sampled_from(["", "\n", "\n\n"]))
def test_fast_reader_reads_what_the_csv_module_reads(tmp_path, rows, trailing):
    text = "a,b,n\n" + "\n".join(",".join(row) for row in rows) + trailing
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with_csv = csvio._read_with_csv("t.csv", text)
    table = csvio.read_table(path, ["a", "b", "n"])
    assert table.plain
    assert table.rows == with_csv.rows == len(rows)
    for row in range(table.rows):
        assert [table.text(row, c) for c in "abn"] == [with_csv.text(row, c) for c in "abn"]

    def python(value: str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    expected = [python(with_csv.text(row, "n")) for row in range(with_csv.rows)]
    if None in expected:
        with translation.override("en"), pytest.raises(csvio.CsvError, match="is not a number"):
            csvio._numbers(table, "n", whole=False)
    else:
        assert csvio._numbers(table, "n", whole=False).tolist() == expected


def test_ids_whose_hashes_collide_fall_back_to_a_dictionary(tmp_path, monkeypatch):
    def colliding(table, column, hashed=None):
        return np.zeros(table.rows, dtype=np.uint64), False  # every id has the same "hash"

    monkeypatch.setattr(csvio, "_keys", colliding)
    out = tmp_path / "result.csv"
    run(write(tmp_path / "in"), out)
    assert read(out)[1:] == ["ani,LAS,2", "budi,JAHIT,1", "citra,,", "dewi,LAS,1"]
    with pytest.raises(CommandError, match="applications.csv line 8: programme_id 'X9' is not in programmes.csv."):
        run(write(tmp_path / "in", applications=APPLICATIONS + "ani,3,X9,50\n"), out)
    with pytest.raises(CommandError, match="line 6: column applicant_id: dewi already appears on line 5."):
        run(write(tmp_path / "in", applicants=APPLICANTS + "dewi,0.3\n"), out)


def test_huge_numbers_are_rejected_not_crashed_on(tmp_path):
    with pytest.raises(CommandError, match="programmes.csv line 2: column capacity: '1e300' is too large."):
        run(write(tmp_path / "in", programmes="programme_id,capacity\nJAHIT,1e300\nLAS,2\n"), tmp_path / "r.csv")
