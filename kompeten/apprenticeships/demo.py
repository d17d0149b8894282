"""The apprenticeship year of the Kaltim 2025 demo (pemagangan dalam negeri, Permenaker 6/2020), called from
``kompeten.core.demo.load_demo()`` after the certificates, as it stood on DEMO_TODAY (Monday 17 November 2025).

- Companies: the twelve of the core demo get their NIB, employees and registration; COMPANIES adds 24 more in the
  five focus sectors, all verified, each with one company user (a login) and one to three mentors (the mentor of a
  small company is its user); two companies registered themselves in November and wait for verification, one
  was rejected.
- Offers (OFFERS): about sixty approved programmes within the Permenaker limits (the slots of a company's
  overlapping offers at most 20 % of its employees, at most 12 months, theory 10-25 %), approved by the regency's
  Disnaker or, when in several regencies, the province (services.approve_offer decides); a few drafts, two waiting
  for approval and one rejected.
- Rounds: "Pemagangan 2025 Putaran 1" (applications March-April, published in May, placements from May-June) and
  "Putaran 2" (applications June-July, published in July, placements from August) run through the services:
  persons who completed a training apply (services.apply, on the day they applied), companies rank or reject some
  applicants, matching.match and matching.publish place them. "Putaran 3" (applications 27 October -
  28 November, for programmes starting in December and January) is open on DEMO_TODAY (for every registered job
  seeker, so that the demo job seeker may apply too) with its first applications.
- Placements: agreements signed and started, a few changes of company (services.transfer) and direct placements by
  the centres' operators (services.place_direct), with their reasons; some paused or stopped (found a job, moved,
  health); those whose period ended are completed with the company's final assessment, and the passed ones get
  their certificate of apprenticeship (issued_at the completion day). Weekly logbooks, mostly confirmed by the
  mentor within a week (a few running placements have had no confirmed week for three weeks: flagged), and
  monitoring visits for about a third of the placements (services.record_visit). Journey S4: an apprentice of PT
  Borneo Tambang Lestari (JOURNEY_COMPANY_LOGIN) wrote the week before DEMO_TODAY's, which waits for the company's
  confirmation (journey_week).

Everything but the logbook runs through the services, on a story clock: ``timezone.now`` is patched to the moment
each step happened, so that the rows and their audit entries are dated as it happened (never after DEMO_TODAY).
Fields whose default is the clock (created_at, at) are set to the same moment afterwards. The certificates are
issued outside the story clock, as the certificates demo issues them: back-dated ``issued_at``, signed (and
audited) at the real time. The logbook weeks are bulk-created (thousands of rows), without audit entries.

Idempotent: a second run finds the first round and adds nothing. Nothing depends on the machine's clock: served with
the clock at DEMO_TODAY (``kompeten demo``), Putaran 3 is open.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships import matching, rules, services
from kompeten.apprenticeships.models import (
    OPEN_STATUSES,
    Application,
    CandidatePool,
    Company,
    CompanyDecision,
    CompanyStatus,
    LogbookEntry,
    MatchingRound,
    Mentor,
    MonitoringVisit,
    Offer,
    OfferStatus,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from kompeten.assessment import demo as assessment_demo
from kompeten.assessment.models import Scheme
from kompeten.audit.models import AuditEntry
from kompeten.audit.services import build, record
from kompeten.certificates import services as certificate_services
from kompeten.certificates.models import Certificate, CertificateKind
from kompeten.core import demo as core
from kompeten.jobs import signals as job_signals
from kompeten.jobs.profiles import refresh_profiles
from kompeten.programmes.models import Vocation
from kompeten.reference.models import EducationLevel, Kbji
from kompeten.registry.models import Person, PersonSource
from kompeten.training.models import Enrolment, EnrolmentStatus

# --- companies ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySpec:
    key: str
    name: str
    sector: str
    kbli: str
    regency: str
    employees: int
    address: str = ""
    email: str = ""
    phone: str = ""
    login: str = ""  # the company user's email; "" = the company's own email
    user_name: str = ""  # the company user's name; "" = its first mentor (a small company) or "HRD <company>"
    registered: datetime.date = datetime.date(2025, 1, 13)
    status: str = CompanyStatus.VERIFIED
    note: str = ""  # why it was rejected


def _existing(key, name, employees, login="", user_name="", registered=datetime.date(2025, 1, 8)) -> CompanySpec:
    """One of the twelve companies of the core demo (kompeten.core.demo.COMPANIES): its name, sector, KBLI,
    regency and address are there."""
    company = next(c for c in core.COMPANIES if c.name == name)
    return CompanySpec(key, name, company.sector, company.kbli, company.regency, employees, company.address,
                       company.email, company.phone, login, user_name, registered)


D = datetime.date
COMPANIES = [
    _existing("borneo", "PT Borneo Tambang Lestari", 1850, f"hrd.tambang@{core.DEMO_DOMAIN}"),
    _existing("sangatta", "PT Sangatta Mineral Perkasa", 2400, f"hrd.sangatta@{core.DEMO_DOMAIN}",
              "HRD PT Sangatta Mineral Perkasa"),
    _existing("paser", "PT Paser Batu Bara Sejahtera", 950),
    _existing("mahakam_ritel", "PT Mahakam Ritel Nusantara", 520, f"hrd.ritel@{core.DEMO_DOMAIN}"),
    _existing("benua", "CV Benua Etam Logistik", 85),
    _existing("bontang_niaga", "PT Bontang Niaga Mandiri", 140),
    _existing("bontang_motor", "CV Bontang Motor Sejahtera", 24, f"bengkel.bontang@{core.DEMO_DOMAIN}"),
    _existing("tepian_motor", "CV Tepian Motor Samarinda", 18),
    _existing("karya_bangun", "PT Karya Bangun Etam", 620, f"hrd.konstruksi@{core.DEMO_DOMAIN}",
              "HRD PT Karya Bangun Etam"),
    _existing("penajam_konstruksi", "PT Penajam Konstruksi Utama", 260),
    _existing("hotel_teluk", "Hotel Teluk Balikpapan (PT Teluk Balikpapan Hospitality)", 210,
              f"hrd.hotel@{core.DEMO_DOMAIN}", "HRD Hotel Teluk Balikpapan"),
    _existing("berau_bersih", "PT Berau Bersih Prima", 120),
    # Mining (coal and its contractors): 300-2,500 employees.
    CompanySpec("kubar", "PT Kubar Energi Batubara", "mining", "05101", "64.07", 1200,
                "Jl. Sendawar Raya Km 7, Barong Tongkok", "hrd@kubarenergi.demo", "+62545411213",
                registered=D(2025, 1, 20)),
    CompanySpec("mahakam_ab", "PT Mahakam Alat Berat Services", "mining", "0990", "64.02", 480,
                "Jl. Poros Samarinda-Tenggarong Km 18, Loa Kulu", "rekrutmen@mahakamalatberat.demo",
                "+62541662314", registered=D(2025, 1, 27)),
    CompanySpec("berau_tambang", "PT Berau Jaya Tambang", "mining", "05101", "64.03", 1600,
                "Jl. Poros Lati Km 5, Gunung Tabur", "hrd@beraujayatambang.demo", "+62554231415",
                registered=D(2025, 2, 3)),
    CompanySpec("sangkulirang", "PT Sangkulirang Kontraktor Tambang", "mining", "0990", "64.08", 2100,
                "Jl. Poros Sangatta-Bengalon Km 14, Bengalon", "hrd@sangkulirangkontraktor.demo", "+62549231516",
                registered=D(2025, 1, 22)),
    CompanySpec("samboja", "PT Samboja Batu Hitam", "mining", "0510", "64.02", 320,
                "Jl. Soekarno-Hatta Km 48, Samboja", "admin@sambojabatuhitam.demo", "+62542711617",
                registered=D(2025, 4, 14)),
    # Retail and distribution: 40-600.
    CompanySpec("bpp_swalayan", "PT Balikpapan Swalayan Prima", "trade", "47111", "64.71", 380,
                "Jl. Jenderal Sudirman No. 66, Balikpapan Tengah", "karier@bppswalayan.demo", "+62542731718",
                login=f"hrd.swalayan@{core.DEMO_DOMAIN}", user_name="HRD PT Balikpapan Swalayan Prima",
                registered=D(2025, 1, 15)),
    CompanySpec("smd_mart", "PT Samarinda Central Mart", "trade", "47111", "64.72", 260,
                "Jl. Pahlawan No. 12, Samarinda Ulu", "hrd@samarindacentralmart.demo", "+62541741819",
                registered=D(2025, 2, 10)),
    CompanySpec("tgr_swalayan", "CV Tenggarong Jaya Swalayan", "trade", "47112", "64.02", 45,
                "Jl. Kartanegara No. 31, Tenggarong", "tenggarongjaya@swalayan.demo", "+62541661920",
                registered=D(2025, 5, 12)),
    CompanySpec("sangatta_mart", "PT Sangatta Citra Mart", "trade", "47111", "64.08", 90,
                "Jl. Yos Sudarso No. 71, Sangatta Utara", "hrd@sangattacitramart.demo", "+62549211021",
                registered=D(2025, 5, 5)),
    CompanySpec("grogot", "PT Grogot Maju Bersama", "trade", "47111", "64.01", 60,
                "Jl. Kesuma Bangsa No. 9, Tanah Grogot", "admin@grogotmaju.demo", "+62543221122",
                registered=D(2025, 5, 19)),
    CompanySpec("etam_dist", "PT Etam Distribusi Nusantara", "trade", "46900", "64.72", 150,
                "Jl. Ir. Sutami No. 40, Sungai Kunjang, Samarinda", "hrd@etamdistribusi.demo", "+62541771223",
                registered=D(2025, 4, 28)),
    # Motorcycle workshops: 12-60.
    CompanySpec("sinar_motor", "CV Sinar Motor Balikpapan", "motorcycle_repair", "45405", "64.71", 38,
                "Jl. MT Haryono No. 120, Balikpapan Selatan", "servis@sinarmotorbpp.demo", "+62542751324",
                registered=D(2025, 2, 5)),
    CompanySpec("kaltim_motor", "PT Kaltim Motor Utama", "motorcycle_repair", "45405", "64.72", 60,
                "Jl. DI Panjaitan No. 88, Samarinda Utara", "hrd@kaltimmotorutama.demo", "+62541761425",
                registered=D(2025, 1, 29)),
    CompanySpec("penajam_motor", "CV Penajam Jaya Motor", "motorcycle_repair", "45405", "64.09", 14,
                "Jl. Provinsi Km 2, Nipah-Nipah, Penajam", "penajamjayamotor@bengkel.demo", "+62542721526",
                registered=D(2025, 5, 21)),
    CompanySpec("mahakam_motor", "CV Mahakam Motor Tenggarong", "motorcycle_repair", "45405", "64.02", 26,
                "Jl. Wolter Monginsidi No. 5, Tenggarong", "servis@mahakammotor.demo", "+62541661627",
                registered=D(2025, 5, 7)),
    CompanySpec("sangatta_motor", "CV Sangatta Motor Service", "motorcycle_repair", "45405", "64.08", 20,
                "Jl. Soekarno-Hatta No. 17, Sangatta Selatan", "bengkel@sangattamotor.demo", "+62549241728",
                registered=D(2025, 5, 26)),
    # Construction: 80-900.
    CompanySpec("smd_bangun", "PT Samarinda Bangun Persada", "construction", "41011", "64.72", 340,
                "Jl. Juanda No. 55, Samarinda Ulu", "hrd@samarindabangun.demo", "+62541751829",
                registered=D(2025, 4, 21)),
    CompanySpec("btg_industri", "PT Bontang Konstruksi Industri", "construction", "41012", "64.74", 480,
                "Jl. Ir. H. Juanda No. 21, Bontang Selatan", "rekrutmen@bontangkonstruksi.demo", "+62548221930",
                registered=D(2025, 1, 24)),
    CompanySpec("ikn", "PT Nusantara Ibu Kota Konstruksi", "construction", "41012", "64.09", 900,
                "Jl. Sepaku-Semoi Km 3, Sepaku", "hrd@nusantarakonstruksi.demo", "+62542721931",
                registered=D(2025, 1, 17)),
    CompanySpec("tjr_karya", "CV Tanjung Redeb Karya", "construction", "41011", "64.03", 85,
                "Jl. Durian III No. 14, Tanjung Redeb", "admin@tanjungredebkarya.demo", "+62554222032",
                registered=D(2025, 5, 14)),
    CompanySpec("kaltim_instalasi", "PT Kaltim Instalasi Teknik", "construction", "43211", "64.71", 150,
                "Jl. Mulawarman No. 33, Balikpapan Timur", "hrd@kaltiminstalasi.demo", "+62542762133",
                registered=D(2025, 4, 23)),
    # Hotels and building cleaning: 60-250.
    CompanySpec("hotel_mahakam", "Hotel Mahakam Samarinda (PT Mahakam Hospitality)", "housekeeping", "55110",
                "64.72", 180, "Jl. Mulawarman No. 7, Samarinda Kota", "hr@hotelmahakam.demo", "+62541742234",
                registered=D(2025, 2, 12)),
    CompanySpec("hotel_bontang", "Hotel Bontang Indah (PT Bontang Indah Wisata)", "housekeeping", "55110",
                "64.74", 95, "Jl. Jenderal Sudirman No. 40, Bontang Utara", "hr@hotelbontangindah.demo",
                "+62548232335", registered=D(2025, 5, 8)),
    CompanySpec("kaltim_clean", "PT Kaltim Clean Service", "housekeeping", "81210", "64.71", 240,
                "Jl. Letjen Suprapto No. 18, Balikpapan Barat", "admin@kaltimclean.demo", "+62542742436",
                registered=D(2025, 2, 7)),
]
OTHER_COMPANIES = [  # not verified: two waiting, one rejected
    CompanySpec("tgr_las", "CV Tenggarong Las Mandiri", "construction", "43211", "64.02", 82,
                "Jl. Panjaitan No. 61, Tenggarong", "laspandai@tenggaronglas.demo", "+62541662537",
                login=f"daftar.perusahaan@{core.DEMO_DOMAIN}", user_name="Rudi Hartono",
                registered=D(2025, 11, 10), status=CompanyStatus.PENDING),
    CompanySpec("paser_ritel", "PT Paser Ritel Makmur", "trade", "47111", "64.01", 70,
                "Jl. Noto Sunardi No. 3, Tanah Grogot", "hrd@paserritel.demo", "+62543212638",
                registered=D(2025, 11, 12), status=CompanyStatus.PENDING),
    CompanySpec("rejeki_motor", "CV Sumber Rejeki Motor", "motorcycle_repair", "45405", "64.72", 12,
                "Jl. Lambung Mangkurat No. 2, Samarinda Ilir", "sumberrejeki@bengkel.demo", "+62541732739",
                registered=D(2025, 8, 20), status=CompanyStatus.REJECTED,
                note="NIB tidak terdaftar di OSS atas nama perusahaan ini; daftar ulang dengan NIB yang benar."),
]
COMPANY_KEYS = {spec.key: spec for spec in COMPANIES + OTHER_COMPANIES}
EXISTING_LOGINS = {u.email for u in core.STAFF_USERS}  # made by core.make_users (hrd.tambang, hrd.ritel)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    company: str


# The company users the demo command prints (beyond STAFF_USERS); every other company logs in with its email.
COMPANY_USERS = [DemoLogin(s.login, s.user_name, s.name) for s in COMPANIES + OTHER_COMPANIES
                 if s.login and s.login not in EXISTING_LOGINS]
SMALL_COMPANY = 100  # employees: below, the company user is also its (first) mentor


# Journey S4: this company user has an apprentice whose last logbook week waits for confirmation (journey_week).
JOURNEY_COMPANY_LOGIN = f"hrd.tambang@{core.DEMO_DOMAIN}"


def journey_week() -> LogbookEntry | None:
    """Journey S4: the logbook week (the week before DEMO_TODAY's) written by an apprentice of PT Borneo Tambang
    Lestari and awaiting the confirmation of its company user (JOURNEY_COMPANY_LOGIN)."""
    week = rules.week_start(core.DEMO_TODAY) - datetime.timedelta(days=7)
    return (LogbookEntry.objects.filter(placement__company__memberships__user__email=JOURNEY_COMPANY_LOGIN,
                                        week_start=week, confirmed_at__isnull=True)
            .select_related("placement__person", "placement__company").order_by("placement_id").first())


def company_login(spec: CompanySpec) -> str:
    return spec.login or spec.email


def demo_logins() -> list[str]:
    """The emails of the accounts this step makes: one per company (STAFF_USERS already has two)."""
    return [company_login(s) for s in COMPANIES + OTHER_COMPANIES if company_login(s) not in EXISTING_LOGINS]


def other_company_logins() -> list[str]:
    """The companies' accounts that are not in COMPANY_USERS (they log in with the company's email)."""
    printed = EXISTING_LOGINS | {login.email for login in COMPANY_USERS}
    return [login for login in demo_logins() if login not in printed]


MENTOR_POSITIONS = {
    "mining": ["Foreman Produksi", "Trainer Operator Alat Berat", "Foreman Mekanik Plant", "Supervisor K3 Tambang"],
    "trade": ["Kepala Toko", "Supervisor Kasir", "Kepala Gudang"],
    "motorcycle_repair": ["Kepala Bengkel", "Mekanik Senior"],
    "construction": ["Pelaksana Lapangan", "Mandor Las", "Ahli K3 Konstruksi", "Site Engineer"],
    "housekeeping": ["Executive Housekeeper", "Supervisor Housekeeping", "Floor Supervisor"],
}

# --- offers ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    title: str
    kbji: str
    vocations: tuple[str, ...]
    min_education: str
    max_age: int | None
    hours: int
    criteria: tuple[str, ...]
    description: str
    weeks: tuple[str, ...]  # what an apprentice writes in the logbook, week after week


TEMPLATES = {
    "operator": Template(
        "Operator Alat Berat (Excavator)", "8342", ("operator_excavator",), "SMA", 35, 45,
        ("certificate", "vocation", "education"),
        "Pemagangan operator excavator di area tambang: P2H, pengoperasian di front loading dan perawatan harian, "
        "didampingi operator senior. SIMPER diurus perusahaan.",
        ("Induksi K3 tambang, pengenalan area pit dan aturan lalu lintas tambang",
         "Pemeriksaan harian (P2H) excavator bersama operator senior",
         "Latihan pengoperasian dasar excavator di area latihan (swing, travel, digging)",
         "Loading material ke dump truck dengan pendampingan operator senior",
         "Perawatan harian unit: greasing, cek level oli dan kebersihan kabin",
         "Pekerjaan trimming dan perapian jalan tambang",
         "Kelas teori: rambu tambang, prosedur darurat dan komunikasi radio",
         "Pengoperasian excavator di front loading shift siang, dicatat di logsheet")),
    "dump_truck": Template(
        "Operator Dump Truck Tambang", "8332", ("operator_dump_truck",), "SMA", 35, 45,
        ("certificate", "vocation", "nearby"),
        "Pemagangan operator dump truck: P2H, hauling dari front ke disposal dan keselamatan jalan tambang. "
        "Wajib SIM B1 umum atau bersedia mengurusnya.",
        ("Induksi K3 dan pengenalan jalan angkut (hauling road)",
         "P2H dump truck dan pengisian checklist",
         "Latihan mengemudi di jalan angkut kosong didampingi instruktur",
         "Hauling material dari front ke disposal dengan pendampingan",
         "Prosedur antre loading dan dumping yang aman",
         "Kelas teori: rambu jalan tambang dan fatigue management",
         "Pengamatan perawatan ban dan sistem rem di workshop")),
    "mechanic": Template(
        "Mekanik Alat Berat", "7233", ("mekanik_dasar_alat_berat",), "SMA", 35, 40,
        ("certificate", "vocation", "education"),
        "Pemagangan mekanik di workshop alat berat: servis berkala, sistem hidrolik, undercarriage dan kelistrikan "
        "dasar.",
        ("Induksi K3 workshop dan prosedur lock-out tag-out (LOTO)",
         "Membantu servis berkala 250 jam unit excavator",
         "Penggantian filter oli, filter bahan bakar dan filter hidrolik",
         "Pemeriksaan kebocoran sistem hidrolik dan pencatatan temuan",
         "Pengukuran keausan undercarriage bersama mekanik senior",
         "Troubleshooting kelistrikan dasar: baterai, alternator dan starter",
         "Kelas teori: membaca manual servis dan parts book",
         "Membantu overhaul komponen di component rebuild center")),
    "cashier": Template(
        "Kasir Ritel", "5230", ("kasir_ritel",), "SMA", 30, 40, ("vocation", "nearby", "early"),
        "Pemagangan kasir di gerai swalayan: transaksi tunai dan non-tunai, serah terima kas dan layanan pelanggan.",
        ("Orientasi toko, SOP kasir dan budaya layanan pelanggan",
         "Latihan transaksi di mesin kasir (POS) didampingi supervisor",
         "Melayani transaksi tunai dan non-tunai (QRIS, debit)",
         "Serah terima kas dan rekap penjualan akhir shift",
         "Penanganan retur dan pembatalan transaksi sesuai SOP",
         "Kelas teori: pencegahan uang palsu dan selisih kas",
         "Melayani kasir pada jam sibuk akhir pekan")),
    "shop": Template(
        "Pramuniaga", "5223", ("pramuniaga_ritel",), "SMA", 30, 40, ("vocation", "nearby", "early"),
        "Pemagangan pramuniaga: penataan barang, pengisian rak, stock opname dan pelayanan pelanggan.",
        ("Orientasi toko dan pengenalan kategori barang",
         "Penataan barang (display) dan pengecekan tanggal kedaluwarsa",
         "Pengisian rak (replenishment) dan pelabelan harga",
         "Stock opname rak bersama kepala toko",
         "Melayani dan memberi informasi produk kepada pelanggan",
         "Kelas teori: planogram dan FIFO/FEFO",
         "Persiapan promosi mingguan dan pemasangan materi promosi")),
    "warehouse": Template(
        "Staf Administrasi Gudang", "4321", ("staf_gudang",), "SMA", 35, 40, ("vocation", "education", "nearby"),
        "Pemagangan di gudang distribusi: penerimaan barang, input stok, picking dan stock opname.",
        ("Orientasi gudang dan K3 penanganan barang",
         "Penerimaan barang dan pengecekan dokumen (surat jalan)",
         "Input data stok ke sistem gudang",
         "Picking dan packing pesanan toko",
         "Stock opname mingguan dan pelaporan selisih",
         "Kelas teori: FIFO, penataan rak dan pelabelan lokasi")),
    "motorcycle": Template(
        "Mekanik Sepeda Motor", "7231", ("pemeliharaan_sepeda_motor_injeksi",), "SMP", 35, 40,
        ("vocation", "certificate", "nearby"),
        "Pemagangan di bengkel sepeda motor: servis berkala, CVT, sistem injeksi dan kelistrikan.",
        ("Orientasi bengkel, K3 dan penggunaan alat",
         "Servis ringan: ganti oli, cek rantai, setel rem",
         "Servis CVT: pembersihan dan penggantian v-belt dan roller",
         "Pembersihan throttle body dan pengecekan injektor",
         "Pemeriksaan sistem kelistrikan dan pengisian aki",
         "Diagnosis kerusakan dengan scan tool bersama mekanik senior",
         "Kelas teori: sistem injeksi dan kode kerusakan",
         "Melayani servis berkala pelanggan dengan supervisi")),
    "mason": Template(
        "Tukang Pasang Bata", "7112", ("tukang_pasang_bata",), "SMP", None, 40, ("vocation", "certificate", "nearby"),
        "Pemagangan tukang pasang bata di proyek gedung: adukan, pasangan bata, plesteran dan acian.",
        ("Induksi K3 proyek dan penggunaan APD",
         "Membantu pengukuran dan pemasangan bowplank",
         "Pembuatan adukan spesi sesuai perbandingan",
         "Pemasangan bata ringan dinding lantai 1",
         "Pekerjaan plesteran dan acian dinding",
         "Kelas teori: membaca gambar kerja dan menghitung kebutuhan bahan",
         "Pemasangan kusen dan perapian sudut dinding")),
    "welder": Template(
        "Juru Las SMAW", "7212", ("plate_welder_smaw_3g",), "SMP", 35, 40, ("certificate", "vocation", "nearby"),
        "Pemagangan juru las SMAW di fabrikasi dan proyek: persiapan kampuh, pengelasan 1G-3G dan inspeksi visual.",
        ("Induksi K3 pengelasan dan pemeriksaan alat las",
         "Persiapan material: pemotongan dan pembuatan kampuh (bevel)",
         "Latihan pengelasan SMAW posisi 1G dan 2G",
         "Pengelasan posisi 3G pada plat uji bersama welder senior",
         "Pemeriksaan visual hasil las dan perbaikan cacat",
         "Kelas teori: simbol las, WPS dan jenis elektroda",
         "Membantu fabrikasi rangka baja di workshop")),
    "safety": Template(
        "Teknisi Perancah dan K3 Konstruksi", "7119", ("scaffolder",), "SMA", 35, 40,
        ("certificate", "vocation", "education"),
        "Pemagangan perancah (scaffolding) dan K3 proyek: inspeksi perancah, safety talk dan pelaporan K3.",
        ("Induksi K3 konstruksi dan izin kerja (permit to work)",
         "Inspeksi harian perancah dan pemasangan scaff tag",
         "Membantu pemasangan dan pembongkaran perancah",
         "Safety talk pagi dan pencatatan kehadiran",
         "Inspeksi APD dan alat pemadam api ringan",
         "Kelas teori: identifikasi bahaya (HIRADC) dan JSA",
         "Pencatatan near miss dan laporan mingguan K3")),
    "electrician": Template(
        "Teknisi Instalasi Listrik Bangunan", "7411", ("instalasi_listrik_bangunan_sederhana",), "SMA", 35, 40,
        ("certificate", "vocation", "nearby"),
        "Pemagangan instalasi listrik gedung: jalur kabel, panel, grounding dan pengujian instalasi.",
        ("Induksi K3 listrik dan prosedur LOTO",
         "Pemasangan jalur pipa dan kabel instalasi penerangan",
         "Pemasangan panel bagi (MCB) dan grounding",
         "Pengukuran tahanan isolasi dan pengujian instalasi",
         "Kelas teori: PUIL dan membaca gambar instalasi")),
    "room": Template(
        "Room Attendant (Housekeeping)", "9112", ("housekeeping_room_attendant",), "SMA", 30, 40,
        ("vocation", "certificate", "nearby"),
        "Pemagangan room attendant: pembersihan kamar, making bed, amenities dan laporan kamar.",
        ("Orientasi hotel, standar grooming dan SOP housekeeping",
         "Membersihkan kamar check-out bersama room attendant senior",
         "Making bed dan penataan amenities sesuai standar",
         "Pembersihan kamar mandi dan pemeriksaan minibar",
         "Penanganan lost and found serta laporan kamar",
         "Kelas teori: bahan kimia pembersih dan keselamatan kerja",
         "Membersihkan 8-10 kamar per shift dengan supervisi")),
    "cleaning": Template(
        "Petugas Kebersihan Gedung (Cleaning Service)", "9112", ("cleaning_service",), "SMP", 35, 40,
        ("vocation", "nearby", "early"),
        "Pemagangan cleaning service di gedung perkantoran dan rumah sakit mitra.",
        ("Orientasi area kerja dan SOP kebersihan gedung",
         "Pembersihan area publik (lobi, toilet, koridor)",
         "Penggunaan mesin poles lantai dan vacuum",
         "Pembersihan kaca dan fasad lantai dasar",
         "Pengelolaan sampah dan pemilahan",
         "Kelas teori: bahan kimia pembersih dan APD")),
}
TEMPLATE_SECTOR = {"operator": "mining", "dump_truck": "mining", "mechanic": "mining", "cashier": "trade",
                   "shop": "trade", "warehouse": "trade", "motorcycle": "motorcycle_repair", "mason": "construction",
                   "welder": "construction", "safety": "construction", "electrician": "construction",
                   "room": "housekeeping", "cleaning": "housekeeping"}
ALLOWANCE = {"mining": (2_750_000, 3_500_000), "construction": (2_000_000, 2_750_000), "trade": (1_500_000, 2_250_000),
             "motorcycle_repair": (1_500_000, 2_000_000), "housekeeping": (1_750_000, 2_500_000)}
THEORY_PERCENTS = (10, 12, 15, 15, 20, 20, 25)


@dataclass(frozen=True)
class RoundSpec:
    name: str
    opens: datetime.date
    closes: datetime.date
    created: datetime.date  # the round is set up and its offers approved before it opens
    decided: datetime.date = None  # companies rank and reject from this day
    matched: datetime.date = None
    published: datetime.date = None
    apply_share: float = 0.85  # of the eligible free candidates


ROUNDS = {
    1: RoundSpec("Pemagangan 2025 Putaran 1", D(2025, 3, 10), D(2025, 4, 30), D(2025, 2, 24), D(2025, 5, 2),
                 D(2025, 5, 6), D(2025, 5, 8), apply_share=0.92),
    2: RoundSpec("Pemagangan 2025 Putaran 2", D(2025, 6, 16), D(2025, 7, 18), D(2025, 6, 2), D(2025, 7, 21),
                 D(2025, 7, 24), D(2025, 7, 25), apply_share=0.88),
    3: RoundSpec("Pemagangan 2025 Putaran 3", D(2025, 10, 27), D(2025, 11, 28), D(2025, 10, 13), apply_share=0.12),
}
# Start Mondays: round 1 in May-June (its 3-month programmes end in August / early September), round 2 in
# August, round 3 (open on DEMO_TODAY) in December and January; the two programmes outside the rounds in October
# and December (its agreements drafted or signed on DEMO_TODAY).
R1A, R1B, R1C = D(2025, 5, 19), D(2025, 6, 2), D(2025, 6, 16)
R2A, R2B, R2C = D(2025, 8, 4), D(2025, 8, 11), D(2025, 8, 25)
R3A, R3B = D(2025, 12, 8), D(2026, 1, 5)
OUT_A, OUT_B = D(2025, 10, 6), D(2025, 12, 1)


@dataclass(frozen=True)
class OfferSpec:
    company: str
    template: str
    round: int  # 1-3, 0 = outside the rounds (direct placements)
    start: datetime.date
    months: int
    slots: int
    also: tuple[str, ...] = ()  # other regencies where it takes place (then the province approves)
    status: str = OfferStatus.APPROVED
    require_certificate: bool = False
    title: str = ""  # "" = the template's
    note: str = ""  # why it was rejected


def _o(company, template, round_, start, months, slots, *also, **extra) -> OfferSpec:
    return OfferSpec(company, template, round_, start, months, slots, also, **extra)


OFFERS = [
    # Putaran 1: 22 programmes, mostly 3 months (retail, workshops, construction, hotels); mining 6-12 months.
    _o("borneo", "operator", 1, R1A, 6, 10),
    _o("paser", "mechanic", 1, R1B, 6, 6),
    _o("sangkulirang", "dump_truck", 1, R1A, 6, 8, "64.02"),
    _o("mahakam_ab", "mechanic", 1, R1B, 12, 5),
    _o("mahakam_ritel", "cashier", 1, R1A, 3, 12, "64.71"),
    _o("mahakam_ritel", "shop", 1, R1A, 3, 6),
    _o("bpp_swalayan", "shop", 1, R1B, 3, 6),
    _o("bontang_niaga", "cashier", 1, R1A, 3, 6),
    _o("benua", "warehouse", 1, R1B, 3, 4),
    _o("smd_mart", "cashier", 1, R1B, 3, 8),
    _o("bontang_motor", "motorcycle", 1, R1A, 3, 4),
    _o("tepian_motor", "motorcycle", 1, R1A, 3, 3),
    _o("sinar_motor", "motorcycle", 1, R1A, 3, 6),
    _o("kaltim_motor", "motorcycle", 1, R1A, 3, 10),
    _o("karya_bangun", "mason", 1, R1A, 3, 10),
    _o("karya_bangun", "welder", 1, R1B, 3, 8),
    _o("ikn", "mason", 1, R1B, 3, 10, "64.71"),
    _o("ikn", "safety", 1, R1C, 6, 6),
    _o("penajam_konstruksi", "mason", 1, R1B, 3, 8),
    _o("btg_industri", "welder", 1, R1A, 3, 8),
    _o("hotel_teluk", "room", 1, R1A, 3, 5),
    _o("hotel_mahakam", "room", 1, R1B, 3, 6),
    _o("kaltim_clean", "cleaning", 1, R1B, 3, 6),
    # Putaran 2: 33 programmes from August.
    _o("borneo", "mechanic", 2, R2A, 12, 8),
    _o("sangatta", "operator", 2, R2A, 6, 8, require_certificate=True),
    _o("sangatta", "dump_truck", 2, R2B, 12, 6),
    _o("kubar", "operator", 2, R2A, 6, 10),
    _o("berau_tambang", "operator", 2, R2B, 6, 10),
    _o("berau_tambang", "mechanic", 2, R2B, 6, 6),
    _o("samboja", "dump_truck", 2, R2C, 4, 6),
    _o("sangkulirang", "mechanic", 2, R2C, 6, 8, "64.02"),
    _o("paser", "operator", 2, R2B, 6, 8),
    _o("mahakam_ab", "operator", 2, R2A, 6, 6),
    _o("mahakam_ritel", "shop", 2, R2A, 3, 10),
    _o("bpp_swalayan", "cashier", 2, R2A, 3, 10),
    _o("smd_mart", "shop", 2, R2B, 3, 8),
    _o("tgr_swalayan", "cashier", 2, R2B, 3, 4),
    _o("sangatta_mart", "shop", 2, R2A, 4, 5),
    _o("grogot", "cashier", 2, R2B, 3, 4),
    _o("etam_dist", "warehouse", 2, R2A, 6, 6),
    _o("bontang_niaga", "shop", 2, R2C, 3, 8),
    _o("bontang_motor", "motorcycle", 2, R2C, 3, 4),
    _o("sinar_motor", "motorcycle", 2, R2C, 3, 7),
    _o("penajam_motor", "motorcycle", 2, R2C, 3, 2),
    _o("mahakam_motor", "motorcycle", 2, R2A, 3, 5),
    _o("sangatta_motor", "motorcycle", 2, R2B, 3, 4),
    _o("kaltim_motor", "motorcycle", 2, R2C, 3, 12),
    _o("smd_bangun", "mason", 2, R2A, 4, 10),
    _o("smd_bangun", "welder", 2, R2B, 4, 6),
    _o("penajam_konstruksi", "mason", 2, R2A, 3, 8),
    _o("tjr_karya", "mason", 2, R2B, 3, 5),
    _o("kaltim_instalasi", "electrician", 2, R2A, 6, 6),
    _o("btg_industri", "safety", 2, R2B, 6, 6),
    _o("karya_bangun", "welder", 2, R2C, 3, 8),
    _o("hotel_teluk", "room", 2, R2C, 3, 6),
    _o("hotel_bontang", "room", 2, R2A, 3, 5),
    _o("berau_bersih", "cleaning", 2, R2B, 3, 5),
    _o("hotel_mahakam", "room", 2, R2C, 3, 5),
    # Putaran 3 (open): November starts.
    _o("sangatta", "mechanic", 3, R3A, 6, 8),
    _o("borneo", "operator", 3, R3A, 6, 10),
    _o("mahakam_ritel", "cashier", 3, R3A, 3, 10),
    _o("karya_bangun", "mason", 3, R3B, 3, 8),
    _o("tepian_motor", "motorcycle", 3, R3A, 3, 3),
    _o("hotel_mahakam", "room", 3, R3B, 3, 5),
    _o("kaltim_clean", "cleaning", 3, R3A, 3, 6),
    # Outside the rounds: the companies' own programmes, filled by direct placements.
    _o("sangkulirang", "dump_truck", 0, D(2025, 8, 25), 6, 8, title="Operator Dump Truck (Program Perusahaan)"),
    _o("ikn", "mason", 0, OUT_A, 3, 8, title="Tukang Pasang Bata (Percepatan Proyek Gedung)"),
    _o("hotel_teluk", "room", 0, OUT_B, 3, 4, title="Room Attendant (Angkatan Desember)"),
    # Not (yet) approved.
    _o("sangatta_mart", "cashier", 0, D(2025, 12, 1), 3, 4, status=OfferStatus.DRAFT),
    _o("bontang_niaga", "warehouse", 0, D(2025, 12, 1), 3, 4, status=OfferStatus.DRAFT),
    _o("kubar", "mechanic", 0, D(2026, 1, 5), 6, 6, status=OfferStatus.DRAFT),
    _o("btg_industri", "welder", 0, R3B, 6, 8, status=OfferStatus.SUBMITTED),
    _o("berau_tambang", "dump_truck", 0, D(2025, 12, 1), 6, 8, status=OfferStatus.SUBMITTED),
    _o("grogot", "shop", 0, D(2025, 10, 6), 3, 4, status=OfferStatus.REJECTED,
       note="Uraian program dan jadwal teori belum dilampirkan; lengkapi lalu ajukan kembali."),
]

# The approving authority's letter number: per regency Disnaker, or the province.
AUTHORITY_CODES = {"64.01": "PASER", "64.02": "KUKAR", "64.03": "BERAU", "64.07": "KUBAR", "64.08": "KUTIM",
                   "64.09": "PPU", "64.11": "MAHULU", "64.71": "BPP", "64.72": "SMD", "64.74": "BTG"}
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]

# --- candidates ------------------------------------------------------------------------------------------------

# The sectors a person who trained in a sector looks at (weights); "other" vocations have their own.
SECTOR_INTEREST = {
    "mining": {"mining": 10, "construction": 1.5, "motorcycle_repair": 1},
    "construction": {"construction": 10, "mining": 2.5},
    "motorcycle_repair": {"motorcycle_repair": 10, "mining": 3},
    "trade": {"trade": 10, "housekeeping": 2},
    "housekeeping": {"housekeeping": 10, "trade": 2.5},
}
VOCATION_INTEREST = {
    "kendaraan_ringan_injeksi": {"motorcycle_repair": 6, "mining": 3},
    "operator_mesin_bubut": {"mining": 5, "construction": 4},
    "otomasi_listrik_industri": {"construction": 5, "mining": 3},
    "teknisi_ac_residensial": {"construction": 4, "housekeeping": 2},
    "administrasi_perkantoran": {"trade": 6, "housekeeping": 1},
    "sekretaris_junior": {"trade": 6, "housekeeping": 1},
    "barista": {"housekeeping": 5, "trade": 4},
    "pembuatan_roti_kue": {"housekeeping": 4, "trade": 5},
    "menjahit_pakaian": {"trade": 5, "housekeeping": 4},
}
OTHER_INTEREST = {"trade": 4, "housekeeping": 3, "construction": 1}
WOMEN_FACTOR = {"mining": 0.3, "construction": 0.3, "motorcycle_repair": 0.4, "trade": 1.5, "housekeeping": 2.0}
CHOICE_COUNTS = {1: 25, 2: 35, 3: 40}

REJECT_NOTES = ["Tidak hadir pada jadwal wawancara.", "Tidak lulus tes kesehatan (medical check-up).",
                "Tidak bersedia ditempatkan di lokasi kerja.", "Dokumen persyaratan tidak lengkap."]
DIRECT_REASONS = [
    "slot kosong setelah {round}; peserta lulus pelatihan {vocation} pada {month}",
    "permintaan perusahaan setelah wawancara langsung di BLKI; slot masih tersedia",
    "peserta baru menyelesaikan pelatihan {vocation} setelah pendaftaran {round} ditutup",
]
OWN_PROGRAMME_REASON = "program pemagangan perusahaan di luar putaran; peserta diusulkan BLKI setelah wawancara"
TRANSFER_REASONS = {
    "mining": "kegiatan di pit dihentikan sementara oleh perusahaan; dipindahkan ke perusahaan lain di bidang sama",
    "construction": "pekerjaan struktur proyek selesai lebih awal; dipindahkan ke proyek perusahaan lain",
    "motorcycle_repair": "bengkel direnovasi dan berhenti menerima peserta selama dua bulan",
    "trade": "gerai tempat pemagangan ditutup untuk renovasi; dipindahkan ke perusahaan ritel lain",
    "housekeeping": "peserta pindah domisili mengikuti keluarga; dipindahkan ke hotel di dekat tempat tinggal baru",
}
STOP_REASONS = {
    "diterima bekerja sebagai karyawan kontrak di perusahaan lain": 35,
    "diterima bekerja di perusahaan tempat orang tua bekerja": 15,
    "pindah domisili ke luar Kalimantan Timur mengikuti keluarga": 20,
    "alasan kesehatan (surat keterangan dokter)": 20,
    "mengundurkan diri karena alasan keluarga": 10,
}
PAUSE_REASONS = ["cuti sakit dua minggu (surat keterangan dokter)", "izin keluarga: orang tua dirawat di rumah sakit",
                 "kecelakaan ringan di luar jam kerja; istirahat sesuai anjuran dokter"]
RESUME_REASON = "kembali mengikuti program"
PASSED_NOTES = ["Disiplin dan cepat belajar; direkomendasikan untuk direkrut.",
                "Menguasai tugas pokok sesuai program; perlu meningkatkan ketelitian.",
                "Kehadiran baik, hasil kerja memenuhi standar perusahaan.",
                "Sikap kerja baik; mampu bekerja mandiri di akhir program."]
FAILED_NOTES = ["Kehadiran di bawah 80 % dan beberapa tugas pokok belum dikuasai.",
                "Belum konsisten menerapkan prosedur keselamatan kerja; disarankan mengulang program."]
MENTOR_NOTES = ["", "", "", "", "Baik, lanjutkan.", "Sudah sesuai target minggu ini.", "Perhatikan penggunaan APD.",
                "Lebih teliti dalam pencatatan.", "Inisiatif bagus.", "Tingkatkan kecepatan kerja."]
VISIT_FINDINGS = ["Peserta hadir dan bekerja sesuai program; logbook terisi.",
                  "Pembimbing aktif mendampingi; peserta memakai APD lengkap.",
                  "Uang saku dibayar tepat waktu; peserta terdaftar BPJS Ketenagakerjaan (JKK dan JKM).",
                  "Porsi teori berjalan sesuai program (kelas mingguan).",
                  "Peserta mengeluhkan jadwal shift malam; dibicarakan dengan pembimbing.",
                  "Beberapa minggu logbook belum dikonfirmasi pembimbing."]
VISIT_FOLLOW_UPS = ["", "", "", "Pembimbing diminta mengonfirmasi logbook yang tertunda.",
                    "Perusahaan menyesuaikan jadwal shift peserta.", "Kunjungan lanjutan bulan depan."]

# Shares of the placements (at the full size about 400): stopped, paused now, paused and resumed, flagged logbooks.
STOP_SHARE = 0.04
PAUSE_SHARE = 0.013
RESUMED_SHARE = 0.006
FLAGGED_SHARE = 0.12
FAILED_SHARE = 0.06  # of the completed: not passed
VISITED_SHARE = 0.33
LATE_CONFIRM_SHARE = 0.03  # logbook weeks the mentor never got round to (in between confirmed ones)
DIRECT_PLACEMENTS = 45  # at the full size
DIRECT_DAYS = [D(2025, 6, 23), D(2025, 7, 7), D(2025, 7, 21), D(2025, 8, 25), D(2025, 9, 1), D(2025, 9, 8)]
TRANSFERS = 4
TRANSFER_DAYS = [D(2025, 7, 14), D(2025, 8, 11), D(2025, 8, 25), D(2025, 9, 1)]
UNTRAINED_IN_ROUND_3 = 0.004  # of the registered persons who never trained (round 3 is open to everyone)


# --- the story clock ---------------------------------------------------------------------------------------------


class _Clock:
    """What ``timezone.now`` answers while the story runs (see the module docstring)."""

    def __init__(self):
        self.moment = core._at(datetime.date(2025, 1, 2), datetime.time(8, 0))

    def now(self) -> datetime.datetime:
        return self.moment


# The models whose fields default to the clock (created_at, at, written_at, date_joined, ...) get the story clock too.
CLOCK_MODELS = [Company, Application, Placement, PlacementEvent, LogbookEntry, MonitoringVisit, User]


@contextmanager
def story_clock():
    """``timezone.now`` (so auto_now_add fields, the services' timestamps and the audit entries) and the fields whose
    default is ``timezone.now`` answer the story's moment, set with ``clock.moment = ...``."""
    clock = _Clock()
    real_now = timezone.now
    with contextlib.ExitStack() as stack:
        for model in CLOCK_MODELS:
            for field in model._meta.concrete_fields:
                if field.default is real_now:  # Field._get_default is a cached property: patch its value
                    stack.enter_context(mock.patch.object(field, "_get_default", clock.now))
        stack.enter_context(mock.patch.object(timezone, "now", clock.now))
        yield clock


def _seed(name: str) -> str:
    return hashlib.sha256(f"{core.SEED}:apprenticeships:{name}".encode()).hexdigest()[:32]


def _nib(name: str, used: set[str]) -> str:
    """A 13-digit NIB (as OSS issues them, starting 91...), derived from the name; unique."""
    number = int(hashlib.sha256(f"{core.SEED}:nib:{name}".encode()).hexdigest(), 16)
    while True:
        nib = f"912{number % 10**10:010d}"
        if nib not in used:
            used.add(nib)
            return nib
        number //= 7


def _working_day_on_or_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5 or day in core.HOLIDAYS_2025:
        day -= datetime.timedelta(days=1)
    return day


def _working_day_on_or_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5 or day in core.HOLIDAYS_2025:
        day += datetime.timedelta(days=1)
    return day


def _moment(rng: random.Random, day: datetime.date, first: int = 8, last: int = 16) -> datetime.datetime:
    return core._at(day, datetime.time(rng.randint(first, last), rng.randrange(60)))


def _area(regency: str) -> set[str]:
    """The centre(s) whose side of the province a regency is on (Samarinda lies between the two)."""
    if regency == "64.72":
        return {core.BALIKPAPAN, core.BONTANG}
    return {core.BONTANG if regency in core.BONTANG_REGENCIES else core.BALIKPAPAN}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Candidate:
    person: Person
    completed_on: datetime.date
    vocation: str
    sector: str
    centre_id: int
    schemes: frozenset

    @property
    def regency(self) -> str:
        return (self.person.village_id or "")[:5]


# --- the step ------------------------------------------------------------------------------------------------------


def make_apprenticeships(today: datetime.date) -> int:
    """The apprenticeship year up to ``today`` (DEMO_TODAY); returns the placements made."""
    year = core._programme_year()
    if year is None:
        return 0
    if MatchingRound.objects.filter(programme_year=year, name=ROUNDS[1].name).exists():
        return 0
    with job_signals.suspended():  # the candidate profiles are refreshed once, at the end
        with story_clock() as clock:
            story = _Story(year, today, clock)
            story.run()
        story.issue_certificates()
    refresh_profiles(Placement.objects.values_list("person_id", flat=True).distinct())
    return story.placements_made


class _Story:
    def __init__(self, year, today: datetime.date, clock: _Clock):
        self.year, self.today, self.clock = year, today, clock
        self.end_of_story = core._at(today, datetime.time(8, 0))  # nothing happens later than this
        self.placements_made = 0
        self.users = core._demo_users()
        self.admin = self.users.get(core.ADMIN_EMAIL)
        operators = core._operators()
        operator_users = User.objects.in_bulk(list(operators.values()))
        self.operators = {centre: operator_users[pk] for centre, pk in operators.items()}
        self.companies: dict[str, Company] = {}
        self.accounts: dict[int, User] = {}  # company id -> its (first) company user
        self.mentors: dict[int, list[Mentor]] = defaultdict(list)
        self.offers: dict[int, list[Offer]] = defaultdict(list)  # round -> approved offers (0: outside)
        self.rounds: dict[int, MatchingRound] = {}
        self.templates: dict[int, str] = {}  # offer id -> template key
        self.regencies: dict[int, list[str]] = {}  # offer id -> where it takes place
        self.completed: list[tuple[Placement, datetime.date]] = []  # passed, and the day
        self.paused: dict[int, list[tuple[datetime.date, datetime.date | None]]] = defaultdict(list)

    # -- helpers -----------------------------------------------------------------------------------------------

    def at(self, moment: datetime.datetime) -> None:
        self.clock.moment = min(moment, self.end_of_story)

    def account(self, company_id: int) -> User:
        return self.accounts[company_id]

    def confirmer(self, placement: Placement) -> User:
        mentor = self.mentor_of.get(placement.mentor_id)
        return mentor or self.account(placement.company_id)

    def run(self) -> None:
        self.make_companies()
        self.make_offers()
        self.candidates = self.load_candidates()
        self.placed: set[int] = set(Placement.objects.values_list("person_id", flat=True))
        for number in (1, 2):
            self.run_round(number)
        self.transfers()
        self.direct_placements()
        self.pauses_and_stops()
        self.completions()
        self.round_3()
        self.logbooks()
        self.visits()
        self.close_finished_offers()

    # -- companies -----------------------------------------------------------------------------------------------

    def make_companies(self) -> None:
        rng, fake = core._rng("apprenticeships:companies"), core._faker("apprenticeships:companies")
        password = (User.objects.filter(email=core.ADMIN_EMAIL).values_list("password", flat=True).first()
                    or make_password(core.DEMO_PASSWORD))  # the same password: no second slow hash
        existing = {c.name: c for c in Company.objects.filter(name__in=[s.name for s in COMPANY_KEYS.values()])}
        used = set(Company.objects.exclude(nib="").values_list("nib", flat=True))
        logins = {u.email: u for u in User.objects.filter(email__in=[company_login(s) for s in COMPANY_KEYS.values()])}
        for spec in sorted(COMPANY_KEYS.values(), key=lambda s: s.registered):
            registered = _moment(rng, spec.registered, 8, 15)
            self.at(registered)
            company = existing.get(spec.name)
            fields = {"nib": _nib(spec.name, used), "employees": spec.employees, "registered_at": registered}
            if company is None:
                company = Company.objects.create(
                    name=spec.name, sector_id=spec.sector, kbli=core._sector_kbli(spec.sector, spec.kbli),
                    region_id=spec.regency, address=spec.address, email=spec.email, phone=spec.phone,
                    status=CompanyStatus.PENDING, **fields)
            else:
                Company.objects.filter(pk=company.pk).update(status=CompanyStatus.PENDING, **fields)
                company.refresh_from_db()
            self.companies[spec.key] = company
            mentors = self.make_mentors(rng, fake, spec, company)
            user = logins.get(company_login(spec))
            if user is None:
                name = spec.user_name or (mentors[0][0] if spec.employees < SMALL_COMPANY else f"HRD {spec.name}")
                user = core._create_user(company_login(spec), name, password)
                Membership.objects.create(user=user, role=Role.COMPANY_USER, company=company)
            self.accounts[company.pk] = user
            record(AuditEntry.Action.CREATE, company, by=user, note="company registered itself")
            if spec.status == CompanyStatus.PENDING:
                continue
            decided = _working_day_on_or_after(spec.registered + datetime.timedelta(days=rng.randint(2, 6)))
            self.at(_moment(rng, decided, 9, 15))
            if spec.status == CompanyStatus.REJECTED:
                services.reject_company(company, reason=spec.note, by=self.admin)
                continue
            company = services.verify_company(company, by=self.admin, note="NIB dan izin usaha sesuai data OSS")
            self.companies[spec.key] = company
            self.at(_moment(rng, decided + datetime.timedelta(days=1), 9, 16))
            for index, (name, position, phone, email) in enumerate(mentors):
                linked = user if index == 0 and spec.employees < SMALL_COMPANY else None
                mentor = services.add_mentor(company, name=name, position=position, phone=phone, email=email,
                                             user=linked, by=user)
                self.mentors[company.pk].append(mentor)
        self.mentor_of = {m.pk: m.user for ms in self.mentors.values() for m in ms if m.user_id}

    def make_mentors(self, rng, fake, spec: CompanySpec, company: Company) -> list[tuple]:
        count = 1 if spec.employees < 40 else 2 if spec.employees < 300 else 3
        positions = MENTOR_POSITIONS[spec.sector]
        domain = (spec.email or "perusahaan.demo").split("@")[1]
        mentors = []
        for index in range(count):
            male = rng.random() < (0.4 if spec.sector in ("trade", "housekeeping") else 0.85)
            name = (f"{fake.first_name_male()} {fake.last_name_male()}" if male
                    else f"{fake.first_name_female()} {fake.last_name_female()}")
            local = ".".join(name.lower().replace("'", "").split()[:2])
            phone = f"+62{rng.choice(core.MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}"
            mentors.append((name, positions[index % len(positions)], phone, f"{local}@{domain}"))
        return mentors

    # -- offers ----------------------------------------------------------------------------------------------------

    def make_offers(self) -> None:
        rng = core._rng("apprenticeships:offers")
        vocations = {v.code: v for v in Vocation.objects.all()}
        schemes = {s.code: s for s in Scheme.objects.all()}
        occupations = {k.code: k for k in Kbji.objects.all()}
        levels = {e.code: e for e in EducationLevel.objects.all()}
        for number, spec in ROUNDS.items():
            self.at(_moment(rng, spec.created, 9, 11))
            self.rounds[number] = MatchingRound.objects.create(
                programme_year=self.year, name=spec.name, opens_at=spec.opens, closes_at=spec.closes, max_choices=3,
                pool=CandidatePool.ALL if number == 3 else CandidatePool.TRAINED, lottery_seed=_seed(spec.name))
            record(AuditEntry.Action.CREATE, self.rounds[number], by=self.admin)
        letters = defaultdict(int)
        for spec in OFFERS:
            company = self.companies[spec.company]
            template = TEMPLATES[spec.template]
            sector = TEMPLATE_SECTOR[spec.template]
            wanted = [vocations[code] for code in template.vocations if code in vocations]
            scheme = None
            if wanted:
                scheme = schemes.get(assessment_demo.scheme_code(assessment_demo.scheme_spec(wanted[0])))
            low, high = ALLOWANCE[sector]
            if spec.round:
                approve_by = ROUNDS[spec.round].created + datetime.timedelta(days=rng.randint(3, 10))
            else:
                approve_by = spec.start - datetime.timedelta(days=rng.randint(28, 40))
            approve_by = _working_day_on_or_before(min(approve_by, self.today - datetime.timedelta(days=3)))
            created = _working_day_on_or_before(approve_by - datetime.timedelta(days=rng.randint(10, 20)))
            created = max(created, _working_day_on_or_after(timezone.localdate(company.verified_at)
                                                            + datetime.timedelta(days=1)))
            self.at(_moment(rng, created, 9, 16))
            user = self.account(company.pk)
            offer = Offer.objects.create(
                company=company, programme_year=self.year, title=spec.title or template.title,
                occupation=occupations[template.kbji], description=template.description, slots=spec.slots,
                start_date=spec.start, months=spec.months, theory_percent=rng.choice(THEORY_PERCENTS),
                hours_per_week=template.hours, address=company.address,
                allowance=rng.randrange(low, high + 1, 50_000), insurance=True,
                min_education=levels.get(template.min_education), scheme=scheme,
                require_certificate=spec.require_certificate, min_age=18, max_age=template.max_age,
                criteria=list(template.criteria), created_by=user)
            offer.locations.set([company.region_id, *spec.also])
            self.regencies[offer.pk] = [company.region_id, *spec.also]
            offer.vocations.set(wanted)
            offer.mentors.set(self.mentors[company.pk][:2])
            record(AuditEntry.Action.CREATE, offer, by=user)
            self.templates[offer.pk] = spec.template
            if spec.status == OfferStatus.DRAFT:
                continue
            submitted = _working_day_on_or_after(created + datetime.timedelta(days=rng.randint(1, 4)))
            self.at(_moment(rng, submitted, 9, 16))
            services.submit_offer(offer, by=user)
            if spec.status == OfferStatus.SUBMITTED:
                continue
            self.at(_moment(rng, max(approve_by, submitted + datetime.timedelta(days=1)), 9, 15))
            if spec.status == OfferStatus.REJECTED:
                services.reject_offer(offer, reason=spec.note, by=self.admin)
                continue
            level, region = rules.authority_for([company.region_id, *spec.also])
            letters[region] += 1
            issuer = "DISNAKERTRANS-KT" if level == "province" else f"DISNAKER-{AUTHORITY_CODES.get(region, region)}"
            month = timezone.localdate(self.clock.moment).month
            number = f"560/{letters[region] + 100:04d}/PMG/{issuer}/{ROMAN[month]}/2025"
            offer = services.approve_offer(offer, by=self.admin, approval_number=number,
                                           matching_round=self.rounds.get(spec.round))
            self.offers[spec.round].append(offer)

    # -- candidates and rounds ----------------------------------------------------------------------------------

    def load_candidates(self) -> list[Candidate]:
        """Every person who completed a 2025 training, with the day they did and the schemes they hold."""
        rows = (Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, batch__programme_year=self.year)
                .exclude(person__user__email=core.JOB_SEEKER_EMAIL)
                .values_list("person_id", "completed_at", "batch__package__vocation__code",
                             "batch__package__vocation__sector_id", "batch__centre_id")
                .order_by("person_id"))
        schemes = defaultdict(set)
        for person_id, code in (Certificate.objects.current().filter(kind=CertificateKind.COMPETENCY)
                                .values_list("person_id", "scheme_code")):
            schemes[person_id].add(code)
        persons = Person.objects.select_related("education").in_bulk([row[0] for row in rows])
        return [Candidate(persons[pk], timezone.localdate(completed_at), vocation, sector, centre,
                          frozenset(schemes.get(pk, ())))
                for pk, completed_at, vocation, sector, centre in rows if completed_at is not None]

    def interest(self, candidate: Candidate, offer: Offer) -> float:
        sector = TEMPLATE_SECTOR[self.templates[offer.pk]]
        interests = (SECTOR_INTEREST.get(candidate.sector) or VOCATION_INTEREST.get(candidate.vocation)
                     or OTHER_INTEREST)
        weight = interests.get(sector, 0.05)
        if candidate.person.sex == "P":
            weight *= WOMEN_FACTOR.get(sector, 1)
        if candidate.vocation in TEMPLATES[self.templates[offer.pk]].vocations:
            weight *= 3
        if sector != "mining":  # mine sites house their apprentices; elsewhere, nearer is better
            regencies = self.regencies[offer.pk]
            if candidate.regency in regencies:
                weight *= 4
            elif _area(candidate.regency) & set().union(*map(_area, regencies)):
                weight *= 1.5
            else:
                weight *= 0.4
        return weight * offer.slots ** 0.5

    def eligible(self, candidate: Candidate, offer: Offer, day: datetime.date) -> bool:
        has_certificate = bool(candidate.schemes) if not offer.scheme_id else offer.scheme.code in candidate.schemes
        return not services.ineligibility(candidate.person, offer, today=day, has_certificate=has_certificate)

    def choose(self, rng, candidate: Candidate, offers: list[Offer], day: datetime.date) -> list[Offer]:
        pool = [(o, self.interest(candidate, o)) for o in offers if self.eligible(candidate, o, day)]
        pool = [(o, w) for o, w in pool if w >= 0.5]
        count = min(_pick(rng, CHOICE_COUNTS), len(pool))
        chosen = []
        for _ in range(count):
            offer = rng.choices([o for o, _w in pool], weights=[w for _o, w in pool])[0]
            pool = [(o, w) for o, w in pool if o.pk != offer.pk]
            chosen.append(offer)
        return chosen

    def apply_all(self, rng, matching_round: MatchingRound, spec: RoundSpec, offers: list[Offer],
                  candidates: list[tuple[Candidate, datetime.date]], *, bulk: bool) -> int:
        """Each (candidate, first possible day) applies on a day of the period with 1-3 choices of the offers they
        are eligible for. ``bulk``: the rows services.apply would write (the applications and an audit entry each),
        written at once: several hundred calls of services.apply take seconds."""
        applications = []
        for candidate, earliest in candidates:
            if rng.random() >= spec.apply_share or earliest > spec.closes:
                continue
            last = min(spec.closes, self.today - datetime.timedelta(days=1))
            if earliest > last:
                continue
            day = earliest + datetime.timedelta(days=rng.randint(0, min((last - earliest).days, 21)))
            choices = self.choose(rng, candidate, offers, day)
            if choices:
                applications.append((_moment(rng, day, 7, 22), candidate, choices))
        applications.sort(key=lambda item: (item[0], item[1].person.pk))
        if bulk:
            self.bulk_apply(matching_round, applications)
            return len(applications)
        for moment, candidate, choices in applications:
            self.at(moment)
            person = candidate.person
            services.apply(person, matching_round, choices, by=person.user if person.user_id else None,
                           today=timezone.localdate(moment))
        return len(applications)

    def bulk_apply(self, matching_round: MatchingRound, applications: list) -> None:
        """As services.apply for persons who completed a training, have no open placement and never applied in
        the round, choosing up to max_choices distinct offers of the round they are eligible for (checked by
        choose)."""
        rows, entries = [], []
        for moment, candidate, choices in applications:
            choices = choices[:matching_round.max_choices]
            person = candidate.person
            rows += [Application(person=person, offer=offer, rank=rank, created_at=moment)
                     for rank, offer in enumerate(choices, start=1)]
            entry = build(AuditEntry.Action.UPDATE, matching_round, by=person.user if person.user_id else None,
                          object_label=f"{matching_round} · {person}",
                          changes={"choices": [[], [o.pk for o in choices]]})
            entry.at = moment
            entries.append(entry)
        core._bulk_create(Application, rows)
        with core._given_timestamps(AuditEntry, "at"):
            core._bulk_create(AuditEntry, entries)

    def run_round(self, number: int) -> None:
        spec, matching_round, offers = ROUNDS[number], self.rounds[number], self.offers[number]
        rng = core._rng(f"apprenticeships:round{number}")
        candidates = []
        for candidate in self.candidates:
            if candidate.person.pk in self.placed:
                continue
            earliest = max(spec.opens, candidate.completed_on + datetime.timedelta(days=rng.randint(1, 7)))
            candidates.append((candidate, earliest))
        self.apply_all(rng, matching_round, spec, offers, candidates, bulk=True)
        self.at(core._at(spec.closes + datetime.timedelta(days=1), datetime.time(0, 5)))
        services.close_round(matching_round, by=self.admin)
        self.company_decisions(rng, spec, offers)
        if not Application.objects.filter(offer__matching_round=matching_round).exists():
            return
        self.at(core._at(spec.matched, datetime.time(10, 0)))
        matching.match(matching_round, by=self.admin, today=spec.matched)
        published = core._at(spec.published, datetime.time(10, 0))
        self.at(published)
        matching.publish(matching_round, by=self.admin)
        new = list(Placement.objects.filter(offer__matching_round=matching_round).select_related("person")
                   .order_by("pk"))
        self.placements_made += len(new)
        self.placed |= {p.person_id for p in new}
        self.sign_and_start_all(rng, new, published)

    def company_decisions(self, rng, spec: RoundSpec, offers: list[Offer]) -> None:
        """Companies reject a few applicants (at least the most wanted offer one) and about half of them rank their
        best ones; the rest is left to the criteria."""
        popular = max(offers, key=lambda o: (o.applications.count(), -o.pk), default=None)
        for offer in offers:
            applications = list(offer.applications.select_related("person").order_by("created_at", "pk"))
            if not applications:
                continue
            user = self.account(offer.company_id)
            day = _working_day_on_or_after(spec.decided + datetime.timedelta(days=rng.randint(0, 2)))
            self.at(_moment(rng, day, 9, 16))
            kept = []
            for index, application in enumerate(applications):
                last_of_popular = offer == popular and index == len(applications) - 1 and len(kept) == index
                if rng.random() < 0.04 or (last_of_popular and index > 0):
                    services.decide(application, decision=CompanyDecision.REJECTED, by=user,
                                    note=rng.choice(REJECT_NOTES))
                else:
                    kept.append(application)
            if kept and rng.random() < 0.5:
                wanted = set(TEMPLATES[self.templates[offer.pk]].vocations)
                trained = set(Enrolment.objects.filter(person__in=[a.person_id for a in kept],
                                                       status=EnrolmentStatus.COMPLETED,
                                                       batch__package__vocation__code__in=wanted)
                              .values_list("person_id", flat=True))
                ordered = sorted(kept, key=lambda a: (a.person_id not in trained, rng.random()))
                services.rank_applicants(offer, ordered[:offer.slots + 2], by=user)

    def signing(self, rng, placement: Placement, drafted_at: datetime.datetime, *, at_once=False) -> list[tuple]:
        """(status, day, moment) of the agreement's next steps: signed a few working days after it was drafted at
        ``drafted_at``, before the start (at once for a change of company), and started on its day if that is not
        after DEMO_TODAY; nothing when no working day is left before DEMO_TODAY (it stays a draft)."""
        drafted = timezone.localdate(drafted_at)
        if at_once:
            signed, signed_at = drafted, drafted_at + datetime.timedelta(minutes=10)
        else:
            latest = _working_day_on_or_before(min(placement.start_date, self.today) - datetime.timedelta(days=1))
            signed = min(_working_day_on_or_after(drafted + datetime.timedelta(days=rng.randint(2, 9))), latest)
            if signed < drafted:
                return []
            signed_at = _moment(rng, signed, 9, 16) if signed > drafted else drafted_at + datetime.timedelta(hours=2)
        steps = [(PlacementStatus.SIGNED, signed, min(signed_at, self.end_of_story))]
        if placement.start_date <= self.today:
            started_at = max(core._at(placement.start_date, datetime.time(7, 30)),
                             signed_at + datetime.timedelta(minutes=10))
            steps.append((PlacementStatus.ACTIVE, placement.start_date, min(started_at, self.end_of_story)))
        return steps

    def sign_and_start(self, rng, placement: Placement, drafted_at: datetime.datetime, *, at_once=False) -> None:
        """The agreement is signed and the placement starts (services.transition, see ``signing``)."""
        for status, day, moment in self.signing(rng, placement, drafted_at, at_once=at_once):
            self.at(moment)
            services.transition(placement, status, by=self.account(placement.company_id), on=day)

    def sign_and_start_all(self, rng, placements: list[Placement], drafted_at: datetime.datetime) -> None:
        """As sign_and_start for the hundreds of placements a round published: the rows services.transition would
        write (the placement's status, its events and audit entries), written at once."""
        events, entries = [], []
        updates = defaultdict(list)  # (status, started on) -> placement ids
        for placement in placements:
            steps = self.signing(rng, placement, drafted_at)
            if not steps:
                continue
            old, user = placement.status, self.account(placement.company_id)
            for new, day, moment in steps:
                events.append(PlacementEvent(placement=placement, old_status=old, new_status=new, on=day, at=moment,
                                             by=user))
                entry = build(AuditEntry.Action.TRANSITION, placement, by=user, changes={"status": [old, new]})
                entry.at = moment
                entries.append(entry)
                old = new
            updates[(old, placement.start_date if old == PlacementStatus.ACTIVE else None)].append(placement.pk)
        for (status, started_on), pks in updates.items():
            fields = {"started_on": started_on} if started_on else {}
            Placement.objects.filter(pk__in=pks).update(status=status, status_reason="", **fields)
        core._bulk_create(PlacementEvent, events)
        with core._given_timestamps(AuditEntry, "at"):
            core._bulk_create(AuditEntry, entries)

    # -- transfers and direct placements -------------------------------------------------------------------------

    def free_slots(self, offer: Offer) -> int:
        """Slots no placement ever took (a stopped one counts: the apprentice used the slot)."""
        return offer.slots - offer.placements.count()

    def transfers(self) -> None:
        rng = core._rng("apprenticeships:transfers")
        wanted = max(1, round(TRANSFERS * self.scale())) if self.placements_made >= 20 else 0
        running = [o for n in (1, 2) for o in self.offers[n]]
        done = 0
        for day in TRANSFER_DAYS:
            if done >= wanted:
                break
            placements = list(Placement.objects.filter(
                status=PlacementStatus.ACTIVE, start_date__lte=day - datetime.timedelta(days=21),
                end_date__gt=day + datetime.timedelta(days=30)).select_related("offer", "person__education")
                .order_by("pk"))
            rng.shuffle(placements)
            for placement in placements:
                sector = TEMPLATE_SECTOR[self.templates[placement.offer_id]]
                targets = [o for o in running if o.company_id != placement.company_id
                           and TEMPLATE_SECTOR[self.templates[o.pk]] == sector and o.start_date <= day
                           and o.end_date > day + datetime.timedelta(days=30) and self.free_slots(o) > 0
                           and not services.ineligibility(placement.person, o, today=day)]
                if not targets:
                    continue
                target = rng.choice(targets)
                operator = self.operator_for(placement.person)
                self.at(core._at(day, datetime.time(7, 45)))
                new = services.transfer(placement, target, reason=TRANSFER_REASONS[sector], by=operator,
                                        start_date=day)
                self.placements_made += 1
                self.sign_and_start(rng, new, self.clock.moment, at_once=True)
                done += 1
                break

    def operator_for(self, person: Person) -> User:
        return self.operators.get(person.registered_centre_id) or self.admin

    def scale(self) -> float:
        """The share of the full demo's candidates this demo has (1 at the full size)."""
        return min(1.0, len(self.candidates) / 850)

    def direct_placements(self) -> None:
        """The centres' operators place candidates directly (services.place_direct, with the reason): into the
        companies' own programmes outside the rounds (one started in August, one in October; one starts in
        December, its agreements drafted or signed) and into slots the rounds left free (June to September)."""
        rng = core._rng("apprenticeships:direct")
        total = round(DIRECT_PLACEMENTS * self.scale())
        free = [c for c in self.candidates if c.person.pk not in self.placed]
        rng.shuffle(free)
        made = 0

        def place(candidate: Candidate, offer: Offer, start: datetime.date, drafted: datetime.date) -> bool:
            nonlocal made
            if candidate.completed_on >= drafted - datetime.timedelta(days=3) or self.interest(candidate, offer) < 1:
                return False
            if not self.eligible(candidate, offer, drafted):
                return False
            if offer.matching_round_id is None:
                reason = OWN_PROGRAMME_REASON
            else:
                reason = rng.choice(DIRECT_REASONS).format(
                    round=ROUNDS[2].name if start >= R2A else ROUNDS[1].name,
                    vocation=candidate.vocation.replace("_", " "), month=candidate.completed_on.strftime("%m/%Y"))
            drafted_at = _moment(rng, drafted, 9, 15)
            self.at(drafted_at)
            placement = services.place_direct(candidate.person, offer, by=self.operator_for(candidate.person),
                                              reason=reason, start_date=start, today=drafted)
            free.remove(candidate)
            self.placed.add(candidate.person.pk)
            self.placements_made += 1
            made += 1
            if start <= self.today or rng.random() < 0.6:
                self.sign_and_start(rng, placement, drafted_at)
            return True

        last_day = _working_day_on_or_before(self.today - datetime.timedelta(days=2))
        for offer in sorted(self.offers[0], key=lambda o: o.start_date):
            wanted = min(round(offer.slots * self.scale()), offer.slots)
            for candidate in list(free):
                if wanted <= 0 or made >= total:
                    break
                drafted = _working_day_on_or_after(offer.start_date - datetime.timedelta(days=rng.randint(10, 24)))
                if place(candidate, offer, offer.start_date, min(drafted, last_day)):
                    wanted -= 1
        running = [o for n in (1, 2) for o in self.offers[n]]
        for day in DIRECT_DAYS:
            for offer in [o for o in running if o.start_date <= day and o.end_date > day + datetime.timedelta(days=75)]:
                if made >= total:
                    return
                if self.free_slots(offer) <= 0:
                    continue
                drafted = _working_day_on_or_before(day - datetime.timedelta(days=rng.randint(3, 6)))
                for candidate in list(free):
                    if place(candidate, offer, day, drafted):
                        break

    # -- pauses, stops and completions --------------------------------------------------------------------------

    def pauses_and_stops(self) -> None:
        rng = core._rng("apprenticeships:pauses")
        started = list(Placement.objects.filter(status=PlacementStatus.ACTIVE).select_related("offer")
                       .order_by("pk"))
        rng.shuffle(started)
        count = len(started)
        stops = round(count * STOP_SHARE)
        paused = max(1, round(count * PAUSE_SHARE)) if count >= 20 else 0
        resumed = round(count * RESUMED_SHARE)
        for placement in started:
            running_until = min(placement.end_date, self.today) - datetime.timedelta(days=1)
            if paused and placement.end_date > self.today + datetime.timedelta(days=14) and (
                    placement.start_date < D(2025, 8, 20)):
                day = _working_day_on_or_before(D(2025, 8, 25) + datetime.timedelta(days=rng.randint(0, 17)))
                self.pause(rng, placement, day, None)
                paused -= 1
            elif resumed and placement.start_date < D(2025, 6, 20) and placement.end_date > D(2025, 8, 15):
                day = _working_day_on_or_after(D(2025, 7, 1) + datetime.timedelta(days=rng.randint(0, 20)))
                self.pause(rng, placement, day, day + datetime.timedelta(days=rng.choice((7, 14))))
                resumed -= 1
            elif stops and (running_until - placement.start_date).days > 21:
                span = (running_until - placement.start_date).days - 14
                day = _working_day_on_or_before(placement.start_date + datetime.timedelta(
                    days=14 + rng.randrange(span)))
                self.at(_moment(rng, day, 9, 16))
                services.transition(placement, PlacementStatus.STOPPED, by=self.account(placement.company_id),
                                    reason=_pick(rng, STOP_REASONS), on=day)
                stops -= 1
            if not (stops or paused or resumed):
                break

    def pause(self, rng, placement: Placement, day: datetime.date, back: datetime.date | None) -> None:
        user = self.account(placement.company_id)
        self.at(_moment(rng, day, 9, 16))
        services.transition(placement, PlacementStatus.PAUSED, by=user, reason=rng.choice(PAUSE_REASONS), on=day)
        if back is not None:
            back = _working_day_on_or_after(back)
            self.at(_moment(rng, back, 8, 10))
            services.transition(placement, PlacementStatus.ACTIVE, by=user, reason=RESUME_REASON, on=back)
        self.paused[placement.pk].append((day, back))

    def completions(self) -> None:
        """Those whose period ended by today: the company's final assessment on their last working day."""
        rng = core._rng("apprenticeships:completions")
        ended = list(Placement.objects.filter(status=PlacementStatus.ACTIVE, end_date__lt=self.today)
                     .select_related("person").order_by("end_date", "pk"))
        for placement in ended:
            day = _working_day_on_or_before(placement.end_date)
            passed = rng.random() >= FAILED_SHARE
            score = rng.randint(72, 95) if passed else rng.randint(48, 68)
            self.at(_moment(rng, day, 9, 11))
            user = self.confirmer(placement)
            services.complete(placement, passed=passed, score=score,
                              notes=rng.choice(PASSED_NOTES if passed else FAILED_NOTES), by=user, on=day,
                              issue_certificate=False)
            if passed:
                self.completed.append((placement, day))

    # -- round 3 ---------------------------------------------------------------------------------------------------

    def round_3(self) -> None:
        """Open now: its first applicants (completers still free, and a few who never trained: it is open to all)."""
        spec, matching_round, offers = ROUNDS[3], self.rounds[3], self.offers[3]
        rng = core._rng("apprenticeships:round3")
        candidates = [(c, max(spec.opens, c.completed_on + datetime.timedelta(days=3))) for c in self.candidates
                      if c.person.pk not in self.placed]
        untrained = list(Person.objects.filter(source=PersonSource.DEMO, user__isnull=True, enrolments__isnull=True,
                                               apprenticeships__isnull=True).select_related("education")
                         .order_by("pk"))
        share = UNTRAINED_IN_ROUND_3 / spec.apply_share
        for person in untrained:
            if rng.random() < share:
                sector = rng.choice(list(SECTOR_INTEREST))
                candidates.append((Candidate(person, spec.opens, "", sector, person.registered_centre_id,
                                             frozenset()), spec.opens))
        self.apply_all(rng, matching_round, spec, offers, candidates, bulk=False)

    # -- logbooks and visits ----------------------------------------------------------------------------------------

    def logbooks(self) -> None:
        """A week per started week, written at its end by the apprentice, mostly confirmed within a week; a few
        running placements have had nothing confirmed for three weeks or more (flagged)."""
        rng = core._rng("apprenticeships:logbooks")
        placements = list(Placement.objects.filter(started_on__isnull=False).select_related("offer")
                          .order_by("pk"))
        lapse_from = self.today - datetime.timedelta(days=rules.LOGBOOK_GAP_DAYS + 7)  # last confirmed week by then
        journey = self.journey_placement(placements)
        can_lapse = [p for p in placements if p.status == PlacementStatus.ACTIVE and p.started_on <= lapse_from
                     and p.pk != journey]
        flagged = set()
        if can_lapse:
            wanted = max(1, round(len(can_lapse) * FLAGGED_SHARE))
            flagged = {p.pk for p in rng.sample(can_lapse, min(wanted, len(can_lapse)))}
        entries = []
        for placement in placements:
            entries += self.weeks(rng, placement, lapse_from if placement.pk in flagged else None,
                                  waiting=placement.pk == journey)
        core._bulk_create(LogbookEntry, entries)

    def journey_placement(self, placements: list[Placement]) -> int | None:
        """Journey S4: the first running placement at the company of JOURNEY_COMPANY_LOGIN, started at least three
        weeks before DEMO_TODAY and never paused: its last week is written and waits for the company."""
        company = Company.objects.filter(memberships__user__email=JOURNEY_COMPANY_LOGIN).first()
        since = self.today - datetime.timedelta(days=21)
        return next((p.pk for p in placements if company is not None and p.company_id == company.pk
                     and p.status == PlacementStatus.ACTIVE and p.started_on <= since
                     and p.end_date > self.today and p.pk not in self.paused), None)

    def weeks(self, rng, placement: Placement, lapse_from: datetime.date | None, *,
              waiting: bool = False) -> list[LogbookEntry]:
        template = TEMPLATES[self.templates[placement.offer_id]]
        week = rules.week_start(placement.started_on)
        if week < placement.start_date:
            week += datetime.timedelta(days=7)
        if placement.ended_on is not None:
            last = rules.week_start(placement.ended_on - datetime.timedelta(days=1))
            if placement.status == PlacementStatus.COMPLETED:
                last = rules.week_start(placement.ended_on)
        else:
            last = rules.week_start(self.today) - datetime.timedelta(days=7)
        last = min(last, rules.week_start(placement.end_date))
        paused = self.paused.get(placement.pk, [])
        lapse = None
        if lapse_from is not None:  # the last confirmed week is on or before lapse_from
            lapse = lapse_from - datetime.timedelta(days=7 * rng.randint(0, 2))
            lapse = max(rules.week_start(lapse), week - datetime.timedelta(days=7))
        stops_writing = rng.random() < 0.5
        confirmer = self.confirmer(placement)
        hours = placement.offer.hours_per_week
        theory_share = placement.offer.theory_percent / 100
        entries, index = [], 0
        while week <= last:
            end = week + datetime.timedelta(days=6)
            if any(start <= end and (back is None or back > week + datetime.timedelta(days=4))
                   for start, back in paused):
                if any(back is None and start <= week for start, back in paused):
                    break
                week += datetime.timedelta(days=7)
                continue
            lapsed = lapse is not None and week > lapse
            if lapsed and stops_writing:
                break
            off = sum(1 for i in range(5) if week + datetime.timedelta(days=i) in core.HOLIDAYS_2025)
            total = max(8, hours - 8 * off + rng.randint(-2, 1))
            theory = max(1, round(total * theory_share) + rng.randint(-1, 1))
            friday = week + datetime.timedelta(days=4)
            written = _moment(rng, friday + datetime.timedelta(days=rng.choice((0, 0, 1, 2))), 15, 21)
            if rng.random() < 0.05:
                written += datetime.timedelta(days=rng.randint(3, 8))
            if written > self.end_of_story:
                written = self.end_of_story - datetime.timedelta(minutes=rng.randint(30, 600))
            confirmed_at = written + datetime.timedelta(hours=rng.randint(12, 144))
            recent = week >= rules.week_start(self.today) - datetime.timedelta(days=21)
            confirmed = not lapsed and confirmed_at <= self.end_of_story and (
                recent or rng.random() >= LATE_CONFIRM_SHARE)
            if waiting:  # every week confirmed but the last (written on its Friday evening)
                confirmed = week < last
                if week == last:
                    written = _moment(rng, friday, 17, 20)
            entries.append(LogbookEntry(
                placement_id=placement.pk, week_start=week, activities=template.weeks[index % len(template.weeks)],
                practice_hours=total - theory, theory_hours=theory, written_at=written,
                mentor_note=rng.choice(MENTOR_NOTES) if confirmed else "",
                confirmed_by=confirmer if confirmed else None, confirmed_at=confirmed_at if confirmed else None))
            index += 1
            week += datetime.timedelta(days=7)
        return entries

    def visits(self) -> None:
        """Monitoring visits (or calls) by the operator of the centre where the apprentice registered, for about a
        third of the placements that started."""
        rng = core._rng("apprenticeships:visits")
        placements = list(Placement.objects.filter(started_on__isnull=False).select_related("person")
                          .order_by("pk"))
        for placement in placements:
            if rng.random() >= VISITED_SHARE:
                continue
            first = placement.started_on + datetime.timedelta(days=21)
            last = min(placement.ended_on or self.today, placement.end_date, self.today - datetime.timedelta(days=1))
            if last <= first:
                continue
            day = _working_day_on_or_before(first + datetime.timedelta(days=rng.randrange((last - first).days)))
            if day < first:
                continue
            self.at(_moment(rng, day, 9, 15))
            services.record_visit(
                placement, on=day, kind=MonitoringVisit.Kind.VISIT if rng.random() < 0.7 else MonitoringVisit.Kind.CALL,
                findings=rng.choice(VISIT_FINDINGS), follow_up=rng.choice(VISIT_FOLLOW_UPS),
                by=self.operator_for(placement.person), today=self.today)

    def close_finished_offers(self) -> None:
        """Round 1's programmes that ended, with every placement finished, are closed by their company."""
        rng = core._rng("apprenticeships:close")
        for offer in self.offers[1]:
            if offer.end_date >= self.today - datetime.timedelta(days=3):
                continue
            if offer.placements.filter(status__in=OPEN_STATUSES).exists():
                continue
            day = _working_day_on_or_after(offer.end_date + datetime.timedelta(days=rng.randint(2, 6)))
            self.at(_moment(rng, min(day, self.today - datetime.timedelta(days=1)), 9, 16))
            services.close_offer(offer, by=self.account(offer.company_id))

    # -- certificates --------------------------------------------------------------------------------------------

    def issue_certificates(self) -> None:
        """The certificates of apprenticeship of the passed, dated the completion day (outside the story clock, as
        the certificates demo: signed at the real time)."""
        for placement, day in sorted(self.completed, key=lambda item: (item[1], item[0].pk)):
            placement.refresh_from_db()
            certificate_services.issue_apprenticeship(placement, by=self.confirmer(placement),
                                                      issued_at=core._at(day, datetime.time(11, 0)))
