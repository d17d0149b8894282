import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompeten.registry.phone import PhoneError, normalise_phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("0812.3456.7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62-812-3456-7890", "+6281234567890"),
        ("812345678", "+62812345678"),
        ("(0542) 123456", "+62542123456"),
        ("(021) 1234-5678", "+622112345678"),
        ("  0811 540 123  ", "+62811540123"),
        ("+6281234567890", "+6281234567890"),
    ],
)
def test_normalise_phone(value, expected):
    assert normalise_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "+65 9123 4567",  # Singapore
        "+1 202 555 0100",
        "0062812345678",  # national part would start with 0
        "+62 0812 3456 7890",
        "0812345",  # 6 digits after the 0: too short
        "0812 3456 7890 123",  # 13 digits: too long
        "62 1234567",  # 7 digits: too short
        "712345678",  # no prefix and not a mobile number
        "0812-3456-789O",
        "0812/3456/7890",
        "+",
        "62",
        "0",
        None,
        81234567890,
    ],
)
def test_invalid_phone(value):
    with pytest.raises(PhoneError) as excinfo:
        normalise_phone(value)
    assert excinfo.value.code == "phone_invalid"


def test_phone_error_is_a_value_error():
    assert issubclass(PhoneError, ValueError)
    assert PhoneError("phone_invalid").code == "phone_invalid"


def test_length_bounds():
    assert normalise_phone("021 1234 56") == "+6221123456"
    assert normalise_phone("0" + "8" * 12) == "+62" + "8" * 12
    with pytest.raises(PhoneError):
        normalise_phone("0" + "8" * 13)
    with pytest.raises(PhoneError):
        normalise_phone("0" + "2" * 7)


national_numbers = st.from_regex(r"[1-9][0-9]{7,11}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", ".", " - "])


@st.composite
def written_numbers(draw):
    national = draw(national_numbers)
    prefix = draw(st.sampled_from(["+62", "62", "0", "(0", "+62 "]))
    if prefix == "(0":
        cut = draw(st.integers(min_value=1, max_value=4))
        return f"(0{national[:cut]}) {national[cut:]}"
    sep = draw(separators)
    parts = [national[i : i + 4] for i in range(0, len(national), 4)]
    return prefix + sep.join(parts)


@given(written_numbers())
def test_normalise_phone_is_idempotent_and_e164(value):
    normalised = normalise_phone(value)
    assert normalise_phone(normalised) == normalised
    assert normalised.startswith("+62")
    assert re.fullmatch(r"\+[0-9]+", normalised)
    assert 11 <= len(normalised) <= 15


@given(st.from_regex(r"8[0-9]{7,11}", fullmatch=True))
def test_mobile_without_trunk_zero(value):
    assert normalise_phone(value) == "+62" + value
    assert normalise_phone("0" + value) == "+62" + value


@given(st.text(max_size=20))
def test_any_text_normalises_or_raises_phone_error(value):
    try:
        normalised = normalise_phone(value)
    except PhoneError as error:
        assert error.code == "phone_invalid"
    else:
        assert re.fullmatch(r"\+62[1-9][0-9]{7,11}", normalised)
