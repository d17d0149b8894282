import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompeten.registry.nik import (
    NikIssue,
    compare_with_person,
    make_nik,
    mask_nik,
    normalise_nik,
    parse_nik,
)

PROVINCES = {"11", "12", "31", "32", "33", "35", "51", "61", "62", "63", "64", "65", "91", "92", "94"}
REGENCIES = {"64.01", "64.71", "64.72", "64.74", "64.02"}
DISTRICTS = ["64.71.05", "64.01.01", "11.01.01", "31.71.03", "94.71.10"]
TODAY = datetime.date(2025, 6, 15)

# Samarinda district, 12 March 1990, male, serial 0001.
VALID = "6471051203900001"


def parse(value, **kwargs):
    kwargs.setdefault("province_codes", PROVINCES)
    kwargs.setdefault("today", TODAY)
    return parse_nik(value, **kwargs)


def codes(result):
    return [issue.code for issue in result.issues]


def nik_with(*, province="64", regency="71", district="05", day="12", month="03", year="90", serial="0001"):
    return f"{province}{regency}{district}{day}{month}{year}{serial}"


# --- normalise_nik -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "6471051203900001",
        " 6471051203900001 ",
        "6471 0512 0390 0001",
        "64.71.05.120390.0001",
        "647105-120390-0001",
    ],
)
def test_normalise_removes_spaces_dots_and_dashes(value):
    assert normalise_nik(value) == VALID


def test_normalise_makes_no_other_changes():
    assert normalise_nik("64710512039O0001") == "64710512039O0001"
    assert normalise_nik(6471051203900001) == VALID


# --- valid NIK -----------------------------------------------------------------------------------


def test_valid_nik_is_parsed():
    result = parse(VALID, regency_codes=REGENCIES)
    assert result.ok
    assert result.issues == ()
    info = result.info
    assert info.nik == VALID
    assert info.province_code == "64"
    assert info.regency_code == "64.71"
    assert info.district_code == "64.71.05"
    assert info.birth_date == datetime.date(1990, 3, 12)
    assert info.sex == "L"
    assert info.serial == "0001"


def test_formatted_input_is_parsed():
    assert parse("6471 0512 0390 0001").info.nik == VALID


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   ", None, " - . "])
def test_required(value):
    result = parse(value)
    assert codes(result) == ["nik_required"]
    assert result.info is None
    assert not result.ok


@pytest.mark.parametrize("value", ["64710512039O0001", "6471/0512/0390/0001", "647105120390000١", "abc"])
def test_not_digits(value):
    result = parse(value)
    assert result.issues == (NikIssue("nik_not_digits", "error", {}),)
    assert result.info is None


@pytest.mark.parametrize("value", ["647105120390001", "64710512039000011", "1"])
def test_length(value):
    result = parse(value)
    assert result.issues == (NikIssue("nik_length", "error", {"length": len(value)}),)
    assert result.info is None


def test_province_unknown():
    result = parse(nik_with(province="99"))
    assert result.issues == (NikIssue("nik_province_unknown", "error", {"province": "99"}),)
    assert result.info.province_code == "99"


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_month_invalid(month):
    result = parse(nik_with(month=month))
    assert result.issues == (NikIssue("nik_month_invalid", "error", {"month": month}),)
    assert result.info.birth_date is None


@pytest.mark.parametrize("day", ["00", "32", "39", "40", "72", "99"])
def test_day_invalid(day):
    result = parse(nik_with(day=day))
    assert result.issues == (NikIssue("nik_day_invalid", "error", {"day": day}),)
    assert result.info.birth_date is None
    assert result.info.sex is None


@pytest.mark.parametrize(
    ("day", "month", "shown"),
    [("31", "02", "31-02-90"), ("31", "04", "31-04-90"), ("70", "02", "30-02-90"), ("71", "06", "31-06-90")],
)
def test_date_invalid(day, month, shown):
    result = parse(nik_with(day=day, month=month))
    assert result.issues == (NikIssue("nik_date_invalid", "error", {"date": shown}),)
    assert result.info.birth_date is None


def test_serial_zero():
    result = parse(nik_with(serial="0000"))
    assert result.issues == (NikIssue("nik_serial_zero", "error", {}),)
    assert result.info.birth_date == datetime.date(1990, 3, 12)


def test_all_issues_are_collected_in_order():
    result = parse(nik_with(province="99", month="13", day="35", serial="0000"), regency_codes=REGENCIES)
    assert codes(result) == [
        "nik_province_unknown",
        "nik_month_invalid",
        "nik_day_invalid",
        "nik_serial_zero",
        "nik_regency_unknown",
    ]
    assert len(result.errors) == 4
    assert len(result.warnings) == 1


# --- women, leap years, century ---------------------------------------------------------------


@pytest.mark.parametrize(("field", "day"), [("41", 1), ("52", 12), ("71", 31)])
def test_women_have_forty_added_to_the_day(field, day):
    result = parse(nik_with(day=field, month="01"))
    assert result.ok
    assert result.info.sex == "P"
    assert result.info.birth_date == datetime.date(1990, 1, day)


@pytest.mark.parametrize("field", ["01", "15", "31"])
def test_men_have_the_plain_day(field):
    result = parse(nik_with(day=field, month="01"))
    assert result.info.sex == "L"
    assert result.info.birth_date.day == int(field)


def test_29_february_in_a_leap_year():
    assert parse(nik_with(day="29", month="02", year="96")).info.birth_date == datetime.date(1996, 2, 29)
    assert parse(nik_with(day="69", month="02", year="04")).info.birth_date == datetime.date(2004, 2, 29)
    # 2000 is a leap year (1900 was not): YY "00" is 2000 here.
    assert parse(nik_with(day="29", month="02", year="00")).info.birth_date == datetime.date(2000, 2, 29)


@pytest.mark.parametrize(("day", "year"), [("29", "95"), ("69", "23"), ("29", "01")])
def test_29_february_outside_a_leap_year(day, year):
    result = parse(nik_with(day=day, month="02", year=year))
    assert codes(result) == ["nik_date_invalid"]
    assert result.info.birth_date is None


@pytest.mark.parametrize(
    ("ddmmyy", "expected"),
    [
        ("150625", datetime.date(2025, 6, 15)),  # today itself: 20YY
        ("140625", datetime.date(2025, 6, 14)),
        ("160625", datetime.date(1925, 6, 16)),  # tomorrow in 2025 would be in the future
        ("010199", datetime.date(1999, 1, 1)),
        ("010100", datetime.date(2000, 1, 1)),
        ("311226", datetime.date(1926, 12, 31)),
    ],
)
def test_century_choice(ddmmyy, expected):
    result = parse(nik_with(day=ddmmyy[:2], month=ddmmyy[2:4], year=ddmmyy[4:]))
    assert result.info.birth_date == expected


def test_century_defaults_to_the_real_today():
    result = parse_nik(nik_with(year="00"), province_codes=PROVINCES)
    assert result.info.birth_date == datetime.date(2000, 3, 12)


# --- warnings ----------------------------------------------------------------------------------


def test_regency_unknown_is_only_a_warning():
    result = parse(nik_with(regency="99"), regency_codes=REGENCIES)
    assert result.ok
    assert result.warnings == (NikIssue("nik_regency_unknown", "warning", {"regency": "64.99"}),)
    assert result.errors == ()


def test_regency_is_not_checked_without_codes():
    assert parse(nik_with(regency="99")).issues == ()


def test_compare_with_person_agrees():
    info = parse(VALID).info
    assert compare_with_person(info, birth_date=datetime.date(1990, 3, 12), sex="L") == ()
    # The century is a guess, so only the two-digit year is compared.
    assert compare_with_person(info, birth_date=datetime.date(2090, 3, 12), sex="L") == ()
    assert compare_with_person(info, birth_date=None, sex=None) == ()


def test_compare_with_person_birth_date_mismatch():
    info = parse(VALID).info
    issues = compare_with_person(info, birth_date=datetime.date(1990, 12, 3), sex=None)
    assert issues == (
        NikIssue("nik_birth_date_mismatch", "warning", {"nik_date": "1990-03-12", "stated": "1990-12-03"}),
    )


def test_compare_with_person_sex_mismatch():
    info = parse(nik_with(day="52")).info
    issues = compare_with_person(info, birth_date=datetime.date(1990, 3, 12), sex="L")
    assert issues == (NikIssue("nik_sex_mismatch", "warning", {"nik_sex": "P", "stated": "L"}),)


def test_compare_with_person_both_mismatch():
    info = parse(VALID).info
    issues = compare_with_person(info, birth_date=datetime.date(1991, 3, 12), sex="P")
    assert [issue.code for issue in issues] == ["nik_birth_date_mismatch", "nik_sex_mismatch"]


def test_compare_with_person_skips_an_invalid_nik_date():
    info = parse(nik_with(month="13")).info
    assert compare_with_person(info, birth_date=datetime.date(1990, 3, 12), sex=None) == ()


# --- make_nik ---------------------------------------------------------------------------------------


def test_make_nik():
    assert make_nik("64.71.05", datetime.date(1990, 3, 12), "L", 1) == VALID
    assert make_nik("647105", datetime.date(1990, 3, 12), "P", 9999) == "6471055203909999"


@pytest.mark.parametrize(
    ("district", "birth_date", "sex", "serial"),
    [
        ("64.71", datetime.date(1990, 1, 1), "L", 1),
        ("64.71.5", datetime.date(1990, 1, 1), "L", 1),
        ("6471051", datetime.date(1990, 1, 1), "L", 1),
        ("64.71.0a", datetime.date(1990, 1, 1), "L", 1),
        (647105, datetime.date(1990, 1, 1), "L", 1),
        ("64.71.05", "1990-01-01", "L", 1),
        ("64.71.05", datetime.date(1990, 1, 1), "M", 1),
        ("64.71.05", datetime.date(1990, 1, 1), None, 1),
        ("64.71.05", datetime.date(1990, 1, 1), "L", 0),
        ("64.71.05", datetime.date(1990, 1, 1), "L", 10000),
        ("64.71.05", datetime.date(1990, 1, 1), "L", "1"),
        ("64.71.05", datetime.date(1990, 1, 1), "L", True),
    ],
)
def test_make_nik_rejects_bad_input(district, birth_date, sex, serial):
    with pytest.raises(ValueError):
        make_nik(district, birth_date, sex, serial)


# --- mask_nik ----------------------------------------------------------------------------------------


def test_mask_nik():
    assert mask_nik(VALID) == "************0001"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("", ""),
        ("1234567", "*******"),
        ("12345678", "********"),  # 8..12 chars: the tail would be birth-date digits
        ("647105120390", "************"),
        ("6471051203900", "************0"),
        ("647105120390001", "************001"),
        ("64710512039000012", "*************0012"),
        ("6471 0512 0390 0001", "***************0001"),
    ],
)
def test_mask_other_lengths(value, masked):
    assert mask_nik(value) == masked


# --- properties --------------------------------------------------------------------------------------

digit_strings = st.text(alphabet="0123456789", min_size=16, max_size=16)


@given(
    district=st.sampled_from(DISTRICTS),
    birth_date=st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date.today()),
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_make_nik_round_trip(district, birth_date, sex, serial):
    result = parse_nik(make_nik(district, birth_date, sex, serial), province_codes=PROVINCES)
    assert result.ok, result.issues
    assert result.info.birth_date == birth_date
    assert result.info.sex == sex
    assert result.info.district_code == district
    assert result.info.serial == f"{serial:04d}"
    assert compare_with_person(result.info, birth_date=birth_date, sex=sex) == ()


@given(st.one_of(digit_strings, st.text(max_size=30)))
def test_mask_hides_birth_date_and_reveals_at_most_four(value):
    masked = mask_nik(value)
    assert len(masked) == len(value)
    visible = [(i, c) for i, c in enumerate(masked) if c != "*"]
    assert len(visible) <= 4
    assert all(i >= 12 for i, _ in visible)
    assert all(c == value[i] for i, c in visible)


@given(digit_strings)
def test_mask_of_sixteen_digits_does_not_contain_digits_7_to_12(value):
    masked = mask_nik(value)
    assert value[6:12] not in masked
    assert len(re.findall(r"[0-9]", masked)) <= 4


@given(digit_strings.map(lambda s: s[:12] + "0000"))
def test_serial_zero_is_always_an_error(value):
    result = parse(value)
    assert not result.ok
    assert "nik_serial_zero" in [issue.code for issue in result.errors]


@given(st.text(max_size=40).filter(lambda s: not re.fullmatch(r"[0-9]{16}", normalise_nik(s))))
def test_anything_but_sixteen_digits_gives_exactly_one_error(value):
    result = parse(value)
    assert len(result.issues) == 1
    assert result.issues[0].severity == "error"
    assert result.info is None


@given(digit_strings, st.sampled_from(sorted(PROVINCES)))
def test_sixteen_digits_always_give_info(value, province):
    result = parse(province + value[2:], regency_codes=REGENCIES)
    assert result.info is not None
    assert result.info.nik == province + value[2:]
    assert result.ok == (result.info.birth_date is not None and result.info.serial != "0000")
