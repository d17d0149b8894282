"""The jobs and outcomes side of the Kaltim 2025 demo, called from ``kompeten.core.demo.load_demo()`` after the
apprenticeships, as it stood on DEMO_TODAY (Monday 17 November 2025).

- Consents: about 70 % of the demo persons consented, when they registered, to being shown to companies and about
  73 % to outcome surveys (Consent rows, channel "demo"; the registry demo records only the registry consent).
- Vacancies (about 150 at the full size) of the verified demo companies in the five focus sectors, posted through
  services.save_vacancy on the day they were posted. Their positions are set against the training supply
  (POSITIONS_PER_COMPLETED), so the picture is the same at any size of the demo: mining wants many heavy-equipment
  operators and mechanics, construction and trade a moderate number, the motorcycle workshops one to four
  mechanics, the hotels and cleaning companies room attendants and cleaners, the most per participant trained
  (few train for it, and few take the jobs: housekeeping vacancies fill least). Wages from the regency's UMK 2025
  (reference/data/kaltim_regency_stats.csv) up, valid 30 to 60 days; six came in the province's import of
  reported vacancies (importer.import_vacancies, source "import"). By DEMO_TODAY some are filled
  (services.record_hire: named persons, which records their outcome, or counts the company reported), some closed
  (services.close_vacancy), the rest open.
- Invitations: for most vacancies the company invites the best of its shortlist (shortlist.shortlist on the day)
  who were free then (registered, not working, not in training or an apprenticeship): services.invite. The
  candidates answered in the following days (set directly: demo persons have no account to answer with; the
  demo job seeker has one invitation waiting, to answer in the browser); some accepted, were hired.
- Each person's year is drawn once (``Life``): work found some weeks after the training (more often and sooner in
  mining and motorcycle repair, seldom in housekeeping), self-employed (mostly motorcycle repair), studying, or
  still looking; an apprentice answers "in an apprenticeship" (demand.py counts apprenticeship placements next to
  work, not as work) while the placement runs, and most who completed
  their apprenticeship were taken on by the company (an outcome confirmed by the company). Every answer and
  record below reads the person's situation on its day from it, so they never contradict each other.
- Outcome surveys: tracer.schedule(DEMO_TODAY) makes the 3- and 6-month surveys due by then; tracer.send_due runs as
  the daily job would (on the days it has something to send; inside notifications.suppressed(): nothing leaves),
  with its reminder; about half the persons answer (tracer.respond), officers phone some of the others
  (tracer.record_followup). At the 3-month mark most of the year's early graduates are apprentices, so "in an
  apprenticeship" is the most common answer then.
- AK/1: six-monthly "still seeking" reports of some card holders (bulk-created) and a few "placed" reports
  (services.record_ak1_report, which closes the card).

Everything runs on a story clock (``timezone.now`` patched to the moment each step happened), so the rows and their
audit entries are dated as it happened, never after DEMO_TODAY. Every candidate profile is refreshed once the consents
are there (the shortlists read them), and those of the persons with an outcome again at the end (signals.suspended()
skips the per-row refreshes). Deterministic (seeded generators of its own), and idempotent: a second run finds the
demo vacancies and adds nothing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import heapq
import io
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from unittest import mock

from django.utils import timezone

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships.models import OPEN_STATUSES, Company, CompanyStatus, Placement, PlacementStatus
from kompeten.apprenticeships.rules import add_months
from kompeten.assessment.models import Scheme
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.core import demo as core
from kompeten.core.errors import DomainError
from kompeten.jobs import importer, services, signals, tracer
from kompeten.jobs import shortlist as shortlists
from kompeten.jobs.models import (
    Ak1Report,
    Hire,
    Invitation,
    InvitationStatus,
    Outcome,
    OutcomeSource,
    OutcomeStatus,
    OutcomeSurvey,
    Vacancy,
    VacancySource,
    WageBand,
)
from kompeten.jobs.profiles import refresh_profiles
from kompeten.programmes.models import TrainingPackage, Vocation
from kompeten.reference.loader import DATA
from kompeten.reference.models import Sector
from kompeten.registry.models import AK1_VALID_YEARS, Consent, EmploymentStatus, Person, PersonSource
from kompeten.registry.services import CONSENT_TEXT_VERSION
from kompeten.selection import notifications
from kompeten.training.models import Enrolment, EnrolmentStatus

D = datetime.date
DAY = datetime.timedelta(days=1)
FOCUS = ("mining", "trade", "motorcycle_repair", "construction", "housekeeping")

# --- consents -----------------------------------------------------------------------------------------------------

SHARE_CONSENT = 0.70  # consent to being shown to companies
SURVEY_CONSENT = {True: 0.85, False: 0.45}  # consent to outcome surveys, by the consent above (about 73 % in all)

# --- vacancies ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    title: str
    kbji: str
    vocations: tuple[str, ...]
    needed: tuple[int, int]
    min_education: str
    max_age: int
    wage_min: tuple[float, float]  # times the regency's UMK
    wage_max: tuple[float, float]
    weight: int
    description: str
    experience: int = 0
    sex: str = ""  # "L": sometimes asked for (never for housekeeping or trade)


JOBS = {
    "mining": [
        Job("Operator Excavator", "8342", ("operator_excavator",), (4, 20), "SMA", 40, (1.4, 1.8), (2.0, 2.6), 4,
            "Operator excavator PC200-PC400 untuk loading batubara dan overburden. Sistem kerja roster, mess dan "
            "makan disediakan. SIMPER diurus perusahaan.", sex="L"),
        Job("Operator Dump Truck", "8332", ("operator_dump_truck",), (8, 30), "SMA", 40, (1.3, 1.6), (1.8, 2.4), 5,
            "Operator dump truck (HD465/HD785) untuk hauling ke disposal. Wajib SIM B1 umum atau bersedia "
            "mengurusnya; terbuka untuk perempuan."),
        Job("Mekanik Alat Berat", "7233", ("mekanik_dasar_alat_berat",), (3, 12), "SMK", 38, (1.4, 1.8), (2.0, 2.8),
            3, "Mekanik workshop alat berat: servis berkala, hidrolik, undercarriage dan kelistrikan dasar.",
            experience=1),
        Job("Helper Mekanik Alat Berat", "7233", ("mekanik_dasar_alat_berat",), (3, 10), "SMA", 30, (1.1, 1.3),
            (1.4, 1.7), 2, "Membantu mekanik di workshop dan lapangan: servis berkala, penggantian filter dan "
                           "pencatatan."),
        Job("Welder Workshop Tambang", "7212", ("plate_welder_smaw_3g",), (2, 6), "SMA", 40, (1.3, 1.6),
            (1.8, 2.2), 1, "Pengelasan SMAW posisi 3G untuk perbaikan bucket, vessel dan struktur workshop."),
        Job("Operator Bulldozer / Grader", "8342", ("operator_excavator",), (2, 8), "SMA", 40, (1.5, 1.9),
            (2.1, 2.8), 1, "Operator bulldozer dan motor grader untuk perawatan jalan tambang dan disposal.",
            experience=2, sex="L"),
    ],
    "trade": [
        Job("Kasir", "5230", ("kasir_ritel",), (2, 8), "SMA", 30, (1.0, 1.0), (1.05, 1.2), 4,
            "Melayani transaksi tunai dan non-tunai (QRIS, debit), serah terima kas akhir shift."),
        Job("Pramuniaga", "5223", ("pramuniaga_ritel",), (3, 10), "SMA", 30, (1.0, 1.0), (1.05, 1.2), 4,
            "Penataan barang, pengisian rak, pengecekan tanggal kedaluwarsa dan pelayanan pelanggan."),
        Job("Staf Gudang", "4321", ("staf_gudang",), (2, 6), "SMA", 35, (1.0, 1.1), (1.1, 1.3), 3,
            "Penerimaan dan pengeluaran barang, stock opname dan administrasi gudang (FIFO/FEFO)."),
        Job("Pramu Rak", "9334", ("pramuniaga_ritel",), (2, 6), "SMA", 30, (1.0, 1.0), (1.0, 1.1), 2,
            "Pengisian rak (replenishment) dan pelabelan harga pada shift pagi dan malam."),
        Job("Operator Forklift", "8344", ("staf_gudang",), (1, 3), "SMA", 40, (1.1, 1.3), (1.3, 1.6), 1,
            "Operator forklift gudang distribusi; diutamakan memiliki SIO forklift.", experience=1),
        Job("Kepala Toko", "5222", (), (1, 1), "D3", 40, (1.3, 1.6), (1.8, 2.2), 1,
            "Memimpin operasional toko: target penjualan, jadwal karyawan, stok dan laporan harian.", experience=2),
    ],
    "motorcycle_repair": [
        Job("Mekanik Sepeda Motor", "7231", ("pemeliharaan_sepeda_motor_injeksi",), (1, 4), "SMA", 35, (1.0, 1.0),
            (1.1, 1.4), 4, "Servis berkala dan perbaikan sepeda motor injeksi; bonus per unit servis.", sex="L"),
        Job("Helper Bengkel Sepeda Motor", "7231", ("pemeliharaan_sepeda_motor_injeksi",), (1, 2), "SMP", 30,
            (1.0, 1.0), (1.0, 1.1), 2, "Membantu mekanik: ganti oli, ban, kampas rem dan kebersihan bengkel."),
        Job("Service Advisor Bengkel", "7231", ("pemeliharaan_sepeda_motor_injeksi",), (1, 1), "SMK", 35,
            (1.05, 1.2), (1.2, 1.5), 1, "Menerima pelanggan, mencatat keluhan, membuat perintah kerja dan "
                                        "estimasi biaya.", experience=1),
    ],
    "construction": [
        Job("Tukang Las SMAW (3G)", "7212", ("plate_welder_smaw_3g",), (3, 12), "SMP", 45, (1.2, 1.5), (1.6, 2.0),
            3, "Pengelasan struktur baja posisi 3G; diutamakan memiliki sertifikat kompetensi las."),
        Job("Scaffolder", "7119", ("scaffolder",), (4, 15), "SMP", 45, (1.1, 1.3), (1.4, 1.7), 2,
            "Pemasangan dan pembongkaran perancah (scaffolding) sesuai prosedur K3 konstruksi.", sex="L"),
        Job("Tukang Kayu Bekisting", "7115", ("tukang_kayu_konstruksi",), (5, 20), "SMP", 45, (1.05, 1.2),
            (1.3, 1.5), 2, "Pembuatan dan pemasangan bekisting kolom, balok dan pelat lantai."),
        Job("Tukang Batu", "7112", ("tukang_pasang_bata",), (5, 20), "SMP", 45, (1.0, 1.15), (1.2, 1.4), 2,
            "Pasangan bata, plesteran dan acian untuk proyek gedung dan perumahan."),
        Job("Teknisi Listrik Bangunan", "7411", ("instalasi_listrik_bangunan_sederhana",), (2, 6), "SMK", 40,
            (1.2, 1.4), (1.5, 1.9), 2, "Instalasi listrik penerangan dan tenaga gedung sesuai PUIL."),
        Job("Tukang Besi Beton", "7114", (), (5, 15), "SMP", 45, (1.05, 1.2), (1.3, 1.5), 1,
            "Pembesian kolom, balok dan pelat: memotong, membengkok dan merangkai tulangan."),
        Job("Tukang Pipa", "7126", (), (2, 6), "SMP", 45, (1.1, 1.3), (1.4, 1.6), 1,
            "Pemasangan instalasi air bersih dan air kotor gedung."),
    ],
    "housekeeping": [
        Job("Room Attendant", "9112", ("housekeeping_room_attendant",), (2, 6), "SMA", 30, (1.0, 1.0), (1.05, 1.2),
            3, "Membersihkan dan menata kamar tamu sesuai standar hotel; service charge."),
        Job("Cleaning Service", "9112", ("cleaning_service",), (3, 12), "SMP", 40, (1.0, 1.0), (1.0, 1.1), 4,
            "Kebersihan gedung perkantoran, rumah sakit dan pusat belanja; sistem shift."),
        Job("Public Area Attendant", "9112", ("cleaning_service", "housekeeping_room_attendant"), (2, 5), "SMA", 35,
            (1.0, 1.0), (1.05, 1.15), 2, "Kebersihan lobi, restoran dan area umum hotel."),
        Job("Laundry Attendant", "9121", (), (1, 3), "SMP", 35, (1.0, 1.0), (1.0, 1.1), 1,
            "Pencucian, penyetrikaan dan pelipatan linen hotel."),
        Job("Supervisor Housekeeping", "5151", ("housekeeping_room_attendant",), (1, 1), "SMA", 40, (1.3, 1.5),
            (1.6, 2.0), 1, "Mengawasi room attendant dan public area; pemeriksaan kamar dan laporan harian.",
            experience=2),
    ],
}
# Positions asked for, per participant who completed a 2025 training in the sector by DEMO_TODAY (the demo's
# supply): about 150 vacancies at the full size. Housekeeping asks for the most per participant (few train for it).
POSITIONS_PER_COMPLETED = {"mining": 3.2, "construction": 2.3, "trade": 0.9, "motorcycle_repair": 0.25,
                           "housekeeping": 4.0}
MIN_VACANCIES = 2  # per sector, however small the demo
SCHEME_SHARE = 0.5  # of the vacancies whose job has a vocation: the vocation's certificate is wanted
NO_WAGE_SHARE = 0.1
FIRST_POSTED = D(2025, 1, 6)
LAST_POSTED = D(2025, 11, 14)
VALID_DAYS = (30, 60)
CLOSE_AFTER = 7  # days after the end of a vacancy not filled: the company closes it
FILLED_SHARE = {"mining": 0.6, "trade": 0.55, "motorcycle_repair": 0.6, "construction": 0.5, "housekeeping": 0.15}
PARTLY_FILLED = {"mining": (0.5, 0.9), "trade": (0.3, 0.8), "motorcycle_repair": (0.3, 0.8),
                 "construction": (0.4, 0.9), "housekeeping": (0.0, 0.4)}
OPEN_FILLED = (0.0, 0.6)  # share of an open vacancy filled so far
HIRES_FROM = 21  # days after the start of a vacancy: the first anonymous hires reported

# The province's import of vacancies reported on paper (Perpres 57/2023), on this day.
IMPORT_DAY = D(2025, 8, 4)
IMPORT_FILE = "lowongan_wajib_lapor_juli_2025.csv"
IMPORTED = [  # sector, company (a verified one of that sector, by position), job title
    ("construction", 0, "Tukang Besi Beton"), ("construction", 1, "Scaffolder"),
    ("mining", 0, "Operator Dump Truck"), ("mining", 1, "Mekanik Alat Berat"),
    ("trade", 0, "Staf Gudang"), ("housekeeping", 0, "Cleaning Service"),
]

# --- invitations and hires ----------------------------------------------------------------------------------------

INVITING_SHARE = 0.7  # of the vacancies: the company invites from the shortlist
INVITE_WINDOW = 14  # invitations within this many days of the start
MAX_INVITATIONS = 4  # per person in the year
ANSWERS = {  # accepted, declined (the rest never answered)
    "mining": (0.55, 0.2), "trade": (0.45, 0.2), "motorcycle_repair": (0.5, 0.2), "construction": (0.5, 0.2),
    "housekeeping": (0.2, 0.5),
}
UNTRAINED_HIRED = 0.4  # of the accepted candidates without a training: hired
INVITATION_TEXT = ("Selamat {time}, {name}. Kami mengundang Anda melamar posisi {job} di {company}. Profil Anda "
                   "sesuai dengan kebutuhan kami; silakan jawab undangan ini di Kompeten.")

# --- the persons' year --------------------------------------------------------------------------------------------

# (by 3 months, by 6 months, by 12 months) after the training: the share in work.
WORK_RATES = {
    "mining": (0.62, 0.75, 0.82), "motorcycle_repair": (0.66, 0.76, 0.84), "construction": (0.5, 0.62, 0.72),
    "trade": (0.4, 0.52, 0.62), "housekeeping": (0.3, 0.4, 0.5), "other": (0.36, 0.48, 0.58),
}
SELF_EMPLOYED = {"motorcycle_repair": 0.35, "trade": 0.1, "other": 0.12, "construction": 0.05, "housekeeping": 0.05,
                 "mining": 0.0}
STUDYING_SHARE = 0.03  # go on to study (kuliah) after the training
IN_OWN_SECTOR = 0.8  # of those in work: in the sector they trained for
DEMO_EMPLOYER = 0.35  # of those in work (employed): at one of the demo companies
RETAINED = {"mining": 0.65, "trade": 0.55, "motorcycle_repair": 0.55, "construction": 0.55, "housekeeping": 0.4}
UNTRAINED_WORK = 0.08  # of the never-trained persons: found work on their own during 2025
WAGES = {  # wage band weights of those in work, by the sector of the work
    "mining": {"3.5to5": 35, "5to8": 50, "gt8": 10, "2to3.5": 5},
    "construction": {"2to3.5": 25, "3.5to5": 55, "5to8": 20},
    "trade": {"lt2": 5, "2to3.5": 45, "3.5to5": 50},
    "motorcycle_repair": {"lt2": 15, "2to3.5": 55, "3.5to5": 30},
    "housekeeping": {"lt2": 5, "2to3.5": 40, "3.5to5": 55},
    "other": {"lt2": 15, "2to3.5": 50, "3.5to5": 35},
}
SELF_EMPLOYED_WAGES = {"lt2": 30, "2to3.5": 50, "3.5to5": 20}
NO_WAGE_ANSWER = 0.1  # "rather not say"
PLACE_NAMES = ["Mahakam", "Etam", "Borneo", "Kutai", "Benua", "Tepian", "Lamin", "Pesut", "Enggang", "Lembuswana",
               "Sempaja", "Karang Joang", "Manggar", "Loa Janan", "Sangasanga", "Muara Jawa", "Tenggarong", "Berau",
               "Sendawar", "Kaltara", "Bukit Soeharto", "Samboja", "Sepaku", "Melak"]
EMPLOYER_NAMES = {
    "mining": ["PT {} Mining Contractor", "PT {} Tambang Perkasa", "CV {} Alat Berat"],
    "construction": ["CV {} Konstruksi", "PT {} Karya Bangunan", "CV {} Jaya Teknik"],
    "trade": ["Toko {} Jaya", "Minimarket {} Makmur", "UD {} Sentosa", "CV {} Distribusi"],
    "motorcycle_repair": ["Bengkel {} Motor", "Bengkel {} Jaya Motor", "CV {} Motor Service"],
    "housekeeping": ["Hotel {}", "PT {} Cleaning Service", "Guest House {}"],
    "other": ["CV {} Mandiri", "UD {}", "Rumah Makan {}", "PT {} Sejahtera"],
}

# --- outcome surveys and the AK/1 card ----------------------------------------------------------------------------

SEND_HOUR = 9  # the daily run of tracer.send_due
ANSWER_FIRST = 0.42  # answer within days of the survey
ANSWER_REMINDED = 0.28  # of the others: answer within days of the reminder
FOLLOWED_UP = 0.35  # of those still silent after the reminder: an officer phones them
FOLLOW_UP_NOTES = ["Ditelepon petugas; belum sempat mengisi survei daring.",
                   "Dihubungi lewat WhatsApp lalu telepon; jawaban dicatat petugas.",
                   "Ditelepon petugas BLKI; tautan survei tidak terbuka di ponselnya."]
AK1_REPORTS = 0.35  # of the six-monthly report dates in 2025: the card holder reported (still seeking)
AK1_PLACED = 0.15  # of the card holders who found work (not through a recorded hire): reported it on the card


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return core._at(day, datetime.time(hour, minute))


def _moment(rng: random.Random, day: datetime.date, first: int = 8, last: int = 16) -> datetime.datetime:
    return _at(day, rng.randint(first, last), rng.randrange(60))


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _share(key: str) -> float:
    """A number in [0, 1) that depends only on ``key`` (so a person's consent does not depend on the demo's size)."""
    return int.from_bytes(hashlib.sha256(f"{core.SEED}:jobs:{key}".encode()).digest()[:8], "big") / 2**64


def _working_day(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5 or day in core.HOLIDAYS_2025:
        day += DAY
    return day


# --- the story clock ----------------------------------------------------------------------------------------------


class _Clock:
    def __init__(self):
        self.moment = _at(D(2025, 1, 2), 8)

    def now(self) -> datetime.datetime:
        return self.moment


CLOCK_MODELS = [Vacancy, Hire, Invitation, Outcome, Ak1Report, Consent]


@contextlib.contextmanager
def story_clock():
    """``timezone.now`` (the services' timestamps, the audit entries) and the fields whose default is the clock answer
    the story's moment, set with ``clock.moment = ...``."""
    clock = _Clock()
    real_now = timezone.now
    with contextlib.ExitStack() as stack:
        for model in CLOCK_MODELS:
            for model_field in model._meta.concrete_fields:
                if model_field.default is real_now:  # Field._get_default is a cached property: patch its value
                    stack.enter_context(mock.patch.object(model_field, "_get_default", clock.now))
        stack.enter_context(mock.patch.object(timezone, "now", clock.now))
        yield clock


# --- the step -----------------------------------------------------------------------------------------------------


def make_jobs(today: datetime.date) -> int:
    """The jobs and outcomes year up to ``today`` (DEMO_TODAY); returns the vacancies made."""
    companies = _companies()
    if not companies or Vacancy.objects.filter(company__in=[c.pk for cs in companies.values() for c in cs],
                                               source__in=[VacancySource.DEMO, VacancySource.IMPORT]).exists():
        keep_open(today)
        return 0
    shortlists.invalidate()  # the index of this process may hold another database's (or a rolled back) profiles
    try:
        with signals.suspended(), notifications.suppressed():  # profiles are refreshed in bulk; nothing is sent
            make_consents()
            refresh_profiles()  # everyone: the consents are new, and the shortlists read every profile
            story = _Story(today, companies)
            story.run()
        # What the story changed of a profile: the outcomes (hires, answers, apprentices taken on, AK/1 "placed"),
        # which also closed AK/1 cards. The others are as the refresh above left them.
        refresh_profiles(Outcome.objects.values_list("person_id", flat=True).distinct())
    finally:
        shortlists.invalidate()
    keep_open(today)
    return story.vacancies_made


def keep_open(today: datetime.date) -> int:
    """The vacancies still open on the demo's day stay open by the machine's clock (until a month ahead), so that
    the demo job seeker sees recommendations and companies see shortlists whenever the demo is run. Their
    publication dates stay in the demo year."""
    real_today = timezone.localdate()
    if real_today <= today:
        return 0
    return Vacancy.objects.filter(status="open", valid_until__gte=today,
                                  valid_until__lt=real_today + datetime.timedelta(days=30)).update(
        valid_until=real_today + datetime.timedelta(days=30))


def _companies() -> dict[str, list[Company]]:
    """The verified companies of each focus sector, by name."""
    found = defaultdict(list)
    for company in (Company.objects.filter(status=CompanyStatus.VERIFIED, sector__in=FOCUS)
                    .select_related("sector").order_by("name")):
        found[company.sector_id].append(company)
    return dict(found)


def make_consents() -> int:
    """The demo persons' consents to being shown to companies and to outcome surveys, given when they registered
    (a person who has a record for a purpose already is left alone); returns the records added."""
    share, surveys = Consent.Purpose.SHARE_COMPANIES, Consent.Purpose.OUTCOME_SURVEYS
    have = set(Consent.objects.filter(purpose__in=[share, surveys]).values_list("person_id", "purpose"))
    rows = []
    persons = (Person.objects.filter(source=PersonSource.DEMO).order_by("pk")
               .values_list("pk", "nik", "created_at", "user__email"))
    for pk, nik, created_at, email in persons:
        job_seeker = email == core.JOB_SEEKER_EMAIL  # the demo job seeker has an invitation to answer
        shown = job_seeker or _share(f"share:{nik}") < SHARE_CONSENT
        asked = job_seeker or _share(f"survey:{nik}") < SURVEY_CONSENT[shown]
        at = created_at + datetime.timedelta(minutes=2)
        for purpose, given in ((share, shown), (surveys, asked)):
            if given and (pk, purpose) not in have:
                rows.append(Consent(person_id=pk, purpose=purpose, given=True, text_version=CONSENT_TEXT_VERSION,
                                    channel=Consent.Channel.DEMO, at=at))
    Consent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- a person's year ----------------------------------------------------------------------------------------------


@dataclass
class Life:
    """What happened to one person in 2025, as the demo's records tell it."""

    person_id: int
    registered: datetime.date
    sector: str = ""  # the sector of the first training completed ("other" for a certificate without one)
    base: datetime.date | None = None  # the first completion: a training, else a competency certificate
    # Trainings and apprenticeships, from a month before their start (applied, selected) to their end.
    busy: list[tuple[datetime.date, datetime.date]] = field(default_factory=list)
    apprenticeships: list[tuple[datetime.date, datetime.date]] = field(default_factory=list)
    works: bool = False  # finds work at some time (drawn)
    work_from: datetime.date | None = None
    work_kind: str = ""
    employer: str = ""
    work_sector: str = ""
    wage_band: str = ""
    confirmed: bool = False  # by a company: a named hire or an apprentice taken on
    studying_from: datetime.date | None = None
    retained_by: Company | None = None  # the company that took the apprentice on
    invitations: int = 0

    def working_on(self, day: datetime.date) -> bool:
        return self.work_from is not None and self.work_from <= day

    def free_on(self, day: datetime.date) -> bool:
        """Free to be invited and hired on ``day``: registered, neither working nor studying, and no training or
        apprenticeship running or to come (a hire ends the search)."""
        if self.registered >= day or self.working_on(day):
            return False
        if self.studying_from is not None and self.studying_from <= day:
            return False
        return not any(end >= day for _start, end in self.busy)

    def situation(self, day: datetime.date) -> dict:
        """The answer to "what are you doing now?" on ``day``."""
        if self.working_on(day):
            return {"status": self.work_kind, "employer": self.employer, "sector": self.work_sector,
                    "wage_band": self.wage_band}
        if any(start <= day <= end for start, end in self.apprenticeships):
            return {"status": OutcomeStatus.APPRENTICE}  # in an apprenticeship (pemagangan): work-based training
        if self.studying_from is not None and self.studying_from <= day:
            return {"status": OutcomeStatus.STUDYING}
        return {"status": OutcomeStatus.UNEMPLOYED}


FAR = D(2099, 12, 31)


def _lives(today: datetime.date, companies: dict[str, list[Company]]) -> dict[int, Life]:
    """Everyone's year, drawn once (see Life); apprentices taken on by their company are ``confirmed``."""
    rng = core._rng("jobs:lives")
    lives = {}
    for pk, created_at, employment in (Person.objects.filter(source=PersonSource.DEMO).order_by("pk")
                                       .values_list("pk", "created_at", "employment_status")):
        life = lives[pk] = Life(pk, timezone.localtime(created_at).date())
        if employment in (EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED):
            life.works, life.work_from, life.work_kind = True, life.registered, employment
            life.employer = _employer(rng, "other", companies) if employment == EmploymentStatus.EMPLOYED else ""
            life.work_sector = "other"
    completions: dict[int, list[tuple[datetime.date, str]]] = defaultdict(list)
    for person_id, status, start, end, sector in (
            Enrolment.objects.filter(person__source=PersonSource.DEMO,
                                     status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED])
            .values_list("person_id", "status", "batch__start_date", "batch__end_date",
                         "batch__package__vocation__sector_id")):
        life = lives[person_id]
        life.busy.append((start - datetime.timedelta(days=30), end))  # selected a month before the start
        if status == EnrolmentStatus.COMPLETED and end <= today:
            completions[person_id].append((end, sector))
    for person_id, issued in (Certificate.objects.current().filter(kind=CertificateKind.COMPETENCY,
                                                                   person__source=PersonSource.DEMO,
                                                                   issued_on__lte=today)
                              .values_list("person_id", "issued_on")):
        completions[person_id].append((issued, ""))
    placements = defaultdict(list)
    for row in (Placement.objects.filter(person__source=PersonSource.DEMO).select_related("company")
                .order_by("start_date", "pk")):
        start = row.started_on or row.start_date
        end = row.ended_on or (FAR if row.status in OPEN_STATUSES else start)
        lives[row.person_id].busy.append((start - datetime.timedelta(days=30), end))  # applied a month before
        if row.started_on is not None:
            placements[row.person_id].append(row)
            lives[row.person_id].apprenticeships.append((row.started_on, row.ended_on or FAR))
    for pk, life in lives.items():
        done = sorted(completions.get(pk, []), key=lambda item: (item[0], item[1] == ""))
        if done:
            life.base = done[0][0]
            life.sector = next((sector for _day, sector in done if sector), "other")
            if life.work_from is None:
                _draw_work(rng, life, life.base, today, companies)
        elif life.work_from is None and not life.busy and rng.random() < UNTRAINED_WORK:  # found work on their own
            span = (today - life.registered).days
            if span > 14:
                life.works = True
                _set_work(rng, life, life.registered + datetime.timedelta(days=rng.randint(14, span)),
                          "other", companies)
        if pk in placements:
            _after_apprenticeships(rng, life, placements[pk], today, companies)
    return lives


def _draw_work(rng: random.Random, life: Life, start: datetime.date, today: datetime.date, companies) -> None:
    if rng.random() < STUDYING_SHARE:
        life.studying_from = start + datetime.timedelta(days=rng.randint(20, 120))
        return
    by3, by6, by12 = WORK_RATES.get(life.sector, WORK_RATES["other"])
    draw = rng.random()
    if draw < by3:
        delay = rng.randint(5, 88)
    elif draw < by6:
        delay = rng.randint(89, 180)
    elif draw < by12:
        delay = rng.randint(181, 365)
    else:
        return
    life.works = True
    sector = life.sector if rng.random() < IN_OWN_SECTOR else rng.choice([*FOCUS, "other"])
    _set_work(rng, life, start + datetime.timedelta(days=delay), sector, companies,
              self_employed=rng.random() < SELF_EMPLOYED.get(life.sector, 0.1))


def _set_work(rng: random.Random, life: Life, day: datetime.date, sector: str, companies, *,
              self_employed: bool = False, employer: str = "", wage_band: str | None = None) -> None:
    life.work_from, life.work_sector = day, sector
    life.work_kind = OutcomeStatus.SELF_EMPLOYED if self_employed else OutcomeStatus.EMPLOYED
    life.employer = "" if self_employed else (employer or _employer(rng, sector, companies))
    if wage_band is None:
        weights = SELF_EMPLOYED_WAGES if self_employed else WAGES[sector]
        wage_band = "" if rng.random() < NO_WAGE_ANSWER else _pick(rng, weights)
    life.wage_band = wage_band


def _employer(rng: random.Random, sector: str, companies) -> str:
    if sector in companies and rng.random() < DEMO_EMPLOYER:
        return rng.choice(companies[sector]).name
    return rng.choice(EMPLOYER_NAMES[sector]).format(rng.choice(PLACE_NAMES))


def _after_apprenticeships(rng, life: Life, placements: list[Placement], today: datetime.date, companies) -> None:
    """No work while an apprenticeship runs: an apprentice taken on by the company works there from the end (a
    company-confirmed outcome), one who stopped for a job works from then, the others look for work from the end."""
    last = placements[-1]
    life.work_from = None
    life.works = False
    if last.ended_on is None:
        return
    if last.status == PlacementStatus.COMPLETED and last.final_passed:
        sector = last.company.sector_id or "other"
        if rng.random() < RETAINED.get(sector, 0.5):
            day = last.ended_on + datetime.timedelta(days=rng.randint(1, 7))
            if day <= today:
                life.works = life.confirmed = True
                _set_work(rng, life, day, sector, companies, employer=last.company.name)
                life.retained_by = last.company
                return
    if last.status == PlacementStatus.STOPPED and last.status_reason.startswith("diterima bekerja"):
        life.works = True
        _set_work(rng, life, last.ended_on, life.sector or "other", companies)
        return
    _draw_work(rng, life, last.ended_on, today, companies)


# --- the story ----------------------------------------------------------------------------------------------------


def _umk() -> dict[str, int]:
    with open(DATA / "kaltim_regency_stats.csv", newline="", encoding="utf-8") as handle:
        return {row["code"]: round(float(row["min_wage_2025_idr"])) for row in csv.DictReader(handle)
                if row["min_wage_2025_idr"]}


def _rupiah(value: float) -> int:
    return math.ceil(value / 50_000) * 50_000  # advertised in round fifty thousands, never below the minimum


def _band(wage: int | None) -> str:
    if wage is None:
        return ""
    for limit, band in ((2_000_000, WageBand.BELOW_2M), (3_500_000, WageBand.FROM_2M), (5_000_000, WageBand.FROM_35M),
                        (8_000_000, WageBand.FROM_5M)):
        if wage < limit:
            return band
    return WageBand.ABOVE_8M


@dataclass
class Plan:
    """A vacancy's year: how many are hired by DEMO_TODAY and whether it is closed."""

    vacancy: Vacancy
    sector: str
    filled: int = 0
    closes_on: datetime.date | None = None


class _Story:
    def __init__(self, today: datetime.date, companies: dict[str, list[Company]]):
        self.today = today
        self.companies = companies
        self.umk = _umk()
        self.sectors = {s.key: s for s in Sector.objects.all()}
        self.admin = User.objects.filter(email=core.ADMIN_EMAIL).first()
        self.company_users = {}
        for membership in (Membership.objects.filter(role=Role.COMPANY_USER, company__isnull=False)
                           .select_related("user").order_by("pk")):
            self.company_users.setdefault(membership.company_id, membership.user)
        operators = core._operators()
        users = User.objects.in_bulk(list(operators.values()))
        self.operators = {centre: users[user] for centre, user in operators.items()}
        self.registered_centre = dict(Person.objects.filter(source=PersonSource.DEMO)
                                      .values_list("pk", "registered_centre_id"))
        self.schemes = {}
        for vocation, scheme in (TrainingPackage.objects.filter(scheme__isnull=False, is_active=True)
                                 .order_by("code").values_list("vocation__code", "scheme_id")):
            self.schemes.setdefault(vocation, scheme)
        self.vocations = dict(Vocation.objects.values_list("code", "pk"))
        self.scheme_codes = dict(Scheme.objects.values_list("pk", "code"))
        self.names = dict(Person.objects.filter(source=PersonSource.DEMO).values_list("pk", "full_name"))
        self.events: list[tuple] = []
        self.order = itertools.count()
        self.plans: list[Plan] = []
        self.vacancies_made = 0

    def run(self) -> None:
        self.lives = _lives(self.today, self.companies)
        with story_clock() as self.clock:
            self.post_vacancies()
        self.plan_invitations_and_hires()  # shortlists: on the real clock, reading the profiles
        tracer.schedule(self.today)
        self.plan_apprentices_taken_on()
        self.plan_ak1_placed()
        with story_clock() as self.clock:
            self.plan_surveys()
            self.play()
        self.make_ak1_reports()

    def at(self, moment: datetime.datetime, kind: str, *payload) -> None:
        heapq.heappush(self.events, (moment, next(self.order), kind, payload))

    def by(self, company: Company):
        return self.company_users.get(company.pk) or self.admin

    # -- vacancies ------------------------------------------------------------------------------------------------

    def _vacancy(self, rng: random.Random, company: Company, job: Job, start: datetime.date,
                 remaining: int) -> Vacancy:
        """A vacancy of ``job`` starting on ``start``, for at most ``remaining`` persons (at least one)."""
        region = company.region_id or "64.71"
        umk = self.umk.get(region, self.umk["64"])
        wage_min = wage_max = None
        if rng.random() >= NO_WAGE_SHARE:
            wage_min = _rupiah(umk * rng.uniform(*job.wage_min))
            wage_max = max(wage_min, _rupiah(umk * rng.uniform(*job.wage_max)))
        scheme = None
        if job.vocations and rng.random() < SCHEME_SHARE:
            scheme = self.schemes.get(job.vocations[0])
        needed = max(1, min(rng.randint(*job.needed), remaining))
        return Vacancy(
            company=company, title=job.title, occupation_id=job.kbji, sector_id=company.sector_id,
            kbli_id=company.kbli_id, number_needed=needed, valid_from=start,
            valid_until=start + datetime.timedelta(days=rng.randint(*VALID_DAYS)), min_age=18, max_age=job.max_age,
            sex=job.sex if job.sex and rng.random() < 0.3 else "", min_education_id=job.min_education,
            scheme_id=scheme, experience_years=job.experience if rng.random() < 0.6 else 0, wage_min=wage_min,
            wage_max=wage_max, region_id=region, source=VacancySource.DEMO,
            description=f"{company.name} membutuhkan {needed} {job.title}. {job.description}")

    def supply(self) -> dict[str, int]:
        """Per focus sector: the participants who completed a 2025 training by DEMO_TODAY (as demand.py counts
        them)."""
        year = core._programme_year()
        found = dict.fromkeys(FOCUS, 0)
        for sector in (Enrolment.objects.filter(batch__programme_year=year, status=EnrolmentStatus.COMPLETED,
                                                batch__package__vocation__sector__in=FOCUS)
                       .values_list("batch__package__vocation__sector_id", flat=True)):
            found[sector] += 1
        return found

    def _start(self, rng: random.Random, company: Company, last: datetime.date = LAST_POSTED) -> datetime.date | None:
        first = FIRST_POSTED
        if company.verified_at is not None:
            first = max(first, timezone.localtime(company.verified_at).date() + 3 * DAY)
        if first > last:
            return None
        return first + datetime.timedelta(days=rng.randint(0, (last - first).days))

    def post_vacancies(self) -> None:
        """The companies' vacancies (save_vacancy) on the day each was posted, and the province's import: per sector
        POSITIONS_PER_COMPLETED positions for each participant who completed a training in it (at least two
        vacancies), so the picture of demand against supply is the same at any size of the demo."""
        rng = core._rng("jobs:vacancies")
        supply = self.supply()
        imported: list[tuple[Vacancy, Job]] = []
        posts = []
        for sector in FOCUS:
            companies = [c for c in self.companies.get(sector, []) if self._start(rng, c) is not None]
            if not companies:
                continue
            remaining = round(POSITIONS_PER_COMPLETED[sector] * supply[sector])
            count = 0
            for import_sector, position, title in IMPORTED:
                late = [c for c in companies if c.verified_at is None
                        or timezone.localtime(c.verified_at).date() < IMPORT_DAY - 14 * DAY]
                if import_sector != sector or not late:
                    continue
                job = next(j for j in JOBS[sector] if j.title == title)
                company = late[position % len(late)]
                vacancy = self._vacancy(rng, company, job, IMPORT_DAY - datetime.timedelta(days=rng.randint(3, 14)),
                                        remaining)
                remaining -= vacancy.number_needed
                count += 1
                imported.append((vacancy, job))
            weights = [math.sqrt(max(company.employees, 10)) for company in companies]
            jobs = JOBS[sector]
            while remaining > 0 or count < MIN_VACANCIES:
                company = rng.choices(companies, weights=weights)[0]
                job = rng.choices(jobs, weights=[j.weight for j in jobs])[0]
                start = self._start(rng, company)
                if start is None:
                    continue
                vacancy = self._vacancy(rng, company, job, start, remaining)
                remaining -= vacancy.number_needed
                count += 1
                posted = max(_moment(rng, start - datetime.timedelta(days=rng.randint(0, 3)), 8, 15),
                             company.verified_at or _at(FIRST_POSTED, 8))
                posts.append((posted, next(self.order), vacancy, job))
        posts.sort(key=lambda item: item[:2])
        imports_at = _at(IMPORT_DAY, 10, 30)
        done = False
        for posted, _order, vacancy, job in posts:
            if not done and posted > imports_at:
                self.import_vacancies(imported)
                done = True
            self.clock.moment = vacancy.created_at = posted  # (its default was taken when it was planned)
            services.save_vacancy(vacancy, vocations=[self.vocations[v] for v in job.vocations
                                                      if v in self.vocations], by=self.by(vacancy.company))
            self.plans.append(Plan(vacancy, vacancy.sector_id))
        if not done:
            self.import_vacancies(imported)
        self.vacancies_made = len(self.plans)

    def import_vacancies(self, imported: list[tuple[Vacancy, Job]]) -> None:
        """Vacancies reported on paper, typed by the office and imported as a CSV file (source "import")."""
        if not imported:
            return
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(importer.TEMPLATE_HEADERS)
        for vacancy, job in imported:
            company = vacancy.company
            writer.writerow([
                company.name, vacancy.title, vacancy.occupation_id, vacancy.sector_id,
                company.kbli.code if company.kbli else "", vacancy.number_needed, vacancy.valid_from.isoformat(),
                vacancy.valid_until.isoformat(), vacancy.min_age, vacancy.max_age, vacancy.sex,
                vacancy.min_education_id, "; ".join(v for v in job.vocations if v in self.vocations),
                self.scheme_codes.get(vacancy.scheme_id, ""), vacancy.experience_years, vacancy.wage_min or "",
                vacancy.wage_max or "", vacancy.region_id, vacancy.description])
        self.clock.moment = _at(IMPORT_DAY, 10, 30)
        report = importer.import_vacancies(io.BytesIO(out.getvalue().encode("utf-8")), filename=IMPORT_FILE,
                                           by=self.admin)
        if not report.written:
            raise RuntimeError(f"the demo import failed: {report.file_error or report.errors}")
        for vacancy in Vacancy.objects.filter(pk__in=report.vacancy_ids).select_related("company").order_by("pk"):
            self.plans.append(Plan(vacancy, vacancy.sector_id))

    # -- invitations and hires --------------------------------------------------------------------------------------

    def plan_invitations_and_hires(self) -> None:
        """Per vacancy, in the order of its invitations: who was invited from the shortlist, who answered, who was
        hired (named), how many more the company reported, and whether it was closed."""
        rng = core._rng("jobs:invitations")
        plans = []
        for plan in self.plans:
            vacancy = plan.vacancy
            start, end = vacancy.valid_from, vacancy.valid_until
            expired = end + datetime.timedelta(days=CLOSE_AFTER) <= self.today
            if expired:
                if rng.random() < FILLED_SHARE[plan.sector]:
                    plan.filled = vacancy.number_needed
                else:
                    low, high = PARTLY_FILLED[plan.sector]
                    plan.filled = min(vacancy.number_needed - 1, int(vacancy.number_needed * rng.uniform(low, high)))
                    plan.closes_on = end + datetime.timedelta(days=CLOSE_AFTER)
            elif start + datetime.timedelta(days=HIRES_FROM) <= self.today:
                plan.filled = int(vacancy.number_needed * rng.uniform(*OPEN_FILLED))
            inviting = rng.random() < INVITING_SHARE
            sent = start + datetime.timedelta(days=rng.randint(1, INVITE_WINDOW))
            plans.append((sent if inviting else None, plan))
        plans.sort(key=lambda item: (item[0] or FAR, item[1].vacancy.pk))
        job_seeker = Person.objects.filter(user__email=core.JOB_SEEKER_EMAIL).values_list("pk", flat=True).first()
        for sent, plan in plans:
            named = self.invite(rng, plan, sent, job_seeker) if sent is not None and sent <= self.today else 0
            self.report_hires(rng, plan, plan.filled - named)
            if plan.closes_on is not None:
                self.at(_moment(rng, plan.closes_on, 9, 15), "close", plan.vacancy)
        if job_seeker is not None:
            self.invite_job_seeker(job_seeker)

    def invite(self, rng: random.Random, plan: Plan, sent: datetime.date, job_seeker: int | None) -> int:
        """Invite the free best of the shortlist on ``sent``; returns the named hires among them."""
        vacancy = plan.vacancy
        wanted = max(2, min(8, vacancy.number_needed))
        rows = shortlists.shortlist(vacancy, limit=3 * wanted + 10, today=sent)
        chosen = []
        for row in rows:
            life = self.lives.get(row.person_id)
            if life is None or row.person_id == job_seeker or life.invitations >= MAX_INVITATIONS:
                continue
            if life.free_on(sent):
                chosen.append((row, life))
            if len(chosen) == wanted:
                break
        accepted_share, declined_share = ANSWERS[plan.sector]
        user = self.by(vacancy.company)
        last_hire = min(self.today, vacancy.valid_until + datetime.timedelta(days=CLOSE_AFTER))
        named = 0
        for row, life in chosen:
            life.invitations += 1
            moment = _moment(rng, sent, 8, 16)
            message = INVITATION_TEXT.format(time="pagi" if moment.hour < 11 else "siang",
                                             name=self.names.get(row.person_id, ""), job=vacancy.title,
                                             company=vacancy.company.name)
            self.at(moment, "invite", vacancy, row.person_id, user, message, row)
            draw = rng.random()
            answered = moment + datetime.timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 9))
            if draw >= accepted_share + declined_share or timezone.localtime(answered).date() > self.today:
                continue  # waiting, or never answered
            accepted = draw < accepted_share
            self.at(answered, "answer", vacancy, row.person_id,
                    InvitationStatus.ACCEPTED if accepted else InvitationStatus.DECLINED)
            if not accepted or named >= plan.filled:
                continue
            day = max(timezone.localtime(answered).date() + datetime.timedelta(days=rng.randint(5, 15)),
                      vacancy.valid_from + datetime.timedelta(days=INVITE_WINDOW + 1 + rng.randint(0, 5)))
            if day > last_hire or life.confirmed or not life.free_on(day):  # hired once (planned in any order)
                continue
            hired = life.works if life.base is not None else rng.random() < UNTRAINED_HIRED
            if not hired:
                continue
            life.works = life.confirmed = True
            _set_work(rng, life, day, plan.sector, self.companies, employer=vacancy.company.name,
                      wage_band=_band(vacancy.wage_min))
            life.studying_from = None
            named += 1
            self.at(_moment(rng, day, 9, 15), "hire", vacancy, 1, row.person_id,
                    "Diterima melalui undangan di Kompeten.", user)
        return named

    def report_hires(self, rng: random.Random, plan: Plan, count: int) -> None:
        """The hires the company reported without names: one or two reports."""
        if count <= 0:
            return
        vacancy = plan.vacancy
        first = vacancy.valid_from + datetime.timedelta(days=HIRES_FROM)
        last = min(self.today, vacancy.valid_until + datetime.timedelta(days=CLOSE_AFTER))
        if first > last:
            return
        parts = [count] if count == 1 or rng.random() < 0.75 else [count // 2, count - count // 2]
        days = sorted(first + datetime.timedelta(days=rng.randint(0, (last - first).days)) for _ in parts)
        for day, part in zip(days, parts, strict=True):
            self.at(_moment(rng, day, 9, 15), "hire", vacancy, part, None,
                    "Dilaporkan perusahaan (tanpa nama).", self.by(vacancy.company))

    def invite_job_seeker(self, person_id: int) -> None:
        """The demo job seeker has one invitation waiting: to answer in the browser."""
        for plan in sorted(self.plans, key=lambda p: (p.sector != "trade", p.vacancy.pk)):  # a shop, if one is open
            vacancy = plan.vacancy
            if (vacancy.valid_until >= self.today and vacancy.valid_from < self.today
                    and plan.filled < vacancy.number_needed and plan.closes_on is None):
                moment = _at(self.today - DAY, 10, 15)
                self.at(moment, "invite", vacancy, person_id, self.by(vacancy.company),
                        INVITATION_TEXT.format(time="pagi", name=self.names.get(person_id, ""),
                                               job=vacancy.title, company=vacancy.company.name), None)
                return

    # -- apprentices taken on, AK/1 placed reports -------------------------------------------------------------------

    def plan_apprentices_taken_on(self) -> None:
        rng = core._rng("jobs:taken_on")
        for life in self.lives.values():
            company = life.retained_by
            if company is not None and life.work_from is not None and life.employer == company.name:
                self.at(_moment(rng, life.work_from, 9, 15), "taken_on", life, company)

    def plan_ak1_placed(self) -> None:
        """A few card holders who found work (not through a recorded hire) report it on their card."""
        rng = core._rng("jobs:ak1_placed")
        cards = dict(Person.objects.filter(source=PersonSource.DEMO, ak1_expires__isnull=False, ak1_closed_on=None)
                     .exclude(ak1_number="").values_list("pk", "ak1_expires"))
        for pk in sorted(cards):
            life = self.lives[pk]
            if (life.confirmed or life.work_from is None or life.work_kind != OutcomeStatus.EMPLOYED
                    or life.work_from <= life.registered or rng.random() >= AK1_PLACED):
                continue
            day = _working_day(life.work_from + datetime.timedelta(days=rng.randint(3, 30)))
            issued = add_months(cards[pk], -12 * AK1_VALID_YEARS)
            if issued <= day <= min(cards[pk], self.today):
                self.at(_moment(rng, day, 8, 14), "ak1_placed", life)

    # -- surveys --------------------------------------------------------------------------------------------------

    def plan_surveys(self) -> None:
        """tracer.send_due runs every day (a daily job); here only on the days it has something to do: a survey
        falls due, a reminder falls due (seven days after a survey was sent), or a message was deferred (one per
        person a run) — on the other days it would find nothing, so the result is the same."""
        self.survey_rng = core._rng("jobs:surveys")
        self.survey_state: dict[int, int] = {}  # pk -> reminders, of the surveys sent and not answered
        self.send_days: set[datetime.date] = set()
        for day in OutcomeSurvey.objects.filter(due_on__lte=self.today).values_list("due_on", flat=True).distinct():
            self.send_on(day)

    def send_on(self, day: datetime.date) -> None:
        if day <= self.today and day not in self.send_days:
            self.send_days.add(day)
            self.at(_at(day, SEND_HOUR), "send")

    def sent(self, day: datetime.date, counts: dict) -> None:
        """After a run of send_due: decide what each survey sent or reminded now leads to."""
        if not counts["sent"] and not counts["reminded"]:
            return
        rng = self.survey_rng
        rows = (OutcomeSurvey.objects.filter(sent_at__isnull=False, responded_at__isnull=True, due_on__lte=day)
                .order_by("pk").values_list("pk", "reminders"))
        for pk, reminders in rows:
            if self.survey_state.get(pk) == reminders:
                continue
            self.survey_state[pk] = reminders
            if reminders == 0:
                if rng.random() < ANSWER_FIRST:
                    self.answer_on(rng, pk, day + datetime.timedelta(days=rng.randint(0, 5)), "respond")
            elif rng.random() < ANSWER_REMINDED:
                self.answer_on(rng, pk, day + datetime.timedelta(days=rng.randint(0, 6)), "respond")
            elif rng.random() < FOLLOWED_UP:
                call = _working_day(day + datetime.timedelta(days=rng.randint(7, 25)))
                self.answer_on(rng, pk, call, "followup")

    def answer_on(self, rng: random.Random, pk: int, day: datetime.date, kind: str) -> None:
        """An answer on ``day``; on the day of the message, some time after it."""
        if day > self.today:
            return
        moment = _moment(rng, day, 9, 15) if kind == "followup" else _moment(rng, day, 7, 21)
        sent = self.clock.moment  # the run of send_due that sent the message
        if moment <= sent:
            moment = sent + datetime.timedelta(minutes=rng.randint(5, 240))
        self.at(moment, kind, pk)

    def situation(self, person_id: int, day: datetime.date) -> dict:
        life = self.lives.get(person_id)
        data = life.situation(day) if life is not None else {"status": OutcomeStatus.UNEMPLOYED}
        if "sector" in data:
            data["sector"] = self.sectors.get(data["sector"])
        return data

    # -- playing the year ---------------------------------------------------------------------------------------------

    def play(self) -> None:
        while self.events:
            moment, _order, kind, payload = heapq.heappop(self.events)
            self.clock.moment = moment
            day = timezone.localtime(moment).date()
            getattr(self, f"on_{kind}")(day, *payload)

    def on_invite(self, day, vacancy, person_id, user, message, row) -> None:
        person = Person.objects.get(pk=person_id)
        services.invite(vacancy, person, by=user, message=message, score=row.score if row else 0,
                        reasons=row.reasons if row else ())

    def on_answer(self, day, vacancy, person_id, status) -> None:
        """The candidate's answer, set directly: the demo persons have no account to answer with
        (services.answer_invitation asks for the person's own)."""
        Invitation.objects.filter(vacancy=vacancy, person_id=person_id, status=InvitationStatus.SENT).update(
            status=status, answered_at=self.clock.moment)

    def on_hire(self, day, vacancy, count, person_id, note, user) -> None:
        person = Person.objects.get(pk=person_id) if person_id else None
        services.record_hire(vacancy, count=count, person=person, on=day, note=note, by=user)

    def on_close(self, day, vacancy) -> None:
        vacancy.refresh_from_db(fields=["status"])
        if vacancy.status == "open":
            services.close_vacancy(vacancy, by=self.by(vacancy.company))

    def on_taken_on(self, day, life, company) -> None:
        services.record_outcome(Person.objects.get(pk=life.person_id), status=OutcomeStatus.EMPLOYED,
                                source=OutcomeSource.COMPANY, on=day, by=self.by(company), employer=company.name,
                                company=company, sector=company.sector, wage_band=life.wage_band, today=day,
                                note="Diangkat sebagai karyawan setelah pemagangan.")

    def on_ak1_placed(self, day, life) -> None:
        person = Person.objects.get(pk=life.person_id)
        operator = self.operators.get(self.registered_centre.get(person.pk)) or self.admin
        with contextlib.suppress(DomainError):  # the card was closed meanwhile (an answer said in work)
            services.record_ak1_report(person, status=Ak1Report.Status.PLACED, on=day, employer=life.employer,
                                       by=operator, today=day)

    def on_send(self, day) -> None:
        counts = tracer.send_due(day)
        if counts["sent"]:
            self.send_on(day + datetime.timedelta(days=tracer.REMINDER_DAYS))
        if counts["deferred"]:
            self.send_on(day + DAY)
        self.sent(day, counts)

    def on_respond(self, day, pk) -> None:
        survey = OutcomeSurvey.objects.get(pk=pk)
        if survey.responded_at is None:
            tracer.respond(survey, self.situation(survey.person_id, day), today=day)

    def on_followup(self, day, pk) -> None:
        survey = OutcomeSurvey.objects.select_related("person").get(pk=pk)
        if survey.responded_at is not None:
            return
        centre = survey.centre_id or self.registered_centre.get(survey.person_id)
        data = self.situation(survey.person_id, day)
        data.update(on=day, note=self.survey_rng.choice(FOLLOW_UP_NOTES))
        tracer.record_followup(survey, data, by=self.operators.get(centre) or self.admin, today=day)

    # -- afterwards: the AK/1 reports "still seeking" -------------------------------------------------------------

    def make_ak1_reports(self) -> None:
        """The card holders' six-monthly reports "still seeking", for some of the report dates up to DEMO_TODAY,
        never after they found work or their card was closed."""
        rng = core._rng("jobs:ak1")
        rows = []
        cards = (Person.objects.filter(source=PersonSource.DEMO, ak1_expires__isnull=False).exclude(ak1_number="")
                 .order_by("pk").values_list("pk", "ak1_expires", "ak1_closed_on", "registered_centre_id"))
        for pk, expires, closed, centre in cards:
            life = self.lives[pk]
            issued = add_months(expires, -12 * AK1_VALID_YEARS)
            stops = [day for day in (closed, life.work_from) if day is not None]
            stop = min(stops) if stops else None
            first = max(life.registered, issued)
            operator = self.operators.get(centre)
            for k in (1, 2, 3, 4):
                due = add_months(issued, 6 * k)
                if due > expires or due > self.today + datetime.timedelta(days=20):
                    break
                if rng.random() >= AK1_REPORTS:
                    continue
                day = due + datetime.timedelta(days=rng.randint(-20, 20))
                if first <= day <= self.today and (stop is None or day < stop):
                    rows.append(Ak1Report(person_id=pk, on=day, status=Ak1Report.Status.SEEKING, by=operator,
                                          at=_moment(rng, day, 8, 15)))
        Ak1Report.objects.bulk_create(rows, batch_size=1000)
