"""Loading the reference data shipped in ``data/`` (sources and licences in data/README.md).

Idempotent: rows are matched by their codes and updated in place; running it twice changes nothing.
"""

import csv
import json
from pathlib import Path

from django.db import transaction

from kompeten.reference.models import EducationLevel, Kbji, Kbli, Region, Sector
from kompeten.reference.services import clear_caches

DATA = Path(__file__).resolve().parent / "data"

SECTORS = [
    # key, Indonesian name, English name, focus sector
    ("mining", "Pertambangan", "Mining", True),
    ("trade", "Perdagangan Besar dan Eceran", "Wholesale and retail trade", True),
    ("motorcycle_repair", "Reparasi Sepeda Motor", "Motorcycle repair", True),
    ("construction", "Konstruksi", "Construction", True),
    ("housekeeping", "Tata Graha", "Housekeeping", True),
    ("other", "Lainnya", "Other programmes", False),
]


def _rows(name: str):
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _upsert(model, key: str, rows: list[dict]) -> int:
    """Create missing rows and update changed ones; returns the number of rows written."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    new, changed = [], []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            new.append(model(**row))
            continue
        if any(getattr(obj, field) != value for field, value in row.items()):
            for field, value in row.items():
                setattr(obj, field, value)
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=500)
    if changed:
        fields = [f for f in rows[0] if f != key]
        model.objects.bulk_update(changed, fields, batch_size=500)
    return len(new) + len(changed)


def load_regions() -> int:
    rows: dict[str, dict] = {}
    for source in ("indonesia_regencies.csv", "kaltim_regions.csv"):
        for row in _rows(source):
            rows[row["code"]] = {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "kind": row["type"],
                "parent_id": row["parent_code"] or None,
                "postal_code": row.get("postal_code") or "",
                "bps_code": row.get("bps_code") or "",
            }
    ordered = sorted(rows.values(), key=lambda r: (len(r["code"]), r["code"]))  # parents first
    return _upsert(Region, "code", ordered)


def load_education() -> int:
    rows = [
        {"code": r["code"], "name": r["label_id"], "group": r["jenjang_group"], "order": int(r["order"])}
        for r in _rows("education_levels.csv")
    ]
    return _upsert(EducationLevel, "code", rows)


def load_sectors() -> int:
    rows = [
        {"key": key, "name": name, "name_en": name_en, "is_focus": focus, "order": order}
        for order, (key, name, name_en, focus) in enumerate(SECTORS)
    ]
    return _upsert(Sector, "key", rows)


def load_kbli() -> int:
    written = 0
    sectors = {s.key: s for s in Sector.objects.all()}
    for row in _rows("kbli_sectors.csv"):
        obj, created = Kbli.objects.update_or_create(
            version=row["kbli_version"], code=row["code"],
            defaults={"level": row["level"], "name": row["name_id"], "parent_code": row["parent_code"]},
        )
        keys = [k for k in row["project_sector"].split(";") if k]
        if set(obj.sectors.values_list("key", flat=True)) != set(keys):
            obj.sectors.set([sectors[k] for k in keys])
            written += 1
        written += created
    return written


def load_kbji() -> int:
    rows = [
        {"code": r["kbji_code"], "level": r["level"], "name": r["name_id"], "name_en": r["name_en_isco08"],
         "parent_code": r["parent_code"]}
        for r in _rows("kbji_occupations.csv")
    ]
    return _upsert(Kbji, "code", rows)


def vocation_data() -> dict:
    with open(DATA / "vocations.json", encoding="utf-8") as handle:
        return json.load(handle)


def load_centres_and_vocations() -> int:
    from kompeten.programmes.models import TrainingCentre, Vocation

    data = vocation_data()
    written = 0
    centres = {}
    for inst in data["institutes"]:
        short = inst["name"].split("(")[1].split(")")[0] + inst["name"].rsplit(")", 1)[1]  # "BLKI Balikpapan"
        region = Region.objects.get(code=inst["region_code"])
        centre, created = TrainingCentre.objects.update_or_create(
            code=inst["id"],
            defaults={"name": inst["name"], "short_name": short.strip(), "owner": inst["owner"],
                      "address": inst["address"], "region": region, "class_size": inst["class_size"]},
        )
        centres[inst["id"]] = centre
        written += created
    kbli = {k.code: k for k in Kbli.objects.filter(version="2020")}
    for item in data["vocations"]:
        vocation, created = Vocation.objects.update_or_create(
            code=item["id"],
            defaults={"name": item["name_id"], "name_en": item["name_en"], "kejuruan": item["kejuruan"],
                      "sector_id": item["sector"], "typical_hours": item["typical_duration_hours"],
                      "is_example": item["evidence_status"] != "reported"},
        )
        vocation.occupations.set(item["kbji_codes"])
        vocation.kbli_codes.set([kbli[c] for c in item["kbli_codes"] if c in kbli])
        if item["offered_at"]:
            vocation.centres.add(*[centres[c] for c in item["offered_at"]])
        written += created
    return written


@transaction.atomic
def load_all() -> dict[str, int]:
    counts = {
        "regions": load_regions(),
        "education_levels": load_education(),
        "sectors": load_sectors(),
        "kbli": load_kbli(),
        "kbji": load_kbji(),
        "centres_vocations": load_centres_and_vocations(),
    }
    transaction.on_commit(clear_caches)
    return counts
