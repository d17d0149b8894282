"""The assessment part of the Kaltim 2025 demo: schemes, TUK, assessors, and the uji kompetensi of the
finished classes, called from ``kompeten.core.demo.load_demo()`` after the training outcomes.

Schemes and units -- EXAMPLE DATA, NOT OFFICIAL. The shared reference data (reference/data/vocations.json,
from shared/reference/vocations.yaml; SOURCES.md section 5.3) names the SKKNI decrees of several vocations
by title but collected no competency unit codes: ``competency_units_known`` is empty for every vocation and
no ``bnsp_scheme_examples`` entry gives a unit list. So every demo scheme here is an example
(``Scheme.is_example = True``) whose scheme code starts with ``CONTOH-SKM-`` and whose unit codes start with
``CONTOH.`` (they never look like SKKNI codes such as ``J.620100.004.02``). Titles and elements are plausible
paraphrases written for the demo, modelled on how SKKNI units read. Where the reference data confirms the
standard a real scheme would be based on, it is named in SCHEME_BASIS (for the reader; not shown as fact):

- Tukang Pasang Bata: SKKNI Kepmenaker 317/2016; Tukang Kayu Konstruksi: Kepmenaker 85/2015 and 635/2016;
  Operasi Scaffolding: Kepmenaker 46/2022; Teknik Sepeda Motor: Kepmenaker 147/2019; Ritel Modern
  (pramuniaga, kasir): Kepmenaker 16/2018; Jasa Kebersihan (cleaning service): Kepmenaker 210/2016;
  Room Attendant: the Kemenpar occupation scheme SS-OKUPASI-PARHK-2015 (ACCSTP based).

Assessments: every finished class (completed or closed) whose participants completed gets an uji kompetensi a
few working days after its last day (when that day is on or before DEMO_TODAY), at the TUK of its centre, by as
many assessors as the daily limit (settings.KOMPETEN_ASSESSOR_DAILY_LIMIT) needs; an assessor works at one TUK
a day. Those rows are bulk-created without audit entries (as the rest of the demo), consistent as the services
would have left them and dated as it happened: FR.APL.01 (with the personal data snapshot), FR.APL.02, FR.AK.01,
every unit recorded once with its evidence, submitted, decided by the LSP manager. About 90 % are Kompeten; a
Belum Kompeten candidate has one or two BK units. The events of the last week before DEMO_TODAY are still
open: recorded in part or submitted, not decided. Journey S3 (journey_event): the class core.assessed_journey_batch()
is assessed on DEMO_TODAY by asesor@ alone (as many candidates as the daily limit allows; the rest, if any, in a
second event of the day by other assessors), nothing recorded yet.

Two appeals (FR.AK.04), as rows: one rejected, one upheld. The upheld one is re-assessed in a later event of
its own through the assessment services (only the BK units, then Kompeten); as with the demo's selection
rounds, those services write their audit entries with the machine's clock, and the rows are then dated as it
happened.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships.models import Company
from kompeten.assessment import services
from kompeten.assessment.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentEvent,
    Assessor,
    CandidateStatus,
    CompetencyUnit,
    Decision,
    EventStatus,
    EvidenceMethod,
    Lsp,
    Route,
    Scheme,
    SchemeType,
    Tuk,
    TukType,
    UnitResult,
)
from kompeten.audit.services import snapshot
from kompeten.core import demo as core
from kompeten.programmes.models import Batch, TrainingCentre, TrainingPackage, Vocation
from kompeten.programmes.services import working_days
from kompeten.registry.models import Person, PersonDocument
from kompeten.training.models import Enrolment, EnrolmentStatus

# --- schemes --------------------------------------------------------------------------------------------

OTOMOTIF, TEKNIK, JASA = "otomotif", "teknik", "jasa"  # the assessors' fields (bidang)


@dataclass(frozen=True)
class SchemeSpec:
    abbr: str  # CONTOH-SKM-<abbr>, units CONTOH.<abbr>.001 ...
    title: str
    scheme_type: str
    kkni_level: int | None
    field: str
    units: tuple[str, ...]  # "unit title | element; element; ..."


def _kkni(abbr, title, level, field, *units) -> SchemeSpec:
    return SchemeSpec(abbr, title, SchemeType.KKNI, level, field, units)


def _okupasi(abbr, title, field, *units) -> SchemeSpec:
    return SchemeSpec(abbr, title, SchemeType.OCCUPATION, None, field, units)


def _klaster(abbr, title, field, *units) -> SchemeSpec:
    return SchemeSpec(abbr, title, SchemeType.CLUSTER, None, field, units)


K3 = "Menerapkan prosedur keselamatan dan kesehatan kerja (K3) | Mengidentifikasi bahaya di area kerja; " \
     "Menggunakan alat pelindung diri; Menjaga kebersihan dan kerapian area kerja"

# Keyed by the vocation code of the packages (reference/data/vocations.json). Example units: see the docstring.
SCHEMES: dict[str, SchemeSpec] = {
    "mekanik_dasar_alat_berat": _kkni(
        "MAB", "Mekanik Dasar Alat Berat", 2, OTOMOTIF,
        "Menerapkan K3 di bengkel alat berat | Mengidentifikasi bahaya; Menggunakan alat pelindung diri; "
        "Menerapkan prosedur lock-out tag-out",
        "Menggunakan perkakas tangan dan alat ukur | Memilih perkakas sesuai pekerjaan; Menggunakan alat ukur "
        "presisi; Merawat perkakas",
        "Melakukan perawatan berkala mesin diesel | Memeriksa oli, filter dan pendingin; Mengganti oli dan "
        "filter; Mencatat hasil perawatan",
        "Memeriksa sistem hidrolik | Memeriksa kebocoran dan level oli hidrolik; Mengganti filter hidrolik; "
        "Melaporkan kerusakan",
        "Memeriksa undercarriage | Mengukur keausan track; Menyetel ketegangan track",
        "Memeriksa sistem kelistrikan dasar alat berat | Memeriksa baterai dan sistem pengisian; Memeriksa "
        "lampu dan instrumen",
        "Membaca manual servis dan gambar teknik | Mencari informasi di manual servis; Membaca gambar "
        "komponen",
    ),
    "operator_excavator": _okupasi(
        "OEX", "Operator Excavator", OTOMOTIF,
        "Menerapkan K3 pengoperasian alat berat | Mengenali bahaya di area tambang; Menggunakan alat pelindung "
        "diri; Menerapkan rambu dan batas aman",
        "Melakukan pemeriksaan harian (P2H) excavator | Memeriksa level oli dan bahan bakar; Memeriksa "
        "kebocoran dan kerusakan; Mengisi lembar P2H",
        "Mengoperasikan excavator untuk penggalian | Menempatkan unit di lokasi gali; Menggali sesuai "
        "elevasi rencana; Membentuk lereng dan jenjang",
        "Memuat material ke dump truck | Mengatur posisi unit dan dump truck; Memuat secara merata; "
        "Menghindari tumpahan material",
        "Berkomunikasi di area kerja | Menggunakan radio komunikasi; Menggunakan isyarat tangan standar",
        "Memarkir dan mengamankan excavator | Memarkir di tempat aman; Mematikan dan mengunci unit",
    ),
    "operator_dump_truck": _okupasi(
        "ODT", "Operator Dump Truck Tambang", OTOMOTIF,
        "Menerapkan K3 di area tambang terbuka | Mengenali bahaya jalan tambang; Mematuhi rambu dan batas "
        "kecepatan",
        "Melakukan pemeriksaan harian (P2H) dump truck | Memeriksa ban, rem dan lampu; Memeriksa cairan; "
        "Mengisi lembar P2H",
        "Mengemudikan dump truck di jalan tambang | Menjaga jarak aman; Mengemudi di tanjakan dan turunan; "
        "Mengemudi pada kondisi jalan licin",
        "Melakukan pemuatan dan penumpahan (dumping) | Memosisikan unit di loading point; Menumpahkan "
        "material di disposal",
        "Berkomunikasi dengan radio di area tambang | Menggunakan prosedur radio; Melaporkan kondisi jalan",
    ),
    "plate_welder_smaw_3g": _okupasi(
        "LAS", "Plate Welder SMAW 3G", TEKNIK,
        "Menerapkan K3 pengelasan | Menggunakan alat pelindung diri las; Mencegah bahaya kebakaran dan "
        "sengatan listrik",
        "Membaca simbol las dan gambar kerja | Mengenali simbol las; Menentukan ukuran sambungan",
        "Menyiapkan bahan dan sambungan las | Memotong dan membuat kampuh; Membersihkan permukaan; Memasang "
        "tack weld",
        "Menyetel mesin las SMAW | Memilih elektroda; Menyetel arus las",
        "Mengelas pelat posisi bawah tangan dan horizontal (1G/2G) | Mengelas root pass; Mengelas capping",
        "Mengelas pelat posisi vertikal naik (3G) | Mengelas root pass 3G; Mengelas filler dan capping 3G",
        "Memeriksa hasil las secara visual | Mengenali cacat las; Mengukur dimensi las",
    ),
    "instalasi_listrik_bangunan_sederhana": _kkni(
        "ILB", "Instalasi Listrik Bangunan Sederhana", 2, TEKNIK,
        "Menerapkan K3 kelistrikan | Memeriksa rangkaian bebas tegangan; Menggunakan alat pelindung diri",
        "Membaca gambar instalasi listrik | Mengenali simbol instalasi; Menghitung kebutuhan bahan",
        "Memasang instalasi penerangan | Memasang pipa dan kabel; Memasang fiting dan lampu",
        "Memasang kotak kontak dan sakelar | Memasang sakelar tunggal dan seri; Memasang kotak kontak "
        "berpembumian",
        "Memasang panel hubung bagi (PHB) sederhana | Memasang MCB; Menyambung kabel di PHB",
        "Mengukur tahanan isolasi dan pembumian | Menggunakan insulation tester; Mencatat hasil pengukuran",
    ),
    "tukang_pasang_bata": _kkni(
        "TPB", "Tukang Pasang Bata", 2, TEKNIK,
        K3,
        "Menyiapkan alat dan bahan pasangan bata | Memeriksa mutu bata; Menyiapkan alat kerja",
        "Membuat adukan (mortar) | Menakar bahan sesuai campuran; Mengaduk hingga rata",
        "Memasang bata | Memasang benang dan profil; Memasang bata lurus dan tegak lurus; Membuat siar rata",
        "Memplester dan mengaci dinding | Memasang kepala plesteran; Memplester dinding rata",
    ),
    "tukang_kayu_konstruksi": _kkni(
        "TKK", "Tukang Kayu Konstruksi", 2, TEKNIK,
        K3,
        "Membaca gambar kerja kayu | Membaca ukuran dan detail sambungan; Membuat daftar bahan",
        "Menggunakan peralatan kayu tangan dan listrik | Menggunakan gergaji dan ketam; Merawat peralatan",
        "Membuat dan memasang kusen pintu dan jendela | Membuat sambungan kusen; Memasang kusen tegak lurus",
        "Memasang rangka atap kayu | Merakit kuda-kuda; Memasang gording dan usuk",
        "Memasang bekisting | Merakit panel bekisting; Memasang perancah bekisting",
    ),
    "scaffolder": _okupasi(
        "SCF", "Teknisi Perancah (Scaffolder)", TEKNIK,
        "Menerapkan K3 bekerja di ketinggian | Menggunakan full body harness; Menerapkan 100 % tie-off",
        "Memeriksa komponen perancah | Memeriksa pipa, klem dan papan; Memisahkan komponen rusak",
        "Mendirikan perancah pipa dan klem | Memasang base plate dan standard; Memasang ledger, transom dan "
        "bracing; Memasang platform dan pagar pengaman",
        "Membongkar perancah | Membongkar dengan urutan aman; Menurunkan komponen dengan tali",
        "Memasang tanda status perancah (scaff tag) | Memeriksa perancah sebelum dipakai; Memasang tag sesuai "
        "status",
    ),
    "pemeliharaan_sepeda_motor_injeksi": _klaster(
        "TSM", "Pemeliharaan Berkala Sepeda Motor Injeksi", OTOMOTIF,
        "Menerapkan K3 di bengkel sepeda motor | Menggunakan alat pelindung diri; Menangani oli dan bahan "
        "bakar dengan aman",
        "Melakukan servis berkala sepeda motor | Mengganti oli mesin; Membersihkan filter udara; Menyetel "
        "celah katup",
        "Merawat sistem injeksi bahan bakar | Membersihkan throttle body; Memeriksa injektor; Membaca kode "
        "kerusakan (MIL)",
        "Memeriksa sistem kelistrikan sepeda motor | Memeriksa baterai dan pengisian; Memeriksa lampu dan "
        "klakson",
        "Merawat sistem rem | Memeriksa dan mengganti kampas rem; Mengganti minyak rem",
        "Merawat sistem pemindah daya (CVT / rantai) | Membersihkan CVT; Menyetel rantai roda",
        "Melayani pelanggan bengkel | Menerima keluhan pelanggan; Menjelaskan hasil servis",
    ),
    "pramuniaga_ritel": _kkni(
        "PRM", "Pramuniaga Ritel Modern", 2, JASA,
        "Melayani pelanggan | Menyapa dan membantu pelanggan; Menangani keluhan sederhana",
        "Menata barang dagangan (display) | Menata barang sesuai planogram; Memasang label harga",
        "Menerima dan memeriksa barang | Mencocokkan barang dengan dokumen; Melaporkan selisih",
        "Menjaga kebersihan dan kerapian toko | Membersihkan rak dan lantai; Memeriksa tanggal kedaluwarsa",
        "Bekerja dalam tim | Berkomunikasi dengan rekan kerja; Melaksanakan instruksi atasan",
    ),
    "kasir_ritel": _kkni(
        "KSR", "Kasir Ritel", 2, JASA,
        "Melayani pelanggan di kasir | Menyapa pelanggan; Menawarkan program promosi",
        "Mengoperasikan mesin kasir (POS) | Membuka dan menutup mesin kasir; Memindai dan memasukkan barang",
        "Menangani pembayaran tunai dan nontunai | Menerima uang tunai dan memberi kembalian; Memproses kartu "
        "dan QRIS",
        "Menutup kas dan membuat laporan harian | Menghitung uang kas; Mencocokkan dengan laporan sistem",
        "Mencegah kecurangan dan uang palsu | Memeriksa keaslian uang; Melaporkan kejadian mencurigakan",
    ),
    "staf_gudang": _kkni(
        "GDG", "Staf Administrasi Gudang", 2, JASA,
        K3,
        "Menerima barang masuk | Memeriksa barang dan dokumen; Mencatat penerimaan",
        "Menyimpan dan menata barang | Menata barang sesuai lokasi; Menerapkan FIFO/FEFO",
        "Mengeluarkan dan mengirim barang | Menyiapkan pesanan (picking); Membuat surat jalan",
        "Melakukan stock opname | Menghitung persediaan; Mencatat selisih",
        "Mengelola administrasi gudang | Memperbarui kartu stok; Membuat laporan persediaan",
    ),
    "housekeeping_room_attendant": _okupasi(
        "RA", "Room Attendant (Tata Graha)", JASA,
        "Menerapkan kebersihan, kesehatan dan keselamatan kerja | Menggunakan bahan kimia dengan aman; "
        "Mengangkat beban dengan benar",
        "Berkomunikasi dengan tamu dan rekan kerja | Menyapa tamu; Menangani permintaan tamu",
        "Menyiapkan troli dan perlengkapan room attendant | Mengisi troli; Menyiapkan linen dan amenities",
        "Membersihkan kamar tamu | Membersihkan kamar sesuai urutan; Memeriksa minibar dan perlengkapan",
        "Menata tempat tidur (bed making) | Memasang sprei dan sarung bantal; Merapikan tempat tidur",
        "Membersihkan kamar mandi tamu | Membersihkan kloset, wastafel dan shower; Mengganti amenities",
        "Menangani barang tertinggal (lost and found) | Mencatat barang tertinggal; Menyerahkan ke "
        "housekeeping office",
    ),
    "cleaning_service": _kkni(
        "CS", "Petugas Kebersihan Gedung", 2, JASA,
        K3,
        "Menggunakan bahan kimia pembersih | Memilih bahan sesuai permukaan; Menakar dan menyimpan bahan",
        "Membersihkan lantai | Menyapu dan mengepel; Memasang tanda lantai basah",
        "Membersihkan kaca dan dinding | Membersihkan kaca; Membersihkan dinding dan partisi",
        "Membersihkan toilet | Membersihkan kloset dan urinoir; Mengisi perlengkapan toilet",
        "Mengoperasikan mesin poles lantai | Menyiapkan mesin; Memoles lantai",
    ),
    "teknisi_ac_residensial": _kkni(
        "RAC", "Teknisi Perawatan AC Residensial", 2, TEKNIK,
        "Menerapkan K3 refrigerasi | Menangani refrigeran dengan aman; Bekerja di ketinggian",
        "Memasang AC split | Memasang unit indoor dan outdoor; Memvakum sistem",
        "Merawat AC split | Membersihkan filter dan evaporator; Membersihkan kondensor",
        "Mengisi refrigeran | Mengukur tekanan sistem; Mengisi refrigeran sesuai spesifikasi",
        "Memperbaiki gangguan kelistrikan AC | Memeriksa kapasitor; Memeriksa motor fan",
    ),
    "operator_mesin_bubut": _okupasi(
        "BBT", "Operator Mesin Bubut dan Frais", OTOMOTIF,
        K3,
        "Membaca gambar teknik | Membaca ukuran dan toleransi; Membaca tanda pengerjaan",
        "Mengukur dengan alat ukur presisi | Menggunakan jangka sorong; Menggunakan mikrometer",
        "Mengoperasikan mesin bubut | Menyetel pahat dan benda kerja; Membubut rata, bertingkat dan ulir",
        "Mengoperasikan mesin frais | Menyetel pisau frais; Mengefrais rata dan alur",
        "Mengasah pahat | Mengasah pahat bubut; Memeriksa sudut pahat",
    ),
    "kendaraan_ringan_injeksi": _klaster(
        "TKR", "Pemeliharaan Kendaraan Ringan Injeksi", OTOMOTIF,
        K3,
        "Melakukan servis berkala kendaraan ringan | Mengganti oli dan filter; Memeriksa cairan dan sabuk",
        "Memeriksa sistem injeksi (EFI) | Memeriksa sensor; Memeriksa injektor",
        "Menggunakan alat diagnosa (scan tool) | Membaca kode kerusakan; Menghapus kode kerusakan",
        "Merawat sistem rem | Memeriksa kampas dan cakram rem; Membuang udara sistem rem",
        "Merawat sistem kelistrikan bodi | Memeriksa lampu; Memeriksa wiper dan klakson",
    ),
    "otomasi_listrik_industri": _kkni(
        "OLI", "Instalasi Otomasi Listrik Industri", 2, TEKNIK,
        "Menerapkan K3 listrik industri | Menerapkan prosedur lock-out; Menggunakan alat pelindung diri",
        "Memasang rangkaian kendali motor | Memasang rangkaian DOL; Memasang rangkaian bintang-segitiga",
        "Memprogram PLC dasar | Membuat diagram tangga; Mengunduh dan menguji program",
        "Memasang sensor dan aktuator | Memasang sensor proksimiti; Memasang solenoid valve",
        "Mencari kesalahan rangkaian kendali | Menggunakan multimeter; Mengganti komponen rusak",
    ),
    "pembuatan_roti_kue": _kkni(
        "RTK", "Pembuatan Roti dan Kue", 2, JASA,
        "Menerapkan keamanan pangan dan higiene | Menjaga kebersihan diri; Menyimpan bahan dengan benar",
        "Menyiapkan bahan dan peralatan | Menimbang bahan; Menyiapkan oven dan mixer",
        "Membuat roti | Membuat adonan roti; Memfermentasi dan membentuk adonan; Memanggang roti",
        "Membuat kue (cake) | Membuat adonan cake; Memanggang dan mendekorasi cake",
        "Mengemas produk roti dan kue | Mengemas produk; Memberi label produk",
    ),
    "barista": _kkni(
        "BRS", "Barista", 2, JASA,
        "Menerapkan higiene dan sanitasi | Menjaga kebersihan area bar; Membersihkan peralatan",
        "Menyiapkan mesin dan peralatan kopi | Menyetel grinder; Memeriksa mesin espresso",
        "Membuat espresso | Menakar dan tamping; Mengekstraksi espresso sesuai standar",
        "Membuat minuman berbasis espresso | Membuat susu berbusa (steaming); Menyajikan cappuccino dan "
        "latte",
        "Melayani pelanggan | Menerima pesanan; Menjelaskan menu",
    ),
    "menjahit_pakaian": _kkni(
        "JHT", "Menjahit Pakaian Wanita", 2, JASA,
        K3,
        "Mengukur badan | Mengambil ukuran badan; Mencatat ukuran",
        "Membuat pola pakaian | Membuat pola dasar; Mengubah pola sesuai desain",
        "Memotong bahan | Meletakkan pola pada bahan; Memotong bahan sesuai pola",
        "Menjahit pakaian wanita | Menjahit bagian-bagian pakaian; Memasang kerah, lengan dan ritsleting",
        "Menyelesaikan pakaian (finishing) | Mengobras dan mengelim; Menyetrika hasil jahitan",
    ),
    "budidaya_hidroponik": _kkni(
        "HDP", "Budidaya Sayuran Hidroponik", 2, JASA,
        "Menyiapkan instalasi hidroponik | Merakit instalasi NFT/rakit apung; Memeriksa aliran air",
        "Menyemai benih | Menyiapkan media semai; Memindahkan bibit",
        "Meracik larutan nutrisi | Mengukur EC dan pH; Menyesuaikan konsentrasi nutrisi",
        "Memelihara tanaman | Mengendalikan hama dan penyakit; Memeriksa pertumbuhan",
        "Memanen dan menangani pascapanen | Memanen sesuai umur; Membersihkan dan mengemas hasil panen",
    ),
    "sekretaris_junior": _kkni(
        "SKR", "Sekretaris Junior", 3, JASA,
        "Berkomunikasi di tempat kerja | Berkomunikasi lisan; Berkomunikasi tertulis",
        "Mengelola surat-menyurat | Membuat surat dinas; Mencatat surat masuk dan keluar",
        "Mengelola agenda pimpinan | Menyusun jadwal; Mengatur pertemuan",
        "Mengelola arsip | Mengklasifikasi dokumen; Menyimpan dan menemukan kembali arsip",
        "Menggunakan aplikasi perkantoran | Mengolah kata; Mengolah angka; Membuat presentasi",
        "Menangani telepon | Menerima dan meneruskan telepon; Mencatat pesan",
    ),
    "administrasi_perkantoran": _kkni(
        "ADM", "Administrasi Perkantoran", 2, JASA,
        "Menggunakan aplikasi pengolah kata dan angka | Membuat dokumen; Membuat tabel dan rumus",
        "Mengelola arsip | Mengklasifikasi arsip; Menyimpan arsip",
        "Menangani surat masuk dan keluar | Mengagendakan surat; Mendistribusikan surat",
        "Melayani tamu dan telepon | Menerima tamu; Menangani telepon",
        "Membuat laporan sederhana | Mengumpulkan data; Menyusun laporan",
    ),
}

# The standard a real scheme would rest on, where the reference data confirms it (see the docstring).
SCHEME_BASIS = {
    "tukang_pasang_bata": "SKKNI Kepmenaker 317 Tahun 2016",
    "tukang_kayu_konstruksi": "SKKNI Kepmenaker 85 Tahun 2015; Kepmenaker 635 Tahun 2016",
    "scaffolder": "SKKNI Kepmenaker 46 Tahun 2022",
    "pemeliharaan_sepeda_motor_injeksi": "SKKNI Kepmenaker 147 Tahun 2019",
    "pramuniaga_ritel": "SKKNI Kepmenaker 16 Tahun 2018",
    "kasir_ritel": "SKKNI Kepmenaker 16 Tahun 2018",
    "cleaning_service": "SKKNI Kepmenaker 210 Tahun 2016",
    "housekeeping_room_attendant": "SS-OKUPASI-PARHK-2015 (Kemenpar)",
}

SECTOR_FIELDS = {"mining": OTOMOTIF, "motorcycle_repair": OTOMOTIF, "construction": TEKNIK}
SCHEME_PREFIX = "CONTOH-SKM-"
VALIDITY_MONTHS = 36


def _generic_spec(vocation: Vocation) -> SchemeSpec:
    """A vocation without an entry in SCHEMES (added to the reference data later): four generic example units."""
    abbr = vocation.code.replace("_", "").upper()[:24]  # unique as the vocation codes are
    return _kkni(abbr, f"KKNI Level II {vocation.name}", 2, SECTOR_FIELDS.get(vocation.sector_id, JASA),
                 K3,
                 "Menyiapkan alat dan bahan kerja | Memilih alat dan bahan; Memeriksa kondisi alat",
                 f"Melaksanakan pekerjaan {vocation.name} | Mengikuti prosedur kerja; Memeriksa hasil kerja",
                 "Bekerja sama dan berkomunikasi di tempat kerja | Menerima instruksi kerja; Melaporkan hasil kerja")


def scheme_spec(vocation: Vocation) -> SchemeSpec:
    return SCHEMES.get(vocation.code) or _generic_spec(vocation)


def scheme_code(spec: SchemeSpec) -> str:
    return f"{SCHEME_PREFIX}{spec.abbr}"


def _units(scheme: Scheme, spec: SchemeSpec) -> list[CompetencyUnit]:
    units = []
    for order, text in enumerate(spec.units, start=1):
        title, _sep, elements = text.partition("|")
        units.append(CompetencyUnit(
            scheme=scheme, order=order, code=f"CONTOH.{spec.abbr}.{order:03d}", title=title.strip(),
            elements=[e.strip() for e in elements.split(";") if e.strip()]))
    return units


def _package_vocations() -> list[Vocation]:
    return list(Vocation.objects.filter(packages__isnull=False).distinct().order_by("code"))


def make_schemes() -> int:
    """An example scheme for every vocation the demo's packages train for, certified by the demo LSP and linked
    from those packages; returns the schemes added."""
    lsp = Lsp.objects.filter(code=core.LSP_CODE).first()
    vocations = _package_vocations()
    specs = {v.pk: scheme_spec(v) for v in vocations}
    existing = {s.code: s for s in Scheme.objects.filter(code__in=[scheme_code(s) for s in specs.values()])}
    new, units = [], []
    for vocation in vocations:
        spec = specs[vocation.pk]
        if scheme_code(spec) in existing:
            continue
        scheme = Scheme(code=scheme_code(spec), title=spec.title, scheme_type=spec.scheme_type,
                        kkni_level=spec.kkni_level, sector_id=vocation.sector_id, validity_months=VALIDITY_MONTHS,
                        is_example=True)
        new.append(scheme)
    Scheme.objects.bulk_create(new)
    for scheme in new:
        existing[scheme.code] = scheme
        spec = next(s for s in specs.values() if scheme_code(s) == scheme.code)
        units += _units(scheme, spec)
    CompetencyUnit.objects.bulk_create(units)
    for vocation in vocations:
        scheme = existing[scheme_code(specs[vocation.pk])]
        TrainingPackage.objects.filter(vocation=vocation, scheme__isnull=True).update(scheme=scheme)
    if lsp is not None:
        lsp.schemes.add(*existing.values())
    return len(new)


# --- TUK and assessors -----------------------------------------------------------------------------------

HOTEL = "Hotel Teluk Balikpapan (PT Teluk Balikpapan Hospitality)"
TUK_SEWAKTU = {core.BALIKPAPAN: "tuk-sewaktu-blki-balikpapan", core.BONTANG: "tuk-sewaktu-blki-bontang"}
TUK_HOTEL = "tuk-tempat-kerja-hotel-teluk-balikpapan"
# Room attendants of BLKI Balikpapan are assessed in the rooms of a hotel (a workplace TUK).
WORKPLACE_VOCATIONS = {core.BALIKPAPAN: {"housekeeping_room_attendant"}}


def make_tuks() -> int:
    """A TUK sewaktu at each centre and a workplace TUK at a demo hotel, verified by the demo LSP."""
    lsp = Lsp.objects.filter(code=core.LSP_CODE).first()
    if lsp is None:
        return 0
    added = 0
    for centre in TrainingCentre.objects.filter(code__in=core.BOTH).order_by("code"):
        _tuk, created = Tuk.objects.get_or_create(lsp=lsp, code=TUK_SEWAKTU[centre.code], defaults={
            "name": f"TUK Sewaktu {centre.short_name}", "tuk_type": TukType.SEWAKTU, "centre": centre,
            "address": centre.address})
        added += created
    hotel = Company.objects.filter(name=HOTEL).first()
    if hotel is not None:
        _tuk, created = Tuk.objects.get_or_create(lsp=lsp, code=TUK_HOTEL, defaults={
            "name": "TUK Tempat Kerja Hotel Teluk Balikpapan", "tuk_type": TukType.TEMPAT_KERJA,
            "address": hotel.address})
        added += created
    return added


@dataclass(frozen=True)
class DemoAssessor:
    email: str
    full_name: str
    number: str  # BNSP registration (MET)
    fields: tuple[str, ...]
    licence_expires: datetime.date


# The first two are the demo's staff users (core.STAFF_USERS, with a login printed by `kompeten demo`); the
# others are made here, enough for the daily limit: the same demo password, printed as one line.
ASSESSORS = [
    DemoAssessor(f"asesor@{core.DEMO_DOMAIN}", "Hendra Gunawan", "MET.000.004127 2019", (OTOMOTIF, TEKNIK),
                 datetime.date(2027, 3, 31)),
    DemoAssessor(f"asesor2@{core.DEMO_DOMAIN}", "Sri Wahyuni", "MET.000.006518 2020", (JASA, OTOMOTIF),
                 datetime.date(2028, 6, 30)),
    DemoAssessor(f"asesor3@{core.DEMO_DOMAIN}", "Bambang Sutrisno, S.T.", "MET.000.002904 2018", (OTOMOTIF,),
                 datetime.date(2026, 11, 30)),
    DemoAssessor(f"asesor4@{core.DEMO_DOMAIN}", "Agus Salim", "MET.000.008833 2021", (OTOMOTIF,),
                 datetime.date(2027, 8, 31)),
    DemoAssessor(f"asesor5@{core.DEMO_DOMAIN}", "Yohanes Tandi Lolo, S.Pd.", "MET.000.010276 2022",
                 (OTOMOTIF, TEKNIK), datetime.date(2028, 2, 29)),
    DemoAssessor(f"asesor6@{core.DEMO_DOMAIN}", "Rudi Hartono, A.Md.", "MET.000.003561 2019", (TEKNIK,),
                 datetime.date(2026, 12, 31)),
    DemoAssessor(f"asesor7@{core.DEMO_DOMAIN}", "Muhammad Arif Rahman", "MET.000.011409 2022", (TEKNIK,),
                 datetime.date(2028, 4, 30)),
    DemoAssessor(f"asesor8@{core.DEMO_DOMAIN}", "Dewi Kartika Sari, S.E.", "MET.000.007745 2020", (JASA,),
                 datetime.date(2027, 10, 31)),
    DemoAssessor(f"asesor9@{core.DEMO_DOMAIN}", "Nurul Hidayah", "MET.000.009182 2021", (JASA,),
                 datetime.date(2027, 5, 31)),
    DemoAssessor(f"asesor10@{core.DEMO_DOMAIN}", "Ratna Paramitha, S.Pd.", "MET.000.012650 2023", (JASA,),
                 datetime.date(2029, 1, 31)),
    DemoAssessor(f"asesor11@{core.DEMO_DOMAIN}", "Andi Baso Mappaewang", "MET.000.005097 2020", (OTOMOTIF,),
                 datetime.date(2026, 9, 30)),
    DemoAssessor(f"asesor12@{core.DEMO_DOMAIN}", "Fitriani Lestari, S.T.", "MET.000.013318 2023", (JASA, TEKNIK),
                 datetime.date(2029, 3, 31)),
]
EXTRA_ASSESSORS = [a for a in ASSESSORS if a.email not in {u.email for u in core.STAFF_USERS}]


def _field_schemes() -> dict[str, list[Scheme]]:
    by_code = {s.code: s for s in Scheme.objects.filter(code__startswith=SCHEME_PREFIX)}
    fields = defaultdict(list)
    for vocation in _package_vocations():
        spec = scheme_spec(vocation)
        if scheme_code(spec) in by_code:
            fields[spec.field].append(by_code[scheme_code(spec)])
    return fields


def make_assessors() -> int:
    """The assessor users beyond the staff users (EXTRA_ASSESSORS) and an Assessor registration with the demo LSP
    for each of ASSESSORS, licensed for the schemes of their fields; returns the registrations added."""
    lsp = Lsp.objects.filter(code=core.LSP_CODE).first()
    if lsp is None:
        return 0
    emails = [a.email for a in ASSESSORS]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    missing = [a for a in EXTRA_ASSESSORS if a.email not in users]
    if missing:
        password_hash = make_password(core.DEMO_PASSWORD)
        for spec in missing:
            user = core._create_user(spec.email, spec.full_name, password_hash)
            Membership.objects.create(user=user, role=Role.ASSESSOR, lsp=lsp)
            users[spec.email] = user
    have = set(Assessor.objects.filter(user__email__in=emails).values_list("user__email", flat=True))
    fields = _field_schemes()
    added = 0
    for spec in ASSESSORS:
        if spec.email in have or spec.email not in users:
            continue
        assessor = Assessor.objects.create(user=users[spec.email], lsp=lsp, registration_number=spec.number,
                                           licence_expires=spec.licence_expires)
        assessor.schemes.set([scheme for field in spec.fields for scheme in fields[field]])
        added += 1
    return added


# --- assessments -----------------------------------------------------------------------------------------

EVENT_AFTER, EVENT_DAYS = 3, 6  # the uji kompetensi: one of the first 6 working days from 3 days after the class
OPEN_DAYS = 7  # events of the last week before DEMO_TODAY are still open (not decided)
BK_PER_EVENT = (0, 1, 1, 2, 2, 3)  # Belum Kompeten candidates in an event of about 15: pass rate about 90 %
SELF_BK_SHARE = 0.03  # units a candidate rates BK themselves in FR.APL.02
BK_NOTES = [
    "Belum dapat menunjukkan elemen \"{element}\" sesuai kriteria unjuk kerja; perlu latihan tambahan.",
    "Elemen \"{element}\" belum dikuasai: hasil kerja tidak sesuai standar; disarankan uji ulang unit ini.",
    "Pada elemen \"{element}\" asesi memerlukan bimbingan; belum mandiri dan belum konsisten.",
]
K_NOTES = ["Kerja rapi, runtut dan sesuai prosedur.", "Menjawab pertanyaan lisan dengan tepat.",
           "Bukti portofolio pelatihan lengkap."]


def _schedule_days(end: datetime.date) -> list[datetime.date]:
    """The first working days from three days after the class's last day (after Lebaran when it falls there),
    up to DEMO_TODAY."""
    days = working_days(end + datetime.timedelta(days=EVENT_AFTER), end + datetime.timedelta(days=30),
                        core.HOLIDAYS_2025)
    return [day for day in days[:EVENT_DAYS] if day <= core.DEMO_TODAY]


class _Planner:
    """Assessor days: how many candidates each assessor has on a day and at which TUK (one TUK a day)."""

    def __init__(self, assessors: list[Assessor], preferred: set[int]):
        self.assessors = assessors
        self.preferred = preferred
        self.limit = settings.KOMPETEN_ASSESSOR_DAILY_LIMIT
        self.load: dict[tuple[int, datetime.date], int] = defaultdict(int)
        self.where: dict[tuple[int, datetime.date], int] = {}
        self.total: dict[int, int] = defaultdict(int)
        self.licensed: dict[int, set[int]] = {a.pk: {s.pk for s in a.schemes.all()} for a in assessors}
        rows = (Assessment.objects.filter(assessor__in=assessors).exclude(status=CandidateStatus.ABSENT)
                .values_list("assessor_id", "event__date", "event__tuk_id"))
        for assessor_id, day, tuk_id in rows:
            self.load[(assessor_id, day)] += 1
            self.where[(assessor_id, day)] = tuk_id
            self.total[assessor_id] += 1

    def free(self, assessor: Assessor, day: datetime.date, tuk_id: int) -> int:
        if self.where.get((assessor.pk, day), tuk_id) != tuk_id:
            return 0
        return max(0, self.limit - self.load[(assessor.pk, day)])

    def team(self, scheme_id: int, day: datetime.date, tuk_id: int, count: int, *, prefer: bool = False,
             exclude=()) -> list[Assessor] | None:
        """The fewest licensed assessors free enough on the day for ``count`` candidates, the least busy first
        (the demo's staff assessors first when ``prefer``); None when they are not enough."""
        able = [a for a in self.assessors if scheme_id in self.licensed[a.pk] and a.licence_expires >= day
                and a.pk not in exclude and self.free(a, day, tuk_id) > 0]
        able.sort(key=lambda a: (not (prefer and a.pk in self.preferred), self.total[a.pk], a.pk))
        for size in range(max(1, math.ceil(count / self.limit)), len(able) + 1):
            share = math.ceil(count / size)
            roomy = [a for a in able if self.free(a, day, tuk_id) >= share]
            if len(roomy) >= size:
                return roomy[:size]
        return None

    def assign(self, team: list[Assessor], day: datetime.date, tuk_id: int, count: int) -> list[Assessor]:
        """Share ``count`` candidates over the team, evenly within each one's room; one assessor per candidate."""
        given = {a.pk: 0 for a in team}
        out = []
        for _ in range(count):
            assessor = min((a for a in team if given[a.pk] < self.free(a, day, tuk_id)),
                           key=lambda a: (given[a.pk], a.pk))
            given[assessor.pk] += 1
            out.append(assessor)
        for assessor in team:
            if given[assessor.pk]:
                self.load[(assessor.pk, day)] += given[assessor.pk]
                self.where[(assessor.pk, day)] = tuk_id
                self.total[assessor.pk] += given[assessor.pk]
        return out


@dataclass
class _Context:
    lsp: Lsp
    manager: User | None
    operators: dict[int, int]  # centre id -> operator user id
    tuks: dict[str, Tuk]
    planner: _Planner
    units: dict[int, list[CompetencyUnit]]  # scheme id -> units


def _context() -> _Context | None:
    lsp = Lsp.objects.filter(code=core.LSP_CODE).first()
    if lsp is None:
        return None
    assessors = list(Assessor.objects.filter(lsp=lsp, is_active=True, user__email__in=[a.email for a in ASSESSORS])
                     .select_related("user").prefetch_related("schemes").order_by("pk"))
    if not assessors:
        return None
    staff = {u.email for u in core.STAFF_USERS if u.role == Role.ASSESSOR}
    preferred = {a.pk for a in assessors if a.user.email in staff}
    manager_email = next(u.email for u in core.STAFF_USERS if u.role == Role.LSP_ADMIN)
    units = defaultdict(list)
    for unit in CompetencyUnit.objects.filter(scheme__lsps=lsp).order_by("scheme_id", "order", "code"):
        units[unit.scheme_id].append(unit)
    return _Context(lsp=lsp, manager=User.objects.filter(email=manager_email).first(), operators=core._operators(),
                    tuks={t.code: t for t in lsp.tuks.all()}, planner=_Planner(assessors, preferred), units=units)


def _tuk_for(ctx: _Context, batch: Batch) -> Tuk | None:
    centre = batch.centre.code
    if batch.package.vocation.code in WORKPLACE_VOCATIONS.get(centre, ()) and TUK_HOTEL in ctx.tuks:
        return ctx.tuks[TUK_HOTEL]
    return ctx.tuks.get(TUK_SEWAKTU.get(centre, ""))


def _apl01_data(person: Person, documents: list[dict]) -> dict:
    """As services.record_apl01 keeps it."""
    data = snapshot(person, services.APL01_FIELDS)
    data["documents"] = documents
    return data


def _methods(rng: random.Random, workplace: bool) -> list[str]:
    methods = {EvidenceMethod.OBSERVATION.value}
    if rng.random() < 0.6:
        methods.add(EvidenceMethod.ORAL.value)
    if rng.random() < 0.45:
        methods.add(EvidenceMethod.WRITTEN.value)
    if rng.random() < 0.2:
        methods.add(EvidenceMethod.PORTFOLIO.value)
    if workplace and rng.random() < 0.5:
        methods.add(EvidenceMethod.THIRD_PARTY.value)
    return sorted(methods)


def _finished_batches():
    """Finished classes with participants who completed and no assessment candidates yet, in date order."""
    year = core._programme_year()
    if year is None:
        return []
    assessed = Assessment.objects.filter(enrolment__batch=models.OuterRef("pk"))
    completed = Enrolment.objects.filter(batch=models.OuterRef("pk"), status=EnrolmentStatus.COMPLETED)
    return list(Batch.objects.filter(programme_year=year, status__in=core.FINISHED_STATUSES,
                                     package__scheme__isnull=False)
                .filter(models.Exists(completed)).exclude(models.Exists(assessed))
                .select_related("centre", "package__vocation", "package__scheme")
                .order_by("end_date", "centre__code", "package__code", "number"))


@dataclass
class _Event:
    event: AssessmentEvent
    batch: Batch
    team: list[Assessor]
    enrolments: list[Enrolment]
    assessors: list[Assessor]  # per enrolment
    untouched: bool = False  # journey S3: nothing recorded yet, whatever the day


def make_assessments() -> int:
    """The uji kompetensi of every finished class (see the module docstring); returns the candidates added."""
    ctx = _context()
    if ctx is None:
        return 0
    batches = _finished_batches()
    if not batches:
        return 0
    rng = core._rng("assessments")
    open_from = core.DEMO_TODAY - datetime.timedelta(days=OPEN_DAYS)
    enrolments = defaultdict(list)
    for enrolment in (Enrolment.objects.filter(batch__in=batches, status=EnrolmentStatus.COMPLETED)
                      .select_related("person").order_by("person__full_name", "pk")):
        enrolments[enrolment.batch_id].append(enrolment)
    planned: list[_Event] = []
    journey = core.assessed_journey_batch()
    journey_assessor = next((a for a in ctx.planner.assessors if a.user.email == JOURNEY_ASSESSOR), None)
    if journey is not None and journey_assessor is not None:
        batches.sort(key=lambda b: b.pk != journey.pk)  # planned first: its assessor is free on DEMO_TODAY
    for batch in batches:
        tuk = _tuk_for(ctx, batch)
        days = _schedule_days(batch.end_date)
        people = enrolments[batch.pk]
        if tuk is None or not days or not people:
            continue
        if journey is not None and journey_assessor is not None and batch.pk == journey.pk:
            planned += _journey_events(ctx, batch, tuk, people, journey_assessor, rng)
            continue
        start = rng.randrange(min(3, len(days)))
        for day in days[start:] + days[:start]:
            busy = (journey_assessor.pk,) if journey_assessor is not None and day == core.DEMO_TODAY else ()
            team = ctx.planner.team(batch.package.scheme_id, day, tuk.pk, len(people), prefer=day >= open_from,
                                    exclude=busy)
            if team is not None:
                break
        else:
            continue
        created = core._at(batch.end_date, datetime.time(13, rng.randrange(60)))
        event = AssessmentEvent(
            lsp=ctx.lsp, scheme=batch.package.scheme, tuk=tuk, centre=batch.centre, date=day,
            status=EventStatus.PLANNED if day >= open_from else EventStatus.COMPLETED,
            note=f"Uji kompetensi {batch.package.name}, angkatan {batch.number} ({batch.centre.short_name})"[:255],
            created_by_id=ctx.operators.get(batch.centre_id), created_at=created)
        assigned = ctx.planner.assign(team, day, tuk.pk, len(people))
        planned.append(_Event(event, batch, team, people, assigned))
    if not planned:
        return 0
    with core._given_timestamps(AssessmentEvent, "created_at"):
        AssessmentEvent.objects.bulk_create([p.event for p in planned])
    through = AssessmentEvent.assessors.through
    through.objects.bulk_create([through(assessmentevent_id=p.event.pk, assessor_id=a.pk)
                                 for p in planned for a in p.team])
    return _candidates(ctx, rng, planned, open_from)


JOURNEY_ASSESSOR = f"asesor@{core.DEMO_DOMAIN}"


def _journey_events(ctx: _Context, batch: Batch, tuk: Tuk, people: list[Enrolment], assessor: Assessor,
                    rng: random.Random) -> list[_Event]:
    """Journey S3: the uji kompetensi of core.assessed_journey_batch() on DEMO_TODAY. The demo assessor (asesor@)
    has as many of its candidates as the daily limit allows, in an event of their own with nothing recorded yet
    (journey_event); the others, if any, are in a second event of the day at the same TUK, by other assessors."""
    day = core.DEMO_TODAY
    if batch.package.scheme_id not in ctx.planner.licensed[assessor.pk]:
        return []
    first = people[:ctx.planner.free(assessor, day, tuk.pk)]
    groups = [([assessor], first)] if first else []
    rest = people[len(first):]
    if rest:
        team = ctx.planner.team(batch.package.scheme_id, day, tuk.pk, len(rest), prefer=True, exclude=(assessor.pk,))
        if team is not None:
            groups.append((team, rest))
    events = []
    for number, (team, group) in enumerate(groups, start=1):
        created = core._at(batch.end_date, datetime.time(13, rng.randrange(60)))
        part = f", kelompok {number}" if len(groups) > 1 else ""
        event = AssessmentEvent(
            lsp=ctx.lsp, scheme=batch.package.scheme, tuk=tuk, centre=batch.centre, date=day,
            status=EventStatus.PLANNED,
            note=(f"Uji kompetensi {batch.package.name}, angkatan {batch.number}{part} "
                  f"({batch.centre.short_name})")[:255],
            created_by_id=ctx.operators.get(batch.centre_id), created_at=created)
        events.append(_Event(event, batch, team, group, ctx.planner.assign(team, day, tuk.pk, len(group)),
                             untouched=team == [assessor]))
    return events


def journey_event() -> AssessmentEvent | None:
    """Journey S3: the assessment event of core.assessed_journey_batch() on DEMO_TODAY at the TUK of BLKI
    Balikpapan, every candidate assigned to asesor@ and nothing recorded yet (no FR.AK.01, no unit result)."""
    batch = core.assessed_journey_batch()
    if batch is None:
        return None
    return (AssessmentEvent.objects.filter(candidates__enrolment__batch=batch, date=core.DEMO_TODAY,
                                           assessors__user__email=JOURNEY_ASSESSOR)
            .distinct().order_by("pk").first())


def _documents(person_ids: list[int]) -> dict[int, list[dict]]:
    documents = defaultdict(list)
    for start in range(0, len(person_ids), core.DOCUMENTS_CHUNK):
        rows = (PersonDocument.objects.filter(person__in=person_ids[start:start + core.DOCUMENTS_CHUNK])
                .order_by("person_id", "kind", "pk").values_list("person_id", "pk", "kind", "original_name"))
        for person_id, pk, kind, name in rows:
            documents[person_id].append({"id": pk, "kind": kind, "name": name})
    return documents


def _candidates(ctx: _Context, rng: random.Random, planned: list[_Event], open_from: datetime.date) -> int:
    """The candidates' files of the planned events, bulk-created as the services would have left them."""
    documents = _documents(sorted({e.person_id for p in planned for e in p.enrolments}))
    rows: list[Assessment] = []
    results: list[list[UnitResult]] = []
    for plan in planned:
        event = plan.event
        units = ctx.units[event.scheme_id]
        workplace = event.tuk.tuk_type == TukType.TEMPAT_KERJA
        count = len(plan.enrolments)
        failing = set(rng.sample(range(count), min(count, rng.choice(BK_PER_EVENT))))
        is_open, today = event.date >= open_from, event.date == core.DEMO_TODAY
        clock = {}  # assessor id -> minutes after 09.00 of their next unit
        for index, (enrolment, assessor) in enumerate(zip(plan.enrolments, plan.assessors, strict=True)):
            person, user_id = enrolment.person, assessor.user_id
            added = event.created_at + datetime.timedelta(minutes=5 + index)
            apl01 = core._at(event.date - datetime.timedelta(days=rng.choice((1, 2))),
                             datetime.time(rng.randint(8, 16), rng.randrange(60)))
            candidate = Assessment(
                event=event, person=person, route=Route.TRAINING, enrolment=enrolment, attempt=1, assessor=assessor,
                apl01_at=apl01, apl01_data=_apl01_data(person, documents.get(person.pk, [])),
                apl02_at=apl01 + datetime.timedelta(minutes=rng.randint(10, 40)), created_at=added)
            # How far the file got: decided; submitted (open event); on DEMO_TODAY in progress.
            stage = "decided"
            if plan.untouched:
                stage = "none"
            elif is_open:
                stage = "submitted"
                if today:
                    stage = rng.choices(["none", "consent", "partial", "recorded", "submitted"], [2, 2, 3, 2, 1])[0]
                elif rng.random() < 0.1:
                    stage = "partial"
            bk_units = set()
            if index in failing:
                bk_units = set(rng.sample(range(len(units)), min(len(units), rng.choice((1, 1, 2)))))
            recorded = len(units)
            if stage in ("none", "consent"):
                recorded = 0
            elif stage == "partial":
                recorded = rng.randint(1, max(1, len(units) - 1))
            if stage != "none":
                candidate.ak01_at = core._at(event.date, datetime.time(8, rng.randrange(30)))
                candidate.ak01_by_id = user_id
            minutes = clock.setdefault(assessor.pk, rng.randrange(20))
            unit_rows = []
            for position, unit in enumerate(units):
                self_assessed = Decision.BK if rng.random() < SELF_BK_SHARE else Decision.K
                if position in bk_units and rng.random() < 0.3:
                    self_assessed = Decision.BK
                row = UnitResult(unit=unit, self_assessment=self_assessed)
                if position < recorded:
                    minutes += rng.randint(4, 9)
                    row.result = Decision.BK if position in bk_units else Decision.K
                    row.methods = _methods(rng, workplace)
                    if row.result == Decision.BK:
                        element = rng.choice(unit.elements) if unit.elements else unit.title
                        row.notes = rng.choice(BK_NOTES).format(element=element[:1].lower() + element[1:])
                    elif rng.random() < 0.08:
                        row.notes = rng.choice(K_NOTES)
                    row.version = 1
                    row.updated_at = core._at(event.date, datetime.time(9, 0)) + datetime.timedelta(minutes=minutes)
                    row.updated_by_id = user_id
                unit_rows.append(row)
            clock[assessor.pk] = minutes + rng.randint(5, 15)
            if stage in ("submitted", "decided"):
                last = max(row.updated_at for row in unit_rows)
                candidate.submitted_at = last + datetime.timedelta(minutes=rng.randint(5, 30))
                candidate.status = CandidateStatus.ASSESSED
            if stage == "decided":
                decided_on = event.date + datetime.timedelta(days=rng.randint(1, 4))
                candidate.status = CandidateStatus.APPROVED
                candidate.decision = services.recommendation(r.result for r in unit_rows)
                candidate.decided_at = core._at(decided_on, datetime.time(rng.randint(9, 15), rng.randrange(60)))
                candidate.decided_by = ctx.manager
            rows.append(candidate)
            results.append(unit_rows)
    with core._given_timestamps(Assessment, "created_at"):
        core._bulk_create(Assessment, rows)
    unit_rows = []
    for candidate, rows_of_candidate in zip(rows, results, strict=True):
        for row in rows_of_candidate:
            row.assessment_id = candidate.pk
            unit_rows.append(row)
    core._bulk_create(UnitResult, unit_rows)
    return len(rows)


# --- appeals and the re-assessment of an upheld one ------------------------------------------------------

APPEALS = {
    AppealStatus.UPHELD: (
        "Saat unit {unit} diuji, peralatan praktik di TUK rusak sehingga asesi tidak dapat menyelesaikan "
        "demonstrasi. Asesi memohon uji ulang untuk unit tersebut.",
        "Banding diterima: berita acara TUK mencatat kerusakan peralatan pada hari uji. Asesi diuji ulang "
        "untuk unit yang belum kompeten oleh asesor lain.",
    ),
    AppealStatus.REJECTED: (
        "Asesi merasa sudah kompeten pada unit {unit} dan tidak sependapat dengan keputusan asesor.",
        "Banding ditolak: rekaman asesmen (FR.AK.02) dan bukti observasi menunjukkan kriteria unjuk kerja "
        "unit tersebut belum terpenuhi. Asesi dapat mendaftar uji ulang.",
    ),
}
APPEAL_FROM, APPEAL_UNTIL = datetime.date(2025, 5, 1), datetime.date(2025, 7, 31)  # decisions appealed


def _bk_candidates(ctx: _Context) -> list[Assessment]:
    return list(Assessment.objects.filter(event__lsp=ctx.lsp, status=CandidateStatus.APPROVED,
                                          decision=Decision.BK, attempt=1, appeals__isnull=True,
                                          event__date__range=(APPEAL_FROM, APPEAL_UNTIL))
                .select_related("event__scheme", "event__tuk", "event__centre", "assessor", "person", "enrolment")
                .order_by("event__date", "pk"))


def make_appeals() -> int:
    """Two FR.AK.04 appeals against BK decisions (one upheld and re-assessed, one rejected); returns those added."""
    ctx = _context()
    if ctx is None or ctx.manager is None or Appeal.objects.filter(assessment__event__lsp=ctx.lsp).exists():
        return 0
    pool = _bk_candidates(ctx)
    if len(pool) < 2:
        return 0
    rng = core._rng("appeals")
    upheld, rejected = rng.sample(pool, 2)
    added = 0
    for candidate, status in ((upheld, AppealStatus.UPHELD), (rejected, AppealStatus.REJECTED)):
        failed = candidate.results.filter(result=Decision.BK).select_related("unit").order_by("unit__order").first()
        grounds, outcome = APPEALS[status]
        filed = candidate.decided_at + datetime.timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 3))
        filed_by = ctx.operators.get(candidate.event.centre_id) or ctx.manager.pk
        appeal = Appeal.objects.create(
            assessment=candidate, grounds=grounds.format(unit=failed.unit.code), filed_at=filed, filed_by_id=filed_by,
            status=status, outcome=outcome, decided_at=filed + datetime.timedelta(days=rng.randint(3, 6)),
            decided_by=ctx.manager)
        added += 1
        if status == AppealStatus.UPHELD:
            _reassess(ctx, rng, candidate, appeal)
    return added


def _reassess(ctx: _Context, rng: random.Random, previous: Assessment, appeal: Appeal) -> Assessment | None:
    """The re-assessment after the upheld appeal, through the services: an event of its own a week or two after
    the appeal was decided, by another assessor, only the BK units (the scheme's re-assessment scope), all K."""
    event_of = previous.event
    decided = appeal.decided_at.date()
    days = [d for d in working_days(decided + datetime.timedelta(days=5), decided + datetime.timedelta(days=20),
                                    core.HOLIDAYS_2025)
            if d < core.DEMO_TODAY - datetime.timedelta(days=OPEN_DAYS)]
    team = None
    for day in days:
        team = ctx.planner.team(event_of.scheme_id, day, event_of.tuk_id, 1, exclude={previous.assessor_id})
        if team:
            break
    if not team:
        return None
    assessor = team[0]
    operator = User.objects.filter(pk=ctx.operators.get(event_of.centre_id)).first() or ctx.manager
    event = services.create_event(
        scheme=event_of.scheme, tuk=event_of.tuk, date=day, assessors=[assessor], centre=event_of.centre,
        note=f"Uji ulang setelah banding FR.AK.04 diterima ({previous.person.full_name})", by=operator)
    candidate = services.add_reassessment(event, previous, by=operator)
    ctx.planner.assign([assessor], day, event_of.tuk_id, 1)
    services.assign_assessor(candidate, assessor, by=operator)
    services.record_apl01(candidate, by=operator)
    rows = list(candidate.results.all())
    services.record_apl02(candidate, {r.unit_id: Decision.K for r in rows}, by=operator)
    services.record_ak01(candidate, by=assessor.user)
    for row in rows:
        services.record_unit(candidate, row.unit_id, result=Decision.K,
                             methods=[EvidenceMethod.OBSERVATION.value, EvidenceMethod.ORAL.value], version=row.version,
                             notes="Uji ulang: elemen yang sebelumnya belum kompeten kini ditunjukkan sesuai standar.",
                             by=assessor.user)
    services.submit(candidate, by=assessor.user)
    services.approve(candidate, by=ctx.manager)
    # The services stamp the machine's clock: date the rows as it happened.
    scheduled = appeal.decided_at + datetime.timedelta(hours=2)
    AssessmentEvent.objects.filter(pk=event.pk).update(created_at=scheduled)
    apl01 = core._at(day - datetime.timedelta(days=2), datetime.time(10, rng.randrange(60)))
    Assessment.objects.filter(pk=candidate.pk).update(
        created_at=scheduled + datetime.timedelta(minutes=5), apl01_at=apl01,
        apl02_at=apl01 + datetime.timedelta(minutes=20), ak01_at=core._at(day, datetime.time(8, 10)),
        submitted_at=core._at(day, datetime.time(11, 30)),
        decided_at=core._at(day + datetime.timedelta(days=1), datetime.time(10, 15)))
    for position, row in enumerate(rows):
        UnitResult.objects.filter(pk=row.pk).update(
            updated_at=core._at(day, datetime.time(9, 0)) + datetime.timedelta(minutes=20 * (position + 1)))
    return candidate
