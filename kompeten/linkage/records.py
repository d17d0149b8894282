"""The standardised record that every part of the linkage reads (the contract between standardise.py, which makes
it, and the comparison, blocking, model and clustering, which read it). No database here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

# The input columns a record may have (the registry import template's, plus kk and source); any may be empty or
# absent. ``record_id`` identifies the record in its source.
COLUMNS = ("nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat", "kecamatan",
           "kabupaten_kota", "kode_wilayah", "pendidikan", "kk", "source")


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    nik: str = ""  # 16 digits when the value is a plausible NIK (possibly damaged: see nik_problems), else ""
    nik_problems: tuple[str, ...] = ()  # codes, see standardise.NIK_PROBLEMS
    nik15: str = ""  # the first 15 digits, when they can be trusted (also when the 16th was lost in Excel)
    name: str = ""  # normalised: lower case ASCII, titles and degrees removed, old spelling modernised,
    #                 abbreviations expanded (muhammad, siti, ...), bin/binti removed, single spaces
    name_tokens: tuple[str, ...] = ()
    name_key: str = ""  # the tokens joined without spaces ("nur hayati" and "nurhayati" agree)
    sex: str = ""  # "L", "P" or ""
    birth_date: datetime.date | None = None
    birth_place: str = ""  # normalised place name (regency aliases resolved to the regency's name)
    phone: str = ""  # 08..., digits only
    email: str = ""  # lower case
    address: str = ""  # normalised street address (lower case, abbreviations expanded: jl -> jalan, gg -> gang)
    region: str = ""  # the most precise dotted region code known: village "64.71.05.1008", district, or regency
    kk: str = ""  # family card number, 16 digits
    education: str = ""  # EducationLevel code when recognised
    source: str = ""  # where the record came from (free text / code), not compared

    @property
    def regency(self) -> str:
        return self.region[:5]
