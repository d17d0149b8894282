"""The Kaltim 2025 demo data set, built on the reference data (``load_reference`` runs first).

``load_demo()`` calls small ``make_*`` steps in order. Each step is deterministic (seeded random and
Faker generators of its own, so adding a step never changes what another one makes) and idempotent
(it skips what is already there), so running the demo twice creates nothing new and is quick the
second time. Later issues add their own steps to ``load_demo()`` (the assessment steps: schemes, TUK,
assessors, assessments and appeals, are in ``kompeten/assessment/demo.py``).

Demo rows are bulk-created without audit entries; they carry ``source="demo"`` / ``channel="demo"``. The
selection rounds are the exception: they are run through the selection services (make_selection_rounds), which
write their audit entries with the machine's clock; the rows themselves are then dated as it happened.

The programme steps (year and targets, packages, batches, enrolments, attendance, outcomes) show the
2025 programme as it stood on DEMO_TODAY (Monday 17 November 2025), whatever the machine's clock says: batch
statuses follow from their dates relative to that day, and nothing is dated after it. Most classes are finished;
the last ones run, the December intake is open for registration in the open round of each centre.

`kompeten demo` serves the demo with the clock travelled to DEMO_TODAY 09:00, so the states that the end-to-end
journeys start from are there "today" (the lookups name them):

- S1 open_round() / OPEN_ROUND_NAME: BLKI Balikpapan's round for its December classes, open for applications;
- S2 journey_batch(): a Balikpapan class that ended on the Friday before, attendance of its last day not marked;
- S3 assessed_journey_batch() and assessment.demo.journey_event(): its twin, assessed on DEMO_TODAY by asesor@;
- S4 apprenticeships.demo.journey_week(): a logbook week waiting for its company's confirmation.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import heapq
import itertools
import os
import random
import struct
import zlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from faker import Faker

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships.models import Company
from kompeten.assessment.models import Lsp, LspType
from kompeten.programmes.models import (
    Batch,
    BatchSession,
    BatchStatus,
    FundingSource,
    ProgrammeYear,
    Target,
    TrainingCentre,
    TrainingPackage,
    Vocation,
)
from kompeten.programmes.services import DEFAULT_HOURS, generate_sessions
from kompeten.reference.loader import DATA
from kompeten.reference.models import EducationLevel, Kbli, Region
from kompeten.registry.models import (
    AK1_VALID_YEARS,
    Consent,
    DisabilityKind,
    DocumentKind,
    EmploymentStatus,
    Person,
    PersonDocument,
    PersonSource,
    PriorTraining,
)
from kompeten.registry.nik import make_nik
from kompeten.registry.services import CONSENT_TEXT_VERSION
from kompeten.selection import notifications
from kompeten.selection import services as selection_services
from kompeten.selection.models import (
    DEFAULT_RULES,
    Application,
    Offer,
    OfferStatus,
    SelectionRound,
)
from kompeten.selection.rules import ineligibility
from kompeten.training.models import (
    ATTENDED,
    Attendance,
    AttendanceStatus,
    DropoutReason,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
)

SEED = 2025
DEFAULT_PERSONS = 5000
# The demo is a snapshot of the 2025 programme year as it stood on this day, a Monday in November (not the
# machine's clock): batch statuses, attendance and outcomes all follow from it. `kompeten demo` serves the demo
# with the clock travelled to DEMO_TODAY 09:00 (Asia/Makassar).
DEMO_TODAY = datetime.date(2025, 11, 17)
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
LSP_NAME = "LSP P2 BLKI Kalimantan Timur"
LSP_LICENCE = "BNSP-LSP-1487-ID"
LSP_LICENSED = (datetime.date(2023, 1, 1), datetime.date(2027, 12, 31))


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
    DemoUser(f"lsp@{DEMO_DOMAIN}", "Manajer Sertifikasi LSP", Role.LSP_ADMIN),
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
def load_demo(*, persons: int = DEFAULT_PERSONS, batch_share: float = 1.0) -> dict[str, int]:
    """Load the demo data set (reference data must be loaded). Returns the rows created per step.

    ``batch_share`` scales the batch plan (BATCH_PLAN) down for tests; each centre keeps at least one
    batch per sector it offers.
    """
    from kompeten.apprenticeships import demo as apprenticeship_demo
    from kompeten.assessment import demo as assessment_demo  # it builds on this module's steps and helpers
    from kompeten.certificates import demo as certificates_demo
    from kompeten.jobs import demo as jobs_demo
    from kompeten.jobs import signals as profile_signals

    # Candidate profiles are not refreshed row by row while the year is built: the jobs step refreshes every
    # profile in bulk before it matches anyone (a per-save refresh would cost a minute of the load).
    with profile_signals.suspended():
        return _load_steps(persons, batch_share, assessment_demo, certificates_demo, apprenticeship_demo, jobs_demo)


def _load_steps(persons, batch_share, assessment_demo, certificates_demo, apprenticeship_demo, jobs_demo) -> dict:
    return {
        "vocations": offer_example_vocations(),
        "lsp": make_lsp(),
        "companies": make_companies(),
        "users": make_users(),
        "persons": make_persons(persons),
        "job_seeker": make_job_seeker_account(),
        "programme_year": make_programme_year(),
        "packages": make_packages(),
        "batches": make_batches(batch_share),
        "enrolments": make_enrolments(),
        "selection": make_selection_rounds(),
        "open_round": make_open_round(),
        "attendance": make_attendance(),
        "completed": complete_demo_batches(),
        "documents": make_documents(),
        "schemes": assessment_demo.make_schemes(),
        "tuks": assessment_demo.make_tuks(),
        "assessors": assessment_demo.make_assessors(),
        "assessments": assessment_demo.make_assessments(),
        "appeals": assessment_demo.make_appeals(),
        "certificates": certificates_demo.make_certificates(DEMO_TODAY),
        "apprenticeships": apprenticeship_demo.make_apprenticeships(DEMO_TODAY),
        "jobs": jobs_demo.make_jobs(DEMO_TODAY),
        "linkage": __import__("kompeten.linkage.demo").linkage.demo.make_linkage(DEMO_TODAY),  # record linkage
        # The steps write in bulk, without the signals that keep the dashboards' figures current: count them all.
        "report_facts": make_report_figures(),
    }


def make_report_figures() -> int:
    """The dashboards' summary tables, rebuilt from the year just loaded; returns the facts added."""
    from kompeten.reporting.models import Fact
    from kompeten.reporting.refresh import rebuild

    before = Fact.objects.count()
    return rebuild()["facts"] - before


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
    """The LSP P2 of the BLKI (at BLKI Balikpapan), licensed by BNSP 2023-2027; a row made by an older demo is
    brought up to date."""
    centre = TrainingCentre.objects.filter(code=BALIKPAPAN).first()
    wanted = {"name": LSP_NAME, "licence_number": LSP_LICENCE, "lsp_type": LspType.P2, "centre": centre,
              "address": centre.address if centre else "", "licensed_from": LSP_LICENSED[0],
              "licensed_until": LSP_LICENSED[1]}
    lsp, created = Lsp.objects.get_or_create(code=LSP_CODE, defaults=wanted)
    if not created and any(getattr(lsp, name) != value for name, value in wanted.items()):
        Lsp.objects.filter(pk=lsp.pk).update(**wanted)
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
                address=c.address, email=c.email, phone=c.phone, status="verified")
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
            lsp=lsp if spec.role in (Role.ASSESSOR, Role.LSP_ADMIN) else None,
        )
    return len(todo)


JOB_SEEKER_EDUCATION = ("SMA", "SMK")


def make_job_seeker_account() -> int:
    """An account for one demo person (email or phone login), registered at BLKI Balikpapan: never trained,
    SMA/SMK, born 1997 or later and looking for work, so that they may apply for the open batches."""
    if User.objects.filter(email=JOB_SEEKER_EMAIL).exists():
        return 0
    person = (
        Person.objects.filter(source=PersonSource.DEMO, user__isnull=True, registered_centre__code=BALIKPAPAN,
                              declared_prior_training=False, birth_date__gte=datetime.date(1997, 1, 1),
                              education_id__in=JOB_SEEKER_EDUCATION, employment_status=EmploymentStatus.UNEMPLOYED)
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
        self.next: dict[tuple, int] = {}

    def nik(self, district: str, birth_date: datetime.date, sex: str) -> str:
        key = (district, birth_date, sex)
        if key not in self.next:  # a populous district has issued a few dozen serials for a day already
            digest = hashlib.sha256(f"{SEED}:{district}:{birth_date}:{sex}".encode()).digest()
            self.next[key] = 1 + digest[0] % 40
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


# --- the 2025 programme: year and targets, packages, batches, enrolments, attendance, outcomes ------

PROGRAMME_YEAR = 2025
PROGRAMME_NAME = "Program Pelatihan Berbasis Kompetensi Kaltim 2025"
PROGRAMME_NOTES = ("Target 1.500 pencari kerja tersertifikasi (BLKI Balikpapan 1.000, BLKI Bontang 500) "
                   "dan sekitar 400 peserta pemagangan.")
CLASS_SIZE = 16

# Classes (angkatan) per centre and sector: 80 at Balikpapan and 32 at Bontang, 16 seats each, so the
# trained targets are 1,280 and 512. Balikpapan planned its seats for its 1,000 certified with the drop-outs and
# Belum Kompeten results in mind (about 0.8 certified a seat); Bontang planned barely more seats than its 500
# and falls behind. Housekeeping has the fewest; "other" are the centres' own programmes.
BATCH_PLAN = {
    BALIKPAPAN: {"mining": 18, "construction": 18, "trade": 15, "motorcycle_repair": 13, "housekeeping": 6,
                 "other": 10},
    BONTANG: {"construction": 9, "trade": 8, "motorcycle_repair": 6, "housekeeping": 3, "other": 6},
}
CERTIFIED_TOTAL = 1500  # project_targets_2025 in reference/data/vocations.json
CERTIFIED_BY_CENTRE = {BALIKPAPAN: 1000, BONTANG: 500}
CERTIFIED_BY_SECTOR = {"mining": 200, "trade": 280, "motorcycle_repair": 230, "construction": 330,
                       "housekeeping": 110}  # 1,150 of the 1,500; the rest from the other programmes
APPRENTICES_PLACED = 400

# Requirements of the reported 2023 intake: 18-35 years, SMP to SMA/SMK (diploma accepted, sarjana not),
# KTP Kaltim, not in school and not working. The office programmes also take graduates.
MIN_AGE, MAX_AGE = 18, 35
MIN_EDUCATION, MAX_EDUCATION = "SMP", "D3"
OPEN_TO_GRADUATES = {"administrasi_perkantoran", "sekretaris_junior"}
DEFAULT_PACKAGE_HOURS = 240
ATTENDANCE_THRESHOLD = 80

FIRST_START = datetime.date(2025, 2, 3)  # the first Monday of February
LAST_START = datetime.date(2025, 11, 24)
LAST_END = datetime.date(2025, 12, 19)  # every class of the spread ends before the Christmas holidays
# The December intake: the centres' last classes (their shortest packages) start on this Monday; on DEMO_TODAY
# they are open for registration in the open round of their centre (make_open_round). They end at Christmas.
DECEMBER_START = datetime.date(2025, 12, 1)
DECEMBER_CLASSES = {BALIKPAPAN: 3, BONTANG: 1}
# The journey classes (see journey_batches): two Balikpapan classes of the spread are moved to end on the Friday
# before DEMO_TODAY: one is assessed on DEMO_TODAY, the other is still to be closed by its operator.
JOURNEY_END = datetime.date(2025, 11, 14)
JOURNEY_SECTORS = ("construction", "mining", "motorcycle_repair")  # the schemes of asesor@ (OTOMOTIF, TEKNIK)
# They are filled by make_enrolments (first), not by the Semester II round.
JOURNEY_CLASSES = models.Q(centre__code=BALIKPAPAN, end_date=JOURNEY_END)
PLANNED_ON = datetime.date(2025, 1, 6)  # the year's classes were planned in the first weeks of January
SELECTING_DAYS = 7  # a class starting within a week of DEMO_TODAY is in selection ...
OPEN_DAYS = 42  # ... within six weeks it is open for registration; later ones are planned
CLOSED_BEFORE = datetime.date(2025, 4, 30)  # about half the classes that ended by then are closed
APBN_SHARE = 0.2

# National holidays and cuti bersama 2025 on weekdays (SKB 3 Menteri): no sessions on these days.
HOLIDAYS_2025 = frozenset(datetime.date(2025, month, day) for month, day in [
    (1, 1), (1, 27), (1, 28), (1, 29), (3, 28), (3, 31), (4, 1), (4, 2), (4, 3), (4, 4), (4, 7), (4, 18),
    (5, 1), (5, 12), (5, 13), (5, 29), (5, 30), (6, 6), (6, 9), (6, 27), (8, 18), (9, 5), (12, 25), (12, 26),
])

WORKSHOPS = {
    "mekanik_dasar_alat_berat": "Workshop Alat Berat",
    "operator_excavator": "Lapangan Praktik Alat Berat",
    "operator_dump_truck": "Lapangan Praktik Alat Berat",
    "plate_welder_smaw_3g": "Workshop Las",
    "instalasi_listrik_bangunan_sederhana": "Workshop Listrik",
    "otomasi_listrik_industri": "Workshop Listrik",
    "tukang_pasang_bata": "Workshop Bangunan",
    "tukang_kayu_konstruksi": "Workshop Bangunan",
    "scaffolder": "Workshop Bangunan",
    "pemeliharaan_sepeda_motor_injeksi": "Workshop Otomotif Sepeda Motor",
    "kendaraan_ringan_injeksi": "Workshop Otomotif",
    "pramuniaga_ritel": "Lab Ritel",
    "kasir_ritel": "Lab Ritel",
    "staf_gudang": "Ruang Tata Niaga",
    "housekeeping_room_attendant": "Mock-up Room Tata Graha",
    "cleaning_service": "Ruang Tata Graha",
    "teknisi_ac_residensial": "Workshop Refrigerasi",
    "operator_mesin_bubut": "Workshop Teknologi Mekanik",
    "pembuatan_roti_kue": "Dapur Processing",
    "barista": "Dapur Processing",
    "menjahit_pakaian": "Workshop Garmen",
    "budidaya_hidroponik": "Greenhouse Pertanian",
    "sekretaris_junior": "Lab Komputer",
    "administrasi_perkantoran": "Lab Komputer",
}

INSTRUCTOR_DEGREES = ["", "", "", ", S.T.", ", A.Md.", ", S.Pd.", ", S.Tr."]

# Attendance: the share of participants who leave mid-way, and how often the others miss a day.
DROPOUT_SHARE = 0.05
ABSENCE_PROFILES = {0.02: 80, 0.06: 15, 0.15: 5}  # chance to miss a session: weight
LATE_SHARE = 0.06
EXCUSED_OF_MISSED = 0.4
FINAL_TEST_FAIL_SHARE = 0.015
DROPOUT_REASONS = {DropoutReason.FOUND_WORK: 50, DropoutReason.MOVED: 20, DropoutReason.HEALTH: 30}
CHUNK = 5000

STAFFED_STATUSES = [BatchStatus.SELECTING, BatchStatus.RUNNING, BatchStatus.COMPLETED, BatchStatus.CLOSED]
STARTED_STATUSES = [BatchStatus.RUNNING, BatchStatus.COMPLETED, BatchStatus.CLOSED]
FINISHED_STATUSES = [BatchStatus.COMPLETED, BatchStatus.CLOSED]


def _at(day: datetime.date, clock: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, clock), timezone.get_default_timezone())


@contextmanager
def _given_timestamps(model, *names: str):
    """Let bulk_create keep the auto_now / auto_now_add values we set (the demo is dated in 2025)."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _bulk_create(model, rows: list) -> None:
    for start in range(0, len(rows), CHUNK):
        model.objects.bulk_create(rows[start:start + CHUNK], batch_size=CHUNK)


def _programme_year() -> ProgrammeYear | None:
    return ProgrammeYear.objects.filter(year=PROGRAMME_YEAR).first()


def _operators() -> dict[int, int]:
    """centre id -> user id of the demo operator of that centre (who enrols and marks attendance)."""
    emails = {u.email: u.centre for u in STAFF_USERS if u.role == Role.CENTRE_OPERATOR}
    centres = dict(TrainingCentre.objects.filter(code__in=BOTH).values_list("code", "pk"))
    users = User.objects.filter(email__in=emails).values_list("email", "pk")
    return {centres[emails[email]]: pk for email, pk in users if emails[email] in centres}


def make_programme_year() -> int:
    """The 2025 programme year and its targets; returns the rows added."""
    year, created = ProgrammeYear.objects.get_or_create(
        year=PROGRAMME_YEAR, defaults={"name": PROGRAMME_NAME, "notes": PROGRAMME_NOTES})
    centres = dict(TrainingCentre.objects.filter(code__in=BOTH).values_list("code", "pk"))
    kind = Target.Kind
    wanted = [(kind.CERTIFIED, None, None, CERTIFIED_TOTAL),
              (kind.APPRENTICES_PLACED, None, None, APPRENTICES_PLACED)]
    wanted += [(kind.CERTIFIED, centres[code], None, n) for code, n in CERTIFIED_BY_CENTRE.items()]
    wanted += [(kind.TRAINED, centres[code], None, sum(plan.values()) * CLASS_SIZE)
               for code, plan in BATCH_PLAN.items()]
    wanted += [(kind.CERTIFIED, None, sector, n) for sector, n in CERTIFIED_BY_SECTOR.items()]
    existing = set(year.targets.values_list("kind", "centre_id", "sector_id"))
    new = [Target(programme_year=year, kind=k, centre_id=centre, sector_id=sector, number=n)
           for k, centre, sector, n in wanted if (k, centre, sector) not in existing]
    Target.objects.bulk_create(new)
    return int(created) + len(new)


def make_packages() -> int:
    """One training package per vocation offered at each centre, with the reported entry requirements."""
    province = Region.objects.filter(code=PROVINCE).first()
    levels = set(EducationLevel.objects.values_list("code", flat=True))
    low = MIN_EDUCATION if MIN_EDUCATION in levels else None
    high = MAX_EDUCATION if MAX_EDUCATION in levels else None
    existing = set(TrainingPackage.objects.values_list("centre_id", "code"))
    new = []
    for centre in TrainingCentre.objects.filter(code__in=BOTH).order_by("code"):
        for vocation in centre.vocations.order_by("code"):
            if (centre.pk, vocation.code) in existing:
                continue
            new.append(TrainingPackage(
                centre=centre, vocation=vocation, code=vocation.code, name=vocation.name,
                hours=vocation.typical_hours or DEFAULT_PACKAGE_HOURS, class_size=CLASS_SIZE,
                attendance_threshold=ATTENDANCE_THRESHOLD, has_final_test=True,
                min_age=MIN_AGE, max_age=MAX_AGE,
                min_education_id=low, max_education_id=None if vocation.code in OPEN_TO_GRADUATES else high,
                domicile=province, require_not_in_school=True, require_not_working=True,
            ))
    TrainingPackage.objects.bulk_create(new)
    return len(new)


def package_weeks(hours: int) -> int:
    """Weeks a class of the package runs: about 32 hours (JP) a week, at least two weeks."""
    return max(2, round(hours / 32))


def class_end(start: datetime.date, hours: int) -> datetime.date:
    """The Friday of the class's last week (classes start on a Monday)."""
    return start + datetime.timedelta(days=7 * package_weeks(hours) - 3)


def batch_status(start: datetime.date, end: datetime.date) -> str:
    """A class's status on DEMO_TODAY from its dates (whether a completed one is closed is decided apart)."""
    if end < DEMO_TODAY:
        return BatchStatus.COMPLETED
    if start <= DEMO_TODAY:
        return BatchStatus.RUNNING
    days = (start - DEMO_TODAY).days
    if days <= SELECTING_DAYS:
        return BatchStatus.SELECTING
    if days <= OPEN_DAYS:
        return BatchStatus.OPEN
    return BatchStatus.PLANNED


def _spread(rng: random.Random, packages: list) -> list[tuple[TrainingPackage, datetime.date]]:
    """Start Mondays for one centre's classes, evenly over FIRST_START..LAST_START; none ends after
    LAST_END."""
    weeks = (LAST_START - FIRST_START).days // 7 + 1
    count = len(packages)
    slots = [round(i * (weeks - 1) / (count - 1)) for i in range(count)] if count > 1 else [weeks // 2]

    def latest(package) -> int:
        return (LAST_END - class_end(FIRST_START, package.hours)).days // 7

    remaining = list(packages)
    rng.shuffle(remaining)
    placed = []
    for slot in reversed(slots):  # the late slots first: only the shorter packages fit them
        fitting = [p for p in remaining if latest(p) >= slot] or [max(remaining, key=latest)]
        package = rng.choice(fitting)
        remaining.remove(package)
        placed.append((package, FIRST_START + datetime.timedelta(weeks=min(slot, latest(package)))))
    return sorted(placed, key=lambda item: (item[1], item[0].code))


def _plan_packages(centre: TrainingCentre, share: float) -> list[TrainingPackage]:
    """The packages of the centre's classes per BATCH_PLAN (scaled by share), taken in turn per sector."""
    by_sector = defaultdict(list)
    for package in (TrainingPackage.objects.filter(centre=centre, is_active=True).select_related("vocation")
                    .order_by("vocation__is_example", "code")):
        by_sector[package.vocation.sector_id].append(package)
    chosen = []
    for sector, planned in BATCH_PLAN[centre.code].items():
        offered = by_sector.get(sector)
        if offered:
            chosen += [offered[i % len(offered)] for i in range(max(1, round(planned * share)))]
    return chosen


def make_batches(share: float = 1.0) -> int:
    """The 2025 classes (angkatan) per BATCH_PLAN with their sessions (no national holidays), in their
    status on DEMO_TODAY."""
    year = _programme_year()
    if year is None or Batch.objects.filter(programme_year=year).exists():
        return 0
    rng, fake = _rng("batches"), _faker("batches")
    created = []
    for centre in TrainingCentre.objects.filter(code__in=BATCH_PLAN).order_by("code"):
        chosen = _plan_packages(centre, share)
        if not chosen:
            continue
        instructors = {p.pk: ", ".join(_instructor(fake, rng) for _ in range(rng.choice((1, 2, 2))))
                       for p in sorted(set(chosen), key=lambda p: p.code)}
        numbers: dict[int, int] = defaultdict(int)
        batches = []
        spread, december = _december_intake(centre.code, chosen)
        placed = _spread(rng, spread)
        to_close = _journey_classes(placed) if centre.code == BALIKPAPAN else None
        for package, start in sorted(placed + december, key=lambda item: (item[1], item[0].code)):
            numbers[package.pk] += 1
            number, end = numbers[package.pk], class_end(start, package.hours)
            status = batch_status(start, end)
            if status == BatchStatus.COMPLETED and end <= CLOSED_BEFORE and rng.random() < 0.5:
                status = BatchStatus.CLOSED
            if (package, start) == to_close:  # its operator is still to close it (journey_batches)
                status = BatchStatus.RUNNING
            planned_on = PLANNED_ON + datetime.timedelta(days=rng.randrange(14))
            changed_on = min(DEMO_TODAY, {  # the day of the last status change
                BatchStatus.CLOSED: end + datetime.timedelta(days=14), BatchStatus.COMPLETED: end,
                BatchStatus.RUNNING: start,
                BatchStatus.SELECTING: start - datetime.timedelta(days=SELECTING_DAYS),
                BatchStatus.OPEN: start - datetime.timedelta(days=OPEN_DAYS),
            }.get(status, planned_on))
            workshop = WORKSHOPS.get(package.code, f"Workshop {package.vocation.kejuruan or package.name}")
            batches.append(Batch(
                programme_year=year, centre=centre, package=package, number=number, start_date=start,
                end_date=end, capacity=package.class_size, instructors=instructors[package.pk],
                location=f"{workshop} {1 + (number - 1) % 2}",
                funding_source=FundingSource.APBN if rng.random() < APBN_SHARE else FundingSource.APBD,
                status=status, created_at=_at(planned_on, datetime.time(9, rng.randrange(60))),
                updated_at=_at(max(planned_on, changed_on), datetime.time(10, rng.randrange(60))),
            ))
        _cancel_one(rng, centre.code, batches)
        with _given_timestamps(Batch, "created_at", "updated_at"):
            created += Batch.objects.bulk_create(batches)
    for batch in created:
        if batch.status != BatchStatus.CANCELLED:  # a cancelled class keeps no timetable
            generate_sessions(batch, by=None, holidays=HOLIDAYS_2025)
    return len(created)


def _december_intake(centre_code: str, chosen: list[TrainingPackage]) -> tuple[list, list]:
    """(the packages left for the spread, the December intake: (package, DECEMBER_START) of the centre's
    DECEMBER_CLASSES shortest packages, one class each)."""
    count = DECEMBER_CLASSES.get(centre_code, 0)
    if not count or len(chosen) <= count:
        return chosen, []
    shortest = sorted(set(chosen), key=lambda p: (package_weeks(p.hours), p.code))[:count]
    rest = list(chosen)
    for package in shortest:
        rest.remove(package)
    return rest, [(package, DECEMBER_START) for package in shortest]


def _journey_classes(placed: list[tuple]) -> tuple | None:
    """Move two classes of the spread to end on JOURNEY_END (in place), those nearest to it: one of a sector
    that the demo assessor (asesor@) is licensed for (JOURNEY_SECTORS), assessed on DEMO_TODAY, and one of
    another package that stays running; returns the (package, start) of the running one."""

    def start_for(package) -> datetime.date:
        return JOURNEY_END + datetime.timedelta(days=3) - datetime.timedelta(weeks=package_weeks(package.hours))

    order = sorted(range(len(placed)), key=lambda i: (abs((placed[i][1] - start_for(placed[i][0])).days),
                                                      placed[i][0].code, i))
    assessed = next((i for i in order if placed[i][0].vocation.sector_id in JOURNEY_SECTORS), None)
    if assessed is None:
        return None
    running = next((i for i in order if placed[i][0].pk != placed[assessed][0].pk), None)
    if running is None:
        return None
    for index in (assessed, running):
        placed[index] = (placed[index][0], start_for(placed[index][0]))
    return placed[running]


def _instructor(fake: Faker, rng: random.Random) -> str:
    if rng.random() < 0.7:
        name = f"{fake.first_name_male()} {fake.last_name_male()}"
    else:
        name = f"{fake.first_name_female()} {fake.last_name_female()}"
    return name + rng.choice(INSTRUCTOR_DEGREES)


def _cancel_one(rng: random.Random, centre_code: str, batches: list[Batch]) -> None:
    """One class per centre was cancelled (too few applicants): at Balikpapan one due to start in spring, at
    Bontang one due to start in September or October."""
    months = (4, 5) if centre_code == BALIKPAPAN else (9, 10)
    pool = [b for b in batches if b.status in FINISHED_STATUSES and b.start_date.month in months]
    if len(pool) > 1:
        batch = rng.choice(pool)
        batch.status = BatchStatus.CANCELLED
        cancelled_on = min(batch.start_date - datetime.timedelta(days=7), DEMO_TODAY - datetime.timedelta(days=4))
        batch.updated_at = _at(cancelled_on, datetime.time(14, 0))


def _age(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _eligible(package: TrainingPackage, levels: dict[str, int], start: datetime.date, person: tuple) -> bool:
    """The package's entry requirements (age at the start, education, not in school, not working)."""
    _pk, birth_date, education, employment, _registered = person
    age = _age(birth_date, start)
    if (package.min_age and age < package.min_age) or (package.max_age and age > package.max_age):
        return False
    if education in levels:
        if package.min_education_id and levels[education] < levels[package.min_education_id]:
            return False
        if package.max_education_id and levels[education] > levels[package.max_education_id]:
            return False
    if package.require_not_working and employment == EmploymentStatus.EMPLOYED:
        return False
    return not (package.require_not_in_school and employment == EmploymentStatus.STUDENT)


def make_enrolments() -> int:
    """16 participants (a few classes 14-15) for every class in selection, running or finished that no
    selection round fills, from the persons registered at its centre before the enrolment day: never-trained
    persons first, then the eligible ones; nobody is enrolled twice. The demo job seeker's own person is left
    free. The classes starting from July to September get their participants from the Semester II round
    (make_selection_rounds, which runs next and takes its applicants from the persons left free here)."""
    year = _programme_year()
    if year is None:
        return 0
    batches = list(Batch.objects.filter(programme_year=year, status__in=STAFFED_STATUSES)
                   .filter(enrolments__isnull=True, round_batches__isnull=True)
                   .exclude(models.Q(start_date__gte=SEMESTER_II_FIRST_START, start_date__lt=SEMESTER_II_LAST_START)
                            & ~JOURNEY_CLASSES)
                   .select_related("package", "centre")
                   .order_by("start_date", "centre__code", "package__code", "number"))
    if not batches:
        return 0
    # The journey classes first: full classes however few persons the demo has.
    batches.sort(key=lambda b: not (b.centre.code == BALIKPAPAN and b.end_date == JOURNEY_END))
    rng = _rng("enrolments")
    levels = dict(EducationLevel.objects.values_list("code", "order"))
    used = set(Enrolment.objects.values_list("person_id", flat=True))
    trained = set(Person.objects.filter(declared_prior_training=True).values_list("pk", flat=True))
    trained |= set(PriorTraining.objects.values_list("person_id", flat=True))
    pools: dict[int, list[tuple]] = defaultdict(list)
    persons = (Person.objects.filter(registered_centre__isnull=False, user__isnull=True).order_by("pk")
               .values_list("pk", "birth_date", "education_id", "employment_status", "created_at",
                            "registered_centre_id"))
    for *person, centre_id in persons:
        if person[0] not in used:
            pools[centre_id].append(tuple(person))
    tiebreak = {person[0]: rng.random() for pool in pools.values() for person in pool}
    operators = _operators()
    new = []
    for batch in batches:
        size = batch.capacity if rng.random() > 0.1 else batch.capacity - rng.randint(1, 2)
        enrolled_on = batch.start_date - datetime.timedelta(days=rng.randint(5, 12))
        enrolled_on = min(enrolled_on, DEMO_TODAY - datetime.timedelta(days=1))
        before = _at(enrolled_on, datetime.time(0, 0))
        candidates = [p for p in pools[batch.centre_id] if p[0] not in used and p[4] < before]
        candidates.sort(key=lambda p, b=batch: (
            p[0] in trained, not _eligible(b.package, levels, b.start_date, p), tiebreak[p[0]]))
        for person in candidates[:size]:
            used.add(person[0])
            clock = datetime.time(rng.randint(8, 15), rng.randrange(60))
            new.append(Enrolment(batch=batch, person_id=person[0], status=EnrolmentStatus.ENROLLED,
                                 source=EnrolmentSource.SELECTION, enrolled_at=_at(enrolled_on, clock),
                                 enrolled_by_id=operators.get(batch.centre_id)))
    with _given_timestamps(Enrolment, "enrolled_at"):
        _bulk_create(Enrolment, new)
    return len(new)


def _marks(rng: random.Random, sessions: int) -> list[str]:
    """One participant's marks for the sessions held: a few leave mid-way (absent from a day on)."""
    missing = _pick(rng, ABSENCE_PROFILES)
    leaves = sessions
    if sessions >= 5 and rng.random() < DROPOUT_SHARE:
        leaves = rng.randint(sessions // 5, sessions * 7 // 10)
    marks = []
    for index in range(sessions):
        if index >= leaves:
            marks.append(AttendanceStatus.ABSENT)
        elif rng.random() < missing:
            excused = rng.random() < EXCUSED_OF_MISSED
            marks.append(AttendanceStatus.EXCUSED if excused else AttendanceStatus.ABSENT)
        else:
            marks.append(AttendanceStatus.LATE if rng.random() < LATE_SHARE else AttendanceStatus.PRESENT)
    return marks


def make_attendance() -> int:
    """A mark per participant and session held by DEMO_TODAY in the classes that started: mostly present,
    some late, few excused or absent; about 5 % leave mid-way."""
    year = _programme_year()
    if year is None:
        return 0
    marked = set(Attendance.objects.filter(session__batch__programme_year=year)
                 .values_list("session__batch_id", flat=True).distinct())
    started = Batch.objects.filter(programme_year=year, status__in=STARTED_STATUSES).order_by("pk")
    batches = [(pk, centre) for pk, centre in started.values_list("pk", "centre_id") if pk not in marked]
    ids = [pk for pk, _centre in batches]
    sessions: dict[int, list[tuple]] = defaultdict(list)
    held = BatchSession.objects.filter(batch_id__in=ids, date__lte=DEMO_TODAY).order_by("batch_id", "date")
    for batch_id, *session in held.values_list("batch_id", "pk", "date", "end_time"):
        sessions[batch_id].append(session)
    ended = set(started.filter(status=BatchStatus.RUNNING, end_date__lt=DEMO_TODAY).values_list("pk", flat=True))
    for batch_id in ended & set(sessions):  # a class that ended but is not closed: its last day is still to mark
        sessions[batch_id].pop()
    participants: dict[int, list[int]] = defaultdict(list)
    enrolled = Enrolment.objects.filter(batch_id__in=ids).order_by("pk")
    for batch_id, pk in enrolled.values_list("batch_id", "pk"):
        participants[batch_id].append(pk)
    rng = _rng("attendance")
    operators = _operators()
    rows, total = [], 0
    with _given_timestamps(Attendance, "recorded_at"):
        for batch_id, centre_id in batches:
            days = sessions[batch_id]
            for enrolment_id in participants[batch_id]:
                for (session_id, day, end_time), status in zip(days, _marks(rng, len(days)), strict=True):
                    rows.append(Attendance(
                        enrolment_id=enrolment_id, session_id=session_id, status=status,
                        recorded_by_id=operators.get(centre_id), recorded_at=_at(day, end_time)))
            if len(rows) >= CHUNK:
                _bulk_create(Attendance, rows)
                total, rows = total + len(rows), []
        _bulk_create(Attendance, rows)
    return total + len(rows)


def _percent(attended: int, held: int) -> Decimal:
    """As training.services.attendance_percentages."""
    return (Decimal(100 * attended) / held).quantize(Decimal("0.1"), ROUND_HALF_UP) if held else Decimal(0)


def _outcome(rng: random.Random, package: TrainingPackage, marks: list[str], held: int) -> tuple:
    """(status, reason, final_test_passed, attendance_percent) of one participant of a finished class."""
    percent = _percent(sum(1 for status in marks if status in ATTENDED), held)
    absent_at_end = 0
    for status in reversed(marks):
        if status != AttendanceStatus.ABSENT:
            break
        absent_at_end += 1
    left = 3 <= absent_at_end < len(marks)  # stopped coming mid-way
    ok_attendance = percent >= package.attendance_threshold
    passed = rng.random() >= FINAL_TEST_FAIL_SHARE if ok_attendance and not left else None
    if ok_attendance and not left and (passed or not package.has_final_test):
        return EnrolmentStatus.COMPLETED, "", passed, percent
    if left:
        reason = _pick(rng, DROPOUT_REASONS)
    else:
        reason = DropoutReason.FINAL_TEST if ok_attendance else DropoutReason.ATTENDANCE
    return EnrolmentStatus.NOT_COMPLETED, reason, passed, percent


def complete_demo_batches() -> int:
    """The outcomes of the finished classes, as training.services.complete_batch records them: completed
    with attendance >= the threshold and the final test passed, otherwise not completed with a reason
    (those who left mid-way: found work, moved or health)."""
    year = _programme_year()
    if year is None:
        return 0
    pending = Enrolment.objects.filter(batch__programme_year=year, batch__status__in=FINISHED_STATUSES,
                                       status=EnrolmentStatus.ENROLLED)
    enrolments = list(pending.select_related("batch__package").order_by("pk"))
    if not enrolments:
        return 0
    marks: dict[int, list[str]] = defaultdict(list)
    rows = (Attendance.objects.filter(enrolment__in=[e.pk for e in enrolments], session__date__lte=DEMO_TODAY)
            .order_by("enrolment_id", "session__date").values_list("enrolment_id", "status"))
    for enrolment_id, status in rows:
        marks[enrolment_id].append(status)
    held = dict(BatchSession.objects.filter(batch__in={e.batch_id for e in enrolments}, date__lte=DEMO_TODAY)
                .values("batch_id").annotate(n=models.Count("pk")).values_list("batch_id", "n"))
    rng = _rng("completion")
    outcomes: dict[tuple, list[int]] = defaultdict(list)
    for enrolment in enrolments:
        batch = enrolment.batch
        outcome = _outcome(rng, batch.package, marks[enrolment.pk], held.get(batch.pk, 0))
        completed_at = _at(batch.end_date, DEFAULT_HOURS[batch.end_date.weekday()][1])
        outcomes[(*outcome, completed_at)].append(enrolment.pk)
    # One UPDATE per distinct outcome: much faster than bulk_update's CASE expressions.
    for (status, reason, passed, percent, completed_at), pks in outcomes.items():
        Enrolment.objects.filter(pk__in=pks).update(
            status=status, outcome_reason=reason, final_test_passed=passed, attendance_percent=percent,
            completed_at=completed_at)
    return len(enrolments)


# --- selection rounds: the finished Semester II round per centre, and one open round -----------------------

SEMESTER_II_ROUND = "Seleksi Angkatan Semester II 2025"
# Its classes: those starting from July to September (the classes from October on were filled by the centres
# directly, from the persons registered there: make_enrolments).
SEMESTER_II_FIRST_START = datetime.date(2025, 7, 1)
SEMESTER_II_LAST_START = datetime.date(2025, 10, 1)  # its classes start before this day
SEMESTER_II_OPENS = (datetime.date(2025, 6, 2), datetime.time(8, 0))
SEMESTER_II_CLOSES = (datetime.date(2025, 6, 20), datetime.time(23, 59))
SEMESTER_II_RESULTS = (datetime.date(2025, 6, 26), datetime.time(10, 0))  # 27 June is a holiday (1 Muharram)
SEMESTER_II_APPLY_SHARE = 0.9  # of the free persons of a centre eligible for one of its classes
# Seats reserved per centre: (sector, reserves, how many of the sector's classes in the round, first first).
SEMESTER_II_RESERVES = {
    BALIKPAPAN: [("construction", {"women": 2}, 2), ("mining", {"women": 2}, 2), ("trade", {"disability": 1}, 1)],
    BONTANG: [("construction", {"women": 2}, 1), ("motorcycle_repair", {"regency:64.74": 2}, 1),
              ("trade", {"disability": 1}, 1)],
}
# How many classes an applicant ranks, and how popular each sector is (focus sectors most, housekeeping
# least; women choose mining, construction and motorcycle repair less often).
CHOICE_COUNTS = {1: 15, 2: 20, 3: 25, 4: 20, 5: 20}
SECTOR_POPULARITY = {"mining": 5, "construction": 4, "trade": 4, "motorcycle_repair": 4, "housekeeping": 1.2,
                     "other": 2}
WOMEN_SECTOR_FACTOR = {"mining": 0.3, "construction": 0.3, "motorcycle_repair": 0.4, "trade": 1.5,
                       "housekeeping": 2.0}
DOCUMENTS_REJECTED_SHARE = 0.015
OFFER_ACCEPTED_SHARE = 0.9  # of the offers; 5 % are declined and the rest expire unanswered
OFFER_DECLINED_SHARE = 0.05



def _round_seed(name: str) -> str:
    """The lottery seed of a demo round that is over: derived from the demo seed, so the demo is reproducible
    (a real round's seed is drawn at random by open_round, as the open demo round's is)."""
    return hashlib.sha256(f"{SEED}:selection:{name}".encode()).hexdigest()


def _demo_users() -> dict[str, User]:
    emails = [u.email for u in STAFF_USERS]
    return {user.email: user for user in User.objects.filter(email__in=emails)}


def _semester_ii_batches(year: ProgrammeYear, centre: TrainingCentre) -> list[Batch]:
    return list(Batch.objects.filter(programme_year=year, centre=centre, status__in=STAFFED_STATUSES,
                                     start_date__gte=SEMESTER_II_FIRST_START,
                                     start_date__lt=SEMESTER_II_LAST_START)
                .exclude(JOURNEY_CLASSES)
                .select_related("package__vocation", "package__min_education", "package__max_education",
                                "package__domicile", "centre", "programme_year")
                .order_by("start_date", "package__code", "number"))


def _free_persons(centres) -> list[Person]:
    """Persons registered at the centres with no enrolment and no account (the demo job seeker stays free)."""
    return list(Person.objects.filter(registered_centre__in=centres, user__isnull=True, enrolments__isnull=True)
                .select_related("education").order_by("pk"))


def _rank_choices(rng: random.Random, person: Person, eligible: list[Batch]) -> list[int]:
    """1-5 of the eligible classes, the popular sectors more often, in the order the person prefers them."""
    count = min(_pick(rng, CHOICE_COUNTS), len(eligible))
    pool = list(eligible)
    chosen = []
    for _ in range(count):
        weights = []
        for batch in pool:
            sector = batch.package.vocation.sector_id
            weight = SECTOR_POPULARITY.get(sector, SECTOR_POPULARITY["other"])
            if person.sex == "P":
                weight *= WOMEN_SECTOR_FACTOR.get(sector, 1)
            weights.append(weight)
        batch = rng.choices(pool, weights=weights)[0]
        pool.remove(batch)
        chosen.append(batch.pk)
    return chosen


def _submission_times(rng: random.Random, count: int, opens: datetime.datetime,
                      closes: datetime.datetime) -> list[datetime.datetime]:
    """When applications came in: many in the first and the last three days, between 07.00 and 23.00."""
    local_opens, local_closes = timezone.localtime(opens), timezone.localtime(closes)
    days = (local_closes.date() - local_opens.date()).days + 1
    weights = [3 if index < 3 or index >= days - 3 else 1 for index in range(days)]
    times = []
    for day in rng.choices(range(days), weights=weights, k=count):
        date = local_opens.date() + datetime.timedelta(days=day)
        moment = _at(date, datetime.time(rng.randint(7, 22), rng.randrange(60), rng.randrange(60)))
        times.append(min(max(moment, opens), closes))
    return sorted(times)


def _apply_all(round_: SelectionRound, rng: random.Random, persons: list[Person], batches: list[Batch],
               share: float, opens: datetime.datetime, closes: datetime.datetime, limit: int | None = None) -> int:
    """Applications of a share of the persons eligible for one of the batches (of their own centre), through
    services.apply; choices are only classes the person is eligible for, so apply never refuses one (the
    applicants uploaded their KTP and ijazah when they registered: _give_documents)."""
    by_centre = defaultdict(list)
    for batch in batches:
        by_centre[batch.centre_id].append(batch)
    applicants = []
    for person in persons:
        eligible = [b for b in by_centre[person.registered_centre_id]
                    if not ineligibility(person, b, in_training=False, check_status=False)]
        if eligible and rng.random() < share:
            applicants.append((person, _rank_choices(rng, person, eligible)))
            if limit is not None and len(applicants) >= limit:
                break
    rng.shuffle(applicants)
    _give_documents([person for person, _choices in applicants])
    for (person, choices), moment in zip(applicants, _submission_times(rng, len(applicants), opens, closes),
                                         strict=True):
        selection_services.apply(round_, person, choices, by=None, now=moment)
    return len(applicants)


def make_selection_rounds() -> int:
    """The finished Semester II round of each centre, run through the selection services as it happened in
    June 2025: applications, the document check, the allocation, offers accepted, declined or left to expire
    (the reserve list then gets offers). Its classes are those starting from July to September. Returns the
    applications."""
    year = _programme_year()
    if year is None:
        return 0
    users = _demo_users()
    operators = {u.centre: users.get(u.email) for u in STAFF_USERS if u.role == Role.CENTRE_OPERATOR}
    total = 0
    for centre in TrainingCentre.objects.filter(code__in=BOTH).order_by("code"):
        name = f"{SEMESTER_II_ROUND} — {centre.short_name}"
        if SelectionRound.objects.filter(programme_year=year, name=name).exists():
            continue
        batches = _semester_ii_batches(year, centre)
        if batches:
            total += _semester_ii_round(year, centre, name, batches, operators.get(centre.code))
    return total


def _semester_ii_round(year, centre, name, batches, operator) -> int:
    rng = _rng(f"selection:{centre.code}")
    opens, closes, results = _at(*SEMESTER_II_OPENS), _at(*SEMESTER_II_CLOSES), _at(*SEMESTER_II_RESULTS)
    statuses = defaultdict(list)  # the classes' status on DEMO_TODAY; in June they were open for registration
    for batch in batches:
        statuses[batch.status].append(batch.pk)
    ids = [batch.pk for batch in batches]
    Batch.objects.filter(pk__in=ids).update(status=BatchStatus.OPEN)
    with notifications.suppressed():
        round_ = selection_services.create_round(
            programme_year=year, name=name, centres=[centre], opens_at=opens, closes_at=closes, results_at=results,
            rules=DEFAULT_RULES, by=operator)
        reserves = _reserves(centre.code, batches)
        for batch in batches:
            round_batch = selection_services.add_batch(round_, batch, by=operator)
            wanted = reserves.get(batch.pk)
            if wanted and sum(wanted.values()) <= round_batch.seats:
                selection_services.set_reserves(round_batch, wanted, by=operator)
        round_.seed = _round_seed(name)
        round_.seed_hash = hashlib.sha256(round_.seed.encode()).hexdigest()
        round_.save(update_fields=["seed", "seed_hash"])
        selection_services.open_round(round_, by=operator)
        applied = _apply_all(round_, rng, _free_persons([centre]), batches, SEMESTER_II_APPLY_SHARE, opens, closes)
        selection_services.close_round(round_, by=operator)
        Batch.objects.filter(pk__in=ids).update(status=BatchStatus.SELECTING)
        _check_documents(round_, rng, operator, closes)
        selection_services.run_allocation(round_, by=operator)
        selection_services.publish(round_, by=operator, now=results)
        _answer_offers(round_, rng, operator, results)
    for status, pks in statuses.items():
        Batch.objects.filter(pk__in=pks).update(status=status)
    # The services stamp the real clock on what has no `now`: date it as it happened.
    SelectionRound.objects.filter(pk=round_.pk).update(
        created_at=opens - datetime.timedelta(days=14), allocated_at=_at(closes.date() + datetime.timedelta(days=5),
                                                                         datetime.time(9, 30)))
    Offer.objects.filter(application__round=round_).update(
        created_at=models.F("expires_at") - datetime.timedelta(days=round_.offer_days))
    accepted = dict(Offer.objects.filter(application__round=round_, status=OfferStatus.ACCEPTED)
                    .values_list("application__person_id", "answered_at"))
    enrolments = list(Enrolment.objects.filter(batch__in=ids, person__in=accepted))
    for enrolment in enrolments:
        enrolment.enrolled_at = accepted[enrolment.person_id]
    Enrolment.objects.bulk_update(enrolments, ["enrolled_at"], batch_size=500)
    return applied


def _reserves(centre_code: str, batches: list[Batch]) -> dict[int, dict[str, int]]:
    reserves: dict[int, dict[str, int]] = defaultdict(dict)
    for sector, seats, count in SEMESTER_II_RESERVES.get(centre_code, []):
        for batch in [b for b in batches if b.package.vocation.sector_id == sector][:count]:
            reserves[batch.pk].update(seats)
    return reserves


def _check_documents(round_: SelectionRound, rng: random.Random, operator, closes: datetime.datetime) -> None:
    """The operator checks every application's documents on the Monday and Tuesday after registration closed
    (on a Friday); the seats are allocated on the Wednesday."""
    checked: dict[datetime.datetime, list[int]] = defaultdict(list)
    for application in round_.applications.select_related("round").order_by("pk"):
        ok = rng.random() >= DOCUMENTS_REJECTED_SHARE
        selection_services.record_stage(application, "documents", ok, by=operator)
        day = closes.date() + datetime.timedelta(days=rng.choice((3, 4)))
        checked[_at(day, datetime.time(rng.randint(8, 15), rng.choice((0, 15, 30, 45))))].append(application.pk)
    for moment, pks in checked.items():
        Application.objects.filter(pk__in=pks).update(documents_at=moment)


def _answer_offers(round_: SelectionRound, rng: random.Random, operator, results: datetime.datetime) -> None:
    """Play the days after the results: each offer is accepted (daftar ulang), declined or left to expire,
    in time order; a decline and the daily expiry run (expire_offers) pass the seat to the reserve list.
    Offers made from the fourth night on are all accepted, so every class is settled before it starts."""
    days = round_.offer_days
    settled_from = _at(results.date() + datetime.timedelta(days=days + 1), datetime.time(0, 0))
    events: list[tuple] = []
    order = itertools.count()
    seen = 0

    def schedule() -> None:
        nonlocal seen
        new = list(Offer.objects.filter(application__round=round_, pk__gt=seen).order_by("application_id"))
        for offer in new:
            seen = max(seen, offer.pk)
            made = offer.expires_at - datetime.timedelta(days=days)
            draw = rng.random()
            if made >= settled_from or draw < OFFER_ACCEPTED_SHARE:
                hours = 20 if made >= settled_from else days * 24 - 2
                kind = "accept"
            elif draw < OFFER_ACCEPTED_SHARE + OFFER_DECLINED_SHARE:
                hours, kind = days * 24 - 2, "decline"
            else:
                continue  # never answered: expires
            answered = made + datetime.timedelta(minutes=rng.randint(15, hours * 60))
            heapq.heappush(events, (answered, next(order), kind, offer.pk))

    schedule()
    for night in range(1, 2 * days + 4):  # the daily expiry run, half an hour after midnight
        heapq.heappush(events, (_at(results.date() + datetime.timedelta(days=night), datetime.time(0, 30)),
                                next(order), "expire", None))
    while events:
        moment, _order, kind, pk = heapq.heappop(events)
        if kind == "expire":
            selection_services.expire_offers(now=moment)
            schedule()
            continue
        offer = Offer.objects.get(pk=pk)
        if offer.status != OfferStatus.OPEN:  # given back when its applicant moved up to a better choice
            continue
        if kind == "accept":
            selection_services.accept_offer(offer, by=operator, now=moment)
        else:
            selection_services.decline_offer(offer, by=operator, now=moment)
        schedule()


def make_open_round() -> int:
    """"Seleksi Angkatan Desember 2025" of each centre: the December intake's classes (open for registration),
    taking applications on DEMO_TODAY: opened a week before, it closes eight days after (OPEN_ROUND_OPENS,
    OPEN_ROUND_CLOSES), run by the centre's operator, without a document check (the KTP and ijazah are checked
    at daftar ulang). Its first applicants (at most OPEN_ROUND_APPLICANTS, so that seats are left in every class
    whatever they chose) have applied; the demo job seeker has not. Returns the applications.

    The round is dated from DEMO_TODAY, not the machine's clock: served with the clock at DEMO_TODAY, it is open."""
    year = _programme_year()
    if year is None:
        return 0
    operators = {u.centre: u.email for u in STAFF_USERS if u.role == Role.CENTRE_OPERATOR}
    users = _demo_users()
    total = 0
    for centre in TrainingCentre.objects.filter(code__in=BOTH).order_by("code"):
        name = open_round_name(centre)
        if SelectionRound.objects.filter(programme_year=year, name=name).exists():
            continue
        batches = list(Batch.objects.filter(programme_year=year, status=BatchStatus.OPEN, centre=centre)
                       .select_related("package__vocation", "package__min_education", "package__max_education",
                                       "package__domicile", "centre", "programme_year")
                       .order_by("start_date", "package__code", "number"))
        if batches:
            total += _open_round(year, centre, name, batches, users.get(operators.get(centre.code)))
    return total


OPEN_ROUND = "Seleksi Angkatan Desember 2025"
OPEN_ROUND_NAME = f"{OPEN_ROUND} — BLKI Balikpapan"  # journey S1 (open_round() finds it)
OPEN_ROUND_OPENS = (DEMO_TODAY - datetime.timedelta(days=7), datetime.time(8, 0))
OPEN_ROUND_CLOSES = (DEMO_TODAY + datetime.timedelta(days=8), datetime.time(23, 59))
OPEN_ROUND_RESULTS = (DEMO_TODAY + datetime.timedelta(days=10), datetime.time(10, 0))
OPEN_ROUND_APPLICANTS = 12  # fewer than a class's seats: every class keeps free seats for a new applicant


def open_round_name(centre: TrainingCentre) -> str:
    return f"{OPEN_ROUND} — {centre.short_name}"


def _open_round(year, centre, name, batches, operator) -> int:
    opens, closes = _at(*OPEN_ROUND_OPENS), _at(*OPEN_ROUND_CLOSES)
    round_ = selection_services.create_round(
        programme_year=year, name=name, centres=[centre], opens_at=opens, closes_at=closes,
        results_at=_at(*OPEN_ROUND_RESULTS), rules=DEFAULT_RULES, by=operator, batches=batches,
        uses_document_check=False)
    selection_services.open_round(round_, by=operator)  # a real, secret seed: this round is still to be allocated
    rng = _rng(f"open_round:{centre.code}")
    free = _free_persons([centre])
    rng.shuffle(free)
    applied = _apply_all(round_, rng, free, batches, 1.0, opens, _at(DEMO_TODAY, datetime.time(7, 30)),
                         limit=OPEN_ROUND_APPLICANTS)
    SelectionRound.objects.filter(pk=round_.pk).update(created_at=opens - datetime.timedelta(days=3))
    return applied


def journey_batch() -> Batch | None:
    """Journey S2: the BLKI Balikpapan class that ended on JOURNEY_END and is still running: attendance is marked
    for every session but the last, and its participants have no outcome yet (the operator marks the last day,
    records the completion, then closes it)."""
    return (Batch.objects.filter(programme_year__year=PROGRAMME_YEAR, centre__code=BALIKPAPAN,
                                 status=BatchStatus.RUNNING, end_date__lt=DEMO_TODAY)
            .order_by("end_date", "package__code", "number").first())


def assessed_journey_batch() -> Batch | None:
    """Journey S3: the BLKI Balikpapan class that ended on JOURNEY_END, completed, whose uji kompetensi is on
    DEMO_TODAY (assessment.demo.journey_event); it has no certificates yet."""
    return (Batch.objects.filter(programme_year__year=PROGRAMME_YEAR, centre__code=BALIKPAPAN,
                                 status=BatchStatus.COMPLETED, end_date=JOURNEY_END, package__scheme__isnull=False,
                                 package__vocation__sector__in=JOURNEY_SECTORS)
            .order_by("package__code", "number").first())


def open_round(centre_code: str = BALIKPAPAN) -> SelectionRound | None:
    """The open demo round of a centre (journey S1: BLKI Balikpapan's), or None before the demo is loaded."""
    centre = TrainingCentre.objects.filter(code=centre_code).first()
    if centre is None:
        return None
    return SelectionRound.objects.filter(programme_year__year=PROGRAMME_YEAR, name=open_round_name(centre)).first()


# --- documents: the KTP and ijazah of every person who applied or enrolled -------------------------------

DEMO_DOCUMENT_FOLDER = "demo"
DOCUMENTS_CHUNK = 900  # persons per query (SQLite's limit of parameters)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def placeholder_png() -> bytes:
    """A valid PNG of 86 x 54 pixels (a KTP card's proportions) in one light blue: a couple of hundred bytes."""
    width, height = 86, 54
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = (b"\x00" + b"\xb4\xd2\xf0" * width) * height
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows, 9))
            + _png_chunk(b"IEND", b""))


def placeholder_pdf() -> bytes:
    """A valid one-page PDF that says it is a demo ijazah."""
    text = b"BT /F1 24 Tf 72 500 Td (IJAZAH - CONTOH DATA DEMO) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# kind -> (file name under MEDIA_ROOT/demo/, content type, the function that makes the content)
DEMO_DOCUMENTS = {
    DocumentKind.KTP: ("ktp.png", "image/png", placeholder_png),
    DocumentKind.IJAZAH: ("ijazah.pdf", "application/pdf", placeholder_pdf),
}


def _placeholder_files() -> dict[str, dict]:
    """One shared file per kind under MEDIA_ROOT/demo/ (written when missing or different); the fields of the
    PersonDocument rows that point at it."""
    folder = Path(settings.MEDIA_ROOT) / DEMO_DOCUMENT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fields = {}
    for kind, (name, content_type, make) in DEMO_DOCUMENTS.items():
        content = make()
        path = folder / name
        if not path.exists() or path.read_bytes() != content:
            partial = path.with_name(f".{name}.{os.getpid()}")
            partial.write_bytes(content)
            os.replace(partial, path)  # never a half-written file, even with several loaders at once
        fields[kind] = {"file": f"{DEMO_DOCUMENT_FOLDER}/{name}", "original_name": name, "content_type": content_type,
                        "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    return fields


def _give_documents(persons) -> int:
    """A KTP and an ijazah, uploaded when they registered, for each of ``persons`` that lacks them; returns
    the documents added."""
    if not persons:
        return 0
    files = _placeholder_files()
    rows = []
    for start in range(0, len(persons), DOCUMENTS_CHUNK):
        chunk = persons[start:start + DOCUMENTS_CHUNK]
        have = set(PersonDocument.objects.filter(person__in=[p.pk for p in chunk], kind__in=list(files))
                   .values_list("person_id", "kind"))
        rows += [PersonDocument(person_id=person.pk, kind=kind, uploaded_at=person.created_at, **fields)
                 for person in chunk for kind, fields in files.items() if (person.pk, kind) not in have]
    _bulk_create(PersonDocument, rows)
    return len(rows)


def make_documents() -> int:
    """The KTP and ijazah of every demo person who applied or enrolled in 2025 and of the demo job seeker, so
    that they are eligible for the packages that ask for them; returns the documents added."""
    year = _programme_year()
    wanted = models.Q(user__email=JOB_SEEKER_EMAIL)
    if year is not None:
        wanted |= models.Q(pk__in=Application.objects.filter(round__programme_year=year).values("person_id"))
        wanted |= models.Q(pk__in=Enrolment.objects.filter(batch__programme_year=year).values("person_id"))
    persons = Person.objects.filter(wanted, source=PersonSource.DEMO).order_by("pk")
    return _give_documents(list(persons.only("pk", "created_at")))
