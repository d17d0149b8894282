"""Benchmark: `kompeten import persons` on a generated 100,000-row workbook.

    .venv/bin/python bench/import_persons.py [--rows 100000] [--runs 3] [--csv] [--excel-like]

Generates (once, seeded) an .xlsx of valid job seekers under bench/out/ (gitignored): NIKs built with
kompeten.registry.nik.make_nik for East Kalimantan districts, villages of the same district, Faker
id_ID names. By default the workbook is written by openpyxl's streaming writer (inline strings, no
dimension: the slowest kind for openpyxl to read); --excel-like writes the SpreadsheetML by hand the
way Excel saves it (shared strings table, dimension, dates as styled serials), which makes openpyxl
hold the whole shared strings table in memory.

For each run it creates a fresh SQLite database in a temporary folder (`kompeten migrate` +
`kompeten load_reference`, not timed) and times `kompeten import persons FILE --centre
blki_balikpapan` in a subprocess, with that process's CPU time and peak RSS from os.wait4. Prints
every run and the medians; on a shared machine the CPU time is the steadier number. The goal (issue):
under 60 s and 500 MB on one core. 100,000 full rows are just over the 10 MB default upload limit, so
the runs set IMPORT_MAX_BYTES higher. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REGIONS = ROOT / "kompeten" / "reference" / "data" / "kaltim_regions.csv"
KOMPETEN = Path(sys.executable).parent / "kompeten"
HEADERS = ["nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat", "rt",
           "rw", "kode_wilayah", "pendidikan", "disabilitas", "pernah_pelatihan"]
EDUCATION = ["SD", "SMP", "SMA", "SMA", "SMK", "SMK", "SMK", "D3", "S1"]
SEED = 20250101
# 100,000 rows with every column filled make a 10.6 MB workbook, over the 10 MB default upload limit.
MAX_BYTES = 64 * 1024 * 1024


def _villages_by_district() -> dict[str, list[str]]:
    villages: dict[str, list[str]] = {}
    with open(REGIONS, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "village":
                villages.setdefault(row["parent_code"], []).append(row["code"])
    return villages


def generate_rows(count: int):
    """Yield `count` valid rows (deterministic)."""
    from faker import Faker

    sys.path.insert(0, str(ROOT))
    from kompeten.registry.nik import make_nik

    rng = random.Random(SEED)
    fake = Faker("id_ID")
    fake.seed_instance(SEED)
    villages = _villages_by_district()
    districts = sorted(villages)
    serials: dict[tuple, int] = {}
    first_day = datetime.date(1980, 1, 1).toordinal()
    last_day = datetime.date(2005, 12, 31).toordinal()
    for index in range(count):
        while True:
            district = rng.choice(districts)
            born = datetime.date.fromordinal(rng.randint(first_day, last_day))
            sex = rng.choice("LP")
            key = (district, born, sex)
            serial = serials.get(key, 0) + 1
            if serial <= 9999:
                serials[key] = serial
                break
        name = fake.name_male() if sex == "L" else fake.name_female()
        yield [
            make_nik(district, born, sex, serial),
            name,
            sex,
            fake.city_name(),
            born if index % 10 else born.strftime("%d/%m/%Y"),  # mostly date cells, some typed text
            f"08{rng.randint(11, 99)}{rng.randint(10_000_000, 99_999_999)}",
            f"pencaker{index}@example.com" if index % 2 else "",
            fake.street_address(),
            f"{rng.randint(1, 40):03d}",
            f"{rng.randint(1, 15):03d}",
            rng.choice(villages[district]),
            rng.choice(EDUCATION),
            "ya" if rng.random() < 0.02 else "tidak",
            "ya" if rng.random() < 0.3 else "tidak",
        ]


def generate(path: Path, count: int, as_csv: bool, excel_like: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if as_csv:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(HEADERS)
            for row in generate_rows(count):
                writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, datetime.date) else v for v in row])
    elif excel_like:
        generate_excel_like(path, count)
    else:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Data")
        sheet.append(HEADERS)
        for row in generate_rows(count):
            cell = WriteOnlyCell(sheet, value=row[4])
            if isinstance(row[4], datetime.date):
                cell.number_format = "DD/MM/YYYY"
            row[4] = cell
            sheet.append(row)
        workbook.save(path)
    print(f"generated {path} ({count} rows, {path.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.1f} s")


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_DOC}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
        '</sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
    ),
}


def generate_excel_like(path: Path, count: int) -> None:
    """SpreadsheetML as Excel saves it: shared strings, a dimension, dates as serials with a date style."""
    import zipfile
    from xml.sax.saxutils import escape

    letters = [chr(ord("A") + i) for i in range(len(HEADERS))]
    strings: dict[str, int] = {}

    def cell(ref: str, value) -> str:
        if isinstance(value, datetime.date):
            return f'<c r="{ref}" s="1"><v>{(value - datetime.date(1899, 12, 30)).days}</v></c>'
        if value == "":
            return ""
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _PARTS.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{letters[-1]}{count + 1}"/>'
                        "<sheetData>".encode())
            rows = itertools.chain([HEADERS], generate_rows(count))
            for number, values in enumerate(rows, start=1):
                cells = "".join(cell(f"{letter}{number}", v) for letter, v in zip(letters, values, strict=True))
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
            table.write(f'<sst xmlns="{_MAIN}" uniqueCount="{len(strings)}">'.encode())
            for text in strings:
                table.write(f"<si><t>{escape(text)}</t></si>".encode())
            table.write(b"</sst>")


def _run(args: list[str], env: dict) -> tuple[float, float, int, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit status, output) of one subprocess."""
    started = time.perf_counter()
    process = subprocess.Popen([str(KOMPETEN), *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    output = process.stdout.read().decode()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, process.returncode, output


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (f"{os.cpu_count()} CPU(s) ({model}), {memory:.0f} GB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv", action="store_true", help="benchmark a semicolon CSV instead of .xlsx")
    parser.add_argument("--regenerate", action="store_true", help="generate the file again")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--excel-like", action="store_true",
                        help="write the workbook as Excel does: a shared strings table, the sheet dimension and "
                             "dates as styled serial numbers")
    options = parser.parse_args()

    suffix = "csv" if options.csv else "xlsx"
    path = OUT / f"persons_{options.rows}{'_excel' if options.excel_like else ''}.{suffix}"
    if options.generate_only:
        generate(path, options.rows, options.csv, options.excel_like)
        return 0
    if options.regenerate or not path.exists():
        # In a child process: a big parent would inflate the children's peak RSS (forked pages count).
        subprocess.run([sys.executable, __file__, "--generate-only", *sys.argv[1:]], check=True)
    print(f"machine: {machine()}")
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {options.rows} rows)")

    times, cpus, peaks = [], [], []
    print(f"load average before the runs: {os.getloadavg()[0]:.2f} (other processes slow the wall time)")
    for number in range(1, options.runs + 1):
        with tempfile.TemporaryDirectory(prefix="kompeten-bench-") as folder:
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                   "KOMPETEN_VAR_DIR": folder, "KOMPETEN_HTTPS": "0", "IMPORT_MAX_BYTES": str(MAX_BYTES),
                   "DJANGO_SETTINGS_MODULE": "kompeten.settings"}
            for setup in (["migrate", "--noinput"], ["load_reference"]):
                _elapsed, _cpu, _rss, status, output = _run(setup, env)
                if status:
                    print(output)
                    return status
            elapsed, cpu, rss, status, output = _run(
                ["import", "persons", str(path), "--centre", "blki_balikpapan", "--lang", "en"], env)
            last = output.strip().splitlines()[-1] if output.strip() else ""
            print(f"run {number}: {elapsed:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss} MB, exit {status}: {last}")
            if status:
                print(output[-2000:])
                return status
            times.append(elapsed)
            cpus.append(cpu)
            peaks.append(rss)
    print(f"median {statistics.median(times):.1f} s wall (min {min(times):.1f}, max {max(times):.1f}), "
          f"median {statistics.median(cpus):.1f} s CPU, peak RSS max {max(peaks)} MB over {len(times)} run(s); "
          f"goal < 60 s and < 500 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
