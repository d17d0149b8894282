"""Benchmark: the certificate QR codec (kompeten/certificates/codec.py), in-process on one core.

    .venv/bin/python bench/certificate_codec.py [--n 1500] [--runs 5] [--qr-n 300] [--seed 20250101]

Generates --n seeded certificates (a year of the reference programme: 1,500), two thirds competency
certificates (5 to 12 SKKNI unit codes, a scheme title up to 80 characters, a KKNI level, expiry
after three years) and one third training certificates, with Faker id_ID holder names and birth
dates, issued by two issuers (an LSP and a BLKI, each with its own Ed25519 key). Then, --runs times,
times three passes over all of them and reports the median rate of each:

1. sign + encode: ``codec.sign`` (pycose) then ``codec.to_digits``;
2. verify: ``codec.verify`` on the full QR text (``{base}/v#{digits}``) against the two-key
   keyring: digits -> zlib -> COSE_Sign1 -> Ed25519 signature -> claims; every result must be ok;
3. QR generation: ``codec.make_qr`` (segno, level Q, byte + numeric segments), the matrix only,
   for the first --qr-n certificates (segno spends ~30 ms on a version-20 code, 80 % of it trying
   the 8 masks, so a pass over all 1,500 would take most of a minute; the rate does not depend on
   the count).

For scale it also times the bare Ed25519 verification (cryptography's OpenSSL) over the same
messages: the ceiling of step 2. The process is pinned to one CPU (sched_setaffinity) and runs one
thread; the rates are per wall-clock second, the CPU time is printed beside them. Nothing is written
to disk. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import segno

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kompeten.certificates import codec, keys  # noqa: E402

SEED = 20250101
BASE_URL = "https://kompeten.kaltimprov.go.id"
LSP = "lsp-tik-kaltim"
BLKI = "blki-balikpapan"
SCHEMES = [
    ("SKM.TIK.JWD.2023", "Skema Sertifikasi Okupasi Junior Web Developer Bidang Pengembangan Perangkat Lunak",
     "J.620100", 4),
    ("SKM.TAM.OAB.2022", "Skema Sertifikasi Operator Alat Berat Excavator pada Pertambangan Mineral dan Batubara",
     "B.090000", 3),
    ("SKM.OTO.SPM.2021", "Skema Sertifikasi Mekanik Sepeda Motor Injeksi", "G.452000", 2),
    ("SKM.KON.TLB.2023", "Skema Sertifikasi Tukang Las Konstruksi Baja (SMAW 3G)", "F.439000", 3),
    ("SKM.PAR.TGR.2022", "Skema Sertifikasi Pramubakti Tata Graha (Room Attendant)", "I.551000", 2),
]
PROGRAMMES = ["Pelatihan Operator Alat Berat Excavator", "Pelatihan Teknisi Sepeda Motor Injeksi",
              "Pelatihan Tata Graha Hotel", "Pelatihan Pengelasan SMAW", "Pelatihan Desain Grafis Muda"]


def generate(count: int, seed: int) -> list[codec.CertificateClaims]:
    from faker import Faker

    faker = Faker("id_ID")
    faker.seed_instance(seed)
    rng = random.Random(seed)
    iat0 = int(datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC).timestamp())
    claims = []
    for number in range(1, count + 1):
        iat = iat0 + rng.randrange(300 * 86400)
        issued = datetime.datetime.fromtimestamp(iat, datetime.UTC).date()
        common = {
            "holder_name": faker.name()[:40],
            "holder_birth_date": faker.date_of_birth(minimum_age=18, maximum_age=45).isoformat(),
            "holder_id": rng.randbytes(8),
            "issued_on": issued.isoformat(),
            "public_code": "".join(rng.choices("ABCDEFGHJKMNPQRSTUVWXYZ23456789", k=8)),
            "iat": iat,
        }
        if number % 3:
            code, title, prefix, level = rng.choice(SCHEMES)
            units = tuple(f"{prefix}.{unit:03d}.0{rng.randint(1, 2)}"
                          for unit in sorted(rng.sample(range(1, 60), rng.randint(5, 12))))
            claims.append(codec.CertificateClaims(
                number=f"LSP-TIK/KLT/2025/{number:06d}", kind="competency", title=title[:80], scheme_code=code,
                units=units, kkni_level=level, issuer_name="LSP Teknologi Informasi Kalimantan Timur",
                centre_name="UPTD Balai Latihan Kerja Industri Samarinda"[:40],
                valid_until=(issued.replace(year=issued.year + 3) - datetime.timedelta(days=1)).isoformat(),
                iss=LSP, **common))
        else:
            claims.append(codec.CertificateClaims(
                number=f"BLKI-BPN/2025/{number:06d}", kind="training", title=rng.choice(PROGRAMMES),
                scheme_code=None, units=(), kkni_level=None, issuer_name="UPTD BLKI Balikpapan", centre_name=None,
                valid_until=None, iss=BLKI, **common))
    return claims


def qr_version(digits: str) -> int:
    """The version make_qr picks, without building the matrix (segno's own sizing function)."""
    segments = segno.encoder.prepare_data(codec.qr_segments(BASE_URL, digits), None, None)
    return segno.encoder.find_version(segments, segno.consts.ERROR_LEVEL_Q, eci=False, micro=False)


def timed(function, items) -> tuple[float, float, list]:
    wall, cpu = time.perf_counter(), time.process_time()
    results = [function(item) for item in items]
    return time.perf_counter() - wall, time.process_time() - cpu, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--qr-n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED)
    options = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    claims = generate(options.n, options.seed)
    signing = {LSP: keys.generate_private_key(), BLKI: keys.generate_private_key()}
    ring = keys.Keyring()
    for iss, key in signing.items():
        ring.add(keys.kid_for(key.public_key()), key.public_key(), iss, nbf=0)
    kids = {iss: keys.kid_for(key.public_key()) for iss, key in signing.items()}

    def sign(item):
        return codec.to_digits(codec.sign(item, signing[item.iss], kids[item.iss]))

    def verify(text):
        result = codec.verify(text, ring)
        assert result.ok, result.reason
        return result

    texts = [codec.qr_text(BASE_URL, sign(item)) for item in claims]
    messages = []
    for text in texts:
        kid, protected, payload, signature = codec._parse_sign1(codec.from_digits(codec.digits_from_text(text)))
        messages.append((ring.lookup(kid).public_key, signature, codec._sig_structure(protected, payload)))

    def raw_verify(message):
        public_key, signature, data = message
        public_key.verify(signature, data)

    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
          f"{os.cpu_count()} CPUs (pinned to one), Python {platform.python_version()}")
    from cryptography.hazmat.backends.openssl.backend import backend

    print("versions: " + ", ".join(f"{name} {version(name)}" for name in ("cryptography", "cbor2", "pycose", "segno"))
          + f", {backend.openssl_version_text()}")
    lengths = sorted(len(codec.digits_from_text(text)) for text in texts)
    qr_versions = sorted(qr_version(codec.digits_from_text(text)) for text in texts)
    print(f"{options.n} certificates ({sum(c.kind == 'competency' for c in claims)} competency): digits "
          f"median {statistics.median(lengths):.0f}, max {lengths[-1]}; QR version (level Q, {BASE_URL}) "
          f"median {statistics.median(qr_versions):.0f}, max {qr_versions[-1]}")
    print(f"load average before the runs: {os.getloadavg()[0]:.2f} (other processes slow the wall time)")

    passes = {
        "sign + encode": (sign, claims),
        "verify (QR text -> claims)": (verify, texts),
        "QR generation (make_qr)": (lambda text: codec.make_qr(BASE_URL, codec.digits_from_text(text)),
                                    texts[:options.qr_n]),
        "bare Ed25519 verify (ceiling)": (raw_verify, messages),
    }
    rates = {name: [] for name in passes}
    cpus = {name: [] for name in passes}
    for run in range(1, options.runs + 1):
        line = []
        for name, (function, items) in passes.items():
            wall, cpu_time, _ = timed(function, items)
            rates[name].append(len(items) / wall)
            cpus[name].append(len(items) / cpu_time if cpu_time else float("inf"))
            line.append(f"{name} {len(items) / wall:,.0f}/s")
        print(f"run {run}: " + "; ".join(line))
    print(f"median of {options.runs} runs, {options.n} certificates each ({options.qr_n} for QR generation):")
    for name in passes:
        print(f"  {name:32s} {statistics.median(rates[name]):>9,.0f} /s wall  "
              f"({statistics.median(cpus[name]):,.0f} /s CPU; min {min(rates[name]):,.0f}, "
              f"max {max(rates[name]):,.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
