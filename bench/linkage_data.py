"""A seeded synthetic registry of East Kalimantan job seekers, as the province's sources carry them, with ground truth.

    .venv/bin/python bench/linkage_data.py [--records 100000] [--seed 2025] [--out bench/out/linkage_100000]

writes OUT/INPUT.csv (``record_id`` and the input columns of ``kompeten dedup``, all text, the way the spreadsheets
carry them) and OUT/TRUTH.csv (``record_id, entity_id, household_id, twin, source_kind, errors``: the person behind
each record, the household, whether the person is a twin, and the error codes applied to the record), and prints how
a plain "same NIK = same person" rule does. Importable: ``generate(n_records, seed) -> (rows, truth)``.

Generating 1,000,000 records (173 MB of CSV) takes about 2 minutes (95 s of CPU) and 500 MB with the printed summary
(the rows are streamed to the CSV in shuffled blocks of 100,000).

The persons (entities)
----------------------
- Households of job seekers: 1 person 80 %, 2 siblings 15 %, 3 siblings 5 %. Siblings share the address, the family
  card (KK) number, the ethnic name style, the father's name (for "bin"/"binti"), a Dayak/Batak family name or the
  Bugis "Andi"; their birth dates are 1-8 years apart — except twins: the second member of a household is the twin
  of the first with probability 10 % (about 3 % of persons are twins). Same-sex twins (65 %) have NIKs differing
  only in the serial (consecutive); opposite-sex twins have the same serial and NIKs differing only in the day
  (+40 for the girl). Half of the twins have look-alike first names (Rina/Rini, Hasan/Husein, Putra/Putri).
- Region: regency by its 2025 population (kaltim_regency_stats.csv), a district and a village of it
  (kaltim_regions.csv). NIK region = the district of the address, except for 15 % of households (NIK issued in
  another Kaltim district) and 7 % (migrants: NIK of South/Central/West Sulawesi, South Kalimantan, East/Central
  Java or NTT).
- NIK = make_nik(district, birth date, sex, serial) with serials unique per district, date and sex. KK = district +
  the card's issue date (DDMMYY, 2005-2024) + serial: it looks like a valid NIK of a man born on the issue date.
  10 % of persons got a new KK (marriage) in 2023, which records from 2023 on carry.
- Age 18-44 on 30 June 2025 (75 % 18-30); 57 % men. Education: SMK 38 %, SMA 32 %, SMP 10 %, D3 8 %, S1 8 %,
  D4 2 %, SD 2 %; 10 % of persons had one level less in records before 2023.
- Names by style: Faker id_ID first + last name 25 %, Muslim (Muhammad/Ahmad/Abdul ..., Siti/Nur/Nurul ...) 25 %,
  Bugis 16 %, Banjar 14 %, Javanese 12 %, Dayak (Christian given name + Dayak family name) 8 %.
- Phone: 08 + a mobile prefix + 7-8 digits; 15 % of persons use the household's (first member's) phone; 35 % changed
  number in 2021-2025 (older records carry the old one). Email: 75 % have one (from the name), 20 % of them had
  another before 2023. Moved: 20 % of persons moved in 2020-2025 (60 % within the regency), older records carry
  the old address.

The records (sources)
---------------------
Per person, independently (twins copy their twin's sources with probability 60 %):
- ``pendaftaran_2025`` (this year's registration, the current applicants): 82 %; 4 % of them register twice;
- ``blk_2019`` ... ``blk_2024`` (earlier BLK participant spreadsheets; the year when at least 17): 30 %; 8 % twice;
- ``siapkerja`` (SIAPkerja export, account year 2021-2025): 40 %; 2 % with two accounts;
- ``skillhub`` (Skillhub export, 2023-2025): 15 %;
- ``bnsp_YYYY`` (BNSP certified lists): 55 % of BLK trainees (the training's year), 8 % of the others (2019-2025).
A person with none of these gets a registration. On average 2.0 records per person.

Errors per record (rates per source kind: registration / BLK / SIAPkerja / Skillhub / BNSP, in %), see PROFILES:
- NIK missing ("" or "-")                  1 / 6 / 1 / 3 / 4
- NIK one-digit typo                       2 / 3 / 1 / 2 / 2.5
- NIK adjacent transposition               1 / 2 / 0.5 / 1 / 1.5
- NIK 16th digit lost (Excel number)       0 / 12 / 0 / 0 / 6     (15 % of them written "....0.0")
- NIK in scientific notation (6.47105E+15) 0 / 5 / 0 / 0 / 2
- KK typed as NIK                          2 / 4 / 1 / 1.5 / 2
  (plus formatting only: spaces or dots inside the NIK, 0 / 3 / 0 / 0 / 2)
- birth date missing                       0 / 3 / 1 / 5 / 2
- day and month swapped (when day <= 12)   0.5 / 4 / 0.5 / 1 / 2
- other birth date typo (year +-1, day)    1 / 2 / 0.5 / 1 / 1
  formats: dd/mm/yyyy, yyyy-mm-dd, dd-mm-yyyy, dd/mm/yy, Excel serial (BLK 25 %), "12 Maret 1999" (BNSP 30 %)
- name: Muhammad written M./Moh./Muh./Mhd./Muhamad/Mochammad/Mohammad (of the names with Muhammad)
                                           25 / 40 / 20 / 25 / 35
- name: other abbreviation (Abd., St., A. for Andi), Abdul+R.. merged (Abdurrahman), Sitti/Siti, Noor/Nor/Nur
                                           4 / 8 / 3 / 4 / 6
- name: Nur Hayati <-> Nurhayati (token merge/split, of the names that allow it)
                                           15 / 20 / 10 / 15 / 15
- name: old spelling (oe, dj, tj, j, sj, ch)  2 / 6 / 1 / 2 / 4
- name: spelling variant (Rizki/Rizky, nn/n, dh/d)  3 / 5 / 2 / 3 / 4
- name: a middle name dropped (3+ tokens)  6 / 10 / 4 / 8 / 6
- name: one-character typo                 2 / 5 / 1.5 / 2 / 3
- name: bin/binti + father (Muslim styles) 5 / 15 / 2 / 2 / 10
- name: title Sdr./Sdri./H./Hj.            0 / 4 / 0 / 0 / 1
- name: degree (of S1/D3/D4 holders)       15 / 30 / 10 / 20 / 80
- name case: upper / lower                 10,10 / 70,0 / 5,5 / 10,20 / 50,0
- sex missing / wrong                      0,0.2 / 3,0.5 / 0,0.2 / 5,0.3 / 5,0.5
- phone missing                            2 / 20 / 5 / 10 / 50  (BLK writes 25 % without the leading 0)
- email missing (when the person has one)  30 / 75 / 3 / 0 / 60
- address missing                          0 / 5 / 30 / 90 / 40
- birth place missing / typo               0,1 / 3,3 / 10,1 / 100 / 2,2
- KK column filled                         70 / 15 / 0 / 0 / 0

Measured (seed 2025): a plain same-NIK rule (the same 16 digits after removing spaces and dots) finds 75.6 % of the
true pairs at 10,000 and 100,000 records and 75.8 % at 1,000,000 (precision 0.997-0.999); the CLI prints it.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime
import hashlib
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kompeten.registry.nik import make_nik  # noqa: E402 - pure Python, no Django

DATA = ROOT / "kompeten" / "reference" / "data"
OUT = ROOT / "bench" / "out"
SEED = 2025
COLUMNS = ("nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "no_hp", "email", "alamat", "kecamatan",
           "kabupaten_kota", "kode_wilayah", "pendidikan", "kk", "source")
TRUTH_COLUMNS = ("record_id", "entity_id", "household_id", "twin", "source_kind", "errors")
REFERENCE_DAY = datetime.date(2025, 6, 30)
SHUFFLE_BLOCK = 100_000

REGISTRATION = "pendaftaran_2025"
KINDS = ("registration", "blk", "siapkerja", "skillhub", "bnsp")

# --- persons ---------------------------------------------------------------------------------------------------------

HOUSEHOLD_SIZES = {1: 80, 2: 15, 3: 5}
TWIN_SHARE = 0.10  # the second member of a household of 2+ is the first's twin
SAME_SEX_TWINS = 0.65
TWIN_LOOKALIKE_NAMES = 0.5
NIK_OTHER_DISTRICT = 0.15
NIK_OTHER_PROVINCE = 0.07
OTHER_PROVINCES = ("73", "72", "76", "63", "35", "33", "53")
NEW_KK = 0.10
MALE_SHARE = 0.57
EDUCATION = {"SMK": 38, "SMA": 32, "SMP": 10, "D3": 8, "S1": 8, "D4": 2, "SD": 2}
LOWER_EDUCATION_BEFORE = 0.10
SHARED_PHONE = 0.15
PHONE_CHANGED = 0.35
HAS_EMAIL = 0.75
EMAIL_CHANGED = 0.20
MOVED = 0.20
MOVED_WITHIN_REGENCY = 0.6
STYLES = {"faker": 25, "muslim": 25, "bugis": 16, "banjar": 14, "javanese": 12, "dayak": 8}

# --- sources ---------------------------------------------------------------------------------------------------------

P_REGISTRATION, P_REGISTRATION_TWICE = 0.82, 0.04
P_BLK, P_BLK_TWICE = 0.30, 0.08
BLK_YEARS = (2019, 2024)
P_SIAPKERJA, P_SIAPKERJA_TWICE = 0.40, 0.02
P_SKILLHUB = 0.15
P_BNSP_TRAINED, P_BNSP_OTHER = 0.55, 0.08
TWIN_SAME_SOURCES = 0.6


@dataclass(frozen=True)
class Profile:
    """Error and format rates of one source kind (probabilities, 0..1)."""

    nik_missing: float
    nik_typo: float
    nik_transposed: float
    nik_digit16: float
    nik_scientific: float
    nik_kk: float
    nik_formatted: float
    date_missing: float
    date_swapped: float
    date_typo: float
    date_formats: dict
    muhammad: float
    abbreviation: float
    nur: float
    old_spelling: float
    spelling: float
    dropped: float
    name_typo: float
    bin: float
    title: float
    degree: float
    upper: float
    lower: float
    sex_missing: float
    sex_wrong: float
    sex_format: dict
    phone_missing: float
    phone_formats: dict
    email_missing: float
    address_missing: float
    place_missing: float
    place_typo: float
    kk_filled: float
    region_code: dict  # "village" (dotted), "district_compact", "" (none)


PROFILES = {
    "registration": Profile(
        nik_missing=0.01, nik_typo=0.02, nik_transposed=0.01, nik_digit16=0, nik_scientific=0, nik_kk=0.02,
        nik_formatted=0, date_missing=0, date_swapped=0.005, date_typo=0.01,
        date_formats={"dmy": 80, "iso": 20}, muhammad=0.25, abbreviation=0.04, nur=0.15, old_spelling=0.02,
        spelling=0.03, dropped=0.06, name_typo=0.02, bin=0.05, title=0, degree=0.15, upper=0.10, lower=0.10,
        sex_missing=0, sex_wrong=0.002, sex_format={"LP": 100}, phone_missing=0.02,
        phone_formats={"08": 70, "+62": 15, "62": 5, "dash": 5, "space": 5}, email_missing=0.30,
        address_missing=0, place_missing=0, place_typo=0.01, kk_filled=0.70,
        region_code={"village": 95, "": 5}),
    "blk": Profile(
        nik_missing=0.06, nik_typo=0.03, nik_transposed=0.02, nik_digit16=0.12, nik_scientific=0.05, nik_kk=0.04,
        nik_formatted=0.03, date_missing=0.03, date_swapped=0.04, date_typo=0.02,
        date_formats={"dmy": 50, "excel": 25, "dmy_dash": 10, "dmy_yy": 10, "indo": 5}, muhammad=0.40,
        abbreviation=0.08, nur=0.20, old_spelling=0.06, spelling=0.05, dropped=0.10, name_typo=0.05, bin=0.15,
        title=0.04, degree=0.30, upper=0.70, lower=0, sex_missing=0.03, sex_wrong=0.005,
        sex_format={"LP": 50, "long": 30, "LKPR": 20}, phone_missing=0.20,
        phone_formats={"08": 50, "no0": 25, "dash": 15, "+62": 10}, email_missing=0.75, address_missing=0.05,
        place_missing=0.03, place_typo=0.03, kk_filled=0.15, region_code={"": 100}),
    "siapkerja": Profile(
        nik_missing=0.01, nik_typo=0.01, nik_transposed=0.005, nik_digit16=0, nik_scientific=0, nik_kk=0.01,
        nik_formatted=0, date_missing=0.01, date_swapped=0.005, date_typo=0.005,
        date_formats={"iso": 90, "dmy": 10}, muhammad=0.20, abbreviation=0.03, nur=0.10, old_spelling=0.01,
        spelling=0.02, dropped=0.04, name_typo=0.015, bin=0.02, title=0, degree=0.10, upper=0.05, lower=0.05,
        sex_missing=0, sex_wrong=0.002, sex_format={"long": 100}, phone_missing=0.05,
        phone_formats={"62": 60, "08": 40}, email_missing=0.03, address_missing=0.30, place_missing=0.10,
        place_typo=0.01, kk_filled=0, region_code={"district_compact": 60, "": 40}),
    "skillhub": Profile(
        nik_missing=0.03, nik_typo=0.02, nik_transposed=0.01, nik_digit16=0, nik_scientific=0, nik_kk=0.015,
        nik_formatted=0, date_missing=0.05, date_swapped=0.01, date_typo=0.01,
        date_formats={"iso": 60, "dmy": 40}, muhammad=0.25, abbreviation=0.04, nur=0.15, old_spelling=0.02,
        spelling=0.03, dropped=0.08, name_typo=0.02, bin=0.02, title=0, degree=0.20, upper=0.10, lower=0.20,
        sex_missing=0.05, sex_wrong=0.003, sex_format={"PW": 100}, phone_missing=0.10,
        phone_formats={"08": 60, "+62": 40}, email_missing=0, address_missing=0.90, place_missing=1.0,
        place_typo=0, kk_filled=0, region_code={"": 100}),
    "bnsp": Profile(
        nik_missing=0.04, nik_typo=0.025, nik_transposed=0.015, nik_digit16=0.06, nik_scientific=0.02, nik_kk=0.02,
        nik_formatted=0.02, date_missing=0.02, date_swapped=0.02, date_typo=0.01,
        date_formats={"dmy_dash": 40, "indo": 30, "dmy": 30}, muhammad=0.35, abbreviation=0.06, nur=0.15,
        old_spelling=0.04, spelling=0.04, dropped=0.06, name_typo=0.03, bin=0.10, title=0.01, degree=0.80,
        upper=0.50, lower=0, sex_missing=0.05, sex_wrong=0.005, sex_format={"LP": 100}, phone_missing=0.50,
        phone_formats={"08": 80, "dash": 20}, email_missing=0.60, address_missing=0.40, place_missing=0.02,
        place_typo=0.02, kk_filled=0, region_code={"": 100}),
}

# --- names -----------------------------------------------------------------------------------------------------------

MUSLIM_MALE_FIRST = ["Muhammad"] * 8 + ["Ahmad"] * 3 + ["Abdul"] * 2 + [
    "Rizki", "Fajar", "Ilham", "Arif", "Hendra", "Rahmat", "Syahrul", "Dimas", "Reza", "Fauzi", "Hidayat", "Ridwan",
    "Yusuf", "Ibrahim", "Ismail", "Hasan", "Hamzah", "Irfan", "Taufik", "Zulkifli", "Nur", "Akbar", "Firman", "Imam",
    "Lukman", "Ikhsan", "Habib", "Faisal", "Rizal", "Aditya", "Bayu", "Fikri", "Hafiz", "Yoga"]
MUSLIM_MALE_NEXT = [
    "Rizki", "Fajar", "Ilham", "Arif", "Rahman", "Syahrul", "Fauzi", "Hidayat", "Ridwan", "Yusuf", "Ibrahim", "Hasan",
    "Saputra", "Pratama", "Ramadhan", "Nugraha", "Setiawan", "Kurniawan", "Firmansyah", "Maulana", "Akbar", "Fadillah",
    "Syahputra", "Hakim", "Aziz", "Malik", "Karim", "Latif", "Rasyid", "Halim", "Wahab", "Iqbal", "Zainal", "Alfian",
    "Anwar", "Nasution", "Hidayatullah", "Ardiansyah", "Ramadani", "Prasetya", "Wijaya", "Fikri", "Hafizh", "Naufal"]
ABDUL_NEXT = ["Rahman", "Aziz", "Hakim", "Malik", "Karim", "Latif", "Rasyid", "Halim", "Gani", "Wahab", "Rahim",
              "Salam", "Somad", "Jalil", "Majid", "Hamid"]
MUSLIM_FEMALE_FIRST = ["Siti"] * 6 + ["Nur"] * 4 + ["Nurul"] * 2 + [
    "Dewi", "Fitri", "Putri", "Rina", "Rini", "Wulan", "Indah", "Ayu", "Dian", "Rahma", "Annisa", "Nabila", "Aulia",
    "Salsabila", "Anisa", "Syifa", "Zahra", "Amelia", "Rahmah", "Aisyah", "Fatimah", "Laila", "Khairunnisa", "Intan",
    "Nadia", "Riska", "Yulia", "Dina", "Mega", "Eka"]
SITI_NEXT = ["Nurhaliza", "Aisyah", "Rahmah", "Fatimah", "Khadijah", "Aminah", "Maryam", "Zubaidah", "Hajar",
             "Nurhasanah", "Nurjanah", "Rahmawati", "Sarah", "Zulaikha", "Hadijah", "Nuraini"]
NUR_NEXT = ["Hayati", "Aini", "Azizah", "Halimah", "Hasanah", "Jannah", "Laila", "Fitri", "Indah", "Wahyuni", "Afni",
            "Janah", "Lina", "Baya", "Haliza", "Rahmah"]
NURUL_NEXT = ["Hidayah", "Huda", "Fitri", "Aini", "Izzah", "Jannah", "Hikmah", "Azmi", "Amalia", "Fadilah"]
MUSLIM_FEMALE_NEXT = [
    "Safitri", "Lestari", "Rahmawati", "Puspitasari", "Wulandari", "Handayani", "Anggraini", "Maharani", "Ramadhani",
    "Oktaviani", "Nuraini", "Agustina", "Permatasari", "Pratiwi", "Fitriani", "Amalia", "Hidayah", "Azzahra",
    "Kurniasih", "Novitasari", "Sari", "Utami", "Rahayu", "Damayanti", "Nurhasanah", "Marlina", "Yuliani"]
BUGIS_MALE = ["Syamsuddin", "Hasanuddin", "Baharuddin", "Jamaluddin", "Kamaruddin", "Nasruddin", "Saifuddin",
              "Alauddin", "Ilham", "Syahrir", "Amiruddin", "Arifin", "Ridwan", "Hamka", "Asri", "Sudirman", "Rusli",
              "Akbar", "Irwan", "Haris", "Muhammad", "Muhammad", "Ahmad", "Rahmat", "Sukri", "Jufri", "Anwar"]
BUGIS_MALE_NEXT = ["Arif", "Ilham", "Amir", "Syahrir", "Fadli", "Yusuf", "Rais", "Akbar", "Anas", "Tahir", "Salam",
                   "Rauf", "Nur", "Said", "Basri"]
BUGIS_FEMALE = ["Hasnah", "Nurhaedah", "Hasriani", "Irmawati", "Hasmiati", "Nurlina", "Rosmiati", "Suriani",
                "Jumriah", "Nurbaya", "Harlina", "Hajrah", "Sitti", "Sitti", "Nurhayati", "Murniati", "Haslinda",
                "Asmawati", "Nurhalimah", "Rahmawati", "Suharni", "Kasmawati", "Hartina", "Nurjannah"]
SITTI_NEXT = ["Rahmah", "Aisyah", "Hajrah", "Nurhaeda", "Maryam", "Khadijah", "Aminah", "Hasnah", "Rabiah"]
BUGIS_NOBLE = 0.15  # households with "Andi"
BANJAR_MALE = ["Muhammad Noor", "Ahmad Rizani", "Gusti Rahmat", "Gusti Iskandar", "Rahmadi", "Rusdiansyah",
               "Noor Ifansyah", "Syahrani", "Aulia Rahman", "Abdul Gani", "Zainal Arifin", "Muhammad Aini",
               "Ahmad Zaini", "Hairul Anwar", "Fahmi", "Jumberi", "Rahmani", "Muhammad Rifani", "Ahmad Syarwani",
               "Muhammad Ilmi", "Akhmad Fauzan", "Muhammad Hafiz", "Syarifuddin", "Khairil Anwar", "Rahmat Hidayat",
               "Muhammad Husin", "Noor Hidayat", "Rusmadi", "Hairani", "Muhammad Yusran"]
BANJAR_FEMALE = ["Norhayati", "Noor Hasanah", "Mahmudah", "Raudah", "Jamilah", "Rusmilawati", "Siti Norbaiti",
                 "Nurul Hikmah", "Khairunnisa", "Halimatus Sa'diah", "Mariatul Kiptiah", "Fitriani", "Salmah",
                 "Jumiati", "Norjannah", "Noor Aida", "Rahmah", "Siti Mardiana", "Husnul Khatimah", "Nor Laila",
                 "Masitah", "Rusmiati", "Hairiyah", "Siti Rahmah", "Noor Jannah"]
JAVA_MALE_FIRST = ["Agus", "Budi", "Joko", "Eko", "Dwi", "Tri", "Bambang", "Heru", "Sugeng", "Slamet", "Yudi",
                   "Teguh", "Wahyu", "Hadi", "Bayu", "Dedi", "Rudi", "Adi", "Yusuf", "Catur", "Puji", "Sigit"]
JAVA_MALE_NEXT = ["Santoso", "Susilo", "Prasetyo", "Cahyono", "Wibowo", "Hermanto", "Purnomo", "Riyanto", "Raharjo",
                  "Haryanto", "Setiawan", "Nugroho", "Kurniawan", "Saputro", "Widodo", "Pranoto", "Sutrisno",
                  "Suprapto", "Hidayat", "Susanto", "Wijayanto", "Yulianto", "Cahyadi", "Sulistyo"]
JAVA_MALE_MONO = ["Sutrisno", "Suparman", "Wahyudi", "Supriyadi", "Suyatno", "Mulyono", "Sugiarto", "Sumarno",
                  "Sukirno", "Suharjo", "Suyono", "Juwanto", "Sunarto", "Margono"]
JAVA_FEMALE_FIRST = ["Sri", "Endang", "Tri", "Dwi", "Yuni", "Puji", "Eka", "Rina", "Dewi", "Ratna", "Wahyu", "Ika",
                     "Nining", "Wiwik", "Tutik", "Yuli", "Siti", "Retno", "Sri", "Sri"]
JAVA_FEMALE_NEXT = ["Wahyuni", "Susilowati", "Rahayu", "Wulandari", "Lestari", "Mulyani", "Astuti", "Handayani",
                    "Ningsih", "Rahmawati", "Purwanti", "Kusumawati", "Setyowati", "Sulistyowati", "Utami",
                    "Suryani", "Yuliani", "Widiastuti"]
JAVA_FEMALE_MONO = ["Sumarni", "Suwarni", "Sulastri", "Suharti", "Sutini", "Paini", "Tumini", "Juwariyah",
                    "Sukesi", "Suyati"]
DAYAK_MALE = ["Yohanes", "Petrus", "Paulus", "Yakobus", "Stefanus", "Agustinus", "Markus", "Lukas", "Fransiskus",
              "Antonius", "Yosef", "Benediktus", "Kristianus", "Heribertus", "Alexander", "Yulius", "Dominikus",
              "Simon", "Andreas", "Martinus"]
DAYAK_FEMALE = ["Kristina", "Maria", "Veronika", "Yuliana", "Elisabet", "Agnes", "Margareta", "Theresia", "Lusia",
                "Katarina", "Monika", "Yohana", "Magdalena", "Susana", "Regina", "Fransiska", "Sisilia", "Anastasia"]
DAYAK_FAMILY = ["Lusang", "Ping", "Ajang", "Hanyeq", "Ngau", "Lalung", "Ding", "Bilung", "Lahang", "Juk", "Usat",
                "Lawing", "Anyeq", "Jalung", "Ibau", "Lenjau", "Ubang", "Hibau", "Bith", "Taman", "Lejiu", "Ngang",
                "Belawan", "Aran", "Bui", "Ugang", "Liah", "Surang", "Apui", "Lung"]
DAYAK_MIDDLE = ["Ding", "Ngau", "Ajang", "Bilung", "Lahang", "Ping", "Juk"]
FATHERS = ["Abdullah", "Syamsuddin", "Hasan", "Ahmad", "Sulaiman", "Usman", "Baharuddin", "Ismail", "Muhammad Said",
           "Abdul Rahman", "Ali", "Umar", "Yusuf", "Idris", "Harun", "Salim", "Jamaluddin", "Mahmud", "Hamid",
           "Ramli", "Mansur", "Kaharuddin", "Sabran", "Darmansyah", "Junaidi", "Asnawi", "Hasbi", "Anwar",
           "Taufik", "Hanafi", "Nasrun", "Arsyad", "Husin", "Jailani", "Saleh", "Zainuddin", "Rasyid", "Arbain"]
# Look-alike names for twins of the same sex (both ways; otherwise the last vowel changes) and of opposite sexes.
TWIN_SAME = {"Hasan": "Husein", "Rina": "Rini", "Fajar": "Fajri", "Ilham": "Ilmi", "Reza": "Rezi", "Dian": "Diana",
             "Eka": "Eki", "Dwi": "Tri", "Nur": "Nurul", "Rahmat": "Rahmad", "Irma": "Irmi", "Yusuf": "Yunus",
             "Hendra": "Hendri", "Rusmadi": "Rahmadi", "Agus": "Agung", "Wulan": "Wulandari", "Putri": "Putra"}
TWIN_SAME.update({value: key for key, value in list(TWIN_SAME.items())})
TWIN_SAME["Putra"], TWIN_SAME["Putri"] = "Putro", "Putriani"
TWIN_OPPOSITE = {"Putra": "Putri", "Rahmat": "Rahmah", "Dewa": "Dewi", "Wahyu": "Wahyuni", "Andika": "Andini",
                 "Rizki": "Rizka", "Fitra": "Fitri", "Dimas": "Dinda", "Arif": "Arifah", "Reza": "Rezky",
                 "Fajar": "Fajriah", "Hasan": "Hasanah", "Ilham": "Ilma", "Yusuf": "Yusnita", "Agus": "Agustina",
                 "Hendra": "Hendriani", "Eko": "Eka", "Hamzah": "Hamidah", "Akbar": "Aulia", "Saputra": "Saputri",
                 "Syahputra": "Syahputri", "Pratama": "Pratiwi", "Ramadhan": "Ramadhani", "Firmansyah": "Firdausi",
                 "Kurniawan": "Kurniawati", "Setiawan": "Setiawati", "Hidayat": "Hidayah", "Rahman": "Rahmah",
                 "Yohanes": "Yohana", "Fransiskus": "Fransiska", "Yulius": "Yuliana", "Agustinus": "Agustina",
                 "Paulus": "Paulina", "Antonius": "Antonia", "Markus": "Maria", "Stefanus": "Stefani",
                 "Lukas": "Lusia", "Martinus": "Martina", "Wahyudi": "Wahyuni", "Suparman": "Suparmi",
                 "Sutrisno": "Sutrisni", "Sumarno": "Sumarni", "Suyatno": "Suyati", "Budi": "Budiarti"}
TWIN_OPPOSITE.update({value: key for key, value in list(TWIN_OPPOSITE.items())})
MUHAMMAD_VARIANTS = {"M.": 35, "Moh.": 12, "Muh.": 12, "Mhd.": 6, "Muhamad": 12, "Mochammad": 5, "Mohammad": 8,
                     "Muhammat": 3, "Mohamad": 5, "M": 2}
SPLITTABLE_NUR = re.compile(r"^(Nur|Nurul|Noor|Nor)([a-z]{3,})$")
OLD_SPELLING = {"sy": "sj", "kh": "ch", "j": "dj", "c": "tj", "y": "j", "u": "oe"}
_OLD_PATTERN = re.compile(r"sy|kh|j|c|y|u", re.IGNORECASE)
DEGREES = {"S1": ["S.T.", "S.E.", "S.Kom", "S.Pd", "S.H.", "S.Sos", "S.I.Kom", "S.Ak", "S.P.", "S.M."],
           "D3": ["A.Md.", "A.Md.T.", "A.Md.Kom", "A.Md.Ak", "Amd"], "D4": ["S.Tr.T.", "S.S.T.", "S.Tr.Ak"]}
KEYBOARD = dict(zip("qwertyuiopasdfghjklzxcvbnm", "wqrtyutoipsadfghjkkxzvbnmn", strict=True))

# --- places ----------------------------------------------------------------------------------------------------------

REGENCY_NAMES = {  # the ways the spreadsheets write each kabupaten/kota, after the official name
    "64.01": ["Paser", "Kab. Paser", "Kab Paser", "Kabupaten Paser"],
    "64.02": ["Kutai Kartanegara", "Kab. Kutai Kartanegara", "Kukar", "Kab. Kukar", "Kutai Kertanegara"],
    "64.03": ["Berau", "Kab. Berau", "Kab Berau"],
    "64.07": ["Kutai Barat", "Kab. Kutai Barat", "Kubar"],
    "64.08": ["Kutai Timur", "Kab. Kutai Timur", "Kutim", "Kab. Kutim"],
    "64.09": ["Penajam Paser Utara", "Kab. Penajam Paser Utara", "PPU", "Penajam"],
    "64.11": ["Mahakam Ulu", "Kab. Mahakam Ulu", "Mahulu"],
    "64.71": ["Balikpapan", "Kota Balikpapan", "Bpp", "Balikpapan Kota"],
    "64.72": ["Samarinda", "Kota Samarinda", "Smd", "Kodya Samarinda"],
    "64.74": ["Bontang", "Kota Bontang"],
}
REGENCY_SEATS = {"64.01": "Tanah Grogot", "64.02": "Tenggarong", "64.03": "Tanjung Redeb", "64.07": "Sendawar",
                 "64.08": "Sangatta", "64.09": "Penajam", "64.11": "Ujoh Bilang", "64.71": "Balikpapan",
                 "64.72": "Samarinda", "64.74": "Bontang"}
OTHER_BIRTH_PLACES = ["Makassar", "Parepare", "Bone", "Palu", "Kendari", "Banjarmasin", "Tarakan", "Surabaya",
                      "Malang", "Semarang", "Yogyakarta", "Jakarta", "Mataram", "Kupang", "Medan", "Sinjai",
                      "Wajo", "Polewali", "Martapura", "Amuntai", "Jember", "Kediri"]
PLACE_ALIASES = {"Samarinda": ["SMD", "Smd"], "Balikpapan": ["BPP", "Bpp", "Balikpapn"],
                 "Tenggarong": ["Tgr", "Tenggarong Kukar"], "Makassar": ["Ujung Pandang", "Makasar"],
                 "Tanjung Redeb": ["Tj. Redeb", "Tg. Redeb"], "Tanah Grogot": ["Tn. Grogot"],
                 "Yogyakarta": ["Jogjakarta", "Jogja"], "Sangatta": ["Sangata"], "Parepare": ["Pare-Pare"]}
STREETS = ["Mawar", "Melati", "Anggrek", "Kenanga", "Cempaka", "Flamboyan", "Merdeka", "Pahlawan", "Pramuka",
           "Poros", "Sultan Alimuddin", "Pangeran Antasari", "Pangeran Suryanata", "Juanda", "Dr. Soetomo",
           "Gajah Mada", "Letjen Suprapto", "Ahmad Yani", "Jenderal Sudirman", "MT Haryono", "Soekarno Hatta",
           "Syarifuddin Yoes", "Ruhui Rahayu", "Mulawarman", "Kadrie Oening", "Wahid Hasyim", "Cendana", "Kemuning",
           "Perjuangan", "Pemuda", "Rapak Indah", "Sempaja", "Lambung Mangkurat", "Gunung Belah", "Damai",
           "Manunggal", "Gotong Royong", "Karya Bakti", "Padat Karya", "Swadaya", "Bhayangkara", "Tanjung Pura",
           "Diponegoro", "Kartini", "Imam Bonjol", "Cipto Mangunkusumo", "Slamet Riyadi", "KH Harun Nafsi",
           "Rajawali", "Cendrawasih", "Kutilang", "Nuri", "Merpati", "Delima", "Durian", "Rambutan", "Salak"]
MOBILE_PREFIXES = ["811", "812", "813", "821", "822", "852", "853", "856", "857", "858", "877", "878", "895", "896",
                   "898", "831", "838"]
EMAIL_DOMAINS = {"gmail.com": 78, "yahoo.com": 7, "yahoo.co.id": 6, "ymail.com": 2, "outlook.com": 3,
                 "icloud.com": 2, "hotmail.com": 2}
EDUCATION_WRITTEN = {"SD": ["SD", "SD/MI", "Tamat SD"], "SMP": ["SMP", "SLTP", "SMP/MTs"],
                     "SMA": ["SMA", "SLTA", "SMA/MA", "SMA/SMK"], "SMK": ["SMK", "SLTA", "SMA/SMK", "STM"],
                     "D3": ["D3", "D-III", "Diploma 3", "DIII"], "D4": ["D4", "D-IV", "Sarjana Terapan"],
                     "S1": ["S1", "S-1", "Sarjana", "Strata 1"]}
EDUCATION_ORDER = ["SD", "SMP", "SMA", "SMK", "D3", "D4", "S1"]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]
SEX_WRITTEN = {"LP": ("L", "P"), "long": ("Laki-laki", "Perempuan"), "LKPR": ("LK", "PR"), "PW": ("Pria", "Wanita")}
EXCEL_EPOCH = datetime.date(1899, 12, 30)


class _Table:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them on every call)."""

    __slots__ = ("keys", "cum", "total")

    def __init__(self, weights: dict):
        self.keys = list(weights)
        self.cum, total = [], 0.0
        for value in weights.values():
            total += value
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        return self.keys[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass(slots=True)
class Address:
    kind: str  # "Jl." | "Gg." | "Perum"
    street: str
    number: int
    rt: int
    village: str  # dotted village code
    extra: str = ""  # "Blok C" for housing estates


@dataclass(slots=True)
class Person:
    entity_id: str
    household_id: str
    style: str
    sex: str
    birth_date: datetime.date
    nik: str
    kk: str
    kk_new: str  # "" unless a new KK since 2023
    tokens: list[str]
    father: str
    education: str
    education_before: str
    birth_place: str
    phone: str
    phone_old: str
    phone_changed: int  # year
    email: str
    email_old: str
    address: Address
    address_old: Address | None
    moved: int  # year
    twin: bool = False
    sources: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, source label, year)


class _World:
    """Reference tables (regions, names) and the uniqueness state (NIK and KK serials, phones, emails)."""

    def __init__(self, seed: int):
        self.seed = seed
        self.regencies, weights = [], []
        with open(DATA / "kaltim_regency_stats.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if "." in row["code"]:
                    self.regencies.append(row["code"])
                    weights.append(int(row["population_total_2025"]))
        self.regency_table = _Table(dict(zip(self.regencies, weights, strict=True)))
        self.names: dict[str, str] = {}
        self.districts: dict[str, list[str]] = {code: [] for code in self.regencies}
        self.villages: dict[str, list[str]] = {}
        with open(DATA / "kaltim_regions.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self.names[row["code"]] = row["name"]
                if row["level"] == "district" and row["parent_code"] in self.districts:
                    self.districts[row["parent_code"]].append(row["code"])
                elif row["level"] == "village":
                    self.villages.setdefault(row["parent_code"], []).append(row["code"])
        self.other_regencies = []
        with open(DATA / "indonesia_regencies.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["level"] == "regency" and row["parent_code"] in OTHER_PROVINCES:
                    self.other_regencies.append(row["code_compact"])
        from faker.providers.person.id_ID import Provider as Names

        self.faker_first = {"L": list(Names.first_names_male), "P": list(Names.first_names_female)}
        self.faker_last = {"L": list(Names.last_names_male), "P": list(Names.last_names_female)}
        self.batak = {"Damanik", "Dongoran", "Dabukke", "Hasibuan", "Hutagalung", "Hutapea", "Lubis", "Manullang",
                      "Marpaung", "Nababan", "Nainggolan", "Napitupulu", "Pardede", "Pohan", "Purba", "Saragih",
                      "Siregar", "Simanjuntak", "Sinaga", "Situmorang", "Tambunan", "Tampubolon", "Wahyudin"}
        self.serials: dict[tuple, int] = {}
        self.kk_serials: dict[tuple, int] = {}
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.tables = {
            "household": _Table(HOUSEHOLD_SIZES), "style": _Table(STYLES), "education": _Table(EDUCATION),
            "muhammad": _Table(MUHAMMAD_VARIANTS), "domain": _Table(EMAIL_DOMAINS),
        }

    # -- identifiers --

    def serial(self, district6: str, birth_date: datetime.date, sexes: tuple[str, ...], count: int = 1) -> int:
        """The first of ``count`` consecutive free serials for (district, date) in each of ``sexes``."""
        keys = [(district6, birth_date, sex) for sex in sexes]
        start = 0
        for key in keys:
            if key not in self.serials:
                digest = hashlib.blake2b(f"{self.seed}:{key}".encode(), digest_size=2).digest()
                self.serials[key] = 1 + digest[0] % 30
            start = max(start, self.serials[key])
        for key in keys:
            self.serials[key] = start + count
        return start

    def kk(self, rng: random.Random, district6: str, earliest: int) -> str:
        issued = datetime.date(earliest, 1, 1) + datetime.timedelta(days=rng.randrange(365 * (2025 - earliest)))
        key = (district6, issued)
        serial = self.kk_serials.get(key, 1 + rng.randrange(20))
        self.kk_serials[key] = serial + 1
        return f"{district6}{issued:%d%m}{issued.year % 100:02d}{serial:04d}"

    def phone(self, rng: random.Random) -> str:
        while True:
            digits = 7 if rng.random() < 0.3 else 8
            value = f"0{_choice(rng, MOBILE_PREFIXES)}{rng.randrange(10 ** (digits - 1), 10 ** digits)}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def email(self, rng: random.Random, tokens: list[str], birth_date: datetime.date) -> str:
        words = [t.lower().replace("'", "").replace(".", "") for t in tokens if t not in ("Muhammad", "Siti")]
        words = words or [tokens[0].lower()]
        pattern = rng.randrange(5)
        if pattern == 0:
            local = ".".join(words[:2])
        elif pattern == 1:
            local = f"{words[0]}{birth_date.year % 100:02d}"
        elif pattern == 2:
            local = f"{''.join(words[:2])}{rng.randrange(1, 999)}"
        elif pattern == 3:
            local = f"{words[-1]}.{words[0][:1]}{birth_date:%d%m}"
        else:
            local = f"{words[0]}_{_choice(rng, ['official', 'smd', 'bpp', 'kaltim', 'jr', 'cool', 'id'])}"
        local = re.sub(r"[^a-z0-9._]", "", local) or "user"
        domain = self.tables["domain"].pick(rng)
        value = f"{local}@{domain}"
        while value in self.emails:
            value = f"{local}{rng.randrange(10, 9999)}@{domain}"
        self.emails.add(value)
        return value

    def village(self, rng: random.Random, regency: str) -> str:
        district = _choice(rng, self.districts[regency])
        return _choice(rng, self.villages[district])


# --- building persons ------------------------------------------------------------------------------------------------


def _name(world: _World, rng: random.Random, style: str, sex: str, family: str, noble: bool) -> list[str]:
    """Canonical name tokens (as on the KTP) for one person of a household."""
    male = sex == "L"
    if style == "faker":
        first = _choice(rng, world.faker_first[sex])
        if family:
            return [first, family]
        roll = rng.random()
        if roll < 0.15:
            return [first]
        if roll < 0.85:
            return [first, _choice(rng, world.faker_last[sex])]
        return [first, _choice(rng, world.faker_first[sex]), _choice(rng, world.faker_last[sex])]
    if style == "muslim":
        if male:
            first = _choice(rng, MUSLIM_MALE_FIRST)
            tokens = [first, _choice(rng, ABDUL_NEXT if first == "Abdul" else MUSLIM_MALE_NEXT)]
            if first in ("Muhammad", "Ahmad") and rng.random() < 0.5:
                tokens.append(_choice(rng, MUSLIM_MALE_NEXT))
            elif first not in ("Muhammad", "Ahmad", "Abdul") and rng.random() < 0.2:
                tokens = tokens[:1]
        else:
            first = _choice(rng, MUSLIM_FEMALE_FIRST)
            follow = {"Siti": SITI_NEXT, "Nur": NUR_NEXT, "Nurul": NURUL_NEXT}.get(first, MUSLIM_FEMALE_NEXT)
            tokens = [first, _choice(rng, follow)]
            if first == "Nur" and rng.random() < 0.4:  # written as one word on this person's KTP
                tokens = [f"Nur{tokens[1].lower()}"]
            if rng.random() < 0.15:
                tokens.append(_choice(rng, MUSLIM_FEMALE_NEXT))
        return _dedupe(tokens)
    if style == "bugis":
        if male:
            first = _choice(rng, BUGIS_MALE)
            tokens = [first, _choice(rng, BUGIS_MALE_NEXT)] if first in ("Muhammad", "Ahmad") or rng.random() < 0.35 \
                else [first]
        else:
            first = _choice(rng, BUGIS_FEMALE)
            tokens = [first, _choice(rng, SITTI_NEXT)] if first == "Sitti" else [first]
            if len(tokens) == 1 and rng.random() < 0.3:
                tokens.append(_choice(rng, MUSLIM_FEMALE_NEXT))
        if noble:
            tokens.insert(0, "Andi")
        return _dedupe(tokens)
    if style == "banjar":
        tokens = _choice(rng, BANJAR_MALE if male else BANJAR_FEMALE).split()
        if rng.random() < 0.25:
            tokens.append(_choice(rng, MUSLIM_MALE_NEXT if male else MUSLIM_FEMALE_NEXT))
        return _dedupe(tokens)
    if style == "javanese":
        if rng.random() < 0.25:
            return [_choice(rng, JAVA_MALE_MONO if male else JAVA_FEMALE_MONO)]
        if male:
            return _dedupe([_choice(rng, JAVA_MALE_FIRST), _choice(rng, JAVA_MALE_NEXT)])
        return _dedupe([_choice(rng, JAVA_FEMALE_FIRST), _choice(rng, JAVA_FEMALE_NEXT)])
    # dayak
    tokens = [_choice(rng, DAYAK_MALE if male else DAYAK_FEMALE)]
    if rng.random() < 0.3:
        tokens.append(_choice(rng, DAYAK_MIDDLE))
    tokens.append(family)
    return _dedupe(tokens)


def _dedupe(tokens: list[str]) -> list[str]:
    seen, out = set(), []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            out.append(token)
    return out


def _lookalike(tokens: list[str], sex: str, same_sex: bool, rng: random.Random) -> list[str] | None:
    """A twin's look-alike name: the first distinctive token changed (Rina -> Rini, Putra -> Putri); None when there
    is no plausible one (opposite sexes without a known pair)."""
    tokens = list(tokens)
    common = {"Muhammad", "Ahmad", "Abdul", "Siti", "Sitti", "Nur", "Nurul", "Andi", "Gusti", "Sri"}
    for index, token in enumerate(tokens):
        if token in common:
            continue
        if not same_sex:
            if token in TWIN_OPPOSITE:
                tokens[index] = TWIN_OPPOSITE[token]
                return _fix_first(tokens, sex)
            continue
        if token in TWIN_SAME:
            tokens[index:index + 1] = TWIN_SAME[token].split()
        elif token[-1] in "ai":  # Rina / Rini, Maulana / Maulani
            tokens[index] = token[:-1] + ("i" if token[-1] == "a" else "a")
        elif len(token) <= 5 and token[-1] not in "aiueo":  # Kemal / Kemali
            tokens[index] = token + "i"
        else:
            continue
        return _dedupe(tokens)
    return None


def _fix_first(tokens: list[str], sex: str) -> list[str]:
    """Muhammad/Ahmad/Abdul for a boy, Siti/Nur for a girl."""
    if sex == "P" and tokens[0] in ("Muhammad", "Ahmad", "Abdul"):
        tokens[0] = "Siti"
    elif sex == "L" and tokens[0] in ("Siti", "Sitti", "Nurul"):
        tokens[0] = "Muhammad"
    return _dedupe(tokens)


def _choice(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _birth_date(rng: random.Random) -> datetime.date:
    age = rng.randint(18, 30) if rng.random() < 0.75 else rng.randint(31, 44)
    latest = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - age)
    return latest - datetime.timedelta(days=rng.randrange(365))


def _address(world: _World, rng: random.Random, village: str) -> Address:
    roll = rng.random()
    if roll < 0.65:
        return Address("Jl.", _choice(rng, STREETS), rng.randint(1, 150), rng.randint(1, 60), village)
    if roll < 0.9:
        return Address("Gg.", _choice(rng, STREETS), rng.randint(1, 80), rng.randint(1, 60), village)
    return Address("Perum", f"{_choice(rng, ['Bumi', 'Griya', 'Villa', 'Puri'])} {_choice(rng, STREETS)}",
                   rng.randint(1, 40), rng.randint(1, 60), village, extra=f"Blok {_choice(rng, 'ABCDEFGH')}")


def _household(world: _World, rng: random.Random, number: int, first_entity: int) -> list[Person]:
    size = world.tables["household"].pick(rng)
    style = world.tables["style"].pick(rng)
    regency = world.regency_table.pick(rng)
    village = world.village(rng, regency)
    address = _address(world, rng, village)
    district6 = village[:8].replace(".", "")
    if rng.random() < NIK_OTHER_PROVINCE:
        nik_district = f"{_choice(rng, world.other_regencies)}{rng.randint(1, 20):02d}"
    elif rng.random() < NIK_OTHER_DISTRICT:
        nik_district = world.village(rng, world.regency_table.pick(rng))[:8].replace(".", "")
    else:
        nik_district = district6
    kk = world.kk(rng, district6, 2005)
    family = ""
    if style == "dayak":
        family = _choice(rng, DAYAK_FAMILY)
    elif style == "faker" and rng.random() < 0.12:
        family = _choice(rng, sorted(world.batak))
    noble = style == "bugis" and rng.random() < BUGIS_NOBLE
    father = _choice(rng, FATHERS) if style in ("muslim", "bugis", "banjar") or rng.random() < 0.3 else ""
    household_id = f"H{number:07d}"
    twins = size >= 2 and rng.random() < TWIN_SHARE
    members: list[Person] = []
    first_date = _birth_date(rng)
    sexes = ["L" if rng.random() < MALE_SHARE else "P" for _ in range(size)]
    serials: list[int] = []
    if twins:
        if rng.random() < SAME_SEX_TWINS:  # consecutive serials
            sexes[1] = sexes[0]
            start = world.serial(nik_district, first_date, (sexes[0],), count=2)
            serials = [start, start + 1]
        else:  # the same serial, the girl's day + 40
            sexes[1] = "P" if sexes[0] == "L" else "L"
            start = world.serial(nik_district, first_date, ("L", "P"))
            serials = [start, start]
    for index in range(size):
        twin = twins and index == 1
        sex = sexes[index]
        birth_date = first_date if index == 0 or twin else \
            _sibling_date(rng, first_date, [m.birth_date for m in members])
        serial = serials[index] if index < len(serials) else world.serial(nik_district, birth_date, (sex,))
        tokens = None
        if twin and rng.random() < TWIN_LOOKALIKE_NAMES:
            tokens = _lookalike(members[0].tokens, sex, sex == members[0].sex, rng)
        tokens = tokens or _name(world, rng, style, sex, family, noble)
        while any(tokens == m.tokens for m in members):  # no two siblings of the same name
            tokens = _name(world, rng, style, sex, family, noble)
        nik = make_nik(nik_district, birth_date, sex, serial)
        level = world.tables["education"].pick(rng)
        before = level
        if rng.random() < LOWER_EDUCATION_BEFORE and EDUCATION_ORDER.index(level) > 0:
            before = EDUCATION_ORDER[EDUCATION_ORDER.index(level) - 1]
        regency_seat = REGENCY_SEATS[regency]
        birth_place = regency_seat if rng.random() < 0.7 else _choice(rng, OTHER_BIRTH_PLACES)
        if twin:
            birth_place = members[0].birth_place
        phone = members[0].phone if members and rng.random() < SHARED_PHONE else world.phone(rng)
        changed = rng.random() < PHONE_CHANGED
        email = world.email(rng, tokens, birth_date) if rng.random() < HAS_EMAIL else ""
        email_old = world.email(rng, tokens, birth_date) if email and rng.random() < EMAIL_CHANGED else ""
        moved = rng.random() < MOVED
        old_address = None
        if moved:
            old_regency = regency if rng.random() < MOVED_WITHIN_REGENCY else world.regency_table.pick(rng)
            old_address = _address(world, rng, world.village(rng, old_regency))
        person = Person(
            entity_id=f"P{first_entity + index:07d}", household_id=household_id, style=style, sex=sex,
            birth_date=birth_date, nik=nik, kk=kk,
            kk_new=world.kk(rng, district6, 2023) if rng.random() < NEW_KK else "",
            tokens=tokens, father=father, education=level, education_before=before, birth_place=birth_place,
            phone=phone, phone_old=world.phone(rng) if changed else "", phone_changed=rng.randint(2021, 2025),
            email=email, email_old=email_old, address=address, address_old=old_address,
            moved=rng.randint(2020, 2025), twin=twin,
        )
        if twin:
            members[0].twin = True
        members.append(person)
    for person in members:
        _choose_sources(rng, person, members[0] if person.twin and person is not members[0] else None)
    return members


def _sibling_date(rng: random.Random, first: datetime.date, taken: list[datetime.date]) -> datetime.date:
    while True:
        gap = rng.randint(1, 8) * 365 + rng.randrange(-150, 150)
        candidate = first + datetime.timedelta(days=gap if rng.random() < 0.5 else -gap)
        age = (REFERENCE_DAY - candidate).days / 365.25
        if 17.5 <= age <= 46 and all(abs((candidate - t).days) > 300 for t in taken):
            return candidate


def _choose_sources(rng: random.Random, person: Person, twin_of: Person | None) -> None:
    if twin_of is not None and twin_of.sources and rng.random() < TWIN_SAME_SOURCES:
        person.sources = list(twin_of.sources)
        return
    sources = []
    if rng.random() < P_REGISTRATION:
        sources.append(("registration", REGISTRATION, 2025))
        if rng.random() < P_REGISTRATION_TWICE:
            sources.append(("registration", REGISTRATION, 2025))
    earliest = max(BLK_YEARS[0], person.birth_date.year + 17)
    trained = earliest <= BLK_YEARS[1] and rng.random() < P_BLK
    if trained:
        years = [rng.randint(earliest, BLK_YEARS[1])]
        if rng.random() < P_BLK_TWICE:
            years.append(rng.randint(earliest, BLK_YEARS[1]))
        for year in years:
            sources.append(("blk", f"blk_{year}", year))
    if rng.random() < P_SIAPKERJA:
        sources.append(("siapkerja", "siapkerja", rng.randint(2021, 2025)))
        if rng.random() < P_SIAPKERJA_TWICE:
            sources.append(("siapkerja", "siapkerja", rng.randint(2021, 2025)))
    if rng.random() < P_SKILLHUB:
        sources.append(("skillhub", "skillhub", rng.randint(2023, 2025)))
    if rng.random() < (P_BNSP_TRAINED if trained else P_BNSP_OTHER):
        year = years[0] if trained else rng.randint(max(2019, person.birth_date.year + 17), 2025)
        sources.append(("bnsp", f"bnsp_{year}", year))
    if not sources:
        sources.append(("registration", REGISTRATION, 2025))
    person.sources = sources


# --- rendering records -----------------------------------------------------------------------------------------------


def _typo_digit(rng: random.Random, nik: str) -> str:
    position = rng.randrange(len(nik))
    digit = _choice(rng, [d for d in "0123456789" if d != nik[position]])
    return nik[:position] + digit + nik[position + 1:]


def _transpose(rng: random.Random, nik: str) -> str:
    for _ in range(10):
        position = rng.randrange(len(nik) - 1)
        if nik[position] != nik[position + 1]:
            return nik[:position] + nik[position + 1] + nik[position] + nik[position + 2:]
    return _typo_digit(rng, nik)


def _render_nik(rng: random.Random, person: Person, profile: Profile, year: int, errors: list[str]) -> str:
    roll = rng.random()
    nik = person.nik
    for code, rate in (("nik_missing", profile.nik_missing), ("nik_typo", profile.nik_typo),
                       ("nik_transposed", profile.nik_transposed), ("nik_digit16", profile.nik_digit16),
                       ("nik_scientific", profile.nik_scientific), ("nik_kk", profile.nik_kk)):
        if roll < rate:
            errors.append(code)
            if code == "nik_missing":
                return "-" if rng.random() < 0.2 else ""
            if code == "nik_typo":
                return _typo_digit(rng, nik)
            if code == "nik_transposed":
                return _transpose(rng, nik)
            if code == "nik_digit16":
                return nik[:15] + ("0.0" if rng.random() < 0.15 else "0")
            if code == "nik_scientific":
                return f"{int(nik):.5E}".replace("E+", "E+")
            return person.kk_new if person.kk_new and year >= 2023 else person.kk
        roll -= rate
    if profile.nik_formatted and rng.random() < profile.nik_formatted:
        if rng.random() < 0.5:
            return f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
        return f"{nik[:6]}.{nik[6:12]}.{nik[12:]}"
    return nik


def _edit(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + word[-1]
    position = rng.randrange(1, len(word))
    kind = rng.randrange(4)
    char = word[position]
    if kind == 0 and char.lower() in KEYBOARD:
        neighbour = KEYBOARD[char.lower()]
        return word[:position] + (neighbour.upper() if char.isupper() else neighbour) + word[position + 1:]
    if kind == 1:
        return word[:position] + word[position + 1:]
    if kind == 2:
        return word[:position] + char + word[position:]
    if position < len(word) - 1:
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    return word[:position] + word[position + 1:]


def _old(word: str) -> str:
    def replace(match):
        old = OLD_SPELLING[match.group(0).lower()]
        return old.capitalize() if match.group(0)[0].isupper() else old

    return _OLD_PATTERN.sub(replace, word)


def _spelling(rng: random.Random, word: str) -> str:
    options = []
    if re.search(r"(.)\1", word):
        options.append(re.sub(r"(.)\1", r"\1", word, count=1))
    if word.endswith("i"):
        options.append(word[:-1] + "y")
    if word.endswith("y"):
        options.append(word[:-1] + "i")
    if "dh" in word:
        options.append(word.replace("dh", "d"))
    if "ch" in word:
        options.append(word.replace("ch", "h"))
    if "f" in word:
        options.append(word.replace("f", "p", 1))
    if word.endswith("h") and len(word) > 4:
        options.append(word[:-1])
    if "ah" in word[1:-1]:
        options.append(word.replace("ah", "a", 1))
    if not options:
        return word
    return _choice(rng, options)


def _render_name(rng: random.Random, world: _World, person: Person, kind: str, profile: Profile, case: str,
                 errors: list[str]) -> str:
    tokens = list(person.tokens)
    if "Muhammad" in tokens and rng.random() < profile.muhammad:
        index = tokens.index("Muhammad")
        tokens[index] = world.tables["muhammad"].pick(rng)
        errors.append("name_muhammad")
    if rng.random() < profile.abbreviation:
        changed = False
        for index, word in enumerate(tokens):
            nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
            if word == "Abdul" and nxt:
                if nxt[0] in "RSZTND" and rng.random() < 0.5:
                    tokens[index:index + 2] = [f"Abdu{nxt[0].lower()}{nxt.lower()}"]
                else:
                    tokens[index] = "Abd."
                changed = True
            elif word in ("Siti", "Sitti"):
                tokens[index] = _choice(rng, ["St.", "Sitti" if word == "Siti" else "Siti"])
                changed = True
            elif word == "Andi":
                tokens[index] = "A."
                changed = True
            elif word in ("Noor", "Nor"):
                tokens[index] = _choice(rng, ["Nur", "Noor" if word == "Nor" else "Nor"])
                changed = True
            elif word.startswith(("Noor", "Nor")) and len(word) > 5:
                tokens[index] = "Nur" + word[4 if word.startswith("Noor") else 3:]
                changed = True
            if changed:
                errors.append("name_abbreviation")
                break
    if rng.random() < profile.nur:
        for index, token in enumerate(tokens):
            nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
            if token in ("Nur", "Nurul", "Noor", "Nor") and nxt:
                tokens[index:index + 2] = [token + nxt.lower()]
                errors.append("name_nur_merged")
                break
            match = SPLITTABLE_NUR.match(token)
            if match:
                tokens[index:index + 1] = [match.group(1), match.group(2).capitalize()]
                errors.append("name_nur_split")
                break
    if person.style in ("muslim", "javanese", "bugis", "banjar") and rng.random() < profile.old_spelling:
        old = [_old(t) for t in tokens]
        if old != tokens:
            tokens = old
            errors.append("name_old_spelling")
    if rng.random() < profile.spelling:
        index = rng.randrange(len(tokens))
        variant = _spelling(rng, tokens[index])
        if variant != tokens[index]:
            tokens[index] = variant
            errors.append("name_spelling")
    if len(tokens) >= 3 and rng.random() < profile.dropped:
        del tokens[rng.randrange(1, len(tokens))]
        errors.append("name_dropped")
    if rng.random() < profile.name_typo:
        index = rng.randrange(len(tokens))
        tokens[index] = _edit(rng, tokens[index])
        errors.append("name_typo")
    if person.father and person.style != "dayak" and rng.random() < profile.bin:
        word = ("bin" if person.sex == "L" else "binti") if rng.random() < 0.8 else \
            ("B." if person.sex == "L" else "Bt.")
        tokens += [word, *person.father.split()]
        errors.append("name_bin")
    name = " ".join(tokens)
    if profile.degree and person.education in DEGREES and rng.random() < profile.degree:
        degree = _choice(rng, DEGREES[person.education])
        name = f"{name}, {degree}" if rng.random() < 0.7 else f"{name} {degree.replace('.', '')}"
        errors.append("name_degree")
    if profile.title and rng.random() < profile.title:
        title = _choice(rng, ["Sdr.", "H."] if person.sex == "L" else ["Sdri.", "Hj."])
        name = f"{title} {name}"
        errors.append("name_title")
    if case == "upper":
        name = name.upper()
    elif case == "lower":
        name = name.lower()
    if rng.random() < 0.02:
        name = name.replace(" ", "  ", 1) + " "
    return name


def _render_date(rng: random.Random, person: Person, kind: str, profile: Profile, errors: list[str]) -> str:
    roll = rng.random()
    if roll < profile.date_missing:
        errors.append("date_missing")
        return ""
    day = person.birth_date
    roll = rng.random()
    if roll < profile.date_swapped and day.day <= 12 and day.day != day.month:
        day = day.replace(day=day.month, month=day.day)
        errors.append("date_swapped")
    elif roll < profile.date_swapped + profile.date_typo:
        errors.append("date_typo")
        if rng.random() < 0.5:
            day = day.replace(year=day.year + _choice(rng, (-1, 1))) if (day.month, day.day) != (2, 29) else day
        else:
            digits = f"{day.day:02d}"
            changed = int(_typo_digit(rng, digits))
            try:
                day = day.replace(day=changed)
            except ValueError:
                day = day.replace(day=max(1, min(28, changed)))
    written = rng.random()
    style = PROFILE_TABLES[kind]["date_formats"].pick(rng)
    if style == "dmy":
        return f"{day:%d/%m/%Y}" if written < 0.85 else f"{day.day}/{day.month}/{day.year}"
    if style == "iso":
        return f"{day:%Y-%m-%d}"
    if style == "dmy_dash":
        return f"{day:%d-%m-%Y}"
    if style == "dmy_yy":
        return f"{day:%d/%m/%y}"
    if style == "excel":
        return str((day - EXCEL_EPOCH).days)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _render_phone(rng: random.Random, person: Person, kind: str, profile: Profile, year: int,
                  errors: list[str]) -> str:
    if rng.random() < profile.phone_missing:
        return ""
    phone = person.phone_old if person.phone_old and year < person.phone_changed else person.phone
    if phone != person.phone:
        errors.append("phone_old")
    style = PROFILE_TABLES[kind]["phone_formats"].pick(rng)
    rest = phone[1:]
    if style == "08":
        return phone
    if style == "+62":
        return f"+62{rest}" if rng.random() < 0.7 else f"+62 {rest[:3]} {rest[3:7]} {rest[7:]}"
    if style == "62":
        return f"62{rest}"
    if style == "no0":
        return rest
    if style == "dash":
        return f"{phone[:4]}-{phone[4:8]}-{phone[8:]}"
    return f"{phone[:4]} {phone[4:8]} {phone[8:]}"


def _render_address(rng: random.Random, address: Address, upper: bool) -> str:
    kind = address.kind
    if kind == "Jl.":
        kind = _choice(rng, ["Jl.", "Jl.", "Jl", "Jalan", "JL.", "Jln."])
    elif kind == "Gg.":
        kind = _choice(rng, ["Gg.", "Gg.", "Gang", "Gg"])
    number = _choice(rng, [f"No. {address.number}", f"No.{address.number}", f"No {address.number}",
                         f"Nomor {address.number}"])
    rt = _choice(rng, [f"RT {address.rt:02d}", f"RT. {address.rt:03d}", f"Rt.{address.rt}", f"RT {address.rt}"])
    extra = f" {address.extra}" if address.extra else ""
    text = f"{kind} {address.street}{extra} {number} {rt}" if rng.random() < 0.8 else \
        f"{kind} {address.street}{extra} {number}"
    if rng.random() < 0.02:
        text = _edit(rng, text)
    return text.upper() if upper else text


def _render_regency(rng: random.Random, world: _World, regency: str, upper: bool) -> str:
    roll = rng.random()
    if roll < 0.4:
        text = world.names[regency]
    else:
        options = REGENCY_NAMES[regency]
        text = options[0] if roll < 0.75 else _choice(rng, options)
    return text.upper() if upper else text


def _render_place(rng: random.Random, person: Person, profile: Profile, upper: bool, errors: list[str]) -> str:
    if rng.random() < profile.place_missing:
        return ""
    place = person.birth_place
    roll = rng.random()
    if roll < profile.place_typo:
        place = _edit(rng, place)
        errors.append("place_typo")
    elif roll < profile.place_typo + 0.04 and place in PLACE_ALIASES:
        place = _choice(rng, PLACE_ALIASES[place])
    return place.upper() if upper else place


def _render(world: _World, rng: random.Random, person: Person, kind: str, source: str, year: int,
            ) -> tuple[list[str], list[str]]:
    profile = PROFILES[kind]
    tables = PROFILE_TABLES[kind]
    errors: list[str] = []
    roll = rng.random()
    case = "upper" if roll < profile.upper else "lower" if roll < profile.upper + profile.lower else ""
    upper = kind == "blk" and case == "upper"  # a BLK sheet typed in capitals throughout
    nik = _render_nik(rng, person, profile, year, errors)
    name = _render_name(rng, world, person, kind, profile, case, errors)
    if rng.random() < profile.sex_missing:
        sex = ""
    else:
        sex = person.sex
        if rng.random() < profile.sex_wrong:
            sex = "P" if sex == "L" else "L"
            errors.append("sex_wrong")
        pair = SEX_WRITTEN[tables["sex_format"].pick(rng)]
        sex = pair[0] if sex == "L" else pair[1]
        if upper:
            sex = sex.upper()
    place = _render_place(rng, person, profile, upper, errors)
    date = _render_date(rng, person, kind, profile, errors)
    phone = _render_phone(rng, person, kind, profile, year, errors)
    email = person.email_old if person.email_old and year < 2023 else person.email
    if email and rng.random() < profile.email_missing:
        email = ""
    if email and rng.random() < 0.05:
        email = email.capitalize()
    address = person.address_old if person.address_old and year < person.moved else person.address
    if address is not person.address:
        errors.append("moved")
    village = address.village
    regency = village[:5]
    street = "" if rng.random() < profile.address_missing else _render_address(rng, address, upper)
    district_name = world.names[village[:8]]
    kecamatan = district_name if rng.random() < 0.9 else f"Kec. {district_name}"
    if kind == "skillhub" or (kind == "siapkerja" and not street and rng.random() < 0.5):
        kecamatan = ""
    if upper:
        kecamatan = kecamatan.upper()
    kabupaten = _render_regency(rng, world, regency, upper)
    code = tables["region_code"].pick(rng)
    region = village if code == "village" else village[:8].replace(".", "") if code == "district_compact" else ""
    level = person.education_before if year < 2023 else person.education
    education = _choice(rng, EDUCATION_WRITTEN[level])
    kk = ""
    if rng.random() < profile.kk_filled:
        kk = person.kk_new if person.kk_new and year >= 2023 else person.kk
    return [nik, name, sex, place, date, phone, email, street, kecamatan, kabupaten, region, education, kk,
            source], errors


PROFILE_TABLES: dict[str, dict[str, _Table]] = {
    kind: {name: _Table(getattr(profile, name)) for name in ("date_formats", "sex_format", "phone_formats",
                                                              "region_code")}
    for kind, profile in PROFILES.items()}


# --- the stream ------------------------------------------------------------------------------------------------------


def iter_records(n_records: int, seed: int = SEED) -> Iterator[tuple[list[str], tuple[str, str, str, str, str]]]:
    """Yield exactly ``n_records`` (values of COLUMNS, truth (entity, household, twin, kind, errors)), grouped by
    household (not shuffled)."""
    rng = random.Random(f"linkage:{seed}")
    world = _World(seed)
    emitted = households = entities = 0
    while emitted < n_records:
        households += 1
        members = _household(world, rng, households, entities + 1)
        entities += len(members)
        for person in members:
            for kind, source, year in person.sources:
                if emitted >= n_records:
                    return
                values, errors = _render(world, rng, person, kind, source, year)
                emitted += 1
                yield values, (person.entity_id, person.household_id, "1" if person.twin else "", kind,
                               ";".join(errors))


def iter_shuffled(n_records: int, seed: int = SEED, block: int = SHUFFLE_BLOCK):
    """The records in shuffled blocks of ``block`` (so no household sits together), with sequential record ids:
    yields (record_id, values, truth)."""
    rng = random.Random(f"shuffle:{seed}")
    buffer: list = []
    number = 0
    for item in iter_records(n_records, seed):
        buffer.append(item)
        if len(buffer) >= block:
            rng.shuffle(buffer)
            for values, truth in buffer:
                number += 1
                yield f"R{number:07d}", values, truth
            buffer = []
    rng.shuffle(buffer)
    for values, truth in buffer:
        number += 1
        yield f"R{number:07d}", values, truth


def generate(n_records: int, seed: int = SEED) -> tuple[list[dict], dict[str, str]]:
    """``n_records`` input rows (dicts of record_id and COLUMNS, all strings) and the truth record_id -> entity id."""
    rows, truth = [], {}
    for record_id, values, info in iter_shuffled(n_records, seed):
        row = {"record_id": record_id}
        row.update(zip(COLUMNS, values, strict=True))
        rows.append(row)
        truth[record_id] = info[0]
    return rows, truth


def naive_key(nik: str) -> str:
    """The plain rule's NIK: the value without spaces and dots, when that is 16 digits."""
    value = nik.strip().replace(" ", "").replace(".", "")
    return value if len(value) == 16 and value.isdigit() else ""


class Summary:
    """Counts while writing: sources, errors, entities, true pairs and how a plain same-NIK rule does."""

    def __init__(self):
        self.sources = Counter()
        self.errors = Counter()
        self.entities: dict[str, list[str]] = {}  # entity -> naive keys of its records (only while counting)
        self.nik_counts = Counter()
        self.twins = set()
        self.records = 0

    def add(self, values: list[str], truth: tuple) -> None:
        self.records += 1
        self.sources[truth[3]] += 1
        for code in truth[4].split(";"):
            if code:
                self.errors[code] += 1
        key = naive_key(values[0])
        self.entities.setdefault(truth[0], []).append(key)
        if key:
            self.nik_counts[key] += 1
        if truth[2]:
            self.twins.add(truth[0])

    def report(self) -> dict:
        true_pairs = same_nik_true = 0
        size_counts = Counter()
        for keys in self.entities.values():
            k = len(keys)
            size_counts[k] += 1
            true_pairs += k * (k - 1) // 2
            for count in Counter(key for key in keys if key).values():
                same_nik_true += count * (count - 1) // 2
        naive_pairs = sum(c * (c - 1) // 2 for c in self.nik_counts.values())
        return {
            "records": self.records, "entities": len(self.entities), "twins": len(self.twins),
            "records_per_entity": dict(sorted(size_counts.items())), "sources": dict(self.sources),
            "errors": dict(self.errors.most_common()), "true_pairs": true_pairs, "naive_pairs": naive_pairs,
            "naive_true_pairs": same_nik_true,
            "naive_recall": same_nik_true / true_pairs if true_pairs else 0.0,
            "naive_precision": same_nik_true / naive_pairs if naive_pairs else 0.0,
        }


def write(n_records: int, seed: int, out: Path, summary: Summary | None = None) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    input_path, truth_path = out / "INPUT.csv", out / "TRUTH.csv"
    with open(input_path, "w", newline="", encoding="utf-8") as inputs, \
            open(truth_path, "w", newline="", encoding="utf-8") as truths:
        input_writer, truth_writer = csv.writer(inputs), csv.writer(truths)
        input_writer.writerow(("record_id", *COLUMNS))
        truth_writer.writerow(TRUTH_COLUMNS)
        for record_id, values, truth in iter_shuffled(n_records, seed):
            input_writer.writerow((record_id, *values))
            truth_writer.writerow((record_id, *truth))
            if summary is not None:
                summary.add(values, truth)
    return input_path, truth_path


def print_report(report: dict) -> None:
    print(f"records {report['records']:,}  entities {report['entities']:,}  twins {report['twins']:,}")
    print("records per entity:", ", ".join(f"{k}: {v:,}" for k, v in report["records_per_entity"].items()))
    print("sources:", ", ".join(f"{k} {v:,}" for k, v in report["sources"].items()))
    print("errors:", ", ".join(f"{k} {v:,}" for k, v in report["errors"].items()))
    print(f"true pairs {report['true_pairs']:,}; plain same-NIK rule: {report['naive_pairs']:,} pairs, "
          f"{report['naive_true_pairs']:,} true -> recall {report['naive_recall']:.3f} "
          f"(misses {1 - report['naive_recall']:.1%}), precision {report['naive_precision']:.4f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="folder (default bench/out/linkage_<records>)")
    options = parser.parse_args(argv)
    out = options.out or OUT / f"linkage_{options.records}"
    started = time.perf_counter()
    summary = Summary()
    input_path, truth_path = write(options.records, options.seed, out, summary)
    elapsed = time.perf_counter() - started
    print(f"wrote {input_path} and {truth_path} in {elapsed:.1f} s")
    print_report(summary.report())


if __name__ == "__main__":
    main()
