"""Record linkage in the Kaltim 2025 demo, called from ``kompeten.core.demo.load_demo()`` after the year is built.

The story, on a story clock (``timezone.now`` patched, so every record, link, event and audit entry is dated when it
happened in the story, never after DEMO_TODAY):

1. March 2025: an operator registers a demo person a second time, typing the NIK's serial with one wrong digit
   (``registry.services.register_person``, which records the registration). About one registration in
   DUPLICATE_EVERY is such a duplicate: one in the full demo of 5,000 persons, none in the small demos of the tests
   (whose determinism checks compare every person row with a fresh ``make_persons``).
2. 1 April 2025: record linkage is switched on. The backfill (``services.record_registrations``) keeps every
   registration as a source record and links them: the duplicate is found and merged into the older registration
   (one ``MergeEvent``, which the province admin can undo on the person page).
3. 25 August 2025: the operator of BLKI Balikpapan imports the centre's old participant list 2022-2024 (about 300
   rows, an .xlsx built here) through ``importer.import_list``:

   * the demo persons who declared a BLKI Balikpapan training of 2022-2024, written as old lists write them
     (capitals, titles, "M." for Muhammad, NIKs through Excel number cells or with a typo or missing, day and month
     swapped, no phone): most are linked automatically — confirming the training they declared, whose row gets the
     list record attached (no second prior training) — the rest wait for review;
   * look-alikes of never-trained demo persons (the demo job seeker first), chosen by scoring to land between the
     thresholds: the review queue (their priority changes only if a reviewer says "same person");
   * strangers: participants who never registered in Kompeten, kept unmatched.

Deterministic (seeded generators of its own) and idempotent: a second run finds the list and adds nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import random
from unittest import mock

from django.utils import timezone

LIST_NAME = "Daftar Peserta Pelatihan UPTD BLKI Balikpapan 2022-2024.xlsx"
INSTITUTION = "UPTD BLKI Balikpapan"
LIST_YEARS = (2022, 2023, 2024)
ROWS = 300
LOOK_ALIKES = 12
DUPLICATE_EVERY = 5000  # registrations per duplicate registration
SEED = "2025:linkage"
SWITCHED_ON = datetime.datetime(2025, 4, 1, 7, 0, tzinfo=datetime.UTC)
IMPORTED = datetime.datetime(2025, 8, 25, 2, 30, tzinfo=datetime.UTC)  # 09:30 WITA
VOCATIONS = ["Teknik Las SMAW", "Operator Excavator", "Mekanik Alat Berat", "Pemeliharaan Sepeda Motor",
             "Instalasi Listrik", "Menjahit Pakaian", "Tata Boga", "Barista", "Operator Komputer",
             "Teknisi AC Residensial"]
TITLES_BEFORE = ["Hj. ", "H. ", "Ir. ", ""]
TITLES_AFTER = [", S.Pd", ", A.Md", ", S.T.", " SE", ""]
PLACES = ["Balikpapan", "Samarinda", "Penajam", "Tenggarong", "Tanah Grogot", "Makassar", "Banjarmasin", "Palu"]
DISTRICTS = ["64.71.01", "64.71.02", "64.71.03", "64.71.04", "64.71.05", "64.71.06", "64.09.01", "64.09.02",
             "64.01.02", "64.72.01", "64.72.03", "64.02.01"]


class _Clock:
    def __init__(self, moment: datetime.datetime):
        self.moment = moment

    def now(self) -> datetime.datetime:
        return self.moment


@contextlib.contextmanager
def story_clock(moment: datetime.datetime):
    clock = _Clock(moment)
    with mock.patch.object(timezone, "now", clock.now):
        yield clock


def make_linkage(today: datetime.date) -> int:
    """The story of the module docstring; returns the source records made (0 when the list is there already)."""
    from kompeten.linkage.models import SourceList, SourceRecord

    if SourceList.objects.filter(name=LIST_NAME).exists():
        return 0
    from kompeten.accounts.models import User
    from kompeten.core.demo import BALIKPAPAN
    from kompeten.programmes.models import TrainingCentre
    from kompeten.registry.models import Person, PersonSource

    if not Person.objects.filter(source=PersonSource.DEMO).exists():
        return 0
    centre = TrainingCentre.objects.get(code=BALIKPAPAN)
    operator = User.objects.filter(memberships__centre=centre, memberships__role="centre_operator").order_by(
        "pk").first()
    rng = random.Random(SEED)
    before = SourceRecord.objects.count()
    for _number in range(round(Person.objects.filter(source=PersonSource.DEMO).count() / DUPLICATE_EVERY)):
        _duplicate_registration(rng)
    with story_clock(SWITCHED_ON):
        from kompeten.linkage.services import record_registrations

        last = 0
        while True:
            persons = list(Person.objects.filter(pk__gt=last, registration_records__isnull=True).order_by("pk")
                           [:2000])
            if not persons:
                break
            last = persons[-1].pk
            record_registrations(persons, by=None)
    with story_clock(IMPORTED):
        from kompeten.linkage.importer import import_list

        workbook = _workbook(_rows(rng))
        import_list(io.BytesIO(workbook), filename=LIST_NAME, kind="blk_list", year=2023, institution=INSTITUTION,
                    centre=centre, by=operator)
    del today
    return SourceRecord.objects.count() - before


# --- 1. the duplicate registration -----------------------------------------------------------------------------

def _duplicate_registration(rng: random.Random):
    """One demo person registered again by an operator of their centre, ten days later, the NIK's serial typed
    with one wrong digit (and the name in capitals)."""
    from kompeten.core.demo import BALIKPAPAN
    from kompeten.registry import services as registry
    from kompeten.registry.models import Consent, Person, PersonSource

    candidates = list(Person.objects.filter(
        source=PersonSource.DEMO, user__isnull=True, declared_prior_training=False, merged_into__isnull=True,
        registered_centre__code=BALIKPAPAN, created_at__lt=datetime.datetime(2025, 3, 15, tzinfo=datetime.UTC),
    ).exclude(phone="").order_by("pk")[:200])
    if not candidates:
        return None
    original = rng.choice(candidates)
    nik = original.nik[:12] + "9" + original.nik[13:]  # the serial's first digit: 00xx -> 90xx
    if Person.objects.filter(nik=nik).exists():
        return None
    moment = original.created_at + datetime.timedelta(days=10, hours=2)
    data = {field: getattr(original, field) for field in (
        "sex", "birth_place", "birth_date", "phone", "street", "rt", "rw", "village_id", "education_id", "major",
        "employment_status")}
    data.update(nik=nik, full_name=original.full_name.upper(), created_at=moment)
    from kompeten.accounts.models import User

    operator = User.objects.filter(memberships__centre=original.registered_centre,
                                   memberships__role="centre_operator").order_by("pk").first()
    with story_clock(moment):
        return registry.register_person(data=data, by=operator, source=PersonSource.OPERATOR,
                                        centre=original.registered_centre, consents=[Consent.Purpose.REGISTRY],
                                        channel=Consent.Channel.DEMO)


# --- 3. the old participant list ------------------------------------------------------------------------------

HEADER = ["No", "NIK", "Nama Peserta", "L/P", "Tempat Lahir", "Tanggal Lahir", "No. HP", "Alamat", "Kejuruan",
          "Tahun", "No. Sertifikat", "Keterangan"]


def _rows(rng: random.Random) -> list[list]:
    from kompeten.registry.models import Person, PersonSource, PriorTraining

    rows = []
    trained = (PriorTraining.objects.filter(person__source=PersonSource.DEMO, source=PriorTraining.Source.BLK,
                                            institution=INSTITUTION, year__in=LIST_YEARS,
                                            source_record__isnull=True)
               .select_related("person").order_by("person_id", "pk"))
    seen = set()
    for training in trained:
        if training.person_id in seen:
            continue
        seen.add(training.person_id)
        rows.append(_as_listed(rng, training.person, training.year, training.vocation, training.certificate))
    never = (Person.objects.filter(source=PersonSource.DEMO, declared_prior_training=False,
                                   prior_trainings__isnull=True, merged_into__isnull=True)
             .exclude(registered_centre__isnull=True).order_by("pk"))
    persona = never.filter(user__isnull=False).first()
    pool = list(never.filter(user__isnull=True, registered_centre__code="blki_balikpapan")[:400])
    rng.shuffle(pool)
    found = 0
    for person in ([persona] if persona else []) + pool:
        if found >= LOOK_ALIKES:
            break
        row = _look_alike(rng, person)
        if row is not None:
            rows.append(row)
            found += 1
    fake = _faker()
    while len(rows) < ROWS:
        rows.append(_stranger(rng, fake))
    rng.shuffle(rows)
    return [[number, *row] for number, row in enumerate(rows, start=1)]


def _faker():
    from faker import Faker

    fake = Faker("id_ID")
    fake.seed_instance(SEED)
    return fake


def _date_cell(rng: random.Random, born: datetime.date, *, swap: bool):
    if swap and born.day <= 12 and born.day != born.month:
        return f"{born.month:02d}/{born.day:02d}/{born.year}"
    kind = rng.random()
    if kind < 0.4:
        return datetime.datetime.combine(born, datetime.time())  # a date cell
    if kind < 0.7:
        return born.strftime("%d-%m-%Y")
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
              "November", "Desember"]
    return f"{born.day} {months[born.month - 1]} {born.year}"


def _written_name(rng: random.Random, name: str) -> str:
    words = name.split()
    if words[0].lower() in ("muhammad", "muhamad", "mohammad") and rng.random() < 0.7:
        words[0] = rng.choice(["M.", "Moh.", "MUH."])
    name = " ".join(words)
    if rng.random() < 0.6:
        name = name.upper()
    if rng.random() < 0.3:
        name = rng.choice(TITLES_BEFORE) + name + rng.choice(TITLES_AFTER)
    return name


def _nik_cell(rng: random.Random, nik: str):
    kind = rng.random()
    if kind < 0.45:
        return nik
    if kind < 0.7:
        return float(nik[:15] + "0")  # through an Excel number cell: 15 digits kept
    if kind < 0.8:
        return ""
    position = rng.randrange(6, 12)  # a typo in the birth-date digits
    digit = str((int(nik[position]) + rng.randint(1, 8)) % 10)
    return nik[:position] + digit + nik[position + 1:]


def _phone(person) -> str:
    return "0" + person.phone.removeprefix("+62") if person.phone else ""


def _as_listed(rng, person, year: int, vocation: str, certificate: str) -> list:
    return [_nik_cell(rng, person.nik), _written_name(rng, person.full_name), rng.choice(["L", "P"])
            if rng.random() < 0.02 else person.sex, (person.birth_place or "").upper(),
            _date_cell(rng, person.birth_date, swap=rng.random() < 0.25), _phone(person) if rng.random() < 0.5
            else "", person.street if rng.random() < 0.6 else "", vocation, year, certificate or "",
            "Lulus" if rng.random() < 0.9 else "Tidak lulus"]


def _look_alike(rng: random.Random, person) -> list | None:
    """A row like ``person`` that the model can neither link nor reject (scored against their registration
    record), or None."""
    from kompeten.linkage.engine import blocking_keys
    from kompeten.linkage.services import _linker, registration_raw
    from kompeten.linkage.standardise import standardise

    registration = standardise(registration_raw(person), id="registration")
    keys = set(blocking_keys(registration))
    born, name = person.birth_date, person.full_name
    words = name.split()
    names = [name[:-1] + ("n" if name[-1] != "n" else "m"), " ".join(words[:-1]) or name, f"{name} Putri",
             name.upper(), words[-1] + " " + " ".join(words[:-1])]
    dates = [born, born.replace(year=born.year - 1), None]
    places = [person.birth_place or "", "Balikpapan", ""]
    linker = _linker()
    options = [(n, d, p) for n in names for d in dates for p in places]
    rng.shuffle(options)
    for written, day, place in options:
        raw = {"nama": written, "jenis_kelamin": person.sex, "tempat_lahir": place,
               "tanggal_lahir": day.isoformat() if day else ""}
        record = standardise(raw, id="row")
        if not keys & set(blocking_keys(record)):
            continue
        if linker.score_pair(registration, record).decision == "review":
            return ["", written, person.sex, place, datetime.datetime.combine(day, datetime.time()) if day else "",
                    "", "", rng.choice(VOCATIONS), rng.choice(LIST_YEARS), "", "Lulus"]
    return None


def _stranger(rng: random.Random, fake) -> list:
    from kompeten.registry.nik import make_nik

    sex = "L" if rng.random() < 0.6 else "P"
    first = fake.first_name_male() if sex == "L" else fake.first_name_female()
    last = fake.last_name_male() if sex == "L" else fake.last_name_female()
    born = datetime.date(1985, 1, 1) + datetime.timedelta(days=rng.randrange(7000))
    nik = make_nik(rng.choice(DISTRICTS), born, sex, rng.randint(5000, 9999))
    phone = f"08{rng.choice(['11', '12', '13', '21', '52', '53'])}{rng.randrange(10**7, 10**8)}"
    return [_nik_cell(rng, nik) if rng.random() < 0.85 else "", _written_name(rng, f"{first} {last}"), sex,
            rng.choice(PLACES).upper(), _date_cell(rng, born, swap=rng.random() < 0.15),
            phone if rng.random() < 0.6 else "", "", rng.choice(VOCATIONS), rng.choice(LIST_YEARS),
            f"{rng.randrange(1, 999):03d}/BLKI-BPN/{rng.choice(LIST_YEARS)}" if rng.random() < 0.5 else "",
            "Lulus" if rng.random() < 0.9 else "Tidak lulus"]


def _workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Peserta"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
