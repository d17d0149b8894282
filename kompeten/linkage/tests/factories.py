"""Shared helpers of the record linkage tests that use the database: registering job seekers through the registry
services (so that the registration hook runs) and importing old participant lists from CSV text."""

import csv
import datetime
import io

from kompeten.linkage.importer import import_list
from kompeten.registry import services as registry
from kompeten.registry.nik import make_nik

BORN = datetime.date(1998, 7, 21)
HEADER = ["nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "alamat", "kejuruan", "tahun"]


def register(full_name="Nur Hayati", *, sex="P", birth=BORN, serial=21, district="64.71.05",
             phone="+6281234567890", village="64.71.05.1008", centre=None, by=None, **extra):
    data = {"nik": make_nik(district, birth, sex, serial), "full_name": full_name, "sex": sex, "birth_date": birth,
            "birth_place": "Balikpapan", "phone": phone, "street": "Jl. Sudirman No. 12", "rt": "003", "rw": "011",
            "village_id": village, **extra}
    return registry.register_person(data=data, by=by, source="operator", centre=centre)


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def import_rows(rows, *, header=HEADER, kind="blk_list", year=2023, centre=None, by=None, filename="peserta.csv",
                **options):
    return import_list(io.BytesIO(csv_bytes(rows, header)), filename=filename, kind=kind, year=year, centre=centre,
                       by=by, **options)


def sure_row(person, *, year=2023, vocation="Menjahit Pakaian"):
    """The person as an old list writes them: capitals and a title, day and month swapped, the NIK intact."""
    born = person.birth_date
    return [person.nik, f"{person.full_name.upper()} S.Pd", person.sex, "BALIKPAPAN",
            f"{born.month:02d}/{born.day:02d}/{born.year}", "", "", vocation, year]


def unsure_row(person, *, year=2023, vocation="Menjahit Pakaian", with_nik=False):
    """A look-alike row the current model can neither link nor reject (its score against the person's registration
    between the thresholds, sharing a blocking key with it): the first of a fixed series of variants — no NIK (or,
    ``with_nik``, one mistyped in the serial or a sibling's), a letter of the name changed, the day and month
    swapped, another place. Chosen by scoring, so that the tests hold whatever the model's weights."""
    from kompeten.linkage.engine import Linker, blocking_keys
    from kompeten.linkage.services import registration_raw
    from kompeten.linkage.standardise import standardise

    registration = standardise(registration_raw(person), id="registration")
    keys = set(blocking_keys(registration))
    linker = Linker()
    for row in _variants(person, with_nik=with_nik):
        raw = dict(zip(HEADER, row, strict=True))
        record = standardise(raw, id="row")
        if keys & set(blocking_keys(record)) and linker.score_pair(registration, record).decision == "review":
            return [*row[:-2], vocation, year]
    raise AssertionError(f"no look-alike of {person} in the review band")


def _variants(person, *, with_nik):
    born, name, nik = person.birth_date, person.full_name, person.nik
    near = name[:-1] + ("n" if name[-1] != "n" else "m")
    words = name.split()
    names = [near, name, " ".join(words[:-1] + [words[-1] + "h"]), f"{name} Putri", words[0]]
    dates = [born.strftime("%d/%m/%Y"), f"{born.month:02d}/{born.day:02d}/{born.year}",
             born.replace(year=born.year - 1).strftime("%d/%m/%Y"), ""]
    if with_nik:
        digit = "9" if nik[13] != "9" else "8"
        niks = [nik[:13] + digit + nik[14:], nik[:12] + f"{(int(nik[12:]) + 1) % 10000:04d}"]
    else:
        niks = [""]
    for number in niks:
        for written in names:
            for date in dates:
                for place in ("Balikpapan", "Samarinda", ""):
                    yield [number, written, person.sex, place, date, "", "", "", ""]
