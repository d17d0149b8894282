"""The Kaltim 2025 demo data set, built on the reference data (``load_reference`` runs first).

``load_demo()`` calls small ``make_*`` steps in order. Each step is deterministic (seeded random and
Faker generators of its own, so adding a step never changes what another one makes) and idempotent
(it skips what is already there), so running the demo twice creates nothing new and is quick the
second time. Later issues add their own steps to ``load_demo()``.

Demo rows are bulk-created without audit entries; they carry ``source="demo"`` / ``channel="demo"``.
"""

from __future__ import annotations

import csv
import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships.models import Company
from kompeten.assessment.models import Lsp
from kompeten.programmes.models import TrainingCentre, Vocation
from kompeten.reference.loader import DATA
from kompeten.reference.models import EducationLevel, Kbli, Region
from kompeten.registry.models import (
    AK1_VALID_YEARS,
    Consent,
    DisabilityKind,
    EmploymentStatus,
    Person,
    PersonSource,
    PriorTraining,
)
from kompeten.registry.nik import make_nik
from kompeten.registry.services import CONSENT_TEXT_VERSION

SEED = 2025
DEFAULT_PERSONS = 5000
DEMO_PASSWORD = "kompeten-demo-2025"  # noqa: S105 - the published password of the demo accounts
DEMO_DOMAIN = "kompeten.demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
JOB_SEEKER_EMAIL = f"pencari.kerja@{DEMO_DOMAIN}"
PROVINCE = "64"

BALIKPAPAN = "blki_balikpapan"
BONTANG = "blki_bontang"
BOTH = (BALIKPAPAN, BONTANG)

# Where each focus sector is offered in the demo (the centre gets the sector's example vocations; if
# the sector has none, its first vocation).
SECTOR_CENTRES = {
    "mining": (BALIKPAPAN,),
    "trade": BOTH,
    "motorcycle_repair": BOTH,  # BLKI Bontang reports an otomotif kejuruan
    "construction": BOTH,
    "housekeeping": BOTH,
}

# Registered at BLKI Bontang: Bontang, Kutai Timur and Berau, the north-east coast of Kutai
# Kartanegara and the northern half of Samarinda (on the road to Bontang). Everyone else: Balikpapan.
BONTANG_REGENCIES = {"64.74", "64.08", "64.03"}
BONTANG_DISTRICTS = {
    "64.02.05",  # Muara Badak
    "64.02.17",  # Marang Kayu
    "64.72.04",  # Samarinda Ilir
    "64.72.05",  # Samarinda Utara
    "64.72.07",  # Sambutan
    "64.72.08",  # Sungai Pinang
    "64.72.09",  # Samarinda Kota
}

REGENCY_SEATS = {
    "64.01": "Tanah Grogot", "64.02": "Tenggarong", "64.03": "Tanjung Redeb", "64.07": "Sendawar",
    "64.08": "Sangatta", "64.09": "Penajam", "64.11": "Ujoh Bilang", "64.71": "Balikpapan",
    "64.72": "Samarinda", "64.74": "Bontang",
}
OTHER_BIRTH_PLACES = [
    "Makassar", "Parepare", "Bone", "Palu", "Kendari", "Banjarmasin", "Tarakan", "Surabaya", "Malang",
    "Semarang", "Yogyakarta", "Jakarta", "Mataram", "Kupang", "Medan",
]
MOBILE_PREFIXES = ["811", "812", "813", "821", "822", "852", "853", "856", "857", "858", "877", "878", "895",
                   "896", "898"]

EDUCATION_WEIGHTS = {"SMA": 32, "SMK": 38, "SMP": 10, "SD": 2, "D3": 8, "S1": 8, "D4": 2}
MAJORS = {
    "SMA": ["IPA", "IPS"],
    "SMK": ["Teknik Kendaraan Ringan", "Teknik dan Bisnis Sepeda Motor", "Teknik Pengelasan",
            "Teknik Instalasi Tenaga Listrik", "Teknik Alat Berat", "Geologi Pertambangan",
            "Teknik Konstruksi dan Perumahan", "Akuntansi dan Keuangan Lembaga",
            "Bisnis Daring dan Pemasaran", "Perhotelan", "Tata Boga", "Teknik Komputer dan Jaringan",
            "Otomatisasi dan Tata Kelola Perkantoran"],
    "D3": ["Teknik Mesin", "Teknik Sipil", "Akuntansi", "Perhotelan", "Teknik Pertambangan",
           "Manajemen Informatika"],
    "D4": ["Teknik Mesin Produksi", "Manajemen Bisnis", "Teknik Listrik"],
    "S1": ["Manajemen", "Akuntansi", "Teknik Sipil", "Teknik Pertambangan", "Ilmu Administrasi Negara",
           "Teknik Informatika", "Pendidikan Ekonomi"],
}
EMPLOYMENT_WEIGHTS = {
    EmploymentStatus.UNEMPLOYED: 62, EmploymentStatus.LAID_OFF: 22, EmploymentStatus.SELF_EMPLOYED: 6,
    EmploymentStatus.EMPLOYED: 4, EmploymentStatus.STUDENT: 6,
}
DISABILITY_WEIGHTS = {
    DisabilityKind.PHYSICAL: 50, DisabilityKind.SENSORY: 30, DisabilityKind.INTELLECTUAL: 10,
    DisabilityKind.MENTAL: 5, DisabilityKind.MULTIPLE: 5,
}
PRIOR_TRAINING_SHARE = 0.20
DISABILITY_SHARE = 0.03
AK1_SHARE = 0.50
MALE_SHARE = 0.58

PRIOR_INSTITUTIONS = {
    PriorTraining.Source.BLK: ["UPTD BLKI Balikpapan", "UPTD BLKI Bontang", "BPVP Samarinda",
                               "BLK Komunitas Pondok Pesantren Tenggarong"],
    PriorTraining.Source.LPK: ["LPK Borneo Skill Center", "LPK Mahakam Cendekia", "LPK Etam Kompeten",
                               "LPK Bina Karya Mandiri", "LPK Tepian Terampil"],
    PriorTraining.Source.COMPANY: ["PT Borneo Tambang Lestari", "PT Mahakam Ritel Nusantara",
                                   "PT Karya Bangun Etam", "CV Bontang Motor Sejahtera"],
    PriorTraining.Source.ONLINE: ["Kemnaker SIAPkerja (pelatihan daring)",
                                  "Kartu Prakerja (pelatihan daring)"],
}
PRIOR_SOURCE_WEIGHTS = {
    PriorTraining.Source.LPK: 35, PriorTraining.Source.BLK: 30, PriorTraining.Source.COMPANY: 20,
    PriorTraining.Source.ONLINE: 15,
}
EXTRA_PRIOR_VOCATIONS = ["Operator Komputer", "Mengemudi Kendaraan Umum", "K3 Umum", "Tata Rias",
                         "Desain Grafis", "Teknisi Telepon Seluler"]

REGISTRATION_START = datetime.date(2025, 1, 2)
REGISTRATION_DAYS = 89  # 2 January to 31 March 2025


@dataclass(frozen=True)
class DemoCompany:
    name: str
    sector: str
    kbli: str
    regency: str
    address: str
    email: str
    phone: str


COMPANIES = [
    DemoCompany("PT Borneo Tambang Lestari", "mining", "05101", "64.02",
                "Jl. Poros Tenggarong-Kota Bangun Km 12, Tenggarong Seberang", "hrd@borneotambang.demo",
                "+62541661201"),
    DemoCompany("PT Sangatta Mineral Perkasa", "mining", "0990", "64.08",
                "Jl. Yos Sudarso II No. 8, Sangatta Utara", "rekrutmen@sangattamineral.demo", "+62549221402"),
    DemoCompany("PT Paser Batu Bara Sejahtera", "mining", "0510", "64.01",
                "Jl. Jenderal Sudirman No. 41, Tanah Grogot", "hrd@paserbatubara.demo", "+62543211503"),
    DemoCompany("PT Mahakam Ritel Nusantara", "trade", "47111", "64.72",
                "Jl. Pangeran Antasari No. 27, Samarinda", "karier@mahakamritel.demo", "+62541731604"),
    DemoCompany("CV Benua Etam Logistik", "trade", "52101", "64.71",
                "Jl. Soekarno-Hatta Km 8, Balikpapan Utara", "admin@benuaetamlogistik.demo", "+62542861705"),
    DemoCompany("PT Bontang Niaga Mandiri", "trade", "46900", "64.74",
                "Jl. Ahmad Yani No. 15, Bontang Utara", "hrd@bontangniaga.demo", "+62548211806"),
    DemoCompany("CV Bontang Motor Sejahtera", "motorcycle_repair", "45405", "64.74",
                "Jl. MT Haryono No. 52, Bontang Selatan", "bengkel@bontangmotor.demo", "+62548231907"),
    DemoCompany("CV Tepian Motor Samarinda", "motorcycle_repair", "45405", "64.72",
                "Jl. KH Agus Salim No. 19, Samarinda Ulu", "servis@tepianmotor.demo", "+62541741008"),
    DemoCompany("PT Karya Bangun Etam", "construction", "41011", "64.71",
                "Jl. MT Haryono No. 88, Balikpapan Selatan", "hrd@karyabangunetam.demo", "+62542871109"),
    DemoCompany("PT Penajam Konstruksi Utama", "construction", "41012", "64.09",
                "Jl. Provinsi Km 4, Penajam", "rekrutmen@penajamkonstruksi.demo", "+62542721210"),
    DemoCompany("Hotel Teluk Balikpapan (PT Teluk Balikpapan Hospitality)", "housekeeping", "55110", "64.71",
                "Jl. Jenderal Sudirman No. 101, Balikpapan Kota", "hr@telukbalikpapanhotel.demo",
                "+62542881311"),
    DemoCompany("PT Berau Bersih Prima", "housekeeping", "81210", "64.03",
                "Jl. Pemuda No. 23, Tanjung Redeb", "admin@beraubersih.demo", "+62554221412"),
]

LSP_CODE = "lsp-blki-kaltim"
LSP_NAME = "LSP P1 BLKI Kalimantan Timur"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    centre: str = ""  # centre code, for operators
    company: str = ""  # company name, for company users


STAFF_USERS = [
    DemoUser(ADMIN_EMAIL, "Admin Disnakertrans Kaltim", Role.PROVINCE_ADMIN),
    DemoUser(f"operator.balikpapan@{DEMO_DOMAIN}", "Operator BLKI Balikpapan", Role.CENTRE_OPERATOR,
             centre=BALIKPAPAN),
    DemoUser(f"operator.bontang@{DEMO_DOMAIN}", "Operator BLKI Bontang", Role.CENTRE_OPERATOR,
             centre=BONTANG),
    DemoUser(f"asesor@{DEMO_DOMAIN}", "Hendra Gunawan", Role.ASSESSOR),
    DemoUser(f"asesor2@{DEMO_DOMAIN}", "Sri Wahyuni", Role.ASSESSOR),
    DemoUser(f"hrd.tambang@{DEMO_DOMAIN}", "HRD PT Borneo Tambang Lestari", Role.COMPANY_USER,
             company="PT Borneo Tambang Lestari"),
    DemoUser(f"hrd.ritel@{DEMO_DOMAIN}", "HRD PT Mahakam Ritel Nusantara", Role.COMPANY_USER,
             company="PT Mahakam Ritel Nusantara"),
]


def _rng(step: str) -> random.Random:
    """A generator per step, derived from the one seed, so steps do not shift each other's data."""
    return random.Random(f"{SEED}:{step}")


def _faker(step: str) -> Faker:
    fake = Faker("id_ID")
    fake.seed_instance(f"{SEED}:{step}")
    return fake


@transaction.atomic
def load_demo(*, persons: int = DEFAULT_PERSONS) -> dict[str, int]:
    """Load the demo data set (reference data must be loaded). Returns the rows created per step."""
    return {
        "vocations": offer_example_vocations(),
        "lsp": make_lsp(),
        "companies": make_companies(),
        "users": make_users(),
        "persons": make_persons(persons),
        "job_seeker": make_job_seeker_account(),
    }


def offer_example_vocations() -> int:
    """Offer the focus sectors at the centres in SECTOR_CENTRES; returns the links added."""
    centres = {c.code: c for c in TrainingCentre.objects.filter(code__in=BOTH)}
    added = 0
    for sector_key, centre_codes in SECTOR_CENTRES.items():
        vocations = list(Vocation.objects.filter(sector_id=sector_key).order_by("code"))
        examples = [v for v in vocations if v.is_example]
        for code in centre_codes:
            centre = centres[code]
            offered = {v.pk for v in centre.vocations.filter(sector_id=sector_key)}
            wanted = examples or vocations[:1]
            missing = [v for v in wanted if v.pk not in offered]
            if missing:
                centre.vocations.add(*missing)
                added += len(missing)
    return added


def make_lsp() -> int:
    _lsp, created = Lsp.objects.get_or_create(
        code=LSP_CODE, defaults={"name": LSP_NAME, "licence_number": "DEMO/BNSP/LSP-P1/2025"}
    )
    return int(created)


def _sector_kbli(sector: str, code: str) -> Kbli | None:
    """The KBLI 2020 code if it belongs to the sector, else the sector's first code."""
    codes = Kbli.objects.filter(version="2020", sectors__key=sector)
    return codes.filter(code=code).first() or codes.order_by("code").first()


def make_companies() -> int:
    names = [c.name for c in COMPANIES]
    existing = set(Company.objects.filter(name__in=names).values_list("name", flat=True))
    new = [
        Company(name=c.name, sector_id=c.sector, kbli=_sector_kbli(c.sector, c.kbli), region_id=c.regency,
                address=c.address, email=c.email, phone=c.phone)
        for c in COMPANIES
        if c.name not in existing
    ]
    Company.objects.bulk_create(new)
    return len(new)


def _create_user(email: str, full_name: str, password_hash: str, **extra) -> User:
    user = User.objects.create_user(email, None, full_name=full_name, **extra)
    user.password = password_hash  # hashed once for all demo users: the demo loads faster
    user.save(update_fields=["password"])
    return user


def make_users() -> int:
    """One staff user per role and scope (see STAFF_USERS), all with DEMO_PASSWORD."""
    emails = [u.email for u in STAFF_USERS]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    todo = [u for u in STAFF_USERS if u.email not in existing]
    if not todo:
        return 0
    password_hash = make_password(DEMO_PASSWORD)
    centres = {c.code: c for c in TrainingCentre.objects.filter(code__in=BOTH)}
    companies = {c.name: c for c in Company.objects.filter(name__in=[u.company for u in todo if u.company])}
    lsp = Lsp.objects.get(code=LSP_CODE)
    for spec in todo:
        user = _create_user(spec.email, spec.full_name, password_hash)
        Membership.objects.create(
            user=user, role=spec.role,
            centre=centres[spec.centre] if spec.centre else None,
            company=companies[spec.company] if spec.company else None,
            lsp=lsp if spec.role == Role.ASSESSOR else None,
        )
    return len(todo)


def make_job_seeker_account() -> int:
    """An account for one demo person (email or phone login), registered at BLKI Balikpapan."""
    if User.objects.filter(email=JOB_SEEKER_EMAIL).exists():
        return 0
    person = (
        Person.objects.filter(source=PersonSource.DEMO, user__isnull=True, registered_centre__code=BALIKPAPAN,
                              declared_prior_training=False, birth_date__gte=datetime.date(1997, 1, 1))
        .exclude(phone="")
        .order_by("id")
        .first()
    )
    if person is None:
        return 0
    user = _create_user(JOB_SEEKER_EMAIL, person.full_name, make_password(DEMO_PASSWORD), phone=person.phone)
    Membership.objects.create(user=user, role=Role.JOB_SEEKER)
    person.user = user
    person.email = JOB_SEEKER_EMAIL
    person.save(update_fields=["user", "email", "updated_at"])
    return 1


def job_seeker_login() -> tuple[str, str]:
    """(email, phone) of the demo job seeker, or empty strings before the demo is loaded."""
    user = User.objects.filter(email=JOB_SEEKER_EMAIL).first()
    return (user.email, user.phone or "") if user else ("", "")


# --- persons ------------------------------------------------------------------------------------


def regency_populations() -> dict[str, int]:
    """Population 2025 per regency code of the province, from reference/data/kaltim_regency_stats.csv."""
    with open(DATA / "kaltim_regency_stats.csv", newline="", encoding="utf-8") as handle:
        return {
            row["code"]: int(row["population_total_2025"])
            for row in csv.DictReader(handle)
            if row["code"].count(".") == 1 and row["population_total_2025"]
        }


def weighted_districts() -> tuple[list[str], list[float]]:
    """Districts of the province, each weighted by its regency's population shared among its districts."""
    populations = regency_populations()
    by_regency: dict[str, list[str]] = defaultdict(list)
    districts = Region.objects.filter(level=Region.Level.DISTRICT, code__startswith=f"{PROVINCE}.")
    for code, regency in districts.order_by("code").values_list("code", "parent_id"):
        if regency in populations:
            by_regency[regency].append(code)
    codes, weights = [], []
    for regency, members in sorted(by_regency.items()):
        for code in members:
            codes.append(code)
            weights.append(populations[regency] / len(members))
    return codes, weights


def centre_for_district(district: str) -> str:
    return BONTANG if district[:5] in BONTANG_REGENCIES or district in BONTANG_DISTRICTS else BALIKPAPAN


def _registration_time(rng: random.Random) -> datetime.datetime:
    day = REGISTRATION_START + datetime.timedelta(days=rng.randrange(REGISTRATION_DAYS))
    clock = datetime.time(rng.randint(7, 20), rng.randrange(60), rng.randrange(60))
    moment = datetime.datetime.combine(day, clock)
    return timezone.make_aware(moment, timezone.get_default_timezone())


def _birth_date(rng: random.Random, registered: datetime.date) -> datetime.date:
    """18-44 years old on the registration day (so 18-45 during 2025), most of them 18-30."""
    age = rng.randint(18, 30) if rng.random() < 0.75 else rng.randint(31, 44)
    latest = registered.replace(year=registered.year - age)  # 2025 has no 29 February
    return latest - datetime.timedelta(days=rng.randrange(365))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _street(fake: Faker, rng: random.Random) -> str:
    name = fake.street_name()
    for prefix in ("Jl. ", "Jalan ", "Gg. ", "Gang "):
        name = name.removeprefix(prefix)
    return f"Jl. {name} No. {rng.randint(1, 150)}"


class _Serials:
    """Unique NIK serials per district, birth date and sex, skipping NIKs already in the database."""

    def __init__(self, used: set[str]):
        self.used = used
        self.next: dict[tuple, int] = defaultdict(lambda: 1)

    def nik(self, district: str, birth_date: datetime.date, sex: str) -> str:
        key = (district, birth_date, sex)
        while True:
            nik = make_nik(district, birth_date, sex, self.next[key])
            self.next[key] += 1
            if nik not in self.used:
                self.used.add(nik)
                return nik


def make_persons(count: int = DEFAULT_PERSONS) -> int:
    """About ``count`` job seekers across the province, bulk-created with consents and prior training."""
    if count <= 0 or Person.objects.filter(source=PersonSource.DEMO).exists():
        return 0
    rng, fake = _rng("persons"), _faker("persons")
    district_codes, district_weights = weighted_districts()
    villages: dict[str, list[str]] = defaultdict(list)
    village_rows = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=f"{PROVINCE}.")
    for code, district in village_rows.order_by("code").values_list("code", "parent_id"):
        villages[district].append(code)
    centres = {c.code: c.pk for c in TrainingCentre.objects.filter(code__in=BOTH)}
    education = set(EducationLevel.objects.values_list("code", flat=True))
    education_weights = {code: w for code, w in EDUCATION_WEIGHTS.items() if code in education}
    serials = _Serials(set(Person.objects.filter(nik__startswith=PROVINCE).values_list("nik", flat=True)))
    phones = set(Person.objects.exclude(phone="").values_list("phone", flat=True))
    prior_vocations = sorted(set(Vocation.objects.values_list("name", flat=True))) + EXTRA_PRIOR_VOCATIONS

    trained = set(rng.sample(range(count), round(count * PRIOR_TRAINING_SHARE)))
    disabled = set(rng.sample(range(count), round(count * DISABILITY_SHARE)))
    with_ak1 = set(rng.sample(range(count), round(count * AK1_SHARE)))
    chosen_districts = rng.choices(district_codes, weights=district_weights, k=count)

    rows: list[tuple[Person, PriorTraining | None]] = []
    for index, district in enumerate(chosen_districts):
        created_at = _registration_time(rng)
        registered = timezone.localtime(created_at).date()
        sex = "L" if rng.random() < MALE_SHARE else "P"
        if sex == "L":
            full_name = f"{fake.first_name_male()} {fake.last_name_male()}"
        else:
            full_name = f"{fake.first_name_female()} {fake.last_name_female()}"
        birth_date = _birth_date(rng, registered)
        regency = district[:5]
        birth_place = REGENCY_SEATS.get(regency, "") if rng.random() < 0.7 else rng.choice(OTHER_BIRTH_PLACES)
        level = _pick(rng, education_weights)
        while True:
            phone = f"+62{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}"
            if phone not in phones:
                phones.add(phone)
                break
        person = Person(
            nik=serials.nik(district, birth_date, sex),
            full_name=full_name,
            sex=sex,
            birth_place=birth_place,
            birth_date=birth_date,
            phone=phone,
            street=_street(fake, rng),
            rt=f"{rng.randint(1, 40):03d}",
            rw=f"{rng.randint(1, 12):03d}",
            village_id=rng.choice(villages[district]) if villages[district] else None,
            education_id=level,
            major=rng.choice(MAJORS[level]) if level in MAJORS else "",
            employment_status=_pick(rng, EMPLOYMENT_WEIGHTS),
            registered_centre_id=centres[centre_for_district(district)],
            source=PersonSource.DEMO,
            created_at=created_at,
        )
        if index in disabled:
            person.disability = True
            person.disability_kind = _pick(rng, DISABILITY_WEIGHTS)
        if index in with_ak1:
            issued = datetime.date(2024, 1, 1) + datetime.timedelta(
                days=rng.randrange((registered - datetime.date(2024, 1, 1)).days + 1))
            person.ak1_number = f"AK1/{regency.replace('.', '')}/{issued.year}/{index + 1:05d}"
            person.ak1_expires = _add_years(issued, AK1_VALID_YEARS)
        training = None
        if index in trained:
            person.declared_prior_training = True
            source = _pick(rng, PRIOR_SOURCE_WEIGHTS)
            year = rng.randint(max(2015, birth_date.year + 15), 2024)
            certificate = ""
            if rng.random() < 0.5:
                certificate = f"{rng.randrange(1, 9999):04d}/{source.upper()}/{year}"
            training = PriorTraining(
                source=source, year=year, institution=rng.choice(PRIOR_INSTITUTIONS[source]),
                vocation=rng.choice(prior_vocations), certificate=certificate,
            )
        rows.append((person, training))

    rows.sort(key=lambda row: row[0].created_at)  # ids follow the registration order
    people = Person.objects.bulk_create([person for person, _ in rows], batch_size=500)
    trainings = []
    for person, (_, training) in zip(people, rows, strict=True):
        if training is not None:
            training.person_id = person.pk
            trainings.append(training)
    PriorTraining.objects.bulk_create(trainings, batch_size=500)
    consents = [
        Consent(person_id=p.pk, purpose=Consent.Purpose.REGISTRY, given=True,
                text_version=CONSENT_TEXT_VERSION, channel=Consent.Channel.DEMO, at=p.created_at)
        for p in people
    ]
    Consent.objects.bulk_create(consents, batch_size=500)
    return len(people)
