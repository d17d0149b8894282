"""Benchmark: a year of certificates (1,500) signed, QR'd and rendered to PDF, issued, and verified offline.

    .venv/bin/python bench/certificates.py [--count 1500] [--training 500] [--runs 5] [--segno-sample 40]

Sets Django up in this process against a throwaway SQLite database and key folder in a temporary
directory (`migrate` and the reference data; not timed), with the production settings and
KOMPETEN_BASE_URL=https://kompeten.kaltimprov.go.id (the base URL is in every QR, so its length matters).
It bulk-creates --count job seekers (Faker id_ID names and birth places, seeded): --training of them
completed a batch at BLKI Balikpapan, the others have an approved Kompeten assessment in one of five
schemes of 5 to 12 units at the LSP (realistic SKKNI unit codes and titles). Then:

(d) issue: every certificate through ``services.issue_training`` / ``issue_competency`` (number from the
    locked counter, status index, signature, ledger entry, audit entry; one transaction each). Once: it
    fills the database the other steps read.

and, --runs times each (median reported):

(a) sign + payload: ``codec.sign`` (the claims as ``services`` builds them) then ``codec.to_digits``;
(b) QR: the symbol the PDF draws (``pdf.qr_symbol``: kompeten.certificates.qrfast, the same matrix as
    ``codec.make_qr``); segno's ``codec.make_qr`` itself is timed on --segno-sample certificates and
    scaled to --count (it takes tens of milliseconds a symbol);
(c) PDF: ``pdf.render_many`` of all of them into one document (two pages each), the database read and
    the QR symbols included;
(e) offline verification: ``codec.verify`` of every QR text against the keyring (keys.json's keys),
    per second.

The goal (issue): (a) + (b) + (c) under 5 s on one core; since (c) already draws the QR it counts once:
the "a + c" line. Verification: at least 10,000 a second. The process is pinned to one CPU. Nothing is
written outside the temporary directory.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = "https://kompeten.kaltimprov.go.id"
SEED = 20250101
SCHEMES = [
    ("SKM.TIK.JWD.2023", "Skema Sertifikasi Okupasi Junior Web Developer", "J.620100", 4),
    ("SKM.TAM.OAB.2022", "Skema Sertifikasi Operator Alat Berat Excavator pada Pertambangan Mineral dan Batubara",
     "B.090000", 3),
    ("SKM.OTO.SPM.2021", "Skema Sertifikasi Mekanik Sepeda Motor Injeksi", "G.452000", 2),
    ("SKM.KON.TLB.2023", "Skema Sertifikasi Tukang Las Konstruksi Baja (SMAW 3G)", "F.439000", 3),
    ("SKM.PAR.TGR.2022", "Skema Sertifikasi Pramubakti Tata Graha (Room Attendant)", "I.551000", 2),
]
UNIT_TITLES = [
    "Menerapkan Prinsip-prinsip Keselamatan dan Kesehatan Kerja di Lingkungan Kerja",
    "Melakukan Komunikasi di Tempat Kerja",
    "Menggunakan Peralatan Tangan dan Alat Ukur",
    "Melaksanakan Pemeliharaan Ringan Peralatan",
    "Membaca Gambar Teknik dan Spesifikasi Kerja",
    "Melakukan Pemeriksaan Awal Sebelum Pengoperasian",
    "Menyusun Laporan Pekerjaan Harian",
    "Menerapkan Prosedur Mutu dan Lingkungan",
    "Mengidentifikasi Kerusakan dan Memperbaiki Komponen",
    "Mengoperasikan Peralatan Sesuai Instruksi Kerja",
    "Bekerja Sama dengan Kolega dan Pelanggan",
    "Menangani Situasi Konflik",
]


def setup_django(folder: Path) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "kompeten.settings",
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "KOMPETEN_VAR_DIR": str(folder),
        "KOMPETEN_KEY_DIR": str(folder / "keys"),
        "KOMPETEN_MEDIA_ROOT": str(folder / "media"),
        "KOMPETEN_BASE_URL": BASE_URL,
        "KOMPETEN_HTTPS": "0",
        "KOMPETEN_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    })
    import django

    django.setup()
    from django.core.management import call_command

    from kompeten.reference.loader import load_all
    from kompeten.reference.services import clear_caches

    call_command("migrate", verbosity=0, interactive=False)
    load_all()
    clear_caches()


def make_data(count: int, training: int, seed: int):
    """``training`` completed enrolments and ``count - training`` approved Kompeten assessments (bulk)."""
    from django.utils import timezone
    from faker import Faker

    from kompeten.assessment.models import Assessment, AssessmentEvent, CompetencyUnit, Lsp, Scheme, Tuk
    from kompeten.programmes.models import Batch, ProgrammeYear, TrainingCentre, TrainingPackage, Vocation
    from kompeten.registry.models import Person
    from kompeten.registry.nik import make_nik
    from kompeten.training.models import Enrolment

    rng = random.Random(seed)
    faker = Faker("id_ID")
    faker.seed_instance(seed)
    centre = TrainingCentre.objects.get(code="blki_balikpapan")
    year = ProgrammeYear.objects.get_or_create(year=2025, defaults={"name": "Program 2025"})[0]
    lsp = Lsp.objects.create(code="lsp-blki-kaltim", name="LSP P2 BLKI Kalimantan Timur",
                             licence_number="BNSP-LSP-1487-ID", lsp_type="P2", centre=centre,
                             licensed_from=datetime.date(2023, 1, 1), licensed_until=datetime.date(2027, 12, 31))
    tuk = Tuk.objects.create(lsp=lsp, code="tuk-bpp", name="TUK Sewaktu BLKI Balikpapan", tuk_type="sewaktu",
                             centre=centre)
    schemes = []
    for code, title, prefix, level in SCHEMES:
        scheme = Scheme.objects.create(code=code, title=title, scheme_type="kkni", kkni_level=level,
                                       validity_months=36, is_example=True)
        picked = sorted(rng.sample(range(1, 60), rng.randint(5, 12)))
        CompetencyUnit.objects.bulk_create(
            CompetencyUnit(scheme=scheme, order=order, code=f"{prefix}.{unit:03d}.0{rng.randint(1, 2)}",
                           title=rng.choice(UNIT_TITLES)) for order, unit in enumerate(picked, start=1))
        lsp.schemes.add(scheme)
        schemes.append(scheme)
    events = [AssessmentEvent.objects.create(lsp=lsp, scheme=scheme, tuk=tuk, centre=centre,
                                             date=datetime.date(2025, 4, 14), status="completed")
              for scheme in schemes]
    first = datetime.date(1985, 1, 1).toordinal()
    people = []
    for serial in range(1, count + 1):
        born = datetime.date.fromordinal(first + rng.randrange(20 * 365))
        sex = rng.choice("LP")
        people.append(Person(nik=make_nik("64.71.05", born, sex, serial), full_name=faker.name()[:60], sex=sex,
                             birth_date=born, birth_place=faker.city(), source="operator",
                             registered_centre=centre))
    people = Person.objects.bulk_create(people)
    vocation = Vocation.objects.filter(centres=centre).order_by("code").first()
    package = TrainingPackage.objects.create(centre=centre, code=vocation.code, vocation=vocation, name=vocation.name,
                                             hours=240, required_documents=[], scheme=schemes[2])
    batches = [Batch.objects.create(programme_year=year, centre=centre, package=package, number=number,
                                    start_date=datetime.date(2025, 3, 3), end_date=datetime.date(2025, 4, 4),
                                    capacity=16, status="completed")
               for number in range(1, -(-training // 16) + 1)]
    Enrolment.objects.bulk_create(
        Enrolment(batch=batches[index // 16], person=person, source="operator", status="completed",
                  final_test_passed=True) for index, person in enumerate(people[:training]))
    now = timezone.now()
    Assessment.objects.bulk_create(
        Assessment(event=events[index % len(events)], person=person, status="approved", decision="K",
                   submitted_at=now, decided_at=now) for index, person in enumerate(people[training:]))
    enrolments = list(Enrolment.objects.filter(batch__in=batches).select_related("batch__package", "batch__centre",
                                                                                 "person").order_by("pk"))
    assessments = list(Assessment.objects.select_related("event__scheme", "event__lsp", "event__centre",
                                                         "person").order_by("pk"))
    return enrolments, assessments


def timed(function) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1500, help="certificates in all")
    parser.add_argument("--training", type=int, default=500, help="how many of them are training certificates")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--segno-sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep-pdf", help="write the last rendered PDF to this file")
    options = parser.parse_args()
    if not 0 <= options.training <= options.count:
        parser.error("--training must be between 0 and --count")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})

    folder = Path(tempfile.mkdtemp(prefix="kompeten-bench-certificates-"))
    try:
        return run(options, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(options, folder: Path) -> int:
    started = time.perf_counter()
    setup_django(folder)
    from django.conf import settings
    from django.utils import timezone

    from kompeten.certificates import codec, keystore, pdf, services
    from kompeten.certificates.models import Certificate

    enrolments, assessments = make_data(options.count, options.training, options.seed)
    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, {os.cpu_count()} CPUs "
          f"(pinned to one), Python {platform.python_version()}")
    print(f"setup (migrate, reference data, {options.count} people) {time.perf_counter() - started:.1f} s; "
          f"load average {os.getloadavg()[0]:.2f} (other processes slow the wall time)")

    # (d) issue through services, once.
    def issue():
        for enrolment in enrolments:
            services.issue_training(enrolment)
        for assessment in assessments:
            services.issue_competency(assessment)

    issue_wall, issue_cpu, _ = timed(issue)
    certs = list(Certificate.objects.select_related("issuer", "key").order_by("pk"))
    assert len(certs) == options.count, len(certs)
    digits = sorted(len(cert.qr_digits) for cert in certs)
    versions = sorted(pdf.qr_symbol(cert).version for cert in certs)
    print(f"{options.count} certificates ({options.count - options.training} competency, {options.training} "
          f"training): digits median {statistics.median(digits):.0f}, max {digits[-1]}; QR version median "
          f"{statistics.median(versions):.0f}, max {versions[-1]} (level Q, {BASE_URL})")

    keys_by_pk = {}
    for cert in certs:
        if cert.key_id not in keys_by_pk:
            keys_by_pk[cert.key_id] = (keystore.private_key(cert.key), keystore.keys.b64url_decode(cert.key.kid))
    iat = int(timezone.now().timestamp())

    def sign():
        return [codec.to_digits(codec.sign(services._claims(cert, iat), *keys_by_pk[cert.key_id])) for cert in certs]

    def qr():
        return [pdf.qr_symbol(cert) for cert in certs]

    def render():
        return pdf.render_many(certs)

    ring = keystore.keyring()
    texts = [services.qr_text(cert) for cert in certs]

    def verify():
        results = [codec.verify(text, ring) for text in texts]
        assert all(result.ok for result in results)
        return results

    sample = certs[:options.segno_sample]

    def segno_qr():
        return [codec.make_qr(settings.KOMPETEN_BASE_URL, cert.qr_digits) for cert in sample]

    steps = {"a": ("(a) sign + payload", sign), "b": ("(b) QR symbols (qrfast)", qr),
             "c": ("(c) PDF, 2 pages each", render), "e": ("(e) offline verify", verify)}
    walls = {key: [] for key in steps}
    cpus = {key: [] for key in steps}
    document = b""
    for number in range(1, options.runs + 1):
        line = []
        for key, (_name, function) in steps.items():
            wall, cpu, result = timed(function)
            walls[key].append(wall)
            cpus[key].append(cpu)
            line.append(f"{key} {wall:.2f} s")
            if key == "c":
                document = result
        print(f"run {number}: " + ", ".join(line), flush=True)
    segno_wall, _segno_cpu, symbols = timed(segno_qr)
    check = pdf.qr_symbol(sample[0])
    assert check.version == symbols[0].version and check.mask == symbols[0].mask
    if options.keep_pdf:
        Path(options.keep_pdf).write_bytes(document)

    n = options.count
    median = {key: statistics.median(values) for key, values in walls.items()}
    median_cpu = {key: statistics.median(values) for key, values in cpus.items()}
    print()
    print(f"median of {options.runs} runs, {n} certificates (wall; CPU in brackets):")
    print(f"  {'step':34s} {'total':>9s} {'per cert':>10s} {'rate':>12s}")
    for key, (name, _function) in steps.items():
        total = median[key]
        print(f"  {name:34s} {total:8.2f}s {1000 * total / n:8.2f}ms {n / total:10,.0f}/s  "
              f"({median_cpu[key]:.2f} s CPU)")
    print(f"  {'(b) segno codec.make_qr, scaled':34s} {segno_wall / len(sample) * n:8.2f}s "
          f"{1000 * segno_wall / len(sample):8.2f}ms {len(sample) / segno_wall:10,.0f}/s  "
          f"({len(sample)} timed)")
    print(f"  {'(d) issue through services (once)':34s} {issue_wall:8.2f}s {1000 * issue_wall / n:8.2f}ms "
          f"{n / issue_wall:10,.0f}/s  ({issue_cpu:.2f} s CPU)")
    total = median["a"] + median["c"]
    print(f"  a + c (sign, QR and PDF; c draws the QR)  {total:.2f} s  (goal < 5 s: "
          f"{'met' if total < 5 else 'NOT met'}); PDF {len(document) / 2**20:.1f} MB, {2 * n} pages")
    rate = n / median["e"]
    print(f"  offline verification {rate:,.0f}/s (goal >= 10,000/s: {'met' if rate >= 10000 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
