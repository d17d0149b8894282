"""Standardising source records for the linkage (kompeten/linkage/standardise.py): NIK cleaning and repair hints,
birth dates, places, addresses, regions, contacts, and whole records; examples of every rule and properties on
random values (hypothesis). Plain functions: no database."""

import datetime
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kompeten.linkage import standardise as std
from kompeten.linkage.records import COLUMNS, Record
from kompeten.linkage.standardise import (
    KALTIM_CODES,
    NIK_PROBLEMS,
    REGENCIES,
    REGENCY_ALIASES,
    clean_nik,
    education_code,
    nik_facts,
    normalise_address,
    normalise_email,
    normalise_phone_number,
    normalise_place,
    parse_birth_date,
    region_code,
    repair_hints,
    standardise,
    swapped,
)
from kompeten.registry.nik import make_nik

TODAY = datetime.date.today()
BORN = datetime.date(1999, 3, 12)
WOMAN = make_nik("64.71.05", BORN, "P", 23)  # 6471055203990023
MAN = make_nik("64.72.03", BORN, "L", 7)  # 6472031203990007

DISTRICTS = sorted(code for code in KALTIM_CODES if code.count(".") == 2)
OTHER_DISTRICTS = sorted(f"{code}.01" for code in REGENCIES if not code.startswith("64"))
DISTRICT_CODES = st.sampled_from(DISTRICTS + OTHER_DISTRICTS)
# Dates a NIK's two-digit year decodes to: 20YY unless that is after today (the last hundred years).
BIRTH_DATES = st.dates(min_value=datetime.date(TODAY.year - 99, 1, 1), max_value=TODAY)
SEXES = st.sampled_from(["L", "P"])
SERIALS = st.integers(min_value=1, max_value=9999)
GARBAGE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.dates(), st.datetimes(), st.binary(max_size=5), st.lists(st.integers(), max_size=2),
    st.decimals(allow_nan=False, allow_infinity=False), st.times(),
)


def test_examples_are_what_they_claim():
    assert WOMAN == "6471055203990023"
    assert MAN == "6472031203990007"


# ---------------------------------------------------------------------------------------------
# NIK: clean_nik


@pytest.mark.parametrize("raw", [WOMAN, f" {WOMAN} ", "6471 0552 0399 0023", "64.71.05.520399.0023",
                                 "6471-0552-0399-0023", f"'{WOMAN}", f"{WOMAN}\u200b", int(WOMAN)])
def test_valid_nik(raw):
    assert clean_nik(raw, birth_date=BORN, sex="P") == (WOMAN, (), WOMAN[:15])
    assert clean_nik(raw) == (WOMAN, (), WOMAN[:15])


@pytest.mark.parametrize("raw", [None, "", "   ", "-", "'"])
def test_missing_nik(raw):
    assert clean_nik(raw) == ("", (), "")


def test_excel_zeroed_number():
    zeroed = WOMAN[:15] + "0"
    for raw in (int(zeroed), float(zeroed), zeroed + ".0", zeroed + ",0"):
        nik, problems, nik15 = clean_nik(raw, birth_date=BORN, sex="P")
        assert (nik, nik15) == (zeroed, WOMAN[:15])
        assert problems == ("excel_zeroed",)


def test_text_ending_in_zero_is_not_flagged():
    nik = make_nik("64.71.05", BORN, "P", 10)  # serial 0010
    assert clean_nik(nik) == (nik, (), nik[:15])


def test_text_with_serial_0000_is_zeroed():
    nik = WOMAN[:12] + "0000"
    assert clean_nik(nik) == (nik, ("excel_zeroed",), nik[:15])


def test_number_not_ending_in_zero_came_through():
    assert clean_nik(int(MAN)) == (MAN, (), MAN[:15])


@pytest.mark.parametrize("raw", ["6.47105E+15", "6,47105E+15", "6.47105e15", "6.471055E+15", "6.4710552039900E+15"])
def test_scientific_too_short(raw):
    assert clean_nik(raw) == ("", ("scientific",), "")


@pytest.mark.parametrize("raw", ["6.47105520399002E+15", "6,47105520399002E+15", "6.471055203990020E+15"[:-5] + "E+15"])
def test_scientific_fifteen_digits(raw):
    nik, problems, nik15 = clean_nik(raw)
    assert nik15 == WOMAN[:15]
    assert nik == WOMAN[:15] + "0"
    assert problems == ("scientific", "excel_zeroed")


def test_scientific_sixteen_digits():
    assert clean_nik("6.471055203990023E+15") == (WOMAN, ("scientific",), WOMAN[:15])


@pytest.mark.parametrize("raw", ["6.47105E+12", "6.4E+20", "1.5E+1"])
def test_scientific_wrong_size(raw):
    assert clean_nik(raw) == ("", ("scientific", "length"), "")


def test_fifteen_digits():
    assert clean_nik(WOMAN[:15]) == ("", ("length",), WOMAN[:15])
    assert clean_nik(int(WOMAN[:15])) == ("", ("length",), WOMAN[:15])
    assert clean_nik("99" + WOMAN[2:15]) == ("", ("length", "bad_region"), "99" + WOMAN[2:15])


@pytest.mark.parametrize("raw", ["123", WOMAN + "1", WOMAN[:10], 12345])
def test_other_lengths(raw):
    assert clean_nik(raw) == ("", ("length",), "")


@pytest.mark.parametrize("raw", ["0000000000000000", "1111111111111111", "6471000000000000", "1234567890123456",
                                 "0", "9999", 0])
def test_placeholders(raw):
    nik, problems, nik15 = clean_nik(raw)
    assert (nik, nik15) == ("", "")
    assert "placeholder" in problems or problems == ("not_digits",)


@pytest.mark.parametrize("raw", ["abc", "NIK belum ada", "64710552O3990023", "6471055203990023 / 6471055203990024",
                                 True, -6471055203990023, 3.5, math.nan, math.inf, [WOMAN], b"6471055203990023",
                                 datetime.date(2000, 1, 1)])
def test_not_digits(raw):
    assert clean_nik(raw) == ("", ("not_digits",), "")


def test_digits_inside_text():
    assert clean_nik(f"NIK: {WOMAN} (KTP)") == (WOMAN, ("not_digits",), WOMAN[:15])


def test_bad_region():
    for nik in ("99" + WOMAN[2:], "6499" + WOMAN[4:], "647100" + WOMAN[6:]):
        assert clean_nik(nik) == (nik, ("bad_region",), nik[:15])


def test_retired_regency_is_a_region():
    nik = make_nik("91.01.01", BORN, "L", 1)  # a Papua regency code retired in the 2022 splits
    assert clean_nik(nik)[1] == ()


@pytest.mark.parametrize("date_part", ["350399", "811299", "120099", "121399", "300299", "000199"])
def test_bad_date(date_part):
    nik = WOMAN[:6] + date_part + WOMAN[12:]
    assert clean_nik(nik) == (nik, ("bad_date",), nik[:15])
    # with a stated birth date: still no date, and not a KK either (a KK's issue date is a real date)
    assert clean_nik(nik, birth_date=BORN, sex="P")[1] == ("bad_date",)


def test_kk_suspect():
    kk = "647105" + "150620" + "0012"  # issued 15 June 2020
    assert clean_nik(kk, birth_date=BORN, sex="L") == (kk, ("kk_suspect",), kk[:15])
    assert clean_nik(kk, birth_date=BORN, sex="P") == (kk, ("kk_suspect", "sex_mismatch"), kk[:15])
    # without the birth date nothing tells it from a man's NIK
    assert clean_nik(kk) == (kk, (), kk[:15])


def test_kk_given_as_the_same_number():
    assert clean_nik(WOMAN, kk=WOMAN) == (WOMAN, ("kk_suspect",), WOMAN[:15])
    assert clean_nik(WOMAN, kk=MAN) == (WOMAN, (), WOMAN[:15])


def test_not_kk():
    # one field wrong is a typo, not a KK
    typo = make_nik("64.71.05", datetime.date(2009, 3, 12), "L", 1)
    assert clean_nik(typo, birth_date=datetime.date(2001, 3, 12), sex="L")[1] == ("date_mismatch",)
    # an "issue date" before the birth date
    early = make_nik("64.71.05", datetime.date(2001, 6, 15), "L", 1)
    assert clean_nik(early, birth_date=datetime.date(2003, 1, 1), sex="L")[1] == ("date_mismatch",)
    # a date part in the future as an issue date (19YY birth)
    old = make_nik("64.71.05", datetime.date(1985, 6, 15), "L", 1)
    assert clean_nik(old, birth_date=BORN, sex="L")[1] == ("date_mismatch",)


def test_date_mismatch_and_swap():
    assert clean_nik(WOMAN, birth_date=datetime.date(1999, 3, 13), sex="P")[1] == ("date_mismatch",)
    # the stated date with day and month swapped: the NIK is fine
    assert clean_nik(WOMAN, birth_date=datetime.date(1999, 12, 3), sex="P")[1] == ()
    # the century is not compared
    assert clean_nik(WOMAN, birth_date=datetime.date(1899, 3, 12), sex="P")[1] == ()


def test_sex_mismatch():
    assert clean_nik(WOMAN, birth_date=BORN, sex="L")[1] == ("sex_mismatch",)
    assert clean_nik(MAN, sex="Perempuan")[1] == ("sex_mismatch",)
    assert clean_nik(MAN, sex="?")[1] == ()


def test_stated_birth_date_as_text():
    assert clean_nik(WOMAN, birth_date="12/03/1999", sex="P")[1] == ()
    assert clean_nik(WOMAN, birth_date="13-03-1999")[1] == ("date_mismatch",)
    assert clean_nik(WOMAN, birth_date=datetime.datetime(1999, 3, 12, 8, 0))[1] == ()
    assert clean_nik(WOMAN, birth_date="rubbish")[1] == ()


@given(DISTRICT_CODES, BIRTH_DATES, SEXES, SERIALS)
def test_make_nik_round_trips(district, born, sex, serial):
    nik = make_nik(district, born, sex, serial)
    assume(nik != nik[0] * 16)
    assert clean_nik(nik, birth_date=born, sex=sex) == (nik, (), nik[:15])
    assert clean_nik(nik) == (nik, (), nik[:15])
    assert nik_facts(nik) == (born, sex)
    expected = ("excel_zeroed",) if nik.endswith("0") else ()
    assert clean_nik(int(nik), birth_date=born, sex=sex) == (nik, expected, nik[:15])


@given(DISTRICT_CODES, BIRTH_DATES, SEXES, SERIALS)
def test_excel_zeroed_keeps_fifteen_digits(district, born, sex, serial):
    nik = make_nik(district, born, sex, serial)
    zeroed = nik[:15] + "0"
    for raw in (int(zeroed), float(zeroed), f"{zeroed}.0"):
        damaged, problems, nik15 = clean_nik(raw, birth_date=born, sex=sex)
        assert nik15 == nik[:15]
        assert damaged == zeroed
        assert "excel_zeroed" in problems
        assert not {"date_mismatch", "kk_suspect", "sex_mismatch"} & set(problems)
    scientific = f"{int(zeroed):.14E}"  # as Excel shows it: 15 significant digits
    assert clean_nik(scientific)[2] == nik[:15]
    assert clean_nik(scientific.replace(".", ","))[2] == nik[:15]
    short = f"{int(zeroed):.5E}"
    assert clean_nik(short) == ("", ("scientific",), "")


@given(DISTRICT_CODES, BIRTH_DATES, SEXES, st.integers(min_value=1, max_value=999))
def test_text_ending_in_zero_never_zeroed(district, born, sex, tens):
    nik = make_nik(district, born, sex, tens * 10)
    assert "excel_zeroed" not in clean_nik(nik)[1]


@given(DISTRICT_CODES, st.dates(min_value=datetime.date(1965, 1, 1), max_value=datetime.date(1999, 12, 31)),
       st.dates(min_value=datetime.date(2005, 1, 1), max_value=TODAY), SERIALS)
def test_kk_numbers_are_suspect(district, born, issued, serial):
    assume(sum((issued.day != born.day, issued.month != born.month, issued.year % 100 != born.year % 100)) >= 2)
    assume(not (issued.day == born.month and issued.month == born.day and issued.year % 100 == born.year % 100))
    kk = make_nik(district, issued, "L", serial)
    assert "kk_suspect" in clean_nik(kk, birth_date=born)[1]


@given(GARBAGE, st.one_of(st.none(), BIRTH_DATES, GARBAGE), st.one_of(SEXES, GARBAGE))
def test_clean_nik_never_raises(raw, born, sex):
    nik, problems, nik15 = clean_nik(raw, birth_date=born, sex=sex)
    assert nik == "" or (len(nik) == 16 and nik.isdigit())
    assert nik15 == "" or (len(nik15) == 15 and nik15.isdigit())
    assert set(problems) <= set(NIK_PROBLEMS)
    assert len(set(problems)) == len(problems)
    repair_hints(raw, birth_date=born, sex=sex)


@given(st.text(alphabet="0123456789 .-'E+,", max_size=22), st.one_of(st.none(), BIRTH_DATES), SEXES)
def test_nik_like_text(raw, born, sex):
    nik, problems, nik15 = clean_nik(raw, birth_date=born, sex=sex)
    assert set(problems) <= set(NIK_PROBLEMS)
    if nik:
        assert nik15 == nik[:15]


def test_problem_explanations():
    for code, text in NIK_PROBLEMS.items():
        assert code.isidentifier()
        assert str(text)


# ---------------------------------------------------------------------------------------------
# nik_facts, repair_hints


def test_nik_facts():
    assert nik_facts(WOMAN) == (BORN, "P")
    assert nik_facts(MAN) == (BORN, "L")
    for bad in ("", WOMAN[:15], WOMAN[:6] + "351399" + WOMAN[12:], None, 6471055203990023, "６" * 16):
        assert nik_facts(bad) == (None, "")


def test_no_hints_for_a_good_nik():
    assert repair_hints(WOMAN, birth_date=BORN, sex="P") == []
    assert repair_hints(None) == []


def test_hints():
    zeroed = repair_hints(int(WOMAN[:15] + "0"))
    assert len(zeroed) == 1 and WOMAN[:15] in zeroed[0]
    assert WOMAN[:15] in repair_hints(WOMAN[:15])[0]
    assert "scientific" in repair_hints("6.47105E+15")[0]
    kk = repair_hints("6471051506200012", birth_date=BORN, sex="L")
    assert len(kk) == 1 and "15/06/2020" in kk[0] and "KK" in kk[0]
    assert "KK" in repair_hints(WOMAN, kk=WOMAN)[0]
    swap = repair_hints(WOMAN, birth_date="03/12/1999", sex="P")
    assert len(swap) == 1 and "swapped" in swap[0]
    mismatch = repair_hints(WOMAN, birth_date=datetime.date(1999, 3, 13), sex="P")
    assert "13/03/1999" in mismatch[0]
    assert make_nik("64.71.05", datetime.date(1999, 3, 13), "P", 23) in mismatch[-1]
    sex = repair_hints(WOMAN, birth_date=BORN, sex="L")
    assert any(make_nik("64.71.05", BORN, "L", 23) in hint for hint in sex)
    assert repair_hints("99" + WOMAN[2:])[0].startswith("The region code 997105")
    assert "351399" in repair_hints(WOMAN[:6] + "351399" + WOMAN[12:])[0]
    assert repair_hints("0000000000000000")
    assert repair_hints("abc")


# ---------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize("raw", [
    "12-03-1999", "12/03/1999", "12.03.1999", "12-3-1999", "1999-03-12", "1999/03/12", "1999-03-12 00:00:00",
    "1999-03-12T08:30:00", "12/03/99", "12 Maret 1999", "12 maret 1999", "12-Mar-1999", "12 March 1999",
    "Maret 12, 1999", "March 12 1999", "19990312", "12031999", 19990312, 12031999, 36231, 36231.0,
    36231.75, "36231", "36231.0", "'12/03/1999", " 12/03/1999 ", "Samarinda, 12-03-1999", "lahir 12 Maret 1999",
    BORN, datetime.datetime(1999, 3, 12, 23, 59),
])
def test_birth_dates(raw):
    assert parse_birth_date(raw) == BORN


def test_month_first_when_day_first_is_impossible():
    assert parse_birth_date("03/25/1999") == datetime.date(1999, 3, 25)
    assert parse_birth_date("12/13/1999") == datetime.date(1999, 12, 13)


def test_two_digit_years():
    assert parse_birth_date("12-03-05") == datetime.date(2005, 3, 12)
    assert parse_birth_date("12-03-85") == datetime.date(1985, 3, 12)


def test_old_month_spellings():
    assert parse_birth_date("1 Pebruari 2001") == datetime.date(2001, 2, 1)
    assert parse_birth_date("30 Nopember 1990") == datetime.date(1990, 11, 30)


@pytest.mark.parametrize("raw", [None, "", "1999", 1999, "31/02/1999", "abc", "13/13/1999", "00/00/0000", True,
                                 "12 Foo 1999", math.nan, -5, 0, datetime.date(1850, 1, 1),
                                 TODAY + datetime.timedelta(days=1), datetime.time(12, 0), [1999]])
def test_not_birth_dates(raw):
    assert parse_birth_date(raw) is None


@given(st.dates(min_value=datetime.date(1930, 1, 1), max_value=TODAY))
def test_date_formats_round_trip(day):
    months = {1: "Januari", 2: "Februari", 3: "Maret", 4: "April", 5: "Mei", 6: "Juni", 7: "Juli", 8: "Agustus",
              9: "September", 10: "Oktober", 11: "November", 12: "Desember"}
    serial = (day - datetime.date(1899, 12, 30)).days
    for raw in (day, datetime.datetime.combine(day, datetime.time(7, 30)), day.strftime("%d-%m-%Y"),
                day.strftime("%d/%m/%Y"), day.isoformat(), f"{day.day} {months[day.month]} {day.year}",
                serial, float(serial), str(serial), day.strftime("%Y%m%d")):
        assert parse_birth_date(raw) == day, raw


@given(GARBAGE)
def test_parse_birth_date_never_raises(raw):
    result = parse_birth_date(raw)
    assert result is None or datetime.date(1900, 1, 1) <= result <= TODAY


def test_swapped():
    assert swapped(datetime.date(1999, 12, 3)) == datetime.date(1999, 3, 12)
    assert swapped(datetime.date(1999, 3, 13)) is None  # the 13th month does not exist
    assert swapped(datetime.date(1999, 5, 5)) is None  # the same date
    assert swapped(None) is None


@given(st.dates())
def test_swapped_is_an_involution(day):
    other = swapped(day)
    if other is not None:
        assert other != day
        assert (other.day, other.month, other.year) == (day.month, day.day, day.year)
        assert swapped(other) == day


# ---------------------------------------------------------------------------------------------
# Places, addresses, regions


@pytest.mark.parametrize("raw, expected", [
    ("Samarinda", "samarinda"), ("SAMARINDA", "samarinda"), ("Kota Samarinda", "samarinda"), ("Smd", "samarinda"),
    ("Kab. Kukar", "kutai kartanegara"), ("Kukar", "kutai kartanegara"), ("Tenggarong", "kutai kartanegara"),
    ("Kabupaten Kutai Kartanegara", "kutai kartanegara"), ("Kutim", "kutai timur"), ("Sangatta", "kutai timur"),
    ("Kubar", "kutai barat"), ("BPN", "balikpapan"), ("Bpp", "balikpapan"), ("Kota Balikpapan", "balikpapan"),
    ("PPU", "penajam paser utara"), ("Penajam", "penajam paser utara"), ("Pasir", "paser"),
    ("Tanah Grogot", "paser"), ("Bontang", "bontang"), ("Tanjung Redeb", "berau"), ("Mahulu", "mahakam ulu"),
    ("Kota Surabaya", "surabaya"), ("Kab. Bandung", "bandung"), ("Djakarta", "jakarta"), ("Soerabaja", "surabaja"),
    ("Desa Sukamaju", "sukamaju"), ("", ""), (None, ""), (12, "12"),
])
def test_places(raw, expected):
    assert normalise_place(raw) == expected


def test_every_alias_resolves_to_its_regency():
    for code, spellings in REGENCY_ALIASES.items():
        names = {normalise_place(spelling) for spelling in spellings}
        assert len(names) == 1, (code, names)
        assert region_code(None, None, spellings[0]) == code


@given(st.text(max_size=30))
def test_place_idempotent(raw):
    once = normalise_place(raw)
    assert normalise_place(once) == once


@pytest.mark.parametrize("raw, expected", [
    ("Jl. Pangeran Antasari No. 012 RT. 003/RW. 05", "jalan pangeran antasari nomor 12 rt 3 rw 5"),
    ("JLN. MERDEKA NO.5 RT 03 RW 05", "jalan merdeka nomor 5 rt 3 rw 5"),
    ("Gg. Mawar RT/RW 03/05 Kel. Sungai Pinang", "gang mawar rt 3 rw 5 kelurahan sungai pinang"),
    ("Jl Mawar rt03/rw05", "jalan mawar rt 3 rw 5"),
    ("Jl Mawar RT 03/05", "jalan mawar rt 3 rw 5"),
    ("Perum Bumi Indah Blok A12", "perumahan bumi indah blok a 12"),
    ("Jl. Ma'ruf Gg. 2", "jalan maruf gang 2"),
    ("Jalan Mawar", "jalan mawar"),
    ("", ""), (None, ""), (5, "5"),
])
def test_addresses(raw, expected):
    assert normalise_address(raw) == expected


@given(st.text(alphabet="JlnGgRTWrtwNo0123456789 ./,'-abc", max_size=40))
def test_address_idempotent(raw):
    once = normalise_address(raw)
    assert normalise_address(once) == once


def test_region_from_codes():
    assert "64.71.05.1008" in KALTIM_CODES
    assert region_code("64.71.05.1008") == "64.71.05.1008"
    assert region_code("6471051008") == "64.71.05.1008"
    assert region_code(6471051008) == "64.71.05.1008"
    assert region_code("64.71.05") == "64.71.05"
    assert region_code("647105") == "64.71.05"
    assert region_code("64.71") == "64.71"
    assert region_code(64.71) == "64.71"  # Excel read the code as a number
    assert region_code("64.71.05.9999") == "64.71.05"  # the village does not exist: the district does
    assert region_code("64.71.99") == "64.71"
    assert region_code("32.01.05.2001") == "32.01.05.2001"  # other provinces: only the regency can be checked
    assert region_code("99.01") == ""
    assert region_code("64") == ""
    assert region_code("garbage") == ""


def test_region_from_names():
    assert region_code(None, "Samarinda Ulu", "Samarinda") == "64.72.03"
    assert region_code(None, "Kec. Samarinda Ulu", "Kota Samarinda") == "64.72.03"
    assert region_code(None, "Samarinda Ulu", None) == "64.72.03"  # a district name unique in the province
    assert region_code(None, "Samarinda Ulu", "Balikpapan") == "64.71"  # not in that regency: the regency only
    assert region_code(None, None, "Kukar") == "64.02"
    assert region_code(None, "Nowhere", "Kab. Kutai Kartanegara") == "64.02"
    assert region_code(None, None, "Kota Bandung") == "32.73"
    assert region_code(None, None, "Kabupaten Bandung") == "32.04"
    assert region_code(None, None, "Bandung") == "32.04"
    assert region_code(None, None, None) == ""
    assert region_code("64.72", "Samarinda Ulu", None) == "64.72.03"  # a code made more precise by a name
    assert region_code("64.71", "Samarinda Ulu", None) == "64.71"
    # The city written name first, as participant lists do.
    assert region_code(None, None, "Balikpapan Kota") == "64.71"
    assert region_code(None, None, "Samarinda Kota") == "64.72"
    assert region_code(None, None, "Kutai Kota") == ""  # no such city


@given(GARBAGE, GARBAGE, GARBAGE)
def test_region_never_raises(code, district, regency):
    result = region_code(code, district, regency)
    assert result == "" or result[:5] in REGENCIES


# ---------------------------------------------------------------------------------------------
# Phone, e-mail, education


@pytest.mark.parametrize("raw, expected", [
    ("081234567890", "081234567890"), ("+62 812-3456-7890", "081234567890"), ("62812 3456 7890", "081234567890"),
    ("81234567890", "081234567890"), (81234567890, "081234567890"), (6281234567890.0, "081234567890"),
    ("0812-3456-7890 / 0813-1111-2222", "081234567890"), ("- / 0813-1111-2222", "081311112222"),
    ("(0542) 123456", "0542123456"), ("'081234567890", "081234567890"), ("12345", ""), ("", ""), (None, ""),
    ("+1 555 123 4567", ""), (True, ""),
])
def test_phones(raw, expected):
    assert normalise_phone_number(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (" Siti@Example.COM ", "siti@example.com"), ("siti @ example.com", "siti@example.com"),
    ("a@b.co.id; c@d.com", "a@b.co.id"), ("mailto:siti@example.com", "siti@example.com"), ("siti", ""),
    ("siti@", ""), ("@example.com", ""), ("", ""), (None, ""), (5, ""),
])
def test_emails(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("SMA", "SMA"), ("sma", "SMA"), ("SMK", "SMK"), ("SLTA", "SMA"), ("SLTA/Sederajat", "SMA"), ("STM", "SMK"),
    ("D-III", "D3"), ("D III", "D3"), ("DIII", "D3"), ("Diploma III", "D3"), ("D3", "D3"), ("S-1", "S1"),
    ("S1", "S1"), ("Sarjana (S1)", "S1"), ("Sarjana", "S1"), ("SD/MI/Paket A", "SD"), ("MTs", "SMP"),
    ("Paket C", "SMA"), ("Tidak/Belum Sekolah", "TS"), ("Belum/Tidak Tamat SD", "BTSD"), ("S2", "S2"),
    ("", ""), (None, ""), ("kursus", ""),
    ("SD/MI", "SD"), ("SMP/MTs", "SMP"), ("SMA/MA", "SMA"), ("SMA/SMK", "SMA"), ("SD/SMP", ""),
])
def test_education(raw, expected):
    assert education_code(raw) == expected


# ---------------------------------------------------------------------------------------------
# Whole records


def test_standardise():
    record = standardise({
        "nik": WOMAN, "nama": "Hj. St. Nurhayati binti Abdoel Rachman, S.Pd", "jenis_kelamin": "Perempuan",
        "tempat_lahir": "Kota Smd", "tanggal_lahir": "12/03/1999", "no_hp": "+62 812-3456-7890",
        "email": " Siti@Example.COM ", "alamat": "Jl. Merdeka No. 5 RT 03/RW 05", "kecamatan": "Samarinda Ulu",
        "kabupaten_kota": "Samarinda", "kode_wilayah": "", "pendidikan": "S-1", "kk": "6471051506200012",
        "source": "BLK Samarinda 2023",
    }, id="blk-2023-17")
    assert record == Record(
        id="blk-2023-17", nik=WOMAN, nik_problems=(), nik15=WOMAN[:15], name="siti nurhayati abdul rahman",
        name_tokens=("siti", "nurhayati", "abdul", "rahman"), name_key="sitinurhayatiabdulrahman", sex="P",
        birth_date=BORN, birth_place="samarinda", phone="081234567890", email="siti@example.com",
        address="jalan merdeka nomor 5 rt 3 rw 5", region="64.72.03", kk="6471051506200012", education="S1",
        source="BLK Samarinda 2023",
    )


def test_standardise_cell_values():
    record = standardise({
        "nik": float(WOMAN[:15] + "0"), "nama": "M. Rizki", "jenis_kelamin": "L", "tanggal_lahir": 36231,
        "no_hp": 81234567890, "kode_wilayah": 6471051008, "kk": WOMAN[:15] + "0",
    }, id=7)
    assert record.id == "7"
    assert (record.nik, record.nik15) == (WOMAN[:15] + "0", WOMAN[:15])
    assert record.nik_problems == ("excel_zeroed", "sex_mismatch", "kk_suspect")
    assert record.birth_date == BORN
    assert record.name == "muhammad rizki"
    assert record.phone == "081234567890"
    assert record.region == "64.71.05.1008"


def test_standardise_place_and_date_in_one_column():
    record = standardise({"tempat_lahir": "Tenggarong, 12 Maret 1999"}, id="x")
    assert (record.birth_place, record.birth_date) == ("kutai kartanegara", BORN)


def test_standardise_nothing():
    assert standardise({}, id="empty") == Record(id="empty")
    assert standardise(None, id="empty") == Record(id="empty")


def test_kk_suspect_from_the_record():
    record = standardise({"nik": "6471051506200012", "tanggal_lahir": "12-03-1999"}, id="k")
    assert record.nik_problems == ("kk_suspect",)


@given(st.fixed_dictionaries({}, optional=dict.fromkeys(COLUMNS, GARBAGE)), st.text(max_size=5))
def test_standardise_never_raises(raw, record_id):
    record = standardise(raw, id=record_id)
    assert isinstance(record, Record)
    assert record.id == record_id
    assert record.name_key == "".join(record.name_tokens)
    assert record.sex in ("", "L", "P")
    assert record.phone == "" or record.phone.startswith("0")
    assert record.nik == "" or len(record.nik) == 16
    assert set(record.nik_problems) <= set(NIK_PROBLEMS)
    assert record.kk == "" or len(record.kk) == 16


def test_pure_module(tmp_path):
    # Usable without Django settings and without importing any model (so without a database).
    code = (
        "import sys\n"
        "from kompeten.linkage.standardise import standardise\n"
        "record = standardise({'nik': '6471055203990023', 'nama': 'Budi', 'kabupaten_kota': 'Kukar'}, id='1')\n"
        "assert record.region == '64.02', record\n"
        "assert not [name for name in sys.modules if name.endswith('.models') or name == 'django.db.models'], "
        "sorted(name for name in sys.modules if 'models' in name)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(std.__file__).parents[2], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
